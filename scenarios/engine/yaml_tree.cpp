#include "scenarios/engine/yaml_tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <istream>
#include <optional>
#include <stdexcept>
#include <streambuf>

namespace pilesim::scenarios {
namespace {

// A document is followed by at most this many empty ones (a stray `---` or `...`); yaml-cpp 0.7 would hand out
// empty documents forever after a leading ',', so the count is bounded rather than read to the end.
constexpr int empty_documents_max = 3;

// Thrown from an event callback to stop yaml-cpp: the exception leaves HandleNextDocument and the parser is
// destroyed with nothing else to undo.
struct parse_stopped {
  yaml_problem problem;
};

// The text as a stream without a copy of it.
class text_buffer : public std::streambuf {
 public:
  explicit text_buffer(std::string_view text) {
    char* begin = const_cast<char*>(text.data());  // only ever read: the get area is never written through
    setg(begin, begin, begin + text.size());
  }
};

std::string_view pair_word(char open) { return open == '{' ? "map" : "list"; }

// yaml-cpp's marks count from after a UTF-8 byte order mark; the text's own offsets count it.
std::size_t bom_size(std::string_view text) { return text.starts_with("\xef\xbb\xbf") ? 3 : 0; }

// Where a node's own text starts: past the anchor (`&a`) and tag (`!t`) that yaml-cpp's mark includes.
std::size_t past_properties(std::string_view text, std::size_t at) {
  while (at < text.size() && (text[at] == '&' || text[at] == '!')) {
    while (at < text.size() && text[at] != ' ' && text[at] != '\t' && text[at] != '\n') ++at;
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  }
  return at;
}

// True when a quoted scalar that starts at `at` has its closing quote before the end of the text. yaml-cpp
// 0.7 accepts `"abc` and swallows the rest of the file into it.
bool quote_closed(std::string_view text, std::size_t at) {
  const char q = text[at];
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (q == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == q) {
      if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') ++i;  // '' is a quote inside ''
      else return true;
    }
  }
  return false;
}

// Where the first thing that is not blank, a comment, a directive or a document marker is, if anything.
std::optional<std::size_t> first_content(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t eol = std::min(text.find('\n', i), text.size());
    std::string_view line = text.substr(i, eol - i);
    const bool marker = line.starts_with("---") || line.starts_with("...") || line.starts_with("%");
    if (!marker) {
      for (std::size_t k = 0; k < line.size(); ++k) {
        const char c = line[k];
        if (c == '#') break;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\xef' && c != '\xbb' && c != '\xbf') return i + k;
      }
    }
    i = eol + 1;
  }
  return std::nullopt;
}

yaml_pos pos_at_offset(std::string_view text, std::size_t at, int override_index) {
  int line = 1, column = 1;
  for (std::size_t i = bom_size(text); i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column, override_index};
}

// Builds the tree from yaml-cpp's events, one node on the stack per open map or list, and refuses what passes
// a limit at the event that passes it.
class tree_builder final : public YAML::EventHandler {
 public:
  tree_builder(std::string_view text, int override_index, const yaml_limits& limits)
      : text_(text), override_index_(override_index), limits_(limits) {
    open_.reserve(limits.depth_max + 1);
  }

  bool has_root() const { return root_.has_value(); }
  const std::optional<yaml_problem>& deferred() const { return deferred_; }
  yaml_node take_root() { return std::move(*root_); }
  std::size_t nodes() const { return nodes_; }

