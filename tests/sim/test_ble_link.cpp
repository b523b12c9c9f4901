// The BLE link: the MTU-3 payload bound, connection set-up in and out of range, the supervision timeout
// (range loss, total loss), arrivals on connection events, and no frame surviving into a new connection.
#include "sim/ble_link.hpp"

#include <doctest/doctest.h>

#include <array>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::sim;

namespace {

constexpr int phone = ble_link::phone;
constexpr int pile = ble_link::pile;

struct arrival {
  time_us at;
  link_event::kind what;
  std::size_t size;
};

struct world {
  explicit world(std::uint64_t seed = 1, link_model m = {.delay_min_us = 1 * msec, .delay_max_us = 5 * msec},
                 ble_params p = {})
      : k(seed), l(k, "ble/P1", m, p), params(p) {
    for (int side = 0; side < 2; ++side)
      l.attach(side, [this, side](link_event&& e) { got[side].push_back({k.now(), e.what, e.data.size()}); });
    k.trace().write_to(&lines);
  }
  ~world() { k.shutdown(); }

  // The phone is in range and asks to connect now.
  void connect_now() {
    l.set_in_range(true);
    l.connect();
  }
  // Times of the events of `what` on `side`.
  std::vector<time_us> times(int side, link_event::kind what) const {
    std::vector<time_us> t;
    for (const arrival& a : got[side])
      if (a.what == what) t.push_back(a.at);
    return t;
  }
  time_us connected_at() const {
    auto t = times(phone, link_event::kind::connected);
    REQUIRE(t.size() == 1);
    return t[0];
  }
  // Sends `size` bytes from `side` at `t`; `ec`, when given, gets the result (empty when ok).
  void send_at(time_us t, int side, std::size_t size, boost::system::error_code* ec = nullptr) {
    k.at(t, [this, side, size, ec] {
      result<void> r = l.send(side, bytes(size, 0xab));
      if (ec) *ec = r ? boost::system::error_code{} : r.error();
    });
  }

  kernel k;
  ble_link l;
  ble_params params;
  std::array<std::vector<arrival>, 2> got;
  std::ostringstream lines;
};

using kind = link_event::kind;

}  // namespace

