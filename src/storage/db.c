/* db.c -- opening and recovering a database, the write path with group commit, point
 * reads, snapshots, iterators, flush/compact requests and statistics. Background work is
 * in db_background.c, checkpoints in db_checkpoint.c; the locking rules are in db_impl.h. */
#include "storage/db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/db_iter.h"
#include "storage/filename.h"
#include "util/blocking.h"

void shale_db_options_init(ShaleDBOptions *o)
{
    memset(o, 0, sizeof *o);
    o->env = NULL;
    o->create_if_missing = true;
    o->error_if_exists = false;
    o->write_buffer_size = 4u << 20;
    o->block_size = 4096;
    o->block_restart_interval = 16;
    o->bloom_bits_per_key = 10;
    o->compression = true;
    o->block_cache_bytes = 8u << 20;
    o->max_open_files = 1000;
    o->target_file_size = 2u << 20;
    o->max_bytes_for_level_base = 10u << 20;
    o->l0_compaction_trigger = 4;
    o->l0_slowdown_trigger = 8;
    o->l0_stop_trigger = 12;
}

static void sanitize_options(ShaleDBOptions *o)
{
#define CLAMP(f, lo, hi) do { if (o->f < (lo)) o->f = (lo); if (o->f > (hi)) o->f = (hi); } while (0)
    CLAMP(write_buffer_size, (size_t)64 << 10, (size_t)1 << 30);
    CLAMP(block_size, (size_t)256, (size_t)4 << 20);
    CLAMP(block_restart_interval, 1, 1024);
    CLAMP(bloom_bits_per_key, 0, 64);
    CLAMP(max_open_files, 20, 1 << 20);
    CLAMP(target_file_size, (size_t)32 << 10, (size_t)1 << 30);
    CLAMP(max_bytes_for_level_base, (uint64_t)128 << 10, (uint64_t)1 << 40);
    CLAMP(l0_compaction_trigger, 1, 1000);
    CLAMP(l0_slowdown_trigger, o->l0_compaction_trigger, 1000);
    CLAMP(l0_stop_trigger, o->l0_slowdown_trigger, 1000);
#undef CLAMP
    if (!o->env)
        o->env = shale_env_default();
}

/* ---- open / recovery ---------------------------------------------------------------- */

typedef struct DirScan {
    uint64_t *wals;
    size_t n_wals, cap_wals;
    uint64_t max_number;
    bool oom;
} DirScan;

