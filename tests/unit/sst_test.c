/* sst_test.c -- unit tests of SSTables (sst.h) and the table cache (table_cache.h): random
 * tables with several versions per user key, with and without compression and filter, read
 * back in both directions, seeks at every kind of position, point lookups at various
 * snapshots, properties, verify, bloom counters; the table cache with few open slots and
 * concurrent readers. */
#include "tests/harness/test.h"

#include <pthread.h>
#include <stdint.h>

#include "config.h"
#include "storage/block_cache.h"
#include "storage/counters.h"
#include "storage/dbformat.h"
#include "storage/sst.h"
#include "storage/table_cache.h"
#include "util/buf.h"
#include "util/env.h"
#include "util/hash.h"

#ifdef SHALE_SANITIZERS
#define N_USER 4000
#else
#define N_USER 15000
#endif

/* --- a model table: entries sorted in internal-key order -------------------------- */

typedef struct Entry {
    char key[32];      /* internal key: "user%08u" + trailer */
    size_t klen;
    uint64_t user;     /* the number in the user key (always even: odd ones are absent) */
    uint64_t seq;
    ShaleKind kind;
    char *val;
    size_t vlen;
} Entry;

typedef struct Model {
    Entry *e;
    size_t n;
} Model;

static size_t user_key(char *buf, uint64_t u)
{
    return (size_t)snprintf(buf, 20, "user%08llu", (unsigned long long)u);
}

static Model model_make(uint64_t seed, size_t n_user, uint64_t user_base)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, seed);
    Model m = { calloc(n_user * 6, sizeof(Entry)), 0 };
    for (size_t u = 0; u < n_user; u++) {
        uint64_t user = (user_base + u) * 2;
        int versions = 1 + (int)shale_random_uniform(&rnd, 6);
        uint64_t base = 1 + shale_random_uniform(&rnd, 1000000);
        for (int v = 0; v < versions; v++) {
            Entry *e = &m.e[m.n++];
            e->user = user;
            e->seq = base + (uint64_t)(versions - 1 - v);
            e->kind = shale_random_uniform(&rnd, 5) == 0 ? SHALE_KIND_DELETE : SHALE_KIND_VALUE;
            size_t ul = user_key(e->key, user);
            shale_put_fixed64(e->key + ul, shale_pack_trailer(e->seq, e->kind));
            e->klen = ul + 8;
            e->vlen = e->kind == SHALE_KIND_DELETE ? 0 : shale_random_uniform(&rnd, 120);
            e->val = malloc(e->vlen + 1);
            /* compressible: runs of a few letters */
            for (size_t i = 0; i < e->vlen; i++)
                e->val[i] = (char)('a' + (i / 7 + shale_random_uniform(&rnd, 2)) % 5);
        }
    }
    return m;
}

static void model_free(Model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->e[i].val);
    free(m->e);
}

static ShaleSlice ek(const Entry *e) { return shale_slice(e->key, e->klen); }

static char *table_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", test_tmpdir(), name);
    return buf;
}

static uint64_t build_table(const char *path, const Model *m, const SstOptions *o)
{
    ShaleError err;
    ShaleWritableFile *f;
    if (shale_wfile_open(shale_env_default(), path, &f, &err) != SHALE_OK)
        return 0;
    SstBuilder *b = sst_builder_new(f, o);
    for (size_t i = 0; i < m->n; i++)
        sst_builder_add(b, ek(&m->e[i]), shale_slice(m->e[i].val, m->e[i].vlen));
    ShaleCode rc = sst_builder_finish(b, &err);
    CHECK_OK(rc, &err);
    uint64_t size = sst_builder_file_size(b);
    if (m->n) {
        CHECK_MEM(sst_builder_smallest(b).data, sst_builder_smallest(b).size, m->e[0].key, m->e[0].klen);
        CHECK_MEM(sst_builder_largest(b).data, sst_builder_largest(b).size, m->e[m->n - 1].key, m->e[m->n - 1].klen);
    }
    CHECK_EQ_U64(sst_builder_n_entries(b), m->n);
    sst_builder_free(b);
    CHECK_OK(shale_wfile_close(f, &err), &err);
    uint64_t disk;
    CHECK_OK(shale_env_file_size(path, &disk, &err), &err);
    CHECK_EQ_U64(disk, size);
    return rc == SHALE_OK ? size : 0;
}

static bool it_at(ShaleIter *it, const Entry *e)
{
    if (!shale_iter_valid(it))
        return false;
    ShaleSlice k = shale_iter_key(it), v = shale_iter_value(it);
    return k.size == e->klen && memcmp(k.data, e->key, e->klen) == 0 && v.size == e->vlen &&
           (e->vlen == 0 || memcmp(v.data, e->val, e->vlen) == 0);
}

