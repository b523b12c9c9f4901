// JUnit XML for CI: one <testcase> per scenario file, a <failure> with the repro command and the checks that
// did not hold, an <error> for a file that could not be loaded. Writing only: it never runs anything, and all
// text is XML-escaped (characters XML 1.0 cannot hold are replaced by '?').
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

struct junit_case {
  std::string classname = "pilesim.scenarios";
  std::string name;             // the scenario file's stem
  std::string file;
  double time_s = 0;
  bool failed = false;          // <failure>: a check did not hold
  bool errored = false;         // <error>: bad input, nothing ran
  std::string message;          // one line: the repro command or the first error
  std::string text;             // the body: failed checks, diagnostics
};

std::string xml_escape(const std::string& s);

void write_junit(std::ostream& out, const std::string& suite_name, const std::vector<junit_case>& cases);

}  // namespace pilesim::tools
