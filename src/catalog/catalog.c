/* catalog.c -- catalog open/close, OID allocation, bootstrap, DDL through a CatTxn and the
 * purge of dropped storage. Key layout: catalog_int.h. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "storage/shale_storage.h"
#include "util/coding.h"

static int oom(SqlError *err)
{
    return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
}

int catalog_open(ShaleDB *db, Catalog **out, SqlError *err)
{
    Catalog *cat = calloc(1, sizeof *cat);
    if (!cat)
        return oom(err);
    cat->db = db;
    cat->shared_version = 1;
    pthread_mutex_init(&cat->mu, NULL);
    pthread_mutex_init(&cat->oid_mu, NULL);
    pthread_mutex_init(&cat->purge_mu, NULL);
    *out = cat;
    return 0;
}

void catalog_close(Catalog *cat)
{
    if (!cat)
        return;
    catalog_cache_free(cat);
    pthread_mutex_destroy(&cat->mu);
    pthread_mutex_destroy(&cat->oid_mu);
    pthread_mutex_destroy(&cat->purge_mu);
    free(cat);
}

static void meta_key(char *k, uint32_t kind, uint32_t a, uint32_t b)
{
    keycodec_put_u32be(k, KEY_DB_META);
    keycodec_put_u32be(k + 4, kind);
    keycodec_put_u32be(k + 8, a);
    keycodec_put_u32be(k + 12, b);
}

static uint32_t get_u32be(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

Oid catalog_alloc_oid(Catalog *cat, SqlError *err)
{
    pthread_mutex_lock(&cat->oid_mu);
    if (cat->next_oid == 0 || cat->next_oid >= cat->oid_limit) {
        char k[16];
        meta_key(k, META_OIDS, 0, 0);
        uint32_t start = cat->next_oid;
        if (start == 0) {
            char *v = NULL;
            size_t vl;
            ShaleError se;
            ShaleCode rc = shale_db_get(cat->db, NULL, k, sizeof k, &v, &vl, &se);
            if (rc == SHALE_OK && vl == 4)
                start = get_u32be(v);
            else if (rc == SHALE_NOT_FOUND)
                start = CAT_FIRST_USER_OID;
            else {
                free(v);
                pthread_mutex_unlock(&cat->oid_mu);
                if (rc == SHALE_OK)
                    SQL_ERR(err, DATA_CORRUPTED, "bad OID counter");
                else
                    sql_error_from_storage(err, &se);
                return 0;
            }
            free(v);
        }
        if (start < CAT_FIRST_USER_OID || start > 0xFFFFFF00u)
            start = CAT_FIRST_USER_OID;  /* wrap around like PostgreSQL */
        uint32_t limit = start + OID_BLOCK;
        char v[4];
        keycodec_put_u32be(v, limit);
        ShaleError se;
        if (shale_db_put(cat->db, k, sizeof k, v, sizeof v, true, &se) != SHALE_OK) {
            pthread_mutex_unlock(&cat->oid_mu);
            sql_error_from_storage(err, &se);
            return 0;
        }
        cat->next_oid = start;
        cat->oid_limit = limit;
    }
    Oid o = cat->next_oid++;
    pthread_mutex_unlock(&cat->oid_mu);
    return o;
}

/* ---- keys and writes ----------------------------------------------------------------------- */

static void obj_key(char *k, Oid db, uint32_t rel, Oid oid)
{
    keycodec_put_u32be(k, db);
    keycodec_put_u32be(k + 4, rel);
    keycodec_put_u32be(k + 8, CATIDX_OBJ);
    keycodec_put_u32be(k + 12, oid);
}

static void name_key(ShaleBuf *b, Oid db, uint32_t rel, Oid nsp, bool with_nsp, const char *name)
{
    shale_buf_reset(b);
    keycodec_append_prefix(b, db, rel, CATIDX_NAME);
    if (with_nsp) {
        char n[4];
        keycodec_put_u32be(n, nsp);
        shale_buf_append(b, n, 4);
    }
    shale_buf_append(b, name, strlen(name));
}

