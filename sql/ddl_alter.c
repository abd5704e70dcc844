/* ddl_alter.c -- ALTER TABLE (one subcommand at a time, each a transactional catalog edit)
 * and CREATE [OR REPLACE] VIEW. Checks that need the table's rows (SET NOT NULL, ADD CHECK,
 * ADD FOREIGN KEY) run as internal queries in the session's transaction; new unique
 * indexes are back-filled like CREATE INDEX. */
#include "sql/ddl_int.h"
#include "sql/embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs the internal SELECT sql in the session's transaction. *found: it returned a row.
 * With out, the first column of the first row is copied (payload in d->arena). */
static int ddl_query(DdlCtx *d, const char *sql, bool *found, Value *out, SqlError *err)
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
    if (sql_parse_one(sql, strlen(sql), &a, &raw, err) == 0 &&
        query_prepare(&env, raw.stmt, sql, 0, NULL, &a, &q, err) == 0 &&
        query_open(&env, q, NULL, &a, &c, err) == 0) {
        const Value *row;
        int r = query_next(c, &row, err);
        if (r >= 0) {
            rc = 0;
            *found = r == 1;
            if (r == 1 && out) {
                *out = row[0];
                const TypeInfo *ti = type_info(row[0].type);
                bool byref = !row[0].null && row[0].type != INTERVALOID && !(ti && ti->byval);
                if (byref) {
                    char *p = shale_arena_alloc(&d->arena, row[0].u.s.n ? row[0].u.s.n : 1);
                    if (!p)
                        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                    else if (row[0].u.s.n)
                        memcpy(p, row[0].u.s.p, row[0].u.s.n);
                    out->u.s.p = p;
                }
            }
        }
        query_close(c);
    }
    shale_arena_destroy(&a);
    catalog_snapshot_release(cat);
    return rc;
}

static void quoted_rel(DdlCtx *d, const CatRelation *rel, ShaleBuf *b)
{
    const CatNamespace *ns = catsnap_namespace_by_oid(d->snap, rel->nsp);
    if (ns) {
        sql_deparse_ident(ns->name, b);
        shale_buf_append_byte(b, '.');
    }
    sql_deparse_ident(rel->name, b);
}

static int apply_alter(DdlCtx *d, const CatRelation *old, CatRelation *copy, SqlError *err)
{
    if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, old, copy, err) != 0)
        return -1;
    return ddl_refresh_snap(d, err);
}

/* A new relation descriptor (in d->arena) whose columns are the result columns of q,
 * renamed by names (may be shorter than the columns); for CREATE VIEW and CREATE TABLE AS.
 * NULL with err set on duplicate names or OOM. */
static CatRelation *relation_from_query(DdlCtx *d, const PreparedQuery *q, const AstNameList *names,
                                        const char *too_many_msg, SqlError *err)
{
    int n = query_n_columns(q);
    const SqlColumnDesc *qc = query_columns(q);
    if (names->n > n) {
        sql_error_set(err, ERRCODE_SYNTAX_ERROR, "%s", too_many_msg);
        return NULL;
    }
    CatRelation *rel = shale_arena_alloc(&d->arena, sizeof *rel);
    CatColumn *cols = shale_arena_alloc(&d->arena, sizeof(CatColumn) * (size_t)(n ? n : 1));
    if (!rel || !cols) {
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    memset(rel, 0, sizeof *rel);
    memset(cols, 0, sizeof(CatColumn) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        const char *name = i < names->n ? names->names[i] : qc[i].name;
        for (int j = 0; j < i; j++)
            if (!strcmp(cols[j].name, name)) {
                sql_error_set(err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", name);
                return NULL;
            }
        cols[i].name = ddl_strdup(d, name);
        cols[i].attnum = (int16_t)(i + 1);
        cols[i].type = qc[i].type_oid == UNKNOWNOID ? TEXTOID : qc[i].type_oid;
        cols[i].typmod = qc[i].typmod;
        cols[i].missing = value_null(cols[i].type);
    }
    rel->owner = d->s->user_oid;
    rel->ncols = n;
    rel->cols = cols;
    return rel;
}

/* ---- CREATE VIEW ------------------------------------------------------------------------ */

SqlStatus ddl_create_view(DdlCtx *d, const AstViewStmt *vs, const SqlSink *sink, SqlError *err)
{
    (void)sink;
    Oid nsp;
    if (ddl_creation_namespace(d, vs->view, &nsp, err) != 0)
        return SQL_ERROR;
    const CatRelation *existing = catsnap_relation_by_name(d->snap, nsp, vs->view->relname);
    if (existing && (!vs->replace || existing->kind != CAT_REL_VIEW)) {
        if (existing->kind != CAT_REL_VIEW && vs->replace)
            sql_error_set(err, ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is not a view", vs->view->relname);
        else
            sql_error_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", vs->view->relname);
        return SQL_ERROR;
    }
    if (!existing && ddl_name_taken(d, nsp, vs->view->relname)) {
        sql_error_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", vs->view->relname);
        return SQL_ERROR;
    }
    if (vs->recursive) {
        sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "CREATE RECURSIVE VIEW is not supported yet");
        return SQL_ERROR;
    }
    const char *qtext = ddl_span_text(d, vs->query_span);
    if (!qtext)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    /* Bind the query once to learn its columns (and to reject bad views now). */
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(d->s, &env, &cat, err) != 0)
        return SQL_ERROR;
    PreparedQuery *q;
    int rc = query_prepare(&env, &vs->query->hdr, d->text, 0, NULL, &d->arena, &q, err);
    catalog_snapshot_release(cat);
    if (rc != 0)
        return SQL_ERROR;
    CatRelation *rel = relation_from_query(d, q, &vs->aliases, "CREATE VIEW specifies more column names than columns", err);
    if (!rel)
        return SQL_ERROR;
    int n = rel->ncols;
    const CatColumn *cols = rel->cols;
    rel->nsp = nsp;
    rel->name = ddl_strdup(d, vs->view->relname);
    rel->kind = CAT_REL_VIEW;
    rel->view_query = (char *)qtext;
    if (ddl_view_check_option(d, vs, rel, err) != 0)  /* sql/ddl_index.c */
        return SQL_ERROR;
    if (existing) {
        /* CREATE OR REPLACE: the old columns must stay, same names and types, in order. */
        if (n < existing->ncols) {
            sql_error_set(err, ERRCODE_INVALID_TABLE_DEFINITION, "cannot drop columns from view");
            return SQL_ERROR;
        }
        for (int i = 0; i < existing->ncols; i++) {
            if (strcmp(existing->cols[i].name, cols[i].name) != 0) {
                sql_error_set(err, ERRCODE_INVALID_TABLE_DEFINITION, "cannot change name of view column \"%s\" to \"%s\"",
                              existing->cols[i].name, cols[i].name);
                sql_error_hint(err, "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.");
                return SQL_ERROR;
            }
            if (existing->cols[i].type != cols[i].type) {
                sql_error_set(err, ERRCODE_INVALID_TABLE_DEFINITION, "cannot change data type of view column \"%s\"",
                              cols[i].name);
                return SQL_ERROR;
            }
        }
        rel->oid = existing->oid;
        rel->relfilenode = existing->relfilenode;
        rel->comment = existing->comment;
        if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, existing, rel, err) != 0)
            return SQL_ERROR;
    } else if (catalog_create_relation(d->cat, d->ctxn, d->s->db_oid, rel, err) != 0) {
        return SQL_ERROR;
    }
    sink->command_complete(sink->arg, "CREATE VIEW");
    return SQL_DONE;
}

