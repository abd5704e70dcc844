/* catalog.h -- ShaleDB's system catalog: databases, roles, schemas, tables/views/sequences
 * (with their columns, indexes and constraints) and embedders, stored in the reserved
 * keyspace (keycodec.h) and read and written through the caller's transaction, so DDL is
 * transactional. An in-memory cache of immutable, reference-counted snapshots per database
 * makes name lookups free of storage reads while no DDL commits.
 *
 * The catalog sits below the transaction layer (src/facets/relational), so it sees a
 * transaction only through CatTxn, a small vtable the relational facet implements
 * (rel_txn_catalog() returns it). Tests may implement CatTxn directly on storage.
 *
 * Threading: a Catalog is shared by every session. Snapshots are immutable and may be read
 * from any thread while referenced. A CatTxn belongs to one thread at a time.
 *
 * Errors: functions returning int return 0 on success and -1 with *err set (SQLSTATEs as
 * PostgreSQL: 42P07 duplicate_table, 42P06 duplicate_schema, 42P04 duplicate_database,
 * 42710 duplicate_object (roles, embedders), 42704/42P01/3F000/3D000 undefined_*,
 * 58030/XX001/53100 for storage failures).
 *
 * Memory: descriptors handed TO the catalog are only read (serialized on the spot; the
 * caller keeps ownership). Descriptors returned by lookups live in the snapshot and are
 * valid until catalog_snapshot_release of that snapshot. */
#ifndef SHALE_CATALOG_CATALOG_H
#define SHALE_CATALOG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/rowcodec.h"
#include "catalog/sqlerror.h"
#include "catalog/value.h"
#include "util/arena.h"
#include "util/buf.h"

typedef struct ShaleDB ShaleDB;
typedef struct Catalog Catalog;
typedef struct CatSnapshot CatSnapshot;

/* Fixed OIDs of built-in objects (PostgreSQL's). User objects get OIDs from 16384 up. */
#define CAT_OID_PG_CATALOG_NSP 11u
#define CAT_OID_PUBLIC_NSP 2200u
#define CAT_OID_INFORMATION_SCHEMA_NSP 13000u   /* PG assigns it at initdb; fixed here */
#define CAT_OID_PG_TOAST_NSP 99u
#define CAT_OID_DB_TEMPLATE1 1u
#define CAT_OID_DB_POSTGRES 5u
#define CAT_OID_BOOTSTRAP_SUPERUSER 10u         /* the initdb superuser, like PG */
#define CAT_FIRST_USER_OID 16384u

/* ---- the transaction seen by the catalog ----------------------------------------------- */

typedef int (*CatScanFn)(void *arg, const char *key, size_t klen, const char *val, size_t vlen);

typedef struct CatTxnOps {
    /* Looks key up in the transaction's view (its snapshot plus its own writes); latest =
     * read the newest committed state plus own writes instead. Returns 1 and the value in
     * *val (val reset first), 0 when absent, -1 on error. */
    int (*get)(void *impl, const char *key, size_t klen, bool latest, ShaleBuf *val, SqlError *err);
    int (*put)(void *impl, const char *key, size_t klen, const char *val, size_t vlen, SqlError *err);
    int (*del)(void *impl, const char *key, size_t klen, SqlError *err);
    /* Calls fn for each live key in [lo, hi) in key order in the transaction's view; fn
     * returns 0 to go on, 1 to stop, -1 to fail (after setting err). Returns 0 or -1. */
    int (*scan)(void *impl, const char *lo, size_t lolen, const char *hi, size_t hilen,
                CatScanFn fn, void *arg, SqlError *err);
    /* Takes an exclusive lock on key held until the top-level transaction ends (waits for
     * other holders; 40P01 deadlock, 57014 cancel/timeout). */
    int (*lock)(void *impl, const char *key, size_t klen, SqlError *err);
} CatTxnOps;

