/* types_fn_regex.c -- POSIX-style regular expressions as PostgreSQL exposes them: the ~ ~*
 * !~ !~* operators, substring(text FROM pattern), regexp_replace/match/matches/split_to_*,
 * regexp_count/like/instr/substr (PG 15), and SIMILAR TO through similar_to_escape.
 *
 * Matching is done by pcre2 after translating the PostgreSQL ARE features that differ
 * (\m \M \y \Y \Z, [[:<:]] [[:>:]]) and mapping PG's flags onto pcre2 options: "." matches
 * newlines and "$" only matches at the very end unless newline-sensitive. pcre2 is a
 * leftmost-first (Perl) engine; PostgreSQL's is leftmost-longest for patterns without
 * non-greedy quantifiers, so alternations like a|ab can pick a shorter match.
 *
 * Memory: pcre2 allocates through a general context that takes memory from an arena and
 * never frees, so compiled patterns need no cleanup. The first pattern a call site sees is
 * compiled into ctx->stmt_arena and kept in *ctx->fn_cache; a different pattern at the same
 * site (a non-constant pattern) is compiled into ctx->arena for that call only, so the
 * statement arena does not grow per row. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sql/types/types_fn.h"

#include <pcre2.h>
#include <string.h>

typedef struct RxFlags {
    uint32_t opts;       /* pcre2 compile options */
    bool glob;           /* 'g' */
} RxFlags;

typedef struct Rx {
    const char *pat;     /* the pattern text as given (for cache hits) */
    uint32_t plen;
    uint32_t opts;
    pcre2_code *code;
    uint32_t ncap;       /* capture groups */
} Rx;

static void *rx_alloc(PCRE2_SIZE n, void *arena)
{
    return shale_arena_alloc(arena, n ? n : 1);
}

static void rx_free(void *p, void *arena)
{
    (void)p; (void)arena;   /* arena memory: released with the arena */
}

#define RX_DEFAULT_OPTS (PCRE2_UTF | PCRE2_UCP | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY)

/* PostgreSQL's regex flag letters; g only where the caller allows it (glob_ok). */
static int rx_flags(const Value *v, const char *fname, bool glob_ok, RxFlags *f, SqlError *err)
{
    f->opts = RX_DEFAULT_OPTS;
    f->glob = false;
    if (!v)
        return 0;
    for (uint32_t i = 0; i < v->u.s.n; i++) {
        char c = v->u.s.p[i];
        switch (c) {
        case 'g':
            if (!glob_ok) {
                SQL_ERR(err, INVALID_PARAMETER_VALUE, "%s() does not support the \"global\" option", fname);
                if (strcmp(fname, "regexp_match") == 0)
                    sql_error_hint(err, "Use the regexp_matches function instead.");
                return -1;
            }
            f->glob = true;
            break;
        case 'b': case 'e':
            return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "basic and extended regular expressions are not supported");
        case 'c': f->opts &= ~(uint32_t)PCRE2_CASELESS; break;
        case 'i': f->opts |= PCRE2_CASELESS; break;
        case 'm': case 'n':
            f->opts = (f->opts & ~(uint32_t)(PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY)) | PCRE2_MULTILINE;
            break;
        case 'p':
            f->opts = (f->opts & ~(uint32_t)(PCRE2_DOTALL | PCRE2_MULTILINE)) | PCRE2_DOLLAR_ENDONLY;
            break;
        case 'w':
            f->opts = (f->opts & ~(uint32_t)PCRE2_DOLLAR_ENDONLY) | PCRE2_DOTALL | PCRE2_MULTILINE;
            break;
        case 's': f->opts = (f->opts & ~(uint32_t)PCRE2_MULTILINE) | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY; break;
        case 't': f->opts &= ~(uint32_t)PCRE2_EXTENDED; break;
        case 'x': f->opts |= PCRE2_EXTENDED; break;
        case 'q': f->opts |= PCRE2_LITERAL; break;
        default: {
            uint32_t cp;
            int len = types_utf8_decode(v->u.s.p + i, v->u.s.p + v->u.s.n, &cp);
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid regular expression option: \"%.*s\"", len,
                           v->u.s.p + i);
        }
        }
    }
    return 0;
}

