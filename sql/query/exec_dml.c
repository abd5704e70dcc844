/* exec_dml.c -- execution of INSERT / UPDATE / DELETE: full rows with defaults, generated
 * columns, NOT NULL (23502) and CHECK (23514) constraints, foreign keys (23503; ON DELETE /
 * ON UPDATE CASCADE, SET NULL, SET DEFAULT, RESTRICT / NO ACTION), ON CONFLICT through
 * rel_insert's RelConflict, READ COMMITTED re-checks (rel_lock_row), RETURNING.
 *
 * UPDATE and DELETE first collect the target rows (row key + a copy of the wide row) and
 * then change them, so a scan never meets rows this statement wrote.
 * Memory: DmlState and collected rows in dml->arena (freed by dml_close); per-row values in
 * dml->row_arena, reset for each row. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/query/dml_int.h"
#include "sql/embed.h"

typedef struct Target {
    char *key;
    size_t klen;
    Value *wide;
} Target;

struct DmlState {
    ShaleArena arena;
    ShaleArena row_arena;
    ExecNode *src;
    RowVec rows;                 /* INSERT ... SELECT materialised */
    Target *targets;
    size_t n_targets, cap_targets, pos;
    int phase;
    Value *ret;                  /* RETURNING row */
    RelRow latest;
    RelRow tmp;
    RelConflict conflict;
    HTable touched;              /* ON CONFLICT DO UPDATE: row keys this command wrote */
    ShaleBuf newkey;
};

static int fk_parent_apply(QueryCursor *qc, const CatRelation *rel, const Value *old, const Value *new_row,
                           int depth, SqlError *err);

/* ---- messages -------------------------------------------------------------------------------- */

static void append_value(QueryCursor *qc, const Value *v, ShaleBuf *out)
{
    if (v->null) {
        shale_buf_append(out, "null", 4);
        return;
    }
    types_output(qc->env->tc, v, out);
}

/* Names the object of a constraint violation (ErrorResponse s/t/c/n), as PostgreSQL does. */
static void err_object(QueryCursor *qc, const CatRelation *rel, const char *column, const char *constraint,
                       SqlError *err)
{
    const CatNamespace *ns = qc->env->cat ? catsnap_namespace_by_oid(qc->env->cat, rel->nsp) : NULL;
    sql_error_object(err, ns ? ns->name : NULL, rel->name, column, NULL, constraint);
}

static void failing_row(QueryCursor *qc, const CatRelation *rel, const Value *row, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append(&b, "Failing row contains (", 22);
    bool first = true;
    for (int c = 0; c < rel->ncols; c++) {
        if (rel->cols[c].dropped)
            continue;
        if (!first)
            shale_buf_append(&b, ", ", 2);
        first = false;
        append_value(qc, &row[c], &b);
    }
    shale_buf_append(&b, ").", 2);
    if (!b.oom)
        sql_error_detail(err, "%.*s", (int)b.len, b.data);
    shale_buf_free(&b);
}

static void key_detail(QueryCursor *qc, const CatRelation *rel, const int16_t *attnums, int n, const Value *vals,
                       ShaleBuf *b)
{
    shale_buf_append(b, "Key (", 5);
    for (int i = 0; i < n; i++) {
        if (i)
            shale_buf_append(b, ", ", 2);
        const char *nm = rel->cols[attnums[i] - 1].name;
        shale_buf_append(b, nm, strlen(nm));
    }
    shale_buf_append(b, ")=(", 3);
    for (int i = 0; i < n; i++) {
        if (i)
            shale_buf_append(b, ", ", 2);
        append_value(qc, &vals[i], b);
    }
    shale_buf_append(b, ")", 1);
}

/* ---- constraints ---------------------------------------------------------------------------- */

static int compute_generated(QueryCursor *qc, DmlState *st, const DmlPlan *d, Value *row, SqlError *err)
{
    EvalCtx c = {qc, row, NULL, &st->row_arena, {0}};
    for (int i = 0; i < d->ncols; i++)
        if (d->generated[i] && eval_expr(&c, d->generated[i], &row[i], err) != 0)
            return -1;
    return 0;
}

