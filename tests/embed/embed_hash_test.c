/* embed_hash_test.c -- the hash embedder (exact definition, determinism, normalisation,
 * neighbours on a small corpus) and embedder_open's option validation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "facets/embed/embedder.h"
#include "tests/harness/test.h"
#include "util/hash.h"

static double test_norm(const float *v, int dims)
{
    double s = 0;
    for (int i = 0; i < dims; i++) s += (double)v[i] * v[i];
    return sqrt(s);
}

static double test_cos(const float *a, const float *b, int dims)
{
    double s = 0;
    for (int i = 0; i < dims; i++) s += (double)a[i] * b[i];
    return s;   /* both unit length */
}

/* An independent, string-building restatement of the documented definition for ASCII text. */
static void ref_add(double *acc, int dims, const char *feat, double w)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = feat; *p; p++) h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
    h = shale_hash_u64(h);
    acc[h % (uint64_t)dims] += (h >> 63) ? -w : w;
}

static void ref_embed(const char *const *words, int nwords, int dims, float *out)
{
    double acc[64] = { 0 };
    char f[256];
    for (int i = 0; i < nwords; i++) {
        snprintf(f, sizeof f, "w%s", words[i]);
        ref_add(acc, dims, f, 1.0);
        if (i > 0) {
            snprintf(f, sizeof f, "b%s %s", words[i - 1], words[i]);
            ref_add(acc, dims, f, 0.5);
        }
        char padded[128];
        snprintf(padded, sizeof padded, "<%s>", words[i]);
        for (size_t k = 0; k + 3 <= strlen(padded); k++) {
            snprintf(f, sizeof f, "t%.3s", padded + k);
            ref_add(acc, dims, f, 0.25);
        }
    }
    double s = 0;
    for (int i = 0; i < dims; i++) s += acc[i] * acc[i];
    for (int i = 0; i < dims; i++) out[i] = (float)(acc[i] / sqrt(s));
}

TEST(hash_matches_documented_definition)
{
    const char *words[] = { "hello", "world", "x", "42" };
    float ref[64], got[64];
    ref_embed(words, 4, 64, ref);
    embed_hash_text("Hello, WORLD!  x-42", strlen("Hello, WORLD!  x-42"), 64, got);
    for (int i = 0; i < 64; i++) CHECK_MSG(fabsf(ref[i] - got[i]) < 1e-6f, "dim %d: %g vs %g", i, ref[i], got[i]);
}