static void mark_dirty(CatTxn *txn, Oid db)
{
    txn->n_catalog_writes++;
    if (db == KEY_DB_SHARED) {
        txn->dirty_shared = true;
        return;
    }
    txn->dirty_local = true;
    for (int i = 0; i < 4; i++) {
        if (txn->dirty_dbs[i] == db)
            return;
        if (txn->dirty_dbs[i] == 0) {
            txn->dirty_dbs[i] = db;
            return;
        }
    }
}

static int put_obj(CatTxn *txn, Oid db, uint32_t rel, Oid oid, const ShaleBuf *val, SqlError *err)
{
    if (val->oom)
        return oom(err);
    char k[16];
    obj_key(k, db, rel, oid);
    mark_dirty(txn, db);
    return txn->ops->put(txn->impl, k, sizeof k, val->data, val->len, err);
}

static int del_obj(CatTxn *txn, Oid db, uint32_t rel, Oid oid, SqlError *err)
{
    char k[16];
    obj_key(k, db, rel, oid);
    mark_dirty(txn, db);
    return txn->ops->del(txn->impl, k, sizeof k, err);
}

/* Claims a name: lock, check the newest committed state + own writes, write. 1 = taken. */
static int name_claim(CatTxn *txn, Oid db, uint32_t rel, Oid nsp, bool with_nsp, const char *name, Oid oid, SqlError *err)
{
    ShaleBuf k, v;
    shale_buf_init(&k);
    shale_buf_init(&v);
    name_key(&k, db, rel, nsp, with_nsp, name);
    int rc = k.oom ? oom(err) : txn->ops->lock(txn->impl, k.data, k.len, err);
    if (rc == 0)
        rc = txn->ops->get(txn->impl, k.data, k.len, true, &v, err);
    if (rc == 0) {
        char o[4];
        keycodec_put_u32be(o, oid);
        mark_dirty(txn, db);
        rc = txn->ops->put(txn->impl, k.data, k.len, o, 4, err);
    }
    shale_buf_free(&k);
    shale_buf_free(&v);
    return rc;
}

static int name_release(CatTxn *txn, Oid db, uint32_t rel, Oid nsp, bool with_nsp, const char *name, SqlError *err)
{
    ShaleBuf k;
    shale_buf_init(&k);
    name_key(&k, db, rel, nsp, with_nsp, name);
    mark_dirty(txn, db);
    int rc = k.oom ? oom(err) : txn->ops->del(txn->impl, k.data, k.len, err);
    shale_buf_free(&k);
    return rc;
}

static int add_purge(CatTxn *txn, Oid db, uint32_t rel, uint32_t index, SqlError *err)
{
    char k[20];
    meta_key(k, META_PURGE, db, rel);
    keycodec_put_u32be(k + 16, index);
    mark_dirty(txn, db);
    return txn->ops->put(txn->impl, k, sizeof k, "", 0, err);
}

static Oid need_oid(Catalog *cat, Oid have, SqlError *err)
{
    return have ? have : catalog_alloc_oid(cat, err);
}

/* ---- bootstrap ---------------------------------------------------------------------------- */

int catalog_is_bootstrapped(Catalog *cat, bool *out, SqlError *err)
{
    char k[16], *v = NULL;
    size_t vl;
    obj_key(k, KEY_DB_SHARED, CATREL_DATABASE, CAT_OID_DB_POSTGRES);
    ShaleError se;
    ShaleCode rc = shale_db_get(cat->db, NULL, k, sizeof k, &v, &vl, &se);
    free(v);
    if (rc != SHALE_OK && rc != SHALE_NOT_FOUND)
        return sql_error_from_storage(err, &se);
    *out = rc == SHALE_OK;
    return 0;
}

