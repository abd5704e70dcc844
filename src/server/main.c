/* main.c -- the shaledb server process: options and settings, the data directory, the
 * storage and SQL engines, the listening sockets, one thread per client connection, and
 * signals (SIGTERM clean shutdown, SIGINT fast shutdown, SIGHUP reload).
 *
 * Threads: the main thread polls the listening sockets and a self-pipe; a signal thread
 * (sigwait) turns signals into bytes on that pipe; each accepted client runs pq_conn_serve
 * on a detached thread with a small stack (thread_stack_size). Every other thread blocks
 * the handled signals, so no signal handler ever runs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "protocol/pgwire.h"
#include "protocol/pq_log.h"
#include "server/metrics_http.h"
#include "server/server_config.h"
#include "server/unix_socket.h"
#include "sql/sql.h"
#include "storage/shale_storage.h"

#define SERVER_MAX_LISTEN 32
#define SERVER_MAX_OVERRIDES 128

typedef struct Server {
    char data_dir[4096];
    char conf_path[4200];
    int n_overrides;                     /* -c name=value, -p, --listen: applied after the file */
    char *override_names[SERVER_MAX_OVERRIDES];   /* owned (strdup) */
    char *override_values[SERVER_MAX_OVERRIDES];
    ServerConfig cfg;
    int listen_fds[SERVER_MAX_LISTEN];
    int n_listen;
    UnixSockets unix_socks;              /* socket + lock files to remove at exit */
    int sig_pipe[2];                     /* signal thread -> main loop: one byte per signal */
    PqServer *pq;
    PqLoop *loop;                        /* NULL: one thread per connection */
    atomic_uint next_conn_id;
} Server;

typedef struct ServerConnArgs {
    PqServer *pq;
    int fd;
    uint32_t id;
    struct sockaddr_storage peer;
    socklen_t peer_len;
} ServerConnArgs;

static void server_usage(FILE *f)
{
    fprintf(f,
            "shaledb is the ShaleDB server (PostgreSQL wire protocol 3.0).\n\n"
            "Usage:\n  shaledb [OPTION]...\n\n"
            "Options:\n"
            "  -D, --data-dir=DIR     data directory (default ./shaledata; created on first start)\n"
            "  -p, --port=PORT        TCP port (default 5433)\n"
            "      --listen=ADDRS     comma-separated addresses to listen on (default 127.0.0.1;\n"
            "                         '*' = every IPv4 and IPv6 address)\n"
            "  -c NAME=VALUE          set a setting (overrides DIR/shaledb.conf; repeatable)\n"
            "  -V, --version          print the version and exit\n"
            "  -?, --help             print this help and exit\n\n"
            "Signals: SIGTERM clean shutdown, SIGINT fast shutdown, SIGHUP reload shaledb.conf.\n");
}

/* --- settings ------------------------------------------------------------------------- */

typedef struct ServerLoadCtx {
    ServerConfig *cfg;
    int errors;
} ServerLoadCtx;

static void server_conf_item(void *arg, const char *name, const char *value, const char *file, int line)
{
    ServerLoadCtx *ctx = arg;
    char msg[256];
    int rc = server_config_set(ctx->cfg, name, value, msg, sizeof msg);
    if (rc == -2) {
        pq_log_write(PQ_LOG_WARNING, 0, "%s in file \"%s\" line %d (ignored)", msg, file, line);
    } else if (rc != 0) {
        pq_log_write(PQ_LOG_ERROR, 0, "%s in file \"%s\" line %d", msg, file, line);
        ctx->errors++;
    }
}

/* Builds a configuration: defaults, then the file, then the command line. Returns 0, or -1
 * when the file or a value is bad (logged). */
