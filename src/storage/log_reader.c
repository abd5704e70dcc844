/* log_reader.c -- reads the record log sequentially and classifies how it ends (the byte
 * layout is at the top of log_writer.c).
 *
 * The reader owns one buffer holding the bytes [pos, end) not yet consumed, read from the
 * file in LOG_READ_CHUNK pieces; it grows (doubling, never past what the file really holds)
 * when a record is larger than the buffer. How a log ends decides recovery:
 *
 *   EOF      the file ends exactly at a record boundary;
 *   TORN     the file ends inside a header or a payload, or every byte from the record's
 *            start to the end of the file is zero (a file system that extended the file
 *            before the data reached it) -- an append cut short by a crash;
 *   CORRUPT  a complete record fails len_crc or data_crc (and is not all zeros), a length
 *            with a valid len_crc is >= LOG_MAX_RECORD, or reading failed (err->code then
 *            carries the I/O code).
 *
 * States:  READING -> EOF | TORN | CORRUPT [log_reader_read]; the last three are sticky: the
 * same result (and error) is returned by every later call. */
#include "storage/log_format.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/coding.h"
#include "util/crc32c.h"

#define LOG_READ_CHUNK (64 * 1024)

struct LogReader {
    ShaleSeqFile *f;        /* not owned */
    char *buf;              /* owned; cap bytes */
    size_t cap;
    size_t pos, end;        /* unconsumed bytes are buf[pos, end) */
    uint64_t buf_offset;    /* file offset of buf[0] (relative to the starting position) */
    uint64_t good_offset;   /* just past the last record returned */
    bool file_eof;          /* the file returned 0 bytes: nothing more will come */
    LogReadResult final;    /* LOG_READ_RECORD while reading, else the sticky result */
    ShaleError final_err;   /* the error that goes with a sticky TORN / CORRUPT */
};

/* Returns a reader the caller frees with log_reader_free; f stays owned by the caller. */
LogReader *log_reader_new(ShaleSeqFile *f)
{
    LogReader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cap = LOG_READ_CHUNK;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->f = f;
    r->final = LOG_READ_RECORD;
    shale_error_clear(&r->final_err);
    return r;
}

