/* lexer.c -- PostgreSQL 15's lexical rules (scan.l) by hand: identifiers with folding and
 * "quoting", keywords, numbers, strings ('..', E'..', $tag$..$tag$, B'..', X'..', newline
 * continuation), $n parameters, operators with PostgreSQL's trailing +/- rule, comments
 * (nested block comments), and the statement splitter.
 *
 * The whole query is lexed up front into one arena array (grown by doubling, the old copy
 * left in the arena): the parser then looks ahead freely and never mallocs per token. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

#define SQL_NAMEDATALEN 64

typedef struct KwEntry {
    const char *word;
    char cat;
    bool bare;
} KwEntry;

static const KwEntry sql_keywords[] = {
#define KW(word, NAME, cat, bare) { #word, (#cat)[0], bare },
#include "sql/parser/keywords.def"
#undef KW
};

SqlKeyword sql_keyword_lookup(const char *word, size_t n)
{
    if (n == 0 || n > 17)
        return KW__NONE;
    int lo = 0, hi = KW__COUNT - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *w = sql_keywords[mid].word;
        int c = strncmp(w, word, n);
        if (c == 0 && w[n] != '\0')
            c = 1;
        if (c == 0)
            return (SqlKeyword)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return KW__NONE;
}

const char *sql_keyword_text(SqlKeyword kw) { return sql_keywords[kw].word; }
char sql_keyword_cat(SqlKeyword kw) { return sql_keywords[kw].cat; }
bool sql_keyword_bare(SqlKeyword kw) { return sql_keywords[kw].bare; }

char sql_keyword_category(const char *word)
{
    SqlKeyword kw = sql_keyword_lookup(word, strlen(word));
    return kw == KW__NONE ? 0 : sql_keyword_cat(kw);
}

int sql_parser_position(const char *query, size_t len, int byte_offset)
{
    if (byte_offset < 0)
        return 0;
    int pos = 1;
    for (size_t i = 0; i < len && i < (size_t)byte_offset; i++)
        if (((unsigned char)query[i] & 0xC0) != 0x80)
            pos++;
    return pos;
}

/* --- the scanner ------------------------------------------------------------------ */

typedef struct Lexer {
    const char *q;
    size_t len;
    size_t i;
    ShaleArena *arena;
    SqlTokens *out;
    int cap;
    bool oom;
} Lexer;

