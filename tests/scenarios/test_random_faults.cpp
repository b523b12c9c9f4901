// Seeded randomized fault study: for each seed, a scenario is written as YAML text (so a failure can be replayed
// with `pilesim run`) with 1-2 piles, 1-3 users who charge, walk away, come back, stop, restart their apps (with
// and without data), and 1-4 faults of every kind in bounded windows; then it is run and every invariant must
// hold. All users come back to their pile long after every fault has healed, so liveness after heal is checked.
// PILESIM_RANDOM_SEEDS=N runs seeds 1..N (default 40); PILESIM_RANDOM_DUMP=DIR writes each generated file there.
// A failure prints the seed and the scenario.
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"

#include "tests/support/splitmix.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

using test_support::splitmix;  // the same draws on every run and machine

std::string secs(std::int64_t s) { return std::to_string(s) + "s"; }
std::string money_text(std::int64_t minor) {
  const std::string f = std::to_string(minor % 100);
  return std::to_string(minor / 100) + "." + (f.size() < 2 ? "0" : "") + f;
}
std::string prob(std::int64_t percent) { return "0." + std::string(percent < 10 ? "0" : "") + std::to_string(percent); }

// Users sharing a pile take turns, 90 minutes apart, each unplugging 80 minutes after starting. Every fault is
// aimed at one user — their phone, their pile — and begins near their start (from 20 s before to 10 min after;
// a server crash from 10 s before to 2 s after), so most faults meet traffic. Every user is back at their pile
// from 5h to the end (7h), long after every fault has healed.
std::string random_scenario(std::uint64_t seed) {
  splitmix r{seed * 7919 + 17};
  const int piles = static_cast<int>(r.in(1, 2));
  const int users = static_cast<int>(r.in(1, 3));
  std::ostringstream y;
  y << "name: random faults seed " << seed << "\n";
  y << "seed: " << seed << "\nuntil: 7h\n";
  if (r.coin(30)) y << "tariff: {authorization_ttl: " << secs(r.in(5, 600)) << "}\n";
  y << "links:\n  ble: {mtu: " << (r.coin(50) ? 23 : 185) << "}\n";
  y << "piles:\n";
  for (int p = 0; p < piles; ++p) y << "  - {id: P" << p + 1 << ", power_kw: 7.0}\n";
  y << "users:\n";
  for (int u = 0; u < users; ++u)
    y << "  - {id: u" << u << ", balance: " << money_text(r.in(2000, 20000)) << ", vehicle: {id: V" << u
      << ", battery_kwh: 60, soc: 0." << r.in(10, 60) << "}}\n";
  y << "steps:\n";
  std::vector<std::int64_t> starts;
  for (int u = 0; u < users; ++u) {
    const std::string user = "u" + std::to_string(u);
    const std::string pile = "P" + std::to_string(u % piles + 1);
    const std::int64_t start = r.in(60, 1200) + 5400 * (u / piles);
    starts.push_back(start);
    y << "  - {at: " << secs(start) << ", user: " << user << ", do: start, pile: " << pile
      << ", amount: " << money_text(r.in(300, 1500)) << "}\n";
    std::int64_t t = start;
    if (r.coin(60)) {
      t += r.in(60, 1200);
      y << "  - {at: " << secs(t) << ", user: " << user << ", do: leave}\n";
      if (r.coin(50)) {
        t += r.in(60, 1200);
        y << "  - {at: " << secs(t) << ", user: " << user << ", do: arrive, pile: " << pile << "}\n";
      }
    }
    if (r.coin(30)) {
      t += r.in(10, 600);
      y << "  - {at: " << secs(t) << ", user: " << user << ", do: app_restart, keep_data: "
        << (r.coin(50) ? "true" : "false") << "}\n";
    }
    if (r.coin(40)) {
      t += r.in(10, 900);
      y << "  - {at: " << secs(t) << ", user: " << user << ", do: stop}\n";
    }
    y << "  - {at: " << secs(start + 4800) << ", user: " << user << ", do: unplug}\n";
    y << "  - {at: 5h, user: " << user << ", do: arrive, pile: " << pile << "}\n";
  }
  y << "faults:\n";
  const int faults = static_cast<int>(r.in(1, 4));
  for (int f = 0; f < faults; ++f) {
    // Aimed at one user: their start time, their phone, the pile they charge at.
    const int target = static_cast<int>(r.in(0, users - 1));
    const std::int64_t near_start = starts[static_cast<std::size_t>(target)];
    const std::int64_t at = std::max<std::int64_t>(0, near_start + r.in(-20, 600));
    const std::int64_t len = r.in(10, 3000);
    const std::string pile = "P" + std::to_string(target % piles + 1);
    const std::string user = "u" + std::to_string(target);
    const int kind = static_cast<int>(r.in(0, 5));
    y << "  - {at: " << secs(kind == 4 ? std::max<std::int64_t>(0, near_start + r.in(-10, 2)) : at);
    switch (kind) {
      case 0:
        y << ", for: " << secs(len) << ", ble: {pile: " << pile << ", loss: " << prob(r.in(0, 60))
          << ", duplicate: " << prob(r.in(0, 40)) << "}}\n";
        break;
      case 1:
        y << ", for: " << secs(len) << ", ble: {pile: " << pile << ", delay: 100ms.." << r.in(200, 3000)
          << "ms, mtu: " << r.in(23, 100) << "}}\n";
        break;
      case 2: y << ", ble: {pile: " << pile << ", disconnect: true}}\n"; break;
      case 3:
        if (r.coin(50)) y << ", for: " << secs(len) << ", wan: {user: " << user << ", down: true}}\n";
        else
          y << ", for: " << secs(len) << ", wan: {user: " << user << ", loss: " << prob(r.in(0, 60))
            << ", delay: 50ms.." << r.in(100, 5000) << "ms}}\n";
        break;
      case 4:  // the phone talks to the server mostly around its start: crash then, or the crash meets nobody
        y << ", for: " << secs(r.in(5, 900)) << ", server: down}\n";
        break;
      default: y << ", for: " << secs(r.in(5, 900)) << ", pile: {id: " << pile << ", power: off}}\n"; break;
    }
  }
  return y.str();
}

