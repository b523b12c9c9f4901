#include "tools/report_command.hpp"

#include "tools/exit_codes.hpp"
#include "tools/report_page.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace pilesim::tools {

int report_command(const report_command_options& o) {
  std::string text;
  if (o.in_path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(o.in_path, std::ios::binary);
    if (!in) {
      std::cerr << o.in_path << ": cannot read the file\n";
      return exit_bad_input;
    }
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(text, ec);
  if (ec) {
    std::cerr << o.in_path << ": not JSON: " << ec.message() << "\n";
    return exit_bad_input;
  }
  std::string html;
  try {
    html = report_page(doc);
  } catch (const report_input_error& e) {
    std::cerr << o.in_path << ": " << e.what() << "\n";
    return exit_bad_input;
  }
  std::ofstream out(o.out_path, std::ios::binary | std::ios::trunc);
  out << html;
  if (!out) {
    std::cerr << o.out_path << ": cannot write the report\n";
    return exit_bad_input;
  }
  std::cerr << "wrote " << o.out_path << "\n";
  return exit_ok;
}

}  // namespace pilesim::tools