/* ---- ALTER TABLE ------------------------------------------------------------------------ */

static bool col_in(const int16_t *att, int n, int16_t a)
{
    for (int i = 0; i < n; i++)
        if (att[i] == a)
            return true;
    return false;
}

/* Appends the indexes and constraints collected in cb to copy (in the arena). */
static int append_built(DdlCtx *d, CatRelation *copy, const ConsBuild *cb, SqlError *err)
{
    if (cb->n_idx) {
        CatIndex *ix = shale_arena_alloc(&d->arena, sizeof(CatIndex) * (size_t)(copy->nindexes + cb->n_idx));
        if (!ix)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        int o = 0;
        for (int i = 0; i < cb->n_idx; i++)
            if (cb->idx[i].primary)
                ix[o++] = cb->idx[i];
        if (copy->nindexes)
            memcpy(ix + o, copy->indexes, sizeof(CatIndex) * (size_t)copy->nindexes);
        o += copy->nindexes;
        for (int i = 0; i < cb->n_idx; i++)
            if (!cb->idx[i].primary)
                ix[o++] = cb->idx[i];
        copy->indexes = ix;
        copy->nindexes = o;
    }
    if (cb->n_con) {
        CatConstraint *c = shale_arena_alloc(&d->arena, sizeof(CatConstraint) * (size_t)(copy->ncons + cb->n_con));
        if (!c)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        if (copy->ncons)
            memcpy(c, copy->cons, sizeof(CatConstraint) * (size_t)copy->ncons);
        memcpy(c + copy->ncons, cb->con, sizeof(CatConstraint) * (size_t)cb->n_con);
        copy->cons = c;
        copy->ncons += cb->n_con;
    }
    return 0;
}

/* Verifies existing rows against new constraints built in cb (CHECK, FOREIGN KEY). */
static int verify_constraints(DdlCtx *d, const CatRelation *rel, const ConsBuild *cb, SqlError *err)
{
    for (int i = 0; i < cb->n_con; i++) {
        const CatConstraint *c = &cb->con[i];
        ShaleBuf b;
        shale_buf_init(&b);
        if (c->type == CAT_CON_CHECK) {
            shale_buf_append(&b, "SELECT 1 FROM ", 14);
            quoted_rel(d, rel, &b);
            shale_buf_append(&b, " WHERE NOT (", 12);
            shale_buf_append(&b, c->check_expr, strlen(c->check_expr));
            shale_buf_append(&b, ") LIMIT 1", 10);
        } else if (c->type == CAT_CON_FOREIGN) {
            const CatRelation *ref = c->ref_rel ? catsnap_relation_by_oid(d->snap, c->ref_rel) : rel;
            if (!ref) {
                shale_buf_free(&b);
                continue;
            }
            shale_buf_append(&b, "SELECT 1 FROM ", 14);
            quoted_rel(d, rel, &b);
            shale_buf_append(&b, " fk_src WHERE ", 14);
            for (int k = 0; k < c->ncols; k++) {
                shale_buf_append(&b, "fk_src.", 7);
                sql_deparse_ident(rel->cols[c->attnums[k] - 1].name, &b);
                shale_buf_append(&b, " IS NOT NULL AND ", 17);
            }
            shale_buf_append(&b, "NOT EXISTS (SELECT 1 FROM ", 26);
            quoted_rel(d, ref, &b);
            shale_buf_append(&b, " fk_dst WHERE ", 14);
            for (int k = 0; k < c->ncols; k++) {
                if (k)
                    shale_buf_append(&b, " AND ", 5);
                shale_buf_append(&b, "fk_dst.", 7);
                sql_deparse_ident(ref->cols[c->ref_attnums[k] - 1].name, &b);
                shale_buf_append(&b, " = fk_src.", 10);
                sql_deparse_ident(rel->cols[c->attnums[k] - 1].name, &b);
            }
            shale_buf_append(&b, ") LIMIT 1", 10);
        } else {
            continue;
        }
        shale_buf_append_byte(&b, 0);
        if (b.oom) {
            shale_buf_free(&b);
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        }
        bool found = false;
        int rc = ddl_query(d, b.data, &found, NULL, err);
        shale_buf_free(&b);
        if (rc != 0)
            return -1;
        if (found) {
            if (c->type == CAT_CON_CHECK)
                return sql_error_set(err, ERRCODE_CHECK_VIOLATION, "check constraint \"%s\" of relation \"%s\" is violated by some row",
                                     c->name, rel->name);
            return sql_error_set(err, ERRCODE_FOREIGN_KEY_VIOLATION,
                                 "insert or update on table \"%s\" violates foreign key constraint \"%s\"", rel->name, c->name);
        }
    }
    return 0;
}

