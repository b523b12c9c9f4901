// The run's trace: every event as (time, actor, kind, fields), written as JSON lines when asked, and a
// stable 64-bit running hash of all events always (own mixing, never std::hash), so that two runs of the
// same file and seed can be compared by one number. Recording must stay cheap when no file is written.
//
// A written trace can also carry checkpoints: after every N events a line {"checkpoint":K,"t_us":..,"events":..,
// "hash":..,"actors":{..}} with the running hash so far and, for each actor that had an event since the previous
// checkpoint, the running hash of that actor's own events. `pilesim diff` finds where two runs part by comparing
// checkpoints instead of every event. Checkpoints are not events: they are not hashed or counted, so the trace
// hash is the same with or without them.
#pragma once

#include "sim/time.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
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
  // While writing, a checkpoint line after every `events` events (0: none, the default).
  void checkpoint_every(std::uint64_t events) { checkpoint_every_ = events; }

  void event(time_us t, std::string_view actor, std::string_view kind, std::initializer_list<field> fields = {});

  std::uint64_t hash() const { return hash_; }
  std::uint64_t count() const { return count_; }
  // The hash as 16 lowercase hex digits, as reports print it.
  std::string hash_hex() const;

 private:
  void mix(std::uint64_t v);
  void write_line(time_us t, std::string_view actor, std::string_view kind, std::initializer_list<field> fields);
  void note_actor(std::string_view actor, std::uint64_t event_word);
  void write_checkpoint(time_us t);

  std::ostream* out_ = nullptr;
  std::uint64_t checkpoint_every_ = 0;
  std::uint64_t checkpoints_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> actor_hash_;  // only kept while checkpoints are written
  std::map<std::string_view, std::uint64_t> touched_;             // actors since the last checkpoint
  std::uint64_t hash_ = 0x243f6a8885a308d3ULL;
  std::uint64_t count_ = 0;
  std::string line_;
};

// JSON string escaping shared by every JSON writer in the project's hand-written outputs.
void append_json_string(std::string& out, std::string_view s);

}  // namespace pilesim::sim
