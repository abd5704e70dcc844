/* memtable.h -- the in-memory write buffer: a skiplist of internal keys in an arena.
 *
 * Concurrency: at most one thread adds at a time (the DB's write leader; callers serialise
 * adds), while any number of threads read and iterate concurrently without locks (entries
 * are published with release stores and never removed or changed). A memtable is reference
 * counted: the DB holds one ref, every reader or iterator that uses it holds another. */
#ifndef SHALE_STORAGE_MEMTABLE_H
#define SHALE_STORAGE_MEMTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/dbformat.h"
#include "storage/iterator.h"
#include "util/slice.h"
#include "util/status.h"

typedef struct MemTable MemTable;

/* A new empty memtable with one reference (the caller's). NULL on OOM. */
MemTable *memtable_new(void);
void memtable_ref(MemTable *m);
/* Drops a reference; the last one frees the memtable. */
void memtable_unref(MemTable *m);

/* Adds (key, seq, kind) -> value. Copies key and value into the arena.
 * REQUIRES: external serialisation of adds; (key, seq) not already present.
 * SHALE_NO_MEMORY on OOM (nothing added). */
ShaleCode memtable_add(MemTable *m, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value) SHALE_WARN_UNUSED;

typedef enum MemGetResult {
    MEM_GET_NOT_PRESENT,   /* no version of key at or below the lookup sequence here */
    MEM_GET_FOUND,         /* *value set (points into the memtable; valid while a ref is held) */
    MEM_GET_DELETED        /* the newest visible version is a deletion */
} MemGetResult;

/* Newest version of key with sequence <= seq. */
MemGetResult memtable_get(MemTable *m, ShaleSlice key, uint64_t seq, ShaleSlice *value);

/* An iterator over internal keys in order; it holds a reference on m until destroyed.
 * NULL on OOM. */
ShaleIter *memtable_iter(MemTable *m);

/* Approximate bytes used (arena + skiplist nodes); safe from any thread. */
size_t memtable_bytes(const MemTable *m);
uint64_t memtable_n_entries(const MemTable *m);

#endif
