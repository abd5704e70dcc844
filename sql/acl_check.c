/* acl_check.c -- role membership and privilege checks (contract in sql/acl.h). Membership
 * lives in each member's CatRole.member_of; walks are bounded by a depth limit (the
 * catalog refuses cycles at GRANT time, the limit only guards against a damaged catalog). */
#include "sql/acl.h"

#include <stdio.h>
#include <string.h>

#include "sql/pgcat/pgcat.h"

#define ACL_MAX_DEPTH 32

bool acl_role_superuser(const CatSnapshot *s, Oid role)
{
    const CatRole *r = catsnap_role_by_oid(s, role);
    return r && r->superuser;
}

/* Depth-first search from member through member_of; inherit_only stops at roles without
 * INHERIT (their memberships give no privileges); admin asks for an ADMIN OPTION edge into
 * target. */
static bool acl_walk(const CatSnapshot *s, Oid member, Oid target, bool inherit_only, bool admin, int depth)
{
    if (depth > ACL_MAX_DEPTH)
        return false;
    const CatRole *r = catsnap_role_by_oid(s, member);
    if (!r || (inherit_only && !r->inherit))
        return false;
    for (int i = 0; i < r->n_member_of; i++) {
        const CatRoleMember *m = &r->member_of[i];
        if (m->role == target && (!admin || m->admin))
            return true;
        if (acl_walk(s, m->role, target, inherit_only, admin, depth + 1))
            return true;
    }
    return false;
}

bool acl_has_privs_of_role(const CatSnapshot *s, Oid member, Oid role)
{
    if (member == role || acl_role_superuser(s, member))
        return true;
    return acl_walk(s, member, role, true, false, 0);
}

bool acl_is_member_of_role(const CatSnapshot *s, Oid member, Oid role)
{
    if (member == role || acl_role_superuser(s, member))
        return true;
    return acl_walk(s, member, role, false, false, 0);
}

bool acl_has_admin_of_role(const CatSnapshot *s, Oid member, Oid role)
{
    if (acl_role_superuser(s, member))
        return true;
    return acl_walk(s, member, role, false, true, 0);
}

/* Privileges of user in acl: PUBLIC's, the user's own and those of roles it inherits. */
static uint32_t acl_privs_in(const CatSnapshot *s, Oid user, const PgCatAcl *acl)
{
    uint32_t have = 0;
    for (int i = 0; i < acl->n; i++) {
        const PgCatAclItem *it = &acl->items[i];
        if (it->grantee == 0 || it->grantee == user || acl_has_privs_of_role(s, user, it->grantee))
            have |= it->privs;
    }
    return have;
}

uint32_t acl_relation_privs(const CatSnapshot *s, Oid user, const CatRelation *rel)
{
    char kind = rel->kind == CAT_REL_SEQUENCE ? 's' : 'r';
    if (acl_role_superuser(s, user))
        return pgcat_acl_all(kind);
    PgCatAcl acl;
    if (pgcat_acl_load(rel->acl, kind, rel->owner, false, &acl) != 0)
        pgcat_acl_default(kind, rel->owner, false, &acl);
    uint32_t have = acl_privs_in(s, user, &acl);
    return have;
}

static bool acl_system_schema(const CatNamespace *ns)
{
    return strcmp(ns->name, "pg_catalog") == 0 || strcmp(ns->name, "information_schema") == 0;
}

uint32_t acl_namespace_privs(const CatSnapshot *s, Oid user, const CatNamespace *ns)
{
    if (acl_role_superuser(s, user))
        return pgcat_acl_all('n');
    bool pub = strcmp(ns->name, "public") == 0;
    PgCatAcl acl;
    if (pgcat_acl_load(ns->acl, 'n', ns->owner, pub, &acl) != 0)
        pgcat_acl_default('n', ns->owner, pub, &acl);
    uint32_t have = acl_privs_in(s, user, &acl);
    if (acl_system_schema(ns) && !ns->acl)
        have |= PGCAT_ACL_USAGE;   /* PostgreSQL grants USAGE on these to PUBLIC */
    return have;
}

static const char *acl_kind_word(const CatRelation *rel)
{
    return rel->kind == CAT_REL_VIEW ? "view" : rel->kind == CAT_REL_SEQUENCE ? "sequence" : "table";
}

