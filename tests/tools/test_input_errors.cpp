// A command's input errors: each said on stderr once, and all of them in the JSON list with their places.
#include "tools/input_errors.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <sstream>

using namespace pilesim;
using namespace pilesim::tools;

TEST_SUITE("tools/input_errors") {
  TEST_CASE("each error is said on stderr as found and kept with its file, place and override") {
    std::ostringstream err;
    input_errors e(err);
    CHECK(e.empty());
    e.add(scenarios::diagnostic{"t.yaml", {3, 8}, "", "until: bad duration '10'"});
    e.add(scenarios::diagnostic{"t.yaml", {}, "links.ble.loss=,", "value, at 1:1: YAML syntax error"});
    e.add("x.yaml", "no such file or folder");
    e.add_lines("--set 'a': expected key.path=value\n\n");
    CHECK(e.size() == 4);
    CHECK(err.str() == "t.yaml:3:8: until: bad duration '10'\n"
                       "t.yaml: override 'links.ble.loss=,': value, at 1:1: YAML syntax error\n"
                       "x.yaml: no such file or folder\n"
                       "--set 'a': expected key.path=value\n");
    const auto v = boost::json::parse(e.json()).as_array();
    REQUIRE(v.size() == 4);
    CHECK(v[0].at("file").as_string() == "t.yaml");
    CHECK(v[0].at("line").as_int64() == 3);
    CHECK(v[0].at("column").as_int64() == 8);
    CHECK(v[0].at("text").as_string() == "t.yaml:3:8: until: bad duration '10'");
    CHECK(v[1].at("override").as_string() == "links.ble.loss=,");
    CHECK_FALSE(v[1].as_object().contains("line"));
    CHECK_FALSE(v[3].as_object().contains("file"));
    CHECK(v[3].at("message").as_string() == "--set 'a': expected key.path=value");
  }
}
