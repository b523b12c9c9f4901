#include "contract/token.hpp"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace pilesim {
namespace {

constexpr std::uint8_t version = 2;  // 1 had fixed 8-byte integers and a 32-byte MAC
enum class kind : std::uint8_t { authorization = 1, bill = 2, receipt = 3, start_ack = 4 };
constexpr std::size_t mac_len = 16;
static_assert(crypto_generichash_blake2b_KEYBYTES_MIN <= 32 && 32 <= crypto_generichash_blake2b_KEYBYTES_MAX);
static_assert(crypto_generichash_blake2b_BYTES_MIN <= mac_len && mac_len <= crypto_generichash_blake2b_BYTES_MAX);
static_assert(mac_len == crypto_verify_16_BYTES);

void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) std::abort();  // libsodium cannot work at all: a broken installation, not an input error
}

// Header common to every token: version, kind, pile id. The pile id comes first so it can be peeked.
void put_header(byte_writer& w, kind k, std::string_view pile_id) {
  w.u8(version);
  w.u8(static_cast<std::uint8_t>(k));
  w.str8(pile_id);
}

// The MAC is keyed BLAKE2b with a 16-byte output (libsodium's crypto_generichash with the pile's 32-byte key,
// its documented way to authenticate a message with a secret key, at its shortest output): a PRF, so as
// unforgeable as HMAC, with the 128-bit tag of Poly1305, GCM or CMAC. Every byte of a token costs BLE packets
// on the way through the phone, and a tag of 32 bytes would add no strength that matters here: a forger still
// has one chance in 2^128 per try, each try costing a BLE round trip to one pile.
// Tokens of ordinary sizes (under 128 bytes of body) take a single BLAKE2b block after the key's.
// Each thread keeps the keyed states of the keys it used last, direct-mapped by the key's first bytes (keys
// are uniformly random), so the next token for the same key starts from a copy. The output length is part of
// BLAKE2b's parameter block, so a state is initialised for mac_len and is good for that length only.
struct keyed_state {
  key32 key{};
  crypto_generichash_blake2b_state state{};
  bool ready = false;
};

const crypto_generichash_blake2b_state& keyed(const key32& key) {
  thread_local std::array<keyed_state, 64> cache;
  keyed_state& e = cache[(key[0] | (key[1] << 8)) % cache.size()];
  if (!e.ready || e.key != key) {
    ensure_sodium();
    if (crypto_generichash_blake2b_init(&e.state, key.data(), key.size(), mac_len) != 0) std::abort();
    e.key = key;
    e.ready = true;
  }
  return e.state;
}

std::array<std::uint8_t, mac_len> mac_of(std::span<const std::uint8_t> data, const key32& key) {
  crypto_generichash_blake2b_state st = keyed(key);
  crypto_generichash_blake2b_update(&st, data.data(), data.size());
  std::array<std::uint8_t, mac_len> mac{};
  crypto_generichash_blake2b_final(&st, mac.data(), mac.size());
  sodium_memzero(&st, sizeof st);
  return mac;
}

void append_mac(bytes& b, const key32& key) {
  const auto mac = mac_of(b, key);
  b.insert(b.end(), mac.begin(), mac.end());
}

// Verifies the MAC in constant time and returns the body with the header checked; the reader starts after it.
result<std::span<const std::uint8_t>> check(std::span<const std::uint8_t> sealed, const key32& key, kind k) {
  if (sealed.size() < mac_len + 3) return errc::truncated;
  auto body = sealed.first(sealed.size() - mac_len);
  const auto expected = mac_of(body, key);
  if (crypto_verify_16(sealed.data() + body.size(), expected.data()) != 0) return errc::bad_mac;
  if (body[0] != version || body[1] != static_cast<std::uint8_t>(k)) return errc::bad_field;
  return body;
}

std::string read_pile_id(byte_reader& r) {
  r.u8();
  r.u8();
  std::string id = r.str8(pile_id_len_max);
  if (r.ok() && id.empty()) r.fail(errc::bad_field);
  return id;
}

}  // namespace

key32 derive_pile_key(std::uint64_t seed, std::string_view pile_id) {
  ensure_sodium();
  bytes in;
  byte_writer w(in);
  w.raw(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>("pilesim/pile-key"), 16));
  w.u64(seed);
  w.str8(pile_id);
  key32 out{};
  crypto_generichash(out.data(), out.size(), in.data(), in.size(), nullptr, 0);
  return out;
}

key32 derive_stop_secret(std::uint64_t seed, std::uint64_t session_id) {
  ensure_sodium();
  bytes in;
  byte_writer w(in);
  w.raw(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>("pilesim/stop-key"), 16));
  w.u64(seed);
  w.u64(session_id);
  key32 out{};
  crypto_generichash(out.data(), out.size(), in.data(), in.size(), nullptr, 0);
  return out;
}

std::string derive_user_token(std::uint64_t seed, std::string_view user) {
  const key32 k = derive_pile_key(seed ^ 0x746f6b656eULL, std::string("user/") + std::string(user));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    out += hex[k[i] >> 4];
    out += hex[k[i] & 15];
  }
  return out;
}

key32 stop_digest(const key32& stop_secret) {
  ensure_sodium();
  key32 out{};
  crypto_generichash(out.data(), out.size(), stop_secret.data(), stop_secret.size(), nullptr, 0);
  return out;
}

