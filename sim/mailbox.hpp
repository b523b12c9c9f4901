// A bounded single-waiter mailbox for messages between actors on the kernel. receive() waits for the next
// message; receive_until() also gives errc::timeout at a deadline. When a message and the timeout fall on the
// same instant, the one scheduled first wins and the other is not lost: a message that loses stays queued.
// A full mailbox refuses push (the caller traces the drop); it never grows without bound.
#pragma once

#include "sim/callback.hpp"
#include "sim/error.hpp"
#include "sim/kernel.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cassert>
#include <deque>
#include <optional>

namespace pilesim::sim {

template <class T>
class mailbox final : private parked {
 public:
  mailbox(kernel& k, std::size_t capacity) : k_(k), capacity_(capacity) {}
  ~mailbox() { drop(); }

  // Delivers `v` now; false (and `v` dropped) when the mailbox is full.
  bool push(T v) {
    if (waiter_) {
      if (timeout_) k_.cancel(timeout_);
      complete(result<T>(std::move(v)));
      return true;
    }
    if (queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(v));
    return true;
  }

  template <class Token = asio::use_awaitable_t<>>
  auto receive(Token&& token = {}) {
    return receive_until(time_max, std::forward<Token>(token));
  }

  template <class Token = asio::use_awaitable_t<>>
  auto receive_until(time_us deadline, Token&& token = {}) {
    return asio::async_initiate<Token, void(result<T>)>(
        [this, deadline](auto handler) { start(deadline, std::move(handler)); }, token);
  }

  std::optional<T> try_receive() {
    if (queue_.empty()) return std::nullopt;
    T v = std::move(queue_.front());
    queue_.pop_front();
    return v;
  }

  // A pending receive completes with errc::cancelled.
  bool cancel() {
    if (!waiter_) return false;
    if (timeout_) k_.cancel(timeout_);
    complete(result<T>(errc::cancelled));
    return true;
  }

  // Forgets every queued message (a phone app killed, a pile rebooting).
  void clear() { queue_.clear(); }

  std::size_t size() const { return queue_.size(); }
  bool waiting() const { return static_cast<bool>(waiter_); }

 private:
  template <class Handler>
  void start(time_us deadline, Handler handler) {
    assert(!waiter_ && "one receiver at a time per mailbox");
    waiter_ = std::move(handler);
    if (!queue_.empty()) {
      T v = std::move(queue_.front());
      queue_.pop_front();
      complete(result<T>(std::move(v)));
      return;
    }
    k_.park(this);
    if (deadline != time_max) timeout_ = k_.at(deadline, [this] { complete(result<T>(errc::timeout)); });
  }

  void complete(result<T> r) {
    timeout_ = {};
    k_.unpark(this);
    k_.post([h = std::move(waiter_), r = std::move(r)]() mutable { h(std::move(r)); });
  }

  void drop() noexcept override {
    k_.unpark(this);
    if (timeout_) k_.cancel(timeout_);
    timeout_ = {};
    waiter_.reset();
  }

  kernel& k_;
  std::size_t capacity_;
  std::deque<T> queue_;
  callback<void(result<T>)> waiter_;
  event_handle timeout_;
};

}  // namespace pilesim::sim
