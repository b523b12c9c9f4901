// The scenario format's JSON Schema checked with a real validator (valijson, strong types) against the loader:
// everything the loader reads validates, and what the loader refuses the schema refuses too wherever a schema
// can say so. YAML becomes JSON as YAML 1.2's core schema (and so an editor's YAML server) types it.
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/refusal_kinds.hpp"
#include "scenarios/engine/yaml_tree.hpp"

#include <boost/json.hpp>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace pilesim::scenarios;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A plain scalar typed as YAML 1.2's core schema does; quoted (or tagged) text stays text.
boost::json::value scalar_value(const yaml_node& n) {
  const std::string& t = n.text;
  if (n.quoted) return boost::json::string(t);
  if (t == "true" || t == "True" || t == "TRUE") return true;
  if (t == "false" || t == "False" || t == "FALSE") return false;
  static const std::regex integer("^[-+]?[0-9]+$");
  static const std::regex decimal("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
  if (std::regex_match(t, integer)) {
    std::int64_t v = 0;
    const char* begin = t.data() + (t[0] == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, t.data() + t.size(), v);
    if (ec == std::errc{} && end == t.data() + t.size()) return v;
  }
  if (std::regex_match(t, decimal)) return std::stod(t);
  return boost::json::string(t);
}

// The document as JSON, and where each value was written, by valijson's context ("<root>[piles][0][id]").
struct json_document {
  boost::json::value value;
  std::map<std::string, yaml_pos> where;
};

// Recursion is bounded by the parse's depth limit (64).
boost::json::value to_json(const yaml_node& n, const std::string& context, json_document& doc) {
  doc.where[context] = n.pos;
  switch (n.type) {
    case yaml_node::kind::null: return nullptr;
    case yaml_node::kind::scalar: return scalar_value(n);
    case yaml_node::kind::seq: {
      boost::json::array a;
      for (std::size_t i = 0; i < n.items.size(); ++i)
        a.push_back(to_json(n.items[i], context + "[" + std::to_string(i) + "]", doc));
      return a;
    }
    case yaml_node::kind::map: {
      boost::json::object o;
      for (const yaml_entry& e : n.entries) {
        const std::string inner = context + "[" + e.key + "]";
        o[e.key] = to_json(e.value, inner, doc);
        if (e.value.type == yaml_node::kind::null) doc.where[inner] = e.key_pos;
      }
      return o;
    }
  }
  return nullptr;
}

json_document to_json(std::string_view yaml) {
  auto tree = parse_yaml(yaml);
  INFO("YAML: ", yaml);
  REQUIRE_MESSAGE(tree.has_value(), (tree ? std::string() : tree.error().message));
  json_document doc;
  doc.value = to_json(*tree, "<root>", doc);
  return doc;
}

const valijson::Schema& scenario_schema() {
  static const auto* schema = [] {
    static const boost::json::value text = boost::json::parse(read_file(PILESIM_SCHEMA_FILE));
    auto* s = new valijson::Schema;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.populateSchema(valijson::adapters::BoostJsonAdapter(text), *s);
    return s;
  }();
  return *schema;
}

// The schema's complaints about a file, deepest first ("L:C: <root>[links][ble][loss]: ..."); none when valid.
std::vector<std::string> schema_errors(std::string_view yaml) {
  const json_document doc = to_json(yaml);
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  bool valid = false;
  try {
    valid = validator.validate(scenario_schema(), valijson::adapters::BoostJsonAdapter(doc.value), &results);
  } catch (const std::exception& e) {  // a pattern std::regex cannot compile: the schema's fault
    FAIL("validating threw: ", e.what());
  }
  std::vector<std::pair<std::size_t, std::string>> errors;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    std::string context;
    for (const auto& c : e.context) context += c;
    yaml_pos pos;
    for (std::string c = context; !c.empty(); c = c.substr(0, c.rfind('['))) {
      if (auto it = doc.where.find(c); it != doc.where.end()) {
        pos = it->second;
        break;
      }
      if (c.rfind('[') == std::string::npos) break;
    }
    errors.push_back({e.context.size(), std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + context +
                                            ": " + e.description});
  }
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [depth, text] : errors) out.push_back(std::move(text));
  CHECK(valid == out.empty());
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<std::string> loader_errors(std::string_view yaml) {
  std::vector<std::string> out;
  auto r = load_scenario_text(yaml, "t.yaml");
  if (!r)
    for (const auto& d : r.error()) out.push_back(to_string(d));
  return out;
}

// A small valid world that the cases below add lines to.
constexpr std::string_view base = R"yaml(name: t
until: 6h
piles:
  - {id: P1, power_kw: 7}
