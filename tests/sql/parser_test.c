/* parser_test.c -- tests of the PostgreSQL-dialect parser: round trips (parse, print,
 * re-parse, print again: the two prints must be equal, and selected statements must print
 * exactly as expected), PostgreSQL 15's error messages and positions, statement spans and
 * splitting, the sqllogictest corpus in ../shared/slt (read at run time), and speed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "sql/parser/parser.h"
#include "tests/harness/test.h"

/* Parses sql (one statement), prints it; returns the malloc'd print or NULL (and the
 * error in *err). */
static char *rt_print(const char *sql, SqlError *err)
{
    ShaleArena a;
    shale_arena_init(&a);
    SqlStatementList l;
    char *res = NULL;
    if (sql_parse_statements(sql, strlen(sql), &a, &l, err) == 0 && l.n == 1) {
        ShaleBuf b;
        shale_buf_init(&b);
        sql_deparse(l.items[0].stmt, &b);
        res = malloc(b.len + 1);
        if (res) {
            memcpy(res, b.data, b.len);
            res[b.len] = '\0';
        }
        shale_buf_free(&b);
    } else if (err->code == ERRCODE_SUCCESSFUL_COMPLETION) {
        snprintf(err->message, sizeof err->message, "expected 1 statement, got %d", l.n);
        err->code = ERRCODE_SYNTAX_ERROR;
    }
    shale_arena_destroy(&a);
    return res;
}

static int n_round_trips;

/* Round trip: print(parse(sql)) is a fixed point of print . parse. */
static void check_round_trip(const char *sql, const char *expect)
{
    SqlError err;
    sql_error_clear(&err);
    char *p1 = rt_print(sql, &err);
    CHECK_MSG(p1 != NULL, "parse failed: %s: %s (pos %d)", sql, err.message, err.position);
    if (!p1)
        return;
    char *p2 = rt_print(p1, &err);
    CHECK_MSG(p2 != NULL, "re-parse failed: %s -> %s: %s (pos %d)", sql, p1, err.message, err.position);
    if (p2)
        CHECK_MSG(strcmp(p1, p2) == 0, "not a fixed point:\n    %s\n -> %s\n -> %s", sql, p1, p2);
    if (expect)
        CHECK_MSG(strcmp(p1, expect) == 0, "print of %s:\n    got  %s\n    want %s", sql, p1, expect);
    n_round_trips++;
    free(p1);
    free(p2);
}

static void check_error(const char *sql, const char *msg, int position)
{
    ShaleArena a;
    shale_arena_init(&a);
    SqlStatementList l;
    SqlError err;
    int rc = sql_parse_statements(sql, strlen(sql), &a, &l, &err);
    CHECK_MSG(rc == -1, "expected an error for: %s", sql);
    if (rc == -1) {
        CHECK_MSG(strcmp(err.message, msg) == 0, "%s: message \"%s\", want \"%s\"", sql, err.message, msg);
        CHECK_MSG(err.position == position, "%s: position %d, want %d", sql, err.position, position);
    }
    shale_arena_destroy(&a);
}

#include "tests/sql/parser/cases.inc"

TEST(round_trip_corpus)
{
    for (size_t i = 0; i < sizeof rt_cases / sizeof rt_cases[0]; i++)
        check_round_trip(rt_cases[i], NULL);
    for (size_t i = 0; i < sizeof canon_cases / sizeof canon_cases[0]; i++)
        check_round_trip(canon_cases[i][0], canon_cases[i][1]);
    printf("  %d round trips\n", n_round_trips);
}

/* Every prefix of every corpus statement parses or fails cleanly (ASan checks the rest). */
TEST(truncated_inputs)
{
    ShaleArena a;
    shale_arena_init(&a);
    long n = 0, errors = 0;
    for (size_t i = 0; i < sizeof rt_cases / sizeof rt_cases[0]; i++) {
        size_t len = strlen(rt_cases[i]);
        for (size_t k = 0; k <= len; k++) {
            SqlStatementList l;
            SqlError err;
            if (sql_parse_statements(rt_cases[i], k, &a, &l, &err) != 0) {
                errors++;
                CHECK(err.code != ERRCODE_SUCCESSFUL_COMPLETION && err.message[0]);
                CHECK(err.position >= 0 && err.position <= (int)k + 1);
            }
            n++;
        }
        shale_arena_destroy(&a);
        shale_arena_init(&a);
    }
    printf("  %ld prefixes, %ld rejected\n", n, errors);
    shale_arena_destroy(&a);
}

TEST(error_messages)
{
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++)
        check_error(err_cases[i].sql, err_cases[i].msg, err_cases[i].pos);
    SqlError err;
    ShaleArena a;
    shale_arena_init(&a);
    SqlStatementList l;
    CHECK(sql_parse_statements("SELEC 1", 7, &a, &l, &err) == -1);
    CHECK_STR(sql_errcode_state(err.code), "42601");
    shale_arena_destroy(&a);
}

