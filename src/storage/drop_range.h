/* drop_range.h -- the set of dropped user-key ranges a Version carries (shale_db_drop_range).
 *
 * A DropSet is an immutable, sorted array of disjoint half-open ranges [begin, end) of user
 * keys; adjacent or overlapping drops are merged. Every key inside a range is dead: reads
 * skip it, flushes and compactions discard it, and files wholly inside a range leave the
 * version. A set is shared by every Version built while it is unchanged (atomic refs), so
 * readers use it without the DB mutex.
 *
 * The only mutable field is DropRange.horizon (runtime state, never persisted, read and
 * written under the DB mutex): the id of the memtable that was current when the range was
 * dropped. Until that memtable's flush is installed, a memtable or live WAL may still hold
 * keys of the range, so the range must not be forgotten. */
#ifndef SHALE_STORAGE_DROP_RANGE_H
#define SHALE_STORAGE_DROP_RANGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/slice.h"

typedef struct DropRange {
    ShaleSlice begin, end;      /* bytes owned by the set; begin < end */
    uint64_t horizon;           /* (DB mutex) see above; 0 after recovery */
} DropRange;

typedef struct DropSet {
    atomic_int refs;
    size_t n;                   /* >= 1: an empty set is represented by NULL */
    DropRange *r;               /* sorted by begin, disjoint, non-adjacent */
} DropSet;

/* A range operation of a version edit; begin/end are owned copies. */
typedef struct EditRange {
    ShaleBuf begin, end;
} EditRange;

void drop_set_ref(DropSet *s);
/* Drops a reference; the last frees the set. NULL is a no-op. */
void drop_set_unref(DropSet *s);

/* The set that results from base (NULL = empty) after removing every range equal to one of
 * forget[] and adding (merging) every range of add[]. Deterministic: recovery replays the
 * same operations to the same set. *out is a new set with one reference, or NULL when empty.
 * Returns false on OOM (*out NULL). Horizons are kept; a merged range takes the maximum. */
bool drop_set_apply(const DropSet *base, const EditRange *forget, size_t n_forget,
                    const EditRange *add, size_t n_add, DropSet **out);

/* The range containing ukey, or NULL. s may be NULL. */
const DropRange *drop_set_find(const DropSet *s, ShaleSlice ukey);
/* The first range whose end is > ukey (it contains ukey or lies after it), or NULL. */
const DropRange *drop_set_next(const DropSet *s, ShaleSlice ukey);
/* True if some range intersects the user-key interval [small, large]. */
bool drop_set_overlaps(const DropSet *s, ShaleSlice small, ShaleSlice large);
/* True if one range contains all of [small, large]. */
bool drop_set_covers(const DropSet *s, ShaleSlice small, ShaleSlice large);
/* Index of the range equal to [begin, end) in s, or -1. */
long drop_set_index_of(const DropSet *s, ShaleSlice begin, ShaleSlice end);

#endif
