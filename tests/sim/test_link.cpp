// The faulty link: loss, duplication, FIFO delivery unless reordering is allowed, `down`, and disconnects
// that both sides learn of and that cut every frame still in flight. Drops are counted and traced.
#include "sim/link.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::sim;

namespace {

bytes frame(int id) {
  bytes b(4);
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(id >> (8 * i));
  return b;
}

int frame_id(const bytes& b) {
  int id = 0;
  for (std::size_t i = 0; i < b.size() && i < 4; ++i) id |= b[i] << (8 * i);
  return id;
}

std::size_t count_lines_with(const std::string& text, const std::string& a, const std::string& b) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) ++n;
  return n;
}

struct arrival {
  time_us at;
  link_event::kind what;
  int id;
};

struct world {
  explicit world(link_model m, std::uint64_t seed = 1) : k(seed), l(k, "wan/test", m) {
    for (int side = 0; side < 2; ++side)
      l.attach(side, [this, side](link_event&& e) { got[side].push_back({k.now(), e.what, frame_id(e.data)}); });
    k.trace().write_to(&lines);
  }
  ~world() { k.shutdown(); }

  // Frame `id` leaves `side` at `t`.
  void send_at(time_us t, int side, int id) {
    sent_at[id] = t;
    k.at(t, [this, side, id] { CHECK(l.send(side, frame(id)).has_value()); });
  }
  std::vector<int> frame_ids(int side) const {
    std::vector<int> ids;
    for (const arrival& a : got[side])
      if (a.what == link_event::kind::frame) ids.push_back(a.id);
    return ids;
  }

  kernel k;
  sim::link l;  // qualified: POSIX declares a function ::link
  std::array<std::vector<arrival>, 2> got;
  std::map<int, time_us> sent_at;
  std::ostringstream lines;
};

