// The `pilesim run` line that reproduces one run, printed wherever a run did not hold (run, sweep, shrink, diff)
// so that every command names a failure the same way, followed by a shell comment naming the pilesim version and
// the hash of the scenario file's text (tools/scenario_hash.hpp), so that a pasted line can be matched to the
// build and the exact file it came from. It only writes text and reads the file; it never runs anything itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::tools {

// "pilesim run FILE [--seed N] [--set k=v]...", each word quoted for a POSIX shell. No seed: the file's own.
std::string repro_command(const std::string& file, std::optional<std::uint64_t> seed,
                          const std::vector<std::string>& sets);

// "  # pilesim 0.1.0, scenario 0123456789abcdef"; an empty hash (the file could not be read) says "unreadable".
std::string repro_note(std::string_view version, std::string_view scenario_hash);

// repro_command + repro_note of this build and of the file's text as it is now.
std::string repro_line(const std::string& file, std::optional<std::uint64_t> seed,
                       const std::vector<std::string>& sets);

}  // namespace pilesim::tools
