/* types_vector.c -- the pgvector-compatible `vector(n)` SQL type: text and binary I/O,
 * typmod, ordering and hashing, casts to/from arrays, the distance operators (<-> L2, <=>
 * cosine, <#> negative inner product, <+> L1), elementwise + - * and ||, the functions
 * l2_distance, cosine_distance, inner_product, l1_distance, vector_dims, vector_norm,
 * l2_normalize, subvector, and the aggregates avg(vector) and sum(vector).
 *
 * Byte format (Value u.s, also what rows store verbatim):
 *   dim:uint16 LE | unused:uint16 LE (always 0) | dim x float32 LE
 * with 1 <= dim <= 16000 and no NaN/infinite element (every producer checks). Bytes read
 * back from storage are checked for a consistent length before use (vec_view).
 *
 * Semantics and error wording follow pgvector 0.8 (its documentation is the reference):
 * sums are float32 (like pgvector) except vector_norm and avg, which use double. */
#include "sql/types/types_vector.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facets/vector/vector_kernels.h"
#include "sql/types/types_fn.h"
#include "util/hash.h"

#define VEC_HDR 4

/* A vector's elements as an aligned float array: borrowed from the value bytes when they
 * are suitably aligned on a little-endian host, else copied into the arena. */
typedef struct VecView {
    int dim;
    const float *x;
} VecView;

static int vec_corrupt(SqlError *err)
{
    return SQL_ERR(err, DATA_CORRUPTED, "invalid vector value");
}

static int vec_view(ShaleArena *a, const Value *v, VecView *out, SqlError *err)
{
    const uint8_t *p = (const uint8_t *)v->u.s.p;
    if (v->u.s.n < VEC_HDR)
        return vec_corrupt(err);
    int dim = p[0] | p[1] << 8;
    if (dim < 1 || (size_t)v->u.s.n != VEC_HDR + 4 * (size_t)dim)
        return vec_corrupt(err);
    out->dim = dim;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (((uintptr_t)(p + VEC_HDR) & 3) == 0) {
        out->x = (const float *)(const void *)(p + VEC_HDR);
        return 0;
    }
#endif
    float *x = shale_arena_alloc(a, 4 * (size_t)dim);
    if (!x)
        return types_oom(err);
    for (int i = 0; i < dim; i++) {
        const uint8_t *q = p + VEC_HDR + 4 * i;
        uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
        memcpy(&x[i], &u, 4);
    }
    out->x = x;
    return 0;
}

/* A fresh vector value of dim elements in a; *x receives the (aligned) element array to
 * fill in place. */
static int vec_new(ShaleArena *a, int dim, Value *out, float **x, SqlError *err)
{
    /* 8-aligned arena block: the elements at +4 are 4-aligned */
    uint8_t *p = shale_arena_alloc(a, VEC_HDR + 4 * (size_t)dim);
    if (!p)
        return types_oom(err);
    p[0] = (uint8_t)dim;
    p[1] = (uint8_t)(dim >> 8);
    p[2] = p[3] = 0;
    *x = (float *)(void *)(p + VEC_HDR);
    *out = value_bytes(VECTOROID, (const char *)p, (uint32_t)(VEC_HDR + 4 * dim));
    return 0;
}

#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#error "types_vector.c stores float32 elements in host order: little-endian hosts only"
#endif

static int vec_check_dim(int dim, SqlError *err)
{
    if (dim < 1)
        return SQL_ERR(err, DATA_EXCEPTION, "vector must have at least 1 dimension");
    if (dim > TYPES_VECTOR_MAX_DIM)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "vector cannot have more than %d dimensions",
                       TYPES_VECTOR_MAX_DIM);
    return 0;
}

static int vec_check_expected(int32_t typmod, int dim, SqlError *err)
{
    if (typmod != -1 && typmod != dim)
        return SQL_ERR(err, DATA_EXCEPTION, "expected %d dimensions, not %d", typmod, dim);
    return 0;
}

static int vec_check_elem(float f, SqlError *err)
{
    if (isnan(f))
        return SQL_ERR(err, DATA_EXCEPTION, "NaN not allowed in vector");
    if (isinf(f))
        return SQL_ERR(err, DATA_EXCEPTION, "infinite value not allowed in vector");
    return 0;
}

