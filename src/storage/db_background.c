/* db_background.c -- the background thread: flushing the frozen memtable into a table,
 * size-triggered and manual compactions, and deleting files nothing needs any more.
 *
 * The thread holds mu except during file I/O. Flushes take priority: a long compaction
 * checks for a frozen memtable between keys and flushes it first, so writers never wait
 * for a compaction to end. Readers never wait for either: they read the versions and
 * memtables they ref'd. */
#include "storage/db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/dbformat.h"
#include "storage/filename.h"
#include "storage/sst.h"

void db_bg_signal(ShaleDB *db)
{
    pthread_cond_signal(&db->bg_work_cv);
}

void db_pending_add(ShaleDB *db, uint64_t number)
{
    if (db->n_pending == db->cap_pending) {
        size_t cap = db->cap_pending ? db->cap_pending * 2 : 8;
        uint64_t *p = realloc(db->pending_outputs, cap * sizeof *p);
        if (!p)
            return; /* worst case the file is not protected from deletion; it is rewritten */
        db->pending_outputs = p;
        db->cap_pending = cap;
    }
    db->pending_outputs[db->n_pending++] = number;
}

void db_pending_remove(ShaleDB *db, uint64_t number)
{
    for (size_t i = 0; i < db->n_pending; i++) {
        if (db->pending_outputs[i] == number) {
            db->pending_outputs[i] = db->pending_outputs[--db->n_pending];
            return;
        }
    }
}

static SstOptions sst_options(const ShaleDBOptions *o)
{
    SstOptions so;
    so.block_size = o->block_size;
    so.restart_interval = o->block_restart_interval;
    so.bloom_bits_per_key = o->bloom_bits_per_key;
    so.compression = o->compression;
    return so;
}

/* ---- writing tables ------------------------------------------------------------------ */

typedef struct TableOut {
    uint64_t number;
    ShaleWritableFile *file;
    SstBuilder *builder;
} TableOut;

static ShaleCode table_out_open(ShaleDB *db, TableOut *t, uint64_t number, ShaleError *err)
{
    char path[SHALE_PATH_MAX];
    shale_sst_path(path, sizeof path, db->dir, number);
    t->number = number;
    t->builder = NULL;
    ShaleCode rc = shale_wfile_open(db->env, path, &t->file, err);
    if (rc)
        return rc;
    SstOptions so = sst_options(&db->opts);
    t->builder = sst_builder_new(t->file, &so);
    if (!t->builder) {
        (void)shale_wfile_close(t->file, NULL);
        t->file = NULL;
        return SHALE_ERR_NOMEM(err, "out of memory starting table %llu", (unsigned long long)number);
    }
    return SHALE_OK;
}

/* Finishes, syncs and closes the table; on success *meta describes it (NULL if empty, in
 * which case the file is removed). */
static ShaleCode table_out_finish(ShaleDB *db, TableOut *t, FileMeta **meta, ShaleError *err)
{
    *meta = NULL;
    uint64_t n = sst_builder_n_entries(t->builder);
    ShaleCode rc = sst_builder_finish(t->builder, err);
    if (!rc)
        rc = shale_wfile_sync(t->file, err);
    ShaleCode crc = shale_wfile_close(t->file, rc ? NULL : err);
    if (!rc)
        rc = crc;
    t->file = NULL;
    if (!rc && n > 0) {
        *meta = file_meta_new(t->number, sst_builder_file_size(t->builder),
                              sst_builder_smallest(t->builder), sst_builder_largest(t->builder));
        if (!*meta)
            rc = SHALE_ERR_NOMEM(err, "out of memory describing table %llu", (unsigned long long)t->number);
    }
    sst_builder_free(t->builder);
    t->builder = NULL;
    if (rc || n == 0) {
        char path[SHALE_PATH_MAX];
        shale_sst_path(path, sizeof path, db->dir, t->number);
        (void)shale_env_remove(db->env, path, NULL);
    }
    return rc;
}

static void table_out_abandon(ShaleDB *db, TableOut *t)
{
    if (t->builder)
        sst_builder_free(t->builder);
    if (t->file)
        (void)shale_wfile_close(t->file, NULL);
    t->builder = NULL;
    t->file = NULL;
    char path[SHALE_PATH_MAX];
    shale_sst_path(path, sizeof path, db->dir, t->number);
    (void)shale_env_remove(db->env, path, NULL);
}

