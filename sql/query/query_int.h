/* query_int.h -- internal structures of the query engine (sql/query/): bound expressions,
 * plan nodes, the binder's scopes and the executor's per-node state.
 *
 * Row model (the invariant everything relies on):
 *  - A query block (one SELECT level) has a "wide row": the columns of every FROM item
 *    (range-table entry, RTE) side by side, RTE i at [rte->offset, rte->offset + ncols).
 *    Every FROM-level node (scans, joins) writes its RTEs' segments of that one array, so
 *    expressions at the FROM level (WHERE, join quals, pushed-down scan quals, targets)
 *    read a column as wide[offset + attno - 1] wherever they run.
 *  - Nodes above the FROM level (Project, Agg, Window, Sort, Limit, Unique, SetOp) produce
 *    their own row arrays; expressions they evaluate were rewritten to index those rows.
 *  - A Var has a level: 0 = the current row, k > 0 = the row of the k-th enclosing query
 *    block at the time the sub-query expression is evaluated (correlated sub-queries).
 *
 * Memory: bound expressions and plans live in the PreparedQuery's arena; executor state
 * (ExecNode) in the cursor's exec arena; values a node outputs live in that node's own
 * out_arena, which the node resets (qarena_reset) before producing its next row, so a row
 * stays valid until the next call on the node that made it. Nodes that keep rows (Sort,
 * Agg, hash tables, materialised CTEs) copy values into their keep_arena. */
#ifndef SHALE_SQL_QUERY_QUERY_INT_H
#define SHALE_SQL_QUERY_QUERY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "facets/relational/relational.h"
#include "sql/query.h"

/* ---- bound expressions ---------------------------------------------------------------- */

typedef enum ExprKind {
    EXPR_CONST, EXPR_PARAM, EXPR_VAR, EXPR_FUNC, EXPR_CAST,
    EXPR_AND, EXPR_OR, EXPR_NOT,
    EXPR_NULLTEST, EXPR_BOOLTEST, EXPR_DISTINCT,
    EXPR_CASE, EXPR_CASE_TEST, EXPR_COALESCE, EXPR_MINMAX, EXPR_NULLIF,
    EXPR_ANY_LIST,      /* a op ANY/ALL (e1, e2, ...): IN lists */
    EXPR_ANY_ARRAY,     /* a op ANY/ALL (array) */
    EXPR_SUBLINK,       /* sub-query (EXISTS, scalar, ARRAY, IN/ANY/ALL) */
    EXPR_ARRAY,         /* ARRAY[...] */
    EXPR_SUBSCRIPT,     /* a[i] */
    EXPR_SQLVALUE,      /* CURRENT_USER, CURRENT_DATE, ... */
    EXPR_NEXTVAL,       /* identity column: next value of a sequence */
    EXPR_AGGREF,        /* aggregate call (replaced by a Var above the Agg node) */
    EXPR_WINDOW,        /* window function call (replaced by a Var above Window) */
    EXPR_SRF,           /* set-returning function in a target list */
    EXPR_GROUPING,      /* GROUPING(a, b): args[0] = the Agg's grouping-set column */
    EXPR_PGCAT          /* catalog-aware function (sql/pgcat: format_type, pg_get_indexdef...) */
} ExprKind;

typedef struct Expr Expr;
typedef struct Plan Plan;
typedef struct AggSpec AggSpec;
typedef struct WinSpec WinSpec;

typedef enum SubLinkKind {
    SUBLINK_EXISTS, SUBLINK_EXPR, SUBLINK_ARRAY, SUBLINK_ANY, SUBLINK_ALL,
    SUBLINK_ROWCMP               /* (a, b) op (SELECT x, y): at most one row */
} SubLinkKind;

