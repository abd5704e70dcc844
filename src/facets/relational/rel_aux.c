/* rel_aux.c -- auxiliary records (relational.h, "auxiliary records"): thin wrappers that put
 * a facet's own keys into the transaction's write buffer and read them back through the
 * transaction's view, so they share the rows' commit (one WAL record) and abort. */
#include "facets/relational/rel_int.h"

int rel_txn_put_aux(RelTxn *t, const char *key, size_t klen, const char *val, size_t vlen, SqlError *err)
{
    return txn_put(t, key, klen, val, vlen, err);
}

int rel_txn_delete_aux(RelTxn *t, const char *key, size_t klen, SqlError *err)
{
    return txn_del(t, key, klen, err);
}

int rel_aux_get(RelTxn *t, const char *key, size_t klen, bool latest, ShaleBuf *val, SqlError *err)
{
    return txn_get(t, key, klen, latest, val, err);
}

int rel_aux_scan(RelTxn *t, const char *lo, size_t lolen, const char *hi, size_t hilen, CatScanFn fn, void *arg,
                 SqlError *err)
{
    CatTxn *ct = rel_txn_catalog(t);
    return ct->ops->scan(ct->impl, lo, lolen, hi, hilen, fn, arg, err);
}
