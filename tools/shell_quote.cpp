#include "tools/shell_quote.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace pilesim::tools {

std::string shell_quote(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_-./=:+%@,").find(c) != std::string_view::npos;
  });
  if (plain) return text;
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace pilesim::tools
