/* backup.c -- BASE_BACKUP (sql/backup.h, where the stream format is written down).
 *
 * How the consistent state is captured: shale_db_checkpoint pins a version holding exactly
 * the writes up to one sequence number; shale_checkpoint_export turns it into a complete
 * storage directory under <data_dir>/backup_tmp/<pid>-<n> (SSTables hard-linked, so no data
 * is copied and compaction cannot delete them under us; a fresh MANIFEST and CURRENT), and
 * the checkpoint is released at once. That directory is streamed and removed. A server that
 * died mid-backup leaves the directory behind: the next backup run with no other backup in
 * flight removes every leftover under backup_tmp/. */
#include "sql/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sql/session_int.h"
#include "storage/shale_storage.h"
#include "util/coding.h"
#include "util/crc32c.h"

/* Backups in flight in this process (guarded by backup_mu): leftovers are removed only when
 * none runs, so a running backup's directory is never touched. */
static pthread_mutex_t backup_mu = PTHREAD_MUTEX_INITIALIZER;
static int backup_active;
static unsigned backup_counter;

typedef struct ReuseEntry {
    char *name;
    uint64_t size;
    uint32_t crc;
} ReuseEntry;

typedef struct BackupRun {
    SqlSession *s;
    const SqlSink *sink;
    char *buf;                 /* BACKUP_CHUNK + 16 bytes; owned */
    ReuseEntry *reuse;         /* owned, with the names */
    size_t n_reuse;
    uint32_t n_files;
    char **names;              /* directory listing scratch; owned */
    size_t n_names, cap_names;
} BackupRun;

/* Removes path and everything below it (best effort; used for our own temp dirs only). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[4400];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int parse_reuse(BackupRun *r, const char *list, SqlError *err)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\n' && *p != '\t' && *p != ',')
            p++;
        const char *c2 = NULL, *c1 = NULL;
        for (const char *q = p; q > start; q--)
            if (q[-1] == ':') {
                if (!c2)
                    c2 = q - 1;
                else {
                    c1 = q - 1;
                    break;
                }
            }
        char num[64];
        if (!c1 || c1 == start || c2 - c1 - 1 <= 0 || (size_t)(c2 - c1 - 1) >= sizeof num || p - c2 - 1 != 8)
            return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "invalid BASE_BACKUP reuse entry \"%.*s\"",
                                 (int)(p - start), start);
        memcpy(num, c1 + 1, (size_t)(c2 - c1 - 1));
        num[c2 - c1 - 1] = 0;
        char *endp;
        errno = 0;
        unsigned long long size = strtoull(num, &endp, 10);
        char hex[9];
        memcpy(hex, c2 + 1, 8);
        hex[8] = 0;
        char *endh;
        unsigned long crc = strtoul(hex, &endh, 16);
        if (errno || *endp || *endh)
            return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "invalid BASE_BACKUP reuse entry \"%.*s\"",
                                 (int)(p - start), start);
        ReuseEntry *n = realloc(r->reuse, sizeof *n * (r->n_reuse + 1));
        if (!n)
            return sql_error_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
        r->reuse = n;
        char *name = strndup(start, (size_t)(c1 - start));
        if (!name)
            return sql_error_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
        r->reuse[r->n_reuse++] = (ReuseEntry){ name, size, (uint32_t)crc };
    }
    return 0;
}

static void send_record(BackupRun *r, const char *data, size_t n)
{
    r->sink->copy_data(r->sink->arg, data, n);
}

static size_t put_name(char *p, const char *name)
{
    size_t n = strlen(name);
    p[0] = (char)(n & 0xff);
    p[1] = (char)(n >> 8);
    memcpy(p + 2, name, n);
    return n + 2;
}

static int io_error(SqlError *err, const char *what, const char *path)
{
    return sql_error_set(err, ERRCODE_IO_ERROR, "could not %s file \"%s\": %s", what, path, strerror(errno));
}

static int check_cancel(BackupRun *r, SqlError *err)
{
    if (atomic_load(&r->s->cancel))
        return sql_error_set(err, ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
    return 0;
}

/* CRC32C of the whole file at path (size bytes); -1 on a read error or a size mismatch. */
static int file_crc(BackupRun *r, const char *path, uint64_t size, uint32_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    uint32_t crc = 0;
    uint64_t done = 0;
    for (;;) {
        ssize_t got = read(fd, r->buf, BACKUP_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            close(fd);
            if (got < 0 || done != size)
                return -1;
            *out = crc;
            return 0;
        }
        crc = shale_crc32c_extend(crc, r->buf, (size_t)got);
        done += (uint64_t)got;
    }
}