static int create_db_namespaces(Catalog *cat, CatTxn *txn, Oid db, Oid owner, SqlError *err)
{
    static const struct { Oid oid; const char *name; const char *comment; } nsps[] = {
        { CAT_OID_PG_CATALOG_NSP, "pg_catalog", "system catalog schema" },
        { CAT_OID_PUBLIC_NSP, "public", "standard public schema" },
        { CAT_OID_INFORMATION_SCHEMA_NSP, "information_schema", NULL },
    };
    for (size_t i = 0; i < sizeof nsps / sizeof nsps[0]; i++) {
        CatNamespace ns = { nsps[i].oid, (char *)nsps[i].name, owner, (char *)nsps[i].comment, NULL };
        if (catalog_create_namespace(cat, txn, db, &ns, err) != 0)
            return -1;
    }
    return 0;
}

int catalog_bootstrap(Catalog *cat, CatTxn *txn, const char *superuser, const char *extra_db, SqlError *err)
{
    CatRole su;
    memset(&su, 0, sizeof su);
    su.oid = CAT_OID_BOOTSTRAP_SUPERUSER;
    su.name = (char *)superuser;
    su.superuser = su.inherit = su.createrole = su.createdb = su.login = su.replication = su.bypassrls = true;
    su.conn_limit = -1;
    if (catalog_create_role(cat, txn, &su, err) != 0)
        return -1;
    CatDatabase d;
    memset(&d, 0, sizeof d);
    d.owner = su.oid;
    d.allow_conn = true;
    d.conn_limit = -1;
    d.oid = CAT_OID_DB_TEMPLATE1;
    d.name = "template1";
    d.is_template = true;
    if (catalog_create_database(cat, txn, &d, err) != 0)
        return -1;
    d.oid = CAT_OID_DB_POSTGRES;
    d.name = "postgres";
    d.is_template = false;
    d.comment = "default administrative connection database";
    if (catalog_create_database(cat, txn, &d, err) != 0)
        return -1;
    if (extra_db && strcmp(extra_db, "postgres") != 0 && strcmp(extra_db, "template1") != 0) {
        d.oid = 0;
        d.name = (char *)extra_db;
        d.comment = NULL;
        if (catalog_create_database(cat, txn, &d, err) != 0)
            return -1;
    }
    return 0;
}

/* ---- databases, roles, namespaces, embedders ------------------------------------------------ */

int catalog_create_database(Catalog *cat, CatTxn *txn, CatDatabase *d, SqlError *err)
{
    if (!(d->oid = need_oid(cat, d->oid, err)))
        return -1;
    int rc = name_claim(txn, KEY_DB_SHARED, CATREL_DATABASE, 0, false, d->name, d->oid, err);
    if (rc == 1)
        return SQL_ERR(err, DUPLICATE_DATABASE, "database \"%s\" already exists", d->name);
    ShaleBuf b;
    shale_buf_init(&b);
    desc_encode_database(&b, d);
    if (rc == 0)
        rc = put_obj(txn, KEY_DB_SHARED, CATREL_DATABASE, d->oid, &b, err);
    shale_buf_free(&b);
    if (rc == 0)
        rc = create_db_namespaces(cat, txn, d->oid, d->owner, err);
    return rc;
}

int catalog_alter_database(Catalog *cat, CatTxn *txn, const CatDatabase *old, const CatDatabase *d, SqlError *err)
{
    (void)cat;
    int rc = 0;
    if (strcmp(old->name, d->name) != 0) {
        rc = name_claim(txn, KEY_DB_SHARED, CATREL_DATABASE, 0, false, d->name, old->oid, err);
        if (rc == 1)
            return SQL_ERR(err, DUPLICATE_DATABASE, "database \"%s\" already exists", d->name);
        if (rc == 0)
            rc = name_release(txn, KEY_DB_SHARED, CATREL_DATABASE, 0, false, old->name, err);
    }
    CatDatabase nd = *d;
    nd.oid = old->oid;
    ShaleBuf b;
    shale_buf_init(&b);
    desc_encode_database(&b, &nd);
    if (rc == 0)
        rc = put_obj(txn, KEY_DB_SHARED, CATREL_DATABASE, nd.oid, &b, err);
    shale_buf_free(&b);
    return rc;
}

