/* embed_openai_test.c -- the openai provider against tests/embed/fake_embed_server: values,
 * batch order, JSON escaping, failure classification, timeouts, cancellation, API keys,
 * chunked responses, and https with a throwaway self-signed certificate. */
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "facets/embed/embedder.h"
#include "tests/harness/test.h"
#include "tests/embed/embed_test_util.h"

static FakeServer srv;

static Embedder *open_openai(const FakeServer *s, int dims, const char *extra_key, const char *extra_val,
                             const char *key2, const char *val2)
{
    char url[128], d[16];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/embeddings", s->port);
    snprintf(d, sizeof d, "%d", dims);
    EmbedderOption o[6] = { { "url", url }, { "model", "fake-model" }, { "dims", d }, { "batch_size", "512" } };
    int n = 4;
    if (extra_key) o[n++] = (EmbedderOption){ extra_key, extra_val };
    if (key2) o[n++] = (EmbedderOption){ key2, val2 };
    Embedder *e = NULL;
    SqlError err;
    if (embedder_open("t", "openai", o, n, &e, &err) != 0) {
        printf("  embedder_open: %s\n", err.message);
        return NULL;
    }
    return e;
}

/* Embeds texts and checks each vector equals embed_hash_text of the text (what the fake
 * server answers). */
static void check_roundtrip(Embedder *e, const char *const *texts, const size_t *lens, int n)
{
    int dims = embedder_dims(e);
    float *out = malloc(sizeof(float) * (size_t)n * (size_t)dims);
    float *ref = malloc(sizeof(float) * (size_t)dims);
    EmbedFailure f;
    int rc = embedder_embed(e, texts, lens, n, out, NULL, NULL, &f);
    CHECK_MSG(rc == 0, "embed failed: %s", f.message);
    for (int i = 0; rc == 0 && i < n; i++) {
        embed_hash_text(texts[i], lens[i], dims, ref);
        CHECK_MSG(memcmp(ref, out + (size_t)i * dims, sizeof(float) * (size_t)dims) == 0, "text %d differs", i);
    }
    free(out);
    free(ref);
}

TEST(openai_success_and_order)
{
    REQUIRE(etu_control(&srv, "mode=ok&reset=1"));
    Embedder *e = open_openai(&srv, 16, NULL, NULL, NULL, NULL);
    REQUIRE(e);
    const char *texts[] = { "first text", "second one", "third", "fourth thing", "fifth" };
    size_t lens[5];
    for (int i = 0; i < 5; i++) lens[i] = strlen(texts[i]);
    check_roundtrip(e, texts, lens, 5);
    CHECK_EQ_INT(etu_stat(&srv, "requests"), 1);
    CHECK_EQ_INT(etu_stat(&srv, "texts"), 5);
    /* escaping: quotes, backslashes, control bytes, UTF-8 survive the JSON round trip */
    const char *odd[] = { "say \"hi\" \\ back\\slash", "tab\there\nnewline\r\x01\x1f end", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                          "", "{\"json\": [1,2]} </script>" };
    size_t ol[5];
    for (int i = 0; i < 5; i++) ol[i] = strlen(odd[i]);
    check_roundtrip(e, odd, ol, 5);
    /* n == 0 sends nothing */
    EmbedFailure f;
    CHECK_EQ_INT(embedder_embed(e, odd, ol, 0, NULL, NULL, NULL, &f), 0);
    CHECK_EQ_INT(etu_stat(&srv, "requests"), 2);
    embedder_free(e);
}

TEST(openai_big_batch_and_chunked)
{
    Embedder *e = open_openai(&srv, 64, "send_dimensions", "true", NULL, NULL);
    REQUIRE(e);
    enum { N = 512 };
    static char buf[N][96];
    const char *texts[N];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "document number %d about topic %d with words w%d w%d", i, i % 7, i * 3, i * 5);
        texts[i] = buf[i];
        lens[i] = strlen(buf[i]);
    }
    check_roundtrip(e, texts, lens, N);
    REQUIRE(etu_control(&srv, "mode=chunked&count=1"));
    check_roundtrip(e, texts, lens, 40);
    REQUIRE(etu_control(&srv, "mode=chunked&count=1"));
    check_roundtrip(e, texts, lens, N);
    embedder_free(e);
}

