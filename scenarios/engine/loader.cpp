#include "scenarios/engine/loader.hpp"

#include "agent/attack.hpp"
#include "pile/clock.hpp"

#include "scenarios/engine/refusal_kinds.hpp"
#include "scenarios/engine/values.hpp"
#include "scenarios/engine/yaml_override.hpp"
#include "scenarios/engine/yaml_tree.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace pilesim::scenarios {
namespace {

using kind = yaml_node::kind;
using keys = std::initializer_list<std::string_view>;

// Collection stops here even before sorting; far more than anyone reads, small enough to stay bounded.
constexpr std::size_t collected_max = 1000;
constexpr std::size_t id_len_max = 32;  // pile and vehicle ids, bounded as in contract/envelope.hpp and token.hpp
constexpr std::int64_t mtu_min = 23;    // the ATT MTU every BLE device supports
constexpr std::int64_t mtu_max = 517;   // the largest ATT MTU BLE allows
constexpr std::int64_t bill_store_max = 1'000'000;
// BLE's own bounds (Core spec, Vol 6 Part B 4.5.1): what a connection's parameters may be.
constexpr sim::time_us conn_interval_min_us = 7'500;
constexpr sim::time_us conn_interval_max_us = 4 * sim::sec;
constexpr sim::time_us supervision_timeout_min_us = 100 * sim::msec;
constexpr sim::time_us supervision_timeout_max_us = 32 * sim::sec;
constexpr std::int64_t packets_per_event_max = 64;
constexpr std::int64_t refused_count_max = 1'000'000'000;
constexpr std::size_t ids_listed_max = 10;  // "unknown user 'x' (users: a, b, ... and 99990 more)"

// Keys of a format (SCENARIOS.md) that this loader does not read yet, by where they belong (list indices
// written []): named as such, rather than as unknown. A key leaves this table when the loader learns it; empty
// while every key of format 1.1 is read.
constexpr std::array<std::pair<std::string_view, std::string_view>, 0> keys_not_read_yet{};
// A generated fleet: ids are <prefix><n>, so a prefix this long still leaves room for the number and `-car`.
constexpr std::size_t prefix_len_max = 16;
constexpr std::int64_t fleet_piles_max = 1'000'000;
constexpr std::int64_t fleet_users_max = 10'000'000;
constexpr std::int64_t sessions_per_day_max_ppm = 1000 * 1'000'000;

// "faults[3].ble" -> "faults[].ble"
std::string without_indices(std::string_view where) {
  std::string out;
  for (std::size_t i = 0; i < where.size(); ++i) {
    out += where[i];
    if (where[i] != '[') continue;
    while (i + 1 < where.size() && where[i + 1] != ']') ++i;
  }
  return out;
}

bool not_read_yet(std::string_view where, std::string_view key) {
  const std::string general = without_indices(where);
  return std::any_of(keys_not_read_yet.begin(), keys_not_read_yet.end(),
                     [&](const auto& k) { return k.first == general && k.second == key; });
}

std::string join(keys words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string child(std::string_view where, std::string_view key) {
  if (where.empty()) return std::string(key);
  return std::string(where) + "." + std::string(key);
}

std::string indexed(std::string_view where, std::size_t i) {
  return std::string(where) + "[" + std::to_string(i) + "]";
}

source_pos to_source(const yaml_pos& p) { return {p.line, p.column}; }

// A duration as people write it, for messages: `4s`, `30ms`, `7.5ms`, `250us`.
std::string duration_text(sim::time_us us) {
  if (us % sim::sec == 0) return std::to_string(us / sim::sec) + "s";
  if (us % sim::msec == 0) return std::to_string(us / sim::msec) + "ms";
  if (us < sim::msec) return std::to_string(us) + "us";
  std::string frac = std::to_string(1000 + us % sim::msec).substr(1);
  while (frac.back() == '0') frac.pop_back();
  return std::to_string(us / sim::msec) + "." + frac + "ms";
}

std::string at_text(const yaml_pos& p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

// What to write instead of a key with no value, where a map or a list belongs.
std::string nothing_hint(const yaml_node& n, std::string_view empty) {
  if (n.type != yaml_node::kind::null) return "";
  return " (leave the key out, or write " + std::string(empty) + " for none)";
}

bool valid_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

template <class E>
struct word {
  std::string_view text;
  E value;
};

constexpr std::array<word<step_action>, 8> action_words{{
    {"reserve", step_action::reserve},
    {"cancel", step_action::cancel},
    {"start", step_action::start},
    {"stop", step_action::stop},
    {"leave", step_action::leave},
    {"arrive", step_action::arrive},
    {"unplug", step_action::unplug},
    {"app_restart", step_action::app_restart},
}};

constexpr std::array<word<session_state>, 4> session_state_words{{
    {"reconciled", session_state::reconciled},
    {"open", session_state::open},
    {"refused", session_state::refused},
    {"expired", session_state::expired},
}};

constexpr std::array<word<reservation_state>, 4> reservation_state_words{{
    {"used", reservation_state::used},
    {"expired", reservation_state::expired},
    {"cancelled", reservation_state::cancelled},
    {"refused", reservation_state::refused},
}};

constexpr std::array<word<run_result>, 2> result_words{{{"pass", run_result::pass}, {"fail", run_result::fail}}};

constexpr std::array<word<stop_reason>, 6> stop_reason_words{{
    {"user", stop_reason::user},
    {"cap", stop_reason::cap},
    {"full", stop_reason::full},
    {"unplug", stop_reason::unplug},
    {"power_loss", stop_reason::power_loss},
    {"fault", stop_reason::fault},
}};

// What each step action takes beyond at, user and do; the first `required` of them must be present.
struct action_params {
  step_action action;
  std::initializer_list<std::string_view> params;
  std::size_t required;
};

const action_params& params_of(step_action a) {
  static const std::array<action_params, 8> table{{
      {step_action::reserve, {"pile", "start", "duration"}, 2},
      {step_action::cancel, {}, 0},
      {step_action::start, {"pile", "amount"}, 2},
      {step_action::stop, {}, 0},
      {step_action::leave, {}, 0},
      {step_action::arrive, {"pile"}, 1},
      {step_action::unplug, {}, 0},
      {step_action::app_restart, {"keep_data"}, 0},
  }};
  for (const auto& p : table)
    if (p.action == a) return p;
  throw std::logic_error("bug: step action without parameters table");
}

// The ids of one kind declared so far, with where each was written, for "duplicate ... (first at L:C)".
// Lookups are hashed (a fleet lists 100,000 users); the map is never iterated, so its order reaches nothing.
struct id_register {
  std::string_view noun;  // "pile", "user", "vehicle"
  std::vector<std::string> ids;                        // in file order, for messages
  std::unordered_map<std::string, yaml_pos> declared;  // id -> where it was declared
  // Generated ids <gen_prefix>1 .. <gen_prefix><gen_count> (`fleet`), recognised by their form, never stored.
  std::string gen_prefix;
  std::int64_t gen_count = 0;

  // The n of a generated id, or 0.
  std::int64_t generated(std::string_view id) const {
    if (gen_count == 0 || !id.starts_with(gen_prefix)) return 0;
    const std::string_view digits = id.substr(gen_prefix.size());
    if (digits.empty() || digits.size() > 10 || digits[0] == '0') return 0;
    std::int64_t v = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return 0;
      v = v * 10 + (c - '0');
    }
    return v <= gen_count ? v : 0;
  }
  bool has(const std::string& id) const { return declared.count(id) > 0 || generated(id) > 0; }

  // "users: alice, bob" or "users: U1, ..., U10 and 99990 more"
  std::string listed() const {
    if (ids.empty() && gen_count == 0) return "no " + std::string(noun) + "s are defined";
    std::string out = std::string(noun) + "s: ";
    for (std::size_t i = 0; i < ids.size() && i < ids_listed_max; ++i) out += (i ? ", " : "") + ids[i];
    if (ids.size() > ids_listed_max) out += " and " + std::to_string(ids.size() - ids_listed_max) + " more";
    if (gen_count > 0)
      out += std::string(ids.empty() ? "" : "; ") + "generated " + gen_prefix + "1.." + gen_prefix +
             std::to_string(gen_count);
    return out;
  }
};

class converter;

// A map's entries, checked once for type, unknown keys and repeated keys; lookups by key after that.
class map_view {
 public:
  // A map written as nothing (`key:`) is an error like any other wrong type, unless `null_is_empty`.
  map_view(converter& c, const yaml_node& n, std::string where, keys allowed, bool null_is_empty = false);

  bool valid() const { return valid_; }
  const yaml_node& node() const { return node_; }
  const std::string& where() const { return where_; }
  std::string path(std::string_view key) const { return child(where_, key); }
  const yaml_entry* entry(std::string_view key) const;
  const yaml_node* get(std::string_view key) const {
    const auto* e = entry(key);
    return e ? &e->value : nullptr;
  }
  // Reports a missing key at the map itself.
  const yaml_node* require(std::string_view key);

 private:
  converter& c_;
  const yaml_node& node_;
  std::string where_;
  bool valid_ = false;
};

class converter {
 public:
  converter(std::string file, const std::vector<override_setting>& overrides)
      : file_(std::move(file)), overrides_(overrides) {}

  void error(const yaml_pos& pos, std::string message) {
    ++total_;
    if (found_.size() >= collected_max) return;
    diagnostic d{file_, to_source(pos), "", std::move(message)};
    if (pos.override_index >= 0 && static_cast<std::size_t>(pos.override_index) < overrides_.size()) {
      const auto& o = overrides_[static_cast<std::size_t>(pos.override_index)];
      d.override_text = o.path + "=" + o.value;
    }
    found_.push_back({pos.override_index, std::move(d)});
  }

  // File order: problems without a place first, then by line and column, then those from overrides in the
  // order the overrides were given. The sort is stable, so equal places keep the order they were found in.
  diagnostics sorted() {
    auto rank = [](const found& f) {
      bool has_pos = f.d.pos.line > 0;
      return std::make_tuple(f.override_index >= 0 ? 1 : 0, f.override_index, has_pos ? 1 : 0, f.d.pos.line,
                             f.d.pos.column);
    };
    std::stable_sort(found_.begin(), found_.end(),
                     [&](const found& a, const found& b) { return rank(a) < rank(b); });
    diagnostics out;
    for (std::size_t i = 0; i < found_.size() && i < diagnostics_max; ++i) out.push_back(found_[i].d);
    if (total_ > diagnostics_max)
      out.push_back({file_, {}, "", "and " + std::to_string(total_ - diagnostics_max) + " more errors"});
    return out;
  }

  bool failed() const { return total_ > 0; }

  scenario convert(const yaml_node& root);

  // --- scalars ---------------------------------------------------------------------------------------------

  const std::string* text(const yaml_node& n, const std::string& path, std::string_view expected) {
    if (n.type == kind::scalar) return &n.text;
    error(n.pos, path + ": expected " + std::string(expected) + ", found " + describe(n));
    return nullptr;
  }

  // One exact value: a range here is refused with a reason, not misread as a malformed value.
  template <class T, class F>
  std::optional<T> exact(const yaml_node& n, const std::string& path, std::string_view expected, F parse) {
    const std::string* t = text(n, path, expected);
    if (!t) return std::nullopt;
    if (split_range(*t)) {
      error(n.pos, path + ": a range is not allowed here ('" + *t + "')");
      return std::nullopt;
    }
    parsed<T> v = parse(*t);
    if (!v) {
      error(n.pos, path + ": " + v.error().message);
      return std::nullopt;
    }
    return *v;
  }

  // An exact duration within [lo, hi]; `bounds` says which in the message.
  std::optional<sim::time_us> duration_within(const yaml_node& n, const std::string& path, sim::time_us lo,
                                              sim::time_us hi, std::string_view why) {
    auto v = exact<sim::time_us>(n, path, "a duration", parse_duration_us);
    if (v && (*v < lo || *v > hi)) {
      error(n.pos, path + ": must be from " + duration_text(lo) + " to " + duration_text(hi) + " (" +
                       std::string(why) + ")");
      return std::nullopt;
    }
    return v;
  }

  // An exact whole number within [lo, hi].
  std::optional<std::int64_t> count_within(const yaml_node& n, const std::string& path, std::int64_t lo,
                                           std::int64_t hi, std::string_view why) {
    auto v = exact<std::int64_t>(n, path, "a whole number",
                                 [](std::string_view t) { return parse_count(t, 1'000'000); });
    if (v && (*v < lo || *v > hi)) {
      error(n.pos, path + ": must be from " + std::to_string(lo) + " to " + std::to_string(hi) + " (" +
                       std::string(why) + ")");
      return std::nullopt;
    }
    return v;
  }

  // An exact whole number within [lo, hi], for counts that may be larger than count_within() takes.
  std::optional<std::int64_t> count_in(const yaml_node& n, const std::string& path, std::int64_t lo, std::int64_t hi) {
    auto v = exact<std::int64_t>(n, path, "a whole number", [hi](std::string_view t) { return parse_count(t, hi); });
    if (v && *v < lo) {
      error(n.pos, path + ": must be from " + std::to_string(lo) + " to " + std::to_string(hi));
      return std::nullopt;
    }
    return v;
  }

  // A share of something, from 0 to 1, exact.
  std::optional<std::uint32_t> share(const yaml_node& n, const std::string& path) {
    return exact<std::uint32_t>(n, path, "a share from 0 to 1", parse_probability_ppb);
  }

  // A range (or one value) of durations, each end longer than 0s.
  std::optional<drawn<sim::time_us>> positive_durations(const yaml_node& n, const std::string& path) {
    auto d = ranged<sim::time_us>(n, path, "a duration", parse_duration_us);
    if (d && d->lo <= 0) {
      error(n.pos, path + ": must be longer than 0s");
      return std::nullopt;
    }
    return d;
  }

  // A BLE connection must survive two missed connection events: the timeout is more than 2 x the interval.
  // `where` is the map that holds the keys; the error points at `n`, the key that was written.
  void check_supervision(const yaml_node& n, const std::string& where, sim::time_us timeout_us,
                         sim::time_us interval_us) {
    if (timeout_us > 2 * interval_us) return;
    error(n.pos, where + ": supervision_timeout must be more than 2 x conn_interval (" +
                     duration_text(timeout_us) + " is not more than 2 x " + duration_text(interval_us) + ")");
  }

  // A value or a range `a..b` drawn at run time.
  template <class T, class F>
  std::optional<drawn<T>> ranged(const yaml_node& n, const std::string& path, std::string_view expected,
                                 F parse) {
    const std::string* t = text(n, path, expected);
    if (!t) return std::nullopt;
    auto r = split_range(*t);
    if (!r) {
      parsed<T> v = parse(*t);
      if (!v) {
        error(n.pos, path + ": " + v.error().message);
        return std::nullopt;
      }
      return drawn<T>{*v, *v};
    }
    parsed<T> lo = parse(r->lo);
    parsed<T> hi = parse(r->hi);
    if (!lo) error(n.pos, path + ": " + lo.error().message);
    if (!hi) error(n.pos, path + ": " + hi.error().message);
    if (!lo || !hi) return std::nullopt;
    if (*hi < *lo) {
      error(n.pos, path + ": range '" + *t + "' goes down (write the smaller end first)");
      return std::nullopt;
    }
    return drawn<T>{*lo, *hi};
  }

  // `..b` or `a..`: an expectation's range with one end left out. Nothing when `n` is not such a range; an
  // empty optional inside when it is one but does not parse.
  template <class T, class F>
  std::optional<std::optional<located<bounds<T>>>> open_ended(const yaml_node& n, const std::string& path, F parse,
                                                              located<bounds<T>> out) {
    if (n.type != kind::scalar) return std::nullopt;
    auto r = split_range(n.text);
    if (!r || (!r->lo.empty() && !r->hi.empty())) return std::nullopt;
    if (r->lo.empty() && r->hi.empty()) {
      error(n.pos, path + ": '" + n.text + "' gives neither end of the range");
      return std::optional<located<bounds<T>>>{};
    }
    parsed<T> v = parse(r->lo.empty() ? r->hi : r->lo);
    if (!v) {
      error(n.pos, path + ": " + v.error().message);
      return std::optional<located<bounds<T>>>{};
    }
    (r->lo.empty() ? out.value.max : out.value.min) = *v;
    return std::optional<located<bounds<T>>>{out};
  }

  // An expectation's accepted values: exact, `a..b` (either end may be left out), or `{min: a, max: b}` with
  // either bound optional.
  template <class T, class F>
  std::optional<located<bounds<T>>> bounded(const yaml_node& n, const std::string& path,
                                            std::string_view expected, F parse) {
    located<bounds<T>> out{{}, to_source(n.pos)};
    if (n.type == kind::map) {
      map_view m(*this, n, path, {"min", "max"});
      if (!m.valid()) return std::nullopt;
      const yaml_node* min = m.get("min");
      const yaml_node* max = m.get("max");
      if (!min && !max) {
        error(n.pos, path + ": give min, max or both");
        return std::nullopt;
      }
      bool ok = true;
      if (min) ok = (out.value.min = exact<T>(*min, m.path("min"), expected, parse)).has_value() && ok;
      if (max) ok = (out.value.max = exact<T>(*max, m.path("max"), expected, parse)).has_value() && ok;
      if (!ok) return std::nullopt;
      if (min && max && *out.value.max < *out.value.min) {
        error(n.pos, path + ": max is below min");
        return std::nullopt;
      }
      return out;
    }
    if (auto open = open_ended(n, path, parse, out)) return *open;
    auto d = ranged<T>(n, path, expected, parse);
    if (!d) return std::nullopt;
    out.value.min = d->lo;
    out.value.max = d->hi;
    return out;
  }

  template <class E, std::size_t N>
  std::optional<E> one_of(const yaml_node& n, const std::string& path, std::string_view noun,
                          const std::array<word<E>, N>& words) {
    std::string expected;
    for (const auto& w : words) expected += (expected.empty() ? "" : ", ") + std::string(w.text);
    const std::string* t = text(n, path, "one of: " + expected);
    if (!t) return std::nullopt;
    for (const auto& w : words)
      if (w.text == *t) return w.value;
    error(n.pos, path + ": unknown " + std::string(noun) + " '" + *t + "' (expected one of: " + expected + ")");
    return std::nullopt;
  }

  std::optional<std::string> id(const yaml_node& n, const std::string& path) {
    const std::string* t = text(n, path, "an id");
    if (!t) return std::nullopt;
    bool ok = !t->empty() && t->size() <= id_len_max && std::all_of(t->begin(), t->end(), valid_id_char);
    if (!ok) {
      error(n.pos, path + ": bad id '" + *t + "' (1 to 32 letters, digits, '_', '-' or '.')");
      return std::nullopt;
    }
    return *t;
  }

  // Declares a new id; a repeat is an error, but the id is still returned so the rest of its entry is read.
  std::optional<std::string> declare(const yaml_node& n, const std::string& path, id_register& r) {
    auto v = id(n, path);
    if (!v) return std::nullopt;
    auto [at, fresh] = r.declared.try_emplace(*v, n.pos);
    if (!fresh)
      error(n.pos, path + ": duplicate " + std::string(r.noun) + " id '" + *v + "' (first at " + at_text(at->second) +
                       ")");
    else
      r.ids.push_back(*v);
    return v;
  }

  // A reference to a declared user or pile; unknown ids are errors that list the known ones.
  std::optional<std::string> ref(const yaml_node& n, const std::string& path, const id_register& r) {
    auto v = id(n, path);
    if (!v) return std::nullopt;
    if (r.has(*v)) return v;
    error(n.pos, path + ": unknown " + std::string(r.noun) + " '" + *v + "' (" + r.listed() + ")");
    return std::nullopt;
  }

  // A map whose keys are names (user ids, refusal kinds) rather than schema keys: checked for type and
  // repeats only, hashed (a fleet's balances may name every user). Nothing (`balances:`) is an error.
  std::span<const yaml_entry> keyed(const yaml_node& n, const std::string& path) {
    if (n.type != kind::map) {
      error(n.pos, "expected a map for " + path + ", found " + describe(n) + nothing_hint(n, "{}"));
      return {};
    }
    std::unordered_map<std::string_view, const yaml_pos*> first;
    for (const yaml_entry& e : n.entries) {
      auto [at, fresh] = first.try_emplace(e.key, &e.key_pos);
      if (!fresh)
        error(e.key_pos, "repeated key '" + e.key + "' in " + path + " (first at " + at_text(*at->second) + ")");
    }
    return n.entries;
  }

  // A list section. Nothing (`steps:` with no value, or `~`) is an error like any other wrong type.
  std::span<const yaml_node> list(const yaml_node& n, const std::string& path) {
    if (n.type == kind::seq) return n.items;
    error(n.pos, "expected a list for " + path + ", found " + describe(n) + nothing_hint(n, "[]"));
    return {};
  }

 private:
  struct found {
    int override_index;
    diagnostic d;
  };

  void convert_top(map_view& top, scenario& s);
  tariff_config convert_tariff(const yaml_node& n, const std::string& path, tariff_config base);
  void convert_piles(const yaml_node& n, scenario& s);
  void convert_users(const yaml_node& n, scenario& s);
  std::optional<vehicle_config> convert_vehicle(const yaml_node& n, const std::string& path);
  void convert_clock(const yaml_node& n, const std::string& path, pile_config& p);
  void convert_links(const yaml_node& n, links_config& links);
  void convert_ble_link(const yaml_node& n, ble_link_config& ble);
  void convert_steps(const yaml_node& n, scenario& s);
  void convert_step_params(const map_view& m, step_action action, const std::string& path, step& st);
  void convert_faults(const yaml_node& n, scenario& s);
  void convert_fleet(const yaml_node& n, scenario& s);
  void convert_fleet_piles(const yaml_node& n, const std::string& path, scenario& s);
  void convert_fleet_users(const yaml_node& n, const std::string& path, scenario& s);
  std::optional<fleet_vehicle_config> convert_fleet_vehicle(const yaml_node& n, const std::string& path);
  void convert_workload(const yaml_node& n, scenario& s);
  std::optional<std::string> prefix(const yaml_node& n, const std::string& path);
  // The `count` (required, 1..max) and `prefix` (optional) of fleet.piles and fleet.users; false if either is bad.
  bool generated_ids(map_view& m, std::int64_t max, std::int64_t& count, std::string& id_prefix);
  // `site: S7` of a fault: the site's piles in id order, or nullopt (reported).
  std::optional<std::vector<std::string>> site_piles(const yaml_node& n, const std::string& path);
  // A fault's target: `pile_key: <pile>` or `site: <site>`, exactly one; fills pile or site and piles.
  bool fault_target(map_view& m, const std::string& path, std::string_view pile_key, std::string& pile,
                    std::string& site, std::vector<std::string>& piles);
  std::optional<fault_kind> convert_fault_kind(const map_view& m, const std::string& path);
  std::optional<ble_fault> convert_ble_fault(const yaml_node& n, const std::string& path);
  void convert_ble_fault_timing(const map_view& m, ble_fault& b);
  std::optional<wan_fault> convert_wan_fault(const yaml_node& n, const std::string& path);
  std::optional<attack_fault> convert_attack_fault(const yaml_node& n, const std::string& path);
  void convert_expect(const yaml_node& n, scenario& s);
  void convert_session_expectations(const yaml_node& n, const std::string& path, expectations& e);
  void convert_reservation_expectations(const yaml_node& n, const std::string& path, expectations& e);
  void convert_totals(const yaml_node& n, const std::string& path, totals_expectation& t);
  void convert_delays(const yaml_node& n, const std::string& path, delays_expectation& d);
  std::optional<pile_power_fault> convert_pile_fault(const yaml_node& n, const std::string& path);
  void check_within_until(const yaml_node& n, const std::string& path, const drawn<sim::time_us>& t);

  std::string file_;
  const std::vector<override_setting>& overrides_;
  std::vector<found> found_;
  std::size_t total_ = 0;
  id_register piles_{"pile", {}, {}};
  id_register users_{"user", {}, {}};
  // Two users with one vehicle id would be two cars with one name in every trace and token.
  id_register vehicles_{"vehicle", {}, {}};
  std::unordered_set<std::string> without_vehicle_;  // users who cannot `start`; looked up, never iterated
  bool generated_without_vehicle_ = false;           // the fleet's users have no vehicle
  std::optional<fleet_piles_config> fleet_piles_;    // for `site:` references
  bool fleet_piles_written_ = false;                 // even if malformed: its own errors say what is wrong
  bool fleet_users_written_ = false;
  std::optional<sim::time_us> until_us_;  // absent when missing or malformed: nothing is checked against it
  ble_link_config links_ble_;
  std::string until_text_;
};

map_view::map_view(converter& c, const yaml_node& n, std::string where, keys allowed, bool null_is_empty)
    : c_(c), node_(n), where_(std::move(where)) {
  std::string place = where_.empty() ? "at the top level" : "in " + where_;
  if (n.type == kind::null && null_is_empty) {
    valid_ = true;
    return;
  }
  if (n.type != kind::map) {
    c_.error(n.pos, "expected a map " + (where_.empty() ? std::string("at the top level") : "for " + where_) +
                        ", found " + describe(n) + nothing_hint(n, "{}"));
    return;
  }
  valid_ = true;
  // Where each allowed key was first seen: repeats are found in entries x allowed, never entries squared.
  std::vector<const yaml_pos*> first(allowed.size(), nullptr);
  for (const yaml_entry& e : n.entries) {
    auto k = std::find(allowed.begin(), allowed.end(), e.key);
    if (k == allowed.end()) {
      if (not_read_yet(where_, e.key))
        c_.error(e.key_pos, "key '" + e.key + "' " + place + " is format 1.1, which this version of pilesim does " +
                                "not read yet (it reads: " + join(allowed) + ")");
      else
        c_.error(e.key_pos, "unknown key '" + e.key + "' " + place + " (expected one of: " + join(allowed) + ")");
      continue;
    }
    const yaml_pos*& seen = first[static_cast<std::size_t>(k - allowed.begin())];
    if (seen)
      c_.error(e.key_pos, "repeated key '" + e.key + "' " + place + " (first at " + at_text(*seen) + ")");
    else
      seen = &e.key_pos;
  }
}

const yaml_entry* map_view::entry(std::string_view key) const {
  if (!valid_) return nullptr;
  for (const auto& e : node_.entries)
    if (e.key == key) return &e;
  return nullptr;
}

const yaml_node* map_view::require(std::string_view key) {
  const yaml_node* n = get(key);
  if (!n && valid_) {
    std::string place = where_.empty() ? "at the top level" : "in " + where_;
    c_.error(node_.pos, "missing required key '" + std::string(key) + "' " + place);
  }
  return n;
}

scenario converter::convert(const yaml_node& root) {
  scenario s;
  s.file = file_;
  if (root.type == kind::null) {
    error(root.pos, "empty scenario file (it needs at least name and until)");
    return s;
  }
  map_view top(*this, root, "",
               {"name", "description", "seed", "until", "currency", "tariff", "piles", "users", "links", "steps",
                "faults", "expect", "format", "fleet", "workload"},
               false);
  if (!top.valid()) return s;
  convert_top(top, s);
  // Piles name their own tariff on top of the global one, so the global one comes first.
  if (const auto* n = top.get("tariff")) s.tariff = convert_tariff(*n, "tariff", s.tariff);
  if (const auto* n = top.get("piles")) convert_piles(*n, s);
  if (const auto* n = top.get("users")) convert_users(*n, s);
  // After the listed piles and users, whose ids the generated ones must not take; before anything names an id.
  if (const auto* n = top.get("fleet")) convert_fleet(*n, s);
  if (const auto* n = top.get("workload")) convert_workload(*n, s);
  if (const auto* n = top.get("links")) convert_links(*n, s.links);
  links_ble_ = s.links.ble;  // what a ble fault's timing is checked against
  if (const auto* n = top.get("steps")) convert_steps(*n, s);
  if (const auto* n = top.get("faults")) convert_faults(*n, s);
  if (const auto* n = top.get("expect")) convert_expect(*n, s);
  return s;
}

void converter::convert_top(map_view& m, scenario& s) {
  if (const auto* n = m.get("format")) {
    if (const std::string* t = text(*n, "format", "a format version")) {
      if (std::find(format_versions.begin(), format_versions.end(), *t) == format_versions.end())
        error(n->pos, "format: '" + *t + "' is not a format this version of pilesim reads (it reads: " +
                          format_versions_text() + ")");
    }
  }
  if (const auto* n = m.require("name")) {
    if (const std::string* t = text(*n, "name", "text")) {
      if (t->empty()) error(n->pos, "name: must not be empty");
      s.name = *t;
    }
  }
  if (const auto* n = m.get("description")) {
    if (const std::string* t = text(*n, "description", "text")) s.description = *t;
  }
  if (const auto* n = m.get("seed")) {
    if (auto v = exact<std::uint64_t>(*n, "seed", "a whole number", parse_seed)) s.seed = *v;
  }
  if (const auto* n = m.require("until")) {
    if (auto v = exact<sim::time_us>(*n, "until", "a duration", parse_duration_us)) {
      if (*v <= 0) {
        error(n->pos, "until: must be longer than 0s");
      } else {
        s.until_us = *v;
        until_us_ = *v;
        until_text_ = n->text;
      }
    }
  }
  if (const auto* n = m.get("currency")) {
    if (const std::string* t = text(*n, "currency", "a currency code")) {
      if (*t != "CNY") error(n->pos, "currency: '" + *t + "' is not supported (only CNY, with 2 minor digits)");
    }
  }
}

tariff_config converter::convert_tariff(const yaml_node& n, const std::string& path, tariff_config base) {
  map_view m(*this, n, path,
             {"energy_per_kwh", "service_per_kwh", "no_show_fee", "reservation_hold", "authorization_ttl"});
  tariff_config t = base;
  if (!m.valid()) return t;
  if (const auto* v = m.get("energy_per_kwh")) {
    if (auto p = exact<price_per_kwh>(*v, m.path("energy_per_kwh"), "a price", parse_kwh_price))
      t.energy_per_kwh = *p;
  }
  if (const auto* v = m.get("service_per_kwh")) {
    if (auto p = exact<price_per_kwh>(*v, m.path("service_per_kwh"), "a price", parse_kwh_price))
      t.service_per_kwh = *p;
  }
  if (const auto* v = m.get("no_show_fee")) {
    if (auto a = exact<money>(*v, m.path("no_show_fee"), "an amount", parse_amount)) t.no_show_fee = *a;
  }
  if (const auto* v = m.get("reservation_hold")) {
    if (auto d = exact<sim::time_us>(*v, m.path("reservation_hold"), "a duration", parse_duration_us))
      t.reservation_hold_us = *d;
  }
  if (const auto* v = m.get("authorization_ttl")) {
    if (auto d = exact<sim::time_us>(*v, m.path("authorization_ttl"), "a duration", parse_duration_us)) {
      // An authorization that expires as it is issued can never start anything.
      if (*d <= 0) error(v->pos, m.path("authorization_ttl") + ": must be longer than 0s");
      else t.authorization_ttl_us = *d;
    }
  }
  return t;
}

void converter::convert_piles(const yaml_node& n, scenario& s) {
  auto items = list(n, "piles");
  piles_.declared.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string path = indexed("piles", i);
    map_view m(*this, items[i], path, {"id", "power_kw", "bill_store", "tariff", "clock"}, false);
    if (!m.valid()) continue;
    pile_config p;
    p.pos = to_source(items[i].pos);
    if (const auto* v = m.require("id")) {
      if (auto id_value = declare(*v, m.path("id"), piles_)) p.id = *id_value;
    }
    if (const auto* v = m.require("power_kw")) {
      auto w = exact<std::int64_t>(*v, m.path("power_kw"), "a number of kW",
                                   [](std::string_view t) { return parse_scaled_decimal(t, 3); });
      if (w && *w == 0) error(v->pos, m.path("power_kw") + ": must be more than 0");
      else if (w) p.power_w = *w;
    }
    if (const auto* v = m.get("bill_store")) {
      auto c = exact<std::int64_t>(*v, m.path("bill_store"), "a whole number",
                                   [](std::string_view t) { return parse_count(t, bill_store_max); });
      if (c && *c == 0) error(v->pos, m.path("bill_store") + ": must be at least 1");
      else if (c) p.bill_store = *c;
    }
    if (const auto* v = m.get("tariff")) p.tariff = convert_tariff(*v, m.path("tariff"), s.tariff);
    if (const auto* v = m.get("clock")) convert_clock(*v, m.path("clock"), p);
    s.piles.push_back(std::move(p));
  }
}

void converter::convert_clock(const yaml_node& n, const std::string& path, pile_config& p) {
  map_view m(*this, n, path, {"offset", "drift_ppm"}, false);
  if (!m.valid()) return;
  // Signed, unlike every other duration or count of the format: a clock may be behind or slow.
  auto without_sign = [](std::string_view& t) {
    const bool negative = !t.empty() && t[0] == '-';
    if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
    return negative;
  };
  if (const auto* v = m.get("offset")) {
    auto signed_duration = [&](std::string_view t) -> parsed<sim::time_us> {
      const bool negative = without_sign(t);
      auto u = parse_duration_us(t);
      if (!u) return u.error();
      return negative ? -*u : *u;
    };
    auto d = exact<sim::time_us>(*v, m.path("offset"), "a duration", signed_duration);
    if (d && (*d < -pile::clock_config::offset_us_max || *d > pile::clock_config::offset_us_max))
      error(v->pos, m.path("offset") + ": must be within -1d..1d");
    else if (d) p.clock_offset_us = *d;
  }
  if (const auto* v = m.get("drift_ppm")) {
    auto signed_count = [&](std::string_view t) -> parsed<std::int64_t> {
      const bool negative = without_sign(t);
      auto u = parse_count(t, INT32_MAX);
      if (!u) return u.error();
      return negative ? -*u : *u;
    };
    auto d = exact<std::int64_t>(*v, m.path("drift_ppm"), "a whole number", signed_count);
    if (d && (*d < -pile::clock_config::drift_ppm_max || *d > pile::clock_config::drift_ppm_max))
      error(v->pos, m.path("drift_ppm") + ": must be within -1000..1000 (parts per million)");
    else if (d) p.clock_drift_ppm = *d;
  }
}

void converter::convert_users(const yaml_node& n, scenario& s) {
  auto items = list(n, "users");
  users_.declared.reserve(items.size());
  vehicles_.declared.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string path = indexed("users", i);
    map_view m(*this, items[i], path, {"id", "balance", "vehicle"}, false);
    if (!m.valid()) continue;
    user_config u;
    u.pos = to_source(items[i].pos);
    if (const auto* v = m.require("id")) {
      if (auto id_value = declare(*v, m.path("id"), users_)) u.id = *id_value;
    }
    if (const auto* v = m.get("balance")) {
      if (auto a = exact<money>(*v, m.path("balance"), "an amount", parse_amount)) u.balance = *a;
    }
    if (const auto* v = m.get("vehicle")) u.vehicle = convert_vehicle(*v, m.path("vehicle"));
    if (!m.get("vehicle") && !u.id.empty()) without_vehicle_.insert(u.id);
    s.users.push_back(std::move(u));
  }
}

