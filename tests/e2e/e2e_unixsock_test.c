/* e2e_unixsock_test.c -- the real server on Unix-domain sockets (unix_socket_directories):
 * libpq with host=<directory> (queries, extended protocol, COPY both ways, PQcancel over the
 * socket), psql through PGHOST, pg_stat_activity's client_addr NULL / client_port -1 and
 * "[local]" in the log, loopback authentication rules, SSLRequest answered 'N' even with
 * ssl = on (and libpq's sslmode=require connecting without TLS, as PostgreSQL 15's libpq does
 * over a socket), the socket file's permissions, the lock file's content, a second server
 * on the same port and directory refused with the lock file's message, a stale lock (dead
 * pid) and a stale socket file replaced, a Unix-only server (listen_addresses = ''), and
 * every file removed by SIGTERM. */
#include "tests/harness/test.h"

#include <grp.h>
#include <sys/un.h>

#include "tests/e2e/e2e_util.h"

#define REQUIRE_MSG(cond, ...) do { int rm_ = !!(cond); CHECK_MSG(rm_, __VA_ARGS__); if (!rm_) return; } while (0)

static char sockdir[520];   /* <tmp>/s: the main server's first socket directory */
static char sockdir2[520];  /* <tmp>/s2: its second one */
static bool with_tls;       /* the main server runs with ssl = on */

static void path_in(char *out, size_t cap, const char *dir, int port, const char *suffix)
{
    snprintf(out, cap, "%s/.s.PGSQL.%d%s", dir, port, suffix);
}

/* Fills a->sun_path (the test's paths are short: test_tmpdir() is under /tmp). */
static void set_sun_path(struct sockaddr_un *a, const char *path)
{
    size_t l = strlen(path);
    if (l >= sizeof a->sun_path)
        l = sizeof a->sun_path - 1;
    memcpy(a->sun_path, path, l);
    a->sun_path[l] = 0;
}

static bool file_exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static PGconn *sock_connect(const char *dir, int port, const char *extra)
{
    char ci[1200];
    snprintf(ci, sizeof ci, "host=%s port=%d dbname=postgres connect_timeout=20 %s", dir, port,
             extra ? extra : "");
    PGconn *c = PQconnectdb(ci);
    PQsetNoticeProcessor(c, e2e_quiet_notice, NULL);
    return c;
}

static int run_capture(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    if (!p)
        return -1;
    while (n + 1 < cap) {
        size_t r = fread(out + n, 1, cap - 1 - n, p);
        if (r == 0)
            break;
        n += r;
    }
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strstr(buf, needle) != NULL;
}

/* Waits until a libpq connection over the socket in dir works (or the process died). */
static bool wait_socket_ready(pid_t pid, const char *dir, int port)
{
    for (int i = 0; i < 2000; i++) {
        PGconn *c = sock_connect(dir, port, "connect_timeout=2");
        bool ok = PQstatus(c) == CONNECTION_OK;
        PQfinish(c);
        if (ok)
            return true;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return false;
        wire_sleep_ms(10);
    }
    return false;
}

static bool make_cert(const char *dir)
{
    char cmd[2000], out[4096];
    snprintf(cmd, sizeof cmd,
             "(set -e; mkdir -p '%1$s'; cd '%1$s'; openssl req -x509 -newkey ec -pkeyopt "
             "ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.crt -days 2 "
             "-subj /CN=localhost; chmod 600 server.key) 2>&1",
             dir);
    return run_capture(cmd, out, sizeof out) == 0;
}

TEST(files_and_lock_content)
{
    int port = e2e_port();
    char sock[560], lock[560];
    for (int d = 0; d < 2; d++) {
        const char *dir = d ? sockdir2 : sockdir;
        path_in(sock, sizeof sock, dir, port, "");
        path_in(lock, sizeof lock, dir, port, ".lock");
        struct stat st;
        REQUIRE_MSG(lstat(sock, &st) == 0, "no socket file %s", sock);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK_MSG((st.st_mode & 0777) == 0770, "socket mode %o", (unsigned)(st.st_mode & 0777));
        FILE *f = fopen(lock, "r");
        REQUIRE_MSG(f != NULL, "no lock file %s", lock);
        char lines[5][700] = {{0}};
        for (int i = 0; i < 5 && fgets(lines[i], sizeof lines[i], f); i++)
            lines[i][strcspn(lines[i], "\n")] = 0;
        fclose(f);
        CHECK_EQ_INT(atol(lines[0]), (long)e2e_srv.pid);
        CHECK_STR(lines[1], e2e_srv.dir);
        CHECK(atoll(lines[2]) > 1600000000LL);
        CHECK_EQ_INT(atoi(lines[3]), port);
        CHECK_STR(lines[4], dir);
    }
}