static int vec_check_dims(const VecView *a, const VecView *b, SqlError *err)
{
    if (a->dim != b->dim)
        return SQL_ERR(err, DATA_EXCEPTION, "different vector dimensions %d and %d", a->dim, b->dim);
    return 0;
}

/* --- text I/O ----------------------------------------------------------------------------- */

static bool vec_isspace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int vec_syntax(const char *lit, SqlError *err)
{
    return SQL_ERR(err, INVALID_TEXT_REPRESENTATION, "invalid input syntax for type vector: \"%.400s\"", lit);
}

/* Parses NUL-terminated lit into x (capacity TYPES_VECTOR_MAX_DIM); *dim_out elements. */
static int vec_parse(const char *lit, float *x, int *dim_out, SqlError *err)
{
    const char *pt = lit;
    int dim = 0;
    while (vec_isspace(*pt))
        pt++;
    if (*pt != '[') {
        vec_syntax(lit, err);
        if (err)
            sql_error_detail(err, "Vector contents must start with \"[\".");
        return -1;
    }
    pt++;
    while (vec_isspace(*pt))
        pt++;
    if (*pt == ']')
        return SQL_ERR(err, DATA_EXCEPTION, "vector must have at least 1 dimension");
    for (;;) {
        if (dim == TYPES_VECTOR_MAX_DIM)
            return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "vector cannot have more than %d dimensions",
                           TYPES_VECTOR_MAX_DIM);
        while (vec_isspace(*pt))
            pt++;
        if (*pt == '\0')
            return vec_syntax(lit, err);
        char *end;
        errno = 0;
        float val = strtof(pt, &end);    /* like float4in: no double rounding */
        if (end == pt)
            return vec_syntax(lit, err);
        if (errno == ERANGE && isinf(val))
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "\"%.*s\" is out of range for type vector",
                           (int)(end - pt), pt);
        if (vec_check_elem(val, err) < 0)
            return -1;
        x[dim++] = val;
        pt = end;
        while (vec_isspace(*pt))
            pt++;
        if (*pt == ',') {
            pt++;
        } else if (*pt == ']') {
            pt++;
            break;
        } else {
            return vec_syntax(lit, err);
        }
    }
    while (vec_isspace(*pt))
        pt++;
    if (*pt != '\0') {
        vec_syntax(lit, err);
        if (err)
            sql_error_detail(err, "Junk after closing right brace.");
        return -1;
    }
    *dim_out = dim;
    return 0;
}

int types_vector_in(const char *s, size_t n, int32_t typmod, ShaleArena *a, Value *out, SqlError *err)
{
    /* strtof needs a terminator: a private copy (owned here, freed before returning). An
     * embedded NUL ends the literal early and is then reported as junk/syntax. */
    char *lit = malloc(n + 1);
    float *x = malloc(sizeof(float) * TYPES_VECTOR_MAX_DIM);
    int rc = -1, dim = 0;
    if (!lit || !x) {
        rc = types_oom(err);
        goto done;
    }
    memcpy(lit, s, n);
    lit[n] = 0;
    if (vec_parse(lit, x, &dim, err) < 0 || vec_check_dim(dim, err) < 0 || vec_check_expected(typmod, dim, err) < 0)
        goto done;
    float *dst;
    if (vec_new(a, dim, out, &dst, err) < 0)
        goto done;
    memcpy(dst, x, sizeof(float) * (size_t)dim);
    rc = 0;
done:
    free(lit);
    free(x);
    return rc;
}

void types_vector_out(const Value *v, ShaleBuf *out)
{
    const uint8_t *p = (const uint8_t *)v->u.s.p;
    size_t dim = v->u.s.n >= VEC_HDR ? (size_t)(p[0] | p[1] << 8) : 0;
    if (VEC_HDR + 4 * dim != v->u.s.n)
        dim = 0;   /* corrupt: print "[]" rather than read out of bounds */
    shale_buf_append_byte(out, '[');
    for (size_t i = 0; i < dim; i++) {
        float f;
        memcpy(&f, p + VEC_HDR + 4 * i, 4);
        if (i)
            shale_buf_append_byte(out, ',');
        types_float_out((double)f, true, 1, out);   /* shortest round-trip, as pgvector */
    }
    shale_buf_append_byte(out, ']');
}