/* Builds the new unique indexes of cb into the table (after the catalog edit). */
static int backfill_new_indexes(DdlCtx *d, Oid reloid, int n_new, SqlError *err)
{
    if (n_new == 0)
        return 0;
    const CatRelation *new_rel = catsnap_relation_by_oid(d->snap, reloid);
    if (!new_rel)
        return SQL_ERR(err, INTERNAL_ERROR, "relation %u vanished", reloid);
    CatRelation *old_rel = catrel_copy(&d->arena, new_rel);
    if (!old_rel)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    /* The new secondary indexes were appended last; a new primary key came first. */
    int keep = 0;
    CatIndex *ix = shale_arena_alloc(&d->arena, sizeof(CatIndex) * (size_t)(old_rel->nindexes ? old_rel->nindexes : 1));
    if (!ix)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < old_rel->nindexes; i++) {
        bool is_new = false;
        for (int k = 0; k < n_new; k++)
            is_new |= i == old_rel->nindexes - 1 - k;
        if (!is_new)
            ix[keep++] = old_rel->indexes[i];
    }
    old_rel->indexes = ix;
    old_rel->nindexes = keep;
    return ddl_backfill_index(d, old_rel, new_rel, err);
}

static int alter_add_column(DdlCtx *d, const CatRelation *rel, const AstColumnDef *cd, bool if_not_exists,
                            const SqlSink *sink, SqlError *err)
{
    if (catrel_column_by_name(rel, cd->colname)) {
        if (if_not_exists) {
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already exists, skipping",
                              cd->colname, rel->name);
                n.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &n);
            }
            return 0;
        }
        return sql_error_set(err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already exists",
                             cd->colname, rel->name);
    }
    CatRelation *copy = catrel_copy(&d->arena, rel);
    CatColumn *cols = copy ? shale_arena_alloc(&d->arena, sizeof(CatColumn) * (size_t)(copy->ncols + 1)) : NULL;
    if (!cols)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memcpy(cols, copy->cols, sizeof(CatColumn) * (size_t)copy->ncols);
    CatColumn *col = &cols[copy->ncols];
    memset(col, 0, sizeof *col);
    SerialKind serial;
    col->name = ddl_strdup(d, cd->colname);
    col->attnum = (int16_t)(copy->ncols + 1);
    col->typmod = -1;
    if (ddl_resolve_type(d, cd->type, &col->type, &col->typmod, &serial, err) != 0)
        return -1;
    if (serial != SERIAL_NONE)
        return sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "ALTER TABLE ADD COLUMN of a serial column is not supported yet");
    col->added_version = rel->schema_version + 1;
    col->missing = value_null(col->type);
    if (cd->embedding && embed_ddl_column(d->s, d->snap, col, cd->embedding->embedder,
                                          ddl_span_text(d, cd->embedding->expr_span), err) != 0)
        return -1;
    copy->cols = cols;
    copy->ncols++;
    ConsBuild *cb = shale_arena_alloc(&d->arena, sizeof *cb);
    if (!cb)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memset(cb, 0, sizeof *cb);
    for (int k = 0; k < cd->constraints.n; k++) {
        const AstConstraint *c = (const AstConstraint *)cd->constraints.items[k];
        int rc = 0;
        switch (c->type) {
        case AST_CONSTR_NOTNULL: col->not_null = true; break;
        case AST_CONSTR_NULL: col->not_null = false; break;
        case AST_CONSTR_DEFAULT: col->default_expr = (char *)ddl_span_text(d, c->expr_span); break;
        case AST_CONSTR_PRIMARY:
        case AST_CONSTR_UNIQUE: rc = ddl_add_key_constraint(d, copy, cb, c, NULL, col->name, err); break;
        case AST_CONSTR_FOREIGN: rc = ddl_add_fk_constraint(d, copy, cb, c, col->name, err); break;
        case AST_CONSTR_CHECK: rc = ddl_add_check_constraint(d, copy, cb, c, col->name, err); break;
        default:
            rc = sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this column constraint is not supported in ALTER TABLE ADD COLUMN yet");
            break;
        }
        if (rc != 0)
            return -1;
    }
    if (col->default_expr) {
        /* Existing rows get the default's value once (PostgreSQL's "missing value"); a
         * volatile default would need a table rewrite. */
        const char *vol[] = { "nextval(", "random(", "gen_random_uuid(", "clock_timestamp(", "now(", "statement_timestamp(" };
        for (size_t i = 0; i < sizeof vol / sizeof vol[0]; i++)
            if (strstr(col->default_expr, vol[i]))
                return sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                                     "ALTER TABLE ADD COLUMN with a volatile default is not supported yet");
        ShaleBuf t, b;
        shale_buf_init(&t);
        shale_buf_init(&b);
        types_format_type(col->type, col->typmod, &t);
        shale_buf_append(&b, "SELECT CAST((", 13);
        shale_buf_append(&b, col->default_expr, strlen(col->default_expr));
        shale_buf_append(&b, ") AS ", 5);
        shale_buf_append(&b, t.data, t.len);
        shale_buf_append(&b, ")", 2);
        bool found;
        int rc = b.oom || t.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : ddl_query(d, b.data, &found, &col->missing, err);
        shale_buf_free(&t);
        shale_buf_free(&b);
        if (rc != 0)
            return -1;
        col->missing.type = col->type;
    }
    if (col->not_null && col->missing.null) {
        bool found;
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "SELECT 1 FROM ", 14);
        quoted_rel(d, rel, &b);
        shale_buf_append(&b, " LIMIT 1", 9);
        int rc = b.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : ddl_query(d, b.data, &found, NULL, err);
        shale_buf_free(&b);
        if (rc != 0)
            return -1;
        if (found)
            return sql_error_set(err, ERRCODE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values",
                                 col->name, rel->name);
    }
    if (append_built(d, copy, cb, err) != 0)
        return -1;
    if (apply_alter(d, rel, copy, err) != 0)
        return -1;
    const CatRelation *now = catsnap_relation_by_oid(d->snap, rel->oid);
    if (verify_constraints(d, now, cb, err) != 0)
        return -1;
    if (backfill_new_indexes(d, rel->oid, cb->n_idx, err) != 0)
        return -1;
    /* EMBEDDING OF: a job for every existing row, in this transaction */
    return cd->embedding ? embed_ddl_after_column(d->s, rel->oid, (int16_t)copy->ncols, err) : 0;
}

