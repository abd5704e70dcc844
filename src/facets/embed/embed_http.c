/* embed_http.c -- the `openai` provider: POST /v1/embeddings over HTTP/1.1 (TLS by mbedTLS).
 * (Step 1 stub: validated but not yet able to call out.) */
#include "facets/embed/embed_int.h"

int embed_openai_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                       bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail)
{
    (void)texts; (void)lens; (void)n; (void)out; (void)cancel; (void)cancel_arg;
    return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: openai provider not implemented yet", e->url.hostport);
}

void embed_openai_release(Embedder *e)
{
    (void)e;
}
