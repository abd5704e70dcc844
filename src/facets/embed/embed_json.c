/* embed_json.c -- bounded pull reader and writer of JSON (RFC 8259) for the embedders. */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facets/embed/embed_json.h"

/* Numbers are read and written in the C locale whatever the process's LC_NUMERIC is (a
 * decimal comma would silently corrupt vectors). Created once, never freed. */
static pthread_once_t json_locale_once = PTHREAD_ONCE_INIT;
static locale_t json_c_locale;

static void json_locale_init(void)
{
    json_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static bool json_fail(EmbedJson *j, const char *why)
{
    if (!j->failed) {
        j->failed = true;
        snprintf(j->why, sizeof j->why, "%s at byte offset %td", why, (ptrdiff_t)(j->p - j->start));
    }
    return false;
}

void embed_json_init(EmbedJson *j, const char *s, size_t n)
{
    j->start = j->p = s;
    j->end = s + n;
    j->depth = 0;
    j->failed = false;
    j->why[0] = '\0';
}

static void json_ws(EmbedJson *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

char embed_json_peek(EmbedJson *j)
{
    json_ws(j);
    return j->p < j->end ? *j->p : 0;
}

bool embed_json_at_end(EmbedJson *j)
{
    json_ws(j);
    return j->p == j->end;
}

/* Shared walk of '{' ... '}' and '[' ... ']': consumes the opener or the separator. */
static bool json_container_next(EmbedJson *j, bool *first, char open, char close)
{
    if (j->failed) return false;
    char c = embed_json_peek(j);
    if (*first) {
        if (c != open) return json_fail(j, open == '{' ? "expected an object" : "expected an array");
        if (++j->depth > EMBED_JSON_MAX_DEPTH) return json_fail(j, "nesting too deep");
        j->p++;
        *first = false;
        if (embed_json_peek(j) == close) {
            j->p++;
            j->depth--;
            return false;
        }
        return true;
    }
    if (c == close) {
        j->p++;
        j->depth--;
        return false;
    }
    if (c != ',') return json_fail(j, "expected ',' or a closing bracket");
    j->p++;
    return true;
}

bool embed_json_object_next(EmbedJson *j, bool *first, char *key, size_t keycap)
{
    if (!json_container_next(j, first, '{', '}')) return false;
    if (embed_json_peek(j) != '"') return json_fail(j, "expected a member name");
    ShaleBuf k;
    shale_buf_init(&k);
    bool ok = embed_json_string(j, &k);
    if (ok && k.oom) ok = json_fail(j, "out of memory");
    if (ok) {
        if (k.len < keycap && !memchr(k.data, 0, k.len)) {
            if (k.len) memcpy(key, k.data, k.len);
            key[k.len] = '\0';
        } else if (keycap) {
            key[0] = '\0';
        }
    }
    shale_buf_free(&k);
    if (!ok) return false;
    if (embed_json_peek(j) != ':') return json_fail(j, "expected ':'");
    j->p++;
    return true;
}

bool embed_json_array_next(EmbedJson *j, bool *first)
{
    return json_container_next(j, first, '[', ']');
}

static int json_hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static void json_put_cp(ShaleBuf *out, unsigned cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (uint8_t)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (uint8_t)(0xC0 | (cp >> 6)); b[1] = (uint8_t)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12)); b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (cp >> 18)); b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (uint8_t)(0x80 | (cp & 0x3F)); n = 4;
    }
    shale_buf_append(out, b, n);
}

