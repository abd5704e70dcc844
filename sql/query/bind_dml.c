/* bind_dml.c -- binding of INSERT / UPDATE / DELETE: target columns, assignment casts,
 * column defaults and identity/serial sequences (stored as SQL text in the catalog and
 * parsed here), generated columns, CHECK constraints, ON CONFLICT, RETURNING, and the scan
 * that finds the rows UPDATE/DELETE change (WHERE pushed into it, index chosen). */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/query/dml_int.h"
#include "sql/query/plan_int.h"
#include "sql/acl.h"
#include "sql/pgcat/pgcat.h"

static const char *tname(Oid t)
{
    switch (t) {
    case INT2OID: return "smallint";
    case INT4OID: return "integer";
    case INT8OID: return "bigint";
    case BOOLOID: return "boolean";
    case FLOAT4OID: return "real";
    case FLOAT8OID: return "double precision";
    case VARCHAROID: return "character varying";
    case BPCHAROID: return "character";
    case TIMESTAMPOID: return "timestamp without time zone";
    case TIMESTAMPTZOID: return "timestamp with time zone";
    default: {
        const TypeInfo *ti = type_info(t);
        return ti ? ti->name : "unknown";
    }
    }
}

/* Assignment coercion of e to column col, with PostgreSQL's 42804 wording. */
static Expr *assign_to(Binder *b, Expr *e, const CatColumn *col, SqlError *err)
{
    if (e->type != UNKNOWNOID && e->type != INVALIDOID && e->kind != EXPR_PARAM &&
        !types_can_coerce(e->type, col->type, TYPES_COERCE_ASSIGNMENT)) {
        SQL_ERR(err, DATATYPE_MISMATCH, "column \"%s\" is of type %s but expression is of type %s", col->name,
                tname(col->type), tname(e->type));
        sql_error_hint(err, "You will need to rewrite or cast the expression.");
        err->position = q_position(b, e->location);
        return NULL;
    }
    return bind_coerce(b, e, col->type, col->typmod, TYPES_COERCE_ASSIGNMENT, err);
}

/* Parses "SELECT <text>" and binds its single expression in scope s. */
static Expr *bind_text_expr(Binder *b, BindScope *s, const char *text, SqlError *err)
{
    size_t n = strlen(text);
    char *sql = q_alloc(b->arena, n + 8);
    if (!sql) {
        q_oom(err);
        return NULL;
    }
    memcpy(sql, "SELECT ", 7);
    memcpy(sql + 7, text, n + 1);
    SqlRawStmt raw;
    if (sql_parse_one(sql, n + 7, b->arena, &raw, err) != 0)
        return NULL;
    const AstSelectStmt *sel = (const AstSelectStmt *)raw.stmt;
    if (raw.stmt->tag != AST_SELECT || sel->targets.n != 1)
        return NULL;
    const char *save = b->text;
    size_t save_len = b->text_len;
    b->text = sql;
    b->text_len = n + 7;
    Expr *e = bind_expr(b, s, ((const AstResTarget *)sel->targets.items[0])->val, err);
    b->text = save;
    b->text_len = save_len;
    if (!e)
        err->position = 0;
    return e;
}

/* A scope holding only the target table at offset 0. */
static BindScope *target_scope(Binder *b, const CatRelation *rel, const char *alias, SqlError *err)
{
    BindScope *s = q_alloc(b->arena, sizeof(BindScope));
    if (!s) {
        q_oom(err);
        return NULL;
    }
    memset(s, 0, sizeof(*s));
    RTE *r = bind_add_rte(b, s, alias, rel->ncols, err);
    if (!r)
        return NULL;
    r->rel = rel;
    for (int c = 0; c < rel->ncols; c++) {
        r->colnames[c] = rel->cols[c].dropped ? NULL : rel->cols[c].name;
        r->coltypes[c] = rel->cols[c].type;
        r->coltypmods[c] = rel->cols[c].typmod;
    }
    return s;
}

