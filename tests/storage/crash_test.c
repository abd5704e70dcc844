/* crash_test.c -- SIGKILL crash test: a child process commits synced batches and reports
 * each acknowledged batch number to the parent over a pipe; the parent kills it at a random
 * moment (during writes, flushes, compactions or the child's own recovery), reopens the
 * database itself and checks recovery:
 *
 *   - every acknowledged batch is wholly present;
 *   - nothing from a batch that was never started is present;
 *   - the one batch that may have been in flight (acked + 1) is all-or-nothing;
 * which together say: the recovered state equals the model after batch A or after A + 1,
 * where A is the last acknowledged batch. The next child continues at the recovered batch + 1.
 *
 * Batch b is a pure function of b: a few puts (key -> a value naming b) and deletes of
 * keys, mixed, over a small key space so keys are overwritten and deleted across batches.
 * Some entries go to "generation" keys g<gen>/<i> of generation b / CT_GEN_BATCHES; batch
 * b = gen * CT_GEN_BATCHES (gen > 0) is no write but shale_db_drop_range of the previous
 * generation's keys, which are never written again: the model then forgets them, and every
 * other key must survive (the drop in flight is all-or-nothing like a batch).
 * The kill schedule comes from a fixed seed; the timing of the kill relative to the child's
 * progress varies run to run, but every assertion holds for any timing. */
#include "tests/harness/test.h"
#include "tests/storage/db_test_util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#define CT_KEYS 2000
#define CT_SEED 0xC4A5E5EEDULL
#define CT_GEN_BATCHES 48
#define CT_GEN_KEYS 100

/* The model: for each key, the batch that last wrote it (0 = absent); gw for the keys of
 * the one generation not dropped yet (the generation is that of the writing batch). */
typedef struct CtModel {
    uint32_t w[CT_KEYS];
    uint32_t gw[CT_GEN_KEYS];
} CtModel;

static bool ct_is_drop(uint32_t b)
{
    return b >= CT_GEN_BATCHES && b % CT_GEN_BATCHES == 0;
}

/* Generation key i of generation g ("g" sorts before every "key" key). */
static void ct_gen_key(uint32_t g, uint32_t i, char *buf, size_t *len)
{
    *len = (size_t)snprintf(buf, 24, "g%06u/%03u", g, i);
}

/* The range holding every key of generation g: [g<g>/, g<g>0). */
static void ct_gen_range(uint32_t g, char *b, char *e)
{
    snprintf(b, 16, "g%06u/", g);
    snprintf(e, 16, "g%06u0", g);
}

static uint64_t ct_hash(uint32_t b, uint32_t j)
{
    return shale_hash_u64(((uint64_t)b << 20) ^ j ^ 0x9e3779b97f4a7c15ull);
}

static void ct_key(uint32_t k, char *buf, size_t *len)
{
    *len = (size_t)snprintf(buf, 16, "key%05u", k);
}

/* Value of key k written by batch b into buf (>= 300 bytes); returns its length. */
static size_t ct_value(uint32_t k, uint32_t b, char *buf)
{
    size_t n = (size_t)snprintf(buf, 64, "b%08u:k%05u:", b, k);
    size_t pad = ct_hash(b, k + 7777) % 200;
    for (size_t i = 0; i < pad; i++)
        buf[n + i] = (char)('a' + (b + i) % 26);
    return n + pad;
}

/* Entry j of batch b: *key, and whether it is a put (else a delete). */
static int ct_batch_size(uint32_t b)
{
    return 3 + (int)(ct_hash(b, 0xffff) % 12);
}

/* *gen: whether the key is generation key *key of generation b / CT_GEN_BATCHES. */
static void ct_batch_entry(uint32_t b, int j, uint32_t *key, bool *put, bool *gen)
{
    uint64_t h = ct_hash(b, (uint32_t)j);
    *gen = (h >> 40) % 4 == 0;
    *key = (uint32_t)(h % (*gen ? CT_GEN_KEYS : CT_KEYS));
    *put = (h >> 32) % 5 != 0;
}

static void ct_batch_build(uint32_t b, ShaleWriteBatch *wb)
{
    char kb[24], vb[300];
    size_t klen;
    shale_batch_clear(wb);
    for (int j = 0; j < ct_batch_size(b); j++) {
        uint32_t k;
        bool put, gen;
        ct_batch_entry(b, j, &k, &put, &gen);
        if (gen)
            ct_gen_key(b / CT_GEN_BATCHES, k, kb, &klen);
        else
            ct_key(k, kb, &klen);
        if (put)
            shale_batch_put(wb, kb, klen, vb, ct_value(k, b, vb));
        else
            shale_batch_delete(wb, kb, klen);
    }
}

