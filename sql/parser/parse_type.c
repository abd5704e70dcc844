/* parse_type.c -- type names: PostgreSQL's SQL-standard spellings normalised to internal
 * names (integer -> int4, double precision -> float8, timestamp with time zone ->
 * timestamptz, ...), generic and qualified names with typmods, array bounds, interval
 * fields. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

void sql_parse_typmods(SqlParser *p, AstTypeName *t)
{
    if (sql_is_char(p, '(')) {
        sql_advance(p);
        t->typmods = sql_parse_expr_list(p);
        sql_expect_char(p, ')');
    }
}

static void set_builtin(SqlParser *p, AstTypeName *t, const char *name)
{
    t->names = sql_names2(p, NULL, name);
    t->builtin = true;
}

const char *sql_parse_interval_fields(SqlParser *p)
{
    static const int fields[] = { KW_YEAR, KW_MONTH, KW_DAY, KW_HOUR, KW_MINUTE, KW_SECOND };
    int kw = sql_tok_kw(sql_peek(p));
    bool ok = false;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        ok |= kw == fields[i];
    if (!ok)
        return NULL;
    const char *a = sql_peek(p)->str;
    sql_advance(p);
    if (sql_is_kw(p, KW_TO)) {
        int kw2 = sql_tok_kw(sql_peek_n(p, 1));
        if (kw2 == KW_MONTH || kw2 == KW_HOUR || kw2 == KW_MINUTE || kw2 == KW_SECOND) {
            sql_advance(p);
            const char *b = sql_peek(p)->str;
            sql_advance(p);
            char buf[64];
            snprintf(buf, sizeof buf, "%s to %s", a, b);
            return sql_pstrdup(p, buf, strlen(buf));
        }
        sql_advance(p);
        sql_syntax_error(p);
        return NULL;
    }
    return a;
}

static bool parse_with_time_zone(SqlParser *p)
{
    if ((sql_is_kw(p, KW_WITH) || sql_is_kw(p, KW_WITHOUT)) && sql_is_kw_n(p, 1, KW_TIME) &&
        sql_is_kw_n(p, 2, KW_ZONE)) {
        bool with = sql_is_kw(p, KW_WITH);
        sql_advance(p);
        sql_advance(p);
        sql_advance(p);
        return with;
    }
    return false;
}

/* SimpleTypename without array bounds. */
static bool parse_simple_type(SqlParser *p, AstTypeName *t)
{
    const SqlToken *tok = sql_peek(p);
    switch (sql_tok_kw(tok)) {
    case KW_INT: case KW_INTEGER: sql_advance(p); set_builtin(p, t, "int4"); return true;
    case KW_SMALLINT: sql_advance(p); set_builtin(p, t, "int2"); return true;
    case KW_BIGINT: sql_advance(p); set_builtin(p, t, "int8"); return true;
    case KW_REAL: sql_advance(p); set_builtin(p, t, "float4"); return true;
    case KW_BOOLEAN: sql_advance(p); set_builtin(p, t, "bool"); return true;
    case KW_DOUBLE:
        sql_advance(p);
        if (!sql_expect_kw(p, KW_PRECISION))
            return false;
        set_builtin(p, t, "float8");
        return true;
    case KW_FLOAT:
        sql_advance(p);
        if (sql_is_char(p, '(')) {
            sql_advance(p);
            const SqlToken *n = sql_peek(p);
            if (n->type != TOK_ICONST) {
                sql_syntax_error(p);
                return false;
            }
            if (n->ival < 1) {
                sql_error_at(p, ERRCODE_INVALID_PARAMETER_VALUE, n->start,
                             "precision for type float must be at least 1 bit");
                return false;
            }
            if (n->ival > 53 || !n->fits) {
                sql_error_at(p, ERRCODE_INVALID_PARAMETER_VALUE, n->start,
                             "precision for type float must be less than 54 bits");
                return false;
            }
            sql_advance(p);
            sql_expect_char(p, ')');
            set_builtin(p, t, n->ival <= 24 ? "float4" : "float8");
        } else {
            set_builtin(p, t, "float8");
        }
        return true;
    case KW_DECIMAL: case KW_DEC: case KW_NUMERIC:
        sql_advance(p);
        set_builtin(p, t, "numeric");
        sql_parse_typmods(p, t);
        return true;
    case KW_BIT: {
        sql_advance(p);
        bool varying = sql_accept_kw(p, KW_VARYING);
        set_builtin(p, t, varying ? "varbit" : "bit");
        sql_parse_typmods(p, t);
        return true;
    }
    case KW_CHARACTER: case KW_CHAR: case KW_NCHAR: case KW_NATIONAL: case KW_VARCHAR: {
        int kw = sql_tok_kw(tok);
        sql_advance(p);
        if (kw == KW_NATIONAL && !(sql_accept_kw(p, KW_CHARACTER) || sql_accept_kw(p, KW_CHAR))) {
            sql_syntax_error(p);
            return false;
        }
        bool varying = kw == KW_VARCHAR || sql_accept_kw(p, KW_VARYING);
        set_builtin(p, t, varying ? "varchar" : "bpchar");
        sql_parse_typmods(p, t);
        if (!varying && t->typmods.n == 0) {
            int cap = 0;
            sql_list_push(p, &t->typmods, sql_make_const_int(p, 1, -1), &cap);
        }
        return true;
    }
    case KW_TIMESTAMP: case KW_TIME: {
        bool ts = sql_tok_kw(tok) == KW_TIMESTAMP;
        sql_advance(p);
        sql_parse_typmods(p, t);
        bool tz = parse_with_time_zone(p);
        set_builtin(p, t, ts ? (tz ? "timestamptz" : "timestamp") : (tz ? "timetz" : "time"));
        return true;
    }
    case KW_INTERVAL:
        sql_advance(p);
        set_builtin(p, t, "interval");
        if (sql_is_char(p, '(')) {
            sql_parse_typmods(p, t);
        } else {
            t->interval_fields = sql_parse_interval_fields(p);
            if (t->interval_fields && strstr(t->interval_fields, "second"))
                sql_parse_typmods(p, t);
        }
        return !p->failed;
    default:
        break;
    }
    if (p->failed)
        return false;
    /* GenericType: type_function_name [ '.' attr ]* [ '(' typmods ')' ] */
    if (!sql_tok_is_type_func_name(sql_peek(p))) {
        sql_syntax_error(p);
        return false;
    }
    AstNameList l = { 0 };
    int cap = 0;
    sql_names_push(p, &l, sql_peek(p)->str, &cap);
    sql_advance(p);
    while (sql_is_char(p, '.') && !p->failed) {
        sql_advance(p);
        sql_names_push(p, &l, sql_parse_collabel(p), &cap);
    }
    t->names = l;
    sql_parse_typmods(p, t);
    return !p->failed;
}

