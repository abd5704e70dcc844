/* session_index.c -- the session's RelExprHooks for expression and partial indexes: the
 * relational facet asks for index column values and predicate results while it maintains
 * indexes (INSERT / UPDATE / DELETE / COPY / CREATE INDEX backfill); we evaluate them with
 * the query engine (sql/query_index.h) under the session's current catalog snapshot. */
#include "sql/query_index.h"
#include "sql/session_int.h"

static int hook_index_expr(void *arg, const CatRelation *rel, const CatIndex *idx, int col, const Value *row,
                           Value *out, SqlError *err)
{
    SqlSession *s = arg;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return -1;
    int rc = query_index_expr(&env, &s->index_cache, rel, idx, col, row, out, err);
    catalog_snapshot_release(cat);
    return rc;
}

static int hook_index_pred(void *arg, const CatRelation *rel, const CatIndex *idx, const Value *row, bool *matches,
                           SqlError *err)
{
    SqlSession *s = arg;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return -1;
    int rc = query_index_pred(&env, &s->index_cache, rel, idx, row, matches, err);
    catalog_snapshot_release(cat);
    return rc;
}

void session_index_hooks(SqlSession *s, RelExprHooks *h)
{
    (void)s;
    h->index_expr = hook_index_expr;
    h->index_pred = hook_index_pred;
}

void session_index_free(SqlSession *s)
{
    query_index_cache_free(s->index_cache);
    s->index_cache = NULL;
}
