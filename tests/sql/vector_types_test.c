/* vector_types_test.c -- the pgvector-compatible vector type through the sql/types API:
 * text input/output (pgvector's accepted forms and error messages), typmods, binary
 * send/recv, casts to and from arrays, every operator and function, and the avg/sum
 * aggregates. Expected values are pgvector's documented/regression results or computed
 * by hand (small exact inputs), independent of the kernels. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sql/types/types.h"
#include "sql/types/types_fn.h"
#include "tests/harness/test.h"

#define V VECTOROID

/* One case: kind 'i' = input (a[0] as type t[0] with typmod), 'c' = cast a[0] (type t[0])
 * to t[1](typmod), 'o' = operator fn with two args, 'f' = function fn. want = text output,
 * or "!SQLSTATE message". */
typedef struct VCase {
    char kind;
    const char *fn;
    int nargs;
    Oid t[3];
    const char *a[3];
    int32_t typmod;
    const char *want;
} VCase;

#define IN(s, tm, want) {'i', NULL, 1, {V}, {s}, tm, want}
#define CAST(s, from, to, tm, want) {'c', NULL, 1, {from, to}, {s}, tm, want}
#define OP(op, x, y, want) {'o', op, 2, {V, V}, {x, y}, -1, want}
#define F1(f, x, want) {'f', f, 1, {V}, {x}, -1, want}
#define F2(f, x, y, want) {'f', f, 2, {V, V}, {x, y}, -1, want}
#define SUBV(x, s, c, want) {'f', "subvector", 3, {V, INT4OID, INT4OID}, {x, s, c}, -1, want}

