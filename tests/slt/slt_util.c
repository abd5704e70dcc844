/* slt_util.c -- the sqllogictest record parser, rendered values (sorting, MD5), labels and
 * the known-failures list; see slt_util.h. Records are separated by blank lines; lines
 * starting with '#' are dropped before anything else looks at the file. */
#include "tests/slt/slt_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md5.h>
#include <mbedtls/version.h>

/* ---- parser -------------------------------------------------------------------------- */

void slt_parser_init(SltParser *p, char *text, size_t len, const char *engine)
{
    memset(p, 0, sizeof *p);
    p->engine = engine;
    long n = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') n++;
    p->lines = malloc((size_t)n * sizeof *p->lines);
    if (!p->lines) return;  /* parses as an empty file */
    char *s = text;
    for (long i = 0; i < n; i++) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        size_t l = strlen(s);
        if (l && s[l - 1] == '\r') s[--l] = '\0';
        p->lines[i] = s;
        s = nl ? nl + 1 : s + l;
    }
    p->n_lines = n;
}

static int slt_is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return 0;
    return 1;
}

/* Splits line into at most max whitespace-separated tokens copied into tok (each < 128). */
static int slt_tokens(const char *line, char tok[][128], int max)
{
    int n = 0;
    while (*line && n < max) {
        while (isspace((unsigned char)*line)) line++;
        if (!*line) break;
        size_t l = 0;
        while (line[l] && !isspace((unsigned char)line[l])) l++;
        size_t c = l < 127 ? l : 127;
        memcpy(tok[n], line, c);
        tok[n][c] = '\0';
        n++;
        line += l;
    }
    return n;
}

static int slt_sql_append(SltParser *p, size_t *used, const char *s)
{
    size_t l = strlen(s);
    if (*used + l + 2 > p->sql_cap) {
        size_t nc = (p->sql_cap ? p->sql_cap * 2 : 1024) + l;
        char *ns = realloc(p->sql, nc);
        if (!ns) return -1;
        p->sql = ns;
        p->sql_cap = nc;
    }
    if (*used) p->sql[(*used)++] = '\n';
    memcpy(p->sql + *used, s, l);
    *used += l;
    p->sql[*used] = '\0';
    return 0;
}

static int slt_expected_push(SltParser *p, SltRecord *rec, char *line)
{
    if (rec->n_expected == p->exp_cap) {
        long nc = p->exp_cap ? p->exp_cap * 2 : 64;
        char **ne = realloc(p->expected, (size_t)nc * sizeof *ne);
        if (!ne) return -1;
        p->expected = ne;
        p->exp_cap = nc;
    }
    p->expected[rec->n_expected++] = line;
    rec->expected = p->expected;
    return 0;
}

void slt_parser_free(SltParser *p)
{
    free(p->lines);
    free(p->sql);
    free(p->expected);
    p->lines = NULL;
    p->sql = NULL;
    p->expected = NULL;
    p->n_lines = 0;
}

/* Returns the next non-comment line of the current record, or NULL at its end. */
static char *slt_record_line(SltParser *p)
{
    while (p->pos < p->n_lines && p->lines[p->pos][0] == '#') p->pos++;
    if (p->pos >= p->n_lines || slt_is_blank(p->lines[p->pos])) return NULL;
    return p->lines[p->pos++];
}

static void slt_bad_record(SltParser *p, SltRecord *rec, const char *line)
{
    size_t used = 0;
    rec->kind = SLT_BAD_RECORD;
    if (slt_sql_append(p, &used, line) == 0) rec->sql = p->sql;
    while (slt_record_line(p)) {
    }
}

