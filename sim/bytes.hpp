// Little-endian byte writer and bounds-checked reader for every binary wire format in pilesim.
// The reader never trusts its input: a short read sets a sticky error and yields zeros, never reads past the end.
// Varints are unsigned LEB128 (7 bits a byte, least significant group first, high bit set on every byte but
// the last), signed values zigzag-mapped first (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...). The reader accepts only
// the shortest encoding of a value, so each value has exactly one encoding and equal values give equal bytes.
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
  // 1 to 10 bytes: 1 up to 127, 2 up to 2^14-1, ... 10 for 2^63 and above.
  void uvarint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  // Zigzag, so small magnitudes of either sign stay short.
  void svarint(std::int64_t v) {
    uvarint((static_cast<std::uint64_t>(v) << 1) ^ (v < 0 ? ~std::uint64_t{0} : 0));
  }
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
  // Refuses an encoding cut short (truncated), and one that is not the value's shortest or does not fit in
  // 64 bits (bad_field): a last byte of zero after others, or a tenth byte above 1 or with its high bit set.
  std::uint64_t uvarint() {
    std::uint64_t v = 0;
    for (int i = 0; i < max_varint_len; ++i) {
      if (!take(1)) return 0;
      const std::uint8_t b = in_[pos_ - 1];
      if (i == max_varint_len - 1 && b > 1) {
        fail(errc::bad_field);
        return 0;
      }
      v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          fail(errc::bad_field);
          return 0;
        }
        return v;
      }
    }
    return 0;  // unreachable: the tenth byte either ended the value or failed above
  }
  std::int64_t svarint() {
    const std::uint64_t u = uvarint();
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
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

  static constexpr int max_varint_len = 10;  // ceil(64 / 7)

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  errc error_ = errc::ok;
};

}  // namespace pilesim
