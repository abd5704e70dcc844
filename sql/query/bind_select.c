/* bind_select.c -- the binder/planner of a query block: targets (with * expansion), GROUP
 * BY / aggregates / HAVING, window functions, ORDER BY / DISTINCT [ON] / LIMIT, VALUES,
 * set operations, WITH [RECURSIVE] and sub-queries in expressions.
 *
 * Plan shape of a plain SELECT, bottom-up:
 *   FROM-level tree (bind_from.c) -> Agg (+ Filter for HAVING) -> Window -> Project
 *   (targets ++ resjunk sort columns) -> Unique (DISTINCT) -> Sort -> Unique (DISTINCT ON)
 *   -> Limit -> LockRows
 * Expressions above the Agg are rewritten so group expressions and aggregate calls become
 * Vars of the Agg's output row; window calls become Vars of the Window's output row.
 * Memory: everything in b->arena. */
#include <stdio.h>
#include <string.h>

#include "sql/query/plan_int.h"
#include "sql/query/query_int.h"

/* ---- expression equality (GROUP BY / ORDER BY matching) --------------------------------- */

bool bind_expr_equal(const Expr *a, const Expr *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->type != b->type || a->nargs != b->nargs)
        return false;
    switch (a->kind) {
    case EXPR_CONST:
        if (a->u.c.null || b->u.c.null)
            return a->u.c.null == b->u.c.null;
        if (a->type == UNKNOWNOID)
            return a->u.c.u.s.n == b->u.c.u.s.n && memcmp(a->u.c.u.s.p, b->u.c.u.s.p, a->u.c.u.s.n) == 0;
        return types_compare(&a->u.c, &b->u.c) == 0;
    case EXPR_PARAM:
        return a->u.param == b->u.param;
    case EXPR_VAR:
        return a->u.var.level == b->u.var.level && a->u.var.index == b->u.var.index;
    case EXPR_FUNC:
        if (a->u.func.m->func != b->u.func.m->func)
            return false;
        break;
    case EXPR_CAST:
        if (a->typmod != b->typmod)
            return false;
        break;
    case EXPR_NULLTEST:
        if (a->u.nulltest.is_not != b->u.nulltest.is_not)
            return false;
        break;
    case EXPR_BOOLTEST:
        if (a->u.booltest != b->u.booltest)
            return false;
        break;
    case EXPR_SQLVALUE:
        return a->u.sqlvalue == b->u.sqlvalue;
    case EXPR_AGGREF: case EXPR_WINDOW: case EXPR_SUBLINK: case EXPR_SRF: case EXPR_NEXTVAL:
        return false;
    case EXPR_MINMAX:
        if (a->u.minmax.is_greatest != b->u.minmax.is_greatest)
            return false;
        break;
    default:
        break;
    }
    for (int i = 0; i < a->nargs; i++)
        if (!bind_expr_equal(a->args[i], b->args[i]))
            return false;
    return true;
}

/* ---- collecting aggregates and window calls ----------------------------------------- */

typedef struct Collect {
    Binder *b;
    ExprKind kind;
    int n, cap;
    Expr **items;
} Collect;

static bool collect_fn(Expr *e, void *arg)
{
    Collect *c = arg;
    if (e->kind != c->kind)
        return true;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        Expr **n = q_alloc(c->b->arena, sizeof(Expr *) * (size_t)cap);
        if (!n)
            return false;
        if (c->n)
            memcpy(n, c->items, sizeof(Expr *) * (size_t)c->n);
        c->items = n;
        c->cap = cap;
    }
    c->items[c->n++] = e;
    return true; /* aggregates do not nest (the binder rejects it), so descending finds nothing */
}

static Expr *window_rewrite(Expr *e, int base, Binder *b)
{
    if (!e)
        return e;
    if (e->kind == EXPR_WINDOW)
        return bind_make_var(b, 0, base + e->u.window.win->index, e->type, e->typmod);
    for (int i = 0; i < e->nargs; i++)
        e->args[i] = window_rewrite(e->args[i], base, b);
    return e;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static bool srf_find_fn(Expr *e, void *arg)
{
    if (e->kind == EXPR_SRF) {
        *(bool *)arg = true;
        return false;
    }
    return true;
}

/* Whether e contains a set-returning function call (outside sub-queries). */
static bool srf_nested(Expr *e)
{
    bool found = false;
    bind_walk(e, srf_find_fn, &found);
    return found;
}

/* Replaces every SRF call in an expression by a Var of the PROJECT_SRF node below
 * (column base + its index), collecting the calls in srfs. NULL on OOM. */
typedef struct SrfHoist {
    Binder *b;
    int base;
    Expr **srfs;
    int n, cap;
    SqlError *err;    /* set (and NULL returned) for an SRF inside CASE / COALESCE */
} SrfHoist;

static Expr *srf_hoist(Expr *e, SrfHoist *h)
{
    if (!e)
        return e;
    if (e->kind == EXPR_SRF) {
        if (h->n == h->cap) {
            int nc = h->cap ? h->cap * 2 : 8;
            Expr **ns = q_alloc(h->b->arena, sizeof(Expr *) * (size_t)nc);
            if (!ns)
                return NULL;
            if (h->n)
                memcpy(ns, h->srfs, sizeof(Expr *) * (size_t)h->n);
            h->srfs = ns;
            h->cap = nc;
        }
        h->srfs[h->n] = e;
        return bind_make_var(h->b, 0, h->base + h->n++, e->type, e->typmod);
    }
    if (e->kind == EXPR_SUBLINK)
        return e;
    if ((e->kind == EXPR_CASE || e->kind == EXPR_COALESCE) && srf_nested(e)) {
        SQL_ERR(h->err, FEATURE_NOT_SUPPORTED, "set-returning functions are not allowed in %s",
                e->kind == EXPR_CASE ? "CASE" : "COALESCE");
        sql_error_hint(h->err, "You might be able to move the set-returning function into a LATERAL FROM item.");
        return NULL;
    }
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i] && !(e->args[i] = srf_hoist(e->args[i], h)))
            return NULL;
    return e;
}

