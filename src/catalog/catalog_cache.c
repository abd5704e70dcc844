/* catalog_cache.c -- catalog snapshots: built by scanning the shared and per-database
 * catalog ranges (committed state, or a transaction's own view after its DDL), immutable
 * afterwards, reference counted, with one hash table for every lookup by name or OID.
 *
 * Cache validity: cat->shared_version and a per-database version are bumped when a
 * transaction that wrote the catalog commits (catalog_txn_end). A cached snapshot is used
 * while both versions it was built at are current. A build racing with a commit records the
 * versions read before it scanned, so it is never installed as current when stale. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "storage/shale_storage.h"
#include "util/coding.h"
#include "util/hash.h"

enum { HK_DB_NAME = 1, HK_DB_OID, HK_ROLE_NAME, HK_ROLE_OID, HK_NSP_NAME, HK_NSP_OID, HK_REL_NAME,
       HK_REL_OID, HK_IDX_NAME, HK_IDX_OID, HK_EMB_NAME };

static uint64_t hk(uint32_t kind, uint32_t nsp, const char *name, uint32_t oid)
{
    uint64_t h = shale_hash_u64(((uint64_t)kind << 40) ^ ((uint64_t)nsp << 8) ^ oid);
    if (name)
        h ^= shale_hash_u64(shale_hash32(name, strlen(name), 17) + ((uint64_t)kind << 32));
    return h ? h : 1;
}

static bool snap_hash_put(CatSnapshot *s, uint64_t h, uint32_t kind, const void *obj, const void *aux)
{
    size_t j = h & (s->hash_cap - 1);
    while (s->hash[j].h)
        j = (j + 1) & (s->hash_cap - 1);
    s->hash[j] = (SnapHash){ h, kind, obj, aux };
    return true;
}

/* Calls match for each entry with hash h and kind until it returns true. */
static const SnapHash *snap_hash_find(const CatSnapshot *s, uint64_t h, uint32_t kind,
                                      bool (*match)(const SnapHash *, const void *), const void *arg)
{
    if (!s->hash_cap)
        return NULL;
    size_t j = h & (s->hash_cap - 1);
    while (s->hash[j].h) {
        if (s->hash[j].h == h && s->hash[j].kind == kind && match(&s->hash[j], arg))
            return &s->hash[j];
        j = (j + 1) & (s->hash_cap - 1);
    }
    return NULL;
}

/* ---- building ----------------------------------------------------------------------------- */

typedef struct Collect {
    ShaleBuf vals;            /* concatenated (len:u32, bytes) */
    size_t n;
} Collect;

static int collect_fn(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
    (void)key; (void)klen;
    Collect *c = arg;
    shale_buf_append_fixed32(&c->vals, (uint32_t)vlen);
    shale_buf_append(&c->vals, val, vlen);
    c->n++;
    return c->vals.oom ? -1 : 0;
}

/* Scans [db|rel|0, db|rel|1) through txn, or the newest committed state when txn is NULL. */
static int scan_objects(Catalog *cat, CatTxn *txn, Oid db, uint32_t rel, Collect *c, SqlError *err)
{
    char lo[KEY_PREFIX_LEN], hi[KEY_PREFIX_LEN];
    keycodec_put_u32be(lo, db);
    keycodec_put_u32be(lo + 4, rel);
    keycodec_put_u32be(lo + 8, CATIDX_OBJ);
    memcpy(hi, lo, sizeof hi);
    keycodec_put_u32be(hi + 8, CATIDX_OBJ + 1);
    if (txn) {
        if (txn->ops->scan(txn->impl, lo, sizeof lo, hi, sizeof hi, collect_fn, c, err) != 0)
            return c->vals.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : -1;
        return 0;
    }
    ShaleDBIter *it = shale_db_iter_new(cat->db, NULL);
    if (!it)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (shale_db_iter_seek(it, lo, sizeof lo); shale_db_iter_valid(it); shale_db_iter_next(it)) {
        size_t kl, vl;
        const char *k = shale_db_iter_key(it, &kl);
        if (kl < sizeof hi || memcmp(k, hi, sizeof hi) >= 0)
            break;
        const char *v = shale_db_iter_value(it, &vl);
        if (collect_fn(c, k, kl, v, vl) != 0)
            break;
    }
    ShaleError se;
    int rc = 0;
    if (shale_db_iter_status(it, &se) != SHALE_OK)
        rc = sql_error_from_storage(err, &se);
    else if (c->vals.oom)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    shale_db_iter_destroy(it);
    return rc;
}

