// The only translation unit that includes Boost.JSON (see api.hpp). Encoders write fields in a fixed order
// through a small writer, so the same value always gives the same bytes; decoders parse with Boost.JSON and
// read through a reader with a sticky error.
#include "server/api/api.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace pilesim::api {
namespace {

namespace json = boost::json;

// Bodies are small: a stack buffer of this size usually holds the whole JSON tree without touching the heap.
constexpr std::size_t arena_len = 2048;

// Bytes travel as base64url without padding (RFC 4648 section 5): a third shorter than hex, so fewer bytes to
// carry and to store. A table codec rather than libsodium's: sodium_bin2base64/sodium_base642bin are
// constant-time and cost about four times as many instructions, and nothing here is secret from the carrier.
// The tests hold this codec to libsodium's answers.
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::uint8_t, 256> b64_values = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(0xff);
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(b64_alphabet[i])] = i;
  return t;
}();

// Appends the encoding of `b` to `s`.
void append_b64(std::string& s, const bytes& b) {
  const std::size_t at = s.size();
  s.resize(at + (b.size() * 4 + 2) / 3);
  const std::uint8_t* in = b.data();
  char* out = s.data() + at;
  std::size_t left = b.size();
  for (; left >= 3; left -= 3, in += 3, out += 4) {
    const std::uint32_t w = std::uint32_t{in[0]} << 16 | std::uint32_t{in[1]} << 8 | in[2];
    out[0] = b64_alphabet[w >> 18];
    out[1] = b64_alphabet[w >> 12 & 63];
    out[2] = b64_alphabet[w >> 6 & 63];
    out[3] = b64_alphabet[w & 63];
  }
  if (left == 1) {
    out[0] = b64_alphabet[in[0] >> 2];
    out[1] = b64_alphabet[(in[0] & 3) << 4];
  } else if (left == 2) {
    const std::uint32_t w = std::uint32_t{in[0]} << 8 | in[1];
    out[0] = b64_alphabet[w >> 10];
    out[1] = b64_alphabet[w >> 4 & 63];
    out[2] = b64_alphabet[(w & 15) << 2];
  }
}

// Strict: only the URL-safe alphabet, no padding, no whitespace, no length that leaves a lone character,
// and the unused low bits of the last character zero, so that every byte string has exactly one spelling.
result<bytes> from_b64(std::string_view s) {
  const std::size_t tail = s.size() % 4;
  if (tail == 1) return errc::bad_value;
  bytes b(s.size() / 4 * 3 + (tail == 0 ? 0 : tail - 1));
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  std::uint8_t* out = b.data();
  std::uint32_t bad = 0;  // ORs every looked-up value: a character outside the alphabet (0xff) sets bit 7
  for (std::size_t i = 0; i < s.size() / 4; ++i, in += 4, out += 3) {
    const std::uint32_t a = b64_values[in[0]], c = b64_values[in[1]], d = b64_values[in[2]], e = b64_values[in[3]];
    bad |= a | c | d | e;
    const std::uint32_t w = a << 18 | c << 12 | d << 6 | e;
    out[0] = static_cast<std::uint8_t>(w >> 16);
    out[1] = static_cast<std::uint8_t>(w >> 8);
    out[2] = static_cast<std::uint8_t>(w);
  }
  if (tail == 2) {
    const std::uint32_t a = b64_values[in[0]], c = b64_values[in[1]];
    bad |= a | c;
    if (c & 15) bad = 0xff;  // the low 4 bits of the last character carry nothing, so they must be zero
    out[0] = static_cast<std::uint8_t>(a << 2 | c >> 4);
  } else if (tail == 3) {
    const std::uint32_t a = b64_values[in[0]], c = b64_values[in[1]], d = b64_values[in[2]];
    bad |= a | c | d;
    if (d & 3) bad = 0xff;  // the low 2 bits likewise
    const std::uint32_t w = a << 10 | c << 4 | d >> 2;
    out[0] = static_cast<std::uint8_t>(w >> 8);
    out[1] = static_cast<std::uint8_t>(w);
  }
  if (bad > 63) return errc::bad_value;
  return b;
}

// Reads fields of one JSON object; the first missing or mistyped field makes every later read a no-op and
// the whole decode fails. Unknown fields are ignored, so that a newer server can add fields.
class reader {
 public:
  explicit reader(const json::object* o) : o_(o), ok_(o != nullptr) {}

  bool ok() const { return ok_; }

