#include "scenarios/engine/loader.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace pilesim;
using namespace pilesim::scenarios;


// A name of this process's own, so that two test runs on one machine never share a file.
static std::filesystem::path temp_path(const char* what) {
  return std::filesystem::temp_directory_path() /
         ("pilesim_test_loader_" + std::string(what) + "_" + std::to_string(::getpid()) + ".yaml");
}

namespace {

// Every snippet of SCENARIOS.md, in one file, as written there.
constexpr std::string_view full_example = R"yaml(name: Reserve, charge and reconcile          # required
description: free text                        # optional
seed: 1                                       # default 1; `--seed N` overrides
until: 6h                                     # simulated time limit; required
currency: CNY                                 # default CNY (2 minor digits)

tariff:                                       # the server's tariff for every pile unless a pile names its own
  energy_per_kwh: 1.00
  service_per_kwh: 0.80
  no_show_fee: 0.00                           # charged when a reservation expires unused
  reservation_hold: 15m                       # a reservation is held this long past its start time
  authorization_ttl: 10m                      # a start authorization expires this long after it is issued

piles:
  - id: P1
    power_kw: 7.0                             # maximum output
    bill_store: 64                            # optional: bills the pile can keep before it refuses new sessions

users:
  - id: alice
    balance: 200.00                           # wallet at t = 0
    vehicle: {id: V1, battery_kwh: 60, soc: 0.20, max_ac_kw: 7.0}

links:                                        # defaults for every link; `faults` change them over time
  ble: {delay: 20ms..60ms, loss: 0.0, duplicate: 0.0, mtu: 23}
  wan: {delay: 50ms..150ms, loss: 0.0}

steps:
  - {at: 0s,  user: alice, do: reserve, pile: P1, start: 10m}   # reserve P1 from t=10m (held reservation_hold)
  - {at: 11m, user: alice, do: start, pile: P1, amount: 50.00}  # arrive, plug in, request start, relay to pile
  - {at: 20m, user: alice, do: leave}                           # walks away; charging goes on
  - {at: 2h,  user: alice, do: arrive, pile: P1}                # comes back; the app collects any pending bill
  - {at: 2h,  user: alice, do: stop}                            # stop from the app (needs BLE range)
  - {at: 2h1m, user: alice, do: unplug}                         # cable out; ends a session that is still charging

faults:
  - {at: 30m, for: 20m, ble: {pile: P1, loss: 0.5, delay: 100ms..2s}}   # change a BLE link's model for a window
  - {at: 30m, for: 1h,  wan: {user: alice, down: true}}                 # phone has no signal
  - {at: 40m, for: 5m,  server: down}                                   # server crashes, restarts after the window
  - {at: 50m, for: 30s, pile: {id: P1, power: off}}                     # power loss: the pile reboots afterwards
  - {at: 0s, ble: {pile: P1, disconnect: true}}                         # drop the BLE connection at that instant

expect:
  sessions:                                   # matched per user, in the order that user started them
    - user: alice
      state: reconciled                       # reconciled | open | refused | expired
      stop_reason: user                       # user | cap | full | unplug | power_loss | fault
      energy_kwh: 6.9..7.1
      charged: 12.42..12.78
      reconciled_by: 2h10m                    # reconciled at or before this time
  reservations:
    - {user: alice, state: used}              # used | expired | cancelled | refused
  balances:
    alice: 187.40..187.58
  refused:                                    # requests or frames the system refused, by kind, counted
    start_authorization: 0
)yaml";

// A small valid world that error cases add lines to: its lines 1-8 never change, so positions below are fixed.
constexpr std::string_view base = R"yaml(name: t
until: 6h
piles:
  - {id: P1, power_kw: 7}
users:
  - id: alice
    balance: 100.00
    vehicle: {id: V1, battery_kwh: 60, soc: 0.2}
)yaml";

std::vector<std::string> errors_of(std::string_view text, const std::vector<override_setting>& overrides = {}) {
  std::vector<std::string> out;
  auto r = load_scenario_text(text, "t.yaml", overrides);
  if (r) return out;
  for (const auto& d : r.error()) out.push_back(to_string(d));
  return out;
}

// The one error a text gives; fails the test when it gives none or several.
std::string error_of(std::string_view text, const std::vector<override_setting>& overrides = {}) {
  auto e = errors_of(text, overrides);
  std::string all;
  for (const auto& line : e) all += line + "\n";
  INFO("text:\n", text, "errors:\n", all);
  REQUIRE(e.size() == 1);
  return e[0];
}

std::string with_base(std::string_view more) { return std::string(base) + std::string(more); }

scenario loaded(std::string_view text, const std::vector<override_setting>& overrides = {}) {
  auto r = load_scenario_text(text, "t.yaml", overrides);
  std::string all;
  if (!r)
    for (const auto& d : r.error()) all += to_string(d) + "\n";
  INFO("errors:\n", all);
  REQUIRE(r.has_value());
  return *r;
}

constexpr sim::time_us ms = sim::msec;
constexpr sim::time_us s = sim::sec;
constexpr sim::time_us min = sim::minute;
constexpr sim::time_us h = sim::hour;

}  // namespace

