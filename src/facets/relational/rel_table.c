/* rel_table.c -- table access over transactions: row keys, secondary index entries, unique
 * checks, insert/update/delete, point lookups, row locks and scans.
 *
 * Keys (keycodec.h): row      db|relfilenode|0|rowkey               -> rowcodec row
 *                    index    db|relfilenode|index oid|idxcols|rowkey -> empty
 * rowkey = the primary-key columns (with the pk index's column flags), or the hidden row id
 * (int8, key-encoded) for tables without a primary key.
 *
 * Uniqueness: an INSERT (or an UPDATE changing the key) takes an exclusive row lock on the
 * unique key itself (row key, or db|relfilenode|index|idxcols for a unique secondary index),
 * then looks for an existing entry in the newest committed state plus its own writes. The
 * lock serialises concurrent inserters of one key (the second waits, then sees the first's
 * committed row: 23505, or nothing if it aborted), as in PostgreSQL. Index entries whose
 * columns contain a NULL are never unique (NULLS DISTINCT) unless nulls_not_distinct. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/keycodec.h"
#include "catalog/rowcodec.h"
#include "facets/relational/rel_int.h"

#define MAX_INDEX_COLS 32

static bool is_btree(const CatIndex *idx)
{
    return !idx->am || strcmp(idx->am, "btree") == 0;
}

static int oom(SqlError *err)
{
    return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
}

static int key_err(SqlError *err, const ShaleError *se)
{
    if (se->code == SHALE_NOT_SUPPORTED)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "%s", se->msg);
    return SQL_ERR(err, DATA_CORRUPTED, "%s", se->msg);
}

void rel_row_init(RelRow *r)
{
    memset(r, 0, sizeof *r);
    shale_buf_init(&r->key);
    shale_buf_init(&r->ikey);
    shale_buf_init(&r->data);
}

void rel_row_free(RelRow *r)
{
    shale_buf_free(&r->key);
    shale_buf_free(&r->ikey);
    shale_buf_free(&r->data);
    free(r->vals);
    r->vals = NULL;
    r->cap = r->nvals = 0;
}

static void prefix(ShaleBuf *b, Oid db, const CatRelation *rel, uint32_t index)
{
    shale_buf_reset(b);
    keycodec_append_prefix(b, db, rel->relfilenode, index);
}

/* Index column i of idx for row (an expression column asks the executor's hook). */
static int index_value(RelTxn *t, const CatRelation *rel, const CatIndex *idx, int i,
                       const Value *row, Value *out, SqlError *err)
{
    int16_t a = idx->attnums[i];
    if (a > 0 && a <= rel->ncols) {
        *out = row[a - 1];
        out->type = rel->cols[a - 1].type;
        return 0;
    }
    if (t && t->opts.hooks.index_expr)
        return t->opts.hooks.index_expr(t->opts.hooks.arg, rel, idx, i, row, out, err);
    return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "expression index \"%s\" needs the executor's hook", idx->name);
}

static int append_index_cols(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const Value *row,
                             ShaleBuf *out, bool *has_null, SqlError *err)
{
    if (has_null)
        *has_null = false;
    for (int i = 0; i < idx->ncols; i++) {
        Value v;
        if (index_value(t, rel, idx, i, row, &v, err) != 0)
            return -1;
        if (v.null && has_null)
            *has_null = true;
        ShaleError se;
        if (keycodec_append_value(out, &v, idx->col_flags ? idx->col_flags[i] : 0, &se) != SHALE_OK)
            return key_err(err, &se);
    }
    return out->oom ? oom(err) : 0;
}

int rel_encode_row_key(const CatRelation *rel, const Value *row, ShaleBuf *out, SqlError *err)
{
    const CatIndex *pk = catrel_primary_index(rel);
    if (!pk)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "table \"%s\" has no primary key", rel->name);
    return append_index_cols(NULL, rel, pk, row, out, NULL, err);
}

int rel_encode_index_values(const CatRelation *rel, const CatIndex *idx, const Value *vals,
                            int nvals, ShaleBuf *out, SqlError *err)
{
    if (!idx)
        idx = catrel_primary_index(rel);
    if (!idx) {
        /* hidden row id: the "index" is the int8 row id */
        for (int i = 0; i < nvals && i < 1; i++) {
            Value v = vals[i];
            ShaleError se;
            if (keycodec_append_value(out, &v, 0, &se) != SHALE_OK)
                return key_err(err, &se);
        }
        return out->oom ? oom(err) : 0;
    }
    for (int i = 0; i < nvals && i < idx->ncols; i++) {
        Value v = vals[i];
        int16_t a = idx->attnums[i];
        if (a > 0 && a <= rel->ncols)
            v.type = rel->cols[a - 1].type;
        ShaleError se;
        if (keycodec_append_value(out, &v, idx->col_flags ? idx->col_flags[i] : 0, &se) != SHALE_OK)
            return key_err(err, &se);
    }
    return out->oom ? oom(err) : 0;
}

