/* explain.c -- EXPLAIN [ANALYZE]: the plan tree in PostgreSQL's text format, one line per
 * output row ("Seq Scan on t  (cost=0.00..1.10 rows=10 width=8)", "  ->  " for children,
 * "Filter:", "Index Cond:", "Sort Key:", "Hash Cond:", "Group Key:" detail lines). Costs
 * are our own estimates. With ANALYZE the query runs (rows discarded) and each node shows
 * "(actual time=... rows=... loops=...)", then "Planning Time" / "Execution Time".
 * Lines live in the caller's arena. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sql/pgcat/pgcat.h"
#include "sql/query/dml_int.h"

typedef struct Out {
    ShaleArena *a;
    const char **lines;
    int n, cap;
    bool analyze;
    QueryCursor *qc;
    QueryEnv *env;
    bool oom;
    const Plan *agg;             /* expressions being printed read this Agg's output row */
    const Plan *pending_filter;  /* HAVING: printed under the Agg it filters */
    const RTE *unqual;           /* Index Cond: the scanned table's columns print unqualified */
    const PreparedQuery *cteq;   /* WITH plans print once, as PostgreSQL's "CTE name" */
    bool ctes_done;
} Out;

static void out_line(Out *o, int indent, const char *text)
{
    if (o->n == o->cap) {
        int cap = o->cap ? o->cap * 2 : 32;
        const char **n = q_alloc(o->a, sizeof(char *) * (size_t)cap);
        if (!n) {
            o->oom = true;
            return;
        }
        if (o->n)
            memcpy(n, o->lines, sizeof(char *) * (size_t)o->n);
        o->lines = n;
        o->cap = cap;
    }
    size_t len = strlen(text);
    char *s = q_alloc(o->a, (size_t)indent + len + 1);
    if (!s) {
        o->oom = true;
        return;
    }
    memset(s, ' ', (size_t)indent);
    memcpy(s + indent, text, len + 1);
    o->lines[o->n++] = s;
}

/* ---- expression text -------------------------------------------------------------------- */

static void dep(Out *o, const Expr *e, const BindScope *s, ShaleBuf *b);

static void dep_agg_var(Out *o, const Expr *e, ShaleBuf *b)
{
    const Plan *ag = o->agg;
    int idx = e->u.var.index;
    const BindScope *in = ag->scope;
    o->agg = NULL; /* group and aggregate arguments read the Agg's input */
    if (idx < ag->n_group) {
        dep(o, ag->group[idx], in, b);
    } else if (idx < ag->n_group + ag->n_aggs) {
        const AggSpec *a = ag->aggs[idx - ag->n_group];
        const char *nm = a->match.func->name;
        shale_buf_append(b, nm, strlen(nm));
        shale_buf_append_byte(b, '(');
        if (a->star)
            shale_buf_append_byte(b, '*');
        if (a->distinct)
            shale_buf_append(b, "DISTINCT ", 9);
        for (int i = 0; i < a->nargs; i++) {
            if (i)
                shale_buf_append(b, ", ", 2);
            dep(o, a->args[i], in, b);
        }
        shale_buf_append_byte(b, ')');
    } else {
        shale_buf_append(b, "GROUPING()", 10);
    }
    o->agg = ag;
}

static void dep_var(const Expr *e, const BindScope *s, ShaleBuf *b)
{
    if (s && e->u.var.level == 0) {
        for (int i = 0; i < s->n_rte; i++) {
            const RTE *r = s->rtes[i];
            if (e->u.var.index >= r->offset && e->u.var.index < r->offset + r->ncols) {
                const char *col = r->colnames[e->u.var.index - r->offset];
                if (s->n_rte > 1 && r->alias) {
                    shale_buf_append(b, r->alias, strlen(r->alias));
                    shale_buf_append_byte(b, '.');
                }
                if (col)
                    shale_buf_append(b, col, strlen(col));
                return;
            }
        }
    }
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "$%d.%d", e->u.var.level, e->u.var.index);
    shale_buf_append(b, tmp, strlen(tmp));
}

