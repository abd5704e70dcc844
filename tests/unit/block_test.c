/* block_test.c -- unit tests of SSTable blocks (block.h): build and read back blocks of
 * random internal keys at several restart intervals; seek/next/prev/seek_to_last; empty
 * values, big keys, the empty block and damaged restart arrays. */
#include "tests/harness/test.h"

#include <stdint.h>

#include "config.h"
#include "storage/block.h"
#include "storage/dbformat.h"
#include "util/hash.h"

typedef struct Kv {
    char *key;
    size_t klen;
    char *val;
    size_t vlen;
} Kv;

static int kv_cmp(const void *a, const void *b)
{
    const Kv *x = a, *y = b;
    return shale_ikey_compare(shale_slice(x->key, x->klen), shale_slice(y->key, y->klen));
}

/* n sorted distinct internal keys; user keys share prefixes; some values empty, some keys
 * longer than big (to outgrow the cursor's inline buffer). Caller frees with kvs_free. */
static Kv *kvs_make(ShaleRandom *rnd, size_t n, size_t *out_n, size_t big)
{
    Kv *kv = calloc(n, sizeof *kv);
    for (size_t i = 0; i < n; i++) {
        size_t ulen = 1 + shale_random_uniform(rnd, 24);
        if (big && shale_random_uniform(rnd, 10) == 0)
            ulen = big + shale_random_uniform(rnd, big);
        kv[i].klen = ulen + 8;
        kv[i].key = malloc(kv[i].klen);
        for (size_t j = 0; j < ulen; j++)
            kv[i].key[j] = (char)('a' + shale_random_uniform(rnd, j < 3 ? 3 : 26));
        shale_put_fixed64(kv[i].key + ulen, shale_pack_trailer(shale_random_uniform(rnd, 1000), (ShaleKind)(i & 1)));
        kv[i].vlen = shale_random_uniform(rnd, 4) == 0 ? 0 : shale_random_uniform(rnd, 40);
        kv[i].val = malloc(kv[i].vlen + 1);
        for (size_t j = 0; j < kv[i].vlen; j++)
            kv[i].val[j] = (char)shale_random_next(rnd);
    }
    qsort(kv, n, sizeof *kv, kv_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && kv_cmp(&kv[m - 1], &kv[i]) == 0) {
            free(kv[i].key);
            free(kv[i].val);
            continue;
        }
        kv[m++] = kv[i];
    }
    *out_n = m;
    return kv;
}

static void kvs_free(Kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].val);
    }
    free(kv);
}

static Block *block_from(Kv *kv, size_t n, int interval)
{
    BlockBuilder bb;
    block_builder_init(&bb, interval);
    for (size_t i = 0; i < n; i++)
        block_builder_add(&bb, shale_slice(kv[i].key, kv[i].klen), shale_slice(kv[i].val, kv[i].vlen));
    size_t est = block_builder_size(&bb);
    ShaleSlice s = block_builder_finish(&bb);
    CHECK_EQ_U64(s.size, est);
    CHECK(!block_builder_oom(&bb));
    Block *b = block_new_copy(s);
    block_builder_free(&bb);
    return b;
}

static bool at(BlockIter *it, const Kv *kv)
{
    return block_iter_valid(it) && it->key.size == kv->klen && memcmp(it->key.data, kv->key, kv->klen) == 0 &&
           it->value.size == kv->vlen && (kv->vlen == 0 || memcmp(it->value.data, kv->val, kv->vlen) == 0);
}

static void check_block(Kv *kv, size_t n, int interval)
{
    Block *b = block_from(kv, n, interval);
    REQUIRE(b != NULL);
    CHECK_EQ_U64(b->n_restarts, n ? (n + (size_t)interval - 1) / (size_t)interval : 1);
    BlockIter it;
    block_iter_init(&it, b);
    /* forward */
    size_t i = 0, bad = 0;
    for (block_iter_seek_to_first(&it); block_iter_valid(&it); block_iter_next(&it), i++)
        bad += i >= n || !at(&it, &kv[i]);
    CHECK_EQ_U64(i, n);
    CHECK_EQ_U64(bad, 0);
    /* backward */
    i = n;
    for (block_iter_seek_to_last(&it); block_iter_valid(&it); block_iter_prev(&it))
        bad += i == 0 || !at(&it, &kv[--i]);
    CHECK_EQ_U64(i, 0);
    CHECK_EQ_U64(bad, 0);
    /* seek to every key, then step both ways */
    for (i = 0; i < n; i++) {
        block_iter_seek(&it, shale_slice(kv[i].key, kv[i].klen));
        bad += !at(&it, &kv[i]);
        if (i + 1 < n) {
            block_iter_next(&it);
            bad += !at(&it, &kv[i + 1]);
            block_iter_prev(&it);
            bad += !at(&it, &kv[i]);
        }
        if (i > 0) {
            block_iter_prev(&it);
            bad += !at(&it, &kv[i - 1]);
        } else {
            block_iter_prev(&it);
            bad += block_iter_valid(&it);
        }
    }
    CHECK_EQ_U64(bad, 0);
    /* seek between keys: same user key with a higher and a lower trailer */
    for (i = 0; i < n; i++) {
        char tmp[4096];
        size_t ul = kv[i].klen - 8;
        if (ul + 8 > sizeof tmp)
            continue;
        memcpy(tmp, kv[i].key, ul);
        uint64_t tr = shale_get_fixed64(kv[i].key + ul);
        if (tr > 0) { /* just after kv[i] */
            shale_put_fixed64(tmp + ul, tr - 1);
            block_iter_seek(&it, shale_slice(tmp, ul + 8));
            if (i + 1 < n)
                bad += !at(&it, &kv[i + 1]);
            else
                bad += block_iter_valid(&it);
        }
        shale_put_fixed64(tmp + ul, UINT64_MAX); /* before every version of this user key */
        block_iter_seek(&it, shale_slice(tmp, ul + 8));
        size_t j = i;
        while (j > 0 && kv[j - 1].klen == kv[i].klen && memcmp(kv[j - 1].key, kv[i].key, ul) == 0)
            j--;
        bad += !at(&it, &kv[j]);
    }
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_INT(it.code, SHALE_OK);
    block_iter_done(&it);
    block_free(b);
}