static int server_load_config(Server *s, ServerConfig *cfg)
{
    server_config_defaults(cfg);
    ServerLoadCtx ctx = {cfg, 0};
    char msg[512];
    if (server_config_parse_file(s->conf_path, true, server_conf_item, &ctx, msg, sizeof msg) != 0) {
        pq_log_write(PQ_LOG_ERROR, 0, "%s", msg);
        return -1;
    }
    for (int i = 0; i < s->n_overrides; i++) {
        int rc = server_config_set(cfg, s->override_names[i], s->override_values[i], msg, sizeof msg);
        if (rc == -2)
            pq_log_write(PQ_LOG_WARNING, 0, "%s on the command line (ignored)", msg);
        else if (rc != 0) {
            pq_log_write(PQ_LOG_ERROR, 0, "%s", msg);
            ctx.errors++;
        }
    }
    return ctx.errors ? -1 : 0;
}

static void server_apply_config(Server *s)
{
    PqLogLevel lvl;
    if (pq_log_parse_level(s->cfg.log_min_messages, &lvl))
        pq_log_set_level(lvl);
    PqSettings ps;
    const char *names[8], *values[8];
    server_config_to_pq(&s->cfg, &ps, names, values);
    if (s->pq)
        pq_server_set_settings(s->pq, &ps);
}

/* SIGHUP: re-reads the file; settings that need a restart keep their running values. */
static void server_reload(Server *s)
{
    ServerConfig next;
    if (server_load_config(s, &next) != 0) {
        pq_log_write(PQ_LOG_LOG, 0, "configuration file \"%s\" contains errors; no changes were applied",
                     s->conf_path);
        return;
    }
    if (next.port != s->cfg.port || strcmp(next.listen_addresses, s->cfg.listen_addresses) != 0 ||
        next.max_connections != s->cfg.max_connections ||
        next.thread_stack_size_kb != s->cfg.thread_stack_size_kb ||
        strcmp(next.unix_socket_directories, s->cfg.unix_socket_directories) != 0)
        pq_log_write(PQ_LOG_LOG, 0, "port, listen_addresses, unix_socket_directories, max_connections "
                                    "and thread_stack_size cannot be changed without restarting the server");
    next.port = s->cfg.port;
    memcpy(next.listen_addresses, s->cfg.listen_addresses, sizeof next.listen_addresses);
    next.max_connections = s->cfg.max_connections;
    next.thread_stack_size_kb = s->cfg.thread_stack_size_kb;
    memcpy(next.unix_socket_directories, s->cfg.unix_socket_directories, sizeof next.unix_socket_directories);
    next.unix_socket_permissions = s->cfg.unix_socket_permissions;
    memcpy(next.unix_socket_group, s->cfg.unix_socket_group, sizeof next.unix_socket_group);
    s->cfg = next;
    server_apply_config(s);
    pq_log_write(PQ_LOG_LOG, 0, "received SIGHUP, reloaded configuration file \"%s\"", s->conf_path);
}

static int server_add_override(Server *s, const char *name, const char *value)
{
    if (s->n_overrides >= SERVER_MAX_OVERRIDES)
        return -1;
    s->override_names[s->n_overrides] = strdup(name);
    s->override_values[s->n_overrides] = strdup(value);
    if (!s->override_names[s->n_overrides] || !s->override_values[s->n_overrides])
        return -1;
    s->n_overrides++;
    return 0;
}

/* --- listening ------------------------------------------------------------------------ */

