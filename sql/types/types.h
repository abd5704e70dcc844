/* types.h -- ShaleDB's SQL type system, the public API of sql/types: text and binary I/O of
 * every type (PostgreSQL 15's exact formats), comparison and hashing, typmods, casts, the
 * builtin function/operator/aggregate registry with PostgreSQL's resolution rules.
 *
 * Callers: the binder (resolution, casts, common types, typmods), the executor (function
 * calls, aggregates, set-returning functions, comparisons, hashing), the protocol/COPY code
 * (types_input/types_output/types_recv/types_send).
 *
 * Conventions:
 *  - Values are catalog/value.h Values. Every produced variable-length payload is allocated
 *    in the ShaleArena the caller passes (the caller names its lifetime: per row, per
 *    statement); inputs are borrowed and never retained.
 *  - Fallible functions return 0 on success and -1 with *err set (SQLSTATE and message exactly
 *    as PostgreSQL 15 words them). err may be NULL. An arena allocation failure is 53200.
 *  - typmod follows PostgreSQL's encoding (so RowDescription matches): -1 = none;
 *    varchar(n)/bpchar(n) = n + 4; numeric(p,s) = ((p << 16) | s) + 4; time/timestamp(tz)(p)
 *    = p; interval = -1 or PG's range|precision encoding.
 *  - Thread-safety: everything here is reentrant. Time zones are loaded once into a process-
 *    wide cache guarded by a mutex; a loaded TypesTimeZone is immutable and lives until exit.
 *
 * Array element bytes (ShaleArray in value.h, pending rowcodec.h): each non-null element is
 * the "field encoding" of its type: bool 1 byte (0/1); int2 2, int4/oid/regclass/regtype/date 4, int8/
 * time/timestamp(tz) 8 bytes little-endian two's complement; float4 4 / float8 8 bytes IEEE
 * little-endian; interval months:i32 days:i32 us:i64 LE (16 bytes); every other type its
 * Value bytes verbatim (text UTF-8, ShaleNumeric, uuid 16 bytes, jsonb canonical text).
 * types_array_* below are the only code that reads or writes these bytes. */
#ifndef SHALE_SQL_TYPES_TYPES_H
#define SHALE_SQL_TYPES_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/sqlerror.h"
#include "catalog/value.h"
#include "util/arena.h"
#include "util/buf.h"

#define TYPES_WARN_UNUSED __attribute__((warn_unused_result))

/* --- session settings affecting I/O ------------------------------------------------------ */

typedef struct TypesTimeZone TypesTimeZone; /* opaque, immutable, process lifetime */

typedef enum TypesDateStyle { TYPES_DATESTYLE_ISO, TYPES_DATESTYLE_POSTGRES, TYPES_DATESTYLE_SQL,
                              TYPES_DATESTYLE_GERMAN } TypesDateStyle;
typedef enum TypesDateOrder { TYPES_DATEORDER_MDY, TYPES_DATEORDER_DMY, TYPES_DATEORDER_YMD } TypesDateOrder;
typedef enum TypesIntervalStyle { TYPES_INTERVALSTYLE_POSTGRES, TYPES_INTERVALSTYLE_POSTGRES_VERBOSE,
                                  TYPES_INTERVALSTYLE_SQL_STANDARD, TYPES_INTERVALSTYLE_ISO_8601 } TypesIntervalStyle;

/* One session's I/O settings; the session owns it and changes it under SET. Initialise with
 * types_context_init (DateStyle ISO, MDY; IntervalStyle postgres; TimeZone UTC;
 * extra_float_digits 1; bytea_output hex). Only ISO DateStyle and postgres IntervalStyle
 * are implemented for output today (others are accepted and behave as ISO/postgres). */
