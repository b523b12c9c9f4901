// Printed repro commands must paste back into a shell as the words they were.
#include "tools/repro_command.hpp"
#include "tools/shell_quote.hpp"

#include <doctest/doctest.h>

using namespace pilesim::tools;

TEST_SUITE("tools/shell_quote") {
  TEST_CASE("plain words stay readable; anything else is single-quoted") {
    CHECK(shell_quote("scenarios/happy_path.yaml") == "scenarios/happy_path.yaml");
    CHECK(shell_quote("links.ble.loss=0.2") == "links.ble.loss=0.2");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("$HOME") == "'$HOME'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
  }

  TEST_CASE("the repro command carries the seed only when given, and every --set") {
    CHECK(repro_command("f.yaml", 7, {"a.b=1", "c={x: 1}"}) ==
          "pilesim run f.yaml --seed 7 --set a.b=1 --set 'c={x: 1}'");
    CHECK(repro_command("my file.yaml", std::nullopt, {}) == "pilesim run 'my file.yaml'");
  }
}