static Oid index_col_type(const CatRelation *rel, const CatIndex *idx, int i, const Value *hint)
{
    int16_t a = idx->attnums[i];
    if (a > 0 && a <= rel->ncols)
        return rel->cols[a - 1].type;
    return hint ? hint->type : TEXTOID;
}

int rel_decode_index_values(const CatRelation *rel, const CatIndex *idx, const char *ikey,
                            size_t n, ShaleArena *arena, Value *out, SqlError *err)
{
    const char *p = ikey, *end = ikey + n;
    for (int i = 0; i < idx->ncols; i++) {
        ShaleError se;
        if (keycodec_decode_value(&p, end, index_col_type(rel, idx, i, NULL),
                                  idx->col_flags ? idx->col_flags[i] : 0, arena, &out[i], &se) != SHALE_OK)
            return key_err(err, &se);
    }
    return 0;
}

/* Length of the index-column part of an index entry suffix; types[i] = type of column i. */
static int skip_index_cols(const CatIndex *idx, const Oid *types, const char *p, const char *end,
                           const char **after, SqlError *err)
{
    for (int i = 0; i < idx->ncols; i++) {
        ShaleError se;
        if (keycodec_skip_value(&p, end, types[i], idx->col_flags ? idx->col_flags[i] : 0, &se) != SHALE_OK)
            return key_err(err, &se);
    }
    *after = p;
    return 0;
}

/* Types of idx's columns into a malloc'd array (caller frees). An expression column's type
 * is that of the executor hook's value on an all-NULL row (the catalog keeps only text). */
static Oid *index_col_types(RelTxn *t, const CatRelation *rel, const CatIndex *idx, SqlError *err)
{
    Oid *types = calloc((size_t)(idx->ncols ? idx->ncols : 1), sizeof(Oid));
    if (!types) {
        oom(err);
        return NULL;
    }
    Value *nulls = NULL;
    for (int i = 0; i < idx->ncols; i++) {
        int16_t a = idx->attnums[i];
        if (a > 0 && a <= rel->ncols) {
            types[i] = rel->cols[a - 1].type;
            continue;
        }
        if (!nulls && !(nulls = calloc((size_t)(rel->ncols ? rel->ncols : 1), sizeof(Value)))) {
            free(types);
            oom(err);
            return NULL;
        }
        for (int c = 0; c < rel->ncols; c++) {
            nulls[c].null = true;
            nulls[c].type = rel->cols[c].type;
        }
        Value v;
        if (index_value(t, rel, idx, i, nulls, &v, err) != 0) {
            free(nulls);
            free(types);
            return NULL;
        }
        types[i] = v.type != INVALIDOID ? v.type : TEXTOID;
    }
    free(nulls);
    return types;
}

/* ---- row buffers -------------------------------------------------------------------------- */

static int row_decode(const CatRelation *rel, RelRow *out, SqlError *err)
{
    if (out->cap < rel->ncols) {
        Value *v = realloc(out->vals, (size_t)rel->ncols * sizeof *v);
        if (!v)
            return oom(err);
        out->vals = v;
        out->cap = rel->ncols;
    }
    out->nvals = rel->ncols;
    ShaleError se;
    if (rowcodec_decode(&rel->row_schema, out->data.data, out->data.len, out->vals, NULL, &se) != SHALE_OK)
        return SQL_ERR(err, DATA_CORRUPTED, "table \"%s\": %s", rel->name, se.msg);
    return 0;
}

/* Reads the row at rowkey into out (view: snapshot or latest). 1/0/-1. */
static int row_read(RelTxn *t, const CatRelation *rel, const char *key, size_t klen, bool latest,
                    RelRow *out, SqlError *err)
{
    ShaleBuf *k = &t->scratch;
    prefix(k, t->opts.db, rel, KEY_INDEX_ROWS);
    shale_buf_append(k, key, klen);
    if (k->oom)
        return oom(err);
    int rc = txn_get(t, k->data, k->len, latest, &out->data, err);
    if (rc != 1)
        return rc;
    shale_buf_reset(&out->key);
    shale_buf_append(&out->key, key, klen);
    if (out->key.oom)
        return oom(err);
    return row_decode(rel, out, err) == 0 ? 1 : -1;
}