struct Expr {
    ExprKind kind;
    Oid type;
    int32_t typmod;
    int location;                /* byte offset in the query text, -1 unknown */
    int nargs;
    Expr **args;
    union {
        Value c;                 /* CONST */
        int param;               /* PARAM: 0-based */
        struct { int level; int index; Oid rel; int16_t attnum; } var;
        struct { SqlFuncMatch *m; bool is_op; } func;     /* FUNC (args) */
        struct { TypesCoercion ctx; } cast;                /* CAST (args[0]) */
        struct { bool is_not; } nulltest;
        int booltest;            /* AstBoolTestKind */
        struct { bool is_not; SqlFuncMatch *eq; } distinct;
        struct { bool has_arg; bool has_else; } kase;     /* args: [arg] (cond, result)* [else] */
        struct { bool is_greatest; } minmax;
        struct { SqlFuncMatch *eq; } nullif;
        struct { bool is_all; SqlFuncMatch **ops; } any;  /* ANY_LIST: args[0] lhs, args[1..] items, ops[i-1];
                                                             ANY_ARRAY: args[0] lhs, args[1] array, ops[0] */
        /* args[0..nargs): the left-hand row for ANY/ALL/ROWCMP; ops[i] compares column i;
         * a multi-column comparison is AND of ops (OR when the operator is <>) */
        struct { SubLinkKind kind; Plan *plan; SqlFuncMatch *op; SqlFuncMatch **ops; int id; } sub;
        struct { Oid elem; bool multi; } array;  /* multi: args are sub-arrays (ARRAY[[1,2],[3,4]]) */
        struct { int n_index; } subscript;        /* SUBSCRIPT a[i][j]..: n_index (nargs 1 + n);
                                                   * 0 = a slice a[lo:hi] (nargs 4) */
        int sqlvalue;            /* AstSqlValueKind */
        struct { Oid seq; } nextval;
        struct { AggSpec *agg; } aggref;
        struct { WinSpec *win; } window;
        /* field: 0 = the function's value (a record of all its columns for a catalog SRF
         * returning record: sql/pgcat), k > 0 = its k-th output column ((f()).name) */
        struct { SqlFuncMatch *m; int id; int field; } srf;
        struct { int n; int *gidx; const uint64_t *sets; int n_sets; } grouping;
        struct { const struct PgCatFunc *fn; } pgcat;
    } u;
};

/* ---- aggregates and window functions ---------------------------------------------------- */

typedef struct SortKey {
    int col;                     /* column of the row being sorted */
    bool desc;
    bool nulls_first;
} SortKey;

struct AggSpec {
    SqlFuncMatch match;
    int nargs;
    Expr **args;                 /* evaluated on the Agg node's input row */
    Expr *filter;                /* FILTER (WHERE): NULL when absent */
    bool distinct;
    bool star;                   /* count(*) */
    int n_order;
    Expr **order_exprs;          /* ORDER BY inside the call */
    SortKey *order;              /* col = index into args ++ order_exprs */
    int index;                   /* position among the Agg node's aggregates */
};

typedef enum WinFnKind {
    WIN_AGG, WIN_ROW_NUMBER, WIN_RANK, WIN_DENSE_RANK, WIN_PERCENT_RANK, WIN_CUME_DIST,
    WIN_NTILE, WIN_LAG, WIN_LEAD, WIN_FIRST_VALUE, WIN_LAST_VALUE, WIN_NTH_VALUE
} WinFnKind;

struct WinSpec {
    WinFnKind fn;
    AggSpec agg;                 /* WIN_AGG: the aggregate; else args in agg.args */
    int n_part;
    Expr **part;
    int n_order;
    Expr **order_exprs;
    SortKey *order;              /* col = n_part + i within the key row */
    int frame_mode;              /* AstFrameMode (DEFAULT = RANGE UNBOUNDED PRECEDING..CURRENT ROW) */
    int start_bound, end_bound;  /* AstFrameBound */
    Expr *start_offset, *end_offset;
    SqlFuncMatch *range_add, *range_sub; /* RANGE offsets: key + / - offset */
    int exclude;                 /* AstFrameExclude */
    int index;
};

/* ---- plans -------------------------------------------------------------------------------- */