static int bind_defaults_checks(Binder *b, DmlPlan *d, SqlError *err)
{
    const CatRelation *rel = d->rel;
    d->defaults = q_alloc(b->arena, sizeof(Expr *) * (size_t)(rel->ncols + 1));
    d->generated = q_alloc(b->arena, sizeof(Expr *) * (size_t)(rel->ncols + 1));
    if (!d->defaults || !d->generated)
        return q_oom(err);
    BindScope empty;
    memset(&empty, 0, sizeof(empty));
    empty.expr_kind = "DEFAULT expressions";
    BindScope *ts = target_scope(b, rel, rel->name, err);
    if (!ts)
        return -1;
    ts->expr_kind = "check constraints";
    for (int c = 0; c < rel->ncols; c++) {
        const CatColumn *col = &rel->cols[c];
        d->defaults[c] = NULL;
        d->generated[c] = NULL;
        if (col->dropped)
            continue;
        if (col->generated && col->default_expr) {
            Expr *e = bind_text_expr(b, ts, col->default_expr, err);
            if (!e || !(e = assign_to(b, e, col, err)))
                return -1;
            d->generated[c] = e;
            continue;
        }
        if (col->identity && col->identity_seq) {
            Expr *e = bind_new_expr(b, EXPR_NEXTVAL, col->type, -1, 0);
            if (!e)
                return q_oom(err);
            e->u.nextval.seq = col->identity_seq;
            d->defaults[c] = e;
            continue;
        }
        if (col->default_expr) {
            Expr *e = bind_text_expr(b, &empty, col->default_expr, err);
            if (!e || !(e = assign_to(b, e, col, err)))
                return -1;
            d->defaults[c] = e;
        }
    }
    int nchk = 0;
    for (int i = 0; i < rel->ncons; i++)
        if (rel->cons[i].type == CAT_CON_CHECK && rel->cons[i].check_expr)
            nchk++;
    d->checks = q_alloc(b->arena, sizeof(Expr *) * (size_t)(nchk + 1));
    d->check_names = q_alloc(b->arena, sizeof(char *) * (size_t)(nchk + 1));
    if (!d->checks || !d->check_names)
        return q_oom(err);
    for (int i = 0; i < rel->ncons; i++) {
        const CatConstraint *con = &rel->cons[i];
        if (con->type != CAT_CON_CHECK || !con->check_expr)
            continue;
        Expr *e = bind_coerce_bool(b, bind_text_expr(b, ts, con->check_expr, err), "CHECK", err);
        if (!e)
            return -1;
        d->checks[d->n_checks] = e;
        d->check_names[d->n_checks] = con->name;
        d->n_checks++;
    }
    ts->expr_kind = "EMBEDDING OF expressions";
    for (int c = 0; c < rel->ncols; c++) {
        const CatColumn *col = &rel->cols[c];
        if (!col->embed_expr || col->dropped)
            continue;
        if (!d->embed_exprs) {
            d->embed_exprs = q_alloc(b->arena, sizeof(Expr *) * (size_t)(rel->ncols + 1));
            if (!d->embed_exprs)
                return q_oom(err);
            memset(d->embed_exprs, 0, sizeof(Expr *) * (size_t)(rel->ncols + 1));
        }
        Expr *e = bind_text_expr(b, ts, col->embed_expr, err);
        if (!e || !(e = bind_coerce(b, e, TEXTOID, -1, TYPES_COERCE_EXPLICIT, err)))
            return -1;
        d->embed_exprs[c] = e;
    }
    return 0;
}

static int bind_returning(Binder *b, BindScope *s, DmlPlan *d, const AstList *ret, int *ncols, const char ***names,
                          Oid **types, int32_t **typmods, Expr ***tlist, SqlError *err)
{
    *ncols = 0;
    if (ret->n == 0)
        return 0;
    int cap = ret->n + s->width + 1;
    Expr **ex = q_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
    const char **nm = q_alloc(b->arena, sizeof(char *) * (size_t)cap);
    if (!ex || !nm)
        return q_oom(err);
    int n = 0;
    s->expr_kind = "RETURNING";
    for (int i = 0; i < ret->n; i++) {
        const AstResTarget *rt = (const AstResTarget *)ret->items[i];
        if (rt->val->tag == AST_COLUMN_REF && ((const AstColumnRef *)rt->val)->star) {
            const AstColumnRef *cr = (const AstColumnRef *)rt->val;
            const char *tab = cr->fields.n >= 2 ? cr->fields.names[cr->fields.n - 2] : NULL;
            for (int k = 0; k < s->n_rte; k++) {
                RTE *r = s->rtes[k];
                if (tab && (!r->alias || strcmp(r->alias, tab) != 0))
                    continue;
                for (int c = 0; c < r->ncols; c++) {
                    if (!r->colnames[c] || (r->hidden && r->hidden[c]))
                        continue;
                    Expr *v = bind_make_var(b, 0, r->offset + c, r->coltypes[c], r->coltypmods[c]);
                    if (!v)
                        return q_oom(err);
                    if (r->rel) {
                        v->u.var.rel = r->rel->oid;
                        v->u.var.attnum = (int16_t)(c + 1);
                    }
                    if (n >= cap)
                        break;
                    ex[n] = v;
                    nm[n++] = r->colnames[c];
                }
            }
            continue;
        }
        Expr *e = bind_resolve_unknown(b, bind_expr(b, s, rt->val, err), err);
        if (!e)
            return -1;
        if (n >= cap)
            break;
        ex[n] = e;
        nm[n++] = rt->name ? rt->name : bind_colname(rt->val);
    }
    d->n_returning = n;
    d->returning = ex;
    *ncols = n;
    *names = nm;
    *types = q_alloc(b->arena, sizeof(Oid) * (size_t)(n + 1));
    *typmods = q_alloc(b->arena, sizeof(int32_t) * (size_t)(n + 1));
    if (!*types || !*typmods)
        return q_oom(err);
    for (int i = 0; i < n; i++) {
        (*types)[i] = ex[i]->type;
        (*typmods)[i] = ex[i]->typmod;
    }
    *tlist = ex;
    return 0;
}

