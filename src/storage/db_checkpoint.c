/* db_checkpoint.c -- consistent checkpoints: a pinned version whose tables hold exactly the
 * state at one sequence number, and their export as a new database directory.
 *
 * How the instant is fixed: holding the writer role (no commit in flight), the checkpoint
 * records last_sequence S and freezes the memtable. Every write <= S is then in imm or the
 * current version and every later write goes to the new memtable, so the version installed
 * by imm's flush (captured in that same critical section) holds exactly the writes <= S.
 * Ranges dropped (shale_db_drop_range) belong to the version: a captured version carries
 * every range dropped before it was installed, and the export writes them into the new
 * manifest, so the exported directory never shows keys of them. */
#include "storage/db_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/filename.h"

ShaleCode shale_db_checkpoint(ShaleDB *db, ShaleCheckpoint **out, ShaleError *err)
{
    *out = NULL;
    pthread_mutex_lock(&db->ckpt_mu);
    uint64_t seq = 0;
    ShaleCode rc = db_checkpoint_switch(db, &seq, err);
    pthread_mutex_lock(&db->mu);
    if (!rc) {
        while (!db->ckpt_version && !db->bg_error.code && !db->shutting_down) {
            db_bg_signal(db);
            pthread_cond_wait(&db->bg_cv, &db->mu);
        }
        if (!db->ckpt_version)
            rc = db->bg_error.code ? shale_error_set(err, db->bg_error.code, "%s", db->bg_error.msg)
                                   : shale_error_set(err, SHALE_CLOSED, "database is closing");
    }
    Version *v = db->ckpt_version;
    db->ckpt_version = NULL;
    db->ckpt_mem_id = 0;
    ShaleCheckpoint *cp = NULL;
    if (!rc) {
        cp = calloc(1, sizeof *cp);
        size_t n = 0;
        for (int l = 0; l < SHALE_NUM_LEVELS; l++)
            n += v->n_files[l];
        if (cp)
            cp->files = calloc(n ? n : 1, sizeof *cp->files);
        if (cp)
            cp->dir = strdup(db->dir);
        if (!cp || !cp->files || !cp->dir) {
            rc = SHALE_ERR_NOMEM(err, "out of memory taking a checkpoint");
        } else {
            for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
                for (size_t i = 0; i < v->n_files[l]; i++) {
                    ShaleCheckpointFile *f = &cp->files[cp->n_files++];
                    f->level = l;
                    f->number = v->files[l][i]->number;
                    f->size = v->files[l][i]->size;
                }
            }
            cp->db = db;
            cp->version = v;
            cp->seq = seq;
            v = NULL;
            db->checkpoints++;
        }
    }
    if (v)
        version_unref(v);
    pthread_mutex_unlock(&db->mu);
    pthread_mutex_unlock(&db->ckpt_mu);
    if (rc) {
        if (cp) {
            free(cp->files);
            free(cp->dir);
            free(cp);
        }
        return rc;
    }
    *out = cp;
    return SHALE_OK;
}

uint64_t shale_checkpoint_sequence(const ShaleCheckpoint *cp)
{
    return cp->seq;
}

size_t shale_checkpoint_n_files(const ShaleCheckpoint *cp)
{
    return cp->n_files;
}

const ShaleCheckpointFile *shale_checkpoint_file(const ShaleCheckpoint *cp, size_t i)
{
    return i < cp->n_files ? &cp->files[i] : NULL;
}

void shale_checkpoint_release(ShaleCheckpoint *cp)
{
    if (!cp)
        return;
    pthread_mutex_lock(&cp->db->mu);
    version_unref(cp->version);
    pthread_mutex_unlock(&cp->db->mu);
    free(cp->files);
    free(cp->dir);
    free(cp);
}

