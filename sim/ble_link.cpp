#include "sim/ble_link.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>

namespace pilesim::sim {
namespace {
constexpr std::size_t compact_after = 64;  // sent packets a transmit queue keeps before it moves the rest down
}  // namespace

void ble_link::tx_queue::pop() {
  ++head;
  if (head == items.size()) {
    clear();
  } else if (head >= compact_after && 2 * head >= items.size()) {
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(head));
    head = 0;
  }
}

void ble_link::tx_queue::clear() {
  items.clear();
  head = 0;
}

ble_link::ble_link(kernel& k, std::string name, ble_model model)
    : k_(k),
      name_(std::move(name)),
      rng_(k.stream("link/" + name_)),
      radio_key_(k.stream("radio/" + name_).next()),
      model_(model) {
  assert(model_.conn_interval_us > 0 && model_.packets_per_event > 0 && model_.mtu >= 5);
}

void ble_link::trace(std::string_view kind, std::initializer_list<field> fields) {
  k_.trace().event(k_.now(), name_, kind, fields);
}

void ble_link::notify(int side, link_event::kind what) {
  if (sinks_[side]) sinks_[side](link_event{what, {}});
}

result<void> ble_link::send(int side, bytes packet) {
  if (packet.size() > payload_max()) {
    trace("refuse", {{"from", side}, {"bytes", packet.size()}, {"why", "above mtu-3"}});
    return errc::too_large;
  }
  if (!connected_) return errc::disconnected;
  tx_queue& q = tx_[side];
  if (q.size() >= tx_queue_max) {
    trace("refuse", {{"from", side}, {"bytes", packet.size()}, {"why", "tx queue full"}});
    return errc::mailbox_full;
  }
  ++stats_.sent;
  const auto delay = static_cast<time_us>(rng_.uniform(static_cast<std::uint64_t>(model_.delay_min_us),
                                                       static_cast<std::uint64_t>(model_.delay_max_us)));
  // The host hands packets to the controller in order, so a packet is never ready before the one ahead of it.
  const time_us ready = std::max(k_.now() + delay, last_ready_us_[side]);
  last_ready_us_[side] = ready;
  q.items.push_back(tx_packet{std::move(packet), ready, numbered_[side]++});
  if (!serving_) schedule_service();
  return {};
}

// --- connections --------------------------------------------------------------------------------------------

void ble_link::connect() {
  if (connected_ || connect_event_) return;
  ++stats_.connect_attempts;
  const auto delay = static_cast<time_us>(rng_.uniform(static_cast<std::uint64_t>(model_.connect_delay_min_us),
                                                       static_cast<std::uint64_t>(model_.connect_delay_max_us)));
  trace("connecting", {{"delay_us", delay}});
  connect_event_ = k_.after(delay, [this] {
    connect_event_ = {};
    on_connect_attempt_done();
  });
}

void ble_link::on_connect_attempt_done() {
  std::string_view why;
  if (!in_range_) why = "out of range";
  else if (!pile_powered_) why = "pile unpowered";
  else if (model_.loss_ppb >= ppb_one) why = "radio";
  else if (rng_.bernoulli(model_.connect_failure_ppb)) why = "attempt failed";
  if (!why.empty()) {
    ++stats_.connect_failures;
    trace("connect_failed", {{"why", why}});
    notify(phone, link_event::kind::disconnected);
    return;
  }
  establish();
}

void ble_link::establish() {
  const time_us now = k_.now();
  connected_ = true;
  ++connection_;
  timeline_ = ble_timeline{now, 0, model_.conn_interval_us};
  last_ok_us_ = now;  // the set-up itself got through: the supervision timer starts here
  first_unknown_ = 1;
  last_ready_us_ = {0, 0};
  numbered_ = {0, 0};
  received_ = {0, 0};
  trace("connected", {{"connection", connection_}});
  replan();
  notify(phone, link_event::kind::connected);
  notify(pile, link_event::kind::connected);
}

void ble_link::disconnect(std::string_view reason) {
  if (connected_) cut(reason);
}

void ble_link::cut(std::string_view reason) {
  connected_ = false;
  cancel_timers();
  drop_queued();
  ++stats_.disconnects;
  trace("disconnect", {{"why", reason}});
  notify(phone, link_event::kind::disconnected);
  notify(pile, link_event::kind::disconnected);
}

void ble_link::cancel_timers() {
  if (service_event_) k_.cancel(service_event_);
  if (supervision_event_) k_.cancel(supervision_event_);
  service_event_ = {};
  supervision_event_ = {};
  drop_us_ = time_max;
}

