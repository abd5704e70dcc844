/* pgcat_deparse.c -- definitions printed the way PostgreSQL 15's ruleutils prints them:
 * pg_get_indexdef, pg_get_constraintdef, stored expressions (check constraints, index
 * predicates, defaults). The catalog keeps the user's SQL text of expressions; we re-print
 * it through the parser's canonical deparser (operators fully parenthesised, like PG), but
 * without type information PostgreSQL's implicit casts ("(0)::numeric") cannot be shown. */
#include <stdio.h>
#include <string.h>

#include "catalog/keycodec.h"
#include "sql/parser/parser.h"
#include "sql/pgcat/pgcat_int.h"

static void put(ShaleBuf *b, const char *s)
{
    shale_buf_append(b, s, strlen(s));
}

/* Parses text as an expression (via "SELECT text"); NULL when it does not parse. The tree
 * lives in arena. */
static const AstNode *parse_expr(const char *text, ShaleArena *arena)
{
    ShaleBuf q;
    shale_buf_init(&q);
    put(&q, "SELECT ");
    put(&q, text);
    const AstNode *res = NULL;
    if (!q.oom) {
        SqlRawStmt raw;
        SqlError err;
        sql_error_clear(&err);
        if (sql_parse_one(q.data, q.len, arena, &raw, &err) == 0 && raw.stmt && raw.stmt->tag == AST_SELECT) {
            const AstSelectStmt *sel = (const AstSelectStmt *)raw.stmt;
            if (sel->targets.n == 1 && sel->from.n == 0 && !sel->where && sel->op == AST_SETOP_NONE) {
                const AstResTarget *t = (const AstResTarget *)sel->targets.items[0];
                res = t->val;
            }
        }
    }
    shale_buf_free(&q);
    return res;
}

/* Prints e like PostgreSQL: the deparser writes casts of string literals as
 * ('x')::regclass, PostgreSQL as 'x'::regclass -- drop those parentheses. */
static void deparse_pg(const AstNode *e, ShaleBuf *out)
{
    ShaleBuf tmp;
    shale_buf_init(&tmp);
    sql_deparse(e, &tmp);
    if (tmp.oom) {
        out->oom = true;
        shale_buf_free(&tmp);
        return;
    }
    const char *s = tmp.data ? tmp.data : "";
    size_t n = tmp.len, i = 0;
    while (i < n) {
        if (s[i] == '\'' ) {                 /* copy a literal whole */
            size_t j = i + 1;
            while (j < n && !(s[j] == '\'' && (j + 1 >= n || s[j + 1] != '\'')))
                j += s[j] == '\'' ? 2 : 1;
            j = j < n ? j + 1 : n;
            shale_buf_append(out, s + i, j - i);
            i = j;
            continue;
        }
        if (s[i] == '(' && i + 1 < n && s[i + 1] == '\'') {
            size_t j = i + 2;
            while (j < n && !(s[j] == '\'' && (j + 1 >= n || s[j + 1] != '\'')))
                j += s[j] == '\'' ? 2 : 1;
            if (j + 3 < n && s[j + 1] == ')' && s[j + 2] == ':' && s[j + 3] == ':') {
                shale_buf_append(out, s + i + 1, j - i);   /* 'literal' */
                i = j + 2;                                 /* continue at "::" */
                continue;
            }
        }
        if (s[i] == '(') {                   /* "(0)::numeric", "(f)::text": PG prints 0::numeric */
            size_t j = i + 1;
            while (j < n && (s[j] == '_' || s[j] == '.' || (s[j] >= '0' && s[j] <= '9') ||
                             (s[j] >= 'a' && s[j] <= 'z')))
                j++;
            if (j > i + 1 && j + 2 < n && s[j] == ')' && s[j + 1] == ':' && s[j + 2] == ':') {
                shale_buf_append(out, s + i + 1, j - i - 1);
                i = j + 1;
                continue;
            }
        }
        shale_buf_append(out, s + i, 1);
        i++;
    }
    shale_buf_free(&tmp);
}

/* ---- PostgreSQL's implicit casts in stored check expressions -------------------------- */

