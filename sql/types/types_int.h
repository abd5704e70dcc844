/* types_int.h -- internals shared by the sql/types files: arena string helpers, the numeric
 * working form (NumVar), date/time helpers, JSON parsing, and the per-file entry points the
 * dispatch in types_io.c / types_registry.c calls. Not for use outside sql/types. */
#ifndef SHALE_SQL_TYPES_TYPES_INT_H
#define SHALE_SQL_TYPES_TYPES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/types/types.h"

/* --- arena helpers (results live in the given arena) ------------------------------------ */

/* Copies n bytes into a; NULL on OOM. */
char *types_arena_dup(ShaleArena *a, const void *p, size_t n);
/* Moves a ShaleBuf's bytes into a as a value of type t, frees the buffer. -1 + 53200 on OOM. */
int types_buf_to_value(ShaleBuf *b, Oid t, ShaleArena *a, Value *out, SqlError *err);
int types_oom(SqlError *err);
/* 'invalid input syntax for type T: "s"' 22P02 */
int types_err_syntax(SqlError *err, const char *tname, const char *s, size_t n);
const char *types_sqlname(Oid t);   /* "integer", "text": format_type without typmod */

/* --- UTF-8 -------------------------------------------------------------------------------- */
/* Decodes one code point at p (< end); returns its length (1 for invalid bytes). */
int types_utf8_decode(const char *p, const char *end, uint32_t *cp);
int types_utf8_encode(uint32_t cp, char *out);
size_t types_utf8_strlen(const char *p, size_t n);
bool types_utf8_valid(const char *p, size_t n);
uint32_t types_unicode_lower(uint32_t c);
uint32_t types_unicode_upper(uint32_t c);

/* --- numeric ------------------------------------------------------------------------------ */

#define NUM_POS 0
#define NUM_NEG 1
#define NUM_NAN 2
#define NUM_PINF 3
#define NUM_NINF 4
#define NUM_NBASE 10000
#define NUM_DEC_DIGITS 4
#define NUM_MAX_DISPLAY_SCALE 1000
#define NUM_MIN_SIG_DIGITS 16

/* Working form of a numeric: digits base 10000, value = sum(d[i] * NBASE^(weight - i)).
 * Owns digits (malloc'd); release with num_free. Normalised forms have no leading or
 * trailing zero digits. */
typedef struct NumVar {
    int sign;
    int weight;
    int dscale;
    int ndigits;
    int32_t *digits;
} NumVar;

void num_init(NumVar *v);
void num_free(NumVar *v);
int num_set_int64(NumVar *v, int64_t x);
int num_set_int128(NumVar *v, __int128 x);
int num_copy(NumVar *dst, const NumVar *src);
/* decode a ShaleNumeric; -1 + XX001 when malformed */
int num_from_value(const Value *val, NumVar *v, SqlError *err);
int num_to_value(const NumVar *v, ShaleArena *a, Value *out, SqlError *err);
/* Text (PostgreSQL's numeric_in); -1 + 22P02 */
int num_parse(const char *s, size_t n, NumVar *v, SqlError *err);
void num_format(const NumVar *v, ShaleBuf *out);
/* float -> numeric as PostgreSQL (%.15g / %.6g then parse); NaN/inf kept */
int num_from_double(double d, int digits, NumVar *v, SqlError *err);
double num_to_double(const NumVar *v);
/* rounds half away from zero; -1 + 22003 "<tname> out of range" */
int num_to_int64(const NumVar *v, int64_t *out, const char *range_msg, SqlError *err);
int num_cmp(const NumVar *a, const NumVar *b);
int num_add(const NumVar *a, const NumVar *b, NumVar *r);
int num_sub(const NumVar *a, const NumVar *b, NumVar *r);
int num_mul(const NumVar *a, const NumVar *b, NumVar *r);
/* r = a / b rounded (or truncated) to rscale decimal places. b != 0. */
int num_div(const NumVar *a, const NumVar *b, NumVar *r, int rscale, bool round);
int num_div_scale(const NumVar *a, const NumVar *b);
int num_mod(const NumVar *a, const NumVar *b, NumVar *r);
void num_round(NumVar *v, int scale);
void num_trunc(NumVar *v, int scale);
void num_strip(NumVar *v);
/* typmod application: rounds to scale, 22003 "numeric field overflow" */
int num_apply_typmod(NumVar *v, int32_t typmod, SqlError *err);
/* transcendental functions with PostgreSQL's result scales; arguments validated by caller */
int num_sqrt(const NumVar *a, NumVar *r, SqlError *err);
int num_exp(const NumVar *a, NumVar *r, SqlError *err);
int num_ln(const NumVar *a, NumVar *r, SqlError *err);
int num_log(const NumVar *base, const NumVar *x, NumVar *r, SqlError *err);
int num_power(const NumVar *a, const NumVar *b, NumVar *r, SqlError *err);
/* sqrt of a non-negative finite a rounded to rscale; -1 on OOM */
int num_sqrt_scale(const NumVar *a, NumVar *r, int rscale);
uint64_t num_hash(const NumVar *v);

