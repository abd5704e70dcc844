/* db_iter.c -- the public iterator (see db_iter.h).
 *
 * States:
 *   FORWARD: when valid, the internal iterator is AT the entry that gives key()/value().
 *   REVERSE: when valid, the internal iterator is BEFORE every entry of key(); key() and
 *            value() are copies in saved_key / saved_value.
 * Transitions: seek/seek_to_first/next -> FORWARD [find_next_user_entry];
 *              seek_to_last/prev -> REVERSE [find_prev_user_entry];
 *              find_prev_user_entry finding nothing -> FORWARD, invalid. */
#include "storage/db_iter.h"

#include <stdlib.h>

#include "storage/dbformat.h"
#include "util/buf.h"

typedef enum { DBI_FORWARD, DBI_REVERSE } DbIterDir;

struct ShaleDBIter {
    ShaleIter *iter;           /* internal keys, owned */
    uint64_t seq;              /* snapshot */
    const DropSet *drops;      /* borrowed (see db_iter_new); NULL = none */
    ShaleBuf jump;             /* scratch: internal key to seek to past a dropped range */
    DbIterDir dir;
    bool valid;
    ShaleBuf saved_key;        /* user key: current (REVERSE) or skip key (FORWARD) */
    ShaleBuf saved_value;      /* REVERSE only */
    ShaleError err;            /* sticky own errors (malformed keys, OOM) */
    void (*release)(void *a, void *b);
    void *ra, *rb;
};

static void save(ShaleBuf *b, ShaleSlice s)
{
    shale_buf_reset(b);
    shale_buf_append(b, s.data, s.size);
}

/* False (and the iterator failed) when an internal key is malformed. */
static bool dbi_key_ok(ShaleDBIter *it, ShaleSlice ikey)
{
    if (shale_ikey_well_formed(ikey))
        return true;
    SHALE_ERR_CORRUPT(&it->err, "malformed internal key of %zu bytes", ikey.size);
    it->valid = false;
    return false;
}

static void dbi_check_oom(ShaleDBIter *it)
{
    if ((it->saved_key.oom || it->saved_value.oom) && it->err.code == SHALE_OK) {
        SHALE_ERR_NOMEM(&it->err, "out of memory in an iterator");
        it->valid = false;
    }
}

/* If ikey's user key lies in a dropped range, repositions the internal iterator past the
 * range (forward: at the first entry >= its end; backward: at the last entry < its begin)
 * and returns true. */
static bool dbi_jump_dropped(ShaleDBIter *it, ShaleSlice ikey, bool forward)
{
    const DropRange *r = it->drops ? drop_set_find(it->drops, shale_ikey_user(ikey)) : NULL;
    if (!r)
        return false;
    shale_buf_reset(&it->jump);
    shale_ikey_append(&it->jump, forward ? r->end : r->begin, SHALE_MAX_SEQUENCE, SHALE_KIND_SEEK);
    if (it->jump.oom) {
        if (it->err.code == SHALE_OK)
            SHALE_ERR_NOMEM(&it->err, "out of memory in an iterator");
        it->valid = false;
        return true;
    }
    shale_iter_seek(it->iter, shale_buf_slice(&it->jump));
    if (!forward) {
        if (shale_iter_valid(it->iter))
            shale_iter_prev(it->iter);
        else if (shale_iter_status(it->iter, NULL) == SHALE_OK)
            shale_iter_seek_to_last(it->iter);
    }
    return true;
}

