// The pilesim commands a study leans on, run as users and CI run them: the exit codes of sweep and merge (missed
// expectations are data, a broken invariant is a failure), and their --strict.
#include "tests/tools/cli_runner.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace cli_test;

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// A session, and a server outage that meets traffic at 9m59s but none at 1h40m: the faults_applied invariant
// breaks at the second point, whatever the seed.
const char* const outage_scenario = R"(name: Server down, maybe when nothing happens
until: 2h
piles: [{id: P1, power_kw: 7.0}]
users: [{id: jack, balance: 50.00, vehicle: {id: V10, battery_kwh: 60, soc: 0.10}}]
steps:
  - {at: 10m, user: jack, do: start, pile: P1, amount: 5.00}
  - {at: 1h30m, user: jack, do: unplug}
faults:
  - {at: 9m59s, for: 20s, server: down}
expect:
  balances: {jack: 45.00}
)";

}  // namespace

TEST_SUITE("cli study") {
  TEST_CASE("sweep: missed expectations are data (exit 0), counted in the table; --strict makes them fail") {
    const std::string f = scenario("happy_path.yaml");
    const std::string grid = " --seeds 20 --set links.ble.loss=0,0.95 --quiet --jobs 2";
    ran plain = pilesim_stdout("sweep " + f + grid);
    CHECK(plain.code == 0);
    REQUIRE(has(plain.out, "only missed expectations"));  // the study at loss 0.95 does miss some
    CHECK(has(plain.out, "\n0 run(s) broke an invariant, "));
    CHECK(has(plain.out, "   inv   exp"));
    ran strict = pilesim_stdout("sweep " + f + grid + " --strict");
    CHECK(strict.code == 1);
    CHECK(strict.out == plain.out);  // the same table: only the verdict changes
  }

  TEST_CASE("sweep and merge: a broken invariant fails the study (exit 1) with or without --strict") {
    const std::string f = temp_file("outage.yaml", outage_scenario);
    const std::string grid = " --seeds 3 --set 'faults[0].at=9m59s,1h40m' --quiet";
    ran held = pilesim_stdout("sweep " + f + " --seeds 3 --quiet");
    CHECK(held.code == 0);
    CHECK(!has(held.out, "failing runs"));
    const std::string csv = temp_path("outage.csv");
    ran broke = pilesim_stdout("sweep " + f + grid + " --out " + csv);
    CHECK(broke.code == 1);
    CHECK(has(broke.out, "\n3 run(s) broke an invariant, 0 only missed expectations"));
    CHECK(has(broke.out, "# faults_applied"));
    CHECK(pilesim_stdout("merge " + temp_path("outage_merged.csv") + " " + csv).code == 1);
    CHECK(pilesim_stdout("merge " + temp_path("outage_merged.csv") + " " + csv + " --strict").code == 1);
  }

  TEST_CASE("merge: missed expectations exit 0 unless --strict, as the sweep") {
    const std::string csv = temp_path("lossy.csv");
    ran s = pilesim_stdout("sweep " + scenario("happy_path.yaml") + " --seeds 20 --set links.ble.loss=0.95 --quiet "
                           "--jobs 2 --out " + csv);
    REQUIRE(s.code == 0);
    REQUIRE(has(s.out, "only missed expectations"));
    CHECK(pilesim_stdout("merge " + temp_path("lossy_merged.csv") + " " + csv).code == 0);
    CHECK(pilesim_stdout("merge " + temp_path("lossy_merged.csv") + " " + csv + " --strict").code == 1);
  }
}
