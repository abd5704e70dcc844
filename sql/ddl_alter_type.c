/* ddl_alter_type.c -- ALTER TABLE ... ALTER [COLUMN] c [SET DATA] TYPE t [USING expr].
 *
 * Like PostgreSQL, the table is rewritten in the session's transaction: every row is read
 * with the old descriptor, the column converted (assignment cast of the old value, or the
 * USING expression evaluated over the old row and assignment-cast to the new type), and
 * written back with the new descriptor, so every index on the column is rebuilt from the
 * new values. CHECK constraints are re-verified afterwards. All or nothing: an error leaves
 * the transaction to roll everything back.
 *
 * The USING values are computed first by an internal `SELECT (expr) FROM rel` in the
 * transaction's view, which scans the table in the same key order as the rewrite scan
 * (both are full scans of the same snapshot plus own writes); the row counts are checked to
 * agree. Memory: every descriptor copy, converted value and scratch array lives in d->arena
 * (statement lifetime) or in ShaleBufs freed before returning. */
#include "sql/ddl_int.h"
#include "util/coding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void at_quoted_rel(DdlCtx *d, const CatRelation *rel, ShaleBuf *b)
{
    const CatNamespace *ns = catsnap_namespace_by_oid(d->snap, rel->nsp);
    if (ns) {
        sql_deparse_ident(ns->name, b);
        shale_buf_append_byte(b, '.');
    }
    sql_deparse_ident(rel->name, b);
}

/* Copies a value's payload into the arena so it outlives the query/row it came from. */
static int at_own_value(DdlCtx *d, Value *v, SqlError *err)
{
    const TypeInfo *ti = type_info(v->type);
    if (v->null || v->type == INTERVALOID || (ti && ti->byval))
        return 0;
    char *p = shale_arena_alloc(&d->arena, v->u.s.n ? v->u.s.n : 1);
    if (!p)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (v->u.s.n)
        memcpy(p, v->u.s.p, v->u.s.n);
    v->u.s.p = p;
    return 0;
}

/* Runs sql (one SELECT of one column) and collects every row's value into *vals (arena).
 * *type receives the column's type. */
static int at_collect(DdlCtx *d, const char *sql, Value **vals, int64_t *n, Oid *type, SqlError *err)
{
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(d->s, &env, &cat, err) != 0)
        return -1;
    ShaleArena a;
    shale_arena_init(&a);
    SqlRawStmt raw;
    PreparedQuery *q;
    QueryCursor *c = NULL;
    int rc = -1;
    int64_t cap = 0;
    *vals = NULL;
    *n = 0;
    if (sql_parse_one(sql, strlen(sql), &a, &raw, err) == 0 &&
        query_prepare(&env, raw.stmt, sql, 0, NULL, &a, &q, err) == 0 &&
        query_open(&env, q, NULL, &a, &c, err) == 0) {
        *type = query_columns(q)[0].type_oid;
        rc = 0;
        for (;;) {
            const Value *row;
            int r = query_next(c, &row, err);
            if (r <= 0) {
                rc = r;
                break;
            }
            if (*n == cap) {
                int64_t nc = cap ? cap * 2 : 64;
                Value *nv = shale_arena_alloc(&d->arena, sizeof(Value) * (size_t)nc);
                if (!nv) {
                    rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                    break;
                }
                if (*n)
                    memcpy(nv, *vals, sizeof(Value) * (size_t)*n);
                *vals = nv;
                cap = nc;
            }
            (*vals)[*n] = row[0];
            if (at_own_value(d, &(*vals)[*n], err) != 0) {
                rc = -1;
                break;
            }
            (*n)++;
        }
        query_close(c);
    }
    shale_arena_destroy(&a);
    catalog_snapshot_release(cat);
    return rc;
}

/* Rewrites every row of the table: old_rel is the descriptor the rows were written with,
 * new_rel the altered one. With have_using, using_vals (n_using of them) replace the
 * column's value in scan order; else the old value is assignment-cast. */
