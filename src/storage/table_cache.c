/* table_cache.c -- open SstReaders by file number (contract in table_cache.h).
 *
 * One mutex guards a chained hash table of entries and an LRU list of the entries only
 * the cache holds. Invariants: an entry is in the table iff in_cache; in_cache entries hold
 * one ref; an entry is on the lru list iff in_cache && refs == 1; n_open counts in_cache
 * entries. A reader is closed when its entry's refs reach 0 -- always outside the mutex.
 * Tables are opened outside the mutex (file I/O); after opening, the table is re-checked
 * and a reader someone else inserted meanwhile wins. */
#include "storage/table_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/filename.h"
#include "storage/sst.h"

#define TABLE_CACHE_BUCKETS 256

typedef struct TableEntry {
    uint64_t number;
    SstReader *reader;        /* owned by the entry */
    uint32_t refs;            /* guarded by tc->mu */
    bool in_cache;
    struct TableEntry *chain; /* bucket chain */
    struct TableEntry *prev, *next; /* lru links (when on the list) */
} TableEntry;

struct TableCache {
    ShaleEnv *env;
    char *dir;                /* owned */
    int max_open;
    BlockCache *cache;        /* borrowed */
    StorageCounters *ctr;     /* borrowed */
    pthread_mutex_t mu;
    TableEntry *buckets[TABLE_CACHE_BUCKETS];
    TableEntry lru;           /* list head: oldest first */
    int n_open;
};

TableCache *table_cache_new(ShaleEnv *env, const char *dir, int max_open, BlockCache *cache, StorageCounters *ctr)
{
    TableCache *tc = calloc(1, sizeof *tc);
    if (!tc)
        return NULL;
    tc->dir = strdup(dir);
    if (!tc->dir) {
        free(tc);
        return NULL;
    }
    tc->env = env;
    tc->max_open = max_open > 0 ? max_open : 1;
    tc->cache = cache;
    tc->ctr = ctr;
    pthread_mutex_init(&tc->mu, NULL);
    tc->lru.next = tc->lru.prev = &tc->lru;
    return tc;
}

static void table_entry_free(TableEntry *e)
{
    sst_reader_close(e->reader);
    free(e);
}

void table_cache_free(TableCache *tc)
{
    if (!tc)
        return;
    for (int i = 0; i < TABLE_CACHE_BUCKETS; i++) {
        for (TableEntry *e = tc->buckets[i]; e;) {
            TableEntry *next = e->chain;
            table_entry_free(e);
            e = next;
        }
    }
    pthread_mutex_destroy(&tc->mu);
    free(tc->dir);
    free(tc);
}

static TableEntry **table_cache_find(TableCache *tc, uint64_t number)
{
    TableEntry **p = &tc->buckets[number % TABLE_CACHE_BUCKETS];
    while (*p && (*p)->number != number)
        p = &(*p)->chain;
    return p;
}

static void lru_remove(TableEntry *e)
{
    e->next->prev = e->prev;
    e->prev->next = e->next;
    e->next = e->prev = NULL;
}

static void lru_append(TableCache *tc, TableEntry *e)
{
    e->next = &tc->lru;
    e->prev = tc->lru.prev;
    e->prev->next = e;
    e->next->prev = e;
}

/* REQUIRES tc->mu. Takes e out of the table; returns true when the caller must free it. */
static bool table_cache_detach(TableCache *tc, TableEntry *e)
{
    TableEntry **p = table_cache_find(tc, e->number);
    if (*p == e)
        *p = e->chain;
    if (e->refs == 1)
        lru_remove(e);
    e->in_cache = false;
    tc->n_open--;
    return --e->refs == 0;
}

/* REQUIRES tc->mu. Evicts idle entries beyond max_open; they go on *dead (via chain). */
static void table_cache_trim(TableCache *tc, TableEntry **dead)
{
    while (tc->n_open > tc->max_open && tc->lru.next != &tc->lru) {
        TableEntry *v = tc->lru.next;
        if (table_cache_detach(tc, v)) {
            v->chain = *dead;
            *dead = v;
        }
    }
}

