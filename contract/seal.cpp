#include "contract/seal.hpp"

#include "contract/envelope.hpp"
#include "contract/mac.hpp"

#include <cstring>
#include <utility>

namespace pilesim::contract {
namespace {

// Verifies the MAC in constant time, then the version and the kind; returns the body, MAC cut off.
result<std::span<const std::uint8_t>> check(std::span<const std::uint8_t> sealed, const key32& key, token_kind k) {
  if (sealed.size() < token_len_min) return errc::truncated;
  auto body = sealed.first(sealed.size() - mac_len);
  if (!mac_matches(body, sealed.last<mac_len>(), key)) return errc::bad_mac;
  if (body[0] != envelope_version || body[1] != static_cast<std::uint8_t>(k)) return errc::bad_field;
  return body;
}

// Every kind of token carries the envelope's pile id and session id as its first two fields.
template <class token>
void read_ids(byte_reader& r, token& x) {
  envelope_ids ids = read_envelope(r);
  x.pile_id = std::move(ids.pile_id);
  x.session_id = ids.session_id;
}

}  // namespace

bytes seal(const start_authorization& a, const key32& key) {
  bytes b;
  b.reserve(144);
  byte_writer w(b);
  write_envelope(w, token_kind::authorization, a.pile_id, a.session_id);
  w.uvarint(a.counter);
  w.svarint(a.issued_at_us);
  w.svarint(a.expires_at_us);
  w.svarint(a.frozen.minor);
  w.svarint(a.rate.energy.e4);
  w.svarint(a.rate.service.e4);
  w.str8(a.vehicle_id);
  w.raw(a.stop_digest);
  // Appended last so that the layout before them stays as it was (agent/attack.cpp mirrors it).
  w.raw(a.challenge);
  w.svarint(a.ttl_us);
  append_mac(b, key);
  return b;
}
bytes seal(const bill& x, const key32& key) {
  bytes b;
  b.reserve(80);
  byte_writer w(b);
  write_envelope(w, token_kind::bill, x.pile_id, x.session_id);
  w.uvarint(x.counter);
  w.svarint(x.meter_start_wh);
  w.svarint(x.meter_stop_wh);
  w.svarint(x.started_at_us);
  w.svarint(x.stopped_at_us);
  w.svarint(x.cost.minor);
  w.u8(static_cast<std::uint8_t>(x.reason));
  append_mac(b, key);
  return b;
}

bytes seal(const receipt& x, const key32& key) {
  bytes b;
  b.reserve(48);
  byte_writer w(b);
  write_envelope(w, token_kind::receipt, x.pile_id, x.session_id);
  w.uvarint(x.bill_counter);
  w.svarint(x.charged.minor);
  append_mac(b, key);
  return b;
}

bytes seal(const start_ack& x, const key32& key) {
  bytes b;
  b.reserve(48);
  byte_writer w(b);
  write_envelope(w, token_kind::start_ack, x.pile_id, x.session_id);
  w.uvarint(x.counter);
  w.svarint(x.meter_start_wh);
  w.svarint(x.started_at_us);
  w.uvarint(x.prev_counter);
  append_mac(b, key);
  return b;
}

result<start_ack> open_start_ack(std::span<const std::uint8_t> sealed, const key32& key) {
  auto body = check(sealed, key, token_kind::start_ack);
  if (!body) return body.error();
  byte_reader r(*body);
  start_ack x;
  read_ids(r, x);
  x.counter = r.uvarint();
  x.meter_start_wh = r.svarint();
  x.started_at_us = r.svarint();
  x.prev_counter = r.uvarint();
  if (auto e = r.finish(); e != errc::ok) return e;
  if (x.meter_start_wh < 0 || x.prev_counter >= x.counter) return errc::bad_field;
  return x;
}

result<start_authorization> open_authorization(std::span<const std::uint8_t> sealed, const key32& key) {
  auto body = check(sealed, key, token_kind::authorization);
  if (!body) return body.error();
  byte_reader r(*body);
  start_authorization a;
  read_ids(r, a);
  a.counter = r.uvarint();
  a.issued_at_us = r.svarint();
  a.expires_at_us = r.svarint();
  a.frozen.minor = r.svarint();
  a.rate.energy.e4 = r.svarint();
  a.rate.service.e4 = r.svarint();
  a.vehicle_id = r.str8(vehicle_id_len_max);
  auto d = r.raw(a.stop_digest.size());
  if (r.ok()) std::memcpy(a.stop_digest.data(), d.data(), d.size());
  auto c = r.raw(a.challenge.size());
  if (r.ok()) std::memcpy(a.challenge.data(), c.data(), c.size());
  a.ttl_us = r.svarint();
  if (auto e = r.finish(); e != errc::ok) return e;
  if (a.frozen.minor < 0 || a.rate.energy.e4 < 0 || a.rate.service.e4 < 0 || a.expires_at_us < a.issued_at_us ||
      a.ttl_us <= 0)
    return errc::bad_field;
  return a;
}

result<bill> open_bill(std::span<const std::uint8_t> sealed, const key32& key) {
  auto body = check(sealed, key, token_kind::bill);
  if (!body) return body.error();
  byte_reader r(*body);
  bill x;
  read_ids(r, x);
  x.counter = r.uvarint();
  x.meter_start_wh = r.svarint();
  x.meter_stop_wh = r.svarint();
  x.started_at_us = r.svarint();
  x.stopped_at_us = r.svarint();
  x.cost.minor = r.svarint();
  std::uint8_t reason = r.u8();
  if (auto e = r.finish(); e != errc::ok) return e;
  if (reason < 1 || reason > 6) return errc::bad_field;
  x.reason = static_cast<stop_reason>(reason);
  if (x.meter_start_wh < 0 || x.meter_stop_wh < x.meter_start_wh || x.stopped_at_us < x.started_at_us ||
      x.cost.minor < 0)
    return errc::bad_field;
  return x;
}

result<receipt> open_receipt(std::span<const std::uint8_t> sealed, const key32& key) {
  auto body = check(sealed, key, token_kind::receipt);
  if (!body) return body.error();
  byte_reader r(*body);
  receipt x;
  read_ids(r, x);
  x.bill_counter = r.uvarint();
  x.charged.minor = r.svarint();
  if (auto e = r.finish(); e != errc::ok) return e;
  if (x.charged.minor < 0) return errc::bad_field;
  return x;
}

}  // namespace pilesim::contract
