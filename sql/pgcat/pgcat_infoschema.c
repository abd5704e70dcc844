/* pgcat_infoschema.c -- information_schema (SQL standard views, as PostgreSQL 15 defines
 * them): schemata, tables, columns, table_constraints, key_column_usage,
 * referential_constraints, constraint_column_usage, check_constraints, views, sequences
 * (routines is empty: no user-defined functions exist). ShaleDB has no privileges yet, so
 * every object is listed (PostgreSQL lists only those the user has some privilege on). */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/pgcat/pgcat_int.h"

#define ROW_INIT(tab) \
    PgRow r; \
    pgrow_init(&r, PGCAT_TAB_##tab, env, arena, emit, arg, err)

int pgcat_rows_is_schemata(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(IS_SCHEMATA);
    int n = catsnap_n_namespaces(env->cat);
    for (int i = 0; i < n; i++) {
        const CatNamespace *ns = catsnap_namespace(env->cat, i);
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_IS_SCHEMATA_CATALOG_NAME, env->database);
        pgrow_str(&r, PGCAT_IS_SCHEMATA_SCHEMA_NAME, ns->name);
        pgrow_str(&r, PGCAT_IS_SCHEMATA_SCHEMA_OWNER, pgcat_role_name(env, ns->owner));
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

static int tables_row(PgRow *r, const char *schema, const char *name, bool view)
{
    pgrow_clear(r);
    pgrow_str(r, PGCAT_IS_TABLES_TABLE_CATALOG, r->env->database);
    pgrow_str(r, PGCAT_IS_TABLES_TABLE_SCHEMA, schema);
    pgrow_str(r, PGCAT_IS_TABLES_TABLE_NAME, name);
    pgrow_str(r, PGCAT_IS_TABLES_TABLE_TYPE, view ? "VIEW" : "BASE TABLE");
    pgrow_yesno(r, PGCAT_IS_TABLES_IS_INSERTABLE_INTO, !view);
    pgrow_yesno(r, PGCAT_IS_TABLES_IS_TYPED, false);
    return pgrow_emit(r);
}

int pgcat_rows_is_tables(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(IS_TABLES);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind == CAT_REL_SEQUENCE)
            continue;
        if (tables_row(&r, pgcat_nsp_name(env, rel->nsp), rel->name, rel->kind == CAT_REL_VIEW) != 0)
            return -1;
    }
    for (int i = 0; i < PGCAT_TAB__COUNT; i++)
        if (tables_row(&r, pgcat_tables[i].schema, pgcat_tables[i].name, pgcat_tables[i].relkind == 'v') != 0)
            return -1;
    return 0;
}

/* ---- columns ---------------------------------------------------------------------------- */

/* data_type as information_schema spells it: "ARRAY" for arrays, else format_type without
 * the modifier ("character varying", "timestamp without time zone", "integer"). */
static void data_type(Oid type, ShaleBuf *b)
{
    if (types_is_array(type))
        shale_buf_append(b, "ARRAY", 5);
    else
        pgcat_format_type_nomod(type, b);
}

static void column_type_facts(PgRow *r, const int *cols, Oid type, int32_t typmod)
{
    /* cols: char_max, char_octet, num_prec, num_radix, num_scale, dt_prec */
    switch (type) {
    case VARCHAROID:
    case BPCHAROID:
    case TEXTOID:
        if (typmod >= 4) {
            pgrow_int(r, cols[0], typmod - 4);
            pgrow_int(r, cols[1], (int64_t)(typmod - 4) * 4);
        } else if (type == BPCHAROID) {
            /* bpchar without typmod keeps NULL like PostgreSQL */
        } else {
            pgrow_int(r, cols[1], 1073741824);
        }
        break;
    case INT2OID: pgrow_int(r, cols[2], 16); pgrow_int(r, cols[3], 2); pgrow_int(r, cols[4], 0); break;
    case INT4OID: pgrow_int(r, cols[2], 32); pgrow_int(r, cols[3], 2); pgrow_int(r, cols[4], 0); break;
    case INT8OID: pgrow_int(r, cols[2], 64); pgrow_int(r, cols[3], 2); pgrow_int(r, cols[4], 0); break;
    case FLOAT4OID: pgrow_int(r, cols[2], 24); pgrow_int(r, cols[3], 2); break;
    case FLOAT8OID: pgrow_int(r, cols[2], 53); pgrow_int(r, cols[3], 2); break;
    case NUMERICOID:
        pgrow_int(r, cols[3], 10);
        if (typmod >= 4) {
            pgrow_int(r, cols[2], ((typmod - 4) >> 16) & 0xffff);
            pgrow_int(r, cols[4], (typmod - 4) & 0xffff);
        }
        break;
    case DATEOID: pgrow_int(r, cols[5], 0); break;
    case TIMEOID:
    case TIMESTAMPOID:
    case TIMESTAMPTZOID:
        pgrow_int(r, cols[5], typmod >= 0 ? typmod : 6);
        break;
    case INTERVALOID: pgrow_int(r, cols[5], typmod >= 0 && (typmod & 0xffff) != 0xffff ? (typmod & 0xffff) : 6); break;
    default: break;
    }
}

