#include "pile/firmware.hpp"

#include "contract/envelope.hpp"
#include "contract/keys.hpp"
#include "contract/pricing.hpp"
#include "contract/seal.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <type_traits>

namespace pilesim::pile {
namespace {

using protocol::status;

std::uint16_t count16(std::size_t n) { return static_cast<std::uint16_t>(std::min<std::size_t>(n, 0xFFFF)); }

// A token too short to carry a MAC, or one whose MAC fails, is forged or altered; an authentic token that
// does not decode is the server's bug, reported apart.
status token_status(errc e) {
  return (e == errc::bad_mac || e == errc::truncated) ? status::bad_mac : status::malformed;
}

}  // namespace

firmware::firmware(firmware_config config) : config_(std::move(config)), nv_(config_.bill_store) {
  assert(!config_.pile_id.empty() && config_.pile_id.size() <= contract::pile_id_len_max && "bad pile id");
  assert(config_.power_w >= 0 && config_.power_w <= charge_model::power_w_max && "pile power out of range");
  assert(config_.plug_wait_us > 0 && "the plug wait must be positive");
}

protocol::message firmware::handle(const protocol::message& request, std::int64_t now_us) {
  if (!powered_) return protocol::hello_reply{config_.pile_id, protocol::pile_state::faulted, 0, 0, {}};
  catch_up(now_us);
  return std::visit(
      [&](const auto& m) -> protocol::message {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::hello>) return on_hello(now_us, true);
        else if constexpr (std::is_same_v<T, protocol::start_request>) return on_start(m, now_us);
        else if constexpr (std::is_same_v<T, protocol::stop_request>) return on_stop(m, now_us);
        else if constexpr (std::is_same_v<T, protocol::bill_request>) return on_bill();
        else if constexpr (std::is_same_v<T, protocol::receipt_request>) return on_receipt(m);
        else {
          ++counters_.not_requests;
          return on_hello(now_us, false);
        }
      },
      request);
}

protocol::message firmware::on_hello(std::int64_t now_us, bool with_challenge) {
  protocol::hello_reply reply{config_.pile_id, state(), count16(nv_.pending_bills()), active_session(), {}};
  if (with_challenge) {
    reply.challenge = contract::derive_challenge(config_.key, nv_.boots(), ++challenge_seq_);
    challenges_.push_back(issued_challenge{reply.challenge, now_us});
    if (challenges_.size() > challenges_kept) challenges_.pop_front();
  }
  return reply;
}