std::optional<vehicle_config> converter::convert_vehicle(const yaml_node& n, const std::string& path) {
  map_view m(*this, n, path, {"id", "battery_kwh", "soc", "max_ac_kw"}, false);
  if (!m.valid()) return std::nullopt;
  vehicle_config v;
  v.pos = to_source(n.pos);
  if (const auto* x = m.require("id")) {
    if (auto id_value = declare(*x, m.path("id"), vehicles_)) v.id = *id_value;
  }
  auto kw = [](std::string_view t) { return parse_scaled_decimal(t, 3); };
  if (const auto* x = m.require("battery_kwh")) {
    auto wh = exact<std::int64_t>(*x, m.path("battery_kwh"), "a number of kWh", kw);
    if (wh && *wh == 0) error(x->pos, m.path("battery_kwh") + ": must be more than 0");
    else if (wh) v.battery_wh = *wh;
  }
  if (const auto* x = m.require("soc")) {
    if (auto ppm = exact<std::int64_t>(*x, m.path("soc"), "a number in [0, 1]", parse_fraction_ppm))
      v.soc_ppm = *ppm;
  }
  if (const auto* x = m.get("max_ac_kw")) {
    auto w = exact<std::int64_t>(*x, m.path("max_ac_kw"), "a number of kW", kw);
    if (w && *w == 0) error(x->pos, m.path("max_ac_kw") + ": must be more than 0");
    else if (w) v.max_ac_w = *w;
  }
  return v;
}

