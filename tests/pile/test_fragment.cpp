// Fragmentation of frames into BLE packets of at most MTU-3 bytes, and strict reassembly.
#include "pile/protocol/fragment.hpp"
#include "pile/protocol/messages.hpp"

#include <doctest/doctest.h>

using namespace pilesim;
using namespace pilesim::protocol;

namespace {

bytes frame_of(std::size_t n, std::uint8_t seed = 1) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  return b;
}

// Feeds packets in order; returns every whole frame that came out.
std::vector<bytes> feed(reassembler& r, const std::vector<bytes>& packets) {
  std::vector<bytes> out;
  for (const bytes& p : packets)
    if (auto f = r.push(p)) out.push_back(std::move(*f));
  return out;
}

std::size_t data_per_packet(std::size_t mtu) { return mtu - att_overhead - packet_header_len; }

}  // namespace

TEST_SUITE("pile/protocol/fragment") {
  TEST_CASE("packets never exceed MTU-3 and reassemble at the usual MTUs") {
    for (std::size_t mtu : {std::size_t{23}, std::size_t{24}, std::size_t{185}, std::size_t{247}}) {
      for (std::size_t len : {std::size_t{1}, std::size_t{9}, std::size_t{19}, std::size_t{20}, std::size_t{21},
                              std::size_t{200}, frame_len_max}) {
        const bytes f = frame_of(len, static_cast<std::uint8_t>(mtu));
        const auto packets = fragment(f, mtu, 7);
        const std::size_t chunk = data_per_packet(mtu);
        CHECK(packets.size() == (len + chunk - 1) / chunk);
        for (const bytes& p : packets) CHECK(p.size() <= mtu - att_overhead);
        reassembler r(frame_len_max);
        auto out = feed(r, packets);
        REQUIRE(out.size() == 1);
        CHECK(out[0] == f);
        CHECK(r.discarded() == 0);
      }
    }
  }

  TEST_CASE("a frame of exactly n whole packets has no empty tail packet") {
    for (std::size_t mtu : {std::size_t{23}, std::size_t{24}, std::size_t{185}, std::size_t{247}}) {
      const std::size_t chunk = data_per_packet(mtu);
      for (std::size_t n = 1; n <= 4; ++n) {
        const bytes f = frame_of(n * chunk);
        const auto packets = fragment(f, mtu, 7);
        REQUIRE(packets.size() == n);
        CHECK(packets.back().size() == mtu - att_overhead);
        CHECK((packets.back()[0] & 0x40) != 0);
        CHECK((packets.front()[0] & 0x80) != 0);
        for (std::size_t i = 0; i < n; ++i) CHECK((packets[i][0] & 0x3F) == i);
        reassembler r(frame_len_max);
        auto out = feed(r, packets);
        REQUIRE(out.size() == 1);
        CHECK(out[0] == f);
      }
    }
  }

  TEST_CASE("the smallest MTU (6) carries one data byte per packet, and indexes wrap at 64") {
    const bytes f = frame_of(150);
    const auto packets = fragment(f, 6, 7);
    REQUIRE(packets.size() == 150);
    CHECK((packets[64][0] & 0x3F) == 0);
    CHECK((packets[64][0] & 0x80) == 0);
    reassembler r(frame_len_max);
    auto out = feed(r, packets);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == f);
  }

  TEST_CASE("a lost fragment discards the partial frame and the next frame still arrives") {
    const bytes a = frame_of(60, 1), b = frame_of(60, 2);
    auto pa = fragment(a, 23, 7), pb = fragment(b, 23, 7);
    REQUIRE(pa.size() == 4);
    reassembler r(frame_len_max);
    for (std::size_t lost = 0; lost < pa.size(); ++lost) {
      std::vector<bytes> packets;
      for (std::size_t i = 0; i < pa.size(); ++i)
        if (i != lost) packets.push_back(pa[i]);
      packets.insert(packets.end(), pb.begin(), pb.end());
      const auto before = r.discarded();
      auto out = feed(r, packets);
      REQUIRE_MESSAGE(out.size() == 1, "lost ", lost);
      CHECK(out[0] == b);  // never a splice of a and b
      CHECK(r.discarded() > before);
    }
  }

  TEST_CASE("an exact repeat of the fragment just taken is skipped and the frame still arrives") {
    const bytes a = frame_of(80);
    auto p = fragment(a, 23, 7);
    REQUIRE(p.size() == 5);
    reassembler r(frame_len_max);
    auto out = feed(r, {p[0], p[0], p[1], p[2], p[2], p[3], p[4]});
    REQUIRE(out.size() == 1);
    CHECK(out[0] == a);
    CHECK(r.repeats() == 2);
    CHECK(r.discarded() == 0);
  }

  TEST_CASE("a repeat of an older fragment still discards the partial frame") {
    const bytes a = frame_of(80);
    auto p = fragment(a, 23, 7);
    reassembler r(frame_len_max);
    auto out = feed(r, {p[0], p[1], p[2], p[1], p[3], p[4]});
    CHECK(out.empty());
    CHECK(r.discarded() >= 1);
    out = feed(r, p);  // the retry goes through
    REQUIRE(out.size() == 1);
    CHECK(out[0] == a);
  }

  TEST_CASE("a whole single-packet frame sent again is a new frame, never swallowed as a repeat") {
    const bytes a = frame_of(10);
    auto p = fragment(a, 23, 7);
    REQUIRE(p.size() == 1);
    reassembler r(frame_len_max);
    auto out = feed(r, {p[0], p[0]});
    CHECK(out.size() == 2);
    CHECK(r.repeats() == 0);
  }

  TEST_CASE("reordered fragments discard the partial frame") {
    const bytes a = frame_of(80);
    auto p = fragment(a, 23, 7);
    reassembler r(frame_len_max);
    auto out = feed(r, {p[0], p[2], p[1], p[3], p[4]});
    CHECK(out.empty());
    CHECK(r.discarded() >= 1);
  }

  TEST_CASE("a duplicated last fragment of a finished frame is a stray and yields nothing") {
    const bytes a = frame_of(40);
    auto p = fragment(a, 23, 7);
    reassembler r(frame_len_max);
    auto out = feed(r, p);
    REQUIRE(out.size() == 1);
    CHECK(!r.push(p.back()).has_value());
    CHECK(r.discarded() == 1);
  }

  TEST_CASE("a frame longer than the limit is discarded, an empty packet too") {
    reassembler r(30);
    auto out = feed(r, fragment(frame_of(31), 23, 7));
    CHECK(out.empty());
    CHECK(r.discarded() == 1);  // the oversize partial, thrown away at its second packet
    CHECK(!r.push(bytes{}).has_value());
    CHECK(r.discarded() == 2);
    out = feed(r, fragment(frame_of(30), 23, 7));
    REQUIRE(out.size() == 1);
    CHECK(out[0].size() == 30);
  }

  TEST_CASE("a stray fragment of another frame with the index expected next is refused, never spliced") {
    // B's first packet, then A's packets 1 and 2: the indexes follow on, the tags do not.
    const bytes a = frame_of(60, 1), b = frame_of(60, 2);
    fragmenter sender;
    const auto pa = sender.cut(a, 23);
    const auto pb = sender.cut(b, 23);
    REQUIRE(pa.size() == 4);
    CHECK(pa[0][1] != pb[0][1]);
    reassembler r(frame_len_max);
    auto out = feed(r, {pb[0], pa[1], pa[2], pa[3]});
    CHECK(out.empty());
    CHECK(r.discarded() >= 1);
    out = feed(r, pb);  // B sent again arrives whole
    REQUIRE(out.size() == 1);
    CHECK(out[0] == b);
  }

  TEST_CASE("every packet carries its frame's tag, and a sender's tags count on mod 256") {
    fragmenter sender;
    for (int i = 0; i < 300; ++i) {
      const auto packets = sender.cut(frame_of(50), 23);
      for (const bytes& p : packets) CHECK(p[1] == static_cast<std::uint8_t>(i));
    }
  }

  TEST_CASE("a packet shorter than its header is refused") {
    reassembler r(frame_len_max);
    CHECK(!r.push(bytes{0xC0}).has_value());
    CHECK(r.discarded() == 1);
  }

  TEST_CASE("a first packet with a non-zero index is refused") {
    reassembler r(frame_len_max);
    CHECK(!r.push(bytes{0xC5, 7, 1, 2, 3}).has_value());
    CHECK(r.discarded() == 1);
  }
}
