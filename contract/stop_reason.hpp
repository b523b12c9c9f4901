// Why a charging session ended: carried in a sealed bill, in the pile's session_ended notification to the
// phone, and in the server's API as a word. The numbers are the wire's and the words are the reports'; never
// renumber or rename one.
#pragma once

#include "sim/error.hpp"

#include <cstdint>
#include <string_view>

namespace pilesim {

enum class stop_reason : std::uint8_t { user = 1, cap = 2, full = 3, unplug = 4, power_loss = 5, fault = 6 };
std::string_view to_string(stop_reason r);
result<stop_reason> parse_stop_reason(std::string_view s);

}  // namespace pilesim
