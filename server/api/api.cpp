// The only translation unit that includes Boost.JSON (see api.hpp). Encoders write fields in a fixed order
// through a small writer, so the same value always gives the same bytes; decoders parse with Boost.JSON's
// basic_parser and read through a reader with a sticky error.
#include "server/api/api.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>

namespace pilesim::api {
namespace {

namespace json = boost::json;

// Bodies are small: a stack buffer of this size usually holds all the strings of a body.
constexpr std::size_t text_len_on_stack = 2048;

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

// A JSON document as Boost.JSON's basic_parser reports it, kept as a flat list of the members of the top-level
// object and of the objects nested in it, each with the index of the object holding it. Only what the decoders
// read is kept (strings, integers, objects); other values are recorded by kind, and arrays are skipped whole.
// Syntax, UTF-8, depth and number checks are the library's, exactly as json::parse applies them; no tree of
// json::value is built. A string the parser hands over whole as a view of the input (no escapes) is kept as
// that view: the input outlives the document. Any other is copied, unescaped, into a buffer as long as the
// input, which the copies cannot outgrow, so their views stay valid.
struct member {
  enum class kind : std::uint8_t { pending, string, int64, uint64, object, other };
  std::string_view key;
  std::string_view text;   // kind::string
  std::int64_t i64 = 0;    // kind::int64
  std::uint64_t u64 = 0;   // kind::uint64
  std::size_t parent = 0;  // index of the holding object's member, or root
  kind what = kind::pending;
};
constexpr std::size_t root = static_cast<std::size_t>(-1);
// Bodies have a dozen members or so; more spill to the heap.
using member_list = boost::container::small_vector<member, 24>;

class document_handler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();
  using error_code = boost::system::error_code;

  document_handler(std::string_view input, char* text, member_list& found)
      : input_(input), text_(text), members_(found) {}

  bool top_is_object() const { return top_is_object_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (skip_ > 0) return ++skip_, true;
    if (open_.empty()) {  // the top-level value: only an object opens here, never anything after it
      top_is_object_ = true;
      open_.push_back(root);
    } else {
      members_.back().what = member::kind::object;
      open_.push_back(members_.size() - 1);
    }
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    if (skip_ > 0) return --skip_, true;
    open_.pop_back();
    return true;
  }
  bool on_array_begin(error_code&) {
    if (skip_ == 0) scalar(member::kind::other);
    ++skip_;
    return true;
  }
  bool on_array_end(std::size_t, error_code&) { return --skip_, true; }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    if (skip_ == 0) part(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code&) {
    if (skip_ > 0) return true;
    member m;
    m.key = whole(s);
    m.parent = open_.back();
    members_.push_back(m);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, error_code&) {
    if (skip_ == 0) part(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code&) {
    if (skip_ > 0) return true;
    if (scalar(member::kind::string)) members_.back().text = whole(s);
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t v, json::string_view, error_code&) {
    if (skip_ == 0 && scalar(member::kind::int64)) members_.back().i64 = v;
    return true;
  }
  bool on_uint64(std::uint64_t v, json::string_view, error_code&) {
    if (skip_ == 0 && scalar(member::kind::uint64)) members_.back().u64 = v;
    return true;
  }
  bool on_double(double, json::string_view, error_code&) { return other(); }
  bool on_bool(bool, error_code&) { return other(); }
  bool on_null(error_code&) { return other(); }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  bool other() {
    if (skip_ == 0) scalar(member::kind::other);
    return true;
  }
  // A value outside any object is a top-level scalar or array: the document is not an object.
  bool scalar(member::kind k) {
    if (open_.empty()) return false;
    members_.back().what = k;
    return true;
  }
  void part(json::string_view s) {
    std::copy(s.begin(), s.end(), text_ + used_);
    used_ += s.size();
    pending_ += s.size();
  }
  std::string_view whole(json::string_view last) {
    const std::less<const char*> before;  // a total order, also for pointers outside the input
    if (pending_ == 0 && !before(last.data(), input_.data()) &&
        !before(input_.data() + input_.size(), last.data() + last.size()))
      return {last.data(), last.size()};
    part(last);
    const std::string_view v(text_ + used_ - pending_, pending_);
    pending_ = 0;
    return v;
  }

  std::string_view input_;
  char* text_;
  std::size_t used_ = 0;     // bytes of text_ in use
  std::size_t pending_ = 0;  // bytes of the string being assembled
  member_list& members_;
  boost::container::small_vector<std::size_t, 4> open_;  // the objects being read, innermost last
  std::size_t skip_ = 0;           // depth inside an ignored array
  bool top_is_object_ = false;
};

// Reads fields of one object of a document; the first missing or mistyped field makes every later read a
// no-op and the whole decode fails. Unknown fields are ignored, so that a newer server can add fields. Of a
// key given twice the last counts, as in a json::object.
class reader {
 public:
  reader(const member_list* found, std::size_t object)
      : members_(found), object_(object), ok_(found != nullptr) {}

  bool ok() const { return ok_; }

