/* types_test.c -- sql/types: text I/O against PostgreSQL 15's expected outputs. */
#include "sql/types/types.h"
#include "tests/harness/test.h"

TEST(header_compiles)
{
    CHECK(types_typmod_varchar(3) == 7);
    CHECK(types_typmod_numeric(10, 2) == ((10 << 16) | 2) + 4);
}

TEST_MAIN(RUN(header_compiles);)
