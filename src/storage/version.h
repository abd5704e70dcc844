/* version.h -- versions (the set of live SSTables per level at one moment), the version set
 * (current version, file numbers, last sequence, the manifest) and compaction picking.
 *
 * Invariants:
 *  1. Level 0 files may overlap; they are kept in ascending file number (= age) order and
 *     searched newest first. Levels >= 1 hold files sorted by smallest key whose user-key
 *     ranges do not overlap: compaction never splits one user key across two output files.
 *  2. A Version is immutable once installed. Versions and FileMeta refs are counted under the
 *     DB mutex; a file is deleted from disk only when no live version (including those
 *     pinned by iterators and checkpoints) nor a pending output names it.
 *  3. version_set_log_and_apply calls are serialised by the version set itself (`applying`):
 *     the background thread and shale_db_drop_range callers may call it concurrently; each
 *     builds its version from the current one only once it has the turn, and drops the DB
 *     mutex while it writes and syncs the manifest.
 *  4. A Version's dropped ranges (drops) hide every key inside them; no file of a version lies
 *     wholly inside one of its ranges (log_and_apply removes such files from the base version
 *     by the same edit). */
#ifndef SHALE_STORAGE_VERSION_H
#define SHALE_STORAGE_VERSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/iterator.h"
#include "storage/log_format.h"
#include "storage/shale_storage.h"
#include "storage/table_cache.h"
#include "storage/version_edit.h"

typedef struct VersionSet VersionSet;

typedef struct Version {
    VersionSet *vset;
    int refs;                                 /* under the DB mutex */
    FileMeta **files[SHALE_NUM_LEVELS];
    size_t n_files[SHALE_NUM_LEVELS];
    double compaction_score;                  /* >= 1 means a compaction is due */
    int compaction_level;
    DropSet *drops;                           /* ref'd; NULL = no dropped ranges */
    FileMeta *file_to_compact;                /* (mu) seek compaction candidate, or NULL */
    int file_to_compact_level;
    struct Version *prev, *next;              /* the version set's list of live versions */
} Version;

struct VersionSet {
    char *dir;
    ShaleEnv *env;
    const ShaleDBOptions *opts;               /* owned by the DB */
    TableCache *tc;                           /* borrowed */
    uint64_t next_file_number;
    uint64_t last_sequence;                   /* under the DB mutex */
    uint64_t log_number;                      /* WALs below this are obsolete */
    uint64_t manifest_number;
    ShaleBuf compact_pointer[SHALE_NUM_LEVELS];
    Version head;                             /* sentinel of the circular list of live versions */
    Version *current;
    ShaleWritableFile *manifest_file;
    LogWriter *manifest_log;
    bool applying;                            /* (mu) a log_and_apply is in progress */
    pthread_cond_t apply_cv;                  /* signalled when applying turns false */
};

/* NULL on OOM. opts and tc are borrowed. */
VersionSet *version_set_new(const char *dir, ShaleEnv *env, const ShaleDBOptions *opts, TableCache *tc);
void version_set_free(VersionSet *vs);

/* Reads CURRENT and the manifest it names into the current version. A torn last record is
 * ignored (an interrupted append); a checksum failure anywhere else is SHALE_CORRUPTION. */
ShaleCode version_set_recover(VersionSet *vs, ShaleError *err) SHALE_WARN_UNUSED;
/* Writes a brand-new manifest holding edit (for an empty database) and CURRENT. */
ShaleCode version_set_create_new(VersionSet *vs, ShaleError *err) SHALE_WARN_UNUSED;

/* Applies edit to the current version, appends it to the manifest (starting a new manifest
 * with a full snapshot first when none is open), syncs, and installs the new version.
 * Waits (on mu) while another call is applying. Files of the current version lying wholly
 * inside a dropped range of the new version are deleted by the same edit.
 * Sets the edit's next_file and last_sequence from vs. mu (may be NULL when single-
 * threaded) is held on entry and exit, dropped during I/O. On error the current version is
 * unchanged and the manifest is closed so the next call starts a fresh one. */
ShaleCode version_set_log_and_apply(VersionSet *vs, VersionEdit *edit, pthread_mutex_t *mu, ShaleError *err) SHALE_WARN_UNUSED;

static inline uint64_t version_set_new_file_number(VersionSet *vs)
{
    return vs->next_file_number++;
}