TEST(libpq_queries)
{
    PGconn *c = sock_connect(sockdir, e2e_port(), NULL);
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    CHECK_STR(PQhost(c), sockdir);
    CHECK_QUERY(c, "SELECT 40 + 2", "42");
    CHECK_EXEC(c, "CREATE TABLE us_t (a int PRIMARY KEY, b text)");
    CHECK_EXEC(c, "INSERT INTO us_t VALUES (1, 'one'), (2, 'two')");
    CHECK_QUERY(c, "SELECT b FROM us_t ORDER BY a DESC", "two;one");
    const char *params[1] = {"7"};
    PGresult *r = PQexecParams(c, "SELECT $1::int * 6", 1, NULL, params, NULL, NULL, 0);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "42") == 0);
    PQclear(r);
    /* PostgreSQL shows a Unix-socket client with no address and port -1. */
    CHECK_QUERY(c, "SELECT client_addr IS NULL, client_port FROM pg_stat_activity WHERE pid = pg_backend_pid()",
                "t|-1");
    PQfinish(c);
    /* the second directory serves the same server */
    c = sock_connect(sockdir2, e2e_port(), NULL);
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    CHECK_QUERY(c, "SELECT count(*) FROM us_t", "2");
    PQfinish(c);
    CHECK_MSG(file_contains(e2e_srv.log, "connection received: host=[local]\n"), "no [local] line in the log");
    CHECK(file_contains(e2e_srv.log, "database=postgres host=[local]\n"));
}

TEST(copy_both_ways)
{
    PGconn *c = sock_connect(sockdir, e2e_port(), NULL);
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    REQUIRE_EXEC(c, "CREATE TABLE us_copy (a int, b text)");
    PGresult *r = PQexec(c, "COPY us_copy FROM STDIN");
    REQUIRE_MSG(PQresultStatus(r) == PGRES_COPY_IN, "copy in: %s", PQerrorMessage(c));
    PQclear(r);
    char line[64];
    int rows = E2E_SCALE(20000, 5000);
    for (int i = 0; i < rows; i++) {
        int n = snprintf(line, sizeof line, "%d\trow %d\n", i, i);
        CHECK(PQputCopyData(c, line, n) == 1);
    }
    CHECK(PQputCopyEnd(c, NULL) == 1);
    r = PQgetResult(c);
    CHECK_MSG(PQresultStatus(r) == PGRES_COMMAND_OK, "copy end: %s", PQerrorMessage(c));
    PQclear(r);
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    char want[64];
    snprintf(want, sizeof want, "%d|%lld", rows, (long long)rows * (rows - 1) / 2);
    CHECK_QUERY(c, "SELECT count(*), sum(a) FROM us_copy", want);
    r = PQexec(c, "COPY (SELECT a, b FROM us_copy ORDER BY a) TO STDOUT");
    REQUIRE_MSG(PQresultStatus(r) == PGRES_COPY_OUT, "copy out: %s", PQerrorMessage(c));
    PQclear(r);
    int got = 0;
    char *buf;
    int n;
    bool first_ok = false;
    while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
        if (got == 0)
            first_ok = n == 8 && memcmp(buf, "0\trow 0\n", 8) == 0;
        got++;
        PQfreemem(buf);
    }
    CHECK_EQ_INT(got, rows);
    CHECK(first_ok);
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    PQfinish(c);
}

TEST(cancel_over_socket)
{
    PGconn *c = sock_connect(sockdir, e2e_port(), NULL);
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    REQUIRE_MSG(PQsendQuery(c, "SELECT count(*) FROM generate_series(1, 1000000000)") == 1, "send: %s", PQerrorMessage(c));
    wire_sleep_ms(300);
    PGcancel *cn = PQgetCancel(c);
    char eb[256];
    int64_t t0 = wire_now_ms();
    CHECK_MSG(PQcancel(cn, eb, sizeof eb), "PQcancel: %s", eb);
    PQfreeCancel(cn);
    bool cancelled = false;
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (PQresultStatus(r) == PGRES_FATAL_ERROR && st && strcmp(st, "57014") == 0)
            cancelled = true;
        PQclear(r);
    }
    CHECK(cancelled);
    CHECK_MSG(wire_now_ms() - t0 < 10000, "cancel took %lld ms", (long long)(wire_now_ms() - t0));
    CHECK_QUERY(c, "SELECT 1", "1");
    PQfinish(c);
}

