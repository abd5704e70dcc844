/* iterator.h -- the internal iterator interface every storage source implements
 * (memtable, SSTable block, SSTable, merging, level concatenation, DB iterator).
 *
 * An iterator is either positioned at an entry (valid) or not. key()/value() slices stay
 * valid until the next call that moves the iterator or destroys it. Errors are sticky:
 * once status() is non-OK the iterator is invalid and stays so.
 *
 * Cleanups registered on an iterator run after its own destroy, in reverse registration
 * order: they release what the iterator's bytes point into (cache handles, version refs). */
#ifndef SHALE_STORAGE_ITERATOR_H
#define SHALE_STORAGE_ITERATOR_H

#include <stdbool.h>

#include "util/slice.h"
#include "util/status.h"

typedef struct ShaleIter ShaleIter;

typedef struct ShaleIterOps {
    bool (*valid)(ShaleIter *it);
    void (*seek_to_first)(ShaleIter *it);
    void (*seek_to_last)(ShaleIter *it);
    /* Positions at the first entry >= target (internal-key order for internal iterators). */
    void (*seek)(ShaleIter *it, ShaleSlice target);
    void (*next)(ShaleIter *it);   /* REQUIRES: valid */
    void (*prev)(ShaleIter *it);   /* REQUIRES: valid */
    ShaleSlice (*key)(ShaleIter *it);   /* REQUIRES: valid */
    ShaleSlice (*value)(ShaleIter *it); /* REQUIRES: valid */
    /* Returns the sticky error code and fills err (may be NULL). */
    ShaleCode (*status)(ShaleIter *it, ShaleError *err);
    /* Frees the iterator's own memory (not the cleanups: shale_iter_destroy runs those). */
    void (*destroy)(ShaleIter *it);
} ShaleIterOps;

typedef struct ShaleIterCleanup {
    void (*fn)(void *a, void *b);
    void *a, *b;
    struct ShaleIterCleanup *next;
} ShaleIterCleanup;

struct ShaleIter {
    const ShaleIterOps *ops;
    ShaleIterCleanup *cleanups;
};

static inline void shale_iter_init(ShaleIter *it, const ShaleIterOps *ops)
{
    it->ops = ops;
    it->cleanups = NULL;
}

static inline bool shale_iter_valid(ShaleIter *it) { return it->ops->valid(it); }
static inline void shale_iter_seek_to_first(ShaleIter *it) { it->ops->seek_to_first(it); }
static inline void shale_iter_seek_to_last(ShaleIter *it) { it->ops->seek_to_last(it); }
static inline void shale_iter_seek(ShaleIter *it, ShaleSlice t) { it->ops->seek(it, t); }
static inline void shale_iter_next(ShaleIter *it) { it->ops->next(it); }
static inline void shale_iter_prev(ShaleIter *it) { it->ops->prev(it); }
static inline ShaleSlice shale_iter_key(ShaleIter *it) { return it->ops->key(it); }
static inline ShaleSlice shale_iter_value(ShaleIter *it) { return it->ops->value(it); }
static inline ShaleCode shale_iter_status(ShaleIter *it, ShaleError *err) { return it->ops->status(it, err); }

/* Registers fn(a, b) to run after the iterator is destroyed. Returns false on OOM (the
 * caller must then run fn itself). */
bool shale_iter_register_cleanup(ShaleIter *it, void (*fn)(void *a, void *b), void *a, void *b) SHALE_WARN_UNUSED;
/* Destroys it (NULL is fine) and then runs its cleanups. */
void shale_iter_destroy(ShaleIter *it);

/* An iterator over nothing that reports the given error (SHALE_OK for a plain empty one).
 * Returns NULL only when malloc fails. Caller destroys. */
ShaleIter *shale_iter_new_error(ShaleCode code, const char *msg);

#endif
