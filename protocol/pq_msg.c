/* pq_msg.c -- the bounded message reader and the length-back-patching message builder
 * (formats in pq_msg.h). */
#include "protocol/pq_msg.h"

#include <limits.h>
#include <string.h>

uint8_t pq_reader_get_byte(PqReader *r)
{
    if (r->failed || r->end - r->p < 1) {
        r->failed = true;
        return 0;
    }
    return (uint8_t)*r->p++;
}

int16_t pq_reader_get_int16(PqReader *r)
{
    if (r->failed || r->end - r->p < 2) {
        r->failed = true;
        return 0;
    }
    const uint8_t *u = (const uint8_t *)r->p;
    r->p += 2;
    return (int16_t)(uint16_t)((unsigned)u[0] << 8 | u[1]);
}

int32_t pq_reader_get_int32(PqReader *r)
{
    if (r->failed || r->end - r->p < 4) {
        r->failed = true;
        return 0;
    }
    uint32_t v = pq_get_be32(r->p);
    r->p += 4;
    return (int32_t)v;
}

const char *pq_reader_get_string(PqReader *r)
{
    if (r->failed || r->p >= r->end) {
        r->failed = true;
        return "";
    }
    const char *nul = memchr(r->p, '\0', (size_t)(r->end - r->p));
    if (!nul) {
        r->failed = true;
        return "";
    }
    const char *s = r->p;
    r->p = nul + 1;
    return s;
}

const char *pq_reader_get_bytes(PqReader *r, size_t n)
{
    if (r->failed || (size_t)(r->end - r->p) < n) {
        r->failed = true;
        return NULL;
    }
    const char *s = r->p;
    r->p += n;
    return s;
}

bool pq_reader_end(const PqReader *r)
{
    return !r->failed && r->p == r->end;
}

void pq_builder_begin(PqBuilder *b, ShaleBuf *out, char type)
{
    b->out = out;
    if (type)
        shale_buf_append_byte(out, (uint8_t)type);
    b->len_at = out->len;
    static const char zero[4] = {0, 0, 0, 0};
    shale_buf_append(out, zero, 4);
}

void pq_builder_put_byte(PqBuilder *b, uint8_t v)
{
    shale_buf_append_byte(b->out, v);
}

void pq_builder_put_int16(PqBuilder *b, int16_t v)
{
    uint8_t u[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    shale_buf_append(b->out, u, 2);
}

void pq_builder_put_int32(PqBuilder *b, int32_t v)
{
    uint8_t u[4];
    pq_put_be32(u, (uint32_t)v);
    shale_buf_append(b->out, u, 4);
}

void pq_builder_put_string(PqBuilder *b, const char *s)
{
    shale_buf_append(b->out, s, strlen(s) + 1);
}

void pq_builder_put_bytes(PqBuilder *b, const void *data, size_t n)
{
    if (n)
        shale_buf_append(b->out, data, n);
}

void pq_builder_end(PqBuilder *b)
{
    ShaleBuf *out = b->out;
    if (out->oom)
        return;
    size_t n = out->len - b->len_at;
    if (n > INT32_MAX) {
        out->oom = true;
        return;
    }
    pq_put_be32(out->data + b->len_at, (uint32_t)n);
}
