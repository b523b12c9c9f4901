// Printed repro commands must paste back into a shell as the words they were, and name the build and the exact
// scenario text they came from.
#include "tools/repro_command.hpp"
#include "tools/scenario_hash.hpp"
#include "tools/shell_quote.hpp"
#include "tools/version.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

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

  TEST_CASE("the repro note names the version and the scenario hash as a shell comment") {
    CHECK(repro_note("0.1.0", "b0657e4b9e7cf3dc") == "  # pilesim 0.1.0, scenario b0657e4b9e7cf3dc");
    CHECK(repro_note("0.1.0", "") == "  # pilesim 0.1.0, scenario unreadable");
  }

  TEST_CASE("the scenario hash is BLAKE2b-64 of the file's bytes, and repro lines carry it") {
    const auto path = (std::filesystem::temp_directory_path() / "pilesim_repro_kat.yaml").string();
    std::ofstream(path, std::ios::binary) << "name: x\n";
    CHECK(scenario_hash(path) == "b0657e4b9e7cf3dc");  // b2sum -l 64 of the same bytes
    CHECK(repro_line(path, 3, {}) ==
          "pilesim run " + path + " --seed 3  # pilesim " + std::string(pilesim_version()) + ", scenario b0657e4b9e7cf3dc");
    std::ofstream(path, std::ios::binary) << "name: y\n";
    CHECK(scenario_hash(path) != "b0657e4b9e7cf3dc");  // one byte moves it
    std::remove(path.c_str());
    CHECK(!scenario_hash(path));
    CHECK(!pilesim_version().empty());
  }
}
