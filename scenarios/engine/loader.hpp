// Loads a scenario file (format v1, and the v1.1 keys it knows: SCENARIOS.md) into plain data with every
// default applied, or returns everything wrong with it as `FILE:LINE:COL: message` lines in file order. It checks
// all that the file alone can tell — keys, types, values, ranges, ids, required keys — and applies
// `key.path=value` overrides first (for sweeps). It never runs anything, draws a random number or reads anything
// but the one file.
#pragma once

#include "scenarios/engine/scenario.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::scenarios {

struct diagnostic {
  std::string file;
  source_pos pos;             // 0:0 when the problem is not at a place in the file
  std::string override_text;  // "path=value" when the offending text came from that override
  std::string message;
};

// "FILE:LINE:COL: message", "FILE: override 'path=value': message", or "FILE: message".
std::string to_string(const diagnostic& d);

using diagnostics = std::vector<diagnostic>;

// Only reached by calling .value() on a failed load, which is a bug in the caller: check the result first.
[[noreturn]] void throw_exception_from_error(const diagnostics& d, const boost::source_location& loc);

// The scenario, or at least one diagnostic (at most diagnostics_max, plus one line saying how many more).
using load_result = boost::system::result<scenario, diagnostics>;

inline constexpr std::size_t diagnostics_max = 50;
// A listed fleet of 10,000 piles and 100,000 users is about 9 MB and 1.35 M YAML nodes (tools/explicit_fleet.sh);
// bigger worlds are generated (`fleet:`), not listed. The node limit is yaml_limits::nodes_max.
inline constexpr std::size_t file_size_max = 12 * 1024 * 1024;

// The scenario format versions this loader reads, as `format:` states them (a file may leave it out).
inline constexpr std::array<std::string_view, 2> format_versions{"1", "1.1"};

// "1, 1.1"
std::string format_versions_text();

// One `key.path=value` setting applied to the document before it is read: `links.ble.loss=0.3`,
// `tariff.energy_per_kwh=1.2`, `faults[0].for=10m`. The value is YAML (`{pile: P1, loss: 0.5}` works).
// A path outside the schema is an error that names the override.
struct override_setting {
  std::string path;
  std::string value;
};

// "links.ble.loss=0.3" -> {"links.ble.loss", "0.3"}, split at the first '='; nullopt without '=' or path.
std::optional<override_setting> parse_override(std::string_view text);

load_result load_scenario_file(const std::string& path, const std::vector<override_setting>& overrides = {});

// `file_name` is only for messages and scenario::file.
load_result load_scenario_text(std::string_view text, std::string_view file_name,
                               const std::vector<override_setting>& overrides = {});

}  // namespace pilesim::scenarios
