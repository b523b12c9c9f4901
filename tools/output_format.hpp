// Output files whose format their extension chooses (`sweep --out s.csv|s.json`, `diagram --out d.html`): the
// one check that the extension names a format the command writes, so that `--out s.txt` is refused with a reason
// instead of being written as CSV without a word. It reads only the name; it never opens or writes a file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::tools {

// Why `path` names no format among `extensions` (".csv", ".json"), or nothing when it names one.
std::optional<std::string> output_format_problem(std::string_view path, const std::vector<std::string>& extensions);

}  // namespace pilesim::tools
