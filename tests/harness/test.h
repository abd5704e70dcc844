/* test.h -- the one unit-test harness of ShaleDB: typed checks, per-case reporting, and a
 * summary line. Header-only; include it in exactly one translation unit per test binary
 * (the one defining main via TEST_MAIN).
 *
 *   TEST(name) { CHECK(x); CHECK_EQ_INT(a, b); CHECK_OK(rc, &err); }
 *   TEST_MAIN(RUN(name); RUN(other);)
 *
 * Each case prints "PASS <binary>.<case> (<n> checks)" or "FAIL ..." with every failed
 * check's file:line; the binary ends with "<binary>: N passed, M failed" and exits 1 when a
 * case failed (77 = skipped, for automake, when every case skipped). Check counters are
 * atomics so threads inside a case may CHECK too. The state below belongs to the binary's
 * main thread; cases run one at a time. */
#ifndef SHALE_TESTS_HARNESS_TEST_H
#define SHALE_TESTS_HARNESS_TEST_H

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/sqlerror.h"
#include "util/status.h"

static atomic_long test_checks;
static atomic_long test_case_failures;
static const char *test_binary_name = "test";
static int test_cases_passed, test_cases_failed, test_cases_skipped;
static int test_case_skipped;

#define TEST(name) static void name(void)

#define TEST_FAIL_AT(file, line, ...) do { \
        atomic_fetch_add(&test_case_failures, 1); \
        fprintf(stdout, "  check failed at %s:%d: ", file, line); \
        fprintf(stdout, __VA_ARGS__); \
        fputc('\n', stdout); \
        fflush(stdout); \
    } while (0)

#define CHECK(cond) do { \
        atomic_fetch_add(&test_checks, 1); \
        if (!(cond)) TEST_FAIL_AT(__FILE__, __LINE__, "%s", #cond); \
    } while (0)

#define CHECK_MSG(cond, ...) do { \
        atomic_fetch_add(&test_checks, 1); \
        if (!(cond)) TEST_FAIL_AT(__FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

#define CHECK_EQ_INT(a, b) do { \
        long long ta_ = (long long)(a), tb_ = (long long)(b); \
        atomic_fetch_add(&test_checks, 1); \
        if (ta_ != tb_) TEST_FAIL_AT(__FILE__, __LINE__, "%s == %s (%lld vs %lld)", #a, #b, ta_, tb_); \
    } while (0)

#define CHECK_EQ_U64(a, b) do { \
        unsigned long long ta_ = (unsigned long long)(a), tb_ = (unsigned long long)(b); \
        atomic_fetch_add(&test_checks, 1); \
        if (ta_ != tb_) TEST_FAIL_AT(__FILE__, __LINE__, "%s == %s (%llu vs %llu)", #a, #b, ta_, tb_); \
    } while (0)

#define CHECK_STR(a, b) do { \
        const char *ta_ = (a), *tb_ = (b); \
        atomic_fetch_add(&test_checks, 1); \
        if (!ta_ || !tb_ || strcmp(ta_, tb_) != 0) \
            TEST_FAIL_AT(__FILE__, __LINE__, "%s == %s (\"%s\" vs \"%s\")", #a, #b, ta_ ? ta_ : "(null)", tb_ ? tb_ : "(null)"); \
    } while (0)

/* Compares byte ranges. */
#define CHECK_MEM(a, alen, b, blen) do { \
        size_t la_ = (size_t)(alen), lb_ = (size_t)(blen); \
        atomic_fetch_add(&test_checks, 1); \
        if (la_ != lb_ || (la_ && memcmp((a), (b), la_) != 0)) \
            TEST_FAIL_AT(__FILE__, __LINE__, "%s[%zu] == %s[%zu]", #a, la_, #b, lb_); \
    } while (0)

/* The message of a ShaleError* that may be NULL (a function, so &err is not flagged). */
static inline const char *test_shale_err_msg(const ShaleError *errp)
{
    return errp ? errp->msg : "";
}

static inline const char *test_sql_err_msg(const SqlError *errp)
{
    return errp ? errp->message : "";
}

/* CHECK_OK accepts a ShaleError* or an SqlError* (or NULL). */
#define test_err_msg(e) _Generic((e), \
        ShaleError *: test_shale_err_msg, const ShaleError *: test_shale_err_msg, \
        SqlError *: test_sql_err_msg, const SqlError *: test_sql_err_msg, \
        default: test_null_err_msg)(e)

static inline const char *test_null_err_msg(const void *p)
{
    (void)p;
    return "";
}

/* rc is a ShaleCode; errp a ShaleError* (may be NULL). */
#define CHECK_OK(rc, errp) do { \
        int trc_ = (int)(rc); \
        atomic_fetch_add(&test_checks, 1); \
        if (trc_ != 0) TEST_FAIL_AT(__FILE__, __LINE__, "%s returned %d: %s", #rc, trc_, \
                                    test_err_msg(errp)); \
    } while (0)

/* Stops the current case when a check failed (for checks later steps depend on). */
#define REQUIRE(cond) do { int rq_ = !!(cond); CHECK(rq_ && #cond); if (!rq_) return; } while (0)
#define REQUIRE_OK(rc, errp) do { int rrc_ = (int)(rc); CHECK_OK(rrc_, errp); if (rrc_ != 0) return; } while (0)

#define TEST_SKIP(reason) do { \
        fprintf(stdout, "  skipped: %s\n", reason); \
        test_case_skipped = 1; \
        return; \
    } while (0)

static inline void test_run_case(const char *name, void (*fn)(void))
{
    long before_checks = atomic_load(&test_checks);
    atomic_store(&test_case_failures, 0);
    test_case_skipped = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fn();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    long n = atomic_load(&test_checks) - before_checks;
    if (atomic_load(&test_case_failures)) {
        test_cases_failed++;
        printf("FAIL %s.%s (%ld checks, %ld failed, %.0f ms)\n", test_binary_name, name, n,
               (long)atomic_load(&test_case_failures), ms);
    } else if (test_case_skipped) {
        test_cases_skipped++;
        printf("SKIP %s.%s\n", test_binary_name, name);
    } else {
        test_cases_passed++;
        printf("PASS %s.%s (%ld checks, %.0f ms)\n", test_binary_name, name, n, ms);
    }
    fflush(stdout);
}

#define RUN(name) test_run_case(#name, name)

/* A per-binary scratch directory under $TMPDIR (default /tmp), created fresh; the
 * returned string is static storage of the harness. */
static inline const char *test_tmpdir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/shale-%s-XXXXXX", base && *base ? base : "/tmp", test_binary_name);
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return dir;
}

/* Removes the scratch directory tree (best effort). */
static inline void test_rm_rf(const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) {
        /* best effort */
    }
}

/* Seconds-scale knob: SHALE_TEST_SCALE=N multiplies long randomized tests (default 1). */
static inline long test_scale(void)
{
    const char *s = getenv("SHALE_TEST_SCALE");
    long v = s ? atol(s) : 1;
    return v > 0 ? v : 1;
}

#define TEST_MAIN(body) \
    int main(int argc, char **argv) { \
        const char *slash_ = strrchr(argv[0], '/'); \
        test_binary_name = slash_ ? slash_ + 1 : argv[0]; \
        (void)argc; \
        setvbuf(stdout, NULL, _IOLBF, 0); \
        body \
        printf("%s: %d passed, %d failed%s\n", test_binary_name, test_cases_passed, test_cases_failed, \
               test_cases_skipped ? " (some skipped)" : ""); \
        if (test_cases_failed) return 1; \
        if (!test_cases_passed && test_cases_skipped) return 77; \
        return 0; \
    }

#endif
