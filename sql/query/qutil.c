/* qutil.c -- small helpers shared by the query engine: arena allocation with OOM errors,
 * value copies, row containers (RowVec, HTable), sorting and hashing of rows. */
#include <stdlib.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/query/exec_int.h"

#define QARENA_BUDGET (64u * 1024u)

void *q_alloc(ShaleArena *a, size_t n)
{
    return shale_arena_alloc(a, n ? n : 1);
}

char *q_strdup(ShaleArena *a, const char *s)
{
    size_t n = strlen(s);
    char *p = shale_arena_alloc(a, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

int q_oom(SqlError *err)
{
    return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
}

static bool value_has_bytes(const Value *v)
{
    if (v->null)
        return false;
    switch (v->type) {
    case BOOLOID: case INT2OID: case INT4OID: case INT8OID: case OIDOID: case REGCLASSOID:
    case REGPROCOID: case FLOAT4OID: case FLOAT8OID: case DATEOID: case TIMEOID:
    case TIMESTAMPOID: case TIMESTAMPTZOID: case INTERVALOID:
        return false;
    default: {
        const TypeInfo *ti = type_info(v->type);
        if (ti && ti->byval)
            return false;
        return true;
    }
    }
}

int q_value_copy(ShaleArena *a, const Value *in, Value *out, SqlError *err)
{
    *out = *in;
    if (!value_has_bytes(in) || in->u.s.n == 0)
        return 0;
    char *p = shale_arena_alloc(a, in->u.s.n);
    if (!p)
        return q_oom(err);
    memcpy(p, in->u.s.p, in->u.s.n);
    out->u.s.p = p;
    return 0;
}

Value *row_copy(ShaleArena *a, const Value *row, int n)
{
    Value *r = shale_arena_alloc(a, sizeof(Value) * (size_t)(n > 0 ? n : 1));
    if (!r)
        return NULL;
    for (int i = 0; i < n; i++)
        if (q_value_copy(a, &row[i], &r[i], NULL) != 0)
            return NULL;
    return r;
}

void qarena_reset(ShaleArena *a)
{
    if (shale_arena_usage(a) > QARENA_BUDGET) {
        shale_arena_destroy(a);
        shale_arena_init(a);
    }
}

int q_position(const Binder *b, int location)
{
    if (location < 0 || !b->text)
        return 0;
    return sql_parser_position(b->text, b->text_len, location);
}

static int cmp_val(const Value *a, const Value *b, bool nulls_first)
{
    if (a->null || b->null) {
        if (a->null && b->null)
            return 0;
        return a->null ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1);
    }
    if (a->type != b->type) {
        bool ai = a->type == INT2OID || a->type == INT4OID || a->type == INT8OID;
        bool bi = b->type == INT2OID || b->type == INT4OID || b->type == INT8OID;
        if (ai && bi)
            return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    }
    return types_compare(a, b);
}

int q_compare_keys(const Value *a, const Value *b, const SortKey *keys, int n_keys)
{
    for (int i = 0; i < n_keys; i++) {
        const SortKey *k = &keys[i];
        int c = cmp_val(&a[k->col], &b[k->col], k->nulls_first != k->desc);
        if (c != 0)
            return k->desc ? -c : c;
    }
    return 0;
}

void q_sort_rows(Value **rows, size_t n, const SortKey *keys, int n_keys, Value **scratch)
{
    /* bottom-up merge sort (stable) */
    Value **src = rows, **dst = scratch;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = q_compare_keys(src[j], src[i], keys, n_keys) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        Value **t = src;
        src = dst;
        dst = t;
    }
    if (src != rows)
        memcpy(rows, src, sizeof(Value *) * n);
}

bool q_rows_equal(const Value *a, const Value *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].null || b[i].null) {
            if (a[i].null != b[i].null)
                return false;
            continue;
        }
        if (cmp_val(&a[i], &b[i], false) != 0)
            return false;
    }
    return true;
}

uint64_t q_hash_row(const Value *r, int n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < n; i++) {
        uint64_t x = r[i].null ? 0x51ed27 : types_hash(&r[i]);
        h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    }
    return h;
}

int rowvec_push(RowVec *v, Value *row, SqlError *err)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        Value **n = realloc(v->rows, sizeof(Value *) * cap);
        if (!n)
            return q_oom(err);
        v->rows = n;
        v->cap = cap;
    }
    v->rows[v->n++] = row;
    return 0;
}

void rowvec_free(RowVec *v)
{
    free(v->rows);
    v->rows = NULL;
    v->n = v->cap = 0;
}

int htable_init(HTable *t, SqlError *err)
{
    t->nbuckets = 256;
    t->n = 0;
    t->all_head = NULL;
    t->buckets = calloc(t->nbuckets, sizeof(HEntry *));
    if (!t->buckets)
        return q_oom(err);
    return 0;
}

void htable_free(HTable *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->nbuckets = t->n = 0;
}

HEntry *htable_find(HTable *t, const Value *row, int nkeys, uint64_t hash)
{
    if (!t->buckets)
        return NULL;
    for (HEntry *e = t->buckets[hash & (t->nbuckets - 1)]; e; e = e->next)
        if (e->hash == hash && q_rows_equal(e->row, row, nkeys))
            return e;
    return NULL;
}

HEntry *htable_insert(HTable *t, ShaleArena *a, Value *row, uint64_t hash, SqlError *err)
{
    if (!t->buckets && htable_init(t, err) != 0)
        return NULL;
    if (t->n >= t->nbuckets) {
        size_t nb = t->nbuckets * 2;
        HEntry **n = calloc(nb, sizeof(HEntry *));
        if (!n) {
            q_oom(err);
            return NULL;
        }
        for (size_t i = 0; i < t->nbuckets; i++) {
            HEntry *e = t->buckets[i];
            while (e) {
                HEntry *next = e->next;
                e->next = n[e->hash & (nb - 1)];
                n[e->hash & (nb - 1)] = e;
                e = next;
            }
        }
        free(t->buckets);
        t->buckets = n;
        t->nbuckets = nb;
    }
    HEntry *e = shale_arena_alloc(a, sizeof(HEntry));
    if (!e) {
        q_oom(err);
        return NULL;
    }
    memset(e, 0, sizeof(*e));
    e->hash = hash;
    e->row = row;
    e->next = t->buckets[hash & (t->nbuckets - 1)];
    t->buckets[hash & (t->nbuckets - 1)] = e;
    t->n++;
    return e;
}