/* Sends path as name ('F', 'D'..., 'E'), or 'R' when the reuse list has it unchanged.
 * missing_ok: a file that vanished before it was opened is skipped (hnsw graph dropped). */
static int send_file(BackupRun *r, const char *path, const char *name, bool missing_ok, SqlError *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (missing_ok && errno == ENOENT)
            return 0;
        return io_error(err, "open", path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = io_error(err, "stat", path);
        close(fd);
        return rc;
    }
    uint64_t size = (uint64_t)st.st_size;
    for (size_t i = 0; i < r->n_reuse; i++) {
        uint32_t crc;
        if (strcmp(r->reuse[i].name, name) || r->reuse[i].size != size || file_crc(r, path, size, &crc) != 0 ||
            crc != r->reuse[i].crc)
            continue;
        close(fd);
        char rec[16 + 4200];
        rec[0] = 'R';
        shale_put_fixed64(rec + 1, size);
        shale_put_fixed32(rec + 9, crc);
        send_record(r, rec, 13 + put_name(rec + 13, name));
        r->n_files++;
        return 0;
    }
    char rec[16 + 4200];
    rec[0] = 'F';
    shale_put_fixed64(rec + 1, size);
    send_record(r, rec, 9 + put_name(rec + 9, name));
    uint32_t crc = 0;
    uint64_t left = size;
    int rc = 0;
    while (left > 0 && rc == 0) {
        size_t want = left < BACKUP_CHUNK ? (size_t)left : BACKUP_CHUNK;
        ssize_t got = read(fd, r->buf + 1, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = io_error(err, "read", path);
        } else if (got == 0) {
            errno = EIO;
            rc = sql_error_set(err, ERRCODE_IO_ERROR, "file \"%s\" shrank while it was read", path);
        } else {
            crc = shale_crc32c_extend(crc, r->buf + 1, (size_t)got);
            r->buf[0] = 'D';
            send_record(r, r->buf, (size_t)got + 1);
            left -= (uint64_t)got;
            rc = check_cancel(r, err);
        }
    }
    close(fd);
    if (rc)
        return rc;
    rec[0] = 'E';
    shale_put_fixed32(rec + 1, crc);
    send_record(r, rec, 5);
    r->n_files++;
    return 0;
}

static bool collect_name(void *arg, const char *name)
{
    BackupRun *r = arg;
    if (r->n_names == r->cap_names) {
        size_t cap = r->cap_names ? r->cap_names * 2 : 64;
        char **n = realloc(r->names, sizeof *n * cap);
        if (!n)
            return false;
        r->names = n;
        r->cap_names = cap;
    }
    char *d = strdup(name);
    if (!d)
        return false;
    r->names[r->n_names++] = d;
    return true;
}

static void clear_names(BackupRun *r)
{
    for (size_t i = 0; i < r->n_names; i++)
        free(r->names[i]);
    r->n_names = 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Streams the exported checkpoint dir: SSTables, then MANIFEST-*, then CURRENT last. */
static int send_db_dir(BackupRun *r, const char *dir, SqlError *err)
{
    ShaleError se;
    clear_names(r);
    if (shale_env_list_dir(dir, collect_name, r, &se) != SHALE_OK)
        return sql_error_set(err, ERRCODE_IO_ERROR, "could not list \"%s\": %s", dir, se.msg);
    qsort(r->names, r->n_names, sizeof *r->names, name_cmp);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < r->n_names; i++) {
            const char *n = r->names[i];
            bool want = pass == 0 ? has_suffix(n, ".sst")
                      : pass == 1 ? strncmp(n, "MANIFEST-", 9) == 0
                                  : strcmp(n, "CURRENT") == 0;
            if (!want)
                continue;
            char path[4400], name[300];
            snprintf(path, sizeof path, "%s/%s", dir, n);
            snprintf(name, sizeof name, "db/%s", n);
            if (send_file(r, path, name, false, err) != 0)
                return -1;
        }
    }
    return 0;
}