int rel_get(RelTxn *t, const CatRelation *rel, const char *key, size_t klen, RelRow *out, SqlError *err)
{
    if (txn_ensure_snapshot(t, err) != 0)
        return -1;
    return row_read(t, rel, key, klen, false, out, err);
}

/* ---- locking ---------------------------------------------------------------------------------- */

static int lock_storage_key(RelTxn *t, const CatRelation *rel, const char *key, size_t klen,
                            RelLockMode mode, ShaleBuf *full, SqlError *err)
{
    prefix(full, t->opts.db, rel, KEY_INDEX_ROWS);
    shale_buf_append(full, key, klen);
    if (full->oom)
        return oom(err);
    return lock_acquire(t, full->data, full->len, mode, err);
}

static int serialization_error(SqlError *err, bool deleted)
{
    sql_error_set(err, ERRCODE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent %s",
                  deleted ? "delete" : "update");
    return -1;
}

int rel_lock_row(RelTxn *t, const CatRelation *rel, const char *key, size_t klen,
                 RelLockMode mode, RelRow *latest, RelLockResult *res, SqlError *err)
{
    if (txn_ensure_snapshot(t, err) != 0)
        return -1;
    ShaleBuf full;
    shale_buf_init(&full);
    int rc = lock_storage_key(t, rel, key, klen, mode == REL_LOCK_NONE ? REL_LOCK_SHARE : mode, &full, err);
    if (rc != 0) {
        shale_buf_free(&full);
        return -1;
    }
    uint64_t cts = txn_key_commit_ts(t->rdb, full.data, full.len);
    bool changed = cts > t->snap_ts;
    shale_buf_free(&full);
    RelRow tmp;
    RelRow *dst = latest;
    if (!dst) {
        rel_row_init(&tmp);
        dst = &tmp;
    }
    int found = row_read(t, rel, key, klen, true, dst, err);
    if (dst == &tmp)
        rel_row_free(&tmp);
    if (found < 0)
        return -1;
    if (changed && t->opts.isolation != REL_READ_COMMITTED)
        return serialization_error(err, found == 0);
    if (res)
        *res = found == 0 ? REL_ROW_DELETED : changed ? REL_ROW_UPDATED : REL_ROW_OK;
    return 0;
}

/* ---- unique checks ------------------------------------------------------------------------------ */

static void render_value(RelTxn *t, const Value *v, ShaleBuf *out)
{
    if (v->null) {
        shale_buf_append(out, "null", 4);
        return;
    }
    if (t->opts.hooks.value_out) {
        t->opts.hooks.value_out(t->opts.hooks.arg, v, out);
        return;
    }
    char tmp[64];
    switch (v->type) {
    case BOOLOID:
        shale_buf_append(out, v->u.b ? "t" : "f", 1);
        return;
    case INT2OID: case INT4OID: case INT8OID: case OIDOID:
        snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
        shale_buf_append(out, tmp, strlen(tmp));
        return;
    case TEXTOID: case VARCHAROID: case BPCHAROID: case NAMEOID:
        shale_buf_append(out, v->u.s.p, v->u.s.n);
        return;
    case UUIDOID:
        for (uint32_t i = 0; i < v->u.s.n && i < 16; i++) {
            snprintf(tmp, sizeof tmp, "%s%02x", (i == 4 || i == 6 || i == 8 || i == 10) ? "-" : "",
                     (uint8_t)v->u.s.p[i]);
            shale_buf_append(out, tmp, strlen(tmp));
        }
        return;
    default:
        shale_buf_append(out, "?", 1);
    }
}

/* "name(...)" with the parenthesis closing at the end of text. */
static bool looks_like_call(const char *text)
{
    const char *p = text;
    while (*p == '_' || *p == '.' || *p == '"' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
           (p > text && *p >= '0' && *p <= '9'))
        p++;
    if (p == text || *p != '(')
        return false;
    int depth = 0;
    for (; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p[1] == '\0';
    }
    return false;
}

