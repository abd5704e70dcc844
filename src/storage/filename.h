/* filename.h -- names of the files in a database directory.
 *
 *   <dir>/<number>.sst     SSTable          (number printed as %06llu)
 *   <dir>/<number>.wal     write-ahead log segment
 *   <dir>/MANIFEST-<number> manifest (log of version edits)
 *   <dir>/CURRENT          name of the live manifest, written atomically
 *   <dir>/LOCK             data-directory lock
 *   <dir>/NAME.tmp         half-written files, removed at open
 * File numbers come from one counter per database and are never reused. */
#ifndef SHALE_STORAGE_FILENAME_H
#define SHALE_STORAGE_FILENAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum ShaleFileType {
    SHALE_FILE_SST,
    SHALE_FILE_WAL,
    SHALE_FILE_MANIFEST,
    SHALE_FILE_CURRENT,
    SHALE_FILE_LOCK,
    SHALE_FILE_TEMP,
    SHALE_FILE_OTHER
} ShaleFileType;

#define SHALE_PATH_MAX 4096

static inline void shale_sst_path(char *buf, size_t cap, const char *dir, uint64_t number)
{
    snprintf(buf, cap, "%s/%06llu.sst", dir, (unsigned long long)number);
}

static inline void shale_wal_path(char *buf, size_t cap, const char *dir, uint64_t number)
{
    snprintf(buf, cap, "%s/%06llu.wal", dir, (unsigned long long)number);
}

static inline void shale_manifest_path(char *buf, size_t cap, const char *dir, uint64_t number)
{
    snprintf(buf, cap, "%s/MANIFEST-%06llu", dir, (unsigned long long)number);
}

/* Classifies a directory entry name and extracts its number (0 for unnumbered files). */
ShaleFileType shale_parse_file_name(const char *name, uint64_t *number);

#endif
