/* obs.h -- server-wide observability (docs/observability.md): one list of metrics, read by
 * the pg_catalog.shale_stats view (one row per metric) and by the Prometheus /metrics
 * endpoint (src/server/metrics_http.c), so both always show the same numbers; the engine's
 * own counters (transactions, deadlocks, serialization failures, failed statements).
 *
 * Sources: the storage engine (shale_db_stats: levels, memtables, compaction, stalls, block
 * cache, bloom filters, WAL, checkpoints, dropped ranges), the embedding engine (jobs pending
 * and failed, the age of the oldest pending job), the session registry (connections) and the
 * ObsState counters below.
 *
 * Cost: counting is relaxed atomics (statistics, not synchronisation). Collecting takes
 * only short internal locks (the storage engine's stats lock, the embedding engine's lock
 * for O(queues) work, the session registry lock): never a lock a statement holds while it
 * runs, so a scrape cannot stall SQL work and SQL work cannot stall a scrape for long.
 *
 * Threading: everything here is thread-safe. Ownership: the SqlEngine owns its ObsState
 * (eng->obs), created by obs_state_new in sql_engine_open and freed in sql_engine_close. */
#ifndef SHALE_SQL_OBS_H
#define SHALE_SQL_OBS_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/sqlerror.h"
#include "sql/pgcat/pgcat.h"
#include "sql/sql.h"

typedef enum ObsType {
    OBS_COUNTER,                   /* only goes up (since server start) */
    OBS_GAUGE                      /* a level that goes up and down */
} ObsType;

/* One metric sample. Strings are static or live until the emit callback returns. */
typedef struct ObsMetric {
    const char *name;              /* "block_cache_hits_total"; Prometheus: "shaledb_" + name */
    const char *label_name;        /* "level", "kind" or NULL (no label) */
    const char *label_value;       /* "0", "slowdown", ... (NULL when label_name is) */
    ObsType type;
    bool is_float;                 /* value in d (ratios, seconds) rather than u */
    uint64_t u;
    double d;
    const char *unit;              /* "bytes", "seconds", "ratio", "files", "" */
    const char *help;              /* one line, no backslash or newline */
} ObsMetric;

/* Returns 0 to go on, nonzero to stop (collect returns that value). */
typedef int (*ObsEmitFn)(void *arg, const ObsMetric *m);

/* Every metric, in a fixed order; samples of one name are consecutive (the exporter writes
 * HELP/TYPE once per name). Returns 0 or the callback's nonzero value. */
int obs_collect(SqlEngine *eng, ObsEmitFn fn, void *arg);

/* ---- engine counters (called by sql/session*.c) ------------------------------------------- */

typedef struct ObsState ObsState;

/* NULL on OOM (the engine then runs without statistics: every obs_* call accepts NULL). */
ObsState *obs_state_new(void);
void obs_state_free(ObsState *o);

/* A client transaction ended (commit = it committed). */
void obs_note_txn(ObsState *o, bool commit);
/* A statement (or an implicit commit) failed with err: counts deadlocks (40P01) and
 * serialization failures (40001). */
void obs_note_error(ObsState *o, const SqlError *err);

/* pg_stat_statements' table (sql/pgss.h), owned by o; NULL when o is or on OOM. */
struct PgssTable *obs_pgss(ObsState *o);

/* The SQL surface (pgcat registries, as embed_views_*): the views pg_catalog.shale_stats
 * and pg_stat_statements (sql/pgss.c); the functions pg_stat_statements_reset (sql/pgss.c)
 * and pg_sleep, pg_sleep_for, pg_sleep_until (sql/pg_sleep.c). */
int obs_func_count(void);
const PgCatFunc *obs_func_at(int i);
const PgCatTable *obs_views_lookup(const char *schema, const char *name);
const PgCatTable *obs_views_lookup_oid(Oid oid);
int obs_views_count(void);
const PgCatTable *obs_views_at(int i);

#endif