static int server_listen_one(Server *s, const char *host)
{
    char port[16];
    snprintf(port, sizeof port, "%d", s->cfg.port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    bool any = strcmp(host, "*") == 0;
    int rc = getaddrinfo(any ? NULL : host, port, &hints, &res);
    if (rc != 0) {
        pq_log_write(PQ_LOG_ERROR, 0, "could not resolve listen address \"%s\": %s", host, gai_strerror(rc));
        return -1;
    }
    int bound = 0;
    for (struct addrinfo *ai = res; ai && s->n_listen < SERVER_MAX_LISTEN; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        char hbuf[NI_MAXHOST] = "?";
        getnameinfo(ai->ai_addr, ai->ai_addrlen, hbuf, sizeof hbuf, NULL, 0, NI_NUMERICHOST);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
            pq_log_write(PQ_LOG_ERROR, 0, "could not listen on %s port %d: %s", hbuf, s->cfg.port,
                         strerror(errno));
            close(fd);
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        s->listen_fds[s->n_listen++] = fd;
        bound++;
        pq_log_write(PQ_LOG_LOG, 0, "listening on %s address \"%s\", port %d",
                     ai->ai_family == AF_INET6 ? "IPv6" : "IPv4", hbuf, s->cfg.port);
    }
    freeaddrinfo(res);
    return bound ? 0 : -1;
}

static int server_listen_all(Server *s)
{
    char list[sizeof s->cfg.listen_addresses];
    memcpy(list, s->cfg.listen_addresses, sizeof list);
    int failures = 0;
    /* Unix sockets first: a second server on this port stops at the lock file's clear message. */
    if (unix_socket_listen_all(&s->unix_socks, s->cfg.unix_socket_directories, s->cfg.port,
                               s->cfg.unix_socket_permissions, s->cfg.unix_socket_group, s->data_dir,
                               s->listen_fds, &s->n_listen, SERVER_MAX_LISTEN) != 0)
        return -1;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t l = strlen(tok);
        while (l && tok[l - 1] == ' ')
            tok[--l] = '\0';
        if (*tok && server_listen_one(s, tok) != 0)
            failures++;
    }
    if (s->n_listen == 0 || failures) { /* listen_addresses = '' with a Unix socket is fine */
        pq_log_write(PQ_LOG_FATAL, 0, "could not create every listen socket for \"%s\"",
                     s->cfg.listen_addresses);
        return -1;
    }
    return 0;
}

/* --- connections ------------------------------------------------------------------------ */

static void *server_conn_thread(void *arg)
{
    ServerConnArgs *a = arg;
    pq_conn_serve(a->pq, a->fd, a->id, &a->peer, a->peer_len);
    free(a);
    return NULL;
}

static void server_accept(Server *s, int lfd, pthread_attr_t *attr)
{
    for (int burst = 0; burst < 64; burst++) {
        ServerConnArgs *a = malloc(sizeof *a);
        if (!a)
            return;
        a->peer_len = sizeof a->peer;
        int fd = accept4(lfd, (struct sockaddr *)&a->peer, &a->peer_len, SOCK_CLOEXEC);
        if (fd < 0) {
            free(a);
            if (errno == EMFILE || errno == ENFILE)
                pq_log_write(PQ_LOG_LOG, 0, "could not accept new connection: %s", strerror(errno));
            return;
        }
        uint32_t id = atomic_fetch_add(&s->next_conn_id, 1);
        if (id == 0 || id > INT32_MAX) {
            atomic_store(&s->next_conn_id, 2);
            id = 1;
        }
        a->pq = s->pq;
        a->fd = fd;
        a->id = id;
        if (!pq_server_conn_enter(s->pq)) {
            close(fd);
            free(a);
            continue;
        }
        if (s->loop) {
            pq_loop_add(s->loop, fd, id, &a->peer, a->peer_len);
            free(a);
            continue;
        }
        pthread_t t;
        if (pthread_create(&t, attr, server_conn_thread, a) != 0) {
            pq_log_write(PQ_LOG_LOG, 0, "could not start a thread for a new connection: %s", strerror(errno));
            close(fd);
            free(a);
            pq_server_conn_abandon(s->pq);
        }
    }
}

/* --- signals -------------------------------------------------------------------------- */

static void *server_signal_thread(void *arg)
{
    Server *s = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        char b = sig == SIGTERM ? 'T' : sig == SIGINT ? 'I' : 'H';
        ssize_t w = write(s->sig_pipe[1], &b, 1);
        (void)w;
    }
    return NULL;
}

