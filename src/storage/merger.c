/* merger.c -- the merging iterator: n sorted child iterators read as one sorted stream
 * (internal-key order). Duplicate keys across children cannot happen (a sequence number is
 * written once). Direction switches re-seek every non-current child around the current key,
 * so next/prev may be mixed freely. */
#include "storage/version.h"

#include <stdlib.h>

#include "storage/dbformat.h"

typedef enum { DIR_FORWARD, DIR_REVERSE } MergeDir;

typedef struct MergingIter {
    ShaleIter base;
    ShaleIter **children;
    size_t n;
    ShaleIter *cur;
    MergeDir dir;
} MergingIter;

static void merge_find_smallest(MergingIter *m)
{
    ShaleIter *best = NULL;
    for (size_t i = 0; i < m->n; i++) {
        ShaleIter *c = m->children[i];
        if (shale_iter_valid(c) && (!best || shale_ikey_compare(shale_iter_key(c), shale_iter_key(best)) < 0))
            best = c;
    }
    m->cur = best;
}

static void merge_find_largest(MergingIter *m)
{
    ShaleIter *best = NULL;
    for (size_t i = m->n; i-- > 0;) {
        ShaleIter *c = m->children[i];
        if (shale_iter_valid(c) && (!best || shale_ikey_compare(shale_iter_key(c), shale_iter_key(best)) > 0))
            best = c;
    }
    m->cur = best;
}

/* An error in any child makes the merged stream unreliable: report it and stop. */
static bool merge_any_error(MergingIter *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (shale_iter_status(m->children[i], NULL))
            return true;
    return false;
}

static bool merge_valid(ShaleIter *it)
{
    MergingIter *m = (MergingIter *)it;
    return m->cur != NULL;
}

static void merge_settle(MergingIter *m, bool forward)
{
    if (merge_any_error(m)) {
        m->cur = NULL;
        return;
    }
    if (forward)
        merge_find_smallest(m);
    else
        merge_find_largest(m);
}

static void merge_seek_to_first(ShaleIter *it)
{
    MergingIter *m = (MergingIter *)it;
    for (size_t i = 0; i < m->n; i++)
        shale_iter_seek_to_first(m->children[i]);
    m->dir = DIR_FORWARD;
    merge_settle(m, true);
}

static void merge_seek_to_last(ShaleIter *it)
{
    MergingIter *m = (MergingIter *)it;
    for (size_t i = 0; i < m->n; i++)
        shale_iter_seek_to_last(m->children[i]);
    m->dir = DIR_REVERSE;
    merge_settle(m, false);
}

static void merge_seek(ShaleIter *it, ShaleSlice target)
{
    MergingIter *m = (MergingIter *)it;
    for (size_t i = 0; i < m->n; i++)
        shale_iter_seek(m->children[i], target);
    m->dir = DIR_FORWARD;
    merge_settle(m, true);
}

static void merge_next(ShaleIter *it)
{
    MergingIter *m = (MergingIter *)it;
    bool switched = m->dir != DIR_FORWARD;
    if (switched) {
        /* Every other child must be positioned at its first key > current key. */
        ShaleSlice k = shale_iter_key(m->cur);
        for (size_t i = 0; i < m->n; i++) {
            ShaleIter *c = m->children[i];
            if (c == m->cur)
                continue;
            shale_iter_seek(c, k);
            if (shale_iter_valid(c) && shale_ikey_compare(k, shale_iter_key(c)) == 0)
                shale_iter_next(c);
        }
        m->dir = DIR_FORWARD;
    }
    shale_iter_next(m->cur);
    /* Only cur moved: the other children's (sticky) errors were seen when they moved. */
    if (switched) {
        merge_settle(m, true); /* every child moved */
        return;
    }
    if (!shale_iter_valid(m->cur) && shale_iter_status(m->cur, NULL)) {
        m->cur = NULL;
        return;
    }
    merge_find_smallest(m);
}

static void merge_prev(ShaleIter *it)
{
    MergingIter *m = (MergingIter *)it;
    bool switched = m->dir != DIR_REVERSE;
    if (switched) {
        /* Every other child must be positioned at its last key < current key. */
        ShaleSlice k = shale_iter_key(m->cur);
        for (size_t i = 0; i < m->n; i++) {
            ShaleIter *c = m->children[i];
            if (c == m->cur)
                continue;
            shale_iter_seek(c, k);
            if (shale_iter_valid(c))
                shale_iter_prev(c);
            else if (shale_iter_status(c, NULL) == SHALE_OK)
                shale_iter_seek_to_last(c);
        }
        m->dir = DIR_REVERSE;
    }
    shale_iter_prev(m->cur);
    if (switched) {
        merge_settle(m, false); /* every child moved */
        return;
    }
    if (!shale_iter_valid(m->cur) && shale_iter_status(m->cur, NULL)) {
        m->cur = NULL;
        return;
    }
    merge_find_largest(m);
}

static ShaleSlice merge_key(ShaleIter *it)
{
    return shale_iter_key(((MergingIter *)it)->cur);
}

static ShaleSlice merge_value(ShaleIter *it)
{
    return shale_iter_value(((MergingIter *)it)->cur);
}

static ShaleCode merge_status(ShaleIter *it, ShaleError *err)
{
    MergingIter *m = (MergingIter *)it;
    for (size_t i = 0; i < m->n; i++) {
        ShaleCode rc = shale_iter_status(m->children[i], err);
        if (rc)
            return rc;
    }
    return SHALE_OK;
}

static void merge_destroy(ShaleIter *it)
{
    MergingIter *m = (MergingIter *)it;
    for (size_t i = 0; i < m->n; i++)
        shale_iter_destroy(m->children[i]);
    free(m->children);
    free(m);
}

static const ShaleIterOps merging_iter_ops = {
    merge_valid, merge_seek_to_first, merge_seek_to_last, merge_seek, merge_next, merge_prev,
    merge_key, merge_value, merge_status, merge_destroy,
};

ShaleIter *merging_iter_new(ShaleIter **children, size_t n)
{
    MergingIter *m = calloc(1, sizeof *m);
    if (!m) {
        for (size_t i = 0; i < n; i++)
            shale_iter_destroy(children[i]);
        free(children);
        return NULL;
    }
    shale_iter_init(&m->base, &merging_iter_ops);
    m->children = children;
    m->n = n;
    m->dir = DIR_FORWARD;
    return &m->base;
}
