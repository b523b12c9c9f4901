// The doctest runner for the schema test; its cases live in test_schema.cpp.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
