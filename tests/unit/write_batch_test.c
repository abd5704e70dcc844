/* write_batch_test.c -- unit tests of write_batch.c: building, round trips through
 * batch_iterate, appending, and every malformation (truncation at each offset, bad kind,
 * wrong count, trailing bytes) reported as SHALE_CORRUPTION before any entry is applied. */
#include "tests/harness/test.h"

#include <stdint.h>

#include "storage/shale_storage.h"
#include "storage/write_batch_int.h"
#include "util/buf.h"
#include "util/coding.h"

/* Collects what batch_iterate hands out as "seq kind key[=value];" text. */
typedef struct Collect {
    ShaleBuf out;
    int calls;
    int stop_after;  /* return SHALE_BUSY after this many calls (0 = never) */
} Collect;

static ShaleCode collect_fn(void *arg, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value)
{
    Collect *c = arg;
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%llu %s ", (unsigned long long)seq, kind == SHALE_KIND_VALUE ? "put" : "del");
    shale_buf_append(&c->out, tmp, (size_t)n);
    shale_buf_append(&c->out, key.data, key.size);
    if (kind == SHALE_KIND_VALUE) {
        shale_buf_append_byte(&c->out, '=');
        shale_buf_append(&c->out, value.data, value.size);
    }
    shale_buf_append_byte(&c->out, ';');
    c->calls++;
    if (c->stop_after && c->calls >= c->stop_after)
        return SHALE_BUSY;
    return SHALE_OK;
}

/* Iterates rep into a NUL-terminated string (static storage); *rc receives the result. */
static const char *dump(ShaleSlice rep, ShaleCode *rc, int *calls)
{
    static char text[4096];
    Collect c;
    shale_buf_init(&c.out);
    c.calls = 0;
    c.stop_after = 0;
    ShaleError err;
    *rc = batch_iterate(rep, collect_fn, &c, &err);
    if (*rc == SHALE_CORRUPTION)
        CHECK(err.code == SHALE_CORRUPTION && err.msg[0]);
    size_t n = c.out.len < sizeof text - 1 ? c.out.len : sizeof text - 1;
    if (n)
        memcpy(text, c.out.data, n);
    text[n] = '\0';
    if (calls)
        *calls = c.calls;
    shale_buf_free(&c.out);
    return text;
}

TEST(empty_batch_has_header)
{
    ShaleWriteBatch *b = shale_batch_new();
    REQUIRE(b != NULL);
    CHECK_EQ_U64(shale_batch_byte_size(b), BATCH_HEADER_SIZE);
    CHECK_EQ_INT(shale_batch_count(b), 0);
    CHECK_EQ_U64(batch_sequence(b), 0);
    CHECK(!batch_oom(b));
    ShaleCode rc;
    CHECK_STR(dump(batch_contents(b), &rc, NULL), "");
    CHECK_OK(rc, NULL);
    shale_batch_put(b, "k", 1, "v", 1);
    shale_batch_clear(b);
    CHECK_EQ_U64(shale_batch_byte_size(b), BATCH_HEADER_SIZE);
    CHECK_EQ_INT(shale_batch_count(b), 0);
    shale_batch_free(b);
    shale_batch_free(NULL);
}

