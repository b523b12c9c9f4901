// A YAML document as a plain tree in which every node keeps where it was written — line and column in the
// file, or the override that set it — so that the loader can point people at the text to fix. Built from
// yaml-cpp's parse events, which stay behind this header, under limits checked while the text is read: a
// hostile file is refused before its cost is paid. It keeps repeated keys and every scalar's exact text for the
// loader to judge; it never interprets a value and never knows the scenario schema.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::scenarios {

struct yaml_pos {
  int line = 0;             // 1-based; 0 when unknown
  int column = 0;           // 1-based; 0 when unknown
  int override_index = -1;  // >= 0: the node was set by that override (line and column: what it replaced)
};

struct yaml_entry;

struct yaml_node {
  enum class kind : std::uint8_t { null, scalar, map, seq };
  kind type = kind::null;
  // Scalar: written in quotes, as a block (| or >) or with an explicit tag: always text, never a number or flag.
  bool quoted = false;
  std::string text;                 // scalar: exactly as written, quotes removed
  std::vector<yaml_entry> entries;  // map: in file order, repeated keys kept
  std::vector<yaml_node> items;     // seq
  // Where the node starts; for a null map value (`key:` with nothing after it), where its key starts,
  // because yaml-cpp places an empty value at the next token, often on another line.
  yaml_pos pos;
};

struct yaml_entry {
  std::string key;
  yaml_pos key_pos;
  yaml_node value;
};

struct yaml_problem {
  yaml_pos pos;
  std::string message;
};

// What one parse may cost. Every limit is checked as the events arrive, so the tree never grows past it.
struct yaml_limits {
  std::size_t nodes_max = 2'000'000;      // scalars, nulls, maps and lists; an alias counts what it repeats
  std::size_t alias_nodes_max = 100'000;  // nodes that aliases may repeat in all (a "billion laughs" stops here)
  std::size_t depth_max = 64;             // maps and lists inside one another
};

// Only reached by calling .value() on a failed parse, which is a bug in the caller.
[[noreturn]] void throw_exception_from_error(const yaml_problem& p, const boost::source_location& loc);

// Parses exactly one YAML document; no document at all gives a null node at 1:1. A syntax error is reported
// where its cause is (an unclosed '[' or '{' where it opens, an unterminated quote where it starts), a limit
// where it is crossed. `override_index` >= 0 marks every node as set by that override (for override values).
boost::system::result<yaml_node, yaml_problem> parse_yaml(std::string_view text, int override_index = -1,
                                                          const yaml_limits& limits = {});

// The text people read for a node's kind: "a map", "a list", "text '12x'", "nothing".
std::string describe(const yaml_node& n);

}  // namespace pilesim::scenarios
