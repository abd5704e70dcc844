/* pgcat_srf.c -- catalog set-returning functions psql and other clients call:
 * pg_partition_ancestors(regclass) (psql's \d "Referenced by" / foreign-key queries),
 * pg_partition_tree(regclass), and information_schema._pg_expandarray(anyarray) -> (x, n)
 * (pgjdbc's getPrimaryKeys / getIndexInfo: one row per element, n counting from 1), plus
 * the anonymous record values such a function yields in a target list.
 *
 * Record values (type record, u.s bytes, built by pgcat_record_pack), for each column:
 *   type:u32 LE | null:u8 | bytes types: len:u32 LE + the Value bytes;
 *                            others: the Value union verbatim (16 bytes, host order: records
 *                            never leave the process nor reach storage).
 * A record expression's typmod names its shape (pgcat_record_typmod): the SRF (index into
 * srfs[], low 8 bits) and the element type its anyelement column has (the rest), as
 * PostgreSQL's typmod of a blessed anonymous record names its tuple descriptor.
 * ShaleDB has no partitioned tables, so no relation is a
 * partition or a partitioned table and PostgreSQL returns no rows for either function on
 * such a relation (nor for an OID that names no relation): both produce an empty set,
 * which is the database as it is, not a canned answer.
 *
 * They are SqlFunc entries (kind SQL_FUNC_SRF) so the executor runs them like the types
 * module's SRFs; the entries are static and live for the process. */
#include <stddef.h>

#include "sql/pgcat/pgcat.h"

#include <string.h>

#include "sql/types/types.h"

static int srf_empty_open(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)state; (void)nargs; (void)args; (void)err;
    return 0;
}

static int srf_empty_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    (void)ctx; (void)state; (void)out; (void)err;
    return 0;
}

static const SqlSrfImpl srf_no_partitions = {
    .state_size = 8, .n_out_cols = 1, .out_names = NULL, .out_types = NULL,
    .open = srf_empty_open, .next = srf_empty_next,
};

/* pg_partition_tree's columns: relid, parentrelid, isleaf, level. */
static const char *const tree_names[] = { "relid", "parentrelid", "isleaf", "level" };
static const Oid tree_types[] = { REGCLASSOID, REGCLASSOID, BOOLOID, INT4OID };
static const SqlSrfImpl srf_no_tree = {
    .state_size = 8, .n_out_cols = 4, .out_names = tree_names, .out_types = tree_types,
    .open = srf_empty_open, .next = srf_empty_next,
};

/* _pg_expandarray: state = the array reader; x = the element, n = 1, 2, ... */
typedef struct ExpandState {
    TypesArrayReader r;
    int32_t n;
} ExpandState;

static int srf_expand_open(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs;
    ExpandState *st = state;
    Value a = args[0];
    if (a.type == INT2VECTOROID || a.type == OIDVECTOROID) /* same bytes as their arrays */
        a.type = a.type == INT2VECTOROID ? INT2_ARRAYOID : OID_ARRAYOID;
    return types_array_open(&a, &st->r, err);
}

static int srf_expand_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    (void)ctx;
    ExpandState *st = state;
    int rc = types_array_next(&st->r, &out[0], err);
    if (rc <= 0)
        return rc;
    out[1] = value_int(INT4OID, ++st->n);
    return 1;
}

static const char *const expand_names[] = { "x", "n" };
static const Oid expand_types[] = { ANYELEMENTOID_PGCAT, INT4OID };
static const SqlSrfImpl srf_expand = {
    .state_size = sizeof(ExpandState), .n_out_cols = 2, .out_names = expand_names,
    .out_types = expand_types, .open = srf_expand_open, .next = srf_expand_next,
};

static const SqlFunc srfs[] = {
    { .name = "pg_partition_ancestors", .kind = SQL_FUNC_SRF, .nargs = 1, .strict = true,
      .volatility = SQL_VOLATILE, .args = { REGCLASSOID }, .ret = REGCLASSOID, .oid = 3425,
      .srf = &srf_no_partitions },
    { .name = "pg_partition_tree", .kind = SQL_FUNC_SRF, .nargs = 1, .strict = true,
      .volatility = SQL_VOLATILE, .args = { REGCLASSOID }, .ret = RECORDOID, .oid = 3423,
      .srf = &srf_no_tree },
    { .name = "_pg_expandarray", .kind = SQL_FUNC_SRF, .nargs = 1, .strict = true,
      .volatility = SQL_IMMUTABLE, .args = { TYPES_ANYARRAYOID }, .ret = RECORDOID, .oid = 13005,
      .srf = &srf_expand },
};

const SqlFunc *pgcat_srf_lookup(const char *name, int nargs)
{
    for (size_t i = 0; i < sizeof(srfs) / sizeof(srfs[0]); i++)
        if (srfs[i].nargs == nargs && strcmp(srfs[i].name, name) == 0)
            return &srfs[i];
    return NULL;
}

/* ---- record values ---------------------------------------------------------------------- */

