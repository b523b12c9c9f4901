#include "tools/grid.hpp"

namespace pilesim::tools {

std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> out(1);
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  return out;
}

std::vector<axis> grid_axes(const std::vector<scenarios::override_setting>& settings) {
  std::vector<axis> axes;
  for (const auto& s : settings) axes.push_back({s.path, split_values(s.value)});
  return axes;
}

std::size_t grid_size(const std::vector<axis>& axes) {
  std::size_t points = 1;
  for (const axis& a : axes) points *= a.values.size();
  return points;
}

std::vector<std::string> grid_point(const std::vector<axis>& axes, std::size_t index) {
  std::vector<std::string> values(axes.size());
  for (std::size_t i = axes.size(); i-- > 0;) {
    values[i] = axes[i].values[index % axes[i].values.size()];
    index /= axes[i].values.size();
  }
  return values;
}

}  // namespace pilesim::tools