typedef struct TypeContext {
    TypesDateStyle date_style;
    TypesDateOrder date_order;
    TypesIntervalStyle interval_style;
    int extra_float_digits;          /* -15..3; > 0 = shortest round-trip output */
    bool bytea_output_escape;        /* false = hex */
    const TypesTimeZone *tz;         /* never NULL after init (UTC) */
    int64_t txn_now;                 /* 'now'/'today' input: transaction start (us since
                                      * 2000 UTC); 0 = read the clock */
} TypeContext;

void types_context_init(TypeContext *tc);

/* Resolves a TimeZone setting: "UTC"/"GMT"/"Z", ISO offsets ("+02:00", "-0530"), POSIX
 * strings ("UTC+3" = 3 hours WEST of Greenwich, as PostgreSQL), IANA names from
 * /usr/share/zoneinfo (case-insensitive on the first lookup, canonical spelling kept).
 * Returns 0 and a process-lifetime zone, or -1 with 22023 'invalid value for parameter
 * "TimeZone": "..."' (PostgreSQL's wording). */
int types_timezone_lookup(const char *name, const TypesTimeZone **out, SqlError *err) TYPES_WARN_UNUSED;
/* The setting's display name as SHOW TimeZone prints it (borrowed from the zone). */
const char *types_timezone_name(const TypesTimeZone *tz);
/* UTC offset in seconds EAST of Greenwich in effect at utc_us (us since 2000-01-01 UTC), and
 * the abbreviation (borrowed, e.g. "CEST"; may be NULL). */
int32_t types_timezone_offset_at(const TypesTimeZone *tz, int64_t utc_us, const char **abbrev);

/* --- type facts and typmods ------------------------------------------------------------ */

/* typmod helpers (PostgreSQL encoding). */
static inline int32_t types_typmod_varchar(int32_t n) { return n + 4; }
static inline int32_t types_typmod_numeric(int32_t precision, int32_t scale)
{
    return (int32_t)(((uint32_t)precision << 16) | ((uint32_t)scale & 0xffff)) + 4;
}

/* The typmod for a type name's modifiers as written in SQL (varchar(10), numeric(10,2),
 * timestamp(3), char -> char(1) is the binder's default): checks them exactly as
 * PostgreSQL does ("length for type varchar must be at least 1" 22023, "NUMERIC precision
 * 1001 must be between 1 and 1000" 22023, ...). n_mods == 0 yields -1. */
int types_typmod_from_mods(Oid type, int n_mods, const int32_t *mods, int32_t *typmod_out,
                           SqlError *err) TYPES_WARN_UNUSED;

/* format_type(): "integer", "character varying(10)", "numeric(10,2)", "timestamp(3) with
 * time zone", "integer[]", ... Appends to out. */
void types_format_type(Oid type, int32_t typmod, ShaleBuf *out);

/* Resolves a SQL type name as the grammar delivers it after its special forms (the parser
 * maps "double precision" -> "float8", "character varying" -> "varchar", "int" -> "int4",
 * "timestamp with time zone" -> "timestamptz", ...): accepts PostgreSQL's canonical and
 * alias names, with a "[]" suffix or leading '_' for arrays. Returns INVALIDOID if unknown. */
Oid types_lookup_name(const char *name);

/* Type categories and preferred types as in pg_type (for resolution). */
char types_category(Oid type);
bool types_is_preferred(Oid type);
bool types_is_array(Oid type);
Oid types_array_elem(Oid array_type);     /* INVALIDOID if not an array */
Oid types_array_of(Oid elem_type);        /* INVALIDOID if none */

/* --- text and binary I/O ---------------------------------------------------------------- */

/* Text -> Value (the type's input function, then the typmod: varchar(n)/bpchar(n) 22001
 * "value too long for type character varying(3)" unless the excess is spaces, which are
 * trimmed; bpchar is blank-padded to n; numeric(p,s) rounds to s and raises 22003 "numeric
 * field overflow"; timestamp(p) rounds). s need not be NUL-terminated. Payload in a. */
int types_input(const TypeContext *tc, Oid type, int32_t typmod, const char *s, size_t n,
                ShaleArena *a, Value *out, SqlError *err) TYPES_WARN_UNUSED;