static int unique_violation(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const Value *row, SqlError *err)
{
    sql_error_set(err, ERRCODE_UNIQUE_VIOLATION, "duplicate key value violates unique constraint \"%s\"", idx->name);
    /* the schema is the executor's to add (sql_error_object: it has the catalog snapshot) */
    sql_error_object(err, NULL, rel->name, NULL, NULL, idx->name);
    ShaleBuf cols, vals;
    shale_buf_init(&cols);
    shale_buf_init(&vals);
    for (int i = 0; i < idx->ncols; i++) {
        if (i) {
            shale_buf_append(&cols, ", ", 2);
            shale_buf_append(&vals, ", ", 2);
        }
        int16_t a = idx->attnums[i];
        const char *name = (a > 0 && a <= rel->ncols) ? rel->cols[a - 1].name
                         : (idx->exprs && idx->exprs[i]) ? idx->exprs[i] : "?";
        /* as pg_get_indexdef prints the column: a function call bare, other expressions
         * in parentheses */
        bool paren = a <= 0 && !looks_like_call(name);
        if (paren)
            shale_buf_append(&cols, "(", 1);
        shale_buf_append(&cols, name, strlen(name));
        if (paren)
            shale_buf_append(&cols, ")", 1);
        Value v;
        SqlError tmp;
        if (index_value(t, rel, idx, i, row, &v, &tmp) == 0)
            render_value(t, &v, &vals);
    }
    if (err && !cols.oom && !vals.oom)
        sql_error_detail(err, "Key (%.*s)=(%.*s) already exists.", (int)cols.len, cols.data, (int)vals.len, vals.data);
    shale_buf_free(&cols);
    shale_buf_free(&vals);
    return -1;
}

/* Locks the unique key and checks it: 1 = an entry exists (its row key copied into
 * conflict_key if non-NULL), 0 = free, -1 error. For the primary key `ukey` is the row key. */
static int unique_probe(RelTxn *t, const CatRelation *rel, const CatIndex *idx, bool primary,
                        const char *ukey, size_t ulen, ShaleBuf *conflict_key, SqlError *err)
{
    ShaleBuf k;
    shale_buf_init(&k);
    prefix(&k, t->opts.db, rel, primary ? KEY_INDEX_ROWS : idx->oid);
    shale_buf_append(&k, ukey, ulen);
    if (k.oom) {
        shale_buf_free(&k);
        return oom(err);
    }
    int rc = lock_acquire(t, k.data, k.len, REL_LOCK_EXCLUSIVE, err);
    if (rc == 0 && primary) {
        ShaleBuf v;
        shale_buf_init(&v);
        rc = txn_get(t, k.data, k.len, true, &v, err);
        shale_buf_free(&v);
        if (rc == 1 && conflict_key) {
            shale_buf_reset(conflict_key);
            shale_buf_append(conflict_key, ukey, ulen);
        }
    } else if (rc == 0) {
        ShaleBuf hi;
        shale_buf_init(&hi);
        shale_buf_append(&hi, k.data, k.len);
        bool bounded = keycodec_prefix_successor(&hi);
        ViewIter vi;
        if (hi.oom || !view_iter_open(&vi, t->rdb->db, NULL, &t->wb, k.data, k.len, hi.data, hi.len, bounded, false)) {
            rc = oom(err);
        } else {
            rc = vi.valid ? 1 : 0;
            if (vi.failed)
                rc = sql_error_from_storage(err, &vi.serr);
            if (rc == 1 && conflict_key) {
                shale_buf_reset(conflict_key);
                shale_buf_append(conflict_key, vi.key + k.len, vi.klen - k.len);
            }
        }
        view_iter_close(&vi);
        shale_buf_free(&hi);
    }
    shale_buf_free(&k);
    return rc;
}

/* Entries to maintain: btree indexes other than the primary key, honouring partial predicates. */
static int index_applies(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const Value *row,
                         bool *applies, SqlError *err)
{
    *applies = false;
    if (idx->primary || !is_btree(idx))
        return 0;
    if (idx->predicate && t->opts.hooks.index_pred)
        return t->opts.hooks.index_pred(t->opts.hooks.arg, rel, idx, row, applies, err);
    *applies = true;
    return 0;
}

/* Builds the full index entry key for row into out; *ulen = length of the unique prefix. */
static int index_entry(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const Value *row,
                       const char *rowkey, size_t rklen, ShaleBuf *out, size_t *ulen, bool *has_null, SqlError *err)
{
    prefix(out, t->opts.db, rel, idx->oid);
    if (append_index_cols(t, rel, idx, row, out, has_null, err) != 0)
        return -1;
    *ulen = out->len;
    shale_buf_append(out, rowkey, rklen);
    return out->oom ? oom(err) : 0;
}

