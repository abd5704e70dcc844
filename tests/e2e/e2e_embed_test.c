/* e2e_embed_test.c -- embedding columns and jobs through the wire (docs/embeddings.md):
 * embedders, EMBEDDING OF columns, jobs enqueued in the row's transaction, the workers'
 * write-back, the views and functions, retries and failures against the fake
 * OpenAI-compatible server (tests/embed/fake_embed_server), and jobs surviving a clean
 * restart and a SIGKILL. The server runs with small retry settings so the whole binary
 * stays well under a minute. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

static pid_t fake_pid = -1;
static int fake_port;

static bool fake_start(void)
{
    char pf[700];
    snprintf(pf, sizeof pf, "%s/fake.port", test_tmpdir());
    unlink(pf);
    fake_pid = fork();
    if (fake_pid == 0) {
        char log[720];
        snprintf(log, sizeof log, "%s/fake.log", test_tmpdir());
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl("tests/embed/fake_embed_server", "fake_embed_server", "--port-file", pf, "--dims", "16", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(pf, "r");
        if (f) {
            int ok = fscanf(f, "PORT %d", &fake_port);
            fclose(f);
            if (ok == 1)
                return true;
        }
        wire_sleep_ms(10);
    }
    return false;
}

static void fake_stop(void)
{
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
        fake_pid = -1;
    }
}

/* POST /control?query to the fake server. */
static bool fake_control(const char *query)
{
    int fd = wire_raw_connect(fake_port);
    if (fd < 0)
        return false;
    char req[512];
    int n = snprintf(req, sizeof req, "POST /control?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n", query);
    bool ok = wire_raw_send(fd, req, (size_t)n);
    char buf[1024];
    bool closed = false;
    size_t got = wire_raw_read_all(fd, buf, sizeof buf - 1, 3000, &closed);
    close(fd);
    buf[got] = '\0';
    return ok && strstr(buf, " 200 ") != NULL;
}

static const char *const server_extra[] = { "-c", "embedding_retry_base_ms=50", "-c", "embedding_retry_max_ms=400",
                                            "-c", "embedding_max_attempts=3", NULL };

static bool restart(int sig)
{
    int st = wire_stop(&e2e_srv, sig, 30000);
    if (sig == SIGTERM && st != 0) { /* a sanitizer report at exit shows here */
        printf("FAIL %s.clean_shutdown (exit status %d)\n", test_binary_name, st);
        test_cases_failed++;
    }
    int port = e2e_srv.port;
    e2e_srv.pid = wire_spawn(e2e_srv.dir, port, e2e_srv.log, server_extra);
    for (int i = 0; i < 3000; i++) {
        if (wire_port_open(port))
            return true;
        wire_sleep_ms(10);
    }
    return false;
}

static int qint(PGconn *c, const char *sql)
{
    char buf[256];
    return atoi(e2e_query(c, sql, buf, sizeof buf));
}

/* Polls shale_embedding_status until table has `ready` ready jobs and none pending (jobs
 * rebuilt at start belong to no session, so shale_wait_for_embeddings does not wait for them). */
static bool wait_ready(PGconn *c, const char *table, int ready, int timeout_ms)
{
    char sql[256], want[64], buf[256];
    snprintf(sql, sizeof sql, "SELECT ready || ' ' || pending FROM shale_embedding_status WHERE table_name = '%s'", table);
    snprintf(want, sizeof want, "%d 0", ready);
    int64_t end = wire_now_ms() + timeout_ms;
    while (wire_now_ms() < end) {
        if (strcmp(e2e_query(c, sql, buf, sizeof buf), want) == 0)
            return true;
        wire_sleep_ms(20);
    }
    printf("  %s: %s, want %s\n", table, buf, want);
    return false;
}

static void create_fake_embedder(PGconn *c, const char *name, const char *extra)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE EMBEDDER %s (provider = 'openai', url = 'http://127.0.0.1:%d/v1/embeddings', model = 'm', "
             "dims = 16%s)", name, fake_port, extra ? extra : "");
    CHECK_EXEC(c, sql);
}

