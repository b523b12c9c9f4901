// doctest's main for test_server; the tests live in one file per unit of server/.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