/* ADD PRIMARY KEY: rows are keyed by the hidden row id until now, so every row is
 * rewritten under its primary-key key (in the session's transaction: all or nothing). */
static int alter_add_primary_key(DdlCtx *d, const CatRelation *rel, CatRelation *copy, ConsBuild *cb,
                                 const AstConstraint *c, SqlError *err)
{
    if (ddl_add_key_constraint(d, copy, cb, c, &c->keys, NULL, err) != 0)
        return -1;
    const CatIndex *pk = &cb->idx[cb->n_idx - 1];
    /* PRIMARY KEY implies NOT NULL: existing rows must have no NULL key column. */
    for (int i = 0; i < pk->ncols; i++) {
        const CatColumn *col = &rel->cols[pk->attnums[i] - 1];
        if (col->not_null)
            continue;
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "SELECT 1 FROM ", 14);
        quoted_rel(d, rel, &b);
        shale_buf_append(&b, " WHERE ", 7);
        sql_deparse_ident(col->name, &b);
        shale_buf_append(&b, " IS NULL LIMIT 1", 17);
        bool found = false;
        int rc = b.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : ddl_query(d, b.data, &found, NULL, err);
        shale_buf_free(&b);
        if (rc != 0)
            return -1;
        if (found)
            return sql_error_set(err, ERRCODE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values",
                                 col->name, rel->name);
    }
    /* The descriptor the existing rows were written with (outlives the snapshot refresh). */
    CatRelation *old_rel = catrel_copy(&d->arena, rel);
    if (!old_rel || append_built(d, copy, cb, err) != 0)
        return old_rel ? -1 : SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (apply_alter(d, rel, copy, err) != 0)
        return -1;
    const CatRelation *new_rel = catsnap_relation_by_oid(d->snap, old_rel->oid);
    if (!new_rel)
        return SQL_ERR(err, INTERNAL_ERROR, "relation %u vanished", old_rel->oid);
    return ddl_backfill_index(d, old_rel, new_rel, err);
}

static int alter_add_constraint(DdlCtx *d, const CatRelation *rel, const AstConstraint *c, SqlError *err)
{
    CatRelation *copy = catrel_copy(&d->arena, rel);
    ConsBuild *cb = shale_arena_alloc(&d->arena, sizeof *cb);
    if (!copy || !cb)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memset(cb, 0, sizeof *cb);
    for (int i = 0; i < copy->ncons; i++)
        if (c->name && !strcmp(copy->cons[i].name, c->name))
            return sql_error_set(err, ERRCODE_DUPLICATE_OBJECT, "constraint \"%s\" for relation \"%s\" already exists",
                                 c->name, rel->name);
    int rc;
    switch (c->type) {
    case AST_CONSTR_PRIMARY:
        if (catrel_primary_index(rel))
            return sql_error_set(err, ERRCODE_INVALID_TABLE_DEFINITION, "multiple primary keys for table \"%s\" are not allowed", rel->name);
        return alter_add_primary_key(d, rel, copy, cb, c, err);
    case AST_CONSTR_UNIQUE: rc = ddl_add_key_constraint(d, copy, cb, c, &c->keys, NULL, err); break;
    case AST_CONSTR_FOREIGN: rc = ddl_add_fk_constraint(d, copy, cb, c, NULL, err); break;
    case AST_CONSTR_CHECK: rc = ddl_add_check_constraint(d, copy, cb, c, NULL, err); break;
    default: rc = sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this constraint kind is not supported in ALTER TABLE yet"); break;
    }
    if (rc != 0)
        return -1;
    if (!c->not_valid && verify_constraints(d, rel, cb, err) != 0)
        return -1;
    if (append_built(d, copy, cb, err) != 0 || apply_alter(d, rel, copy, err) != 0)
        return -1;
    return backfill_new_indexes(d, rel->oid, cb->n_idx, err);
}