/* PG ARE -> pcre2 syntax. Appends to b. */
static void rx_translate(const char *p, size_t n, ShaleBuf *b)
{
    bool in_br = false;
    size_t br_start = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!in_br) {
            if (c == '\\' && i + 1 < n) {
                char d = p[i + 1];
                const char *rep = d == 'm' ? "\\b(?=\\w)" : d == 'M' ? "\\b(?<=\\w)" : d == 'y' ? "\\b"
                                : d == 'Y' ? "\\B" : d == 'Z' ? "\\z" : NULL;
                if (rep)
                    shale_buf_append(b, rep, strlen(rep));
                else
                    shale_buf_append(b, p + i, 2);
                i++;
                continue;
            }
            if (c == '[' && i + 7 <= n && (memcmp(p + i, "[[:<:]]", 7) == 0 || memcmp(p + i, "[[:>:]]", 7) == 0)) {
                const char *rep = p[i + 3] == '<' ? "\\b(?=\\w)" : "\\b(?<=\\w)";
                shale_buf_append(b, rep, strlen(rep));
                i += 6;
                continue;
            }
            if (c == '[') {
                in_br = true;
                br_start = i + 1;
                if (br_start < n && p[br_start] == '^')
                    br_start++;
            }
            shale_buf_append_byte(b, c);
            continue;
        }
        /* inside a bracket expression: POSIX classes [:x:], [.x.], [=x=] pass through */
        if (c == '[' && i + 1 < n && (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
            char kind = p[i + 1];
            size_t j = i + 2;
            while (j + 1 < n && !(p[j] == kind && p[j + 1] == ']'))
                j++;
            if (j + 1 < n) {
                shale_buf_append(b, p + i, j + 2 - i);
                i = j + 1;
                continue;
            }
        }
        if (c == '\\' && i + 1 < n) {
            shale_buf_append(b, p + i, 2);
            i++;
            continue;
        }
        if (c == ']' && i != br_start)
            in_br = false;
        shale_buf_append_byte(b, c);
    }
}

/* pcre2's compile error -> PostgreSQL's wording where the cause is the same */
static int rx_compile_error(int code, SqlError *err)
{
    const char *msg = NULL;
    switch (code) {
    case PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS:
    case PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS:
        msg = "parentheses () not balanced";
        break;
    case PCRE2_ERROR_MISSING_SQUARE_BRACKET:
        msg = "brackets [] not balanced";
        break;
    case PCRE2_ERROR_QUANTIFIER_INVALID:
    case PCRE2_ERROR_QUANTIFIER_OUT_OF_ORDER:
        msg = "invalid repetition count(s)";
        break;
    case PCRE2_ERROR_END_BACKSLASH:
        msg = "invalid escape \\ sequence";
        break;
    case PCRE2_ERROR_BAD_SUBPATTERN_REFERENCE:
        msg = "invalid backreference number";
        break;
    default:
        if (code == 109)   /* quantifier does not follow a repeatable item */
            msg = "quantifier operand invalid";
        break;
    }
    if (msg)
        return SQL_ERR(err, INVALID_REGULAR_EXPRESSION, "invalid regular expression: %s", msg);
    PCRE2_UCHAR buf[160];
    pcre2_get_error_message(code, buf, sizeof buf);
    return SQL_ERR(err, INVALID_REGULAR_EXPRESSION, "invalid regular expression: %s", (const char *)buf);
}

static int rx_build(ShaleArena *a, const char *pat, size_t plen, uint32_t opts, Rx **out, SqlError *err)
{
    Rx *rx = shale_arena_alloc(a, sizeof *rx);
    char *pc = types_arena_dup(a, pat, plen);
    pcre2_general_context *gc = pcre2_general_context_create(rx_alloc, rx_free, a);
    pcre2_compile_context *cc = gc ? pcre2_compile_context_create(gc) : NULL;
    if (!rx || !pc || !cc)
        return types_oom(err);
    ShaleBuf b;
    shale_buf_init(&b);
    if (opts & PCRE2_LITERAL)
        shale_buf_append(&b, pat, plen);
    else
        rx_translate(pat, plen, &b);
    if (b.oom) {
        shale_buf_free(&b);
        return types_oom(err);
    }
    int ecode;
    PCRE2_SIZE eoff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(b.data ? b.data : ""), b.len, opts, &ecode, &eoff, cc);
    shale_buf_free(&b);
    if (!code)
        return rx_compile_error(ecode, err);
    rx->pat = pc;
    rx->plen = (uint32_t)plen;
    rx->opts = opts;
    rx->code = code;
    uint32_t nc = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &nc);
    rx->ncap = nc;
    *out = rx;
    return 0;
}