int catalog_drop_database(Catalog *cat, CatTxn *txn, const CatDatabase *d, SqlError *err)
{
    (void)cat;
    if (name_release(txn, KEY_DB_SHARED, CATREL_DATABASE, 0, false, d->name, err) != 0 ||
        del_obj(txn, KEY_DB_SHARED, CATREL_DATABASE, d->oid, err) != 0)
        return -1;
    return add_purge(txn, d->oid, 0xFFFFFFFFu, 0xFFFFFFFFu, err);
}

#define SIMPLE_OBJECT(NAME, TYPE, ENC, REL, DUPCODE, WHAT)                                                  \
    int catalog_create_##NAME(Catalog *cat, CatTxn *txn, Oid db, TYPE *x, SqlError *err)                   \
    {                                                                                                      \
        if (!(x->oid = need_oid(cat, x->oid, err)))                                                        \
            return -1;                                                                                     \
        int rc = name_claim(txn, db, REL, 0, false, x->name, x->oid, err);                                 \
        if (rc == 1)                                                                                       \
            return SQL_ERR(err, DUPCODE, WHAT " \"%s\" already exists", x->name);                          \
        ShaleBuf b;                                                                                        \
        shale_buf_init(&b);                                                                                \
        ENC(&b, x);                                                                                        \
        if (rc == 0)                                                                                       \
            rc = put_obj(txn, db, REL, x->oid, &b, err);                                                   \
        shale_buf_free(&b);                                                                                \
        return rc;                                                                                         \
    }                                                                                                      \
    int catalog_alter_##NAME(Catalog *cat, CatTxn *txn, Oid db, const TYPE *old, const TYPE *x, SqlError *err) \
    {                                                                                                      \
        (void)cat;                                                                                         \
        int rc = 0;                                                                                        \
        if (strcmp(old->name, x->name) != 0) {                                                             \
            rc = name_claim(txn, db, REL, 0, false, x->name, old->oid, err);                               \
            if (rc == 1)                                                                                   \
                return SQL_ERR(err, DUPCODE, WHAT " \"%s\" already exists", x->name);                      \
            if (rc == 0)                                                                                   \
                rc = name_release(txn, db, REL, 0, false, old->name, err);                                 \
        }                                                                                                  \
        TYPE nx = *x;                                                                                      \
        nx.oid = old->oid;                                                                                 \
        ShaleBuf b;                                                                                        \
        shale_buf_init(&b);                                                                                \
        ENC(&b, &nx);                                                                                      \
        if (rc == 0)                                                                                       \
            rc = put_obj(txn, db, REL, nx.oid, &b, err);                                                   \
        shale_buf_free(&b);                                                                                \
        return rc;                                                                                         \
    }                                                                                                      \
    int catalog_drop_##NAME(Catalog *cat, CatTxn *txn, Oid db, const TYPE *x, SqlError *err)               \
    {                                                                                                      \
        (void)cat;                                                                                         \
        if (name_release(txn, db, REL, 0, false, x->name, err) != 0)                                       \
            return -1;                                                                                     \
        return del_obj(txn, db, REL, x->oid, err);                                                         \
    }

SIMPLE_OBJECT(namespace, CatNamespace, desc_encode_namespace, CATREL_NAMESPACE, DUPLICATE_SCHEMA, "schema")
SIMPLE_OBJECT(embedder, CatEmbedder, desc_encode_embedder, CATREL_EMBEDDER, DUPLICATE_OBJECT, "embedder")