users:
  - id: alice
    balance: 100.00
    vehicle: {id: V1, battery_kwh: 60, soc: 0.2}
)yaml";

std::string with_base(std::string_view more) { return std::string(base) + std::string(more); }

struct malformed {
  const char* what;
  std::string yaml;
};

// Files the loader refuses for a reason a schema can state: unknown keys, wrong types, spelling of values,
// ranges, required keys, enumerations.
std::vector<malformed> refused_by_both() {
  return {
      {"unknown key at the top", with_base("seeds: 3\n")},
      {"unknown key in a map", with_base("links: {ble: {los: 0.3}}\n")},
      {"unknown key in a list item", with_base("steps:\n  - {at: 1m, user: alice, do: stop, when: now}\n")},
      {"a list where a map belongs", with_base("links: [ble]\n")},
      {"a map where a list belongs", with_base("steps: {at: 1m}\n")},
      {"text where a number belongs", with_base("seed: many\n")},
      {"a fraction as a seed", with_base("seed: 1.5\n")},
      {"a list as a name", "name: [t]\nuntil: 1h\n"},
      {"a bare number as a duration", "name: t\nuntil: 10\n"},
      {"units out of order", "name: t\nuntil: 1m1h\n"},
      {"a fraction before the last part", "name: t\nuntil: 1.5h30m\n"},
      {"a fraction of microseconds", "name: t\nuntil: 1.5us\n"},
      {"packets per event above 64", with_base("links: {ble: {packets_per_event: 65}}\n")},
      {"a negative duration", with_base("steps:\n  - {at: -5s, user: alice, do: stop}\n")},
      {"an unknown unit", "name: t\nuntil: 1x\n"},
      {"until of no time", "name: t\nuntil: 0s\n"},
      {"a probability above 1", with_base("links: {ble: {loss: 1.5}}\n")},
      {"a negative probability", with_base("links: {wan: {loss: -0.1}}\n")},
      {"a probability range above 1", with_base("links: {ble: {duplicate: 0.1..1.5}}\n")},
      {"a state of charge above 1", "name: t\nuntil: 1h\nusers: [{id: u, vehicle: {id: V, battery_kwh: 60, soc: 1.2}}]\n"},
      {"an MTU below 23", with_base("links: {ble: {mtu: 20}}\n")},
      {"a range where none is allowed", "name: t\nuntil: 1h\npiles: [{id: P1, power_kw: 7..11}]\n"},
      {"zero power", "name: t\nuntil: 1h\npiles: [{id: P1, power_kw: 0}]\n"},
      {"negative money", with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1, amount: -1.00}\n")},
      {"three decimals of money, quoted", "name: t\nuntil: 1h\nusers: [{id: u, balance: '100.005'}]\n"},
      {"a start that freezes nothing", with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1, amount: 0.00}\n")},
      {"no name", "until: 1h\n"},
      {"no until", "name: t\n"},
      {"a pile without power", "name: t\nuntil: 1h\npiles: [{id: P1}]\n"},
      {"a vehicle without soc", "name: t\nuntil: 1h\nusers: [{id: u, vehicle: {id: V, battery_kwh: 60}}]\n"},
      {"a step without at", with_base("steps:\n  - {user: alice, do: stop}\n")},
      {"a reserve without start", with_base("steps:\n  - {at: 1m, user: alice, do: reserve, pile: P1}\n")},
      {"a start without amount", with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1}\n")},
      {"an arrive without pile", with_base("steps:\n  - {at: 1m, user: alice, do: arrive}\n")},
      {"a parameter of another action", with_base("steps:\n  - {at: 1m, user: alice, do: stop, amount: 5.00}\n")},
      {"an unknown action", with_base("steps:\n  - {at: 1m, user: alice, do: charge}\n")},
      {"nothing where a list belongs", "name: t\nuntil: 1h\npiles:\n"},
      {"null where a list belongs", "name: t\nuntil: 1h\nusers: ~\n"},
      {"nothing where a map belongs", "name: t\nuntil: 1h\ntariff:\n"},
      {"nothing where counts belong", "name: t\nuntil: 1h\nexpect: {refused: }\n"},
      {"an unknown refusal kind", with_base("expect: {refused: {bogus_kind: 1}}\n")},
      {"an unknown session state", with_base("expect: {sessions: [{user: alice, state: done}]}\n")},
      {"an unknown stop reason", with_base("expect: {sessions: [{user: alice, stop_reason: bored}]}\n")},
      {"an unknown result", with_base("expect: {result: maybe}\n")},
      {"bounds with neither end", with_base("expect: {sessions: [{user: alice, charged: {}}]}\n")},
      {"an unknown total", with_base("expect: {totals: {sesions: 1}}\n")},
      {"a total that is not a count", with_base("expect: {totals: {reconciled: many}}\n")},
      {"a range of totals with neither end", with_base("expect: {totals: {expired: '..'}}\n")},
      {"energy to the tenth of a Wh", with_base("expect: {totals: {energy_kwh: ..1.2345}}\n")},
      {"an unknown share", with_base("expect: {shares: {expired: 0.1}}\n")},
      {"a share above 1", with_base("expect: {shares: {reconciled: 0.9..1.5}}\n")},
      {"an unknown delay", with_base("expect: {delays: {reconcile_p90: ..2m}}\n")},
      {"a delay as a bare number", with_base("expect: {delays: {reconcile_p99: ..2}}\n")},
      {"an unknown bound", with_base("expect: {sessions: [{user: alice, charged: {min: 1.00, mx: 2.00}}]}\n")},
      {"a format this version does not read", "name: t\nuntil: 1h\nformat: 2\n"},
      {"an unsupported currency", with_base("currency: USD\n")},
      {"an id with a space", "name: t\nuntil: 1h\npiles: [{id: 'pile one', power_kw: 7}]\n"},
      {"a fault with two kinds", with_base("faults:\n  - {at: 1m, server: down, pile: {id: P1, power: off}}\n")},
      {"a fault with no kind", with_base("faults:\n  - {at: 1m, for: 1m}\n")},
      {"a BLE fault that changes nothing", with_base("faults:\n  - {at: 1m, ble: {pile: P1}}\n")},
      {"a bare disconnect: false", with_base("faults:\n  - {at: 1m, ble: {pile: P1, disconnect: false}}\n")},
      {"a WAN fault that changes nothing", with_base("faults:\n  - {at: 1m, wan: {user: alice, down: false}}\n")},
      {"a server fault other than down", with_base("faults:\n  - {at: 1m, server: up}\n")},
      {"a pile fault other than power off", with_base("faults:\n  - {at: 1m, pile: {id: P1, power: on}}\n")},
      {"a fault window of no time", with_base("faults:\n  - {at: 1m, for: 0s, server: down}\n")},
      {"a flag that is not true or false", with_base("steps:\n  - {at: 1m, user: alice, do: app_restart, keep_data: yes}\n")},
  };
}

