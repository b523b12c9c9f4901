#include "sim/trace.hpp"

#include <bit>
#include <cstdio>
#include <cstring>

namespace pilesim::sim {

void trace::mix(std::uint64_t v) {
  // A multiply-xorshift round (the murmur3 finalizer) per value: cheap, and order-sensitive.
  std::uint64_t h = hash_ ^ (v + 0x9e3779b97f4a7c15ULL + (hash_ << 6) + (hash_ >> 2));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  hash_ = h;
}

void trace::mix_text(std::string_view s) {
  // The bytes eight at a time as little-endian words (the last one zero-padded), one multiply per word, then the
  // length, then one full mixing round: the same value on every machine, for a third of the work of a byte-wise
  // hash of the text followed by a round.
  std::uint64_t h = 0;
  const char* p = s.data();
  std::size_t n = s.size();
  auto absorb = [&h](std::uint64_t w) {
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  };
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    absorb(w);
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);  // the word's first n bytes in memory: zero-padded as the text's next word would be
    absorb(w);
  }
  mix(h ^ (static_cast<std::uint64_t>(s.size()) << 56));
}

void trace::event(time_us t, std::string_view actor, std::string_view kind, std::initializer_list<field> fields) {
  ++count_;
  mix(static_cast<std::uint64_t>(t));
  mix_text(actor);
  mix_text(kind);
  for (const field& f : fields) {
    mix_text(f.key);
    if (f.is_text) mix_text(f.text);
    else mix(static_cast<std::uint64_t>(f.number));
  }
  if (!out_) return;
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
