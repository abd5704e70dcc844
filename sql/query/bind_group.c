/* bind_group.c -- GROUP BY: plain expressions, output-column positions and aliases, and
 * the grouping-set forms ROLLUP, CUBE, GROUPING SETS and (), expanded into a list of sets
 * over one list of distinct grouping expressions (PostgreSQL's semantics: the cross product
 * of the items); and the rewrite of expressions evaluated above the Agg (grouping
 * expressions and aggregate calls become columns of its output row). Memory: b->arena. */
#include <stdio.h>
#include <string.h>

#include "sql/query/query_int.h"

#define GROUP_MAX_SETS 4096

typedef struct SetList {
    uint64_t *v;
    int n;
} SetList;

typedef struct GroupBind {
    Binder *b;
    BindScope *s;
    Expr **tl_e;
    const char **tl_names;
    int n_visible;
    Expr **group;
    int n_group, cap_group;
    bool has_sets;
    SqlError *err;
} GroupBind;

static bool gb_int_const(const AstNode *n, int64_t *v)
{
    if (n->tag != AST_CONST || ((const AstConst *)n)->kind != AST_CONST_INTEGER)
        return false;
    *v = ((const AstConst *)n)->ival;
    return true;
}

/* Index of the grouping expression for AST item n (bound, de-duplicated); -1 on error. */
static int gb_expr(GroupBind *g, const AstNode *n)
{
    Binder *b = g->b;
    int64_t pos;
    Expr *e = NULL;
    if (gb_int_const(n, &pos)) {
        if (pos < 1 || pos > g->n_visible) {
            SQL_ERR(g->err, INVALID_COLUMN_REFERENCE, "GROUP BY position %lld is not in select list", (long long)pos);
            g->err->position = q_position(b, n->location);
            return -1;
        }
        e = g->tl_e[pos - 1];
    } else if (n->tag == AST_COLUMN_REF && ((const AstColumnRef *)n)->fields.n == 1 && !((const AstColumnRef *)n)->star) {
        /* input columns win over output aliases, as in PostgreSQL */
        const char *nm = ((const AstColumnRef *)n)->fields.names[0];
        SqlError tmp;
        sql_error_clear(&tmp);
        e = bind_expr(b, g->s, n, &tmp);
        if (!e && tmp.code == ERRCODE_UNDEFINED_COLUMN)
            for (int k = 0; k < g->n_visible && !e; k++)
                if (g->tl_names[k] && strcmp(g->tl_names[k], nm) == 0)
                    e = g->tl_e[k];
        if (!e) {
            *g->err = tmp;
            return -1;
        }
    } else if (!(e = bind_expr(b, g->s, n, g->err))) {
        return -1;
    }
    if (e->kind == EXPR_AGGREF) {
        SQL_ERR(g->err, GROUPING_ERROR, "aggregate functions are not allowed in GROUP BY");
        g->err->position = q_position(b, n->location);
        return -1;
    }
    if (!(e = bind_resolve_unknown(b, e, g->err)))
        return -1;
    for (int k = 0; k < g->n_group; k++)
        if (bind_expr_equal(g->group[k], e))
            return k;
    if (g->n_group >= 64) {
        SQL_ERR(g->err, PROGRAM_LIMIT_EXCEEDED, "too many grouping expressions (at most 64)");
        return -1;
    }
    if (g->n_group == g->cap_group) {
        int cap = g->cap_group ? g->cap_group * 2 : 8;
        Expr **n2 = q_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
        if (!n2)
            return q_oom(g->err);
        if (g->n_group)
            memcpy(n2, g->group, sizeof(Expr *) * (size_t)g->n_group);
        g->group = n2;
        g->cap_group = cap;
    }
    g->group[g->n_group] = e;
    return g->n_group++;
}

/* The mask of one element of ROLLUP / CUBE / GROUPING SETS: an expression or (a, b). */
static int gb_elem(GroupBind *g, const AstNode *n, uint64_t *mask)
{
    *mask = 0;
    if (n->tag == AST_ROW) {
        const AstRowExpr *r = (const AstRowExpr *)n;
        for (int i = 0; i < r->args.n; i++) {
            int k = gb_expr(g, r->args.items[i]);
            if (k < 0)
                return -1;
            *mask |= 1ull << k;
        }
        return 0;
    }
    int k = gb_expr(g, n);
    if (k < 0)
        return -1;
    *mask = 1ull << k;
    return 0;
}