/* --- binary I/O --------------------------------------------------------------------------- */

int types_vector_recv(const char *p, size_t n, int32_t typmod, ShaleArena *a, Value *out, SqlError *err)
{
    const uint8_t *u = (const uint8_t *)p;
    if (n < VEC_HDR)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    int dim = u[0] << 8 | u[1];
    int unused = u[2] << 8 | u[3];
    if (vec_check_dim(dim, err) < 0 || vec_check_expected(typmod, dim, err) < 0)
        return -1;
    if (unused != 0)
        return SQL_ERR(err, DATA_EXCEPTION, "expected unused to be 0, not %d", unused);
    if (n < VEC_HDR + 4 * (size_t)dim)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    if (n > VEC_HDR + 4 * (size_t)dim)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
    float *x;
    if (vec_new(a, dim, out, &x, err) < 0)
        return -1;
    for (int i = 0; i < dim; i++) {
        const uint8_t *q = u + VEC_HDR + 4 * i;
        uint32_t w = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        memcpy(&x[i], &w, 4);
        if (vec_check_elem(x[i], err) < 0)
            return -1;
    }
    return 0;
}

void types_vector_send(const Value *v, ShaleBuf *out)
{
    const uint8_t *p = (const uint8_t *)v->u.s.p;
    size_t dim = v->u.s.n >= VEC_HDR ? (size_t)(p[0] | p[1] << 8) : 0;
    if (VEC_HDR + 4 * dim != v->u.s.n)
        dim = 0;
    uint8_t hdr[4] = { (uint8_t)(dim >> 8), (uint8_t)dim, 0, 0 };
    shale_buf_append(out, hdr, 4);
    for (size_t i = 0; i < dim; i++) {
        const uint8_t *q = p + VEC_HDR + 4 * i;
        uint8_t be[4] = { q[3], q[2], q[1], q[0] };
        shale_buf_append(out, be, 4);
    }
}

/* --- ordering, hashing, typmod ---------------------------------------------------------------- */

static int vec_raw_dim(const Value *v)
{
    const uint8_t *p = (const uint8_t *)v->u.s.p;
    if (v->u.s.n < VEC_HDR)
        return 0;
    int dim = p[0] | p[1] << 8;
    return VEC_HDR + 4 * (size_t)dim == v->u.s.n ? dim : 0;
}

static float vec_raw_elem(const Value *v, int i)
{
    float f;
    memcpy(&f, v->u.s.p + VEC_HDR + 4 * i, 4);
    return f;
}

int types_vector_compare(const Value *a, const Value *b)
{
    int da = vec_raw_dim(a), db = vec_raw_dim(b);
    int dim = da < db ? da : db;
    /* values before dimensions, consistent with PostgreSQL arrays (pgvector's rule) */
    for (int i = 0; i < dim; i++) {
        float x = vec_raw_elem(a, i), y = vec_raw_elem(b, i);
        if (x < y)
            return -1;
        if (x > y)
            return 1;
    }
    return da < db ? -1 : da > db ? 1 : 0;
}

uint64_t types_vector_hash(const Value *v)
{
    int dim = vec_raw_dim(v);
    uint64_t h = shale_hash_u64((uint64_t)dim);
    for (int i = 0; i < dim; i++) {
        float f = vec_raw_elem(v, i);
        if (f == 0)
            f = 0;   /* -0 == 0 must hash alike */
        uint32_t u;
        memcpy(&u, &f, 4);
        h = shale_hash_u64(h ^ u);
    }
    return h;
}

int types_vector_typmod(int n_mods, const int32_t *mods, int32_t *typmod_out, SqlError *err)
{
    if (n_mods != 1)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid type modifier");
    if (mods[0] < 1)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "dimensions for type vector must be at least 1");
    if (mods[0] > TYPES_VECTOR_MAX_DIM)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "dimensions for type vector cannot exceed %d",
                       TYPES_VECTOR_MAX_DIM);
    *typmod_out = mods[0];
    return 0;
}

