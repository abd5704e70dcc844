/* hnsw.h -- the vector facet's approximate nearest-neighbour index: an in-memory HNSW graph
 * (hierarchical navigable small world, Malkov & Yashunin) over float32 vectors, with
 * concurrent inserts and searches, resumable (iterative) searches, deletion marks, and a
 * checksummed snapshot file so a restart loads the graph instead of rebuilding it.
 *
 * What the graph is NOT: it is not transactional and not the source of truth. The SQL layer
 * keeps one transactional index entry per row in the LSM (row key -> vector) and treats the
 * graph as a superset of candidates: every candidate a search yields is verified against
 * the row in the reader's snapshot (uncommitted, rolled-back, deleted and superseded rows
 * are dropped there). After a restart the SQL layer loads the snapshot file and reconciles
 * it with the index entries (inserting the entries the file lacks, marking deleted the
 * labels whose entries are gone): only the delta is re-inserted, never the whole graph.
 *
 * Nodes: each insert creates a node (uint32 id, dense, never reused until hnsw_compact)
 * holding a copy of the vector and of an opaque label (the row key). The same label may be
 * inserted more than once (an updated row); hnsw_mark_deleted_label marks all its nodes.
 *
 * Threading: every function may be called from any thread concurrently with any other,
 * except hnsw_free, hnsw_compact and hnsw_save_file, which the caller must serialise
 * against writers (hnsw_save_file may run concurrently with searches). Pointers returned
 * into the index (labels, vectors) stay valid until hnsw_free / hnsw_compact: node storage
 * is chunked and never moves.
 *
 * Errors: int functions return 0 (or a documented count) on success and -1 with *err set
 * (SHALE_NO_MEMORY, SHALE_INVALID_ARGUMENT, SHALE_IO_ERROR, SHALE_CORRUPTION for a bad file).
 *
 * Memory per vector (bounded, no per-search growth beyond the nodes visited): dims*4 rounded
 * up to 32 bytes (vector) + (1+4m)*4 (layer-0 list: ids and distances) + 24 (node record) + 4 (in-link count) +
 * label bytes + (1+2m)*4 per upper layer (1/(m-1) of them on average) + 8 (label map);
 * 128 dims, m=16, 8-byte labels: ~820 bytes (845 measured at 100k nodes, with the
 * partly filled last chunk). At most 2^31-1 nodes per index. */
#ifndef SHALE_FACETS_VECTOR_HNSW_H
#define SHALE_FACETS_VECTOR_HNSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef enum HnswMetric {
    HNSW_METRIC_L2 = 0,           /* vector_l2_ops: squared L2 inside, <-> reports sqrt */
    HNSW_METRIC_COSINE = 1,       /* vector_cosine_ops: <=> */
    HNSW_METRIC_IP = 2,           /* vector_ip_ops: <#> (negative inner product) */
    HNSW_METRIC_L1 = 3            /* vector_l1_ops: <+> */
} HnswMetric;

typedef struct HnswOptions {
    int dims;                     /* 1..16000 */
    HnswMetric metric;
    int m;                        /* pgvector: 2..100, default 16; layer 0 keeps 2*m links */
    int ef_construction;          /* pgvector: 4..1000, >= 2*m, default 64 */
    uint64_t seed;                /* level generator seed (deterministic graphs for tests) */
} HnswOptions;

void hnsw_options_init(HnswOptions *o, int dims, HnswMetric metric);

typedef struct HnswIndex HnswIndex;
typedef struct HnswSearch HnswSearch;

/* Creates an empty index. *out freed by hnsw_free. */
int hnsw_create(const HnswOptions *opts, HnswIndex **out, ShaleError *err);
void hnsw_free(HnswIndex *idx);

/* The distance the SQL operator of the index's metric returns for a and b (sqrt for L2,
 * cosine distance, negative inner product, L1); used to order verified candidates. */
double hnsw_distance(const HnswIndex *idx, const float *a, const float *b);

/* Inserts vec[dims] with a copy of label[label_len] (1..1024 bytes). Cosine indexes skip
 * zero vectors (pgvector does not index them): returns 0 with *node_out = UINT32_MAX.
 * NaN/Inf components: SHALE_INVALID_ARGUMENT. Concurrent inserts proceed in parallel
 * (neighbour search without exclusive locks; linking under per-node locks). */
int hnsw_insert(HnswIndex *idx, const float *vec, const void *label, size_t label_len,
                uint32_t *node_out, ShaleError *err);

/* Marks every node carrying label deleted: searches still traverse them (so the graph stays
 * connected) but never yield them. Returns the number of nodes this call marked (nodes
 * already marked are not counted). */
int hnsw_mark_deleted_label(HnswIndex *idx, const void *label, size_t label_len);
void hnsw_mark_deleted(HnswIndex *idx, uint32_t node);

/* Counts: nodes ever inserted (live + deleted), deleted ones, and memory in bytes. */
typedef struct HnswStats {
    uint64_t nodes;
    uint64_t deleted;
    uint64_t bytes;
    int max_level;
} HnswStats;
void hnsw_stats(const HnswIndex *idx, HnswStats *out);

/* Node accessors (valid ids only; pointers valid until hnsw_free/hnsw_compact). The vector
 * is the stored form: cosine indexes store it L2-normalised. */
