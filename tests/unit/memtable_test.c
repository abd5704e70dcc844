/* memtable_test.c -- unit tests of the memtable and its skiplist (memtable.c, skiplist.c):
 * a model test against a sorted array (adds, gets at many sequences, seeks, iteration both
 * ways), one writer racing two lock-free readers, and reference counting. */
#include "tests/harness/test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "storage/dbformat.h"
#include "storage/memtable.h"
#include "util/buf.h"
#include "util/hash.h"

#ifdef SHALE_SANITIZERS
#define MEM_TEST_SCALE_DOWN 4
#else
#define MEM_TEST_SCALE_DOWN 1
#endif

typedef struct ModelEntry {
    char key[16];
    size_t klen;
    uint64_t seq;
    ShaleKind kind;
    char value[24];
    size_t vlen;
    ShaleBuf ikey;
} ModelEntry;

static int model_cmp(const void *a, const void *b)
{
    const ModelEntry *x = a, *y = b;
    return shale_ikey_compare(shale_buf_slice(&x->ikey), shale_buf_slice(&y->ikey));
}

/* Index of the first model entry >= target (n when none). */
static size_t model_lower_bound(const ModelEntry *m, size_t n, ShaleSlice target)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (shale_ikey_compare(shale_buf_slice(&m[mid].ikey), target) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void make_key(char *out, size_t *len, uint64_t k)
{
    /* variable lengths, shared prefixes and a key that is a prefix of others */
    *len = (size_t)snprintf(out, 16, "k%llu", (unsigned long long)k);
}

static bool iter_at(ShaleIter *it, const ModelEntry *e)
{
    if (!shale_iter_valid(it))
        return false;
    ShaleSlice k = shale_iter_key(it), v = shale_iter_value(it);
    return shale_slice_equal(k, shale_buf_slice(&e->ikey)) && shale_slice_equal(v, shale_slice(e->value, e->vlen));
}

TEST(model_random_ops)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, 1234);
    size_t n = 20000 / MEM_TEST_SCALE_DOWN;
    const uint64_t n_keys = 500;
    ModelEntry *model = calloc(n, sizeof *model);
    MemTable *m = memtable_new();
    REQUIRE(m && model);
    CHECK_EQ_U64(memtable_n_entries(m), 0);
    size_t bytes0 = memtable_bytes(m);
    for (size_t i = 0; i < n; i++) {
        ModelEntry *e = &model[i];
        make_key(e->key, &e->klen, shale_random_uniform(&rnd, n_keys));
        /* sequences not in insertion order, unique */
        e->seq = (uint64_t)((i * 7919) % n) * 3 + 1;
        e->kind = shale_random_uniform(&rnd, 5) == 0 ? SHALE_KIND_DELETE : SHALE_KIND_VALUE;
        e->vlen = e->kind == SHALE_KIND_VALUE ? (size_t)snprintf(e->value, sizeof e->value, "v%llu", (unsigned long long)e->seq) : 0;
        shale_buf_init(&e->ikey);
        shale_ikey_append(&e->ikey, shale_slice(e->key, e->klen), e->seq, e->kind);
        REQUIRE_OK(memtable_add(m, e->seq, e->kind, shale_slice(e->key, e->klen), shale_slice(e->value, e->vlen)), NULL);
    }
    CHECK_EQ_U64(memtable_n_entries(m), n);
    CHECK(memtable_bytes(m) > bytes0);
    qsort(model, n, sizeof *model, model_cmp);

    ShaleIter *it = memtable_iter(m);
    REQUIRE(it != NULL);
    /* forward */
    size_t i = 0;
    for (shale_iter_seek_to_first(it); shale_iter_valid(it); shale_iter_next(it), i++)
        if (i >= n || !iter_at(it, &model[i]))
            break;
    CHECK_EQ_U64(i, n);
    /* backward */
    i = n;
    for (shale_iter_seek_to_last(it); shale_iter_valid(it); shale_iter_prev(it)) {
        if (i == 0 || !iter_at(it, &model[i - 1]))
            break;
        i--;
    }
    CHECK_EQ_U64(i, 0);

    /* gets and seeks at many sequences, present and absent keys */
    uint64_t max_seq = (uint64_t)n * 3 + 2;
    ShaleBuf target;
    shale_buf_init(&target);
    for (int q = 0; q < 20000 / MEM_TEST_SCALE_DOWN; q++) {
        char key[16];
        size_t klen;
        make_key(key, &klen, shale_random_uniform(&rnd, n_keys + 20));
        uint64_t seq = shale_random_uniform(&rnd, 4) == 0 ? SHALE_MAX_SEQUENCE : shale_random_uniform(&rnd, max_seq);
        shale_buf_reset(&target);
        shale_ikey_append(&target, shale_slice(key, klen), seq, SHALE_KIND_SEEK);
        size_t lb = model_lower_bound(model, n, shale_buf_slice(&target));
        MemGetResult want = MEM_GET_NOT_PRESENT;
        if (lb < n && model[lb].klen == klen && memcmp(model[lb].key, key, klen) == 0)
            want = model[lb].kind == SHALE_KIND_VALUE ? MEM_GET_FOUND : MEM_GET_DELETED;
        ShaleSlice v = shale_slice(NULL, 0);
        MemGetResult got = memtable_get(m, shale_slice(key, klen), seq, &v);
        CHECK_EQ_INT(got, want);
        if (got == MEM_GET_FOUND && want == MEM_GET_FOUND)
            CHECK_MEM(v.data, v.size, model[lb].value, model[lb].vlen);

        shale_iter_seek(it, shale_buf_slice(&target));
        if (lb == n) {
            CHECK(!shale_iter_valid(it));
        } else {
            CHECK(iter_at(it, &model[lb]));
            /* a few steps either way from the seek position */
            for (size_t s = 1; s <= 3 && lb + s < n; s++) {
                shale_iter_next(it);
                CHECK(iter_at(it, &model[lb + s]));
            }
            shale_iter_seek(it, shale_buf_slice(&target));
            for (size_t s = 1; s <= 3; s++) {
                shale_iter_prev(it);
                if (lb < s) {
                    CHECK(!shale_iter_valid(it));
                    break;
                }
                CHECK(iter_at(it, &model[lb - s]));
            }
        }
    }
    /* a bare user key as seek target lands before all its versions */
    shale_iter_seek(it, shale_slice(model[0].key, model[0].klen));
    CHECK(iter_at(it, &model[0]));
    CHECK_OK(shale_iter_status(it, NULL), NULL);
    shale_iter_destroy(it);
    shale_buf_free(&target);
    for (i = 0; i < n; i++)
        shale_buf_free(&model[i].ikey);
    free(model);
    memtable_unref(m);
}

