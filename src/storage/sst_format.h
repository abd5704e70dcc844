/* sst_format.h -- the on-disk constants of an SSTable: block handles, the block trailer and
 * the footer. The full byte-by-byte layout is in docs/file-formats.md ("SSTable").
 *
 * File:    data block* | filter block? | properties block | index block | footer (64 bytes)
 * Block:   contents | type (1 byte: 0 raw, 1 LZ4) | masked crc32c(contents | type) (fixed32)
 *          An LZ4 block's contents are varint32 raw length | LZ4 block payload.
 * Handle:  varint64 offset | varint64 size   (size counts the contents, not the trailer)
 * Footer:  fixed64 index offset, index size, filter offset, filter size, props offset,
 *          props size | fixed32 format version (1) | fixed32 masked crc32c of the other 60
 *          footer bytes (bytes 0..51 then 56..63) | fixed64 magic.
 *          A filter handle of (0, 0) means the table has no filter block. */
#ifndef SHALE_STORAGE_SST_FORMAT_H
#define SHALE_STORAGE_SST_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/coding.h"

#define SST_BLOCK_TRAILER 5            /* type byte + fixed32 masked crc */
#define SST_BLOCK_RAW 0
#define SST_BLOCK_LZ4 1
#define SST_FOOTER_SIZE 64
#define SST_FORMAT_VERSION 1u
#define SST_MAGIC UINT64_C(0x545353454c414853) /* the bytes "SHALESST" on disk */
#define SST_HANDLE_MAX 20              /* two varint64 */
/* No block on disk or in memory may exceed this (a sanity bound for untrusted sizes). */
#define SST_BLOCK_MAX (UINT32_C(1) << 30)

typedef struct SstBlockHandle {
    uint64_t offset; /* of the block's first byte in the file */
    uint64_t size;   /* contents bytes, excluding the 5-byte trailer */
} SstBlockHandle;

/* Writes h at p (at most SST_HANDLE_MAX bytes); returns the byte after it. */
static inline char *sst_handle_encode(char *p, SstBlockHandle h)
{
    p = shale_encode_varint64(p, h.offset);
    return shale_encode_varint64(p, h.size);
}

/* Decodes a handle from [p, end); NULL when truncated or overlong. */
static inline const char *sst_handle_decode(const char *p, const char *end, SstBlockHandle *h)
{
    p = shale_decode_varint64(p, end, &h->offset);
    if (p)
        p = shale_decode_varint64(p, end, &h->size);
    return p;
}

typedef struct SstFooter {
    SstBlockHandle index;
    SstBlockHandle filter; /* (0, 0): no filter */
    SstBlockHandle props;
    uint32_t version;
} SstFooter;

#endif
