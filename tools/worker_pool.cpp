#include "tools/worker_pool.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace pilesim::tools {

unsigned worker_threads(unsigned requested, std::size_t jobs) {
  const unsigned wanted = requested == 0 ? std::max(1u, std::thread::hardware_concurrency()) : requested;
  return static_cast<unsigned>(std::min<std::size_t>(wanted, std::max<std::size_t>(1, jobs)));
}

void run_on_workers(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& job,
                    const std::function<void(std::size_t)>& done) {
  std::atomic<std::size_t> next{0};
  std::mutex done_mutex;
  auto worker = [&] {
    for (std::size_t k = next++; k < count; k = next++) {
      job(k);
      std::lock_guard lock(done_mutex);
      done(k);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < threads; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace pilesim::tools
