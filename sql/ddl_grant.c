/* ddl_grant.c -- GRANT / REVOKE on tables, views, sequences and schemas, and ALTER SCHEMA
 * ... OWNER TO / RENAME TO: privileges are stored in the catalog (CatRelation.acl,
 * CatNamespace.acl; format and defaults in sql/pgcat/pgcat_acl.c) and read by pg_class.relacl,
 * pg_namespace.nspacl, has_*_privilege, \dp and pg_dump. They are recorded, not enforced:
 * statements do not check them (docs/compatibility.md). Column privileges, GRANT on
 * databases/functions and role membership GRANTs are not supported (0A000). */
#include <string.h>

#include "sql/acl.h"
#include "sql/ddl_int.h"
#include "sql/pgcat/pgcat.h"
#include "sql/session_int.h"

/* The role OID of a grantee name; 0 for PUBLIC. -1 + 42704 when no such role. */
static int grantee_oid(DdlCtx *d, const char *name, Oid *out, SqlError *err)
{
    if (strcmp(name, "public") == 0) {
        *out = 0;
        return 0;
    }
    if (strcmp(name, "current_user") == 0 || strcmp(name, "session_user") == 0 ||
        strcmp(name, "current_role") == 0) {
        *out = d->s->user_oid;
        return 0;
    }
    const CatRole *r = catsnap_role_by_name(d->snap, name);
    if (!r)
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", name);
    *out = r->oid;
    return 0;
}

/* Applies the statement to one ACL (of an object of kind, owned by owner). */
static int apply_acl(DdlCtx *d, const AstGrantStmt *g, char kind, Oid owner, PgCatAcl *acl, SqlError *err)
{
    uint32_t privs = 0;
    if (g->privileges.n == 0) {
        privs = pgcat_acl_all(kind);
    } else {
        for (int i = 0; i < g->privileges.n; i++) {
            uint32_t bit = pgcat_acl_priv_bit(g->privileges.names[i]);
            if (!bit)
                return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "unrecognized privilege type \"%s\"",
                                     g->privileges.names[i]);
            if (!(bit & pgcat_acl_all(kind)))
                return sql_error_set(err, ERRCODE_INVALID_GRANT_OPERATION, "invalid privilege type %s for %s",
                                     g->privileges.names[i], kind == 'n' ? "schema" : kind == 's' ? "sequence" : "relation");
            privs |= bit;
        }
    }
    for (int i = 0; i < g->grantees.n; i++) {
        Oid role;
        if (grantee_oid(d, g->grantees.names[i], &role, err) != 0)
            return -1;
        if (g->is_grant) {
            if (role == 0 && g->grant_option)
                return sql_error_set(err, ERRCODE_INVALID_GRANT_OPERATION, "grant options can only be granted to roles");
            if (pgcat_acl_grant(acl, role, owner, privs, g->grant_option) != 0)
                return sql_error_set(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many privilege entries");
        } else {
            pgcat_acl_revoke(acl, role, privs, g->grant_option);
        }
    }
    return 0;
}

static int grant_relation(DdlCtx *d, const AstGrantStmt *g, const CatRelation *rel, SqlError *err)
{
    char kind = rel->kind == CAT_REL_SEQUENCE ? 's' : 'r';
    if (g->objtype == AST_OBJ_SEQUENCE && rel->kind != CAT_REL_SEQUENCE)
        return sql_error_set(err, ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is not a sequence", rel->name);
    if (!d->s->superuser && !acl_has_privs_of_role(d->snap, d->s->user_oid, rel->owner))
        return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied for %s %s",
                             rel->kind == CAT_REL_SEQUENCE ? "sequence" : rel->kind == CAT_REL_VIEW ? "view" : "table", rel->name);
    PgCatAcl acl;
    if (pgcat_acl_load(rel->acl, kind, rel->owner, false, &acl) != 0)
        return sql_error_set(err, ERRCODE_DATA_CORRUPTED, "malformed privileges of \"%s\"", rel->name);
    if (apply_acl(d, g, kind, rel->owner, &acl, err) != 0)
        return -1;
    CatRelation *copy = catrel_copy(&d->arena, rel);
    if (!copy || !(copy->acl = pgcat_acl_store(&acl, &d->arena)))
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, rel, copy, err) != 0)
        return -1;
    return ddl_refresh_snap(d, err);
}

static int grant_schema(DdlCtx *d, const AstGrantStmt *g, const CatNamespace *ns, SqlError *err)
{
    if (!d->s->superuser && !acl_has_privs_of_role(d->snap, d->s->user_oid, ns->owner))
        return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied for schema %s", ns->name);
    PgCatAcl acl;
    if (pgcat_acl_load(ns->acl, 'n', ns->owner, strcmp(ns->name, "public") == 0, &acl) != 0)
        return sql_error_set(err, ERRCODE_DATA_CORRUPTED, "malformed privileges of schema \"%s\"", ns->name);
    if (apply_acl(d, g, 'n', ns->owner, &acl, err) != 0)
        return -1;
    CatNamespace copy = *ns;
    if (!(copy.acl = pgcat_acl_store(&acl, &d->arena)))
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (catalog_alter_namespace(d->cat, d->ctxn, d->s->db_oid, ns, &copy, err) != 0)
        return -1;
    return ddl_refresh_snap(d, err);
}