int catalog_create_role(Catalog *cat, CatTxn *txn, CatRole *x, SqlError *err)
{
    if (!(x->oid = need_oid(cat, x->oid, err)))
        return -1;
    int rc = name_claim(txn, KEY_DB_SHARED, CATREL_AUTHID, 0, false, x->name, x->oid, err);
    if (rc == 1)
        return SQL_ERR(err, DUPLICATE_OBJECT, "role \"%s\" already exists", x->name);
    ShaleBuf b;
    shale_buf_init(&b);
    desc_encode_role(&b, x);
    if (rc == 0)
        rc = put_obj(txn, KEY_DB_SHARED, CATREL_AUTHID, x->oid, &b, err);
    shale_buf_free(&b);
    return rc;
}

int catalog_alter_role(Catalog *cat, CatTxn *txn, const CatRole *old, const CatRole *x, SqlError *err)
{
    (void)cat;
    int rc = 0;
    if (strcmp(old->name, x->name) != 0) {
        rc = name_claim(txn, KEY_DB_SHARED, CATREL_AUTHID, 0, false, x->name, old->oid, err);
        if (rc == 1)
            return SQL_ERR(err, DUPLICATE_OBJECT, "role \"%s\" already exists", x->name);
        if (rc == 0)
            rc = name_release(txn, KEY_DB_SHARED, CATREL_AUTHID, 0, false, old->name, err);
    }
    CatRole nx = *x;
    nx.oid = old->oid;
    ShaleBuf b;
    shale_buf_init(&b);
    desc_encode_role(&b, &nx);
    if (rc == 0)
        rc = put_obj(txn, KEY_DB_SHARED, CATREL_AUTHID, nx.oid, &b, err);
    shale_buf_free(&b);
    return rc;
}

int catalog_drop_role(Catalog *cat, CatTxn *txn, const CatRole *x, SqlError *err)
{
    (void)cat;
    if (name_release(txn, KEY_DB_SHARED, CATREL_AUTHID, 0, false, x->name, err) != 0)
        return -1;
    return del_obj(txn, KEY_DB_SHARED, CATREL_AUTHID, x->oid, err);
}

/* ---- relations ---------------------------------------------------------------------------- */

static int dup_relation(SqlError *err, const char *name)
{
    return SQL_ERR(err, DUPLICATE_TABLE, "relation \"%s\" already exists", name);
}

static int check_namespace(CatTxn *txn, Oid db, Oid nsp, SqlError *err)
{
    char k[16];
    obj_key(k, db, CATREL_NAMESPACE, nsp);
    ShaleBuf v;
    shale_buf_init(&v);
    int rc = txn->ops->get(txn->impl, k, sizeof k, false, &v, err);
    shale_buf_free(&v);
    if (rc == 0)
        return SQL_ERR(err, INVALID_SCHEMA_NAME, "schema with OID %u does not exist", nsp);
    return rc < 0 ? -1 : 0;
}

static int put_relation(CatTxn *txn, Oid db, const CatRelation *rel, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    desc_encode_relation(&b, rel);
    int rc = put_obj(txn, db, CATREL_CLASS, rel->oid, &b, err);
    shale_buf_free(&b);
    return rc;
}

/* Gives OIDs to new indexes/constraints and claims the names of new/renamed indexes
 * (old: the previous descriptor, or NULL). */
static int settle_children(Catalog *cat, CatTxn *txn, Oid db, const CatRelation *old, CatRelation *rel, SqlError *err)
{
    for (int i = 0; i < rel->nindexes; i++) {
        CatIndex *x = &rel->indexes[i];
        const CatIndex *prev = NULL;
        for (int j = 0; old && x->oid && j < old->nindexes; j++)
            if (old->indexes[j].oid == x->oid)
                prev = &old->indexes[j];
        if (!(x->oid = need_oid(cat, x->oid, err)))
            return -1;
        if (prev && strcmp(prev->name, x->name) == 0)
            continue;
        int rc = name_claim(txn, db, CATREL_CLASS, rel->nsp, true, x->name, x->oid, err);
        if (rc != 0)
            return rc == 1 ? dup_relation(err, x->name) : -1;
        if (prev && name_release(txn, db, CATREL_CLASS, rel->nsp, true, prev->name, err) != 0)
            return -1;
    }
    for (int i = 0; i < rel->ncons; i++)
        if (!(rel->cons[i].oid = need_oid(cat, rel->cons[i].oid, err)))
            return -1;
    return 0;
}