/* Runs until a shutdown signal; returns 'T' (clean) or 'I' (fast). */
static char server_main_loop(Server *s, pthread_attr_t *attr)
{
    struct pollfd pfd[SERVER_MAX_LISTEN + 1];
    for (;;) {
        for (int i = 0; i < s->n_listen; i++)
            pfd[i] = (struct pollfd){.fd = s->listen_fds[i], .events = POLLIN};
        pfd[s->n_listen] = (struct pollfd){.fd = s->sig_pipe[0], .events = POLLIN};
        int r = poll(pfd, (nfds_t)s->n_listen + 1, -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            pq_log_write(PQ_LOG_FATAL, 0, "poll failed: %s", strerror(errno));
            return 'I';
        }
        if (pfd[s->n_listen].revents) {
            char b;
            if (read(s->sig_pipe[0], &b, 1) == 1) {
                if (b == 'H')
                    server_reload(s);
                else
                    return b;
            }
        }
        for (int i = 0; i < s->n_listen; i++)
            if (pfd[i].revents)
                server_accept(s, s->listen_fds[i], attr);
    }
}

/* Closes the listeners, then lets sessions end: idle ones at once (FATAL 57P01), busy ones
 * after their statement, or cancelled after the grace period (at once for 'I'). */
static void server_shutdown(Server *s, char how)
{
    pq_log_write(PQ_LOG_LOG, 0, "received %s shutdown request",
                 how == 'T' ? "smart (SIGTERM)" : "fast (SIGINT)");
    for (int i = 0; i < s->n_listen; i++)
        close(s->listen_fds[i]);
    s->n_listen = 0;
    unix_socket_remove_all(&s->unix_socks);
    pq_server_begin_shutdown(s->pq);
    if (how == 'T') {
        int64_t waited = 0;
        while (waited < s->cfg.shutdown_grace_period_ms && !pq_server_wait_idle(s->pq, 100)) {
            waited += 100;
            char b;
            struct pollfd p = {.fd = s->sig_pipe[0], .events = POLLIN};
            if (poll(&p, 1, 0) > 0 && read(s->sig_pipe[0], &b, 1) == 1 && b == 'I') {
                pq_log_write(PQ_LOG_LOG, 0, "received fast shutdown request");
                break;
            }
        }
    }
    while (!pq_server_wait_idle(s->pq, 0)) {
        pq_server_cancel_all(s->pq);
        pq_server_wait_idle(s->pq, 200);
    }
}

/* --- start ---------------------------------------------------------------------------- */

static int server_parse_args(Server *s, int argc, char **argv)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, NULL, 'D'},
        {"port", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'L'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, '?'},
        {NULL, 0, NULL, 0},
    };
    snprintf(s->data_dir, sizeof s->data_dir, "shaledata");
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "D:p:c:V?", opts, NULL)) != -1) {
        switch (ch) {
        case 'D':
            snprintf(s->data_dir, sizeof s->data_dir, "%s", optarg);
            break;
        case 'p':
            if (server_add_override(s, "port", optarg) != 0)
                return -1;
            break;
        case 'L':
            if (server_add_override(s, "listen_addresses", optarg) != 0)
                return -1;
            break;
        case 'c': {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "shaledb: -c %s requires a value (-c name=value)\n", optarg);
                return -1;
            }
            *eq = '\0';
            int rc = server_add_override(s, optarg, eq + 1);
            *eq = '=';
            if (rc != 0)
                return -1;
            break;
        }
        case 'V':
            printf("shaledb (ShaleDB) %s\n", PACKAGE_VERSION);
            exit(0);
        case '?':
            if (optopt) {
                fprintf(stderr, "shaledb: invalid option -- '%c'\nTry \"shaledb --help\" for more information.\n",
                        optopt);
                return -1;
            }
            if (optind > 0 && strcmp(argv[optind - 1], "--help") != 0 && strcmp(argv[optind - 1], "-?") != 0) {
                fprintf(stderr, "shaledb: invalid option \"%s\"\nTry \"shaledb --help\" for more information.\n",
                        argv[optind - 1]);
                return -1;
            }
            server_usage(stdout);
            exit(0);
        default:
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "shaledb: unexpected argument \"%s\"\nTry \"shaledb --help\" for more information.\n",
                argv[optind]);
        return -1;
    }
    snprintf(s->conf_path, sizeof s->conf_path, "%s/shaledb.conf", s->data_dir);
    return 0;
}

