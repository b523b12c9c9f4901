// Accepting, bounding and stopping; a connection's own work is in serve_connection.cpp.
#include "tools/serve_front.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <iostream>

namespace pilesim::tools {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
constexpr auto as_value = asio::as_tuple(asio::use_awaitable);

// The first pause after a failing accept; each further failure doubles it, up to accept_backoff_ms_max.
constexpr milliseconds backoff_first{10};

std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

serve_front::serve_front(asio::io_context& io, serve_limits limits, request_handler handle,
                         std::uint64_t requests_max)
    : io_(io),
      limits_(limits),
      handle_(std::move(handle)),
      requests_max_(requests_max),
      acceptor_(io),
      wake_(io),
      grace_(io) {}

boost::system::error_code serve_front::listen(const tcp::endpoint& at) {
  boost::system::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

std::uint16_t serve_front::port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void serve_front::start(std::function<void()> stopped) {
  stopped_ = std::move(stopped);
  asio::co_spawn(io_, accept_loop(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);  // a bug in the accept loop must not pass silently
  });
}

asio::awaitable<void> serve_front::accept_loop() {
  while (!stopping_) {
    if (slots_.size() >= limits_.connections_max) {
      co_await wait_for_slot();
      continue;
    }
    auto [ec, socket] = co_await acceptor_.async_accept(as_value);
    if (stopping_) break;
    if (ec) {
      co_await back_off(ec);
      continue;
    }
    accepted();
    const std::uint64_t id = ++next_id_;
    asio::co_spawn(io_, serve_connection(std::move(socket), *this, id), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);  // a bug in a connection handler must not pass silently
    });
  }
  finish_if_stopped();
}

// At the bound, new connections wait in the listen backlog (the kernel completes their handshake) until one
// closes; said once per episode.
asio::awaitable<void> serve_front::wait_for_slot() {
  if (!at_limit_) {
    at_limit_ = true;
    ++counts_.limit_pauses;
    std::cerr << "serve: " << slots_.size() << " connections open (--connections-max): accepting paused until one "
              << "closes\n";
  }
  wake_.expires_at(asio::steady_timer::time_point::max());
  co_await wake_.async_wait(as_value);
}

// When the process is out of file descriptors the pending connection stays in the backlog and the acceptor is
// ready again at once: retrying at once would spin. Logged once per episode, with its count when it ends.
asio::awaitable<void> serve_front::back_off(const boost::system::error_code& ec) {
  ++counts_.accept_failures;
  // The peer reset before we took it: nothing is wrong here, the next accept may go on.
  if (ec == asio::error::connection_aborted) co_return;
  if (episode_failures_++ == 0) {
    episode_start_ = std::chrono::steady_clock::now();
    backoff_ = backoff_first;
    std::cerr << "serve: accept failed: " << ec.message() << "; retrying with backoff up to "
              << limits_.accept_backoff_ms_max << " ms (logged again when it recovers)\n";
  } else {
    backoff_ = std::min(backoff_ * 2, milliseconds(limits_.accept_backoff_ms_max));
  }
  wake_.expires_after(backoff_);
  co_await wake_.async_wait(as_value);  // a connection that closes frees a descriptor: it ends the pause early
}

void serve_front::accepted() {
  ++counts_.connections;
  if (at_limit_) {
    at_limit_ = false;
    std::cerr << "serve: accepting again below --connections-max\n";
  }
  if (episode_failures_ != 0) {
    std::cerr << "serve: accepting again after " << episode_failures_ << " failed accepts over "
              << ms_since(episode_start_) << " ms\n";
    episode_failures_ = 0;
  }
}

http::response serve_front::handle(const http::request& req) {
  http::response r = handle_(req);
  ++counts_.requests;
  if (requests_max_ != 0 && counts_.requests == requests_max_) stop("--requests-max reached");
  return r;
}

void serve_front::opened(std::uint64_t id, tcp::socket* socket) { slots_[id] = slot{socket, false}; }

void serve_front::set_busy(std::uint64_t id, bool busy) {
  if (auto it = slots_.find(id); it != slots_.end()) it->second.busy = busy;
}

void serve_front::closed(std::uint64_t id) {
  slots_.erase(id);
  wake_.cancel();
  if (stopping_) finish_if_stopped();
}

void serve_front::stop(std::string_view why) {
  if (stopping_) {
    std::cerr << "serve: " << why << " again: closing " << slots_.size() << " connections now\n";
    cut_off(true);
    return;
  }
  stopping_ = true;
  std::size_t busy = 0;
  for (const auto& [id, s] : slots_) busy += s.busy ? 1 : 0;
  std::cerr << "serve: " << why << ": stopping; " << busy << " requests in flight get up to "
            << limits_.shutdown_grace_ms << " ms\n";
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  wake_.cancel();
  cut_off(false);
  grace_.expires_after(milliseconds(limits_.shutdown_grace_ms));
  grace_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: everything closed in time
    std::cerr << "serve: shutdown grace over: closing " << slots_.size() << " connections\n";
    cut_off(true);
  });
  finish_if_stopped();
}

// Closing the socket ends the connection's pending read or write with an error, and makes any later one fail
// at once; the connection then ends and leaves slots_.
void serve_front::cut_off(bool busy_too) {
  for (auto& [id, s] : slots_) {
    if (s.busy && !busy_too) continue;
    boost::system::error_code ignored;
    s.socket->close(ignored);
  }
}

void serve_front::finish_if_stopped() {
  if (!stopping_ || finished_ || !slots_.empty() || acceptor_.is_open()) return;
  finished_ = true;
  grace_.cancel();
  if (stopped_) stopped_();
}

}  // namespace pilesim::tools