  std::string str(std::string_view key) {
    const member* v = find(key);
    if (!v || v->what != member::kind::string) return fail<std::string>();
    return std::string(v->text);
  }
  std::int64_t i64(std::string_view key) {
    const member* v = find(key);
    if (!v || v->what != member::kind::int64) return fail<std::int64_t>();
    return v->i64;
  }
  std::uint64_t u64(std::string_view key) {
    const member* v = find(key);
    if (v && v->what == member::kind::int64 && v->i64 >= 0) return static_cast<std::uint64_t>(v->i64);
    if (v && v->what == member::kind::uint64) return v->u64;
    return fail<std::uint64_t>();
  }
  money amount(std::string_view key) {
    const member* v = find(key);
    if (!v || v->what != member::kind::string) return fail<money>();
    auto m = parse_money(v->text);
    if (!m) return fail<money>();
    return *m;
  }
  std::optional<money> optional_amount(std::string_view key) {
    if (ok_ && !find(key)) return std::nullopt;
    return amount(key);
  }
  bytes blob(std::string_view key) {
    const member* v = find(key);
    if (!v || v->what != member::kind::string) return fail<bytes>();
    auto b = from_b64(v->text);
    if (!b) return fail<bytes>();
    return std::move(*b);
  }
  reader object(std::string_view key) {
    const member* v = find(key);
    if (!v || v->what != member::kind::object) {
      fail();
      return reader(nullptr, root);
    }
    return reader(members_, static_cast<std::size_t>(v - members_->data()));
  }
  void fail() { ok_ = false; }

 private:
  const member* find(std::string_view key) const {
    if (!ok_) return nullptr;
    const member* found = nullptr;
    for (const member& m : *members_)
      if (m.parent == object_ && m.key == key) found = &m;
    return found;
  }
  template <class T>
  T fail() {
    ok_ = false;
    return T{};
  }

  const member_list* members_;
  std::size_t object_;
  bool ok_;
};

// Parses `text` and hands a reader of its top-level object to `read`, which returns the decoded value.
template <class T, class Read>
result<T> decode(std::string_view text, Read read) {
  // Unescaped strings are never longer than the text; small bodies use the stack.
  char stack_text[text_len_on_stack];
  std::unique_ptr<char[]> heap_text;
  char* text_store = stack_text;
  if (text.size() > sizeof stack_text) text_store = (heap_text = std::make_unique<char[]>(text.size())).get();
  member_list found;
  json::basic_parser<document_handler> p(json::parse_options{}, text, text_store, found);
  boost::system::error_code ec;
  const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size() || !p.handler().top_is_object()) return errc::bad_value;
  reader r(&found, root);
  T out = read(r);
  if (!r.ok()) return errc::bad_value;
  return out;
}

// A member's key as it is written before the value, `,"name":`, built when compiling: the consteval
// constructor takes only a literal, and refuses one that would need escaping or does not fit. A member then
// starts with one append instead of four.
class key_text {
 public:
  consteval key_text(const char* name) {  // NOLINT: implicit, so that a call reads w.num("session", v.session)
    text_[size_++] = ',';
    text_[size_++] = '"';
    for (; *name != '\0'; ++name) {
      if (static_cast<unsigned char>(*name) < 0x20 || *name == '"' || *name == '\\' || size_ + 2 >= text_.size())
        throw "a key must be short and need no escaping";
      text_[size_++] = *name;
    }
    text_[size_++] = '"';
    text_[size_++] = ':';
  }
  // Without the separating comma for the first member of an object.
  std::string_view text(bool first) const { return {text_.data() + first, size_ - first}; }

 private:
  std::array<char, 32> text_{};
  std::size_t size_ = 0;
};

// Writes one JSON object straight to text, fields in call order, so the same value always gives the same
// bytes. Keys are literals (see key_text); a string value that holds a quote, a backslash or a control
// character goes through Boost.JSON's serializer, so the escaping is the library's, byte for byte.
class writer {
 public:
  writer() {
    out_.reserve(256);
    out_ += '{';
  }

  void str(const key_text& key, std::string_view v) {
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
  void blob(const key_text& key, const bytes& b) {  // the base64url alphabet needs no escaping
    name(key);
    out_ += '"';
    append_b64(out_, b);
    out_ += '"';
  }
  void amount(const key_text& key, money m) { str(key, format_money(m)); }
  template <class Int>
  void num(const key_text& key, Int v) {
    static_assert(std::is_same_v<Int, std::int64_t> || std::is_same_v<Int, std::uint64_t>);
    name(key);
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out_.append(buf, end);
  }
  void open(const key_text& key) {
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
  void name(const key_text& key) {
    out_ += key.text(first_);
    first_ = false;
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
  reader inner = r.object("vehicle");
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
  w.blob("challenge", bytes(v.pile_challenge.begin(), v.pile_challenge.end()));
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
    const bytes c = r.blob("challenge");
    if (r.ok() && c.size() != v.pile_challenge.size()) r.fail();
    if (r.ok()) std::copy(c.begin(), c.end(), v.pile_challenge.begin());
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
