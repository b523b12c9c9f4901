#include "sim/kernel.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <exception>

namespace pilesim::sim {

kernel::kernel(std::uint64_t seed) : seed_(seed) {
  // One thread only: the io_context needs no locking, and no reactor is ever created (no I/O objects).
  io_.emplace(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
}

kernel::~kernel() { shutdown(); }

void kernel::park(parked* p) {
  if (p->linked_) return;
  p->linked_ = true;
  p->prev_ = nullptr;
  p->next_ = parked_head_;
  if (parked_head_) parked_head_->prev_ = p;
  parked_head_ = p;
}

void kernel::unpark(parked* p) {
  if (!p->linked_) return;
  if (p->prev_) p->prev_->next_ = p->next_;
  else parked_head_ = p->next_;
  if (p->next_) p->next_->prev_ = p->prev_;
  p->prev_ = p->next_ = nullptr;
  p->linked_ = false;
}

asio::awaitable<void> kernel::supervised(asio::awaitable<void> actor) {
  struct on_exit {
    kernel* k;
    ~on_exit() { k->asio_busy_ = true; }
  } mark{this};
  co_await std::move(actor);
}

void kernel::spawn(std::string name, asio::awaitable<void> actor) {
  asio_busy_ = true;
  asio::co_spawn(*io_, supervised(std::move(actor)), [this, name = std::move(name)](std::exception_ptr e) {
    if (!e) return;
    std::string what;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
      what = "unknown exception";
    }
    fail("actor '" + name + "' threw at t=" + std::to_string(now_) + "us (seed " + std::to_string(seed_) +
         "): " + what);
  });
}

void kernel::fail(std::string what) {
  if (failed_) return;  // the first failure is the one that explains the rest
  failed_ = true;
  failure_ = std::move(what);
  trace_.event(now_, "kernel", "failure", {{"what", failure_}});
}

void kernel::run_ready() {
  for (;;) {
    while (!ready_.empty()) {
      running_.swap(ready_);  // in place: ready_ may grow while the batch runs, running_ never does
      for (auto& fn : running_) {
        fn();
        fn.reset();
      }
      running_.clear();
    }
    if (!asio_busy_) return;
    asio_busy_ = false;
    if (io_->poll() == 0) return;  // nothing of asio's ran, so nothing new is ready either
  }
}

void kernel::drive(const run_limits& limits, run_outcome& out) {
  scheduler::event_fn fn;
  for (;;) {
    run_ready();
    if (failed_) break;
    time_us at;
    if (!sched_.pop(limits.until, at, fn)) {
      if (sched_.next_time() == time_max) out.idle = true;
      else if (limits.until > now_) now_ = limits.until;  // the clock never goes back, even for an earlier until
      break;
    }
    now_ = at;
    // Counted only once allowed, so that `events` is the number of events that ran.
    if (events_ >= limits.events_max) {
      fail("event bound of " + std::to_string(limits.events_max) + " reached at t=" + std::to_string(now_) +
           "us (seed " + std::to_string(seed_) + ")");
      break;
    }
    ++events_;
    fn();
    fn.reset();
  }
  run_ready();
}

run_outcome kernel::run(run_limits limits) {
  io_->restart();  // the last run's end stopped it (its work guard went away)
  auto work = asio::make_work_guard(*io_);
  run_outcome out;
  // The whole run is one handler of the io_context: coroutines resumed from the ready queue then run on the
  // io_context's thread as they always did, so asio recycles their frames instead of allocating each one, and
  // its own work (a coroutine starting or ending) runs in nested polls (run_ready).
  asio::post(*io_, [this, &limits, &out] { drive(limits, out); });
  io_->poll();
  io_->restart();
  out.events = events_;
  out.end_us = now_;
  out.failed = failed_;
  out.failure = failure_;
  return out;
}

void kernel::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Destroying a handler destroys its coroutine, whose locals may unpark others: take one at a time.
  while (parked_head_) {
    parked* p = parked_head_;
    unpark(p);
    p->drop();
  }
  // Handlers still ready own coroutines too; destroy them while the scheduler exists (destroying one may ready
  // nothing, but take them out first all the same).
  while (!ready_.empty() || !running_.empty()) {
    std::vector<ready_fn> doomed;
    doomed.swap(ready_.empty() ? running_ : ready_);
    doomed.clear();
  }
  io_.reset();
  while (parked_head_) {
    parked* p = parked_head_;
    unpark(p);
    p->drop();
  }
}

}  // namespace pilesim::sim