static void find_next_user_entry(ShaleDBIter *it, bool skipping)
{
    /* saved_key holds the skip key when skipping. */
    while (shale_iter_valid(it->iter)) {
        ShaleSlice ik = shale_iter_key(it->iter);
        if (!dbi_key_ok(it, ik))
            return;
        if (dbi_jump_dropped(it, ik, true)) {
            if (it->err.code)
                return;
            continue; /* every key past the range is > the skip key too */
        }
        if (shale_ikey_seq(ik) <= it->seq) {
            ShaleSlice uk = shale_ikey_user(ik);
            if (shale_ikey_kind(ik) == SHALE_KIND_DELETE) {
                save(&it->saved_key, uk);
                skipping = true;
            } else if (!skipping || shale_slice_compare(uk, shale_buf_slice(&it->saved_key)) > 0) {
                it->valid = true;
                shale_buf_reset(&it->saved_key);
                return;
            }
        }
        shale_iter_next(it->iter);
    }
    shale_buf_reset(&it->saved_key);
    it->valid = false;
    dbi_check_oom(it);
}

static void find_prev_user_entry(ShaleDBIter *it)
{
    ShaleKind kind = SHALE_KIND_DELETE;
    while (shale_iter_valid(it->iter)) {
        ShaleSlice ik = shale_iter_key(it->iter);
        if (!dbi_key_ok(it, ik))
            return;
        if (kind != SHALE_KIND_DELETE &&
            shale_slice_compare(shale_ikey_user(ik), shale_buf_slice(&it->saved_key)) < 0)
            break; /* passed the entries of saved_key (the invisible ones too) */
        if (dbi_jump_dropped(it, ik, false)) {
            if (it->err.code)
                return;
            continue; /* no candidate is pending here: kind is DELETE */
        }
        if (shale_ikey_seq(ik) <= it->seq) {
            ShaleSlice uk = shale_ikey_user(ik);
            kind = shale_ikey_kind(ik);
            if (kind == SHALE_KIND_DELETE) {
                shale_buf_reset(&it->saved_key);
                shale_buf_reset(&it->saved_value);
            } else {
                save(&it->saved_key, uk);
                save(&it->saved_value, shale_iter_value(it->iter));
            }
        }
        shale_iter_prev(it->iter);
    }
    if (kind == SHALE_KIND_DELETE) {
        it->valid = false;
        shale_buf_reset(&it->saved_key);
        shale_buf_reset(&it->saved_value);
        it->dir = DBI_FORWARD;
    } else {
        it->valid = true;
    }
    dbi_check_oom(it);
}

ShaleDBIter *db_iter_new(ShaleIter *internal, uint64_t seq, const DropSet *drops, void (*release)(void *a, void *b),
                         void *a, void *b)
{
    ShaleDBIter *it = calloc(1, sizeof *it);
    if (!it) {
        shale_iter_destroy(internal);
        if (release)
            release(a, b);
        return NULL;
    }
    it->iter = internal;
    it->seq = seq;
    it->drops = drops;
    it->dir = DBI_FORWARD;
    shale_buf_init(&it->jump);
    shale_buf_init(&it->saved_key);
    shale_buf_init(&it->saved_value);
    it->release = release;
    it->ra = a;
    it->rb = b;
    return it;
}

void shale_db_iter_destroy(ShaleDBIter *it)
{
    if (!it)
        return;
    shale_iter_destroy(it->iter);
    if (it->release)
        it->release(it->ra, it->rb);
    shale_buf_free(&it->saved_key);
    shale_buf_free(&it->saved_value);
    shale_buf_free(&it->jump);
    free(it);
}

bool shale_db_iter_valid(ShaleDBIter *it)
{
    return it->valid && it->err.code == SHALE_OK;
}

void shale_db_iter_seek_to_first(ShaleDBIter *it)
{
    if (it->err.code)
        return;
    it->dir = DBI_FORWARD;
    shale_buf_reset(&it->saved_value);
    shale_iter_seek_to_first(it->iter);
    find_next_user_entry(it, false);
}

void shale_db_iter_seek_to_last(ShaleDBIter *it)
{
    if (it->err.code)
        return;
    it->dir = DBI_REVERSE;
    shale_buf_reset(&it->saved_value);
    shale_iter_seek_to_last(it->iter);
    find_prev_user_entry(it);
}