TEST(roundtrip)
{
    ShaleWriteBatch *b = shale_batch_new();
    REQUIRE(b != NULL);
    shale_batch_put(b, "foo", 3, "bar", 3);
    shale_batch_delete(b, "box", 3);
    shale_batch_put(b, "", 0, "", 0);
    shale_batch_put(b, "baz", 3, "boo", 3);
    batch_set_sequence(b, 100);
    CHECK_EQ_U64(batch_sequence(b), 100);
    CHECK_EQ_INT(shale_batch_count(b), 4);
    /* header + (1+1+3+1+3) + (1+1+3) + (1+1+0+1+0) + (1+1+3+1+3) */
    CHECK_EQ_U64(shale_batch_byte_size(b), 12 + 9 + 5 + 3 + 9);
    ShaleCode rc;
    CHECK_STR(dump(batch_contents(b), &rc, NULL), "100 put foo=bar;101 del box;102 put =;103 put baz=boo;");
    CHECK_OK(rc, NULL);

    /* copy through set_contents (what WAL replay does) */
    ShaleWriteBatch *c = shale_batch_new();
    ShaleError err;
    CHECK_OK(batch_set_contents(c, batch_contents(b), &err), &err);
    CHECK_EQ_INT(shale_batch_count(c), 4);
    CHECK_EQ_U64(batch_sequence(c), 100);
    CHECK_EQ_INT(batch_set_contents(c, shale_slice("short", 5), &err), SHALE_CORRUPTION);

    /* fn's error stops the iteration and is returned */
    Collect col;
    shale_buf_init(&col.out);
    col.calls = 0;
    col.stop_after = 2;
    CHECK_EQ_INT(batch_iterate(batch_contents(b), collect_fn, &col, &err), SHALE_BUSY);
    CHECK_EQ_INT(col.calls, 2);
    shale_buf_free(&col.out);

    /* large keys and values (multi-byte varints) */
    shale_batch_clear(c);
    char *big = malloc(100000);
    memset(big, 'x', 100000);
    shale_batch_put(c, big, 300, big, 100000);
    shale_batch_delete(c, big, 20000);
    CHECK_EQ_INT(shale_batch_count(c), 2);
    int calls;
    dump(batch_contents(c), &rc, &calls);
    CHECK_OK(rc, NULL);
    CHECK_EQ_INT(calls, 2);
    free(big);
    shale_batch_free(c);
    shale_batch_free(b);
}

/* The example of docs/file-formats.md ("Write batch"), byte for byte: the format is frozen. */
TEST(encoding_is_frozen)
{
    static const unsigned char want[] = {
        0x64, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0,
        0x01, 0x03, 'f', 'o', 'o', 0x03, 'b', 'a', 'r',
        0x00, 0x03, 'b', 'o', 'x',
    };
    ShaleWriteBatch *b = shale_batch_new();
    REQUIRE(b != NULL);
    shale_batch_put(b, "foo", 3, "bar", 3);
    shale_batch_delete(b, "box", 3);
    batch_set_sequence(b, 100);
    ShaleSlice rep = batch_contents(b);
    CHECK_MEM(rep.data, rep.size, want, sizeof want);
    shale_batch_free(b);
}

TEST(append_batches)
{
    ShaleWriteBatch *a = shale_batch_new(), *b = shale_batch_new();
    REQUIRE(a && b);
    batch_set_sequence(a, 200);
    shale_batch_put(a, "a", 1, "va", 2);
    batch_append(a, b); /* appending an empty batch changes nothing */
    CHECK_EQ_INT(shale_batch_count(a), 1);
    shale_batch_put(b, "b", 1, "vb", 2);
    shale_batch_delete(b, "c", 1);
    batch_set_sequence(b, 999); /* src's sequence is not copied */
    size_t before = shale_batch_byte_size(a);
    batch_append(a, b);
    CHECK_EQ_INT(shale_batch_count(a), 3);
    CHECK_EQ_U64(shale_batch_byte_size(a), before + shale_batch_byte_size(b) - BATCH_HEADER_SIZE);
    ShaleCode rc;
    CHECK_STR(dump(batch_contents(a), &rc, NULL), "200 put a=va;201 put b=vb;202 del c;");
    CHECK_OK(rc, NULL);
    CHECK_EQ_INT(shale_batch_count(b), 2);
    shale_batch_free(a);
    shale_batch_free(b);
}

/* Every malformation is SHALE_CORRUPTION and fn is never called. */
static void check_corrupt(ShaleSlice rep, const char *what)
{
    ShaleCode rc;
    int calls = -1;
    dump(rep, &rc, &calls);
    CHECK_MSG(rc == SHALE_CORRUPTION, "%s: rc %d", what, (int)rc);
    CHECK_MSG(calls == 0, "%s: fn called %d times", what, calls);
}

