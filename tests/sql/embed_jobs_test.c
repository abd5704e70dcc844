/* embed_jobs_test.c -- the embedding job record (sql/embed_int.h): round trip, every
 * truncation and random byte mutations decode to an error or a valid record (never a crash
 * or an over-read under ASan), the content hash is FNV-1a 64, job keys sort under their
 * column's prefix; and the catalog keeps a column's EMBEDDING OF spec through its
 * descriptor encoding (catrel_copy round-trips through it). */
#include <stdlib.h>
#include <string.h>

#include "tests/harness/test.h"

#include "catalog/keycodec.h"
#include "sql/embed_int.h"
#include "util/hash.h"

static EmbedJob sample(void)
{
    EmbedJob j;
    memset(&j, 0, sizeof j);
    j.status = EMBED_JOB_FAILED;
    j.attempts = 3;
    j.hash = 0x0123456789abcdefull;
    j.embedder = 16400;
    j.enqueued_at = 800000000000000ll;
    j.updated_at = 800000000123456ll;
    j.next_retry_at = 0;
    strcpy(j.last_error, "HTTP 500 from 127.0.0.1:8080: internal error");
    return j;
}

TEST(round_trip)
{
    EmbedJob j = sample(), k;
    ShaleBuf b;
    shale_buf_init(&b);
    embed_job_encode(&b, &j);
    REQUIRE(!b.oom);
    REQUIRE(embed_job_decode(b.data, b.len, &k) == 0);
    CHECK(k.status == j.status);
    CHECK_EQ_INT(k.attempts, j.attempts);
    CHECK_EQ_U64(k.hash, j.hash);
    CHECK_EQ_INT(k.embedder, j.embedder);
    CHECK_EQ_U64((uint64_t)k.enqueued_at, (uint64_t)j.enqueued_at);
    CHECK_EQ_U64((uint64_t)k.updated_at, (uint64_t)j.updated_at);
    CHECK_EQ_U64((uint64_t)k.next_retry_at, 0);
    CHECK_STR(k.last_error, j.last_error);
    shale_buf_free(&b);
}

TEST(truncations_and_mutations)
{
    EmbedJob j = sample(), k;
    ShaleBuf b;
    shale_buf_init(&b);
    embed_job_encode(&b, &j);
    for (size_t n = 0; n < b.len; n++) {
        char *copy = malloc(n ? n : 1); /* exact size: ASan catches any over-read */
        memcpy(copy, b.data, n);
        CHECK_MSG(embed_job_decode(copy, n, &k) == -1, "truncated to %zu bytes decoded", n);
        free(copy);
    }
    ShaleRandom r;
    shale_random_seed(&r, 42);
    int ok = 0;
    for (int it = 0; it < 20000; it++) {
        char *copy = malloc(b.len);
        memcpy(copy, b.data, b.len);
        int flips = 1 + (int)shale_random_uniform(&r, 4);
        for (int f = 0; f < flips; f++)
            copy[shale_random_uniform(&r, b.len)] = (char)shale_random_next(&r);
        if (embed_job_decode(copy, b.len, &k) == 0) {
            ok++;
            CHECK(k.status == 'p' || k.status == 'r' || k.status == 'f');
            CHECK(strlen(k.last_error) <= EMBED_ERROR_MAX);
        }
        free(copy);
    }
    CHECK(ok > 0); /* mutations of the fixed fields still decode */
    shale_buf_free(&b);
}

TEST(content_hash_is_fnv1a64)
{
    CHECK_EQ_U64(embed_content_hash("", 0), 0xcbf29ce484222325ull);
    CHECK_EQ_U64(embed_content_hash("a", 1), 0xaf63dc4c8601ec8cull);
    CHECK_EQ_U64(embed_content_hash("foobar", 6), 0x85944171f73967e8ull);
}

TEST(job_keys_stay_in_their_column_range)
{
    ShaleBuf a, b, hi;
    shale_buf_init(&a);
    shale_buf_init(&b);
    shale_buf_init(&hi);
    embed_job_prefix(&a, 5, 16500, 3);
    CHECK_EQ_INT((int)a.len, KEY_PREFIX_LEN);
    uint32_t db, rel, idx;
    REQUIRE(keycodec_decode_prefix(a.data, a.len, &db, &rel, &idx));
    CHECK_EQ_INT(db, 5);
    CHECK_EQ_INT(rel, 16500);
    CHECK_EQ_U64(idx, EMBED_JOB_INDEX_BASE | 3u);
    shale_buf_append(&hi, a.data, a.len);
    REQUIRE(keycodec_prefix_successor(&hi));
    shale_buf_append(&b, a.data, a.len);
    shale_buf_append(&b, "\x80\x81\x01", 3);   /* a row key */
    CHECK(memcmp(b.data, hi.data, hi.len) < 0);
    CHECK(memcmp(a.data, b.data, a.len) == 0);
    shale_buf_free(&a);
    shale_buf_free(&b);
    shale_buf_free(&hi);
}

TEST(catalog_keeps_the_embedding_spec)
{
    CatColumn cols[2];
    memset(cols, 0, sizeof cols);
    cols[0].name = "id";
    cols[0].attnum = 1;
    cols[0].type = INT4OID;
    cols[0].typmod = -1;
    cols[0].missing = value_null(INT4OID);
    cols[1].name = "emb";
    cols[1].attnum = 2;
    cols[1].type = VECTOROID;
    cols[1].typmod = 16;
    cols[1].missing = value_null(VECTOROID);
    cols[1].embed_expr = "title || ' ' || body";
    cols[1].embed_embedder = 16401;
    CatRelation rel;
    memset(&rel, 0, sizeof rel);
    rel.oid = 16500;
    rel.nsp = CAT_OID_PUBLIC_NSP;
    rel.name = "docs";
    rel.kind = CAT_REL_TABLE;
    rel.relfilenode = 16500;
    rel.schema_version = 1;
    rel.ncols = 2;
    rel.cols = cols;
    rel.pk_index = -1;
    ShaleArena a;
    shale_arena_init(&a);
    CatRelation *c = catrel_copy(&a, &rel);
    REQUIRE(c != NULL);
    CHECK(c->cols[0].embed_expr == NULL);
    REQUIRE(c->cols[1].embed_expr != NULL);
    CHECK_STR(c->cols[1].embed_expr, "title || ' ' || body");
    CHECK_EQ_INT(c->cols[1].embed_embedder, 16401);
    /* without embedding columns the descriptor has no extra section (older readers) */
    cols[1].embed_expr = NULL;
    CatRelation *d = catrel_copy(&a, &rel);
    REQUIRE(d != NULL);
    CHECK(d->cols[1].embed_expr == NULL);
    shale_arena_destroy(&a);
}

TEST_MAIN(
    RUN(round_trip);
    RUN(truncations_and_mutations);
    RUN(content_hash_is_fnv1a64);
    RUN(job_keys_stay_in_their_column_range);
    RUN(catalog_keeps_the_embedding_spec);
)