void converter::convert_links(const yaml_node& n, links_config& links) {
  map_view m(*this, n, "links", {"ble", "wan"});
  if (!m.valid()) return;
  if (const auto* b = m.get("ble")) convert_ble_link(*b, links.ble);
  if (const auto* w = m.get("wan")) {
    map_view wan(*this, *w, "links.wan", {"delay", "loss"});
    if (const auto* x = wan.get("delay")) {
      if (auto d = ranged<sim::time_us>(*x, wan.path("delay"), "a duration", parse_duration_us))
        links.wan.delay_us = *d;
    }
    if (const auto* x = wan.get("loss")) {
      if (auto p = ranged<std::uint32_t>(*x, wan.path("loss"), "a probability", parse_probability_ppb))
        links.wan.loss_ppb = *p;
    }
  }
}

void converter::convert_ble_link(const yaml_node& n, ble_link_config& ble) {
  map_view m(*this, n, "links.ble",
             {"delay", "loss", "duplicate", "mtu", "conn_interval", "supervision_timeout", "connect_failure",
              "corrupt", "packets_per_event"});
  if (const auto* x = m.get("delay")) {
    if (auto d = ranged<sim::time_us>(*x, m.path("delay"), "a duration", parse_duration_us)) ble.delay_us = *d;
  }
  auto probability = [&](std::string_view key, drawn<std::uint32_t>& out) {
    if (const auto* x = m.get(key)) {
      const std::string path = m.path(key);
      if (auto p = ranged<std::uint32_t>(*x, path, "a probability", parse_probability_ppb)) out = *p;
    }
  };
  probability("loss", ble.loss_ppb);
  probability("duplicate", ble.duplicate_ppb);
  probability("connect_failure", ble.connect_failure_ppb);
  probability("corrupt", ble.corrupt_ppb);
  if (const auto* x = m.get("mtu")) {
    if (auto v = count_within(*x, m.path("mtu"), mtu_min, mtu_max, "the ATT MTUs BLE allows")) ble.mtu = *v;
  }
  if (const auto* x = m.get("packets_per_event")) {
    if (auto v = count_within(*x, m.path("packets_per_event"), 1, packets_per_event_max, "per connection event"))
      ble.packets_per_event = *v;
  }
  const auto* interval = m.get("conn_interval");
  const auto* timeout = m.get("supervision_timeout");
  std::optional<sim::time_us> i = ble.conn_interval_us;
  std::optional<sim::time_us> t = ble.supervision_timeout_us;
  if (interval)
    i = duration_within(*interval, m.path("conn_interval"), conn_interval_min_us, conn_interval_max_us,
                        "what BLE allows");
  if (timeout)
    t = duration_within(*timeout, m.path("supervision_timeout"), supervision_timeout_min_us,
                        supervision_timeout_max_us, "what BLE allows");
  if (i) ble.conn_interval_us = *i;
  if (t) ble.supervision_timeout_us = *t;
  if ((interval || timeout) && i && t)
    check_supervision(timeout ? *timeout : *interval, "links.ble", *t, *i);
}

