/* ast.h -- the abstract syntax tree the PostgreSQL-dialect parser produces.
 *
 * Shape: every node starts with an AstNode header { tag, location }; a consumer switches on
 * `tag` and casts to the per-node struct named next to the tag below. `location` is the
 * 0-based byte offset into the whole query text of the token that starts the node (or of the
 * operator, for operator nodes), -1 when unknown; report it to clients as a 1-based
 * character position with sql_parser_position().
 *
 * Lists are (items, n) pairs: AstList for nodes, AstNameList for plain names. An empty list
 * has n == 0 (items may be NULL). Optional children are NULL when absent.
 *
 * Names: unquoted identifiers are folded to lower case, quoted ones are kept as written
 * (with "" undone); strings are NUL-terminated (constants also carry their byte length,
 * since E'\0'-free strings may still contain any other byte).
 *
 * Memory: every node, list array and string lives in the ShaleArena passed to the parser
 * (owned by the caller, one per statement batch); nothing is freed one by one, and the tree
 * must not outlive that arena. The tree is read-only after parsing except that a binder may
 * annotate it if it owns the arena. */
#ifndef SHALE_SQL_PARSER_AST_H
#define SHALE_SQL_PARSER_AST_H

#include <stdbool.h>
#include <stdint.h>

typedef enum AstTag {
    AST_INVALID = 0,
    /* --- expressions ------------------------------------------------------------ */
    AST_CONST,          /* AstConst */
    AST_PARAM,          /* AstParam: $n */
    AST_COLUMN_REF,     /* AstColumnRef: a, t.a, s.t.a, *, t.* */
    AST_OP,             /* AstOpExpr: a + b, -a, a <-> b (prefix when lexpr == NULL) */
    AST_BOOL,           /* AstBoolExpr: AND / OR / NOT */
    AST_NULL_TEST,      /* AstNullTest: IS [NOT] NULL, ISNULL, NOTNULL */
    AST_BOOL_TEST,      /* AstBoolTest: IS [NOT] TRUE/FALSE/UNKNOWN */
    AST_DISTINCT,       /* AstDistinctExpr: IS [NOT] DISTINCT FROM */
    AST_BETWEEN,        /* AstBetween */
    AST_IN,             /* AstInExpr: IN (list) / IN (subquery) */
    AST_LIKE,           /* AstLikeExpr: [NOT] LIKE / ILIKE / SIMILAR TO [ESCAPE] */
    AST_ANY_ALL,        /* AstAnyAll: a op ANY/SOME/ALL (array expr or subquery) */
    AST_SUBLINK,        /* AstSubLink: EXISTS (q), (q), ARRAY(q) */
    AST_ARRAY,          /* AstArrayExpr: ARRAY[...] (and nested [...] inside it) */
    AST_INDIRECTION,    /* AstIndirection: x[i], x[a:b], (x).f, (x).* */
    AST_CASE,           /* AstCaseExpr */
    AST_VARARG_FUNC,    /* AstVarargFunc: COALESCE / GREATEST / LEAST / NULLIF */
    AST_SQL_VALUE,      /* AstSqlValue: CURRENT_DATE, CURRENT_USER, ... */
    AST_TYPE_CAST,      /* AstTypeCast: CAST(x AS t), x::t, typed literal t 'str' */
    AST_COLLATE,        /* AstCollate: x COLLATE name */
    AST_FUNC_CALL,      /* AstFuncCall (also EXTRACT, SUBSTRING, TRIM, AT TIME ZONE, ...) */
    AST_NAMED_ARG,      /* AstNamedArg: name => expr inside a call */
    AST_ROW,            /* AstRowExpr: ROW(a, b) or (a, b) */
    AST_DEFAULT,        /* AstNode only: DEFAULT in VALUES / SET */
    AST_MULTI_ASSIGN,   /* AstMultiAssign: one column of SET (a, b) = source */
    /* --- pieces of statements ---------------------------------------------------- */
    AST_TYPE_NAME,      /* AstTypeName */
    AST_RES_TARGET,     /* AstResTarget: select-list item, SET item, INSERT column */
    AST_RANGE_VAR,      /* AstRangeVar: a table reference in FROM / DML / DDL */
    AST_RANGE_SUBSELECT,/* AstRangeSubselect: [LATERAL] (query) alias */
    AST_RANGE_FUNCTION, /* AstRangeFunction: [LATERAL] f(...) [WITH ORDINALITY] alias */
    AST_JOIN,           /* AstJoinExpr */
    AST_SORT_BY,        /* AstSortBy */
    AST_WINDOW_DEF,     /* AstWindowDef */
    AST_CTE,            /* AstCte */
    AST_LOCKING,        /* AstLocking: FOR UPDATE / SHARE ... */
    AST_DEF_ELEM,       /* AstDefElem: name [= value] option */
    AST_COLUMN_DEF,     /* AstColumnDef */
    AST_CONSTRAINT,     /* AstConstraint (column and table constraints) */
    AST_INDEX_ELEM,     /* AstIndexElem */
    AST_ALTER_CMD,      /* AstAlterCmd: one subcommand of ALTER TABLE */
    AST_ON_CONFLICT,    /* AstOnConflict */
    AST_GROUPING_SET,   /* AstGroupingSet: ROLLUP / CUBE / GROUPING SETS / () */
    /* --- statements -------------------------------------------------------------- */
    AST_SELECT,         /* AstSelectStmt (also VALUES and set operations) */
    AST_INSERT,         /* AstInsertStmt */
    AST_UPDATE,         /* AstUpdateStmt */
    AST_DELETE,         /* AstDeleteStmt */
    AST_CREATE_TABLE,   /* AstCreateTableStmt */
    AST_CREATE_TABLE_AS,/* AstCreateTableAsStmt */
    AST_DROP,           /* AstDropStmt (tables, indexes, views, ..., embedders) */
    AST_ALTER_TABLE,    /* AstAlterTableStmt */
    AST_CREATE_INDEX,   /* AstIndexStmt */
    AST_CREATE_SCHEMA,  /* AstCreateSchemaStmt */
    AST_CREATE_DATABASE,/* AstCreateDatabaseStmt */
    AST_CREATE_VIEW,    /* AstViewStmt */
    AST_CREATE_SEQUENCE,/* AstSequenceStmt */
    AST_ALTER_SEQUENCE, /* AstSequenceStmt */
    AST_TRUNCATE,       /* AstTruncateStmt */
    AST_COMMENT,        /* AstCommentStmt */
    AST_ROLE,           /* AstRoleStmt: CREATE / ALTER / DROP ROLE|USER|GROUP */
    AST_GRANT,          /* AstGrantStmt: GRANT / REVOKE */
    AST_CREATE_EXTENSION,/* AstCreateExtensionStmt */
    AST_CREATE_EMBEDDER,/* AstCreateEmbedderStmt */
    AST_TRANSACTION,    /* AstTransactionStmt */
    AST_VARIABLE_SET,   /* AstVariableSetStmt: SET / RESET / SET TRANSACTION */
    AST_VARIABLE_SHOW,  /* AstVariableShowStmt */
    AST_EXPLAIN,        /* AstExplainStmt */
    AST_COPY,           /* AstCopyStmt */
    AST_PREPARE,        /* AstPrepareStmt */
    AST_EXECUTE,        /* AstExecuteStmt */
    AST_DEALLOCATE,     /* AstDeallocateStmt */
    AST_DISCARD,        /* AstDiscardStmt */
    AST_NOTIFY,         /* AstNotifyStmt: LISTEN / UNLISTEN / NOTIFY */
    AST_VACUUM,         /* AstVacuumStmt: VACUUM / ANALYZE */
    AST_CHECKPOINT,     /* AstNode only */
    AST_LOCK,           /* AstLockStmt */
    AST_DECLARE_CURSOR, /* AstDeclareCursorStmt */
    AST_FETCH,          /* AstFetchStmt: FETCH and MOVE */
    AST_CLOSE_CURSOR,   /* AstCloseCursorStmt */
    AST_BASE_BACKUP,    /* AstBaseBackupStmt: ShaleDB's BASE_BACKUP (sql/backup.c) */
    AST__COUNT
} AstTag;