static int col_index(const CatRelation *rel, const char *name)
{
    const CatColumn *c = catrel_column_by_name(rel, name);
    return c ? c->attnum - 1 : -1;
}

static int err_no_column(Binder *b, const CatRelation *rel, const char *name, int location, SqlError *err)
{
    SQL_ERR(err, UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", name, rel->name);
    err->position = q_position(b, location);
    return -1;
}

/* ON CONFLICT (cols) / ON CONSTRAINT name must name a unique index (or the primary key).
 * The arbiters (PostgreSQL's inference): ON CONSTRAINT -> that constraint's index; (cols) ->
 * every unique index whose key columns are exactly cols; no target -> every unique index
 * (d->n_arbiters stays 0). Only an arbiter's conflict takes the ON CONFLICT action. */
static int add_arbiter(Binder *b, DmlPlan *d, const CatRelation *rel, Oid index_oid, SqlError *err)
{
    if (!d->arbiters) {
        d->arbiters = q_alloc(b->arena, sizeof(Oid) * (size_t)(rel->nindexes + 1));
        if (!d->arbiters)
            return q_oom(err);
    }
    if (d->n_arbiters < rel->nindexes)
        d->arbiters[d->n_arbiters++] = index_oid;
    return 0;
}

static int check_arbiter(Binder *b, DmlPlan *d, const CatRelation *rel, const AstOnConflict *oc, SqlError *err)
{
    if (oc->constraint) {
        for (int i = 0; i < rel->ncons; i++)
            if ((rel->cons[i].type == CAT_CON_PRIMARY || rel->cons[i].type == CAT_CON_UNIQUE) &&
                strcmp(rel->cons[i].name, oc->constraint) == 0)
                for (int k = 0; k < rel->nindexes; k++)
                    if (rel->indexes[k].oid == rel->cons[i].index_oid ||
                        strcmp(rel->indexes[k].name, oc->constraint) == 0)
                        return add_arbiter(b, d, rel, rel->indexes[k].oid, err);
        for (int i = 0; i < rel->nindexes; i++)
            if ((rel->indexes[i].unique || rel->indexes[i].primary) && strcmp(rel->indexes[i].name, oc->constraint) == 0)
                return add_arbiter(b, d, rel, rel->indexes[i].oid, err);
        SQL_ERR(err, UNDEFINED_OBJECT, "constraint \"%s\" for table \"%s\" does not exist", oc->constraint, rel->name);
        return -1;
    }
    if (oc->infer_elems.n == 0)
        return 0;
    int16_t want[32];
    int nw = 0;
    for (int i = 0; i < oc->infer_elems.n && nw < 32; i++) {
        const AstIndexElem *ie = (const AstIndexElem *)oc->infer_elems.items[i];
        if (!ie->name) {
            SQL_ERR(err, INVALID_COLUMN_REFERENCE, "there is no unique or exclusion constraint matching the ON CONFLICT specification");
            return -1;
        }
        const CatColumn *c = catrel_column_by_name(rel, ie->name);
        if (!c) {
            SQL_ERR(err, UNDEFINED_COLUMN, "column \"%s\" does not exist", ie->name);
            err->position = q_position(b, ie->hdr.location);
            return -1;
        }
        bool dup = false;
        for (int k = 0; k < nw; k++)
            dup |= want[k] == c->attnum;
        if (!dup)
            want[nw++] = c->attnum;
    }
    for (int i = 0; i < rel->nindexes; i++) {
        const CatIndex *idx = &rel->indexes[i];
        if (!(idx->unique || idx->primary) || idx->ncols != nw)
            continue;
        bool all = true;
        for (int k = 0; k < nw && all; k++) {
            bool found = false;
            for (int j = 0; j < idx->ncols; j++)
                if (idx->attnums[j] == want[k])
                    found = true;
            all = found;
        }
        if (all && add_arbiter(b, d, rel, idx->oid, err) != 0)
            return -1;
    }
    if (d->n_arbiters > 0)
        return 0;
    SQL_ERR(err, INVALID_COLUMN_REFERENCE, "there is no unique or exclusion constraint matching the ON CONFLICT specification");
    return -1;
}

static bool check_col_fn(Expr *e, void *arg)
{
    bool *seen = arg;
    if (e->kind == EXPR_VAR && e->u.var.level == 0 && e->u.var.index >= 0 && e->u.var.index < 1600)
        seen[e->u.var.index] = true;
    return true;
}

int query_check_columns(QueryEnv *env, const CatRelation *rel, const char *expr_text, int16_t *attnums, int cap,
                        int *n, SqlError *err)
{
    ShaleArena a;
    shale_arena_init(&a);
    Binder b;
    memset(&b, 0, sizeof b);
    b.env = env;
    b.arena = &a;
    b.text = expr_text;
    b.text_len = strlen(expr_text);
    int rc = -1;
    *n = 0;
    BindScope *ts = target_scope(&b, rel, rel->name, err);
    bool *seen = ts ? q_alloc(&a, sizeof(bool) * 1600) : NULL;
    if (ts && seen) {
        memset(seen, 0, sizeof(bool) * 1600);
        ts->expr_kind = "check constraints";
        Expr *e = bind_text_expr(&b, ts, expr_text, err);
        if (e)
            e = bind_coerce_bool(&b, e, "CHECK", err);
        if (e) {
            bind_walk(e, check_col_fn, seen);
            for (int c = 0; c < rel->ncols && c < 1600; c++)
                if (seen[c]) {
                    if (*n < cap)
                        attnums[*n] = (int16_t)(c + 1);
                    (*n)++;
                }
            rc = 0;
        }
    } else if (ts) {
        q_oom(err);
    }
    shale_arena_destroy(&a);
    return rc;
}

/* UPDATE ... SET col[i] = v: col = array_assign_element(col, i, v) over the row's current
 * value (PostgreSQL's array assignment: extends with NULLs, a NULL array becomes [i:i]). */
static Expr *bind_subscript_assign(Binder *b, BindScope *s, const CatRelation *rel, int c, const AstResTarget *rt,
                                   const AstNode *val, SqlError *err)
{
    const CatColumn *col = &rel->cols[c];
    Oid et = types_array_elem(col->type);
    if (!et) {
        ShaleBuf tn;
        shale_buf_init(&tn);
        types_format_type(col->type, -1, &tn);
        SQL_ERR(err, DATATYPE_MISMATCH, "cannot subscript type %.*s because it does not support subscripting",
                tn.oom ? 0 : (int)tn.len, tn.oom ? "" : tn.data);
        shale_buf_free(&tn);
        err->position = q_position(b, rt->hdr.location);
        return NULL;
    }
    if (rt->n_indirection != 1 || rt->indirection[0].kind != AST_INDIR_INDEX) {
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "assignment to array slices or multidimensional elements is not supported");
        err->position = q_position(b, rt->hdr.location);
        return NULL;
    }
    AstColumnRef *ref = q_alloc(b->arena, sizeof(AstColumnRef));
    const char **names = q_alloc(b->arena, sizeof(char *));
    if (!ref || !names) {
        q_oom(err);
        return NULL;
    }
    memset(ref, 0, sizeof *ref);
    ref->hdr.tag = AST_COLUMN_REF;
    ref->hdr.location = rt->hdr.location;
    names[0] = rt->name;
    ref->fields.names = names;
    ref->fields.n = 1;
    Expr *arr = bind_expr(b, s, (const AstNode *)ref, err);
    Expr *idx = arr ? bind_expr(b, s, rt->indirection[0].lo, err) : NULL;
    Expr *v = idx ? bind_expr(b, s, val, err) : NULL;
    if (!v)
        return NULL;
    CatColumn elem_col = *col;
    elem_col.type = et;
    elem_col.typmod = -1;
    if (!(idx = bind_coerce(b, idx, INT4OID, -1, TYPES_COERCE_ASSIGNMENT, err)) || !(v = assign_to(b, v, &elem_col, err)))
        return NULL;
    SqlFuncMatch m;
    Oid types[3] = { col->type, INT4OID, et };
    if (types_func_resolve("array_assign_element", 3, types, &m, err) != 0)
        return NULL;
    SqlFuncMatch *pm = q_alloc(b->arena, sizeof(SqlFuncMatch));
    Expr *e = bind_new_expr(b, EXPR_FUNC, col->type, rt->hdr.location, 3);
    if (!pm || !e) {
        q_oom(err);
        return NULL;
    }
    m.ret_type = col->type;
    *pm = m;
    e->args[0] = arr;
    e->args[1] = idx;
    e->args[2] = v;
    e->u.func.m = pm;
    e->u.func.is_op = false;
    e->typmod = col->typmod;
    return e;
}