static int alter_drop_constraint(DdlCtx *d, const CatRelation *rel, const AstAlterCmd *cmd, const SqlSink *sink, SqlError *err)
{
    CatRelation *copy = catrel_copy(&d->arena, rel);
    if (!copy)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int found = -1;
    for (int i = 0; i < copy->ncons; i++)
        if (!strcmp(copy->cons[i].name, cmd->name))
            found = i;
    if (found < 0) {
        if (cmd->missing_ok) {
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_UNDEFINED_OBJECT, "constraint \"%s\" of relation \"%s\" does not exist, skipping",
                              cmd->name, rel->name);
                n.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &n);
            }
            return 0;
        }
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "constraint \"%s\" of relation \"%s\" does not exist",
                             cmd->name, rel->name);
    }
    CatConstraint con = copy->cons[found];
    if (con.type == CAT_CON_PRIMARY)
        return sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "dropping a primary key is not supported yet");
    memmove(&copy->cons[found], &copy->cons[found + 1], sizeof(CatConstraint) * (size_t)(copy->ncons - found - 1));
    copy->ncons--;
    if (con.type == CAT_CON_UNIQUE) {
        int o = 0;
        for (int i = 0; i < copy->nindexes; i++)
            if (strcmp(copy->indexes[i].name, con.name) != 0 && (con.index_oid == 0 || copy->indexes[i].oid != con.index_oid))
                copy->indexes[o++] = copy->indexes[i];
        copy->nindexes = o;
    }
    return apply_alter(d, rel, copy, err);
}

static int alter_drop_column(DdlCtx *d, const CatRelation *rel, const AstAlterCmd *cmd, const SqlSink *sink, SqlError *err)
{
    const CatColumn *col = catrel_column_by_name(rel, cmd->name);
    if (!col) {
        if (cmd->missing_ok) {
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist, skipping",
                              cmd->name, rel->name);
                n.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &n);
            }
            return 0;
        }
        return sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cmd->name, rel->name);
    }
    int16_t att = col->attnum;
    const CatIndex *pk = catrel_primary_index(rel);
    if (pk && col_in(pk->attnums, pk->ncols, att))
        return sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "dropping a primary key column is not supported yet");
    CatRelation *copy = catrel_copy(&d->arena, rel);
    if (!copy)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    CatColumn *c = &copy->cols[att - 1];
    c->dropped = true;
    c->not_null = false;
    c->default_expr = NULL;
    c->name = ddl_strdup(d, "........pg.dropped........");
    char buf[64];
    snprintf(buf, sizeof buf, "........pg.dropped.%d........", att);
    c->name = ddl_strdup(d, buf);
    /* Indexes and constraints on the column go with it (PostgreSQL does this silently for
     * indexes and single-column constraints). */
    int o = 0;
    for (int i = 0; i < copy->nindexes; i++)
        if (!col_in(copy->indexes[i].attnums, copy->indexes[i].ncols, att))
            copy->indexes[o++] = copy->indexes[i];
    copy->nindexes = o;
    o = 0;
    for (int i = 0; i < copy->ncons; i++) {
        const CatConstraint *k = &copy->cons[i];
        bool uses = k->ncols && col_in(k->attnums, k->ncols, att);
        if (k->type == CAT_CON_CHECK && !k->ncols && k->check_expr && strstr(k->check_expr, cmd->name))
            uses = true;
        if (!uses)
            copy->cons[o++] = copy->cons[i];
    }
    copy->ncons = o;
    c->embed_expr = NULL;
    c->embed_embedder = 0;
    if (apply_alter(d, rel, copy, err) != 0)
        return -1;
    return embed_ddl_column_changed(d->s, rel, cmd->name, true, cmd->behavior == AST_DROP_CASCADE, sink, err);
}

