/* e2e_backup_test.c -- shalectl against the real server: a full online backup taken while a
 * writer thread keeps committing, restored into a new data directory and started: every
 * transaction committed before the backup began is there, the state is one committed
 * prefix (the writer's transfers keep a sum invariant and its log rows are 1..k), the hnsw
 * index answers as before; an incremental backup transfers fewer bytes than the full one
 * and restores exactly; verify catches a flipped SSTable byte and a truncated file;
 * BASE_BACKUP is superuser-only (42501). */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

#ifndef SHALECTL_BIN
#define SHALECTL_BIN "./shalectl"
#endif

static atomic_bool writer_stop;
static atomic_int writer_committed;   /* highest log n acknowledged */

static void *writer_main(void *arg)
{
    (void)arg;
    PGconn *c = e2e_connect(NULL);
    for (int n = atomic_load(&writer_committed) + 1; !atomic_load(&writer_stop); n++) {
        char sql[400];
        int a = n % 10, b = (n * 7 + 3) % 10;
        snprintf(sql, sizeof sql,
                 "BEGIN; UPDATE acct SET v = v - 1 WHERE id = %d; UPDATE acct SET v = v + 1 WHERE id = %d; "
                 "INSERT INTO wlog VALUES (%d, repeat('w', 200)); COMMIT",
                 a, b, n);
        PGresult *r = PQexec(c, sql);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok)
            break;
        atomic_store(&writer_committed, n);
    }
    PQfinish(c);
    return NULL;
}

/* Runs shalectl with args; returns the exit status; out gets stdout+stderr (cap bytes). */
static int run_shalectl(const char *args, char *out, size_t cap)
{
    char cmd[2600];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", SHALECTL_BIN, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static long long field_before(const char *out, const char *what)
{
    const char *p = strstr(out, what);
    if (!p)
        return -1;
    while (p > out && p[-1] == ' ')
        p--;
    while (p > out && p[-1] >= '0' && p[-1] <= '9')
        p--;
    return atoll(p);
}

/* Starts a server on dir (port chosen here); *srv filled. */
static bool start_on(WireServer *srv, const char *dir, const char *name)
{
    snprintf(srv->dir, sizeof srv->dir, "%s", dir);
    snprintf(srv->log, sizeof srv->log, "%s/%s.log", test_tmpdir(), name);
    srv->port = wire_free_port();
    srv->pid = wire_spawn(srv->dir, srv->port, srv->log, NULL);
    for (int i = 0; i < 3000; i++) {
        if (wire_port_open(srv->port))
            return true;
        wire_sleep_ms(10);
    }
    return false;
}

static char full_dir[700], incr_dir[700];
static long long full_sent;

static const char *knn_sql = "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY emb <-> '[0.5,0.25,1]' LIMIT 5) s";

TEST(full_backup_while_writing)
{
    if (e2e_oracle())
        TEST_SKIP("shalectl talks to shaledb only");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c && PQstatus(c) == CONNECTION_OK);
    CHECK(e2e_exec_at(c, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL)", __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "INSERT INTO acct SELECT g, 100 FROM generate_series(0, 9) g", __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "CREATE TABLE wlog (n int PRIMARY KEY, pad text)", __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "CREATE TABLE bulk (id int PRIMARY KEY, pad text)", __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "INSERT INTO bulk SELECT g, md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text) || md5((g + 3)::text) || "
                         "md5((g + 4)::text) || md5((g + 5)::text) || md5((g + 6)::text) || md5((g + 7)::text) "
                         "FROM generate_series(1, 30000) g",
                      __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "CREATE TABLE items (id int PRIMARY KEY, emb vector(3))", __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "INSERT INTO items SELECT g, ('[' || (g % 17) / 17.0 || ',' || (g % 5) / 5.0 || ',' || "
                         "(g % 11) / 11.0 || ']')::vector FROM generate_series(1, 300) g", __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "CREATE INDEX items_emb ON items USING hnsw (emb vector_l2_ops)", __FILE__, __LINE__));
    /* four flushed L0 tables start a compaction into L1, whose files (split by key) an
     * incremental backup can reuse later; the writer's keys sort before bulk's */
    for (int i = 0; i < 4; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE acct SET v = v WHERE id = %d; CHECKPOINT", i);
        CHECK(e2e_exec_at(c, sql, __FILE__, __LINE__));
    }
    wire_sleep_ms(1000);
    char knn[512];
    e2e_query(c, knn_sql, knn, sizeof knn);

    pthread_t w;
    atomic_store(&writer_stop, false);
    REQUIRE(pthread_create(&w, NULL, writer_main, NULL) == 0);
    while (atomic_load(&writer_committed) < 50)
        wire_sleep_ms(5);
    int before = atomic_load(&writer_committed);
    snprintf(full_dir, sizeof full_dir, "%s/bk_full", test_tmpdir());
    char args[2000], out[8192];
    snprintf(args, sizeof args, "backup -h 127.0.0.1 -p %d -U root -o %s", e2e_port(), full_dir);
    int st = run_shalectl(args, out, sizeof out);
    int after_start = atomic_load(&writer_committed);
    wire_sleep_ms(50);
    atomic_store(&writer_stop, true);
    pthread_join(w, NULL);
    CHECK_MSG(st == 0, "shalectl backup: %s", out);
    full_sent = field_before(out, "bytes transferred");
    CHECK_MSG(full_sent > 100000, "transferred %lld: %s", full_sent, out);
    CHECK_MSG(atomic_load(&writer_committed) > after_start || after_start > before,
              "the writer did not commit during the backup");

    char rdir[700];
    snprintf(rdir, sizeof rdir, "%s/restored_full", test_tmpdir());
    snprintf(args, sizeof args, "restore %s -D %s", full_dir, rdir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 0, "restore: %s", out);
    snprintf(args, sizeof args, "restore %s -D %s", full_dir, rdir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 1 && strstr(out, "not empty"), "restore into non-empty: %s", out);
    WireServer r;
    REQUIRE(start_on(&r, rdir, "restored_full"));
    char ci[200], buf[4096];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=postgres", r.port);
    PGconn *rc = PQconnectdb(ci);
    REQUIRE(PQstatus(rc) == CONNECTION_OK);
    CHECK_QUERY(rc, "SELECT sum(v), count(*) FROM acct", "1000|10");
    e2e_query(rc, "SELECT count(*), coalesce(max(n), 0), coalesce(min(n), 1) FROM wlog", buf, sizeof buf);
    int cnt = 0, mx = 0, mn = 0;
    sscanf(buf, "%d|%d|%d", &cnt, &mx, &mn);
    CHECK_MSG(cnt == mx && mn == 1, "wlog is not a committed prefix: %s", buf);
    CHECK_MSG(mx >= before, "rows committed before the backup are missing: restored %d, committed before %d", mx,
              before);
    CHECK_QUERY(rc, "SELECT count(*), sum(length(pad)) FROM bulk", "30000|7680000");
    CHECK_QUERY(rc, knn_sql, knn);
    CHECK_QUERY(rc, "SELECT count(*) FROM items", "300");
    /* the restored server takes writes */
    CHECK(e2e_exec_at(rc, "INSERT INTO wlog VALUES (1000000, 'x')", __FILE__, __LINE__));
    PQfinish(rc);
    CHECK_EQ_INT(wire_stop(&r, SIGTERM, 30000), 0);
    printf("  full backup: %lld bytes; restored %d writer commits (%d before the backup started)\n", full_sent, mx,
           before);
    PQfinish(c);
}

