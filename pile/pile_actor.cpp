#include "pile/pile_actor.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace pilesim::pile {
namespace {

// The status a reply carries, for tracing refusals; ok for replies that carry none.
protocol::status status_of(const protocol::message& m) {
  return std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, protocol::start_reply> || std::is_same_v<T, protocol::stop_reply> ||
                      std::is_same_v<T, protocol::receipt_reply>)
          return x.result;
        else
          return protocol::status::ok;
      },
      m);
}

}  // namespace

pile_actor::pile_actor(sim::kernel& k, firmware_config cfg, clock_config clock)
    : k_(k), fw_(std::move(cfg)), clock_(clock), actor_("pile/" + fw_.config().pile_id), inbox_(k, inbox_capacity) {
  last_state_ = fw_.state();
}

void pile_actor::trace(std::string_view kind, std::initializer_list<sim::field> fields) {
  k_.trace().event(k_.now(), actor_, kind, fields);
}

void pile_actor::attach(sim::ble_link& link) {
  const std::size_t index = slots_.size();
  link_state& ls = *slots_.emplace_back(std::make_unique<link_state>());
  live_.push_back(index);
  ls.link = &link;
  ls.connected = link.connected();
  if (!fw_.powered()) link.set_pile_powered(false);
  link.attach(sim::ble_link::pile, [this, index](sim::link_event&& e) {
    if (!inbox_.push(inbound{index, std::move(e)})) {
      ++stats_.inbox_drops;
      trace("drop", {{"why", "inbox full"}, {"link", slots_[index]->link->name()}});
    }
  });
}

pile_actor::link_state* pile_actor::slot_of(const sim::ble_link& link) const {
  for (std::size_t i : live_)
    if (slots_[i]->link == &link) return slots_[i].get();
  return nullptr;
}

bool pile_actor::idle_on(const sim::ble_link& link) const {
  const link_state* ls = slot_of(link);
  return ls == nullptr || (!ls->connected && ls->indications.empty());
}

void pile_actor::detach(const sim::ble_link& link) {
  for (auto it = live_.begin(); it != live_.end(); ++it)
    if (slots_[*it]->link == &link) {
      slots_[*it].reset();
      live_.erase(it);
      return;
    }
}

void pile_actor::start() { k_.spawn(actor_, run(*this)); }

void pile_actor::poke() {
  // A full inbox already guarantees the actor wakes and re-reads the deadline, so a lost poke is harmless.
  (void)inbox_.push(inbound{wake, {}});
}

sim::asio::awaitable<void> pile_actor::run(pile_actor& self) {
  for (;;) {
    // An input already queued (the packets of a frame arrive together) is taken at once: receive_until would
    // hand it over too, queued input always winning over the deadline, but through a round trip.
    std::optional<inbound> in = self.inbox_.try_receive();
    if (!in) {
      auto received = co_await self.inbox_.receive_until(self.next_deadline());
      if (received) {
        in = std::move(*received);
      } else if (received.error() == errc::timeout) {
        self.on_deadline();
      } else {
        continue;
      }
    }
    if (in && in->link != wake) self.on_link_event(in->link, in->event);
    self.after_input();
  }
}

sim::time_us pile_actor::next_deadline() const {
  sim::time_us t = sim::time_max;
  if (fw_.powered())
    if (const auto d = fw_.next_deadline()) t = clock_.when(*d);
  for (std::size_t i : live_)
    if (const link_state& ls = *slots_[i]; !ls.indications.empty()) t = std::min(t, ls.indications.front().resend_at_us);
  return t;
}

void pile_actor::on_deadline() {
  const sim::time_us now = k_.now();
  if (fw_.powered())
    if (const auto d = fw_.next_deadline(); d && *d <= pile_now()) fw_.on_deadline(pile_now());
  for (std::size_t li : live_) {
    link_state& ls = *slots_[li];
    if (ls.indications.empty() || ls.indications.front().resend_at_us > now) continue;
    indication& i = ls.indications.front();
    if (ls.link->acknowledged(sim::ble_link::pile) < i.handed_up_to) {
      // Its last copy is still on its way (a slow link retransmits): another would only queue behind it.
      i.resend_at_us = now + indication_retry_us;
      continue;
    }
    ++stats_.indication_resends;
    send_indication(ls);
  }
}

