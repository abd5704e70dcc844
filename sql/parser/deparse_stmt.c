/* deparse_stmt.c -- prints statements and their pieces (FROM items, targets, column
 * definitions, constraints, options) in the canonical form described in deparse.c. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/deparse_int.h"

#define S(x) dp_str(b, x)
#define E(x) sql_deparse((const AstNode *)(x), b)
#define ID(x) sql_deparse_ident((x), b)

void dp_rangevar_name(ShaleBuf *b, const AstRangeVar *r)
{
    if (r->catalog) {
        ID(r->catalog);
        S(".");
    }
    if (r->schema) {
        ID(r->schema);
        S(".");
    }
    ID(r->relname);
}

static void dp_alias(ShaleBuf *b, const AstAlias *a)
{
    if (!a)
        return;
    S(" AS ");
    ID(a->name);
    if (a->colnames.n) {
        S("(");
        dp_names(b, &a->colnames, ", ");
        S(")");
    }
}

static void dp_targets(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstResTarget *t = (const AstResTarget *)l->items[i];
        if (i)
            S(", ");
        E(t->val);
        if (t->name) {
            S(" AS ");
            ID(t->name);
        }
    }
}

static void dp_with(ShaleBuf *b, const AstWithClause *w)
{
    if (!w)
        return;
    S(w->recursive ? "WITH RECURSIVE " : "WITH ");
    for (int i = 0; i < w->ctes.n; i++) {
        const AstCte *c = (const AstCte *)w->ctes.items[i];
        if (i)
            S(", ");
        ID(c->name);
        if (c->colnames.n) {
            S("(");
            dp_names(b, &c->colnames, ", ");
            S(")");
        }
        S(" AS ");
        if (c->materialized == AST_CTE_MATERIALIZED)
            S("MATERIALIZED ");
        else if (c->materialized == AST_CTE_NOT_MATERIALIZED)
            S("NOT MATERIALIZED ");
        S("(");
        E(c->query);
        S(")");
    }
    S(" ");
}

static bool select_is_simple(const AstSelectStmt *s)
{
    return !s->with && !s->sort.n && !s->limit_count && !s->limit_offset && !s->locking.n;
}

static void dp_select_operand(ShaleBuf *b, const AstSelectStmt *s)
{
    if (s->op != AST_SETOP_NONE || !select_is_simple(s)) {
        S("(");
        E(s);
        S(")");
    } else {
        E(s);
    }
}

static void dp_select(ShaleBuf *b, const AstSelectStmt *s)
{
    dp_with(b, s->with);
    if (s->op != AST_SETOP_NONE) {
        static const char *const ops[] = { "", " UNION ", " INTERSECT ", " EXCEPT " };
        dp_select_operand(b, s->larg);
        S(ops[s->op]);
        if (s->all)
            S("ALL ");
        dp_select_operand(b, s->rarg);
    } else if (s->values.n) {
        S("VALUES ");
        for (int i = 0; i < s->values.n; i++) {
            S(i ? ", (" : "(");
            dp_list(b, &((const AstRowExpr *)s->values.items[i])->args, ", ");
            S(")");
        }
    } else {
        S("SELECT");
        if (s->distinct) {
            S(" DISTINCT");
            if (s->distinct_on.n) {
                S(" ON (");
                dp_list(b, &s->distinct_on, ", ");
                S(")");
            }
        }
        if (s->targets.n) {
            S(" ");
            dp_targets(b, &s->targets);
        }
        if (s->from.n) {
            S(" FROM ");
            dp_list(b, &s->from, ", ");
        }
        if (s->where) {
            S(" WHERE ");
            E(s->where);
        }
        if (s->group_by.n) {
            S(s->group_distinct ? " GROUP BY DISTINCT " : " GROUP BY ");
            dp_list(b, &s->group_by, ", ");
        }
        if (s->having) {
            S(" HAVING ");
            E(s->having);
        }
        if (s->windows.n) {
            S(" WINDOW ");
            for (int i = 0; i < s->windows.n; i++) {
                const AstWindowDef *w = (const AstWindowDef *)s->windows.items[i];
                if (i)
                    S(", ");
                ID(w->name);
                S(" AS ");
                dp_window_spec(b, w);
            }
        }
    }
    if (s->sort.n) {
        S(" ORDER BY ");
        dp_sort_list(b, &s->sort);
    }
    if (s->limit_count) {
        if (s->fetch_syntax) {
            S(" FETCH FIRST ");
            E(s->limit_count);
            S(s->limit_with_ties ? " ROWS WITH TIES" : " ROWS ONLY");
        } else {
            S(" LIMIT ");
            const AstConst *c = (const AstConst *)s->limit_count;
            if (c->hdr.tag == AST_CONST && c->kind == AST_CONST_NULL)
                S("ALL");
            else
                E(s->limit_count);
        }
    }
    if (s->limit_offset) {
        S(" OFFSET ");
        E(s->limit_offset);
    }
    for (int i = 0; i < s->locking.n; i++) {
        static const char *const st[] = { " FOR UPDATE", " FOR NO KEY UPDATE", " FOR SHARE", " FOR KEY SHARE" };
        const AstLocking *l = (const AstLocking *)s->locking.items[i];
        S(st[l->strength]);
        if (l->rels.n) {
            S(" OF ");
            dp_list(b, &l->rels, ", ");
        }
        if (l->wait == AST_WAIT_NOWAIT)
            S(" NOWAIT");
        else if (l->wait == AST_WAIT_SKIP_LOCKED)
            S(" SKIP LOCKED");
    }
}

static void dp_set_list(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstResTarget *t = (const AstResTarget *)l->items[i];
        if (i)
            S(", ");
        if (t->val && t->val->tag == AST_MULTI_ASSIGN) {
            const AstMultiAssign *m = (const AstMultiAssign *)t->val;
            S("(");
            for (int k = 0; k < m->ncolumns && i + k < l->n; k++) {
                if (k)
                    S(", ");
                ID(((const AstResTarget *)l->items[i + k])->name);
            }
            S(") = ");
            E(m->source);
            i += m->ncolumns - 1;
            continue;
        }
        ID(t->name);
        S(" = ");
        E(t->val);
    }
}

static void dp_returning(ShaleBuf *b, const AstList *l)
{
    if (l->n) {
        S(" RETURNING ");
        dp_targets(b, l);
    }
}

/* An option value: numbers print bare (options take signed literals, not expressions). */
void dp_value(ShaleBuf *b, const AstNode *n)
{
    const AstConst *c = (const AstConst *)n;
    if (n->tag == AST_CONST && (c->kind == AST_CONST_INTEGER || c->kind == AST_CONST_NUMERIC))
        S(c->str);
    else
        E(n);
}