#define DECODE_ALL(TYPE, field, count, decoder, relid, dbid) do { \
        Collect c = { { 0 }, 0 }; \
        shale_buf_init(&c.vals); \
        if (scan_objects(cat, txn, (dbid), (relid), &c, err) != 0) { shale_buf_free(&c.vals); goto fail; } \
        s->field = shale_arena_alloc(&s->arena, c.n * sizeof(TYPE) + 1); \
        if (!s->field) { shale_buf_free(&c.vals); SQL_ERR(err, OUT_OF_MEMORY, "out of memory"); goto fail; } \
        const char *p_ = c.vals.data; \
        for (size_t i_ = 0; i_ < c.n; i_++) { \
            uint32_t l_ = shale_get_fixed32(p_); \
            if (decoder(p_ + 4, l_, &s->arena, &s->field[i_]) != 0) { \
                shale_buf_free(&c.vals); \
                SQL_ERR(err, DATA_CORRUPTED, "corrupt catalog entry in %s", #field); \
                goto fail; \
            } \
            p_ += 4 + l_; \
        } \
        s->count = (int)c.n; \
        shale_buf_free(&c.vals); \
    } while (0)

int catsnap_build(Catalog *cat, CatTxn *txn, Oid db, CatSnapshot **out, SqlError *err)
{
    CatSnapshot *s = calloc(1, sizeof *s);
    if (!s)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    atomic_init(&s->refs, 1);
    shale_arena_init(&s->arena);
    s->db = db;
    CatRelation *rels = NULL;
    DECODE_ALL(CatDatabase, databases, n_databases, desc_decode_database, CATREL_DATABASE, KEY_DB_SHARED);
    DECODE_ALL(CatRole, roles, n_roles, desc_decode_role, CATREL_AUTHID, KEY_DB_SHARED);
    DECODE_ALL(CatNamespace, namespaces, n_namespaces, desc_decode_namespace, CATREL_NAMESPACE, db);
    DECODE_ALL(CatEmbedder, embedders, n_embedders, desc_decode_embedder, CATREL_EMBEDDER, db);
    {
        Collect c = { { 0 }, 0 };
        shale_buf_init(&c.vals);
        if (scan_objects(cat, txn, db, CATREL_CLASS, &c, err) != 0) {
            shale_buf_free(&c.vals);
            goto fail;
        }
        rels = shale_arena_alloc(&s->arena, c.n * sizeof *rels + 1);
        s->relations = shale_arena_alloc(&s->arena, c.n * sizeof *s->relations + 1);
        if (!rels || !s->relations) {
            shale_buf_free(&c.vals);
            SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            goto fail;
        }
        const char *p = c.vals.data;
        for (size_t i = 0; i < c.n; i++) {
            uint32_t l = shale_get_fixed32(p);
            if (desc_decode_relation(p + 4, l, &s->arena, &rels[i]) != 0) {
                shale_buf_free(&c.vals);
                SQL_ERR(err, DATA_CORRUPTED, "corrupt catalog entry in relations");
                goto fail;
            }
            s->relations[i] = &rels[i];
            p += 4 + l;
        }
        s->n_relations = (int)c.n;
        shale_buf_free(&c.vals);
    }
    size_t n = (size_t)(2 * s->n_databases + 2 * s->n_roles + 2 * s->n_namespaces + 2 * s->n_relations + s->n_embedders);
    for (int i = 0; i < s->n_relations; i++)
        n += 2 * (size_t)s->relations[i]->nindexes;
    s->hash_cap = 16;
    while (s->hash_cap < 2 * n + 2)
        s->hash_cap *= 2;
    s->hash = shale_arena_alloc(&s->arena, s->hash_cap * sizeof *s->hash);
    if (!s->hash) {
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        goto fail;
    }
    memset(s->hash, 0, s->hash_cap * sizeof *s->hash);
    for (int i = 0; i < s->n_databases; i++) {
        snap_hash_put(s, hk(HK_DB_NAME, 0, s->databases[i].name, 0), HK_DB_NAME, &s->databases[i], NULL);
        snap_hash_put(s, hk(HK_DB_OID, 0, NULL, s->databases[i].oid), HK_DB_OID, &s->databases[i], NULL);
    }
    for (int i = 0; i < s->n_roles; i++) {
        snap_hash_put(s, hk(HK_ROLE_NAME, 0, s->roles[i].name, 0), HK_ROLE_NAME, &s->roles[i], NULL);
        snap_hash_put(s, hk(HK_ROLE_OID, 0, NULL, s->roles[i].oid), HK_ROLE_OID, &s->roles[i], NULL);
    }
    for (int i = 0; i < s->n_namespaces; i++) {
        snap_hash_put(s, hk(HK_NSP_NAME, 0, s->namespaces[i].name, 0), HK_NSP_NAME, &s->namespaces[i], NULL);
        snap_hash_put(s, hk(HK_NSP_OID, 0, NULL, s->namespaces[i].oid), HK_NSP_OID, &s->namespaces[i], NULL);
    }
    for (int i = 0; i < s->n_embedders; i++)
        snap_hash_put(s, hk(HK_EMB_NAME, 0, s->embedders[i].name, 0), HK_EMB_NAME, &s->embedders[i], NULL);
    for (int i = 0; i < s->n_relations; i++) {
        CatRelation *r = s->relations[i];
        snap_hash_put(s, hk(HK_REL_NAME, r->nsp, r->name, 0), HK_REL_NAME, r, NULL);
        snap_hash_put(s, hk(HK_REL_OID, 0, NULL, r->oid), HK_REL_OID, r, NULL);
        for (int j = 0; j < r->nindexes; j++) {
            snap_hash_put(s, hk(HK_IDX_NAME, r->nsp, r->indexes[j].name, 0), HK_IDX_NAME, r, &r->indexes[j]);
            snap_hash_put(s, hk(HK_IDX_OID, 0, NULL, r->indexes[j].oid), HK_IDX_OID, r, &r->indexes[j]);
        }
    }
    *out = s;
    return 0;
fail:
    shale_arena_destroy(&s->arena);
    free(s);
    return -1;
}

