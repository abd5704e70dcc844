/* blocking.c -- the per-thread sleep notifications of blocking.h. */
#include "util/blocking.h"

#include <stddef.h>

static _Thread_local const ShaleBlockHooks *tl_hooks;
static _Thread_local int tl_depth;

void shale_block_hooks_set(const ShaleBlockHooks *hooks)
{
    tl_hooks = hooks;
    tl_depth = 0;
}

void shale_block_enter(void)
{
    const ShaleBlockHooks *h = tl_hooks;
    if (h && tl_depth++ == 0)
        h->enter(h->arg);
}

void shale_block_leave(void)
{
    const ShaleBlockHooks *h = tl_hooks;
    if (h && --tl_depth == 0)
        h->leave(h->arg);
}
