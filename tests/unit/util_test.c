/* util_test.c -- unit tests of src/util: crc32c, varints, buffers, arena, hashing, env
 * (files, atomic writes, the directory lock, the fault hook). */
#include "tests/harness/test.h"

#include <errno.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/env.h"
#include "util/hash.h"
#include "util/status.h"

TEST(crc32c_known_values)
{
    CHECK_EQ_U64(shale_crc32c("123456789", 9), 0xe3069283u);
    char zeros[32] = {0};
    CHECK_EQ_U64(shale_crc32c(zeros, 32), 0x8a9136aau);
    /* extend(a)+b == whole */
    const char *s = "hello, shale world";
    uint32_t whole = shale_crc32c(s, strlen(s));
    uint32_t part = shale_crc32c_extend(shale_crc32c(s, 5), s + 5, strlen(s) - 5);
    CHECK_EQ_U64(whole, part);
    CHECK_EQ_U64(shale_crc32c_unmask(shale_crc32c_mask(whole)), whole);
    CHECK(shale_crc32c_mask(whole) != whole);
    /* unaligned starts give the same answer */
    char buf[100];
    for (int i = 0; i < 100; i++)
        buf[i] = (char)(i * 7);
    for (int off = 0; off < 8; off++) {
        char copy[100];
        memcpy(copy + off, buf, 90);
        CHECK_EQ_U64(shale_crc32c(copy + off, 90), shale_crc32c(buf, 90));
    }
}

TEST(varint_roundtrip_and_truncation)
{
    uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char b[10];
        char *end = shale_encode_varint64(b, vals[i]);
        CHECK_EQ_INT(end - b, shale_varint_length(vals[i]));
        uint64_t got = 0;
        CHECK(shale_decode_varint64(b, end, &got) == end);
        CHECK_EQ_U64(got, vals[i]);
        /* truncated: every proper prefix fails */
        for (char *p = b; p < end; p++)
            CHECK(shale_decode_varint64(b, p, &got) == NULL);
    }
    char b[10];
    char *end = shale_encode_varint64(b, (uint64_t)UINT32_MAX + 1);
    uint32_t v32;
    CHECK(shale_decode_varint32(b, end, &v32) == NULL);
    char over[11];
    memset(over, 0xff, sizeof over);
    uint64_t v;
    CHECK(shale_decode_varint64(over, over + 11, &v) == NULL);
    char f[8];
    shale_put_fixed64(f, 0x0102030405060708ull);
    CHECK_EQ_INT((uint8_t)f[0], 8);
    CHECK_EQ_U64(shale_get_fixed64(f), 0x0102030405060708ull);
}

TEST(buf_appends)
{
    ShaleBuf b;
    shale_buf_init(&b);
    for (int i = 0; i < 1000; i++)
        shale_buf_append_fixed32(&b, (uint32_t)i);
    CHECK(!b.oom);
    CHECK_EQ_INT(b.len, 4000);
    CHECK_EQ_U64(shale_get_fixed32(b.data + 4 * 999), 999);
    shale_buf_reset(&b);
    shale_buf_append_lenprefixed(&b, "abc", 3);
    CHECK_EQ_INT(b.len, 4);
    shale_buf_free(&b);
    CHECK(b.data == NULL);
}

TEST(arena_alignment_and_usage)
{
    ShaleArena a;
    shale_arena_init(&a);
    for (int i = 1; i < 2000; i++) {
        char *p = shale_arena_alloc(&a, (size_t)(i % 37) + 1);
        REQUIRE(p);
        CHECK(((uintptr_t)p & 7) == 0);
        memset(p, 0xab, (size_t)(i % 37) + 1);
    }
    char *big = shale_arena_alloc(&a, 100000);
    REQUIRE(big);
    memset(big, 1, 100000);
    CHECK(shale_arena_usage(&a) >= 100000);
    shale_arena_destroy(&a);
}

TEST(hash_is_stable)
{
    /* The bloom filter format depends on these values never changing. */
    CHECK_EQ_U64(shale_hash32("", 0, 0xbc9f1d34), shale_hash32("", 0, 0xbc9f1d34));
    CHECK(shale_hash32("a", 1, 1) != shale_hash32("b", 1, 1));
    ShaleRandom r1, r2;
    shale_random_seed(&r1, 42);
    shale_random_seed(&r2, 42);
    for (int i = 0; i < 100; i++)
        CHECK_EQ_U64(shale_random_next(&r1), shale_random_next(&r2));
}

