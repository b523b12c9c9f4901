// A BLE fault changes the model (loss, delay, duplication, reordering) or the MTU of every link of one pile
// for its window, and may drop their connections at its begin.
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

// Frames on the pile's links, and the connection attempts of the phones near it during the window. Attempts
// are counted per phone, not per pile, so only phones that were near the pile in the window count.
void observe_window(fault_record& r, const fault_context& cx) {
  r.seen.traffic_after = cx.parts.ble->frames_sent_on(r.target);
  const auto now = connect_attempts(cx.parts);
  r.seen.attempts_before = 0;
  r.seen.attempts_after = 0;
  for (const std::string& user : r.near_phones) {
    r.seen.attempts_before += r.attempts_at_begin.at(user);
    r.seen.attempts_after += now.at(user);
  }
}

sim::link_model model_of(const ble_fault& b, const sim::link_model& base, run_draws& draws) {
  sim::link_model m = base;
  if (b.loss_ppb) m.loss_ppb = draws.draw(*b.loss_ppb);
  if (b.duplicate_ppb) m.duplicate_ppb = draws.draw(*b.duplicate_ppb);
  if (b.reorder_ppb) m.reorder_ppb = draws.draw(*b.reorder_ppb);
  if (b.delay_us) {
    m.delay_min_us = b.delay_us->lo;
    m.delay_max_us = b.delay_us->hi;
  }
  return m;
}

void begin(fault_record& r, fault_context& cx, const ble_fault& b, const sim::link_model& m, bool changes_model) {
  cx.k.trace().event(cx.k.now(), "fault", "begin", {{"fault", "ble"}, {"pile", b.pile}});
  r.seen.traffic_before = cx.parts.ble->frames_sent_on(b.pile);
  r.attempts_at_begin = connect_attempts(cx.parts);
  r.active = true;
  for (const std::string& user : cx.physics.phones_near(b.pile)) r.near_phones.insert(user);
  cx.parts.ble->for_each_on(b.pile, [&](const std::string&, sim::ble_link& l) {
    if (b.disconnect && l.connected()) {
      l.disconnect("fault");
      r.seen.changed_state = true;
    }
    if (b.mtu) l.set_mtu(static_cast<std::size_t>(*b.mtu));
    if (changes_model) l.set_model(m);
  });
}

void end(fault_record& r, fault_context& cx, const ble_fault& b) {
  cx.k.trace().event(cx.k.now(), "fault", "end", {{"fault", "ble"}, {"pile", b.pile}});
  r.observe_end(r);
  r.active = false;
  link_registry& ble = *cx.parts.ble;
  ble.for_each_on(b.pile, [&](const std::string&, sim::ble_link& l) {
    l.set_model(ble.default_model());
    if (b.mtu) l.set_mtu(ble.default_mtu());
  });
}

}  // namespace

void plan_fault(fault_record& r, const ble_fault& b, fault_context& cx) {
  r.kind = "ble";
  r.target = b.pile;
  r.watched_pile = b.pile;
  const sim::link_model m = model_of(b, cx.parts.ble->default_model(), cx.draws);
  const bool changes_model = b.loss_ppb || b.duplicate_ppb || b.reorder_ppb || b.delay_us;
  const bool lasts = changes_model || b.mtu;  // something stays changed until the window ends
  // A bare disconnect is an instant: nothing stays changed after it, so it heals at once.
  if (!lasts && r.window_end_us == sim::time_max) r.end_us = r.at_us;
  if (lasts) r.observe_end = [&cx](fault_record& rec) { observe_window(rec, cx); };
  cx.k.at(r.at_us, [&r, &cx, b, m, changes_model] { begin(r, cx, b, m, changes_model); });
  if (lasts && r.window_end_us != sim::time_max) cx.k.at(r.window_end_us, [&r, &cx, b] { end(r, cx, b); });
}

}  // namespace pilesim::scenarios
