/* block_cache.c -- the sharded LRU block cache (contract in block_cache.h).
 *
 * Each of BLOCK_CACHE_SHARDS shards has a mutex, a chained hash table and one list of its
 * entries in insertion order, replaced LRU-approximately by second chance ("CLOCK"): a
 * lookup only sets the entry's referenced bit (no list surgery on the hot path, which would
 * touch two more random cache lines); eviction takes the oldest entry, and if it is
 * referenced or pinned (refs >= 2) clears the bit and moves it to the newest end instead.
 * Invariants: an entry is in the hash table and on the list iff in_cache; in_cache entries
 * hold one ref; usage = sum of charges of in_cache entries. An entry dies (deleter runs,
 * memory freed) when refs drops to 0 -- always outside the shard mutex, so a deleter may be
 * slow. Pinned entries are never evicted and may push usage over capacity. */
#include "storage/block_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/hash.h"

#define BLOCK_CACHE_SHARD_BITS 4
#define BLOCK_CACHE_SHARDS (1 << BLOCK_CACHE_SHARD_BITS)

struct BlockCacheHandle {
    uint64_t file, offset;
    uint64_t hash;
    void *value;
    void (*deleter)(void *value);
    size_t charge;
    uint32_t refs;           /* guarded by the shard mutex */
    bool in_cache;
    bool referenced;         /* looked up since it last reached the old end */
    BlockCacheHandle *chain; /* hash bucket chain */
    BlockCacheHandle *prev, *next; /* the shard's list */
};

typedef struct CacheShard {
    pthread_mutex_t mu;
    size_t capacity;
    size_t usage;
    BlockCacheHandle **buckets;
    size_t n_buckets;        /* power of two */
    size_t n_elems;
    BlockCacheHandle lru;    /* list head (dummy entry): next = oldest */
    uint64_t hits, misses;   /* lookups, under mu: per shard, so no cache line is shared */
    char pad_[64];           /* keep shards' mutexes on separate cache lines */
} CacheShard;

struct BlockCache {
    CacheShard shards[BLOCK_CACHE_SHARDS];
};

static inline uint64_t cache_hash(uint64_t file, uint64_t offset)
{
    return shale_hash_u64(file * 0x9e3779b97f4a7c15ull ^ offset);
}

static void list_remove(BlockCacheHandle *e)
{
    e->next->prev = e->prev;
    e->prev->next = e->next;
}

/* Appends e as the newest entry of list. */
static void list_append(BlockCacheHandle *list, BlockCacheHandle *e)
{
    e->next = list;
    e->prev = list->prev;
    e->prev->next = e;
    e->next->prev = e;
}

BlockCache *block_cache_new(size_t capacity)
{
    BlockCache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t per = (capacity + BLOCK_CACHE_SHARDS - 1) / BLOCK_CACHE_SHARDS;
    for (int i = 0; i < BLOCK_CACHE_SHARDS; i++) {
        CacheShard *s = &c->shards[i];
        s->n_buckets = 16;
        s->buckets = calloc(s->n_buckets, sizeof *s->buckets);
        if (!s->buckets) {
            for (int j = 0; j < i; j++) {
                free(c->shards[j].buckets);
                pthread_mutex_destroy(&c->shards[j].mu);
            }
            free(c);
            return NULL;
        }
        pthread_mutex_init(&s->mu, NULL);
        s->capacity = per;
        s->lru.next = s->lru.prev = &s->lru;
    }
    return c;
}

static void cache_entry_free(BlockCacheHandle *e)
{
    e->deleter(e->value);
    free(e);
}

