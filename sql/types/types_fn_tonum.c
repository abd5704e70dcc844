/* types_fn_tonum.c -- PostgreSQL's numeric formatting templates: to_char(int2/int4/int8/
 * float4/float8/numeric, text) and to_number(text, text).
 *
 * The value is first rendered as plain digits rounded to the template's fraction digits
 * ("12.50", no sign), or as '#' when it has more integer digits than the template; the
 * template is then walked (PostgreSQL's NUM_processor): 9 prints a digit or a blank, 0 a
 * digit or a zero, the default sign goes right before the first printed digit (a blank
 * for positives unless FM), S/MI/PL/SG place it explicitly, FM drops padding and trailing
 * fraction zeros of 9 positions, EEEE switches to scientific notation, RN to roman. */
#include "sql/types/types_fn_tochar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum NumTok { NT_LIT, NT_9, NT_0, NT_DEC, NT_COMMA, NT_S, NT_MI, NT_PL, NT_SG, NT_EEEE, NT_TH, NT_th,
                      NT_RN, NT_rn, NT_V, NT_L, NT_B } NumTok;

typedef struct NumItem {
    NumTok t;
    char c;            /* NT_LIT */
} NumItem;

typedef struct NumFmt {
    NumItem *items;
    int n;
    int pre, post, multi;
    int zero_start;    /* 1-based digit position of the first '0' (0 = none) */
    int zero_end;
    bool fm, decimal, eeee, roman, minus, plus, lsign, bracket;
    bool lsign_post;   /* S after the digits */
} NumFmt;

static int nf_parse(const char *s, size_t n, ShaleArena *a, NumFmt *f, SqlError *err)
{
    memset(f, 0, sizeof *f);
    f->items = shale_arena_alloc(a, sizeof(NumItem) * (n + 1));
    if (!f->items)
        return types_oom(err);
    const char *p = s, *e = s + n;
    int digits = 0;
    bool after_v = false;
    while (p < e) {
        NumItem it = { NT_LIT, 0 };
        size_t len = 1;
        char c = *p;
        if (c == '9' || c == '0') {
            it.t = c == '9' ? NT_9 : NT_0;
            digits++;
            if (c == '0') {
                if (!f->zero_start)
                    f->zero_start = digits;
                f->zero_end = digits;
            }
            if (after_v)
                f->multi++;
            if (f->decimal && !after_v)
                f->post++;
            else
                f->pre++;
        } else if (c == '.' || c == 'D' || c == 'd') {
            if (f->decimal)
                return SQL_ERR(err, SYNTAX_ERROR, "multiple decimal points");
            it.t = NT_DEC;
            f->decimal = true;
        } else if (c == ',' || c == 'G' || c == 'g') {
            it.t = NT_COMMA;
        } else if ((c == 'F' || c == 'f') && e - p >= 2 && (p[1] == 'M' || p[1] == 'm')) {
            f->fm = true;
            p += 2;
            continue;
        } else if (e - p >= 2 && (memcmp(p, "MI", 2) == 0 || memcmp(p, "mi", 2) == 0)) {
            it.t = NT_MI;
            f->minus = true;
            len = 2;
        } else if (e - p >= 2 && (memcmp(p, "PL", 2) == 0 || memcmp(p, "pl", 2) == 0)) {
            it.t = NT_PL;
            f->plus = true;
            len = 2;
        } else if (e - p >= 2 && (memcmp(p, "SG", 2) == 0 || memcmp(p, "sg", 2) == 0)) {
            it.t = NT_SG;
            f->minus = f->plus = true;
            len = 2;
        } else if (c == 'S' || c == 's') {
            it.t = NT_S;
            f->lsign = true;
            f->lsign_post = digits > 0;
        } else if (e - p >= 4 && (memcmp(p, "EEEE", 4) == 0 || memcmp(p, "eeee", 4) == 0)) {
            it.t = NT_EEEE;
            f->eeee = true;
            len = 4;
        } else if (e - p >= 2 && memcmp(p, "TH", 2) == 0) {
            it.t = NT_TH;
            len = 2;
        } else if (e - p >= 2 && memcmp(p, "th", 2) == 0) {
            it.t = NT_th;
            len = 2;
        } else if (e - p >= 2 && (memcmp(p, "RN", 2) == 0 || memcmp(p, "rn", 2) == 0)) {
            it.t = c == 'R' ? NT_RN : NT_rn;
            f->roman = true;
            len = 2;
        } else if (c == 'V' || c == 'v') {
            it.t = NT_V;
            after_v = true;
        } else if (c == 'L' || c == 'l') {
            it.t = NT_L;
        } else if (c == 'B' || c == 'b') {
            it.t = NT_B;
        } else if (c == '"') {
            p++;
            while (p < e && *p != '"') {
                if (*p == '\\' && p + 1 < e)
                    p++;
                f->items[f->n].t = NT_LIT;
                f->items[f->n++].c = *p++;
            }
            if (p < e)
                p++;
            continue;
        } else {
            if (c == '\\' && e - p >= 2 && p[1] == '"') {
                p++;
                c = '"';
            }
            it.c = c;
        }
        f->items[f->n++] = it;
        p += len;
    }
    if (f->eeee && (f->pre + f->post == 0 || f->roman))
        return SQL_ERR(err, SYNTAX_ERROR, "\"EEEE\" is incompatible with other formats");
    return 0;
}