static void expect_failure(Embedder *e, const char *mode, EmbedFailKind kind, int status)
{
    char q[64];
    snprintf(q, sizeof q, "mode=%s&count=1", mode);
    CHECK(etu_control(&srv, q));
    const char *texts[] = { "alpha", "beta" };
    size_t lens[] = { 5, 4 };
    float out[2 * 16];
    EmbedFailure f;
    CHECK_MSG(embedder_embed(e, texts, lens, 2, out, NULL, NULL, &f) == -1, "mode %s did not fail", mode);
    CHECK_MSG(f.kind == kind, "mode %s: kind %d, want %d (%s)", mode, (int)f.kind, (int)kind, f.message);
    CHECK_MSG(f.http_status == status, "mode %s: status %d, want %d (%s)", mode, f.http_status, status, f.message);
    CHECK(f.message[0] != '\0');
}

TEST(openai_failure_classification)
{
    Embedder *e = open_openai(&srv, 16, "timeout_ms", "5000", NULL, NULL);
    REQUIRE(e);
    expect_failure(e, "fail500", EMBED_RETRYABLE, 500);
    expect_failure(e, "429", EMBED_RETRYABLE, 429);
    expect_failure(e, "close", EMBED_RETRYABLE, 0);
    expect_failure(e, "garbage", EMBED_PERMANENT, 200);
    expect_failure(e, "wrongdims", EMBED_PERMANENT, 200);
    expect_failure(e, "nan", EMBED_PERMANENT, 200);
    expect_failure(e, "badindex", EMBED_PERMANENT, 200);
    /* the server's message is kept */
    CHECK(etu_control(&srv, "mode=429&count=1"));
    const char *t1[] = { "x" };
    size_t l1[] = { 1 };
    float out[16];
    EmbedFailure f;
    CHECK_EQ_INT(embedder_embed(e, t1, l1, 1, out, NULL, NULL, &f), -1);
    CHECK_MSG(strstr(f.message, "HTTP 429") && strstr(f.message, "Rate limit reached"), "%s", f.message);
    /* count=1 means the next request succeeds again */
    CHECK_EQ_INT(embedder_embed(e, t1, l1, 1, out, NULL, NULL, &f), 0);
    /* a poison text fails its whole batch permanently; alone, the others succeed */
    const char *tp[] = { "fine", "this is poison", "also fine" };
    size_t lp[] = { 4, 14, 9 };
    float o3[3 * 16];
    CHECK_EQ_INT(embedder_embed(e, tp, lp, 3, o3, NULL, NULL, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    CHECK_EQ_INT(f.http_status, 400);
    CHECK_EQ_INT(embedder_embed(e, tp, lp, 1, o3, NULL, NULL, &f), 0);
    /* wrong dims the other way: the server answers 16 values, the embedder wants 8 */
    Embedder *e8 = open_openai(&srv, 8, NULL, NULL, NULL, NULL);
    REQUIRE(e8);
    CHECK_EQ_INT(embedder_embed(e8, t1, l1, 1, out, NULL, NULL, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    embedder_free(e8);
    /* ... unless it asks for them: send_dimensions */
    e8 = open_openai(&srv, 8, "send_dimensions", "on", NULL, NULL);
    REQUIRE(e8);
    check_roundtrip(e8, t1, l1, 1);
    embedder_free(e8);
    embedder_free(e);
}

TEST(openai_connection_refused_is_retryable)
{
    /* a port nobody listens on: bind one, note it, close it */
    FakeServer dead = { 0, 0 };
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    REQUIRE(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(s, (struct sockaddr *)&a, &al) == 0);
    dead.port = ntohs(a.sin_port);
    close(s);
    Embedder *e = open_openai(&dead, 16, NULL, NULL, NULL, NULL);
    REQUIRE(e);
    const char *t[] = { "x" };
    size_t l[] = { 1 };
    float out[16];
    EmbedFailure f;
    CHECK_EQ_INT(embedder_embed(e, t, l, 1, out, NULL, NULL, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "could not connect") != NULL, "%s", f.message);
    embedder_free(e);
}

static bool cancel_after(void *arg)
{
    return etu_ms() >= *(int64_t *)arg;
}

TEST(openai_timeout_and_cancel)
{
    Embedder *e = open_openai(&srv, 16, "timeout_ms", "300", NULL, NULL);
    REQUIRE(e);
    const char *t[] = { "x" };
    size_t l[] = { 1 };
    float out[16];
    EmbedFailure f;
    REQUIRE(etu_control(&srv, "mode=hang&count=1"));
    int64_t t0 = etu_ms();
    CHECK_EQ_INT(embedder_embed(e, t, l, 1, out, NULL, NULL, &f), -1);
    int64_t el = etu_ms() - t0;
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "timed out") != NULL, "%s", f.message);
    CHECK_MSG(el >= 290 && el < 1000, "timeout after %lld ms", (long long)el);
    /* slow but within the timeout: fine */
    REQUIRE(etu_control(&srv, "mode=ok&slow=100"));
    CHECK_EQ_INT(embedder_embed(e, t, l, 1, out, NULL, NULL, &f), 0);
    REQUIRE(etu_control(&srv, "mode=ok&slow=0"));
    embedder_free(e);

    e = open_openai(&srv, 16, "timeout_ms", "20000", NULL, NULL);
    REQUIRE(e);
    REQUIRE(etu_control(&srv, "mode=hang&count=1"));
    t0 = etu_ms();
    int64_t when = t0 + 250;
    CHECK_EQ_INT(embedder_embed(e, t, l, 1, out, cancel_after, &when, &f), -1);
    el = etu_ms() - t0;
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "cancelled") != NULL, "%s", f.message);
    CHECK_MSG(el >= 240 && el < 1500, "cancel after %lld ms", (long long)el);
    embedder_free(e);
}

