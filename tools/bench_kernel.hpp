// `pilesim bench kernel`: the same message workload (three actors in a ring, request/reply over lossy links,
// retries on timeout) run on a bare heap + std::function loop and on the kernel, to price the kernel's
// per-event cost. Prints figures; asserts nothing about speed.
#pragma once

#include <cstdint>
#include <ostream>

namespace pilesim::tools {

struct bench_kernel_options {
  std::uint64_t exchanges_per_actor = 200'000;  // ~1.3 M events in all
  std::uint64_t seed = 1;
  std::uint32_t loss_ppb = 100'000'000;          // 10 % of frames lost
};

int bench_kernel(const bench_kernel_options& o, std::ostream& out);

}  // namespace pilesim::tools