static int columns_row(PgRow *r, const char *schema, const char *table, const char *name, int pos, Oid type,
                       int32_t typmod, bool notnull, bool updatable, const CatColumn *col, const QueryEnv *env)
{
    static const int facts[6] = {PGCAT_IS_COLUMNS_CHARACTER_MAXIMUM_LENGTH, PGCAT_IS_COLUMNS_CHARACTER_OCTET_LENGTH,
                                 PGCAT_IS_COLUMNS_NUMERIC_PRECISION, PGCAT_IS_COLUMNS_NUMERIC_PRECISION_RADIX,
                                 PGCAT_IS_COLUMNS_NUMERIC_SCALE, PGCAT_IS_COLUMNS_DATETIME_PRECISION};
    const TypeInfo *ti = type_info(type);
    ShaleBuf b;
    shale_buf_init(&b);
    pgrow_clear(r);
    pgrow_str(r, PGCAT_IS_COLUMNS_TABLE_CATALOG, env->database);
    pgrow_str(r, PGCAT_IS_COLUMNS_TABLE_SCHEMA, schema);
    pgrow_str(r, PGCAT_IS_COLUMNS_TABLE_NAME, table);
    pgrow_str(r, PGCAT_IS_COLUMNS_COLUMN_NAME, name);
    pgrow_int(r, PGCAT_IS_COLUMNS_ORDINAL_POSITION, pos);
    if (col && col->default_expr && !col->identity && !col->generated) {
        pgcat_default_expr(col, &b);
        pgrow_buf(r, PGCAT_IS_COLUMNS_COLUMN_DEFAULT, &b);
        shale_buf_reset(&b);
    }
    pgrow_yesno(r, PGCAT_IS_COLUMNS_IS_NULLABLE, !notnull);
    data_type(type, &b);
    pgrow_buf(r, PGCAT_IS_COLUMNS_DATA_TYPE, &b);
    shale_buf_free(&b);
    column_type_facts(r, facts, type, typmod);
    if (col && col->collation && pgcat_type_collation(type)) {
        pgrow_str(r, PGCAT_IS_COLUMNS_COLLATION_CATALOG, env->database);
        pgrow_str(r, PGCAT_IS_COLUMNS_COLLATION_SCHEMA, "pg_catalog");
        pgrow_str(r, PGCAT_IS_COLUMNS_COLLATION_NAME, col->collation == 950 ? "C" : "default");
    }
    pgrow_str(r, PGCAT_IS_COLUMNS_UDT_CATALOG, env->database);
    pgrow_str(r, PGCAT_IS_COLUMNS_UDT_SCHEMA, "pg_catalog");
    pgrow_str(r, PGCAT_IS_COLUMNS_UDT_NAME, ti ? ti->name : NULL);
    pgrow_strf(r, PGCAT_IS_COLUMNS_DTD_IDENTIFIER, "%d", pos);
    pgrow_yesno(r, PGCAT_IS_COLUMNS_IS_SELF_REFERENCING, false);
    bool ident = col && col->identity;
    pgrow_yesno(r, PGCAT_IS_COLUMNS_IS_IDENTITY, ident);
    if (ident) {
        pgrow_str(r, PGCAT_IS_COLUMNS_IDENTITY_GENERATION, col->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
        const CatRelation *seq = col->identity_seq ? catsnap_relation_by_oid(env->cat, col->identity_seq) : NULL;
        if (seq) {
            pgrow_strf(r, PGCAT_IS_COLUMNS_IDENTITY_START, "%lld", (long long)seq->seq.start);
            pgrow_strf(r, PGCAT_IS_COLUMNS_IDENTITY_INCREMENT, "%lld", (long long)seq->seq.increment);
            pgrow_strf(r, PGCAT_IS_COLUMNS_IDENTITY_MAXIMUM, "%lld", (long long)seq->seq.max);
            pgrow_strf(r, PGCAT_IS_COLUMNS_IDENTITY_MINIMUM, "%lld", (long long)seq->seq.min);
            pgrow_yesno(r, PGCAT_IS_COLUMNS_IDENTITY_CYCLE, seq->seq.cycle);
        }
    } else {
        pgrow_yesno(r, PGCAT_IS_COLUMNS_IDENTITY_CYCLE, false);
    }
    bool gen = col && col->generated;
    pgrow_str(r, PGCAT_IS_COLUMNS_IS_GENERATED, gen ? "ALWAYS" : "NEVER");
    if (gen)
        pgrow_str(r, PGCAT_IS_COLUMNS_GENERATION_EXPRESSION, col->default_expr);
    pgrow_yesno(r, PGCAT_IS_COLUMNS_IS_UPDATABLE, updatable);
    return pgrow_emit(r);
}

int pgcat_rows_is_columns(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(IS_COLUMNS);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind == CAT_REL_SEQUENCE)
            continue;
        const char *schema = pgcat_nsp_name(env, rel->nsp);
        for (int c = 0; c < rel->ncols; c++) {
            const CatColumn *col = &rel->cols[c];
            if (col->dropped)
                continue;
            if (columns_row(&r, schema, rel->name, col->name, c + 1, col->type, col->typmod, col->not_null,
                            rel->kind == CAT_REL_TABLE, col, env) != 0)
                return -1;
        }
    }
    for (int i = 0; i < PGCAT_TAB__COUNT; i++) {
        const PgCatTable *t = &pgcat_tables[i];
        for (int c = 0; c < t->ncols; c++)
            if (columns_row(&r, t->schema, t->name, t->cols[c].name, c + 1, t->cols[c].type, t->cols[c].typmod,
                            false, false, NULL, env) != 0)
                return -1;
    }
    return 0;
}

