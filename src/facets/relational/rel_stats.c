/* rel_stats.c -- planner statistics of tables (ANALYZE's results), stored durably in the
 * meta range and cached in memory. The blob is opaque here: sql/analyze.c defines its bytes.
 *
 * Meta key (KEY_DB_META range, written outside transactions, like rel_seq.c's keys):
 *   FFFFFFFF | 00000003 | db | table oid   -> the statistics blob
 * Not transactional: ANALYZE's results stay even when its transaction rolls back (they
 * are estimates; PostgreSQL's are transactional). Keyed by table OID, so TRUNCATE keeps
 * them (as PostgreSQL does); a dropped table's key stays behind (OIDs are not reused).
 *
 * The cache (guarded by rdb->seq_mu) also remembers "no statistics", so planning a query
 * on a table never analyzed reads the LSM once per process and table. */
#include <stdlib.h>
#include <string.h>

#include "catalog/keycodec.h"
#include "facets/relational/rel_int.h"
#include "util/coding.h"

#define META_STATS 3u

typedef struct RelStatsEntry {
    struct RelStatsEntry *next;
    Oid db, oid;
    char *blob;                /* malloc'd, owned by the entry; NULL = none stored */
    size_t n;
} RelStatsEntry;

static void stats_key(char *k, Oid db, Oid oid)
{
    keycodec_put_u32be(k, KEY_DB_META);
    keycodec_put_u32be(k + 4, META_STATS);
    keycodec_put_u32be(k + 8, db);
    keycodec_put_u32be(k + 12, oid);
}

void rel_stats_free_all(RelDB *rdb)
{
    while (rdb->stats) {
        RelStatsEntry *e = rdb->stats;
        rdb->stats = e->next;
        free(e->blob);
        free(e);
    }
}

/* seq_mu held. NULL on OOM. */
static RelStatsEntry *stats_entry(RelDB *rdb, Oid db, Oid oid)
{
    for (RelStatsEntry *e = rdb->stats; e; e = e->next)
        if (e->db == db && e->oid == oid)
            return e;
    RelStatsEntry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->db = db;
    e->oid = oid;
    char k[16], *v = NULL;
    size_t vlen = 0;
    stats_key(k, db, oid);
    if (shale_db_get(rdb->db, NULL, k, sizeof k, &v, &vlen, NULL) == SHALE_OK && vlen > 0) {
        e->blob = v;
        e->n = vlen;
    } else {
        free(v);
    }
    e->next = rdb->stats;
    rdb->stats = e;
    return e;
}

int rel_stats_put(RelTxn *t, const CatRelation *rel, int64_t rows, const char *blob, size_t n, SqlError *err)
{
    RelDB *rdb = t->rdb;
    Oid db = t->opts.db;
    char k[16];
    stats_key(k, db, rel->oid);
    ShaleError se;
    if (shale_db_put(rdb->db, k, sizeof k, blob, n, true, &se) != SHALE_OK)
        return sql_error_from_storage(err, &se);
    char *copy = malloc(n ? n : 1);
    if (!copy)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memcpy(copy, blob, n);
    pthread_mutex_lock(&rdb->seq_mu);
    RelStatsEntry *e = stats_entry(rdb, db, rel->oid);
    if (e) {
        free(e->blob);
        e->blob = copy;
        e->n = n;
        copy = NULL;
    }
    pthread_mutex_unlock(&rdb->seq_mu);
    free(copy);
    /* the exact count seen by ANALYZE replaces the drifting estimate; rows includes the
     * transaction's own inserts and deletes, whose delta its commit applies again */
    uint64_t id = ((uint64_t)db << 32) | rel->relfilenode;
    for (size_t i = 0; i < t->n_deltas; i++)
        if (t->deltas[i].id == id)
            rows -= t->deltas[i].delta;
    counts_set(rdb, id, rows);
    return 0;
}

int rel_stats_get(RelDB *rdb, Oid db, Oid oid, ShaleArena *arena, const char **blob, size_t *n)
{
    int found = 0;
    pthread_mutex_lock(&rdb->seq_mu);
    RelStatsEntry *e = stats_entry(rdb, db, oid);
    if (e && e->blob) {
        char *c = shale_arena_alloc(arena, e->n);
        if (c) {
            memcpy(c, e->blob, e->n);
            *blob = c;
            *n = e->n;
            found = 1;
        }
    }
    pthread_mutex_unlock(&rdb->seq_mu);
    return found;
}
