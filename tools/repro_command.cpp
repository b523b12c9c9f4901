#include "tools/repro_command.hpp"

#include "tools/scenario_hash.hpp"
#include "tools/shell_quote.hpp"
#include "tools/version.hpp"

namespace pilesim::tools {

std::string repro_command(const std::string& file, std::optional<std::uint64_t> seed,
                          const std::vector<std::string>& sets) {
  std::string cmd = "pilesim run " + shell_quote(file);
  if (seed) cmd += " --seed " + std::to_string(*seed);
  for (const std::string& s : sets) cmd += " --set " + shell_quote(s);
  return cmd;
}

std::string repro_note(std::string_view version, std::string_view scenario_hash) {
  return "  # pilesim " + std::string(version) + ", scenario " +
         (scenario_hash.empty() ? std::string("unreadable") : std::string(scenario_hash));
}

std::string repro_line(const std::string& file, std::optional<std::uint64_t> seed,
                       const std::vector<std::string>& sets) {
  return repro_command(file, seed, sets) + repro_note(pilesim_version(), scenario_hash(file).value_or(""));
}

}  // namespace pilesim::tools
