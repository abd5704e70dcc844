/* types_cast.c -- type facts for resolution (names, categories, preferred types, typmods,
 * format_type), the cast table (pg_cast's rows for the types we support plus the automatic
 * I/O casts to and from the string category and element-wise array casts), cast
 * execution, and select_common_type. */
#include "sql/types/types_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* --- names ------------------------------------------------------------------------------ */

const char *types_sqlname(Oid t)
{
    switch (t) {
    case BOOLOID: return "boolean";
    case CHAROID: return "\"char\"";
    case INT8OID: return "bigint";
    case INT2OID: return "smallint";
    case INT4OID: return "integer";
    case FLOAT4OID: return "real";
    case FLOAT8OID: return "double precision";
    case BPCHAROID: return "bpchar";
    case VARCHAROID: return "character varying";
    case TIMEOID: return "time without time zone";
    case TIMESTAMPOID: return "timestamp without time zone";
    case TIMESTAMPTZOID: return "timestamp with time zone";
    case TYPES_ANYOID: return "\"any\"";
    case TYPES_ANYELEMENTOID: return "anyelement";
    case TYPES_ANYARRAYOID: return "anyarray";
    case TYPES_ANYNONARRAYOID: return "anynonarray";
    case TYPES_ANYCOMPATIBLEOID: return "anycompatible";
    case TYPES_ANYCOMPATIBLEARRAYOID: return "anycompatiblearray";
    default: break;
    }
    const TypeInfo *ti = type_info(t);
    if (!ti)
        return "???";
    if (ti->elem_oid) {
        /* arrays: element name + [] from a small static table */
        static const struct { Oid a; const char *n; } arr[] = {
            {BOOL_ARRAYOID, "boolean[]"}, {BYTEA_ARRAYOID, "bytea[]"}, {CHAR_ARRAYOID, "\"char\"[]"},
            {NAME_ARRAYOID, "name[]"}, {INT2_ARRAYOID, "smallint[]"}, {INT4_ARRAYOID, "integer[]"},
            {TEXT_ARRAYOID, "text[]"}, {BPCHAR_ARRAYOID, "bpchar[]"}, {VARCHAR_ARRAYOID, "character varying[]"},
            {INT8_ARRAYOID, "bigint[]"}, {FLOAT4_ARRAYOID, "real[]"}, {FLOAT8_ARRAYOID, "double precision[]"},
            {OID_ARRAYOID, "oid[]"}, {TIMESTAMP_ARRAYOID, "timestamp without time zone[]"},
            {DATE_ARRAYOID, "date[]"}, {TIME_ARRAYOID, "time without time zone[]"},
            {TIMESTAMPTZ_ARRAYOID, "timestamp with time zone[]"}, {INTERVAL_ARRAYOID, "interval[]"},
            {JSON_ARRAYOID, "json[]"}, {NUMERIC_ARRAYOID, "numeric[]"}, {UUID_ARRAYOID, "uuid[]"},
            {JSONB_ARRAYOID, "jsonb[]"}, {REGPROC_ARRAYOID, "regproc[]"},
            {VECTOR_ARRAYOID, "vector[]"},
        };
        for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
            if (arr[i].a == t)
                return arr[i].n;
    }
    return ti->name;
}

void types_format_type(Oid type, int32_t typmod, ShaleBuf *out)
{
    char buf[64];
    int len = 0;
    Oid base = types_array_elem(type) ? types_array_elem(type) : type;
    bool arr = base != type;
    if (typmod >= 0) {
        switch (base) {
        case VARCHAROID:
            if (typmod >= 4) len = snprintf(buf, sizeof buf, "character varying(%d)", typmod - 4);
            break;
        case BPCHAROID:
            if (typmod >= 4) len = snprintf(buf, sizeof buf, "character(%d)", typmod - 4);
            break;
        case NUMERICOID:
            if (typmod >= 4)
                len = snprintf(buf, sizeof buf, "numeric(%d,%d)", ((typmod - 4) >> 16) & 0xffff,
                               (int16_t)((typmod - 4) & 0xffff));
            break;
        case TIMEOID: len = snprintf(buf, sizeof buf, "time(%d) without time zone", typmod); break;
        case TIMESTAMPOID: len = snprintf(buf, sizeof buf, "timestamp(%d) without time zone", typmod); break;
        case TIMESTAMPTZOID: len = snprintf(buf, sizeof buf, "timestamp(%d) with time zone", typmod); break;
        case VECTOROID: len = snprintf(buf, sizeof buf, "vector(%d)", typmod); break;
        default: break;
        }
    }
    if (len > 0) {
        shale_buf_append(out, buf, (size_t)len);
        if (arr)
            shale_buf_append(out, "[]", 2);
        return;
    }
    if (base == BPCHAROID && typmod < 0) {
        shale_buf_append(out, arr ? "bpchar[]" : "bpchar", arr ? 8 : 6);
        return;
    }
    const char *n = types_sqlname(type);
    shale_buf_append(out, n, strlen(n));
}

