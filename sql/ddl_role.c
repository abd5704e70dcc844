/* ddl_role.c -- CREATE / ALTER / DROP ROLE|USER|GROUP and GRANT / REVOKE role TO / FROM
 * role, with PostgreSQL 15's permission rules and messages (superuser, CREATEROLE, ADMIN
 * OPTION). Passwords are stored only as SCRAM-SHA-256 verifiers (password_encryption =
 * scram-sha-256); a string that already is a verifier ("SCRAM-SHA-256$..." or "md5" + 32
 * hex digits) is stored as given, as PostgreSQL does.
 *
 * Verifier (pg_authid.rolpassword): "SCRAM-SHA-256$" iterations ":" base64(salt) "$"
 * base64(StoredKey) ":" base64(ServerKey), 4096 iterations, 16-byte random salt;
 * SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, i), ClientKey = HMAC(SaltedPassword,
 * "Client Key"), StoredKey = SHA256(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").
 *
 * Memberships live in the member's CatRole.member_of (src/catalog/catalog.h). Memory: new
 * descriptors are built in the statement's DdlCtx arena. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/sha256.h>

#include "sql/acl.h"
#include "sql/ddl_int.h"
#include "sql/pgcat/pgcat.h"
#include "sql/session_int.h"

#define ROLE_SCRAM_ITERATIONS 4096

int ddl_role_scram_verifier(const char *password, char *out, size_t cap)
{
    unsigned char salt[16], salted[32], client_key[32], stored[32], server_key[32];
    size_t got = 0;
    while (got < sizeof salt) {
        ssize_t r = getrandom(salt + got, sizeof salt - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = -1;
    if (mbedtls_md_setup(&ctx, md, 1) == 0 &&
        mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)password, strlen(password), salt, sizeof salt,
                                  ROLE_SCRAM_ITERATIONS, 32, salted) == 0 &&
        mbedtls_md_hmac(md, salted, 32, (const unsigned char *)"Client Key", 10, client_key) == 0 &&
        mbedtls_sha256_ret(client_key, 32, stored, 0) == 0 &&
        mbedtls_md_hmac(md, salted, 32, (const unsigned char *)"Server Key", 10, server_key) == 0) {
        unsigned char s64[32], k64[64], v64[64];
        size_t ns, nk, nv;
        if (mbedtls_base64_encode(s64, sizeof s64, &ns, salt, sizeof salt) == 0 &&
            mbedtls_base64_encode(k64, sizeof k64, &nk, stored, 32) == 0 &&
            mbedtls_base64_encode(v64, sizeof v64, &nv, server_key, 32) == 0) {
            int w = snprintf(out, cap, "SCRAM-SHA-256$%d:%.*s$%.*s:%.*s", ROLE_SCRAM_ITERATIONS, (int)ns, s64,
                             (int)nk, k64, (int)nv, v64);
            rc = (w > 0 && (size_t)w < cap) ? 0 : -1;
        }
    }
    mbedtls_md_free(&ctx);
    memset(salted, 0, sizeof salted);
    return rc;
}

static bool role_is_md5(const char *pw)
{
    if (!pw || strncmp(pw, "md5", 3) != 0 || strlen(pw) != 35)
        return false;
    for (int i = 3; i < 35; i++)
        if (!strchr("0123456789abcdef", pw[i]))
            return false;
    return true;
}

static void role_notice(const SqlSink *sink, SqlSeverity sev, const char *code_msg)
{
    if (!sink->notice)
        return;
    SqlError n;
    sql_error_set(&n, sev == SQL_SEV_WARNING ? ERRCODE_WARNING : ERRCODE_SUCCESSFUL_COMPLETION, "%s", code_msg);
    n.severity = sev;
    sink->notice(sink->arg, &n);
}

/* A role by name (current_user / session_user as PostgreSQL's RoleSpec); NULL + 42704. */
static const CatRole *role_lookup(DdlCtx *d, const char *name, SqlError *err)
{
    const CatRole *r;
    if (strcmp(name, "current_user") == 0 || strcmp(name, "current_role") == 0)
        r = catsnap_role_by_oid(d->snap, d->s->user_oid);
    else if (strcmp(name, "session_user") == 0)
        r = catsnap_role_by_oid(d->snap, d->s->session_user_oid);
    else
        r = catsnap_role_by_name(d->snap, name);
    if (!r)
        sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", name);
    return r;
}

