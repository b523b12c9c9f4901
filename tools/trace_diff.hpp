// Where two traces (JSON lines as `run --trace` writes them) first differ. Each trace is read once for its
// checkpoint lines (sim/trace.hpp); the first checkpoint at which the running hashes part is found by binary
// search (the hashes are cumulative: once they differ they differ at every later checkpoint), and only the events
// from two checkpoints before it are compared line by line. Traces without checkpoints are compared from the
// start. It reads streams and writes text; it never runs anything.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace pilesim::tools {

struct trace_problem {
  std::string message;  // "B:12: not a trace line"
};

// Only reached by calling .value() on a refused input, which is a bug in the caller.
[[noreturn]] void throw_exception_from_error(const trace_problem& p, const boost::source_location& loc);

struct trace_divergence {
  bool identical = false;
  std::uint64_t events_a = 0, events_b = 0;  // events in each trace (identical: both)
  std::uint64_t index = 0;                   // 1-based number of the first event that differs
  std::vector<std::string> before;           // the events just before it, the same in both (oldest first)
  std::optional<std::string> line_a, line_b; // the differing events; nothing: that trace ended there
  std::string actor_a, actor_b;              // their actors
  std::vector<std::string> actors_differing; // actors whose own hash differs at the first differing checkpoint
  std::size_t checkpoints_agreeing = 0;      // checkpoints that agree before the first that does not
  std::size_t checkpoints = 0;               // checkpoints both traces have
  std::uint64_t compared = 0;                // events compared one by one
};

// `a` and `b` must be seekable (files, string streams); messages call them A and B.
boost::system::result<trace_divergence, trace_problem> first_divergence(std::istream& a, std::istream& b,
                                                                         std::size_t context);

// The divergence as `pilesim diff` prints it.
void print_divergence(std::ostream& out, const trace_divergence& d);

}  // namespace pilesim::tools
