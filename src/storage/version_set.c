/* version_set.c -- versions, applying edits, the manifest and recovery from it.
 *
 * Manifest file = record log (log_format.h) of version edits. A new manifest always starts
 * with a snapshot record (FORMAT + every live file + compact pointers), so recovery replays
 * one manifest from its start. CURRENT names the live manifest and is switched atomically
 * (write CURRENT.tmp, fsync, rename, fsync dir) only after the new manifest is durable. */
#include "storage/version.h"

#include <stdlib.h>
#include <string.h>

#include "storage/dbformat.h"
#include "storage/filename.h"

/* ---- versions ------------------------------------------------------------------ */

static Version *version_alloc(VersionSet *vs)
{
    Version *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->vset = vs;
    v->compaction_level = -1;
    v->prev = v->next = v;
    return v;
}

static void version_destroy(Version *v)
{
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        for (size_t i = 0; i < v->n_files[l]; i++) {
            FileMeta *f = v->files[l][i];
            if (--f->refs == 0)
                file_meta_free(f);
        }
        free(v->files[l]);
    }
    drop_set_unref(v->drops);
    free(v);
}

void version_ref(Version *v)
{
    v->refs++;
}

void version_unref(Version *v)
{
    if (--v->refs == 0) {
        v->prev->next = v->next;
        v->next->prev = v->prev;
        version_destroy(v);
    }
}

uint64_t max_bytes_for_level(const ShaleDBOptions *o, int level)
{
    uint64_t r = o->max_bytes_for_level_base;
    for (int l = 1; l < level; l++)
        r *= 10;
    return r;
}

uint64_t version_level_bytes(const Version *v, int level)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < v->n_files[level]; i++)
        sum += v->files[level][i]->size;
    return sum;
}

static void version_finalize(Version *v)
{
    const ShaleDBOptions *o = v->vset->opts;
    double best = -1;
    int best_level = -1;
    for (int l = 0; l < SHALE_NUM_LEVELS - 1; l++) {
        double score;
        if (l == 0)
            score = (double)v->n_files[0] / (double)o->l0_compaction_trigger;
        else
            score = (double)version_level_bytes(v, l) / (double)max_bytes_for_level(o, l);
        if (score > best) {
            best = score;
            best_level = l;
        }
    }
    v->compaction_score = best;
    v->compaction_level = best_level;
}

/* ---- building a version from a base and edits ----------------------------------- */

typedef struct LevelList {
    FileMeta **f;
    size_t n, cap;
} LevelList;

static bool level_list_push(LevelList *l, FileMeta *f)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        FileMeta **nf = realloc(l->f, cap * sizeof *nf);
        if (!nf)
            return false;
        l->f = nf;
        l->cap = cap;
    }
    l->f[l->n++] = f;
    f->refs++;
    return true;
}

static void level_list_remove(LevelList *l, uint64_t number)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->f[i]->number == number) {
            FileMeta *f = l->f[i];
            memmove(&l->f[i], &l->f[i + 1], (l->n - i - 1) * sizeof *l->f);
            l->n--;
            if (--f->refs == 0)
                file_meta_free(f);
            return;
        }
    }
}

static int cmp_by_number(const void *a, const void *b)
{
    const FileMeta *fa = *(FileMeta *const *)a, *fb = *(FileMeta *const *)b;
    return fa->number < fb->number ? -1 : fa->number > fb->number;
}

static int cmp_by_smallest(const void *a, const void *b)
{
    const FileMeta *fa = *(FileMeta *const *)a, *fb = *(FileMeta *const *)b;
    int r = shale_ikey_compare(shale_buf_slice(&fa->smallest), shale_buf_slice(&fb->smallest));
    return r ? r : cmp_by_number(a, b);
}

/* Applies edit's file changes to lists (which hold refs). False on OOM. */
static bool lists_apply(LevelList *lists, const VersionEdit *e)
{
    for (size_t i = 0; i < e->n_deleted; i++)
        level_list_remove(&lists[e->deleted[i].level], e->deleted[i].number);
    for (size_t i = 0; i < e->n_added; i++) {
        /* A file re-added at another level (trivial move) was deleted above first. */
        if (!level_list_push(&lists[e->added[i].level], e->added[i].meta))
            return false;
    }
    return true;
}