TEST(empty_memtable)
{
    MemTable *m = memtable_new();
    REQUIRE(m != NULL);
    ShaleSlice v;
    CHECK_EQ_INT(memtable_get(m, shale_slice("a", 1), 10, &v), MEM_GET_NOT_PRESENT);
    CHECK_EQ_INT(memtable_get(m, shale_slice("", 0), SHALE_MAX_SEQUENCE, &v), MEM_GET_NOT_PRESENT);
    ShaleIter *it = memtable_iter(m);
    shale_iter_seek_to_first(it);
    CHECK(!shale_iter_valid(it));
    shale_iter_seek_to_last(it);
    CHECK(!shale_iter_valid(it));
    shale_iter_destroy(it);
    /* the empty key and empty values are ordinary entries */
    CHECK_OK(memtable_add(m, 5, SHALE_KIND_VALUE, shale_slice("", 0), shale_slice("", 0)), NULL);
    CHECK_EQ_INT(memtable_get(m, shale_slice("", 0), 4, &v), MEM_GET_NOT_PRESENT);
    CHECK_EQ_INT(memtable_get(m, shale_slice("", 0), 5, &v), MEM_GET_FOUND);
    CHECK_EQ_U64(v.size, 0);
    CHECK_OK(memtable_add(m, 6, SHALE_KIND_DELETE, shale_slice("", 0), shale_slice("", 0)), NULL);
    CHECK_EQ_INT(memtable_get(m, shale_slice("", 0), 6, &v), MEM_GET_DELETED);
    CHECK_EQ_INT(memtable_get(m, shale_slice("", 0), 5, &v), MEM_GET_FOUND);
    CHECK_EQ_INT(memtable_get(m, shale_slice("\0", 1), 9, &v), MEM_GET_NOT_PRESENT);
    memtable_unref(m);
}

/* --- one writer, two readers ---------------------------------------------------- */

typedef struct RaceState {
    MemTable *m;
    uint64_t n;
    atomic_bool done;
    atomic_long reader_passes;
    atomic_long reader_entries;
} RaceState;

static void race_key(char *out, size_t *len, uint64_t i)
{
    *len = (size_t)snprintf(out, 24, "%016llx", (unsigned long long)shale_hash_u64(i));
}

/* The value written for key k at seq: derived from both so a reader can verify it. */
static size_t race_value(char *out, ShaleSlice key, uint64_t seq)
{
    uint32_t h = shale_hash32(key.data, key.size, (uint32_t)seq);
    size_t n = 8 + (h % 40);
    for (size_t j = 0; j < n; j++)
        out[j] = (char)('a' + (h + j * 7) % 26);
    return n;
}