TEST(random_blocks_at_several_restart_intervals)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, 42);
    int intervals[] = { 1, 2, 3, 16, 1000 };
    size_t sizes[] = { 1, 2, 17, 500 };
    for (size_t s = 0; s < 4; s++) {
        for (size_t k = 0; k < 5; k++) {
            size_t n;
            Kv *kv = kvs_make(&rnd, sizes[s], &n, 0);
            check_block(kv, n, intervals[k]);
            kvs_free(kv, n);
        }
    }
}

TEST(big_keys_and_empty_values)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, 7);
    size_t n;
    Kv *kv = kvs_make(&rnd, 300, &n, 700);
    for (size_t i = 0; i < n; i += 2)
        kv[i].vlen = 0;
    check_block(kv, n, 16);
    check_block(kv, n, 1);
    kvs_free(kv, n);
}

TEST(empty_block)
{
    BlockBuilder bb;
    block_builder_init(&bb, 16);
    CHECK(block_builder_empty(&bb));
    ShaleSlice s = block_builder_finish(&bb);
    CHECK_EQ_U64(s.size, 8); /* one restart (0) and the count */
    Block *b = block_new_copy(s);
    REQUIRE(b != NULL);
    BlockIter it;
    block_iter_init(&it, b);
    block_iter_seek_to_first(&it);
    CHECK(!block_iter_valid(&it));
    block_iter_seek_to_last(&it);
    CHECK(!block_iter_valid(&it));
    char k[8] = { 0 };
    block_iter_seek(&it, shale_slice(k, 8));
    CHECK(!block_iter_valid(&it));
    CHECK_EQ_INT(it.code, SHALE_OK);
    block_iter_done(&it);
    block_free(b);
    block_builder_free(&bb);
}

TEST(builder_reuse_after_reset)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, 99);
    size_t n;
    Kv *kv = kvs_make(&rnd, 100, &n, 0);
    BlockBuilder bb;
    block_builder_init(&bb, 4);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < n; i++)
            block_builder_add(&bb, shale_slice(kv[i].key, kv[i].klen), shale_slice(kv[i].val, kv[i].vlen));
        Block *b = block_new_copy(block_builder_finish(&bb));
        REQUIRE(b != NULL);
        BlockIter it;
        block_iter_init(&it, b);
        size_t i = 0, bad = 0;
        for (block_iter_seek_to_first(&it); block_iter_valid(&it); block_iter_next(&it), i++)
            bad += !at(&it, &kv[i]);
        CHECK_EQ_U64(i, n);
        CHECK_EQ_U64(bad, 0);
        block_iter_done(&it);
        block_free(b);
        block_builder_reset(&bb);
    }
    block_builder_free(&bb);
    kvs_free(kv, n);
}

/* Damaged contents (as if a checksum had been fooled) must give corruption, never a crash. */
TEST(damaged_block_contents_are_contained)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, 5);
    size_t n;
    Kv *kv = kvs_make(&rnd, 60, &n, 0);
    BlockBuilder bb;
    block_builder_init(&bb, 4);
    for (size_t i = 0; i < n; i++)
        block_builder_add(&bb, shale_slice(kv[i].key, kv[i].klen), shale_slice(kv[i].val, kv[i].vlen));
    ShaleSlice s = block_builder_finish(&bb);
    char *copy = malloc(s.size);
    long corrupt_seen = 0;
    for (size_t pos = 0; pos < s.size; pos++) {
        memcpy(copy, s.data, s.size);
        copy[pos] ^= 0x5a;
        Block *b = block_new_copy(shale_slice(copy, s.size));
        if (!b) {
            corrupt_seen++;
            continue;
        }
        BlockIter it;
        block_iter_init(&it, b);
        size_t steps = 0;
        for (block_iter_seek_to_first(&it); block_iter_valid(&it) && steps < 10 * n; block_iter_next(&it))
            steps++;
        for (block_iter_seek_to_last(&it); block_iter_valid(&it) && steps < 20 * n; block_iter_prev(&it))
            steps++;
        for (size_t i = 0; i < n; i++)
            block_iter_seek(&it, shale_slice(kv[i].key, kv[i].klen));
        corrupt_seen += it.code != SHALE_OK;
        block_iter_done(&it);
        block_free(b);
    }
    CHECK(corrupt_seen > 0);
    free(copy);
    block_builder_free(&bb);
    kvs_free(kv, n);
}

TEST_MAIN(
    RUN(random_blocks_at_several_restart_intervals);
    RUN(big_keys_and_empty_values);
    RUN(empty_block);
    RUN(builder_reuse_after_reset);
    RUN(damaged_block_contents_are_contained);
)