static void lists_free(LevelList *lists)
{
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        for (size_t i = 0; i < lists[l].n; i++)
            if (--lists[l].f[i]->refs == 0)
                file_meta_free(lists[l].f[i]);
        free(lists[l].f);
        lists[l].f = NULL;
        lists[l].n = lists[l].cap = 0;
    }
}

/* Makes a version holding the lists' files (sorted per the invariants) and drops (a new
 * reference is taken). NULL on OOM. */
static Version *version_from_lists(VersionSet *vs, LevelList *lists, DropSet *drops)
{
    Version *v = version_alloc(vs);
    if (!v)
        return NULL;
    drop_set_ref(drops);
    v->drops = drops;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        size_t n = lists[l].n;
        if (n == 0)
            continue;
        v->files[l] = malloc(n * sizeof(FileMeta *));
        if (!v->files[l]) {
            version_destroy(v);
            return NULL;
        }
        memcpy(v->files[l], lists[l].f, n * sizeof(FileMeta *));
        v->n_files[l] = n;
        for (size_t i = 0; i < n; i++)
            v->files[l][i]->refs++;
        qsort(v->files[l], n, sizeof(FileMeta *), l == 0 ? cmp_by_number : cmp_by_smallest);
    }
    version_finalize(v);
    return v;
}

static bool lists_from_version(LevelList *lists, const Version *base)
{
    memset(lists, 0, sizeof(LevelList) * SHALE_NUM_LEVELS);
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        for (size_t i = 0; i < base->n_files[l]; i++)
            if (!level_list_push(&lists[l], base->files[l][i]))
                return false;
    return true;
}

static void version_set_append(VersionSet *vs, Version *v)
{
    if (vs->current)
        version_unref(vs->current);
    vs->current = v;
    version_ref(v);
    v->prev = vs->head.prev;
    v->next = &vs->head;
    v->prev->next = v;
    v->next->prev = v;
}

/* ---- the version set ------------------------------------------------------------ */

VersionSet *version_set_new(const char *dir, ShaleEnv *env, const ShaleDBOptions *opts, TableCache *tc)
{
    VersionSet *vs = calloc(1, sizeof *vs);
    if (!vs)
        return NULL;
    vs->dir = strdup(dir);
    if (!vs->dir) {
        free(vs);
        return NULL;
    }
    vs->env = env;
    vs->opts = opts;
    vs->tc = tc;
    vs->next_file_number = 2;
    vs->head.prev = vs->head.next = &vs->head;
    pthread_cond_init(&vs->apply_cv, NULL);
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        shale_buf_init(&vs->compact_pointer[l]);
    Version *v = version_alloc(vs);
    if (!v) {
        pthread_cond_destroy(&vs->apply_cv);
        free(vs->dir);
        free(vs);
        return NULL;
    }
    version_finalize(v);
    version_set_append(vs, v);
    return vs;
}

static void manifest_close(VersionSet *vs)
{
    if (vs->manifest_log) {
        log_writer_free(vs->manifest_log);
        vs->manifest_log = NULL;
    }
    if (vs->manifest_file) {
        (void)shale_wfile_close(vs->manifest_file, NULL);
        vs->manifest_file = NULL;
    }
}

void version_set_free(VersionSet *vs)
{
    if (!vs)
        return;
    manifest_close(vs);
    if (vs->current) {
        Version *cur = vs->current;
        vs->current = NULL;
        version_unref(cur);
    }
    /* Any version still linked here was leaked by a reader: free them to keep FileMetas sane. */
    while (vs->head.next != &vs->head) {
        Version *v = vs->head.next;
        v->prev->next = v->next;
        v->next->prev = v->prev;
        version_destroy(v);
    }
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        shale_buf_free(&vs->compact_pointer[l]);
    pthread_cond_destroy(&vs->apply_cv);
    free(vs->dir);
    free(vs);
}

