/* rel_idxguard.c -- the index-set guard: makes index builds (CREATE INDEX, btree or hnsw,
 * and the row rewrites of ALTER TABLE ... ADD PRIMARY KEY/UNIQUE) safe against concurrent
 * writers without table locks.
 *
 * The race. A writer maintains the indexes of the table descriptor its statement read
 * from the catalog. A writer whose statement began before an index build committed does
 * not know the new index, so its rows get no entry; and the build's scan does not see rows
 * committed after the build's snapshot.
 *
 * The scheme (all decisions under tm.mu, which also orders commit validation):
 *  - Each statement records tm.ddl_epoch at its start (rel_txn_statement_begin), BEFORE it
 *    fetches its catalog snapshot. Each write notes its table with the epoch of the first
 *    statement that wrote it (TblNote).
 *  - An index build first announces itself (rel_txn_index_build_begin): guard.pending++,
 *    then takes a fresh snapshot after waiting for every commit already numbered. Commits
 *    that validated before the announcement are therefore in the build's scan.
 *  - A writer's commit validates every noted table: fails with 40001 while another
 *    transaction's build on the table is pending, or when a build on it completed after
 *    the writer's statement began (note.epoch < guard.complete). So every commit after the
 *    announcement either knew the index or fails.
 *  - The builder's end (txn_free, after catalog_txn_end made its catalog change visible)
 *    does pending-- and, when it committed, complete = ++ddl_epoch. A statement that reads
 *    an epoch >= complete fetched its catalog after the change, so it knows the index.
 * Failing writers get 40001 "could not serialize access due to concurrent index creation"
 * and may retry (PostgreSQL blocks them instead with a SHARE lock).
 *
 * Cost. Writers pay one compare per row (the last note is the same table) and, at commit,
 * a scan of the guards (one per table that had an index build since startup) per written
 * table, only when guards exist. Guards are never pruned (bounded by the table count). */
#include <stdlib.h>
#include <string.h>

#include "facets/relational/rel_int.h"

static uint64_t table_id(const RelTxn *t, uint32_t relfilenode)
{
    return (uint64_t)t->opts.db << 32 | relfilenode;
}

void txn_note_table(RelTxn *t, uint32_t relfilenode)
{
    uint64_t id = table_id(t, relfilenode);
    if (t->n_wtabs && t->wtabs[t->n_wtabs - 1].id == id)
        return;
    for (size_t i = 0; i < t->n_wtabs; i++)
        if (t->wtabs[i].id == id)
            return;
    if (t->n_wtabs == t->cap_wtabs) {
        size_t cap = t->cap_wtabs ? t->cap_wtabs * 2 : 4;
        TblNote *n = realloc(t->wtabs, cap * sizeof *n);
        if (!n) {
            t->note_oom = true;
            return;
        }
        t->wtabs = n;
        t->cap_wtabs = cap;
    }
    t->wtabs[t->n_wtabs].id = id;
    t->wtabs[t->n_wtabs].epoch = t->stmt_epoch;
    t->n_wtabs++;
}

static IdxGuard *guard_find(TxnMgr *tm, uint64_t id)
{
    for (size_t i = 0; i < tm->n_guards; i++)
        if (tm->guards[i].id == id)
            return &tm->guards[i];
    return NULL;
}

static bool announced_by(const RelTxn *t, uint64_t id)
{
    for (size_t i = 0; i < t->n_announced; i++)
        if (t->announced[i] == id)
            return true;
    return false;
}

bool idxguard_commit_ok(TxnMgr *tm, const RelTxn *t)
{
    if (tm->n_guards == 0)
        return true;
    if (t->note_oom)
        return false;
    for (size_t i = 0; i < t->n_wtabs; i++) {
        const IdxGuard *g = guard_find(tm, t->wtabs[i].id);
        if (!g)
            continue;
        if (g->pending > (announced_by(t, g->id) ? 1 : 0))
            return false;
        if (t->wtabs[i].epoch < g->complete)
            return false;
    }
    return true;
}

int rel_txn_index_build_begin(RelTxn *t, const CatRelation *rel, SqlError *err)
{
    TxnMgr *tm = &t->rdb->tm;
    uint64_t id = table_id(t, rel->relfilenode);
    if (!announced_by(t, id)) {
        if (t->n_announced == t->cap_announced) {
            size_t cap = t->cap_announced ? t->cap_announced * 2 : 2;
            uint64_t *n = realloc(t->announced, cap * sizeof *n);
            if (!n)
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            t->announced = n;
            t->cap_announced = cap;
        }
        pthread_mutex_lock(&tm->mu);
        IdxGuard *g = guard_find(tm, id);
        if (!g && tm->n_guards == tm->cap_guards) {
            size_t cap = tm->cap_guards ? tm->cap_guards * 2 : 8;
            IdxGuard *n = realloc(tm->guards, cap * sizeof *n);
            if (!n) {
                pthread_mutex_unlock(&tm->mu);
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            }
            tm->guards = n;
            tm->cap_guards = cap;
        }
        if (!g) {
            g = &tm->guards[tm->n_guards++];
            g->id = id;
            g->complete = 0;
            g->pending = 0;
        }
        g->pending++;
        t->announced[t->n_announced++] = id;
        pthread_mutex_unlock(&tm->mu);
    }
    if (t->opts.isolation == REL_READ_COMMITTED) {
        txn_snapshot_refresh(t);
        return 0;
    }
    /* A transaction snapshot cannot move: the build is sound only if nothing committed
     * since it was taken (conservative: any commit, not only this table's). */
    pthread_mutex_lock(&tm->mu);
    bool moved = tm->last_ts > t->snap_ts;
    pthread_mutex_unlock(&tm->mu);
    if (moved) {
        sql_error_set(err, ERRCODE_SERIALIZATION_FAILURE,
                      "could not serialize access due to concurrent update");
        sql_error_detail(err, "Rows were committed after this transaction's snapshot while it builds an index on \"%s\".",
                         rel->name);
        sql_error_hint(err, "The transaction might succeed if retried.");
        return -1;
    }
    return 0;
}

void idxguard_txn_end(RelTxn *t, bool committed)
{
    if (t->n_announced) {
        TxnMgr *tm = &t->rdb->tm;
        pthread_mutex_lock(&tm->mu);
        uint64_t e = committed ? atomic_fetch_add(&tm->ddl_epoch, 1) + 1 : 0;
        for (size_t i = 0; i < t->n_announced; i++) {
            IdxGuard *g = guard_find(tm, t->announced[i]);
            if (!g)
                continue;
            g->pending--;
            if (committed)
                g->complete = e;
        }
        pthread_mutex_unlock(&tm->mu);
    }
    free(t->announced);
    free(t->wtabs);
    t->announced = NULL;
    t->wtabs = NULL;
    t->n_announced = t->n_wtabs = 0;
}
