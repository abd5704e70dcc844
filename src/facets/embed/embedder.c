/* embedder.c -- Embedder objects: option validation for CREATE EMBEDDER, the accessors and
 * embedder_embed's dispatch to the providers (embed_hash.c, embed_http.c, embed_command.c). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "facets/embed/embed_int.h"

int embed_fail(EmbedFailure *fail, EmbedFailKind kind, int http_status, const char *fmt, ...)
{
    if (fail) {
        fail->kind = kind;
        fail->http_status = http_status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fail->message, sizeof fail->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int64_t embed_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool embed_url_parse(const char *s, EmbedUrl *u, char *why, size_t whylen)
{
    memset(u, 0, sizeof *u);
    const char *p;
    if (strncmp(s, "http://", 7) == 0) {
        p = s + 7;
    } else if (strncmp(s, "https://", 8) == 0) {
        p = s + 8;
        u->tls = true;
    } else {
        snprintf(why, whylen, "the URL must start with http:// or https://");
        return false;
    }
    const char *hs, *he, *q;
    if (*p == '[') {
        hs = p + 1;
        he = strchr(hs, ']');
        if (!he) {
            snprintf(why, whylen, "unterminated IPv6 address");
            return false;
        }
        q = he + 1;
    } else {
        hs = p;
        he = p + strcspn(p, ":/?#");
        q = he;
    }
    size_t hlen = (size_t)(he - hs);
    if (hlen == 0 || hlen >= sizeof u->host) {
        snprintf(why, whylen, "missing or too long host name");
        return false;
    }
    for (const char *c = hs; c < he; c++) {
        if ((unsigned char)*c <= ' ' || *c == '@' || *c == '\\') {
            snprintf(why, whylen, "invalid character in host name");
            return false;
        }
    }
    memcpy(u->host, hs, hlen);
    long port = u->tls ? 443 : 80;
    if (*q == ':') {
        char *endp;
        errno = 0;
        port = strtol(q + 1, &endp, 10);
        if (endp == q + 1 || errno || port < 1 || port > 65535) {
            snprintf(why, whylen, "invalid port");
            return false;
        }
        q = endp;
    }
    snprintf(u->port, sizeof u->port, "%ld", port);
    if (*q == '#' ) q += strlen(q);
    if (*q == '\0') {
        strcpy(u->path, "/");
    } else {
        if (*q != '/' && *q != '?') {
            snprintf(why, whylen, "invalid character after the host name");
            return false;
        }
        size_t plen = strcspn(q, "#");
        if (plen + 2 > sizeof u->path) {
            snprintf(why, whylen, "path too long");
            return false;
        }
        size_t off = 0;
        if (*q == '?') u->path[off++] = '/';
        for (size_t i = 0; i < plen; i++) {
            if ((unsigned char)q[i] <= ' ' || q[i] == 0x7f) {
                snprintf(why, whylen, "invalid character in path (percent-encode it)");
                return false;
            }
            u->path[off++] = q[i];
        }
        u->path[off] = '\0';
    }
    bool v6 = strchr(u->host, ':') != NULL;
    snprintf(u->hostport, sizeof u->hostport, "%s%s%s:%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
             u->port);
    return true;
}

/* ---- option validation ------------------------------------------------------------- */

static bool embed_parse_int(const char *v, long lo, long hi, int *out)
{
    char *endp;
    errno = 0;
    while (isspace((unsigned char)*v)) v++;
    long x = strtol(v, &endp, 10);
    if (endp == v || errno) return false;
    while (isspace((unsigned char)*endp)) endp++;
    if (*endp || x < lo || x > hi) return false;
    *out = (int)x;
    return true;
}

/* PostgreSQL's boolean spellings (on/off, true/false, yes/no, 1/0, case-insensitive). */
static bool embed_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "on", "true", "yes", "1", "t", "y" };
    static const char *const no[] = { "off", "false", "no", "0", "f", "n" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0) { *out = true; return true; }
        if (strcasecmp(v, no[i]) == 0) { *out = false; return true; }
    }
    return false;
}

static bool embed_valid_env_name(const char *v)
{
    if (!*v || isdigit((unsigned char)*v)) return false;
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && *v != '_') return false;
    return true;
}

static char *embed_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Which options each provider takes: a bit per option below. */
enum {
    OPT_DIMS = 1 << 0, OPT_BATCH = 1 << 1, OPT_TIMEOUT = 1 << 2, OPT_URL = 1 << 3,
    OPT_MODEL = 1 << 4, OPT_KEYENV = 1 << 5, OPT_CAFILE = 1 << 6, OPT_TLSVERIFY = 1 << 7,
    OPT_SENDDIMS = 1 << 8, OPT_COMMAND = 1 << 9
};

