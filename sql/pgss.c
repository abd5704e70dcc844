/* pgss.c -- pg_stat_statements (see pgss.h): the normaliser, the sharded entry table, the
 * per-statement hooks the session calls, the pg_stat_statements view and
 * pg_stat_statements_reset().
 *
 * Table layout: PGSS_SHARDS shards picked by the key hash's top bits; each holds cap
 * entries (max / shards, rounded up) in a fixed array, a free list threaded through `next`,
 * and 2*cap (power of two) bucket heads of chains linked by `next`. Everything of a shard
 * is under its mutex; a statement holds it for one lookup and a counter update. Entry texts
 * are malloc'd (owned by the entry, at most PGSS_TEXT_MAX bytes + NUL). */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sql/acl.h"
#include "sql/obs.h"
#include "sql/pgss.h"
#include "sql/session_int.h"
#include "sql/types/types.h"

#define PGSS_SHARDS 16
#define PGSS_VIEW_OID 9421u
#define PGSS_INFO_VIEW_OID 9422u

typedef struct PgssKey {
    Oid userid, dbid;
    uint64_t queryid;
    bool toplevel;
} PgssKey;

typedef struct PgssEntry {
    PgssKey key;
    uint64_t hash;
    int32_t next;                  /* chain (in use) or free list (free); -1 ends */
    bool used;
    int64_t calls, rows;
    double total, min, max, mean, sum_var; /* ms; Welford's running mean and variance sum */
    char *text;                    /* owned */
} PgssEntry;

typedef struct PgssShard {
    pthread_mutex_t mu;
    int cap, n, nbuckets;
    int32_t free_head;
    int32_t *buckets;
    PgssEntry *entries;
} PgssShard;

struct PgssTable {
    pthread_mutex_t init_mu;
    atomic_bool ready;             /* shards allocated (first statement, sized by its max) */
    bool failed;                   /* allocation failed: statistics stay off */
    PgssShard shards[PGSS_SHARDS];
    atomic_int_fast64_t dealloc;   /* evictions since the last reset */
    atomic_int_fast64_t reset_at;  /* last full reset (or creation), µs since 2000-01-01 UTC */
};

static int64_t pg_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - 946684800000000ll;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

PgssTable *pgss_new(void)
{
    PgssTable *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_mutex_init(&t->init_mu, NULL);
    atomic_store(&t->reset_at, pg_now_us());
    for (int i = 0; i < PGSS_SHARDS; i++)
        pthread_mutex_init(&t->shards[i].mu, NULL);
    return t;
}

void pgss_free(PgssTable *t)
{
    if (!t)
        return;
    for (int i = 0; i < PGSS_SHARDS; i++) {
        PgssShard *sh = &t->shards[i];
        for (int e = 0; e < sh->cap; e++)
            free(sh->entries ? sh->entries[e].text : NULL);
        free(sh->entries);
        free(sh->buckets);
        pthread_mutex_destroy(&sh->mu);
    }
    pthread_mutex_destroy(&t->init_mu);
    free(t);
}

/* Allocates the shards for max entries in all (once). Returns false when statistics are off. */
static bool table_ready(PgssTable *t, long max)
{
    if (atomic_load_explicit(&t->ready, memory_order_acquire))
        return true;
    pthread_mutex_lock(&t->init_mu);
    if (!atomic_load_explicit(&t->ready, memory_order_relaxed) && !t->failed) {
        if (max < 100)
            max = 100;
        if (max > 1000000)
            max = 1000000;
        int cap = (int)((max + PGSS_SHARDS - 1) / PGSS_SHARDS);
        int nb = 1;
        while (nb < 2 * cap)
            nb <<= 1;
        for (int i = 0; i < PGSS_SHARDS && !t->failed; i++) {
            PgssShard *sh = &t->shards[i];
            sh->entries = calloc((size_t)cap, sizeof *sh->entries);
            sh->buckets = malloc(sizeof *sh->buckets * (size_t)nb);
            if (!sh->entries || !sh->buckets) {
                t->failed = true;
                break;
            }
            sh->cap = cap;
            sh->nbuckets = nb;
            for (int b = 0; b < nb; b++)
                sh->buckets[b] = -1;
            for (int e = 0; e < cap; e++)
                sh->entries[e].next = e + 1 < cap ? e + 1 : -1;
            sh->free_head = 0;
        }
        if (!t->failed)
            atomic_store_explicit(&t->ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&t->init_mu);
    return !t->failed;
}

/* ---- normalisation ------------------------------------------------------------------------ */

#define FNV_OFF 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb33fa3c0ed73ull;
    h ^= h >> 33;
    return h ? h : 1;
}

