/* bind_from.c -- the binder's FROM clause: relation lookup through search_path, range-table
 * entries (RTEs) and the FROM-level plan tree (scans, sub-query scans, function scans,
 * joins), with WHERE/ON conjuncts pushed into scans and turned into join keys.
 *
 * Join planning is left-deep in the order written: each join chooses
 *  - nested loop with an index scan inside when an equi-conjunct binds a leading index
 *    column of the inner table to outer columns,
 *  - hash join when equi-conjuncts exist (build side = inner),
 *  - plain nested loop otherwise.
 * RIGHT JOIN is planned as a LEFT JOIN with the sides swapped (the wide row layout does not
 * depend on which side drives). Memory: everything in b->arena. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/pgcat/pgcat.h"
#include "sql/query/query_int.h"
#include "sql/acl.h"
#include "sql/query/dml_int.h"
#include "sql/query/plan_int.h"

Plan *bind_new_plan(Binder *b, PlanKind kind, Plan *left, Plan *right)
{
    Plan *p = q_alloc(b->arena, sizeof(Plan));
    if (!p)
        return NULL;
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->id = b->n_plans++;
    p->left = left;
    p->right = right;
    p->lock_mode = REL_LOCK_NONE;
    p->est_rows = 1;
    return p;
}

RTE *bind_add_rte(Binder *b, BindScope *s, const char *alias, int ncols, SqlError *err)
{
    if (s->n_rte == s->cap_rte) {
        int cap = s->cap_rte ? s->cap_rte * 2 : 8;
        RTE **n = q_alloc(b->arena, sizeof(RTE *) * (size_t)cap);
        if (!n) {
            q_oom(err);
            return NULL;
        }
        if (s->n_rte)
            memcpy(n, s->rtes, sizeof(RTE *) * (size_t)s->n_rte);
        s->rtes = n;
        s->cap_rte = cap;
    }
    RTE *r = q_alloc(b->arena, sizeof(RTE));
    if (!r) {
        q_oom(err);
        return NULL;
    }
    memset(r, 0, sizeof(*r));
    r->alias = alias;
    r->ncols = ncols;
    r->colnames = q_alloc(b->arena, sizeof(char *) * (size_t)(ncols + 1));
    r->coltypes = q_alloc(b->arena, sizeof(Oid) * (size_t)(ncols + 1));
    r->coltypmods = q_alloc(b->arena, sizeof(int32_t) * (size_t)(ncols + 1));
    if (!r->colnames || !r->coltypes || !r->coltypmods) {
        q_oom(err);
        return NULL;
    }
    r->offset = s->width;
    r->index = s->n_rte;
    r->in_join_scope = true;
    s->width += ncols;
    s->rtes[s->n_rte++] = r;
    return r;
}

/* search_path: "$user" (when such a schema exists), then the listed schemas. */
static int path_schemas(Binder *b, Oid *out, int max)
{
    int n = 0;
    const CatNamespace *pg = catsnap_namespace_by_name(b->env->cat, "pg_catalog");
    if (pg && n < max)
        out[n++] = pg->oid;
    const char *p = b->env->search_path ? b->env->search_path : "\"$user\", public";
    while (*p && n < max) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        char name[128];
        size_t k = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"' && k < sizeof(name) - 1)
                name[k++] = *p++;
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && *p != ' ' && k < sizeof(name) - 1) {
                char c = *p++;
                name[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            }
        }
        name[k] = '\0';
        while (*p && *p != ',')
            p++;
        const char *nm = name;
        if (strcmp(name, "$user") == 0)
            nm = b->env->user ? b->env->user : "";
        const CatNamespace *ns = catsnap_namespace_by_name(b->env->cat, nm);
        if (ns)
            out[n++] = ns->oid;
    }
    return n;
}

