/* plan_cost.c -- the planner's cost model: selectivity of WHERE/ON conjuncts from ANALYZE's
 * statistics (sql/analyze.h), with PostgreSQL's defaults when a column has none, and the
 * costs of access paths in PostgreSQL's units (a sequential page = 1).
 *
 * Selectivity rules (PostgreSQL's, simplified):
 *   col = const     MCV frequency when const is a most common value, else the rest spread
 *                   evenly over the other distinct values; 1/n_distinct for a parameter;
 *                   0.005 without statistics (1/rows for a unique single-column index)
 *   col <,<=,>,>=   MCVs satisfying it + the histogram fraction (linear interpolation
 *                   inside a bucket for numeric-like types); 1/3 without statistics
 *   lo < col < hi   (a pair on one column) s(lo) + s(hi) - 1; 0.005 without statistics
 *   IS [NOT] NULL   null_frac; IN (...) sum of equalities; NOT / OR / AND combine as
 *                   independent events; LIKE: MCVs and histogram bounds matched against
 *                   the pattern (prefix range without a histogram)
 *   a.x = b.y       1 / max(nd(a.x), nd(b.y)) (nd 200 without statistics, rows if unique)
 * Statistics are loaded lazily per RTE into the binder's arena, so a statement whose scans
 * are all primary-key point lookups never reads them. */
#include <math.h>
#include <string.h>

#include "sql/analyze.h"
#include "sql/query/plan_int.h"
#include "sql/types/types.h"

#define SEL_EQ 0.005
#define SEL_INEQ (1.0 / 3.0)
#define SEL_RANGE 0.005
#define SEL_MATCH 0.005
#define SEL_UNKNOWN 0.5
#define ND_DEFAULT 200.0

void plan_base_rows(Binder *b, Plan *p)
{
    if (p->rows_base > 0)
        return;
    /* the live-row count, not ANALYZE's reltuples: it follows inserts, deletes and
     * TRUNCATE (ANALYZE persists it at once, so a crash loses only later changes) */
    double n = p->est_rows;
    (void)b;
    p->rows_base = n > 0 ? n : 1;
    p->est_rows = p->rows_base;
}

const TableStats *plan_rte_stats(Binder *b, RTE *rte)
{
    if (!rte || !rte->rel)
        return NULL;
    if (!rte->stats_loaded) {
        rte->stats_loaded = true;
        rte->stats = b->env->rdb ? stats_load(b->env->rdb, b->env->database_oid, rte->rel->oid, b->arena) : NULL;
    }
    return rte->stats;
}

/* The base-table column a level-0 Var reads (rte + 1-based attnum), or NULL. */
static RTE *var_column(BindScope *s, const Expr *e, int *attnum)
{
    while (e && e->kind == EXPR_CAST && e->nargs == 1 && e->args[0]->type == e->type)
        e = e->args[0];
    if (!e || e->kind != EXPR_VAR || e->u.var.level != 0 || !s)
        return NULL;
    for (int i = 0; i < s->n_rte; i++) {
        RTE *r = s->rtes[i];
        if (e->u.var.index >= r->offset && e->u.var.index < r->offset + r->ncols) {
            if (!r->rel)
                return NULL;
            *attnum = e->u.var.index - r->offset + 1;
            return r;
        }
    }
    return NULL;
}

static double rte_rows(Binder *b, RTE *r)
{
    if (r->plan && r->plan->rows_base > 0)
        return r->plan->rows_base;
    int64_t est = b->env->rdb ? rel_table_row_estimate(b->env->rdb, b->env->database_oid, r->rel) : 1000;
    return est > 0 ? (double)est : 1;
}

/* Whether column att alone is unique (primary key or unique index on it). */
static bool col_unique(const CatRelation *rel, int att)
{
    for (int i = 0; i < rel->nindexes; i++) {
        const CatIndex *x = &rel->indexes[i];
        if ((x->primary || x->unique) && x->ncols == 1 && x->attnums[0] == att && !x->predicate)
            return true;
    }
    return false;
}

