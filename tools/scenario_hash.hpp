// The hash of a scenario file's text that repro lines, sweep rows and JUnit reports carry, so that a result can be
// matched to the exact file it came from: BLAKE2b (libsodium) of the file's bytes, cut to 64 bits, 16 hex digits.
#pragma once

#include <optional>
#include <string>

namespace pilesim::tools {

// Nothing when the file cannot be read.
std::optional<std::string> scenario_hash(const std::string& path);

}  // namespace pilesim::tools