static void nf_roman(int64_t v, bool upper, bool fm, ShaleBuf *out)
{
    static const char *const r1[] = { "", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX" };
    static const char *const r10[] = { "", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC" };
    static const char *const r100[] = { "", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM" };
    char buf[32];
    if (v < 1 || v > 3999) {
        snprintf(buf, sizeof buf, "%s", "###############");
    } else {
        char tmp[24] = "";
        int k = 0;
        for (int i = 0; i < (int)(v / 1000); i++)
            tmp[k++] = 'M';
        tmp[k] = 0;
        snprintf(buf, sizeof buf, "%s%s%s%s", tmp, r100[(v / 100) % 10], r10[(v / 10) % 10], r1[v % 10]);
    }
    if (!upper)
        for (char *q = buf; *q; q++)
            if (*q >= 'A' && *q <= 'Z')
                *q = (char)(*q + 32);
    size_t n = strlen(buf);
    if (!fm)
        for (size_t i = n; i < 15; i++)
            shale_buf_append_byte(out, ' ');
    shale_buf_append(out, buf, n);
}

/* NUM_processor for to_char: number is "digits[.digits]" (or '#'s), sign '-' or '+'. */
static void nf_emit(const NumFmt *f, const char *number, char sign, int out_pre_spaces, ShaleBuf *out)
{
    const char *np = number;
    const char *last_relevant = NULL;
    if (f->fm && f->decimal) {
        const char *dot = strchr(number, '.');
        if (dot) {
            last_relevant = dot;
            for (const char *q = dot + 1; *q; q++)
                if (*q != '0')
                    last_relevant = q;
        }
    }
    bool sign_wrote;
    if (f->plus || f->minus)
        sign_wrote = !(f->plus && !f->minus);
    else
        sign_wrote = sign == '+' && f->fm && !f->lsign;
    bool lsign_pre = f->lsign && !f->lsign_post;
    bool num_in = false;
    int num_curr = 0;
    int zero_start = f->zero_start ? f->zero_start - 1 : -1;
    bool is_zero = f->zero_start > 0;
    bool any_digit_fmt = false;
    for (int i = 0; i < f->n; i++) {
        const NumItem *it = &f->items[i];
        switch (it->t) {
        case NT_9: case NT_0: case NT_DEC: {
            any_digit_fmt = true;
            bool predec_space = !is_zero && np == number && *number == '0' && f->post != 0;
            if (!sign_wrote && (num_curr >= out_pre_spaces || (is_zero && zero_start == num_curr)) &&
                (!predec_space || (last_relevant && *last_relevant == '.'))) {
                if (f->lsign) {
                    if (lsign_pre) {
                        shale_buf_append_byte(out, sign);
                        sign_wrote = true;
                    }
                } else if (sign == '-') {
                    shale_buf_append_byte(out, '-');
                    sign_wrote = true;
                } else {
                    if (!f->fm)
                        shale_buf_append_byte(out, ' ');
                    sign_wrote = true;
                }
            }
            if (num_curr < out_pre_spaces && (zero_start > num_curr || zero_start < 0)) {
                if (!f->fm)
                    shale_buf_append_byte(out, ' ');
            } else if (is_zero && num_curr < out_pre_spaces && zero_start <= num_curr) {
                shale_buf_append_byte(out, '0');
            } else {
                if (*np == '.') {
                    shale_buf_append_byte(out, '.');
                } else if (*np) {
                    if (last_relevant && np > last_relevant && it->t != NT_0) {
                        /* FM: trailing fraction zeros of 9 positions are dropped */
                    } else if (predec_space) {
                        if (!f->fm)
                            shale_buf_append_byte(out, ' ');
                        else if (last_relevant && *last_relevant == '.')
                            shale_buf_append_byte(out, '0');
                    } else {
                        shale_buf_append_byte(out, *np);
                        num_in = true;
                    }
                }
                if (*np)
                    np++;
            }
            num_curr++;
            break;
        }
        case NT_COMMA:
            if (num_in)
                shale_buf_append_byte(out, ',');
            else if (!f->fm)
                shale_buf_append_byte(out, ' ');
            break;
        case NT_S:
            if (f->lsign_post && !sign_wrote) {
                shale_buf_append_byte(out, sign);
                sign_wrote = true;
            }
            break;
        case NT_MI:
            if (sign == '-')
                shale_buf_append_byte(out, '-');
            else if (!f->fm)
                shale_buf_append_byte(out, ' ');
            break;
        case NT_PL:
            if (sign == '+')
                shale_buf_append_byte(out, '+');
            else if (!f->fm)
                shale_buf_append_byte(out, ' ');
            break;
        case NT_SG:
            shale_buf_append_byte(out, sign);
            break;
        case NT_TH: case NT_th: {
            if (*number == '#' || sign == '-' || f->decimal)
                break;
            size_t len = strlen(number);
            char last = number[len - 1], seclast = len >= 2 ? number[len - 2] : 0;
            const char *suf = "th";
            if (seclast != '1')
                suf = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
            if (it->t == NT_TH)
                shale_buf_append(out, suf[0] == 's' ? "ST" : suf[0] == 'n' ? "ND" : suf[0] == 'r' ? "RD" : "TH", 2);
            else
                shale_buf_append(out, suf, 2);
            break;
        }
        case NT_L:
            shale_buf_append_byte(out, ' ');
            break;
        case NT_LIT:
            shale_buf_append_byte(out, it->c);
            break;
        default:
            break;
        }
    }
    (void)any_digit_fmt;
}

/* Scientific notation as numeric_out_sci: the exponent comes from the unrounded value, so
 * 99.95 with one fraction digit prints "10.0e+01" as PostgreSQL does. */
static void nf_sci(const NumVar *v, int post, ShaleBuf *out)
{
    int exp = 0;
    if (v->ndigits > 0) {
        int32_t d0 = v->digits[0];
        int nd = d0 >= 1000 ? 4 : d0 >= 100 ? 3 : d0 >= 10 ? 2 : 1;
        exp = v->weight * NUM_DEC_DIGITS + nd - 1;
    }
    NumVar scale, t, r;
    num_init(&scale);
    num_init(&t);
    num_init(&r);
    (void)num_set_int64(&scale, 1);
    NumVar ten;
    num_init(&ten);
    (void)num_set_int64(&ten, 10);
    for (int i = 0; i < (exp < 0 ? -exp : exp); i++) {
        (void)num_mul(&scale, &ten, &t);
        num_free(&scale);
        scale = t;
        num_init(&t);
    }
    if (exp >= 0) {
        (void)num_div(v, &scale, &r, post, true);
    } else {
        (void)num_mul(v, &scale, &r);
        num_round(&r, post);
    }
    r.dscale = post;
    num_format(&r, out);
    char e[16];
    int n = snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    shale_buf_append(out, e, (size_t)n);
    num_free(&scale);
    num_free(&ten);
    num_free(&t);
    num_free(&r);
}

/* Renders the value per f into out. v holds the value (numeric, or the exact expansion of a
 * float); dbl/float_digits are set for floats, whose digits come from printf("%.*f") with
 * at most float_digits significant digits (PostgreSQL's float8_to_char). */
static void nf_to_char(NumFmt *f, NumVar *v, bool is_float, double dbl, int float_digits, ShaleBuf *out)
{
    bool special = v->sign == NUM_NAN || v->sign == NUM_PINF || v->sign == NUM_NINF;
    if (f->roman) {
        int64_t iv = 0;
        NumVar t;
        num_init(&t);
        (void)num_copy(&t, v);
        num_round(&t, 0);
        if (special || num_to_int64(&t, &iv, "", NULL) < 0)
            iv = 0;
        num_free(&t);
        bool upper = true;
        for (int i = 0; i < f->n; i++)
            if (f->items[i].t == NT_rn)
                upper = false;
        nf_roman(iv, upper, f->fm, out);
        return;
    }
    if (f->eeee) {
        if (special) {
            shale_buf_append_byte(out, ' ');
            for (int i = 0; i < f->pre + f->post + 5; i++)
                shale_buf_append_byte(out, i == f->pre ? '.' : '#');
        } else {
            if (v->sign != NUM_NEG)
                shale_buf_append_byte(out, ' ');
            nf_sci(v, f->post, out);
        }
        return;
    }
    if (f->multi) {
        NumVar m, t;
        num_init(&m);
        num_init(&t);
        int64_t p10 = 1;
        for (int i = 0; i < f->multi && i < 18; i++)
            p10 *= 10;
        (void)num_set_int64(&m, p10);
        (void)num_mul(v, &m, &t);
        num_free(v);
        num_free(&m);
        *v = t;
        dbl *= (double)p10;
    }
    char sign = v->sign == NUM_NEG || v->sign == NUM_NINF || (is_float && dbl < 0) ? '-' : '+';
    ShaleBuf nb;
    shale_buf_init(&nb);
    bool overflow = false;
    if (is_float) {
        if (special) {
            overflow = true;
        } else {
            char buf[400];
            snprintf(buf, sizeof buf, "%.0f", dbl < 0 ? -dbl : dbl);
            int pre_len = (int)strlen(buf);
            int post = f->post;
            if (pre_len >= float_digits)
                post = 0;
            else if (pre_len + post > float_digits)
                post = float_digits - pre_len;
            /* the sign comes from printf's text: -0.0 and tiny negatives print "-0.0" */
            snprintf(buf, sizeof buf, "%.*f", post, dbl);
            sign = buf[0] == '-' ? '-' : '+';
            shale_buf_append(&nb, buf, strlen(buf));
        }
    } else if (v->sign == NUM_NAN) {
        shale_buf_append(&nb, "NaN", 3);
    } else if (special) {
        shale_buf_append(&nb, "Infinity", 8);
    } else {
        num_round(v, f->post);
        v->dscale = f->post;
        num_format(v, &nb);
    }
    if (nb.oom) {
        shale_buf_free(&nb);
        out->oom = true;
        return;
    }
    const char *num = nb.len ? nb.data : "";
    size_t numlen = nb.len;
    if (numlen && num[0] == '-') {
        num++;
        numlen--;
    }
    char *digits = malloc(numlen + (size_t)f->pre + (size_t)f->post + 4);
    if (!digits) {
        shale_buf_free(&nb);
        out->oom = true;
        return;
    }
    memcpy(digits, num, numlen);
    digits[numlen] = 0;
    const char *dot = strchr(digits, '.');
    int pre_len = dot ? (int)(dot - digits) : (int)numlen;
    int out_pre_spaces = 0;
    if (overflow || pre_len > f->pre) {
        int k = 0;
        for (int i = 0; i < f->pre + f->post + 1; i++)
            digits[k++] = i == f->pre ? '.' : '#';
        digits[k] = 0;
    } else if (pre_len < f->pre) {
        out_pre_spaces = f->pre - pre_len;
    }
    nf_emit(f, digits, sign, out_pre_spaces, out);
    free(digits);
    shale_buf_free(&nb);
}

static FN(fn_to_char_num)
{
    (void)nargs;
    if (args[1].u.s.n == 0) {
        *out = value_null(TEXTOID);
        return 0;
    }
    NumFmt f;
    if (nf_parse(args[1].u.s.p, args[1].u.s.n, ctx->arena, &f, err) < 0)
        return -1;
    NumVar v;
    num_init(&v);
    bool is_float = false;
    int fdig = 15;
    int rc = 0;
    switch (args[0].type) {
    case INT2OID: case INT4OID: case INT8OID:
        rc = num_set_int64(&v, args[0].u.i);
        break;
    case FLOAT4OID: case FLOAT8OID:
        is_float = true;
        fdig = args[0].type == FLOAT4OID ? 6 : 15;
        rc = num_from_double(args[0].u.f, 17, &v, err);
        if (rc == 0 && isfinite(args[0].u.f)) {
            /* exact decimal expansion of the double, as printf("%.*f") rounds it */
            char buf[400];
            snprintf(buf, sizeof buf, "%.40f", args[0].u.f);
            num_free(&v);
            num_init(&v);
            rc = num_parse(buf, strlen(buf), &v, err);
        }
        break;
    default:
        rc = num_from_value(&args[0], &v, err);
        break;
    }
    if (rc < 0) {
        num_free(&v);
        return -1;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    nf_to_char(&f, &v, is_float, is_float ? args[0].u.f : 0, fdig, &b);
    num_free(&v);
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

/* to_number: walks the template over the input collecting digits, the decimal point and
 * the sign; characters the template does not explain are skipped one per literal. */
static FN(fn_to_number)
{
    (void)nargs;
    NumFmt f;
    if (args[1].u.s.n == 0) {
        *out = value_null(NUMERICOID);
        return 0;
    }
    if (nf_parse(args[1].u.s.p, args[1].u.s.n, ctx->arena, &f, err) < 0)
        return -1;
    const char *p = args[0].u.s.p, *e = p + args[0].u.s.n;
    ShaleBuf b;
    shale_buf_init(&b);
    bool neg = false, any = false, in_frac = false;
    int frac = 0;
    for (int i = 0; i < f.n && p < e; i++) {
        const NumItem *it = &f.items[i];
        switch (it->t) {
        case NT_9: case NT_0:
            while (p < e && *p == ' ' && !any)
                p++;
            if (p < e && (*p == '-' || *p == '+') && !any) {
                neg = *p == '-';
                p++;
            }
            if (p < e && *p >= '0' && *p <= '9') {
                shale_buf_append_byte(&b, *p++);
                any = true;
                if (in_frac)
                    frac++;
            }
            break;
        case NT_DEC:
            if (p < e && *p == '.') {
                p++;
                shale_buf_append_byte(&b, '.');
                in_frac = true;
            }
            break;
        case NT_COMMA:
            if (p < e && *p == ',')
                p++;
            break;
        case NT_S: case NT_MI: case NT_PL: case NT_SG:
            while (p < e && *p == ' ' && it->t != NT_MI)
                p++;
            if (p < e && (*p == '-' || *p == '+')) {
                neg = *p == '-';
                p++;
            }
            break;
        case NT_L:
            if (p < e && !(*p >= '0' && *p <= '9'))
                p++;
            break;
        case NT_LIT:
            p++;
            break;
        default:
            break;
        }
    }
    (void)frac;
    if (!any) {
        shale_buf_free(&b);
        return SQL_ERR(err, INVALID_TEXT_REPRESENTATION, "invalid input syntax for type numeric: \" \"");
    }
    if (b.oom)
        return types_oom(err);
    NumVar v;
    num_init(&v);
    int rc = num_parse(b.data, b.len, &v, err);
    shale_buf_free(&b);
    if (rc == 0 && f.multi) {
        NumVar m, t;
        num_init(&m);
        num_init(&t);
        int64_t p10 = 1;
        for (int i = 0; i < f.multi && i < 18; i++)
            p10 *= 10;
        (void)num_set_int64(&m, p10);
        rc = num_div(&v, &m, &t, num_div_scale(&v, &m), true);
        num_free(&v);
        num_free(&m);
        v = t;
    }
    if (rc == 0 && neg && v.ndigits > 0)
        v.sign = NUM_NEG;
    if (rc == 0)
        return fn_num_result(ctx, &v, out, err);
    num_free(&v);
    return rc;
}

void types_fn_tonum_register(void)
{
    const Oid T = TEXTOID;
    types_reg_fn("to_char", T, fn_to_char_num, 2, TYPES_A(INT2OID, T));
    types_reg_fn("to_char", T, fn_to_char_num, 2, TYPES_A(INT4OID, T));
    types_reg_fn("to_char", T, fn_to_char_num, 2, TYPES_A(INT8OID, T));
    types_reg_fn("to_char", T, fn_to_char_num, 2, TYPES_A(FLOAT4OID, T));
    types_reg_fn("to_char", T, fn_to_char_num, 2, TYPES_A(FLOAT8OID, T));
    types_reg_fn("to_char", T, fn_to_char_num, 2, TYPES_A(NUMERICOID, T));
    types_reg_fn("to_number", NUMERICOID, fn_to_number, 2, TYPES_A(T, T));
}