/* Raw membership (no superuser shortcut): member belongs to role, directly or not. */
static bool role_member_raw(const CatSnapshot *s, Oid member, Oid role, int depth)
{
    if (member == role)
        return true;
    const CatRole *r = catsnap_role_by_oid(s, member);
    if (!r || depth > 32)
        return false;
    for (int i = 0; i < r->n_member_of; i++)
        if (role_member_raw(s, r->member_of[i].role, role, depth + 1))
            return true;
    return false;
}

/* Adds (or, admin given, upgrades) the membership of member in role. */
static int role_add_member(DdlCtx *d, const CatRole *role, const CatRole *member, bool admin,
                           const SqlSink *sink, SqlError *err)
{
    if (role_member_raw(d->snap, role->oid, member->oid, 0))
        return sql_error_set(err, ERRCODE_INVALID_GRANT_OPERATION, "role \"%s\" is a member of role \"%s\"",
                             role->name, member->name);
    for (int i = 0; i < member->n_member_of; i++) {
        if (member->member_of[i].role != role->oid)
            continue;
        if (!admin || member->member_of[i].admin) {
            char msg[300];
            snprintf(msg, sizeof msg, "role \"%s\" is already a member of role \"%s\"", member->name, role->name);
            role_notice(sink, SQL_SEV_NOTICE, msg);
            return 0;
        }
    }
    CatRole nr = *member;
    nr.member_of = shale_arena_alloc(&d->arena, sizeof *nr.member_of * (size_t)(member->n_member_of + 1));
    if (!nr.member_of)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int n = 0;
    for (int i = 0; i < member->n_member_of; i++)
        if (member->member_of[i].role != role->oid)
            nr.member_of[n++] = member->member_of[i];
    nr.member_of[n++] = (CatRoleMember){ role->oid, d->s->user_oid, admin };
    nr.n_member_of = n;
    if (catalog_alter_role(d->cat, d->ctxn, member, &nr, err) != 0)
        return -1;
    return ddl_refresh_snap(d, err);
}

/* Removes member's membership in role (only the admin option when admin_only). Returns 1
 * when there was none. */
static int role_del_member(DdlCtx *d, const CatRole *member, Oid role, bool admin_only, SqlError *err)
{
    CatRole nr = *member;
    nr.member_of = shale_arena_alloc(&d->arena, sizeof *nr.member_of * (size_t)(member->n_member_of + 1));
    if (!nr.member_of)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int n = 0;
    bool found = false;
    for (int i = 0; i < member->n_member_of; i++) {
        if (member->member_of[i].role == role) {
            found = true;
            if (admin_only) {
                nr.member_of[n] = member->member_of[i];
                nr.member_of[n++].admin = false;
            }
            continue;
        }
        nr.member_of[n++] = member->member_of[i];
    }
    if (!found)
        return 1;
    nr.n_member_of = n;
    if (catalog_alter_role(d->cat, d->ctxn, member, &nr, err) != 0)
        return -1;
    return ddl_refresh_snap(d, err);
}

static const char *role_opt_string(const AstDefElem *o)
{
    if (!o->arg || o->arg->tag != AST_CONST)
        return NULL;
    return ((const AstConst *)o->arg)->str;
}