/* Value (non-null) -> PostgreSQL's text form, appended to out. typmod only matters for
 * types whose output depends on it (none today besides bpchar display, which the stored
 * value already carries). Output cannot fail except for out->oom. */
void types_output(const TypeContext *tc, const Value *v, ShaleBuf *out);

/* Convenience: output into a NUL-terminated string allocated in a (NULL on OOM). */
const char *types_output_cstr(const TypeContext *tc, const Value *v, ShaleArena *a);

/* PostgreSQL binary wire format -> Value (typreceive). Bytes are untrusted: every malformed
 * input is 22P03 "insufficient data left in message" / "incorrect binary data format" /
 * PG's type-specific message; never a crash. typmod as types_input. */
int types_recv(const TypeContext *tc, Oid type, int32_t typmod, const char *p, size_t n,
               ShaleArena *a, Value *out, SqlError *err) TYPES_WARN_UNUSED;

/* Value (non-null) -> PostgreSQL binary wire format (typsend), appended to out. */
void types_send(const TypeContext *tc, const Value *v, ShaleBuf *out);

/* --- comparison and hashing ------------------------------------------------------------- */

/* Total order of two non-null values of the same type (varchar/bpchar/name/text compare
 * with each other; bpchar ignores trailing spaces), as PostgreSQL sorts them with the
 * C.UTF-8 collation: numeric NaN greatest, float NaN above +Infinity and equal to itself,
 * -0 = 0, text bytewise, arrays element-wise (NULL elements last) then by length, jsonb by
 * PostgreSQL's jsonb ordering, interval by its 30-day-month/24-hour-day span.
 * Returns <0, 0, >0. */
int types_compare(const Value *a, const Value *b);

/* Consistent with types_compare == 0: numeric 1.0 and 1.00, float 0 and -0, interval
 * '1 mon' and '30 days', bpchar 'a' and 'a  ' hash alike. Values of integer types hash
 * alike across int2/int4/int8 so cross-type hash joins on integers work. */
uint64_t types_hash(const Value *v);

/* --- casts ------------------------------------------------------------------------------ */

typedef enum TypesCoercion {      /* the context a conversion happens in */
    TYPES_COERCE_IMPLICIT,        /* expression operands, function arguments */
    TYPES_COERCE_ASSIGNMENT,      /* INSERT/UPDATE targets */
    TYPES_COERCE_EXPLICIT         /* CAST(x AS t), x::t */
} TypesCoercion;

typedef enum TypesCastKind {
    TYPES_CAST_NONE = 0,          /* no cast exists */
    TYPES_CAST_IMPLICIT,          /* pg_cast 'i' */
    TYPES_CAST_ASSIGNMENT,        /* pg_cast 'a' */
    TYPES_CAST_EXPLICIT           /* pg_cast 'e' or I/O conversion */
} TypesCastKind;

/* The cast from -> to as pg_cast (plus PostgreSQL's automatic I/O casts to/from the string
 * category, and array casts through element casts). Same type -> IMPLICIT (typmod
 * coercion). UNKNOWN (a quoted literal) -> anything is IMPLICIT. */
TypesCastKind types_cast_lookup(Oid from, Oid to);
/* Whether from may become to in the given context. */
bool types_can_coerce(Oid from, Oid to, TypesCoercion ctx);

/* Converts a value (in may be null: result is null of target) to target(typmod), with the
 * context's semantics (explicit varchar(n) casts truncate; assignment raises 22001;
 * int overflow 22003 "integer out of range"; text->X uses X's input function). Fails with
 * 42846 "cannot cast type X to Y" when no cast exists. Payload in a. */
int types_cast(const TypeContext *tc, const Value *in, Oid target, int32_t typmod, TypesCoercion ctx,
               ShaleArena *a, Value *out, SqlError *err) TYPES_WARN_UNUSED;

