/* db_iter.h -- turns a merged stream of internal keys into the public iterator: at most one
 * entry per user key (the newest visible at the snapshot), deletions hidden. */
#ifndef SHALE_STORAGE_DB_ITER_H
#define SHALE_STORAGE_DB_ITER_H

#include <stdint.h>

#include "storage/drop_range.h"
#include "storage/iterator.h"
#include "storage/shale_storage.h"

/* Takes ownership of internal. Keys inside a range of drops (may be NULL; borrowed: it
 * must live until release runs, e.g. through the Version the release unrefs) are skipped. release(a, b) runs at destroy, after internal is gone (it
 * drops the memtable/version/snapshot references the stream reads from). NULL on OOM
 * (internal destroyed and release run). */
ShaleDBIter *db_iter_new(ShaleIter *internal, uint64_t seq, const DropSet *drops, void (*release)(void *a, void *b), void *a, void *b);

#endif