void block_cache_free(BlockCache *c)
{
    if (!c)
        return;
    for (int i = 0; i < BLOCK_CACHE_SHARDS; i++) {
        CacheShard *s = &c->shards[i];
        /* REQUIRES no handle outstanding: every entry is on the list with refs == 1 */
        for (BlockCacheHandle *e = s->lru.next; e != &s->lru;) {
            BlockCacheHandle *next = e->next;
            cache_entry_free(e);
            e = next;
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

static inline CacheShard *cache_shard(BlockCache *c, uint64_t hash)
{
    return &c->shards[hash >> (64 - BLOCK_CACHE_SHARD_BITS)];
}

static BlockCacheHandle **shard_find(CacheShard *s, uint64_t file, uint64_t offset, uint64_t hash)
{
    BlockCacheHandle **p = &s->buckets[hash & (s->n_buckets - 1)];
    while (*p && ((*p)->file != file || (*p)->offset != offset))
        p = &(*p)->chain;
    return p;
}

static void shard_grow(CacheShard *s)
{
    size_t n = s->n_buckets * 2;
    BlockCacheHandle **nb = calloc(n, sizeof *nb);
    if (!nb)
        return; /* keep the old table: longer chains, still correct */
    for (size_t i = 0; i < s->n_buckets; i++) {
        for (BlockCacheHandle *e = s->buckets[i]; e;) {
            BlockCacheHandle *next = e->chain;
            BlockCacheHandle **slot = &nb[e->hash & (n - 1)];
            e->chain = *slot;
            *slot = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = nb;
    s->n_buckets = n;
}

/* Takes e out of the cache (table, list, usage). Returns true when its refs reached 0 and
 * the caller must free it after unlocking. */
static bool shard_detach(CacheShard *s, BlockCacheHandle *e)
{
    BlockCacheHandle **p = shard_find(s, e->file, e->offset, e->hash);
    if (*p == e)
        *p = e->chain;
    list_remove(e);
    e->in_cache = false;
    s->usage -= e->charge;
    s->n_elems--;
    return --e->refs == 0;
}

BlockCacheHandle *block_cache_lookup(BlockCache *c, uint64_t file, uint64_t offset)
{
    uint64_t hash = cache_hash(file, offset);
    CacheShard *s = cache_shard(c, hash);
    pthread_mutex_lock(&s->mu);
    BlockCacheHandle *e = *shard_find(s, file, offset, hash);
    if (e) {
        e->refs++;
        e->referenced = true;
        s->hits++;
    } else {
        s->misses++;
    }
    pthread_mutex_unlock(&s->mu);
    return e;
}

BlockCacheHandle *block_cache_insert(BlockCache *c, uint64_t file, uint64_t offset, void *value,
                                     size_t charge, void (*deleter)(void *value))
{
    BlockCacheHandle *e = malloc(sizeof *e);
    if (!e) {
        deleter(value);
        return NULL;
    }
    e->file = file;
    e->offset = offset;
    e->hash = cache_hash(file, offset);
    e->value = value;
    e->deleter = deleter;
    e->charge = charge;
    e->refs = 2; /* the cache's and the caller's */
    e->in_cache = true;
    e->referenced = false;
    CacheShard *s = cache_shard(c, e->hash);
    BlockCacheHandle *dead = NULL; /* entries to free after unlocking, linked by chain */
    pthread_mutex_lock(&s->mu);
    BlockCacheHandle **p = shard_find(s, file, offset, e->hash);
    BlockCacheHandle *old = *p;
    if (old && shard_detach(s, old)) {
        old->chain = dead;
        dead = old;
    }
    p = shard_find(s, file, offset, e->hash);
    e->chain = *p;
    *p = e;
    list_append(&s->lru, e);
    s->usage += charge;
    if (++s->n_elems > s->n_buckets)
        shard_grow(s);
    /* two passes at most: the first may only clear bits, the second then evicts */
    for (size_t steps = 2 * s->n_elems; s->usage > s->capacity && steps > 0; steps--) {
        BlockCacheHandle *victim = s->lru.next;
        if (victim->refs > 1 || victim->referenced) {
            victim->referenced = false;
            list_remove(victim);
            list_append(&s->lru, victim);
        } else if (shard_detach(s, victim)) {
            victim->chain = dead;
            dead = victim;
        }
    }
    pthread_mutex_unlock(&s->mu);
    while (dead) {
        BlockCacheHandle *next = dead->chain;
        cache_entry_free(dead);
        dead = next;
    }
    return e;
}

void *block_cache_value(BlockCacheHandle *h)
{
    return h->value;
}

void block_cache_release(BlockCache *c, BlockCacheHandle *h)
{
    CacheShard *s = cache_shard(c, h->hash);
    pthread_mutex_lock(&s->mu);
    bool dead = --h->refs == 0; /* only once erased or replaced: the cache holds a ref */
    pthread_mutex_unlock(&s->mu);
    if (dead)
        cache_entry_free(h);
}

void block_cache_erase_file(BlockCache *c, uint64_t file)
{
    for (int i = 0; i < BLOCK_CACHE_SHARDS; i++) {
        CacheShard *s = &c->shards[i];
        BlockCacheHandle *dead = NULL;
        pthread_mutex_lock(&s->mu);
        for (size_t b = 0; b < s->n_buckets; b++) {
            BlockCacheHandle *e = s->buckets[b];
            while (e) {
                BlockCacheHandle *next = e->chain;
                if (e->file == file && shard_detach(s, e)) {
                    e->chain = dead;
                    dead = e;
                }
                e = next;
            }
        }
        pthread_mutex_unlock(&s->mu);
        while (dead) {
            BlockCacheHandle *next = dead->chain;
            cache_entry_free(dead);
            dead = next;
        }
    }
}

void block_cache_stats(BlockCache *c, uint64_t *hits, uint64_t *misses, uint64_t *bytes)
{
    uint64_t h = 0, m = 0;
    size_t total = 0;
    for (int i = 0; i < BLOCK_CACHE_SHARDS; i++) {
        pthread_mutex_lock(&c->shards[i].mu);
        h += c->shards[i].hits;
        m += c->shards[i].misses;
        total += c->shards[i].usage;
        pthread_mutex_unlock(&c->shards[i].mu);
    }
    if (hits)
        *hits = h;
    if (misses)
        *misses = m;
    if (bytes)
        *bytes = total;
}
