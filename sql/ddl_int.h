/* ddl_int.h -- shared pieces of the DDL implementation: ddl.c (CREATE/DROP of tables,
 * indexes, schemas, sequences; TRUNCATE) and ddl_alter.c (ALTER TABLE, CREATE VIEW). */
#ifndef SHALE_SQL_DDL_INT_H
#define SHALE_SQL_DDL_INT_H

#include "sql/session_int.h"

typedef struct DdlCtx {
    SqlSession *s;
    Catalog *cat;
    CatTxn *ctxn;
    CatSnapshot *snap;
    ShaleArena arena;
    const char *text;
    size_t text_len;
} DdlCtx;

typedef enum SerialKind { SERIAL_NONE, SERIAL_2, SERIAL_4, SERIAL_8 } SerialKind;

/* Constraint/index arrays grown in the arena. */
typedef struct ConsBuild {
    CatIndex idx[32];
    int n_idx;
    CatConstraint con[64];
    int n_con;
    char *names[96];
    int n_names;
} ConsBuild;

int ddl_refresh_snap(DdlCtx *d, SqlError *err);
/* ddl_grant.c: GRANT/REVOKE; ALTER SCHEMA ... OWNER TO / RENAME TO. */
SqlStatus ddl_grant(DdlCtx *d, const AstGrantStmt *g, const SqlSink *sink, SqlError *err);
SqlStatus ddl_alter_schema(DdlCtx *d, const AstAlterTableStmt *at, const SqlSink *sink, SqlError *err);
/* ddl_role.c: CREATE/ALTER/DROP ROLE; GRANT/REVOKE role TO/FROM role; the SCRAM-SHA-256
 * verifier of a password into out (0, or -1 when cap is too small / no randomness). */
SqlStatus ddl_role(DdlCtx *d, const AstRoleStmt *rs, const SqlSink *sink, SqlError *err);
SqlStatus ddl_grant_role(DdlCtx *d, const AstGrantStmt *g, const SqlSink *sink, SqlError *err);
int ddl_role_scram_verifier(const char *password, char *out, size_t cap);
/* Privilege hooks of DDL (no-ops for superusers): CREATE on schema nsp (42501 "permission
 * denied for schema s" at location); ownership of rel (42501 "must be owner of ..."). */
int ddl_acl_create_in(DdlCtx *d, Oid nsp, int location, SqlError *err);
int ddl_acl_owner(DdlCtx *d, const CatRelation *rel, SqlError *err);
const CatRelation *ddl_lookup_relation(DdlCtx *d, const AstRangeVar *rv);
int ddl_set_pos(DdlCtx *d, SqlError *err, int location);
char *ddl_strdup(DdlCtx *d, const char *str);
/* ddl_setconfig.c: applies SET / RESET vs to a database's or role's "name=value" list
 * (*n, *list); the new list lives in d->arena. 42704 / 22023 as SET would give them. */
int ddl_setconfig_update(DdlCtx *d, const AstVariableSetStmt *vs, Oid db, int *n, char ***list, SqlError *err);
/* The database of a role-list entry ("@oid:name=value", ALTER ROLE IN DATABASE; 0 = none)
 * and the length of that prefix. */
size_t ddl_setconfig_scope(const char *entry, Oid *db);
char *ddl_strndup(DdlCtx *d, const char *str, size_t n);
int ddl_find_col(const CatColumn *cols, int n, const char *name);
int ddl_add_key_constraint(DdlCtx *d, CatRelation *rel, ConsBuild *cb, const AstConstraint *c,
                              const AstNameList *keys, const char *single_col, SqlError *err);
int ddl_add_check_constraint(DdlCtx *d, CatRelation *rel, ConsBuild *cb, const AstConstraint *c,
                                const char *single_col, SqlError *err);
int ddl_add_fk_constraint(DdlCtx *d, CatRelation *rel, ConsBuild *cb, const AstConstraint *c,
                             const char *single_col, SqlError *err);
int ddl_backfill_index(DdlCtx *d, const CatRelation *old_rel, const CatRelation *new_rel, SqlError *err);
int ddl_resolve_type(DdlCtx *d, const AstTypeName *tn, Oid *type, int32_t *typmod, SerialKind *serial,
                        SqlError *err);
char *ddl_choose_name(DdlCtx *d, Oid nsp, const char *base, const char *col, const char *suffix,
                         char **taken, int n_taken);
const char *ddl_span_text(DdlCtx *d, AstSpan sp);
bool ddl_name_taken(DdlCtx *d, Oid nsp, const char *name);
int ddl_creation_namespace(DdlCtx *d, const AstRangeVar *rv, Oid *nsp, SqlError *err);
void ddl_notice_skip(const SqlSink *sink, const char *what, const char *name);
int ddl_drop_relation(DdlCtx *d, const CatRelation *rel, bool cascade, const SqlSink *sink, SqlError *err);
/* DROP statements (ddl_drop.c). */
SqlStatus ddl_exec_drop(DdlCtx *d, const AstDropStmt *ds, const SqlSink *sink, SqlError *err);

/* ddl_index.c: one CREATE INDEX element (a column: *att = its attnum; an expression:
 * *att = 0 and *expr its validated SQL text, in d's arena) and the name part it gives
 * the index's default name; the WHERE predicate's validated text (*out NULL if none). */
int ddl_index_elem(DdlCtx *d, const CatRelation *rel, const AstIndexElem *el, int16_t *att, char **expr,
                   const char **colname, SqlError *err);
int ddl_index_predicate(DdlCtx *d, const CatRelation *rel, const AstIndexStmt *is, char **out, SqlError *err);
/* ddl_index.c: records CREATE VIEW's check option (clause or WITH (check_option = ...)) in
 * the new view's descriptor (see VIEW_CHECK_OPTION_* in sql/query_index.h). */
int ddl_view_check_option(DdlCtx *d, const AstViewStmt *vs, CatRelation *rel, SqlError *err);

/* ddl_alter.c */
SqlStatus ddl_alter_table(DdlCtx *d, const AstAlterTableStmt *at, const SqlSink *sink, SqlError *err);
SqlStatus ddl_create_view(DdlCtx *d, const AstViewStmt *vs, const SqlSink *sink, SqlError *err);
int ddl_apply_seq_options(DdlCtx *d, CatSequenceDef *sq, const AstList *opts, bool creating, SqlError *err);
SqlStatus ddl_alter_sequence(DdlCtx *d, const AstSequenceStmt *ss, const SqlSink *sink, SqlError *err);
SqlStatus ddl_comment(DdlCtx *d, const AstCommentStmt *cs, const SqlSink *sink, SqlError *err);
SqlStatus ddl_create_table_as(DdlCtx *d, const AstCreateTableAsStmt *cs, const SqlSink *sink, SqlError *err);
const CatRelation *ddl_lookup_index(DdlCtx *d, const AstRangeVar *rv, const CatIndex **idx);

/* ddl_alter_type.c: ALTER COLUMN col TYPE (rewrites the table in the session's txn). */
int ddl_alter_column_type(DdlCtx *d, const CatRelation *rel, const CatColumn *col, const AstAlterCmd *cmd,
                          SqlError *err);

#endif
