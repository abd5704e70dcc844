/* block_cache_test.c -- unit tests of the block cache (block_cache.h): byte budget, LRU
 * order, pinned entries survive, deleters run exactly once, erase_file, stats and a
 * multithreaded smoke test. */
#include "tests/harness/test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "storage/block_cache.h"
#include "util/hash.h"

/* Values are counters: the deleter bumps the slot's count so we can see it ran once. */
#define MAX_VALUES 20000
static atomic_int deleted[MAX_VALUES];

static void counting_deleter(void *v)
{
    atomic_fetch_add(&deleted[(intptr_t)v], 1);
}

static void reset_deleted(void)
{
    for (int i = 0; i < MAX_VALUES; i++)
        atomic_store(&deleted[i], 0);
}

static void put(BlockCache *c, uint64_t file, uint64_t off, intptr_t v, size_t charge)
{
    BlockCacheHandle *h = block_cache_insert(c, file, off, (void *)v, charge, counting_deleter);
    if (h)
        block_cache_release(c, h);
}

static bool present(BlockCache *c, uint64_t file, uint64_t off)
{
    BlockCacheHandle *h = block_cache_lookup(c, file, off);
    if (h)
        block_cache_release(c, h);
    return h != NULL;
}

TEST(budget_respected_and_deleters_run_once)
{
    reset_deleted();
    BlockCache *c = block_cache_new(16 * 100);
    REQUIRE(c != NULL);
    for (int i = 0; i < 5000; i++) {
        put(c, 1, (uint64_t)i * 4096, i, 10);
        uint64_t bytes;
        block_cache_stats(c, NULL, NULL, &bytes);
        if (bytes > 1600) {
            CHECK_MSG(false, "usage %llu over budget", (unsigned long long)bytes);
            break;
        }
    }
    int live = 0;
    for (int i = 0; i < 5000; i++)
        live += present(c, 1, (uint64_t)i * 4096);
    CHECK(live > 100 && live <= 160);
    int twice = 0, once = 0;
    for (int i = 0; i < 5000; i++) {
        int d = atomic_load(&deleted[i]);
        twice += d > 1;
        once += d == 1;
    }
    CHECK_EQ_INT(twice, 0);
    CHECK_EQ_INT(once + live, 5000);
    block_cache_free(c);
    for (int i = 0; i < 5000; i++)
        twice += atomic_load(&deleted[i]) != 1;
    CHECK_EQ_INT(twice, 0);
}

TEST(lru_order_keeps_hot_entries)
{
    reset_deleted();
    BlockCache *c = block_cache_new(16 * 10); /* 10 unit-charge entries per shard */
    REQUIRE(c != NULL);
    put(c, 7, 0, 0, 1);
    for (int i = 1; i < 2000; i++) {
        put(c, 7, (uint64_t)i, i, 1);
        CHECK(present(c, 7, 0)); /* touched after every insert: never the oldest */
    }
    CHECK(present(c, 7, 0));
    int old_live = 0;
    for (int i = 1; i < 1000; i++)
        old_live += present(c, 7, (uint64_t)i);
    CHECK_EQ_INT(old_live, 0);
    CHECK(present(c, 7, 1999)); /* the newest survives */
    uint64_t hits, misses;
    block_cache_stats(c, &hits, &misses, NULL);
    CHECK(hits >= 2000);
    CHECK(misses >= 999);
    block_cache_free(c);
}

TEST(pinned_entries_are_not_freed)
{
    reset_deleted();
    BlockCache *c = block_cache_new(16);
    REQUIRE(c != NULL);
    BlockCacheHandle *pinned = block_cache_insert(c, 3, 0, (void *)(intptr_t)1, 1000, counting_deleter);
    REQUIRE(pinned != NULL);
    for (int i = 2; i < 200; i++)
        put(c, 3, (uint64_t)i, i, 100);
    CHECK_EQ_INT(atomic_load(&deleted[1]), 0);
    CHECK(block_cache_value(pinned) == (void *)(intptr_t)1);
    /* replacing the key while pinned: the old value lives until released */
    put(c, 3, 0, 200, 1);
    CHECK_EQ_INT(atomic_load(&deleted[1]), 0);
    block_cache_release(c, pinned);
    CHECK_EQ_INT(atomic_load(&deleted[1]), 1);
    /* erase_file while pinned */
    BlockCacheHandle *h = block_cache_insert(c, 9, 64, (void *)(intptr_t)300, 1, counting_deleter);
    REQUIRE(h != NULL);
    put(c, 9, 128, 301, 1);
    block_cache_erase_file(c, 9);
    CHECK_EQ_INT(atomic_load(&deleted[301]), 1);
    CHECK_EQ_INT(atomic_load(&deleted[300]), 0);
    CHECK(!present(c, 9, 64));
    block_cache_release(c, h);
    CHECK_EQ_INT(atomic_load(&deleted[300]), 1);
    block_cache_free(c);
    int bad = 0;
    for (int i = 1; i <= 200; i++)
        bad += atomic_load(&deleted[i]) != 1;
    CHECK_EQ_INT(bad, 0);
}

typedef struct SmokeArg {
    BlockCache *c;
    uint64_t seed;
    long wrong;
} SmokeArg;

static void *smoke_thread(void *p)
{
    SmokeArg *a = p;
    ShaleRandom rnd;
    shale_random_seed(&rnd, a->seed);
    for (int i = 0; i < 100000; i++) {
        uint64_t k = shale_random_uniform(&rnd, 3000);
        BlockCacheHandle *h = block_cache_lookup(a->c, 5, k);
        if (!h)
            h = block_cache_insert(a->c, 5, k, (void *)(intptr_t)k, 1 + k % 7, counting_deleter);
        if (h) {
            a->wrong += (uint64_t)(intptr_t)block_cache_value(h) != k;
            block_cache_release(a->c, h);
        }
        if (i % 20000 == 0)
            block_cache_erase_file(a->c, 6);
    }
    return NULL;
}

TEST(multithreaded_smoke)
{
    reset_deleted();
    BlockCache *c = block_cache_new(4000);
    REQUIRE(c != NULL);
    pthread_t t[4];
    SmokeArg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (SmokeArg){ c, (uint64_t)i + 1, 0 };
        pthread_create(&t[i], NULL, smoke_thread, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(a[i].wrong, 0);
    }
    uint64_t bytes;
    block_cache_stats(c, NULL, NULL, &bytes);
    CHECK(bytes <= 4000 + 16 * 7);
    block_cache_free(c);
}

TEST_MAIN(
    RUN(budget_respected_and_deleters_run_once);
    RUN(lru_order_keeps_hot_entries);
    RUN(pinned_entries_are_not_freed);
    RUN(multithreaded_smoke);
)
