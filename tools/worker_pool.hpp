// Runs independent jobs on a few threads of the command (tools only: the simulation libraries never see a
// thread). Each job must touch only what is its own (a sweep run builds its own world); the pool shares nothing
// but the next index and the lock it holds around `done`.
#pragma once

#include <cstddef>
#include <functional>

namespace pilesim::tools {

// `requested` threads, 0 meaning one per hardware thread; never more than there are jobs, never fewer than one.
unsigned worker_threads(unsigned requested, std::size_t jobs);

// Runs job(0) ... job(count - 1) on `threads` threads, the caller's among them: each takes the next index when it
// is free, so jobs finish in no fixed order. After each job, done(k) runs under one lock, so it may count and
// print without a lock of its own. Returns when every job has finished.
void run_on_workers(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& job,
                    const std::function<void(std::size_t)>& done);

}  // namespace pilesim::tools
