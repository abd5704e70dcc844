/* db_test_util.h -- small helpers shared by the DB-level test suites beside it: option
 * presets that make flushes and compactions happen with little data, directory copy
 * and listing, in-place byte flips for corruption tests, hex rendering for failure messages.
 *
 * Header-only (static functions); include after tests/harness/test.h in one translation
 * unit per test binary. Everything here works on the data directory through plain POSIX
 * calls and file names documented in src/storage/filename.h, never on engine internals. */
#ifndef SHALE_TESTS_STORAGE_DB_TEST_UTIL_H
#define SHALE_TESTS_STORAGE_DB_TEST_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "storage/shale_storage.h"
#include "util/hash.h"

#ifdef SHALE_SANITIZERS
#define DBT_SANITIZERS 1
#else
#define DBT_SANITIZERS 0
#endif

/* Options that make a tree of several levels out of a few hundred KiB of data. */
static inline void dbt_small_options(ShaleDBOptions *o)
{
    shale_db_options_init(o);
    o->write_buffer_size = 32 * 1024;
    o->block_size = 1024;
    o->target_file_size = 16 * 1024;
    o->max_bytes_for_level_base = 64 * 1024;
    o->block_cache_bytes = 256 * 1024;
    o->max_open_files = 32;
    o->l0_compaction_trigger = 3;
    o->l0_slowdown_trigger = 6;
    o->l0_stop_trigger = 10;
}

/* snprintf into buf (caller's storage) and return it. */
static inline char *dbt_path(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline char *dbt_path(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return buf;
}

/* Renders up to 48 bytes of data as printable text with \xNN escapes into buf (caller's). */
static inline const char *dbt_hex(char *buf, size_t cap, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t o = 0;
    size_t lim = n > 48 ? 48 : n;
    buf[0] = '\0';
    for (size_t i = 0; i < lim && o + 8 < cap; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            buf[o++] = (char)p[i];
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", p[i]);
    }
    if (lim < n && o + 4 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o < cap ? o : cap - 1] = '\0';
    return buf;
}

/* Whole-file read into a malloc'd buffer the caller frees; NULL on failure. */
static inline char *dbt_read_file(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (buf && got != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    *n = got;
    return buf;
}

static inline bool dbt_write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return false;
    const char *p = data;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    close(fd);
    return done == n;
}

static inline int64_t dbt_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* XORs the byte at offset of path with mask, in place. */
static inline bool dbt_flip_byte(const char *path, uint64_t offset, unsigned char mask)
{
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return false;
    unsigned char c;
    bool ok = pread(fd, &c, 1, (off_t)offset) == 1;
    c ^= mask;
    ok = ok && pwrite(fd, &c, 1, (off_t)offset) == 1;
    close(fd);
    return ok;
}

/* Copies every regular file of src into dst (created; must not hold other files). */
static inline bool dbt_copy_dir(const char *src, const char *dst)
{
    if (mkdir(dst, 0755) != 0)
        return false;
    DIR *d = opendir(src);
    if (!d)
        return false;
    bool ok = true;
    struct dirent *e;
    char from[1024], to[1024];
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        dbt_path(from, sizeof from, "%s/%s", src, e->d_name);
        dbt_path(to, sizeof to, "%s/%s", dst, e->d_name);
        size_t n;
        char *data = dbt_read_file(from, &n);
        ok = data && dbt_write_file(to, data, n);
        free(data);
    }
    closedir(d);
    return ok;
}

/* Which files of a data directory to list. */
typedef enum DbtFileKind { DBT_SST, DBT_WAL, DBT_MANIFEST } DbtFileKind;

/* Parses a documented file name; true when name is of kind, with its number in *num. */
static inline bool dbt_parse_name(const char *name, DbtFileKind kind, uint64_t *num)
{
    const char *digits = name;
    const char *suffix = kind == DBT_SST ? ".sst" : kind == DBT_WAL ? ".wal" : "";
    if (kind == DBT_MANIFEST) {
        if (strncmp(name, "MANIFEST-", 9) != 0)
            return false;
        digits = name + 9;
    }
    char *end;
    if (*digits < '0' || *digits > '9')
        return false;
    unsigned long long v = strtoull(digits, &end, 10);
    if (strcmp(end, suffix) != 0)
        return false;
    *num = v;
    return true;
}

static inline int dbt_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Fills nums (capacity cap) with the sorted numbers of dir's files of kind; returns how many
 * there are (may exceed cap). */
static inline size_t dbt_list_files(const char *dir, DbtFileKind kind, uint64_t *nums, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t num;
        if (dbt_parse_name(e->d_name, kind, &num)) {
            if (n < cap)
                nums[n] = num;
            n++;
        }
    }
    closedir(d);
    qsort(nums, n < cap ? n : cap, sizeof *nums, dbt_cmp_u64);
    return n;
}

/* Path of the live manifest named by dir/CURRENT, into buf; false if unreadable. */
static inline bool dbt_current_manifest(const char *dir, char *buf, size_t cap)
{
    char p[1024];
    size_t n;
    char *data = dbt_read_file(dbt_path(p, sizeof p, "%s/CURRENT", dir), &n);
    if (!data)
        return false;
    while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    data[n] = '\0';
    dbt_path(buf, cap, "%s/%s", dir, data);
    free(data);
    return true;
}

/* Record boundaries of a record-log file (WAL or manifest), per log_format.h:
 * record = len:fixed32 | len_crc:fixed32 | data_crc:fixed32 | payload[len].
 * Fills starts[] (capacity cap) with each record's offset; returns the record count, or -1 if
 * the file does not parse into whole records (then tests fall back to weaker checks). */
static inline long dbt_log_records(const char *path, uint64_t *starts, size_t cap)
{
    size_t n;
    unsigned char *data = (unsigned char *)dbt_read_file(path, &n);
    if (!data)
        return -1;
    size_t off = 0;
    long count = 0;
    while (off + 12 <= n) {
        uint32_t len = (uint32_t)data[off] | (uint32_t)data[off + 1] << 8 |
                       (uint32_t)data[off + 2] << 16 | (uint32_t)data[off + 3] << 24;
        if (len > n - off - 12)
            break;
        if ((size_t)count < cap)
            starts[count] = off;
        count++;
        off += 12 + (size_t)len;
    }
    free(data);
    return off == n ? count : -1;
}

/* Elapsed-time helper in seconds. */
static inline double dbt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints the per-level file counts and bytes and the headline counters of db. */
static inline void dbt_print_stats(ShaleDB *db, const char *label)
{
    ShaleDBStats st;
    shale_db_stats(db, &st);
    printf("  %s: levels", label);
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        printf(" L%d=%llu/%lluB", l, (unsigned long long)st.levels[l].files,
               (unsigned long long)st.levels[l].bytes);
    printf("; flushes=%llu compactions=", (unsigned long long)st.flushes);
    uint64_t c = 0;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        c += st.levels[l].compactions;
    printf("%llu wamp=%.2f stalls=%llu/%llu max_stall_us=%llu\n", (unsigned long long)c,
           st.write_amplification, (unsigned long long)st.stalls_slowdown,
           (unsigned long long)st.stalls_stop, (unsigned long long)st.max_stall_micros);
}

#endif