/* An option name: a ColLabel, so keywords need no quotes. */
void dp_label(ShaleBuf *b, const char *name)
{
    bool plain = name[0] && !(name[0] >= '0' && name[0] <= '9');
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            plain = false;
    if (plain)
        S(name);
    else
        ID(name);
}

void dp_defs(ShaleBuf *b, const AstList *l, const char *eq)
{
    for (int i = 0; i < l->n; i++) {
        const AstDefElem *d = (const AstDefElem *)l->items[i];
        if (i)
            S(", ");
        dp_label(b, d->name);
        if (d->arg) {
            S(eq);
            if (d->arg->tag == AST_COLUMN_REF && ((const AstColumnRef *)d->arg)->fields.n > 1 && eq[0] == ' ' && eq[1] == '\0') {
                S("(");
                dp_names(b, &((const AstColumnRef *)d->arg)->fields, ", ");
                S(")");
            } else {
                dp_value(b, d->arg);
            }
        }
    }
}

static const char *fk_action(AstFkAction a)
{
    static const char *const k[] = { "", "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT" };
    return k[a];
}

static void dp_seq_options(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstDefElem *d = (const AstDefElem *)l->items[i];
        if (i)
            S(" ");
        const char *n = d->name;
        if (strcmp(n, "cycle") == 0) {
            S(((const AstConst *)d->arg)->bval ? "CYCLE" : "NO CYCLE");
        } else if ((strcmp(n, "minvalue") == 0 || strcmp(n, "maxvalue") == 0) && !d->arg) {
            S(n[1] == 'i' ? "NO MINVALUE" : "NO MAXVALUE");
        } else if (strcmp(n, "owned_by") == 0) {
            S("OWNED BY ");
            E(d->arg);
        } else if (strcmp(n, "sequence_name") == 0) {
            S("SEQUENCE NAME ");
            E(d->arg);
        } else if (strcmp(n, "restart") == 0) {
            S("RESTART");
            if (d->arg) {
                S(" WITH ");
                E(d->arg);
            }
        } else {
            char up[32];
            size_t k;
            for (k = 0; n[k] && k < sizeof up - 1; k++)
                up[k] = (char)(n[k] >= 'a' && n[k] <= 'z' ? n[k] - 32 : n[k]);
            up[k] = '\0';
            S(up);
            S(" ");
            dp_value(b, d->arg);
        }
    }
}

