// Reservations: a user holds a pile over a window [start, end); nobody else may reserve an overlapping window or
// start a session in it. An open reservation that reaches its end unused expires and costs the no-show fee.
// Holding is bounded: a horizon, a number of open reservations per user, and fees the balance covers.
#include "server/api/api.hpp"
#include "server/handlers.hpp"
#include "server/rows.hpp"

#include <vector>

namespace pilesim::server {
namespace {

http::response answer(int status, const reservation_row& r) {
  return {status, api::to_json(api::reservation{r.id, r.pile, r.user, r.start_us, r.end_us, r.state})};
}

// A user's open reservations and the no-show fees they would cost if none were used. Through the partial index
// of open reservations by user, so the cost is the user's few open rows, not the table.
struct open_reservations {
  std::int64_t count = 0;
  money fees{0};
};

open_reservations open_reservations_of(database& db, std::string_view user) {
  auto c = db.query(
      "SELECT COUNT(*), COALESCE(SUM(p.no_show_fee_minor), 0) FROM reservations r JOIN piles p ON p.id = r.pile_id "
      "WHERE r.user_id = ?1 AND r.state = 'open'",
      user);
  c.step();
  return {c.int64(0), c.amount(1)};
}

}  // namespace

http::response create_reservation(context& cx, std::string_view body) {
  auto req = api::parse_reservation_request(body);
  if (!req) return refuse(400, "bad_request", "the body is not a reservation request");
  auto pile = cx.piles.find(req->pile);
  if (!pile) return refuse(404, "not_found", "no such pile");
  const std::int64_t duration_us = req->duration_us == 0 ? pile->reservation_hold_us : req->duration_us;
  if (duration_us < 0 || duration_us > cx.config.reservation_duration_us_max)
    return refuse(400, "bad_request", "the duration is out of range");
  if (req->start_us < 0 || req->start_us > sim::time_max - duration_us)
    return refuse(400, "bad_request", "the start is out of range");
  const std::int64_t end_us = req->start_us + duration_us;
  if (end_us <= cx.now_us) return refuse(400, "bad_request", "the window has already ended");

  // The bounds that keep a pile from being held at no cost (service_config): how far ahead, how many at once,
  // and fees the wallet can pay.
  if (req->start_us > cx.now_us && req->start_us - cx.now_us > cx.config.reservation_horizon_us) {
    count_refusal(cx.db, "beyond_horizon");
    return refuse(422, "beyond_horizon",
                  "a reservation may start at most " + std::to_string(cx.config.reservation_horizon_us) +
                      " us ahead");
  }
  const open_reservations mine = open_reservations_of(cx.db, cx.user);
  if (mine.count >= cx.config.reservations_open_max) {
    count_refusal(cx.db, "too_many_reservations");
    return refuse(409, "too_many_reservations",
                  "the user already has " + std::to_string(mine.count) + " open reservations");
  }
  const money fees = mine.fees + pile->no_show_fee;
  if (fees > money{0} && fees > spendable(cx.db, cx.books, cx.user)) {
    count_refusal(cx.db, "fee_not_covered");
    return refuse(402, "fee_not_covered",
                  "the balance does not cover the no-show fees of the user's open reservations and this one (" +
                      format_money(fees) + ")");
  }

  // Every window that is not cancelled counts, used and expired ones included: reservations on a pile never
  // overlap, whatever became of them.
  {
    auto c = cx.db.query(
        "SELECT id FROM reservations WHERE pile_id = ?1 AND state <> 'cancelled' AND end_us > ?2 AND start_us < ?3 "
        "ORDER BY id LIMIT 1",
        pile->id, req->start_us, end_us);
    if (c.step()) return refuse(409, "conflict", "the pile is already reserved in that window");
  }
  cx.db.run(
      "INSERT INTO reservations (user_id, pile_id, start_us, end_us, state, created_at_us) "
      "VALUES (?1, ?2, ?3, ?4, 'open', ?5)",
      cx.user, pile->id, req->start_us, end_us, cx.now_us);
  const auto id = static_cast<std::uint64_t>(cx.db.last_insert_id());
  cx.add_deadline(end_us);
  return answer(201, {id, std::string(cx.user), pile->id, req->start_us, end_us, "open"});
}

http::response cancel_reservation(context& cx, std::uint64_t id) {
  auto r = load_reservation(cx.db, id);
  if (!r) return refuse(404, "not_found", "no such reservation");
  if (r->user != cx.user) {
    count_refusal(cx.db, "forbidden");
    return refuse(403, "forbidden", "the reservation is not yours");
  }
  if (r->state != "open") return refuse(409, "not_open", "the reservation is " + r->state);
  cx.db.run("UPDATE reservations SET state = 'cancelled', closed_at_us = ?2 WHERE id = ?1", id, cx.now_us);
  r->state = "cancelled";
  return answer(200, *r);
}

void expire_reservations(database& db, ledger& books, std::int64_t now_us) {
  struct due {
    std::uint64_t id;
    std::string user;
    money fee;
  };
  std::vector<due> expiring;
  {
    auto c = db.query(
        "SELECT r.id, r.user_id, p.no_show_fee_minor FROM reservations r JOIN piles p ON p.id = r.pile_id "
        "WHERE r.state = 'open' AND r.end_us <= ?1 ORDER BY r.end_us, r.id",
        now_us);
    while (c.step()) expiring.push_back({static_cast<std::uint64_t>(c.int64(0)), std::string(c.text(1)), c.amount(2)});
  }
  for (const due& d : expiring) {
    // The fee was covered when the reservation was made, but the money may have been frozen for a session since.
    // The fee takes what the wallet has and never drives it negative: a no-show is not worth a debt, and money
    // held for a running session, or answering for one whose fate is unknown, is not the fee's to take.
    const money available = spendable(db, books, d.user);
    const money fee = std::min(d.fee, std::max(available, money{0}));
    books.charge_fee(d.user, fee, now_us, {0, d.id});
    // Closed at the window's end, not at now_us, so the record does not depend on when the work ran.
    db.run("UPDATE reservations SET state = 'expired', closed_at_us = end_us, fee_minor = ?2 WHERE id = ?1", d.id,
           fee);
  }
}

std::optional<std::int64_t> next_reservation_end(database& db) {
  auto c = db.query("SELECT MIN(end_us) FROM reservations WHERE state = 'open'");
  if (!c.step() || c.is_null(0)) return std::nullopt;
  return c.int64(0);
}

}  // namespace pilesim::server