/* ---- INSERT ----------------------------------------------------------------------------- */

/* A non-DEFAULT value for target column col: PostgreSQL's rewriteTargetListIU checks.
 * Returns -1 (428C9) for a generated column, or a GENERATED ALWAYS identity column without
 * OVERRIDING SYSTEM VALUE; *use_default is set when the value is to be replaced by the
 * column's default (OVERRIDING USER VALUE on an identity column). */
static int insert_check_value(const CatColumn *col, AstOverriding ov, bool *use_default, SqlError *err)
{
    *use_default = false;
    if (col->generated) {
        SQL_ERR(err, GENERATED_ALWAYS, "cannot insert a non-DEFAULT value into column \"%s\"", col->name);
        sql_error_detail(err, "Column \"%s\" is a generated column.", col->name);
        return -1;
    }
    if (!col->identity)
        return 0;
    if (ov == AST_OVERRIDING_USER) {
        *use_default = true;
        return 0;
    }
    if (col->identity == 'a' && ov != AST_OVERRIDING_SYSTEM) {
        SQL_ERR(err, GENERATED_ALWAYS, "cannot insert a non-DEFAULT value into column \"%s\"", col->name);
        sql_error_detail(err, "Column \"%s\" is an identity column defined as GENERATED ALWAYS.", col->name);
        sql_error_hint(err, "Use OVERRIDING SYSTEM VALUE to override.");
        return -1;
    }
    return 0;
}

