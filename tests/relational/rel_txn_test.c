/* rel_txn_test.c -- catalog and transaction basics: bootstrap, DDL round trips, DDL
 * rollback, persistence across reopen, read-your-writes, snapshots per isolation level,
 * savepoints, sequences and the 23505 message. */
#include "tests/harness/test.h"
#include "tests/relational/rel_test_util.h"

TEST(bootstrap_objects)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "boot", true) == 0);
    CatSnapshot *s;
    SqlError err;
    REQUIRE(catalog_snapshot(rel_db_catalog(e.rdb), NULL, CAT_OID_DB_POSTGRES, &s, &err) == 0);
    CHECK(catsnap_database_by_name(s, "postgres") != NULL);
    CHECK(catsnap_database_by_name(s, "testdb") != NULL);
    CHECK(catsnap_database_by_name(s, "template1") != NULL);
    const CatRole *r = catsnap_role_by_name(s, "tester");
    CHECK(r && r->superuser && r->oid == 10);
    const CatNamespace *n = catsnap_namespace_by_name(s, "public");
    CHECK(n && n->oid == 2200);
    CHECK(catsnap_namespace_by_oid(s, 11) != NULL);
    CHECK(catsnap_namespace_by_name(s, "information_schema") != NULL);
    CHECK(catsnap_database_by_name(s, "testdb")->oid >= CAT_FIRST_USER_OID);
    /* warm cache: the same snapshot object */
    CatSnapshot *s2;
    REQUIRE(catalog_snapshot(rel_db_catalog(e.rdb), NULL, CAT_OID_DB_POSTGRES, &s2, &err) == 0);
    CHECK(s == s2);
    catalog_snapshot_release(s2);
    catalog_snapshot_release(s);
    relenv_close(&e);
}

TEST(ddl_rollback_and_persistence)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "ddl", true) == 0);
    SqlError err;
    /* CREATE TABLE inside a transaction that rolls back leaves nothing */
    RelTxn *t = rt_begin(&e, REL_READ_COMMITTED);
    CatColumn col;
    memset(&col, 0, sizeof col);
    col.name = "x"; col.type = TEXTOID; col.typmod = -1;
    CatRelation rel;
    memset(&rel, 0, sizeof rel);
    rel.nsp = CAT_OID_PUBLIC_NSP; rel.name = "ghost"; rel.kind = CAT_REL_TABLE; rel.ncols = 1; rel.cols = &col;
    REQUIRE(catalog_create_relation(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, &rel, &err) == 0);
    CatSnapshot *s;
    REQUIRE(catalog_snapshot(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, &s, &err) == 0);
    CHECK(catsnap_relation_by_name(s, CAT_OID_PUBLIC_NSP, "ghost") != NULL);  /* own view */
    catalog_snapshot_release(s);
    REQUIRE(catalog_snapshot(rel_db_catalog(e.rdb), NULL, CAT_OID_DB_POSTGRES, &s, &err) == 0);
    CHECK(catsnap_relation_by_name(s, CAT_OID_PUBLIC_NSP, "ghost") == NULL);  /* others */
    catalog_snapshot_release(s);
    rel_txn_abort(t);
    REQUIRE(catalog_snapshot(rel_db_catalog(e.rdb), NULL, CAT_OID_DB_POSTGRES, &s, &err) == 0);
    CHECK(catsnap_relation_by_name(s, CAT_OID_PUBLIC_NSP, "ghost") == NULL);
    catalog_snapshot_release(s);

    REQUIRE(rt_create_table(&e, "acct", false) == 0);
    CHECK(rt_create_table(&e, "acct", false) != 0);  /* duplicate */
    /* duplicate name error */
    t = rt_begin(&e, REL_READ_COMMITTED);
    memset(&rel, 0, sizeof rel);
    rel.nsp = CAT_OID_PUBLIC_NSP; rel.name = "acct"; rel.kind = CAT_REL_TABLE; rel.ncols = 1; rel.cols = &col;
    CHECK(catalog_create_relation(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, &rel, &err) != 0);
    CHECK_STR(sql_errcode_state(err.code), "42P07");
    CHECK_STR(err.message, "relation \"acct\" already exists");
    rel_txn_abort(t);

    /* ALTER TABLE ADD COLUMN c text DEFAULT 'd' after inserting a row: no rewrite */
    CatSnapshot *snap;
    t = rt_begin(&e, REL_READ_COMMITTED);
    const CatRelation *acct = rt_table(&e, t, "acct", &snap);
    REQUIRE(acct != NULL);
    CHECK_EQ_INT(acct->pk_index, 0);
    CHECK(acct->indexes[0].oid >= CAT_FIRST_USER_OID);
    CHECK(rt_insert(t, acct, 1, 100, &err) == 0);
    REQUIRE(rel_txn_commit(t, &err) == 0);
    t = rt_begin(&e, REL_READ_COMMITTED);
    ShaleArena a;
    shale_arena_init(&a);
    CatRelation *c = catrel_copy(&a, acct);
    REQUIRE(c != NULL);
    CatColumn *nc = shale_arena_alloc(&a, 3 * sizeof *nc);
    memcpy(nc, c->cols, 2 * sizeof *nc);
    memset(&nc[2], 0, sizeof nc[2]);
    nc[2].name = "note"; nc[2].type = TEXTOID; nc[2].typmod = -1; nc[2].default_expr = "'d'::text";
    nc[2].missing = value_bytes(TEXTOID, "d", 1);
    c->cols = nc;
    c->ncols = 3;
    REQUIRE(catalog_alter_relation(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, acct, c, &err) == 0);
    REQUIRE(rel_txn_commit(t, &err) == 0);
    catalog_snapshot_release(snap);
    shale_arena_destroy(&a);

    relenv_close(&e);
    REQUIRE(relenv_open(&e, "ddl", false) == 0);
    t = rt_begin(&e, REL_READ_COMMITTED);
    acct = rt_table(&e, t, "acct", &snap);
    REQUIRE(acct != NULL);
    CHECK_EQ_INT(acct->ncols, 3);
    CHECK_EQ_INT(acct->schema_version, 2);
    CHECK_STR(acct->cols[2].default_expr, "'d'::text");
    ShaleBuf k;
    shale_buf_init(&k);
    rt_key(1, &k);
    RelRow r;
    rel_row_init(&r);
    CHECK_EQ_INT(rel_get(t, acct, k.data, k.len, &r, &err), 1);
    CHECK_EQ_INT(r.vals[1].u.i, 100);
    CHECK(!r.vals[2].null && r.vals[2].u.s.n == 1 && r.vals[2].u.s.p[0] == 'd');
    rel_row_free(&r);
    shale_buf_free(&k);
    rel_txn_abort(t);
    catalog_snapshot_release(snap);
    relenv_close(&e);
}