typedef enum PlanKind {
    PLAN_RESULT,        /* one row of nothing (SELECT without FROM); qual optional */
    PLAN_VALUES,        /* VALUES rows (own output row) */
    PLAN_SEQSCAN,       /* FROM-level: table scan into its wide segment */
    PLAN_INDEXSCAN,
    PLAN_FUNCSCAN,      /* FROM-level: set-returning function */
    PLAN_SUBQUERYSCAN,  /* FROM-level: a sub-plan's rows copied into the segment */
    PLAN_CTESCAN,       /* FROM-level: rows of a materialised CTE */
    PLAN_NESTLOOP,
    PLAN_HASHJOIN,
    PLAN_PROJECT,       /* targets evaluated on the input row */
    PLAN_FILTER,        /* qual on the input row (passes it through) */
    PLAN_AGG,           /* output: group keys ++ aggregate results */
    PLAN_WINDOW,        /* output: input ++ window results */
    PLAN_SORT,
    PLAN_LIMIT,
    PLAN_UNIQUE,        /* DISTINCT (hash) / DISTINCT ON (sorted input) */
    PLAN_SETOP,         /* UNION / INTERSECT / EXCEPT [ALL] */
    PLAN_PROJECT_SRF,   /* target list with set-returning functions */
    PLAN_LOCKROWS,      /* FOR UPDATE / SHARE */
    PLAN_RECURSIVE,     /* WITH RECURSIVE union */
    PLAN_WORKTABLE,     /* the recursive CTE's working table */
    PLAN_VIRTUALSCAN,   /* FROM-level: a system catalog table of sql/pgcat */
    PLAN_SEQUENCESCAN   /* FROM-level: SELECT ... FROM a sequence (last_value, log_cnt, is_called) */
} PlanKind;

typedef enum JoinType { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_SEMI, JOIN_ANTI } JoinType;

/* Index bounds of a scan: eq[0..n_eq) equal the first index columns; lo/hi bound the next. */
typedef struct IndexBounds {
    const CatIndex *index;       /* NULL = primary key */
    int n_eq;
    Expr **eq;                   /* values (already of the column types) */
    Expr *lo, *hi;               /* on column n_eq; NULL = unbounded */
    bool lo_incl, hi_incl;
    int n_in;                    /* IN list on column n_eq: several point lookups */
    Expr **in;
    bool backward;
    bool unique_point;           /* eq (+ one IN value) covers the whole primary key: point reads */
    Expr *vec_order;             /* hnsw index scan (plan_vector.c): the ORDER BY distance
                                    expression `col <op> query`; rows come nearest first */
} IndexBounds;

typedef struct RTE RTE;
typedef struct BindScope BindScope;

struct Plan {
    PlanKind kind;
    int id;                      /* index into the cursor's ExecNode array */
    Plan *left, *right;          /* children (left = outer / input) */
    int ncols;                   /* output row width (FROM-level: wide width) */
    double est_rows;
    double cost;                 /* total cost in PostgreSQL's units (plan_cost.c; 0 = not costed) */
    double rows_base;            /* base-table scans: rows of the table before quals */
    int n_qual;
    Expr **qual;                 /* ANDed quals evaluated on the output row */
    /* scans */
    const CatRelation *rel;
    const struct PgCatTable *vtab; /* PLAN_VIRTUALSCAN */
    RTE *rte;                    /* FROM-level leaf: its RTE (segment) */
    IndexBounds ib;
    int lock_mode;               /* RelLockMode for FOR UPDATE/SHARE on scans */
    /* join */
    JoinType jointype;
    int n_hash;                  /* hash join: left keys / right keys */
    Expr **hash_l, **hash_r;
    int l_off, l_n, r_off, r_n;  /* join: wide segments of each side (contiguous spans) */
    /* project / values / funcscan */
    int n_exprs;
    Expr **exprs;
    int n_rows;                  /* VALUES */
    Expr ***rows;
    /* agg */
    int n_group;
    Expr **group;
    int n_aggs;
    AggSpec **aggs;
    bool hashed;
    int n_sets;                  /* GROUPING SETS / ROLLUP / CUBE: 0 = plain GROUP BY */
    uint64_t *sets;              /* per set: bit i = group[i] is grouped (else NULL) */
    /* window */
    int n_wins;
    WinSpec **wins;
    /* sort / unique */
    int n_keys;
    SortKey *keys;
    int64_t topn;                /* > 0: only the first topn rows are needed */
    bool distinct_on;            /* unique: DISTINCT ON the first n_keys key columns */
    /* limit */
    Expr *limit, *offset;
    bool with_ties;              /* FETCH ... WITH TIES: keys = the ORDER BY */
    /* setop */
    int setop;                   /* AstSetOp */
    bool all;
    /* cte */
    int cte_id;                  /* CTESCAN / WORKTABLE: which CTE */
    int visible;                 /* top plan: visible output columns (rest are resjunk) */
    BindScope *scope;            /* the block's scope (EXPLAIN names columns with it) */
};