static const struct { const char *key; unsigned bit; } embed_opt_names[] = {
    { "dims", OPT_DIMS }, { "batch_size", OPT_BATCH }, { "timeout_ms", OPT_TIMEOUT },
    { "url", OPT_URL }, { "model", OPT_MODEL }, { "api_key_env", OPT_KEYENV },
    { "ca_file", OPT_CAFILE }, { "tls_verify", OPT_TLSVERIFY },
    { "send_dimensions", OPT_SENDDIMS }, { "command", OPT_COMMAND },
};

static int embed_bad_value(SqlError *err, const char *key, const char *value, const char *why)
{
    sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                  "invalid value for embedder option \"%s\": \"%s\"", key, value);
    if (why && err) sql_error_detail(err, "%s", why);
    return -1;
}

static int embed_apply_option(Embedder *e, unsigned bit, const char *key, const char *v,
                              SqlError *err)
{
    char why[128];
    switch (bit) {
    case OPT_DIMS:
        if (!embed_parse_int(v, 1, EMBED_MAX_DIMS, &e->dims))
            return embed_bad_value(err, key, v, "dims must be an integer between 1 and 16000.");
        return 0;
    case OPT_BATCH:
        if (!embed_parse_int(v, 1, EMBED_MAX_BATCH, &e->batch_size))
            return embed_bad_value(err, key, v, "batch_size must be an integer between 1 and 2048.");
        return 0;
    case OPT_TIMEOUT:
        if (!embed_parse_int(v, 1, 3600000, &e->timeout_ms))
            return embed_bad_value(err, key, v, "timeout_ms must be an integer between 1 and 3600000.");
        return 0;
    case OPT_URL:
        if (!embed_url_parse(v, &e->url, why, sizeof why)) return embed_bad_value(err, key, v, why);
        return 0;
    case OPT_MODEL:
        if (!*v) return embed_bad_value(err, key, v, "model must not be empty.");
        free(e->model);
        e->model = embed_strdup(v);
        break;
    case OPT_KEYENV:
        if (!embed_valid_env_name(v))
            return embed_bad_value(err, key, v, "api_key_env is the NAME of an environment variable "
                                   "(letters, digits, underscores), not the key itself.");
        free(e->api_key_env);
        e->api_key_env = embed_strdup(v);
        break;
    case OPT_CAFILE:
        if (!*v) return embed_bad_value(err, key, v, "ca_file must not be empty.");
        free(e->ca_file);
        e->ca_file = embed_strdup(v);
        break;
    case OPT_TLSVERIFY:
        if (!embed_parse_bool(v, &e->tls_verify))
            return embed_bad_value(err, key, v, "tls_verify is a boolean (on or off).");
        return 0;
    case OPT_SENDDIMS:
        if (!embed_parse_bool(v, &e->send_dimensions))
            return embed_bad_value(err, key, v, "send_dimensions is a boolean (on or off).");
        return 0;
    case OPT_COMMAND:
        if (!*v) return embed_bad_value(err, key, v, "command must not be empty.");
        free(e->command);
        e->command = embed_strdup(v);
        break;
    default:
        return 0;
    }
    return 0;
}

static const char *embed_provider_names[] = { "hash", "openai", "command" };

