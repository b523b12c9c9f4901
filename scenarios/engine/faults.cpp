#include "scenarios/engine/faults.hpp"

#include "scenarios/engine/fault_planners.hpp"

#include <variant>

namespace pilesim::scenarios {

bool fault_applied(const fault_observations& o) {
  if (o.changed_state) return true;
  if (o.traffic_after && *o.traffic_after > o.traffic_before) return true;
  return o.attempts_after > o.attempts_before;
}

void fault_injector::schedule(const std::vector<fault>& faults) {
  for (const fault& f : faults) {
    fault_record& r = records_.emplace_back();
    r.f = &f;
    r.at_us = cx_.draws.draw(f.at_us);
    r.window_end_us = f.for_us ? r.at_us + cx_.draws.draw(*f.for_us) : sim::time_max;
    r.end_us = r.window_end_us;
    std::visit([&](const auto& kind) { plan_fault(r, kind, cx_); }, f.kind);
  }
}

void fault_injector::phone_near(const std::string& user, const std::string& pile) {
  for (fault_record& r : records_)
    if (r.active && r.watched_piles.count(pile) > 0) r.near_phones.insert(user);
}

std::vector<played_fault> fault_injector::finish() {
  std::vector<played_fault> out;
  out.reserve(records_.size());
  for (fault_record& r : records_) {
    if (r.window_end_us == sim::time_max && r.observe_end) r.observe_end(r);
    out.push_back({r.f->index, r.kind, r.target, r.at_us, r.end_us, fault_applied(r.seen)});
  }
  return out;
}

}  // namespace pilesim::scenarios