/* --- casts ------------------------------------------------------------------------------------ */

static bool vec_array_src(Oid t)
{
    return t == INT4_ARRAYOID || t == FLOAT4_ARRAYOID || t == FLOAT8_ARRAYOID || t == NUMERIC_ARRAYOID;
}

bool types_vector_cast_handles(Oid from, Oid to)
{
    return (from == VECTOROID && (to == VECTOROID || to == FLOAT4_ARRAYOID)) ||
           (to == VECTOROID && vec_array_src(from));
}

static int vec_from_array(const TypeContext *tc, const Value *in, int32_t typmod, ShaleArena *a, Value *out,
                          SqlError *err)
{
    TypesArrayReader r;
    if (types_array_open(in, &r, err) < 0)
        return -1;
    for (uint32_t i = 0; i < r.n; i++)
        if (r.nulls[i / 8] & (1u << (i % 8)))
            return SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "array must not contain nulls");
    if (vec_check_dim((int)(r.n > TYPES_VECTOR_MAX_DIM ? TYPES_VECTOR_MAX_DIM + 1 : r.n), err) < 0 ||
        vec_check_expected(typmod, (int)r.n, err) < 0)
        return -1;
    float *x;
    if (vec_new(a, (int)r.n, out, &x, err) < 0)
        return -1;
    Value e;
    int rc;
    uint32_t i = 0;
    while ((rc = types_array_next(&r, &e, err)) == 1) {
        if (e.type == INT4OID || e.type == FLOAT8OID || e.type == FLOAT4OID) {
            x[i] = e.type == INT4OID ? (float)e.u.i : (float)e.u.f;
        } else {
            Value f;
            if (types_cast(tc, &e, FLOAT4OID, -1, TYPES_COERCE_EXPLICIT, a, &f, err) < 0)
                return -1;
            x[i] = (float)f.u.f;
        }
        if (vec_check_elem(x[i], err) < 0)
            return -1;
        i++;
    }
    return rc < 0 ? -1 : 0;
}

int types_vector_cast(const TypeContext *tc, const Value *in, Oid target, int32_t typmod, ShaleArena *a,
                      Value *out, SqlError *err)
{
    if (in->type == VECTOROID && target == VECTOROID) {
        VecView v;
        if (vec_view(a, in, &v, err) < 0 || vec_check_expected(typmod, v.dim, err) < 0)
            return -1;
        *out = *in;
        return 0;
    }
    if (in->type == VECTOROID) {   /* -> real[] with lower bound 1 */
        VecView v;
        if (vec_view(a, in, &v, err) < 0)
            return -1;
        Value *elems = shale_arena_alloc(a, sizeof(Value) * (size_t)v.dim);
        if (!elems)
            return types_oom(err);
        for (int i = 0; i < v.dim; i++)
            elems[i] = value_float(FLOAT4OID, v.x[i]);
        return types_array_build(FLOAT4OID, 1, (uint32_t)v.dim, elems, a, out, err);
    }
    return vec_from_array(tc, in, typmod, a, out, err);
}

/* --- operators and functions ----------------------------------------------------------------- */

/* Views of both arguments with equal dimensions. */
static int vec_two(FuncCallCtx *ctx, const Value *args, VecView *a, VecView *b, SqlError *err)
{
    if (vec_view(ctx->arena, &args[0], a, err) < 0 || vec_view(ctx->arena, &args[1], b, err) < 0)
        return -1;
    return vec_check_dims(a, b, err);
}

static FN(fn_vec_l2)
{
    (void)nargs;
    VecView a, b;
    if (vec_two(ctx, args, &a, &b, err) < 0)
        return -1;
    *out = value_float(FLOAT8OID, sqrt((double)vector_l2_squared(a.x, b.x, (size_t)a.dim)));
    return 0;
}

static FN(fn_vec_l2sq)
{
    (void)nargs;
    VecView a, b;
    if (vec_two(ctx, args, &a, &b, err) < 0)
        return -1;
    *out = value_float(FLOAT8OID, (double)vector_l2_squared(a.x, b.x, (size_t)a.dim));
    return 0;
}