static int check_row(QueryCursor *qc, DmlState *st, const DmlPlan *d, const Value *row, SqlError *err)
{
    const CatRelation *rel = d->rel;
    for (int i = 0; i < rel->ncols; i++) {
        const CatColumn *col = &rel->cols[i];
        if (col->not_null && !col->dropped && row[i].null) {
            SQL_ERR(err, NOT_NULL_VIOLATION, "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
                    col->name, rel->name);
            err_object(qc, rel, col->name, NULL, err);
            failing_row(qc, rel, row, err);
            return -1;
        }
    }
    EvalCtx c = {qc, row, NULL, &st->row_arena, {0}};
    for (int i = 0; i < d->n_checks; i++) {
        Value v;
        if (eval_expr(&c, d->checks[i], &v, err) != 0)
            return -1;
        if (d->check_is_view && d->check_is_view[i] && !eval_value_true(&v)) {
            SQL_ERR(err, WITH_CHECK_OPTION_VIOLATION, "new row violates check option for view \"%s\"", d->check_names[i]);
            failing_row(qc, rel, row, err);
            return -1;
        }
        if (!v.null && !v.u.b) {
            SQL_ERR(err, CHECK_VIOLATION, "new row for relation \"%s\" violates check constraint \"%s\"", rel->name,
                    d->check_names[i]);
            err_object(qc, rel, NULL, d->check_names[i], err);
            failing_row(qc, rel, row, err);
            return -1;
        }
    }
    return 0;
}

/* Embedding columns (sql/embed.h): the EMBEDDING OF texts of the old and the new row (NULL
 * = none: insert / delete) go to the job queue, which enqueues when they differ. */
static int embed_row(QueryCursor *qc, DmlState *st, const DmlPlan *d, const char *key, size_t klen,
                     const Value *old, const Value *nr, SqlError *err)
{
    if (!nr) { /* DELETE binds no expressions: the job just goes */
        for (int i = 0; i < d->ncols; i++)
            if (d->rel->cols[i].embed_expr && !d->rel->cols[i].dropped)
                return embed_dml_row(qc->env, d->rel, key, klen, NULL, NULL, err);
        return 0;
    }
    if (!d->embed_exprs)
        return 0;
    Value *txt[2] = { NULL, NULL };
    const Value *rows[2] = { old, nr };
    for (int r = 0; r < 2; r++) {
        if (!rows[r])
            continue;
        txt[r] = q_alloc(&st->row_arena, sizeof(Value) * (size_t)(d->ncols + 1));
        if (!txt[r])
            return q_oom(err);
        EvalCtx c = {qc, rows[r], NULL, &st->row_arena, {0}};
        for (int i = 0; i < d->ncols; i++) {
            txt[r][i] = value_null(TEXTOID);
            if (d->embed_exprs[i] && eval_expr(&c, d->embed_exprs[i], &txt[r][i], err) != 0)
                return -1;
        }
    }
    if (old && nr) { /* a changed primary key moves the row: its job moves too */
        shale_buf_reset(&st->newkey);
        if (rel_encode_row_key(d->rel, nr, &st->newkey, err) != 0)
            return -1;
        if (st->newkey.len != klen || memcmp(st->newkey.data, key, klen) != 0)
            return embed_dml_row(qc->env, d->rel, key, klen, txt[0], NULL, err) != 0 ||
                           embed_dml_row(qc->env, d->rel, st->newkey.data, st->newkey.len, NULL, txt[1], err) != 0
                       ? -1 : 0;
    }
    return embed_dml_row(qc->env, d->rel, key, klen, txt[0], txt[1], err);
}

static bool vals_equal(const Value *a, const Value *b)
{
    if (a->null || b->null)
        return a->null == b->null;
    bool ai = a->type == INT2OID || a->type == INT4OID || a->type == INT8OID;
    bool bi = b->type == INT2OID || b->type == INT4OID || b->type == INT8OID;
    if (ai && bi)
        return a->u.i == b->u.i;
    return types_compare(a, b) == 0;
}

