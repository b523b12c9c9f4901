#include "tools/junit_report.hpp"

#include <cstdio>

namespace pilesim::tools {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows only tab, newline and carriage return below 0x20; UTF-8 bytes pass through.
        out += (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ? '?' : ch;
    }
  }
  return out;
}

namespace {
std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", s);
  return buf;
}
}  // namespace

void write_junit(std::ostream& out, const std::string& suite_name, const std::vector<junit_case>& cases) {
  std::size_t failures = 0, errors = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += c.failed ? 1 : 0;
    errors += c.errored ? 1 : 0;
    total += c.time_s;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites tests=\"" << cases.size() << "\" failures=\"" << failures << "\" errors=\"" << errors
      << "\" time=\"" << seconds(total) << "\">\n"
      << "  <testsuite name=\"" << xml_escape(suite_name) << "\" tests=\"" << cases.size() << "\" failures=\""
      << failures << "\" errors=\"" << errors << "\" skipped=\"0\" time=\"" << seconds(total) << "\">\n";
  for (const auto& c : cases) {
    out << "    <testcase classname=\"" << xml_escape(c.classname) << "\" name=\"" << xml_escape(c.name)
        << "\" file=\"" << xml_escape(c.file) << "\" time=\"" << seconds(c.time_s) << "\"";
    if (!c.failed && !c.errored) {
      out << "/>\n";
      continue;
    }
    const char* tag = c.errored ? "error" : "failure";
    out << ">\n      <" << tag << " message=\"" << xml_escape(c.message) << "\" type=\""
        << (c.errored ? "bad_input" : "check_failed") << "\">" << xml_escape(c.text) << "</" << tag
        << ">\n    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace pilesim::tools