std::vector<int> iota(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace

TEST_SUITE("sim/link") {
  TEST_CASE("delivers every frame at loss 0, each within the delay bounds") {
    world w({.delay_min_us = 1 * msec, .delay_max_us = 5 * msec});
    for (int i = 0; i < 100; ++i) w.send_at(i * 300 * usec, 0, i);
    w.k.run({});
    CHECK(w.frame_ids(1) == iota(100));
    CHECK(w.got[0].empty());
    for (const arrival& a : w.got[1]) {
      CHECK(a.at >= w.sent_at[a.id] + 1 * msec);
      CHECK(a.at <= w.sent_at[a.id] + 5 * msec);
    }
    CHECK(w.l.stats().sent == 100);
    CHECK(w.l.stats().delivered == 100);
    CHECK(w.l.stats().dropped == 0);
  }

  TEST_CASE("carries frames from side 1 to side 0") {
    world w({.delay_min_us = 2 * msec, .delay_max_us = 2 * msec});
    w.send_at(0, 1, 11);
    w.k.run({});
    REQUIRE(w.got[0].size() == 1);
    CHECK(w.got[0][0].id == 11);
    CHECK(w.got[0][0].at == 2 * msec);
    CHECK(w.got[1].empty());
  }

  TEST_CASE("drops every frame at loss 1, and counts and traces each drop") {
    world w({.delay_min_us = 1 * msec, .delay_max_us = 5 * msec, .loss_ppb = ppb_one});
    for (int i = 0; i < 50; ++i) w.send_at(i * msec, i % 2, i);
    w.k.run({});
    CHECK(w.got[0].empty());
    CHECK(w.got[1].empty());
    CHECK(w.l.stats().sent == 50);
    CHECK(w.l.stats().dropped == 50);
    CHECK(w.l.stats().delivered == 0);
    CHECK(count_lines_with(w.lines.str(), R"("kind":"drop")", R"("why":"loss")") == 50);
    CHECK(w.k.trace().count() == 50);
  }

  TEST_CASE("loses about the configured share of frames") {
    world w({.delay_min_us = 1 * msec, .delay_max_us = 1 * msec, .loss_ppb = 300'000'000});
    for (int i = 0; i < 10'000; ++i) w.send_at(i * 10 * usec, 0, i);
    w.k.run({});
    const auto delivered = static_cast<long>(w.l.stats().delivered);
    CHECK(delivered > 7000 - 300);
    CHECK(delivered < 7000 + 300);
    CHECK(w.l.stats().delivered + w.l.stats().dropped == 10'000);
  }

  TEST_CASE("delivers each frame twice at duplication 1") {
    world w({.delay_min_us = 1 * msec, .delay_max_us = 5 * msec, .duplicate_ppb = ppb_one});
    for (int i = 0; i < 20; ++i) w.send_at(i * msec, 0, i);
    w.k.run({});
    std::vector<int> ids = w.frame_ids(1);
    CHECK(ids.size() == 40);
    for (int i = 0; i < 20; ++i) CHECK(std::count(ids.begin(), ids.end(), i) == 2);
    CHECK(w.l.stats().duplicated == 20);
    CHECK(w.l.stats().delivered == 40);
    CHECK(count_lines_with(w.lines.str(), R"("kind":"dup")", R"("from":0)") == 20);
  }

  TEST_CASE("keeps send order without reordering despite random delays") {
    world w({.delay_min_us = 0, .delay_max_us = 50 * msec});
    for (int i = 0; i < 200; ++i) w.send_at(i * msec, 0, i);
    w.k.run({});
    CHECK(w.frame_ids(1) == iota(200));
    time_us shortest = time_max;
    time_us longest = 0;
    for (std::size_t i = 0; i < w.got[1].size(); ++i) {
      const arrival& a = w.got[1][i];
      if (i > 0) CHECK(a.at >= w.got[1][i - 1].at);
      shortest = std::min(shortest, a.at - w.sent_at[a.id]);
      longest = std::max(longest, a.at - w.sent_at[a.id]);
    }
    // The delays really were spread, so independent delays would have reordered frames.
    CHECK(longest - shortest > 20 * msec);
    CHECK(w.l.stats().reordered == 0);
  }

  TEST_CASE("lets some frames overtake earlier ones when reordering is allowed") {
    world w({.delay_min_us = 0, .delay_max_us = 50 * msec, .reorder_ppb = 500'000'000});
    for (int i = 0; i < 200; ++i) w.send_at(i * msec, 0, i);
    w.k.run({});
    std::vector<int> ids = w.frame_ids(1);
    CHECK(ids.size() == 200);
    int overtakes = 0;
    for (std::size_t i = 1; i < ids.size(); ++i)
      if (ids[i] < ids[i - 1]) ++overtakes;
    CHECK(overtakes > 0);
    CHECK(w.l.stats().reordered > 0);
    std::sort(ids.begin(), ids.end());
    CHECK(ids == iota(200));  // reordered, not lost or duplicated
  }

  TEST_CASE("frames sent back to back that arrive together take one event, in order, both ways") {
    world w({.delay_min_us = 2 * msec, .delay_max_us = 2 * msec});
    w.k.at(0, [&w] {
      for (int i = 0; i < 5; ++i) CHECK(w.l.send(0, frame(i)).has_value());
      for (int i = 10; i < 13; ++i) CHECK(w.l.send(1, frame(i)).has_value());
      for (int i = 5; i < 8; ++i) CHECK(w.l.send(0, frame(i)).has_value());  // after the other way: a new event
    });
    w.k.run({});
    CHECK(w.frame_ids(1) == iota(8));
    CHECK(w.frame_ids(0) == std::vector<int>{10, 11, 12});
    for (const arrival& a : w.got[1]) CHECK(a.at == 2 * msec);
    CHECK(w.k.events() == 1 + 3);  // the sending event, then one delivery per run of same-instant frames
    CHECK(w.l.stats().delivered == 11);
  }

  TEST_CASE("an event scheduled between two frames keeps its place between their deliveries") {
    world w({.delay_min_us = 2 * msec, .delay_max_us = 2 * msec});
    std::vector<std::string> order;
    w.l.attach(1, [&](link_event&& e) { order.push_back("frame " + std::to_string(frame_id(e.data))); });
    w.k.at(0, [&] {
      CHECK(w.l.send(0, frame(1)).has_value());
      w.k.at(2 * msec, [&] { order.push_back("timer"); });
      CHECK(w.l.send(0, frame(2)).has_value());
    });
    w.k.run({});
    CHECK(order == std::vector<std::string>{"frame 1", "timer", "frame 2"});
  }

  TEST_CASE("a disconnect cuts every frame of a batch in flight") {
    world w({.delay_min_us = 2 * msec, .delay_max_us = 2 * msec});
    w.k.at(0, [&w] {
      for (int i = 0; i < 4; ++i) CHECK(w.l.send(0, frame(i)).has_value());
    });
    w.k.at(1 * msec, [&w] { w.l.disconnect("test"); });
    w.k.run({});
    CHECK(w.frame_ids(1).empty());
    CHECK(w.l.stats().dropped == 4);
    CHECK(count_lines_with(w.lines.str(), "\"drop\"", "disconnected") == 4);
  }

  TEST_CASE("a disconnect tells both sides and cuts the frames in flight") {
    world w({.delay_min_us = 10 * msec, .delay_max_us = 10 * msec});
    for (int i = 0; i < 10; ++i) w.send_at(i * msec, 0, i);  // arrive at 10 ms .. 19 ms
    boost::system::error_code after;
    w.k.at(12500 * usec, [&] {
      w.l.disconnect("test cut");
      w.l.disconnect("again");  // a second cut is a no-op
      result<void> r = w.l.send(0, frame(99));
      after = r ? boost::system::error_code{} : r.error();
    });
    w.k.run({});

    CHECK_FALSE(w.l.connected());
    REQUIRE(w.got[0].size() == 1);
    CHECK(w.got[0][0].what == link_event::kind::disconnected);
    CHECK(w.got[0][0].at == 12500 * usec);
    REQUIRE(w.got[1].size() == 4);
    CHECK(w.frame_ids(1) == std::vector<int>{0, 1, 2});
    CHECK(w.got[1][3].what == link_event::kind::disconnected);
    CHECK(w.got[1][3].at == 12500 * usec);

    CHECK(after == errc::disconnected);
    CHECK(w.l.stats().sent == 10);
    CHECK(w.l.stats().delivered == 3);
    CHECK(w.l.stats().dropped == 7);
    CHECK(w.l.stats().disconnects == 1);
    CHECK(w.l.epoch() == 1);
    CHECK(count_lines_with(w.lines.str(), R"("kind":"disconnect")", R"("why":"test cut")") == 1);
    CHECK(count_lines_with(w.lines.str(), R"("kind":"drop")", R"("why":"disconnected")") == 7);
  }

  TEST_CASE("a link that is down drops every frame, and carries again once up") {
    world w({.delay_min_us = 1 * msec, .delay_max_us = 1 * msec, .down = true});
    for (int i = 0; i < 10; ++i) w.send_at(i * msec, 0, i);
    w.k.at(20 * msec, [&] { w.l.set_model({.delay_min_us = 1 * msec, .delay_max_us = 1 * msec}); });
    for (int i = 10; i < 15; ++i) w.send_at(30 * msec + i * msec, 0, i);
    w.k.run({});
    CHECK(w.frame_ids(1) == std::vector<int>{10, 11, 12, 13, 14});
    CHECK(w.l.stats().dropped == 10);
    CHECK(w.l.connected());  // down is not a disconnect
    CHECK(count_lines_with(w.lines.str(), R"("kind":"drop")", R"("why":"down")") == 10);
  }
}
