// `pilesim report RUN.json --out report.html`: turns what `pilesim run --json` printed (one run or several), or
// the rows a sweep wrote (`sweep --out F.json`), into one self-contained HTML page (tools/report_page.hpp). It
// reads only the JSON; it never runs anything. Exit 0 when the page is written, 2 when the input is not one of
// those documents or a file cannot be read or written.
#pragma once

#include <string>

namespace pilesim::tools {

struct report_command_options {
  std::string in_path;   // "-": standard input
  std::string out_path;  // .html
};

int report_command(const report_command_options& o);

}  // namespace pilesim::tools
