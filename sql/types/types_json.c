/* types_json.c -- JSON parsing (json validation with PostgreSQL's error details), jsonb
 * normalisation and output, the JSON tree used by the jsonb operators/functions, and
 * jsonb ordering.
 *
 * jsonb canonical text (the stored Value bytes, value.h): JSON without insignificant
 * whitespace; object keys unique (last wins) and sorted as PostgreSQL sorts them (shorter
 * key first, then bytewise); numbers in numeric's text form ("1e2" -> "100", "2.50" kept);
 * strings re-escaped as PostgreSQL prints them (\" \\ \b \f \n \r \t, other controls
 * \u00XX, everything else literal UTF-8). Output inserts ", " and ": ". */
#include "sql/types/types_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 6000

typedef struct JParser {
    const char *s, *p, *e;
    ShaleArena *a;       /* NULL: validate only */
    SqlError *err;
    int depth;
    bool jsonb;
} JParser;

static int jp_fail(JParser *jp, const char *detail_fmt, const char *tok, int toklen)
{
    SqlError *err = jp->err;
    sql_error_set(err, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s",
                  jp->jsonb ? "json" : "json");
    if (tok)
        sql_error_detail(err, detail_fmt, toklen, tok);
    else
        sql_error_detail(err, "%s", detail_fmt);
    return -1;
}