static AstNode *parse1(ShaleArena *a, const char *sql)
{
    SqlStatementList l;
    SqlError err;
    if (sql_parse_statements(sql, strlen(sql), a, &l, &err) != 0 || l.n != 1) {
        printf("  parse failed: %s: %s\n", sql, err.message);
        return NULL;
    }
    return l.items[0].stmt;
}

TEST(statement_spans)
{
    ShaleArena a;
    shale_arena_init(&a);
    const char *q = " ; SELECT 1;;  INSERT INTO t VALUES (';') ; -- c\n /* x; */ SELECT $$;$$ ;";
    SqlStatementList l;
    SqlError err;
    REQUIRE(sql_parse_statements(q, strlen(q), &a, &l, &err) == 0);
    REQUIRE(l.n == 3);
    CHECK_MEM(q + l.items[0].start, l.items[0].end - l.items[0].start, "SELECT 1", 8);
    CHECK_MEM(q + l.items[1].start, l.items[1].end - l.items[1].start, "INSERT INTO t VALUES (';')", 26);
    CHECK_MEM(q + l.items[2].start, l.items[2].end - l.items[2].start, "SELECT $$;$$", 12);
    AstSpan *sp;
    int n;
    REQUIRE(sql_split_statements(q, strlen(q), &a, &sp, &n, &err) == 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(sp[1].start, l.items[1].start);
    CHECK_EQ_INT(sp[2].end, l.items[2].end);
    REQUIRE(sql_parse_statements("  ;; -- only\n", 13, &a, &l, &err) == 0);
    CHECK_EQ_INT(l.n, 0);
    /* an error in a later statement fails the batch, positions count from the message start */
    CHECK(sql_parse_statements("SELECT 1; SELEC 2", 17, &a, &l, &err) == -1);
    CHECK_STR(err.message, "syntax error at or near \"SELEC\"");
    CHECK_EQ_INT(err.position, 11);
    /* positions count characters, not bytes */
    CHECK(sql_parse_statements("SELECT 'é', é é é", strlen("SELECT 'é', é é é"), &a, &l, &err) == -1);
    CHECK_EQ_INT(err.position, 17);
    SqlRawStmt one;
    CHECK(sql_parse_one("SELECT 1; SELECT 2", 18, &a, &one, &err) == -1);
    CHECK(sql_parse_one("SELECT 1;", 9, &a, &one, &err) == 0);
    CHECK(one.stmt && one.stmt->tag == AST_SELECT);
    shale_arena_destroy(&a);
}

TEST(ast_shapes)
{
    ShaleArena a;
    shale_arena_init(&a);
    AstSelectStmt *s = (AstSelectStmt *)parse1(&a, "select \"MixedCase\", Folded, t.* from S.T as x where a<-1");
    REQUIRE(s && s->hdr.tag == AST_SELECT);
    REQUIRE(s->targets.n == 3);
    AstColumnRef *c = (AstColumnRef *)((AstResTarget *)s->targets.items[0])->val;
    CHECK_STR(c->fields.names[0], "MixedCase");
    c = (AstColumnRef *)((AstResTarget *)s->targets.items[1])->val;
    CHECK_STR(c->fields.names[0], "folded");
    CHECK_EQ_INT(c->hdr.location, 20);
    c = (AstColumnRef *)((AstResTarget *)s->targets.items[2])->val;
    CHECK(c->star && c->fields.n == 2);
    AstRangeVar *rv = (AstRangeVar *)s->from.items[0];
    CHECK_STR(rv->schema, "s");
    CHECK_STR(rv->relname, "t");
    CHECK_STR(rv->alias->name, "x");
    AstOpExpr *o = (AstOpExpr *)s->where;
    REQUIRE(o->hdr.tag == AST_OP);
    CHECK_STR(o->name, "<");   /* a<-1 lexes as a < -1 */
    CHECK(o->rexpr->tag == AST_CONST && ((AstConst *)o->rexpr)->ival == -1);

    AstCreateTableStmt *ct = (AstCreateTableStmt *)parse1(&a,
        "CREATE TABLE docs (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text DEFAULT 'x' || 'y', "
        "price numeric(10,2), tags varchar(20)[], ts timestamp with time zone, d double precision, "
        "v vector(3) EMBEDDING OF (body || ' ' || id) USING minilm)");
    REQUIRE(ct && ct->hdr.tag == AST_CREATE_TABLE && ct->elements.n == 7);
    AstColumnDef *cd = (AstColumnDef *)ct->elements.items[0];
    CHECK_STR(cd->type->names.names[0], "int4");
    CHECK(cd->type->builtin);
    CHECK_EQ_INT(cd->constraints.n, 2);
    cd = (AstColumnDef *)ct->elements.items[1];
    AstConstraint *def = (AstConstraint *)cd->constraints.items[0];
    CHECK_EQ_INT(def->type, AST_CONSTR_DEFAULT);
    const char *q2 = "CREATE TABLE docs (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text DEFAULT 'x' || 'y', ";
    (void)q2;
    CHECK_EQ_INT(def->expr_span.end - def->expr_span.start, (int)strlen("'x' || 'y'"));
    cd = (AstColumnDef *)ct->elements.items[2];
    CHECK_STR(cd->type->names.names[0], "numeric");
    CHECK_EQ_INT(cd->type->typmods.n, 2);
    cd = (AstColumnDef *)ct->elements.items[3];
    CHECK_STR(cd->type->names.names[0], "varchar");
    CHECK_EQ_INT(cd->type->n_array_bounds, 1);
    CHECK_STR(((AstColumnDef *)ct->elements.items[4])->type->names.names[0], "timestamptz");
    CHECK_STR(((AstColumnDef *)ct->elements.items[5])->type->names.names[0], "float8");
    cd = (AstColumnDef *)ct->elements.items[6];
    CHECK_STR(cd->type->names.names[0], "vector");
    CHECK(!cd->type->builtin);
    REQUIRE(cd->embedding != NULL);
    CHECK_STR(cd->embedding->embedder, "minilm");

    const char *vq = "create or replace view v (a) as  select 1 + 2 as x ;";
    AstViewStmt *v = (AstViewStmt *)parse1(&a, vq);
    REQUIRE(v && v->hdr.tag == AST_CREATE_VIEW);
    CHECK_MEM(vq + v->query_span.start, v->query_span.end - v->query_span.start, "select 1 + 2 as x", 17);
    CHECK(v->replace);

    AstSelectStmt *u = (AstSelectStmt *)parse1(&a, "select 1 union select 2 intersect select 3 order by 1 limit 2");
    REQUIRE(u && u->op == AST_SETOP_UNION);
    CHECK(u->rarg->op == AST_SETOP_INTERSECT);
    CHECK(u->sort.n == 1 && u->limit_count != NULL);

    AstNode *n = parse1(&a, "select name, type, value, key, text, date from t");
    CHECK(n != NULL);
    shale_arena_destroy(&a);
}

/* --- sqllogictest corpus ------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
        free(d);
        d = NULL;
    }
    fclose(f);
    if (d) {
        d[n] = '\0';
        *len = (size_t)n;
    }
    return d;
}

static bool slt_known_failure(const char *known, const char *file, int line)
{
    char key[256];
    snprintf(key, sizeof key, "%s:%d ", file, line);
    const char *p = known;
    size_t kl = strlen(key);
    while (p && (p = strstr(p, key)) != NULL) {
        if (p == known || p[-1] == '\n')
            return true;
        p += kl;
    }
    return false;
}

static int slt_parsed, slt_failed;

static void slt_run_file(const char *dir, const char *name, const char *known)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    char *data = slurp(path, &len);
    if (!data)
        return;
    int lineno = 0;
    /* records: lines until a blank line; the directive line says what it is */
    char *p = data;
    int rec_line = 0;
    bool skip = false, in_rec = false, is_sql = false, expect_error = false;
    char sql[65536];
    size_t sl = 0;
    bool collecting = false;
    for (;;) {
        char *nl = strchr(p, '\n');
        size_t ll = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        bool blank = ll == 0 || (ll == 1 && p[0] == '\r');
        if (blank || !*p) {
            if (in_rec && is_sql && !skip && sl > 0) {
                sql[sl] = '\0';
                bool known_fail = slt_known_failure(known, name, rec_line);
                const char *s = sql;
                while (*s == ' ' || *s == '\n')
                    s++;
                bool interesting = strncasecmp(s, "SELECT", 6) == 0 || strncasecmp(s, "INSERT", 6) == 0 ||
                                   strncasecmp(s, "CREATE", 6) == 0;
                if (interesting && !known_fail && !expect_error) {
                    SqlError err;
                    char *pr = rt_print(sql, &err);
                    if (!pr) {
                        slt_failed++;
                        if (slt_failed < 20)
                            printf("  %s:%d: %s: %s\n", name, rec_line, err.message, sql);
                    } else {
                        char *p2 = rt_print(pr, &err);
                        if (!p2 || strcmp(p2, pr) != 0) {
                            slt_failed++;
                            if (slt_failed < 20)
                                printf("  %s:%d: round trip: %s -> %s\n", name, rec_line, sql, pr);
                        }
                        slt_parsed++;
                        free(p2);
                        free(pr);
                    }
                }
            }
            in_rec = is_sql = skip = collecting = expect_error = false;
            sl = 0;
            if (!nl)
                break;
            p = nl + 1;
            continue;
        }
        if (!in_rec) {
            in_rec = true;
            rec_line = lineno;
        }
        if (!collecting) {
            if (ll >= 6 && strncmp(p, "skipif", 6) == 0) {
                if (strstr(p, "postgresql") && strstr(p, "postgresql") < p + ll)
                    skip = true;
            } else if (ll >= 6 && strncmp(p, "onlyif", 6) == 0) {
                if (!(strstr(p, "postgresql") && strstr(p, "postgresql") < p + ll))
                    skip = true;
            } else if (ll >= 4 && strncmp(p, "halt", 4) == 0) {
                if (!skip)
                    break;
            } else if (ll >= 9 && strncmp(p, "statement", 9) == 0) {
                is_sql = collecting = true;
                rec_line = lineno;
                expect_error = strncmp(p, "statement error", 15) == 0;
            } else if (ll >= 5 && strncmp(p, "query", 5) == 0) {
                is_sql = collecting = true;
                rec_line = lineno;
            }
        } else {
            if (ll >= 4 && strncmp(p, "----", 4) == 0) {
                collecting = false;
            } else if (sl + ll + 2 < sizeof sql) {
                if (sl)
                    sql[sl++] = '\n';
                memcpy(sql + sl, p, ll);
                sl += ll;
            }
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    free(data);
}

TEST(slt_corpus)
{
    const char *top = getenv("top_srcdir");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../shared/slt", top ? top : "..");
    char kpath[1100];
    snprintf(kpath, sizeof kpath, "%s/known-failures-pg15.txt", dir);
    size_t klen;
    char *known = slurp(kpath, &klen);
    if (!known) {
        snprintf(dir, sizeof dir, "%s/../../shared/slt", top ? top : "..");
        snprintf(kpath, sizeof kpath, "%s/known-failures-pg15.txt", dir);
        known = slurp(kpath, &klen);
    }
    if (!known)
        TEST_SKIP("sqllogictest corpus (../shared/slt) not found");
    static const char *const files[] = {
        "select1.test", "select2.test", "select3.test", "evidence/in1.test", "evidence/in2.test",
        "evidence/slt_lang_aggfunc.test", "evidence/slt_lang_createtrigger.test",
        "evidence/slt_lang_createview.test", "evidence/slt_lang_dropindex.test",
        "evidence/slt_lang_droptable.test", "evidence/slt_lang_droptrigger.test",
        "evidence/slt_lang_dropview.test", "evidence/slt_lang_reindex.test",
        "evidence/slt_lang_replace.test", "evidence/slt_lang_update.test",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        slt_run_file(dir, files[i], known);
    printf("  slt: %d statements parsed and round-tripped, %d failed\n", slt_parsed, slt_failed);
    CHECK_EQ_INT(slt_failed, 0);
    CHECK(slt_parsed > 1000);
    free(known);
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

TEST(speed)
{
    const char *q1 = "SELECT 1";
    const char *q3 = "SELECT c.name, o.id, sum(l.qty * l.price) AS total FROM customers c "
                     "JOIN orders o ON o.customer_id = c.id LEFT JOIN lines l ON l.order_id = o.id "
                     "WHERE c.region = $1 AND o.created_at >= now() - interval '30 days' "
                     "GROUP BY c.name, o.id HAVING sum(l.qty) > 2 ORDER BY total DESC LIMIT 10";
    const char *qs[2] = { q1, q3 };
#ifdef SHALE_SANITIZERS
    int iters = 2000;
    double limit[2] = { 200, 2000 };
#else
    int iters = 20000;
    double limit[2] = { 20, 200 };
#endif
    for (int k = 0; k < 2; k++) {
        ShaleArena a;
        shale_arena_init(&a);
        SqlStatementList l;
        SqlError err;
        double t0 = now_us();
        for (int i = 0; i < iters; i++) {
            shale_arena_destroy(&a);
            shale_arena_init(&a);
            if (sql_parse_statements(qs[k], strlen(qs[k]), &a, &l, &err) != 0)
                break;
        }
        double per = (now_us() - t0) / iters;
        printf("  %s: %.2f us per parse\n", k == 0 ? "SELECT 1" : "3-table join", per);
        CHECK(per < limit[k]);
        shale_arena_destroy(&a);
    }
}

TEST_MAIN(
    RUN(round_trip_corpus);
    RUN(truncated_inputs);
    RUN(error_messages);
    RUN(statement_spans);
    RUN(ast_shapes);
    RUN(slt_corpus);
    RUN(speed);
)
