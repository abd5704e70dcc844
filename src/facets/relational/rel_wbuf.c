/* rel_wbuf.c -- a transaction's write buffer (ordered skiplist in the transaction's arena,
 * with an undo log so ROLLBACK TO SAVEPOINT can restore earlier states) and the view
 * iterator that merges it over a storage snapshot (read-your-own-writes).
 *
 * Invariant: a key has at most one node; overwriting changes the node's state/value and
 * pushes the old state onto the undo log. Nodes are never unlinked (a rolled-back insert
 * becomes WB_ABSENT, which readers skip). */
#include <stdlib.h>
#include <string.h>

#include "facets/relational/rel_int.h"

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int r = n ? memcmp(a, b, n) : 0;
    if (r)
        return r;
    return an < bn ? -1 : an > bn;
}

void wb_init(WriteBuf *wb)
{
    memset(wb, 0, sizeof *wb);
    shale_arena_init(&wb->arena);
    shale_random_seed(&wb->rnd, 0x5eed);
    wb->height = 1;
}

void wb_free(WriteBuf *wb)
{
    shale_arena_destroy(&wb->arena);
    free(wb->undo);
    memset(wb, 0, sizeof *wb);
}

static bool wb_ensure_head(WriteBuf *wb)
{
    if (wb->head)
        return true;
    wb->head = shale_arena_alloc(&wb->arena, sizeof(WbNode) + WB_MAX_HEIGHT * sizeof(WbNode *));
    if (!wb->head)
        return false;
    memset(wb->head, 0, sizeof(WbNode) + WB_MAX_HEIGHT * sizeof(WbNode *));
    wb->head->height = WB_MAX_HEIGHT;
    return true;
}

/* Fills prev[] with the last node < key at each level; returns the first node >= key. */
static WbNode *wb_find_ge(const WriteBuf *wb, const char *key, size_t klen, WbNode **prev)
{
    WbNode *x = wb->head;
    for (int lvl = wb->height - 1; lvl >= 0; lvl--) {
        while (x->next[lvl] && key_cmp(x->next[lvl]->key, x->next[lvl]->klen, key, klen) < 0)
            x = x->next[lvl];
        if (prev)
            prev[lvl] = x;
    }
    return x->next[0];
}

WbNode *wb_find(const WriteBuf *wb, const char *key, size_t klen)
{
    if (!wb->head)
        return NULL;
    WbNode *n = wb_find_ge(wb, key, klen, NULL);
    return (n && key_cmp(n->key, n->klen, key, klen) == 0) ? n : NULL;
}

WbNode *wb_seek(const WriteBuf *wb, const char *key, size_t klen)
{
    if (!wb->head)
        return NULL;
    if (!key)
        return wb->head->next[0];
    return wb_find_ge(wb, key, klen, NULL);
}

WbNode *wb_seek_before(const WriteBuf *wb, const char *key, size_t klen)
{
    if (!wb->head)
        return NULL;
    WbNode *x = wb->head;
    for (int lvl = wb->height - 1; lvl >= 0; lvl--)
        while (x->next[lvl] && (!key || key_cmp(x->next[lvl]->key, x->next[lvl]->klen, key, klen) < 0))
            x = x->next[lvl];
    return x == wb->head ? NULL : x;
}

static bool wb_push_undo(WriteBuf *wb, WbNode *n)
{
    if (wb->n_undo == wb->cap_undo) {
        size_t cap = wb->cap_undo ? wb->cap_undo * 2 : 64;
        WbUndo *u = realloc(wb->undo, cap * sizeof *u);
        if (!u)
            return false;
        wb->undo = u;
        wb->cap_undo = cap;
    }
    wb->undo[wb->n_undo++] = (WbUndo){ n, n->val, n->vlen, n->state };
    return true;
}

bool wb_set(WriteBuf *wb, const char *key, size_t klen, const char *val, size_t vlen, WbState st)
{
    if (!wb_ensure_head(wb) || klen > UINT32_MAX || vlen > UINT32_MAX)
        return false;
    WbNode *prev[WB_MAX_HEIGHT];
    WbNode *n = wb_find_ge(wb, key, klen, prev);
    char *v = NULL;
    if (st == WB_PUT) {
        v = shale_arena_alloc(&wb->arena, vlen ? vlen : 1);
        if (!v)
            return false;
        if (vlen)
            memcpy(v, val, vlen);
    }
    if (n && key_cmp(n->key, n->klen, key, klen) == 0) {
        if (!wb_push_undo(wb, n))
            return false;
        if (n->state == WB_ABSENT)
            wb->n_live++;
    } else {
        int h = 1;
        while (h < WB_MAX_HEIGHT && (shale_random_next(&wb->rnd) & 3) == 0)
            h++;
        n = shale_arena_alloc(&wb->arena, sizeof(WbNode) + (size_t)h * sizeof(WbNode *));
        char *k = shale_arena_alloc(&wb->arena, klen ? klen : 1);
        if (!n || !k)
            return false;
        memcpy(k, key, klen);
        n->key = k;
        n->klen = (uint32_t)klen;
        n->height = (uint8_t)h;
        n->state = WB_ABSENT;
        n->val = NULL;
        n->vlen = 0;
        if (!wb_push_undo(wb, n))
            return false;
        if (h > wb->height) {
            for (int i = wb->height; i < h; i++)
                prev[i] = wb->head;
            wb->height = h;
        }
        for (int i = 0; i < h; i++) {
            n->next[i] = prev[i]->next[i];
            prev[i]->next[i] = n;
        }
        wb->n_nodes++;
        wb->n_live++;
    }
    n->state = (uint8_t)st;
    n->val = v;
    n->vlen = (uint32_t)(st == WB_PUT ? vlen : 0);
    return true;
}

