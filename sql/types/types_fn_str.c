/* types_fn_str.c -- more string builtins (format, encode/decode, string_to_array,
 * translate, overlay, convert_from/convert_to) and the one-dimensional array functions
 * (array_upper/lower/ndims/dims, array_cat/prepend, array_position(s), array_remove,
 * array_replace, array_fill, @> <@ &&). Results live in ctx->arena; scratch ShaleBufs are
 * freed on every path. */
#include "sql/types/types_fn.h"

#include <stdio.h>
#include <string.h>

/* --- format() ---------------------------------------------------------------------------- */

static void str_text_of(FuncCallCtx *ctx, const Value *v, ShaleBuf *b)
{
    if (v->type == TEXTOID || v->type == VARCHAROID || v->type == NAMEOID || v->type == UNKNOWNOID ||
        v->type == BPCHAROID)
        shale_buf_append(b, v->u.s.p, v->u.s.n);
    else
        types_output(ctx->tc, v, b);
}

static void str_quote_literal(const char *p, size_t n, ShaleBuf *b)
{
    bool bs = memchr(p, '\\', n) != NULL;
    if (bs)
        shale_buf_append_byte(b, 'E');
    shale_buf_append_byte(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\'' || p[i] == '\\')
            shale_buf_append_byte(b, p[i]);
        shale_buf_append_byte(b, p[i]);
    }
    shale_buf_append_byte(b, '\'');
}

static bool str_ident_plain(const char *p, size_t n)
{
    static const char *const kw[] = { "all", "and", "any", "array", "as", "asc", "both", "case", "cast", "check",
                                      "column", "constraint", "create", "default", "desc", "distinct", "do", "else",
                                      "end", "false", "for", "foreign", "from", "grant", "group", "having", "in",
                                      "into", "leading", "limit", "not", "null", "offset", "on", "only", "or",
                                      "order", "primary", "references", "select", "table", "then", "to", "trailing",
                                      "true", "union", "unique", "user", "using", "when", "where", "with" };
    if (n == 0 || !((p[0] >= 'a' && p[0] <= 'z') || p[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == '$'))
            return false;
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strlen(kw[i]) == n && memcmp(kw[i], p, n) == 0)
            return false;
    return true;
}

static void str_quote_ident(const char *p, size_t n, ShaleBuf *b)
{
    if (str_ident_plain(p, n)) {
        shale_buf_append(b, p, n);
        return;
    }
    shale_buf_append_byte(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            shale_buf_append_byte(b, '"');
        shale_buf_append_byte(b, p[i]);
    }
    shale_buf_append_byte(b, '"');
}

static int str_fmt_err(SqlError *err, const char *msg)
{
    SQL_ERR(err, INVALID_PARAMETER_VALUE, "%s", msg);
    sql_error_hint(err, "For a single \"%%\" use \"%%%%\".");
    return -1;
}

/* parses digits at *p; returns -1 when none */
static int64_t str_fmt_num(const char **p, const char *end)
{
    if (*p >= end || **p < '0' || **p > '9')
        return -1;
    int64_t v = 0;
    while (*p < end && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        if (v > INT32_MAX)
            v = INT32_MAX;
        (*p)++;
    }
    return v;
}