static int rowkey_for_insert(RelTxn *t, const CatRelation *rel, const Value *row, ShaleBuf *rk, SqlError *err)
{
    shale_buf_reset(rk);
    if (rel->pk_index >= 0)
        return rel_encode_row_key(rel, row, rk, err);
    int64_t id = rowid_next(t->rdb, t->opts.db, rel->relfilenode, err);
    if (id < 0)
        return -1;
    Value v = value_int(INT8OID, id);
    ShaleError se;
    if (keycodec_append_value(rk, &v, 0, &se) != SHALE_OK)
        return key_err(err, &se);
    return rk->oom ? oom(err) : 0;
}

static int put_row(RelTxn *t, const CatRelation *rel, const char *rk, size_t rklen, const Value *row, SqlError *err)
{
    ShaleBuf k, v;
    shale_buf_init(&k);
    shale_buf_init(&v);
    prefix(&k, t->opts.db, rel, KEY_INDEX_ROWS);
    shale_buf_append(&k, rk, rklen);
    rowcodec_encode(&v, &rel->row_schema, row);
    int rc = (k.oom || v.oom) ? oom(err) : txn_put(t, k.data, k.len, v.data, v.len, err);
    shale_buf_free(&k);
    shale_buf_free(&v);
    return rc;
}

/* Adds index entries of row (unique checks included). 1 = conflict (on *cidx), 0, -1. */
static int add_index_entries(RelTxn *t, const CatRelation *rel, const Value *row, const char *rk, size_t rklen,
                             const Value *old_row, const char *old_rk, size_t old_rklen,
                             const CatIndex **cidx, ShaleBuf *ckey, SqlError *err)
{
    ShaleBuf e, oe;
    shale_buf_init(&e);
    shale_buf_init(&oe);
    int rc = 0;
    for (int i = 0; i < rel->nindexes && rc == 0; i++) {
        const CatIndex *idx = &rel->indexes[i];
        bool applies, has_null, old_applies = false, onull;
        size_t ulen, oulen = 0;
        if (index_applies(t, rel, idx, row, &applies, err) != 0) { rc = -1; break; }
        if (old_row && index_applies(t, rel, idx, old_row, &old_applies, err) != 0) { rc = -1; break; }
        if (old_row && old_applies) {
            if (index_entry(t, rel, idx, old_row, old_rk, old_rklen, &oe, &oulen, &onull, err) != 0) { rc = -1; break; }
        }
        if (applies && index_entry(t, rel, idx, row, rk, rklen, &e, &ulen, &has_null, err) != 0) { rc = -1; break; }
        if (old_applies && applies && e.len == oe.len && memcmp(e.data, oe.data, e.len) == 0)
            continue;  /* unchanged entry */
        if (old_applies && (rc = txn_del(t, oe.data, oe.len, err)) != 0)
            break;
        if (!applies)
            continue;
        bool same_unique = old_applies && ulen == oulen && memcmp(e.data, oe.data, ulen) == 0;
        if (idx->unique && (!has_null || idx->nulls_not_distinct) && !same_unique) {
            int u = unique_probe(t, rel, idx, false, e.data + KEY_PREFIX_LEN, ulen - KEY_PREFIX_LEN, ckey, err);
            if (u != 0) {
                if (u == 1)
                    *cidx = idx;
                rc = u;
                break;
            }
        }
        rc = txn_put(t, e.data, e.len, "", 0, err);
    }
    shale_buf_free(&e);
    shale_buf_free(&oe);
    return rc;
}