TEST(embedder_ddl_and_embed)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "CREATE EMBEDDER local (provider = 'hash', dims = 16)");
    CHECK_ERROR(c, "CREATE EMBEDDER local (provider = 'hash', dims = 16)", "42710", "embedder \"local\" already exists");
    CHECK_EXEC(c, "CREATE EMBEDDER IF NOT EXISTS local (provider = 'hash')");
    CHECK_ERROR(c, "CREATE EMBEDDER x (provider = 'nope')", "42704", NULL);
    CHECK_ERROR(c, "CREATE EMBEDDER x (dims = 3)", "22023", NULL);
    CHECK_QUERY(c, "SELECT vector_dims(embed('local', 'hello world'))", "16");
    CHECK_QUERY(c, "SELECT embed('local', 'hello world') = embed('local', 'hello world')", "t");
    CHECK_QUERY(c, "SELECT embed('local', 'hello world') = embed('local', 'other words')", "f");
    CHECK_ERROR(c, "SELECT embed('nosuch', 'x')", "42704", "embedder \"nosuch\" does not exist");
    CHECK_EXEC(c, "CREATE EMBEDDER tmp (provider = 'hash', dims = 8)");
    CHECK_EXEC(c, "ALTER EMBEDDER tmp (dims = 4)");
    CHECK_QUERY(c, "SELECT vector_dims(embed('tmp', 'x y'))", "4");
    CHECK_EXEC(c, "DROP EMBEDDER tmp");
    CHECK_EXEC(c, "DROP EMBEDDER IF EXISTS tmp");
    CHECK_ERROR(c, "DROP EMBEDDER tmp", "42704", "embedder \"tmp\" does not exist");
    PQfinish(c);
}

TEST(insert_becomes_ready)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_ERROR(c, "CREATE TABLE bad (id int PRIMARY KEY, t text, e vector(8) EMBEDDING OF (t) USING local)", "22000",
                NULL);
    CHECK_ERROR(c, "CREATE TABLE bad (id int PRIMARY KEY, t text, e int EMBEDDING OF (t) USING local)", "42804", NULL);
    CHECK_ERROR(c, "CREATE TABLE bad (t text, e vector(16) EMBEDDING OF (t) USING local)", "0A000", NULL);
    CHECK_EXEC(c, "CREATE TABLE docs (id int PRIMARY KEY, title text, body text, n int, "
                  "emb vector(16) EMBEDDING OF (title || ' ' || body) USING local)");
    CHECK_ERROR(c, "DROP EMBEDDER local", "2BP01", "cannot drop embedder local because other objects depend on it");
    CHECK_EXEC(c, "INSERT INTO docs VALUES (1, 'hello', 'world', 0), (2, 'foo', 'bar baz', 0), (3, 'x', NULL, 0)");
    /* the jobs committed with the rows; NULL text: no job */
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'docs'", "2");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_QUERY(c, "SELECT string_agg(row_key || ':' || status, ',' ORDER BY row_key) FROM shale_embedding_jobs "
                   "WHERE table_name = 'docs'", "1:ready,2:ready");
    CHECK_QUERY(c, "SELECT bool_and(emb = embed('local', title || ' ' || body)) FROM docs WHERE id < 3", "t");
    CHECK_QUERY(c, "SELECT emb IS NULL FROM docs WHERE id = 3", "t");
    CHECK_QUERY(c, "SELECT pending || ' ' || ready || ' ' || failed FROM shale_embedding_status "
                   "WHERE table_name = 'docs'", "0 2 0");
    /* COPY and INSERT ... SELECT and ON CONFLICT enqueue too */
    CHECK_EXEC(c, "INSERT INTO docs SELECT 10 + g, 'gen', 'row ' || g, 0 FROM generate_series(1, 3) g");
    CHECK_EXEC(c, "INSERT INTO docs VALUES (11, 'conflict', 'updated', 0) ON CONFLICT (id) DO UPDATE SET "
                  "title = excluded.title, body = excluded.body");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_QUERY(c, "SELECT emb = embed('local', 'conflict updated') FROM docs WHERE id = 11", "t");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'docs' AND status = 'ready'", "5");
    PQfinish(c);
}

