// Unit tests of the step agenda and its player: steps come in time order, file order at the same instant, and
// the player runs them where they would have run had every step been scheduled when the run began.
#include "scenarios/engine/agenda.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

std::vector<step> steps_at(const std::vector<sim::time_us>& times) {
  std::vector<step> out;
  for (std::size_t i = 0; i < times.size(); ++i) {
    step st;
    st.index = i;
    st.at_us = {times[i], times[i]};
    out.push_back(st);
  }
  return out;
}

}  // namespace

TEST_SUITE("scenarios/agenda") {
  TEST_CASE("yields steps by time, in file order at the same instant") {
    sim::kernel k(1);
    run_draws draws(k);
    const auto steps = steps_at({30, 10, 30, 20});
    agenda a(steps, draws);
    CHECK(a.size() == 4);
    CHECK(a.last_at_us() == 30);
    std::vector<std::size_t> order;
    while (auto t = a.next()) order.push_back(t->index);
    CHECK(order == std::vector<std::size_t>{1, 3, 0, 2});
    CHECK_FALSE(a.next());
  }

  TEST_CASE("draws a step's time from a range, the same for the same seed") {
    std::vector<step> steps = steps_at({0});
    steps[0].at_us = {1000, 2000};
    sim::time_us first = 0;
    for (int run = 0; run < 2; ++run) {
      sim::kernel k(7);
      run_draws draws(k);
      agenda a(steps, draws);
      const auto t = a.next();
      REQUIRE(t);
      CHECK(t->at_us >= 1000);
      CHECK(t->at_us <= 2000);
      if (run == 0) first = t->at_us;
      else CHECK(t->at_us == first);
    }
  }

  TEST_CASE("the player runs same-instant steps before events scheduled after it started") {
    sim::kernel k(1);
    run_draws draws(k);
    const auto steps = steps_at({50, 50, 10});
    agenda a(steps, draws);
    std::vector<int> ran;
    agenda_player player(k, a, [&](std::size_t i) { ran.push_back(static_cast<int>(i)); });
    player.start();
    k.at(50, [&] { ran.push_back(-1); });  // scheduled later than the steps' places were reserved
    (void)k.run({.until = 100});
    CHECK(ran == std::vector<int>{2, 0, 1, -1});
  }
}
