// HTTP/1.1 messages as plain values, and their exact bytes through Boost.Beast (serializer and parser).
// Beast lives only in http.cpp so that the heavy headers compile once; everyone else sees these structs.
// Parsing trusts nothing: a malformed or oversize message is an error value, never a crash.
#pragma once

#include "sim/error.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pilesim::http {

inline constexpr std::size_t body_len_max = 64 * 1024;

struct request {
  std::string method;                // "GET", "POST", "DELETE"
  std::string target;                // "/v1/sessions/7/bill"
  std::string authorization;         // "Bearer <token>", empty if absent
  std::string idempotency_key;       // empty if absent
  std::string body;                  // JSON text or empty
};

struct response {
  int status = 200;
  std::string body;                  // JSON text
};

// Serialized with Beast as HTTP/1.1, Host "pilesim", Content-Type application/json, Content-Length.
std::string encode(const request& r);
std::string encode(const response& r);
// Parsed with Beast's parsers; errc::bad_value for anything Beast refuses, errc::truncated when incomplete,
// errc::too_large when the body exceeds body_len_max.
result<request> decode_request(std::string_view wire);
result<response> decode_response(std::string_view wire);

}  // namespace pilesim::http