void version_set_live_files(VersionSet *vs, void (*fn)(void *arg, uint64_t number), void *arg)
{
    for (Version *v = vs->head.next; v != &vs->head; v = v->next)
        for (int l = 0; l < SHALE_NUM_LEVELS; l++)
            for (size_t i = 0; i < v->n_files[l]; i++)
                fn(arg, v->files[l][i]->number);
}

/* The snapshot record that starts every manifest: everything in v plus the counters. */
static ShaleCode manifest_write_snapshot(VersionSet *vs, const Version *v, ShaleError *err)
{
    VersionEdit e;
    version_edit_init(&e);
    e.has_format = true;
    e.format = MANIFEST_FORMAT_VERSION;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        if (vs->compact_pointer[l].len)
            version_edit_set_compact_pointer(&e, l, shale_buf_slice(&vs->compact_pointer[l]));
    for (size_t i = 0; v->drops && i < v->drops->n; i++)
        version_edit_drop_range(&e, v->drops->r[i].begin, v->drops->r[i].end);
    ShaleBuf rec;
    shale_buf_init(&rec);
    version_edit_encode(&e, &rec);
    /* Files are encoded directly (the edit must not take ownership of shared FileMetas). */
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        for (size_t i = 0; i < v->n_files[l]; i++) {
            const FileMeta *f = v->files[l][i];
            shale_buf_append_varint32(&rec, 6);
            shale_buf_append_varint32(&rec, (uint32_t)l);
            shale_buf_append_varint64(&rec, f->number);
            shale_buf_append_varint64(&rec, f->size);
            shale_buf_append_lenprefixed(&rec, f->smallest.data, f->smallest.len);
            shale_buf_append_lenprefixed(&rec, f->largest.data, f->largest.len);
        }
    }
    ShaleCode rc = SHALE_OK;
    if (rec.oom || e.oom)
        rc = SHALE_ERR_NOMEM(err, "out of memory writing the manifest");
    else
        rc = log_writer_add(vs->manifest_log, shale_buf_slice(&rec), err);
    shale_buf_free(&rec);
    version_edit_destroy(&e);
    return rc;
}

static ShaleCode write_current(VersionSet *vs, uint64_t manifest_number, ShaleError *err)
{
    char path[SHALE_PATH_MAX], contents[64];
    snprintf(path, sizeof path, "%s/CURRENT", vs->dir);
    int n = snprintf(contents, sizeof contents, "MANIFEST-%06llu\n", (unsigned long long)manifest_number);
    return shale_env_write_atomic(vs->env, path, contents, (size_t)n, err);
}

static bool edit_adds(const VersionEdit *e, const FileMeta *f)
{
    for (size_t i = 0; i < e->n_added; i++)
        if (e->added[i].meta == f)
            return true;
    return false;
}

/* Moves every file of lists that came from the base version and lies wholly inside a range
 * of drops out of the lists and into edit's deletions (invariant 4). Files the edit adds
 * are left alone: their producer may still hold them as pending outputs. */
static void lists_drop_covered(LevelList *lists, const DropSet *drops, VersionEdit *edit)
{
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        for (size_t i = 0; i < lists[l].n;) {
            FileMeta *f = lists[l].f[i];
            if (!edit_adds(edit, f) &&
                drop_set_covers(drops, shale_ikey_user(shale_buf_slice(&f->smallest)),
                                shale_ikey_user(shale_buf_slice(&f->largest)))) {
                version_edit_delete_file(edit, l, f->number);
                level_list_remove(&lists[l], f->number);
            } else {
                i++;
            }
        }
    }
}

static void apply_done(VersionSet *vs, pthread_mutex_t *mu)
{
    vs->applying = false;
    if (mu)
        pthread_cond_broadcast(&vs->apply_cv);
}

