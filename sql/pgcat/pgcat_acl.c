/* pgcat_acl.c -- privileges (ACLs) of tables, views, sequences and schemas: what GRANT and
 * REVOKE store in the catalog (CatRelation.acl / CatNamespace.acl) and what pg_class.relacl,
 * pg_namespace.nspacl, \dp, pg_dump and has_*_privilege read.
 *
 * Stored format (catalog text, NULL = the object's default ACL): PostgreSQL's aclitem[]
 * text with role OIDs instead of names, items separated by ',':
 *   grantee=privs/grantor      grantee empty = PUBLIC; privs letters in PostgreSQL's order
 *                              "arwdDxtXUCTc", each followed by '*' when grantable
 * e.g. "10=arwdDxt/10,=r/10". OIDs survive role renames; names are rendered on output
 * ("root=arwdDxt/root", "=r/root"), as PostgreSQL's aclitemout prints them.
 *
 * Defaults are PostgreSQL's (acldefault): the owner holds every privilege of the object's
 * kind, PUBLIC nothing -- except the public schema, whose default here is PostgreSQL 15's
 * initial one (owner UC, PUBLIC U), so pg_dump sees no change to dump. */
#include "sql/pgcat/pgcat_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/types/types.h"

static const char acl_letters[] = "arwdDxtXUCTc";

uint32_t pgcat_acl_all(char kind)
{
    switch (kind) {
    case 's': return PGCAT_ACL_SELECT | PGCAT_ACL_UPDATE | PGCAT_ACL_USAGE;
    case 'n': return PGCAT_ACL_USAGE | PGCAT_ACL_CREATE;
    default:
        return PGCAT_ACL_INSERT | PGCAT_ACL_SELECT | PGCAT_ACL_UPDATE | PGCAT_ACL_DELETE |
               PGCAT_ACL_TRUNCATE | PGCAT_ACL_REFERENCES | PGCAT_ACL_TRIGGER;
    }
}

uint32_t pgcat_acl_priv_bit(const char *name)
{
    static const struct { const char *name; uint32_t bit; } tab[] = {
        {"insert", PGCAT_ACL_INSERT}, {"select", PGCAT_ACL_SELECT}, {"update", PGCAT_ACL_UPDATE},
        {"delete", PGCAT_ACL_DELETE}, {"truncate", PGCAT_ACL_TRUNCATE},
        {"references", PGCAT_ACL_REFERENCES}, {"trigger", PGCAT_ACL_TRIGGER},
        {"execute", PGCAT_ACL_EXECUTE}, {"usage", PGCAT_ACL_USAGE}, {"create", PGCAT_ACL_CREATE},
        {"temporary", PGCAT_ACL_TEMP}, {"temp", PGCAT_ACL_TEMP}, {"connect", PGCAT_ACL_CONNECT},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(tab[i].name, name) == 0)
            return tab[i].bit;
    return 0;
}

void pgcat_acl_default(char kind, Oid owner, bool public_schema, PgCatAcl *out)
{
    out->n = 0;
    out->items[out->n++] = (PgCatAclItem){owner, owner, pgcat_acl_all(kind), 0};
    if (kind == 'n' && public_schema)
        out->items[out->n++] = (PgCatAclItem){0, owner, PGCAT_ACL_USAGE, 0};
}

int pgcat_acl_load(const char *stored, char kind, Oid owner, bool public_schema, PgCatAcl *out)
{
    if (!stored) {
        pgcat_acl_default(kind, owner, public_schema, out);
        return 0;
    }
    out->n = 0;
    const char *p = stored;
    while (*p) {
        if (out->n >= PGCAT_ACL_MAX)
            return -1;
        PgCatAclItem it = {0, 0, 0, 0};
        char *end;
        if (*p != '=') {
            it.grantee = (Oid)strtoul(p, &end, 10);
            p = end;
        }
        if (*p++ != '=')
            return -1;
        while (*p && *p != '/') {
            const char *l = strchr(acl_letters, *p);
            if (!l || !*p)
                return -1;
            uint32_t bit = 1u << (l - acl_letters);
            it.privs |= bit;
            if (p[1] == '*') {
                it.goptions |= bit;
                p++;
            }
            p++;
        }
        if (*p++ != '/')
            return -1;
        it.grantor = (Oid)strtoul(p, &end, 10);
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
        out->items[out->n++] = it;
    }
    return 0;
}

