/* counters.h -- statistics counters shared by the storage modules of one database.
 * Relaxed atomics: they are statistics, not synchronisation. Owned by the ShaleDB. */
#ifndef SHALE_STORAGE_COUNTERS_H
#define SHALE_STORAGE_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct StorageCounters {
    atomic_uint_fast64_t bloom_checks;          /* point lookups that consulted a filter */
    atomic_uint_fast64_t bloom_useful;          /* filter said absent: a block read saved */
    atomic_uint_fast64_t bloom_false_positives; /* filter said maybe, key absent from the table */
} StorageCounters;

#define STORAGE_COUNTER_ADD(ctr, field, n) \
    do { if (ctr) atomic_fetch_add_explicit(&(ctr)->field, (n), memory_order_relaxed); } while (0)
#define STORAGE_COUNTER_GET(ctr, field) atomic_load_explicit(&(ctr)->field, memory_order_relaxed)

#endif