typedef struct AstNode {
    AstTag tag;
    int location;        /* 0-based byte offset into the query text; -1 unknown */
} AstNode;

typedef struct AstList {
    AstNode **items;
    int n;
} AstList;

typedef struct AstNameList {
    const char **names;
    int n;
} AstNameList;

/* A byte range [start, end) of the query text (start == end == -1 when absent). */
typedef struct AstSpan {
    int start;
    int end;
} AstSpan;

/* --- expressions ------------------------------------------------------------------ */

typedef enum AstConstKind {
    AST_CONST_INTEGER,   /* digits only; ival valid when fits_int64 (else type it numeric) */
    AST_CONST_NUMERIC,   /* decimal point and/or exponent: text only (PG types it numeric) */
    AST_CONST_STRING,    /* str/len hold the decoded bytes */
    AST_CONST_BITSTRING, /* str is "b0101" or "x1F" as PostgreSQL keeps it */
    AST_CONST_BOOL,      /* bval */
    AST_CONST_NULL
} AstConstKind;

typedef struct AstConst {
    AstNode hdr;
    AstConstKind kind;
    bool bval;
    bool fits_int64;
    int64_t ival;
    const char *str;     /* INTEGER/NUMERIC: the literal's text; STRING: value; BITSTRING */
    int len;             /* byte length of str */
} AstConst;

typedef struct AstParam {
    AstNode hdr;
    int number;          /* $1 -> 1 */
} AstParam;

typedef struct AstColumnRef {
    AstNode hdr;
    AstNameList fields;  /* [catalog.][schema.][table.]column; a trailing "*" field is a star */
    bool star;           /* last field is * (fields.names[n-1] is "*") */
} AstColumnRef;

typedef struct AstOpExpr {
    AstNode hdr;         /* location: the operator */
    const char *name;    /* "+", "<->", "||", "~~" is never produced (LIKE has its own node) */
    const char *schema;  /* OPERATOR(schema.op) form; NULL normally */
    AstNode *lexpr;      /* NULL for a prefix operator */
    AstNode *rexpr;
} AstOpExpr;

typedef enum AstBoolOp { AST_AND, AST_OR, AST_NOT } AstBoolOp;
typedef struct AstBoolExpr {
    AstNode hdr;
    AstBoolOp op;
    AstList args;        /* AND/OR: flattened, >= 2; NOT: 1 */
} AstBoolExpr;

typedef struct AstNullTest {
    AstNode hdr;
    AstNode *arg;
    bool is_not;         /* IS NOT NULL / NOTNULL */
} AstNullTest;

typedef enum AstBoolTestKind {
    AST_IS_TRUE, AST_IS_NOT_TRUE, AST_IS_FALSE, AST_IS_NOT_FALSE, AST_IS_UNKNOWN, AST_IS_NOT_UNKNOWN
} AstBoolTestKind;
typedef struct AstBoolTest {
    AstNode hdr;
    AstNode *arg;
    AstBoolTestKind kind;
} AstBoolTest;

typedef struct AstDistinctExpr {
    AstNode hdr;
    AstNode *lexpr, *rexpr;
    bool is_not;         /* IS NOT DISTINCT FROM */
} AstDistinctExpr;

typedef struct AstBetween {
    AstNode hdr;
    AstNode *arg, *lo, *hi;
    bool negated;
    bool symmetric;
} AstBetween;

