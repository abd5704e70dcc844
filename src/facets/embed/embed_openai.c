/* embed_openai.c -- the `openai` provider: one POST per batch to an OpenAI-compatible
 * embeddings endpoint.
 *
 * Request body: {"model":"<model>","input":["text",...]} plus ,"dimensions":<dims> when
 * send_dimensions = on (only models with adjustable output size accept it).
 * Headers: Content-Type: application/json, Content-Length, Connection: close, and
 * Authorization: Bearer <key> when api_key_env names a set variable (read at each call).
 * Response (2xx): {"data":[{"embedding":[f,...],"index":i}, ...], ...}; items are placed by
 * "index" (by position when absent); each must have exactly dims numbers, every index in
 * [0, n) exactly once. Anything else is a permanent failure. Non-2xx: 429, 408 and 5xx are
 * retryable, every other status permanent; the message carries the server's error text. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facets/embed/embed_http.h"

static int openai_get_ca(Embedder *e, void **ca, EmbedFailure *fail)
{
    pthread_mutex_lock(&e->tls_mu);
    int rc = 0;
    if (!e->tls_ca) {
        char why[200];
        if (embed_http_load_ca(e->ca_file, &e->tls_ca, why, sizeof why) != 0)
            rc = embed_fail(fail, EMBED_PERMANENT, 0, "%s: %s", e->url.hostport, why);
    }
    *ca = e->tls_ca;
    pthread_mutex_unlock(&e->tls_mu);
    return rc;
}

void embed_openai_release(Embedder *e)
{
    embed_http_free_ca(e->tls_ca);
    e->tls_ca = NULL;
}

/* A printable one-line excerpt of an error body: error.message (OpenAI), error (string,
 * Ollama/llama.cpp) or message, else the raw start of the body. */
static void openai_error_text(const ShaleBuf *body, char *out, size_t cap)
{
    out[0] = '\0';
    ShaleBuf msg;
    shale_buf_init(&msg);
    EmbedJson j;
    embed_json_init(&j, body->data ? body->data : "", body->len);
    bool first = true;
    char key[16];
    while (msg.len == 0 && embed_json_object_next(&j, &first, key, sizeof key)) {
        if (strcmp(key, "error") == 0 && embed_json_peek(&j) == '{') {
            bool f2 = true;
            char k2[16];
            while (embed_json_object_next(&j, &f2, k2, sizeof k2)) {
                if (strcmp(k2, "message") == 0 && embed_json_peek(&j) == '"') embed_json_string(&j, &msg);
                else embed_json_skip(&j);
            }
        } else if ((strcmp(key, "error") == 0 || strcmp(key, "message") == 0) && embed_json_peek(&j) == '"') {
            embed_json_string(&j, &msg);
        } else {
            embed_json_skip(&j);
        }
    }
    const char *src = msg.len && !msg.oom ? msg.data : body->data;
    size_t n = msg.len && !msg.oom ? msg.len : body->len;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap && o < 160; i++) {
        unsigned char c = (unsigned char)src[i];
        out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    out[o] = '\0';
    shale_buf_free(&msg);
}

/* Parses one {"embedding": [...], "index": i} item into tmp[dims]; *index = -1 when absent. */
static bool openai_parse_item(EmbedJson *j, int dims, float *tmp, long *index, bool *have_emb,
                              const char **why)
{
    bool first = true;
    char key[16];
    *index = -1;
    *have_emb = false;
    while (embed_json_object_next(j, &first, key, sizeof key)) {
        if (strcmp(key, "embedding") == 0) {
            bool f = true;
            int k = 0;
            while (embed_json_array_next(j, &f)) {
                double d;
                if (!embed_json_number(j, &d)) return false;
                if (k >= dims) { *why = "embedding has more dimensions than the embedder's dims"; return false; }
                if (!(fabs(d) <= FLT_MAX)) { *why = "embedding value out of float range"; return false; }
                tmp[k++] = (float)d;
            }
            if (j->failed) return false;
            if (k != dims) { *why = "embedding has fewer dimensions than the embedder's dims"; return false; }
            *have_emb = true;
        } else if (strcmp(key, "index") == 0) {
            double d;
            if (!embed_json_number(j, &d)) return false;
            if (d < 0 || d > 1e9 || d != floor(d)) { *why = "bad index"; return false; }
            *index = (long)d;
        } else if (!embed_json_skip(j)) {
            return false;
        }
    }
    return !j->failed;
}

