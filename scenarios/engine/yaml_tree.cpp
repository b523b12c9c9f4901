#include "scenarios/engine/yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <stdexcept>

namespace pilesim::scenarios {
namespace {

// Aliases let a short file name the same subtree many times; copied out they could grow without bound
// ("billion laughs"). No scenario comes near this.
constexpr std::size_t node_count_max = 1'000'000;

yaml_pos pos_of(const YAML::Mark& m, int override_index) {
  if (m.is_null() || m.line < 0) return {0, 0, override_index};
  return {m.line + 1, m.column + 1, override_index};
}

class tree_builder {
 public:
  explicit tree_builder(int override_index) : override_index_(override_index) {}

  std::optional<yaml_problem> build(const YAML::Node& in, yaml_node& out) {
    if (++count_ > node_count_max)
      return yaml_problem{pos_of(in.Mark(), override_index_), "document too large (more than 1000000 nodes)"};
    out.pos = pos_of(in.Mark(), override_index_);
    switch (in.Type()) {
      case YAML::NodeType::Scalar:
        out.type = yaml_node::kind::scalar;
        out.text = in.Scalar();
        return std::nullopt;
      case YAML::NodeType::Sequence:
        out.type = yaml_node::kind::seq;
        for (const auto& item : in) {
          out.items.emplace_back();
          if (auto p = build(item, out.items.back())) return p;
        }
        return std::nullopt;
      case YAML::NodeType::Map:
        out.type = yaml_node::kind::map;
        for (const auto& kv : in) {
          // Copies: yaml-cpp nodes are handles, and the iterator's pair is a temporary.
          const YAML::Node key = kv.first;
          const YAML::Node value = kv.second;
          if (!key.IsScalar())
            return yaml_problem{pos_of(key.Mark(), override_index_), "a key must be a plain word"};
          yaml_entry e;
          e.key = key.Scalar();
          e.key_pos = pos_of(key.Mark(), override_index_);
          if (auto p = build(value, e.value)) return p;
          if (e.value.type == yaml_node::kind::null) e.value.pos = e.key_pos;
          out.entries.push_back(std::move(e));
        }
        return std::nullopt;
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        out.type = yaml_node::kind::null;
        return std::nullopt;
    }
    return std::nullopt;
  }

 private:
  int override_index_;
  std::size_t count_ = 0;
};

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

void throw_exception_from_error(const yaml_problem& p, const boost::source_location&) {
  throw std::logic_error("bug: value of a failed YAML parse: " + p.message);
}

boost::system::result<yaml_node, yaml_problem> parse_yaml(std::string_view text, int override_index) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    return yaml_problem{pos_of(e.mark, override_index), "YAML syntax error: " + e.msg};
  } catch (const YAML::Exception& e) {
    return yaml_problem{pos_of(e.mark, override_index), "YAML error: " + e.msg};
  }
  yaml_node root;
  root.pos = {1, 1, override_index};
  // A stray `---` at the end yields an empty document; only a second document with content is an error.
  for (std::size_t d = 1; d < docs.size(); ++d)
    if (!docs[d].IsNull())
      return yaml_problem{pos_of(docs[d].Mark(), override_index),
                          "a scenario file holds one YAML document; this is a second one"};
  if (docs.empty()) return root;
  tree_builder b(override_index);
  if (auto p = b.build(docs[0], root)) return *p;
  return root;
}

std::optional<yaml_problem> apply_override(yaml_node& root, std::string_view path, std::string_view value,
                                           int override_index) {
  yaml_pos here{0, 0, override_index};
  auto steps = split_path(path);
  if (!steps) return yaml_problem{here, "bad path (write e.g. links.ble.loss or faults[0].for)"};

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

  auto parsed = parse_yaml(value, override_index);
  if (!parsed) return yaml_problem{here, "value: " + parsed.error().message};
  yaml_node replacement = std::move(*parsed);
  // Values from the command line are one line long; their own positions would mislead. Keep the place of
  // what they replace, so that later positions (an expectation's) still point into the file.
  relocate(replacement, {node->pos.line, node->pos.column, override_index});
  *node = std::move(replacement);
  return std::nullopt;
}

std::string describe(const yaml_node& n) {
  switch (n.type) {
    case yaml_node::kind::null: return "nothing";
    case yaml_node::kind::scalar: return "text '" + n.text + "'";
    case yaml_node::kind::map: return "a map";
    case yaml_node::kind::seq: return "a list";
  }
  return "?";
}

}  // namespace pilesim::scenarios
