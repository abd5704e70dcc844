/* server_config.h -- the server's settings registry: names, types, units, defaults and limits of
 * every setting the server process itself understands, and the parser of DIR/shaledb.conf
 * (postgresql.conf syntax). -c name=value on the command line overrides the file.
 *
 * File syntax, as postgresql.conf: one `name = value` (the '=' is optional) per line; '#'
 * starts a comment; values are bare words/numbers or single-quoted strings ('' or \' for a
 * quote); numbers may carry a unit (B kB MB GB TB; us ms s min h d); `include 'file'`,
 * `include_if_exists 'file'` and `include_dir 'dir'` (relative to the including file). */
#ifndef SHALE_SERVER_SERVER_CONFIG_H
#define SHALE_SERVER_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/pgwire.h"

typedef struct ServerConfig {
    int port;                          /* 5433 */
    char listen_addresses[512];        /* "127.0.0.1"; comma-separated, "*" = all IPv4+IPv6 */
    int max_connections;               /* 1000 */
    int64_t max_message_size;          /* bytes, 1GB */
    int authentication_timeout_ms;     /* 60s */
    int idle_partial_message_timeout_ms; /* 60s */
    int client_write_timeout_ms;       /* 60s */
    int shutdown_grace_period_ms;      /* 30s: SIGTERM waits this long before cancelling */
    int thread_stack_size_kb;          /* 512 (2048 in sanitizer builds) */
    int connection_workers;            /* CPUs, at least 2 (restart); 0 = one thread per connection */
    int64_t shared_buffers;            /* bytes, 128MB (restart): the storage block cache */
    int64_t write_buffer_size;         /* bytes, 32MB (restart): memtable size before a flush */
    char log_min_messages[32];         /* "warning" */
    char synchronous_commit[32];       /* "on" (passed to sessions) */
    char password_encryption[32];      /* "scram-sha-256" (passed to sessions) */
    char auth_method_loopback[16];     /* "trust" */
    char auth_method_remote[16];       /* "md5" */
    int embedding_workers;             /* 2 (restart); 0 = no embedding workers */
    int embedding_retry_base_ms;       /* 1s: first retry delay of a failed embedding */
    int embedding_retry_max_ms;        /* 60s: cap of the exponential backoff */
    int embedding_max_attempts;        /* 5: then the job is `failed` */
    char ssl[8];                       /* "off" (restart): "on" answers SSLRequest with TLS */
    char ssl_cert_file[512];           /* "server.crt" (restart; relative = data directory) */
    char ssl_key_file[512];            /* "server.key" (restart; relative = data directory) */
    char ssl_ca_file[512];             /* "" (restart): CA for client certificates */
    char ssl_min_protocol_version[16]; /* "TLSv1.2" (restart; TLSv1.3 refused: mbedTLS 2.28) */
    char ssl_required_remote[8];       /* "off": "on" refuses non-TLS non-loopback clients */
    int metrics_port;                  /* 0 = off (restart): Prometheus /metrics over HTTP */
    char metrics_listen_addresses[512]; /* "127.0.0.1" (restart) */
    char pgss_track[8];                /* "top": pg_stat_statements.track (passed to sessions) */
    char pgss_max[16];                 /* "5000" (restart): pg_stat_statements.max (passed to sessions) */
} ServerConfig;

/* Fills cfg with the defaults above. */
void server_config_defaults(ServerConfig *cfg);

/* Sets one setting. Returns 0, -1 (bad value; msg says why) or -2 (unknown name). */
int server_config_set(ServerConfig *cfg, const char *name, const char *value, char *msg, size_t msg_cap);

/* Whether a setting exists and whether changing it needs a restart. */
bool server_config_known(const char *name, bool *restart_only);

/* Calls fn for each `name = value` in the file at path (and the files it includes).
 * missing_ok: a missing file is not an error. Returns 0, or -1 with msg set (syntax error,
 * unreadable file, include depth > 10). */
typedef void (*ServerConfigItemFn)(void *arg, const char *name, const char *value,
                                   const char *file, int line);
int server_config_parse_file(const char *path, bool missing_ok, ServerConfigItemFn fn, void *arg,
                             char *msg, size_t msg_cap);

/* A boolean setting's value (on/true/yes/1; the registry accepted only those and off/false/no/0). */
bool server_config_bool(const char *v);

/* Fills the wire's settings from cfg. The session-default strings point into cfg, which
 * must stay alive until pq_server_set_settings copies them. */
void server_config_to_pq(const ServerConfig *cfg, PqSettings *out, const char **names, const char **values);

#endif
