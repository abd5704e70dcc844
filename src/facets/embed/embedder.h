/* embedder.h -- the embedding facet's embedders: turn texts into float32 vectors.
 *
 * Providers (options are the key = value pairs of CREATE EMBEDDER, see docs/embeddings.md):
 *  - hash     built in, deterministic feature hashing of word and character n-grams,
 *             L2-normalised; no network. Options: dims (default 256), batch_size (default
 *             64). Exact definition: embed_hash.c and docs/embeddings.md.
 *  - openai   any OpenAI-compatible POST /v1/embeddings endpoint (OpenAI, Ollama, llama.cpp
 *             server, vLLM) over http or https (mbedTLS). Options: url, model, dims,
 *             api_key_env (name of an environment variable read at each call; the key itself
 *             is never stored), batch_size (default 64), timeout_ms (default 30000),
 *             ca_file (https: PEM bundle; default the system bundle), tls_verify (default
 *             on; off skips certificate checks: unsafe, for self-signed test servers),
 *             send_dimensions (default off; on adds "dimensions": dims to requests).
 *  - command  a local program speaking JSON lines on stdin/stdout: one request line
 *             {"input": ["text", ...]} per batch, one response line {"embeddings": [[...], ...]}
 *             or {"error": "message"}. Options: command (run with /bin/sh -c), dims,
 *             batch_size, timeout_ms. The child is started lazily, kept, and restarted after
 *             a failure or timeout. {"error": "m", "retryable": true} is a retryable error.
 *
 * Failures are classified so the job layer can retry sensibly: EMBED_RETRYABLE (connection
 * refused/reset, timeout, HTTP 429/5xx, child died) vs EMBED_PERMANENT (HTTP 4xx other than
 * 429, a response that is not the expected JSON, wrong dimension count, NaN/Inf values).
 * A whole-batch failure says nothing about which text was at fault: callers isolate a
 * poison text by retrying the texts of a failed batch one by one.
 *
 * Threading: an Embedder may be used by several threads at once (hash is stateless; openai
 * opens one connection per call; command serialises calls to its child under a mutex).
 * Nothing here touches the catalog or storage. */
#ifndef SHALE_FACETS_EMBED_EMBEDDER_H
#define SHALE_FACETS_EMBED_EMBEDDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/sqlerror.h"

typedef struct Embedder Embedder;

/* One option as written in CREATE EMBEDDER (key lower-cased, value as text). */
typedef struct EmbedderOption {
    const char *key;
    const char *value;
} EmbedderOption;

/* Validates provider and options (42704 unknown provider; 22023 unknown/missing/bad option,
 * with PostgreSQL-style messages) and creates the embedder. Nothing is contacted yet.
 * *out freed by embedder_free. */
int embedder_open(const char *name, const char *provider, const EmbedderOption *opts, int nopts,
                  Embedder **out, SqlError *err);
void embedder_free(Embedder *e);

int embedder_dims(const Embedder *e);
int embedder_batch_size(const Embedder *e);
const char *embedder_name(const Embedder *e);
const char *embedder_provider(const Embedder *e);

typedef enum EmbedFailKind {
    EMBED_OK = 0,
    EMBED_RETRYABLE = 1,
    EMBED_PERMANENT = 2
} EmbedFailKind;

typedef struct EmbedFailure {
    EmbedFailKind kind;
    int http_status;              /* 0 when not an HTTP answer */
    char message[256];            /* "HTTP 429 from 127.0.0.1:8080: rate limited", ... */
} EmbedFailure;

/* Embeds texts[0..n) (lens[i] bytes each, UTF-8, n <= embedder_batch_size) into
 * out[n * dims]. Returns 0, or -1 with *fail describing a whole-batch failure (out then
 * undefined). Blocks at most the embedder's timeout; `cancel` (may be NULL) is polled and
 * aborts the call with a retryable failure when it returns true (server shutdown). */
int embedder_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                   bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail);

/* The hash provider's function itself (also used by tests and docs): deterministic for
 * (text, dims), L2-normalised (all zeros for a text with no features). */
void embed_hash_text(const char *text, size_t len, int dims, float *out);

#endif
