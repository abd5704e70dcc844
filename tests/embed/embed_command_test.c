/* embed_command_test.c -- the command provider with tests/embed/fake_embed_command: values,
 * escaping, crash and restart, error answers, timeouts, cancel, garbage, concurrency. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "facets/embed/embedder.h"
#include "tests/harness/test.h"
#include "tests/embed/embed_test_util.h"

static Embedder *open_command(const char *cmd_suffix, int dims, const char *timeout_ms)
{
    char cmd[5000], d[16];
    snprintf(cmd, sizeof cmd, "'%s' %d%s", etu_sibling("fake_embed_command"), dims, cmd_suffix);
    snprintf(d, sizeof d, "%d", dims);
    EmbedderOption o[] = { { "command", cmd }, { "dims", d }, { "timeout_ms", timeout_ms }, { "batch_size", "128" } };
    Embedder *e = NULL;
    SqlError err;
    if (embedder_open("cmd", "command", o, 4, &e, &err) != 0) printf("  embedder_open: %s\n", err.message);
    return e;
}

static int embed_strs(Embedder *e, const char *const *texts, int n, float *out, EmbedFailure *f)
{
    size_t lens[128];
    for (int i = 0; i < n; i++) lens[i] = strlen(texts[i]);
    return embedder_embed(e, texts, lens, n, out, NULL, NULL, f);
}

static void check_values(Embedder *e, const char *const *texts, int n)
{
    int dims = embedder_dims(e);
    float *out = malloc(sizeof(float) * (size_t)(n * dims));
    float *ref = malloc(sizeof(float) * (size_t)dims);
    EmbedFailure f;
    int rc = embed_strs(e, texts, n, out, &f);
    CHECK_MSG(rc == 0, "embed failed: %s", f.message);
    for (int i = 0; rc == 0 && i < n; i++) {
        embed_hash_text(texts[i], strlen(texts[i]), dims, ref);
        CHECK_MSG(memcmp(ref, out + (size_t)i * dims, sizeof(float) * (size_t)dims) == 0, "text %d differs", i);
    }
    free(out);
    free(ref);
}

TEST(command_values_and_escaping)
{
    Embedder *e = open_command("", 16, "5000");
    REQUIRE(e);
    const char *t[] = { "hello world", "say \"hi\" \\ now", "tab\tnew\nline\r\x01", "caf\xc3\xa9 \xf0\x9f\x98\x80", "" };
    check_values(e, t, 5);
    check_values(e, t, 2);   /* the same child again */
    EmbedFailure f;
    CHECK_EQ_INT(embedder_embed(e, t, NULL, 0, NULL, NULL, NULL, &f), 0);
    static char big[128][64];
    const char *bt[128];
    for (int i = 0; i < 128; i++) {
        snprintf(big[i], sizeof big[i], "batch text %d with several words %d", i, i * 7);
        bt[i] = big[i];
    }
    check_values(e, bt, 128);
    embedder_free(e);
}

TEST(command_crash_restart_and_errors)
{
    Embedder *e = open_command("", 8, "5000");
    REQUIRE(e);
    float out[3 * 8];
    EmbedFailure f;
    const char *ok[] = { "fine" };
    check_values(e, ok, 1);
    const char *p[] = { "fine", "this is poison" };
    CHECK_EQ_INT(embed_strs(e, p, 2, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "status 3") != NULL, "%s", f.message);
    check_values(e, ok, 1);   /* restarted */
    const char *r[] = { "please reject me" };
    CHECK_EQ_INT(embed_strs(e, r, 1, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    CHECK_MSG(strstr(f.message, "rejected") != NULL, "%s", f.message);
    const char *b[] = { "busy now" };
    CHECK_EQ_INT(embed_strs(e, b, 1, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    const char *g[] = { "garbage please" };
    CHECK_EQ_INT(embed_strs(e, g, 1, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    const char *s[] = { "stderr noise is ignored" };
    check_values(e, s, 1);
    check_values(e, ok, 1);
    embedder_free(e);
    /* the program answers 8 values, the embedder wants 4: permanent */
    char cmd[5000];
    snprintf(cmd, sizeof cmd, "'%s' 8", etu_sibling("fake_embed_command"));
    EmbedderOption o[] = { { "command", cmd }, { "dims", "4" } };
    SqlError err;
    REQUIRE_OK(embedder_open("w", "command", o, 2, &e, &err), &err);
    CHECK_EQ_INT(embed_strs(e, ok, 1, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    embedder_free(e);
    /* a command that does not exist: the shell exits 127 */
    EmbedderOption o2[] = { { "command", "/nonexistent/embedder --flag" }, { "dims", "4" } };
    REQUIRE_OK(embedder_open("n", "command", o2, 2, &e, &err), &err);
    CHECK_EQ_INT(embed_strs(e, ok, 1, out, &f), -1);
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "127") != NULL, "%s", f.message);
    embedder_free(e);
}

static bool cancel_after(void *arg)
{
    return etu_ms() >= *(int64_t *)arg;
}

TEST(command_timeout_and_cancel)
{
    Embedder *e = open_command("", 8, "400");
    REQUIRE(e);
    float out[8];
    EmbedFailure f;
    const char *s[] = { "slow text" };
    int64_t t0 = etu_ms();
    CHECK_EQ_INT(embed_strs(e, s, 1, out, &f), -1);
    int64_t el = etu_ms() - t0;
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "timed out") != NULL, "%s", f.message);
    CHECK_MSG(el >= 390 && el < 1500, "took %lld ms", (long long)el);
    const char *ok[] = { "fine" };
    check_values(e, ok, 1);   /* restarted after the kill */
    embedder_free(e);

    e = open_command("", 8, "20000");
    REQUIRE(e);
    size_t l[] = { 9 };
    t0 = etu_ms();
    int64_t when = t0 + 200;
    CHECK_EQ_INT(embedder_embed(e, s, l, 1, out, cancel_after, &when, &f), -1);
    el = etu_ms() - t0;
    CHECK_EQ_INT(f.kind, EMBED_RETRYABLE);
    CHECK_MSG(strstr(f.message, "cancelled") != NULL, "%s", f.message);
    CHECK_MSG(el >= 190 && el < 1500, "took %lld ms", (long long)el);
    check_values(e, ok, 1);
    embedder_free(e);
}

static void *command_thread(void *arg)
{
    Embedder *e = arg;
    for (int it = 0; it < 20; it++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "thread text %d alpha", it);
        snprintf(b, sizeof b, "thread text %d beta", it);
        const char *t[] = { a, b };
        check_values(e, t, 2);
    }
    return NULL;
}

TEST(command_concurrent_callers)
{
    Embedder *e = open_command("", 16, "10000");
    REQUIRE(e);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, command_thread, e);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    embedder_free(e);
}

TEST_MAIN(
    RUN(command_values_and_escaping);
    RUN(command_crash_restart_and_errors);
    RUN(command_timeout_and_cancel);
    RUN(command_concurrent_callers);
    test_rm_rf(test_tmpdir());
)