static bool is_ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool word_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

/* Words after which a '-' is a sign (PostgreSQL folds "-1" into one constant there). */
static bool word_expects_operand(const char *w, size_t n)
{
    static const char *const kws[] = {"select", "where", "and", "or", "not", "when", "then", "else", "limit",
                                      "offset", "by", "like", "between", "having", "on", "return", "values",
                                      "in", "is", "set", "as", "distinct", "all", "any", "some", "array"};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (word_is(w, n, kws[i]))
            return true;
    return false;
}

/* Type names whose "(...)" holds a type modifier (kept: it is not a constant of the query). */
static bool word_takes_typmod(const char *w, size_t n)
{
    static const char *const kws[] = {"varchar", "char", "character", "varying", "numeric", "decimal", "bit",
                                      "varbit", "timestamp", "timestamptz", "time", "timetz", "interval",
                                      "float", "vector", "bpchar", "dec", "nchar"};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (word_is(w, n, kws[i]))
            return true;
    return false;
}

typedef enum { TK_NONE, TK_WORD, TK_CONST, TK_PARAM, TK_OPEN, TK_CLOSE, TK_COMMA, TK_OP } TokKind;

/* Output of the normaliser: bytes into out[cap] (cut, always NUL-terminated). */
typedef struct NormOut {
    char *p;
    size_t n, cap;
} NormOut;

static void out_put(NormOut *o, const char *s, size_t n)
{
    if (!o->p || o->cap == 0)
        return;
    size_t room = o->cap - 1 - o->n;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) /* cut at a character boundary */
            n--;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

