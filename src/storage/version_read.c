/* version_read.c -- reading through a version: point lookups level by level, the
 * concatenating iterator over a sorted level, and key-range overlap queries. None of this
 * needs the DB mutex: a ref'd Version is immutable. */
#include "storage/version.h"

#include <stdlib.h>
#include <string.h>

#include "storage/dbformat.h"

static ShaleSlice file_small_ukey(const FileMeta *f)
{
    return shale_ikey_user(shale_buf_slice(&f->smallest));
}

static ShaleSlice file_large_ukey(const FileMeta *f)
{
    return shale_ikey_user(shale_buf_slice(&f->largest));
}

/* Index of the first file in a sorted level whose largest key >= ikey (n if none). */
static size_t find_file(FileMeta **files, size_t n, ShaleSlice ikey)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (shale_ikey_compare(shale_buf_slice(&files[mid]->largest), ikey) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- point lookup -------------------------------------------------------------- */

typedef struct GetState {
    VersionGetResult res;
    char *val;
    size_t vlen;
    bool oom;
} GetState;

static void get_found(void *arg, ShaleSlice ikey, ShaleSlice value)
{
    GetState *st = arg;
    if (shale_ikey_kind(ikey) == SHALE_KIND_DELETE) {
        st->res = VGET_DELETED;
        return;
    }
    st->val = malloc(value.size ? value.size : 1);
    if (!st->val) {
        st->oom = true;
        return;
    }
    if (value.size)
        memcpy(st->val, value.data, value.size);
    st->vlen = value.size;
    st->res = VGET_FOUND;
}

static ShaleCode get_in_file(Version *v, FileMeta *f, ShaleSlice lookup, GetState *st, ShaleError *err)
{
    ShaleCode rc = table_cache_get(v->vset->tc, f->number, f->size, lookup, get_found, st, err);
    if (!rc && st->oom)
        rc = SHALE_ERR_NOMEM(err, "out of memory reading a value");
    return rc;
}

ShaleCode version_get(Version *v, ShaleSlice user_key, uint64_t seq, VersionGetResult *res,
                      char **val, size_t *vlen, SeekCharge *charge, ShaleError *err)
{
    charge->file = NULL;
    FileMeta *first = NULL;
    int first_level = -1;
    int n_read = 0;
    *res = VGET_NOT_FOUND;
    *val = NULL;
    *vlen = 0;
    char small[256];
    ShaleBuf lk;
    shale_buf_init(&lk);
    ShaleSlice lookup;
    if (user_key.size + 8 <= sizeof small) {
        memcpy(small, user_key.data, user_key.size);
        shale_put_fixed64(small + user_key.size, shale_pack_trailer(seq, SHALE_KIND_SEEK));
        lookup = shale_slice(small, user_key.size + 8);
    } else {
        shale_ikey_append(&lk, user_key, seq, SHALE_KIND_SEEK);
        if (lk.oom)
            return SHALE_ERR_NOMEM(err, "out of memory building a lookup key");
        lookup = shale_buf_slice(&lk);
    }

    GetState st = { VGET_NOT_FOUND, NULL, 0, false };
    ShaleCode rc = SHALE_OK;
    /* Level 0: newest file first; files may overlap. */
    for (size_t i = v->n_files[0]; i-- > 0 && !rc && st.res == VGET_NOT_FOUND;) {
        FileMeta *f = v->files[0][i];
        if (shale_slice_compare(user_key, file_small_ukey(f)) < 0 ||
            shale_slice_compare(user_key, file_large_ukey(f)) > 0)
            continue;
        if (++n_read == 1) {
            first = f;
            first_level = 0;
        }
        rc = get_in_file(v, f, lookup, &st, err);
    }
    for (int l = 1; l < SHALE_NUM_LEVELS && !rc && st.res == VGET_NOT_FOUND; l++) {
        size_t n = v->n_files[l];
        if (n == 0)
            continue;
        size_t i = find_file(v->files[l], n, lookup);
        if (i >= n)
            continue;
        FileMeta *f = v->files[l][i];
        if (shale_slice_compare(user_key, file_small_ukey(f)) < 0)
            continue;
        if (++n_read == 1) {
            first = f;
            first_level = l;
        }
        rc = get_in_file(v, f, lookup, &st, err);
    }
    if (n_read > 1) {
        charge->file = first;
        charge->level = first_level;
    }
    shale_buf_free(&lk);
    if (rc) {
        free(st.val);
        return rc;
    }
    *res = st.res;
    *val = st.val;
    *vlen = st.vlen;
    return SHALE_OK;
}

bool version_charge_seek(Version *v, const SeekCharge *charge)
{
    FileMeta *f = charge->file;
    if (!f || --f->allowed_seeks > 0 || v->file_to_compact)
        return false;
    v->file_to_compact = f;
    v->file_to_compact_level = charge->level;
    return true;
}

/* ---- the level iterator: a sorted run of files read as one ---------------------- */

typedef struct LevelIter {
    ShaleIter base;
    TableCache *tc;
    FileMeta **files;      /* borrowed from a version the owner keeps ref'd */
    size_t n;
    size_t idx;            /* file of cur (n when none) */
    ShaleIter *cur;
    ShaleError err;        /* sticky */
} LevelIter;

static void level_set_file(LevelIter *li, size_t idx)
{
    if (li->cur && li->idx == idx)
        return;
    if (li->cur) {
        ShaleError e;
        if (shale_iter_status(li->cur, &e) && li->err.code == SHALE_OK)
            li->err = e;
        shale_iter_destroy(li->cur);
        li->cur = NULL;
    }
    li->idx = idx;
    if (idx < li->n && li->err.code == SHALE_OK) {
        li->cur = table_cache_iter(li->tc, li->files[idx]->number, li->files[idx]->size);
        if (!li->cur)
            SHALE_ERR_NOMEM(&li->err, "out of memory opening a table iterator");
    }
}

/* After cur ran off its file: stop on an error, else move to the next non-empty file. */
static void level_skip_forward(LevelIter *li)
{
    while (li->cur && !shale_iter_valid(li->cur)) {
        if (shale_iter_status(li->cur, &li->err)) {
            shale_iter_destroy(li->cur);
            li->cur = NULL;
            return;
        }
        if (li->idx + 1 >= li->n) {
            level_set_file(li, li->n);
            return;
        }
        level_set_file(li, li->idx + 1);
        if (li->cur)
            shale_iter_seek_to_first(li->cur);
    }
}

static void level_skip_backward(LevelIter *li)
{
    while (li->cur && !shale_iter_valid(li->cur)) {
        if (shale_iter_status(li->cur, &li->err)) {
            shale_iter_destroy(li->cur);
            li->cur = NULL;
            return;
        }
        if (li->idx == 0) {
            level_set_file(li, li->n);
            return;
        }
        level_set_file(li, li->idx - 1);
        if (li->cur)
            shale_iter_seek_to_last(li->cur);
    }
}

static bool level_valid(ShaleIter *it)
{
    LevelIter *li = (LevelIter *)it;
    return li->err.code == SHALE_OK && li->cur && shale_iter_valid(li->cur);
}

static void level_seek_to_first(ShaleIter *it)
{
    LevelIter *li = (LevelIter *)it;
    level_set_file(li, 0);
    if (li->cur)
        shale_iter_seek_to_first(li->cur);
    level_skip_forward(li);
}

static void level_seek_to_last(ShaleIter *it)
{
    LevelIter *li = (LevelIter *)it;
    level_set_file(li, li->n ? li->n - 1 : 0);
    if (li->cur)
        shale_iter_seek_to_last(li->cur);
    level_skip_backward(li);
}

static void level_seek(ShaleIter *it, ShaleSlice target)
{
    LevelIter *li = (LevelIter *)it;
    level_set_file(li, find_file(li->files, li->n, target));
    if (li->cur)
        shale_iter_seek(li->cur, target);
    level_skip_forward(li);
}

static void level_next(ShaleIter *it)
{
    LevelIter *li = (LevelIter *)it;
    shale_iter_next(li->cur);
    level_skip_forward(li);
}

static void level_prev(ShaleIter *it)
{
    LevelIter *li = (LevelIter *)it;
    shale_iter_prev(li->cur);
    level_skip_backward(li);
}

static ShaleSlice level_key(ShaleIter *it)
{
    return shale_iter_key(((LevelIter *)it)->cur);
}

static ShaleSlice level_value(ShaleIter *it)
{
    return shale_iter_value(((LevelIter *)it)->cur);
}

static ShaleCode level_status(ShaleIter *it, ShaleError *err)
{
    LevelIter *li = (LevelIter *)it;
    if (li->err.code) {
        if (err)
            *err = li->err;
        return li->err.code;
    }
    return li->cur ? shale_iter_status(li->cur, err) : SHALE_OK;
}

static void level_destroy(ShaleIter *it)
{
    LevelIter *li = (LevelIter *)it;
    shale_iter_destroy(li->cur);
    free(li);
}

static const ShaleIterOps level_iter_ops = {
    level_valid, level_seek_to_first, level_seek_to_last, level_seek, level_next, level_prev,
    level_key, level_value, level_status, level_destroy,
};

static ShaleIter *level_iter_new(TableCache *tc, FileMeta **files, size_t n)
{
    LevelIter *li = calloc(1, sizeof *li);
    if (!li)
        return NULL;
    shale_iter_init(&li->base, &level_iter_ops);
    li->tc = tc;
    li->files = files;
    li->n = n;
    li->idx = n;
    return &li->base;
}

static bool its_push(ShaleIter ***its, size_t *n, size_t *cap, ShaleIter *it)
{
    if (!it)
        return false;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        ShaleIter **a = realloc(*its, c * sizeof *a);
        if (!a) {
            shale_iter_destroy(it);
            return false;
        }
        *its = a;
        *cap = c;
    }
    (*its)[(*n)++] = it;
    return true;
}

