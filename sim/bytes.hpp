// Little-endian byte writer and bounds-checked reader for every binary wire format in pilesim.
// The reader never trusts its input: a short read sets a sticky error and yields zeros, never reads past the end.
#pragma once

#include "sim/error.hpp"

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim {

using bytes = std::vector<std::uint8_t>;

class byte_writer {
 public:
  explicit byte_writer(bytes& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put_le(v, 2); }
  void u32(std::uint32_t v) { put_le(v, 4); }
  void u64(std::uint64_t v) { put_le(v, 8); }
  void i64(std::int64_t v) { put_le(static_cast<std::uint64_t>(v), 8); }
  void raw(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // A string of at most 255 bytes, prefixed with its length.
  void str8(std::string_view s) {
    u8(static_cast<std::uint8_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }

 private:
  void put_le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  bytes& out_;
};

class byte_reader {
 public:
  explicit byte_reader(std::span<const std::uint8_t> in) : in_(in) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(get_le(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get_le(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get_le(4)); }
  std::uint64_t u64() { return get_le(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(get_le(8)); }
  std::span<const std::uint8_t> raw(std::size_t n) {
    if (!take(n)) return {};
    return in_.subspan(pos_ - n, n);
  }
  // Length-prefixed string; a length above `max_len` is an error (bad_length).
  std::string str8(std::size_t max_len) {
    std::size_t n = u8();
    if (n > max_len) {
      fail(errc::bad_length);
      return {};
    }
    auto b = raw(n);
    return std::string(b.begin(), b.end());
  }

  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool ok() const { return error_ == errc::ok; }
  errc error() const { return error_; }
  void fail(errc e) {
    if (error_ == errc::ok) error_ = e;
  }
  // Succeeds only when nothing failed and every byte was consumed.
  errc finish() {
    if (error_ == errc::ok && pos_ != in_.size()) error_ = errc::trailing_bytes;
    return error_;
  }

 private:
  bool take(std::size_t n) {
    if (error_ != errc::ok) return false;
    if (in_.size() - pos_ < n) {
      error_ = errc::truncated;
      pos_ = in_.size();
      return false;
    }
    pos_ += n;
    return true;
  }
  std::uint64_t get_le(int n) {
    if (!take(static_cast<std::size_t>(n))) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(in_[pos_ - n + i]) << (8 * i);
    return v;
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  errc error_ = errc::ok;
};

}  // namespace pilesim