static void ct_model_apply(CtModel *m, uint32_t b)
{
    if (ct_is_drop(b)) {
        memset(m->gw, 0, sizeof m->gw); /* the live generation is the one dropped */
        return;
    }
    for (int j = 0; j < ct_batch_size(b); j++) {
        uint32_t k;
        bool put, gen;
        ct_batch_entry(b, j, &k, &put, &gen);
        (gen ? m->gw : m->w)[k] = put ? b : 0;
    }
}

static void ct_options(ShaleDBOptions *o)
{
    dbt_small_options(o);
    o->write_buffer_size = 16 * 1024;
    o->target_file_size = 8 * 1024;
    o->max_bytes_for_level_base = 32 * 1024;
    o->l0_compaction_trigger = 2;
}

/* The child: commits batches first, first+1, ... with sync and reports each on fd. Never
 * returns; exit codes 10/11/12 say which step failed (the parent reports them). */
static void ct_child(const char *dir, uint32_t first, int fd) __attribute__((noreturn));
static void ct_child(const char *dir, uint32_t first, int fd)
{
    ShaleDBOptions o;
    ct_options(&o);
    ShaleDB *db;
    ShaleError err;
    if (shale_db_open(dir, &o, &db, &err) != SHALE_OK) {
        fprintf(stderr, "crash child: open: %s\n", err.msg);
        _exit(10);
    }
    ShaleWriteBatch *wb = shale_batch_new();
    for (uint32_t b = first;; b++) {
        if (ct_is_drop(b)) {
            char rb[16], re[16];
            ct_gen_range(b / CT_GEN_BATCHES - 1, rb, re);
            if (shale_db_drop_range(db, rb, strlen(rb), re, strlen(re), &err) != SHALE_OK) {
                fprintf(stderr, "crash child: drop of batch %u: %s\n", b, err.msg);
                _exit(11);
            }
            if (write(fd, &b, sizeof b) != (ssize_t)sizeof b)
                _exit(12);
            continue;
        }
        ct_batch_build(b, wb);
        if (shale_db_write(db, wb, true, &err) != SHALE_OK) {
            fprintf(stderr, "crash child: write of batch %u: %s\n", b, err.msg);
            _exit(11);
        }
        if (write(fd, &b, sizeof b) != (ssize_t)sizeof b)
            _exit(12);
    }
}

/* Compares the open db with model; on mismatch fills why and returns false. */
static bool ct_matches(ShaleDB *db, const CtModel *m, char *why, size_t cap)
{
    ShaleDBIter *it = shale_db_iter_new(db, NULL);
    if (!it) {
        snprintf(why, cap, "iter_new returned NULL");
        return false;
    }
    bool ok = true;
    uint32_t k = 0;
    char kb[24], vb[300];
    size_t klen;
    shale_db_iter_seek_to_first(it);
    /* the live generation's keys come first */
    for (uint32_t i = 0; i < CT_GEN_KEYS && ok; i++) {
        if (!m->gw[i])
            continue;
        ct_gen_key(m->gw[i] / CT_GEN_BATCHES, i, kb, &klen);
        size_t gklen = 0, gvlen = 0;
        const char *gk = shale_db_iter_valid(it) ? shale_db_iter_key(it, &gklen) : "";
        const char *gv = shale_db_iter_valid(it) ? shale_db_iter_value(it, &gvlen) : "";
        size_t vlen = ct_value(i, m->gw[i], vb);
        if (gklen != klen || memcmp(gk, kb, klen) != 0 || gvlen != vlen || memcmp(gv, vb, vlen) != 0) {
            char gh[256];
            snprintf(why, cap, "generation key %s (batch %u): the db has \"%s\"", kb, m->gw[i],
                     dbt_hex(gh, sizeof gh, gk, gklen));
            ok = false;
        }
        shale_db_iter_next(it);
    }
    for (; ok; shale_db_iter_next(it)) {
        while (k < CT_KEYS && m->w[k] == 0)
            k++;
        if (!shale_db_iter_valid(it)) {
            ShaleError err;
            if (shale_db_iter_status(it, &err) != SHALE_OK) {
                snprintf(why, cap, "iterator error: %.400s", err.msg);
                ok = false;
            } else if (k < CT_KEYS) {
                ct_key(k, kb, &klen);
                snprintf(why, cap, "missing key %s (written by batch %u)", kb, m->w[k]);
                ok = false;
            }
            break;
        }
        size_t gklen, gvlen;
        const char *gk = shale_db_iter_key(it, &gklen);
        const char *gv = shale_db_iter_value(it, &gvlen);
        char gh[256], gvh[256];
        if (k >= CT_KEYS) {
            snprintf(why, cap, "extra key \"%s\" = \"%s\"", dbt_hex(gh, sizeof gh, gk, gklen),
                     dbt_hex(gvh, sizeof gvh, gv, gvlen));
            ok = false;
            break;
        }
        ct_key(k, kb, &klen);
        if (gklen != klen || memcmp(gk, kb, klen) != 0) {
            snprintf(why, cap, "at key %s (batch %u) the db has \"%s\" = \"%s\"", kb, m->w[k],
                     dbt_hex(gh, sizeof gh, gk, gklen), dbt_hex(gvh, sizeof gvh, gv, gvlen));
            ok = false;
            break;
        }
        size_t vlen = ct_value(k, m->w[k], vb);
        if (gvlen != vlen || memcmp(gv, vb, vlen) != 0) {
            snprintf(why, cap, "key %s should be from batch %u, db has \"%s\"", kb, m->w[k],
                     dbt_hex(gvh, sizeof gvh, gv, gvlen));
            ok = false;
            break;
        }
        k++;
    }
    shale_db_iter_destroy(it);
    return ok;
}

