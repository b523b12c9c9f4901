#include "tools/repro_command.hpp"

#include "tools/shell_quote.hpp"

namespace pilesim::tools {

std::string repro_command(const std::string& file, std::optional<std::uint64_t> seed,
                          const std::vector<std::string>& sets) {
  std::string cmd = "pilesim run " + shell_quote(file);
  if (seed) cmd += " --seed " + std::to_string(*seed);
  for (const std::string& s : sets) cmd += " --set " + shell_quote(s);
  return cmd;
}

}  // namespace pilesim::tools