typedef struct Found {
    int calls;
    char key[64];
    size_t klen;
    char val[256];
    size_t vlen;
} Found;

static void found_cb(void *arg, ShaleSlice k, ShaleSlice v)
{
    Found *f = arg;
    f->calls++;
    f->klen = k.size < sizeof f->key ? k.size : sizeof f->key;
    memcpy(f->key, k.data, f->klen);
    f->vlen = v.size < sizeof f->val ? v.size : sizeof f->val;
    memcpy(f->val, v.data, f->vlen);
}

/* Lookup of user u at snapshot seq: the model answer is the first entry of u with seq <= snap. */
static const Entry *model_get(const Model *m, size_t first_of_user, uint64_t snap)
{
    for (size_t i = first_of_user; i < m->n && m->e[i].user == m->e[first_of_user].user; i++)
        if (m->e[i].seq <= snap)
            return &m->e[i];
    return NULL;
}

static ShaleSlice lookup_key(char *buf, uint64_t user, uint64_t snap)
{
    size_t ul = user_key(buf, user);
    shale_put_fixed64(buf + ul, shale_pack_trailer(snap, SHALE_KIND_SEEK));
    return shale_slice(buf, ul + 8);
}

static void check_table(const Model *m, const SstOptions *o, const char *name, BlockCache *cache, uint64_t number)
{
    char path[600];
    table_path(path, sizeof path, name);
    uint64_t size = build_table(path, m, o);
    REQUIRE(size > 0);
    StorageCounters ctr;
    memset(&ctr, 0, sizeof ctr);
    SstReader *r;
    ShaleError err;
    REQUIRE_OK(sst_reader_open(shale_env_default(), path, number, size, cache, &ctr, &r, &err), &err);
    const SstProps *p = sst_reader_props(r);
    CHECK_EQ_U64(p->n_entries, m->n);
    uint64_t kb = 0, vb = 0, mins = UINT64_MAX, maxs = 0;
    for (size_t i = 0; i < m->n; i++) {
        kb += m->e[i].klen;
        vb += m->e[i].vlen;
        mins = m->e[i].seq < mins ? m->e[i].seq : mins;
        maxs = m->e[i].seq > maxs ? m->e[i].seq : maxs;
    }
    CHECK_EQ_U64(p->raw_key_bytes, kb);
    CHECK_EQ_U64(p->raw_value_bytes, vb);
    CHECK_EQ_U64(p->min_seq, m->n ? mins : 0);
    CHECK_EQ_U64(p->max_seq, maxs);
    CHECK(p->n_data_blocks >= (m->n ? kb / o->block_size : 0));
    if (o->compression && m->n > 100)
        CHECK_MSG(size < kb + vb, "compressed table %llu not smaller than raw %llu", (unsigned long long)size,
                  (unsigned long long)(kb + vb));
    CHECK_OK(sst_reader_verify(r, &err), &err);

    ShaleIter *it = sst_reader_iter(r);
    REQUIRE(it != NULL);
    size_t i = 0, bad = 0;
    for (shale_iter_seek_to_first(it); shale_iter_valid(it); shale_iter_next(it), i++)
        bad += i >= m->n || !it_at(it, &m->e[i]);
    CHECK_EQ_U64(i, m->n);
    CHECK_EQ_U64(bad, 0);
    for (shale_iter_seek_to_last(it); shale_iter_valid(it); shale_iter_prev(it))
        bad += i == 0 || !it_at(it, &m->e[--i]);
    CHECK_EQ_U64(i, 0);
    CHECK_EQ_U64(bad, 0);
    CHECK_OK(shale_iter_status(it, &err), &err);

    char kb_[64];
    if (m->n) {
        /* before everything, after everything */
        shale_iter_seek(it, lookup_key(kb_, 0, SHALE_MAX_SEQUENCE));
        bad += !it_at(it, &m->e[0]);
        shale_iter_seek(it, lookup_key(kb_, 99999999, 0));
        bad += shale_iter_valid(it);
        shale_iter_seek_to_last(it);
        bad += !it_at(it, &m->e[m->n - 1]);
    }
    ShaleRandom rnd;
    shale_random_seed(&rnd, 3);
    size_t step = m->n / 3000 + 1;
    for (i = 0; i < m->n; i += 1 + shale_random_uniform(&rnd, step)) {
        const Entry *e = &m->e[i];
        shale_iter_seek(it, ek(e)); /* exact */
        bad += !it_at(it, e);
        if (i + 1 < m->n) {
            shale_iter_next(it);
            bad += !it_at(it, &m->e[i + 1]);
            shale_iter_prev(it);
            bad += !it_at(it, e);
        }
        if (i > 0) {
            shale_iter_prev(it);
            bad += !it_at(it, &m->e[i - 1]);
            shale_iter_next(it);
            bad += !it_at(it, e);
        }
        /* newest version of this user key */
        size_t f = i;
        while (f > 0 && m->e[f - 1].user == e->user)
            f--;
        shale_iter_seek(it, lookup_key(kb_, e->user, SHALE_MAX_SEQUENCE));
        bad += !it_at(it, &m->e[f]);
        /* an absent user key just before this one lands on this user's newest version */
        shale_iter_seek(it, lookup_key(kb_, e->user - 1, 5));
        bad += !it_at(it, &m->e[f]);
        /* a snapshot between versions */
        shale_iter_seek(it, lookup_key(kb_, e->user, e->seq));
        bad += !it_at(it, e);
        /* a snapshot older than every version: the next user key */
        size_t l = i;
        while (l + 1 < m->n && m->e[l + 1].user == e->user)
            l++;
        shale_iter_seek(it, lookup_key(kb_, e->user, m->e[l].seq - 1));
        if (l + 1 < m->n)
            bad += !it_at(it, &m->e[l + 1]);
        else
            bad += shale_iter_valid(it);
    }
    CHECK_EQ_U64(bad, 0);
    CHECK_OK(shale_iter_status(it, &err), &err);
    shale_iter_destroy(it);

    /* point lookups */
    size_t gets = 0, absent = 0;
    for (i = 0; i < m->n; i += 1 + shale_random_uniform(&rnd, step)) {
        size_t f = i;
        while (f > 0 && m->e[f - 1].user == m->e[i].user)
            f--;
        uint64_t snaps[4] = { m->e[f].seq + 10, m->e[i].seq, m->e[i].seq - 1, SHALE_MAX_SEQUENCE };
        for (int s = 0; s < 4; s++) {
            Found fd = { 0 };
            ShaleCode rc = sst_reader_get(r, lookup_key(kb_, m->e[i].user, snaps[s]), found_cb, &fd, &err);
            CHECK_OK(rc, &err);
            const Entry *want = model_get(m, f, snaps[s]);
            gets++;
            if (!want) {
                bad += fd.calls != 0;
            } else {
                bad += fd.calls != 1 || fd.klen != want->klen || memcmp(fd.key, want->key, want->klen) != 0 ||
                       fd.vlen != want->vlen || memcmp(fd.val, want->val, want->vlen) != 0;
            }
        }
        Found fd = { 0 }; /* an absent user key */
        CHECK_OK(sst_reader_get(r, lookup_key(kb_, m->e[i].user + 1, SHALE_MAX_SEQUENCE), found_cb, &fd, &err), &err);
        bad += fd.calls != 0;
        absent++;
    }
    CHECK_EQ_U64(bad, 0);
    if (o->bloom_bits_per_key > 0) {
        CHECK_EQ_U64(STORAGE_COUNTER_GET(&ctr, bloom_checks), gets + absent);
        uint64_t useful = STORAGE_COUNTER_GET(&ctr, bloom_useful);
        CHECK_MSG(useful >= absent * (o->bloom_bits_per_key >= 10 ? 95 : 75) / 100, "bloom useful %llu of %zu absent",
                  (unsigned long long)useful, absent);
        CHECK(STORAGE_COUNTER_GET(&ctr, bloom_false_positives) <= absent / 10 + gets);
    } else {
        CHECK_EQ_U64(STORAGE_COUNTER_GET(&ctr, bloom_checks), 0);
    }
    sst_reader_close(r);
    if (cache)
        block_cache_erase_file(cache, number);
    remove(path);
}