/* --- floats ------------------------------------------------------------------------------- */
void types_float_out(double d, bool is_float4, int extra_digits, ShaleBuf *out);
int types_float_in(const char *s, size_t n, bool is_float4, const char *orig_tname, double *out, SqlError *err);

/* --- date/time ----------------------------------------------------------------------------- */
#define TYPES_USECS_PER_DAY INT64_C(86400000000)
#define TYPES_DT_NOBEGIN INT64_MIN
#define TYPES_DT_NOEND INT64_MAX
#define TYPES_DATE_NOBEGIN INT32_MIN
#define TYPES_DATE_NOEND INT32_MAX

/* Julian day number <-> Gregorian date (PostgreSQL's date2j/j2date). */
int types_date2j(int y, int m, int d);
void types_j2date(int jd, int *y, int *m, int *d);
#define TYPES_POSTGRES_EPOCH_JDATE 2451545
/* Broken-down time. */
typedef struct TypesTm {
    int year, mon, mday, hour, min, sec;
    int32_t usec;
    int wday, yday;
    int gmtoff;     /* seconds east, for timestamptz */
    const char *zone;
} TypesTm;
int types_ts2tm(int64_t ts, TypesTm *tm);           /* timestamp -> fields */
int types_tm2ts(const TypesTm *tm, int64_t *ts);    /* -1 when out of range */
/* timestamptz -> local fields in tz; ts2tm with offset applied */
int types_tstz2tm(int64_t ts, const TypesTimeZone *tz, TypesTm *tm);
/* local fields -> UTC timestamp in tz (PostgreSQL's DST rules for ambiguous times) */
int types_local2utc(const TypesTm *tm, const TypesTimeZone *tz, int64_t *ts);

int types_date_in(const TypeContext *tc, const char *s, size_t n, int32_t *out, SqlError *err);
/* Non-ISO DateStyles and non-default IntervalStyles (types_datestyle.c); the ISO/postgres
 * forms delegate to types_date_out / types_interval_out. */
void types_date_out_style(const TypeContext *tc, int32_t d, ShaleBuf *out);
/* Anonymous records (types_record.c; byte format there). */
int types_record_build(int n, const Value *fields, ShaleArena *a, Value *out, SqlError *err);
int types_record_fields(const Value *rec, Value *out, int cap);
void types_record_out(const TypeContext *tc, const Value *v, ShaleBuf *out);
void types_record_send(const TypeContext *tc, const Value *v, ShaleBuf *out);
int types_record_compare(const Value *a, const Value *b);
uint64_t types_record_hash(const Value *v);
void types_timestamp_out_style(const TypeContext *tc, const TypesTm *tm, bool is_tz, ShaleBuf *out);
void types_interval_out_style(const TypeContext *tc, const Value *v, ShaleBuf *out);
int types_time_in(const char *s, size_t n, int32_t typmod, int64_t *out, SqlError *err);
int types_timestamp_in(const TypeContext *tc, const char *s, size_t n, bool tz, int32_t typmod,
                       int64_t *out, SqlError *err);
