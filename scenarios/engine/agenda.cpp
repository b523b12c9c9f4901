#include "scenarios/engine/agenda.hpp"

#include <algorithm>

namespace pilesim::scenarios {

agenda::agenda(const std::vector<step>& steps, run_draws& draws) {
  order_.reserve(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const sim::time_us at = draws.draw(steps[i].at_us);
    last_at_us_ = std::max(last_at_us_, at);
    order_.push_back({at, i});
  }
  std::stable_sort(order_.begin(), order_.end(),
                   [](const timed_step& a, const timed_step& b) { return a.at_us < b.at_us; });
}

std::optional<timed_step> agenda::next() {
  if (next_ == order_.size()) return std::nullopt;
  return order_[next_++];
}

agenda_player::agenda_player(sim::kernel& k, agenda& a, perform_fn perform)
    : k_(k), agenda_(a), perform_(std::move(perform)) {}

// The insertion numbers are reserved now in file order, so steps at the same instant run exactly as if all had
// been scheduled at the start, though each step schedules its successor only when it runs.
void agenda_player::start() {
  first_order_ = k_.reserve_order(agenda_.size());
  schedule_next();
}

void agenda_player::schedule_next() {
  const std::optional<timed_step> t = agenda_.next();
  if (!t) return;
  k_.at_reserved(t->at_us, first_order_ + t->index, [this, i = t->index] {
    schedule_next();
    perform_(i);
  });
}

}  // namespace pilesim::scenarios
