/* parser_int.h -- internals shared by the lexer, the parser files and the printer: tokens,
 * keyword ids, the parser state and its helpers. Not for use outside sql/parser/. */
#ifndef SHALE_SQL_PARSER_PARSER_INT_H
#define SHALE_SQL_PARSER_PARSER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/sqlerror.h"
#include "sql/parser/ast.h"
#include "util/arena.h"

typedef enum SqlKeyword {
    KW__NONE = -1,
#define KW(word, NAME, cat, bare) KW_##NAME,
#include "sql/parser/keywords.def"
#undef KW
    KW__COUNT
} SqlKeyword;

typedef enum SqlTokType {
    TOK_EOF,
    TOK_IDENT,      /* identifier or keyword (kw != KW__NONE when unquoted and a keyword) */
    TOK_ICONST,     /* integer literal: str is its text, ival/fits when it fits int64 */
    TOK_FCONST,     /* numeric literal with '.' or exponent: str is its text */
    TOK_SCONST,     /* string: str/len decoded */
    TOK_BCONST,     /* bit string: str "b0101" */
    TOK_XCONST,     /* hex bit string: str "x1F" */
    TOK_PARAM,      /* $n: ival = n */
    TOK_OP,         /* operator: str is its text ("!=" is reported as "<>") */
    TOK_CHAR,       /* one of ( ) [ ] , ; . : -- ch holds it */
    TOK_TYPECAST,   /* :: */
    TOK_COLON_EQ,   /* := */
    TOK_ARROW,      /* => */
    TOK_DOTDOT,     /* .. */
    TOK_ERROR       /* a lexical error: msg is PostgreSQL's message; parsing stops here */
} SqlTokType;

/* A token. start/end are byte offsets into the query; for idents str is the folded
 * name (NUL-terminated, in the arena); quoted idents have quoted = true and kw = KW__NONE. */
typedef struct SqlToken {
    uint8_t type;
    char ch;
    bool quoted;
    bool fits;
    int16_t kw;
    int start;
    int end;
    int len;
    const char *str;
    int64_t ival;
} SqlToken;

/* The token array of a whole query: always ends with TOK_EOF (or TOK_ERROR). */
typedef struct SqlTokens {
    SqlToken *toks;
    int n;
} SqlTokens;

/* Lexes query[0..len). Returns 0, or -1 only when the arena is out of memory (err set).
 * A lexical error becomes a final TOK_ERROR token whose str is the message, reported by
 * whoever reaches it, as PostgreSQL reports an error only when the grammar gets there. */
int sql_lex_all(const char *query, size_t len, ShaleArena *arena, SqlTokens *out, SqlError *err);

/* Keyword lookup of a lower-case word; KW__NONE when not a keyword. */
SqlKeyword sql_keyword_lookup(const char *word, size_t n);
const char *sql_keyword_text(SqlKeyword kw);  /* lower case */
char sql_keyword_cat(SqlKeyword kw);            /* 'U' 'C' 'T' 'R' */
bool sql_keyword_bare(SqlKeyword kw);

/* Parser state. Errors are sticky: after the first, every parse function returns NULL at
 * once and the top level reports err. */
typedef struct SqlParser {
    const char *query;
    size_t len;
    ShaleArena *arena;
    SqlToken *toks;
    int n_toks;
    int pos;
    SqlError *err;
    bool failed;
    int depth;          /* recursion depth guard */
} SqlParser;

/* helpers (parse_util.c) */
void *sql_palloc(SqlParser *p, size_t n);                 /* zeroed; NULL + error on OOM */
char *sql_pstrdup(SqlParser *p, const char *s, size_t n);
AstNode *sql_make_node(SqlParser *p, AstTag tag, size_t size, int location);
#define MAKE(p, T, tag, loc) ((T *)sql_make_node((p), (tag), sizeof(T), (loc)))
void sql_list_push(SqlParser *p, AstList *l, AstNode *n, int *cap);
void sql_names_push(SqlParser *p, AstNameList *l, const char *s, int *cap);
int sql_syntax_error(SqlParser *p);                      /* at the current token */
int sql_error_at(SqlParser *p, SqlErrCode code, int byte_offset, const char *msg);
bool sql_depth_enter(SqlParser *p);
static inline void sql_depth_leave(SqlParser *p) { p->depth--; }

static inline const SqlToken *sql_peek(const SqlParser *p) { return &p->toks[p->pos]; }
static inline const SqlToken *sql_peek_n(const SqlParser *p, int k)
{
    int i = p->pos + k;
    return &p->toks[i < p->n_toks ? i : p->n_toks - 1];
}
static inline void sql_advance(SqlParser *p) { if (p->pos < p->n_toks - 1) p->pos++; }
static inline int sql_tok_kw(const SqlToken *t) { return t->type == TOK_IDENT ? t->kw : KW__NONE; }
static inline bool sql_is_kw(const SqlParser *p, int kw) { return sql_tok_kw(sql_peek(p)) == kw; }
static inline bool sql_is_kw_n(const SqlParser *p, int k, int kw) { return sql_tok_kw(sql_peek_n(p, k)) == kw; }
static inline bool sql_is_char(const SqlParser *p, char c)
{
    const SqlToken *t = sql_peek(p);
    return t->type == TOK_CHAR && t->ch == c;
}
bool sql_is_op(const SqlParser *p, const char *op);
bool sql_accept_kw(SqlParser *p, int kw);
bool sql_accept_char(SqlParser *p, char c);
bool sql_accept_op(SqlParser *p, const char *op);
bool sql_expect_kw(SqlParser *p, int kw);
bool sql_expect_char(SqlParser *p, char c);