AstTypeName *sql_parse_typename(SqlParser *p)
{
    if (p->failed)
        return NULL;
    AstTypeName *t = MAKE(p, AstTypeName, AST_TYPE_NAME, sql_peek(p)->start);
    if (!t)
        return NULL;
    t->setof = sql_accept_kw(p, KW_SETOF);
    if (!parse_simple_type(p, t))
        return NULL;
    int bounds[16], nb = 0;
    if (sql_is_kw(p, KW_ARRAY)) {
        sql_advance(p);
        int b = -1;
        if (sql_is_char(p, '[')) {
            sql_advance(p);
            if (sql_peek(p)->type != TOK_ICONST) {
                sql_syntax_error(p);
                return NULL;
            }
            b = (int)sql_peek(p)->ival;
            sql_advance(p);
            sql_expect_char(p, ']');
        }
        bounds[nb++] = b;
    } else {
        while (sql_is_char(p, '[') && !p->failed) {
            sql_advance(p);
            int b = -1;
            if (sql_peek(p)->type == TOK_ICONST) {
                b = (int)sql_peek(p)->ival;
                sql_advance(p);
            }
            if (!sql_expect_char(p, ']'))
                return NULL;
            if (nb < 16)
                bounds[nb++] = b;
        }
    }
    if (nb) {
        t->array_bounds = sql_palloc(p, sizeof(int) * (size_t)nb);
        if (t->array_bounds)
            memcpy(t->array_bounds, bounds, sizeof(int) * (size_t)nb);
        t->n_array_bounds = nb;
    }
    return p->failed ? NULL : t;
}