int catalog_create_relation(Catalog *cat, CatTxn *txn, Oid db, CatRelation *rel, SqlError *err)
{
    if (check_namespace(txn, db, rel->nsp, err) != 0)
        return -1;
    if (!(rel->oid = need_oid(cat, rel->oid, err)))
        return -1;
    if (!rel->relfilenode && !(rel->relfilenode = catalog_alloc_oid(cat, err)))
        return -1;
    rel->schema_version = 1;
    for (int i = 0; i < rel->ncols; i++) {
        rel->cols[i].attnum = (int16_t)(i + 1);
        if (!rel->cols[i].added_version)
            rel->cols[i].added_version = 1;
    }
    int rc = name_claim(txn, db, CATREL_CLASS, rel->nsp, true, rel->name, rel->oid, err);
    if (rc != 0)
        return rc == 1 ? dup_relation(err, rel->name) : -1;
    if (settle_children(cat, txn, db, NULL, rel, err) != 0)
        return -1;
    rel->pk_index = -1;
    for (int i = 0; i < rel->nindexes; i++)
        if (rel->indexes[i].primary)
            rel->pk_index = i;
    return put_relation(txn, db, rel, err);
}

int catalog_alter_relation(Catalog *cat, CatTxn *txn, Oid db, const CatRelation *old, CatRelation *rel, SqlError *err)
{
    rel->oid = old->oid;
    rel->schema_version = old->schema_version + 1;
    if (!rel->relfilenode)
        rel->relfilenode = old->relfilenode;
    for (int i = 0; i < rel->ncols; i++) {
        rel->cols[i].attnum = (int16_t)(i + 1);
        if (!rel->cols[i].added_version)
            rel->cols[i].added_version = rel->schema_version;
    }
    if (strcmp(old->name, rel->name) != 0 || old->nsp != rel->nsp) {
        int rc = name_claim(txn, db, CATREL_CLASS, rel->nsp, true, rel->name, rel->oid, err);
        if (rc != 0)
            return rc == 1 ? dup_relation(err, rel->name) : -1;
        if (name_release(txn, db, CATREL_CLASS, old->nsp, true, old->name, err) != 0)
            return -1;
    }
    if (settle_children(cat, txn, db, old, rel, err) != 0)
        return -1;
    /* dropped indexes: release names, purge entries */
    for (int j = 0; j < old->nindexes; j++) {
        bool kept = false;
        for (int i = 0; i < rel->nindexes && !kept; i++)
            kept = rel->indexes[i].oid == old->indexes[j].oid;
        if (kept)
            continue;
        bool renamed_to = false;
        for (int i = 0; i < rel->nindexes; i++)
            renamed_to |= strcmp(rel->indexes[i].name, old->indexes[j].name) == 0;
        if (!renamed_to && name_release(txn, db, CATREL_CLASS, old->nsp, true, old->indexes[j].name, err) != 0)
            return -1;
        if (!old->indexes[j].primary && add_purge(txn, db, old->relfilenode, old->indexes[j].oid, err) != 0)
            return -1;
    }
    rel->pk_index = -1;
    for (int i = 0; i < rel->nindexes; i++)
        if (rel->indexes[i].primary)
            rel->pk_index = i;
    return put_relation(txn, db, rel, err);
}

