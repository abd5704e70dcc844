/* pgss.h -- per-statement statistics compatible with PostgreSQL's pg_stat_statements
 * (docs/observability.md): the view pg_catalog.pg_stat_statements, pg_stat_statements_reset()
 * and the settings pg_stat_statements.track (none | top | all, per session) and
 * pg_stat_statements.max (entries, read once when the table is first used).
 *
 * Keys are (userid, dbid, queryid, toplevel) as in PostgreSQL. queryid is a 64-bit hash of
 * the statement's tokens with constants folded out (SELECT/INSERT/UPDATE/DELETE: case and
 * blanks of keywords and identifiers do not matter), or of its exact text (utility
 * statements, as PostgreSQL 15 does). The stored text is the first text seen with each
 * constant replaced by $n, numbered after the highest parameter the text already uses.
 *
 * Cost: the table is 16 shards, each a mutex, a fixed array of entries and a chained hash;
 * a statement costs two monotonic clock reads and one shard lookup under that shard's
 * mutex. A prepared statement hashes its text once (the caller caches the queryid). A full
 * shard evicts its least-called entry. Memory is bounded: max entries, each text at most
 * PGSS_TEXT_MAX bytes (longer texts are cut at a character boundary).
 *
 * Threading: every function is thread-safe; a PgssRun belongs to one statement of one
 * session. Ownership: ObsState owns the PgssTable (obs_pgss). */
#ifndef SHALE_SQL_PGSS_H
#define SHALE_SQL_PGSS_H

#include <stdbool.h>
#include <stdint.h>

#include "sql/pgcat/pgcat.h"
#include "sql/sql.h"

#define PGSS_TEXT_MAX 4096
#define PGSS_DEFAULT_MAX 5000

typedef struct PgssTable PgssTable;
struct AstNode;

PgssTable *pgss_new(void);         /* NULL on OOM (statistics are then off) */
void pgss_free(PgssTable *t);

/* One statement being timed. pgss_begin returns the sink to run the statement with (a
 * wrapper that reads the row count from the command tag, or sink itself when the
 * statement is not tracked). The sink stays borrowed until pgss_end. */
typedef struct PgssRun {
    bool on;
    bool toplevel;
    int64_t start_ns;
    int64_t rows;
    const SqlSink *inner;
    SqlSink wrap;
} PgssRun;

/* nested: the statement runs inside another (EXECUTE's query; counted only with track=all). */
const SqlSink *pgss_begin(SqlSession *s, PgssRun *r, const SqlSink *sink, bool nested);

/* Records a statement that finished (st SQL_DONE; failures and suspended portals are not
 * counted, as in PostgreSQL). text/len: the statement's own text (borrowed for the call).
 * qid_cache: where the caller keeps the statement's queryid across executions (0 = not
 * computed yet), or NULL. */
void pgss_end(SqlSession *s, PgssRun *r, SqlStatus st, const struct AstNode *stmt, const char *text, size_t len,
              uint64_t *qid_cache);

/* Whether a top-level statement of this kind is counted (EXECUTE, PREPARE and DEALLOCATE
 * are not: PostgreSQL charges EXECUTE to the prepared query). */
bool pgss_tracks_stmt(const struct AstNode *stmt);

/* Where a statement's text ends for PostgreSQL: its last token (end) plus the blanks and
 * comments after it, up to the ';' or the end of the message (len). */
size_t pgss_stmt_end(const char *msg, size_t len, size_t end);

/* Normalises text (exposed for tests): writes the text with constants replaced by $n into
 * out (NUL-terminated, cut at cap-1 bytes) and returns the queryid hash; optimizable: fold
 * constants (false: hash the exact text, copy it verbatim). */
uint64_t pgss_normalise(const char *text, size_t len, bool optimizable, char *out, size_t cap);

/* SQL surface: the view (obs_views) and the functions (obs funcs). */
extern const PgCatTable pgss_view;
extern const PgCatTable pgss_info_view;   /* pg_stat_statements_info */
int pgss_func_count(void);
const PgCatFunc *pgss_func_at(int i);

#endif
