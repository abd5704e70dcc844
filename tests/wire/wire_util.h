/* wire_util.h -- helpers shared by the wire tests: start the server binary on a free port in
 * a scratch data directory, wait until it accepts connections, stop it; raw-socket helpers
 * for speaking (and abusing) the protocol without libpq. Header-only; include after
 * tests/harness/test.h. The server binary is WIRE_SERVER_BIN (set by server.mk) unless
 * $SHALE_SERVER_BIN names another. */
#ifndef SHALE_TESTS_WIRE_WIRE_UTIL_H
#define SHALE_TESTS_WIRE_WIRE_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#ifndef WIRE_SERVER_BIN
#define WIRE_SERVER_BIN "tests/wire/shaledb_fake"
#endif

typedef struct WireServer {
    pid_t pid;
    int port;
    char dir[600];
    char log[700];
} WireServer;

static inline int64_t wire_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void wire_sleep_ms(int ms)
{
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

/* A TCP port nobody listens on right now (the kernel's choice). */
static inline int wire_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return 0;
    }
    int port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static inline const char *wire_server_bin(void)
{
    const char *b = getenv("SHALE_SERVER_BIN");
    return b && *b ? b : WIRE_SERVER_BIN;
}

/* Starts the server (extra: NULL-terminated extra arguments) without waiting. The data
 * directory is dir (created by the server when missing). Returns the pid or -1. */
static inline pid_t wire_spawn(const char *dir, int port, const char *log, const char *const *extra)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    const char *argv[64];
    int n = 0;
    argv[n++] = wire_server_bin();
    argv[n++] = "-D";
    argv[n++] = dir;
    argv[n++] = "-p";
    argv[n++] = portbuf;
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 2);
        dup2(fd, 1);
        close(fd);
    }
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

static inline bool wire_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Starts a server in <test_tmpdir>/<name> and waits (up to 20 s) until it accepts. */
static inline bool wire_start(WireServer *ws, const char *name, const char *const *extra)
{
    snprintf(ws->dir, sizeof ws->dir, "%s/%s", test_tmpdir(), name);
    snprintf(ws->log, sizeof ws->log, "%s/%s.log", test_tmpdir(), name);
    ws->port = wire_free_port();
    ws->pid = wire_spawn(ws->dir, ws->port, ws->log, extra);
    if (ws->pid < 0)
        return false;
    for (int i = 0; i < 2000; i++) {
        if (wire_port_open(ws->port))
            return true;
        int st;
        if (waitpid(ws->pid, &st, WNOHANG) == ws->pid) {
            ws->pid = -1;
            return false;
        }
        wire_sleep_ms(10);
    }
    return false;
}

/* Sends sig and waits up to timeout_ms for the exit; returns the exit status (or -1 after a
 * SIGKILL because the server did not stop in time). */
static inline int wire_stop(WireServer *ws, int sig, int timeout_ms)
{
    if (ws->pid <= 0)
        return -1;
    kill(ws->pid, sig);
    int64_t end = wire_now_ms() + timeout_ms;
    int st = 0;
    while (wire_now_ms() < end) {
        if (waitpid(ws->pid, &st, WNOHANG) == ws->pid) {
            ws->pid = -1;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        wire_sleep_ms(10);
    }
    kill(ws->pid, SIGKILL);
    waitpid(ws->pid, &st, 0);
    ws->pid = -1;
    return -1;
}

/* True while the server process is still running. */
static inline bool wire_alive(WireServer *ws)
{
    int st;
    return ws->pid > 0 && waitpid(ws->pid, &st, WNOHANG) == 0;
}

static inline PGconn *wire_connect(const WireServer *ws, const char *extra)
{
    char ci[512];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=postgres connect_timeout=10 %s", ws->port,
             extra ? extra : "");
    return PQconnectdb(ci);
}

/* Runs sql; true when it returned tuples/command-ok and (if want) the first value is want. */
static inline bool wire_query_is(PGconn *c, const char *sql, const char *want)
{
    PGresult *r = PQexec(c, sql);
    bool ok = r && (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK);
    if (ok && want)
        ok = PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), want) == 0;
    PQclear(r);
    return ok;
}

/* --- raw sockets -------------------------------------------------------------------- */

static inline int wire_raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline bool wire_raw_send(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* Appends a StartupMessage for user/database to buf; returns its length. */
static inline size_t wire_startup_packet(char *buf, size_t cap, const char *user, const char *db)
{
    size_t n = 8;
    n += (size_t)snprintf(buf + n, cap - n, "user%c%s%cdatabase%c%s%c", 0, user, 0, 0, db, 0);
    buf[n++] = 0;
    uint32_t len = htonl((uint32_t)n), ver = htonl(196608);
    memcpy(buf, &len, 4);
    memcpy(buf + 4, &ver, 4);
    return n;
}

/* Reads until the peer closes, timeout_ms passes or cap bytes arrive. Returns bytes read;
 * *closed tells whether the peer closed. */
static inline size_t wire_raw_read_all(int fd, char *buf, size_t cap, int timeout_ms, bool *closed)
{
    size_t n = 0;
    *closed = false;
    int64_t end = wire_now_ms() + timeout_ms;
    while (n < cap) {
        int left = (int)(end - wire_now_ms());
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            break;
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r <= 0) {
            *closed = true;
            break;
        }
        n += (size_t)r;
    }
    return n;
}

/* Reads until a ReadyForQuery ('Z') message or the peer closes. True on 'Z'. */
static inline bool wire_raw_until_ready(int fd, int timeout_ms)
{
    char buf[65536];
    size_t n = 0;
    int64_t end = wire_now_ms() + timeout_ms;
    for (;;) {
        size_t off = 0;
        while (off + 5 <= n) {
            uint32_t len;
            memcpy(&len, buf + off + 1, 4);
            len = ntohl(len);
            if (off + 1 + len > n)
                break;
            if (buf[off] == 'Z')
                return true;
            off += 1 + len;
        }
        if (off) {
            memmove(buf, buf + off, n - off);
            n -= off;
        }
        int left = (int)(end - wire_now_ms());
        if (left <= 0 || n == sizeof buf)
            return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            return false;
        ssize_t r = recv(fd, buf + n, sizeof buf - n, 0);
        if (r <= 0)
            return false;
        n += (size_t)r;
    }
}

/* True when bytes hold an ErrorResponse with this SQLSTATE. */
static inline bool wire_has_error(const char *buf, size_t n, const char *state)
{
    for (size_t i = 0; i + 7 < n; i++)
        if (buf[i] == 'C' && (i == 0 || buf[i - 1] == 0) && memcmp(buf + i + 1, state, 5) == 0 &&
            buf[i + 6] == 0)
            return true;
    return false;
}

#endif