int catalog_drop_relation(Catalog *cat, CatTxn *txn, Oid db, const CatRelation *rel, SqlError *err)
{
    (void)cat;
    if (name_release(txn, db, CATREL_CLASS, rel->nsp, true, rel->name, err) != 0)
        return -1;
    for (int i = 0; i < rel->nindexes; i++)
        if (name_release(txn, db, CATREL_CLASS, rel->nsp, true, rel->indexes[i].name, err) != 0)
            return -1;
    if (del_obj(txn, db, CATREL_CLASS, rel->oid, err) != 0)
        return -1;
    return rel->kind == CAT_REL_TABLE ? add_purge(txn, db, rel->relfilenode, 0xFFFFFFFFu, err) : 0;
}

int catalog_truncate_relation(Catalog *cat, CatTxn *txn, Oid db, const CatRelation *rel,
                              uint32_t *new_relfilenode, SqlError *err)
{
    ShaleArena a;
    shale_arena_init(&a);
    CatRelation *copy = catrel_copy(&a, rel);
    int rc = copy ? 0 : oom(err);
    if (rc == 0 && !(copy->relfilenode = catalog_alloc_oid(cat, err)))
        rc = -1;
    if (rc == 0)
        rc = put_relation(txn, db, copy, err);
    if (rc == 0)
        rc = add_purge(txn, db, rel->relfilenode, 0xFFFFFFFFu, err);
    if (rc == 0 && new_relfilenode)
        *new_relfilenode = copy->relfilenode;
    shale_arena_destroy(&a);
    return rc;
}

/* ---- purge ------------------------------------------------------------------------------------ */

/* Each purge record names storage no transaction can read any more (a dropped or
 * truncated relation's old relfilenode, a dropped index, a dropped database). Its key range
 * is discarded with shale_db_drop_range: one synced manifest record instead of a tombstone
 * per key; the space comes back through background compaction. Nothing writes into the
 * range again: relfilenodes, index and database OIDs are never reused. */
int catalog_purge(Catalog *cat, SqlError *err)
{
    pthread_mutex_lock(&cat->purge_mu);
    char lo[16], hi[16];
    meta_key(lo, META_PURGE, 0, 0);
    meta_key(hi, META_PURGE + 1, 0, 0);
    int rc = 0;
    for (;;) {
        ShaleDBIter *it = shale_db_iter_new(cat->db, NULL);
        if (!it) {
            rc = oom(err);
            break;
        }
        shale_db_iter_seek(it, lo, sizeof lo);
        char rec[20];
        bool have = false;
        if (shale_db_iter_valid(it)) {
            size_t kl;
            const char *k = shale_db_iter_key(it, &kl);
            if (kl == 20 && memcmp(k, hi, 16) < 0) {
                memcpy(rec, k, 20);
                have = true;
            }
        }
        shale_db_iter_destroy(it);
        if (!have)
            break;
        uint32_t db = get_u32be(rec + 8), rel = get_u32be(rec + 12), index = get_u32be(rec + 16);
        char a[12], b[12];
        size_t alen, blen;
        keycodec_put_u32be(a, db);
        keycodec_put_u32be(a + 4, rel);
        keycodec_put_u32be(a + 8, index);
        memcpy(b, a, 12);
        if (rel == 0xFFFFFFFFu) {          /* the whole database */
            alen = 4;
            keycodec_put_u32be(b, db + 1);
            blen = 4;
        } else if (index == 0xFFFFFFFFu) { /* the whole relfilenode */
            alen = 8;
            keycodec_put_u32be(b + 4, rel + 1);
            blen = 8;
        } else {
            alen = 12;
            keycodec_put_u32be(b + 8, index + 1);
            blen = 12;
        }
        ShaleError se;
        if (shale_db_drop_range(cat->db, a, alen, b, blen, &se) != SHALE_OK) {
            rc = sql_error_from_storage(err, &se);
            break;
        }
        if (shale_db_delete(cat->db, rec, sizeof rec, false, &se) != SHALE_OK) {
            rc = sql_error_from_storage(err, &se);
            break;
        }
    }
    pthread_mutex_unlock(&cat->purge_mu);
    return rc;
}
