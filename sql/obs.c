/* obs.c -- the server-wide metric list (obs_collect), the engine counters it reports, and the
 * pg_catalog.shale_stats view over it (one row per metric sample).
 *
 * shale_stats columns: name text (the Prometheus name without "shaledb_"), labels text
 * ('level=0', 'kind=stop' or NULL), value numeric (integers exact; ratios/seconds with up to
 * 6 decimals), type text ('counter'/'gauge'), unit text, description text. Readable by
 * everyone, as PostgreSQL's pg_stat_* views are. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sql/embed_int.h"
#include "sql/obs.h"
#include "sql/pgss.h"
#include "sql/pg_sleep.h"
#include "sql/session_int.h"
#include "sql/types/types.h"
#include "storage/shale_storage.h"

#define OBS_VIEW_STATS_OID 9420u

struct ObsState {
    atomic_uint_fast64_t xact_commit, xact_rollback, statement_errors, deadlocks, serialization_failures;
    double start_time;             /* Unix epoch seconds; set once at creation */
    PgssTable *pgss;               /* pg_stat_statements (sql/pgss.h); owned; NULL = off */
};

ObsState *obs_state_new(void)
{
    ObsState *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    o->start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    o->pgss = pgss_new();
    return o;
}

void obs_state_free(ObsState *o)
{
    if (!o)
        return;
    pgss_free(o->pgss);
    free(o);
}

PgssTable *obs_pgss(ObsState *o)
{
    return o ? o->pgss : NULL;
}

void obs_note_txn(ObsState *o, bool commit)
{
    if (!o)
        return;
    atomic_fetch_add_explicit(commit ? &o->xact_commit : &o->xact_rollback, 1, memory_order_relaxed);
}

void obs_note_error(ObsState *o, const SqlError *err)
{
    if (!o || !err)
        return;
    atomic_fetch_add_explicit(&o->statement_errors, 1, memory_order_relaxed);
    if (err->code == ERRCODE_DEADLOCK_DETECTED)
        atomic_fetch_add_explicit(&o->deadlocks, 1, memory_order_relaxed);
    else if (err->code == ERRCODE_SERIALIZATION_FAILURE)
        atomic_fetch_add_explicit(&o->serialization_failures, 1, memory_order_relaxed);
}

/* ---- collection ------------------------------------------------------------------------ */

typedef struct Collector {
    ObsEmitFn fn;
    void *arg;
    int rc;
} Collector;

static void emit(Collector *c, const char *name, const char *lname, const char *lval, ObsType type, bool is_float,
                 uint64_t u, double d, const char *unit, const char *help)
{
    if (c->rc)
        return;
    ObsMetric m = {name, lname, lval, type, is_float, u, d, unit, help};
    c->rc = c->fn(c->arg, &m);
}

#define CTR(name, v, unit, help) emit(&c, name, NULL, NULL, OBS_COUNTER, false, (uint64_t)(v), 0, unit, help)
#define GAUGE(name, v, unit, help) emit(&c, name, NULL, NULL, OBS_GAUGE, false, (uint64_t)(v), 0, unit, help)
#define FGAUGE(name, v, unit, help) emit(&c, name, NULL, NULL, OBS_GAUGE, true, 0, (v), unit, help)
#define FCTR(name, v, unit, help) emit(&c, name, NULL, NULL, OBS_COUNTER, true, 0, (v), unit, help)

/* Embedding backlog over every database: pending/ready/failed from the per-column counters,
 * the oldest pending job from the queue heads and the in-flight batches (a retried job goes
 * back to its queue's tail, so this is the oldest job in queue order: O(queues), never a
 * walk over a large backlog under the lock the workers need). */
static void embed_backlog(EmbedEngine *ee, int64_t *pending, int64_t *ready, int64_t *failed, int64_t *oldest)
{
    *pending = *ready = *failed = *oldest = 0;
    if (!ee)
        return;
    pthread_mutex_lock(&ee->mu);
    for (int i = 0; i < ee->ncols; i++) {
        *pending += ee->cols[i].pending;
        *ready += ee->cols[i].ready;
        *failed += ee->cols[i].failed;
    }
    for (int q = 0; q < ee->nqueues; q++) {
        const EmbedItem *it = ee->queues[q].head;
        if (it && (!*oldest || it->enqueued_at < *oldest))
            *oldest = it->enqueued_at;
    }
    for (int w = 0; w < 64; w++)
        for (int k = 0; k < ee->wf_n[w]; k++) {
            const EmbedItem *it = ee->wf_items[w][k];
            if (!*oldest || it->enqueued_at < *oldest)
                *oldest = it->enqueued_at;
        }
    pthread_mutex_unlock(&ee->mu);
}