int types_interval_in(const char *s, size_t n, int32_t typmod, Value *out, SqlError *err);
void types_date_out(int32_t d, ShaleBuf *out);
void types_time_out(int64_t t, ShaleBuf *out);
void types_timestamp_out(const TypeContext *tc, int64_t ts, bool tz, ShaleBuf *out);
void types_interval_out(const Value *v, ShaleBuf *out);
int64_t types_interval_span(const Value *v, __int128 *wide); /* for ordering */
int types_timestamp_round(int64_t *ts, int32_t typmod);

/* --- JSON ---------------------------------------------------------------------------------- */
/* Validates JSON text (json input). 22P02 'invalid input syntax for type json' + detail. */
int types_json_validate(const char *s, size_t n, SqlError *err);
/* Parses and normalises to jsonb canonical text. */
int types_jsonb_normalize(const char *s, size_t n, ShaleArena *a, const char **out, uint32_t *outn,
                          SqlError *err);
/* jsonb canonical text -> PostgreSQL's jsonb output (", " and ": " separators). */
void types_jsonb_out(const char *s, size_t n, ShaleBuf *out);
int types_jsonb_compare(const char *a, size_t an, const char *b, size_t bn);

/* --- arrays -------------------------------------------------------------------------------- */
int types_array_in(const TypeContext *tc, Oid array_type, const char *s, size_t n, ShaleArena *a,
                   Value *out, SqlError *err);
void types_array_out(const TypeContext *tc, const Value *v, ShaleBuf *out);
/* int2vector / oidvector text I/O: space-separated elements, "" for none. The value is the
 * element array (lower bound 0) typed INT2VECTOROID / OIDVECTOROID; bytes owned by a. */
int types_intvec_in(const TypeContext *tc, Oid vector_type, const char *s, size_t n, ShaleArena *a,
                     Value *out, SqlError *err);
void types_intvec_out(const Value *v, ShaleBuf *out);
int types_array_recv(const TypeContext *tc, Oid array_type, const char *p, size_t n, ShaleArena *a,
                     Value *out, SqlError *err);
void types_array_send(const TypeContext *tc, const Value *v, ShaleBuf *out);
int types_array_compare(const Value *a, const Value *b);
uint64_t types_array_hash(const Value *v);
void types_array_elem_encode(const Value *v, ShaleBuf *out);
int types_array_elem_decode(Oid t, const char *p, size_t n, Value *out);

/* --- string <-> per-type I/O used by casts --------------------------------------------------- */
int types_bytea_in(const char *s, size_t n, ShaleArena *a, Value *out, SqlError *err);
void types_bytea_out(const TypeContext *tc, const char *p, size_t n, ShaleBuf *out);
int types_uuid_in(const char *s, size_t n, ShaleArena *a, Value *out, SqlError *err);
int types_int_in(const char *s, size_t n, Oid t, int64_t *out, SqlError *err);
int types_bool_in(const char *s, size_t n, bool *out, SqlError *err);
/* bpchar/varchar typmod rules; explicit: truncate instead of 22001 */
int types_char_typmod(Oid t, int32_t typmod, bool is_explicit, const char *s, size_t n, ShaleArena *a,
                      Value *out, SqlError *err);

/* Self-check of the cast table's hash index (tests): 0 when every (from, to) pair of the
 * table, and its reverse, is found exactly as a scan of the table finds it. */
int types_cast_index_check(void);


/* pgvector's vector type: entry points for the dispatch switches (types_vector.c) */
#include "sql/types/types_vector.h"

#endif