/* Distinct values of a column; *known false when it is the default guess. */
static double col_ndistinct(Binder *b, RTE *r, int att, const ColStats **cs_out, bool *known)
{
    double rows = rte_rows(b, r);
    const ColStats *cs = stats_column(plan_rte_stats(b, r), att);
    if (cs_out)
        *cs_out = cs;
    *known = true;
    if (col_unique(r->rel, att))
        return rows;
    if (cs && cs->n_distinct != 0) {
        const TableStats *ts = plan_rte_stats(b, r);
        double nd = cs->n_distinct > 0 ? cs->n_distinct : -cs->n_distinct * (ts ? ts->reltuples : rows);
        return nd < 1 ? 1 : nd;
    }
    *known = false;
    return rows < ND_DEFAULT ? (rows < 1 ? 1 : rows) : ND_DEFAULT;
}

static bool num_family(Oid t)
{
    return t == INT2OID || t == INT4OID || t == INT8OID || t == FLOAT4OID || t == FLOAT8OID || t == OIDOID;
}

static bool text_family(Oid t)
{
    return t == TEXTOID || t == VARCHAROID || t == BPCHAROID || t == NAMEOID;
}

static bool comparable(Oid col, Oid c)
{
    return col == c || (num_family(col) && num_family(c)) || (text_family(col) && text_family(c));
}

static bool as_double(const Value *v, double *d)
{
    switch (v->type) {
    case INT2OID: case INT4OID: case INT8OID: case OIDOID: case DATEOID: case TIMEOID: case TIMESTAMPOID:
    case TIMESTAMPTZOID:
        *d = (double)v->u.i;
        return true;
    case FLOAT4OID: case FLOAT8OID:
        *d = v->u.f;
        return isfinite(v->u.f);
    default:
        return false;
    }
}

static double clamp01(double s)
{
    if (!(s >= 0))
        return 0;
    return s > 1 ? 1 : s;
}

static double mcv_sum(const ColStats *cs)
{
    double t = 0;
    for (int i = 0; i < cs->n_mcv; i++)
        t += cs->mcv_freq[i];
    return t;
}

static double eq_sel_const(Binder *b, RTE *r, int att, const Value *c)
{
    if (c->null)
        return 0;
    const ColStats *cs;
    bool known;
    double nd = col_ndistinct(b, r, att, &cs, &known);
    if (!cs || !comparable(cs->type, c->type))
        return known ? 1.0 / nd : SEL_EQ;
    double others = 1.0 - cs->null_frac;
    for (int i = 0; i < cs->n_mcv; i++) {
        if (types_compare(&cs->mcv[i], c) == 0)
            return cs->mcv_freq[i];
        others -= cs->mcv_freq[i];
    }
    double rest = nd - cs->n_mcv;
    if (rest < 1)
        return cs->n_mcv ? clamp01(others) * 0.5 / (cs->n_mcv + 1) : 1.0 / nd;
    return clamp01(others / rest);
}

static double eq_sel_param(Binder *b, RTE *r, int att)
{
    const ColStats *cs;
    bool known;
    double nd = col_ndistinct(b, r, att, &cs, &known);
    if (!known)
        return SEL_EQ;
    return clamp01((cs ? 1.0 - cs->null_frac : 1.0) / nd);
}