protocol::status firmware::take_challenge(const challenge& c, std::int64_t ttl_us, std::int64_t now_us) {
  // Newest first: the challenge of a start is almost always the last one issued.
  for (auto it = challenges_.rbegin(); it != challenges_.rend(); ++it) {
    if (it->nonce != c) continue;
    // Within one power-up the clock never runs backwards, so this difference is the pile's monotonic timer;
    // a reset of the clock comes only with a power-up, which empties the list.
    const std::int64_t elapsed_us = now_us - it->issued_at_us;
    // ttl less drift_allowance_ppm of it, rounded against the phone (written to not overflow for any ttl).
    const std::int64_t ppm = config_.drift_allowance_ppm;
    const std::int64_t allowed_us =
        ttl_us - (ttl_us / 1'000'000 * ppm + (ttl_us % 1'000'000 * ppm + 999'999) / 1'000'000);
    if (elapsed_us > allowed_us) return status::expired;
    challenges_.erase(std::next(it).base());
    return status::ok;
  }
  // Never issued, issued before the power went, or pushed out by later ones: freshness cannot be shown.
  return status::expired;
}

protocol::status firmware::refuse(status s) {
  ++counters_.refused_by_status[static_cast<std::size_t>(s)];
  return s;
}

protocol::start_reply firmware::accepted_reply(const session_record& r) const {
  contract::start_ack ack{r.session_id, config_.pile_id, r.counter, r.meter_start_wh, r.started_at_us,
                          r.prev_counter};
  return protocol::start_reply{status::ok, r.session_id, r.meter_start_wh, contract::seal(ack, config_.key)};
}

protocol::message firmware::on_start(const protocol::start_request& req, std::int64_t now_us) {
  auto refused = [&](status s) {
    ++counters_.starts_refused;
    return protocol::start_reply{refuse(s), 0, 0, {}};
  };
  if (faulted_) return refused(status::faulted);
  // The pile id is peeked before the MAC only to say *why* a token meant for another pile is refused;
  // nothing is accepted on its word.
  if (auto peeked = contract::peek_pile_id(req.authorization); peeked && *peeked != config_.pile_id)
    return refused(status::wrong_pile);
  auto a = contract::open_authorization(req.authorization, config_.key);
  if (!a) return refused(token_status(static_cast<errc>(a.error().value())));
  if (a->pile_id != config_.pile_id) return refused(status::wrong_pile);

  // The phone retries when a reply is lost: the very authorization accepted last gets the same answer again,
  // even once expired or ended, and acts only once.
  if (const session_record* last = nv_.last_session();
      last != nullptr && last->session_id == a->session_id && last->counter == a->counter) {
    ++counters_.starts_repeated;
    return accepted_reply(*last);
  }
  if (a->counter <= nv_.last_counter()) return refused(status::replayed);
  // Busy and full are checked before the challenge is taken: the same authorization may be relayed again.
  if (nv_.active_session() != nullptr) return refused(status::busy);
  if (!nv_.has_room()) return refused(status::store_full);
  // Freshness on the pile's own timer: the server's clock (issued_at_us, expires_at_us) is not read here.
  if (take_challenge(a->challenge, a->ttl_us, now_us) != status::ok) return refused(status::expired);

  session_record r;
  r.session_id = a->session_id;
  r.counter = a->counter;
  r.frozen = a->frozen;
  r.rate = a->rate;
  r.stop_digest = a->stop_digest;
  r.cap_wh = contract::energy_cap_wh(a->frozen, a->rate);
  r.meter_start_wh = nv_.meter_wh();
  r.started_at_us = now_us;
  r.vehicle_id = std::move(a->vehicle_id);
  r.prev_counter = nv_.last_counter();
  auto reply = accepted_reply(r);
  nv_.open_session(std::move(r));
  ++counters_.sessions_started;
  if (vehicle_) begin_run(now_us);
  refresh_deadline();
  catch_up(now_us);  // a zero cap or a full battery ends the session at this very instant
  return reply;
}

protocol::message firmware::on_stop(const protocol::stop_request& req, std::int64_t now_us) {
  auto reply = [&](status s) {
    if (s != status::ok) {
      ++counters_.stops_refused;
      refuse(s);
    }
    return protocol::stop_reply{s, req.session_id};
  };
  // The last accepted session answers a repeated stop after it ended; older sessions are unknown.
  const session_record* last = nv_.last_session();
  if (last == nullptr || last->session_id != req.session_id) return reply(status::no_session);
  if (!contract::stop_secret_matches(req.stop_secret, last->stop_digest)) return reply(status::bad_stop_secret);
  if (nv_.active_session() != nullptr) {
    if (run_) stop_run(now_us, stop_reason::user);
    else end_session(stop_reason::user, now_us);
  }
  return reply(status::ok);
}

protocol::message firmware::on_bill() {
  const stored_bill* b = nv_.oldest_bill();
  if (b == nullptr) return protocol::bill_reply{0, {}};
  return protocol::bill_reply{count16(nv_.pending_bills()), b->sealed};
}

protocol::message firmware::on_receipt(const protocol::receipt_request& req) {
  auto r = contract::open_receipt(req.receipt, config_.key);
  status s = status::ok;
  std::uint64_t session_id = 0;
  if (!r) {
    s = token_status(static_cast<errc>(r.error().value()));
  } else if (r->pile_id != config_.pile_id) {
    s = status::wrong_pile;
  } else {
    session_id = r->session_id;
    if (!nv_.forget_bill(r->session_id, r->bill_counter)) s = status::unknown_bill;
  }
  if (s == status::ok) ++counters_.receipts_accepted;
  else {
    refuse(s);
    if (s != status::unknown_bill) ++counters_.receipts_refused;
  }
  return protocol::receipt_reply{s, session_id, count16(nv_.pending_bills())};
}

void firmware::plug(vehicle v, std::int64_t now_us) {
  if (vehicle_) return;
  vehicle_ = std::move(v);
  if (!powered_) return;
  catch_up(now_us);
  if (nv_.active_session() != nullptr && !run_ && !faulted_) {
    begin_run(now_us);
    refresh_deadline();
    catch_up(now_us);
  }
}

std::optional<vehicle> firmware::unplug(std::int64_t now_us) {
  if (powered_) catch_up(now_us);
  if (!vehicle_) return std::nullopt;
  if (run_) stop_run(now_us, stop_reason::unplug);
  std::optional<vehicle> out = std::move(vehicle_);
  vehicle_.reset();
  return out;
}

void firmware::power_off(std::int64_t now_us) {
  if (!powered_) return;
  catch_up(now_us);
  // The meter counts what flowed until the power went; the vehicle keeps it. The session stays open in NV.
  if (run_) {
    const std::int64_t delivered = run_delivered_mwh(now_us);
    nv_.write_meter(run_->base_mwh + delivered, now_us);
    if (vehicle_) vehicle_->stored_mwh += delivered;
  } else {
    nv_.write_meter(nv_.meter_mwh(), now_us);
  }
  powered_ = false;
  faulted_ = false;
  run_.reset();
  deadline_us_.reset();
  notifications_.clear();
  challenges_.clear();
  challenge_seq_ = 0;
}

void firmware::power_on(std::int64_t now_us) {
  if (powered_) return;
  powered_ = true;
  nv_.count_boot();
  if (const session_record* open = nv_.active_session(); open != nullptr) {
    // Nothing flowed while off, so the register is the session's last reading, stamped when it was written.
    end_session(stop_reason::power_loss, std::max(nv_.meter_at_us(), open->started_at_us));
  }
  (void)now_us;  // the reboot itself takes no time in this model; kept for symmetry and traces
}

void firmware::fault(std::int64_t now_us) {
  if (!powered_) return;
  catch_up(now_us);
  if (nv_.active_session() != nullptr) {
    if (run_) stop_run(now_us, stop_reason::fault);
    else end_session(stop_reason::fault, now_us);
  }
  faulted_ = true;
}

void firmware::clear_fault(std::int64_t now_us) {
  if (!powered_) return;
  catch_up(now_us);
  faulted_ = false;
}

std::vector<protocol::session_ended> firmware::take_notifications() {
  std::vector<protocol::session_ended> out;
  out.swap(notifications_);
  return out;
}

protocol::pile_state firmware::state() const {
  if (!powered_ || faulted_) return protocol::pile_state::faulted;
  if (nv_.active_session() == nullptr) return protocol::pile_state::idle;
  return run_ ? protocol::pile_state::charging : protocol::pile_state::authorized;
}

std::uint64_t firmware::active_session() const {
  const session_record* r = nv_.active_session();
  return r == nullptr ? 0 : r->session_id;
}

std::int64_t firmware::meter_mwh(std::int64_t now_us) const {
  if (!run_ || !powered_) return nv_.meter_mwh();
  std::int64_t t = now_us;
  if (deadline_us_ && *deadline_us_ < t) t = *deadline_us_;  // a due stop has happened, on_deadline or not
  return run_->base_mwh + run_delivered_mwh(t);
}

// ---- internals ----

void firmware::catch_up(std::int64_t now_us) {
  while (deadline_us_ && *deadline_us_ <= now_us) {
    const std::int64_t at = *deadline_us_;
    switch (deadline_kind_) {
      case deadline_kind::cap: stop_run(at, stop_reason::cap); break;
      case deadline_kind::full: stop_run(at, stop_reason::full); break;
      // The cable never came: nothing was delivered; "unplug" is what the user would see.
      case deadline_kind::plug_wait: end_session(stop_reason::unplug, at); break;
    }
  }
}

void firmware::begin_run(std::int64_t now_us) {
  const session_record* r = nv_.active_session();
  assert(r != nullptr && vehicle_ && !run_);
  const std::int64_t base = nv_.meter_mwh();
  std::int64_t cap = -1;
  if (r->cap_wh >= 0) cap = std::max<std::int64_t>(0, (r->meter_start_wh + r->cap_wh) * 1000 - base);
  run_.emplace(charging_run{
      charge_model(config_.power_w, vehicle_->battery_wh, vehicle_->stored_mwh, vehicle_->max_ac_w, now_us), base,
      cap});
}

std::int64_t firmware::run_delivered_mwh(std::int64_t t_us) const {
  std::int64_t d = run_->model.delivered_mwh_at(t_us);
  // The cap instant is exact already; the clamp states the invariant where the energy is counted.
  if (run_->cap_delivered_mwh >= 0) d = std::min(d, run_->cap_delivered_mwh);
  return d;
}

void firmware::stop_run(std::int64_t at_us, stop_reason reason) {
  assert(run_);
  const std::int64_t delivered = run_delivered_mwh(at_us);
  nv_.write_meter(run_->base_mwh + delivered, at_us);
  if (vehicle_) vehicle_->stored_mwh += delivered;
  run_.reset();
  end_session(reason, at_us);
}

void firmware::end_session(stop_reason reason, std::int64_t at_us) {
  const session_record* r = nv_.active_session();
  assert(r != nullptr && !run_);
  contract::bill b;
  b.session_id = r->session_id;
  b.pile_id = config_.pile_id;
  b.counter = nv_.bill_counter() + 1;
  b.meter_start_wh = r->meter_start_wh;
  b.meter_stop_wh = nv_.meter_wh();
  b.started_at_us = r->started_at_us;
  b.stopped_at_us = std::max(at_us, r->started_at_us);
  b.cost = contract::session_cost(b.energy_wh(), r->rate);
  b.reason = reason;
  assert((r->cap_wh < 0 || b.energy_wh() <= r->cap_wh) && b.cost <= r->frozen && "a session went past its cap");
  bytes sealed = contract::seal(b, config_.key);
  nv_.close_session(b, std::move(sealed));
  ++counters_.sessions_ended;
  notifications_.push_back(protocol::session_ended{b.session_id, reason});
  refresh_deadline();
}

void firmware::refresh_deadline() {
  deadline_us_.reset();
  if (run_) {
    std::optional<std::int64_t> cap_at;
    if (run_->cap_delivered_mwh >= 0) cap_at = run_->model.time_delivered(run_->cap_delivered_mwh);
    const std::optional<std::int64_t> full_at = run_->model.time_full();
    if (cap_at && (!full_at || *cap_at <= *full_at)) {
      deadline_us_ = cap_at;
      deadline_kind_ = deadline_kind::cap;
    } else if (full_at) {
      deadline_us_ = full_at;
      deadline_kind_ = deadline_kind::full;
    }
    return;
  }
  if (const session_record* r = nv_.active_session(); r != nullptr && !faulted_) {
    deadline_us_ = r->started_at_us + config_.plug_wait_us;
    deadline_kind_ = deadline_kind::plug_wait;
  }
}

}  // namespace pilesim::pile
