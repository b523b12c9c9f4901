// The exit codes every pilesim subcommand maps its outcome to, so that scripts and CI read them the same way
// whichever command ran: 0 every run held, 1 a run failed a check, 2 the input was bad (flags, files, values).
// Nothing else is ever returned; a new outcome must fit one of these three, not add a fourth.
#pragma once

namespace pilesim::tools {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_bad_input = 2;

}  // namespace pilesim::tools
