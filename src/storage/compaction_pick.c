/* compaction_pick.c -- choosing what to compact (size-triggered or a manual range) and the
 * Compaction object handed to the background thread. Picking runs under the DB mutex and
 * only reads the current version. */
#include "storage/version.h"
#include "storage/drop_range.h"

#include <stdlib.h>
#include <string.h>

#include "storage/dbformat.h"

ShaleIter *version_level_iter_new(TableCache *tc, FileMeta **files, size_t n);

static ShaleSlice small_ukey(const FileMeta *f)
{
    return shale_ikey_user(shale_buf_slice(&f->smallest));
}

static ShaleSlice large_ukey(const FileMeta *f)
{
    return shale_ikey_user(shale_buf_slice(&f->largest));
}

/* User-key range covered by files (REQUIRES n > 0); slices borrow the files' keys. */
static void files_range(FileMeta **files, size_t n, ShaleSlice *lo, ShaleSlice *hi)
{
    *lo = small_ukey(files[0]);
    *hi = large_ukey(files[0]);
    for (size_t i = 1; i < n; i++) {
        if (shale_slice_compare(small_ukey(files[i]), *lo) < 0)
            *lo = small_ukey(files[i]);
        if (shale_slice_compare(large_ukey(files[i]), *hi) > 0)
            *hi = large_ukey(files[i]);
    }
}

static Compaction *compaction_new(VersionSet *vs, int level)
{
    Compaction *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->level = level;
    c->input_version = vs->current;
    version_ref(c->input_version);
    c->max_output_file_size = vs->opts->target_file_size;
    version_edit_init(&c->edit);
    return c;
}

/* Fills inputs[1] from level + 1 for the range of inputs[0]. */
static bool compaction_setup_other_inputs(Compaction *c)
{
    ShaleSlice lo, hi;
    files_range(c->inputs[0], c->n_inputs[0], &lo, &hi);
    if (c->level + 1 >= SHALE_NUM_LEVELS)
        return true;
    return version_overlapping_inputs(c->input_version, c->level + 1, &lo, &hi, &c->inputs[1], &c->n_inputs[1]);
}

/* A file whose key span intersects a dropped range is compacted before anything else, so
 * the space is reclaimed and the range can be forgotten. An L0 file goes down to L1 with
 * its overlaps; a file at level L >= 1 is rewritten in place (a compaction of "level L-1"
 * with no inputs there and the file as its only level-L input), which also works at the
 * last level. Compactions cut their outputs at dropped ranges, so no output intersects a
 * range it was compacted under and this terminates. */
static Compaction *pick_dropped(VersionSet *vs)
{
    Version *v = vs->current;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        for (size_t i = 0; i < v->n_files[l]; i++) {
            FileMeta *f = v->files[l][i];
            if (!drop_set_overlaps(v->drops, small_ukey(f), large_ukey(f)))
                continue;
            Compaction *c = compaction_new(vs, l == 0 ? 0 : l - 1);
            if (!c)
                return NULL;
            bool ok;
            if (l == 0) {
                ShaleSlice lo = small_ukey(f), hi = large_ukey(f);
                ok = version_overlapping_inputs(v, 0, &lo, &hi, &c->inputs[0], &c->n_inputs[0]) &&
                     c->n_inputs[0] > 0 && compaction_setup_other_inputs(c);
            } else {
                c->inputs[1] = malloc(sizeof(FileMeta *));
                ok = c->inputs[1] != NULL;
                if (ok) {
                    c->inputs[1][0] = f;
                    c->n_inputs[1] = 1;
                }
            }
            if (!ok) {
                compaction_free(c);
                return NULL;
            }
            return c;
        }
    }
    return NULL;
}

Compaction *version_set_pick_compaction(VersionSet *vs)
{
    Version *v = vs->current;
    if (v->drops) {
        Compaction *c = pick_dropped(vs);
        if (c)
            return c;
    }
    bool size_due = v->compaction_score >= 1 && v->compaction_level >= 0;
    bool seek_due = !size_due && v->file_to_compact && v->file_to_compact_level < SHALE_NUM_LEVELS - 1;
    if (!size_due && !seek_due)
        return NULL;
    int level = size_due ? v->compaction_level : v->file_to_compact_level;
    Compaction *c = compaction_new(vs, level);
    if (!c)
        return NULL;
    /* Size: round robin through the level, from the first file past the last compaction's
     * end. Seek: the file lookups kept passing through. */
    FileMeta *pick = seek_due ? v->file_to_compact : NULL;
    for (size_t i = 0; !pick && i < v->n_files[level]; i++) {
        FileMeta *f = v->files[level][i];
        if (vs->compact_pointer[level].len == 0 ||
            shale_ikey_compare(shale_buf_slice(&f->largest), shale_buf_slice(&vs->compact_pointer[level])) > 0) {
            pick = f;
            break;
        }
    }
    if (!pick)
        pick = v->files[level][0];
    bool ok;
    if (level == 0) {
        ShaleSlice lo = small_ukey(pick), hi = large_ukey(pick);
        ok = version_overlapping_inputs(v, 0, &lo, &hi, &c->inputs[0], &c->n_inputs[0]);
    } else {
        c->inputs[0] = malloc(sizeof(FileMeta *));
        ok = c->inputs[0] != NULL;
        if (ok) {
            c->inputs[0][0] = pick;
            c->n_inputs[0] = 1;
        }
    }
    ok = ok && c->n_inputs[0] > 0 && compaction_setup_other_inputs(c);
    if (!ok) {
        compaction_free(c);
        return NULL;
    }
    /* The next compaction of this level starts after this one's largest key. */
    ShaleSlice largest = shale_buf_slice(&c->inputs[0][0]->largest);
    for (size_t i = 1; i < c->n_inputs[0]; i++)
        if (shale_ikey_compare(shale_buf_slice(&c->inputs[0][i]->largest), largest) > 0)
            largest = shale_buf_slice(&c->inputs[0][i]->largest);
    version_edit_set_compact_pointer(&c->edit, level, largest);
    return c;
}

