/* query.h -- the query engine's interface: analyse + plan one DML/query statement (SELECT,
 * VALUES, INSERT, UPDATE, DELETE, and the query of EXPLAIN / COPY (query) TO / CREATE TABLE
 * AS / CREATE VIEW), then execute it as a cursor of rows.
 *
 * Used by the session (sql/session*.c: simple and extended protocol, portals, transactions,
 * DDL, COPY) and implemented by sql/query/ (binder, planner, executor).
 *
 * Lifetimes:
 *  - A PreparedQuery lives in the arena passed to query_prepare (the prepared statement's
 *    arena for named statements, the statement arena otherwise). It holds no pointer into
 *    the AST after preparation, so the AST arena may be reset first only if the caller
 *    copies nothing... simplest rule: keep the AST arena alive as long as the PreparedQuery.
 *  - A QueryCursor and the rows it returns live in the exec arena passed to query_open;
 *    a row returned by query_next is valid until the next query_next or query_close.
 *  - Catalog facts read while preparing (table OIDs, column types) may go stale when DDL
 *    commits: the session re-prepares when catsnap_version() changed since query_prepare
 *    (it keeps the statement text). query_open may assume env->cat is the same version.
 *
 * Errors: SqlError with PostgreSQL's SQLSTATE, message and position (1-based character
 * position into the query text given to query_prepare, which is the whole Query message). */
#ifndef SHALE_SQL_QUERY_H
#define SHALE_SQL_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/sqlerror.h"
#include "catalog/value.h"
#include "sql/parser/ast.h"
#include "sql/sql.h"
#include "sql/types/types.h"
#include "util/arena.h"
#include "util/buf.h"

typedef struct RelDB RelDB;          /* src/facets/relational/relational.h */
typedef struct RelTxn RelTxn;
typedef struct CatSnapshot CatSnapshot; /* src/catalog/catalog.h */

/* Everything the engine needs from the session while preparing or running a statement. */
typedef struct QueryEnv {
    RelDB *rdb;                      /* the relational facet (sequences, row estimates) */
    CatSnapshot *cat;                /* the catalog as the current transaction sees it
                                        (held by the session for the statement) */
    RelTxn *txn;                     /* the current transaction (snapshot, writes, locks);
                                        statement already begun (rel_txn_statement_begin) */
    Oid database_oid;
    const char *database;            /* current_database() */
    const char *user;                /* current_user */
    const char *session_user;        /* session_user (NULL: same as user) */
    Oid user_oid;                    /* the role privileges are checked for (sql/acl.h; 0 =
                                        no checks); the binder switches it to a view's owner
                                        while expanding the view */
    const char *search_path;         /* the search_path setting ("$user", public) */
    const TypeContext *tc;           /* I/O settings */
    int64_t txn_timestamp;           /* now(): us since 2000-01-01 UTC */
    int64_t stmt_timestamp;
    uint64_t *random_state;          /* random()/setseed() */
    const char *version;             /* version() text */
    FuncSessionHooks hooks;          /* nextval/currval/setval/cancelled */
    int64_t statement_timeout_ms;    /* 0 = none */
    void *session;                   /* opaque back pointer for hooks */
    const struct SessionSettings *settings; /* the session's settings (hnsw.*); NULL = defaults */
} QueryEnv;

typedef struct PreparedQuery PreparedQuery;
typedef struct QueryCursor QueryCursor;

typedef enum QueryKind {
    QUERY_SELECT,      /* SELECT / VALUES / TABLE: returns rows */
    QUERY_INSERT,      /* rows only with RETURNING */
    QUERY_UPDATE,
    QUERY_DELETE
} QueryKind;

/* Analyses and plans stmt (an AST_SELECT / AST_INSERT / AST_UPDATE / AST_DELETE node).
 * n_params/param_types: the types the client gave ($1..$n; 0 = infer); on success
 * *n_params_out and the prepared query's param types cover every $n used (unknowns are
 * inferred from context, or text when nothing says otherwise, as PostgreSQL does). */
int query_prepare(QueryEnv *env, const AstNode *stmt, const char *query_text, int n_params,
                  const Oid *param_types, ShaleArena *arena, PreparedQuery **out, SqlError *err);

/* The relations a SELECT (SQL text) names directly -- its FROM items, sub-queries and CTE
 * bodies, not what the views it reads read in turn: a view's dependencies. The first cap
 * OIDs go to out, *n receives the count. Binding errors are returned (a view whose query
 * no longer binds). */
int query_relation_deps(QueryEnv *env, const char *select_text, Oid *out, int cap, int *n, SqlError *err);

struct CatRelation;
/* Binds a CHECK expression (SQL text) against rel's columns: 42703 for unknown columns,
 * 42804 when it is not boolean. *n receives the number of distinct columns it reads, the
 * first cap of their attnums in attnums (for PostgreSQL's constraint naming). */
int query_check_columns(QueryEnv *env, const struct CatRelation *rel, const char *expr_text, int16_t *attnums, int cap,
                        int *n, SqlError *err);

QueryKind query_kind(const PreparedQuery *q);
int query_n_params(const PreparedQuery *q);
const Oid *query_param_types(const PreparedQuery *q);
/* Result columns (0 for INSERT/UPDATE/DELETE without RETURNING). format is 0 here. */
int query_n_columns(const PreparedQuery *q);
const SqlColumnDesc *query_columns(const PreparedQuery *q);
/* True when the statement reads or writes nothing but constants (SELECT 1): sessions may
 * skip transaction setup for it. */
bool query_is_trivial(const PreparedQuery *q);

/* Starts execution with parameter values (already converted to query_param_types; NULLs
 * allowed). */
int query_open(QueryEnv *env, PreparedQuery *q, const Value *params, ShaleArena *exec_arena,
               QueryCursor **out, SqlError *err);
/* 1 = *row points at query_n_columns values; 0 = finished; -1 = error. For INSERT/UPDATE/
 * DELETE without RETURNING the first call does all the work and returns 0. */
int query_next(QueryCursor *c, const Value **row, SqlError *err);
/* Rows processed so far (SELECT: returned; DML: inserted/updated/deleted). */
uint64_t query_rows(const QueryCursor *c);
/* The command tag once finished: "SELECT 3", "INSERT 0 2", "UPDATE 1", "DELETE 0". */
void query_command_tag(const QueryCursor *c, char *buf, size_t cap);
void query_close(QueryCursor *c);

/* EXPLAIN [ANALYZE]: the plan tree as PostgreSQL prints it (one line per output row of
 * EXPLAIN's single "QUERY PLAN" column). With analyze, runs the query (discarding rows)
 * and adds actual rows/loops/time. */
int query_explain(QueryEnv *env, PreparedQuery *q, const Value *params, bool analyze,
                  bool verbose, ShaleArena *arena, int *n_lines, const char ***lines, SqlError *err);

#endif
