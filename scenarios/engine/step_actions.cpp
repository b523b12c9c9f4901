#include "scenarios/engine/step_actions.hpp"

namespace pilesim::scenarios {

void perform_step(const step& st, step_world& w) {
  agent::agent& app = *w.parts.users.at(st.user).agent;
  w.k.trace().event(w.k.now(), "user/" + st.user, "step", {{"do", to_string(st.action)}, {"pile", st.pile}});
  switch (st.action) {
    case step_action::reserve: {
      // A braced list evaluates left to right: the window's start is drawn before its duration.
      agent::reserve_command c{st.pile, w.draws.draw(st.start_us), st.duration_us ? w.draws.draw(*st.duration_us) : 0};
      app.command(c);
      break;
    }
    case step_action::cancel: app.command(agent::cancel_command{}); break;
    case step_action::start:
      w.physics.go_near(st.user, st.pile);
      w.physics.plug(st.user, st.pile);
      app.command(agent::start_command{st.pile, st.amount});
      break;
    case step_action::stop: app.command(agent::stop_command{}); break;
    case step_action::leave:
      w.physics.go_away(st.user);
      app.command(agent::leave_command{});
      break;
    case step_action::arrive:
      w.physics.go_near(st.user, st.pile);
      app.command(agent::arrive_command{st.pile});
      break;
    case step_action::unplug: w.physics.unplug(st.user); break;
    case step_action::app_restart: app.command(agent::app_restart_command{st.keep_data}); break;
  }
}

}  // namespace pilesim::scenarios