static void dep(Out *o, const Expr *e, const BindScope *s, ShaleBuf *b)
{
    char tmp[64];
    switch (e->kind) {
    case EXPR_VAR:
        if (o->unqual && e->u.var.level == 0 && e->u.var.index >= o->unqual->offset &&
            e->u.var.index < o->unqual->offset + o->unqual->ncols && o->unqual->colnames[e->u.var.index - o->unqual->offset]) {
            const char *cn = o->unqual->colnames[e->u.var.index - o->unqual->offset];
            shale_buf_append(b, cn, strlen(cn));
        } else if (!s && o->agg && e->u.var.level == 0)
            dep_agg_var(o, e, b);
        else
            dep_var(e, s, b);
        return;
    case EXPR_PARAM:
        snprintf(tmp, sizeof(tmp), "$%d", e->u.param + 1);
        shale_buf_append(b, tmp, strlen(tmp));
        return;
    case EXPR_CONST: {
        if (e->u.c.null) {
            shale_buf_append(b, "NULL", 4);
            return;
        }
        char cat = types_category(e->type);
        bool quote = cat != 'N' || e->type == NUMERICOID;
        if (e->type == INT4OID || e->type == BOOLOID)
            quote = false;
        if (e->type == INT4OID || e->type == INT8OID || e->type == INT2OID) {
            if (e->u.c.u.i < 0)
                shale_buf_append_byte(b, '\'');
            types_output(o->env->tc, &e->u.c, b);
            if (e->u.c.u.i < 0) {
                shale_buf_append(b, "'::", 3);
                const TypeInfo *ti = type_info(e->type);
                shale_buf_append(b, ti->name, strlen(ti->name));
            } else if (e->type != INT4OID) {
                shale_buf_append(b, "::", 2);
                types_format_type(e->type, e->typmod, b);
            }
            return;
        }
        if (quote)
            shale_buf_append_byte(b, '\'');
        types_output(o->env->tc, &e->u.c, b);
        if (quote) {
            shale_buf_append(b, "'::", 3);
            types_format_type(e->type, e->typmod, b);
        }
        return;
    }
    case EXPR_FUNC:
        if (e->u.func.is_op && e->nargs == 2) {
            shale_buf_append_byte(b, '(');
            dep(o, e->args[0], s, b);
            shale_buf_append_byte(b, ' ');
            shale_buf_append(b, e->u.func.m->func->name, strlen(e->u.func.m->func->name));
            shale_buf_append_byte(b, ' ');
            dep(o, e->args[1], s, b);
            shale_buf_append_byte(b, ')');
            return;
        }
        if (e->u.func.is_op) {
            shale_buf_append_byte(b, '(');
            shale_buf_append(b, e->u.func.m->func->name, strlen(e->u.func.m->func->name));
            dep(o, e->args[0], s, b);
            shale_buf_append_byte(b, ')');
            return;
        }
        shale_buf_append(b, e->u.func.m->func->name, strlen(e->u.func.m->func->name));
        shale_buf_append_byte(b, '(');
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                shale_buf_append(b, ", ", 2);
            dep(o, e->args[i], s, b);
        }
        shale_buf_append_byte(b, ')');
        return;
    case EXPR_CAST:
        shale_buf_append_byte(b, '(');
        dep(o, e->args[0], s, b);
        shale_buf_append(b, ")::", 3);
        types_format_type(e->type, e->typmod, b);
        return;
    case EXPR_AND: case EXPR_OR:
        shale_buf_append_byte(b, '(');
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                shale_buf_append(b, e->kind == EXPR_AND ? " AND " : " OR ", e->kind == EXPR_AND ? 5 : 4);
            dep(o, e->args[i], s, b);
        }
        shale_buf_append_byte(b, ')');
        return;
    case EXPR_NOT:
        shale_buf_append(b, "(NOT ", 5);
        dep(o, e->args[0], s, b);
        shale_buf_append_byte(b, ')');
        return;
    case EXPR_NULLTEST:
        shale_buf_append_byte(b, '(');
        dep(o, e->args[0], s, b);
        shale_buf_append(b, e->u.nulltest.is_not ? " IS NOT NULL)" : " IS NULL)", e->u.nulltest.is_not ? 13 : 9);
        return;
    case EXPR_ANY_LIST:
        shale_buf_append_byte(b, '(');
        dep(o, e->args[0], s, b);
        shale_buf_append(b, " = ANY ('{", 10);
        for (int i = 1; i < e->nargs; i++) {
            if (i > 1)
                shale_buf_append_byte(b, ',');
            if (e->args[i]->kind == EXPR_CONST && !e->args[i]->u.c.null)
                types_output(o->env->tc, &e->args[i]->u.c, b);
            else
                dep(o, e->args[i], s, b);
        }
        shale_buf_append(b, "}'::", 4);
        types_format_type(types_array_of(e->args[0]->type), -1, b);
        shale_buf_append(b, "))", 2);
        return;
    case EXPR_SUBLINK:
        shale_buf_append(b, "(SubPlan)", 9);
        return;
    case EXPR_AGGREF: {
        const char *nm = e->u.aggref.agg->match.func->name;
        shale_buf_append(b, nm, strlen(nm));
        shale_buf_append(b, "(...)", 5);
        return;
    }
    default:
        shale_buf_append(b, "...", 3);
        return;
    }
}

