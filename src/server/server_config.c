/* server_config.c -- the settings registry (one table: name, kind, unit, limits, restart or reload)
 * and the postgresql.conf-syntax parser (grammar in config.h). */
#include "server/server_config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "protocol/pq_log.h"

typedef enum ConfKind { CONF_INT, CONF_BYTES, CONF_MS, CONF_STRING } ConfKind;

typedef struct ConfEntry {
    const char *name;
    ConfKind kind;
    size_t offset;
    size_t size;              /* strings: capacity */
    int64_t min, max;         /* numbers, in the stored unit */
    int64_t unit;             /* CONF_MS: ms per bare number (1000 = seconds); CONF_BYTES: bytes */
    bool restart;             /* takes effect only at server start */
    const char *const *choices; /* CONF_STRING: allowed values (case-insensitive), or NULL */
} ConfEntry;

static const char *const conf_auth_choices[] = {"trust", "password", "md5", "scram-sha-256", "reject", NULL};
static const char *const conf_sync_choices[] = {"on", "off", "local", "remote_write",
                                                "remote_apply", NULL};
static const char *const conf_pwenc_choices[] = {"scram-sha-256", "md5", NULL};
static const char *const conf_bool_choices[] = {"on", "off", "true", "false", "yes", "no",
                                                "1", "0", NULL};