  // The innermost open `[` or `{`, for "end of ... flow not found", which yaml-cpp reports where it gave up.
  std::optional<yaml_problem> unclosed_flow() const {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      if (!it->flow) continue;
      const char c = it->node.type == yaml_node::kind::map ? '{' : '[';
      const std::string close = c == '{' ? "}" : "]";
      return yaml_problem{it->node.pos, "YAML syntax error: this '" + std::string(1, c) + "' is never closed (no '" +
                                            close + "' ends the " + std::string(pair_word(c)) + " it opens)"};
    }
    return std::nullopt;
  }
  yaml_pos innermost_pos() const {
    return open_.empty() ? yaml_pos{1, 1, override_index_} : open_.back().node.pos;
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override {
    count(m, 1);
    yaml_node n;
    n.pos = pos_of(m);
    finish(std::move(n), anchor, nodes_ - 1);
  }

  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    count(m, 1);
    yaml_node n;
    n.type = yaml_node::kind::scalar;
    n.quoted = tag != "?";
    n.text = value;
    n.pos = pos_of(m);
    check_quote(m, tag, n.pos);
    finish(std::move(n), anchor, nodes_ - 1);
  }

  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override;

  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    open(m, yaml_node::kind::seq, anchor, style);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    open(m, yaml_node::kind::map, anchor, style);
  }
  void OnMapEnd() override { close(); }

 private:
  struct frame {
    yaml_node node;
    bool flow = false;
    YAML::anchor_t anchor = 0;
    std::size_t nodes_at_start = 0;
    bool have_key = false;  // map: a key has arrived and waits for its value
    std::string key;
    yaml_pos key_pos;
  };
  struct anchored {
    yaml_node node;
    std::size_t nodes = 0;  // what one alias of it repeats
    bool complete = false;  // false while the map or list it names is still open
  };

  yaml_pos pos_of(const YAML::Mark& m) const {
    if (m.is_null() || m.line < 0) return {0, 0, override_index_};
    return {m.line + 1, m.column + 1, override_index_};
  }

  [[noreturn]] void stop(yaml_pos pos, std::string message) const {
    throw parse_stopped{{pos, std::move(message)}};
  }

  void count(const YAML::Mark& m, std::size_t n) {
    nodes_ += n;
    if (nodes_ > limits_.nodes_max)
      stop(pos_of(m), "more than " + std::to_string(limits_.nodes_max) + " YAML nodes (the limit for one document)");
  }

  // A problem that is not a syntax error: reported only if yaml-cpp finds none, which would say more (yaml-cpp
  // reads an unclosed `[1` as a map whose key is a list).
  void defer(yaml_pos pos, std::string message) {
    if (!deferred_) deferred_ = yaml_problem{pos, std::move(message)};
  }

  // A plain scalar never starts with a quote, so one that does was quoted, whatever its tag says.
  void check_quote(const YAML::Mark& m, const std::string& tag, yaml_pos pos) const {
    if (tag == "?" || m.pos < 0) return;
    const std::size_t at = past_properties(text_, static_cast<std::size_t>(m.pos) + bom_size(text_));
    if (at < text_.size() && (text_[at] == '"' || text_[at] == '\'') && !quote_closed(text_, at))
      stop(pos, std::string("YAML syntax error: this ") + text_[at] + " opens a string that is never closed");
  }

  void open(const YAML::Mark& m, yaml_node::kind type, YAML::anchor_t anchor, YAML::EmitterStyle::value style);
  void close();
  void finish(yaml_node&& n, YAML::anchor_t anchor, std::size_t nodes_at_start);
  void remember(const yaml_node& n, YAML::anchor_t anchor, std::size_t nodes);
  void add(yaml_node&& n);

  std::string_view text_;
  int override_index_;
  const yaml_limits& limits_;
  std::vector<frame> open_;
  std::optional<yaml_node> root_;
  std::vector<anchored> anchors_;  // by yaml-cpp's anchor number (1, 2, ...); index 0 unused
  std::size_t nodes_ = 0;
  std::size_t alias_nodes_ = 0;
  std::optional<yaml_problem> deferred_;
};

