/* plan_join.c -- join order of a FROM list (FROM a, b, c WHERE ...): inner joins may run in
 * any order, so the planner builds a left-deep tree in the order that keeps intermediate
 * results small. Greedy: start from the smallest input, then repeatedly add the input
 * connected by a WHERE conjunct that gives the smallest estimated join (an unconnected
 * input, a cross product, only when nothing is connected). The FROM order is kept unless
 * the greedy order's summed intermediate rows are smaller.
 *
 * Only lists whose items are all base-table scans are reordered (sub-queries, functions
 * and explicit JOINs may depend on their position: LATERAL, outer joins). */
#include <string.h>

#include "sql/query/plan_int.h"

#define JOIN_ORDER_MAX 12

static uint64_t span_mask(const int *firsts, int i)
{
    uint64_t m = 0;
    for (int k = firsts[i]; k < firsts[i + 1]; k++)
        m |= k < 64 ? 1ull << k : ~0ull;
    return m;
}

/* Rows of joining the set (mask, rows) with item i under the conjuncts connecting them;
 * *connected says whether any conjunct does. */
static double join_rows(Binder *b, BindScope *s, ConjList *cl, uint64_t mask, double rows, uint64_t im, double irows,
                        bool *connected)
{
    Expr *conj[64];
    int n = 0;
    for (int k = 0; k < cl->n && n < 64; k++) {
        Conj *c = &cl->items[k];
        if (c->used || c->opaque)
            continue;
        if ((c->mask & ~(mask | im)) || !(c->mask & im) || !(c->mask & mask))
            continue;
        conj[n++] = c->e;
    }
    *connected = n > 0;
    double r = rows * irows * (n ? plan_selectivity(b, s, conj, n) : 1);
    return r < 1 ? 1 : r;
}

/* Summed intermediate rows of joining items in order ord. */
static double order_cost(Binder *b, BindScope *s, ConjList *cl, Plan **items, const int *firsts, const int *ord, int n)
{
    uint64_t mask = span_mask(firsts, ord[0]);
    double rows = items[ord[0]]->est_rows, total = 0;
    for (int k = 1; k < n; k++) {
        bool conn;
        rows = join_rows(b, s, cl, mask, rows, span_mask(firsts, ord[k]), items[ord[k]]->est_rows, &conn);
        mask |= span_mask(firsts, ord[k]);
        total += rows;
    }
    return total;
}

bool plan_join_order(Binder *b, BindScope *s, Plan **items, const int *firsts, int n, ConjList *cl, int *order)
{
    if (n < 3 || n > JOIN_ORDER_MAX || firsts[n] > 64)
        return false;
    for (int i = 0; i < n; i++) {
        Plan *p = items[i];
        if ((p->kind != PLAN_SEQSCAN && p->kind != PLAN_INDEXSCAN) || !p->rte || !p->rte->rel ||
            firsts[i + 1] != firsts[i] + 1)
            return false;
    }
    bool taken[JOIN_ORDER_MAX] = {false};
    int first = 0;
    for (int i = 1; i < n; i++)
        if (items[i]->est_rows < items[first]->est_rows)
            first = i;
    order[0] = first;
    taken[first] = true;
    uint64_t mask = span_mask(firsts, first);
    double rows = items[first]->est_rows;
    for (int k = 1; k < n; k++) {
        int best = -1;
        bool best_conn = false;
        double best_rows = 0;
        for (int i = 0; i < n; i++) {
            if (taken[i])
                continue;
            bool conn;
            double r = join_rows(b, s, cl, mask, rows, span_mask(firsts, i), items[i]->est_rows, &conn);
            if (best < 0 || (conn && !best_conn) || (conn == best_conn && r < best_rows)) {
                best = i;
                best_conn = conn;
                best_rows = r;
            }
        }
        order[k] = best;
        taken[best] = true;
        mask |= span_mask(firsts, best);
        rows = best_rows;
    }
    int ident[JOIN_ORDER_MAX];
    bool same = true;
    for (int i = 0; i < n; i++) {
        ident[i] = i;
        same = same && order[i] == i;
    }
    if (same)
        return false;
    return order_cost(b, s, cl, items, firsts, order, n) < order_cost(b, s, cl, items, firsts, ident, n) * 0.9;
}

/* Joins were built while their inputs still lacked the WHERE conjuncts pushed into scans
 * afterwards: recompute their estimates bottom-up, and build hash tables on the smaller
 * side of inner joins with the final numbers. */
void plan_join_finish(Binder *b, BindScope *s, Plan *p)
{
    if (!p || (p->kind != PLAN_NESTLOOP && p->kind != PLAN_HASHJOIN))
        return;
    plan_join_finish(b, s, p->left);
    plan_join_finish(b, s, p->right);
    p->est_rows = plan_join_rows(b, s, p, p->left->est_rows, p->right->est_rows);
    if (p->kind == PLAN_HASHJOIN && p->jointype == JOIN_INNER && p->l_n > 0 &&
        p->left->est_rows * 1.5 < p->right->est_rows) {
        Plan *t = p->left;
        p->left = p->right;
        p->right = t;
        Expr **te = p->hash_l;
        p->hash_l = p->hash_r;
        p->hash_r = te;
        int o = p->l_off, w = p->l_n;
        p->l_off = p->r_off;
        p->l_n = p->r_n;
        p->r_off = o;
        p->r_n = w;
    }
}

bool plan_prefer_hash(Binder *b, BindScope *s, const Plan *left, const Plan *inner_index, const Plan *inner_seq,
                      ConjList *jc, uint64_t lmask, uint64_t rmask)
{
    bool hashable = false;
    for (int i = 0; i < jc->n && !hashable; i++) {
        Expr *e = jc->items[i].e;
        if (e->kind != EXPR_FUNC || !e->u.func.is_op || e->nargs != 2 || strcmp(e->u.func.m->func->name, "=") != 0)
            continue;
        uint64_t m0 = plan_expr_rtes(s, e->args[0], NULL), m1 = plan_expr_rtes(s, e->args[1], NULL);
        bool split = (m0 && m1 && !(m0 & ~lmask) && !(m1 & ~rmask)) || (m0 && m1 && !(m1 & ~lmask) && !(m0 & ~rmask));
        hashable = split && plan_hashable(e->args[0]->type, e->args[1]->type);
    }
    if (!hashable || inner_seq->kind != PLAN_SEQSCAN || !inner_seq->rte)
        return false;
    double loops = left->est_rows > 1 ? left->est_rows : 1;
    double nl = loops * inner_index->cost;
    Plan seq = *inner_seq;
    plan_base_rows(b, &seq);
    double inner_rows = seq.est_rows > 1 ? seq.est_rows : 1;
    double hash = plan_seqscan_cost(b, &seq) + loops * 0.0025 + inner_rows * 0.0075;
    return hash < nl;
}
