/* bind_with.c -- the binder's WITH [RECURSIVE] clauses (CTE definitions, materialised
 * once per cursor), sub-queries inside expressions (SubLinks: EXISTS, scalar, ARRAY,
 * IN / ANY / ALL) and window definitions (PARTITION BY, ORDER BY, frames, named windows).
 * Memory: everything in b->arena. */
#include <stdio.h>
#include <string.h>

#include "sql/query/dml_int.h"
#include "sql/query/plan_int.h"
#include "sql/query/query_int.h"

/* ---- WITH ------------------------------------------------------------------------------- */

static int push_cte(Binder *b, CteDef *cd, SqlError *err)
{
    if (b->n_cte_stack == b->cap_cte_stack) {
        int cap = b->cap_cte_stack ? b->cap_cte_stack * 2 : 8;
        CteDef **n = q_alloc(b->arena, sizeof(CteDef *) * (size_t)cap);
        if (!n)
            return q_oom(err);
        if (b->n_cte_stack)
            memcpy(n, b->cte_stack, sizeof(CteDef *) * (size_t)b->n_cte_stack);
        b->cte_stack = n;
        b->cap_cte_stack = cap;
    }
    b->cte_stack[b->n_cte_stack++] = cd;
    if (b->n_ctes == b->cap_all_ctes) {
        int cap = b->cap_all_ctes ? b->cap_all_ctes * 2 : 8;
        CteDef **n = q_alloc(b->arena, sizeof(CteDef *) * (size_t)cap);
        if (!n)
            return q_oom(err);
        if (b->n_ctes)
            memcpy(n, b->all_ctes, sizeof(CteDef *) * (size_t)b->n_ctes);
        b->all_ctes = n;
        b->cap_all_ctes = cap;
    }
    cd->id = b->n_ctes;
    b->all_ctes[b->n_ctes++] = cd;
    return 0;
}

static int cte_set_cols(Binder *b, CteDef *cd, int ncols, const char **names, Oid *types, int32_t *typmods,
                        SqlError *err)
{
    cd->ncols = ncols;
    cd->colnames = names;
    cd->coltypes = types;
    cd->coltypmods = typmods;
    if (cd->ast->colnames.n > 0) {
        if (cd->ast->colnames.n > ncols) {
            SQL_ERR(err, INVALID_COLUMN_REFERENCE, "WITH query \"%s\" has %d columns available but %d columns specified",
                    cd->name, ncols, cd->ast->colnames.n);
            err->position = q_position(b, cd->ast->hdr.location);
            return -1;
        }
        const char **nn = q_alloc(b->arena, sizeof(char *) * (size_t)(ncols + 1));
        if (!nn)
            return q_oom(err);
        for (int i = 0; i < ncols; i++)
            nn[i] = i < cd->ast->colnames.n ? cd->ast->colnames.names[i] : names[i];
        cd->colnames = nn;
    }
    return 0;
}

