/* shalectl_restore.c -- shalectl verify (every file's size and CRC32C against the manifest,
 * and every SSTable block checksum through the storage engine's own reader) and shalectl
 * restore (a new data directory from a backup: db/ files at its top, hnsw/ and shaledb.conf
 * as they were; every byte is CRC-checked while it is copied). */
#include "tools/shalectl/shalectl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/sst.h"
#include "util/crc32c.h"

int shalectl_prepare_empty_dir(const char *dir, char *why, size_t cap)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (mkdir(dir, 0700) != 0) {
            snprintf(why, cap, "could not create directory \"%s\": %s", dir, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "\"%s\" exists and is not a directory", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(why, cap, "could not open directory \"%s\": %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(why, cap, "directory \"%s\" exists and is not empty", dir);
            rc = -1;
            break;
        }
    closedir(d);
    return rc;
}

/* Copies src to dst (created exclusively), fsyncs it; fills crc and size (of the bytes copied) when non-NULL. */
static int copy_file(const char *src, const char *dst, uint32_t *crc, uint64_t *size, char *why, size_t cap)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(why, cap, "could not open \"%s\": %s", src, strerror(errno));
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        snprintf(why, cap, "could not create \"%s\": %s", dst, strerror(errno));
        close(in);
        return -1;
    }
    char *buf = malloc(1 << 20);
    int rc = buf ? 0 : -1;
    uint32_t c = 0;
    uint64_t n = 0;
    while (rc == 0) {
        ssize_t r = read(in, buf, 1 << 20);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r < 0)
                rc = -1;
            break;
        }
        c = shale_crc32c_extend(c, buf, (size_t)r);
        n += (uint64_t)r;
        for (ssize_t off = 0; off < r && rc == 0;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                rc = -1;
            else
                off += w;
        }
    }
    if (rc == 0 && fsync(out) != 0)
        rc = -1;
    if (rc != 0)
        snprintf(why, cap, "copying \"%s\" to \"%s\" failed: %s", src, dst, buf ? strerror(errno) : "out of memory");
    free(buf);
    close(in);
    if (close(out) != 0 && rc == 0) {
        snprintf(why, cap, "could not close \"%s\": %s", dst, strerror(errno));
        rc = -1;
    }
    if (crc)
        *crc = c;
    if (size)
        *size = n;
    return rc;
}

int shalectl_link_or_copy(const char *src, const char *dst, char *why, size_t cap)
{
    if (link(src, dst) == 0)
        return 0;
    return copy_file(src, dst, NULL, NULL, why, cap);
}

static bool is_sst(const char *name, uint64_t *number)
{
    size_t l = strlen(name);
    if (strncmp(name, "db/", 3) != 0 || l < 8 || strcmp(name + l - 4, ".sst") != 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 3; i < l - 4; i++) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    *number = v;
    return true;
}

