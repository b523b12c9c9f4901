// libFuzzer target: the BLE wire format as a pile or phone receives it. The input is a packet stream
// (corpus_format.hpp); every packet goes through the reassembler, every whole frame through the decoder.
// Checked: a whole frame is exactly the data of the packets since a first packet, all with one tag (never a
// splice); a frame that decodes re-encodes to the same bytes; the raw input decoded as one frame does too.
#include "fuzz/corpus_format.hpp"
#include "pile/protocol/fragment.hpp"
#include "pile/protocol/messages.hpp"

#include <cstdint>
#include <cstdlib>
#include <algorithm>
#include <optional>
#include <vector>

using namespace pilesim;

namespace {

void check_canonical(std::span<const std::uint8_t> wire) {
  auto f = protocol::decode(wire);
  if (!f) return;
  const bytes again = protocol::encode(*f);
  if (again.size() != wire.size() || !std::equal(again.begin(), again.end(), wire.begin())) std::abort();
}

// What the reassembler may yield after `taken`: the data of the packets since the last first packet, each
// exact repeat of the one before it skipped, all carrying that first packet's tag. Empty when there is none.
std::optional<bytes> expected_frame(const std::vector<std::span<const std::uint8_t>>& taken) {
  std::optional<std::size_t> first;
  for (std::size_t i = taken.size(); i-- > 0;) {
    if (taken[i].size() >= 2 && (taken[i][0] & 0x80)) {
      first = i;
      break;
    }
  }
  if (!first) return std::nullopt;
  const std::size_t start = *first;
  const std::uint8_t tag = taken[start][1];
  bytes out;
  for (std::size_t i = start; i < taken.size(); ++i) {
    const auto p = taken[i];
    if (i > start && p.size() == taken[i - 1].size() && std::equal(p.begin(), p.end(), taken[i - 1].begin()))
      continue;
    if (p.size() < 2 || p[1] != tag) return std::nullopt;
    out.insert(out.end(), p.begin() + 2, p.end());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  check_canonical(in);
  protocol::reassembler r(protocol::frame_len_max);
  std::vector<std::span<const std::uint8_t>> taken;
  for (const auto packet : fuzz::split_packets(in)) {
    taken.push_back(packet);
    auto whole = r.push(packet);
    if (!whole) continue;
    const auto expected = expected_frame(taken);
    if (!expected || *expected != *whole) std::abort();  // a splice, or bytes from nowhere
    if (whole->size() > protocol::frame_len_max) std::abort();
    check_canonical(*whole);
    taken.clear();
  }
  return 0;
}
