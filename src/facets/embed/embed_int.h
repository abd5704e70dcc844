/* embed_int.h -- private to src/facets/embed: the Embedder object shared by the provider
 * files (embedder.c validation and dispatch, embed_http.c openai, embed_command.c command),
 * the small JSON reader/writer and the HTTP client used by the openai provider. */
#ifndef SHALE_FACETS_EMBED_EMBED_INT_H
#define SHALE_FACETS_EMBED_EMBED_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <sys/types.h>

#include "facets/embed/embedder.h"
#include "util/buf.h"

typedef enum EmbedProvider {
    EMBED_PROV_HASH,
    EMBED_PROV_OPENAI,
    EMBED_PROV_COMMAND
} EmbedProvider;

#define EMBED_MAX_DIMS 16000            /* pgvector's limit for vector(n) */
#define EMBED_MAX_BATCH 2048
#define EMBED_MAX_RESPONSE (64u << 20)  /* bytes of HTTP body / command response line */

/* A parsed http(s) URL; strings are NUL-terminated copies. */
typedef struct EmbedUrl {
    bool tls;
    char host[256];        /* without brackets for IPv6 literals */
    char port[8];
    char path[1024];       /* starts with '/', includes any query string */
    char hostport[300];    /* Host header value and message prefix, e.g. "127.0.0.1:8080" */
} EmbedUrl;

struct Embedder {
    char *name;               /* owned */
    EmbedProvider prov;
    int dims;
    int batch_size;
    int timeout_ms;
    /* openai */
    EmbedUrl url;
    char *model;              /* owned; NULL for other providers */
    char *api_key_env;        /* owned; NULL = no Authorization header */
    char *ca_file;            /* owned; NULL = the system bundle */
    bool tls_verify;
    bool send_dimensions;     /* add "dimensions": dims to requests */
    pthread_mutex_t tls_mu;   /* guards the lazily loaded CA chain below */
    void *tls_ca;             /* mbedtls_x509_crt *, owned, loaded at the first https call */
    /* command */
    char *command;            /* owned */
    pthread_mutex_t cmd_mu;   /* serialises calls to the child */
    pid_t child_pid;          /* 0 = not running */
    int child_in;             /* our end of the child's stdin, -1 when not running */
    int child_out;            /* our end of the child's stdout */
    ShaleBuf child_rbuf;      /* bytes read past the last response line */
};

/* Sets *fail (kind, status, message formatted printf-style). Returns -1. */
int embed_fail(EmbedFailure *fail, EmbedFailKind kind, int http_status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parses an http:// or https:// URL into *u; false with a reason in why[whylen]. */
bool embed_url_parse(const char *s, EmbedUrl *u, char *why, size_t whylen);

/* Providers (same contract as embedder_embed). */
int embed_openai_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                       bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail);
void embed_openai_release(Embedder *e);
int embed_command_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                        bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail);
void embed_command_release(Embedder *e);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t embed_now_ms(void);

#endif