  std::string str(std::string_view key) {
    const json::value* v = find(key);
    if (!v || !v->is_string()) return fail<std::string>();
    return std::string(v->get_string());
  }
  std::int64_t i64(std::string_view key) {
    const json::value* v = find(key);
    if (!v || !v->is_int64()) return fail<std::int64_t>();
    return v->get_int64();
  }
  std::uint64_t u64(std::string_view key) {
    const json::value* v = find(key);
    if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
    if (v && v->is_uint64()) return v->get_uint64();
    return fail<std::uint64_t>();
  }
  money amount(std::string_view key) {
    const json::value* v = find(key);
    if (!v || !v->is_string()) return fail<money>();
    auto m = parse_money(v->get_string());
    if (!m) return fail<money>();
    return *m;
  }
  std::optional<money> optional_amount(std::string_view key) {
    if (ok_ && !o_->contains(key)) return std::nullopt;
    return amount(key);
  }
  bytes blob(std::string_view key) {
    const json::value* v = find(key);
    if (!v || !v->is_string()) return fail<bytes>();
    auto b = from_b64(v->get_string());
    if (!b) return fail<bytes>();
    return std::move(*b);
  }
  const json::object* object(std::string_view key) {
    const json::value* v = find(key);
    if (!v || !v->is_object()) return fail<const json::object*>();
    return &v->get_object();
  }
  void fail() { ok_ = false; }

 private:
  const json::value* find(std::string_view key) const { return ok_ ? o_->if_contains(key) : nullptr; }
  template <class T>
  T fail() {
    ok_ = false;
    return T{};
  }

  const json::object* o_;
  bool ok_;
};

// Parses `text` into `storage` and hands its top-level object to `read`, which returns the decoded value.
template <class T, class Read>
result<T> decode(std::string_view text, Read read) {
  unsigned char arena[arena_len];
  json::monotonic_resource mr(arena, sizeof arena);
  boost::system::error_code ec;
  json::value jv = json::parse(text, ec, &mr);
  if (ec || !jv.is_object()) return errc::bad_value;
  reader r(&jv.get_object());
  T out = read(r);
  if (!r.ok()) return errc::bad_value;
  return out;
}

// Writes one JSON object straight to text, fields in call order, so the same value always gives the same
// bytes. Keys are the literals below and need no escaping; a string value that holds a quote, a backslash or a
// control character goes through Boost.JSON's serializer, so the escaping is the library's, byte for byte.
class writer {
 public:
  writer() {
    out_.reserve(256);
    out_ += '{';
  }

  void str(std::string_view key, std::string_view v) {
    name(key);
    const bool plain = std::none_of(v.begin(), v.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
    });
    if (plain) {
      out_ += '"';
      out_ += v;
      out_ += '"';
    } else {
      out_ += json::serialize(json::string_view(v.data(), v.size()));
    }
  }
  void blob(std::string_view key, const bytes& b) {  // the base64url alphabet needs no escaping
    name(key);
    out_ += '"';
    append_b64(out_, b);
    out_ += '"';
  }
  void amount(std::string_view key, money m) { str(key, format_money(m)); }
  template <class Int>
  void num(std::string_view key, Int v) {
    static_assert(std::is_same_v<Int, std::int64_t> || std::is_same_v<Int, std::uint64_t>);
    name(key);
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out_.append(buf, end);
  }
  void open(std::string_view key) {
    name(key);
    out_ += '{';
    first_ = true;
  }
  void close() {
    out_ += '}';
    first_ = false;
  }
  std::string done() && {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void name(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  std::string out_;
  bool first_ = true;
};

void put_vehicle(writer& w, const vehicle_info& v) {
  w.open("vehicle");
  w.str("id", v.id);
  w.num("battery_wh", v.battery_wh);
  w.num("max_ac_w", v.max_ac_w);
  w.close();
}

vehicle_info read_vehicle(reader& r) {
  vehicle_info v;
  reader inner(r.object("vehicle"));
  v.id = inner.str("id");
  v.battery_wh = inner.i64("battery_wh");
  v.max_ac_w = inner.i64("max_ac_w");
  if (!inner.ok()) r.fail();
  return v;
}

}  // namespace

std::string to_json(const reservation_request& v) {
  writer w;
  w.str("pile", v.pile);
  w.num("start_us", v.start_us);
  w.num("duration_us", v.duration_us);
  return std::move(w).done();
}

std::string to_json(const reservation& v) {
  writer w;
  w.num("id", v.id);
  w.str("pile", v.pile);
  w.str("user", v.user);
  w.num("start_us", v.start_us);
  w.num("end_us", v.end_us);
  w.str("state", v.state);
  return std::move(w).done();
}

std::string to_json(const session_request& v) {
  writer w;
  w.str("pile", v.pile);
  w.num("reservation", v.reservation);
  put_vehicle(w, v.vehicle);
  w.amount("amount", v.amount);
  return std::move(w).done();
}

std::string to_json(const session_started& v) {
  writer w;
  w.num("session", v.session);
  w.amount("frozen", v.frozen);
  put_vehicle(w, v.vehicle);
  w.blob("authorization", v.authorization);
  w.blob("stop_secret", v.stop_secret);
  w.num("expires_at_us", v.expires_at_us);
  return std::move(w).done();
}

