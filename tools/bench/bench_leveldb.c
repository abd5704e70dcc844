/* bench_leveldb.c -- the LevelDB baseline of shale_bench: a BenchEngine over LevelDB's C API
 * (leveldb/c.h), configured to match ShaleDB's defaults: 4 MiB write buffer, 4 KiB blocks
 * with restart interval 16, 10-bit bloom filter, LRU block cache of --cache_mb,
 * max_open_files 1000, 2 MiB table files. Compression is snappy (LevelDB has no LZ4).
 * Reads verify block checksums by default because ShaleDB always does.
 * Compiled only when configure found LevelDB (automake conditional HAVE_LEVELDB). */
#include "config.h"

#include "tools/bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

struct BenchDB {
    leveldb_t *db;
    leveldb_options_t *opts;
    leveldb_cache_t *cache;
    leveldb_filterpolicy_t *bloom;     /* NULL when --bloom_bits=0 */
    leveldb_readoptions_t *ropts;
    leveldb_writeoptions_t *wopts;
    leveldb_writeoptions_t *wopts_sync;
    leveldb_writebatch_t *batch;
    char *last_val;                    /* the previous get's value (leveldb_free'd on the next) */
};

/* Turns a LevelDB error string (malloc'd by LevelDB) into a ShaleError and frees it. */
static ShaleCode bench_leveldb_error(ShaleError *err, char *msg, const char *what)
{
    ShaleCode rc = shale_error_set(err, SHALE_IO_ERROR, "LevelDB %s: %s", what, msg);
    leveldb_free(msg);
    return rc;
}

static void bench_leveldb_describe(const BenchConfig *cfg, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "LevelDB %d.%d: write_buffer %zu KiB, block %zu B (restart 16), bloom %d bits/key, %s, "
             "LRU cache %zu KiB, max_open_files %d, max_file_size 2048 KiB, verify_checksums %s",
             leveldb_major_version(), leveldb_minor_version(), cfg->write_buffer_size >> 10,
             cfg->block_size, cfg->bloom_bits, cfg->compression ? "snappy" : "no compression",
             cfg->cache_bytes >> 10, cfg->max_open_files, cfg->leveldb_verify_checksums ? "on" : "off");
}

static void bench_leveldb_free_handles(BenchDB *b)
{
    if (b->batch)
        leveldb_writebatch_destroy(b->batch);
    if (b->wopts_sync)
        leveldb_writeoptions_destroy(b->wopts_sync);
    if (b->wopts)
        leveldb_writeoptions_destroy(b->wopts);
    if (b->ropts)
        leveldb_readoptions_destroy(b->ropts);
    if (b->opts)
        leveldb_options_destroy(b->opts);
    if (b->bloom)
        leveldb_filterpolicy_destroy(b->bloom);
    if (b->cache)
        leveldb_cache_destroy(b->cache);
    if (b->last_val)
        leveldb_free(b->last_val);
    free(b);
}

static ShaleCode bench_leveldb_open(const BenchConfig *cfg, const char *dir, BenchDB **out, ShaleError *err)
{
    BenchDB *b = calloc(1, sizeof *b);
    if (!b)
        return SHALE_ERR_NOMEM(err, "bench db");
    b->opts = leveldb_options_create();
    b->cache = leveldb_cache_create_lru(cfg->cache_bytes);
    if (cfg->bloom_bits > 0)
        b->bloom = leveldb_filterpolicy_create_bloom(cfg->bloom_bits);
    b->ropts = leveldb_readoptions_create();
    b->wopts = leveldb_writeoptions_create();
    b->wopts_sync = leveldb_writeoptions_create();
    b->batch = leveldb_writebatch_create();
    if (!b->opts || !b->cache || (cfg->bloom_bits > 0 && !b->bloom) || !b->ropts || !b->wopts ||
        !b->wopts_sync || !b->batch) {
        bench_leveldb_free_handles(b);
        return SHALE_ERR_NOMEM(err, "LevelDB handles");
    }
    leveldb_options_set_create_if_missing(b->opts, 1);
    leveldb_options_set_write_buffer_size(b->opts, cfg->write_buffer_size);
    leveldb_options_set_cache(b->opts, b->cache);
    if (b->bloom)
        leveldb_options_set_filter_policy(b->opts, b->bloom);
    leveldb_options_set_compression(b->opts, cfg->compression ? leveldb_snappy_compression : leveldb_no_compression);
    leveldb_options_set_max_open_files(b->opts, cfg->max_open_files);
    leveldb_options_set_block_size(b->opts, cfg->block_size);
    leveldb_options_set_block_restart_interval(b->opts, 16);
    leveldb_options_set_max_file_size(b->opts, 2u << 20);
    leveldb_readoptions_set_verify_checksums(b->ropts, cfg->leveldb_verify_checksums);
    leveldb_writeoptions_set_sync(b->wopts, 0);
    leveldb_writeoptions_set_sync(b->wopts_sync, 1);
    char *msg = NULL;
    b->db = leveldb_open(b->opts, dir, &msg);
    if (msg) {
        bench_leveldb_free_handles(b);
        return bench_leveldb_error(err, msg, "open");
    }
    *out = b;
    return SHALE_OK;
}