typedef struct CatTxn {
    const CatTxnOps *ops;
    void *impl;
    Oid db;                       /* the database the transaction is connected to */
    /* Maintained by the catalog (initialise to zero): */
    uint64_t n_catalog_writes;    /* catalog writes through this transaction */
    bool dirty_shared;            /* wrote shared objects (databases, roles) */
    bool dirty_local;             /* wrote objects of some database */
    Oid dirty_dbs[4];             /* databases written (0-terminated; overflow = all) */
    CatSnapshot *private_snap;    /* this transaction's own view after its DDL */
    uint64_t private_gen;         /* n_catalog_writes when private_snap was built */
} CatTxn;

static inline void cat_txn_init(CatTxn *t, const CatTxnOps *ops, void *impl, Oid db)
{
    t->ops = ops; t->impl = impl; t->db = db;
    t->n_catalog_writes = 0; t->dirty_shared = t->dirty_local = false;
    for (int i = 0; i < 4; i++) t->dirty_dbs[i] = 0;
    t->private_snap = NULL; t->private_gen = 0;
}

/* Call when the transaction ends: releases its private snapshot and, if it committed
 * catalog writes, invalidates the cached snapshots they affect. Call after the commit is
 * visible in storage. */
void catalog_txn_end(Catalog *cat, CatTxn *txn, bool committed);

/* ---- descriptors -------------------------------------------------------------------- */

typedef struct CatDatabase {
    Oid oid;
    char *name;
    Oid owner;
    bool allow_conn;
    bool is_template;
    int32_t conn_limit;           /* -1 = no limit */
    char *comment;                /* NULL = none */
    int n_settings;               /* ALTER DATABASE SET: "name=value" (pg_db_role_setting) */
    char **settings;
} CatDatabase;

/* One membership of a role in another (pg_auth_members row; stored in the member's descriptor). */
typedef struct CatRoleMember {
    Oid role;                     /* the role granted (pg_auth_members.roleid) */
    Oid grantor;
    bool admin;                   /* WITH ADMIN OPTION */
} CatRoleMember;

typedef struct CatRole {
    Oid oid;
    char *name;
    bool superuser, inherit, createrole, createdb, login, replication, bypassrls;
    int32_t conn_limit;           /* -1 = no limit */
    char *password;               /* verifier text ("SCRAM-SHA-256$..."), NULL = none */
    char *valid_until;            /* timestamptz text, NULL = forever */
    char *comment;
    int n_member_of;              /* roles this role is a direct member of (GRANT r TO this) */
    CatRoleMember *member_of;
    int n_settings;               /* ALTER ROLE SET: "name=value" (pg_db_role_setting) */
    char **settings;
} CatRole;

typedef struct CatNamespace {
    Oid oid;
    char *name;
    Oid owner;
    char *comment;
    char *acl;                    /* privileges (GRANT/REVOKE), NULL = the default; format:
                                     sql/pgcat/pgcat_acl.c */
} CatNamespace;

typedef struct CatColumn {
    char *name;
    int16_t attnum;               /* 1-based, = index in CatRelation.cols + 1 */
    Oid type;
    int32_t typmod;               /* -1 = none; as PostgreSQL's atttypmod */
    bool not_null;
    bool dropped;                 /* DROP COLUMN leaves the slot (row format keeps it) */
    char identity;                /* '\0', 'a' (ALWAYS), 'd' (BY DEFAULT) */
    char generated;               /* '\0', 's' (STORED) */
    char *default_expr;           /* SQL text of the default (or generation expression), NULL = none */
    Oid identity_seq;             /* the identity column's sequence, 0 = none */
    uint32_t added_version;       /* schema version that added the column */
    Value missing;                /* value of this column in rows older than added_version
                                     (NULL unless ADD COLUMN had a non-volatile default;
                                     type INVALIDOID also means NULL, so zeroed is fine);
                                     bytes owned by the descriptor's owner */
    Oid collation;                /* 0 = default */
    char *comment;
    /* EMBEDDING OF (expr) USING embedder (docs/embeddings.md): the expression's SQL text
     * (NULL = not an embedding column) and the embedder's OID. */
    char *embed_expr;
    Oid embed_embedder;
} CatColumn;

