/* write_batch_int.h -- the encoded form of a write batch, which is also the payload of one
 * WAL record:
 *
 *   seq:fixed64 | count:fixed32 | count x entry
 *   entry = kind:u8 (0 delete, 1 value) | klen:varint32 | key | [vlen:varint32 | value]  (value kind only)
 *
 * Entry i of the batch gets sequence number seq + i. */
#ifndef SHALE_STORAGE_WRITE_BATCH_INT_H
#define SHALE_STORAGE_WRITE_BATCH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/dbformat.h"
#include "util/buf.h"
#include "util/slice.h"
#include "util/status.h"

#define BATCH_HEADER_SIZE 12

struct ShaleWriteBatch {
    ShaleBuf rep; /* always at least BATCH_HEADER_SIZE bytes, unless rep.oom */
};

/* The encoded bytes. */
static inline ShaleSlice batch_contents(const struct ShaleWriteBatch *b)
{
    return shale_buf_slice(&b->rep);
}

/* True when building b failed (out of memory, an entry over 4 GiB, more than 2^32-1
 * entries): the contents are unusable and the batch must be refused (SHALE_NO_MEMORY).
 * Sticky until shale_batch_clear. */
bool batch_oom(const struct ShaleWriteBatch *b);

/* seq of the header (0 for a failed batch). */
uint64_t batch_sequence(const struct ShaleWriteBatch *b);
void batch_set_sequence(struct ShaleWriteBatch *b, uint64_t seq);
/* Appends src's entries to dst (count adjusted). */
void batch_append(struct ShaleWriteBatch *dst, const struct ShaleWriteBatch *src);
/* Replaces b's contents with rep (e.g. a record read from the WAL). Returns
 * SHALE_CORRUPTION if rep is shorter than the header. */
ShaleCode batch_set_contents(struct ShaleWriteBatch *b, ShaleSlice rep, ShaleError *err) SHALE_WARN_UNUSED;

/* Calls fn once per entry, in order, with that entry's sequence number. Stops at the first
 * non-OK return of fn and returns it. A malformed encoding (truncated entry, unknown kind,
 * count not matching the entries, trailing bytes) returns SHALE_CORRUPTION before fn is
 * called for any entry: the batch is validated whole first. */
ShaleCode batch_iterate(ShaleSlice rep,
                        ShaleCode (*fn)(void *arg, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value),
                        void *arg, ShaleError *err) SHALE_WARN_UNUSED;

#endif