typedef struct TList {
    int n, cap;
    Expr **e;
    const char **names;
    bool *junk;
} TList;

static int tl_add(Binder *b, TList *t, Expr *e, const char *name, bool junk, SqlError *err)
{
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        Expr **ne = q_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
        const char **nn = q_alloc(b->arena, sizeof(char *) * (size_t)cap);
        bool *nj = q_alloc(b->arena, sizeof(bool) * (size_t)cap);
        if (!ne || !nn || !nj)
            return q_oom(err);
        if (t->n) {
            memcpy(ne, t->e, sizeof(Expr *) * (size_t)t->n);
            memcpy(nn, t->names, sizeof(char *) * (size_t)t->n);
            memcpy(nj, t->junk, sizeof(bool) * (size_t)t->n);
        }
        t->e = ne;
        t->names = nn;
        t->junk = nj;
        t->cap = cap;
    }
    t->e[t->n] = e;
    t->names[t->n] = name;
    t->junk[t->n] = junk;
    t->n++;
    return 0;
}

static int expand_star(Binder *b, BindScope *s, const AstColumnRef *cr, TList *tl, SqlError *err)
{
    const char *tab = cr->fields.n >= 2 ? cr->fields.names[cr->fields.n - 2] : NULL;
    bool found = false;
    if (!tab && s->n_rte == 0) {
        SQL_ERR(err, SYNTAX_ERROR, "SELECT * with no tables specified is not valid");
        err->position = q_position(b, cr->hdr.location);
        return -1;
    }
    for (int i = 0; i < s->n_rte; i++) {
        RTE *r = s->rtes[i];
        if (!tab) {
            /* merged USING columns of the joins starting here, outermost join first */
            for (int span = s->n_rte; span > 0; span--)
                for (int k = 0; k < s->n_jcols; k++) {
                    JoinCol *jc = &s->jcols[k];
                    if (jc->dead || jc->first != i || jc->last - jc->first != span)
                        continue;
                    Expr *v = bind_jcol_expr(b, jc, 0, err);
                    if (!v || tl_add(b, tl, v, jc->name, false, err) != 0)
                        return -1;
                }
        }
        if (tab && (!r->alias || strcmp(r->alias, tab) != 0 || !r->in_join_scope))
            continue;
        found = true;
        for (int c = 0; c < r->ncols; c++) {
            if (!r->colnames[c] || (!tab && r->hidden && r->hidden[c]))
                continue;
            Expr *v = bind_make_var(b, 0, r->offset + c, r->coltypes[c], r->coltypmods[c]);
            if (!v)
                return q_oom(err);
            if (r->rel) {
                v->u.var.rel = r->rel->oid;
                v->u.var.attnum = (int16_t)(c + 1);
            }
            v->location = cr->hdr.location;
            if (tl_add(b, tl, v, r->colnames[c], false, err) != 0)
                return -1;
        }
    }
    if (!found) {
        SQL_ERR(err, UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", tab);
        err->position = q_position(b, cr->hdr.location);
        return -1;
    }
    return 0;
}

static bool is_int_const(const AstNode *n, int64_t *v)
{
    if (n->tag != AST_CONST || ((const AstConst *)n)->kind != AST_CONST_INTEGER)
        return false;
    *v = ((const AstConst *)n)->ival;
    return true;
}

static bool is_simple_name(const AstNode *n, const char **name)
{
    if (n->tag != AST_COLUMN_REF)
        return false;
    const AstColumnRef *cr = (const AstColumnRef *)n;
    if (cr->fields.n != 1 || cr->star)
        return false;
    *name = cr->fields.names[0];
    return true;
}

/* Finds or appends (as resjunk) the target for an ORDER BY / DISTINCT ON item; returns
 * its column or -1. */
static int order_target(Binder *b, BindScope *s, TList *tl, int n_visible, const AstNode *node,
                        const char *clause, bool allow_new, SqlError *err)
{
    int64_t pos;
    const char *name;
    if (is_int_const(node, &pos)) {
        if (pos < 1 || pos > n_visible) {
            SQL_ERR(err, INVALID_COLUMN_REFERENCE, "%s position %lld is not in select list", clause, (long long)pos);
            err->position = q_position(b, node->location);
            return -1;
        }
        return (int)pos - 1;
    }
    if (is_simple_name(node, &name)) {
        int hit = -1;
        for (int i = 0; i < n_visible; i++)
            if (tl->names[i] && strcmp(tl->names[i], name) == 0) {
                if (hit >= 0 && !bind_expr_equal(tl->e[hit], tl->e[i])) {
                    SQL_ERR(err, AMBIGUOUS_COLUMN, "%s \"%s\" is ambiguous", clause, name);
                    err->position = q_position(b, node->location);
                    return -1;
                }
                if (hit < 0)
                    hit = i;
            }
        if (hit >= 0)
            return hit;
    }
    Expr *e = bind_resolve_unknown(b, bind_expr(b, s, node, err), err);
    if (!e)
        return -1;
    for (int i = 0; i < tl->n; i++)
        if (bind_expr_equal(tl->e[i], e))
            return i;
    if (!allow_new) {
        SQL_ERR(err, INVALID_COLUMN_REFERENCE, "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
        err->position = q_position(b, node->location);
        return -1;
    }
    if (tl_add(b, tl, e, NULL, true, err) != 0)
        return -1;
    return tl->n - 1;
}

static Expr *bind_limit_expr(Binder *b, BindScope *parent, const AstNode *n, const char *what, SqlError *err)
{
    if (!n)
        return NULL;
    BindScope ls;
    memset(&ls, 0, sizeof(ls));
    ls.parent = parent;
    ls.expr_kind = what;
    Expr *e = bind_expr(b, &ls, n, err);
    if (!e)
        return NULL;
    return bind_coerce(b, e, INT8OID, -1, TYPES_COERCE_IMPLICIT, err);
}

static Plan *add_sort_limit(Binder *b, BindScope *parent, Plan *top, const AstSelectStmt *sel, int n_keys,
                            SortKey *keys, bool need_sort, bool *failed, SqlError *err)
{
    if (n_keys > 0 && need_sort) {
        Plan *so = bind_new_plan(b, PLAN_SORT, top, NULL);
        if (!so)
            goto oom;
        so->ncols = top->ncols;
        so->n_keys = n_keys;
        so->keys = keys;
        so->est_rows = top->est_rows;
        top = so;
    }
    if (sel->limit_count || sel->limit_offset) {
        Plan *li = bind_new_plan(b, PLAN_LIMIT, top, NULL);
        if (!li)
            goto oom;
        li->ncols = top->ncols;
        if (sel->limit_count && !(sel->limit_count->tag == AST_CONST && ((const AstConst *)sel->limit_count)->kind == AST_CONST_NULL)) {
            li->limit = bind_limit_expr(b, parent, sel->limit_count, "LIMIT", err);
            if (!li->limit) {
                *failed = true;
                return NULL;
            }
        }
        if (sel->limit_offset) {
            li->offset = bind_limit_expr(b, parent, sel->limit_offset, "OFFSET", err);
            if (!li->offset) {
                *failed = true;
                return NULL;
            }
        }
        li->est_rows = top->est_rows;
        if (sel->limit_with_ties) {
            if (n_keys == 0) {
                SQL_ERR(err, SYNTAX_ERROR, "WITH TIES cannot be specified without ORDER BY clause");
                *failed = true;
                return NULL;
            }
            li->with_ties = true;
            li->n_keys = n_keys;
            li->keys = keys;
        }
        if (li->limit && li->limit->kind == EXPR_CONST && !li->limit->u.c.null && li->limit->u.c.u.i < li->est_rows)
            li->est_rows = (double)li->limit->u.c.u.i;
        if (top->kind == PLAN_SORT && !li->with_ties && (!li->limit || !bind_expr_has_vars(li->limit)) &&
            (!li->offset || !bind_expr_has_vars(li->offset))) {
            top->limit = li->limit;
            top->offset = li->offset;
        }
        top = li;
    }
    return top;
oom:
    q_oom(err);
    *failed = true;
    return NULL;
}

/* ---- VALUES --------------------------------------------------------------------------- */

static Plan *bind_values(Binder *b, BindScope *parent, const AstSelectStmt *sel, int *ncols, const char ***names,
                         Oid **types, int32_t **typmods, SqlError *err)
{
    int nrows = sel->values.n;
    const AstRowExpr *r0 = (const AstRowExpr *)sel->values.items[0];
    int nc = r0->args.n;
    BindScope vs;
    memset(&vs, 0, sizeof(vs));
    vs.parent = parent;
    vs.expr_kind = "VALUES";
    Plan *p = bind_new_plan(b, PLAN_VALUES, NULL, NULL);
    if (!p)
        goto oom;
    p->n_rows = nrows;
    p->rows = q_alloc(b->arena, sizeof(Expr **) * (size_t)nrows);
    Oid *ct = q_alloc(b->arena, sizeof(Oid) * (size_t)nrows);
    if (!p->rows || !ct)
        goto oom;
    for (int i = 0; i < nrows; i++) {
        const AstRowExpr *r = (const AstRowExpr *)sel->values.items[i];
        if (r->args.n != nc) {
            SQL_ERR(err, SYNTAX_ERROR, "VALUES lists must all be the same length");
            err->position = q_position(b, r->args.n ? r->args.items[0]->location : r->hdr.location);
            return NULL;
        }
        p->rows[i] = q_alloc(b->arena, sizeof(Expr *) * (size_t)(nc + 1));
        if (!p->rows[i])
            goto oom;
        for (int c = 0; c < nc; c++)
            if (!(p->rows[i][c] = bind_expr(b, &vs, r->args.items[c], err)))
                return NULL;
    }
    b->block_outer = vs.has_outer_refs;
    *ncols = nc;
    *names = q_alloc(b->arena, sizeof(char *) * (size_t)(nc + 1));
    *types = q_alloc(b->arena, sizeof(Oid) * (size_t)(nc + 1));
    *typmods = q_alloc(b->arena, sizeof(int32_t) * (size_t)(nc + 1));
    if (!*names || !*types || !*typmods)
        goto oom;
    for (int c = 0; c < nc; c++) {
        for (int i = 0; i < nrows; i++)
            ct[i] = p->rows[i][c]->type == INVALIDOID ? UNKNOWNOID : p->rows[i][c]->type;
        Oid common;
        if (types_common_type(nrows, ct, "VALUES", &common, err) != 0) {
            err->position = q_position(b, p->rows[0][c]->location);
            return NULL;
        }
        int32_t tm = p->rows[0][c]->typmod;
        for (int i = 0; i < nrows; i++) {
            if (p->rows[i][c]->typmod != tm)
                tm = -1;
            if (!(p->rows[i][c] = bind_coerce(b, p->rows[i][c], common, -1, TYPES_COERCE_IMPLICIT, err)))
                return NULL;
        }
        char *nm = q_alloc(b->arena, 24);
        if (!nm)
            goto oom;
        snprintf(nm, 24, "column%d", c + 1);
        (*names)[c] = nm;
        (*types)[c] = common;
        (*typmods)[c] = tm;
    }
    p->ncols = nc;
    p->n_exprs = nc;
    p->est_rows = nrows;
    return p;
oom:
    q_oom(err);
    return NULL;
}

/* ORDER BY / LIMIT on VALUES or a set operation: names and positions of the output. */
static Plan *order_by_output(Binder *b, BindScope *parent, Plan *p, const AstSelectStmt *sel, int ncols,
                             const char **names, Oid *types, SqlError *err)
{
    SortKey *keys = NULL;
    int nk = sel->sort.n;
    if (nk > 0) {
        keys = q_alloc(b->arena, sizeof(SortKey) * (size_t)nk);
        if (!keys) {
            q_oom(err);
            return NULL;
        }
        for (int i = 0; i < nk; i++) {
            const AstSortBy *sb = (const AstSortBy *)sel->sort.items[i];
            int64_t pos;
            const char *nm;
            int col = -1;
            if (is_int_const(sb->node, &pos)) {
                if (pos < 1 || pos > ncols) {
                    SQL_ERR(err, INVALID_COLUMN_REFERENCE, "ORDER BY position %lld is not in select list", (long long)pos);
                    err->position = q_position(b, sb->node->location);
                    return NULL;
                }
                col = (int)pos - 1;
            } else if (is_simple_name(sb->node, &nm)) {
                for (int c = 0; c < ncols && col < 0; c++)
                    if (strcmp(names[c], nm) == 0)
                        col = c;
            }
            if (col < 0 && is_simple_name(sb->node, &nm)) {
                SQL_ERR(err, UNDEFINED_COLUMN, "column \"%s\" does not exist", nm);
                err->position = q_position(b, sb->node->location);
                return NULL;
            }
            if (col < 0) {
                SQL_ERR(err, FEATURE_NOT_SUPPORTED,
                        "invalid UNION/INTERSECT/EXCEPT ORDER BY clause");
                sql_error_detail(err, "Only result column names can be used, not expressions or functions.");
                err->position = q_position(b, sb->node->location);
                return NULL;
            }
            keys[i].col = col;
            keys[i].desc = sb->dir == AST_SORT_DESC;
            keys[i].nulls_first = sb->nulls == AST_NULLS_DEFAULT ? keys[i].desc : sb->nulls == AST_NULLS_FIRST;
        }
    }
    (void)types;
    bool failed = false;
    Plan *top = add_sort_limit(b, parent, p, sel, nk, keys, true, &failed, err);
    return failed ? NULL : top;
}

/* ---- set operations ------------------------------------------------------------------- */

static Plan *cast_project(Binder *b, Plan *p, int ncols, const Oid *from, const int32_t *from_tm, const Oid *to,
                          SqlError *err)
{
    bool need = false;
    for (int i = 0; i < ncols; i++)
        if (from[i] != to[i])
            need = true;
    if (!need)
        return p;
    Plan *pj = bind_new_plan(b, PLAN_PROJECT, p, NULL);
    if (!pj)
        return NULL;
    pj->ncols = ncols;
    pj->n_exprs = ncols;
    pj->est_rows = p->est_rows;
    pj->exprs = q_alloc(b->arena, sizeof(Expr *) * (size_t)ncols);
    if (!pj->exprs)
        return NULL;
    for (int i = 0; i < ncols; i++) {
        Expr *v = bind_make_var(b, 0, i, from[i], from_tm[i]);
        if (from[i] == UNKNOWNOID)
            v->type = UNKNOWNOID;
        pj->exprs[i] = from[i] == to[i] ? v : bind_coerce(b, v, to[i], -1, TYPES_COERCE_IMPLICIT, err);
        if (!pj->exprs[i])
            return NULL;
    }
    return pj;
}

static Plan *bind_setop(Binder *b, BindScope *parent, const AstSelectStmt *sel, int *ncols, const char ***names,
                        Oid **types, int32_t **typmods, SqlError *err)
{
    int ln, rn;
    const char **lnames, **rnames;
    Oid *lt, *rt;
    int32_t *ltm, *rtm;
    b->keep_unknown = true;
    Plan *l = bind_select(b, parent, sel->larg, &ln, &lnames, &lt, &ltm, NULL, err);
    if (!l)
        return NULL;
    bool louter = b->block_outer;
    b->keep_unknown = true;
    Plan *r = bind_select(b, parent, sel->rarg, &rn, &rnames, &rt, &rtm, NULL, err);
    if (!r)
        return NULL;
    b->block_outer = b->block_outer || louter;
    const char *opname = sel->op == AST_SETOP_UNION ? "UNION" : sel->op == AST_SETOP_INTERSECT ? "INTERSECT" : "EXCEPT";
    if (ln != rn) {
        SQL_ERR(err, SYNTAX_ERROR, "each %s query must have the same number of columns", opname);
        err->position = q_position(b, sel->rarg->hdr.location);
        return NULL;
    }
    Oid *ct = q_alloc(b->arena, sizeof(Oid) * (size_t)(ln + 1));
    int32_t *ctm = q_alloc(b->arena, sizeof(int32_t) * (size_t)(ln + 1));
    if (!ct || !ctm) {
        q_oom(err);
        return NULL;
    }
    for (int i = 0; i < ln; i++) {
        Oid pair[2] = {lt[i], rt[i]};
        if (types_common_type(2, pair, opname, &ct[i], err) != 0) {
            err->position = q_position(b, sel->hdr.location);
            return NULL;
        }
        ctm[i] = ltm[i] == rtm[i] ? ltm[i] : -1;
    }
    l = cast_project(b, l, ln, lt, ltm, ct, err);
    r = l ? cast_project(b, r, ln, rt, rtm, ct, err) : NULL;
    if (!r)
        return NULL;
    Plan *p = bind_new_plan(b, PLAN_SETOP, l, r);
    if (!p) {
        q_oom(err);
        return NULL;
    }
    p->setop = sel->op;
    p->all = sel->all;
    p->ncols = ln;
    p->est_rows = l->est_rows + (sel->op == AST_SETOP_UNION ? r->est_rows : 0);
    *ncols = ln;
    *names = lnames;
    *types = ct;
    *typmods = ctm;
    return p;
}

/* ---- the plain SELECT ---------------------------------------------------------------------- */

static Plan *bind_plain(Binder *b, BindScope *parent, const AstSelectStmt *sel, int *ncols, const char ***names,
                        Oid **types, int32_t **typmods, Expr ***tlist_out, bool keep_unknown, SqlError *err)
{
    BindScope *s = q_alloc(b->arena, sizeof(BindScope));
    if (!s) {
        q_oom(err);
        return NULL;
    }
    memset(s, 0, sizeof(*s));
    s->parent = parent;
    Plan *top = bind_from_where(b, s, &sel->from, sel->where, err);
    if (!top)
        return NULL;
    s->windows = &sel->windows;
    Plan *res = NULL;
    TList tl = {0};
    s->allow_aggs = true;
    s->allow_windows = true;
    s->expr_kind = "SELECT";
    for (int i = 0; i < sel->targets.n; i++) {
        const AstResTarget *rt = (const AstResTarget *)sel->targets.items[i];
        if (rt->val->tag == AST_COLUMN_REF && ((const AstColumnRef *)rt->val)->star) {
            if (expand_star(b, s, (const AstColumnRef *)rt->val, &tl, err) != 0)
                goto out;
            continue;
        }
        Expr *e = bind_expr(b, s, rt->val, err);
        if (!e)
            goto out;
        if (tl_add(b, &tl, e, rt->name ? rt->name : bind_colname(rt->val), false, err) != 0)
            goto out;
    }
    int n_visible = tl.n;
    /* GROUP BY */
    int n_group = 0;
    Expr **group = NULL;
    uint64_t *gsets = NULL;
    int n_gsets = 0;
    if (sel->group_by.n > 0) {
        s->allow_aggs = false;
        s->allow_windows = false;
        s->expr_kind = "GROUP BY";
        if (bind_group_by(b, s, &sel->group_by, tl.e, tl.names, n_visible, &group, &n_group, &gsets, &n_gsets, err) != 0)
            goto out;
        s->allow_aggs = true;
        s->allow_windows = true;
    }
    /* HAVING */
    Expr *having = NULL;
    if (sel->having) {
        s->allow_windows = false;
        s->expr_kind = "HAVING";
        having = bind_coerce_bool(b, bind_expr(b, s, sel->having, err), "HAVING", err);
        if (!having)
            goto out;
        s->allow_windows = true;
    }
    /* ORDER BY: targets by name/position, else expressions (resjunk) */
    s->expr_kind = "ORDER BY";
    int nk = sel->sort.n;
    SortKey *keys = nk ? q_alloc(b->arena, sizeof(SortKey) * (size_t)nk) : NULL;
    if (nk && !keys) {
        q_oom(err);
        goto out;
    }
    bool plain_distinct = sel->distinct && sel->distinct_on.n == 0;
    for (int i = 0; i < nk; i++) {
        const AstSortBy *sb = (const AstSortBy *)sel->sort.items[i];
        if (sb->dir == AST_SORT_USING) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "ORDER BY USING is not supported");
            goto out;
        }
        int col = order_target(b, s, &tl, n_visible, sb->node, "ORDER BY", !plain_distinct, err);
        if (col < 0)
            goto out;
        keys[i].col = col;
        keys[i].desc = sb->dir == AST_SORT_DESC;
        keys[i].nulls_first = sb->nulls == AST_NULLS_DEFAULT ? keys[i].desc : sb->nulls == AST_NULLS_FIRST;
    }
    /* DISTINCT ON */
    int n_don = sel->distinct_on.n;
    SortKey *don = n_don ? q_alloc(b->arena, sizeof(SortKey) * (size_t)n_don) : NULL;
    for (int i = 0; i < n_don; i++) {
        int col = order_target(b, s, &tl, n_visible, sel->distinct_on.items[i], "SELECT DISTINCT ON", true, err);
        if (col < 0)
            goto out;
        don[i].col = col;
        don[i].desc = false;
        don[i].nulls_first = false;
        if (i < nk && keys[i].col != col) {
            SQL_ERR(err, INVALID_COLUMN_REFERENCE, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
            err->position = q_position(b, sel->distinct_on.items[i]->location);
            goto out;
        }
    }
    for (int i = 0; i < tl.n; i++)
        if (!(i < n_visible && keep_unknown) && !(tl.e[i] = bind_resolve_unknown(b, tl.e[i], err)))
            goto out;

    /* aggregates */
    Collect ca = {b, EXPR_AGGREF, 0, 0, NULL};
    for (int i = 0; i < tl.n; i++)
        bind_walk(tl.e[i], collect_fn, &ca);
    if (having)
        bind_walk(having, collect_fn, &ca);
    Collect cw = {b, EXPR_WINDOW, 0, 0, NULL};
    for (int i = 0; i < tl.n; i++)
        bind_walk(tl.e[i], collect_fn, &cw);
    /* aggregates inside window specs (sum(x) OVER (ORDER BY sum(y))) */
    for (int i = 0; i < cw.n; i++) {
        WinSpec *w = cw.items[i]->u.window.win;
        for (int k = 0; k < w->n_order; k++)
            bind_walk(w->order_exprs[k], collect_fn, &ca);
        for (int k = 0; k < w->n_part; k++)
            bind_walk(w->part[k], collect_fn, &ca);
        for (int k = 0; k < w->agg.nargs; k++)
            bind_walk(w->agg.args[k], collect_fn, &ca);
    }
    Collect cg = {b, EXPR_GROUPING, 0, 0, NULL};
    for (int i = 0; i < tl.n; i++)
        bind_walk(tl.e[i], collect_fn, &cg);
    if (having)
        bind_walk(having, collect_fn, &cg);
    int in_width = s->width;
    if (ca.n > 0 || n_group > 0 || having || cg.n > 0) {
        Plan *ag = bind_new_plan(b, PLAN_AGG, top, NULL);
        if (!ag) {
            q_oom(err);
            goto out;
        }
        ag->n_group = n_group;
        ag->group = group;
        ag->n_aggs = ca.n;
        ag->aggs = q_alloc(b->arena, sizeof(AggSpec *) * (size_t)(ca.n + 1));
        if (!ag->aggs) {
            q_oom(err);
            goto out;
        }
        for (int i = 0; i < ca.n; i++) {
            ag->aggs[i] = ca.items[i]->u.aggref.agg;
            ag->aggs[i]->index = i;
        }
        ag->hashed = n_group > 0;
        ag->scope = s;
        ag->n_sets = n_gsets;
        ag->sets = gsets;
        if (n_gsets > 0)
            ag->ncols++; /* the grouping set of each output row (GROUPING()) */
        ag->ncols = n_group + ca.n;
        ag->est_rows = n_group ? (top->est_rows > 10 ? top->est_rows / 10 : 1) : 1;
        if (bind_group_rewrite(b, s, group, n_group, n_group + ca.n, gsets, n_gsets, tl.e, tl.n, err) != 0 ||
            (having && bind_group_rewrite(b, s, group, n_group, n_group + ca.n, gsets, n_gsets, &having, 1, err) != 0))
            goto out;
        top = ag;
        in_width = ag->ncols;
        if (having) {
            Plan *f = bind_new_plan(b, PLAN_FILTER, top, NULL);
            if (!f || plan_add_qual(b, f, having, err) != 0)
                goto out;
            f->ncols = top->ncols;
            f->est_rows = top->est_rows;
            top = f;
        }
    }
    /* window functions */
    if (cw.n > 0) {
        Plan *w = bind_new_plan(b, PLAN_WINDOW, top, NULL);
        if (!w) {
            q_oom(err);
            goto out;
        }
        w->n_wins = cw.n;
        w->wins = q_alloc(b->arena, sizeof(WinSpec *) * (size_t)cw.n);
        if (!w->wins) {
            q_oom(err);
            goto out;
        }
        for (int i = 0; i < cw.n; i++) {
            w->wins[i] = cw.items[i]->u.window.win;
            w->wins[i]->index = i;
        }
        w->ncols = in_width + cw.n;
        w->est_rows = top->est_rows;
        w->n_exprs = in_width; /* input width */
        for (int i = 0; i < tl.n; i++)
            tl.e[i] = window_rewrite(tl.e[i], in_width, b);
        top = w;
    }
    /* set-returning functions inside select-list expressions (generate_series(1, 3) * 2):
     * as PostgreSQL's ProjectSet, every SRF of the list runs in a lower PROJECT_SRF node
     * that passes the input row through, and the expressions read the SRFs' values there */
    bool nested_srf = false;
    for (int i = 0; i < tl.n; i++)
        if (tl.e[i]->kind != EXPR_SRF && srf_nested(tl.e[i]))
            nested_srf = true;
    if (nested_srf) {
        SrfHoist h = { b, in_width, NULL, 0, 0, err };
        for (int i = 0; i < tl.n; i++)
            if (!(tl.e[i] = srf_hoist(tl.e[i], &h))) {
                if (err->code == ERRCODE_SUCCESSFUL_COMPLETION)
                    q_oom(err);
                goto out;
            }
        Plan *ps = bind_new_plan(b, PLAN_PROJECT_SRF, top, NULL);
        Expr **pe = q_alloc(b->arena, sizeof(Expr *) * (size_t)(in_width + h.n + 1));
        if (!ps || !pe)
            goto oom_out;
        for (int k = 0; k < in_width; k++)
            if (!(pe[k] = bind_make_var(b, 0, k, UNKNOWNOID, -1)))
                goto oom_out;
        for (int j = 0; j < h.n; j++)
            pe[in_width + j] = h.srfs[j];
        ps->n_exprs = in_width + h.n;
        ps->exprs = pe;
        ps->scope = (top->kind == PLAN_AGG || (top->kind == PLAN_FILTER && top->left->kind == PLAN_AGG) || cw.n > 0) ? NULL : s;
        ps->ncols = in_width + h.n;
        ps->est_rows = top->est_rows * 10;
        top = ps;
        in_width = ps->ncols;
    }
    /* projection (with set-returning functions when present) */
    bool has_srf = false;
    for (int i = 0; i < tl.n; i++) {
        if (tl.e[i]->kind == EXPR_SRF)
            has_srf = true;
    }
    if (s->n_srfs > 0 && !has_srf && !nested_srf) {
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "set-returning functions are only supported at the top of a select-list item");
        goto out;
    }
    /* ORDER BY through an index: a lone scan without grouping */
    bool sorted_by_index = false;
    if (nk > 0 && n_don == 0 && !plain_distinct && top->rte && top->rel && !has_srf) {
        Expr **ke = q_alloc(b->arena, sizeof(Expr *) * (size_t)nk);
        if (ke) {
            for (int i = 0; i < nk; i++)
                ke[i] = tl.e[keys[i].col];
            sorted_by_index = (sel->limit_count && plan_vector_order(b, top, nk, ke, keys)) ||
                              plan_use_index_order(b, top, nk, ke, keys);
        }
    }
    Plan *pj = bind_new_plan(b, has_srf ? PLAN_PROJECT_SRF : PLAN_PROJECT, top, NULL);
    if (!pj) {
        q_oom(err);
        goto out;
    }
    pj->n_exprs = tl.n;
    pj->exprs = tl.e;
    pj->scope = (top->kind == PLAN_AGG || (top->kind == PLAN_FILTER && top->left->kind == PLAN_AGG) || cw.n > 0 ||
                 nested_srf) ? NULL : s;
    pj->ncols = tl.n;
    pj->est_rows = top->est_rows;
    top = pj;
    if (plain_distinct) {
        Plan *u = bind_new_plan(b, PLAN_UNIQUE, top, NULL);
        if (!u) {
            q_oom(err);
            goto out;
        }
        u->ncols = top->ncols;
        u->n_keys = n_visible;
        u->est_rows = top->est_rows;
        top = u;
    }
    if (n_don > 0) {
        /* sort by the DISTINCT ON keys then the rest of ORDER BY, keep each group's first */
        int total = n_don + (nk > n_don ? nk - n_don : 0);
        SortKey *sk = q_alloc(b->arena, sizeof(SortKey) * (size_t)total);
        if (!sk) {
            q_oom(err);
            goto out;
        }
        for (int i = 0; i < n_don; i++)
            sk[i] = i < nk ? keys[i] : don[i];
        for (int i = n_don; i < total; i++)
            sk[i] = keys[i];
        Plan *so = bind_new_plan(b, PLAN_SORT, top, NULL);
        Plan *u = so ? bind_new_plan(b, PLAN_UNIQUE, so, NULL) : NULL;
        if (!u) {
            q_oom(err);
            goto out;
        }
        so->ncols = u->ncols = top->ncols;
        so->n_keys = total;
        so->keys = sk;
        so->est_rows = u->est_rows = top->est_rows;
        u->distinct_on = true;
        u->n_keys = n_don;
        u->keys = don;
        top = u;
        nk = 0;
    }
    bool failed = false;
    top = add_sort_limit(b, parent, top, sel, nk, keys, !sorted_by_index, &failed, err);
    if (failed)
        goto out;
    /* FOR UPDATE / SHARE */
    if (sel->locking.n > 0) {
        if (ca.n > 0 || n_group > 0 || sel->distinct) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "FOR UPDATE is not allowed with %s",
                    sel->distinct ? "DISTINCT clause" : n_group ? "GROUP BY clause" : "aggregate functions");
            goto out;
        }
        for (int li = 0; li < sel->locking.n; li++) {
            const AstLocking *lk = (const AstLocking *)sel->locking.items[li];
            int mode = (lk->strength == AST_LOCK_SHARE || lk->strength == AST_LOCK_KEY_SHARE) ? REL_LOCK_SHARE : REL_LOCK_EXCLUSIVE;
            for (int i = 0; i < s->n_rte; i++) {
                RTE *r = s->rtes[i];
                if (!r->rel || !r->plan)
                    continue;
                bool named = lk->rels.n == 0;
                for (int k = 0; k < lk->rels.n; k++)
                    if (r->alias && strcmp(((const AstRangeVar *)lk->rels.items[k])->relname, r->alias) == 0)
                        named = true;
                if (named && r->plan->lock_mode < mode)
                    r->plan->lock_mode = mode;
            }
        }
    }
    top->visible = n_visible;
    *ncols = n_visible;
    *names = tl.names;
    *types = q_alloc(b->arena, sizeof(Oid) * (size_t)(n_visible + 1));
    *typmods = q_alloc(b->arena, sizeof(int32_t) * (size_t)(n_visible + 1));
    if (!*types || !*typmods) {
        q_oom(err);
        goto out;
    }
    for (int i = 0; i < n_visible; i++) {
        (*types)[i] = tl.e[i]->type;
        (*typmods)[i] = tl.e[i]->typmod;
    }
    if (tlist_out)
        *tlist_out = tl.e;
    res = top;
    goto out;
