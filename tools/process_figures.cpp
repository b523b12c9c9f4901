#include "tools/process_figures.hpp"

#if defined(PILESIM_WITH_MIMALLOC)
#include <mimalloc.h>
#endif

#include <fstream>

namespace pilesim::tools {

std::string allocator_name() {
#if defined(PILESIM_WITH_MIMALLOC)
  const int v = mi_version();  // also keeps the library linked under --as-needed
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
#else
  return "system malloc";
#endif
}

long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

}  // namespace pilesim::tools