static const char server_conf_template[] =
    "# shaledb.conf -- ShaleDB server settings (postgresql.conf syntax: name = value).\n"
    "# Command-line -c name=value overrides this file; SIGHUP reloads it.\n"
    "# See docs/server.md for every setting.\n"
    "#port = 5433\n"
    "#listen_addresses = '127.0.0.1'\n"
    "#unix_socket_directories = '/tmp'\n"
    "#max_connections = 1000\n"
    "#auth_method_loopback = trust\n"
    "#auth_method_remote = md5\n"
    "#log_min_messages = warning\n";

/* Creates the data directory and its settings file on first start. */
/* ssl = on: loads the certificate and key once (relative paths are in the data directory,
 * as PostgreSQL's). A failure is fatal at start, as in PostgreSQL. */
static int server_enable_tls(Server *s)
{
    char paths[3][4096 + 512 + 2];
    const char *names[3] = {s->cfg.ssl_cert_file, s->cfg.ssl_key_file, s->cfg.ssl_ca_file};
    for (int i = 0; i < 3; i++) {
        if (names[i][0] == '/' || !names[i][0])
            snprintf(paths[i], sizeof paths[i], "%s", names[i]);
        else
            snprintf(paths[i], sizeof paths[i], "%s/%s", s->data_dir, names[i]);
    }
    char msg[512];
    if (pq_server_enable_tls(s->pq, paths[0], paths[1], paths[2], s->cfg.ssl_min_protocol_version, msg,
                             sizeof msg) != 0) {
        pq_log_write(PQ_LOG_FATAL, 0, "%s", msg);
        return -1;
    }
    pq_log_write(PQ_LOG_LOG, 0, "TLS enabled (certificate \"%s\")", paths[0]);
    return 0;
}