/* select_common_type for UNION/CASE/VALUES/COALESCE/GREATEST/ARRAY[]: unknowns alone become
 * text; otherwise all inputs must share a category and the result is the preferred type or
 * the type others implicitly cast to. context is the construct for the message, e.g. "CASE"
 * -> 42804 "CASE types integer and text cannot be matched". */
int types_common_type(int n, const Oid *types, const char *context, Oid *out, SqlError *err) TYPES_WARN_UNUSED;

/* --- the function registry --------------------------------------------------------------- */

#define TYPES_FUNC_MAX_ARGS 100

/* Pseudo-type OIDs used in signatures (PostgreSQL's). */
#define TYPES_ANYOID                2276   /* "any": each argument keeps its own type */
#define TYPES_ANYELEMENTOID         2283
#define TYPES_ANYARRAYOID           2277
#define TYPES_ANYNONARRAYOID        2776
#define TYPES_ANYCOMPATIBLEOID      5077
#define TYPES_ANYCOMPATIBLEARRAYOID 5078

typedef struct FuncCallCtx FuncCallCtx;

/* Executor-provided session hooks (any may be NULL: the function then fails with 0A000). */
typedef struct FuncSessionHooks {
    void *arg;
    /* nextval/currval/setval on the sequence with relation OID seq. */
    int (*nextval)(void *arg, Oid seq, int64_t *out, SqlError *err);
    int (*currval)(void *arg, Oid seq, int64_t *out, SqlError *err);
    int (*setval)(void *arg, Oid seq, int64_t value, bool is_called, SqlError *err);
    /* Returns true when the statement was cancelled (long loops poll it: generate_series,
     * repeat, string_agg ...). Then the function fails with 57014. */
    bool (*cancelled)(void *arg);
} FuncSessionHooks;

/* Everything a builtin may need beyond its arguments; filled by the executor. */
struct FuncCallCtx {
    const TypeContext *tc;
    ShaleArena *arena;              /* results live here (caller names it: per row/group) */
    ShaleArena *stmt_arena;         /* statement lifetime: caches in *fn_cache live here */
    void **fn_cache;                /* per call site slot, NULL-initialised by the executor
                                     * per statement (compiled regexes ...); may be NULL */
    const char *current_user;       /* current_user / current_role / user */
    const char *session_user;       /* session_user (NULL: current_user) */
    const char *database;           /* current_database() / current_catalog */
    const char *version;            /* version() text: "PostgreSQL 15.7 (ShaleDB 0.1.0) ..." */
    int64_t txn_timestamp;          /* now()/transaction_timestamp(): us since 2000 UTC */
    int64_t stmt_timestamp;         /* statement_timestamp() */
    uint64_t *random_state;         /* random()/setseed(): the session's state (xorshift) */
    FuncSessionHooks hooks;
    /* The call's resolved argument types and result type (polymorphic functions read them). */
    int nargs;
    const Oid *arg_types;
    Oid ret_type;
    int32_t ret_typmod;
};

typedef int (*SqlScalarFn)(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err);

/* Aggregates. The state (state_size bytes, zeroed by the executor, 8-aligned) lives in the
 * group's arena, which is also ctx->arena for step/final; growing state reallocates there.
 * If step_strict, the executor skips rows where any argument is NULL (and final sees the
 * state of no rows when all were skipped). final may be called more than once (window
 * frames) and must not destroy the state. DISTINCT and ORDER BY inside aggregates are the
 * executor's job. combine may be NULL (no parallel/partial aggregation). */
typedef struct SqlAggImpl {
    size_t state_size;
    bool step_strict;
    int (*step)(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err);
    int (*final)(FuncCallCtx *ctx, void *state, Value *out, SqlError *err);
    int (*combine)(FuncCallCtx *ctx, void *state, const void *other, SqlError *err);
} SqlAggImpl;

/* Set-returning functions: open once per call, then next until it returns 0. next writes
 * n_out_cols values (jsonb_each: key, value). State lives in ctx->arena, which must outlive
 * the iteration; rows are produced in ctx->arena too (caller may switch ctx->arena between
 * next calls to a per-row arena). */