static int at_rewrite(DdlCtx *d, const CatRelation *old_rel, const CatRelation *new_rel, int att,
                      bool have_using, const Value *using_vals, int64_t n_using, SqlError *err)
{
    const CatColumn *nc = &new_rel->cols[att - 1];
    RelScanSpec spec;
    memset(&spec, 0, sizeof spec);
    RelScan *scan;
    /* Writers still on the old row format (and indexes) must not commit around the rewrite:
     * announce it like an index build (they fail with 40001) and scan a fresh snapshot. */
    if (rel_txn_index_build_begin(d->s->txn, old_rel, err) != 0)
        return -1;
    if (rel_scan_open(d->s->txn, old_rel, &spec, &scan, err) != 0)
        return -1;
    RelRow row;
    rel_row_init(&row);
    int rc = 0;
    /* Collect first: the scan must not see our own rewrites. */
    ShaleBuf keys, rows;
    shale_buf_init(&keys);
    shale_buf_init(&rows);
    int64_t n = 0;
    for (;;) {
        int r = rel_scan_next(scan, &row, err);
        if (r <= 0) {
            rc = r;
            break;
        }
        shale_buf_append_lenprefixed(&keys, row.key.data, row.key.len);
        shale_buf_append_lenprefixed(&rows, row.data.data, row.data.len);
        n++;
    }
    rel_scan_close(scan);
    rel_row_free(&row);
    if (rc == 0 && (keys.oom || rows.oom))
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory rewriting the table");
    if (rc == 0 && have_using && n != n_using)
        rc = SQL_ERR(err, INTERNAL_ERROR, "ALTER COLUMN TYPE: the USING scan saw %lld rows, the rewrite %lld",
                     (long long)n_using, (long long)n);
    int ncols = old_rel->ncols > new_rel->ncols ? old_rel->ncols : new_rel->ncols;
    Value *vals = rc == 0 ? calloc((size_t)(ncols ? ncols : 1), sizeof(Value)) : NULL;
    if (rc == 0 && !vals)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory rewriting the table");
    /* Pass 1 deletes every row (and its index entries, encoded with the old type), pass 2
     * inserts the converted rows: no new index entry can meet a stale old-typed one. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        const char *kp = keys.data, *kend = keys.data + keys.len;
        const char *rp = rows.data, *rend = rows.data + rows.len;
        for (int64_t i = 0; i < n && rc == 0; i++) {
            uint64_t kl, rl;
            kp = shale_decode_varint64(kp, kend, &kl);
            const char *key = kp;
            kp += kl;
            rp = shale_decode_varint64(rp, rend, &rl);
            const char *data = rp;
            rp += rl;
            ShaleError se;
            if (rowcodec_decode(&old_rel->row_schema, data, (size_t)rl, vals, NULL, &se) != SHALE_OK) {
                rc = sql_error_from_storage(err, &se);
                break;
            }
            if (pass == 0) {
                rc = rel_delete(d->s->txn, old_rel, key, (size_t)kl, vals, err);
                continue;
            }
            Value in = have_using ? using_vals[i] : vals[att - 1];
            if (!have_using && !in.null)
                in.type = old_rel->cols[att - 1].type;
            Value out;
            if (types_cast(&d->s->tc, &in, nc->type, nc->typmod, TYPES_COERCE_ASSIGNMENT, &d->arena, &out, err) != 0) {
                rc = -1;
                break;
            }
            vals[att - 1] = out;
            if (out.null && nc->not_null) {
                rc = sql_error_set(err, ERRCODE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values",
                                   nc->name, new_rel->name);
                break;
            }
            rc = rel_insert(d->s->txn, new_rel, vals, NULL, NULL, err);
        }
    }
    free(vals);
    shale_buf_free(&keys);
    shale_buf_free(&rows);
    return rc;
}

/* Re-verifies the relation's CHECK constraints over the rewritten rows. */
static int at_verify_checks(DdlCtx *d, const CatRelation *rel, SqlError *err)
{
    for (int i = 0; i < rel->ncons; i++) {
        const CatConstraint *c = &rel->cons[i];
        if (c->type != CAT_CON_CHECK || !c->check_expr)
            continue;
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "SELECT 1 FROM ", 14);
        at_quoted_rel(d, rel, &b);
        shale_buf_append(&b, " WHERE NOT (", 12);
        shale_buf_append(&b, c->check_expr, strlen(c->check_expr));
        shale_buf_append(&b, ") LIMIT 1", 10);
        shale_buf_append_byte(&b, 0);
        Value *v;
        int64_t n = 0;
        Oid t;
        int rc = b.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : at_collect(d, b.data, &v, &n, &t, err);
        shale_buf_free(&b);
        if (rc != 0)
            return -1;
        if (n > 0)
            return sql_error_set(err, ERRCODE_CHECK_VIOLATION, "check constraint \"%s\" of relation \"%s\" is violated by some row",
                                 c->name, rel->name);
    }
    return 0;
}

