/* bk_manifest.h -- the backup manifest shalectl writes into every backup directory
 * (DIR/backup.manifest) and reads back for verify, restore and incremental backups.
 *
 * Format (text, one record per line, written by bk_manifest_encode):
 *   shalectl-backup <format version>
 *   sequence <u64: the storage sequence number the backup is consistent at>
 *   file <size> <crc32c, 8 lower-case hex digits, unmasked> <relative path>
 *   ...
 *   end <crc32c (8 hex) of every byte before this line>
 * Paths are relative to the backup directory ("db/000012.sst", "hnsw/5_16384_16390.hnsw",
 * "shaledb.conf"), never absolute, never containing "..", no whitespace. The manifest is
 * written last (atomically), so a directory without it is an unfinished backup. */
#ifndef SHALE_TOOLS_SHALECTL_BK_MANIFEST_H
#define SHALE_TOOLS_SHALECTL_BK_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BK_MANIFEST_NAME "backup.manifest"
#define BK_FORMAT_VERSION 1u

typedef struct BkFile {
    char *name;                /* owned by the manifest */
    uint64_t size;
    uint32_t crc;
} BkFile;

typedef struct BkManifest {
    uint32_t format;
    uint64_t sequence;
    BkFile *files;             /* owned */
    size_t n, cap;
} BkManifest;

void bk_manifest_init(BkManifest *m);
void bk_manifest_free(BkManifest *m);
/* Whether name is a safe relative path (see above). */
bool bk_name_ok(const char *name);
/* Copies name. -1 on OOM or an unsafe name. */
int bk_manifest_add(BkManifest *m, const char *name, uint64_t size, uint32_t crc);
const BkFile *bk_manifest_find(const BkManifest *m, const char *name);

/* The text form; *out malloc'ed (caller frees), *len its length. -1 on OOM. */
int bk_manifest_encode(const BkManifest *m, char **out, size_t *len);
/* Parses text[0..len) into m (initialised by the call). -1 with a reason in why (cap bytes)
 * on any malformed line, a bad trailer checksum or a missing trailer. */
int bk_manifest_parse(const char *text, size_t len, BkManifest *m, char *why, size_t cap);

/* dir/backup.manifest, written via a temp file + fsync + rename. -1 with why. */
int bk_manifest_write(const BkManifest *m, const char *dir, char *why, size_t cap);
int bk_manifest_read(const char *dir, BkManifest *m, char *why, size_t cap);

/* Size and CRC32C of the file at path. -1 with why. */
int bk_file_crc(const char *path, uint64_t *size, uint32_t *crc, char *why, size_t cap);

#endif