void tree_builder::open(const YAML::Mark& m, yaml_node::kind type, YAML::anchor_t anchor,
                        YAML::EmitterStyle::value style) {
  count(m, 1);
  const yaml_pos pos = pos_of(m);
  const std::string noun = type == yaml_node::kind::map ? "map" : "list";
  if (open_.size() >= limits_.depth_max) {
    std::string start;  // where a run of `[[[` or `{a: {` began: the text to look at
    auto outer = std::find_if(open_.begin(), open_.end(), [](const frame& f) { return f.flow; });
    if (outer != open_.end())
      start = " (the nesting starts with the '" + std::string(outer->node.type == yaml_node::kind::map ? "{" : "[") +
              "' at " + std::to_string(outer->node.pos.line) + ":" + std::to_string(outer->node.pos.column) + ")";
    stop(pos, "nested deeper than " + std::to_string(limits_.depth_max) + " levels: this " + noun + " opens level " +
                  std::to_string(open_.size() + 1) + start);
  }
  frame f;
  f.node.type = type;
  f.node.pos = pos;
  f.flow = style == YAML::EmitterStyle::Flow;
  f.anchor = anchor;
  f.nodes_at_start = nodes_ - 1;
  open_.push_back(std::move(f));
}

void tree_builder::close() {
  frame f = std::move(open_.back());
  open_.pop_back();
  finish(std::move(f.node), f.anchor, f.nodes_at_start);
}

void tree_builder::OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) {
  const yaml_pos pos = pos_of(m);
  if (anchor == 0 || anchor >= anchors_.size() || !anchors_[anchor].complete)
    stop(pos, "an alias of a map or list from inside itself");
  const anchored& a = anchors_[anchor];
  alias_nodes_ += a.nodes;
  if (alias_nodes_ > limits_.alias_nodes_max)
    stop(pos, "aliases repeat more than " + std::to_string(limits_.alias_nodes_max) +
                  " YAML nodes (this one repeats " + std::to_string(a.nodes) + ")");
  count(m, a.nodes);
  yaml_node copy = a.node;
  copy.pos = pos;
  add(std::move(copy));
}

// A complete node: kept for the aliases that may name it, then placed in its parent.
void tree_builder::finish(yaml_node&& n, YAML::anchor_t anchor, std::size_t nodes_at_start) {
  if (anchor != 0) remember(n, anchor, nodes_ - nodes_at_start);
  add(std::move(n));
}

// An anchored node is copied, so the copy counts against what aliases may repeat: an anchor nobody names costs
// no more than an alias would.
void tree_builder::remember(const yaml_node& n, YAML::anchor_t anchor, std::size_t nodes) {
  alias_nodes_ += nodes;
  if (alias_nodes_ > limits_.alias_nodes_max)
    stop(n.pos, "anchors and aliases repeat more than " + std::to_string(limits_.alias_nodes_max) + " YAML nodes");
  if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
  anchors_[anchor] = anchored{n, nodes, true};
}

void tree_builder::add(yaml_node&& n) {
  if (open_.empty()) {
    root_ = std::move(n);
    return;
  }
  frame& parent = open_.back();
  if (parent.node.type == yaml_node::kind::seq) {
    parent.node.items.push_back(std::move(n));
    return;
  }
  if (!parent.have_key) {
    if (n.type == yaml_node::kind::null) defer(n.pos, "a key is missing here (write key: value)");
    else if (n.type != yaml_node::kind::scalar) defer(n.pos, "a key must be a plain word, not " + describe(n));
    parent.key = std::move(n.text);
    parent.key_pos = n.pos;
    parent.have_key = true;
    return;
  }
  yaml_entry e{std::move(parent.key), parent.key_pos, std::move(n)};
  if (e.value.type == yaml_node::kind::null) e.value.pos = e.key_pos;
  parent.node.entries.push_back(std::move(e));
  parent.have_key = false;
}

