/* log_format.h -- the record log used by both the WAL and the manifest: a sequence of
 * CRC32C-framed records appended to a file.
 *
 * Record = len:fixed32 | len_crc:fixed32 | data_crc:fixed32 | payload[len]
 *   len_crc  = masked crc32c of the 4 len bytes (a flipped length is corruption, never a
 *              silent jump);
 *   data_crc = masked crc32c of payload.
 * The full byte layout is in docs/file-formats.md. */
#ifndef SHALE_STORAGE_LOG_FORMAT_H
#define SHALE_STORAGE_LOG_FORMAT_H

#include <stdint.h>

#include "util/buf.h"
#include "util/env.h"
#include "util/slice.h"
#include "util/status.h"

#define LOG_HEADER_SIZE 12
#define LOG_MAX_RECORD (UINT32_C(1) << 30)

typedef struct LogWriter LogWriter;

/* Appends records to f (not owned). NULL on OOM. */
LogWriter *log_writer_new(ShaleWritableFile *f);
/* Appends one record (buffered by the file; the caller flushes/syncs the file).
 * REQUIRES: rec.size < LOG_MAX_RECORD. */
ShaleCode log_writer_add(LogWriter *w, ShaleSlice rec, ShaleError *err) SHALE_WARN_UNUSED;
void log_writer_free(LogWriter *w);

typedef enum LogReadResult {
    LOG_READ_RECORD,     /* *rec holds a record */
    LOG_READ_EOF,        /* clean end: the file ended exactly after a record */
    LOG_READ_TORN,       /* the file ends inside a record, or the rest of the file is zeros:
                            an append interrupted by a crash */
    LOG_READ_CORRUPT     /* a complete record (or header) failed its checksum */
} LogReadResult;

typedef struct LogReader LogReader;

/* Reads records from f (not owned) from its current position. NULL on OOM. */
LogReader *log_reader_new(ShaleSeqFile *f);
/* Reads the next record. On LOG_READ_RECORD, *rec points into the reader's buffer and is
 * valid until the next call. On LOG_READ_TORN / LOG_READ_CORRUPT, err says where and why;
 * after them the reader returns the same result again. An I/O error returns
 * LOG_READ_CORRUPT with err->code = the I/O code. */
LogReadResult log_reader_read(LogReader *r, ShaleSlice *rec, ShaleError *err);
/* File offset just past the last good record returned. */
uint64_t log_reader_good_offset(const LogReader *r);
void log_reader_free(LogReader *r);

#endif
