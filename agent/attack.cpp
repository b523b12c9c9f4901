#include "agent/attack.hpp"

#include "contract/envelope.hpp"

#include <array>
#include <utility>

namespace pilesim::agent {
namespace {

constexpr std::array<std::pair<attack_kind, std::string_view>, 11> names{{
    {attack_kind::forge_start, "forge_start"},
    {attack_kind::alter_start, "alter_start"},
    {attack_kind::replay_start, "replay_start"},
    {attack_kind::expired_start, "expired_start"},
    {attack_kind::redirect_start, "redirect_start"},
    {attack_kind::alter_bill, "alter_bill"},
    {attack_kind::replay_bill, "replay_bill"},
    {attack_kind::withhold_bill, "withhold_bill"},
    {attack_kind::withhold_ack, "withhold_ack"},
    {attack_kind::forge_receipt, "forge_receipt"},
    {attack_kind::steal_stop, "steal_stop"},
}};

// The body of a token (everything before its MAC), read up to the kind's fields.
struct opened_body {
  std::span<const std::uint8_t> body;
  std::span<const std::uint8_t> mac;
};

std::optional<opened_body> split(const bytes& sealed) {
  if (sealed.size() < contract::token_len_min) return std::nullopt;
  const std::span<const std::uint8_t> all(sealed);
  return opened_body{all.first(sealed.size() - contract::mac_len), all.last(contract::mac_len)};
}

}  // namespace

std::string_view to_string(attack_kind k) {
  for (const auto& [kind, name] : names)
    if (kind == k) return name;
  return "?";
}

std::optional<attack_kind> attack_kind_from(std::string_view name) {
  for (const auto& [kind, n] : names)
    if (n == name) return kind;
  return std::nullopt;
}

std::string attack_kind_list() {
  std::string out;
  for (const auto& [kind, name] : names) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

bytes with_made_up_mac(bytes sealed) {
  const std::size_t n = std::min(sealed.size(), contract::mac_len);
  for (std::size_t i = sealed.size() - n; i < sealed.size(); ++i) sealed[i] = static_cast<std::uint8_t>(sealed[i] ^ 0x5a);
  return sealed;
}

// Authorization layout (contract/seal.cpp): envelope, counter, issued, expires, frozen, then the rest (rate,
// vehicle, stop digest, and last the challenge and the ttl), copied as it is.
std::optional<bytes> with_raised_frozen(const bytes& sealed) {
  auto parts = split(sealed);
  if (!parts) return std::nullopt;
  byte_reader r(parts->body);
  const auto ids = contract::read_envelope(r);
  const std::uint64_t counter = r.uvarint();
  const std::int64_t issued = r.svarint();
  const std::int64_t expires = r.svarint();
  const std::int64_t frozen = r.svarint();
  if (!r.ok()) return std::nullopt;
  const auto rest = r.raw(r.remaining());
  bytes out;
  byte_writer w(out);
  contract::write_envelope(w, static_cast<contract::token_kind>(parts->body[1]), ids.pile_id, ids.session_id);
  w.uvarint(counter);
  w.svarint(issued);
  w.svarint(expires);
  w.svarint(frozen * 10 + 10000);
  w.raw(rest);
  w.raw(parts->mac);
  return out;
}

// Bill layout (contract/seal.cpp): envelope, counter, meter start, meter stop, started, stopped, cost, reason.
std::optional<bytes> with_lowered_cost(const bytes& sealed) {
  auto parts = split(sealed);
  if (!parts) return std::nullopt;
  byte_reader r(parts->body);
  const auto ids = contract::read_envelope(r);
  const std::uint64_t counter = r.uvarint();
  const std::int64_t meter_start = r.svarint();
  const std::int64_t meter_stop = r.svarint();
  const std::int64_t started = r.svarint();
  const std::int64_t stopped = r.svarint();
  const std::int64_t cost = r.svarint();
  if (!r.ok()) return std::nullopt;
  const auto rest = r.raw(r.remaining());
  bytes out;
  byte_writer w(out);
  contract::write_envelope(w, static_cast<contract::token_kind>(parts->body[1]), ids.pile_id, ids.session_id);
  w.uvarint(counter);
  w.svarint(meter_start);
  w.svarint(meter_start + (meter_stop - meter_start) / 2);
  w.svarint(started);
  w.svarint(stopped);
  w.svarint(cost / 2);
  w.raw(rest);
  w.raw(parts->mac);
  return out;
}

bytes made_up_receipt(std::string_view pile, std::uint64_t session) {
  bytes out;
  byte_writer w(out);
  contract::write_envelope(w, contract::token_kind::receipt, pile, session);
  w.uvarint(1);  // a bill counter
  w.svarint(0);  // charged nothing
  for (std::size_t i = 0; i < contract::mac_len; ++i) w.u8(static_cast<std::uint8_t>(0xa5 ^ i));
  return out;
}

}  // namespace pilesim::agent