const void *hnsw_node_label(const HnswIndex *idx, uint32_t node, size_t *label_len);
const float *hnsw_node_vector(const HnswIndex *idx, uint32_t node);
bool hnsw_node_deleted(const HnswIndex *idx, uint32_t node);

/* ---- search ---------------------------------------------------------------------------- */

/* Starts a k-NN search for query[dims] with beam width ef (hnsw.ef_search, >= 1).
 * hnsw_search_next yields non-deleted nodes in ascending distance order within the beam;
 * when the beam is exhausted and max_candidates allows (iterative scan), the search resumes
 * from where it stopped (visited nodes are not revisited), yielding further nodes in
 * approximately ascending order, until max_candidates nodes have been yielded
 * (0 = only the first beam: hnsw.iterative_scan = off) or the graph is exhausted. The first
 * beam (up to ef nodes) is always yielded whole; max_candidates bounds the total after it.
 * A cosine query of all zeros yields nothing; NaN/Inf in the query: SHALE_INVALID_ARGUMENT.
 * When hnsw_insert ran since the last repair, the call first runs hnsw_repair_live (rate
 * limited: see hnsw_repair.c), holding inserts off for one layer-0 walk (~5-10 ms per 100k
 * nodes). *out freed by hnsw_search_end. */
int hnsw_search_begin(HnswIndex *idx, const float *query, int ef, uint64_t max_candidates,
                      HnswSearch **out, ShaleError *err);
/* 1 = *node and *dist (hnsw_distance to the query) set, 0 = no more candidates, -1 = error. */
int hnsw_search_next(HnswSearch *s, uint32_t *node, double *dist, ShaleError *err);
void hnsw_search_end(HnswSearch *s);

/* ---- persistence ------------------------------------------------------------------------ */

/* Runs hnsw_repair, then writes the whole graph (options, vectors, labels, deletion marks, links) to path
 * atomically (temporary file + fsync + rename + directory fsync). The file format is
 * documented at the top of hnsw_file.c and in docs/file-formats.md. */
int hnsw_save_file(HnswIndex *idx, const char *path, ShaleError *err);
/* Loads a file written by hnsw_save_file (then runs hnsw_repair, so files written before
 * the repair pass existed come back complete); every byte is untrusted (bounded decoding, CRC):
 * a damaged file is SHALE_CORRUPTION (callers rebuild), never a crash. *out freed by
 * hnsw_free. The options stored in the file are returned through *out's hnsw_options. */
int hnsw_load_file(const char *path, HnswIndex **out, ShaleError *err);
const HnswOptions *hnsw_options(const HnswIndex *idx);

/* Rebuilds the graph without its deleted nodes (node ids change). Caller serialises it
 * against every other use of idx. */
int hnsw_compact(HnswIndex *idx, ShaleError *err);

/* ---- layer-0 reachability ---------------------------------------------------------------- */

/* What a repair pass found and did. */
typedef struct HnswRepairStats {
    uint64_t unreachable;   /* live nodes the first layer-0 walk from the entry point missed */
    uint64_t relinked;      /* nodes given new links (about one per unreached group) */
    uint64_t remaining;     /* live nodes the last walk missed: 0 unless writers ran or the bounded loop gave up */
    int rounds;             /* relink rounds run (0: the graph was complete) */
} HnswRepairStats;

/* Makes every live node reachable from the entry point over layer-0 links: a walk finds the
 * unreached ones and each unreached group is linked to its nearest reachable nodes (both
 * directions, usual selection and pruning; see hnsw_repair.c). Safe beside searches and
 * inserts, but the result (st->remaining == 0) is guaranteed only for nodes published
 * before the call and only when no insert runs meanwhile. hnsw_build_parallel,
 * hnsw_compact, hnsw_save_file, hnsw_load_file and hnsw_repair_live run it; st may be NULL. Returns 0, or -1
 * with *err (SHALE_NO_MEMORY). Cost: one pass over the layer-0 lists plus one
 * insert-sized search per unreached group. */
int hnsw_repair(HnswIndex *idx, HnswRepairStats *st, ShaleError *err);

/* The live graph's completeness check, run by hnsw_search_begin: when hnsw_insert ran since
 * the last repair (of any kind) began, runs hnsw_repair with hnsw_insert callers held off
 * (they wait; searches go on), so every node whose hnsw_insert returned before the call is
 * reachable when it returns. Concurrent callers are serialised and the later ones usually
 * find nothing left to do. A no-op (one atomic load) when no insert ran. st may be NULL.
 * Returns 0, or -1 with *err (SHALE_NO_MEMORY). */
int hnsw_repair_live(HnswIndex *idx, HnswRepairStats *st, ShaleError *err);

/* Sets *out to the number of live nodes a layer-0 walk from the entry point does not reach
 * (diagnostics and tests). Returns 0, or -1 with *err when out of memory. */
int hnsw_count_unreachable(HnswIndex *idx, uint64_t *out, ShaleError *err);

/* Bulk build: inserts n vectors (vecs[i*dims..]) with labels using nthreads threads
 * (CREATE INDEX on an existing table uses both cores). labels[i]/label_lens[i] are copied.
 * Ends with hnsw_repair (complete when no other insert ran during the build). */
int hnsw_build_parallel(HnswIndex *idx, const float *vecs, const void *const *labels,
                        const size_t *label_lens, size_t n, int nthreads, ShaleError *err);

#endif
