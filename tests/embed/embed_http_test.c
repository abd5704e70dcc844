/* embed_http_test.c -- the JSON reader/writer and the HTTP client against hostile input:
 * canned responses from an in-process one-shot server (oversized, malformed, truncated,
 * interim 1xx, unframed) and random mutations of a valid response. Nothing may crash; every
 * failure must be classified. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "facets/embed/embed_http.h"
#include "facets/embed/embedder.h"
#include "tests/harness/test.h"
#include "util/hash.h"

/* ---- JSON ---- */

TEST(json_strings_and_numbers)
{
    const char *doc = "{\"a\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\", \"b\": [1, -2.5e3, 0.125], \"c\": \"\\ud800z\"}";
    EmbedJson j;
    embed_json_init(&j, doc, strlen(doc));
    bool first = true;
    char key[8];
    ShaleBuf s;
    shale_buf_init(&s);
    double nums[3];
    int nn = 0;
    while (embed_json_object_next(&j, &first, key, sizeof key)) {
        if (strcmp(key, "a") == 0 || strcmp(key, "c") == 0) {
            CHECK(embed_json_string(&j, &s));
        } else {
            bool f = true;
            while (embed_json_array_next(&j, &f)) CHECK(nn < 3 && embed_json_number(&j, &nums[nn++]));
        }
    }
    CHECK(!j.failed);
    CHECK(embed_json_at_end(&j));
    const char want[] = "x\xc3\xa9\xf0\x9f\x98\x80\n\"\\/\xef\xbf\xbdz";
    CHECK_MEM(s.data, s.len, want, sizeof want - 1);
    CHECK_EQ_INT(nn, 3);
    CHECK(nums[0] == 1 && nums[1] == -2500 && nums[2] == 0.125);
    shale_buf_free(&s);
}

static bool json_walk(const char *d, size_t n)
{
    EmbedJson j;
    embed_json_init(&j, d, n);
    return embed_json_skip(&j) && embed_json_at_end(&j);
}

