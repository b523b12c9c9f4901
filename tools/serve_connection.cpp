// One HTTP/1.1 connection of `pilesim serve`: the only translation unit of the command that includes Boost.Beast.
// Each phase has its deadline: a connection waits idle_timeout for a request to begin, then header_timeout for
// the header and read_timeout for the whole request from its first byte, so a client that dribbles a byte at a
// time is cut off like one that sends nothing.
#include "tools/serve_front.hpp"

#include "server/api/api.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

namespace pilesim::tools {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
constexpr auto as_value = asio::as_tuple(asio::use_awaitable);

// What Beast reads into its buffer at a time; the buffer holds a header and one such read at most.
constexpr std::size_t read_chunk_bytes = 64 * 1024;

enum class next { keep_alive, close, linger_close };

struct refusal {
  int status;
  std::string word;
  std::string detail;
};

// A parse error the client caused gets an answer; one that means it went away (or is only slow) does not.
std::optional<refusal> refusal_for(const beast::error_code& ec, const serve_limits& l, bool header_done) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return std::nullopt;
  const std::string body_max = std::to_string(l.body_bytes_max), header_max = std::to_string(l.header_bytes_max);
  switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::end_of_stream:
    case bhttp::error::partial_message:
    case bhttp::error::need_more:
    case bhttp::error::short_read: return std::nullopt;
    case bhttp::error::body_limit: return refusal{413, "body_too_large", "the body exceeds " + body_max + " bytes"};
    case bhttp::error::header_limit:
      return refusal{431, "header_too_large", "the request line and headers exceed " + header_max + " bytes"};
    case bhttp::error::buffer_overflow:
      if (header_done) return refusal{413, "body_too_large", "the body exceeds " + body_max + " bytes"};
      return refusal{431, "header_too_large", "the request line and headers exceed " + header_max + " bytes"};
    default: return refusal{400, "bad_request", ec.message()};
  }
}

void count(serve_counts& c, int status) {
  if (status == 413)
    ++c.body_too_large;
  else if (status == 431)
    ++c.header_too_large;
  else
    ++c.bad_request;
}

bool write_failed(const beast::error_code& ec, serve_counts& c) {
  // Beast reports a message that ends its connection (Connection: close) as end_of_stream once it is written.
  if (!ec || ec == bhttp::error::end_of_stream) return false;
  if (ec == beast::error::timeout) ++c.timed_out;
  return true;
}

// A refusal: the status, a JSON error body, Connection: close; the caller lingers before closing.
asio::awaitable<next> after_read_error(beast::tcp_stream& stream, serve_front& front, beast::error_code ec,
                                       bool header_done) {
  if (ec == beast::error::timeout) ++front.counts().timed_out;
  const std::optional<refusal> r = refusal_for(ec, front.limits(), header_done);
  if (!r) co_return next::close;
  count(front.counts(), r->status);
  const api::error_body error{r->word, r->detail};
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r->status), 11};
  out.set(bhttp::field::server, "pilesim");
  out.set(bhttp::field::content_type, "application/json");
  out.keep_alive(false);
  out.body() = api::to_json(error);
  out.prepare_payload();
  stream.expires_after(milliseconds(front.limits().write_timeout_ms));
  auto [wec, n] = co_await bhttp::async_write(stream, out, as_value);
  if (write_failed(wec, front.counts())) co_return next::close;
  co_return next::linger_close;
}

// Waits for the first byte of the next request, unless one is already buffered (pipelined).
asio::awaitable<bool> request_begun(beast::tcp_stream& stream, beast::flat_buffer& buffer, serve_front& front) {
  if (buffer.size() != 0) co_return true;
  stream.expires_after(milliseconds(front.limits().idle_timeout_ms));
  auto [ec, n] = co_await stream.async_read_some(buffer.prepare(read_chunk_bytes), as_value);
  if (ec == beast::error::timeout) ++front.counts().timed_out;
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

// A client that asked to wait for a go-ahead before sending its body (curl does for large ones) gets it.
asio::awaitable<bool> send_continue(beast::tcp_stream& stream, serve_front& front,
                                    const bhttp::request<bhttp::string_body>& in) {
  if (!beast::iequals(in[bhttp::field::expect], "100-continue")) co_return true;
  bhttp::response<bhttp::empty_body> go{bhttp::status::continue_, 11};
  auto [ec, n] = co_await bhttp::async_write(stream, go, as_value);
  co_return !write_failed(ec, front.counts());
}

http::request plain(const bhttp::request<bhttp::string_body>& in) {
  http::request req;
  req.method = std::string(in.method_string());
  req.target = std::string(in.target());
  if (auto it = in.find(bhttp::field::authorization); it != in.end()) req.authorization = std::string(it->value());
  if (auto it = in.find("Idempotency-Key"); it != in.end()) req.idempotency_key = std::string(it->value());
  req.body = in.body();
  return req;
}

asio::awaitable<next> serve_request(beast::tcp_stream& stream, beast::flat_buffer& buffer, serve_front& front,
                                    std::uint64_t id) {
  const serve_limits& l = front.limits();
  front.set_busy(id, false);
  if (front.stopping()) co_return next::close;
  if (!co_await request_begun(stream, buffer, front)) co_return next::close;
  front.set_busy(id, true);
  const auto first_byte = std::chrono::steady_clock::now();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(l.header_bytes_max));
  parser.body_limit(l.body_bytes_max);
  stream.expires_at(first_byte + milliseconds(std::min(l.header_timeout_ms, l.read_timeout_ms)));
  {
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, as_value);
    if (ec) co_return co_await after_read_error(stream, front, ec, parser.is_header_done());
  }
  stream.expires_after(milliseconds(l.write_timeout_ms));
  if (!co_await send_continue(stream, front, parser.get())) co_return next::close;
  stream.expires_at(first_byte + milliseconds(l.read_timeout_ms));
  if (!parser.is_done()) {
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, as_value);
    if (ec) co_return co_await after_read_error(stream, front, ec, true);
  }

  const auto& in = parser.get();
  http::response r = front.handle(plain(in));
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r.status), in.version()};
  out.set(bhttp::field::server, "pilesim");
  out.set(bhttp::field::content_type, "application/json");
  out.keep_alive(in.keep_alive() && !front.stopping());
  out.body() = std::move(r.body);
  out.prepare_payload();
  stream.expires_after(milliseconds(l.write_timeout_ms));
  auto [ec, n] = co_await bhttp::async_write(stream, out, as_value);
  if (write_failed(ec, front.counts())) co_return next::close;
  co_return out.keep_alive() ? next::keep_alive : next::close;
}

// After a refusal the client may still be sending the body or header it was refused for: that is read and
// dropped for a bounded time and size, so the close does not reset the connection under the refusal.
asio::awaitable<void> linger(beast::tcp_stream& stream, const serve_limits& l) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(milliseconds(l.linger_ms));
  std::array<char, 16 * 1024> sink;
  for (std::size_t dropped = 0; dropped < l.linger_bytes_max;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), as_value);
    if (ec) break;
    dropped += n;
  }
}

}  // namespace

asio::awaitable<void> serve_connection(tcp::socket socket, serve_front& front, std::uint64_t id) {
  beast::tcp_stream stream(std::move(socket));
  front.opened(id, &stream.socket());
  beast::flat_buffer buffer(front.limits().header_bytes_max + read_chunk_bytes);
  next n = next::keep_alive;
  while (n == next::keep_alive) n = co_await serve_request(stream, buffer, front, id);
  front.set_busy(id, false);
  if (n == next::linger_close) co_await linger(stream, front.limits());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
  front.closed(id);
}

}  // namespace pilesim::tools
