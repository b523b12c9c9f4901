// The page `pilesim report` writes: one self-contained HTML document (inline CSS and SVG, no script, nothing
// fetched) made from a run's JSON (`pilesim run --json`, one run or several) or a sweep's (`sweep --out F.json`).
// For a run: its aggregates, the hourly series as plots, refusals by kind, the slowest reconciliations with the
// commands that reproduce them, and its checks. For a sweep: its runs, plotted and listed, failures first.
#pragma once

#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>

namespace pilesim::tools {

// The document is neither a run's JSON nor a sweep's; the message says what was expected.
struct report_input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string report_page(const boost::json::value& doc);

}  // namespace pilesim::tools