/* End of the string literal starting at i (the opening quote); backslash escapes when esc. */
static size_t skip_quoted(const char *t, size_t len, size_t i, bool esc)
{
    i++;
    while (i < len) {
        if (esc && t[i] == '\\' && i + 1 < len) {
            i += 2;
            continue;
        }
        if (t[i] == '\'') {
            if (i + 1 < len && t[i + 1] == '\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return len;
}

/* If a dollar quote opens at i, returns its end, else 0. */
static size_t skip_dollar(const char *t, size_t len, size_t i)
{
    size_t j = i + 1;
    while (j < len && t[j] != '$' && (is_ident_char((unsigned char)t[j]) && t[j] != '$'))
        j++;
    if (j >= len || t[j] != '$' || (j > i + 1 && isdigit((unsigned char)t[i + 1])))
        return 0;
    size_t tag = j + 1 - i;
    for (size_t k = j + 1; k + tag <= len; k++)
        if (t[k] == '$' && memcmp(t + k, t + i, tag) == 0)
            return k + tag;
    return len;
}

/* The highest $n the text uses (outside literals and comments). */
static int max_param(const char *t, size_t len)
{
    int mx = 0;
    for (size_t i = 0; i < len;) {
        char c = t[i];
        if (c == '\'') {
            i = skip_quoted(t, len, i, i > 0 && (t[i - 1] == 'e' || t[i - 1] == 'E'));
        } else if (c == '"') {
            const char *q = memchr(t + i + 1, '"', len - i - 1);
            i = q ? (size_t)(q - t) + 1 : len;
        } else if (c == '-' && i + 1 < len && t[i + 1] == '-') {
            const char *q = memchr(t + i, '\n', len - i);
            i = q ? (size_t)(q - t) : len;
        } else if (c == '$' && i + 1 < len && isdigit((unsigned char)t[i + 1]) &&
                   !(i > 0 && is_ident_char((unsigned char)t[i - 1]))) {
            int v = 0;
            i++;
            while (i < len && isdigit((unsigned char)t[i]))
                v = v < 100000 ? v * 10 + (t[i++] - '0') : (i++, v);
            if (v > mx)
                mx = v;
        } else if (c == '$') {
            size_t e = skip_dollar(t, len, i);
            i = e ? e : i + 1;
        } else {
            i++;
        }
    }
    return mx;
}

size_t pgss_stmt_end(const char *t, size_t len, size_t end)
{
    size_t i = end;
    while (i < len) {
        if (isspace((unsigned char)t[i])) {
            i++;
        } else if (t[i] == '-' && i + 1 < len && t[i + 1] == '-') {
            const char *q = memchr(t + i, '\n', len - i);
            i = q ? (size_t)(q - t) : len;
        } else if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
            const char *q = i + 2 < len ? strstr(t + i + 2, "*/") : NULL;
            i = q && (size_t)(q - t) < len ? (size_t)(q - t) + 2 : len;
        } else {
            return t[i] == ';' ? i : end;
        }
    }
    return len;
}

uint64_t pgss_normalise(const char *t, size_t len, bool optimizable, char *out, size_t cap)
{
    NormOut o = {out, 0, cap};
    if (out && cap)
        out[0] = '\0';
    while (len > 0 && isspace((unsigned char)t[0])) {
        t++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)t[len - 1]))
        len--;
    if (!optimizable) {
        out_put(&o, t, len);
        return mix64(fnv(FNV_OFF ^ 0x5555, t, len));
    }
    uint64_t h = FNV_OFF;
    int next_param = max_param(t, len) + 1;
    TokKind prev = TK_NONE;
    const char *pw = NULL, *ppw = NULL;    /* previous word and the one before it */
    size_t pwn = 0, ppwn = 0;
    bool by_list = false;                  /* in ORDER BY / GROUP BY: bare integers are positions */
    int typmod_depth = 0;                  /* inside a type modifier "(...)" */
    size_t copied = 0;                     /* text up to here is in out */
    size_t sign = (size_t)-1;              /* a '-' folded into the constant that follows */
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)t[i];
        if (isspace(c)) {
            i++;
            continue;
        }
        if (c == '-' && i + 1 < len && t[i + 1] == '-') {
            const char *q = memchr(t + i, '\n', len - i);
            i = q ? (size_t)(q - t) : len;
            continue;
        }
        if (c == '/' && i + 1 < len && t[i + 1] == '*') {
            int depth = 0;
            while (i < len) {
                if (i + 1 < len && t[i] == '/' && t[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (i + 1 < len && t[i] == '*' && t[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    i++;
                }
            }
            continue;
        }
        size_t start = i, end;
        TokKind kind = TK_NONE;
        bool is_const = false;
        if (c == '\'' || ((c == 'e' || c == 'E' || c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' ||
                           c == 'N') && i + 1 < len && t[i + 1] == '\'')) {
            bool esc = c == 'e' || c == 'E';
            end = skip_quoted(t, len, c == '\'' ? i : i + 1, esc);
            is_const = true;
        } else if ((c == 'u' || c == 'U') && i + 2 < len && t[i + 1] == '&' && t[i + 2] == '\'') {
            end = skip_quoted(t, len, i + 2, false);
            is_const = true;
        } else if (c == '"' || ((c == 'u' || c == 'U') && i + 2 < len && t[i + 1] == '&' && t[i + 2] == '"')) {
            size_t q0 = c == '"' ? i : i + 2;
            const char *q = memchr(t + q0 + 1, '"', len - q0 - 1);
            end = q ? (size_t)(q - t) + 1 : len;
            kind = TK_WORD;
            h = fnv(h, t + start, end - start);
            goto emit_tok;
        } else if (c == '$' && i + 1 < len && isdigit((unsigned char)t[i + 1])) {
            end = i + 1;
            while (end < len && isdigit((unsigned char)t[end]))
                end++;
            kind = TK_PARAM;
            h = fnv(h, t + start, end - start);
            goto emit_tok;
        } else if (c == '$' && (end = skip_dollar(t, len, i)) != 0) {
            is_const = true;
        } else if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)t[i + 1]))) {
            end = i;
            if (c == '0' && i + 1 < len && strchr("xXoObB", t[i + 1])) {
                end += 2;
                while (end < len && (isxdigit((unsigned char)t[end]) || t[end] == '_'))
                    end++;
            } else {
                while (end < len && (isdigit((unsigned char)t[end]) || t[end] == '_'))
                    end++;
                if (end < len && t[end] == '.' && !(end + 1 < len && t[end + 1] == '.')) {
                    end++;
                    while (end < len && isdigit((unsigned char)t[end]))
                        end++;
                }
                if (end < len && (t[end] == 'e' || t[end] == 'E') &&
                    ((end + 1 < len && isdigit((unsigned char)t[end + 1])) ||
                     (end + 2 < len && (t[end + 1] == '+' || t[end + 1] == '-') && isdigit((unsigned char)t[end + 2]))))
                {
                    end += 2;
                    while (end < len && isdigit((unsigned char)t[end]))
                        end++;
                }
            }
            bool integer = memchr(t + start, '.', end - start) == NULL;
            bool position = integer && by_list && (prev == TK_COMMA || (prev == TK_WORD && word_is(pw, pwn, "by")));
            is_const = !position && typmod_depth == 0;
            if (!is_const) {
                kind = TK_CONST;
                h = fnv(h, t + start, end - start);
                goto emit_tok;
            }
        } else if (is_ident_start(c)) {
            end = i + 1;
            while (end < len && is_ident_char((unsigned char)t[end]))
                end++;
            size_t n = end - start;
            bool boolnull = word_is(t + start, n, "true") || word_is(t + start, n, "false") ||
                            word_is(t + start, n, "null");
            bool after_is = prev == TK_WORD && (word_is(pw, pwn, "is") || (word_is(pw, pwn, "not") && ppw &&
                                                                            word_is(ppw, ppwn, "is")));
            bool limit_all = prev == TK_WORD && word_is(t + start, n, "all") && word_is(pw, pwn, "limit");
            if ((boolnull && !after_is && !(prev == TK_WORD && word_is(pw, pwn, "not"))) || limit_all) {
                is_const = true;
            } else {
                for (size_t k = start; k < end; k++) {
                    unsigned char lc = (unsigned char)tolower((unsigned char)t[k]);
                    h = (h ^ lc) * FNV_PRIME;
                }
                h = (h ^ ' ') * FNV_PRIME;
                if (word_is(t + start, n, "by"))
                    by_list = prev == TK_WORD && (word_is(pw, pwn, "order") || word_is(pw, pwn, "group"));
                else if (!word_is(t + start, n, "asc") && !word_is(t + start, n, "desc") &&
                         !word_is(t + start, n, "nulls") && !word_is(t + start, n, "first") &&
                         !word_is(t + start, n, "last"))
                    by_list = false;
                kind = TK_WORD;
                goto emit_tok;
            }
        } else {
            /* operators and punctuation */
            if (c == '-' && i + 1 < len && (isdigit((unsigned char)t[i + 1]) || t[i + 1] == '.') &&
                typmod_depth == 0 &&
                (prev == TK_NONE || prev == TK_OP || prev == TK_OPEN || prev == TK_COMMA ||
                 (prev == TK_WORD && word_expects_operand(pw, pwn)))) {
                sign = i++; /* the sign joins the number that follows */
                continue;
            }
            end = i + 1;
            if (strchr("+-*/<>=~!@#%^&|`?", (int)c)) {
                while (end < len && strchr("+-*/<>=~!@#%^&|`?", t[end]) &&
                       !(t[end] == '-' && end + 1 < len && t[end + 1] == '-') &&
                       !(t[end] == '/' && end + 1 < len && t[end + 1] == '*'))
                    end++;
                kind = TK_OP;
            } else if (c == ':' && end < len && t[end] == ':') {
                end++;
                kind = TK_OP;
            } else if (c == '(') {
                kind = TK_OPEN;
                if (typmod_depth > 0 || (prev == TK_WORD && word_takes_typmod(pw, pwn)))
                    typmod_depth++;
            } else if (c == ')') {
                kind = TK_CLOSE;
                if (typmod_depth > 0)
                    typmod_depth--;
            } else if (c == ',') {
                kind = TK_COMMA;
            } else {
                kind = TK_OP;
            }
            if (kind != TK_COMMA && kind != TK_OPEN)
                by_list = by_list && kind == TK_COMMA;
            h = fnv(h, t + start, end - start);
            goto emit_tok;
        }
        (void)is_const;
        /* a constant: [sign] literal -> $n (a folded sign is part of it) */
        {
            size_t cstart = sign != (size_t)-1 && sign >= copied ? sign : start;
            out_put(&o, t + copied, cstart - copied);
            char num[16];
            int nn = snprintf(num, sizeof num, "$%d", next_param++);
            out_put(&o, num, (size_t)nn);
            copied = end;
            h = (h ^ 0xC0) * FNV_PRIME;
            kind = TK_CONST;
        }
    emit_tok:
        sign = (size_t)-1;
        if (kind == TK_WORD) {
            ppw = pw;
            ppwn = pwn;
            pw = t + start;
            pwn = end - start;
        }
        prev = kind;
        i = end;
    }
    out_put(&o, t + copied, len - copied);
    return mix64(h);
}

