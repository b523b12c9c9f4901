// The only translation unit that includes Boost.JSON (see api.hpp). Encoders build an object in insertion
// order, so the same value always gives the same bytes; decoders read through a reader with a sticky error.
#include "server/api/api.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstddef>

namespace pilesim::api {
namespace {

namespace json = boost::json;

// Bodies are small: a stack buffer of this size usually holds the whole JSON tree without touching the heap.
constexpr std::size_t arena_len = 2048;

constexpr char hex_digits[] = "0123456789abcdef";

std::string to_hex(const bytes& b) {
  std::string s;
  s.resize(b.size() * 2);
  for (std::size_t i = 0; i < b.size(); ++i) {
    s[2 * i] = hex_digits[b[i] >> 4];
    s[2 * i + 1] = hex_digits[b[i] & 0xf];
  }
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase too: the wire form is lowercase, one spelling per value
}

result<bytes> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return errc::bad_value;
  bytes b(s.size() / 2);
  for (std::size_t i = 0; i < b.size(); ++i) {
    const int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return errc::bad_value;
    b[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
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
  bytes hex(std::string_view key) {
    const json::value* v = find(key);
    if (!v || !v->is_string()) return fail<bytes>();
    auto b = from_hex(v->get_string());
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

// Builds one object in `fill` and serializes it; insertion order is the wire order.
template <class Fill>
std::string encode(Fill fill) {
  unsigned char arena[arena_len];
  json::monotonic_resource mr(arena, sizeof arena);
  json::object o(&mr);
  fill(o);
  return json::serialize(o);
}

json::value to_value(std::uint64_t v) { return json::value(v); }

void put_vehicle(json::object& o, const vehicle_info& v) {
  json::object inner(o.storage());
  inner.emplace("id", v.id);
  inner.emplace("battery_wh", v.battery_wh);
  inner.emplace("max_ac_w", v.max_ac_w);
  o.emplace("vehicle", std::move(inner));
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
  return encode([&](json::object& o) {
    o.emplace("pile", v.pile);
    o.emplace("start_us", v.start_us);
    o.emplace("duration_us", v.duration_us);
  });
}

std::string to_json(const reservation& v) {
  return encode([&](json::object& o) {
    o.emplace("id", to_value(v.id));
    o.emplace("pile", v.pile);
    o.emplace("user", v.user);
    o.emplace("start_us", v.start_us);
    o.emplace("end_us", v.end_us);
    o.emplace("state", v.state);
  });
}

std::string to_json(const session_request& v) {
  return encode([&](json::object& o) {
    o.emplace("pile", v.pile);
    o.emplace("reservation", to_value(v.reservation));
    put_vehicle(o, v.vehicle);
    o.emplace("amount", format_money(v.amount));
  });
}

std::string to_json(const session_started& v) {
  return encode([&](json::object& o) {
    o.emplace("session", to_value(v.session));
    o.emplace("frozen", format_money(v.frozen));
    put_vehicle(o, v.vehicle);
    o.emplace("authorization", to_hex(v.authorization));
    o.emplace("stop_secret", to_hex(v.stop_secret));
    o.emplace("expires_at_us", v.expires_at_us);
  });
}

std::string to_json(const started_upload& v) {
  return encode([&](json::object& o) { o.emplace("ack", to_hex(v.ack)); });
}

std::string to_json(const bill_upload& v) {
  return encode([&](json::object& o) { o.emplace("bill", to_hex(v.bill)); });
}

std::string to_json(const reconciled& v) {
  return encode([&](json::object& o) {
    o.emplace("session", to_value(v.session));
    o.emplace("energy_wh", v.energy_wh);
    o.emplace("charged", format_money(v.charged));
    o.emplace("refunded", format_money(v.refunded));
    if (v.balance) o.emplace("balance", format_money(*v.balance));
    o.emplace("receipt", to_hex(v.receipt));
    o.emplace("reconciled_at_us", v.reconciled_at_us);
  });
}

std::string to_json(const session_view& v) {
  return encode([&](json::object& o) {
    o.emplace("session", to_value(v.session));
    o.emplace("user", v.user);
    o.emplace("pile", v.pile);
    o.emplace("state", v.state);
    o.emplace("frozen", format_money(v.frozen));
    o.emplace("charged", format_money(v.charged));
    o.emplace("energy_wh", v.energy_wh);
    o.emplace("stop_reason", v.stop_reason);
  });
}

std::string to_json(const wallet& v) {
  return encode([&](json::object& o) {
    o.emplace("user", v.user);
    o.emplace("balance", format_money(v.balance));
    o.emplace("held", format_money(v.held));
  });
}

std::string to_json(const error_body& v) {
  return encode([&](json::object& o) {
    o.emplace("error", v.error);
    o.emplace("detail", v.detail);
  });
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
    v.authorization = r.hex("authorization");
    v.stop_secret = r.hex("stop_secret");
    if (r.ok() && v.stop_secret.size() != 32) r.fail();
    v.expires_at_us = r.i64("expires_at_us");
    return v;
  });
}

result<started_upload> parse_started_upload(std::string_view text) {
  return decode<started_upload>(text, [](reader& r) { return started_upload{r.hex("ack")}; });
}

result<bill_upload> parse_bill_upload(std::string_view text) {
  return decode<bill_upload>(text, [](reader& r) { return bill_upload{r.hex("bill")}; });
}

result<reconciled> parse_reconciled(std::string_view text) {
  return decode<reconciled>(text, [](reader& r) {
    reconciled v;
    v.session = r.u64("session");
    v.energy_wh = r.i64("energy_wh");
    v.charged = r.amount("charged");
    v.refunded = r.amount("refunded");
    v.balance = r.optional_amount("balance");
    v.receipt = r.hex("receipt");
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
