/* bench_run.c -- the workloads of shale_bench, written once against the BenchEngine vtable
 * so both engines run exactly the same loop.
 *
 * Workloads (db_bench semantics; N = --num, R = --reads, S = --sync_num):
 *   fillseq      fresh DB; N puts, keys 0..N-1 in order, no sync
 *   fillrandom   fresh DB; N puts, keys uniform in [0, N), no sync
 *   overwrite    N puts, keys uniform in [0, N), into the DB as it is
 *   readrandom   R gets of keys uniform in [0, N); counts the keys found
 *   readmissing  R gets of "<key>." -- absent keys that sort between present ones
 *   seekrandom   R times: a new iterator, seek to a uniform key, read the entry there and
 *                --seek_nexts more with next(); counts seeks that landed on that exact key
 *   readseq      one iterator from the first key; reads up to R entries
 *   fillsync     fresh DB; S puts of uniform keys, each write synced (fdatasync)
 *   compact      flush + compact the whole key range; timed once
 * Writes go through the engine's batch of --batch entries (1 by default, as db_bench).
 * With --use_existing_db the fills are skipped and the rest run on the DB left in --dir by
 * an earlier --keep=1 run (for profiling reads without refilling).
 *
 * With --check every answer is verified against a shadow of the DB (the value pool offset
 * last written per key): found/not-found, value bytes, and the exact key order of scans. */
#include "tools/bench/bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const bench_run_names[] = {
    "fillseq", "fillrandom", "overwrite", "readrandom", "readmissing", "seekrandom",
    "readseq", "fillsync", "compact", NULL
};

bool bench_run_known(const char *name)
{
    for (int i = 0; bench_run_names[i]; i++)
        if (strcmp(bench_run_names[i], name) == 0)
            return true;
    return false;
}

