// How much `pilesim serve` takes from one client, and for how long: sizes, timeouts, the connection bound and the
// shutdown grace. Plain values with their defaults (docs/serve.md lists them), kept apart from the socket code so
// that the command line can set them without compiling Asio.
#pragma once

#include "server/api/http.hpp"

#include <cstddef>
#include <cstdint>

namespace pilesim::tools {

struct serve_limits {
  std::size_t header_bytes_max = 8 * 1024;         // request line and headers; more is 431
  std::size_t body_bytes_max = http::body_len_max;  // more is 413, declared or chunked
  std::int64_t idle_timeout_ms = 30'000;           // an open connection with no request begun is closed
  std::int64_t header_timeout_ms = 10'000;         // from a request's first byte to the end of its header
  std::int64_t read_timeout_ms = 30'000;           // from a request's first byte to the end of its body
  std::int64_t write_timeout_ms = 30'000;          // to write one response
  std::size_t connections_max = 256;               // open at once; more wait in the kernel's listen backlog
  std::int64_t shutdown_grace_ms = 5'000;          // for requests in flight when the stop comes
  // After a refusal, what the client still sends is read and dropped for a while before the close: closing
  // with unread bytes sends a reset, which can destroy the refusal before the client has read it.
  std::int64_t linger_ms = 1'000;
  std::size_t linger_bytes_max = 16 * 1024 * 1024;
  std::int64_t accept_backoff_ms_max = 1'000;      // the longest pause between failing accepts
};

}  // namespace pilesim::tools
