/* parse_alter.c -- DROP, ALTER TABLE / SEQUENCE / ROLE, TRUNCATE, COMMENT ON, GRANT and
 * REVOKE. */
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"


static AstDropBehavior parse_behavior(SqlParser *p)
{
    if (sql_accept_kw(p, KW_CASCADE))
        return AST_DROP_CASCADE;
    if (sql_accept_kw(p, KW_RESTRICT))
        return AST_DROP_RESTRICT;
    return AST_DROP_DEFAULT;
}

static bool parse_if_exists(SqlParser *p)
{
    if (sql_is_kw(p, KW_IF) && sql_is_kw_n(p, 1, KW_EXISTS)) {
        sql_advance(p);
        sql_advance(p);
        return true;
    }
    return false;
}

AstNode *sql_parse_ddl_drop(SqlParser *p)
{
    int loc = sql_peek(p)->start;
    sql_advance(p);   /* DROP */
    const SqlToken *t = sql_peek(p);
    int kw = sql_tok_kw(t);
    AstObjectType kind;
    switch (kw) {
    case KW_TABLE: kind = AST_OBJ_TABLE; break;
    case KW_INDEX: kind = AST_OBJ_INDEX; break;
    case KW_VIEW: kind = AST_OBJ_VIEW; break;
    case KW_SEQUENCE: kind = AST_OBJ_SEQUENCE; break;
    case KW_SCHEMA: kind = AST_OBJ_SCHEMA; break;
    case KW_DATABASE: kind = AST_OBJ_DATABASE; break;
    case KW_EXTENSION: kind = AST_OBJ_EXTENSION; break;
    case KW_TYPE: kind = AST_OBJ_TYPE; break;
    case KW_MATERIALIZED: kind = AST_OBJ_MATVIEW; break;
    case KW_ROLE: case KW_USER: case KW_GROUP: {
        sql_advance(p);
        AstRoleStmt *s = MAKE(p, AstRoleStmt, AST_ROLE, loc);
        if (!s)
            return NULL;
        s->kind = AST_ROLE_DROP;
        s->role_type = kw == KW_ROLE ? 'r' : kw == KW_USER ? 'u' : 'g';
        s->missing_ok = parse_if_exists(p);
        s->names = sql_parse_name_list(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    default:
        if (t->type == TOK_IDENT && !t->quoted && strcmp(t->str, "embedder") == 0) {
            kind = AST_OBJ_EMBEDDER;
            break;
        }
        sql_syntax_error(p);
        return NULL;
    }
    sql_advance(p);
    if (kind == AST_OBJ_MATVIEW)
        sql_expect_kw(p, KW_VIEW);
    AstDropStmt *s = MAKE(p, AstDropStmt, AST_DROP, loc);
    if (!s)
        return NULL;
    s->kind = kind;
    if (kind == AST_OBJ_INDEX)
        s->concurrently = sql_accept_kw(p, KW_CONCURRENTLY);
    s->missing_ok = parse_if_exists(p);
    int cap = 0;
    do {
        AstRangeVar *rv;
        if (kind == AST_OBJ_SCHEMA || kind == AST_OBJ_DATABASE || kind == AST_OBJ_EXTENSION ||
            kind == AST_OBJ_EMBEDDER) {
            rv = MAKE(p, AstRangeVar, AST_RANGE_VAR, sql_peek(p)->start);
            if (rv) {
                rv->relname = sql_parse_colid(p);
                rv->inh = true;
            }
        } else {
            rv = sql_parse_qualified_name(p);
        }
        sql_list_push(p, &s->objects, (AstNode *)rv, &cap);
    } while (!p->failed && kind != AST_OBJ_DATABASE && sql_accept_char(p, ','));
    if (kind == AST_OBJ_DATABASE) {
        if (sql_is_kw(p, KW_WITH) || sql_is_char(p, '(')) {
            sql_accept_kw(p, KW_WITH);
            sql_expect_char(p, '(');
            sql_expect_kw(p, KW_FORCE);
            sql_expect_char(p, ')');
            s->force = true;
        }
    } else {
        s->behavior = parse_behavior(p);
    }
    return p->failed ? NULL : (AstNode *)s;
}

static AstAlterCmd *parse_alter_cmd(SqlParser *p)
{
    AstAlterCmd *c = MAKE(p, AstAlterCmd, AST_ALTER_CMD, sql_peek(p)->start);
    if (!c)
        return NULL;
    c->def_span = (AstSpan){ -1, -1 };
    int kw = sql_tok_kw(sql_peek(p));
    sql_advance(p);
    if (kw == KW_ADD) {
        int k2 = sql_tok_kw(sql_peek(p));
        if (k2 == KW_CONSTRAINT || k2 == KW_CHECK || k2 == KW_UNIQUE || k2 == KW_PRIMARY || k2 == KW_FOREIGN) {
            c->kind = AST_AT_ADD_CONSTRAINT;
            c->def = sql_parse_table_element(p);
        } else {
            sql_accept_kw(p, KW_COLUMN);
            c->kind = AST_AT_ADD_COLUMN;
            if (sql_is_kw(p, KW_IF) && sql_is_kw_n(p, 1, KW_NOT)) {
                sql_advance(p);
                sql_advance(p);
                sql_expect_kw(p, KW_EXISTS);
                c->missing_ok = true;
            }
            c->def = sql_parse_table_element(p);
        }
    } else if (kw == KW_DROP) {
        if (sql_accept_kw(p, KW_CONSTRAINT)) {
            c->kind = AST_AT_DROP_CONSTRAINT;
        } else {
            sql_accept_kw(p, KW_COLUMN);
            c->kind = AST_AT_DROP_COLUMN;
        }
        c->missing_ok = parse_if_exists(p);
        c->name = sql_parse_colid(p);
        c->behavior = parse_behavior(p);
    } else if (kw == KW_RENAME) {
        if (sql_accept_kw(p, KW_TO)) {
            c->kind = AST_AT_RENAME_TABLE;
            c->newname = sql_parse_colid(p);
        } else {
            c->kind = sql_accept_kw(p, KW_CONSTRAINT) ? AST_AT_RENAME_CONSTRAINT
                    : (sql_accept_kw(p, KW_COLUMN), AST_AT_RENAME_COLUMN);
            c->name = sql_parse_colid(p);
            sql_expect_kw(p, KW_TO);
            c->newname = sql_parse_colid(p);
        }
    } else if (kw == KW_ALTER) {
        sql_accept_kw(p, KW_COLUMN);
        c->name = sql_parse_colid(p);
        if (sql_accept_kw(p, KW_SET)) {
            if (sql_accept_kw(p, KW_DEFAULT)) {
                c->kind = AST_AT_SET_DEFAULT;
                c->def_span.start = sql_peek(p)->start;
                c->def = sql_parse_expr(p);
                c->def_span.end = p->toks[p->pos - 1].end;
            } else if (sql_accept_kw(p, KW_NOT)) {
                sql_expect_kw(p, KW_NULL);
                c->kind = AST_AT_SET_NOT_NULL;
            } else if (sql_accept_kw(p, KW_DATA)) {
                sql_expect_kw(p, KW_TYPE);
                goto alter_type;
            } else if (sql_peek(p)->type == TOK_IDENT && !sql_peek(p)->quoted &&
                       strcmp(sql_peek(p)->str, "embedding") == 0 && sql_is_kw_n(p, 1, KW_OF)) {
                sql_advance(p);   /* SET EMBEDDING OF (expr) USING embedder */
                sql_advance(p);
                c->kind = AST_AT_SET_EMBEDDING;
                sql_expect_char(p, '(');
                c->def_span.start = sql_peek(p)->start;
                c->def = sql_parse_expr(p);
                c->def_span.end = p->toks[p->pos - 1].end;
                sql_expect_char(p, ')');
                sql_expect_kw(p, KW_USING);
                c->newname = sql_parse_colid(p);
            } else {
                sql_syntax_error(p);
            }
        } else if (sql_accept_kw(p, KW_DROP)) {
            if (sql_accept_kw(p, KW_DEFAULT)) {
                c->kind = AST_AT_DROP_DEFAULT;
            } else if (sql_peek(p)->type == TOK_IDENT && !sql_peek(p)->quoted &&
                       strcmp(sql_peek(p)->str, "embedding") == 0) {
                sql_advance(p);
                c->kind = AST_AT_DROP_EMBEDDING;
            } else if (sql_expect_kw(p, KW_NOT)) {
                sql_expect_kw(p, KW_NULL);
                c->kind = AST_AT_DROP_NOT_NULL;
            }
        } else if (sql_accept_kw(p, KW_TYPE)) {
alter_type:
            c->kind = AST_AT_ALTER_TYPE;
            c->def = (AstNode *)sql_parse_typename(p);
            if (sql_accept_kw(p, KW_COLLATE))
                c->collation = sql_parse_any_name(p);
            if (sql_accept_kw(p, KW_USING))
                c->using_expr = sql_parse_expr(p);
        } else {
            sql_syntax_error(p);
        }
    } else if (kw == KW_OWNER) {
        sql_expect_kw(p, KW_TO);
        c->kind = AST_AT_OWNER_TO;
        const SqlToken *t = sql_peek(p);
        if (t->type == TOK_IDENT && (t->kw == KW_CURRENT_USER || t->kw == KW_SESSION_USER || t->kw == KW_CURRENT_ROLE)) {
            c->newname = t->str;
            sql_advance(p);
        } else {
            c->newname = sql_parse_colid(p);
        }
    } else if (kw == KW_SET && sql_is_kw(p, KW_SCHEMA)) {
        sql_advance(p);
        c->kind = AST_AT_SET_SCHEMA;
        c->newname = sql_parse_colid(p);
    } else {
        p->pos--;
        sql_syntax_error(p);
    }
    return p->failed ? NULL : c;
}

/* ALTER DATABASE name { RENAME TO n | OWNER TO r | [WITH] option [=] value ... |
 * SET param {TO | =} value | RESET param }: an AstAlterTableStmt of kind AST_OBJ_DATABASE
 * (relation->relname = the database) whose commands are AST_AT_RENAME_TABLE / AST_AT_OWNER_TO
 * (newname; OWNER TO CURRENT_USER/SESSION_USER/CURRENT_ROLE: that keyword with missing_ok
 * set), AST_AT_SET_DEFAULT (name = connection_limit / is_template / allow_connections,
 * def = the value) and AST_AT_DROP_DEFAULT (def = the AstVariableSetStmt of SET/RESET,
 * name = its parameter; sql/ddl_setconfig.c). */
static AstNode *parse_alter_database(SqlParser *p, int loc)
{
    AstAlterTableStmt *s = MAKE(p, AstAlterTableStmt, AST_ALTER_TABLE, loc);
    AstRangeVar *rv = MAKE(p, AstRangeVar, AST_RANGE_VAR, sql_peek(p)->start);
    if (!s || !rv)
        return NULL;
    s->kind = AST_OBJ_DATABASE;
    rv->relname = sql_parse_colid(p);
    rv->inh = true;
    s->relation = rv;
    int cap = 0;
    int cloc = sql_peek(p)->start;
    if (sql_accept_kw(p, KW_RENAME) || sql_accept_kw(p, KW_OWNER)) {
        AstAlterCmd *c = MAKE(p, AstAlterCmd, AST_ALTER_CMD, cloc);
        if (!c)
            return NULL;
        c->kind = sql_tok_kw(&p->toks[p->pos - 1]) == KW_RENAME ? AST_AT_RENAME_TABLE : AST_AT_OWNER_TO;
        sql_expect_kw(p, KW_TO);
        const SqlToken *t = sql_peek(p);
        if (c->kind == AST_AT_OWNER_TO && t->type == TOK_IDENT && !t->quoted &&
            (t->kw == KW_CURRENT_USER || t->kw == KW_SESSION_USER || t->kw == KW_CURRENT_ROLE)) {
            c->newname = t->str;   /* lower-case keyword: resolved to the session's user */
            c->missing_ok = true;  /* marks the keyword form (not a quoted role name) */
            sql_advance(p);
        } else {
            c->newname = sql_parse_colid(p);
        }
        sql_list_push(p, &s->cmds, (AstNode *)c, &cap);
    } else if (sql_is_kw(p, KW_SET) || sql_is_kw(p, KW_RESET)) {
        AstAlterCmd *c = MAKE(p, AstAlterCmd, AST_ALTER_CMD, cloc);
        if (!c)
            return NULL;
        c->kind = AST_AT_DROP_DEFAULT;
        c->def = sql_parse_set_reset(p);
        if (c->def)
            c->name = ((const AstVariableSetStmt *)c->def)->name;
        sql_list_push(p, &s->cmds, (AstNode *)c, &cap);
    } else {
        sql_accept_kw(p, KW_WITH);
        while (!p->failed && sql_peek(p)->type == TOK_IDENT) {
            AstAlterCmd *c = MAKE(p, AstAlterCmd, AST_ALTER_CMD, sql_peek(p)->start);
            if (!c)
                return NULL;
            c->kind = AST_AT_SET_DEFAULT;
            c->name = sql_peek(p)->str;
            sql_advance(p);
            if (strcmp(c->name, "connection") == 0 && sql_accept_kw(p, KW_LIMIT))
                c->name = "connection_limit";
            sql_accept_op(p, "=");
            c->def = sql_parse_def_arg(p);
            sql_list_push(p, &s->cmds, (AstNode *)c, &cap);
        }
        if (s->cmds.n == 0)
            sql_syntax_error(p);
    }
    return p->failed ? NULL : (AstNode *)s;
}

AstNode *sql_parse_ddl_alter(SqlParser *p)
{
    int loc = sql_peek(p)->start;
    sql_advance(p);   /* ALTER */
    int kw = sql_tok_kw(sql_peek(p));
    if (kw == KW_SEQUENCE && !(sql_is_kw_n(p, 2, KW_RENAME) || sql_is_kw_n(p, 2, KW_OWNER))) {
        sql_advance(p);
        return sql_parse_alter_sequence(p, loc);
    }
    if (kw == KW_ROLE || kw == KW_USER || kw == KW_GROUP) {
        return sql_parse_alter_role(p);
    }
    if (sql_peek(p)->type == TOK_IDENT && !sql_peek(p)->quoted && strcmp(sql_peek(p)->str, "embedder") == 0) {
        sql_advance(p);   /* ALTER EMBEDDER name (key = value, ...) */
        AstCreateEmbedderStmt *e = MAKE(p, AstCreateEmbedderStmt, AST_CREATE_EMBEDDER, loc);
        if (!e)
            return NULL;
        e->is_alter = true;
        e->name = sql_parse_colid(p);
        e->options = sql_parse_def_list(p);
        return p->failed ? NULL : (AstNode *)e;
    }
    if (kw == KW_DATABASE) {
        sql_advance(p);
        return parse_alter_database(p, loc);
    }
    AstObjectType kind;
    switch (kw) {
    case KW_TABLE: kind = AST_OBJ_TABLE; break;
    case KW_INDEX: kind = AST_OBJ_INDEX; break;
    case KW_VIEW: kind = AST_OBJ_VIEW; break;
    case KW_SEQUENCE: kind = AST_OBJ_SEQUENCE; break;
    case KW_SCHEMA: kind = AST_OBJ_SCHEMA; break;   /* OWNER TO / RENAME TO (sql/ddl_grant.c) */
    default:
        sql_syntax_error(p);
        return NULL;
    }
    sql_advance(p);
    AstAlterTableStmt *s = MAKE(p, AstAlterTableStmt, AST_ALTER_TABLE, loc);
    if (!s)
        return NULL;
    s->kind = kind;
    s->missing_ok = parse_if_exists(p);
    s->relation = sql_parse_relation_expr(p);
    int cap = 0;
    do {
        sql_list_push(p, &s->cmds, (AstNode *)parse_alter_cmd(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return p->failed ? NULL : (AstNode *)s;
}

AstNode *sql_parse_truncate(SqlParser *p)
{
    AstTruncateStmt *s = MAKE(p, AstTruncateStmt, AST_TRUNCATE, sql_peek(p)->start);
    if (!s)
        return NULL;
    sql_advance(p);
    sql_accept_kw(p, KW_TABLE);
    int cap = 0;
    do {
        sql_list_push(p, &s->relations, (AstNode *)sql_parse_relation_expr(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    if (sql_accept_kw(p, KW_RESTART)) {
        sql_expect_kw(p, KW_IDENTITY);
        s->restart_seqs = true;
    } else if (sql_accept_kw(p, KW_CONTINUE)) {
        sql_expect_kw(p, KW_IDENTITY);
    }
    s->behavior = parse_behavior(p);
    return p->failed ? NULL : (AstNode *)s;
}

AstNode *sql_parse_comment(SqlParser *p)
{
    AstCommentStmt *s = MAKE(p, AstCommentStmt, AST_COMMENT, sql_peek(p)->start);
    if (!s)
        return NULL;
    sql_advance(p);
    sql_expect_kw(p, KW_ON);
    int kw = sql_tok_kw(sql_peek(p));
    switch (kw) {
    case KW_TABLE: s->objtype = AST_OBJ_TABLE; break;
    case KW_COLUMN: s->objtype = AST_OBJ_COLUMN; break;
    case KW_INDEX: s->objtype = AST_OBJ_INDEX; break;
    case KW_VIEW: s->objtype = AST_OBJ_VIEW; break;
    case KW_SEQUENCE: s->objtype = AST_OBJ_SEQUENCE; break;
    case KW_SCHEMA: s->objtype = AST_OBJ_SCHEMA; break;
    case KW_DATABASE: s->objtype = AST_OBJ_DATABASE; break;
    case KW_ROLE: s->objtype = AST_OBJ_ROLE; break;
    case KW_EXTENSION: s->objtype = AST_OBJ_EXTENSION; break;
    default:
        sql_syntax_error(p);
        return NULL;
    }
    sql_advance(p);
    s->object = sql_parse_any_name(p);
    sql_expect_kw(p, KW_IS);
    if (!sql_accept_kw(p, KW_NULL))
        s->comment = sql_parse_string(p);
    return p->failed ? NULL : (AstNode *)s;
}

AstNode *sql_parse_grant(SqlParser *p)
{
    AstGrantStmt *s = MAKE(p, AstGrantStmt, AST_GRANT, sql_peek(p)->start);
    if (!s)
        return NULL;
    s->is_grant = sql_is_kw(p, KW_GRANT);
    sql_advance(p);
    if (!s->is_grant && (sql_is_kw(p, KW_GRANT) || sql_is_kw(p, KW_ADMIN)) && sql_is_kw_n(p, 1, KW_OPTION)) {
        sql_advance(p);
        sql_advance(p);
        sql_expect_kw(p, KW_FOR);
        s->grant_option = true;
    }
    int cap = 0;
    if (sql_accept_kw(p, KW_ALL)) {
        sql_accept_kw(p, KW_PRIVILEGES);
    } else {
        do {
            const SqlToken *t = sql_peek(p);
            if (t->type != TOK_IDENT) {
                sql_syntax_error(p);
                return NULL;
            }
            sql_names_push(p, &s->privileges, t->str, &cap);
            sql_advance(p);
        } while (!p->failed && sql_accept_char(p, ','));
    }
    if (sql_is_kw(p, s->is_grant ? KW_TO : KW_FROM) && s->privileges.n > 0) {
        /* GRANT role [, ...] TO role [, ...] [WITH ADMIN OPTION]: privileges holds the roles */
        s->objtype = AST_OBJ_ROLE;
        sql_advance(p);
        int rcap = 0;
        do {
            sql_accept_kw(p, KW_GROUP);
            const SqlToken *t = sql_peek(p);
            if (t->type == TOK_IDENT && (t->kw == KW_CURRENT_USER || t->kw == KW_SESSION_USER || t->kw == KW_CURRENT_ROLE)) {
                sql_names_push(p, &s->grantees, t->str, &rcap);
                sql_advance(p);
            } else {
                sql_names_push(p, &s->grantees, sql_parse_colid(p), &rcap);
            }
        } while (!p->failed && sql_accept_char(p, ','));
        if (s->is_grant && sql_is_kw(p, KW_WITH)) {
            sql_advance(p);
            sql_expect_kw(p, KW_ADMIN);
            sql_expect_kw(p, KW_OPTION);
            s->grant_option = true;
        }
        if (sql_accept_kw(p, KW_GRANTED)) {
            sql_expect_kw(p, KW_BY);
            (void)sql_parse_colid(p);
        }
        if (!s->is_grant)
            s->behavior = parse_behavior(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    sql_expect_kw(p, KW_ON);
    s->objtype = AST_OBJ_TABLE;
    if (sql_is_kw(p, KW_ALL) && sql_is_kw_n(p, 1, KW_TABLES)) {
        sql_advance(p);
        sql_advance(p);
        sql_expect_kw(p, KW_IN);
        sql_expect_kw(p, KW_SCHEMA);
        s->all_in_schema = true;
    } else if (sql_accept_kw(p, KW_TABLE)) {
    } else if (sql_accept_kw(p, KW_SEQUENCE)) {
        s->objtype = AST_OBJ_SEQUENCE;
    } else if (sql_accept_kw(p, KW_SCHEMA)) {
        s->objtype = AST_OBJ_SCHEMA;
    } else if (sql_accept_kw(p, KW_DATABASE)) {
        s->objtype = AST_OBJ_DATABASE;
    }
    int ocap = 0;
    do {
        sql_list_push(p, &s->objects, (AstNode *)sql_parse_qualified_name(p), &ocap);
    } while (!p->failed && sql_accept_char(p, ','));
    if (s->is_grant)
        sql_expect_kw(p, KW_TO);
    else
        sql_expect_kw(p, KW_FROM);
    int gcap = 0;
    do {
        sql_accept_kw(p, KW_GROUP);
        const SqlToken *t = sql_peek(p);
        if (t->type == TOK_IDENT && (t->kw == KW_CURRENT_USER || t->kw == KW_SESSION_USER || t->kw == KW_CURRENT_ROLE)) {
            sql_names_push(p, &s->grantees, t->str, &gcap);
            sql_advance(p);
        } else {
            sql_names_push(p, &s->grantees, sql_parse_colid(p), &gcap);
        }
    } while (!p->failed && sql_accept_char(p, ','));
    if (s->is_grant && sql_is_kw(p, KW_WITH)) {
        sql_advance(p);
        sql_expect_kw(p, KW_GRANT);
        sql_expect_kw(p, KW_OPTION);
        s->grant_option = true;
    }
    if (!s->is_grant)
        s->behavior = parse_behavior(p);
    return p->failed ? NULL : (AstNode *)s;
}
