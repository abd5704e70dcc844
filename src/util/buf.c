/* buf.c -- growable byte buffer (see buf.h). */
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#include "util/coding.h"

void shale_buf_free(ShaleBuf *b)
{
    free(b->data);
    shale_buf_init(b);
}

bool shale_buf_reserve(ShaleBuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->cap - b->len >= extra)
        return true;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void shale_buf_append(ShaleBuf *b, const void *data, size_t n)
{
    if (!shale_buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
}

void shale_buf_append_byte(ShaleBuf *b, uint8_t c)
{
    shale_buf_append(b, &c, 1);
}

void shale_buf_append_fixed32(ShaleBuf *b, uint32_t v)
{
    char tmp[4];
    shale_put_fixed32(tmp, v);
    shale_buf_append(b, tmp, 4);
}

void shale_buf_append_fixed64(ShaleBuf *b, uint64_t v)
{
    char tmp[8];
    shale_put_fixed64(tmp, v);
    shale_buf_append(b, tmp, 8);
}

void shale_buf_append_varint32(ShaleBuf *b, uint32_t v)
{
    char tmp[5];
    shale_buf_append(b, tmp, (size_t)(shale_encode_varint32(tmp, v) - tmp));
}

void shale_buf_append_varint64(ShaleBuf *b, uint64_t v)
{
    char tmp[10];
    shale_buf_append(b, tmp, (size_t)(shale_encode_varint64(tmp, v) - tmp));
}

void shale_buf_append_lenprefixed(ShaleBuf *b, const void *data, size_t n)
{
    shale_buf_append_varint64(b, n);
    shale_buf_append(b, data, n);
}