TEST(unchanged_update_enqueues_nothing)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char before[256], after[256];
    const char *q = "SELECT attempts || ' ' || enqueued_at || ' ' || updated_at || ' ' || content_hash "
                    "FROM shale_embedding_jobs WHERE table_name = 'docs' AND row_key = '1'";
    e2e_query(c, q, before, sizeof before);
    CHECK_EXEC(c, "UPDATE docs SET title = 'hello', n = n + 1 WHERE id = 1");
    CHECK_EXEC(c, "UPDATE docs SET n = 5");
    e2e_query(c, q, after, sizeof after);
    CHECK_STR(before, after);
    CHECK_QUERY(c, "SELECT status FROM shale_embedding_jobs WHERE table_name = 'docs' AND row_key = '1'", "ready");
    /* a changed text: a new pending job with a new hash, then the new vector */
    CHECK_EXEC(c, "UPDATE docs SET title = 'goodbye' WHERE id = 1");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_QUERY(c, "SELECT emb = embed('local', 'goodbye world') FROM docs WHERE id = 1", "t");
    e2e_query(c, q, after, sizeof after);
    CHECK(strcmp(before, after) != 0);
    /* the primary key moves: so does the job */
    CHECK_EXEC(c, "UPDATE docs SET id = 100 WHERE id = 2");
    CHECK_QUERY(c, "SELECT string_agg(row_key, ',' ORDER BY row_key) FROM shale_embedding_jobs "
                   "WHERE table_name = 'docs' AND row_key IN ('2', '100')", "100");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    PQfinish(c);
}

TEST(delete_and_rollback)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    int n0 = qint(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'docs'");
    CHECK_EXEC(c, "DELETE FROM docs WHERE id = 100");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'docs' AND row_key = '100'", "0");
    CHECK_EQ_INT(qint(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'docs'"), n0 - 1);
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "INSERT INTO docs VALUES (50, 'rolled', 'back', 0)");
    CHECK_QUERY(c, "SELECT status FROM shale_embedding_jobs WHERE table_name = 'docs' AND row_key = '50'", "pending");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'docs' AND row_key = '50'", "0");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "INSERT INTO docs VALUES (51, 'kept', 'row', 0)");
    CHECK_EXEC(c, "SAVEPOINT s");
    CHECK_EXEC(c, "INSERT INTO docs VALUES (52, 'undone', 'row', 0)");
    CHECK_EXEC(c, "ROLLBACK TO SAVEPOINT s");
    CHECK_EXEC(c, "COMMIT");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_QUERY(c, "SELECT string_agg(row_key || ':' || status, ',') FROM shale_embedding_jobs "
                   "WHERE table_name = 'docs' AND row_key IN ('51', '52')", "51:ready");
    CHECK_EQ_INT(qint(c, "SELECT ready FROM shale_embedding_status WHERE table_name = 'docs'"),
             qint(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'docs' AND status = 'ready'"));
    PQfinish(c);
}

TEST(backfill_existing_rows)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "CREATE TABLE old (id int PRIMARY KEY, body text)");
    CHECK_EXEC(c, "INSERT INTO old SELECT g, 'old text ' || g FROM generate_series(1, 300) g");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "ALTER TABLE old ADD COLUMN emb vector(16) EMBEDDING OF (body) USING local");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'old' AND status = 'pending'", "300");
    CHECK_EXEC(c, "COMMIT");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(20000)", "t");
    CHECK_QUERY(c, "SELECT count(*) FROM old WHERE emb = embed('local', body)", "300");
    CHECK_QUERY(c, "SELECT pending || ' ' || ready FROM shale_embedding_status WHERE table_name = 'old'", "0 300");
    PQfinish(c);
}