// Reads what follows the first document: empty documents are allowed, one with content is an error.
class rest_probe final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> content;    // the first event of a document with content
  std::optional<YAML::Mark> last_null;  // the last empty document's
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { last_null = m; }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { found(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { found(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    found(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    found(m);
  }
  void OnMapEnd() override {}

 private:
  struct seen {};
  void found(const YAML::Mark& m) {
    content = m;
    throw seen{};
  }

 public:
  // True when another document with content follows (`content` says where).
  bool more(YAML::Parser& parser) {
    try {
      for (int i = 0; i < empty_documents_max; ++i)
        if (!parser.HandleNextDocument(*this)) return false;
    } catch (const seen&) {
      return true;
    }
    return true;  // empty documents without end: not a document yaml-cpp can read to its end
  }
};

// "a document cannot start with ','" for the text at `at`, unless it is an explicit null.
std::optional<yaml_problem> cannot_start(std::string_view text, std::size_t at, int override_index) {
  std::string_view rest = text.substr(std::min(at, text.size()));
  const std::size_t end = std::min(rest.find_first_of(" \t\r\n#"), rest.size());
  const std::string_view word = rest.substr(0, end);
  if (word == "~" || word == "null" || word == "Null" || word == "NULL") return std::nullopt;
  const std::string shown(rest.substr(0, std::min<std::size_t>(end, 20)));
  return yaml_problem{pos_at_offset(text, at, override_index),
                      "YAML syntax error: a document cannot start with '" + shown + "'"};
}

std::optional<yaml_problem> check_rest(YAML::Parser& parser, std::string_view text, int override_index) {
  rest_probe probe;
  if (!probe.more(parser)) return std::nullopt;
  // Empty documents without end: yaml-cpp is stuck at text it cannot read (`a: 1`, `---`, then `,`).
  if (!probe.content && probe.last_null && probe.last_null->pos >= 0)
    if (auto p = cannot_start(text, static_cast<std::size_t>(probe.last_null->pos) + bom_size(text), override_index))
      return p;
  const std::optional<YAML::Mark>& m = probe.content ? probe.content : probe.last_null;
  yaml_pos pos{0, 0, override_index};
  if (m && m->line >= 0) pos = {m->line + 1, m->column + 1, override_index};
  return yaml_problem{pos, "a scenario file holds one YAML document; this is a second one"};
}

// yaml-cpp 0.7 reads some broken text (a leading ',') as an empty document without a word: text that is not
// blank, a comment or an explicit null is not nothing.
std::optional<yaml_problem> check_empty_root(std::string_view text, int override_index) {
  auto at = first_content(text);
  if (!at) return std::nullopt;
  return cannot_start(text, *at, override_index);
}

yaml_problem syntax_problem(const YAML::ParserException& e, const tree_builder& b, int override_index) {
  if (e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW || e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW)
    if (auto p = b.unclosed_flow()) return *p;
  yaml_pos pos{0, 0, override_index};
  if (!e.mark.is_null() && e.mark.line >= 0) pos = {e.mark.line + 1, e.mark.column + 1, override_index};
  return {pos, "YAML syntax error: " + e.msg};
}

}  // namespace

void throw_exception_from_error(const yaml_problem& p, const boost::source_location&) {
  throw std::logic_error("bug: value of a failed YAML parse: " + p.message);
}

boost::system::result<yaml_node, yaml_problem> parse_yaml(std::string_view text, int override_index,
                                                          const yaml_limits& limits) {
  text_buffer buffer(text);
  std::istream in(&buffer);
  tree_builder b(text, override_index, limits);
  try {
    YAML::Parser parser(in);
    yaml_node root;
    root.pos = {1, 1, override_index};
    if (!parser.HandleNextDocument(b) || !b.has_root()) return root;
    if (b.deferred()) return *b.deferred();
    root = b.take_root();
    if (root.type == yaml_node::kind::null) {
      if (auto p = check_empty_root(text, override_index)) return *p;
      root.pos = {1, 1, override_index};
      return root;
    }
    if (auto p = check_rest(parser, text, override_index)) return *p;
    return root;
  } catch (const parse_stopped& s) {
    return s.problem;
  } catch (const YAML::DeepRecursion&) {
    return yaml_problem{b.innermost_pos(), "nested too deeply for the YAML parser (more than " +
                                               std::to_string(limits.depth_max) + " levels)"};
  } catch (const YAML::ParserException& e) {
    return syntax_problem(e, b, override_index);
  } catch (const YAML::Exception& e) {
    yaml_pos pos{0, 0, override_index};
    if (!e.mark.is_null() && e.mark.line >= 0) pos = {e.mark.line + 1, e.mark.column + 1, override_index};
    return yaml_problem{pos, "YAML error: " + e.msg};
  }
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