void wb_rollback(WriteBuf *wb, size_t mark)
{
    while (wb->n_undo > mark) {
        WbUndo *u = &wb->undo[--wb->n_undo];
        if (u->node->state != WB_ABSENT && u->state == WB_ABSENT)
            wb->n_live--;
        else if (u->node->state == WB_ABSENT && u->state != WB_ABSENT)
            wb->n_live++;
        u->node->state = u->state;
        u->node->val = u->val;
        u->node->vlen = u->vlen;
    }
}

/* ---- view iterator ------------------------------------------------------------------------ */

static bool vi_in_range(const ViewIter *vi, const char *k, size_t kl)
{
    if (key_cmp(k, kl, vi->lo.data, vi->lo.len) < 0)
        return false;
    if (vi->hi_set && key_cmp(k, kl, vi->hi.data, vi->hi.len) >= 0)
        return false;
    return true;
}

/* Positions on the next visible entry starting from the current cursors. */
static void vi_settle(ViewIter *vi)
{
    for (;;) {
        bool sv = vi->it && shale_db_iter_valid(vi->it);
        if (vi->it && !sv && shale_db_iter_status(vi->it, &vi->serr) != SHALE_OK) {
            vi->failed = true;
            vi->valid = false;
            return;
        }
        const char *sk = NULL;
        size_t skl = 0;
        if (sv) {
            sk = shale_db_iter_key(vi->it, &skl);
            if (!vi_in_range(vi, sk, skl))
                sv = false;
        }
        WbNode *bn = vi->bn;
        if (bn && !vi_in_range(vi, bn->key, bn->klen))
            bn = NULL;
        if (!sv && !bn) {
            vi->valid = false;
            return;
        }
        int c;
        if (!sv)
            c = 1;            /* only the buffer */
        else if (!bn)
            c = -1;           /* only storage */
        else {
            c = key_cmp(sk, skl, bn->key, bn->klen);
            c = vi->backward ? (c > 0 ? -1 : c < 0 ? 1 : 0) : (c < 0 ? -1 : c > 0 ? 1 : 0);
        }
        if (c < 0) {          /* storage entry comes first */
            vi->key = sk;
            vi->klen = skl;
            vi->val = shale_db_iter_value(vi->it, &vi->vlen);
            vi->from_buf = false;
            vi->valid = true;
            return;
        }
        /* the buffer entry comes first (or shadows an equal storage key) */
        if (c == 0 && bn->state != WB_ABSENT) {
            if (vi->backward) shale_db_iter_prev(vi->it); else shale_db_iter_next(vi->it);
        }
        if (bn->state == WB_PUT) {
            vi->key = bn->key;
            vi->klen = bn->klen;
            vi->val = bn->val;
            vi->vlen = bn->vlen;
            vi->from_buf = true;
            vi->valid = true;
            return;
        }
        /* deleted or absent: skip the buffer node and go on */
        vi->bn = vi->backward ? wb_seek_before(vi->wb, bn->key, bn->klen) : bn->next[0];
    }
}

bool view_iter_open(ViewIter *vi, ShaleDB *db, const ShaleSnapshot *snap, const WriteBuf *wb,
                    const char *lo, size_t lolen, const char *hi, size_t hilen, bool hi_set, bool backward)
{
    memset(vi, 0, sizeof *vi);
    shale_buf_init(&vi->lo);
    shale_buf_init(&vi->hi);
    shale_buf_append(&vi->lo, lo, lolen);
    if (hi_set)
        shale_buf_append(&vi->hi, hi, hilen);
    if (vi->lo.oom || vi->hi.oom)
        return false;
    vi->hi_set = hi_set;
    vi->backward = backward;
    vi->wb = wb;
    vi->it = shale_db_iter_new(db, snap);
    if (!vi->it)
        return false;
    if (!backward) {
        shale_db_iter_seek(vi->it, lo, lolen);
        vi->bn = wb_seek(wb, lo, lolen);
    } else {
        if (hi_set) {
            shale_db_iter_seek_for_prev(vi->it, hi, hilen);
            if (shale_db_iter_valid(vi->it)) {
                size_t kl;
                const char *k = shale_db_iter_key(vi->it, &kl);
                if (key_cmp(k, kl, hi, hilen) >= 0)
                    shale_db_iter_prev(vi->it);
            }
            vi->bn = wb_seek_before(wb, hi, hilen);
        } else {
            shale_db_iter_seek_to_last(vi->it);
            vi->bn = wb_seek_before(wb, NULL, 0);
        }
    }
    vi_settle(vi);
    return true;
}

void view_iter_next(ViewIter *vi)
{
    if (!vi->valid)
        return;
    if (vi->from_buf) {
        WbNode *bn = vi->bn;
        vi->bn = vi->backward ? wb_seek_before(vi->wb, bn->key, bn->klen) : bn->next[0];
    } else if (vi->backward) {
        shale_db_iter_prev(vi->it);
    } else {
        shale_db_iter_next(vi->it);
    }
    vi_settle(vi);
}

void view_iter_close(ViewIter *vi)
{
    if (vi->it)
        shale_db_iter_destroy(vi->it);
    vi->it = NULL;
    shale_buf_free(&vi->lo);
    shale_buf_free(&vi->hi);
}