static int rx_get(FuncCallCtx *ctx, const Value *pat, uint32_t opts, Rx **out, SqlError *err)
{
    Rx *cached = ctx->fn_cache ? *ctx->fn_cache : NULL;
    if (cached && cached->opts == opts && cached->plen == pat->u.s.n && memcmp(cached->pat, pat->u.s.p, pat->u.s.n) == 0) {
        *out = cached;
        return 0;
    }
    if (ctx->fn_cache && !cached && ctx->stmt_arena) {
        if (rx_build(ctx->stmt_arena, pat->u.s.p, pat->u.s.n, opts, out, err) < 0)
            return -1;
        *ctx->fn_cache = *out;
        return 0;
    }
    return rx_build(ctx->arena, pat->u.s.p, pat->u.s.n, opts, out, err);
}

/* One match attempt at byte offset start. Returns 1 and ov (2 * (ncap + 1) offsets; unset
 * groups are PCRE2_UNSET), 0 for no match, -1 on error. md lives in ctx->arena. */
static int rx_exec(FuncCallCtx *ctx, const Rx *rx, const Value *s, size_t start, pcre2_match_data **md,
                   PCRE2_SIZE **ov, SqlError *err)
{
    if (!*md) {
        pcre2_general_context *gc = pcre2_general_context_create(rx_alloc, rx_free, ctx->arena);
        *md = gc ? pcre2_match_data_create_from_pattern(rx->code, gc) : NULL;
        if (!*md)
            return types_oom(err);
    }
    if (ctx->hooks.cancelled && ctx->hooks.cancelled(ctx->hooks.arg))
        return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
    int rc = pcre2_match(rx->code, (PCRE2_SPTR)(s->u.s.n ? s->u.s.p : ""), s->u.s.n, start, 0, *md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
            return SQL_ERR(err, CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\"");
        PCRE2_UCHAR buf[160];
        pcre2_get_error_message(rc, buf, sizeof buf);
        return SQL_ERR(err, INVALID_REGULAR_EXPRESSION, "regular expression failed: %s", (const char *)buf);
    }
    *ov = pcre2_get_ovector_pointer(*md);
    return 1;
}

/* byte offset of the next character after off */
static size_t rx_next_char(const Value *s, size_t off)
{
    if (off >= s->u.s.n)
        return off + 1;
    uint32_t cp;
    return off + (size_t)types_utf8_decode(s->u.s.p + off, s->u.s.p + s->u.s.n, &cp);
}

static size_t rx_char_pos(const Value *s, size_t byte_off)
{
    return types_utf8_strlen(s->u.s.p, byte_off);
}

/* byte offset of the 0-based character index ci (clamped to the end) */
static size_t rx_byte_of_char(const Value *s, int64_t ci)
{
    size_t off = 0;
    while (ci-- > 0 && off < s->u.s.n)
        off = rx_next_char(s, off);
    return off > s->u.s.n ? s->u.s.n : off;
}

/* --- operators --------------------------------------------------------------------------- */

static int rx_op(FuncCallCtx *ctx, const Value *args, bool icase, bool negate, Value *out, SqlError *err)
{
    Rx *rx;
    if (rx_get(ctx, &args[1], RX_DEFAULT_OPTS | (icase ? PCRE2_CASELESS : 0), &rx, err) < 0)
        return -1;
    pcre2_match_data *md = NULL;
    PCRE2_SIZE *ov;
    int rc = rx_exec(ctx, rx, &args[0], 0, &md, &ov, err);
    if (rc < 0)
        return -1;
    *out = value_bool((rc == 1) != negate);
    return 0;
}

static FN(fn_rx_match) { (void)nargs; return rx_op(ctx, args, false, false, out, err); }
static FN(fn_rx_imatch) { (void)nargs; return rx_op(ctx, args, true, false, out, err); }
static FN(fn_rx_nomatch) { (void)nargs; return rx_op(ctx, args, false, true, out, err); }
static FN(fn_rx_inomatch) { (void)nargs; return rx_op(ctx, args, true, true, out, err); }

/* substring(text FROM pattern): the first parenthesized group if any, else the match */
static FN(fn_rx_substring)
{
    (void)nargs;
    Rx *rx;
    if (rx_get(ctx, &args[1], RX_DEFAULT_OPTS, &rx, err) < 0)
        return -1;
    pcre2_match_data *md = NULL;
    PCRE2_SIZE *ov;
    int rc = rx_exec(ctx, rx, &args[0], 0, &md, &ov, err);
    if (rc <= 0) {
        *out = value_null(TEXTOID);
        return rc;
    }
    int g = rx->ncap > 0 ? 1 : 0;
    if (ov[2 * g] == PCRE2_UNSET) {
        *out = value_null(TEXTOID);
        return 0;
    }
    return fn_text_result(ctx, args[0].u.s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g], out, err);
}

/* --- regexp_replace ------------------------------------------------------------------------ */