/* The type of rel's column named by ref (an unqualified or table-qualified column), or 0. */
static Oid column_type(const CatRelation *rel, const AstNode *ref)
{
    if (!rel || !ref || ref->tag != AST_COLUMN_REF)
        return INVALIDOID;
    const AstColumnRef *c = (const AstColumnRef *)ref;
    if (c->star || c->fields.n < 1 || c->fields.n > 2)
        return INVALIDOID;
    const char *name = c->fields.names[c->fields.n - 1];
    for (int i = 0; i < rel->ncols; i++)
        if (!rel->cols[i].dropped && strcmp(rel->cols[i].name, name) == 0)
            return rel->cols[i].type;
    return INVALIDOID;
}

/* The builtin type name PostgreSQL casts a literal of kind k to when it meets a column of
 * type col in a comparison or arithmetic operator, NULL when it needs none (int literal vs
 * int2/4/8: cross-type operators exist) or we do not know the rule. */
static const char *literal_cast(Oid col, AstConstKind k)
{
    if (k == AST_CONST_INTEGER)
        return col == NUMERICOID ? "numeric" : col == FLOAT8OID || col == FLOAT4OID ? "float8" : NULL;
    if (k == AST_CONST_NUMERIC)
        return col == FLOAT8OID || col == FLOAT4OID ? "float8" : NULL;
    if (k != AST_CONST_STRING)
        return NULL;
    switch (col) {
    case TEXTOID: case VARCHAROID: return "text";
    case BPCHAROID: return "bpchar";
    case NUMERICOID: return "numeric";
    case DATEOID: return "date";
    case INTERVALOID: return "interval";
    case UUIDOID: return "uuid";
    default: return NULL;
    }
}

static AstNode *make_cast(AstNode *arg, const char *type, ShaleArena *a)
{
    AstTypeCast *c = shale_arena_alloc(a, sizeof *c);
    AstTypeName *t = shale_arena_alloc(a, sizeof *t);
    const char **names = shale_arena_alloc(a, sizeof *names);
    if (!c || !t || !names)
        return arg;
    memset(c, 0, sizeof *c);
    memset(t, 0, sizeof *t);
    names[0] = type;
    t->hdr.tag = AST_TYPE_NAME;
    t->hdr.location = -1;
    t->names.names = names;
    t->names.n = 1;
    t->builtin = true;
    c->hdr.tag = AST_TYPE_CAST;
    c->hdr.location = -1;
    c->arg = arg;
    c->type = t;
    c->syntax = AST_CAST_COLONS;
    return &c->hdr;
}

/* Rewrites e (a tree in a, ours to change) so binary operators between a column of rel and a
 * literal show the casts PostgreSQL's parser adds: "salary > 0" -> "salary > 0::numeric",
 * "name <> 'x'" on varchar -> "name::text <> 'x'::text". */
static void add_implicit_casts(AstNode *e, const CatRelation *rel, ShaleArena *a)
{
    if (!e)
        return;
    if (e->tag == AST_BOOL) {
        AstBoolExpr *be = (AstBoolExpr *)e;
        for (int i = 0; i < be->args.n; i++)
            add_implicit_casts(be->args.items[i], rel, a);
        return;
    }
    if (e->tag != AST_OP)
        return;
    AstOpExpr *op = (AstOpExpr *)e;
    if (!op->lexpr || !op->rexpr) {
        add_implicit_casts(op->rexpr, rel, a);
        return;
    }
    add_implicit_casts(op->lexpr, rel, a);
    add_implicit_casts(op->rexpr, rel, a);
    for (int side = 0; side < 2; side++) {
        AstNode **colp = side ? &op->rexpr : &op->lexpr, **litp = side ? &op->lexpr : &op->rexpr;
        Oid ct = column_type(rel, *colp);
        if (!ct || (*litp)->tag != AST_CONST)
            continue;
        const char *cast = literal_cast(ct, ((const AstConst *)*litp)->kind);
        if (!cast)
            continue;
        *litp = make_cast(*litp, cast, a);
        if (ct == VARCHAROID)           /* varchar has no operators of its own: text's apply */
            *colp = make_cast(*colp, "text", a);
        return;
    }
}

static void pretty_node(const AstNode *e, ShaleBuf *out);