typedef struct AstInExpr {
    AstNode hdr;
    AstNode *lexpr;      /* may be an AstRowExpr: (a, b) IN (...) */
    AstList list;        /* IN (e1, e2, ...): n >= 1; empty when subquery is set */
    AstNode *subquery;   /* IN (SELECT ...): an AstSelectStmt */
    bool negated;
} AstInExpr;

typedef enum AstLikeKind { AST_LIKE_LIKE, AST_LIKE_ILIKE, AST_LIKE_SIMILAR } AstLikeKind;
typedef struct AstLikeExpr {
    AstNode hdr;
    AstLikeKind kind;
    bool negated;
    AstNode *arg, *pattern;
    AstNode *escape;     /* NULL when no ESCAPE */
} AstLikeExpr;

typedef struct AstAnyAll {
    AstNode hdr;
    const char *op;      /* the comparison operator, e.g. "=" */
    bool is_all;         /* ALL; ANY and SOME are the same */
    AstNode *lexpr;
    AstNode *rexpr;      /* an array expression, or an AstSelectStmt when is_subquery */
    bool is_subquery;
} AstAnyAll;

typedef enum AstSubLinkKind { AST_SUBLINK_EXISTS, AST_SUBLINK_EXPR, AST_SUBLINK_ARRAY } AstSubLinkKind;
typedef struct AstSubLink {
    AstNode hdr;
    AstSubLinkKind kind;
    AstNode *subquery;   /* an AstSelectStmt */
} AstSubLink;

typedef struct AstArrayExpr {
    AstNode hdr;
    AstList elements;    /* sub-arrays of a multi-dimensional literal are AstArrayExpr too */
} AstArrayExpr;

typedef enum AstIndirKind { AST_INDIR_FIELD, AST_INDIR_STAR, AST_INDIR_INDEX, AST_INDIR_SLICE } AstIndirKind;
typedef struct AstIndirItem {
    AstIndirKind kind;
    const char *field;   /* FIELD */
    AstNode *lo;         /* INDEX: the subscript; SLICE: lower bound or NULL */
    AstNode *hi;         /* SLICE: upper bound or NULL */
} AstIndirItem;
typedef struct AstIndirection {
    AstNode hdr;
    AstNode *arg;
    AstIndirItem *items;
    int n_items;
} AstIndirection;

typedef struct AstCaseWhen {
    AstNode *cond;       /* simple CASE: the value compared with arg */
    AstNode *result;
    int location;
} AstCaseWhen;
typedef struct AstCaseExpr {
    AstNode hdr;
    AstNode *arg;        /* simple CASE's operand; NULL for searched CASE */
    AstCaseWhen *whens;
    int n_whens;
    AstNode *defresult;  /* ELSE; NULL when absent */
} AstCaseExpr;

typedef enum AstVarargKind { AST_COALESCE, AST_GREATEST, AST_LEAST, AST_NULLIF } AstVarargKind;
typedef struct AstVarargFunc {
    AstNode hdr;
    AstVarargKind kind;
    AstList args;        /* NULLIF: exactly 2 */
} AstVarargFunc;

typedef enum AstSqlValueKind {
    AST_SV_CURRENT_DATE, AST_SV_CURRENT_TIME, AST_SV_CURRENT_TIMESTAMP, AST_SV_LOCALTIME,
    AST_SV_LOCALTIMESTAMP, AST_SV_CURRENT_ROLE, AST_SV_CURRENT_USER, AST_SV_SESSION_USER,
    AST_SV_USER, AST_SV_CURRENT_CATALOG, AST_SV_CURRENT_SCHEMA
} AstSqlValueKind;
typedef struct AstSqlValue {
    AstNode hdr;
    AstSqlValueKind kind;
    int precision;       /* CURRENT_TIMESTAMP(3): 3; -1 when not given */
} AstSqlValue;

typedef struct AstTypeName {
    AstNode hdr;
    /* The type's name. SQL-syntax types are normalised to PostgreSQL's internal names and
     * flagged `builtin` (they live in pg_catalog): int/integer -> int4, smallint -> int2,
     * bigint -> int8, real -> float4, float/double precision -> float8, float(p) -> float4
     * or float8, decimal/dec -> numeric, boolean -> bool, char/character -> bpchar,
     * varchar/character varying -> varchar, bit varying -> varbit, timestamp/time [with|
     * without time zone] -> timestamp|timestamptz|time|timetz, interval, numeric, bit.
     * Other names are as written (possibly qualified: names.n > 1). */
    AstNameList names;
    bool builtin;
    bool setof;
    AstList typmods;     /* varchar(20), numeric(10,2), vector(3): constant expressions */
    int *array_bounds;   /* int[] -> {-1}; int[3][4] -> {3,4}; int ARRAY -> {-1} */
    int n_array_bounds;
    const char *interval_fields; /* INTERVAL DAY TO SECOND -> "day to second"; else NULL */
} AstTypeName;

typedef enum AstCastSyntax { AST_CAST_FUNC, AST_CAST_COLONS, AST_CAST_LITERAL } AstCastSyntax;
typedef struct AstTypeCast {
    AstNode hdr;
    AstNode *arg;
    AstTypeName *type;
    AstCastSyntax syntax; /* how it was written (the meaning is the same) */
} AstTypeCast;

typedef struct AstCollate {
    AstNode hdr;
    AstNode *arg;
    AstNameList collname;
} AstCollate;

/* How a function call was written: special SQL syntaxes become ordinary calls, as in
 * PostgreSQL, with args in the order shown. */