/* ---- the table ---------------------------------------------------------------------------- */

static uint64_t key_hash(const PgssKey *k)
{
    uint64_t h = k->queryid ^ ((uint64_t)k->userid << 32 | k->dbid) * 0x9e3779b97f4a7c15ull;
    return mix64(h ^ (k->toplevel ? 0x51 : 0));
}

static bool key_eq(const PgssKey *a, const PgssKey *b)
{
    return a->queryid == b->queryid && a->userid == b->userid && a->dbid == b->dbid && a->toplevel == b->toplevel;
}

/* REQUIRES sh->mu. The entry index of k, or -1. */
static int32_t shard_find(PgssShard *sh, const PgssKey *k, uint64_t h)
{
    for (int32_t e = sh->buckets[h & (uint64_t)(sh->nbuckets - 1)]; e >= 0; e = sh->entries[e].next)
        if (sh->entries[e].hash == h && key_eq(&sh->entries[e].key, k))
            return e;
    return -1;
}

/* REQUIRES sh->mu. Unlinks and frees entry e (back to the free list). */
static void shard_remove(PgssShard *sh, int32_t e)
{
    PgssEntry *en = &sh->entries[e];
    int32_t *pp = &sh->buckets[en->hash & (uint64_t)(sh->nbuckets - 1)];
    while (*pp != e)
        pp = &sh->entries[*pp].next;
    *pp = en->next;
    free(en->text);
    memset(en, 0, sizeof *en);
    en->next = sh->free_head;
    sh->free_head = e;
    sh->n--;
}

