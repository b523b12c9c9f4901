// A WAN fault changes one phone's link to the server for its window: no signal, loss or delay. It applied when
// the phone sent anything in the window.
#include "scenarios/engine/fault_planners.hpp"

namespace pilesim::scenarios {

void plan_fault(fault_record& r, const wan_fault& w, fault_context& cx) {
  r.kind = "wan";
  r.target = w.user;
  sim::link_model m = cx.parts.wan_model;
  m.down = w.down;
  if (w.loss_ppb) m.loss_ppb = cx.draws.draw(*w.loss_ppb);
  if (w.delay_us) {
    m.delay_min_us = w.delay_us->lo;
    m.delay_max_us = w.delay_us->hi;
  }
  r.observe_end = [&cx](fault_record& rec) {
    rec.seen.traffic_after = cx.parts.users.at(rec.target).wan->stats().sent;
  };
  cx.k.at(r.at_us, [&r, &cx, w, m] {
    cx.k.trace().event(cx.k.now(), "fault", "begin", {{"fault", "wan"}, {"user", w.user}});
    sim::link& l = *cx.parts.users.at(w.user).wan;
    r.seen.traffic_before = l.stats().sent;
    l.set_model(m);
  });
  if (r.window_end_us == sim::time_max) return;
  cx.k.at(r.window_end_us, [&r, &cx, w] {
    cx.k.trace().event(cx.k.now(), "fault", "end", {{"fault", "wan"}, {"user", w.user}});
    r.observe_end(r);
    cx.parts.users.at(w.user).wan->set_model(cx.parts.wan_model);
  });
}

}  // namespace pilesim::scenarios