ShaleCode db_write_level0_table(ShaleDB *db, MemTable *mem, VersionEdit *edit, Version *base,
                                pthread_mutex_t *mu, ShaleError *err)
{
    uint64_t number = version_set_new_file_number(db->vset);
    /* Keys of ranges dropped by now are left out (ranges dropped later are filtered by
     * reads and by the compaction that picks this table for them). */
    DropSet *drops = db->vset->current->drops;
    drop_set_ref(drops);
    if (mu)
        db_pending_add(db, number);
    else {
        pthread_mutex_lock(&db->mu);
        db_pending_add(db, number);
        pthread_mutex_unlock(&db->mu);
    }
    if (mu)
        pthread_mutex_unlock(mu);

    TableOut t;
    ShaleCode rc = table_out_open(db, &t, number, err);
    FileMeta *meta = NULL;
    if (!rc) {
        ShaleIter *it = memtable_iter(mem);
        if (!it) {
            rc = SHALE_ERR_NOMEM(err, "out of memory flushing a memtable");
            table_out_abandon(db, &t);
        } else {
            ShaleBuf skip;
            shale_buf_init(&skip);
            for (shale_iter_seek_to_first(it); shale_iter_valid(it);) {
                ShaleSlice ik = shale_iter_key(it);
                const DropRange *r = drops ? drop_set_find(drops, shale_ikey_user(ik)) : NULL;
                if (r) {
                    shale_buf_reset(&skip);
                    shale_ikey_append(&skip, r->end, SHALE_MAX_SEQUENCE, SHALE_KIND_SEEK);
                    if (skip.oom)
                        break;
                    shale_iter_seek(it, shale_buf_slice(&skip));
                    continue;
                }
                sst_builder_add(t.builder, ik, shale_iter_value(it));
                shale_iter_next(it);
            }
            shale_iter_destroy(it);
            if (skip.oom) {
                rc = SHALE_ERR_NOMEM(err, "out of memory flushing a memtable");
                table_out_abandon(db, &t);
            } else {
                rc = table_out_finish(db, &t, &meta, err);
            }
            shale_buf_free(&skip);
        }
    }
    if (mu)
        pthread_mutex_lock(mu);
    drop_set_unref(drops);
    if (rc || !meta) {
        if (mu)
            db_pending_remove(db, number);
        return rc;
    }
    /* Without a base (recovery, where earlier tables of the same edit are not in any
     * version yet) the table must go to L0, which may overlap. */
    int level = base ? version_pick_level_for_flush(base, shale_ikey_user(shale_buf_slice(&meta->smallest)),
                                                    shale_ikey_user(shale_buf_slice(&meta->largest)))
                     : 0;
    db->level_stats[level].bytes_written += meta->size;
    db->flush_bytes += meta->size;
    db->flushes++;
    version_edit_add_file(edit, level, meta);
    return SHALE_OK;
}

/* ---- flush ------------------------------------------------------------------------- */

static void set_bg_error(ShaleDB *db, const ShaleError *e)
{
    if (db->bg_error.code == SHALE_OK && e->code != SHALE_OK) {
        db->bg_error = *e;
        fprintf(stderr, "shaledb: ERROR: background work failed; writes are refused until restart: %s\n", e->msg);
    }
}

/* REQUIRES: mu, imm != NULL. */
static void flush_imm(ShaleDB *db)
{
    VersionEdit edit;
    version_edit_init(&edit);
    ShaleError err;
    shale_error_clear(&err);
    Version *base = db->vset->current;
    version_ref(base);
    ShaleCode rc = db_write_level0_table(db, db->imm, &edit, base, &db->mu, &err);
    version_unref(base);
    if (!rc && db->shutting_down)
        rc = shale_error_set(&err, SHALE_CLOSED, "shutting down");
    if (!rc) {
        version_edit_set_log_number(&edit, db->wal_number); /* imm's WAL is no longer needed */
        rc = version_set_log_and_apply(db->vset, &edit, &db->mu, &err);
    }
    for (size_t i = 0; i < edit.n_added; i++)
        db_pending_remove(db, edit.added[i].meta->number);
    version_edit_destroy(&edit);
    if (rc) {
        if (rc != SHALE_CLOSED)
            set_bg_error(db, &err);
        return;
    }
    memtable_unref(db->imm);
    db->imm = NULL;
    db->flushed_mem_id = db->imm_id;
    if (db->ckpt_mem_id && db->ckpt_mem_id == db->imm_id) {
        db->ckpt_version = db->vset->current;
        version_ref(db->ckpt_version);
        db->ckpt_mem_id = 0;
    }
    db_delete_obsolete_files(db);
}

