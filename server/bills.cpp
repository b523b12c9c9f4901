// Reconciliation: a bill sealed by the pile settles its session exactly once. The server trusts the bill's
// MAC, never its carrier (any user's phone may bring it), reprices it with the rate it sealed into the
// authorization, captures at most the frozen amount and releases the rest. A repeat of the same bill is answered
// from what was stored and moves no money.
#include "server/api/api.hpp"
#include "server/handlers.hpp"
#include "server/rows.hpp"

#include "contract/envelope.hpp"
#include "contract/pricing.hpp"
#include "contract/seal.hpp"

#include <algorithm>

namespace pilesim::server {
namespace {

http::response refuse_counted(context& cx, int status, std::string_view kind, std::string_view word,
                              std::string_view detail) {
  count_refusal(cx.db, kind);
  return refuse(status, word, detail);
}

// The balance goes only to the session's owner: a stranger who carried the bill learns nothing about the wallet.
std::optional<money> balance_for_carrier(context& cx, const session_row& s) {
  if (s.user != cx.user) return std::nullopt;
  return cx.books.available(s.user);
}

// The answer for a session settled earlier, when the same bill comes again (another phone, another key).
// The balance is read now, so it is current rather than a copy of the first answer's.
http::response repeat_answer(context& cx, const session_row& s, std::span<const std::uint8_t> sealed_bill) {
  auto c = cx.db.query("SELECT sealed, receipt FROM bills WHERE session_id = ?1", s.id);
  if (!c.step()) throw database_error("reconciled session " + std::to_string(s.id) + " has no bill");
  const auto stored = c.blob(0);
  if (!std::equal(stored.begin(), stored.end(), sealed_bill.begin(), sealed_bill.end()))
    return refuse_counted(cx, 409, "bill_conflict", "already_reconciled",
                          "the session was settled by a different bill");
  const auto receipt = c.blob(1);
  api::reconciled out{s.id, s.energy_wh, s.charged, s.refunded, balance_for_carrier(cx, s),
                      bytes(receipt.begin(), receipt.end()), s.reconciled_at_us};
  return {200, api::to_json(out)};
}

// Moves the money of one settlement. A bill proves the session started, whatever the server believed:
// 'authorized' (the ack was lost) still has its hold; 'expired' had it released, so what is charged is held
// again first and captured at once. Its frozen amount stayed in doubt meanwhile (sessions.cpp: spendable), so
// the wallet has it.
void settle_money(context& cx, const session_row& s, money charged) {
  const transfer_ref ref{s.id, 0};
  money held = s.held;
  if (held < charged) {
    cx.books.hold(s.user, charged - held, cx.now_us, ref);
    held = charged;
  }
  cx.books.capture(s.user, charged, cx.now_us, ref);
  cx.books.release(s.user, held - charged, cx.now_us, ref);
}

// Records the settlement: the session's outcome, and the bill and receipt exactly as sent, for repeats.
void record(context& cx, const session_row& s, const contract::bill& b, std::span<const std::uint8_t> sealed_bill,
            money charged, std::span<const std::uint8_t> sealed_receipt) {
  const std::string_view reason = to_string(b.reason);
  cx.db.run(
      "UPDATE sessions SET state = 'reconciled', held_minor = 0, energy_wh = ?2, charged_minor = ?3, "
      "refunded_minor = ?4, stop_reason = ?5, reconciled_at_us = ?6, settle_count = settle_count + 1, "
      "started_at_us = COALESCE(started_at_us, ?7), meter_start_wh = COALESCE(meter_start_wh, ?8) WHERE id = ?1",
      s.id, b.energy_wh(), charged, s.frozen - charged, reason, cx.now_us, b.started_at_us, b.meter_start_wh);
  cx.db.run(
      "INSERT INTO bills (session_id, pile_id, counter, sealed, meter_start_wh, meter_stop_wh, started_at_us, "
      "stopped_at_us, cost_minor, charged_minor, reason, carrier_id, received_at_us, receipt) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
      s.id, b.pile_id, b.counter, sealed_bill, b.meter_start_wh, b.meter_stop_wh, b.started_at_us, b.stopped_at_us,
      b.cost, charged, reason, cx.user, cx.now_us, sealed_receipt);
}

}  // namespace

http::response upload_bill(context& cx, std::uint64_t id, std::string_view body) {
  auto up = api::parse_bill_upload(body);
  if (!up) return refuse(400, "bad_request", "the body is not a bill upload");
  // The bill names its pile outside the MAC so that the right key can be picked; nothing else is read before
  // the MAC holds.
  auto pile_id = contract::peek_pile_id(up->bill);
  if (!pile_id) return refuse_counted(cx, 422, "bill_forged", "forged", "the bill is not a sealed bill");
  auto pile = cx.piles.find(*pile_id);
  if (!pile) return refuse_counted(cx, 422, "bill_forged", "forged", "the bill names no known pile");
  auto b = contract::open_bill(up->bill, pile->key);
  if (!b) return refuse_counted(cx, 422, "bill_forged", "forged", "the bill is not sealed by its pile");
  if (b->session_id != id)
    return refuse_counted(cx, 422, "bill_mismatch", "mismatch", "the bill is for another session");
  auto s = load_session(cx.db, id);
  if (!s) return refuse(404, "not_found", "no such session");
  if (s->pile != b->pile_id)
    return refuse_counted(cx, 422, "bill_mismatch", "mismatch", "the session ran on another pile");
  if (s->state == "reconciled") return repeat_answer(cx, *s, up->bill);

  const money repriced = contract::session_cost(b->energy_wh(), s->rate);
  if (repriced != b->cost)
    return refuse_counted(cx, 422, "bill_repriced", "reprice_mismatch", "the bill's cost disagrees with its tariff");
  if (b->cost > s->frozen)
    return refuse_counted(cx, 422, "bill_over_cap", "over_cap", "the bill costs more than was frozen");
  const money charged = std::min(repriced, s->frozen);

  settle_money(cx, *s, charged);
  const bytes sealed_receipt = contract::seal(contract::receipt{id, s->pile, b->counter, charged}, pile->key);
  record(cx, *s, *b, up->bill, charged, sealed_receipt);
  api::reconciled out{id, b->energy_wh(), charged, s->frozen - charged, balance_for_carrier(cx, *s), sealed_receipt,
                      cx.now_us};
  return {200, api::to_json(out)};
}

}  // namespace pilesim::server