/* Point gets of a few keys must agree with the (already scan-verified) model. */
static void ct_check_gets(ShaleDB *db, const CtModel *m, ShaleRandom *r, uint32_t recovered)
{
    char kb[24], vb[300];
    /* keys of dropped generations are gone */
    for (uint32_t g = recovered / CT_GEN_BATCHES, i = 0; g > 0 && i < 5; i++) {
        size_t klen;
        ct_gen_key(g - 1 - (uint32_t)shale_random_uniform(r, g), (uint32_t)shale_random_uniform(r, CT_GEN_KEYS), kb, &klen);
        char *v = NULL;
        size_t vlen;
        ShaleCode rc = shale_db_get(db, NULL, kb, klen, &v, &vlen, NULL);
        CHECK_MSG(rc == SHALE_NOT_FOUND, "get of dropped %s: rc %d", kb, rc);
        free(v);
    }
    for (int i = 0; i < 20; i++) {
        uint32_t k = (uint32_t)shale_random_uniform(r, CT_KEYS);
        size_t klen;
        ct_key(k, kb, &klen);
        char *v;
        size_t vlen;
        ShaleError err;
        ShaleCode rc = shale_db_get(db, NULL, kb, klen, &v, &vlen, &err);
        if (m->w[k] == 0) {
            CHECK_MSG(rc == SHALE_NOT_FOUND, "get %s: rc %d, want NOT_FOUND", kb, rc);
        } else {
            CHECK_MSG(rc == SHALE_OK, "get %s: rc %d (%s), want batch %u", kb, rc,
                      rc == SHALE_NOT_FOUND ? "" : err.msg, m->w[k]);
            if (rc == SHALE_OK) {
                size_t want = ct_value(k, m->w[k], vb);
                CHECK_MEM(v, vlen, vb, want);
            }
        }
        if (rc == SHALE_OK)
            free(v);
    }
}

static uint64_t ct_delay_micros(ShaleRandom *r)
{
    uint64_t p = shale_random_uniform(r, 100);
    if (p < 10)
        return shale_random_uniform(r, 1500);           /* often inside the child's recovery */
    if (p < 70)
        return 1000 + shale_random_uniform(r, 14000);
    return 15000 + shale_random_uniform(r, 45000);
}

