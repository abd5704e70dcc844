/* plan_scan.c -- access-path choice for table scans: primary-key / secondary-index point and
 * range lookups from WHERE conjuncts on an index prefix (=, <, <=, >, >=, BETWEEN, IN
 * lists as several point lookups), index order for ORDER BY, and hashability of join keys.
 *
 * Index bounds only narrow the scan: every conjunct stays a qual of the scan and is
 * re-checked on each row, so a bound is only ever required to be a superset. Bounds are
 * used only when the comparison operator works on the column's own type (or an integer
 * value against an int8 column), so converting the bound value to the column type cannot
 * change which rows qualify. */
#include <string.h>

#include "catalog/keycodec.h"
#include "sql/query/plan_int.h"

bool plan_hashable(Oid l, Oid r)
{
    if (l == r)
        return true;
    bool li = l == INT2OID || l == INT4OID || l == INT8OID;
    bool ri = r == INT2OID || r == INT4OID || r == INT8OID;
    if (li && ri)
        return true;
    bool lt = l == TEXTOID || l == VARCHAROID || l == NAMEOID;
    bool rt = r == TEXTOID || r == VARCHAROID || r == NAMEOID;
    return lt && rt;
}

/* A primary-key / unique point read: one descent and one row. */
#define COST_UNIQUE_POINT 0.31

static bool int_family(Oid t)
{
    return t == INT2OID || t == INT4OID || t == INT8OID;
}

/* Is e a Var of column `col` (0-based) of rte? */
static bool is_col(const Expr *e, const RTE *rte, int col)
{
    return e->kind == EXPR_VAR && e->u.var.level == 0 && e->u.var.index == rte->offset + col;
}

typedef enum { OPK_NONE, OPK_EQ, OPK_LT, OPK_LE, OPK_GT, OPK_GE } OpKind;

static OpKind op_kind(const Expr *e)
{
    if (e->kind != EXPR_FUNC || !e->u.func.is_op || e->nargs != 2)
        return OPK_NONE;
    const char *n = e->u.func.m->func->name;
    if (strcmp(n, "=") == 0) return OPK_EQ;
    if (strcmp(n, "<") == 0) return OPK_LT;
    if (strcmp(n, "<=") == 0) return OPK_LE;
    if (strcmp(n, ">") == 0) return OPK_GT;
    if (strcmp(n, ">=") == 0) return OPK_GE;
    return OPK_NONE;
}

static OpKind flip(OpKind k)
{
    switch (k) {
    case OPK_LT: return OPK_GT;
    case OPK_LE: return OPK_GE;
    case OPK_GT: return OPK_LT;
    case OPK_GE: return OPK_LE;
    default: return k;
    }
}

/* A usable bound value: reads no column of this RTE, only RTEs in avail; not volatile. */
static bool usable_value(BindScope *s, const RTE *rte, Expr *v, uint64_t avail)
{
    bool opaque = false;
    uint64_t m = plan_expr_rtes(s, v, &opaque);
    if (opaque || bind_expr_volatile(v))
        return false;
    if (rte->index < 64 && (m & (1ull << rte->index)))
        return false;
    return (m & ~avail) == 0;
}

/* The value side of conjunct e when it compares column col of rte with a usable value;
 * *k receives the comparison seen as "col k value". */
static Expr *match_conj(BindScope *s, const RTE *rte, int col, Oid coltype, Expr *e, uint64_t avail, OpKind *k)
{
    OpKind ok = op_kind(e);
    if (ok == OPK_NONE)
        return NULL;
    Expr *v = NULL;
    if (is_col(e->args[0], rte, col)) {
        v = e->args[1];
        *k = ok;
    } else if (is_col(e->args[1], rte, col)) {
        v = e->args[0];
        *k = flip(ok);
    } else {
        return NULL;
    }
    const SqlFuncMatch *m = e->u.func.m;
    if (!(m->arg_types[0] == coltype && m->arg_types[1] == coltype) &&
        !(coltype == INT8OID && int_family(v->type) && int_family(m->arg_types[0]) && int_family(m->arg_types[1])))
        return NULL;
    if (!usable_value(s, rte, v, avail))
        return NULL;
    return v;
}