typedef struct SqlSrfImpl {
    size_t state_size;
    int n_out_cols;
    const char *const *out_names;   /* column names for n_out_cols > 1 (jsonb_each: key, value) */
    const Oid *out_types;           /* NULL when the single column has the function's ret type */
    int (*open)(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err);
    /* 1 = a row in out[0..n_out_cols-1], 0 = done, -1 = error. */
    int (*next)(FuncCallCtx *ctx, void *state, Value *out, SqlError *err);
} SqlSrfImpl;

typedef enum SqlFuncKind { SQL_FUNC_SCALAR, SQL_FUNC_AGG, SQL_FUNC_WINDOW, SQL_FUNC_SRF } SqlFuncKind;
typedef enum SqlVolatility { SQL_IMMUTABLE = 'i', SQL_STABLE = 's', SQL_VOLATILE = 'v' } SqlVolatility;

/* One builtin (function or operator implementation). Registry entries are static and live
 * for the process. Window functions (row_number, rank, lag ...) are declared with kind
 * SQL_FUNC_WINDOW and no implementation: the executor computes them. */
typedef struct SqlFunc {
    const char *name;               /* lower case; operators use their symbol ("+", "~~") */
    SqlFuncKind kind;
    uint8_t nargs;                  /* declared arguments (the variadic one counts once) */
    bool variadic;                  /* the last argument repeats (concat, format ...) */
    bool strict;                    /* any NULL argument -> NULL result without calling fn */
    const char *const *argnames;    /* [nargs] parameter names (named-argument calls), or NULL */
    const char *const *argdefaults; /* [nargs] literal text of defaults (NULL entry = none) */
    bool ordered_set;               /* aggregate called as f(direct) WITHIN GROUP (ORDER BY x):
                                     * the binder passes x as the last argument, sorted */
    bool keep_unknown;              /* an "any" argument given an unknown literal stays unknown
                                     * (pg_typeof('x') is unknown) instead of becoming text */
    SqlVolatility volatility;
    Oid args[8];                    /* declared types; pseudo types allowed */
    Oid ret;                        /* declared result; polymorphic resolved in SqlFuncMatch */
    Oid oid;                        /* pg_proc OID when PostgreSQL's is known, else 0 */
    SqlScalarFn fn;                 /* scalar and operators */
    const SqlAggImpl *agg;          /* aggregates */
    const SqlSrfImpl *srf;          /* set-returning */
} SqlFunc;

/* The result of resolution: which builtin, what each actual argument must be coerced to
 * (types_cast with TYPES_COERCE_IMPLICIT; UNKNOWN literals via types_input), and the
 * concrete result type (polymorphics resolved: max(int4) -> int4, array_agg(text) -> text[]). */
typedef struct SqlFuncMatch {
    const SqlFunc *func;
    int nargs;
    Oid arg_types[TYPES_FUNC_MAX_ARGS];
    Oid ret_type;
} SqlFuncMatch;

/* PostgreSQL's func_select_candidate in the common cases: exact match; unknown literals;
 * implicit casts; type categories and preferred types; polymorphic arguments. Fails with
 * 42883 "function lower(integer) does not exist" + hint "No function matches the given name
 * and argument types. You might need to add explicit type casts.", or 42725 "function f(unknown)
 * is not unique" + hint "Could not choose a best candidate function. You might need to add
 * explicit type casts.". agg_only/kind checks (e.g. "count(*)") are the binder's. */
int types_func_resolve(const char *name, int nargs, const Oid *argtypes, SqlFuncMatch *out,
                       SqlError *err) TYPES_WARN_UNUSED;