TEST(column_dependencies)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "CREATE TABLE dd (id int PRIMARY KEY, a text, b text, n int, "
                  "emb vector(16) EMBEDDING OF (a || ' ' || b) USING local)");
    CHECK_EXEC(c, "INSERT INTO dd VALUES (1, 'x', 'y', 1), (2, 'z', 'w', 2)");
    CHECK_ERROR(c, "ALTER TABLE dd DROP COLUMN b", "2BP01", "cannot drop column b of table dd because other objects "
                                                            "depend on it");
    CHECK_ERROR(c, "ALTER TABLE dd RENAME COLUMN a TO aa", "0A000", NULL);
    CHECK_EXEC(c, "ALTER TABLE dd DROP COLUMN n");
    CHECK_EXEC(c, "ALTER TABLE dd RENAME COLUMN id TO ident");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'dd'", "2");
    CHECK_EXEC(c, "ALTER TABLE dd DROP COLUMN b CASCADE");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'dd'", "0");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_status WHERE table_name = 'dd'", "0");
    CHECK_EXEC(c, "UPDATE dd SET a = 'changed'");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'dd'", "0");
    /* dropping the embedding column itself removes its jobs */
    CHECK_EXEC(c, "ALTER TABLE dd ADD COLUMN e2 vector(16) EMBEDDING OF (a) USING local");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'dd'", "2");
    CHECK_EXEC(c, "ALTER TABLE dd DROP COLUMN e2");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'dd'", "0");
    /* SET EMBEDDING OF re-points a column (old jobs go, every row is queued again) */
    CHECK_EXEC(c, "ALTER TABLE dd ALTER COLUMN emb SET EMBEDDING OF ('new: ' || a) USING local");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'dd'", "2");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_QUERY(c, "SELECT count(*) FROM dd WHERE emb = embed('local', 'new: ' || a)", "2");
    CHECK_EXEC(c, "ALTER TABLE dd ALTER emb DROP EMBEDDING");
    CHECK_QUERY(c, "SELECT count(*) FROM shale_embedding_jobs WHERE table_name = 'dd'", "0");
    CHECK_ERROR(c, "ALTER TABLE dd ALTER emb DROP EMBEDDING", "42704", NULL);
    CHECK_QUERY(c, "SELECT count(*) FROM dd WHERE emb IS NOT NULL", "2");
    CHECK_EXEC(c, "DROP TABLE dd");
    PQfinish(c);
}

TEST(semantic_search)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "CREATE EMBEDDER big (provider = 'hash', dims = 256)");
    CHECK_EXEC(c, "CREATE TABLE corpus (id int PRIMARY KEY, body text, emb vector(256) EMBEDDING OF (body) USING big)");
    CHECK_EXEC(c, "INSERT INTO corpus VALUES (1, 'how to reset your password'), (2, 'the weather is sunny today'), "
                  "(3, 'cooking pasta with tomato sauce'), (4, 'password reset link expired'), "
                  "(5, 'football match results'), (6, 'gardening tips for spring')");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_QUERY(c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT id FROM corpus "
                   "ORDER BY emb <=> embed('big', 'reset password') LIMIT 2) s", "1,4");
    PQfinish(c);
}

TEST(update_while_in_flight)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    create_fake_embedder(c, "fake", NULL);
    CHECK_EXEC(c, "CREATE TABLE inflight (id int PRIMARY KEY, body text, emb vector(16) EMBEDDING OF (body) USING fake)");
    REQUIRE(fake_control("mode=ok&slow=1500&reset=1"));
    CHECK_EXEC(c, "INSERT INTO inflight VALUES (1, 'first version')");
    wire_sleep_ms(400); /* the worker is now inside the slow request */
    REQUIRE(fake_control("mode=ok&slow=0"));
    CHECK_EXEC(c, "UPDATE inflight SET body = 'second version' WHERE id = 1");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(15000)", "t");
    CHECK_QUERY(c, "SELECT emb = embed('local', 'second version') FROM inflight", "t");
    CHECK_QUERY(c, "SELECT status FROM shale_embedding_jobs WHERE table_name = 'inflight'", "ready");
    PQfinish(c);
}

TEST(locked_row_is_retried)
{
    /* an idle transaction holds the row while its vector is computed: the write-back's lock
     * wait times out (5 s) and the batch is retried later -- not failed */
    PGconn *c = e2e_connect(NULL), *h = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK && PQstatus(h) == CONNECTION_OK);
    CHECK_EXEC(c, "CREATE TABLE lk (id int PRIMARY KEY, body text, n int, emb vector(16) EMBEDDING OF (body) USING fake)");
    REQUIRE(fake_control("mode=ok&slow=400&count=0"));
    CHECK_EXEC(c, "INSERT INTO lk VALUES (1, 'locked row', 0)");
    wire_sleep_ms(100);
    CHECK_EXEC(h, "BEGIN");
    CHECK_EXEC(h, "UPDATE lk SET n = 1 WHERE id = 1");
    REQUIRE(fake_control("mode=ok&slow=0&count=0"));
    wire_sleep_ms(5600);
    CHECK_QUERY(c, "SELECT status || ' ' || attempts FROM shale_embedding_jobs WHERE table_name = 'lk'", "pending 0");
    CHECK_EXEC(h, "COMMIT");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_QUERY(c, "SELECT status || ' ' || n FROM shale_embedding_jobs, lk WHERE table_name = 'lk'", "ready 1");
    CHECK_QUERY(c, "SELECT emb = embed('local', 'locked row') FROM lk", "t");
    PQfinish(c);
    PQfinish(h);
}

