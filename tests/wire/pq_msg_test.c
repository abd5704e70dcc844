/* pq_msg_test.c -- unit tests of the protocol's message reader, builder and framer (no
 * sockets): bounds, sticky failure, full-consumption checks, back-patched lengths, framing of
 * pipelined and split messages, and length refusals. */
#include "tests/harness/test.h"

#include "protocol/pq_frame.h"
#include "protocol/pq_msg.h"

TEST(reader_reads_and_checks_end)
{
    const char msg[] = {0, 5, 0, 0, 0, 7, 'a', 'b', 0, 'x', 'y'};
    PqReader r;
    pq_reader_init(&r, msg, sizeof msg);
    CHECK_EQ_INT(pq_reader_get_int16(&r), 5);
    CHECK_EQ_INT(pq_reader_get_int32(&r), 7);
    CHECK_STR(pq_reader_get_string(&r), "ab");
    CHECK(!pq_reader_end(&r));
    const char *b = pq_reader_get_bytes(&r, 2);
    CHECK(b && b[0] == 'x' && b[1] == 'y');
    CHECK(pq_reader_end(&r));
    /* past the end: sticky failure, zero values */
    CHECK_EQ_INT(pq_reader_get_byte(&r), 0);
    CHECK(r.failed);
    CHECK(!pq_reader_end(&r));
    CHECK_EQ_INT(pq_reader_remaining(&r), 0);
}

TEST(reader_string_needs_nul_inside)
{
    const char msg[] = {'a', 'b', 'c'};
    PqReader r;
    pq_reader_init(&r, msg, sizeof msg);
    CHECK_STR(pq_reader_get_string(&r), "");
    CHECK(r.failed);
    pq_reader_init(&r, msg, 0);
    CHECK(pq_reader_get_bytes(&r, 1) == NULL);
    CHECK_EQ_INT(pq_reader_get_int16(&r), 0);
    CHECK_EQ_INT(pq_reader_get_int32(&r), 0);
    const char neg[] = {(char)0xff, (char)0xfe, (char)0xff, (char)0xff, (char)0xff, (char)0xff};
    pq_reader_init(&r, neg, sizeof neg);
    CHECK_EQ_INT(pq_reader_get_int16(&r), -2);
    CHECK_EQ_INT(pq_reader_get_int32(&r), -1);
    CHECK(pq_reader_end(&r));
}

TEST(builder_backpatches_length)
{
    ShaleBuf out;
    shale_buf_init(&out);
    PqBuilder b;
    pq_builder_begin(&b, &out, 'T');
    pq_builder_put_int16(&b, 1);
    pq_builder_put_string(&b, "col");
    pq_builder_put_int32(&b, -1);
    pq_builder_end(&b);
    pq_builder_begin(&b, &out, 'Z');
    pq_builder_put_byte(&b, 'I');
    pq_builder_end(&b);
    REQUIRE(!out.oom);
    CHECK_EQ_INT(out.len, 1 + 4 + 2 + 4 + 4 + 1 + 4 + 1);
    CHECK_EQ_INT(out.data[0], 'T');
    CHECK_EQ_INT(pq_get_be32(out.data + 1), 4 + 2 + 4 + 4);
    CHECK_EQ_INT(out.data[15], 'Z');
    CHECK_EQ_INT(pq_get_be32(out.data + 16), 5);
    /* startup-style: no type byte */
    shale_buf_reset(&out);
    pq_builder_begin(&b, &out, 0);
    pq_builder_put_int32(&b, PQ_SSL_REQUEST_CODE);
    pq_builder_end(&b);
    CHECK_EQ_INT(out.len, 8);
    CHECK_EQ_INT(pq_get_be32(out.data), 8);
    shale_buf_free(&out);
}

/* Feeds bytes into the framer in pieces of step bytes. */
static void feed(PqFramer *f, const char *p, size_t n)
{
    char *dst;
    size_t room = pq_frame_space(f, n, &dst);
    if (room >= n) {
        memcpy(dst, p, n);
        pq_frame_commit(f, n);
    }
}