void converter::check_within_until(const yaml_node& n, const std::string& path, const drawn<sim::time_us>& t) {
  if (until_us_ && t.hi > *until_us_)
    error(n.pos, path + ": '" + n.text + "' is after until (" + until_text_ + ")");
}

void converter::convert_steps(const yaml_node& n, scenario& s) {
  auto items = list(n, "steps");
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string path = indexed("steps", i);
    map_view m(*this, items[i], path, {"at", "user", "do", "pile", "start", "duration", "amount", "keep_data"},
               false);
    if (!m.valid()) continue;
    step st;
    st.pos = to_source(items[i].pos);
    st.index = i;
    bool ok = true;
    if (const auto* x = m.require("at")) {
      auto at = ranged<sim::time_us>(*x, m.path("at"), "a duration", parse_duration_us);
      if (at) {
        st.at_us = *at;
        check_within_until(*x, m.path("at"), *at);
      }
    }
    const yaml_node* user_node = m.require("user");
    if (user_node) {
      if (auto u = ref(*user_node, m.path("user"), users_)) st.user = *u;
    }
    std::optional<step_action> action;
    if (const auto* x = m.require("do")) action = one_of(*x, m.path("do"), "action", action_words);
    if (!action) {
      ok = false;
    } else {
      st.action = *action;
      convert_step_params(m, *action, path, st);
      if (*action == step_action::start &&
          (without_vehicle_.count(st.user) > 0 || (generated_without_vehicle_ && users_.generated(st.user) > 0)))
        error(m.get("do")->pos, path + ": user '" + st.user + "' has no vehicle to charge");
    }
    if (ok) s.steps.push_back(std::move(st));
  }
}