bool embed_json_string(EmbedJson *j, ShaleBuf *out)
{
    if (j->failed) return false;
    if (embed_json_peek(j) != '"') return json_fail(j, "expected a string");
    const char *p = j->p + 1;
    for (;;) {
        const char *run = p;
        while (p < j->end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
        if (out && p > run) shale_buf_append(out, run, (size_t)(p - run));
        if (p >= j->end) return json_fail(j, "unterminated string");
        if (*p == '"') break;
        if ((unsigned char)*p < 0x20) return json_fail(j, "control character in string");
        /* backslash escape */
        if (j->end - p < 2) return json_fail(j, "unterminated string");
        char e = p[1];
        p += 2;
        char lit;
        switch (e) {
        case '"': lit = '"'; break;
        case '\\': lit = '\\'; break;
        case '/': lit = '/'; break;
        case 'b': lit = '\b'; break;
        case 'f': lit = '\f'; break;
        case 'n': lit = '\n'; break;
        case 'r': lit = '\r'; break;
        case 't': lit = '\t'; break;
        case 'u': {
            if (j->end - p < 4) return json_fail(j, "bad \\u escape");
            int cp = json_hex4(p);
            if (cp < 0) return json_fail(j, "bad \\u escape");
            p += 4;
            unsigned ucp = (unsigned)cp;
            if (cp >= 0xD800 && cp <= 0xDBFF && j->end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                int lo = json_hex4(p + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    ucp = 0x10000 + (((unsigned)cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                    p += 6;
                }
            }
            if (ucp >= 0xD800 && ucp <= 0xDFFF) ucp = 0xFFFD;   /* lone surrogate */
            if (out) json_put_cp(out, ucp);
            continue;
        }
        default:
            return json_fail(j, "bad escape in string");
        }
        if (out) shale_buf_append_byte(out, (uint8_t)lit);
    }
    j->p = p + 1;
    return true;
}

bool embed_json_number(EmbedJson *j, double *v)
{
    if (j->failed) return false;
    json_ws(j);
    const char *s = j->p, *p = s, *end = j->end;
    if (p < end && *p == '-') p++;
    if (p >= end) return json_fail(j, "expected a number");
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return json_fail(j, "expected a number");
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') return json_fail(j, "bad number");
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') return json_fail(j, "bad number");
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    char tmp[128];
    size_t n = (size_t)(p - s);
    if (n >= sizeof tmp) return json_fail(j, "number too long");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    pthread_once(&json_locale_once, json_locale_init);
    *v = json_c_locale ? strtod_l(tmp, NULL, json_c_locale) : strtod(tmp, NULL);
    j->p = p;
    return true;
}

static bool json_literal(EmbedJson *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) return json_fail(j, "unexpected character");
    j->p += n;
    return true;
}

bool embed_json_skip(EmbedJson *j)
{
    if (j->failed) return false;
    char c = embed_json_peek(j);
    bool first = true;
    char key[8];
    switch (c) {
    case '{':
        while (embed_json_object_next(j, &first, key, sizeof key))
            if (!embed_json_skip(j)) return false;
        return !j->failed;
    case '[':
        while (embed_json_array_next(j, &first))
            if (!embed_json_skip(j)) return false;
        return !j->failed;
    case '"':
        return embed_json_string(j, NULL);
    case 't':
        return json_literal(j, "true");
    case 'f':
        return json_literal(j, "false");
    case 'n':
        return json_literal(j, "null");
    case 0:
        return json_fail(j, "unexpected end of input");
    default: {
        double d;
        return embed_json_number(j, &d);
    }
    }
}

/* Length of a valid UTF-8 sequence at p, 0 when invalid. */
static size_t json_utf8_len(const uint8_t *p, const uint8_t *end)
{
    uint8_t c = p[0];
    size_t n;
    unsigned v, min;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    return n;
}

void embed_json_write_string(ShaleBuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    shale_buf_reserve(b, n + 2);
    shale_buf_append_byte(b, '"');
    while (p < end) {
        const uint8_t *run = p;
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
        if (p > run) shale_buf_append(b, run, (size_t)(p - run));
        if (p >= end) break;
        uint8_t c = *p;
        if (c >= 0x80) {
            size_t l = json_utf8_len(p, end);
            if (l) {
                shale_buf_append(b, p, l);
                p += l;
            } else {
                shale_buf_append(b, "\\ufffd", 6);
                p++;
            }
            continue;
        }
        p++;
        switch (c) {
        case '"': shale_buf_append(b, "\\\"", 2); break;
        case '\\': shale_buf_append(b, "\\\\", 2); break;
        case '\n': shale_buf_append(b, "\\n", 2); break;
        case '\r': shale_buf_append(b, "\\r", 2); break;
        case '\t': shale_buf_append(b, "\\t", 2); break;
        default: {
            char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            shale_buf_append(b, u, 6);
        }
        }
    }
    shale_buf_append_byte(b, '"');
}

void embed_json_write_float(ShaleBuf *b, float f)
{
    char tmp[32];
    pthread_once(&json_locale_once, json_locale_init);
    locale_t old = json_c_locale ? uselocale(json_c_locale) : (locale_t)0;
    int n = snprintf(tmp, sizeof tmp, "%.9g", isfinite(f) ? (double)f : 0.0);
    if (old) uselocale(old);
    shale_buf_append(b, tmp, (size_t)n);
}

void embed_json_write_raw(ShaleBuf *b, const char *s)
{
    shale_buf_append(b, s, strlen(s));
}
