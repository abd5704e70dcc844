/* env.h -- every file-system call the storage engine makes goes through here.
 *
 * A ShaleEnv carries an optional fault hook so tests can inject EIO, ENOSPC and short writes
 * into exactly the operation they choose; production uses shale_env_default() (no hook).
 * Writable files buffer appends in user space; data reaches the kernel on flush and the
 * disk on sync. Errors come back as ShaleCode with the path and strerror in the message. */
#ifndef SHALE_UTIL_ENV_H
#define SHALE_UTIL_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef enum ShaleEnvOp {
    SHALE_ENV_OP_OPEN,
    SHALE_ENV_OP_READ,
    SHALE_ENV_OP_WRITE,
    SHALE_ENV_OP_SYNC,
    SHALE_ENV_OP_RENAME,
    SHALE_ENV_OP_REMOVE
} ShaleEnvOp;

typedef struct ShaleEnv {
    /* Called before each operation when non-NULL. Return 0 to let it proceed or an errno to
     * fail it. For SHALE_ENV_OP_WRITE the hook may lower *len: that many bytes are written,
     * then the call fails with the returned errno (a short write). May be called from any
     * thread: the hook does its own locking. */
    int (*fault_hook)(void *arg, ShaleEnvOp op, const char *path, size_t *len);
    void *fault_arg;
} ShaleEnv;

/* The process-wide env with no fault hook. Never freed; immutable. */
ShaleEnv *shale_env_default(void);

typedef struct ShaleWritableFile ShaleWritableFile;
typedef struct ShaleRandomFile ShaleRandomFile;
typedef struct ShaleSeqFile ShaleSeqFile;

/* Creates (truncating) path for writing. Caller closes with shale_wfile_close. */
ShaleCode shale_wfile_open(ShaleEnv *env, const char *path, ShaleWritableFile **out, ShaleError *err) SHALE_WARN_UNUSED;
/* Opens an existing file for appending (its current size becomes the write offset). */
ShaleCode shale_wfile_open_append(ShaleEnv *env, const char *path, ShaleWritableFile **out, ShaleError *err) SHALE_WARN_UNUSED;
ShaleCode shale_wfile_append(ShaleWritableFile *f, const void *data, size_t n, ShaleError *err) SHALE_WARN_UNUSED;
/* Pushes buffered bytes to the kernel. */
ShaleCode shale_wfile_flush(ShaleWritableFile *f, ShaleError *err) SHALE_WARN_UNUSED;
/* flush + fdatasync: on return OK the bytes appended so far are durable. */
ShaleCode shale_wfile_sync(ShaleWritableFile *f, ShaleError *err) SHALE_WARN_UNUSED;
/* Bytes appended since open (plus the initial size for append mode). */
uint64_t shale_wfile_size(const ShaleWritableFile *f);
const char *shale_wfile_path(const ShaleWritableFile *f);
/* Flushes and closes; frees f even on error. */
ShaleCode shale_wfile_close(ShaleWritableFile *f, ShaleError *err);

/* Opens path for positional reads. Caller closes with shale_rfile_close. */
ShaleCode shale_rfile_open(ShaleEnv *env, const char *path, ShaleRandomFile **out, ShaleError *err) SHALE_WARN_UNUSED;
/* Reads up to n bytes at offset into buf; *got is how many were read (short at EOF).
 * Thread-safe (pread). */
ShaleCode shale_rfile_read(ShaleRandomFile *f, uint64_t offset, size_t n, char *buf, size_t *got, ShaleError *err) SHALE_WARN_UNUSED;
const char *shale_rfile_path(const ShaleRandomFile *f);
void shale_rfile_close(ShaleRandomFile *f);

ShaleCode shale_sfile_open(ShaleEnv *env, const char *path, ShaleSeqFile **out, ShaleError *err) SHALE_WARN_UNUSED;
/* Reads up to n bytes; *got == 0 means end of file. */
ShaleCode shale_sfile_read(ShaleSeqFile *f, size_t n, char *buf, size_t *got, ShaleError *err) SHALE_WARN_UNUSED;
void shale_sfile_close(ShaleSeqFile *f);

/* Whole-file helpers for small files (CURRENT, test fixtures). read_all mallocs *data. */
ShaleCode shale_env_read_all(ShaleEnv *env, const char *path, char **data, size_t *n, ShaleError *err) SHALE_WARN_UNUSED;
/* Writes data to path.tmp, syncs, renames over path and syncs the directory. */
ShaleCode shale_env_write_atomic(ShaleEnv *env, const char *path, const void *data, size_t n, ShaleError *err) SHALE_WARN_UNUSED;

bool shale_env_exists(const char *path);
ShaleCode shale_env_file_size(const char *path, uint64_t *size, ShaleError *err) SHALE_WARN_UNUSED;
/* mkdir -p. */
ShaleCode shale_env_mkdirs(const char *path, ShaleError *err) SHALE_WARN_UNUSED;
ShaleCode shale_env_remove(ShaleEnv *env, const char *path, ShaleError *err);
ShaleCode shale_env_rename(ShaleEnv *env, const char *from, const char *to, ShaleError *err) SHALE_WARN_UNUSED;
/* fsync a directory so renames/creates in it are durable. */
ShaleCode shale_env_sync_dir(ShaleEnv *env, const char *dir, ShaleError *err) SHALE_WARN_UNUSED;
/* Calls fn for each entry name of dir except "." and "..". Stops early if fn returns false. */
ShaleCode shale_env_list_dir(const char *dir, bool (*fn)(void *arg, const char *name), void *arg, ShaleError *err) SHALE_WARN_UNUSED;

/* Exclusive advisory lock on path (created if missing) held until shale_env_unlock.
 * A second locker -- another process or this one -- gets SHALE_BUSY. *fd receives the handle. */
ShaleCode shale_env_lock(const char *path, int *fd, ShaleError *err) SHALE_WARN_UNUSED;
void shale_env_unlock(int fd);

/* Monotonic clock in microseconds. */
uint64_t shale_env_now_micros(void);

#endif
