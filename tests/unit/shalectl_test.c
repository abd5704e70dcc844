/* shalectl_test.c -- unit tests of shalectl's backup manifest format (bk_manifest.h) and of
 * the pgwire client's framing, startup packet and SCRAM-SHA-256 arithmetic (pq_client.h). */
#include "tests/harness/test.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/pq_client.h"
#include "tools/shalectl/bk_manifest.h"

TEST(manifest_roundtrip)
{
    BkManifest m, back;
    bk_manifest_init(&m);
    m.sequence = 123456789012ull;
    CHECK_EQ_INT(bk_manifest_add(&m, "db/000012.sst", 4096, 0xdeadbeefu), 0);
    CHECK_EQ_INT(bk_manifest_add(&m, "db/CURRENT", 16, 1), 0);
    CHECK_EQ_INT(bk_manifest_add(&m, "hnsw/5_16384_16390.hnsw", 0, 0), 0);
    char *text;
    size_t len;
    REQUIRE(bk_manifest_encode(&m, &text, &len) == 0);
    const char *head = "shalectl-backup 1\nsequence 123456789012\nfile 4096 deadbeef db/000012.sst\n";
    CHECK(strncmp(text, head, strlen(head)) == 0);
    char why[256];
    REQUIRE(bk_manifest_parse(text, len, &back, why, sizeof why) == 0);
    CHECK_EQ_U64(back.sequence, m.sequence);
    REQUIRE(back.n == 3);
    CHECK_STR(back.files[2].name, "hnsw/5_16384_16390.hnsw");
    CHECK_EQ_U64(back.files[0].crc, 0xdeadbeefu);
    CHECK_EQ_U64(back.files[0].size, 4096);
    CHECK(bk_manifest_find(&back, "db/CURRENT") != NULL);
    CHECK(bk_manifest_find(&back, "db/nope") == NULL);
    bk_manifest_free(&back);
    /* every single-byte change and every truncation is refused */
    int accepted = 0;
    for (size_t i = 0; i < len; i++) {
        char *c = malloc(len);
        memcpy(c, text, len);
        c[i] ^= 0x01;
        if (bk_manifest_parse(c, len, &back, why, sizeof why) == 0) {
            accepted++;
            bk_manifest_free(&back);
        }
        if (bk_manifest_parse(text, i, &back, why, sizeof why) == 0) {
            accepted++;
            bk_manifest_free(&back);
        }
        free(c);
    }
    CHECK_EQ_INT(accepted, 0);
    CHECK(bk_manifest_parse("shalectl-backup 2\n", 18, &back, why, sizeof why) != 0);
    CHECK(strstr(why, "version") != NULL);
    free(text);
    bk_manifest_free(&m);
}

TEST(manifest_names)
{
    CHECK(bk_name_ok("db/000001.sst"));
    CHECK(bk_name_ok("shaledb.conf"));
    CHECK(!bk_name_ok("/etc/passwd"));
    CHECK(!bk_name_ok("db/../../x"));
    CHECK(!bk_name_ok(".."));
    CHECK(!bk_name_ok("db//x"));
    CHECK(!bk_name_ok("db/"));
    CHECK(!bk_name_ok("a b"));
    CHECK(!bk_name_ok(""));
    BkManifest m;
    bk_manifest_init(&m);
    CHECK(bk_manifest_add(&m, "../x", 1, 1) != 0);
    CHECK_EQ_INT((int)m.n, 0);
    bk_manifest_free(&m);
}

TEST(client_framing)
{
    /* two messages, fed byte by byte */
    const char msgs[] = { 'C', 0, 0, 0, 9, 'S', 'E', 'L', 'X', 0, 'Z', 0, 0, 0, 5, 'I' };
    char type;
    const char *p;
    size_t plen, used;
    for (size_t n = 0; n < 10; n++)
        CHECK_EQ_INT(pq_client_parse_message(msgs, n, 1 << 20, &type, &p, &plen, &used), PQC_NEED_MORE);
    REQUIRE(pq_client_parse_message(msgs, sizeof msgs, 1 << 20, &type, &p, &plen, &used) == PQC_OK);
    CHECK_EQ_INT(type, 'C');
    CHECK_EQ_U64(plen, 5);
    CHECK_EQ_U64(used, 10);
    CHECK_MEM(p, 5, "SELX", 5);
    REQUIRE(pq_client_parse_message(msgs + used, sizeof msgs - used, 1 << 20, &type, &p, &plen, &used) == PQC_OK);
    CHECK_EQ_INT(type, 'Z');
    CHECK_EQ_INT(p[0], 'I');
    const char bad[] = { 'D', 0, 0, 0, 3 };
    CHECK_EQ_INT(pq_client_parse_message(bad, sizeof bad, 1 << 20, &type, &p, &plen, &used), PQC_BAD);
    const char huge[] = { 'D', 0x7f, 0, 0, 0 };
    CHECK_EQ_INT(pq_client_parse_message(huge, sizeof huge, 1 << 20, &type, &p, &plen, &used), PQC_BAD);
}

TEST(client_startup_packet)
{
    char buf[256];
    size_t n = pq_client_build_startup(buf, sizeof buf, "root", "postgres");
    REQUIRE(n > 8);
    CHECK_EQ_U64(((unsigned char)buf[2] << 8) | (unsigned char)buf[3], n);
    CHECK_EQ_INT(buf[5], 3);   /* protocol 3.0 = 0x00030000 */
    CHECK_MEM(buf + 8, 10, "user\0root\0", 10);
    CHECK_EQ_INT(buf[n - 1], 0);
    CHECK_EQ_U64(pq_client_build_startup(buf, 20, "root", "postgres"), 0);
}

TEST(client_scram_rfc7677_vector)
{
    char out[512], sig[64];
    REQUIRE(pq_client_scram_final("user", "pencil", "rOprNGfwEbeRWgbNEkqO",
                                  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                                  out, sizeof out, sig, sizeof sig) == 0);
    CHECK_STR(out, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                   "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    CHECK_STR(sig, "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    /* a server nonce that does not extend ours is refused */
    CHECK(pq_client_scram_final("user", "pencil", "abc", "r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", out,
                                sizeof out, sig, sizeof sig) != 0);
    CHECK(pq_client_scram_final("user", "pencil", "abc", "r=abc123,i=4096", out, sizeof out, sig, sizeof sig) != 0);
}

TEST_MAIN(RUN(manifest_roundtrip); RUN(manifest_names); RUN(client_framing); RUN(client_startup_packet);
          RUN(client_scram_rfc7677_vector);)
