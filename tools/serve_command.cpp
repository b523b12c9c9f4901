#include "tools/serve_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "server/database.hpp"
#include "server/service.hpp"
#include "tools/database_path.hpp"
#include "tools/serve_front.hpp"
#include "tools/serve_keys.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>

namespace pilesim::tools {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The command's exit code for wrong input, as everywhere in pilesim (README: exit codes).
constexpr int exit_bad_input = 2;
// Descriptors kept back from RLIMIT_NOFILE for everything but connections: stdio, the listener, the event
// loop's own, the database and its WAL and shared-memory files, with room to spare.
constexpr rlim_t descriptors_reserved = 32;
constexpr std::size_t connections_default_max = 256;

// Real time for the service: microseconds since the Unix epoch, so that a kept database means the same instants
// after a restart and a client can name a reservation's start from its own clock. Never goes back, whatever the
// system clock does, because the service's deadlines assume time only moves forward.
class wall_clock {
 public:
  std::int64_t now_us() {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    last_us_ = std::max(last_us_, std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count());
    return last_us_;
  }

 private:
  std::int64_t last_us_ = 0;
};

std::size_t connections_for_descriptors(rlim_t soft) {
  if (soft == RLIM_INFINITY) return connections_default_max;
  if (soft <= descriptors_reserved + 1) return 1;
  return static_cast<std::size_t>(std::min<rlim_t>(connections_default_max, soft - descriptors_reserved));
}

rlim_t descriptor_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return RLIM_INFINITY;
  return r.rlim_cur;
}

// Pile keys and user tokens: fresh ones for new rows, the stored ones for rows a kept database already has
// (provisioning never replaces a key or token in force).
provisioned_keys provision(server::service& svc, const scenarios::scenario& world, const key_source& keys,
                           std::int64_t now_us) {
  provisioned_keys out;
  for (const auto& p : world.piles) {
    const auto& t = p.tariff ? *p.tariff : world.tariff;
    server::pile_config pc{p.id, keys.pile_key(p.id), t.rate(), t.no_show_fee, t.reservation_hold_us,
                           t.authorization_ttl_us};
    if (!svc.add_pile(pc))
      if (auto kept = svc.pile_key(p.id)) pc.key = *kept;
    out.piles.emplace_back(p.id, pc.key);
  }
  for (const auto& u : world.users) {
    std::string token = keys.user_token(u.id);
    if (!svc.add_user(u.id, token, u.balance, now_us))
      if (auto kept = svc.user_token(u.id)) token = std::move(*kept);
    out.users.emplace_back(u.id, std::move(token));
  }
  return out;
}

void print_banner(const serve_options& o, const scenarios::scenario& world, const provisioned_keys& keys,
                  const key_source& source) {
  std::cout << "pilesim serve: " << o.scenario_path << " (seed " << world.seed << "), database " << o.db_path << "\n";
  if (source.deterministic())
    std::cout << "keys: DETERMINISTIC, derived from seed " << world.seed
              << " (--deterministic-keys): NOT SECRET, for tests only\n";
  else
    std::cout << "keys: random (libsodium randombytes), new on every start; a kept database keeps its own\n";
  std::cout << "piles (MAC key, 64 hex digits; each pile is provisioned with its own):\n";
  for (const auto& [id, key] : keys.piles) std::cout << "  " << id << " " << to_hex(key) << "\n";
  std::cout << "users (Authorization: Bearer <token>):\n";
  for (const auto& [id, token] : keys.users) std::cout << "  " << id << " " << token << "\n";
  if (!o.keys_out.empty()) std::cout << "keys written to " << o.keys_out << " (mode 0600)\n";
  const serve_limits& l = o.limits;
  std::cout << "limits: header " << l.header_bytes_max << " B, body " << l.body_bytes_max << " B, "
            << l.connections_max << " connections; timeouts: idle " << l.idle_timeout_ms << " ms, header "
            << l.header_timeout_ms << " ms, read " << l.read_timeout_ms << " ms, write " << l.write_timeout_ms
            << " ms; shutdown grace " << l.shutdown_grace_ms << " ms\n";
  std::cout << "time: microseconds since the Unix epoch (a reservation's start_us is one)\n";
}

void print_counts(const serve_counts& c) {
  std::cerr << "serve: stopped: " << c.requests << " requests on " << c.connections << " connections; refused "
            << c.refused() << " (bad_request=" << c.bad_request << " body_too_large=" << c.body_too_large
            << " header_too_large=" << c.header_too_large << "); timed out " << c.timed_out << "; accept failures "
            << c.accept_failures << "; database closed\n";
}