TEST(snapshots_and_read_your_writes)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "snap", true) == 0);
    REQUIRE(rt_create_table(&e, "t", false) == 0);
    CatSnapshot *snap;
    const CatRelation *rel = rt_table(&e, NULL, "t", &snap);
    REQUIRE(rel);
    SqlError err;
    int64_t v = 0;
    RelTxn *w = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(rt_insert(w, rel, 1, 10, &err) == 0);
    CHECK_EQ_INT(rt_get(w, rel, 1, &v, &err), 1);   /* read your own write */
    CHECK_EQ_INT(v, 10);
    RelTxn *rr = rt_begin(&e, REL_REPEATABLE_READ);
    RelTxn *rc = rt_begin(&e, REL_READ_COMMITTED);
    CHECK_EQ_INT(rt_get(rr, rel, 1, &v, &err), 0);  /* uncommitted: invisible */
    REQUIRE(rel_txn_commit(w, &err) == 0);
    CHECK_EQ_INT(rt_get(rr, rel, 1, &v, &err), 0);  /* RR: same snapshot */
    CHECK_EQ_INT(rt_get(rc, rel, 1, &v, &err), 0);  /* RC: same statement */
    REQUIRE(rel_txn_statement_begin(rr, 0, &err) == 0);
    REQUIRE(rel_txn_statement_begin(rc, 0, &err) == 0);
    CHECK_EQ_INT(rt_get(rr, rel, 1, &v, &err), 0);
    CHECK_EQ_INT(rt_get(rc, rel, 1, &v, &err), 1);  /* RC: next statement sees it */
    /* RR writer on a row committed after its snapshot: 40001 */
    RelTxn *w2 = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(rt_add(w2, rel, 1, 5, &err) == 0);
    REQUIRE(rel_txn_commit(w2, &err) == 0);
    RelTxn *rr2 = rt_begin(&e, REL_REPEATABLE_READ);
    CHECK_EQ_INT(rt_get(rr2, rel, 1, &v, &err), 1);
    CHECK_EQ_INT(v, 15);
    w2 = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(rt_add(w2, rel, 1, 1, &err) == 0);
    REQUIRE(rel_txn_commit(w2, &err) == 0);
    CHECK(rt_add(rr2, rel, 1, 1, &err) != 0);
    CHECK_STR(sql_errcode_state(err.code), "40001");
    CHECK_STR(err.message, "could not serialize access due to concurrent update");
    rel_txn_abort(rr2);
    rel_txn_abort(rr);
    rel_txn_abort(rc);
    catalog_snapshot_release(snap);
    relenv_close(&e);
}