/* The referencing side: every foreign key of rel must find its referenced row. */
static int fk_child_check(QueryCursor *qc, DmlState *st, const CatRelation *rel, const Value *row, const Value *old,
                          SqlError *err)
{
    for (int i = 0; i < rel->ncons; i++) {
        const CatConstraint *con = &rel->cons[i];
        if (con->type != CAT_CON_FOREIGN)
            continue;
        bool any_null = false, changed = old == NULL;
        for (int k = 0; k < con->ncols; k++) {
            int a = con->attnums[k] - 1;
            if (row[a].null)
                any_null = true;
            if (old && !vals_equal(&row[a], &old[a]))
                changed = true;
        }
        if (any_null || !changed)
            continue;
        const CatRelation *ref = catsnap_relation_by_oid(qc->env->cat, con->ref_rel);
        if (!ref)
            continue;
        const CatIndex *idx = NULL;
        if (con->index_oid)
            catsnap_index_by_oid(qc->env->cat, con->index_oid, &idx);
        Value vals[32];
        int nidx = idx ? idx->ncols : con->ncols;
        if (nidx > 32)
            nidx = 32;
        for (int j = 0; j < nidx; j++) {
            int16_t refatt = idx ? idx->attnums[j] : con->ref_attnums[j];
            vals[j] = value_null(UNKNOWNOID);
            for (int k = 0; k < con->ncols; k++)
                if (con->ref_attnums[k] == refatt) {
                    Value v = row[con->attnums[k] - 1];
                    Oid want = ref->cols[refatt - 1].type;
                    if (v.type != want && types_cast(qc->env->tc, &v, want, -1, TYPES_COERCE_IMPLICIT, &st->row_arena, &v, err) != 0)
                        return -1;
                    vals[j] = v;
                }
        }
        const CatIndex *use = (idx && !idx->primary) ? idx : NULL;
        int rc = rel_lookup_unique(qc->env->txn, ref, use, vals, REL_LOCK_SHARE, &st->tmp, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            SQL_ERR(err, FOREIGN_KEY_VIOLATION, "insert or update on table \"%s\" violates foreign key constraint \"%s\"",
                    rel->name, con->name);
            err_object(qc, rel, NULL, con->name, err);
            ShaleBuf b;
            shale_buf_init(&b);
            Value kv[32];
            for (int k = 0; k < con->ncols && k < 32; k++)
                kv[k] = row[con->attnums[k] - 1];
            key_detail(qc, rel, con->attnums, con->ncols < 32 ? con->ncols : 32, kv, &b);
            if (!b.oom)
                sql_error_detail(err, "%.*s is not present in table \"%s\".", (int)b.len, b.data, ref->name);
            shale_buf_free(&b);
            return -1;
        }
    }
    return 0;
}

/* Default of column col of rel, bound on the fly (SET DEFAULT actions). */
static int column_default(QueryCursor *qc, const CatRelation *rel, int col, Value *out, SqlError *err)
{
    const CatColumn *c = &rel->cols[col];
    *out = value_null(c->type);
    if (!c->default_expr)
        return 0;
    size_t n = strlen(c->default_expr);
    char *sql = q_alloc(&qc->dml->arena, n + 8);
    if (!sql)
        return q_oom(err);
    memcpy(sql, "SELECT ", 7);
    memcpy(sql + 7, c->default_expr, n + 1);
    SqlRawStmt raw;
    if (sql_parse_one(sql, n + 7, &qc->dml->arena, &raw, err) != 0)
        return -1;
    PreparedQuery *pq;
    if (query_prepare(qc->env, raw.stmt, sql, 0, NULL, &qc->dml->arena, &pq, err) != 0)
        return -1;
    QueryCursor *sub;
    if (query_open(qc->env, pq, NULL, &qc->dml->arena, &sub, err) != 0)
        return -1;
    const Value *row;
    int rc = query_next(sub, &row, err);
    if (rc == 1) {
        Value v = row[0];
        if (types_cast(qc->env->tc, &v, c->type, c->typmod, TYPES_COERCE_ASSIGNMENT, &qc->dml->arena, out, err) != 0)
            rc = -1;
    }
    query_close(sub);
    return rc < 0 ? -1 : 0;
}

typedef struct ChildRow {
    char *key;
    size_t klen;
    Value *row;
} ChildRow;

/* The referenced side: rows of other tables pointing at old (being deleted, or its key
 * changing to new_row). */