Oid types_lookup_name(const char *name)
{
    size_t n = strlen(name);
    if (n > 2 && strcmp(name + n - 2, "[]") == 0) {
        char tmp[64];
        if (n - 2 >= sizeof tmp)
            return INVALIDOID;
        memcpy(tmp, name, n - 2);
        tmp[n - 2] = 0;
        Oid e = types_lookup_name(tmp);
        return e ? types_array_of(e) : INVALIDOID;
    }
    static const struct { const char *alias; Oid t; } aliases[] = {
        {"boolean", BOOLOID}, {"smallint", INT2OID}, {"integer", INT4OID}, {"int", INT4OID},
        {"bigint", INT8OID}, {"real", FLOAT4OID}, {"double precision", FLOAT8OID}, {"float", FLOAT8OID},
        {"decimal", NUMERICOID}, {"character varying", VARCHAROID}, {"character", BPCHAROID},
        {"char", BPCHAROID}, {"\"char\"", CHAROID}, {"time without time zone", TIMEOID},
        {"timestamp without time zone", TIMESTAMPOID}, {"timestamp with time zone", TIMESTAMPTZOID},
        {"serial", INT4OID}, {"bigserial", INT8OID}, {"smallserial", INT2OID},
        {"serial4", INT4OID}, {"serial8", INT8OID}, {"serial2", INT2OID},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(aliases[i].alias, name) == 0)
            return aliases[i].t;
    const TypeInfo *ti = type_info_by_name(name);
    if (ti)
        return ti->oid;
    return INVALIDOID;
}

int types_typmod_from_mods(Oid type, int n_mods, const int32_t *mods, int32_t *typmod_out, SqlError *err)
{
    *typmod_out = -1;
    if (n_mods == 0)
        return 0;
    switch (type) {
    case VARCHAROID:
    case BPCHAROID: {
        const char *tn = type == VARCHAROID ? "varchar" : "char";
        if (n_mods != 1)
            return SQL_ERR(err, SYNTAX_ERROR, "invalid type modifier");
        if (mods[0] < 1)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "length for type %s must be at least 1", tn);
        if (mods[0] > 10485760)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "length for type %s cannot exceed %d", tn, 10485760);
        *typmod_out = mods[0] + 4;
        return 0;
    }
    case NUMERICOID: {
        if (n_mods > 2)
            return SQL_ERR(err, SYNTAX_ERROR, "invalid NUMERIC type modifier");
        int32_t p = mods[0], s = n_mods == 2 ? mods[1] : 0;
        if (p < 1 || p > 1000)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "NUMERIC precision %d must be between 1 and %d", p, 1000);
        if (s < -1000 || s > 1000)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "NUMERIC scale %d must be between %d and %d", s, -1000, 1000);
        *typmod_out = types_typmod_numeric(p, s);
        return 0;
    }
    case TIMEOID:
    case TIMESTAMPOID:
    case TIMESTAMPTZOID:
        if (n_mods != 1)
            return SQL_ERR(err, SYNTAX_ERROR, "invalid type modifier");
        if (mods[0] < 0)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "TIMESTAMP(%d) precision must not be negative", mods[0]);
        *typmod_out = mods[0] > 6 ? 6 : mods[0];
        return 0;
    case INTERVALOID:
        *typmod_out = -1;
        return 0;
    case VECTOROID:   /* vector(n): typmod = n (types_vector.c) */
        return types_vector_typmod(n_mods, mods, typmod_out, err);
    default:
        return SQL_ERR(err, SYNTAX_ERROR, "type modifier is not allowed for type \"%s\"", types_sqlname(type));
    }
}

/* --- categories ---------------------------------------------------------------------- */

char types_category(Oid type)
{
    if (type == TYPES_ANYOID || type == TYPES_ANYELEMENTOID || type == TYPES_ANYARRAYOID ||
        type == TYPES_ANYNONARRAYOID || type == TYPES_ANYCOMPATIBLEOID || type == TYPES_ANYCOMPATIBLEARRAYOID)
        return 'P';
    const TypeInfo *ti = type_info(type);
    return ti ? ti->category : 'U';
}

