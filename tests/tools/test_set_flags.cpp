// `--set` flags: split at the first '=', in order, and one message naming a malformed flag for every command.
#include "tools/set_flags.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace pilesim::tools;

TEST_SUITE("tools/set_flags") {
  TEST_CASE("flags parse in order; a malformed one is named with the value shape expected") {
    std::ostringstream err;
    const auto ok = parse_set_flags({"links.ble.loss=0,0.2", "tariff={a: 1}"}, err);
    REQUIRE(ok);
    CHECK(ok->size() == 2);
    CHECK((*ok)[1].path == "tariff");
    CHECK((*ok)[1].value == "{a: 1}");
    CHECK(err.str().empty());
    CHECK_FALSE(parse_set_flags({"a=1", "=x"}, err, "v1,v2,..."));
    CHECK(err.str() == "--set '=x': expected key.path=v1,v2,...\n");
  }

  TEST_CASE("the default message says key.path=value") {
    std::ostringstream err;
    CHECK_FALSE(parse_set_flags({"nokey"}, err));
    CHECK(err.str() == "--set 'nokey': expected key.path=value\n");
  }
}