// Expires reservations and releases unconfirmed holds on time even when no request comes to trigger them.
// A failure is logged once, and again only after it has worked in between.
asio::awaitable<void> run_due_work(server::service& svc, wall_clock& clock, asio::steady_timer& timer) {
  bool failing = false;
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const std::int64_t now_us = clock.now_us();
    try {
      if (svc.due(now_us)) svc.run_due(now_us);
      failing = false;
    } catch (const server::database_error& e) {
      if (!failing) std::cerr << "serve: timed work failed (retried every second): " << e.what() << "\n";
      failing = true;
    }
  }
}

// SIGTERM or SIGINT stops the front; a second one cuts in-flight requests off. Registered before anything is
// opened and kept until after the database is closed, so that no signal finds the default action (death) while
// the server shuts down.
struct signal_watch {
  asio::signal_set signals;
  serve_front* front = nullptr;

  void arm() {
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      arm();  // first: a stop that ends at once cancels the signal wait, and it must find this one to cancel
      front->stop(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    });
  }
};

std::optional<tcp::endpoint> endpoint_for(const serve_options& o) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(o.address, ec);
  if (ec) {
    std::cerr << "serve: " << o.address << ": not an IP address: " << ec.message() << "\n";
    return std::nullopt;
  }
  if (!address.is_loopback() && !o.listen_any) {
    std::cerr << "serve: " << o.address << " is not a loopback address; pass --listen-any to listen on it (bearer "
              << "tokens and bills then cross the network in clear text: put a TLS proxy in front)\n";
    return std::nullopt;
  }
  return tcp::endpoint{address, o.port};
}

// Serves until stopped; the service and its database close when this returns.
int serve_until_stopped(const serve_options& o, const scenarios::scenario& world, const tcp::endpoint& at,
                        asio::io_context& io, signal_watch& watch, serve_counts& counts) {
  const key_source source = o.deterministic_keys ? key_source::from_seed(world.seed) : key_source::random();
  if (source.deterministic())
    std::cerr << "serve: WARNING: --deterministic-keys: pile keys, bearer tokens and stop secrets are derived from "
              << "the scenario's seed (" << world.seed << "); anyone with the file can act as every user and forge "
              << "bills. For tests only.\n";
  if (auto problem = database_path_problem(o.db_path)) {
    std::cerr << "--db: " << *problem << "\n";
    return exit_bad_input;
  }
  auto db = server::database::open(o.db_path);
  if (!db) {
    std::cerr << o.db_path << ": cannot open: " << db.error().message() << "\n";
    return exit_bad_input;
  }
  server::service_config sc;
  sc.seed = world.seed;
  sc.server_secret = source.server_secret();
  server::service svc(*db, sc);
  wall_clock clock;
  const provisioned_keys keys = provision(svc, world, source, clock.now_us());
  if (!o.keys_out.empty() && !write_keys_file(o.keys_out, keys)) {
    std::cerr << o.keys_out << ": cannot write the keys file\n";
    return exit_bad_input;
  }
  print_banner(o, world, keys, source);

  auto handle = [&svc, &clock](const http::request& req) { return svc.handle(req, clock.now_us()); };
  serve_front front(io, o.limits, handle, o.requests_max);
  if (auto ec = front.listen(at)) {
    std::cerr << "serve: cannot listen on " << o.address << ":" << o.port << ": " << ec.message() << "\n";
    return exit_bad_input;
  }
  asio::steady_timer tick(io);
  watch.front = &front;
  watch.arm();
  front.start([&tick, &watch] {
    tick.cancel();
    watch.signals.cancel();
  });
  asio::co_spawn(io, run_due_work(svc, clock, tick), asio::detached);
  std::cout << "listening on http://" << o.address << ":" << front.port() << std::endl;
  io.run();
  counts = front.counts();
  return 0;
}

int serve_world(const serve_options& o, const scenarios::scenario& world, const tcp::endpoint& at) {
  asio::io_context io(1);
  signal_watch watch{asio::signal_set(io, SIGINT, SIGTERM)};
  serve_counts counts;
  const int rc = serve_until_stopped(o, world, at, io, watch, counts);
  if (rc == 0) print_counts(counts);
  return rc;
}

}  // namespace

int serve_command(serve_options o) {
  auto loaded = scenarios::load_scenario_file(o.scenario_path);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << scenarios::to_string(d) << "\n";
    return exit_bad_input;
  }
  const auto at = endpoint_for(o);
  if (!at) return exit_bad_input;
  const rlim_t descriptors = descriptor_limit();
  const std::size_t fitting = connections_for_descriptors(descriptors);
  if (o.limits.connections_max == 0) o.limits.connections_max = fitting;
  if (o.limits.connections_max > fitting && descriptors != RLIM_INFINITY)
    std::cerr << "serve: --connections-max " << o.limits.connections_max << " is more than RLIMIT_NOFILE "
              << descriptors << " leaves room for (" << fitting << "): accept will fail and back off\n";
  return serve_world(o, *loaded, *at);
}

}  // namespace pilesim::tools
