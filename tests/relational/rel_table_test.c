/* rel_table_test.c -- table access: primary-key and secondary-index range scans (bounds,
 * direction), unique secondary indexes (23505, ON CONFLICT), primary-key updates moving the
 * row, hidden row ids, DROP TABLE purging storage, row estimates. */
#include "tests/harness/test.h"
#include "tests/relational/rel_test_util.h"

static int scan_ids(RelTxn *t, const CatRelation *rel, const CatIndex *idx, int64_t lo, bool lo_inc,
                    int64_t hi, bool hi_inc, bool backward, int64_t *out, int max)
{
    ShaleBuf l, h;
    shale_buf_init(&l);
    shale_buf_init(&h);
    Value lv = value_int(INT8OID, lo), hv = value_int(INT8OID, hi);
    SqlError err;
    rel_encode_index_values(rel, idx, &lv, 1, &l, &err);
    rel_encode_index_values(rel, idx, &hv, 1, &h, &err);
    RelScanSpec spec = { idx, l.data, l.len, lo_inc, h.data, h.len, hi_inc, backward, false };
    RelScan *s;
    int n = 0;
    if (rel_scan_open(t, rel, &spec, &s, &err) == 0) {
        RelRow r;
        rel_row_init(&r);
        while (n < max && rel_scan_next(s, &r, &err) == 1)
            out[n++] = r.vals[0].u.i;
        rel_row_free(&r);
        rel_scan_close(s);
    }
    shale_buf_free(&l);
    shale_buf_free(&h);
    return n;
}

TEST(ranges_and_indexes)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "ranges", true) == 0);
    REQUIRE(rt_create_table(&e, "t", true) == 0);
    CatSnapshot *snap;
    const CatRelation *rel = rt_table(&e, NULL, "t", &snap);
    SqlError err;
    RelTxn *t = rt_begin(&e, REL_READ_COMMITTED);
    for (int i = -5; i <= 5; i++)
        REQUIRE(rt_insert(t, rel, i, 100 - i, &err) == 0);   /* bal descending with id */
    int64_t ids[32];
    /* uncommitted rows are scanned (read-your-writes) */
    int n = scan_ids(t, rel, NULL, -2, true, 2, false, false, ids, 32);
    CHECK_EQ_INT(n, 4);
    CHECK(ids[0] == -2 && ids[3] == 1);
    REQUIRE(rel_txn_commit(t, &err) == 0);
    t = rt_begin(&e, REL_READ_COMMITTED);
    n = scan_ids(t, rel, NULL, -2, false, 2, true, true, ids, 32);
    CHECK_EQ_INT(n, 4);
    CHECK(ids[0] == 2 && ids[3] == -1);
    /* secondary index on bal: bal in [98, 101] -> ids 2,1,0,-1 in bal order */
    n = scan_ids(t, rel, &rel->indexes[1], 98, true, 101, true, false, ids, 32);
    CHECK_EQ_INT(n, 4);
    CHECK(ids[0] == 2 && ids[1] == 1 && ids[2] == 0 && ids[3] == -1);
    /* unique secondary: bal 100 taken by id 0 */
    CHECK(rt_insert(t, rel, 50, 100, &err) != 0);
    CHECK_STR(sql_errcode_state(err.code), "23505");
    CHECK_STR(err.message, "duplicate key value violates unique constraint \"t_bal_key\"");
    CHECK_STR(err.detail, "Key (bal)=(100) already exists.");
    /* ON CONFLICT: reports the index and the existing row */
    RelConflict c;
    shale_buf_init(&c.key);
    Value row[2] = { value_int(INT8OID, 3), value_int(INT8OID, 7) };
    CHECK_EQ_INT(rel_insert(t, rel, row, &c, NULL, &err), 1);
    CHECK(c.index == &rel->indexes[0]);
    shale_buf_free(&c.key);
    /* move a row: id 5 -> 50; index entry follows */
    ShaleBuf k;
    shale_buf_init(&k);
    rt_key(5, &k);
    Value old[2] = { value_int(INT8OID, 5), value_int(INT8OID, 95) };
    Value nw[2] = { value_int(INT8OID, 50), value_int(INT8OID, 95) };
    REQUIRE(rel_update(t, rel, k.data, k.len, old, nw, &err) == 0);
    int64_t v = 0;
    CHECK_EQ_INT(rt_get(t, rel, 5, &v, &err), 0);
    CHECK_EQ_INT(rt_get(t, rel, 50, &v, &err), 1);
    n = scan_ids(t, rel, &rel->indexes[1], 95, true, 95, true, false, ids, 32);
    CHECK(n == 1 && ids[0] == 50);
    /* update to a taken key fails */
    rt_key(50, &k);
    Value nw2[2] = { value_int(INT8OID, 1), value_int(INT8OID, 95) };
    CHECK(rel_update(t, rel, k.data, k.len, nw, nw2, &err) != 0);
    CHECK_STR(err.detail, "Key (id)=(1) already exists.");
    rel_txn_abort(t);
    shale_buf_free(&k);
    CHECK_EQ_INT(rel_table_row_estimate(e.rdb, CAT_OID_DB_POSTGRES, rel), 11);

    /* DROP TABLE: after commit its keys are gone from storage */
    uint32_t rfn = rel->relfilenode;
    t = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(catalog_drop_relation(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, rel, &err) == 0);
    REQUIRE(rel_txn_commit(t, &err) == 0);
    catalog_snapshot_release(snap);
    ShaleDBIter *it = shale_db_iter_new(e.db, NULL);
    char pre[8];
    keycodec_put_u32be(pre, CAT_OID_DB_POSTGRES);
    keycodec_put_u32be(pre + 4, rfn);
    shale_db_iter_seek(it, pre, 8);
    size_t kl = 0;
    CHECK(!shale_db_iter_valid(it) || memcmp(shale_db_iter_key(it, &kl), pre, 8) != 0);
    shale_db_iter_destroy(it);
    CHECK(rt_table(&e, NULL, "t", &snap) == NULL);
    catalog_snapshot_release(snap);
    relenv_close(&e);
}