TEST(savepoints)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "sp", true) == 0);
    REQUIRE(rt_create_table(&e, "t", false) == 0);
    CatSnapshot *snap;
    const CatRelation *rel = rt_table(&e, NULL, "t", &snap);
    SqlError err;
    int64_t v = 0;
    RelTxn *t = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(rt_insert(t, rel, 1, 1, &err) == 0);
    uint32_t s1 = rel_txn_savepoint(t);
    REQUIRE(rt_insert(t, rel, 2, 2, &err) == 0);
    REQUIRE(rt_add(t, rel, 1, 10, &err) == 0);
    uint32_t s2 = rel_txn_savepoint(t);
    REQUIRE(rt_insert(t, rel, 3, 3, &err) == 0);
    REQUIRE(rel_txn_rollback_to(t, s2, &err) == 0);
    CHECK_EQ_INT(rt_get(t, rel, 3, &v, &err), 0);
    CHECK_EQ_INT(rt_get(t, rel, 2, &v, &err), 1);
    REQUIRE(rel_txn_rollback_to(t, s1, &err) == 0);
    CHECK_EQ_INT(rt_get(t, rel, 2, &v, &err), 0);
    CHECK_EQ_INT(rt_get(t, rel, 1, &v, &err), 1);
    CHECK_EQ_INT(v, 1);
    /* the savepoint survives ROLLBACK TO; RELEASE keeps writes */
    REQUIRE(rt_insert(t, rel, 4, 4, &err) == 0);
    REQUIRE(rel_txn_release(t, s1, &err) == 0);
    CHECK(rel_txn_rollback_to(t, s1, &err) != 0);
    CHECK_STR(sql_errcode_state(err.code), "3B001");
    /* a failed insert (duplicate) inside does not leave partial entries */
    CHECK(rt_insert(t, rel, 4, 5, &err) != 0);
    CHECK_STR(sql_errcode_state(err.code), "23505");
    CHECK_STR(err.message, "duplicate key value violates unique constraint \"t_pkey\"");
    CHECK_STR(err.detail, "Key (id)=(4) already exists.");
    REQUIRE(rel_txn_commit(t, &err) == 0);
    t = rt_begin(&e, REL_READ_COMMITTED);
    CHECK_EQ_INT(rt_get(t, rel, 4, &v, &err), 1);
    CHECK_EQ_INT(v, 4);
    CHECK_EQ_INT(rt_get(t, rel, 2, &v, &err), 0);
    /* index on bal: exactly rows 1 and 4 */
    RelScanSpec spec;
    memset(&spec, 0, sizeof spec);
    spec.index = &rel->indexes[1];
    RelScan *sc;
    REQUIRE(rel_scan_open(t, rel, &spec, &sc, &err) == 0);
    RelRow r;
    rel_row_init(&r);
    int n = 0;
    while (rel_scan_next(sc, &r, &err) == 1)
        n++;
    CHECK_EQ_INT(n, 2);
    rel_scan_close(sc);
    rel_row_free(&r);
    rel_txn_abort(t);
    catalog_snapshot_release(snap);
    relenv_close(&e);
}

TEST(sequences_never_repeat)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "seq", true) == 0);
    CatRelation seq;
    memset(&seq, 0, sizeof seq);
    seq.nsp = CAT_OID_PUBLIC_NSP; seq.name = "s"; seq.kind = CAT_REL_SEQUENCE;
    seq.seq.type = INT8OID; seq.seq.start = 1; seq.seq.increment = 1; seq.seq.min = 1; seq.seq.max = 100;
    seq.seq.cache = 1;
    SqlError err;
    RelTxn *t = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(catalog_create_relation(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, &seq, &err) == 0);
    REQUIRE(rel_txn_commit(t, &err) == 0);
    CatSnapshot *snap;
    const CatRelation *s = rt_table(&e, NULL, "s", &snap);
    REQUIRE(s);
    int64_t v = 0, last = 0;
    for (int i = 0; i < 5; i++) {
        REQUIRE(rel_seq_nextval(e.rdb, CAT_OID_DB_POSTGRES, s, &v, &err) == 0);
        CHECK_EQ_INT(v, i + 1);
        last = v;
    }
    catalog_snapshot_release(snap);
    relenv_close(&e);
    REQUIRE(relenv_open(&e, "seq", false) == 0);
    s = rt_table(&e, NULL, "s", &snap);
    REQUIRE(s);
    REQUIRE(rel_seq_nextval(e.rdb, CAT_OID_DB_POSTGRES, s, &v, &err) == 0);
    CHECK(v > last);
    CHECK(rel_seq_setval(e.rdb, CAT_OID_DB_POSTGRES, s, 1000, true, &err) != 0);
    CHECK_STR(sql_errcode_state(err.code), "22003");
    REQUIRE(rel_seq_setval(e.rdb, CAT_OID_DB_POSTGRES, s, 99, true, &err) == 0);
    REQUIRE(rel_seq_nextval(e.rdb, CAT_OID_DB_POSTGRES, s, &v, &err) == 0);
    CHECK_EQ_INT(v, 100);
    CHECK(rel_seq_nextval(e.rdb, CAT_OID_DB_POSTGRES, s, &v, &err) != 0);
    CHECK_STR(sql_errcode_state(err.code), "2200H");
    CHECK_STR(err.message, "nextval: reached maximum value of sequence \"s\" (100)");
    catalog_snapshot_release(snap);
    relenv_close(&e);
}

TEST_MAIN(
    RUN(bootstrap_objects);
    RUN(ddl_rollback_and_persistence);
    RUN(snapshots_and_read_your_writes);
    RUN(savepoints);
    RUN(sequences_never_repeat);
    test_rm_rf(test_tmpdir());
)