/* ---- constraints ---------------------------------------------------------------------- */

static const char *contype_name(char t)
{
    switch (t) {
    case CAT_CON_PRIMARY: return "PRIMARY KEY";
    case CAT_CON_UNIQUE: return "UNIQUE";
    case CAT_CON_FOREIGN: return "FOREIGN KEY";
    default: return "CHECK";
    }
}

int pgcat_rows_is_table_constraints(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                    SqlError *err)
{
    ROW_INIT(IS_TABLE_CONSTRAINTS);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_TABLE)
            continue;
        const char *schema = pgcat_nsp_name(env, rel->nsp);
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type == CAT_CON_NOT_NULL)
                continue;
            pgrow_clear(&r);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_CATALOG, env->database);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_SCHEMA, schema);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_NAME, con->name);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_TABLE_CATALOG, env->database);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_TABLE_SCHEMA, schema);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_TABLE_NAME, rel->name);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_TYPE, contype_name(con->type));
            pgrow_yesno(&r, PGCAT_IS_TABLE_CONSTRAINTS_IS_DEFERRABLE, con->deferrable);
            pgrow_yesno(&r, PGCAT_IS_TABLE_CONSTRAINTS_INITIALLY_DEFERRED, con->deferred);
            pgrow_yesno(&r, PGCAT_IS_TABLE_CONSTRAINTS_ENFORCED, true);
            if (con->type == CAT_CON_UNIQUE) {
                const CatIndex *idx = pgcat_con_index(rel, con);
                pgrow_yesno(&r, PGCAT_IS_TABLE_CONSTRAINTS_NULLS_DISTINCT, !(idx && idx->nulls_not_distinct));
            }
            if (pgrow_emit(&r) != 0)
                return -1;
        }
        /* PostgreSQL 15 also lists NOT NULL columns as CHECK constraints named
         * <nsp oid>_<rel oid>_<attnum>_not_null. */
        for (int c = 0; c < rel->ncols; c++) {
            if (rel->cols[c].dropped || !rel->cols[c].not_null)
                continue;
            pgrow_clear(&r);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_CATALOG, env->database);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_SCHEMA, schema);
            pgrow_strf(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_NAME, "%u_%u_%d_not_null", rel->nsp, rel->oid, c + 1);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_TABLE_CATALOG, env->database);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_TABLE_SCHEMA, schema);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_TABLE_NAME, rel->name);
            pgrow_str(&r, PGCAT_IS_TABLE_CONSTRAINTS_CONSTRAINT_TYPE, "CHECK");
            pgrow_yesno(&r, PGCAT_IS_TABLE_CONSTRAINTS_IS_DEFERRABLE, false);
            pgrow_yesno(&r, PGCAT_IS_TABLE_CONSTRAINTS_INITIALLY_DEFERRED, false);
            pgrow_yesno(&r, PGCAT_IS_TABLE_CONSTRAINTS_ENFORCED, true);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

