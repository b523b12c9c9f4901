// What every part of one agent reaches, and what outlives the app process: the kernel, the configuration, the
// app's storage (kept or wiped at a restart), the observer's reports, and the phone's sources of fresh names —
// connection ids, idempotency keys, BLE sequence numbers, backoff jitter — which a restart must never reuse.
// It decides nothing; the app's parts do. It must never be copied: the parts hold references to it.
#pragma once

#include "agent/attack.hpp"
#include "agent/config.hpp"
#include "agent/reports.hpp"
#include "agent/storage.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"
#include "sim/rng.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pilesim::agent {

class context {
 public:
  context(sim::kernel& kernel, agent_config config)
      : k(kernel),
        cfg(std::move(config)),
        actor("agent/" + cfg.user),
        disk(cfg.outbox),
        backoff_rng_(kernel.stream("agent/" + cfg.user + "/backoff")) {}
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  sim::kernel& k;
  const agent_config cfg;
  const std::string actor;            // "agent/<user>", the trace's actor name
  storage disk;                       // the app's storage
  std::vector<start_attempt> starts;  // reports: the observer's, never the app's
  std::vector<reservation_attempt> reservations;
  agent_counters counters;
  // The pile the phone is next to, as a BLE scan would find it (set by arrive and start, cleared by leave).
  std::string near_pile;
  // The user's link to a pile with the agent's sink attached; nullptr for an unknown pile.
  std::function<sim::ble_link*(std::string_view pile)> link_to;

  void trace(std::string_view kind, std::initializer_list<sim::field> fields = {}) {
    k.trace().event(k.now(), actor, kind, fields);
  }

  // The attack switched on for this phone now (a scenario's `attack` fault), and how often it has acted, so that
  // an attack that never had a chance to act can be told.
  std::optional<attack_plan> attack;
  std::uint64_t attack_acts = 0;
  bool attacking(attack_kind kind) const { return attack && attack->kind == kind; }
  void attack_acted(std::string_view what) {
    ++attack_acts;
    trace("attack", {{"attack", attack ? to_string(attack->kind) : std::string_view("?")}, {"what", what}});
  }

  // A real app would draw a UUID; a counter that survives restarts is as unique and keeps runs reproducible.
  std::string new_idempotency_key() { return cfg.user + "-" + std::to_string(++keys_); }
  // Like a fresh TCP connection: an answer on an older one is never mistaken for this one's.
  std::uint64_t new_connection_id() { return ++connections_; }
  std::uint16_t new_ble_seq() { return ++ble_seq_; }

  // The pause before try `n` (n >= 1 is the first retry): initial * 2^(n-1), capped, with "equal jitter"
  // (uniform in [d/2, d]) so that phones that failed together do not retry together.
  sim::time_us backoff(int n, sim::time_us initial_us, sim::time_us max_us) {
    sim::time_us d = initial_us;
    for (int i = 1; i < n && d < max_us; ++i) d *= 2;
    d = std::min(d, max_us);
    const auto half = static_cast<std::uint64_t>(d / 2);
    return static_cast<sim::time_us>(backoff_rng_.uniform(half, static_cast<std::uint64_t>(d)));
  }

 private:
  sim::rng backoff_rng_;
  std::uint64_t keys_ = 0;
  std::uint64_t connections_ = 0;
  std::uint16_t ble_seq_ = 0;
};

}  // namespace pilesim::agent
