/* pq_msg.h -- PostgreSQL protocol 3.0 messages: the type bytes as one enum, a bounded cursor
 * reader over one received message, and a builder that appends outgoing messages to a
 * ShaleBuf with a back-patched length.
 *
 * Wire format of every message after the startup packet (all integers big-endian):
 *   type:u8 | length:int32 (counts itself and the payload, not the type byte) | payload
 * Startup-phase packets have no type byte: length:int32 | code:int32 | payload.
 *
 * Both halves use sticky failure: after the first out-of-bounds read the reader returns
 * zeros/"" and pq_reader_end() reports false; after the first allocation failure the builder
 * (through ShaleBuf.oom) appends nothing and the owner checks once. Nothing here touches a
 * socket or knows about connection state (see pq_frame.h and pq_conn.c). */
#ifndef SHALE_PROTOCOL_PQ_MSG_H
#define SHALE_PROTOCOL_PQ_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Message type bytes. Frontend and backend share some letters ('C', 'D', 'E', 'S', 'd', 'c'),
 * so duplicate values are deliberate. */
typedef enum PqMsgType {
    /* frontend -> backend */
    PQ_FE_BIND = 'B',
    PQ_FE_CLOSE = 'C',
    PQ_FE_COPY_DATA = 'd',
    PQ_FE_COPY_DONE = 'c',
    PQ_FE_COPY_FAIL = 'f',
    PQ_FE_DESCRIBE = 'D',
    PQ_FE_EXECUTE = 'E',
    PQ_FE_FLUSH = 'H',
    PQ_FE_FUNCTION_CALL = 'F',
    PQ_FE_PARSE = 'P',
    PQ_FE_PASSWORD = 'p',     /* also SASL initial/response messages */
    PQ_FE_QUERY = 'Q',
    PQ_FE_SYNC = 'S',
    PQ_FE_TERMINATE = 'X',
    /* backend -> frontend */
    PQ_BE_AUTHENTICATION = 'R',
    PQ_BE_BACKEND_KEY_DATA = 'K',
    PQ_BE_BIND_COMPLETE = '2',
    PQ_BE_CLOSE_COMPLETE = '3',
    PQ_BE_COMMAND_COMPLETE = 'C',
    PQ_BE_COPY_DATA = 'd',
    PQ_BE_COPY_DONE = 'c',
    PQ_BE_COPY_IN_RESPONSE = 'G',
    PQ_BE_COPY_OUT_RESPONSE = 'H',
    PQ_BE_DATA_ROW = 'D',
    PQ_BE_EMPTY_QUERY_RESPONSE = 'I',
    PQ_BE_ERROR_RESPONSE = 'E',
    PQ_BE_NEGOTIATE_PROTOCOL_VERSION = 'v',
    PQ_BE_NO_DATA = 'n',
    PQ_BE_NOTICE_RESPONSE = 'N',
    PQ_BE_PARAMETER_DESCRIPTION = 't',
    PQ_BE_PARAMETER_STATUS = 'S',
    PQ_BE_PARSE_COMPLETE = '1',
    PQ_BE_PORTAL_SUSPENDED = 's',
    PQ_BE_READY_FOR_QUERY = 'Z',
    PQ_BE_ROW_DESCRIPTION = 'T'
} PqMsgType;

/* Startup-phase request codes (the int32 after the length). */
#define PQ_PROTOCOL_3_0 196608          /* 3 << 16 | 0 */
#define PQ_CANCEL_REQUEST_CODE 80877102 /* 1234 << 16 | 5678 */
#define PQ_SSL_REQUEST_CODE 80877103    /* 1234 << 16 | 5679 */
#define PQ_GSSENC_REQUEST_CODE 80877104 /* 1234 << 16 | 5680 */

/* Authentication request subcodes ('R' payload's first int32). */
enum {
    PQ_AUTH_OK = 0,
    PQ_AUTH_CLEARTEXT_PASSWORD = 3,
    PQ_AUTH_MD5_PASSWORD = 5,
    PQ_AUTH_SASL = 10,
    PQ_AUTH_SASL_CONTINUE = 11,
    PQ_AUTH_SASL_FINAL = 12
};

/* --- reader ----------------------------------------------------------------------------- */

/* A cursor over one message payload. It borrows the bytes (they live in the framer's read
 * buffer until the next read); strings it returns point into them. */
typedef struct PqReader {
    const char *p;      /* next unread byte */
    const char *end;    /* one past the payload */
    bool failed;        /* sticky: a read ran past end or a string had no NUL */
} PqReader;

static inline void pq_reader_init(PqReader *r, const char *data, size_t n)
{
    r->p = data;
    r->end = data + n;
    r->failed = false;
}

uint8_t pq_reader_get_byte(PqReader *r);
int16_t pq_reader_get_int16(PqReader *r);
int32_t pq_reader_get_int32(PqReader *r);
/* A NUL-terminated string wholly inside the payload; "" (and failed) when there is none.
 * The result points into the payload. */
const char *pq_reader_get_string(PqReader *r);
/* n raw bytes; NULL (and failed) when fewer remain. Points into the payload. */
const char *pq_reader_get_bytes(PqReader *r, size_t n);
/* Bytes not yet read. */
static inline size_t pq_reader_remaining(const PqReader *r)
{
    return r->failed ? 0 : (size_t)(r->end - r->p);
}
/* True when nothing failed and the whole payload was consumed (PostgreSQL's pq_getmsgend);
 * the caller answers false with 08P01 "invalid message format". */
bool pq_reader_end(const PqReader *r);

/* --- builder ---------------------------------------------------------------------------- */

/* Appends one message to out (borrowed; the connection's output buffer). Between begin and
 * end only the pq_builder_put_* calls may append to out. */
typedef struct PqBuilder {
    ShaleBuf *out;
    size_t len_at;      /* offset of the length field in out */
} PqBuilder;

/* type 0 = no type byte (startup-phase packets, which clients send; used by tests). */
void pq_builder_begin(PqBuilder *b, ShaleBuf *out, char type);
void pq_builder_put_byte(PqBuilder *b, uint8_t v);
void pq_builder_put_int16(PqBuilder *b, int16_t v);
void pq_builder_put_int32(PqBuilder *b, int32_t v);
/* s and its NUL terminator. */
void pq_builder_put_string(PqBuilder *b, const char *s);
void pq_builder_put_bytes(PqBuilder *b, const void *data, size_t n);
/* Back-patches the length. A message over INT32_MAX bytes sets out->oom. */
void pq_builder_end(PqBuilder *b);

/* Big-endian helpers shared by the framer. */
static inline uint32_t pq_get_be32(const void *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static inline void pq_put_be32(void *p, uint32_t v)
{
    uint8_t *u = (uint8_t *)p;
    u[0] = (uint8_t)(v >> 24);
    u[1] = (uint8_t)(v >> 16);
    u[2] = (uint8_t)(v >> 8);
    u[3] = (uint8_t)v;
}

#endif
