/* env_posix.c -- the POSIX implementation of env.h, with the fault hook checked before
 * every operation. Writable files keep a 64 KiB user-space buffer. */
#include "util/env.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WFILE_BUF (64 * 1024)

static ShaleEnv default_env = { NULL, NULL };

ShaleEnv *shale_env_default(void)
{
    return &default_env;
}

static int env_fault(ShaleEnv *env, ShaleEnvOp op, const char *path, size_t *len)
{
    if (!env || !env->fault_hook)
        return 0;
    size_t dummy = 0;
    return env->fault_hook(env->fault_arg, op, path, len ? len : &dummy);
}

struct ShaleWritableFile {
    ShaleEnv *env;
    int fd;
    uint64_t size;   /* logical size: bytes on disk + bytes buffered */
    size_t buffered; /* bytes in buf not yet written */
    char *path;
    char buf[WFILE_BUF];
};

struct ShaleRandomFile {
    ShaleEnv *env;
    int fd;
    char *path;
};

struct ShaleSeqFile {
    ShaleEnv *env;
    int fd;
    char *path;
};

static ShaleCode wfile_open_flags(ShaleEnv *env, const char *path, int flags, ShaleWritableFile **out, ShaleError *err)
{
    *out = NULL;
    int e = env_fault(env, SHALE_ENV_OP_OPEN, path, NULL);
    if (e)
        return shale_error_errno(err, e, "could not open \"%s\"", path);
    int fd = open(path, flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return shale_error_errno(err, errno, "could not open \"%s\"", path);
    ShaleWritableFile *f = malloc(sizeof *f);
    char *p = strdup(path);
    if (!f || !p) {
        free(f);
        free(p);
        close(fd);
        return SHALE_ERR_NOMEM(err, "out of memory opening \"%s\"", path);
    }
    f->env = env;
    f->fd = fd;
    f->buffered = 0;
    f->path = p;
    f->size = 0;
    if (flags & O_APPEND) {
        struct stat st;
        if (fstat(fd, &st) == 0)
            f->size = (uint64_t)st.st_size;
    }
    *out = f;
    return SHALE_OK;
}

ShaleCode shale_wfile_open(ShaleEnv *env, const char *path, ShaleWritableFile **out, ShaleError *err)
{
    return wfile_open_flags(env, path, O_TRUNC, out, err);
}

ShaleCode shale_wfile_open_append(ShaleEnv *env, const char *path, ShaleWritableFile **out, ShaleError *err)
{
    return wfile_open_flags(env, path, O_APPEND, out, err);
}

/* Writes n bytes straight to the fd, looping over partial writes. */
static ShaleCode wfile_write_raw(ShaleWritableFile *f, const char *data, size_t n, ShaleError *err)
{
    size_t allowed = n;
    int e = env_fault(f->env, SHALE_ENV_OP_WRITE, f->path, &allowed);
    size_t todo = e ? (allowed < n ? allowed : n) : n;
    while (todo > 0) {
        ssize_t w = write(f->fd, data, todo);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return shale_error_errno(err, errno, "could not write to \"%s\"", f->path);
        }
        data += w;
        todo -= (size_t)w;
    }
    if (e)
        return shale_error_errno(err, e, "could not write to \"%s\"", f->path);
    return SHALE_OK;
}

ShaleCode shale_wfile_append(ShaleWritableFile *f, const void *data, size_t n, ShaleError *err)
{
    const char *p = data;
    f->size += n;
    if (n <= WFILE_BUF - f->buffered) {
        memcpy(f->buf + f->buffered, p, n);
        f->buffered += n;
        return SHALE_OK;
    }
    size_t fill = WFILE_BUF - f->buffered;
    memcpy(f->buf + f->buffered, p, fill);
    f->buffered += fill;
    p += fill;
    n -= fill;
    ShaleCode rc = shale_wfile_flush(f, err);
    if (rc)
        return rc;
    if (n < WFILE_BUF) {
        memcpy(f->buf, p, n);
        f->buffered = n;
        return SHALE_OK;
    }
    return wfile_write_raw(f, p, n, err);
}

ShaleCode shale_wfile_flush(ShaleWritableFile *f, ShaleError *err)
{
    if (f->buffered == 0)
        return SHALE_OK;
    size_t n = f->buffered;
    f->buffered = 0; /* on failure the buffered bytes are lost: the caller treats the file as broken */
    return wfile_write_raw(f, f->buf, n, err);
}

