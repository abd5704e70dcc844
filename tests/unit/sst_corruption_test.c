#include "tests/harness/test.h"
TEST_MAIN()
