// A server fault crashes the server at its begin and restarts it at the end of its window. It applied when a
// request was dropped while it was down, or when timed work fell due in the window (done late, after restart).
#include "scenarios/engine/fault_planners.hpp"

#include "server/read_model.hpp"

namespace pilesim::scenarios {
namespace {

// An unstarted hold to release or an open reservation to expire, due in [from, to).
bool server_deadline_within(server::database& db, sim::time_us from, sim::time_us to) {
  for (const auto& x : server::list_sessions(db))
    if (x.state == "authorized" && x.hold_release_at_us >= from && x.hold_release_at_us < to) return true;
  for (const auto& x : server::list_reservations(db))
    if (x.state == "open" && x.end_us >= from && x.end_us < to) return true;
  return false;
}

}  // namespace

void plan_fault(fault_record& r, const server_fault&, fault_context& cx) {
  r.kind = "server";
  r.target = "server";
  r.observe_end = [&cx](fault_record& rec) { rec.seen.traffic_after = cx.parts.server->dropped_while_down(); };
  const sim::time_us end = r.window_end_us;
  cx.k.at(r.at_us, [&r, &cx, end] {
    cx.k.trace().event(cx.k.now(), "fault", "begin", {{"fault", "server"}});
    r.seen.traffic_before = cx.parts.server->dropped_while_down();
    // Timed work that falls due while the server is down is state the crash touches even when no request
    // arrives: it must be done late, after the restart.
    if (server_deadline_within(cx.db, cx.k.now(), end)) r.seen.changed_state = true;
    cx.parts.server->crash();
  });
  if (end == sim::time_max) return;
  cx.k.at(end, [&r, &cx] {
    cx.k.trace().event(cx.k.now(), "fault", "end", {{"fault", "server"}});
    r.observe_end(r);
    cx.parts.server->restart();
  });
}

}  // namespace pilesim::scenarios
