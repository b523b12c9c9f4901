// The ble fault planner on a wired world (no steps, no actors running): it applies every key it was given to
// each link of its pile at the window's begin, keeps the rest of `links.ble`, and restores `links.ble` at the end.
#include "scenarios/engine/faults.hpp"
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/run_draws.hpp"
#include "scenarios/engine/user_physics.hpp"
#include "scenarios/engine/wiring.hpp"
#include "server/database.hpp"
#include "sim/kernel.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

constexpr std::string_view text = R"yaml(name: ble fault keys
until: 1h
piles: [{id: P1, power_kw: 7}, {id: P2, power_kw: 7}]
users: [{id: alice}, {id: bob}]
links:
  ble: {loss: 0.1, conn_interval: 50ms, supervision_timeout: 2s, corrupt: 0.001}
faults:
  - {at: 10m, for: 5m, ble: {pile: P1, conn_interval: 7.5ms, supervision_timeout: 100ms, connect_failure: 0.5,
                             corrupt: 0.25, packets_per_event: 2, mtu: 185, loss: 0.3}}
)yaml";

scenario loaded() {
  auto r = load_scenario_text(text, "t.yaml", {});
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_SUITE("scenarios/fault_ble") {
  TEST_CASE("a ble fault applies its keys to its pile's links for its window and restores links.ble after") {
    const scenario s = loaded();
    sim::kernel k(1);
    run_draws draws(k);
    auto db = server::database::open();
    REQUIRE(db.has_value());
    auto parts = wire(k, s, 1, draws, *db);
    user_physics physics(k, s, *parts);
    fault_injector faults(fault_context{k, draws, *parts, physics, *db});
    faults.schedule(s.faults);
    CHECK(parts->ble->find("alice", "P1") == nullptr);  // links are made as phones meet piles, not up front
    sim::ble_link& a1 = *parts->ble->link_for("alice", "P1");
    sim::ble_link& a2 = *parts->ble->link_for("alice", "P2");

    auto check_links_ble = [](const sim::ble_model& m) {
      CHECK(m.loss_ppb == 100'000'000);
      CHECK(m.conn_interval_us == 50 * sim::msec);
      CHECK(m.supervision_timeout_us == 2 * sim::sec);
      CHECK(m.corrupt_ppb == 1'000'000);
      CHECK(m.connect_failure_ppb == 0);
      CHECK(m.packets_per_event == 4);
      CHECK(m.mtu == 23);
    };
    check_links_ble(a1.model());
    k.run({.until = 12 * sim::minute});
    sim::ble_link& b1 = *parts->ble->link_for("bob", "P1");  // made inside the window: starts from its model
    for (sim::ble_link* l : {&a1, &b1}) {
      const sim::ble_model& m = l->model();
      CHECK(m.conn_interval_us == 7'500);
      CHECK(m.supervision_timeout_us == 100 * sim::msec);
      CHECK(m.connect_failure_ppb == 500'000'000);
      CHECK(m.corrupt_ppb == 250'000'000);
      CHECK(m.packets_per_event == 2);
      CHECK(m.mtu == 185);
      CHECK(m.loss_ppb == 300'000'000);
      CHECK(m.delay_min_us == 20 * sim::msec);  // what the fault leaves out stays as links.ble has it
      CHECK(m.duplicate_ppb == 0);
    }
    check_links_ble(a2.model());  // another pile's links are untouched
    k.run({.until = 16 * sim::minute});
    check_links_ble(a1.model());
    check_links_ble(b1.model());
    check_links_ble(parts->ble->link_for("bob", "P2")->model());
    k.shutdown();
  }
}