typedef struct Cand {
    const CatIndex *idx;
    int n_eq;
    Expr *eq[32];
    Expr *lo, *hi;
    bool lo_incl, hi_incl;
    int n_in;
    Expr **in;
    double score;
    bool unique_hit;
    int n_used;
    Expr *used[36];              /* the conjuncts the bounds come from (selectivity) */
} Cand;

static Expr *as_coltype(Binder *b, Expr *v, Oid t, int32_t tm, SqlError *err)
{
    if (v->type == t)
        return v;
    return bind_coerce(b, v, t, tm, TYPES_COERCE_IMPLICIT, err);
}

bool plan_choose_index(Binder *b, BindScope *s, Plan *p, ConjList *extra, uint64_t avail, SqlError *err)
{
    const CatRelation *rel = p->rel;
    RTE *rte = p->rte;
    if (!rel || !rte || p->kind != PLAN_SEQSCAN)
        return false;
    int nconj = p->n_qual + (extra ? extra->n : 0);
    if (nconj == 0)
        return false;
    Expr **conj = q_alloc(b->arena, sizeof(Expr *) * (size_t)nconj);
    if (!conj)
        return false;
    int k = 0;
    for (int i = 0; i < p->n_qual; i++)
        conj[k++] = p->qual[i];
    for (int i = 0; extra && i < extra->n; i++) {
        bool dup = false;    /* base scans pass their own quals again as extra */
        for (int q = 0; q < p->n_qual && !dup; q++)
            dup = p->qual[q] == extra->items[i].e;
        if (!dup)
            conj[k++] = extra->items[i].e;
    }
    nconj = k;
    Cand best;
    memset(&best, 0, sizeof(best));
    bool have_best = false;
    plan_base_rows(b, p);
    double base = p->rows_base;
    for (int ix = 0; ix < rel->nindexes; ix++) {
        const CatIndex *idx = &rel->indexes[ix];
        if (!idx->valid && !idx->primary)
            continue;
        if (idx->am && strcmp(idx->am, "btree") != 0)
            continue;
        if (idx->predicate && !plan_index_pred_implied(b, rte, rel, idx, conj, nconj))
            continue;
        Cand c;
        memset(&c, 0, sizeof(c));
        c.idx = idx;
        for (int col = 0; col < idx->ncols && col < 32; col++) {
            int att = idx->attnums[col];
            if (att == 0) {  /* expression column: only "expr = value" (exec_index_hooks.c) */
                Expr *xe = plan_index_col_expr(b, rte, rel, idx, col);
                Expr *eqv = NULL;
                for (int i = 0; xe && i < nconj && !eqv; i++) {
                    Expr *e = conj[i];
                    if (op_kind(e) != OPK_EQ || e->args[0]->type != e->args[1]->type)
                        continue;
                    if (bind_expr_equal(e->args[0], xe) && usable_value(s, rte, e->args[1], avail))
                        eqv = e->args[1];
                    else if (bind_expr_equal(e->args[1], xe) && usable_value(s, rte, e->args[0], avail))
                        eqv = e->args[0];
                    if (eqv)   /* its selectivity prices the index below */
                        c.used[c.n_used++] = e;
                }
                if (!eqv)
                    break;
                c.eq[c.n_eq++] = eqv;
                continue;
            }
            if (att <= 0 || att > rel->ncols)
                break;
            Oid ct = rel->cols[att - 1].type;
            int32_t ctm = rel->cols[att - 1].typmod;
            bool desc = idx->col_flags && (idx->col_flags[col] & KEY_DESC);
            Expr *eqv = NULL;
            for (int i = 0; i < nconj && !eqv; i++) {
                OpKind kk;
                Expr *v = match_conj(s, rte, att - 1, ct, conj[i], avail, &kk);
                if (v && kk == OPK_EQ) {
                    eqv = v;
                    c.used[c.n_used++] = conj[i];
                }
            }
            if (eqv) {
                c.eq[c.n_eq++] = as_coltype(b, eqv, ct, ctm, err);
                if (!c.eq[c.n_eq - 1])
                    return false;
                continue;
            }
            /* IN list on this column */
            for (int i = 0; i < nconj && !c.n_in; i++) {
                Expr *e = conj[i];
                if (e->kind != EXPR_ANY_LIST || e->u.any.is_all || !is_col(e->args[0], rte, att - 1))
                    continue;
                bool ok = e->nargs - 1 <= 64;
                for (int j = 1; j < e->nargs && ok; j++) {
                    const SqlFuncMatch *m = e->u.any.ops[j - 1];
                    if (strcmp(m->func->name, "=") != 0 || m->arg_types[0] != ct || m->arg_types[1] != ct ||
                        !usable_value(s, rte, e->args[j], avail))
                        ok = false;
                }
                if (ok) {
                    c.n_in = e->nargs - 1;
                    c.in = e->args + 1;
                    c.used[c.n_used++] = e;
                }
            }
            if (c.n_in)
                break;
            /* range on this column */
            if (desc)
                break;
            for (int i = 0; i < nconj; i++) {
                OpKind kk;
                Expr *v = match_conj(s, rte, att - 1, ct, conj[i], avail, &kk);
                if (!v)
                    continue;
                v = as_coltype(b, v, ct, ctm, err);
                if (!v)
                    return false;
                if ((kk == OPK_GT || kk == OPK_GE) && !c.lo) {
                    c.lo = v;
                    c.lo_incl = kk == OPK_GE;
                    c.used[c.n_used++] = conj[i];
                } else if ((kk == OPK_LT || kk == OPK_LE) && !c.hi) {
                    c.hi = v;
                    c.hi_incl = kk == OPK_LE;
                    c.used[c.n_used++] = conj[i];
                }
            }
            break;
        }
        c.score = c.n_eq * 10 + (c.n_in ? 8 : 0) + (c.lo ? 3 : 0) + (c.hi ? 3 : 0);
        if (c.n_eq == idx->ncols && (idx->unique || idx->primary)) {
            c.unique_hit = true;
            c.score += 1000;
        }
        if (idx->primary)
            c.score += 0.5;
        if (c.score < 1)
            continue;
        if (c.unique_hit) {
            if (c.score > best.score)
                best = c;
            continue;
        }
        if (best.unique_hit)
            continue;
        /* by cost: rows the bounds select (estimated) fetched through this index */
        double lookups = c.n_in ? c.n_in : 1;
        double fetched = plan_cost_rows(p) * plan_selectivity(b, s, c.used, c.n_used);
        if (fetched < 1)
            fetched = 1;
        double corr = idx->primary || idx->ncols < 1 ? 0 : plan_index_correlation(b, rte, idx->attnums[0]);
        c.score = -plan_indexscan_cost(b, p, idx->primary, avail ? 1 : lookups, fetched, corr);
        if (!have_best || c.score > best.score) {
            best = c;
            have_best = true;
        }
    }
    if (!best.unique_hit) {
        if (!have_best)
            return false;
        /* a sequential scan wins over a non-selective index (not for a per-outer-row scan:
         * bind_from.c weighs index nested loops itself) */
        if (!avail && -best.score >= plan_seqscan_cost(b, p))
            return false;
    }
    p->kind = PLAN_INDEXSCAN;
    IndexBounds *ib = &p->ib;
    memset(ib, 0, sizeof(*ib));
    ib->index = best.idx->primary ? NULL : best.idx;
    ib->n_eq = best.n_eq;
    ib->eq = q_alloc(b->arena, sizeof(Expr *) * (size_t)(best.n_eq + 1));
    if (!ib->eq)
        return false;
    memcpy(ib->eq, best.eq, sizeof(Expr *) * (size_t)best.n_eq);
    ib->lo = best.lo;
    ib->hi = best.hi;
    ib->lo_incl = best.lo_incl;
    ib->hi_incl = best.hi_incl;
    ib->n_in = best.n_in;
    ib->in = best.in;
    /* the whole primary key by equality (or an IN list on its last column): point reads */
    ib->unique_point = best.idx->primary && !best.lo && !best.hi &&
                       best.n_eq + (best.n_in ? 1 : 0) == best.idx->ncols && best.n_eq <= 32;
    if (best.unique_hit) {
        p->est_rows = 1;
        p->cost = COST_UNIQUE_POINT;
        if (nconj > best.n_used) {
            /* other conjuncts filter the one row (statistics only read in this case) */
            Expr **rest = q_alloc(b->arena, sizeof(Expr *) * (size_t)nconj);
            int nr = 0;
            for (int i = 0; rest && i < nconj; i++) {
                bool used = false;
                for (int u = 0; u < best.n_used && !used; u++)
                    used = best.used[u] == conj[i];
                if (!used)
                    rest[nr++] = conj[i];
            }
            if (nr) {
                /* per outer row of a nested loop a fraction is meaningful; a base scan shows 1 */
                double sel = plan_selectivity(b, s, rest, nr);
                p->est_rows = avail ? (sel > 0.001 ? sel : 0.001) : 1;
            }
        }
    } else {
        double est = base * plan_selectivity(b, s, conj, nconj);
        p->est_rows = est < 1 ? 1 : est;
        p->cost = -best.score;
    }
    return true;
}