/* REQUIRES sh->mu. A new entry for k owning text (evicts the least-called entry when the
 * shard is full). */
static int32_t shard_insert(PgssTable *t, PgssShard *sh, const PgssKey *k, uint64_t h, char *text)
{
    if (sh->free_head < 0) {
        int32_t victim = 0;
        for (int32_t e = 1; e < sh->cap; e++)
            if (sh->entries[e].calls < sh->entries[victim].calls)
                victim = e;
        shard_remove(sh, victim);
        atomic_fetch_add_explicit(&t->dealloc, 1, memory_order_relaxed);
    }
    int32_t e = sh->free_head;
    PgssEntry *en = &sh->entries[e];
    sh->free_head = en->next;
    memset(en, 0, sizeof *en);
    en->key = *k;
    en->hash = h;
    en->used = true;
    en->text = text;
    size_t b = h & (uint64_t)(sh->nbuckets - 1);
    en->next = sh->buckets[b];
    sh->buckets[b] = e;
    sh->n++;
    return e;
}

static void entry_add(PgssEntry *en, double ms, int64_t rows)
{
    en->calls++;
    en->rows += rows;
    en->total += ms;
    if (en->calls == 1) {
        en->min = en->max = en->mean = ms;
        en->sum_var = 0;
    } else {
        double old_mean = en->mean;
        en->mean += (ms - old_mean) / (double)en->calls;
        en->sum_var += (ms - old_mean) * (ms - en->mean);
        if (ms < en->min)
            en->min = ms;
        if (ms > en->max)
            en->max = ms;
    }
}

static void table_record(PgssTable *t, const PgssKey *k, double ms, int64_t rows, const char *text, size_t len,
                         bool optimizable)
{
    uint64_t h = key_hash(k);
    PgssShard *sh = &t->shards[h >> 60];
    pthread_mutex_lock(&sh->mu);
    int32_t e = shard_find(sh, k, h);
    if (e >= 0) {
        entry_add(&sh->entries[e], ms, rows);
        pthread_mutex_unlock(&sh->mu);
        return;
    }
    pthread_mutex_unlock(&sh->mu);
    /* A new statement: normalise its text outside the lock. */
    size_t cap = (len < PGSS_TEXT_MAX / 2 ? len * 2 + 16 : PGSS_TEXT_MAX) + 1;
    char *norm = malloc(cap);
    if (!norm)
        return;
    (void)pgss_normalise(text, len, optimizable, norm, cap);
    pthread_mutex_lock(&sh->mu);
    e = shard_find(sh, k, h);
    if (e < 0)
        e = shard_insert(t, sh, k, h, norm);
    else
        free(norm);
    entry_add(&sh->entries[e], ms, rows);
    pthread_mutex_unlock(&sh->mu);
}

/* Removes the entries matching the (0 = any) filters. */
static void table_reset(PgssTable *t, Oid userid, Oid dbid, uint64_t queryid)
{
    bool ready = atomic_load_explicit(&t->ready, memory_order_acquire);
    for (int i = 0; ready && i < PGSS_SHARDS; i++) {
        PgssShard *sh = &t->shards[i];
        pthread_mutex_lock(&sh->mu);
        for (int32_t e = 0; e < sh->cap; e++) {
            const PgssEntry *en = &sh->entries[e];
            if (en->used && (!userid || en->key.userid == userid) && (!dbid || en->key.dbid == dbid) &&
                (!queryid || en->key.queryid == queryid))
                shard_remove(sh, e);
        }
        pthread_mutex_unlock(&sh->mu);
    }
    if (!userid && !dbid && !queryid) {
        atomic_store_explicit(&t->dealloc, 0, memory_order_relaxed);
        atomic_store_explicit(&t->reset_at, pg_now_us(), memory_order_relaxed);
    }
}

