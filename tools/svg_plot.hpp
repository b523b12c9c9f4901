// Plots as inline SVG for the report page: a line plot of one series over time and a bar chart of counts. Pure
// text out of numbers: no script, no external asset, so the page renders the same anywhere, offline.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pilesim::tools {

struct plot_series {
  std::string title;    // above the plot
  std::string x_label;
  std::string y_label;
  std::vector<double> x;
  std::vector<double> y;  // as many as x
};

// `id` names the <svg> element (for tests and links); the line is one <path class="line">, each sample a dot.
std::string svg_line_plot(const std::string& id, const plot_series& s);

// One horizontal bar per (label, value), longest first as given.
std::string svg_bars(const std::string& id, const std::string& title,
                     const std::vector<std::pair<std::string, double>>& bars);

// Text made safe for HTML and SVG (&, <, >, " and ').
std::string html_escape(const std::string& text);

// A number as a short axis label: 12, 1.5, 2.5k, 3.1M.
std::string short_number(double v);

}  // namespace pilesim::tools