/* Reports a --check mismatch (the first few in detail) and marks the runner failed. */
static void bench_run_mismatch(BenchRunner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bench_run_mismatch(BenchRunner *r, const char *fmt, ...)
{
    if (r->n_mismatches++ >= 10)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "CHECK MISMATCH (%s): ", r->eng->label);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

ShaleCode bench_run_runner_init(BenchRunner *r, const BenchEngine *eng, const BenchConfig *cfg, ShaleError *err)
{
    memset(r, 0, sizeof *r);
    r->eng = eng;
    shale_buf_init(&r->stats_log);
    snprintf(r->dir, sizeof r->dir, "%s/%s", cfg->dir, eng->name);
    ShaleCode rc = bench_workload_values_init(&r->values, (size_t)cfg->value_size, cfg->seed, err);
    if (rc)
        return rc;
    if (cfg->check) {
        r->latest = malloc((size_t)cfg->num * sizeof *r->latest);
        if (!r->latest)
            return SHALE_ERR_NOMEM(err, "check shadow of %ld keys", cfg->num);
        memset(r->latest, 0xff, (size_t)cfg->num * sizeof *r->latest);
    }
    return SHALE_OK;
}

/* Appends the open DB's full stats to r->stats_log, then closes it. */
static ShaleCode bench_run_close_db(BenchRunner *r, ShaleError *err)
{
    const size_t cap = 16384;
    char *stats = malloc(cap);
    if (stats) {
        r->eng->stats_full(r->db, stats, cap);
        char head[700];
        int n = snprintf(head, sizeof head, "\n--- %s stats, DB #%d (%s), before close ---\n",
                         r->eng->label, r->n_dbs, r->db_benchmarks);
        shale_buf_append(&r->stats_log, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
        shale_buf_append(&r->stats_log, stats, strlen(stats));
        free(stats);
    }
    ShaleCode rc = r->eng->close(r->db, err);
    r->db = NULL;
    return rc;
}

ShaleCode bench_run_runner_finish(BenchRunner *r, const BenchConfig *cfg, ShaleError *err)
{
    ShaleCode rc = SHALE_OK;
    if (r->db)
        rc = bench_run_close_db(r, err);
    if (!cfg->keep && !cfg->use_existing_db) {
        ShaleError e2;
        if (bench_workload_remove_tree(r->dir, &e2) != SHALE_OK)
            fprintf(stderr, "warning: %s\n", e2.msg);
    }
    return rc;
}

void bench_run_runner_free(BenchRunner *r)
{
    bench_workload_values_free(&r->values);
    shale_buf_free(&r->stats_log);
    free(r->latest);
    r->latest = NULL;
}

ShaleCode bench_run_fresh_db(BenchRunner *r, const BenchConfig *cfg, ShaleError *err)
{
    if (r->db) {
        ShaleCode rc = bench_run_close_db(r, err);
        if (rc)
            return rc;
    }
    ShaleCode rc = bench_workload_remove_tree(r->dir, err);
    if (rc)
        return rc;
    if (r->latest)
        memset(r->latest, 0xff, (size_t)cfg->num * sizeof *r->latest);
    r->n_dbs++;
    r->db_benchmarks[0] = '\0';
    return r->eng->open(cfg, r->dir, &r->db, err);
}

/* Per-op latency sampling (only with --histogram). */
static inline void bench_run_tick(BenchResult *res, uint64_t *last)
{
    if (res->hist) {
        uint64_t now = bench_workload_now_ns();
        bench_hist_add(res->hist, now - *last);
        *last = now;
    }
}

static ShaleCode bench_run_write(BenchRunner *r, const BenchConfig *cfg, uint64_t stream, bool random, long n,
                                 bool sync, BenchResult *res, ShaleError *err)
{
    const BenchEngine *e = r->eng;
    ShaleRandom rnd;
    bench_workload_seed(&rnd, cfg->seed, stream);
    bench_workload_values_rewind(&r->values);
    size_t vlen = (size_t)cfg->value_size;
    char key[BENCH_MAX_KEY + 2];
    uint64_t t0 = bench_workload_now_ns(), last = t0;
    for (long i = 0; i < n; i += cfg->batch) {
        long m = n - i < cfg->batch ? n - i : cfg->batch;
        e->batch_clear(r->db);
        for (long j = 0; j < m; j++) {
            uint64_t k = random ? shale_random_uniform(&rnd, (uint64_t)cfg->num) : (uint64_t)(i + j);
            size_t klen = bench_workload_key(cfg, k, key);
            uint32_t off;
            const char *v = bench_workload_values_next(&r->values, vlen, &off);
            e->batch_put(r->db, key, klen, v, vlen);
            res->bytes += klen + vlen;
            if (r->latest)
                r->latest[k] = off;
        }
        ShaleCode rc = e->batch_commit(r->db, sync, err);
        if (rc)
            return rc;
        res->ops += (uint64_t)m;
        bench_run_tick(res, &last);
    }
    res->seconds = (double)(bench_workload_now_ns() - t0) / 1e9;
    return SHALE_OK;
}

/* --check: is val the value last written for key number k? */
static void bench_run_verify_value(BenchRunner *r, const BenchConfig *cfg, uint64_t k, const char *val, size_t vlen)
{
    uint32_t off = r->latest[k];
    if (off == BENCH_ABSENT) {
        bench_run_mismatch(r, "key %llu found but was never written", (unsigned long long)k);
    } else if (vlen != (size_t)cfg->value_size || memcmp(val, r->values.pool + off, vlen) != 0) {
        bench_run_mismatch(r, "key %llu has a wrong value (%zu bytes)", (unsigned long long)k, vlen);
    }
}

static ShaleCode bench_run_readrandom(BenchRunner *r, const BenchConfig *cfg, uint64_t stream, bool missing,
                                      BenchResult *res, ShaleError *err)
{
    const BenchEngine *e = r->eng;
    ShaleRandom rnd;
    bench_workload_seed(&rnd, cfg->seed, stream);
    char key[BENCH_MAX_KEY + 2];
    uint64_t t0 = bench_workload_now_ns(), last = t0;
    for (long i = 0; i < cfg->reads; i++) {
        uint64_t k = shale_random_uniform(&rnd, (uint64_t)cfg->num);
        size_t klen = bench_workload_key(cfg, k, key);
        if (missing)
            key[klen++] = '.';
        const char *val;
        size_t vlen;
        ShaleCode rc = e->get(r->db, key, klen, &val, &vlen, err);
        if (rc == SHALE_OK) {
            res->found++;
            res->bytes += klen + vlen;
            if (r->latest) {
                if (missing)
                    bench_run_mismatch(r, "missing key %llu. was found", (unsigned long long)k);
                else
                    bench_run_verify_value(r, cfg, k, val, vlen);
            }
        } else if (rc == SHALE_NOT_FOUND) {
            if (r->latest && !missing && r->latest[k] != BENCH_ABSENT)
                bench_run_mismatch(r, "key %llu was written but not found", (unsigned long long)k);
        } else {
            return rc;
        }
        res->ops++;
        bench_run_tick(res, &last);
    }
    res->seconds = (double)(bench_workload_now_ns() - t0) / 1e9;
    return SHALE_OK;
}

/* --check: the first key number >= k present in the shadow, or num. */
static uint64_t bench_run_next_present(const BenchRunner *r, const BenchConfig *cfg, uint64_t k)
{
    while (k < (uint64_t)cfg->num && r->latest[k] == BENCH_ABSENT)
        k++;
    return k;
}

/* Reads the entry under it and then up to `more` next ones, counting bytes; in --check mode
 * compares each with the shadow, starting from key number *expect. Returns entries read. */
static uint64_t bench_run_scan(BenchRunner *r, const BenchConfig *cfg, BenchIter *it, uint64_t more,
                               uint64_t expect, BenchResult *res)
{
    const BenchEngine *e = r->eng;
    char want[BENCH_MAX_KEY + 2];
    uint64_t n = 0;
    while (e->iter_valid(it)) {
        size_t klen, vlen;
        const char *key = e->iter_key(it, &klen);
        const char *val = e->iter_value(it, &vlen);
        res->bytes += klen + vlen;
        if (r->latest) {
            if (expect >= (uint64_t)cfg->num) {
                bench_run_mismatch(r, "iterator returned a key past the last one written");
            } else {
                size_t wlen = bench_workload_key(cfg, expect, want);
                if (klen != wlen || memcmp(key, want, wlen) != 0)
                    bench_run_mismatch(r, "iterator returned %.*s, expected %s", (int)klen, key, want);
                else
                    bench_run_verify_value(r, cfg, expect, val, vlen);
                expect = bench_run_next_present(r, cfg, expect + 1);
            }
        }
        n++;
        if (n > more)
            break;
        e->iter_next(it);
    }
    if (r->latest && n <= more && expect < (uint64_t)cfg->num)
        bench_run_mismatch(r, "iterator ended before key %llu", (unsigned long long)expect);
    return n;
}

static ShaleCode bench_run_seekrandom(BenchRunner *r, const BenchConfig *cfg, uint64_t stream, BenchResult *res, ShaleError *err)
{
    const BenchEngine *e = r->eng;
    ShaleRandom rnd;
    bench_workload_seed(&rnd, cfg->seed, stream);
    char key[BENCH_MAX_KEY + 2];
    uint64_t t0 = bench_workload_now_ns(), last = t0;
    for (long i = 0; i < cfg->reads; i++) {
        uint64_t k = shale_random_uniform(&rnd, (uint64_t)cfg->num);
        size_t klen = bench_workload_key(cfg, k, key);
        BenchIter *it = e->iter_new(r->db);
        if (!it)
            return SHALE_ERR_NOMEM(err, "%s iterator", e->label);
        e->iter_seek(it, key, klen);
        if (e->iter_valid(it)) {
            size_t got;
            const char *at = e->iter_key(it, &got);
            if (got == klen && memcmp(at, key, klen) == 0)
                res->found++;
        }
        uint64_t expect = r->latest ? bench_run_next_present(r, cfg, k) : 0;
        bench_run_scan(r, cfg, it, (uint64_t)cfg->seek_nexts, expect, res);
        ShaleCode rc = e->iter_status(it, err);
        e->iter_destroy(it);
        if (rc)
            return rc;
        res->ops++;
        bench_run_tick(res, &last);
    }
    res->seconds = (double)(bench_workload_now_ns() - t0) / 1e9;
    return SHALE_OK;
}

static ShaleCode bench_run_readseq(BenchRunner *r, const BenchConfig *cfg, BenchResult *res, ShaleError *err)
{
    const BenchEngine *e = r->eng;
    uint64_t t0 = bench_workload_now_ns();
    BenchIter *it = e->iter_new(r->db);
    if (!it)
        return SHALE_ERR_NOMEM(err, "%s iterator", e->label);
    e->iter_seek_to_first(it);
    uint64_t expect = r->latest ? bench_run_next_present(r, cfg, 0) : 0;
    uint64_t n = bench_run_scan(r, cfg, it, (uint64_t)cfg->reads - 1, expect, res);
    ShaleCode rc = e->iter_status(it, err);
    e->iter_destroy(it);
    res->seconds = (double)(bench_workload_now_ns() - t0) / 1e9;
    res->ops = n;
    res->found = n;
    return rc;
}

ShaleCode bench_run_one(BenchRunner *r, const BenchConfig *cfg, const char *name, int occurrence, BenchResult *res, ShaleError *err)
{
    ShaleCode rc = SHALE_OK;
    /* The key stream depends on the workload and not on its list position, so e.g.
     * readrandom never replays fillrandom's keys and a --use_existing_db run reads the
     * same keys as the full run did. */
    uint64_t stream = ((uint64_t)shale_hash32(name, strlen(name), 0) << 16) + (uint64_t)occurrence;
    bool fresh = strcmp(name, "fillseq") == 0 || strcmp(name, "fillrandom") == 0 ||
                 strcmp(name, "fillsync") == 0;
    if (fresh && cfg->use_existing_db)
        return SHALE_OK;    /* skipped, as db_bench does: res->ran stays false */
    res->ran = true;
    if (!r->db && cfg->use_existing_db) {
        r->n_dbs++;
        r->db_benchmarks[0] = '\0';
        rc = r->eng->open(cfg, r->dir, &r->db, err);
    } else if (fresh || !r->db) {
        rc = bench_run_fresh_db(r, cfg, err);
    }
    if (rc == SHALE_OK) {
        size_t used = strlen(r->db_benchmarks);
        snprintf(r->db_benchmarks + used, sizeof r->db_benchmarks - used, "%s%s", used ? ", " : "", name);
    }
    if (rc == SHALE_OK) {
        if (strcmp(name, "fillseq") == 0) {
            rc = bench_run_write(r, cfg, stream, false, cfg->num, false, res, err);
        } else if (strcmp(name, "fillrandom") == 0 || strcmp(name, "overwrite") == 0) {
            rc = bench_run_write(r, cfg, stream, true, cfg->num, false, res, err);
        } else if (strcmp(name, "fillsync") == 0) {
            rc = bench_run_write(r, cfg, stream, true, cfg->sync_num, true, res, err);
        } else if (strcmp(name, "readrandom") == 0) {
            rc = bench_run_readrandom(r, cfg, stream, false, res, err);
        } else if (strcmp(name, "readmissing") == 0) {
            rc = bench_run_readrandom(r, cfg, stream, true, res, err);
        } else if (strcmp(name, "seekrandom") == 0) {
            rc = bench_run_seekrandom(r, cfg, stream, res, err);
        } else if (strcmp(name, "readseq") == 0) {
            rc = bench_run_readseq(r, cfg, res, err);
        } else if (strcmp(name, "compact") == 0) {
            uint64_t t0 = bench_workload_now_ns();
            rc = r->eng->compact(r->db, err);
            res->seconds = (double)(bench_workload_now_ns() - t0) / 1e9;
            res->ops = 1;
            res->is_compact = true;
        } else {
            rc = SHALE_ERR_INVALID(err, "unknown benchmark %s", name);
        }
    }
    if (rc) {
        res->failed = true;
        snprintf(res->error, sizeof res->error, "%s", err ? err->msg : shale_code_name(rc));
    }
    if (r->db)
        r->eng->stats_brief(r->db, res->brief, sizeof res->brief);
    return rc;
}