const CatRelation *bind_lookup_relation(Binder *b, const AstRangeVar *rv, SqlError *err)
{
    if (!b->env->cat) {
        SQL_ERR(err, UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
        err->position = q_position(b, rv->hdr.location);
        return NULL;
    }
    if (rv->schema) {
        const CatNamespace *ns = catsnap_namespace_by_name(b->env->cat, rv->schema);
        /* a missing schema reads as a missing relation (RangeVarGetRelid with missing_ok) */
        const CatRelation *rel = ns ? catsnap_relation_by_name(b->env->cat, ns->oid, rv->relname) : NULL;
        if (!rel) {
            SQL_ERR(err, UNDEFINED_TABLE, "relation \"%s.%s\" does not exist", rv->schema, rv->relname);
            err->position = q_position(b, rv->hdr.location);
        }
        return rel;
    }
    Oid nsps[10];
    int n = path_schemas(b, nsps, 10);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation_by_name(b->env->cat, nsps[i], rv->relname);
        if (rel)
            return rel;
    }
    SQL_ERR(err, UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
    err->position = q_position(b, rv->hdr.location);
    return NULL;
}

static const char *schema_name(Binder *b, Oid nsp)
{
    const CatNamespace *ns = catsnap_namespace_by_oid(b->env->cat, nsp);
    return ns ? ns->name : NULL;
}

static int apply_alias_cols(Binder *b, RTE *r, const AstAlias *alias, SqlError *err, int location)
{
    if (!alias)
        return 0;
    int k = 0;
    for (int c = 0; c < r->ncols && k < alias->colnames.n; c++) {
        if (!r->colnames[c])
            continue;
        r->colnames[c] = alias->colnames.names[k++];
    }
    if (k < alias->colnames.n) {
        SQL_ERR(err, INVALID_COLUMN_REFERENCE, "table \"%s\" has %d columns available but %d columns specified",
                r->alias, k, alias->colnames.n);
        err->position = q_position(b, location);
        return -1;
    }
    return 0;
}

/* ---- FROM items --------------------------------------------------------------------------- */

typedef struct FromCtx {
    Binder *b;
    BindScope *s;
    SqlError *err;
    uint64_t lmask;              /* != 0: the left side's RTEs (reordered FROM list, plan_join.c) */
} FromCtx;

/* Finishes an RTE whose rows come from the subplan sub (a subquery, a view, unnest):
 * applies the alias's column names and wraps sub in a SubqueryScan bound to r. */
static Plan *subquery_scan(FromCtx *fc, RTE *r, Plan *sub, int ncols, const AstAlias *alias, int location)
{
    Binder *b = fc->b;
    if (apply_alias_cols(b, r, alias, fc->err, location) != 0)
        return NULL;
    Plan *p = bind_new_plan(b, PLAN_SUBQUERYSCAN, sub, NULL);
    if (!p)
        return NULL;
    p->rte = r;
    p->ncols = ncols;
    p->est_rows = sub->est_rows;
    r->plan = p;
    return p;
}

static Plan *from_item(FromCtx *fc, const AstNode *n);

static Plan *from_table(FromCtx *fc, const AstRangeVar *rv)
{
    Binder *b = fc->b;
    BindScope *s = fc->s;
    const char *alias = rv->alias ? rv->alias->name : rv->relname;
    /* CTE? */
    if (!rv->schema) {
        for (int i = b->n_cte_stack - 1; i >= 0; i--) {
                CteDef *cd = b->cte_stack[i];
                if (strcmp(cd->name, rv->relname) != 0)
                    continue;
                if (cd->dml_q && cd->dml_q->dml && cd->dml_q->dml->n_returning == 0) {
                    SQL_ERR(fc->err, FEATURE_NOT_SUPPORTED, "WITH query \"%s\" does not have a RETURNING clause", cd->name);
                    fc->err->position = q_position(b, rv->hdr.location);
                    return NULL;
                }
                RTE *r = bind_add_rte(b, s, alias, cd->ncols, fc->err);
                if (!r)
                    return NULL;
                for (int c = 0; c < cd->ncols; c++) {
                    r->colnames[c] = cd->colnames[c];
                    r->coltypes[c] = cd->coltypes[c];
                    r->coltypmods[c] = cd->coltypmods[c];
                }
                if (apply_alias_cols(b, r, rv->alias, fc->err, rv->hdr.location) != 0)
                    return NULL;
                if (cd->recursive && !cd->bound)
                    cd->n_worktable_refs++;
                Plan *p = bind_new_plan(b, cd->recursive && !cd->bound ? PLAN_WORKTABLE : PLAN_CTESCAN, NULL, NULL);
                if (!p)
                    return NULL;
                p->rte = r;
                p->cte_id = cd->id;
                p->ncols = cd->ncols;
                p->est_rows = 100;
                r->plan = p;
                return p;
            }
    }
    /* system catalogs: pg_catalog is searched first, information_schema when named */
    const PgCatTable *vt = NULL;
    if (!rv->schema)
        vt = pgcat_lookup(NULL, rv->relname);
    else if ((strcmp(rv->schema, "pg_catalog") == 0 || strcmp(rv->schema, "information_schema") == 0) && b->env->cat) {
        const CatNamespace *ns = catsnap_namespace_by_name(b->env->cat, rv->schema);
        if (!ns || !catsnap_relation_by_name(b->env->cat, ns->oid, rv->relname))
            vt = pgcat_lookup(rv->schema, rv->relname);
    }
    if (vt) {
        RTE *r = bind_add_rte(b, s, alias, vt->ncols, fc->err);
        if (!r)
            return NULL;
        r->schema = vt->schema;
        for (int c = 0; c < vt->ncols; c++) {
            r->colnames[c] = vt->cols[c].name;
            r->coltypes[c] = vt->cols[c].type;
            r->coltypmods[c] = vt->cols[c].typmod;
        }
        if (apply_alias_cols(b, r, rv->alias, fc->err, rv->hdr.location) != 0)
            return NULL;
        Plan *p = bind_new_plan(b, PLAN_VIRTUALSCAN, NULL, NULL);
        if (!p)
            return NULL;
        p->vtab = vt;
        p->rte = r;
        p->ncols = vt->ncols;
        p->est_rows = 100;
        r->plan = p;
        b->touched_tables = true;
        return p;
    }
    const CatRelation *rel = bind_lookup_relation(b, rv, fc->err);
    if (!rel)
        return NULL;
    if (acl_query_check(b->env, rel, rv == b->acl_target ? b->acl_target_privs : PGCAT_ACL_SELECT, fc->err) != 0)
        return NULL;
    if (b->deps && b->view_depth == 0) {
        bool known = false;
        for (int i = 0; i < b->n_deps; i++)
            known |= b->deps[i] == rel->oid;
        if (!known && b->n_deps < b->cap_deps)
            b->deps[b->n_deps++] = rel->oid;
    }
    if (rel->kind == CAT_REL_VIEW) {
        ShaleArena *a = b->arena;
        size_t len = strlen(rel->view_query);
        SqlRawStmt raw;
        if (sql_parse_one(rel->view_query, len, a, &raw, fc->err) != 0 || raw.stmt->tag != AST_SELECT)
            return NULL;
        /* The view's query is bound in a scope of its own (no outer references). */
        const char *save_text = b->text;
        size_t save_len = b->text_len;
        b->text = rel->view_query;
        b->text_len = len;
        int ncols;
        const char **names;
        Oid *types;
        int32_t *typmods;
        b->view_depth++;
        Oid save_user = b->env->user_oid;   /* a view reads its tables as its owner */
        if (save_user)
            b->env->user_oid = rel->owner;
        Plan *sub = bind_select(b, NULL, (const AstSelectStmt *)raw.stmt, &ncols, &names, &types, &typmods, NULL, fc->err);
        b->env->user_oid = save_user;
        b->view_depth--;
        b->text = save_text;
        b->text_len = save_len;
        if (!sub) {
            fc->err->position = 0;
            return NULL;
        }
        RTE *r = bind_add_rte(b, s, alias, ncols, fc->err);
        if (!r)
            return NULL;
        for (int c = 0; c < ncols; c++) {
            r->colnames[c] = c < rel->ncols ? rel->cols[c].name : names[c];
            r->coltypes[c] = types[c];
            r->coltypmods[c] = typmods[c];
        }
        return subquery_scan(fc, r, sub, ncols, rv->alias, rv->hdr.location);
    }
    if (rel->kind == CAT_REL_SEQUENCE) {
        static const char *const names[3] = {"last_value", "log_cnt", "is_called"};
        static const Oid types[3] = {INT8OID, INT8OID, BOOLOID};
        RTE *r = bind_add_rte(b, s, alias, 3, fc->err);
        if (!r)
            return NULL;
        r->schema = schema_name(b, rel->nsp);
        for (int c = 0; c < 3; c++) {
            r->colnames[c] = names[c];
            r->coltypes[c] = types[c];
            r->coltypmods[c] = -1;
        }
        if (apply_alias_cols(b, r, rv->alias, fc->err, rv->hdr.location) != 0)
            return NULL;
        Plan *p = bind_new_plan(b, PLAN_SEQUENCESCAN, NULL, NULL);
        if (!p)
            return NULL;
        p->rel = rel;
        p->rte = r;
        p->ncols = 3;
        r->plan = p;
        b->touched_tables = true;
        return p;
    }
    b->touched_tables = true;
    RTE *r = bind_add_rte(b, s, alias, rel->ncols, fc->err);
    if (!r)
        return NULL;
    r->rel = rel;
    r->schema = schema_name(b, rel->nsp);
    for (int c = 0; c < rel->ncols; c++) {
        r->colnames[c] = rel->cols[c].dropped ? NULL : rel->cols[c].name;
        r->coltypes[c] = rel->cols[c].type;
        r->coltypmods[c] = rel->cols[c].typmod;
    }
    if (apply_alias_cols(b, r, rv->alias, fc->err, rv->hdr.location) != 0)
        return NULL;
    Plan *p = bind_new_plan(b, PLAN_SEQSCAN, NULL, NULL);
    if (!p)
        return NULL;
    p->rel = rel;
    p->rte = r;
    p->ncols = rel->ncols;
    int64_t est = b->env->rdb ? rel_table_row_estimate(b->env->rdb, b->env->database_oid, rel) : 1000;
    p->est_rows = est > 0 ? (double)est : 1;
    r->plan = p;
    return p;
}

static Plan *from_subselect(FromCtx *fc, const AstRangeSubselect *rs)
{
    Binder *b = fc->b;
    BindScope *s = fc->s;
    if (!rs->alias) {
        /* PostgreSQL 15 requires the alias */
        SQL_ERR(fc->err, SYNTAX_ERROR, "subquery in FROM must have an alias");
        sql_error_hint(fc->err, "For example, FROM (SELECT ...) [AS] foo.");
        fc->err->position = q_position(b, rs->hdr.location);
        return NULL;
    }
    /* Non-LATERAL: the sub-query sees the enclosing blocks but not its siblings; an empty
     * scope keeps the level numbering equal to the runtime context chain. */
    BindScope gap;
    memset(&gap, 0, sizeof(gap));
    gap.parent = s->parent;
    BindScope *parent = rs->lateral ? s : &gap;
    int ncols;
    const char **names;
    Oid *types;
    int32_t *typmods;
    Plan *sub = bind_select(b, parent, (const AstSelectStmt *)rs->subquery, &ncols, &names, &types, &typmods, NULL, fc->err);
    if (!sub)
        return NULL;
    if (gap.has_outer_refs)
        s->has_outer_refs = true;
    RTE *r = bind_add_rte(b, s, rs->alias->name, ncols, fc->err);
    if (!r)
        return NULL;
    for (int c = 0; c < ncols; c++) {
        r->colnames[c] = names[c];
        r->coltypes[c] = types[c];
        r->coltypmods[c] = typmods[c];
    }
    return subquery_scan(fc, r, sub, ncols, rs->alias, rs->hdr.location);
}

/* unnest(a1, a2, ...) in FROM: PostgreSQL's ROWS FROM (unnest(a1), unnest(a2), ...), i.e.
 * the arrays side by side, shorter ones padded with NULLs -- exactly what a select list of
 * set-returning functions yields, so it is bound as (SELECT unnest(a1), unnest(a2), ...). */
static Plan *from_multi_unnest(FromCtx *fc, const AstRangeFunction *rf)
{
    Binder *b = fc->b;
    BindScope *s = fc->s;
    const AstFuncCall *f = (const AstFuncCall *)rf->func;
    int k = f->args.n;
    AstSelectStmt *sel = q_alloc(b->arena, sizeof(AstSelectStmt));
    AstNode **items = q_alloc(b->arena, sizeof(AstNode *) * (size_t)k);
    if (!sel || !items) {
        q_oom(fc->err);
        return NULL;
    }
    memset(sel, 0, sizeof *sel);
    sel->hdr.tag = AST_SELECT;
    sel->hdr.location = rf->hdr.location;
    for (int i = 0; i < k; i++) {
        AstResTarget *rt = q_alloc(b->arena, sizeof(AstResTarget));
        AstFuncCall *one = q_alloc(b->arena, sizeof(AstFuncCall));
        AstNode **arg = q_alloc(b->arena, sizeof(AstNode *));
        if (!rt || !one || !arg) {
            q_oom(fc->err);
            return NULL;
        }
        *one = *f;
        arg[0] = f->args.items[i];
        one->args.items = arg;
        one->args.n = 1;
        memset(rt, 0, sizeof *rt);
        rt->hdr.tag = AST_RES_TARGET;
        rt->hdr.location = f->args.items[i]->location;
        rt->val = (AstNode *)one;
        rt->span.start = rt->span.end = -1;
        items[i] = (AstNode *)rt;
    }
    sel->targets.items = items;
    sel->targets.n = k;
    int ncols;
    const char **names;
    Oid *types;
    int32_t *typmods;
    Plan *sub = bind_select(b, s, sel, &ncols, &names, &types, &typmods, NULL, fc->err);
    if (!sub)
        return NULL;
    RTE *r = bind_add_rte(b, s, rf->alias ? rf->alias->name : "unnest", ncols, fc->err);
    if (!r)
        return NULL;
    for (int c = 0; c < ncols; c++) {
        r->colnames[c] = "unnest";
        r->coltypes[c] = types[c];
        r->coltypmods[c] = typmods[c];
    }
    return subquery_scan(fc, r, sub, ncols, rf->alias, rf->hdr.location);
}

static Plan *from_function(FromCtx *fc, const AstRangeFunction *rf)
{
    Binder *b = fc->b;
    BindScope *s = fc->s;
    if (rf->func->tag == AST_FUNC_CALL && !rf->ordinality) {
        const AstFuncCall *f = (const AstFuncCall *)rf->func;
        const char *nm = f->name.n ? f->name.names[f->name.n - 1] : "";
        if (f->args.n > 1 && !strcmp(nm, "unnest") &&
            (f->name.n == 1 || (f->name.n == 2 && !strcmp(f->name.names[0], "pg_catalog"))))
            return from_multi_unnest(fc, rf);
    }
    const char *save = s->expr_kind;
    s->expr_kind = "functions in FROM";
    Expr *e = bind_expr(b, s, rf->func, fc->err);
    s->expr_kind = save;
    if (!e)
        return NULL;
    const char *fname = rf->func->tag == AST_FUNC_CALL ? bind_colname(rf->func) : "?column?";
    int nout = 1;
    const SqlSrfImpl *srf = NULL;
    if (e->kind == EXPR_SRF) {
        srf = e->u.srf.m->func->srf;
        nout = srf && srf->n_out_cols > 0 ? srf->n_out_cols : 1;
        s->n_srfs--;
    }
    int ncols = nout + (rf->ordinality ? 1 : 0);
    const char *alias = rf->alias ? rf->alias->name : fname;
    RTE *r = bind_add_rte(b, s, alias, ncols, fc->err);
    if (!r)
        return NULL;
    for (int c = 0; c < nout; c++) {
        if (nout == 1) {
            r->colnames[c] = (rf->alias && rf->alias->colnames.n == 0) ? rf->alias->name : fname;
            r->coltypes[c] = e->type;
            r->coltypmods[c] = e->typmod;
        } else {
            r->colnames[c] = srf->out_names[c];
            r->coltypes[c] = srf->out_types ? srf->out_types[c] : e->type;
            if (r->coltypes[c] == ANYELEMENTOID_PGCAT && e->nargs > 0) /* _pg_expandarray's x */
                r->coltypes[c] = types_array_elem(e->u.srf.m->arg_types[0]);
            r->coltypmods[c] = -1;
        }
    }
    if (rf->ordinality) {
        r->colnames[nout] = "ordinality";
        r->coltypes[nout] = INT8OID;
        r->coltypmods[nout] = -1;
    }
    if (apply_alias_cols(b, r, rf->alias, fc->err, rf->hdr.location) != 0)
        return NULL;
    Plan *p = bind_new_plan(b, PLAN_FUNCSCAN, NULL, NULL);
    if (!p)
        return NULL;
    p->rte = r;
    p->ncols = ncols;
    p->n_exprs = 1;
    p->exprs = q_alloc(b->arena, sizeof(Expr *));
    if (!p->exprs)
        return NULL;
    p->exprs[0] = e;
    p->distinct_on = rf->ordinality; /* reused flag: WITH ORDINALITY */
    p->est_rows = e->kind == EXPR_SRF ? 1000 : 1;
    r->plan = p;
    return p;
}

/* Conjunct bookkeeping: which RTEs (by index within the scope) an expression reads. */
static bool refs_fn(Expr *e, void *arg)
{
    PlanRefs *r = arg;
    if (e->kind == EXPR_VAR && e->u.var.level == 0) {
        for (int i = 0; i < r->s->n_rte; i++) {
            RTE *rte = r->s->rtes[i];
            if (e->u.var.index >= rte->offset && e->u.var.index < rte->offset + rte->ncols) {
                r->mask |= (i < 64) ? (1ull << i) : ~0ull;
                break;
            }
        }
    }
    if (e->kind == EXPR_SUBLINK || e->kind == EXPR_AGGREF || e->kind == EXPR_WINDOW || e->kind == EXPR_SRF)
        r->opaque = true;
    return true;
}

uint64_t plan_expr_rtes(BindScope *s, Expr *e, bool *opaque)
{
    PlanRefs r = {s, 0, false};
    bind_walk(e, refs_fn, &r);
    if (opaque)
        *opaque = r.opaque;
    return r.mask;
}

static uint64_t rte_span_mask(int first, int last)
{
    uint64_t m = 0;
    for (int i = first; i < last; i++)
        m |= (i < 64) ? (1ull << i) : ~0ull;
    return m;
}

static void add_conj(Binder *b, ConjList *cl, Expr *e, SqlError *err)
{
    if (e->kind == EXPR_AND) {
        for (int i = 0; i < e->nargs; i++)
            add_conj(b, cl, e->args[i], err);
        return;
    }
    if (cl->n == cl->cap) {
        int cap = cl->cap ? cl->cap * 2 : 8;
        Conj *n = q_alloc(b->arena, sizeof(Conj) * (size_t)cap);
        if (!n)
            return;
        if (cl->n)
            memcpy(n, cl->items, sizeof(Conj) * (size_t)cl->n);
        cl->items = n;
        cl->cap = cap;
    }
    Conj *c = &cl->items[cl->n++];
    c->e = e;
    c->used = false;
    c->mask = 0;
    c->opaque = false;
}

void plan_conj_add(Binder *b, BindScope *s, ConjList *cl, Expr *e, SqlError *err)
{
    int start = cl->n;
    add_conj(b, cl, e, err);
    for (int i = start; i < cl->n; i++)
        cl->items[i].mask = plan_expr_rtes(s, cl->items[i].e, &cl->items[i].opaque);
}

/* Appends e to p's quals. */
int plan_add_qual(Binder *b, Plan *p, Expr *e, SqlError *err)
{
    Expr **n = q_alloc(b->arena, sizeof(Expr *) * (size_t)(p->n_qual + 1));
    if (!n)
        return q_oom(err);
    if (p->n_qual)
        memcpy(n, p->qual, sizeof(Expr *) * (size_t)p->n_qual);
    n[p->n_qual++] = e;
    p->qual = n;
    return 0;
}

/* Builds a join of left and right (RTE spans [lfirst,lend) and [lend,rend)) with the
 * conjuncts of cl that reference the right side and only RTEs of both sides. */
static Plan *make_join(FromCtx *fc, Plan *left, Plan *right, JoinType jt, int lfirst, int lend, int rend,
                       ConjList *cl, bool conj_are_on)
{
    Binder *b = fc->b;
    BindScope *s = fc->s;
    uint64_t lmask = fc->lmask ? fc->lmask : rte_span_mask(lfirst, lend), rmask = rte_span_mask(lend, rend);
    uint64_t both = lmask | rmask;
    bool swapped = false;
    if (jt == JOIN_RIGHT) {
        Plan *t = left;
        left = right;
        right = t;
        uint64_t tm = lmask;
        lmask = rmask;
        rmask = tm;
        jt = JOIN_LEFT;
        swapped = true;
    }
    /* conjuncts on the inner side only: push into it (inner joins; ON of outer joins) */
    if (right->rte && (right->kind == PLAN_SEQSCAN)) {
        for (int i = 0; i < cl->n; i++) {
            Conj *c = &cl->items[i];
            if (c->used || c->opaque || (c->mask & ~rmask) || !c->mask)
                continue;
            if (jt != JOIN_INNER && !conj_are_on)
                continue;
            if (plan_add_qual(b, right, c->e, fc->err) != 0)
                return NULL;
            c->used = true;
        }
    }
    /* index nested loop: the inner scan can use outer columns in its bounds */
    if (right->kind == PLAN_SEQSCAN && jt != JOIN_FULL) {
        ConjList jc = {0};
        for (int i = 0; i < cl->n; i++) {
            Conj *c = &cl->items[i];
            if (c->used || c->opaque || (c->mask & ~both) || !(c->mask & rmask))
                continue;
            if (jt != JOIN_INNER && !conj_are_on)
                continue;
            plan_conj_add(b, s, &jc, c->e, fc->err);
        }
        Plan seq = *right;
        bool inl = jc.n > 0 && plan_choose_index(b, s, right, &jc, lmask, fc->err) && right->kind == PLAN_INDEXSCAN;
        if (inl && plan_prefer_hash(b, s, left, right, &seq, &jc, lmask, rmask)) {
            *right = seq;  /* by cost: a hash join instead of one index descent per outer row */
            inl = false;
        }
        if (inl) {
            /* every join conjunct becomes a qual of the inner scan (evaluated per outer row) */
            for (int i = 0; i < cl->n; i++) {
                Conj *c = &cl->items[i];
                if (c->used || c->opaque || (c->mask & ~both) || !(c->mask & rmask))
                    continue;
                if (jt != JOIN_INNER && !conj_are_on)
                    continue;
                if (plan_add_qual(b, right, c->e, fc->err) != 0)
                    return NULL;
                c->used = true;
            }
            Plan *j = bind_new_plan(b, PLAN_NESTLOOP, left, right);
            if (!j)
                return NULL;
            j->jointype = jt;
            j->ncols = s->width;
            j->est_rows = left->est_rows * (right->est_rows > 1 ? right->est_rows : 1);
            j->r_off = s->rtes[swapped ? lfirst : lend]->offset;
            j->r_n = (swapped ? s->rtes[lend - 1]->offset + s->rtes[lend - 1]->ncols
                              : s->rtes[rend - 1]->offset + s->rtes[rend - 1]->ncols) - j->r_off;
            return j;
        }
    }
    /* equi-join keys for a hash join */
    Plan *j = bind_new_plan(b, PLAN_NESTLOOP, left, right);
    if (!j)
        return NULL;
    j->jointype = jt;
    j->ncols = s->width;
    int nk = 0;
    Expr **hl = q_alloc(b->arena, sizeof(Expr *) * (size_t)(cl->n + 1));
    Expr **hr = q_alloc(b->arena, sizeof(Expr *) * (size_t)(cl->n + 1));
    if (!hl || !hr) {
        q_oom(fc->err);
        return NULL;
    }
    for (int i = 0; i < cl->n; i++) {
        Conj *c = &cl->items[i];
        if (c->used || (c->mask & ~both) || !(c->mask & rmask))
            continue;
        if (jt != JOIN_INNER && !conj_are_on)
            continue;
        c->used = true;
        Expr *e = c->e;
        if (!c->opaque && e->kind == EXPR_FUNC && e->u.func.is_op && e->nargs == 2 &&
            strcmp(e->u.func.m->func->name, "=") == 0) {
            uint64_t m0 = plan_expr_rtes(s, e->args[0], NULL), m1 = plan_expr_rtes(s, e->args[1], NULL);
            Expr *le = NULL, *re = NULL;
            if (m0 && m1 && !(m0 & ~lmask) && !(m1 & ~rmask)) {
                le = e->args[0];
                re = e->args[1];
            } else if (m0 && m1 && !(m1 & ~lmask) && !(m0 & ~rmask)) {
                le = e->args[1];
                re = e->args[0];
            }
            if (le && plan_hashable(le->type, re->type)) {
                hl[nk] = le;
                hr[nk] = re;
                nk++;
                continue;
            }
        }
        if (plan_add_qual(b, j, e, fc->err) != 0)
            return NULL;
    }
    double lr = left->est_rows, rr = right->est_rows;
    if (nk > 0) {
        j->kind = PLAN_HASHJOIN;
        j->n_hash = nk;
        j->hash_l = hl;
        j->hash_r = hr;
        j->est_rows = plan_join_rows(b, s, j, lr, rr);
    } else {
        j->est_rows = plan_join_rows(b, s, j, lr, rr);
        if (jt == JOIN_FULL)
            for (int i = 0; i < j->n_qual; i++)
                if (bind_expr_has_vars(j->qual[i])) {
                    SQL_ERR(fc->err, FEATURE_NOT_SUPPORTED,
                            "FULL JOIN is only supported with merge-joinable or hash-joinable join conditions");
                    return NULL;
                }
    }
    /* the inner side's span of the wide row (for NULL-extension and hash storage) */
    int rf = swapped ? lfirst : lend, rl = swapped ? lend : rend;
    j->r_off = s->rtes[rf]->offset;
    j->r_n = s->rtes[rl - 1]->offset + s->rtes[rl - 1]->ncols - j->r_off;
    int lf = swapped ? lend : lfirst, ll = swapped ? rend : lend;
    if (!fc->lmask) {  /* a reordered (inner) join's left side is no span: FULL joins only need it */
        j->l_off = s->rtes[lf]->offset;
        j->l_n = s->rtes[ll - 1]->offset + s->rtes[ll - 1]->ncols - j->l_off;
    } else if (left->rte && left->kind != PLAN_NESTLOOP && left->kind != PLAN_HASHJOIN) {
        j->l_off = left->rte->offset;
        j->l_n = left->rte->ncols;
    }
    /* the hash table holds the right side: build it on the smaller input (inner joins) */
    if (j->kind == PLAN_HASHJOIN && jt == JOIN_INNER && lr * 1.5 < rr && (!fc->lmask || j->l_n > 0)) {
        Plan *t = j->left;
        j->left = j->right;
        j->right = t;
        Expr **te = j->hash_l;
        j->hash_l = j->hash_r;
        j->hash_r = te;
        int o = j->l_off, w = j->l_n;
        j->l_off = j->r_off;
        j->l_n = j->r_n;
        j->r_off = o;
        j->r_n = w;
    }
    return j;
}

/* Does the side [first, last) of a join expose column name (merged or plain)? */
static bool side_has(BindScope *s, int first, int last, const char *name)
{
    for (int i = 0; i < s->n_jcols; i++)
        if (!s->jcols[i].dead && s->jcols[i].first >= first && s->jcols[i].last <= last &&
            strcmp(s->jcols[i].name, name) == 0)
            return true;
    for (int i = first; i < last; i++) {
        RTE *x = s->rtes[i];
        for (int c = 0; c < x->ncols; c++)
            if (x->colnames[c] && strcmp(x->colnames[c], name) == 0 && !(x->hidden && x->hidden[c]))
                return true;
    }
    return false;
}

static int hide_col(Binder *b, RTE *x, int c)
{
    if (!x->hidden) {
        x->hidden = q_alloc(b->arena, sizeof(bool) * (size_t)x->ncols);
        if (!x->hidden)
            return -1;
        memset(x->hidden, 0, sizeof(bool) * (size_t)x->ncols);
    }
    x->hidden[c] = true;
    return 0;
}

/* The column name of the side [first, last) for a USING join: a merged column of an inner
 * USING join (which it supersedes) or a plain column (which it hides). NULL if none. */
static Expr *side_column(Binder *b, BindScope *s, int first, int last, const char *name, SqlError *err)
{
    for (int i = s->n_jcols - 1; i >= 0; i--) {
        JoinCol *jc = &s->jcols[i];
        if (jc->dead || jc->first < first || jc->last > last || strcmp(jc->name, name) != 0)
            continue;
        jc->dead = true;
        return bind_jcol_expr(b, jc, 0, err);
    }
    for (int i = first; i < last; i++) {
        RTE *x = s->rtes[i];
        for (int c = 0; c < x->ncols; c++) {
            if (!x->colnames[c] || strcmp(x->colnames[c], name) != 0 || (x->hidden && x->hidden[c]))
                continue;
            if (hide_col(b, x, c) != 0) {
                q_oom(err);
                return NULL;
            }
            Expr *v = bind_make_var(b, 0, x->offset + c, x->coltypes[c], x->coltypmods[c]);
            if (v && x->rel) {
                v->u.var.rel = x->rel->oid;
                v->u.var.attnum = (int16_t)(c + 1);
            }
            return v;
        }
    }
    return NULL;
}

static Plan *from_join(FromCtx *fc, const AstJoinExpr *je)
{
    Binder *b = fc->b;
    BindScope *s = fc->s;
    int lfirst = s->n_rte;
    Plan *l = from_item(fc, je->larg);
    if (!l)
        return NULL;
    int lend = s->n_rte;
    Plan *r = from_item(fc, je->rarg);
    if (!r)
        return NULL;
    int rend = s->n_rte;
    JoinType jt = je->type == AST_JOIN_LEFT ? JOIN_LEFT : je->type == AST_JOIN_RIGHT ? JOIN_RIGHT :
                  je->type == AST_JOIN_FULL ? JOIN_FULL : JOIN_INNER;
    if (jt == JOIN_LEFT || jt == JOIN_FULL)
        for (int i = lend; i < rend; i++)
            s->rtes[i]->nullable = true;
    if (jt == JOIN_RIGHT || jt == JOIN_FULL)
        for (int i = lfirst; i < lend; i++)
            s->rtes[i]->nullable = true;
    ConjList cl = {0};
    /* USING / NATURAL: equality of the named columns, merged into one JoinCol each; the
     * RTE copies are hidden from unqualified references and * */
    AstNameList using = je->using_cols;
    const char *natural_names[256];
    if (je->natural) {
        int n = 0;
        for (int i = 0; i < s->n_jcols && n < 256; i++) {
            JoinCol *jc = &s->jcols[i];
            if (!jc->dead && jc->first >= lfirst && jc->last <= lend && side_has(s, lend, rend, jc->name))
                natural_names[n++] = jc->name;
        }
        for (int i = lfirst; i < lend; i++)
            for (int c = 0; c < s->rtes[i]->ncols && n < 256; c++) {
                const char *nm = s->rtes[i]->colnames[c];
                if (!nm || (s->rtes[i]->hidden && s->rtes[i]->hidden[c]))
                    continue;
                if (side_has(s, lend, rend, nm))
                    natural_names[n++] = nm;
            }
        using.names = natural_names;
        using.n = n;
    }
    for (int u = 0; u < using.n; u++) {
        const char *nm = using.names[u];
        Expr *lv = side_column(b, s, lfirst, lend, nm, fc->err);
        Expr *rv = lv ? side_column(b, s, lend, rend, nm, fc->err) : NULL;
        if (!lv || !rv) {
            if (fc->err->code == ERRCODE_SUCCESSFUL_COMPLETION || fc->err->code == ERRCODE_UNDEFINED_COLUMN) {
                SQL_ERR(fc->err, UNDEFINED_COLUMN, "column \"%s\" specified in USING clause does not exist in %s table",
                        nm, lv ? "right" : "left");
                fc->err->position = q_position(b, je->hdr.location);
            }
            return NULL;
        }
        Expr *eq = bind_make_op(b, "=", bind_expr_copy(b, lv, 0), bind_expr_copy(b, rv, 0), je->hdr.location, fc->err);
        if (!eq)
            return NULL;
        plan_conj_add(b, s, &cl, eq, fc->err);
        if (s->n_jcols == s->cap_jcols) {
            int cap = s->cap_jcols ? s->cap_jcols * 2 : 8;
            JoinCol *nj = q_alloc(b->arena, sizeof(JoinCol) * (size_t)cap);
            if (!nj) {
                q_oom(fc->err);
                return NULL;
            }
            if (s->n_jcols)
                memcpy(nj, s->jcols, sizeof(JoinCol) * (size_t)s->n_jcols);
            s->jcols = nj;
            s->cap_jcols = cap;
        }
        JoinCol *jc = &s->jcols[s->n_jcols++];
        jc->name = nm;
        jc->left = lv;
        jc->right = rv;
        jc->jointype = jt;
        jc->first = lfirst;
        jc->last = rend;
        jc->dead = false;
    }
    if (je->quals) {
        const char *save = s->expr_kind;
        s->expr_kind = "JOIN conditions";
        Expr *q = bind_coerce_bool(b, bind_expr(b, s, je->quals, fc->err), "JOIN/ON", fc->err);
        s->expr_kind = save;
        if (!q)
            return NULL;
        plan_conj_add(b, s, &cl, q, fc->err);
    }
    if (jt == JOIN_INNER && je->type == AST_JOIN_CROSS)
        cl.n = cl.n;
    /* ON conjuncts that mention only the outer side of an outer join stay join quals */
    Plan *j = make_join(fc, l, r, jt, lfirst, lend, rend, &cl, true);
    if (!j)
        return NULL;
    for (int i = 0; i < cl.n; i++)
        if (!cl.items[i].used && plan_add_qual(b, j, cl.items[i].e, fc->err) != 0)
            return NULL;
    return j;
}

static Plan *from_item(FromCtx *fc, const AstNode *n)
{
    switch (n->tag) {
    case AST_RANGE_VAR:
        return from_table(fc, (const AstRangeVar *)n);
    case AST_RANGE_SUBSELECT:
        return from_subselect(fc, (const AstRangeSubselect *)n);
    case AST_RANGE_FUNCTION:
        return from_function(fc, (const AstRangeFunction *)n);
    case AST_JOIN:
        return from_join(fc, (const AstJoinExpr *)n);
    default:
        SQL_ERR(fc->err, FEATURE_NOT_SUPPORTED, "unsupported FROM item");
        return NULL;
    }
}

/* Every FROM-level node of a block reports the block's wide-row width as its ncols. */
static void set_width(Plan *p, int width, BindScope *s)
{
    if (!p)
        return;
    p->scope = s;
    switch (p->kind) {
    case PLAN_SEQSCAN: case PLAN_INDEXSCAN: case PLAN_FUNCSCAN: case PLAN_SUBQUERYSCAN:
    case PLAN_CTESCAN: case PLAN_WORKTABLE: case PLAN_RESULT: case PLAN_VIRTUALSCAN: case PLAN_SEQUENCESCAN:
        p->ncols = width;
        return;
    case PLAN_NESTLOOP: case PLAN_HASHJOIN:
        p->ncols = width;
        set_width(p->left, width, s);
        set_width(p->right, width, s);
        return;
    default:
        return;
    }
}

/* Binds FROM and WHERE of a block into s; returns the FROM-level plan with the WHERE
 * conjuncts placed (NULL on error). An empty FROM yields a Result node. */
Plan *bind_from_where(Binder *b, BindScope *s, const AstList *from, const AstNode *where, SqlError *err)
{
    FromCtx fc = {b, s, err, 0};
    int n = from->n;
    Plan **items = q_alloc(b->arena, sizeof(Plan *) * (size_t)(n + 1));
    int *firsts = q_alloc(b->arena, sizeof(int) * (size_t)(n + 2));
    if (!items || !firsts) {
        q_oom(err);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        firsts[i] = s->n_rte;
        items[i] = from_item(&fc, from->items[i]);
        if (!items[i])
            return NULL;
    }
    firsts[n] = s->n_rte;
    /* duplicate aliases at this level */
    for (int i = 0; i < s->n_rte; i++)
        for (int k = i + 1; k < s->n_rte; k++)
            if (s->rtes[i]->alias && s->rtes[k]->alias && strcmp(s->rtes[i]->alias, s->rtes[k]->alias) == 0 &&
                (!s->rtes[i]->rel || !s->rtes[k]->rel || s->rtes[i]->schema == s->rtes[k]->schema)) {
                SQL_ERR(err, DUPLICATE_ALIAS, "table name \"%s\" specified more than once", s->rtes[k]->alias);
                return NULL;
            }
    ConjList cl = {0};
    if (where) {
        const char *save = s->expr_kind;
        s->expr_kind = "WHERE";
        Expr *w = bind_coerce_bool(b, bind_expr(b, s, where, err), "WHERE", err);
        s->expr_kind = save;
        if (!w)
            return NULL;
        plan_conj_add(b, s, &cl, w, err);
    }
    if (n == 0) {
        Plan *p = bind_new_plan(b, PLAN_RESULT, NULL, NULL);
        if (!p)
            return NULL;
        for (int i = 0; i < cl.n; i++)
            if (plan_add_qual(b, p, cl.items[i].e, err) != 0)
                return NULL;
        return p;
    }
    /* single-RTE conjuncts of non-nullable base tables go into their scans */
    for (int i = 0; i < cl.n; i++) {
        Conj *c = &cl.items[i];
        if (c->opaque || !c->mask || (c->mask & (c->mask - 1)))
            continue;
        int r = __builtin_ctzll(c->mask);
        if (r >= s->n_rte)
            continue;
        RTE *rte = s->rtes[r];
        if (rte->nullable || !rte->plan)
            continue;
        if (plan_add_qual(b, rte->plan, c->e, err) != 0)
            return NULL;
        c->used = true;
    }
    /* index choice for every base-table scan from its own quals */
    for (int i = 0; i < s->n_rte; i++) {
        Plan *p = s->rtes[i]->plan;
        if (p && p->kind == PLAN_SEQSCAN && p->n_qual > 0) {
            ConjList own = {0};
            for (int k = 0; k < p->n_qual; k++)
                plan_conj_add(b, s, &own, p->qual[k], err);
            plan_choose_index(b, s, p, &own, 0, err);
        }
        if (p && p->kind == PLAN_SEQSCAN)
            plan_estimate_scan(b, s, p);
    }
    int *order = q_alloc(b->arena, sizeof(int) * (size_t)(n + 1));
    if (!order) {
        q_oom(err);
        return NULL;
    }
    bool reordered = plan_join_order(b, s, items, firsts, n, &cl, order);
    for (int i = 0; !reordered && i < n; i++)
        order[i] = i;
    Plan *top = items[order[0]];
    uint64_t done = rte_span_mask(firsts[order[0]], firsts[order[0] + 1]);
    for (int k = 1; k < n; k++) {
        int i = order[k];
        /* a reordered list's left side is a set of single-table items, not a span */
        fc.lmask = reordered ? done : 0;
        top = make_join(&fc, top, items[i], JOIN_INNER, 0, firsts[i], firsts[i + 1], &cl, false);
        fc.lmask = 0;
        if (!top)
            return NULL;
        done |= rte_span_mask(firsts[i], firsts[i + 1]);
    }
    plan_join_finish(b, s, top);
    set_width(top, s->width, s);
    /* the rest of WHERE: on the top node, or above an outer join (its quals are ON quals) */
    Plan *filter = NULL;
    for (int i = 0; i < cl.n; i++) {
        if (cl.items[i].used)
            continue;
        Plan *target = top;
        if ((top->kind == PLAN_NESTLOOP || top->kind == PLAN_HASHJOIN) && top->jointype != JOIN_INNER) {
            if (!filter) {
                filter = bind_new_plan(b, PLAN_FILTER, top, NULL);
                if (!filter) {
                    q_oom(err);
                    return NULL;
                }
                filter->ncols = top->ncols;
                filter->est_rows = top->est_rows;
                filter->scope = s;
            }
            target = filter;
        }
        if (plan_add_qual(b, target, cl.items[i].e, err) != 0)
            return NULL;
    }
    return filter ? filter : top;
}