void log_reader_free(LogReader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

uint64_t log_reader_good_offset(const LogReader *r)
{
    return r->good_offset;
}

/* Makes the reader sticky at res; err (may be NULL) receives the stored error. */
static LogReadResult reader_stop(LogReader *r, LogReadResult res, ShaleError *err)
{
    r->final = res;
    if (err)
        *err = r->final_err;
    return res;
}

/* Tries to have at least need unconsumed bytes in the buffer, reading from the file until
 * it has them or the file ends. OK with fewer bytes means the file ended; a non-OK code is
 * a read or allocation failure (r->final_err filled). */
static ShaleCode reader_fill(LogReader *r, size_t need)
{
    while (r->end - r->pos < need && !r->file_eof) {
        if (r->cap - r->pos < need || r->cap == r->end) {
            /* slide the unconsumed bytes to the front, then grow if still too small */
            if (r->pos > 0) {
                memmove(r->buf, r->buf + r->pos, r->end - r->pos);
                r->buf_offset += r->pos;
                r->end -= r->pos;
                r->pos = 0;
            }
            if (r->cap < need && r->cap == r->end) {
                size_t ncap = r->cap * 2;
                if (ncap < r->cap || ncap > need)
                    ncap = need;
                char *nb = realloc(r->buf, ncap);
                if (!nb)
                    return SHALE_ERR_NOMEM(&r->final_err, "log reader: cannot allocate %zu bytes", ncap);
                r->buf = nb;
                r->cap = ncap;
            }
        }
        size_t got = 0;
        ShaleCode rc = shale_sfile_read(r->f, r->cap - r->end, r->buf + r->end, &got, &r->final_err);
        if (rc != SHALE_OK)
            return rc;
        if (got == 0)
            r->file_eof = true;
        r->end += got;
    }
    return SHALE_OK;
}

typedef enum ZeroCheck { REST_ZERO, REST_NONZERO, REST_READ_ERROR } ZeroCheck;

/* Whether every byte from buf[pos] to the end of the file is zero. Consumes the file (the
 * reader is about to stop anyway). REST_READ_ERROR leaves the error in r->final_err. */
static ZeroCheck reader_rest_is_zero(LogReader *r)
{
    for (;;) {
        for (size_t i = r->pos; i < r->end; i++)
            if (r->buf[i] != 0)
                return REST_NONZERO;
        r->buf_offset += r->end;
        r->pos = r->end = 0;
        if (r->file_eof)
            return REST_ZERO;
        if (reader_fill(r, 1) != SHALE_OK)
            return REST_READ_ERROR;
    }
}

LogReadResult log_reader_read(LogReader *r, ShaleSlice *rec, ShaleError *err)
{
    *rec = shale_slice(NULL, 0);
    if (r->final != LOG_READ_RECORD)
        return reader_stop(r, r->final, err);

    uint64_t start = r->buf_offset + r->pos;
    if (reader_fill(r, LOG_HEADER_SIZE) != SHALE_OK)
        return reader_stop(r, LOG_READ_CORRUPT, err);
    size_t avail = r->end - r->pos;
    if (avail == 0) {
        shale_error_clear(&r->final_err);
        return reader_stop(r, LOG_READ_EOF, err);
    }
    if (avail < LOG_HEADER_SIZE) {
        shale_error_set(&r->final_err, SHALE_CORRUPTION,
                        "log torn at offset %llu: %zu of %d header bytes",
                        (unsigned long long)start, avail, LOG_HEADER_SIZE);
        return reader_stop(r, LOG_READ_TORN, err);
    }

    const char *h = r->buf + r->pos;
    uint32_t len = shale_get_fixed32(h);
    uint32_t len_crc = shale_crc32c_unmask(shale_get_fixed32(h + 4));
    uint32_t data_crc = shale_crc32c_unmask(shale_get_fixed32(h + 8));
    if (len_crc != shale_crc32c(h, 4)) {
        ZeroCheck z = reader_rest_is_zero(r);
        if (z == REST_READ_ERROR)
            return reader_stop(r, LOG_READ_CORRUPT, err);
        if (z == REST_ZERO) {
            shale_error_set(&r->final_err, SHALE_CORRUPTION,
                            "log torn at offset %llu: zero-filled tail", (unsigned long long)start);
            return reader_stop(r, LOG_READ_TORN, err);
        }
        shale_error_set(&r->final_err, SHALE_CORRUPTION,
                        "log corrupt at offset %llu: length checksum mismatch", (unsigned long long)start);
        return reader_stop(r, LOG_READ_CORRUPT, err);
    }
    if (len >= LOG_MAX_RECORD) {
        shale_error_set(&r->final_err, SHALE_CORRUPTION,
                        "log corrupt at offset %llu: record length %u too large",
                        (unsigned long long)start, (unsigned)len);
        return reader_stop(r, LOG_READ_CORRUPT, err);
    }

    size_t total = (size_t)LOG_HEADER_SIZE + len;
    if (reader_fill(r, total) != SHALE_OK)
        return reader_stop(r, LOG_READ_CORRUPT, err);
    avail = r->end - r->pos;
    if (avail < total) {
        shale_error_set(&r->final_err, SHALE_CORRUPTION,
                        "log torn at offset %llu: %zu of %zu record bytes",
                        (unsigned long long)start, avail, total);
        return reader_stop(r, LOG_READ_TORN, err);
    }
    h = r->buf + r->pos; /* the fill may have moved the buffer */
    if (data_crc != shale_crc32c(h + LOG_HEADER_SIZE, len)) {
        /* a valid len_crc means the header is not all zeros, so this is never a torn tail */
        shale_error_set(&r->final_err, SHALE_CORRUPTION,
                        "log corrupt at offset %llu: data checksum mismatch in a %u-byte record",
                        (unsigned long long)start, (unsigned)len);
        return reader_stop(r, LOG_READ_CORRUPT, err);
    }
    *rec = shale_slice(h + LOG_HEADER_SIZE, len);
    r->pos += total;
    r->good_offset = r->buf_offset + r->pos;
    return LOG_READ_RECORD;
}