/* Fraction of the histogram below c (or at most c with incl). */
static double hist_below(const ColStats *cs, const Value *c, bool incl)
{
    int nh = cs->n_hist;
    if (nh < 2)
        return 0.5;
    int lo = 0, hi = nh;               /* first bound > c (>= c without incl) */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int k = types_compare(&cs->hist[mid], c);
        if (k < 0 || (incl && k == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    if (lo >= nh)
        return 1;
    double frac = 0.5, x, a, z;
    if (as_double(c, &x) && as_double(&cs->hist[lo - 1], &a) && as_double(&cs->hist[lo], &z) && z > a)
        frac = (x - a) / (z - a);
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    return ((lo - 1) + frac) / (double)(nh - 1);
}

/* col < c (less) or col > c, incl adding equality. */
static double ineq_sel_const(Binder *b, RTE *r, int att, const Value *c, bool less, bool incl)
{
    if (c->null)
        return 0;
    const ColStats *cs = stats_column(plan_rte_stats(b, r), att);
    if (!cs || !comparable(cs->type, c->type) || (cs->n_mcv == 0 && cs->n_hist < 2))
        return SEL_INEQ;
    double m = 0, msum = mcv_sum(cs);
    for (int i = 0; i < cs->n_mcv; i++) {
        int k = types_compare(&cs->mcv[i], c);
        if ((less && (k < 0 || (incl && k == 0))) || (!less && (k > 0 || (incl && k == 0))))
            m += cs->mcv_freq[i];
    }
    double rest = clamp01(1.0 - cs->null_frac - msum);
    double h;
    if (cs->n_hist >= 2)
        h = less ? hist_below(cs, c, incl) : 1.0 - hist_below(cs, c, !incl);
    else
        h = cs->n_mcv ? m / (msum > 0 ? msum : 1) : SEL_INEQ;
    return clamp01(m + h * rest);
}

/* LIKE pattern matching (C collation; backslash escapes) for estimating on sample values. */
static bool like_match(const char *p, const char *pe, const char *s, const char *se)
{
    while (p < pe) {
        if (*p == '%') {
            p++;
            if (p == pe)
                return true;
            for (const char *t = s; t <= se; t++)
                if (like_match(p, pe, t, se))
                    return true;
            return false;
        }
        if (s == se)
            return false;
        if (*p == '_') {
            p++;
            s++;
            continue;
        }
        if (*p == '\\' && p + 1 < pe)
            p++;
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return s == se;
}

static double like_sel(Binder *b, RTE *r, int att, const Value *pat, bool negated)
{
    if (pat->null || !text_family(pat->type))
        return negated ? 1 - SEL_MATCH : SEL_MATCH;
    const char *p = pat->u.s.p, *pe = p + pat->u.s.n;
    int fixed = 0;
    bool wild = false;
    for (const char *q = p; q < pe; q++) {
        if (*q == '%' || *q == '_') {
            wild = true;
            break;
        }
        fixed++;
    }
    const ColStats *cs = stats_column(plan_rte_stats(b, r), att);
    double s;
    if (!wild) {
        s = eq_sel_const(b, r, att, pat);
    } else if (cs && text_family(cs->type) && (cs->n_mcv || cs->n_hist >= 10)) {
        double m = 0, msum = mcv_sum(cs);
        for (int i = 0; i < cs->n_mcv; i++)
            if (like_match(p, pe, cs->mcv[i].u.s.p, cs->mcv[i].u.s.p + cs->mcv[i].u.s.n))
                m += cs->mcv_freq[i];
        double h = SEL_MATCH;
        if (cs->n_hist >= 10) {
            int hits = 0;
            for (int i = 0; i < cs->n_hist; i++)
                if (like_match(p, pe, cs->hist[i].u.s.p, cs->hist[i].u.s.p + cs->hist[i].u.s.n))
                    hits++;
            h = (hits + 0.5) / (cs->n_hist + 1.0);
        }
        s = m + h * clamp01(1.0 - cs->null_frac - msum);
        if (negated)
            return clamp01(1.0 - s - cs->null_frac);
    } else {
        /* PostgreSQL's fixed-prefix guess: each fixed character narrows by 5 */
        s = SEL_MATCH;
        if (fixed > 0)
            s = pow(0.2, fixed < 6 ? fixed : 6) * 2;
    }
    return negated ? clamp01(1.0 - s) : clamp01(s);
}

static const char *op_name(const Expr *e)
{
    if (e->kind != EXPR_FUNC || !e->u.func.is_op || e->nargs != 2)
        return NULL;
    return e->u.func.m->func->name;
}

static bool is_const(const Expr *e)
{
    return e->kind == EXPR_CONST;
}

static bool is_param_like(BindScope *s, Expr *e)
{
    if (e->kind == EXPR_PARAM)
        return true;
    bool opaque = false;
    uint64_t m = plan_expr_rtes(s, e, &opaque);
    return !m && !opaque && !bind_expr_volatile(e);
}

/* Selectivity of a comparison "col op value" seen with col on the left. */
static double cmp_sel(Binder *b, BindScope *s, const char *op, RTE *r, int att, Expr *v)
{
    bool c = is_const(v);
    if (!strcmp(op, "="))
        return c ? eq_sel_const(b, r, att, &v->u.c) : is_param_like(s, v) ? eq_sel_param(b, r, att) : SEL_EQ;
    if (!strcmp(op, "<>")) {
        const ColStats *cs = stats_column(plan_rte_stats(b, r), att);
        double eq = c ? eq_sel_const(b, r, att, &v->u.c) : eq_sel_param(b, r, att);
        return clamp01(1.0 - eq - (cs ? cs->null_frac : 0));
    }
    bool less = op[0] == '<', incl = op[1] == '=';
    if ((op[0] == '<' || op[0] == '>') && (op[1] == 0 || (op[1] == '=' && op[2] == 0)))
        return c ? ineq_sel_const(b, r, att, &v->u.c, less, incl) : SEL_INEQ;
    if (!strcmp(op, "~~") || !strcmp(op, "!~~"))
        return c ? like_sel(b, r, att, &v->u.c, op[0] == '!') : SEL_MATCH;
    if (!strcmp(op, "~~*") || !strcmp(op, "!~~*"))
        return op[0] == '!' ? 1 - SEL_MATCH * 2 : SEL_MATCH * 2;
    return SEL_UNKNOWN;
}

static const char *commute(const char *op)
{
    if (!strcmp(op, "<")) return ">";
    if (!strcmp(op, ">")) return "<";
    if (!strcmp(op, "<=")) return ">=";
    if (!strcmp(op, ">=")) return "<=";
    if (!strcmp(op, "=") || !strcmp(op, "<>")) return op;
    return NULL;
}

double plan_join_eq_selectivity(Binder *b, BindScope *s, Expr *l, Expr *r)
{
    int la, ra;
    RTE *lr = var_column(s, l, &la), *rr = var_column(s, r, &ra);
    bool k1 = false, k2 = false;
    double n1 = lr ? col_ndistinct(b, lr, la, NULL, &k1) : ND_DEFAULT;
    double n2 = rr ? col_ndistinct(b, rr, ra, NULL, &k2) : ND_DEFAULT;
    double nd = n1 > n2 ? n1 : n2;
    return nd >= 1 ? 1.0 / nd : 1.0;
}

double plan_expr_selectivity(Binder *b, BindScope *s, Expr *e)
{
    switch (e->kind) {
    case EXPR_AND:
        return plan_selectivity(b, s, e->args, e->nargs);
    case EXPR_OR: {
        double t = 0;
        for (int i = 0; i < e->nargs; i++) {
            double x = plan_expr_selectivity(b, s, e->args[i]);
            t = t + x - t * x;
        }
        return t;
    }
    case EXPR_NOT:
        return clamp01(1.0 - plan_expr_selectivity(b, s, e->args[0]));
    case EXPR_NULLTEST: {
        int att;
        RTE *r = var_column(s, e->args[0], &att);
        const ColStats *cs = r ? stats_column(plan_rte_stats(b, r), att) : NULL;
        double nf = cs ? cs->null_frac : SEL_EQ;
        return e->u.nulltest.is_not ? 1.0 - nf : nf;
    }
    case EXPR_CONST:
        return e->u.c.null || (e->type == BOOLOID && !e->u.c.u.b) ? 0 : 1;
    case EXPR_VAR: {
        int att;
        RTE *r = var_column(s, e, &att);
        if (r && e->type == BOOLOID) {
            Value t = value_int(BOOLOID, 0);
            t.u.b = true;
            return eq_sel_const(b, r, att, &t);
        }
        return SEL_UNKNOWN;
    }
    case EXPR_ANY_LIST: {
        int att;
        RTE *r = var_column(s, e->args[0], &att);
        if (!r || e->nargs < 2)
            return SEL_UNKNOWN;
        const char *op = e->u.any.ops[0]->func->name;
        double t = e->u.any.is_all ? 1 : 0;
        for (int i = 1; i < e->nargs; i++) {
            double x = cmp_sel(b, s, op, r, att, e->args[i]);
            t = e->u.any.is_all ? t * x : t + x;
        }
        return clamp01(t);
    }
    case EXPR_FUNC: {
        const char *op = op_name(e);
        if (!op)
            return e->type == BOOLOID ? SEL_INEQ : SEL_UNKNOWN;
        int att;
        RTE *r = var_column(s, e->args[0], &att);
        Expr *v = e->args[1];
        const char *eff = op;
        if (!r) {
            r = var_column(s, e->args[1], &att);
            v = e->args[0];
            eff = commute(op);
            if (!eff)
                return r ? SEL_MATCH : SEL_UNKNOWN;
        }
        if (!r)
            return !strcmp(op, "=") ? SEL_EQ : SEL_INEQ;
        int att2;
        if (var_column(s, v, &att2)) {
            if (!strcmp(eff, "="))
                return plan_join_eq_selectivity(b, s, e->args[0], e->args[1]);
            return SEL_INEQ;
        }
        return cmp_sel(b, s, eff, r, att, v);
    }
    default:
        return SEL_UNKNOWN;
    }
}

/* One side of a range pair: col < / > value (const) on a column with statistics. */
static bool range_side(BindScope *s, Expr *e, RTE **r, int *att, bool *less)
{
    const char *op = op_name(e);
    if (!op || !(op[0] == '<' || op[0] == '>') || (op[1] && (op[1] != '=' || op[2])))
        return false;
    if ((*r = var_column(s, e->args[0], att)) && e->args[1]->kind == EXPR_CONST) {
        *less = op[0] == '<';
        return true;
    }
    if ((*r = var_column(s, e->args[1], att)) && e->args[0]->kind == EXPR_CONST) {
        *less = op[0] == '>';
        return true;
    }
    return false;
}

double plan_selectivity(Binder *b, BindScope *s, Expr *const *conj, int n)
{
    double t = 1;
    bool paired[64] = {false};
    for (int i = 0; i < n; i++) {
        if (i < 64 && paired[i])
            continue;
        RTE *r1, *r2;
        int a1, a2;
        bool l1, l2;
        if (i < 64 && range_side(s, conj[i], &r1, &a1, &l1)) {
            for (int k = i + 1; k < n && k < 64; k++) {
                if (paired[k] || !range_side(s, conj[k], &r2, &a2, &l2) || r2 != r1 || a2 != a1 || l2 == l1)
                    continue;
                paired[k] = true;
                double x = plan_expr_selectivity(b, s, conj[i]) + plan_expr_selectivity(b, s, conj[k]) - 1;
                const ColStats *cs = stats_column(plan_rte_stats(b, r1), a1);
                if (!cs)
                    x = SEL_RANGE;
                else if (x < 0.0001)
                    x = x <= 0 ? 1e-6 : x;
                t *= x;
                goto next;
            }
        }
        t *= plan_expr_selectivity(b, s, conj[i]);
    next:;
    }
    return clamp01(t);
}

/* ---- costs ------------------------------------------------------------------------------- */

#define COST_TUPLE 0.01
#define COST_INDEX_TUPLE 0.005
#define COST_OPERATOR 0.0025
/* A row fetched through a secondary index is a point read of the LSM (a few block probes,
 * mostly cached): priced like PostgreSQL's random page for uncorrelated heap fetches. */
#define COST_RANDOM_FETCH 0.5
#define COST_SEQ_FETCH 0.03   /* ... and when index order follows the rows' physical order */
#define COST_LOOKUP 0.3       /* one index descent (seek) */
/* Paths of tiny or empty tables are costed as if they had this many rows (PostgreSQL
 * assumes 10 pages for a never-analyzed empty table), so an index keeps winning where it
 * will once the table fills. */
#define COST_MIN_ROWS 1000.0

double plan_table_pages(Binder *b, RTE *r, double rows)
{
    const TableStats *ts = r->stats_loaded ? r->stats : NULL;
    if (ts && ts->reltuples > 0)
        return ts->relpages * (rows / ts->reltuples) + 1;
    int w = 0;
    for (int i = 0; i < r->rel->ncols; i++) {
        const TypeInfo *ti = type_info(r->rel->cols[i].type);
        w += ti && ti->len > 0 ? ti->len : 16;
    }
    (void)b;
    return ceil(rows * (w + 24) / 8192.0) + 1;
}

double plan_cost_rows(const Plan *p)
{
    return p->rows_base > COST_MIN_ROWS ? p->rows_base : COST_MIN_ROWS;
}

double plan_seqscan_cost(Binder *b, Plan *p)
{
    double rows = plan_cost_rows(p);
    return plan_table_pages(b, p->rte, rows) + rows * (COST_TUPLE + COST_OPERATOR * p->n_qual);
}

double plan_index_correlation(Binder *b, RTE *r, int attnum)
{
    const ColStats *cs = stats_column(plan_rte_stats(b, r), attnum);
    return cs && !isnan(cs->correlation) ? cs->correlation : 0;
}

double plan_indexscan_cost(Binder *b, Plan *p, bool primary, double lookups, double rows_fetched, double corr)
{
    double base = plan_cost_rows(p);
    double c = lookups * COST_LOOKUP + rows_fetched * (COST_INDEX_TUPLE + COST_OPERATOR * p->n_qual);
    if (primary)
        c += plan_table_pages(b, p->rte, base) * (rows_fetched / base) + rows_fetched * COST_TUPLE;
    else
        c += rows_fetched * (COST_TUPLE + COST_RANDOM_FETCH * (1 - corr * corr) + COST_SEQ_FETCH * corr * corr);
    return c;
}

void plan_estimate_scan(Binder *b, BindScope *s, Plan *p)
{
    if (p->kind != PLAN_SEQSCAN || !p->rte)
        return;
    plan_base_rows(b, p);
    double base = p->rows_base > 0 ? p->rows_base : 1;
    double sel = p->n_qual ? plan_selectivity(b, s, p->qual, p->n_qual) : 1;
    double est = base * sel;
    p->est_rows = est < 1 ? 1 : est;
    p->cost = plan_seqscan_cost(b, p);
}

double plan_join_rows(Binder *b, BindScope *s, const Plan *j, double lr, double rr)
{
    double sel = 1;
    for (int i = 0; i < j->n_hash; i++)
        sel *= plan_join_eq_selectivity(b, s, j->hash_l[i], j->hash_r[i]);
    if (j->n_qual)
        sel *= plan_selectivity(b, s, j->qual, j->n_qual);
    double rows = lr * rr * sel;
    if ((j->jointype == JOIN_LEFT || j->jointype == JOIN_FULL) && rows < lr)
        rows = lr;
    if (j->jointype == JOIN_FULL && rows < rr)
        rows = rr;
    return rows < 1 ? 1 : rows;
}
