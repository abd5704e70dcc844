/* version_edit.h -- a change to the set of live SSTables, one manifest record each.
 *
 * Encoding (a sequence of tagged fields, any order, each at most once except files):
 *   tag:varint32 then
 *     1 LOG_NUMBER      number:varint64     WAL files below this are obsolete
 *     2 NEXT_FILE       number:varint64     next file number to hand out
 *     3 LAST_SEQUENCE   seq:varint64
 *     4 COMPACT_POINTER level:varint32 | ikey:lenprefixed
 *     5 DELETED_FILE    level:varint32 | number:varint64
 *     6 NEW_FILE        level:varint32 | number:varint64 | size:varint64 |
 *                       smallest ikey:lenprefixed | largest ikey:lenprefixed
 *     7 FORMAT          version:varint32    (the manifest's first record has it; must be 1)
 *     8 DROP_RANGE      begin:lenprefixed | end:lenprefixed   user keys, begin < end: every
 *                       key in [begin, end) is dropped (shale_db_drop_range)
 *     9 FORGET_RANGE    begin:lenprefixed | end:lenprefixed   a dropped range (exactly as the
 *                       merged set holds it) that no file, memtable or WAL can hold keys of
 *                       any more leaves the set
 * FORGET_RANGE records apply before DROP_RANGE records of the same edit. Manifests written
 * before ranges existed simply have neither tag. An unknown tag is corruption. */
#define MANIFEST_FORMAT_VERSION 1
#ifndef SHALE_STORAGE_VERSION_EDIT_H
#define SHALE_STORAGE_VERSION_EDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/drop_range.h"
#include "storage/shale_storage.h"
#include "util/buf.h"
#include "util/slice.h"
#include "util/status.h"

/* Metadata of one SSTable. Shared by every Version that contains it (refs counted under
 * the DB mutex); freed when the last one goes. */
typedef struct FileMeta {
    int refs;
    int allowed_seeks;   /* lookups that may still pass through this file before it is
                            compacted down (seek compaction); under the DB mutex */
    uint64_t number;
    uint64_t size;
    ShaleBuf smallest;   /* internal key */
    ShaleBuf largest;    /* internal key */
} FileMeta;

/* NULL on OOM. refs = 0. */
FileMeta *file_meta_new(uint64_t number, uint64_t size, ShaleSlice smallest, ShaleSlice largest);
void file_meta_free(FileMeta *f);

typedef struct EditFile {
    int level;
    FileMeta *meta;      /* the edit holds one reference */
} EditFile;

typedef struct EditDeleted {
    int level;
    uint64_t number;
} EditDeleted;

typedef struct VersionEdit {
    bool has_format, has_log_number, has_next_file, has_last_sequence;
    uint32_t format;
    uint64_t log_number, next_file, last_sequence;
    ShaleBuf compact_pointer[SHALE_NUM_LEVELS];
    bool has_compact_pointer[SHALE_NUM_LEVELS];
    EditDeleted *deleted;
    size_t n_deleted, cap_deleted;
    EditFile *added;
    size_t n_added, cap_added;
    EditRange *drops;    /* DROP_RANGE */
    size_t n_drops;
    EditRange *forgets;  /* FORGET_RANGE */
    size_t n_forgets;
    bool oom;            /* sticky: an add failed for lack of memory */
} VersionEdit;

void version_edit_init(VersionEdit *e);
/* Frees the edit's arrays and drops its reference on every added FileMeta.
 * REQUIRES: the DB mutex once the edit's files may be shared with installed versions. */
void version_edit_destroy(VersionEdit *e);
void version_edit_set_log_number(VersionEdit *e, uint64_t n);
void version_edit_set_next_file(VersionEdit *e, uint64_t n);
void version_edit_set_last_sequence(VersionEdit *e, uint64_t s);
void version_edit_set_compact_pointer(VersionEdit *e, int level, ShaleSlice ikey);
void version_edit_delete_file(VersionEdit *e, int level, uint64_t number);
/* Takes a reference on f (a new FileMeta has refs 0: the edit then owns it). */
void version_edit_add_file(VersionEdit *e, int level, FileMeta *f);

/* Copies the range [begin, end) (user keys) into the edit. */
void version_edit_drop_range(VersionEdit *e, ShaleSlice begin, ShaleSlice end);
void version_edit_forget_range(VersionEdit *e, ShaleSlice begin, ShaleSlice end);

void version_edit_encode(const VersionEdit *e, ShaleBuf *out);
/* Decodes rec into e (which must be freshly initialised). SHALE_CORRUPTION on bad bytes. */
ShaleCode version_edit_decode(VersionEdit *e, ShaleSlice rec, ShaleError *err) SHALE_WARN_UNUSED;

#endif