void pile_actor::forget_connection(link_state& ls) {
  ls.reassembly.reset();
  ls.last_seq.reset();
  ls.last_reply.clear();
  ls.indications.clear();
}

void pile_actor::send_indication(link_state& ls) {
  indication& i = ls.indications.front();
  if (i.sent > 0)
    trace("notify_again", {{"session", i.session_id}, {"seq", unsigned{i.seq}}, {"attempt", i.sent + 1}});
  ++i.sent;
  i.gap_us = i.gap_us == 0 ? indication_retry_us : std::min(i.gap_us * 2, indication_retry_max_us);
  i.resend_at_us = k_.now() + i.gap_us;
  send_frame(ls, i.wire);
  i.handed_up_to = ls.link->handed(sim::ble_link::pile);
}

void pile_actor::on_confirm(link_state& ls, std::uint16_t seq, const protocol::session_ended_confirm& c) {
  // Only the indication in flight can be confirmed; a late repeat of an older confirmation changes nothing.
  if (ls.indications.empty() || ls.indications.front().seq != seq || ls.indications.front().session_id != c.session_id)
    return;
  ++stats_.confirmations;
  trace("rx", {{"msg", "session_ended_confirm"}, {"seq", unsigned{seq}}});
  ls.indications.erase(ls.indications.begin());
  if (!ls.indications.empty()) send_indication(ls);
}

void pile_actor::on_link_event(std::size_t index, sim::link_event& e) {
  if (!slots_[index]) return;  // detached: the link is gone
  link_state& ls = *slots_[index];
  switch (e.what) {
    case sim::link_event::kind::connected:
    case sim::link_event::kind::disconnected:
      // A new connection starts with nothing cached: a seq seen on an older connection means nothing now.
      ls.connected = e.what == sim::link_event::kind::connected;
      forget_connection(ls);
      return;
    case sim::link_event::kind::frame:
      if (!fw_.powered()) return;  // no power, no radio: whatever was still in flight lands on nothing
      on_packet(ls, e.data);
      return;
  }
}

void pile_actor::on_packet(link_state& ls, const bytes& packet) {
  std::optional<bytes> whole = ls.reassembly.push(packet);
  if (!whole) return;
  auto f = protocol::decode(*whole);
  if (!f) {
    // Without a trustworthy seq there is nothing to answer; the phone's timeout retries the request.
    ++stats_.malformed;
    trace("rx_bad", {{"why", f.error().message()}});
    return;
  }
  // A confirmation is numbered in the pile's notification sequence, not the phone's requests: never a repeat.
  if (const auto* c = std::get_if<protocol::session_ended_confirm>(&f->body)) {
    on_confirm(ls, f->seq, *c);
    return;
  }
  if (ls.last_seq && *ls.last_seq == f->seq && !ls.last_reply.empty()) {
    ++stats_.repeats;
    trace("rx_repeat", {{"msg", protocol::name_of(f->body)}, {"seq", unsigned{f->seq}}});
    send_frame(ls, ls.last_reply);
    return;
  }
  answer(ls, f->seq, f->body);
}

void pile_actor::answer(link_state& ls, std::uint16_t seq, const protocol::message& request) {
  ++stats_.requests;
  trace("rx", {{"msg", protocol::name_of(request)}, {"seq", unsigned{seq}}});
  protocol::message reply = fw_.handle(request, pile_now());
  if (const protocol::status s = status_of(reply); s != protocol::status::ok)
    trace("refuse", {{"msg", protocol::name_of(request)}, {"status", protocol::to_string(s)}});
  const std::string_view reply_name = protocol::name_of(reply);  // a literal: still valid after the move
  ls.last_seq = seq;
  ls.last_reply = protocol::encode(protocol::frame{seq, std::move(reply)});
  trace("tx", {{"msg", reply_name}, {"seq", unsigned{seq}}});
  send_frame(ls, ls.last_reply);
}

void pile_actor::send_frame(link_state& ls, const bytes& wire) {
  for (bytes& p : ls.fragmenter.cut(wire, ls.link->mtu())) {
    // A send fails only without a connection; the disconnect event that follows resets the link's state.
    if (!ls.link->send(sim::ble_link::pile, std::move(p))) return;
  }
}

