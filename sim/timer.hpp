// A cancellable virtual-time wait for one actor: `co_await t.wait_until(when)` gives an ok result at the
// deadline, or errc::cancelled once cancel() is called (before the deadline; after it, cancel is a no-op).
// Completions are posted, never run inline; the destructor drops a pending wait without posting anything.
#pragma once

#include "sim/callback.hpp"
#include "sim/error.hpp"
#include "sim/kernel.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cassert>

namespace pilesim::sim {

class timer final : private parked {
 public:
  explicit timer(kernel& k) : k_(k) {}
  ~timer() { drop(); }

  template <class Token = asio::use_awaitable_t<>>
  auto wait_until(time_us when, Token&& token = {}) {
    return asio::async_initiate<Token, void(result<void>)>(
        [this, when](auto handler) { start(when, std::move(handler)); }, token);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto wait_for(time_us delay, Token&& token = {}) {
    return wait_until(k_.now() + delay, std::forward<Token>(token));
  }

  // Completes a pending wait with errc::cancelled; false when nothing was pending.
  bool cancel() {
    if (!handler_) return false;
    k_.cancel(event_);
    complete(errc::cancelled);
    return true;
  }
  bool pending() const { return static_cast<bool>(handler_); }

 private:
  template <class Handler>
  void start(time_us when, Handler handler) {
    assert(!handler_ && "one wait at a time per timer");
    handler_ = std::move(handler);
    k_.park(this);
    event_ = k_.at(when, [this] { complete(result<void>{}); });
  }

  void complete(result<void> r) {
    event_ = {};
    k_.unpark(this);
    k_.post([h = std::move(handler_), r]() mutable { h(r); });
  }

  void drop() noexcept override {
    k_.unpark(this);
    if (event_) k_.cancel(event_);
    event_ = {};
    handler_.reset();
  }

  kernel& k_;
  callback<void(result<void>)> handler_;
  event_handle event_;
};

}  // namespace pilesim::sim