static const VCase vcases[] = {
    /* text input/output */
    IN("[1,2,3]", -1, "[1,2,3]"),
    IN(" [ 1,  2 ,    3  ] ", -1, "[1,2,3]"),
    IN("[1.23456789]", -1, "[1.2345679]"),
    IN("[1e-7,0.1,-0]", -1, "[1e-07,0.1,-0]"),
    IN("[-1.5e10,3.4028235e38]", -1, "[-1.5e+10,3.4028235e+38]"),
    IN("[1,2,3]", 3, "[1,2,3]"),
    IN("[1,2,3]", 2, "!22000 expected 2 dimensions, not 3"),
    IN("[NaN,1]", -1, "!22000 NaN not allowed in vector"),
    IN("[Infinity]", -1, "!22000 infinite value not allowed in vector"),
    IN("[-inf]", -1, "!22000 infinite value not allowed in vector"),
    IN("[4e38,1]", -1, "!22003 \"4e38\" is out of range for type vector"),
    IN("[hello,1]", -1, "!22P02 invalid input syntax for type vector: \"[hello,1]\""),
    IN("[1,2,3", -1, "!22P02 invalid input syntax for type vector: \"[1,2,3\""),
    IN("[1,2,3]9", -1, "!22P02 invalid input syntax for type vector: \"[1,2,3]9\""),
    IN("1,2,3", -1, "!22P02 invalid input syntax for type vector: \"1,2,3\""),
    IN("[1,,3]", -1, "!22P02 invalid input syntax for type vector: \"[1,,3]\""),
    IN("[1 2]", -1, "!22P02 invalid input syntax for type vector: \"[1 2]\""),
    IN("[]", -1, "!22000 vector must have at least 1 dimension"),
    IN("[ ]", -1, "!22000 vector must have at least 1 dimension"),
    IN("", -1, "!22P02 invalid input syntax for type vector: \"\""),
    /* casts */
    CAST("[1,2,3]", V, FLOAT4_ARRAYOID, -1, "{1,2,3}"),
    CAST("{1,2,3}", INT4_ARRAYOID, V, -1, "[1,2,3]"),
    CAST("{1.5,2.25}", FLOAT8_ARRAYOID, V, 2, "[1.5,2.25]"),
    CAST("{1.5,2.25}", FLOAT4_ARRAYOID, V, 3, "!22000 expected 3 dimensions, not 2"),
    CAST("{1.1,2}", NUMERIC_ARRAYOID, V, -1, "[1.1,2]"),
    CAST("{NULL,1}", FLOAT4_ARRAYOID, V, -1, "!22004 array must not contain nulls"),
    CAST("{NaN}", FLOAT4_ARRAYOID, V, -1, "!22000 NaN not allowed in vector"),
    CAST("{Infinity}", FLOAT8_ARRAYOID, V, -1, "!22000 infinite value not allowed in vector"),
    CAST("{}", FLOAT4_ARRAYOID, V, -1, "!22000 vector must have at least 1 dimension"),
    CAST("[1,2,3]", V, V, 3, "[1,2,3]"),
    CAST("[1,2,3]", V, V, 2, "!22000 expected 2 dimensions, not 3"),
    CAST("[1,2]", V, TEXTOID, -1, "[1,2]"),
    CAST("[1,2]", TEXTOID, V, 2, "[1,2]"),
    /* distance operators and functions */
    OP("<->", "[0,0]", "[3,4]", "5"),
    OP("<->", "[1,2,3]", "[3,2,1]", "2.8284271247461903"),
    OP("<->", "[1,2]", "[1,2,3]", "!22000 different vector dimensions 2 and 3"),
    OP("<#>", "[1,2]", "[3,4]", "-11"),
    OP("<=>", "[1,2]", "[2,4]", "0"),
    OP("<=>", "[1,1]", "[-1,-1]", "2"),
    OP("<=>", "[1,0]", "[0,2]", "1"),
    OP("<=>", "[1,2]", "[0,0]", "NaN"),
    OP("<+>", "[0,0]", "[3,4]", "7"),
    F2("l2_distance", "[0,0]", "[3,4]", "5"),
    F2("l2_distance", "[1,2]", "[3]", "!22000 different vector dimensions 2 and 1"),
    F2("inner_product", "[1,2]", "[3,4]", "11"),
    F2("cosine_distance", "[1,1]", "[1,1]", "0"),
    F2("cosine_distance", "[1,2]", "[0,0]", "NaN"),
    F2("l1_distance", "[0,0]", "[3,4]", "7"),
    F2("vector_l2_squared_distance", "[0,0]", "[3,4]", "25"),
    F2("vector_negative_inner_product", "[1,2]", "[3,4]", "-11"),
    /* elementwise */
    OP("+", "[1,2,3]", "[4,5,6]", "[5,7,9]"),
    OP("+", "[3e38]", "[3e38]", "!22003 value out of range: overflow"),
    OP("-", "[1,2,3]", "[4,5,6]", "[-3,-3,-3]"),
    OP("-", "[-3e38]", "[3e38]", "!22003 value out of range: overflow"),
    OP("*", "[1,2,3]", "[4,5,6]", "[4,10,18]"),
    OP("*", "[1e37]", "[1e37]", "!22003 value out of range: overflow"),
    OP("*", "[1e-37]", "[1e-37]", "!22003 value out of range: underflow"),
    OP("+", "[1,2]", "[1]", "!22000 different vector dimensions 2 and 1"),
    OP("||", "[1,2]", "[3]", "[1,2,3]"),
    /* pgvector's comparison: values before dimensions */
    OP("=", "[1,2,3]", "[1,2,3]", "t"),
    OP("=", "[0]", "[-0]", "t"),
    OP("<>", "[1,2]", "[1,2,3]", "t"),
    OP("<", "[1,2]", "[1,2,3]", "t"),
    OP("<", "[1,2,3]", "[1,2]", "f"),
    OP("<", "[1,3]", "[2,0,0]", "t"),
    OP(">=", "[2]", "[1,5]", "t"),
    OP("<=", "[1,2]", "[1,2]", "t"),
    OP(">", "[1,2]", "[1,2]", "f"),
    F2("vector_cmp", "[1,2,3]", "[1,2,3]", "0"),
    F2("vector_cmp", "[1,2,3]", "[0,0,0]", "1"),
    F2("vector_cmp", "[0,0,0]", "[1,2,3]", "-1"),
    F2("vector_cmp", "[1,2]", "[1,2,3]", "-1"),
    F2("vector_cmp", "[1,2,3]", "[1,2]", "1"),
    F2("vector_cmp", "[1,2]", "[2,3,4]", "-1"),
    F2("vector_cmp", "[2,3]", "[1,2,3]", "1"),
    /* other functions */
    F1("vector_dims", "[1,2,3]", "3"),
    F1("vector_norm", "[1,1]", "1.4142135623730951"),
    F1("vector_norm", "[3,4]", "5"),
    F1("vector_norm", "[0,1]", "1"),
    F1("l2_normalize", "[3,4]", "[0.6,0.8]"),
    F1("l2_normalize", "[3,0]", "[1,0]"),
    F1("l2_normalize", "[0,0]", "[0,0]"),
    SUBV("[1,2,3,4,5]", "1", "3", "[1,2,3]"),
    SUBV("[1,2,3,4,5]", "3", "2", "[3,4]"),
    SUBV("[1,2,3,4,5]", "-1", "3", "[1]"),
    SUBV("[1,2,3,4,5]", "3", "9", "[3,4,5]"),
    SUBV("[1,2,3,4,5]", "1", "0", "!22000 vector must have at least 1 dimension"),
    SUBV("[1,2,3,4,5]", "3", "-1", "!22000 vector must have at least 1 dimension"),
    SUBV("[1,2,3,4,5]", "-1", "2", "!22000 vector must have at least 1 dimension"),
    SUBV("[1,2,3,4,5]", "2147483647", "10", "!22000 vector must have at least 1 dimension"),
    SUBV("[1,2,3,4,5]", "3", "2147483647", "[3,4,5]"),
};

