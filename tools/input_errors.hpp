// The input errors of one command — a scenario's FILE:LINE:COL diagnostics, a path that names nothing, a bad
// flag — each said on stderr as it is found and kept for the command's JSON document, so that with --json a
// program always finds an "errors" list on stdout instead of parsing stderr. It never chooses the exit code.
#pragma once

#include "scenarios/engine/loader.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

class input_errors {
 public:
  explicit input_errors(std::ostream& err) : err_(&err) {}

  void add(const scenarios::diagnostic& d);                        // with file, line, column (and override)
  void add(const std::string& file, const std::string& message);  // "FILE: message"
  void add(const std::string& text);                               // a message that names no file
  void add_lines(const std::string& text);                         // each non-empty line of `text`

  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }

  // [{"file": ..., "line": 3, "column": 8, "override": "k=v", "message": ..., "text": "FILE:3:8: ..."}, ...];
  // a key without a value (no file, no place, no override) is left out.
  std::string json() const;

 private:
  struct entry {
    std::string file;
    int line = 0;
    int column = 0;
    std::string override_text;
    std::string message;
    std::string text;  // the line on stderr
  };
  void keep(entry e);

  std::ostream* err_;
  std::vector<entry> errors_;
};

}  // namespace pilesim::tools