bool version_add_iterators(Version *v, ShaleIter ***its, size_t *n, size_t *cap)
{
    TableCache *tc = v->vset->tc;
    for (size_t i = v->n_files[0]; i-- > 0;)
        if (!its_push(its, n, cap, table_cache_iter(tc, v->files[0][i]->number, v->files[0][i]->size)))
            return false;
    for (int l = 1; l < SHALE_NUM_LEVELS; l++)
        if (v->n_files[l] && !its_push(its, n, cap, level_iter_new(tc, v->files[l], v->n_files[l])))
            return false;
    return true;
}

/* Exposed for compaction inputs. */
ShaleIter *version_level_iter_new(TableCache *tc, FileMeta **files, size_t n);
ShaleIter *version_level_iter_new(TableCache *tc, FileMeta **files, size_t n)
{
    return level_iter_new(tc, files, n);
}

/* ---- overlap queries ----------------------------------------------------------- */

static bool before_file(const ShaleSlice *end, const FileMeta *f)
{
    /* range [.., end] lies entirely before f */
    return end && shale_slice_compare(*end, file_small_ukey(f)) < 0;
}

static bool after_file(const ShaleSlice *begin, const FileMeta *f)
{
    return begin && shale_slice_compare(*begin, file_large_ukey(f)) > 0;
}