/* Options of CREATE/ALTER applied to r. seen[] catches repeated options (42601). */
static int role_apply_options(DdlCtx *d, const AstRoleStmt *rs, CatRole *r, bool creating,
                              const SqlSink *sink, SqlError *err)
{
    const char *seen[16];
    int n_seen = 0;
    for (int i = 0; i < rs->options.n; i++) {
        const AstDefElem *o = (const AstDefElem *)rs->options.items[i];
        for (int k = 0; k < n_seen; k++)
            if (strcmp(seen[k], o->name) == 0)
                return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "conflicting or redundant options");
        if (n_seen < 16)
            seen[n_seen++] = o->name;
        bool bval = o->arg && o->arg->tag == AST_CONST && ((const AstConst *)o->arg)->bval;
        if (!strcmp(o->name, "superuser")) r->superuser = bval;
        else if (!strcmp(o->name, "createdb")) r->createdb = bval;
        else if (!strcmp(o->name, "createrole")) r->createrole = bval;
        else if (!strcmp(o->name, "inherit")) r->inherit = bval;
        else if (!strcmp(o->name, "login")) r->login = bval;
        else if (!strcmp(o->name, "replication")) r->replication = bval;
        else if (!strcmp(o->name, "bypassrls")) r->bypassrls = bval;
        else if (!strcmp(o->name, "connection_limit")) {
            const AstConst *c = (const AstConst *)o->arg;
            if (!c || c->hdr.tag != AST_CONST || c->kind != AST_CONST_INTEGER || !c->fits_int64 ||
                c->ival < -1 || c->ival > INT32_MAX)
                return sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid connection limit: %s",
                                     c && c->hdr.tag == AST_CONST && c->str ? c->str : "?");
            r->conn_limit = (int32_t)c->ival;
        } else if (!strcmp(o->name, "valid_until")) {
            const char *v = role_opt_string(o);
            Value tv;
            if (!v || types_input(&d->s->tc, TIMESTAMPTZOID, -1, v, strlen(v), &d->arena, &tv, err) != 0)
                return -1;
            TypeContext iso;   /* stored in one DateStyle/zone, whatever the session's */
            types_context_init(&iso);
            const char *txt = types_output_cstr(&iso, &tv, &d->arena);
            if (!txt)
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            r->valid_until = (char *)txt;
        } else if (!strcmp(o->name, "password")) {
            const char *pw = role_opt_string(o);
            if (!pw) {
                r->password = NULL;
            } else if (!pw[0]) {
                role_notice(sink, SQL_SEV_NOTICE, "empty string is not a valid password, clearing password");
                r->password = NULL;
            } else if (strncmp(pw, "SCRAM-SHA-256$", 14) == 0 || role_is_md5(pw)) {
                r->password = ddl_strdup(d, pw);
            } else {
                char *v = shale_arena_alloc(&d->arena, 256);
                if (!v || ddl_role_scram_verifier(pw, v, 256) != 0)
                    return SQL_ERR(err, INTERNAL_ERROR, "could not compute the password verifier");
                r->password = v;
            }
        } else if (!strcmp(o->name, "in_role") || !strcmp(o->name, "role") || !strcmp(o->name, "admin")) {
            if (!creating)
                return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "syntax error at or near \"%s\"",
                                     o->name[0] == 'i' ? "IN" : o->name[0] == 'r' ? "ROLE" : "ADMIN");
        } else {
            return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "unrecognized role option \"%s\"", o->name);
        }
    }
    return 0;
}

static bool role_has_option(const AstRoleStmt *rs, const char *name)
{
    for (int i = 0; i < rs->options.n; i++)
        if (!strcmp(((const AstDefElem *)rs->options.items[i])->name, name))
            return true;
    return false;
}

