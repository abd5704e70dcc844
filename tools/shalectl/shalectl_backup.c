/* shalectl_backup.c -- shalectl backup: runs BASE_BACKUP (stream format in sql/backup.h)
 * and writes the backup directory: the files under their relative names, then
 * backup.manifest (bk_manifest.h). Incremental: the SSTables listed in OLD's manifest are
 * offered as a reuse list; the server answers 'R' for those unchanged, which are hard-linked
 * (or copied) from OLD instead of transferred. */
#include "tools/shalectl/shalectl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "protocol/pq_client.h"
#include "sql/backup.h"
#include "util/coding.h"
#include "util/crc32c.h"

typedef struct Recv {
    const char *dir;
    const char *old;            /* NULL = full backup */
    BkManifest m;
    bool have_header, done;
    int fd;                     /* the file being received, -1 none */
    char name[300];
    uint64_t size, got;
    uint32_t crc;
    uint32_t n_files;
    uint64_t sent_bytes, reused_bytes;
    time_t last_progress;
    char why[4600];
} Recv;

static int recv_fail(Recv *r, const char *fmt, const char *a)
{
    snprintf(r->why, sizeof r->why, fmt, a);
    return -1;
}

static int get_name(const char *p, size_t n, char *out, size_t cap)
{
    if (n < 2)
        return -1;
    size_t l = (unsigned char)p[0] | (size_t)(unsigned char)p[1] << 8;
    if (l + 2 != n || l >= cap)
        return -1;
    memcpy(out, p + 2, l);
    out[l] = 0;
    return bk_name_ok(out) ? 0 : -1;
}

/* Makes the parent directories of dir/name. */
static int make_parents(const char *dir, const char *name)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (char *s = path + strlen(dir) + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return 0;
}

static void progress(Recv *r, bool force)
{
    time_t now = time(NULL);
    if (!force && now == r->last_progress)
        return;
    r->last_progress = now;
    fprintf(stderr, "shalectl: %u files, %.1f MiB transferred, %.1f MiB reused%s\n", r->n_files,
            (double)r->sent_bytes / 1048576.0, (double)r->reused_bytes / 1048576.0, force ? " (done)" : "");
}