SqlStatus ddl_grant(DdlCtx *d, const AstGrantStmt *g, const SqlSink *sink, SqlError *err)
{
    if (g->objtype == AST_OBJ_ROLE)
        return ddl_grant_role(d, g, sink, err);
    if (g->objtype != AST_OBJ_TABLE && g->objtype != AST_OBJ_SEQUENCE && g->objtype != AST_OBJ_SCHEMA)
        return (SqlStatus)SQL_ERR(err, FEATURE_NOT_SUPPORTED, "GRANT and REVOKE on this kind of object are not supported yet");
    for (int i = 0; i < g->objects.n; i++) {
        const AstRangeVar *rv = (const AstRangeVar *)g->objects.items[i];
        if (g->objtype == AST_OBJ_SCHEMA || g->all_in_schema) {
            const char *nm = rv->schema ? rv->schema : rv->relname;
            const CatNamespace *ns = catsnap_namespace_by_name(d->snap, nm);
            if (!ns) {
                sql_error_set(err, ERRCODE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", nm);
                return (SqlStatus)ddl_set_pos(d, err, rv->hdr.location);
            }
            if (!g->all_in_schema) {
                if (grant_schema(d, g, ns, err) != 0)
                    return SQL_ERROR;
                continue;
            }
            Oid nsp = ns->oid;
            for (int k = 0; k < catsnap_n_relations(d->snap); k++) {
                const CatRelation *rel = catsnap_relation(d->snap, k);
                if (rel->nsp != nsp || rel->kind == CAT_REL_SEQUENCE)
                    continue;
                if (grant_relation(d, g, rel, err) != 0)
                    return SQL_ERROR;
            }
            continue;
        }
        const CatRelation *rel = ddl_lookup_relation(d, rv);
        if (!rel) {
            sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
            return (SqlStatus)ddl_set_pos(d, err, rv->hdr.location);
        }
        if (grant_relation(d, g, rel, err) != 0)
            return SQL_ERROR;
    }
    sink->command_complete(sink->arg, g->is_grant ? "GRANT" : "REVOKE");
    return SQL_DONE;
}

SqlStatus ddl_alter_schema(DdlCtx *d, const AstAlterTableStmt *at, const SqlSink *sink, SqlError *err)
{
    const char *name = at->relation->relname;
    for (int i = 0; i < at->cmds.n; i++) {
        const AstAlterCmd *cmd = (const AstAlterCmd *)at->cmds.items[i];
        const CatNamespace *ns = catsnap_namespace_by_name(d->snap, name);
        if (!ns)
            return (SqlStatus)sql_error_set(err, ERRCODE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", name);
        CatNamespace copy = *ns;
        if (cmd->kind == AST_AT_OWNER_TO) {
            Oid role;
            if (grantee_oid(d, cmd->newname, &role, err) != 0)
                return SQL_ERROR;
            if (role == 0)
                return (SqlStatus)sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "role \"public\" does not exist");
            /* the old owner's privileges pass to the new owner, as PostgreSQL's aclnewowner */
            if (ns->acl) {
                PgCatAcl acl;
                if (pgcat_acl_load(ns->acl, 'n', ns->owner, false, &acl) == 0) {
                    for (int k = 0; k < acl.n; k++) {
                        if (acl.items[k].grantee == ns->owner)
                            acl.items[k].grantee = role;
                        if (acl.items[k].grantor == ns->owner)
                            acl.items[k].grantor = role;
                    }
                    copy.acl = pgcat_acl_store(&acl, &d->arena);
                }
            }
            copy.owner = role;
        } else if (cmd->kind == AST_AT_RENAME_TABLE) {
            if (catsnap_namespace_by_name(d->snap, cmd->newname))
                return (SqlStatus)sql_error_set(err, ERRCODE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", cmd->newname);
            copy.name = ddl_strdup(d, cmd->newname);
            name = copy.name;
        } else {
            return (SqlStatus)SQL_ERR(err, FEATURE_NOT_SUPPORTED, "this form of ALTER SCHEMA is not supported yet");
        }
        if (catalog_alter_namespace(d->cat, d->ctxn, d->s->db_oid, ns, &copy, err) != 0 || ddl_refresh_snap(d, err) != 0)
            return SQL_ERROR;
    }
    sink->command_complete(sink->arg, "ALTER SCHEMA");
    return SQL_DONE;
}