SqlStatus ddl_alter_table(DdlCtx *d, const AstAlterTableStmt *at, const SqlSink *sink, SqlError *err)
{
    const CatRelation *rel = ddl_lookup_relation(d, at->relation);
    if (!rel) {
        if (at->missing_ok) {
            ddl_notice_skip(sink, "relation", at->relation->relname);
            sink->command_complete(sink->arg, "ALTER TABLE");
            return SQL_DONE;
        }
        sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", at->relation->relname);
        return (SqlStatus)ddl_set_pos(d, err, at->relation->hdr.location);
    }
    const char *tag = at->kind == AST_OBJ_VIEW ? "ALTER VIEW" : at->kind == AST_OBJ_SEQUENCE ? "ALTER SEQUENCE"
                      : at->kind == AST_OBJ_INDEX ? "ALTER INDEX" : "ALTER TABLE";
    if (ddl_acl_owner(d, rel, err) != 0)
        return SQL_ERROR;
    Oid reloid = rel->oid;
    for (int i = 0; i < at->cmds.n; i++) {
        rel = catsnap_relation_by_oid(d->snap, reloid);
        if (!rel)
            return (SqlStatus)SQL_ERR(err, INTERNAL_ERROR, "relation %u vanished", reloid);
        const AstAlterCmd *cmd = (const AstAlterCmd *)at->cmds.items[i];
        int rc = 0;
        CatRelation *copy = NULL;
        const CatColumn *col = cmd->name ? catrel_column_by_name(rel, cmd->name) : NULL;
        bool needs_col = cmd->kind == AST_AT_RENAME_COLUMN || cmd->kind == AST_AT_SET_DEFAULT ||
                         cmd->kind == AST_AT_DROP_DEFAULT || cmd->kind == AST_AT_SET_NOT_NULL ||
                         cmd->kind == AST_AT_DROP_NOT_NULL || cmd->kind == AST_AT_ALTER_TYPE ||
                         cmd->kind == AST_AT_SET_EMBEDDING || cmd->kind == AST_AT_DROP_EMBEDDING;
        if (needs_col && !col) {
            /* PostgreSQL's renameatt words it without the relation */
            if (cmd->kind == AST_AT_RENAME_COLUMN)
                sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" does not exist", cmd->name);
            else
                sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cmd->name, rel->name);
            return SQL_ERROR;
        }
        switch (cmd->kind) {
        case AST_AT_ADD_COLUMN:
            rc = alter_add_column(d, rel, (const AstColumnDef *)cmd->def, cmd->missing_ok, sink, err);
            break;
        case AST_AT_DROP_COLUMN:
            rc = alter_drop_column(d, rel, cmd, sink, err);
            if (rc == 0)
                rc = ddl_refresh_snap(d, err);
            break;
        case AST_AT_SET_EMBEDDING:
        case AST_AT_DROP_EMBEDDING:
            rc = embed_ddl_alter_embedding(d->s, rel, cmd->name, cmd->kind == AST_AT_SET_EMBEDDING ? cmd->newname : NULL,
                                           cmd->kind == AST_AT_SET_EMBEDDING ? ddl_span_text(d, cmd->def_span) : NULL,
                                           err);
            if (rc == 0)
                rc = ddl_refresh_snap(d, err);
            break;
        case AST_AT_ADD_CONSTRAINT:
            rc = alter_add_constraint(d, rel, (const AstConstraint *)cmd->def, err);
            break;
        case AST_AT_DROP_CONSTRAINT:
            rc = alter_drop_constraint(d, rel, cmd, sink, err);
            break;
        case AST_AT_RENAME_TABLE:
            if (ddl_name_taken(d, rel->nsp, cmd->newname)) {
                rc = sql_error_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", cmd->newname);
                break;
            }
            copy = catrel_copy(&d->arena, rel);
            if (!copy || !(copy->name = ddl_strdup(d, cmd->newname)))
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            else
                rc = apply_alter(d, rel, copy, err);
            break;
        case AST_AT_RENAME_COLUMN:
            if (catrel_column_by_name(rel, cmd->newname)) {
                rc = sql_error_set(err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already exists",
                                   cmd->newname, rel->name);
                break;
            }
            copy = catrel_copy(&d->arena, rel);
            if (!copy || !(copy->cols[col->attnum - 1].name = ddl_strdup(d, cmd->newname)))
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            else
                rc = apply_alter(d, rel, copy, err);
            if (rc == 0)
                rc = embed_ddl_column_changed(d->s, rel, cmd->name, false, false, sink, err);
            break;
        case AST_AT_RENAME_CONSTRAINT: {
            copy = catrel_copy(&d->arena, rel);
            if (!copy) {
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                break;
            }
            int k = -1;
            for (int j = 0; j < copy->ncons; j++)
                if (!strcmp(copy->cons[j].name, cmd->name))
                    k = j;
            if (k < 0) {
                rc = sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "constraint \"%s\" for table \"%s\" does not exist",
                                   cmd->name, rel->name);
                break;
            }
            for (int j = 0; j < copy->nindexes; j++)
                if (!strcmp(copy->indexes[j].name, cmd->name))
                    copy->indexes[j].name = ddl_strdup(d, cmd->newname);
            copy->cons[k].name = ddl_strdup(d, cmd->newname);
            rc = apply_alter(d, rel, copy, err);
            break;
        }
        case AST_AT_SET_DEFAULT:
        case AST_AT_DROP_DEFAULT:
            copy = catrel_copy(&d->arena, rel);
            if (!copy) {
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                break;
            }
            copy->cols[col->attnum - 1].default_expr =
                cmd->kind == AST_AT_SET_DEFAULT ? (char *)ddl_span_text(d, cmd->def_span) : NULL;
            rc = apply_alter(d, rel, copy, err);
            break;
        case AST_AT_SET_NOT_NULL: {
            if (col->not_null)
                break;
            ShaleBuf b;
            shale_buf_init(&b);
            shale_buf_append(&b, "SELECT 1 FROM ", 14);
            quoted_rel(d, rel, &b);
            shale_buf_append(&b, " WHERE ", 7);
            sql_deparse_ident(col->name, &b);
            shale_buf_append(&b, " IS NULL LIMIT 1", 17);
            bool found = false;
            rc = b.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : ddl_query(d, b.data, &found, NULL, err);
            shale_buf_free(&b);
            if (rc == 0 && found) {
                rc = sql_error_set(err, ERRCODE_NOT_NULL_VIOLATION, "column \"%s\" of relation \"%s\" contains null values",
                                   col->name, rel->name);
                break;
            }
            if (rc == 0) {
                copy = catrel_copy(&d->arena, rel);
                if (!copy)
                    rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                else {
                    copy->cols[col->attnum - 1].not_null = true;
                    rc = apply_alter(d, rel, copy, err);
                }
            }
            break;
        }
        case AST_AT_DROP_NOT_NULL: {
            const CatIndex *pk = catrel_primary_index(rel);
            if (pk && col_in(pk->attnums, pk->ncols, col->attnum)) {
                rc = sql_error_set(err, ERRCODE_INVALID_TABLE_DEFINITION, "column \"%s\" is in a primary key", col->name);
                break;
            }
            if (col->identity) {
                rc = sql_error_set(err, ERRCODE_SYNTAX_ERROR, "column \"%s\" of relation \"%s\" is an identity column",
                                   col->name, rel->name);
                break;
            }
            copy = catrel_copy(&d->arena, rel);
            if (!copy)
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            else {
                copy->cols[col->attnum - 1].not_null = false;
                rc = apply_alter(d, rel, copy, err);
            }
            break;
        }
        case AST_AT_OWNER_TO: {
            const CatRole *r = catsnap_role_by_name(d->snap, cmd->newname);
            if (!r) {
                rc = sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", cmd->newname);
                break;
            }
            copy = catrel_copy(&d->arena, rel);
            if (!copy)
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            else {
                copy->owner = r->oid;
                rc = apply_alter(d, rel, copy, err);
            }
            break;
        }
        case AST_AT_ALTER_TYPE:
            rc = ddl_alter_column_type(d, rel, col, cmd, err);
            break;
        case AST_AT_SET_SCHEMA:
            rc = sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "ALTER TABLE ... SET SCHEMA is not supported yet");
            break;
        }
        if (rc != 0)
            return SQL_ERROR;
        if (ddl_refresh_snap(d, err) != 0)
            return SQL_ERROR;
    }
    sink->command_complete(sink->arg, tag);
    return SQL_DONE;
}

