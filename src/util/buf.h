/* buf.h -- growable byte buffer with a sticky out-of-memory flag: once an append fails,
 * later appends do nothing and the owner checks buf.oom once at the end. Owns its bytes;
 * free with shale_buf_free. */
#ifndef SHALE_UTIL_BUF_H
#define SHALE_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/slice.h"

typedef struct ShaleBuf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} ShaleBuf;

static inline void shale_buf_init(ShaleBuf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void shale_buf_free(ShaleBuf *b);
/* Ensures room for extra more bytes; false (and oom set) on failure. */
bool shale_buf_reserve(ShaleBuf *b, size_t extra);
void shale_buf_append(ShaleBuf *b, const void *data, size_t n);
void shale_buf_append_byte(ShaleBuf *b, uint8_t c);
void shale_buf_append_fixed32(ShaleBuf *b, uint32_t v);
void shale_buf_append_fixed64(ShaleBuf *b, uint64_t v);
void shale_buf_append_varint32(ShaleBuf *b, uint32_t v);
void shale_buf_append_varint64(ShaleBuf *b, uint64_t v);
/* varint length followed by the bytes. */
void shale_buf_append_lenprefixed(ShaleBuf *b, const void *data, size_t n);

static inline void shale_buf_reset(ShaleBuf *b)
{
    b->len = 0;
}

static inline ShaleSlice shale_buf_slice(const ShaleBuf *b)
{
    return shale_slice(b->data, b->len);
}

#endif
