/* value.h -- the in-memory form of one SQL value, shared by every layer from the catalog
 * up (key/row encoding, the executor, type I/O). A Value is a small struct passed by value;
 * variable-length payloads point into an arena (or into storage bytes) whose lifetime the
 * producer names.
 *
 * Representation per type (frozen: the row and key codecs depend on it):
 *   bool                  u.b
 *   int2/int4/int8/oid, regclass, regtype, regproc   u.i (range-checked by the producer)
 *   float4/float8         u.f (float4 values are rounded to float on input)
 *   date                  u.i = days since 2000-01-01 (PostgreSQL's epoch); +-infinity =
 *                         INT32_MAX / INT32_MIN
 *   time                  u.i = microseconds since midnight
 *   timestamp/timestamptz u.i = microseconds since 2000-01-01 00:00:00 (UTC for timestamptz);
 *                         +-infinity = INT64_MAX / INT64_MIN
 *   interval              u.iv = { months, days, microseconds }
 *   text/varchar/bpchar/name/json/"char"/unknown   u.s = UTF-8 bytes (no NUL terminator)
 *   bytea                 u.s = raw bytes
 *   uuid                  u.s = 16 raw bytes
 *   jsonb                 u.s = canonical JSON text (normalised: keys sorted & deduplicated,
 *                         no insignificant whitespace) -- see sql/types
 *   numeric               u.s = ShaleNumeric bytes (below)
 *   arrays                u.s = ShaleArray bytes (below)
 *   vector (pgvector)     u.s = dim:uint16 LE | unused:uint16 LE (0) | dim x float32 LE;
 *                         1 <= dim <= 16000, no NaN/infinity (sql/types/types_vector.c)
 *   unknown-typed literal (quoted string before type resolution): type UNKNOWN, u.s
 *
 * ShaleNumeric bytes: sign:u8 (0 positive, 1 negative, 2 NaN, 3 +Infinity, 4 -Infinity) |
 *   weight:int16 LE | dscale:uint16 LE | digits: uint16 LE each, base 10000, most significant
 *   first, no leading or trailing zero digits (zero = no digits, sign 0). value =
 *   sum(digit[i] * 10000^(weight - i)); dscale = digits shown after the decimal point.
 *
 * ShaleArray bytes (one-dimensional): elem_type:u32 LE | n:u32 LE | lower_bound:i32 LE |
 *   null bitmap (ceil(n/8) bytes, bit i set = element i is NULL) | for each non-null element:
 *   len:u32 LE | element bytes: bool 1 byte; int2 2, int4/oid/regclass/regtype/date 4,
 *   int8/time/timestamp(tz) 8 bytes little-endian; float4/float8 IEEE little-endian;
 *   interval months:i32 days:i32 us:i64 LE; every other type its Value bytes verbatim.
 *   sql/types (types_array_*) is the only code that reads or writes these bytes. */
#ifndef SHALE_CATALOG_VALUE_H
#define SHALE_CATALOG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t Oid;

enum {
#define PG_TYPE(NAME, NUM, SQLNAME, LEN, BYVAL, CAT, ARR, ELEM) NAME##OID = NUM,
#include "catalog/pg_types.def"
#undef PG_TYPE
    INVALIDOID = 0
};

typedef struct Value {
    Oid type;
    bool null;
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *p;
            uint32_t n;
        } s;
        struct {
            int32_t months;
            int32_t days;
            int64_t us;
        } iv;
    } u;
} Value;

static inline Value value_null(Oid type)
{
    Value v;
    v.type = type;
    v.null = true;
    v.u.i = 0;
    return v;
}

static inline Value value_int(Oid type, int64_t i)
{
    Value v;
    v.type = type;
    v.null = false;
    v.u.i = i;
    return v;
}

static inline Value value_float(Oid type, double f)
{
    Value v;
    v.type = type;
    v.null = false;
    v.u.f = f;
    return v;
}

static inline Value value_bool(bool b)
{
    Value v;
    v.type = BOOLOID;
    v.null = false;
    v.u.b = b;
    return v;
}

/* bytes are borrowed: they must outlive every use of the value. */
static inline Value value_bytes(Oid type, const char *p, uint32_t n)
{
    Value v;
    v.type = type;
    v.null = false;
    v.u.s.p = p;
    v.u.s.n = n;
    return v;
}

/* Static facts about a type from pg_types.def; NULL for an unknown OID. */
typedef struct TypeInfo {
    Oid oid;
    const char *name;        /* pg_type.typname */
    int16_t len;
    bool byval;
    char category;
    Oid array_oid;
    Oid elem_oid;
} TypeInfo;

const TypeInfo *type_info(Oid oid);
/* By pg_type.typname ("int4", "_text"...). NULL if unknown. */
const TypeInfo *type_info_by_name(const char *name);

#endif
