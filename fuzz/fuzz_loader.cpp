// libFuzzer target: the scenario loader on any bytes, as `pilesim check` reads a file. Checked: it returns a
// scenario or diagnostics that each name a place (never a crash, never unbounded memory or time: libFuzzer's
// -rss_limit_mb and -timeout catch those); a text that loads loads the same way twice.
#include "scenarios/engine/loader.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace pilesim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = scenarios::load_scenario_text(text, "fuzz.yaml");
  if (!loaded) {
    if (loaded.error().empty()) {
      std::fprintf(stderr, "fuzz_loader: a refusal without a diagnostic\n");
      std::abort();
    }
    for (const scenarios::diagnostic& d : loaded.error())
      if (d.message.empty() || scenarios::to_string(d).rfind("fuzz.yaml", 0) != 0) {
        std::fprintf(stderr, "fuzz_loader: a diagnostic that names no file: %s\n", scenarios::to_string(d).c_str());
        std::abort();
      }
    return 0;
  }
  auto again = scenarios::load_scenario_text(text, "fuzz.yaml");
  if (!again || again->seed != loaded->seed || again->piles.size() != loaded->piles.size() ||
      again->users.size() != loaded->users.size()) {
    std::fprintf(stderr, "fuzz_loader: the same text loaded differently\n");
    std::abort();
  }
  return 0;
}