static void table_cache_free_list(TableEntry *dead)
{
    while (dead) {
        TableEntry *next = dead->chain;
        table_entry_free(dead);
        dead = next;
    }
}

/* Returns a referenced entry for table number, opening it if needed. */
static ShaleCode table_cache_acquire(TableCache *tc, uint64_t number, uint64_t file_size, TableEntry **out,
                                     ShaleError *err)
{
    pthread_mutex_lock(&tc->mu);
    TableEntry *e = *table_cache_find(tc, number);
    if (e) {
        if (e->refs++ == 1)
            lru_remove(e);
        pthread_mutex_unlock(&tc->mu);
        *out = e;
        return SHALE_OK;
    }
    pthread_mutex_unlock(&tc->mu);

    char path[SHALE_PATH_MAX];
    shale_sst_path(path, sizeof path, tc->dir, number);
    SstReader *r;
    ShaleCode rc = sst_reader_open(tc->env, path, number, file_size, tc->cache, tc->ctr, &r, err);
    if (rc != SHALE_OK)
        return rc;
    TableEntry *ne = malloc(sizeof *ne);
    if (!ne) {
        sst_reader_close(r);
        return SHALE_ERR_NOMEM(err, "out of memory opening \"%s\"", path);
    }
    ne->number = number;
    ne->reader = r;
    ne->prev = ne->next = NULL;

    TableEntry *dead = NULL;
    pthread_mutex_lock(&tc->mu);
    TableEntry **slot = table_cache_find(tc, number);
    if (*slot) { /* opened by another thread meanwhile: use theirs */
        e = *slot;
        if (e->refs++ == 1)
            lru_remove(e);
        ne->chain = dead;
        dead = ne;
    } else {
        e = ne;
        e->refs = 2; /* the cache's and the caller's */
        e->in_cache = true;
        e->chain = NULL;
        *slot = e;
        tc->n_open++;
        table_cache_trim(tc, &dead);
    }
    pthread_mutex_unlock(&tc->mu);
    table_cache_free_list(dead);
    *out = e;
    return SHALE_OK;
}

static void table_cache_release(TableCache *tc, TableEntry *e)
{
    TableEntry *dead = NULL;
    pthread_mutex_lock(&tc->mu);
    if (--e->refs == 0) {
        e->chain = NULL;
        dead = e;
    } else if (e->in_cache && e->refs == 1) {
        lru_append(tc, e);
        table_cache_trim(tc, &dead);
    }
    pthread_mutex_unlock(&tc->mu);
    table_cache_free_list(dead);
}

ShaleCode table_cache_get(TableCache *tc, uint64_t number, uint64_t file_size, ShaleSlice ikey,
                          void (*found)(void *arg, ShaleSlice ikey, ShaleSlice value), void *arg,
                          ShaleError *err)
{
    TableEntry *e;
    ShaleCode rc = table_cache_acquire(tc, number, file_size, &e, err);
    if (rc != SHALE_OK)
        return rc;
    rc = sst_reader_get(e->reader, ikey, found, arg, err);
    table_cache_release(tc, e);
    return rc;
}

static void table_cache_iter_cleanup(void *a, void *b)
{
    table_cache_release(a, b);
}

ShaleIter *table_cache_iter(TableCache *tc, uint64_t number, uint64_t file_size)
{
    TableEntry *e;
    ShaleError err;
    ShaleCode rc = table_cache_acquire(tc, number, file_size, &e, &err);
    if (rc != SHALE_OK)
        return shale_iter_new_error(rc, err.msg);
    ShaleIter *it = sst_reader_iter(e->reader);
    if (!it || !shale_iter_register_cleanup(it, table_cache_iter_cleanup, tc, e)) {
        if (it)
            shale_iter_destroy(it);
        table_cache_release(tc, e);
        return NULL;
    }
    return it;
}

void table_cache_evict(TableCache *tc, uint64_t number)
{
    TableEntry *dead = NULL;
    pthread_mutex_lock(&tc->mu);
    TableEntry *e = *table_cache_find(tc, number);
    if (e && table_cache_detach(tc, e)) {
        e->chain = NULL;
        dead = e;
    }
    pthread_mutex_unlock(&tc->mu);
    table_cache_free_list(dead);
}