std::string to_json(const started_upload& v) {
  writer w;
  w.blob("ack", v.ack);
  return std::move(w).done();
}

std::string to_json(const bill_upload& v) {
  writer w;
  w.blob("bill", v.bill);
  return std::move(w).done();
}

std::string to_json(const reconciled& v) {
  writer w;
  w.num("session", v.session);
  w.num("energy_wh", v.energy_wh);
  w.amount("charged", v.charged);
  w.amount("refunded", v.refunded);
  if (v.balance) w.amount("balance", *v.balance);
  w.blob("receipt", v.receipt);
  w.num("reconciled_at_us", v.reconciled_at_us);
  return std::move(w).done();
}

std::string to_json(const session_view& v) {
  writer w;
  w.num("session", v.session);
  w.str("user", v.user);
  w.str("pile", v.pile);
  w.str("state", v.state);
  w.amount("frozen", v.frozen);
  w.amount("charged", v.charged);
  w.num("energy_wh", v.energy_wh);
  w.str("stop_reason", v.stop_reason);
  return std::move(w).done();
}

std::string to_json(const wallet& v) {
  writer w;
  w.str("user", v.user);
  w.amount("balance", v.balance);
  w.amount("held", v.held);
  return std::move(w).done();
}

std::string to_json(const error_body& v) {
  writer w;
  w.str("error", v.error);
  w.str("detail", v.detail);
  return std::move(w).done();
}

result<reservation_request> parse_reservation_request(std::string_view text) {
  return decode<reservation_request>(text, [](reader& r) {
    reservation_request v;
    v.pile = r.str("pile");
    v.start_us = r.i64("start_us");
    v.duration_us = r.i64("duration_us");
    return v;
  });
}

result<reservation> parse_reservation(std::string_view text) {
  return decode<reservation>(text, [](reader& r) {
    reservation v;
    v.id = r.u64("id");
    v.pile = r.str("pile");
    v.user = r.str("user");
    v.start_us = r.i64("start_us");
    v.end_us = r.i64("end_us");
    v.state = r.str("state");
    return v;
  });
}

result<session_request> parse_session_request(std::string_view text) {
  return decode<session_request>(text, [](reader& r) {
    session_request v;
    v.pile = r.str("pile");
    v.reservation = r.u64("reservation");
    v.vehicle = read_vehicle(r);
    v.amount = r.amount("amount");
    return v;
  });
}

result<session_started> parse_session_started(std::string_view text) {
  return decode<session_started>(text, [](reader& r) {
    session_started v;
    v.session = r.u64("session");
    v.frozen = r.amount("frozen");
    v.vehicle = read_vehicle(r);
    v.authorization = r.blob("authorization");
    v.stop_secret = r.blob("stop_secret");
    if (r.ok() && v.stop_secret.size() != 32) r.fail();
    v.expires_at_us = r.i64("expires_at_us");
    return v;
  });
}

result<started_upload> parse_started_upload(std::string_view text) {
  return decode<started_upload>(text, [](reader& r) { return started_upload{r.blob("ack")}; });
}

result<bill_upload> parse_bill_upload(std::string_view text) {
  return decode<bill_upload>(text, [](reader& r) { return bill_upload{r.blob("bill")}; });
}

result<reconciled> parse_reconciled(std::string_view text) {
  return decode<reconciled>(text, [](reader& r) {
    reconciled v;
    v.session = r.u64("session");
    v.energy_wh = r.i64("energy_wh");
    v.charged = r.amount("charged");
    v.refunded = r.amount("refunded");
    v.balance = r.optional_amount("balance");
    v.receipt = r.blob("receipt");
    v.reconciled_at_us = r.i64("reconciled_at_us");
    return v;
  });
}

result<session_view> parse_session_view(std::string_view text) {
  return decode<session_view>(text, [](reader& r) {
    session_view v;
    v.session = r.u64("session");
    v.user = r.str("user");
    v.pile = r.str("pile");
    v.state = r.str("state");
    v.frozen = r.amount("frozen");
    v.charged = r.amount("charged");
    v.energy_wh = r.i64("energy_wh");
    v.stop_reason = r.str("stop_reason");
    return v;
  });
}

result<wallet> parse_wallet(std::string_view text) {
  return decode<wallet>(text, [](reader& r) {
    wallet v;
    v.user = r.str("user");
    v.balance = r.amount("balance");
    v.held = r.amount("held");
    return v;
  });
}

result<error_body> parse_error_body(std::string_view text) {
  return decode<error_body>(text, [](reader& r) {
    error_body v;
    v.error = r.str("error");
    v.detail = r.str("detail");
    return v;
  });
}

}  // namespace pilesim::api
