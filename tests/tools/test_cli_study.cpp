// The pilesim commands a study leans on, run as users and CI run them: the exit codes of sweep and merge (missed
// expectations are data, a broken invariant is a failure), and their --strict; where two runs part (diff,
// run --check-determinism).
#include "tests/tools/cli_runner.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
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
    CHECK(has(broke.out, "  # pilesim " PILESIM_VERSION_TEXT ", scenario "));
    CHECK(has(broke.out, "; faults_applied\n"));
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

  TEST_CASE("swarm: one row per seed with the faults it drew; a failure replays with run and shrinks") {
    const std::string f = scenario("happy_path.yaml");  // tight expectations: most drawn faults make some miss
    const std::string dir = temp_path("swarm_failures");
    std::filesystem::remove_all(dir);
    const std::string json = temp_path("swarm.json");
    ran s = pilesim_stdout("swarm " + f + " --seeds 24 --jobs 2 --quiet --out " + json + " --emit-failures " + dir);
    REQUIRE((s.code == 0 || s.code == 1));
    CHECK(has(s.out, "fault kind"));
    CHECK(has(s.out, "drawn faults that applied: "));
    const auto rows = boost::json::parse(read_all(json)).as_array();
    REQUIRE(rows.size() == 24);
    bool invariant_broke = false;
    std::string emitted, seed, hash;
    for (const auto& v : rows) {
      const auto& r = v.as_object();
      const std::string kinds(r.at("fault_kinds").as_string()), faults(r.at("faults").as_string());
      CAPTURE(faults);
      CHECK(!kinds.empty());
      CHECK(std::stoi(std::string(r.at("faults_drawn").as_string())) >= 1);
      CHECK(has(faults, "{at: "));
      const std::string failure(r.at("failure").as_string());
      CHECK((failure == "" || failure == "invariant" || failure == "expectation"));
      CHECK((failure == "") == (r.at("ok").as_string() == "1"));
      CHECK((failure == "invariant") == (r.at("invariant_failures").as_string() != "0"));
      invariant_broke = invariant_broke || failure == "invariant";
      if (failure != "") CHECK(has(std::string(r.at("repro").as_string()), "--seed " + std::string(r.at("seed").as_string())));
      if (failure == "expectation" && emitted.empty()) {
        emitted = r.at("emitted").as_string();
        seed = r.at("seed").as_string();
        hash = r.at("trace_hash").as_string();
      }
    }
    CHECK(s.code == (invariant_broke ? 1 : 0));
    REQUIRE(!emitted.empty());

    // The same seeds draw the same faults and give the same runs, on any number of threads.
    const std::string again = temp_path("swarm_again.json");
    REQUIRE(pilesim_stdout("swarm " + f + " --seeds 24 --jobs 1 --quiet --out " + again).code == s.code);
    const auto rows2 = boost::json::parse(read_all(again)).as_array();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CHECK(rows[i].at("faults") == rows2[i].at("faults"));
      CHECK(rows[i].at("trace_hash") == rows2[i].at("trace_hash"));
    }

    // The emitted file is a standalone scenario: run replays the same run, and it fails; shrink makes it smaller.
    ran replay = pilesim_stdout("run " + emitted + " --json");
    CHECK(replay.code == 1);
    const auto doc = boost::json::parse(replay.out).as_object();
    CHECK(doc.at("runs").as_array()[0].at("trace_hash").as_string() == hash);
    const std::string min = temp_path("swarm.min.yaml");
    ran shrunk = pilesim("shrink " + emitted + " --seed " + seed + " --out " + min);
    CHECK(shrunk.code == 0);
    CHECK(has(shrunk.out, "wrote " + min));
    CHECK(pilesim_stdout("run " + min).code == 1);
  }

  TEST_CASE("diff: seeds 1 and 2 differ at a named event and actor (exit 1); a run and itself are identical") {
    const std::string f = scenario("happy_path.yaml");
    ran d = pilesim_stdout("diff " + f + " --seed 1 -- " + f + " --seed 2");
    CHECK(d.code == 1);
    CHECK(has(d.out, "first difference at event 3 (t = 0.125351 s): actor server diverged"));
    CHECK(has(d.out, "A   #3 {\"t_us\":125351,\"actor\":\"server\""));
    CHECK(has(d.out, "    #2 {\"t_us\":0,\"actor\":\"agent/alice\""));  // the events before it
    ran same = pilesim_stdout("diff " + f + " --seed 1 -- --seed 1");
    CHECK(same.code == 0);
    CHECK(has(same.out, "identical: 53 events"));
  }

  TEST_CASE("diff: two --trace files, found through their checkpoints; the trace hash ignores checkpoints") {
    const std::string f = scenario("happy_path.yaml");
    const std::string a = temp_path("diff_a.jsonl"), b = temp_path("diff_b.jsonl"), c = temp_path("diff_c.jsonl");
    auto hash = [&](const std::string& args) {
      ran r = pilesim_stdout("run " + f + " --json " + args);
      return std::string(boost::json::parse(r.out).at_pointer("/runs/0/trace_hash").as_string());
    };
    const std::string plain = hash("--seed 3");
    CHECK(hash("--seed 3 --trace " + a + " --checkpoint-every 5") == plain);
    CHECK(hash("--seed 3 --trace " + c + " --checkpoint-every 0") == plain);
    CHECK(has(read_all(a), "{\"checkpoint\":1,"));
    CHECK(!has(read_all(c), "checkpoint"));
    hash("--seed 3 --set links.ble.loss=0.3 --trace " + b + " --checkpoint-every 5");
    ran d = pilesim_stdout("diff " + a + " " + b);
    CHECK(d.code == 1);
    CHECK(has(d.out, "first difference at event 12 "));
    CHECK(has(d.out, "checkpoints: 2 of 10 agree; 7 events compared one by one"));
    CHECK(has(d.out, "actor pile/P1 in A, ble/P1/alice in B"));
    CHECK(pilesim_stdout("diff " + a + " -- " + c).code == 0);  // with and without checkpoints: the same events
  }

  TEST_CASE("diff: bad input exits 2") {
    const std::string f = scenario("happy_path.yaml");
    CHECK(pilesim("diff " + f).code == 2);
    CHECK(pilesim("diff " + f + " --seed x -- " + f).code == 2);
    CHECK(pilesim("diff /nonexistent.jsonl " + f).code == 2);
    CHECK(pilesim("diff " + temp_path("diff_a.jsonl") + " --seed 1 -- " + f).code == 2);
    const std::string not_trace = temp_file("not_trace.jsonl", "{\"t_us\":0,\"actor\":\"a\",\"kind\":\"k\"}\nhello\n");
    ran r = pilesim("diff " + not_trace + " " + not_trace);
    CHECK(r.code == 2);
    CHECK(has(r.out, "A:2: not a trace line"));
    CHECK(pilesim("diff " + f + " --set links.ble.nonsense=1 -- " + f).code == 2);
  }

  TEST_CASE("run --check-determinism passes on a scenario, writes its trace once, and takes no --db") {
    const std::string f = scenario("happy_path.yaml");
    const std::string t = temp_path("determinism.jsonl");
    ran r = pilesim("run " + f + " --check-determinism --quiet --trace " + t);
    CHECK(r.code == 0);
    CHECK(!has(r.out, "NOT DETERMINISTIC"));
    std::size_t events = 0;
    for (const std::string& text = read_all(t); const char c : text) events += c == '\n' ? 1 : 0;
    CHECK(events == 53 + 0);  // 53 events, fewer than one checkpoint interval: written once, not twice
    CHECK(pilesim("run " + f + " --check-determinism --db " + temp_path("d.sqlite")).code == 2);
  }

  TEST_CASE("merge refuses an incomplete set of shards unless --partial; rows carry study size, version, file hash") {
    const std::string f = temp_file("outage_for_merge.yaml", outage_scenario);
    std::string parts[3];
    for (int k = 1; k <= 3; ++k) {
      parts[k - 1] = temp_path("incomplete_" + std::to_string(k) + ".csv");
      REQUIRE(pilesim_stdout("sweep " + f + " --seeds 5 --quiet --shard " + std::to_string(k) + "/3 --out " +
                             parts[k - 1]).code == 0);
    }
    const std::string out = temp_path("incomplete_merged.csv");
    ran refused = pilesim("merge " + out + " " + parts[0] + " " + parts[2]);
    CHECK(refused.code == 2);
    CHECK(has(refused.out, "merge: 3 of 5 runs; missing 2 (runs 1, 4); is a shard missing? --partial"));
    ran partial = pilesim("merge --partial " + out + " " + parts[0] + " " + parts[2]);
    CHECK(partial.code == 0);
    CHECK(has(partial.out, "merge: partial: 3 of 5 runs"));
    CHECK(pilesim("merge " + out + " " + parts[0] + " " + parts[1] + " " + parts[2]).code == 0);
    const std::string csv = read_all(out);
    CHECK(has(csv, ",repro,study_runs,version,scenario_hash\n"));
    ran version = pilesim_stdout("--version");
    const std::string v = version.out.substr(8, version.out.find('\n') - 8);  // "pilesim X.Y.Z"
    CHECK(has(csv, ",5," + v + ","));
    // Another study (other seeds) of another file text: its rows say another size and another hash.
    const std::string g = temp_file("outage_other.yaml", std::string(outage_scenario) + "# edited\n");
    const std::string other = temp_path("incomplete_other.csv");
    pilesim_stdout("sweep " + g + " --seeds 7 --seed-start 10 --quiet --out " + other);
    CHECK(csv.substr(csv.rfind(',') + 1) != read_all(other).substr(read_all(other).rfind(',') + 1));
    ran mixed = pilesim("merge --partial " + out + " " + parts[0] + " " + other);
    CHECK(mixed.code == 2);
    CHECK(has(mixed.out, "the inputs are not shards of one study"));
  }
}
