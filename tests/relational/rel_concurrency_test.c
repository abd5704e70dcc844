/* rel_concurrency_test.c -- placeholder filled below. */
#include "tests/harness/test.h"
#include "tests/relational/rel_test_util.h"
TEST_MAIN()