static void rx_append_replacement(const Value *src, const Value *rep, const PCRE2_SIZE *ov, uint32_t ncap,
                                  ShaleBuf *b)
{
    const char *r = rep->u.s.p;
    uint32_t n = rep->u.s.n;
    for (uint32_t i = 0; i < n; i++) {
        if (r[i] == '\\' && i + 1 < n) {
            char d = r[i + 1];
            int g = -1;
            if (d >= '1' && d <= '9')
                g = d - '0';
            else if (d == '&')
                g = 0;
            if (g >= 0) {
                if ((uint32_t)g <= ncap && ov[2 * g] != PCRE2_UNSET)
                    shale_buf_append(b, src->u.s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
                i++;
                continue;
            }
            if (d == '\\') {
                shale_buf_append_byte(b, '\\');
                i++;
                continue;
            }
        }
        shale_buf_append_byte(b, r[i]);
    }
}

/* regexp_replace(source, pattern, replacement [, start [, n]] [, flags]) */
static int rx_replace(FuncCallCtx *ctx, const Value *src, const Value *pat, const Value *rep, int64_t start, int64_t nth,
                      const Value *flags, Value *out, SqlError *err)
{
    if (start <= 0)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": %lld", "start",
                       (long long)start);
    if (nth < 0 && nth != -1)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": %lld", "n", (long long)nth);
    RxFlags f;
    if (rx_flags(flags, "regexp_replace", true, &f, err) < 0)
        return -1;
    if (nth == -1)   /* 3/4-argument forms: all matches with g, else the first */
        nth = f.glob ? 0 : 1;
    Rx *rx;
    if (rx_get(ctx, pat, f.opts, &rx, err) < 0)
        return -1;
    ShaleBuf b;
    shale_buf_init(&b);
    size_t pos = rx_byte_of_char(src, start - 1), copied = 0;
    pcre2_match_data *md = NULL;
    PCRE2_SIZE *ov;
    int64_t count = 0;
    int rc = 0;
    while (pos <= src->u.s.n) {
        rc = rx_exec(ctx, rx, src, pos, &md, &ov, err);
        if (rc <= 0)
            break;
        count++;
        if (nth == 0 || count == nth) {
            shale_buf_append(&b, src->u.s.p + copied, ov[0] - copied);
            rx_append_replacement(src, rep, ov, rx->ncap, &b);
            copied = ov[1];
            if (nth != 0)
                break;
        }
        pos = ov[1] == ov[0] ? rx_next_char(src, ov[1]) : ov[1];
    }
    if (rc < 0) {
        shale_buf_free(&b);
        return -1;
    }
    shale_buf_append(&b, src->u.s.p + copied, src->u.s.n - copied);
    if (b.oom) {
        shale_buf_free(&b);
        return types_oom(err);
    }
    int r = fn_text_result(ctx, b.data ? b.data : "", b.len, out, err);
    shale_buf_free(&b);
    return r;
}

static FN(fn_regexp_replace)
{
    /* (s, p, r) (s, p, r, flags) (s, p, r, start) (s, p, r, start, n) (s, p, r, start, n, flags) */
    int64_t start = 1, nth = -1;
    const Value *flags = NULL;
    if (nargs == 4 && ctx->arg_types && ctx->arg_types[3] == TEXTOID)
        flags = &args[3];
    else if (nargs >= 4)
        start = args[3].u.i;
    if (nargs >= 5) {
        nth = args[4].u.i;
        if (nth < 0)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": %lld", "n", (long long)nth);
    }
    if (nargs >= 6)
        flags = &args[5];
    return rx_replace(ctx, &args[0], &args[1], &args[2], start, nth, flags, out, err);
}

/* --- match arrays -------------------------------------------------------------------------- */

/* text[] of the groups of one match (or the whole match when the pattern has none) */
static int rx_match_array(FuncCallCtx *ctx, const Rx *rx, const Value *s, const PCRE2_SIZE *ov, Value *out,
                          SqlError *err)
{
    uint32_t n = rx->ncap ? rx->ncap : 1;
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * n);
    if (!el)
        return types_oom(err);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t g = rx->ncap ? i + 1 : 0;
        if (ov[2 * g] == PCRE2_UNSET)
            el[i] = value_null(TEXTOID);
        else
            el[i] = value_bytes(TEXTOID, s->u.s.p + ov[2 * g], (uint32_t)(ov[2 * g + 1] - ov[2 * g]));
    }
    return types_array_build(TEXTOID, 1, n, el, ctx->arena, out, err);
}

