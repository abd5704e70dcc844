/* plan_int.h -- the planner's internal interface (sql/query/plan_*.c, bind_from.c):
 * WHERE/ON conjunct lists with the RTEs they reference, index choice, join-key checks.
 * Everything allocated in the binder's arena. */
#ifndef SHALE_SQL_QUERY_PLAN_INT_H
#define SHALE_SQL_QUERY_PLAN_INT_H

#include "sql/query/query_int.h"

typedef struct Conj {
    Expr *e;
    uint64_t mask;               /* RTEs (scope indexes) read at level 0; bit 63 = 63 and up */
    bool opaque;                 /* contains a sub-query/aggregate: never pushed down */
    bool used;                   /* placed somewhere already */
} Conj;

typedef struct ConjList {
    Conj *items;
    int n, cap;
} ConjList;

typedef struct PlanRefs {
    BindScope *s;
    uint64_t mask;
    bool opaque;
} PlanRefs;

uint64_t plan_expr_rtes(BindScope *s, Expr *e, bool *opaque);
void plan_conj_add(Binder *b, BindScope *s, ConjList *cl, Expr *e, SqlError *err);
int plan_add_qual(Binder *b, Plan *p, Expr *e, SqlError *err);
/* Turns the SeqScan p into an IndexScan when its quals (plus extra conjuncts) bound a
 * prefix of an index; bound values may read RTEs in avail (outer side of a nested loop).
 * Returns true when an index was chosen. */
bool plan_choose_index(Binder *b, BindScope *s, Plan *p, ConjList *extra, uint64_t avail, SqlError *err);
/* Whether an equi-join on these types can hash (same type or integer family). */
bool plan_hashable(Oid l, Oid r);
/* ORDER BY on an index: makes p (a scan) return rows in key order when the sort keys are
 * plain columns matching an index prefix; returns true if the sort is no longer needed. */
bool plan_use_index_order(Binder *b, Plan *p, int n_keys, Expr **key_exprs, const SortKey *keys);
Plan *bind_from_where(Binder *b, BindScope *s, const AstList *from, const AstNode *where, SqlError *err);

/* Expression / partial indexes (exec_index_hooks.c): column col of idx (an expression
 * column; -1 = the partial-index predicate) bound over rte's columns in the query's wide
 * row, NULL when it does not bind; whether the conjuncts imply idx's predicate (each
 * predicate conjunct identical to a query conjunct or implied by a comparison of the
 * same expression with a constant). */
Expr *plan_index_col_expr(Binder *b, const RTE *rte, const CatRelation *rel, const CatIndex *idx, int col);
bool plan_index_pred_implied(Binder *b, const RTE *rte, const CatRelation *rel, const CatIndex *idx,
                             Expr *const *conj, int nconj);

#endif
