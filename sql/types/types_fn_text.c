/* types_fn_text.c -- string functions over UTF-8 text: case mapping, lengths, substrings,
 * trimming, padding, concatenation, split_part, md5/sha256, quoting. Character positions
 * count code points as PostgreSQL does with a UTF-8 database. */
#include "sql/parser/parser.h"
#include "sql/types/types_fn.h"

#include <mbedtls/md5.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <string.h>

static int text_case(FuncCallCtx *ctx, const Value *v, int mode, Value *out, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    const char *p = v->u.s.p, *e = p + v->u.s.n;
    bool word_start = true;
    while (p < e) {
        uint32_t c;
        int l = types_utf8_decode(p, e, &c);
        uint32_t m = mode == 0 ? types_unicode_lower(c) : mode == 1 ? types_unicode_upper(c)
                   : word_start ? types_unicode_upper(c) : types_unicode_lower(c);
        bool alnum = (c < 0x80) ? ((c | 32) - 'a' < 26 || c - '0' < 10) : (types_unicode_lower(c) != c ||
                                                                          types_unicode_upper(c) != c || c >= 0xAA);
        word_start = !alnum;
        char enc[4];
        if (m == c)
            shale_buf_append(&b, p, (size_t)l);
        else
            shale_buf_append(&b, enc, (size_t)types_utf8_encode(m, enc));
        p += l;
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

FN(fn_lower) { (void)nargs; return text_case(ctx, &args[0], 0, out, err); }
FN(fn_upper) { (void)nargs; return text_case(ctx, &args[0], 1, out, err); }
FN(fn_initcap) { (void)nargs; return text_case(ctx, &args[0], 2, out, err); }

FN(fn_length)
{
    (void)ctx; (void)nargs; (void)err;
    size_t n = args[0].u.s.n;
    if (args[0].type == BPCHAROID)
        while (n > 0 && args[0].u.s.p[n - 1] == ' ')
            n--;
    *out = value_int(INT4OID, (int64_t)types_utf8_strlen(args[0].u.s.p, n));
    return 0;
}

FN(fn_octet_length)
{
    (void)ctx; (void)nargs; (void)err;
    *out = value_int(INT4OID, args[0].u.s.n);
    return 0;
}

/* byte offset of code point index i (0-based), clamped to n */
static size_t text_offset(const char *p, size_t n, int64_t i)
{
    size_t off = 0;
    while (i > 0 && off < n) {
        uint32_t c;
        off += (size_t)types_utf8_decode(p + off, p + n, &c);
        i--;
    }
    return off;
}

FN(fn_substr)
{
    const char *p = args[0].u.s.p;
    size_t n = args[0].u.s.n;
    int64_t start = args[1].u.i;             /* 1-based */
    int64_t len = INT64_MAX;
    if (nargs > 2) {
        len = args[2].u.i;
        if (len < 0)
            return SQL_ERR(err, SUBSTRING_ERROR, "negative substring length not allowed");
    }
    int64_t s0 = start - 1, e0 = len == INT64_MAX ? INT64_MAX : s0 + len;
    if (s0 < 0)
        s0 = 0;
    if (e0 <= s0)
        return fn_text_result(ctx, "", 0, out, err);
    size_t bs = text_offset(p, n, s0);
    size_t be = e0 == INT64_MAX ? n : text_offset(p, n, e0);
    if (args[0].type == BYTEAOID) {
        bs = (size_t)(s0 < (int64_t)n ? s0 : (int64_t)n);
        be = (size_t)(e0 < (int64_t)n ? e0 : (int64_t)n);
    }
    return fn_text_result(ctx, p + bs, be - bs, out, err);
}

FN(fn_strpos)
{
    (void)ctx; (void)nargs; (void)err;
    const char *h = args[0].u.s.p, *nd = args[1].u.s.p;
    size_t hn = args[0].u.s.n, nn = args[1].u.s.n;
    int64_t pos = 0;
    if (nn == 0)
        pos = 1;
    else
        for (size_t i = 0; i + nn <= hn; i++)
            if (memcmp(h + i, nd, nn) == 0) {
                pos = (int64_t)types_utf8_strlen(h, i) + 1;
                break;
            }
    *out = value_int(INT4OID, pos);
    return 0;
}

static bool text_in_set(uint32_t c, const char *set, size_t sn)
{
    const char *p = set, *e = set + sn;
    while (p < e) {
        uint32_t d;
        p += types_utf8_decode(p, e, &d);
        if (d == c)
            return true;
    }
    return false;
}

static int text_trim(FuncCallCtx *ctx, int nargs, const Value *args, bool left, bool right, Value *out, SqlError *err)
{
    const char *set = nargs > 1 ? args[1].u.s.p : " ";
    size_t sn = nargs > 1 ? args[1].u.s.n : 1;
    const char *p = args[0].u.s.p, *e = p + args[0].u.s.n;
    if (left)
        while (p < e) {
            uint32_t c;
            int l = types_utf8_decode(p, e, &c);
            if (!text_in_set(c, set, sn))
                break;
            p += l;
        }
    if (right)
        while (e > p) {
            const char *q = e - 1;
            while (q > p && ((uint8_t)*q & 0xC0) == 0x80)
                q--;
            uint32_t c;
            types_utf8_decode(q, e, &c);
            if (!text_in_set(c, set, sn))
                break;
            e = q;
        }
    return fn_text_result(ctx, p, (size_t)(e - p), out, err);
}

FN(fn_btrim) { return text_trim(ctx, nargs, args, true, true, out, err); }
FN(fn_ltrim) { return text_trim(ctx, nargs, args, true, false, out, err); }
FN(fn_rtrim) { return text_trim(ctx, nargs, args, false, true, out, err); }

FN(fn_replace)
{
    (void)nargs;
    const char *s = args[0].u.s.p, *f = args[1].u.s.p, *r = args[2].u.s.p;
    size_t sn = args[0].u.s.n, fn = args[1].u.s.n, rn = args[2].u.s.n;
    if (fn == 0)
        return fn_text_result(ctx, s, sn, out, err);
    ShaleBuf b;
    shale_buf_init(&b);
    size_t i = 0, run = 0;
    while (i + fn <= sn) {
        if (memcmp(s + i, f, fn) == 0) {
            shale_buf_append(&b, s + run, i - run);
            shale_buf_append(&b, r, rn);
            i += fn;
            run = i;
        } else {
            i++;
        }
    }
    shale_buf_append(&b, s + run, sn - run);
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

/* Appends the text form of any value (concat and friends). */
static void text_any(FuncCallCtx *ctx, const Value *v, ShaleBuf *b)
{
    if (v->type == TEXTOID || v->type == VARCHAROID || v->type == NAMEOID || v->type == UNKNOWNOID)
        shale_buf_append(b, v->u.s.p, v->u.s.n);
    else
        types_output(ctx->tc, v, b);
}

FN(fn_concat)
{
    ShaleBuf b;
    shale_buf_init(&b);
    for (int i = 0; i < nargs; i++)
        if (!args[i].null)
            text_any(ctx, &args[i], &b);
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

FN(fn_concat_ws)
{
    if (args[0].null) {
        *out = value_null(TEXTOID);
        return 0;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    bool first = true;
    for (int i = 1; i < nargs; i++) {
        if (args[i].null)
            continue;
        if (!first)
            shale_buf_append(&b, args[0].u.s.p, args[0].u.s.n);
        first = false;
        text_any(ctx, &args[i], &b);
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

FN(fn_textcat_any)
{
    /* text || anynonarray and anynonarray || text */
    (void)nargs;
    ShaleBuf b;
    shale_buf_init(&b);
    text_any(ctx, &args[0], &b);
    text_any(ctx, &args[1], &b);
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

FN(fn_left)
{
    (void)nargs;
    const char *p = args[0].u.s.p;
    size_t n = args[0].u.s.n, chars = types_utf8_strlen(p, n);
    int64_t k = args[1].u.i;
    int64_t keep = k >= 0 ? k : (int64_t)chars + k;
    if (keep < 0)
        keep = 0;
    return fn_text_result(ctx, p, text_offset(p, n, keep), out, err);
}

FN(fn_right)
{
    (void)nargs;
    const char *p = args[0].u.s.p;
    size_t n = args[0].u.s.n, chars = types_utf8_strlen(p, n);
    int64_t k = args[1].u.i;
    int64_t skip = k >= 0 ? (int64_t)chars - k : -k;
    if (skip < 0)
        skip = 0;
    size_t off = text_offset(p, n, skip);
    return fn_text_result(ctx, p + off, n - off, out, err);
}

static int text_pad(FuncCallCtx *ctx, int nargs, const Value *args, bool left, Value *out, SqlError *err)
{
    const char *p = args[0].u.s.p, *fill = nargs > 2 ? args[2].u.s.p : " ";
    size_t n = args[0].u.s.n, fn = nargs > 2 ? args[2].u.s.n : 1;
    int64_t len = args[1].u.i;
    if (len < 0)
        len = 0;
    if (len > 268435455)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "requested length too large");
    size_t chars = types_utf8_strlen(p, n);
    if ((int64_t)chars >= len || fn == 0)
        return fn_text_result(ctx, p, text_offset(p, n, len), out, err);
    ShaleBuf b;
    shale_buf_init(&b);
    int64_t need = len - (int64_t)chars;
    if (!left)
        shale_buf_append(&b, p, n);
    const char *f = fill, *fe = fill + fn;
    while (need-- > 0) {
        uint32_t c;
        int l = types_utf8_decode(f, fe, &c);
        shale_buf_append(&b, f, (size_t)l);
        f += l;
        if (f >= fe)
            f = fill;
    }
    if (left)
        shale_buf_append(&b, p, n);
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

FN(fn_lpad) { return text_pad(ctx, nargs, args, true, out, err); }
FN(fn_rpad) { return text_pad(ctx, nargs, args, false, out, err); }

FN(fn_repeat)
{
    (void)nargs;
    int64_t k = args[1].u.i;
    size_t n = args[0].u.s.n;
    if (k <= 0 || n == 0)
        return fn_text_result(ctx, "", 0, out, err);
    if ((uint64_t)k * n > (1u << 30) - 1)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "requested length too large");
    char *d = shale_arena_alloc(ctx->arena, (size_t)k * n);
    if (!d)
        return types_oom(err);
    for (int64_t i = 0; i < k; i++)
        memcpy(d + (size_t)i * n, args[0].u.s.p, n);
    *out = value_bytes(TEXTOID, d, (uint32_t)((size_t)k * n));
    return 0;
}

FN(fn_reverse)
{
    (void)nargs;
    size_t n = args[0].u.s.n;
    const char *p = args[0].u.s.p;
    char *d = shale_arena_alloc(ctx->arena, n ? n : 1);
    if (!d)
        return types_oom(err);
    size_t o = n;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int l = types_utf8_decode(p + i, p + n, &c);
        o -= (size_t)l;
        memcpy(d + o, p + i, (size_t)l);
        i += (size_t)l;
    }
    *out = value_bytes(TEXTOID, d, (uint32_t)n);
    return 0;
}

FN(fn_starts_with)
{
    (void)ctx; (void)nargs; (void)err;
    *out = value_bool(args[1].u.s.n <= args[0].u.s.n && memcmp(args[0].u.s.p, args[1].u.s.p, args[1].u.s.n) == 0);
    return 0;
}

FN(fn_split_part)
{
    (void)nargs;
    const char *s = args[0].u.s.p, *d = args[1].u.s.p;
    size_t sn = args[0].u.s.n, dn = args[1].u.s.n;
    int64_t field = args[2].u.i;
    if (field == 0)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "field position must not be zero");
    /* split into fields */
    size_t starts[1024], ends[1024];
    int nf = 0;
    if (dn == 0) {
        starts[0] = 0;
        ends[0] = sn;
        nf = 1;
    } else {
        size_t st = 0;
        for (size_t i = 0; i + dn <= sn && nf < 1023;) {
            if (memcmp(s + i, d, dn) == 0) {
                starts[nf] = st;
                ends[nf++] = i;
                i += dn;
                st = i;
            } else {
                i++;
            }
        }
        starts[nf] = st;
        ends[nf++] = sn;
    }
    if (sn == 0)
        return fn_text_result(ctx, "", 0, out, err);
    int64_t idx = field > 0 ? field - 1 : nf + field;
    if (idx < 0 || idx >= nf)
        return fn_text_result(ctx, "", 0, out, err);
    return fn_text_result(ctx, s + starts[idx], ends[idx] - starts[idx], out, err);
}

static void text_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
}

FN(fn_md5)
{
    (void)nargs;
    unsigned char dig[16];
    char hex[32];
    mbedtls_md5_context m;
    mbedtls_md5_init(&m);
    mbedtls_md5_starts_ret(&m);
    mbedtls_md5_update_ret(&m, (const unsigned char *)args[0].u.s.p, args[0].u.s.n);
    mbedtls_md5_finish_ret(&m, dig);
    mbedtls_md5_free(&m);
    text_hex(dig, 16, hex);
    return fn_text_result(ctx, hex, 32, out, err);
}

FN(fn_sha256)
{
    (void)nargs;
    unsigned char dig[32];
    mbedtls_sha256_ret((const unsigned char *)args[0].u.s.p, args[0].u.s.n, dig, 0);
    char *d = types_arena_dup(ctx->arena, dig, 32);
    if (!d)
        return types_oom(err);
    *out = value_bytes(BYTEAOID, d, 32);
    return 0;
}

FN(fn_to_hex)
{
    (void)nargs;
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%llx", args[0].type == INT4OID ? (unsigned long long)(uint32_t)args[0].u.i
                                                                         : (unsigned long long)args[0].u.i);
    return fn_text_result(ctx, buf, (size_t)len, out, err);
}

FN(fn_ascii)
{
    (void)ctx; (void)nargs; (void)err;
    uint32_t c = 0;
    if (args[0].u.s.n)
        types_utf8_decode(args[0].u.s.p, args[0].u.s.p + args[0].u.s.n, &c);
    *out = value_int(INT4OID, c);
    return 0;
}

FN(fn_chr)
{
    (void)nargs;
    int64_t c = args[0].u.i;
    if (c == 0)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "null character not permitted");
    if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "requested character too large for encoding: %lld", (long long)c);
    char enc[4];
    return fn_text_result(ctx, enc, (size_t)types_utf8_encode((uint32_t)c, enc), out, err);
}

static bool text_ident_safe(const char *p, size_t n)
{
    if (n == 0 || !((p[0] >= 'a' && p[0] <= 'z') || p[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
            return false;
    /* PostgreSQL quotes every keyword that is not unreserved ("time", "user", "select") */
    char word[64];
    if (n >= sizeof word)
        return true;
    memcpy(word, p, n);
    word[n] = '\0';
    char cat = sql_keyword_category(word);
    return cat == 0 || cat == 'U';
}

FN(fn_quote_ident)
{
    (void)nargs;
    const char *p = args[0].u.s.p;
    size_t n = args[0].u.s.n;
    if (text_ident_safe(p, n))
        return fn_text_result(ctx, p, n, out, err);
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_byte(&b, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            shale_buf_append_byte(&b, '"');
        shale_buf_append_byte(&b, (uint8_t)p[i]);
    }
    shale_buf_append_byte(&b, '"');
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

static int text_quote_literal(FuncCallCtx *ctx, const Value *v, Value *out, SqlError *err)
{
    ShaleBuf s;
    shale_buf_init(&s);
    text_any(ctx, v, &s);
    const char *p = s.data ? s.data : "";
    bool bs = memchr(p, '\\', s.len) != NULL;
    ShaleBuf b;
    shale_buf_init(&b);
    if (bs)
        shale_buf_append_byte(&b, 'E');
    shale_buf_append_byte(&b, '\'');
    for (size_t i = 0; i < s.len; i++) {
        if (p[i] == '\'' || p[i] == '\\')
            shale_buf_append_byte(&b, (uint8_t)p[i]);
        shale_buf_append_byte(&b, (uint8_t)p[i]);
    }
    shale_buf_append_byte(&b, '\'');
    shale_buf_free(&s);
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

FN(fn_quote_literal) { (void)nargs; return text_quote_literal(ctx, &args[0], out, err); }
FN(fn_quote_nullable)
{
    (void)nargs;
    if (args[0].null)
        return fn_text_result(ctx, "NULL", 4, out, err);
    return text_quote_literal(ctx, &args[0], out, err);
}