TEST(retries_and_failures)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "CREATE TABLE rt (id int PRIMARY KEY, body text, emb vector(16) EMBEDDING OF (body) USING fake)");
    /* two 500s, then success: attempts counts the failures */
    REQUIRE(fake_control("mode=fail500&count=2&reset=1"));
    CHECK_EXEC(c, "INSERT INTO rt VALUES (1, 'flaky endpoint')");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(15000)", "t");
    CHECK_QUERY(c, "SELECT status || ' ' || attempts FROM shale_embedding_jobs WHERE table_name = 'rt'", "ready 2");
    CHECK_QUERY(c, "SELECT emb = embed('local', 'flaky endpoint') FROM rt", "t");
    /* 429: the job waits, its next retry visible */
    REQUIRE(fake_control("mode=429&count=0"));
    CHECK_EXEC(c, "INSERT INTO rt VALUES (2, 'rate limited')");
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        char buf[256];
        e2e_query(c, "SELECT status = 'pending' AND attempts >= 1 AND next_retry_at > updated_at AND "
                     "last_error LIKE '%429%' FROM shale_embedding_jobs WHERE table_name = 'rt' AND row_key = '2'",
                  buf, sizeof buf);
        seen = strcmp(buf, "t") == 0;
        if (!seen)
            wire_sleep_ms(10);
    }
    CHECK_MSG(seen, "a 429 left the job pending with a next retry time and the error");
    /* terminal failure after max attempts (3), with the last error kept */
    REQUIRE(fake_control("mode=fail500&count=0"));
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(15000)", "t");
    CHECK_QUERY(c, "SELECT status || ' ' || attempts || ' ' || (last_error LIKE '%500%') FROM shale_embedding_jobs "
                   "WHERE table_name = 'rt' AND row_key = '2'", "failed 3 t");
    CHECK_QUERY(c, "SELECT failed FROM shale_embedding_status WHERE table_name = 'rt'", "1");
    /* re-drive */
    REQUIRE(fake_control("mode=ok&count=0"));
    CHECK_QUERY(c, "SELECT shale_retry_failed_embeddings('rt')", "1");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(15000)", "t");
    CHECK_QUERY(c, "SELECT status FROM shale_embedding_jobs WHERE table_name = 'rt' AND row_key = '2'", "ready");
    CHECK_QUERY(c, "SELECT failed || ' ' || ready FROM shale_embedding_status WHERE table_name = 'rt'", "0 2");
    /* a poison text fails alone; its batch neighbours become ready */
    CHECK_EXEC(c, "INSERT INTO rt SELECT 10 + g, CASE WHEN g = 3 THEN 'poison pill' ELSE 'good row ' || g END "
                  "FROM generate_series(1, 6) g");
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(15000)", "t");
    CHECK_QUERY(c, "SELECT string_agg(status, ',' ORDER BY row_key::int) FROM shale_embedding_jobs "
                   "WHERE table_name = 'rt' AND row_key::int > 10", "ready,ready,failed,ready,ready,ready");
    CHECK_QUERY(c, "SELECT attempts FROM shale_embedding_jobs WHERE table_name = 'rt' AND row_key = '13'", "1");
    PQfinish(c);
}