TEST(openai_api_key)
{
    FakeServer ks;
    const char *args[] = { "--require-key", "sk-test-123", NULL };
    REQUIRE(etu_server_start(&ks, args));
    const char *t[] = { "key test" };
    size_t l[] = { 8 };
    float out[16];
    EmbedFailure f;
    Embedder *e = open_openai(&ks, 16, "api_key_env", "SHALE_TEST_EMBED_KEY", NULL, NULL);
    if (!e) { etu_server_stop(&ks); REQUIRE(e); }
    unsetenv("SHALE_TEST_EMBED_KEY");
    CHECK_EQ_INT(embedder_embed(e, t, l, 1, out, NULL, NULL, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    CHECK_MSG(strstr(f.message, "SHALE_TEST_EMBED_KEY") != NULL, "%s", f.message);
    setenv("SHALE_TEST_EMBED_KEY", "sk-wrong", 1);
    CHECK_EQ_INT(embedder_embed(e, t, l, 1, out, NULL, NULL, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    CHECK_EQ_INT(f.http_status, 401);
    setenv("SHALE_TEST_EMBED_KEY", "sk-test-123", 1);   /* read at each call */
    check_roundtrip(e, t, l, 1);
    CHECK_EQ_INT(etu_stat(&ks, "auth_ok"), 1);
    unsetenv("SHALE_TEST_EMBED_KEY");
    embedder_free(e);
    etu_server_stop(&ks);
}

TEST(openai_https)
{
    const char *dir = test_tmpdir();
    char cmd[2048], cert[600], key[600];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '%s' -out '%s' "
             "-days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1", key, cert);
    if (system(cmd) != 0) TEST_SKIP("openssl CLI not available to make a test certificate");
    FakeServer ts;
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    REQUIRE(etu_server_start(&ts, args));
    char url[128], d[] = "16";
    snprintf(url, sizeof url, "https://localhost:%d/v1/embeddings", ts.port);
    const char *t[] = { "secure text", "another" };
    size_t l[] = { 11, 7 };
    float out[32];
    EmbedFailure f;
    SqlError err;
    Embedder *e = NULL;
    /* trusted via ca_file */
    EmbedderOption o1[] = { { "url", url }, { "model", "m" }, { "dims", d }, { "ca_file", cert } };
    CHECK_OK(embedder_open("tls", "openai", o1, 4, &e, &err), &err);
    if (e) {
        check_roundtrip(e, t, l, 2);
        embedder_free(e);
    }
    /* the system bundle does not trust it: permanent verification failure */
    EmbedderOption o2[] = { { "url", url }, { "model", "m" }, { "dims", d } };
    e = NULL;
    CHECK_OK(embedder_open("tls", "openai", o2, 3, &e, &err), &err);
    if (e) {
        CHECK_EQ_INT(embedder_embed(e, t, l, 2, out, NULL, NULL, &f), -1);
        CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
        CHECK_MSG(strstr(f.message, "certificate") != NULL, "%s", f.message);
        embedder_free(e);
    }
    /* tls_verify = off accepts it (unsafe; for tests and private networks) */
    EmbedderOption o3[] = { { "url", url }, { "model", "m" }, { "dims", d }, { "tls_verify", "off" } };
    e = NULL;
    CHECK_OK(embedder_open("tls", "openai", o3, 4, &e, &err), &err);
    if (e) {
        check_roundtrip(e, t, l, 2);
        embedder_free(e);
    }
    /* a wrong ca_file path is a permanent failure */
    EmbedderOption o4[] = { { "url", url }, { "model", "m" }, { "dims", d }, { "ca_file", "/nonexistent/ca.pem" } };
    e = NULL;
    CHECK_OK(embedder_open("tls", "openai", o4, 4, &e, &err), &err);
    if (e) {
        CHECK_EQ_INT(embedder_embed(e, t, l, 2, out, NULL, NULL, &f), -1);
        CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
        embedder_free(e);
    }
    etu_server_stop(&ts);
    unlink(cert);
    unlink(key);
}

static void *openai_thread(void *arg)
{
    Embedder *e = arg;
    for (int it = 0; it < 10; it++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "concurrent %d one", it);
        snprintf(b, sizeof b, "concurrent %d two", it);
        const char *t[] = { a, b };
        size_t l[] = { strlen(a), strlen(b) };
        check_roundtrip(e, t, l, 2);
    }
    return NULL;
}

TEST(openai_concurrent_callers)
{
    REQUIRE(etu_control(&srv, "mode=ok&slow=5&reset=1"));
    Embedder *e = open_openai(&srv, 16, NULL, NULL, NULL, NULL);
    REQUIRE(e);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, openai_thread, e);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CHECK_EQ_INT(etu_stat(&srv, "requests"), 40);
    CHECK_EQ_INT(etu_stat(&srv, "texts"), 80);
    REQUIRE(etu_control(&srv, "mode=ok&slow=0"));
    embedder_free(e);
}

static void run_all(void)
{
    if (!etu_server_start(&srv, NULL)) {
        printf("FAIL embed_openai_test.start_fake_server: could not start %s\n", etu_sibling("fake_embed_server"));
        test_cases_failed++;
        return;
    }
    RUN(openai_success_and_order);
    RUN(openai_big_batch_and_chunked);
    RUN(openai_failure_classification);
    RUN(openai_connection_refused_is_retryable);
    RUN(openai_timeout_and_cancel);
    RUN(openai_concurrent_callers);
    RUN(openai_api_key);
    RUN(openai_https);
    etu_server_stop(&srv);
    test_rm_rf(test_tmpdir());
}

TEST_MAIN(run_all();)
