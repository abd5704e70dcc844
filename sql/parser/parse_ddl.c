/* parse_ddl.c -- CREATE / DROP / ALTER statements: tables (columns, constraints, ShaleDB's
 * EMBEDDING OF column clause), CREATE TABLE AS, indexes, schemas, databases, views,
 * sequences, roles, extensions and ShaleDB's embedders. */
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

static int prev_end(const SqlParser *p)
{
    return p->toks[p->pos > 0 ? p->pos - 1 : 0].end;
}

static AstNode *make_bool_const(SqlParser *p, bool v, int loc)
{
    AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
    if (c) {
        c->kind = AST_CONST_BOOL;
        c->bval = v;
    }
    return (AstNode *)c;
}

static AstDefElem *make_def(SqlParser *p, const char *name, AstNode *arg, int loc)
{
    AstDefElem *d = MAKE(p, AstDefElem, AST_DEF_ELEM, loc);
    if (d) {
        d->name = name;
        d->arg = arg;
    }
    return d;
}

/* A word or string or number as an option value. */
AstNode *sql_parse_def_arg(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_IDENT) {
        if (!t->quoted && (t->kw == KW_TRUE || t->kw == KW_FALSE)) {
            sql_advance(p);
            return make_bool_const(p, t->kw == KW_TRUE, t->start);
        }
        AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, t->start);
        if (!c)
            return NULL;
        c->fields = sql_parse_any_name(p);
        if (c->fields.n == 0 && !p->failed) {
            sql_advance(p);
            int cap = 0;
            sql_names_push(p, &c->fields, t->str, &cap);
        }
        return p->failed ? NULL : (AstNode *)c;
    }
    return sql_parse_const_value(p);
}

