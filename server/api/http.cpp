// The only translation unit that includes Boost.Beast (see http.hpp).
#include "server/api/http.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <optional>
#include <type_traits>

namespace pilesim::http {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::string_view host = "pilesim";
constexpr std::string_view content_type = "application/json";
constexpr std::string_view idempotency_header = "Idempotency-Key";

// Beast writes the header through its fields' writer (the FieldsWriter that its serializer uses for the
// header too) and the body is appended straight from the caller's string: the message carries no body, only the
// explicit Content-Length, so nothing is copied into it first. Going through bhttp::serializer instead yields
// the same bytes at about three times the cost, in its buffer-sequence bookkeeping.
template <bool is_request>
std::string serialize(const bhttp::message<is_request, bhttp::empty_body>& m, std::string_view body) {
  std::optional<bhttp::fields::writer> wr;  // built in place: its buffers point into itself
  if constexpr (is_request)
    wr.emplace(m, m.version(), m.method());
  else
    wr.emplace(m, m.version(), m.result_int());
  std::string out;
  out.reserve(256 + body.size());
  const auto header = wr->get();  // named: the range below refers to it
  for (auto b : boost::beast::buffers_range_ref(header)) out.append(static_cast<const char*>(b.data()), b.size());
  out.append(body);
  return out;
}

// Beast's HTTP/1.1 parser, with a handler that keeps only what request and response carry instead of
// building a full message (a heap node and a set insertion per header, then lookups and copies out of it).
// Syntax, Content-Length and chunked framing, and the limits are all basic_parser's, as with bhttp::parser.
template <bool is_request>
class wire_parser final : public bhttp::basic_parser<is_request> {
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

 public:
  std::conditional_t<is_request, request, response> out;

 private:
  void on_request_impl(bhttp::verb, string_view method, string_view target, int, error_code&) override {
    if constexpr (is_request) {
      out.method.assign(method.data(), method.size());
      out.target.assign(target.data(), target.size());
    }
  }
  void on_response_impl(int code, string_view, int, error_code&) override {
    if constexpr (!is_request) out.status = code;
  }
  // Of repeated headers the first counts, as a lookup in Beast's fields would find it.
  void on_field_impl(bhttp::field name, string_view name_string, string_view value, error_code&) override {
    if constexpr (is_request) {
      if (name == bhttp::field::authorization) {
        if (!seen_authorization_) out.authorization.assign(value.data(), value.size());
        seen_authorization_ = true;
      } else if (boost::beast::iequals(name_string, idempotency_header)) {
        if (!seen_idempotency_key_) out.idempotency_key.assign(value.data(), value.size());
        seen_idempotency_key_ = true;
      }
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // basic_parser has already refused a Content-Length over the body limit.
    if (length) out.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, body_len_max)));
  }
  std::size_t on_body_impl(string_view body, error_code&) override {
    out.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    out.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  bool seen_authorization_ = false;
  bool seen_idempotency_key_ = false;
};

errc map_error(const boost::beast::error_code& ec) {
  if (ec == bhttp::error::need_more || ec == bhttp::error::partial_message) return errc::truncated;
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return errc::too_large;
  return errc::bad_value;
}

// Feeds the whole wire to the parser. The message must end exactly where the wire ends: a prefix is
// truncated, anything after the message is trailing garbage.
template <class Parser>
errc feed(Parser& p, std::string_view wire, bool eof_ends_body) {
  p.body_limit(body_len_max);
  p.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!p.is_done() && used < wire.size()) {
    const std::size_t n = p.put(boost::asio::const_buffer(wire.data() + used, wire.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      // Beast consumed what it could; with nothing consumed it is waiting for bytes the wire does not have.
      ec = {};
      if (n == 0) break;
      continue;
    }
    if (ec || n == 0) break;
  }
  // A response without Content-Length runs to the end of the connection; here the wire is the connection.
  if (!ec && !p.is_done() && eof_ends_body && p.is_header_done() && p.need_eof()) {
    ec = {};
    p.put_eof(ec);
  }
  if (ec) return map_error(ec);
  if (!p.is_done()) return errc::truncated;
  if (used != wire.size()) return errc::trailing_bytes;
  return errc::ok;
}

// The fields are fresh, so they are inserted, not set: set() first looks for an existing field to replace,
// and content_length() also edits Transfer-Encoding; neither has anything to do here.
void put_content_length(bhttp::fields& f, std::size_t n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  f.insert(bhttp::field::content_length, boost::beast::string_view(buf, static_cast<std::size_t>(end - buf)));
}

}  // namespace

std::string encode(const request& r) {
  bhttp::request<bhttp::empty_body> m;
  m.version(11);
  m.method_string(r.method);
  m.target(r.target);
  m.insert(bhttp::field::host, host);
  if (!r.authorization.empty()) m.insert(bhttp::field::authorization, r.authorization);
  // Not one of the fields Beast knows by name: said so at once, instead of Beast looking the name up.
  if (!r.idempotency_key.empty()) m.insert(bhttp::field::unknown, idempotency_header, r.idempotency_key);
  m.insert(bhttp::field::content_type, content_type);
  // Always explicit, also for an empty GET body, so the receiver never has to guess where the message ends.
  put_content_length(m, r.body.size());
  return serialize(m, r.body);
}

std::string encode(const response& r) {
  assert(r.status >= 100 && r.status <= 999);
  bhttp::response<bhttp::empty_body> m;
  m.version(11);
  m.result(static_cast<unsigned>(r.status));
  // No reason phrase set: the fields' writer then writes the standard one for the status (the obsolete
  // reason, "<unknown-status>" for a code without one), with no copy of it in the fields first.
  m.insert(bhttp::field::content_type, content_type);
  put_content_length(m, r.body.size());
  return serialize(m, r.body);
}

result<request> decode_request(std::string_view wire) {
  wire_parser<true> p;
  if (auto e = feed(p, wire, false); e != errc::ok) return e;
  return std::move(p.out);
}

result<response> decode_response(std::string_view wire) {
  wire_parser<false> p;
  if (auto e = feed(p, wire, true); e != errc::ok) return e;
  return std::move(p.out);
}

}  // namespace pilesim::http
