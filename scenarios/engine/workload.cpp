#include "scenarios/engine/workload.hpp"

#include <algorithm>
#include <bit>

namespace pilesim::scenarios {
namespace {

__extension__ using u128 = unsigned __int128;

constexpr sim::time_us day_us = 24 * sim::hour;
constexpr std::uint64_t ln2_q32 = 2977044472ULL;  // round(ln 2 * 2^32)
constexpr int sites_tried_max = 3;
// A user back at the pile stops from the app, unplugs a minute later and walks away a minute after that.
constexpr sim::time_us unplug_after_us = sim::minute;
constexpr sim::time_us walk_away_after_us = 2 * sim::minute;

sim::time_us draw(sim::rng& r, const drawn<sim::time_us>& d) { return d.exact() ? d.lo : r.uniform_signed(d.lo, d.hi); }
money draw(sim::rng& r, const drawn<money>& d) { return d.exact() ? d.lo : money{r.uniform_signed(d.lo.minor, d.hi.minor)}; }

step make_step(const std::string& user, step_action a, const std::string& pile = {}) {
  step st;
  st.user = user;
  st.action = a;
  st.pile = pile;
  return st;
}

}  // namespace

std::uint64_t neg_ln_q32(std::uint64_t u) {
  // log2(u) = k + log2(x) with x = u / 2^k in [1, 2), x in Q62; each squaring gives one bit of the fraction.
  const int k = 63 - std::countl_zero(u);
  std::uint64_t x = u << (62 - k);
  std::uint64_t frac = 0;
  for (int i = 0; i < 32; ++i) {
    x = static_cast<std::uint64_t>((static_cast<u128>(x) * x) >> 62);
    frac <<= 1;
    if (x >= (1ULL << 63)) {
      x >>= 1;
      frac |= 1;
    }
  }
  const std::uint64_t log2_q32 = (static_cast<std::uint64_t>(k) << 32) | frac;
  const std::uint64_t neg_log2_q32 = (32ULL << 32) - log2_q32;
  return static_cast<std::uint64_t>((static_cast<u128>(neg_log2_q32) * ln2_q32) >> 32);
}

sim::time_us poisson_gap_us(sim::rng& r, std::int64_t per_day_ppm) {
  const std::uint64_t e = neg_ln_q32(r.uniform(1, 1ULL << 32));
  const u128 num = static_cast<u128>(e) * static_cast<std::uint64_t>(day_us) * 1'000'000ULL;
  const u128 den = static_cast<u128>(per_day_ppm) << 32;
  return std::max<sim::time_us>(1, static_cast<sim::time_us>(num / den));
}

workload_driver::workload_driver(const scenario& s, std::uint64_t seed, step_world w, server::database& db)
    : s_(s), w_(*s.workload), piles_(*s.fleet.piles), world_(w), db_(db) {
  const std::size_t generated = static_cast<std::size_t>(s.fleet.users->count);
  const std::size_t first = s.users.size() - generated;
  users_.reserve(generated);
  for (std::size_t i = first; i < s.users.size(); ++i)
    users_.push_back({i, sim::rng(seed, "workload/" + s.users[i].id), false});
}

void workload_driver::start() {
  for (std::size_t u = 0; u < users_.size(); ++u) schedule_next(u);
}

void workload_driver::schedule_next(std::size_t u) {
  const sim::time_us at = world_.k.now() + poisson_gap_us(users_[u].rng, w_.sessions_per_day_ppm);
  if (at >= s_.until_us) return;  // the process ends with the run: nothing waits in the queue past until
  world_.k.at(at, [this, u] { arrive(u); });
}

void workload_driver::perform(const step& st) {
  last_step_us_ = world_.k.now();
  perform_step(st, world_);
}

// Every draw of a session is made, in this order, whatever the session turns out to be, so that one share's
// value never shifts another's draws.
void workload_driver::arrive(std::size_t ui) {
  schedule_next(ui);
  user_state& u = users_[ui];
  sim::rng& r = u.rng;
  const sim::time_us now = world_.k.now();
  const bool reserve = r.bernoulli(w_.reserve_first_ppb);
  const sim::time_us ahead = draw(r, w_.reserve_ahead_us);
  const bool no_show = r.bernoulli(w_.no_show_ppb);
  const money amount = draw(r, w_.amount);
  const sim::time_us stay = draw(r, w_.stay_us);
  const sim::time_us back = draw(r, w_.return_after_us);
  const bool never_return = r.bernoulli(w_.never_return_ppb);
  const bool no_signal = r.bernoulli(w_.no_signal_ppb);
  const sim::time_us no_signal_for = draw(r, w_.stay_us);
  if (u.busy) return;
  const std::string& user = s_.users[u.index].id;
  const sim::time_us start_at = reserve ? now + ahead : now;
  const sim::time_us returns_at = start_at + back;
  const sim::time_us done_at = returns_at + walk_away_after_us;
  const std::string pile = choose(u, start_at, done_at);
  if (pile.empty()) {
    ++gave_up_;
    world_.k.trace().event(now, "user/" + user, "gave_up", {});
    return;
  }
  ++begun_;
  u.busy = true;
  sim::kernel& k = world_.k;
  if (reserve) {
    step st = make_step(user, step_action::reserve, pile);
    st.start_us = {start_at, start_at};
    perform(st);
    if (no_show) {
      // Never comes: the reservation expires at the server; the pile is the workload's again after its hold.
      const sim::time_us hold = s_.tariff.reservation_hold_us;
      claimed_until_[pile] = start_at + hold;
      k.at(start_at + hold, [this, ui, pile] { finish(ui, pile); });
      return;
    }
  }
  claimed_until_[pile] = done_at;
  k.at(start_at, [this, user, pile, amount] {
    step st = make_step(user, step_action::start, pile);
    st.amount = amount;
    perform(st);
  });
  k.at(start_at + stay, [this, user] { perform(make_step(user, step_action::leave)); });
  if (no_signal) {
    k.at(returns_at, [this, user] {
      sim::link_model m = world_.parts.wan_model;
      m.down = true;
      world_.parts.users.at(user).wan->set_model(m);
    });
    k.at(returns_at + no_signal_for,
         [this, user] { world_.parts.users.at(user).wan->set_model(world_.parts.wan_model); });
  }
  if (never_return) {
    k.at(returns_at, [this, user] {
      step restart = make_step(user, step_action::app_restart);
      restart.keep_data = false;
      perform(restart);
      perform(make_step(user, step_action::unplug));
    });
    k.at(returns_at + unplug_after_us, [this, ui, pile] { finish(ui, pile); });
    return;
  }
  k.at(returns_at, [this, user, pile] {
    perform(make_step(user, step_action::arrive, pile));
    perform(make_step(user, step_action::stop));
  });
  k.at(returns_at + unplug_after_us, [this, user] { perform(make_step(user, step_action::unplug)); });
  k.at(done_at, [this, ui, user, pile] {
    perform(make_step(user, step_action::leave));
    finish(ui, pile);
  });
}

void workload_driver::finish(std::size_t ui, const std::string& pile) {
  users_[ui].busy = false;
  if (auto it = claimed_until_.find(pile); it != claimed_until_.end() && it->second <= world_.k.now())
    claimed_until_.erase(it);
}

std::string workload_driver::choose(user_state& u, sim::time_us from, sim::time_us to) {
  const std::int64_t sites = piles_.sites;
  std::int64_t tried[sites_tried_max] = {};
  const int attempts = static_cast<int>(std::min<std::int64_t>(sites_tried_max, sites));
  for (int a = 0; a < attempts; ++a) {
    // The a-th untried site, uniformly among those not tried yet.
    std::int64_t site = u.rng.uniform_signed(1, sites - a);
    std::sort(tried, tried + a);
    for (int t = 0; t < a; ++t)
      if (tried[t] <= site) ++site;
    tried[a] = site;
    const std::int64_t first = piles_.first_of(site);
    const std::int64_t n = piles_.first_of(site + 1) - first;
    const std::int64_t offset = u.rng.uniform_signed(0, n - 1);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::string pile = piles_.id(first + (offset + i) % n);
      if (free(pile, from, to)) return pile;
    }
  }
  return {};
}

bool workload_driver::free(const std::string& pile, sim::time_us from, sim::time_us to) {
  if (auto it = claimed_until_.find(pile); it != claimed_until_.end() && it->second > world_.k.now()) return false;
  if (world_.physics.plugged(pile)) return false;
  // An open reservation of anyone's over the window: the server would refuse this session's reservation or
  // start, or this session would sit on someone else's slot.
  auto c = db_.query(
      "SELECT 1 FROM reservations WHERE pile_id = ?1 AND state = 'open' AND start_us < ?3 AND end_us > ?2 LIMIT 1",
      pile, from, to);
  return !c.step();
}

}  // namespace pilesim::scenarios