int bind_with(Binder *b, const AstWithClause *with, SqlError *err)
{
    for (int i = 0; i < with->ctes.n; i++) {
        const AstCte *c = (const AstCte *)with->ctes.items[i];
        CteDef *cd = q_alloc(b->arena, sizeof(CteDef));
        if (!cd)
            return q_oom(err);
        memset(cd, 0, sizeof(*cd));
        cd->name = c->name;
        cd->ast = c;
        if (c->query->tag != AST_SELECT) {
            /* data-modifying: bound as a statement of its own, run once before the main query */
            PreparedQuery *pq = q_alloc(b->arena, sizeof(PreparedQuery));
            if (!pq)
                return q_oom(err);
            memset(pq, 0, sizeof(*pq));
            pq->arena = b->arena;
            pq->kind = c->query->tag == AST_INSERT ? QUERY_INSERT : c->query->tag == AST_UPDATE ? QUERY_UPDATE : QUERY_DELETE;
            int dn;
            const char **dnames = NULL;
            Oid *dtypes = NULL;
            int32_t *dtm = NULL;
            Expr **dtl;
            if (bind_dml(b, pq, c->query, &dn, &dnames, &dtypes, &dtm, &dtl, err) != 0)
                return -1;
            cd->dml_q = pq;
            if (cte_set_cols(b, cd, dn, dnames, dtypes, dtm, err) != 0 || push_cte(b, cd, err) != 0)
                return -1;
            cd->bound = true;
            continue;
        }
        const AstSelectStmt *q = (const AstSelectStmt *)c->query;
        int ncols;
        const char **names;
        Oid *types;
        int32_t *typmods;
        if (with->recursive && q->op == AST_SETOP_UNION) {
            /* non-recursive term first: it fixes the column types */
            Plan *l = bind_select(b, NULL, q->larg, &ncols, &names, &types, &typmods, NULL, err);
            if (!l)
                return -1;
            cd->recursive = true;
            if (cte_set_cols(b, cd, ncols, names, types, typmods, err) != 0 || push_cte(b, cd, err) != 0)
                return -1;
            int rn;
            const char **rnames;
            Oid *rtypes;
            int32_t *rtm;
            Plan *r = bind_select(b, NULL, q->rarg, &rn, &rnames, &rtypes, &rtm, NULL, err);
            if (!r)
                return -1;
            if (cd->n_worktable_refs > 1) {
                SQL_ERR(err, INVALID_RECURSION, "recursive reference to query \"%s\" must not appear more than once", cd->name);
                err->position = q_position(b, q->rarg->hdr.location);
                return -1;
            }
            for (const Plan *x = r; x; x = x->left) {
                if (x->kind == PLAN_AGG) {
                    SQL_ERR(err, INVALID_RECURSION, "aggregate functions are not allowed in a recursive query's recursive term");
                    err->position = q_position(b, q->rarg->hdr.location);
                    return -1;
                }
                if (x->kind == PLAN_SUBQUERYSCAN || x->kind == PLAN_NESTLOOP || x->kind == PLAN_HASHJOIN)
                    break;
            }
            if (rn != ncols) {
                SQL_ERR(err, SYNTAX_ERROR, "each UNION query must have the same number of columns");
                return -1;
            }
            for (int k = 0; k < ncols; k++)
                if (rtypes[k] != types[k] && !(types[k] == TEXTOID && rtypes[k] == UNKNOWNOID)) {
                    Plan *pj = bind_new_plan(b, PLAN_PROJECT, r, NULL);
                    if (!pj)
                        return -1;
                    pj->ncols = ncols;
                    pj->n_exprs = ncols;
                    pj->exprs = q_alloc(b->arena, sizeof(Expr *) * (size_t)ncols);
                    if (!pj->exprs)
                        return q_oom(err);
                    for (int x = 0; x < ncols; x++) {
                        Expr *v = bind_make_var(b, 0, x, rtypes[x], rtm[x]);
                        pj->exprs[x] = bind_coerce(b, v, types[x], typmods[x], TYPES_COERCE_ASSIGNMENT, err);
                        if (!pj->exprs[x]) {
                            SQL_ERR(err, DATATYPE_MISMATCH,
                                    "recursive query \"%s\" column %d has type %s in non-recursive term but type %s overall",
                                    cd->name, x + 1, type_info(types[x]) ? type_info(types[x])->name : "?",
                                    type_info(rtypes[x]) ? type_info(rtypes[x])->name : "?");
                            return -1;
                        }
                    }
                    pj->est_rows = r->est_rows;
                    r = pj;
                    break;
                }
            Plan *rec = bind_new_plan(b, PLAN_RECURSIVE, l, r);
            if (!rec)
                return -1;
            rec->ncols = ncols;
            rec->all = q->all;
            rec->cte_id = cd->id;
            rec->est_rows = 100;
            cd->plan = rec;
            cd->bound = true;
            continue;
        }
        Plan *p = bind_select(b, NULL, q, &ncols, &names, &types, &typmods, NULL, err);
        if (!p)
            return -1;
        if (cte_set_cols(b, cd, ncols, names, types, typmods, err) != 0)
            return -1;
        cd->plan = p;
        cd->bound = true;
        if (push_cte(b, cd, err) != 0)
            return -1;
    }
    return 0;
}

