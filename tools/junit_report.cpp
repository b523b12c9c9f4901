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

void write_properties(std::ostream& out, const junit_properties& properties, const char* indent) {
  if (properties.empty()) return;
  out << indent << "<properties>\n";
  for (const auto& [name, value] : properties)
    out << indent << "  <property name=\"" << xml_escape(name) << "\" value=\"" << xml_escape(value) << "\"/>\n";
  out << indent << "</properties>\n";
}

void write_case(std::ostream& out, const junit_case& c) {
  out << "    <testcase classname=\"" << xml_escape(c.classname) << "\" name=\"" << xml_escape(c.name)
      << "\" file=\"" << xml_escape(c.file) << "\"";
  if (c.line > 0) out << " line=\"" << c.line << "\"";
  out << " time=\"" << seconds(c.time_s) << "\">\n";
  write_properties(out, c.properties, "      ");
  if (c.failed || c.errored) {
    const char* tag = c.errored ? "error" : "failure";
    out << "      <" << tag << " message=\"" << xml_escape(c.message) << "\" type=\""
        << (c.errored ? "bad_input" : "check_failed") << "\">" << xml_escape(c.text) << "</" << tag << ">\n";
  }
  if (!c.system_out.empty()) out << "      <system-out>" << xml_escape(c.system_out) << "</system-out>\n";
  out << "    </testcase>\n";
}
}  // namespace

void write_junit(std::ostream& out, const std::string& suite_name, const junit_properties& suite_properties,
                 const std::vector<junit_case>& cases) {
  std::size_t failures = 0, errors = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += c.failed ? 1 : 0;
    errors += c.errored ? 1 : 0;
    total += c.time_s;
  }
  const std::string counts = "tests=\"" + std::to_string(cases.size()) + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"" + std::to_string(errors) + "\"";
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"" << xml_escape(suite_name) << "\" " << counts << " time=\"" << seconds(total) << "\">\n"
      << "  <testsuite name=\"" << xml_escape(suite_name) << "\" " << counts << " skipped=\"0\" time=\""
      << seconds(total) << "\">\n";
  write_properties(out, suite_properties, "    ");
  for (const auto& c : cases) write_case(out, c);
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace pilesim::tools