int slt_parser_next(SltParser *p, SltRecord *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->sql = "";
    /* Skip blank and comment lines between records. */
    while (p->pos < p->n_lines && (p->lines[p->pos][0] == '#' || slt_is_blank(p->lines[p->pos]))) p->pos++;
    if (p->pos >= p->n_lines) {
        slt_parser_free(p);
        return 0;
    }
    rec->first_line = p->pos + 1;
    char tok[4][128];
    char *line;
    for (;;) {
        rec->line = p->pos + 1;
        line = slt_record_line(p);
        if (!line) {            /* a record of conditionals only */
            rec->kind = SLT_BAD_RECORD;
            rec->sql = "conditional without a record";
            return 1;
        }
        int nt = slt_tokens(line, tok, 2);
        if (nt == 2 && strcmp(tok[0], "skipif") == 0) {
            if (strcmp(tok[1], p->engine) == 0) rec->skip = 1;
        } else if (nt == 2 && strcmp(tok[0], "onlyif") == 0) {
            if (strcmp(tok[1], p->engine) != 0) rec->skip = 1;
        } else {
            break;
        }
    }
    int nt = slt_tokens(line, tok, 4);
    if (nt >= 1 && strcmp(tok[0], "halt") == 0) {
        rec->kind = SLT_HALT;
        while (slt_record_line(p)) {
        }
        return 1;
    }
    if (nt == 2 && strcmp(tok[0], "hash-threshold") == 0) {
        rec->kind = SLT_HASH_THRESHOLD;
        rec->threshold = atol(tok[1]);
        while (slt_record_line(p)) {
        }
        return 1;
    }
    if (nt >= 2 && strcmp(tok[0], "statement") == 0 && strcmp(tok[1], "ok") == 0) {
        rec->kind = SLT_STATEMENT_OK;
    } else if (nt >= 2 && strcmp(tok[0], "statement") == 0 && strcmp(tok[1], "error") == 0) {
        rec->kind = SLT_STATEMENT_ERROR;
    } else if (nt >= 2 && strcmp(tok[0], "query") == 0 && strlen(tok[1]) < sizeof rec->types) {
        rec->kind = SLT_QUERY;
        strcpy(rec->types, tok[1]);
        for (const char *t = rec->types; *t; t++) {
            if (*t != 'I' && *t != 'T' && *t != 'R') {
                slt_bad_record(p, rec, line);
                return 1;
            }
        }
        int label_at = 2;
        if (nt >= 3) {
            if (strcmp(tok[2], "nosort") == 0) label_at = 3;
            else if (strcmp(tok[2], "rowsort") == 0) rec->sort = SLT_SORT_ROW, label_at = 3;
            else if (strcmp(tok[2], "valuesort") == 0) rec->sort = SLT_SORT_VALUE, label_at = 3;
        }
        if (nt > label_at) snprintf(rec->label, sizeof rec->label, "%s", tok[label_at]);
    } else {
        slt_bad_record(p, rec, line);
        return 1;
    }
    size_t used = 0;
    int in_results = 0;
    while ((line = slt_record_line(p)) != NULL) {
        if (!in_results && rec->kind == SLT_QUERY && strcmp(line, "----") == 0) {
            in_results = 1;
            continue;
        }
        int rc = in_results ? slt_expected_push(p, rec, line) : slt_sql_append(p, &used, line);
        if (rc != 0) {
            slt_bad_record(p, rec, "out of memory");
            return 1;
        }
    }
    rec->sql = used ? p->sql : "";
    return 1;
}

/* ---- values ---------------------------------------------------------------------------- */

int slt_values_add(SltValues *v, const char *s, size_t len)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 256;
        char **ni = realloc(v->items, nc * sizeof *ni);
        if (!ni) return -1;
        v->items = ni;
        size_t *ncaps = realloc(v->caps, nc * sizeof *ncaps);
        if (!ncaps) return -1;
        v->caps = ncaps;
        for (size_t i = v->cap; i < nc; i++) {
            v->items[i] = NULL;
            v->caps[i] = 0;
        }
        v->cap = nc;
    }
    if (v->caps[v->n] < len + 1) {
        size_t c = len + 1 < 32 ? 32 : len + 1;
        char *ns = realloc(v->items[v->n], c);
        if (!ns) return -1;
        v->items[v->n] = ns;
        v->caps[v->n] = c;
    }
    memcpy(v->items[v->n], s, len);
    v->items[v->n][len] = '\0';
    v->n++;
    return 0;
}

void slt_values_clear(SltValues *v)
{
    v->n = 0;
}

void slt_values_free(SltValues *v)
{
    for (size_t i = 0; i < v->cap; i++) free(v->items[i]);
    free(v->items);
    free(v->caps);
    memset(v, 0, sizeof *v);
}

typedef struct SltRowSort {
    char **items;
    size_t width;
} SltRowSort;

static int slt_row_cmp(const void *a, const void *b, void *ctx)
{
    const SltRowSort *rs = ctx;
    size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
    for (size_t j = 0; j < rs->width; j++) {
        int c = strcmp(rs->items[ra * rs->width + j], rs->items[rb * rs->width + j]);
        if (c) return c;
    }
    return ra < rb ? -1 : ra > rb;
}

void slt_values_sort_rows(SltValues *v, size_t width)
{
    if (width == 0 || v->n < 2 * width) return;
    size_t rows = v->n / width;
    size_t *order = malloc(rows * sizeof *order);
    char **items = malloc(v->n * sizeof *items);
    size_t *caps = malloc(v->n * sizeof *caps);
    if (!order || !items || !caps) {
        /* Unsorted output will simply fail the comparison. */
        free(order);
        free(items);
        free(caps);
        return;
    }
    for (size_t i = 0; i < rows; i++) order[i] = i;
    SltRowSort rs = {v->items, width};
    qsort_r(order, rows, sizeof *order, slt_row_cmp, &rs);
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < width; j++) {
            items[i * width + j] = v->items[order[i] * width + j];
            caps[i * width + j] = v->caps[order[i] * width + j];
        }
    }
    memcpy(v->items, items, rows * width * sizeof *items);
    memcpy(v->caps, caps, rows * width * sizeof *caps);
    free(order);
    free(items);
    free(caps);
}