static void jp_ws(JParser *jp)
{
    while (jp->p < jp->e && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

/* length of the token at p for error messages */
static int jp_toklen(JParser *jp)
{
    const char *q = jp->p;
    if (q >= jp->e)
        return 0;
    if (strchr("{}[],:", *q))
        return 1;
    while (q < jp->e && !strchr(" \t\n\r{}[],:\"", *q))
        q++;
    return (int)(q - jp->p) ? (int)(q - jp->p) : 1;
}

static int jp_unexpected(JParser *jp, const char *expected)
{
    if (jp->p >= jp->e)
        return jp_fail(jp, "The input string ended unexpectedly.", NULL, 0);
    char fmt[80];
    snprintf(fmt, sizeof fmt, "Expected %s, but found \"%%.*s\".", expected);
    return jp_fail(jp, fmt, jp->p, jp_toklen(jp));
}

static JNode *jp_node(JParser *jp, JKind k)
{
    if (!jp->a)
        return (JNode *)(uintptr_t)1;   /* validation: any non-NULL marker */
    JNode *n = shale_arena_alloc(jp->a, sizeof *n);
    if (n) {
        memset(n, 0, sizeof *n);
        n->kind = k;
    }
    return n;
}

static int jp_hex4(const char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        *v = *v * 16 + (uint32_t)d;
    }
    return 0;
}

/* Parses a string at jp->p (at the opening quote); decoded bytes into *out (arena) */
static int jp_string(JParser *jp, const char **out, uint32_t *outn)
{
    const char *start = ++jp->p;
    bool simple = true;
    while (jp->p < jp->e && *jp->p != '"') {
        uint8_t c = (uint8_t)*jp->p;
        if (c < 0x20) {
            sql_error_set(jp->err, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type json");
            sql_error_detail(jp->err, "Character with value 0x%02x must be escaped.", c);
            return -1;
        }
        if (c == '\\') {
            simple = false;
            jp->p++;
            if (jp->p >= jp->e)
                break;
            char x = *jp->p;
            if (x == 'u') {
                uint32_t v;
                if (jp->e - jp->p < 5 || jp_hex4(jp->p + 1, &v) < 0)
                    return jp_fail(jp, "\"\\u\" must be followed by four hexadecimal digits.", NULL, 0);
                if (v == 0 && jp->jsonb) {
                    sql_error_set(jp->err, ERRCODE_UNTRANSLATABLE_CHARACTER, "unsupported Unicode escape sequence");
                    sql_error_detail(jp->err, "\\u0000 cannot be converted to text.");
                    return -1;
                }
                jp->p += 4;
            } else if (!strchr("\"\\/bfnrt", x)) {
                return jp_fail(jp, "Escape sequence \"\\%.*s\" is invalid.", jp->p, 1);
            }
        }
        jp->p++;
    }
    if (jp->p >= jp->e)
        return jp_fail(jp, "The input string ended unexpectedly.", NULL, 0);
    const char *end = jp->p++;
    if (!jp->a)
        return 0;
    if (simple) {
        *out = start;
        *outn = (uint32_t)(end - start);
        return 0;
    }
    char *d = shale_arena_alloc(jp->a, (size_t)(end - start) + 4);
    if (!d)
        return types_oom(jp->err);
    size_t o = 0;
    for (const char *q = start; q < end; q++) {
        if (*q != '\\') {
            d[o++] = *q;
            continue;
        }
        q++;
        switch (*q) {
        case 'b': d[o++] = '\b'; break;
        case 'f': d[o++] = '\f'; break;
        case 'n': d[o++] = '\n'; break;
        case 'r': d[o++] = '\r'; break;
        case 't': d[o++] = '\t'; break;
        case 'u': {
            uint32_t v;
            jp_hex4(q + 1, &v);
            q += 4;
            if (v >= 0xD800 && v <= 0xDBFF && end - q >= 7 && q[1] == '\\' && q[2] == 'u') {
                uint32_t lo;
                if (jp_hex4(q + 3, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                    q += 6;
                }
            }
            if (v >= 0xD800 && v <= 0xDFFF) {
                sql_error_set(jp->err, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type json");
                sql_error_detail(jp->err, "Unicode low surrogate must follow a high surrogate.");
                return -1;
            }
            o += (size_t)types_utf8_encode(v, d + o);
            break;
        }
        default: d[o++] = *q; break;
        }
    }
    *out = d;
    *outn = (uint32_t)o;
    return 0;
}

static int jp_value(JParser *jp, JNode **out);
static int jp_value_inner(JParser *jp, JNode **out);

static int jp_number(JParser *jp, JNode **out)
{
    const char *st = jp->p;
    const char *q = jp->p;
    if (q < jp->e && *q == '-')
        q++;
    if (q >= jp->e || !(*q >= '0' && *q <= '9'))
        goto bad;
    if (*q == '0')
        q++;
    else
        while (q < jp->e && *q >= '0' && *q <= '9')
            q++;
    if (q < jp->e && *q == '.') {
        q++;
        if (q >= jp->e || !(*q >= '0' && *q <= '9'))
            goto bad;
        while (q < jp->e && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < jp->e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < jp->e && (*q == '+' || *q == '-'))
            q++;
        if (q >= jp->e || !(*q >= '0' && *q <= '9'))
            goto bad;
        while (q < jp->e && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < jp->e && !strchr(" \t\n\r,]}:", *q))
        goto bad;
    jp->p = q;
    *out = jp_node(jp, JNUM);
    if (!*out)
        return types_oom(jp->err);
    if (jp->a) {
        (*out)->str = st;
        (*out)->len = (uint32_t)(q - st);
    }
    return 0;
bad:
    return jp_fail(jp, "Token \"%.*s\" is invalid.", st, jp_toklen(jp));
}

/* Parses one value and records its source span (json functions return subvalues verbatim). */
static int jp_value(JParser *jp, JNode **out)
{
    jp_ws(jp);
    const char *st = jp->p;
    if (jp_value_inner(jp, out) < 0)
        return -1;
    if (jp->a) {
        (*out)->src = st;
        (*out)->srclen = (uint32_t)(jp->p - st);
    }
    return 0;
}

static int jp_value_inner(JParser *jp, JNode **out)
{
    if (jp->p >= jp->e)
        return jp_fail(jp, "The input string ended unexpectedly.", NULL, 0);
    char c = *jp->p;
    if (c == '{' || c == '[') {
        if (++jp->depth > JSON_MAX_DEPTH)
            return SQL_ERR(jp->err, STATEMENT_TOO_COMPLEX, "stack depth limit exceeded");
        bool obj = c == '{';
        JNode *n = jp_node(jp, obj ? JOBJ : JARR);
        if (!n)
            return types_oom(jp->err);
        jp->p++;
        jp_ws(jp);
        JNode **tail = jp->a ? &n->child : NULL;
        if (jp->p < jp->e && *jp->p == (obj ? '}' : ']')) {
            jp->p++;
            jp->depth--;
            *out = n;
            return 0;
        }
        for (;;) {
            const char *key = NULL;
            uint32_t keyn = 0;
            if (obj) {
                jp_ws(jp);
                if (jp->p >= jp->e || *jp->p != '"')
                    return jp_unexpected(jp, "string");
                if (jp_string(jp, &key, &keyn) < 0)
                    return -1;
                jp_ws(jp);
                if (jp->p >= jp->e || *jp->p != ':')
                    return jp_unexpected(jp, "\":\"");
                jp->p++;
            }
            JNode *child;
            if (jp_value(jp, &child) < 0)
                return -1;
            if (jp->a) {
                child->key = key;
                child->keylen = keyn;
                *tail = child;
                tail = &child->next;
                n->count++;
            }
            jp_ws(jp);
            if (jp->p < jp->e && *jp->p == ',') {
                jp->p++;
                continue;
            }
            if (jp->p < jp->e && *jp->p == (obj ? '}' : ']')) {
                jp->p++;
                break;
            }
            return jp_unexpected(jp, obj ? "\",\" or \"}\"" : "\",\" or \"]\"");
        }
        jp->depth--;
        *out = n;
        return 0;
    }
    if (c == '"') {
        JNode *n = jp_node(jp, JSTR);
        if (!n)
            return types_oom(jp->err);
        const char *s = NULL;
        uint32_t sn = 0;
        if (jp_string(jp, &s, &sn) < 0)
            return -1;
        if (jp->a) {
            n->str = s;
            n->len = sn;
        }
        *out = n;
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return jp_number(jp, out);
    static const struct { const char *w; JKind k; } lits[] = { {"true", JTRUE}, {"false", JFALSE}, {"null", JNULL} };
    int tl = jp_toklen(jp);
    for (int i = 0; i < 3; i++) {
        size_t wl = strlen(lits[i].w);
        if ((size_t)tl == wl && memcmp(jp->p, lits[i].w, wl) == 0) {
            jp->p += wl;
            *out = jp_node(jp, lits[i].k);
            return *out ? 0 : types_oom(jp->err);
        }
    }
    if (strchr("}],:", c))
        return jp_unexpected(jp, "JSON value");
    return jp_fail(jp, "Token \"%.*s\" is invalid.", jp->p, tl);
}

int json_parse(const char *s, size_t n, bool jsonb, ShaleArena *a, JNode **out, SqlError *err)
{
    JParser jp = { s, s, s + n, a, err, 0, jsonb };
    JNode *root = NULL;
    if (jp_value(&jp, &root) < 0)
        return -1;
    jp_ws(&jp);
    if (jp.p < jp.e)
        return jp_unexpected(&jp, "end of input");
    if (out)
        *out = root;
    return 0;
}

int types_json_validate(const char *s, size_t n, SqlError *err)
{
    return json_parse(s, n, false, NULL, NULL, err);
}

/* --- normalisation ------------------------------------------------------------------------ */

int json_key_cmp(const char *a, uint32_t an, const char *b, uint32_t bn)
{
    if (an != bn)
        return an < bn ? -1 : 1;
    return memcmp(a, b, an);
}

static int jn_cmp_keys(const void *x, const void *y)
{
    const JNode *a = *(const JNode *const *)x, *b = *(const JNode *const *)y;
    int c = json_key_cmp(a->key, a->keylen, b->key, b->keylen);
    if (c)
        return c;
    /* stable: later duplicates sort after earlier ones */
    return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/* Sorts and deduplicates object members in place (recursively). */
int json_normalize_tree(JNode *n, SqlError *err)
{
    if (n->kind == JARR) {
        for (JNode *c = n->child; c; c = c->next)
            if (json_normalize_tree(c, err) < 0)
                return -1;
        return 0;
    }
    if (n->kind != JOBJ || n->count == 0)
        return 0;
    JNode **v = malloc(sizeof(JNode *) * n->count);
    if (!v)
        return types_oom(err);
    uint32_t k = 0;
    for (JNode *c = n->child; c; c = c->next) {
        c->ord = k;
        v[k++] = c;
        if (json_normalize_tree(c, err) < 0) {
            free(v);
            return -1;
        }
    }
    qsort(v, k, sizeof *v, jn_cmp_keys);
    uint32_t o = 0;
    for (uint32_t i = 0; i < k; i++) {
        if (o > 0 && json_key_cmp(v[o - 1]->key, v[o - 1]->keylen, v[i]->key, v[i]->keylen) == 0)
            v[o - 1] = v[i];    /* last wins */
        else
            v[o++] = v[i];
    }
    for (uint32_t i = 0; i < o; i++)
        v[i]->next = i + 1 < o ? v[i + 1] : NULL;
    n->child = o ? v[0] : NULL;
    n->count = o;
    free(v);
    return 0;
}

void json_escape_string(const char *s, size_t n, ShaleBuf *out)
{
    shale_buf_append_byte(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        const char *rep = NULL;
        char tmp[8];
        switch (c) {
        case '"': rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                rep = tmp;
            }
        }
        if (rep) {
            shale_buf_append(out, s + run, i - run);
            shale_buf_append(out, rep, strlen(rep));
            run = i + 1;
        }
    }
    shale_buf_append(out, s + run, n - run);
    shale_buf_append_byte(out, '"');
}

/* Writes a tree; pretty = PostgreSQL's jsonb output separators. Numbers are normalised
 * through numeric when canon_numbers. */
void json_write(const JNode *n, bool spaced, bool canon_numbers, ShaleBuf *out)
{
    switch (n->kind) {
    case JNULL: shale_buf_append(out, "null", 4); return;
    case JTRUE: shale_buf_append(out, "true", 4); return;
    case JFALSE: shale_buf_append(out, "false", 5); return;
    case JSTR: json_escape_string(n->str, n->len, out); return;
    case JNUM:
        if (canon_numbers) {
            NumVar v;
            num_init(&v);
            if (num_parse(n->str, n->len, &v, NULL) == 0)
                num_format(&v, out);
            else
                shale_buf_append(out, n->str, n->len);
            num_free(&v);
        } else {
            shale_buf_append(out, n->str, n->len);
        }
        return;
    case JARR:
    case JOBJ: {
        bool obj = n->kind == JOBJ;
        shale_buf_append_byte(out, obj ? '{' : '[');
        for (const JNode *c = n->child; c; c = c->next) {
            if (c != n->child)
                shale_buf_append(out, spaced ? ", " : ",", spaced ? 2 : 1);
            if (obj) {
                json_escape_string(c->key, c->keylen, out);
                shale_buf_append(out, spaced ? ": " : ":", spaced ? 2 : 1);
            }
            json_write(c, spaced, canon_numbers, out);
        }
        shale_buf_append_byte(out, obj ? '}' : ']');
        return;
    }
    }
}

int types_jsonb_normalize(const char *s, size_t n, ShaleArena *a, const char **out, uint32_t *outn, SqlError *err)
{
    ShaleArena tmp;
    shale_arena_init(&tmp);
    JNode *root;
    int rc = json_parse(s, n, true, &tmp, &root, err);
    if (rc == 0)
        rc = json_normalize_tree(root, err);
    if (rc == 0) {
        ShaleBuf b;
        shale_buf_init(&b);
        json_write(root, false, true, &b);
        Value v;
        rc = types_buf_to_value(&b, JSONBOID, a, &v, err);
        if (rc == 0) {
            *out = v.u.s.p;
            *outn = v.u.s.n;
        }
    }
    shale_arena_destroy(&tmp);
    return rc;
}

void types_jsonb_out(const char *s, size_t n, ShaleBuf *out)
{
    /* canonical text has no whitespace outside strings: insert separators while copying */
    bool in_str = false;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == ',' || c == ':') {
            shale_buf_append(out, s + run, i + 1 - run);
            shale_buf_append_byte(out, ' ');
            run = i + 1;
        }
    }
    shale_buf_append(out, s + run, n - run);
}

/* --- ordering ---------------------------------------------------------------------------- */

static int jn_rank(JKind k)
{
    switch (k) {
    case JNULL: return 0;
    case JSTR: return 1;
    case JNUM: return 2;
    case JTRUE: case JFALSE: return 3;
    case JARR: return 4;
    case JOBJ: return 5;
    }
    return 0;
}

int json_node_compare(const JNode *a, const JNode *b)
{
    int ra = jn_rank(a->kind), rb = jn_rank(b->kind);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (a->kind) {
    case JNULL: return 0;
    case JTRUE: case JFALSE: return (a->kind == JTRUE) - (b->kind == JTRUE);
    case JSTR: {
        uint32_t m = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->str, b->str, m);
        return c ? (c < 0 ? -1 : 1) : (a->len < b->len ? -1 : a->len > b->len);
    }
    case JNUM: {
        NumVar x, y;
        num_init(&x);
        num_init(&y);
        (void)num_parse(a->str, a->len, &x, NULL);
        (void)num_parse(b->str, b->len, &y, NULL);
        int c = num_cmp(&x, &y);
        num_free(&x);
        num_free(&y);
        return c;
    }
    case JARR: case JOBJ: {
        if (a->count != b->count)
            return a->count < b->count ? -1 : 1;
        const JNode *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next) {
            if (a->kind == JOBJ) {
                int c = json_key_cmp(x->key, x->keylen, y->key, y->keylen);
                if (c)
                    return c < 0 ? -1 : 1;
            }
            int c = json_node_compare(x, y);
            if (c)
                return c;
        }
        return 0;
    }
    }
    return 0;
}

int types_jsonb_compare(const char *a, size_t an, const char *b, size_t bn)
{
    if (an == bn && memcmp(a, b, an) == 0)
        return 0;
    ShaleArena tmp;
    shale_arena_init(&tmp);
    JNode *x = NULL, *y = NULL;
    int c = 0;
    if (json_parse(a, an, true, &tmp, &x, NULL) == 0 && json_parse(b, bn, true, &tmp, &y, NULL) == 0)
        c = json_node_compare(x, y);
    shale_arena_destroy(&tmp);
    return c;
}
