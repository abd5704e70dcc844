/* rel_lock.c -- row locks: a hash table of lock entries keyed by storage key, shared and
 * exclusive modes, held until the top-level transaction ends. Each waiting transaction sleeps
 * on its own condition variable; only the head of an entry's queue can be granted, so a
 * release or a dequeue signals just that head (one wakeup, not a herd), and waiters poll
 * cancel and statement timeout every 10 ms. Waiters are served in arrival order (a newcomer queues
 * behind them), so a retried deadlock victim cannot starve the transaction it blocked.
 * The table doubles when it holds more entries than buckets, and a transaction's list of
 * held entries is appended without a search (the entry itself says whether the
 * transaction already holds it), so a bulk load taking a million row locks stays O(1) per
 * lock.
 * Before each wait the wait-for graph (entry -> holders ->
 * the entries they wait on ...) is searched for a cycle through the waiter: 40P01.
 *
 * All state here is guarded by lm.mu. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "facets/relational/rel_int.h"
#include "util/blocking.h"

struct LockEntry {
    LockEntry *next;          /* bucket chain */
    uint64_t h;
    RelTxn *excl;             /* exclusive holder, or NULL */
    RelTxn **sharers;         /* shared holders (malloc'd) */
    int n_sharers, cap_sharers;
    int n_waiters;
    RelTxn **queue;           /* waiters in arrival order: granted first-come first-served */
    int cap_queue;
    size_t klen;
    char key[];
};

void lockmgr_init(LockMgr *lm)
{
    pthread_mutex_init(&lm->mu, NULL);
    lm->n_buckets = 16384;
    lm->n_entries = 0;
    lm->buckets = calloc(lm->n_buckets, sizeof *lm->buckets);
}

/* Doubles the bucket array (power of two). On allocation failure keeps the old one: only
 * chains get longer. */
static void lockmgr_grow(LockMgr *lm)
{
    size_t nb = lm->n_buckets * 2;
    LockEntry **b = calloc(nb, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < lm->n_buckets; i++) {
        LockEntry *e = lm->buckets[i];
        while (e) {
            LockEntry *n = e->next;
            LockEntry **pp = &b[e->h & (nb - 1)];
            e->next = *pp;
            *pp = e;
            e = n;
        }
    }
    free(lm->buckets);
    lm->buckets = b;
    lm->n_buckets = nb;
}

void lockmgr_destroy(LockMgr *lm)
{
    for (size_t i = 0; lm->buckets && i < lm->n_buckets; i++) {
        LockEntry *e = lm->buckets[i];
        while (e) {
            LockEntry *n = e->next;
            free(e->sharers);
            free(e->queue);
            free(e);
            e = n;
        }
    }
    free(lm->buckets);
    pthread_mutex_destroy(&lm->mu);
}

static LockEntry *entry_get(LockMgr *lm, const char *key, size_t klen, bool create)
{
    uint64_t h = shale_hash32(key, klen, 0x10c4) | ((uint64_t)klen << 32);
    LockEntry **pp = &lm->buckets[h & (lm->n_buckets - 1)];
    for (LockEntry *e = *pp; e; e = e->next)
        if (e->h == h && e->klen == klen && memcmp(e->key, key, klen) == 0)
            return e;
    if (!create)
        return NULL;
    LockEntry *e = calloc(1, sizeof *e + klen);
    if (!e)
        return NULL;
    e->h = h;
    e->klen = klen;
    memcpy(e->key, key, klen);
    e->next = *pp;
    *pp = e;
    if (++lm->n_entries > lm->n_buckets)
        lockmgr_grow(lm);
    return e;
}