/* '(' name [=] [value], ... ')' */
AstList sql_parse_def_list(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    if (!sql_expect_char(p, '('))
        return l;
    do {
        int loc = sql_peek(p)->start;
        const char *name = sql_parse_collabel(p);
        AstNode *arg = NULL;
        if (sql_accept_op(p, "=") || !(sql_is_char(p, ',') || sql_is_char(p, ')')))
            arg = sql_parse_def_arg(p);
        sql_list_push(p, &l, (AstNode *)make_def(p, name, arg, loc), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    sql_expect_char(p, ')');
    return l;
}

static AstFkAction parse_fk_action(SqlParser *p)
{
    if (sql_accept_kw(p, KW_CASCADE))
        return AST_FK_CASCADE;
    if (sql_accept_kw(p, KW_RESTRICT))
        return AST_FK_RESTRICT;
    if (sql_accept_kw(p, KW_NO)) {
        sql_expect_kw(p, KW_ACTION);
        return AST_FK_NO_ACTION;
    }
    if (sql_expect_kw(p, KW_SET)) {
        if (sql_accept_kw(p, KW_NULL))
            return AST_FK_SET_NULL;
        sql_expect_kw(p, KW_DEFAULT);
        return AST_FK_SET_DEFAULT;
    }
    return AST_FK_NONE;
}

static void parse_references(SqlParser *p, AstConstraint *c)
{
    c->type = AST_CONSTR_FOREIGN;
    c->pktable = sql_parse_qualified_name(p);
    if (sql_is_char(p, '('))
        c->pk_attrs = sql_parse_paren_name_list(p);
    c->match_type = 's';
    for (;;) {
        if (p->failed)
            return;
        if (sql_accept_kw(p, KW_MATCH)) {
            if (sql_accept_kw(p, KW_FULL))
                c->match_type = 'f';
            else if (sql_accept_kw(p, KW_PARTIAL))
                c->match_type = 'p';
            else
                sql_expect_kw(p, KW_SIMPLE);
        } else if (sql_is_kw(p, KW_ON) && sql_is_kw_n(p, 1, KW_DELETE)) {
            sql_advance(p);
            sql_advance(p);
            c->on_delete = parse_fk_action(p);
        } else if (sql_is_kw(p, KW_ON) && sql_is_kw_n(p, 1, KW_UPDATE)) {
            sql_advance(p);
            sql_advance(p);
            c->on_update = parse_fk_action(p);
        } else {
            return;
        }
    }
}

static void parse_constraint_attrs(SqlParser *p, AstConstraint *c)
{
    for (;;) {
        if (sql_is_kw(p, KW_DEFERRABLE)) {
            sql_advance(p);
            c->deferrable = true;
        } else if (sql_is_kw(p, KW_NOT) && sql_is_kw_n(p, 1, KW_DEFERRABLE)) {
            sql_advance(p);
            sql_advance(p);
        } else if (sql_is_kw(p, KW_INITIALLY)) {
            sql_advance(p);
            if (sql_accept_kw(p, KW_DEFERRED))
                c->initdeferred = true;
            else
                sql_expect_kw(p, KW_IMMEDIATE);
        } else if (sql_is_kw(p, KW_NOT) && sql_is_kw_n(p, 1, KW_VALID)) {
            sql_advance(p);
            sql_advance(p);
            c->not_valid = true;
        } else {
            return;
        }
        if (p->failed)
            return;
    }
}

static AstList parse_seq_options(SqlParser *p, bool in_parens);

/* A column constraint (after an optional CONSTRAINT name); NULL when none starts here. */
static AstConstraint *parse_column_constraint(SqlParser *p)
{
    int loc = sql_peek(p)->start;
    const char *name = NULL;
    if (sql_accept_kw(p, KW_CONSTRAINT))
        name = sql_parse_colid(p);
    AstConstraint *c = MAKE(p, AstConstraint, AST_CONSTRAINT, loc);
    if (!c)
        return NULL;
    c->name = name;
    c->expr_span = (AstSpan){ -1, -1 };
    int kw = sql_tok_kw(sql_peek(p));
    if (kw == KW_NOT && sql_is_kw_n(p, 1, KW_NULL)) {
        sql_advance(p);
        sql_advance(p);
        c->type = AST_CONSTR_NOTNULL;
    } else if (kw == KW_NULL) {
        sql_advance(p);
        c->type = AST_CONSTR_NULL;
    } else if (kw == KW_DEFAULT) {
        sql_advance(p);
        c->type = AST_CONSTR_DEFAULT;
        c->expr_span.start = sql_peek(p)->start;
        c->expr = sql_parse_expr_prec(p, 5);   /* b_expr: no AND/OR/NOT/IS */
        c->expr_span.end = prev_end(p);
    } else if (kw == KW_PRIMARY) {
        sql_advance(p);
        sql_expect_kw(p, KW_KEY);
        c->type = AST_CONSTR_PRIMARY;
    } else if (kw == KW_UNIQUE) {
        sql_advance(p);
        c->type = AST_CONSTR_UNIQUE;
        if (sql_is_kw(p, KW_NULLS) && sql_is_kw_n(p, 1, KW_NOT)) {
            sql_advance(p);
            sql_advance(p);
            sql_expect_kw(p, KW_DISTINCT);
            c->nulls_not_distinct = true;
        }
    } else if (kw == KW_CHECK) {
        sql_advance(p);
        c->type = AST_CONSTR_CHECK;
        sql_expect_char(p, '(');
        c->expr_span.start = sql_peek(p)->start;
        c->expr = sql_parse_expr(p);
        c->expr_span.end = prev_end(p);
        sql_expect_char(p, ')');
        if (sql_is_kw(p, KW_NO) && sql_is_kw_n(p, 1, KW_INHERIT)) {
            sql_advance(p);
            sql_advance(p);
            c->no_inherit = true;
        }
    } else if (kw == KW_REFERENCES) {
        sql_advance(p);
        parse_references(p, c);
    } else if (kw == KW_GENERATED) {
        sql_advance(p);
        if (sql_accept_kw(p, KW_ALWAYS)) {
            c->identity_always = true;
        } else {
            sql_expect_kw(p, KW_BY);
            sql_expect_kw(p, KW_DEFAULT);
        }
        sql_expect_kw(p, KW_AS);
        if (sql_accept_kw(p, KW_IDENTITY)) {
            c->type = AST_CONSTR_IDENTITY;
            if (sql_is_char(p, '('))
                c->seq_options = parse_seq_options(p, true);
        } else if (!p->failed) {
            if (!c->identity_always) {
                sql_error_at(p, ERRCODE_SYNTAX_ERROR, sql_peek(p)->start,
                             "for a generated column, GENERATED ALWAYS must be specified");
                return NULL;
            }
            c->type = AST_CONSTR_GENERATED;
            sql_expect_char(p, '(');
            c->expr_span.start = sql_peek(p)->start;
            c->expr = sql_parse_expr(p);
            c->expr_span.end = prev_end(p);
            sql_expect_char(p, ')');
            sql_expect_kw(p, KW_STORED);
        }
    } else {
        if (name)
            sql_syntax_error(p);
        return NULL;
    }
    parse_constraint_attrs(p, c);
    return p->failed ? NULL : c;
}

static AstNode *parse_table_constraint(SqlParser *p)
{
    int loc = sql_peek(p)->start;
    const char *name = NULL;
    if (sql_accept_kw(p, KW_CONSTRAINT))
        name = sql_parse_colid(p);
    AstConstraint *c = MAKE(p, AstConstraint, AST_CONSTRAINT, loc);
    if (!c)
        return NULL;
    c->name = name;
    c->expr_span = (AstSpan){ -1, -1 };
    if (sql_accept_kw(p, KW_CHECK)) {
        c->type = AST_CONSTR_CHECK;
        sql_expect_char(p, '(');
        c->expr_span.start = sql_peek(p)->start;
        c->expr = sql_parse_expr(p);
        c->expr_span.end = prev_end(p);
        sql_expect_char(p, ')');
    } else if (sql_accept_kw(p, KW_UNIQUE)) {
        c->type = AST_CONSTR_UNIQUE;
        if (sql_is_kw(p, KW_NULLS) && sql_is_kw_n(p, 1, KW_NOT)) {
            sql_advance(p);
            sql_advance(p);
            sql_expect_kw(p, KW_DISTINCT);
            c->nulls_not_distinct = true;
        }
        c->keys = sql_parse_paren_name_list(p);
    } else if (sql_accept_kw(p, KW_PRIMARY)) {
        sql_expect_kw(p, KW_KEY);
        c->type = AST_CONSTR_PRIMARY;
        c->keys = sql_parse_paren_name_list(p);
    } else if (sql_accept_kw(p, KW_FOREIGN)) {
        sql_expect_kw(p, KW_KEY);
        c->keys = sql_parse_paren_name_list(p);
        sql_expect_kw(p, KW_REFERENCES);
        parse_references(p, c);
    } else {
        sql_syntax_error(p);
        return NULL;
    }
    if ((c->type == AST_CONSTR_UNIQUE || c->type == AST_CONSTR_PRIMARY) && sql_accept_kw(p, KW_INCLUDE))
        c->including = sql_parse_paren_name_list(p);
    parse_constraint_attrs(p, c);
    return p->failed ? NULL : (AstNode *)c;
}

static AstColumnDef *parse_column_def(SqlParser *p)
{
    AstColumnDef *cd = MAKE(p, AstColumnDef, AST_COLUMN_DEF, sql_peek(p)->start);
    if (!cd)
        return NULL;
    cd->colname = sql_parse_colid(p);
    cd->type = sql_parse_typename(p);
    int cap = 0;
    while (!p->failed) {
        if (sql_accept_kw(p, KW_COLLATE)) {
            cd->collation = sql_parse_any_name(p);
            continue;
        }
        if (sql_peek(p)->type == TOK_IDENT &&
            !sql_peek(p)->quoted && strcmp(sql_peek(p)->str, "embedding") == 0 && sql_is_kw_n(p, 1, KW_OF)) {
            sql_advance(p);
            sql_advance(p);
            AstEmbedding *e = sql_palloc(p, sizeof *e);
            if (!e)
                return NULL;
            sql_expect_char(p, '(');
            e->expr_span.start = sql_peek(p)->start;
            e->expr = sql_parse_expr(p);
            e->expr_span.end = prev_end(p);
            sql_expect_char(p, ')');
            sql_expect_kw(p, KW_USING);
            e->embedder = sql_parse_colid(p);
            cd->embedding = e;
            continue;
        }
        AstConstraint *c = parse_column_constraint(p);
        if (!c)
            break;
        sql_list_push(p, &cd->constraints, (AstNode *)c, &cap);
    }
    return p->failed ? NULL : cd;
}

static bool at_table_constraint(const SqlParser *p)
{
    int kw = sql_tok_kw(sql_peek(p));
    return kw == KW_CONSTRAINT || kw == KW_CHECK || kw == KW_UNIQUE || kw == KW_PRIMARY ||
           kw == KW_FOREIGN;
}

static AstNode *parse_create_table(SqlParser *p, int loc, AstPersistence pers)
{
    bool ine = false;
    if (sql_is_kw(p, KW_IF)) {
        sql_advance(p);
        sql_expect_kw(p, KW_NOT);
        sql_expect_kw(p, KW_EXISTS);
        ine = true;
    }
    AstRangeVar *rel = sql_parse_qualified_name(p);
    if (!rel)
        return NULL;
    rel->persistence = pers;
    AstNameList cols = { 0 };
    if (sql_is_char(p, '(')) {
        /* CREATE TABLE t (a, b) AS ... has a bare name list */
        int k = 1;
        bool names_only = true;
        for (;;) {
            const SqlToken *t = sql_peek_n(p, k);
            if (t->type != TOK_IDENT) { names_only = false; break; }
            const SqlToken *n = sql_peek_n(p, k + 1);
            if (n->type == TOK_CHAR && n->ch == ',') { k += 2; continue; }
            if (n->type == TOK_CHAR && n->ch == ')') {
                names_only = sql_tok_kw(sql_peek_n(p, k + 2)) == KW_AS;
                break;
            }
            names_only = false;
            break;
        }
        if (names_only)
            cols = sql_parse_paren_name_list(p);
    }
    if (sql_accept_kw(p, KW_AS)) {
        AstCreateTableAsStmt *s = MAKE(p, AstCreateTableAsStmt, AST_CREATE_TABLE_AS, loc);
        if (!s)
            return NULL;
        s->relation = rel;
        s->colnames = cols;
        s->if_not_exists = ine;
        s->query = (AstSelectStmt *)sql_parse_select(p);
        if (sql_accept_kw(p, KW_WITH)) {
            if (sql_accept_kw(p, KW_NO))
                s->with_no_data = true;
            sql_expect_kw(p, KW_DATA);
        }
        return p->failed ? NULL : (AstNode *)s;
    }
    AstCreateTableStmt *s = MAKE(p, AstCreateTableStmt, AST_CREATE_TABLE, loc);
    if (!s)
        return NULL;
    s->relation = rel;
    s->if_not_exists = ine;
    sql_expect_char(p, '(');
    int cap = 0;
    if (!sql_is_char(p, ')')) {
        do {
            if (at_table_constraint(p))
                sql_list_push(p, &s->elements, parse_table_constraint(p), &cap);
            else
                sql_list_push(p, &s->elements, (AstNode *)parse_column_def(p), &cap);
        } while (!p->failed && sql_accept_char(p, ','));
    }
    sql_expect_char(p, ')');
    if (sql_is_kw(p, KW_WITH) && sql_peek_n(p, 1)->type == TOK_CHAR)
    {
        sql_advance(p);
        s->options = sql_parse_def_list(p);
    }
    return p->failed ? NULL : (AstNode *)s;
}

static AstNode *parse_create_index(SqlParser *p, int loc, bool unique)
{
    AstIndexStmt *s = MAKE(p, AstIndexStmt, AST_CREATE_INDEX, loc);
    if (!s)
        return NULL;
    s->unique = unique;
    sql_expect_kw(p, KW_INDEX);
    s->concurrently = sql_accept_kw(p, KW_CONCURRENTLY);
    if (sql_is_kw(p, KW_IF)) {
        sql_advance(p);
        sql_expect_kw(p, KW_NOT);
        sql_expect_kw(p, KW_EXISTS);
        s->if_not_exists = true;
    }
    if (!sql_is_kw(p, KW_ON))
        s->idxname = sql_parse_colid(p);
    sql_expect_kw(p, KW_ON);
    s->relation = sql_parse_relation_expr(p);
    if (sql_accept_kw(p, KW_USING))
        s->access_method = sql_parse_colid(p);
    sql_expect_char(p, '(');
    int cap = 0;
    do {
        AstIndexElem *e = MAKE(p, AstIndexElem, AST_INDEX_ELEM, sql_peek(p)->start);
        if (!e)
            return NULL;
        if (sql_is_char(p, '(')) {
            sql_advance(p);
            e->expr_span.start = sql_peek(p)->start;
            e->expr = sql_parse_expr(p);
            e->expr_span.end = prev_end(p);
            sql_expect_char(p, ')');
        } else if (sql_peek_n(p, 1)->type == TOK_CHAR && sql_peek_n(p, 1)->ch == '(') {
            e->expr_span.start = sql_peek(p)->start;
            e->expr = sql_parse_primary_expr(p);
            e->expr_span.end = prev_end(p);
        } else {
            e->name = sql_parse_colid(p);
        }
        if (sql_accept_kw(p, KW_COLLATE))
            e->collation = sql_parse_any_name(p);
        const SqlToken *t = sql_peek(p);
        int kw = sql_tok_kw(t);
        if (t->type == TOK_IDENT && kw != KW_ASC && kw != KW_DESC && kw != KW_NULLS)
            e->opclass = sql_parse_any_name(p);
        if (sql_accept_kw(p, KW_ASC))
            e->ordering = AST_SORT_ASC;
        else if (sql_accept_kw(p, KW_DESC))
            e->ordering = AST_SORT_DESC;
        if (sql_accept_kw(p, KW_NULLS)) {
            if (sql_accept_kw(p, KW_FIRST))
                e->nulls = AST_NULLS_FIRST;
            else if (sql_expect_kw(p, KW_LAST))
                e->nulls = AST_NULLS_LAST;
        }
        sql_list_push(p, &s->params, (AstNode *)e, &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    sql_expect_char(p, ')');
    if (sql_accept_kw(p, KW_INCLUDE)) {
        AstNameList names = sql_parse_paren_name_list(p);
        int icap = 0;
        for (int i = 0; i < names.n; i++) {
            AstIndexElem *e = MAKE(p, AstIndexElem, AST_INDEX_ELEM, -1);
            if (!e)
                return NULL;
            e->name = names.names[i];
            sql_list_push(p, &s->including, (AstNode *)e, &icap);
        }
    }
    if (sql_is_kw(p, KW_NULLS) && sql_is_kw_n(p, 1, KW_NOT)) {
        sql_advance(p);
        sql_advance(p);
        sql_expect_kw(p, KW_DISTINCT);
        s->nulls_not_distinct = true;
    }
    if (sql_accept_kw(p, KW_WITH))
        s->options = sql_parse_def_list(p);
    if (sql_accept_kw(p, KW_WHERE)) {
        s->where_span.start = sql_peek(p)->start;
        s->where = sql_parse_expr(p);
        s->where_span.end = prev_end(p);
    }
    return p->failed ? NULL : (AstNode *)s;
}

/* Sequence options: INCREMENT [BY] n, MINVALUE n | NO MINVALUE, MAXVALUE n | NO MAXVALUE,
 * START [WITH] n, RESTART [[WITH] n], CACHE n, [NO] CYCLE, OWNED BY t.c | NONE, AS type. */
static AstList parse_seq_options(SqlParser *p, bool in_parens)
{
    AstList l = { 0 };
    int cap = 0;
    if (in_parens)
        sql_expect_char(p, '(');
    for (;;) {
        if (p->failed)
            break;
        int loc = sql_peek(p)->start;
        int kw = sql_tok_kw(sql_peek(p));
        AstDefElem *d = NULL;
        if (kw == KW_INCREMENT) {
            sql_advance(p);
            sql_accept_kw(p, KW_BY);
            d = make_def(p, "increment", sql_parse_const_value(p), loc);
        } else if (kw == KW_MINVALUE || kw == KW_MAXVALUE) {
            sql_advance(p);
            d = make_def(p, kw == KW_MINVALUE ? "minvalue" : "maxvalue", sql_parse_const_value(p), loc);
        } else if (kw == KW_NO) {
            sql_advance(p);
            int k2 = sql_tok_kw(sql_peek(p));
            sql_advance(p);
            if (k2 == KW_MINVALUE)
                d = make_def(p, "minvalue", NULL, loc);
            else if (k2 == KW_MAXVALUE)
                d = make_def(p, "maxvalue", NULL, loc);
            else if (k2 == KW_CYCLE)
                d = make_def(p, "cycle", make_bool_const(p, false, loc), loc);
            else {
                p->pos--;
                sql_syntax_error(p);
            }
        } else if (kw == KW_START) {
            sql_advance(p);
            sql_accept_kw(p, KW_WITH);
            d = make_def(p, "start", sql_parse_const_value(p), loc);
        } else if (kw == KW_RESTART) {
            sql_advance(p);
            bool with = sql_accept_kw(p, KW_WITH);
            const SqlToken *t = sql_peek(p);
            AstNode *v = NULL;
            if (with || t->type == TOK_ICONST || t->type == TOK_FCONST || t->type == TOK_OP)
                v = sql_parse_const_value(p);
            d = make_def(p, "restart", v, loc);
        } else if (kw == KW_CACHE) {
            sql_advance(p);
            d = make_def(p, "cache", sql_parse_const_value(p), loc);
        } else if (kw == KW_CYCLE) {
            sql_advance(p);
            d = make_def(p, "cycle", make_bool_const(p, true, loc), loc);
        } else if (kw == KW_OWNED) {
            sql_advance(p);
            sql_expect_kw(p, KW_BY);
            d = make_def(p, "owned_by", sql_parse_def_arg(p), loc);
        } else if (kw == KW_AS) {
            sql_advance(p);
            d = make_def(p, "as", (AstNode *)sql_parse_typename(p), loc);
        } else if (kw == KW_SEQUENCE && sql_is_kw_n(p, 1, KW_NAME)) {
            sql_advance(p);
            sql_advance(p);
            AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, loc);
            if (c)
                c->fields = sql_parse_any_name(p);
            d = make_def(p, "sequence_name", (AstNode *)c, loc);
        } else {
            break;
        }
        sql_list_push(p, &l, (AstNode *)d, &cap);
    }
    if (in_parens)
        sql_expect_char(p, ')');
    return l;
}

static AstNode *parse_sequence(SqlParser *p, int loc, bool create)
{
    AstSequenceStmt *s = MAKE(p, AstSequenceStmt, create ? AST_CREATE_SEQUENCE : AST_ALTER_SEQUENCE, loc);
    if (!s)
        return NULL;
    if (sql_is_kw(p, KW_IF)) {
        sql_advance(p);
        if (create)
            sql_expect_kw(p, KW_NOT);
        sql_expect_kw(p, KW_EXISTS);
        s->if_not_exists = true;
    }
    s->sequence = sql_parse_qualified_name(p);
    s->options = parse_seq_options(p, false);
    return p->failed ? NULL : (AstNode *)s;
}

/* CREATE/ALTER ROLE options. */
static AstList parse_role_options(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    sql_accept_kw(p, KW_WITH);
    for (;;) {
        if (p->failed)
            break;
        const SqlToken *t = sql_peek(p);
        int loc = t->start;
        if (t->type != TOK_IDENT || t->quoted)
            break;
        AstDefElem *d = NULL;
        static const char *const flags[] = { "superuser", "createdb", "createrole", "inherit",
                                             "login", "replication", "bypassrls" };
        const char *w = t->str;
        bool matched = false;
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            if (strcmp(w, flags[i]) == 0) {
                sql_advance(p);
                d = make_def(p, flags[i], make_bool_const(p, true, loc), loc);
                matched = true;
            } else if (strncmp(w, "no", 2) == 0 && strcmp(w + 2, flags[i]) == 0) {
                sql_advance(p);
                d = make_def(p, flags[i], make_bool_const(p, false, loc), loc);
                matched = true;
            }
        }
        if (matched) {
        } else if (t->kw == KW_PASSWORD) {
            sql_advance(p);
            if (sql_accept_kw(p, KW_NULL))
                d = make_def(p, "password", NULL, loc);
            else
                d = make_def(p, "password", sql_parse_const_value(p), loc);
        } else if (t->kw == KW_ENCRYPTED && sql_is_kw_n(p, 1, KW_PASSWORD)) {
            sql_advance(p);
            sql_advance(p);
            d = make_def(p, "password", sql_parse_const_value(p), loc);
        } else if (t->kw == KW_CONNECTION && sql_is_kw_n(p, 1, KW_LIMIT)) {
            sql_advance(p);
            sql_advance(p);
            d = make_def(p, "connection_limit", sql_parse_const_value(p), loc);
        } else if (t->kw == KW_VALID && sql_is_kw_n(p, 1, KW_UNTIL)) {
            sql_advance(p);
            sql_advance(p);
            d = make_def(p, "valid_until", sql_parse_const_value(p), loc);
        } else if ((t->kw == KW_IN && sql_is_kw_n(p, 1, KW_ROLE)) || t->kw == KW_ROLE || t->kw == KW_ADMIN) {
            const char *nm = t->kw == KW_ADMIN ? "admin" : t->kw == KW_ROLE ? "role" : "in_role";
            sql_advance(p);
            if (t->kw == KW_IN)
                sql_advance(p);
            AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, loc);
            if (c)
                c->fields = sql_parse_name_list(p);
            d = make_def(p, nm, (AstNode *)c, loc);
        } else {
            break;
        }
        sql_list_push(p, &l, (AstNode *)d, &cap);
    }
    return l;
}

static AstNode *parse_role(SqlParser *p, int loc, AstRoleStmtKind kind, char type)
{
    AstRoleStmt *s = MAKE(p, AstRoleStmt, AST_ROLE, loc);
    if (!s)
        return NULL;
    s->kind = kind;
    s->role_type = type;
    int cap = 0;
    if (kind == AST_ROLE_DROP) {
        if (sql_is_kw(p, KW_IF)) {
            sql_advance(p);
            sql_expect_kw(p, KW_EXISTS);
            s->missing_ok = true;
        }
        s->names = sql_parse_name_list(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_IDENT && (t->kw == KW__NONE || t->quoted || sql_keyword_cat((SqlKeyword)t->kw) != 'R' ||
                                 (kind == AST_ROLE_ALTER && (t->kw == KW_CURRENT_USER || t->kw == KW_SESSION_USER)))) {
        sql_names_push(p, &s->names, t->str, &cap);
        sql_advance(p);
    } else {
        sql_syntax_error(p);
        return NULL;
    }
    if (kind == AST_ROLE_ALTER && sql_is_kw(p, KW_RENAME)) {
        int l2 = sql_peek(p)->start;
        sql_advance(p);
        sql_expect_kw(p, KW_TO);
        AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, sql_peek(p)->start);
        int ncap = 0;
        if (c)
            sql_names_push(p, &c->fields, sql_parse_colid(p), &ncap);
        int ocap = 0;
        sql_list_push(p, &s->options, (AstNode *)make_def(p, "rename_to", (AstNode *)c, l2), &ocap);
        return p->failed ? NULL : (AstNode *)s;
    }
    if (kind == AST_ROLE_ALTER && (sql_is_kw(p, KW_SET) || sql_is_kw(p, KW_RESET) || sql_is_kw(p, KW_IN))) {
        /* ALTER ROLE r [IN DATABASE d] SET ... | RESET ...: options in_database (string),
         * set_config (the AstVariableSetStmt) */
        int ocap = 0, l2 = sql_peek(p)->start;
        if (sql_accept_kw(p, KW_IN)) {
            sql_expect_kw(p, KW_DATABASE);
            int l3 = sql_peek(p)->start;
            AstConst *dn = MAKE(p, AstConst, AST_CONST, l3);
            if (dn) {
                dn->kind = AST_CONST_STRING;
                dn->str = sql_parse_colid(p);
                dn->len = dn->str ? (int)strlen(dn->str) : 0;
            }
            sql_list_push(p, &s->options, (AstNode *)make_def(p, "in_database", (AstNode *)dn, l3), &ocap);
            l2 = sql_peek(p)->start;
        }
        AstNode *set = sql_parse_set_reset(p);
        sql_list_push(p, &s->options, (AstNode *)make_def(p, "set_config", set, l2), &ocap);
        return p->failed ? NULL : (AstNode *)s;
    }
    s->options = parse_role_options(p);
    return p->failed ? NULL : (AstNode *)s;
}

AstNode *sql_parse_ddl_create(SqlParser *p)
{
    int loc = sql_peek(p)->start;
    sql_advance(p);   /* CREATE */
    bool replace = false;
    if (sql_is_kw(p, KW_OR)) {
        sql_advance(p);
        sql_expect_kw(p, KW_REPLACE);
        replace = true;
    }
    AstPersistence pers = AST_PERSIST_PERMANENT;
    if (sql_accept_kw(p, KW_TEMP) || sql_accept_kw(p, KW_TEMPORARY)) {
        pers = AST_PERSIST_TEMP;
    } else if ((sql_is_kw(p, KW_LOCAL) || sql_is_kw(p, KW_GLOBAL)) &&
               (sql_is_kw_n(p, 1, KW_TEMP) || sql_is_kw_n(p, 1, KW_TEMPORARY))) {
        sql_advance(p);
        sql_advance(p);
        pers = AST_PERSIST_TEMP;
    } else if (sql_accept_kw(p, KW_UNLOGGED)) {
        pers = AST_PERSIST_UNLOGGED;
    }
    const SqlToken *t = sql_peek(p);
    int kw = sql_tok_kw(t);
    if (p->failed)
        return NULL;
    if (kw == KW_TABLE && !replace) {
        sql_advance(p);
        return parse_create_table(p, loc, pers);
    }
    if (kw == KW_RECURSIVE || kw == KW_VIEW) {
        AstViewStmt *v = MAKE(p, AstViewStmt, AST_CREATE_VIEW, loc);
        if (!v)
            return NULL;
        v->recursive = sql_accept_kw(p, KW_RECURSIVE);
        sql_expect_kw(p, KW_VIEW);
        v->replace = replace;
        v->view = sql_parse_qualified_name(p);
        if (v->view)
            v->view->persistence = pers;
        if (sql_is_char(p, '('))
            v->aliases = sql_parse_paren_name_list(p);
        if (sql_is_kw(p, KW_WITH))  {
            sql_advance(p);
            v->options = sql_parse_def_list(p);
        }
        sql_expect_kw(p, KW_AS);
        v->query_span.start = sql_peek(p)->start;
        v->query = (AstSelectStmt *)sql_parse_select(p);
        v->query_span.end = prev_end(p);
        if (sql_is_kw(p, KW_WITH)) {
            sql_advance(p);
            v->check_option = 'c';
            if (!sql_accept_kw(p, KW_CASCADED) && sql_accept_kw(p, KW_LOCAL))
                v->check_option = 'l';
            sql_expect_kw(p, KW_CHECK);
            sql_expect_kw(p, KW_OPTION);
        }
        return p->failed ? NULL : (AstNode *)v;
    }
    if (replace || pers != AST_PERSIST_PERMANENT) {
        if (pers == AST_PERSIST_TEMP && kw == KW_SEQUENCE) {
            sql_advance(p);
            return parse_sequence(p, loc, true);
        }
        sql_syntax_error(p);
        return NULL;
    }
    switch (kw) {
    case KW_UNIQUE:
        sql_advance(p);
        return parse_create_index(p, loc, true);
    case KW_INDEX:
        return parse_create_index(p, loc, false);
    case KW_SEQUENCE:
        sql_advance(p);
        return parse_sequence(p, loc, true);
    case KW_SCHEMA: {
        sql_advance(p);
        AstCreateSchemaStmt *s = MAKE(p, AstCreateSchemaStmt, AST_CREATE_SCHEMA, loc);
        if (!s)
            return NULL;
        if (sql_is_kw(p, KW_IF)) {
            sql_advance(p);
            sql_expect_kw(p, KW_NOT);
            sql_expect_kw(p, KW_EXISTS);
            s->if_not_exists = true;
        }
        if (!sql_is_kw(p, KW_AUTHORIZATION))
            s->name = sql_parse_colid(p);
        if (sql_accept_kw(p, KW_AUTHORIZATION))
            s->authrole = sql_parse_colid(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    case KW_DATABASE: {
        sql_advance(p);
        AstCreateDatabaseStmt *s = MAKE(p, AstCreateDatabaseStmt, AST_CREATE_DATABASE, loc);
        if (!s)
            return NULL;
        s->name = sql_parse_colid(p);
        sql_accept_kw(p, KW_WITH);
        int cap = 0;
        while (!p->failed && sql_peek(p)->type == TOK_IDENT) {
            int l2 = sql_peek(p)->start;
            const char *name = sql_peek(p)->str;
            sql_advance(p);
            if (strcmp(name, "connection") == 0 && sql_accept_kw(p, KW_LIMIT))
                name = "connection_limit";
            sql_accept_op(p, "=");
            AstNode *arg = sql_is_kw(p, KW_DEFAULT) ? (sql_advance(p), NULL) : sql_parse_def_arg(p);
            sql_list_push(p, &s->options, (AstNode *)make_def(p, name, arg, l2), &cap);
        }
        return p->failed ? NULL : (AstNode *)s;
    }
    case KW_ROLE: case KW_USER: case KW_GROUP:
        sql_advance(p);
        return parse_role(p, loc, AST_ROLE_CREATE, kw == KW_ROLE ? 'r' : kw == KW_USER ? 'u' : 'g');
    case KW_EXTENSION: {
        sql_advance(p);
        AstCreateExtensionStmt *s = MAKE(p, AstCreateExtensionStmt, AST_CREATE_EXTENSION, loc);
        if (!s)
            return NULL;
        if (sql_is_kw(p, KW_IF)) {
            sql_advance(p);
            sql_expect_kw(p, KW_NOT);
            sql_expect_kw(p, KW_EXISTS);
            s->if_not_exists = true;
        }
        s->name = sql_parse_colid(p);
        sql_accept_kw(p, KW_WITH);
        int cap = 0;
        for (;;) {
            int l2 = sql_peek(p)->start;
            if (sql_accept_kw(p, KW_SCHEMA))
                sql_list_push(p, &s->options, (AstNode *)make_def(p, "schema", sql_parse_def_arg(p), l2), &cap);
            else if (sql_accept_kw(p, KW_VERSION))
                sql_list_push(p, &s->options, (AstNode *)make_def(p, "version", sql_parse_def_arg(p), l2), &cap);
            else if (sql_accept_kw(p, KW_CASCADE))
                sql_list_push(p, &s->options, (AstNode *)make_def(p, "cascade", make_bool_const(p, true, l2), l2), &cap);
            else
                break;
        }
        return p->failed ? NULL : (AstNode *)s;
    }
    default:
        break;
    }
    if (t->type == TOK_IDENT && !t->quoted && strcmp(t->str, "embedder") == 0) {
        sql_advance(p);
        AstCreateEmbedderStmt *s = MAKE(p, AstCreateEmbedderStmt, AST_CREATE_EMBEDDER, loc);
        if (!s)
            return NULL;
        if (sql_is_kw(p, KW_IF)) {
            sql_advance(p);
            sql_expect_kw(p, KW_NOT);
            sql_expect_kw(p, KW_EXISTS);
            s->if_not_exists = true;
        }
        s->name = sql_parse_colid(p);
        if (sql_is_char(p, '('))
            s->options = sql_parse_def_list(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    sql_syntax_error(p);
    return NULL;
}

AstNode *sql_parse_table_element(SqlParser *p)
{
    if (at_table_constraint(p))
        return parse_table_constraint(p);
    return (AstNode *)parse_column_def(p);
}

AstNode *sql_parse_alter_sequence(SqlParser *p, int loc)
{
    return parse_sequence(p, loc, false);
}

AstNode *sql_parse_alter_role(SqlParser *p)
{
    int loc = p->toks[p->pos > 0 ? p->pos - 1 : 0].start;
    int kw = sql_tok_kw(sql_peek(p));
    sql_advance(p);
    return parse_role(p, loc, AST_ROLE_ALTER, kw == KW_ROLE ? 'r' : kw == KW_USER ? 'u' : 'g');
}