typedef struct CatIndex {
    Oid oid;                      /* pg_class OID of the index; also its key-range index id */
    char *name;
    bool unique;
    bool primary;                 /* the table's rows are keyed by this index (no entries of its own) */
    bool nulls_not_distinct;
    bool valid;
    char *am;                     /* access method: "btree", "hash", "hnsw", "ivfflat" */
    int ncols;
    int16_t *attnums;             /* [ncols]; 0 = expression column (exprs[i]) */
    char **exprs;                 /* [ncols]; SQL text for expression columns, else NULL */
    char **opclasses;             /* [ncols]; NULL entries = default opclass */
    uint8_t *col_flags;           /* [ncols]; KEY_DESC | KEY_NULLS_FIRST */
    int n_options;                /* WITH (key = value, ...) */
    char **opt_keys, **opt_values;
    char *predicate;              /* partial index WHERE text, NULL = none */
    char *comment;
} CatIndex;

typedef enum CatConType {
    CAT_CON_PRIMARY = 'p',
    CAT_CON_UNIQUE = 'u',
    CAT_CON_CHECK = 'c',
    CAT_CON_FOREIGN = 'f',
    CAT_CON_NOT_NULL = 'n'
} CatConType;

typedef struct CatConstraint {
    Oid oid;
    char *name;
    char type;                    /* CatConType */
    int ncols;
    int16_t *attnums;             /* constrained columns (conkey) */
    Oid index_oid;                /* p/u: the backing index; f: the referenced unique index */
    char *check_expr;             /* c: SQL text */
    bool deferrable, deferred, validated;
    /* foreign keys: */
    Oid ref_rel;
    int16_t *ref_attnums;         /* [ncols] */
    char on_update, on_delete;    /* 'a' no action, 'r' restrict, 'c' cascade, 'n' set null, 'd' set default */
    char match_type;              /* 's' simple, 'f' full */
    char *comment;
} CatConstraint;

typedef struct CatSequenceDef {
    Oid type;                     /* int2/int4/int8 */
    int64_t start, increment, min, max, cache;
    bool cycle;
    Oid owned_by_rel;             /* 0 = none */
    int16_t owned_by_col;
} CatSequenceDef;

typedef enum CatRelKind {
    CAT_REL_TABLE = 'r',
    CAT_REL_VIEW = 'v',
    CAT_REL_SEQUENCE = 'S'
} CatRelKind;

typedef struct CatRelation {
    Oid oid;
    Oid nsp;
    char *name;
    char kind;                    /* CatRelKind */
    Oid owner;
    uint32_t relfilenode;         /* key-range id of the rows (changes on TRUNCATE) */
    uint32_t schema_version;      /* bumped by every catalog_alter_relation */
    int ncols;
    CatColumn *cols;              /* [ncols], attnum order, dropped included */
    int nindexes;
    CatIndex *indexes;            /* primary-key index first when there is one */
    int ncons;
    CatConstraint *cons;
    char *view_query;             /* views: the SELECT text */
    CatSequenceDef seq;           /* sequences */
    char *comment;
    char *acl;                    /* privileges (GRANT/REVOKE), NULL = the default; format:
                                     sql/pgcat/pgcat_acl.c */
    /* Derived by the catalog when the descriptor is loaded (not stored): */
    RowSchema row_schema;         /* for rowcodec */
    RowColumn *row_cols;
    int pk_index;                 /* index into indexes of the primary key, -1 = hidden row id */
} CatRelation;

typedef struct CatEmbedder {
    Oid oid;
    char *name;
    char *provider;
    char *options;                /* provider options as text (key=value list) */
    Oid owner;
    char *comment;
} CatEmbedder;

