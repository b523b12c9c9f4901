#include "agent/ble_client.hpp"

namespace pilesim::agent {
namespace {

constexpr std::size_t replies_kept_max = 8;  // replies to requests already given up on are thrown away

bool is_reply(const protocol::message& m) {
  const auto t = static_cast<std::uint8_t>(protocol::type_of(m));
  return t >= 0x80 && protocol::type_of(m) != protocol::type::session_ended;
}

}  // namespace

ble_client::ble_client(context& cx) : cx_(cx), inbox_(cx.k, inbox_max) {}

void ble_client::on_link_event(sim::ble_link* link, sim::link_event e) {
  if (!inbox_.push(input{link, generation_, std::move(e)})) cx_.trace("drop", {{"why", "ble inbox full"}});
}

void ble_client::poke() {
  poked_ = true;  // kept even if the wake-up below is lost to a full inbox
  (void)inbox_.push(input{});
}

void ble_client::drop_state() {
  reassembly_.reset();
  replies_.clear();
  last_notification_seq_.reset();
}

// Every wait below takes an input already queued (the packets of a frame arrive together) at once: receive_until
// would hand it over too, queued input always winning over the deadline, but through a round trip each.
bool ble_client::absorb_queued() {
  std::optional<input> queued = inbox_.try_receive();
  if (!queued) return false;
  absorb(*queued);
  return true;
}

void ble_client::absorb(input& in) {
  if (in.link == nullptr) {
    poked_ = true;
    return;
  }
  // Events of another link, or of a connection of ours that we have since given up, change nothing.
  if (in.link != link_ || in.generation != generation_) return;
  switch (in.event.what) {
    case sim::link_event::kind::connected:
      if (state_ != state::connecting) return;
      state_ = state::connected;
      drop_state();
      ++cx_.counters.ble_connects;
      cx_.trace("ble_connected", {{"pile", pile_}});
      return;
    case sim::link_event::kind::disconnected:
      if (state_ == state::idle) return;
      if (state_ == state::connected) cx_.trace("ble_dropped", {{"pile", pile_}});
      state_ = state::idle;
      dropped_ = true;
      drop_state();
      return;
    case sim::link_event::kind::frame:
      if (state_ == state::connected) on_frame(in.event.data);
      return;
  }
}

void ble_client::on_frame(const bytes& packet) {
  std::optional<bytes> whole = reassembly_.push(packet);
  if (!whole) return;
  auto f = protocol::decode(*whole);
  if (!f) {
    cx_.trace("ble_bad", {{"pile", pile_}, {"why", f.error().message()}});
    return;  // the request it answered times out and is sent again
  }
  if (const auto* n = std::get_if<protocol::session_ended>(&f->body)) {
    on_notification(f->seq, *n);
    return;
  }
  if (!is_reply(f->body)) return;  // a pile never sends requests; ignore rather than trust
  if (replies_.size() >= replies_kept_max) replies_.pop_front();
  replies_.push_back(std::move(*f));
}

void ble_client::on_notification(std::uint16_t seq, const protocol::session_ended& n) {
  // A repeat means our confirmation was lost: confirm again, but the app has heard it already.
  if (last_notification_seq_ != seq) {
    last_notification_seq_ = seq;
    notifications_.push_back(n);
  }
  // A failed send means the connection is gone; its disconnect event follows and is handled then.
  (void)send(protocol::encode(protocol::frame{seq, protocol::session_ended_confirm{n.session_id}}));
}

bool ble_client::send(const bytes& wire) {
  for (bytes& p : fragmenter_.cut(wire, link_->mtu()))
    if (!link_->send(sim::ble_link::phone, std::move(p))) return false;
  return true;
}

std::optional<protocol::session_ended> ble_client::take_notification() {
  if (notifications_.empty()) return std::nullopt;
  protocol::session_ended n = notifications_.front();
  notifications_.pop_front();
  return n;
}

void ble_client::disconnect(std::string_view why) {
  if (link_ == nullptr) return;
  const bool was = state_ != state::idle;
  state_ = state::idle;
  drop_state();
  if (link_->connected()) link_->disconnect(why);
  ++generation_;  // the disconnect's own events, queued just now, are stale from here on
  if (was) cx_.trace("ble_disconnect", {{"pile", pile_}, {"why", why}});
}

sim::asio::awaitable<void> ble_client::pause_until(sim::time_us until) {
  for (;;) {
    if (absorb_queued()) continue;
    auto in = co_await inbox_.receive_until(until);
    if (!in) co_return;
    absorb(*in);
  }
}

sim::asio::awaitable<result<void>> ble_client::connect(std::string pile) {
  sim::ble_link* l = cx_.link_to(pile);
  if (l == nullptr) co_return errc::bad_value;
  if (connected_to(pile)) co_return result<void>{};
  if (link_ != nullptr && link_ != l) disconnect("switching pile");
  link_ = l;
  pile_ = pile;
  const ble_options& o = cx_.cfg.ble;
  for (int attempt = 1; attempt <= o.connect_tries_max; ++attempt) {
    if (attempt > 1) co_await pause_until(cx_.k.now() + o.connect_retry_us);
    ++generation_;
    if (l->connected()) {
      // Connected already: a set-up an earlier app instance asked for has completed. Adopt it.
      state_ = state::connected;
      drop_state();
      ++cx_.counters.ble_connects;
      cx_.trace("ble_connected", {{"pile", pile_}, {"adopted", 1}});
      co_return result<void>{};
    }
    state_ = state::connecting;
    l->connect();
    const sim::time_us deadline = cx_.k.now() + o.connect_timeout_us;
    while (state_ == state::connecting) {
      if (absorb_queued()) continue;
      auto in = co_await inbox_.receive_until(deadline);
      if (!in) break;
      absorb(*in);
    }
    if (state_ == state::connected) co_return result<void>{};
    state_ = state::idle;
    ++cx_.counters.ble_connect_failures;
    cx_.trace("ble_connect_failed", {{"pile", pile_}, {"attempt", attempt}});
  }
  co_return errc::disconnected;
}

sim::asio::awaitable<result<protocol::message>> ble_client::request(protocol::message m) {
  if (!connected()) co_return errc::disconnected;
  ++cx_.counters.ble_requests;
  const std::uint16_t seq = cx_.new_ble_seq();
  const std::string_view name = protocol::name_of(m);
  const bytes wire = protocol::encode(protocol::frame{seq, std::move(m)});
  const ble_options& o = cx_.cfg.ble;
  std::uint64_t handed_up_to = 0;  // the link's handed() count after the last copy went to the link
  for (int attempt = 1; attempt <= o.request_tries_max; ++attempt) {
    if (!connected()) co_return errc::disconnected;
    if (attempt > 1 && link_->acknowledged(sim::ble_link::phone) < handed_up_to) {
      // The last copy is still being retransmitted by the link: another would only queue behind it. The try
      // counts all the same, so the request stays bounded by request_tries_max x request_timeout.
      ++cx_.counters.ble_still_sending;
      cx_.trace("ble_still_sending", {{"msg", name}, {"seq", unsigned{seq}}, {"attempt", attempt}});
    } else {
      if (attempt > 1) {
        ++cx_.counters.ble_retries;
        cx_.trace("ble_retry", {{"msg", name}, {"seq", unsigned{seq}}, {"attempt", attempt}});
      }
      if (!send(wire)) {
        // The link has no connection even if its event has not reached us yet: believe the link.
        state_ = state::idle;
        dropped_ = true;
        drop_state();
        co_return errc::disconnected;
      }
      handed_up_to = link_->handed(sim::ble_link::phone);
    }
    const sim::time_us deadline = cx_.k.now() + o.request_timeout_us;
    for (;;) {
      for (auto it = replies_.begin(); it != replies_.end(); ++it) {
        if (it->seq != seq) continue;
        protocol::message reply = std::move(it->body);
        replies_.clear();  // everything before it answered requests already given up on
        co_return reply;
      }
      if (!connected()) co_return errc::disconnected;
      if (absorb_queued()) continue;
      auto in = co_await inbox_.receive_until(deadline);
      if (!in) break;
      absorb(*in);
    }
  }
  ++cx_.counters.ble_timeouts;
  cx_.trace("ble_timeout", {{"msg", name}, {"seq", unsigned{seq}}});
  co_return errc::timeout;
}

sim::asio::awaitable<result<void>> ble_client::wait(sim::time_us deadline) {
  for (;;) {
    if (poked_ || dropped_ || !notifications_.empty()) {
      poked_ = false;
      dropped_ = false;
      co_return result<void>{};
    }
    if (absorb_queued()) continue;
    auto in = co_await inbox_.receive_until(deadline);
    if (!in) co_return in.error();
    absorb(*in);
  }
}

}  // namespace pilesim::agent