int obs_collect(SqlEngine *eng, ObsEmitFn fn, void *arg)
{
    Collector c = {fn, arg, 0};
    ShaleDBStats st;
    shale_db_stats(eng->db, &st);
    static const char *const lvl[SHALE_NUM_LEVELS] = {"0", "1", "2", "3", "4", "5", "6"};
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        emit(&c, "lsm_level_files", "level", lvl[l], OBS_GAUGE, false, st.levels[l].files, 0, "files",
             "SSTable files in the LSM level");
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        emit(&c, "lsm_level_bytes", "level", lvl[l], OBS_GAUGE, false, st.levels[l].bytes, 0, "bytes",
             "Bytes of SSTables in the LSM level");
    uint64_t compactions = 0, comp_read = 0;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        compactions += st.levels[l].compactions;
        comp_read += st.levels[l].bytes_read;
    }
    GAUGE("memtable_bytes", st.memtable_bytes, "bytes", "Bytes in the active and frozen memtables");
    GAUGE("immutable_memtables", st.imm_memtables, "", "Frozen memtables waiting to be flushed");
    CTR("flushes_total", st.flushes, "", "Memtable flushes to level 0");
    CTR("flush_bytes_total", st.flush_bytes_written, "bytes", "Bytes written by memtable flushes");
    CTR("compactions_total", compactions, "", "Compactions done");
    CTR("compaction_bytes_read_total", comp_read, "bytes", "Bytes read by compactions");
    CTR("compaction_bytes_written_total", st.compaction_bytes_written, "bytes", "Bytes written by compactions");
    GAUGE("pending_compaction_bytes", st.pending_compaction_bytes, "bytes", "Rough bytes over the level targets");
    emit(&c, "write_stalls_total", "kind", "slowdown", OBS_COUNTER, false, st.stalls_slowdown, 0, "",
         "Writes delayed (slowdown: L0 at its slowdown trigger; stop: L0 or memtables full)");
    emit(&c, "write_stalls_total", "kind", "stop", OBS_COUNTER, false, st.stalls_stop, 0, "",
         "Writes delayed (slowdown: L0 at its slowdown trigger; stop: L0 or memtables full)");
    FCTR("write_stall_seconds_total", (double)st.stall_micros / 1e6, "seconds", "Time writers spent stalled");
    CTR("block_cache_hits_total", st.cache_hits, "", "Block cache lookups that found the block");
    CTR("block_cache_misses_total", st.cache_misses, "", "Block cache lookups that read the block from disk");
    uint64_t lookups = st.cache_hits + st.cache_misses;
    FGAUGE("block_cache_hit_ratio", lookups ? (double)st.cache_hits / (double)lookups : 0.0, "ratio",
           "Block cache hits / lookups since start (0 before the first lookup)");
    GAUGE("block_cache_bytes", st.cache_bytes, "bytes", "Bytes held in the block cache");
    CTR("bloom_checks_total", st.bloom_checks, "", "Point lookups that consulted a bloom filter");
    CTR("bloom_useful_total", st.bloom_useful, "", "Bloom filter checks that saved a block read");
    CTR("bloom_false_positives_total", st.bloom_false_positives, "",
        "Bloom filter checks that said maybe for an absent key");
    CTR("user_bytes_written_total", st.user_bytes_written, "bytes", "Key and value bytes written to storage");
    CTR("wal_bytes_total", st.wal_bytes_written, "bytes", "Bytes appended to the write-ahead log");
    CTR("wal_syncs_total", st.wal_syncs, "", "fdatasync calls on the write-ahead log");
    CTR("wal_synced_writes_total", st.synced_writes, "", "Durable (synced) writes; group commit shares syncs");
    FGAUGE("wal_group_commit_ratio", st.wal_syncs ? (double)st.synced_writes / (double)st.wal_syncs : 0.0, "ratio",
           "Synced writes per WAL sync since start (group commit batching)");
    FGAUGE("write_amplification", st.write_amplification, "ratio",
           "(WAL + flush + compaction bytes) / user bytes since start");
    GAUGE("last_sequence", st.last_sequence, "", "Last storage sequence number");
    GAUGE("snapshots", st.snapshots, "", "Live storage snapshots");
    CTR("checkpoints_total", st.checkpoints, "", "Consistent storage checkpoints taken (backups)");
    GAUGE("dropped_ranges", st.dropped_ranges, "", "Dropped key ranges whose data compaction has yet to remove");
    CTR("ranges_dropped_total", st.ranges_dropped, "", "Key ranges dropped (DROP TABLE, TRUNCATE, ...)");

    int64_t pending, ready, failed, oldest;
    embed_backlog(eng->embed, &pending, &ready, &failed, &oldest);
    GAUGE("embedding_jobs_pending", pending, "", "Embedding jobs waiting or in flight");
    GAUGE("embedding_jobs_failed", failed, "", "Embedding jobs that failed for good");
    GAUGE("embedding_jobs_ready", ready, "", "Embedding jobs done");
    int64_t now = embed_now_us();
    FGAUGE("embedding_lag_seconds", pending > 0 && oldest && now > oldest ? (double)(now - oldest) / 1e6 : 0.0,
           "seconds", "Age of the oldest pending embedding job (0 when none)");

    int64_t sessions = 0;
    pthread_mutex_lock(&eng->sessions_mu);
    for (const SqlSession *s = eng->sessions; s; s = s->reg_next)
        sessions++;
    pthread_mutex_unlock(&eng->sessions_mu);
    GAUGE("connections", sessions, "", "Client sessions open");
    ObsState *o = eng->obs;
