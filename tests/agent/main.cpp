// The doctest runner of the agent's and pile actor's tests; the cases live in one file per unit.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