oom_out:
    q_oom(err);
out:
    b->block_outer = s->has_outer_refs;
    return res;
}

Plan *bind_select(Binder *b, BindScope *parent, const AstSelectStmt *sel, int *ncols, const char ***names,
                  Oid **types, int32_t **typmods, Expr ***tlist_out, SqlError *err)
{
    int save_ctes = b->n_cte_stack;
    bool keep_unknown = b->keep_unknown;
    b->keep_unknown = false;
    if (sel->with && bind_with(b, sel->with, err) != 0)
        return NULL;
    Plan *p;
    if (sel->op != AST_SETOP_NONE) {
        p = bind_setop(b, parent, sel, ncols, names, types, typmods, err);
        if (p)
            p = order_by_output(b, parent, p, sel, *ncols, *names, *types, err);
        if (tlist_out)
            *tlist_out = NULL;
    } else if (sel->values.n > 0) {
        p = bind_values(b, parent, sel, ncols, names, types, typmods, err);
        if (p)
            p = order_by_output(b, parent, p, sel, *ncols, *names, *types, err);
        if (tlist_out)
            *tlist_out = NULL;
    } else {
        p = bind_plain(b, parent, sel, ncols, names, types, typmods, tlist_out, keep_unknown, err);
    }
    if (p && p->visible == 0)
        p->visible = *ncols;
    b->n_cte_stack = save_ctes;
    return p;
}