void pgcat_check_expr(const CatRelation *rel, const char *text, bool pretty, ShaleBuf *out)
{
    ShaleArena arena;
    shale_arena_init(&arena);
    AstNode *e = (AstNode *)parse_expr(text, &arena);
    if (e) {
        add_implicit_casts(e, rel, &arena);
        if (pretty)
            pretty_node(e, out);
        else
            deparse_pg(e, out);
    } else {
        put(out, text);
    }
    shale_arena_destroy(&arena);
}

void pgcat_expr(const char *text, ShaleBuf *out)
{
    ShaleArena arena;
    shale_arena_init(&arena);
    const AstNode *e = parse_expr(text, &arena);
    if (e)
        deparse_pg(e, out);
    else
        put(out, text);
    shale_arena_destroy(&arena);
}

/* Length of s without one pair of parentheses enclosing all of it (0 if none). */
static bool enclosed(const char *s, size_t n)
{
    if (n < 2 || s[0] != '(' || s[n - 1] != ')')
        return false;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') {
            i++;
            while (i < n && !(s[i] == '\'' && (i + 1 >= n || s[i + 1] != '\'')))
                i += s[i] == '\'' ? 2 : 1;
            continue;
        }
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0 && i != n - 1)
            return false;
    }
    return depth == 0;
}

static void pretty_node(const AstNode *e, ShaleBuf *out)
{
    if (e->tag == AST_BOOL && ((const AstBoolExpr *)e)->op != AST_NOT) {
        const AstBoolExpr *b = (const AstBoolExpr *)e;
        for (int i = 0; i < b->args.n; i++) {
            const AstNode *a = b->args.items[i];
            if (i)
                put(out, b->op == AST_AND ? " AND " : " OR ");
            /* AND binds tighter than OR: PG's pretty mode only parenthesises OR under AND */
            bool paren = a->tag == AST_BOOL && ((const AstBoolExpr *)a)->op == AST_OR && b->op == AST_AND;
            if (paren)
                put(out, "(");
            pretty_node(a, out);
            if (paren)
                put(out, ")");
        }
        return;
    }
    ShaleBuf tmp;
    shale_buf_init(&tmp);
    deparse_pg(e, &tmp);
    if (tmp.oom)
        out->oom = true;
    else if (e->tag == AST_OP && enclosed(tmp.data, tmp.len))
        shale_buf_append(out, tmp.data + 1, tmp.len - 2);
    else
        shale_buf_append(out, tmp.data ? tmp.data : "", tmp.len);
    shale_buf_free(&tmp);
}

void pgcat_expr_pretty(const char *text, ShaleBuf *out)
{
    ShaleArena arena;
    shale_arena_init(&arena);
    const AstNode *e = parse_expr(text, &arena);
    if (e)
        pretty_node(e, out);
    else
        put(out, text);
    shale_arena_destroy(&arena);
}

void pgcat_format_type_nomod(Oid type, ShaleBuf *out)
{
    if (type == BPCHAROID)
        put(out, "character");
    else
        types_format_type(type, -1, out);
}

const CatIndex *pgcat_con_index(const CatRelation *rel, const CatConstraint *con)
{
    for (int i = 0; i < rel->nindexes; i++)
        if (con->index_oid && rel->indexes[i].oid == con->index_oid)
            return &rel->indexes[i];
    for (int i = 0; i < rel->nindexes; i++)
        if (!strcmp(rel->indexes[i].name, con->name))
            return &rel->indexes[i];
    return NULL;
}

const CatConstraint *pgcat_index_con(const CatRelation *rel, Oid index_oid)
{
    for (int i = 0; i < rel->ncons; i++) {
        const CatConstraint *c = &rel->cons[i];
        if (c->type != CAT_CON_PRIMARY && c->type != CAT_CON_UNIQUE)
            continue;
        const CatIndex *idx = pgcat_con_index(rel, c);
        if (idx && idx->oid == index_oid)
            return c;
    }
    return NULL;
}

void pgcat_default_expr(const CatColumn *col, ShaleBuf *out)
{
    ShaleArena arena;
    shale_arena_init(&arena);
    const AstNode *e = parse_expr(col->default_expr, &arena);
    if (!e) {
        put(out, col->default_expr);
    } else if (e->tag == AST_CONST && ((const AstConst *)e)->kind == AST_CONST_BOOL) {
        put(out, ((const AstConst *)e)->bval ? "true" : "false");   /* PostgreSQL's spelling */
    } else {
        deparse_pg(e, out);
        /* PostgreSQL stores the constant coerced to the column type and prints the cast. */
        if (e->tag == AST_CONST && ((const AstConst *)e)->kind == AST_CONST_STRING) {
            put(out, "::");
            types_format_type(col->type, -1, out);
        }
    }
    shale_arena_destroy(&arena);
}