/* ---- per-statement hooks ------------------------------------------------------------------- */

#define RUN(arg) ((PgssRun *)(arg))
#define INNER(arg) (RUN(arg)->inner)

static void w_row_description(void *a, int n, const SqlColumnDesc *c) { INNER(a)->row_description(INNER(a)->arg, n, c); }
static void w_data_row(void *a, int n, const char *const *v, const int32_t *l) { INNER(a)->data_row(INNER(a)->arg, n, v, l); }
static void w_empty_query(void *a) { INNER(a)->empty_query(INNER(a)->arg); }
static void w_notice(void *a, const SqlError *n) { if (INNER(a)->notice) INNER(a)->notice(INNER(a)->arg, n); }
static void w_parameter_status(void *a, const char *n, const char *v) { INNER(a)->parameter_status(INNER(a)->arg, n, v); }
static void w_parameter_description(void *a, int n, const Oid *t) { INNER(a)->parameter_description(INNER(a)->arg, n, t); }
static void w_no_data(void *a) { INNER(a)->no_data(INNER(a)->arg); }
static void w_copy_in_response(void *a, int f, int n, const int16_t *c) { INNER(a)->copy_in_response(INNER(a)->arg, f, n, c); }
static void w_copy_out_response(void *a, int f, int n, const int16_t *c) { INNER(a)->copy_out_response(INNER(a)->arg, f, n, c); }
static void w_copy_data(void *a, const char *d, size_t n) { INNER(a)->copy_data(INNER(a)->arg, d, n); }
static void w_copy_done(void *a) { INNER(a)->copy_done(INNER(a)->arg); }

/* Rows as PostgreSQL counts them: the number of SELECT/INSERT/UPDATE/DELETE/MERGE, and of the
 * utilities COPY, FETCH and CREATE TABLE AS (tag SELECT n); 0 for other tags. */
static void w_command_complete(void *a, const char *tag)
{
    static const char *const counted[] = {"SELECT ", "INSERT ", "UPDATE ", "DELETE ", "MERGE ", "COPY ", "FETCH "};
    for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++)
        if (!strncmp(tag, counted[i], strlen(counted[i]))) {
            const char *sp = strrchr(tag, ' ');
            RUN(a)->rows += strtoll(sp + 1, NULL, 10);
            break;
        }
    INNER(a)->command_complete(INNER(a)->arg, tag);
}

#define W(f) (sink->f ? w_##f : NULL)

const SqlSink *pgss_begin(SqlSession *s, PgssRun *r, const SqlSink *sink, bool nested)
{
    char track = s->settings.value[SETTING_PGSS_TRACK][0];
    r->on = (track == 'a' || (track == 't' && !nested)) && s->eng->obs && obs_pgss(s->eng->obs);
    if (!r->on)
        return sink;
    r->toplevel = !nested;
    r->rows = 0;
    r->inner = sink;
    r->wrap = (SqlSink){r, W(row_description), W(data_row), w_command_complete, W(empty_query), W(notice),
                        W(parameter_status), W(parameter_description), W(no_data), W(copy_in_response),
                        W(copy_out_response), W(copy_data), W(copy_done)};
    r->start_ns = mono_ns();
    return &r->wrap;
}

static bool is_optimizable(const AstNode *stmt)
{
    return stmt->tag == AST_SELECT || stmt->tag == AST_INSERT || stmt->tag == AST_UPDATE || stmt->tag == AST_DELETE;
}

bool pgss_tracks_stmt(const AstNode *stmt)
{
    return stmt && stmt->tag != AST_PREPARE && stmt->tag != AST_EXECUTE && stmt->tag != AST_DEALLOCATE;
}

void pgss_end(SqlSession *s, PgssRun *r, SqlStatus st, const AstNode *stmt, const char *text, size_t len,
              uint64_t *qid_cache)
{
    if (!r->on || st != SQL_DONE || !stmt || !text)
        return;
    double ms = (double)(mono_ns() - r->start_ns) / 1e6;
    PgssTable *t = obs_pgss(s->eng->obs);
    if (!table_ready(t, atol(s->settings.value[SETTING_PGSS_MAX])))
        return;
    bool opt = is_optimizable(stmt);
    uint64_t qid = qid_cache ? *qid_cache : 0;
    if (!qid) {
        qid = pgss_normalise(text, len, opt, NULL, 0);
        if (qid_cache)
            *qid_cache = qid;
    }
    PgssKey k = {s->user_oid, s->db_oid, qid, r->toplevel};
    table_record(t, &k, ms, r->rows, text, len, opt);
}