static FN(fn_vec_ip)
{
    (void)nargs;
    VecView a, b;
    if (vec_two(ctx, args, &a, &b, err) < 0)
        return -1;
    *out = value_float(FLOAT8OID, (double)vector_inner_product(a.x, b.x, (size_t)a.dim));
    return 0;
}

static FN(fn_vec_neg_ip)
{
    (void)nargs;
    VecView a, b;
    if (vec_two(ctx, args, &a, &b, err) < 0)
        return -1;
    *out = value_float(FLOAT8OID, -(double)vector_inner_product(a.x, b.x, (size_t)a.dim));
    return 0;
}

static FN(fn_vec_cosine)
{
    (void)nargs;
    VecView a, b;
    if (vec_two(ctx, args, &a, &b, err) < 0)
        return -1;
    *out = value_float(FLOAT8OID, vector_cosine_distance(a.x, b.x, (size_t)a.dim));
    return 0;
}

static FN(fn_vec_l1)
{
    (void)nargs;
    VecView a, b;
    if (vec_two(ctx, args, &a, &b, err) < 0)
        return -1;
    *out = value_float(FLOAT8OID, (double)vector_l1(a.x, b.x, (size_t)a.dim));
    return 0;
}

static int vec_overflow(SqlError *err)
{
    return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
}

/* op: 0 add, 1 subtract, 2 multiply */
static int vec_elementwise(FuncCallCtx *ctx, const Value *args, int op, Value *out, SqlError *err)
{
    VecView a, b;
    float *r;
    if (vec_two(ctx, args, &a, &b, err) < 0 || vec_new(ctx->arena, a.dim, out, &r, err) < 0)
        return -1;
    for (int i = 0; i < a.dim; i++)
        r[i] = op == 0 ? a.x[i] + b.x[i] : op == 1 ? a.x[i] - b.x[i] : a.x[i] * b.x[i];
    for (int i = 0; i < a.dim; i++) {
        if (isinf(r[i]))
            return vec_overflow(err);
        if (op == 2 && r[i] == 0 && !(a.x[i] == 0 || b.x[i] == 0))
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
    }
    return 0;
}

static FN(fn_vec_add) { (void)nargs; return vec_elementwise(ctx, args, 0, out, err); }
static FN(fn_vec_sub) { (void)nargs; return vec_elementwise(ctx, args, 1, out, err); }
static FN(fn_vec_mul) { (void)nargs; return vec_elementwise(ctx, args, 2, out, err); }

static FN(fn_vec_concat)
{
    (void)nargs;
    VecView a, b;
    float *r;
    if (vec_view(ctx->arena, &args[0], &a, err) < 0 || vec_view(ctx->arena, &args[1], &b, err) < 0 ||
        vec_check_dim(a.dim + b.dim, err) < 0 || vec_new(ctx->arena, a.dim + b.dim, out, &r, err) < 0)
        return -1;
    memcpy(r, a.x, 4 * (size_t)a.dim);
    memcpy(r + a.dim, b.x, 4 * (size_t)b.dim);
    return 0;
}

static FN(fn_vec_cmp)
{
    (void)ctx;
    (void)nargs;
    (void)err;
    int c = types_vector_compare(&args[0], &args[1]);
    *out = value_int(INT4OID, c < 0 ? -1 : c > 0 ? 1 : 0);
    return 0;
}

static FN(fn_vec_dims)
{
    (void)nargs;
    VecView a;
    if (vec_view(ctx->arena, &args[0], &a, err) < 0)
        return -1;
    *out = value_int(INT4OID, a.dim);
    return 0;
}

static double vec_norm(const VecView *a)
{
    double s = 0;
    for (int i = 0; i < a->dim; i++)
        s += (double)a->x[i] * (double)a->x[i];
    return sqrt(s);
}

static FN(fn_vec_norm)
{
    (void)nargs;
    VecView a;
    if (vec_view(ctx->arena, &args[0], &a, err) < 0)
        return -1;
    *out = value_float(FLOAT8OID, vec_norm(&a));
    return 0;
}