static int fk_parent_apply(QueryCursor *qc, const CatRelation *rel, const Value *old, const Value *new_row,
                           int depth, SqlError *err)
{
    if (depth > 64)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "foreign key cascade too deep");
    const CatRelation *rels[32];
    const CatConstraint *cons[32];
    int n = catsnap_referencing_fks(qc->env->cat, rel->oid, rels, cons, 32);
    if (n > 32)
        n = 32;
    DmlState *st = qc->dml;
    for (int f = 0; f < n; f++) {
        const CatRelation *crel = rels[f];
        const CatConstraint *con = cons[f];
        bool any_null = false, changed = new_row == NULL;
        for (int k = 0; k < con->ncols; k++) {
            int a = con->ref_attnums[k] - 1;
            if (old[a].null)
                any_null = true;
            if (new_row && !vals_equal(&old[a], &new_row[a]))
                changed = true;
        }
        if (any_null || !changed)
            continue;
        /* find the referencing rows (full scan of the child) */
        RelScanSpec spec;
        memset(&spec, 0, sizeof(spec));
        RelScan *scan;
        if (rel_scan_open(qc->env->txn, crel, &spec, &scan, err) != 0)
            return -1;
        RelRow rr;
        rel_row_init(&rr);
        ChildRow *kids = NULL;
        size_t nk = 0, cap = 0;
        int rc;
        while ((rc = rel_scan_next(scan, &rr, err)) == 1) {
            bool match = true;
            for (int k = 0; k < con->ncols && match; k++)
                if (!vals_equal(&rr.vals[con->attnums[k] - 1], &old[con->ref_attnums[k] - 1]) ||
                    rr.vals[con->attnums[k] - 1].null)
                    match = false;
            if (!match)
                continue;
            if (nk == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                ChildRow *nkids = q_alloc(&st->arena, sizeof(ChildRow) * ncap);
                if (!nkids) {
                    rc = q_oom(err);
                    break;
                }
                if (nk)
                    memcpy(nkids, kids, sizeof(ChildRow) * nk);
                kids = nkids;
                cap = ncap;
            }
            kids[nk].klen = rr.key.len;
            kids[nk].key = q_alloc(&st->arena, rr.key.len);
            kids[nk].row = row_copy(&st->arena, rr.vals, crel->ncols);
            if (!kids[nk].key || !kids[nk].row) {
                rc = q_oom(err);
                break;
            }
            memcpy(kids[nk].key, rr.key.data, rr.key.len);
            nk++;
        }
        rel_scan_close(scan);
        rel_row_free(&rr);
        if (rc < 0)
            return -1;
        if (nk == 0)
            continue;
        char action = new_row ? con->on_update : con->on_delete;
        if (action == 'a' || action == 'r' || action == 0) {
            SQL_ERR(err, FOREIGN_KEY_VIOLATION, "update or delete on table \"%s\" violates foreign key constraint \"%s\" on table \"%s\"",
                    rel->name, con->name, crel->name);
            err_object(qc, crel, NULL, con->name, err);
            ShaleBuf b;
            shale_buf_init(&b);
            Value kv[32];
            int16_t at[32];
            for (int k = 0; k < con->ncols && k < 32; k++) {
                kv[k] = old[con->ref_attnums[k] - 1];
                at[k] = con->ref_attnums[k];
            }
            key_detail(qc, rel, at, con->ncols < 32 ? con->ncols : 32, kv, &b);
            if (!b.oom)
                sql_error_detail(err, "%.*s is still referenced from table \"%s\".", (int)b.len, b.data, crel->name);
            shale_buf_free(&b);
            return -1;
        }
        for (size_t i = 0; i < nk; i++) {
            RelLockResult res;
            if (rel_lock_row(qc->env->txn, crel, kids[i].key, kids[i].klen, REL_LOCK_EXCLUSIVE, &st->latest, &res, err) != 0)
                return -1;
            if (res == REL_ROW_DELETED)
                continue;
            Value *cur = kids[i].row;
            if (res == REL_ROW_UPDATED)
                cur = row_copy(&st->arena, st->latest.vals, crel->ncols);
            if (!cur)
                return q_oom(err);
            if (action == 'c' && !new_row) {
                if (fk_parent_apply(qc, crel, cur, NULL, depth + 1, err) != 0 ||
                    rel_delete(qc->env->txn, crel, kids[i].key, kids[i].klen, cur, err) != 0)
                    return -1;
                continue;
            }
            Value *nr = row_copy(&st->arena, cur, crel->ncols);
            if (!nr)
                return q_oom(err);
            for (int k = 0; k < con->ncols; k++) {
                int a = con->attnums[k] - 1;
                if (action == 'c')
                    nr[a] = new_row[con->ref_attnums[k] - 1];
                else if (action == 'n')
                    nr[a] = value_null(crel->cols[a].type);
                else if (column_default(qc, crel, a, &nr[a], err) != 0)
                    return -1;
            }
            if (fk_parent_apply(qc, crel, cur, nr, depth + 1, err) != 0)
                return -1;
            if (action == 'd' && fk_child_check(qc, st, crel, nr, cur, err) != 0)
                return -1;
            if (rel_update(qc->env->txn, crel, kids[i].key, kids[i].klen, cur, nr, err) != 0)
                return -1;
        }
    }
    return 0;
}