static void dp_constraint(ShaleBuf *b, const AstConstraint *c, bool table)
{
    if (c->name) {
        S("CONSTRAINT ");
        ID(c->name);
        S(" ");
    }
    switch (c->type) {
    case AST_CONSTR_NULL: S("NULL"); break;
    case AST_CONSTR_NOTNULL: S("NOT NULL"); break;
    case AST_CONSTR_DEFAULT: S("DEFAULT "); E(c->expr); break;
    case AST_CONSTR_CHECK: S("CHECK ("); E(c->expr); S(")"); if (c->no_inherit) S(" NO INHERIT"); break;
    case AST_CONSTR_PRIMARY: case AST_CONSTR_UNIQUE:
        S(c->type == AST_CONSTR_PRIMARY ? "PRIMARY KEY" : "UNIQUE");
        if (c->nulls_not_distinct)
            S(" NULLS NOT DISTINCT");
        if (table) {
            S(" (");
            dp_names(b, &c->keys, ", ");
            S(")");
        }
        if (c->including.n) {
            S(" INCLUDE (");
            dp_names(b, &c->including, ", ");
            S(")");
        }
        break;
    case AST_CONSTR_FOREIGN:
        if (table) {
            S("FOREIGN KEY (");
            dp_names(b, &c->keys, ", ");
            S(") ");
        }
        S("REFERENCES ");
        dp_rangevar_name(b, c->pktable);
        if (c->pk_attrs.n) {
            S(" (");
            dp_names(b, &c->pk_attrs, ", ");
            S(")");
        }
        if (c->match_type == 'f')
            S(" MATCH FULL");
        else if (c->match_type == 'p')
            S(" MATCH PARTIAL");
        if (c->on_delete) {
            S(" ON DELETE ");
            S(fk_action(c->on_delete));
        }
        if (c->on_update) {
            S(" ON UPDATE ");
            S(fk_action(c->on_update));
        }
        break;
    case AST_CONSTR_IDENTITY:
        S(c->identity_always ? "GENERATED ALWAYS AS IDENTITY" : "GENERATED BY DEFAULT AS IDENTITY");
        if (c->seq_options.n) {
            S(" (");
            dp_seq_options(b, &c->seq_options);
            S(")");
        }
        break;
    case AST_CONSTR_GENERATED:
        S("GENERATED ALWAYS AS (");
        E(c->expr);
        S(") STORED");
        break;
    }
    if (c->deferrable)
        S(" DEFERRABLE");
    if (c->initdeferred)
        S(" INITIALLY DEFERRED");
    if (c->not_valid)
        S(" NOT VALID");
}

static void dp_column_def(ShaleBuf *b, const AstColumnDef *c)
{
    ID(c->colname);
    S(" ");
    dp_typename(b, c->type);
    if (c->collation.n) {
        S(" COLLATE ");
        dp_names(b, &c->collation, ".");
    }
    if (c->embedding) {
        S(" EMBEDDING OF (");
        E(c->embedding->expr);
        S(") USING ");
        ID(c->embedding->embedder);
    }
    for (int i = 0; i < c->constraints.n; i++) {
        S(" ");
        dp_constraint(b, (const AstConstraint *)c->constraints.items[i], false);
    }
}

static void dp_table_element(ShaleBuf *b, const AstNode *n)
{
    if (n->tag == AST_COLUMN_DEF)
        dp_column_def(b, (const AstColumnDef *)n);
    else
        dp_constraint(b, (const AstConstraint *)n, true);
}

