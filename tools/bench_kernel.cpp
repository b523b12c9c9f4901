#include "tools/bench_kernel.hpp"

#include "sim/kernel.hpp"
#include "sim/link.hpp"
#include "sim/mailbox.hpp"
#include "sim/rng.hpp"

#include <boost/asio/co_spawn.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

namespace pilesim::tools {
namespace {

constexpr int actor_count = 3;
constexpr sim::time_us delay_min_us = 1 * sim::msec;
constexpr sim::time_us delay_max_us = 5 * sim::msec;
constexpr sim::time_us reply_timeout_us = 20 * sim::msec;

struct figures {
  std::uint64_t events = 0;
  std::uint64_t exchanges = 0;
  std::uint64_t retries = 0;
  double wall_s = 0;
};

// ---- (a) the floor: a bare heap of std::function events, the workload written as callbacks ----

class bare_loop {
 public:
  explicit bare_loop(const bench_kernel_options& o) : o_(o) {
    for (int i = 0; i < actor_count; ++i) rngs_.emplace_back(o.seed, "bare/link/" + std::to_string(i));
    clients_.resize(actor_count);
  }

  figures run() {
    for (int i = 0; i < actor_count; ++i) send_request(i);
    auto t0 = std::chrono::steady_clock::now();
    while (!heap_.empty()) {
      event e = heap_.top();
      heap_.pop();
      now_ = e.at;
      if (e.fn()) ++f_.events;
    }
    f_.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return f_;
  }

 private:
  struct event {
    sim::time_us at;
    std::uint64_t seq;
    std::function<bool()> fn;  // false: a cancelled timer that did nothing (not counted, as in the kernel)
    bool operator<(const event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct client_state {
    std::uint64_t seq = 0;
    std::uint64_t done = 0;
    std::uint64_t timer_generation = 0;
    sim::time_us last_arrival[2] = {0, 0};
  };

  void schedule(sim::time_us at, std::function<bool()> fn) { heap_.push({at, seq_++, std::move(fn)}); }

  // Link i carries actor i's requests to actor i+1 (direction 0) and the replies back (direction 1).
  void send(int link, int direction, std::function<bool()> deliver) {
    sim::rng& r = rngs_[link];
    if (r.bernoulli(o_.loss_ppb)) return;
    sim::time_us when = now_ + static_cast<sim::time_us>(r.uniform(delay_min_us, delay_max_us));
    sim::time_us& last = clients_[link].last_arrival[direction];
    when = std::max(when, last);
    last = when;
    schedule(when, std::move(deliver));
  }

  void send_request(int i) {
    client_state& c = clients_[i];
    const std::uint64_t seq = c.seq;
    send(i, 0, [this, i, seq] {
      on_request(i, seq);
      return true;
    });
    const std::uint64_t generation = ++c.timer_generation;
    schedule(now_ + reply_timeout_us, [this, i, generation] {
      if (clients_[i].timer_generation != generation) return false;  // cancelled: the reply came first
      ++f_.retries;
      send_request(i);
      return true;
    });
  }

  void on_request(int link, std::uint64_t seq) {
    send(link, 1, [this, link, seq] {
      on_reply(link, seq);
      return true;
    });
  }

  void on_reply(int i, std::uint64_t seq) {
    client_state& c = clients_[i];
    if (seq != c.seq) return;  // a stale reply to an earlier try
    ++c.timer_generation;
    ++c.seq;
    ++f_.exchanges;
    if (++c.done < o_.exchanges_per_actor) send_request(i);
  }

  bench_kernel_options o_;
  std::priority_queue<event> heap_;
  std::uint64_t seq_ = 0;
  sim::time_us now_ = 0;
  std::vector<sim::rng> rngs_;
  std::vector<client_state> clients_;
  figures f_;
};

// ---- (b) the kernel: actors as coroutines, mailboxes, sim::link ----

struct message {
  std::uint64_t seq;
};

struct kernel_world {
  explicit kernel_world(const bench_kernel_options& o) : o(o), k(o.seed) {
    sim::link_model m{delay_min_us, delay_max_us, o.loss_ppb, 0, 0, false};
    for (int i = 0; i < actor_count; ++i) {
      links.push_back(std::make_unique<sim::link>(k, "bench/" + std::to_string(i), m));
      requests.push_back(std::make_unique<sim::mailbox<sim::link_event>>(k, 64));
      replies.push_back(std::make_unique<sim::mailbox<sim::link_event>>(k, 64));
    }
    for (int i = 0; i < actor_count; ++i) {
      const int server = (i + 1) % actor_count;
      links[i]->attach(1, [this, server](sim::link_event&& e) { requests[server]->push(std::move(e)); });
      links[i]->attach(0, [this, i](sim::link_event&& e) { replies[i]->push(std::move(e)); });
    }
  }
  ~kernel_world() { k.shutdown(); }