void ble_link::drop_queued() {
  for (int side : {phone, pile}) {
    for (tx_queue& q = tx_[side]; !q.empty(); q.pop()) {
      ++stats_.dropped;
      trace("drop", {{"from", side}, {"bytes", q.front().data.size()}, {"why", "disconnected"}});
    }
  }
}

// --- the radio changes ----------------------------------------------------------------------------------------

void ble_link::set_in_range(bool in_range) {
  if (in_range_ == in_range) return;
  settle();
  in_range_ = in_range;
  trace(in_range ? "in_range" : "out_of_range", {});
  replan();
  schedule_service();
}

void ble_link::set_pile_powered(bool powered) {
  if (pile_powered_ == powered) return;
  settle();
  pile_powered_ = powered;
  trace(powered ? "pile_powered" : "pile_unpowered", {});
  replan();
  schedule_service();
}

void ble_link::set_model(const ble_model& m) {
  assert(m.conn_interval_us > 0 && m.packets_per_event > 0 && m.mtu >= 5);
  settle();
  // A connection parameter update: the next connection event is the new timeline's anchor.
  if (connected_ && m.conn_interval_us != model_.conn_interval_us) {
    timeline_ = ble_timeline{timeline_.at(first_unknown_), first_unknown_, m.conn_interval_us};
    if (service_event_) k_.cancel(service_event_);  // its event number may now fall at another instant
    service_event_ = {};
  }
  model_ = m;
  replan();
  schedule_service();
}

void ble_link::settle() {
  if (!connected_) return;
  const time_us now = k_.now();
  // The supervision timer ran out at this very instant: the drop comes before whatever changes now.
  if (drop_us_ <= now) {
    on_supervision();
    return;
  }
  const std::uint64_t end = timeline_.first_at_or_after(now);
  if (end <= first_unknown_) return;
  // Only the latest success matters, and it lies within one supervision timeout of now (else the drop above).
  if (reachable() && model_.loss_ppb < ppb_one) {
    const ble_radio r = radio();
    for (std::uint64_t j = end; j > first_unknown_;) {
      --j;
      if (timeline_.at(j) + model_.supervision_timeout_us <= now) break;
      if (r.gets_through(j, 0, 0, model_.loss_ppb)) {
        last_ok_us_ = timeline_.at(j);
        break;
      }
    }
  }
  first_unknown_ = end;
}

void ble_link::replan() {
  if (supervision_event_) k_.cancel(supervision_event_);
  supervision_event_ = {};
  drop_us_ = time_max;
  if (!connected_) return;
  supervision_question q;
  q.last_ok_us = last_ok_us_;
  q.first_unknown = first_unknown_;
  q.timeline = timeline_;
  q.loss_ppb = model_.loss_ppb;
  q.reachable = reachable();
  q.timeout_us = model_.supervision_timeout_us;
  const supervision_answer a = plan_supervision(radio(), q);
  if (a.drop_us != time_max) {
    drop_us_ = a.drop_us;
    supervision_event_ = k_.at(a.drop_us, [this] {
      supervision_event_ = {};
      on_supervision();
    });
  } else if (a.replan_us != time_max) {
    supervision_event_ = k_.at(a.replan_us, [this] {
      supervision_event_ = {};
      settle();
      replan();
    });
  }
}

void ble_link::on_supervision() {
  if (!connected_) return;
  ++stats_.supervision_timeouts;
  cut("supervision timeout");
}

// --- connection events with packets to move ---------------------------------------------------------------

void ble_link::schedule_service() {
  std::uint64_t want = UINT64_MAX;
  // Nothing can move while the pile cannot be reached or every transmission fails: the packets wait, and the
  // change that ends it schedules the service again.
  if (connected_ && reachable() && model_.loss_ppb < ppb_one) {
    const time_us now = k_.now();
    for (const tx_queue& q : tx_)
      if (!q.empty()) want = std::min(want, timeline_.first_at_or_after(std::max(q.front().ready_us, now)));
    if (want != UINT64_MAX) want = std::max(want, first_unknown_);
  }
  if (service_event_ && service_index_ == want) return;
  if (service_event_) k_.cancel(service_event_);
  service_event_ = {};
  if (want == UINT64_MAX) return;
  service_index_ = want;
  service_event_ = k_.at(timeline_.at(want), [this] {
    service_event_ = {};
    serve();
  });
}

