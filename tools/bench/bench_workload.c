/* bench_workload.c -- the inputs every engine sees identically (keys, values), the clock
 * and directory cleanup of shale_bench. */
#include "tools/bench/bench.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

size_t bench_workload_key(const BenchConfig *cfg, uint64_t k, char *buf)
{
    /* Digits right to left; the key space check in bench_main.c guarantees k fits. */
    int n = cfg->key_size;
    for (int i = n - 1; i >= 0; i--) {
        buf[i] = (char)('0' + k % 10);
        k /= 10;
    }
    buf[n] = '\0';
    return (size_t)n;
}

/* Pool layout: consecutive 100-byte pieces; in each, the first half is random printable
 * characters and the second half repeats the first, so an LZ-family compressor keeps about
 * 50 of every 100 bytes. The pool is at least 1 MiB and several values long, so values
 * differ from each other across a block. */
#define BENCH_PIECE 100
#define BENCH_POOL_MIN (1u << 20)

ShaleCode bench_workload_values_init(BenchValueGen *g, size_t value_size, uint64_t seed, ShaleError *err)
{
    size_t size = BENCH_POOL_MIN;
    if (size < value_size * 4)
        size = value_size * 4;
    size = (size + BENCH_PIECE - 1) / BENCH_PIECE * BENCH_PIECE;
    g->pool = malloc(size);
    if (!g->pool)
        return SHALE_ERR_NOMEM(err, "value pool of %zu bytes", size);
    g->pool_size = size;
    g->pos = 0;
    ShaleRandom r;
    shale_random_seed(&r, seed ^ 0x5eedull);
    for (size_t at = 0; at < size; at += BENCH_PIECE) {
        size_t half = BENCH_PIECE / 2;
        for (size_t i = 0; i < half; i++)
            g->pool[at + i] = (char)(' ' + shale_random_uniform(&r, 95));
        memcpy(g->pool + at + half, g->pool + at, BENCH_PIECE - half);
    }
    return SHALE_OK;
}

void bench_workload_values_free(BenchValueGen *g)
{
    free(g->pool);
    g->pool = NULL;
    g->pool_size = 0;
}

uint64_t bench_workload_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_workload_remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int rc = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    return (rc != 0 && errno != ENOENT) ? errno : 0;
}

ShaleCode bench_workload_remove_tree(const char *path, ShaleError *err)
{
    if (access(path, F_OK) != 0)
        return SHALE_OK;
    int rc = nftw(path, bench_workload_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (rc != 0)
        return shale_error_errno(err, rc > 0 ? rc : errno, "removing %s", path);
    return SHALE_OK;
}