static void ctx_init(FuncCallCtx *ctx, TypeContext *tc, ShaleArena *a)
{
    memset(ctx, 0, sizeof *ctx);
    types_context_init(tc);
    ctx->tc = tc;
    ctx->arena = a;
    ctx->stmt_arena = a;
}

/* Runs one case; the result text (or "!SQLSTATE message") in out. */
static void run_case(FuncCallCtx *ctx, const VCase *c, ShaleBuf *out)
{
    SqlError err;
    sql_error_clear(&err);
    Value args[3], res;
    int rc = 0;
    for (int i = 0; i < c->nargs && rc == 0; i++)
        rc = types_input(ctx->tc, c->t[i], c->kind == 'i' ? c->typmod : -1, c->a[i], strlen(c->a[i]), ctx->arena,
                         &args[i], &err);
    if (rc == 0) {
        if (c->kind == 'i') {
            res = args[0];
        } else if (c->kind == 'c') {
            rc = types_cast(ctx->tc, &args[0], c->t[1], c->typmod, TYPES_COERCE_EXPLICIT, ctx->arena, &res, &err);
        } else {
            SqlFuncMatch m;
            rc = c->kind == 'o' ? types_oper_resolve(c->fn, c->t[0], c->t[1], &m, &err)
                                : types_func_resolve(c->fn, c->nargs, c->t, &m, &err);
            for (int i = 0; rc == 0 && i < c->nargs; i++)
                rc = types_cast(ctx->tc, &args[i], m.arg_types[i], -1, TYPES_COERCE_IMPLICIT, ctx->arena, &args[i], &err);
            if (rc == 0)
                rc = types_func_call(ctx, &m, c->nargs, args, &res, &err);
        }
    }
    if (rc < 0) {
        char tmp[700];
        int n = snprintf(tmp, sizeof tmp, "!%s %s", sql_errcode_state(err.code), err.message);
        shale_buf_append(out, tmp, (size_t)n);
    } else if (!res.null) {
        types_output(ctx->tc, &res, out);
    }
}

