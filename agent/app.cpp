#include "agent/app.hpp"

#include "contract/key32.hpp"
#include "server/api.hpp"

#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

namespace pilesim::agent {
namespace {

// "conflict (409)": the server's machine word when it gave one, and the status.
std::string refusal_of(const http::response& r) {
  std::string word = "http";
  if (auto e = api::parse_error_body(r.body); e && !e->error.empty()) word = e->error;
  return word + " (" + std::to_string(r.status) + ")";
}

// The pile's answer, or why there is none.
result<protocol::message> answer_of(result<pile_answer> a) {
  if (!a) return a.error();
  return std::move(a->r);
}

// The challenge in a powered pile's hello reply (a pile without power sends none).
std::optional<challenge> challenge_in(const result<protocol::message>& m) {
  if (!m) return std::nullopt;
  const auto* hr = std::get_if<protocol::hello_reply>(&*m);
  if (hr == nullptr || hr->state == protocol::pile_state::faulted || hr->challenge == challenge{}) return std::nullopt;
  return hr->challenge;
}

// 409 busy: the pile has a session the server has not seen settled.
bool is_busy(const http::response& r) {
  if (r.status != 409) return false;
  auto e = api::parse_error_body(r.body);
  return e && e->error == "busy";
}

void mark_reservation_report(context& cx, std::uint64_t id, std::string_view state) {
  for (reservation_attempt& a : cx.reservations)
    if (a.id == id) a.state = state;
}

}  // namespace

app::app(context& cx, sim::link& wan)
    : cx_(cx),
      commands_(cx.k, commands_max),
      pause_(cx.k, 1),
      http_reply_(cx.k, 4),
      pile_reply_(cx.k, 4),
      http_(cx, wan),
      ble_(cx),
      settled_(cx.k, 1),
      uploader_(cx, http_,
                [this] {
                  worker_.receipts_ready();
                  (void)settled_.push(0);
                }),
      worker_(cx, ble_, [this] {
        uploader_.poke();
        (void)settled_.push(0);
      }) {}

void app::start() {
  http_.start();
  worker_.start();
  uploader_.start();
  cx_.k.spawn(cx_.actor, run());
}

void app::command(agent_command c) {
  ++cx_.counters.commands;
  const bool is_leave = std::holds_alternative<leave_command>(c);
  if (!commands_.push(std::move(c))) {
    ++cx_.counters.commands_dropped;
    cx_.trace("drop", {{"why", "commands full"}});
    return;
  }
  if (is_leave) {
    ++leaves_queued_;
    (void)pause_.push(0);  // cuts short a pause between start relays
  }
}

sim::asio::awaitable<void> app::run() {
  for (;;) {
    auto c = co_await commands_.receive();
    if (!c) continue;
    // One command at a time, to its end: a user taps the next button after the app answered the last one.
    if (auto* r = std::get_if<reserve_command>(&*c)) co_await reserve(std::move(*r));
    else if (std::holds_alternative<cancel_command>(*c)) co_await cancel();
    else if (auto* s = std::get_if<start_command>(&*c)) co_await start_session(std::move(*s));
    else if (std::holds_alternative<stop_command>(*c)) co_await stop_session();
    else if (auto* a = std::get_if<arrive_command>(&*c)) co_await arrive(std::move(*a));
    else if (std::holds_alternative<leave_command>(*c)) leave();
    // app_restart never reaches an app: the agent replaces the whole app instead.
  }
}

sim::asio::awaitable<result<pile_answer>> app::pile_connect(std::string pile) {
  worker_.submit_connect(std::move(pile), pile_reply_);
  return pile_reply_.receive();
}

sim::asio::awaitable<result<pile_answer>> app::pile_request(std::string pile, protocol::message m) {
  worker_.submit_request(std::move(pile), std::move(m), pile_reply_);
  return pile_reply_.receive();
}

sim::asio::awaitable<void> app::reserve(reserve_command c) {
  const std::size_t index = cx_.reservations.size();
  cx_.reservations.push_back({0, c.pile, c.start_us, 0, 0, "unknown"});
  cx_.trace("reserve", {{"pile", c.pile}, {"start_us", c.start_us}});
  http::request req{"POST", "/v1/reservations", "", cx_.new_idempotency_key(),
                    api::to_json(api::reservation_request{c.pile, c.start_us, c.duration_us})};
  auto answer = co_await http_client::request(http_, http_reply_, req);
  auto res = http_client::answer_of(std::move(answer));
  reservation_attempt& a = cx_.reservations[index];
  if (!res) co_return;  // unknown: the server may hold it; it expires on its own if so
  a.http_status = res->status;
  if (res->status != 201) {
    a.state = "refused";
    cx_.trace("reserve_refused", {{"pile", c.pile}, {"why", refusal_of(*res)}});
    co_return;
  }
  auto r = api::parse_reservation(res->body);
  if (!r) {
    cx_.trace("http_unreadable", {{"target", "/v1/reservations"}});
    co_return;
  }
  a.id = r->id;
  a.end_us = r->end_us;
  a.state = "open";
  cx_.disk.remember(reservation_record{r->id, r->pile, r->start_us, r->end_us, "open"});
}

sim::asio::awaitable<void> app::cancel() {
  reservation_record* open = cx_.disk.latest_open_reservation();
  if (open == nullptr) {
    cx_.trace("cancel_ignored", {{"why", "no open reservation"}});
    co_return;
  }
  const std::uint64_t id = open->id;
  http::request req{"DELETE", "/v1/reservations/" + std::to_string(id), "", cx_.new_idempotency_key(), ""};
  auto answer = co_await http_client::request(http_, http_reply_, req);
  auto res = http_client::answer_of(std::move(answer));
  if (!res) co_return;
  reservation_record* r = cx_.disk.latest_open_reservation();
  if (r == nullptr || r->id != id) co_return;
  if (res->status == 200) {
    r->state = "cancelled";
    mark_reservation_report(cx_, id, "cancelled");
  } else if (res->status == 409 || res->status == 404 || res->status == 403) {
    // Not open any more (used, expired): nothing to cancel, and asking again would change nothing.
    r->state = "closed";
    cx_.trace("cancel_refused", {{"reservation", id}, {"why", refusal_of(*res)}});
  }
}

sim::asio::awaitable<void> app::start_session(start_command c) {
  cx_.near_pile = c.pile;
  const std::size_t index = cx_.starts.size();
  cx_.starts.push_back({c.pile, c.amount, cx_.k.now(), 0, 0, "", ""});
  cx_.trace("start", {{"pile", c.pile}, {"amount", format_money(c.amount)}});

  // At the pile first: no money is frozen for a pile the phone cannot reach, and a start needs the challenge of
  // a hello the pile answered. A hello lost or cut short by a drop is asked again (fresh_challenge, bounded).
  auto connected = co_await pile_connect(c.pile);
  std::optional<challenge> fresh = challenge_in(answer_of(std::move(connected)));
  if (!fresh) fresh = co_await fresh_challenge(index, c.pile);
  if (!fresh) co_return;
  // The next user's phone: the bills the pile holds go to the server first, so that none of them keeps the pile
  // busy for this start. That takes time, which the challenge's ttl counts on the pile: a new one is asked after.
  const bool carried = co_await carry_bills_first(c.pile);
  if (carried) fresh = co_await fresh_challenge(index, c.pile);
  if (!fresh) co_return;
  auto started = co_await ask_server(index, c.pile, c.amount, carried, *fresh);
  if (!started) co_return;
  if (cx_.attack) {
    const bool go_on = co_await cheat_start(index, c.pile, *started);
    if (!go_on) co_return;
  }
  co_await relay_start(index, c.pile, started->session, std::move(started->authorization),
                       started->expires_at_us);
}

bool app::bills_unsettled(const std::string& pile) const {
  return worker_.bills_waiting(pile) || cx_.disk.box.holds_bill_for(pile);
}

sim::asio::awaitable<bool> app::carry_bills_first(std::string pile) {
  if (!bills_unsettled(pile)) co_return false;
  const sim::time_us until = cx_.k.now() + cx_.cfg.carry_wait_max_us;
  cx_.trace("carry_first", {{"pile", pile}});
  while (bills_unsettled(pile) && cx_.k.now() < until && leaves_queued_ == 0) {
    (void)co_await settled_.receive_until(std::min(until, cx_.k.now() + cx_.cfg.carry_poll_us));
    settled_.clear();
  }
  cx_.trace("carried", {{"pile", pile}, {"settled", bills_unsettled(pile) ? "no" : "yes"}});
  co_return true;
}

sim::asio::awaitable<std::optional<challenge>> app::fresh_challenge(std::size_t index, std::string pile) {
  bool heard = false;        // any answer at all: a pile without power answers, with no challenge
  bool timed_out = false;    // the last try held a connection that stayed silent
  for (int attempt = 1; attempt <= cx_.cfg.challenge_tries_max; ++attempt) {
    // Named: see pile_worker.cpp.
    protocol::message hello = protocol::hello{cx_.cfg.user.substr(0, protocol::text_len_max)};
    auto raw = co_await pile_request(pile, std::move(hello));
    auto answer = answer_of(std::move(raw));
    heard = heard || answer.has_value();
    timed_out = !answer && answer.error() == errc::timeout;
    if (auto c = challenge_in(answer)) co_return c;
    if (leaves_queued_ > 0 || cx_.near_pile != pile) break;
    const sim::time_us next =
        cx_.k.now() + cx_.backoff(attempt, cx_.cfg.start_retry_initial_us, cx_.cfg.start_retry_max_us);
    cx_.trace("challenge_retry", {{"pile", pile}, {"attempt", attempt}});
    (void)co_await pause_.receive_until(next);
    pause_.clear();
  }
  cx_.starts[index].refused = heard ? "pile: no challenge" : timed_out ? "pile: no answer" : "pile: unreachable";
  cx_.trace("start_unchallenged", {{"pile", pile}, {"why", cx_.starts[index].refused}});
  co_return std::nullopt;
}

// The server's authorization, asked here rather than in a coroutine of its own (a frame per start). Refused
// `busy` while a bill this phone carries for the pile was settling, it is asked again once that bill settled,
// with a new challenge of the pile's (the wait counts against the old one's ttl on the pile).
sim::asio::awaitable<std::optional<api::session_started>> app::ask_server(std::size_t index, std::string pile,
                                                                         money amount, bool carried, challenge c) {
  api::session_request body{pile, 0, cx_.cfg.vehicle, amount, c};
  if (const reservation_record* r = cx_.disk.reservation_now(pile, cx_.k.now())) body.reservation = r->id;
  for (int ask = 0;; ++ask) {
    http::request req{"POST", "/v1/sessions", "", cx_.new_idempotency_key(), api::to_json(body)};
    cx_.starts[index].idempotency_key = req.idempotency_key;
    auto answer = co_await http_client::request(http_, http_reply_, req);
    auto res = http_client::answer_of(std::move(answer));
    carried = carried || bills_unsettled(pile);
    if (carried && ask < cx_.cfg.busy_retries_max && res && is_busy(*res) && leaves_queued_ == 0) {
      cx_.trace("start_busy_carrying", {{"pile", pile}, {"ask", ask + 1}});
      carried = co_await carry_bills_first(pile);
      auto fresh = co_await fresh_challenge(index, pile);
      if (!fresh) co_return std::nullopt;
      body.pile_challenge = *fresh;
      continue;
    }
    co_return on_server_answer(index, pile, body.reservation, std::move(res));
  }
}

std::optional<api::session_started> app::on_server_answer(std::size_t index, const std::string& pile,
                                                          std::uint64_t reservation, result<http::response> res) {
  start_attempt& a = cx_.starts[index];
  if (!res) {
    a.refused = "server: no answer";
    return std::nullopt;
  }
  a.http_status = res->status;
  if (res->status != 201) {
    a.refused = "server: " + refusal_of(*res);
    cx_.trace("start_refused", {{"pile", pile}, {"why", a.refused}});
    return std::nullopt;
  }
  auto started = api::parse_session_started(res->body);
  if (!started || started->stop_secret.size() != key32{}.size()) {
    a.refused = "server: unreadable answer";
    return std::nullopt;
  }
  accept_session(index, pile, reservation, *started);
  cx_.trace("authorized", {{"pile", pile}, {"session", started->session}, {"frozen", format_money(started->frozen)},
                           {"expires_us", started->expires_at_us}});
  return std::move(*started);
}

void app::accept_session(std::size_t index, const std::string& pile, std::uint64_t reservation,
                         const api::session_started& started) {
  cx_.starts[index].session = started.session;
  if (reservation != 0) {
    if (reservation_record* r = cx_.disk.reservation_now(pile, cx_.k.now()); r && r->id == reservation)
      r->state = "used";
    mark_reservation_report(cx_, reservation, "used");
  }
  session_record rec{started.session, pile, {}, "authorized"};
  std::memcpy(rec.stop_secret.data(), started.stop_secret.data(), rec.stop_secret.size());
  cx_.disk.remember(std::move(rec));
}

sim::asio::awaitable<void> app::relay_start(std::size_t index, std::string pile, std::uint64_t session,
                                            bytes authorization, sim::time_us valid_until_us) {
  for (int attempt = 1; attempt <= cx_.cfg.start_tries_max; ++attempt) {
    protocol::message start = protocol::start_request{authorization};  // named: see pile_worker.cpp
    auto answer = co_await pile_request(pile, std::move(start));
    auto r = answer_of(std::move(answer));
    const auto* reply = r ? std::get_if<protocol::start_reply>(&*r) : nullptr;
    if (reply != nullptr) {
      on_start_reply(index, pile, session, *reply);
      co_return;
    }
    // No answer, or a pile without power answering hello_reply: try again while the authorization is valid and
    // the user is still at the pile (a leave waiting behind this command ends the relay).
    if (leaves_queued_ > 0 || cx_.near_pile != pile) break;
    const sim::time_us next =
        cx_.k.now() + cx_.backoff(attempt, cx_.cfg.start_retry_initial_us, cx_.cfg.start_retry_max_us);
    if (next >= valid_until_us) break;
    cx_.trace("start_retry", {{"pile", pile}, {"session", session}, {"attempt", attempt}});
    (void)co_await pause_.receive_until(next);
    pause_.clear();
  }
  // The pile may have started and only its answers were lost: the session stays "authorized" (so a stop still
  // tries it) and its bill, if any, will reconcile it; otherwise the server releases the hold at expiry.
  cx_.starts[index].refused = "pile: no answer";
  cx_.trace("start_unanswered", {{"pile", pile}, {"session", session}});
}

void app::on_start_reply(std::size_t index, const std::string& pile, std::uint64_t session,
                         const protocol::start_reply& reply) {
  start_attempt& a = cx_.starts[index];
  a.pile_status = std::string(protocol::to_string(reply.result));
  session_record* s = cx_.disk.session(session);
  if (reply.result != protocol::status::ok) {
    a.refused = "pile: " + a.pile_status;
    if (s) s->state = "refused";
    cx_.trace("start_refused", {{"pile", pile}, {"why", a.refused}});
    return;
  }
  if (s && s->state == "authorized") s->state = "started";
  if (cx_.attacking(attack_kind::withhold_ack)) {
    cx_.attack_acted("start ack withheld");
    return;
  }
  upload u;
  u.kind = upload_kind::started;
  u.session = session;
  u.pile = pile;
  u.sealed = reply.ack;
  u.idempotency_key = cx_.new_idempotency_key();
  u.next_try_us = cx_.k.now();
  if (cx_.disk.box.add(std::move(u)) == add_result::full) {
    // The bill proves the start as well; only the early release of an unstarted hold waits for the ack.
    ++cx_.counters.outbox_full;
    cx_.trace("outbox_full", {{"session", session}});
  }
  uploader_.poke();
  cx_.trace("started", {{"pile", pile}, {"session", session}});
}

sim::asio::awaitable<void> app::stop_session() {
  session_record* s = cx_.disk.running_session();
  if (s == nullptr) {
    if (cx_.attacking(attack_kind::steal_stop)) co_await steal_stop();
    else cx_.trace("stop_ignored", {{"why", "no running session"}});
    co_return;
  }
  const std::uint64_t session = s->id;
  const std::string pile = s->pile;
  const key32 secret = s->stop_secret;
  s->state = "stopping";
  cx_.trace("stop", {{"pile", pile}, {"session", session}});
  for (int attempt = 1; attempt <= cx_.cfg.stop_tries; ++attempt) {
    protocol::message stop = protocol::stop_request{session, secret};
    auto answer = co_await pile_request(pile, std::move(stop));
    auto r = answer_of(std::move(answer));
    const auto* reply = r ? std::get_if<protocol::stop_reply>(&*r) : nullptr;
    if (reply == nullptr) continue;
    cx_.trace("stopped", {{"session", session}, {"status", protocol::to_string(reply->result)}});
    // ok: stopped now or earlier; no_session: it ended on its own and a newer one runs. Either way, done.
    if (reply->result == protocol::status::ok || reply->result == protocol::status::no_session)
      if (session_record* rec = cx_.disk.session(session)) rec->state = "ended";
    co_return;
  }
  cx_.trace("stop_unanswered", {{"session", session}});
}

sim::asio::awaitable<void> app::arrive(arrive_command c) {
  cx_.near_pile = c.pile;
  auto connected = co_await pile_connect(c.pile);
  auto hello = answer_of(std::move(connected));
  if (!hello) cx_.trace("arrive_unreachable", {{"pile", c.pile}});
  if (redirecting_ && redirecting_->pile == c.pile && cx_.attacking(attack_kind::redirect_start))
    co_await relay_redirected(c.pile);
}

void app::leave() {
  if (leaves_queued_ > 0) --leaves_queued_;
  cx_.near_pile.clear();
  worker_.submit_disconnect();
}

}  // namespace pilesim::agent