void catalog_snapshot_release(CatSnapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        shale_arena_destroy(&s->arena);
        free(s);
    }
}

uint64_t catalog_db_version(Catalog *cat, Oid db)
{
    for (size_t i = 0; i < cat->n_entries; i++)
        if (cat->entries[i].db == db)
            return cat->entries[i].version;
    return 0;
}

static CacheEntry *cache_entry(Catalog *cat, Oid db)
{
    for (size_t i = 0; i < cat->n_entries; i++)
        if (cat->entries[i].db == db)
            return &cat->entries[i];
    if (cat->n_entries == cat->cap_entries) {
        size_t cap = cat->cap_entries ? cat->cap_entries * 2 : 8;
        CacheEntry *n = realloc(cat->entries, cap * sizeof *n);
        if (!n)
            return NULL;
        cat->entries = n;
        cat->cap_entries = cap;
    }
    CacheEntry *e = &cat->entries[cat->n_entries++];
    e->db = db;
    e->version = 1;
    e->snap = NULL;
    return e;
}

void catalog_cache_free(Catalog *cat)
{
    for (size_t i = 0; i < cat->n_entries; i++)
        catalog_snapshot_release(cat->entries[i].snap);
    free(cat->entries);
    cat->entries = NULL;
    cat->n_entries = cat->cap_entries = 0;
}