static FN(fn_vec_l2_normalize)
{
    (void)nargs;
    VecView a;
    float *r;
    if (vec_view(ctx->arena, &args[0], &a, err) < 0 || vec_new(ctx->arena, a.dim, out, &r, err) < 0)
        return -1;
    double norm = vec_norm(&a);
    for (int i = 0; i < a.dim; i++) {
        r[i] = norm > 0 ? (float)((double)a.x[i] / norm) : 0.0f;   /* zero vector stays zero */
        if (isinf(r[i]))
            return vec_overflow(err);
    }
    return 0;
}

static FN(fn_vec_subvector)
{
    (void)nargs;
    VecView a;
    if (vec_view(ctx->arena, &args[0], &a, err) < 0)
        return -1;
    int64_t start = args[1].u.i, count = args[2].u.i, end;
    if (count < 1)
        return SQL_ERR(err, DATA_EXCEPTION, "vector must have at least 1 dimension");
    end = start > a.dim - count ? a.dim + 1 : start + count;   /* indexes start at 1, like substring */
    if (start < 1)
        start = 1;
    else if (start > a.dim)
        return SQL_ERR(err, DATA_EXCEPTION, "vector must have at least 1 dimension");
    int dim = (int)(end - start);
    float *r;
    if (vec_check_dim(dim, err) < 0 || vec_new(ctx->arena, dim, out, &r, err) < 0)
        return -1;
    memcpy(r, a.x + (start - 1), 4 * (size_t)dim);
    return 0;
}

/* --- aggregates ------------------------------------------------------------------------------ */

/* avg: n rows and per-dimension double sums (sums in the group arena, dim fixed by the
 * first row). sum: float32 running sum like pgvector's vector_add state. */
typedef struct VecAggState {
    int64_t n;
    int dim;
    double *sums;      /* avg */
    float *fsum;       /* sum */
} VecAggState;

static int vavg_step(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    (void)nargs;
    VecAggState *s = state;
    VecView v;
    if (vec_view(ctx->arena, &args[0], &v, err) < 0)
        return -1;
    if (!s->sums) {
        s->sums = shale_arena_alloc(ctx->arena, sizeof(double) * (size_t)v.dim);
        if (!s->sums)
            return types_oom(err);
        memset(s->sums, 0, sizeof(double) * (size_t)v.dim);
        s->dim = v.dim;
    } else if (vec_check_expected(s->dim, v.dim, err) < 0) {
        return -1;
    }
    for (int i = 0; i < v.dim; i++) {
        s->sums[i] += v.x[i];
        if (isinf(s->sums[i]))
            return vec_overflow(err);
    }
    s->n++;
    return 0;
}

static int vavg_final(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    VecAggState *s = state;
    if (!s->n) {
        *out = value_null(VECTOROID);
        return 0;
    }
    float *r;
    if (vec_new(ctx->arena, s->dim, out, &r, err) < 0)
        return -1;
    for (int i = 0; i < s->dim; i++) {
        r[i] = (float)(s->sums[i] / (double)s->n);
        if (vec_check_elem(r[i], err) < 0)
            return -1;
    }
    return 0;
}

static int vavg_combine(FuncCallCtx *ctx, void *state, const void *other, SqlError *err)
{
    VecAggState *s = state;
    const VecAggState *o = other;
    if (!o->n)
        return 0;
    if (!s->n) {
        s->sums = shale_arena_alloc(ctx->arena, sizeof(double) * (size_t)o->dim);
        if (!s->sums)
            return types_oom(err);
        memcpy(s->sums, o->sums, sizeof(double) * (size_t)o->dim);
        s->dim = o->dim;
        s->n = o->n;
        return 0;
    }
    if (vec_check_expected(s->dim, o->dim, err) < 0)
        return -1;
    for (int i = 0; i < s->dim; i++)
        if (isinf(s->sums[i] += o->sums[i]))
            return vec_overflow(err);
    s->n += o->n;
    return 0;
}

static int vsum_add(FuncCallCtx *ctx, VecAggState *s, const float *x, int dim, int64_t n, SqlError *err)
{
    if (!s->fsum) {
        s->fsum = shale_arena_alloc(ctx->arena, sizeof(float) * (size_t)dim);
        if (!s->fsum)
            return types_oom(err);
        memcpy(s->fsum, x, sizeof(float) * (size_t)dim);
        s->dim = dim;
        s->n = n;
        return 0;
    }
    if (s->dim != dim)
        return SQL_ERR(err, DATA_EXCEPTION, "different vector dimensions %d and %d", s->dim, dim);
    for (int i = 0; i < dim; i++)
        if (isinf(s->fsum[i] += x[i]))
            return vec_overflow(err);
    s->n += n;
    return 0;
}