/* Hard-links src to dst, or copies it (and syncs the copy) when linking is impossible. */
static ShaleCode link_or_copy(ShaleEnv *env, const char *src, const char *dst, ShaleError *err)
{
    if (link(src, dst) == 0)
        return SHALE_OK;
    ShaleRandomFile *in;
    ShaleCode rc = shale_rfile_open(env, src, &in, err);
    if (rc)
        return rc;
    ShaleWritableFile *out;
    rc = shale_wfile_open(env, dst, &out, err);
    if (rc) {
        shale_rfile_close(in);
        return rc;
    }
    char *buf = malloc(1 << 20);
    if (!buf)
        rc = SHALE_ERR_NOMEM(err, "out of memory copying \"%s\"", src);
    uint64_t off = 0;
    while (!rc) {
        size_t got;
        rc = shale_rfile_read(in, off, 1 << 20, buf, &got, err);
        if (rc || got == 0)
            break;
        rc = shale_wfile_append(out, buf, got, err);
        off += got;
    }
    free(buf);
    if (!rc)
        rc = shale_wfile_sync(out, err);
    ShaleCode crc = shale_wfile_close(out, rc ? NULL : err);
    shale_rfile_close(in);
    return rc ? rc : crc;
}

ShaleCode shale_checkpoint_export(const ShaleCheckpoint *cp, const char *dest, ShaleError *err)
{
    if (shale_env_exists(dest))
        return SHALE_ERR_INVALID(err, "\"%s\" already exists", dest);
    ShaleCode rc = shale_env_mkdirs(dest, err);
    if (rc)
        return rc;
    ShaleEnv *env = cp->db->env;
    uint64_t max_number = 1;
    VersionEdit e;
    version_edit_init(&e);
    e.has_format = true;
    e.format = MANIFEST_FORMAT_VERSION;
    const Version *v = cp->version; /* immutable while pinned: no mutex needed */
    for (int l = 0; l < SHALE_NUM_LEVELS && !rc; l++) {
        for (size_t i = 0; i < v->n_files[l] && !rc; i++) {
            const FileMeta *f = v->files[l][i];
            char src[SHALE_PATH_MAX], dst[SHALE_PATH_MAX];
            shale_sst_path(src, sizeof src, cp->dir, f->number);
            shale_sst_path(dst, sizeof dst, dest, f->number);
            rc = link_or_copy(env, src, dst, err);
            if (rc)
                break;
            FileMeta *copy = file_meta_new(f->number, f->size, shale_buf_slice(&f->smallest), shale_buf_slice(&f->largest));
            if (!copy) {
                rc = SHALE_ERR_NOMEM(err, "out of memory exporting a checkpoint");
                break;
            }
            version_edit_add_file(&e, l, copy);
            if (f->number > max_number)
                max_number = f->number;
        }
    }
    /* The pinned version's dropped ranges go along: its files may still hold their keys. */
    for (size_t i = 0; !rc && v->drops && i < v->drops->n; i++)
        version_edit_drop_range(&e, v->drops->r[i].begin, v->drops->r[i].end);
    uint64_t manifest_number = max_number + 1;
    version_edit_set_log_number(&e, 0);
    version_edit_set_next_file(&e, manifest_number + 1);
    version_edit_set_last_sequence(&e, cp->seq);
    ShaleBuf rec;
    shale_buf_init(&rec);
    if (!rc) {
        version_edit_encode(&e, &rec);
        if (rec.oom || e.oom)
            rc = SHALE_ERR_NOMEM(err, "out of memory exporting a checkpoint");
    }
    char mpath[SHALE_PATH_MAX];
    shale_manifest_path(mpath, sizeof mpath, dest, manifest_number);
    ShaleWritableFile *mf = NULL;
    if (!rc)
        rc = shale_wfile_open(env, mpath, &mf, err);
    if (!rc) {
        LogWriter *w = log_writer_new(mf);
        rc = w ? log_writer_add(w, shale_buf_slice(&rec), err) : SHALE_ERR_NOMEM(err, "out of memory");
        if (w)
            log_writer_free(w);
        if (!rc)
            rc = shale_wfile_sync(mf, err);
        ShaleCode crc = shale_wfile_close(mf, rc ? NULL : err);
        if (!rc)
            rc = crc;
    }
    if (!rc) {
        char cur[SHALE_PATH_MAX], contents[64];
        snprintf(cur, sizeof cur, "%s/CURRENT", dest);
        int n = snprintf(contents, sizeof contents, "MANIFEST-%06llu\n", (unsigned long long)manifest_number);
        rc = shale_env_write_atomic(env, cur, contents, (size_t)n, err);
    }
    shale_buf_free(&rec);
    version_edit_destroy(&e);
    return rc;
}