bool types_is_preferred(Oid type)
{
    return type == BOOLOID || type == TEXTOID || type == FLOAT8OID || type == TIMESTAMPTZOID ||
           type == INTERVALOID || type == OIDOID;
}

bool types_is_array(Oid type)
{
    return types_array_elem(type) != INVALIDOID;
}

Oid types_array_elem(Oid array_type)
{
    const TypeInfo *ti = type_info(array_type);
    return ti ? ti->elem_oid : INVALIDOID;
}

Oid types_array_of(Oid elem_type)
{
    const TypeInfo *ti = type_info(elem_type);
    return ti && !ti->elem_oid ? ti->array_oid : INVALIDOID;
}

/* --- the cast table -------------------------------------------------------------------- */

typedef struct CastRow {
    Oid from, to;
    char kind;   /* 'i' implicit, 'a' assignment, 'e' explicit */
} CastRow;

static const CastRow cast_rows[] = {
    {INT2OID, INT4OID, 'i'}, {INT2OID, INT8OID, 'i'}, {INT2OID, FLOAT4OID, 'i'}, {INT2OID, FLOAT8OID, 'i'},
    {INT2OID, NUMERICOID, 'i'}, {INT2OID, OIDOID, 'i'}, {INT2OID, REGCLASSOID, 'i'}, {INT2OID, REGTYPEOID, 'i'},
    {INT4OID, INT8OID, 'i'}, {INT4OID, FLOAT4OID, 'i'}, {INT4OID, FLOAT8OID, 'i'}, {INT4OID, NUMERICOID, 'i'},
    {INT4OID, INT2OID, 'a'}, {INT4OID, OIDOID, 'i'}, {INT4OID, REGCLASSOID, 'i'}, {INT4OID, REGTYPEOID, 'i'},
    {INT4OID, REGPROCOID, 'i'}, {INT4OID, BOOLOID, 'e'}, {INT4OID, CHAROID, 'e'},
    {INT8OID, INT2OID, 'a'}, {INT8OID, INT4OID, 'a'}, {INT8OID, FLOAT4OID, 'i'}, {INT8OID, FLOAT8OID, 'i'},
    {INT8OID, NUMERICOID, 'i'}, {INT8OID, OIDOID, 'i'}, {INT8OID, REGCLASSOID, 'i'}, {INT8OID, REGTYPEOID, 'i'},
    {FLOAT4OID, INT2OID, 'a'}, {FLOAT4OID, INT4OID, 'a'}, {FLOAT4OID, INT8OID, 'a'}, {FLOAT4OID, FLOAT8OID, 'i'},
    {FLOAT4OID, NUMERICOID, 'a'},
    {FLOAT8OID, INT2OID, 'a'}, {FLOAT8OID, INT4OID, 'a'}, {FLOAT8OID, INT8OID, 'a'}, {FLOAT8OID, FLOAT4OID, 'a'},
    {FLOAT8OID, NUMERICOID, 'a'},
    {NUMERICOID, INT2OID, 'a'}, {NUMERICOID, INT4OID, 'a'}, {NUMERICOID, INT8OID, 'a'},
    {NUMERICOID, FLOAT4OID, 'i'}, {NUMERICOID, FLOAT8OID, 'i'},
    {OIDOID, INT8OID, 'a'}, {OIDOID, REGCLASSOID, 'i'}, {OIDOID, REGTYPEOID, 'i'}, {OIDOID, REGPROCOID, 'i'},
    {REGCLASSOID, OIDOID, 'i'}, {REGTYPEOID, OIDOID, 'i'}, {REGPROCOID, OIDOID, 'i'},
    {REGCLASSOID, INT8OID, 'a'}, {REGTYPEOID, INT8OID, 'a'},
    {BOOLOID, INT4OID, 'e'}, {CHAROID, INT4OID, 'e'},
    {TEXTOID, BPCHAROID, 'i'}, {TEXTOID, VARCHAROID, 'i'}, {TEXTOID, NAMEOID, 'i'}, {TEXTOID, CHAROID, 'a'},
    {BPCHAROID, TEXTOID, 'i'}, {BPCHAROID, VARCHAROID, 'i'}, {BPCHAROID, NAMEOID, 'i'}, {BPCHAROID, BPCHAROID, 'i'},
    {VARCHAROID, TEXTOID, 'i'}, {VARCHAROID, BPCHAROID, 'i'}, {VARCHAROID, NAMEOID, 'i'}, {VARCHAROID, VARCHAROID, 'i'},
    {VARCHAROID, CHAROID, 'a'}, {VARCHAROID, REGCLASSOID, 'i'}, {TEXTOID, REGCLASSOID, 'i'},
    {NAMEOID, TEXTOID, 'i'}, {NAMEOID, BPCHAROID, 'a'}, {NAMEOID, VARCHAROID, 'a'},
    {CHAROID, TEXTOID, 'i'}, {CHAROID, BPCHAROID, 'a'}, {CHAROID, VARCHAROID, 'a'},
    {DATEOID, TIMESTAMPOID, 'i'}, {DATEOID, TIMESTAMPTZOID, 'i'},
    {TIMEOID, INTERVALOID, 'i'}, {TIMEOID, TIMEOID, 'i'},
    {TIMESTAMPOID, DATEOID, 'a'}, {TIMESTAMPOID, TIMEOID, 'a'}, {TIMESTAMPOID, TIMESTAMPTZOID, 'i'},
    {TIMESTAMPOID, TIMESTAMPOID, 'i'},
    {TIMESTAMPTZOID, DATEOID, 'a'}, {TIMESTAMPTZOID, TIMEOID, 'a'}, {TIMESTAMPTZOID, TIMESTAMPOID, 'a'},
    {TIMESTAMPTZOID, TIMESTAMPTZOID, 'i'},
    {INTERVALOID, TIMEOID, 'a'}, {INTERVALOID, INTERVALOID, 'i'},
    {NUMERICOID, NUMERICOID, 'i'},
    {JSONOID, JSONBOID, 'a'}, {JSONBOID, JSONOID, 'a'},
    {JSONBOID, BOOLOID, 'e'}, {JSONBOID, NUMERICOID, 'e'}, {JSONBOID, INT2OID, 'e'}, {JSONBOID, INT4OID, 'e'},
    {JSONBOID, INT8OID, 'e'}, {JSONBOID, FLOAT4OID, 'e'}, {JSONBOID, FLOAT8OID, 'e'},
    /* pgvector's casts (executed by types_vector_cast) */
    {VECTOROID, VECTOROID, 'i'}, {VECTOROID, FLOAT4_ARRAYOID, 'i'}, {INT4_ARRAYOID, VECTOROID, 'a'},
    {FLOAT4_ARRAYOID, VECTOROID, 'a'}, {FLOAT8_ARRAYOID, VECTOROID, 'a'}, {NUMERIC_ARRAYOID, VECTOROID, 'a'},
};