static int role_create(DdlCtx *d, const AstRoleStmt *rs, const SqlSink *sink, SqlError *err)
{
    const char *name = rs->names.names[0];
    const CatRole *me = catsnap_role_by_oid(d->snap, d->s->user_oid);
    bool su = me && me->superuser;
    if (!su && !(me && me->createrole))
        return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to create role");
    if (!strcmp(name, "public") || !strcmp(name, "none"))
        return sql_error_set(err, ERRCODE_RESERVED_NAME, "role name \"%s\" is reserved", name);
    if (!strncmp(name, "pg_", 3)) {
        sql_error_set(err, ERRCODE_RESERVED_NAME, "role name \"%s\" is reserved", name);
        snprintf(err->detail, sizeof err->detail, "Role names starting with \"pg_\" are reserved.");
        return -1;
    }
    CatRole r;
    memset(&r, 0, sizeof r);
    r.name = (char *)name;
    r.inherit = true;
    r.login = rs->role_type == 'u';
    r.conn_limit = -1;
    if (role_apply_options(d, rs, &r, true, sink, err) != 0)
        return -1;
    if (!su && (r.superuser || r.replication || r.bypassrls))
        return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be superuser to create %s",
                             r.superuser ? "superusers" : r.replication ? "replication users" : "bypassrls users");
    if (catsnap_role_by_name(d->snap, name))
        return sql_error_set(err, ERRCODE_DUPLICATE_OBJECT, "role \"%s\" already exists", name);
    /* IN ROLE memberships of the new role: resolved first so an unknown role fails early */
    CatRoleMember mem[32];
    int n_mem = 0;
    for (int i = 0; i < rs->options.n; i++) {
        const AstDefElem *o = (const AstDefElem *)rs->options.items[i];
        if (strcmp(o->name, "in_role") != 0 || !o->arg)
            continue;
        const AstColumnRef *c = (const AstColumnRef *)o->arg;
        for (int k = 0; k < c->fields.n && n_mem < 32; k++) {
            const CatRole *g = role_lookup(d, c->fields.names[k], err);
            if (!g)
                return -1;
            mem[n_mem++] = (CatRoleMember){ g->oid, d->s->user_oid, false };
        }
    }
    r.member_of = mem;
    r.n_member_of = n_mem;
    if (catalog_create_role(d->cat, d->ctxn, &r, err) != 0 || ddl_refresh_snap(d, err) != 0)
        return -1;
    const CatRole *created = catsnap_role_by_name(d->snap, name);
    for (int i = 0; created && i < rs->options.n; i++) {
        const AstDefElem *o = (const AstDefElem *)rs->options.items[i];
        if ((strcmp(o->name, "role") != 0 && strcmp(o->name, "admin") != 0) || !o->arg)
            continue;
        const AstColumnRef *c = (const AstColumnRef *)o->arg;
        for (int k = 0; k < c->fields.n; k++) {
            const CatRole *m = role_lookup(d, c->fields.names[k], err);
            if (!m || role_add_member(d, created, m, o->name[0] == 'a', sink, err) != 0)
                return -1;
            created = catsnap_role_by_name(d->snap, name);
        }
    }
    return 0;
}