typedef enum AstFuncSyntax {
    AST_FUNC_PLAIN,
    AST_FUNC_EXTRACT,     /* extract(field_text_const, x) */
    AST_FUNC_SUBSTRING,   /* substring(x, from [, for]) ; SUBSTRING(x FOR n) -> (x, 1, n) */
    AST_FUNC_POSITION,    /* position(b, a) for POSITION(a IN b) */
    AST_FUNC_TRIM,        /* btrim/ltrim/rtrim(x [, chars]) */
    AST_FUNC_OVERLAY,     /* overlay(x, y, from [, for]) */
    AST_FUNC_AT_TIME_ZONE /* timezone(zone, x) for x AT TIME ZONE zone */
} AstFuncSyntax;

typedef struct AstFuncCall {
    AstNode hdr;
    AstNameList name;     /* possibly qualified; lower-cased unless quoted */
    AstList args;
    AstList agg_order;    /* ORDER BY inside the call (AstSortBy), or WITHIN GROUP's */
    AstNode *agg_filter;  /* FILTER (WHERE ...) */
    struct AstWindowDef *over; /* OVER (...) or OVER name; NULL if not a window call */
    bool agg_star;        /* count(*) */
    bool agg_distinct;
    bool agg_within_group;
    bool variadic;        /* last argument was VARIADIC */
    AstFuncSyntax syntax;
} AstFuncCall;

typedef struct AstNamedArg {
    AstNode hdr;
    const char *name;
    AstNode *arg;
} AstNamedArg;

typedef struct AstRowExpr {
    AstNode hdr;
    AstList args;
    bool explicit_row;    /* written with ROW */
} AstRowExpr;

typedef struct AstMultiAssign {
    AstNode hdr;
    AstNode *source;      /* the row expression or subquery, shared by the group */
    int colno;            /* 1-based column of source */
    int ncolumns;
} AstMultiAssign;

/* --- pieces of statements --------------------------------------------------------- */

typedef struct AstAlias {
    const char *name;
    AstNameList colnames;
} AstAlias;

typedef struct AstResTarget {
    AstNode hdr;
    const char *name;     /* SELECT: alias or NULL; UPDATE SET / INSERT cols: the column */
    AstIndirItem *indirection; /* SET a[1] = ..., INSERT INTO t (a.f): rarely used */
    int n_indirection;
    AstNode *val;         /* SELECT / SET: the expression; INSERT cols: NULL */
    AstSpan span;         /* SELECT: text of the expression (for column naming/views) */
} AstResTarget;

typedef enum AstPersistence { AST_PERSIST_PERMANENT, AST_PERSIST_TEMP, AST_PERSIST_UNLOGGED } AstPersistence;

typedef struct AstRangeVar {
    AstNode hdr;
    const char *catalog;  /* NULL unless given */
    const char *schema;   /* NULL unless given */
    const char *relname;
    bool inh;             /* false when written with ONLY */
    AstPersistence persistence;
    AstAlias *alias;      /* NULL when none */
} AstRangeVar;

typedef struct AstRangeSubselect {
    AstNode hdr;
    bool lateral;
    AstNode *subquery;    /* AstSelectStmt */
    AstAlias *alias;
} AstRangeSubselect;

typedef struct AstRangeFunction {
    AstNode hdr;
    bool lateral;
    bool ordinality;      /* WITH ORDINALITY */
    AstNode *func;        /* AstFuncCall (or an AstSqlValue/AstVarargFunc expression) */
    AstAlias *alias;
} AstRangeFunction;

typedef enum AstJoinType { AST_JOIN_INNER, AST_JOIN_LEFT, AST_JOIN_RIGHT, AST_JOIN_FULL, AST_JOIN_CROSS } AstJoinType;
typedef struct AstJoinExpr {
    AstNode hdr;
    AstJoinType type;
    bool natural;
    AstNode *larg, *rarg;
    AstNameList using_cols; /* JOIN ... USING (a, b) */
    const char *using_alias; /* USING (a) AS j */
    AstNode *quals;       /* ON expression */
    AstAlias *alias;      /* (a JOIN b ON ...) AS j */
} AstJoinExpr;

typedef enum AstSortDir { AST_SORT_DEFAULT, AST_SORT_ASC, AST_SORT_DESC, AST_SORT_USING } AstSortDir;
typedef enum AstNullsOrder { AST_NULLS_DEFAULT, AST_NULLS_FIRST, AST_NULLS_LAST } AstNullsOrder;
typedef struct AstSortBy {
    AstNode hdr;
    AstNode *node;
    AstSortDir dir;
    AstNullsOrder nulls;
    const char *use_op;   /* USING op */
} AstSortBy;

typedef enum AstFrameMode { AST_FRAME_DEFAULT, AST_FRAME_RANGE, AST_FRAME_ROWS, AST_FRAME_GROUPS } AstFrameMode;
typedef enum AstFrameBound {
    AST_BOUND_NONE,       /* end bound absent (frame given without BETWEEN) */
    AST_BOUND_UNBOUNDED_PRECEDING, AST_BOUND_OFFSET_PRECEDING, AST_BOUND_CURRENT_ROW,
    AST_BOUND_OFFSET_FOLLOWING, AST_BOUND_UNBOUNDED_FOLLOWING
} AstFrameBound;
typedef enum AstFrameExclude {
    AST_EXCLUDE_NONE, AST_EXCLUDE_CURRENT_ROW, AST_EXCLUDE_GROUP, AST_EXCLUDE_TIES, AST_EXCLUDE_NO_OTHERS
} AstFrameExclude;

typedef struct AstWindowDef {
    AstNode hdr;
    const char *name;     /* WINDOW w AS (...): "w"; OVER w: NULL with refname "w" */
    const char *refname;  /* OVER (w ORDER BY ...) / OVER w: the base window */
    AstList partition;    /* expressions */
    AstList order;        /* AstSortBy */
    AstFrameMode mode;
    AstFrameBound start_bound, end_bound;
    AstNode *start_offset, *end_offset;
    AstFrameExclude exclude;
    bool over_name_only;  /* OVER w (no parentheses) */
} AstWindowDef;