int shalectl_verify(const char *dir)
{
    BkManifest m;
    char why[1200];
    if (bk_manifest_read(dir, &m, why, sizeof why) != 0) {
        fprintf(stderr, "shalectl: verify: %s\n", why);
        return 1;
    }
    int bad = 0;
    uint64_t total = 0;
    bool have_current = false;
    for (size_t i = 0; i < m.n; i++) {
        const BkFile *f = &m.files[i];
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        if (strcmp(f->name, "db/CURRENT") == 0)
            have_current = true;
        uint64_t size;
        uint32_t crc;
        if (bk_file_crc(path, &size, &crc, why, sizeof why) != 0) {
            fprintf(stderr, "shalectl: verify: CORRUPT %s: %s\n", f->name, why);
            bad++;
            continue;
        }
        if (size != f->size) {
            fprintf(stderr, "shalectl: verify: CORRUPT %s: size %" PRIu64 ", manifest says %" PRIu64 "%s\n", f->name,
                    size, f->size, size < f->size ? " (truncated)" : "");
            bad++;
            continue;
        }
        if (crc != f->crc) {
            fprintf(stderr, "shalectl: verify: CORRUPT %s: CRC32C %08x, manifest says %08x\n", f->name, crc, f->crc);
            bad++;
        }
        uint64_t number;
        if (is_sst(f->name, &number)) {
            SstReader *rd = NULL;
            ShaleError se;
            shale_error_clear(&se);
            ShaleCode code = sst_reader_open(shale_env_default(), path, number, size, NULL, NULL, &rd, &se);
            if (code == SHALE_OK)
                code = sst_reader_verify(rd, &se);
            if (rd)
                sst_reader_close(rd);
            if (code != SHALE_OK) {
                fprintf(stderr, "shalectl: verify: CORRUPT %s: %s\n", f->name, se.msg);
                bad++;
            }
        }
        total += size;
        if ((i + 1) % 64 == 0)
            fprintf(stderr, "shalectl: verify: %zu/%zu files checked\n", i + 1, m.n);
    }
    if (!have_current) {
        fprintf(stderr, "shalectl: verify: CORRUPT: the manifest lists no db/CURRENT\n");
        bad++;
    }
    if (bad) {
        fprintf(stderr, "shalectl: verify: backup \"%s\" is DAMAGED: %d problem(s)\n", dir, bad);
        bk_manifest_free(&m);
        return 1;
    }
    printf("backup \"%s\" OK: sequence %" PRIu64 ", %zu files, %" PRIu64 " bytes verified\n", dir, m.sequence, m.n,
           total);
    bk_manifest_free(&m);
    return 0;
}

int shalectl_restore(const char *dir, const char *newdir)
{
    BkManifest m;
    char why[1200];
    if (bk_manifest_read(dir, &m, why, sizeof why) != 0) {
        fprintf(stderr, "shalectl: restore: %s\n", why);
        return 1;
    }
    if (!bk_manifest_find(&m, "db/CURRENT")) {
        fprintf(stderr, "shalectl: restore: the backup has no db/CURRENT\n");
        bk_manifest_free(&m);
        return 1;
    }
    if (shalectl_prepare_empty_dir(newdir, why, sizeof why) != 0) {
        fprintf(stderr, "shalectl: restore: %s\n", why);
        bk_manifest_free(&m);
        return 1;
    }
    int rc = 0;
    uint64_t total = 0;
    /* CURRENT goes last: a restore interrupted before it leaves no startable directory. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        for (size_t i = 0; i < m.n && rc == 0; i++) {
            const BkFile *f = &m.files[i];
            bool current = strcmp(f->name, "db/CURRENT") == 0;
            if (current != (pass == 1))
                continue;
            const char *rel = strncmp(f->name, "db/", 3) == 0 ? f->name + 3 : f->name;
            char src[4400], dst[4400];
            snprintf(src, sizeof src, "%s/%s", dir, f->name);
            snprintf(dst, sizeof dst, "%s/%s", newdir, rel);
            if (strchr(rel, '/')) {
                char sub[4400];
                snprintf(sub, sizeof sub, "%s/%.*s", newdir, (int)(strrchr(rel, '/') - rel), rel);
                if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
                    fprintf(stderr, "shalectl: restore: could not create \"%s\": %s\n", sub, strerror(errno));
                    rc = -1;
                    break;
                }
            }
            uint32_t crc;
            uint64_t size;
            if (copy_file(src, dst, &crc, &size, why, sizeof why) != 0) {
                fprintf(stderr, "shalectl: restore: %s\n", why);
                rc = -1;
            } else if (size != f->size || crc != f->crc) {
                fprintf(stderr, "shalectl: restore: \"%s\" is damaged (size or CRC32C differs from the manifest); "
                        "run shalectl verify\n", src);
                rc = -1;
            }
            total += size;
            if ((i + 1) % 64 == 0)
                fprintf(stderr, "shalectl: restore: %zu/%zu files\n", i + 1, m.n);
        }
    }
    if (rc == 0) {
        int dfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        printf("restored sequence %" PRIu64 " into \"%s\" (%zu files, %" PRIu64 " bytes)\n", m.sequence, newdir, m.n,
               total);
    }
    bk_manifest_free(&m);
    return rc == 0 ? 0 : 1;
}