ShaleCode version_set_log_and_apply(VersionSet *vs, VersionEdit *edit, pthread_mutex_t *mu, ShaleError *err)
{
    if (mu)
        while (vs->applying)
            pthread_cond_wait(&vs->apply_cv, mu);
    vs->applying = true;
    if (edit->oom) {
        apply_done(vs, mu);
        return SHALE_ERR_NOMEM(err, "out of memory building a version edit");
    }
    if (!edit->has_log_number)
        version_edit_set_log_number(edit, vs->log_number);

    DropSet *drops = vs->current->drops;
    bool ok = true;
    if (edit->n_drops || edit->n_forgets)
        ok = drop_set_apply(drops, edit->forgets, edit->n_forgets, edit->drops, edit->n_drops, &drops);
    else
        drop_set_ref(drops);
    LevelList lists[SHALE_NUM_LEVELS];
    Version *v = NULL;
    ok = ok && lists_from_version(lists, vs->current) && lists_apply(lists, edit);
    if (ok && drops)
        lists_drop_covered(lists, drops, edit);
    if (ok && !edit->oom)
        v = version_from_lists(vs, lists, drops);
    lists_free(lists);
    drop_set_unref(drops);
    if (!v) {
        apply_done(vs, mu);
        return SHALE_ERR_NOMEM(err, "out of memory building a version");
    }

    bool new_manifest = false;
    uint64_t manifest_number = vs->manifest_number;
    ShaleCode rc = SHALE_OK;
    Version *base = vs->current;
    version_ref(base);
    if (!vs->manifest_log) {
        new_manifest = true;
        manifest_number = version_set_new_file_number(vs);
    }
    version_edit_set_next_file(edit, vs->next_file_number);
    version_edit_set_last_sequence(edit, vs->last_sequence);

    if (mu)
        pthread_mutex_unlock(mu);
    char mpath[SHALE_PATH_MAX];
    shale_manifest_path(mpath, sizeof mpath, vs->dir, manifest_number);
    if (new_manifest) {
        rc = shale_wfile_open(vs->env, mpath, &vs->manifest_file, err);
        if (!rc) {
            vs->manifest_log = log_writer_new(vs->manifest_file);
            if (!vs->manifest_log)
                rc = SHALE_ERR_NOMEM(err, "out of memory opening the manifest");
        }
        if (!rc)
            rc = manifest_write_snapshot(vs, base, err);
    }
    if (!rc) {
        ShaleBuf rec;
        shale_buf_init(&rec);
        version_edit_encode(edit, &rec);
        rc = rec.oom ? SHALE_ERR_NOMEM(err, "out of memory writing the manifest")
                     : log_writer_add(vs->manifest_log, shale_buf_slice(&rec), err);
        shale_buf_free(&rec);
    }
    if (!rc)
        rc = shale_wfile_sync(vs->manifest_file, err);
    if (!rc && new_manifest)
        rc = write_current(vs, manifest_number, err);
    if (mu)
        pthread_mutex_lock(mu);
    version_unref(base);

    if (rc) {
        manifest_close(vs);
        if (new_manifest)
            (void)shale_env_remove(vs->env, mpath, NULL);
        version_destroy(v);
        apply_done(vs, mu);
        return rc;
    }
    vs->manifest_number = manifest_number;
    vs->log_number = edit->log_number;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        if (edit->has_compact_pointer[l]) {
            shale_buf_reset(&vs->compact_pointer[l]);
            shale_buf_append(&vs->compact_pointer[l], edit->compact_pointer[l].data, edit->compact_pointer[l].len);
        }
    }
    version_set_append(vs, v);
    apply_done(vs, mu);
    return SHALE_OK;
}

ShaleCode version_set_create_new(VersionSet *vs, ShaleError *err)
{
    VersionEdit e;
    version_edit_init(&e);
    version_edit_set_log_number(&e, 0);
    ShaleCode rc = version_set_log_and_apply(vs, &e, NULL, err);
    version_edit_destroy(&e);
    return rc;
}