ShaleCode shale_wfile_sync(ShaleWritableFile *f, ShaleError *err)
{
    ShaleCode rc = shale_wfile_flush(f, err);
    if (rc)
        return rc;
    int e = env_fault(f->env, SHALE_ENV_OP_SYNC, f->path, NULL);
    if (e)
        return shale_error_errno(err, e, "could not fsync \"%s\"", f->path);
    if (fdatasync(f->fd) != 0)
        return shale_error_errno(err, errno, "could not fsync \"%s\"", f->path);
    return SHALE_OK;
}

uint64_t shale_wfile_size(const ShaleWritableFile *f)
{
    return f->size;
}

const char *shale_wfile_path(const ShaleWritableFile *f)
{
    return f->path;
}

ShaleCode shale_wfile_close(ShaleWritableFile *f, ShaleError *err)
{
    if (!f)
        return SHALE_OK;
    ShaleCode rc = shale_wfile_flush(f, err);
    if (close(f->fd) != 0 && rc == SHALE_OK)
        rc = shale_error_errno(err, errno, "could not close \"%s\"", f->path);
    free(f->path);
    free(f);
    return rc;
}

ShaleCode shale_rfile_open(ShaleEnv *env, const char *path, ShaleRandomFile **out, ShaleError *err)
{
    *out = NULL;
    int e = env_fault(env, SHALE_ENV_OP_OPEN, path, NULL);
    if (e)
        return shale_error_errno(err, e, "could not open \"%s\"", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return shale_error_errno(err, errno, "could not open \"%s\"", path);
    ShaleRandomFile *f = malloc(sizeof *f);
    char *p = strdup(path);
    if (!f || !p) {
        free(f);
        free(p);
        close(fd);
        return SHALE_ERR_NOMEM(err, "out of memory opening \"%s\"", path);
    }
    f->env = env;
    f->fd = fd;
    f->path = p;
    *out = f;
    return SHALE_OK;
}

ShaleCode shale_rfile_read(ShaleRandomFile *f, uint64_t offset, size_t n, char *buf, size_t *got, ShaleError *err)
{
    *got = 0;
    int e = env_fault(f->env, SHALE_ENV_OP_READ, f->path, &n);
    if (e)
        return shale_error_errno(err, e, "could not read \"%s\" at %llu", f->path, (unsigned long long)offset);
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(f->fd, buf + done, n - done, (off_t)(offset + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return shale_error_errno(err, errno, "could not read \"%s\" at %llu", f->path, (unsigned long long)offset);
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    *got = done;
    return SHALE_OK;
}

const char *shale_rfile_path(const ShaleRandomFile *f)
{
    return f->path;
}

void shale_rfile_close(ShaleRandomFile *f)
{
    if (!f)
        return;
    close(f->fd);
    free(f->path);
    free(f);
}

ShaleCode shale_sfile_open(ShaleEnv *env, const char *path, ShaleSeqFile **out, ShaleError *err)
{
    ShaleRandomFile *rf;
    ShaleCode rc = shale_rfile_open(env, path, &rf, err);
    if (rc) {
        *out = NULL;
        return rc;
    }
    /* Same layout: reuse the open logic and read with read(2). */
    *out = (ShaleSeqFile *)rf;
    return SHALE_OK;
}

ShaleCode shale_sfile_read(ShaleSeqFile *f, size_t n, char *buf, size_t *got, ShaleError *err)
{
    *got = 0;
    int e = env_fault(f->env, SHALE_ENV_OP_READ, f->path, &n);
    if (e)
        return shale_error_errno(err, e, "could not read \"%s\"", f->path);
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(f->fd, buf + done, n - done);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return shale_error_errno(err, errno, "could not read \"%s\"", f->path);
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    *got = done;
    return SHALE_OK;
}

void shale_sfile_close(ShaleSeqFile *f)
{
    shale_rfile_close((ShaleRandomFile *)f);
}

ShaleCode shale_env_read_all(ShaleEnv *env, const char *path, char **data, size_t *n, ShaleError *err)
{
    *data = NULL;
    *n = 0;
    ShaleSeqFile *f;
    ShaleCode rc = shale_sfile_open(env, path, &f, err);
    if (rc)
        return rc;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        shale_sfile_close(f);
        return SHALE_ERR_NOMEM(err, "out of memory reading \"%s\"", path);
    }
    for (;;) {
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                shale_sfile_close(f);
                return SHALE_ERR_NOMEM(err, "out of memory reading \"%s\"", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got;
        rc = shale_sfile_read(f, cap - len, buf + len, &got, err);
        if (rc) {
            free(buf);
            shale_sfile_close(f);
            return rc;
        }
        if (got == 0)
            break;
        len += got;
    }
    shale_sfile_close(f);
    *data = buf;
    *n = len;
    return SHALE_OK;
}

static void dir_of(const char *path, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, cap, ".");
}

ShaleCode shale_env_write_atomic(ShaleEnv *env, const char *path, const void *data, size_t n, ShaleError *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return SHALE_ERR_INVALID(err, "path too long: \"%s\"", path);
    ShaleWritableFile *f;
    ShaleCode rc = shale_wfile_open(env, tmp, &f, err);
    if (rc)
        return rc;
    rc = shale_wfile_append(f, data, n, err);
    if (!rc)
        rc = shale_wfile_sync(f, err);
    ShaleCode rc2 = shale_wfile_close(f, rc ? NULL : err);
    if (!rc)
        rc = rc2;
    if (!rc)
        rc = shale_env_rename(env, tmp, path, err);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    return shale_env_sync_dir(env, dir, err);
}

bool shale_env_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

ShaleCode shale_env_file_size(const char *path, uint64_t *size, ShaleError *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return shale_error_errno(err, errno, "could not stat \"%s\"", path);
    *size = (uint64_t)st.st_size;
    return SHALE_OK;
}

ShaleCode shale_env_mkdirs(const char *path, ShaleError *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return SHALE_ERR_INVALID(err, "path too long: \"%s\"", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return shale_error_errno(err, errno, "could not create directory \"%s\"", buf);
            *p = '/';
        }
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return shale_error_errno(err, errno, "could not create directory \"%s\"", buf);
    return SHALE_OK;
}

ShaleCode shale_env_remove(ShaleEnv *env, const char *path, ShaleError *err)
{
    int e = env_fault(env, SHALE_ENV_OP_REMOVE, path, NULL);
    if (e)
        return shale_error_errno(err, e, "could not remove \"%s\"", path);
    if (unlink(path) != 0)
        return shale_error_errno(err, errno, "could not remove \"%s\"", path);
    return SHALE_OK;
}

ShaleCode shale_env_rename(ShaleEnv *env, const char *from, const char *to, ShaleError *err)
{
    int e = env_fault(env, SHALE_ENV_OP_RENAME, to, NULL);
    if (e)
        return shale_error_errno(err, e, "could not rename \"%s\" to \"%s\"", from, to);
    if (rename(from, to) != 0)
        return shale_error_errno(err, errno, "could not rename \"%s\" to \"%s\"", from, to);
    return SHALE_OK;
}

ShaleCode shale_env_sync_dir(ShaleEnv *env, const char *dir, ShaleError *err)
{
    int e = env_fault(env, SHALE_ENV_OP_SYNC, dir, NULL);
    if (e)
        return shale_error_errno(err, e, "could not fsync directory \"%s\"", dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return shale_error_errno(err, errno, "could not open directory \"%s\"", dir);
    int r = fsync(fd);
    int saved = errno;
    close(fd);
    if (r != 0)
        return shale_error_errno(err, saved, "could not fsync directory \"%s\"", dir);
    return SHALE_OK;
}

ShaleCode shale_env_list_dir(const char *dir, bool (*fn)(void *arg, const char *name), void *arg, ShaleError *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return shale_error_errno(err, errno, "could not open directory \"%s\"", dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!fn(arg, de->d_name))
            break;
    }
    closedir(d);
    return SHALE_OK;
}

ShaleCode shale_env_lock(const char *path, int *fd, ShaleError *err)
{
    *fd = -1;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0)
        return shale_error_errno(err, errno, "could not open lock file \"%s\"", path);
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        close(f);
        if (saved == EWOULDBLOCK)
            return shale_error_set(err, SHALE_BUSY, "lock file \"%s\" is held by another process: is another server running on this data directory?", path);
        return shale_error_errno(err, saved, "could not lock \"%s\"", path);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) == 0 && write(f, pid, (size_t)n) < 0) {
        /* the pid is informational only */
    }
    *fd = f;
    return SHALE_OK;
}

void shale_env_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

uint64_t shale_env_now_micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