/* ---- compaction --------------------------------------------------------------------- */

static uint64_t smallest_snapshot(ShaleDB *db)
{
    if (db->snapshots.next != &db->snapshots)
        return db->snapshots.next->seq;
    return db->vset->last_sequence;
}

/* Runs c (REQUIRES: mu held; dropped during I/O). */
static ShaleCode run_compaction(ShaleDB *db, Compaction *c, ShaleError *err)
{
    int out_level = c->level + 1;
    if (compaction_is_trivial_move(c)) {
        for (size_t i = 0; i < c->n_inputs[0]; i++) {
            FileMeta *f = c->inputs[0][i];
            version_edit_delete_file(&c->edit, c->level, f->number);
            version_edit_add_file(&c->edit, out_level, f);
        }
        ShaleCode rc = version_set_log_and_apply(db->vset, &c->edit, &db->mu, err);
        if (!rc)
            db->level_stats[out_level].compactions++;
        return rc;
    }

    uint64_t snap = smallest_snapshot(db);
    uint64_t in_bytes = compaction_input_bytes(c, 0) + compaction_input_bytes(c, 1);
    /* Every key of a range dropped by now is discarded, whatever the snapshots. */
    DropSet *drops = db->vset->current->drops;
    drop_set_ref(drops);
    pthread_mutex_unlock(&db->mu);
    ShaleBuf skip;
    shale_buf_init(&skip);

    ShaleCode rc = SHALE_OK;
    ShaleIter *in = compaction_make_input_iter(c);
    if (!in)
        rc = SHALE_ERR_NOMEM(err, "out of memory starting a compaction");
    TableOut out = { 0, NULL, NULL };
    bool have_out = false;
    ShaleBuf cur_ukey, last_added_ukey;
    shale_buf_init(&cur_ukey);
    shale_buf_init(&last_added_ukey);
    bool have_cur = false;
    uint64_t last_seq_for_key = UINT64_MAX;
    FileMeta **outputs = NULL;
    size_t n_outputs = 0, cap_outputs = 0;
    uint64_t *started = NULL;      /* every output number made pending, to unpend at the end */
    size_t n_started = 0;
    uint64_t out_bytes = 0;

    if (in)
        shale_iter_seek_to_first(in);
    while (!rc && in && shale_iter_valid(in)) {
        /* Flushes come first: never leave writers stalled behind a long compaction. */
        pthread_mutex_lock(&db->mu);
        bool stop = db->shutting_down;
        if (db->imm && !stop) {
            flush_imm(db);
            pthread_cond_broadcast(&db->bg_cv);
        }
        pthread_mutex_unlock(&db->mu);
        if (stop) {
            rc = shale_error_set(err, SHALE_CLOSED, "shutting down");
            break;
        }
        /* Process a run of keys between checks. */
        for (int batch = 0; batch < 256 && !rc && shale_iter_valid(in); batch++) {
            ShaleSlice ik = shale_iter_key(in);
            if (!shale_ikey_well_formed(ik)) {
                rc = SHALE_ERR_CORRUPT(err, "compaction input holds a malformed key");
                break;
            }
            ShaleSlice uk = shale_ikey_user(ik);
            uint64_t seq = shale_ikey_seq(ik);
            const DropRange *dr = drops ? drop_set_find(drops, uk) : NULL;
            if (dr) {
                /* Jump over the dropped range without reading its keys one by one. */
                shale_buf_reset(&skip);
                shale_ikey_append(&skip, dr->end, SHALE_MAX_SEQUENCE, SHALE_KIND_SEEK);
                if (skip.oom) {
                    rc = SHALE_ERR_NOMEM(err, "out of memory in compaction");
                    break;
                }
                shale_iter_seek(in, shale_buf_slice(&skip));
                continue;
            }
            if (!have_cur || !shale_slice_equal(uk, shale_buf_slice(&cur_ukey))) {
                shale_buf_reset(&cur_ukey);
                shale_buf_append(&cur_ukey, uk.data, uk.size);
                have_cur = true;
                last_seq_for_key = UINT64_MAX;
            }
            bool drop = false;
            if (last_seq_for_key <= snap)
                drop = true; /* a newer version of this key is visible to every reader */
            else if (shale_ikey_kind(ik) == SHALE_KIND_DELETE && seq <= snap &&
                     compaction_is_base_level_for_key(c, uk))
                drop = true; /* nothing below to hide, no reader needs the tombstone */
            last_seq_for_key = seq;
            if (!drop) {
                /* Cut the output at a dropped range lying between the last key and this
                 * one, so that no output's key span intersects a range (which would keep
                 * the range alive and the file picked for it forever). */
                bool cut = false;
                if (have_out && drops) {
                    const DropRange *nr = drop_set_next(drops, shale_buf_slice(&last_added_ukey));
                    cut = nr && shale_slice_compare(nr->begin, uk) <= 0;
                }
                if (have_out && (cut || sst_builder_file_size(out.builder) >= c->max_output_file_size) &&
                    !shale_slice_equal(uk, shale_buf_slice(&last_added_ukey))) {
                    FileMeta *m;
                    rc = table_out_finish(db, &out, &m, err);
                    have_out = false;
                    if (!rc && m) {
                        if (n_outputs == cap_outputs) {
                            cap_outputs = cap_outputs ? cap_outputs * 2 : 8;
                            FileMeta **no = realloc(outputs, cap_outputs * sizeof *no);
                            if (!no) {
                                file_meta_free(m);
                                rc = SHALE_ERR_NOMEM(err, "out of memory in compaction");
                                break;
                            }
                            outputs = no;
                        }
                        outputs[n_outputs++] = m;
                        out_bytes += m->size;
                    }
                    if (rc)
                        break;
                }
                if (!have_out) {
                    uint64_t *ns = realloc(started, (n_started + 1) * sizeof *ns);
                    if (!ns) {
                        rc = SHALE_ERR_NOMEM(err, "out of memory in compaction");
                        break;
                    }
                    started = ns;
                    pthread_mutex_lock(&db->mu);
                    uint64_t number = version_set_new_file_number(db->vset);
                    db_pending_add(db, number);
                    pthread_mutex_unlock(&db->mu);
                    started[n_started++] = number;
                    rc = table_out_open(db, &out, number, err);
                    if (rc)
                        break;
                    have_out = true;
                }
                sst_builder_add(out.builder, ik, shale_iter_value(in));
                shale_buf_reset(&last_added_ukey);
                shale_buf_append(&last_added_ukey, uk.data, uk.size);
            }
            shale_iter_next(in);
        }
        if (cur_ukey.oom || last_added_ukey.oom)
            rc = SHALE_ERR_NOMEM(err, "out of memory in compaction");
    }
    if (!rc && in)
        rc = shale_iter_status(in, err);
    if (!rc && have_out) {
        FileMeta *m;
        rc = table_out_finish(db, &out, &m, err);
        have_out = false;
        if (!rc && m) {
            FileMeta **no = realloc(outputs, (n_outputs + 1) * sizeof *no);
            if (!no) {
                file_meta_free(m);
                rc = SHALE_ERR_NOMEM(err, "out of memory in compaction");
            } else {
                outputs = no;
                outputs[n_outputs++] = m;
                out_bytes += m->size;
            }
        }
    }
    if (have_out)
        table_out_abandon(db, &out);
    shale_iter_destroy(in);
    shale_buf_free(&cur_ukey);
    shale_buf_free(&last_added_ukey);
    shale_buf_free(&skip);

    pthread_mutex_lock(&db->mu);
    drop_set_unref(drops);
    if (!rc) {
        compaction_add_input_deletions(c);
        for (size_t i = 0; i < n_outputs; i++)
            version_edit_add_file(&c->edit, out_level, outputs[i]);
        n_outputs = 0;
        rc = version_set_log_and_apply(db->vset, &c->edit, &db->mu, err);
    }
    for (size_t i = 0; i < n_outputs; i++)
        file_meta_free(outputs[i]); /* never handed to the edit */
    free(outputs);
    /* Outputs not installed (on failure) are orphans now: the obsolete-file pass deletes them. */
    for (size_t i = 0; i < n_started; i++)
        db_pending_remove(db, started[i]);
    free(started);
    if (!rc) {
        ShaleLevelStats *ls = &db->level_stats[out_level];
        ls->compactions++;
        ls->bytes_read += in_bytes;
        ls->bytes_written += out_bytes;
        db->compaction_bytes += out_bytes;
    }
    return rc;
}