static const char *const conf_pgss_track_choices[] = {"none", "top", "all", NULL};
static const char *const conf_tls_choices[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", NULL};
static const char *const conf_log_choices[] = {"debug5", "debug4", "debug3", "debug2", "debug1",
                                               "debug", "info", "notice", "warning", "error",
                                               "log", "fatal", "panic", NULL};

#define OFF(f) offsetof(ServerConfig, f), sizeof(((ServerConfig *)0)->f)
static const ConfEntry conf_table[] = {
    {"port", CONF_INT, OFF(port), 1, 65535, 1, true, NULL},
    {"listen_addresses", CONF_STRING, OFF(listen_addresses), 0, 0, 0, true, NULL},
    {"max_connections", CONF_INT, OFF(max_connections), 1, 100000, 1, true, NULL},
    {"max_message_size", CONF_BYTES, OFF(max_message_size), 1024, (int64_t)1 << 30, 1, false, NULL},
    {"authentication_timeout", CONF_MS, OFF(authentication_timeout_ms), 1, 600000, 1000, false, NULL},
    {"idle_partial_message_timeout", CONF_MS, OFF(idle_partial_message_timeout_ms), 1, INT_MAX, 1000, false, NULL},
    {"client_write_timeout", CONF_MS, OFF(client_write_timeout_ms), 1, INT_MAX, 1000, false, NULL},
    {"shutdown_grace_period", CONF_MS, OFF(shutdown_grace_period_ms), 0, INT_MAX, 1000, false, NULL},
    {"thread_stack_size", CONF_BYTES, OFF(thread_stack_size_kb), 64, 65536, 1024, true, NULL},
    {"connection_workers", CONF_INT, OFF(connection_workers), 0, 1024, 1, true, NULL},
    {"shared_buffers", CONF_BYTES, OFF(shared_buffers), (int64_t)1 << 20, (int64_t)1 << 40, 1, true, NULL},
    {"write_buffer_size", CONF_BYTES, OFF(write_buffer_size), (int64_t)1 << 20, (int64_t)1 << 30, 1, true, NULL},
    {"log_min_messages", CONF_STRING, OFF(log_min_messages), 0, 0, 0, false, conf_log_choices},
    {"synchronous_commit", CONF_STRING, OFF(synchronous_commit), 0, 0, 0, false, conf_sync_choices},
    {"password_encryption", CONF_STRING, OFF(password_encryption), 0, 0, 0, false, conf_pwenc_choices},
    {"auth_method_loopback", CONF_STRING, OFF(auth_method_loopback), 0, 0, 0, false, conf_auth_choices},
    {"auth_method_remote", CONF_STRING, OFF(auth_method_remote), 0, 0, 0, false, conf_auth_choices},
    {"embedding_workers", CONF_INT, OFF(embedding_workers), 0, 64, 1, true, NULL},
    {"embedding_retry_base_ms", CONF_MS, OFF(embedding_retry_base_ms), 1, 3600000, 1, true, NULL},
    {"embedding_retry_max_ms", CONF_MS, OFF(embedding_retry_max_ms), 1, 86400000, 1, true, NULL},
    {"embedding_max_attempts", CONF_INT, OFF(embedding_max_attempts), 1, 1000, 1, true, NULL},
    {"ssl", CONF_STRING, OFF(ssl), 0, 0, 0, true, conf_bool_choices},
    {"ssl_cert_file", CONF_STRING, OFF(ssl_cert_file), 0, 0, 0, true, NULL},
    {"ssl_key_file", CONF_STRING, OFF(ssl_key_file), 0, 0, 0, true, NULL},
    {"ssl_ca_file", CONF_STRING, OFF(ssl_ca_file), 0, 0, 0, true, NULL},
    {"ssl_min_protocol_version", CONF_STRING, OFF(ssl_min_protocol_version), 0, 0, 0, true, conf_tls_choices},
    {"ssl_required_remote", CONF_STRING, OFF(ssl_required_remote), 0, 0, 0, false, conf_bool_choices},
    {"metrics_port", CONF_INT, OFF(metrics_port), 0, 65535, 1, true, NULL},
    {"metrics_listen_addresses", CONF_STRING, OFF(metrics_listen_addresses), 0, 0, 0, true, NULL},
    {"pg_stat_statements.track", CONF_STRING, OFF(pgss_track), 0, 0, 0, false, conf_pgss_track_choices},
    {"pg_stat_statements.max", CONF_STRING, OFF(pgss_max), 0, 0, 0, true, NULL},
};
#undef OFF

void server_config_defaults(ServerConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 5433;
    strcpy(cfg->listen_addresses, "127.0.0.1");
    cfg->max_connections = 1000;
    cfg->max_message_size = (int64_t)1 << 30;
    cfg->authentication_timeout_ms = 60000;
    cfg->idle_partial_message_timeout_ms = 60000;
    cfg->client_write_timeout_ms = 60000;
    cfg->shutdown_grace_period_ms = 30000;
#ifdef SHALE_SANITIZERS
    cfg->thread_stack_size_kb = 2048; /* sanitizer frames are several times larger */
#else
    cfg->thread_stack_size_kb = 512;
#endif
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->connection_workers = ncpu > 2 ? (ncpu < 1024 ? (int)ncpu : 1024) : 2;
    cfg->shared_buffers = (int64_t)128 << 20;
    cfg->write_buffer_size = (int64_t)32 << 20;
    strcpy(cfg->log_min_messages, "warning");
    strcpy(cfg->synchronous_commit, "on");
    strcpy(cfg->password_encryption, "scram-sha-256");
    strcpy(cfg->pgss_track, "top");
    strcpy(cfg->pgss_max, "5000");
    strcpy(cfg->auth_method_loopback, "trust");
    strcpy(cfg->auth_method_remote, "md5");
    cfg->embedding_workers = 2;
    cfg->embedding_retry_base_ms = 1000;
    cfg->embedding_retry_max_ms = 60000;
    cfg->embedding_max_attempts = 5;
    strcpy(cfg->ssl, "off");
    strcpy(cfg->ssl_cert_file, "server.crt");
    strcpy(cfg->ssl_key_file, "server.key");
    strcpy(cfg->ssl_min_protocol_version, "TLSv1.2");
    strcpy(cfg->ssl_required_remote, "off");
    strcpy(cfg->metrics_listen_addresses, "127.0.0.1");
}

static const ConfEntry *conf_find(const char *name)
{
    for (size_t i = 0; i < sizeof conf_table / sizeof conf_table[0]; i++)
        if (strcasecmp(conf_table[i].name, name) == 0)
            return &conf_table[i];
    return NULL;
}

bool server_config_known(const char *name, bool *restart_only)
{
    const ConfEntry *e = conf_find(name);
    if (e && restart_only)
        *restart_only = e->restart;
    return e != NULL;
}

/* Parses "<number>[unit]" into the entry's stored unit. */
static int conf_parse_number(const ConfEntry *e, const char *value, int64_t *out, char *msg, size_t cap)
{
    errno = 0;
    char *end;
    double v = strtod(value, &end);
    if (end == value || errno) {
        snprintf(msg, cap, "invalid value for parameter \"%s\": \"%s\"", e->name, value);
        return -1;
    }
    while (isspace((unsigned char)*end))
        end++;
    double scale = 1; /* multiplier into the stored unit */
    if (*end) {
        static const struct { const char *u; double bytes; double ms; } units[] = {
            {"B", 1, 0}, {"kB", 1024, 0}, {"MB", 1048576, 0}, {"GB", 1073741824.0, 0},
            {"TB", 1099511627776.0, 0}, {"us", 0, 0.001}, {"ms", 0, 1}, {"s", 0, 1000},
            {"min", 0, 60000}, {"h", 0, 3600000}, {"d", 0, 86400000},
        };
        bool found = false;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            if (strcmp(end, units[i].u) != 0)
                continue;
            if (e->kind == CONF_BYTES && units[i].bytes > 0)
                scale = units[i].bytes / (double)e->unit;
            else if (e->kind == CONF_MS && units[i].ms > 0)
                scale = units[i].ms;
            else
                break;
            found = true;
        }
        if (!found) {
            snprintf(msg, cap, "invalid value for parameter \"%s\": \"%s\" (valid units: %s)", e->name,
                     value, e->kind == CONF_BYTES ? "B, kB, MB, GB, TB"
                            : e->kind == CONF_MS ? "us, ms, s, min, h, d" : "none");
            return -1;
        }
    } else if (e->kind == CONF_MS) {
        scale = (double)e->unit;
    }
    double r = v * scale;
    if (r < (double)e->min || r > (double)e->max) {
        snprintf(msg, cap, "%s is outside the valid range for parameter \"%s\"", value, e->name);
        return -1;
    }
    *out = (int64_t)r;
    return 0;
}