TEST(env_files)
{
    ShaleError err;
    ShaleEnv *env = shale_env_default();
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/env/a/b", test_tmpdir());
    REQUIRE_OK(shale_env_mkdirs(dir, &err), &err);
    snprintf(path, sizeof path, "%s/f", dir);
    ShaleWritableFile *w;
    REQUIRE_OK(shale_wfile_open(env, path, &w, &err), &err);
    char big[200000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i % 251);
    CHECK_OK(shale_wfile_append(w, "hello", 5, &err), &err);
    CHECK_OK(shale_wfile_append(w, big, sizeof big, &err), &err);
    CHECK_OK(shale_wfile_sync(w, &err), &err);
    CHECK_EQ_U64(shale_wfile_size(w), 5 + sizeof big);
    CHECK_OK(shale_wfile_close(w, &err), &err);

    ShaleRandomFile *r;
    REQUIRE_OK(shale_rfile_open(env, path, &r, &err), &err);
    char got[16];
    size_t n;
    CHECK_OK(shale_rfile_read(r, 5 + 1000, 10, got, &n, &err), &err);
    CHECK_EQ_INT(n, 10);
    CHECK_MEM(got, 10, big + 1000, 10);
    CHECK_OK(shale_rfile_read(r, 5 + sizeof big - 3, 10, got, &n, &err), &err);
    CHECK_EQ_INT(n, 3); /* short at EOF */
    shale_rfile_close(r);

    char *all;
    size_t alln;
    REQUIRE_OK(shale_env_read_all(env, path, &all, &alln, &err), &err);
    CHECK_EQ_INT(alln, 5 + sizeof big);
    CHECK_MEM(all + 5, sizeof big, big, sizeof big);
    free(all);

    char cur[700];
    snprintf(cur, sizeof cur, "%s/CURRENT", dir);
    CHECK_OK(shale_env_write_atomic(env, cur, "MANIFEST-1\n", 11, &err), &err);
    CHECK_OK(shale_env_write_atomic(env, cur, "MANIFEST-2\n", 11, &err), &err);
    REQUIRE_OK(shale_env_read_all(env, cur, &all, &alln, &err), &err);
    CHECK_MEM(all, alln, "MANIFEST-2\n", 11);
    free(all);
    CHECK(shale_env_exists(cur));
    CHECK_OK(shale_env_remove(env, cur, &err), &err);
    CHECK(!shale_env_exists(cur));
    CHECK_EQ_INT(shale_rfile_open(env, cur, &r, &err), SHALE_IO_ERROR);
}

TEST(env_lock_is_exclusive)
{
    ShaleError err;
    char path[600];
    snprintf(path, sizeof path, "%s/LOCK", test_tmpdir());
    int fd1, fd2;
    REQUIRE_OK(shale_env_lock(path, &fd1, &err), &err);
    CHECK_EQ_INT(shale_env_lock(path, &fd2, &err), SHALE_BUSY);
    CHECK(strstr(err.msg, "another") != NULL);
    shale_env_unlock(fd1);
    CHECK_OK(shale_env_lock(path, &fd2, &err), &err);
    shale_env_unlock(fd2);
}

typedef struct FaultPlan {
    ShaleEnvOp op;
    int err;
    size_t allow;
} FaultPlan;

static int fault_hook(void *arg, ShaleEnvOp op, const char *path, size_t *len)
{
    FaultPlan *p = arg;
    (void)path;
    if (op != p->op)
        return 0;
    if (op == SHALE_ENV_OP_WRITE && *len > p->allow)
        *len = p->allow;
    return p->err;
}

TEST(env_fault_hook_short_write_and_enospc)
{
    ShaleError err;
    FaultPlan plan = { SHALE_ENV_OP_WRITE, ENOSPC, 3 };
    ShaleEnv env = { fault_hook, &plan };
    char path[600];
    snprintf(path, sizeof path, "%s/faulty", test_tmpdir());
    ShaleWritableFile *w;
    REQUIRE_OK(shale_wfile_open(&env, path, &w, &err), &err);
    CHECK_OK(shale_wfile_append(w, "abcdefgh", 8, &err), &err); /* buffered */
    CHECK_EQ_INT(shale_wfile_sync(w, &err), SHALE_NO_SPACE);
    CHECK(strstr(err.msg, "No space") != NULL);
    (void)shale_wfile_close(w, NULL);
    uint64_t size = 0;
    CHECK_OK(shale_env_file_size(path, &size, &err), &err);
    CHECK_EQ_U64(size, 3); /* the short write left exactly the allowed prefix */

    plan.op = SHALE_ENV_OP_SYNC;
    plan.err = EIO;
    REQUIRE_OK(shale_wfile_open(&env, path, &w, &err), &err);
    CHECK_OK(shale_wfile_append(w, "x", 1, &err), &err);
    CHECK_EQ_INT(shale_wfile_sync(w, &err), SHALE_IO_ERROR);
    (void)shale_wfile_close(w, NULL);
}

TEST(error_birth)
{
    ShaleError err;
    CHECK_EQ_INT(SHALE_ERR_CORRUPT(&err, "bad block at %d", 7), SHALE_CORRUPTION);
    CHECK_STR(err.msg, "bad block at 7");
    CHECK_EQ_INT(shale_error_errno(&err, ENOSPC, "write"), SHALE_NO_SPACE);
    CHECK_EQ_INT(shale_error_set(NULL, SHALE_BUSY, "x"), SHALE_BUSY);
    CHECK_STR(shale_code_name(SHALE_CORRUPTION), "corruption");
}

TEST_MAIN(
    RUN(crc32c_known_values);
    RUN(varint_roundtrip_and_truncation);
    RUN(buf_appends);
    RUN(arena_alignment_and_usage);
    RUN(hash_is_stable);
    RUN(env_files);
    RUN(env_lock_is_exclusive);
    RUN(env_fault_hook_short_write_and_enospc);
    RUN(error_birth);
    test_rm_rf(test_tmpdir());
)
