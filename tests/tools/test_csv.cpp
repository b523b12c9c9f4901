// The sweep files' CSV: fields quoted only when they must be, and every written line split back to its fields.
#include "tools/csv.hpp"

#include <doctest/doctest.h>

using namespace pilesim::tools;

TEST_SUITE("tools/csv") {
  TEST_CASE("plain fields stay as they are; commas, quotes and line ends are quoted") {
    CHECK(csv_field("links.ble.loss") == "links.ble.loss");
    CHECK(csv_field("") == "");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("x\ny") == "\"x\ny\"");
    CHECK(csv_line({"run", "a,b", ""}) == "run,\"a,b\",");
  }

  TEST_CASE("a written line splits back into the same fields") {
    const std::vector<std::string> fields = {"0", "{loss: 0.4, duplicate: 0.1}", "", "pilesim run 'it'\\''s' \"q\"",
                                             "1.00"};
    CHECK(csv_split(csv_line(fields)) == fields);
  }

  TEST_CASE("split drops a trailing CR and keeps empty fields") {
    CHECK(csv_split("a,,b\r") == std::vector<std::string>{"a", "", "b"});
    CHECK(csv_split("") == std::vector<std::string>{""});
    CHECK(csv_split(",") == std::vector<std::string>{"", ""});
  }
}
