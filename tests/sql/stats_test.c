/* stats_test.c -- the statistics blob decoder (sql/stats.c, format in sql/analyze.h): a
 * hand-built blob decodes to the expected values, and every truncation or single-byte
 * corruption of it either decodes or is refused, never read out of bounds (run under ASan). */
#include <string.h>

#include "tests/harness/test.h"

#include "catalog/rowcodec.h"
#include "sql/analyze.h"
#include "util/arena.h"
#include "util/buf.h"

static void put_f64(ShaleBuf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    shale_buf_append_fixed64(b, u);
}

static void put_int(ShaleBuf *b, int64_t i)
{
    ShaleBuf t;
    shale_buf_init(&t);
    Value v = value_int(INT4OID, i);
    rowcodec_field_encode(&t, &v);
    shale_buf_append_varint32(b, (uint32_t)t.len);
    shale_buf_append(b, t.data, t.len);
    shale_buf_free(&t);
}

static void build(ShaleBuf *b)
{
    shale_buf_append_byte(b, 1);
    put_f64(b, 1000);
    shale_buf_append_fixed32(b, 7);
    shale_buf_append_fixed64(b, 123456789);
    shale_buf_append_fixed32(b, 2);
    shale_buf_append_varint32(b, 1);         /* one column */
    shale_buf_append_varint32(b, 2);         /* attnum */
    shale_buf_append_fixed32(b, INT4OID);
    put_f64(b, 0.25);
    put_f64(b, -0.5);
    put_f64(b, 0.75);
    shale_buf_append_varint32(b, 4);         /* avg_width */
    shale_buf_append_varint32(b, 2);         /* MCVs */
    put_f64(b, 0.3);
    put_int(b, 42);
    put_f64(b, 0.1);
    put_int(b, -7);
    shale_buf_append_varint32(b, 3);         /* histogram */
    put_int(b, 1);
    put_int(b, 50);
    put_int(b, 100);
}

TEST(decode_roundtrip)
{
    ShaleBuf b;
    shale_buf_init(&b);
    build(&b);
    ShaleArena a;
    shale_arena_init(&a);
    TableStats ts;
    REQUIRE(stats_decode(b.data, b.len, &a, &ts) == 0);
    CHECK(ts.reltuples == 1000);
    CHECK_EQ_INT(ts.relpages, 7);
    CHECK_EQ_INT(ts.analyzed_at, 123456789);
    CHECK_EQ_INT(ts.analyze_count, 2);
    const ColStats *cs = stats_column(&ts, 2);
    REQUIRE(cs != NULL);
    CHECK(stats_column(&ts, 1) == NULL);
    CHECK(cs->null_frac == 0.25 && cs->n_distinct == -0.5 && cs->correlation == 0.75);
    CHECK_EQ_INT(cs->avg_width, 4);
    REQUIRE(cs->n_mcv == 2 && cs->n_hist == 3);
    CHECK_EQ_INT(cs->mcv[0].u.i, 42);
    CHECK_EQ_INT(cs->mcv[1].u.i, -7);
    CHECK(cs->mcv_freq[0] == 0.3);
    CHECK_EQ_INT(cs->hist[2].u.i, 100);
    shale_arena_destroy(&a);
    shale_buf_free(&b);
}

TEST(decode_bad_bytes)
{
    ShaleBuf b;
    shale_buf_init(&b);
    build(&b);
    int refused = 0;
    for (size_t n = 0; n < b.len; n++) {
        /* an exact-size copy so ASan sees any read past the end */
        char *p = malloc(n ? n : 1);
        REQUIRE(p != NULL);
        memcpy(p, b.data, n);
        ShaleArena a;
        shale_arena_init(&a);
        TableStats ts;
        if (stats_decode(p, n, &a, &ts) != 0)
            refused++;
        shale_arena_destroy(&a);
        free(p);
    }
    CHECK_EQ_INT(refused, (int)b.len);        /* every truncation is refused */
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            char *p = malloc(b.len);
            REQUIRE(p != NULL);
            memcpy(p, b.data, b.len);
            p[i] ^= (char)(1 << bit);
            ShaleArena a;
            shale_arena_init(&a);
            TableStats ts;
            (void)stats_decode(p, b.len, &a, &ts);
            shale_arena_destroy(&a);
            free(p);
        }
    }
    shale_buf_free(&b);
}

TEST_MAIN(
    RUN(decode_roundtrip);
    RUN(decode_bad_bytes);
)
