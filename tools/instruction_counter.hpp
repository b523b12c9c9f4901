// Counts the instructions this thread retires in user space, from the CPU's own counter (Linux
// perf_event_open, PERF_COUNT_HW_INSTRUCTIONS). The stable figure of a benchmark on a shared machine, without a
// callgrind run. Where the machine does not allow it (no hardware counter in a virtual machine, a
// perf_event_paranoid setting, a seccomp filter) `open()` says why, and the benchmark says so instead of a figure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pilesim::tools {

class instruction_counter {
 public:
  instruction_counter() = default;
  instruction_counter(const instruction_counter&) = delete;
  instruction_counter& operator=(const instruction_counter&) = delete;
  ~instruction_counter();

  // Opens the counter, stopped at zero. Empty on success; otherwise why it cannot count, in one line.
  std::optional<std::string> open();
  void start();
  // Stops counting and returns the instructions counted since start().
  std::uint64_t stop();

 private:
  int fd_ = -1;
};

}  // namespace pilesim::tools
