// `pilesim serve`: the same server — the pure service over SQLite — answering real HTTP over TCP, for curl and
// real clients and piles. Piles and users come from a scenario file's world; their keys and tokens come from real
// randomness unless deterministic keys are asked for. The only code in pilesim, with the rest of serve_*, that
// touches sockets and the wall clock; it lives in tools/ so the simulation libraries never do.
#pragma once

#include "tools/serve_limits.hpp"

#include <cstdint>
#include <string>

namespace pilesim::tools {

struct serve_options {
  std::string scenario_path;        // piles, users (balances) and tariff to provision
  std::string address = "127.0.0.1";
  bool listen_any = false;          // required for an address that is not loopback
  std::uint16_t port = 8080;        // 0: any free port (printed)
  std::string db_path = ":memory:";
  std::uint64_t requests_max = 0;   // stop after this many requests (0: run until a signal)
  bool deterministic_keys = false;  // keys, tokens and stop secrets from the scenario's seed: for tests only
  std::string keys_out;             // also write the keys in force to this JSON file (0600); empty: don't
  serve_limits limits;              // connections_max 0: derived from RLIMIT_NOFILE
};

int serve_command(serve_options o);

}  // namespace pilesim::tools