int pgcat_rows_is_check_constraints(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                    SqlError *err)
{
    ROW_INIT(IS_CHECK_CONSTRAINTS);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        const char *schema = pgcat_nsp_name(env, rel->nsp);
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type != CAT_CON_CHECK)
                continue;
            pgrow_clear(&r);
            pgrow_str(&r, PGCAT_IS_CHECK_CONSTRAINTS_CONSTRAINT_CATALOG, env->database);
            pgrow_str(&r, PGCAT_IS_CHECK_CONSTRAINTS_CONSTRAINT_SCHEMA, schema);
            pgrow_str(&r, PGCAT_IS_CHECK_CONSTRAINTS_CONSTRAINT_NAME, con->name);
            /* PostgreSQL: pg_get_constraintdef minus "CHECK ", so "((qty > 0))". */
            ShaleBuf b;
            shale_buf_init(&b);
            shale_buf_append(&b, "(", 1);
            pgcat_expr(con->check_expr ? con->check_expr : "true", &b);
            shale_buf_append(&b, ")", 1);
            pgrow_buf(&r, PGCAT_IS_CHECK_CONSTRAINTS_CHECK_CLAUSE, &b);
            shale_buf_free(&b);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
        for (int c = 0; c < rel->ncols; c++) {
            if (rel->kind != CAT_REL_TABLE || rel->cols[c].dropped || !rel->cols[c].not_null)
                continue;
            pgrow_clear(&r);
            pgrow_str(&r, PGCAT_IS_CHECK_CONSTRAINTS_CONSTRAINT_CATALOG, env->database);
            pgrow_str(&r, PGCAT_IS_CHECK_CONSTRAINTS_CONSTRAINT_SCHEMA, schema);
            pgrow_strf(&r, PGCAT_IS_CHECK_CONSTRAINTS_CONSTRAINT_NAME, "%u_%u_%d_not_null", rel->nsp, rel->oid, c + 1);
            ShaleBuf b;
            shale_buf_init(&b);
            sql_deparse_ident(rel->cols[c].name, &b);
            shale_buf_append(&b, " IS NOT NULL", 12);
            pgrow_buf(&r, PGCAT_IS_CHECK_CONSTRAINTS_CHECK_CLAUSE, &b);
            shale_buf_free(&b);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

int pgcat_rows_is_key_column_usage(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                   SqlError *err)
{
    ROW_INIT(IS_KEY_COLUMN_USAGE);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        const char *schema = pgcat_nsp_name(env, rel->nsp);
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type != CAT_CON_PRIMARY && con->type != CAT_CON_UNIQUE && con->type != CAT_CON_FOREIGN)
                continue;
            /* For foreign keys: the referenced unique constraint's column order. */
            const CatConstraint *ucon = NULL;
            const CatRelation *ref = NULL;
            if (con->type == CAT_CON_FOREIGN && (ref = catsnap_relation_by_oid(env->cat, con->ref_rel)) != NULL)
                ucon = pgcat_index_con(ref, con->index_oid);
            for (int k = 0; k < con->ncols; k++) {
                int a = con->attnums[k];
                if (a < 1 || a > rel->ncols)
                    continue;
                pgrow_clear(&r);
                pgrow_str(&r, PGCAT_IS_KEY_COLUMN_USAGE_CONSTRAINT_CATALOG, env->database);
                pgrow_str(&r, PGCAT_IS_KEY_COLUMN_USAGE_CONSTRAINT_SCHEMA, schema);
                pgrow_str(&r, PGCAT_IS_KEY_COLUMN_USAGE_CONSTRAINT_NAME, con->name);
                pgrow_str(&r, PGCAT_IS_KEY_COLUMN_USAGE_TABLE_CATALOG, env->database);
                pgrow_str(&r, PGCAT_IS_KEY_COLUMN_USAGE_TABLE_SCHEMA, schema);
                pgrow_str(&r, PGCAT_IS_KEY_COLUMN_USAGE_TABLE_NAME, rel->name);
                pgrow_str(&r, PGCAT_IS_KEY_COLUMN_USAGE_COLUMN_NAME, rel->cols[a - 1].name);
                pgrow_int(&r, PGCAT_IS_KEY_COLUMN_USAGE_ORDINAL_POSITION, k + 1);
                if (ucon) {
                    for (int u = 0; u < ucon->ncols; u++)
                        if (ucon->attnums[u] == con->ref_attnums[k])
                            pgrow_int(&r, PGCAT_IS_KEY_COLUMN_USAGE_POSITION_IN_UNIQUE_CONSTRAINT, u + 1);
                }
                if (pgrow_emit(&r) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

static const char *rule_name(char a)
{
    switch (a) {
    case 'r': return "RESTRICT";
    case 'c': return "CASCADE";
    case 'n': return "SET NULL";
    case 'd': return "SET DEFAULT";
    default: return "NO ACTION";
    }
}

int pgcat_rows_is_referential_constraints(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                          SqlError *err)
{
    ROW_INIT(IS_REFERENTIAL_CONSTRAINTS);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type != CAT_CON_FOREIGN)
                continue;
            pgrow_clear(&r);
            pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_CONSTRAINT_CATALOG, env->database);
            pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_CONSTRAINT_SCHEMA, pgcat_nsp_name(env, rel->nsp));
            pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_CONSTRAINT_NAME, con->name);
            const CatRelation *ref = catsnap_relation_by_oid(env->cat, con->ref_rel);
            const CatConstraint *ucon = ref ? pgcat_index_con(ref, con->index_oid) : NULL;
            if (ucon) {
                pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_UNIQUE_CONSTRAINT_CATALOG, env->database);
                pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_UNIQUE_CONSTRAINT_SCHEMA, pgcat_nsp_name(env, ref->nsp));
                pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_UNIQUE_CONSTRAINT_NAME, ucon->name);
            }
            pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_MATCH_OPTION, con->match_type == 'f' ? "FULL" : "NONE");
            pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_UPDATE_RULE, rule_name(con->on_update));
            pgrow_str(&r, PGCAT_IS_REFERENTIAL_CONSTRAINTS_DELETE_RULE, rule_name(con->on_delete));
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

