/* embed.h -- embedding columns and jobs in the SQL engine (docs/embeddings.md, "Embedding
 * columns and jobs"): CREATE/ALTER/DROP EMBEDDER, columns declared
 * `vector(n) EMBEDDING OF (expr) USING embedder`, the per-row jobs that DML enqueues in the
 * same transaction as the row, the worker threads that embed and write vectors back, and
 * the SQL surface (shale_embedding_jobs / shale_embedding_status, embed(),
 * shale_retry_failed_embeddings(), shale_wait_for_embeddings()).
 *
 * Ownership: the SqlEngine owns one EmbedEngine (eng->embed), opened after the relational
 * facet and closed (workers joined) before it. Each SqlSession owns its transaction's job
 * bookkeeping (s->embed_txn), created on the first job write and freed at transaction end.
 *
 * Threading: every function here may be called from any session thread; the EmbedEngine
 * locks itself. Errors: int functions return 0 or -1 with err set. */
#ifndef SHALE_SQL_EMBED_H
#define SHALE_SQL_EMBED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/sqlerror.h"
#include "catalog/value.h"
#include "sql/pgcat/pgcat.h"
#include "sql/query.h"
#include "sql/sql.h"

typedef struct EmbedEngine EmbedEngine;
typedef struct EmbedTxn EmbedTxn;

/* Server-start settings (SqlEngineOptions). Zero fields take the defaults. */
typedef struct EmbedConfig {
    int workers;                   /* embedding_workers: default 2; < 0 = no workers */
    int retry_base_ms;             /* embedding_retry_base_ms: default 1000 */
    int retry_max_ms;              /* embedding_retry_max_ms: default 60000 */
    int max_attempts;              /* embedding_max_attempts: default 5 */
} EmbedConfig;

/* Rebuilds the in-memory queue and counters from storage and starts the workers.
 * *out freed by embed_engine_close (which stops and joins the workers first). */
int embed_engine_open(SqlEngine *eng, const EmbedConfig *cfg, EmbedEngine **out, SqlError *err);
void embed_engine_close(EmbedEngine *ee);

/* ---- session transaction hooks (session.c) -------------------------------------------- */

/* Commits s->txn (rel_txn_commit) and then publishes the transaction's job changes: exact
 * counters, the workers' queue, the session's read-your-writes mark; committed DDL
 * re-reads the jobs of changed tables. Frees s->txn like rel_txn_commit. */
int embed_session_commit(SqlSession *s, SqlError *err);
/* The transaction ended without committing (or the session closes): forget its jobs. */
void embed_session_discard(SqlSession *s);

/* ---- DML (sql/query/exec_dml.c) -------------------------------------------------------- */

/* One row written to rel (row key `key`, without the keycodec prefix). old_texts / new_texts
 * hold, per column (attnum - 1), the EMBEDDING OF expression's text value of the old / new
 * row (only embedding columns are read; NULL array = no such row: insert / delete). Upserts
 * a pending job when the text changed, deletes the job on delete, through env->txn. */
int embed_dml_row(const QueryEnv *env, const CatRelation *rel, const char *key, size_t klen,
                  const Value *old_texts, const Value *new_texts, SqlError *err);

/* ---- DDL (sql/ddl*.c) -------------------------------------------------------------------- */

/* CREATE EMBEDDER / ALTER EMBEDDER (stmt is an AstCreateEmbedderStmt). */
SqlStatus embed_ddl_embedder(SqlSession *s, const void *stmt, const SqlSink *sink, SqlError *err);
/* DROP EMBEDDER name [, ...] [IF EXISTS] [CASCADE] (stmt is an AstDropStmt). CASCADE turns
 * the columns using it into plain vector columns. */
SqlStatus embed_ddl_drop_embedder(SqlSession *s, const void *stmt, const SqlSink *sink, SqlError *err);
/* Validates `EMBEDDING OF (expr) USING name` (embedding is an AstEmbedding) for col (its
 * type already resolved) and stores it in col: 42704 unknown embedder, 42804 not a vector
 * column, 22000 dimension mismatch. expr_text is the expression's SQL text. */
int embed_ddl_column(SqlSession *s, CatSnapshot *snap, CatColumn *col, const char *embedder,
                     const char *expr_text, SqlError *err);
/* After the table (reloid) exists in the transaction with its embedding column attnum:
 * checks the table has a primary key and the expression binds to a text over its columns,
 * then enqueues a job for every existing row (backfill) in the session's transaction. */
int embed_ddl_after_column(SqlSession *s, Oid reloid, int16_t attnum, SqlError *err);

/* After ALTER TABLE DROP COLUMN / RENAME COLUMN of column `colname` of table reloid (old_rel
 * is the table before the change): a dropped embedding column's jobs are deleted, and every
 * remaining EMBEDDING OF expression must still bind, else 2BP01 (drop: "other objects
 * depend on it"; with cascade the embedding spec goes instead) or 0A000 (rename). */
int embed_ddl_column_changed(SqlSession *s, const CatRelation *old_rel, const char *colname, bool drop, bool cascade,
                             const SqlSink *sink, SqlError *err);

/* ALTER TABLE t ALTER [COLUMN] c SET EMBEDDING OF (expr_text) USING embedder (embedder and
 * expr_text non-NULL: replaces the spec, deletes the old jobs and backfills) or DROP
 * EMBEDDING (both NULL: the column stays, its jobs go). */
int embed_ddl_alter_embedding(SqlSession *s, const CatRelation *rel, const char *colname, const char *embedder,
                              const char *expr_text, SqlError *err);

/* ---- the SQL surface (sql/pgcat) ------------------------------------------------------- */

/* Virtual tables shale_embedding_jobs / shale_embedding_status (schema pg_catalog). */
const PgCatTable *embed_views_lookup(const char *schema, const char *name);
const PgCatTable *embed_views_lookup_oid(Oid oid);
int embed_views_count(void);
const PgCatTable *embed_views_at(int i);
/* Functions embed, shale_retry_failed_embeddings, shale_wait_for_embeddings. */
int embed_func_count(void);
const PgCatFunc *embed_func_at(int i);

#endif