static int send_hnsw_dir(BackupRun *r, const char *data_dir, SqlError *err)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/hnsw", data_dir);
    struct stat st;
    if (stat(dir, &st) != 0)
        return 0;
    ShaleError se;
    clear_names(r);
    if (shale_env_list_dir(dir, collect_name, r, &se) != SHALE_OK)
        return sql_error_set(err, ERRCODE_IO_ERROR, "could not list \"%s\": %s", dir, se.msg);
    qsort(r->names, r->n_names, sizeof *r->names, name_cmp);
    for (size_t i = 0; i < r->n_names; i++) {
        if (!has_suffix(r->names[i], ".hnsw"))
            continue;   /* *.tmp: a save in progress */
        char path[4400], name[300];
        snprintf(path, sizeof path, "%s/%s", dir, r->names[i]);
        snprintf(name, sizeof name, "hnsw/%s", r->names[i]);
        if (send_file(r, path, name, true, err) != 0)
            return -1;
    }
    return 0;
}

static int run_backup(BackupRun *r, const char *data_dir, const char *tmp, SqlError *err)
{
    ShaleCheckpoint *cp = NULL;
    ShaleError se;
    shale_error_clear(&se);
    if (shale_db_checkpoint(r->s->eng->db, &cp, &se) != SHALE_OK)
        return sql_error_from_storage(err, &se);
    uint64_t seq = shale_checkpoint_sequence(cp);
    ShaleCode code = shale_checkpoint_export(cp, tmp, &se);
    shale_checkpoint_release(cp);
    if (code != SHALE_OK)
        return sql_error_from_storage(err, &se);
    r->sink->copy_out_response(r->sink->arg, 1, 0, NULL);
    char rec[16];
    rec[0] = 'H';
    shale_put_fixed32(rec + 1, BACKUP_STREAM_VERSION);
    shale_put_fixed64(rec + 5, seq);
    send_record(r, rec, 13);
    if (send_db_dir(r, tmp, err) != 0 || send_hnsw_dir(r, data_dir, err) != 0)
        return -1;
    char conf[4200];
    snprintf(conf, sizeof conf, "%s/shaledb.conf", data_dir);
    if (send_file(r, conf, "shaledb.conf", true, err) != 0)
        return -1;
    rec[0] = 'Z';
    shale_put_fixed32(rec + 1, r->n_files);
    send_record(r, rec, 5);
    r->sink->copy_done(r->sink->arg);
    r->sink->command_complete(r->sink->arg, "BASE_BACKUP");
    return 0;
}

SqlStatus backup_execute(SqlSession *s, const AstBaseBackupStmt *st, const SqlSink *sink, SqlError *err)
{
    if (!s->superuser) {
        sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be superuser to run BASE_BACKUP");
        return SQL_ERROR;
    }
    if (s->tx == TX_BLOCK || s->tx == TX_FAILED) {
        sql_error_set(err, ERRCODE_ACTIVE_SQL_TRANSACTION, "BASE_BACKUP cannot run inside a transaction block");
        return SQL_ERROR;
    }
    const char *data_dir = s->eng->data_dir;
    if (!data_dir[0]) {
        sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "BASE_BACKUP needs a server with a data directory");
        return SQL_ERROR;
    }
    BackupRun r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.sink = sink;
    r.buf = malloc(BACKUP_CHUNK + 16);
    if (!r.buf) {
        sql_error_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
        return SQL_ERROR;
    }
    int rc = st->reuse ? parse_reuse(&r, st->reuse, err) : 0;
    char base[4200], tmp[4300];
    snprintf(base, sizeof base, "%s/backup_tmp", data_dir);
    if (rc == 0) {
        pthread_mutex_lock(&backup_mu);
        if (backup_active == 0)
            remove_tree(base);
        backup_active++;
        unsigned n = ++backup_counter;
        pthread_mutex_unlock(&backup_mu);
        mkdir(base, 0700);
        snprintf(tmp, sizeof tmp, "%s/%d-%u", base, (int)getpid(), n);
        rc = run_backup(&r, data_dir, tmp, err);
        remove_tree(tmp);
        pthread_mutex_lock(&backup_mu);
        backup_active--;
        pthread_mutex_unlock(&backup_mu);
    }
    clear_names(&r);
    free(r.names);
    for (size_t i = 0; i < r.n_reuse; i++)
        free(r.reuse[i].name);
    free(r.reuse);
    free(r.buf);
    return rc == 0 ? SQL_DONE : SQL_ERROR;
}