TEST(random_tables_all_options)
{
    Model m = model_make(11, N_USER, 1);
    printf("  %zu entries\n", m.n);
    BlockCache *cache = block_cache_new(1 << 20);
    SstOptions opts[] = {
        { 4096, 16, 10, true },
        { 4096, 16, 0, false },
        { 4096, 16, 10, false },
        { 4096, 16, 0, true },
        { 256, 1, 10, true },  /* many small blocks, no prefix compression */
        { 32768, 64, 5, true },
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%zu.sst", i);
        check_table(&m, &opts[i], name, i % 2 ? NULL : cache, 100 + i);
    }
    uint64_t hits, misses;
    block_cache_stats(cache, &hits, &misses, NULL);
    CHECK(hits > 0 && misses > 0);
    block_cache_free(cache);
    model_free(&m);
}

TEST(empty_and_tiny_tables)
{
    Model m = model_make(12, 0, 1);
    SstOptions o = { 4096, 16, 10, true };
    check_table(&m, &o, "empty.sst", NULL, 1);
    model_free(&m);
    m = model_make(13, 1, 1);
    check_table(&m, &o, "one.sst", NULL, 2);
    model_free(&m);
}

TEST(wrong_files_are_rejected)
{
    char path[600];
    table_path(path, sizeof path, "junk.sst");
    ShaleError err;
    char junk[200];
    memset(junk, 'x', sizeof junk);
    CHECK_OK(shale_env_write_atomic(shale_env_default(), path, junk, sizeof junk, &err), &err);
    SstReader *r;
    CHECK_EQ_INT(sst_reader_open(shale_env_default(), path, 1, sizeof junk, NULL, NULL, &r, &err), SHALE_CORRUPTION);
    CHECK(strstr(err.msg, "junk.sst") != NULL);
    CHECK_EQ_INT(sst_reader_open(shale_env_default(), path, 1, 10, NULL, NULL, &r, &err), SHALE_CORRUPTION);
    CHECK(strstr(err.msg, "junk.sst") != NULL);
    remove(path);
}

