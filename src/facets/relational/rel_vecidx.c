/* rel_vecidx.c -- transactional entries of vector (hnsw) indexes, written with the row.
 *
 * Key:   db|relfilenode|index oid|rowkey        (keycodec prefix, then the row key)
 * Value: the vector's Value bytes: dim:uint16 LE | 0:uint16 | dim x float32 LE
 * A row whose vector is NULL has no entry. The entries are the committed truth the SQL
 * layer's in-memory graph is reconciled against at load (sql/vecindex.c); they are never
 * read by queries (a query verifies each graph candidate against the row itself). */
#include <string.h>

#include "catalog/keycodec.h"
#include "facets/relational/rel_int.h"

void rel_db_set_vec_hook(RelDB *rdb, const RelVecHook *hook)
{
    rdb->vec_hook = *hook;
}

void *rel_db_vec_hook_arg(RelDB *rdb)
{
    return rdb->vec_hook.arg;
}

void **rel_txn_vec_state(RelTxn *t)
{
    return &t->vec_state;
}

bool rel_index_is_vector(const CatIndex *idx)
{
    return idx->am && strcmp(idx->am, "hnsw") == 0 && idx->ncols == 1 && idx->attnums[0] > 0;
}

static int entry_key(ShaleBuf *b, Oid db, const CatRelation *rel, const CatIndex *idx, const char *rk, size_t rklen)
{
    shale_buf_reset(b);
    keycodec_append_prefix(b, db, rel->relfilenode, idx->oid);
    shale_buf_append(b, rk, rklen);
    return b->oom ? -1 : 0;
}

int rel_vecidx_txn_entry(RelTxn *t, Oid db, uint32_t relfilenode, Oid idxoid, const char *rk, size_t rklen,
                         const char **vec, size_t *vlen)
{
    ShaleBuf k;
    shale_buf_init(&k);
    keycodec_append_prefix(&k, db, relfilenode, idxoid);
    shale_buf_append(&k, rk, rklen);
    int r = -1;
    const WbNode *n = k.oom ? NULL : wb_find(&t->wb, k.data, k.len);
    if (n && n->state == WB_PUT) {
        *vec = n->val;
        *vlen = n->vlen;
        r = 1;
    } else if (n && n->state == WB_DEL) {
        r = 0;
    }
    shale_buf_free(&k);
    return r;
}

int rel_vecidx_put(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const char *rk, size_t rklen,
                   const char *vec, size_t vlen, SqlError *err)
{
    ShaleBuf k;
    shale_buf_init(&k);
    int rc = entry_key(&k, t->opts.db, rel, idx, rk, rklen) != 0
                 ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory")
                 : txn_put(t, k.data, k.len, vec, vlen, err);
    shale_buf_free(&k);
    return rc;
}

static const Value *vec_of(const CatRelation *rel, const CatIndex *idx, const Value *row)
{
    if (!row)
        return NULL;
    int a = idx->attnums[0];
    if (a < 1 || a > rel->ncols || row[a - 1].null)
        return NULL;
    return &row[a - 1];
}

int rel_vecidx_maintain(RelTxn *t, const CatRelation *rel, const Value *row, const char *rk, size_t rklen,
                        const Value *old_row, const char *old_rk, size_t old_rklen, SqlError *err)
{
    int rc = 0;
    ShaleBuf k;
    shale_buf_init(&k);
    for (int i = 0; i < rel->nindexes && rc == 0; i++) {
        const CatIndex *idx = &rel->indexes[i];
        if (!rel_index_is_vector(idx))
            continue;
        const Value *nv = vec_of(rel, idx, row), *ov = vec_of(rel, idx, old_row);
        bool same_key = row && old_row && rklen == old_rklen && memcmp(rk, old_rk, rklen) == 0;
        if (nv && ov && same_key && nv->u.s.n == ov->u.s.n && memcmp(nv->u.s.p, ov->u.s.p, nv->u.s.n) == 0)
            continue;  /* unchanged entry */
        if (ov && !(nv && same_key)) {
            if (entry_key(&k, t->opts.db, rel, idx, old_rk, old_rklen) != 0) {
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                break;
            }
            rc = txn_del(t, k.data, k.len, err);
            if (rc == 0 && t->rdb->vec_hook.entry_del)
                t->rdb->vec_hook.entry_del(t->rdb->vec_hook.arg, t, t->opts.db, rel, idx, old_rk, old_rklen);
        }
        if (rc == 0 && nv) {
            rc = rel_vecidx_put(t, rel, idx, rk, rklen, nv->u.s.p, nv->u.s.n, err);
            if (rc == 0 && t->rdb->vec_hook.entry_put)
                t->rdb->vec_hook.entry_put(t->rdb->vec_hook.arg, t, t->opts.db, rel, idx, rk, rklen, nv->u.s.p,
                                           nv->u.s.n, ov && same_key);
        }
    }
    shale_buf_free(&k);
    return rc;
}

int rel_vecidx_scan(RelDB *rdb, Oid db, const CatRelation *rel, const CatIndex *idx, RelVecEntryFn fn,
                    void *arg, SqlError *err)
{
    ShaleBuf lo, hi;
    shale_buf_init(&lo);
    shale_buf_init(&hi);
    keycodec_append_prefix(&lo, db, rel->relfilenode, idx->oid);
    keycodec_append_prefix(&hi, db, rel->relfilenode, idx->oid + 1);
    int rc = 0;
    ViewIter vi;
    WriteBuf none;                /* the iterator merges a write buffer: an empty one */
    wb_init(&none);
    if (lo.oom || hi.oom) {
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    } else if (!view_iter_open(&vi, rdb->db, NULL, &none, lo.data, lo.len, hi.data, hi.len, true, false)) {
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    } else {
        for (; vi.valid && rc == 0; view_iter_next(&vi)) {
            if (vi.klen < KEY_PREFIX_LEN)
                continue;
            rc = fn(arg, vi.key + KEY_PREFIX_LEN, vi.klen - KEY_PREFIX_LEN, vi.val, vi.vlen, err);
        }
        if (rc == 0 && vi.failed)
            rc = SQL_ERR(err, DATA_CORRUPTED, "%s", vi.serr.msg);
        view_iter_close(&vi);
    }
    wb_free(&none);
    shale_buf_free(&lo);
    shale_buf_free(&hi);
    return rc;
}