/* ---- the view ------------------------------------------------------------------------------ */

/* PostgreSQL 15's pg_stat_statements (extension version 1.10), every column. */
static const PgCatColumn pgss_cols[] = {
    {"userid", OIDOID, -1}, {"dbid", OIDOID, -1}, {"toplevel", BOOLOID, -1}, {"queryid", INT8OID, -1},
    {"query", TEXTOID, -1}, {"plans", INT8OID, -1}, {"total_plan_time", FLOAT8OID, -1},
    {"min_plan_time", FLOAT8OID, -1}, {"max_plan_time", FLOAT8OID, -1}, {"mean_plan_time", FLOAT8OID, -1},
    {"stddev_plan_time", FLOAT8OID, -1}, {"calls", INT8OID, -1}, {"total_exec_time", FLOAT8OID, -1},
    {"min_exec_time", FLOAT8OID, -1}, {"max_exec_time", FLOAT8OID, -1}, {"mean_exec_time", FLOAT8OID, -1},
    {"stddev_exec_time", FLOAT8OID, -1}, {"rows", INT8OID, -1}, {"shared_blks_hit", INT8OID, -1},
    {"shared_blks_read", INT8OID, -1}, {"shared_blks_dirtied", INT8OID, -1}, {"shared_blks_written", INT8OID, -1},
    {"local_blks_hit", INT8OID, -1}, {"local_blks_read", INT8OID, -1}, {"local_blks_dirtied", INT8OID, -1},
    {"local_blks_written", INT8OID, -1}, {"temp_blks_read", INT8OID, -1}, {"temp_blks_written", INT8OID, -1},
    {"blk_read_time", FLOAT8OID, -1}, {"blk_write_time", FLOAT8OID, -1}, {"temp_blk_read_time", FLOAT8OID, -1},
    {"temp_blk_write_time", FLOAT8OID, -1}, {"wal_records", INT8OID, -1}, {"wal_fpi", INT8OID, -1},
    {"wal_bytes", NUMERICOID, -1}, {"jit_functions", INT8OID, -1}, {"jit_generation_time", FLOAT8OID, -1},
    {"jit_inlining_count", INT8OID, -1}, {"jit_inlining_time", FLOAT8OID, -1},
    {"jit_optimization_count", INT8OID, -1}, {"jit_optimization_time", FLOAT8OID, -1},
    {"jit_emission_count", INT8OID, -1}, {"jit_emission_time", FLOAT8OID, -1},
};
#define PGSS_NCOLS ((int)(sizeof pgss_cols / sizeof pgss_cols[0]))

/* superuser, or member of pg_read_all_stats (a role of that name, when one exists) */
static bool sees_all_texts(const QueryEnv *env, const SqlSession *s)
{
    if (s->superuser)
        return true;
    const CatRole *r = env->cat ? catsnap_role_by_name(env->cat, "pg_read_all_stats") : NULL;
    return r && acl_has_privs_of_role(env->cat, s->user_oid, r->oid);
}