static void *race_writer(void *arg)
{
    RaceState *st = arg;
    char key[24], val[64];
    for (uint64_t i = 0; i < st->n; i++) {
        size_t klen;
        race_key(key, &klen, i % (st->n / 2)); /* every key gets two versions */
        uint64_t seq = i + 1;
        size_t vlen = race_value(val, shale_slice(key, klen), seq);
        ShaleCode rc = memtable_add(st->m, seq, SHALE_KIND_VALUE, shale_slice(key, klen), shale_slice(val, vlen));
        if (rc != SHALE_OK) {
            CHECK_OK(rc, NULL);
            break;
        }
    }
    atomic_store(&st->done, true);
    return NULL;
}

/* Checks one entry: well-formed key and the value written for it. */
static bool race_entry_ok(ShaleSlice ikey, ShaleSlice value)
{
    if (ikey.size != 16 + SHALE_IKEY_TRAILER || shale_ikey_kind(ikey) != SHALE_KIND_VALUE)
        return false;
    char expect[64];
    size_t n = race_value(expect, shale_ikey_user(ikey), shale_ikey_seq(ikey));
    return value.size == n && memcmp(value.data, expect, n) == 0;
}

static void *race_reader(void *arg)
{
    RaceState *st = arg;
    ShaleIter *it = memtable_iter(st->m);
    CHECK(it != NULL);
    if (!it)
        return NULL;
    ShaleRandom rnd;
    shale_random_seed(&rnd, (uint64_t)(uintptr_t)&rnd);
    char prev[64];
    long passes = 0, entries = 0;
    bool last_pass = false;
    while (!last_pass) {
        last_pass = atomic_load(&st->done); /* one full pass after the writer finished */
        size_t prev_len = 0;
        bool forward = (passes % 2) == 0;
        long seen = 0;
        if (forward)
            shale_iter_seek_to_first(it);
        else
            shale_iter_seek_to_last(it);
        while (shale_iter_valid(it)) {
            ShaleSlice k = shale_iter_key(it);
            if (!race_entry_ok(k, shale_iter_value(it))) {
                CHECK_MSG(false, "reader saw a torn or wrong entry");
                goto out;
            }
            if (prev_len) {
                int c = shale_ikey_compare(shale_slice(prev, prev_len), k);
                if (forward ? c >= 0 : c <= 0) {
                    CHECK_MSG(false, "reader saw keys out of order");
                    goto out;
                }
            }
            memcpy(prev, k.data, k.size);
            prev_len = k.size;
            seen++;
            /* backward passes are O(n log n): walk only a stretch of them */
            if (!forward && seen > 2000)
                break;
            if (forward)
                shale_iter_next(it);
            else
                shale_iter_prev(it);
        }
        entries += seen;
        /* point lookups of keys the writer may or may not have reached: key j has
         * versions at seq j+1 and j+n/2+1, and a found value is one of them */
        for (int q = 0; q < 200; q++) {
            uint64_t j = shale_random_uniform(&rnd, st->n / 2);
            char key[24], e1[64], e2[64];
            size_t klen;
            race_key(key, &klen, j);
            ShaleSlice v, ks = shale_slice(key, klen);
            MemGetResult r = memtable_get(st->m, ks, SHALE_MAX_SEQUENCE, &v);
            if (r == MEM_GET_NOT_PRESENT)
                continue;
            size_t n1 = race_value(e1, ks, j + 1), n2 = race_value(e2, ks, j + st->n / 2 + 1);
            bool ok = r == MEM_GET_FOUND &&
                      ((v.size == n1 && memcmp(v.data, e1, n1) == 0) ||
                       (v.size == n2 && memcmp(v.data, e2, n2) == 0));
            /* the older version is visible at its own sequence */
            ok = ok && memtable_get(st->m, ks, j + 1, &v) == MEM_GET_FOUND &&
                 v.size == n1 && memcmp(v.data, e1, n1) == 0;
            if (!ok) {
                CHECK_MSG(false, "reader got a wrong value for key %llu", (unsigned long long)j);
                goto out;
            }
        }
        passes++;
    }
out:
    atomic_fetch_add(&st->reader_passes, passes);
    atomic_fetch_add(&st->reader_entries, entries);
    shale_iter_destroy(it);
    return NULL;
}

