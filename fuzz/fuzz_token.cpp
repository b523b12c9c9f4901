// libFuzzer target: opening sealed tokens, as pile and server do with bytes a phone relays. The key is the one
// the envelope's pile id names in a seed-1 world, so recorded tokens open. Checked: a token that opens seals
// again to the same bytes; it never opens with another pile's key; with one byte flipped it does not open.
#include "contract/envelope.hpp"
#include "contract/keys.hpp"
#include "contract/seal.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace pilesim;

namespace {

constexpr std::uint64_t world_seed = 1;

void fail(const char* what) {
  std::fprintf(stderr, "fuzz_token: %s\n", what);
  std::abort();
}

template <class Open>
void check_kind(std::span<const std::uint8_t> sealed, const key32& key, const key32& other, Open open) {
  auto token = open(sealed, key);
  if (!token) return;
  const bytes again = contract::seal(*token, key);
  if (again.size() != sealed.size() || !std::equal(again.begin(), again.end(), sealed.begin()))
    fail("re-seal differs");
  if (open(sealed, other)) fail("opened with another pile's key");
  bytes flipped(sealed.begin(), sealed.end());
  flipped[sealed.size() / 2] ^= 0x01;
  if (open(flipped, key)) fail("opened with a flipped byte");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> sealed(data, size);
  auto pile = contract::peek_pile_id(sealed);
  const std::string pile_id = pile ? *pile : std::string("P1");
  const key32 key = contract::derive_pile_key(world_seed, pile_id);
  const key32 other = contract::derive_pile_key(world_seed, pile_id + "x");
  check_kind(sealed, key, other, [](auto s, const key32& k) { return contract::open_authorization(s, k); });
  check_kind(sealed, key, other, [](auto s, const key32& k) { return contract::open_bill(s, k); });
  check_kind(sealed, key, other, [](auto s, const key32& k) { return contract::open_receipt(s, k); });
  check_kind(sealed, key, other, [](auto s, const key32& k) { return contract::open_start_ack(s, k); });
  return 0;
}
