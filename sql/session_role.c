/* session_role.c -- SET ROLE / RESET ROLE / SET ROLE NONE and SET SESSION AUTHORIZATION /
 * RESET SESSION AUTHORIZATION / SET SESSION AUTHORIZATION DEFAULT, as PostgreSQL 15:
 * SET ROLE needs membership of the session user in the role (superusers may take any);
 * SET SESSION AUTHORIZATION needs the role that logged in to be a superuser. Either is
 * undone at RESET ALL / DISCARD ALL. Transactional as in PostgreSQL (sql/session_undo.c):
 * undone by ROLLBACK / ROLLBACK TO SAVEPOINT; SET LOCAL ROLE ends with its transaction. */
#include <stdio.h>
#include <string.h>

#include "sql/acl.h"
#include "sql/session_int.h"

static int role_take(SqlSession *s, const CatSnapshot *snap, Oid oid, bool session, SqlError *err)
{
    const CatRole *r = catsnap_role_by_oid(snap, oid);
    if (!r)
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "role with OID %u does not exist", oid);
    if (session) {
        snprintf(s->session_user, sizeof s->session_user, "%s", r->name);
        s->session_user_oid = r->oid;
        if (strcmp(s->settings.value[SETTING_SESSION_AUTHORIZATION], r->name) != 0)
            s->settings.changed[SETTING_SESSION_AUTHORIZATION] = settings_reported(SETTING_SESSION_AUTHORIZATION);
        snprintf(s->settings.value[SETTING_SESSION_AUTHORIZATION], SETTING_VALUE_MAX, "%s", r->name);
    }
    snprintf(s->user, sizeof s->user, "%s", r->name);
    s->user_oid = r->oid;
    s->superuser = r->superuser;
    if (strcmp(s->settings.value[SETTING_IS_SUPERUSER], r->superuser ? "on" : "off") != 0)   /* ParameterStatus */
        s->settings.changed[SETTING_IS_SUPERUSER] = settings_reported(SETTING_IS_SUPERUSER);
    snprintf(s->settings.value[SETTING_IS_SUPERUSER], SETTING_VALUE_MAX, "%s", r->superuser ? "on" : "off");
    return 0;
}

int session_role_set(SqlSession *s, const AstVariableSetStmt *vs, SqlError *err)
{
    bool reset_all = vs->kind == AST_RESET_ALL;
    bool is_role = vs->name && !strcmp(vs->name, "role");
    bool is_auth = vs->name && !strcmp(vs->name, "session_authorization");
    if (!reset_all && !is_role && !is_auth)
        return 0;
    char value[128] = "";
    if (vs->kind == AST_SET_VALUE && vs->args.n == 1 && vs->args.items[0]->tag == AST_CONST) {
        const AstConst *c = (const AstConst *)vs->args.items[0];
        snprintf(value, sizeof value, "%s", c->str ? c->str : "");
    }
    bool to_default = vs->kind != AST_SET_VALUE || (is_role && !strcmp(value, "none"));
    CatSnapshot *snap;
    if (catalog_snapshot(rel_db_catalog(s->eng->rdb), s->txn ? rel_txn_catalog(s->txn) : NULL, s->db_oid,
                         &snap, err) != 0)
        return -1;
    int rc = session_undo_note_role(s);   /* ROLLBACK / ROLLBACK TO put it back */
    if (rc != 0) {
        catalog_snapshot_release(snap);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    if (reset_all) {
        rc = role_take(s, snap, s->session_user_oid, false, err);
        catalog_snapshot_release(snap);
        if (rc == 0)
            session_undo_role_set(s, false);
        return rc < 0 ? -1 : 0;   /* the other settings still reset */
    }
    if (to_default) {
        rc = role_take(s, snap, is_auth ? s->auth_user_oid : s->session_user_oid, is_auth, err);
    } else {
        const CatRole *r = catsnap_role_by_name(snap, value);
        if (!r)
            rc = sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", value);
        else if (is_auth && r->oid != s->auth_user_oid && !s->auth_superuser)
            rc = sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to set session authorization");
        else if (is_role && !acl_is_member_of_role(snap, s->session_user_oid, r->oid))
            rc = sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to set role \"%s\"", value);
        else
            rc = role_take(s, snap, r->oid, is_auth, err);
    }
    catalog_snapshot_release(snap);
    if (rc == 0)
        session_undo_role_set(s, vs->is_local);
    return rc < 0 ? -1 : 1;
}