/* Hash index over cast_rows, built once: (from, to) -> 1 + the first row of that pair
 * (0 = empty slot), open addressing; CAST_SLOTS is a power of two >= 2 * rows. */
#define CAST_SLOTS 512
static uint16_t cast_slot[CAST_SLOTS];
static pthread_once_t cast_once = PTHREAD_ONCE_INIT;

static uint32_t cast_hash(Oid from, Oid to)
{
    uint32_t h = (uint32_t)from * 0x9e3779b1u ^ ((uint32_t)to + 0x7f4a7c15u) * 0x85ebca77u;
    return (h ^ (h >> 15)) & (CAST_SLOTS - 1);
}

static void cast_index_build(void)
{
    _Static_assert(sizeof cast_rows / sizeof cast_rows[0] * 2 <= CAST_SLOTS, "cast index too small");
    for (size_t r = 0; r < sizeof cast_rows / sizeof cast_rows[0]; r++) {
        uint32_t i = cast_hash(cast_rows[r].from, cast_rows[r].to);
        for (;; i = (i + 1) & (CAST_SLOTS - 1)) {
            if (!cast_slot[i]) {
                cast_slot[i] = (uint16_t)(r + 1);
                break;
            }
            const CastRow *o = &cast_rows[cast_slot[i] - 1];
            if (o->from == cast_rows[r].from && o->to == cast_rows[r].to)
                break;   /* a duplicate pair: the first row wins, as a scan would */
        }
    }
}

/* The first row for (from, to), or NULL. */
static const CastRow *cast_row_find(Oid from, Oid to)
{
    pthread_once(&cast_once, cast_index_build);
    for (uint32_t i = cast_hash(from, to); cast_slot[i]; i = (i + 1) & (CAST_SLOTS - 1)) {
        const CastRow *r = &cast_rows[cast_slot[i] - 1];
        if (r->from == from && r->to == to)
            return r;
    }
    return NULL;
}