/* Operators: left == INVALIDOID for prefix operators (-x, @x, ~x, !! ...). Errors: 42883
 * "operator does not exist: integer + text" (hint "No operator matches the given name and
 * argument types. You might need to add explicit type casts.") / 42725 "operator is not
 * unique: unknown + unknown". The binder rewrites: a LIKE b -> "~~", NOT LIKE "!~~", ILIKE
 * "~~*", NOT ILIKE "!~~*", LIKE b ESCAPE e -> a ~~ like_escape(b, e), SIMILAR TO b ESCAPE e
 * -> a ~ similar_to_escape(b[, e]), a <> b / != -> "<>", x IS DISTINCT FROM y -> "="
 * plus null logic. */
int types_oper_resolve(const char *name, Oid left, Oid right, SqlFuncMatch *out,
                       SqlError *err) TYPES_WARN_UNUSED;

/* Whether any builtin function (not operator) of this name exists, and its kind (for the
 * binder's "is this an aggregate?" test before resolution). */
bool types_func_exists(const char *name, SqlFuncKind *kind_out);

/* The builtin named `name` that declares argument names (for calls with named arguments,
 * f(a => 1)), or NULL. Its argdefaults give the SQL literal of omitted arguments. */
const SqlFunc *types_func_with_argnames(const char *name);

/* Calls a resolved scalar function or operator, applying strictness. args must already have
 * match->arg_types. Result in ctx->arena. */
int types_func_call(FuncCallCtx *ctx, const SqlFuncMatch *match, int nargs, const Value *args,
                    Value *out, SqlError *err) TYPES_WARN_UNUSED;

/* --- arrays ----------------------------------------------------------------------------- */

/* Reads a ShaleArray value. Bytes may come from storage: bounded, -1 + XX001 on corruption. */
#define TYPES_ARRAY_MAXDIM 6
typedef struct TypesArrayReader {
    Oid elem_type;
    uint32_t n;                     /* elements in all dimensions (row-major order) */
    int32_t lower;                  /* lower bound of dimension 1 */
    int ndims;                      /* 0 for an empty array */
    int32_t dims[TYPES_ARRAY_MAXDIM], lbs[TYPES_ARRAY_MAXDIM];
    const uint8_t *nulls;           /* bitmap */
    const char *cur, *end;          /* next element's bytes */
    uint32_t i;
} TypesArrayReader;

int types_array_open(const Value *array, TypesArrayReader *r, SqlError *err) TYPES_WARN_UNUSED;
/* 1 = element in *out (payload borrowed from the array bytes), 0 = end, -1 = corrupt. */
int types_array_next(TypesArrayReader *r, Value *out, SqlError *err) TYPES_WARN_UNUSED;

/* Builds a one-dimensional array of elem_type from n values (nulls allowed; all of
 * elem_type). Bytes in a. */
int types_array_build(Oid elem_type, int32_t lower, uint32_t n, const Value *elems,
                      ShaleArena *a, Value *out, SqlError *err) TYPES_WARN_UNUSED;
/* Builds an ndims-dimensional array (dims[d] elements along dimension d, lower bounds
 * lbs[d]; n = the product, elements in row-major order). ndims <= 1 is the plain
 * one-dimensional format. ShaleArray bytes of a multi-dimensional array: the count word
 * has bit 31 set and is followed by lower_bound:i32 (dimension 1) | ndims:u32 | ndims x
 * (size:u32 lbound:i32), then the bitmap and elements as in the one-dimensional layout. */
int types_array_build_md(Oid elem_type, int ndims, const int32_t *dims, const int32_t *lbs, uint32_t n,
                         const Value *elems, ShaleArena *a, Value *out, SqlError *err) TYPES_WARN_UNUSED;

/* --- pattern matching the executor calls directly ----------------------------------------- */

/* LIKE/ILIKE on UTF-8 text with the pattern already escape-processed as PostgreSQL's
 * "\" default (escape == -1: none, e.g. after like_escape(p, '')). */
int types_like(const char *s, size_t n, const char *pat, size_t pn, bool icase, int escape,
               bool *match, SqlError *err) TYPES_WARN_UNUSED;

#endif