/* ---- COMMENT ON ----------------------------------------------------------------------------- */

SqlStatus ddl_comment(DdlCtx *d, const AstCommentStmt *cs, const SqlSink *sink, SqlError *err)
{
    const AstNameList *nm = &cs->object;
    char *text = cs->comment ? ddl_strdup(d, cs->comment) : NULL;
    if (cs->comment && !text)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    switch (cs->objtype) {
    case AST_OBJ_TABLE:
    case AST_OBJ_VIEW:
    case AST_OBJ_SEQUENCE:
    case AST_OBJ_COLUMN:
    case AST_OBJ_INDEX:
    case AST_OBJ_CONSTRAINT: {
        bool column = cs->objtype == AST_OBJ_COLUMN;
        int rel_names = column ? nm->n - 1 : nm->n;
        if (rel_names < 1 || rel_names > 2)
            return (SqlStatus)SQL_ERR(err, SYNTAX_ERROR, "improper relation name (too many dotted names)");
        AstRangeVar rv;
        memset(&rv, 0, sizeof rv);
        rv.hdr.tag = AST_RANGE_VAR;
        rv.hdr.location = cs->hdr.location;
        rv.schema = rel_names == 2 ? nm->names[0] : NULL;
        rv.relname = nm->names[rel_names - 1];
        const CatIndex *ix = NULL;
        const CatRelation *rel = cs->objtype == AST_OBJ_INDEX ? ddl_lookup_index(d, &rv, &ix) : ddl_lookup_relation(d, &rv);
        if (cs->objtype == AST_OBJ_CONSTRAINT)
            return (SqlStatus)SQL_ERR(err, FEATURE_NOT_SUPPORTED, "COMMENT ON CONSTRAINT is not supported yet");
        if (!rel) {
            sql_error_set(err, cs->objtype == AST_OBJ_INDEX ? ERRCODE_UNDEFINED_OBJECT : ERRCODE_UNDEFINED_TABLE,
                          "%s \"%s\" does not exist", cs->objtype == AST_OBJ_INDEX ? "index" : "relation", rv.relname);
            return SQL_ERROR;
        }
        CatRelation *copy = catrel_copy(&d->arena, rel);
        if (!copy)
            return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        if (column) {
            const CatColumn *col = catrel_column_by_name(rel, nm->names[nm->n - 1]);
            if (!col) {
                sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist",
                              nm->names[nm->n - 1], rel->name);
                return SQL_ERROR;
            }
            copy->cols[col->attnum - 1].comment = text;
        } else if (ix) {
            for (int i = 0; i < copy->nindexes; i++)
                if (copy->indexes[i].oid == ix->oid)
                    copy->indexes[i].comment = text;
        } else {
            copy->comment = text;
        }
        if (apply_alter(d, rel, copy, err) != 0)
            return SQL_ERROR;
        break;
    }
    case AST_OBJ_SCHEMA: {
        const CatNamespace *ns = nm->n == 1 ? catsnap_namespace_by_name(d->snap, nm->names[0]) : NULL;
        if (!ns) {
            sql_error_set(err, ERRCODE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", nm->n ? nm->names[0] : "");
            return SQL_ERROR;
        }
        CatNamespace copy = *ns;
        copy.comment = text;
        if (catalog_alter_namespace(d->cat, d->ctxn, d->s->db_oid, ns, &copy, err) != 0)
            return SQL_ERROR;
        break;
    }
    default:
        return (SqlStatus)SQL_ERR(err, FEATURE_NOT_SUPPORTED, "COMMENT ON this kind of object is not supported yet");
    }
    sink->command_complete(sink->arg, "COMMENT");
    return SQL_DONE;
}

/* ---- CREATE TABLE AS ------------------------------------------------------------------------- */

SqlStatus ddl_create_table_as(DdlCtx *d, const AstCreateTableAsStmt *cs, const SqlSink *sink, SqlError *err)
{
    Oid nsp;
    if (ddl_creation_namespace(d, cs->relation, &nsp, err) != 0)
        return SQL_ERROR;
    if (ddl_name_taken(d, nsp, cs->relation->relname)) {
        if (cs->if_not_exists) {
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists, skipping", cs->relation->relname);
                n.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &n);
            }
            sink->command_complete(sink->arg, "CREATE TABLE AS");
            return SQL_DONE;
        }
        sql_error_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", cs->relation->relname);
        return SQL_ERROR;
    }
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(d->s, &env, &cat, err) != 0)
        return SQL_ERROR;
    PreparedQuery *q;
    int rc = query_prepare(&env, &cs->query->hdr, d->text, 0, NULL, &d->arena, &q, err);
    catalog_snapshot_release(cat);
    if (rc != 0)
        return SQL_ERROR;
    CatRelation *rel = relation_from_query(d, q, &cs->colnames, "too many column names were specified", err);
    if (!rel)
        return SQL_ERROR;
    rel->nsp = nsp;
    rel->name = ddl_strdup(d, cs->relation->relname);
    rel->kind = CAT_REL_TABLE;
    if (catalog_create_relation(d->cat, d->ctxn, d->s->db_oid, rel, err) != 0 || ddl_refresh_snap(d, err) != 0)
        return SQL_ERROR;
    uint64_t rows = 0;
    if (!cs->with_no_data) {
        /* INSERT INTO the new table the query's rows, through the query engine. */
        const CatRelation *nrel = catsnap_relation_by_oid(d->snap, rel->oid);
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "INSERT INTO ", 12);
        quoted_rel(d, nrel, &b);
        shale_buf_append_byte(&b, ' ');
        ShaleBuf qtext;
        shale_buf_init(&qtext);
        sql_deparse(&cs->query->hdr, &qtext);
        shale_buf_append(&b, qtext.data, qtext.len);
        shale_buf_append_byte(&b, 0);
        shale_buf_free(&qtext);
        if (b.oom) {
            shale_buf_free(&b);
            return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        }
        if (session_query_env(d->s, &env, &cat, err) != 0) {
            shale_buf_free(&b);
            return SQL_ERROR;
        }
        ShaleArena a;
        shale_arena_init(&a);
        SqlRawStmt raw;
        QueryCursor *c;
        const Value *row;
        rc = -1;
        if (sql_parse_one(b.data, b.len - 1, &a, &raw, err) == 0 &&
            query_prepare(&env, raw.stmt, b.data, 0, NULL, &a, &q, err) == 0 &&
            query_open(&env, q, NULL, &a, &c, err) == 0) {
            rc = query_next(c, &row, err) < 0 ? -1 : 0;
            rows = query_rows(c);
            query_close(c);
        }
        shale_arena_destroy(&a);
        catalog_snapshot_release(cat);
        shale_buf_free(&b);
        if (rc != 0)
            return SQL_ERROR;
    }
    char tag[48];
    snprintf(tag, sizeof tag, "SELECT %llu", (unsigned long long)rows);
    sink->command_complete(sink->arg, tag);
    return SQL_DONE;
}