int types_cast_index_check(void)
{
    int bad = 0;
    for (size_t r = 0; r < sizeof cast_rows / sizeof cast_rows[0]; r++) {
        const CastRow *first = NULL;
        for (size_t j = 0; j < sizeof cast_rows / sizeof cast_rows[0] && !first; j++)
            if (cast_rows[j].from == cast_rows[r].from && cast_rows[j].to == cast_rows[r].to)
                first = &cast_rows[j];
        if (cast_row_find(cast_rows[r].from, cast_rows[r].to) != first)
            bad++;
        /* the reverse pair is found exactly when the table has it */
        const CastRow *rev = NULL;
        for (size_t j = 0; j < sizeof cast_rows / sizeof cast_rows[0] && !rev; j++)
            if (cast_rows[j].from == cast_rows[r].to && cast_rows[j].to == cast_rows[r].from)
                rev = &cast_rows[j];
        if (cast_row_find(cast_rows[r].to, cast_rows[r].from) != rev)
            bad++;
    }
    return bad;
}

static bool cast_is_string(Oid t)
{
    return t == TEXTOID || t == VARCHAROID || t == BPCHAROID || t == NAMEOID;
}

TypesCastKind types_cast_lookup(Oid from, Oid to)
{
    if (from == to || from == UNKNOWNOID)
        return TYPES_CAST_IMPLICIT;
    const CastRow *row = cast_row_find(from, to);
    if (row)
        return row->kind == 'i' ? TYPES_CAST_IMPLICIT
             : row->kind == 'a' ? TYPES_CAST_ASSIGNMENT : TYPES_CAST_EXPLICIT;
    Oid fe = types_array_elem(from), te = types_array_elem(to);
    if (fe && te) {
        TypesCastKind k = types_cast_lookup(fe, te);
        /* element I/O casts make array casts explicit at least as PostgreSQL does */
        return k;
    }
    if (!type_info(from) || !type_info(to) || from == RECORDOID || to == RECORDOID)
        return TYPES_CAST_NONE;
    /* automatic I/O conversion: to a string type assignment, from one explicit */
    if (cast_is_string(to) && to != NAMEOID)
        return TYPES_CAST_ASSIGNMENT;
    if (cast_is_string(from) || cast_is_string(to))
        return TYPES_CAST_EXPLICIT;
    return TYPES_CAST_NONE;
}

bool types_can_coerce(Oid from, Oid to, TypesCoercion ctx)
{
    if (to == TYPES_ANYOID)
        return true;
    TypesCastKind k = types_cast_lookup(from, to);
    switch (k) {
    case TYPES_CAST_NONE: return false;
    case TYPES_CAST_IMPLICIT: return true;
    case TYPES_CAST_ASSIGNMENT: return ctx >= TYPES_COERCE_ASSIGNMENT;
    case TYPES_CAST_EXPLICIT: return ctx == TYPES_COERCE_EXPLICIT;
    }
    return false;
}

int types_common_type(int n, const Oid *types, const char *context, Oid *out, SqlError *err)
{
    Oid ptype = INVALIDOID;
    int i = 0;
    for (; i < n; i++)
        if (types[i] != UNKNOWNOID) {
            ptype = types[i];
            break;
        }
    if (!ptype) {
        *out = TEXTOID;
        return 0;
    }
    char pcat = types_category(ptype);
    bool ppref = types_is_preferred(ptype);
    for (i++; i < n; i++) {
        Oid nt = types[i];
        if (nt == UNKNOWNOID || nt == ptype)
            continue;
        char ncat = types_category(nt);
        if (ncat != pcat) {
            ShaleBuf a, b;
            shale_buf_init(&a);
            shale_buf_init(&b);
            types_format_type(ptype, -1, &a);
            types_format_type(nt, -1, &b);
            shale_buf_append_byte(&a, 0);
            shale_buf_append_byte(&b, 0);
            sql_error_set(err, ERRCODE_DATATYPE_MISMATCH, "%s types %s and %s cannot be matched", context,
                          a.oom ? "?" : a.data, b.oom ? "?" : b.data);
            shale_buf_free(&a);
            shale_buf_free(&b);
            return -1;
        }
        if (!ppref && types_can_coerce(ptype, nt, TYPES_COERCE_IMPLICIT) &&
            !types_can_coerce(nt, ptype, TYPES_COERCE_IMPLICIT)) {
            ptype = nt;
            ppref = types_is_preferred(nt);
        }
    }
    *out = ptype;
    return 0;
}
