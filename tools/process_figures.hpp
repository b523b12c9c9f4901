// What the benchmarks print about the process that ran them: which allocator served it (a large share of a
// session's cost) and its peak resident memory.
#pragma once

#include <string>

namespace pilesim::tools {

// "mimalloc 2.0.9" or "system malloc".
std::string allocator_name();
// Peak resident set size of this process in KiB (Linux), or 0 when unknown.
long peak_rss_kib();

}  // namespace pilesim::tools