void shale_db_iter_seek(ShaleDBIter *it, const void *key, size_t klen)
{
    if (it->err.code)
        return;
    it->dir = DBI_FORWARD;
    shale_buf_reset(&it->saved_value);
    shale_buf_reset(&it->saved_key);
    shale_ikey_append(&it->saved_key, shale_slice(key, klen), it->seq, SHALE_KIND_SEEK);
    dbi_check_oom(it);
    if (it->err.code)
        return;
    shale_iter_seek(it->iter, shale_buf_slice(&it->saved_key));
    find_next_user_entry(it, false);
}

void shale_db_iter_seek_for_prev(ShaleDBIter *it, const void *key, size_t klen)
{
    shale_db_iter_seek(it, key, klen);
    if (it->err.code || shale_iter_status(it->iter, NULL))
        return;
    if (!it->valid) {
        shale_db_iter_seek_to_last(it);
        return;
    }
    size_t n;
    const char *k = shale_db_iter_key(it, &n);
    if (shale_slice_compare(shale_slice(k, n), shale_slice(key, klen)) > 0)
        shale_db_iter_prev(it);
}

void shale_db_iter_next(ShaleDBIter *it)
{
    if (!shale_db_iter_valid(it))
        return;
    if (it->dir == DBI_REVERSE) {
        it->dir = DBI_FORWARD;
        /* The internal iterator is before key(): step onto key()'s entries, which
         * find_next_user_entry then skips (saved_key already holds key()). */
        if (!shale_iter_valid(it->iter)) {
            if (shale_iter_status(it->iter, NULL)) {
                it->valid = false;
                return;
            }
            shale_iter_seek_to_first(it->iter);
        } else {
            shale_iter_next(it->iter);
        }
        if (!shale_iter_valid(it->iter)) {
            it->valid = false;
            shale_buf_reset(&it->saved_key);
            return;
        }
    } else {
        save(&it->saved_key, shale_ikey_user(shale_iter_key(it->iter)));
        shale_iter_next(it->iter);
        if (!shale_iter_valid(it->iter)) {
            it->valid = false;
            shale_buf_reset(&it->saved_key);
            return;
        }
    }
    find_next_user_entry(it, true);
}

void shale_db_iter_prev(ShaleDBIter *it)
{
    if (!shale_db_iter_valid(it))
        return;
    if (it->dir == DBI_FORWARD) {
        /* Step back before every entry of the current user key. */
        save(&it->saved_key, shale_ikey_user(shale_iter_key(it->iter)));
        for (;;) {
            shale_iter_prev(it->iter);
            if (!shale_iter_valid(it->iter)) {
                it->valid = false;
                shale_buf_reset(&it->saved_key);
                shale_buf_reset(&it->saved_value);
                return;
            }
            ShaleSlice ik = shale_iter_key(it->iter);
            if (!dbi_key_ok(it, ik))
                return;
            if (shale_slice_compare(shale_ikey_user(ik), shale_buf_slice(&it->saved_key)) < 0)
                break;
        }
        it->dir = DBI_REVERSE;
    }
    find_prev_user_entry(it);
}

const char *shale_db_iter_key(ShaleDBIter *it, size_t *klen)
{
    ShaleSlice k = it->dir == DBI_FORWARD ? shale_ikey_user(shale_iter_key(it->iter))
                                          : shale_buf_slice(&it->saved_key);
    *klen = k.size;
    return k.data;
}

const char *shale_db_iter_value(ShaleDBIter *it, size_t *vlen)
{
    ShaleSlice v = it->dir == DBI_FORWARD ? shale_iter_value(it->iter) : shale_buf_slice(&it->saved_value);
    *vlen = v.size;
    return v.data;
}

ShaleCode shale_db_iter_status(ShaleDBIter *it, ShaleError *err)
{
    if (it->err.code) {
        if (err)
            *err = it->err;
        return it->err.code;
    }
    return shale_iter_status(it->iter, err);
}