TEST(psql_through_pghost)
{
    if (system("psql --version >/dev/null 2>&1") != 0) {
        printf("  psql not installed: case skipped\n");
        return;
    }
    char cmd[1200], out[4096];
    /* No -h: libpq's default host is a socket directory, PGHOST picks ours. */
    snprintf(cmd, sizeof cmd,
             "PGHOST='%s' psql -X -p %d -d postgres -At -c 'SELECT 6 * 7' -c \"SELECT count(*) FROM us_t\" 2>&1",
             sockdir, e2e_port());
    CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 0);
    CHECK_STR(out, "42\n2\n");
    snprintf(cmd, sizeof cmd, "psql -X -h '%s' -p %d -d postgres -At -c '\\conninfo' 2>&1", sockdir, e2e_port());
    CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 0);
    CHECK_MSG(strstr(out, "via socket in \"") && strstr(out, sockdir), "%s", out);
}

/* SSLRequest on a Unix socket is answered 'N' even though the server has TLS, and the
 * startup then goes on in plain text (PostgreSQL does no TLS over Unix sockets). */
TEST(ssl_request_answered_n)
{
    char sock[560];
    path_in(sock, sizeof sock, sockdir, e2e_port(), "");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    set_sun_path(&a, sock);
    REQUIRE_MSG(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect %s: %s", sock, strerror(errno));
    unsigned char req[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    CHECK(wire_raw_send(fd, req, sizeof req));
    char b = 0;
    bool closed;
    CHECK_EQ_INT(wire_raw_read_all(fd, &b, 1, 5000, &closed), 1);
    CHECK_EQ_INT(b, 'N');
    char pkt[256];
    size_t n = wire_startup_packet(pkt, sizeof pkt, "root", "postgres");
    CHECK(wire_raw_send(fd, pkt, n));
    CHECK(wire_raw_until_ready(fd, 10000));
    close(fd);
    /* libpq 15 never asks for TLS over a socket; sslmode=require then connects in plain text,
     * exactly as against PostgreSQL 15 (checked with the real server). */
    PGconn *c = sock_connect(sockdir, e2e_port(), "sslmode=require");
    CHECK_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    CHECK_EQ_INT(PQsslInUse(c), 0);
    PQfinish(c);
    if (with_tls) {
        /* ...while TCP really is TLS (the server's ssl = on took effect) */
        c = e2e_connect("sslmode=require");
        CHECK_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
        CHECK_EQ_INT(PQsslInUse(c), 1);
        PQfinish(c);
    }
}

/* Runs the server binary in the foreground with args and returns its exit status. */
static int run_server(const char *const *args, const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        const char *argv[32];
        int n = 0;
        argv[n++] = wire_server_bin();
        for (int i = 0; args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    int64_t end = wire_now_ms() + 30000;
    while (wire_now_ms() < end) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        wire_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

TEST(second_server_refused)
{
    char data[600], log[600], dirs[1500], port[16], sock[560], lock[560], want[1200];
    snprintf(data, sizeof data, "%s/second", test_tmpdir());
    snprintf(log, sizeof log, "%s/second.log", test_tmpdir());
    snprintf(dirs, sizeof dirs, "unix_socket_directories=%s", sockdir);
    snprintf(port, sizeof port, "%d", e2e_port());
    const char *args[] = {"-D", data, "-p", port, "-c", dirs, NULL};
    CHECK(run_server(args, log) != 0);
    path_in(lock, sizeof lock, sockdir, e2e_port(), ".lock");
    path_in(sock, sizeof sock, sockdir, e2e_port(), "");
    snprintf(want, sizeof want, "FATAL:  lock file \"%s\" already exists", lock);
    CHECK_MSG(file_contains(log, want), "no \"%s\" in %s", want, log);
    snprintf(want, sizeof want, "Is another server (PID %d) using socket file \"%s\"?", (int)e2e_srv.pid, sock);
    CHECK_MSG(file_contains(log, want), "no \"%s\" in %s", want, log);
    /* the first server keeps its files and keeps working */
    CHECK(file_exists(sock));
    CHECK(file_exists(lock));
    PGconn *c = sock_connect(sockdir, e2e_port(), NULL);
    CHECK_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    PQfinish(c);
    /* a bad setting is refused before anything is created */
    const char *bad[] = {"-D", data, "-p", port, "-c", "unix_socket_permissions=0999", NULL};
    CHECK(run_server(bad, log) != 0);
    CHECK(file_contains(log, "invalid value for parameter \"unix_socket_permissions\""));
    const char *big[] = {"-D", data, "-p", port, "-c", "unix_socket_permissions=01777", NULL};
    CHECK(run_server(big, log) != 0);
    CHECK(file_contains(log, "outside the valid range for parameter \"unix_socket_permissions\""));
}

/* A lock file left by a dead server and its socket file are replaced; the server listens on
 * the socket only (listen_addresses = ''), one thread per connection, refuses loopback
 * clients when auth_method_loopback = reject, and SIGTERM removes both files. */
TEST(stale_lock_unix_only_and_sigterm)
{
    char dir[520], sock[560], lock[560];
    snprintf(dir, sizeof dir, "%s/st", test_tmpdir());
    REQUIRE(mkdir(dir, 0700) == 0);
    int port = wire_free_port();
    path_in(sock, sizeof sock, dir, port, "");
    path_in(lock, sizeof lock, dir, port, ".lock");
    /* a dead pid: a child that has exited and been reaped */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    FILE *f = fopen(lock, "w");
    REQUIRE(f != NULL);
    fprintf(f, "%d\n/nowhere\n1700000000\n%d\n%s\n", (int)dead, port, dir);
    fclose(f);
    int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    set_sun_path(&a, sock);
    REQUIRE(bind(sfd, (struct sockaddr *)&a, sizeof a) == 0);
    close(sfd); /* the socket file stays behind, as after a crash */
    REQUIRE(file_exists(sock));

    WireServer ws = {0};
    ws.port = port;
    snprintf(ws.dir, sizeof ws.dir, "%s/stale", test_tmpdir());
    snprintf(ws.log, sizeof ws.log, "%s/stale.log", test_tmpdir());
    char dirs[900];
    snprintf(dirs, sizeof dirs, "unix_socket_directories=%s", dir);
    const char *extra[] = {"-c", dirs, "-c", "listen_addresses=", "-c", "connection_workers=0",
                           "-c", "auth_method_loopback=reject", "-c", "auth_method_remote=trust", NULL};
    ws.pid = wire_spawn(ws.dir, port, ws.log, extra);
    REQUIRE(ws.pid > 0);
    /* ready: the lock file names the new pid */
    bool ready = false;
    for (int i = 0; i < 2000 && !ready; i++) {
        FILE *lf = fopen(lock, "r");
        long pid = 0;
        if (lf) {
            if (fscanf(lf, "%ld", &pid) != 1)
                pid = 0;
            fclose(lf);
        }
        ready = pid == (long)ws.pid && file_contains(ws.log, "ready to accept connections");
        if (!ready)
            wire_sleep_ms(10);
    }
    CHECK_MSG(ready, "the server did not take over the stale lock");
    char want[1000];
    snprintf(want, sizeof want, "removed stale lock file \"%s\"", lock);
    CHECK_MSG(file_contains(ws.log, want), "no \"%s\" in the log", want);
    CHECK(!wire_port_open(port)); /* no TCP listener */
    /* a Unix-socket client is a loopback client: auth_method_loopback = reject applies */
    PGconn *c = sock_connect(dir, port, NULL);
    CHECK(PQstatus(c) == CONNECTION_BAD);
    CHECK_MSG(strstr(PQerrorMessage(c), "connection from host \"[local]\" is rejected"), "%s", PQerrorMessage(c));
    PQfinish(c);
    CHECK_EQ_INT(wire_stop(&ws, SIGTERM, 30000), 0);
    CHECK_MSG(!file_exists(sock), "socket file left after SIGTERM");
    CHECK_MSG(!file_exists(lock), "lock file left after SIGTERM");
    rmdir(dir);
}

/* Thread-per-connection mode serves socket clients too (queries through the full stack);
 * unix_socket_group sets the socket file's group, an unknown group stops the start. */
TEST(thread_per_connection_mode_and_group)
{
    char dir[520];
    snprintf(dir, sizeof dir, "%s/tpsock", test_tmpdir());
    REQUIRE(mkdir(dir, 0700) == 0);
    WireServer ws = {0};
    char dirs[900];
    snprintf(dirs, sizeof dirs, "unix_socket_directories=%s", dir);
    char log[600], data[600];
    snprintf(log, sizeof log, "%s/group.log", test_tmpdir());
    snprintf(data, sizeof data, "%s/group", test_tmpdir());
    const char *unknown[] = {"-D", data, "-c", dirs, "-c", "unix_socket_group=shale_no_such_group", NULL};
    CHECK(run_server(unknown, log) != 0);
    CHECK(file_contains(log, "group \"shale_no_such_group\" does not exist"));
    CHECK(file_contains(log, "FATAL:  could not create any Unix-domain sockets"));
    struct group *daemon_gr = getgrnam("daemon");
    char group[64];
    snprintf(group, sizeof group, "unix_socket_group=%s", daemon_gr ? "daemon" : "");
    const char *extra[] = {"-c", dirs, "-c", "connection_workers=0", "-c", group, NULL};
    REQUIRE(wire_start(&ws, "tp", extra));
    REQUIRE(wait_socket_ready(ws.pid, dir, ws.port));
    PGconn *c = sock_connect(dir, ws.port, NULL);
    CHECK_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    CHECK_QUERY(c, "SELECT 'unix'::text || 1", "unix1");
    CHECK_QUERY(c, "SELECT client_port FROM pg_stat_activity WHERE pid = pg_backend_pid()", "-1");
    PQfinish(c);
    char sock[560];
    path_in(sock, sizeof sock, dir, ws.port, "");
    struct stat st;
    CHECK(lstat(sock, &st) == 0);
    if (daemon_gr)
        CHECK_EQ_INT(st.st_gid, daemon_gr->gr_gid);
    CHECK_EQ_INT(wire_stop(&ws, SIGINT, 30000), 0); /* fast shutdown removes the files too */
    CHECK(!file_exists(sock));
    rmdir(dir);
}

static int unixsock_main(void)
{
    if (getenv("SHALE_E2E_ORACLE_PORT")) {
        printf("SKIP e2e_unixsock_test: needs its own servers\n");
        return 77;
    }
    snprintf(sockdir, sizeof sockdir, "%s/s", test_tmpdir());
    snprintf(sockdir2, sizeof sockdir2, "%s/s2", test_tmpdir());
    if (mkdir(sockdir, 0700) != 0 || mkdir(sockdir2, 0700) != 0) {
        printf("could not make the socket directories\n");
        return 1;
    }
    char dirs[1600], cert[600], key[600], certdir[520];
    snprintf(dirs, sizeof dirs, "unix_socket_directories=%s, %s/", sockdir, sockdir2);
    snprintf(certdir, sizeof certdir, "%s/certs", test_tmpdir());
    with_tls = system("openssl version >/dev/null 2>&1") == 0 && make_cert(certdir);
    if (!with_tls)
        printf("  openssl missing: the main server runs without TLS\n");
    snprintf(cert, sizeof cert, "ssl_cert_file=%s/server.crt", certdir);
    snprintf(key, sizeof key, "ssl_key_file=%s/server.key", certdir);
    const char *extra[] = {"-c", dirs, "-c", "unix_socket_permissions=0770",
                           "-c", with_tls ? "ssl=on" : "ssl=off", "-c", cert, "-c", key, NULL};
    if (!e2e_start(extra) || !wait_socket_ready(e2e_srv.pid, sockdir, e2e_port())) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(files_and_lock_content);
    RUN(libpq_queries);
    RUN(copy_both_ways);
    RUN(cancel_over_socket);
    RUN(psql_through_pghost);
    RUN(ssl_request_answered_n);
    RUN(second_server_refused);
    RUN(stale_lock_unix_only_and_sigterm);
    RUN(thread_per_connection_mode_and_group);
    /* SIGTERM removes the main server's files in both directories */
    char sock[560], lock[560];
    int port = e2e_port();
    bool alive = wire_alive(&e2e_srv);
    int st = wire_stop(&e2e_srv, SIGTERM, 30000);
    if (!alive || st != 0) {
        printf("FAIL %s.server_exit (server %s, exit status %d)\n", test_binary_name,
               alive ? "was running" : "had died", st);
        test_cases_failed++;
    }
    bool gone = true;
    for (int d = 0; d < 2; d++) {
        path_in(sock, sizeof sock, d ? sockdir2 : sockdir, port, "");
        path_in(lock, sizeof lock, d ? sockdir2 : sockdir, port, ".lock");
        gone &= !file_exists(sock) && !file_exists(lock);
    }
    if (!gone) {
        printf("FAIL %s.files_removed_at_shutdown\n", test_binary_name);
        test_cases_failed++;
    } else {
        printf("PASS %s.files_removed_at_shutdown\n", test_binary_name);
    }
    if (test_cases_failed) {
        e2e_dump_log();
        printf("server files kept in %s\n", test_tmpdir());
    } else {
        test_rm_rf(test_tmpdir());
    }
    return 0;
}

TEST_MAIN(
    int rc_ = unixsock_main();
    if (rc_ != 0)
        return rc_;
)