/* ---- ALTER SEQUENCE -------------------------------------------------------------------------- */

SqlStatus ddl_alter_sequence(DdlCtx *d, const AstSequenceStmt *ss, const SqlSink *sink, SqlError *err)
{
    const CatRelation *seq = ddl_lookup_relation(d, ss->sequence);
    if (!seq || seq->kind != CAT_REL_SEQUENCE) {
        if (!seq && ss->if_not_exists) {
            ddl_notice_skip(sink, "relation", ss->sequence->relname);
            sink->command_complete(sink->arg, "ALTER SEQUENCE");
            return SQL_DONE;
        }
        if (seq)
            sql_error_set(err, ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is not a sequence", ss->sequence->relname);
        else
            sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", ss->sequence->relname);
        return SQL_ERROR;
    }
    CatRelation *copy = catrel_copy(&d->arena, seq);
    if (!copy)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (ddl_apply_seq_options(d, &copy->seq, &ss->options, false, err) != 0)
        return SQL_ERROR;
    bool restart = false;
    int64_t restart_value = copy->seq.start;
    for (int i = 0; i < ss->options.n; i++) {
        const AstDefElem *e = (const AstDefElem *)ss->options.items[i];
        if (!strcmp(e->name, "restart")) {
            restart = true;
            if (e->arg && e->arg->tag == AST_CONST && ((const AstConst *)e->arg)->kind == AST_CONST_INTEGER)
                restart_value = ((const AstConst *)e->arg)->ival;
        } else if (!strcmp(e->name, "owned_by")) {
            const AstNode *a = e->arg;
            if (!a || (a->tag == AST_CONST && ((const AstConst *)a)->str && !strcmp(((const AstConst *)a)->str, "none"))) {
                copy->seq.owned_by_rel = 0;
                copy->seq.owned_by_col = 0;
                continue;
            }
            if (a->tag != AST_COLUMN_REF || ((const AstColumnRef *)a)->fields.n < 2) {
                if (a->tag == AST_COLUMN_REF && ((const AstColumnRef *)a)->fields.n == 1 &&
                    !strcmp(((const AstColumnRef *)a)->fields.names[0], "none")) {
                    copy->seq.owned_by_rel = 0;
                    copy->seq.owned_by_col = 0;
                    continue;
                }
                sql_error_set(err, ERRCODE_SYNTAX_ERROR, "invalid OWNED BY option");
                sql_error_hint(err, "Specify OWNED BY table.column or OWNED BY NONE.");
                return SQL_ERROR;
            }
            const AstColumnRef *r = (const AstColumnRef *)a;
            AstRangeVar rv;
            memset(&rv, 0, sizeof rv);
            rv.hdr.tag = AST_RANGE_VAR;
            rv.relname = r->fields.names[r->fields.n - 2];
            rv.schema = r->fields.n > 2 ? r->fields.names[r->fields.n - 3] : NULL;
            const CatRelation *t = ddl_lookup_relation(d, &rv);
            if (!t) {
                sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv.relname);
                return SQL_ERROR;
            }
            const CatColumn *col = catrel_column_by_name(t, r->fields.names[r->fields.n - 1]);
            if (!col) {
                sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist",
                              r->fields.names[r->fields.n - 1], t->name);
                return SQL_ERROR;
            }
            if (t->nsp != seq->nsp) {
                sql_error_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                              "sequence must be in same schema as table it is linked to");
                return SQL_ERROR;
            }
            copy->seq.owned_by_rel = t->oid;
            copy->seq.owned_by_col = col->attnum;
        }
    }
    if (apply_alter(d, seq, copy, err) != 0)
        return SQL_ERROR;
    if (restart) {
        /* Like setval: takes effect at once and is not undone by ROLLBACK (as in PostgreSQL,
         * where ALTER SEQUENCE RESTART is transactional only for the catalog parts). */
        const CatRelation *now = catsnap_relation_by_oid(d->snap, seq->oid);
        if (!now || rel_seq_setval(d->s->eng->rdb, d->s->db_oid, now, restart_value, false, err) != 0)
            return SQL_ERROR;
    }
    sink->command_complete(sink->arg, "ALTER SEQUENCE");
    return SQL_DONE;
}