void pgcat_index_expr_name(const char *text, char *out, size_t cap)
{
    ShaleArena arena;
    shale_arena_init(&arena);
    const AstNode *e = parse_expr(text, &arena);
    const char *name = "expr";
    if (e && e->tag == AST_FUNC_CALL) {
        const AstFuncCall *fc = (const AstFuncCall *)e;
        if (fc->name.n > 0)
            name = fc->name.names[fc->name.n - 1];
    }
    snprintf(out, cap, "%s", name);
    shale_arena_destroy(&arena);
}

void pgcat_append_colnames(const CatRelation *rel, int n, const int16_t *attnums, ShaleBuf *out)
{
    for (int i = 0; i < n; i++) {
        if (i)
            put(out, ", ");
        int a = attnums[i];
        if (a >= 1 && a <= rel->ncols)
            sql_deparse_ident(rel->cols[a - 1].name, out);
        else
            put(out, "?");
    }
}

/* An index key expression: function calls print bare, anything else in parentheses
 * (pretty: an operator's own parentheses are dropped first, as PostgreSQL's \d shows). */
static void index_expr(const char *text, bool pretty, ShaleBuf *out)
{
    ShaleArena arena;
    shale_arena_init(&arena);
    const AstNode *e = parse_expr(text, &arena);
    if (!e) {
        put(out, "(");
        put(out, text);
        put(out, ")");
    } else if (e->tag == AST_FUNC_CALL) {
        deparse_pg(e, out);
    } else {
        put(out, "(");
        if (pretty)
            pretty_node(e, out);
        else
            deparse_pg(e, out);
        put(out, ")");
    }
    shale_arena_destroy(&arena);
}

static void index_column(const CatRelation *rel, const CatIndex *idx, int i, bool with_options, bool pretty,
                         ShaleBuf *out)
{
    int a = idx->attnums[i];
    if (a == 0 && idx->exprs && idx->exprs[i])
        index_expr(idx->exprs[i], pretty, out);
    else if (a >= 1 && a <= rel->ncols)
        sql_deparse_ident(rel->cols[a - 1].name, out);
    if (!with_options)
        return;
    if (idx->opclasses && idx->opclasses[i]) {
        put(out, " ");
        put(out, idx->opclasses[i]);
    }
    uint8_t f = idx->col_flags ? idx->col_flags[i] : 0;
    bool desc = (f & KEY_DESC) != 0, nf = (f & KEY_NULLS_FIRST) != 0;
    if (desc)
        put(out, " DESC");
    if (desc && !nf)
        put(out, " NULLS LAST");
    if (!desc && nf)
        put(out, " NULLS FIRST");
}

