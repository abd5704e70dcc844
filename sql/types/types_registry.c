/* types_registry.c -- the builtin function/operator registry and PostgreSQL's overload
 * resolution (func_select_candidate in the common cases: exact matches, unknown literals,
 * implicit casts, type categories and preferred types, polymorphic arguments).
 *
 * The table is built once (pthread_once) into static storage and is read-only afterwards,
 * so lookups need no lock. Operators and functions share the SqlFunc shape; operators are
 * kept in their own table (names are symbols). At the end of the build each table gets a
 * name index (RegIndex): an open-addressing hash from name to the first entry of that name
 * plus a chain through the later ones in registration order, so resolution visits only the
 * overloads of one name, in the same order a scan of the whole table would. */
#include "sql/types/types_fn.h"
#include "sql/pgcat/pgcat_dump.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define REG_MAX 2000

static SqlFunc reg_funcs[REG_MAX];
static int reg_n_funcs;
static SqlFunc reg_ops[REG_MAX];
static int reg_n_ops;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

/* Name index of one table. slot[] holds 1 + the index of the first entry of a name (0 =
 * empty); next[i] is the next entry with entry i's name (-1 = none); count[] the chain
 * length per slot. REG_SLOTS is a power of two >= 2 * REG_MAX (load <= 1/2). */
#define REG_SLOTS 4096
typedef struct RegIndex {
    int16_t slot[REG_SLOTS];
    int16_t count[REG_SLOTS];
    int16_t next[REG_MAX];
} RegIndex;
static RegIndex reg_func_idx, reg_op_idx;
static bool reg_indexed;      /* set at the end of reg_build; no registration after it */

static uint32_t reg_hash_name(const char *name)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

/* The slot holding `name` in ix over table, or the empty slot where it would go. */
static int reg_index_slot(const RegIndex *ix, const SqlFunc *table, const char *name)
{
    uint32_t i = reg_hash_name(name) & (REG_SLOTS - 1);
    while (ix->slot[i] && strcmp(table[ix->slot[i] - 1].name, name) != 0)
        i = (i + 1) & (REG_SLOTS - 1);
    return (int)i;
}

static void reg_index_build(RegIndex *ix, const SqlFunc *table, int n)
{
    int16_t tail[REG_SLOTS];
    memset(ix->slot, 0, sizeof ix->slot);
    memset(ix->count, 0, sizeof ix->count);
    for (int i = 0; i < n; i++) {
        int s = reg_index_slot(ix, table, table[i].name);
        ix->next[i] = -1;
        if (!ix->slot[s])
            ix->slot[s] = (int16_t)(i + 1);
        else
            ix->next[tail[s]] = (int16_t)i;
        tail[s] = (int16_t)i;
        ix->count[s]++;
    }
}

/* First entry named `name` (-1 when none); *count receives the number of such entries. */
static int reg_index_first(bool op, const char *name, int *count)
{
    const RegIndex *ix = op ? &reg_op_idx : &reg_func_idx;
    int s = reg_index_slot(ix, op ? reg_ops : reg_funcs, name);
    if (count)
        *count = ix->count[s];
    return ix->slot[s] - 1;
}

static int reg_index_next(bool op, int i)
{
    return (op ? &reg_op_idx : &reg_func_idx)->next[i];
}

static SqlFunc *reg_add(bool op, const char *name, SqlFuncKind kind, Oid ret, int nargs, const Oid *args)
{
    assert(!reg_indexed && (op ? reg_n_ops : reg_n_funcs) < REG_MAX);
    SqlFunc *f = op ? &reg_ops[reg_n_ops++] : &reg_funcs[reg_n_funcs++];
    memset(f, 0, sizeof *f);
    f->name = name;
    f->kind = kind;
    f->nargs = (uint8_t)nargs;
    f->strict = true;
    f->volatility = SQL_IMMUTABLE;
    for (int i = 0; i < nargs && i < 8; i++)
        f->args[i] = args[i];
    f->ret = ret;
    return f;
}

#define A(...) ((const Oid[]){ __VA_ARGS__ })

static SqlFunc *reg_op(const char *name, Oid l, Oid r, Oid ret, SqlScalarFn fn)
{
    SqlFunc *f = l ? reg_add(true, name, SQL_FUNC_SCALAR, ret, 2, A(l, r)) : reg_add(true, name, SQL_FUNC_SCALAR, ret, 1, A(r));
    f->fn = fn;
    return f;
}

static SqlFunc *reg_fn(const char *name, Oid ret, SqlScalarFn fn, int nargs, const Oid *args)
{
    SqlFunc *f = reg_add(false, name, SQL_FUNC_SCALAR, ret, nargs, args);
    f->fn = fn;
    return f;
}

static void reg_agg(const char *name, Oid ret, const SqlAggImpl *impl, int nargs, const Oid *args)
{
    SqlFunc *f = reg_add(false, name, SQL_FUNC_AGG, ret, nargs, args);
    f->agg = impl;
    f->strict = false;
}

static void reg_win(const char *name, Oid ret, int nargs, const Oid *args)
{
    SqlFunc *f = reg_add(false, name, SQL_FUNC_WINDOW, ret, nargs, args);
    f->strict = false;
}

static void reg_comparisons(Oid l, Oid r)
{
    reg_op("=", l, r, BOOLOID, fn_cmp_eq);
    reg_op("<>", l, r, BOOLOID, fn_cmp_ne);
    reg_op("<", l, r, BOOLOID, fn_cmp_lt);
    reg_op("<=", l, r, BOOLOID, fn_cmp_le);
    reg_op(">", l, r, BOOLOID, fn_cmp_gt);
    reg_op(">=", l, r, BOOLOID, fn_cmp_ge);
}

SqlFunc *types_reg_fn(const char *name, Oid ret, SqlScalarFn fn, int nargs, const Oid *args)
{
    return reg_fn(name, ret, fn, nargs, args);
}