static FN(fn_format)
{
    if (args[0].null) {
        *out = value_null(TEXTOID);
        return 0;
    }
    const char *p = args[0].u.s.p, *end = p + args[0].u.s.n;
    ShaleBuf b, piece;
    shale_buf_init(&b);
    shale_buf_init(&piece);
    int next_arg = 1, rc = 0;
    while (p < end) {
        if (*p != '%') {
            shale_buf_append_byte(&b, *p++);
            continue;
        }
        p++;
        if (p >= end) {
            rc = str_fmt_err(err, "unterminated format() type specifier");
            break;
        }
        if (*p == '%') {
            shale_buf_append_byte(&b, '%');
            p++;
            continue;
        }
        /* [argpos$][flags][width][type] */
        int argpos = -1;
        bool left = false;
        int64_t width = -1;
        const char *save = p;
        int64_t n = str_fmt_num(&p, end);
        if (n >= 0 && p < end && *p == '$') {
            if (n == 0) {
                rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "format specifies argument 0, but arguments are numbered from 1");
                break;
            }
            argpos = (int)n;
            p++;
        } else {
            p = save;
        }
        if (p < end && *p == '-') {
            left = true;
            p++;
        }
        if (p < end && *p == '*') {
            p++;
            int wpos = -1;
            const char *s2 = p;
            int64_t wn = str_fmt_num(&p, end);
            if (wn >= 0 && p < end && *p == '$')
                wpos = (int)wn, p++;
            else
                p = s2;
            int wi = wpos > 0 ? wpos : next_arg++;
            if (wi >= nargs) {
                rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "too few arguments for format()");
                break;
            }
            if (wpos > 0)
                next_arg = wpos + 1;
            if (!args[wi].null) {
                int64_t w = args[wi].u.i;
                if (w < 0) {
                    left = true;
                    w = -w;
                }
                width = w;
            }
        } else {
            int64_t w = str_fmt_num(&p, end);
            if (w >= 0)
                width = w;
        }
        if (p >= end) {
            rc = str_fmt_err(err, "unterminated format() type specifier");
            break;
        }
        char t = *p++;
        if (t != 's' && t != 'I' && t != 'L') {
            char msg[80];
            snprintf(msg, sizeof msg, "unrecognized format() type specifier \"%c\"", t);
            rc = str_fmt_err(err, msg);
            break;
        }
        int ai = argpos > 0 ? argpos : next_arg;
        next_arg = ai + 1;
        if (ai >= nargs) {
            rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "too few arguments for format()");
            break;
        }
        const Value *v = &args[ai];
        shale_buf_reset(&piece);
        if (t == 's') {
            if (!v->null)
                str_text_of(ctx, v, &piece);
        } else if (t == 'I') {
            if (v->null) {
                rc = SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "null values cannot be formatted as an SQL identifier");
                break;
            }
            ShaleBuf tmp;
            shale_buf_init(&tmp);
            str_text_of(ctx, v, &tmp);
            str_quote_ident(tmp.data ? tmp.data : "", tmp.len, &piece);
            shale_buf_free(&tmp);
        } else {
            if (v->null) {
                shale_buf_append(&piece, "NULL", 4);
            } else {
                ShaleBuf tmp;
                shale_buf_init(&tmp);
                str_text_of(ctx, v, &tmp);
                str_quote_literal(tmp.data ? tmp.data : "", tmp.len, &piece);
                shale_buf_free(&tmp);
            }
        }
        size_t chars = types_utf8_strlen(piece.data ? piece.data : "", piece.len);
        int64_t pad = width > (int64_t)chars ? width - (int64_t)chars : 0;
        if (!left)
            for (int64_t i = 0; i < pad; i++)
                shale_buf_append_byte(&b, ' ');
        shale_buf_append(&b, piece.data ? piece.data : "", piece.len);
        if (left)
            for (int64_t i = 0; i < pad; i++)
                shale_buf_append_byte(&b, ' ');
    }
    shale_buf_free(&piece);
    if (rc < 0) {
        shale_buf_free(&b);
        return -1;
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

/* --- encode / decode ----------------------------------------------------------------------- */

static const char str_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool str_enc_is(const Value *v, const char *name)
{
    size_t n = strlen(name);
    if (v->u.s.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v->u.s.p[i];
        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != name[i])
            return false;
    }
    return true;
}

