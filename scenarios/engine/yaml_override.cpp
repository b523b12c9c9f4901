#include "scenarios/engine/yaml_override.hpp"

#include <charconv>
#include <string>
#include <vector>

namespace pilesim::scenarios {
namespace {

// Gives every node of an override's value the place of what it replaces, marked as the override's.
void relocate(yaml_node& n, yaml_pos pos) {
  n.pos = pos;
  for (auto& e : n.entries) {
    e.key_pos = pos;
    relocate(e.value, pos);
  }
  for (auto& item : n.items) relocate(item, pos);
}

struct path_step {
  std::string key;  // empty for an index step
  std::size_t index = 0;
  bool is_index = false;
};

// "faults[0].ble.loss" -> faults, [0], ble, loss. A key is anything but '.', '[', ']' and '='.
std::optional<std::vector<path_step>> split_path(std::string_view path) {
  std::vector<path_step> steps;
  std::size_t i = 0;
  while (true) {
    std::size_t begin = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[' && path[i] != ']') ++i;
    if (i == begin) return std::nullopt;
    steps.push_back({std::string(path.substr(begin, i - begin)), 0, false});
    while (i < path.size() && path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string_view::npos || close == i + 1) return std::nullopt;
      std::size_t index = 0;
      auto digits = path.substr(i + 1, close - i - 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
      steps.push_back({"", index, true});
      i = close + 1;
    }
    if (i == path.size()) return steps;
    if (path[i] != '.') return std::nullopt;
    ++i;
  }
}

// The first entry with that key: the one the loader reads (a repeated key is an error it reports).
yaml_entry* find_first(yaml_node& map, std::string_view key) {
  for (auto& e : map.entries)
    if (e.key == key) return &e;
  return nullptr;
}

}  // namespace

std::optional<yaml_problem> apply_override(yaml_node& root, std::string_view path, std::string_view value,
                                           int override_index) {
  yaml_pos here{0, 0, override_index};
  auto steps = split_path(path);
  if (!steps) return yaml_problem{here, "bad path (write e.g. links.ble.loss or faults[0].for)"};
  // The value first: a value that does not parse leaves the document as it was.
  if (value.size() > override_value_bytes_max)
    return yaml_problem{here, "value: longer than " + std::to_string(override_value_bytes_max) + " bytes"};
  auto parsed = parse_yaml(value, override_index, override_limits);
  if (!parsed) {
    const yaml_pos& at = parsed.error().pos;  // a place in the value; the file's place is the path's
    std::string where = "value";
    if (at.line > 0) where += ", at " + std::to_string(at.line) + ":" + std::to_string(at.column);
    return yaml_problem{here, where + ": " + parsed.error().message};
  }

  yaml_node* node = &root;
  std::string walked;  // the path so far, for messages
  for (const auto& s : *steps) {
    if (s.is_index) {
      if (node->type != yaml_node::kind::seq)
        return yaml_problem{here, walked + " is " + describe(*node) + ", not a list"};
      if (s.index >= node->items.size()) {
        std::size_t n = node->items.size();
        return yaml_problem{here, walked + "[" + std::to_string(s.index) + "] does not exist (" + walked +
                                      " has " + std::to_string(n) + (n == 1 ? " entry)" : " entries)")};
      }
      walked += "[" + std::to_string(s.index) + "]";
      node = &node->items[s.index];
      continue;
    }
    if (node->type == yaml_node::kind::null) {
      // `tariff:` left empty, or a key this override has just created: it becomes a map.
      node->type = yaml_node::kind::map;
      node->pos.override_index = override_index;
    }
    if (node->type != yaml_node::kind::map)
      return yaml_problem{here, (walked.empty() ? std::string("the document") : walked) + " is " +
                                    describe(*node) + ", not a map"};
    yaml_entry* e = find_first(*node, s.key);
    if (!e) {
      yaml_pos created{node->pos.line, node->pos.column, override_index};
      node->entries.push_back({s.key, created, yaml_node{}});
      e = &node->entries.back();
      e->value.pos = created;
    }
    walked += (walked.empty() ? "" : ".") + s.key;
    node = &e->value;
  }

  yaml_node replacement = std::move(*parsed);
  // Values from the command line are one line long; their own positions would mislead. Keep the place of
  // what they replace, so that later positions (an expectation's) still point into the file.
  relocate(replacement, {node->pos.line, node->pos.column, override_index});
  *node = std::move(replacement);
  return std::nullopt;
}

}  // namespace pilesim::scenarios
