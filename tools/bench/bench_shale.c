/* bench_shale.c -- the ShaleDB side of shale_bench: a BenchEngine over the public API in
 * storage/shale_storage.h, configured from BenchConfig the same way as the LevelDB side. */
#include "tools/bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/shale_storage.h"

struct BenchDB {
    ShaleDB *db;
    ShaleWriteBatch *batch;
    char *last_val;     /* the previous get's value (malloc'd by shale_db_get), freed on the next */
};

static void bench_shale_options(const BenchConfig *cfg, ShaleDBOptions *o)
{
    shale_db_options_init(o);
    o->create_if_missing = true;
    o->write_buffer_size = cfg->write_buffer_size;
    o->block_size = cfg->block_size;
    o->block_restart_interval = 16;
    o->bloom_bits_per_key = cfg->bloom_bits;
    o->compression = cfg->compression;
    o->block_cache_bytes = cfg->cache_bytes;
    o->max_open_files = cfg->max_open_files;
}

static void bench_shale_describe(const BenchConfig *cfg, char *buf, size_t cap)
{
    ShaleDBOptions o;
    bench_shale_options(cfg, &o);
    snprintf(buf, cap,
             "write_buffer %zu KiB, block %zu B (restart %d), bloom %d bits/key, %s, "
             "cache %zu KiB, max_open_files %d, target_file %zu KiB, L1 %llu MiB, "
             "L0 triggers %d/%d/%d, block CRCs always verified",
             o.write_buffer_size >> 10, o.block_size, o.block_restart_interval, o.bloom_bits_per_key,
             o.compression ? "LZ4" : "no compression", o.block_cache_bytes >> 10, o.max_open_files,
             o.target_file_size >> 10, (unsigned long long)(o.max_bytes_for_level_base >> 20),
             o.l0_compaction_trigger, o.l0_slowdown_trigger, o.l0_stop_trigger);
}

static ShaleCode bench_shale_open(const BenchConfig *cfg, const char *dir, BenchDB **out, ShaleError *err)
{
    BenchDB *b = calloc(1, sizeof *b);
    if (!b)
        return SHALE_ERR_NOMEM(err, "bench db");
    b->batch = shale_batch_new();
    if (!b->batch) {
        free(b);
        return SHALE_ERR_NOMEM(err, "write batch");
    }
    ShaleDBOptions o;
    bench_shale_options(cfg, &o);
    ShaleCode rc = shale_db_open(dir, &o, &b->db, err);
    if (rc) {
        shale_batch_free(b->batch);
        free(b);
        return rc;
    }
    *out = b;
    return SHALE_OK;
}

static ShaleCode bench_shale_close(BenchDB *b, ShaleError *err)
{
    ShaleCode rc = shale_db_close(b->db, err);
    shale_batch_free(b->batch);
    free(b->last_val);
    free(b);
    return rc;
}

static void bench_shale_batch_clear(BenchDB *b)
{
    shale_batch_clear(b->batch);
}

static void bench_shale_batch_put(BenchDB *b, const char *key, size_t klen, const char *val, size_t vlen)
{
    shale_batch_put(b->batch, key, klen, val, vlen);
}

static ShaleCode bench_shale_batch_commit(BenchDB *b, bool sync, ShaleError *err)
{
    return shale_db_write(b->db, b->batch, sync, err);
}

static ShaleCode bench_shale_get(BenchDB *b, const char *key, size_t klen, const char **val, size_t *vlen, ShaleError *err)
{
    free(b->last_val);
    b->last_val = NULL;
    ShaleCode rc = shale_db_get(b->db, NULL, key, klen, &b->last_val, vlen, err);
    *val = b->last_val;
    return rc;
}

/* BenchIter is the ShaleDBIter itself. */
static BenchIter *bench_shale_iter_new(BenchDB *b)
{
    return (BenchIter *)shale_db_iter_new(b->db, NULL);
}

static void bench_shale_iter_destroy(BenchIter *it)
{
    shale_db_iter_destroy((ShaleDBIter *)it);
}

static void bench_shale_iter_seek_to_first(BenchIter *it)
{
    shale_db_iter_seek_to_first((ShaleDBIter *)it);
}

static void bench_shale_iter_seek(BenchIter *it, const char *key, size_t klen)
{
    shale_db_iter_seek((ShaleDBIter *)it, key, klen);
}

static bool bench_shale_iter_valid(BenchIter *it)
{
    return shale_db_iter_valid((ShaleDBIter *)it);
}

static void bench_shale_iter_next(BenchIter *it)
{
    shale_db_iter_next((ShaleDBIter *)it);
}

static const char *bench_shale_iter_key(BenchIter *it, size_t *klen)
{
    return shale_db_iter_key((ShaleDBIter *)it, klen);
}

static const char *bench_shale_iter_value(BenchIter *it, size_t *vlen)
{
    return shale_db_iter_value((ShaleDBIter *)it, vlen);
}

static ShaleCode bench_shale_iter_status(BenchIter *it, ShaleError *err)
{
    return shale_db_iter_status((ShaleDBIter *)it, err);
}

static ShaleCode bench_shale_compact(BenchDB *b, ShaleError *err)
{
    return shale_db_compact_range(b->db, NULL, 0, NULL, 0, err);
}

static void bench_shale_stats_brief(BenchDB *b, char *buf, size_t cap)
{
    ShaleDBStats st;
    shale_db_stats(b->db, &st);
    int n = snprintf(buf, cap, "files/level");
    for (int l = 0; l < SHALE_NUM_LEVELS && n > 0 && (size_t)n < cap; l++)
        n += snprintf(buf + n, cap - (size_t)n, "%s%llu", l ? "," : " ", (unsigned long long)st.levels[l].files);
    uint64_t lookups = st.cache_hits + st.cache_misses;
    if (n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n,
                 "; w-amp %.2f; stalls %llu slow + %llu stop (%.1f ms); cache hit %.1f%%; bloom useful %llu fp %llu",
                 st.write_amplification, (unsigned long long)st.stalls_slowdown,
                 (unsigned long long)st.stalls_stop, (double)st.stall_micros / 1e3,
                 lookups ? 100.0 * (double)st.cache_hits / (double)lookups : 0.0,
                 (unsigned long long)st.bloom_useful, (unsigned long long)st.bloom_false_positives);
}

static void bench_shale_stats_full(BenchDB *b, char *buf, size_t cap)
{
    ShaleDBStats st;
    shale_db_stats(b->db, &st);
    shale_db_stats_format(&st, buf, cap);
}

const BenchEngine bench_engine_shale = {
    .name = "shale",
    .label = "ShaleDB",
    .describe = bench_shale_describe,
    .open = bench_shale_open,
    .close = bench_shale_close,
    .batch_clear = bench_shale_batch_clear,
    .batch_put = bench_shale_batch_put,
    .batch_commit = bench_shale_batch_commit,
    .get = bench_shale_get,
    .iter_new = bench_shale_iter_new,
    .iter_destroy = bench_shale_iter_destroy,
    .iter_seek_to_first = bench_shale_iter_seek_to_first,
    .iter_seek = bench_shale_iter_seek,
    .iter_valid = bench_shale_iter_valid,
    .iter_next = bench_shale_iter_next,
    .iter_key = bench_shale_iter_key,
    .iter_value = bench_shale_iter_value,
    .iter_status = bench_shale_iter_status,
    .compact = bench_shale_compact,
    .stats_brief = bench_shale_stats_brief,
    .stats_full = bench_shale_stats_full,
};
