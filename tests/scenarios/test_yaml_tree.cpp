// The bounded YAML parse: every limit is refused where it is crossed, syntax errors point at their cause, and the
// tree keeps what the loader needs (positions, quoting, aliases expanded).
#include "scenarios/engine/yaml_override.hpp"
#include "scenarios/engine/yaml_tree.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace pilesim::scenarios;

namespace {

// "L:C: message" of a parse that must fail.
std::string problem_of(std::string_view text, const yaml_limits& limits = {}) {
  auto r = parse_yaml(text, -1, limits);
  INFO("text: ", text);
  REQUIRE_FALSE(r.has_value());
  const auto& p = r.error();
  return std::to_string(p.pos.line) + ":" + std::to_string(p.pos.column) + ": " + p.message;
}

yaml_node tree_of(std::string_view text, const yaml_limits& limits = {}) {
  auto r = parse_yaml(text, -1, limits);
  INFO("text: ", text, "\nproblem: ", r ? std::string() : r.error().message);
  REQUIRE(r.has_value());
  return *r;
}

// [[[...0...]]] nested `depth` levels deep.
std::string nested_lists(std::size_t depth) { return std::string(depth, '[') + "0" + std::string(depth, ']'); }

}  // namespace

TEST_SUITE("scenarios/yaml_tree") {
  TEST_CASE("maps, lists, scalars and nulls keep their places and whether they were quoted") {
    yaml_node root = tree_of("a: 1\nb: '2'\nc:\nd: [x, {e: ~}]\n");
    REQUIRE(root.type == yaml_node::kind::map);
    REQUIRE(root.entries.size() == 4);
    CHECK(root.entries[0].key == "a");
    CHECK(root.entries[0].value.text == "1");
    CHECK_FALSE(root.entries[0].value.quoted);
    CHECK(root.entries[1].value.quoted);
    CHECK(root.entries[1].value.pos.line == 2);
    CHECK(root.entries[1].value.pos.column == 4);
    CHECK(root.entries[2].value.type == yaml_node::kind::null);
    CHECK(root.entries[2].value.pos.line == 3);  // a null value sits at its key, not at the next token
    CHECK(root.entries[2].value.pos.column == 1);
    const yaml_node& d = root.entries[3].value;
    REQUIRE(d.type == yaml_node::kind::seq);
    REQUIRE(d.items.size() == 2);
    CHECK(d.items[1].entries[0].value.type == yaml_node::kind::null);
    CHECK(d.pos.column == 4);
  }

  TEST_CASE("the one-byte ',' and its relatives are refused at 1:1, not read as an empty document") {
    CHECK(problem_of(",") == "1:1: YAML syntax error: a document cannot start with ','");
    CHECK(problem_of(",t") == "1:1: YAML syntax error: a document cannot start with ',t'");
    CHECK(problem_of("# a comment\n\n  ,x: 1\n") == "3:3: YAML syntax error: a document cannot start with ',x:'");
    CHECK(tree_of("").type == yaml_node::kind::null);
    CHECK(tree_of("# only a comment\n---\n").type == yaml_node::kind::null);
    CHECK(tree_of("~\n").type == yaml_node::kind::null);
  }

  TEST_CASE("exactly one document; stray document markers after it are fine") {
    CHECK(problem_of("a: 1\n---\nb: 2\n") == "3:1: a scenario file holds one YAML document; this is a second one");
    CHECK(problem_of("a: 1\n--- [x]\n") == "2:5: a scenario file holds one YAML document; this is a second one");
    CHECK(tree_of("a: 1\n---\n").entries.size() == 1);
    CHECK(tree_of("a: 1\n...\n").entries.size() == 1);
    // yaml-cpp loops on it; refused after a few tries, at the text it is stuck on
    CHECK(problem_of("a: 1\n---\n,\n") == "3:1: YAML syntax error: a document cannot start with ','");
  }

  TEST_CASE("nesting deeper than the limit is refused where it passes the limit, naming where it began") {
    CHECK(tree_of("x: " + nested_lists(63)).type == yaml_node::kind::map);  // 64 levels with the root map
    CHECK(problem_of("x: " + nested_lists(64)) ==
          "1:67: nested deeper than 64 levels: this list opens level 65 (the nesting starts with the '[' at 1:4)");
    CHECK(problem_of(nested_lists(100000)).starts_with("1:65: nested deeper than 64 levels"));
    std::string block;
    for (int i = 0; i < 70; ++i) block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
    CHECK(problem_of(block) == "65:129: nested deeper than 64 levels: this map opens level 65");
    CHECK(problem_of("a: [[[0]]]\n", {1000, 100, 3}).starts_with("1:6: nested deeper than 3 levels"));
  }

  TEST_CASE("an unclosed '{' or '[' is reported where it opens, however late the parser notices") {
    CHECK(problem_of("seed: 1\npiles: {id: P1\nusers: []\n") ==
          "2:8: YAML syntax error: this '{' is never closed (no '}' ends the map it opens)");
    CHECK(problem_of("seed: 1\npiles: {id: P1,\n  power: 3\n\nusers: []\n") ==
          "2:8: YAML syntax error: this '{' is never closed (no '}' ends the map it opens)");
    CHECK(problem_of("a: [P1, P2\nb: 1\n") ==
          "1:4: YAML syntax error: this '[' is never closed (no ']' ends the list it opens)");
    CHECK(problem_of("a: [{x: 1}, [y, {z: 2\n") ==
          "1:17: YAML syntax error: this '{' is never closed (no '}' ends the map it opens)");
  }

  TEST_CASE("an unterminated quoted string is refused where it starts instead of swallowing the file") {
    CHECK(problem_of("a: \"abc\nb: 1\n") == "1:4: YAML syntax error: this \" opens a string that is never closed");
    CHECK(problem_of("a: 'abc\nb: 1\n") == "1:4: YAML syntax error: this ' opens a string that is never closed");
    CHECK(tree_of("a: \"x \\\" y\"\nb: 'it''s'\n").entries[1].value.text == "it's");
    CHECK(tree_of("a: \"x \\\" y\"\n").entries[0].value.text == "x \" y");
    // yaml-cpp's marks include an anchor or a tag, and leave out a byte order mark
    CHECK(problem_of("a: &n \"abc\nb: 1\n") == "1:4: YAML syntax error: this \" opens a string that is never closed");
    CHECK(problem_of("a: !!str 'abc\nb: 1\n") == "1:4: YAML syntax error: this ' opens a string that is never closed");
    CHECK(problem_of("\xef\xbb\xbf" "a: 1\nb: \"abc\n") ==
          "2:4: YAML syntax error: this \" opens a string that is never closed");
    CHECK(problem_of("\xef\xbb\xbf" ",") == "1:1: YAML syntax error: a document cannot start with ','");
  }

  TEST_CASE("the node limit is checked while parsing, and an alias counts what it repeats") {
    const yaml_limits small{100, 50, 64};
    std::string list = "[";
    for (int i = 0; i < 200; ++i) list += "0,";
    list += "0]";
    CHECK(problem_of(list, small) == "1:200: more than 100 YAML nodes (the limit for one document)");
    yaml_node ok = tree_of("v: &v {id: V1, kwh: 60}\nw: *v\n", small);
    REQUIRE(ok.entries.size() == 2);
    REQUIRE(ok.entries[1].value.type == yaml_node::kind::map);
    CHECK(ok.entries[1].value.entries[0].value.text == "V1");  // expanded: the loader reads a copy
    CHECK(ok.entries[1].value.pos.line == 2);
    CHECK(ok.entries[1].value.pos.column == 4);
    CHECK(problem_of("a: &a [x]\nb: *nope\n").size() > 0);
    CHECK(problem_of("a: &x [&y 1, *x]\n") == "1:14: an alias of a map or list from inside itself");
  }

  TEST_CASE("a billion laughs is refused once anchors and aliases have repeated 100,000 nodes") {
    std::string bomb = "l0: &l0 [a, a, a, a, a, a, a, a, a]\n";
    for (int i = 1; i < 10; ++i) {
      bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
      for (int k = 0; k < 9; ++k) bomb += (k ? ", *l" : "*l") + std::to_string(i - 1);
      bomb += "]\n";
    }
    const std::string p = problem_of(bomb);
    CHECK(p.find("repeat more than 100000 YAML nodes") != std::string::npos);
    INFO(p);
    // Copies of l0..l3 and their aliases come to 83,020 nodes; keeping l4 (66,430 more) would pass the budget.
    CHECK(p.rfind("5:5: ", 0) == 0);
  }

  TEST_CASE("a key must be a plain word") {
    CHECK(problem_of("[a]: 1\n") == "1:1: a key must be a plain word, not a list");
    CHECK(problem_of("{a: 1}: 2\n") == "1:1: a key must be a plain word, not a map");
  }

  TEST_CASE("an override's value is parsed under its own small limits and leaves the tree alone when bad") {
    yaml_node root = tree_of("links: {ble: {loss: 0.1}}\n");
    auto p = apply_override(root, "links.ble.loss", ",", 0);
    REQUIRE(p);
    CHECK(p->message == "value, at 1:1: YAML syntax error: a document cannot start with ','");
    CHECK(root.entries[0].value.entries[0].value.entries[0].value.text == "0.1");  // unchanged
    CHECK(apply_override(root, "links.ble.loss", std::string(override_value_bytes_max + 1, '0'), 0)
              ->message.starts_with("value: longer than"));
    CHECK(apply_override(root, "x", nested_lists(70), 0)->message.find("nested deeper than 64") !=
          std::string::npos);
    CHECK_FALSE(apply_override(root, "links.ble.loss", "0.3", 0));
    CHECK(root.entries[0].value.entries[0].value.entries[0].value.text == "0.3");
  }
}
