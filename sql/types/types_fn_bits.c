/* types_fn_bits.c -- PostgreSQL's integer bitwise operators: & | # (xor) ~ (not) << >> on
 * int2, int4 and int8 (int2and, int4or, int8shl ...). Client catalog queries use them:
 * pgjdbc's getIndexInfo tests `indoption[k] & 1::smallint` for DESC columns. Results are
 * exact in the operand type; shifts take an int4 count, which PostgreSQL passes to the C
 * shift unchecked: here the count is masked to the operand's width (as x86 does), so no
 * undefined behaviour. */
#include "sql/types/types_fn.h"

#include <stdint.h>

static int64_t narrow(Oid t, int64_t v)
{
    return t == INT2OID ? (int16_t)v : t == INT4OID ? (int32_t)v : v;
}

static int bits_width(Oid t)
{
    return t == INT2OID ? 16 : t == INT4OID ? 32 : 64;
}

static int bits_binary(FuncCallCtx *ctx, const Value *args, Value *out, char op)
{
    Oid t = ctx->ret_type;
    uint64_t a = (uint64_t)args[0].u.i, b = (uint64_t)args[1].u.i, r = 0;
    switch (op) {
    case '&': r = a & b; break;
    case '|': r = a | b; break;
    case '#': r = a ^ b; break;
    case '<': r = a << (b & (uint64_t)(bits_width(t) - 1)); break;
    default: {  /* '>': arithmetic shift of the signed value */
        int64_t sv = narrow(t, args[0].u.i);
        int n = (int)(b & (uint64_t)(bits_width(t) - 1));
        r = (uint64_t)(sv < 0 ? ~(~sv >> n) : sv >> n);
        break;
    }
    }
    *out = value_int(t, narrow(t, (int64_t)r));
    return 0;
}

static int fn_bit_and(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs; (void)err;
    return bits_binary(ctx, args, out, '&');
}

static int fn_bit_or(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs; (void)err;
    return bits_binary(ctx, args, out, '|');
}

static int fn_bit_xor(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs; (void)err;
    return bits_binary(ctx, args, out, '#');
}

static int fn_bit_shl(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs; (void)err;
    return bits_binary(ctx, args, out, '<');
}

static int fn_bit_shr(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs; (void)err;
    return bits_binary(ctx, args, out, '>');
}

static int fn_bit_not(FuncCallCtx *ctx, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs; (void)err;
    *out = value_int(ctx->ret_type, narrow(ctx->ret_type, (int64_t)~(uint64_t)args[0].u.i));
    return 0;
}

void types_fn_bits_register(void)
{
    static const Oid ints[] = { INT2OID, INT4OID, INT8OID };
    for (int i = 0; i < 3; i++) {
        Oid t = ints[i];
        types_reg_op("&", t, t, t, fn_bit_and);
        types_reg_op("|", t, t, t, fn_bit_or);
        types_reg_op("#", t, t, t, fn_bit_xor);
        types_reg_op("<<", t, INT4OID, t, fn_bit_shl);
        types_reg_op(">>", t, INT4OID, t, fn_bit_shr);
        types_reg_op("~", INVALIDOID, t, t, fn_bit_not);
    }
}