static FN(fn_encode)
{
    (void)nargs;
    const unsigned char *d = (const unsigned char *)args[0].u.s.p;
    size_t n = args[0].u.s.n;
    ShaleBuf b;
    shale_buf_init(&b);
    if (str_enc_is(&args[1], "hex")) {
        static const char hx[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
            shale_buf_append_byte(&b, hx[d[i] >> 4]);
            shale_buf_append_byte(&b, hx[d[i] & 15]);
        }
    } else if (str_enc_is(&args[1], "base64")) {
        size_t line = 0;
        for (size_t i = 0; i < n; i += 3) {
            uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
            char q[4] = { str_b64[v >> 18], str_b64[(v >> 12) & 63], i + 1 < n ? str_b64[(v >> 6) & 63] : '=',
                          i + 2 < n ? str_b64[v & 63] : '=' };
            if (line >= 76) {
                shale_buf_append_byte(&b, '\n');
                line = 0;
            }
            shale_buf_append(&b, q, 4);
            line += 4;
        }
    } else if (str_enc_is(&args[1], "escape")) {
        for (size_t i = 0; i < n; i++) {
            if (d[i] == 0 || d[i] >= 0x80) {
                char o[5];
                snprintf(o, sizeof o, "\\%03o", d[i]);
                shale_buf_append(&b, o, 4);
            } else if (d[i] == '\\') {
                shale_buf_append(&b, "\\\\", 2);
            } else {
                shale_buf_append_byte(&b, (char)d[i]);
            }
        }
    } else {
        shale_buf_free(&b);
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "unrecognized encoding: \"%.*s\"", (int)args[1].u.s.n,
                       args[1].u.s.p);
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

static int str_hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int str_b64val(char c)
{
    const char *q = c ? strchr(str_b64, c) : NULL;
    return q ? (int)(q - str_b64) : -1;
}

static FN(fn_decode)
{
    (void)nargs;
    const char *s = args[0].u.s.p;
    size_t n = args[0].u.s.n;
    ShaleBuf b;
    shale_buf_init(&b);
    int rc = 0;
    if (str_enc_is(&args[1], "hex")) {
        size_t i = 0;
        while (i < n) {
            if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
                i++;
                continue;
            }
            int h = str_hexval(s[i]);
            if (h < 0) {
                uint32_t cp;
                int len = types_utf8_decode(s + i, s + n, &cp);
                rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%.*s\"", len, s + i);
                break;
            }
            if (i + 1 >= n) {
                rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid hexadecimal data: odd number of digits");
                break;
            }
            int l = str_hexval(s[i + 1]);
            if (l < 0) {
                uint32_t cp;
                int len = types_utf8_decode(s + i + 1, s + n, &cp);
                rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%.*s\"", len, s + i + 1);
                break;
            }
            shale_buf_append_byte(&b, (char)(h << 4 | l));
            i += 2;
        }
    } else if (str_enc_is(&args[1], "base64")) {
        uint32_t acc = 0;
        int bits = 0, pad = 0;
        size_t syms = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            char c = s[i];
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
                continue;
            if (c == '=') {
                pad++;
                continue;
            }
            int v = str_b64val(c);
            if (v < 0 || pad) {
                if (v >= 0 && pad) {
                    rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid base64 end sequence");
                    sql_error_hint(err, "Input data is missing padding, is truncated, or is otherwise corrupted.");
                    break;
                }
                uint32_t cp;
                int len = types_utf8_decode(s + i, s + n, &cp);
                rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid symbol \"%.*s\" found while decoding base64 sequence",
                             len, s + i);
                break;
            }
            acc = acc << 6 | (uint32_t)v;
            syms++;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                shale_buf_append_byte(&b, (char)(acc >> bits));
                acc &= (1u << bits) - 1;
            }
        }
        if (rc == 0 && ((syms + (size_t)pad) % 4 != 0 || pad > 2)) {
            rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid base64 end sequence");
            sql_error_hint(err, "Input data is missing padding, is truncated, or is otherwise corrupted.");
        }
    } else if (str_enc_is(&args[1], "escape")) {
        for (size_t i = 0; i < n; i++) {
            if (s[i] != '\\') {
                shale_buf_append_byte(&b, s[i]);
            } else if (i + 1 < n && s[i + 1] == '\\') {
                shale_buf_append_byte(&b, '\\');
                i++;
            } else if (i + 3 < n + 0 && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
                       s[i + 3] >= '0' && s[i + 3] <= '7') {
                shale_buf_append_byte(&b, (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0')));
                i += 3;
            } else {
                rc = SQL_ERR(err, INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s", "bytea");
                break;
            }
        }
    } else {
        rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "unrecognized encoding: \"%.*s\"", (int)args[1].u.s.n, args[1].u.s.p);
    }
    if (rc < 0) {
        shale_buf_free(&b);
        return -1;
    }
    return types_buf_to_value(&b, BYTEAOID, ctx->arena, out, err);
}

static bool str_is_utf8_name(const Value *v)
{
    return str_enc_is(v, "utf8") || str_enc_is(v, "utf-8") || str_enc_is(v, "unicode");
}

static FN(fn_convert_from)
{
    (void)nargs;
    if (!str_is_utf8_name(&args[1]))
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid source encoding name \"%.*s\"", (int)args[1].u.s.n,
                       args[1].u.s.p);
    if (!types_utf8_valid(args[0].u.s.p, args[0].u.s.n)) {
        const unsigned char *d = (const unsigned char *)args[0].u.s.p;
        size_t i = 0;
        while (i < args[0].u.s.n && types_utf8_valid((const char *)d, i + 1))
            i++;
        return SQL_ERR(err, CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": 0x%02x",
                       i < args[0].u.s.n ? d[i] : 0);
    }
    ctx->ret_type = TEXTOID;
    return fn_text_result(ctx, args[0].u.s.p, args[0].u.s.n, out, err);
}

