// The doctest runner for the scenarios tests; the cases live in one file per unit beside it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