TEST(json_hostile_input)
{
    const char *doc = "{\"data\":[{\"embedding\":[0.5,-1e-3,2],\"index\":0,\"s\":\"a\\u0041\"},true,false,null],\"x\":{}}";
    size_t n = strlen(doc);
    CHECK(json_walk(doc, n));
    for (size_t i = 0; i < n; i++) CHECK_MSG(!json_walk(doc, i), "prefix %zu accepted", i);
    /* depth cap */
    char deep[300];
    memset(deep, '[', 150);
    memset(deep + 150, ']', 150);
    CHECK(!json_walk(deep, 300));
    CHECK(json_walk(deep + 100, 100));   /* 50 deep is fine */
    /* bad tokens */
    static const char *bad[] = { "01", "1.", "-", "+1", "1e", "\"\\x\"", "\"a\nb\"", "[1,]", "{\"a\"1}",
                                 "nul", "NaN", "[1 2]", "{\"a\":1,}", "\"\\u12G4\"", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(!json_walk(bad[i], strlen(bad[i])), "accepted %s", bad[i]);
    /* random bytes never crash */
    ShaleRandom r;
    shale_random_seed(&r, 42);
    char buf[64];
    for (int it = 0; it < 20000; it++) {
        size_t len = shale_random_uniform(&r, sizeof buf);
        for (size_t i = 0; i < len; i++) buf[i] = "{}[],:\"\\u0123456789.eE-+tfnrl ax"[shale_random_uniform(&r, 32)];
        json_walk(buf, len);
    }
}

TEST(json_writer_roundtrip)
{
    char all[256];
    for (int i = 0; i < 256; i++) all[i] = (char)i;
    ShaleBuf w, back;
    shale_buf_init(&w);
    shale_buf_init(&back);
    embed_json_write_string(&w, all, 128);   /* every ASCII byte, including NUL and controls */
    EmbedJson j;
    embed_json_init(&j, w.data, w.len);
    CHECK(embed_json_string(&j, &back));
    CHECK_MEM(back.data, back.len, all, 128);
    /* invalid UTF-8 becomes U+FFFD, valid UTF-8 passes through */
    shale_buf_reset(&w);
    shale_buf_reset(&back);
    embed_json_write_string(&w, "\xff" "a\xc3\xa9\xed\xa0\x80", 7);
    embed_json_init(&j, w.data, w.len);
    CHECK(embed_json_string(&j, &back));
    const char want[] = "\xef\xbf\xbd" "a\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd";
    CHECK_MEM(back.data, back.len, want, sizeof want - 1);
    shale_buf_free(&w);
    shale_buf_free(&back);
}

/* ---- canned-response server ---- */

typedef struct Canned {
    int listen_fd;
    const char *resp;
    size_t len;
    int hold_ms;      /* keep the connection open this long after writing */
} Canned;

static void *canned_main(void *arg)
{
    Canned *c = arg;
    int fd = accept(c->listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    char buf[65536];
    size_t have = 0;
    /* read the request head and its Content-Length body */
    for (;;) {
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = '\0';
        char *sep = strstr(buf, "\r\n\r\n");
        if (sep) {
            char *cl = strstr(buf, "Content-Length: ");
            size_t want = (size_t)(sep + 4 - buf) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
            if (have >= want || have >= sizeof buf - 1) break;
        }
    }
    size_t off = 0;
    while (off < c->len) {
        ssize_t w = send(fd, c->resp + off, c->len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (c->hold_ms) usleep((useconds_t)c->hold_ms * 1000);
    close(fd);
    return NULL;
}

static int64_t canned_last_ms;   /* duration of the last canned_embed's embedder_embed */

/* Serves resp once and runs one embed of two texts with dims 2 against it. */
static int canned_embed(const char *resp, size_t len, int hold_ms, float *out, EmbedFailure *f)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 4) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
        if (ls >= 0) close(ls);
        return -2;
    }
    Canned c = { ls, resp, len, hold_ms };
    pthread_t t;
    pthread_create(&t, NULL, canned_main, &c);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/embeddings", ntohs(a.sin_port));
    EmbedderOption o[] = { { "url", url }, { "model", "m" }, { "dims", "2" }, { "timeout_ms", "2000" } };
    Embedder *e = NULL;
    SqlError err;
    int rc = -2;
    if (embedder_open("c", "openai", o, 4, &e, &err) == 0) {
        const char *texts[] = { "a", "b" };
        size_t lens[] = { 1, 1 };
        int64_t t0 = embed_now_ms();
        rc = embedder_embed(e, texts, lens, 2, out, NULL, NULL, f);
        canned_last_ms = embed_now_ms() - t0;
        embedder_free(e);
    }
    pthread_join(t, NULL);
    close(ls);
    return rc;
}

#define OK_BODY "{\"data\":[{\"index\":1,\"embedding\":[3,4]},{\"index\":0,\"embedding\":[1,2]}]}"

static void expect_canned(const char *resp, int want_rc, EmbedFailKind kind)
{
    float out[4] = { 0 };
    EmbedFailure f;
    int rc = canned_embed(resp, strlen(resp), 0, out, &f);
    CHECK_MSG(rc == want_rc, "rc %d for response %.40s... (%s)", rc, resp, rc ? f.message : "");
    if (rc == 0 && want_rc == 0) CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4);
    if (rc == -1 && want_rc == -1)
        CHECK_MSG(f.kind == kind, "kind %d for %.40s...: %s", (int)f.kind, resp, f.message);
}

TEST(http_framing_variants)
{
    expect_canned("HTTP/1.1 200 OK\r\nContent-Length: 70\r\n\r\n" OK_BODY, 0, EMBED_OK);
    expect_canned("HTTP/1.0 200 OK\r\n\r\n" OK_BODY, 0, EMBED_OK);                      /* until close */
    expect_canned("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 70\r\n\r\n" OK_BODY, 0, EMBED_OK);
    expect_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "10\r\n{\"data\":[{\"index\r\n"
                  "36;name=value\r\n\":1,\"embedding\":[3,4]},{\"index\":0,\"embedding\":[1,2]}]}\r\n0\r\n\r\n",
                  0, EMBED_OK);
}