int embedder_open(const char *name, const char *provider, const EmbedderOption *opts, int nopts,
                  Embedder **out, SqlError *err)
{
    *out = NULL;
    EmbedProvider prov;
    unsigned allowed, required;
    if (provider && strcasecmp(provider, "hash") == 0) {
        prov = EMBED_PROV_HASH;
        allowed = OPT_DIMS | OPT_BATCH;
        required = 0;
    } else if (provider && strcasecmp(provider, "openai") == 0) {
        prov = EMBED_PROV_OPENAI;
        allowed = OPT_DIMS | OPT_BATCH | OPT_TIMEOUT | OPT_URL | OPT_MODEL | OPT_KEYENV |
                  OPT_CAFILE | OPT_TLSVERIFY | OPT_SENDDIMS;
        required = OPT_URL | OPT_MODEL | OPT_DIMS;
    } else if (provider && strcasecmp(provider, "command") == 0) {
        prov = EMBED_PROV_COMMAND;
        allowed = OPT_DIMS | OPT_BATCH | OPT_TIMEOUT | OPT_COMMAND;
        required = OPT_COMMAND | OPT_DIMS;
    } else {
        sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "embedding provider \"%s\" does not exist",
                      provider ? provider : "");
        if (err) sql_error_hint(err, "Available providers are: hash, openai, command.");
        return -1;
    }
    Embedder *e = calloc(1, sizeof *e);
    if (!e) return sql_error_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
    e->prov = prov;
    e->dims = 256;
    e->batch_size = 64;
    e->timeout_ms = 30000;
    e->tls_verify = true;
    e->child_in = e->child_out = -1;
    shale_buf_init(&e->child_rbuf);
    pthread_mutex_init(&e->tls_mu, NULL);
    pthread_mutex_init(&e->cmd_mu, NULL);
    e->name = embed_strdup(name ? name : "");
    if (!e->name) goto oom;
    unsigned seen = 0;
    for (int i = 0; i < nopts; i++) {
        const char *key = opts[i].key ? opts[i].key : "";
        const char *v = opts[i].value ? opts[i].value : "";
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof embed_opt_names / sizeof embed_opt_names[0]; k++)
            if (strcasecmp(key, embed_opt_names[k].key) == 0) bit = embed_opt_names[k].bit;
        if (!(bit & allowed)) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                          "unrecognized option \"%s\" for embedding provider \"%s\"", key,
                          embed_provider_names[prov]);
            goto fail;
        }
        if (seen & bit) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\" specified more than once", key);
            goto fail;
        }
        seen |= bit;
        if (embed_apply_option(e, bit, key, v, err) != 0) goto fail;
        if ((bit == OPT_MODEL && !e->model) || (bit == OPT_KEYENV && !e->api_key_env) ||
            (bit == OPT_CAFILE && !e->ca_file) || (bit == OPT_COMMAND && !e->command))
            goto oom;
    }
    for (size_t k = 0; k < sizeof embed_opt_names / sizeof embed_opt_names[0]; k++) {
        if ((required & embed_opt_names[k].bit) && !(seen & embed_opt_names[k].bit)) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE,
                          "embedding provider \"%s\" requires option \"%s\"",
                          embed_provider_names[prov], embed_opt_names[k].key);
            goto fail;
        }
    }
    *out = e;
    return 0;
oom:
    sql_error_set(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
fail:
    embedder_free(e);
    return -1;
}

void embedder_free(Embedder *e)
{
    if (!e) return;
    embed_command_release(e);
    embed_openai_release(e);
    pthread_mutex_destroy(&e->tls_mu);
    pthread_mutex_destroy(&e->cmd_mu);
    shale_buf_free(&e->child_rbuf);
    free(e->name);
    free(e->model);
    free(e->api_key_env);
    free(e->ca_file);
    free(e->command);
    free(e);
}

int embedder_dims(const Embedder *e)
{
    return e->dims;
}

int embedder_batch_size(const Embedder *e)
{
    return e->batch_size;
}

const char *embedder_name(const Embedder *e)
{
    return e->name;
}

const char *embedder_provider(const Embedder *e)
{
    return embed_provider_names[e->prov];
}

int embedder_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                   bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail)
{
    if (fail) {
        fail->kind = EMBED_OK;
        fail->http_status = 0;
        fail->message[0] = '\0';
    }
    if (n < 0 || n > e->batch_size)
        return embed_fail(fail, EMBED_PERMANENT, 0, "batch of %d texts exceeds batch_size %d", n,
                          e->batch_size);
    if (n == 0) return 0;
    int rc;
    switch (e->prov) {
    case EMBED_PROV_HASH:
        for (int i = 0; i < n; i++) embed_hash_text(texts[i], lens[i], e->dims, out + (size_t)i * (size_t)e->dims);
        return 0;
    case EMBED_PROV_OPENAI:
        rc = embed_openai_embed(e, texts, lens, n, out, cancel, cancel_arg, fail);
        break;
    case EMBED_PROV_COMMAND:
        rc = embed_command_embed(e, texts, lens, n, out, cancel, cancel_arg, fail);
        break;
    default:
        return embed_fail(fail, EMBED_PERMANENT, 0, "unknown provider");
    }
    if (rc != 0) return -1;
    /* Every provider's numbers pass the same final check: finite values only. */
    size_t total = (size_t)n * (size_t)e->dims;
    for (size_t i = 0; i < total; i++) {
        if (!isfinite(out[i]))
            return embed_fail(fail, EMBED_PERMANENT, 0, "embedding %zu contains a NaN or infinite value",
                              i / (size_t)e->dims);
    }
    return 0;
}