TEST(hash_deterministic_and_normalised)
{
    float a[256], b[256];
    const char *t = "The quick brown fox jumps over the lazy dog";
    embed_hash_text(t, strlen(t), 256, a);
    embed_hash_text(t, strlen(t), 256, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(fabs(test_norm(a, 256) - 1.0) < 1e-5);
    /* case and punctuation do not matter; UTF-8 letters are folded */
    const char *u = "the QUICK brown fox -- jumps over the lazy dog!!!";
    embed_hash_text(u, strlen(u), 256, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    embed_hash_text("\xc3\x89" "cole \xd0\x9c\xd0\xb8\xd1\x80", 11, 256, a);    /* École Мир */
    embed_hash_text("\xc3\xa9" "cole \xd0\xbc\xd0\xb8\xd1\x80", 11, 256, b);    /* école мир */
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(fabs(test_norm(a, 256) - 1.0) < 1e-5);
    /* no features: all zeros */
    float z[16];
    embed_hash_text("", 0, 16, z);
    for (int i = 0; i < 16; i++) CHECK(z[i] == 0.0f);
    embed_hash_text(" ,;!? \xe2\x80\x94 \xff\xfe", 12, 16, z);   /* punctuation, em dash, bad bytes */
    for (int i = 0; i < 16; i++) CHECK(z[i] == 0.0f);
    /* embedded NUL is a separator, the length is honoured */
    embed_hash_text("abc\0def", 7, 256, a);
    embed_hash_text("abc def", 7, 256, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* different texts differ */
    embed_hash_text("abc", 3, 256, b);
    CHECK(memcmp(a, b, sizeof a) != 0);
}

TEST(hash_handles_hostile_and_big_input)
{
    size_t n = 1 << 20;
    char *big = malloc(n);
    REQUIRE(big);
    ShaleRandom r;
    shale_random_seed(&r, 7);
    for (size_t i = 0; i < n; i++) big[i] = (char)shale_random_next(&r);   /* arbitrary bytes */
    float v[100];
    embed_hash_text(big, n, 100, v);
    CHECK(fabs(test_norm(v, 100) - 1.0) < 1e-4);
    /* a truncated multi-byte sequence at the very end */
    embed_hash_text("caf\xc3", 4, 100, v);
    CHECK(fabs(test_norm(v, 100) - 1.0) < 1e-5);
    free(big);
}

static const struct { int topic; const char *text; } corpus[] = {
    { 0, "bake the pasta with tomato sauce and garlic" },
    { 0, "garlic bread baked in a hot oven" },
    { 0, "simmer tomato sauce with fresh basil and garlic" },
    { 0, "boil the pasta in salted water then add the sauce" },
    { 0, "preheat the oven and bake the bread for twenty minutes" },
    { 0, "a recipe for pasta with garlic and olive oil" },
    { 1, "the telescope shows the rings of the planet saturn" },
    { 1, "a planet in orbit around a distant star" },
    { 1, "the galaxy contains billions of stars and planets" },
    { 1, "astronomers point the telescope at a bright star" },
    { 1, "the orbit of the planet around its star takes a year" },
    { 1, "a spiral galaxy seen through a large telescope" },
    { 2, "the router drops packets when the network is congested" },
    { 2, "tcp retransmits lost packets after a timeout" },
    { 2, "network latency measured between the router and the server" },
    { 2, "configure the router firewall for the home network" },
    { 2, "packet loss and latency on a congested tcp connection" },
    { 2, "the server answers tcp connections on the network" },
    { 3, "water the roses in the garden every morning" },
    { 3, "plant the seeds in rich garden soil" },
    { 3, "roses need sunny soil and plenty of water" },
    { 3, "the garden plants wilt without water in summer" },
    { 3, "sow seeds and cover them lightly with soil" },
    { 3, "prune the roses and weed the garden beds" },
    { 4, "the football team scored a late goal to win the match" },
    { 4, "the goalkeeper saved a penalty in the football match" },
    { 4, "the team signed a new player before the match" },
    { 4, "a football player scored two goals for his team" },
    { 4, "the match ended with a goal in extra time" },
    { 4, "fans cheered as the team won the football final" },
};
#define NCORPUS ((int)(sizeof corpus / sizeof corpus[0]))

TEST(hash_neighbours_share_topic)
{
    enum { D = 256 };
    static float vec[NCORPUS][D];
    for (int i = 0; i < NCORPUS; i++) embed_hash_text(corpus[i].text, strlen(corpus[i].text), D, vec[i]);
    /* (nearly) every text's nearest neighbour is from its own topic */
    int good = 0;
    for (int i = 0; i < NCORPUS; i++) {
        int best = -1;
        double bs = -2;
        for (int j = 0; j < NCORPUS; j++) {
            if (j == i) continue;
            double s = test_cos(vec[i], vec[j], D);
            if (s > bs) { bs = s; best = j; }
        }
        if (corpus[best].topic != corpus[i].topic)
            printf("  note: nearest of \"%s\" is \"%s\"\n", corpus[i].text, corpus[best].text);
        good += corpus[best].topic == corpus[i].topic;
    }
    /* lexical similarity: shared stop words ("the", "and") may win now and then */
    CHECK_MSG(good >= NCORPUS * 9 / 10, "only %d of %d nearest neighbours on topic", good, NCORPUS);
    /* queries: the top 3 answers are on topic, and on-topic texts outrank off-topic ones on average */
    static const struct { int topic; const char *q; } queries[] = {
        { 0, "garlic pasta sauce" }, { 1, "planet orbit telescope" }, { 2, "router packet latency" },
        { 3, "roses garden soil" }, { 4, "football match goal" },
    };
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        float qv[D];
        embed_hash_text(queries[q].q, strlen(queries[q].q), D, qv);
        double sims[NCORPUS];
        int order[NCORPUS];
        for (int i = 0; i < NCORPUS; i++) { sims[i] = test_cos(qv, vec[i], D); order[i] = i; }
        for (int i = 0; i < NCORPUS; i++)    /* selection sort, descending */
            for (int j = i + 1; j < NCORPUS; j++)
                if (sims[order[j]] > sims[order[i]]) { int t = order[i]; order[i] = order[j]; order[j] = t; }
        for (int k = 0; k < 3; k++)
            CHECK_MSG(corpus[order[k]].topic == queries[q].topic, "query \"%s\" rank %d: \"%s\"", queries[q].q,
                      k, corpus[order[k]].text);
        double on = 0, off = 0;
        int non = 0, noff = 0;
        for (int i = 0; i < NCORPUS; i++) {
            if (corpus[i].topic == queries[q].topic) { on += sims[i]; non++; }
            else { off += sims[i]; noff++; }
        }
        CHECK(on / non > off / noff + 0.1);
    }
}

TEST(embedder_open_hash_and_dispatch)
{
    SqlError err;
    Embedder *e = NULL;
    EmbedderOption o[] = { { "dims", "8" }, { "batch_size", "3" } };
    REQUIRE_OK(embedder_open("local", "hash", o, 2, &e, &err), &err);
    CHECK_EQ_INT(embedder_dims(e), 8);
    CHECK_EQ_INT(embedder_batch_size(e), 3);
    CHECK_STR(embedder_name(e), "local");
    CHECK_STR(embedder_provider(e), "hash");
    const char *texts[] = { "alpha beta", "", "gamma \"quoted\" \\ \n" };
    size_t lens[] = { strlen(texts[0]), 0, strlen(texts[2]) };
    float out[3 * 8 + 1];
    out[24] = 12345.0f;   /* canary: nothing written past n * dims */
    EmbedFailure f;
    CHECK_EQ_INT(embedder_embed(e, texts, lens, 3, out, NULL, NULL, &f), 0);
    CHECK_EQ_INT(f.kind, EMBED_OK);
    CHECK(out[24] == 12345.0f);
    float ref[8];
    embed_hash_text(texts[0], lens[0], 8, ref);
    CHECK(memcmp(ref, out, sizeof ref) == 0);
    for (int i = 8; i < 16; i++) CHECK(out[i] == 0.0f);
    CHECK_EQ_INT(embedder_embed(e, texts, lens, 0, out, NULL, NULL, &f), 0);
    CHECK_EQ_INT(embedder_embed(e, texts, lens, 4, out, NULL, NULL, &f), -1);   /* > batch_size */
    CHECK_EQ_INT(f.kind, EMBED_PERMANENT);
    embedder_free(e);
    /* defaults */
    REQUIRE_OK(embedder_open("d", "HASH", NULL, 0, &e, &err), &err);
    CHECK_EQ_INT(embedder_dims(e), 256);
    CHECK_EQ_INT(embedder_batch_size(e), 64);
    embedder_free(e);
}

static void expect_open_error(const char *provider, const EmbedderOption *o, int n, const char *state,
                              const char *msg_part)
{
    SqlError err;
    sql_error_clear(&err);
    Embedder *e = (Embedder *)1;
    CHECK_EQ_INT(embedder_open("x", provider, o, n, &e, &err), -1);
    CHECK(e == NULL);
    CHECK_STR(sql_errcode_state(err.code), state);
    CHECK_MSG(strstr(err.message, msg_part) != NULL, "message \"%s\" lacks \"%s\"", err.message, msg_part);
}

TEST(embedder_open_validation)
{
    expect_open_error("nope", NULL, 0, "42704", "embedding provider \"nope\" does not exist");
    EmbedderOption bad_dims[] = { { "dims", "0" } };
    expect_open_error("hash", bad_dims, 1, "22023", "invalid value for embedder option \"dims\"");
    EmbedderOption big_dims[] = { { "dims", "16001" } };
    expect_open_error("hash", big_dims, 1, "22023", "\"dims\"");
    EmbedderOption junk_dims[] = { { "dims", "12abc" } };
    expect_open_error("hash", junk_dims, 1, "22023", "\"dims\"");
    EmbedderOption unknown[] = { { "colour", "red" } };
    expect_open_error("hash", unknown, 1, "22023", "unrecognized option \"colour\"");
    EmbedderOption url_on_hash[] = { { "url", "http://x/" } };
    expect_open_error("hash", url_on_hash, 1, "22023", "unrecognized option \"url\"");
    EmbedderOption dup[] = { { "dims", "3" }, { "dims", "4" } };
    expect_open_error("hash", dup, 2, "22023", "specified more than once");
    EmbedderOption no_url[] = { { "model", "m" }, { "dims", "4" } };
    expect_open_error("openai", no_url, 2, "22023", "requires option \"url\"");
    EmbedderOption no_dims[] = { { "model", "m" }, { "url", "http://127.0.0.1:1/v1/embeddings" } };
    expect_open_error("openai", no_dims, 2, "22023", "requires option \"dims\"");
    EmbedderOption bad_url[] = { { "model", "m" }, { "dims", "4" }, { "url", "ftp://x/" } };
    expect_open_error("openai", bad_url, 3, "22023", "\"url\"");
    EmbedderOption bad_port[] = { { "model", "m" }, { "dims", "4" }, { "url", "http://h:99999/" } };
    expect_open_error("openai", bad_port, 3, "22023", "\"url\"");
    EmbedderOption key_itself[] = { { "model", "m" }, { "dims", "4" }, { "url", "http://h/" },
                                    { "api_key_env", "sk-abc123" } };
    expect_open_error("openai", key_itself, 4, "22023", "\"api_key_env\"");
    EmbedderOption bad_bool[] = { { "model", "m" }, { "dims", "4" }, { "url", "http://h/" },
                                  { "tls_verify", "maybe" } };
    expect_open_error("openai", bad_bool, 4, "22023", "\"tls_verify\"");
    EmbedderOption no_cmd[] = { { "dims", "4" } };
    expect_open_error("command", no_cmd, 1, "22023", "requires option \"command\"");
    EmbedderOption bad_batch[] = { { "command", "cat" }, { "dims", "4" }, { "batch_size", "-1" } };
    expect_open_error("command", bad_batch, 3, "22023", "\"batch_size\"");

    SqlError err;
    Embedder *e = NULL;
    EmbedderOption ok[] = { { "url", "https://[::1]:8443/v1/embeddings?x=1" }, { "model", "nomic" },
                            { "dims", "768" }, { "api_key_env", "OPENAI_API_KEY" }, { "batch_size", "16" },
                            { "timeout_ms", "5000" }, { "tls_verify", "off" }, { "send_dimensions", "on" } };
    REQUIRE_OK(embedder_open("o", "openai", ok, 8, &e, &err), &err);
    CHECK_EQ_INT(embedder_dims(e), 768);
    CHECK_EQ_INT(embedder_batch_size(e), 16);
    CHECK_STR(embedder_provider(e), "openai");
    embedder_free(e);
    EmbedderOption okc[] = { { "command", "cat" }, { "dims", "4" } };
    REQUIRE_OK(embedder_open("c", "command", okc, 2, &e, &err), &err);
    CHECK_STR(embedder_provider(e), "command");
    embedder_free(e);
}

TEST_MAIN(
    RUN(hash_matches_documented_definition);
    RUN(hash_deterministic_and_normalised);
    RUN(hash_handles_hostile_and_big_input);
    RUN(hash_neighbours_share_topic);
    RUN(embedder_open_hash_and_dispatch);
    RUN(embedder_open_validation);
)