int server_config_set(ServerConfig *cfg, const char *name, const char *value, char *msg, size_t cap)
{
    const ConfEntry *e = conf_find(name);
    if (!e) {
        snprintf(msg, cap, "unrecognized configuration parameter \"%s\"", name);
        return -2;
    }
    char *field = (char *)cfg + e->offset;
    if (e->kind == CONF_STRING) {
        if (e->choices) {
            bool ok = false;
            for (int i = 0; e->choices[i]; i++)
                ok |= strcasecmp(e->choices[i], value) == 0;
            if (!ok) {
                snprintf(msg, cap, "invalid value for parameter \"%s\": \"%s\"", name, value);
                return -1;
            }
        }
        if (strlen(value) >= e->size) {
            snprintf(msg, cap, "value for parameter \"%s\" is too long", name);
            return -1;
        }
        strcpy(field, value);
        return 0;
    }
    int64_t v;
    if (conf_parse_number(e, value, &v, msg, cap) != 0)
        return -1;
    if (e->size == sizeof(int64_t)) {
        int64_t v64 = v;
        memcpy(field, &v64, sizeof v64);
    } else {
        int v32 = (int)v;
        memcpy(field, &v32, sizeof v32);
    }
    return 0;
}

/* --- the file parser ------------------------------------------------------------------ */

static int conf_parse_at(const char *path, bool missing_ok, int depth, ServerConfigItemFn fn,
                         void *arg, char *msg, size_t cap);

/* Resolves an included path relative to the including file's directory. */
static void conf_relative(const char *base, const char *inc, char *out, size_t cap)
{
    if (inc[0] == '/') {
        snprintf(out, cap, "%s", inc);
        return;
    }
    const char *slash = strrchr(base, '/');
    if (!slash)
        snprintf(out, cap, "%s", inc);
    else
        snprintf(out, cap, "%.*s/%s", (int)(slash - base), base, inc);
}

static int conf_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int conf_include_dir(const char *dir, int depth, ServerConfigItemFn fn, void *arg, char *msg,
                            size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(msg, cap, "could not open configuration directory \"%s\": %s", dir, strerror(errno));
        return -1;
    }
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 256) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0)
            continue;
        names[n] = strdup(de->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], conf_cmp_names);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, names[i]) >= sizeof p) {
            free(names[i]);
            continue;
        }
        if (rc == 0)
            rc = conf_parse_at(p, false, depth + 1, fn, arg, msg, cap);
        free(names[i]);
    }
    return rc;
}

/* Parses one line into name and value (both NUL-terminated inside line's copy). Returns 1
 * for an item, 0 for a blank/comment line, -1 for a syntax error. */