static FN(fn_convert_to)
{
    (void)nargs;
    if (!str_is_utf8_name(&args[1]))
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid destination encoding name \"%.*s\"", (int)args[1].u.s.n,
                       args[1].u.s.p);
    ctx->ret_type = BYTEAOID;
    return fn_text_result(ctx, args[0].u.s.p, args[0].u.s.n, out, err);
}

/* --- string_to_array / translate / overlay --------------------------------------------------- */

static int str_push(FuncCallCtx *ctx, Value **el, size_t *n, size_t *cap, Value v, SqlError *err)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        Value *ne = shale_arena_alloc(ctx->arena, sizeof(Value) * nc);
        if (!ne)
            return types_oom(err);
        if (*n)
            memcpy(ne, *el, sizeof(Value) * *n);
        *el = ne;
        *cap = nc;
    }
    (*el)[(*n)++] = v;
    return 0;
}

static FN(fn_string_to_array)
{
    if (args[0].null) {
        *out = value_null(TEXT_ARRAYOID);
        return 0;
    }
    const Value *s = &args[0];
    const Value *nullstr = nargs > 2 && !args[2].null ? &args[2] : NULL;
    Value *el = NULL;
    size_t n = 0, cap = 0;
    if (s->u.s.n > 0) {
        const char *p = s->u.s.p, *end = p + s->u.s.n;
        const char *start = p;
        while (true) {
            const char *piece_end;
            const char *next;
            if (args[1].null) {
                uint32_t cp;
                piece_end = p + types_utf8_decode(p, end, &cp);
                next = piece_end;
            } else if (args[1].u.s.n == 0) {
                piece_end = end;
                next = end;
            } else {
                const char *f = NULL;
                for (const char *q = p; q + args[1].u.s.n <= end; q++)
                    if (memcmp(q, args[1].u.s.p, args[1].u.s.n) == 0) {
                        f = q;
                        break;
                    }
                piece_end = f ? f : end;
                next = f ? f + args[1].u.s.n : NULL;
            }
            Value v = value_bytes(TEXTOID, start, (uint32_t)(piece_end - start));
            if (nullstr && nullstr->u.s.n == v.u.s.n && memcmp(nullstr->u.s.p, v.u.s.p, v.u.s.n) == 0)
                v = value_null(TEXTOID);
            if (str_push(ctx, &el, &n, &cap, v, err) < 0)
                return -1;
            if (!next || (next >= end && (args[1].null || args[1].u.s.n == 0)))
                break;
            p = start = next;
        }
    }
    return types_array_build(TEXTOID, 1, (uint32_t)n, el, ctx->arena, out, err);
}