TEST(down_embedder_does_not_block_others)
{
    PGconn *a = e2e_connect(NULL), *b = e2e_connect(NULL);
    REQUIRE(PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
    CHECK_EXEC(a, "CREATE EMBEDDER down (provider = 'openai', url = 'http://127.0.0.1:9/v1/embeddings', "
                  "model = 'm', dims = 16, timeout_ms = 2000)");
    CHECK_EXEC(a, "CREATE TABLE d1 (id int PRIMARY KEY, body text, emb vector(16) EMBEDDING OF (body) USING down)");
    CHECK_EXEC(a, "CREATE TABLE d2 (id int PRIMARY KEY, body text, emb vector(16) EMBEDDING OF (body) USING local)");
    CHECK_EXEC(a, "INSERT INTO d1 SELECT g, 'down ' || g FROM generate_series(1, 50) g");
    int64_t t0 = wire_now_ms();
    CHECK_EXEC(b, "INSERT INTO d2 SELECT g, 'up ' || g FROM generate_series(1, 50) g");
    CHECK_QUERY(b, "SELECT shale_wait_for_embeddings(10000)", "t");
    CHECK_MSG(wire_now_ms() - t0 < 5000, "the working embedder's jobs took %lld ms", (long long)(wire_now_ms() - t0));
    CHECK_QUERY(b, "SELECT ready FROM shale_embedding_status WHERE table_name = 'd2'", "50");
    CHECK_QUERY(a, "SELECT ready FROM shale_embedding_status WHERE table_name = 'd1'", "0");
    CHECK_EXEC(a, "DROP TABLE d1");
    CHECK_EXEC(a, "DROP EMBEDDER down");
    PQfinish(a);
    PQfinish(b);
}

TEST(pending_jobs_survive_restart)
{
    if (e2e_oracle())
        TEST_SKIP("needs to restart the server");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    /* the endpoint hangs: jobs stay pending (in flight) until the server stops */
    REQUIRE(fake_control("mode=hang&count=0"));
    create_fake_embedder(c, "fakeshort", ", timeout_ms = 1500");
    CHECK_EXEC(c, "CREATE TABLE rs (id int PRIMARY KEY, body text, emb vector(16) EMBEDDING OF (body) USING fakeshort)");
    CHECK_EXEC(c, "INSERT INTO rs SELECT g, 'restart ' || g FROM generate_series(1, 40) g");
    wire_sleep_ms(200);
    PQfinish(c);
    REQUIRE(restart(SIGTERM));
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_QUERY(c, "SELECT pending FROM shale_embedding_status WHERE table_name = 'rs'", "40");
    REQUIRE(fake_control("mode=ok&count=0"));
    CHECK_QUERY(c, "SELECT shale_wait_for_embeddings(20000)", "t"); /* nothing of this session's */
    CHECK(wait_ready(c, "rs", 40, 20000));
    CHECK_QUERY(c, "SELECT count(*) FROM rs WHERE emb = embed('local', body)", "40");
    PQfinish(c);
}

TEST(sigkill_mid_batch)
{
    if (e2e_oracle())
        TEST_SKIP("needs to kill the server");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE(fake_control("mode=ok&slow=300&count=0"));
    CHECK_EXEC(c, "CREATE TABLE sk (id int PRIMARY KEY, body text, emb vector(16) EMBEDDING OF (body) USING fake)");
    CHECK_EXEC(c, "INSERT INTO sk SELECT g, 'killed ' || g FROM generate_series(1, 500) g");
    wire_sleep_ms(700);
    PQfinish(c);
    REQUIRE(restart(SIGKILL));
    REQUIRE(fake_control("mode=ok&slow=0&count=0"));
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK(wait_ready(c, "sk", 500, 20000));
    CHECK_QUERY(c, "SELECT failed FROM shale_embedding_status WHERE table_name = 'sk'", "0");
    CHECK_QUERY(c, "SELECT count(*) FROM sk WHERE emb = embed('local', body)", "500");
    CHECK_QUERY(c, "SELECT count(*) FROM docs WHERE emb IS NULL", "1");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_oracle() && !fake_start()) {
        printf("could not start the fake embeddings server\n");
        return 1;
    }
    if (!e2e_start(server_extra)) {
        printf("could not start the server\n");
        e2e_dump_log();
        fake_stop();
        return 1;
    }
    if (e2e_oracle()) {
        printf("SKIP e2e_embed_test: embedding jobs are a ShaleDB extension\n");
        e2e_finish();
        return 0;
    }
    RUN(embedder_ddl_and_embed);
    RUN(insert_becomes_ready);
    RUN(unchanged_update_enqueues_nothing);
    RUN(delete_and_rollback);
    RUN(backfill_existing_rows);
    RUN(column_dependencies);
    RUN(semantic_search);
    RUN(update_while_in_flight);
    RUN(locked_row_is_retried);
    RUN(retries_and_failures);
    RUN(down_embedder_does_not_block_others);
    RUN(pending_jobs_survive_restart);
    RUN(sigkill_mid_batch);
    e2e_finish();
    fake_stop();
)