static int conf_parse_line(char *s, char **name, char **value)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s || *s == '#')
        return 0;
    *name = s;
    while (isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-')
        s++;
    if (s == *name)
        return -1;
    char *name_end = s;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '=')
        s++;
    while (isspace((unsigned char)*s))
        s++;
    *name_end = '\0';
    char *out = s;
    *value = out;
    if (*s == '\'') {
        s++;
        for (;;) {
            if (!*s || *s == '\n')
                return -1; /* unterminated quote */
            if (*s == '\'' && s[1] == '\'') {
                *out++ = '\'';
                s += 2;
            } else if (*s == '\'') {
                s++;
                break;
            } else if (*s == '\\' && s[1]) {
                s++;
                char ch = *s++;
                *out++ = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch == 'r' ? '\r' : ch;
            } else {
                *out++ = *s++;
            }
        }
    } else {
        while (*s && !isspace((unsigned char)*s) && *s != '#')
            *out++ = *s++;
        if (out == *value)
            return -1; /* a name without a value */
    }
    char *rest = s;
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest && *rest != '#')
        return -1;
    *out = '\0';
    return 1;
}

static int conf_parse_at(const char *path, bool missing_ok, int depth, ServerConfigItemFn fn,
                         void *arg, char *msg, size_t cap)
{
    if (depth > 10) {
        snprintf(msg, cap, "could not open configuration file \"%s\": maximum nesting depth exceeded", path);
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT && missing_ok)
            return 0;
        snprintf(msg, cap, "could not open configuration file \"%s\": %s", path, strerror(errno));
        return -1;
    }
    char line[8192];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *name, *value;
        int k = conf_parse_line(line, &name, &value);
        if (k == 0)
            continue;
        if (k < 0) {
            snprintf(msg, cap, "syntax error in file \"%s\" line %d", path, lineno);
            rc = -1;
            break;
        }
        char inc[4096];
        if (strcmp(name, "include") == 0 || strcmp(name, "include_if_exists") == 0) {
            conf_relative(path, value, inc, sizeof inc);
            rc = conf_parse_at(inc, name[7] == '_', depth + 1, fn, arg, msg, cap);
        } else if (strcmp(name, "include_dir") == 0) {
            conf_relative(path, value, inc, sizeof inc);
            rc = conf_include_dir(inc, depth, fn, arg, msg, cap);
        } else {
            fn(arg, name, value, path, lineno);
        }
    }
    fclose(f);
    return rc;
}

int server_config_parse_file(const char *path, bool missing_ok, ServerConfigItemFn fn, void *arg,
                             char *msg, size_t msg_cap)
{
    return conf_parse_at(path, missing_ok, 0, fn, arg, msg, msg_cap);
}

bool server_config_bool(const char *v)
{
    return strcasecmp(v, "on") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
           strcmp(v, "1") == 0;
}

static PqAuthMethod conf_auth(const char *s)
{
    if (strcasecmp(s, "password") == 0)
        return PQ_AUTH_PASSWORD;
    if (strcasecmp(s, "md5") == 0)
        return PQ_AUTH_MD5;
    if (strcasecmp(s, "scram-sha-256") == 0)
        return PQ_AUTH_SCRAM;
    if (strcasecmp(s, "reject") == 0)
        return PQ_AUTH_REJECT;
    return PQ_AUTH_TRUST;
}

void server_config_to_pq(const ServerConfig *cfg, PqSettings *out, const char **names, const char **values)
{
    pq_settings_init(out);
    out->max_message_size = (size_t)cfg->max_message_size;
    out->authentication_timeout_ms = cfg->authentication_timeout_ms;
    out->partial_message_timeout_ms = cfg->idle_partial_message_timeout_ms;
    out->write_timeout_ms = cfg->client_write_timeout_ms;
    out->max_connections = cfg->max_connections;
    out->auth_loopback = conf_auth(cfg->auth_method_loopback);
    out->auth_remote = conf_auth(cfg->auth_method_remote);
    out->ssl_required_remote = server_config_bool(cfg->ssl_required_remote);
    names[0] = "synchronous_commit";
    values[0] = cfg->synchronous_commit;
    names[1] = "password_encryption";
    values[1] = cfg->password_encryption;
    names[2] = "pg_stat_statements.track";
    values[2] = cfg->pgss_track;
    names[3] = "pg_stat_statements.max";
    values[3] = cfg->pgss_max;
    out->n_session_defaults = 4;
    out->session_default_names = names;
    out->session_default_values = values;
}