int ddl_alter_column_type(DdlCtx *d, const CatRelation *rel, const CatColumn *col, const AstAlterCmd *cmd, SqlError *err)
{
    Oid nt;
    int32_t nmod = -1;
    SerialKind serial;
    const AstTypeName *tn = (const AstTypeName *)cmd->def;
    if (ddl_resolve_type(d, tn, &nt, &nmod, &serial, err) != 0)
        return -1;
    if (serial != SERIAL_NONE) {
        sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", tn->names.names[tn->names.n - 1]);
        return ddl_set_pos(d, err, tn->hdr.location);
    }
    if (rel->kind != CAT_REL_TABLE)
        return sql_error_set(err, ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", rel->name);
    if (col->identity && nt != INT2OID && nt != INT4OID && nt != INT8OID)
        return sql_error_set(err, ERRCODE_DATATYPE_MISMATCH,
                             "identity column type must be smallint, integer, or bigint");
    int att = col->attnum;
    Value *using_vals = NULL;
    int64_t n_using = 0;
    char tname[128];
    {
        ShaleBuf t;
        shale_buf_init(&t);
        types_format_type(nt, -1, &t);
        snprintf(tname, sizeof tname, "%.*s", t.oom ? 0 : (int)t.len, t.oom ? "" : t.data);
        shale_buf_free(&t);
    }
    if (cmd->using_expr) {
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "SELECT (", 8);
        sql_deparse(cmd->using_expr, &b);
        shale_buf_append(&b, ") FROM ", 7);
        at_quoted_rel(d, rel, &b);
        shale_buf_append_byte(&b, 0);
        Oid ut = INVALIDOID;
        int rc = b.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : at_collect(d, b.data, &using_vals, &n_using, &ut, err);
        shale_buf_free(&b);
        if (rc != 0)
            return -1;
        if (ut != UNKNOWNOID && ut != nt && !types_can_coerce(ut, nt, TYPES_COERCE_ASSIGNMENT)) {
            sql_error_set(err, ERRCODE_DATATYPE_MISMATCH, "result of USING clause for column \"%s\" cannot be cast automatically to type %s",
                          col->name, tname);
            snprintf(err->hint, sizeof err->hint, "You might need to add an explicit cast.");
            return -1;
        }
        for (int64_t i = 0; i < n_using; i++)
            if (!using_vals[i].null)
                using_vals[i].type = ut == UNKNOWNOID ? TEXTOID : ut;
    } else if (col->type != nt && !types_can_coerce(col->type, nt, TYPES_COERCE_ASSIGNMENT)) {
        sql_error_set(err, ERRCODE_DATATYPE_MISMATCH, "column \"%s\" cannot be cast automatically to type %s", col->name, tname);
        ShaleBuf h;
        shale_buf_init(&h);
        sql_deparse_ident(col->name, &h);
        snprintf(err->hint, sizeof err->hint, "You might need to specify \"USING %.*s::%s\".", h.oom ? 0 : (int)h.len,
                 h.oom ? "" : h.data, tname);
        shale_buf_free(&h);
        return -1;
    }
    /* The descriptor the existing rows were written with (outlives the snapshot refresh). */
    CatRelation *old_rel = catrel_copy(&d->arena, rel);
    CatRelation *copy = catrel_copy(&d->arena, rel);
    if (!old_rel || !copy)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    CatColumn *nc = &copy->cols[att - 1];
    nc->type = nt;
    nc->typmod = nmod;
    if (!nc->missing.null) {
        Value m = nc->missing;
        m.type = col->type;
        if (types_cast(&d->s->tc, &m, nt, nmod, TYPES_COERCE_ASSIGNMENT, &d->arena, &nc->missing, err) != 0)
            return -1;
    } else {
        nc->missing = value_null(nt);
    }
    if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, rel, copy, err) != 0 || ddl_refresh_snap(d, err) != 0)
        return -1;
    const CatRelation *new_rel = catsnap_relation_by_oid(d->snap, old_rel->oid);
    if (!new_rel)
        return SQL_ERR(err, INTERNAL_ERROR, "relation %u vanished", old_rel->oid);
    if (at_rewrite(d, old_rel, new_rel, att, cmd->using_expr != NULL, using_vals, n_using, err) != 0)
        return -1;
    return at_verify_checks(d, new_rel, err);
}