static bool scan_dir_entry(void *arg, const char *name)
{
    DirScan *s = arg;
    uint64_t num;
    ShaleFileType t = shale_parse_file_name(name, &num);
    if (num > s->max_number)
        s->max_number = num;
    if (t == SHALE_FILE_WAL) {
        if (s->n_wals == s->cap_wals) {
            size_t cap = s->cap_wals ? s->cap_wals * 2 : 8;
            uint64_t *w = realloc(s->wals, cap * sizeof *w);
            if (!w) {
                s->oom = true;
                return false;
            }
            s->wals = w;
            s->cap_wals = cap;
        }
        s->wals[s->n_wals++] = num;
    }
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct ReplayTarget {
    MemTable *mem;
    const DropSet *drops;      /* the recovered ranges: their keys are not replayed */
} ReplayTarget;

static ShaleCode memtable_insert_cb(void *arg, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value)
{
    ReplayTarget *t = arg;
    if (t->drops && drop_set_find(t->drops, key))
        return SHALE_OK;
    return memtable_add(t->mem, seq, kind, key, value);
}

/* Replays one WAL into *mem (flushing full memtables into edit). *cut is set when the log
 * ended in a torn or corrupt record: everything after it (and every later WAL) is dropped. */
static ShaleCode replay_wal(ShaleDB *db, uint64_t number, MemTable **mem, VersionEdit *edit,
                            uint64_t *max_seq, bool *cut, ShaleError *err)
{
    char path[SHALE_PATH_MAX];
    shale_wal_path(path, sizeof path, db->dir, number);
    ShaleSeqFile *f;
    ShaleCode rc = shale_sfile_open(db->env, path, &f, err);
    if (rc)
        return rc;
    LogReader *r = log_reader_new(f);
    if (!r) {
        shale_sfile_close(f);
        return SHALE_ERR_NOMEM(err, "out of memory replaying \"%s\"", path);
    }
    for (;;) {
        ShaleSlice rec;
        ShaleError rerr;
        shale_error_clear(&rerr);
        LogReadResult res = log_reader_read(r, &rec, &rerr);
        if (res == LOG_READ_EOF)
            break;
        if (res == LOG_READ_RECORD && rec.size >= BATCH_HEADER_SIZE) {
            if (!*mem && !(*mem = memtable_new())) {
                rc = SHALE_ERR_NOMEM(err, "out of memory replaying \"%s\"", path);
                break;
            }
            ShaleError berr;
            uint64_t seq = shale_get_fixed64(rec.data);
            uint32_t count = shale_get_fixed32(rec.data + 8);
            ReplayTarget target = { *mem, db->vset->current->drops };
            ShaleCode brc = batch_iterate(rec, memtable_insert_cb, &target, &berr);
            if (brc == SHALE_OK) {
                if (count && seq + count - 1 > *max_seq)
                    *max_seq = seq + count - 1;
                if (memtable_bytes(*mem) > db->opts.write_buffer_size) {
                    rc = db_write_level0_table(db, *mem, edit, NULL, NULL, err);
                    memtable_unref(*mem);
                    *mem = NULL;
                    if (rc)
                        break;
                }
                continue;
            }
            if (brc != SHALE_CORRUPTION) {
                rc = shale_error_set(err, brc, "replaying \"%s\": %s", path, berr.msg);
                break;
            }
            rerr = berr;
        } else if (res == LOG_READ_RECORD) {
            snprintf(rerr.msg, sizeof rerr.msg, "record of %zu bytes is too short for a batch", rec.size);
        } else if (rerr.code != SHALE_OK && rerr.code != SHALE_CORRUPTION) {
            rc = shale_error_set(err, rerr.code, "replaying \"%s\": %s", path, rerr.msg);
            break;
        }
        /* Torn or corrupt: keep the prefix, drop the rest. */
        fprintf(stderr, "shaledb: WARNING: write-ahead log \"%s\" cut at byte %llu (%s): %s\n", path,
                (unsigned long long)log_reader_good_offset(r),
                res == LOG_READ_TORN ? "interrupted write" : "corrupt record", rerr.msg);
        *cut = true;
        break;
    }
    log_reader_free(r);
    shale_sfile_close(f);
    return rc;
}

static ShaleCode db_recover(ShaleDB *db, ShaleError *err)
{
    char path[SHALE_PATH_MAX];
    snprintf(path, sizeof path, "%s/CURRENT", db->dir);
    ShaleCode rc;
    if (!shale_env_exists(path)) {
        if (!db->opts.create_if_missing)
            return SHALE_ERR_INVALID(err, "database \"%s\" does not exist (create_if_missing is false)", db->dir);
        rc = version_set_create_new(db->vset, err);
        if (rc)
            return rc;
    } else if (db->opts.error_if_exists) {
        return SHALE_ERR_INVALID(err, "database \"%s\" already exists (error_if_exists is true)", db->dir);
    }
    rc = version_set_recover(db->vset, err);
    if (rc)
        return rc;

    DirScan scan = { 0 };
    rc = shale_env_list_dir(db->dir, scan_dir_entry, &scan, err);
    if (!rc && scan.oom)
        rc = SHALE_ERR_NOMEM(err, "out of memory listing \"%s\"", db->dir);
    if (rc) {
        free(scan.wals);
        return rc;
    }
    if (db->vset->next_file_number <= scan.max_number)
        db->vset->next_file_number = scan.max_number + 1;
    if (scan.n_wals)
        qsort(scan.wals, scan.n_wals, sizeof(uint64_t), cmp_u64);

    VersionEdit edit;
    version_edit_init(&edit);
    MemTable *mem = NULL;
    uint64_t max_seq = db->vset->last_sequence;
    bool cut = false;
    for (size_t i = 0; i < scan.n_wals && !rc && !cut; i++)
        if (scan.wals[i] >= db->vset->log_number)
            rc = replay_wal(db, scan.wals[i], &mem, &edit, &max_seq, &cut, err);
    free(scan.wals);
    if (!rc && mem && memtable_n_entries(mem) > 0)
        rc = db_write_level0_table(db, mem, &edit, NULL, NULL, err);
    if (mem)
        memtable_unref(mem);
    if (!rc) {
        db->vset->last_sequence = max_seq;
        db->wal_number = version_set_new_file_number(db->vset);
        shale_wal_path(path, sizeof path, db->dir, db->wal_number);
        rc = shale_wfile_open(db->env, path, &db->wal_file, err);
    }
    if (!rc && !(db->wal = log_writer_new(db->wal_file)))
        rc = SHALE_ERR_NOMEM(err, "out of memory opening the write-ahead log");
    if (!rc) {
        /* Every replayed write is now in a table: older WALs become obsolete. A fresh
         * manifest is written on every open (so a torn old tail is never appended to). */
        version_edit_set_log_number(&edit, db->wal_number);
        rc = version_set_log_and_apply(db->vset, &edit, NULL, err);
    }
    pthread_mutex_lock(&db->mu);
    for (size_t i = 0; i < edit.n_added; i++)
        db_pending_remove(db, edit.added[i].meta->number);
    version_edit_destroy(&edit);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

ShaleCode shale_db_open(const char *dir, const ShaleDBOptions *opts, ShaleDB **out, ShaleError *err)
{
    *out = NULL;
    ShaleDB *db = calloc(1, sizeof *db);
    if (!db)
        return SHALE_ERR_NOMEM(err, "out of memory opening \"%s\"", dir);
    if (opts)
        db->opts = *opts;
    else
        shale_db_options_init(&db->opts);
    sanitize_options(&db->opts);
    db->env = db->opts.env;
    db->lock_fd = -1;
    db->dir = strdup(dir);
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->bg_cv, NULL);
    pthread_cond_init(&db->bg_work_cv, NULL);
    pthread_mutex_init(&db->ckpt_mu, NULL);
    db->snapshots.prev = db->snapshots.next = &db->snapshots;
    db->mem_id = 1;
    ShaleCode rc = SHALE_OK;
    if (!db->dir)
        rc = SHALE_ERR_NOMEM(err, "out of memory opening \"%s\"", dir);
    if (!rc)
        rc = shale_env_mkdirs(dir, err);
    char path[SHALE_PATH_MAX];
    if (!rc) {
        snprintf(path, sizeof path, "%s/LOCK", dir);
        rc = shale_env_lock(path, &db->lock_fd, err);
    }
    if (!rc) {
        db->block_cache = block_cache_new(db->opts.block_cache_bytes);
        db->table_cache = db->block_cache
            ? table_cache_new(db->env, dir, db->opts.max_open_files, db->block_cache, &db->counters) : NULL;
        db->vset = db->table_cache ? version_set_new(dir, db->env, &db->opts, db->table_cache) : NULL;
        db->mem = memtable_new();
        db->group_batch = shale_batch_new();
        if (!db->vset || !db->mem || !db->group_batch)
            rc = SHALE_ERR_NOMEM(err, "out of memory opening \"%s\"", dir);
    }
    if (!rc)
        rc = db_recover(db, err);
    if (!rc) {
        pthread_mutex_lock(&db->mu);
        db_delete_obsolete_files(db);
        pthread_mutex_unlock(&db->mu);
        if (pthread_create(&db->bg_thread, NULL, db_bg_main, db) != 0)
            rc = SHALE_ERR_IO(err, "could not start the background thread");
        else
            db->bg_running = true;
    }
    if (rc) {
        (void)shale_db_close(db, NULL);
        return rc;
    }
    *out = db;
    return SHALE_OK;
}

ShaleCode shale_db_close(ShaleDB *db, ShaleError *err)
{
    if (!db)
        return SHALE_OK;
    ShaleCode rc = SHALE_OK;
    pthread_mutex_lock(&db->mu);
    db->shutting_down = true;
    pthread_cond_broadcast(&db->bg_work_cv);
    pthread_mutex_unlock(&db->mu);
    if (db->bg_running)
        pthread_join(db->bg_thread, NULL);
    if (db->wal)
        log_writer_free(db->wal);
    if (db->wal_file)
        rc = shale_wfile_close(db->wal_file, err);
    if (db->mem)
        memtable_unref(db->mem);
    if (db->imm)
        memtable_unref(db->imm);
    version_set_free(db->vset);
    table_cache_free(db->table_cache);
    block_cache_free(db->block_cache);
    if (db->group_batch)
        shale_batch_free(db->group_batch);
    free(db->pending_outputs);
    shale_env_unlock(db->lock_fd);
    pthread_cond_destroy(&db->bg_cv);
    pthread_cond_destroy(&db->bg_work_cv);
    pthread_mutex_destroy(&db->mu);
    pthread_mutex_destroy(&db->ckpt_mu);
    free(db->dir);
    free(db);
    return rc;
}

/* ---- the write path ------------------------------------------------------------------ */

static ShaleCode sticky_error(ShaleDB *db, ShaleError *err)
{
    return shale_error_set(err, db->bg_error.code, "database is read-only after an earlier error: %s",
                           db->bg_error.msg);
}

static void set_bg_error(ShaleDB *db, const ShaleError *e)
{
    if (db->bg_error.code == SHALE_OK && e->code != SHALE_OK)
        db->bg_error = *e;
}

static uint64_t now_micros(void)
{
    return shale_env_now_micros();
}

static void note_stall(ShaleDB *db, uint64_t start)
{
    uint64_t d = now_micros() - start;
    db->stall_micros += d;
    if (d > db->max_stall_micros)
        db->max_stall_micros = d;
}

/* Freezes mem into imm and starts a new WAL. REQUIRES: mu, writer role, imm == NULL. */
static ShaleCode switch_memtable(ShaleDB *db, ShaleError *err)
{
    uint64_t number = version_set_new_file_number(db->vset);
    char path[SHALE_PATH_MAX];
    shale_wal_path(path, sizeof path, db->dir, number);
    ShaleWritableFile *f;
    ShaleCode rc = shale_wfile_open(db->env, path, &f, err);
    if (rc)
        return rc;
    LogWriter *w = log_writer_new(f);
    MemTable *m = memtable_new();
    if (!w || !m) {
        if (w)
            log_writer_free(w);
        if (m)
            memtable_unref(m);
        (void)shale_wfile_close(f, NULL);
        (void)shale_env_remove(db->env, path, NULL);
        return SHALE_ERR_NOMEM(err, "out of memory switching memtables");
    }
    log_writer_free(db->wal);
    ShaleError cerr;
    if (shale_wfile_close(db->wal_file, &cerr) != SHALE_OK)
        set_bg_error(db, &cerr); /* the old WAL may lack its tail: refuse further writes */
    db->wal = w;
    db->wal_file = f;
    db->wal_number = number;
    db->imm = db->mem;
    db->imm_id = db->mem_id;
    db->mem = m;
    db->mem_id++;
    db_bg_signal(db);
    return db->bg_error.code ? sticky_error(db, err) : SHALE_OK;
}

/* Makes sure mem has room (stalling as the triggers say). With force, freezes a non-empty
 * mem regardless of its size. REQUIRES: mu and the writer role. */
static ShaleCode make_room_for_write(ShaleDB *db, bool force, ShaleError *err)
{
    bool allow_delay = !force;
    for (;;) {
        if (db->bg_error.code)
            return sticky_error(db, err);
        size_t l0 = db->vset->current->n_files[0];
        if (allow_delay && l0 >= (size_t)db->opts.l0_slowdown_trigger) {
            /* Slow each writer a little rather than stopping one for seconds later. */
            uint64_t t0 = now_micros();
            pthread_mutex_unlock(&db->mu);
            struct timespec ts = { 0, 1000000 };
            shale_block_enter();
            nanosleep(&ts, NULL);
            shale_block_leave();
            pthread_mutex_lock(&db->mu);
            db->stalls_slowdown++;
            note_stall(db, t0);
            allow_delay = false;
        } else if (force && memtable_n_entries(db->mem) == 0) {
            return SHALE_OK;
        } else if (!force && memtable_bytes(db->mem) <= db->opts.write_buffer_size) {
            return SHALE_OK;
        } else if (db->imm || l0 >= (size_t)db->opts.l0_stop_trigger) {
            uint64_t t0 = now_micros();
            db->stalls_stop++;
            db_bg_signal(db);
            shale_block_enter();
            pthread_cond_wait(&db->bg_cv, &db->mu);
            shale_block_leave();
            note_stall(db, t0);
        } else {
            ShaleCode rc = switch_memtable(db, err);
            if (rc || force)
                return rc;
        }
    }
}

static ShaleCode memtable_add_cb(void *arg, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value)
{
    return memtable_add((MemTable *)arg, seq, kind, key, value);
}

static ShaleCode range_check_cb(void *arg, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value)
{
    (void)seq;
    (void)kind;
    (void)value;
    return drop_set_find(arg, key) ? SHALE_INVALID_ARGUMENT : SHALE_OK;
}

/* True if b writes a key inside a dropped range of drops (the caller promised never to). */
static bool batch_hits_dropped(const DropSet *drops, const ShaleWriteBatch *b)
{
    return drops && batch_iterate(batch_contents(b), range_check_cb, (void *)drops, NULL) == SHALE_INVALID_ARGUMENT;
}

/* Joins the followers of the leader w into db->group_batch. REQUIRES: mu. */
static DbWriter *build_group(ShaleDB *db, DbWriter *w)
{
    const DropSet *drops = db->vset->current->drops;
    ShaleWriteBatch *g = db->group_batch;
    shale_batch_clear(g);
    batch_append(g, w->batch);
    size_t size = shale_batch_byte_size(w->batch);
    size_t max = size <= (128u << 10) ? size + (128u << 10) : (1u << 20);
    DbWriter *last = w;
    for (DbWriter *r = w->next; r; r = r->next) {
        if (!r->batch || (r->sync && !w->sync) || batch_hits_dropped(drops, r->batch))
            break; /* a refused batch fails alone, as the next leader */
        size += shale_batch_byte_size(r->batch);
        if (size > max)
            break;
        batch_append(g, r->batch);
        last = r;
    }
    return last;
}

/* Queues a writer and runs the group commit. batch NULL = freeze the memtable (force). */
static ShaleCode db_write_impl(ShaleDB *db, const ShaleWriteBatch *batch, bool sync, uint64_t *capture_seq,
                               ShaleError *err)
{
    DbWriter w;
    memset(&w, 0, sizeof w);
    w.batch = batch;
    w.sync = sync;
    pthread_cond_init(&w.cv, NULL);

    /* A synced write sleeps in fdatasync (its own or its group leader's): tell the
     * thread's scheduler (util/blocking.h) so others run meanwhile. */
    if (sync)
        shale_block_enter();
    pthread_mutex_lock(&db->mu);
    if (db->writers_tail)
        db->writers_tail->next = &w;
    else
        db->writers_head = &w;
    db->writers_tail = &w;
    if (!w.done && db->writers_head != &w) {
        if (!sync)
            shale_block_enter();
        while (!w.done && db->writers_head != &w)
            pthread_cond_wait(&w.cv, &db->mu);
        if (!sync)
            shale_block_leave();
    }
    if (w.done) {
        pthread_mutex_unlock(&db->mu);
        pthread_cond_destroy(&w.cv);
        if (sync)
            shale_block_leave();
        if (w.rc && err)
            *err = w.err;
        return w.rc;
    }

    ShaleError e;
    shale_error_clear(&e);
    ShaleCode rc = make_room_for_write(db, batch == NULL, &e);
    DbWriter *last = &w;
    if (!rc && capture_seq) {
        /* A checkpoint: with the writer role held nothing commits, so the state at
         * last_sequence is exactly what imm (if any) plus the current version hold. */
        *capture_seq = db->vset->last_sequence;
        if (db->imm) {
            db->ckpt_mem_id = db->imm_id;
        } else {
            db->ckpt_version = db->vset->current;
            version_ref(db->ckpt_version);
        }
    }
    /* Checked with mu held from here until mem is captured below: a range dropped after
     * this check finds this write in the memtable it records as its horizon. */
    if (!rc && batch && batch_hits_dropped(db->vset->current->drops, batch)) {
        rc = SHALE_ERR_INVALID(&e, "write into a dropped key range (shale_db_drop_range)");
        batch = NULL;
    }
    if (!rc && batch) {
        last = build_group(db, &w);
        ShaleWriteBatch *g = db->group_batch;
        if (batch_oom(g)) {
            rc = SHALE_ERR_NOMEM(&e, "out of memory building a commit group");
        } else {
            uint64_t seq = db->vset->last_sequence + 1;
            uint32_t count = shale_batch_count(g);
            batch_set_sequence(g, seq);
            MemTable *mem = db->mem;
            pthread_mutex_unlock(&db->mu);

            /* The writer role makes this thread the only one touching the WAL and mem. */
            ShaleSlice rec = batch_contents(g);
            rc = log_writer_add(db->wal, rec, &e);
            if (!rc)
                rc = sync ? shale_wfile_sync(db->wal_file, &e) : shale_wfile_flush(db->wal_file, &e);
            bool wal_failed = rc != SHALE_OK;
            if (!rc)
                rc = batch_iterate(rec, memtable_add_cb, mem, &e);
            atomic_fetch_add_explicit(&db->wal_bytes, rec.size + LOG_HEADER_SIZE, memory_order_relaxed);
            if (sync)
                atomic_fetch_add_explicit(&db->wal_syncs, 1, memory_order_relaxed);

            pthread_mutex_lock(&db->mu);
            if (rc) {
                /* A WAL that failed mid-record, or a memtable missing part of a batch, can
                 * no longer be trusted for later writes. */
                (void)wal_failed;
                set_bg_error(db, &e);
            } else {
                db->vset->last_sequence = seq + count - 1;
            }
        }
    }

    /* Hand the result to every writer of the group and pass the role on. */
    for (;;) {
        DbWriter *r = db->writers_head;
        db->writers_head = r->next;
        if (!db->writers_head)
            db->writers_tail = NULL;
        if (r != &w) {
            r->rc = rc;
            r->err = e;
            r->done = true;
            pthread_cond_signal(&r->cv);
        }
        if (r == last)
            break;
    }
    if (db->writers_head)
        pthread_cond_signal(&db->writers_head->cv);
    pthread_mutex_unlock(&db->mu);
    pthread_cond_destroy(&w.cv);
    if (sync)
        shale_block_leave();
    if (rc && err)
        *err = e;
    return rc;
}

ShaleCode shale_db_write(ShaleDB *db, const ShaleWriteBatch *b, bool sync, ShaleError *err)
{
    if (batch_oom(b))
        return SHALE_ERR_NOMEM(err, "out of memory building the write batch");
    if (shale_batch_count(b) == 0)
        return SHALE_OK;
    uint64_t user = shale_batch_byte_size(b) - BATCH_HEADER_SIZE;
    ShaleCode rc = db_write_impl(db, b, sync, NULL, err);
    if (!rc) {
        atomic_fetch_add_explicit(&db->user_bytes, user, memory_order_relaxed);
        if (sync)
            atomic_fetch_add_explicit(&db->synced_writes, 1, memory_order_relaxed);
    }
    return rc;
}

ShaleCode shale_db_put(ShaleDB *db, const void *key, size_t klen, const void *val, size_t vlen, bool sync, ShaleError *err)
{
    ShaleWriteBatch b;
    shale_buf_init(&b.rep);
    char hdr[BATCH_HEADER_SIZE] = { 0 };
    shale_buf_reserve(&b.rep, BATCH_HEADER_SIZE + klen + vlen + 11);
    shale_buf_append(&b.rep, hdr, sizeof hdr);
    shale_batch_put(&b, key, klen, val, vlen);
    ShaleCode rc = shale_db_write(db, &b, sync, err);
    shale_buf_free(&b.rep);
    return rc;
}

ShaleCode shale_db_delete(ShaleDB *db, const void *key, size_t klen, bool sync, ShaleError *err)
{
    ShaleWriteBatch b;
    shale_buf_init(&b.rep);
    char hdr[BATCH_HEADER_SIZE] = { 0 };
    shale_buf_append(&b.rep, hdr, sizeof hdr);
    shale_batch_delete(&b, key, klen);
    ShaleCode rc = shale_db_write(db, &b, sync, err);
    shale_buf_free(&b.rep);
    return rc;
}

ShaleCode db_force_memtable_switch(ShaleDB *db, uint64_t *mem_id, ShaleError *err)
{
    /* The forced switch itself runs as a writer with a NULL batch (see make_room_for_write);
     * afterwards the memtable to wait for is imm (or nothing). */
    ShaleCode rc = db_write_impl(db, NULL, false, NULL, err);
    pthread_mutex_lock(&db->mu);
    *mem_id = db->imm ? db->imm_id : 0;
    pthread_mutex_unlock(&db->mu);
    return rc;
}

ShaleCode db_checkpoint_switch(ShaleDB *db, uint64_t *seq, ShaleError *err)
{
    return db_write_impl(db, NULL, false, seq, err);
}

/* ---- reads ----------------------------------------------------------------------------- */

const ShaleSnapshot *shale_db_snapshot(ShaleDB *db)
{
    struct ShaleSnapshot *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_lock(&db->mu);
    s->seq = db->vset->last_sequence;
    s->next = &db->snapshots;
    s->prev = db->snapshots.prev;
    s->prev->next = s;
    s->next->prev = s;
    db->n_snapshots++;
    pthread_mutex_unlock(&db->mu);
    return s;
}

void shale_db_release_snapshot(ShaleDB *db, const ShaleSnapshot *snap)
{
    if (!snap)
        return;
    struct ShaleSnapshot *s = (struct ShaleSnapshot *)snap;
    pthread_mutex_lock(&db->mu);
    s->prev->next = s->next;
    s->next->prev = s->prev;
    db->n_snapshots--;
    pthread_mutex_unlock(&db->mu);
    free(s);
}

uint64_t shale_snapshot_sequence(const ShaleSnapshot *snap)
{
    return snap->seq;
}

ShaleCode shale_db_get(ShaleDB *db, const ShaleSnapshot *snap, const void *key, size_t klen,
                       char **val, size_t *vlen, ShaleError *err)
{
    *val = NULL;
    *vlen = 0;
    pthread_mutex_lock(&db->mu);
    uint64_t seq = snap ? snap->seq : db->vset->last_sequence;
    MemTable *mem = db->mem, *imm = db->imm;
    Version *v = db->vset->current;
    memtable_ref(mem);
    if (imm)
        memtable_ref(imm);
    version_ref(v);
    pthread_mutex_unlock(&db->mu);

    ShaleSlice k = shale_slice(key, klen), found;
    /* A dropped key is gone for every snapshot; the version's ranges include every range
     * dropped before this call. */
    MemGetResult mr = v->drops && drop_set_find(v->drops, k) ? MEM_GET_DELETED : memtable_get(mem, k, seq, &found);
    if (mr == MEM_GET_NOT_PRESENT && imm)
        mr = memtable_get(imm, k, seq, &found);
    ShaleCode rc = SHALE_OK;
    if (mr == MEM_GET_FOUND) {
        *val = malloc(found.size ? found.size : 1);
        if (!*val) {
            rc = SHALE_ERR_NOMEM(err, "out of memory reading a value");
        } else {
            if (found.size)
                memcpy(*val, found.data, found.size);
            *vlen = found.size;
        }
    } else if (mr == MEM_GET_DELETED) {
        rc = SHALE_NOT_FOUND;
    }
    SeekCharge charge = { NULL, 0 };
    if (mr == MEM_GET_NOT_PRESENT) {
        VersionGetResult vr;
        rc = version_get(v, k, seq, &vr, val, vlen, &charge, err);
        if (!rc && vr != VGET_FOUND)
            rc = SHALE_NOT_FOUND;
    }
    memtable_unref(mem);
    if (imm)
        memtable_unref(imm);
    pthread_mutex_lock(&db->mu);
    if (charge.file && version_charge_seek(v, &charge) && v == db->vset->current)
        db_bg_signal(db);
    version_unref(v);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

static void release_iter_version(void *a, void *b)
{
    ShaleDB *db = a;
    pthread_mutex_lock(&db->mu);
    version_unref((Version *)b);
    pthread_mutex_unlock(&db->mu);
}

ShaleDBIter *shale_db_iter_new(ShaleDB *db, const ShaleSnapshot *snap)
{
    size_t n = 0, cap = 0;
    ShaleIter **its = NULL;
    pthread_mutex_lock(&db->mu);
    uint64_t seq = snap ? snap->seq : db->vset->last_sequence;
    Version *v = db->vset->current;
    version_ref(v);
    bool ok = true;
    ShaleIter *mi = memtable_iter(db->mem);
    ShaleIter *ii = db->imm ? memtable_iter(db->imm) : NULL;
    pthread_mutex_unlock(&db->mu);
    cap = 4 + v->n_files[0] + SHALE_NUM_LEVELS;
    its = malloc(cap * sizeof *its);
    if (!its || !mi || (db->imm && !ii && false))
        ok = false;
    if (ok) {
        its[n++] = mi;
        mi = NULL;
        if (ii) {
            its[n++] = ii;
            ii = NULL;
        }
        ok = version_add_iterators(v, &its, &n, &cap);
    }
    shale_iter_destroy(mi);
    shale_iter_destroy(ii);
    if (!ok) {
        for (size_t i = 0; i < n; i++)
            shale_iter_destroy(its[i]);
        free(its);
        release_iter_version(db, v);
        return NULL;
    }
    ShaleIter *merged = merging_iter_new(its, n);
    if (!merged) {
        release_iter_version(db, v);
        return NULL;
    }
    return db_iter_new(merged, seq, v->drops, release_iter_version, db, v);
}

/* ---- maintenance requests ------------------------------------------------------------ */

static ShaleCode wait_for_flush(ShaleDB *db, uint64_t mem_id, ShaleError *err)
{
    ShaleCode rc = SHALE_OK;
    pthread_mutex_lock(&db->mu);
    while (db->flushed_mem_id < mem_id && !db->bg_error.code && !db->shutting_down) {
        db_bg_signal(db);
        pthread_cond_wait(&db->bg_cv, &db->mu);
    }
    if (db->flushed_mem_id < mem_id)
        rc = db->bg_error.code ? sticky_error(db, err) : shale_error_set(err, SHALE_CLOSED, "database is closing");
    pthread_mutex_unlock(&db->mu);
    return rc;
}

ShaleCode shale_db_flush(ShaleDB *db, ShaleError *err)
{
    uint64_t id;
    ShaleCode rc = db_force_memtable_switch(db, &id, err);
    if (!rc && id)
        rc = wait_for_flush(db, id, err);
    return rc;
}

ShaleCode shale_db_compact_range(ShaleDB *db, const void *begin, size_t blen, const void *end, size_t elen, ShaleError *err)
{
    ShaleCode rc = shale_db_flush(db, err);
    if (rc)
        return rc;
    ShaleSlice b = shale_slice(begin, blen), e = shale_slice(end, elen);
    /* Compact down to the deepest level holding keys of the range, not further. */
    int max_level = 0;
    pthread_mutex_lock(&db->mu);
    for (int l = 1; l < SHALE_NUM_LEVELS; l++) {
        FileMeta **files;
        size_t n;
        if (version_overlapping_inputs(db->vset->current, l, begin ? &b : NULL, end ? &e : NULL, &files, &n) && n)
            max_level = l;
        free(files);
    }
    pthread_mutex_unlock(&db->mu);
    for (int level = 0; level < max_level && !rc; level++) {
        ManualCompaction m;
        memset(&m, 0, sizeof m);
        m.level = level;
        m.begin = begin ? &b : NULL;
        m.end = end ? &e : NULL;
        pthread_mutex_lock(&db->mu);
        while (db->manual && !db->shutting_down)
            pthread_cond_wait(&db->bg_cv, &db->mu); /* one manual compaction at a time */
        if (db->shutting_down) {
            pthread_mutex_unlock(&db->mu);
            return shale_error_set(err, SHALE_CLOSED, "database is closing");
        }
        db->manual = &m;
        db_bg_signal(db);
        while (!m.done)
            pthread_cond_wait(&db->bg_cv, &db->mu);
        pthread_mutex_unlock(&db->mu);
        rc = m.rc;
        if (rc && err)
            *err = m.err;
    }
    return rc;
}

ShaleCode shale_db_drop_range(ShaleDB *db, const void *begin, size_t blen, const void *end, size_t elen,
                              ShaleError *err)
{
    ShaleSlice b = shale_slice(begin, blen), e = shale_slice(end, elen);
    if ((blen && !begin) || !end || shale_slice_compare(b, e) >= 0)
        return SHALE_ERR_INVALID(err, "drop range: begin must sort before end");
    VersionEdit edit;
    version_edit_init(&edit);
    version_edit_drop_range(&edit, b, e);
    pthread_mutex_lock(&db->mu);
    ShaleCode rc;
    if (db->bg_error.code) {
        rc = sticky_error(db, err);
    } else {
        rc = version_set_log_and_apply(db->vset, &edit, &db->mu, err);
        if (!rc) {
            /* Still under mu since the version was installed (no write committed since):
             * every key of the range a memtable can hold is in memtable mem_id or older. */
            const DropRange *r = drop_set_find(db->vset->current->drops, b);
            if (r)
                ((DropRange *)r)->horizon = db->mem_id;
            db->ranges_dropped++;
            db_delete_obsolete_files(db);
            db_bg_signal(db);
        }
    }
    version_edit_destroy(&edit);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

/* ---- statistics ---------------------------------------------------------------------- */

void shale_db_stats(ShaleDB *db, ShaleDBStats *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&db->mu);
    Version *v = db->vset->current;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        st->levels[l] = db->level_stats[l];
        st->levels[l].files = v->n_files[l];
        st->levels[l].bytes = version_level_bytes(v, l);
        if (l > 0 && l < SHALE_NUM_LEVELS - 1) {
            uint64_t max = max_bytes_for_level(&db->opts, l);
            if (st->levels[l].bytes > max)
                st->pending_compaction_bytes += st->levels[l].bytes - max;
        }
    }
    st->last_sequence = db->vset->last_sequence;
    st->flushes = db->flushes;
    st->flush_bytes_written = db->flush_bytes;
    st->compaction_bytes_written = db->compaction_bytes;
    st->stalls_slowdown = db->stalls_slowdown;
    st->stalls_stop = db->stalls_stop;
    st->stall_micros = db->stall_micros;
    st->max_stall_micros = db->max_stall_micros;
    st->memtable_bytes = memtable_bytes(db->mem) + (db->imm ? memtable_bytes(db->imm) : 0);
    st->imm_memtables = db->imm ? 1 : 0;
    st->snapshots = db->n_snapshots;
    st->dropped_ranges = v->drops ? v->drops->n : 0;
    st->ranges_dropped = db->ranges_dropped;
    st->ranges_forgotten = db->ranges_forgotten;
    st->checkpoints = db->checkpoints;
    pthread_mutex_unlock(&db->mu);
    st->user_bytes_written = atomic_load_explicit(&db->user_bytes, memory_order_relaxed);
    st->wal_bytes_written = atomic_load_explicit(&db->wal_bytes, memory_order_relaxed);
    st->wal_syncs = atomic_load_explicit(&db->wal_syncs, memory_order_relaxed);
    st->synced_writes = atomic_load_explicit(&db->synced_writes, memory_order_relaxed);
    st->write_amplification = st->user_bytes_written
        ? (double)(st->wal_bytes_written + st->flush_bytes_written + st->compaction_bytes_written) /
              (double)st->user_bytes_written
        : 0.0;
    block_cache_stats(db->block_cache, &st->cache_hits, &st->cache_misses, &st->cache_bytes);
    st->bloom_checks = STORAGE_COUNTER_GET(&db->counters, bloom_checks);
    st->bloom_useful = STORAGE_COUNTER_GET(&db->counters, bloom_useful);
    st->bloom_false_positives = STORAGE_COUNTER_GET(&db->counters, bloom_false_positives);
}

void shale_db_stats_format(const ShaleDBStats *st, char *buf, size_t cap)
{
    size_t off = 0;
#define OUT(...) do { if (off < cap) { int n_ = snprintf(buf + off, cap - off, __VA_ARGS__); if (n_ > 0) off += (size_t)n_; } } while (0)
    OUT("level  files        bytes  compactions   read(bytes)  written(bytes)\n");
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        const ShaleLevelStats *s = &st->levels[l];
        OUT("  L%d %7llu %12llu %12llu %13llu %15llu\n", l, (unsigned long long)s->files,
            (unsigned long long)s->bytes, (unsigned long long)s->compactions,
            (unsigned long long)s->bytes_read, (unsigned long long)s->bytes_written);
    }
    uint64_t lookups = st->cache_hits + st->cache_misses;
    OUT("last sequence %llu; user bytes %llu; WAL bytes %llu; flushes %llu (%llu bytes); compaction bytes %llu\n",
        (unsigned long long)st->last_sequence, (unsigned long long)st->user_bytes_written,
        (unsigned long long)st->wal_bytes_written, (unsigned long long)st->flushes,
        (unsigned long long)st->flush_bytes_written, (unsigned long long)st->compaction_bytes_written);
    OUT("write amplification %.2f; synced writes %llu in %llu WAL syncs\n", st->write_amplification,
        (unsigned long long)st->synced_writes, (unsigned long long)st->wal_syncs);
    OUT("stalls: %llu slowdowns, %llu stops, %.1f ms total, %.1f ms longest\n",
        (unsigned long long)st->stalls_slowdown, (unsigned long long)st->stalls_stop,
        (double)st->stall_micros / 1000.0, (double)st->max_stall_micros / 1000.0);
    OUT("block cache: %llu hits, %llu misses (%.1f%% hit rate), %llu bytes\n",
        (unsigned long long)st->cache_hits, (unsigned long long)st->cache_misses,
        lookups ? 100.0 * (double)st->cache_hits / (double)lookups : 0.0, (unsigned long long)st->cache_bytes);
    OUT("bloom: %llu checks, %llu useful, %llu false positives\n", (unsigned long long)st->bloom_checks,
        (unsigned long long)st->bloom_useful, (unsigned long long)st->bloom_false_positives);
    OUT("dropped ranges: %llu remembered, %llu dropped, %llu forgotten\n", (unsigned long long)st->dropped_ranges,
        (unsigned long long)st->ranges_dropped, (unsigned long long)st->ranges_forgotten);
#undef OUT
}