bool version_overlapping_inputs(Version *v, int level, const ShaleSlice *begin, const ShaleSlice *end,
                                FileMeta ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    ShaleBuf b, e;
    shale_buf_init(&b);
    shale_buf_init(&e);
    bool has_b = begin != NULL, has_e = end != NULL;
    if (begin)
        shale_buf_append(&b, begin->data, begin->size);
    if (end)
        shale_buf_append(&e, end->data, end->size);
    bool ok = !b.oom && !e.oom;
    for (size_t i = 0; ok && i < v->n_files[level];) {
        FileMeta *f = v->files[level][i++];
        ShaleSlice bs = shale_buf_slice(&b), es = shale_buf_slice(&e);
        if (before_file(has_e ? &es : NULL, f) || after_file(has_b ? &bs : NULL, f))
            continue;
        if (level == 0) {
            /* Widen the range to f and restart if it grew: overlapping L0 files must move together. */
            bool grew = false;
            if (has_b && shale_slice_compare(file_small_ukey(f), bs) < 0) {
                ShaleSlice s = file_small_ukey(f);
                shale_buf_reset(&b);
                shale_buf_append(&b, s.data, s.size);
                grew = true;
            }
            if (has_e && shale_slice_compare(file_large_ukey(f), es) > 0) {
                ShaleSlice s = file_large_ukey(f);
                shale_buf_reset(&e);
                shale_buf_append(&e, s.data, s.size);
                grew = true;
            }
            if (grew) {
                *n = 0;
                i = 0;
                ok = !b.oom && !e.oom;
                continue;
            }
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            FileMeta **a = realloc(*out, cap * sizeof *a);
            if (!a) {
                ok = false;
                break;
            }
            *out = a;
        }
        (*out)[(*n)++] = f;
    }
    shale_buf_free(&b);
    shale_buf_free(&e);
    if (!ok) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return ok;
}

bool version_overlaps(Version *v, int level, ShaleSlice small_ukey, ShaleSlice large_ukey)
{
    for (size_t i = 0; i < v->n_files[level]; i++) {
        FileMeta *f = v->files[level][i];
        if (shale_slice_compare(large_ukey, file_small_ukey(f)) < 0 ||
            shale_slice_compare(small_ukey, file_large_ukey(f)) > 0)
            continue;
        return true;
    }
    return false;
}

int version_pick_level_for_flush(Version *v, ShaleSlice small_ukey, ShaleSlice large_ukey)
{
    /* Push a non-overlapping flush down (at most to level 2) so sequential loads do not
     * rewrite data through every level; stop where the grandparents overlap much. */
    int level = 0;
    if (version_overlaps(v, 0, small_ukey, large_ukey))
        return 0;
    const uint64_t max_gp = 10 * v->vset->opts->target_file_size;
    while (level < 2) {
        if (version_overlaps(v, level + 1, small_ukey, large_ukey))
            break;
        if (level + 2 < SHALE_NUM_LEVELS) {
            uint64_t sum = 0;
            for (size_t i = 0; i < v->n_files[level + 2]; i++) {
                FileMeta *f = v->files[level + 2][i];
                if (shale_slice_compare(large_ukey, file_small_ukey(f)) < 0 ||
                    shale_slice_compare(small_ukey, file_large_ukey(f)) > 0)
                    continue;
                sum += f->size;
            }
            if (sum > max_gp)
                break;
        }
        level++;
    }
    return level;
}
