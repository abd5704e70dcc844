/* e2e_vector_test.c -- the pgvector-compatible vector type on the real server through libpq:
 * pgvector's README flow (CREATE TABLE ... vector(3), INSERT, ORDER BY <-> LIMIT), every
 * operator/function/aggregate with values checked by hand, typmod errors on INSERT/UPDATE,
 * binary parameters and results (pgvector's send/recv format), COPY, casts, and rollback. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

TEST(readme_flow)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_EXEC(c, "CREATE EXTENSION IF NOT EXISTS vector");   /* accepted: the type is built in */
    CHECK_EXEC(c, "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3))");
    CHECK_EXEC(c, "INSERT INTO items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]')");
    CHECK_QUERY(c, "SELECT id, embedding FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 5", "1|[1,2,3];2|[4,5,6]");
    CHECK_QUERY(c, "SELECT id FROM items ORDER BY embedding <#> '[3,1,2]' LIMIT 5", "2;1");
    CHECK_QUERY(c, "SELECT id FROM items ORDER BY embedding <=> '[3,1,2]' LIMIT 1", "2");
    CHECK_QUERY(c, "SELECT id FROM items ORDER BY embedding <+> '[3,1,2]' LIMIT 1", "1");
    CHECK_QUERY(c, "SELECT embedding <-> '[3,1,2]' AS distance FROM items WHERE id = 1", "2.449489742783178");
    CHECK_QUERY(c, "SELECT (embedding <#> '[3,1,2]') * -1 AS inner_product FROM items ORDER BY id", "11;29");
    CHECK_QUERY(c, "SELECT 1 - (embedding <=> '[1,2,3]') FROM items WHERE id = 1", "1");
    CHECK_QUERY(c, "SELECT * FROM items WHERE embedding <-> '[3,1,2]' < 5", "1|[1,2,3]");
    CHECK_QUERY(c, "SELECT avg(embedding), sum(embedding) FROM items", "[2.5,3.5,4.5]|[5,7,9]");
    CHECK_QUERY(c, "SELECT vector_dims(embedding), round(vector_norm(embedding)::numeric, 6) FROM items WHERE id = 1",
                "3|3.741657");
    CHECK_ERROR(c, "INSERT INTO items (embedding) VALUES ('[1,2]')", "22000", "expected 3 dimensions, not 2");
    CHECK_ERROR(c, "UPDATE items SET embedding = '[1,2,3,4]'", "22000", "expected 3 dimensions, not 4");
    CHECK_EXEC(c, "UPDATE items SET embedding = '[1,2,4]' WHERE id = 1");
    CHECK_QUERY(c, "SELECT embedding FROM items WHERE id = 1", "[1,2,4]");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "INSERT INTO items (embedding) VALUES ('[9,9,9]')");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_QUERY(c, "SELECT count(*) FROM items", "2");
    CHECK_QUERY(c, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'items'::regclass"
                   " AND attname = 'embedding'", "vector(3)");
    CHECK_EXEC(c, "DROP TABLE items");
    PQfinish(c);
}

TEST(operators_and_functions)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_QUERY(c, "SELECT l2_distance('[0,0]', '[3,4]'), inner_product('[1,2]', '[3,4]'),"
                   " cosine_distance('[1,1]', '[-1,-1]'), l1_distance('[0,0]', '[3,4]')", "5|11|2|7");
    CHECK_QUERY(c, "SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]'",
                "[5,7,9]|[-3,-3,-3]|[4,10,18]");
    CHECK_QUERY(c, "SELECT l2_normalize('[3,4]'), subvector('[1,2,3,4,5]'::vector, 2, 3), '[1,2]'::vector || '[3]'",
                "[0.6,0.8]|[2,3,4]|[1,2,3]");
    CHECK_QUERY(c, "SELECT '[1,2]'::vector < '[1,2,3]', '[1,2,3]'::vector = '[1,2,3]'", "t|t");
    CHECK_QUERY(c, "SELECT '[1,2,3]'::vector::real[], ARRAY[1,2,3]::vector, ARRAY[1.5,2.5]::numeric[]::vector(2)",
                "{1,2,3}|[1,2,3]|[1.5,2.5]");
    CHECK_QUERY(c, "SELECT ' [ 1.23456789 , -0 ] '::vector", "[1.2345679,-0]");
    CHECK_ERROR(c, "SELECT '[1,2]'::vector <-> '[1,2,3]'", "22000", "different vector dimensions 2 and 3");
    CHECK_ERROR(c, "SELECT '[NaN]'::vector", "22000", "NaN not allowed in vector");
    CHECK_ERROR(c, "SELECT '1,2'::vector", "22P02", "invalid input syntax for type vector: \"1,2\"");
    CHECK_ERROR(c, "CREATE TABLE bad (v vector(16001))", "22023", "dimensions for type vector cannot exceed 16000");
    PQfinish(c);
}

TEST(binary_params_and_results)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_EXEC(c, "CREATE TABLE bv (id int PRIMARY KEY, v vector(2))");
    /* pgvector's binary format: int16 dim, int16 unused, float4 big-endian each */
    static const char bin[] = {0, 2, 0, 0, 0x3f, (char)0x80, 0, 0, 0x40, 0, 0, 0};   /* [1,2] */
    const char *vals[1] = {bin};
    int lens[1] = {sizeof bin}, fmts[1] = {1};
    Oid types[1] = {16390};
    PGresult *r = PQexecParams(c, "INSERT INTO bv VALUES (1, $1)", 1, types, vals, lens, fmts, 0);
    CHECK_MSG(PQresultStatus(r) == PGRES_COMMAND_OK, "binary insert: %s", PQresultErrorMessage(r));
    PQclear(r);
    CHECK_QUERY(c, "SELECT v FROM bv", "[1,2]");
    r = PQexecParams(c, "SELECT v FROM bv WHERE id = 1", 0, NULL, NULL, NULL, NULL, 1);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
    if (PQntuples(r) == 1) {
        CHECK_EQ_INT((int)PQftype(r, 0), 16390);
        CHECK_MEM(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), bin, sizeof bin);
    }
    PQclear(r);
    /* text parameter of unspecified type */
    const char *tv[1] = {"[3,4]"};
    r = PQexecParams(c, "SELECT v <-> $1 FROM bv", 1, NULL, tv, NULL, NULL, 0);
    char buf[256];
    CHECK_STR(e2e_result_text(r, c, buf, sizeof buf), "2.8284271247461903");
    PQclear(r);
    CHECK_EXEC(c, "DROP TABLE bv");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(readme_flow);
    RUN(operators_and_functions);
    RUN(binary_params_and_results);
    if (atomic_load(&e2e_known_bugs))
        printf("%d known-bug checks skipped (SKIP lines above)\n", atomic_load(&e2e_known_bugs));
    e2e_finish();
)
