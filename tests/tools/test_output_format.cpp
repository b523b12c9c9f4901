// Output formats chosen by extension: the extension must name one the command writes.
#include "tools/output_format.hpp"

#include <doctest/doctest.h>

using namespace pilesim::tools;

TEST_SUITE("tools/output_format") {
  TEST_CASE("a listed extension passes; another or none is refused with the names to use") {
    const std::vector<std::string> sweep{".csv", ".json"};
    CHECK_FALSE(output_format_problem("out/s.csv", sweep));
    CHECK_FALSE(output_format_problem("s.json", sweep));
    CHECK(output_format_problem("s.txt", sweep) == "'s.txt': this command writes no '.txt' files: name it FILE.csv or "
                                                    "FILE.json");
    CHECK(output_format_problem("results", sweep) ==
          "'results' has no extension to choose the format by: name it FILE.csv or FILE.json");
    CHECK(output_format_problem("d.png", {".mmd", ".html", ".svg"})->find("FILE.mmd, FILE.html or FILE.svg") !=
          std::string::npos);
    CHECK(output_format_problem("s.CSV", sweep));  // extensions are compared exactly
  }
}
