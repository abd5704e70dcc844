/* pq_frame.c -- framing of the received byte stream into whole messages (pq_frame.h). */
#include "protocol/pq_frame.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/pq_msg.h"

/* The read buffer starts here and shrinks back to it once a large message is consumed. */
#define PQ_FRAME_INITIAL 16384

void pq_frame_init(PqFramer *f)
{
    f->buf = NULL;
    f->cap = f->start = f->end = 0;
}

void pq_frame_free(PqFramer *f)
{
    free(f->buf);
    pq_frame_init(f);
}

size_t pq_frame_wanted(const PqFramer *f, bool startup)
{
    size_t hdr = startup ? 4 : 5;
    if (f->end - f->start < hdr)
        return 0;
    uint32_t len = pq_get_be32(f->buf + f->start + (startup ? 0 : 1));
    return (size_t)len + (startup ? 0 : 1);
}

PqFrameStatus pq_frame_next(PqFramer *f, bool startup, size_t max_len, PqFrame *out)
{
    size_t avail = f->end - f->start;
    const char *p = f->buf + f->start;
    if (startup) {
        if (avail < 4)
            return PQ_FRAME_NEED_MORE;
        uint32_t len = pq_get_be32(p);
        out->declared_len = len;
        if (len < 8)
            return PQ_FRAME_BAD_LENGTH;
        if (len > max_len)
            return PQ_FRAME_TOO_LARGE;
        if (avail < len)
            return PQ_FRAME_NEED_MORE;
        out->type = 0;
        out->code = (int32_t)pq_get_be32(p + 4);
        out->payload = p + 8;
        out->len = len - 8;
        f->start += len;
    } else {
        if (avail < 5)
            return PQ_FRAME_NEED_MORE;
        uint32_t len = pq_get_be32(p + 1);
        out->declared_len = len;
        if (len < 4)
            return PQ_FRAME_BAD_LENGTH;
        if (len > max_len)
            return PQ_FRAME_TOO_LARGE;
        if (avail - 1 < len)
            return PQ_FRAME_NEED_MORE;
        out->type = (uint8_t)p[0];
        out->code = 0;
        out->payload = p + 5;
        out->len = len - 4;
        f->start += (size_t)len + 1;
    }
    return PQ_FRAME_MESSAGE;
}

size_t pq_frame_space(PqFramer *f, size_t min_room, char **dst)
{
    size_t pending = f->end - f->start;
    if (f->start > 0) {
        /* Compact: unread bytes move to the front (earlier frames become invalid). */
        if (pending)
            memmove(f->buf, f->buf + f->start, pending);
        f->start = 0;
        f->end = pending;
    }
    if (min_room < 1)
        min_room = 1;
    size_t need = pending + min_room;
    if (need < PQ_FRAME_INITIAL)
        need = PQ_FRAME_INITIAL;
    if (f->cap < need || (f->cap > 4 * PQ_FRAME_INITIAL && need <= PQ_FRAME_INITIAL)) {
        /* Grow for a large message (at least doubling, so a message read in pieces costs
         * amortised O(1) per byte), or shrink back once it is gone. */
        if (f->cap < need && need < 2 * f->cap)
            need = 2 * f->cap;
        char *nb = realloc(f->buf, need);
        if (!nb) {
            if (f->cap >= need && f->buf) {
                *dst = f->buf + f->end;
                return f->cap - f->end;
            }
            return 0;
        }
        f->buf = nb;
        f->cap = need;
    }
    *dst = f->buf + f->end;
    return f->cap - f->end;
}