TEST(vector_cases)
{
    ShaleArena a;
    shale_arena_init(&a);
    TypeContext tc;
    FuncCallCtx ctx;
    ctx_init(&ctx, &tc, &a);
    for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
        const VCase *c = &vcases[i];
        ShaleBuf out;
        shale_buf_init(&out);
        run_case(&ctx, c, &out);
        shale_buf_append_byte(&out, 0);
        CHECK_MSG(strcmp(out.data, c->want) == 0, "case %zu (%c %s %s): got '%s' want '%s'", i, c->kind,
                  c->fn ? c->fn : "", c->a[0], out.data, c->want);
        shale_buf_free(&out);
    }
    shale_arena_destroy(&a);
}

TEST(vector_input_details_and_limits)
{
    ShaleArena a;
    shale_arena_init(&a);
    TypeContext tc;
    types_context_init(&tc);
    SqlError err;
    Value v;
    sql_error_clear(&err);
    CHECK(types_input(&tc, V, -1, "1,2", 3, &a, &v, &err) < 0);
    CHECK_STR(err.detail, "Vector contents must start with \"[\".");
    sql_error_clear(&err);
    CHECK(types_input(&tc, V, -1, "[1] x", 5, &a, &v, &err) < 0);
    CHECK_STR(err.detail, "Junk after closing right brace.");
    /* 16000 dimensions are the limit */
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_byte(&b, '[');
    for (int i = 0; i < 16001; i++)
        shale_buf_append(&b, i ? ",1" : "1", i ? 2 : 1);
    shale_buf_append_byte(&b, ']');
    sql_error_clear(&err);
    CHECK(types_input(&tc, V, -1, b.data, b.len, &a, &v, &err) < 0);
    CHECK_STR(err.message, "vector cannot have more than 16000 dimensions");
    CHECK_STR(sql_errcode_state(err.code), "54000");
    b.data[b.len - 3] = ']';   /* "...,1,1]" -> "...,1]": 16000 elements */
    CHECK_OK(types_input(&tc, V, 16000, b.data, b.len - 2, &a, &v, &err), &err);
    shale_buf_free(&b);
    /* typmods */
    int32_t tm;
    CHECK_OK(types_typmod_from_mods(V, 1, (const int32_t[]){3}, &tm, &err), &err);
    CHECK_EQ_INT(tm, 3);
    CHECK(types_typmod_from_mods(V, 1, (const int32_t[]){0}, &tm, &err) < 0);
    CHECK_STR(err.message, "dimensions for type vector must be at least 1");
    CHECK(types_typmod_from_mods(V, 1, (const int32_t[]){16001}, &tm, &err) < 0);
    CHECK_STR(err.message, "dimensions for type vector cannot exceed 16000");
    ShaleBuf f;
    shale_buf_init(&f);
    types_format_type(V, 3, &f);
    shale_buf_append_byte(&f, 0);
    CHECK_STR(f.data, "vector(3)");
    shale_buf_free(&f);
    CHECK(types_lookup_name("vector") == V);
    CHECK(types_lookup_name("vector[]") == VECTOR_ARRAYOID);
    shale_arena_destroy(&a);
}

