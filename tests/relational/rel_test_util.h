/* rel_test_util.h -- helpers for the relational tests: a fresh storage + RelDB in a scratch
 * directory, a two-column table "accounts (id int8 primary key, bal int8)" made through the
 * catalog, and one-call transactional reads and writes of it. Include after test.h. */
#ifndef SHALE_TESTS_RELATIONAL_REL_TEST_UTIL_H
#define SHALE_TESTS_RELATIONAL_REL_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/keycodec.h"
#include "config.h"
#include "facets/relational/relational.h"
#include "storage/shale_storage.h"

typedef struct RelEnv {
    char dir[600];
    ShaleDB *db;
    RelDB *rdb;
} RelEnv;

static inline int relenv_open(RelEnv *e, const char *name, bool fresh)
{
    snprintf(e->dir, sizeof e->dir, "%s/%s", test_tmpdir(), name);
    if (fresh)
        test_rm_rf(e->dir);
    ShaleDBOptions o;
    shale_db_options_init(&o);
    ShaleError se;
    if (shale_db_open(e->dir, &o, &e->db, &se) != SHALE_OK) {
        printf("open: %s\n", se.msg);
        return -1;
    }
    RelDBOptions ro = { "tester", "testdb" };
    SqlError err;
    if (rel_db_open(e->db, &ro, &e->rdb, &err) != 0) {
        printf("rel_db_open: %s\n", err.message);
        return -1;
    }
    return 0;
}

static inline void relenv_close(RelEnv *e)
{
    rel_db_close(e->rdb);
    (void)shale_db_close(e->db, NULL);
    e->rdb = NULL;
    e->db = NULL;
}

static inline RelTxn *rt_begin(RelEnv *e, RelIsolation iso)
{
    RelTxnOptions o;
    rel_txn_options_init(&o);
    o.isolation = iso;
    RelTxn *t = NULL;
    SqlError err;
    if (rel_txn_begin(e->rdb, &o, &t, &err) != 0 || rel_txn_statement_begin(t, 0, &err) != 0)
        return NULL;
    return t;
}

/* CREATE TABLE name (id int8 PRIMARY KEY, bal int8) [+ unique index on bal] in public. */
static inline int rt_create_table(RelEnv *e, const char *name, bool unique_bal)
{
    RelTxn *t = rt_begin(e, REL_READ_COMMITTED);
    CatColumn cols[2];
    memset(cols, 0, sizeof cols);
    cols[0].name = "id"; cols[0].type = INT8OID; cols[0].typmod = -1; cols[0].not_null = true;
    cols[1].name = "bal"; cols[1].type = INT8OID; cols[1].typmod = -1;
    static int16_t pk_att[1] = { 1 }, bal_att[1] = { 2 };
    static uint8_t flags[1] = { 0 };
    CatIndex idx[2];
    memset(idx, 0, sizeof idx);
    char pkname[64], bname[64];
    snprintf(pkname, sizeof pkname, "%s_pkey", name);
    snprintf(bname, sizeof bname, "%s_bal_key", name);
    idx[0].name = pkname; idx[0].unique = idx[0].primary = idx[0].valid = true; idx[0].am = "btree";
    idx[0].ncols = 1; idx[0].attnums = pk_att; idx[0].col_flags = flags;
    idx[1].name = bname; idx[1].unique = unique_bal; idx[1].valid = true; idx[1].am = "btree";
    idx[1].ncols = 1; idx[1].attnums = bal_att; idx[1].col_flags = flags;
    CatRelation rel;
    memset(&rel, 0, sizeof rel);
    rel.nsp = CAT_OID_PUBLIC_NSP;
    rel.name = (char *)name;
    rel.kind = CAT_REL_TABLE;
    rel.owner = CAT_OID_BOOTSTRAP_SUPERUSER;
    rel.ncols = 2;
    rel.cols = cols;
    rel.nindexes = 2;
    rel.indexes = idx;
    SqlError err;
    if (catalog_create_relation(rel_db_catalog(e->rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, &rel, &err) != 0) {
        printf("create: %s\n", err.message);
        rel_txn_abort(t);
        return -1;
    }
    return rel_txn_commit(t, &err);
}

/* The committed descriptor of a public table; release the snapshot with catalog_snapshot_release. */
static inline const CatRelation *rt_table(RelEnv *e, RelTxn *t, const char *name, CatSnapshot **snap)
{
    SqlError err;
    if (catalog_snapshot(rel_db_catalog(e->rdb), t ? rel_txn_catalog(t) : NULL, CAT_OID_DB_POSTGRES, snap, &err) != 0)
        return NULL;
    return catsnap_relation_by_name(*snap, CAT_OID_PUBLIC_NSP, name);
}

static inline void rt_key(int64_t id, ShaleBuf *k)
{
    shale_buf_reset(k);
    Value v = value_int(INT8OID, id);
    if (keycodec_append_value(k, &v, 0, NULL) != SHALE_OK)
        k->oom = true;
}

/* 1 = found (*bal set), 0 = absent, -1 = error */
static inline int rt_get(RelTxn *t, const CatRelation *rel, int64_t id, int64_t *bal, SqlError *err)
{
    ShaleBuf k;
    shale_buf_init(&k);
    rt_key(id, &k);
    RelRow r;
    rel_row_init(&r);
    int rc = rel_get(t, rel, k.data, k.len, &r, err);
    if (rc == 1)
        *bal = r.vals[1].null ? -1 : r.vals[1].u.i;
    rel_row_free(&r);
    shale_buf_free(&k);
    return rc;
}

static inline int rt_insert(RelTxn *t, const CatRelation *rel, int64_t id, int64_t bal, SqlError *err)
{
    Value row[2] = { value_int(INT8OID, id), value_int(INT8OID, bal) };
    return rel_insert(t, rel, row, NULL, NULL, err);
}

/* UPDATE rel SET bal = bal + delta WHERE id = id, the executor's way: lock, re-read, write.
 * Returns 0, or -1 with err (40001, 40P01...). */
static inline int rt_add(RelTxn *t, const CatRelation *rel, int64_t id, int64_t delta, SqlError *err)
{
    ShaleBuf k;
    shale_buf_init(&k);
    rt_key(id, &k);
    RelRow r;
    rel_row_init(&r);
    RelLockResult lr;
    int rc = rel_lock_row(t, rel, k.data, k.len, REL_LOCK_EXCLUSIVE, &r, &lr, err);
    if (rc == 0 && lr == REL_ROW_DELETED)
        rc = -2;
    if (rc == 0) {
        Value old[2] = { r.vals[0], r.vals[1] };
        Value nw[2] = { r.vals[0], value_int(INT8OID, r.vals[1].u.i + delta) };
        rc = rel_update(t, rel, k.data, k.len, old, nw, err);
    }
    rel_row_free(&r);
    shale_buf_free(&k);
    return rc;
}

#endif
