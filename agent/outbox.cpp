#include "agent/outbox.hpp"

#include <algorithm>

namespace pilesim::agent {

add_result outbox::add(upload u) {
  for (const upload& x : uploads_)
    if (x.kind == u.kind && x.sealed == u.sealed) return add_result::duplicate;
  if (u.kind == upload_kind::bill && has_receipt(u.pile, u.session)) return add_result::duplicate;
  if (uploads_.size() >= uploads_max_) return add_result::full;
  u.id = next_id_++;
  uploads_.push_back(std::move(u));
  return add_result::added;
}

const upload* outbox::next_due(sim::time_us now_us) const {
  for (const upload& x : uploads_)
    if (x.next_try_us <= now_us) return &x;
  return nullptr;
}

std::optional<sim::time_us> outbox::next_try() const {
  std::optional<sim::time_us> t;
  for (const upload& x : uploads_)
    if (!t || x.next_try_us < *t) t = x.next_try_us;
  return t;
}

upload* outbox::find(std::uint64_t id) {
  for (upload& x : uploads_)
    if (x.id == id) return &x;
  return nullptr;
}

void outbox::remove(std::uint64_t id) {
  std::erase_if(uploads_, [id](const upload& x) { return x.id == id; });
}

add_result outbox::add_receipt(pending_receipt r) {
  if (has_receipt(r.pile, r.session)) return add_result::duplicate;
  if (receipts_.size() >= receipts_max_) return add_result::full;
  receipts_.push_back(std::move(r));
  return add_result::added;
}

const pending_receipt* outbox::receipt_for(std::string_view pile) const {
  for (const pending_receipt& r : receipts_)
    if (r.pile == pile) return &r;
  return nullptr;
}

bool outbox::has_receipt(std::string_view pile, std::uint64_t session) const {
  return std::any_of(receipts_.begin(), receipts_.end(),
                     [&](const pending_receipt& r) { return r.pile == pile && r.session == session; });
}

void outbox::remove_receipt(std::string_view pile, std::uint64_t session) {
  std::erase_if(receipts_, [&](const pending_receipt& r) { return r.pile == pile && r.session == session; });
}

bool outbox::holds_bill_for(std::string_view pile) const {
  return std::any_of(uploads_.begin(), uploads_.end(),
                     [&](const upload& u) { return u.kind == upload_kind::bill && u.pile == pile; });
}

}  // namespace pilesim::agent