static FN(fn_translate)
{
    (void)nargs;
    const char *s = args[0].u.s.p, *se = s + args[0].u.s.n;
    const char *from = args[1].u.s.p, *fe = from + args[1].u.s.n;
    const char *to = args[2].u.s.p, *te = to + args[2].u.s.n;
    ShaleBuf b;
    shale_buf_init(&b);
    while (s < se) {
        uint32_t c;
        int len = types_utf8_decode(s, se, &c);
        /* position of c in from */
        int idx = -1, k = 0;
        for (const char *f = from; f < fe; k++) {
            uint32_t fc;
            f += types_utf8_decode(f, fe, &fc);
            if (fc == c) {
                idx = k;
                break;
            }
        }
        if (idx < 0) {
            shale_buf_append(&b, s, (size_t)len);
        } else {
            const char *t = to;
            for (int j = 0; t < te && j < idx; j++) {
                uint32_t tc;
                t += types_utf8_decode(t, te, &tc);
            }
            if (t < te) {
                uint32_t tc;
                int tl = types_utf8_decode(t, te, &tc);
                shale_buf_append(&b, t, (size_t)tl);
            }
        }
        s += len;
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

/* overlay(s placing r from p [for n]) = substr(s, 1, p - 1) || r || substr(s, p + n) */
static FN(fn_overlay)
{
    const Value *s = &args[0], *r = &args[1];
    bool bytes = s->type == BYTEAOID;
    int64_t p = args[2].u.i;
    int64_t rn = bytes ? r->u.s.n : (int64_t)types_utf8_strlen(r->u.s.p, r->u.s.n);
    int64_t n = nargs > 3 ? args[3].u.i : rn;
    if (p <= 0 || n < 0 || p + n < p)
        return SQL_ERR(err, SUBSTRING_ERROR, "negative substring length not allowed");
    size_t a_end = 0, b_start = 0, total = s->u.s.n;
    if (bytes) {
        a_end = (size_t)(p - 1) < total ? (size_t)(p - 1) : total;
        b_start = (uint64_t)(p - 1 + n) < total ? (size_t)(p - 1 + n) : total;
    } else {
        int64_t ci = 0;
        size_t off = 0;
        while (off < total && ci < p - 1) {
            uint32_t cp;
            off += (size_t)types_utf8_decode(s->u.s.p + off, s->u.s.p + total, &cp);
            ci++;
        }
        a_end = off;
        while (off < total && ci < p - 1 + n) {
            uint32_t cp;
            off += (size_t)types_utf8_decode(s->u.s.p + off, s->u.s.p + total, &cp);
            ci++;
        }
        b_start = off;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append(&b, s->u.s.p, a_end);
    shale_buf_append(&b, r->u.s.p, r->u.s.n);
    shale_buf_append(&b, s->u.s.p + b_start, total - b_start);
    return types_buf_to_value(&b, bytes ? BYTEAOID : TEXTOID, ctx->arena, out, err);
}

/* --- arrays -------------------------------------------------------------------------------- */

/* Number of dimensions of an array value (0 when empty or unreadable). */
static int arr_ndims(const Value *a, TypesArrayReader *r)
{
    SqlError e;
    memset(&e, 0, sizeof e);
    if (a->null || types_array_open(a, r, &e) < 0) {
        sql_error_clear(&e);
        return 0;
    }
    return r->ndims;
}

/* Reads a whole array into el (ctx->arena). */
static int arr_load(FuncCallCtx *ctx, const Value *a, Value **el, uint32_t *n, int32_t *lower, SqlError *err)
{
    TypesArrayReader r;
    if (types_array_open(a, &r, err) < 0)
        return -1;
    *n = r.n;
    *lower = r.lower;
    *el = shale_arena_alloc(ctx->arena, sizeof(Value) * (r.n ? r.n : 1));
    if (!*el)
        return types_oom(err);
    for (uint32_t i = 0; i < r.n; i++)
        if (types_array_next(&r, &(*el)[i], err) != 1)
            return -1;
    return 0;
}

static FN(fn_array_upper_lower)
{
    (void)nargs;
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    int64_t d = args[1].u.i - 1;
    if (r.n == 0 || d < 0 || d >= r.ndims) {
        *out = value_null(INT4OID);
        return 0;
    }
    bool upper = ctx->ret_typmod == 1;
    *out = value_int(INT4OID, upper ? (int64_t)r.lbs[d] + r.dims[d] - 1 : r.lbs[d]);
    return 0;
}

static FN(fn_array_upper)
{
    int32_t save = ctx->ret_typmod;
    ctx->ret_typmod = 1;
    int rc = fn_array_upper_lower(ctx, nargs, args, out, err);
    ctx->ret_typmod = save;
    return rc;
}

static FN(fn_array_lower)
{
    int32_t save = ctx->ret_typmod;
    ctx->ret_typmod = 0;
    int rc = fn_array_upper_lower(ctx, nargs, args, out, err);
    ctx->ret_typmod = save;
    return rc;
}

static FN(fn_array_ndims)
{
    (void)ctx; (void)nargs;
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    *out = r.n ? value_int(INT4OID, r.ndims) : value_null(INT4OID);
    return 0;
}

static FN(fn_array_dims)
{
    (void)nargs;
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    if (r.n == 0) {
        *out = value_null(TEXTOID);
        return 0;
    }
    char buf[48 * TYPES_ARRAY_MAXDIM];
    int len = 0;
    for (int d = 0; d < r.ndims; d++)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "[%d:%lld]", r.lbs[d], (long long)r.lbs[d] + r.dims[d] - 1);
    ctx->ret_type = TEXTOID;
    return fn_text_result(ctx, buf, (size_t)len, out, err);
}

static FN(fn_array_cat)
{
    (void)nargs;
    Oid et = types_array_elem(ctx->ret_type);
    if (args[0].null && args[1].null) {
        *out = value_null(ctx->ret_type);
        return 0;
    }
    if (args[0].null || args[1].null) {
        *out = args[0].null ? args[1] : args[0];
        return 0;
    }
    Value *a, *b;
    uint32_t an, bn;
    int32_t al, bl;
    TypesArrayReader ra, rb;
    int nda = arr_ndims(&args[0], &ra), ndb = arr_ndims(&args[1], &rb);
    if (arr_load(ctx, &args[0], &a, &an, &al, err) < 0 || arr_load(ctx, &args[1], &b, &bn, &bl, err) < 0)
        return -1;
    if (an == 0)
        return (*out = args[1]), 0;
    if (bn == 0)
        return (*out = args[0]), 0;
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * (an + bn));
    if (!el)
        return types_oom(err);
    memcpy(el, a, sizeof(Value) * an);
    memcpy(el + an, b, sizeof(Value) * bn);
    if (nda > 1 || ndb > 1) {
        /* PostgreSQL's array_cat: N-d || N-d stacks along dimension 1 (inner dimensions
         * equal), N-d || (N-1)-d appends (or prepends) one element of dimension 1 */
        int32_t dims[TYPES_ARRAY_MAXDIM], lbs[TYPES_ARRAY_MAXDIM];
        const TypesArrayReader *big = nda >= ndb ? &ra : &rb, *small = nda >= ndb ? &rb : &ra;
        int off = nda == ndb ? 1 : 0;
        bool ok = nda == ndb || nda == ndb + 1 || ndb == nda + 1;
        for (int d = 1; ok && d < big->ndims; d++)
            ok = big->dims[d] == small->dims[d - 1 + off] && big->lbs[d] == small->lbs[d - 1 + off];
        if (!ok) {
            SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR, "cannot concatenate incompatible arrays");
            sql_error_detail(err, nda == ndb ? "Arrays with differing element dimensions are not compatible for concatenation."
                                             : "Arrays with differing dimensions are not compatible for concatenation.");
            return -1;
        }
        for (int d = 0; d < big->ndims; d++) {
            dims[d] = big->dims[d];
            lbs[d] = big->lbs[d];
        }
        dims[0] = nda == ndb ? ra.dims[0] + rb.dims[0] : big->dims[0] + 1;
        return types_array_build_md(et, big->ndims, dims, lbs, an + bn, el, ctx->arena, out, err);
    }
    return types_array_build(et, al, an + bn, el, ctx->arena, out, err);
}