static FN(fn_regexp_match)
{
    RxFlags f;
    if (rx_flags(nargs > 2 ? &args[2] : NULL, "regexp_match", false, &f, err) < 0)
        return -1;
    Rx *rx;
    if (rx_get(ctx, &args[1], f.opts, &rx, err) < 0)
        return -1;
    pcre2_match_data *md = NULL;
    PCRE2_SIZE *ov;
    int rc = rx_exec(ctx, rx, &args[0], 0, &md, &ov, err);
    if (rc <= 0) {
        *out = value_null(TEXT_ARRAYOID);
        return rc;
    }
    return rx_match_array(ctx, rx, &args[0], ov, out, err);
}

/* regexp_matches / regexp_split_to_table share one iterator */
typedef struct SrfRx {
    Value s;
    Rx *rx;
    pcre2_match_data *md;
    size_t pos, prev_end;
    bool glob, split, done;
} SrfRx;

static int rx_srf_setup(FuncCallCtx *ctx, SrfRx *st, int nargs, const Value *args, bool split, SqlError *err)
{
    RxFlags f;
    if (rx_flags(nargs > 2 ? &args[2] : NULL, split ? (ctx->ret_type == TEXTOID ? "regexp_split_to_table"
                                                                                 : "regexp_split_to_array")
                                                    : "regexp_matches",
                 !split, &f, err) < 0)
        return -1;
    memset(st, 0, sizeof *st);
    st->s = args[0];
    st->glob = split || f.glob;
    st->split = split;
    if (rx_get(ctx, &args[1], f.opts, &st->rx, err) < 0)
        return -1;
    /* The match data must live as long as the state (ctx->arena at open): the executor may
     * hand next() a per-row arena that is reset between rows. */
    pcre2_general_context *gc = pcre2_general_context_create(rx_alloc, rx_free, ctx->arena);
    st->md = gc ? pcre2_match_data_create_from_pattern(st->rx->code, gc) : NULL;
    return st->md ? 0 : types_oom(err);
}

/* next match; split mode skips PostgreSQL's "degenerate" matches (empty at the start/end
 * or right after the previous match). 1 = match in *ov, 0 = none left. */
static int rx_srf_match(FuncCallCtx *ctx, SrfRx *st, PCRE2_SIZE **ov, SqlError *err)
{
    while (!st->done && st->pos <= st->s.u.s.n) {
        int rc = rx_exec(ctx, st->rx, &st->s, st->pos, &st->md, ov, err);
        if (rc <= 0) {
            st->done = true;
            return rc;
        }
        PCRE2_SIZE so = (*ov)[0], eo = (*ov)[1];
        st->pos = so == eo ? rx_next_char(&st->s, eo) : eo;
        if (!st->glob)
            st->done = true;
        if (st->split && !(so < st->s.u.s.n && eo > st->prev_end))
            continue;
        return 1;
    }
    return 0;
}

static int rxm_open(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    return rx_srf_setup(ctx, state, nargs, args, false, err);
}

static int rxm_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    SrfRx *st = state;
    PCRE2_SIZE *ov;
    int rc = rx_srf_match(ctx, st, &ov, err);
    if (rc <= 0)
        return rc;
    return rx_match_array(ctx, st->rx, &st->s, ov, out, err) < 0 ? -1 : 1;
}

static const SqlSrfImpl srf_regexp_matches = { sizeof(SrfRx), 1, NULL, NULL, rxm_open, rxm_next };

static int rxs_open(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    return rx_srf_setup(ctx, state, nargs, args, true, err);
}

static int rxs_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    SrfRx *st = state;
    if (st->prev_end > st->s.u.s.n)
        return 0;
    PCRE2_SIZE *ov;
    int rc = rx_srf_match(ctx, st, &ov, err);
    if (rc < 0)
        return -1;
    size_t piece_end = rc == 1 ? ov[0] : st->s.u.s.n;
    *out = value_bytes(TEXTOID, st->s.u.s.p + st->prev_end, (uint32_t)(piece_end - st->prev_end));
    st->prev_end = rc == 1 ? ov[1] : st->s.u.s.n + 1;
    return 1;
}

static const SqlSrfImpl srf_regexp_split = { sizeof(SrfRx), 1, NULL, NULL, rxs_open, rxs_next };

static FN(fn_regexp_split_to_array)
{
    SrfRx st;
    Oid save = ctx->ret_type;
    ctx->ret_type = TEXT_ARRAYOID;
    int rc = rx_srf_setup(ctx, &st, nargs, args, true, err);
    ctx->ret_type = save;
    if (rc < 0)
        return -1;
    size_t cap = 16, n = 0;
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * cap);
    if (!el)
        return types_oom(err);
    Value v;
    while ((rc = rxs_next(ctx, &st, &v, err)) == 1) {
        if (n == cap) {
            Value *ne = shale_arena_alloc(ctx->arena, sizeof(Value) * cap * 2);
            if (!ne)
                return types_oom(err);
            memcpy(ne, el, sizeof(Value) * n);
            el = ne;
            cap *= 2;
        }
        el[n++] = v;
    }
    if (rc < 0)
        return -1;
    return types_array_build(TEXTOID, 1, (uint32_t)n, el, ctx->arena, out, err);
}