std::string_view to_string(stop_reason r) {
  switch (r) {
    case stop_reason::user: return "user";
    case stop_reason::cap: return "cap";
    case stop_reason::full: return "full";
    case stop_reason::unplug: return "unplug";
    case stop_reason::power_loss: return "power_loss";
    case stop_reason::fault: return "fault";
  }
  return "invalid";
}

result<stop_reason> parse_stop_reason(std::string_view s) {
  for (auto r : {stop_reason::user, stop_reason::cap, stop_reason::full, stop_reason::unplug,
                 stop_reason::power_loss, stop_reason::fault})
    if (to_string(r) == s) return r;
  return errc::bad_value;
}

bytes seal(const start_authorization& a, const key32& key) {
  bytes b;
  b.reserve(112);
  byte_writer w(b);
  put_header(w, kind::authorization, a.pile_id);
  w.uvarint(a.session_id);
  w.uvarint(a.counter);
  w.svarint(a.issued_at_us);
  w.svarint(a.expires_at_us);
  w.svarint(a.frozen.minor);
  w.svarint(a.rate.energy.e4);
  w.svarint(a.rate.service.e4);
  w.str8(a.vehicle_id);
  w.raw(a.stop_digest);
  append_mac(b, key);
  return b;
}

bytes seal(const bill& x, const key32& key) {
  bytes b;
  b.reserve(80);
  byte_writer w(b);
  put_header(w, kind::bill, x.pile_id);
  w.uvarint(x.session_id);
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
  put_header(w, kind::receipt, x.pile_id);
  w.uvarint(x.session_id);
  w.uvarint(x.bill_counter);
  w.svarint(x.charged.minor);
  append_mac(b, key);
  return b;
}

bytes seal(const start_ack& x, const key32& key) {
  bytes b;
  b.reserve(48);
  byte_writer w(b);
  put_header(w, kind::start_ack, x.pile_id);
  w.uvarint(x.session_id);
  w.uvarint(x.counter);
  w.svarint(x.meter_start_wh);
  w.svarint(x.started_at_us);
  append_mac(b, key);
  return b;
}

result<start_ack> open_start_ack(std::span<const std::uint8_t> sealed, const key32& key) {
  auto body = check(sealed, key, kind::start_ack);
  if (!body) return body.error();
  byte_reader r(*body);
  start_ack x;
  x.pile_id = read_pile_id(r);
  x.session_id = r.uvarint();
  x.counter = r.uvarint();
  x.meter_start_wh = r.svarint();
  x.started_at_us = r.svarint();
  if (auto e = r.finish(); e != errc::ok) return e;
  if (x.meter_start_wh < 0) return errc::bad_field;
  return x;
}

result<start_authorization> open_authorization(std::span<const std::uint8_t> sealed, const key32& key) {
  auto body = check(sealed, key, kind::authorization);
  if (!body) return body.error();
  byte_reader r(*body);
  start_authorization a;
  a.pile_id = read_pile_id(r);
  a.session_id = r.uvarint();
  a.counter = r.uvarint();
  a.issued_at_us = r.svarint();
  a.expires_at_us = r.svarint();
  a.frozen.minor = r.svarint();
  a.rate.energy.e4 = r.svarint();
  a.rate.service.e4 = r.svarint();
  a.vehicle_id = r.str8(vehicle_id_len_max);
  auto d = r.raw(a.stop_digest.size());
  if (r.ok()) std::memcpy(a.stop_digest.data(), d.data(), d.size());
  if (auto e = r.finish(); e != errc::ok) return e;
  if (a.frozen.minor < 0 || a.rate.energy.e4 < 0 || a.rate.service.e4 < 0 || a.expires_at_us < a.issued_at_us)
    return errc::bad_field;
  return a;
}

result<bill> open_bill(std::span<const std::uint8_t> sealed, const key32& key) {
  auto body = check(sealed, key, kind::bill);
  if (!body) return body.error();
  byte_reader r(*body);
  bill x;
  x.pile_id = read_pile_id(r);
  x.session_id = r.uvarint();
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
  auto body = check(sealed, key, kind::receipt);
  if (!body) return body.error();
  byte_reader r(*body);
  receipt x;
  x.pile_id = read_pile_id(r);
  x.session_id = r.uvarint();
  x.bill_counter = r.uvarint();
  x.charged.minor = r.svarint();
  if (auto e = r.finish(); e != errc::ok) return e;
  if (x.charged.minor < 0) return errc::bad_field;
  return x;
}

result<std::string> peek_pile_id(std::span<const std::uint8_t> sealed) {
  if (sealed.size() < mac_len + 3) return errc::truncated;
  byte_reader r(sealed.first(sealed.size() - mac_len));
  std::string id = read_pile_id(r);
  if (!r.ok()) return r.error();
  return id;
}

result<std::uint64_t> peek_session_id(std::span<const std::uint8_t> sealed) {
  if (sealed.size() < mac_len + 3) return errc::truncated;
  byte_reader r(sealed.first(sealed.size() - mac_len));
  read_pile_id(r);
  const std::uint64_t id = r.uvarint();  // every kind of token puts its session id right after the header
  if (!r.ok()) return r.error();
  return id;
}

}  // namespace pilesim