static bool lex_is_ident_start(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool lex_is_ident_cont(unsigned char c) { return lex_is_ident_start(c) || isdigit(c) || c == '$'; }
static bool lex_is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static bool lex_is_op_char(char c) { return c && strchr("~!@#^&|`?+-*/%<>=", c) != NULL; }

static SqlToken *lex_push(Lexer *lx, SqlTokType type, size_t start, size_t end)
{
    SqlTokens *o = lx->out;
    if (o->n == lx->cap) {
        int ncap = lx->cap ? lx->cap * 2 : 64;
        SqlToken *nt = shale_arena_alloc(lx->arena, sizeof(SqlToken) * (size_t)ncap);
        if (!nt) {
            lx->oom = true;
            return NULL;
        }
        if (o->n)
            memcpy(nt, o->toks, sizeof(SqlToken) * (size_t)o->n);
        o->toks = nt;
        lx->cap = ncap;
    }
    SqlToken *t = &o->toks[o->n++];
    memset(t, 0, sizeof *t);
    t->type = (uint8_t)type;
    t->kw = KW__NONE;
    t->start = (int)start;
    t->end = (int)end;
    return t;
}

static char *lex_strdup(Lexer *lx, const char *s, size_t n)
{
    char *d = shale_arena_alloc(lx->arena, n + 1);
    if (!d) {
        lx->oom = true;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* A lexical error token: message "<what> at or near \"<rest of token>\"". */
static void lex_error(Lexer *lx, size_t start, size_t end, const char *what)
{
    char buf[600];
    snprintf(buf, sizeof buf, "%s at or near \"%.*s\"", what, (int)(end - start), lx->q + start);
    SqlToken *t = lex_push(lx, TOK_ERROR, start, end);
    if (t)
        t->str = lex_strdup(lx, buf, strlen(buf));
}

/* Skips blanks and comments. Returns false after pushing an error token. */
static bool lex_skip_space(Lexer *lx)
{
    for (;;) {
        if (lx->i >= lx->len)
            return true;
        char c = lx->q[lx->i];
        if (lex_is_space(c)) {
            lx->i++;
        } else if (c == '-' && lx->i + 1 < lx->len && lx->q[lx->i + 1] == '-') {
            while (lx->i < lx->len && lx->q[lx->i] != '\n' && lx->q[lx->i] != '\r')
                lx->i++;
        } else if (c == '/' && lx->i + 1 < lx->len && lx->q[lx->i + 1] == '*') {
            size_t start = lx->i;
            int depth = 0;
            while (lx->i < lx->len) {
                if (lx->q[lx->i] == '/' && lx->i + 1 < lx->len && lx->q[lx->i + 1] == '*') {
                    depth++;
                    lx->i += 2;
                } else if (lx->q[lx->i] == '*' && lx->i + 1 < lx->len && lx->q[lx->i + 1] == '/') {
                    lx->i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    lx->i++;
                }
            }
            if (depth > 0) {
                lex_error(lx, start, lx->len, "unterminated /* comment");
                return false;
            }
        } else {
            return true;
        }
    }
}

/* After a closing quote: whitespace containing a newline, then another quote, continues
 * the string. Returns the index of that quote, or 0 when the string ends here. */
static size_t lex_continuation(Lexer *lx, size_t j)
{
    bool newline = false;
    while (j < lx->len) {
        char c = lx->q[j];
        if (c == '\n' || c == '\r') {
            newline = true;
            j++;
        } else if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
            j++;
        } else if (newline && c == '-' && j + 1 < lx->len && lx->q[j + 1] == '-') {
            while (j < lx->len && lx->q[j] != '\n' && lx->q[j] != '\r')
                j++;
        } else {
            break;
        }
    }
    return (newline && j < lx->len && lx->q[j] == '\'') ? j : 0;
}

static int lex_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t lex_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* A quoted string starting at the quote q0 (tok_start includes any E/B/X prefix). kind:
 * 0 plain, 'e' escapes, 'b' bit, 'x' hex. */
static void lex_quoted(Lexer *lx, size_t tok_start, size_t q0, char kind)
{
    /* decoded length never exceeds the raw length */
    char *buf = shale_arena_alloc(lx->arena, lx->len - q0 + 2);
    if (!buf) {
        lx->oom = true;
        return;
    }
    size_t n = 0;
    if (kind == 'b' || kind == 'x')
        buf[n++] = kind;
    size_t j = q0 + 1;
    for (;;) {
        if (j >= lx->len) {
            const char *what = kind == 'b' ? "unterminated bit string literal"
                             : kind == 'x' ? "unterminated hexadecimal string literal"
                             : "unterminated quoted string";
            lex_error(lx, tok_start, lx->len, what);
            lx->i = lx->len;
            return;
        }
        char c = lx->q[j];
        if (c == '\'') {
            if (j + 1 < lx->len && lx->q[j + 1] == '\'') {
                buf[n++] = '\'';
                j += 2;
                continue;
            }
            size_t k = lex_continuation(lx, j + 1);
            if (k) {
                j = k + 1;
                continue;
            }
            j++;
            break;
        }
        if (c == '\\' && kind == 'e' && j + 1 < lx->len) {
            char e = lx->q[j + 1];
            j += 2;
            switch (e) {
            case 'b': buf[n++] = '\b'; break;
            case 'f': buf[n++] = '\f'; break;
            case 'n': buf[n++] = '\n'; break;
            case 'r': buf[n++] = '\r'; break;
            case 't': buf[n++] = '\t'; break;
            case 'x': {
                int v = 0, d, cnt = 0;
                while (cnt < 2 && j < lx->len && (d = lex_hexval(lx->q[j])) >= 0) {
                    v = v * 16 + d;
                    j++;
                    cnt++;
                }
                if (cnt == 0)
                    buf[n++] = 'x';
                else
                    buf[n++] = (char)v;
                break;
            }
            case 'u': case 'U': {
                int want = e == 'u' ? 4 : 8, cnt = 0, d;
                uint32_t v = 0;
                while (cnt < want && j < lx->len && (d = lex_hexval(lx->q[j])) >= 0) {
                    v = v * 16 + (uint32_t)d;
                    j++;
                    cnt++;
                }
                if (cnt < want || v == 0 || v > 0x10FFFF) {
                    lex_error(lx, j - 2 - (size_t)cnt, j, "invalid Unicode escape");
                    lx->i = lx->len;
                    return;
                }
                n += lex_utf8_encode(v, buf + n);  /* at most 4 bytes for >= 6 raw ones */
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int v = e - '0', cnt = 1;
                    while (cnt < 3 && j < lx->len && lx->q[j] >= '0' && lx->q[j] <= '7') {
                        v = v * 8 + (lx->q[j] - '0');
                        j++;
                        cnt++;
                    }
                    buf[n++] = (char)v;
                } else {
                    buf[n++] = e;
                }
            }
            continue;
        }
        buf[n++] = c;
        j++;
    }
    buf[n] = '\0';
    SqlToken *t = lex_push(lx, kind == 'b' ? TOK_BCONST : kind == 'x' ? TOK_XCONST : TOK_SCONST,
                           tok_start, j);
    if (t) {
        t->str = buf;
        t->len = (int)n;
    }
    lx->i = j;
}

/* U&'...' [UESCAPE 'c'] starting at the U: the string is read like a plain one, then its
 * Unicode escapes (\XXXX, \+XXXXXX, surrogate pairs; \\ for the escape character itself)
 * are decoded with the escape character (default backslash). */
static void lex_unicode_string(Lexer *lx, size_t s)
{
    int before = lx->out->n;
    lex_quoted(lx, s, s + 2, 0);
    if (lx->out->n != before + 1 || lx->out->toks[before].type != TOK_SCONST)
        return;
    SqlToken *t = &lx->out->toks[before];
    char esc = '\\';
    /* optional UESCAPE 'c' */
    size_t j = lx->i;
    while (j < lx->len && lex_is_space(lx->q[j]))
        j++;
    if (j + 7 <= lx->len && strncasecmp(lx->q + j, "uescape", 7) == 0 &&
        (j + 7 == lx->len || !lex_is_ident_cont((unsigned char)lx->q[j + 7]))) {
        size_t k = j + 7;
        while (k < lx->len && lex_is_space(lx->q[k]))
            k++;
        if (k + 2 < lx->len && lx->q[k] == '\'' && lx->q[k + 2] == '\'' && !isxdigit((unsigned char)lx->q[k + 1]) &&
            lx->q[k + 1] != '+' && lx->q[k + 1] != '\'' && lx->q[k + 1] != '"' && !lex_is_space(lx->q[k + 1])) {
            esc = lx->q[k + 1];
            lx->i = k + 3;
            t->end = (int)lx->i;
        } else {
            lx->out->n = before;
            lex_error(lx, j, k < lx->len ? k + 1 : lx->len, "invalid Unicode escape character");
            lx->i = lx->len;
            return;
        }
    }
    const char *in = t->str;
    size_t n = (size_t)t->len, o = 0;
    char *buf = (char *)t->str;   /* decoding only shrinks: in place */
    uint32_t hi = 0;
    const char *why = "invalid Unicode escape";
    for (size_t i = 0; i < n;) {
        if (in[i] != esc) {
            if (hi) {
                why = "invalid Unicode surrogate pair";
                goto bad;
            }
            buf[o++] = in[i++];
            continue;
        }
        if (i + 1 < n && in[i + 1] == esc) {
            if (hi) {
                why = "invalid Unicode surrogate pair";
                goto bad;
            }
            buf[o++] = esc;
            i += 2;
            continue;
        }
        int want = 4;
        size_t p = i + 1;
        if (p < n && in[p] == '+') {
            want = 6;
            p++;
        }
        uint32_t v = 0;
        for (int k = 0; k < want; k++) {
            int d = p < n ? lex_hexval(in[p]) : -1;
            if (d < 0)
                goto bad;
            v = v * 16 + (uint32_t)d;
            p++;
        }
        i = p;
        if (hi) {
            if (v < 0xDC00 || v > 0xDFFF) {
                why = "invalid Unicode surrogate pair";
                goto bad;
            }
            v = 0x10000 + ((hi - 0xD800) << 10) + (v - 0xDC00);
            hi = 0;
        } else if (v >= 0xD800 && v <= 0xDBFF) {
            hi = v;
            continue;
        } else if ((v >= 0xDC00 && v <= 0xDFFF) || v == 0 || v > 0x10FFFF) {
            if (v >= 0xDC00 && v <= 0xDFFF)
                why = "invalid Unicode surrogate pair";
            goto bad;
        }
        o += lex_utf8_encode(v, buf + o);
    }
    if (hi) {
        why = "invalid Unicode surrogate pair";
        goto bad;
    }
    buf[o] = '\0';
    t->len = (int)o;
    return;
bad:
    /* PostgreSQL's messages carry no "at or near" here */
    lx->out->n = before;
    {
        SqlToken *e = lex_push(lx, TOK_ERROR, s, lx->i);
        if (e)
            e->str = lex_strdup(lx, why, strlen(why));
    }
    lx->i = lx->len;
}

/* $tag$...$tag$ starting at '$'. Returns false when this '$' does not start one. */
static bool lex_dollar(Lexer *lx)
{
    size_t s = lx->i, j = s + 1;
    if (j < lx->len && lx->q[j] != '$') {
        if (!(lex_is_ident_start((unsigned char)lx->q[j])))
            return false;
        while (j < lx->len && (lex_is_ident_start((unsigned char)lx->q[j]) || isdigit((unsigned char)lx->q[j])))
            j++;
        if (j >= lx->len || lx->q[j] != '$')
            return false;
    }
    if (j >= lx->len)
        return false;
    size_t taglen = j - s + 1;   /* including both dollars */
    const char *tag = lx->q + s;
    size_t body = j + 1;
    for (size_t k = body; k + taglen <= lx->len; k++) {
        if (lx->q[k] == '$' && memcmp(lx->q + k, tag, taglen) == 0) {
            SqlToken *t = lex_push(lx, TOK_SCONST, s, k + taglen);
            if (t) {
                t->str = lex_strdup(lx, lx->q + body, k - body);
                t->len = (int)(k - body);
            }
            lx->i = k + taglen;
            return true;
        }
    }
    lex_error(lx, s, lx->len, "unterminated dollar-quoted string");
    lx->i = lx->len;
    return true;
}

static void lex_number(Lexer *lx)
{
    size_t s = lx->i, j = s;
    bool is_float = false;
    while (j < lx->len && isdigit((unsigned char)lx->q[j]))
        j++;
    if (j < lx->len && lx->q[j] == '.' && !(j + 1 < lx->len && lx->q[j + 1] == '.')) {
        is_float = true;
        j++;
        while (j < lx->len && isdigit((unsigned char)lx->q[j]))
            j++;
    }
    if (j < lx->len && (lx->q[j] == 'e' || lx->q[j] == 'E')) {
        size_t k = j + 1;
        if (k < lx->len && (lx->q[k] == '+' || lx->q[k] == '-'))
            k++;
        if (k < lx->len && isdigit((unsigned char)lx->q[k])) {
            while (k < lx->len && isdigit((unsigned char)lx->q[k]))
                k++;
            j = k;
            is_float = true;
        }
    }
    if (j < lx->len && lex_is_ident_start((unsigned char)lx->q[j])) {
        size_t k = j + 1;
        while (k < lx->len && lex_is_ident_cont((unsigned char)lx->q[k]))
            k++;
        lex_error(lx, s, k, "trailing junk after numeric literal");
        lx->i = lx->len;
        return;
    }
    SqlToken *t = lex_push(lx, is_float ? TOK_FCONST : TOK_ICONST, s, j);
    if (!t)
        return;
    t->str = lex_strdup(lx, lx->q + s, j - s);
    t->len = (int)(j - s);
    if (!is_float) {
        uint64_t v = 0;
        bool fits = true;
        for (size_t k = s; k < j; k++) {
            unsigned d = (unsigned)(lx->q[k] - '0');
            if (v > (UINT64_C(9223372036854775807) - d) / 10) {
                fits = false;
                break;
            }
            v = v * 10 + d;
        }
        t->fits = fits;
        t->ival = fits ? (int64_t)v : 0;
    }
    lx->i = j;
}

static void lex_operator(Lexer *lx)
{
    size_t s = lx->i, j = s;
    while (j < lx->len && lex_is_op_char(lx->q[j])) {
        /* a comment start ends the operator */
        if (j > s && ((lx->q[j] == '-' && j + 1 < lx->len && lx->q[j + 1] == '-') ||
                      (lx->q[j] == '/' && j + 1 < lx->len && lx->q[j + 1] == '*')))
            break;
        j++;
    }
    size_t n = j - s;
    if (n > 1 && (lx->q[j - 1] == '+' || lx->q[j - 1] == '-')) {
        size_t k;
        bool special = false;
        for (k = 0; k + 1 < n; k++)
            if (strchr("~!@#^&|`?%", lx->q[s + k])) {
                special = true;
                break;
            }
        if (!special)
            while (n > 1 && (lx->q[s + n - 1] == '+' || lx->q[s + n - 1] == '-'))
                n--;
    }
    lx->i = s + n;
    if (n >= SQL_NAMEDATALEN) {
        lex_error(lx, s, s + n, "operator too long");
        lx->i = lx->len;
        return;
    }
    SqlToken *t;
    if (n == 2 && memcmp(lx->q + s, "=>", 2) == 0) {
        t = lex_push(lx, TOK_ARROW, s, s + n);
        return;
    }
    t = lex_push(lx, TOK_OP, s, s + n);
    if (!t)
        return;
    if (n == 2 && memcmp(lx->q + s, "!=", 2) == 0)
        t->str = "<>";
    else
        t->str = lex_strdup(lx, lx->q + s, n);
    t->len = (int)n;
}

static void lex_ident(Lexer *lx)
{
    size_t s = lx->i, j = s;
    while (j < lx->len && lex_is_ident_cont((unsigned char)lx->q[j]))
        j++;
    size_t n = j - s;
    SqlToken *t = lex_push(lx, TOK_IDENT, s, j);
    lx->i = j;
    if (!t)
        return;
    if (n >= SQL_NAMEDATALEN) {
        n = SQL_NAMEDATALEN - 1;
        while (n > 0 && ((unsigned char)lx->q[s + n] & 0xC0) == 0x80)
            n--;
    }
    char *d = shale_arena_alloc(lx->arena, n + 1);
    if (!d) {
        lx->oom = true;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        char c = lx->q[s + k];
        d[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    d[n] = '\0';
    t->str = d;
    t->len = (int)n;
    t->kw = (int16_t)sql_keyword_lookup(d, n);
}

static void lex_quoted_ident(Lexer *lx)
{
    size_t s = lx->i, j = s + 1;
    char *buf = shale_arena_alloc(lx->arena, lx->len - s + 1);
    if (!buf) {
        lx->oom = true;
        return;
    }
    size_t n = 0;
    for (;;) {
        if (j >= lx->len) {
            lex_error(lx, s, lx->len, "unterminated quoted identifier");
            lx->i = lx->len;
            return;
        }
        if (lx->q[j] == '"') {
            if (j + 1 < lx->len && lx->q[j + 1] == '"') {
                buf[n++] = '"';
                j += 2;
                continue;
            }
            j++;
            break;
        }
        buf[n++] = lx->q[j++];
    }
    if (n == 0) {
        lex_error(lx, s, j, "zero-length delimited identifier");
        lx->i = lx->len;
        return;
    }
    if (n >= SQL_NAMEDATALEN) {
        n = SQL_NAMEDATALEN - 1;
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80)
            n--;
    }
    buf[n] = '\0';
    SqlToken *t = lex_push(lx, TOK_IDENT, s, j);
    if (t) {
        t->str = buf;
        t->len = (int)n;
        t->quoted = true;
    }
    lx->i = j;
}

int sql_lex_all(const char *query, size_t len, ShaleArena *arena, SqlTokens *out, SqlError *err)
{
    Lexer lx = { query, len, 0, arena, out, 0, false };
    out->toks = NULL;
    out->n = 0;
    for (;;) {
        if (!lex_skip_space(&lx))
            break;
        if (lx.oom)
            break;
        if (lx.i >= len) {
            lex_push(&lx, TOK_EOF, len, len);
            break;
        }
        int before = out->n;
        size_t s = lx.i;
        char c = query[s];
        char c1 = s + 1 < len ? query[s + 1] : '\0';
        if (c == '\'') {
            lex_quoted(&lx, s, s, 0);
        } else if ((c == 'e' || c == 'E') && c1 == '\'') {
            lex_quoted(&lx, s, s + 1, 'e');
        } else if ((c == 'b' || c == 'B') && c1 == '\'') {
            lex_quoted(&lx, s, s + 1, 'b');
        } else if ((c == 'x' || c == 'X') && c1 == '\'') {
            lex_quoted(&lx, s, s + 1, 'x');
        } else if ((c == 'u' || c == 'U') && c1 == '&' && s + 2 < len && query[s + 2] == '\'') {
            lex_unicode_string(&lx, s);
        } else if ((c == 'n' || c == 'N') && c1 == '\'') {
            lex_quoted(&lx, s, s + 1, 0);
        } else if (c == '"') {
            lex_quoted_ident(&lx);
        } else if (c == '$' && isdigit((unsigned char)c1)) {
            size_t j = s + 1;
            int64_t v = 0;
            while (j < len && isdigit((unsigned char)query[j])) {
                if (v < 100000000)
                    v = v * 10 + (query[j] - '0');
                j++;
            }
            if (j < len && lex_is_ident_cont((unsigned char)query[j])) {
                size_t k = j + 1;
                while (k < len && lex_is_ident_cont((unsigned char)query[k]))
                    k++;
                lex_error(&lx, s, k, "trailing junk after parameter");
                lx.i = len;
            } else {
                SqlToken *t = lex_push(&lx, TOK_PARAM, s, j);
                if (t)
                    t->ival = v;
                lx.i = j;
            }
        } else if (c == '$') {
            if (!lex_dollar(&lx)) {
                /* a lone '$' is not a token PostgreSQL knows: report it as the parser would */
                SqlToken *t = lex_push(&lx, TOK_OP, s, s + 1);
                if (t) { t->str = "$"; t->len = 1; }
                lx.i = s + 1;
            }
        } else if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)c1))) {
            lex_number(&lx);
        } else if (lex_is_ident_start((unsigned char)c)) {
            lex_ident(&lx);
        } else if (c == ':' && c1 == ':') {
            lex_push(&lx, TOK_TYPECAST, s, s + 2);
            lx.i = s + 2;
        } else if (c == ':' && c1 == '=') {
            lex_push(&lx, TOK_COLON_EQ, s, s + 2);
            lx.i = s + 2;
        } else if (c == '.' && c1 == '.') {
            lex_push(&lx, TOK_DOTDOT, s, s + 2);
            lx.i = s + 2;
        } else if (strchr("()[],;.:", c)) {
            SqlToken *t = lex_push(&lx, TOK_CHAR, s, s + 1);
            if (t)
                t->ch = c;
            lx.i = s + 1;
        } else if (lex_is_op_char(c)) {
            lex_operator(&lx);
        } else {
            /* PostgreSQL's scanner returns any other byte as a one-char token the grammar
             * rejects: report a syntax error there */
            size_t j = s + 1;
            while (j < len && ((unsigned char)query[j] & 0xC0) == 0x80)
                j++;
            SqlToken *t = lex_push(&lx, TOK_OP, s, j);
            if (t) { t->str = lex_strdup(&lx, query + s, j - s); t->len = (int)(j - s); t->ch = '?'; }
            lx.i = j;
        }
        if (lx.oom)
            break;
        if (out->n > before && out->toks[out->n - 1].type == TOK_ERROR)
            break;
    }
    if (lx.oom)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    return 0;
}

