// The server as an actor on the kernel: it receives HTTP request bytes from every phone's WAN link, answers
// through the pure service, and wakes at the service's next deadline for timed work (expiries, hold releases).
// A crash loses what was in memory and in flight, never what SQLite committed: the database outlives it.
// WAN frames are [connection id u64 LE][HTTP/1.1 bytes]; an answer carries its request's connection id.
#pragma once

#include "server/database.hpp"
#include "server/service.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"
#include "sim/mailbox.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace pilesim::server {

inline constexpr std::size_t wan_conn_id_len = 8;

class server_actor {
 public:
  server_actor(sim::kernel& k, database& db, service_config config);

  // The server is side 1 of each phone's WAN link.
  void attach(sim::link& wan);
  void start();

  // Crash: the service object and every queued request are gone; requests arriving while down are lost.
  void crash();
  // Restart: a new service over the same database picks up where the committed state left off.
  void restart();
  bool up() const { return static_cast<bool>(service_); }

  // The running service (provisioning, read models); nullptr while down.
  service* svc() { return service_.get(); }

  std::uint64_t requests() const { return requests_; }
  std::uint64_t dropped_while_down() const { return dropped_; }

 private:
  struct inbound {
    std::size_t link = 0;
    bytes frame;
    bool wake = false;  // re-read the next deadline (after a restart)
  };
  static sim::asio::awaitable<void> run(server_actor& self);
  void serve(inbound& in);

  sim::kernel& k_;
  database& db_;
  service_config config_;
  std::unique_ptr<service> service_;
  std::vector<sim::link*> links_;
  sim::mailbox<inbound> inbox_;
  std::uint64_t requests_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace pilesim::server