void converter::convert_step_params(const map_view& m, step_action action, const std::string& path, step& st) {
  const action_params& ap = params_of(action);
  auto takes = [&](std::string_view key) {
    return std::find(ap.params.begin(), ap.params.end(), key) != ap.params.end();
  };
  std::string takes_text = ap.params.size() == 0 ? std::string(to_string(action)) + " takes nothing else"
                                                 : std::string(to_string(action)) + " takes: " + join(ap.params);
  for (const auto& e : m.node().entries) {
    bool param = e.key == "pile" || e.key == "start" || e.key == "duration" || e.key == "amount" ||
                 e.key == "keep_data";
    if (param && !takes(e.key))
      error(e.key_pos, path + ": '" + e.key + "' does not apply to '" + std::string(to_string(action)) + "' (" +
                           takes_text + ")");
  }
  std::vector<std::string> needs(ap.params.begin(), ap.params.begin() + static_cast<std::ptrdiff_t>(ap.required));
  for (const auto& key : needs) {
    if (!m.get(key))
      error(m.node().pos, "missing required key '" + key + "' in " + path + " (" +
                              std::string(to_string(action)) + " needs: " + join(needs) + ")");
  }
  if (const auto* x = takes("pile") ? m.get("pile") : nullptr) {
    if (auto p = ref(*x, m.path("pile"), piles_)) st.pile = *p;
  }
  if (const auto* x = takes("start") ? m.get("start") : nullptr) {
    if (auto t = ranged<sim::time_us>(*x, m.path("start"), "a duration", parse_duration_us)) st.start_us = *t;
  }
  if (const auto* x = takes("duration") ? m.get("duration") : nullptr) {
    auto d = ranged<sim::time_us>(*x, m.path("duration"), "a duration", parse_duration_us);
    if (d && d->lo <= 0) error(x->pos, m.path("duration") + ": must be longer than 0s");
    else if (d) st.duration_us = *d;
  }
  if (const auto* x = takes("amount") ? m.get("amount") : nullptr) {
    // The server refuses a start that freezes nothing (400): a file that asks for one is wrong, and says so here.
    auto a = exact<money>(*x, m.path("amount"), "an amount", parse_amount);
    if (a && a->minor == 0)
      error(x->pos, m.path("amount") + ": must be more than 0.00 (a start freezes what the session may spend)");
    else if (a) st.amount = *a;
  }
  if (const auto* x = takes("keep_data") ? m.get("keep_data") : nullptr) {
    if (auto f = exact<bool>(*x, m.path("keep_data"), "true or false", parse_flag)) st.keep_data = *f;
  }
}

void converter::convert_faults(const yaml_node& n, scenario& s) {
  auto items = list(n, "faults");
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string path = indexed("faults", i);
    map_view m(*this, items[i], path, {"at", "for", "ble", "wan", "server", "pile", "attack"}, false);
    if (!m.valid()) continue;
    fault f;
    f.pos = to_source(items[i].pos);
    f.index = i;
    if (const auto* x = m.require("at")) {
      if (auto at = ranged<sim::time_us>(*x, m.path("at"), "a duration", parse_duration_us)) {
        f.at_us = *at;
        check_within_until(*x, m.path("at"), *at);
      }
    }
    if (const auto* x = m.get("for")) {
      auto d = ranged<sim::time_us>(*x, m.path("for"), "a duration", parse_duration_us);
      // A window of no time could never touch any traffic, and every fault must apply.
      if (d && d->lo <= 0) error(x->pos, m.path("for") + ": must be longer than 0s");
      else if (d) f.for_us = *d;
    }
    if (auto k = convert_fault_kind(m, path)) {
      f.kind = std::move(*k);
      s.faults.push_back(std::move(f));
    }
  }
}

std::optional<fault_kind> converter::convert_fault_kind(const map_view& m, const std::string& path) {
  constexpr std::array<std::string_view, 5> kinds{"ble", "wan", "server", "pile", "attack"};
  std::vector<const yaml_entry*> given;
  for (const auto& e : m.node().entries)
    if (std::find(kinds.begin(), kinds.end(), e.key) != kinds.end()) given.push_back(&e);
  if (given.empty()) {
    // A kind of a newer format not read yet has its own error already; "no kind" would only add noise.
    const bool newer_kind = std::any_of(m.node().entries.begin(), m.node().entries.end(),
                                        [&](const yaml_entry& e) { return not_read_yet(path, e.key); });
    if (!newer_kind)
      error(m.node().pos, path + " has no kind (expected exactly one of: ble, wan, server, pile, attack)");
    return std::nullopt;
  }
  if (given.size() > 1) {
    std::vector<std::string> names;
    for (const auto* e : given) names.push_back(e->key);
    error(given[1]->key_pos, path + " has more than one kind (" + join(names) + "): give each its own fault");
    return std::nullopt;
  }
  const yaml_entry& e = *given[0];
  std::string kpath = child(path, e.key);
  if (e.key == "ble") {
    if (auto b = convert_ble_fault(e.value, kpath)) return fault_kind{std::move(*b)};
    return std::nullopt;
  }
  if (e.key == "wan") {
    if (auto w = convert_wan_fault(e.value, kpath)) return fault_kind{std::move(*w)};
    return std::nullopt;
  }
  if (e.key == "attack") {
    if (auto a = convert_attack_fault(e.value, kpath)) return fault_kind{std::move(*a)};
    return std::nullopt;
  }
  if (e.key == "server") {
    const std::string* t = text(e.value, kpath, "'down'");
    if (!t) return std::nullopt;
    if (*t != "down") {
      error(e.value.pos, kpath + ": expected 'down', found '" + *t + "'");
      return std::nullopt;
    }
    return fault_kind{server_fault{}};
  }
  if (auto p = convert_pile_fault(e.value, kpath)) return fault_kind{std::move(*p)};
  return std::nullopt;
}

