// `pilesim serve`: the same server — the pure service over SQLite — answering real HTTP over TCP on loopback,
// for curl and real clients. The only code in pilesim that touches sockets and the wall clock; it lives in
// tools/ so the simulation libraries never do. Piles and users come from a scenario file's world.
#pragma once

#include <cstdint>
#include <string>

namespace pilesim::tools {

struct serve_options {
  std::string scenario_path;        // piles, users (balances) and tariff to provision
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;        // 0: any free port (printed)
  std::string db_path = ":memory:";
  std::uint64_t requests_max = 0;   // stop after this many requests (0: run until killed)
};

int serve_command(const serve_options& o);

}  // namespace pilesim::tools
