// Varints: every value round-trips with its expected length, and the reader refuses everything but the shortest
// encoding of a value that fits 64 bits: non-minimal forms, overflow, more than ten bytes, truncation.
#include "sim/bytes.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

using namespace pilesim;

namespace {

bytes uvar(std::uint64_t v) {
  bytes b;
  byte_writer(b).uvarint(v);
  return b;
}

bytes svar(std::int64_t v) {
  bytes b;
  byte_writer(b).svarint(v);
  return b;
}

// Decodes one varint that must fill `b` exactly; returns the reader's error.
errc read_u(const bytes& b, std::uint64_t* out = nullptr) {
  byte_reader r(b);
  const std::uint64_t v = r.uvarint();
  if (out) *out = v;
  return r.finish();
}

std::size_t expected_len(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

TEST_SUITE("sim/bytes") {
  TEST_CASE("unsigned varints round-trip at every length boundary") {
    std::vector<std::uint64_t> values{0, 1, 127, 128, 255, 300, 16383, 16384};
    for (int bits = 14; bits <= 63; bits += 7) {
      values.push_back((std::uint64_t{1} << bits) - 1);
      values.push_back(std::uint64_t{1} << bits);
    }
    values.push_back(std::uint64_t{1} << 63);
    values.push_back((std::uint64_t{1} << 63) - 1);
    values.push_back(std::numeric_limits<std::uint64_t>::max() - 1);
    values.push_back(std::numeric_limits<std::uint64_t>::max());
    for (std::uint64_t v : values) {
      const bytes b = uvar(v);
      CHECK_MESSAGE(b.size() == expected_len(v), v);
      std::uint64_t back = 1;
      CHECK_MESSAGE(read_u(b, &back) == errc::ok, v);
      CHECK_MESSAGE(back == v, v);
    }
    CHECK(uvar(0) == bytes{0x00});
    CHECK(uvar(127) == bytes{0x7f});
    CHECK(uvar(128) == bytes{0x80, 0x01});
    CHECK(uvar((std::uint64_t{1} << 63) - 1) == bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f});
    CHECK(uvar(std::numeric_limits<std::uint64_t>::max()) ==
          bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  }

  TEST_CASE("signed varints zigzag: small magnitudes of either sign stay short") {
    const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    CHECK(svar(0) == bytes{0x00});
    CHECK(svar(-1) == bytes{0x01});
    CHECK(svar(1) == bytes{0x02});
    CHECK(svar(-64) == bytes{0x7f});
    CHECK(svar(64) == bytes{0x80, 0x01});
    CHECK(svar(hi).size() == 10);
    CHECK(svar(lo).size() == 10);
    for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}, std::int64_t{-64}, std::int64_t{63},
                           std::int64_t{64}, std::int64_t{-65}, std::int64_t{1} << 40, -(std::int64_t{1} << 40),
                           hi, hi - 1, lo, lo + 1}) {
      const bytes b = svar(v);
      byte_reader r(b);
      CHECK_MESSAGE(r.svarint() == v, v);
      CHECK_MESSAGE(r.finish() == errc::ok, v);
    }
    // Zigzag is a bijection: every unsigned value decodes to some signed one, and re-encodes to the same bytes.
    const std::uint64_t umax = std::numeric_limits<std::uint64_t>::max();
    for (std::uint64_t u : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{255}, umax, umax - 1}) {
      const bytes b = uvar(u);
      byte_reader r(b);
      const std::int64_t v = r.svarint();
      REQUIRE(r.finish() == errc::ok);
      CHECK(svar(v) == b);
    }
  }

  TEST_CASE("every non-minimal encoding is refused") {
    // A value followed by 0x80 ... 0x00 padding encodes the same number in more bytes.
    for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{127}, std::uint64_t{128},
                            std::uint64_t{1} << 20, (std::uint64_t{1} << 56) - 1}) {
      const bytes minimal = uvar(v);
      for (std::size_t extra = 1; minimal.size() + extra <= 10; ++extra) {
        bytes padded = minimal;
        padded.back() |= 0x80;
        for (std::size_t i = 1; i < extra; ++i) padded.push_back(0x80);
        padded.push_back(0x00);
        REQUIRE(padded.size() == minimal.size() + extra);
        CHECK_MESSAGE(read_u(padded) == errc::bad_field, v, " padded by ", extra);
      }
    }
    CHECK(read_u(bytes{0x80, 0x00}) == errc::bad_field);
    CHECK(read_u(bytes{0xff, 0x00}) == errc::bad_field);
    CHECK(read_u(bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}) == errc::bad_field);
  }

  TEST_CASE("overflow past 64 bits and more than ten bytes are refused") {
    bytes ten{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK(read_u(ten) == errc::ok);
    for (std::uint8_t last = 0x02; last != 0; ++last) {  // a tenth byte above 1 sets bit 64 or beyond
      bytes over = ten;
      over.back() = last;
      CHECK_MESSAGE(read_u(over) == errc::bad_field, int(last));
    }
    bytes eleven(10, 0x80);
    eleven.push_back(0x01);
    CHECK(read_u(eleven) == errc::bad_field);
    bytes long_run(20, 0xff);
    CHECK(read_u(long_run) == errc::bad_field);
  }

  TEST_CASE("truncated varints are refused, and the reader stays failed") {
    for (std::uint64_t v : {std::uint64_t{128}, std::uint64_t{1} << 35, std::numeric_limits<std::uint64_t>::max()}) {
      const bytes full = uvar(v);
      for (std::size_t n = 0; n < full.size(); ++n) {
        const bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_MESSAGE(read_u(cut) == errc::truncated, v, " cut to ", n);
      }
    }
    const bytes empty;
    byte_reader r(empty);
    CHECK(r.uvarint() == 0);
    CHECK(r.svarint() == 0);
    CHECK(r.error() == errc::truncated);
  }

  TEST_CASE("a varint ends at its last byte; what follows is the next field") {
    const bytes b{0x80, 0x01, 0x05};
    byte_reader r(b);
    CHECK(r.uvarint() == 128);
    CHECK(r.position() == 2);
    CHECK(r.finish() == errc::trailing_bytes);
  }
}