static int bind_insert(Binder *b, PreparedQuery *q, const AstInsertStmt *ins, int *ncols, const char ***names,
                       Oid **types, int32_t **typmods, Expr ***tlist, SqlError *err)
{
    DmlPlan *d = q->dml;
    const CatRelation *rel = bind_lookup_relation(b, ins->relation, err);
    if (!rel)
        return -1;
    if (rel->kind != CAT_REL_TABLE) {
        SQL_ERR(err, WRONG_OBJECT_TYPE, "cannot insert into %s \"%s\"", rel->kind == CAT_REL_VIEW ? "view" : "sequence", rel->name);
        return -1;
    }
    if (acl_query_check(b->env, rel, PGCAT_ACL_INSERT | (ins->returning.n || ins->on_conflict ? PGCAT_ACL_SELECT : 0) |
                                         (ins->on_conflict ? PGCAT_ACL_UPDATE : 0), err) != 0)
        return -1;
    b->touched_tables = true;
    d->rel = rel;
    d->ncols = rel->ncols;
    if (bind_defaults_checks(b, d, err) != 0)
        return -1;
    /* target columns */
    int nt = ins->cols.n;
    if (nt == 0) {
        for (int c = 0; c < rel->ncols; c++)
            if (!rel->cols[c].dropped)
                nt++;
        /* without a column list, shorter rows fill the leading columns */
        const AstSelectStmt *s0 = ins->select;
        if (s0 && s0->values.n > 0 && s0->op == AST_SETOP_NONE) {
            int w = ((const AstRowExpr *)s0->values.items[0])->args.n;
            if (w < nt)
                nt = w;
        }
    }
    d->target_col = q_alloc(b->arena, sizeof(int) * (size_t)(nt + 1));
    if (!d->target_col)
        return q_oom(err);
    if (ins->cols.n > 0) {
        for (int i = 0; i < nt; i++) {
            const AstResTarget *rt = (const AstResTarget *)ins->cols.items[i];
            int c = col_index(rel, rt->name);
            if (c < 0)
                return err_no_column(b, rel, rt->name, rt->hdr.location, err);
            for (int k = 0; k < i; k++)
                if (d->target_col[k] == c) {
                    SQL_ERR(err, DUPLICATE_COLUMN, "column \"%s\" specified more than once", rt->name);
                    err->position = q_position(b, rt->hdr.location);
                    return -1;
                }
            d->target_col[i] = c;
        }
    } else {
        int k = 0;
        for (int c = 0; c < rel->ncols; c++)
            if (!rel->cols[c].dropped)
                d->target_col[k++] = c;
    }
    d->n_target = nt;
    const AstSelectStmt *sel = ins->select;
    if (!sel) {
        Plan *p = bind_new_plan(b, PLAN_VALUES, NULL, NULL);
        if (!p)
            return q_oom(err);
        p->n_rows = 1;
        p->rows = q_alloc(b->arena, sizeof(Expr **));
        if (!p->rows)
            return q_oom(err);
        p->rows[0] = NULL;
        p->ncols = 0;
        d->n_target = 0;
        d->source = p;
    } else if (sel->values.n > 0 && sel->op == AST_SETOP_NONE && sel->sort.n == 0 && !sel->limit_count && !sel->with) {
        BindScope vs;
        memset(&vs, 0, sizeof(vs));
        vs.expr_kind = "VALUES";
        Plan *p = bind_new_plan(b, PLAN_VALUES, NULL, NULL);
        if (!p)
            return q_oom(err);
        p->n_rows = sel->values.n;
        p->rows = q_alloc(b->arena, sizeof(Expr **) * (size_t)p->n_rows);
        if (!p->rows)
            return q_oom(err);
        for (int i = 0; i < p->n_rows; i++) {
            const AstRowExpr *r = (const AstRowExpr *)sel->values.items[i];
            if (r->args.n > nt) {
                SQL_ERR(err, SYNTAX_ERROR, "INSERT has more expressions than target columns");
                err->position = q_position(b, r->args.items[nt]->location);
                return -1;
            }
            if (r->args.n < nt) {
                SQL_ERR(err, SYNTAX_ERROR, "INSERT has more target columns than expressions");
                err->position = q_position(b, ins->cols.n ? ins->cols.items[r->args.n]->location : r->hdr.location);
                return -1;
            }
            p->rows[i] = q_alloc(b->arena, sizeof(Expr *) * (size_t)(nt + 1));
            if (!p->rows[i])
                return q_oom(err);
            for (int c = 0; c < nt; c++) {
                const AstNode *v = r->args.items[c];
                int col = d->target_col[c];
                Expr *e;
                if (v->tag == AST_DEFAULT) {
                    e = d->defaults[col];
                    if (!e && !(e = bind_make_const(b, value_null(rel->cols[col].type), v->location)))
                        return q_oom(err);
                } else {
                    bool use_default;
                    if (insert_check_value(&rel->cols[col], ins->overriding, &use_default, err) != 0)
                        return -1;
                    e = bind_expr(b, &vs, v, err);
                    if (!e || !(e = assign_to(b, e, &rel->cols[col], err)))
                        return -1;
                    if (use_default && d->defaults[col])
                        e = d->defaults[col];
                }
                p->rows[i][c] = e;
            }
        }
        p->ncols = nt;
        p->est_rows = p->n_rows;
        d->source = p;
    } else {
        int sn;
        const char **snames;
        Oid *stypes;
        int32_t *stm;
        Plan *src = bind_select(b, NULL, sel, &sn, &snames, &stypes, &stm, NULL, err);
        if (!src)
            return -1;
        if (ins->cols.n == 0 && sn < nt)
            nt = d->n_target = sn;
        if (sn > nt) {
            SQL_ERR(err, SYNTAX_ERROR, "INSERT has more expressions than target columns");
            return -1;
        }
        if (sn < nt) {
            SQL_ERR(err, SYNTAX_ERROR, "INSERT has more target columns than expressions");
            return -1;
        }
        Plan *pj = bind_new_plan(b, PLAN_PROJECT, src, NULL);
        if (!pj)
            return q_oom(err);
        pj->ncols = pj->n_exprs = nt;
        pj->exprs = q_alloc(b->arena, sizeof(Expr *) * (size_t)(nt + 1));
        if (!pj->exprs)
            return q_oom(err);
        for (int c = 0; c < nt; c++) {
            bool use_default;
            if (insert_check_value(&rel->cols[d->target_col[c]], ins->overriding, &use_default, err) != 0)
                return -1;
            Expr *v = bind_make_var(b, 0, c, stypes[c], stm[c]);
            if (!v || !(pj->exprs[c] = assign_to(b, v, &rel->cols[d->target_col[c]], err)))
                return -1;
            if (use_default && d->defaults[d->target_col[c]])
                pj->exprs[c] = d->defaults[d->target_col[c]];
        }
        pj->est_rows = src->est_rows;
        d->source = pj;
        d->materialize = true;
    }
    const char *alias = ins->relation->alias ? ins->relation->alias->name : rel->name;
    /* ON CONFLICT */
    if (ins->on_conflict) {
        const AstOnConflict *oc = ins->on_conflict;
        d->conflict = oc->action == AST_CONFLICT_NOTHING ? 1 : 2;
        if (check_arbiter(b, d, rel, oc, err) != 0)
            return -1;
        if (d->conflict == 2 && oc->infer_elems.n == 0 && !oc->constraint) {
            SQL_ERR(err, SYNTAX_ERROR, "ON CONFLICT DO UPDATE requires inference specification or constraint name");
            sql_error_hint(err, "For example, ON CONFLICT (column_name).");
            err->position = q_position(b, oc->hdr.location);
            return -1;
        }
        if (d->conflict == 2) {
            BindScope *cs = target_scope(b, rel, alias, err);
            if (!cs)
                return -1;
            RTE *ex = bind_add_rte(b, cs, "excluded", rel->ncols, err);
            if (!ex)
                return -1;
            for (int c = 0; c < rel->ncols; c++) {
                ex->colnames[c] = rel->cols[c].dropped ? NULL : rel->cols[c].name;
                ex->coltypes[c] = rel->cols[c].type;
                ex->coltypmods[c] = rel->cols[c].typmod;
            }
            cs->expr_kind = "ON CONFLICT DO UPDATE";
            d->conflict_set = q_alloc(b->arena, sizeof(Expr *) * (size_t)(rel->ncols + 1));
            if (!d->conflict_set)
                return q_oom(err);
            memset(d->conflict_set, 0, sizeof(Expr *) * (size_t)(rel->ncols + 1));
            for (int i = 0; i < oc->targets.n; i++) {
                const AstResTarget *rt = (const AstResTarget *)oc->targets.items[i];
                int c = col_index(rel, rt->name);
                if (c < 0)
                    return err_no_column(b, rel, rt->name, rt->hdr.location, err);
                const AstNode *val = rt->val;
                if (val->tag == AST_MULTI_ASSIGN) {
                    const AstMultiAssign *ma = (const AstMultiAssign *)val;
                    if (ma->source->tag != AST_ROW) {
                        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "multiple-column UPDATE from a sub-query is not supported");
                        return -1;
                    }
                    val = ((const AstRowExpr *)ma->source)->args.items[ma->colno - 1];
                }
                Expr *e;
                if (val->tag == AST_DEFAULT) {
                    e = d->defaults[c] ? d->defaults[c] : bind_make_const(b, value_null(rel->cols[c].type), -1);
                } else {
                    e = bind_expr(b, cs, val, err);
                    if (!e || !(e = assign_to(b, e, &rel->cols[c], err)))
                        return -1;
                }
                d->conflict_set[c] = e;
            }
            if (oc->where) {
                d->conflict_where = bind_coerce_bool(b, bind_expr(b, cs, oc->where, err), "WHERE", err);
                if (!d->conflict_where)
                    return -1;
            }
        }
    }
    BindScope *rs = target_scope(b, rel, alias, err);
    if (!rs)
        return -1;
    return bind_returning(b, rs, d, &ins->returning, ncols, names, types, typmods, tlist, err);
}