#define LOAD(f) (o ? atomic_load_explicit(&o->f, memory_order_relaxed) : 0)
    CTR("xact_commit_total", LOAD(xact_commit), "", "Client transactions committed");
    CTR("xact_rollback_total", LOAD(xact_rollback), "", "Client transactions rolled back or failed");
    CTR("statement_errors_total", LOAD(statement_errors), "", "Statements that failed with an error");
    CTR("deadlocks_total", LOAD(deadlocks), "", "Deadlocks detected (40P01)");
    CTR("serialization_failures_total", LOAD(serialization_failures), "",
        "Serialization failures (40001)");
#undef LOAD
    FGAUGE("start_time_seconds", o ? o->start_time : 0.0, "seconds", "Server start time, Unix epoch seconds");
    return c.rc;
}

/* ---- shale_stats ----------------------------------------------------------------------- */

static const PgCatColumn stats_cols[] = {
    {"name", TEXTOID, -1}, {"labels", TEXTOID, -1}, {"value", NUMERICOID, -1},
    {"type", TEXTOID, -1}, {"unit", TEXTOID, -1}, {"description", TEXTOID, -1},
};

typedef struct StatsScan {
    const QueryEnv *env;
    ShaleArena *arena;
    PgCatEmit emit;
    void *arg;
    SqlError *err;
} StatsScan;

static Value text_of(ShaleArena *a, const char *s)
{
    if (!s)
        return value_null(TEXTOID);
    size_t n = strlen(s);
    char *p = shale_arena_alloc(a, n + 1);
    if (!p)
        return value_null(TEXTOID);
    memcpy(p, s, n + 1);
    return value_bytes(TEXTOID, p, (uint32_t)n);
}

/* Formats a sample's value as text: integers exactly, doubles with 6 decimals, trailing zeros
 * trimmed. Shared with the exporter's conventions (docs/observability.md). */
static void value_text(const ObsMetric *m, char *buf, size_t cap)
{
    if (!m->is_float) {
        snprintf(buf, cap, "%llu", (unsigned long long)m->u);
        return;
    }
    double d = isfinite(m->d) ? m->d : 0.0;
    snprintf(buf, cap, "%.6f", d);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
}

static int stats_row(void *arg, const ObsMetric *m)
{
    StatsScan *sc = arg;
    char num[64], labels[96];
    value_text(m, num, sizeof num);
    Value v[6];
    v[0] = text_of(sc->arena, m->name);
    if (m->label_name) {
        snprintf(labels, sizeof labels, "%s=%s", m->label_name, m->label_value);
        v[1] = text_of(sc->arena, labels);
    } else {
        v[1] = value_null(TEXTOID);
    }
    if (types_input(sc->env->tc, NUMERICOID, -1, num, strlen(num), sc->arena, &v[2], sc->err) != 0)
        return -1;
    v[3] = text_of(sc->arena, m->type == OBS_COUNTER ? "counter" : "gauge");
    v[4] = text_of(sc->arena, m->unit);
    v[5] = text_of(sc->arena, m->help);
    return sc->emit(sc->arg, v, sc->err) == 0 ? 0 : -1;
}

static int stats_rows(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit_fn, void *arg, SqlError *err)
{
    SqlSession *s = env->session;
    if (!s)
        return 0;
    StatsScan sc = {env, arena, emit_fn, arg, err};
    return obs_collect(s->eng, stats_row, &sc) == 0 ? 0 : -1;
}

static const PgCatTable obs_views[] = {
    {"pg_catalog", "shale_stats", OBS_VIEW_STATS_OID, 'v', 6, stats_cols, stats_rows},
};
#define N_VIEWS ((int)(sizeof obs_views / sizeof obs_views[0]))
#define N_ALL_VIEWS (N_VIEWS + 2)  /* + pg_stat_statements(_info) (sql/pgss.c) */

static const PgCatTable *view_at(int i)
{
    return i < N_VIEWS ? &obs_views[i] : i == N_VIEWS ? &pgss_view : &pgss_info_view;
}

const PgCatTable *obs_views_lookup(const char *schema, const char *name)
{
    for (int i = 0; i < N_ALL_VIEWS; i++)
        if (!strcmp(view_at(i)->name, name) && !strcmp(view_at(i)->schema, schema ? schema : "pg_catalog"))
            return view_at(i);
    return NULL;
}

const PgCatTable *obs_views_lookup_oid(Oid oid)
{
    for (int i = 0; i < N_ALL_VIEWS; i++)
        if (view_at(i)->oid == oid)
            return view_at(i);
    return NULL;
}

int obs_views_count(void)
{
    return N_ALL_VIEWS;
}

const PgCatTable *obs_views_at(int i)
{
    return i >= 0 && i < N_ALL_VIEWS ? view_at(i) : NULL;
}

int obs_func_count(void)
{
    return pgss_func_count() + pg_sleep_func_count();
}

const PgCatFunc *obs_func_at(int i)
{
    return i < pgss_func_count() ? pgss_func_at(i) : pg_sleep_func_at(i - pgss_func_count());
}
