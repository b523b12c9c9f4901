#include "agent/uploader.hpp"

#include "server/api.hpp"

#include <string>

namespace pilesim::agent {
namespace {

// The request that carries `u` to the server.
http::request request_for(const upload& u) {
  const bool is_bill = u.kind == upload_kind::bill;
  http::request req;
  req.method = "POST";
  req.target = "/v1/sessions/" + std::to_string(u.session) + (is_bill ? "/bill" : "/started");
  req.idempotency_key = u.idempotency_key;
  req.body = is_bill ? api::to_json(api::bill_upload{u.sealed}) : api::to_json(api::started_upload{u.sealed});
  return req;
}

}  // namespace

uploader::uploader(context& cx, http_client& http, std::function<void()> receipts_ready)
    : cx_(cx), http_(http), receipts_ready_(std::move(receipts_ready)), wake_(cx.k, 4), reply_(cx.k, 4) {}

void uploader::start() { cx_.k.spawn(cx_.actor + "/upload", run()); }

void uploader::poke() {
  // One pending wake-up is enough: the loop looks at the whole outbox each time it wakes.
  if (wake_.size() == 0) (void)wake_.push(true);
}

sim::asio::awaitable<void> uploader::run() {
  for (;;) {
    if (replay_) {
      co_await send_replay();
      continue;
    }
    const upload* u = cx_.disk.box.next_due(cx_.k.now());
    if (u == nullptr) {
      (void)co_await wake_.receive_until(cx_.disk.box.next_try().value_or(sim::time_max));
      continue;
    }
    // One upload, awaited here rather than in a coroutine of its own, which would cost a frame per upload.
    const std::uint64_t id = u->id;
    http::request req = request_for(*u);
    if (u->kind == upload_kind::bill && cx_.attacking(attack_kind::alter_bill)) lower_bill(req, *u);
    auto answer = co_await http_client::request(http_, reply_, req);
    on_answer(id, http_client::answer_of(std::move(answer)));
  }
}

void uploader::postpone(upload& u, std::string_view why) {
  ++u.failures;
  const outbox_options& o = cx_.cfg.outbox;
  u.next_try_us = cx_.k.now() + cx_.backoff(u.failures, o.retry_initial_us, o.retry_max_us);
  cx_.trace("upload_postponed", {{"session", u.session}, {"why", why}, {"next_try_us", u.next_try_us}});
}

void uploader::on_answer(std::uint64_t id, result<http::response> r) {
  upload* item = cx_.disk.box.find(id);
  if (item == nullptr) return;  // cannot happen while only this coroutine removes items; stay safe anyway
  const bool is_bill = item->kind == upload_kind::bill;
  const std::uint64_t session = item->session;
  if (!r) {
    postpone(*item, "no answer");
    return;
  }
  if (r->status >= 500) {
    postpone(*item, "server error");
    return;
  }
  if (r->status != 200) {
    // The server has judged this token and will judge it the same way again.
    ++cx_.counters.uploads_refused;
    cx_.trace("upload_refused", {{"session", session}, {"status", r->status}, {"bill", is_bill ? 1 : 0}});
    cx_.disk.box.remove(id);
    return;
  }
  if (!is_bill) {
    ++cx_.counters.acks_uploaded;
    cx_.disk.box.remove(id);
    return;
  }
  auto rec = api::parse_reconciled(r->body);
  if (!rec || rec->receipt.empty()) {
    ++cx_.counters.uploads_refused;
    cx_.trace("upload_refused", {{"session", session}, {"status", r->status}, {"why", "unreadable answer"}});
    cx_.disk.box.remove(id);
    return;
  }
  const std::string pile = item->pile;
  const add_result added = cx_.disk.box.add_receipt(pending_receipt{pile, session, std::move(rec->receipt)});
  if (added == add_result::full) {
    // Keep the bill: uploading it again later is answered with the same receipt.
    ++cx_.counters.outbox_full;
    postpone(*item, "receipts full");
    return;
  }
  ++cx_.counters.bills_uploaded;
  cx_.trace("bill_uploaded", {{"pile", pile}, {"session", session}, {"energy_wh", rec->energy_wh},
                              {"charged", format_money(rec->charged)}, {"refunded", format_money(rec->refunded)}});
  bytes sealed = std::move(item->sealed);
  cx_.disk.box.remove(id);
  receipts_ready_();
  if (cx_.attacking(attack_kind::replay_bill)) replay_bill(pile, session, std::move(sealed));
}

// A cheating app's uploads (context::attack), here so the honest flow above stays one line each. A replayed
// bill goes straight to the server, past the outbox, which would rightly refuse it as a duplicate.
void uploader::lower_bill(http::request& req, const upload& u) {
  auto lowered = with_lowered_cost(u.sealed);
  if (!lowered) return;
  req.body = api::to_json(api::bill_upload{std::move(*lowered)});
  cx_.attack_acted("bill uploaded with less energy and a lower cost");
}

void uploader::replay_bill(const std::string& pile, std::uint64_t session, bytes sealed) {
  if (!replayed_.insert(session).second) return;  // once per bill: the replay's own answer is not replayed
  upload u;
  u.kind = upload_kind::bill;
  u.session = session;
  u.pile = pile;
  u.sealed = std::move(sealed);
  u.idempotency_key = cx_.new_idempotency_key();
  replay_ = std::move(u);
  poke();
}

sim::asio::awaitable<void> uploader::send_replay() {
  http::request req = request_for(*replay_);
  replay_.reset();
  cx_.attack_acted("settled bill uploaded again");
  auto answer = co_await http_client::request(http_, reply_, req);
  auto r = http_client::answer_of(std::move(answer));
  if (r) cx_.trace("replay_answered", {{"status", r->status}});
}

}  // namespace pilesim::agent