/* ---- sub-queries in expressions -------------------------------------------------------- */

Expr *bind_sublink(Binder *b, BindScope *s, SubLinkKind kind, const AstNode *sub, Expr *lhs,
                   const char *op, int location, SqlError *err)
{
    int ncols;
    const char **names;
    Oid *types;
    int32_t *typmods;
    Plan *p = bind_select(b, s, (const AstSelectStmt *)sub, &ncols, &names, &types, &typmods, NULL, err);
    if (!p)
        return NULL;
    bool correlated = b->block_outer;
    b->has_sublinks = true;
    if (kind != SUBLINK_EXISTS && ncols != 1) {
        if (kind == SUBLINK_EXPR || kind == SUBLINK_ARRAY)
            SQL_ERR(err, SYNTAX_ERROR, "subquery must return only one column");
        else
            SQL_ERR(err, SYNTAX_ERROR, ncols > 1 ? "subquery has too many columns" : "subquery has too few columns");
        err->position = q_position(b, location);
        return NULL;
    }
    Oid t = BOOLOID;
    if (kind == SUBLINK_EXPR)
        t = types[0] == UNKNOWNOID ? TEXTOID : types[0];
    else if (kind == SUBLINK_ARRAY) {
        t = types_array_of(types[0] == UNKNOWNOID ? TEXTOID : types[0]);
        if (t == INVALIDOID) {
            SQL_ERR(err, UNDEFINED_OBJECT, "could not find array type for data type %s",
                    type_info(types[0]) ? type_info(types[0])->name : "?");
            return NULL;
        }
    }
    Expr *e = bind_new_expr(b, EXPR_SUBLINK, t, location, lhs ? 1 : 0);
    if (!e)
        return NULL;
    if (kind == SUBLINK_EXPR)
        e->typmod = typmods[0];
    e->u.sub.kind = kind;
    e->u.sub.id = correlated ? -1 - b->n_sublinks : b->n_sublinks;
    b->n_sublinks++;
    if (lhs) {
        /* resolve lhs op column; cast the sub-query's column when the operator wants it */
        Expr *col = bind_make_var(b, 0, 0, types[0], typmods[0]);
        Expr *opx = bind_make_op(b, op, lhs, col, location, err);
        if (!opx)
            return NULL;
        if (opx->type != BOOLOID) {
            SQL_ERR(err, DATATYPE_MISMATCH, "operator %s must return type boolean, not type %s", op,
                    type_info(opx->type) ? type_info(opx->type)->name : "?");
            err->position = q_position(b, location);
            return NULL;
        }
        e->args[0] = opx->args[0];
        e->u.sub.op = opx->u.func.m;
        e->u.sub.ops = q_alloc(b->arena, sizeof(SqlFuncMatch *));
        if (!e->u.sub.ops)
            return NULL;
        e->u.sub.ops[0] = opx->u.func.m;
        if (opx->args[1] != col) {
            Plan *pj = bind_new_plan(b, PLAN_PROJECT, p, NULL);
            if (!pj)
                return NULL;
            pj->ncols = 1;
            pj->n_exprs = 1;
            pj->exprs = q_alloc(b->arena, sizeof(Expr *));
            if (!pj->exprs)
                return NULL;
            pj->exprs[0] = opx->args[1];
            pj->est_rows = p->est_rows;
            p = pj;
        }
    }
    e->u.sub.plan = p;
    return e;
}

/* ---- window definitions --------------------------------------------------------------- */