static FN(fn_array_prepend)
{
    (void)nargs;
    Oid et = types_array_elem(ctx->ret_type);
    Value *a = NULL;
    uint32_t an = 0;
    int32_t al = 1;
    TypesArrayReader rr;
    if (arr_ndims(&args[1], &rr) > 1)
        return SQL_ERR(err, DATA_EXCEPTION, "argument must be empty or one-dimensional array");
    if (!args[1].null && arr_load(ctx, &args[1], &a, &an, &al, err) < 0)
        return -1;
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * (an + 1));
    if (!el)
        return types_oom(err);
    el[0] = args[0].null ? value_null(et) : args[0];
    el[0].type = et;
    if (an)
        memcpy(el + 1, a, sizeof(Value) * an);
    (void)al;
    return types_array_build(et, 1, an + 1, el, ctx->arena, out, err);
}

/* IS NOT DISTINCT FROM on two elements of one type */
static bool arr_same(const Value *a, const Value *b)
{
    if (a->null || b->null)
        return a->null && b->null;
    return types_compare(a, b) == 0;
}

static FN(fn_array_position)
{
    if (args[0].null) {
        *out = value_null(INT4OID);
        return 0;
    }
    TypesArrayReader rr;
    if (arr_ndims(&args[0], &rr) > 1)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "searching for elements in multidimensional arrays is not supported");
    Value *a;
    uint32_t n;
    int32_t lower;
    if (arr_load(ctx, &args[0], &a, &n, &lower, err) < 0)
        return -1;
    int64_t from = 0;
    if (nargs > 2) {
        if (args[2].null)
            return SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "initial position must not be null");
        from = args[2].u.i - lower;
        if (from < 0)
            from = 0;
    }
    Value needle = args[1];
    needle.type = n ? a[0].type : needle.type;
    for (int64_t i = from; i < n; i++)
        if (arr_same(&a[i], &needle)) {
            *out = value_int(INT4OID, lower + i);
            return 0;
        }
    *out = value_null(INT4OID);
    return 0;
}

static FN(fn_array_positions)
{
    (void)nargs;
    if (args[0].null) {
        *out = value_null(INT4_ARRAYOID);
        return 0;
    }
    TypesArrayReader rr;
    if (arr_ndims(&args[0], &rr) > 1)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "searching for elements in multidimensional arrays is not supported");
    Value *a;
    uint32_t n;
    int32_t lower;
    if (arr_load(ctx, &args[0], &a, &n, &lower, err) < 0)
        return -1;
    Value *pos = shale_arena_alloc(ctx->arena, sizeof(Value) * (n ? n : 1));
    if (!pos)
        return types_oom(err);
    uint32_t k = 0;
    Value needle = args[1];
    needle.type = n ? a[0].type : needle.type;
    for (uint32_t i = 0; i < n; i++)
        if (arr_same(&a[i], &needle))
            pos[k++] = value_int(INT4OID, (int64_t)lower + i);
    return types_array_build(INT4OID, 1, k, pos, ctx->arena, out, err);
}

