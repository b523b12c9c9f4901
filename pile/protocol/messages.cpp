#include "pile/protocol/messages.hpp"

#include "pile/protocol/crc32.hpp"

#include <cassert>
#include <cstring>

namespace pilesim::protocol {
namespace {

constexpr std::size_t header_len = 5;  // type u8, seq u16, len u16
constexpr std::size_t crc_len = 4;
constexpr std::uint8_t status_max = static_cast<std::uint8_t>(status::faulted);
constexpr std::uint8_t pile_state_max = static_cast<std::uint8_t>(pile_state::faulted);

// ---- payload writers: one per message, the exact mirror of the readers below ----

void put_text(byte_writer& w, const std::string& s) {
  assert(s.size() <= text_len_max && "a message text field is longer than text_len_max");
  w.str8(s);
}

void put_token(byte_writer& w, const bytes& t) {
  assert(t.size() <= token_len_max && "a relayed token is longer than token_len_max");
  w.u16(static_cast<std::uint16_t>(t.size()));
  w.raw(t);
}

void put(byte_writer& w, const hello& m) { put_text(w, m.agent_id); }
void put(byte_writer& w, const start_request& m) { put_token(w, m.authorization); }
void put(byte_writer& w, const stop_request& m) {
  w.u64(m.session_id);
  w.raw(m.stop_secret);
}
void put(byte_writer&, const bill_request&) {}
void put(byte_writer& w, const receipt_request& m) { put_token(w, m.receipt); }
void put(byte_writer& w, const session_ended_confirm& m) { w.u64(m.session_id); }
void put(byte_writer& w, const hello_reply& m) {
  put_text(w, m.pile_id);
  w.u8(static_cast<std::uint8_t>(m.state));
  w.u16(m.pending_bills);
  w.u64(m.active_session);
  w.raw(m.challenge);
}
void put(byte_writer& w, const start_reply& m) {
  w.u8(static_cast<std::uint8_t>(m.result));
  w.u64(m.session_id);
  w.i64(m.meter_start_wh);
  put_token(w, m.ack);
}
void put(byte_writer& w, const stop_reply& m) {
  w.u8(static_cast<std::uint8_t>(m.result));
  w.u64(m.session_id);
}
void put(byte_writer& w, const bill_reply& m) {
  w.u16(m.pending_bills);
  put_token(w, m.bill);
}
void put(byte_writer& w, const receipt_reply& m) {
  w.u8(static_cast<std::uint8_t>(m.result));
  w.u64(m.session_id);
  w.u16(m.pending_bills);
}
void put(byte_writer& w, const session_ended& m) {
  w.u64(m.session_id);
  w.u8(static_cast<std::uint8_t>(m.reason));
}

// ---- payload readers: a field that breaks a rule fails the reader with bad_field ----

std::string get_text(byte_reader& r) {
  std::size_t n = r.u8();
  if (n > text_len_max) {
    r.fail(errc::bad_field);
    return {};
  }
  auto b = r.raw(n);
  return std::string(b.begin(), b.end());
}

bytes get_token(byte_reader& r) {
  std::size_t n = r.u16();
  if (n > token_len_max) {
    r.fail(errc::bad_field);
    return {};
  }
  auto b = r.raw(n);
  return bytes(b.begin(), b.end());
}

status get_status(byte_reader& r) {
  std::uint8_t v = r.u8();
  if (v > status_max) r.fail(errc::bad_field);
  return static_cast<status>(v);
}

void check(byte_reader& r, bool rule_holds) {
  if (!rule_holds) r.fail(errc::bad_field);
}

void get(byte_reader& r, hello& m) { m.agent_id = get_text(r); }
void get(byte_reader& r, start_request& m) { m.authorization = get_token(r); }
void get(byte_reader& r, stop_request& m) {
  m.session_id = r.u64();
  auto s = r.raw(m.stop_secret.size());
  if (r.ok()) std::memcpy(m.stop_secret.data(), s.data(), s.size());
}
void get(byte_reader&, bill_request&) {}
void get(byte_reader& r, receipt_request& m) { m.receipt = get_token(r); }
void get(byte_reader& r, session_ended_confirm& m) { m.session_id = r.u64(); }
void get(byte_reader& r, hello_reply& m) {
  m.pile_id = get_text(r);
  std::uint8_t st = r.u8();
  check(r, st <= pile_state_max);
  m.state = static_cast<pile_state>(st);
  m.pending_bills = r.u16();
  m.active_session = r.u64();
  auto c = r.raw(m.challenge.size());
  if (r.ok()) std::memcpy(m.challenge.data(), c.data(), c.size());
}
void get(byte_reader& r, start_reply& m) {
  m.result = get_status(r);
  m.session_id = r.u64();
  m.meter_start_wh = r.i64();
  m.ack = get_token(r);
  // An ack travels with ok and only with ok; a meter register is never negative.
  check(r, m.meter_start_wh >= 0);
  check(r, (m.result == status::ok) == !m.ack.empty());
}
void get(byte_reader& r, stop_reply& m) {
  m.result = get_status(r);
  m.session_id = r.u64();
}
void get(byte_reader& r, bill_reply& m) {
  m.pending_bills = r.u16();
  m.bill = get_token(r);
  // The count includes the bill returned, so a bill comes exactly when something is pending.
  check(r, (m.pending_bills == 0) == m.bill.empty());
}
void get(byte_reader& r, receipt_reply& m) {
  m.result = get_status(r);
  m.session_id = r.u64();
  m.pending_bills = r.u16();
}
void get(byte_reader& r, session_ended& m) {
  m.session_id = r.u64();
  std::uint8_t v = r.u8();
  check(r, v >= static_cast<std::uint8_t>(stop_reason::user) && v <= static_cast<std::uint8_t>(stop_reason::fault));
  m.reason = static_cast<stop_reason>(v);
}

template <class T>
result<message> decode_payload(std::span<const std::uint8_t> payload) {
  byte_reader r(payload);
  T m;
  get(r, m);
  errc e = r.finish();
  // Running out of payload, or payload left over, means `len` does not match the message: bad_length.
  if (e == errc::truncated || e == errc::trailing_bytes) return errc::bad_length;
  if (e != errc::ok) return e;
  return message{std::move(m)};
}

result<message> decode_body(std::uint8_t t, std::span<const std::uint8_t> payload) {
  switch (static_cast<type>(t)) {
    case type::hello: return decode_payload<hello>(payload);
    case type::start: return decode_payload<start_request>(payload);
    case type::stop: return decode_payload<stop_request>(payload);
    case type::bill: return decode_payload<bill_request>(payload);
    case type::receipt: return decode_payload<receipt_request>(payload);
    case type::session_ended_confirm: return decode_payload<session_ended_confirm>(payload);
    case type::hello_reply: return decode_payload<hello_reply>(payload);
    case type::start_reply: return decode_payload<start_reply>(payload);
    case type::stop_reply: return decode_payload<stop_reply>(payload);
    case type::bill_reply: return decode_payload<bill_reply>(payload);
    case type::receipt_reply: return decode_payload<receipt_reply>(payload);
    case type::session_ended: return decode_payload<session_ended>(payload);
  }
  return errc::bad_field;
}

struct type_visitor {
  type operator()(const hello&) const { return type::hello; }
  type operator()(const start_request&) const { return type::start; }
  type operator()(const stop_request&) const { return type::stop; }
  type operator()(const bill_request&) const { return type::bill; }
  type operator()(const receipt_request&) const { return type::receipt; }
  type operator()(const session_ended_confirm&) const { return type::session_ended_confirm; }
  type operator()(const hello_reply&) const { return type::hello_reply; }
  type operator()(const start_reply&) const { return type::start_reply; }
  type operator()(const stop_reply&) const { return type::stop_reply; }
  type operator()(const bill_reply&) const { return type::bill_reply; }
  type operator()(const receipt_reply&) const { return type::receipt_reply; }
  type operator()(const session_ended&) const { return type::session_ended; }
};

}  // namespace

std::string_view to_string(status s) {
  switch (s) {
    case status::ok: return "ok";
    case status::bad_mac: return "bad_mac";
    case status::wrong_pile: return "wrong_pile";
    case status::expired: return "expired";
    case status::replayed: return "replayed";
    case status::busy: return "busy";
    case status::store_full: return "store_full";
    case status::not_plugged: return "not_plugged";
    case status::no_session: return "no_session";
    case status::bad_stop_secret: return "bad_stop_secret";
    case status::unknown_bill: return "unknown_bill";
    case status::malformed: return "malformed";
    case status::faulted: return "faulted";
  }
  return "invalid";
}

std::string_view to_string(pile_state s) {
  switch (s) {
    case pile_state::idle: return "idle";
    case pile_state::authorized: return "authorized";
    case pile_state::charging: return "charging";
    case pile_state::finishing: return "finishing";
    case pile_state::faulted: return "faulted";
  }
  return "invalid";
}

type type_of(const message& m) { return std::visit(type_visitor{}, m); }

std::string_view name_of(const message& m) {
  switch (type_of(m)) {
    case type::hello: return "hello";
    case type::start: return "start";
    case type::stop: return "stop";
    case type::bill: return "bill";
    case type::receipt: return "receipt";
    case type::session_ended_confirm: return "session_ended_confirm";
    case type::hello_reply: return "hello_reply";
    case type::start_reply: return "start_reply";
    case type::stop_reply: return "stop_reply";
    case type::bill_reply: return "bill_reply";
    case type::receipt_reply: return "receipt_reply";
    case type::session_ended: return "session_ended";
  }
  return "invalid";
}

bytes encode(const frame& f) {
  bytes out;
  out.reserve(64);
  byte_writer w(out);
  w.u8(static_cast<std::uint8_t>(type_of(f.body)));
  w.u16(f.seq);
  w.u16(0);  // patched below once the payload length is known
  std::visit([&w](const auto& m) { put(w, m); }, f.body);
  const std::size_t payload_len = out.size() - header_len;
  assert(payload_len <= payload_len_max && "an encoded payload exceeds payload_len_max");
  out[3] = static_cast<std::uint8_t>(payload_len);
  out[4] = static_cast<std::uint8_t>(payload_len >> 8);
  w.u32(crc32(out));
  return out;
}

result<frame> decode(std::span<const std::uint8_t> wire) {
  if (wire.size() < header_len + crc_len) return errc::truncated;
  byte_reader head(wire.first(header_len));
  const std::uint8_t t = head.u8();
  const std::uint16_t seq = head.u16();
  const std::size_t len = head.u16();
  if (len > payload_len_max) return errc::bad_length;
  const std::size_t total = header_len + len + crc_len;
  if (wire.size() < total) return errc::truncated;
  if (wire.size() > total) return errc::trailing_bytes;
  byte_reader tail(wire.subspan(header_len + len, crc_len));
  if (tail.u32() != crc32(wire.first(header_len + len))) return errc::bad_checksum;
  auto body = decode_body(t, wire.subspan(header_len, len));
  if (!body) return body.error();
  return frame{seq, std::move(*body)};
}

}  // namespace pilesim::protocol