typedef enum AstCteMaterialize { AST_CTE_DEFAULT, AST_CTE_MATERIALIZED, AST_CTE_NOT_MATERIALIZED } AstCteMaterialize;
typedef struct AstCte {
    AstNode hdr;
    const char *name;
    AstNameList colnames;
    AstCteMaterialize materialized;
    AstNode *query;       /* AstSelectStmt, or INSERT/UPDATE/DELETE with RETURNING */
} AstCte;

typedef struct AstWithClause {
    bool recursive;
    AstList ctes;         /* AstCte */
    int location;
} AstWithClause;

typedef enum AstLockStrength { AST_LOCK_UPDATE, AST_LOCK_NO_KEY_UPDATE, AST_LOCK_SHARE, AST_LOCK_KEY_SHARE } AstLockStrength;
typedef enum AstLockWait { AST_WAIT_BLOCK, AST_WAIT_SKIP_LOCKED, AST_WAIT_NOWAIT } AstLockWait;
typedef struct AstLocking {
    AstNode hdr;
    AstLockStrength strength;
    AstLockWait wait;
    AstList rels;         /* FOR UPDATE OF a, b: AstRangeVar (names only) */
} AstLocking;

/* An option: `name`, `name = value`, `name value`. arg is an AstConst (string, number,
 * bool), an AstTypeName, an AstColumnRef (bare or dotted word), an AstList-bearing
 * AstRowExpr for lists, or NULL. */
typedef struct AstDefElem {
    AstNode hdr;
    const char *name;     /* lower-cased option name, e.g. "format", "increment" */
    AstNode *arg;
} AstDefElem;

typedef enum AstGroupingKind { AST_GS_EMPTY, AST_GS_ROLLUP, AST_GS_CUBE, AST_GS_SETS } AstGroupingKind;
typedef struct AstGroupingSet {
    AstNode hdr;
    AstGroupingKind kind;
    AstList content;      /* expressions / AstRowExpr groups / nested grouping sets */
} AstGroupingSet;

/* --- DML -------------------------------------------------------------------------- */

typedef enum AstSetOp { AST_SETOP_NONE, AST_SETOP_UNION, AST_SETOP_INTERSECT, AST_SETOP_EXCEPT } AstSetOp;

/* A query. Three forms: a plain SELECT (op NONE, values empty), VALUES (op NONE, values
 * non-empty: each row an AstList inside an AstRowExpr), or a set operation (op != NONE,
 * larg/rarg set). Any form may carry ORDER BY / LIMIT / locking / WITH. */
typedef struct AstSelectStmt {
    AstNode hdr;
    AstWithClause *with;
    bool distinct;        /* DISTINCT or DISTINCT ON */
    AstList distinct_on;  /* DISTINCT ON (exprs) */
    AstList targets;      /* AstResTarget */
    AstList from;         /* AstRangeVar / AstRangeSubselect / AstRangeFunction / AstJoinExpr */
    AstNode *where;
    AstList group_by;     /* expressions (integer constants are positions) / AstGroupingSet */
    bool group_distinct;  /* GROUP BY DISTINCT */
    AstNode *having;
    AstList windows;      /* AstWindowDef with name */
    AstList values;       /* VALUES rows: AstRowExpr each */
    AstList sort;         /* AstSortBy */
    AstNode *limit_count; /* LIMIT n / FETCH FIRST n; an AstConst NULL for LIMIT ALL */
    AstNode *limit_offset;
    bool limit_with_ties; /* FETCH ... WITH TIES */
    bool fetch_syntax;    /* written as FETCH FIRST (for printing) */
    AstList locking;      /* AstLocking */
    AstSetOp op;
    bool all;             /* UNION ALL etc. */
    struct AstSelectStmt *larg, *rarg;
} AstSelectStmt;

typedef enum AstConflictAction { AST_CONFLICT_NOTHING, AST_CONFLICT_UPDATE } AstConflictAction;
typedef struct AstOnConflict {
    AstNode hdr;
    AstConflictAction action;
    AstList infer_elems;  /* AstIndexElem: ON CONFLICT (a, b) */
    AstNode *infer_where; /* ON CONFLICT (a) WHERE pred */
    const char *constraint; /* ON CONFLICT ON CONSTRAINT name */
    AstList targets;      /* DO UPDATE SET: AstResTarget */
    AstNode *where;       /* DO UPDATE ... WHERE */
} AstOnConflict;

typedef enum AstOverriding { AST_OVERRIDING_NONE, AST_OVERRIDING_USER, AST_OVERRIDING_SYSTEM } AstOverriding;
typedef struct AstInsertStmt {
    AstNode hdr;
    AstWithClause *with;
    AstRangeVar *relation; /* alias allowed: INSERT INTO t AS x */
    AstList cols;          /* AstResTarget with name only */
    AstSelectStmt *select; /* VALUES or query; NULL for DEFAULT VALUES */
    AstOverriding overriding;
    AstOnConflict *on_conflict;
    AstList returning;     /* AstResTarget */
} AstInsertStmt;

typedef struct AstUpdateStmt {
    AstNode hdr;
    AstWithClause *with;
    AstRangeVar *relation;
    AstList targets;       /* AstResTarget: name = val; SET (a, b) = src gives one per
                            * column with val an AstMultiAssign sharing src */
    AstList from;
    AstNode *where;
    AstList returning;
} AstUpdateStmt;

typedef struct AstDeleteStmt {
    AstNode hdr;
    AstWithClause *with;
    AstRangeVar *relation;
    AstList using_;        /* USING list */
    AstNode *where;
    AstList returning;
} AstDeleteStmt;

/* --- DDL -------------------------------------------------------------------------- */