/* REQUIRES: DB mutex. */
void version_ref(Version *v);
void version_unref(Version *v);

/* Adds every file number named by a live version to fn. REQUIRES: DB mutex. */
void version_set_live_files(VersionSet *vs, void (*fn)(void *arg, uint64_t number), void *arg);

typedef enum VersionGetResult {
    VGET_NOT_FOUND,
    VGET_FOUND,
    VGET_DELETED
} VersionGetResult;

/* A lookup that had to read more than one table charges the first one: it was a wasted
 * seek (see FileMeta.allowed_seeks). */
typedef struct SeekCharge {
    FileMeta *file;
    int level;
} SeekCharge;

/* Looks user_key up at sequence seq in v's tables (newest level first). On VGET_FOUND
 * *val is a malloc'd copy (caller frees). Called without the DB mutex; v must be ref'd.
 * charge receives the file to charge, or file NULL. */
ShaleCode version_get(Version *v, ShaleSlice user_key, uint64_t seq, VersionGetResult *res,
                      char **val, size_t *vlen, SeekCharge *charge, ShaleError *err) SHALE_WARN_UNUSED;
/* Applies a charge; true when it makes a seek compaction due. REQUIRES: DB mutex. */
bool version_charge_seek(Version *v, const SeekCharge *charge);

/* Appends iterators over v's tables to its (L0: one per file; L1+: one concatenating
 * iterator per level). Each keeps its table open; v must stay ref'd while they live.
 * Returns false on OOM. */
bool version_add_iterators(Version *v, ShaleIter ***its, size_t *n, size_t *cap);

/* Files of level overlapping the user-key range [begin, end] (NULL = unbounded). For
 * level 0 the range grows to cover every transitively overlapping file. *out is malloc'd. */
bool version_overlapping_inputs(Version *v, int level, const ShaleSlice *begin, const ShaleSlice *end,
                                FileMeta ***out, size_t *n);
/* True if any file of level in v overlaps the user-key range [small, large]. */
bool version_overlaps(Version *v, int level, ShaleSlice small_ukey, ShaleSlice large_ukey);
/* Where a flush output with this user-key range should go (0, or deeper when it overlaps
 * nothing on the way down). */
int version_pick_level_for_flush(Version *v, ShaleSlice small_ukey, ShaleSlice large_ukey);
uint64_t version_level_bytes(const Version *v, int level);
uint64_t max_bytes_for_level(const ShaleDBOptions *o, int level);

/* --- compaction -------------------------------------------------------------------- */

typedef struct Compaction {
    int level;                     /* inputs[0] at level, inputs[1] at level + 1 */
    Version *input_version;        /* ref'd */
    FileMeta **inputs[2];
    size_t n_inputs[2];
    uint64_t max_output_file_size;
    VersionEdit edit;
    /* For is_base_level_for_key: per level >= level + 2, the file index it has reached
     * (the compaction visits keys in increasing order). */
    size_t level_ptrs[SHALE_NUM_LEVELS];
} Compaction;

/* The compaction the current version most needs, or NULL. REQUIRES: DB mutex. */
Compaction *version_set_pick_compaction(VersionSet *vs);
/* A compaction of every file of level overlapping [begin, end] into level + 1, or NULL
 * when nothing at level overlaps. REQUIRES: DB mutex. */
Compaction *version_set_compact_range(VersionSet *vs, int level, const ShaleSlice *begin, const ShaleSlice *end);
/* A single input file with no overlap below: it can be moved by a manifest edit alone. */
bool compaction_is_trivial_move(const Compaction *c);
/* True if no level below the output level holds user_key: a deletion can be dropped. */
bool compaction_is_base_level_for_key(Compaction *c, ShaleSlice user_key);
/* Adds the deletion of every input file to c->edit. */
void compaction_add_input_deletions(Compaction *c);
/* A merging iterator over every input. NULL on OOM. */
ShaleIter *compaction_make_input_iter(Compaction *c);
uint64_t compaction_input_bytes(const Compaction *c, int which);
/* REQUIRES: DB mutex (unrefs the input version). */
void compaction_free(Compaction *c);

/* --- iterators over several children (merger.c) ------------------------------------- */

/* Merges children (internal-key order) into one iterator; takes ownership of the children
 * and of the array. NULL on OOM (the children are destroyed). */
ShaleIter *merging_iter_new(ShaleIter **children, size_t n);

#endif
