/* vecindex.h -- the SQL engine's hnsw indexes: a registry of in-memory graphs (one HnswIndex
 * per index and relfilenode, owned by the SqlEngine), their maintenance, persistence and the
 * CREATE INDEX ... USING hnsw validation/build.
 *
 * Consistency (docs/vector.md, "HNSW index"): the truth is the index entries the relational
 * facet writes with each row (relational.h, rel_vecidx.c). The graph is a superset of the
 * candidates: a node is inserted when a row's entry is written (statement time, through the
 * RelVecHook), so the writer's own uncommitted rows are findable; readers verify every
 * candidate against the row in their snapshot (exec_vector.c). Rolled-back, deleted and
 * superseded nodes are dropped by that check and marked deleted when the graph is next
 * reconciled (load) or compacted.
 *
 * Persistence: <data_dir>/hnsw/<db>_<index oid>_<relfilenode>.hnsw (hnsw_save_file), written
 * at clean shutdown (vecreg_close), after CREATE INDEX, and when enough nodes were inserted
 * since the last save. First use after a start loads the file and reconciles it with the
 * entries (inserts entries the graph lacks, marks deleted nodes without an entry); a missing
 * or damaged file means a full rebuild from the entries (2 threads), logged.
 *
 * Threading: the registry is shared by every session (one mutex for the map). Each graph
 * has an rwlock: inserts and searches hold it shared (the engine allows them concurrently),
 * save and compaction exclusively. Errors: -1 with *err set (SQLSTATEs as PostgreSQL). */
#ifndef SHALE_SQL_VECINDEX_H
#define SHALE_SQL_VECINDEX_H

#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/sqlerror.h"
#include "facets/relational/relational.h"
#include "facets/vector/hnsw.h"
#include "sql/parser/ast.h"

typedef struct VecRegistry VecRegistry;
typedef struct VecGraph VecGraph;

/* Creates the registry and installs it as rdb's vector hook. data_dir NULL = no files.
 * *out freed by vecreg_close (saves every changed graph first). */
int vecreg_open(RelDB *rdb, const char *data_dir, VecRegistry **out, SqlError *err);
void vecreg_close(VecRegistry *reg);

/* The graph of idx (loading/reconciling or rebuilding it on first use), held shared until
 * vecgraph_release. The HnswIndex pointer is valid while held. */
int vecreg_acquire(VecRegistry *reg, Oid db, const CatRelation *rel, const CatIndex *idx, VecGraph **out,
                   SqlError *err);
HnswIndex *vecgraph_index(VecGraph *g);
void vecgraph_release(VecGraph *g);
/* DROP INDEX / DROP TABLE / TRUNCATE: frees the graph and deletes its file (a rolled-back
 * drop rebuilds it from the entries on next use). */
void vecreg_forget(VecRegistry *reg, Oid db, const CatRelation *rel, const CatIndex *idx);

/* Options of an hnsw index from its catalog entry (validated at CREATE INDEX). */
int vecindex_options(const CatRelation *rel, const CatIndex *idx, HnswOptions *out, SqlError *err);
/* pgvector's distance function name check: metric of an opclass name, -1 if unknown. */
int vecindex_opclass_metric(const char *opclass);

/* WITH (m = 16, ef_construction = 64) into ix->opt_keys/opt_values (reloptions text),
 * allocated in arena (the DDL's). */
int vecindex_ddl_options(const AstList *opts, ShaleArena *arena, CatIndex *ix, SqlError *err);
/* vecreg_forget for every hnsw index of rel (DROP TABLE, TRUNCATE). reg may be NULL. */
void vecindex_forget_rel(VecRegistry *reg, Oid db, const CatRelation *rel);
/* CREATE INDEX ... USING hnsw: checks the column/opclass/options of ix (filled by ddl.c: one
 * column, its opclass and WITH options as catalog strings), as pgvector does. */
int vecindex_validate(const CatRelation *rel, const CatIndex *ix, SqlError *err);
/* Backfill: writes the entry of every row of rel in t and builds the graph (2 threads). */
int vecindex_build(VecRegistry *reg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx,
                   SqlError *err);

/* Publishes a freshly built graph h (ownership passes to the registry) as idx's, replacing
 * any previous one, and saves it. If t (the CREATE INDEX transaction) rolls back, the graph
 * is freed and its file deleted. */
void vecreg_install(VecRegistry *reg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx, HnswIndex *h);

/* Whether node's stored vector is the stored form of vec[dims] (the engine keeps cosine
 * vectors L2-normalised: this mirrors hnsw_prepare_vector's arithmetic exactly). scratch
 * holds dims floats. A cosine zero vector never matches (it is not indexed). */
bool vecindex_node_matches(const HnswIndex *h, uint32_t node, const float *vec, float *scratch);

/* Copies vector Value bytes (dim:uint16 LE | 0 | floats LE) into out[dims]; false when the
 * bytes are not a vector of dims dimensions. */
bool vecindex_decode(const char *p, size_t n, int dims, float *out);

#endif
