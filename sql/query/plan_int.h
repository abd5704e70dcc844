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
/* plan_vector.c: ORDER BY col <op> expr (with LIMIT) through an hnsw index: turns the lone
 * scan p into an hnsw Index Scan; true when the sort is no longer needed. */
bool plan_vector_order(Binder *b, Plan *p, int n_keys, Expr **key_exprs, const SortKey *keys);
/* Cost model (plan_cost.c): selectivities in [0, 1] of conjuncts over the RTEs of s,
 * estimated from ANALYZE statistics (PostgreSQL's defaults without them). */
struct TableStats;
const struct TableStats *plan_rte_stats(Binder *b, RTE *rte);
double plan_selectivity(Binder *b, BindScope *s, Expr *const *conj, int n);
double plan_expr_selectivity(Binder *b, BindScope *s, Expr *e);
double plan_join_eq_selectivity(Binder *b, BindScope *s, Expr *l, Expr *r);
/* Pages of rows rows of rte's table; costs of scanning p (a base-table scan). */
double plan_table_pages(Binder *b, RTE *r, double rows);
double plan_seqscan_cost(Binder *b, Plan *p);
/* Rows a scan's costs assume: rows_base, at least a nominal small table. */
double plan_cost_rows(const Plan *p);
/* corr: correlation of the index's first column with physical order (pg_stats), which
 * makes heap fetches through a secondary index cheaper (PostgreSQL's interpolation). */
double plan_indexscan_cost(Binder *b, Plan *p, bool primary, double lookups, double rows_fetched, double corr);
double plan_index_correlation(Binder *b, RTE *r, int attnum);
/* Sets p->rows_base (a base-table scan's rows before quals) once: the live-row count. */
void plan_base_rows(Binder *b, Plan *p);
/* est_rows and cost of a sequential scan from its quals. */
void plan_estimate_scan(Binder *b, BindScope *s, Plan *p);
/* Rows of a join of l and r rows under its hash keys and quals (inner-join semantics;
 * a LEFT join keeps at least the left rows). */
double plan_join_rows(Binder *b, BindScope *s, const Plan *j, double lr, double rr);
/* Join order of a FROM list of n items (item i covers RTEs [firsts[i], firsts[i+1])):
 * true with order[0..n) filled when another order than FROM's is better (plan_join.c). */
bool plan_join_order(Binder *b, BindScope *s, Plan **items, const int *firsts, int n, ConjList *cl, int *order);
/* Whether a hash join of left with the sequential scan inner_seq beats the index nested
 * loop whose inner side is inner_index (the same scan with join bounds): jc are the join
 * conjuncts; a hash join needs a hashable equality between the sides. */
bool plan_prefer_hash(Binder *b, BindScope *s, const Plan *left, const Plan *inner_index, const Plan *inner_seq,
                      ConjList *jc, uint64_t lmask, uint64_t rmask);
/* Final join estimates (and hash build sides) once every scan has its quals. */
void plan_join_finish(Binder *b, BindScope *s, Plan *p);
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