#if MBEDTLS_VERSION_MAJOR >= 3
#define SLT_MD5_STARTS mbedtls_md5_starts
#define SLT_MD5_UPDATE mbedtls_md5_update
#define SLT_MD5_FINISH mbedtls_md5_finish
#else
#define SLT_MD5_STARTS mbedtls_md5_starts_ret
#define SLT_MD5_UPDATE mbedtls_md5_update_ret
#define SLT_MD5_FINISH mbedtls_md5_finish_ret
#endif

void slt_values_md5(const SltValues *v, char out[33])
{
    mbedtls_md5_context ctx;
    unsigned char digest[16];
    mbedtls_md5_init(&ctx);
    int rc = SLT_MD5_STARTS(&ctx);
    for (size_t i = 0; i < v->n && rc == 0; i++) {
        rc = SLT_MD5_UPDATE(&ctx, (const unsigned char *)v->items[i], strlen(v->items[i]));
        if (rc == 0) rc = SLT_MD5_UPDATE(&ctx, (const unsigned char *)"\n", 1);
    }
    if (rc == 0) rc = SLT_MD5_FINISH(&ctx, digest);
    mbedtls_md5_free(&ctx);
    if (rc != 0) memset(digest, 0, sizeof digest);
    for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* ---- labels ---------------------------------------------------------------------------- */

const char *slt_labels_check(SltLabels *l, const char *label, const char *hash)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->names[i], label) == 0) return strcmp(l->hashes[i], hash) == 0 ? NULL : l->hashes[i];
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 32;
        char (*nn)[128] = realloc(l->names, nc * sizeof *nn);
        if (!nn) return NULL;
        l->names = nn;
        char (*nh)[33] = realloc(l->hashes, nc * sizeof *nh);
        if (!nh) return NULL;
        l->hashes = nh;
        l->cap = nc;
    }
    snprintf(l->names[l->n], sizeof l->names[l->n], "%s", label);
    snprintf(l->hashes[l->n], sizeof l->hashes[l->n], "%s", hash);
    l->n++;
    return NULL;
}

void slt_labels_free(SltLabels *l)
{
    free(l->names);
    free(l->hashes);
    memset(l, 0, sizeof *l);
}

/* ---- known failures ---------------------------------------------------------------- */

int slt_known_load(SltKnown *k, const char *path)
{
    size_t len;
    char *text = slt_read_file(path, &len);
    if (!text) return -1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (isspace((unsigned char)*line)) line++;
        if (*line == '#' || !*line) continue;
        size_t l = strcspn(line, " \t#\r");
        line[l] = '\0';
        char *colon = strrchr(line, ':');
        if (!colon || colon == line) continue;
        *colon = '\0';
        if (k->n == k->cap) {
            size_t nc = k->cap ? k->cap * 2 : 64;
            char **np = realloc(k->paths, nc * sizeof *np);
            if (!np) break;
            k->paths = np;
            long *nl = realloc(k->lines, nc * sizeof *nl);
            if (!nl) break;
            k->lines = nl;
            k->cap = nc;
        }
        k->paths[k->n] = strdup(line);
        if (!k->paths[k->n]) break;
        k->lines[k->n] = atol(colon + 1);
        k->n++;
    }
    free(text);
    return 0;
}

int slt_known_contains(const SltKnown *k, const char *path, long first_line, long line)
{
    size_t pl = strlen(path);
    for (size_t i = 0; i < k->n; i++) {
        if (k->lines[i] != first_line && k->lines[i] != line) continue;
        size_t kl = strlen(k->paths[i]);
        if (kl > pl || strcmp(path + pl - kl, k->paths[i]) != 0) continue;
        if (kl == pl || path[pl - kl - 1] == '/') return 1;
    }
    return 0;
}

void slt_known_free(SltKnown *k)
{
    for (size_t i = 0; i < k->n; i++) free(k->paths[i]);
    free(k->paths);
    free(k->lines);
    memset(k, 0, sizeof *k);
}

/* ---- misc -------------------------------------------------------------------------- */

char *slt_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, fp);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!buf || bad) {
        free(buf);
        errno = bad ? EIO : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

long long slt_text_to_int(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s) {
        /* ".5" or "-.5" or text: fall through to strtod, which yields 0 for text */
    } else if (*end != '.' && *end != 'e' && *end != 'E' && errno == 0) {
        return v;
    }
    double d = strtod(s, NULL);
    if (isnan(d)) return 0;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return (long long)d;
}

int slt_parse_hash_line(const char *line, long *n, char hash[33])
{
    char h[64];
    char tail;
    if (sscanf(line, "%ld values hashing to %63s%c", n, h, &tail) != 2) return 0;
    if (strlen(h) != 32) return 0;
    for (int i = 0; i < 32; i++)
        if (!isxdigit((unsigned char)h[i])) return 0;
    memcpy(hash, h, 33);
    return 1;
}
