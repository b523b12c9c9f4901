// Generated fleets and workloads (format 1.1): what the loader reads of `fleet`, `workload` and `site:` faults and
// the FILE:LINE:COL errors of their bad values; the same seed making the same fleet, each pile and user drawn
// from a stream of its own; the integer-only exponential behind the Poisson arrivals; and a small run's totals.
#include "scenarios/engine/fleet.hpp"
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/workload.hpp"
#include "scenarios/engine/world.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

constexpr std::string_view fleet_base = R"yaml(name: t
until: 1d
fleet:
  piles: {count: 10, power_kw: 7.0, sites: 3}
  users: {count: 100, balance: 50.00..500.00,
          vehicle: {battery_kwh: 40..80, soc: 0.10..0.60, max_ac_kw: 7.0}}
)yaml";

std::vector<std::string> errors_of(std::string_view text) {
  std::vector<std::string> out;
  auto r = load_scenario_text(text, "t.yaml");
  if (r) return out;
  for (const auto& d : r.error()) out.push_back(to_string(d));
  return out;
}

std::string error_of(std::string_view text) {
  auto e = errors_of(text);
  std::string all;
  for (const auto& line : e) all += line + "\n";
  INFO("text:\n", text, "errors:\n", all);
  REQUIRE(e.size() == 1);
  return e[0];
}

scenario loaded(std::string_view text) {
  auto r = load_scenario_text(text, "t.yaml");
  std::string all;
  if (!r)
    for (const auto& d : r.error()) all += to_string(d) + "\n";
  INFO("errors:\n", all);
  REQUIRE(r.has_value());
  return *r;
}

std::string with(std::string_view more) { return std::string(fleet_base) + std::string(more); }

}  // namespace

