#include "sim/trace.hpp"

#include <bit>
#include <cstdio>
#include <cstring>

namespace pilesim::sim {

void trace::mix(std::uint64_t v) {
  // A multiply-xorshift round (the murmur3 finalizer) per event: cheap, and order-sensitive.
  std::uint64_t h = hash_ ^ (v + 0x9e3779b97f4a7c15ULL + (hash_ << 6) + (hash_ >> 2));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  hash_ = h;
}

namespace {

// One word into an event's running state: a multiply and an xorshift. For a fixed state it is a bijection of the
// word, so two events that differ in one word differ in their state with certainty; later words cannot undo it
// except by a 64-bit coincidence.
inline std::uint64_t absorb(std::uint64_t s, std::uint64_t w) {
  s = (s ^ w) * 0x9e3779b97f4a7c15ULL;
  return s ^ (s >> 29);
}

// The last 1..7 bytes of a text as the little-endian word they begin, zero-padded. Read in fixed-size pieces:
// most texts here are shorter than a word, and a memcpy of variable length would be a library call each time.
inline std::uint64_t tail_word(const char* p, std::size_t n) {
  std::uint64_t w = 0;
  unsigned shift = 0;
  if (n & 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
    w = v;
    p += 4;
    shift = 32;
  }
  if (n & 2) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap16(v);
    w |= static_cast<std::uint64_t>(v) << shift;
    p += 2;
    shift += 16;
  }
  if (n & 1) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(*p)) << shift;
  return w;
}

// Every part goes in as a tag word and then its words, and can be read back from the word sequence alone: a text
// as its length (tagged odd) and then itself as little-endian words, the last one zero-padded; a number as the tag 0
// and then its value. So no two different events feed the same words, whatever their texts hold.
std::uint64_t absorb_text(std::uint64_t s, std::string_view text) {
  s = absorb(s, (static_cast<std::uint64_t>(text.size()) << 1) | 1);
  const char* p = text.data();
  std::size_t n = text.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    s = absorb(s, w);
  }
  if (n > 0) s = absorb(s, tail_word(p, n));
  return s;
}

std::uint64_t absorb_number(std::uint64_t s, std::int64_t v) { return absorb(absorb(s, 0), static_cast<std::uint64_t>(v)); }

}  // namespace

void trace::event(time_us t, std::string_view actor, std::string_view kind, std::initializer_list<field> fields) {
  ++count_;
  // The whole event goes through the cheap per-word step, and only its result through a full mixing round: the same
  // value on every machine, for half the work of a round per part.
  std::uint64_t s = absorb(0x6a09e667f3bcc908ULL, static_cast<std::uint64_t>(t));
  s = absorb_text(s, actor);
  s = absorb_text(s, kind);
  for (const field& f : fields) {
    s = absorb_text(s, f.key);
    s = f.is_text ? absorb_text(s, f.text) : absorb_number(s, f.number);
  }
  mix(s);
  if (!out_) return;
  write_line(t, actor, kind, fields);
  if (checkpoint_every_ == 0) return;
  note_actor(actor, s);
  if (count_ % checkpoint_every_ == 0) write_checkpoint(t);
}

void trace::note_actor(std::string_view actor, std::uint64_t event_word) {
  auto it = actor_hash_.find(actor);
  if (it == actor_hash_.end()) it = actor_hash_.emplace(std::string(actor), 0x243f6a8885a308d3ULL).first;
  std::uint64_t h = it->second ^ (event_word + 0x9e3779b97f4a7c15ULL + (it->second << 6) + (it->second >> 2));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  it->second = h;
  touched_[it->first] = h;  // the key views the map's own string, which lives as long as the trace
}

void trace::write_checkpoint(time_us t) {
  char hex[17];
  line_.clear();
  line_ += "{\"checkpoint\":" + std::to_string(++checkpoints_) + ",\"t_us\":" + std::to_string(t) +
           ",\"events\":" + std::to_string(count_) + ",\"hash\":\"" + hash_hex() + "\",\"actors\":{";
  bool first = true;
  for (const auto& [actor, h] : touched_) {
    if (!first) line_ += ',';
    first = false;
    append_json_string(line_, actor);
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    line_ += ":\"";
    line_ += hex;
    line_ += '"';
  }
  line_ += "}}\n";
  touched_.clear();
  out_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

void trace::write_line(time_us t, std::string_view actor, std::string_view kind, std::initializer_list<field> fields) {
  line_.clear();
  line_ += "{\"t_us\":";
  line_ += std::to_string(t);
  line_ += ",\"actor\":";
  append_json_string(line_, actor);
  line_ += ",\"kind\":";
  append_json_string(line_, kind);
  for (const field& f : fields) {
    line_ += ',';
    append_json_string(line_, f.key);
    line_ += ':';
    if (f.is_text) append_json_string(line_, f.text);
    else line_ += std::to_string(f.number);
  }
  line_ += "}\n";
  out_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

std::string trace::hash_hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace pilesim::sim