static int sl_push(GroupBind *g, SetList *l, uint64_t m)
{
    if (l->n >= GROUP_MAX_SETS) {
        SQL_ERR(g->err, STATEMENT_TOO_COMPLEX, "too many grouping sets present (maximum %d)", GROUP_MAX_SETS);
        return -1;
    }
    if (l->n % 16 == 0) {
        uint64_t *n2 = q_alloc(g->b->arena, sizeof(uint64_t) * (size_t)(l->n + 16));
        if (!n2)
            return q_oom(g->err);
        if (l->n)
            memcpy(n2, l->v, sizeof(uint64_t) * (size_t)l->n);
        l->v = n2;
    }
    l->v[l->n++] = m;
    return 0;
}

/* The sets one GROUP BY item stands for. */
static int gb_item(GroupBind *g, const AstNode *n, SetList *out)
{
    out->n = 0;
    out->v = NULL;
    if (n->tag != AST_GROUPING_SET) {
        uint64_t m;
        return gb_elem(g, n, &m) != 0 ? -1 : sl_push(g, out, m);
    }
    const AstGroupingSet *gs = (const AstGroupingSet *)n;
    g->has_sets = true;
    int nc = gs->content.n;
    switch (gs->kind) {
    case AST_GS_EMPTY:
        return sl_push(g, out, 0);
    case AST_GS_ROLLUP: {
        uint64_t masks[64];
        if (nc > 64)
            return SQL_ERR(g->err, STATEMENT_TOO_COMPLEX, "too many grouping sets present (maximum %d)", GROUP_MAX_SETS);
        for (int i = 0; i < nc; i++)
            if (gb_elem(g, gs->content.items[i], &masks[i]) != 0)
                return -1;
        for (int k = nc; k >= 0; k--) {
            uint64_t m = 0;
            for (int i = 0; i < k; i++)
                m |= masks[i];
            if (sl_push(g, out, m) != 0)
                return -1;
        }
        return 0;
    }
    case AST_GS_CUBE: {
        uint64_t masks[12];
        if (nc > 12)
            return SQL_ERR(g->err, PROGRAM_LIMIT_EXCEEDED, "CUBE is limited to 12 elements");
        for (int i = 0; i < nc; i++)
            if (gb_elem(g, gs->content.items[i], &masks[i]) != 0)
                return -1;
        for (int bits = (1 << nc) - 1; bits >= 0; bits--) {
            uint64_t m = 0;
            for (int i = 0; i < nc; i++)
                if (bits & (1 << (nc - 1 - i)))
                    m |= masks[i];
            if (sl_push(g, out, m) != 0)
                return -1;
        }
        return 0;
    }
    case AST_GS_SETS:
        for (int i = 0; i < nc; i++) {
            SetList sub;
            if (gb_item(g, gs->content.items[i], &sub) != 0)
                return -1;
            for (int k = 0; k < sub.n; k++)
                if (sl_push(g, out, sub.v[k]) != 0)
                    return -1;
        }
        return 0;
    }
    return 0;
}

int bind_group_by(Binder *b, BindScope *s, const AstList *group_by, Expr **tl_e, const char **tl_names,
                  int n_visible, Expr ***group, int *n_group, uint64_t **sets, int *n_sets, SqlError *err)
{
    GroupBind g;
    memset(&g, 0, sizeof(g));
    g.b = b;
    g.s = s;
    g.tl_e = tl_e;
    g.tl_names = tl_names;
    g.n_visible = n_visible;
    g.err = err;
    SetList acc = {NULL, 0};
    if (sl_push(&g, &acc, 0) != 0)
        return -1;
    for (int i = 0; i < group_by->n; i++) {
        SetList item;
        if (gb_item(&g, group_by->items[i], &item) != 0)
            return -1;
        /* cross product: every accumulated set with every set of this item */
        SetList next = {NULL, 0};
        for (int a = 0; a < acc.n; a++)
            for (int k = 0; k < item.n; k++)
                if (sl_push(&g, &next, acc.v[a] | item.v[k]) != 0)
                    return -1;
        acc = next;
    }
    *group = g.group;
    *n_group = g.n_group;
    *sets = g.has_sets ? acc.v : NULL;
    *n_sets = g.has_sets ? acc.n : 0;
    return 0;
}

/* ---- GROUP BY rewrite --------------------------------------------------------------------- */

