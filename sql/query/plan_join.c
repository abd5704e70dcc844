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