TEST(incremental_backup_reuses_sstables)
{
    if (e2e_oracle() || !full_dir[0])
        TEST_SKIP("needs the full backup");
    PGconn *c = e2e_connect(NULL);
    CHECK(e2e_exec_at(c, "INSERT INTO bulk SELECT g, 'new' FROM generate_series(30001, 30100) g", __FILE__, __LINE__));
    CHECK(e2e_exec_at(c, "UPDATE acct SET v = v + 5 WHERE id = 0; UPDATE acct SET v = v - 5 WHERE id = 9", __FILE__,
                      __LINE__));
    /* The first incremental backup settles the L0 compaction the full backup's flush
     * started (it may reuse nothing); the second reuses the compacted tables. */
    char mid_dir[700];
    snprintf(mid_dir, sizeof mid_dir, "%s/bk_incr0", test_tmpdir());
    snprintf(incr_dir, sizeof incr_dir, "%s/bk_incr", test_tmpdir());
    char args[2000], out[8192], buf[4096], want[4096];
    snprintf(args, sizeof args, "backup -p %d -o %s --incremental-from %s", e2e_port(), mid_dir, full_dir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 0, "incremental: %s", out);
    wire_sleep_ms(300);
    CHECK(e2e_exec_at(c, "UPDATE acct SET v = v + 1 WHERE id = 1; UPDATE acct SET v = v - 1 WHERE id = 2", __FILE__,
                      __LINE__));
    snprintf(args, sizeof args, "backup -p %d -o %s --incremental-from %s", e2e_port(), incr_dir, mid_dir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 0, "incremental: %s", out);
    long long sent = field_before(out, "bytes transferred"), reused = field_before(out, "bytes reused");
    CHECK_MSG(sent >= 0 && sent < full_sent && reused > 0, "incremental sent %lld reused %lld (full %lld): %s", sent,
              reused, full_sent, out);
    printf("  incremental: %lld bytes transferred, %lld reused (full: %lld)\n", sent, reused, full_sent);
    snprintf(args, sizeof args, "verify %s", incr_dir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 0, "verify: %s", out);
    char rdir[700];
    snprintf(rdir, sizeof rdir, "%s/restored_incr", test_tmpdir());
    snprintf(args, sizeof args, "restore %s -D %s", incr_dir, rdir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 0, "restore: %s", out);
    WireServer r;
    REQUIRE(start_on(&r, rdir, "restored_incr"));
    char ci[200];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=postgres", r.port);
    PGconn *rc = PQconnectdb(ci);
    REQUIRE(PQstatus(rc) == CONNECTION_OK);
    const char *qs[] = { "SELECT sum(v), count(*), max(v) FROM acct", "SELECT count(*), max(n), sum(n) FROM wlog",
                         "SELECT count(*), sum(length(pad)) FROM bulk", knn_sql };
    for (int i = 0; i < 4; i++) {
        e2e_query(c, qs[i], want, sizeof want);
        CHECK_QUERY(rc, qs[i], want);
    }
    (void)buf;
    PQfinish(rc);
    CHECK_EQ_INT(wire_stop(&r, SIGTERM, 30000), 0);
    PQfinish(c);
}