int seeds_to_run() {
  if (const char* e = std::getenv("PILESIM_RANDOM_SEEDS")) {
    const int n = std::atoi(e);
    if (n > 0) return n;
  }
  return 40;
}

}  // namespace

TEST_SUITE("scenarios/random_faults") {
  TEST_CASE("every invariant holds under random fault mixes") {
    const int n = seeds_to_run();
    int passed = 0, vacuous = 0, sessions = 0, reconciled = 0, faults_total = 0, faults_applied = 0;
    for (int seed = 1; seed <= n; ++seed) {
      const std::string text = random_scenario(static_cast<std::uint64_t>(seed));
      if (const char* dir = std::getenv("PILESIM_RANDOM_DUMP"))  // keep the generated files, to run them by hand
        std::ofstream(std::string(dir) + "/random-" + std::to_string(seed) + ".yaml") << text;
      auto s = load_scenario_text(text, "random-" + std::to_string(seed) + ".yaml");
      if (!s) {
        std::string why;
        for (const auto& d : s.error()) why += to_string(d) + "\n";
        FAIL("seed " << seed << ": generated scenario does not load:\n" << why << text);
        continue;
      }
      const run_outcome_report r = run_scenario(*s, run_options{});
      bool ok = r.kernel_failure.empty();
      std::string failed;
      for (const check_outcome& c : r.invariants) {
        // A random window may miss all traffic; that is the scenario's vacuity, not a broken invariant.
        if (c.what == "faults_applied") {
          if (!c.held) ++vacuous;
          continue;
        }
        if (!c.held) {
          ok = false;
          failed += "  " + c.what + ": " + c.detail + "\n";
        }
      }
      for (const fault_outcome& f : r.faults) {
        ++faults_total;
        if (f.applied) ++faults_applied;
      }
      for (const auto& so : r.sessions) {
        ++sessions;
        if (so.state == "reconciled") ++reconciled;
      }
      if (ok) ++passed;
      else
        FAIL_CHECK("seed " << seed << " failed:\n"
                               << failed << r.kernel_failure << "\nreproduce: save the scenario below and run "
                               << "`pilesim run FILE`\n---\n" << text);
    }
    MESSAGE(passed << "/" << n << " seeds held every invariant; " << vacuous << " with a fault that never applied ("
                   << faults_applied << "/" << faults_total << " faults applied); "
                   << reconciled << "/" << sessions << " started sessions reconciled");
    CHECK(passed == n);
  }

  TEST_CASE("the generator is deterministic and the same seed gives the same trace") {
    CHECK(random_scenario(5) == random_scenario(5));
    CHECK(random_scenario(5) != random_scenario(6));
    auto s = load_scenario_text(random_scenario(3), "random-3.yaml");
    REQUIRE(s.has_value());
    const run_outcome_report a = run_scenario(*s, run_options{});
    const run_outcome_report b = run_scenario(*s, run_options{});
    CHECK(a.trace_hash == b.trace_hash);
  }
}

TEST_SUITE("scenarios/canary") {
  TEST_CASE("the canary scenario fails, and ok() turns that into a pass") {
    auto s = load_scenario_file(PILESIM_SCENARIO_DIR "/canary_must_fail.yaml");
    REQUIRE(s.has_value());
    const run_outcome_report r = run_scenario(*s, run_options{});
    CHECK(r.expect_fail);
    CHECK_FALSE(r.passed);
    CHECK(r.ok());
  }
}