typedef enum AstConstrType {
    AST_CONSTR_NULL, AST_CONSTR_NOTNULL, AST_CONSTR_DEFAULT, AST_CONSTR_CHECK,
    AST_CONSTR_PRIMARY, AST_CONSTR_UNIQUE, AST_CONSTR_FOREIGN, AST_CONSTR_IDENTITY,
    AST_CONSTR_GENERATED
} AstConstrType;

typedef enum AstFkAction {
    AST_FK_NONE, AST_FK_NO_ACTION, AST_FK_RESTRICT, AST_FK_CASCADE, AST_FK_SET_NULL, AST_FK_SET_DEFAULT
} AstFkAction;

typedef struct AstConstraint {
    AstNode hdr;
    AstConstrType type;
    const char *name;      /* CONSTRAINT name; NULL when unnamed */
    AstNode *expr;         /* DEFAULT / CHECK / GENERATED AS (expr) */
    AstSpan expr_span;     /* the text of expr, for storing defaults/checks as text */
    AstNameList keys;      /* table PRIMARY KEY / UNIQUE (cols); FOREIGN KEY (cols) */
    AstNameList including; /* INCLUDE (cols) */
    /* FOREIGN KEY / REFERENCES */
    AstRangeVar *pktable;
    AstNameList pk_attrs;
    AstFkAction on_delete, on_update;
    char match_type;       /* 's' simple (default), 'f' full, 'p' partial */
    bool deferrable, initdeferred;
    bool not_valid;        /* NOT VALID (ALTER TABLE ADD CONSTRAINT) */
    bool no_inherit;
    bool nulls_not_distinct;
    /* IDENTITY */
    bool identity_always;  /* ALWAYS vs BY DEFAULT */
    AstList seq_options;   /* AstDefElem */
} AstConstraint;

typedef struct AstEmbedding {
    AstNode *expr;         /* EMBEDDING OF (expr) */
    AstSpan expr_span;
    const char *embedder;  /* USING embedder_name */
} AstEmbedding;

typedef struct AstColumnDef {
    AstNode hdr;
    const char *colname;
    AstTypeName *type;     /* NULL only inside CREATE TABLE ... OF / never from this parser */
    AstNameList collation; /* COLLATE name */
    AstList constraints;   /* AstConstraint */
    AstEmbedding *embedding; /* ShaleDB: EMBEDDING OF (expr) USING name; NULL otherwise */
} AstColumnDef;

typedef struct AstCreateTableStmt {
    AstNode hdr;
    AstRangeVar *relation; /* persistence in relation->persistence */
    AstList elements;      /* AstColumnDef and table AstConstraint, in order */
    bool if_not_exists;
    AstList options;       /* WITH (...) storage options: AstDefElem */
} AstCreateTableStmt;

typedef struct AstCreateTableAsStmt {
    AstNode hdr;
    AstRangeVar *relation;
    AstNameList colnames;
    AstSelectStmt *query;
    bool if_not_exists;
    bool with_no_data;
    bool is_select_into;   /* SELECT ... INTO t (not produced yet) */
} AstCreateTableAsStmt;

typedef enum AstObjectType {
    AST_OBJ_TABLE, AST_OBJ_INDEX, AST_OBJ_VIEW, AST_OBJ_MATVIEW, AST_OBJ_SEQUENCE,
    AST_OBJ_SCHEMA, AST_OBJ_DATABASE, AST_OBJ_COLUMN, AST_OBJ_EXTENSION, AST_OBJ_TYPE,
    AST_OBJ_FUNCTION, AST_OBJ_ROLE, AST_OBJ_EMBEDDER, AST_OBJ_CONSTRAINT
} AstObjectType;

typedef enum AstDropBehavior { AST_DROP_DEFAULT, AST_DROP_RESTRICT, AST_DROP_CASCADE } AstDropBehavior;

typedef struct AstDropStmt {
    AstNode hdr;
    AstObjectType kind;
    AstList objects;       /* AstRangeVar per name (schema/catalog set when qualified) */
    bool missing_ok;       /* IF EXISTS */
    bool concurrently;
    AstDropBehavior behavior;
    bool force;            /* DROP DATABASE ... WITH (FORCE) */
} AstDropStmt;

typedef enum AstAlterKind {
    AST_AT_ADD_COLUMN, AST_AT_DROP_COLUMN, AST_AT_RENAME_COLUMN, AST_AT_RENAME_TABLE,
    AST_AT_RENAME_CONSTRAINT, AST_AT_SET_DEFAULT, AST_AT_DROP_DEFAULT, AST_AT_SET_NOT_NULL,
    AST_AT_DROP_NOT_NULL, AST_AT_ALTER_TYPE, AST_AT_ADD_CONSTRAINT, AST_AT_DROP_CONSTRAINT,
    AST_AT_OWNER_TO, AST_AT_SET_SCHEMA,
    AST_AT_SET_EMBEDDING,  /* ALTER [COLUMN] c SET EMBEDDING OF (def, text def_span) USING newname */
    AST_AT_DROP_EMBEDDING  /* ALTER [COLUMN] c DROP EMBEDDING */
} AstAlterKind;

typedef struct AstAlterCmd {
    AstNode hdr;
    AstAlterKind kind;
    const char *name;      /* the column / constraint concerned */
    const char *newname;   /* RENAME ... TO newname; OWNER TO role; SET SCHEMA s */
    AstNode *def;          /* ADD COLUMN: AstColumnDef; ADD CONSTRAINT: AstConstraint;
                            * SET DEFAULT: expr; ALTER TYPE: AstTypeName */
    AstSpan def_span;      /* SET DEFAULT: the expression's text */
    AstNode *using_expr;   /* ALTER ... TYPE t USING expr */
    AstNameList collation; /* ALTER ... TYPE t COLLATE c */
    bool missing_ok;       /* IF [NOT] EXISTS on the subcommand */
    AstDropBehavior behavior;
} AstAlterCmd;

