/* bench.h -- shared declarations of shale_bench, the storage benchmark that runs the same
 * db_bench-style workloads against ShaleDB and LevelDB in one process.
 *
 * The driver (bench_main.c, bench_run.c) knows nothing about either engine: each engine is a
 * BenchEngine vtable (bench_shale.c, bench_leveldb.c) over an opaque BenchDB. Workload
 * inputs -- keys, values, the random key sequence -- come from bench_workload.c and are a
 * pure function of the options and the seed, so every engine sees byte-identical input. */
#ifndef SHALE_TOOLS_BENCH_BENCH_H
#define SHALE_TOOLS_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/hash.h"
#include "util/status.h"

#define BENCH_MAX_ENGINES 4
#define BENCH_MAX_BENCHMARKS 64
#define BENCH_MAX_KEY 64          /* key_size upper bound (readmissing adds one byte) */

typedef enum BenchOrder {
    BENCH_ORDER_SEQUENTIAL,   /* engine A runs the whole list, closes; then engine B */
    BENCH_ORDER_INTERLEAVED   /* both DBs open; each benchmark runs on A, then on B */
} BenchOrder;

/* Every knob of a run. Filled by bench_main.c from the command line; read-only after. */
typedef struct BenchConfig {
    long num;                  /* key space and number of writes per fill */
    long reads;                /* ops of the read benchmarks; defaults to num */
    long sync_num;             /* ops of fillsync */
    int key_size;              /* bytes; zero-padded decimal of the key number */
    int value_size;
    int batch;                 /* entries per write batch (db_bench entries_per_batch) */
    int seek_nexts;            /* entries read after each seekrandom seek */
    size_t cache_bytes;
    size_t write_buffer_size;
    size_t block_size;
    int bloom_bits;
    bool compression;
    int max_open_files;
    bool leveldb_verify_checksums;
    uint64_t seed;
    bool histogram;            /* per-op latency percentiles (adds two clock reads per op) */
    bool check;                /* smoke-test mode: small defaults, verify every answer */
    bool keep;                 /* keep the DB directories after the run */
    bool use_existing_db;      /* skip the fills; reuse (and keep) the DBs in dir */
    BenchOrder order;
    char dir[512];
} BenchConfig;

/* --- engines ---------------------------------------------------------------------- */

typedef struct BenchDB BenchDB;       /* one engine's open database (engine-defined) */
typedef struct BenchIter BenchIter;   /* one engine's iterator (engine-defined) */

/* An engine adapter. All functions returning ShaleCode fill err on failure. Pointers
 * returned by get/iter_key/iter_value are owned by the engine (see each entry). */
typedef struct BenchEngine {
    const char *name;          /* the --engines token: "shale", "leveldb" */
    const char *label;         /* the table header: "ShaleDB", "LevelDB" */
    /* One line naming the engine's effective options (written into buf). */
    void (*describe)(const BenchConfig *cfg, char *buf, size_t cap);
    /* Opens (creating) the DB in dir; close with close(). */
    ShaleCode (*open)(const BenchConfig *cfg, const char *dir, BenchDB **out, ShaleError *err);
    /* Closes and frees db (waits for its background work). */
    ShaleCode (*close)(BenchDB *db, ShaleError *err);
    /* The db's one reusable write batch. */
    void (*batch_clear)(BenchDB *db);
    void (*batch_put)(BenchDB *db, const char *key, size_t klen, const char *val, size_t vlen);
    ShaleCode (*batch_commit)(BenchDB *db, bool sync, ShaleError *err);
    /* Point lookup: SHALE_OK with *val (owned by db, valid until its next get or close),
     * SHALE_NOT_FOUND, or an error. */
    ShaleCode (*get)(BenchDB *db, const char *key, size_t klen, const char **val, size_t *vlen, ShaleError *err);
    /* Iterator over the latest state; destroy before close. */
    BenchIter *(*iter_new)(BenchDB *db);
    void (*iter_destroy)(BenchIter *it);
    void (*iter_seek_to_first)(BenchIter *it);
    void (*iter_seek)(BenchIter *it, const char *key, size_t klen);
    bool (*iter_valid)(BenchIter *it);
    void (*iter_next)(BenchIter *it);
    /* Bytes owned by the iterator, valid until it moves. */
    const char *(*iter_key)(BenchIter *it, size_t *klen);
    const char *(*iter_value)(BenchIter *it, size_t *vlen);
    ShaleCode (*iter_status)(BenchIter *it, ShaleError *err);
    /* Flushes the memtable and compacts the whole key range; returns when done. */
    ShaleCode (*compact)(BenchDB *db, ShaleError *err);
    /* A one-line summary of the engine's state (L0 files, stalls ...) into buf. */
    void (*stats_brief)(BenchDB *db, char *buf, size_t cap);
    /* The engine's full statistics report into buf. */
    void (*stats_full)(BenchDB *db, char *buf, size_t cap);
} BenchEngine;

extern const BenchEngine bench_engine_shale;      /* bench_shale.c */
extern const BenchEngine bench_engine_leveldb;    /* bench_leveldb.c: built only with HAVE_LEVELDB */

/* --- workload inputs (bench_workload.c) ------------------------------------------ */

/* Formats key number k as cfg->key_size zero-padded decimal digits into buf (which holds
 * BENCH_MAX_KEY + 1 bytes); returns the length. REQUIRES: k < 10^key_size. */