typedef struct GroupCtx {
    Binder *b;
    BindScope *s;
    int n_group;
    Expr **group;
    SqlError *err;
    bool failed;
    int n_fixed;
    const Plan *fixed[64];       /* sub-query plans already remapped */
    int set_col;                 /* Agg output column holding the grouping set index */
    const uint64_t *sets;
    int n_sets;
} GroupCtx;

static const char *var_name(BindScope *s, int index, char *buf, size_t cap)
{
    for (int i = 0; i < s->n_rte; i++) {
        RTE *r = s->rtes[i];
        if (index >= r->offset && index < r->offset + r->ncols) {
            snprintf(buf, cap, "%s.%s", r->alias ? r->alias : "?", r->colnames[index - r->offset] ? r->colnames[index - r->offset] : "?");
            return buf;
        }
    }
    return "?";
}

static const char *var_name(BindScope *s, int index, char *buf, size_t cap);
static void outer_fix_plan(GroupCtx *g, Plan *p, int depth);

/* A correlated sub-query evaluated above the Agg reads this block's columns through the
 * Agg's output row: its Vars of our level (depth) move to the group columns. */
static void outer_fix_expr(GroupCtx *g, Expr *e, int depth)
{
    if (!e || g->failed)
        return;
    if (e->kind == EXPR_VAR && e->u.var.level == depth) {
        for (int i = 0; i < g->n_group; i++) {
            const Expr *ge = g->group[i];
            if (ge->kind == EXPR_VAR && ge->u.var.level == 0 && ge->u.var.index == e->u.var.index) {
                e->u.var.index = i;
                return;
            }
        }
        char buf[200];
        SQL_ERR(g->err, GROUPING_ERROR, "subquery uses ungrouped column \"%s\" from outer query",
                var_name(g->s, e->u.var.index, buf, sizeof(buf)));
        g->err->position = q_position(g->b, e->location);
        g->failed = true;
        return;
    }
    if (e->kind == EXPR_SUBLINK)
        outer_fix_plan(g, e->u.sub.plan, depth + 1);
    if (e->kind == EXPR_AGGREF) {
        AggSpec *a = e->u.aggref.agg;
        for (int i = 0; i < a->nargs; i++)
            outer_fix_expr(g, a->args[i], depth);
        for (int i = 0; i < a->n_order; i++)
            outer_fix_expr(g, a->order_exprs[i], depth);
        outer_fix_expr(g, a->filter, depth);
    }
    if (e->kind == EXPR_WINDOW) {
        WinSpec *w = e->u.window.win;
        for (int i = 0; i < w->n_part; i++)
            outer_fix_expr(g, w->part[i], depth);
        for (int i = 0; i < w->n_order; i++)
            outer_fix_expr(g, w->order_exprs[i], depth);
        for (int i = 0; i < w->agg.nargs; i++)
            outer_fix_expr(g, w->agg.args[i], depth);
    }
    for (int i = 0; i < e->nargs; i++)
        outer_fix_expr(g, e->args[i], depth);
}

static void outer_fix_list(GroupCtx *g, Expr **l, int n, int depth)
{
    for (int i = 0; l && i < n; i++)
        outer_fix_expr(g, l[i], depth);
}

static void outer_fix_plan(GroupCtx *g, Plan *p, int depth)
{
    if (!p || g->failed)
        return;
    for (int i = 0; i < g->n_fixed; i++)
        if (g->fixed[i] == p)
            return;
    if (g->n_fixed < 64)
        g->fixed[g->n_fixed++] = p;
    outer_fix_list(g, p->qual, p->n_qual, depth);
    outer_fix_list(g, p->exprs, p->n_exprs, depth);
    for (int r = 0; p->rows && r < p->n_rows; r++)
        outer_fix_list(g, p->rows[r], p->rows[r] ? p->ncols : 0, depth);
    outer_fix_list(g, p->group, p->n_group, depth);
    for (int i = 0; i < p->n_aggs; i++) {
        AggSpec *a = p->aggs[i];
        outer_fix_list(g, a->args, a->nargs, depth);
        outer_fix_list(g, a->order_exprs, a->n_order, depth);
        outer_fix_expr(g, a->filter, depth);
    }
    for (int i = 0; i < p->n_wins; i++) {
        WinSpec *w = p->wins[i];
        outer_fix_list(g, w->part, w->n_part, depth);
        outer_fix_list(g, w->order_exprs, w->n_order, depth);
        outer_fix_list(g, w->agg.args, w->agg.nargs, depth);
    }
    outer_fix_list(g, p->hash_l, p->n_hash, depth);
    outer_fix_list(g, p->hash_r, p->n_hash, depth);
    outer_fix_list(g, p->ib.eq, p->ib.n_eq, depth);
    outer_fix_expr(g, p->ib.lo, depth);
    outer_fix_expr(g, p->ib.hi, depth);
    outer_fix_list(g, p->ib.in, p->ib.n_in, depth);
    outer_fix_expr(g, p->limit, depth);
    outer_fix_expr(g, p->offset, depth);
    outer_fix_plan(g, p->left, p->kind == PLAN_SUBQUERYSCAN ? depth + 1 : depth);
    outer_fix_plan(g, p->right, depth);
}

