/* sst_corruption_test.c -- every byte of an SSTable is checked before use: flipping any one
 * byte of a small table (several data blocks, LZ4 and raw, a filter, properties) makes open,
 * iteration or lookup fail -- it never yields wrong data or crashes. Named cases show which
 * check catches a flip in each kind of block. */
#include "tests/harness/test.h"

#include <stdint.h>

#include "config.h"
#include "storage/block_cache.h"
#include "storage/dbformat.h"
#include "storage/sst.h"
#include "storage/sst_format.h"
#include "util/coding.h"
#include "util/env.h"
#include "util/hash.h"

#define N_KEYS 300

typedef struct Ent {
    char key[40];
    size_t klen;
    char val[64];
    size_t vlen;
} Ent;

static Ent ents[N_KEYS];
static char *orig;       /* the pristine table */
static size_t orig_size;
static char path[600];

static void make_entries(void)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, 77);
    for (int i = 0; i < N_KEYS; i++) {
        Ent *e = &ents[i];
        size_t ul = (size_t)snprintf(e->key, 24, "key%06d", i / 2 * 3);
        /* two versions per user key, the newer first */
        uint64_t seq = 1000 - (uint64_t)(i % 2);
        shale_put_fixed64(e->key + ul, shale_pack_trailer(seq, i % 7 == 3 ? SHALE_KIND_DELETE : SHALE_KIND_VALUE));
        e->klen = ul + 8;
        e->vlen = (size_t)(i % 5 == 0 ? 0 : 20 + shale_random_uniform(&rnd, 40));
        for (size_t j = 0; j < e->vlen; j++) /* half the blocks compress, half do not */
            e->val[j] = (i / 40) % 2 ? (char)shale_random_next(&rnd) : (char)('a' + j % 3);
    }
}

static ShaleCode write_file(const char *data, size_t n)
{
    ShaleWritableFile *f;
    ShaleError err;
    ShaleCode rc = shale_wfile_open(shale_env_default(), path, &f, &err);
    if (rc == SHALE_OK) {
        rc = shale_wfile_append(f, data, n, &err);
        ShaleCode rc2 = shale_wfile_close(f, &err);
        if (rc == SHALE_OK)
            rc = rc2;
    }
    return rc;
}

static void build_original(void)
{
    snprintf(path, sizeof path, "%s/000001.sst", test_tmpdir());
    ShaleWritableFile *f;
    ShaleError err;
    if (shale_wfile_open(shale_env_default(), path, &f, &err) != SHALE_OK)
        return;
    SstOptions o = { 1024, 8, 10, true };
    SstBuilder *b = sst_builder_new(f, &o);
    for (int i = 0; i < N_KEYS; i++)
        sst_builder_add(b, shale_slice(ents[i].key, ents[i].klen), shale_slice(ents[i].val, ents[i].vlen));
    CHECK_OK(sst_builder_finish(b, &err), &err);
    sst_builder_free(b);
    CHECK_OK(shale_wfile_close(f, &err), &err);
    CHECK_OK(shale_env_read_all(shale_env_default(), path, &orig, &orig_size, &err), &err);
}

static bool same(ShaleSlice k, ShaleSlice v, const Ent *e)
{
    return k.size == e->klen && memcmp(k.data, e->key, k.size) == 0 && v.size == e->vlen &&
           (v.size == 0 || memcmp(v.data, e->val, v.size) == 0);
}

typedef struct Got {
    int calls;
    bool match;
    const Ent *want;
} Got;

static void got_cb(void *arg, ShaleSlice k, ShaleSlice v)
{
    Got *g = arg;
    g->calls++;
    g->match = same(k, v, g->want);
}

typedef struct Outcome {
    bool open_failed;
    bool errored;  /* some scan or lookup reported an error */
    long wrong;    /* wrong data seen: must stay 0 */
    ShaleError first_err;
} Outcome;

static void note_err(Outcome *o, const ShaleError *err)
{
    if (!o->errored)
        o->first_err = *err;
    o->errored = true;
}

