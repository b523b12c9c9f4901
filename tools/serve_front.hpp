// The TCP side of `pilesim serve`: accepts connections up to a bound, backs off when accept fails (file
// descriptors run out), reads HTTP/1.1 with explicit size limits and timeouts, and stops cleanly: no new
// connections, in-flight requests finish within a grace, idle ones are closed. It answers no request itself
// (the handler it is given does) and it logs per episode, never per connection, so its output stays bounded.
// Sockets and the wall clock live here, in tools/, never in the simulation libraries.
#pragma once

#include "server/api/http.hpp"
#include "tools/serve_limits.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>

namespace pilesim::tools {

struct serve_counts {
  std::uint64_t connections = 0;       // accepted
  std::uint64_t requests = 0;          // answered by the handler
  std::uint64_t bad_request = 0;       // 400: a bad request line, header or chunk
  std::uint64_t body_too_large = 0;    // 413
  std::uint64_t header_too_large = 0;  // 431
  std::uint64_t timed_out = 0;         // connections cut off by the idle, header, read or write timeout
  std::uint64_t accept_failures = 0;   // accept calls that failed (EMFILE, ENFILE, ...)
  std::uint64_t limit_pauses = 0;      // times accepting paused at connections_max

  std::uint64_t refused() const { return bad_request + body_too_large + header_too_large; }
};

using request_handler = std::function<http::response(const http::request&)>;

class serve_front {
 public:
  serve_front(boost::asio::io_context& io, serve_limits limits, request_handler handle,
              std::uint64_t requests_max = 0);

  // Opens, binds and listens; the error (address in use, permission) is for the caller to report.
  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& at);
  std::uint16_t port() const;
  // Starts accepting; `stopped` runs once, when a stop has closed the last connection.
  void start(std::function<void()> stopped);
  // Stops accepting and closes idle connections; in-flight requests get shutdown_grace_ms, then are cut off.
  // A second call cuts them off at once.
  void stop(std::string_view why);

  const serve_counts& counts() const { return counts_; }

  // For the connections (serve_connection.cpp).
  const serve_limits& limits() const { return limits_; }
  serve_counts& counts() { return counts_; }
  bool stopping() const { return stopping_; }
  http::response handle(const http::request& req);
  void opened(std::uint64_t id, boost::asio::ip::tcp::socket* socket);
  void set_busy(std::uint64_t id, bool busy);
  void closed(std::uint64_t id);

 private:
  struct slot {
    boost::asio::ip::tcp::socket* socket = nullptr;  // owned by the connection's stream
    bool busy = false;                                // a request has begun and is not answered yet
  };

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> wait_for_slot();
  boost::asio::awaitable<void> back_off(const boost::system::error_code& ec);
  void accepted();
  void cut_off(bool busy_too);
  void finish_if_stopped();

  boost::asio::io_context& io_;
  serve_limits limits_;
  request_handler handle_;
  std::uint64_t requests_max_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer wake_;   // the accept loop's pause; a closing connection ends it early
  boost::asio::steady_timer grace_;
  std::function<void()> stopped_;
  serve_counts counts_;
  // Open connections by number, so that a stop can close them; iterated only to close them.
  std::map<std::uint64_t, slot> slots_;
  std::uint64_t next_id_ = 0;
  bool stopping_ = false;
  bool finished_ = false;
  bool at_limit_ = false;
  std::uint64_t episode_failures_ = 0;  // failing accepts since the last success
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point episode_start_;
};

// One connection's life: requests read within the limits and timeouts, answered by front.handle(), refusals
// (400, 413, 431) answered with a JSON error body before the close.
boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket, serve_front& front,
                                              std::uint64_t id);

}  // namespace pilesim::tools
