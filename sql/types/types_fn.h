/* types_fn.h -- internal: the builtin implementations each types_fn_*.c file exports to
 * the registry table in types_registry.c. All follow SqlScalarFn / SqlAggImpl contracts
 * (types.h): results in ctx->arena, errors with PostgreSQL's SQLSTATE and wording. */
#ifndef SHALE_SQL_TYPES_TYPES_FN_H
#define SHALE_SQL_TYPES_TYPES_FN_H

#include "sql/types/types_int.h"

#define FN(name) int name(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)

/* operators (types_fn_ops.c) */
FN(fn_int_add); FN(fn_int_sub); FN(fn_int_mul); FN(fn_int_div); FN(fn_int_mod); FN(fn_int_neg);
FN(fn_float_add); FN(fn_float_sub); FN(fn_float_mul); FN(fn_float_div); FN(fn_float_neg);
FN(fn_num_add); FN(fn_num_sub); FN(fn_num_mul); FN(fn_num_div); FN(fn_num_mod); FN(fn_num_neg);
FN(fn_cmp_eq); FN(fn_cmp_ne); FN(fn_cmp_lt); FN(fn_cmp_le); FN(fn_cmp_gt); FN(fn_cmp_ge);
FN(fn_text_concat); FN(fn_like); FN(fn_not_like); FN(fn_ilike); FN(fn_not_ilike); FN(fn_like_escape);
FN(fn_bool_not);
FN(fn_date_pl_int); FN(fn_date_mi_int); FN(fn_date_mi_date); FN(fn_ts_pl_iv); FN(fn_ts_mi_iv); FN(fn_ts_mi_ts);
FN(fn_iv_pl_iv); FN(fn_iv_mi_iv); FN(fn_iv_neg); FN(fn_iv_mul_f8); FN(fn_iv_div_f8); FN(fn_date_pl_iv);
FN(fn_date_mi_iv);

/* text functions (types_fn_text.c) */
FN(fn_lower); FN(fn_upper); FN(fn_initcap); FN(fn_length); FN(fn_octet_length); FN(fn_substr); FN(fn_strpos);
FN(fn_btrim); FN(fn_ltrim); FN(fn_rtrim); FN(fn_replace); FN(fn_concat); FN(fn_concat_ws); FN(fn_left);
FN(fn_right); FN(fn_lpad); FN(fn_rpad); FN(fn_repeat); FN(fn_reverse); FN(fn_starts_with); FN(fn_split_part);
FN(fn_md5); FN(fn_ascii); FN(fn_chr); FN(fn_quote_ident); FN(fn_quote_literal); FN(fn_quote_nullable);
FN(fn_textcat_any); FN(fn_to_hex); FN(fn_sha256);

/* math and misc (types_fn_math.c) */
FN(fn_abs); FN(fn_round); FN(fn_trunc); FN(fn_ceil); FN(fn_floor); FN(fn_sign); FN(fn_mod); FN(fn_div);
FN(fn_sqrt); FN(fn_power); FN(fn_exp); FN(fn_ln); FN(fn_log10); FN(fn_log); FN(fn_pi); FN(fn_degrees);
FN(fn_radians); FN(fn_trig); FN(fn_random); FN(fn_setseed); FN(fn_now); FN(fn_stmt_ts); FN(fn_clock_ts);
FN(fn_current_date); FN(fn_version); FN(fn_current_user); FN(fn_session_user); FN(fn_current_database); FN(fn_gen_random_uuid);
FN(fn_num_nulls); FN(fn_num_nonnulls); FN(fn_cbrt); FN(fn_atan2); FN(fn_nextval); FN(fn_currval);
FN(fn_setval); FN(fn_array_length); FN(fn_cardinality); FN(fn_array_append); FN(fn_array_to_string);

/* aggregates (types_fn_agg.c) */
extern const SqlAggImpl agg_count_star, agg_count, agg_sum_int, agg_sum_numeric, agg_sum_float4,
    agg_sum_float8, agg_avg_int, agg_avg_float, agg_min, agg_max, agg_string_agg, agg_array_agg,
    agg_bool_and, agg_bool_or, agg_avg_numeric;

/* set-returning (types_fn_agg.c) */
extern const SqlSrfImpl srf_generate_series_int, srf_unnest;

/* Registration (types_registry.c): only valid while the registry is being built, i.e. from
 * the types_fn_*_register functions below, which reg_build calls once. Entries are static. */
#define TYPES_A(...) ((const Oid[]){ __VA_ARGS__ })
SqlFunc *types_reg_fn(const char *name, Oid ret, SqlScalarFn fn, int nargs, const Oid *args);
SqlFunc *types_reg_op(const char *name, Oid l, Oid r, Oid ret, SqlScalarFn fn);
SqlFunc *types_reg_agg(const char *name, Oid ret, const SqlAggImpl *impl, int nargs, const Oid *args);
SqlFunc *types_reg_srf(const char *name, Oid ret, const SqlSrfImpl *impl, int nargs, const Oid *args);
/* Self-check of the registry's name index (tests): 0 when, for every registered function
 * and operator, the index lists exactly the entries of its name in registration order. */
int types_reg_index_check(void);
void types_fn_date_register(void);     /* types_fn_date.c */
void types_fn_num_register(void);      /* types_fn_num.c */
void types_fn_regex_register(void);    /* types_fn_regex.c */
void types_fn_str_register(void);      /* types_fn_str.c */
void types_fn_stat_register(void);     /* types_fn_stat.c */
void types_fn_json_register(void);     /* types_fn_json.c (and types_fn_jsonb.c) */
void types_fn_tochar_register(void);   /* types_fn_tochar.c (and types_fn_toparse.c, types_fn_tonum.c) */
void types_fn_extra_register(void);    /* types_fn_extra.c (calls the ones below) */
void types_fn_regr_register(void);     /* types_fn_regr.c */
void types_fn_osa_register(void);      /* types_fn_regr.c: ordered-set aggregates */
void types_fn_record_register(void);   /* types_record.c */

/* timestamp(tz) + (months, days, us) with PostgreSQL's month-end clamping; timestamptz in
 * the session zone (or zone when not NULL). Infinities pass through. (types_fn_ops.c) */
int types_ts_add(FuncCallCtx *ctx, int64_t ts, bool tz, int32_t months, int32_t days, int64_t us, Value *out,
                 SqlError *err);

/* helpers */
int fn_text_result(FuncCallCtx *ctx, const char *p, size_t n, Value *out, SqlError *err);
int fn_num_result(FuncCallCtx *ctx, NumVar *v, Value *out, SqlError *err);

#endif
