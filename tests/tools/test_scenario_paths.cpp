// The scenario files a command line names: files as given, folders as their *.yaml in name order, and a reason
// for every path that names none.
#include "tools/scenario_paths.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace pilesim::tools;

TEST_SUITE("tools/scenario_paths") {
  TEST_CASE("a folder gives its *.yaml files in name order; a file is taken as given") {
    const auto dir = std::filesystem::temp_directory_path() / "pilesim_paths_dir";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "inner");
    for (const char* f : {"b.yaml", "a.yaml", "c.yml", "notes.txt", "inner/d.yaml"}) std::ofstream(dir / f) << "x";
    const auto got = expand_scenario_paths({dir.string(), (dir / "c.yml").string()});
    CHECK(got.problems.empty());
    REQUIRE(got.files.size() == 3);
    CHECK(got.files[0] == (dir / "a.yaml").string());
    CHECK(got.files[1] == (dir / "b.yaml").string());
    CHECK(got.files[2] == (dir / "c.yml").string());
  }

  TEST_CASE("a missing path and a folder without scenarios are named, and the rest still listed") {
    const auto empty = std::filesystem::temp_directory_path() / "pilesim_paths_empty";
    std::filesystem::remove_all(empty);
    std::filesystem::create_directories(empty);
    const auto got = expand_scenario_paths({"/nonexistent/x.yaml", empty.string()});
    REQUIRE(got.problems.size() == 2);
    CHECK(got.problems[0].path == "/nonexistent/x.yaml");
    CHECK(got.problems[0].reason == "no such file or folder");
    CHECK(got.problems[1].reason == "no *.yaml files in this folder");
    CHECK(got.files.empty());
  }
}