static int pgss_rows(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    SqlSession *s = env->session;
    PgssTable *t = s && s->eng->obs ? obs_pgss(s->eng->obs) : NULL;
    if (!t || !atomic_load_explicit(&t->ready, memory_order_acquire))
        return 0;
    bool all = sees_all_texts(env, s);
    Value zero_num;
    if (types_input(env->tc, NUMERICOID, -1, "0", 1, arena, &zero_num, err) != 0)
        return -1;
    PgssEntry *copy = malloc(sizeof *copy * (size_t)t->shards[0].cap);
    if (!copy)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int rc = 0;
    for (int i = 0; i < PGSS_SHARDS && rc == 0; i++) {
        /* copy the shard under its lock (texts into the arena), emit after unlocking */
        PgssShard *sh = &t->shards[i];
        int n = 0;
        pthread_mutex_lock(&sh->mu);
        for (int32_t e = 0; e < sh->cap; e++) {
            if (!sh->entries[e].used)
                continue;
            copy[n] = sh->entries[e];
            const char *txt = copy[n].text ? copy[n].text : "";
            size_t tl = strlen(txt);
            char *p = shale_arena_alloc(arena, tl + 1);
            if (p)
                memcpy(p, txt, tl + 1);
            copy[n++].text = p;
        }
        pthread_mutex_unlock(&sh->mu);
        for (int j = 0; j < n && rc == 0; j++) {
            const PgssEntry *en = &copy[j];
            Value v[PGSS_NCOLS];
            for (int c = 0; c < PGSS_NCOLS; c++)
                v[c] = pgss_cols[c].type == FLOAT8OID ? value_float(FLOAT8OID, 0.0)
                       : pgss_cols[c].type == NUMERICOID ? zero_num : value_int(INT8OID, 0);
            bool visible = all || en->key.userid == s->user_oid;
            v[0] = value_int(OIDOID, en->key.userid);
            v[1] = value_int(OIDOID, en->key.dbid);
            v[2] = value_bool(en->key.toplevel);
            v[3] = visible ? value_int(INT8OID, (int64_t)en->key.queryid) : value_null(INT8OID);
            const char *q = visible ? (en->text ? en->text : "") : "<insufficient privilege>";
            v[4] = value_bytes(TEXTOID, q, (uint32_t)strlen(q));
            v[11] = value_int(INT8OID, en->calls);
            v[12] = value_float(FLOAT8OID, en->total);
            v[13] = value_float(FLOAT8OID, en->min);
            v[14] = value_float(FLOAT8OID, en->max);
            v[15] = value_float(FLOAT8OID, en->mean);
            v[16] = value_float(FLOAT8OID, en->calls > 1 ? sqrt(en->sum_var / (double)en->calls) : 0.0);
            v[17] = value_int(INT8OID, en->rows);
            rc = emit(arg, v, err);
        }
    }
    free(copy);
    return rc == 0 ? 0 : -1;
}

const PgCatTable pgss_view = {"pg_catalog", "pg_stat_statements", PGSS_VIEW_OID, 'v', PGSS_NCOLS, pgss_cols,
                              pgss_rows};

/* pg_stat_statements_info: dealloc bigint (entries evicted), stats_reset timestamptz. */
static const PgCatColumn info_cols[] = {{"dealloc", INT8OID, -1}, {"stats_reset", TIMESTAMPTZOID, -1}};

static int info_rows(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    (void)arena;
    SqlSession *s = env->session;
    PgssTable *t = s && s->eng->obs ? obs_pgss(s->eng->obs) : NULL;
    if (!t)
        return 0;
    Value v[2] = {value_int(INT8OID, atomic_load(&t->dealloc)), value_int(TIMESTAMPTZOID, atomic_load(&t->reset_at))};
    return emit(arg, v, err) == 0 ? 0 : -1;
}

const PgCatTable pgss_info_view = {"pg_catalog", "pg_stat_statements_info", PGSS_INFO_VIEW_OID, 'v', 2, info_cols,
                                   info_rows};

/* ---- functions ----------------------------------------------------------------------------- */

/* pg_stat_statements_reset([userid oid [, dbid oid [, queryid bigint]]]): superusers only
 * (PostgreSQL revokes EXECUTE from PUBLIC). */
static int fn_reset(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)a;
    SqlSession *s = env->session;
    if (!s)
        return SQL_ERR(err, INTERNAL_ERROR, "no session");
    if (!s->superuser)
        return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "permission denied for function pg_stat_statements_reset");
    Oid userid = nargs > 0 && !args[0].null ? (Oid)args[0].u.i : 0;
    Oid dbid = nargs > 1 && !args[1].null ? (Oid)args[1].u.i : 0;
    uint64_t qid = nargs > 2 && !args[2].null ? (uint64_t)args[2].u.i : 0;
    PgssTable *t = s->eng->obs ? obs_pgss(s->eng->obs) : NULL;
    if (t)
        table_reset(t, userid, dbid, qid);
    *out = value_bytes(VOIDOID, "", 0);
    return 0;
}

static const PgCatFunc pgss_funcs[] = {
    {"pg_stat_statements_reset", 0, {0, 0, 0, 0}, VOIDOID, false, fn_reset, 16440},
    {"pg_stat_statements_reset", 1, {OIDOID, 0, 0, 0}, VOIDOID, false, fn_reset, 16441},
    {"pg_stat_statements_reset", 2, {OIDOID, OIDOID, 0, 0}, VOIDOID, false, fn_reset, 16442},
    {"pg_stat_statements_reset", 3, {OIDOID, OIDOID, INT8OID, 0}, VOIDOID, false, fn_reset, 16443},
};

int pgss_func_count(void)
{
    return (int)(sizeof pgss_funcs / sizeof pgss_funcs[0]);
}

const PgCatFunc *pgss_func_at(int i)
{
    return i >= 0 && i < pgss_func_count() ? &pgss_funcs[i] : NULL;
}