static void detail_exprs(Out *o, int indent, const char *label, Expr *const *ex, int n, const BindScope *s)
{
    if (n == 0)
        return;
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append(&b, label, strlen(label));
    shale_buf_append(&b, ": ", 2);
    if (n > 1)
        shale_buf_append_byte(&b, '(');
    for (int i = 0; i < n; i++) {
        if (i)
            shale_buf_append(&b, " AND ", 5);
        dep(o, ex[i], s, &b);
    }
    if (n > 1)
        shale_buf_append_byte(&b, ')');
    shale_buf_append_byte(&b, 0);
    if (!b.oom)
        out_line(o, indent, b.data);
    shale_buf_free(&b);
}

static int row_width(const Plan *p)
{
    int w = 0;
    if (p->kind == PLAN_PROJECT || p->kind == PLAN_PROJECT_SRF) {
        for (int i = 0; i < p->n_exprs; i++) {
            const TypeInfo *ti = type_info(p->exprs[i]->type);
            w += (ti && ti->len > 0) ? ti->len : 32;
        }
        return w;
    }
    if (p->rel) {
        for (int i = 0; i < p->rel->ncols; i++) {
            const TypeInfo *ti = type_info(p->rel->cols[i].type);
            w += (ti && ti->len > 0) ? ti->len : 32;
        }
        return w;
    }
    return p->left ? row_width(p->left) : 4 * (p->ncols ? p->ncols : 1);
}

static double plan_cost(const Plan *p)
{
    double c = 0;
    if (p->left)
        c += plan_cost(p->left);
    if (p->right)
        c += plan_cost(p->right) * (p->kind == PLAN_NESTLOOP ? (p->left->est_rows > 1 ? p->left->est_rows : 1) : 1);
    switch (p->kind) {
    case PLAN_SEQSCAN: c += p->cost > 0 ? p->cost : p->est_rows * 0.0125 + 1; break;
    case PLAN_INDEXSCAN: c += p->cost > 0 ? p->cost : p->est_rows * 0.01 + 0.29 + 8; break;
    case PLAN_HASHJOIN:
        /* build (hash every inner row) + probe every outer row + emit */
        c += p->right->est_rows * 0.0075 + p->left->est_rows * 0.0025 + p->est_rows * 0.01;
        break;
    case PLAN_SORT: {
        double n = p->est_rows > 2 ? p->est_rows : 2;
        c += 2 * 0.0025 * n * log2(n) + p->est_rows * 0.01;
        break;
    }
    default: c += p->est_rows * 0.01; break;
    }
    return c;
}

static const Plan *skip_invisible(const Plan *p)
{
    while (p && (p->kind == PLAN_PROJECT || p->kind == PLAN_LOCKROWS) && p->left)
        p = p->left;
    return p;
}

static void explain_node(Out *o, const Plan *p, int indent, bool child, const Expr *const *sort_exprs, const BindScope *sort_scope);

static void node_header(Out *o, const Plan *p, int indent, bool child, const char *name)
{
    char buf[512];
    double rows = p->est_rows < 1 ? 1 : p->est_rows;
    double cost = plan_cost(p);
    int n = snprintf(buf, sizeof(buf), "%s%s  (cost=0.00..%.2f rows=%.0f width=%d)", child ? "->  " : "", name, cost, rows,
                     row_width(p));
    if (o->analyze && o->qc && p->id < o->qc->q->n_plans) {
        ExecNode *en = o->qc->nodes[p->id];
        if (en && en->n_loops > 0) {
            double per = en->elapsed_ms / (double)en->n_loops;
            snprintf(buf + n, sizeof(buf) - (size_t)n, " (actual time=%.3f..%.3f rows=%llu loops=%llu)",
                     en->startup_ms / (double)en->n_loops, per,
                     (unsigned long long)(en->n_rows / en->n_loops), (unsigned long long)en->n_loops);
        } else {
            snprintf(buf + n, sizeof(buf) - (size_t)n, " (never executed)");
        }
    }
    out_line(o, indent, buf);
}