TEST(one_writer_two_readers)
{
    RaceState st;
    st.n = 200000; /* fast enough under ASan too */
    st.m = memtable_new();
    REQUIRE(st.m != NULL);
    atomic_init(&st.done, false);
    atomic_init(&st.reader_passes, 0);
    atomic_init(&st.reader_entries, 0);
    pthread_t w, r[2];
    /* (not inside REQUIRE, which evaluates its argument twice) */
    int e0 = pthread_create(&r[0], NULL, race_reader, &st);
    int e1 = pthread_create(&r[1], NULL, race_reader, &st);
    int e2 = pthread_create(&w, NULL, race_writer, &st);
    REQUIRE(e0 == 0 && e1 == 0 && e2 == 0);
    pthread_join(w, NULL);
    pthread_join(r[0], NULL);
    pthread_join(r[1], NULL);
    CHECK_EQ_U64(memtable_n_entries(st.m), st.n);
    CHECK(atomic_load(&st.reader_passes) >= 2);
    printf("  readers: %ld passes, %ld entries checked\n", atomic_load(&st.reader_passes),
           atomic_load(&st.reader_entries));
    /* after the race: every key has both versions and the newest wins */
    char key[24], val[64];
    for (uint64_t i = 0; i < st.n / 2; i++) {
        size_t klen;
        race_key(key, &klen, i);
        ShaleSlice v;
        uint64_t s2 = i + st.n / 2 + 1, s1 = i + 1;
        CHECK_EQ_INT(memtable_get(st.m, shale_slice(key, klen), SHALE_MAX_SEQUENCE, &v), MEM_GET_FOUND);
        size_t n = race_value(val, shale_slice(key, klen), s2);
        CHECK_MEM(v.data, v.size, val, n);
        CHECK_EQ_INT(memtable_get(st.m, shale_slice(key, klen), s2 - 1, &v), MEM_GET_FOUND);
        n = race_value(val, shale_slice(key, klen), s1);
        CHECK_MEM(v.data, v.size, val, n);
        CHECK_EQ_INT(memtable_get(st.m, shale_slice(key, klen), s1 - 1, &v), MEM_GET_NOT_PRESENT);
    }
    memtable_unref(st.m);
}

TEST(iterator_outlives_owner)
{
    MemTable *m = memtable_new();
    REQUIRE(m != NULL);
    CHECK_OK(memtable_add(m, 1, SHALE_KIND_VALUE, shale_slice("a", 1), shale_slice("1", 1)), NULL);
    CHECK_OK(memtable_add(m, 2, SHALE_KIND_VALUE, shale_slice("b", 1), shale_slice("2", 1)), NULL);
    memtable_ref(m);   /* a reader's ref */
    ShaleIter *it = memtable_iter(m);
    REQUIRE(it != NULL);
    memtable_unref(m); /* the DB drops the memtable */
    memtable_unref(m); /* the reader is done */
    shale_iter_seek_to_first(it);
    CHECK(shale_iter_valid(it));
    CHECK_MEM(shale_iter_value(it).data, shale_iter_value(it).size, "1", 1);
    shale_iter_next(it);
    CHECK(shale_iter_valid(it));
    CHECK_MEM(shale_iter_value(it).data, shale_iter_value(it).size, "2", 1);
    shale_iter_next(it);
    CHECK(!shale_iter_valid(it));
    shale_iter_destroy(it); /* frees the memtable (ASan checks no leak / no reuse) */
}

/* Prints insert and lookup costs (no assertion: a smoke signal for the benchmark). Keys
 * are generated up front so only the memtable is timed. */
TEST(insert_get_speed)
{
    size_t n = 300000 / MEM_TEST_SCALE_DOWN;
    MemTable *m = memtable_new();
    char *keys = malloc(n * 16);
    REQUIRE(m && keys);
    for (size_t i = 0; i < n; i++) {
        char k[24];
        size_t klen;
        race_key(k, &klen, i);
        memcpy(keys + i * 16, k, 16);
    }
    char val[100];
    memset(val, 'v', sizeof val);
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++)
        REQUIRE_OK(memtable_add(m, i + 1, SHALE_KIND_VALUE, shale_slice(keys + i * 16, 16), shale_slice(val, sizeof val)), NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        ShaleSlice v;
        found += memtable_get(m, shale_slice(keys + ((i * 7) % n) * 16, 16), SHALE_MAX_SEQUENCE, &v) == MEM_GET_FOUND;
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    CHECK_EQ_U64(found, n);
    double ins = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    double get = (double)(t2.tv_sec - t1.tv_sec) * 1e9 + (double)(t2.tv_nsec - t1.tv_nsec);
    printf("  %zu entries: insert %.0f ns/op, get %.0f ns/op, %zu bytes\n", n, ins / (double)n,
           get / (double)n, memtable_bytes(m));
    free(keys);
    memtable_unref(m);
}

TEST_MAIN(
    RUN(model_random_ops);
    RUN(empty_memtable);
    RUN(one_writer_two_readers);
    RUN(iterator_outlives_owner);
    RUN(insert_get_speed);
)
