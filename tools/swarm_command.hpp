// `pilesim swarm FILE --seeds N`: swarm testing. For each seed a random subset of the format's fault kinds (BLE
// model changes and disconnects, WAN outages and degradation, server crashes, pile power loss, every attack kind)
// is drawn from the seed's own stream ("swarm/faults"), with windows placed where a clean run of the file had
// traffic, laid over the file's world and steps, and run. One CSV/JSON row per run names the faults it drew;
// invariant failures and missed expectations are told apart, and `--emit-failures DIR` writes each failing run
// as a standalone scenario that `pilesim run` replays and `pilesim shrink` shrinks. The wall clock is read here
// only, around the runs, and never reaches a trace.
#pragma once

#include <cstdint>
#include <string>

namespace pilesim::tools {

struct swarm_options {
  std::string file;
  std::uint64_t seeds = 1;
  std::uint64_t seed_start = 1;
  unsigned jobs = 1;          // worker threads; 0 means one per hardware thread
  std::string shard = "1/1";  // "K/N": runs whose index % N == K-1
  std::string out_path;       // .csv (default) or .json; empty: no file
  std::string emit_dir;       // failing runs as scenario files; empty: none
  bool quiet = false;
  bool strict = false;        // a missed expectation fails the swarm (exit 1), not only a broken invariant
};

int swarm_command(const swarm_options& o);

}  // namespace pilesim::tools