TEST(framer_pipelined_and_split)
{
    ShaleBuf out;
    shale_buf_init(&out);
    PqBuilder b;
    for (int i = 0; i < 100; i++) {
        pq_builder_begin(&b, &out, 'Q');
        char q[32];
        snprintf(q, sizeof q, "SELECT %d", i);
        pq_builder_put_string(&b, q);
        pq_builder_end(&b);
    }
    for (size_t step = 1; step <= 64; step *= 3) {
        PqFramer f;
        pq_frame_init(&f);
        int got = 0;
        for (size_t off = 0; off < out.len; off += step) {
            size_t n = out.len - off < step ? out.len - off : step;
            feed(&f, out.data + off, n);
            PqFrame fr;
            PqFrameStatus st;
            while ((st = pq_frame_next(&f, false, 1 << 20, &fr)) == PQ_FRAME_MESSAGE) {
                char want[32];
                snprintf(want, sizeof want, "SELECT %d", got);
                CHECK_EQ_INT(fr.type, 'Q');
                CHECK_EQ_INT(fr.len, strlen(want) + 1);
                CHECK(memcmp(fr.payload, want, fr.len) == 0);
                got++;
            }
            CHECK_EQ_INT(st, PQ_FRAME_NEED_MORE);
        }
        CHECK_EQ_INT(got, 100);
        CHECK_EQ_INT(pq_frame_pending(&f), 0);
        pq_frame_free(&f);
    }
    shale_buf_free(&out);
}

TEST(framer_refuses_bad_lengths)
{
    PqFramer f;
    pq_frame_init(&f);
    PqFrame fr;
    const char short_len[] = {'Q', 0, 0, 0, 3};
    feed(&f, short_len, sizeof short_len);
    CHECK_EQ_INT(pq_frame_next(&f, false, 1000, &fr), PQ_FRAME_BAD_LENGTH);
    pq_frame_free(&f);
    pq_frame_init(&f);
    const char big[] = {'Q', 0x7f, 0, 0, 0};
    feed(&f, big, sizeof big);
    CHECK_EQ_INT(pq_frame_next(&f, false, 1000, &fr), PQ_FRAME_TOO_LARGE);
    CHECK_EQ_U64(fr.declared_len, 0x7f000000u);
    pq_frame_free(&f);
    /* startup packets: 8..max */
    pq_frame_init(&f);
    const char st4[] = {0, 0, 0, 4, 0, 0, 0, 0};
    feed(&f, st4, sizeof st4);
    CHECK_EQ_INT(pq_frame_next(&f, true, 10000, &fr), PQ_FRAME_BAD_LENGTH);
    pq_frame_free(&f);
    pq_frame_init(&f);
    const char st_big[] = {0, 1, 0, 0};
    feed(&f, st_big, sizeof st_big);
    CHECK_EQ_INT(pq_frame_next(&f, true, 10000, &fr), PQ_FRAME_TOO_LARGE);
    pq_frame_free(&f);
    pq_frame_init(&f);
    const char ssl[] = {0, 0, 0, 8, 0x04, (char)0xd2, 0x16, 0x2f};
    feed(&f, ssl, sizeof ssl);
    CHECK_EQ_INT(pq_frame_next(&f, true, 10000, &fr), PQ_FRAME_MESSAGE);
    CHECK_EQ_INT(fr.code, PQ_SSL_REQUEST_CODE);
    CHECK_EQ_INT(fr.len, 0);
    pq_frame_free(&f);
}

TEST(framer_large_message_grows_and_shrinks)
{
    size_t n = 3u << 20;
    char *msg = malloc(n + 5);
    REQUIRE(msg);
    msg[0] = 'd';
    pq_put_be32(msg + 1, (uint32_t)(n + 4));
    for (size_t i = 0; i < n; i++)
        msg[5 + i] = (char)(i * 31);
    PqFramer f;
    pq_frame_init(&f);
    size_t off = 0;
    PqFrame fr;
    while (off < n + 5) {
        size_t want = pq_frame_wanted(&f, false);
        size_t pend = pq_frame_pending(&f);
        size_t chunk = want > pend ? want - pend : 4096;
        if (chunk > 100000)
            chunk = 100000;
        if (chunk > n + 5 - off)
            chunk = n + 5 - off;
        feed(&f, msg + off, chunk);
        off += chunk;
    }
    REQUIRE(pq_frame_next(&f, false, (size_t)1 << 30, &fr) == PQ_FRAME_MESSAGE);
    CHECK_EQ_INT(fr.len, n);
    CHECK(memcmp(fr.payload, msg + 5, n) == 0);
    char *dst;
    pq_frame_space(&f, 10, &dst);
    CHECK(f.cap <= 65536);
    pq_frame_free(&f);
    free(msg);
}

TEST_MAIN(
    RUN(reader_reads_and_checks_end);
    RUN(reader_string_needs_nul_inside);
    RUN(builder_backpatches_length);
    RUN(framer_pipelined_and_split);
    RUN(framer_refuses_bad_lengths);
    RUN(framer_large_message_grows_and_shrinks);
)
