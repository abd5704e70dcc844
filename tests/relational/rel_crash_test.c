/* rel_crash_test.c -- a child process commits transactions (two rows each) and sequence
 * values as fast as it can, reporting each acknowledged commit through a pipe; the parent
 * SIGKILLs it mid-stream, reopens, and checks that every acknowledged transaction is
 * present, no transaction is half there, and the sequence never goes back. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness/test.h"
#include "tests/relational/rel_test_util.h"

static void child(int fd)
{
    RelEnv e;
    if (relenv_open(&e, "crash", false) != 0)
        _exit(2);
    CatSnapshot *snap;
    const CatRelation *rel = rt_table(&e, NULL, "t", &snap);
    const CatRelation *seq = catsnap_relation_by_name(snap, CAT_OID_PUBLIC_NSP, "s");
    if (!rel || !seq)
        _exit(3);
    for (int64_t i = 0;; i++) {
        RelTxn *t = rt_begin(&e, REL_READ_COMMITTED);
        SqlError err;
        int64_t sv;
        if (rt_insert(t, rel, 2 * i, i, &err) != 0 || rt_insert(t, rel, 2 * i + 1, i, &err) != 0 ||
            rel_seq_nextval(e.rdb, CAT_OID_DB_POSTGRES, seq, &sv, &err) != 0 || rel_txn_commit(t, &err) != 0)
            _exit(4);
        int64_t msg[2] = { i, sv };
        if (write(fd, msg, sizeof msg) != sizeof msg)
            _exit(5);
    }
}

TEST(kill_mid_commit)
{
    RelEnv e;
    REQUIRE(relenv_open(&e, "crash", true) == 0);
    REQUIRE(rt_create_table(&e, "t", false) == 0);
    CatRelation seq;
    memset(&seq, 0, sizeof seq);
    seq.nsp = CAT_OID_PUBLIC_NSP; seq.name = "s"; seq.kind = CAT_REL_SEQUENCE; seq.seq.type = INT8OID;
    seq.seq.start = 1; seq.seq.increment = 1; seq.seq.min = 1; seq.seq.max = INT64_MAX; seq.seq.cache = 1;
    SqlError err;
    RelTxn *t = rt_begin(&e, REL_READ_COMMITTED);
    REQUIRE(catalog_create_relation(rel_db_catalog(e.rdb), rel_txn_catalog(t), CAT_OID_DB_POSTGRES, &seq, &err) == 0);
    REQUIRE(rel_txn_commit(t, &err) == 0);
    relenv_close(&e);
    int64_t acked = -1, max_seq = 0;
    for (int round = 0; round < 3; round++) {
        int p[2];
        REQUIRE(pipe(p) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            child(p[1]);
        }
        close(p[1]);
        int64_t msg[2];
        int got = 0;
        while (got < 40 + 25 * round && read(p[0], msg, sizeof msg) == sizeof msg) {
            acked = msg[0] > acked ? msg[0] : acked;
            max_seq = msg[1] > max_seq ? msg[1] : max_seq;
            got++;
        }
        kill(pid, SIGKILL);
        while (read(p[0], msg, sizeof msg) == sizeof msg) {  /* drain what was acknowledged */
            acked = msg[0] > acked ? msg[0] : acked;
            max_seq = msg[1] > max_seq ? msg[1] : max_seq;
        }
        close(p[0]);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        REQUIRE(relenv_open(&e, "crash", false) == 0);
        CatSnapshot *snap;
        const CatRelation *rel = rt_table(&e, NULL, "t", &snap);
        REQUIRE(rel);
        t = rt_begin(&e, REL_READ_COMMITTED);
        long half = 0, missing = 0;
        int64_t present = 0;
        for (int64_t i = 0; i <= acked + 5; i++) {
            int64_t a = 0, b = 0;
            int ra = rt_get(t, rel, 2 * i, &a, &err), rb = rt_get(t, rel, 2 * i + 1, &b, &err);
            if (ra != rb)
                half++;
            if (i <= acked && ra != 1)
                missing++;
            if (ra == 1)
                present = i + 1;
        }
        rel_txn_abort(t);
        CHECK_EQ_INT(half, 0);
        CHECK_EQ_INT(missing, 0);
        CHECK(present >= acked + 1);
        acked = present - 1;   /* the next child continues after what is there */
        int64_t v = 0;
        const CatRelation *s = catsnap_relation_by_name(snap, CAT_OID_PUBLIC_NSP, "s");
        REQUIRE(rel_seq_nextval(e.rdb, CAT_OID_DB_POSTGRES, s, &v, &err) == 0);
        CHECK(v > max_seq);
        max_seq = v;
        catalog_snapshot_release(snap);
        relenv_close(&e);
        /* the child restarts numbering from 0: make room by truncating via a new table */
        REQUIRE(relenv_open(&e, "crash", false) == 0);
        rel = rt_table(&e, NULL, "t", &snap);
        t = rt_begin(&e, REL_READ_COMMITTED);
        REQUIRE(rel_truncate(t, rel, &err) == 0);
        REQUIRE(rel_txn_commit(t, &err) == 0);
        catalog_snapshot_release(snap);
        relenv_close(&e);
        acked = -1;
    }
}

TEST_MAIN(
    RUN(kill_mid_commit);
    test_rm_rf(test_tmpdir());
)