/* --- table cache ------------------------------------------------------------------ */

#define N_TABLES 12

typedef struct TcArg {
    TableCache *tc;
    Model *models;
    uint64_t *sizes;
    uint64_t seed;
    long bad;
    long done;
} TcArg;

static void *tc_thread(void *p)
{
    TcArg *a = p;
    ShaleRandom rnd;
    shale_random_seed(&rnd, a->seed);
    char kb[64];
    for (int n = 0; n < 6000; n++) {
        size_t t = shale_random_uniform(&rnd, N_TABLES);
        Model *m = &a->models[t];
        size_t i = shale_random_uniform(&rnd, m->n);
        size_t f = i;
        while (f > 0 && m->e[f - 1].user == m->e[i].user)
            f--;
        Found fd = { 0 };
        ShaleError err;
        ShaleCode rc = table_cache_get(a->tc, 1 + t, a->sizes[t], lookup_key(kb, m->e[i].user, m->e[i].seq),
                                       found_cb, &fd, &err);
        a->bad += rc != SHALE_OK || fd.calls != 1 || fd.klen != m->e[i].klen ||
                  memcmp(fd.key, m->e[i].key, fd.klen) != 0;
        a->done++;
    }
    return NULL;
}

TEST(table_cache_many_tables_few_slots)
{
    Model models[N_TABLES];
    uint64_t sizes[N_TABLES];
    SstOptions o = { 1024, 16, 10, true };
    for (int t = 0; t < N_TABLES; t++) {
        models[t] = model_make(100 + (uint64_t)t, 300, (uint64_t)t * 1000);
        char path[600];
        snprintf(path, sizeof path, "%s/%06d.sst", test_tmpdir(), t + 1);
        sizes[t] = build_table(path, &models[t], &o);
    }
    BlockCache *cache = block_cache_new(64 << 10);
    TableCache *tc = table_cache_new(shale_env_default(), test_tmpdir(), 3, cache, NULL);
    REQUIRE(tc != NULL);
    /* an iterator keeps its table alive across eviction */
    ShaleIter *it = table_cache_iter(tc, 5, sizes[4]);
    REQUIRE(it != NULL);
    table_cache_evict(tc, 5);
    size_t n = 0;
    for (shale_iter_seek_to_first(it); shale_iter_valid(it); shale_iter_next(it))
        n++;
    CHECK_EQ_U64(n, models[4].n);
    /* concurrent gets while the iterator is alive */
    pthread_t th[2];
    TcArg a[2];
    for (int i = 0; i < 2; i++) {
        a[i] = (TcArg){ tc, models, sizes, (uint64_t)i + 7, 0, 0 };
        pthread_create(&th[i], NULL, tc_thread, &a[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(a[i].bad, 0);
        CHECK_EQ_INT(a[i].done, 6000);
    }
    shale_iter_seek_to_last(it);
    CHECK(it_at(it, &models[4].e[models[4].n - 1]));
    shale_iter_destroy(it);
    /* a missing table: an error iterator and a get error */
    it = table_cache_iter(tc, 999, 1000);
    REQUIRE(it != NULL);
    shale_iter_seek_to_first(it);
    CHECK(!shale_iter_valid(it));
    ShaleError err;
    CHECK(shale_iter_status(it, &err) != SHALE_OK);
    shale_iter_destroy(it);
    Found fd = { 0 };
    char kb[64];
    CHECK(table_cache_get(tc, 999, 1000, lookup_key(kb, 2, 1), found_cb, &fd, &err) != SHALE_OK);
    table_cache_free(tc);
    block_cache_free(cache);
    for (int t = 0; t < N_TABLES; t++)
        model_free(&models[t]);
}

TEST_MAIN(
    RUN(random_tables_all_options);
    RUN(empty_and_tiny_tables);
    RUN(wrong_files_are_rejected);
    RUN(table_cache_many_tables_few_slots);
    test_rm_rf(test_tmpdir());
)
