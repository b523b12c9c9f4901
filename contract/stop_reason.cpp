#include "contract/stop_reason.hpp"

namespace pilesim {

std::string_view to_string(stop_reason r) {
  switch (r) {
    case stop_reason::user: return "user";
    case stop_reason::cap: return "cap";
    case stop_reason::full: return "full";
    case stop_reason::unplug: return "unplug";
    case stop_reason::power_loss: return "power_loss";
    case stop_reason::fault: return "fault";
  }
  return "invalid";
}

result<stop_reason> parse_stop_reason(std::string_view s) {
  for (auto r : {stop_reason::user, stop_reason::cap, stop_reason::full, stop_reason::unplug,
                 stop_reason::power_loss, stop_reason::fault})
    if (to_string(r) == s) return r;
  return errc::bad_value;
}

}  // namespace pilesim