static int ccu_row(PgRow *r, const CatRelation *tab, int attnum, const CatRelation *owner, const CatConstraint *con)
{
    if (attnum < 1 || attnum > tab->ncols)
        return 0;
    const QueryEnv *env = r->env;
    pgrow_clear(r);
    pgrow_str(r, PGCAT_IS_CONSTRAINT_COLUMN_USAGE_TABLE_CATALOG, env->database);
    pgrow_str(r, PGCAT_IS_CONSTRAINT_COLUMN_USAGE_TABLE_SCHEMA, pgcat_nsp_name(env, tab->nsp));
    pgrow_str(r, PGCAT_IS_CONSTRAINT_COLUMN_USAGE_TABLE_NAME, tab->name);
    pgrow_str(r, PGCAT_IS_CONSTRAINT_COLUMN_USAGE_COLUMN_NAME, tab->cols[attnum - 1].name);
    pgrow_str(r, PGCAT_IS_CONSTRAINT_COLUMN_USAGE_CONSTRAINT_CATALOG, env->database);
    pgrow_str(r, PGCAT_IS_CONSTRAINT_COLUMN_USAGE_CONSTRAINT_SCHEMA, pgcat_nsp_name(env, owner->nsp));
    pgrow_str(r, PGCAT_IS_CONSTRAINT_COLUMN_USAGE_CONSTRAINT_NAME, con->name);
    return pgrow_emit(r);
}

/* Columns each constraint uses: its own for PRIMARY KEY/UNIQUE/CHECK, the referenced ones
 * for FOREIGN KEY (PostgreSQL's definition). */