/* array_remove (nargs 2) and array_replace (nargs 3) */
static FN(fn_array_remove_replace)
{
    if (args[0].null) {
        *out = value_null(ctx->ret_type);
        return 0;
    }
    Oid et = types_array_elem(ctx->ret_type);
    Value *a;
    uint32_t n;
    int32_t lower;
    if (arr_load(ctx, &args[0], &a, &n, &lower, err) < 0)
        return -1;
    TypesArrayReader rr;
    int nd = arr_ndims(&args[0], &rr);
    if (nd > 1 && nargs == 2)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "removing elements from multidimensional arrays is not supported");
    Value needle = args[1];
    needle.type = et;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (arr_same(&a[i], &needle)) {
            if (nargs == 3) {
                a[k] = args[2].null ? value_null(et) : args[2];
                a[k++].type = et;
            }
            continue;
        }
        a[k++] = a[i];
    }
    if (nd > 1)   /* array_replace keeps the shape */
        return types_array_build_md(et, rr.ndims, rr.dims, rr.lbs, k, a, ctx->arena, out, err);
    return types_array_build(et, nargs == 3 || k == n ? lower : 1, k, a, ctx->arena, out, err);
}

static FN(fn_array_fill)
{
    if (args[1].null || (nargs > 2 && args[2].null))
        return SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "dimension array or low bound array cannot be null");
    Value *d, *l = NULL;
    uint32_t dn, ln = 0;
    int32_t dl, ll;
    if (arr_load(ctx, &args[1], &d, &dn, &dl, err) < 0 || (nargs > 2 && arr_load(ctx, &args[2], &l, &ln, &ll, err) < 0))
        return -1;
    if (nargs > 2 && dn != ln) {
        SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR, "wrong number of array subscripts");
        sql_error_detail(err, "Low bound array has different size than dimensions array.");
        return -1;
    }
    Oid et = types_array_elem(ctx->ret_type);
    if (dn == 0) {
        return types_array_build(et, 1, 0, NULL, ctx->arena, out, err);
    }
    if (dn > 1)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "multidimensional arrays are not supported");
    if (d[0].null || (l && l[0].null))
        return SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "dimension values cannot be null");
    int64_t cnt = d[0].u.i;
    /* PostgreSQL's ArrayGetNItems rejects a negative dimension with the size error */
    if (cnt < 0 || cnt > 134217727)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "array size exceeds the maximum allowed (134217727)");
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * (size_t)(cnt ? cnt : 1));
    if (!el)
        return types_oom(err);
    for (int64_t i = 0; i < cnt; i++) {
        el[i] = args[0].null ? value_null(et) : args[0];
        el[i].type = et;
    }
    return types_array_build(et, l ? (int32_t)l[0].u.i : 1, (uint32_t)cnt, el, ctx->arena, out, err);
}

/* a @> b: every non-null element of b is in a (NULL elements never match) */
static int arr_contains(FuncCallCtx *ctx, const Value *av, const Value *bv, bool *res, SqlError *err)
{
    Value *a, *b;
    uint32_t an, bn;
    int32_t al, bl;
    if (arr_load(ctx, av, &a, &an, &al, err) < 0 || arr_load(ctx, bv, &b, &bn, &bl, err) < 0)
        return -1;
    for (uint32_t i = 0; i < bn; i++) {
        bool found = false;
        for (uint32_t j = 0; j < an && !found && !b[i].null; j++)
            found = !a[j].null && types_compare(&a[j], &b[i]) == 0;
        if (!found) {
            *res = false;
            return 0;
        }
    }
    *res = true;
    return 0;
}

static FN(fn_array_contains)
{
    (void)nargs;
    bool r;
    if (arr_contains(ctx, &args[0], &args[1], &r, err) < 0)
        return -1;
    *out = value_bool(r);
    return 0;
}

static FN(fn_array_contained)
{
    (void)nargs;
    bool r;
    if (arr_contains(ctx, &args[1], &args[0], &r, err) < 0)
        return -1;
    *out = value_bool(r);
    return 0;
}

