// A power fault cuts one pile's power at its begin and brings it back at the end of its window. A power cut
// always changes the pile's state (and ends any session), so its begin alone makes it applied. With clock_reset
// the pile's clock comes back at its epoch.
#include "scenarios/engine/fault_planners.hpp"

namespace pilesim::scenarios {

void plan_fault(fault_record& r, const pile_power_fault& p, fault_context& cx) {
  r.kind = "pile";
  r.target = p.site.empty() ? p.pile : p.site;
  cx.k.at(r.at_us, [&r, &cx, &p] {
    r.seen.changed_state = true;
    for (const std::string& pile : p.piles) cx.parts.piles.at(pile).actor->power_off();
  });
  if (r.window_end_us != sim::time_max)
    cx.k.at(r.window_end_us, [&cx, &p] {
      for (const std::string& pile : p.piles) cx.parts.piles.at(pile).actor->power_on(p.clock_reset);
    });
}

}  // namespace pilesim::scenarios