int bind_window_def(Binder *b, BindScope *s, const AstWindowDef *w, WinSpec *ws, SqlError *err)
{
    const AstWindowDef *base = NULL;
    if (w->refname || w->over_name_only) {
        const char *nm = w->refname ? w->refname : w->name;
        const AstList *named = s->windows;
        for (int i = 0; named && i < named->n; i++) {
            const AstWindowDef *d = (const AstWindowDef *)named->items[i];
            if (d->name && strcmp(d->name, nm) == 0)
                base = d;
        }
        if (!base) {
            SQL_ERR(err, UNDEFINED_OBJECT, "window \"%s\" does not exist", nm);
            err->position = q_position(b, w->hdr.location);
            return -1;
        }
    }
    const AstList *part = base && base->partition.n ? &base->partition : &w->partition;
    const AstList *order = base && base->order.n && !w->order.n ? &base->order : &w->order;
    const AstWindowDef *frame = (w->mode != AST_FRAME_DEFAULT || !base) ? w : base;
    bool save_aggs = s->allow_aggs, save_w = s->allow_windows;
    s->allow_windows = false;
    ws->n_part = part->n;
    ws->part = q_alloc(b->arena, sizeof(Expr *) * (size_t)(part->n + 1));
    ws->n_order = order->n;
    ws->order_exprs = q_alloc(b->arena, sizeof(Expr *) * (size_t)(order->n + 1));
    ws->order = q_alloc(b->arena, sizeof(SortKey) * (size_t)(order->n + 1));
    if (!ws->part || !ws->order_exprs || !ws->order)
        return q_oom(err);
    for (int i = 0; i < part->n; i++)
        if (!(ws->part[i] = bind_resolve_unknown(b, bind_expr(b, s, part->items[i], err), err)))
            goto fail;
    for (int i = 0; i < order->n; i++) {
        const AstSortBy *sb = (const AstSortBy *)order->items[i];
        if (!(ws->order_exprs[i] = bind_resolve_unknown(b, bind_expr(b, s, sb->node, err), err)))
            goto fail;
        ws->order[i].col = part->n + i;
        ws->order[i].desc = sb->dir == AST_SORT_DESC;
        ws->order[i].nulls_first = sb->nulls == AST_NULLS_DEFAULT ? ws->order[i].desc : sb->nulls == AST_NULLS_FIRST;
    }
    ws->frame_mode = frame->mode;
    ws->exclude = frame->exclude == AST_EXCLUDE_NO_OTHERS ? AST_EXCLUDE_NONE : frame->exclude;
    ws->start_bound = frame->start_bound;
    ws->end_bound = frame->end_bound;
    if (frame->mode == AST_FRAME_GROUPS && order->n == 0) {
        SQL_ERR(err, WINDOWING_ERROR, "GROUPS mode requires an ORDER BY clause");
        err->position = q_position(b, w->hdr.location);
        goto fail;
    }
    Oid offt = INT8OID;
    bool range_off = frame->mode == AST_FRAME_RANGE && (frame->start_offset || frame->end_offset);
    if (range_off) {
        /* RANGE offsets: key +/- offset compared with the other keys (PostgreSQL's in_range) */
        if (order->n != 1) {
            SQL_ERR(err, WINDOWING_ERROR, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
            err->position = q_position(b, w->hdr.location);
            goto fail;
        }
        Oid t = ws->order_exprs[0]->type;
        offt = (t == DATEOID || t == TIMESTAMPOID || t == TIMESTAMPTZOID || t == TIMEOID) ? INTERVALOID : t;
        SqlFuncMatch m;
        if (types_oper_resolve("+", t, offt, &m, NULL) != 0 || !(ws->range_add = q_alloc(b->arena, sizeof(m)))) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s",
                    type_info(t) ? type_info(t)->name : "?");
            err->position = q_position(b, w->hdr.location);
            goto fail;
        }
        *ws->range_add = m;
        if (types_oper_resolve("-", t, offt, &m, NULL) != 0 || !(ws->range_sub = q_alloc(b->arena, sizeof(m)))) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s",
                    type_info(t) ? type_info(t)->name : "?");
            goto fail;
        }
        *ws->range_sub = m;
    }
    if (frame->start_offset && !(ws->start_offset = bind_coerce(b, bind_expr(b, s, frame->start_offset, err), offt, -1, TYPES_COERCE_IMPLICIT, err)))
        goto fail;
    if (frame->end_offset && !(ws->end_offset = bind_coerce(b, bind_expr(b, s, frame->end_offset, err), offt, -1, TYPES_COERCE_IMPLICIT, err)))
        goto fail;
    s->allow_aggs = save_aggs;
    s->allow_windows = save_w;
    return 0;
fail:
    s->allow_aggs = save_aggs;
    s->allow_windows = save_w;
    return -1;
}