TEST(http_hostile_responses)
{
    expect_canned("HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n{}", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\nabc", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 abc OK\r\n\r\n", -1, EMBED_PERMANENT);
    expect_canned("SMTP ready\r\n\r\n", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\"", -1, EMBED_RETRYABLE);   /* truncated */
    expect_canned("HTTP/1.1 200 OK\r\nContent-Len", -1, EMBED_RETRYABLE);
    expect_canned("", -1, EMBED_RETRYABLE);
    expect_canned("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", -1, EMBED_PERMANENT);         /* no data */
    expect_canned("HTTP/1.1 200 OK\r\n\r\n{\"data\":[{\"index\":0,\"embedding\":[1,2]}]}", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\n\r\n{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":0,\"embedding\":[1,2]}]}",
                  -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\n\r\n{\"data\":[{\"index\":0,\"embedding\":[1,1e39]},{\"index\":1,\"embedding\":[1,2]}]}",
                  -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\n\r\n{\"data\":[{\"index\":0.5,\"embedding\":[1,2]}]}", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 200 OK\r\n\r\n" OK_BODY "xx", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 503 Busy\r\n\r\n<html>", -1, EMBED_RETRYABLE);
    expect_canned("HTTP/1.1 404 Not Found\r\n\r\n{\"error\":\"model not found\"}", -1, EMBED_PERMANENT);
    expect_canned("HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n", -1, EMBED_PERMANENT);
    /* endless headers */
    size_t big = 100000;
    char *h = malloc(big + 32);
    REQUIRE(h);
    strcpy(h, "HTTP/1.1 200 OK\r\n");
    size_t l = strlen(h);
    while (l + 8 < big) { memcpy(h + l, "X: yy\r\n", 7); l += 7; }
    h[l] = '\0';
    float out[4];
    EmbedFailure f;
    CHECK_EQ_INT(canned_embed(h, l, 0, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    free(h);
    /* headers then silence: the timeout still holds (2 s here) */
    CHECK_EQ_INT(canned_embed("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{", 41, 2600, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "timed out") != NULL, "%s", f.message);
    CHECK_MSG(canned_last_ms >= 1990 && canned_last_ms < 2400, "took %lld ms", (long long)canned_last_ms);
}

TEST(http_mutated_responses_never_crash)
{
    const char base[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "10\r\n{\"data\":[{\"index\r\n"
                        "36\r\n\":1,\"embedding\":[3,4]},{\"index\":0,\"embedding\":[1,2]}]}\r\n0\r\n\r\n";
    ShaleRandom r;
    shale_random_seed(&r, 2024);
    int iters = 150;
#ifdef SHALE_SANITIZERS
    iters = 60;
#endif
    int ok = 0, failed = 0;
    for (int it = 0; it < iters; it++) {
        char m[sizeof base];
        memcpy(m, base, sizeof base);
        size_t len = sizeof base - 1;
        int nmut = 1 + (int)shale_random_uniform(&r, 3);
        for (int k = 0; k < nmut; k++) {
            size_t pos = shale_random_uniform(&r, len);
            switch (shale_random_uniform(&r, 3)) {
            case 0: m[pos] = (char)shale_random_next(&r); break;
            case 1: len = pos; break;                                  /* truncate */
            default: m[pos] = "0123456789abcdef\r\n{}[],:\"-"[shale_random_uniform(&r, 27)]; break;
            }
        }
        float out[4];
        EmbedFailure f;
        int rc = canned_embed(m, len, 0, out, &f);
        if (rc == 0) ok++;
        else if (rc == -1 && (f.kind == EMBED_RETRYABLE || f.kind == EMBED_PERMANENT) && f.message[0]) failed++;
    }
    CHECK_EQ_INT(ok + failed, iters);
    CHECK(failed > 0);
}

TEST_MAIN(
    RUN(json_strings_and_numbers);
    RUN(json_hostile_input);
    RUN(json_writer_roundtrip);
    RUN(http_framing_variants);
    RUN(http_hostile_responses);
    RUN(http_mutated_responses_never_crash);
)