int rel_insert(RelTxn *t, const CatRelation *rel, const Value *row, RelConflict *conflict,
               ShaleBuf *key_out, SqlError *err)
{
    if (txn_check_writable(t, err) != 0)
        return -1;
    txn_note_table(t, rel->relfilenode);  /* index-set guard (rel_idxguard.c) */
    ShaleBuf rk, ck;
    shale_buf_init(&rk);
    shale_buf_init(&ck);
    const CatIndex *cidx = NULL;
    uint32_t sp = rel_txn_savepoint(t);   /* a conflict undoes the partial insert */
    int rc = rowkey_for_insert(t, rel, row, &rk, err);
    if (rc == 0 && rel->pk_index >= 0) {
        rc = unique_probe(t, rel, &rel->indexes[rel->pk_index], true, rk.data, rk.len, &ck, err);
        if (rc == 1)
            cidx = &rel->indexes[rel->pk_index];
    }
    if (rc == 0)
        rc = add_index_entries(t, rel, row, rk.data, rk.len, NULL, NULL, 0, &cidx, &ck, err);
    if (rc == 0)
        rc = put_row(t, rel, rk.data, rk.len, row, err);
    if (rc == 0)
        rc = rel_vecidx_maintain(t, rel, row, rk.data, rk.len, NULL, NULL, 0, err);
    if (rc == 1) {
        (void)rel_txn_rollback_to(t, sp, NULL);
        if (conflict) {
            conflict->index = cidx;
            shale_buf_reset(&conflict->key);
            shale_buf_append(&conflict->key, ck.data, ck.len);
            RelLockResult lr;
            if (rel_lock_row(t, rel, ck.data, ck.len, REL_LOCK_EXCLUSIVE, NULL, &lr, err) != 0)
                rc = -1;
        } else {
            rc = unique_violation(t, rel, cidx, row, err);
        }
    }
    if (sp)
        (void)rel_txn_release(t, sp, NULL);
    if (rc == 0) {
        txn_count_delta(t, t->opts.db, rel->relfilenode, 1);
        if (key_out) {
            shale_buf_reset(key_out);
            shale_buf_append(key_out, rk.data, rk.len);
        }
    }
    shale_buf_free(&rk);
    shale_buf_free(&ck);
    return rc;
}

static int lock_for_write(RelTxn *t, const CatRelation *rel, const char *key, size_t klen, SqlError *err)
{
    ShaleBuf full;
    shale_buf_init(&full);
    int rc = lock_storage_key(t, rel, key, klen, REL_LOCK_EXCLUSIVE, &full, err);
    if (rc == 0 && t->opts.isolation != REL_READ_COMMITTED &&
        txn_key_commit_ts(t->rdb, full.data, full.len) > t->snap_ts) {
        ShaleBuf v;
        shale_buf_init(&v);
        int f = txn_get(t, full.data, full.len, true, &v, err);
        shale_buf_free(&v);
        rc = f < 0 ? -1 : serialization_error(err, f == 0);
    }
    shale_buf_free(&full);
    return rc;
}

int rel_update(RelTxn *t, const CatRelation *rel, const char *key, size_t klen,
               const Value *old_row, const Value *new_row, SqlError *err)
{
    if (txn_check_writable(t, err) != 0 || lock_for_write(t, rel, key, klen, err) != 0)
        return -1;
    txn_note_table(t, rel->relfilenode);  /* index-set guard (rel_idxguard.c) */
    ShaleBuf nk, ck;
    shale_buf_init(&nk);
    shale_buf_init(&ck);
    const CatIndex *cidx = NULL;
    int rc = 0;
    if (rel->pk_index >= 0)
        rc = rel_encode_row_key(rel, new_row, &nk, err);
    else
        shale_buf_append(&nk, key, klen);
    if (rc == 0 && nk.oom)
        rc = oom(err);
    bool moved = rc == 0 && (nk.len != klen || memcmp(nk.data, key, klen) != 0);
    if (moved) {
        rc = unique_probe(t, rel, &rel->indexes[rel->pk_index], true, nk.data, nk.len, &ck, err);
        if (rc == 1)
            cidx = &rel->indexes[rel->pk_index];
        if (rc == 0) {
            ShaleBuf k;
            shale_buf_init(&k);
            prefix(&k, t->opts.db, rel, KEY_INDEX_ROWS);
            shale_buf_append(&k, key, klen);
            rc = k.oom ? oom(err) : txn_del(t, k.data, k.len, err);
            shale_buf_free(&k);
        }
    }
    if (rc == 0)
        rc = add_index_entries(t, rel, new_row, nk.data, nk.len, old_row, key, klen, &cidx, &ck, err);
    if (rc == 0)
        rc = put_row(t, rel, nk.data, nk.len, new_row, err);
    if (rc == 0)
        rc = rel_vecidx_maintain(t, rel, new_row, nk.data, nk.len, old_row, key, klen, err);
    if (rc == 1)
        rc = unique_violation(t, rel, cidx, new_row, err);
    shale_buf_free(&nk);
    shale_buf_free(&ck);
    return rc;
}