typedef struct AstAlterTableStmt {
    AstNode hdr;
    AstRangeVar *relation;
    AstObjectType kind;    /* TABLE (also VIEW / INDEX / SEQUENCE for RENAME / OWNER) */
    bool missing_ok;       /* ALTER TABLE IF EXISTS */
    AstList cmds;          /* AstAlterCmd */
} AstAlterTableStmt;

typedef struct AstIndexElem {
    AstNode hdr;
    const char *name;      /* column name, or NULL when expr is set */
    AstNode *expr;         /* (expression) or function-call index element */
    AstSpan expr_span;     /* source text of expr, parentheses excluded */
    AstNameList collation;
    AstNameList opclass;
    AstList opclass_options;
    AstSortDir ordering;
    AstNullsOrder nulls;
} AstIndexElem;

typedef struct AstIndexStmt {
    AstNode hdr;
    const char *idxname;   /* NULL when not given */
    AstRangeVar *relation;
    const char *access_method; /* NULL = btree */
    AstList params;        /* AstIndexElem */
    AstList including;     /* AstIndexElem */
    AstList options;       /* WITH (k = v): AstDefElem */
    AstNode *where;
    AstSpan where_span;    /* source text of where */
    bool unique, concurrently, if_not_exists, nulls_not_distinct;
} AstIndexStmt;

typedef struct AstCreateSchemaStmt {
    AstNode hdr;
    const char *name;      /* NULL when only AUTHORIZATION is given */
    const char *authrole;
    bool if_not_exists;
} AstCreateSchemaStmt;

typedef struct AstCreateDatabaseStmt {
    AstNode hdr;
    const char *name;
    AstList options;       /* AstDefElem: owner, template, encoding, ... */
} AstCreateDatabaseStmt;

typedef struct AstViewStmt {
    AstNode hdr;
    AstRangeVar *view;
    AstNameList aliases;
    AstSelectStmt *query;
    AstSpan query_span;    /* the text of the view's query as written */
    bool replace;
    bool recursive;
    AstList options;
    char check_option;     /* WITH [CASCADED | LOCAL] CHECK OPTION: 'c' / 'l', '\0' = none */
} AstViewStmt;

typedef struct AstSequenceStmt {
    AstNode hdr;
    AstRangeVar *sequence;
    AstList options;       /* AstDefElem: increment, minvalue (arg NULL = NO MINVALUE),
                            * maxvalue, start, restart, cache, cycle (bool), owned_by (AstColumnRef
                            * or "none"), as (AstTypeName) */
    bool if_not_exists;    /* CREATE ... IF NOT EXISTS / ALTER ... IF EXISTS */
} AstSequenceStmt;

typedef struct AstTruncateStmt {
    AstNode hdr;
    AstList relations;     /* AstRangeVar */
    bool restart_seqs;
    AstDropBehavior behavior;
} AstTruncateStmt;

typedef struct AstCommentStmt {
    AstNode hdr;
    AstObjectType objtype;
    AstNameList object;    /* qualified name; COLUMN: [schema.]table.column */
    const char *comment;   /* NULL for IS NULL */
} AstCommentStmt;

typedef enum AstRoleStmtKind { AST_ROLE_CREATE, AST_ROLE_ALTER, AST_ROLE_DROP } AstRoleStmtKind;
typedef struct AstRoleStmt {
    AstNode hdr;
    AstRoleStmtKind kind;
    char role_type;        /* 'r' ROLE, 'u' USER, 'g' GROUP */
    AstNameList names;     /* DROP may name several; otherwise one */
    AstList options;       /* AstDefElem: superuser/login/createdb/createrole/inherit/
                            * replication/bypassrls (bool), password (string or NULL),
                            * connection_limit, valid_until, rename_to (ALTER ... RENAME TO) */
    bool missing_ok;
} AstRoleStmt;

typedef struct AstGrantStmt {
    AstNode hdr;
    bool is_grant;
    AstNameList privileges; /* lower-cased: select, insert, ...; n == 0 means ALL */
    AstObjectType objtype;  /* TABLE (default), SCHEMA, SEQUENCE, DATABASE ... */
    bool all_in_schema;     /* ON ALL TABLES IN SCHEMA s */
    AstList objects;        /* AstRangeVar */
    AstNameList grantees;   /* role names; "public" for PUBLIC */
    bool grant_option;
    AstDropBehavior behavior;
} AstGrantStmt;

typedef struct AstCreateExtensionStmt {
    AstNode hdr;
    const char *name;
    bool if_not_exists;
    AstList options;       /* SCHEMA s, VERSION v, CASCADE */
} AstCreateExtensionStmt;

typedef struct AstCreateEmbedderStmt {
    AstNode hdr;
    const char *name;
    AstList options;       /* AstDefElem: key = value */
    bool if_not_exists;
    bool is_alter;         /* ALTER EMBEDDER name (key = value, ...): replaces those options */
} AstCreateEmbedderStmt;

/* --- utility ----------------------------------------------------------------------- */

typedef enum AstTxnKind {
    AST_TXN_BEGIN, AST_TXN_START, AST_TXN_COMMIT, AST_TXN_ROLLBACK, AST_TXN_SAVEPOINT,
    AST_TXN_RELEASE, AST_TXN_ROLLBACK_TO
} AstTxnKind;
typedef struct AstTransactionStmt {
    AstNode hdr;
    AstTxnKind kind;
    AstList options;       /* AstDefElem: transaction_isolation ("read committed" ...),
                            * transaction_read_only (bool), transaction_deferrable (bool) */
    const char *savepoint;
    bool chain;            /* COMMIT/ROLLBACK AND CHAIN */
} AstTransactionStmt;