static bool rec_has_bytes(Oid type)
{
    switch (type) {
    case BOOLOID: case INT2OID: case INT4OID: case INT8OID: case OIDOID: case REGCLASSOID:
    case REGTYPEOID: case REGPROCOID: case FLOAT4OID: case FLOAT8OID: case DATEOID: case TIMEOID:
    case TIMESTAMPOID: case TIMESTAMPTZOID: case INTERVALOID:
        return false;
    default: {
        const TypeInfo *ti = type_info(type);
        return !(ti && ti->byval);
    }
    }
}

static void rec_put32(ShaleBuf *b, uint32_t v)
{
    char t[4] = { (char)(v & 0xff), (char)((v >> 8) & 0xff), (char)((v >> 16) & 0xff), (char)(v >> 24) };
    shale_buf_append(b, t, 4);
}

static uint32_t rec_get32(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

int pgcat_record_pack(const Value *cols, int n, ShaleArena *arena, Value *out, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    for (int i = 0; i < n; i++) {
        rec_put32(&b, cols[i].type);
        shale_buf_append_byte(&b, cols[i].null ? 1 : 0);
        if (cols[i].null)
            continue;
        if (rec_has_bytes(cols[i].type)) {
            rec_put32(&b, cols[i].u.s.n);
            shale_buf_append(&b, cols[i].u.s.p, cols[i].u.s.n);
        } else {
            char u[16];
            memset(u, 0, sizeof u);
            memcpy(u, &cols[i].u, sizeof cols[i].u < sizeof u ? sizeof cols[i].u : sizeof u);
            shale_buf_append(&b, u, sizeof u);
        }
    }
    size_t len = b.len;
    char *p = b.oom ? NULL : shale_arena_alloc(arena, len ? len : 1);
    if (p && len)
        memcpy(p, b.data, len);
    shale_buf_free(&b);
    if (!p)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    *out = value_bytes(RECORDOID, p, (uint32_t)len);
    return 0;
}

int pgcat_record_field(const Value *rec, int k, Value *out, SqlError *err)
{
    const char *p = rec->u.s.p, *end = p + rec->u.s.n;
    for (int i = 0; p < end; i++) {
        if (end - p < 5)
            break;
        Oid type = rec_get32(p);
        bool null = p[4] != 0;
        p += 5;
        Value v = value_null(type);
        if (!null) {
            if (rec_has_bytes(type)) {
                if (end - p < 4 || (size_t)(end - p - 4) < rec_get32(p))
                    break;
                v = value_bytes(type, p + 4, rec_get32(p));
                p += 4 + v.u.s.n;
            } else {
                if (end - p < 16)
                    break;
                memcpy(&v.u, p, sizeof v.u < 16 ? sizeof v.u : 16);
                v.null = false;
                p += 16;
            }
        }
        if (i == k) {
            *out = v;
            return 0;
        }
    }
    return SQL_ERR(err, DATA_CORRUPTED, "record value has no field %d", k + 1);
}

int32_t pgcat_record_typmod(const SqlFunc *srf, Oid elem)
{
    for (size_t i = 0; i < sizeof(srfs) / sizeof(srfs[0]); i++)
        if (&srfs[i] == srf)
            return (int32_t)((elem << 8) | (uint32_t)i);
    return -1;
}

const SqlFunc *pgcat_record_srf(int32_t typmod, Oid *elem)
{
    if (typmod < 0 || (size_t)(typmod & 0xff) >= sizeof(srfs) / sizeof(srfs[0]))
        return NULL;
    *elem = (Oid)typmod >> 8;
    return &srfs[typmod & 0xff];
}

int pgcat_record_column(const SqlFunc *srf, Oid elem, const char *field, Oid *type)
{
    const SqlSrfImpl *impl = srf->srf;
    if (!impl || impl->n_out_cols < 2 || !impl->out_names)
        return -1;
    for (int k = 0; k < impl->n_out_cols; k++)
        if (strcmp(impl->out_names[k], field) == 0) {
            Oid t = impl->out_types ? impl->out_types[k] : srf->ret;
            *type = t == ANYELEMENTOID_PGCAT ? elem : t;
            return k;
        }
    return -1;
}

/* The scalar function (record, int4 k) -> field k of the record, for (expr).field on a
 * record expression; its result type is the binder's (the field's type). */
static int fn_record_field(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs;
    if (pgcat_record_field(&args[0], (int)args[1].u.i, out, err) != 0)
        return -1;
    if (out->null)
        out->type = ctx->ret_type;
    return 0;
}

static const SqlFunc record_field_fn = {
    .name = "record_field", .kind = SQL_FUNC_SCALAR, .nargs = 2, .strict = true,
    .volatility = SQL_IMMUTABLE, .args = { RECORDOID, INT4OID }, .ret = RECORDOID, .fn = fn_record_field,
};

const SqlFunc *pgcat_record_field_func(void)
{
    return &record_field_fn;
}
