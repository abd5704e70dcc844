/* dml_int.h -- INSERT / UPDATE / DELETE: the bound form (DmlPlan, in the PreparedQuery's
 * arena) and the executor entry points (exec_dml.c). Row layout in every DML expression:
 * the target table's columns at offset 0 (attnum - 1), then (UPDATE ... FROM, DELETE ...
 * USING) the other FROM items, or (ON CONFLICT) the EXCLUDED row at offset ncols. */
#ifndef SHALE_SQL_QUERY_DML_INT_H
#define SHALE_SQL_QUERY_DML_INT_H

#include "sql/query/exec_int.h"

struct DmlPlan {
    const CatRelation *rel;
    int ncols;                   /* rel->ncols */
    /* INSERT */
    Plan *source;                /* rows of n_target values (already of the column types) */
    int n_target;
    int *target_col;             /* [n_target] 0-based column of each source value */
    bool materialize;            /* INSERT ... SELECT: read the whole source first */
    int conflict;                /* 0 none, 1 DO NOTHING, 2 DO UPDATE */
    Expr **conflict_set;         /* [ncols] NULL = unchanged; row: existing ++ excluded */
    Expr *conflict_where;
    int n_arbiters;              /* 0: every unique index is an arbiter (DO NOTHING, no target) */
    Oid *arbiters;               /* [n_arbiters] index OIDs whose conflicts take the action */
    /* every kind */
    Expr **defaults;             /* [ncols] column defaults (NULL = NULL) */
    Expr **generated;            /* [ncols] stored generated columns (row: the new row) */
    int n_checks;
    Expr **checks;               /* row: the new row */
    const char **check_names;
    bool *check_is_view;         /* NULL, or [n_checks]: a view's WITH CHECK OPTION condition
                                    (check_names[i] = the view; NULL fails it too: 44000) */
    /* set by bind_view_dml_rewrite: view conditions to check (bind_view_checks binds them) */
    int n_wco;
    const AstNode **wco_ast;
    const char **wco_view, **wco_alias;
    /* EMBEDDING OF expressions as text (row: a full row), NULL when the table has none
     * (sql/embed.h: the job queue compares them between old and new rows) */
    Expr **embed_exprs;          /* [ncols] NULL = not an embedding column */
    /* UPDATE / DELETE */
    Plan *scan;                  /* FROM-level plan; target RTE first (offset 0) */
    int scan_width;
    Plan *target_scan;           /* the target's scan node (row keys, re-check quals) */
    Expr **set;                  /* [ncols] UPDATE SET (row: the wide row); NULL = unchanged */
    /* RETURNING */
    int n_returning;
    Expr **returning;
};

int bind_dml(Binder *b, PreparedQuery *q, const AstNode *stmt, int *ncols, const char ***names, Oid **types,
             int32_t **typmods, Expr ***tlist, SqlError *err);
/* bind_view_dml.c: *out = stmt, or (target an automatically updatable view) the same
 * statement on the view's base table (55000 / 0A000 for views that cannot be updated). */
int bind_view_dml_rewrite(Binder *b, DmlPlan *d, const AstNode *stmt, const AstNode **out, SqlError *err);
/* Appends d's view check-option conditions to d->checks (after INSERT/UPDATE binding). */
int bind_view_checks(Binder *b, DmlPlan *d, SqlError *err);
int dml_open(QueryCursor *qc, SqlError *err);
int dml_next(QueryCursor *qc, const Value **row, SqlError *err);
void dml_close(QueryCursor *qc);

#endif
