// The command line as a new user meets it, against SCENARIOS.md and the docs: every bad input is exit 2 with a
// message that points at the cause (FILE:LINE:COL where there is a place), in bounded time and memory; paths,
// output files and --json behave the same whatever the number of files.
#include "tests/tools/cli_runner.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace cli_test;

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// A small valid world; cases add lines after its line 8.
const std::string base = R"(name: t
until: 6h
piles:
  - {id: P1, power_kw: 7}
users:
  - id: alice
    balance: 100.00
    vehicle: {id: V1, battery_kwh: 60, soc: 0.2}
)";

// A folder holding copies of two library scenarios, for commands that take folders.
std::string two_file_folder(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("pilesim_cli_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(scenario("happy_path.yaml"), dir / "a.yaml");
  std::filesystem::copy_file(scenario("cancel.yaml"), dir / "b.yaml");
  return dir.string();
}

}  // namespace

TEST_SUITE("tools/cli_conformance") {
  TEST_CASE("an unknown refusal kind is exit 2 at its key, for check and run alike") {
    const std::string f = temp_file("kind.yaml", base + "expect: {refused: {bogus_kind: 1}}\n");
    ran c = pilesim("check " + f);
    CHECK(c.code == 2);
    CHECK(has(c.out, f + ":9:20: expect.refused: unknown kind 'bogus_kind' (kinds: start_authorization"));
    CHECK(pilesim("run " + f).code == 2);
  }

  TEST_CASE("a key with nothing after it is exit 2 where a list or a map belongs") {
    for (const char* text : {"piles:\n", "users: ~\n", "tariff:\n"}) {
      CAPTURE(text);
      const std::string f = temp_file("null.yaml", std::string("name: t\nuntil: 1h\n") + text);
      ran c = pilesim("check " + f);
      CHECK(c.code == 2);
      CHECK(has(c.out, f + ":3:1: expected a "));
    }
  }

  TEST_CASE("a start that freezes 0.00 is refused by check, before the server would refuse it in run") {
    const std::string f =
        temp_file("zero.yaml", base + "steps:\n  - {at: 1m, user: alice, do: start, pile: P1, amount: 0.00}\n");
    ran c = pilesim("check " + f);
    CHECK(c.code == 2);
    CHECK(has(c.out, f + ":10:56: steps[0].amount: must be more than 0.00"));
    CHECK(pilesim("run " + f).code == 2);
  }

  TEST_CASE("the inputs that ate all memory are exit 2 at 1:1 within a second and 100 MB, also as a --set value") {
    for (const char* text : {",", ",t", ",ame: x\nuntil: 2h\n"}) {
      CAPTURE(text);
      const std::string f = temp_file("comma.yaml", text);
      // CPU time and peak memory of the command, not wall time: bounds that hold on a loaded machine too.
      ran_measured c = pilesim_measured("check " + f);
      CHECK(c.cpu_s < 1.0);
      // Under ASan the shadow memory and the quarantine are the sanitizer's own, not the loader's.
      CHECK(c.max_rss_kib < (PILESIM_SANITIZED ? 400 : 100) * 1024);
      CHECK(c.code == 2);
      CHECK(has(c.out, f + ":1:1: YAML syntax error: a document cannot start with ',"));
    }
    ran s = pilesim("run " + scenario("happy_path.yaml") + " --set 'links.ble.loss=,'");
    CHECK(s.code == 2);
    CHECK(has(s.out, "override 'links.ble.loss=,': value, at 1:1: YAML syntax error"));
  }

  TEST_CASE("messages point at the cause: deep nesting says so, an unclosed '{' is reported where it opens") {
    const std::string deep = temp_file("deep.yaml", "name: t\nuntil: 1h\ndescription: " + std::string(100, '[') +
                                                 std::string(100, ']') + "\n");
    ran d = pilesim("check " + deep);
    CHECK(d.code == 2);
    CHECK(has(d.out, deep + ":3:77: nested deeper than 64 levels"));
    CHECK_FALSE(has(d.out, "bad file"));
    const std::string open = temp_file("open.yaml", "name: t\nuntil: 1h\npiles: {id: P1\nusers: []\n");
    ran o = pilesim("check " + open);
    CHECK(o.code == 2);
    CHECK(has(o.out, open + ":3:8: YAML syntax error: this '{' is never closed"));
  }

  TEST_CASE("a file past the size limit is refused while it is read, and an alias bomb before it is copied") {
    const std::string big = temp_path("big.yaml");
    {
      std::ofstream out(big, std::ios::binary);
      out << "name: t\nuntil: 1h\npiles:\n";
      for (int i = 0; out.tellp() < 13 * 1024 * 1024; ++i) out << "  - {id: P" << i << ", power_kw: 7}\n";
    }
    ran_measured b = pilesim_measured("check " + big);
    CHECK(b.cpu_s < 2.0);
    CHECK(b.code == 2);
    CHECK(has(b.out, big + ": larger than 12 MiB"));
    std::filesystem::remove(big);

    std::string bomb = "name: t\nuntil: 1h\nl0: &l0 [a, a, a, a, a, a, a, a, a]\n";
    for (int i = 1; i < 10; ++i) {
      bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
      for (int k = 0; k < 9; ++k) bomb += (k ? ", *l" : "*l") + std::to_string(i - 1);
      bomb += "]\n";
    }
    const std::string laughs = temp_file("laughs.yaml", bomb);
    ran l = pilesim("check " + laughs);
    CHECK(l.code == 2);
    CHECK(has(l.out, "repeat more than 100000 YAML nodes"));
  }

  TEST_CASE("check accepts a folder as run does") {
    const std::string dir = two_file_folder("check_dir");
    ran c = pilesim("check " + dir);
    CHECK(c.code == 0);
    CHECK(has(c.out, dir + "/a.yaml: ok ("));
    CHECK(has(c.out, dir + "/b.yaml: ok ("));
    ran missing = pilesim("check /nonexistent/folder");
    CHECK(missing.code == 2);
    CHECK(has(missing.out, "/nonexistent/folder: no such file or folder"));
  }

  TEST_CASE("an unknown command is named, with the commands there are") {
    ran b = pilesim("bogus");
    CHECK(b.code == 2);
    CHECK(has(b.out, "unknown command 'bogus'; commands: run, check, "));
    ran none = pilesim("");
    CHECK(none.code == 2);
    CHECK(has(none.out, "a command is required; commands: run, check, "));
    ran sub = pilesim("bench nope");
    CHECK(sub.code == 2);
    CHECK(has(sub.out, "pilesim bench: unknown command 'nope'; commands: kernel, sessions"));
  }

  TEST_CASE("--json prints one shape for one file, for several, and for bad input") {
    const std::string one = pilesim_stdout("run " + scenario("happy_path.yaml") + " --json").out;
    const auto v1 = boost::json::parse(one);
    CHECK(v1.at("runs").as_array().size() == 1);
    CHECK(v1.at("errors").as_array().empty());
    // format v1's fields stay at the top level for one file, the same as its runs[0]
    CHECK(v1.at("trace_hash") == v1.at("runs").as_array().at(0).at("trace_hash"));
    CHECK(v1.at("sessions") == v1.at("runs").as_array().at(0).at("sessions"));
    const std::string dir = two_file_folder("json_dir");
    const auto v2 = boost::json::parse(pilesim_stdout("run " + dir + " --json").out);
    CHECK(v2.at("runs").as_array().size() == 2);
    CHECK(v2.at("runs").as_array().at(1).at("scenario").is_string());
    CHECK_FALSE(v2.as_object().contains("scenario"));  // several files: no one run speaks for the document

    const std::string bad = temp_file("json_bad.yaml", "name: t\nuntil: 10\n");
    ran b = pilesim_stdout("run " + bad + " " + scenario("happy_path.yaml") + " --json");
    CHECK(b.code == 2);
    const auto v3 = boost::json::parse(b.out);
    CHECK(v3.at("runs").as_array().size() == 1);  // the good file still ran
    const auto& e = v3.at("errors").as_array().at(0);
    CHECK(e.at("file").as_string() == bad);
    CHECK(e.at("line").as_int64() == 2);
    CHECK(e.at("column").as_int64() == 8);
    CHECK(has(std::string(e.at("text").as_string()), bad + ":2:8: until: bad duration '10'"));
    ran nothing = pilesim_stdout("run /nonexistent.yaml --json");
    CHECK(nothing.code == 2);
    CHECK(boost::json::parse(nothing.out).at("errors").as_array().size() == 1);
    ran flag = pilesim_stdout("run " + scenario("happy_path.yaml") + " --json --no-such-flag");
    CHECK(flag.code == 2);
    CHECK(boost::json::parse(flag.out).at("runs").as_array().empty());
  }

  TEST_CASE("several files write a database and a trace each through {stem}; one plain path is refused") {
    const std::string dir = two_file_folder("stem_dir");
    const std::string out = temp_path("stem_out");
    std::filesystem::remove_all(out);
    std::filesystem::create_directories(out);
    ran r = pilesim("run " + dir + " --quiet --trace '" + out + "/{stem}.jsonl' --db '" + out + "/{stem}.sqlite'");
    CHECK(r.code == 0);
    for (const char* f : {"/a.jsonl", "/b.jsonl", "/a.sqlite", "/b.sqlite"}) {
      CAPTURE(f);
      CHECK(std::filesystem::file_size(out + f) > 0);
    }
    CHECK(read_all(out + "/a.jsonl") != read_all(out + "/b.jsonl"));
    ran plain = pilesim("run " + dir + " --trace " + out + "/all.jsonl");
    CHECK(plain.code == 2);
    CHECK(has(plain.out, "2 scenario files would each overwrite it; give each its own, e.g. --trace 'out/{stem}.jsonl'"));
    CHECK_FALSE(std::filesystem::exists(out + "/all.jsonl"));
    CHECK(pilesim("run " + dir + " --db " + out + "/all.sqlite").code == 2);
  }

  TEST_CASE("an output whose extension names no format the command writes is refused, and nothing is written") {
    const std::string f = scenario("happy_path.yaml");
    const std::string txt = temp_path("out.txt");
    std::filesystem::remove(txt);
    ran s = pilesim("sweep " + f + " --seeds 1 --quiet --out " + txt);
    CHECK(s.code == 2);
    CHECK(has(s.out, "'" + txt + "': this command writes no '.txt' files: name it FILE.csv or FILE.json"));
    CHECK(pilesim("diagram " + f + " --out " + temp_path("d.png")).code == 2);
    CHECK(pilesim("shrink " + f + " --seed 1 --out " + txt).code == 2);
    CHECK(pilesim("merge " + txt + " " + f).code == 2);
    CHECK_FALSE(std::filesystem::exists(txt));
  }

  TEST_CASE("a bad --db path says what is wrong with it") {
    const std::string f = scenario("happy_path.yaml");
    ran missing = pilesim("run " + f + " --db /nonexistent/folder/x.sqlite");
    CHECK(missing.code == 2);
    CHECK(has(missing.out, "--db: there is no folder '/nonexistent/folder' to keep the database in"));
    CHECK_FALSE(has(missing.out, "bad value"));
    ran folder = pilesim("run " + f + " --db " + std::filesystem::temp_directory_path().string());
    CHECK(folder.code == 2);
    CHECK(has(folder.out, "is a folder, not a database file"));
    const std::string text = temp_file("not_a_db.sqlite", "just text\n");
    ran other = pilesim("run " + f + " --db " + text);
    CHECK(other.code == 2);
    CHECK(has(other.out, "exists and is not an SQLite database"));
    CHECK(read_all(text) == "just text\n");
  }

  TEST_CASE("--version names the formats it reads; completion lists the commands") {
    ran v = pilesim("--version");
    CHECK(v.code == 0);
    CHECK(has(v.out, "pilesim "));
    CHECK(has(v.out, "reads scenario format 1, 1.1"));

    const std::string script = temp_path("completion.bash");
    REQUIRE(pilesim_stdout("completion bash > " + script).code == 0);
    auto complete = [&](const std::string& words, int cword) {
      const std::string cmd = "bash -c 'source " + script + "; COMP_WORDS=(" + words + "); COMP_CWORD=" +
                              std::to_string(cword) + "; _pilesim; echo \"${COMPREPLY[*]}\"' 2>&1";
      ran r;
      FILE* p = popen(cmd.c_str(), "r");
      REQUIRE(p != nullptr);
      char buf[4096];
      for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
      r.code = pclose(p);
      return r.out;
    };
    const std::string top = complete("pilesim \"\"", 1);
    for (const char* c : {"run", "check", "sweep", "diagram", "shrink", "merge", "serve", "bench", "completion",
                          "schema", "--version"}) {
      CAPTURE(c);
      CHECK(has(" " + top, std::string(" ") + c));
    }
    CHECK(complete("pilesim run --j", 2) == "--json --junit\n");
    CHECK(complete("pilesim bench k", 2) == "kernel\n");
    CHECK(pilesim("completion zsh").code == 2);
  }

  TEST_CASE("schema prints the schema kept in the tree, byte for byte") {
    ran s = pilesim_stdout("schema");
    CHECK(s.code == 0);
    CHECK(s.out == read_all(std::string(PILESIM_SCHEMA_FILE)));
    CHECK(boost::json::parse(s.out).at("$schema").as_string() == "http://json-schema.org/draft-07/schema#");
  }
}