/* ---- binder ---------------------------------------------------------------------------- */

struct RTE {
    const char *alias;           /* name visible in the query (alias or relation name) */
    const char *schema;          /* for schema-qualified references; NULL when not a table */
    const CatRelation *rel;      /* NULL unless a table */
    int ncols;
    const char **colnames;       /* NULL entries = dropped (never match) */
    Oid *coltypes;
    int32_t *coltypmods;
    bool *hidden;                /* NULL, or per column: excluded from * (JOIN USING merge) */
    int offset;                  /* first column in the block's wide row */
    int index;                   /* position in the block's RTE list */
    bool in_join_scope;          /* visible by name (false for the inner RTEs of an aliased join) */
    bool nullable;               /* right side of a LEFT JOIN etc. */
    Plan *plan;                  /* the FROM-level leaf that fills its segment */
    const struct TableStats *stats; /* ANALYZE statistics (plan_cost.c, lazily; binder arena) */
    bool stats_loaded;
};

typedef struct PreparedQuery PreparedQuery;
typedef struct CteDef {
    const char *name;
    int ncols;
    const char **colnames;
    Oid *coltypes;
    int32_t *coltypmods;
    Plan *plan;
    int id;
    bool recursive;
    bool bound;                  /* plan built */
    const AstCte *ast;
    PreparedQuery *dml_q;        /* data-modifying WITH query (run once, before the main query) */
    int n_worktable_refs;        /* recursive references bound so far */
} CteDef;

/* A merged JOIN ... USING / NATURAL column: unqualified references and * see one column
 * (the left one; the right one for RIGHT JOIN; COALESCE of both for FULL JOIN). */
typedef struct JoinCol {
    const char *name;
    Expr *left, *right;          /* level-0 expressions of each side */
    int jointype;                /* JoinType */
    int first, last;             /* RTE range [first, last) of the join */
    bool dead;                   /* merged again by an enclosing USING join */
} JoinCol;

struct BindScope {
    BindScope *parent;
    int n_rte, cap_rte;
    RTE **rtes;
    int width;                   /* wide row width so far */
    int n_ctes;
    CteDef **ctes;
    /* aggregation context while binding targets/having */
    bool allow_aggs;
    bool allow_windows;
    int n_aggs;
    AggSpec **aggs;
    int n_wins;
    WinSpec **wins;
    int n_srfs;
    bool has_outer_refs;         /* a Var with level > 0 was bound inside this scope */
    const char *expr_kind;       /* "WHERE", "JOIN/ON", ... for error messages */
    const AstList *windows;      /* the block's WINDOW clause */
    int n_jcols, cap_jcols;
    JoinCol *jcols;
};

typedef struct Binder {
    QueryEnv *env;
    ShaleArena *arena;           /* the PreparedQuery's arena */
    const char *text;            /* the query text (positions) */
    size_t text_len;
    int n_params, cap_params;
    Oid *param_types;
    int n_plans;                 /* Plan ids handed out */
    int n_sublinks;
    int n_ctes;
    int n_srfs;
    const char *search_path[8];
    int n_search_path;
    bool touched_tables;
    bool volatile_seen;
    bool has_sublinks;
    bool keep_unknown;           /* the next plain block keeps unknown-typed outputs (set-op arms) */
    bool block_outer;            /* the block bound last reads enclosing blocks' columns */
    int n_cte_stack, cap_cte_stack;
    CteDef **cte_stack;          /* visible WITH entries, innermost last */
    CteDef **all_ctes;           /* by id */
    int cap_all_ctes;
    /* query_relation_deps: relations named directly by the statement (not those read
     * through the views it expands); deps NULL = not recording */
    int view_depth;
    /* privilege checks (sql/acl.h): the DML target needs acl_target_privs, not SELECT */
    const AstRangeVar *acl_target;
    uint32_t acl_target_privs;
    Oid *deps;
    int n_deps, cap_deps;
} Binder;

