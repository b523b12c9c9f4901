// The `pilesim run` line that reproduces one run, printed wherever a run did not hold (run, sweep, shrink) so
// that every command names a failure the same way. It only writes text; it never runs anything itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pilesim::tools {

// "pilesim run FILE [--seed N] [--set k=v]...", each word quoted for a POSIX shell. No seed: the file's own.
std::string repro_command(const std::string& file, std::optional<std::uint64_t> seed,
                          const std::vector<std::string>& sets);

}  // namespace pilesim::tools