const char *dp_obj_name(AstObjectType t)
{
    static const char *const k[] = { "TABLE", "INDEX", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "SCHEMA",
        "DATABASE", "COLUMN", "EXTENSION", "TYPE", "FUNCTION", "ROLE", "EMBEDDER", "CONSTRAINT" };
    return k[t];
}

const char *dp_behavior(AstDropBehavior d)
{
    return d == AST_DROP_CASCADE ? " CASCADE" : d == AST_DROP_RESTRICT ? " RESTRICT" : "";
}

static void dp_alter_cmd(ShaleBuf *b, const AstAlterCmd *c)
{
    switch (c->kind) {
    case AST_AT_ADD_COLUMN:
        S(c->missing_ok ? "ADD COLUMN IF NOT EXISTS " : "ADD COLUMN ");
        dp_table_element(b, c->def);
        break;
    case AST_AT_ADD_CONSTRAINT: S("ADD "); dp_table_element(b, c->def); break;
    case AST_AT_DROP_COLUMN: case AST_AT_DROP_CONSTRAINT:
        S(c->kind == AST_AT_DROP_COLUMN ? "DROP COLUMN " : "DROP CONSTRAINT ");
        if (c->missing_ok)
            S("IF EXISTS ");
        ID(c->name);
        S(dp_behavior(c->behavior));
        break;
    case AST_AT_RENAME_COLUMN: S("RENAME COLUMN "); ID(c->name); S(" TO "); ID(c->newname); break;
    case AST_AT_RENAME_CONSTRAINT: S("RENAME CONSTRAINT "); ID(c->name); S(" TO "); ID(c->newname); break;
    case AST_AT_RENAME_TABLE: S("RENAME TO "); ID(c->newname); break;
    case AST_AT_SET_DEFAULT: S("ALTER COLUMN "); ID(c->name); S(" SET DEFAULT "); E(c->def); break;
    case AST_AT_DROP_DEFAULT: S("ALTER COLUMN "); ID(c->name); S(" DROP DEFAULT"); break;
    case AST_AT_SET_NOT_NULL: S("ALTER COLUMN "); ID(c->name); S(" SET NOT NULL"); break;
    case AST_AT_DROP_NOT_NULL: S("ALTER COLUMN "); ID(c->name); S(" DROP NOT NULL"); break;
    case AST_AT_ALTER_TYPE:
        S("ALTER COLUMN ");
        ID(c->name);
        S(" TYPE ");
        E(c->def);
        if (c->collation.n) {
            S(" COLLATE ");
            dp_names(b, &c->collation, ".");
        }
        if (c->using_expr) {
            S(" USING ");
            E(c->using_expr);
        }
        break;
    case AST_AT_OWNER_TO: S("OWNER TO "); ID(c->newname); break;
    case AST_AT_SET_SCHEMA: S("SET SCHEMA "); ID(c->newname); break;
    case AST_AT_SET_EMBEDDING: S("ALTER COLUMN "); ID(c->name); S(" SET EMBEDDING OF ("); E(c->def); S(") USING ");
        ID(c->newname); break;
    case AST_AT_DROP_EMBEDDING: S("ALTER COLUMN "); ID(c->name); S(" DROP EMBEDDING"); break;
    }
}


void dp_if_not_exists(ShaleBuf *b, bool ine)
{
    if (ine)
        S("IF NOT EXISTS ");
}

void dp_rel_list(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstRangeVar *r = (const AstRangeVar *)l->items[i];
        if (i)
            S(", ");
        if (!r->inh)
            S("ONLY ");
        dp_rangevar_name(b, r);
    }
}