/* --- PG 15: regexp_count / like / instr / substr ---------------------------------------------- */

static int rx_param(SqlError *err, const char *name, int64_t v)
{
    return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": %lld", name, (long long)v);
}

/* Finds the nth match (1-based) starting at character start; 1 = found (ov set). */
static int rx_nth(FuncCallCtx *ctx, const Value *s, const Value *pat, const Value *flags, const char *fname,
                  int64_t start, int64_t nth, Rx **rxo, PCRE2_SIZE **ov, int64_t *count_out, SqlError *err)
{
    if (start <= 0)
        return rx_param(err, "start", start);
    RxFlags f;
    if (rx_flags(flags, fname, false, &f, err) < 0)
        return -1;
    if (rx_get(ctx, pat, f.opts, rxo, err) < 0)
        return -1;
    pcre2_match_data *md = NULL;
    size_t pos = rx_byte_of_char(s, start - 1);
    if ((size_t)(start - 1) > types_utf8_strlen(s->u.s.p, s->u.s.n))
        pos = s->u.s.n + 1;
    int64_t count = 0;
    while (pos <= s->u.s.n) {
        int rc = rx_exec(ctx, *rxo, s, pos, &md, ov, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        count++;
        if (nth > 0 && count == nth)
            return 1;
        pos = (*ov)[1] == (*ov)[0] ? rx_next_char(s, (*ov)[1]) : (*ov)[1];
    }
    if (count_out)
        *count_out = count;
    return 0;
}

static FN(fn_regexp_count)
{
    int64_t start = nargs > 2 ? args[2].u.i : 1, count = 0;
    Rx *rx;
    PCRE2_SIZE *ov;
    if (rx_nth(ctx, &args[0], &args[1], nargs > 3 ? &args[3] : NULL, "regexp_count", start, 0, &rx, &ov, &count,
               err) < 0)
        return -1;
    *out = value_int(INT4OID, count);
    return 0;
}

static FN(fn_regexp_like)
{
    Rx *rx;
    PCRE2_SIZE *ov;
    int rc = rx_nth(ctx, &args[0], &args[1], nargs > 2 ? &args[2] : NULL, "regexp_like", 1, 1, &rx, &ov, NULL, err);
    if (rc < 0)
        return -1;
    *out = value_bool(rc == 1);
    return 0;
}

static FN(fn_regexp_instr)
{
    int64_t start = nargs > 2 ? args[2].u.i : 1, nth = nargs > 3 ? args[3].u.i : 1;
    int64_t endopt = nargs > 4 ? args[4].u.i : 0, sub = nargs > 6 ? args[6].u.i : 0;
    if (start <= 0)
        return rx_param(err, "start", start);
    if (nth <= 0)
        return rx_param(err, "n", nth);
    if (endopt != 0 && endopt != 1)
        return rx_param(err, "endoption", endopt);
    if (sub < 0)
        return rx_param(err, "subexpr", sub);
    Rx *rx;
    PCRE2_SIZE *ov;
    int rc = rx_nth(ctx, &args[0], &args[1], nargs > 5 ? &args[5] : NULL, "regexp_instr", start, nth, &rx, &ov, NULL,
                    err);
    if (rc < 0)
        return -1;
    if (rc == 0 || sub > rx->ncap || ov[2 * sub] == PCRE2_UNSET) {
        *out = value_int(INT4OID, 0);
        return 0;
    }
    *out = value_int(INT4OID, (int64_t)rx_char_pos(&args[0], endopt ? ov[2 * sub + 1] : ov[2 * sub]) + 1);
    return 0;
}

static FN(fn_regexp_substr)
{
    int64_t start = nargs > 2 ? args[2].u.i : 1, nth = nargs > 3 ? args[3].u.i : 1, sub = nargs > 5 ? args[5].u.i : 0;
    if (start <= 0)
        return rx_param(err, "start", start);
    if (nth <= 0)
        return rx_param(err, "n", nth);
    if (sub < 0)
        return rx_param(err, "subexpr", sub);
    Rx *rx;
    PCRE2_SIZE *ov;
    int rc = rx_nth(ctx, &args[0], &args[1], nargs > 4 ? &args[4] : NULL, "regexp_substr", start, nth, &rx, &ov, NULL,
                    err);
    if (rc < 0)
        return -1;
    if (rc == 0 || sub > rx->ncap || ov[2 * sub] == PCRE2_UNSET) {
        *out = value_null(TEXTOID);
        return 0;
    }
    return fn_text_result(ctx, args[0].u.s.p + ov[2 * sub], ov[2 * sub + 1] - ov[2 * sub], out, err);
}

/* --- SIMILAR TO --------------------------------------------------------------------------- */

/* PostgreSQL's similar_escape: SQL regex -> ARE anchored as ^(?:...)$; escape-double-quote
 * separators split it into three parts, the middle one captured (for substring SIMILAR). */
static int rx_similar(FuncCallCtx *ctx, const Value *pat, const Value *esc, Value *out, SqlError *err)
{
    const char *e = "\\";
    int elen = 1;
    if (esc) {
        if (esc->u.s.n == 0) {
            elen = 0;
        } else {
            uint32_t cp;
            elen = types_utf8_decode(esc->u.s.p, esc->u.s.p + esc->u.s.n, &cp);
            if ((uint32_t)elen != esc->u.s.n) {
                SQL_ERR(err, INVALID_ESCAPE_SEQUENCE, "invalid escape string");
                sql_error_hint(err, "Escape string must be empty or one character.");
                return -1;
            }
            e = esc->u.s.p;
        }
    }
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append(&b, "^(?:", 4);
    const char *p = pat->u.s.p, *end = p + pat->u.s.n;
    bool after_esc = false, in_class = false;
    int class_pos = 0, nquotes = 0;
    while (p < end) {
        uint32_t cp;
        int len = types_utf8_decode(p, end, &cp);
        char c = *p;
        if (after_esc) {
            if (c == '"' && !in_class) {
                if (nquotes == 0) {
                    shale_buf_append(&b, "){1,1}?(", 8);
                } else if (nquotes == 1) {
                    shale_buf_append(&b, "){1,1}(?:", 9);
                } else {
                    shale_buf_free(&b);
                    /* PostgreSQL: 2200C, which src/catalog/errcodes.def lacks */
                    return SQL_ERR(err, INVALID_REGULAR_EXPRESSION,
                                   "SQL regular expression may not contain more than two escape-double-quote separators");
                }
                nquotes++;
            } else {
                shale_buf_append_byte(&b, '\\');
                shale_buf_append(&b, p, (size_t)len);
            }
            after_esc = false;
        } else if (elen && len == elen && memcmp(p, e, (size_t)elen) == 0) {
            after_esc = true;
        } else if (in_class) {
            if (c == '\\')
                shale_buf_append_byte(&b, '\\');
            shale_buf_append(&b, p, (size_t)len);
            if (c == ']' && class_pos > 2)
                in_class = false;
            else if (c == '^')
                class_pos++;
            else
                class_pos = 3;
        } else if (c == '[') {
            shale_buf_append_byte(&b, '[');
            in_class = true;
            class_pos = 1;
        } else if (c == '%') {
            shale_buf_append(&b, ".*", 2);
        } else if (c == '_') {
            shale_buf_append_byte(&b, '.');
        } else if (c == '(') {
            shale_buf_append(&b, "(?:", 3);
        } else if (c == '\\' || c == '.' || c == '^' || c == '$') {
            shale_buf_append_byte(&b, '\\');
            shale_buf_append_byte(&b, c);
        } else {
            shale_buf_append(&b, p, (size_t)len);
        }
        p += len;
    }
    shale_buf_append(&b, ")$", 2);
    if (b.oom) {
        shale_buf_free(&b);
        return types_oom(err);
    }
    int rc = fn_text_result(ctx, b.data, b.len, out, err);
    shale_buf_free(&b);
    return rc;
}

static FN(fn_similar_to_escape)
{
    return rx_similar(ctx, &args[0], nargs > 1 ? &args[1] : NULL, out, err);
}

/* similar_escape(pattern, escape): the pre-PG 13 non-strict spelling; NULL pattern -> NULL,
 * NULL escape -> the default backslash */
static FN(fn_similar_escape)
{
    if (args[0].null) {
        *out = value_null(TEXTOID);
        return 0;
    }
    return rx_similar(ctx, &args[0], args[1].null ? NULL : &args[1], out, err);
}

/* substring(s, pattern, escape) = substring(s, similar_escape(pattern, escape)) */
static FN(fn_similar_substring)
{
    (void)nargs;
    Value re;
    if (rx_similar(ctx, &args[1], &args[2], &re, err) < 0)
        return -1;
    Value a2[2] = { args[0], re };
    void **save = ctx->fn_cache;
    ctx->fn_cache = NULL;   /* the translated pattern is per call */
    int rc = fn_rx_substring(ctx, 2, a2, out, err);
    ctx->fn_cache = save;
    return rc;
}

void types_fn_regex_register(void)
{
    const Oid T = TEXTOID, I4 = INT4OID, B = BOOLOID;
    types_reg_op("~", T, T, B, fn_rx_match);
    types_reg_op("~*", T, T, B, fn_rx_imatch);
    types_reg_op("!~", T, T, B, fn_rx_nomatch);
    types_reg_op("!~*", T, T, B, fn_rx_inomatch);
    types_reg_op("~", BPCHAROID, T, B, fn_rx_match);
    types_reg_op("~*", BPCHAROID, T, B, fn_rx_imatch);
    types_reg_op("!~", BPCHAROID, T, B, fn_rx_nomatch);
    types_reg_op("!~*", BPCHAROID, T, B, fn_rx_inomatch);
    types_reg_op("~", NAMEOID, T, B, fn_rx_match);
    types_reg_op("!~", NAMEOID, T, B, fn_rx_nomatch);
    types_reg_fn("substring", T, fn_rx_substring, 2, TYPES_A(T, T));
    types_reg_fn("substring", T, fn_similar_substring, 3, TYPES_A(T, T, T));
    types_reg_fn("textregexsubstr", T, fn_rx_substring, 2, TYPES_A(T, T));
    types_reg_fn("regexp_replace", T, fn_regexp_replace, 3, TYPES_A(T, T, T));
    types_reg_fn("regexp_replace", T, fn_regexp_replace, 4, TYPES_A(T, T, T, T));
    types_reg_fn("regexp_replace", T, fn_regexp_replace, 4, TYPES_A(T, T, T, I4));
    types_reg_fn("regexp_replace", T, fn_regexp_replace, 5, TYPES_A(T, T, T, I4, I4));
    types_reg_fn("regexp_replace", T, fn_regexp_replace, 6, TYPES_A(T, T, T, I4, I4, T));
    types_reg_fn("regexp_match", TEXT_ARRAYOID, fn_regexp_match, 2, TYPES_A(T, T));
    types_reg_fn("regexp_match", TEXT_ARRAYOID, fn_regexp_match, 3, TYPES_A(T, T, T));
    types_reg_srf("regexp_matches", TEXT_ARRAYOID, &srf_regexp_matches, 2, TYPES_A(T, T));
    types_reg_srf("regexp_matches", TEXT_ARRAYOID, &srf_regexp_matches, 3, TYPES_A(T, T, T));
    types_reg_fn("regexp_split_to_array", TEXT_ARRAYOID, fn_regexp_split_to_array, 2, TYPES_A(T, T));
    types_reg_fn("regexp_split_to_array", TEXT_ARRAYOID, fn_regexp_split_to_array, 3, TYPES_A(T, T, T));
    types_reg_srf("regexp_split_to_table", T, &srf_regexp_split, 2, TYPES_A(T, T));
    types_reg_srf("regexp_split_to_table", T, &srf_regexp_split, 3, TYPES_A(T, T, T));
    types_reg_fn("regexp_count", I4, fn_regexp_count, 2, TYPES_A(T, T));
    types_reg_fn("regexp_count", I4, fn_regexp_count, 3, TYPES_A(T, T, I4));
    types_reg_fn("regexp_count", I4, fn_regexp_count, 4, TYPES_A(T, T, I4, T));
    types_reg_fn("regexp_like", B, fn_regexp_like, 2, TYPES_A(T, T));
    types_reg_fn("regexp_like", B, fn_regexp_like, 3, TYPES_A(T, T, T));
    static const Oid instr[7] = { TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID, TEXTOID, INT4OID };
    for (int n = 2; n <= 7; n++)
        types_reg_fn("regexp_instr", I4, fn_regexp_instr, n, instr);
    static const Oid substr[6] = { TEXTOID, TEXTOID, INT4OID, INT4OID, TEXTOID, INT4OID };
    for (int n = 2; n <= 6; n++)
        types_reg_fn("regexp_substr", T, fn_regexp_substr, n, substr);
    types_reg_fn("similar_to_escape", T, fn_similar_to_escape, 1, TYPES_A(T));
    types_reg_fn("similar_to_escape", T, fn_similar_to_escape, 2, TYPES_A(T, T));
    types_reg_fn("similar_escape", T, fn_similar_escape, 2, TYPES_A(T, T))->strict = false;
}