/* ---- open, bootstrap, OIDs -------------------------------------------------------------- */

/* Opens the catalog over db (borrowed; must outlive the catalog). *out freed by catalog_close. */
int catalog_open(ShaleDB *db, Catalog **out, SqlError *err);
void catalog_close(Catalog *cat);

/* True when the data directory holds a catalog already. */
int catalog_is_bootstrapped(Catalog *cat, bool *out, SqlError *err);

/* Creates the initial catalog through txn (the caller commits): role `superuser` (OID 10),
 * databases template1, postgres and extra_db (if non-NULL and not "postgres"), and in each
 * the schemas pg_catalog, public, information_schema. */
int catalog_bootstrap(Catalog *cat, CatTxn *txn, const char *superuser, const char *extra_db, SqlError *err);

/* A fresh OID (>= 16384), never returned again even after a crash (allocated in durable
 * blocks, outside transactions). 0 on error (err set). Thread-safe. */
Oid catalog_alloc_oid(Catalog *cat, SqlError *err);

/* ---- snapshots and lookups ------------------------------------------------------------ */

/* The catalog of database db as txn sees it (txn NULL: newest committed). Warm path: no
 * storage read, one mutex. The caller releases with catalog_snapshot_release. */
int catalog_snapshot(Catalog *cat, CatTxn *txn, Oid db, CatSnapshot **out, SqlError *err);
void catalog_snapshot_release(CatSnapshot *snap);

/* Changes whenever committed DDL touched this database (for plan caches). */
uint64_t catsnap_version(const CatSnapshot *s);
Oid catsnap_db(const CatSnapshot *s);

/* Lookups return NULL when absent. Names are exact (already case-folded by the parser). */
const CatDatabase *catsnap_database_by_name(const CatSnapshot *s, const char *name);
const CatDatabase *catsnap_database_by_oid(const CatSnapshot *s, Oid oid);
const CatRole *catsnap_role_by_name(const CatSnapshot *s, const char *name);
const CatRole *catsnap_role_by_oid(const CatSnapshot *s, Oid oid);
const CatNamespace *catsnap_namespace_by_name(const CatSnapshot *s, const char *name);
const CatNamespace *catsnap_namespace_by_oid(const CatSnapshot *s, Oid oid);
/* Tables, views and sequences (not indexes) by schema and name / by OID. */
const CatRelation *catsnap_relation_by_name(const CatSnapshot *s, Oid nsp, const char *name);
const CatRelation *catsnap_relation_by_oid(const CatSnapshot *s, Oid oid);
/* An index by schema and name / by OID: returns its table and sets *idx. */
const CatRelation *catsnap_index_by_name(const CatSnapshot *s, Oid nsp, const char *name, const CatIndex **idx);
const CatRelation *catsnap_index_by_oid(const CatSnapshot *s, Oid oid, const CatIndex **idx);
const CatEmbedder *catsnap_embedder_by_name(const CatSnapshot *s, const char *name);

/* Iteration (stable order: by OID). Indices 0..n-1. */
int catsnap_n_databases(const CatSnapshot *s);
const CatDatabase *catsnap_database(const CatSnapshot *s, int i);
int catsnap_n_roles(const CatSnapshot *s);
const CatRole *catsnap_role(const CatSnapshot *s, int i);
int catsnap_n_namespaces(const CatSnapshot *s);
const CatNamespace *catsnap_namespace(const CatSnapshot *s, int i);
int catsnap_n_relations(const CatSnapshot *s);
const CatRelation *catsnap_relation(const CatSnapshot *s, int i);
int catsnap_n_embedders(const CatSnapshot *s);
const CatEmbedder *catsnap_embedder(const CatSnapshot *s, int i);

/* Foreign keys whose ref_rel is reloid: fills up to max (rel, con) pairs, returns the total. */
int catsnap_referencing_fks(const CatSnapshot *s, Oid reloid, const CatRelation **rels,
                            const CatConstraint **cons, int max);

