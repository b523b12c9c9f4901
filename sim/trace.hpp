// The run's trace: every event as (time, actor, kind, fields), written as JSON lines when asked, and a
// stable 64-bit running hash of all events always (own mixing, never std::hash), so that two runs of the
// same file and seed can be compared by one number. Recording must stay cheap when no file is written.
#pragma once

#include "sim/time.hpp"

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

namespace pilesim::sim {

struct field {
  field(std::string_view k, std::int64_t v) : key(k), is_text(false), number(v) {}
  field(std::string_view k, int v) : key(k), is_text(false), number(v) {}
  field(std::string_view k, unsigned v) : key(k), is_text(false), number(v) {}
  field(std::string_view k, std::uint64_t v) : key(k), is_text(false), number(static_cast<std::int64_t>(v)) {}
  field(std::string_view k, std::string_view v) : key(k), is_text(true), text(v) {}
  field(std::string_view k, const char* v) : key(k), is_text(true), text(v) {}
  field(std::string_view k, const std::string& v) : key(k), is_text(true), text(v) {}

  std::string_view key;
  bool is_text;
  std::int64_t number = 0;
  std::string_view text;
};

class trace {
 public:
  // Writes JSON lines to `out` from now on; nullptr stops writing. The hash is kept either way.
  void write_to(std::ostream* out) { out_ = out; }

  void event(time_us t, std::string_view actor, std::string_view kind, std::initializer_list<field> fields = {});

  std::uint64_t hash() const { return hash_; }
  std::uint64_t count() const { return count_; }
  // The hash as 16 lowercase hex digits, as reports print it.
  std::string hash_hex() const;

 private:
  void mix(std::uint64_t v);

  std::ostream* out_ = nullptr;
  std::uint64_t hash_ = 0x243f6a8885a308d3ULL;
  std::uint64_t count_ = 0;
  std::string line_;
};

// JSON string escaping shared by every JSON writer in the project's hand-written outputs.
void append_json_string(std::string& out, std::string_view s);

}  // namespace pilesim::sim
