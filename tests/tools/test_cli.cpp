// Runs the real pilesim binary the way users and CI do, and checks what they rely on: exit codes, the JSON
// report's fields, FILE:LINE:COL errors, and that the same file and seed give the same trace hash.
#include "tests/tools/cli_runner.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>

using namespace cli_test;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The CSV text without its wall_s column, which alone may differ between two runs of one study.
std::string without_wall(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  std::size_t wall = std::string::npos;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) f.push_back(c);
    if (wall == std::string::npos) {
      for (std::size_t i = 0; i < f.size(); ++i)
        if (f[i] == "wall_s") wall = i;
      REQUIRE(wall != std::string::npos);
    }
    if (wall < f.size()) f.erase(f.begin() + static_cast<long>(wall));
    for (const auto& c : f) out += c + ",";
    out += "\n";
  }
  return out;
}

const char* const failing_scenario = R"(name: wrong <balance> & "more"
until: 2h
piles: [{id: P1, power_kw: 7.0}]
users: [{id: u, balance: 10.00, vehicle: {id: V, battery_kwh: 40, soc: 0.5}}]
steps: [{at: 1m, user: u, do: start, pile: P1, amount: 5.00}]
expect:
  balances: {u: 10.00}
)";

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
    ran r = pilesim_stdout("run " + scenario("happy_path.yaml") + " --json");
    REQUIRE(r.code == 0);
    boost::json::value v = boost::json::parse(r.out);
    REQUIRE(v.as_object().at("runs").as_array().size() == 1);
    CHECK(v.as_object().at("errors").as_array().empty());
    const auto& o = v.as_object().at("runs").as_array().at(0).as_object();
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
      return std::string(boost::json::parse(r.out).at_pointer("/runs/0/trace_hash").as_string());
    };
    const std::string f = scenario("happy_path.yaml");
    const std::string a = hash(pilesim_stdout("run " + f + " --json --seed 7"));
    const std::string b = hash(pilesim_stdout("run " + f + " --json --seed 7"));
    const std::string c = hash(pilesim_stdout("run " + f + " --json --seed 8"));
    CHECK(a == b);
    CHECK(a != c);
  }

  TEST_CASE("a failing expectation exits 1 and names the seed and the repro command") {
    const std::string f = temp_file("fail.yaml", failing_scenario);
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

  TEST_CASE("--junit writes one testcase per file, a failure with the repro command, all XML-escaped") {
    const auto dir = std::filesystem::temp_directory_path() / "pilesim_cli_junit";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(scenario("happy_path.yaml"), dir / "a_pass.yaml");
    std::ofstream(dir / "b_fail.yaml") << failing_scenario;
    const std::string xml_path = temp_path("junit.xml");
    ran r = pilesim("run " + dir.string() + " --quiet --seed 5 --junit " + xml_path);
    CHECK(r.code == 1);
    const std::string xml = read_all(xml_path);
    CHECK(count(xml, "<testcase ") == 2);
    CHECK(count(xml, "<failure ") == 1);
    CHECK(xml.find("classname=\"pilesim.scenarios\" name=\"a_pass\"") != std::string::npos);
    CHECK(xml.find("name=\"b_fail\"") != std::string::npos);
    CHECK(xml.find("reproduce with: pilesim run " + (dir / "b_fail.yaml").string() + " --seed 5") !=
          std::string::npos);
    CHECK(xml.find("expectation balances.u") != std::string::npos);
    boost::property_tree::ptree tree;
    std::istringstream in(xml);
    CHECK_NOTHROW(boost::property_tree::read_xml(in, tree));  // well-formed
    CHECK(tree.get<int>("testsuites.<xmlattr>.tests") == 2);
    CHECK(tree.get<int>("testsuites.<xmlattr>.failures") == 1);
  }

  TEST_CASE("--junit: suite counts and version, each case's seed, hashes and repro, the failed expectation's line") {
    const std::string f = temp_file("junit_fail.yaml", failing_scenario);
    const std::string xml_path = temp_path("junit_props.xml");
    ran r = pilesim("run " + f + " --seed 5 --quiet --junit " + xml_path);
    CHECK(r.code == 1);
    ran j = pilesim_stdout("run " + f + " --seed 5 --json");
    const auto doc = boost::json::parse(j.out);
    const std::string trace_hash(doc.at("runs").at(0).at("trace_hash").as_string());
    boost::property_tree::ptree tree;
    std::istringstream in(read_all(xml_path));
    boost::property_tree::read_xml(in, tree);
    const auto& suite = tree.get_child("testsuites.testsuite");
    CHECK(suite.get<int>("<xmlattr>.tests") == 1);
    CHECK(suite.get<int>("<xmlattr>.failures") == 1);
    CHECK(suite.get<double>("<xmlattr>.time") >= 0);
    CHECK(suite.get<std::string>("properties.property.<xmlattr>.name") == "version");
    CHECK(suite.get<std::string>("properties.property.<xmlattr>.value") == PILESIM_VERSION_TEXT);
    const auto& c = suite.get_child("testcase");
    CHECK(c.get<std::string>("<xmlattr>.file") == f);
    CHECK(c.get<int>("<xmlattr>.line") == 7);  // `balances: {u: 10.00}` in failing_scenario
    std::map<std::string, std::string> props;
    for (const auto& [tag, p] : c.get_child("properties"))
      props[p.get<std::string>("<xmlattr>.name")] = p.get<std::string>("<xmlattr>.value");
    CHECK(props["seed"] == "5");
    CHECK(props["trace_hash"] == trace_hash);
    CHECK(props["version"] == PILESIM_VERSION_TEXT);
    CHECK(props["scenario_hash"].size() == 16);
    CHECK(c.get<std::string>("system-out") == "pilesim run " + f + " --seed 5  # pilesim " PILESIM_VERSION_TEXT
                                              ", scenario " + props["scenario_hash"] + "\n");
    CHECK(r.out.find("reproduce with: pilesim run " + f + " --seed 5  # pilesim " PILESIM_VERSION_TEXT
                     ", scenario " + props["scenario_hash"]) != std::string::npos);
    // A sweep's rows name the same version and scenario hash.
    const std::string csv_path = temp_path("junit_fail.csv");
    CHECK(pilesim("sweep " + f + " --seeds 1 --quiet --out " + csv_path).code == 0);
    const std::string csv = read_all(csv_path);
    CHECK(csv.find("," PILESIM_VERSION_TEXT "," + props["scenario_hash"] + "\n") != std::string::npos);
  }

  TEST_CASE("run --perfetto writes a Chrome trace event document, the run and its hash unchanged") {
    const std::string out = temp_path("hp_perfetto.json");
    ran plain = pilesim_stdout("run " + scenario("happy_path.yaml") + " --json");
    ran r = pilesim_stdout("run " + scenario("happy_path.yaml") + " --json --perfetto " + out);
    CHECK(r.code == 0);
    const auto a = boost::json::parse(plain.out), b = boost::json::parse(r.out);
    CHECK(a.at("trace_hash") == b.at("trace_hash"));
    const auto doc = boost::json::parse(read_all(out));
    CHECK(doc.at("traceEvents").as_array().size() > 50);
    CHECK(doc.at("otherData").at("trace_hash") == b.at("trace_hash"));
    ran bad = pilesim("run " + scenario("happy_path.yaml") + " --perfetto " + temp_path("t.txt"));
    CHECK(bad.code == 2);
    ran many = pilesim("run " + scenario("happy_path.yaml") + " " + scenario("cancel.yaml") + " --perfetto " + out);
    CHECK(many.code == 2);  // several files need a {stem} pattern
  }

  TEST_CASE("run --set overrides a value and the repro command carries it") {
    ran ok = pilesim("run " + scenario("happy_path.yaml") + " --json --set links.wan.loss=0");
    CHECK(ok.code == 0);
    ran bad = pilesim("run " + scenario("happy_path.yaml") + " --quiet --set links.ble.loss=1");
    CHECK(bad.code == 1);
    CHECK(bad.out.find("--set links.ble.loss=1") != std::string::npos);
    CHECK(pilesim("run " + scenario("happy_path.yaml") + " --set links.ble.nonsense=1").code == 2);
  }

  TEST_CASE("sweep writes a header and one row per run, the same for --jobs 1 and 2 and when sharded") {
    const std::string f = scenario("happy_path.yaml");
    const std::string grid = " --seeds 4 --set links.ble.loss=0,0.3 --set links.wan.loss=0,0.2 --quiet";
    const std::string one = temp_path("sweep_j1.csv"), two = temp_path("sweep_j2.csv");
    ran a = pilesim("sweep " + f + grid + " --jobs 1 --out " + one);
    ran b = pilesim("sweep " + f + grid + " --jobs 2 --out " + two);
    CHECK(a.code == 0);  // every invariant holds; missed expectations would be data
    CHECK(a.code == b.code);
    CHECK(a.out.find("links.ble.loss=0.3 links.wan.loss=0.2") != std::string::npos);  // aggregate rows
    const std::string csv = read_all(one);
    CHECK(count(csv, "\n") == 1 + 16);
    CHECK(csv.rfind("run,links.ble.loss,links.wan.loss,seed,result,", 0) == 0);
    CHECK(without_wall(csv) == without_wall(read_all(two)));

    std::string shards;
    for (int k = 1; k <= 3; ++k) {
      const std::string part = temp_path("sweep_shard" + std::to_string(k) + ".csv");
      pilesim("sweep " + f + grid + " --jobs 2 --shard " + std::to_string(k) + "/3 --out " + part);
      shards += " " + part;
    }
    const std::string merged = temp_path("sweep_merged.csv");
    ran m = pilesim("merge " + merged + shards);
    CHECK(m.code == a.code);
    CHECK(without_wall(read_all(merged)) == without_wall(csv));
  }

  TEST_CASE("sweep rejects a bad shard, a value outside the schema, and overlapping shards at merge") {
    const std::string f = scenario("happy_path.yaml");
    CHECK(pilesim("sweep " + f + " --seeds 2 --shard 3/2").code == 2);
    CHECK(pilesim("sweep " + f + " --seeds 2 --set links.ble.loss=0,2").code == 2);
    const std::string part = temp_path("sweep_dup.csv");
    pilesim("sweep " + f + " --seeds 2 --quiet --out " + part);
    CHECK(pilesim("merge " + temp_path("sweep_dup_merged.csv") + " " + part + " " + part).code == 2);
  }

  TEST_CASE("diagram draws lifelines, lost and duplicated frames, and faults, as Mermaid and as HTML") {
    const std::string f = scenario("happy_path.yaml");
    // A live BLE connection loses nothing: frames are lost only when a short supervision timeout drops it.
    const std::string lossy = " --set 'links.ble={loss: 0.9, duplicate: 0.3, supervision_timeout: 100ms}' --seed 2";
    ran m = pilesim("diagram " + f + lossy);
    CHECK((m.code == 0 || m.code == 1));
    CHECK(m.out.rfind("sequenceDiagram\n", 0) == 0);
    CHECK(m.out.find("participant P_P1 as pile P1") != std::string::npos);
    CHECK(m.out.find("participant A_alice as agent alice") != std::string::npos);
    CHECK(m.out.find("participant S as server") != std::string::npos);
    CHECK(m.out.find("A_alice->>S: ") != std::string::npos);
    CHECK(m.out.find("-x") != std::string::npos);          // a lost frame
    CHECK(m.out.find("DUPLICATED") != std::string::npos);
    CHECK(m.out.find(';', m.out.find('\n')) == std::string::npos);  // no statement separators in the text

    // The happy path as an engineer reads it: each arrow at its own time, money and energy on the arrows that
    // carry them, the charging as a bar on the pile, the 51 quiet minutes as a break.
    ran hp = pilesim_stdout("diagram " + f);
    CHECK(hp.code == 0);
    const auto line_of = [&](const std::string& what) {
      const auto at = hp.out.find(what);
      REQUIRE(at != std::string::npos);
      const auto start = hp.out.rfind('\n', at) + 1;
      return hp.out.substr(start, hp.out.find('\n', at) - start);
    };
    CHECK(line_of("->>S: ").find("A_alice->>S: 0.00s POST /v1/reservations") != std::string::npos);  // when it left
    CHECK(line_of("S-->>A_alice: ").find("0.26s 201") != std::string::npos);                        // when it came
    CHECK(line_of("session 1: frozen 50.00, valid until ").rfind("  S-->>A_alice: ", 0) == 0);
    CHECK(line_of("bill_reply").find("(bill 1: 6.99 kWh, cost 12.60)") != std::string::npos);
    CHECK(line_of("/v1/sessions/1/bill").find(": 6.99 kWh, cost 12.60") != std::string::npos);
    CHECK(hp.out.find("200 reconciled: captured 12.60, refunded 37.40") != std::string::npos);
    const auto on = hp.out.find("  activate P_P1\n"), off = hp.out.find("  deactivate P_P1\n");
    CHECK(on != std::string::npos);
    CHECK(off != std::string::npos);
    CHECK(on < off);
    CHECK(hp.out.find("51 min 0 s later") != std::string::npos);
    CHECK(hp.out.find("10 min 59 s later") != std::string::npos);

    const std::string html = temp_path("diagram.html");
    ran h = pilesim("diagram " + f + " --out " + html);
    CHECK(h.code == 0);
    const std::string page = read_all(html);
    CHECK(page.find("<svg ") != std::string::npos);
    CHECK(page.find("sequenceDiagram") != std::string::npos);
    const auto svg_at = page.find("<svg "), svg_end = page.find("</svg>");
    REQUIRE(svg_end != std::string::npos);
    boost::property_tree::ptree tree;
    std::istringstream svg(page.substr(svg_at, svg_end + 6 - svg_at));
    CHECK_NOTHROW(boost::property_tree::read_xml(svg, tree));  // the inline SVG is well-formed XML
    CHECK(page.find("<title>charging</title>") != std::string::npos);
    CHECK(page.find("...") == std::string::npos);  // notes and labels wrap; nothing is cut off
    // The title fits: the picture is at least as wide as it.
    const auto w_at = page.find("width=\"", svg_at) + 7;
    const int svg_width = std::stoi(page.substr(w_at));
    const auto t_at = page.find("font-weight=\"bold\">", svg_at) + 20;
    const std::size_t title_chars = page.find("</text>", t_at) - t_at;
    CHECK(svg_width >= static_cast<int>(title_chars) * 8);
  }

  TEST_CASE("shrink removes what the failure does not need and the result still fails the same way") {
    const std::string f = temp_file("shrink.yaml", R"(name: two piles, one wrong expectation
until: 3h
piles: [{id: P1, power_kw: 7.0}, {id: P2, power_kw: 7.0}]
users:
  - {id: alice, balance: 200.00, vehicle: {id: V1, battery_kwh: 60, soc: 0.20}}
  - {id: bob, balance: 100.00, vehicle: {id: V2, battery_kwh: 40, soc: 0.50}}
steps:
  - {at: 11m, user: alice, do: start, pile: P1, amount: 50.00}
  - {at: 5m,  user: bob, do: start, pile: P2, amount: 20.00}
  - {at: 1h11m, user: alice, do: stop}
faults:
  - {at: 1h30m, for: 20m, ble: {pile: P2, loss: 0.5}}  # over the end of bob's session: it applies
expect:
  sessions: [{user: alice, state: reconciled}, {user: bob, state: reconciled}]
  balances: {alice: 150.00}
)");
    const std::string out = temp_path("shrink.min.yaml");
    ran s = pilesim("shrink " + f + " --seed 1 --out " + out);
    REQUIRE(s.code == 0);
    CHECK(s.out.find("user bob") != std::string::npos);
    CHECK(s.out.find("pile P2") != std::string::npos);
    const std::string text = read_all(out);
    CHECK(text.find("bob") == std::string::npos);
    CHECK(text.find("P2") == std::string::npos);
    ran again = pilesim("run " + out + " --quiet");
    CHECK(again.code == 1);
    CHECK(again.out.find("FAILED balances.alice") != std::string::npos);
    CHECK(pilesim("shrink " + scenario("happy_path.yaml") + " --seed 1 --out " + out).code == 2);  // it passes
  }
  TEST_CASE("bench sessions --count-instructions prints a count per session, or why this machine has none") {
    ran r = pilesim_stdout("bench sessions --sessions 20 --piles 2 --count-instructions");
    REQUIRE(r.code == 0);
    CHECK(r.out.find("sessions_reconciled: 20 of 20") != std::string::npos);
    const auto at = r.out.find("instructions_per_session: ");
    REQUIRE(at != std::string::npos);
    const std::string value = r.out.substr(at + 26, r.out.find('\n', at) - at - 26);
    if (value.rfind("unavailable: ", 0) == 0) {
      CHECK(value.size() > 20);  // names the reason
    } else {
      const unsigned long long n = std::stoull(value);
      CHECK(n > 10'000);  // a session is tens of thousands of instructions at the very least
      CHECK(r.out.find("instructions_per_event: ") != std::string::npos);
    }
    CHECK(pilesim_stdout("bench sessions --sessions 20 --piles 2").out.find("instructions") == std::string::npos);
  }
}