/* Records a row key written by this command; 1 when it was there already, 0 when new. */
static int touch_key(DmlState *st, const char *key, size_t n, SqlError *err)
{
    Value k = value_bytes(BYTEAOID, key, (uint32_t)n);
    uint64_t h = q_hash_row(&k, 1);
    if (htable_find(&st->touched, &k, 1, h))
        return 1;
    Value *row = row_copy(&st->arena, &k, 1);
    if (!row || !htable_insert(&st->touched, &st->arena, row, h, err))
        return q_oom(err);
    return 0;
}

/* ---- INSERT ---------------------------------------------------------------------------------- */

static int eval_returning(QueryCursor *qc, DmlState *st, const DmlPlan *d, const Value *row, const Value **out,
                          SqlError *err)
{
    EvalCtx c = {qc, row, NULL, &st->row_arena, {0}};
    for (int i = 0; i < d->n_returning; i++)
        if (eval_expr(&c, d->returning[i], &st->ret[i], err) != 0)
            return -1;
    *out = st->ret;
    return 0;
}

/* ON CONFLICT: rel_insert reported a conflict on st->conflict.index. Only an arbiter's
 * conflict takes the action (PostgreSQL): on another unique index, an arbiter that also
 * conflicts is looked up (its row locked, st->conflict.key set: 1); with none, the insert is
 * retried without ON CONFLICT so it raises that index's 23505 (-1), or inserts (0) when the
 * other row went away meanwhile. Arbiters with expression columns or a predicate are not
 * looked up (their conflict counts only when rel_insert reports it first). */
static int conflict_arbiter(QueryCursor *qc, DmlState *st, const DmlPlan *d, const Value *row, ShaleBuf *key_out,
                            SqlError *err)
{
    const CatRelation *rel = d->rel;
    for (int a = 0; a < d->n_arbiters; a++)
        if (st->conflict.index && st->conflict.index->oid == d->arbiters[a])
            return 1;
    for (int a = 0; a < d->n_arbiters; a++) {
        const CatIndex *idx = NULL;
        for (int i = 0; i < rel->nindexes && !idx; i++)
            if (rel->indexes[i].oid == d->arbiters[a])
                idx = &rel->indexes[i];
        if (!idx || idx->predicate || idx->ncols <= 0)
            continue;
        Value *vals = q_alloc(&st->row_arena, sizeof(Value) * (size_t)idx->ncols);
        if (!vals)
            return q_oom(err);
        bool usable = true;
        for (int k = 0; k < idx->ncols && usable; k++) {
            int col = idx->attnums[k] - 1;
            usable = col >= 0 && col < rel->ncols && (!row[col].null || idx->nulls_not_distinct);
            if (usable)
                vals[k] = row[col];
        }
        if (!usable)
            continue;
        int f = rel_lookup_unique(qc->env->txn, rel, idx, vals, REL_LOCK_EXCLUSIVE, &st->tmp, err);
        if (f < 0)
            return -1;
        if (f == 1) {
            st->conflict.index = idx;
            shale_buf_reset(&st->conflict.key);
            shale_buf_append(&st->conflict.key, st->tmp.key.data, st->tmp.key.len);
            return st->conflict.key.oom ? q_oom(err) : 1;
        }
    }
    return rel_insert(qc->env->txn, rel, row, NULL, key_out, err);
}