std::optional<pile_power_fault> converter::convert_pile_fault(const yaml_node& n, const std::string& path) {
  map_view pm(*this, n, path, {"id", "site", "power", "clock_reset"}, false);
  if (!pm.valid()) return std::nullopt;
  pile_power_fault p;
  bool ok = fault_target(pm, path, "id", p.pile, p.site, p.piles);
  if (const auto* x = pm.require("power")) {
    // YAML 1.1 would read `off` as false; this loader reads words, so `off` stays the word people wrote.
    const std::string* t = text(*x, pm.path("power"), "'off'");
    if (t && *t != "off") error(x->pos, pm.path("power") + ": expected 'off', found '" + *t + "'");
    ok = ok && t && *t == "off";
  } else {
    ok = false;
  }
  if (const auto* x = pm.get("clock_reset")) {
    auto f = exact<bool>(*x, pm.path("clock_reset"), "true or false", parse_flag);
    if (f) p.clock_reset = *f;
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return p;
}

std::optional<ble_fault> converter::convert_ble_fault(const yaml_node& n, const std::string& path) {
  const std::size_t errors_before = total_;
  map_view m(*this, n, path,
             {"pile", "site", "loss", "delay", "duplicate", "mtu", "disconnect", "reorder", "conn_interval",
              "supervision_timeout", "connect_failure", "corrupt", "packets_per_event"},
             false);
  if (!m.valid()) return std::nullopt;
  ble_fault b;
  bool ok = fault_target(m, path, "pile", b.pile, b.site, b.piles);
  auto probability = [&](std::string_view key, std::optional<drawn<std::uint32_t>>& out) {
    if (const auto* x = m.get(key))
      out = ranged<std::uint32_t>(*x, m.path(key), "a probability", parse_probability_ppb);
  };
  probability("loss", b.loss_ppb);
  probability("duplicate", b.duplicate_ppb);
  probability("reorder", b.reorder_ppb);
  probability("corrupt", b.corrupt_ppb);
  probability("connect_failure", b.connect_failure_ppb);
  if (const auto* x = m.get("delay"))
    b.delay_us = ranged<sim::time_us>(*x, m.path("delay"), "a duration", parse_duration_us);
  if (const auto* x = m.get("mtu"))
    b.mtu = count_within(*x, m.path("mtu"), mtu_min, mtu_max, "the ATT MTUs BLE allows");
  if (const auto* x = m.get("packets_per_event"))
    b.packets_per_event =
        count_within(*x, m.path("packets_per_event"), 1, packets_per_event_max, "per connection event");
  convert_ble_fault_timing(m, b);
  if (const auto* x = m.get("disconnect")) {
    if (auto f = exact<bool>(*x, m.path("disconnect"), "true or false", parse_flag)) b.disconnect = *f;
  }
  bool changes = b.changes_model() || b.disconnect;
  // When something was malformed or misspelled, that error says it all; `disconnect: false` alone does not.
  if (!changes && total_ == errors_before)
    error(n.pos, path + " changes nothing (give at least one of: loss, delay, duplicate, mtu, disconnect, reorder, "
                        "conn_interval, supervision_timeout, connect_failure, corrupt, packets_per_event)");
  if (!ok || !changes) return std::nullopt;
  return b;
}

bool converter::fault_target(map_view& m, const std::string& path, std::string_view pile_key, std::string& pile,
                             std::string& site, std::vector<std::string>& piles) {
  const yaml_node* p = m.get(pile_key);
  const yaml_node* st = m.get("site");
  if (p && st) {
    error(st->pos, path + ": give " + std::string(pile_key) + " or site, not both");
    return false;
  }
  if (st) {
    auto list = site_piles(*st, m.path("site"));
    if (!list) return false;
    site = st->text;
    piles = std::move(*list);
    return true;
  }
  if (!p) {
    if (m.valid())
      error(m.node().pos, "missing required key '" + std::string(pile_key) + "' in " + path + " (or site)");
    return false;
  }
  auto id_value = ref(*p, m.path(pile_key), piles_);
  if (!id_value) return false;
  pile = *id_value;
  piles = {*id_value};
  return true;
}

std::optional<std::vector<std::string>> converter::site_piles(const yaml_node& n, const std::string& path) {
  const std::string* t = text(n, path, "a site id");
  if (!t) return std::nullopt;
  std::int64_t site = 0;
  if (fleet_piles_ && t->starts_with("S") && t->size() > 1 && t->size() <= 11 && (*t)[1] != '0' &&
      std::all_of(t->begin() + 1, t->end(), [](char c) { return c >= '0' && c <= '9'; }))
    site = std::stoll(t->substr(1));
  if (site < 1 || !fleet_piles_ || site > fleet_piles_->sites) {
    if (fleet_piles_ || !fleet_piles_written_)
      error(n.pos, path + ": unknown site '" + *t + "' (" +
                       (fleet_piles_ ? "sites: S1..S" + std::to_string(fleet_piles_->sites)
                                     : std::string("sites come from fleet.piles, which is not given")) +
                       ")");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::int64_t i = fleet_piles_->first_of(site); i < fleet_piles_->first_of(site + 1); ++i)
    out.push_back(fleet_piles_->id(i));
  return out;
}

std::optional<std::string> converter::prefix(const yaml_node& n, const std::string& path) {
  const std::string* t = text(n, path, "an id prefix");
  if (!t) return std::nullopt;
  const bool ok = !t->empty() && t->size() <= prefix_len_max && std::all_of(t->begin(), t->end(), valid_id_char);
  if (!ok) {
    error(n.pos, path + ": bad prefix '" + *t + "' (1 to " + std::to_string(prefix_len_max) +
                     " letters, digits, '_', '-' or '.')");
    return std::nullopt;
  }
  return *t;
}

bool converter::generated_ids(map_view& m, std::int64_t max, std::int64_t& count, std::string& id_prefix) {
  bool ok = false;
  if (const auto* x = m.require("count")) {
    auto c = count_in(*x, m.path("count"), 1, max);
    ok = c.has_value();
    if (c) count = *c;
  }
  if (const auto* x = m.get("prefix")) {
    auto p = prefix(*x, m.path("prefix"));
    ok = ok && p.has_value();
    if (p) id_prefix = *p;
  }
  return ok;
}

void converter::convert_fleet(const yaml_node& n, scenario& s) {
  map_view m(*this, n, "fleet", {"piles", "users"});
  if (!m.valid()) return;
  fleet_piles_written_ = m.get("piles") != nullptr;
  fleet_users_written_ = m.get("users") != nullptr;
  if (const auto* x = m.get("piles")) convert_fleet_piles(*x, m.path("piles"), s);
  if (const auto* x = m.get("users")) convert_fleet_users(*x, m.path("users"), s);
  if (!m.get("piles") && !m.get("users")) error(n.pos, "fleet: give piles, users or both");
}

// A listed id that a fleet would generate too is an error at the listed one: two things with one name.
template <class F>
void clashes(const id_register& r, F report) {
  for (const std::string& id : r.ids)
    if (r.generated(id) > 0) report(id, r.declared.at(id));
}

void converter::convert_fleet_piles(const yaml_node& n, const std::string& path, scenario& s) {
  map_view m(*this, n, path, {"count", "prefix", "power_kw", "sites", "bill_store"});
  if (!m.valid()) return;
  fleet_piles_config f;
  f.pos = to_source(n.pos);
  bool ok = generated_ids(m, fleet_piles_max, f.count, f.prefix);
  if (const auto* x = m.require("power_kw")) {
    auto w = ranged<std::int64_t>(*x, m.path("power_kw"), "a number of kW",
                                  [](std::string_view t) { return parse_scaled_decimal(t, 3); });
    if (w && w->lo == 0) error(x->pos, m.path("power_kw") + ": must be more than 0");
    else if (w) f.power_w = *w;
  }
  f.sites = f.count;
  if (const auto* x = m.get("sites")) {
    auto c = count_in(*x, m.path("sites"), 1, fleet_piles_max);
    if (c && ok && *c > f.count) {
      error(x->pos, m.path("sites") + ": " + std::to_string(*c) + " sites for " + std::to_string(f.count) +
                        " piles (every site needs at least one pile)");
      ok = false;
    } else if (c) {
      f.sites = *c;
    } else {
      ok = false;
    }
  }
  if (const auto* x = m.get("bill_store")) {
    if (auto c = count_in(*x, m.path("bill_store"), 1, bill_store_max)) f.bill_store = *c;
  }
  if (!ok) return;
  piles_.gen_prefix = f.prefix;
  piles_.gen_count = f.count;
  clashes(piles_, [&](const std::string& id, const yaml_pos& at) {
    error(at, "pile id '" + id + "' is also generated by fleet.piles (" + f.id(1) + ".." + f.id(f.count) + " at " +
                  at_text(n.pos) + ")");
  });
  fleet_piles_ = f;
  s.fleet.piles = f;
}

std::optional<fleet_vehicle_config> converter::convert_fleet_vehicle(const yaml_node& n, const std::string& path) {
  map_view m(*this, n, path, {"battery_kwh", "soc", "max_ac_kw"});
  if (!m.valid()) return std::nullopt;
  fleet_vehicle_config v;
  bool ok = true;
  auto kw = [](std::string_view t) { return parse_scaled_decimal(t, 3); };
  if (const auto* x = m.require("battery_kwh")) {
    auto wh = ranged<std::int64_t>(*x, m.path("battery_kwh"), "a number of kWh", kw);
    if (wh && wh->lo == 0) error(x->pos, m.path("battery_kwh") + ": must be more than 0");
    if (wh && wh->lo > 0) v.battery_wh = *wh;
    else ok = false;
  } else {
    ok = false;
  }
  if (const auto* x = m.require("soc")) {
    auto ppm = ranged<std::int64_t>(*x, m.path("soc"), "a number in [0, 1]", parse_fraction_ppm);
    if (ppm) v.soc_ppm = *ppm;
    else ok = false;
  } else {
    ok = false;
  }
  if (const auto* x = m.get("max_ac_kw")) {
    auto w = exact<std::int64_t>(*x, m.path("max_ac_kw"), "a number of kW", kw);
    if (w && *w == 0) error(x->pos, m.path("max_ac_kw") + ": must be more than 0");
    if (w && *w > 0) v.max_ac_w = *w;
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return v;
}

void converter::convert_fleet_users(const yaml_node& n, const std::string& path, scenario& s) {
  map_view m(*this, n, path, {"count", "prefix", "balance", "vehicle"});
  if (!m.valid()) return;
  fleet_users_config f;
  f.pos = to_source(n.pos);
  bool ok = generated_ids(m, fleet_users_max, f.count, f.prefix);
  if (const auto* x = m.get("balance")) {
    if (auto b = ranged<money>(*x, m.path("balance"), "an amount", parse_amount)) f.balance = *b;
  }
  if (const auto* x = m.get("vehicle")) {
    f.vehicle = convert_fleet_vehicle(*x, m.path("vehicle"));
    ok = ok && f.vehicle.has_value();
  }
  if (!ok) return;
  generated_without_vehicle_ = !m.get("vehicle");
  users_.gen_prefix = f.prefix;
  users_.gen_count = f.count;
  clashes(users_, [&](const std::string& id, const yaml_pos& at) {
    error(at, "user id '" + id + "' is also generated by fleet.users (" + f.id(1) + ".." + f.id(f.count) + " at " +
                  at_text(n.pos) + ")");
  });
  // Generated vehicles are <user>-car: a listed vehicle with such a name would be two cars with one id.
  if (f.vehicle)
    for (const std::string& id : vehicles_.ids)
      if (id.ends_with("-car") && users_.generated(std::string_view(id).substr(0, id.size() - 4)) > 0)
        error(vehicles_.declared.at(id), "vehicle id '" + id + "' is also generated by fleet.users (the vehicle of " +
                                             id.substr(0, id.size() - 4) + ")");
  s.fleet.users = f;
}

void converter::convert_workload(const yaml_node& n, scenario& s) {
  map_view m(*this, n, "workload",
             {"sessions_per_user_per_day", "reserve_first", "reserve_ahead", "no_show", "amount", "stay",
              "return_after", "never_return", "no_signal"});
  if (!m.valid()) return;
  workload_config w;
  w.pos = to_source(n.pos);
  if (const auto* x = m.require("sessions_per_user_per_day")) {
    auto v = exact<std::int64_t>(*x, m.path("sessions_per_user_per_day"), "a number of sessions",
                                 [](std::string_view t) { return parse_scaled_decimal(t, 6); });
    if (v && (*v <= 0 || *v > sessions_per_day_max_ppm))
      error(x->pos, m.path("sessions_per_user_per_day") + ": must be more than 0 and at most 1000");
    else if (v) w.sessions_per_day_ppm = *v;
  }
  const std::pair<const char*, std::uint32_t workload_config::*> shares[] = {
      {"reserve_first", &workload_config::reserve_first_ppb},
      {"no_show", &workload_config::no_show_ppb},
      {"never_return", &workload_config::never_return_ppb},
      {"no_signal", &workload_config::no_signal_ppb}};
  for (const auto& [key, field] : shares)
    if (const auto* x = m.get(key))
      if (auto v = share(*x, m.path(key))) w.*field = *v;
  const std::pair<const char*, drawn<sim::time_us> workload_config::*> durations[] = {
      {"reserve_ahead", &workload_config::reserve_ahead_us},
      {"stay", &workload_config::stay_us},
      {"return_after", &workload_config::return_after_us}};
  bool times_ok = true;
  for (const auto& [key, field] : durations)
    if (const auto* x = m.get(key)) {
      auto d = positive_durations(*x, m.path(key));
      times_ok = times_ok && d.has_value();
      if (d) w.*field = *d;
    }
  if (const auto* x = m.require("amount")) {
    auto a = ranged<money>(*x, m.path("amount"), "an amount", parse_amount);
    if (a && a->lo.minor == 0)
      error(x->pos, m.path("amount") + ": must be more than 0.00 (a start freezes what the session may spend)");
    else if (a) w.amount = *a;
  }
  if (times_ok && w.return_after_us.lo <= w.stay_us.hi)
    error((m.get("return_after") ? m.get("return_after") : &n)->pos,
          "workload: return_after must be longer than stay (the user leaves before coming back), " +
              duration_text(w.return_after_us.lo) + " is not longer than " + duration_text(w.stay_us.hi));
  if (!fleet_users_written_) error(n.pos, "workload: its sessions are the generated users', and fleet.users is not given");
  else if (s.fleet.users && !s.fleet.users->vehicle)
    error(n.pos, "workload: the generated users have no vehicle to charge (give fleet.users.vehicle)");
  if (!fleet_piles_written_) error(n.pos, "workload: its users go to generated sites, and fleet.piles is not given");
  s.workload = w;
}

// conn_interval and supervision_timeout of a ble fault, checked together with the links' values they replace.
void converter::convert_ble_fault_timing(const map_view& m, ble_fault& b) {
  const auto* interval = m.get("conn_interval");
  const auto* timeout = m.get("supervision_timeout");
  if (interval)
    b.conn_interval_us = duration_within(*interval, m.path("conn_interval"), conn_interval_min_us,
                                         conn_interval_max_us, "what BLE allows");
  if (timeout)
    b.supervision_timeout_us = duration_within(*timeout, m.path("supervision_timeout"),
                                               supervision_timeout_min_us, supervision_timeout_max_us,
                                               "what BLE allows");
  if ((interval && !b.conn_interval_us) || (timeout && !b.supervision_timeout_us) || (!interval && !timeout)) return;
  check_supervision(timeout ? *timeout : *interval, m.where(),
                    b.supervision_timeout_us.value_or(links_ble_.supervision_timeout_us),
                    b.conn_interval_us.value_or(links_ble_.conn_interval_us));
}

// attack: {user, kind, pile?}; `pile` is where redirect_start takes the authorization, and only that kind has one.
std::optional<attack_fault> converter::convert_attack_fault(const yaml_node& n, const std::string& path) {
  map_view m(*this, n, path, {"user", "kind", "pile"}, false);
  if (!m.valid()) return std::nullopt;
  attack_fault a;
  bool ok = true;
  if (const auto* x = m.require("user")) {
    auto u = ref(*x, m.path("user"), users_);
    ok = u.has_value();
    if (u) a.user = *u;
  } else {
    ok = false;
  }
  if (const auto* x = m.require("kind")) {
    const std::string* t = text(*x, m.path("kind"), "an attack kind");
    const auto kind = t ? agent::attack_kind_from(*t) : std::nullopt;
    if (t && !kind)
      error(x->pos, m.path("kind") + ": unknown attack kind '" + *t + "' (expected one of: " +
                        agent::attack_kind_list() + ")");
    ok = ok && kind.has_value();
    if (kind) a.kind = *t;
  } else {
    ok = false;
  }
  const bool redirect = ok && a.kind == "redirect_start";
  if (const auto* x = m.get("pile")) {
    auto p = ref(*x, m.path("pile"), piles_);
    ok = ok && p.has_value();
    if (p) a.pile = *p;
    if (ok && !redirect) {
      error(x->pos, m.path("pile") + ": only redirect_start takes a pile");
      ok = false;
    }
  } else if (redirect) {
    error(n.pos, path + ": redirect_start needs `pile`, the pile the authorization is taken to");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return a;
}

std::optional<wan_fault> converter::convert_wan_fault(const yaml_node& n, const std::string& path) {
  const std::size_t errors_before = total_;
  map_view m(*this, n, path, {"user", "down", "loss", "delay"}, false);
  if (!m.valid()) return std::nullopt;
  wan_fault w;
  bool ok = true;
  if (const auto* x = m.require("user")) {
    auto u = ref(*x, m.path("user"), users_);
    ok = u.has_value();
    if (u) w.user = *u;
  } else {
    ok = false;
  }
  if (const auto* x = m.get("down")) {
    if (auto f = exact<bool>(*x, m.path("down"), "true or false", parse_flag)) w.down = *f;
  }
  if (const auto* x = m.get("loss"))
    w.loss_ppb = ranged<std::uint32_t>(*x, m.path("loss"), "a probability", parse_probability_ppb);
  if (const auto* x = m.get("delay"))
    w.delay_us = ranged<sim::time_us>(*x, m.path("delay"), "a duration", parse_duration_us);
  bool changes = w.down || w.loss_ppb || w.delay_us;
  if (!changes && total_ == errors_before)
    error(n.pos, path + " changes nothing (give at least one of: down, loss, delay)");
  if (!ok || !changes) return std::nullopt;
  return w;
}

void converter::convert_expect(const yaml_node& n, scenario& s) {
  map_view m(*this, n, "expect",
             {"sessions", "reservations", "balances", "refused", "result", "totals", "shares", "delays"});
  if (!m.valid()) return;
  expectations& e = s.expect;
  if (const auto* x = m.get("sessions")) convert_session_expectations(*x, m.path("sessions"), e);
  if (const auto* x = m.get("reservations")) convert_reservation_expectations(*x, m.path("reservations"), e);
  if (const auto* x = m.get("balances")) {
    for (const yaml_entry& b : keyed(*x, m.path("balances"))) {
      yaml_node key_node;
      key_node.type = kind::scalar;
      key_node.text = b.key;
      key_node.pos = b.key_pos;
      auto u = ref(key_node, m.path("balances"), users_);
      auto range = bounded<money>(b.value, m.path("balances") + "." + b.key, "an amount", parse_amount);
      if (u && range) e.balances.push_back({to_source(b.key_pos), *u, range->value});
    }
  }
  if (const auto* x = m.get("refused")) {
    for (const yaml_entry& r : keyed(*x, m.path("refused"))) {
      const bool known = is_refusal_kind(r.key);
      if (!known)
        error(r.key_pos, "expect.refused: unknown kind '" + r.key + "' (kinds: " + refusal_kind_list() + ")");
      auto range = bounded<std::int64_t>(r.value, m.path("refused") + "." + r.key, "a whole number",
                                         [](std::string_view t) { return parse_count(t, refused_count_max); });
      if (known && range) e.refused.push_back({to_source(r.key_pos), r.key, range->value});
    }
  }
  if (const auto* x = m.get("result")) {
    if (auto v = one_of(*x, m.path("result"), "result", result_words))
      e.result = located<run_result>{*v, to_source(x->pos)};
  }
  if (const auto* x = m.get("totals")) convert_totals(*x, m.path("totals"), e.totals);
  if (const auto* x = m.get("shares")) {
    map_view sm(*this, *x, m.path("shares"), {"reconciled"});
    if (const auto* r = sm.valid() ? sm.get("reconciled") : nullptr)
      e.shares.reconciled_ppm = bounded<std::int64_t>(*r, sm.path("reconciled"), "a share from 0 to 1",
                                                      parse_fraction_ppm);
  }
  if (const auto* x = m.get("delays")) convert_delays(*x, m.path("delays"), e.delays);
}

void converter::convert_totals(const yaml_node& n, const std::string& where, totals_expectation& t) {
  map_view m(*this, n, where, {"sessions", "reconciled", "expired", "refused", "gave_up", "energy_kwh", "charged"});
  if (!m.valid()) return;
  const auto count = [](std::string_view v) { return parse_count(v, refused_count_max); };
  const std::pair<const char*, std::optional<located<bounds<std::int64_t>>> totals_expectation::*> counts[] = {
      {"sessions", &totals_expectation::sessions}, {"reconciled", &totals_expectation::reconciled},
      {"expired", &totals_expectation::expired},   {"refused", &totals_expectation::refused},
      {"gave_up", &totals_expectation::gave_up}};
  for (const auto& [key, field] : counts)
    if (const auto* x = m.get(key)) t.*field = bounded<std::int64_t>(*x, m.path(key), "a whole number", count);
  if (const auto* x = m.get("energy_kwh"))
    t.energy_wh = bounded<std::int64_t>(*x, m.path("energy_kwh"), "a number of kWh",
                                        [](std::string_view v) { return parse_scaled_decimal(v, 3); });
  if (const auto* x = m.get("charged")) t.charged = bounded<money>(*x, m.path("charged"), "an amount", parse_amount);
}

void converter::convert_delays(const yaml_node& n, const std::string& where, delays_expectation& d) {
  map_view m(*this, n, where, {"reconcile_p50", "reconcile_p95", "reconcile_p99", "reconcile_max"});
  if (!m.valid()) return;
  const std::pair<const char*, std::optional<located<bounds<sim::time_us>>> delays_expectation::*> keys[] = {
      {"reconcile_p50", &delays_expectation::reconcile_p50}, {"reconcile_p95", &delays_expectation::reconcile_p95},
      {"reconcile_p99", &delays_expectation::reconcile_p99}, {"reconcile_max", &delays_expectation::reconcile_max}};
  for (const auto& [key, field] : keys)
    if (const auto* x = m.get(key)) d.*field = bounded<sim::time_us>(*x, m.path(key), "a duration", parse_duration_us);
}

void converter::convert_reservation_expectations(const yaml_node& n, const std::string& where, expectations& e) {
  auto items = list(n, where);
  for (std::size_t i = 0; i < items.size(); ++i) {
    map_view r(*this, items[i], indexed(where, i), {"user", "state"}, false);
    if (!r.valid()) continue;
    reservation_expectation re;
    re.pos = to_source(items[i].pos);
    if (const auto* u = r.require("user")) {
      if (auto id_value = ref(*u, r.path("user"), users_)) re.user = *id_value;
    }
    if (const auto* st = r.get("state")) {
      if (auto v = one_of(*st, r.path("state"), "state", reservation_state_words))
        re.state = located<reservation_state>{*v, to_source(st->pos)};
    }
    e.reservations.push_back(std::move(re));
  }
}

void converter::convert_session_expectations(const yaml_node& n, const std::string& where, expectations& e) {
  auto items = list(n, where);
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string path = indexed(where, i);
    map_view m(*this, items[i], path, {"user", "state", "stop_reason", "energy_kwh", "charged", "reconciled_by"},
               false);
    if (!m.valid()) continue;
    session_expectation se;
    se.pos = to_source(items[i].pos);
    if (const auto* x = m.require("user")) {
      if (auto u = ref(*x, m.path("user"), users_)) se.user = *u;
    }
    if (const auto* x = m.get("state")) {
      if (auto v = one_of(*x, m.path("state"), "state", session_state_words))
        se.state = located<session_state>{*v, to_source(x->pos)};
    }
    if (const auto* x = m.get("stop_reason")) {
      if (auto v = one_of(*x, m.path("stop_reason"), "stop_reason", stop_reason_words)) {
        // The words are the pile's own (contract/stop_reason.hpp); a mismatch here is a bug, not an input error.
        if (!parse_stop_reason(to_string(*v))) throw std::logic_error("bug: stop reason words out of date");
        se.reason = located<stop_reason>{*v, to_source(x->pos)};
      }
    }
    if (const auto* x = m.get("energy_kwh")) {
      se.energy_wh = bounded<std::int64_t>(*x, m.path("energy_kwh"), "a number of kWh",
                                           [](std::string_view t) { return parse_scaled_decimal(t, 3); });
    }
    if (const auto* x = m.get("charged")) se.charged = bounded<money>(*x, m.path("charged"), "an amount", parse_amount);
    if (const auto* x = m.get("reconciled_by")) {
      if (auto t = exact<sim::time_us>(*x, m.path("reconciled_by"), "a duration", parse_duration_us))
        se.reconciled_by_us = located<sim::time_us>{*t, to_source(x->pos)};
    }
    e.sessions.push_back(std::move(se));
  }
}

}  // namespace

std::string to_string(const diagnostic& d) {
  if (!d.override_text.empty()) return d.file + ": override '" + d.override_text + "': " + d.message;
  if (d.pos.line > 0)
    return d.file + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message;
  return d.file + ": " + d.message;
}

void throw_exception_from_error(const diagnostics& d, const boost::source_location&) {
  throw std::logic_error("bug: value of a failed scenario load: " + (d.empty() ? std::string() : to_string(d[0])));
}

std::string format_versions_text() {
  std::string out;
  for (auto v : format_versions) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

std::optional<override_setting> parse_override(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return override_setting{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

load_result load_scenario_text(std::string_view text, std::string_view file_name,
                               const std::vector<override_setting>& overrides) {
  converter c(std::string(file_name), overrides);
  auto doc = parse_yaml(text);
  if (!doc) {
    c.error(doc.error().pos, doc.error().message);
    return c.sorted();
  }
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const auto& o = overrides[i];
    if (auto problem = apply_override(*doc, o.path, o.value, static_cast<int>(i)))
      c.error(problem->pos, problem->message);
  }
  scenario s = c.convert(*doc);
  if (c.failed()) return c.sorted();
  return s;
}

load_result load_scenario_file(const std::string& path, const std::vector<override_setting>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return diagnostics{{path, {}, "", "cannot open the file"}};
  // Counted while reading, never asked of the file system first: a pipe or a growing file has no honest size.
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > file_size_max)
      return diagnostics{{path, {}, "", "larger than " + std::to_string(file_size_max / (1024 * 1024)) +
                                            " MiB, the limit for a scenario file (a fleet is generated, not listed)"}};
  }
  if (in.bad()) return diagnostics{{path, {}, "", "cannot read the file"}};
  return load_scenario_text(text, path, overrides);
}

}  // namespace pilesim::scenarios
