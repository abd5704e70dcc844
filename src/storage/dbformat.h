/* dbformat.h -- internal keys and their order.
 *
 * Internal key = user key | fixed64 little-endian trailer, trailer = (seq << 8) | kind.
 * Order: user keys by memcmp (a proper prefix first), then trailer DESCENDING, so for one
 * user key the newest version comes first and a seek to (key, snapshot_seq, KIND_SEEK)
 * lands on the newest version visible at the snapshot. Sequence numbers fit in 56 bits. */
#ifndef SHALE_STORAGE_DBFORMAT_H
#define SHALE_STORAGE_DBFORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/coding.h"
#include "util/slice.h"

typedef enum ShaleKind {
    SHALE_KIND_DELETE = 0,
    SHALE_KIND_VALUE = 1
} ShaleKind;

/* The highest kind: seeking with it finds every kind at the given sequence. */
#define SHALE_KIND_SEEK SHALE_KIND_VALUE
#define SHALE_MAX_SEQUENCE ((UINT64_C(1) << 56) - 1)
#define SHALE_IKEY_TRAILER 8

static inline uint64_t shale_pack_trailer(uint64_t seq, ShaleKind kind)
{
    return (seq << 8) | (uint64_t)kind;
}

/* Appends the internal key for (user_key, seq, kind) to b. */
static inline void shale_ikey_append(ShaleBuf *b, ShaleSlice user_key, uint64_t seq, ShaleKind kind)
{
    shale_buf_append(b, user_key.data, user_key.size);
    shale_buf_append_fixed64(b, shale_pack_trailer(seq, kind));
}

/* REQUIRES: ikey.size >= 8 (checked by whoever decoded it from disk). */
static inline ShaleSlice shale_ikey_user(ShaleSlice ikey)
{
    return shale_slice(ikey.data, ikey.size - SHALE_IKEY_TRAILER);
}

static inline uint64_t shale_ikey_trailer(ShaleSlice ikey)
{
    return shale_get_fixed64(ikey.data + ikey.size - SHALE_IKEY_TRAILER);
}

static inline uint64_t shale_ikey_seq(ShaleSlice ikey)
{
    return shale_ikey_trailer(ikey) >> 8;
}

static inline ShaleKind shale_ikey_kind(ShaleSlice ikey)
{
    return (ShaleKind)(shale_ikey_trailer(ikey) & 0xff);
}

/* True when ikey is long enough and its kind byte is known: what a decoder from disk checks. */
static inline bool shale_ikey_well_formed(ShaleSlice ikey)
{
    return ikey.size >= SHALE_IKEY_TRAILER && (shale_ikey_trailer(ikey) & 0xff) <= SHALE_KIND_VALUE;
}

static inline int shale_ikey_compare(ShaleSlice a, ShaleSlice b)
{
    int r = shale_slice_compare(shale_ikey_user(a), shale_ikey_user(b));
    if (r == 0) {
        uint64_t ta = shale_ikey_trailer(a), tb = shale_ikey_trailer(b);
        r = ta > tb ? -1 : (ta < tb);
    }
    return r;
}

#endif