  const bench_kernel_options o;
  sim::kernel k;
  std::vector<std::unique_ptr<sim::link>> links;
  std::vector<std::unique_ptr<sim::mailbox<sim::link_event>>> requests;  // by the actor that serves them
  std::vector<std::unique_ptr<sim::mailbox<sim::link_event>>> replies;   // by the actor that asked
  std::uint64_t exchanges = 0;
  std::uint64_t retries = 0;
};

// The sequence number in 8 little-endian bytes, as sim/bytes writes it, but by hand: byte_writer's appends and
// byte_reader's checks add 0.5 % to this bench's instructions (callgrind), and its figure is about the kernel.
bytes encode_seq(std::uint64_t seq) {
  bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(seq >> (8 * i));
  return b;
}
std::uint64_t decode_seq(const bytes& b) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8 && i < static_cast<int>(b.size()); ++i) v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
  return v;
}

sim::asio::awaitable<void> client(kernel_world& w, int i) {
  for (std::uint64_t seq = 0; seq < w.o.exchanges_per_actor; ++seq) {
    for (;;) {
      (void)w.links[i]->send(0, encode_seq(seq));
      const sim::time_us deadline = w.k.now() + reply_timeout_us;
      bool answered = false;
      for (;;) {
        auto r = co_await w.replies[i]->receive_until(deadline);
        if (!r) break;  // timeout: send again
        if (decode_seq(r->data) == seq) {
          answered = true;
          break;
        }
      }
      if (answered) break;
      ++w.retries;
    }
    ++w.exchanges;
  }
}

sim::asio::awaitable<void> server(kernel_world& w, int i) {
  const int link = (i + actor_count - 1) % actor_count;  // the link whose requests this actor serves
  for (;;) {
    auto r = co_await w.requests[i]->receive();
    if (!r) co_return;
    (void)w.links[link]->send(1, std::move(r->data));
  }
}

figures run_kernel(const bench_kernel_options& o) {
  kernel_world w(o);
  for (int i = 0; i < actor_count; ++i) {
    w.k.spawn("client/" + std::to_string(i), client(w, i));
    w.k.spawn("server/" + std::to_string(i), server(w, i));
  }
  auto t0 = std::chrono::steady_clock::now();
  sim::run_outcome out = w.k.run({});
  figures f;
  f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.events = out.events;
  f.exchanges = w.exchanges;
  f.retries = w.retries;
  if (out.failed) std::fprintf(stderr, "kernel run failed: %s\n", out.failure.c_str());
  return f;
}

}  // namespace

int bench_kernel(const bench_kernel_options& o, std::ostream& out) {
  figures bare = bare_loop(o).run();
  figures kern = run_kernel(o);
  const double bare_rate = static_cast<double>(bare.events) / bare.wall_s;
  const double kern_rate = static_cast<double>(kern.events) / kern.wall_s;
  out << "workload: 3 actors, " << o.exchanges_per_actor << " exchanges each, loss "
      << static_cast<double>(o.loss_ppb) / 1e9 << ", seed " << o.seed << "\n";
  out << "bare_events: " << bare.events << " (exchanges " << bare.exchanges << ", retries " << bare.retries
      << ", wall " << bare.wall_s << " s)\n";
  out << "kernel_events: " << kern.events << " (exchanges " << kern.exchanges << ", retries " << kern.retries
      << ", wall " << kern.wall_s << " s)\n";
  out << "bare_events_per_s: " << static_cast<std::uint64_t>(bare_rate) << "\n";
  out << "kernel_events_per_s: " << static_cast<std::uint64_t>(kern_rate) << "\n";
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.3f", kern_rate / bare_rate);
  out << "ratio: " << ratio << "\n";
  return 0;
}

}  // namespace pilesim::tools