void pile_actor::after_input() {
  for (const protocol::session_ended& n : fw_.take_notifications()) {
    const std::uint16_t seq = ++notification_seq_;
    const bytes wire = protocol::encode(protocol::frame{seq, n});
    trace("notify", {{"session", n.session_id}, {"reason", to_string(n.reason)}});
    for (std::size_t i : live_) {
      link_state& ls = *slots_[i];
      if (!ls.connected || !ls.link->connected()) continue;
      if (ls.indications.size() >= indications_max) {
        trace("drop", {{"why", "indications full"}, {"link", ls.link->name()}, {"session", n.session_id}});
        continue;
      }
      ++stats_.notifications;
      ls.indications.push_back(indication{seq, n.session_id, wire});
      if (ls.indications.size() == 1) send_indication(ls);
    }
  }
  if (const protocol::pile_state s = fw_.state(); s != last_state_) {
    trace("state", {{"from", protocol::to_string(last_state_)}, {"to", protocol::to_string(s)}});
    last_state_ = s;
  }
  observe_sessions();
}

void pile_actor::observe_sessions() {
  const firmware_counters& c = fw_.counters();
  if (c.sessions_started != seen_starts_) {
    seen_starts_ = c.sessions_started;
    // At most one session starts per input, and it is the last one the NV store accepted.
    if (const session_record* r = fw_.nv().last_session(); r != nullptr) {
      // Newest first: a repeated start is of a recent session, and a run may meter thousands per pile.
      // (Entries are unique per session id, so the first match from the back is the only one.)
      metered_session* m = nullptr;
      for (auto it = metered_.rbegin(); it != metered_.rend() && m == nullptr; ++it)
        if (it->session_id == r->session_id) m = &*it;
      if (m == nullptr) {
        m = &metered_.emplace_back();
        m->session_id = r->session_id;
        m->cap_wh = r->cap_wh;
        m->started_at_us = k_.now();  // the start was accepted by this very input
      }
      ++m->starts;
    }
  }
  if (fw_.nv().bill_counter() != seen_bill_counter_) {
    for (const stored_bill& b : fw_.nv().bills()) {
      if (b.fields.counter <= seen_bill_counter_) continue;
      for (auto it = metered_.rbegin(); it != metered_.rend(); ++it)
        if (it->session_id == b.fields.session_id) {
          it->energy_wh = b.fields.energy_wh();
          it->ended = true;
          // A bill is written by the input that ends its session, at its stop instant on this power-up's clock;
          // a power-loss bill is written at power-up, for a session that ended when the power went.
          it->ended_at_us = b.fields.reason == stop_reason::power_loss
                                ? powered_off_at_us_
                                : std::min(k_.now(), clock_.when(b.fields.stopped_at_us));
          break;
        }
    }
    seen_bill_counter_ = fw_.nv().bill_counter();
  }
}

std::vector<metered_session> pile_actor::metered() const {
  std::vector<metered_session> out = metered_;
  if (const session_record* r = fw_.nv().active_session(); r != nullptr)
    for (metered_session& m : out)
      if (m.session_id == r->session_id && !m.ended) m.energy_wh = fw_.meter_wh(pile_now()) - r->meter_start_wh;
  return out;
}

void pile_actor::plug(vehicle v) {
  trace("plug", {{"vehicle", v.id}});
  fw_.plug(std::move(v), pile_now());
  after_input();
  poke();  // charging may have begun: the actor must wait for its new deadline
}

std::optional<vehicle> pile_actor::unplug() {
  std::optional<vehicle> v = fw_.unplug(pile_now());
  if (v) trace("unplug", {{"vehicle", v->id}});
  after_input();
  poke();
  return v;
}

void pile_actor::power_off() {
  if (!fw_.powered()) return;
  fw_.power_off(pile_now());
  powered_off_at_us_ = k_.now();
  trace("power_off");
  inbox_.clear();  // RAM: queued packets are gone with the power
  for (std::size_t i : live_) {
    forget_connection(*slots_[i]);
    slots_[i]->link->set_pile_powered(false);
  }
  after_input();
  poke();
}

void pile_actor::power_on(bool reset_clock) {
  if (fw_.powered()) return;
  for (std::size_t i : live_) slots_[i]->link->set_pile_powered(true);
  if (reset_clock) {
    clock_.reset(k_.now());
    trace("clock_reset");
  }
  fw_.power_on(pile_now());
  trace("power_on");
  after_input();
  poke();
}

}  // namespace pilesim::pile