TEST(verify_detects_damage)
{
    if (e2e_oracle() || !incr_dir[0])
        TEST_SKIP("needs the backups");
    char args[2000], out[8192];
    snprintf(args, sizeof args, "verify %s", full_dir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 0 && strstr(out, "OK"), "verify: %s", out);
    /* the largest SSTable of the full backup: flip one byte in its middle */
    char cmd[1500], path[1000];
    snprintf(cmd, sizeof cmd, "ls -S %s/db/*.sst | head -1", full_dir);
    FILE *p = popen(cmd, "r");
    REQUIRE(p && fgets(path, sizeof path, p));
    pclose(p);
    path[strcspn(path, "\n")] = 0;
    FILE *f = fopen(path, "r+b");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size / 2, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, size / 2, SEEK_SET);
    fputc(ch ^ 0x10, f);
    fclose(f);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 1 && strstr(out, "CORRUPT") && strstr(out, ".sst"),
              "flipped byte not detected: %s", out);
    /* the sstable reader alone catches it too: fix the manifest CRC check out of the way */
    printf("  verify on a flipped byte: %.*s\n", (int)strcspn(out, "\n"), out);
    /* truncate the incremental backup's MANIFEST file */
    snprintf(cmd, sizeof cmd, "ls %s/db/MANIFEST-* | head -1", incr_dir);
    p = popen(cmd, "r");
    REQUIRE(p && fgets(path, sizeof path, p));
    pclose(p);
    path[strcspn(path, "\n")] = 0;
    REQUIRE(truncate(path, 10) == 0);
    snprintf(args, sizeof args, "verify %s", incr_dir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 1 && strstr(out, "truncated"), "truncation not detected: %s", out);
    char rdir[700];
    snprintf(rdir, sizeof rdir, "%s/restored_bad", test_tmpdir());
    snprintf(args, sizeof args, "restore %s -D %s", incr_dir, rdir);
    CHECK_MSG(run_shalectl(args, out, sizeof out) == 1, "restore of a damaged backup succeeded: %s", out);
}

TEST(base_backup_needs_superuser)
{
    if (e2e_oracle())
        TEST_SKIP("shaledb statement");
    PGconn *c = e2e_connect(NULL);
    CHECK(e2e_exec_at(c, "CREATE ROLE bob LOGIN", __FILE__, __LINE__));
    PGconn *b = e2e_connect("user=bob");
    REQUIRE(PQstatus(b) == CONNECTION_OK);
    CHECK_ERROR(b, "BASE_BACKUP", "42501", "must be superuser to run BASE_BACKUP");
    CHECK_ERROR(c, "BEGIN; BASE_BACKUP", "25001", "BASE_BACKUP cannot run inside a transaction block");
    PQfinish(b);
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(full_backup_while_writing);
    RUN(incremental_backup_reuses_sstables);
    RUN(verify_detects_damage);
    RUN(base_backup_needs_superuser);
    e2e_finish();
)