Compaction *version_set_compact_range(VersionSet *vs, int level, const ShaleSlice *begin, const ShaleSlice *end)
{
    FileMeta **files;
    size_t n;
    if (!version_overlapping_inputs(vs->current, level, begin, end, &files, &n) || n == 0) {
        free(files);
        return NULL;
    }
    Compaction *c = compaction_new(vs, level);
    if (!c) {
        free(files);
        return NULL;
    }
    c->inputs[0] = files;
    c->n_inputs[0] = n;
    if (!compaction_setup_other_inputs(c)) {
        compaction_free(c);
        return NULL;
    }
    return c;
}

bool compaction_is_trivial_move(const Compaction *c)
{
    /* Files of a sorted level (or a single L0 file) with nothing below to merge with can
     * move down by a manifest edit alone. */
    if (c->n_inputs[1] != 0 || (c->level == 0 && c->n_inputs[0] != 1))
        return false;
    /* A file holding dropped keys must be rewritten, not moved. */
    for (size_t i = 0; i < c->n_inputs[0]; i++)
        if (drop_set_overlaps(c->input_version->drops, small_ukey(c->inputs[0][i]), large_ukey(c->inputs[0][i])))
            return false;
    /* Do not move files down onto a huge overlap two levels below: the next compaction
     * would have to rewrite it all. */
    int gp = c->level + 2;
    if (gp >= SHALE_NUM_LEVELS)
        return true;
    ShaleSlice lo, hi;
    files_range(c->inputs[0], c->n_inputs[0], &lo, &hi);
    uint64_t sum = 0;
    const Version *v = c->input_version;
    for (size_t i = 0; i < v->n_files[gp]; i++) {
        const FileMeta *g = v->files[gp][i];
        if (shale_slice_compare(hi, small_ukey(g)) < 0 || shale_slice_compare(lo, large_ukey(g)) > 0)
            continue;
        sum += g->size;
    }
    return sum <= 10 * c->max_output_file_size;
}

bool compaction_is_base_level_for_key(Compaction *c, ShaleSlice user_key)
{
    Version *v = c->input_version;
    for (int l = c->level + 2; l < SHALE_NUM_LEVELS; l++) {
        FileMeta **files = v->files[l];
        size_t n = v->n_files[l];
        while (c->level_ptrs[l] < n) {
            FileMeta *f = files[c->level_ptrs[l]];
            if (shale_slice_compare(user_key, large_ukey(f)) <= 0) {
                if (shale_slice_compare(user_key, small_ukey(f)) >= 0)
                    return false;
                break;
            }
            c->level_ptrs[l]++;
        }
    }
    return true;
}

void compaction_add_input_deletions(Compaction *c)
{
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < c->n_inputs[w]; i++)
            version_edit_delete_file(&c->edit, c->level + w, c->inputs[w][i]->number);
}

uint64_t compaction_input_bytes(const Compaction *c, int which)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < c->n_inputs[which]; i++)
        sum += c->inputs[which][i]->size;
    return sum;
}

ShaleIter *compaction_make_input_iter(Compaction *c)
{
    TableCache *tc = c->input_version->vset->tc;
    size_t cap = c->n_inputs[0] + 2, n = 0;
    ShaleIter **its = malloc(cap * sizeof *its);
    if (!its)
        return NULL;
    bool ok = true;
    if (c->level == 0) {
        for (size_t i = 0; i < c->n_inputs[0] && ok; i++) {
            its[n] = table_cache_iter(tc, c->inputs[0][i]->number, c->inputs[0][i]->size);
            ok = its[n++] != NULL;
        }
    } else if (c->n_inputs[0]) {
        its[n] = version_level_iter_new(tc, c->inputs[0], c->n_inputs[0]);
        ok = its[n++] != NULL;
    }
    if (ok && c->n_inputs[1]) {
        its[n] = version_level_iter_new(tc, c->inputs[1], c->n_inputs[1]);
        ok = its[n++] != NULL;
    }
    if (!ok) {
        for (size_t i = 0; i < n; i++)
            shale_iter_destroy(its[i]);
        free(its);
        return NULL;
    }
    return merging_iter_new(its, n);
}

void compaction_free(Compaction *c)
{
    if (!c)
        return;
    version_edit_destroy(&c->edit);
    free(c->inputs[0]);
    free(c->inputs[1]);
    version_unref(c->input_version);
    free(c);
}
