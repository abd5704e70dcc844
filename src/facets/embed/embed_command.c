/* embed_command.c -- the `command` provider: a child program speaking JSON lines.
 * (Step 1 stub: validated but not yet able to run.) */
#include "facets/embed/embed_int.h"

int embed_command_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                        bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail)
{
    (void)e; (void)texts; (void)lens; (void)n; (void)out; (void)cancel; (void)cancel_arg;
    return embed_fail(fail, EMBED_RETRYABLE, 0, "command provider not implemented yet");
}

void embed_command_release(Embedder *e)
{
    (void)e;
}