Plan *bind_subquery_plan(Binder *b, BindScope *s, const AstNode *sub, int *ncols, Oid **types, int32_t **typmods,
                         bool *correlated, SqlError *err)
{
    const char **names;
    Plan *p = bind_select(b, s, (const AstSelectStmt *)sub, ncols, &names, types, typmods, NULL, err);
    if (!p)
        return NULL;
    *correlated = b->block_outer;
    b->has_sublinks = true;
    return p;
}

/* A scalar sub-query yielding column col of the shared plan p (a Project over it). */
Expr *bind_sublink_column(Binder *b, Plan *p, int col, Oid type, int32_t typmod, bool correlated, int location)
{
    Plan *pj = bind_new_plan(b, PLAN_PROJECT, p, NULL);
    if (!pj)
        return NULL;
    pj->ncols = pj->n_exprs = 1;
    pj->exprs = q_alloc(b->arena, sizeof(Expr *));
    if (!pj->exprs || !(pj->exprs[0] = bind_make_var(b, 0, col, type, typmod)))
        return NULL;
    pj->est_rows = p->est_rows;
    Expr *e = bind_new_expr(b, EXPR_SUBLINK, type == UNKNOWNOID ? TEXTOID : type, location, 0);
    if (!e)
        return NULL;
    e->typmod = typmod;
    e->u.sub.kind = SUBLINK_EXPR;
    e->u.sub.plan = pj;
    e->u.sub.id = correlated ? -1 - b->n_sublinks : b->n_sublinks;
    b->n_sublinks++;
    return e;
}

Expr *bind_row_sublink(Binder *b, BindScope *s, SubLinkKind kind, const AstNode *sub, const AstRowExpr *lhs,
                       const char *op, int location, SqlError *err)
{
    int n = lhs->args.n;
    Expr **l = q_alloc(b->arena, sizeof(Expr *) * (size_t)(n + 1));
    if (!l) {
        q_oom(err);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!(l[i] = bind_expr(b, s, lhs->args.items[i], err)))
            return NULL;
    int ncols;
    Oid *types;
    int32_t *typmods;
    bool correlated;
    Plan *p = bind_subquery_plan(b, s, sub, &ncols, &types, &typmods, &correlated, err);
    if (!p)
        return NULL;
    if (ncols != n) {
        SQL_ERR(err, SYNTAX_ERROR, ncols > n ? "subquery has too many columns" : "subquery has too few columns");
        err->position = q_position(b, location);
        return NULL;
    }
    Expr *e = bind_new_expr(b, EXPR_SUBLINK, BOOLOID, location, n);
    Plan *pj = bind_new_plan(b, PLAN_PROJECT, p, NULL);
    if (!e || !pj) {
        q_oom(err);
        return NULL;
    }
    pj->ncols = pj->n_exprs = n;
    pj->exprs = q_alloc(b->arena, sizeof(Expr *) * (size_t)n);
    e->u.sub.ops = q_alloc(b->arena, sizeof(SqlFuncMatch *) * (size_t)n);
    if (!pj->exprs || !e->u.sub.ops) {
        q_oom(err);
        return NULL;
    }
    const char *rop = op;
    if (strcmp(rop, "!=") == 0)
        rop = "<>";
    if (strcmp(rop, "=") != 0 && strcmp(rop, "<>") != 0) {
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "row comparison with %s on a sub-query is not supported", op);
        err->position = q_position(b, location);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        Expr *col = bind_make_var(b, 0, i, types[i], typmods[i]);
        Expr *opx = col ? bind_make_op(b, rop, l[i], col, location, err) : NULL;
        if (!opx)
            return NULL;
        e->args[i] = opx->args[0];
        pj->exprs[i] = opx->args[1];
        e->u.sub.ops[i] = opx->u.func.m;
    }
    pj->est_rows = p->est_rows;
    e->u.sub.op = e->u.sub.ops[0];
    e->u.sub.kind = kind;
    e->u.sub.plan = pj;
    e->u.sub.id = correlated ? -1 - b->n_sublinks : b->n_sublinks;
    b->n_sublinks++;
    return e;
}