/* Opens the file as it is now and reads everything every way. */
static Outcome exercise(size_t file_size)
{
    Outcome o;
    memset(&o, 0, sizeof o);
    ShaleError err;
    SstReader *r;
    BlockCache *cache = block_cache_new(1 << 20);
    if (sst_reader_open(shale_env_default(), path, 1, file_size, cache, NULL, &r, &err) != SHALE_OK) {
        o.open_failed = o.errored = true;
        o.first_err = err;
        block_cache_free(cache);
        return o;
    }
    ShaleIter *it = sst_reader_iter(r);
    int i = 0;
    for (shale_iter_seek_to_first(it); shale_iter_valid(it); shale_iter_next(it), i++)
        o.wrong += i >= N_KEYS || !same(shale_iter_key(it), shale_iter_value(it), &ents[i]);
    if (shale_iter_status(it, &err) != SHALE_OK)
        note_err(&o, &err);
    else
        o.wrong += i != N_KEYS;
    i = N_KEYS;
    for (shale_iter_seek_to_last(it); shale_iter_valid(it); shale_iter_prev(it))
        o.wrong += i == 0 || !same(shale_iter_key(it), shale_iter_value(it), &ents[--i]);
    if (shale_iter_status(it, &err) != SHALE_OK)
        note_err(&o, &err);
    else
        o.wrong += i != 0;
    shale_iter_destroy(it);
    for (i = 0; i < N_KEYS; i++) {
        Got g = { 0, false, &ents[i] };
        if (sst_reader_get(r, shale_slice(ents[i].key, ents[i].klen), got_cb, &g, &err) != SHALE_OK)
            note_err(&o, &err);
        else
            o.wrong += g.calls != 1 || !g.match;
    }
    sst_reader_close(r);
    block_cache_free(cache);
    return o;
}

TEST(pristine_table_reads_back)
{
    REQUIRE(orig != NULL);
    printf("  table is %zu bytes\n", orig_size);
    CHECK(orig_size >= 8000 && orig_size <= 20000);
    Outcome o = exercise(orig_size);
    CHECK(!o.errored);
    CHECK_EQ_INT(o.wrong, 0);
}

TEST(every_byte_flip_is_caught)
{
    REQUIRE(orig != NULL);
    char *copy = malloc(orig_size);
    long undetected = 0, wrong = 0, open_fail = 0;
    for (size_t pos = 0; pos < orig_size; pos++) {
        memcpy(copy, orig, orig_size);
        copy[pos] ^= 0x5a;
        REQUIRE(write_file(copy, orig_size) == SHALE_OK);
        Outcome o = exercise(orig_size);
        if (o.wrong) {
            wrong++;
            CHECK_MSG(false, "flip at %zu gave wrong data", pos);
        }
        if (!o.errored) {
            undetected++;
            CHECK_MSG(false, "flip at %zu went unnoticed", pos);
        } else {
            CHECK_MSG(o.first_err.code == SHALE_CORRUPTION && strstr(o.first_err.msg, "000001.sst") != NULL,
                      "flip at %zu: %s", pos, o.first_err.msg);
        }
        open_fail += o.open_failed;
        if (wrong + undetected > 10)
            break;
    }
    printf("  %zu flips: %ld failed at open, the rest in reads\n", orig_size, open_fail);
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(undetected, 0);
    free(copy);
    REQUIRE(write_file(orig, orig_size) == SHALE_OK);
}

TEST(truncated_files_are_rejected)
{
    REQUIRE(orig != NULL);
    size_t cuts[] = { 0, 1, 63, 64, 65, orig_size / 2, orig_size - 65, orig_size - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        REQUIRE(write_file(orig, cuts[i]) == SHALE_OK);
        Outcome o = exercise(cuts[i]);
        CHECK(o.open_failed);
        CHECK_EQ_INT(o.wrong, 0);
        /* a size larger than the real file also fails */
        o = exercise(cuts[i] + 100);
        CHECK(o.open_failed);
    }
    REQUIRE(write_file(orig, orig_size) == SHALE_OK);
}