TEST(hidden_row_ids)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "rowid", true) == 0);
    CatColumn col;
    memset(&col, 0, sizeof col);
    col.name = "x"; col.type = TEXTOID; col.typmod = -1;
    CatRelation def;
    memset(&def, 0, sizeof def);
    def.nsp = CAT_OID_PUBLIC_NSP; def.name = "heap"; def.kind = CAT_REL_TABLE; def.ncols = 1; def.cols = &col;
    SqlError err;
    RelTxn *t = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(catalog_create_relation(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, &def, &err) == 0);
    REQUIRE(rel_txn_commit(t, &err) == 0);
    for (int round = 0; round < 2; round++) {
        CatSnapshot *snap;
        const CatRelation *rel = rt_table(&e, NULL, "heap", &snap);
        REQUIRE(rel && rel->pk_index == -1);
        t = rt_begin(&e, REL_READ_COMMITTED);
        for (int i = 0; i < 3; i++) {
            Value v = value_bytes(TEXTOID, "same", 4);   /* duplicates are fine */
            REQUIRE(rel_insert(t, rel, &v, NULL, NULL, &err) == 0);
        }
        REQUIRE(rel_txn_commit(t, &err) == 0);
        t = rt_begin(&e, REL_READ_COMMITTED);
        RelScanSpec spec;
        memset(&spec, 0, sizeof spec);
        RelScan *s;
        REQUIRE(rel_scan_open(t, rel, &spec, &s, &err) == 0);
        RelRow r;
        rel_row_init(&r);
        int n = 0;
        while (rel_scan_next(s, &r, &err) == 1)
            n++;
        CHECK_EQ_INT(n, 3 * (round + 1));
        rel_scan_close(s);
        rel_row_free(&r);
        rel_txn_abort(t);
        catalog_snapshot_release(snap);
        relenv_close(&e);   /* row ids continue after the stored maximum */
        REQUIRE(relenv_open(&e, "rowid", false) == 0);
    }
    relenv_close(&e);
}

TEST_MAIN(
    RUN(ranges_and_indexes);
    RUN(hidden_row_ids);
    test_rm_rf(test_tmpdir());
)