/* ---- the prepared query ------------------------------------------------------------------ */

typedef struct DmlPlan DmlPlan;

struct PreparedQuery {
    QueryKind kind;
    ShaleArena *arena;
    Plan *plan;                  /* SELECT: the tree; DML: the source rows */
    int n_cols;
    SqlColumnDesc *cols;
    int n_params;
    Oid *param_types;
    int n_plans;
    int n_sublinks;
    int n_ctes;
    int n_srfs;
    CteDef **ctes;               /* [n_ctes] by id */
    bool trivial;
    bool has_dml_ctes;           /* some CTE is an INSERT/UPDATE/DELETE */
    DmlPlan *dml;
};

/* ---- helpers shared by the files of sql/query ------------------------------------------- */

/* Allocation in a; NULL on OOM (the caller raises 53200). */
void *q_alloc(ShaleArena *a, size_t n);
char *q_strdup(ShaleArena *a, const char *s);
int q_oom(SqlError *err);
/* Copies v's payload into a (so it outlives the producer's buffers). */
int q_value_copy(ShaleArena *a, const Value *in, Value *out, SqlError *err);
/* Resets an output arena when it grew past its budget (keeps small arenas warm). */
void qarena_reset(ShaleArena *a);
/* PostgreSQL's 1-based position for a byte offset of the binder's text (0 = unknown). */
int q_position(const Binder *b, int location);
/* Sorts n row pointers by keys (stable merge sort). scratch holds n pointers. */
void q_sort_rows(Value **rows, size_t n, const SortKey *keys, int n_keys, Value **scratch);
int q_compare_keys(const Value *a, const Value *b, const SortKey *keys, int n_keys);
/* NULL-aware equality of two rows on n columns (NULLs equal: grouping semantics). */
bool q_rows_equal(const Value *a, const Value *b, int n);
uint64_t q_hash_row(const Value *r, int n);

#endif

/* ---- binder entry points (bind_*.c) ------------------------------------------------------ */
#ifndef SHALE_SQL_QUERY_BINDER_DECLS
#define SHALE_SQL_QUERY_BINDER_DECLS

/* Expressions (bind_expr.c). Results live in b->arena; NULL with err set on failure. */
Expr *bind_expr(Binder *b, BindScope *s, const AstNode *n, SqlError *err);
Expr *bind_coerce(Binder *b, Expr *e, Oid type, int32_t typmod, TypesCoercion ctx, SqlError *err);
Expr *bind_coerce_bool(Binder *b, Expr *e, const char *clause, SqlError *err);
Expr *bind_make_const(Binder *b, Value v, int location);
Expr *bind_make_var(Binder *b, int level, int index, Oid type, int32_t typmod);
Expr *bind_new_expr(Binder *b, ExprKind kind, Oid type, int location, int nargs);
int bind_resolve_type(Binder *b, const AstTypeName *t, Oid *type, int32_t *typmod, SqlError *err);
/* The column name PostgreSQL gives an output expression ("?column?" when nothing fits). */
const char *bind_colname(const AstNode *n);
/* Unknown-typed expressions in an output list become text (as PostgreSQL 10+). */
Expr *bind_resolve_unknown(Binder *b, Expr *e, SqlError *err);
bool bind_expr_is_const(const Expr *e);
/* Calls a resolved operator by name on two bound expressions (coercing arguments). */
Expr *bind_make_op(Binder *b, const char *op, Expr *l, Expr *r, int location, SqlError *err);
/* Walks e (not into sub-plans) calling fn on every node; fn returns false to stop. */
bool bind_walk(Expr *e, bool (*fn)(Expr *e, void *arg), void *arg);
/* True when e has a level-0 Var (reads the current row). */
bool bind_expr_has_vars(const Expr *e);
bool bind_expr_volatile(const Expr *e);
/* Deep copy of e with every Var's level raised by level_add. */
Expr *bind_expr_copy(Binder *b, const Expr *e, int level_add);
/* The expression of a merged USING column seen from level_add blocks below. */
Expr *bind_jcol_expr(Binder *b, const JoinCol *j, int level_add, SqlError *err);

