/* iterator.c -- iterator cleanups and the empty/error iterator (see iterator.h). */
#include "storage/iterator.h"

#include <stdio.h>
#include <stdlib.h>

bool shale_iter_register_cleanup(ShaleIter *it, void (*fn)(void *a, void *b), void *a, void *b)
{
    ShaleIterCleanup *c = malloc(sizeof *c);
    if (!c)
        return false;
    c->fn = fn;
    c->a = a;
    c->b = b;
    c->next = it->cleanups;
    it->cleanups = c;
    return true;
}

void shale_iter_destroy(ShaleIter *it)
{
    if (!it)
        return;
    ShaleIterCleanup *c = it->cleanups;
    it->cleanups = NULL;
    it->ops->destroy(it);
    while (c) {
        ShaleIterCleanup *next = c->next;
        c->fn(c->a, c->b);
        free(c);
        c = next;
    }
}

typedef struct ErrorIter {
    ShaleIter base;
    ShaleError err;
} ErrorIter;

static bool err_valid(ShaleIter *it) { (void)it; return false; }
static void err_noop(ShaleIter *it) { (void)it; }
static void err_seek(ShaleIter *it, ShaleSlice t) { (void)it; (void)t; }
static ShaleSlice err_slice(ShaleIter *it) { (void)it; return shale_slice(NULL, 0); }

static ShaleCode err_status(ShaleIter *it, ShaleError *err)
{
    ErrorIter *e = (ErrorIter *)it;
    if (e->err.code && err)
        *err = e->err;
    return e->err.code;
}

static void err_destroy(ShaleIter *it) { free(it); }

static const ShaleIterOps error_iter_ops = {
    err_valid, err_noop, err_noop, err_seek, err_noop, err_noop,
    err_slice, err_slice, err_status, err_destroy,
};

ShaleIter *shale_iter_new_error(ShaleCode code, const char *msg)
{
    ErrorIter *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    shale_iter_init(&e->base, &error_iter_ops);
    e->err.code = code;
    snprintf(e->err.msg, sizeof e->err.msg, "%s", msg ? msg : "");
    return &e->base;
}
