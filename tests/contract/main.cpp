// The doctest runner of the contract's unit tests; the cases live in one file per unit.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
