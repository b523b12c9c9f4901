// The sweep's worker threads: every job runs once, `done` is never entered twice at a time, and the thread
// count follows the request within [1, jobs].
#include "tools/worker_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <vector>

using namespace pilesim::tools;

TEST_SUITE("tools/worker_pool") {
  TEST_CASE("every job runs exactly once and done runs once per job, one at a time") {
    constexpr std::size_t jobs = 200;
    std::vector<std::atomic<int>> ran(jobs);
    std::vector<int> done(jobs, 0);
    std::atomic<int> inside{0};
    int overlapped = 0;
    run_on_workers(
        jobs, 4, [&](std::size_t k) { ++ran[k]; },
        [&](std::size_t k) {
          if (++inside > 1) ++overlapped;
          ++done[k];
          --inside;
        });
    for (std::size_t k = 0; k < jobs; ++k) {
      CHECK(ran[k] == 1);
      CHECK(done[k] == 1);
    }
    CHECK(overlapped == 0);
  }

  TEST_CASE("the thread count is what was asked, within one and the number of jobs") {
    CHECK(worker_threads(3, 10) == 3);
    CHECK(worker_threads(8, 2) == 2);
    CHECK(worker_threads(4, 0) == 1);
    CHECK(worker_threads(0, 1000) >= 1);
  }
}