TEST(vector_binary_roundtrip)
{
    ShaleArena a;
    shale_arena_init(&a);
    TypeContext tc;
    types_context_init(&tc);
    SqlError err;
    sql_error_clear(&err);
    Value v, w;
    REQUIRE_OK(types_input(&tc, V, -1, "[1,2]", 5, &a, &v, &err), &err);
    ShaleBuf b;
    shale_buf_init(&b);
    types_send(&tc, &v, &b);
    static const unsigned char want[] = {0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0};
    CHECK_MEM(b.data, b.len, want, sizeof want);
    REQUIRE_OK(types_recv(&tc, V, 2, b.data, b.len, &a, &w, &err), &err);
    CHECK(types_compare(&v, &w) == 0);
    CHECK(types_recv(&tc, V, 3, b.data, b.len, &a, &w, &err) < 0);
    CHECK_STR(err.message, "expected 3 dimensions, not 2");
    CHECK(types_recv(&tc, V, -1, b.data, b.len - 1, &a, &w, &err) < 0);   /* truncated */
    CHECK(types_recv(&tc, V, -1, b.data, 3, &a, &w, &err) < 0);
    unsigned char bad[12];
    memcpy(bad, want, 12);
    bad[3] = 1;
    CHECK(types_recv(&tc, V, -1, (const char *)bad, 12, &a, &w, &err) < 0);
    CHECK_STR(err.message, "expected unused to be 0, not 1");
    memcpy(bad, want, 12);
    bad[4] = 0x7f; bad[5] = 0xc0;   /* NaN */
    CHECK(types_recv(&tc, V, -1, (const char *)bad, 12, &a, &w, &err) < 0);
    CHECK_STR(err.message, "NaN not allowed in vector");
    memcpy(bad, want, 12);
    bad[0] = 0; bad[1] = 0;
    CHECK(types_recv(&tc, V, -1, (const char *)bad, 4, &a, &w, &err) < 0);
    CHECK_STR(err.message, "vector must have at least 1 dimension");
    /* -0 and 0 compare and hash alike */
    Value z, nz;
    REQUIRE_OK(types_input(&tc, V, -1, "[0,1]", 5, &a, &z, &err), &err);
    REQUIRE_OK(types_input(&tc, V, -1, "[-0,1]", 6, &a, &nz, &err), &err);
    CHECK(types_compare(&z, &nz) == 0 && types_hash(&z) == types_hash(&nz));
    /* corrupt stored bytes never crash the readers */
    Value c = value_bytes(V, "\x05\x00\x00\x00\x01", 5);
    ShaleBuf o;
    shale_buf_init(&o);
    types_output(&tc, &c, &o);
    CHECK_MEM(o.data, o.len, "[]", 2);
    shale_buf_free(&o);
    shale_buf_free(&b);
    shale_arena_destroy(&a);
}

/* Runs aggregate name over the vector texts (NULL = SQL NULL); output in out. */
static void run_agg(FuncCallCtx *ctx, const char *name, int n, const char *const *rows, ShaleBuf *out)
{
    SqlError err;
    sql_error_clear(&err);
    SqlFuncMatch m;
    Oid t = V;
    int rc = types_func_resolve(name, 1, &t, &m, &err);
    if (rc == 0 && m.func->kind != SQL_FUNC_AGG)
        rc = SQL_ERR(&err, INTERNAL_ERROR, "not an aggregate");
    void *st = NULL;
    if (rc == 0) {
        st = shale_arena_alloc(ctx->arena, m.func->agg->state_size);
        memset(st, 0, m.func->agg->state_size);
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        if (!rows[i])
            continue;   /* strict step: NULL rows skipped */
        Value v;
        rc = types_input(ctx->tc, V, -1, rows[i], strlen(rows[i]), ctx->arena, &v, &err);
        if (rc == 0)
            rc = m.func->agg->step(ctx, st, 1, &v, &err);
    }
    Value res;
    if (rc == 0)
        rc = m.func->agg->final(ctx, st, &res, &err);
    if (rc < 0) {
        shale_buf_append_byte(out, '!');
        shale_buf_append(out, err.message, strlen(err.message));
    } else if (res.null) {
        shale_buf_append(out, "NULL", 4);
    } else {
        types_output(ctx->tc, &res, out);
    }
    shale_buf_append_byte(out, 0);
}

