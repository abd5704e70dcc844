/* exec_int.h -- the executor's internal interface (sql/query/exec*.c, eval.c, query.c):
 * the cursor, per-plan-node state (ExecNode), expression evaluation contexts.
 *
 * Volcano model: exec_next(node) returns 1 with node->row filled, 0 at the end, -1 on
 * error. FROM-level nodes of one query block share the block's wide row (query_int.h);
 * every other node owns its output row. A node's output values live in node->out (reset
 * before each row it produces) or borrow a child's / a RelRow's bytes: valid until the
 * next exec_next on the node. Materialising nodes copy into node->keep (node lifetime).
 * Memory owner of everything here: the cursor's exec arena, except the malloc'd arrays
 * (sort buffers, hash buckets) that exec_close frees. */
#ifndef SHALE_SQL_QUERY_EXEC_INT_H
#define SHALE_SQL_QUERY_EXEC_INT_H

#include "sql/query/query_int.h"

typedef struct ExecNode ExecNode;
typedef struct EvalCtx EvalCtx;

struct EvalCtx {
    QueryCursor *qc;
    const Value *row;            /* level-0 Vars */
    const EvalCtx *outer;        /* enclosing block (level 1, 2, ...) */
    ShaleArena *arena;           /* results */
    Value case_val;              /* CASE x WHEN ...: the operand */
};

/* Row storage with hashing (Unique, SetOp, hash join, hash agg, IN (sub-query)). */
typedef struct HEntry {
    struct HEntry *next;
    uint64_t hash;
    Value *row;
    void *payload;
    int64_t count;               /* setop counters / matched flags */
    int64_t count2;
} HEntry;

typedef struct HTable {
    HEntry **buckets;            /* malloc'd; freed by htable_free */
    size_t nbuckets, n;
    HEntry *all_head;            /* insertion order list (through payload-free `order`) */
} HTable;

/* Rows kept in order (sort buffers, materialised CTEs, window partitions). */
typedef struct RowVec {
    Value **rows;                /* malloc'd array of row pointers; rows in an arena */
    size_t n, cap;
} RowVec;

typedef struct CteState {
    bool done;
    RowVec rows;
    int ncols;
    ShaleArena arena;
    RowVec *work;                /* recursive CTE: the current working table */
} CteState;

typedef struct SubLinkState {
    ExecNode *node;              /* the sub-plan's executor tree */
    bool cached;                 /* uncorrelated: result computed once */
    Value value;
    bool has_null;               /* IN (sub-query): a NULL was seen */
    HTable set;                  /* uncorrelated IN / = ANY: the rows */
    RowVec list;                 /* other uncorrelated ANY/ALL */
    ShaleArena arena;
} SubLinkState;

typedef struct DmlState DmlState;

struct QueryCursor {
    QueryEnv *env;               /* = &env_copy: callers may pass a QueryEnv on their stack */
    QueryEnv env_copy;
    PreparedQuery *q;
    ShaleArena *arena;           /* exec arena (caller's) */
    const Value *params;
    ExecNode *top;
    ExecNode **nodes;            /* by plan id, for sub-plans and EXPLAIN ANALYZE */
    SubLinkState *sublinks;      /* [q->n_sublinks] */
    CteState *ctes;              /* [q->n_ctes] */
    FuncCallCtx fcx;             /* template for builtin calls */
    uint64_t rows;
    bool finished;
    bool analyze;                /* EXPLAIN ANALYZE: time each node */
    bool dml_ctes_done;
    DmlState *dml;
    ShaleArena tmp;              /* per-row scratch of the top level */
    char tag[64];
};

struct ExecNode {
    const Plan *plan;
    QueryCursor *qc;
    ExecNode *left, *right;
    Value *row;                  /* output row */
    Value *wide;                 /* FROM-level: the block's wide row */
    const EvalCtx *outer;        /* the enclosing block's context (correlation) */
    EvalCtx subctx;              /* sub-query scans: the context their child sees */
    ShaleArena out;              /* values of the current output row */
    ShaleArena keep;             /* materialised state */
    bool opened;
    bool done;
    /* statistics (EXPLAIN ANALYZE) */
    uint64_t n_rows, n_loops;
    double elapsed_ms;
    /* per-kind state */
    RelScan *scan;
    RelRow rr;
    int phase;
    int64_t i, n;
    int64_t limit, offset;
    RowVec vec;
    HTable ht;
    HEntry *cur;
    ExecNode **lst;              /* sub-query scans and the like */
    void *state;
    Value *vals;
    bool matched;
    bool flag;
    bool looped;                 /* counted in n_loops since the last rescan */
    uint64_t ticks;
    ShaleBuf kbuf, kbuf2;
};

/* eval.c */
int eval_expr(EvalCtx *c, const Expr *e, Value *out, SqlError *err);
/* AND of quals: *pass false when any is false or NULL. */
int eval_quals(EvalCtx *c, Expr *const *qual, int n, bool *pass, SqlError *err);
void eval_func_ctx(EvalCtx *c, FuncCallCtx *f, const SqlFuncMatch *m, int nargs);
int eval_call(EvalCtx *c, const SqlFuncMatch *m, int nargs, const Value *args, Value *out, SqlError *err);
bool eval_value_true(const Value *v);

/* exec.c */
ExecNode *exec_build(QueryCursor *qc, const Plan *p, Value *wide, const EvalCtx *outer, SqlError *err);
int exec_next(ExecNode *n, SqlError *err);
/* Forget the current iteration: the next exec_next starts over (correlated re-scan). */
void exec_rescan(ExecNode *n);
void exec_set_outer(ExecNode *n, const EvalCtx *outer);
void exec_close(ExecNode *n);
int exec_sublink(EvalCtx *c, const Expr *e, Value *out, SqlError *err);
int exec_next_agg(ExecNode *n, SqlError *err);
int exec_next_window(ExecNode *n, SqlError *err);
void exec_ctx(ExecNode *n, EvalCtx *c, const Value *row, ShaleArena *a);
/* LIMIT / OFFSET value (-1 = no limit); negative values fail with 2201W / 2201X. */
int exec_eval_limit(ExecNode *n, const Expr *e, bool is_offset, int64_t *out, SqlError *err);
int exec_next_sort(ExecNode *n, SqlError *err);
/* exec_vector.c: the hnsw index scan (plan->ib.vec_order); close frees its state. */
int exec_vector_next(ExecNode *n, SqlError *err);
void exec_vector_close(ExecNode *n);
int exec_next_unique(ExecNode *n, SqlError *err);
int exec_next_setop(ExecNode *n, SqlError *err);
int exec_next_recursive(ExecNode *n, SqlError *err);
int exec_next_project_srf(ExecNode *n, SqlError *err);
int exec_cte_materialize(QueryCursor *qc, int id, SqlError *err);
void exec_window_free(ExecNode *n);

/* row containers */
int rowvec_push(RowVec *v, Value *row, SqlError *err);
void rowvec_free(RowVec *v);
/* Copies n values into a (arena-owned array); NULL on OOM. */
Value *row_copy(ShaleArena *a, const Value *row, int n);
int htable_init(HTable *t, SqlError *err);
void htable_free(HTable *t);
/* Finds the entry whose first nkeys columns equal row's (NULLs equal); NULL if none. */
HEntry *htable_find(HTable *t, const Value *row, int nkeys, uint64_t hash);
HEntry *htable_insert(HTable *t, ShaleArena *a, Value *row, uint64_t hash, SqlError *err);

#endif
