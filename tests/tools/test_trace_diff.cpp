// Where two traces part: the checkpoints sim::trace writes lead the search to the right window, the first
// differing event and its actor are named, and checkpoints leave the trace hash alone.
#include "sim/trace.hpp"
#include "tools/trace_diff.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using namespace pilesim;
using namespace pilesim::tools;

namespace {

// `events` events cycling over actors a, b, c; from event `differ_at` on (1-based) b's payload changes.
std::string make_trace(int events, int differ_at, std::uint64_t checkpoint_every, std::uint64_t* hash = nullptr) {
  std::ostringstream out;
  sim::trace t;
  t.write_to(&out);
  t.checkpoint_every(checkpoint_every);
  const char* actors[] = {"a", "b", "c"};
  for (int i = 1; i <= events; ++i) {
    const char* actor = actors[i % 3];
    const bool changed = i >= differ_at && std::string(actor) == "b";
    t.event(i * 1000, actor, "tick", {{"n", i}, {"v", changed ? 1 : 0}});
  }
  if (hash) *hash = t.hash();
  return out.str();
}

trace_divergence diverge(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  auto d = first_divergence(ia, ib, 3);
  REQUIRE(d.has_value());
  return *d;
}

}  // namespace

TEST_SUITE("tools/trace_diff") {
  TEST_CASE("checkpoints are not events: the hash is the same with them, without them, and unwritten") {
    std::uint64_t with = 0, without = 0, unwritten = 0;
    const std::string text = make_trace(100, 1000, 10, &with);
    make_trace(100, 1000, 0, &without);
    sim::trace t;
    const char* actors[] = {"a", "b", "c"};
    for (int i = 1; i <= 100; ++i) t.event(i * 1000, actors[i % 3], "tick", {{"n", i}, {"v", 0}});
    unwritten = t.hash();
    CHECK(with == without);
    CHECK(with == unwritten);
    std::size_t checkpoints = 0;
    for (auto at = text.find("{\"checkpoint\":"); at != std::string::npos; at = text.find("{\"checkpoint\":", at + 1))
      ++checkpoints;
    CHECK(checkpoints == 10);
  }

  TEST_CASE("identical traces are identical, and only the tail after the checkpoints is compared event by event") {
    const std::string a = make_trace(100, 1000, 10);
    const auto d = diverge(a, a);
    CHECK(d.identical);
    CHECK(d.events_a == 100);
    CHECK(d.checkpoints == 10);
    CHECK(d.compared <= 20);
  }

  TEST_CASE("the first differing event, its actor, and the events before it, found through the checkpoints") {
    const int first_b_from_57 = 58;  // actors cycle a(i%3==0), b(1), c(2): event 58 is b's first changed one
    const auto d = diverge(make_trace(1000, 57, 10), make_trace(1000, 57, 10));
    CHECK(d.identical);
    const auto x = diverge(make_trace(1000, 1000, 10), make_trace(1000, 57, 10));
    REQUIRE(!x.identical);
    CHECK(x.index == first_b_from_57);
    CHECK(x.actor_a == "b");
    CHECK(x.actor_b == "b");
    REQUIRE(x.line_a);
    REQUIRE(x.line_b);
    CHECK(x.line_a->find("\"v\":0") != std::string::npos);
    CHECK(x.line_b->find("\"v\":1") != std::string::npos);
    CHECK(x.checkpoints_agreeing == 5);                // checkpoints after 10..50 events agree, the one at 60 not
    CHECK(x.compared <= 30);                           // from the checkpoint at 30, not from the start
    CHECK(x.before.size() == 3);
    CHECK(x.before.back().find("\"n\":57") != std::string::npos);
    CHECK(x.actors_differing == std::vector<std::string>{"b"});
    std::ostringstream text;
    print_divergence(text, x);
    CHECK(text.str().find("first difference at event 58") != std::string::npos);
    CHECK(text.str().find("actor b diverged") != std::string::npos);
  }

  TEST_CASE("traces without checkpoints, and one that stops early, are compared from the start") {
    const auto x = diverge(make_trace(50, 1000, 0), make_trace(50, 20, 0));
    CHECK(x.index == 22);
    CHECK(x.compared == 22);
    const auto shorter = diverge(make_trace(40, 1000, 0), make_trace(50, 1000, 0));
    CHECK(shorter.index == 41);
    CHECK(!shorter.line_a);
    CHECK(shorter.line_b);
  }

  TEST_CASE("a line that is not a trace line is bad input, named by its line") {
    std::istringstream a(make_trace(5, 1000, 0)), b("{\"t_us\":1,\"actor\":\"a\",\"kind\":\"k\"}\nhello\n");
    const auto d = first_divergence(a, b, 3);
    REQUIRE(!d.has_value());
    CHECK(d.error().message == "B:2: not a trace line (expected {\"t_us\":...)");
  }
}