TEST(crash_sigkill_recovery)
{
    char dir[600];
    dbt_path(dir, sizeof dir, "%s/crash", test_tmpdir());
    int cycles = (DBT_SANITIZERS ? 200 : 400) * (int)test_scale();
    ShaleRandom rnd;
    shale_random_seed(&rnd, CT_SEED);
    CtModel *model = calloc(1, sizeof *model), *alt = calloc(1, sizeof *alt);
    REQUIRE(model && alt);
    uint32_t recovered = 0;  /* the model holds batches 1..recovered */
    uint64_t total_acked = 0, inflight_present = 0, inflight_absent = 0;
    double t0 = dbt_now();
    ShaleDBOptions o;
    ct_options(&o);
    int cycle;
    for (cycle = 0; cycle < cycles; cycle++) {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        uint32_t first = recovered + 1;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            ct_child(dir, first, fds[1]);
        }
        close(fds[1]);
        /* collect acks until the kill moment */
        uint32_t acked = recovered;
        bool order_ok = true;
        uint64_t delay = ct_delay_micros(&rnd);
        double deadline = dbt_now() + (double)delay / 1e6;
        uint32_t buf[1024];
        size_t have = 0; /* bytes in buf not yet consumed (partial number) */
        bool eof = false;
        for (;;) {
            double left = deadline - dbt_now();
            if (left <= 0)
                break;
            struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
            int pr = poll(&pfd, 1, (int)(left * 1000) + 1);
            if (pr <= 0)
                continue;
            ssize_t n = read(fds[0], (char *)buf + have, sizeof buf - have);
            if (n <= 0) {
                eof = true;
                break;
            }
            have += (size_t)n;
            size_t whole = have / sizeof(uint32_t);
            for (size_t i = 0; i < whole; i++) {
                order_ok &= buf[i] == acked + 1;
                acked = buf[i];
            }
            memmove(buf, (char *)buf + whole * sizeof(uint32_t), have - whole * sizeof(uint32_t));
            have -= whole * sizeof(uint32_t);
        }
        kill(pid, SIGKILL);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        /* acks written before the kill are still in the pipe */
        for (;;) {
            ssize_t n = read(fds[0], (char *)buf + have, sizeof buf - have);
            if (n <= 0)
                break;
            have += (size_t)n;
            size_t whole = have / sizeof(uint32_t);
            for (size_t i = 0; i < whole; i++) {
                order_ok &= buf[i] == acked + 1;
                acked = buf[i];
            }
            memmove(buf, (char *)buf + whole * sizeof(uint32_t), have - whole * sizeof(uint32_t));
            have -= whole * sizeof(uint32_t);
        }
        close(fds[0]);
        CHECK_MSG(order_ok, "cycle %d: acks out of order", cycle);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
            CHECK_MSG(false, "cycle %d: child ended by itself (status 0x%x, eof %d): see stderr",
                      cycle, status, eof);
            break;
        }
        total_acked += acked - recovered;
        for (uint32_t b = recovered + 1; b <= acked; b++)
            ct_model_apply(model, b);

        /* recover and judge */
        ShaleDB *db;
        ShaleError err;
        ShaleCode rc = shale_db_open(dir, &o, &db, &err);
        CHECK_MSG(rc == SHALE_OK, "cycle %d: reopen after kill failed: %s (%s)", cycle,
                  shale_code_name(rc), err.msg);
        if (rc != SHALE_OK)
            break;
        char why_a[1024], why_b[1024];
        if (ct_matches(db, model, why_a, sizeof why_a)) {
            recovered = acked;
            inflight_absent++;
        } else {
            *alt = *model;
            ct_model_apply(alt, acked + 1);
            if (ct_matches(db, alt, why_b, sizeof why_b)) {
                *model = *alt;
                recovered = acked + 1;
                inflight_present++;
            } else {
                CHECK_MSG(false, "cycle %d (seed %llu): recovered state is neither after batch %u "
                          "(last acked) nor after batch %u (in flight).\n    vs %u: %s\n    vs %u: %s",
                          cycle, (unsigned long long)CT_SEED, acked, acked + 1, acked, why_a,
                          acked + 1, why_b);
                dbt_print_stats(db, "stats");
                shale_db_close(db, NULL);
                break;
            }
        }
        ct_check_gets(db, model, &rnd, recovered);
        if (cycle == cycles - 1)
            dbt_print_stats(db, "final stats");
        rc = shale_db_close(db, &err);
        CHECK_OK(rc, &err);
    }
    printf("  %d kill/recover cycles in %.1f s: %llu batches acknowledged, in-flight batch "
           "recovered %llu times, lost %llu times; last batch %u (%u generations dropped)\n",
           cycle, dbt_now() - t0, (unsigned long long)total_acked,
           (unsigned long long)inflight_present, (unsigned long long)inflight_absent, recovered,
           recovered / CT_GEN_BATCHES);
    /* the schedule must have exercised something: most cycles commit batches */
    CHECK_MSG(total_acked >= (uint64_t)cycles, "only %llu batches acknowledged in %d cycles",
              (unsigned long long)total_acked, cycles);
    free(model);
    free(alt);
    test_rm_rf(dir);
}

TEST_MAIN(RUN(crash_sigkill_recovery); test_rm_rf(test_tmpdir());)