void pgcat_indexdef(const QueryEnv *env, const CatRelation *rel, const CatIndex *idx, int col, bool pretty,
                    ShaleBuf *out)
{
    if (col > 0) {
        if (col <= idx->ncols)
            index_column(rel, idx, col - 1, false, pretty, out);
        return;
    }
    put(out, idx->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    sql_deparse_ident(idx->name, out);
    put(out, " ON ");
    /* PostgreSQL 15 schema-qualifies the table unless printing pretty (then only when it
     * is not visible). */
    pgcat_append_qualified(env, rel->nsp, rel->name, !pretty, out);
    put(out, " USING ");
    put(out, idx->am ? idx->am : "btree");
    put(out, " (");
    for (int i = 0; i < idx->ncols; i++) {
        if (i)
            put(out, ", ");
        index_column(rel, idx, i, true, pretty, out);
    }
    put(out, ")");
    if (idx->nulls_not_distinct)
        put(out, " NULLS NOT DISTINCT");
    if (idx->n_options > 0) {
        put(out, " WITH (");
        for (int i = 0; i < idx->n_options; i++) {
            if (i)
                put(out, ", ");
            put(out, idx->opt_keys[i]);
            put(out, "='");
            put(out, idx->opt_values[i]);
            put(out, "'");
        }
        put(out, ")");
    }
    if (idx->predicate) {
        put(out, " WHERE ");
        if (pretty)
            pgcat_expr_pretty(idx->predicate, out);
        else
            pgcat_expr(idx->predicate, out);
    }
}

static const char *fk_action_text(char a)
{
    switch (a) {
    case 'r': return "RESTRICT";
    case 'c': return "CASCADE";
    case 'n': return "SET NULL";
    case 'd': return "SET DEFAULT";
    default: return NULL;
    }
}

void pgcat_constraintdef(const QueryEnv *env, const CatRelation *rel, const CatConstraint *con, bool pretty,
                         ShaleBuf *out)
{
    switch (con->type) {
    case CAT_CON_PRIMARY:
    case CAT_CON_UNIQUE: {
        put(out, con->type == CAT_CON_PRIMARY ? "PRIMARY KEY " : "UNIQUE ");
        const CatIndex *idx = pgcat_con_index(rel, con);
        if (idx && idx->nulls_not_distinct)
            put(out, "NULLS NOT DISTINCT ");
        put(out, "(");
        pgcat_append_colnames(rel, con->ncols, con->attnums, out);
        put(out, ")");
        break;
    }
    case CAT_CON_FOREIGN: {
        put(out, "FOREIGN KEY (");
        pgcat_append_colnames(rel, con->ncols, con->attnums, out);
        put(out, ") REFERENCES ");
        const CatRelation *ref = catsnap_relation_by_oid(env->cat, con->ref_rel);
        if (ref) {
            pgcat_append_qualified(env, ref->nsp, ref->name, false, out);
            put(out, "(");
            pgcat_append_colnames(ref, con->ncols, con->ref_attnums, out);
            put(out, ")");
        }
        if (con->match_type == 'f')
            put(out, " MATCH FULL");
        const char *a = fk_action_text(con->on_update);
        if (a) {
            put(out, " ON UPDATE ");
            put(out, a);
        }
        a = fk_action_text(con->on_delete);
        if (a) {
            put(out, " ON DELETE ");
            put(out, a);
        }
        break;
    }
    case CAT_CON_CHECK:
        put(out, "CHECK (");
        pgcat_check_expr(rel, con->check_expr ? con->check_expr : "true", pretty, out);
        put(out, ")");
        break;
    case CAT_CON_NOT_NULL: {
        put(out, "NOT NULL ");
        pgcat_append_colnames(rel, con->ncols, con->attnums, out);
        break;
    }
    default:
        break;
    }
    if (con->deferrable)
        put(out, " DEFERRABLE");
    if (con->deferred)
        put(out, " INITIALLY DEFERRED");
    if (!con->validated)
        put(out, " NOT VALID");
}

int pgcat_expr_columns(const CatRelation *rel, const char *text, int16_t *attnums, int max)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        char word[128];
        size_t wl = 0;
        if (*p == '\'') {                    /* string literal: skip, '' escapes a quote */
            p++;
            while (*p && !(*p == '\'' && p[1] != '\''))
                p += (*p == '\'' ? 2 : 1);
            if (*p)
                p++;
            continue;
        }
        if (*p == '"') {                     /* quoted identifier: exact */
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                if (wl + 1 < sizeof word)
                    word[wl++] = *p;
                p++;
            }
            if (*p)
                p++;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (unsigned char)*p >= 0x80) {
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                   *p == '$' || (unsigned char)*p >= 0x80) {
                char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
                if (wl + 1 < sizeof word)
                    word[wl++] = c;
                p++;
            }
            if (*p == '(')                   /* a function name, not a column */
                continue;
        } else {
            if (*p == ':' && p[1] == ':') {  /* ::type -- skip the type name */
                p += 2;
                while (*p == ' ')
                    p++;
                while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9'))
                    p++;
                continue;
            }
            p++;
            continue;
        }
        word[wl] = '\0';
        const CatColumn *col = catrel_column_by_name(rel, word);
        if (!col)
            continue;
        bool dup = false;
        for (int i = 0; i < n; i++)
            dup |= attnums[i] == col->attnum;
        if (!dup && n < max)
            attnums[n++] = col->attnum;
    }
    return n;
}