static int insert_next(QueryCursor *qc, DmlState *st, const Value **out, SqlError *err)
{
    const DmlPlan *d = qc->q->dml;
    const CatRelation *rel = d->rel;
    int nc = d->ncols;
    if (d->materialize && st->phase == 0) {
        /* INSERT ... SELECT: read everything before writing anything */
        int rc;
        while ((rc = exec_next(st->src, err)) == 1) {
            Value *r = row_copy(&st->arena, st->src->row, d->n_target);
            if (!r || rowvec_push(&st->rows, r, err) != 0)
                return q_oom(err);
        }
        if (rc < 0)
            return -1;
        st->phase = 1;
    }
    for (;;) {
        const Value *src;
        if (d->materialize) {
            if (st->pos >= st->rows.n)
                return 0;
            src = st->rows.rows[st->pos++];
        } else {
            int rc = exec_next(st->src, err);
            if (rc <= 0)
                return rc;
            src = st->src->row;
        }
        qarena_reset(&st->row_arena);
        Value *row = q_alloc(&st->row_arena, sizeof(Value) * (size_t)(2 * nc + 1));
        if (!row)
            return q_oom(err);
        bool *given = q_alloc(&st->row_arena, sizeof(bool) * (size_t)(nc + 1));
        if (!given)
            return q_oom(err);
        memset(given, 0, sizeof(bool) * (size_t)(nc + 1));
        for (int i = 0; i < d->n_target; i++) {
            row[d->target_col[i]] = src[i];
            given[d->target_col[i]] = true;
        }
        EvalCtx c = {qc, NULL, NULL, &st->row_arena, {0}};
        for (int i = 0; i < nc; i++) {
            if (given[i])
                continue;
            row[i] = value_null(rel->cols[i].type);
            if (d->defaults[i] && eval_expr(&c, d->defaults[i], &row[i], err) != 0)
                return -1;
        }
        for (int i = 0; i < nc; i++)
            if (!row[i].null)
                row[i].type = rel->cols[i].type;
        if (compute_generated(qc, st, d, row, err) != 0 || check_row(qc, st, d, row, err) != 0 ||
            fk_child_check(qc, st, rel, row, NULL, err) != 0)
            return -1;
        shale_buf_reset(&st->newkey);
        int rc = rel_insert(qc->env->txn, rel, row, d->conflict ? &st->conflict : NULL,
                            (d->conflict == 2 || d->embed_exprs) ? &st->newkey : NULL, err);
        if (rc == 1 && d->n_arbiters > 0)
            rc = conflict_arbiter(qc, st, d, row, (d->conflict == 2 || d->embed_exprs) ? &st->newkey : NULL, err);
        if (rc < 0)
            return -1;
        if (rc == 0 && embed_row(qc, st, d, st->newkey.data, st->newkey.len, NULL, row, err) != 0)
            return -1;
        if (rc == 0 && d->conflict == 2 && touch_key(st, st->newkey.data, st->newkey.len, err) < 0)
            return -1;
        const Value *result = row;
        if (rc == 1) {
            if (d->conflict == 1)
                continue;
            /* DO UPDATE: the existing row (locked by rel_insert) ++ EXCLUDED */
            int seen = touch_key(st, st->conflict.key.data, st->conflict.key.len, err);
            if (seen < 0)
                return -1;
            if (seen) {
                SQL_ERR(err, CARDINALITY_VIOLATION, "ON CONFLICT DO UPDATE command cannot affect row a second time");
                sql_error_hint(err, "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.");
                return -1;
            }
            int g = rel_get(qc->env->txn, rel, st->conflict.key.data, st->conflict.key.len, &st->tmp, err);
            if (g < 0)
                return -1;
            if (g == 0)
                continue;
            Value *both = q_alloc(&st->row_arena, sizeof(Value) * (size_t)(2 * nc + 1));
            if (!both)
                return q_oom(err);
            for (int i = 0; i < nc; i++) {
                both[i] = i < st->tmp.nvals ? st->tmp.vals[i] : value_null(rel->cols[i].type);
                both[nc + i] = row[i];
            }
            EvalCtx cc = {qc, both, NULL, &st->row_arena, {0}};
            if (d->conflict_where) {
                Value w;
                if (eval_expr(&cc, d->conflict_where, &w, err) != 0)
                    return -1;
                if (!eval_value_true(&w))
                    continue;
            }
            Value *nr = q_alloc(&st->row_arena, sizeof(Value) * (size_t)(nc + 1));
            if (!nr)
                return q_oom(err);
            for (int i = 0; i < nc; i++) {
                nr[i] = both[i];
                if (d->conflict_set[i] && eval_expr(&cc, d->conflict_set[i], &nr[i], err) != 0)
                    return -1;
            }
            if (compute_generated(qc, st, d, nr, err) != 0 || check_row(qc, st, d, nr, err) != 0 ||
                fk_child_check(qc, st, rel, nr, both, err) != 0 || fk_parent_apply(qc, rel, both, nr, 0, err) != 0)
                return -1;
            if (rel_update(qc->env->txn, rel, st->conflict.key.data, st->conflict.key.len, both, nr, err) != 0 ||
                embed_row(qc, st, d, st->conflict.key.data, st->conflict.key.len, both, nr, err) != 0)
                return -1;
            result = nr;
        }
        qc->rows++;
        if (d->n_returning > 0) {
            if (eval_returning(qc, st, d, result, out, err) != 0)
                return -1;
            return 1;
        }
    }
}