/* ---- UPDATE / DELETE ---------------------------------------------------------------------- */

static int bind_target_scan(Binder *b, DmlPlan *d, BindScope *s, AstRangeVar *target, const AstList *from,
                            const AstNode *where, SqlError *err)
{
    AstList list;
    list.n = from->n + 1;
    list.items = q_alloc(b->arena, sizeof(AstNode *) * (size_t)list.n);
    if (!list.items)
        return q_oom(err);
    list.items[0] = &target->hdr;
    for (int i = 0; i < from->n; i++)
        list.items[i + 1] = from->items[i];
    Plan *p = bind_from_where(b, s, &list, where, err);
    if (!p)
        return -1;
    RTE *t = s->rtes[0];
    if (!t->rel || t->rel->kind != CAT_REL_TABLE) {
        SQL_ERR(err, WRONG_OBJECT_TYPE, "cannot change relation \"%s\"", target->relname);
        return -1;
    }
    d->rel = t->rel;
    d->ncols = t->rel->ncols;
    d->scan = p;
    d->scan_width = s->width;
    d->target_scan = t->plan;
    return 0;
}

static int bind_update(Binder *b, PreparedQuery *q, const AstUpdateStmt *up, int *ncols, const char ***names,
                       Oid **types, int32_t **typmods, Expr ***tlist, SqlError *err)
{
    DmlPlan *d = q->dml;
    BindScope *s = q_alloc(b->arena, sizeof(BindScope));
    if (!s)
        return q_oom(err);
    memset(s, 0, sizeof(*s));
    b->acl_target = up->relation;
    b->acl_target_privs = PGCAT_ACL_UPDATE | (up->where || up->returning.n ? PGCAT_ACL_SELECT : 0);
    if (bind_target_scan(b, d, s, up->relation, &up->from, up->where, err) != 0)
        return -1;
    const CatRelation *rel = d->rel;
    if (bind_defaults_checks(b, d, err) != 0)
        return -1;
    d->set = q_alloc(b->arena, sizeof(Expr *) * (size_t)(rel->ncols + 1));
    if (!d->set)
        return q_oom(err);
    memset(d->set, 0, sizeof(Expr *) * (size_t)(rel->ncols + 1));
    s->expr_kind = "UPDATE";
    const AstNode *ms_source = NULL;
    Plan *ms_plan = NULL;
    int ms_ncols = 0;
    Oid *ms_types = NULL;
    int32_t *ms_typmods = NULL;
    bool ms_corr = false;
    for (int i = 0; i < up->targets.n; i++) {
        const AstResTarget *rt = (const AstResTarget *)up->targets.items[i];
        int c = col_index(rel, rt->name);
        if (c < 0)
            return err_no_column(b, rel, rt->name, rt->hdr.location, err);
        if (d->set[c]) {
            SQL_ERR(err, SYNTAX_ERROR, "multiple assignments to same column \"%s\"", rt->name);
            return -1;
        }
        const AstNode *val = rt->val;
        if (val->tag == AST_MULTI_ASSIGN && ((const AstMultiAssign *)val)->source->tag == AST_SUBLINK &&
            ((const AstSubLink *)((const AstMultiAssign *)val)->source)->kind == AST_SUBLINK_EXPR) {
            /* SET (a, b) = (SELECT x, y): one scalar sub-query per column over one plan */
            const AstMultiAssign *ma = (const AstMultiAssign *)val;
            if (ma->source != ms_source) {
                ms_source = ma->source;
                ms_plan = bind_subquery_plan(b, s, ((const AstSubLink *)ma->source)->subquery, &ms_ncols, &ms_types,
                                             &ms_typmods, &ms_corr, err);
                if (!ms_plan)
                    return -1;
                if (ms_ncols != ma->ncolumns) {
                    SQL_ERR(err, SYNTAX_ERROR, "number of columns does not match number of values");
                    err->position = q_position(b, ma->source->location);
                    return -1;
                }
            }
            Expr *e = bind_sublink_column(b, ms_plan, ma->colno - 1, ms_types[ma->colno - 1], ms_typmods[ma->colno - 1],
                                          ms_corr, ma->source->location);
            if (!e || !(e = assign_to(b, e, &rel->cols[c], err)))
                return -1;
            d->set[c] = e;
            continue;
        }
        if (val->tag == AST_MULTI_ASSIGN) {
            const AstMultiAssign *ma = (const AstMultiAssign *)val;
            if (ma->source->tag != AST_ROW) {
                SQL_ERR(err, FEATURE_NOT_SUPPORTED, "multiple-column UPDATE from a sub-query is not supported");
                err->position = q_position(b, ma->source->location);
                return -1;
            }
            const AstRowExpr *row = (const AstRowExpr *)ma->source;
            if (row->args.n != ma->ncolumns) {
                SQL_ERR(err, SYNTAX_ERROR, "number of columns does not match number of values");
                err->position = q_position(b, ma->source->location);
                return -1;
            }
            val = row->args.items[ma->colno - 1];
        }
        Expr *e;
        if (val->tag == AST_DEFAULT) {
            e = d->defaults[c] ? d->defaults[c] : bind_make_const(b, value_null(rel->cols[c].type), -1);
        } else {
            if (rel->cols[c].generated) {
                SQL_ERR(err, GENERATED_ALWAYS, "column \"%s\" can only be updated to DEFAULT", rt->name);
                sql_error_detail(err, "Column \"%s\" is a generated column.", rt->name);
                return -1;
            }
            if (rel->cols[c].identity == 'a') {
                SQL_ERR(err, GENERATED_ALWAYS, "column \"%s\" can only be updated to DEFAULT", rt->name);
                sql_error_detail(err, "Column \"%s\" is an identity column defined as GENERATED ALWAYS.", rt->name);
                return -1;
            }
            if (rt->n_indirection > 0) {
                e = bind_subscript_assign(b, s, rel, c, rt, val, err);
                if (!e)
                    return -1;
            } else {
                e = bind_expr(b, s, val, err);
                if (!e || !(e = assign_to(b, e, &rel->cols[c], err)))
                    return -1;
            }
        }
        d->set[c] = e;
    }
    return bind_returning(b, s, d, &up->returning, ncols, names, types, typmods, tlist, err);
}

