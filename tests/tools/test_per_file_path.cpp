// Output paths for runs of several files: {stem} gives each its own, a plain path is refused for several.
#include "tools/per_file_path.hpp"

#include <doctest/doctest.h>

using namespace pilesim::tools;

TEST_SUITE("tools/per_file_path") {
  TEST_CASE("{stem} is the file's name without folder and extension, once per file") {
    auto p = per_file_paths("--trace", "out/{stem}.jsonl", {"scenarios/a.yaml", "x/b.yaml"});
    REQUIRE(p.has_value());
    CHECK(*p == std::vector<std::string>{"out/a.jsonl", "out/b.jsonl"});
    auto twice = per_file_paths("--db", "{stem}/{stem}.sqlite", {"a.yaml"});
    REQUIRE(twice.has_value());
    CHECK(twice->at(0) == "a/a.sqlite");
  }

  TEST_CASE("a plain path serves one file, and no flag gives no paths") {
    CHECK(per_file_paths("--trace", "t.jsonl", {"a.yaml"}).value() == std::vector<std::string>{"t.jsonl"});
    CHECK(per_file_paths("--trace", "", {"a.yaml", "b.yaml"}).value() == std::vector<std::string>{"", ""});
  }

  TEST_CASE("refused: a plain path for several files, one stem twice, an unknown placeholder") {
    auto plain = per_file_paths("--trace", "t.jsonl", {"a.yaml", "b.yaml", "c.yaml"});
    REQUIRE_FALSE(plain.has_value());
    CHECK(plain.error().message ==
          "--trace 't.jsonl': 3 scenario files would each overwrite it; give each its own, e.g. --trace "
          "'out/{stem}.jsonl'");
    auto same = per_file_paths("--db", "{stem}.sqlite", {"x/a.yaml", "y/a.yaml"});
    REQUIRE_FALSE(same.has_value());
    CHECK(same.error().message.find("x/a.yaml and y/a.yaml would both write a.sqlite") != std::string::npos);
    auto typo = per_file_paths("--trace", "{name}.jsonl", {"a.yaml"});
    REQUIRE_FALSE(typo.has_value());
    CHECK(typo.error().message.find("the only placeholder is {stem}") != std::string::npos);
  }
}