static int vsum_step(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    (void)nargs;
    VecView v;
    if (vec_view(ctx->arena, &args[0], &v, err) < 0)
        return -1;
    return vsum_add(ctx, state, v.x, v.dim, 1, err);
}

static int vsum_final(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    VecAggState *s = state;
    if (!s->n) {
        *out = value_null(VECTOROID);
        return 0;
    }
    float *r;
    if (vec_new(ctx->arena, s->dim, out, &r, err) < 0)
        return -1;
    memcpy(r, s->fsum, sizeof(float) * (size_t)s->dim);
    return 0;
}

static int vsum_combine(FuncCallCtx *ctx, void *state, const void *other, SqlError *err)
{
    const VecAggState *o = other;
    return o->n ? vsum_add(ctx, state, o->fsum, o->dim, o->n, err) : 0;
}

static const SqlAggImpl agg_vec_avg = { sizeof(VecAggState), true, vavg_step, vavg_final, vavg_combine };
static const SqlAggImpl agg_vec_sum = { sizeof(VecAggState), true, vsum_step, vsum_final, vsum_combine };

/* --- registration ------------------------------------------------------------------------------ */

void types_vector_register(void)
{
    const Oid V = VECTOROID;
    types_reg_op("<->", V, V, FLOAT8OID, fn_vec_l2);
    types_reg_op("<#>", V, V, FLOAT8OID, fn_vec_neg_ip);
    types_reg_op("<=>", V, V, FLOAT8OID, fn_vec_cosine);
    types_reg_op("<+>", V, V, FLOAT8OID, fn_vec_l1);
    types_reg_op("+", V, V, V, fn_vec_add);
    types_reg_op("-", V, V, V, fn_vec_sub);
    types_reg_op("*", V, V, V, fn_vec_mul);
    types_reg_op("||", V, V, V, fn_vec_concat);
    types_reg_op("=", V, V, BOOLOID, fn_cmp_eq);
    types_reg_op("<>", V, V, BOOLOID, fn_cmp_ne);
    types_reg_op("<", V, V, BOOLOID, fn_cmp_lt);
    types_reg_op("<=", V, V, BOOLOID, fn_cmp_le);
    types_reg_op(">", V, V, BOOLOID, fn_cmp_gt);
    types_reg_op(">=", V, V, BOOLOID, fn_cmp_ge);
    types_reg_fn("l2_distance", FLOAT8OID, fn_vec_l2, 2, TYPES_A(V, V));
    types_reg_fn("vector_l2_squared_distance", FLOAT8OID, fn_vec_l2sq, 2, TYPES_A(V, V));
    types_reg_fn("inner_product", FLOAT8OID, fn_vec_ip, 2, TYPES_A(V, V));
    types_reg_fn("vector_negative_inner_product", FLOAT8OID, fn_vec_neg_ip, 2, TYPES_A(V, V));
    types_reg_fn("cosine_distance", FLOAT8OID, fn_vec_cosine, 2, TYPES_A(V, V));
    types_reg_fn("l1_distance", FLOAT8OID, fn_vec_l1, 2, TYPES_A(V, V));
    types_reg_fn("vector_cmp", INT4OID, fn_vec_cmp, 2, TYPES_A(V, V));
    types_reg_fn("vector_dims", INT4OID, fn_vec_dims, 1, TYPES_A(V));
    types_reg_fn("vector_norm", FLOAT8OID, fn_vec_norm, 1, TYPES_A(V));
    types_reg_fn("l2_normalize", V, fn_vec_l2_normalize, 1, TYPES_A(V));
    types_reg_fn("subvector", V, fn_vec_subvector, 3, TYPES_A(V, INT4OID, INT4OID));
    types_reg_agg("avg", V, &agg_vec_avg, 1, TYPES_A(V));
    types_reg_agg("sum", V, &agg_vec_sum, 1, TYPES_A(V));
}
