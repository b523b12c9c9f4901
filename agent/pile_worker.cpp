#include "agent/pile_worker.hpp"

#include "contract/envelope.hpp"

#include <algorithm>

namespace pilesim::agent {
namespace {

// Every message below is built into a named local before it is co_awaited on: g++ 12 destroys a braced temporary
// passed as an argument inside a co_await expression twice (a double free), so none is ever written that way.
protocol::message hello_from(const std::string& user) {
  return protocol::hello{user.substr(0, protocol::text_len_max)};
}

}  // namespace

pile_worker::pile_worker(context& cx, ble_client& ble, std::function<void()> uploads_ready)
    : cx_(cx), ble_(ble), uploads_ready_(std::move(uploads_ready)) {}

void pile_worker::start() { cx_.k.spawn(cx_.actor + "/ble", run()); }

void pile_worker::submit(job j) {
  if (jobs_.size() >= jobs_max) {
    cx_.trace("drop", {{"why", "ble jobs full"}});
    if (j.reply) (void)j.reply->push(pile_answer{result<protocol::message>(errc::mailbox_full)});
    return;
  }
  jobs_.push_back(std::move(j));
  ble_.poke();
}

void pile_worker::submit_connect(std::string pile, reply_box& reply) {
  submit(job{job_kind::connect, std::move(pile), {}, &reply});
}

void pile_worker::submit_request(std::string pile, protocol::message m, reply_box& reply) {
  submit(job{job_kind::request, std::move(pile), std::move(m), &reply});
}

void pile_worker::submit_disconnect() { submit(job{job_kind::disconnect, {}, {}, nullptr}); }

bool pile_worker::work_waiting() const {
  return !greeted_ || bills_due_ || cx_.disk.box.receipt_for(ble_.pile()) != nullptr;
}

sim::time_us pile_worker::next_wake() const {
  if (ble_.connected()) {
    // Mirrors housekeeping(): whatever it found not yet due becomes due at the instant returned here.
    return work_waiting() ? housekeeping_after_us_ : sim::time_max;
  }
  if (!cx_.near_pile.empty()) return reconnect_after_us_;
  return sim::time_max;
}

sim::asio::awaitable<void> pile_worker::run() {
  for (;;) {
    while (auto n = ble_.take_notification()) on_notification(*n);
    if (!jobs_.empty()) {
      job j = std::move(jobs_.front());
      jobs_.pop_front();
      reply_box* reply = j.reply;
      auto r = co_await perform(std::move(j));
      if (reply) (void)reply->push(pile_answer{std::move(r)});
      continue;
    }
    const sim::time_us now = cx_.k.now();
    if (ble_.connected()) {
      const bool worked = co_await housekeeping();
      if (worked) continue;
    } else if (!cx_.near_pile.empty() && now >= reconnect_after_us_) {
      // Near a pile and not connected (a drop, a reboot, a fault): notifications and bills need the link back.
      auto r = co_await open(cx_.near_pile);
      if (!r) {
        ++reconnect_failures_;
        reconnect_after_us_ = cx_.k.now() + cx_.backoff(reconnect_failures_, cx_.cfg.ble.reconnect_initial_us,
                                                        cx_.cfg.ble.reconnect_max_us);
      }
      continue;
    }
    (void)co_await ble_.wait(next_wake());
  }
}

sim::asio::awaitable<result<protocol::message>> pile_worker::open(std::string pile) {
  auto c = co_await ble_.connect(pile);
  if (!c) co_return c.error();
  reconnect_failures_ = 0;
  reconnect_after_us_ = 0;
  // A new connection: whatever was known of the previous one says nothing about this one.
  greeted_ = false;
  bills_due_ = false;
  housekeeping_after_us_ = 0;
  housekeeping_failures_ = 0;
  protocol::message hello = hello_from(cx_.cfg.user);
  auto h = co_await ble_.request(std::move(hello));
  // Unanswered while still connected: housekeeping says hello again after a pause.
  if (!h) {
    exchange_failed();
    co_return h.error();
  }
  on_hello(*h);
  co_return std::move(*h);
}

sim::asio::awaitable<result<protocol::message>> pile_worker::perform(job j) {
  switch (j.what) {
    case job_kind::connect: {
      if (ble_.connected_to(j.pile)) {
        // Already there: say hello again so the caller learns the pile's state now.
        protocol::message hello = hello_from(cx_.cfg.user);
        auto h = co_await ble_.request(std::move(hello));
        if (h) on_hello(*h);
        if (h || h.error() != errc::disconnected) co_return h;
      }
      co_return co_await open(j.pile);
    }
    case job_kind::request: {
      for (int attempt = 1; attempt <= 2; ++attempt) {
        if (!ble_.connected_to(j.pile)) {
          auto o = co_await open(j.pile);
          if (!o) co_return o.error();
        }
        // A start whose every answer was lost may still have started the pile: its end is heard all the same,
        // as the pile repeats session_ended until this phone (or, after a drop, the next hello) learns of it.
        auto r = co_await ble_.request(j.msg);
        if (r || r.error() != errc::disconnected) co_return r;
      }
      co_return errc::disconnected;
    }
    case job_kind::disconnect:
      ble_.disconnect("leave");
      bills_due_ = false;
      co_return hello_from(cx_.cfg.user);  // nothing is answered for a disconnect; any message will do
  }
  co_return errc::bad_value;
}

void pile_worker::exchange_failed() {
  ++housekeeping_failures_;
  housekeeping_after_us_ = cx_.k.now() + cx_.backoff(housekeeping_failures_, cx_.cfg.ble.housekeeping_retry_us,
                                                     cx_.cfg.ble.housekeeping_retry_max_us);
}

void pile_worker::on_hello(const protocol::message& reply) {
  const auto* hr = std::get_if<protocol::hello_reply>(&reply);
  if (hr == nullptr) return;
  greeted_ = true;
  housekeeping_failures_ = 0;
  bills_due_ = hr->pending_bills > 0;
}

sim::asio::awaitable<bool> pile_worker::housekeeping() {
  const std::string pile = ble_.pile();
  const sim::time_us now = cx_.k.now();
  if (now < housekeeping_after_us_) co_return false;  // pausing after an exchange that got no reply
  if (forge_receipt_for_) {
    co_await forge_receipt(pile);
    co_return true;
  }
  if (const pending_receipt* pr = cx_.disk.box.receipt_for(pile)) {
    const std::uint64_t session = pr->session;
    protocol::message deliver = protocol::receipt_request{pr->sealed};
    auto r = co_await ble_.request(std::move(deliver));
    const auto* rr = r ? std::get_if<protocol::receipt_reply>(&*r) : nullptr;
    if (rr == nullptr) {
      // No answer, or a powered-off pile's hello_reply: keep the receipt and try again later.
      exchange_failed();
      co_return true;
    }
    // Whatever the status, this receipt is done: ok and unknown_bill mean the pile holds no such bill now, and
    // a refused receipt will never become acceptable by repeating it.
    ++cx_.counters.receipts_delivered;
    cx_.trace("receipt_delivered",
              {{"pile", pile}, {"session", session}, {"status", protocol::to_string(rr->result)},
               {"pending", unsigned{rr->pending_bills}}});
    cx_.disk.box.remove_receipt(pile, session);
    bills_due_ = rr->pending_bills > 0;
    housekeeping_failures_ = 0;
    co_return true;
  }
  if (bills_due_) {
    protocol::message ask = protocol::bill_request{};
    auto r = co_await ble_.request(std::move(ask));
    const auto* br = r ? std::get_if<protocol::bill_reply>(&*r) : nullptr;
    if (br == nullptr) {
      exchange_failed();
      co_return true;
    }
    // The pile hands out only its oldest bill; the next one comes after this one's receipt is delivered.
    bills_due_ = false;
    housekeeping_failures_ = 0;
    if (!br->bill.empty()) collect(pile, br->bill);
    co_return true;
  }
  if (!greeted_) {
    protocol::message hello = hello_from(cx_.cfg.user);
    auto r = co_await ble_.request(std::move(hello));
    if (!r || !std::holds_alternative<protocol::hello_reply>(*r)) {
      exchange_failed();
      co_return true;
    }
    on_hello(*r);
    co_return true;
  }
  co_return false;
}

void pile_worker::collect(const std::string& pile, const bytes& sealed_bill) {
  // The phone cannot open a bill (it has no key); it reads the session id only to name the upload's path.
  auto session = contract::peek_session_id(sealed_bill);
  if (!session) {
    cx_.trace("bill_unreadable", {{"pile", pile}});
    return;
  }
  if (cx_.attacking(attack_kind::withhold_bill)) {
    cx_.attack_acted("bill kept from the server");
    return;
  }
  if (cx_.attacking(attack_kind::forge_receipt)) forge_receipt_for_ = *session;
  upload u;
  u.kind = upload_kind::bill;
  u.session = *session;
  u.pile = pile;
  u.sealed = sealed_bill;
  u.idempotency_key = cx_.new_idempotency_key();
  u.next_try_us = cx_.k.now();
  switch (cx_.disk.box.add(std::move(u))) {
    case add_result::added:
      ++cx_.counters.bills_collected;
      cx_.trace("bill_collected", {{"pile", pile}, {"session", *session}});
      uploads_ready_();
      break;
    case add_result::duplicate: break;
    case add_result::full:
      ++cx_.counters.outbox_full;
      cx_.trace("outbox_full", {{"pile", pile}, {"session", *session}});
      break;
  }
}

sim::asio::awaitable<void> pile_worker::forge_receipt(std::string pile) {
  const std::uint64_t session = *forge_receipt_for_;
  forge_receipt_for_.reset();
  protocol::message forged = protocol::receipt_request{made_up_receipt(pile, session)};
  auto r = co_await ble_.request(std::move(forged));
  cx_.attack_acted("made-up receipt sent to the pile");
  if (const auto* rr = r ? std::get_if<protocol::receipt_reply>(&*r) : nullptr)
    cx_.trace("forged_receipt_answered", {{"pile", pile}, {"status", protocol::to_string(rr->result)}});
}

void pile_worker::on_notification(const protocol::session_ended& n) {
  cx_.trace("session_ended", {{"pile", ble_.pile()}, {"session", n.session_id}, {"reason", to_string(n.reason)}});
  bills_due_ = true;
  if (session_record* s = cx_.disk.session(n.session_id)) s->state = "ended";
}

}  // namespace pilesim::agent
