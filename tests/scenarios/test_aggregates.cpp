// The run added up (aggregates.hpp) from a history written by hand, and the expectations over a whole run
// (totals, shares, delays) judged against it: exact counts, nearest-rank percentiles, hourly peaks that catch what
// lasts minutes, and failures that say what was measured and where the expectation was written.
#include "scenarios/engine/aggregates.hpp"
#include "scenarios/engine/expectations.hpp"
#include "scenarios/engine/loader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

constexpr sim::time_us min_us = sim::minute;
constexpr sim::time_us h_us = sim::hour;

server::session_summary server_session(std::uint64_t id, const char* pile, const char* state,
                                       std::optional<sim::time_us> reconciled_at = std::nullopt) {
  server::session_summary s;
  s.id = id;
  s.user = "U" + std::to_string(id);
  s.pile = pile;
  s.state = state;
  s.stop_reason = std::string(state) == "reconciled" ? "unplug" : "";
  s.energy_wh = std::string(state) == "reconciled" ? 1500 : 0;
  s.frozen = money{2000};
  s.charged = std::string(state) == "reconciled" ? money{270} : money{};
  s.refunded = std::string(state) == "reconciled" ? money{1730} : money{};
  s.reconciled_at_us = reconciled_at;
  return s;
}

metered_session metered(std::uint64_t id, const char* pile, sim::time_us from, sim::time_us to) {
  return {pile, id, 1500, -1, 1, to >= 0, from, to};
}

// Four sessions on two piles over three hours: three reconciled 1 min, 2 min and 30 min after their ends, one
// still charging at until; one start refused by the server.
struct history {
  std::vector<server::session_summary> sessions{
      server_session(1, "P1", "reconciled", 31 * min_us), server_session(2, "P2", "reconciled", 62 * min_us),
      server_session(3, "P1", "reconciled", 130 * min_us), server_session(4, "P2", "started")};
  std::vector<server::reservation_summary> reservations;
  std::vector<metered_session> meters{metered(1, "P1", 0, 30 * min_us), metered(2, "P2", 10 * min_us, 60 * min_us),
                                      metered(3, "P1", 70 * min_us, 100 * min_us),
                                      metered(4, "P2", 150 * min_us, -1)};
  std::vector<session_outcome> starts;
  std::vector<reservation_outcome> reserved;
  std::vector<server::hold_change> holds{{0, 2000},          {10 * min_us, 2000},  {31 * min_us, -2000},
                                         {62 * min_us, -2000}, {70 * min_us, 2000}, {130 * min_us, -2000},
                                         {150 * min_us, 2000}};
  history() {
    for (const auto& s : sessions) starts.push_back({s.user, s.pile, s.id, "x"});
    starts.push_back({"U9", "P1", 0, "refused"});
  }
  run_aggregates sum() const {
    return aggregate({sessions, reservations, meters, starts, reserved, holds, 3 * h_us, 2});
  }
};

}  // namespace

TEST_SUITE("scenarios/aggregates") {
  TEST_CASE("nearest-rank percentiles") {
    CHECK(percentile({}, 50) == 0);
    CHECK(percentile({7}, 99) == 7);
    std::vector<sim::time_us> twenty;
    for (int i = 1; i <= 20; ++i) twenty.push_back(i);
    CHECK(percentile(twenty, 50) == 10);
    CHECK(percentile(twenty, 95) == 19);
    CHECK(percentile(twenty, 99) == 20);
  }

  TEST_CASE("counts, money, delays and the slowest, from a history written by hand") {
    const run_aggregates a = history().sum();
    CHECK(a.sessions == 4);
    CHECK(a.started == 4);
    CHECK(a.reconciled == 3);
    CHECK(a.open == 1);
    CHECK(a.starts_refused == 1);
    CHECK(a.gave_up == 2);
    CHECK(a.by_stop_reason.at("unplug") == 3);
    CHECK(a.energy_wh == 4500);
    CHECK(a.captured == money{810});
    CHECK(a.still_frozen == money{2000});
    CHECK(a.peak_frozen == money{4000});
    CHECK(a.peak_frozen_at_us == 10 * min_us);
    CHECK(a.reconcile.count == 3);
    CHECK(a.reconcile.p50_us == 2 * min_us);
    CHECK(a.reconcile.max_us == 30 * min_us);
    REQUIRE(a.slowest.size() == 3);
    CHECK(a.slowest[0].session_id == 3);
    CHECK(a.slowest[0].delay_us() == 30 * min_us);
    CHECK(a.slowest[2].session_id == 1);
    CHECK(a.bills_waiting_at_end == 0);
  }

  TEST_CASE("the hourly series holds each hour's most, so that a bill waiting half an hour shows") {
    const run_series s = history().sum().series;
    CHECK(s.at_us == std::vector<sim::time_us>{0, h_us, 2 * h_us});
    CHECK(s.sessions_active == std::vector<std::int64_t>{2, 1, 1});
    CHECK(s.bills_waiting == std::vector<std::int64_t>{1, 1, 1});  // session 1 at 30m, 2 at 60m, 3 at 100m..130m
    CHECK(s.money_frozen == std::vector<money>{money{4000}, money{2000}, money{2000}});
  }

  TEST_CASE("changes at one instant are taken together: a session ending as another starts is one") {
    history h;
    h.meters = {metered(1, "P1", 0, 30 * min_us), metered(2, "P1", 30 * min_us, 50 * min_us)};
    CHECK(h.sum().series.sessions_active.front() == 1);
  }

  TEST_CASE("totals, shares and delays judged against the run, failures saying what was measured") {
    auto sc = load_scenario_text("name: t\nuntil: 3h\nexpect:\n"
                                 "  totals: {sessions: 4, reconciled: 4.., refused: ..1, gave_up: 2, energy_kwh: 4.5,\n"
                                 "           charged: 8.10}\n"
                                 "  shares: {reconciled: 0.75}\n"
                                 "  delays: {reconcile_p50: ..2m, reconcile_p95: ..10m, reconcile_max: 30m}\n",
                                 "t.yaml", {});
    REQUIRE(sc.has_value());
    run_outcome_report r;
    r.totals = history().sum();
    std::vector<std::string> failed;
    std::size_t held = 0;
    for (const check_outcome& c : check_expectations(*sc, r)) {
      if (c.held) ++held;
      else failed.push_back(c.what + " | " + c.detail);
    }
    CHECK(held == 8);
    REQUIRE(failed.size() == 2);
    CHECK(failed[0] == "totals.reconciled in 4.. | t.yaml:4:37: counted 3");
    CHECK(failed[1] == "delays.reconcile_p95 in ..10m | t.yaml:7:48: measured 30m over 3 reconciled session(s)");
  }

  TEST_CASE("a share or a delay with nothing to measure fails and says so") {
    auto sc = load_scenario_text("name: t\nuntil: 1h\nexpect: {shares: {reconciled: 0..1}, delays: {reconcile_max: ..1d}}\n",
                                 "t.yaml", {});
    REQUIRE(sc.has_value());
    run_outcome_report r;
    const auto out = check_expectations(*sc, r);
    REQUIRE(out.size() == 2);
    CHECK_FALSE(out[0].held);
    CHECK(out[0].detail.find("no session started") != std::string::npos);
    CHECK_FALSE(out[1].held);
    CHECK(out[1].detail.find("no session ended on its pile was reconciled") != std::string::npos);
  }
}