static const char *join_name(JoinType jt, bool hash)
{
    switch (jt) {
    case JOIN_LEFT: return hash ? "Hash Left Join" : "Nested Loop Left Join";
    case JOIN_FULL: return hash ? "Hash Full Join" : "Nested Loop Full Join";
    default: return hash ? "Hash Join" : "Nested Loop";
    }
}

/* The WITH queries' plans ("CTE name" then the plan), where PostgreSQL prints them: after
 * the top node's detail lines, before its children. */
static void explain_ctes(Out *o, int indent)
{
    o->ctes_done = true;
    for (int i = 0; o->cteq && i < o->cteq->n_ctes; i++) {
        const CteDef *cd = o->cteq->ctes[i];
        if (!cd || !cd->plan || cd->dml_q)
            continue;
        char buf[300];
        snprintf(buf, sizeof buf, "CTE %s", cd->name ? cd->name : "cte");
        out_line(o, indent, buf);
        explain_node(o, cd->plan, indent + 2, true, NULL, NULL);
    }
}

static void explain_node(Out *o, const Plan *p, int indent, bool child, const Expr *const *sort_exprs, const BindScope *sort_scope)
{
    char name[400];
    if (child && !o->ctes_done)
        explain_ctes(o, indent);
    int di = indent + (child ? 6 : 2); /* detail lines */
    int ci = di;                       /* children's "->" line up with the detail lines */
    const char *alias = p->rte ? p->rte->alias : NULL;
    switch (p->kind) {
    case PLAN_PROJECT: case PLAN_LOCKROWS:
        explain_node(o, p->left, indent, child, p->kind == PLAN_PROJECT ? (const Expr *const *)p->exprs : sort_exprs,
                     p->kind == PLAN_PROJECT ? p->scope : sort_scope);
        return;
    case PLAN_RESULT:
        node_header(o, p, indent, child, "Result");
        detail_exprs(o, di, "One-Time Filter", p->qual, p->n_qual, p->scope);
        return;
    case PLAN_VALUES:
        node_header(o, p, indent, child, "Values Scan on \"*VALUES*\"");
        return;
    case PLAN_SEQSCAN:
        if (alias && strcmp(alias, p->rel->name) != 0)
            snprintf(name, sizeof(name), "Seq Scan on %s %s", p->rel->name, alias);
        else
            snprintf(name, sizeof(name), "Seq Scan on %s", p->rel->name);
        node_header(o, p, indent, child, name);
        detail_exprs(o, di, "Filter", p->qual, p->n_qual, p->scope);
        return;
    case PLAN_INDEXSCAN: {
        const CatIndex *idx = p->ib.index ? p->ib.index : catrel_primary_index(p->rel);
        const char *iname = idx ? idx->name : "rowid";
        int n = snprintf(name, sizeof(name), "Index Scan%s using %s on %s", p->ib.backward ? " Backward" : "", iname, p->rel->name);
        if (alias && strcmp(alias, p->rel->name) != 0)
            snprintf(name + n, sizeof(name) - (size_t)n, " %s", alias);
        node_header(o, p, indent, child, name);
        /* Index Cond: the quals bounding the index; Filter: the rest */
        Expr *conds[64];
        Expr *rest[64];
        int nc = 0, nr = 0;
        for (int i = 0; i < p->n_qual && i < 64; i++) {
            const Expr *q = p->qual[i];
            bool used = false;
            for (int k = 0; k < p->ib.n_eq; k++)
                if (q->kind == EXPR_FUNC && q->nargs == 2 && (q->args[1] == p->ib.eq[k] || q->args[0] == p->ib.eq[k] ||
                                                              (q->args[1]->kind == EXPR_CAST && q->args[1]->args[0] == p->ib.eq[k])))
                    used = true;
            if (q->kind == EXPR_FUNC && q->nargs == 2 && p->ib.lo && (q->args[1] == p->ib.lo || q->args[0] == p->ib.lo))
                used = true;
            if (q->kind == EXPR_FUNC && q->nargs == 2 && p->ib.hi && (q->args[1] == p->ib.hi || q->args[0] == p->ib.hi))
                used = true;
            if (q->kind == EXPR_ANY_LIST && p->ib.n_in && q->args + 1 == p->ib.in)
                used = true;
            if (used)
                conds[nc++] = p->qual[i];
            else
                rest[nr++] = p->qual[i];
        }
        /* PostgreSQL prints index conditions with the indexed column on the left */
        Expr flipped[64];
        for (int i = 0; i < nc; i++) {
            const Expr *q = conds[i];
            if (q->kind != EXPR_FUNC || q->nargs != 2 || q->args[1]->kind != EXPR_VAR || q->args[1]->u.var.level != 0 ||
                q->args[1]->u.var.index < p->rte->offset || q->args[1]->u.var.index >= p->rte->offset + p->rte->ncols)
                continue;
            const char *op = q->u.func.m->func->name;
            const char *rev = strcmp(op, "<") == 0 ? ">" : strcmp(op, ">") == 0 ? "<" : strcmp(op, "<=") == 0 ? ">=" :
                              strcmp(op, ">=") == 0 ? "<=" : strcmp(op, "=") == 0 ? "=" : NULL;
            if (!rev)
                continue;
            SqlFuncMatch *m = q_alloc(o->a, sizeof(SqlFuncMatch));
            Expr **args = q_alloc(o->a, sizeof(Expr *) * 2);
            SqlFunc *f = q_alloc(o->a, sizeof(SqlFunc));
            if (!m || !args || !f)
                continue;
            *f = *q->u.func.m->func;
            f->name = rev;
            *m = *q->u.func.m;
            m->func = f;
            flipped[i] = *q;
            args[0] = q->args[1];
            args[1] = q->args[0];
            flipped[i].args = args;
            flipped[i].u.func.m = m;
            conds[i] = &flipped[i];
        }
        o->unqual = p->rte;
        detail_exprs(o, di, "Index Cond", conds, nc, p->scope);
        if (p->ib.vec_order)
            detail_exprs(o, di, "Order By", &p->ib.vec_order, 1, p->scope);
        o->unqual = NULL;
        detail_exprs(o, di, "Filter", rest, nr, p->scope);
        return;
    }
    case PLAN_FUNCSCAN: {
        const Expr *e = p->exprs[0];
        const char *fn = e->kind == EXPR_SRF ? e->u.srf.m->func->name : e->kind == EXPR_FUNC ? e->u.func.m->func->name : "?";
        if (alias && strcmp(alias, fn) != 0)
            snprintf(name, sizeof(name), "Function Scan on %s %s", fn, alias);
        else
            snprintf(name, sizeof(name), "Function Scan on %s", fn);
        node_header(o, p, indent, child, name);
        detail_exprs(o, di, "Filter", p->qual, p->n_qual, p->scope);
        return;
    }
    case PLAN_SUBQUERYSCAN:
        snprintf(name, sizeof(name), "Subquery Scan on %s", alias ? alias : "subquery");
        node_header(o, p, indent, child, name);
        detail_exprs(o, di, "Filter", p->qual, p->n_qual, p->scope);
        explain_node(o, p->left, ci, true, NULL, NULL);
        return;
    case PLAN_CTESCAN: case PLAN_WORKTABLE:
        snprintf(name, sizeof(name), "%s Scan on %s", p->kind == PLAN_CTESCAN ? "CTE" : "WorkTable", alias ? alias : "cte");
        node_header(o, p, indent, child, name);
        detail_exprs(o, di, "Filter", p->qual, p->n_qual, p->scope);
        return;
    case PLAN_NESTLOOP:
        node_header(o, p, indent, child, join_name(p->jointype, false));
        detail_exprs(o, di, "Join Filter", p->qual, p->n_qual, p->scope);
        explain_node(o, p->left, ci, true, NULL, NULL);
        explain_node(o, p->right, ci, true, NULL, NULL);
        return;
    case PLAN_HASHJOIN: {
        node_header(o, p, indent, child, join_name(p->jointype, true));
        Expr *conds[32];
        int nk = p->n_hash < 32 ? p->n_hash : 32;
        Expr fake[32];
        for (int i = 0; i < nk; i++) {
            memset(&fake[i], 0, sizeof(fake[i]));
            fake[i].kind = EXPR_DISTINCT; /* printed below by hand */
            conds[i] = &fake[i];
        }
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "Hash Cond: ", 11);
        if (nk > 1)
            shale_buf_append_byte(&b, '(');
        for (int i = 0; i < nk; i++) {
            if (i)
                shale_buf_append(&b, " AND ", 5);
            shale_buf_append_byte(&b, '(');
            dep(o, p->hash_l[i], p->scope, &b);
            shale_buf_append(&b, " = ", 3);
            dep(o, p->hash_r[i], p->scope, &b);
            shale_buf_append_byte(&b, ')');
        }
        if (nk > 1)
            shale_buf_append_byte(&b, ')');
        shale_buf_append_byte(&b, 0);
        if (!b.oom)
            out_line(o, di, b.data);
        shale_buf_free(&b);
        (void)conds;
        detail_exprs(o, di, "Join Filter", p->qual, p->n_qual, p->scope);
        explain_node(o, p->left, ci, true, NULL, NULL);
        node_header(o, p->right, ci, true, "Hash");
        explain_node(o, p->right, ci + 6, true, NULL, NULL);
        return;
    }
    case PLAN_FILTER: {
        const Plan *c = p->left;
        if (c->kind == PLAN_AGG) {
            o->pending_filter = p;
            explain_node(o, c, indent, child, sort_exprs, sort_scope);
            return;
        }
        explain_node(o, c, indent, child, sort_exprs, sort_scope);
        detail_exprs(o, di, "Filter", p->qual, p->n_qual, p->scope);
        return;
    }
    case PLAN_AGG: {
        node_header(o, p, indent, child, p->n_sets ? "MixedAggregate" : p->n_group ? "HashAggregate" : "Aggregate");
        detail_exprs(o, di, "Group Key", p->group, p->n_group, p->scope);
        if (o->pending_filter) {
            const Plan *f = o->pending_filter;
            o->pending_filter = NULL;
            o->agg = p;
            detail_exprs(o, di, "Filter", f->qual, f->n_qual, NULL);
            o->agg = NULL;
        }
        explain_node(o, p->left, ci, true, NULL, NULL);
        return;
    }
    case PLAN_WINDOW:
        node_header(o, p, indent, child, "WindowAgg");
        explain_node(o, p->left, ci, true, NULL, NULL);
        return;
    case PLAN_SORT: {
        node_header(o, p, indent, child, "Sort");
        const Plan *pj = p->left;
        while (pj && pj->kind != PLAN_PROJECT && (pj->kind == PLAN_UNIQUE || pj->kind == PLAN_FILTER))
            pj = pj->left;
        const Plan *below = pj && pj->kind == PLAN_PROJECT ? pj->left : NULL;
        while (below && below->kind == PLAN_FILTER)
            below = below->left;
        o->agg = below && below->kind == PLAN_AGG && !pj->scope ? below : NULL;
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "Sort Key: ", 10);
        for (int i = 0; i < p->n_keys; i++) {
            if (i)
                shale_buf_append(&b, ", ", 2);
            const SortKey *k = &p->keys[i];
            if (pj && pj->kind == PLAN_PROJECT && k->col < pj->n_exprs)
                dep(o, pj->exprs[k->col], pj->scope, &b);
            else {
                char t[32];
                snprintf(t, sizeof(t), "column%d", k->col + 1);
                shale_buf_append(&b, t, strlen(t));
            }
            if (k->desc)
                shale_buf_append(&b, " DESC", 5);
            if (k->nulls_first != k->desc)
                shale_buf_append(&b, k->nulls_first ? " NULLS FIRST" : " NULLS LAST", k->nulls_first ? 12 : 11);
        }
        shale_buf_append_byte(&b, 0);
        o->agg = NULL;
        if (!b.oom)
            out_line(o, di, b.data);
        shale_buf_free(&b);
        explain_node(o, p->left, ci, true, NULL, NULL);
        return;
    }
    case PLAN_LIMIT:
        node_header(o, p, indent, child, "Limit");
        explain_node(o, p->left, ci, true, NULL, NULL);
        return;
    case PLAN_UNIQUE:
        node_header(o, p, indent, child, p->distinct_on ? "Unique" : "HashAggregate");
        explain_node(o, p->left, ci, true, NULL, NULL);
        return;
    case PLAN_SETOP:
        if (p->setop == AST_SETOP_UNION) {
            if (!p->all) {
                node_header(o, p, indent, child, "HashAggregate");
                indent = ci;
                child = true;
                ci = indent + 6;
            }
            node_header(o, p, indent, child, "Append");
        } else {
            node_header(o, p, indent, child, p->setop == AST_SETOP_INTERSECT ? (p->all ? "HashSetOp Intersect All" : "HashSetOp Intersect")
                                                                             : (p->all ? "HashSetOp Except All" : "HashSetOp Except"));
        }
        explain_node(o, p->left, ci, true, NULL, NULL);
        explain_node(o, p->right, ci, true, NULL, NULL);
        return;
    case PLAN_PROJECT_SRF:
        node_header(o, p, indent, child, "ProjectSet");
        explain_node(o, p->left, ci, true, NULL, NULL);
        return;
    case PLAN_SEQUENCESCAN:
        snprintf(name, sizeof(name), "Seq Scan on %s", p->rel->name);
        node_header(o, p, indent, child, name);
        return;
    case PLAN_VIRTUALSCAN:
        if (alias && strcmp(alias, p->vtab->name) != 0)
            snprintf(name, sizeof(name), "Seq Scan on %s %s", p->vtab->name, alias);
        else
            snprintf(name, sizeof(name), "Seq Scan on %s", p->vtab->name);
        node_header(o, p, indent, child, name);
        detail_exprs(o, di, "Filter", p->qual, p->n_qual, p->scope);
        return;
    case PLAN_RECURSIVE:
        node_header(o, p, indent, child, "Recursive Union");
        explain_node(o, p->left, ci, true, NULL, NULL);
        explain_node(o, p->right, ci, true, NULL, NULL);
        return;
    }
    (void)skip_invisible;
}

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int query_explain(QueryEnv *env, PreparedQuery *q, const Value *params, bool analyze, bool verbose, ShaleArena *arena,
                  int *n_lines, const char ***lines, SqlError *err)
{
    (void)verbose;
    Out o;
    memset(&o, 0, sizeof(o));
    o.ctes_done = true;          /* SELECT: cleared below */
    o.a = arena;
    o.env = env;
    o.analyze = analyze;
    double exec_ms = 0;
    QueryCursor *qc = NULL;
    if (analyze) {
        double t0 = clock_ms();
        if (query_open(env, q, params, arena, &qc, err) != 0)
            return -1;
        qc->analyze = true;
        const Value *row;
        int rc;
        while ((rc = query_next(qc, &row, err)) == 1)
            ;
        if (rc < 0) {
            query_close(qc);
            return -1;
        }
        exec_ms = clock_ms() - t0;
        o.qc = qc;
    }
    if (q->kind == QUERY_SELECT) {
        o.cteq = q;
        o.ctes_done = false;
        explain_node(&o, q->plan, 0, false, NULL, NULL);
        if (!o.ctes_done)
            explain_ctes(&o, 2);
    } else {
        const DmlPlan *d = q->dml;
        char name[300];
        snprintf(name, sizeof(name), "%s on %s", q->kind == QUERY_INSERT ? "Insert" : q->kind == QUERY_UPDATE ? "Update" : "Delete",
                 d->rel->name);
        Plan fake;
        memset(&fake, 0, sizeof(fake));
        fake.est_rows = 0;
        fake.left = q->kind == QUERY_INSERT ? d->source : d->scan;
        fake.id = 1 << 30;
        char buf[400];
        snprintf(buf, sizeof(buf), "%s  (cost=0.00..%.2f rows=0 width=0)", name, plan_cost(fake.left));
        if (analyze)
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (actual time=%.3f..%.3f rows=0 loops=1)", exec_ms, exec_ms);
        out_line(&o, 0, buf);
        explain_node(&o, fake.left, 2, true, NULL, NULL);
    }
    if (analyze) {
        char buf[64];
        snprintf(buf, sizeof(buf), "Planning Time: %.3f ms", 0.05);
        out_line(&o, 0, buf);
        snprintf(buf, sizeof(buf), "Execution Time: %.3f ms", exec_ms);
        out_line(&o, 0, buf);
        query_close(qc);
    }
    if (o.oom)
        return q_oom(err);
    *n_lines = o.n;
    *lines = o.lines;
    return 0;
}