static Expr *group_rewrite(GroupCtx *g, Expr *e)
{
    if (!e || g->failed)
        return e;
    for (int i = 0; i < g->n_group; i++)
        if (bind_expr_equal(e, g->group[i])) {
            Expr *v = bind_make_var(g->b, 0, i, e->type, e->typmod);
            if (v && e->kind == EXPR_VAR) {
                v->u.var.rel = e->u.var.rel;
                v->u.var.attnum = e->u.var.attnum;
            }
            return v;
        }
    switch (e->kind) {
    case EXPR_AGGREF: {
        Expr *v = bind_make_var(g->b, 0, g->n_group + e->u.aggref.agg->index, e->type, e->typmod);
        return v;
    }
    case EXPR_VAR:
        if (e->u.var.level == 0) {
            char buf[200];
            SQL_ERR(g->err, GROUPING_ERROR, "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                    var_name(g->s, e->u.var.index, buf, sizeof(buf)));
            g->err->position = q_position(g->b, e->location);
            g->failed = true;
        }
        return e;
    case EXPR_WINDOW: {
        WinSpec *w = e->u.window.win;
        for (int i = 0; i < w->n_part; i++)
            w->part[i] = group_rewrite(g, w->part[i]);
        for (int i = 0; i < w->n_order; i++)
            w->order_exprs[i] = group_rewrite(g, w->order_exprs[i]);
        for (int i = 0; i < w->agg.nargs; i++)
            w->agg.args[i] = group_rewrite(g, w->agg.args[i]);
        if (w->agg.filter)
            w->agg.filter = group_rewrite(g, w->agg.filter);
        return e;
    }
    case EXPR_SUBLINK:
        if (e->u.sub.id < 0)
            outer_fix_plan(g, e->u.sub.plan, 1);
        break;
    case EXPR_GROUPING: {
        /* GROUPING(a, b): which arguments are grouping expressions, then the set column */
        int *gidx = q_alloc(g->b->arena, sizeof(int) * (size_t)(e->nargs + 1));
        if (!gidx) {
            q_oom(g->err);
            g->failed = true;
            return e;
        }
        for (int i = 0; i < e->nargs; i++) {
            gidx[i] = -1;
            for (int k = 0; k < g->n_group; k++)
                if (bind_expr_equal(e->args[i], g->group[k]))
                    gidx[i] = k;
            if (gidx[i] < 0) {
                SQL_ERR(g->err, GROUPING_ERROR, "arguments to GROUPING must be grouping expressions of the associated query level");
                g->err->position = q_position(g->b, e->args[i]->location);
                g->failed = true;
                return e;
            }
        }
        e->u.grouping.n = e->nargs;
        e->u.grouping.gidx = gidx;
        e->u.grouping.sets = g->sets;
        e->u.grouping.n_sets = g->n_sets;
        e->nargs = g->n_sets > 0 ? 1 : 0;
        if (g->n_sets > 0 && !(e->args[0] = bind_make_var(g->b, 0, g->set_col, INT4OID, -1))) {
            g->failed = true;
            return e;
        }
        return e;
    }
    default:
        break;
    }
    for (int i = 0; i < e->nargs; i++)
        e->args[i] = group_rewrite(g, e->args[i]);
    return e;
}

int bind_group_rewrite(Binder *b, BindScope *s, Expr **group, int n_group, int set_col, const uint64_t *sets,
                       int n_sets, Expr **exprs, int n_exprs, SqlError *err)
{
    GroupCtx g;
    memset(&g, 0, sizeof(g));
    g.b = b;
    g.s = s;
    g.n_group = n_group;
    g.group = group;
    g.err = err;
    g.set_col = set_col;
    g.sets = sets;
    g.n_sets = n_sets;
    for (int i = 0; i < n_exprs && !g.failed; i++)
        exprs[i] = group_rewrite(&g, exprs[i]);
    return g.failed ? -1 : 0;
}