// Files the loader refuses for what only the whole file or exact decimals can tell. The schema accepts them; the
// list says where its word ends (and fails when the schema learns one: move that case up).
std::vector<malformed> refused_by_loader_only() {
  return {
      {"an unknown user", with_base("steps:\n  - {at: 1m, user: bob, do: stop}\n")},
      {"an unknown pile in a fault", with_base("faults:\n  - {at: 1m, ble: {pile: P2, loss: 1}}\n")},
      {"a duplicate pile id", "name: t\nuntil: 1h\npiles: [{id: P1, power_kw: 7}, {id: P1, power_kw: 11}]\n"},
      {"a step after until", with_base("steps:\n  - {at: 6h1s, user: alice, do: stop}\n")},
      {"a range that goes down", with_base("links: {wan: {delay: 150ms..50ms}}\n")},
      {"a plain number with too many decimals", with_base("tariff: {energy_per_kwh: 1.00441}\n")},
      {"a number that starts with a dot", with_base("links: {ble: {loss: .5}}\n")},
      {"a start by a user without a vehicle",
       "name: t\nuntil: 1h\npiles: [{id: P1, power_kw: 7}]\nusers: [{id: walker}]\n"
       "steps:\n  - {at: 1m, user: walker, do: start, pile: P1, amount: 10.00}\n"},
      {"a repeated key (JSON keeps one)", "name: a\nname: b\nuntil: 1h\n"},
      {"format 1.0 (JSON reads it as 1)", "name: t\nuntil: 1h\nformat: 1.0\n"},
      {"a fraction finer than a microsecond", "name: t\nuntil: 7.1234ms\n"},
      {"a supervision timeout not above 2 x the interval",
       with_base("links: {ble: {conn_interval: 100ms, supervision_timeout: 200ms}}\n")},
  };
}

}  // namespace

