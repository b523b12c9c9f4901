// The deterministic kernel: one io_context, one virtual clock, one scheduler, the run's RNG streams and trace.
// The driver pops one event at a time, jumps the clock to it, lets it post its completions, and poll()s the
// io_context until nothing is ready. Nothing here reads a wall clock, starts a thread or opens a socket.
// Actors start only through spawn(); an exception escaping an actor fails the run, it never vanishes.
#pragma once

#include "sim/callback.hpp"
#include "sim/rng.hpp"
#include "sim/scheduler.hpp"
#include "sim/time.hpp"
#include "sim/trace.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::sim {

namespace asio = boost::asio;

class kernel;

// Something that holds a suspended actor's completion handler (a timer wait, a mailbox receive). The kernel
// keeps them on a list so that shutdown can destroy every suspended coroutine while the world still exists.
class parked {
 public:
  parked() = default;
  parked(const parked&) = delete;
  parked& operator=(const parked&) = delete;

 protected:
  ~parked() = default;
  // Destroys the stored handler without running it.
  virtual void drop() noexcept = 0;

 private:
  friend class kernel;
  parked* prev_ = nullptr;
  parked* next_ = nullptr;
  bool linked_ = false;
};

struct run_limits {
  time_us until = time_max;               // simulated time limit
  std::uint64_t events_max = 200'000'000;  // bound on events per run; hitting it fails the run
};

struct run_outcome {
  std::uint64_t events = 0;
  time_us end_us = 0;
  bool idle = false;            // stopped because nothing was left to do (not because of `until`)
  bool failed = false;
  std::string failure;          // actor name, simulated time and seed of what went wrong
};

class kernel {
 public:
  explicit kernel(std::uint64_t seed);
  ~kernel();
  kernel(const kernel&) = delete;
  kernel& operator=(const kernel&) = delete;

  asio::io_context& io() { return *io_; }
  time_us now() const { return now_; }
  std::uint64_t seed() const { return seed_; }
  sim::trace& trace() { return trace_; }
  std::uint64_t events() const { return events_; }

  // A fresh stream for `name`, independent of every other name's.
  rng stream(std::string_view name) const { return rng(seed_, name); }

  // Runs `fn` as an event at `at` (never before now).
  event_handle at(time_us at, scheduler::event_fn fn) { return sched_.schedule(at < now_ ? now_ : at, std::move(fn)); }
  event_handle after(time_us delay, scheduler::event_fn fn) { return at(now_ + delay, std::move(fn)); }
  bool cancel(event_handle h) { return sched_.cancel(h); }
  // The insertion number the next at()/after() will take: an event whose number is next_order() - 1 is the
  // last one scheduled, so work added to it runs exactly where a new event would have.
  std::uint64_t next_order() const { return sched_.next_seq(); }
  // Places in the order of same-instant events, taken now for events scheduled later (see scheduler::reserve).
  std::uint64_t reserve_order(std::uint64_t n) { return sched_.reserve(n); }
  event_handle at_reserved(time_us at, std::uint64_t order, scheduler::event_fn fn) {
    return sched_.schedule_reserved(at < now_ ? now_ : at, order, std::move(fn));
  }

  // Makes `fn` ready: it runs in the current round, after what is already ready. The kernel's own ready queue,
  // not the io_context's: a completion resumes its coroutine straight from here, without the io_context's
  // operation allocation, queue and poll (asio only starts and ends coroutines: see spawn()).
  template <class F>
  void post(F&& fn) {
    ready_.emplace_back(std::forward<F>(fn));
  }

  // Starts an actor. `name` is reported with the simulated time and the seed if the actor throws.
  void spawn(std::string name, asio::awaitable<void> actor);

  // Plays events until `limits.until`, until nothing is left, or until a failure.
  run_outcome run(run_limits limits);
  // Marks the run failed (a bug or a broken bound); the driver stops at the end of the round.
  void fail(std::string what);
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }

  // Destroys every suspended actor while the objects they refer to still exist. Worlds call it first thing
  // in their destructor; the kernel's destructor calls it too.
  void shutdown();

  void park(parked* p);
  void unpark(parked* p);

 private:
  // A completion: a stored handler and its result (a mailbox's handler is a 64-byte callback, its result up to
  // a frame's bytes), inline so that readying one never allocates.
  using ready_fn = callback<void(), 152>;
  // Runs what is ready, FIFO, until nothing is: the kernel's queue and asio's own (coroutine starts and ends).
  void run_ready();
  // The event loop of run(), inside one handler of the io_context.
  void drive(const run_limits& limits, run_outcome& out);
  // The actor as spawned, marking on its way out (returned, thrown or destroyed) that asio has work again.
  asio::awaitable<void> supervised(asio::awaitable<void> actor);

  std::optional<asio::io_context> io_;
  std::vector<ready_fn> ready_;    // readied by post(), in order
  std::vector<ready_fn> running_;  // the batch being run: posts made meanwhile go to ready_, behind it
  // Asio has work only when a coroutine starts (spawn) or ends (its completion is posted): only then is the
  // io_context polled, rather than after every event.
  bool asio_busy_ = false;
  scheduler sched_;
  sim::trace trace_;
  std::uint64_t seed_;
  time_us now_ = 0;
  std::uint64_t events_ = 0;
  bool failed_ = false;
  std::string failure_;
  parked* parked_head_ = nullptr;
  bool shut_down_ = false;
};

}  // namespace pilesim::sim
