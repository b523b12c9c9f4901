#include "pile/nv_store.hpp"

#include <algorithm>
#include <cassert>

namespace pilesim::pile {

nv_store::nv_store(std::size_t bill_capacity) : bill_capacity_(bill_capacity) {
  // The hello and bill replies count pending bills in a u16.
  assert(bill_capacity >= 1 && bill_capacity <= 0xFFFF && "bill store capacity out of range");
}

void nv_store::write_meter(std::int64_t meter_mwh, std::int64_t at_us) {
  assert(meter_mwh >= meter_mwh_ && "the meter register never runs backwards");
  meter_mwh_ = meter_mwh;
  meter_at_us_ = std::max(meter_at_us_, at_us);
}

void nv_store::open_session(session_record r) {
  assert(!open_ && "a session is already open");
  assert(has_room() && "no room for this session's bill");
  assert(r.counter > last_counter_ && "authorization counters only rise");
  last_counter_ = r.counter;
  last_session_ = std::move(r);
  open_ = true;
}

const stored_bill& nv_store::close_session(const contract::bill& b, bytes sealed) {
  assert(open_ && last_session_ && b.session_id == last_session_->session_id && "no such open session");
  assert(b.counter == bill_counter_ + 1 && "bill counters rise by one");
  assert(bills_.size() < bill_capacity_ && "the session's bill slot was taken");
  bill_counter_ = b.counter;
  open_ = false;
  bills_.push_back(stored_bill{b, std::move(sealed)});
  return bills_.back();
}

bool nv_store::forget_bill(std::uint64_t session_id, std::uint64_t bill_counter) {
  auto it = std::find_if(bills_.begin(), bills_.end(), [&](const stored_bill& s) {
    return s.fields.session_id == session_id && s.fields.counter == bill_counter;
  });
  if (it == bills_.end()) return false;
  bills_.erase(it);
  return true;
}

}  // namespace pilesim::pile
