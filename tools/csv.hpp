// RFC 4180 CSV, as far as the sweep files need it: fields quoted only when they must be, and lines split back
// into fields. It reads and writes one line at a time and never holds a field with a newline: no writer here
// puts one in, and the reader treats each text line as one row.
#pragma once

#include <string>
#include <vector>

namespace pilesim::tools {

// `s` as one CSV field: unchanged, or in double quotes (inner quotes doubled) when it holds `,` `"` CR or LF.
std::string csv_field(const std::string& s);

// The fields, each as csv_field writes it, joined by commas (no line end).
std::string csv_line(const std::vector<std::string>& fields);

// The fields of one line, quotes removed; a stray CR is dropped. An empty line is one empty field.
std::vector<std::string> csv_split(const std::string& line);

}  // namespace pilesim::tools
