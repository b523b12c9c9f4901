// A BLE fault changes the model of every link of one pile for its window (radio loss, host delay, connection
// parameters, connection failures, MTU, and the phone stack's duplication, reordering and corruption), and may
// drop their connections at its begin. Only what the fault sets differs from the scenario's `links.ble`.
#include "scenarios/engine/fault_planners.hpp"

namespace pilesim::scenarios {
namespace {

// Every phone's BLE connection attempts so far, made or failed.
std::map<std::string, std::uint64_t> connect_attempts(const world_parts& parts) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [id, u] : parts.users)
    out[id] = u.agent->counters().ble_connects + u.agent->counters().ble_connect_failures;
  return out;
}

std::uint64_t frames_sent_on(const fault_context& cx, const ble_fault& b) {
  std::uint64_t n = 0;
  for (const std::string& pile : b.piles) n += cx.parts.ble->frames_sent_on(pile);
  return n;
}

// Frames on the piles' links, and the connection attempts of the phones near it during the window. Attempts
// are counted per phone, not per pile, so only phones that were near the pile in the window count.
void observe_window(fault_record& r, const fault_context& cx, const ble_fault& b) {
  r.seen.traffic_after = frames_sent_on(cx, b);
  const auto now = connect_attempts(cx.parts);
  r.seen.attempts_before = 0;
  r.seen.attempts_after = 0;
  for (const std::string& user : r.near_phones) {
    r.seen.attempts_before += r.attempts_at_begin.at(user);
    r.seen.attempts_after += now.at(user);
  }
}

sim::ble_model model_of(const ble_fault& b, const sim::ble_model& base, run_draws& draws) {
  sim::ble_model m = base;
  if (b.loss_ppb) m.loss_ppb = draws.draw(*b.loss_ppb);
  if (b.duplicate_ppb) m.duplicate_ppb = draws.draw(*b.duplicate_ppb);
  if (b.reorder_ppb) m.reorder_ppb = draws.draw(*b.reorder_ppb);
  if (b.delay_us) {
    m.delay_min_us = b.delay_us->lo;
    m.delay_max_us = b.delay_us->hi;
  }
  if (b.mtu) m.mtu = static_cast<std::size_t>(*b.mtu);
  // The v1.1 keys draw after the v1 ones, so that a v1 fault draws what it always drew.
  if (b.corrupt_ppb) m.corrupt_ppb = draws.draw(*b.corrupt_ppb);
  if (b.connect_failure_ppb) m.connect_failure_ppb = draws.draw(*b.connect_failure_ppb);
  if (b.conn_interval_us) m.conn_interval_us = *b.conn_interval_us;
  if (b.supervision_timeout_us) m.supervision_timeout_us = *b.supervision_timeout_us;
  if (b.packets_per_event) m.packets_per_event = static_cast<std::uint32_t>(*b.packets_per_event);
  return m;
}

void begin(fault_record& r, fault_context& cx, const ble_fault& b, const sim::ble_model& m) {
  cx.k.trace().event(cx.k.now(), "fault", "begin", {{"fault", "ble"}, {"pile", r.target}});
  r.seen.traffic_before = frames_sent_on(cx, b);
  r.attempts_at_begin = connect_attempts(cx.parts);
  r.active = true;
  for (const std::string& pile : b.piles) {
    for (const std::string& user : cx.physics.phones_near(pile)) r.near_phones.insert(user);
    cx.parts.ble->for_each_on(pile, [&](const std::string&, sim::ble_link& l) {
      if (b.disconnect && l.connected()) {
        l.disconnect("fault");
        r.seen.changed_state = true;
      }
      if (b.changes_model()) l.set_model(m);
    });
    if (b.changes_model()) cx.parts.ble->set_new_link_model(pile, m);
  }
}

void end(fault_record& r, fault_context& cx, const ble_fault& b) {
  cx.k.trace().event(cx.k.now(), "fault", "end", {{"fault", "ble"}, {"pile", r.target}});
  r.observe_end(r);
  r.active = false;
  link_registry& ble = *cx.parts.ble;
  for (const std::string& pile : b.piles) {
    ble.for_each_on(pile, [&](const std::string&, sim::ble_link& l) { l.set_model(ble.default_model()); });
    ble.set_new_link_model(pile, ble.default_model());
  }
}

}  // namespace

void plan_fault(fault_record& r, const ble_fault& b, fault_context& cx) {
  r.kind = "ble";
  r.target = b.site.empty() ? b.pile : b.site;
  r.watched_piles.insert(b.piles.begin(), b.piles.end());
  const sim::ble_model m = model_of(b, cx.parts.ble->default_model(), cx.draws);
  const bool lasts = b.changes_model();  // something stays changed until the window ends
  // A bare disconnect is an instant: nothing stays changed after it, so it heals at once.
  if (!lasts && r.window_end_us == sim::time_max) r.end_us = r.at_us;
  if (lasts) r.observe_end = [&cx, &b](fault_record& rec) { observe_window(rec, cx, b); };
  cx.k.at(r.at_us, [&r, &cx, b, m] { begin(r, cx, b, m); });
  if (lasts && r.window_end_us != sim::time_max) cx.k.at(r.window_end_us, [&r, &cx, b] { end(r, cx, b); });
}

}  // namespace pilesim::scenarios
