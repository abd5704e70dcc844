/* deparse_utility.c -- prints roles, grants, extensions, embedders, transaction control,
 * SET / SHOW / RESET, EXPLAIN, COPY, PREPARE / EXECUTE / DEALLOCATE, DISCARD, LISTEN /
 * NOTIFY, VACUUM / ANALYZE, CHECKPOINT and LOCK, in the printer's canonical form. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/deparse_int.h"

#define S(x) dp_str(b, x)
#define E(x) sql_deparse((const AstNode *)(x), b)
#define ID(x) sql_deparse_ident((x), b)

static void dp_role_options(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstDefElem *d = (const AstDefElem *)l->items[i];
        const char *n = d->name;
        S(" ");
        if (strcmp(n, "password") == 0) {
            S("PASSWORD ");
            if (d->arg)
                E(d->arg);
            else
                S("NULL");
        } else if (strcmp(n, "connection_limit") == 0) {
            S("CONNECTION LIMIT ");
            dp_value(b, d->arg);
        } else if (strcmp(n, "valid_until") == 0) {
            S("VALID UNTIL ");
            E(d->arg);
        } else if (strcmp(n, "in_role") == 0 || strcmp(n, "role") == 0 || strcmp(n, "admin") == 0) {
            S(n[0] == 'i' ? "IN ROLE " : n[0] == 'r' ? "ROLE " : "ADMIN ");
            dp_names(b, &((const AstColumnRef *)d->arg)->fields, ", ");
        } else if (strcmp(n, "rename_to") == 0) {
            S("RENAME TO ");
            E(d->arg);
        } else {
            char up[32];
            size_t k;
            bool v = d->arg && ((const AstConst *)d->arg)->bval;
            for (k = 0; n[k] && k < sizeof up - 1; k++)
                up[k] = (char)(n[k] - 32);
            up[k] = '\0';
            if (!v)
                S("NO");
            S(up);
        }
    }
}

static void dp_txn_modes(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstDefElem *d = (const AstDefElem *)l->items[i];
        const AstConst *c = (const AstConst *)d->arg;
        S(i ? ", " : " ");
        if (strcmp(d->name, "transaction_isolation") == 0) {
            char up[32];
            size_t k;
            for (k = 0; c->str[k] && k < sizeof up - 1; k++)
                up[k] = (char)(c->str[k] == ' ' ? ' ' : c->str[k] - 32);
            up[k] = '\0';
            S("ISOLATION LEVEL ");
            S(up);
        } else if (strcmp(d->name, "transaction_read_only") == 0) {
            S(c->bval ? "READ ONLY" : "READ WRITE");
        } else {
            S(c->bval ? "DEFERRABLE" : "NOT DEFERRABLE");
        }
    }
}

static void dp_generic_options(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstDefElem *d = (const AstDefElem *)l->items[i];
        if (i)
            S(", ");
        dp_label(b, d->name);
        if (d->arg) {
            S(" ");
            if (d->arg->tag == AST_COLUMN_REF) {
                S("(");
                dp_names(b, &((const AstColumnRef *)d->arg)->fields, ", ");
                S(")");
            } else if (d->arg->tag == AST_CONST && ((const AstConst *)d->arg)->kind == AST_CONST_STRING &&
                       strcmp(((const AstConst *)d->arg)->str, "*") == 0) {
                S("*");
            } else {
                dp_value(b, d->arg);
            }
        }
    }
}

bool dp_utility(const AstNode *n, ShaleBuf *b)
{
    switch (n->tag) {
    case AST_ROLE: {
        const AstRoleStmt *s = (const AstRoleStmt *)n;
        static const char *const k[] = { "CREATE ", "ALTER ", "DROP " };
        S(k[s->kind]);
        S(s->role_type == 'u' ? "USER " : s->role_type == 'g' ? "GROUP " : "ROLE ");
        if (s->missing_ok)
            S("IF EXISTS ");
        dp_names(b, &s->names, ", ");
        dp_role_options(b, &s->options);
        return true;
    }
    case AST_GRANT: {
        const AstGrantStmt *s = (const AstGrantStmt *)n;
        S(s->is_grant ? "GRANT " : "REVOKE ");
        if (!s->is_grant && s->grant_option)
            S("GRANT OPTION FOR ");
        if (s->privileges.n == 0) {
            S("ALL");
        } else {
            for (int i = 0; i < s->privileges.n; i++) {
                const char *pv = s->privileges.names[i];
                char up[32];
                size_t k;
                for (k = 0; pv[k] && k < sizeof up - 1; k++)
                    up[k] = (char)(pv[k] >= 'a' && pv[k] <= 'z' ? pv[k] - 32 : pv[k]);
                up[k] = '\0';
                if (i)
                    S(", ");
                S(up);
            }
        }
        S(" ON ");
        if (s->all_in_schema)
            S("ALL TABLES IN SCHEMA ");
        else {
            S(dp_obj_name(s->objtype));
            S(" ");
        }
        dp_rel_list(b, &s->objects);
        S(s->is_grant ? " TO " : " FROM ");
        dp_names(b, &s->grantees, ", ");
        if (s->is_grant && s->grant_option)
            S(" WITH GRANT OPTION");
        S(dp_behavior(s->behavior));
        return true;
    }
    case AST_CREATE_EXTENSION: {
        const AstCreateExtensionStmt *s = (const AstCreateExtensionStmt *)n;
        S("CREATE EXTENSION ");
        dp_if_not_exists(b, s->if_not_exists);
        ID(s->name);
        for (int i = 0; i < s->options.n; i++) {
            const AstDefElem *d = (const AstDefElem *)s->options.items[i];
            if (strcmp(d->name, "cascade") == 0) {
                S(" CASCADE");
            } else {
                S(strcmp(d->name, "schema") == 0 ? " SCHEMA " : " VERSION ");
                E(d->arg);
            }
        }
        return true;
    }
    case AST_CREATE_EMBEDDER: {
        const AstCreateEmbedderStmt *s = (const AstCreateEmbedderStmt *)n;
        S("CREATE EMBEDDER ");
        dp_if_not_exists(b, s->if_not_exists);
        ID(s->name);
        if (s->options.n) {
            S(" (");
            dp_defs(b, &s->options, " = ");
            S(")");
        }
        return true;
    }
    case AST_TRANSACTION: {
        const AstTransactionStmt *s = (const AstTransactionStmt *)n;
        switch (s->kind) {
        case AST_TXN_BEGIN: S("BEGIN"); dp_txn_modes(b, &s->options); break;
        case AST_TXN_START: S("START TRANSACTION"); dp_txn_modes(b, &s->options); break;
        case AST_TXN_COMMIT: S(s->chain ? "COMMIT AND CHAIN" : "COMMIT"); break;
        case AST_TXN_ROLLBACK: S(s->chain ? "ROLLBACK AND CHAIN" : "ROLLBACK"); break;
        case AST_TXN_SAVEPOINT: S("SAVEPOINT "); ID(s->savepoint); break;
        case AST_TXN_RELEASE: S("RELEASE SAVEPOINT "); ID(s->savepoint); break;
        case AST_TXN_ROLLBACK_TO: S("ROLLBACK TO SAVEPOINT "); ID(s->savepoint); break;
        }
        return true;
    }
    case AST_VARIABLE_SET: {
        const AstVariableSetStmt *s = (const AstVariableSetStmt *)n;
        if (s->kind == AST_RESET || s->kind == AST_RESET_ALL) {
            S("RESET ");
            if (s->kind == AST_RESET_ALL)
                S("ALL");
            else
                ID(s->name);
            return true;
        }
        S(s->is_local ? "SET LOCAL " : "SET ");
        if (s->kind == AST_SET_MULTI) {
            S(strcmp(s->name, "transaction") == 0 ? "TRANSACTION" : "SESSION CHARACTERISTICS AS TRANSACTION");
            dp_txn_modes(b, &s->args);
            return true;
        }
        ID(s->name);
        if (s->kind == AST_SET_DEFAULT) {
            S(" TO DEFAULT");
        } else if (s->kind == AST_SET_CURRENT) {
            S(" FROM CURRENT");
        } else {
            S(" TO ");
            for (int i = 0; i < s->args.n; i++) {
                if (i)
                    S(", ");
                dp_value(b, s->args.items[i]);
            }
        }
        return true;
    }
    case AST_VARIABLE_SHOW: {
        const AstVariableShowStmt *s = (const AstVariableShowStmt *)n;
        S("SHOW ");
        if (strcmp(s->name, "all") == 0)
            S("ALL");
        else
            ID(s->name);
        return true;
    }
    case AST_EXPLAIN: {
        const AstExplainStmt *s = (const AstExplainStmt *)n;
        S("EXPLAIN ");
        if (s->options.n) {
            S("(");
            dp_generic_options(b, &s->options);
            S(") ");
        }
        E(s->query);
        return true;
    }
    case AST_COPY: {
        const AstCopyStmt *s = (const AstCopyStmt *)n;
        S("COPY ");
        if (s->relation) {
            dp_rangevar_name(b, s->relation);
            if (s->attlist.n) {
                S(" (");
                dp_names(b, &s->attlist, ", ");
                S(")");
            }
        } else {
            S("(");
            E(s->query);
            S(")");
        }
        S(s->is_from ? " FROM " : " TO ");
        if (s->is_program)
            S("PROGRAM ");
        if (s->filename)
            dp_string_lit(b, s->filename, (int)strlen(s->filename));
        else
            S(s->is_from ? "STDIN" : "STDOUT");
        if (s->options.n) {
            S(" WITH (");
            dp_generic_options(b, &s->options);
            S(")");
        }
        if (s->where) {
            S(" WHERE ");
            E(s->where);
        }
        return true;
    }
    case AST_PREPARE: {
        const AstPrepareStmt *s = (const AstPrepareStmt *)n;
        S("PREPARE ");
        ID(s->name);
        if (s->argtypes.n) {
            S(" (");
            dp_list(b, &s->argtypes, ", ");
            S(")");
        }
        S(" AS ");
        E(s->query);
        return true;
    }
    case AST_EXECUTE: {
        const AstExecuteStmt *s = (const AstExecuteStmt *)n;
        S("EXECUTE ");
        ID(s->name);
        if (s->params.n) {
            S("(");
            dp_list(b, &s->params, ", ");
            S(")");
        }
        return true;
    }
    case AST_DEALLOCATE: {
        const AstDeallocateStmt *s = (const AstDeallocateStmt *)n;
        S("DEALLOCATE ");
        if (s->name)
            ID(s->name);
        else
            S("ALL");
        return true;
    }
    case AST_DISCARD: {
        static const char *const k[] = { "DISCARD ALL", "DISCARD PLANS", "DISCARD SEQUENCES", "DISCARD TEMP" };
        S(k[((const AstDiscardStmt *)n)->target]);
        return true;
    }
    case AST_NOTIFY: {
        const AstNotifyStmt *s = (const AstNotifyStmt *)n;
        S(s->kind == AST_LISTEN ? "LISTEN " : s->kind == AST_UNLISTEN ? "UNLISTEN " : "NOTIFY ");
        if (s->channel)
            ID(s->channel);
        else
            S("*");
        if (s->payload) {
            S(", ");
            dp_string_lit(b, s->payload, (int)strlen(s->payload));
        }
        return true;
    }
    case AST_VACUUM: {
        const AstVacuumStmt *s = (const AstVacuumStmt *)n;
        S(s->is_vacuum ? "VACUUM" : "ANALYZE");
        if (s->options.n) {
            S(" (");
            dp_generic_options(b, &s->options);
            S(")");
        }
        for (int i = 0; i < s->rels.n; i++) {
            const AstRangeVar *r = (const AstRangeVar *)s->rels.items[i];
            S(i ? ", " : " ");
            dp_rangevar_name(b, r);
            if (r->alias && r->alias->colnames.n) {
                S(" (");
                dp_names(b, &r->alias->colnames, ", ");
                S(")");
            }
        }
        return true;
    }
    case AST_DECLARE_CURSOR: {
        const AstDeclareCursorStmt *s = (const AstDeclareCursorStmt *)n;
        S("DECLARE ");
        ID(s->name);
        if (s->options & AST_CURSOR_BINARY)
            S(" BINARY");
        if (s->options & AST_CURSOR_INSENSITIVE)
            S(" INSENSITIVE");
        if (s->options & AST_CURSOR_ASENSITIVE)
            S(" ASENSITIVE");
        if (s->options & AST_CURSOR_NO_SCROLL)
            S(" NO SCROLL");
        if (s->options & AST_CURSOR_SCROLL)
            S(" SCROLL");
        S(" CURSOR");
        if (s->options & AST_CURSOR_HOLD)
            S(" WITH HOLD");
        S(" FOR ");
        E(s->query);
        return true;
    }
    case AST_FETCH: {
        const AstFetchStmt *s = (const AstFetchStmt *)n;
        static const char *const dir[] = { "FORWARD", "BACKWARD", "ABSOLUTE", "RELATIVE" };
        char num[32];
        S(s->is_move ? "MOVE " : "FETCH ");
        S(dir[s->direction]);
        if (s->all) {
            S(" ALL");
        } else {
            snprintf(num, sizeof num, " %lld", (long long)s->count);
            S(num);
        }
        S(" FROM ");
        ID(s->name);
        return true;
    }
    case AST_CLOSE_CURSOR: {
        const AstCloseCursorStmt *s = (const AstCloseCursorStmt *)n;
        S("CLOSE ");
        if (s->name)
            ID(s->name);
        else
            S("ALL");
        return true;
    }
    case AST_CHECKPOINT: S("CHECKPOINT"); return true;
    case AST_LOCK: {
        const AstLockStmt *s = (const AstLockStmt *)n;
        char up[40];
        size_t k;
        for (k = 0; s->mode[k] && k < sizeof up - 1; k++)
            up[k] = (char)(s->mode[k] == ' ' ? ' ' : s->mode[k] - 32);
        up[k] = '\0';
        S("LOCK TABLE ");
        dp_rel_list(b, &s->relations);
        S(" IN ");
        S(up);
        S(" MODE");
        if (s->nowait)
            S(" NOWAIT");
        return true;
    }
    default:
        return false;
    }
}
