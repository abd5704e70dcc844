/* bk_manifest.c -- the backup manifest (format in bk_manifest.h). */
#include "tools/shalectl/bk_manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/crc32c.h"

void bk_manifest_init(BkManifest *m)
{
    memset(m, 0, sizeof *m);
    m->format = BK_FORMAT_VERSION;
}

void bk_manifest_free(BkManifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->files[i].name);
    free(m->files);
    memset(m, 0, sizeof *m);
}

bool bk_name_ok(const char *name)
{
    if (!name[0] || name[0] == '/' || strlen(name) > 255)
        return false;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return false;
    for (const char *p = name; *p;) {
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += l + (e ? 1 : 0);
        if (e && !*p)
            return false;
    }
    return true;
}

int bk_manifest_add(BkManifest *m, const char *name, uint64_t size, uint32_t crc)
{
    if (!bk_name_ok(name))
        return -1;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        BkFile *f = realloc(m->files, sizeof *f * cap);
        if (!f)
            return -1;
        m->files = f;
        m->cap = cap;
    }
    char *d = strdup(name);
    if (!d)
        return -1;
    m->files[m->n++] = (BkFile){ d, size, crc };
    return 0;
}

const BkFile *bk_manifest_find(const BkManifest *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->files[i].name, name) == 0)
            return &m->files[i];
    return NULL;
}

int bk_manifest_encode(const BkManifest *m, char **out, size_t *len)
{
    size_t cap = 128 + m->n * 300;
    char *b = malloc(cap);
    if (!b)
        return -1;
    size_t n = (size_t)snprintf(b, cap, "shalectl-backup %u\nsequence %" PRIu64 "\n", m->format, m->sequence);
    for (size_t i = 0; i < m->n; i++)
        n += (size_t)snprintf(b + n, cap - n, "file %" PRIu64 " %08x %s\n", m->files[i].size, m->files[i].crc,
                              m->files[i].name);
    n += (size_t)snprintf(b + n, cap - n, "end %08x\n", shale_crc32c(b, n));
    *out = b;
    *len = n;
    return 0;
}

static int why_set(char *why, size_t cap, const char *msg, int line)
{
    if (line > 0)
        snprintf(why, cap, "backup manifest line %d: %s", line, msg);
    else
        snprintf(why, cap, "backup manifest: %s", msg);
    return -1;
}

int bk_manifest_parse(const char *text, size_t len, BkManifest *m, char *why, size_t cap)
{
    bk_manifest_init(m);
    const char *p = text, *end = text + len;
    int line = 0;
    bool have_seq = false;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return bk_manifest_free(m), why_set(why, cap, "truncated (no newline)", line);
        char buf[400];
        size_t l = (size_t)(nl - p);
        if (l >= sizeof buf)
            return bk_manifest_free(m), why_set(why, cap, "line too long", line);
        memcpy(buf, p, l);
        buf[l] = 0;
        unsigned fmt, crc;
        unsigned long long a;
        char name[300], extra;
        if (line == 1) {
            if (sscanf(buf, "shalectl-backup %u%c", &fmt, &extra) != 1)
                return bk_manifest_free(m), why_set(why, cap, "not a shalectl backup manifest", line);
            if (fmt != BK_FORMAT_VERSION)
                return bk_manifest_free(m), why_set(why, cap, "unsupported format version", line);
            m->format = fmt;
        } else if (strncmp(buf, "sequence ", 9) == 0 && !have_seq) {
            if (sscanf(buf + 9, "%llu%c", &a, &extra) != 1)
                return bk_manifest_free(m), why_set(why, cap, "bad sequence", line);
            m->sequence = a;
            have_seq = true;
        } else if (strncmp(buf, "file ", 5) == 0) {
            if (sscanf(buf + 5, "%llu %8x %299s%c", &a, &crc, name, &extra) != 3)
                return bk_manifest_free(m), why_set(why, cap, "bad file record", line);
            if (bk_manifest_find(m, name))
                return bk_manifest_free(m), why_set(why, cap, "file listed twice", line);
            if (bk_manifest_add(m, name, a, crc) != 0)
                return bk_manifest_free(m), why_set(why, cap, "bad file name (or out of memory)", line);
        } else if (strncmp(buf, "end ", 4) == 0) {
            if (sscanf(buf + 4, "%8x%c", &crc, &extra) != 1 || l != 12)
                return bk_manifest_free(m), why_set(why, cap, "bad trailer", line);
            if (crc != shale_crc32c(text, (size_t)(p - text)))
                return bk_manifest_free(m), why_set(why, cap, "checksum mismatch (the manifest is damaged)", line);
            if (nl + 1 != end)
                return bk_manifest_free(m), why_set(why, cap, "bytes after the trailer", line + 1);
            if (!have_seq)
                return bk_manifest_free(m), why_set(why, cap, "no sequence record", 0);
            return 0;
        } else {
            return bk_manifest_free(m), why_set(why, cap, "unknown record", line);
        }
        p = nl + 1;
    }
    return bk_manifest_free(m), why_set(why, cap, "truncated (no end record)", 0);
}

int bk_manifest_write(const BkManifest *m, const char *dir, char *why, size_t cap)
{
    char *text;
    size_t len;
    if (bk_manifest_encode(m, &text, &len) != 0) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, BK_MANIFEST_NAME);
    snprintf(path, sizeof path, "%s/%s", dir, BK_MANIFEST_NAME);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd >= 0) {
        if (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 && close(fd) == 0) {
            fd = -1;
            if (rename(tmp, path) == 0) {
                int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) {
                    (void)fsync(dfd);
                    close(dfd);
                }
                rc = 0;
            }
        }
        if (fd >= 0)
            close(fd);
    }
    if (rc != 0)
        snprintf(why, cap, "could not write \"%s\": %s", path, strerror(errno));
    free(text);
    return rc;
}

int bk_manifest_read(const char *dir, BkManifest *m, char *why, size_t cap)
{
    bk_manifest_init(m);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, BK_MANIFEST_NAME);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, cap, "could not open \"%s\": %s (not a finished backup?)", path, strerror(errno));
        return -1;
    }
    size_t cap_t = 1 << 16, len = 0;
    char *text = malloc(cap_t);
    size_t got;
    while (text && (got = fread(text + len, 1, cap_t - len, f)) > 0) {
        len += got;
        if (len == cap_t && cap_t < (64u << 20)) {
            char *n = realloc(text, cap_t * 2);
            if (!n) {
                free(text);
                text = NULL;
                break;
            }
            text = n;
            cap_t *= 2;
        }
    }
    fclose(f);
    if (!text) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    int rc = bk_manifest_parse(text, len, m, why, cap);
    free(text);
    return rc;
}

int bk_file_crc(const char *path, uint64_t *size, uint32_t *crc, char *why, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, cap, "could not open \"%s\": %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(1 << 20);
    uint32_t c = 0;
    uint64_t n = 0;
    int rc = buf ? 0 : -1;
    while (rc == 0) {
        ssize_t r = read(fd, buf, 1 << 20);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(why, cap, "could not read \"%s\": %s", path, strerror(errno));
            rc = -1;
        }
        if (r <= 0)
            break;
        c = shale_crc32c_extend(c, buf, (size_t)r);
        n += (uint64_t)r;
    }
    if (!buf)
        snprintf(why, cap, "out of memory");
    free(buf);
    close(fd);
    *size = n;
    *crc = c;
    return rc;
}
