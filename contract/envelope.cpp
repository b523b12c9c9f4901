#include "contract/envelope.hpp"

namespace pilesim::contract {
namespace {

// Passes over version and kind and reads the pile id: all that picking a key needs.
std::string read_through_pile_id(byte_reader& r) {
  r.u8();
  r.u8();
  std::string id = r.str8(pile_id_len_max);
  if (r.ok() && id.empty()) r.fail(errc::bad_field);
  return id;
}

}  // namespace

void write_envelope(byte_writer& w, token_kind kind, std::string_view pile_id, std::uint64_t session_id) {
  w.u8(envelope_version);
  w.u8(static_cast<std::uint8_t>(kind));
  w.str8(pile_id);
  w.uvarint(session_id);
}

envelope_ids read_envelope(byte_reader& r) {
  envelope_ids ids;
  ids.pile_id = read_through_pile_id(r);
  ids.session_id = r.uvarint();
  return ids;
}

result<std::string> peek_pile_id(std::span<const std::uint8_t> sealed) {
  if (sealed.size() < token_len_min) return errc::truncated;
  byte_reader r(sealed.first(sealed.size() - mac_len));
  std::string id = read_through_pile_id(r);
  if (!r.ok()) return r.error();
  return id;
}

result<std::uint64_t> peek_session_id(std::span<const std::uint8_t> sealed) {
  if (sealed.size() < token_len_min) return errc::truncated;
  byte_reader r(sealed.first(sealed.size() - mac_len));
  const envelope_ids ids = read_envelope(r);
  if (!r.ok()) return r.error();
  return ids.session_id;
}

}  // namespace pilesim::contract
