/* query_index.h -- expression and partial indexes in the query engine (implemented by
 * sql/query/exec_index_hooks.c): validation at CREATE INDEX and evaluation for the
 * relational facet's RelExprHooks (the session wires those hooks to these functions).
 *
 * Expressions are the SQL text the catalog keeps (CatIndex.exprs[i], CatIndex.predicate),
 * bound over the table's columns. Errors: PostgreSQL's SQLSTATEs and messages. */
#ifndef SHALE_SQL_QUERY_INDEX_H
#define SHALE_SQL_QUERY_INDEX_H

#include <stdbool.h>

#include "sql/query.h"

struct CatRelation;
struct CatIndex;

/* Per-session cache of bound index expressions; created on first use through the
 * pointer the caller keeps (NULL initially), freed by query_index_cache_free. */
typedef struct QueryIndexCache QueryIndexCache;
void query_index_cache_free(QueryIndexCache *c);

/* CREATE INDEX: binds text (an index column expression, or with predicate the WHERE
 * predicate) over rel: 42703 unknown column, 42P17 "functions in index expression must be
 * marked IMMUTABLE" (or "... index predicate ..."), 0A000 for sub-queries, 42804 for a
 * non-boolean predicate. *type (may be NULL) receives the expression's type. */
int query_index_check(QueryEnv *env, const struct CatRelation *rel, const char *text, bool predicate, Oid *type,
                      SqlError *err);

/* Index column col (an expression column) of idx computed from the full row (attnum
 * order). *out is valid until the next call with the same cache. */
int query_index_expr(QueryEnv *env, QueryIndexCache **cache, const struct CatRelation *rel,
                     const struct CatIndex *idx, int col, const Value *row, Value *out, SqlError *err);
/* Whether row satisfies idx's partial-index predicate (NULL counts as false). */
int query_index_pred(QueryEnv *env, QueryIndexCache **cache, const struct CatRelation *rel,
                     const struct CatIndex *idx, const Value *row, bool *matches, SqlError *err);

/* Views: the check option is kept in the view descriptor's otherwise unused
 * CatRelation.seq.owned_by_col (the catalog has no reloptions yet; catalog owners: a
 * dedicated field would be better). 0 = none. */
/* CREATE VIEW ... WITH CHECK OPTION: 0A000 "WITH CHECK OPTION is supported only on
 * automatically updatable views" (hint: why not) unless view (a descriptor being created,
 * name, nsp and view_query set) is automatically updatable (sql/query/bind_view_dml.c). */
int query_view_check_option_ok(QueryEnv *env, const struct CatRelation *view, SqlError *err);
#define VIEW_CHECK_OPTION_LOCAL 1
#define VIEW_CHECK_OPTION_CASCADED 2

#endif