TEST_SUITE("schema/scenario") {
  TEST_CASE("the schema is one self-contained draft-07 document that valijson reads") {
    const boost::json::value doc = boost::json::parse(read_file(PILESIM_SCHEMA_FILE));
    CHECK(doc.at("$schema").as_string() == "http://json-schema.org/draft-07/schema#");
    CHECK_NOTHROW(scenario_schema());
    CHECK(read_file(PILESIM_SCHEMA_FILE).find("\"$ref\": \"http") == std::string::npos);  // no remote references
  }

  TEST_CASE("every scenario of the library and of docs/ validates, as the loader reads it") {
    std::vector<std::string> files;
    for (const char* dir : {PILESIM_SCENARIO_DIR, PILESIM_DOCS_DIR "/study"})
      for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 20);
    for (const auto& f : files) {
      CAPTURE(f);
      const std::string text = read_file(f);
      CHECK(joined(loader_errors(text)) == "");
      CHECK(joined(schema_errors(text)) == "");
    }
  }

  TEST_CASE("format v1's example validates; v1.1's too, and the loader reads every key of both") {
    const std::string v1 = read_file(std::string(PILESIM_SCHEMA_TEST_DIR) + "/format_v1.yaml");
    CHECK(joined(loader_errors(v1)) == "");
    CHECK(joined(schema_errors(v1)) == "");
    const std::string v1_1 = read_file(std::string(PILESIM_SCHEMA_TEST_DIR) + "/format_v1_1.yaml");
    CHECK(joined(schema_errors(v1_1)) == "");
    CHECK(joined(loader_errors(v1_1)) == "");
    for (const char* kind : {"forge_start", "alter_start", "replay_start", "expired_start", "alter_bill",
                             "replay_bill", "withhold_bill", "withhold_ack", "forge_receipt", "steal_stop"}) {
      CAPTURE(kind);
      CHECK(joined(schema_errors(with_base("faults:\n  - {at: 0s, attack: {user: alice, kind: " +
                                           std::string(kind) + "}}\n"))) == "");
    }
    CHECK_FALSE(schema_errors(with_base("faults:\n  - {at: 0s, attack: {user: alice, kind: redirect_start}}\n"))
                    .empty());  // redirect_start needs the pile it redirects to
    CHECK_FALSE(schema_errors(with_base("faults:\n  - {at: 0s, attack: {user: alice, kind: bribe}}\n")).empty());
  }

  TEST_CASE("every key of the expectations over a whole run validates, as the loader reads it") {
    const std::string text = with_base(
        "expect:\n"
        "  totals: {sessions: 1..2, reconciled: 1.., expired: ..5, refused: 0, gave_up: {max: 3},\n"
        "           energy_kwh: 1.5..2.25, charged: ..3.40}\n"
        "  shares: {reconciled: 0.999999..1}\n"
        "  delays: {reconcile_p50: ..2m, reconcile_p95: 1s..2h, reconcile_p99: 1h30m.., reconcile_max: {max: 1d}}\n");
    CHECK(joined(loader_errors(text)) == "");
    CHECK(joined(schema_errors(text)) == "");
  }

  TEST_CASE("what the loader refuses for a reason a schema can state, the schema refuses too") {
    for (const malformed& m : refused_by_both()) {
      CAPTURE(m.what);
      CAPTURE(m.yaml);
      CHECK_FALSE(loader_errors(m.yaml).empty());
      CHECK_FALSE(schema_errors(m.yaml).empty());
    }
  }

  TEST_CASE("what only the whole file or exact decimals can tell is the loader's alone, and this list says so") {
    for (const malformed& m : refused_by_loader_only()) {
      CAPTURE(m.what);
      CAPTURE(m.yaml);
      CHECK_FALSE(loader_errors(m.yaml).empty());
      CHECK(joined(schema_errors(m.yaml)) == "");
    }
  }

  TEST_CASE("the lists the schema shares with the code are the code's: refusal kinds, formats") {
    const boost::json::value doc = boost::json::parse(read_file(PILESIM_SCHEMA_FILE));
    const auto& kinds = doc.at_pointer("/definitions/expect/properties/refused/propertyNames/enum").as_array();
    std::vector<std::string> in_schema, in_code;
    for (const auto& k : kinds) in_schema.emplace_back(k.as_string());
    for (const refusal_kind& k : refusal_kinds) in_code.emplace_back(k.name);
    CHECK(in_schema == in_code);
    const auto& formats = doc.at_pointer("/properties/format/enum").as_array();
    for (std::string_view v : format_versions) {
      CAPTURE(v);
      CHECK(std::find(formats.begin(), formats.end(), boost::json::value(boost::json::string(v))) != formats.end());
    }
  }

  TEST_CASE("a schema error points at the line and column of what it is about") {
    const auto e = schema_errors(with_base("links:\n  ble: {delay: 20ms..60ms, loss: 1.5}\n"));
    REQUIRE_FALSE(e.empty());
    INFO(joined(e));
    CHECK(e[0] == "10:34: <root>[links][ble][loss]: Expected number less than or equal to 1.000000");
    const auto top = schema_errors(with_base("seeds: 3\n"));
    REQUIRE_FALSE(top.empty());
    CHECK(joined(top).find("'seeds'") != std::string::npos);
  }
}