static int role_alter(DdlCtx *d, const AstRoleStmt *rs, const SqlSink *sink, SqlError *err)
{
    const CatRole *old = role_lookup(d, rs->names.names[0], err);
    if (!old)
        return -1;
    const CatRole *me = catsnap_role_by_oid(d->snap, d->s->user_oid);
    bool su = me && me->superuser, cr = me && me->createrole;
    CatRole r = *old;
    if (role_has_option(rs, "set_config")) {   /* ALTER ROLE r [IN DATABASE d] SET / RESET */
        Oid in_db = 0;
        for (int i = 0; i < rs->options.n; i++) {
            const AstDefElem *o = (const AstDefElem *)rs->options.items[i];
            if (strcmp(o->name, "in_database") != 0 || !o->arg || o->arg->tag != AST_CONST)
                continue;
            const char *dn = ((const AstConst *)o->arg)->str;
            const CatDatabase *db = catsnap_database_by_name(d->snap, dn ? dn : "");
            if (!db)
                return sql_error_set(err, ERRCODE_INVALID_CATALOG_NAME, "database \"%s\" does not exist", dn ? dn : "");
            in_db = db->oid;
        }
        if (old->superuser && !su)
            return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be superuser to alter superusers");
        if (!su && !cr && old->oid != d->s->user_oid)
            return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied");
        const AstDefElem *sc = (const AstDefElem *)rs->options.items[rs->options.n - 1];
        if (!sc->arg || sc->arg->tag != AST_VARIABLE_SET)
            return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "syntax error in ALTER ROLE");
        if (ddl_setconfig_update(d, (const AstVariableSetStmt *)sc->arg, in_db, &r.n_settings, &r.settings, err) != 0)
            return -1;
    } else if (rs->options.n == 1 && !strcmp(((const AstDefElem *)rs->options.items[0])->name, "rename_to")) {
        const AstColumnRef *c = (const AstColumnRef *)((const AstDefElem *)rs->options.items[0])->arg;
        const char *newname = c && c->fields.n ? c->fields.names[0] : "";
        if (old->oid == d->s->session_user_oid)
            return sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "session user cannot be renamed");
        if (old->oid == d->s->user_oid)
            return sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "current user cannot be renamed");
        if (!strcmp(newname, "public") || !strcmp(newname, "none"))
            return sql_error_set(err, ERRCODE_RESERVED_NAME, "role name \"%s\" is reserved", newname);
        if (!strncmp(newname, "pg_", 3)) {
            sql_error_set(err, ERRCODE_RESERVED_NAME, "role name \"%s\" is reserved", newname);
            snprintf(err->detail, sizeof err->detail, "Role names starting with \"pg_\" are reserved.");
            return -1;
        }
        if (catsnap_role_by_name(d->snap, newname))
            return sql_error_set(err, ERRCODE_DUPLICATE_OBJECT, "role \"%s\" already exists", newname);
        if (old->superuser && !su)
            return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be superuser to rename superusers");
        if (!su && !cr)
            return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to rename role");
        r.name = ddl_strdup(d, newname);
        if (role_is_md5(old->password)) {
            r.password = NULL;   /* md5 salts with the name: the verifier no longer matches */
            role_notice(sink, SQL_SEV_NOTICE, "MD5 password cleared because of role rename");
        }
    } else {
        if (!su) {
            if (old->superuser || role_has_option(rs, "superuser") || role_has_option(rs, "replication") ||
                role_has_option(rs, "bypassrls"))
                return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE,
                                     "must be superuser to alter superuser roles or change superuser attribute");
            bool only_pw = rs->options.n == 1 && role_has_option(rs, "password");
            if (!cr && !(only_pw && old->oid == d->s->user_oid))
                return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied");
        }
        if (role_apply_options(d, rs, &r, false, sink, err) != 0)
            return -1;
    }
    if (catalog_alter_role(d->cat, d->ctxn, old, &r, err) != 0)
        return -1;
    return ddl_refresh_snap(d, err);
}

static int role_drop(DdlCtx *d, const AstRoleStmt *rs, const SqlSink *sink, SqlError *err)
{
    const CatRole *me = catsnap_role_by_oid(d->snap, d->s->user_oid);
    bool su = me && me->superuser;
    if (!su && !(me && me->createrole))
        return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to drop role");
    for (int i = 0; i < rs->names.n; i++) {
        const char *name = rs->names.names[i];
        const CatRole *r = catsnap_role_by_name(d->snap, name);
        if (!r) {
            if (!rs->missing_ok)
                return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", name);
            char msg[200];
            snprintf(msg, sizeof msg, "role \"%s\" does not exist, skipping", name);
            role_notice(sink, SQL_SEV_NOTICE, msg);
            continue;
        }
        if (r->oid == d->s->user_oid)
            return sql_error_set(err, ERRCODE_OBJECT_IN_USE, "current user cannot be dropped");
        if (r->oid == d->s->session_user_oid)
            return sql_error_set(err, ERRCODE_OBJECT_IN_USE, "session user cannot be dropped");
        if (r->oid == CAT_OID_BOOTSTRAP_SUPERUSER)
            return sql_error_set(err, ERRCODE_OBJECT_IN_USE, "cannot drop role %s because it is required by the database system", name);
        if (r->superuser && !su)
            return sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be superuser to drop superusers");
        char detail[sizeof err->detail];
        if (acl_role_dependencies(d->snap, r->oid, detail, sizeof detail) > 0) {
            sql_error_set(err, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                          "role \"%s\" cannot be dropped because some objects depend on it", name);
            snprintf(err->detail, sizeof err->detail, "%s", detail);
            return -1;
        }
        /* memberships of other roles in this one go with it (pg_auth_members rows) */
        for (int k = 0; k < catsnap_n_roles(d->snap); k++) {
            const CatRole *m = catsnap_role(d->snap, k);
            for (int j = 0; j < m->n_member_of; j++) {
                if (m->member_of[j].role != r->oid)
                    continue;
                if (role_del_member(d, m, r->oid, false, err) < 0)
                    return -1;
                k = -1;   /* the snapshot was rebuilt: start over */
                break;
            }
        }
        r = catsnap_role_by_name(d->snap, name);
        if (!r || catalog_drop_role(d->cat, d->ctxn, r, err) != 0 || ddl_refresh_snap(d, err) != 0)
            return -1;
    }
    return 0;
}

