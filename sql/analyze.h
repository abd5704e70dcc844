/* analyze.h -- ANALYZE: per-column planner statistics (sql/analyze.c computes and stores
 * them, sql/stats.c decodes them for the planner and pg_stats).
 *
 * Statistics blob (the value rel_stats_put stores; every multi-byte integer little-endian):
 *   version:u8 = 1
 *   reltuples:f64 (fixed64 bits)      live rows counted by ANALYZE
 *   relpages:u32                      estimated 8 kB pages (sum of row widths / 8192)
 *   analyzed_at:i64                   timestamptz of the ANALYZE (PostgreSQL-epoch microseconds)
 *   analyze_count:u32                 ANALYZEs of the table so far
 *   ncols:varint, then per analyzed column:
 *     attnum:varint  type:u32  null_frac:f64  n_distinct:f64  correlation:f64 (NaN = none)
 *     avg_width:varint
 *     n_mcv:varint, n_mcv x (freq:f64, len:varint, row-field body of the value)
 *     n_hist:varint, n_hist x (len:varint, row-field body)      (rowcodec.h bodies)
 * n_distinct follows pg_stats: > 0 a count, < 0 minus a fraction of the rows. */
#ifndef SHALE_SQL_ANALYZE_H
#define SHALE_SQL_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/value.h"
#include "facets/relational/relational.h"
#include "sql/parser/ast.h"
#include "sql/sql.h"
#include "util/arena.h"

#define STATS_SAMPLE_ROWS 30000   /* 300 x default_statistics_target (100) */
#define STATS_MAX_MCV 100
#define STATS_MAX_HIST 101

typedef struct ColStats {
    int attnum;
    Oid type;
    double null_frac;
    double n_distinct;
    double correlation;          /* NaN: not computed */
    int avg_width;
    int n_mcv;
    Value *mcv;                  /* most common values, most frequent first */
    double *mcv_freq;
    int n_hist;
    Value *hist;                 /* histogram bounds (values not in mcv), ascending */
} ColStats;

typedef struct TableStats {
    double reltuples;
    uint32_t relpages;
    int64_t analyzed_at;
    uint32_t analyze_count;
    int ncols;
    ColStats *cols;
} TableStats;

/* Decodes a blob into *out; values and arrays live in arena (values borrow blob bytes: the
 * blob must outlive them). Returns 0, or -1 on malformed bytes (SHALE_CORRUPTION-like:
 * callers treat it as "no statistics"). */
int stats_decode(const char *p, size_t n, ShaleArena *arena, TableStats *out);
/* The statistics of table reloid, blob copied and decoded in arena (owned by its owner);
 * NULL when never analyzed (or bad bytes / OOM). */
const TableStats *stats_load(RelDB *rdb, Oid db, Oid reloid, ShaleArena *arena);
/* The entry of attnum, or NULL. */
const ColStats *stats_column(const TableStats *ts, int attnum);

/* ANALYZE / VACUUM (ANALYZE) (sql/analyze.c), dispatched by utility.c: runs in the
 * session's transaction snapshot; INFO notices with VERBOSE; 42P01 / 42703 for unknown
 * tables / columns. */
SqlStatus analyze_execute(SqlSession *s, const AstVacuumStmt *vs, const char *text, const SqlSink *sink,
                          SqlError *err);

#endif