static ShaleCode bench_leveldb_close(BenchDB *b, ShaleError *err)
{
    (void)err;
    leveldb_close(b->db);
    bench_leveldb_free_handles(b);
    return SHALE_OK;
}

static void bench_leveldb_batch_clear(BenchDB *b)
{
    leveldb_writebatch_clear(b->batch);
}

static void bench_leveldb_batch_put(BenchDB *b, const char *key, size_t klen, const char *val, size_t vlen)
{
    leveldb_writebatch_put(b->batch, key, klen, val, vlen);
}

static ShaleCode bench_leveldb_batch_commit(BenchDB *b, bool sync, ShaleError *err)
{
    char *msg = NULL;
    leveldb_write(b->db, sync ? b->wopts_sync : b->wopts, b->batch, &msg);
    return msg ? bench_leveldb_error(err, msg, "write") : SHALE_OK;
}

static ShaleCode bench_leveldb_get(BenchDB *b, const char *key, size_t klen, const char **val, size_t *vlen, ShaleError *err)
{
    if (b->last_val) {
        leveldb_free(b->last_val);
        b->last_val = NULL;
    }
    char *msg = NULL;
    b->last_val = leveldb_get(b->db, b->ropts, key, klen, vlen, &msg);
    if (msg)
        return bench_leveldb_error(err, msg, "get");
    *val = b->last_val;
    return b->last_val ? SHALE_OK : SHALE_NOT_FOUND;
}

/* BenchIter is the leveldb_iterator_t itself. */
static BenchIter *bench_leveldb_iter_new(BenchDB *b)
{
    return (BenchIter *)leveldb_create_iterator(b->db, b->ropts);
}

static void bench_leveldb_iter_destroy(BenchIter *it)
{
    leveldb_iter_destroy((leveldb_iterator_t *)it);
}

static void bench_leveldb_iter_seek_to_first(BenchIter *it)
{
    leveldb_iter_seek_to_first((leveldb_iterator_t *)it);
}

static void bench_leveldb_iter_seek(BenchIter *it, const char *key, size_t klen)
{
    leveldb_iter_seek((leveldb_iterator_t *)it, key, klen);
}

static bool bench_leveldb_iter_valid(BenchIter *it)
{
    return leveldb_iter_valid((leveldb_iterator_t *)it) != 0;
}

static void bench_leveldb_iter_next(BenchIter *it)
{
    leveldb_iter_next((leveldb_iterator_t *)it);
}

static const char *bench_leveldb_iter_key(BenchIter *it, size_t *klen)
{
    return leveldb_iter_key((leveldb_iterator_t *)it, klen);
}

static const char *bench_leveldb_iter_value(BenchIter *it, size_t *vlen)
{
    return leveldb_iter_value((leveldb_iterator_t *)it, vlen);
}

static ShaleCode bench_leveldb_iter_status(BenchIter *it, ShaleError *err)
{
    char *msg = NULL;
    leveldb_iter_get_error((leveldb_iterator_t *)it, &msg);
    return msg ? bench_leveldb_error(err, msg, "iterator") : SHALE_OK;
}

static ShaleCode bench_leveldb_compact(BenchDB *b, ShaleError *err)
{
    (void)err;
    leveldb_compact_range(b->db, NULL, 0, NULL, 0);
    return SHALE_OK;
}

/* Copies property `name` into buf (empty when LevelDB does not know it). */
static void bench_leveldb_property(BenchDB *b, const char *name, char *buf, size_t cap)
{
    char *v = leveldb_property_value(b->db, name);
    snprintf(buf, cap, "%s", v ? v : "");
    if (v)
        leveldb_free(v);
}

static void bench_leveldb_stats_brief(BenchDB *b, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "files/level");
    for (int l = 0; l < 7 && n > 0 && (size_t)n < cap; l++) {
        char name[64], v[32];
        snprintf(name, sizeof name, "leveldb.num-files-at-level%d", l);
        bench_leveldb_property(b, name, v, sizeof v);
        n += snprintf(buf + n, cap - (size_t)n, "%s%s", l ? "," : " ", v);
    }
}

static void bench_leveldb_stats_full(BenchDB *b, char *buf, size_t cap)
{
    bench_leveldb_property(b, "leveldb.stats", buf, cap);
}

const BenchEngine bench_engine_leveldb = {
    .name = "leveldb",
    .label = "LevelDB",
    .describe = bench_leveldb_describe,
    .open = bench_leveldb_open,
    .close = bench_leveldb_close,
    .batch_clear = bench_leveldb_batch_clear,
    .batch_put = bench_leveldb_batch_put,
    .batch_commit = bench_leveldb_batch_commit,
    .get = bench_leveldb_get,
    .iter_new = bench_leveldb_iter_new,
    .iter_destroy = bench_leveldb_iter_destroy,
    .iter_seek_to_first = bench_leveldb_iter_seek_to_first,
    .iter_seek = bench_leveldb_iter_seek,
    .iter_valid = bench_leveldb_iter_valid,
    .iter_next = bench_leveldb_iter_next,
    .iter_key = bench_leveldb_iter_key,
    .iter_value = bench_leveldb_iter_value,
    .iter_status = bench_leveldb_iter_status,
    .compact = bench_leveldb_compact,
    .stats_brief = bench_leveldb_stats_brief,
    .stats_full = bench_leveldb_stats_full,
};