ShaleCode version_set_recover(VersionSet *vs, ShaleError *err)
{
    char path[SHALE_PATH_MAX];
    snprintf(path, sizeof path, "%s/CURRENT", vs->dir);
    char *cur = NULL;
    size_t cur_n = 0;
    ShaleCode rc = shale_env_read_all(vs->env, path, &cur, &cur_n, err);
    if (rc)
        return rc;
    uint64_t mnum = 0;
    bool good = cur_n > 1 && cur_n < 64 && cur[cur_n - 1] == '\n';
    if (good) {
        cur[cur_n - 1] = '\0';
        good = shale_parse_file_name(cur, &mnum) == SHALE_FILE_MANIFEST;
    }
    free(cur);
    if (!good)
        return SHALE_ERR_CORRUPT(err, "\"%s\" does not name a manifest", path);

    char mpath[SHALE_PATH_MAX];
    shale_manifest_path(mpath, sizeof mpath, vs->dir, mnum);
    ShaleSeqFile *f;
    rc = shale_sfile_open(vs->env, mpath, &f, err);
    if (rc)
        return rc;
    LogReader *r = log_reader_new(f);
    if (!r) {
        shale_sfile_close(f);
        return SHALE_ERR_NOMEM(err, "out of memory reading the manifest");
    }

    LevelList lists[SHALE_NUM_LEVELS];
    memset(lists, 0, sizeof lists);
    DropSet *drops = NULL;
    bool have_next = false, have_last = false, first = true;
    uint64_t next_file = 0, last_seq = 0, log_number = 0;
    for (;;) {
        ShaleSlice rec;
        ShaleError rerr;
        LogReadResult res = log_reader_read(r, &rec, &rerr);
        if (res == LOG_READ_EOF || res == LOG_READ_TORN)
            break; /* a torn tail is an append a crash interrupted: it was never acknowledged */
        if (res == LOG_READ_CORRUPT) {
            rc = shale_error_set(err, rerr.code == SHALE_OK ? SHALE_CORRUPTION : rerr.code,
                                 "manifest \"%s\": %s", mpath, rerr.msg);
            break;
        }
        VersionEdit e;
        version_edit_init(&e);
        rc = version_edit_decode(&e, rec, err);
        if (!rc && first && !e.has_format)
            rc = SHALE_ERR_CORRUPT(err, "manifest \"%s\" does not start with a format record", mpath);
        first = false;
        if (!rc && !lists_apply(lists, &e))
            rc = SHALE_ERR_NOMEM(err, "out of memory reading the manifest");
        if (!rc && (e.n_drops || e.n_forgets)) {
            DropSet *nd;
            if (!drop_set_apply(drops, e.forgets, e.n_forgets, e.drops, e.n_drops, &nd))
                rc = SHALE_ERR_NOMEM(err, "out of memory reading the manifest");
            else {
                drop_set_unref(drops);
                drops = nd;
            }
        }
        if (!rc) {
            if (e.has_next_file) { have_next = true; next_file = e.next_file; }
            if (e.has_last_sequence) { have_last = true; last_seq = e.last_sequence; }
            if (e.has_log_number) log_number = e.log_number;
            for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
                if (e.has_compact_pointer[l]) {
                    shale_buf_reset(&vs->compact_pointer[l]);
                    shale_buf_append(&vs->compact_pointer[l], e.compact_pointer[l].data, e.compact_pointer[l].len);
                }
            }
        } else if (rc == SHALE_CORRUPTION) {
            char msg[SHALE_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            rc = SHALE_ERR_CORRUPT(err, "manifest \"%s\": %s", mpath, msg);
        }
        version_edit_destroy(&e);
        if (rc)
            break;
    }
    log_reader_free(r);
    shale_sfile_close(f);
    if (!rc && (!have_next || !have_last))
        rc = SHALE_ERR_CORRUPT(err, "manifest \"%s\" lacks the file counter or last sequence", mpath);
    if (!rc) {
        Version *v = version_from_lists(vs, lists, drops);
        if (!v) {
            rc = SHALE_ERR_NOMEM(err, "out of memory building a version");
        } else {
            version_set_append(vs, v);
            vs->next_file_number = next_file;
            vs->last_sequence = last_seq;
            vs->log_number = log_number;
            vs->manifest_number = mnum;
            if (vs->next_file_number <= mnum)
                vs->next_file_number = mnum + 1;
        }
    }
    lists_free(lists);
    drop_set_unref(drops);
    return rc;
}