/* Column by name (dropped columns never match), NULL when absent. */
const CatColumn *catrel_column_by_name(const CatRelation *rel, const char *name);
/* The primary-key index, NULL for tables keyed by the hidden row id. */
const CatIndex *catrel_primary_index(const CatRelation *rel);
/* Deep copy of rel into arena (for ALTER: copy, modify, catalog_alter_relation). NULL on OOM. */
CatRelation *catrel_copy(ShaleArena *arena, const CatRelation *rel);

/* ---- DDL (through txn; visible to others when txn commits) --------------------------- */

/* Fills the zero OIDs (relation, indexes, constraints), relfilenode, attnums and
 * schema_version = 1, then stores rel in database db. 42P07 when a relation or index of
 * that name exists in rel->nsp; 3F000 when the schema does not exist. */
int catalog_create_relation(Catalog *cat, CatTxn *txn, Oid db, CatRelation *rel, SqlError *err);
/* Replaces old by rel (same OID): renames, added/dropped columns, indexes and constraints,
 * comments. rel->schema_version becomes old->schema_version + 1; new indexes/constraints
 * with OID 0 get OIDs; indexes that disappeared have their entries purged after commit. */
int catalog_alter_relation(Catalog *cat, CatTxn *txn, Oid db, const CatRelation *old, CatRelation *rel, SqlError *err);
/* Removes rel; its rows and index entries are deleted after commit (purge records). */
int catalog_drop_relation(Catalog *cat, CatTxn *txn, Oid db, const CatRelation *rel, SqlError *err);
/* Gives rel a fresh relfilenode (empty table and indexes); the old range is purged after
 * commit. *new_relfilenode (may be NULL) receives it. */
int catalog_truncate_relation(Catalog *cat, CatTxn *txn, Oid db, const CatRelation *rel,
                              uint32_t *new_relfilenode, SqlError *err);

int catalog_create_namespace(Catalog *cat, CatTxn *txn, Oid db, CatNamespace *ns, SqlError *err);
int catalog_alter_namespace(Catalog *cat, CatTxn *txn, Oid db, const CatNamespace *old, const CatNamespace *ns, SqlError *err);
/* The caller checks for contained objects (2BP01) first. */
int catalog_drop_namespace(Catalog *cat, CatTxn *txn, Oid db, const CatNamespace *ns, SqlError *err);

/* Also creates the database's pg_catalog, public and information_schema. */
int catalog_create_database(Catalog *cat, CatTxn *txn, CatDatabase *dbd, SqlError *err);
int catalog_alter_database(Catalog *cat, CatTxn *txn, const CatDatabase *old, const CatDatabase *dbd, SqlError *err);
/* Removes the database and (after commit) every key of its range. */
int catalog_drop_database(Catalog *cat, CatTxn *txn, const CatDatabase *dbd, SqlError *err);

int catalog_create_role(Catalog *cat, CatTxn *txn, CatRole *role, SqlError *err);
int catalog_alter_role(Catalog *cat, CatTxn *txn, const CatRole *old, const CatRole *role, SqlError *err);
int catalog_drop_role(Catalog *cat, CatTxn *txn, const CatRole *role, SqlError *err);

int catalog_create_embedder(Catalog *cat, CatTxn *txn, Oid db, CatEmbedder *e, SqlError *err);
int catalog_alter_embedder(Catalog *cat, CatTxn *txn, Oid db, const CatEmbedder *old, const CatEmbedder *e, SqlError *err);
int catalog_drop_embedder(Catalog *cat, CatTxn *txn, Oid db, const CatEmbedder *e, SqlError *err);

/* ---- purge of dropped storage ------------------------------------------------------------ */

/* Deletes the key ranges of committed drops/truncates (non-transactionally, in bounded
 * batches) and their purge records. Safe to call at any time from any thread; the
 * relational layer calls it after such commits and at open. */
int catalog_purge(Catalog *cat, SqlError *err);

#endif
