// What a user does through the phone app, as the world hands it over at each scenario step. Plain values:
// the agent plays them in order. Physical acts (plugging, unplugging, walking into range) are the world's,
// never the app's, so none of them appears here.
#pragma once

#include "contract/money.hpp"
#include "sim/time.hpp"

#include <string>
#include <variant>

namespace pilesim::agent {

struct reserve_command {
  std::string pile;
  sim::time_us start_us = 0;     // absolute simulation time
  sim::time_us duration_us = 0;  // 0: the pile's default hold
};
struct cancel_command {};        // cancels the user's open reservation
struct start_command {
  std::string pile;
  money amount;                  // to freeze
};
struct stop_command {};          // stops the user's running session from the app
struct leave_command {};         // the user walks away: the app lets go of the pile
struct arrive_command {
  std::string pile;              // the user is at this pile: the app connects and collects bills
};
struct app_restart_command {
  bool keep_data = true;         // false: the app's storage is wiped (a reinstall)
};

using agent_command = std::variant<reserve_command, cancel_command, start_command, stop_command, leave_command,
                                   arrive_command, app_restart_command>;

}  // namespace pilesim::agent