static int server_prepare_data_dir(Server *s, bool *created)
{
    struct stat st;
    *created = false;
    if (stat(s->data_dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            fprintf(stderr, "shaledb: \"%s\" is not a directory\n", s->data_dir);
            return -1;
        }
        return 0;
    }
    if (mkdir(s->data_dir, 0700) != 0) {
        fprintf(stderr, "shaledb: could not create data directory \"%s\": %s\n", s->data_dir,
                strerror(errno));
        return -1;
    }
    *created = true;
    FILE *f = fopen(s->conf_path, "w");
    if (f) {
        fputs(server_conf_template, f);
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static Server srv; /* owned by main; large arrays, so not on the stack */
    Server *s = &srv;
    atomic_init(&s->next_conn_id, 1);
    if (server_parse_args(s, argc, argv) != 0)
        return 1;
    if (server_load_config(s, &s->cfg) != 0) {
        fprintf(stderr, "shaledb: invalid configuration (see the messages above)\n");
        return 1;
    }
    bool created;
    if (server_prepare_data_dir(s, &created) != 0)
        return 1;
    server_apply_config(s);

    /* Every thread started from here on inherits the blocked set. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    ShaleDBOptions dbo;
    shale_db_options_init(&dbo);
    dbo.block_cache_bytes = (size_t)s->cfg.shared_buffers;
    dbo.write_buffer_size = (size_t)s->cfg.write_buffer_size;
    ShaleDB *db = NULL;
    ShaleError serr;
    shale_error_clear(&serr);
    ShaleCode code = shale_db_open(s->data_dir, &dbo, &db, &serr);
    if (code == SHALE_BUSY) {
        fprintf(stderr, "shaledb: data directory \"%s\" is in use by another shaledb server: %s\n",
                s->data_dir, serr.msg);
        return 1;
    }
    if (code != SHALE_OK) {
        fprintf(stderr, "shaledb: could not open the database in \"%s\": %s\n", s->data_dir, serr.msg);
        return 1;
    }
    struct passwd *pw = getpwuid(geteuid());
    const char *os_user = pw && pw->pw_name ? pw->pw_name : "shaledb";
    char version[64];
    snprintf(version, sizeof version, "15.7 (ShaleDB %s)", PACKAGE_VERSION);
    SqlEngineOptions eo = {
        .db = db, .bootstrap_superuser = os_user, .bootstrap_database = os_user, .server_version = version,
        .embedding_workers = s->cfg.embedding_workers > 0 ? s->cfg.embedding_workers : -1,
        .embedding_retry_base_ms = s->cfg.embedding_retry_base_ms,
        .embedding_retry_max_ms = s->cfg.embedding_retry_max_ms,
        .embedding_max_attempts = s->cfg.embedding_max_attempts,
        .data_dir = s->data_dir,
    };
    SqlEngine *eng = NULL;
    SqlError qerr;
    sql_error_clear(&qerr);
    if (sql_engine_open(&eo, &eng, &qerr) != 0) {
        fprintf(stderr, "shaledb: could not start the SQL engine: %s\n", qerr.message);
        (void)shale_db_close(db, NULL);
        return 1;
    }
    if (created)
        pq_log_write(PQ_LOG_LOG, 0, "initialized data directory \"%s\" (superuser \"%s\")", s->data_dir, os_user);
    PqSettings ps;
    const char *names[8], *values[8];
    server_config_to_pq(&s->cfg, &ps, names, values);
    s->pq = pq_server_new(eng, &ps);
    int rc = 1;
    MetricsServer *metrics = NULL; /* docs/observability.md */
    if (!s->pq || pipe2(s->sig_pipe, O_CLOEXEC) != 0) {
        pq_log_write(PQ_LOG_FATAL, 0, "out of memory or descriptors at start");
        goto out;
    }
    if (server_config_bool(s->cfg.ssl) && server_enable_tls(s) != 0)
        goto out;
    if (server_listen_all(s) != 0)
        goto out;
    if (s->cfg.metrics_port && metrics_server_start(eng, s->cfg.metrics_listen_addresses, s->cfg.metrics_port, &metrics))
        goto out;
    pthread_t sig_thread;
    if (pthread_create(&sig_thread, NULL, server_signal_thread, s) != 0)
        goto out;
    pthread_detach(sig_thread);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, (size_t)s->cfg.thread_stack_size_kb * 1024);
    if (s->cfg.connection_workers > 0) {
        s->loop = pq_loop_new(s->pq, s->cfg.connection_workers, s->cfg.max_connections + 16,
                              (size_t)s->cfg.thread_stack_size_kb * 1024);
        if (!s->loop) {
            pq_log_write(PQ_LOG_FATAL, 0, "could not start the connection workers");
            pthread_attr_destroy(&attr);
            goto out;
        }
    }
    pq_log_write(PQ_LOG_LOG, 0, "database system is ready to accept connections (pid %d, data directory \"%s\")",
                 (int)getpid(), s->data_dir);
    char how = server_main_loop(s, &attr);
    server_shutdown(s, how);
    pq_loop_free(s->loop); /* every connection has ended */
    s->loop = NULL;
    pthread_attr_destroy(&attr);
    rc = 0;
out:
    for (int i = 0; i < s->n_listen; i++)
        close(s->listen_fds[i]);
    unix_socket_remove_all(&s->unix_socks);
    if (s->pq && rc != 0)
        pq_server_begin_shutdown(s->pq);
    metrics_server_stop(metrics);
    sql_engine_close(eng);
    shale_error_clear(&serr);
    if (shale_db_close(db, &serr) != SHALE_OK) {
        pq_log_write(PQ_LOG_ERROR, 0, "closing the storage engine failed: %s", serr.msg);
        rc = 1;
    }
    pq_server_free(s->pq);
    for (int i = 0; i < s->n_overrides; i++) {
        free(s->override_names[i]);
        free(s->override_values[i]);
    }
    if (rc == 0)
        pq_log_write(PQ_LOG_LOG, 0, "database system is shut down");
    return rc;
}