void ble_link::serve() {
  const std::uint64_t event = service_index_;
  // The idle events since the last decided one count for the supervision timer; a drop due now comes first.
  settle();
  if (!connected_) return;
  ++stats_.busy_events;
  serving_ = true;
  const bool first_ok = reachable() && radio().gets_through(event, 0, 0, model_.loss_ppb);
  if (first_ok) last_ok_us_ = k_.now();
  first_unknown_ = event + 1;
  // The first exchange carries each side's first packet (or an empty PDU); then each side goes on alone, up
  // to packets_per_event, until its first failure: nothing overtakes a packet being retransmitted.
  std::array<bool, 2> going{transmit(event, 0, phone, first_ok, true), transmit(event, 0, pile, first_ok, true)};
  for (std::uint32_t slot = 1; slot < model_.packets_per_event && (going[0] || going[1]); ++slot)
    for (int side : {phone, pile})
      if (going[side]) going[side] = transmit(event, slot, side, false, false);
  serving_ = false;
  hand_up();
  schedule_service();
}

// One transmission from `from` at `slot`; true when it got through and another packet is ready behind it.
bool ble_link::transmit(std::uint64_t event, std::uint32_t slot, int from, bool first_ok, bool first) {
  tx_queue& q = tx_[from];
  const time_us now = k_.now();
  const bool ready = !q.empty() && q.front().ready_us <= now;
  ble_transmission rec;
  if (hook_) {
    rec.connection = connection_;
    rec.event = event;
    rec.at_us = now;
    rec.from = from;
    rec.slot = slot;
    rec.nesn = static_cast<std::uint8_t>(received_[from] & 1);
  }
  if (!ready) {
    if (first && hook_) {
      rec.empty = true;
      rec.got_through = first_ok;
      hook_(rec);
    }
    return false;
  }
  tx_packet& p = q.front();
  const bool through = first ? first_ok : radio().gets_through(event, slot, from, model_.loss_ppb);
  const bool more = q.size() > 1 && q.items[q.head + 1].ready_us <= now;
  ++stats_.transmissions;
  if (hook_) {
    rec.packet = p.number;
    rec.sn = static_cast<std::uint8_t>(p.number & 1);
    rec.more_data = more;
    rec.got_through = through;
    rec.payload = p.data;  // a failed transmission's; deliver() points it at the delivered bytes
  }
  if (!through) {
    ++stats_.retransmissions;
    trace("retransmit", {{"from", from}, {"event", event}, {"packet", p.number}});
    if (hook_) hook_(rec);
    return false;
  }
  ++received_[1 - from];
  deliver(from, std::move(p.data), event, p.number, hook_ ? &rec : nullptr);
  q.pop();
  return more;
}

// The packet got through and is acknowledged; the phone's stack may now repeat, reorder or corrupt it.
void ble_link::deliver(int from, bytes data, std::uint64_t event, std::uint64_t packet, ble_transmission* record) {
  arrival a;
  int bit = -1;
  if (!data.empty() && rng_.bernoulli(model_.corrupt_ppb)) {
    bit = static_cast<int>(rng_.uniform(0, data.size() * 8 - 1));
    ++stats_.corrupted;
    trace("corrupt", {{"from", from}, {"event", event}, {"packet", packet}, {"bit", bit}});
  }
  if (rng_.bernoulli(model_.duplicate_ppb)) {
    a.duplicate = true;
    ++stats_.duplicated;
    trace("dup", {{"from", from}, {"bytes", data.size()}});
  }
  if (!arrived_[from].empty() && rng_.bernoulli(model_.reorder_ppb)) a.reorder = true;
  if (record) {
    record->corrupted_bit = bit;
    record->payload = data;  // as it went on air, before the phone's stack flips a bit
    hook_(*record);
  }
  if (bit >= 0) data[static_cast<std::size_t>(bit) / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  a.data = std::move(data);
  arrived_[from].push_back(std::move(a));
}

void ble_link::hand_up() {
  const std::uint64_t connection = connection_;
  for (int from : {phone, pile}) {
    std::vector<arrival>& got = arrived_[from];
    // A packet marked to reorder overtakes the one before it.
    for (std::size_t j = 1; j < got.size(); ++j) {
      if (!got[j].reorder) continue;
      std::swap(got[j - 1], got[j]);
      ++stats_.reordered;
      trace("reorder", {{"from", from}, {"bytes", got[j - 1].data.size()}});
      ++j;  // the packet just overtaken is not moved again
    }
    for (arrival& a : got) {
      if (a.duplicate) hand_to(1 - from, connection, bytes(a.data));
      hand_to(1 - from, connection, std::move(a.data));
    }
    got.clear();
  }
}

void ble_link::hand_to(int to, std::uint64_t connection, bytes data) {
  // A receiver may cut the connection from its sink; the rest of the event then lands on nothing.
  if (!connected_ || connection_ != connection) {
    ++stats_.dropped;
    trace("drop", {{"from", 1 - to}, {"bytes", data.size()}, {"why", "disconnected"}});
    return;
  }
  ++stats_.delivered;
  if (sinks_[to]) sinks_[to](link_event{link_event::kind::frame, std::move(data)});
}

}  // namespace pilesim::sim
