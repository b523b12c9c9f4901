// The JUnit writer: a testsuite with counts, time and properties; each testcase with its properties, the repro
// line in system-out, the failed expectation's file and line; everything escaped and well-formed.
#include "tools/junit_report.hpp"

#include <doctest/doctest.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <sstream>
#include <string>

using namespace pilesim::tools;
namespace pt = boost::property_tree;

namespace {

pt::ptree parse(const std::string& xml) {
  pt::ptree tree;
  std::istringstream in(xml);
  pt::read_xml(in, tree);
  return tree;
}

std::string property(const pt::ptree& owner, const std::string& name) {
  for (const auto& [tag, p] : owner.get_child("properties"))
    if (tag == "property" && p.get<std::string>("<xmlattr>.name") == name) return p.get<std::string>("<xmlattr>.value");
  return "(none)";
}

std::string two_cases() {
  junit_case pass;
  pass.name = "a";
  pass.file = "s/a.yaml";
  pass.time_s = 0.25;
  pass.properties = {{"seed", "1"}, {"trace_hash", "00aa"}};
  pass.system_out = "pilesim run s/a.yaml --seed 1  # pilesim 9.9.9, scenario 1234\n";
  junit_case fail;
  fail.name = "b";
  fail.file = "s/b.yaml";
  fail.line = 17;
  fail.time_s = 0.5;
  fail.failed = true;
  fail.message = "seed 2; reproduce with: pilesim run s/b.yaml --seed 2";
  fail.text = "expectation balances.u in 10.00: s/b.yaml:17:5: balance is <5.00> & less\n";
  fail.properties = {{"seed", "2"}};
  junit_case bad;
  bad.name = "c";
  bad.file = "s/c.yaml";
  bad.errored = true;
  bad.message = "s/c.yaml:2:8: bad";
  std::ostringstream out;
  write_junit(out, "pilesim", {{"version", "9.9.9"}}, {pass, fail, bad});
  return out.str();
}

}  // namespace

TEST_SUITE("tools/junit_report") {
  TEST_CASE("the testsuite carries counts, total time and the suite's properties") {
    const pt::ptree tree = parse(two_cases());
    const pt::ptree& suite = tree.get_child("testsuites.testsuite");
    CHECK(suite.get<int>("<xmlattr>.tests") == 3);
    CHECK(suite.get<int>("<xmlattr>.failures") == 1);
    CHECK(suite.get<int>("<xmlattr>.errors") == 1);
    CHECK(suite.get<int>("<xmlattr>.skipped") == 0);
    CHECK(suite.get<double>("<xmlattr>.time") == doctest::Approx(0.75));
    CHECK(property(suite, "version") == "9.9.9");
    CHECK(tree.get<int>("testsuites.<xmlattr>.tests") == 3);
  }

  TEST_CASE("each testcase has its properties, its repro in system-out, and a failure's file and line") {
    const pt::ptree tree = parse(two_cases());
    std::vector<pt::ptree> cases;
    for (const auto& [tag, c] : tree.get_child("testsuites.testsuite"))
      if (tag == "testcase") cases.push_back(c);
    REQUIRE(cases.size() == 3);
    CHECK(property(cases[0], "seed") == "1");
    CHECK(property(cases[0], "trace_hash") == "00aa");
    CHECK(cases[0].get<std::string>("system-out") == "pilesim run s/a.yaml --seed 1  # pilesim 9.9.9, scenario 1234\n");
    CHECK(!cases[0].get_child_optional("failure"));
    CHECK(!cases[0].get_child_optional("<xmlattr>.line"));  // no line for a case that did not fail there
    CHECK(cases[1].get<std::string>("<xmlattr>.file") == "s/b.yaml");
    CHECK(cases[1].get<int>("<xmlattr>.line") == 17);
    CHECK(cases[1].get<std::string>("failure.<xmlattr>.type") == "check_failed");
    CHECK(cases[1].get<std::string>("failure") ==
          "expectation balances.u in 10.00: s/b.yaml:17:5: balance is <5.00> & less\n");  // escaped, read back
    CHECK(cases[2].get<std::string>("error.<xmlattr>.type") == "bad_input");
    CHECK(!cases[2].get_child_optional("properties"));  // nothing ran: no seed to tell
  }

  TEST_CASE("text XML cannot hold is replaced, the rest escaped") {
    CHECK(xml_escape("a<b>&\"'\x01\tz") == "a&lt;b&gt;&amp;&quot;&apos;?\tz");
  }
}