TEST(vector_aggregates)
{
    ShaleArena a;
    shale_arena_init(&a);
    TypeContext tc;
    FuncCallCtx ctx;
    ctx_init(&ctx, &tc, &a);
    static const struct { const char *agg; int n; const char *rows[4]; const char *want; } cases[] = {
        {"avg", 2, {"[1,2,3]", "[3,5,7]"}, "[2,3.5,5]"},
        {"avg", 3, {"[1,2,3]", NULL, "[3,5,7]"}, "[2,3.5,5]"},
        {"avg", 0, {NULL}, "NULL"},
        {"avg", 2, {"[1,2]", "[1]"}, "!expected 2 dimensions, not 1"},
        {"avg", 3, {"[3e38]", "[3e38]", "[-3e38]"}, "[1e+38]"},   /* double sums do not overflow */
        {"sum", 2, {"[1,2,3]", "[3,5,7]"}, "[4,7,10]"},
        {"sum", 3, {"[1,2,3]", NULL, "[3,5,7]"}, "[4,7,10]"},
        {"sum", 1, {NULL}, "NULL"},
        {"sum", 2, {"[1,2]", "[1]"}, "!different vector dimensions 2 and 1"},
        {"sum", 2, {"[3e38]", "[3e38]"}, "!value out of range: overflow"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ShaleBuf out;
        shale_buf_init(&out);
        run_agg(&ctx, cases[i].agg, cases[i].n, cases[i].rows, &out);
        CHECK_MSG(strcmp(out.data, cases[i].want) == 0, "agg case %zu: got '%s' want '%s'", i, out.data,
                  cases[i].want);
        shale_buf_free(&out);
    }
    shale_arena_destroy(&a);
}

TEST(vector_distances_match_double_reference)
{
    /* larger random vectors through the SQL functions vs a double computation */
    ShaleArena a;
    shale_arena_init(&a);
    TypeContext tc;
    FuncCallCtx ctx;
    ctx_init(&ctx, &tc, &a);
    uint64_t s = 12345;
    for (int dim = 1; dim <= 1000; dim += 37) {
        ShaleBuf ta, tb;
        shale_buf_init(&ta);
        shale_buf_init(&tb);
        double x[1000], y[1000];
        shale_buf_append_byte(&ta, '[');
        shale_buf_append_byte(&tb, '[');
        for (int i = 0; i < dim; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            x[i] = (double)(int)((s >> 33) % 2001 - 1000) / 250.0;   /* exact in float32 */
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            y[i] = (double)(int)((s >> 33) % 2001 - 1000) / 250.0;
            char tmp[64];
            int n = snprintf(tmp, sizeof tmp, "%s%.17g", i ? "," : "", x[i]);
            shale_buf_append(&ta, tmp, (size_t)n);
            n = snprintf(tmp, sizeof tmp, "%s%.17g", i ? "," : "", y[i]);
            shale_buf_append(&tb, tmp, (size_t)n);
        }
        shale_buf_append_byte(&ta, ']');
        shale_buf_append_byte(&tb, ']');
        double l2 = 0, ip = 0, l1 = 0, na = 0, nb = 0;
        for (int i = 0; i < dim; i++) {
            l2 += (x[i] - y[i]) * (x[i] - y[i]);
            ip += x[i] * y[i];
            l1 += fabs(x[i] - y[i]);
            na += x[i] * x[i];
            nb += y[i] * y[i];
        }
        double want[4] = {sqrt(l2), ip, 1 - ip / sqrt(na * nb), l1};
        static const char *const fns[4] = {"l2_distance", "inner_product", "cosine_distance", "l1_distance"};
        Value args[2];
        SqlError err;
        sql_error_clear(&err);
        REQUIRE_OK(types_input(&tc, V, -1, ta.data, ta.len, &a, &args[0], &err), &err);
        REQUIRE_OK(types_input(&tc, V, dim, tb.data, tb.len, &a, &args[1], &err), &err);
        for (int k = 0; k < 4; k++) {
            SqlFuncMatch m;
            Value r;
            REQUIRE_OK(types_func_resolve(fns[k], 2, (const Oid[]){V, V}, &m, &err), &err);
            REQUIRE_OK(types_func_call(&ctx, &m, 2, args, &r, &err), &err);
            double tol = 1e-4 * (1 + fabs(want[k])) + (k == 2 ? 1e-5 : 0);
            CHECK_MSG(fabs(r.u.f - want[k]) <= tol, "%s dim %d: got %.10g want %.10g", fns[k], dim, r.u.f, want[k]);
        }
        shale_buf_free(&ta);
        shale_buf_free(&tb);
    }
    shale_arena_destroy(&a);
}

TEST_MAIN({
    RUN(vector_cases);
    RUN(vector_input_details_and_limits);
    RUN(vector_binary_roundtrip);
    RUN(vector_aggregates);
    RUN(vector_distances_match_double_reference);
})