TEST_SUITE("scenarios/fleet") {
  TEST_CASE("the loader reads fleet and workload with every default applied") {
    const scenario s = loaded(with("workload:\n"
                                   "  sessions_per_user_per_day: 0.2\n"
                                   "  reserve_first: 0.5\n"
                                   "  reserve_ahead: 10m..2h\n"
                                   "  no_show: 0.02\n"
                                   "  amount: 20.00..80.00\n"
                                   "  never_return: 0.05\n"
                                   "  no_signal: 0.01\n"));
    REQUIRE(s.fleet.piles);
    CHECK(s.fleet.piles->count == 10);
    CHECK(s.fleet.piles->prefix == "P");
    CHECK(s.fleet.piles->sites == 3);
    CHECK(s.fleet.piles->power_w == drawn<std::int64_t>{7000, 7000});
    REQUIRE(s.fleet.users);
    CHECK(s.fleet.users->count == 100);
    CHECK(s.fleet.users->balance == drawn<money>{money{5000}, money{50000}});
    REQUIRE(s.fleet.users->vehicle);
    CHECK(s.fleet.users->vehicle->soc_ppm == drawn<std::int64_t>{100000, 600000});
    REQUIRE(s.workload);
    CHECK(s.workload->sessions_per_day_ppm == 200000);
    CHECK(s.workload->reserve_first_ppb == 500'000'000);
    CHECK(s.workload->no_show_ppb == 20'000'000);
    CHECK(s.workload->never_return_ppb == 50'000'000);
    CHECK(s.workload->no_signal_ppb == 10'000'000);
    CHECK(s.workload->amount == drawn<money>{money{2000}, money{8000}});
    CHECK(s.workload->stay_us == drawn<sim::time_us>{5 * sim::minute, 30 * sim::minute});       // default
    CHECK(s.workload->return_after_us == drawn<sim::time_us>{sim::hour, 10 * sim::hour});      // default
  }

  TEST_CASE("sites split the piles in even blocks, and a site fault names every pile of its site") {
    const scenario s = loaded(with("faults:\n"
                                   "  - {at: 1h, for: 1m, ble: {site: S2, loss: 0.5}}\n"
                                   "  - {at: 2h, for: 1m, pile: {site: S3, power: off}}\n"
                                   "  - {at: 3h, for: 1m, pile: {id: P7, power: off}}\n"
                                   "  - {at: 4h, for: 1m, wan: {user: U100, down: true}}\n"));
    const fleet_piles_config& f = *s.fleet.piles;
    CHECK(f.site_of(1) == 1);
    CHECK(f.site_of(4) == 1);
    CHECK(f.site_of(5) == 2);
    CHECK(f.site_of(10) == 3);
    for (std::int64_t n = 1; n <= f.sites; ++n)
      for (std::int64_t i = f.first_of(n); i < f.first_of(n + 1); ++i) CHECK(f.site_of(i) == n);
    const auto& ble = std::get<ble_fault>(s.faults[0].kind);
    CHECK(ble.site == "S2");
    CHECK(ble.piles == std::vector<std::string>{"P5", "P6", "P7"});
    const auto& power = std::get<pile_power_fault>(s.faults[1].kind);
    CHECK(power.piles == std::vector<std::string>{"P8", "P9", "P10"});
    CHECK(std::get<pile_power_fault>(s.faults[2].kind).piles == std::vector<std::string>{"P7"});
    CHECK(std::get<wan_fault>(s.faults[3].kind).user == "U100");
  }

  TEST_CASE("bad fleet and workload values: one FILE:LINE:COL error each") {
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  piles: {count: 0, power_kw: 7}\n") ==
          "t.yaml:4:18: fleet.piles.count: must be from 1 to 1000000");
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  piles: {count: 4, power_kw: 7, sites: 5}\n") ==
          "t.yaml:4:41: fleet.piles.sites: 5 sites for 4 piles (every site needs at least one pile)");
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  piles: {count: 4, power_kw: 9..7}\n") ==
          "t.yaml:4:31: fleet.piles.power_kw: range '9..7' goes down (write the smaller end first)");
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  piles: {count: 4, prefix: 'a b', power_kw: 7}\n")
              .starts_with("t.yaml:4:29: fleet.piles.prefix: bad prefix 'a b'"));
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  users: {count: 10, balance: x..5.00}\n")
              .starts_with("t.yaml:4:31: fleet.users.balance: "));
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  users: {count: 10, vehicle: {battery_kwh: 40}}\n") ==
          "t.yaml:4:31: missing required key 'soc' in fleet.users.vehicle");
    CHECK(error_of("name: t\nuntil: 1d\nfleet: {}\n") == "t.yaml:3:8: fleet: give piles, users or both");
    CHECK(error_of(with("workload: {sessions_per_user_per_day: 1, amount: 20.00, reserve_first: 1.5}\n"))
              .starts_with("t.yaml:7:72: workload.reserve_first: bad probability '1.5': must be in [0, 1]"));
    CHECK(error_of(with("workload: {sessions_per_user_per_day: 0, amount: 20.00}\n")) ==
          "t.yaml:7:39: workload.sessions_per_user_per_day: must be more than 0 and at most 1000");
    CHECK(error_of(with("workload: {sessions_per_user_per_day: 1}\n")) ==
          "t.yaml:7:11: missing required key 'amount' in workload");
    CHECK(error_of(with("workload: {sessions_per_user_per_day: 1, amount: 0.00}\n"))
              .starts_with("t.yaml:7:50: workload.amount: must be more than 0.00"));
    CHECK(error_of(with("workload: {sessions_per_user_per_day: 1, amount: 20.00, stay: 0s..5m}\n")) ==
          "t.yaml:7:63: workload.stay: must be longer than 0s");
    CHECK(error_of(with("workload: {sessions_per_user_per_day: 1, amount: 20.00, stay: 1h..2h, return_after: 1h}\n")) ==
          "t.yaml:7:85: workload: return_after must be longer than stay (the user leaves before coming back), 3600s "
          "is not longer than 7200s");
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  piles: {count: 4, power_kw: 7}\n"
                   "workload: {sessions_per_user_per_day: 1, amount: 20.00}\n") ==
          "t.yaml:5:11: workload: its sessions are the generated users', and fleet.users is not given");
    CHECK(error_of("name: t\nuntil: 1d\nfleet:\n  piles: {count: 4, power_kw: 7}\n  users: {count: 3}\n"
                   "workload: {sessions_per_user_per_day: 1, amount: 20.00}\n") ==
          "t.yaml:6:11: workload: the generated users have no vehicle to charge (give fleet.users.vehicle)");
  }

  TEST_CASE("a listed id a fleet generates too is an error at the listed one; generated ids may be named") {
    CHECK(error_of(with("piles:\n  - {id: home, power_kw: 7}\n  - {id: P3, power_kw: 7}\n")) ==
          "t.yaml:9:10: pile id 'P3' is also generated by fleet.piles (P1..P10 at 4:10)");
    CHECK(error_of(with("users:\n  - {id: U100, balance: 1.00}\n")) ==
          "t.yaml:8:10: user id 'U100' is also generated by fleet.users (U1..U100 at 5:10)");
    CHECK(error_of(with("users:\n  - {id: bob, vehicle: {id: U7-car, battery_kwh: 60, soc: 0.2}}\n")) ==
          "t.yaml:8:29: vehicle id 'U7-car' is also generated by fleet.users (the vehicle of U7)");
    // U101 and P11 are past the counts, P01 is not how a generated id is written: all are free to list
    CHECK(errors_of(with("piles:\n  - {id: P11, power_kw: 7}\n  - {id: P01, power_kw: 7}\n"
                         "users:\n  - {id: U101}\n")).empty());
    CHECK(error_of(with("steps:\n  - {at: 1h, user: U101, do: stop}\n"))
              .starts_with("t.yaml:8:20: steps[0].user: unknown user 'U101' (users: generated U1..U100)"));
    CHECK(errors_of(with("steps:\n  - {at: 1h, user: U5, do: start, pile: P10, amount: 10.00}\n")).empty());
  }

  TEST_CASE("site faults: an unknown site, both pile and site, neither") {
    CHECK(error_of(with("faults:\n  - {at: 1h, ble: {site: S4, loss: 0.5}}\n")) ==
          "t.yaml:8:26: faults[0].ble.site: unknown site 'S4' (sites: S1..S3)");
    CHECK(error_of(with("faults:\n  - {at: 1h, pile: {site: S0, power: off}}\n")) ==
          "t.yaml:8:27: faults[0].pile.site: unknown site 'S0' (sites: S1..S3)");
    CHECK(error_of(with("faults:\n  - {at: 1h, ble: {pile: P1, site: S1, loss: 0.5}}\n")) ==
          "t.yaml:8:36: faults[0].ble: give pile or site, not both");
    CHECK(error_of(with("faults:\n  - {at: 1h, ble: {loss: 0.5}}\n")) ==
          "t.yaml:8:19: missing required key 'pile' in faults[0].ble (or site)");
    CHECK(error_of("name: t\nuntil: 1d\nfaults:\n  - {at: 1h, pile: {site: S1, power: off}}\n") ==
          "t.yaml:4:27: faults[0].pile.site: unknown site 'S1' (sites come from fleet.piles, which is not given)");
  }

  TEST_CASE("the same seed makes the same fleet; each pile and user draws from its own stream") {
    const scenario s = loaded(with(""));
    const scenario a = with_fleet(s, 42);
    const scenario b = with_fleet(s, 42);
    const scenario c = with_fleet(s, 43);
    REQUIRE(a.users.size() == 100);
    REQUIRE(a.piles.size() == 10);
    bool differs = false;
    for (std::size_t i = 0; i < a.users.size(); ++i) {
      CHECK(a.users[i].id == "U" + std::to_string(i + 1));
      CHECK(a.users[i].balance == b.users[i].balance);
      CHECK(a.users[i].vehicle->battery_wh == b.users[i].vehicle->battery_wh);
      CHECK(a.users[i].vehicle->soc_ppm == b.users[i].vehicle->soc_ppm);
      CHECK(a.users[i].vehicle->id == a.users[i].id + "-car");
      CHECK(a.users[i].balance >= money{5000});
      CHECK(a.users[i].balance <= money{50000});
      CHECK(a.users[i].vehicle->battery_wh >= 40000);
      CHECK(a.users[i].vehicle->battery_wh <= 80000);
      differs = differs || a.users[i].balance != c.users[i].balance;
    }
    CHECK(differs);  // another seed, another fleet
    // A bigger fleet: the first hundred users are drawn exactly as before.
    fleet_users_config more = *s.fleet.users;
    more.count = 1000;
    for (std::int64_t i = 1; i <= 100; ++i) {
      const user_config u = generated_user(more, i, 42);
      CHECK(u.balance == a.users[static_cast<std::size_t>(i - 1)].balance);
      CHECK(u.vehicle->soc_ppm == a.users[static_cast<std::size_t>(i - 1)].vehicle->soc_ppm);
    }
    CHECK(a.piles[9].id == "P10");
    CHECK(a.piles[9].power_w == 7000);
  }

  TEST_CASE("the exponential behind the arrivals: exact at its ends, ln to 1e-6, the right mean") {
    CHECK(neg_ln_q32(1ULL << 32) == 0);
    const double q32 = 4294967296.0;
    for (std::uint64_t u : {1ULL, 2ULL, 12345ULL, 1ULL << 31, 3000000000ULL, (1ULL << 32) - 1}) {
      CAPTURE(u);
      CHECK(std::abs(static_cast<double>(neg_ln_q32(u)) / q32 + std::log(static_cast<double>(u) / q32)) < 1e-6);
    }
    sim::rng r(1, "workload/U1");
    const std::int64_t n = 20000;
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(poisson_gap_us(r, 2'000'000));  // 2 a day
    const double mean_h = sum / n / static_cast<double>(sim::hour);
    CHECK(mean_h > 11.6);  // 12 h, within 3 %
    CHECK(mean_h < 12.4);
  }

  TEST_CASE("a small run: sessions from the workload, all settled, the same twice; another user changes no one") {
    const std::string text = with("workload:\n"
                                  "  sessions_per_user_per_day: 1\n"
                                  "  reserve_first: 0.3\n"
                                  "  amount: 20.00..40.00\n"
                                  "  stay: 5m..15m\n"
                                  "  return_after: 1h..2h\n");
    const scenario s = loaded(text);
    const run_outcome_report a = run_scenario(s, run_options{});
    const run_outcome_report b = run_scenario(s, run_options{});
    CHECK(a.trace_hash == b.trace_hash);
    CHECK(a.passed);
    for (const auto& c : a.invariants) {
      CAPTURE(c.what);
      CAPTURE(c.detail);
      CHECK(c.held);
    }
    const run_aggregates& t = a.totals;
    CHECK(t.sessions >= 60);   // about 100 arrivals over the day, on 10 piles
    CHECK(t.sessions <= 130);
    CHECK(t.gave_up > 0);      // ten piles for a hundred users: some find none free
    CHECK(t.reconciled + t.open + t.expired == t.sessions);
    CHECK(t.reconciled >= t.sessions - 10);
    CHECK(t.captured > money{});
    CHECK(t.energy_wh > 0);
    // The same world with one more user: the fleet's first hundred are the same people.
    const scenario more = loaded(std::string(text).replace(text.find("count: 100"), 10, "count: 101"));
    const scenario fa = with_fleet(s, s.seed);
    const scenario fb = with_fleet(more, more.seed);
    for (std::size_t i = 0; i < fa.users.size(); ++i) CHECK(fa.users[i].balance == fb.users[i].balance);
  }
}
