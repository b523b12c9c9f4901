// Error values for every expected failure in pilesim (timeouts, lost links, refused or malformed input).
// Expected failures travel as boost::system::error_code / result<T>; exceptions are for bugs only.
// Codes are stable: they appear in traces and reports, so never renumber them.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <type_traits>

namespace pilesim {

enum class errc {
  ok = 0,
  // kernel and links
  timeout = 1,
  cancelled = 2,
  disconnected = 3,
  link_down = 4,
  mailbox_full = 5,
  too_large = 6,
  // decoding untrusted bytes
  truncated = 20,
  bad_length = 21,
  bad_field = 22,
  bad_checksum = 23,
  bad_mac = 24,
  trailing_bytes = 25,
  // authorization of relayed messages
  expired = 40,
  wrong_pile = 41,
  replayed = 42,
  not_yet_valid = 43,
  // parsing values written by people
  bad_value = 60,
};

const boost::system::error_category& pilesim_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), pilesim_category()};
}

template <class T>
using result = boost::system::result<T>;

}  // namespace pilesim

namespace boost::system {
template <>
struct is_error_code_enum<pilesim::errc> : std::true_type {};
}  // namespace boost::system