int acl_check_relation(const CatSnapshot *s, Oid user, const CatRelation *rel, uint32_t privs,
                       bool any_of, SqlError *err)
{
    uint32_t have = acl_relation_privs(s, user, rel);
    if (any_of ? (have & privs) != 0 : (have & privs) == privs)
        return 0;
    return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied for %s %s",
                         acl_kind_word(rel), rel->name);
}

int acl_check_namespace(const CatSnapshot *s, Oid user, const CatNamespace *ns, uint32_t privs,
                        SqlError *err)
{
    if ((acl_namespace_privs(s, user, ns) & privs) == privs)
        return 0;
    return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied for schema %s", ns->name);
}

int acl_check_owner(const CatSnapshot *s, Oid user, const CatRelation *rel, SqlError *err)
{
    if (acl_has_privs_of_role(s, user, rel->owner))
        return 0;
    return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be owner of %s %s",
                         acl_kind_word(rel), rel->name);
}

int acl_check_namespace_owner(const CatSnapshot *s, Oid user, const CatNamespace *ns, SqlError *err)
{
    if (acl_has_privs_of_role(s, user, ns->owner))
        return 0;
    return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be owner of schema %s", ns->name);
}

/* Appends one detail line (dropping it when the buffer is full). */
static void acl_detail_add(char *detail, size_t cap, const char *fmt1, const char *word, const char *name)
{
    size_t used = strlen(detail);
    if (used + 1 >= cap)
        return;
    snprintf(detail + used, cap - used, "%s%s%s %s", used ? "\n" : "", fmt1, word, name);
}

static bool acl_mentions(const char *stored, char kind, Oid owner, Oid role)
{
    if (!stored)
        return false;
    PgCatAcl acl;
    if (pgcat_acl_load(stored, kind, owner, false, &acl) != 0)
        return false;
    for (int i = 0; i < acl.n; i++)
        if (acl.items[i].grantee == role && owner != role)
            return true;
    return false;
}

int acl_role_dependencies(const CatSnapshot *s, Oid role, char *detail, size_t cap)
{
    int n = 0;
    if (cap)
        detail[0] = '\0';
    for (int i = 0; i < catsnap_n_databases(s); i++) {
        const CatDatabase *d = catsnap_database(s, i);
        if (d->owner == role) {
            acl_detail_add(detail, cap, "owner of ", "database", d->name);
            n++;
        }
    }
    for (int i = 0; i < catsnap_n_namespaces(s); i++) {
        const CatNamespace *ns = catsnap_namespace(s, i);
        if (ns->owner == role) {
            acl_detail_add(detail, cap, "owner of ", "schema", ns->name);
            n++;
        } else if (acl_mentions(ns->acl, 'n', ns->owner, role)) {
            acl_detail_add(detail, cap, "privileges for ", "schema", ns->name);
            n++;
        }
    }
    for (int i = 0; i < catsnap_n_relations(s); i++) {
        const CatRelation *rel = catsnap_relation(s, i);
        if (rel->owner == role) {
            acl_detail_add(detail, cap, "owner of ", acl_kind_word(rel), rel->name);
            n++;
        }
    }
    for (int i = 0; i < catsnap_n_relations(s); i++) {
        const CatRelation *rel = catsnap_relation(s, i);
        if (rel->owner != role && acl_mentions(rel->acl, rel->kind == CAT_REL_SEQUENCE ? 's' : 'r', rel->owner, role)) {
            acl_detail_add(detail, cap, "privileges for ", acl_kind_word(rel), rel->name);
            n++;
        }
    }
    return n;
}

int acl_query_check(const QueryEnv *env, const CatRelation *rel, uint32_t privs, SqlError *err)
{
    if (!env->user_oid || !env->cat || acl_role_superuser(env->cat, env->user_oid))
        return 0;
    const CatNamespace *ns = catsnap_namespace_by_oid(env->cat, rel->nsp);
    if (ns && acl_check_namespace(env->cat, env->user_oid, ns, PGCAT_ACL_USAGE, err) != 0)
        return -1;
    return acl_check_relation(env->cat, env->user_oid, rel, privs, false, err);
}