bool plan_use_index_order(Binder *b, Plan *p, int n_keys, Expr **key_exprs, const SortKey *keys)
{
    (void)b;
    if (!p->rel || !p->rte || (p->kind != PLAN_SEQSCAN && p->kind != PLAN_INDEXSCAN) || n_keys == 0)
        return false;
    if (p->kind == PLAN_INDEXSCAN && p->ib.n_in > 0)
        return false;
    bool desc = keys[0].desc;
    for (int i = 0; i < n_keys; i++)
        if (keys[i].desc != desc || keys[i].nulls_first != desc)
            return false;
    const CatRelation *rel = p->rel;
    for (int ix = 0; ix < rel->nindexes; ix++) {
        const CatIndex *idx = &rel->indexes[ix];
        if (idx->am && strcmp(idx->am, "btree") != 0)
            continue;
        if (idx->predicate || (!idx->valid && !idx->primary))
            continue;
        const CatIndex *want = idx->primary ? NULL : idx;
        int skip = 0;
        if (p->kind == PLAN_INDEXSCAN) {
            if (p->ib.index != want)
                continue;
            skip = p->ib.n_eq; /* equal-prefix columns are constant: ORDER BY continues after them */
        }
        bool ok = true;
        int k = 0;
        for (int col = 0; col < idx->ncols && k < n_keys; col++) {
            int att = idx->attnums[col];
            if (att <= 0) {
                ok = false;
                break;
            }
            if (idx->col_flags && (idx->col_flags[col] & (KEY_DESC | KEY_NULLS_FIRST))) {
                ok = false;
                break;
            }
            if (is_col(key_exprs[k], p->rte, att - 1)) {
                k++;
                continue;
            }
            if (col < skip)
                continue;
            ok = false;
            break;
        }
        if (!ok || k < n_keys)
            continue;
        if (p->kind == PLAN_SEQSCAN) {
            p->kind = PLAN_INDEXSCAN;
            memset(&p->ib, 0, sizeof(p->ib));
            p->ib.index = want;
        }
        p->ib.backward = desc;
        return true;
    }
    return false;
}