int rel_delete(RelTxn *t, const CatRelation *rel, const char *key, size_t klen,
               const Value *old_row, SqlError *err)
{
    if (txn_check_writable(t, err) != 0 || lock_for_write(t, rel, key, klen, err) != 0)
        return -1;
    txn_note_table(t, rel->relfilenode);  /* index-set guard (rel_idxguard.c) */
    ShaleBuf k;
    shale_buf_init(&k);
    int rc = 0;
    for (int i = 0; i < rel->nindexes && rc == 0; i++) {
        const CatIndex *idx = &rel->indexes[i];
        bool applies, has_null;
        size_t ulen;
        if ((rc = index_applies(t, rel, idx, old_row, &applies, err)) != 0 || !applies)
            continue;
        if ((rc = index_entry(t, rel, idx, old_row, key, klen, &k, &ulen, &has_null, err)) == 0)
            rc = txn_del(t, k.data, k.len, err);
    }
    if (rc == 0) {
        prefix(&k, t->opts.db, rel, KEY_INDEX_ROWS);
        shale_buf_append(&k, key, klen);
        rc = k.oom ? oom(err) : txn_del(t, k.data, k.len, err);
    }
    if (rc == 0)
        rc = rel_vecidx_maintain(t, rel, NULL, NULL, 0, old_row, key, klen, err);
    if (rc == 0)
        txn_count_delta(t, t->opts.db, rel->relfilenode, -1);
    shale_buf_free(&k);
    return rc;
}

int rel_lookup_unique(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const Value *vals,
                      RelLockMode lock, RelRow *out, SqlError *err)
{
    if (txn_ensure_snapshot(t, err) != 0)
        return -1;
    if (!idx)
        idx = catrel_primary_index(rel);
    if (!idx)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "table \"%s\" has no primary key", rel->name);
    ShaleBuf enc;
    shale_buf_init(&enc);
    int rc = rel_encode_index_values(rel, idx, vals, idx->ncols, &enc, err);
    if (rc == 0 && !idx->primary) {
        RelScanSpec spec = { idx, enc.data, enc.len, true, enc.data, enc.len, true, false, true };
        RelScan *s;
        rc = rel_scan_open(t, rel, &spec, &s, err);
        if (rc == 0) {
            rc = rel_scan_next(s, out, err);
            rel_scan_close(s);
        }
        if (rc == 1) {
            shale_buf_reset(&enc);
            shale_buf_append(&enc, out->key.data, out->key.len);
            rc = enc.oom ? oom(err) : 0;
        } else {
            shale_buf_free(&enc);
            return rc;
        }
    }
    if (rc == 0) {
        if (lock != REL_LOCK_NONE) {
            RelLockResult lr;
            rc = rel_lock_row(t, rel, enc.data, enc.len, lock, out, &lr, err);
            if (rc == 0)
                rc = lr == REL_ROW_DELETED ? 0 : 1;
        } else {
            rc = row_read(t, rel, enc.data, enc.len, false, out, err);
        }
    }
    shale_buf_free(&enc);
    return rc;
}

/* ---- scans ---------------------------------------------------------------------------------- */

struct RelScan {
    RelTxn *t;
    const CatRelation *rel;
    const CatIndex *idx;       /* secondary index, or NULL for the rows */
    bool keys_only;
    Oid *col_types;            /* secondary index: its column types (malloc'd) */
    ViewIter vi;
    size_t plen;               /* prefix length */
    ShaleBuf lo, hi;           /* full-key bounds (for the read set) */
    bool hi_set;
    ShaleBuf last;             /* last key returned */
    bool noted;
};