/* ---- UPDATE / DELETE ------------------------------------------------------------------------- */

static int collect_targets(QueryCursor *qc, DmlState *st, SqlError *err)
{
    const DmlPlan *d = qc->q->dml;
    ExecNode *tnode = qc->nodes[d->target_scan->id];
    int rc;
    while ((rc = exec_next(st->src, err)) == 1) {
        if (st->n_targets == st->cap_targets) {
            size_t cap = st->cap_targets ? st->cap_targets * 2 : 16;
            Target *n = q_alloc(&st->arena, sizeof(Target) * cap);
            if (!n)
                return q_oom(err);
            if (st->n_targets)
                memcpy(n, st->targets, sizeof(Target) * st->n_targets);
            st->targets = n;
            st->cap_targets = cap;
        }
        Target *t = &st->targets[st->n_targets];
        t->klen = tnode->rr.key.len;
        t->key = q_alloc(&st->arena, t->klen);
        t->wide = row_copy(&st->arena, st->src->row, d->scan_width);
        if (!t->key || !t->wide)
            return q_oom(err);
        memcpy(t->key, tnode->rr.key.data, t->klen);
        /* a target row joined to several FROM rows is changed once */
        bool dup = false;
        for (size_t i = st->n_targets; i-- > 0 && st->n_targets - i < 64;)
            if (st->targets[i].klen == t->klen && memcmp(st->targets[i].key, t->key, t->klen) == 0)
                dup = true;
        if (!dup)
            st->n_targets++;
    }
    return rc < 0 ? -1 : 0;
}