/* ---- obsolete files --------------------------------------------------------------------- */

typedef struct LiveSet {
    uint64_t *nums;
    size_t n, cap;
    bool oom;
} LiveSet;

static void live_add(void *arg, uint64_t number)
{
    LiveSet *s = arg;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *p = realloc(s->nums, cap * sizeof *p);
        if (!p) {
            s->oom = true;
            return;
        }
        s->nums = p;
        s->cap = cap;
    }
    s->nums[s->n++] = number;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct Doomed {
    char (*names)[64];
    uint64_t *sst_numbers;
    size_t n, cap;
    LiveSet *live;
    ShaleDB *db;
    bool oom;
} Doomed;

static bool doomed_scan(void *arg, const char *name)
{
    Doomed *d = arg;
    uint64_t num;
    ShaleFileType t = shale_parse_file_name(name, &num);
    bool kill = false;
    switch (t) {
    case SHALE_FILE_SST:
        kill = d->live->n == 0 || !bsearch(&num, d->live->nums, d->live->n, sizeof(uint64_t), cmp_u64);
        break;
    case SHALE_FILE_WAL:
        kill = num < d->db->vset->log_number;
        break;
    case SHALE_FILE_MANIFEST:
        kill = num != d->db->vset->manifest_number;
        break;
    case SHALE_FILE_TEMP:
        kill = true;
        break;
    default:
        break;
    }
    if (!kill || strlen(name) >= 64)
        return true;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        char (*nn)[64] = realloc(d->names, cap * sizeof *nn);
        uint64_t *ns = nn ? realloc(d->sst_numbers, cap * sizeof *ns) : NULL;
        if (nn)
            d->names = nn;
        if (!nn || !ns) {
            d->oom = true;
            return false;
        }
        d->sst_numbers = ns;
        d->cap = cap;
    }
    snprintf(d->names[d->n], 64, "%s", name);
    d->sst_numbers[d->n] = t == SHALE_FILE_SST ? num : 0;
    d->n++;
    return true;
}

