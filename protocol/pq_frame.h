/* pq_frame.h -- framing: collects received bytes until one whole message is in, and checks
 * its length before anything looks inside it. Knows only the envelope (pq_msg.h's header
 * comment), not what any message means, and does no I/O itself: the connection reads into
 * the space pq_frame_space() offers and reports the bytes with pq_frame_commit().
 *
 * Invariant: buf[start, end) holds received bytes not yet handed out; a message returned by
 * pq_frame_next() stays valid until the next pq_frame_space() call (which may compact or
 * grow the buffer). Many small pipelined messages are handed out from one read. */
#ifndef SHALE_PROTOCOL_PQ_FRAME_H
#define SHALE_PROTOCOL_PQ_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct PqFramer {
    char *buf;          /* owned; freed by pq_frame_free */
    size_t cap;
    size_t start;       /* first byte not yet handed out */
    size_t end;         /* one past the last received byte */
} PqFramer;

typedef enum PqFrameStatus {
    PQ_FRAME_MESSAGE = 0,    /* *out is one whole message */
    PQ_FRAME_NEED_MORE,      /* no whole message buffered yet; read more */
    PQ_FRAME_BAD_LENGTH,     /* length field below the minimum: the stream is lost */
    PQ_FRAME_TOO_LARGE       /* length field above the limit: refuse without buffering it */
} PqFrameStatus;

typedef struct PqFrame {
    uint8_t type;            /* 0 for startup-phase packets */
    int32_t code;            /* startup-phase packets only: the int32 after the length */
    const char *payload;     /* borrowed from the framer (see the invariant above) */
    size_t len;              /* payload bytes (after the length, and after code for startup) */
    uint32_t declared_len;   /* the length field as sent (for error messages) */
} PqFrame;

void pq_frame_init(PqFramer *f);
void pq_frame_free(PqFramer *f);

/* Extracts the next message. startup: the packet has no type byte and its length must be
 * 8..max_len; otherwise the length must be 4..max_len. A refused length leaves the framer
 * unusable (the caller closes the connection). */
PqFrameStatus pq_frame_next(PqFramer *f, bool startup, size_t max_len, PqFrame *out);

/* Room to read into: at least min_room bytes at *dst (grows the buffer, keeping unread
 * bytes). Returns the room, or 0 when memory ran out. Invalidates earlier frames. */
size_t pq_frame_space(PqFramer *f, size_t min_room, char **dst);
/* n bytes were read into the space. */
static inline void pq_frame_commit(PqFramer *f, size_t n)
{
    f->end += n;
}

/* Bytes received but not handed out (a partial message when > 0 after NEED_MORE). */
static inline size_t pq_frame_pending(const PqFramer *f)
{
    return f->end - f->start;
}

/* Bytes the next message needs in total (header + payload) when its header is in,
 * else 0. Lets the reader grow the buffer for one large message at once. */
size_t pq_frame_wanted(const PqFramer *f, bool startup);

#endif
