#include "tools/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace pilesim::tools {
namespace {

constexpr double width = 640, height = 220;
constexpr double left = 60, right = 16, top = 28, bottom = 40;
constexpr const char* line_color = "#1f6fb4";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct extent {
  double lo = 0;
  double hi = 1;
};

// From 0 (or the least value, when below 0) to the greatest, never of zero width.
extent extent_of(const std::vector<double>& v, bool from_zero) {
  extent e{from_zero ? 0.0 : (v.empty() ? 0.0 : *std::min_element(v.begin(), v.end())), 1};
  if (!v.empty()) {
    e.lo = std::min(e.lo, *std::min_element(v.begin(), v.end()));
    e.hi = *std::max_element(v.begin(), v.end());
  }
  if (e.hi <= e.lo) e.hi = e.lo + 1;
  return e;
}

std::string axes(const plot_series& s, extent xe, extent ye) {
  const double x0 = left, x1 = width - right, y0 = height - bottom, y1 = top;
  std::string out = "<line class=\"axis\" x1=\"" + num(x0) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x1) +
                    "\" y2=\"" + num(y0) + "\"/>";
  out += "<line class=\"axis\" x1=\"" + num(x0) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x0) + "\" y2=\"" +
         num(y1) + "\"/>";
  const auto label = [](double x, double y, const char* anchor, const std::string& text) {
    return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\">" + html_escape(text) +
           "</text>";
  };
  out += label(x0 - 6, y0 + 4, "end", short_number(ye.lo)) + label(x0 - 6, y1 + 4, "end", short_number(ye.hi));
  out += label(x0, y0 + 16, "middle", short_number(xe.lo)) + label(x1, y0 + 16, "middle", short_number(xe.hi));
  out += label((x0 + x1) / 2, height - 8, "middle", s.x_label);
  out += "<text x=\"14\" y=\"" + num((y0 + y1) / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " +
         num((y0 + y1) / 2) + ")\">" + html_escape(s.y_label) + "</text>";
  out += label(x0, 16, "start", s.title);
  return out;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string short_number(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else if (a == std::floor(a)) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string svg_line_plot(const std::string& id, const plot_series& s) {
  const extent xe = extent_of(s.x, false), ye = extent_of(s.y, true);
  const double pw = width - left - right, ph = height - top - bottom;
  const auto px = [&](double x) { return left + (x - xe.lo) / (xe.hi - xe.lo) * pw; };
  const auto py = [&](double y) { return height - bottom - (y - ye.lo) / (ye.hi - ye.lo) * ph; };
  std::string out = "<svg id=\"" + html_escape(id) + "\" class=\"plot\" width=\"" +
                    num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " +
                    num(height) + "\" role=\"img\" aria-label=\"" + html_escape(s.title) + "\">";
  out += axes(s, xe, ye);
  const std::size_t n = std::min(s.x.size(), s.y.size());
  std::string d;
  for (std::size_t i = 0; i < n; ++i) d += (i ? " L" : "M") + num(px(s.x[i])) + " " + num(py(s.y[i]));
  if (n > 0)
    out += "<path class=\"line\" fill=\"none\" stroke=\"" + std::string(line_color) +
           "\" stroke-width=\"2.5\" d=\"" + d + "\"/>";
  if (n <= 200)
    for (std::size_t i = 0; i < n; ++i)
      out += "<circle cx=\"" + num(px(s.x[i])) + "\" cy=\"" + num(py(s.y[i])) + "\" r=\"3\" fill=\"" +
             line_color + "\"><title>" + short_number(s.x[i]) + ": " + short_number(s.y[i]) + "</title></circle>";
  return out + "</svg>";
}

std::string svg_bars(const std::string& id, const std::string& title,
                     const std::vector<std::pair<std::string, double>>& bars) {
  constexpr double bar_h = 18, gap = 6, label_w = 190, bar_w = 400;
  const double h = top + static_cast<double>(bars.size()) * (bar_h + gap) + 8;
  double most = 1;
  for (const auto& [label, v] : bars) most = std::max(most, v);
  std::string out = "<svg id=\"" + html_escape(id) + "\" class=\"plot\" width=\"" +
                    num(label_w + bar_w + 80) + "\" height=\"" + num(h) + "\" role=\"img\" aria-label=\"" +
                    html_escape(title) + "\"><text x=\"0\" y=\"16\">" + html_escape(title) + "</text>";
  double y = top;
  for (const auto& [label, v] : bars) {
    const double w = std::max(1.0, v / most * bar_w);
    out += "<text x=\"" + num(label_w - 6) + "\" y=\"" + num(y + 13) + "\" text-anchor=\"end\">" +
           html_escape(label) + "</text>";
    out += "<path class=\"bar\" fill=\"" + std::string(line_color) + "\" d=\"M" + num(label_w) + " " + num(y) +
           " h" + num(w) + " v" + num(bar_h) + " h" + num(-w) + " Z\"/>";
    out += "<text x=\"" + num(label_w + w + 6) + "\" y=\"" + num(y + 13) + "\">" + short_number(v) + "</text>";
    y += bar_h + gap;
  }
  return out + "</svg>";
}

}  // namespace pilesim::tools
