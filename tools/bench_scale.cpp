#include "tools/bench_scale.hpp"

#include "scenarios/engine/world.hpp"
#include "tools/process_figures.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ctime>
#include <string>

namespace pilesim::tools {
namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

sim::time_us at(sim::time_us t) { return t; }

scenarios::step make_step(scenarios::step_action a, sim::time_us t, const std::string& user, const std::string& pile) {
  scenarios::step s;
  s.at_us = {at(t), at(t)};
  s.user = user;
  s.action = a;
  s.pile = pile;
  return s;
}

// What one size's child sends back to the parent through a pipe.
struct size_figures {
  std::uint64_t sessions = 0;
  std::uint64_t reconciled = 0;
  std::uint64_t events = 0;
  double wall_s = 0;
  double cpu_s = 0;
  long peak_rss_kib = 0;
  double sim_s = 0;
  bool invariants = false;
  bool ok = false;
};

// The file database of one size's run, removed with its WAL and shared-memory files when the run is over.
struct scratch_database {
  std::string path;
  explicit scratch_database(const std::string& kind) {
    if (kind != "file") return;
    std::filesystem::path dir = std::filesystem::temp_directory_path();
    path = (dir / ("pilesim-bench-scale-" + std::to_string(getpid()) + ".db")).string();
    remove_files();
  }
  ~scratch_database() { remove_files(); }
  void remove_files() const {
    if (path.empty()) return;
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
  }
};

size_figures run_size(const scale_size& z, std::uint64_t seed, const std::string& db) {
  size_figures f;
  const scenarios::scenario s = scale_scenario(z, seed);
  const scratch_database scratch(db);
  scenarios::run_options ro;
  if (!scratch.path.empty()) ro.db_path = scratch.path;
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const scenarios::run_outcome_report r = scenarios::run_scenario(s, ro);
  f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.cpu_s = cpu_seconds() - cpu0;
  f.peak_rss_kib = peak_rss_kib();
  f.events = r.events;
  f.sim_s = static_cast<double>(r.sim_us) / 1e6;
  f.sessions = static_cast<std::uint64_t>(r.totals.sessions);
  f.reconciled = static_cast<std::uint64_t>(r.totals.reconciled);
  f.invariants = r.kernel_failure.empty();
  for (const auto& c : r.invariants) f.invariants = f.invariants && c.held;
  f.ok = true;
  return f;
}

// Runs one size in a child, so that its peak memory is its own and not the largest size's before it.
size_figures run_in_child(const scale_size& z, std::uint64_t seed, const std::string& db) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return {};
  }
  if (pid == 0) {
    close(fds[0]);
    size_figures f{};
    try {
      f = run_size(z, seed, db);
    } catch (...) {
      f.ok = false;
    }
    const char* p = reinterpret_cast<const char*>(&f);
    std::size_t left = sizeof f;
    while (left > 0) {
      const ssize_t n = write(fds[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  size_figures f{};
  char* p = reinterpret_cast<char*>(&f);
  std::size_t got = 0;
  while (got < sizeof f) {
    const ssize_t n = read(fds[0], p + got, sizeof f - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != sizeof f) return {};
  return f;
}

}  // namespace

const std::vector<scale_size>& scale_sizes() {
  static const std::vector<scale_size> sizes{
      {"station", 10, 100, 1}, {"district", 1'000, 10'000, 1}, {"city-day", 10'000, 100'000, 1}};
  return sizes;
}

scenarios::scenario scale_scenario(const scale_size& z, std::uint64_t seed) {
  using namespace scenarios;
  scenario s;
  s.file = "<bench scale " + z.name + ">";
  s.name = "bench scale " + z.name;
  s.seed = seed;
  s.until_us = static_cast<sim::time_us>(z.days) * 24 * 3600 * sim::sec;
  s.piles.reserve(z.piles);
  for (std::uint64_t p = 1; p <= z.piles; ++p) {
    pile_config pc;
    pc.id = "P" + std::to_string(p);
    pc.power_w = 7000;
    s.piles.push_back(std::move(pc));
  }
  // As tools/explicit_fleet.sh writes them: balances, batteries and states of charge vary with the user.
  s.users.reserve(z.users);
  for (std::uint64_t i = 1; i <= z.users; ++i) {
    user_config u;
    u.id = "U" + std::to_string(i);
    u.balance = money{static_cast<std::int64_t>((50 + i % 450) * 100 + i % 100)};
    vehicle_config v;
    v.id = "V" + std::to_string(i);
    v.battery_wh = static_cast<std::int64_t>(40 + i % 41) * 1000;
    v.soc_ppm = static_cast<std::int64_t>(10 + i % 50) * 10'000;
    u.vehicle = std::move(v);
    s.users.push_back(std::move(u));
  }
  // Each pile's users (i mod piles == the pile's number mod piles) take turns: user i has 1 + i mod 3 sessions
  // a day, in rounds (everyone's first, then the second ones, ...), each in an equal slot of the day. A slot is
  // at least 48 minutes: reserve at its start for 5 minutes on, start then, leave 2 minutes later, come back
  // after 20 minutes of charge, unplug a minute after.
  const sim::time_us day = 24 * 3600 * sim::sec;
  for (std::uint64_t d = 0; d < z.days; ++d) {
    for (std::uint64_t p = 1; p <= z.piles; ++p) {
      std::vector<std::uint64_t> turns;  // user numbers, one per session
      for (std::uint64_t round = 0; round < 3; ++round)
        for (std::uint64_t i = p; i <= z.users; i += z.piles)
          if (1 + i % 3 > round) turns.push_back(i);
      if (turns.empty()) continue;
      const sim::time_us slot = day / static_cast<sim::time_us>(turns.size() + 1);
      const std::string pile = "P" + std::to_string(p);
      for (std::size_t k = 0; k < turns.size(); ++k) {
        const std::string user = "U" + std::to_string(turns[k]);
        // Piles are spread over a minute so that not every pile acts at the same instant.
        const sim::time_us t0 = static_cast<sim::time_us>(d) * day + static_cast<sim::time_us>(k) * slot +
                                static_cast<sim::time_us>(p % 60) * sim::sec;
        step reserve = make_step(step_action::reserve, t0, user, pile);
        reserve.start_us = {t0 + 5 * sim::minute, t0 + 5 * sim::minute};
        reserve.duration_us = drawn<sim::time_us>{20 * sim::minute, 20 * sim::minute};
        step start = make_step(step_action::start, t0 + 5 * sim::minute, user, pile);
        start.amount = money{2000};
        s.steps.push_back(std::move(reserve));
        s.steps.push_back(std::move(start));
        s.steps.push_back(make_step(step_action::leave, t0 + 7 * sim::minute, user, ""));
        s.steps.push_back(make_step(step_action::arrive, t0 + 27 * sim::minute, user, pile));
        s.steps.push_back(make_step(step_action::unplug, t0 + 28 * sim::minute, user, ""));
      }
    }
  }
  for (std::size_t i = 0; i < s.steps.size(); ++i) s.steps[i].index = i;
  return s;
}

int bench_scale(const bench_scale_options& o, std::ostream& out) {
  std::vector<scale_size> chosen;
  for (const scale_size& z : scale_sizes())
    for (const std::string& n : o.sizes)
      if (n == z.name) chosen.push_back(z);
  out << "workload: every pile the home pile of 10 users, 1 to 3 sessions a user a day, each reserve -> start -> "
         "leave -> arrive -> unplug; every pile, user and step listed; seed "
      << o.seed << "\n";
  out << "database: " << (o.db == "file" ? "SQLite file (WAL) in the temporary directory" : "SQLite in memory") << "\n";
  out << "allocator: " << allocator_name() << "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-9s %7s %7s %4s %9s %10s %10s %9s %9s %13s %13s %11s %s\n", "size", "piles",
                "users", "days", "sessions", "reconciled", "events", "wall_s", "cpu_s", "cpu_us/event",
                "peak_rss_mib", "sim/wall", "invariants");
  out << line;
  bool all_ok = true;
  double first_us = 0, last_us = 0;
  std::string first_name, last_name;
  for (const scale_size& z : chosen) {
    const size_figures f = run_in_child(z, o.seed, o.db);
    if (!f.ok) {
      out << z.name << ": the run failed (killed or out of memory)\n";
      all_ok = false;
      continue;
    }
    const double us = f.events ? f.cpu_s * 1e6 / static_cast<double>(f.events) : 0;
    std::snprintf(line, sizeof line, "%-9s %7llu %7llu %4llu %9llu %10llu %10llu %9.2f %9.2f %13.2f %13.1f %11.0f %s\n",
                  z.name.c_str(), static_cast<unsigned long long>(z.piles), static_cast<unsigned long long>(z.users),
                  static_cast<unsigned long long>(z.days), static_cast<unsigned long long>(f.sessions),
                  static_cast<unsigned long long>(f.reconciled), static_cast<unsigned long long>(f.events), f.wall_s,
                  f.cpu_s, us, static_cast<double>(f.peak_rss_kib) / 1024.0, f.sim_s / f.wall_s,
                  f.invariants ? "held" : "FAILED");
    out << line << std::flush;
    all_ok = all_ok && f.invariants;
    if (first_name.empty()) {
      first_name = z.name;
      first_us = us;
    }
    last_name = z.name;
    last_us = us;
  }
  if (!first_name.empty() && first_us > 0) {
    std::snprintf(line, sizeof line, "cpu_us_per_event_ratio (%s / %s): %.2f\n", last_name.c_str(), first_name.c_str(),
                  last_us / first_us);
    out << line;
  }
  return all_ok ? 0 : 1;
}

}  // namespace pilesim::tools