void db_delete_obsolete_files(ShaleDB *db)
{
    if (db->bg_error.code)
        return; /* after an error we cannot be sure what is live: keep everything */
    if (db->vset->applying) {
        /* A manifest (or CURRENT.tmp) being written right now must not look obsolete:
         * the background thread scans again once the apply is over. */
        db->obsolete_pending = true;
        db_bg_signal(db);
        return;
    }
    db->obsolete_pending = false;
    LiveSet live = { 0 };
    version_set_live_files(db->vset, live_add, &live);
    for (size_t i = 0; i < db->n_pending; i++)
        live_add(&live, db->pending_outputs[i]);
    if (db->ckpt_version) {
        /* already covered: a captured version is linked in the version set */
    }
    if (live.oom) {
        free(live.nums);
        return;
    }
    if (live.n)
        qsort(live.nums, live.n, sizeof(uint64_t), cmp_u64);
    Doomed d = { 0 };
    d.live = &live;
    d.db = db;
    ShaleError err;
    if (shale_env_list_dir(db->dir, doomed_scan, &d, &err) == SHALE_OK && !d.oom) {
        pthread_mutex_unlock(&db->mu);
        for (size_t i = 0; i < d.n; i++) {
            char path[SHALE_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", db->dir, d.names[i]);
            if (d.sst_numbers[i]) {
                table_cache_evict(db->table_cache, d.sst_numbers[i]);
                block_cache_erase_file(db->block_cache, d.sst_numbers[i]);
            }
            (void)shale_env_remove(db->env, path, NULL);
        }
        pthread_mutex_lock(&db->mu);
    }
    free(d.names);
    free(d.sst_numbers);
    free(live.nums);
}

/* ---- forgetting dropped ranges ------------------------------------------------------------ */

/* Forgets (by a manifest edit) every dropped range no table, memtable or live WAL can hold
 * keys of any more: no file of the current version intersects it and the memtable that was
 * current at the drop has been flushed (later memtables never received keys of it: writes
 * into a dropped range are refused). Runs only on the background thread between jobs, so
 * no flush or compaction that read the range's keys is in flight. True if it tried an edit.
 * REQUIRES: mu. */
static bool forget_dropped_ranges(ShaleDB *db)
{
    Version *v = db->vset->current;
    if (!v->drops)
        return false;
    VersionEdit edit;
    version_edit_init(&edit);
    for (size_t i = 0; i < v->drops->n; i++) {
        const DropRange *r = &v->drops->r[i];
        if (r->horizon > db->flushed_mem_id)
            continue;
        bool busy = false;
        for (int l = 0; l < SHALE_NUM_LEVELS && !busy; l++)
            for (size_t j = 0; j < v->n_files[l] && !busy; j++)
                busy = shale_slice_compare(shale_ikey_user(shale_buf_slice(&v->files[l][j]->smallest)), r->end) < 0 &&
                       shale_slice_compare(shale_ikey_user(shale_buf_slice(&v->files[l][j]->largest)), r->begin) >= 0;
        if (!busy)
            version_edit_forget_range(&edit, r->begin, r->end);
    }
    bool tried = edit.n_forgets > 0;
    if (tried) {
        ShaleError err;
        shale_error_clear(&err);
        ShaleCode rc = version_set_log_and_apply(db->vset, &edit, &db->mu, &err);
        if (rc && rc != SHALE_CLOSED)
            set_bg_error(db, &err);
        else if (!rc)
            db->ranges_forgotten += edit.n_forgets;
    }
    version_edit_destroy(&edit);
    return tried;
}

/* ---- the thread ------------------------------------------------------------------------ */

static void run_manual(ShaleDB *db)
{
    ManualCompaction *m = db->manual;
    shale_error_clear(&m->err);
    m->rc = SHALE_OK;
    if (db->bg_error.code) {
        m->rc = shale_error_set(&m->err, db->bg_error.code, "%s", db->bg_error.msg);
    } else {
        Compaction *c = version_set_compact_range(db->vset, m->level, m->begin, m->end);
        if (c) {
            m->rc = run_compaction(db, c, &m->err);
            if (m->rc && m->rc != SHALE_CLOSED)
                set_bg_error(db, &m->err);
            compaction_free(c);
            db_delete_obsolete_files(db);
        }
    }
    m->done = true;
    db->manual = NULL;
}

void *db_bg_main(void *arg)
{
    ShaleDB *db = arg;
    pthread_mutex_lock(&db->mu);
    while (!db->shutting_down) {
        if (db->imm && !db->bg_error.code) {
            flush_imm(db);
        } else if (db->manual) {
            run_manual(db);
        } else if (db->obsolete_pending && !db->bg_error.code && !db->vset->applying) {
            db_delete_obsolete_files(db);
        } else if (!db->bg_error.code && forget_dropped_ranges(db)) {
            /* done one step */
        } else if (!db->bg_error.code) {
            Compaction *c = version_set_pick_compaction(db->vset);
            if (!c) {
                pthread_cond_broadcast(&db->bg_cv);
                pthread_cond_wait(&db->bg_work_cv, &db->mu);
                continue;
            }
            ShaleError err;
            shale_error_clear(&err);
            ShaleCode rc = run_compaction(db, c, &err);
            if (rc && rc != SHALE_CLOSED)
                set_bg_error(db, &err);
            compaction_free(c);
            db_delete_obsolete_files(db);
        } else {
            pthread_cond_broadcast(&db->bg_cv);
            pthread_cond_wait(&db->bg_work_cv, &db->mu);
            continue;
        }
        pthread_cond_broadcast(&db->bg_cv);
    }
    /* Wake anyone waiting on background work: it will not happen now. */
    if (db->manual) {
        db->manual->rc = shale_error_set(&db->manual->err, SHALE_CLOSED, "database is closing");
        db->manual->done = true;
        db->manual = NULL;
    }
    pthread_cond_broadcast(&db->bg_cv);
    pthread_mutex_unlock(&db->mu);
    return NULL;
}