int rel_scan_open(RelTxn *t, const CatRelation *rel, const RelScanSpec *spec, RelScan **out, SqlError *err)
{
    if (txn_ensure_snapshot(t, err) != 0)
        return -1;
    RelScan *s = calloc(1, sizeof *s);
    if (!s)
        return oom(err);
    s->t = t;
    s->rel = rel;
    s->idx = (spec->index && !spec->index->primary) ? spec->index : NULL;
    s->keys_only = spec->keys_only && s->idx;
    shale_buf_init(&s->lo);
    shale_buf_init(&s->hi);
    shale_buf_init(&s->last);
    if (s->idx && !(s->col_types = index_col_types(t, rel, s->idx, err))) {
        shale_buf_free(&s->lo);
        shale_buf_free(&s->hi);
        shale_buf_free(&s->last);
        free(s);
        return -1;
    }
    keycodec_append_prefix(&s->lo, t->opts.db, rel->relfilenode, s->idx ? s->idx->oid : KEY_INDEX_ROWS);
    s->plen = s->lo.len;
    shale_buf_append(&s->hi, s->lo.data, s->lo.len);
    if (spec->lo) {
        shale_buf_append(&s->lo, spec->lo, spec->lolen);
        if (!spec->lo_inclusive && !keycodec_prefix_successor(&s->lo)) {
            s->lo.len = 0;  /* nothing is greater: empty scan */
            shale_buf_append(&s->lo, s->hi.data, s->hi.len);
            s->hi_set = true;
            goto open;
        }
    }
    if (spec->hi) {
        shale_buf_append(&s->hi, spec->hi, spec->hilen);
        s->hi_set = spec->hi_inclusive ? keycodec_prefix_successor(&s->hi) : true;
    } else {
        s->hi_set = keycodec_prefix_successor(&s->hi);
    }
open:
    if (s->lo.oom || s->hi.oom ||
        !view_iter_open(&s->vi, t->rdb->db, t->snap, &t->wb, s->lo.data, s->lo.len, s->hi.data, s->hi.len,
                        s->hi_set, spec->backward)) {
        rel_scan_close(s);
        return oom(err);
    }
    *out = s;
    return 0;
}

static void scan_note(RelScan *s, bool exhausted)
{
    if (s->noted || s->t->opts.isolation != REL_SERIALIZABLE)
        return;
    s->noted = true;
    if (exhausted || !s->last.len) {
        txn_note_read(s->t, s->lo.data, s->lo.len, s->hi_set ? s->hi.data : NULL, s->hi.len);
    } else if (!s->vi.backward) {
        txn_note_read(s->t, s->lo.data, s->lo.len, s->last.data, s->last.len);
    } else {
        txn_note_read(s->t, s->last.data, s->last.len, s->hi_set ? s->hi.data : NULL, s->hi.len);
    }
}

int rel_scan_next(RelScan *s, RelRow *out, SqlError *err)
{
    for (;;) {
        if (!s->vi.valid) {
            scan_note(s, true);
            if (s->vi.failed)
                return sql_error_from_storage(err, &s->vi.serr);
            return 0;
        }
        shale_buf_reset(&s->last);
        shale_buf_append(&s->last, s->vi.key, s->vi.klen);
        const char *suffix = s->vi.key + s->plen;
        const char *end = s->vi.key + s->vi.klen;
        int rc = 1;
        if (!s->idx) {
            shale_buf_reset(&out->key);
            shale_buf_append(&out->key, suffix, (size_t)(end - suffix));
            shale_buf_reset(&out->data);
            shale_buf_append(&out->data, s->vi.val, s->vi.vlen);
            shale_buf_reset(&out->ikey);
            if (out->key.oom || out->data.oom)
                return oom(err);
            if (row_decode(s->rel, out, err) != 0)
                return -1;
        } else {
            const char *after;
            if (skip_index_cols(s->idx, s->col_types, suffix, end, &after, err) != 0)
                return -1;
            shale_buf_reset(&out->ikey);
            shale_buf_append(&out->ikey, suffix, (size_t)(after - suffix));
            ShaleBuf rk;
            shale_buf_init(&rk);
            shale_buf_append(&rk, after, (size_t)(end - after));
            if (s->keys_only) {
                shale_buf_reset(&out->key);
                shale_buf_append(&out->key, rk.data, rk.len);
                out->nvals = 0;
            } else {
                rc = row_read(s->t, s->rel, rk.data, rk.len, false, out, err);
            }
            shale_buf_free(&rk);
            if (rc < 0)
                return -1;
        }
        view_iter_next(&s->vi);
        if (rc == 1)
            return 1;
        /* an index entry without its row (cannot happen in one view): skip it */
    }
}

void rel_scan_close(RelScan *s)
{
    if (!s)
        return;
    scan_note(s, false);
    view_iter_close(&s->vi);
    shale_buf_free(&s->lo);
    shale_buf_free(&s->hi);
    shale_buf_free(&s->last);
    free(s->col_types);
    free(s);
}

int rel_truncate(RelTxn *t, const CatRelation *rel, SqlError *err)
{
    if (txn_check_writable(t, err) != 0)
        return -1;
    if (catalog_truncate_relation(t->rdb->cat, &t->cat, t->opts.db, rel, NULL, err) != 0)
        return -1;
    int64_t n = rel_table_row_estimate(t->rdb, t->opts.db, rel);
    txn_count_delta(t, t->opts.db, rel->relfilenode, -n);
    return 0;
}