SqlFunc *types_reg_op(const char *name, Oid l, Oid r, Oid ret, SqlScalarFn fn)
{
    return reg_op(name, l, r, ret, fn);
}

SqlFunc *types_reg_agg(const char *name, Oid ret, const SqlAggImpl *impl, int nargs, const Oid *args)
{
    SqlFunc *f = reg_add(false, name, SQL_FUNC_AGG, ret, nargs, args);
    f->agg = impl;
    f->strict = false;
    return f;
}

SqlFunc *types_reg_srf(const char *name, Oid ret, const SqlSrfImpl *impl, int nargs, const Oid *args)
{
    SqlFunc *f = reg_add(false, name, SQL_FUNC_SRF, ret, nargs, args);
    f->srf = impl;
    return f;
}

static void reg_build(void)
{
    static const Oid ints[] = { INT2OID, INT4OID, INT8OID };
    /* integer arithmetic and comparisons across widths (int24, int48 ... as pg_operator) */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            Oid l = ints[i], r = ints[j], ret = ints[i > j ? i : j];
            reg_op("+", l, r, ret, fn_int_add);
            reg_op("-", l, r, ret, fn_int_sub);
            reg_op("*", l, r, ret, fn_int_mul);
            reg_op("/", l, r, ret, fn_int_div);
            reg_comparisons(l, r);
        }
    for (int i = 0; i < 3; i++) {
        reg_op("%", ints[i], ints[i], ints[i], fn_int_mod);
        reg_op("-", 0, ints[i], ints[i], fn_int_neg);
        reg_op("+", 0, ints[i], ints[i], NULL);
    }
    static const Oid floats[] = { FLOAT4OID, FLOAT8OID };
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            Oid l = floats[i], r = floats[j], ret = floats[i > j ? i : j];
            reg_op("+", l, r, ret, fn_float_add);
            reg_op("-", l, r, ret, fn_float_sub);
            reg_op("*", l, r, ret, fn_float_mul);
            reg_op("/", l, r, ret, fn_float_div);
            reg_comparisons(l, r);
        }
    reg_op("-", 0, FLOAT4OID, FLOAT4OID, fn_float_neg);
    reg_op("-", 0, FLOAT8OID, FLOAT8OID, fn_float_neg);
    reg_op("+", NUMERICOID, NUMERICOID, NUMERICOID, fn_num_add);
    reg_op("-", NUMERICOID, NUMERICOID, NUMERICOID, fn_num_sub);
    reg_op("*", NUMERICOID, NUMERICOID, NUMERICOID, fn_num_mul);
    reg_op("/", NUMERICOID, NUMERICOID, NUMERICOID, fn_num_div);
    reg_op("%", NUMERICOID, NUMERICOID, NUMERICOID, fn_num_mod);
    reg_op("-", 0, NUMERICOID, NUMERICOID, fn_num_neg);
    /* comparisons for every other comparable type */
    static const Oid cmp_types[] = { NUMERICOID, BOOLOID, TEXTOID, BPCHAROID, NAMEOID, CHAROID, BYTEAOID, DATEOID,
                                     TIMEOID, TIMESTAMPOID, TIMESTAMPTZOID, INTERVALOID, UUIDOID, JSONBOID, OIDOID,
                                     TYPES_ANYARRAYOID };
    for (size_t i = 0; i < sizeof cmp_types / sizeof cmp_types[0]; i++)
        reg_comparisons(cmp_types[i], cmp_types[i]);
    reg_op("||", TEXTOID, TEXTOID, TEXTOID, fn_text_concat);
    reg_op("||", TEXTOID, TYPES_ANYNONARRAYOID, TEXTOID, fn_textcat_any);
    reg_op("||", TYPES_ANYNONARRAYOID, TEXTOID, TEXTOID, fn_textcat_any);
    reg_op("||", TYPES_ANYARRAYOID, TYPES_ANYELEMENTOID, TYPES_ANYARRAYOID, fn_array_append)->strict = false;
    reg_op("~~", TEXTOID, TEXTOID, BOOLOID, fn_like);
    reg_op("!~~", TEXTOID, TEXTOID, BOOLOID, fn_not_like);
    reg_op("~~*", TEXTOID, TEXTOID, BOOLOID, fn_ilike);
    reg_op("!~~*", TEXTOID, TEXTOID, BOOLOID, fn_not_ilike);
    reg_op("~~", BPCHAROID, TEXTOID, BOOLOID, fn_like);
    reg_op("!~~", BPCHAROID, TEXTOID, BOOLOID, fn_not_like);
    reg_op("~~", NAMEOID, TEXTOID, BOOLOID, fn_like);
    reg_op("!~~", NAMEOID, TEXTOID, BOOLOID, fn_not_like);
    reg_op("NOT", 0, BOOLOID, BOOLOID, fn_bool_not);
    /* date/time arithmetic */
    reg_op("+", DATEOID, INT4OID, DATEOID, fn_date_pl_int);
    reg_op("+", INT4OID, DATEOID, DATEOID, fn_date_pl_int);
    reg_op("-", DATEOID, INT4OID, DATEOID, fn_date_mi_int);
    reg_op("-", DATEOID, DATEOID, INT4OID, fn_date_mi_date);
    reg_op("+", DATEOID, INTERVALOID, TIMESTAMPOID, fn_date_pl_iv);
    reg_op("+", INTERVALOID, DATEOID, TIMESTAMPOID, fn_date_pl_iv);
    reg_op("-", DATEOID, INTERVALOID, TIMESTAMPOID, fn_date_mi_iv);
    reg_op("+", TIMESTAMPOID, INTERVALOID, TIMESTAMPOID, fn_ts_pl_iv);
    reg_op("+", INTERVALOID, TIMESTAMPOID, TIMESTAMPOID, fn_ts_pl_iv);
    reg_op("-", TIMESTAMPOID, INTERVALOID, TIMESTAMPOID, fn_ts_mi_iv);
    reg_op("-", TIMESTAMPOID, TIMESTAMPOID, INTERVALOID, fn_ts_mi_ts);
    reg_op("+", TIMESTAMPTZOID, INTERVALOID, TIMESTAMPTZOID, fn_ts_pl_iv);
    reg_op("+", INTERVALOID, TIMESTAMPTZOID, TIMESTAMPTZOID, fn_ts_pl_iv);
    reg_op("-", TIMESTAMPTZOID, INTERVALOID, TIMESTAMPTZOID, fn_ts_mi_iv);
    reg_op("-", TIMESTAMPTZOID, TIMESTAMPTZOID, INTERVALOID, fn_ts_mi_ts);
    reg_op("+", INTERVALOID, INTERVALOID, INTERVALOID, fn_iv_pl_iv);
    reg_op("-", INTERVALOID, INTERVALOID, INTERVALOID, fn_iv_mi_iv);
    reg_op("-", 0, INTERVALOID, INTERVALOID, fn_iv_neg);
    reg_op("*", INTERVALOID, FLOAT8OID, INTERVALOID, fn_iv_mul_f8);
    reg_op("*", FLOAT8OID, INTERVALOID, INTERVALOID, fn_iv_mul_f8);
    reg_op("/", INTERVALOID, FLOAT8OID, INTERVALOID, fn_iv_div_f8);

    /* text functions */
    reg_fn("lower", TEXTOID, fn_lower, 1, A(TEXTOID));
    reg_fn("upper", TEXTOID, fn_upper, 1, A(TEXTOID));
    reg_fn("initcap", TEXTOID, fn_initcap, 1, A(TEXTOID));
    reg_fn("length", INT4OID, fn_length, 1, A(TEXTOID));
    reg_fn("length", INT4OID, fn_length, 1, A(BPCHAROID));
    reg_fn("length", INT4OID, fn_octet_length, 1, A(BYTEAOID));
    reg_fn("char_length", INT4OID, fn_length, 1, A(TEXTOID));
    reg_fn("character_length", INT4OID, fn_length, 1, A(TEXTOID));
    reg_fn("octet_length", INT4OID, fn_octet_length, 1, A(TEXTOID));
    reg_fn("octet_length", INT4OID, fn_octet_length, 1, A(BYTEAOID));
    reg_fn("substr", TEXTOID, fn_substr, 2, A(TEXTOID, INT4OID));
    reg_fn("substr", TEXTOID, fn_substr, 3, A(TEXTOID, INT4OID, INT4OID));
    reg_fn("substring", TEXTOID, fn_substr, 2, A(TEXTOID, INT4OID));
    reg_fn("substring", TEXTOID, fn_substr, 3, A(TEXTOID, INT4OID, INT4OID));
    reg_fn("substr", BYTEAOID, fn_substr, 2, A(BYTEAOID, INT4OID));
    reg_fn("substr", BYTEAOID, fn_substr, 3, A(BYTEAOID, INT4OID, INT4OID));
    reg_fn("strpos", INT4OID, fn_strpos, 2, A(TEXTOID, TEXTOID));
    reg_fn("position", INT4OID, fn_strpos, 2, A(TEXTOID, TEXTOID));
    reg_fn("btrim", TEXTOID, fn_btrim, 1, A(TEXTOID));
    reg_fn("btrim", TEXTOID, fn_btrim, 2, A(TEXTOID, TEXTOID));
    reg_fn("ltrim", TEXTOID, fn_ltrim, 1, A(TEXTOID));
    reg_fn("ltrim", TEXTOID, fn_ltrim, 2, A(TEXTOID, TEXTOID));
    reg_fn("rtrim", TEXTOID, fn_rtrim, 1, A(TEXTOID));
    reg_fn("rtrim", TEXTOID, fn_rtrim, 2, A(TEXTOID, TEXTOID));
    reg_fn("replace", TEXTOID, fn_replace, 3, A(TEXTOID, TEXTOID, TEXTOID));
    SqlFunc *f = reg_fn("concat", TEXTOID, fn_concat, 1, A(TYPES_ANYOID));
    f->variadic = true;
    f->strict = false;
    f->volatility = SQL_STABLE;
    f = reg_fn("concat_ws", TEXTOID, fn_concat_ws, 2, A(TEXTOID, TYPES_ANYOID));
    f->variadic = true;
    f->strict = false;
    f->volatility = SQL_STABLE;
    reg_fn("left", TEXTOID, fn_left, 2, A(TEXTOID, INT4OID));
    reg_fn("right", TEXTOID, fn_right, 2, A(TEXTOID, INT4OID));
    reg_fn("lpad", TEXTOID, fn_lpad, 2, A(TEXTOID, INT4OID));
    reg_fn("lpad", TEXTOID, fn_lpad, 3, A(TEXTOID, INT4OID, TEXTOID));
    reg_fn("rpad", TEXTOID, fn_rpad, 2, A(TEXTOID, INT4OID));
    reg_fn("rpad", TEXTOID, fn_rpad, 3, A(TEXTOID, INT4OID, TEXTOID));
    reg_fn("repeat", TEXTOID, fn_repeat, 2, A(TEXTOID, INT4OID));
    reg_fn("reverse", TEXTOID, fn_reverse, 1, A(TEXTOID));
    reg_fn("starts_with", BOOLOID, fn_starts_with, 2, A(TEXTOID, TEXTOID));
    reg_fn("split_part", TEXTOID, fn_split_part, 3, A(TEXTOID, TEXTOID, INT4OID));
    reg_fn("md5", TEXTOID, fn_md5, 1, A(TEXTOID));
    reg_fn("md5", TEXTOID, fn_md5, 1, A(BYTEAOID));
    reg_fn("sha256", BYTEAOID, fn_sha256, 1, A(BYTEAOID));
    reg_fn("to_hex", TEXTOID, fn_to_hex, 1, A(INT4OID));
    reg_fn("to_hex", TEXTOID, fn_to_hex, 1, A(INT8OID));
    reg_fn("ascii", INT4OID, fn_ascii, 1, A(TEXTOID));
    reg_fn("chr", TEXTOID, fn_chr, 1, A(INT4OID));
    reg_fn("quote_ident", TEXTOID, fn_quote_ident, 1, A(TEXTOID));
    reg_fn("quote_literal", TEXTOID, fn_quote_literal, 1, A(TEXTOID));
    reg_fn("quote_literal", TEXTOID, fn_quote_literal, 1, A(TYPES_ANYELEMENTOID))->volatility = SQL_STABLE;
    f = reg_fn("quote_nullable", TEXTOID, fn_quote_nullable, 1, A(TEXTOID));
    f->strict = false;
    f = reg_fn("quote_nullable", TEXTOID, fn_quote_nullable, 1, A(TYPES_ANYELEMENTOID));
    f->strict = false;
    f->volatility = SQL_STABLE;
    reg_fn("like_escape", TEXTOID, fn_like_escape, 2, A(TEXTOID, TEXTOID));

    /* math */
    static const Oid absr[] = { INT2OID, INT4OID, INT8OID, FLOAT4OID, FLOAT8OID, NUMERICOID };
    for (int i = 0; i < 6; i++)
        reg_fn("abs", absr[i], fn_abs, 1, A(absr[i]));
    reg_fn("round", FLOAT8OID, fn_round, 1, A(FLOAT8OID));
    reg_fn("round", NUMERICOID, fn_round, 1, A(NUMERICOID));
    reg_fn("round", NUMERICOID, fn_round, 2, A(NUMERICOID, INT4OID));
    reg_fn("trunc", FLOAT8OID, fn_trunc, 1, A(FLOAT8OID));
    reg_fn("trunc", NUMERICOID, fn_trunc, 1, A(NUMERICOID));
    reg_fn("trunc", NUMERICOID, fn_trunc, 2, A(NUMERICOID, INT4OID));
    reg_fn("ceil", FLOAT8OID, fn_ceil, 1, A(FLOAT8OID));
    reg_fn("ceil", NUMERICOID, fn_ceil, 1, A(NUMERICOID));
    reg_fn("ceiling", FLOAT8OID, fn_ceil, 1, A(FLOAT8OID));
    reg_fn("ceiling", NUMERICOID, fn_ceil, 1, A(NUMERICOID));
    reg_fn("floor", FLOAT8OID, fn_floor, 1, A(FLOAT8OID));
    reg_fn("floor", NUMERICOID, fn_floor, 1, A(NUMERICOID));
    reg_fn("sign", FLOAT8OID, fn_sign, 1, A(FLOAT8OID));
    reg_fn("sign", NUMERICOID, fn_sign, 1, A(NUMERICOID));
    for (int i = 0; i < 3; i++)
        reg_fn("mod", ints[i], fn_mod, 2, A(ints[i], ints[i]));
    reg_fn("mod", NUMERICOID, fn_mod, 2, A(NUMERICOID, NUMERICOID));
    reg_fn("div", NUMERICOID, fn_div, 2, A(NUMERICOID, NUMERICOID));
    reg_fn("sqrt", FLOAT8OID, fn_sqrt, 1, A(FLOAT8OID));
    reg_fn("cbrt", FLOAT8OID, fn_cbrt, 1, A(FLOAT8OID));
    reg_fn("power", FLOAT8OID, fn_power, 2, A(FLOAT8OID, FLOAT8OID));
    reg_fn("pow", FLOAT8OID, fn_power, 2, A(FLOAT8OID, FLOAT8OID));
    reg_op("^", FLOAT8OID, FLOAT8OID, FLOAT8OID, fn_power);
    reg_fn("exp", FLOAT8OID, fn_exp, 1, A(FLOAT8OID));
    reg_fn("ln", FLOAT8OID, fn_ln, 1, A(FLOAT8OID));
    reg_fn("log", FLOAT8OID, fn_log10, 1, A(FLOAT8OID));
    reg_fn("log10", FLOAT8OID, fn_log10, 1, A(FLOAT8OID));
    reg_fn("pi", FLOAT8OID, fn_pi, 0, A(0));
    reg_fn("degrees", FLOAT8OID, fn_degrees, 1, A(FLOAT8OID));
    reg_fn("radians", FLOAT8OID, fn_radians, 1, A(FLOAT8OID));
    reg_fn("atan2", FLOAT8OID, fn_atan2, 2, A(FLOAT8OID, FLOAT8OID));
    static const char *const trig[] = { "sin", "cos", "tan", "asin", "acos", "atan" };
    for (int i = 0; i < 6; i++)
        reg_fn(trig[i], FLOAT8OID, fn_trig, 1, A(FLOAT8OID))->oid = (Oid)i;  /* index, see types_func_call */
    reg_fn("random", FLOAT8OID, fn_random, 0, A(0))->volatility = SQL_VOLATILE;
    reg_fn("setseed", 2278, fn_setseed, 1, A(FLOAT8OID))->volatility = SQL_VOLATILE;
    /* session */
    reg_fn("now", TIMESTAMPTZOID, fn_now, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("transaction_timestamp", TIMESTAMPTZOID, fn_now, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("current_timestamp", TIMESTAMPTZOID, fn_now, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("statement_timestamp", TIMESTAMPTZOID, fn_stmt_ts, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("clock_timestamp", TIMESTAMPTZOID, fn_clock_ts, 0, A(0))->volatility = SQL_VOLATILE;
    reg_fn("current_date", DATEOID, fn_current_date, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("version", TEXTOID, fn_version, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("current_user", NAMEOID, fn_current_user, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("session_user", NAMEOID, fn_session_user, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("user", NAMEOID, fn_current_user, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("current_database", NAMEOID, fn_current_database, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("current_catalog", NAMEOID, fn_current_database, 0, A(0))->volatility = SQL_STABLE;
    reg_fn("gen_random_uuid", UUIDOID, fn_gen_random_uuid, 0, A(0))->volatility = SQL_VOLATILE;
    f = reg_fn("num_nulls", INT4OID, fn_num_nulls, 1, A(TYPES_ANYOID));
    f->variadic = true;
    f->strict = false;
    f = reg_fn("num_nonnulls", INT4OID, fn_num_nonnulls, 1, A(TYPES_ANYOID));
    f->variadic = true;
    f->strict = false;
    reg_fn("nextval", INT8OID, fn_nextval, 1, A(REGCLASSOID))->volatility = SQL_VOLATILE;
    reg_fn("currval", INT8OID, fn_currval, 1, A(REGCLASSOID))->volatility = SQL_VOLATILE;
    reg_fn("setval", INT8OID, fn_setval, 2, A(REGCLASSOID, INT8OID))->volatility = SQL_VOLATILE;
    reg_fn("setval", INT8OID, fn_setval, 3, A(REGCLASSOID, INT8OID, BOOLOID))->volatility = SQL_VOLATILE;
    /* arrays */
    reg_fn("array_length", INT4OID, fn_array_length, 2, A(TYPES_ANYARRAYOID, INT4OID));
    reg_fn("cardinality", INT4OID, fn_cardinality, 1, A(TYPES_ANYARRAYOID));
    reg_fn("array_append", TYPES_ANYARRAYOID, fn_array_append, 2, A(TYPES_ANYARRAYOID, TYPES_ANYELEMENTOID))->strict = false;
    reg_fn("array_to_string", TEXTOID, fn_array_to_string, 2, A(TYPES_ANYARRAYOID, TEXTOID))->volatility = SQL_STABLE;
    reg_fn("array_to_string", TEXTOID, fn_array_to_string, 3, A(TYPES_ANYARRAYOID, TEXTOID, TEXTOID))->volatility = SQL_STABLE;

    /* aggregates */
    reg_agg("count", INT8OID, &agg_count_star, 0, A(0));
    reg_agg("count", INT8OID, &agg_count, 1, A(TYPES_ANYOID));
    reg_agg("sum", INT8OID, &agg_sum_int, 1, A(INT2OID));
    reg_agg("sum", INT8OID, &agg_sum_int, 1, A(INT4OID));
    reg_agg("sum", NUMERICOID, &agg_sum_int, 1, A(INT8OID));
    reg_agg("sum", NUMERICOID, &agg_sum_numeric, 1, A(NUMERICOID));
    reg_agg("sum", FLOAT4OID, &agg_sum_float4, 1, A(FLOAT4OID));
    reg_agg("sum", FLOAT8OID, &agg_sum_float8, 1, A(FLOAT8OID));
    for (int i = 0; i < 3; i++)
        reg_agg("avg", NUMERICOID, &agg_avg_int, 1, A(ints[i]));
    reg_agg("avg", NUMERICOID, &agg_avg_numeric, 1, A(NUMERICOID));
    reg_agg("avg", FLOAT8OID, &agg_avg_float, 1, A(FLOAT8OID));
    reg_agg("avg", FLOAT8OID, &agg_avg_float, 1, A(FLOAT4OID));
    reg_agg("min", TYPES_ANYELEMENTOID, &agg_min, 1, A(TYPES_ANYELEMENTOID));
    reg_agg("max", TYPES_ANYELEMENTOID, &agg_max, 1, A(TYPES_ANYELEMENTOID));
    reg_agg("bool_and", BOOLOID, &agg_bool_and, 1, A(BOOLOID));
    reg_agg("bool_or", BOOLOID, &agg_bool_or, 1, A(BOOLOID));
    reg_agg("every", BOOLOID, &agg_bool_and, 1, A(BOOLOID));
    reg_agg("string_agg", TEXTOID, &agg_string_agg, 2, A(TEXTOID, TEXTOID));
    reg_agg("string_agg", BYTEAOID, &agg_string_agg, 2, A(BYTEAOID, BYTEAOID));
    reg_agg("array_agg", TYPES_ANYARRAYOID, &agg_array_agg, 1, A(TYPES_ANYNONARRAYOID));

    /* set-returning */
    f = reg_add(false, "generate_series", SQL_FUNC_SRF, INT4OID, 2, A(INT4OID, INT4OID));
    f->srf = &srf_generate_series_int;
    f = reg_add(false, "generate_series", SQL_FUNC_SRF, INT4OID, 3, A(INT4OID, INT4OID, INT4OID));
    f->srf = &srf_generate_series_int;
    f = reg_add(false, "generate_series", SQL_FUNC_SRF, INT8OID, 2, A(INT8OID, INT8OID));
    f->srf = &srf_generate_series_int;
    f = reg_add(false, "generate_series", SQL_FUNC_SRF, INT8OID, 3, A(INT8OID, INT8OID, INT8OID));
    f->srf = &srf_generate_series_int;
    f = reg_add(false, "unnest", SQL_FUNC_SRF, TYPES_ANYELEMENTOID, 1, A(TYPES_ANYARRAYOID));
    f->srf = &srf_unnest;
    /* pg_dump support: pg_options_to_table(text[]) lives in sql/pgcat/pgcat_dump.c */
    f = reg_add(false, "pg_options_to_table", SQL_FUNC_SRF, TEXTOID, 1, A(TEXT_ARRAYOID));
    f->srf = &pgcat_dump_options_srf;
    f->volatility = SQL_STABLE;

    /* window functions: declared here, computed by the executor */
    reg_win("row_number", INT8OID, 0, A(0));
    reg_win("rank", INT8OID, 0, A(0));
    reg_win("dense_rank", INT8OID, 0, A(0));
    reg_win("percent_rank", FLOAT8OID, 0, A(0));
    reg_win("cume_dist", FLOAT8OID, 0, A(0));
    reg_win("ntile", INT4OID, 1, A(INT4OID));
    reg_win("lag", TYPES_ANYELEMENTOID, 1, A(TYPES_ANYELEMENTOID));
    reg_win("lag", TYPES_ANYELEMENTOID, 2, A(TYPES_ANYELEMENTOID, INT4OID));
    reg_win("lag", TYPES_ANYCOMPATIBLEOID, 3, A(TYPES_ANYCOMPATIBLEOID, INT4OID, TYPES_ANYCOMPATIBLEOID));
    reg_win("lead", TYPES_ANYELEMENTOID, 1, A(TYPES_ANYELEMENTOID));
    reg_win("lead", TYPES_ANYELEMENTOID, 2, A(TYPES_ANYELEMENTOID, INT4OID));
    reg_win("lead", TYPES_ANYCOMPATIBLEOID, 3, A(TYPES_ANYCOMPATIBLEOID, INT4OID, TYPES_ANYCOMPATIBLEOID));
    reg_win("first_value", TYPES_ANYELEMENTOID, 1, A(TYPES_ANYELEMENTOID));
    reg_win("last_value", TYPES_ANYELEMENTOID, 1, A(TYPES_ANYELEMENTOID));
    reg_win("nth_value", TYPES_ANYELEMENTOID, 2, A(TYPES_ANYELEMENTOID, INT4OID));

    types_fn_date_register();
    types_fn_num_register();
    types_fn_regex_register();
    types_fn_str_register();
    types_fn_stat_register();
    types_vector_register();   /* pgvector surface (types_vector.c) */
    types_fn_json_register();
    types_fn_tochar_register();
    types_fn_extra_register();

    reg_index_build(&reg_func_idx, reg_funcs, reg_n_funcs);
    reg_index_build(&reg_op_idx, reg_ops, reg_n_ops);
    reg_indexed = true;
}

static void reg_init(void)
{
    pthread_once(&reg_once, reg_build);
}

/* --- resolution -------------------------------------------------------------------------- */

static bool reg_is_poly_elem(Oid t)
{
    return t == TYPES_ANYELEMENTOID || t == TYPES_ANYNONARRAYOID || t == TYPES_ANYCOMPATIBLEOID;
}

static bool reg_is_poly_array(Oid t)
{
    return t == TYPES_ANYARRAYOID || t == TYPES_ANYCOMPATIBLEARRAYOID;
}

static Oid reg_declared(const SqlFunc *f, int i)
{
    return i < f->nargs ? f->args[i] : f->args[f->nargs - 1];
}

/* Checks one candidate; fills the coerced argument types and result type. */
static bool reg_candidate_ok(const SqlFunc *f, int nargs, const Oid *at, Oid *coerced, Oid *ret)
{
    if (f->variadic ? nargs < f->nargs : nargs != f->nargs)
        return false;
    Oid elem = INVALIDOID;
    /* bind polymorphic element type from known arguments first */
    for (int i = 0; i < nargs; i++) {
        Oid d = reg_declared(f, i), a = at[i];
        if (a == UNKNOWNOID)
            continue;
        Oid e = INVALIDOID;
        if (reg_is_poly_elem(d)) {
            if (d == TYPES_ANYNONARRAYOID && types_is_array(a))
                return false;
            e = a;
        } else if (reg_is_poly_array(d)) {
            e = types_array_elem(a);
            if (!e)
                return false;
        } else {
            continue;
        }
        if (!elem) {
            elem = e;
        } else if (elem != e) {
            if (d != TYPES_ANYCOMPATIBLEOID && d != TYPES_ANYCOMPATIBLEARRAYOID) {
                /* anyelement arguments must agree, except an int/numeric widening */
                Oid two[2] = { elem, e };
                Oid c;
                if (types_common_type(2, two, "", &c, NULL) < 0)
                    return false;
                if (!types_can_coerce(e, c, TYPES_COERCE_IMPLICIT) || !types_can_coerce(elem, c, TYPES_COERCE_IMPLICIT))
                    return false;
                if (c != elem && c != e)
                    return false;
                elem = c;
            } else {
                Oid two[2] = { elem, e };
                if (types_common_type(2, two, "", &elem, NULL) < 0)
                    return false;
            }
        }
    }
    bool has_poly = false;
    for (int i = 0; i < nargs; i++) {
        Oid d = reg_declared(f, i), a = at[i];
        if (d == TYPES_ANYOID) {
            coerced[i] = a == UNKNOWNOID && !f->keep_unknown ? TEXTOID : a;
            continue;
        }
        if (reg_is_poly_elem(d) || reg_is_poly_array(d)) {
            has_poly = true;
            Oid e = elem ? elem : TEXTOID;
            Oid want = reg_is_poly_array(d) ? types_array_of(e) : e;
            if (!want)
                return false;
            if (a != UNKNOWNOID && a != want && !types_can_coerce(a, want, TYPES_COERCE_IMPLICIT))
                return false;
            coerced[i] = want;
            continue;
        }
        if (a != UNKNOWNOID && a != d && !types_can_coerce(a, d, TYPES_COERCE_IMPLICIT))
            return false;
        coerced[i] = d;
    }
    Oid r = f->ret;
    if (reg_is_poly_elem(r))
        r = elem ? elem : TEXTOID;
    else if (reg_is_poly_array(r))
        r = types_array_of(elem ? elem : TEXTOID);
    if (!r && (reg_is_poly_array(f->ret)))
        return false;
    (void)has_poly;
    *ret = r;
    return true;
}

typedef struct RegCand {
    const SqlFunc *f;
    Oid coerced[TYPES_FUNC_MAX_ARGS];
    Oid ret;
    int exact, preferred;
} RegCand;

static void reg_describe(const char *name, bool op, int nargs, const Oid *at, char *buf, size_t cap)
{
    ShaleBuf b;
    shale_buf_init(&b);
    if (op) {
        if (nargs == 2) {
            types_format_type(at[0], -1, &b);
            shale_buf_append_byte(&b, ' ');
        }
        shale_buf_append(&b, name, strlen(name));
        shale_buf_append_byte(&b, ' ');
        types_format_type(at[nargs - 1], -1, &b);
    } else {
        shale_buf_append(&b, name, strlen(name));
        shale_buf_append_byte(&b, '(');
        for (int i = 0; i < nargs; i++) {
            if (i)
                shale_buf_append(&b, ", ", 2);
            types_format_type(at[i], -1, &b);
        }
        shale_buf_append_byte(&b, ')');
    }
    snprintf(buf, cap, "%.*s", b.oom ? 0 : (int)b.len, b.oom ? "" : b.data);
    shale_buf_free(&b);
}

static int reg_resolve(bool op, const char *name, int nargs, const Oid *at, SqlFuncMatch *out, SqlError *err)
{
    reg_init();
    if (nargs > TYPES_FUNC_MAX_ARGS)
        return SQL_ERR(err, TOO_MANY_COLUMNS, "cannot pass more than %d arguments to a function", TYPES_FUNC_MAX_ARGS);
    const SqlFunc *table = op ? reg_ops : reg_funcs;
    int nsame = 0;
    int first = reg_index_first(op, name, &nsame);
    /* At most 64 candidates, the first 64 overloads in registration order. */
    if (nsame > 64)
        nsame = 64;
    RegCand local[4];
    RegCand *c = nsame <= 4 ? local : malloc(sizeof(RegCand) * (size_t)nsame);
    if (!c)
        return types_oom(err);
    int nc = 0;
    for (int i = first; i >= 0 && nc < nsame; i = reg_index_next(op, i)) {
        const SqlFunc *f = &table[i];
        RegCand *rc = &c[nc];
        if (!reg_candidate_ok(f, nargs, at, rc->coerced, &rc->ret))
            continue;
        rc->f = f;
        rc->exact = rc->preferred = 0;
        /* PostgreSQL judges candidates by their declared types: a polymorphic argument is
         * never an exact match and its category is 'P' */
        for (int k = 0; k < nargs; k++) {
            Oid d = reg_declared(f, k);
            if (at[k] != UNKNOWNOID && at[k] == d)
                rc->exact++;
            if (at[k] != d && types_is_preferred(d))
                rc->preferred++;
        }
        nc++;
    }
    char desc[400];
    if (nc == 0) {
        if (c != local)
            free(c);
        reg_describe(name, op, nargs, at, desc, sizeof desc);
        if (op) {
            sql_error_set(err, ERRCODE_UNDEFINED_FUNCTION, "operator does not exist: %s", desc);
            sql_error_hint(err, "No operator matches the given name and argument types. You might need to add explicit type casts.");
        } else {
            sql_error_set(err, ERRCODE_UNDEFINED_FUNCTION, "function %s does not exist", desc);
            sql_error_hint(err, "No function matches the given name and argument types. You might need to add explicit type casts.");
        }
        return -1;
    }
    /* 1: most exact matches; 2: most preferred-type conversions */
    for (int pass = 0; pass < 2 && nc > 1; pass++) {
        int best = -1;
        for (int i = 0; i < nc; i++) {
            int s = pass == 0 ? c[i].exact : c[i].preferred;
            if (s > best)
                best = s;
        }
        int k = 0;
        for (int i = 0; i < nc; i++)
            if ((pass == 0 ? c[i].exact : c[i].preferred) == best)
                c[k++] = c[i];
        nc = k;
    }
    /* 3: at unknown positions, settle one category per position (string wins a conflict,
     * any other conflict leaves this step out), then keep candidates of that category and,
     * where the category has a preferred type among the candidates, that preferred type */
    if (nc > 1) {
        char slot_cat[TYPES_FUNC_MAX_ARGS];
        bool slot_pref[TYPES_FUNC_MAX_ARGS];
        bool resolved = true;
        for (int pos = 0; pos < nargs && resolved; pos++) {
            if (at[pos] != UNKNOWNOID)
                continue;
            slot_cat[pos] = 0;
            slot_pref[pos] = false;
            bool conflict = false;
            for (int i = 0; i < nc; i++) {
                Oid d = reg_declared(c[i].f, pos);
                char cat = types_category(d);
                bool pref = types_is_preferred(d);
                if (!slot_cat[pos]) {
                    slot_cat[pos] = cat;
                    slot_pref[pos] = pref;
                } else if (cat == slot_cat[pos]) {
                    slot_pref[pos] |= pref;
                } else if (cat == 'S') {
                    slot_cat[pos] = 'S';
                    slot_pref[pos] = pref;
                } else {
                    conflict = true;
                }
            }
            if (conflict && slot_cat[pos] != 'S')
                resolved = false;
        }
        if (resolved) {
            int k = 0;
            for (int i = 0; i < nc; i++) {
                bool keep = true;
                for (int pos = 0; pos < nargs && keep; pos++) {
                    if (at[pos] != UNKNOWNOID)
                        continue;
                    Oid d = reg_declared(c[i].f, pos);
                    if (types_category(d) != slot_cat[pos] || (slot_pref[pos] && !types_is_preferred(d)))
                        keep = false;
                }
                if (keep)
                    c[k++] = c[i];
            }
            if (k > 0)
                nc = k;
        }
    }
    /* 4: unknowns assumed to be the type of the known arguments, when those agree */
    if (nc > 1) {
        Oid known = INVALIDOID;
        bool agree = true, has_unknown = false;
        for (int pos = 0; pos < nargs; pos++) {
            if (at[pos] == UNKNOWNOID) {
                has_unknown = true;
                continue;
            }
            if (known && known != at[pos])
                agree = false;
            known = at[pos];
        }
        if (has_unknown && agree && known) {
            int k = 0;
            for (int i = 0; i < nc; i++) {
                bool ok = true;
                for (int pos = 0; pos < nargs; pos++)
                    if (at[pos] == UNKNOWNOID && c[i].coerced[pos] != known &&
                        !types_can_coerce(known, c[i].coerced[pos], TYPES_COERCE_IMPLICIT))
                        ok = false;
                if (ok)
                    c[k++] = c[i];
            }
            if (k > 0)
                nc = k;
        }
    }
    if (nc > 1) {
        if (c != local)
            free(c);
        reg_describe(name, op, nargs, at, desc, sizeof desc);
        if (op) {
            sql_error_set(err, ERRCODE_AMBIGUOUS_FUNCTION, "operator is not unique: %s", desc);
            sql_error_hint(err, "Could not choose a best candidate operator. You might need to add explicit type casts.");
        } else {
            sql_error_set(err, ERRCODE_AMBIGUOUS_FUNCTION, "function %s is not unique", desc);
            sql_error_hint(err, "Could not choose a best candidate function. You might need to add explicit type casts.");
        }
        return -1;
    }
    out->func = c[0].f;
    out->nargs = nargs;
    memcpy(out->arg_types, c[0].coerced, sizeof(Oid) * (size_t)nargs);
    out->ret_type = c[0].ret;
    if (c != local)
        free(c);
    return 0;
}

int types_func_resolve(const char *name, int nargs, const Oid *argtypes, SqlFuncMatch *out, SqlError *err)
{
    return reg_resolve(false, name, nargs, argtypes, out, err);
}

int types_oper_resolve(const char *name, Oid left, Oid right, SqlFuncMatch *out, SqlError *err)
{
    Oid at[2] = { left, right };
    /* PostgreSQL's binary_oper_exact: one unknown side takes the other side's type when an
     * operator exists exactly for that pair */
    if (left != INVALIDOID && (left == UNKNOWNOID) != (right == UNKNOWNOID)) {
        Oid k = left == UNKNOWNOID ? right : left;
        reg_init();
        for (int i = reg_index_first(true, name, NULL); i >= 0; i = reg_index_next(true, i)) {
            const SqlFunc *f = &reg_ops[i];
            if (f->nargs == 2 && f->args[0] == k && f->args[1] == k) {
                out->func = f;
                out->nargs = 2;
                out->arg_types[0] = out->arg_types[1] = k;
                out->ret_type = f->ret;
                return 0;
            }
        }
    }
    if (left == INVALIDOID)
        return reg_resolve(true, name, 1, at + 1, out, err);
    return reg_resolve(true, name, 2, at, out, err);
}

bool types_func_exists(const char *name, SqlFuncKind *kind_out)
{
    reg_init();
    int i = reg_index_first(false, name, NULL);
    if (i < 0)
        return false;
    if (kind_out)
        *kind_out = reg_funcs[i].kind;
    return true;
}

const SqlFunc *types_func_with_argnames(const char *name)
{
    reg_init();
    for (int i = reg_index_first(false, name, NULL); i >= 0; i = reg_index_next(false, i))
        if (reg_funcs[i].argnames)
            return &reg_funcs[i];
    return NULL;
}

int types_reg_index_check(void)
{
    reg_init();
    int bad = 0;
    for (int op = 0; op < 2; op++) {
        const SqlFunc *table = op ? reg_ops : reg_funcs;
        int n = op ? reg_n_ops : reg_n_funcs;
        for (int i = 0; i < n; i++) {
            /* the chain of i's name is exactly the entries of that name, ascending */
            int count = 0, prev = -1, seen = 0, len = 0;
            for (int j = reg_index_first(op, table[i].name, &count); j >= 0; j = reg_index_next(op, j)) {
                if (j <= prev || strcmp(table[j].name, table[i].name) != 0)
                    bad++;
                seen += j == i;
                prev = j;
                len++;
            }
            int scan = 0;
            for (int j = 0; j < n; j++)
                scan += strcmp(table[j].name, table[i].name) == 0;
            if (seen != 1 || len != scan || count != scan)
                bad++;
        }
    }
    return bad;
}

int types_func_call(FuncCallCtx *ctx, const SqlFuncMatch *match, int nargs, const Value *args, Value *out,
                    SqlError *err)
{
    const SqlFunc *f = match->func;
    if (f->kind != SQL_FUNC_SCALAR || !f->fn) {
        if (f->kind == SQL_FUNC_SCALAR && !f->fn && nargs == 1) {
            *out = args[0];   /* unary plus */
            return 0;
        }
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "%s is not a scalar function", f->name);
    }
    if (f->strict)
        for (int i = 0; i < nargs; i++)
            if (args[i].null) {
                *out = value_null(match->ret_type);
                return 0;
            }
    Oid save_ret = ctx->ret_type;
    int32_t save_mod = ctx->ret_typmod;
    ctx->ret_type = match->ret_type;
    if (f->fn == fn_trig)
        ctx->ret_typmod = (int32_t)f->oid;
    ctx->nargs = nargs;
    ctx->arg_types = match->arg_types;
    int rc = f->fn(ctx, nargs, args, out, err);
    ctx->ret_type = save_ret;
    ctx->ret_typmod = save_mod;
    if (rc == 0 && !out->null && out->type != match->ret_type && match->ret_type != 2278)
        out->type = match->ret_type;
    return rc;
}
