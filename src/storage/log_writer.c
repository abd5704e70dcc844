/* log_writer.c -- appends CRC32C-framed records to a file: the write side of the record log
 * shared by the WAL and the manifest (see log_format.h).
 *
 * Byte layout of one record (all integers little-endian):
 *
 *   offset 0   len:fixed32       payload length, < LOG_MAX_RECORD
 *   offset 4   len_crc:fixed32   masked crc32c of bytes 0..3 (the encoded len)
 *   offset 8   data_crc:fixed32  masked crc32c of the payload
 *   offset 12  payload[len]
 *
 * Records follow each other with no padding; a log file is a sequence of records and
 * nothing else (no file header), so a file of 0 bytes is an empty log. The length has its
 * own checksum so that a damaged length is reported as corruption instead of sending the
 * reader to a wrong record boundary. */
#include "storage/log_format.h"

#include <stdlib.h>

#include "util/coding.h"
#include "util/crc32c.h"

struct LogWriter {
    ShaleWritableFile *f; /* not owned */
};

/* Returns a writer the caller frees with log_writer_free; f stays owned by the caller and
 * must outlive the writer. */
LogWriter *log_writer_new(ShaleWritableFile *f)
{
    LogWriter *w = malloc(sizeof *w);
    if (w)
        w->f = f;
    return w;
}

void log_writer_free(LogWriter *w)
{
    free(w);
}

/* The header goes through the file's own buffer with the payload, so a record costs two
 * memcpys and no allocation. rec is only read during the call. */
ShaleCode log_writer_add(LogWriter *w, ShaleSlice rec, ShaleError *err)
{
    if (rec.size >= LOG_MAX_RECORD)
        return SHALE_ERR_INVALID(err, "log record of %zu bytes exceeds the maximum of %u",
                                 rec.size, (unsigned)(LOG_MAX_RECORD - 1));
    char hdr[LOG_HEADER_SIZE];
    shale_put_fixed32(hdr, (uint32_t)rec.size);
    shale_put_fixed32(hdr + 4, shale_crc32c_mask(shale_crc32c(hdr, 4)));
    shale_put_fixed32(hdr + 8, shale_crc32c_mask(shale_crc32c(rec.data, rec.size)));
    ShaleCode rc = shale_wfile_append(w->f, hdr, sizeof hdr, err);
    if (rc == SHALE_OK && rec.size)
        rc = shale_wfile_append(w->f, rec.data, rec.size, err);
    return rc;
}