/* Calls and compound expressions (bind_func.c), used by bind_expr. */
int bind_coerce_args(Binder *b, const SqlFuncMatch *m, int nargs, Expr **args, SqlError *err);
Expr *bind_func_call(Binder *b, BindScope *s, const AstFuncCall *fc, SqlError *err);
Expr *bind_list_common(Binder *b, BindScope *s, const AstList *l, Expr **out, const char *ctx, Oid *common,
                       int location, SqlError *err);
Expr *bind_case(Binder *b, BindScope *s, const AstCaseExpr *c, SqlError *err);
Expr *bind_in(Binder *b, BindScope *s, const AstInExpr *in, SqlError *err);
Expr *bind_like(Binder *b, BindScope *s, const AstLikeExpr *lk, SqlError *err);
Expr *bind_subscript(Binder *b, BindScope *s, const AstIndirection *ind, SqlError *err);
Expr *bind_array(Binder *b, BindScope *s, const AstArrayExpr *a, SqlError *err);
Expr *bind_row_compare(Binder *b, BindScope *s, const char *op, const AstRowExpr *l, const AstRowExpr *r,
                       int location, SqlError *err);

bool bind_expr_equal(const Expr *a, const Expr *b);
/* GROUP BY (bind_group.c): the distinct grouping expressions and, with ROLLUP / CUBE /
 * GROUPING SETS, the sets (bit masks over them; *n_sets 0 otherwise). */
int bind_group_by(Binder *b, BindScope *s, const AstList *group_by, Expr **tl_e, const char **tl_names,
                  int n_visible, Expr ***group, int *n_group, uint64_t **sets, int *n_sets, SqlError *err);

/* Rewrites exprs[0..n) (in place) for evaluation on the Agg's output row: grouping
 * expressions -> group columns, aggregates -> their columns, GROUPING() -> the set column
 * (set_col); correlated sub-queries are remapped too. 42803 for ungrouped columns. */
int bind_group_rewrite(Binder *b, BindScope *s, Expr **group, int n_group, int set_col, const uint64_t *sets,
                       int n_sets, Expr **exprs, int n_exprs, SqlError *err);

/* Queries (bind_select.c). */
/* Binds and plans a SELECT (or VALUES / set operation) as a query block nested in parent
 * (NULL for the top level). Output columns in names, types, typmods (arena). */
Plan *bind_select(Binder *b, BindScope *parent, const AstSelectStmt *sel, int *ncols,
                  const char ***names, Oid **types, int32_t **typmods, Expr ***tlist_out,
                  SqlError *err);
const CatRelation *bind_lookup_relation(Binder *b, const AstRangeVar *rv, SqlError *err);
int bind_with(Binder *b, const AstWithClause *with, SqlError *err);
int bind_window_def(Binder *b, BindScope *s, const AstWindowDef *w, WinSpec *ws, SqlError *err);
Expr *bind_sublink(Binder *b, BindScope *s, SubLinkKind kind, const AstNode *sub, Expr *lhs,
                   const char *op, int location, SqlError *err);
/* Row forms: (a, b) IN / op ANY|ALL (SELECT x, y), (a, b) op (SELECT x, y). */
Expr *bind_row_sublink(Binder *b, BindScope *s, SubLinkKind kind, const AstNode *sub, const AstRowExpr *lhs,
                       const char *op, int location, SqlError *err);
/* The plan of a sub-query bound in scope s (for SET (a, b) = (SELECT ...)); *correlated
 * says whether it reads s or enclosing blocks. */
Plan *bind_subquery_plan(Binder *b, BindScope *s, const AstNode *sub, int *ncols, Oid **types, int32_t **typmods,
                         bool *correlated, SqlError *err);
Expr *bind_sublink_column(Binder *b, Plan *p, int col, Oid type, int32_t typmod, bool correlated, int location);
Plan *bind_new_plan(Binder *b, PlanKind kind, Plan *left, Plan *right);
RTE *bind_add_rte(Binder *b, BindScope *s, const char *alias, int ncols, SqlError *err);

#endif
