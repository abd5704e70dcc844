/* acl.h -- role membership and privilege checks (sql/acl_check.c), as PostgreSQL 15 does
 * them: superusers bypass every check; an object's owner holds all its privileges; other
 * roles hold what the object's ACL (sql/pgcat/pgcat_acl.c) grants to them, to PUBLIC or to
 * a role they inherit the privileges of (membership chains through roles with INHERIT).
 *
 * Errors are PostgreSQL's: 42501 "permission denied for table t" / "... for schema s" /
 * "... for sequence s" / "must be owner of table t".
 *
 * Memory: nothing is allocated; descriptors are the caller's snapshot's (valid while it is
 * held). Thread-safety: pure functions of the snapshot. */
#ifndef SHALE_SQL_ACL_H
#define SHALE_SQL_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/sqlerror.h"
#include "sql/query.h"

/* True when role is a superuser (false when it does not exist). */
bool acl_role_superuser(const CatSnapshot *s, Oid role);
/* has_privs_of_role: member holds role's privileges (itself, superuser, or through
 * memberships of INHERIT roles). */
bool acl_has_privs_of_role(const CatSnapshot *s, Oid member, Oid role);
/* is_member_of_role: member belongs to role directly or indirectly, INHERIT or not (what
 * SET ROLE needs). */
bool acl_is_member_of_role(const CatSnapshot *s, Oid member, Oid role);
/* role has admin option on target (directly or through membership), or is superuser. */
bool acl_has_admin_of_role(const CatSnapshot *s, Oid member, Oid role);

/* The PGCAT_ACL_* bits user holds on rel / ns (all of them for superusers and owners). */
uint32_t acl_relation_privs(const CatSnapshot *s, Oid user, const CatRelation *rel);
uint32_t acl_namespace_privs(const CatSnapshot *s, Oid user, const CatNamespace *ns);

/* 0 when user holds every bit of privs on rel (any one of them when any_of), else -1 with
 * 42501 "permission denied for table|view|sequence name". */
int acl_check_relation(const CatSnapshot *s, Oid user, const CatRelation *rel, uint32_t privs,
                       bool any_of, SqlError *err);
/* 0 when user holds privs on schema ns, else 42501 "permission denied for schema s". */
int acl_check_namespace(const CatSnapshot *s, Oid user, const CatNamespace *ns, uint32_t privs,
                        SqlError *err);
/* 0 when user owns (has the privileges of the owner of) rel, else 42501 "must be owner of
 * table|view|sequence|index name". */
int acl_check_owner(const CatSnapshot *s, Oid user, const CatRelation *rel, SqlError *err);
/* Same for a schema (42501 "must be owner of schema s"). */
int acl_check_namespace_owner(const CatSnapshot *s, Oid user, const CatNamespace *ns, SqlError *err);

/* The statement hooks (no-ops when the user is a superuser or user 0 = unchecked):
 * privileges on rel plus USAGE on its schema, for the role the query runs as
 * (QueryEnv.user_oid: the view owner inside a view). */
int acl_query_check(const QueryEnv *env, const CatRelation *rel, uint32_t privs, SqlError *err);

/* Whether role (not a superuser) owns or holds privileges on any object the snapshot shows:
 * writes up to cap bytes of PostgreSQL's DROP ROLE detail lines ("owner of table t\n
 * privileges for table t2") into detail; returns the number of dependent objects. */
int acl_role_dependencies(const CatSnapshot *s, Oid role, char *detail, size_t cap);

#endif
