#include "tools/set_flags.hpp"

namespace pilesim::tools {

std::optional<std::vector<scenarios::override_setting>> parse_set_flags(const std::vector<std::string>& flags,
                                                                       std::ostream& err,
                                                                       std::string_view value_shape) {
  std::vector<scenarios::override_setting> settings;
  for (const std::string& text : flags) {
    auto setting = scenarios::parse_override(text);
    if (!setting) {
      err << "--set '" << text << "': expected key.path=" << value_shape << "\n";
      return std::nullopt;
    }
    settings.push_back(std::move(*setting));
  }
  return settings;
}

}  // namespace pilesim::tools