/* The footer's handles, decoded independently of the reader (layout: sst_format.h). */
static SstBlockHandle footer_handle(int which)
{
    const char *f = orig + orig_size - SST_FOOTER_SIZE;
    SstBlockHandle h = { shale_get_fixed64(f + 16 * which), shale_get_fixed64(f + 16 * which + 8) };
    return h;
}

/* Flips the middle byte of [off, off+len) and checks the outcome's first error mentions want. */
static void flip_expect(uint64_t pos, bool at_open, const char *want)
{
    char *copy = malloc(orig_size);
    memcpy(copy, orig, orig_size);
    copy[pos] ^= 0x5a;
    if (write_file(copy, orig_size) == SHALE_OK) {
        Outcome o = exercise(orig_size);
        CHECK_EQ_INT(o.open_failed, at_open);
        CHECK(o.errored);
        CHECK_EQ_INT(o.wrong, 0);
        CHECK_EQ_INT(o.first_err.code, SHALE_CORRUPTION);
        CHECK_MSG(strstr(o.first_err.msg, want) != NULL, "error \"%s\" lacks \"%s\"", o.first_err.msg, want);
    }
    free(copy);
    CHECK(write_file(orig, orig_size) == SHALE_OK);
}

TEST(named_block_flips)
{
    REQUIRE(orig != NULL);
    SstBlockHandle index = footer_handle(0), filter = footer_handle(1), props = footer_handle(2);
    CHECK(filter.size > 0);
    char want[64];
    /* data block 0 (offset 0): found by reads, not at open */
    flip_expect(10, false, "block checksum mismatch");
    flip_expect(10, false, "at offset 0");
    {
        ShaleError err;
        SstReader *r;
        REQUIRE_OK(sst_reader_open(shale_env_default(), path, 1, orig_size, NULL, NULL, &r, &err), &err);
        CHECK(sst_reader_props(r)->n_data_blocks >= 5);
        CHECK_OK(sst_reader_verify(r, &err), &err);
        sst_reader_close(r);
    }
    snprintf(want, sizeof want, "at offset %llu", (unsigned long long)index.offset);
    flip_expect(index.offset + index.size / 2, true, want);
    flip_expect(index.offset + index.size, true, "block checksum mismatch"); /* its type byte */
    snprintf(want, sizeof want, "at offset %llu", (unsigned long long)filter.offset);
    flip_expect(filter.offset + filter.size / 2, true, want);
    snprintf(want, sizeof want, "at offset %llu", (unsigned long long)props.offset);
    flip_expect(props.offset + props.size / 2, true, want);
    flip_expect(orig_size - SST_FOOTER_SIZE + 3, true, "footer checksum mismatch");
    flip_expect(orig_size - SST_FOOTER_SIZE + 48, true, "footer checksum mismatch"); /* version */
    flip_expect(orig_size - 1, true, "bad magic number");
    /* verify catches a data-block flip that open does not */
    char *copy = malloc(orig_size);
    memcpy(copy, orig, orig_size);
    copy[index.offset / 2] ^= 0x5a; /* somewhere in the data blocks */
    REQUIRE(write_file(copy, orig_size) == SHALE_OK);
    ShaleError err;
    SstReader *r;
    REQUIRE_OK(sst_reader_open(shale_env_default(), path, 1, orig_size, NULL, NULL, &r, &err), &err);
    CHECK_EQ_INT(sst_reader_verify(r, &err), SHALE_CORRUPTION);
    CHECK(strstr(err.msg, "000001.sst") != NULL);
    sst_reader_close(r);
    free(copy);
    REQUIRE(write_file(orig, orig_size) == SHALE_OK);
}

TEST_MAIN(
    make_entries();
    build_original();
    RUN(pristine_table_reads_back);
    RUN(every_byte_flip_is_caught);
    RUN(truncated_files_are_rejected);
    RUN(named_block_flips);
    free(orig);
    test_rm_rf(test_tmpdir());
)
