// Runs the real pilesim binary the way users and CI do, and checks what they rely on: exit codes, the JSON
// report's fields, FILE:LINE:COL errors, and that the same file and seed give the same trace hash.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace {

struct ran {
  int code = -1;
  std::string out;
};

// Runs `args` through the shell with stderr folded into stdout.
ran pilesim(const std::string& args) {
  const std::string cmd = std::string(PILESIM_EXE) + " " + args + " 2>&1";
  ran r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string scenario(const std::string& name) { return std::string(PILESIM_SCENARIOS) + "/" + name; }

std::string temp_file(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("pilesim_cli_" + name);
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_SUITE("tools/cli") {
  TEST_CASE("the happy path passes with exit 0 and prints seed, hash and the repro command") {
    ran r = pilesim("run " + scenario("happy_path.yaml"));
    CHECK(r.code == 0);
    CHECK(r.out.find("seed: 1") != std::string::npos);
    CHECK(r.out.find("trace hash: ") != std::string::npos);
    CHECK(r.out.find("reproduce: pilesim run ") != std::string::npos);
    CHECK(r.out.find("result: pass") != std::string::npos);
  }

  TEST_CASE("--json prints the report with the fields of SCENARIOS.md") {
    ran r = pilesim("run " + scenario("happy_path.yaml") + " --json");
    REQUIRE(r.code == 0);
    boost::json::value v = boost::json::parse(r.out);
    const auto& o = v.as_object();
    for (const char* key : {"scenario", "seed", "result", "trace_hash", "events", "sim_seconds", "wall_seconds",
                            "sessions", "reservations", "balances", "invariants", "expectations", "faults"})
      CHECK_MESSAGE(o.contains(key), key);
    CHECK(o.at("result").as_string() == "pass");
    const auto& s = o.at("sessions").as_array().at(0).as_object();
    for (const char* key : {"user", "pile", "state", "stop_reason", "energy_wh", "frozen", "charged", "refunded",
                            "reconciled_at_s"})
      CHECK_MESSAGE(s.contains(key), key);
    CHECK(s.at("frozen").as_string() == "50.00");  // money is an exact decimal string
    CHECK(s.at("state").as_string() == "reconciled");
  }

  TEST_CASE("same file and seed twice give the same trace hash; another seed gives another") {
    auto hash = [](const ran& r) {
      return std::string(boost::json::parse(r.out).as_object().at("trace_hash").as_string());
    };
    const std::string f = scenario("happy_path.yaml");
    const std::string a = hash(pilesim("run " + f + " --json --seed 7"));
    const std::string b = hash(pilesim("run " + f + " --json --seed 7"));
    const std::string c = hash(pilesim("run " + f + " --json --seed 8"));
    CHECK(a == b);
    CHECK(a != c);
  }

  TEST_CASE("a failing expectation exits 1 and names the seed and the repro command") {
    const std::string f = temp_file("fail.yaml", R"(name: wrong balance
until: 2h
piles: [{id: P1, power_kw: 7.0}]
users: [{id: u, balance: 10.00, vehicle: {id: V, battery_kwh: 40, soc: 0.5}}]
steps: [{at: 1m, user: u, do: start, pile: P1, amount: 5.00}]
expect:
  balances: {u: 10.00}
)");
    ran r = pilesim("run " + f + " --seed 3");
    CHECK(r.code == 1);
    CHECK(r.out.find("seed 3") != std::string::npos);
    CHECK(r.out.find("pilesim run " + f + " --seed 3") != std::string::npos);
  }

  TEST_CASE("a bad scenario file exits 2 with FILE:LINE:COL") {
    const std::string f = temp_file("bad.yaml", "name: x\nuntil: 10\npiles: []\n");
    ran r = pilesim("run " + f);
    CHECK(r.code == 2);
    CHECK(r.out.find(f + ":2:8: ") != std::string::npos);
    ran c = pilesim("check " + f);
    CHECK(c.code == 2);
  }

  TEST_CASE("a missing file and an unknown flag exit 2") {
    CHECK(pilesim("run /nonexistent/x.yaml").code == 2);
    CHECK(pilesim("run " + scenario("happy_path.yaml") + " --no-such-flag").code == 2);
  }

  TEST_CASE("the trace file holds one JSON object per line") {
    const auto path = std::filesystem::temp_directory_path() / "pilesim_cli_trace.jsonl";
    ran r = pilesim("run " + scenario("happy_path.yaml") + " --quiet --trace " + path.string());
    REQUIRE(r.code == 0);
    std::ifstream in(path);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
      boost::json::value v = boost::json::parse(line);
      CHECK(v.as_object().contains("t_us"));
      ++lines;
    }
    CHECK(lines > 10);
  }
}
