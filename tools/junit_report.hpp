// JUnit XML for CI: one <testsuite> with its counts and time and the pilesim version among its <properties>;
// one <testcase> per scenario file with its own <properties> (seed, trace hash, scenario hash), the repro line
// in <system-out>, a <failure> naming the failed checks (its file and line attributes: the first failed
// expectation's place in the scenario file), an <error> for a file that could not be loaded. Writing only: it
// never runs anything, and all text is XML-escaped (characters XML 1.0 cannot hold are replaced by '?').
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace pilesim::tools {

using junit_properties = std::vector<std::pair<std::string, std::string>>;  // name, value; in this order

struct junit_case {
  std::string classname = "pilesim.scenarios";
  std::string name;             // the scenario file's stem
  std::string file;             // the scenario file, or the file of the first failed expectation
  int line = 0;                 // that expectation's line (0: none, no attribute)
  double time_s = 0;
  bool failed = false;          // <failure>: a check did not hold
  bool errored = false;         // <error>: bad input, nothing ran
  std::string message;          // one line: the repro command or the first error
  std::string text;             // the body: failed checks, diagnostics
  junit_properties properties;  // seed, trace_hash, scenario_hash, ...
  std::string system_out;       // the repro line
};

std::string xml_escape(const std::string& s);

void write_junit(std::ostream& out, const std::string& suite_name, const junit_properties& suite_properties,
                 const std::vector<junit_case>& cases);

}  // namespace pilesim::tools
