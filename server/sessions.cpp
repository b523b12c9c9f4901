// Sessions up to their bill: creation (freeze the amount, issue a sealed start authorization), the pile's signed
// word that it started, the owner's views, and the release of holds for sessions that never started.
#include "server/api/api.hpp"
#include "server/handlers.hpp"
#include "server/rows.hpp"
#include "server/stop_secret.hpp"

#include "contract/keys.hpp"
#include "contract/seal.hpp"

#include <vector>

namespace pilesim::server {
namespace {

http::response view_answer(const session_row& s) {
  return {200, api::to_json(api::session_view{s.id, s.user, s.pile, s.state, s.frozen, s.charged, s.energy_wh,
                                              s.stop_reason})};
}

// Who holds the pile now through an open reservation covering the instant: the caller's own (a start without
// naming it still uses it, rather than leaving it to expire and charge a no-show fee to someone who did show
// up) and whether anyone else holds it. One pass over the pile's open reservations that began by now, in the
// partial index's order, so no sorter is opened. Overlapping windows are refused, so at most one row matches
// today; with more, the caller's earliest (start, then id) is the one used.
struct reservation_holders {
  std::optional<std::uint64_t> own;
  bool other = false;
};

reservation_holders holders_now(context& cx, std::string_view pile) {
  reservation_holders h;
  auto c = cx.db.query(
      "SELECT id, user_id FROM reservations "
      "WHERE pile_id = ?1 AND state = 'open' AND start_us <= ?2 AND end_us > ?2 ORDER BY start_us, id",
      pile, cx.now_us);
  while (c.step()) {
    if (c.text(1) != cx.user)
      h.other = true;
    else if (!h.own)
      h.own = static_cast<std::uint64_t>(c.int64(0));
  }
  return h;
}

// A pile is busy while an authorization for it may still be accepted, or a session on it has started and its
// bill has not come back.
bool pile_busy(context& cx, std::string_view pile) {
  auto c = cx.db.query(
      "SELECT EXISTS (SELECT 1 FROM sessions WHERE pile_id = ?1 AND held_minor > 0 "
      "AND (state = 'started' OR expires_at_us > ?2))",
      pile, cx.now_us);
  return c.step() && c.int64(0) != 0;
}

// A vehicle can be plugged into one pile at a time: while one of its sessions may still run (the same rule as for
// a busy pile), a second start for it is a mistake or an attempt to have two piles charge on one car's account.
// The vehicle id is only the phone's word (no pile checks it), so it is the caller's own vehicles that count:
// nobody can block someone else's car by naming its id.
bool vehicle_busy(context& cx, std::string_view vehicle_id) {
  auto c = cx.db.query(
      "SELECT EXISTS (SELECT 1 FROM sessions WHERE user_id = ?1 AND vehicle_id = ?2 AND held_minor > 0 "
      "AND (state = 'started' OR expires_at_us > ?3))",
      cx.user, vehicle_id, cx.now_us);
  return c.step() && c.int64(0) != 0;
}

// Whether the caller may start on this pile now, and which reservation the start uses.
struct admission {
  std::optional<http::response> refusal;
  std::optional<std::uint64_t> reservation;
};

admission admit(context& cx, const api::session_request& req, const pile_row& pile) {
  admission a;
  if (req.reservation != 0) {
    auto r = load_reservation(cx.db, req.reservation);
    if (!r) return {refuse(404, "not_found", "no such reservation"), {}};
    if (r->user != cx.user) {
      count_refusal(cx.db, "forbidden");
      return {refuse(403, "forbidden", "the reservation is not yours"), {}};
    }
    if (r->pile != pile.id) return {refuse(400, "bad_request", "the reservation is for another pile"), {}};
    if (r->state != "open") return {refuse(409, "reservation_not_open", "the reservation is " + r->state), {}};
    // Using it early would mark it used and free the pile before its window, where someone else may hold it.
    if (r->start_us > cx.now_us) {
      count_refusal(cx.db, "reservation_not_started");
      return {refuse(409, "reservation_not_started",
                     "the reservation's window starts at " + std::to_string(r->start_us) + " us"),
              {}};
    }
    a.reservation = r->id;
  }
  const reservation_holders holders = holders_now(cx, pile.id);
  if (req.reservation == 0) a.reservation = holders.own;
  if (holders.other) return {refuse(409, "reserved", "the pile is reserved by someone else now"), {}};
  if (pile_busy(cx, pile.id)) return {refuse(409, "busy", "the pile has an active session"), {}};
  if (vehicle_busy(cx, req.vehicle.id)) {
    count_refusal(cx.db, "vehicle_busy");
    return {refuse(409, "vehicle_busy", "the vehicle has a session that may still be running"), {}};
  }
  if (req.amount > spendable(cx.db, cx.books, cx.user))
    return {refuse(402, "insufficient_balance",
                   "the amount exceeds the wallet's balance less what unconfirmed sessions may still cost"),
            {}};
  return a;
}

// What the pile will check: sealed with its key, so the phone that relays it can change nothing.
bytes authorization_for(context& cx, const session_row& s, const pile_row& pile, std::int64_t expires_at_us,
                        const key32& stop_secret, const challenge& pile_challenge) {
  contract::start_authorization auth;
  auth.session_id = s.id;
  auth.pile_id = pile.id;
  auth.counter = s.counter;
  auth.issued_at_us = cx.now_us;
  auth.expires_at_us = expires_at_us;
  auth.frozen = s.frozen;
  auth.rate = s.rate;
  auth.vehicle_id = s.vehicle_id;
  auth.stop_digest = contract::stop_digest(stop_secret);
  // Freshness the pile checks on its own timer: its challenge and the ttl, which the server's expiry equals.
  // The pile shortens the ttl by its clock's worst drift, so it never accepts after the hold is released.
  auth.challenge = pile_challenge;
  auth.ttl_us = pile.authorization_ttl_us;
  return contract::seal(auth, pile.key);
}

// The pile's signed word in an acknowledgement: it accepted `prev_counter`, then this one, and nothing between,
// and it never accepts a counter below one it accepted. Holds released for authorizations in between are
// therefore settled for good: they no longer answer for anything.
void clear_doubt(context& cx, const contract::start_ack& ack) {
  if (ack.counter <= ack.prev_counter + 1) return;
  cx.db.run(
      "UPDATE sessions SET stop_reason = 'not_started' WHERE pile_id = ?1 AND state = 'expired' AND "
      "stop_reason = '' AND counter > ?2 AND counter < ?3",
      ack.pile_id, ack.prev_counter, ack.counter);
}

}  // namespace

money in_doubt(database& db, std::string_view user) {
  auto c = db.query(
      "SELECT COALESCE(SUM(frozen_minor), 0) FROM sessions WHERE user_id = ?1 AND state = 'expired' AND "
      "stop_reason = ''",
      user);
  c.step();
  return c.amount(0);
}

money spendable(database& db, ledger& books, std::string_view user) {
  return books.available(user) - in_doubt(db, user);
}

http::response create_session(context& cx, std::string_view body) {
  auto req = api::parse_session_request(body);
  if (!req) return refuse(400, "bad_request", "the body is not a session request");
  if (req->amount.minor <= 0) return refuse(400, "bad_request", "the amount must be positive");
  if (req->vehicle.id.empty() || req->vehicle.id.size() > contract::vehicle_id_len_max ||
      req->vehicle.battery_wh < 0 || req->vehicle.max_ac_w < 0)
    return refuse(400, "bad_request", "the vehicle is invalid");
  auto pile = cx.piles.find(req->pile);
  if (!pile) return refuse(404, "not_found", "no such pile");
  admission a = admit(cx, *req, *pile);
  if (a.refusal) return std::move(*a.refusal);

  session_row s;
  s.user = cx.user;
  s.pile = pile->id;
  s.vehicle_id = req->vehicle.id;
  s.rate = pile->rate;
  s.frozen = req->amount;
  s.counter = pile->last_counter + 1;
  const std::int64_t expires_at_us = cx.now_us + pile->authorization_ttl_us;
  const std::int64_t hold_release_at_us = expires_at_us + cx.config.clock_skew_margin_us;
  std::optional<std::int64_t> reservation_column;
  if (a.reservation) reservation_column = static_cast<std::int64_t>(*a.reservation);
  cx.db.run(
      "INSERT INTO sessions (user_id, pile_id, reservation_id, vehicle_id, battery_wh, max_ac_w, energy_e4, "
      "service_e4, frozen_minor, held_minor, state, counter, issued_at_us, expires_at_us, hold_release_at_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, 'authorized', ?10, ?11, ?12, ?13)",
      s.user, s.pile, reservation_column, s.vehicle_id, req->vehicle.battery_wh, req->vehicle.max_ac_w,
      s.rate.energy.e4, s.rate.service.e4, s.frozen, s.counter, cx.now_us, expires_at_us, hold_release_at_us);
  s.id = static_cast<std::uint64_t>(cx.db.last_insert_id());
  cx.db.run("UPDATE piles SET last_counter = ?2 WHERE id = ?1", pile->id, s.counter);
  cx.piles.set_last_counter(pile->id, s.counter);
  if (a.reservation)
    cx.db.run("UPDATE reservations SET state = 'used', closed_at_us = ?2 WHERE id = ?1", *a.reservation, cx.now_us);
  cx.books.hold(cx.user, s.frozen, cx.now_us, {s.id, 0});
  cx.add_deadline(hold_release_at_us);

  const key32 stop_secret = stop_secret_for(cx.config, s.id);
  api::session_started out;
  out.session = s.id;
  out.frozen = s.frozen;
  out.authorization = authorization_for(cx, s, *pile, expires_at_us, stop_secret, req->pile_challenge);
  out.vehicle = std::move(req->vehicle);
  out.stop_secret.assign(stop_secret.begin(), stop_secret.end());
  out.expires_at_us = expires_at_us;
  return {201, api::to_json(out)};
}

http::response confirm_started(context& cx, std::uint64_t id, std::string_view body) {
  auto up = api::parse_started_upload(body);
  if (!up) return refuse(400, "bad_request", "the body is not a start acknowledgement");
  auto s = load_session(cx.db, id);
  if (!s) return refuse(404, "not_found", "no such session");
  if (s->user != cx.user) {
    count_refusal(cx.db, "forbidden");
    return refuse(403, "forbidden", "the session is not yours");
  }
  auto pile = cx.piles.find(s->pile);
  if (!pile) throw database_error("session " + std::to_string(id) + " names an unknown pile");
  auto ack = contract::open_start_ack(up->ack, pile->key);
  if (!ack) {
    count_refusal(cx.db, "started_forged");
    return refuse(422, "forged", "the acknowledgement is not sealed by the session's pile");
  }
  if (ack->session_id != s->id || ack->counter != s->counter || ack->pile_id != s->pile) {
    count_refusal(cx.db, "auth_mismatch");
    return refuse(422, "mismatch", "the acknowledgement is for another authorization");
  }

  if (s->state == "authorized") {
    cx.db.run("UPDATE sessions SET state = 'started', started_at_us = ?2, meter_start_wh = ?3 WHERE id = ?1", id,
              ack->started_at_us, ack->meter_start_wh);
    s->state = "started";
  } else if (s->state == "expired") {
    // The hold was released because no word of a start came in time, yet the pile did accept the
    // authorization: it is charging up to the frozen cap it was promised. The hold comes back in full; the
    // session's frozen amount stayed in doubt since the release (see spendable), so the wallet still has it.
    cx.books.hold(s->user, s->frozen, cx.now_us, {id, 0});
    cx.db.run(
        "UPDATE sessions SET state = 'started', held_minor = frozen_minor, refunded_minor = 0, started_at_us = ?2, "
        "meter_start_wh = ?3 WHERE id = ?1",
        id, ack->started_at_us, ack->meter_start_wh);
    s->state = "started";
  }
  // started: a repeat; reconciled: the bill overtook the acknowledgement. Either way nothing changes.
  clear_doubt(cx, *ack);
  return view_answer(*s);
}

http::response view_session(context& cx, std::uint64_t id) {
  auto s = load_session(cx.db, id);
  if (!s) return refuse(404, "not_found", "no such session");
  if (s->user != cx.user) {
    count_refusal(cx.db, "forbidden");
    return refuse(403, "forbidden", "the session is not yours");
  }
  return view_answer(*s);
}

http::response view_wallet(context& cx) {
  return {200, api::to_json(api::wallet{std::string(cx.user), cx.books.available(cx.user), cx.books.held(cx.user)})};
}

void release_unstarted_holds(database& db, ledger& books, std::int64_t now_us) {
  struct due {
    std::uint64_t id;
    std::string user;
    money held;
  };
  std::vector<due> releasing;
  {
    auto c = db.query(
        "SELECT id, user_id, held_minor FROM sessions WHERE state = 'authorized' AND hold_release_at_us <= ?1 "
        "ORDER BY hold_release_at_us, id",
        now_us);
    while (c.step())
      releasing.push_back({static_cast<std::uint64_t>(c.int64(0)), std::string(c.text(1)), c.amount(2)});
  }
  for (const due& d : releasing) {
    books.release(d.user, d.held, now_us, {d.id, 0});
    db.run("UPDATE sessions SET state = 'expired', held_minor = 0, refunded_minor = frozen_minor WHERE id = ?1",
           d.id);
  }
}

std::optional<std::int64_t> next_hold_release(database& db) {
  auto c = db.query("SELECT MIN(hold_release_at_us) FROM sessions WHERE state = 'authorized'");
  if (!c.step() || c.is_null(0)) return std::nullopt;
  return c.int64(0);
}

}  // namespace pilesim::server