int pgcat_rows_is_constraint_column_usage(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                          SqlError *err)
{
    ROW_INIT(IS_CONSTRAINT_COLUMN_USAGE);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type == CAT_CON_FOREIGN) {
                const CatRelation *ref = catsnap_relation_by_oid(env->cat, con->ref_rel);
                for (int k = 0; ref && k < con->ncols; k++)
                    if (ccu_row(&r, ref, con->ref_attnums[k], rel, con) != 0)
                        return -1;
            } else if (con->type == CAT_CON_CHECK) {
                int16_t a[64];
                int na = con->check_expr ? pgcat_expr_columns(rel, con->check_expr, a, 64) : 0;
                for (int k = 0; k < na; k++)
                    if (ccu_row(&r, rel, a[k], rel, con) != 0)
                        return -1;
            } else if (con->type != CAT_CON_NOT_NULL) {
                for (int k = 0; k < con->ncols; k++)
                    if (ccu_row(&r, rel, con->attnums[k], rel, con) != 0)
                        return -1;
            }
        }
    }
    return 0;
}

int pgcat_rows_is_views(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(IS_VIEWS);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_VIEW)
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_IS_VIEWS_TABLE_CATALOG, env->database);
        pgrow_str(&r, PGCAT_IS_VIEWS_TABLE_SCHEMA, pgcat_nsp_name(env, rel->nsp));
        pgrow_str(&r, PGCAT_IS_VIEWS_TABLE_NAME, rel->name);
        pgrow_str(&r, PGCAT_IS_VIEWS_VIEW_DEFINITION, rel->view_query);
        pgrow_str(&r, PGCAT_IS_VIEWS_CHECK_OPTION, "NONE");
        pgrow_yesno(&r, PGCAT_IS_VIEWS_IS_UPDATABLE, false);
        pgrow_yesno(&r, PGCAT_IS_VIEWS_IS_INSERTABLE_INTO, false);
        pgrow_yesno(&r, PGCAT_IS_VIEWS_IS_TRIGGER_UPDATABLE, false);
        pgrow_yesno(&r, PGCAT_IS_VIEWS_IS_TRIGGER_DELETABLE, false);
        pgrow_yesno(&r, PGCAT_IS_VIEWS_IS_TRIGGER_INSERTABLE_INTO, false);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_is_sequences(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(IS_SEQUENCES);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_SEQUENCE)
            continue;
        /* Identity sequences are internal to their column: PostgreSQL does not list them. */
        const CatRelation *owner = rel->seq.owned_by_rel ? catsnap_relation_by_oid(env->cat, rel->seq.owned_by_rel) : NULL;
        int oc = rel->seq.owned_by_col;
        if (owner && oc >= 1 && oc <= owner->ncols && owner->cols[oc - 1].identity)
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_IS_SEQUENCES_SEQUENCE_CATALOG, env->database);
        pgrow_str(&r, PGCAT_IS_SEQUENCES_SEQUENCE_SCHEMA, pgcat_nsp_name(env, rel->nsp));
        pgrow_str(&r, PGCAT_IS_SEQUENCES_SEQUENCE_NAME, rel->name);
        ShaleBuf b;
        shale_buf_init(&b);
        types_format_type(rel->seq.type, -1, &b);
        pgrow_buf(&r, PGCAT_IS_SEQUENCES_DATA_TYPE, &b);
        shale_buf_free(&b);
        pgrow_int(&r, PGCAT_IS_SEQUENCES_NUMERIC_PRECISION,
                  rel->seq.type == INT2OID ? 16 : rel->seq.type == INT4OID ? 32 : 64);
        pgrow_int(&r, PGCAT_IS_SEQUENCES_NUMERIC_PRECISION_RADIX, 2);
        pgrow_int(&r, PGCAT_IS_SEQUENCES_NUMERIC_SCALE, 0);
        pgrow_strf(&r, PGCAT_IS_SEQUENCES_START_VALUE, "%lld", (long long)rel->seq.start);
        pgrow_strf(&r, PGCAT_IS_SEQUENCES_MINIMUM_VALUE, "%lld", (long long)rel->seq.min);
        pgrow_strf(&r, PGCAT_IS_SEQUENCES_MAXIMUM_VALUE, "%lld", (long long)rel->seq.max);
        pgrow_strf(&r, PGCAT_IS_SEQUENCES_INCREMENT, "%lld", (long long)rel->seq.increment);
        pgrow_yesno(&r, PGCAT_IS_SEQUENCES_CYCLE_OPTION, rel->seq.cycle);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}