static int on_data(void *arg, const char *p, size_t n)
{
    Recv *r = arg;
    if (n == 0)
        return recv_fail(r, "empty backup record%s", "");
    char t = p[0];
    p++;
    n--;
    if (t != 'H' && !r->have_header)
        return recv_fail(r, "backup stream does not start with a header%s", "");
    if (r->done)
        return recv_fail(r, "data after the end of the backup stream%s", "");
    if (r->fd >= 0 && t != 'D' && t != 'E')
        return recv_fail(r, "file \"%s\" interrupted in the backup stream", r->name);
    switch (t) {
    case 'H':
        if (n != 12 || r->have_header)
            return recv_fail(r, "bad backup stream header%s", "");
        if (shale_get_fixed32(p) != BACKUP_STREAM_VERSION)
            return recv_fail(r, "unsupported backup stream version (server newer than shalectl?)%s", "");
        r->m.sequence = shale_get_fixed64(p + 4);
        r->have_header = true;
        return 0;
    case 'F': {
        if (n < 8 || get_name(p + 8, n - 8, r->name, sizeof r->name) != 0)
            return recv_fail(r, "bad file record in the backup stream%s", "");
        if (bk_manifest_find(&r->m, r->name))
            return recv_fail(r, "file \"%s\" sent twice", r->name);
        r->size = shale_get_fixed64(p);
        r->got = 0;
        r->crc = 0;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", r->dir, r->name);
        if (make_parents(r->dir, r->name) != 0 ||
            (r->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
            return recv_fail(r, "could not create \"%s\"", path);
        return 0;
    }
    case 'D': {
        if (r->fd < 0 || n > r->size - r->got)
            return recv_fail(r, "unexpected data in the backup stream%s", "");
        for (size_t off = 0; off < n;) {
            ssize_t w = write(r->fd, p + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return recv_fail(r, "write failed: %s", strerror(errno));
            off += (size_t)w;
        }
        r->crc = shale_crc32c_extend(r->crc, p, n);
        r->got += n;
        r->sent_bytes += n;
        progress(r, false);
        return 0;
    }
    case 'E':
        if (r->fd < 0 || n != 4 || r->got != r->size)
            return recv_fail(r, "file \"%s\" incomplete in the backup stream", r->name);
        if (shale_get_fixed32(p) != r->crc)
            return recv_fail(r, "file \"%s\" arrived damaged (CRC mismatch)", r->name);
        if (fsync(r->fd) != 0 || close(r->fd) != 0) {
            r->fd = -1;
            return recv_fail(r, "could not sync \"%s\"", r->name);
        }
        r->fd = -1;
        r->n_files++;
        return bk_manifest_add(&r->m, r->name, r->size, r->crc) ? recv_fail(r, "out of memory%s", "") : 0;
    case 'R': {
        if (n < 12 || get_name(p + 12, n - 12, r->name, sizeof r->name) != 0 || !r->old)
            return recv_fail(r, "bad reuse record in the backup stream%s", "");
        uint64_t size = shale_get_fixed64(p);
        uint32_t crc = shale_get_fixed32(p + 8);
        char src[4400], dst[4400];
        snprintf(src, sizeof src, "%s/%s", r->old, r->name);
        snprintf(dst, sizeof dst, "%s/%s", r->dir, r->name);
        if (make_parents(r->dir, r->name) != 0 || shalectl_link_or_copy(src, dst, r->why, sizeof r->why) != 0)
            return -1;
        r->reused_bytes += size;
        r->n_files++;
        progress(r, false);
        return bk_manifest_add(&r->m, r->name, size, crc) ? recv_fail(r, "out of memory%s", "") : 0;
    }
    case 'Z':
        if (n != 4 || shale_get_fixed32(p) != r->n_files)
            return recv_fail(r, "backup stream ends with a wrong file count%s", "");
        r->done = true;
        return 0;
    default:
        return recv_fail(r, "unknown record in the backup stream%s", "");
    }
}

/* The reuse list from OLD's manifest: its SSTables. malloc'ed SQL text. */
static char *reuse_query(const BkManifest *old)
{
    size_t cap = 64 + old->n * 300, n;
    char *q = malloc(cap);
    if (!q)
        return NULL;
    n = (size_t)snprintf(q, cap, "BASE_BACKUP '");
    for (size_t i = 0; i < old->n; i++) {
        const BkFile *f = &old->files[i];
        size_t l = strlen(f->name);
        if (strncmp(f->name, "db/", 3) != 0 || l < 4 || strcmp(f->name + l - 4, ".sst") != 0)
            continue;
        n += (size_t)snprintf(q + n, cap - n, "%s%s:%" PRIu64 ":%08x", n > 13 ? " " : "", f->name, f->size, f->crc);
    }
    snprintf(q + n, cap - n, "'");
    return q;
}

int shalectl_backup(const ShalectlConn *conn, const char *dir, const char *old)
{
    char why[1200];
    if (shalectl_prepare_empty_dir(dir, why, sizeof why) != 0) {
        fprintf(stderr, "shalectl: %s\n", why);
        return 1;
    }
    BkManifest oldm;
    bk_manifest_init(&oldm);
    if (old && bk_manifest_read(old, &oldm, why, sizeof why) != 0) {
        fprintf(stderr, "shalectl: --incremental-from %s: %s\n", old, why);
        return 1;
    }
    char *q = old ? reuse_query(&oldm) : strdup("BASE_BACKUP");
    bk_manifest_free(&oldm);
    PqClient *c = NULL;
    if (!q || shalectl_connect(conn, &c) != 0) {
        free(q);
        return 1;
    }
    Recv r;
    memset(&r, 0, sizeof r);
    r.dir = dir;
    r.old = old;
    r.fd = -1;
    bk_manifest_init(&r.m);
    fprintf(stderr, "shalectl: starting %s backup into \"%s\"\n", old ? "incremental" : "full", dir);
    int rc = pq_client_copy_out(c, q, on_data, &r);
    free(q);
    if (r.fd >= 0)
        close(r.fd);
    if (rc != 0)
        fprintf(stderr, "shalectl: backup failed: %s\n", r.why[0] ? r.why : pq_client_error(c));
    else if (!r.done) {
        fprintf(stderr, "shalectl: backup failed: the stream ended early\n");
        rc = -1;
    }
    pq_client_close(c);
    if (rc == 0 && bk_manifest_write(&r.m, dir, why, sizeof why) != 0) {
        fprintf(stderr, "shalectl: %s\n", why);
        rc = -1;
    }
    if (rc == 0) {
        progress(&r, true);
        printf("backup complete: sequence %" PRIu64 ", %u files, %" PRIu64 " bytes transferred, %" PRIu64
               " bytes reused\n",
               r.m.sequence, r.n_files, r.sent_bytes, r.reused_bytes);
    }
    bk_manifest_free(&r.m);
    return rc == 0 ? 0 : 1;
}