static void append_privs(ShaleBuf *b, const PgCatAclItem *it)
{
    for (int k = 0; acl_letters[k]; k++) {
        uint32_t bit = 1u << k;
        if (it->privs & bit) {
            shale_buf_append_byte(b, (uint8_t)acl_letters[k]);
            if (it->goptions & bit)
                shale_buf_append_byte(b, '*');
        }
    }
}

char *pgcat_acl_store(const PgCatAcl *acl, ShaleArena *a)
{
    ShaleBuf b;
    shale_buf_init(&b);
    char tmp[24];
    for (int i = 0; i < acl->n; i++) {
        const PgCatAclItem *it = &acl->items[i];
        if (i)
            shale_buf_append_byte(&b, ',');
        if (it->grantee) {
            snprintf(tmp, sizeof tmp, "%u", it->grantee);
            shale_buf_append(&b, tmp, strlen(tmp));
        }
        shale_buf_append_byte(&b, '=');
        append_privs(&b, it);
        snprintf(tmp, sizeof tmp, "/%u", it->grantor);
        shale_buf_append(&b, tmp, strlen(tmp));
    }
    char *out = b.oom ? NULL : shale_arena_alloc(a, b.len + 1);
    if (out) {
        if (b.len)   /* an empty ACL (everything revoked) has no buffer */
            memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    }
    shale_buf_free(&b);
    return out;
}

int pgcat_acl_grant(PgCatAcl *acl, Oid grantee, Oid grantor, uint32_t privs, bool grantable)
{
    for (int i = 0; i < acl->n; i++) {
        PgCatAclItem *it = &acl->items[i];
        if (it->grantee == grantee && it->grantor == grantor) {
            it->privs |= privs;
            if (grantable)
                it->goptions |= privs;
            return 0;
        }
    }
    if (acl->n >= PGCAT_ACL_MAX)
        return -1;
    acl->items[acl->n++] = (PgCatAclItem){grantee, grantor, privs, grantable ? privs : 0};
    return 0;
}

void pgcat_acl_revoke(PgCatAcl *acl, Oid grantee, uint32_t privs, bool grant_option_only)
{
    int w = 0;
    for (int i = 0; i < acl->n; i++) {
        PgCatAclItem it = acl->items[i];
        if (it.grantee == grantee) {
            it.goptions &= ~privs;
            if (!grant_option_only)
                it.privs &= ~privs;
        }
        if (it.privs)
            acl->items[w++] = it;
    }
    acl->n = w;
}

bool pgcat_acl_has(const PgCatAcl *acl, Oid role, uint32_t privs)
{
    uint32_t have = 0;
    for (int i = 0; i < acl->n; i++)
        if (acl->items[i].grantee == role || acl->items[i].grantee == 0)
            have |= acl->items[i].privs;
    return (have & privs) == privs;
}

int pgcat_acl_value(const QueryEnv *env, const PgCatAcl *acl, ShaleArena *a, Value *out, SqlError *err)
{
    Value elems[PGCAT_ACL_MAX];
    for (int i = 0; i < acl->n; i++) {
        const PgCatAclItem *it = &acl->items[i];
        ShaleBuf b;
        shale_buf_init(&b);
        char tmp[24];
        const char *name;
        if (it->grantee) {
            name = pgcat_role_name(env, it->grantee);
            if (!name) {
                snprintf(tmp, sizeof tmp, "%u", it->grantee);
                name = tmp;
            }
            shale_buf_append(&b, name, strlen(name));
        }
        shale_buf_append_byte(&b, '=');
        append_privs(&b, it);
        shale_buf_append_byte(&b, '/');
        name = pgcat_role_name(env, it->grantor);
        if (!name) {
            snprintf(tmp, sizeof tmp, "%u", it->grantor);
            name = tmp;
        }
        shale_buf_append(&b, name, strlen(name));
        char *s = b.oom ? NULL : shale_arena_alloc(a, b.len ? b.len : 1);
        if (s)
            memcpy(s, b.data, b.len);
        size_t len = b.len;
        shale_buf_free(&b);
        if (!s)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        elems[i] = value_bytes(TEXTOID, s, (uint32_t)len);
    }
    if (types_array_build(TEXTOID, 1, (uint32_t)acl->n, elems, a, out, err) != 0)
        return -1;
    out->type = TEXT_ARRAYOID;
    return 0;
}
