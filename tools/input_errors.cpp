#include "tools/input_errors.hpp"

#include <boost/json.hpp>

#include <sstream>

namespace pilesim::tools {

void input_errors::keep(entry e) {
  *err_ << e.text << "\n";
  errors_.push_back(std::move(e));
}

void input_errors::add(const scenarios::diagnostic& d) {
  keep({d.file, d.pos.line, d.pos.column, d.override_text, d.message, scenarios::to_string(d)});
}

void input_errors::add(const std::string& file, const std::string& message) {
  keep({file, 0, 0, "", message, file + ": " + message});
}

void input_errors::add(const std::string& text) { keep({"", 0, 0, "", text, text}); }

void input_errors::add_lines(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) add(line);
}

std::string input_errors::json() const {
  boost::json::array out;
  for (const entry& e : errors_) {
    boost::json::object o;
    if (!e.file.empty()) o["file"] = e.file;
    if (e.line > 0) {
      o["line"] = e.line;
      o["column"] = e.column;
    }
    if (!e.override_text.empty()) o["override"] = e.override_text;
    o["message"] = e.message;
    o["text"] = e.text;
    out.push_back(std::move(o));
  }
  return boost::json::serialize(out);
}

}  // namespace pilesim::tools
