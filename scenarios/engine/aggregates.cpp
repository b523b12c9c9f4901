#include "scenarios/engine/aggregates.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace pilesim::scenarios {
namespace {

// A count or an amount that steps by `delta` at `at`.
struct step_change {
  sim::time_us at = 0;
  std::int64_t delta = 0;
};

// The hours' starts: every step from 0 while before `until` (at least one, at 0).
std::vector<sim::time_us> bucket_starts(sim::time_us until, sim::time_us step) {
  std::vector<sim::time_us> out{0};
  for (sim::time_us t = step; t < until; t += step) out.push_back(t);
  return out;
}

// The highest level in each bucket [start, next start), the last one ending at `until`. The changes at one
// instant are taken together, so that one session ending as another starts is never counted as two.
std::vector<std::int64_t> peak_per_bucket(std::vector<step_change> changes, const std::vector<sim::time_us>& starts,
                                          sim::time_us until) {
  std::stable_sort(changes.begin(), changes.end(), [](const step_change& a, const step_change& b) { return a.at < b.at; });
  std::vector<std::int64_t> out;
  out.reserve(starts.size());
  std::int64_t level = 0;
  std::size_t next = 0;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const sim::time_us end = k + 1 < starts.size() ? starts[k + 1] : std::max(until, starts[k] + 1);
    while (next < changes.size() && changes[next].at <= starts[k]) level += changes[next++].delta;
    std::int64_t peak = level;
    while (next < changes.size() && changes[next].at < end) {
      const sim::time_us at = changes[next].at;
      while (next < changes.size() && changes[next].at == at) level += changes[next++].delta;
      peak = std::max(peak, level);
    }
    out.push_back(peak);
  }
  return out;
}

// The metering of the server's session `id` on `pile`, looked up by hash.
class metered_by_session {
 public:
  explicit metered_by_session(const std::vector<metered_session>& metered) {
    for (const metered_session& m : metered) by_id_.emplace(m.session_id, &m);
  }
  const metered_session* find(std::uint64_t id, const std::string& pile) const {
    auto [first, last] = by_id_.equal_range(id);
    for (auto it = first; it != last; ++it)
      if (it->second->pile == pile) return it->second;
    return nullptr;
  }

 private:
  std::unordered_multimap<std::uint64_t, const metered_session*> by_id_;
};

void count_sessions(run_aggregates& a, const aggregate_sources& src, const metered_by_session& metered) {
  for (const server::session_summary& s : src.sessions) {
    ++a.sessions;
    const metered_session* m = metered.find(s.id, s.pile);
    if (m != nullptr && m->times_started > 0) ++a.started;
    if (s.state == "reconciled") ++a.reconciled;
    else if (s.state == "expired") ++a.expired;
    else ++a.open;
    if (!s.stop_reason.empty()) ++a.by_stop_reason[s.stop_reason];
    a.energy_wh += s.energy_wh;
    a.captured += s.charged;
    a.refunded += s.refunded;
  }
  for (const session_outcome& o : src.starts) {
    ++a.by_state[o.state];
    if (o.session_id == 0) ++a.starts_refused;
  }
  for (const reservation_outcome& r : src.reserved) ++a.reservations[r.state];
  for (const server::reservation_summary& r : src.reservations) a.fees += r.fee;
}

// Reconcile delays, their percentiles and the slowest few; bills still waiting at until.
void add_delays(run_aggregates& a, const aggregate_sources& src, const metered_by_session& metered) {
  std::vector<sim::time_us> delays;
  std::vector<slow_reconciliation> slow;
  for (const server::session_summary& s : src.sessions) {
    const metered_session* m = metered.find(s.id, s.pile);
    if (m == nullptr || !m->ended) continue;
    if (s.state != "reconciled" || !s.reconciled_at_us) {
      ++a.bills_waiting_at_end;
      continue;
    }
    const sim::time_us ended = std::min(m->ended_at_us, *s.reconciled_at_us);
    delays.push_back(*s.reconciled_at_us - ended);
    slow.push_back({s.id, s.user, s.pile, ended, *s.reconciled_at_us});
  }
  std::sort(delays.begin(), delays.end());
  a.reconcile = {delays.size(), percentile(delays, 50), percentile(delays, 95), percentile(delays, 99),
                 delays.empty() ? 0 : delays.back()};
  const std::size_t keep = std::min(slow.size(), slowest_max);
  std::partial_sort(slow.begin(), slow.begin() + static_cast<std::ptrdiff_t>(keep), slow.end(),
                    [](const slow_reconciliation& x, const slow_reconciliation& y) {
                      if (x.delay_us() != y.delay_us()) return x.delay_us() > y.delay_us();
                      return x.session_id < y.session_id;
                    });
  slow.resize(keep);
  a.slowest = std::move(slow);
}

void add_frozen(run_aggregates& a, const aggregate_sources& src) {
  std::int64_t held = 0;
  for (const server::hold_change& h : src.holds) {
    held += h.delta_minor;
    if (held > a.peak_frozen.minor) {
      a.peak_frozen = money{held};
      a.peak_frozen_at_us = h.at_us;
    }
  }
  a.still_frozen = money{held};
}

void add_series(run_aggregates& a, const aggregate_sources& src) {
  run_series& s = a.series;
  s.step_us = src.step_us;
  s.at_us = bucket_starts(src.until_us, src.step_us);
  std::unordered_map<std::uint64_t, const server::session_summary*> by_id;
  by_id.reserve(src.sessions.size());
  for (const server::session_summary& x : src.sessions) by_id.emplace(x.id, &x);
  std::vector<step_change> active, waiting, frozen;
  for (const metered_session& m : src.metered) {
    if (m.times_started == 0) continue;
    active.push_back({m.started_at_us, 1});
    if (!m.ended) continue;
    active.push_back({m.ended_at_us, -1});
    waiting.push_back({m.ended_at_us, 1});
    auto it = by_id.find(m.session_id);
    if (it != by_id.end() && it->second->pile == m.pile && it->second->reconciled_at_us)
      waiting.push_back({std::max(*it->second->reconciled_at_us, m.ended_at_us), -1});
  }
  for (const server::hold_change& h : src.holds) frozen.push_back({h.at_us, h.delta_minor});
  s.sessions_active = peak_per_bucket(std::move(active), s.at_us, src.until_us);
  s.bills_waiting = peak_per_bucket(std::move(waiting), s.at_us, src.until_us);
  for (std::int64_t v : peak_per_bucket(std::move(frozen), s.at_us, src.until_us)) s.money_frozen.push_back(money{v});
}

}  // namespace

sim::time_us percentile(const std::vector<sim::time_us>& sorted, int p) {
  if (sorted.empty()) return 0;
  const std::size_t n = sorted.size();
  const std::size_t rank = (static_cast<std::size_t>(p) * n + 99) / 100;  // ceil(p * n / 100), at least 1
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

run_aggregates aggregate(const aggregate_sources& src) {
  run_aggregates a;
  a.gave_up = src.gave_up;
  const metered_by_session metered(src.metered);
  count_sessions(a, src, metered);
  add_delays(a, src, metered);
  add_frozen(a, src);
  add_series(a, src);
  return a;
}

}  // namespace pilesim::scenarios