size_t bench_workload_key(const BenchConfig *cfg, uint64_t k, char *buf);

/* The values: a pool of printable bytes built so each 100-byte stretch is half random and
 * half a repeat of that random half (compresses to ~50%, like db_bench). Values are
 * consecutive value_size slices of the pool, wrapping to its start. */
typedef struct BenchValueGen {
    char *pool;                /* owned; free with bench_workload_values_free */
    size_t pool_size;
    size_t pos;
} BenchValueGen;

ShaleCode bench_workload_values_init(BenchValueGen *g, size_t value_size, uint64_t seed, ShaleError *err) SHALE_WARN_UNUSED;
void bench_workload_values_free(BenchValueGen *g);
/* Restarts the slice sequence (each benchmark starts at slice 0 on every engine). */
static inline void bench_workload_values_rewind(BenchValueGen *g)
{
    g->pos = 0;
}
/* The next slice of n bytes (pointer into the pool, owned by g); *offset is its pool offset. */
static inline const char *bench_workload_values_next(BenchValueGen *g, size_t n, uint32_t *offset)
{
    if (g->pos + n > g->pool_size)
        g->pos = 0;
    const char *p = g->pool + g->pos;
    *offset = (uint32_t)g->pos;
    g->pos += n;
    return p;
}

/* Seeds the random key stream number `stream` of a run: the same on every engine. */
static inline void bench_workload_seed(ShaleRandom *r, uint64_t seed, uint64_t stream)
{
    shale_random_seed(r, shale_hash_u64(seed) ^ (stream + 1));
}

/* Monotonic clock in nanoseconds. */
uint64_t bench_workload_now_ns(void);

/* Removes the directory tree at path (no error if it does not exist). */
ShaleCode bench_workload_remove_tree(const char *path, ShaleError *err) SHALE_WARN_UNUSED;

/* --- latency histogram (bench_hist.c) ---------------------------------------------- */

/* Log-linear buckets: exact below 64 ns, then 8 buckets per power of two (< 12.5% error). */
#define BENCH_HIST_BUCKETS (64 + 8 * 58)
typedef struct BenchHist {
    uint64_t count;
    uint64_t max_ns;
    uint64_t buckets[BENCH_HIST_BUCKETS];
} BenchHist;

void bench_hist_add(BenchHist *h, uint64_t ns);
/* How many samples were at least ns (to bucket precision). */
uint64_t bench_hist_count_at_least(const BenchHist *h, uint64_t ns);
/* The latency (ns, bucket upper bound) at fraction q in [0, 1]; 0 when empty. */
uint64_t bench_hist_percentile(const BenchHist *h, double q);

/* --- one run of one benchmark on one engine (bench_run.c) ------------------------- */

typedef struct BenchResult {
    bool ran;
    bool failed;
    bool is_compact;           /* "compact": one op, report seconds */
    uint64_t ops;
    uint64_t bytes;            /* keys + values written or read */
    uint64_t found;            /* reads: keys found (seekrandom: exact hits) */
    double seconds;
    char brief[256];           /* the engine's stats_brief after the run */
    char error[SHALE_ERROR_MSG_MAX];
    BenchHist *hist;           /* owned; NULL unless --histogram */
} BenchResult;

/* One engine's open database and the state the workloads carry across benchmarks. */
typedef struct BenchRunner {
    const BenchEngine *eng;
    BenchDB *db;               /* NULL when closed */
    char dir[600];
    BenchValueGen values;
    /* --check only: the value pool offset last written for each key, or BENCH_ABSENT. */
    uint32_t *latest;
    uint64_t n_mismatches;     /* --check failures seen (the first 10 go to stderr) */
    int n_dbs;                 /* DBs opened so far (fills start a fresh one) */
    char db_benchmarks[512];   /* names of the benchmarks run on the open DB */
    ShaleBuf stats_log;        /* owned: stats_full of every DB, captured before its close */
} BenchRunner;

#define BENCH_ABSENT UINT32_MAX

/* Names of the known benchmarks; NULL-terminated. */
extern const char *const bench_run_names[];
bool bench_run_known(const char *name);

/* Creates r for eng (nothing opened yet). Frees with bench_run_runner_free. */
ShaleCode bench_run_runner_init(BenchRunner *r, const BenchEngine *eng, const BenchConfig *cfg, ShaleError *err) SHALE_WARN_UNUSED;
/* Closes the DB if open (logging stats_full), removes the directory unless cfg->keep or
 * cfg->use_existing_db. */
ShaleCode bench_run_runner_finish(BenchRunner *r, const BenchConfig *cfg, ShaleError *err);
void bench_run_runner_free(BenchRunner *r);
/* Destroys and recreates an empty DB. */
ShaleCode bench_run_fresh_db(BenchRunner *r, const BenchConfig *cfg, ShaleError *err) SHALE_WARN_UNUSED;

/* Runs benchmark `name` on r and fills *res; occurrence counts earlier runs of the same name
 * in the list (it and the name pick the random key stream). Returns an error only for engine failures (res->error has the message too). */
ShaleCode bench_run_one(BenchRunner *r, const BenchConfig *cfg, const char *name, int occurrence, BenchResult *res, ShaleError *err);

#endif