SqlStatus ddl_role(DdlCtx *d, const AstRoleStmt *rs, const SqlSink *sink, SqlError *err)
{
    int rc;
    const char *tag;
    switch (rs->kind) {
    case AST_ROLE_CREATE: rc = role_create(d, rs, sink, err); tag = "CREATE ROLE"; break;
    case AST_ROLE_ALTER: rc = role_alter(d, rs, sink, err); tag = "ALTER ROLE"; break;
    default: rc = role_drop(d, rs, sink, err); tag = "DROP ROLE"; break;
    }
    if (rc != 0)
        return SQL_ERROR;
    sink->command_complete(sink->arg, tag);
    return SQL_DONE;
}

SqlStatus ddl_grant_role(DdlCtx *d, const AstGrantStmt *g, const SqlSink *sink, SqlError *err)
{
    const CatRole *me = catsnap_role_by_oid(d->snap, d->s->user_oid);
    bool su = me && me->superuser, cr = me && me->createrole;
    for (int i = 0; i < g->privileges.n; i++) {
        const CatRole *role = role_lookup(d, g->privileges.names[i], err);
        if (!role)
            return SQL_ERROR;
        if (role->superuser ? !su : !(cr || acl_has_admin_of_role(d->snap, d->s->user_oid, role->oid))) {
            if (role->superuser)
                return (SqlStatus)sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must be superuser to alter superusers");
            return (SqlStatus)sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE, "must have admin option on role \"%s\"",
                                            role->name);
        }
        Oid role_oid = role->oid;
        for (int k = 0; k < g->grantees.n; k++) {
            role = catsnap_role_by_oid(d->snap, role_oid);
            const CatRole *m = role_lookup(d, g->grantees.names[k], err);
            if (!m || !role)
                return SQL_ERROR;
            if (g->is_grant) {
                if (role_add_member(d, role, m, g->grant_option, sink, err) != 0)
                    return SQL_ERROR;
            } else {
                int rc = role_del_member(d, m, role_oid, g->grant_option, err);
                if (rc < 0)
                    return SQL_ERROR;
                if (rc == 1) {
                    char msg[300];
                    snprintf(msg, sizeof msg, "role \"%s\" is not a member of role \"%s\"", m->name, role->name);
                    role_notice(sink, SQL_SEV_WARNING, msg);
                }
            }
        }
    }
    sink->command_complete(sink->arg, g->is_grant ? "GRANT ROLE" : "REVOKE ROLE");
    return SQL_DONE;
}

int ddl_acl_create_in(DdlCtx *d, Oid nsp, int location, SqlError *err)
{
    if (d->s->superuser)
        return 0;
    const CatNamespace *ns = catsnap_namespace_by_oid(d->snap, nsp);
    if (!ns || acl_check_namespace(d->snap, d->s->user_oid, ns, PGCAT_ACL_CREATE, err) == 0)
        return 0;
    return ddl_set_pos(d, err, location);
}

int ddl_acl_owner(DdlCtx *d, const CatRelation *rel, SqlError *err)
{
    if (d->s->superuser)
        return 0;
    return acl_check_owner(d->snap, d->s->user_oid, rel, err);
}