static int bind_delete(Binder *b, PreparedQuery *q, const AstDeleteStmt *del, int *ncols, const char ***names,
                       Oid **types, int32_t **typmods, Expr ***tlist, SqlError *err)
{
    DmlPlan *d = q->dml;
    BindScope *s = q_alloc(b->arena, sizeof(BindScope));
    if (!s)
        return q_oom(err);
    memset(s, 0, sizeof(*s));
    b->acl_target = del->relation;
    b->acl_target_privs = PGCAT_ACL_DELETE | (del->where || del->returning.n ? PGCAT_ACL_SELECT : 0);
    if (bind_target_scan(b, d, s, del->relation, &del->using_, del->where, err) != 0)
        return -1;
    return bind_returning(b, s, d, &del->returning, ncols, names, types, typmods, tlist, err);
}

int bind_dml(Binder *b, PreparedQuery *q, const AstNode *stmt, int *ncols, const char ***names, Oid **types,
             int32_t **typmods, Expr ***tlist, SqlError *err)
{
    q->dml = q_alloc(b->arena, sizeof(DmlPlan));
    if (!q->dml)
        return q_oom(err);
    memset(q->dml, 0, sizeof(DmlPlan));
    *ncols = 0;
    *tlist = NULL;
    if (bind_view_dml_rewrite(b, q->dml, stmt, &stmt, err) != 0)  /* target an updatable view */
        return -1;
    const AstWithClause *with = stmt->tag == AST_INSERT ? ((const AstInsertStmt *)stmt)->with :
                                stmt->tag == AST_UPDATE ? ((const AstUpdateStmt *)stmt)->with :
                                ((const AstDeleteStmt *)stmt)->with;
    if (with && bind_with(b, with, err) != 0)
        return -1;
    b->touched_tables = true;
    switch (stmt->tag) {
    case AST_INSERT:
        if (bind_insert(b, q, (const AstInsertStmt *)stmt, ncols, names, types, typmods, tlist, err) != 0)
            return -1;
        return bind_view_checks(b, q->dml, err);
    case AST_UPDATE:
        if (bind_update(b, q, (const AstUpdateStmt *)stmt, ncols, names, types, typmods, tlist, err) != 0)
            return -1;
        return bind_view_checks(b, q->dml, err);
    default:
        return bind_delete(b, q, (const AstDeleteStmt *)stmt, ncols, names, types, typmods, tlist, err);
    }
}