int catalog_snapshot(Catalog *cat, CatTxn *txn, Oid db, CatSnapshot **out, SqlError *err)
{
    if (txn && txn->n_catalog_writes > 0) {
        if (!txn->private_snap || txn->private_gen != txn->n_catalog_writes || txn->private_snap->db != db) {
            CatSnapshot *s;
            if (catsnap_build(cat, txn, db, &s, err) != 0)
                return -1;
            catalog_snapshot_release(txn->private_snap);
            txn->private_snap = s;
            txn->private_gen = txn->n_catalog_writes;
        }
        atomic_fetch_add(&txn->private_snap->refs, 1);
        *out = txn->private_snap;
        return 0;
    }
    pthread_mutex_lock(&cat->mu);
    CacheEntry *e = cache_entry(cat, db);
    if (!e) {
        pthread_mutex_unlock(&cat->mu);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    if (e->snap && e->snap->db_version == e->version && e->snap->shared_version == cat->shared_version) {
        atomic_fetch_add(&e->snap->refs, 1);
        *out = e->snap;
        pthread_mutex_unlock(&cat->mu);
        return 0;
    }
    uint64_t dbv = e->version, shv = cat->shared_version;
    pthread_mutex_unlock(&cat->mu);
    CatSnapshot *s;
    if (catsnap_build(cat, NULL, db, &s, err) != 0)
        return -1;
    s->db_version = dbv;
    s->shared_version = shv;
    s->version = (shv << 32) ^ dbv;
    pthread_mutex_lock(&cat->mu);
    e = cache_entry(cat, db);
    if (e && e->version == dbv && cat->shared_version == shv) {
        catalog_snapshot_release(e->snap);
        e->snap = s;
        atomic_fetch_add(&s->refs, 1);
    }
    pthread_mutex_unlock(&cat->mu);
    *out = s;
    return 0;
}

void catalog_txn_end(Catalog *cat, CatTxn *txn, bool committed)
{
    catalog_snapshot_release(txn->private_snap);
    txn->private_snap = NULL;
    if (!committed || txn->n_catalog_writes == 0)
        return;
    pthread_mutex_lock(&cat->mu);
    if (txn->dirty_shared)
        cat->shared_version++;
    if (txn->dirty_local) {
        bool all = txn->dirty_dbs[3] != 0;
        for (size_t i = 0; i < cat->n_entries; i++) {
            bool hit = all;
            for (int j = 0; j < 4 && txn->dirty_dbs[j] && !hit; j++)
                hit = txn->dirty_dbs[j] == cat->entries[i].db;
            if (hit)
                cat->entries[i].version++;
        }
    }
    pthread_mutex_unlock(&cat->mu);
    txn->n_catalog_writes = 0;
}

/* ---- lookups ------------------------------------------------------------------------------- */

uint64_t catsnap_version(const CatSnapshot *s) { return s->version; }
Oid catsnap_db(const CatSnapshot *s) { return s->db; }

typedef struct NameArg {
    const char *name;
    Oid nsp;
} NameArg;

static bool m_db_name(const SnapHash *e, const void *a) { return strcmp(((const CatDatabase *)e->obj)->name, a) == 0; }
static bool m_db_oid(const SnapHash *e, const void *a) { return ((const CatDatabase *)e->obj)->oid == *(const Oid *)a; }
static bool m_role_name(const SnapHash *e, const void *a) { return strcmp(((const CatRole *)e->obj)->name, a) == 0; }
static bool m_role_oid(const SnapHash *e, const void *a) { return ((const CatRole *)e->obj)->oid == *(const Oid *)a; }
static bool m_nsp_name(const SnapHash *e, const void *a) { return strcmp(((const CatNamespace *)e->obj)->name, a) == 0; }
static bool m_nsp_oid(const SnapHash *e, const void *a) { return ((const CatNamespace *)e->obj)->oid == *(const Oid *)a; }
static bool m_emb_name(const SnapHash *e, const void *a) { return strcmp(((const CatEmbedder *)e->obj)->name, a) == 0; }
static bool m_rel_name(const SnapHash *e, const void *a)
{
    const NameArg *n = a;
    const CatRelation *r = e->obj;
    return r->nsp == n->nsp && strcmp(r->name, n->name) == 0;
}
static bool m_rel_oid(const SnapHash *e, const void *a) { return ((const CatRelation *)e->obj)->oid == *(const Oid *)a; }
static bool m_idx_name(const SnapHash *e, const void *a)
{
    const NameArg *n = a;
    return ((const CatRelation *)e->obj)->nsp == n->nsp && strcmp(((const CatIndex *)e->aux)->name, n->name) == 0;
}
static bool m_idx_oid(const SnapHash *e, const void *a) { return ((const CatIndex *)e->aux)->oid == *(const Oid *)a; }

#define FIND(kind, nsp, name, oid, m, arg) snap_hash_find(s, hk(kind, nsp, name, oid), kind, m, arg)

const CatDatabase *catsnap_database_by_name(const CatSnapshot *s, const char *name)
{
    const SnapHash *e = FIND(HK_DB_NAME, 0, name, 0, m_db_name, name);
    return e ? e->obj : NULL;
}
const CatDatabase *catsnap_database_by_oid(const CatSnapshot *s, Oid oid)
{
    const SnapHash *e = FIND(HK_DB_OID, 0, NULL, oid, m_db_oid, &oid);
    return e ? e->obj : NULL;
}
const CatRole *catsnap_role_by_name(const CatSnapshot *s, const char *name)
{
    const SnapHash *e = FIND(HK_ROLE_NAME, 0, name, 0, m_role_name, name);
    return e ? e->obj : NULL;
}
const CatRole *catsnap_role_by_oid(const CatSnapshot *s, Oid oid)
{
    const SnapHash *e = FIND(HK_ROLE_OID, 0, NULL, oid, m_role_oid, &oid);
    return e ? e->obj : NULL;
}
const CatNamespace *catsnap_namespace_by_name(const CatSnapshot *s, const char *name)
{
    const SnapHash *e = FIND(HK_NSP_NAME, 0, name, 0, m_nsp_name, name);
    return e ? e->obj : NULL;
}
const CatNamespace *catsnap_namespace_by_oid(const CatSnapshot *s, Oid oid)
{
    const SnapHash *e = FIND(HK_NSP_OID, 0, NULL, oid, m_nsp_oid, &oid);
    return e ? e->obj : NULL;
}
const CatRelation *catsnap_relation_by_name(const CatSnapshot *s, Oid nsp, const char *name)
{
    NameArg a = { name, nsp };
    const SnapHash *e = FIND(HK_REL_NAME, nsp, name, 0, m_rel_name, &a);
    return e ? e->obj : NULL;
}
const CatRelation *catsnap_relation_by_oid(const CatSnapshot *s, Oid oid)
{
    const SnapHash *e = FIND(HK_REL_OID, 0, NULL, oid, m_rel_oid, &oid);
    return e ? e->obj : NULL;
}
const CatRelation *catsnap_index_by_name(const CatSnapshot *s, Oid nsp, const char *name, const CatIndex **idx)
{
    NameArg a = { name, nsp };
    const SnapHash *e = FIND(HK_IDX_NAME, nsp, name, 0, m_idx_name, &a);
    if (idx)
        *idx = e ? e->aux : NULL;
    return e ? e->obj : NULL;
}
const CatRelation *catsnap_index_by_oid(const CatSnapshot *s, Oid oid, const CatIndex **idx)
{
    const SnapHash *e = FIND(HK_IDX_OID, 0, NULL, oid, m_idx_oid, &oid);
    if (idx)
        *idx = e ? e->aux : NULL;
    return e ? e->obj : NULL;
}
const CatEmbedder *catsnap_embedder_by_name(const CatSnapshot *s, const char *name)
{
    const SnapHash *e = FIND(HK_EMB_NAME, 0, name, 0, m_emb_name, name);
    return e ? e->obj : NULL;
}

int catsnap_n_databases(const CatSnapshot *s) { return s->n_databases; }
const CatDatabase *catsnap_database(const CatSnapshot *s, int i) { return &s->databases[i]; }
int catsnap_n_roles(const CatSnapshot *s) { return s->n_roles; }
const CatRole *catsnap_role(const CatSnapshot *s, int i) { return &s->roles[i]; }
int catsnap_n_namespaces(const CatSnapshot *s) { return s->n_namespaces; }
const CatNamespace *catsnap_namespace(const CatSnapshot *s, int i) { return &s->namespaces[i]; }
int catsnap_n_relations(const CatSnapshot *s) { return s->n_relations; }
const CatRelation *catsnap_relation(const CatSnapshot *s, int i) { return s->relations[i]; }
int catsnap_n_embedders(const CatSnapshot *s) { return s->n_embedders; }
const CatEmbedder *catsnap_embedder(const CatSnapshot *s, int i) { return &s->embedders[i]; }

int catsnap_referencing_fks(const CatSnapshot *s, Oid reloid, const CatRelation **rels,
                            const CatConstraint **cons, int max)
{
    int n = 0;
    for (int i = 0; i < s->n_relations; i++) {
        const CatRelation *r = s->relations[i];
        for (int j = 0; j < r->ncons; j++)
            if (r->cons[j].type == CAT_CON_FOREIGN && r->cons[j].ref_rel == reloid) {
                if (n < max) {
                    rels[n] = r;
                    cons[n] = &r->cons[j];
                }
                n++;
            }
    }
    return n;
}

const CatColumn *catrel_column_by_name(const CatRelation *rel, const char *name)
{
    for (int i = 0; i < rel->ncols; i++)
        if (!rel->cols[i].dropped && strcmp(rel->cols[i].name, name) == 0)
            return &rel->cols[i];
    return NULL;
}

const CatIndex *catrel_primary_index(const CatRelation *rel)
{
    if (rel->pk_index >= 0 && rel->pk_index < rel->nindexes)
        return &rel->indexes[rel->pk_index];
    for (int i = 0; i < rel->nindexes; i++)
        if (rel->indexes[i].primary)
            return &rel->indexes[i];
    return NULL;
}
