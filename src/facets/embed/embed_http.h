/* embed_http.h -- private to src/facets/embed: the one-shot HTTP/1.1 client of the openai
 * provider (embed_http.c). */
#ifndef SHALE_FACETS_EMBED_EMBED_HTTP_H
#define SHALE_FACETS_EMBED_EMBED_HTTP_H

#include "facets/embed/embed_int.h"
#include "facets/embed/embed_json.h"

/* One request; every pointer is borrowed for the duration of the call. */
typedef struct EmbedHttpRequest {
    const EmbedUrl *url;
    const char *method;            /* "POST" */
    const char *extra_headers;     /* complete "Name: value\r\n" lines, or NULL */
    const char *body;
    size_t body_len;
    int64_t deadline_ms;           /* embed_now_ms() clock */
    int timeout_ms;                /* for messages only */
    bool (*cancel)(void *arg);     /* may be NULL; polled every 100 ms */
    void *cancel_arg;
    bool tls_verify;
    void *tls_ca;                  /* mbedtls_x509_crt * (from embed_http_load_ca), when verifying */
} EmbedHttpRequest;

/* Connects, sends, and reads one complete response. 0 = a response arrived (any status;
 * *status set, body bytes appended to *body, owned by the caller); -1 = *fail set. */
int embed_http_call(const EmbedHttpRequest *req, int *status, ShaleBuf *body, EmbedFailure *fail);

/* Loads a PEM CA bundle (NULL = /etc/ssl/certs/ca-certificates.crt) into *ca_out (owned by
 * the caller, freed by embed_http_free_ca). -1 with why[] on failure. */
int embed_http_load_ca(const char *ca_file, void **ca_out, char *why, size_t whylen);
void embed_http_free_ca(void *ca);

#endif
