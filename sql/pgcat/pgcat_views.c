/* pgcat_views.c -- PostgreSQL's convenience views over the catalogs (pg_tables, pg_views,
 * pg_indexes, pg_sequences), the statistics views (minimal: identities and live-row
 * estimates, counters 0), pg_proc (the catalog-aware functions of this module),
 * pg_operator (the comparison operators of the common types) and the catalogs ShaleDB has
 * no objects for, which exist empty so that tools' queries joining them work. */
#include <string.h>

#include "facets/relational/relational.h"
#include "sql/analyze.h"
#include "sql/pgcat/pgcat_int.h"

#define ROW_INIT(tab) \
    PgRow r; \
    pgrow_init(&r, PGCAT_TAB_##tab, env, arena, emit, arg, err)

static bool has_fk_trigger(const QueryEnv *env, const CatRelation *rel)
{
    for (int i = 0; i < rel->ncons; i++)
        if (rel->cons[i].type == CAT_CON_FOREIGN)
            return true;
    const CatRelation *rels[1];
    const CatConstraint *cons[1];
    return catsnap_referencing_fks(env->cat, rel->oid, rels, cons, 1) > 0;
}

int pgcat_rows_pg_tables(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_TABLES);
    for (int i = 0; i < PGCAT_TAB__COUNT; i++) {
        const PgCatTable *t = &pgcat_tables[i];
        if (t->relkind != 'r')
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_TABLES_SCHEMANAME, t->schema);
        pgrow_str(&r, PGCAT_PG_TABLES_TABLENAME, t->name);
        pgrow_str(&r, PGCAT_PG_TABLES_TABLEOWNER, pgcat_role_name(env, CAT_OID_BOOTSTRAP_SUPERUSER));
        pgrow_bool(&r, PGCAT_PG_TABLES_HASINDEXES, true);
        pgrow_bool(&r, PGCAT_PG_TABLES_HASRULES, false);
        pgrow_bool(&r, PGCAT_PG_TABLES_HASTRIGGERS, false);
        pgrow_bool(&r, PGCAT_PG_TABLES_ROWSECURITY, false);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_TABLE)
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_TABLES_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
        pgrow_str(&r, PGCAT_PG_TABLES_TABLENAME, rel->name);
        pgrow_str(&r, PGCAT_PG_TABLES_TABLEOWNER, pgcat_role_name(env, rel->owner));
        pgrow_bool(&r, PGCAT_PG_TABLES_HASINDEXES, rel->nindexes > 0);
        pgrow_bool(&r, PGCAT_PG_TABLES_HASRULES, false);
        pgrow_bool(&r, PGCAT_PG_TABLES_HASTRIGGERS, has_fk_trigger(env, rel));
        pgrow_bool(&r, PGCAT_PG_TABLES_ROWSECURITY, false);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_views(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_VIEWS);
    for (int i = 0; i < PGCAT_TAB__COUNT; i++) {
        const PgCatTable *t = &pgcat_tables[i];
        if (t->relkind != 'v')
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_VIEWS_SCHEMANAME, t->schema);
        pgrow_str(&r, PGCAT_PG_VIEWS_VIEWNAME, t->name);
        pgrow_str(&r, PGCAT_PG_VIEWS_VIEWOWNER, pgcat_role_name(env, CAT_OID_BOOTSTRAP_SUPERUSER));
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_VIEW)
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_VIEWS_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
        pgrow_str(&r, PGCAT_PG_VIEWS_VIEWNAME, rel->name);
        pgrow_str(&r, PGCAT_PG_VIEWS_VIEWOWNER, pgcat_role_name(env, rel->owner));
        pgrow_str(&r, PGCAT_PG_VIEWS_DEFINITION, rel->view_query);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_indexes(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_INDEXES);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int j = 0; j < rel->nindexes; j++) {
            pgrow_clear(&r);
            pgrow_str(&r, PGCAT_PG_INDEXES_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
            pgrow_str(&r, PGCAT_PG_INDEXES_TABLENAME, rel->name);
            pgrow_str(&r, PGCAT_PG_INDEXES_INDEXNAME, rel->indexes[j].name);
            ShaleBuf b;
            shale_buf_init(&b);
            pgcat_indexdef(env, rel, &rel->indexes[j], 0, false, &b);
            pgrow_buf(&r, PGCAT_PG_INDEXES_INDEXDEF, &b);
            shale_buf_free(&b);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

int pgcat_rows_pg_sequences(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_SEQUENCES);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_SEQUENCE)
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_SEQUENCES_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
        pgrow_str(&r, PGCAT_PG_SEQUENCES_SEQUENCENAME, rel->name);
        pgrow_str(&r, PGCAT_PG_SEQUENCES_SEQUENCEOWNER, pgcat_role_name(env, rel->owner));
        pgrow_int(&r, PGCAT_PG_SEQUENCES_DATA_TYPE, rel->seq.type);
        pgrow_int(&r, PGCAT_PG_SEQUENCES_START_VALUE, rel->seq.start);
        pgrow_int(&r, PGCAT_PG_SEQUENCES_MIN_VALUE, rel->seq.min);
        pgrow_int(&r, PGCAT_PG_SEQUENCES_MAX_VALUE, rel->seq.max);
        pgrow_int(&r, PGCAT_PG_SEQUENCES_INCREMENT_BY, rel->seq.increment);
        pgrow_bool(&r, PGCAT_PG_SEQUENCES_CYCLE, rel->seq.cycle);
        pgrow_int(&r, PGCAT_PG_SEQUENCES_CACHE_SIZE, rel->seq.cache);
        if (env->rdb) {
            int64_t last;
            bool called;
            SqlError e2;
            sql_error_clear(&e2);
            if (rel_seq_state(env->rdb, catsnap_db(env->cat), rel, &last, &called, &e2) == 0 && called)
                pgrow_int(&r, PGCAT_PG_SEQUENCES_LAST_VALUE, last);
        }
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* ---- statistics views (identities and estimates; no counters are kept) --------------- */

int pgcat_rows_pg_stat_user_tables(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_STAT_USER_TABLES);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_TABLE)
            continue;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_STAT_USER_TABLES_RELID, rel->oid);
        pgrow_str(&r, PGCAT_PG_STAT_USER_TABLES_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
        pgrow_str(&r, PGCAT_PG_STAT_USER_TABLES_RELNAME, rel->name);
        for (int c = PGCAT_PG_STAT_USER_TABLES_SEQ_SCAN; c <= PGCAT_PG_STAT_USER_TABLES_N_INS_SINCE_VACUUM; c++)
            pgrow_int(&r, c, 0);
        if (rel->nindexes == 0) {
            r.vals[PGCAT_PG_STAT_USER_TABLES_IDX_SCAN] = value_null(INT8OID);
            r.vals[PGCAT_PG_STAT_USER_TABLES_IDX_TUP_FETCH] = value_null(INT8OID);
        }
        if (env->rdb) {
            int64_t est = rel_table_row_estimate(env->rdb, catsnap_db(env->cat), rel);
            pgrow_int(&r, PGCAT_PG_STAT_USER_TABLES_N_LIVE_TUP, est > 0 ? est : 0);
        }
        for (int c = PGCAT_PG_STAT_USER_TABLES_VACUUM_COUNT; c <= PGCAT_PG_STAT_USER_TABLES_AUTOANALYZE_COUNT; c++)
            pgrow_int(&r, c, 0);
        const TableStats *ts = pgcat_table_stats(env, rel, arena);
        if (ts) {
            Value at = value_int(TIMESTAMPTZOID, ts->analyzed_at);
            r.vals[PGCAT_PG_STAT_USER_TABLES_LAST_ANALYZE] = at;
            pgrow_int(&r, PGCAT_PG_STAT_USER_TABLES_ANALYZE_COUNT, ts->analyze_count);
        }
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_stat_user_indexes(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                    SqlError *err)
{
    ROW_INIT(PG_STAT_USER_INDEXES);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int j = 0; j < rel->nindexes; j++) {
            pgrow_clear(&r);
            pgrow_int(&r, PGCAT_PG_STAT_USER_INDEXES_RELID, rel->oid);
            pgrow_int(&r, PGCAT_PG_STAT_USER_INDEXES_INDEXRELID, rel->indexes[j].oid);
            pgrow_str(&r, PGCAT_PG_STAT_USER_INDEXES_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
            pgrow_str(&r, PGCAT_PG_STAT_USER_INDEXES_RELNAME, rel->name);
            pgrow_str(&r, PGCAT_PG_STAT_USER_INDEXES_INDEXRELNAME, rel->indexes[j].name);
            pgrow_int(&r, PGCAT_PG_STAT_USER_INDEXES_IDX_SCAN, 0);
            pgrow_int(&r, PGCAT_PG_STAT_USER_INDEXES_IDX_TUP_READ, 0);
            pgrow_int(&r, PGCAT_PG_STAT_USER_INDEXES_IDX_TUP_FETCH, 0);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

int pgcat_rows_pg_statio_user_tables(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                     SqlError *err)
{
    ROW_INIT(PG_STATIO_USER_TABLES);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_TABLE)
            continue;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_STATIO_USER_TABLES_RELID, rel->oid);
        pgrow_str(&r, PGCAT_PG_STATIO_USER_TABLES_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
        pgrow_str(&r, PGCAT_PG_STATIO_USER_TABLES_RELNAME, rel->name);
        pgrow_int(&r, PGCAT_PG_STATIO_USER_TABLES_HEAP_BLKS_READ, 0);
        pgrow_int(&r, PGCAT_PG_STATIO_USER_TABLES_HEAP_BLKS_HIT, 0);
        if (rel->nindexes > 0) {
            pgrow_int(&r, PGCAT_PG_STATIO_USER_TABLES_IDX_BLKS_READ, 0);
            pgrow_int(&r, PGCAT_PG_STATIO_USER_TABLES_IDX_BLKS_HIT, 0);
        }
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* ---- pg_proc and pg_operator ---------------------------------------------------------- */

/* pg_proc lists the catalog-aware functions this module implements (pgcat_func.c), with
 * PostgreSQL's OIDs; the types module's builtins are not enumerable from here. */
int pgcat_rows_pg_proc(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_PROC);
    int n = pgcat_func_count();
    for (int i = 0; i < n; i++) {
        const PgCatFunc *f = pgcat_func_at(i);
        if (!f->oid || (i > 0 && pgcat_func_at(i - 1)->oid == f->oid))
            continue;   /* a DEFAULT argument's shorter form follows its pg_proc entry */
        int64_t args[4];
        for (int a = 0; a < f->nargs; a++)
            args[a] = f->args[a];
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_PROC_OID, f->oid);
        pgrow_str(&r, PGCAT_PG_PROC_PRONAME, f->name);
        pgrow_int(&r, PGCAT_PG_PROC_PRONAMESPACE, CAT_OID_PG_CATALOG_NSP);
        pgrow_int(&r, PGCAT_PG_PROC_PROOWNER, CAT_OID_BOOTSTRAP_SUPERUSER);
        pgrow_int(&r, PGCAT_PG_PROC_PROLANG, 12);
        pgrow_float(&r, PGCAT_PG_PROC_PROCOST, 1);
        pgrow_float(&r, PGCAT_PG_PROC_PROROWS, 0);
        pgrow_int(&r, PGCAT_PG_PROC_PROVARIADIC, 0);
        pgrow_int(&r, PGCAT_PG_PROC_PROSUPPORT, 0);
        pgrow_char(&r, PGCAT_PG_PROC_PROKIND, 'f');
        pgrow_bool(&r, PGCAT_PG_PROC_PROSECDEF, false);
        pgrow_bool(&r, PGCAT_PG_PROC_PROLEAKPROOF, false);
        pgrow_bool(&r, PGCAT_PG_PROC_PROISSTRICT, f->strict);
        pgrow_bool(&r, PGCAT_PG_PROC_PRORETSET, false);
        pgrow_char(&r, PGCAT_PG_PROC_PROVOLATILE, 's');
        pgrow_char(&r, PGCAT_PG_PROC_PROPARALLEL, 's');
        pgrow_int(&r, PGCAT_PG_PROC_PRONARGS, f->nargs);
        pgrow_int(&r, PGCAT_PG_PROC_PRONARGDEFAULTS, 0);
        pgrow_int(&r, PGCAT_PG_PROC_PRORETTYPE, f->ret);
        pgrow_int_array(&r, PGCAT_PG_PROC_PROARGTYPES, OIDOID, 0, f->nargs, args);
        pgrow_str(&r, PGCAT_PG_PROC_PROSRC, f->name);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

static const struct {
    Oid oid;
    const char *name;
    Oid left, right, result, com, negate;
    bool canmerge, canhash;
} operators[] = {
#include "sql/pgcat/pgcat_operators.inc"
};

int pgcat_rows_pg_operator(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_OPERATOR);
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OID, operators[i].oid);
        pgrow_str(&r, PGCAT_PG_OPERATOR_OPRNAME, operators[i].name);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRNAMESPACE, CAT_OID_PG_CATALOG_NSP);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPROWNER, CAT_OID_BOOTSTRAP_SUPERUSER);
        pgrow_char(&r, PGCAT_PG_OPERATOR_OPRKIND, 'b');
        pgrow_bool(&r, PGCAT_PG_OPERATOR_OPRCANMERGE, operators[i].canmerge);
        pgrow_bool(&r, PGCAT_PG_OPERATOR_OPRCANHASH, operators[i].canhash);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRLEFT, operators[i].left);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRRIGHT, operators[i].right);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRRESULT, operators[i].result);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRCOM, operators[i].com);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRNEGATE, operators[i].negate);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRCODE, 0);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRREST, 0);
        pgrow_int(&r, PGCAT_PG_OPERATOR_OPRJOIN, 0);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* ---- catalogs without ShaleDB objects: present, empty -------------------------------- */