TEST_SUITE("scenarios/loader") {
  TEST_CASE("the full example of SCENARIOS.md loads with exact values") {
    scenario sc = loaded(full_example);
    CHECK(sc.file == "t.yaml");
    CHECK(sc.name == "Reserve, charge and reconcile");
    CHECK(sc.description == "free text");
    CHECK(sc.seed == 1);
    CHECK(sc.until_us == 6 * h);
    CHECK(sc.until_us == 21'600'000'000);
    CHECK(sc.currency == "CNY");
    CHECK(sc.currency_minor_digits == 2);

    CHECK(sc.tariff.energy_per_kwh.e4 == 10000);
    CHECK(sc.tariff.service_per_kwh.e4 == 8000);
    CHECK(sc.tariff.no_show_fee.minor == 0);
    CHECK(sc.tariff.reservation_hold_us == 900'000'000);
    CHECK(sc.tariff.authorization_ttl_us == 600'000'000);

    REQUIRE(sc.piles.size() == 1);
    CHECK(sc.piles[0].id == "P1");
    CHECK(sc.piles[0].power_w == 7000);
    CHECK(sc.piles[0].bill_store == 64);
    CHECK_FALSE(sc.piles[0].tariff);
    CHECK(sc.piles[0].pos == source_pos{15, 5});

    REQUIRE(sc.users.size() == 1);
    const user_config& alice = sc.users[0];
    CHECK(alice.id == "alice");
    CHECK(alice.balance.minor == 20000);
    REQUIRE(alice.vehicle);
    CHECK(alice.vehicle->id == "V1");
    CHECK(alice.vehicle->battery_wh == 60'000);
    CHECK(alice.vehicle->soc_ppm == 200'000);
    CHECK(alice.vehicle->max_ac_w == 7000);

    CHECK(sc.links.ble.delay_us == drawn<sim::time_us>{20'000, 60'000});
    CHECK(sc.links.ble.loss_ppb == drawn<std::uint32_t>{0, 0});
    CHECK(sc.links.ble.duplicate_ppb == drawn<std::uint32_t>{0, 0});
    CHECK(sc.links.ble.mtu == 23);
    CHECK(sc.links.wan.delay_us == drawn<sim::time_us>{50'000, 150'000});
    CHECK(sc.links.wan.loss_ppb == drawn<std::uint32_t>{0, 0});

    REQUIRE(sc.steps.size() == 6);
    CHECK(sc.steps[0].pos == source_pos{29, 5});
    CHECK(sc.steps[0].at_us == drawn<sim::time_us>{0, 0});
    CHECK(sc.steps[0].user == "alice");
    CHECK(sc.steps[0].action == step_action::reserve);
    CHECK(sc.steps[0].pile == "P1");
    CHECK(sc.steps[0].start_us == drawn<sim::time_us>{10 * min, 10 * min});
    CHECK_FALSE(sc.steps[0].duration_us);
    CHECK(sc.steps[1].at_us.lo == 660'000'000);
    CHECK(sc.steps[1].action == step_action::start);
    CHECK(sc.steps[1].pile == "P1");
    CHECK(sc.steps[1].amount.minor == 5000);
    CHECK(sc.steps[2].action == step_action::leave);
    CHECK(sc.steps[2].at_us.lo == 20 * min);
    CHECK(sc.steps[3].action == step_action::arrive);
    CHECK(sc.steps[3].pile == "P1");
    CHECK(sc.steps[3].at_us.lo == 2 * h);
    CHECK(sc.steps[4].action == step_action::stop);
    CHECK(sc.steps[4].at_us.lo == 2 * h);
    CHECK(sc.steps[4].index == 4);
    CHECK(sc.steps[5].action == step_action::unplug);
    CHECK(sc.steps[5].at_us == drawn<sim::time_us>{7'260'000'000, 7'260'000'000});

    REQUIRE(sc.faults.size() == 5);
    const auto& f0 = sc.faults[0];
    CHECK(f0.at_us.lo == 30 * min);
    REQUIRE(f0.for_us);
    CHECK(f0.for_us->lo == 20 * min);
    const auto* ble = std::get_if<ble_fault>(&f0.kind);
    REQUIRE(ble);
    CHECK(ble->pile == "P1");
    CHECK(ble->loss_ppb == drawn<std::uint32_t>{500'000'000, 500'000'000});
    CHECK(ble->delay_us == drawn<sim::time_us>{100 * ms, 2 * s});
    CHECK_FALSE(ble->duplicate_ppb);
    CHECK_FALSE(ble->mtu);
    CHECK_FALSE(ble->disconnect);
    const auto* wan = std::get_if<wan_fault>(&sc.faults[1].kind);
    REQUIRE(wan);
    CHECK(wan->user == "alice");
    CHECK(wan->down);
    CHECK_FALSE(wan->loss_ppb);
    CHECK(sc.faults[1].for_us->hi == 1 * h);
    CHECK(std::holds_alternative<server_fault>(sc.faults[2].kind));
    CHECK(sc.faults[2].at_us.lo == 40 * min);
    CHECK(sc.faults[2].for_us->lo == 5 * min);
    const auto* power = std::get_if<pile_power_fault>(&sc.faults[3].kind);
    REQUIRE(power);
    CHECK(power->pile == "P1");
    CHECK(sc.faults[3].for_us->lo == 30 * s);
    CHECK(sc.faults[3].pos == source_pos{40, 5});
    const auto* cut = std::get_if<ble_fault>(&sc.faults[4].kind);
    REQUIRE(cut);
    CHECK(cut->disconnect);
    CHECK_FALSE(sc.faults[4].for_us);

    const expectations& e = sc.expect;
    REQUIRE(e.sessions.size() == 1);
    const auto& se = e.sessions[0];
    CHECK(se.pos == source_pos{45, 7});
    CHECK(se.user == "alice");
    REQUIRE(se.state);
    CHECK(se.state->value == session_state::reconciled);
    REQUIRE(se.reason);
    CHECK(se.reason->value == stop_reason::user);
    REQUIRE(se.energy_wh);
    CHECK(se.energy_wh->value == bounds<std::int64_t>{6900, 7100});
    REQUIRE(se.charged);
    CHECK(se.charged->value == bounds<money>{money{1242}, money{1278}});
    CHECK(se.charged->pos == source_pos{49, 16});
    REQUIRE(se.reconciled_by_us);
    CHECK(se.reconciled_by_us->value == 7'800'000'000);
    REQUIRE(e.reservations.size() == 1);
    CHECK(e.reservations[0].user == "alice");
    CHECK(e.reservations[0].state->value == reservation_state::used);
    REQUIRE(e.balances.size() == 1);
    CHECK(e.balances[0].user == "alice");
    CHECK(e.balances[0].balance == bounds<money>{money{18740}, money{18758}});
    CHECK(e.balances[0].pos == source_pos{54, 5});
    REQUIRE(e.refused.size() == 1);
    CHECK(e.refused[0].kind == "start_authorization");
    CHECK(e.refused[0].count == bounds<std::int64_t>{0, 0});
    CHECK(e.result.value == run_result::pass);
  }

  TEST_CASE("defaults apply when keys are left out") {
    scenario sc = loaded("name: minimal\nuntil: 1h\n");
    CHECK(sc.seed == 1);
    CHECK(sc.description.empty());
    CHECK(sc.currency == "CNY");
    CHECK(sc.tariff.energy_per_kwh.e4 == 10000);
    CHECK(sc.tariff.service_per_kwh.e4 == 8000);
    CHECK(sc.tariff.no_show_fee.minor == 0);
    CHECK(sc.tariff.reservation_hold_us == 15 * min);
    CHECK(sc.tariff.authorization_ttl_us == 10 * min);
    CHECK(sc.links.ble.delay_us == drawn<sim::time_us>{20 * ms, 60 * ms});
    CHECK(sc.links.ble.loss_ppb.hi == 0);
    CHECK(sc.links.ble.duplicate_ppb.hi == 0);
    CHECK(sc.links.ble.mtu == 23);
    CHECK(sc.links.ble.conn_interval_us == 30 * ms);        // SCENARIOS.md v1.1
    CHECK(sc.links.ble.supervision_timeout_us == 4 * s);
    CHECK(sc.links.ble.connect_failure_ppb.hi == 0);
    CHECK(sc.links.ble.corrupt_ppb.hi == 0);
    CHECK(sc.links.ble.packets_per_event == 4);
    CHECK(sc.links.wan.delay_us == drawn<sim::time_us>{50 * ms, 150 * ms});
    CHECK(sc.links.wan.loss_ppb.hi == 0);
    CHECK(sc.piles.empty());
    CHECK(sc.steps.empty());
    CHECK(sc.expect.result.value == run_result::pass);
  }

  TEST_CASE("partial sections keep the defaults of the keys they leave out") {
    scenario sc = loaded(with_base("tariff: {energy_per_kwh: 1.0044}\n"
                                   "links: {ble: {loss: 0.1}}\n"));
    CHECK(sc.tariff.energy_per_kwh.e4 == 10044);
    CHECK(sc.tariff.service_per_kwh.e4 == 8000);
    CHECK(sc.links.ble.loss_ppb == drawn<std::uint32_t>{100'000'000, 100'000'000});
    CHECK(sc.links.ble.delay_us == drawn<sim::time_us>{20 * ms, 60 * ms});
    CHECK(sc.links.ble.mtu == 23);
    CHECK(sc.piles[0].bill_store == 64);
    CHECK(sc.users[0].balance.minor == 10000);
    CHECK_FALSE(sc.users[0].vehicle->max_ac_w);  // "the pile's power": resolved by the world, per pile
  }

  TEST_CASE("a pile's own tariff inherits the keys it leaves out from the top-level tariff") {
    scenario sc = loaded("name: t\nuntil: 1h\ntariff: {service_per_kwh: 0.5, no_show_fee: 3.00}\n"
                         "piles:\n  - {id: P1, power_kw: 7.4, tariff: {energy_per_kwh: 2}}\n"
                         "  - {id: P2, power_kw: 60, bill_store: 2}\n");
    REQUIRE(sc.piles.size() == 2);
    REQUIRE(sc.piles[0].tariff);
    CHECK(sc.piles[0].power_w == 7400);
    CHECK(sc.piles[0].tariff->energy_per_kwh.e4 == 20000);
    CHECK(sc.piles[0].tariff->service_per_kwh.e4 == 5000);
    CHECK(sc.piles[0].tariff->no_show_fee.minor == 300);
    CHECK_FALSE(sc.piles[1].tariff);
    CHECK(sc.piles[1].power_w == 60'000);
    CHECK(sc.piles[1].bill_store == 2);
  }

  TEST_CASE("ranges: drawn values stay ranges, expectations take a..b or {min, max}") {
    scenario sc = loaded(with_base("steps:\n"
                                   "  - {at: 10m..20m, user: alice, do: reserve, pile: P1, start: 30m, duration: 1h}\n"
                                   "  - {at: 1h, user: alice, do: app_restart, keep_data: false}\n"
                                   "  - {at: 1h, user: alice, do: app_restart}\n"
                                   "expect:\n"
                                   "  sessions:\n"
                                   "    - {user: alice, energy_kwh: {min: 1.5}, charged: {max: 3.00}}\n"
                                   "    - {user: alice, energy_kwh: 2, state: expired, stop_reason: power_loss}\n"
                                   "  balances: {alice: {min: 90.00, max: 100}}\n"
                                   "  refused: {bill: 1..3}\n"
                                   "  result: fail\n"));
    CHECK(sc.steps[0].at_us == drawn<sim::time_us>{10 * min, 20 * min});
    CHECK_FALSE(sc.steps[0].at_us.exact());
    CHECK(sc.steps[0].duration_us == drawn<sim::time_us>{1 * h, 1 * h});
    CHECK_FALSE(sc.steps[1].keep_data);
    CHECK(sc.steps[2].keep_data);
    const auto& s0 = sc.expect.sessions[0];
    CHECK(s0.energy_wh->value.min == 1500);
    CHECK_FALSE(s0.energy_wh->value.max);
    CHECK(s0.energy_wh->value.contains(1'000'000));
    CHECK_FALSE(s0.energy_wh->value.contains(1499));
    CHECK_FALSE(s0.charged->value.min);
    CHECK(s0.charged->value.max == money{300});
    const auto& s1 = sc.expect.sessions[1];
    CHECK(s1.energy_wh->value == bounds<std::int64_t>{2000, 2000});
    CHECK(s1.state->value == session_state::expired);
    CHECK(s1.reason->value == stop_reason::power_loss);
    CHECK(sc.expect.balances[0].balance == bounds<money>{money{9000}, money{10000}});
    CHECK(sc.expect.refused[0].kind == "bill");
    CHECK(sc.expect.refused[0].count == bounds<std::int64_t>{1, 3});
    CHECK(sc.expect.result.value == run_result::fail);
  }

  TEST_CASE("v1.1 BLE keys: links.ble as SCENARIOS.md writes it, and every key in a ble fault") {
    scenario sc = loaded(with_base(
        "links:\n"
        "  ble: {delay: 20ms..60ms, loss: 0.0, duplicate: 0.0, mtu: 23,\n"
        "        conn_interval: 30ms,          # 7.5ms..4s; packets move only at connection events\n"
        "        supervision_timeout: 4s,      # 100ms..32s, and more than 2 x conn_interval\n"
        "        connect_failure: 0.0}         # probability that one connection attempt fails\n"
        "faults:\n"
        "  - {at: 1m, for: 1m, ble: {pile: P1, conn_interval: 7.5ms, supervision_timeout: 100ms,\n"
        "                            connect_failure: 0.1..0.2, corrupt: 0.01, packets_per_event: 6}}\n"
        "  - {at: 3m, ble: {pile: P1, supervision_timeout: 32s, conn_interval: 4s}}\n"));
    CHECK(sc.links.ble.conn_interval_us == 30 * ms);
    CHECK(sc.links.ble.supervision_timeout_us == 4 * s);
    CHECK(sc.links.ble.connect_failure_ppb == drawn<std::uint32_t>{0, 0});
    REQUIRE(sc.faults.size() == 2);
    const auto& f = std::get<ble_fault>(sc.faults[0].kind);
    CHECK(f.conn_interval_us == 7500);
    CHECK(f.supervision_timeout_us == 100 * ms);
    CHECK(f.connect_failure_ppb == drawn<std::uint32_t>{100'000'000, 200'000'000});
    CHECK(f.corrupt_ppb == drawn<std::uint32_t>{10'000'000, 10'000'000});
    CHECK(f.packets_per_event == 6);
    CHECK_FALSE(f.loss_ppb);
    CHECK(f.changes_model());
    const auto& g = std::get<ble_fault>(sc.faults[1].kind);
    CHECK(g.conn_interval_us == 4 * s);
    CHECK(g.supervision_timeout_us == 32 * s);

    scenario more = loaded(with_base("links: {ble: {corrupt: 0.001, packets_per_event: 1, connect_failure: 1}}\n"));
    CHECK(more.links.ble.corrupt_ppb == drawn<std::uint32_t>{1'000'000, 1'000'000});
    CHECK(more.links.ble.packets_per_event == 1);
    CHECK(more.links.ble.connect_failure_ppb.lo == 1'000'000'000);
  }

  TEST_CASE("v1.1 BLE keys out of range are errors at their line and column") {
    CHECK(error_of(with_base("links: {ble: {conn_interval: 7ms}}\n")) ==
          "t.yaml:9:30: links.ble.conn_interval: must be from 7.5ms to 4s (what BLE allows)");
    CHECK(error_of(with_base("links: {ble: {conn_interval: 4001ms, supervision_timeout: 32s}}\n")) ==
          "t.yaml:9:30: links.ble.conn_interval: must be from 7.5ms to 4s (what BLE allows)");
    CHECK(error_of(with_base("links: {ble: {supervision_timeout: 99ms}}\n")) ==
          "t.yaml:9:36: links.ble.supervision_timeout: must be from 100ms to 32s (what BLE allows)");
    CHECK(error_of(with_base("links: {ble: {supervision_timeout: 33s}}\n")) ==
          "t.yaml:9:36: links.ble.supervision_timeout: must be from 100ms to 32s (what BLE allows)");
    CHECK(error_of(with_base("links: {ble: {conn_interval: 2s}}\n")) ==
          "t.yaml:9:30: links.ble: supervision_timeout must be more than 2 x conn_interval (4s is not more than "
          "2 x 2s)");
    CHECK(error_of(with_base("links: {ble: {conn_interval: 50ms, supervision_timeout: 100ms}}\n")) ==
          "t.yaml:9:57: links.ble: supervision_timeout must be more than 2 x conn_interval (100ms is not more "
          "than 2 x 50ms)");
    CHECK(error_of(with_base("links: {ble: {conn_interval: 30}}\n")) ==
          "t.yaml:9:30: links.ble.conn_interval: bad duration '30': a number needs a unit, e.g. 30s (units: d, h, "
          "m, s, ms, us)");
    CHECK(error_of(with_base("links: {ble: {conn_interval: 20ms..30ms}}\n")) ==
          "t.yaml:9:30: links.ble.conn_interval: a range is not allowed here ('20ms..30ms')");
    CHECK(error_of(with_base("links: {ble: {connect_failure: 1.1}}\n")) ==
          "t.yaml:9:32: links.ble.connect_failure: bad probability '1.1': must be in [0, 1]");
    CHECK(error_of(with_base("links: {ble: {corrupt: -0.1}}\n")) ==
          "t.yaml:9:24: links.ble.corrupt: bad probability '-0.1': must be in [0, 1]");
    CHECK(error_of(with_base("links: {ble: {packets_per_event: 0}}\n")) ==
          "t.yaml:9:34: links.ble.packets_per_event: must be from 1 to 64 (per connection event)");
    // In a fault, the pair is checked with the links' value for the key the fault leaves out.
    CHECK(error_of(with_base("faults:\n  - {at: 1m, ble: {pile: P1, conn_interval: 3s}}\n")) ==
          "t.yaml:10:45: faults[0].ble: supervision_timeout must be more than 2 x conn_interval (4s is not more "
          "than 2 x 3s)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, ble: {pile: P1, supervision_timeout: 60ms}}\n")) ==
          "t.yaml:10:51: faults[0].ble.supervision_timeout: must be from 100ms to 32s (what BLE allows)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, ble: {pile: P1, conn_interval: 5ms}}\n")) ==
          "t.yaml:10:45: faults[0].ble.conn_interval: must be from 7.5ms to 4s (what BLE allows)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, ble: {pile: P1, corrupt: 2}}\n")) ==
          "t.yaml:10:39: faults[0].ble.corrupt: bad probability '2': must be in [0, 1]");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, ble: {pile: P1, packets_per_event: 65}}\n")) ==
          "t.yaml:10:49: faults[0].ble.packets_per_event: must be from 1 to 64 (per connection event)");
    CHECK(error_of(with_base("links: {ble: {conn_interval: 100ms}}\n"
                             "faults:\n  - {at: 1m, ble: {pile: P1, supervision_timeout: 200ms}}\n")) ==
          "t.yaml:11:51: faults[0].ble: supervision_timeout must be more than 2 x conn_interval (200ms is not "
          "more than 2 x 100ms)");
  }

  TEST_CASE("unknown key: position of the key and the keys that were expected") {
    CHECK(error_of(with_base("links:\n  ble: {delay: 20ms..60ms, los: 0.3}\n")) ==
          "t.yaml:10:28: unknown key 'los' in links.ble (expected one of: delay, loss, duplicate, mtu, "
          "conn_interval, supervision_timeout, connect_failure, corrupt, packets_per_event)");
    CHECK(error_of(with_base("seeds: 3\n")) ==
          "t.yaml:9:1: unknown key 'seeds' at the top level (expected one of: name, description, seed, until, "
          "currency, tariff, piles, users, links, steps, faults, expect, format, fleet, workload)");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: stop, when: now}\n")) ==
          "t.yaml:10:37: unknown key 'when' in steps[0] (expected one of: at, user, do, pile, start, duration, "
          "amount, keep_data)");
  }

  TEST_CASE("bad and negative durations") {
    CHECK(error_of(with_base("steps:\n  - {at: 10, user: alice, do: stop}\n")) ==
          "t.yaml:10:10: steps[0].at: bad duration '10': a number needs a unit, e.g. 10s (units: d, h, m, s, ms, us)");
    CHECK(error_of(with_base("steps:\n  - {at: -5s, user: alice, do: stop}\n")) ==
          "t.yaml:10:10: steps[0].at: bad duration '-5s': must not be negative");
    CHECK(error_of(with_base("tariff:\n  reservation_hold: 1m1h\n")) ==
          "t.yaml:10:21: tariff.reservation_hold: bad duration '1m1h': units must go from larger to smaller, each "
          "once, e.g. 1h30m");
    CHECK(error_of(with_base("links:\n  wan: {delay: 150ms..50ms}\n")) ==
          "t.yaml:10:16: links.wan.delay: range '150ms..50ms' goes down (write the smaller end first)");
  }

  TEST_CASE("durations table through the loader") {
    struct row {
      const char* until;
      sim::time_us us;
      const char* error;  // empty when accepted
    };
    const row rows[] = {
        {"250ms", 250 * ms, ""},
        {"1h30m", 90 * min, ""},
        {"1d", 24 * h, ""},
        {"1s500ms", 1500 * ms, ""},
        {"''", 0, "t.yaml:1:18: until: bad duration '': empty"},
        {"1x", 0, "t.yaml:1:18: until: bad duration '1x': unknown unit 'x' (units: d, h, m, s, ms, us)"},
        {"30", 0, "t.yaml:1:18: until: bad duration '30': a number needs a unit, e.g. 30s (units: d, h, m, s, ms, us)"},
        {"-5s", 0, "t.yaml:1:18: until: bad duration '-5s': must not be negative"},
        {"1m1h", 0,
         "t.yaml:1:18: until: bad duration '1m1h': units must go from larger to smaller, each once, e.g. 1h30m"},
        {"0s", 0, "t.yaml:1:18: until: must be longer than 0s"},
    };
    for (const auto& r : rows) {
      std::string text = "{name: n, until: " + std::string(r.until) + "}";
      CAPTURE(text);
      if (*r.error == '\0') {
        CHECK(loaded(text).until_us == r.us);
      } else {
        CHECK(error_of(text) == r.error);
      }
    }
  }

  TEST_CASE("money with three decimals, negative money, prices with five") {
    std::string text(base);
    text.replace(text.find("100.00"), 6, "100.005");
    CHECK(error_of(text) == "t.yaml:7:14: users[0].balance: bad amount '100.005': at most 2 decimal places");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1, amount: -1.00}\n")) ==
          "t.yaml:10:56: steps[0].amount: bad amount '-1.00': must not be negative");
    CHECK(error_of(with_base("tariff: {energy_per_kwh: 1.00441}\n")) ==
          "t.yaml:9:26: tariff.energy_per_kwh: bad price '1.00441': at most 4 decimal places");
  }

  TEST_CASE("unknown ids in steps, faults and expectations") {
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: bob, do: stop}\n")) ==
          "t.yaml:10:20: steps[0].user: unknown user 'bob' (users: alice)");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: arrive, pile: P9}\n")) ==
          "t.yaml:10:45: steps[0].pile: unknown pile 'P9' (piles: P1)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, ble: {pile: P2, loss: 1}}\n")) ==
          "t.yaml:10:26: faults[0].ble.pile: unknown pile 'P2' (piles: P1)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, wan: {user: carol, down: true}}\n")) ==
          "t.yaml:10:26: faults[0].wan.user: unknown user 'carol' (users: alice)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, pile: {id: P3, power: off}}\n")) ==
          "t.yaml:10:25: faults[0].pile.id: unknown pile 'P3' (piles: P1)");
    CHECK(error_of(with_base("expect:\n  sessions:\n    - {user: dave}\n")) ==
          "t.yaml:11:14: expect.sessions[0].user: unknown user 'dave' (users: alice)");
    CHECK(error_of(with_base("expect:\n  balances:\n    erin: 1.00\n")) ==
          "t.yaml:11:5: expect.balances: unknown user 'erin' (users: alice)");
  }

  TEST_CASE("a fault has exactly one kind") {
    CHECK(error_of(with_base("faults:\n  - {at: 1m, server: down, pile: {id: P1, power: off}}\n")) ==
          "t.yaml:10:28: faults[0] has more than one kind (server, pile): give each its own fault");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, for: 1m}\n")) ==
          "t.yaml:10:5: faults[0] has no kind (expected exactly one of: ble, wan, server, pile, attack)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, ble: {pile: P1}}\n")) ==
          "t.yaml:10:19: faults[0].ble changes nothing (give at least one of: loss, delay, duplicate, mtu, "
          "disconnect, reorder, conn_interval, supervision_timeout, connect_failure, corrupt, packets_per_event)");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, server: up}\n")) ==
          "t.yaml:10:22: faults[0].server: expected 'down', found 'up'");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, for: 0s, server: down}\n")) ==
          "t.yaml:10:19: faults[0].for: must be longer than 0s");
  }

  TEST_CASE("YAML syntax errors are reported at the parser's mark") {
    CHECK(error_of(with_base("description: a: b\n")) == "t.yaml:9:15: YAML syntax error: illegal map value");
    CHECK(error_of("name: t\nsteps: [1, 2\n") ==
          "t.yaml:2:8: YAML syntax error: this '[' is never closed (no ']' ends the list it opens)");
    CHECK(error_of("") == "t.yaml:1:1: empty scenario file (it needs at least name and until)");
    CHECK(error_of("name: a\nuntil: 1h\n---\nname: b\n") ==
          "t.yaml:4:1: a scenario file holds one YAML document; this is a second one");
  }

  TEST_CASE("missing required keys") {
    CHECK(error_of("description: nothing else\nuntil: 1h\n") ==
          "t.yaml:1:1: missing required key 'name' at the top level");
    auto two = errors_of("{description: x}");
    REQUIRE(two.size() == 2);
    CHECK(two[0] == "t.yaml:1:1: missing required key 'name' at the top level");
    CHECK(two[1] == "t.yaml:1:1: missing required key 'until' at the top level");
    CHECK(error_of(with_base("steps:\n  - {user: alice, do: stop}\n")) ==
          "t.yaml:10:5: missing required key 'at' in steps[0]");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: reserve, pile: P1}\n")) ==
          "t.yaml:10:5: missing required key 'start' in steps[0] (reserve needs: pile, start)");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1}\n")) ==
          "t.yaml:10:5: missing required key 'amount' in steps[0] (start needs: pile, amount)");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: arrive}\n")) ==
          "t.yaml:10:5: missing required key 'pile' in steps[0] (arrive needs: pile)");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: stop, amount: 5.00}\n")) ==
          "t.yaml:10:37: steps[0]: 'amount' does not apply to 'stop' (stop takes nothing else)");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: charge}\n")) ==
          "t.yaml:10:31: steps[0].do: unknown action 'charge' (expected one of: reserve, cancel, start, stop, "
          "leave, arrive, unplug, app_restart)");
  }

  TEST_CASE("wrong types, duplicates, steps past until, unsupported currency") {
    CHECK(error_of(with_base("links: [ble]\n")) == "t.yaml:9:8: expected a map for links, found a list");
    CHECK(error_of(with_base("steps: {at: 1m}\n")) == "t.yaml:9:8: expected a list for steps, found a map");
    CHECK(error_of(with_base("seed: 1.5\n")) ==
          "t.yaml:9:7: seed: bad seed '1.5': expected a whole number from 0 to 18446744073709551615");
    CHECK(error_of("name: t\nuntil: 1h\npiles:\n  - {id: P1, power_kw: 7}\n  - {id: P1, power_kw: 11}\n") ==
          "t.yaml:5:10: piles[1].id: duplicate pile id 'P1' (first at 4:10)");
    CHECK(error_of(with_base("steps:\n  - {at: 6h1s, user: alice, do: stop}\n")) ==
          "t.yaml:10:10: steps[0].at: '6h1s' is after until (6h)");
    CHECK(error_of(with_base("currency: USD\n")) ==
          "t.yaml:9:11: currency: 'USD' is not supported (only CNY, with 2 minor digits)");
    CHECK(error_of(with_base("name: again\n")) == "t.yaml:9:1: repeated key 'name' at the top level (first at 1:1)");
    CHECK(error_of(with_base("links: {ble: {mtu: 20}}\n")) ==
          "t.yaml:9:20: links.ble.mtu: must be from 23 to 517 (the ATT MTUs BLE allows)");
    CHECK(error_of(with_base("links: {ble: {loss: 1.5}}\n")) ==
          "t.yaml:9:21: links.ble.loss: bad probability '1.5': must be in [0, 1]");
    CHECK(error_of(with_base("expect: {sessions: [{user: alice, charged: 1.00..2.00, energy_kwh: 1..x}]}\n")) ==
          "t.yaml:9:68: expect.sessions[0].energy_kwh: bad number 'x': expected a number like 7.5");
    CHECK(error_of(with_base("faults:\n  - {at: 1m, wan: {user: alice, down: false}}\n")) ==
          "t.yaml:10:19: faults[0].wan changes nothing (give at least one of: down, loss, delay)");
  }

  TEST_CASE("more checks: vehicles, ranges where none are allowed, bounds, kinds, results") {
    CHECK(error_of("name: t\nuntil: 1h\nusers:\n  - {id: a, vehicle: {id: V1, battery_kwh: 60, soc: 0.5}}\n"
                   "  - {id: b, vehicle: {id: V1, battery_kwh: 40, soc: 0.5}}\n") ==
          "t.yaml:5:27: users[1].vehicle.id: duplicate vehicle id 'V1' (first at 4:27)");
    CHECK(error_of("name: t\nuntil: 1h\npiles: [{id: P1, power_kw: 7}]\nusers: [{id: walker}]\n"
                   "steps:\n  - {at: 1m, user: walker, do: start, pile: P1, amount: 10.00}\n") ==
          "t.yaml:6:32: steps[0]: user 'walker' has no vehicle to charge");
    CHECK(error_of("name: t\nuntil: 1h\npiles: [{id: P1, power_kw: 7..11}]\n") ==
          "t.yaml:3:28: piles[0].power_kw: a range is not allowed here ('7..11')");
    CHECK(error_of(with_base("expect: {sessions: [{user: alice, charged: {}}]}\n")) ==
          "t.yaml:9:44: expect.sessions[0].charged: give min, max or both");
    CHECK(error_of(with_base("expect: {sessions: [{user: alice, charged: {min: 2.00, max: 1.00}}]}\n")) ==
          "t.yaml:9:44: expect.sessions[0].charged: max is below min");
    CHECK(error_of(with_base("expect: {sessions: [{user: alice, charged: {min: 2.00, mx: 3.00}}]}\n")) ==
          "t.yaml:9:56: unknown key 'mx' in expect.sessions[0].charged (expected one of: min, max)");
    CHECK(error_of(with_base("faults:\n  - {at: 7h, server: down}\n")) ==
          "t.yaml:10:10: faults[0].at: '7h' is after until (6h)");
    CHECK(error_of(with_base("expect: {refused: {Start-Auth: 0}}\n")).starts_with(
        "t.yaml:9:20: expect.refused: unknown kind 'Start-Auth' (kinds: start_authorization, stop, receipt, "));
    CHECK(error_of(with_base("expect: {balances: {alice: 1.00, alice: 2.00}}\n")) ==
          "t.yaml:9:34: repeated key 'alice' in expect.balances (first at 9:21)");
    CHECK(error_of(with_base("expect: {result: maybe}\n")) ==
          "t.yaml:9:18: expect.result: unknown result 'maybe' (expected one of: pass, fail)");
    CHECK(error_of(with_base("expect: {sessions: [{user: alice, stop_reason: bored}]}\n")) ==
          "t.yaml:9:48: expect.sessions[0].stop_reason: unknown stop_reason 'bored' (expected one of: user, cap, "
          "full, unplug, power_loss, fault)");
    CHECK(error_of("- name: t\n") == "t.yaml:1:1: expected a map at the top level, found a list");
    CHECK(error_of("name:\nuntil: 1h\n") == "t.yaml:1:1: name: expected text, found nothing");
    CHECK(error_of("name: t\nuntil: 1h\npiles: [{id: 'pile one', power_kw: 7}]\n") ==
          "t.yaml:3:14: piles[0].id: bad id 'pile one' (1 to 32 letters, digits, '_', '-' or '.')");
  }

  TEST_CASE("all errors are reported, in file order, and their number is bounded") {
    auto e = errors_of("until: 1h\nfoo: 1\nsteps:\n  - {at: 1x, user: bob, do: stop}\n");
    REQUIRE(e.size() == 4);
    CHECK(e[0] == "t.yaml:1:1: missing required key 'name' at the top level");
    CHECK(e[1] == "t.yaml:2:1: unknown key 'foo' at the top level (expected one of: name, description, seed, "
                  "until, currency, tariff, piles, users, links, steps, faults, expect, format, fleet, workload)");
    CHECK(e[2] == "t.yaml:4:10: steps[0].at: bad duration '1x': unknown unit 'x' (units: d, h, m, s, ms, us)");
    CHECK(e[3] == "t.yaml:4:20: steps[0].user: unknown user 'bob' (no users are defined)");

    std::string many = "name: t\nuntil: 1h\nsteps:\n";
    for (int i = 0; i < 80; ++i) many += "  - {at: " + std::to_string(i) + ", user: alice, do: stop}\n";
    auto capped = errors_of(many);
    REQUIRE(capped.size() == diagnostics_max + 1);
    CHECK(capped[0].rfind("t.yaml:4:", 0) == 0);
    CHECK(capped.back() == "t.yaml: and 110 more errors");
  }

  TEST_CASE("overrides change values before they are read") {
    std::string text = with_base("faults:\n  - {at: 1m, for: 1m, server: down}\n"
                                 "steps:\n  - {at: 1m, user: alice, do: stop}\n");
    scenario sc = loaded(text, {{"links.ble.loss", "0.3"},
                                {"tariff.energy_per_kwh", "1.2"},
                                {"faults[0].for", "10m"},
                                {"steps[0].at", "5m..6m"},
                                {"users[0].vehicle.soc", "0.55"},
                                {"seed", "42"}});
    CHECK(sc.links.ble.loss_ppb == drawn<std::uint32_t>{300'000'000, 300'000'000});
    CHECK(sc.links.ble.mtu == 23);  // the rest of links.ble keeps its defaults
    CHECK(sc.tariff.energy_per_kwh.e4 == 12000);
    CHECK(sc.tariff.service_per_kwh.e4 == 8000);
    CHECK(sc.faults[0].for_us == drawn<sim::time_us>{10 * min, 10 * min});
    CHECK(sc.steps[0].at_us == drawn<sim::time_us>{5 * min, 6 * min});
    CHECK(sc.steps[0].pos == source_pos{12, 5});  // the step itself still points into the file
    CHECK(sc.users[0].vehicle->soc_ppm == 550'000);
    CHECK(sc.seed == 42);

    scenario whole = loaded(text, {{"faults[0]", "{at: 2m, ble: {pile: P1, loss: 0.5}}"}});
    const auto* ble = std::get_if<ble_fault>(&whole.faults[0].kind);
    REQUIRE(ble);
    CHECK(ble->loss_ppb->lo == 500'000'000);

    auto o = parse_override("links.wan.delay=1s..2s");
    REQUIRE(o);
    CHECK(o->path == "links.wan.delay");
    CHECK(o->value == "1s..2s");
    CHECK_FALSE(parse_override("links.wan.delay"));
    CHECK_FALSE(parse_override("=3"));
  }

  TEST_CASE("bad overrides are errors that name the override") {
    std::string text = with_base("faults:\n  - {at: 1m, for: 1m, server: down}\n");
    CHECK(error_of(text, {{"links.ble.los", "0.3"}}) ==
          "t.yaml: override 'links.ble.los=0.3': unknown key 'los' in links.ble (expected one of: delay, loss, "
          "duplicate, mtu, conn_interval, supervision_timeout, connect_failure, corrupt, packets_per_event)");
    CHECK(error_of(text, {{"tarif.energy_per_kwh", "1.2"}}) ==
          "t.yaml: override 'tarif.energy_per_kwh=1.2': unknown key 'tarif' at the top level (expected one of: "
          "name, description, seed, until, currency, tariff, piles, users, links, steps, faults, expect, format, fleet, workload)");
    CHECK(error_of(text, {{"faults[3].for", "1m"}}) ==
          "t.yaml: override 'faults[3].for=1m': faults[3] does not exist (faults has 1 entry)");
    CHECK(error_of(text, {{"links.ble.loss", "abc"}}) ==
          "t.yaml: override 'links.ble.loss=abc': links.ble.loss: bad probability 'abc': expected a number like 0.5");
    CHECK(error_of(text, {{"name.x", "1"}}) == "t.yaml: override 'name.x=1': name is text 't', not a map");
    CHECK(error_of(text, {{"links..ble", "1"}}) ==
          "t.yaml: override 'links..ble=1': bad path (write e.g. links.ble.loss or faults[0].for)");
    CHECK(error_of(text, {{"expect.balances.bob", "1.00"}}) ==
          "t.yaml: override 'expect.balances.bob=1.00': expect.balances: unknown user 'bob' (users: alice)");
    CHECK(error_of(text, {{"faults[0].for", "[1"}}) ==
          "t.yaml: override 'faults[0].for=[1': value, at 1:1: YAML syntax error: this '[' is never closed (no ']' "
          "ends the list it opens)");
  }

  TEST_CASE("files: loaded from disk, a missing one is an error") {
    auto path = temp_path("example");
    {
      std::ofstream out(path);
      out << full_example;
    }
    auto r = load_scenario_file(path.string());
    std::filesystem::remove(path);
    REQUIRE(r.has_value());
    CHECK(r->file == path.string());
    CHECK(r->steps.size() == 6);

    auto missing = load_scenario_file("/nonexistent/pilesim.yaml");
    REQUIRE_FALSE(missing.has_value());
    REQUIRE(missing.error().size() == 1);
    CHECK(to_string(missing.error()[0]) == "/nonexistent/pilesim.yaml: cannot open the file");
  }

  TEST_CASE("the inputs that once exhausted memory are refused at 1:1, also as an override's value") {
    const std::string dir = PILESIM_BAD_INPUTS_DIR;
    const struct {
      const char* file;
      const char* message;
    } rows[] = {
        {"/loader-yaml-comma.yaml", ":1:1: YAML syntax error: a document cannot start with ','"},
        {"/loader-yaml-comma-oom-min.yaml", ":1:1: YAML syntax error: a document cannot start with ',t'"},
        {"/loader-yaml-timeout-orig.yaml", ":1:1: YAML syntax error: a document cannot start with ',ame:'"},
    };
    for (const auto& r : rows) {
      auto loaded = load_scenario_file(dir + r.file);
      REQUIRE_FALSE(loaded.has_value());
      REQUIRE(loaded.error().size() == 1);
      CHECK(to_string(loaded.error()[0]) == dir + r.file + r.message);
    }
    CHECK(error_of(with_base("links: {ble: {loss: 0.1}}\n"), {{"links.ble.loss", ","}}) ==
          "t.yaml: override 'links.ble.loss=,': value, at 1:1: YAML syntax error: a document cannot start with ','");
  }

  TEST_CASE("an unknown refusal kind is an input error at its key, listing the kinds that are counted") {
    const std::string e = error_of(with_base("expect: {refused: {bogus_kind: 1}}\n"));
    CHECK(e.starts_with("t.yaml:9:20: expect.refused: unknown kind 'bogus_kind' (kinds: start_authorization, "));
    CHECK(e.find("bill_forged") != std::string::npos);
    scenario sc = loaded(with_base("expect: {refused: {bill_forged: 0, start_authorization: 0..2, stop: 0}}\n"));
    CHECK(sc.expect.refused.size() == 3);
  }

  TEST_CASE("a key with nothing after it is an error wherever a list or a map belongs") {
    const char* const lists[] = {"piles", "users", "steps", "faults"};
    for (const char* key : lists) {
      CAPTURE(key);
      CHECK(error_of(std::string("name: t\nuntil: 1h\n") + key + ":\n") ==
            std::string("t.yaml:3:1: expected a list for ") + key + ", found nothing (leave the key out, or write [] "
                                                                  "for none)");
      CHECK(error_of(std::string("name: t\nuntil: 1h\n") + key + ": ~\n").starts_with("t.yaml:3:1: expected a list"));
      CHECK(loaded(std::string("name: t\nuntil: 1h\n") + key + ": []\n").name == "t");
    }
    CHECK(error_of("name: t\nuntil: 1h\ntariff:\n") ==
          "t.yaml:3:1: expected a map for tariff, found nothing (leave the key out, or write {} for none)");
    CHECK(error_of("name: t\nuntil: 1h\nlinks: {ble: ~}\n").starts_with("t.yaml:3:9: expected a map for links.ble"));
    CHECK(error_of("name: t\nuntil: 1h\nexpect:\n").starts_with("t.yaml:3:1: expected a map for expect"));
    CHECK(error_of("name: t\nuntil: 1h\nexpect: {sessions: }\n").starts_with("t.yaml:3:10: expected a list for "
                                                                            "expect.sessions"));
    CHECK(error_of("name: t\nuntil: 1h\nexpect: {balances: ~}\n").starts_with("t.yaml:3:10: expected a map for "
                                                                             "expect.balances"));
    CHECK(error_of("name: t\nuntil: 1h\nexpect: {refused: }\n").starts_with("t.yaml:3:10: expected a map for "
                                                                           "expect.refused"));
    CHECK(loaded("name: t\nuntil: 1h\ntariff: {}\nexpect: {refused: {}}\n").tariff.no_show_fee.minor == 0);
  }

  TEST_CASE("a start must freeze more than 0.00, which is what the server accepts") {
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1, amount: 0.00}\n")) ==
          "t.yaml:10:56: steps[0].amount: must be more than 0.00 (a start freezes what the session may spend)");
    CHECK(error_of(with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1, amount: 5.00}\n"),
                   {{"steps[0].amount", "0"}}) ==
          "t.yaml: override 'steps[0].amount=0': steps[0].amount: must be more than 0.00 (a start freezes what the "
          "session may spend)");
    CHECK(loaded(with_base("steps:\n  - {at: 1m, user: alice, do: start, pile: P1, amount: 0.01}\n"))
              .steps[0].amount.minor == 1);
  }

  TEST_CASE("syntax errors name their cause: nesting, an unclosed '{' where it opens, an open quote") {
    CHECK(error_of(with_base("description: " + std::string(70, '[') + std::string(70, ']') + "\n")) ==
          "t.yaml:9:77: nested deeper than 64 levels: this list opens level 65 (the nesting starts with the '[' at "
          "9:14)");
    CHECK(error_of("name: t\nuntil: 1h\npiles: {id: P1\nusers: []\n") ==
          "t.yaml:3:8: YAML syntax error: this '{' is never closed (no '}' ends the map it opens)");
    CHECK(error_of("name: \"t\nuntil: 1h\n") ==
          "t.yaml:1:7: YAML syntax error: this \" opens a string that is never closed");
  }

  TEST_CASE("a file is refused while it is read, once it passes the size limit") {
    auto path = temp_path("large");
    {
      std::ofstream out(path, std::ios::binary);
      out << "name: t\nuntil: 1h\n";
      const std::string comment = "# " + std::string(1021, 'x') + "\n";  // 1 KiB a line
      for (std::size_t written = 0; written <= file_size_max; written += comment.size()) out << comment;
    }
    auto r = load_scenario_file(path.string());
    std::filesystem::remove(path);
    REQUIRE_FALSE(r.has_value());
    CHECK(to_string(r.error()[0]) == path.string() + ": larger than 12 MiB, the limit for a scenario file (a fleet is "
                                                     "generated, not listed)");
    auto endless = load_scenario_file("/dev/zero");  // no size to ask for: only counting while reading stops it
    REQUIRE_FALSE(endless.has_value());
    CHECK(to_string(endless.error()[0]).starts_with("/dev/zero: larger than 12 MiB"));
  }

  TEST_CASE("format: 1 or 1.1 may be stated; other versions are refused at the value") {
    CHECK(loaded("name: t\nuntil: 1h\nformat: 1.1\n").name == "t");
    CHECK(loaded("format: 1\nname: t\nuntil: 1h\n").name == "t");
    CHECK(error_of("name: t\nuntil: 1h\nformat: 2\n") ==
          "t.yaml:3:9: format: '2' is not a format this version of pilesim reads (it reads: 1, 1.1)");
    CHECK(error_of("name: t\nuntil: 1h\nformat: [1]\n") ==
          "t.yaml:3:9: format: expected a format version, found a list");
  }

  TEST_CASE("a pile's clock and a power fault's clock_reset are read, out-of-range values refused at line:col") {
    const std::string head = "name: t\nuntil: 6h\npiles:\n";
    auto slow = loaded(head + "  - {id: P1, power_kw: 7, clock: {offset: -1d, drift_ppm: -1000}}\n");
    CHECK(slow.piles[0].clock_offset_us == -24 * sim::hour);
    CHECK(slow.piles[0].clock_drift_ppm == -1000);
    auto fast = loaded(head + "  - {id: P1, power_kw: 7, clock: {offset: +6h, drift_ppm: 300}}\n");
    CHECK(fast.piles[0].clock_offset_us == 6 * sim::hour);
    CHECK(fast.piles[0].clock_drift_ppm == 300);
    auto plain = loaded(head + "  - {id: P1, power_kw: 7}\n");
    CHECK(plain.piles[0].clock_offset_us == 0);
    CHECK(plain.piles[0].clock_drift_ppm == 0);
    CHECK(error_of(head + "  - {id: P1, power_kw: 7, clock: {offset: 25h}}\n") ==
          "t.yaml:4:43: piles[0].clock.offset: must be within -1d..1d");
    CHECK(error_of(head + "  - {id: P1, power_kw: 7, clock: {offset: -2h, drift_ppm: 1001}}\n") ==
          "t.yaml:4:59: piles[0].clock.drift_ppm: must be within -1000..1000 (parts per million)");
    CHECK(error_of(head + "  - {id: P1, power_kw: 7, clock: {offset: 2}}\n")
              .starts_with("t.yaml:4:43: piles[0].clock.offset: "));
    CHECK(error_of(head + "  - {id: P1, power_kw: 7, clock: {drift: 5}}\n").starts_with("t.yaml:4:35: "));

    auto reset =
        loaded(with_base("faults:\n  - {at: 1m, for: 1m, pile: {id: P1, power: off, clock_reset: true}}\n"));
    const auto* power = std::get_if<pile_power_fault>(&reset.faults[0].kind);
    REQUIRE(power != nullptr);
    CHECK(power->clock_reset);
    auto kept = loaded(with_base("faults:\n  - {at: 1m, for: 1m, pile: {id: P1, power: off}}\n"));
    CHECK_FALSE(std::get<pile_power_fault>(kept.faults[0].kind).clock_reset);
    CHECK(error_of(with_base("faults:\n  - {at: 1m, for: 1m, pile: {id: P1, power: off, clock_reset: maybe}}\n"))
              .starts_with("t.yaml:10:63: faults[0].pile.clock_reset: "));
  }

  TEST_CASE("attack faults are read: a bad kind, a pile where only redirect_start takes one, a redirect with none") {
    CHECK(error_of(with_base("faults:\n  - {at: 1m, attack: {user: alice, kind: bogus}}\n"))
              .find("faults[0].attack.kind: unknown attack kind 'bogus'") != std::string::npos);
    CHECK(error_of(with_base("faults:\n  - {at: 1m, attack: {user: alice, kind: alter_bill, pile: P1}}\n"))
              .find("only redirect_start takes a pile") != std::string::npos);
    CHECK(error_of(with_base("faults:\n  - {at: 1m, attack: {user: alice, kind: redirect_start}}\n"))
              .find("redirect_start needs `pile`") != std::string::npos);
  }

  TEST_CASE("expectations over a whole run: totals, shares and delays, exact or a range open at either end") {
    scenario sc = loaded(with_base("expect:\n"
                                   "  totals:\n"
                                   "    sessions: 1000..1100\n"
                                   "    reconciled: 990..\n"
                                   "    expired: ..5\n"
                                   "    refused: 0\n"
                                   "    gave_up: {max: 10}\n"
                                   "    energy_kwh: 9000..12000.5\n"
                                   "    charged: 15000.00..22000.00\n"
                                   "  shares: {reconciled: 0.99..1}\n"
                                   "  delays: {reconcile_p50: ..2m, reconcile_p95: ..2h, reconcile_p99: 1s..1d,\n"
                                   "           reconcile_max: ..1d}\n"));
    const totals_expectation& t = sc.expect.totals;
    CHECK(t.sessions->value == bounds<std::int64_t>{1000, 1100});
    CHECK(t.sessions->pos == source_pos{11, 15});
    CHECK(t.reconciled->value.min == 990);
    CHECK_FALSE(t.reconciled->value.max);
    CHECK_FALSE(t.expired->value.min);
    CHECK(t.expired->value.max == 5);
    CHECK(t.refused->value == bounds<std::int64_t>{0, 0});
    CHECK(t.gave_up->value.max == 10);
    CHECK(t.energy_wh->value == bounds<std::int64_t>{9'000'000, 12'000'500});
    CHECK(t.charged->value == bounds<money>{money{1'500'000}, money{2'200'000}});
    CHECK(sc.expect.shares.reconciled_ppm->value == bounds<std::int64_t>{990'000, 1'000'000});
    const delays_expectation& d = sc.expect.delays;
    CHECK_FALSE(d.reconcile_p50->value.min);
    CHECK(d.reconcile_p50->value.max == 2 * min);
    CHECK(d.reconcile_p95->value.max == 2 * h);
    CHECK(d.reconcile_p99->value == bounds<sim::time_us>{1 * s, 24 * h});
    CHECK(d.reconcile_max->value.max == 24 * h);
    CHECK(d.reconcile_max->pos == source_pos{20, 27});
    // the open ends work for every expectation that takes a range
    scenario b = loaded(with_base("expect: {balances: {alice: ..100.00}, refused: {bill: 1..}}\n"));
    CHECK(b.expect.balances[0].balance.max == money{10000});
    CHECK_FALSE(b.expect.balances[0].balance.min);
    CHECK(b.expect.refused[0].count.min == 1);
  }

  TEST_CASE("expectations over a whole run: bad values and unknown keys are errors at their line and column") {
    CHECK(error_of(with_base("expect: {totals: {sessions: many}}\n")) ==
          "t.yaml:9:29: expect.totals.sessions: bad count 'many': expected a whole number from 0 to 1000000000");
    CHECK(error_of(with_base("expect: {totals: {sessions: ..}}\n")) ==
          "t.yaml:9:29: expect.totals.sessions: '..' gives neither end of the range");
    CHECK(error_of(with_base("expect: {totals: {reconciled: 5..2}}\n")) ==
          "t.yaml:9:31: expect.totals.reconciled: range '5..2' goes down (write the smaller end first)");
    CHECK(error_of(with_base("expect: {totals: {energy_kwh: ..1.2345}}\n"))
              .starts_with("t.yaml:9:31: expect.totals.energy_kwh: "));
    CHECK(error_of(with_base("expect: {totals: {charged: 1.001..}}\n"))
              .starts_with("t.yaml:9:28: expect.totals.charged: "));
    CHECK(error_of(with_base("expect: {totals: {sesions: 1}}\n")) ==
          "t.yaml:9:19: unknown key 'sesions' in expect.totals (expected one of: sessions, reconciled, expired, "
          "refused, gave_up, energy_kwh, charged)");
    CHECK(error_of(with_base("expect: {shares: {reconciled: 1.5}}\n"))
              .starts_with("t.yaml:9:31: expect.shares.reconciled: "));
    CHECK(error_of(with_base("expect: {shares: {expired: 0.1}}\n")) ==
          "t.yaml:9:19: unknown key 'expired' in expect.shares (expected one of: reconciled)");
    CHECK(error_of(with_base("expect: {delays: {reconcile_p50: ..2}}\n"))
              .starts_with("t.yaml:9:34: expect.delays.reconcile_p50: "));
    CHECK(error_of(with_base("expect: {delays: {reconcile_p90: ..2m}}\n")) ==
          "t.yaml:9:19: unknown key 'reconcile_p90' in expect.delays (expected one of: reconcile_p50, reconcile_p95, "
          "reconcile_p99, reconcile_max)");
    CHECK(error_of(with_base("expect: {delays: [1m]}\n")).starts_with("t.yaml:9:18: expected a map for expect.delays"));
  }

  TEST_CASE("anchors and aliases are read as copies, each checked where its anchor was written") {
    scenario sc = loaded("name: t\nuntil: 1h\n"
                         "piles:\n  - &p {id: P1, power_kw: 7}\n  - {id: P2, power_kw: 11}\n"
                         "tariff: &t {energy_per_kwh: 2.00}\n");
    CHECK(sc.piles.size() == 2);
    CHECK(sc.tariff.energy_per_kwh.e4 == 20000);
    CHECK(error_of("name: t\nuntil: 1h\npiles:\n  - &p {id: P1, power_kw: 7}\n  - *p\n") ==
          "t.yaml:4:13: piles[1].id: duplicate pile id 'P1' (first at 4:13)");
  }

  TEST_CASE("a listed fleet: ids are looked up by hash, and an unknown one lists a few of the known") {
    std::string text = "name: t\nuntil: 1h\nusers:\n";
    for (int i = 0; i < 2000; ++i) text += "  - {id: U" + std::to_string(i) + "}\n";
    text += "expect: {balances: {U1999: 0.00, U7: 0.00}}\nsteps:\n  - {at: 1m, user: X, do: stop}\n";
    CHECK(error_of(text) ==
          "t.yaml:2006:20: steps[0].user: unknown user 'X' (users: U0, U1, U2, U3, U4, U5, U6, U7, U8, U9 and 1990 "
          "more)");
  }
}