typedef enum AstSetKind {
    AST_SET_VALUE, AST_SET_DEFAULT, AST_SET_CURRENT, AST_SET_MULTI, AST_RESET, AST_RESET_ALL
} AstSetKind;
typedef struct AstVariableSetStmt {
    AstNode hdr;
    AstSetKind kind;
    /* lower-cased; SET TIME ZONE -> "timezone"; SET NAMES -> "client_encoding";
     * SET TRANSACTION -> "transaction" (kind MULTI, options in args as AstDefElem);
     * SET SESSION CHARACTERISTICS AS TRANSACTION -> "session_characteristics" (MULTI) */
    const char *name;
    AstList args;          /* VALUE: AstConst (string/number/bool; bare words become
                            * strings; TIME ZONE LOCAL -> DEFAULT); MULTI: AstDefElem */
    bool is_local;
} AstVariableSetStmt;

typedef struct AstVariableShowStmt {
    AstNode hdr;
    const char *name;      /* "all" for SHOW ALL; SHOW TIME ZONE -> "timezone"; SHOW
                            * TRANSACTION ISOLATION LEVEL -> "transaction_isolation" */
} AstVariableShowStmt;

typedef struct AstExplainStmt {
    AstNode hdr;
    AstNode *query;
    AstList options;       /* AstDefElem: analyze, verbose, costs, buffers, format, ... */
} AstExplainStmt;

typedef struct AstCopyStmt {
    AstNode hdr;
    AstRangeVar *relation; /* NULL for COPY (query) TO */
    AstNode *query;
    AstNameList attlist;
    bool is_from;
    const char *filename;  /* NULL for STDIN / STDOUT */
    bool is_program;
    AstList options;       /* AstDefElem: format (text/csv/binary), header, delimiter,
                            * null, quote, escape, force_quote (list or "*"), ... ; old
                            * syntax is mapped to the same names */
    AstNode *where;
} AstCopyStmt;

typedef struct AstPrepareStmt {
    AstNode hdr;
    const char *name;
    AstList argtypes;      /* AstTypeName */
    AstNode *query;
    AstSpan query_span;
} AstPrepareStmt;

typedef struct AstExecuteStmt {
    AstNode hdr;
    const char *name;
    AstList params;
} AstExecuteStmt;

typedef struct AstDeallocateStmt {
    AstNode hdr;
    const char *name;      /* NULL = ALL */
} AstDeallocateStmt;

typedef enum AstDiscardKind { AST_DISCARD_ALL, AST_DISCARD_PLANS, AST_DISCARD_SEQUENCES, AST_DISCARD_TEMP } AstDiscardKind;
typedef struct AstDiscardStmt {
    AstNode hdr;
    AstDiscardKind target;
} AstDiscardStmt;

typedef enum AstNotifyKind { AST_LISTEN, AST_UNLISTEN, AST_NOTIFY_SEND } AstNotifyKind;
typedef struct AstNotifyStmt {
    AstNode hdr;
    AstNotifyKind kind;
    const char *channel;   /* UNLISTEN *: NULL */
    const char *payload;   /* NOTIFY c, 'payload' */
} AstNotifyStmt;

typedef struct AstVacuumStmt {
    AstNode hdr;
    bool is_vacuum;        /* false: ANALYZE */
    AstList options;       /* AstDefElem: full, freeze, verbose, analyze */
    AstList rels;          /* AstRangeVar; alias->colnames holds a column list if given */
} AstVacuumStmt;

typedef struct AstLockStmt {
    AstNode hdr;
    AstList relations;     /* AstRangeVar */
    const char *mode;      /* "access exclusive" (default), "row share", ... */
    bool nowait;
} AstLockStmt;

/* DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [NO SCROLL|SCROLL] CURSOR [WITH|WITHOUT HOLD]
 * FOR query: options is a mask of the AST_CURSOR_* bits. */
enum {
    AST_CURSOR_BINARY = 1,
    AST_CURSOR_SCROLL = 2,
    AST_CURSOR_NO_SCROLL = 4,
    AST_CURSOR_INSENSITIVE = 8,
    AST_CURSOR_ASENSITIVE = 16,
    AST_CURSOR_HOLD = 32
};
typedef struct AstDeclareCursorStmt {
    AstNode hdr;
    const char *name;
    int options;
    AstNode *query;        /* an AST_SELECT */
} AstDeclareCursorStmt;

/* FETCH / MOVE, normalised as PostgreSQL's FetchStmt: NEXT = FORWARD 1, PRIOR = BACKWARD 1,
 * FIRST = ABSOLUTE 1, LAST = ABSOLUTE -1, n = FORWARD n, ALL = FORWARD ALL. */
typedef enum AstFetchDirection {
    AST_FETCH_FORWARD, AST_FETCH_BACKWARD, AST_FETCH_ABSOLUTE, AST_FETCH_RELATIVE
} AstFetchDirection;
typedef struct AstFetchStmt {
    AstNode hdr;
    AstFetchDirection direction;
    int64_t count;         /* FORWARD/BACKWARD: >= 0; ABSOLUTE/RELATIVE: any */
    bool all;              /* FORWARD ALL / BACKWARD ALL (count unused) */
    bool is_move;
    const char *name;      /* the cursor */
} AstFetchStmt;

typedef struct AstCloseCursorStmt {
    AstNode hdr;
    const char *name;      /* NULL = ALL */
} AstCloseCursorStmt;

/* BASE_BACKUP [ 'reuse list' ]: streams an online backup as CopyOut (sql/backup.h). */
typedef struct AstBaseBackupStmt {
    AstNode hdr;
    const char *reuse;     /* NULL = full backup; else the files the client already has */
} AstBaseBackupStmt;

#endif