void dp_stmt(const AstNode *n, ShaleBuf *b)
{
    switch (n->tag) {
    case AST_SELECT: dp_select(b, (const AstSelectStmt *)n); return;
    case AST_RES_TARGET: {
        AstList one = { (AstNode **)&n, 1 };
        dp_targets(b, &one);
        return;
    }
    case AST_RANGE_VAR: {
        const AstRangeVar *r = (const AstRangeVar *)n;
        if (!r->inh)
            S("ONLY ");
        dp_rangevar_name(b, r);
        dp_alias(b, r->alias);
        return;
    }
    case AST_RANGE_SUBSELECT: {
        const AstRangeSubselect *r = (const AstRangeSubselect *)n;
        if (r->lateral)
            S("LATERAL ");
        S("(");
        E(r->subquery);
        S(")");
        dp_alias(b, r->alias);
        return;
    }
    case AST_RANGE_FUNCTION: {
        const AstRangeFunction *r = (const AstRangeFunction *)n;
        if (r->lateral)
            S("LATERAL ");
        E(r->func);
        if (r->ordinality)
            S(" WITH ORDINALITY");
        dp_alias(b, r->alias);
        return;
    }
    case AST_JOIN: {
        const AstJoinExpr *j = (const AstJoinExpr *)n;
        static const char *const k[] = { " JOIN ", " LEFT JOIN ", " RIGHT JOIN ", " FULL JOIN ", " CROSS JOIN " };
        S("(");
        E(j->larg);
        if (j->natural)
            S(" NATURAL");
        S(k[j->type]);
        E(j->rarg);
        if (j->quals) {
            S(" ON ");
            E(j->quals);
        } else if (j->using_cols.n) {
            S(" USING (");
            dp_names(b, &j->using_cols, ", ");
            S(")");
            if (j->using_alias) {
                S(" AS ");
                ID(j->using_alias);
            }
        }
        S(")");
        dp_alias(b, j->alias);
        return;
    }
    case AST_INSERT: {
        const AstInsertStmt *s = (const AstInsertStmt *)n;
        dp_with(b, s->with);
        S("INSERT INTO ");
        dp_rangevar_name(b, s->relation);
        if (s->relation->alias) {
            S(" AS ");
            ID(s->relation->alias->name);
        }
        if (s->cols.n) {
            S(" (");
            for (int i = 0; i < s->cols.n; i++) {
                if (i)
                    S(", ");
                ID(((const AstResTarget *)s->cols.items[i])->name);
            }
            S(")");
        }
        if (s->overriding)
            S(s->overriding == AST_OVERRIDING_USER ? " OVERRIDING USER VALUE" : " OVERRIDING SYSTEM VALUE");
        if (s->select) {
            S(" ");
            E(s->select);
        } else {
            S(" DEFAULT VALUES");
        }
        if (s->on_conflict) {
            const AstOnConflict *oc = s->on_conflict;
            S(" ON CONFLICT");
            if (oc->infer_elems.n) {
                S(" (");
                for (int i = 0; i < oc->infer_elems.n; i++) {
                    const AstIndexElem *e = (const AstIndexElem *)oc->infer_elems.items[i];
                    if (i)
                        S(", ");
                    if (e->name) {
                        ID(e->name);
                    } else {
                        S("(");
                        E(e->expr);
                        S(")");
                    }
                }
                S(")");
                if (oc->infer_where) {
                    S(" WHERE ");
                    E(oc->infer_where);
                }
            } else if (oc->constraint) {
                S(" ON CONSTRAINT ");
                ID(oc->constraint);
            }
            if (oc->action == AST_CONFLICT_NOTHING) {
                S(" DO NOTHING");
            } else {
                S(" DO UPDATE SET ");
                dp_set_list(b, &oc->targets);
                if (oc->where) {
                    S(" WHERE ");
                    E(oc->where);
                }
            }
        }
        dp_returning(b, &s->returning);
        return;
    }
    case AST_UPDATE: {
        const AstUpdateStmt *s = (const AstUpdateStmt *)n;
        dp_with(b, s->with);
        S("UPDATE ");
        E(s->relation);
        S(" SET ");
        dp_set_list(b, &s->targets);
        if (s->from.n) {
            S(" FROM ");
            dp_list(b, &s->from, ", ");
        }
        if (s->where) {
            S(" WHERE ");
            E(s->where);
        }
        dp_returning(b, &s->returning);
        return;
    }
    case AST_DELETE: {
        const AstDeleteStmt *s = (const AstDeleteStmt *)n;
        dp_with(b, s->with);
        S("DELETE FROM ");
        E(s->relation);
        if (s->using_.n) {
            S(" USING ");
            dp_list(b, &s->using_, ", ");
        }
        if (s->where) {
            S(" WHERE ");
            E(s->where);
        }
        dp_returning(b, &s->returning);
        return;
    }
    case AST_CREATE_TABLE: case AST_CREATE_TABLE_AS: {
        const AstRangeVar *r = n->tag == AST_CREATE_TABLE ? ((const AstCreateTableStmt *)n)->relation
                             : ((const AstCreateTableAsStmt *)n)->relation;
        S("CREATE ");
        if (r->persistence == AST_PERSIST_TEMP)
            S("TEMPORARY ");
        else if (r->persistence == AST_PERSIST_UNLOGGED)
            S("UNLOGGED ");
        S("TABLE ");
        if (n->tag == AST_CREATE_TABLE) {
            const AstCreateTableStmt *s = (const AstCreateTableStmt *)n;
            dp_if_not_exists(b, s->if_not_exists);
            dp_rangevar_name(b, r);
            S(" (");
            for (int i = 0; i < s->elements.n; i++) {
                if (i)
                    S(", ");
                dp_table_element(b, s->elements.items[i]);
            }
            S(")");
            if (s->options.n) {
                S(" WITH (");
                dp_defs(b, &s->options, " = ");
                S(")");
            }
        } else {
            const AstCreateTableAsStmt *s = (const AstCreateTableAsStmt *)n;
            dp_if_not_exists(b, s->if_not_exists);
            dp_rangevar_name(b, r);
            if (s->colnames.n) {
                S(" (");
                dp_names(b, &s->colnames, ", ");
                S(")");
            }
            S(" AS ");
            E(s->query);
            if (s->with_no_data)
                S(" WITH NO DATA");
        }
        return;
    }
    case AST_DROP: {
        const AstDropStmt *s = (const AstDropStmt *)n;
        S("DROP ");
        S(dp_obj_name(s->kind));
        S(" ");
        if (s->concurrently)
            S("CONCURRENTLY ");
        if (s->missing_ok)
            S("IF EXISTS ");
        dp_rel_list(b, &s->objects);
        S(dp_behavior(s->behavior));
        if (s->force)
            S(" WITH (FORCE)");
        return;
    }
    case AST_ALTER_TABLE: {
        const AstAlterTableStmt *s = (const AstAlterTableStmt *)n;
        S("ALTER ");
        S(dp_obj_name(s->kind));
        S(" ");
        if (s->missing_ok)
            S("IF EXISTS ");
        if (!s->relation->inh)
            S("ONLY ");
        dp_rangevar_name(b, s->relation);
        for (int i = 0; i < s->cmds.n; i++) {
            S(i ? ", " : " ");
            dp_alter_cmd(b, (const AstAlterCmd *)s->cmds.items[i]);
        }
        return;
    }
    case AST_CREATE_INDEX: {
        const AstIndexStmt *s = (const AstIndexStmt *)n;
        S(s->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
        if (s->concurrently)
            S("CONCURRENTLY ");
        dp_if_not_exists(b, s->if_not_exists);
        if (s->idxname) {
            ID(s->idxname);
            S(" ");
        }
        S("ON ");
        if (!s->relation->inh)
            S("ONLY ");
        dp_rangevar_name(b, s->relation);
        if (s->access_method) {
            S(" USING ");
            ID(s->access_method);
        }
        S(" (");
        for (int i = 0; i < s->params.n; i++) {
            const AstIndexElem *e = (const AstIndexElem *)s->params.items[i];
            if (i)
                S(", ");
            if (e->name) {
                ID(e->name);
            } else {
                S("(");
                E(e->expr);
                S(")");
            }
            if (e->collation.n) {
                S(" COLLATE ");
                dp_names(b, &e->collation, ".");
            }
            if (e->opclass.n) {
                S(" ");
                dp_names(b, &e->opclass, ".");
            }
            if (e->ordering == AST_SORT_ASC)
                S(" ASC");
            else if (e->ordering == AST_SORT_DESC)
                S(" DESC");
            if (e->nulls)
                S(e->nulls == AST_NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST");
        }
        S(")");
        if (s->including.n) {
            S(" INCLUDE (");
            for (int i = 0; i < s->including.n; i++) {
                if (i)
                    S(", ");
                ID(((const AstIndexElem *)s->including.items[i])->name);
            }
            S(")");
        }
        if (s->nulls_not_distinct)
            S(" NULLS NOT DISTINCT");
        if (s->options.n) {
            S(" WITH (");
            dp_defs(b, &s->options, " = ");
            S(")");
        }
        if (s->where) {
            S(" WHERE ");
            E(s->where);
        }
        return;
    }
    case AST_CREATE_SCHEMA: {
        const AstCreateSchemaStmt *s = (const AstCreateSchemaStmt *)n;
        S("CREATE SCHEMA ");
        dp_if_not_exists(b, s->if_not_exists);
        if (s->name)
            ID(s->name);
        if (s->authrole) {
            S(s->name ? " AUTHORIZATION " : "AUTHORIZATION ");
            ID(s->authrole);
        }
        return;
    }
    case AST_CREATE_DATABASE: {
        const AstCreateDatabaseStmt *s = (const AstCreateDatabaseStmt *)n;
        S("CREATE DATABASE ");
        ID(s->name);
        for (int i = 0; i < s->options.n; i++) {
            const AstDefElem *d = (const AstDefElem *)s->options.items[i];
            S(" ");
            if (strcmp(d->name, "connection_limit") == 0)
                S("CONNECTION LIMIT");
            else
                ID(d->name);
            S(" = ");
            if (d->arg)
                dp_value(b, d->arg);
            else
                S("DEFAULT");
        }
        return;
    }
    case AST_CREATE_VIEW: {
        const AstViewStmt *s = (const AstViewStmt *)n;
        S(s->replace ? "CREATE OR REPLACE " : "CREATE ");
        if (s->view->persistence == AST_PERSIST_TEMP)
            S("TEMPORARY ");
        if (s->recursive)
            S("RECURSIVE ");
        S("VIEW ");
        dp_rangevar_name(b, s->view);
        if (s->aliases.n) {
            S(" (");
            dp_names(b, &s->aliases, ", ");
            S(")");
        }
        if (s->options.n) {
            S(" WITH (");
            dp_defs(b, &s->options, " = ");
            S(")");
        }
        S(" AS ");
        E(s->query);
        return;
    }
    case AST_CREATE_SEQUENCE: case AST_ALTER_SEQUENCE: {
        const AstSequenceStmt *s = (const AstSequenceStmt *)n;
        bool create = n->tag == AST_CREATE_SEQUENCE;
        S(create ? "CREATE " : "ALTER ");
        if (s->sequence->persistence == AST_PERSIST_TEMP)
            S("TEMPORARY ");
        S("SEQUENCE ");
        if (s->if_not_exists)
            S(create ? "IF NOT EXISTS " : "IF EXISTS ");
        dp_rangevar_name(b, s->sequence);
        if (s->options.n) {
            S(" ");
            dp_seq_options(b, &s->options);
        }
        return;
    }
    case AST_TRUNCATE: {
        const AstTruncateStmt *s = (const AstTruncateStmt *)n;
        S("TRUNCATE TABLE ");
        dp_rel_list(b, &s->relations);
        if (s->restart_seqs)
            S(" RESTART IDENTITY");
        S(dp_behavior(s->behavior));
        return;
    }
    case AST_COMMENT: {
        const AstCommentStmt *s = (const AstCommentStmt *)n;
        S("COMMENT ON ");
        S(dp_obj_name(s->objtype));
        S(" ");
        dp_names(b, &s->object, ".");
        S(" IS ");
        if (s->comment)
            dp_string_lit(b, s->comment, (int)strlen(s->comment));
        else
            S("NULL");
        return;
    }
    case AST_COLUMN_DEF: dp_column_def(b, (const AstColumnDef *)n); return;
    case AST_CONSTRAINT: dp_constraint(b, (const AstConstraint *)n, true); return;
    case AST_ALTER_CMD: dp_alter_cmd(b, (const AstAlterCmd *)n); return;
    case AST_GROUPING_SET: {
        const AstGroupingSet *g = (const AstGroupingSet *)n;
        static const char *const k[] = { "()", "ROLLUP(", "CUBE(", "GROUPING SETS (" };
        S(k[g->kind]);
        if (g->kind != AST_GS_EMPTY) {
            dp_list(b, &g->content, ", ");
            S(")");
        }
        return;
    }
    default:
        if (!dp_utility(n, b))
            S("<?>");
        return;
    }
}