static FN(fn_array_overlap)
{
    (void)nargs;
    Value *a, *b;
    uint32_t an, bn;
    int32_t al, bl;
    if (arr_load(ctx, &args[0], &a, &an, &al, err) < 0 || arr_load(ctx, &args[1], &b, &bn, &bl, err) < 0)
        return -1;
    for (uint32_t i = 0; i < an; i++)
        for (uint32_t j = 0; j < bn; j++)
            if (!a[i].null && !b[j].null && types_compare(&a[i], &b[j]) == 0) {
                *out = value_bool(true);
                return 0;
            }
    *out = value_bool(false);
    return 0;
}

void types_fn_str_register(void)
{
    const Oid T = TEXTOID, I4 = INT4OID, BY = BYTEAOID, AA = TYPES_ANYARRAYOID, AE = TYPES_ANYELEMENTOID;
    SqlFunc *f = types_reg_fn("format", T, fn_format, 1, TYPES_A(T));
    f->strict = false;
    f->volatility = SQL_STABLE;
    f = types_reg_fn("format", T, fn_format, 2, TYPES_A(T, TYPES_ANYOID));
    f->variadic = true;
    f->strict = false;
    f->volatility = SQL_STABLE;
    types_reg_fn("encode", T, fn_encode, 2, TYPES_A(BY, T));
    types_reg_fn("decode", BY, fn_decode, 2, TYPES_A(T, T));
    types_reg_fn("convert_from", T, fn_convert_from, 2, TYPES_A(BY, NAMEOID))->volatility = SQL_STABLE;
    types_reg_fn("convert_to", BY, fn_convert_to, 2, TYPES_A(T, NAMEOID))->volatility = SQL_STABLE;
    types_reg_fn("string_to_array", TEXT_ARRAYOID, fn_string_to_array, 2, TYPES_A(T, T))->strict = false;
    types_reg_fn("string_to_array", TEXT_ARRAYOID, fn_string_to_array, 3, TYPES_A(T, T, T))->strict = false;
    types_reg_fn("translate", T, fn_translate, 3, TYPES_A(T, T, T));
    types_reg_fn("overlay", T, fn_overlay, 3, TYPES_A(T, T, I4));
    types_reg_fn("overlay", T, fn_overlay, 4, TYPES_A(T, T, I4, I4));
    types_reg_fn("overlay", BY, fn_overlay, 3, TYPES_A(BY, BY, I4));
    types_reg_fn("overlay", BY, fn_overlay, 4, TYPES_A(BY, BY, I4, I4));
    types_reg_fn("array_upper", I4, fn_array_upper, 2, TYPES_A(AA, I4));
    types_reg_fn("array_lower", I4, fn_array_lower, 2, TYPES_A(AA, I4));
    types_reg_fn("array_ndims", I4, fn_array_ndims, 1, TYPES_A(AA));
    types_reg_fn("array_dims", T, fn_array_dims, 1, TYPES_A(AA));
    types_reg_fn("array_cat", AA, fn_array_cat, 2, TYPES_A(AA, AA))->strict = false;
    types_reg_fn("array_prepend", AA, fn_array_prepend, 2, TYPES_A(AE, AA))->strict = false;
    types_reg_op("||", AA, AA, AA, fn_array_cat)->strict = false;
    types_reg_op("||", AE, AA, AA, fn_array_prepend)->strict = false;
    types_reg_fn("array_position", I4, fn_array_position, 2, TYPES_A(AA, AE))->strict = false;
    types_reg_fn("array_position", I4, fn_array_position, 3, TYPES_A(AA, AE, I4))->strict = false;
    types_reg_fn("array_positions", INT4_ARRAYOID, fn_array_positions, 2, TYPES_A(AA, AE))->strict = false;
    types_reg_fn("array_remove", AA, fn_array_remove_replace, 2, TYPES_A(AA, AE))->strict = false;
    types_reg_fn("array_replace", AA, fn_array_remove_replace, 3, TYPES_A(AA, AE, AE))->strict = false;
    types_reg_fn("array_fill", AA, fn_array_fill, 2, TYPES_A(AE, INT4_ARRAYOID))->strict = false;
    types_reg_fn("array_fill", AA, fn_array_fill, 3, TYPES_A(AE, INT4_ARRAYOID, INT4_ARRAYOID))->strict = false;
    types_reg_op("@>", AA, AA, BOOLOID, fn_array_contains);
    types_reg_op("<@", AA, AA, BOOLOID, fn_array_contained);
    types_reg_op("&&", AA, AA, BOOLOID, fn_array_overlap);
}