TEST_SUITE("sim/ble_link") {
  TEST_CASE("connecting in range connects both sides after a set-up delay within bounds") {
    std::set<time_us> delays;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      world w(seed);
      w.l.set_in_range(true);
      bool connecting = false;
      w.k.at(1 * sec, [&] {
        w.l.connect();
        connecting = w.l.connecting();
      });
      w.k.run({});
      CHECK(connecting);
      CHECK_FALSE(w.l.connecting());
      CHECK(w.l.connected());
      const auto at_phone = w.times(phone, kind::connected);
      const auto at_pile = w.times(pile, kind::connected);
      REQUIRE(at_phone.size() == 1);
      REQUIRE(at_pile.size() == 1);
      CHECK(at_phone[0] == at_pile[0]);
      const time_us delay = at_phone[0] - 1 * sec;
      CHECK(delay >= w.params.connect_delay_min_us);
      CHECK(delay <= w.params.connect_delay_max_us);
      delays.insert(delay);
    }
    CHECK(delays.size() > 10);  // the delay is drawn, not fixed
  }

  TEST_CASE("connect while connecting or connected is a no-op") {
    world w;
    w.connect_now();
    w.l.connect();
    w.k.at(1 * sec, [&] { w.l.connect(); });
    w.k.run({});
    CHECK(w.times(phone, kind::connected).size() == 1);
    CHECK(w.times(pile, kind::connected).size() == 1);
    CHECK(w.got[phone].size() == 1);
    CHECK(w.got[pile].size() == 1);
  }

  TEST_CASE("connecting out of range fails and only the phone is told") {
    world w;
    w.l.connect();
    w.k.run({});
    CHECK_FALSE(w.l.connected());
    CHECK_FALSE(w.l.connecting());
    const auto failed = w.times(phone, kind::disconnected);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0] >= w.params.connect_delay_min_us);
    CHECK(failed[0] <= w.params.connect_delay_max_us);
    CHECK(w.got[phone].size() == 1);
    CHECK(w.got[pile].empty());
    CHECK(w.lines.str().find(R"("kind":"connect_failed")") != std::string::npos);
  }

  TEST_CASE("a packet of mtu-3 bytes is sent and one of mtu-2 bytes is too large") {
    world w;
    w.connect_now();
    boost::system::error_code fits;
    boost::system::error_code too_big;
    boost::system::error_code fits_185;
    boost::system::error_code too_big_185;
    CHECK(w.l.payload_max() == 20);
    w.send_at(1 * sec, phone, 20, &fits);
    w.send_at(1 * sec, phone, 21, &too_big);
    w.k.at(2 * sec, [&] { w.l.set_mtu(185); });
    w.send_at(2 * sec, pile, 182, &fits_185);
    w.send_at(2 * sec, pile, 183, &too_big_185);
    w.k.run({});
    CHECK_FALSE(fits);
    CHECK(too_big == errc::too_large);
    CHECK_FALSE(fits_185);
    CHECK(too_big_185 == errc::too_large);
    CHECK(w.l.payload_max() == 182);
    const auto frames_pile = w.times(pile, kind::frame);
    const auto frames_phone = w.times(phone, kind::frame);
    REQUIRE(frames_pile.size() == 1);
    REQUIRE(frames_phone.size() == 1);
    CHECK(w.got[pile].back().size == 20);
    CHECK(w.got[phone].back().size == 182);
    CHECK(w.l.stats().sent == 2);  // refused packets never reach the link
  }

  TEST_CASE("sending without a connection gives errc::disconnected") {
    world w;
    w.l.set_in_range(true);
    boost::system::error_code ec;
    w.send_at(0, phone, 5, &ec);
    w.k.run({});
    CHECK(ec == errc::disconnected);
  }

  TEST_CASE("going out of range while connected disconnects both sides after exactly the supervision timeout") {
    world w;
    w.connect_now();
    w.k.at(1 * sec, [&] { w.l.set_in_range(false); });
    w.send_at(1500 * msec, phone, 10);  // out of range: dropped, but the connection still stands
    bool connected_before = false;
    w.k.at(3 * sec - 1, [&] { connected_before = w.l.connected(); });
    w.k.run({});
    CHECK(connected_before);
    CHECK_FALSE(w.l.connected());
    CHECK(w.times(phone, kind::disconnected) == std::vector<time_us>{1 * sec + w.params.supervision_timeout_us});
    CHECK(w.times(pile, kind::disconnected) == std::vector<time_us>{1 * sec + w.params.supervision_timeout_us});
    CHECK(w.times(pile, kind::frame).empty());
    CHECK(w.l.stats().dropped == 1);
    CHECK(w.lines.str().find(R"("why":"supervision timeout")") != std::string::npos);
  }

  TEST_CASE("coming back in range before the supervision timeout keeps the connection") {
    world w;
    w.connect_now();
    w.k.at(1 * sec, [&] { w.l.set_in_range(false); });
    w.k.at(2900 * msec, [&] { w.l.set_in_range(true); });
    w.send_at(4 * sec, phone, 10);
    w.k.run({.until = 10 * sec});
    CHECK(w.l.connected());
    CHECK(w.times(phone, kind::disconnected).empty());
    CHECK(w.times(pile, kind::disconnected).empty());
    CHECK(w.times(pile, kind::frame).size() == 1);
  }

  TEST_CASE("the supervision timeout starts again from the last loss of range") {
    world w;
    w.connect_now();
    w.k.at(1 * sec, [&] { w.l.set_in_range(false); });
    w.k.at(1500 * msec, [&] { w.l.set_in_range(true); });
    w.k.at(2 * sec, [&] { w.l.set_in_range(false); });
    w.k.run({});
    CHECK(w.times(phone, kind::disconnected) == std::vector<time_us>{2 * sec + w.params.supervision_timeout_us});
  }

  TEST_CASE("total loss also disconnects after the supervision timeout") {
    world w;
    w.connect_now();
    w.k.at(1 * sec, [&] {
      w.l.set_model({.delay_min_us = 1 * msec, .delay_max_us = 5 * msec, .loss_ppb = ppb_one});
    });
    w.k.run({});
    CHECK_FALSE(w.l.connected());
    CHECK(w.times(phone, kind::disconnected) == std::vector<time_us>{1 * sec + w.params.supervision_timeout_us});
    CHECK(w.times(pile, kind::disconnected) == std::vector<time_us>{1 * sec + w.params.supervision_timeout_us});
  }

  TEST_CASE("partial loss does not start the supervision timeout") {
    world w;
    w.connect_now();
    w.k.at(1 * sec, [&] {
      w.l.set_model({.delay_min_us = 1 * msec, .delay_max_us = 5 * msec, .loss_ppb = ppb_one - 1});
    });
    w.k.run({.until = 10 * sec});
    CHECK(w.l.connected());
    CHECK(w.times(phone, kind::disconnected).empty());
  }

  TEST_CASE("arrivals fall on connection events of the current connection") {
    world w(5, {.delay_min_us = 1 * msec, .delay_max_us = 20 * msec});
    w.connect_now();
    std::vector<time_us> sent;
    for (int i = 0; i < 60; ++i) {
      const time_us t = 1 * sec + i * 7777 * usec;
      sent.push_back(t);
      w.send_at(t, i % 2 ? pile : phone, 8);
    }
    w.k.run({});
    const time_us anchor = w.connected_at();
    const time_us interval = w.params.conn_interval_us;
    REQUIRE(anchor % interval != 0);  // else the check below could not tell the anchor from time zero
    std::vector<time_us> phone_rx = w.times(phone, kind::frame);
    std::vector<time_us> pile_rx = w.times(pile, kind::frame);
    REQUIRE(phone_rx.size() == 30);
    REQUIRE(pile_rx.size() == 30);
    for (int i = 0; i < 60; ++i) {
      const time_us at = i % 2 ? phone_rx[i / 2] : pile_rx[i / 2];  // FIFO per direction
      CHECK((at - anchor) % interval == 0);
      CHECK(at >= sent[i] + 1 * msec);
      CHECK(at < sent[i] + 20 * msec + interval);
    }
  }

  TEST_CASE("a frame sent before a disconnect is not delivered in the next connection") {
    world w(1, {.delay_min_us = 300 * msec, .delay_max_us = 300 * msec});
    w.connect_now();
    w.send_at(1 * sec, phone, 4);
    w.k.at(1 * sec + 1 * msec, [&] {
      w.l.disconnect("test");
      w.l.connect();  // connected again at most 251 ms later, before the old frame's arrival at 1.3 s
    });
    w.send_at(2 * sec, phone, 6);
    w.k.run({});
    CHECK(w.l.connected());
    const auto connects = w.times(pile, kind::connected);
    REQUIRE(connects.size() == 2);
    CHECK(connects[1] < 1300 * msec);
    REQUIRE(w.times(pile, kind::frame).size() == 1);
    CHECK(w.got[pile].back().size == 6);
    CHECK(w.l.stats().dropped == 1);
  }
}
