/* catalog_int.h -- internals of the catalog: catalog key layout, descriptor serialization,
 * the snapshot structure and the cache.
 *
 * Catalog keys (docs/data-model.md, "Catalog"):
 *   00000000 | 1262 | 0 | oid                  -> database descriptor
 *   00000000 | 1262 | 1 | name                 -> oid:u32 BE      (name record)
 *   00000000 | 1260 | 0 | oid / 1 | name       -> role descriptor / name record
 *   db       | 2615 | 0 | oid / 1 | name       -> namespace
 *   db       | 1259 | 0 | oid                  -> relation descriptor (columns, indexes, constraints inside)
 *   db       | 1259 | 1 | nsp:u32 BE | name    -> oid of a relation or index (one namespace)
 *   db       | 3400 | 0 | oid / 1 | name       -> embedder
 *   FFFFFFFF | 00000003 | 0 | 0                -> next-OID high-water mark:u32 BE (non-transactional)
 *   FFFFFFFF | 00000004 | db | rel | index     -> purge record (transactional; index FFFFFFFF =
 *                                                the whole relfilenode, rel FFFFFFFF = whole db)
 * Name records are written under an exclusive row lock on their key, so two transactions
 * creating the same name serialise and the second fails with the duplicate error. */
#ifndef SHALE_CATALOG_CATALOG_INT_H
#define SHALE_CATALOG_CATALOG_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "catalog/catalog.h"
#include "catalog/keycodec.h"

#define CATREL_DATABASE 1262u
#define CATREL_AUTHID 1260u
#define CATREL_NAMESPACE 2615u
#define CATREL_CLASS 1259u
#define CATREL_EMBEDDER 3400u
#define CATIDX_OBJ 0u
#define CATIDX_NAME 1u

#define META_OIDS 3u
#define META_PURGE 4u
#define OID_BLOCK 256u

#define DESC_FORMAT 1

/* catalog_desc.c: descriptors <-> bytes. Encoders append to b (OOM sticky). Decoders build
 * in arena and return -1 on bad bytes (SHALE corruption) or OOM. */
void desc_encode_database(ShaleBuf *b, const CatDatabase *d);
void desc_encode_role(ShaleBuf *b, const CatRole *r);
void desc_encode_namespace(ShaleBuf *b, const CatNamespace *n);
void desc_encode_relation(ShaleBuf *b, const CatRelation *r);
void desc_encode_embedder(ShaleBuf *b, const CatEmbedder *e);
int desc_decode_database(const char *p, size_t n, ShaleArena *a, CatDatabase *out);
int desc_decode_role(const char *p, size_t n, ShaleArena *a, CatRole *out);
int desc_decode_namespace(const char *p, size_t n, ShaleArena *a, CatNamespace *out);
int desc_decode_relation(const char *p, size_t n, ShaleArena *a, CatRelation *out);
int desc_decode_embedder(const char *p, size_t n, ShaleArena *a, CatEmbedder *out);
/* Fills the derived fields (row schema, pk_index) of a relation, in arena. */
int desc_derive_relation(CatRelation *r, ShaleArena *a);

typedef struct SnapHash {
    uint64_t h;               /* 0 = empty */
    uint32_t kind;
    const void *obj;
    const void *aux;          /* index: the CatIndex */
} SnapHash;

struct CatSnapshot {
    atomic_int refs;
    Oid db;
    uint64_t version;
    uint64_t shared_version, db_version;   /* cache validity */
    ShaleArena arena;
    int n_databases, n_roles, n_namespaces, n_relations, n_embedders;
    CatDatabase *databases;
    CatRole *roles;
    CatNamespace *namespaces;
    CatRelation **relations;
    CatEmbedder *embedders;
    SnapHash *hash;
    size_t hash_cap;
};

typedef struct CacheEntry {
    Oid db;
    uint64_t version;
    CatSnapshot *snap;        /* one reference held by the cache */
} CacheEntry;

struct Catalog {
    ShaleDB *db;
    pthread_mutex_t mu;       /* cache, versions */
    uint64_t shared_version;
    CacheEntry *entries;
    size_t n_entries, cap_entries;
    pthread_mutex_t oid_mu;
    uint32_t next_oid, oid_limit;
    pthread_mutex_t purge_mu;
};

/* catalog_cache.c */
int catsnap_build(Catalog *cat, CatTxn *txn, Oid db, CatSnapshot **out, SqlError *err);
uint64_t catalog_db_version(Catalog *cat, Oid db);   /* cat->mu held */
void catalog_cache_free(Catalog *cat);

#endif
