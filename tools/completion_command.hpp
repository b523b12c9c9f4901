// `pilesim completion bash`: a bash completion script generated from the command line's own definition (every
// subcommand and its flags, as CLI11 holds them), so that it can never list a command or flag that does not
// exist. Command words and flags complete from the lists; everything else falls back to file names.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace pilesim::tools {

std::string bash_completion(const CLI::App& app);

}  // namespace pilesim::tools