#define PGCAT_EMPTY(lid) \
    int pgcat_rows_##lid(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err) \
    { \
        (void)env; (void)arena; (void)emit; (void)arg; (void)err; \
        return 0; \
    }

PGCAT_EMPTY(pg_inherits)
PGCAT_EMPTY(pg_trigger)
PGCAT_EMPTY(pg_policy)
/* pg_rewrite: pgcat_dump.c (views' "_RETURN" rules, for pg_dump) */
PGCAT_EMPTY(pg_statistic_ext)
PGCAT_EMPTY(pg_publication)
PGCAT_EMPTY(pg_publication_rel)
PGCAT_EMPTY(pg_foreign_table)
PGCAT_EMPTY(pg_partitioned_table)
PGCAT_EMPTY(pg_locks)
PGCAT_EMPTY(pg_matviews)
PGCAT_EMPTY(pg_enum)
PGCAT_EMPTY(pg_range)
PGCAT_EMPTY(pg_cast)
PGCAT_EMPTY(pg_opclass)
PGCAT_EMPTY(pg_event_trigger)
PGCAT_EMPTY(pg_foreign_server)
PGCAT_EMPTY(pg_foreign_data_wrapper)
PGCAT_EMPTY(pg_timezone_names)
PGCAT_EMPTY(pg_init_privs)
PGCAT_EMPTY(pg_seclabel)
PGCAT_EMPTY(pg_aggregate)
PGCAT_EMPTY(is_routines)
PGCAT_EMPTY(pg_publication_namespace)
PGCAT_EMPTY(pg_statistic)
PGCAT_EMPTY(pg_conversion)
PGCAT_EMPTY(pg_default_acl)
/* pg_db_role_setting: pgcat_misc.c (ALTER DATABASE / ROLE SET) */
PGCAT_EMPTY(pg_user_mappings)