TEST(malformed_batches)
{
    ShaleWriteBatch *b = shale_batch_new();
    REQUIRE(b != NULL);
    batch_set_sequence(b, 7);
    shale_batch_put(b, "key1", 4, "value1", 6);
    shale_batch_delete(b, "key2", 4);
    char big[200];
    memset(big, 'v', sizeof big);
    shale_batch_put(b, "key3", 4, big, sizeof big); /* two-byte vlen varint */
    shale_batch_put(b, "k4", 2, "", 0);
    ShaleSlice good = batch_contents(b);
    ShaleCode rc;
    dump(good, &rc, NULL);
    CHECK_OK(rc, NULL);

    char *copy = malloc(good.size + 16);
    /* truncated at every offset */
    for (size_t cut = 0; cut < good.size; cut++) {
        memcpy(copy, good.data, cut);
        char what[64];
        snprintf(what, sizeof what, "cut at %zu", cut);
        check_corrupt(shale_slice(copy, cut), what);
    }
    /* trailing bytes */
    memcpy(copy, good.data, good.size);
    copy[good.size] = 0;
    check_corrupt(shale_slice(copy, good.size + 1), "one trailing byte");
    copy[good.size] = 1;
    check_corrupt(shale_slice(copy, good.size + 1), "a trailing kind byte");
    /* wrong count: one more, one fewer, huge */
    uint32_t counts[] = { 5, 3, 0, UINT32_MAX };
    for (int i = 0; i < 4; i++) {
        memcpy(copy, good.data, good.size);
        shale_put_fixed32(copy + 8, counts[i]);
        check_corrupt(shale_slice(copy, good.size), "wrong count");
    }
    /* bad kind at the first and at the last entry */
    size_t last_kind = good.size - (1 + 1 + 2 + 1);
    size_t kind_offsets[] = { BATCH_HEADER_SIZE, last_kind };
    for (int i = 0; i < 2; i++) {
        for (int k = 2; k < 256; k += 37) {
            memcpy(copy, good.data, good.size);
            copy[kind_offsets[i]] = (char)k;
            check_corrupt(shale_slice(copy, good.size), "bad kind");
        }
    }
    /* a delete turned into a put: the decoder reads past the entry's real end */
    memcpy(copy, good.data, good.size);
    copy[BATCH_HEADER_SIZE + 1 + 1 + 4 + 1 + 6] = 1;
    check_corrupt(shale_slice(copy, good.size), "delete as put");
    /* overlong varint klen */
    memcpy(copy, good.data, good.size);
    memset(copy + BATCH_HEADER_SIZE + 1, 0xff, 6);
    check_corrupt(shale_slice(copy, good.size), "overlong varint");
    /* sequence beyond 56 bits */
    memcpy(copy, good.data, good.size);
    shale_put_fixed64(copy, UINT64_C(1) << 56);
    check_corrupt(shale_slice(copy, good.size), "sequence too large");
    shale_put_fixed64(copy, (UINT64_C(1) << 56) - 2); /* 4 entries from 2^56-2 overflow */
    check_corrupt(shale_slice(copy, good.size), "sequence overflow");
    /* every single-byte flip either still decodes or is corruption without calls */
    for (size_t off = 0; off < good.size; off++) {
        memcpy(copy, good.data, good.size);
        copy[off] ^= 0x5a;
        int calls = 0;
        dump(shale_slice(copy, good.size), &rc, &calls);
        CHECK(rc == SHALE_OK || (rc == SHALE_CORRUPTION && calls == 0));
    }
    free(copy);
    shale_batch_free(b);
}

TEST(oom_is_sticky_and_detectable)
{
    ShaleWriteBatch *b = shale_batch_new();
    REQUIRE(b != NULL);
    shale_batch_put(b, "a", 1, "1", 1);
    CHECK(!batch_oom(b));
    b->rep.oom = true; /* what a failed realloc leaves */
    shale_batch_put(b, "b", 1, "2", 1);
    CHECK(batch_oom(b));
    CHECK_EQ_INT(shale_batch_count(b), 0);
    ShaleWriteBatch *d = shale_batch_new();
    batch_append(d, b);
    CHECK(batch_oom(d)); /* a failed source fails the destination */
    shale_batch_clear(b);
    CHECK(!batch_oom(b));
    shale_batch_put(b, "c", 1, "3", 1);
    CHECK_EQ_INT(shale_batch_count(b), 1);
    /* an entry the format cannot hold fails the batch instead of truncating a length */
    shale_batch_put(b, "k", (size_t)UINT32_MAX + 1, "v", 1);
    CHECK(batch_oom(b));
    shale_batch_free(d);
    shale_batch_free(b);
}

TEST_MAIN(
    RUN(empty_batch_has_header);
    RUN(roundtrip);
    RUN(encoding_is_frozen);
    RUN(append_batches);
    RUN(malformed_batches);
    RUN(oom_is_sticky_and_detectable);
)