/* names (parse_util.c): ColId = IDENT | unreserved | col_name keyword; ColLabel = any
 * word; type_function_name = IDENT | unreserved | type_func_name keyword. NULL + syntax
 * error when the current token is not one. */
const char *sql_parse_colid(SqlParser *p);
const char *sql_parse_collabel(SqlParser *p);
const char *sql_parse_func_name_part(SqlParser *p);
bool sql_tok_is_colid(const SqlToken *t);
bool sql_tok_is_collabel(const SqlToken *t);
bool sql_tok_is_type_func_name(const SqlToken *t);
AstNameList sql_parse_any_name(SqlParser *p);             /* ColId ('.' ColLabel)* */
AstNameList sql_parse_name_list(SqlParser *p);            /* ColId (',' ColId)* */
AstNameList sql_parse_paren_name_list(SqlParser *p);      /* '(' name_list ')' */
AstRangeVar *sql_parse_qualified_name(SqlParser *p);
const char *sql_parse_string(SqlParser *p);               /* Sconst */

/* operator precedence levels, lowest first (parse_expr.c has the table) */
enum {
    PREC_OR = 1, PREC_AND, PREC_NOT, PREC_IS, PREC_CMP, PREC_LIKE, PREC_ESCAPE, PREC_OP,
    PREC_ADD, PREC_MUL, PREC_EXP, PREC_AT, PREC_COLLATE, PREC_UMINUS
};

/* expressions (parse_expr.c, parse_type.c, parse_func.c); nodes live in p->arena */
AstNameList sql_names2(SqlParser *p, const char *a, const char *b);  /* [a.]b */
AstNode *sql_make_const_str(SqlParser *p, const char *s, int loc);
AstNode *sql_make_const_int(SqlParser *p, int64_t v, int loc);
AstFuncCall *sql_make_func(SqlParser *p, AstNameList name, int loc, AstFuncSyntax syn);
void sql_parse_typmods(SqlParser *p, AstTypeName *t);                /* optional '(' list ')' */
const char *sql_parse_interval_fields(SqlParser *p);                 /* YEAR .. SECOND [TO ..] */
AstNode *sql_parse_func_call(SqlParser *p, AstNameList name, int loc); /* at '(' */
AstNode *sql_parse_special_func(SqlParser *p, int kw, int loc);      /* at kw, then '(' */
AstNode *sql_parse_sql_value(SqlParser *p, AstSqlValueKind kind, int loc, bool precision);
AstNode *sql_parse_case(SqlParser *p, int loc);                      /* at CASE */
AstNode *sql_parse_expr(SqlParser *p);                    /* a_expr */
AstNode *sql_parse_expr_prec(SqlParser *p, int min_prec);
AstList sql_parse_expr_list(SqlParser *p);
AstTypeName *sql_parse_typename(SqlParser *p);
AstWindowDef *sql_parse_window_spec(SqlParser *p);        /* after '(' consumed: until ')' */
AstList sql_parse_sort_list(SqlParser *p);                /* after ORDER BY */
AstNode *sql_parse_const_value(SqlParser *p);             /* signed numbers, strings, ... */
AstNode *sql_parse_primary_expr(SqlParser *p);            /* c_expr with indirection */
bool sql_at_select_in_parens(const SqlParser *p);         /* at '(': a query inside? */
AstNode *sql_try_paren_select(SqlParser *p);              /* '(' query ')' or NULL, restored */

/* queries (parse_select.c) */
AstNode *sql_parse_select(SqlParser *p);                  /* SelectStmt incl. WITH */
bool sql_at_select_start(const SqlParser *p);             /* SELECT / VALUES / WITH / TABLE / ( */
AstNode *sql_parse_preparable(SqlParser *p);              /* SELECT/INSERT/UPDATE/DELETE */
AstList sql_parse_returning(SqlParser *p);
AstRangeVar *sql_parse_relation_expr(SqlParser *p);
AstAlias *sql_parse_opt_alias(SqlParser *p, bool require_as_allowed_bare);
AstList sql_parse_target_list(SqlParser *p);

/* statements (parse_stmt.c, parse_ddl.c, parse_utility.c) */
AstNode *sql_parse_stmt(SqlParser *p);
AstNode *sql_parse_ddl_create(SqlParser *p);
AstNode *sql_parse_ddl_drop(SqlParser *p);
AstNode *sql_parse_ddl_alter(SqlParser *p);
AstNode *sql_parse_utility(SqlParser *p);                 /* everything not DML/DDL */
AstList sql_parse_def_list(SqlParser *p);                 /* '(' name [=] value, ... ')' */
AstNode *sql_parse_table_element(SqlParser *p);           /* column def or table constraint */
AstNode *sql_parse_alter_sequence(SqlParser *p, int loc); /* after ALTER SEQUENCE */
AstNode *sql_parse_alter_role(SqlParser *p);              /* at ROLE/USER/GROUP after ALTER */
AstNode *sql_parse_truncate(SqlParser *p);
AstNode *sql_parse_comment(SqlParser *p);
AstNode *sql_parse_grant(SqlParser *p);                   /* GRANT or REVOKE */
AstNode *sql_parse_def_arg(SqlParser *p);
/* At SET or RESET: the AstVariableSetStmt of ALTER DATABASE / ROLE ... SET|RESET. */
AstNode *sql_parse_set_reset(SqlParser *p);

#endif