static void entry_maybe_free(LockMgr *lm, LockEntry *e)
{
    if (e->excl || e->n_sharers || e->n_waiters)
        return;
    LockEntry **pp = &lm->buckets[e->h & (lm->n_buckets - 1)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    lm->n_entries--;
    free(e->sharers);
    free(e->queue);
    free(e);
}

static bool is_sharer(const LockEntry *e, const RelTxn *t)
{
    for (int i = 0; i < e->n_sharers; i++)
        if (e->sharers[i] == t)
            return true;
    return false;
}

/* Can t get mode on e now? */
static bool grantable(const LockEntry *e, const RelTxn *t, RelLockMode mode)
{
    if (e->excl && e->excl != t)
        return false;
    if (mode == REL_LOCK_EXCLUSIVE)
        for (int i = 0; i < e->n_sharers; i++)
            if (e->sharers[i] != t)
                return false;
    return true;
}

/* Whether w may take the lock now: compatible with the holders and first in the queue
 * (or not queued while nobody waits). */
static bool my_turn(const LockEntry *e, const RelTxn *w)
{
    return e->n_waiters == 0 || e->queue[0] == w;
}

/* Holders of e that block waiter w (who wants mode). */
static int blockers(const LockEntry *e, const RelTxn *w, int mode, RelTxn **out, int max)
{
    int n = 0;
    for (int i = 0; i < e->n_waiters && e->queue[i] != w && n < max; i++)
        out[n++] = e->queue[i];
    if (e->excl && e->excl != w && n < max)
        out[n++] = e->excl;
    if (mode == REL_LOCK_EXCLUSIVE)
        for (int i = 0; i < e->n_sharers && n < max; i++)
            if (e->sharers[i] != w)
                out[n++] = e->sharers[i];
    return n;
}

/* Depth-first search: does a transaction blocking `w` on e (transitively) wait for self?
 * path[0..*plen) receives the chain self waits for. */
static bool dl_search(const LockEntry *e, const RelTxn *w, int mode, const RelTxn *self,
                      RelTxn **path, int depth, int *plen)
{
    if (depth >= 32)
        return false;
    RelTxn *bl[32];
    int nb = blockers(e, w, mode, bl, 32);
    for (int i = 0; i < nb; i++) {
        RelTxn *h = bl[i];
        if (h == self) {
            *plen = depth;
            return true;
        }
        path[depth] = h;
        if (h->waiting_on && dl_search(h->waiting_on, h, h->waiting_mode, self, path, depth + 1, plen))
            return true;
    }
    return false;
}

/* Records that t holds e; `already` = t held e before this grant (an upgrade from shared
 * to exclusive), whose entry is in t->locks already. */
static int held_add(RelTxn *t, LockEntry *e, bool already)
{
    if (already)
        return 0;
    if (t->n_locks == t->cap_locks) {
        size_t cap = t->cap_locks ? t->cap_locks * 2 : 8;
        HeldLock *n = realloc(t->locks, cap * sizeof *n);
        if (!n)
            return -1;
        t->locks = n;
        t->cap_locks = cap;
    }
    t->locks[t->n_locks++] = (HeldLock){ e };
    return 0;
}

static int grant(RelTxn *t, LockEntry *e, RelLockMode mode)
{
    bool sharer = is_sharer(e, t);
    if (held_add(t, e, e->excl == t || sharer) != 0)
        return -1;
    if (mode == REL_LOCK_EXCLUSIVE) {
        e->excl = t;
    } else if (e->excl != t && !sharer) {
        if (e->n_sharers == e->cap_sharers) {
            int cap = e->cap_sharers ? e->cap_sharers * 2 : 4;
            RelTxn **n = realloc(e->sharers, (size_t)cap * sizeof *n);
            if (!n)
                return -1;
            e->sharers = n;
            e->cap_sharers = cap;
        }
        e->sharers[e->n_sharers++] = t;
    }
    return 0;
}

/* PostgreSQL's report: one line per edge of the cycle self -> path[0] -> ... -> self. */
static int deadlock_error(RelTxn *t, RelTxn **path, int plen, SqlError *err)
{
    sql_error_set(err, ERRCODE_DEADLOCK_DETECTED, "deadlock detected");
    if (err) {
        char detail[512];
        size_t off = 0;
        for (int i = 0; i <= plen && off < sizeof detail; i++) {
            RelTxn *w = i == 0 ? t : path[i - 1];
            RelTxn *b = i < plen ? path[i] : t;
            off += (size_t)snprintf(detail + off, sizeof detail - off,
                                    "%sProcess %d waits for ShareLock on transaction %llu; blocked by process %d.",
                                    i ? "\n" : "", (int)w->opts.pid, (unsigned long long)b->xid, (int)b->opts.pid);
        }
        sql_error_detail(err, "%s", detail);
        sql_error_hint(err, "See server log for query details.");
    }
    return -1;
}

/* Wakes the transaction that may be granted e next. REQUIRES: lm.mu. */
static void wake_head(LockEntry *e)
{
    if (e->n_waiters)
        pthread_cond_signal(&e->queue[0]->lock_cv);
}

void lock_txn_cleanup(RelTxn *t)
{
    if (t->lock_cv_ready)
        pthread_cond_destroy(&t->lock_cv);
    t->lock_cv_ready = false;
}

int lock_acquire(RelTxn *t, const char *key, size_t klen, RelLockMode mode, SqlError *err)
{
    LockMgr *lm = &t->rdb->lm;
    pthread_mutex_lock(&lm->mu);
    LockEntry *e = entry_get(lm, key, klen, true);
    if (!e) {
        pthread_mutex_unlock(&lm->mu);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    if ((e->excl == t) || (mode == REL_LOCK_SHARE && is_sharer(e, t))) {
        pthread_mutex_unlock(&lm->mu);
        return 0;
    }
    int rc = 0;
    if (!grantable(e, t, mode) || !my_turn(e, t)) {
        if (e->n_waiters == e->cap_queue) {
            int cap = e->cap_queue ? e->cap_queue * 2 : 4;
            RelTxn **q = realloc(e->queue, (size_t)cap * sizeof *q);
            if (!q) {
                entry_maybe_free(lm, e);
                pthread_mutex_unlock(&lm->mu);
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            }
            e->queue = q;
            e->cap_queue = cap;
        }
        if (!t->lock_cv_ready) {
            pthread_condattr_t ca;
            pthread_condattr_init(&ca);
            pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
            pthread_cond_init(&t->lock_cv, &ca);
            pthread_condattr_destroy(&ca);
            t->lock_cv_ready = true;
        }
        e->queue[e->n_waiters++] = t;
        t->waiting_on = e;
        t->waiting_mode = (int)mode;
        /* Only a transaction starting to wait can close a cycle (a grant gives edges to a
         * running transaction), so one search at the start finds every deadlock once. */
        bool searched = false;
        shale_block_enter(); /* the loop may sleep: util/blocking.h */
        for (;;) {
            if (grantable(e, t, mode) && my_turn(e, t))
                break;
            RelTxn *path[32];
            int plen = 0;
            if (!searched && (searched = true) && dl_search(e, t, (int)mode, t, path, 0, &plen)) {
                rc = deadlock_error(t, path, plen, err);
                break;
            }
            if (t->opts.interrupted && t->opts.interrupted(t->opts.interrupt_arg)) {
                rc = SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
                break;
            }
            int64_t now = rel_now_us();
            if (t->deadline_us && now >= t->deadline_us) {
                rc = SQL_ERR(err, QUERY_CANCELED, "canceling statement due to statement timeout");
                break;
            }
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += 10 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&t->lock_cv, &lm->mu, &ts);
        }
        shale_block_leave();
        t->waiting_on = NULL;
        for (int i = 0; i < e->n_waiters; i++)
            if (e->queue[i] == t) {
                memmove(&e->queue[i], &e->queue[i + 1], (size_t)(e->n_waiters - i - 1) * sizeof *e->queue);
                break;
            }
        e->n_waiters--;
        wake_head(e); /* the next in line may go now (or sleeps again) */
    }
    if (rc == 0 && grant(t, e, mode) != 0)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (rc != 0)
        entry_maybe_free(lm, e);
    pthread_mutex_unlock(&lm->mu);
    return rc;
}

void lock_release_all(RelTxn *t)
{
    if (!t->n_locks)
        return;
    LockMgr *lm = &t->rdb->lm;
    pthread_mutex_lock(&lm->mu);
    for (size_t i = 0; i < t->n_locks; i++) {
        LockEntry *e = t->locks[i].e;
        if (e->excl == t)
            e->excl = NULL;
        for (int j = 0; j < e->n_sharers; j++)
            if (e->sharers[j] == t) {
                e->sharers[j] = e->sharers[--e->n_sharers];
                break;
            }
        wake_head(e);
        entry_maybe_free(lm, e);
    }
    pthread_mutex_unlock(&lm->mu);
    t->n_locks = 0;
}