static int openai_parse_response(Embedder *e, const ShaleBuf *body, int n, float *out, EmbedFailure *fail)
{
    int dims = e->dims;
    float *tmp = malloc((size_t)dims * sizeof(float));
    bool *seen = calloc((size_t)n, sizeof(bool));
    const char *why = NULL;
    int got = 0;
    EmbedJson j;
    embed_json_init(&j, body->data ? body->data : "", body->len);
    if (!tmp || !seen) {
        free(tmp);
        free(seen);
        return embed_fail(fail, EMBED_RETRYABLE, 0, "out of memory");
    }
    bool first = true, have_data = false;
    char key[16];
    while (!why && embed_json_object_next(&j, &first, key, sizeof key)) {
        if (strcmp(key, "data") != 0) {
            embed_json_skip(&j);
            continue;
        }
        have_data = true;
        bool f = true;
        int pos = 0;
        while (!why && embed_json_array_next(&j, &f)) {
            long idx;
            bool have_emb;
            if (!openai_parse_item(&j, dims, tmp, &idx, &have_emb, &why)) break;
            if (!have_emb) { why = "an item has no \"embedding\""; break; }
            if (idx < 0) idx = pos;
            pos++;
            if (idx >= n) { why = "an index is out of range (more embeddings than texts)"; break; }
            if (seen[idx]) { why = "an index appears twice"; break; }
            seen[idx] = true;
            memcpy(out + (size_t)idx * (size_t)dims, tmp, (size_t)dims * sizeof(float));
            got++;
        }
    }
    if (!why && !j.failed && !embed_json_at_end(&j)) why = "trailing bytes after the JSON object";
    if (!why && !j.failed && !have_data) why = "no \"data\" member";
    if (!why && !j.failed && got != n) why = "fewer embeddings than texts";
    free(tmp);
    free(seen);
    if (j.failed)
        return embed_fail(fail, EMBED_PERMANENT, 200, "invalid JSON from %s: %s", e->url.hostport, j.why);
    if (why) return embed_fail(fail, EMBED_PERMANENT, 200, "unexpected response from %s: %s", e->url.hostport, why);
    return 0;
}

int embed_openai_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                       bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail)
{
    int64_t deadline = embed_now_ms() + e->timeout_ms;
    void *ca = NULL;
    if (e->url.tls && e->tls_verify && openai_get_ca(e, &ca, fail) != 0) return -1;

    char auth[8192];
    auth[0] = '\0';
    if (e->api_key_env) {
        const char *key = getenv(e->api_key_env);
        if (!key || !*key)
            return embed_fail(fail, EMBED_PERMANENT, 0, "environment variable \"%s\" (api_key_env) is not set",
                              e->api_key_env);
        if (strlen(key) > sizeof auth - 64 || strpbrk(key, "\r\n"))
            return embed_fail(fail, EMBED_PERMANENT, 0, "environment variable \"%s\" does not hold a usable API key",
                              e->api_key_env);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", key);
    }

    ShaleBuf req, body;
    shale_buf_init(&req);
    shale_buf_init(&body);
    embed_json_write_raw(&req, "{\"model\":");
    embed_json_write_string(&req, e->model, strlen(e->model));
    embed_json_write_raw(&req, ",\"input\":[");
    for (int i = 0; i < n; i++) {
        if (i) shale_buf_append_byte(&req, ',');
        embed_json_write_string(&req, texts[i], lens[i]);
    }
    shale_buf_append_byte(&req, ']');
    if (e->send_dimensions) {
        char d[32];
        snprintf(d, sizeof d, ",\"dimensions\":%d", e->dims);
        embed_json_write_raw(&req, d);
    }
    shale_buf_append_byte(&req, '}');
    int rc = -1;
    if (req.oom) {
        embed_fail(fail, EMBED_RETRYABLE, 0, "out of memory building the request");
        goto out;
    }
    EmbedHttpRequest hr = {
        .url = &e->url, .method = "POST", .extra_headers = auth[0] ? auth : NULL,
        .body = req.data, .body_len = req.len, .deadline_ms = deadline, .timeout_ms = e->timeout_ms,
        .cancel = cancel, .cancel_arg = cancel_arg, .tls_verify = e->tls_verify, .tls_ca = ca,
    };
    int status = 0;
    if (embed_http_call(&hr, &status, &body, fail) != 0) goto out;
    if (status < 200 || status > 299) {
        char text[200];
        openai_error_text(&body, text, sizeof text);
        bool retry = status == 429 || status == 408 || status >= 500;
        embed_fail(fail, retry ? EMBED_RETRYABLE : EMBED_PERMANENT, status, "HTTP %d from %s: %s", status,
                   e->url.hostport, text[0] ? text : "(no message)");
        goto out;
    }
    rc = openai_parse_response(e, &body, n, out, fail);
out:
    memset(auth, 0, sizeof auth);
    shale_buf_free(&req);
    shale_buf_free(&body);
    return rc;
}
