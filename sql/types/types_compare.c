/* types_compare.c -- total order (types_compare) and equality-consistent hashing
 * (types_hash) of non-null values, as PostgreSQL sorts with the C.UTF-8 collation. */
#include "sql/types/types_int.h"

#include <math.h>
#include <string.h>

#include "util/hash.h"

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static size_t bpchar_len(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] == ' ')
        n--;
    return n;
}

static int cmp_double(double a, double b)
{
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    if (isnan(b))
        return -1;
    return a < b ? -1 : a > b ? 1 : 0;
}

int types_compare(const Value *a, const Value *b)
{
    switch (a->type) {
    case BOOLOID:
        return (int)a->u.b - (int)b->u.b;
    case INT2OID: case INT4OID: case INT8OID: case OIDOID: case REGCLASSOID: case REGTYPEOID: case REGPROCOID:
    case DATEOID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID:
        if (b->type == FLOAT8OID || b->type == FLOAT4OID)
            return cmp_double((double)a->u.i, b->u.f);
        return a->u.i < b->u.i ? -1 : a->u.i > b->u.i ? 1 : 0;
    case FLOAT4OID: case FLOAT8OID:
        return cmp_double(a->u.f, b->type == FLOAT4OID || b->type == FLOAT8OID ? b->u.f : (double)b->u.i);
    case NUMERICOID: {
        NumVar x, y;
        num_init(&x);
        num_init(&y);
        int c = 0;
        if (num_from_value(a, &x, NULL) == 0 && num_from_value(b, &y, NULL) == 0)
            c = num_cmp(&x, &y);
        num_free(&x);
        num_free(&y);
        return c;
    }
    case BPCHAROID:
        if (b->type == BPCHAROID)
            return cmp_bytes(a->u.s.p, bpchar_len(a->u.s.p, a->u.s.n), b->u.s.p, bpchar_len(b->u.s.p, b->u.s.n));
        return cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
    case INTERVALOID: {
        __int128 x, y;
        types_interval_span(a, &x);
        types_interval_span(b, &y);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    case VECTOROID:   /* pgvector (types_vector.c) */
        return types_vector_compare(a, b);
    case JSONBOID:
        return types_jsonb_compare(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
    case RECORDOID:
        return types_record_compare(a, b);
    default:
        if (types_array_elem(a->type) != INVALIDOID)
            return types_array_compare(a, b);
        return cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
    }
}

uint64_t types_hash(const Value *v)
{
    switch (v->type) {
    case BOOLOID:
        return shale_hash_u64(v->u.b ? 1 : 2);
    case INT2OID: case INT4OID: case INT8OID: case OIDOID: case REGCLASSOID: case REGTYPEOID: case REGPROCOID:
    case DATEOID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID:
        return shale_hash_u64((uint64_t)v->u.i);
    case FLOAT4OID: case FLOAT8OID: {
        double d = v->u.f;
        if (d == 0)
            d = 0;                  /* -0 == 0 */
        if (isnan(d))
            return shale_hash_u64(0x7ff8000000000000ull);
        if (d == trunc(d) && fabs(d) < 9e18)
            return shale_hash_u64((uint64_t)(int64_t)d);  /* integral floats hash like ints */
        uint64_t u;
        memcpy(&u, &d, 8);
        return shale_hash_u64(u);
    }
    case NUMERICOID: {
        NumVar x;
        num_init(&x);
        uint64_t h = 0;
        if (num_from_value(v, &x, NULL) == 0)
            h = num_hash(&x);
        num_free(&x);
        return h;
    }
    case BPCHAROID:
        return shale_hash_u64(shale_hash32(v->u.s.p, bpchar_len(v->u.s.p, v->u.s.n), 0x7e57));
    case VECTOROID:   /* pgvector (types_vector.c) */
        return types_vector_hash(v);
    case INTERVALOID: {
        __int128 w;
        types_interval_span(v, &w);
        return shale_hash_u64((uint64_t)w ^ (uint64_t)(w >> 64));
    }
    case RECORDOID:
        return types_record_hash(v);
    default:
        if (types_array_elem(v->type) != INVALIDOID)
            return types_array_hash(v);
        return shale_hash_u64(shale_hash32(v->u.s.p, v->u.s.n, 0x7e57));
    }
}