int sql_split_statements(const char *query, size_t len, ShaleArena *arena,
                         AstSpan **spans, int *n_spans, SqlError *err)
{
    SqlTokens toks;
    *spans = NULL;
    *n_spans = 0;
    if (sql_lex_all(query, len, arena, &toks, err) != 0)
        return -1;
    const SqlToken *last = &toks.toks[toks.n - 1];
    if (last->type == TOK_ERROR) {
        sql_error_set(err, ERRCODE_SYNTAX_ERROR, "%s", last->str ? last->str : "syntax error");
        if (err)
            err->position = sql_parser_position(query, len, last->start);
        return -1;
    }
    AstSpan *arr = shale_arena_alloc(arena, sizeof(AstSpan) * (size_t)(toks.n + 1));
    if (!arr)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int n = 0, start = -1, end = -1;
    for (int i = 0; i < toks.n; i++) {
        const SqlToken *t = &toks.toks[i];
        if (t->type == TOK_EOF || (t->type == TOK_CHAR && t->ch == ';')) {
            if (start >= 0)
                arr[n++] = (AstSpan){ start, end };
            start = -1;
            continue;
        }
        if (start < 0)
            start = t->start;
        end = t->end;
    }
    *spans = arr;
    *n_spans = n;
    return 0;
}