static int modify_next(QueryCursor *qc, DmlState *st, const Value **out, SqlError *err)
{
    const DmlPlan *d = qc->q->dml;
    const CatRelation *rel = d->rel;
    int nc = d->ncols;
    bool is_update = qc->q->kind == QUERY_UPDATE;
    if (st->phase == 0) {
        if (collect_targets(qc, st, err) != 0)
            return -1;
        exec_close(st->src);
        st->src = NULL;
        st->phase = 1;
    }
    while (st->pos < st->n_targets) {
        Target *t = &st->targets[st->pos++];
        qarena_reset(&st->row_arena);
        RelLockResult res;
        if (rel_lock_row(qc->env->txn, rel, t->key, t->klen, REL_LOCK_EXCLUSIVE, &st->latest, &res, err) != 0)
            return -1;
        if (res == REL_ROW_DELETED)
            continue;
        Value *wide = t->wide;
        EvalCtx c = {qc, wide, NULL, &st->row_arena, {0}};
        if (res == REL_ROW_UPDATED) {
            /* READ COMMITTED: re-evaluate the target's conditions on the newest version */
            for (int i = 0; i < nc; i++)
                wide[i] = i < st->latest.nvals ? st->latest.vals[i] : value_null(rel->cols[i].type);
            bool pass;
            if (eval_quals(&c, d->target_scan->qual, d->target_scan->n_qual, &pass, err) != 0)
                return -1;
            if (!pass)
                continue;
        }
        const Value *old = wide;
        if (is_update) {
            Value *nr = q_alloc(&st->row_arena, sizeof(Value) * (size_t)(nc + 1));
            if (!nr)
                return q_oom(err);
            for (int i = 0; i < nc; i++) {
                nr[i] = old[i];
                if (d->set[i]) {
                    if (eval_expr(&c, d->set[i], &nr[i], err) != 0)
                        return -1;
                    if (!nr[i].null)
                        nr[i].type = rel->cols[i].type;
                }
            }
            if (compute_generated(qc, st, d, nr, err) != 0 || check_row(qc, st, d, nr, err) != 0 ||
                fk_child_check(qc, st, rel, nr, old, err) != 0 || fk_parent_apply(qc, rel, old, nr, 0, err) != 0)
                return -1;
            if (rel_update(qc->env->txn, rel, t->key, t->klen, old, nr, err) != 0 ||
                embed_row(qc, st, d, t->key, t->klen, old, nr, err) != 0)
                return -1;
            qc->rows++;
            if (d->n_returning > 0) {
                Value *w = q_alloc(&st->row_arena, sizeof(Value) * (size_t)(d->scan_width + 1));
                if (!w)
                    return q_oom(err);
                memcpy(w, wide, sizeof(Value) * (size_t)d->scan_width);
                memcpy(w, nr, sizeof(Value) * (size_t)nc);
                if (eval_returning(qc, st, d, w, out, err) != 0)
                    return -1;
                return 1;
            }
        } else {
            if (fk_parent_apply(qc, rel, old, NULL, 0, err) != 0)
                return -1;
            if (rel_delete(qc->env->txn, rel, t->key, t->klen, old, err) != 0 ||
                embed_row(qc, st, d, t->key, t->klen, old, NULL, err) != 0)
                return -1;
            qc->rows++;
            if (d->n_returning > 0) {
                if (eval_returning(qc, st, d, wide, out, err) != 0)
                    return -1;
                return 1;
            }
        }
    }
    return 0;
}

/* ---- entry points ---------------------------------------------------------------------------- */

int dml_open(QueryCursor *qc, SqlError *err)
{
    const DmlPlan *d = qc->q->dml;
    DmlState *st = q_alloc(qc->arena, sizeof(DmlState));
    if (!st)
        return q_oom(err);
    memset(st, 0, sizeof(*st));
    shale_arena_init(&st->arena);
    shale_arena_init(&st->row_arena);
    rel_row_init(&st->latest);
    rel_row_init(&st->tmp);
    shale_buf_init(&st->conflict.key);
    shale_buf_init(&st->newkey);
    qc->dml = st;
    st->ret = q_alloc(qc->arena, sizeof(Value) * (size_t)(d->n_returning + 1));
    if (!st->ret)
        return q_oom(err);
    const Plan *p = qc->q->kind == QUERY_INSERT ? d->source : d->scan;
    st->src = exec_build(qc, p, NULL, NULL, err);
    return st->src ? 0 : -1;
}

int dml_next(QueryCursor *qc, const Value **row, SqlError *err)
{
    DmlState *st = qc->dml;
    int rc = qc->q->kind == QUERY_INSERT ? insert_next(qc, st, row, err) : modify_next(qc, st, row, err);
    /* the facet names the table and constraint of a unique violation; the schema is ours */
    const CatRelation *rel = qc->q->dml ? qc->q->dml->rel : NULL;
    if (rc < 0 && err && err->table_name[0] && !err->schema_name[0] && rel && strcmp(err->table_name, rel->name) == 0)
        err_object(qc, rel, NULL, NULL, err);
    return rc;
}

void dml_close(QueryCursor *qc)
{
    DmlState *st = qc->dml;
    if (!st)
        return;
    exec_close(st->src);
    rowvec_free(&st->rows);
    rel_row_free(&st->latest);
    rel_row_free(&st->tmp);
    shale_buf_free(&st->conflict.key);
    shale_buf_free(&st->newkey);
    htable_free(&st->touched);
    shale_arena_destroy(&st->arena);
    shale_arena_destroy(&st->row_arena);
    qc->dml = NULL;
}
