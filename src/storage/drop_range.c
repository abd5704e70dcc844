/* drop_range.c -- the immutable set of dropped key ranges (see drop_range.h). */
#include "storage/drop_range.h"

#include <stdlib.h>
#include <string.h>

void drop_set_ref(DropSet *s)
{
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void drop_set_unref(DropSet *s)
{
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        free(s);
}

typedef struct TmpRange {
    ShaleSlice b, e;
    uint64_t horizon;
} TmpRange;

static int cmp_tmp(const void *a, const void *b)
{
    const TmpRange *x = a, *y = b;
    int r = shale_slice_compare(x->b, y->b);
    return r ? r : shale_slice_compare(x->e, y->e);
}

bool drop_set_apply(const DropSet *base, const EditRange *forget, size_t n_forget,
                    const EditRange *add, size_t n_add, DropSet **out)
{
    *out = NULL;
    size_t cap = (base ? base->n : 0) + n_add;
    if (cap == 0)
        return true;
    TmpRange *t = malloc(cap * sizeof *t);
    if (!t)
        return false;
    size_t n = 0;
    for (size_t i = 0; base && i < base->n; i++) {
        bool gone = false;
        for (size_t j = 0; j < n_forget && !gone; j++)
            gone = shale_slice_equal(base->r[i].begin, shale_buf_slice(&forget[j].begin)) &&
                   shale_slice_equal(base->r[i].end, shale_buf_slice(&forget[j].end));
        if (!gone)
            t[n++] = (TmpRange){ base->r[i].begin, base->r[i].end, base->r[i].horizon };
    }
    for (size_t j = 0; j < n_add; j++) {
        ShaleSlice b = shale_buf_slice(&add[j].begin), e = shale_buf_slice(&add[j].end);
        if (shale_slice_compare(b, e) < 0)
            t[n++] = (TmpRange){ b, e, 0 };
    }
    if (n == 0) {
        free(t);
        return true;
    }
    qsort(t, n, sizeof *t, cmp_tmp);
    /* Merge overlapping or touching ranges in place. */
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        if (shale_slice_compare(t[i].b, t[m].e) <= 0) {
            if (shale_slice_compare(t[i].e, t[m].e) > 0)
                t[m].e = t[i].e;
            if (t[i].horizon > t[m].horizon)
                t[m].horizon = t[i].horizon;
        } else {
            t[++m] = t[i];
        }
    }
    n = m + 1;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += t[i].b.size + t[i].e.size;
    /* One block: header, ranges, then the key bytes. */
    DropSet *s = malloc(sizeof *s + n * sizeof(DropRange) + bytes);
    if (!s) {
        free(t);
        return false;
    }
    atomic_init(&s->refs, 1);
    s->n = n;
    s->r = (DropRange *)(s + 1);
    char *p = (char *)(s->r + n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].b.size)
            memcpy(p, t[i].b.data, t[i].b.size);
        s->r[i].begin = shale_slice(p, t[i].b.size);
        p += t[i].b.size;
        memcpy(p, t[i].e.data, t[i].e.size);
        s->r[i].end = shale_slice(p, t[i].e.size);
        p += t[i].e.size;
        s->r[i].horizon = t[i].horizon;
    }
    free(t);
    *out = s;
    return true;
}

const DropRange *drop_set_next(const DropSet *s, ShaleSlice ukey)
{
    if (!s)
        return NULL;
    /* Ranges are disjoint and sorted, so their ends are sorted too. */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (shale_slice_compare(s->r[mid].end, ukey) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n ? &s->r[lo] : NULL;
}

const DropRange *drop_set_find(const DropSet *s, ShaleSlice ukey)
{
    const DropRange *r = drop_set_next(s, ukey);
    return r && shale_slice_compare(r->begin, ukey) <= 0 ? r : NULL;
}

bool drop_set_overlaps(const DropSet *s, ShaleSlice small, ShaleSlice large)
{
    const DropRange *r = drop_set_next(s, small);
    return r && shale_slice_compare(r->begin, large) <= 0;
}

bool drop_set_covers(const DropSet *s, ShaleSlice small, ShaleSlice large)
{
    const DropRange *r = drop_set_find(s, small);
    return r && shale_slice_compare(large, r->end) < 0;
}

long drop_set_index_of(const DropSet *s, ShaleSlice begin, ShaleSlice end)
{
    const DropRange *r = drop_set_find(s, begin);
    if (r && shale_slice_equal(r->begin, begin) && shale_slice_equal(r->end, end))
        return (long)(r - s->r);
    return -1;
}
