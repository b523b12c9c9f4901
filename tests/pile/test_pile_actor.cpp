// The pile actor over a real BLE link, with a tiny scripted phone: sealed start, repeats acting once, the cap
// stop at its exact instant, and a power cut dropping the phone.
#include "pile/charge_model.hpp"
#include "pile/pile_actor.hpp"
#include "pile/protocol/fragment.hpp"
#include "pile/protocol/messages.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"
#include "sim/mailbox.hpp"
#include "contract/pricing.hpp"
#include "contract/envelope.hpp"
#include "contract/keys.hpp"
#include "contract/seal.hpp"

#include "tests/support/result_printing.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <vector>

using namespace pilesim;
using namespace pilesim::contract;

namespace {

constexpr std::uint64_t seed = 42;
constexpr tariff_rate rate{{10000}, {8000}};  // 1.00 + 0.80 per kWh
constexpr std::int64_t pile_power_w = 7000;

sim::ble_model calm_ble() {
  sim::ble_model m;
  m.delay_min_us = 20 * sim::msec;
  m.delay_max_us = 60 * sim::msec;
  return m;
}

sim::ble_model with_mtu(std::size_t mtu, sim::ble_model m) {
  m.mtu = mtu;
  return m;
}

pile::vehicle car() { return pile::vehicle{"V1", 60'000, 6'000'000, 7000}; }  // 60 kWh at 10 %

// One pile, one phone link, and the phone's end of it as a mailbox the scripted phone reads.
struct bench {
  sim::kernel k{seed};
  key32 key = derive_pile_key(seed, "P1");
  sim::ble_link link;
  pile::pile_actor pile;
  sim::mailbox<sim::link_event> rx{k, 1024};
  protocol::reassembler reassembly{protocol::frame_len_max};
  protocol::fragmenter fragmenter;
  std::vector<std::pair<sim::time_us, protocol::session_ended>> notes;
  bool confirm = true;  // the phone confirms each session_ended it hears, as the app does
  std::uint64_t counter = 0;

  explicit bench(std::size_t mtu = 23, sim::ble_model m = calm_ble())
      : link(k, "ble/P1/phone", with_mtu(mtu, m)), pile(k, config(key)) {
    pile.attach(link);
    link.attach(sim::ble_link::phone, [this](sim::link_event&& e) { (void)rx.push(std::move(e)); });
    pile.start();
  }
  ~bench() { k.shutdown(); }

  static pile::firmware_config config(const key32& key) {
    pile::firmware_config c;
    c.pile_id = "P1";
    c.power_w = pile_power_w;
    c.key = key;
    return c;
  }

  bytes authorization(std::uint64_t session, money frozen) {
    start_authorization a;
    a.session_id = session;
    a.pile_id = "P1";
    a.counter = ++counter;
    a.issued_at_us = k.now();
    a.expires_at_us = k.now() + 10 * sim::minute;
    a.frozen = frozen;
    a.rate = rate;
    a.vehicle_id = "V1";
    a.stop_digest = stop_digest(derive_stop_secret(seed, session));
    // The pile's challenge, taken from its firmware as an earlier hello would have: the scripts below run well
    // within the ttl of it.
    const auto hello = pile.fw().handle(protocol::hello{"phone"}, pile.pile_now());
    a.challenge = std::get<protocol::hello_reply>(hello).challenge;
    a.ttl_us = 10 * sim::minute;
    return seal(a, key);
  }
};

// ---- the scripted phone: plain coroutines over the bench, which outlives the run ----

sim::asio::awaitable<bool> phone_connect(bench& b) {
  b.link.set_in_range(true);
  b.link.connect();
  for (;;) {
    auto e = co_await b.rx.receive_until(b.k.now() + 5 * sim::sec);
    if (!e) co_return false;
    if (e->what == sim::link_event::kind::connected) co_return true;
    if (e->what == sim::link_event::kind::disconnected) co_return false;
  }
}

void phone_send(bench& b, std::uint16_t seq, const protocol::message& m) {
  for (bytes& p : b.fragmenter.cut(protocol::encode(protocol::frame{seq, m}), b.link.mtu()))
    (void)b.link.send(sim::ble_link::phone, std::move(p));
}

// Reads the link until `until`; returns the first reply with `seq` (if one is wanted), noting notifications.
sim::asio::awaitable<std::optional<protocol::message>> phone_read(bench& b, std::optional<std::uint16_t> seq,
                                                                  sim::time_us until) {
  for (;;) {
    auto e = co_await b.rx.receive_until(until);
    if (!e) co_return std::nullopt;
    if (e->what != sim::link_event::kind::frame) continue;
    auto whole = b.reassembly.push(e->data);
    if (!whole) continue;
    auto f = protocol::decode(*whole);
    REQUIRE(f);
    if (const auto* n = std::get_if<protocol::session_ended>(&f->body)) {
      b.notes.emplace_back(b.k.now(), *n);
      if (b.confirm) phone_send(b, f->seq, protocol::session_ended_confirm{n->session_id});
      continue;
    }
    if (seq && f->seq == *seq) co_return std::move(f->body);
  }
}

sim::asio::awaitable<std::optional<protocol::message>> exchange(bench& b, std::uint16_t seq, protocol::message m) {
  phone_send(b, seq, m);
  co_return co_await phone_read(b, seq, b.k.now() + 2 * sim::sec);
}

struct start_script_out {
  bool connected = false;
  std::optional<protocol::message> hello;
  std::vector<std::optional<protocol::message>> starts;
};

// Connects, says hello, then sends the same start `repeats` times with one seq and once more with a new seq
// (a phone retrying after a reconnect would), then listens until `listen_until`.
sim::asio::awaitable<void> start_script(bench& b, bytes auth, int repeats, sim::time_us listen_until,
                                        start_script_out& out) {
  out.connected = co_await phone_connect(b);
  if (!out.connected) co_return;
  // Named messages: g++ 12 destroys a braced temporary argument of a co_awaited call twice.
  protocol::message hello = protocol::hello{"phone"};
  out.hello = co_await exchange(b, 1, hello);
  const protocol::message start = protocol::start_request{auth};
  for (int i = 0; i < repeats; ++i) {
    auto r = co_await exchange(b, 2, start);
    out.starts.push_back(std::move(r));
  }
  auto again = co_await exchange(b, 3, start);
  out.starts.push_back(std::move(again));
  (void)co_await phone_read(b, std::nullopt, listen_until);
}

const protocol::start_reply& as_start(const std::optional<protocol::message>& m) {
  REQUIRE(m);
  REQUIRE(std::holds_alternative<protocol::start_reply>(*m));
  return std::get<protocol::start_reply>(*m);
}

}  // namespace

TEST_SUITE("pile/pile_actor") {
  TEST_CASE("starts a session from a sealed authorization and answers with a sealed ack") {
    bench b;
    b.pile.plug(car());
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(7, money{5000}), 1, 5 * sim::minute, out));
    auto run = b.k.run({.until = 10 * sim::minute});
    REQUIRE_FALSE(run.failed);
    REQUIRE(out.connected);
    REQUIRE(out.hello);
    CHECK(std::get<protocol::hello_reply>(*out.hello).state == protocol::pile_state::idle);
    REQUIRE(out.starts.size() == 2);
    const auto& first = as_start(out.starts[0]);
    CHECK(first.result == protocol::status::ok);
    CHECK(first.session_id == 7);
    auto ack = open_start_ack(first.ack, b.key);
    REQUIRE(ack);
    CHECK(ack->session_id == 7);
    CHECK(ack->counter == 1);
    CHECK(b.pile.fw().state() == protocol::pile_state::charging);
    // The retry with a new seq is the firmware's repeat: the same answer, no second start.
    CHECK(as_start(out.starts[1]).ack == first.ack);
    CHECK(b.pile.fw().counters().sessions_started == 1);
    CHECK(b.pile.fw().counters().starts_repeated == 1);
    const auto m = b.pile.metered();
    REQUIRE(m.size() == 1);
    CHECK(m[0].starts == 1);
    CHECK(m[0].energy_wh > 0);
    CHECK_FALSE(m[0].ended);
  }

  TEST_CASE("refuses an altered authorization and starts nothing") {
    bench b;
    b.pile.plug(car());
    bytes auth = b.authorization(7, money{5000});
    auth[auth.size() / 2] ^= 0x01;
    start_script_out out;
    b.k.spawn("phone", start_script(b, auth, 1, 1 * sim::minute, out));
    REQUIRE_FALSE(b.k.run({.until = 2 * sim::minute}).failed);
    CHECK(as_start(out.starts[0]).result == protocol::status::bad_mac);
    CHECK(b.pile.fw().counters().sessions_started == 0);
    CHECK(b.pile.metered().empty());
  }

  TEST_CASE("a corrupted start is refused by the frame check: nothing starts, nothing is answered") {
    sim::ble_model m = calm_ble();
    m.corrupt_ppb = sim::ppb_one;  // one bit of every delivered packet flipped, after the link layer
    bench b(247, m);  // one packet per frame: each corrupted frame reaches the decoder whole
    b.pile.plug(car());
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(11, money{5000}), 3, 1 * sim::minute, out));
    REQUIRE_FALSE(b.k.run({.until = 2 * sim::minute}).failed);
    REQUIRE(out.connected);
    CHECK_FALSE(out.hello);
    for (const auto& r : out.starts) CHECK_FALSE(r);
    CHECK(b.link.stats().corrupted == b.link.stats().delivered);
    // A flipped flag bit can make the reassembler drop a packet before decoding; every other one is refused.
    CHECK(b.pile.stats().malformed > 0);
    CHECK(b.pile.stats().malformed <= b.link.stats().delivered);
    CHECK(b.pile.stats().requests == 0);
    CHECK(b.pile.fw().counters().sessions_started == 0);
    CHECK(b.pile.metered().empty());
  }

  TEST_CASE("a duplicated start frame acts once") {
    sim::ble_model m = calm_ble();
    m.duplicate_ppb = sim::ppb_one;  // the phone's stack repeats every packet, both ways
    bench b(247, m);
    b.pile.plug(car());
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(9, money{5000}), 2, 1 * sim::minute, out));
    REQUIRE_FALSE(b.k.run({.until = 2 * sim::minute}).failed);
    REQUIRE(out.starts.size() == 3);
    for (const auto& r : out.starts) CHECK(as_start(r).result == protocol::status::ok);
    // The link's duplicate and the phone's own repeat (seq 2 twice) are answered from the connection's cache;
    // only the new seq reaches the firmware, which answers it as a repeat. One session, started once.
    CHECK(b.pile.stats().repeats >= 3);
    CHECK(b.pile.fw().counters().sessions_started == 1);
    CHECK(b.pile.fw().counters().starts_repeated == 1);
    REQUIRE(b.pile.metered().size() == 1);
    CHECK(b.pile.metered()[0].starts == 1);
  }

  TEST_CASE("stops at the cap at the exact instant and notifies the phone") {
    bench b;
    const pile::vehicle v = car();
    b.pile.plug(v);
    const money frozen{500};  // 5.00 at 1.80/kWh: 2780 Wh
    const std::int64_t cap_wh = energy_cap_wh(frozen, rate);
    REQUIRE(cap_wh == 2780);
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(11, frozen), 1, 50 * sim::minute, out));
    REQUIRE_FALSE(b.k.run({.until = 60 * sim::minute}).failed);
    REQUIRE(as_start(out.starts[0]).result == protocol::status::ok);

    const pile::session_record* r = b.pile.fw().nv().last_session();
    REQUIRE(r != nullptr);
    pile::charge_model model(pile_power_w, v.battery_wh, v.stored_mwh, v.max_ac_w, r->started_at_us);
    const auto expected = model.time_delivered(cap_wh * 1000);
    REQUIRE(expected);

    REQUIRE(b.pile.fw().pending_bills() == 1);
    auto bill = open_bill(b.pile.fw().nv().bills().front().sealed, b.key);
    REQUIRE(bill);
    CHECK(bill->reason == stop_reason::cap);
    CHECK(bill->energy_wh() == cap_wh);
    CHECK(bill->stopped_at_us == *expected);
    CHECK(bill->cost == frozen);
    // What a phone can read of it without the key: the session its upload is for.
    CHECK(peek_session_id(b.pile.fw().nv().bills().front().sealed).value() == 11);
    // The actor woke at the deadline by itself: nothing else happened that could have woken it, yet the phone
    // heard of the stop within one link delay and one connection interval of the instant.
    REQUIRE(b.notes.size() == 1);
    CHECK(b.notes[0].second.session_id == 11);
    CHECK(b.notes[0].second.reason == stop_reason::cap);
    CHECK(b.notes[0].first >= *expected);
    CHECK(b.notes[0].first <= *expected + 60 * sim::msec + 30 * sim::msec);
    CHECK(b.pile.fw().state() == protocol::pile_state::idle);
    const auto m = b.pile.metered();
    REQUIRE(m.size() == 1);
    CHECK(m[0].ended);
    CHECK(m[0].energy_wh == cap_wh);
    CHECK(m[0].cap_wh == cap_wh);
  }

  TEST_CASE("an unconfirmed session_ended is repeated with a widening gap until the phone confirms it") {
    bench b;
    b.confirm = false;  // a phone whose confirmations are all lost, until 30 min
    b.pile.plug(car());
    const money frozen{500};
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(11, frozen), 1, 50 * sim::minute, out));
    b.k.at(30 * sim::minute, [&b] { b.confirm = true; });
    REQUIRE_FALSE(b.k.run({.until = 60 * sim::minute}).failed);
    REQUIRE(as_start(out.starts[0]).result == protocol::status::ok);
    REQUIRE(b.notes.size() >= 6);
    for (const auto& n : b.notes) CHECK(n.second.session_id == 11);
    // Gaps of 2, 4, 8, 16 s, then 30 s for as long as no confirmation comes (within the link's delay spread).
    const sim::time_us expected_gap[] = {2 * sim::sec, 4 * sim::sec, 8 * sim::sec, 16 * sim::sec, 30 * sim::sec};
    for (std::size_t i = 1; i < b.notes.size(); ++i) {
      const sim::time_us gap = b.notes[i].first - b.notes[i - 1].first;
      const sim::time_us want = expected_gap[std::min<std::size_t>(i - 1, 4)];
      CHECK(gap >= want - 60 * sim::msec);
      CHECK(gap <= want + 60 * sim::msec);
    }
    // The first one heard after 30 min is confirmed, and nothing follows it.
    CHECK(b.notes.back().first >= 30 * sim::minute);
    CHECK(b.notes.back().first <= 30 * sim::minute + 31 * sim::sec);
    CHECK(b.pile.stats().notifications == 1);
    CHECK(b.pile.stats().confirmations == 1);
    CHECK(b.pile.stats().indication_resends == b.notes.size() - 1);
  }

  TEST_CASE("a session_ended is not repeated while its last copy is still in the link") {
    bench b;
    b.pile.plug(car());
    const money frozen{500};
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(11, frozen), 1, 50 * sim::minute, out));
    REQUIRE_FALSE(b.k.run({.until = 1 * sim::minute}).failed);
    REQUIRE(as_start(out.starts[0]).result == protocol::status::ok);
    const pile::session_record* r = b.pile.fw().nv().last_session();
    REQUIRE(r != nullptr);
    const pile::vehicle v = car();
    pile::charge_model model(pile_power_w, v.battery_wh, v.stored_mwh, v.max_ac_w, r->started_at_us);
    const auto cap_at = model.time_delivered(energy_cap_wh(frozen, rate) * 1000);
    REQUIRE(cap_at);
    // Nothing gets through from 1 s before the cap to 20 s after it (less than the supervision timeout of
    // 32 s): the one copy waits in the link, and the retry timer (2, 4, 8, 16 s) must not queue more behind it.
    auto set_loss = [&b](std::uint32_t ppb) {
      sim::ble_model m = b.link.model();
      m.loss_ppb = ppb;
      m.supervision_timeout_us = 32 * sim::sec;
      b.link.set_model(m);
    };
    b.k.at(*cap_at - 1 * sim::sec, [&] { set_loss(sim::ppb_one); });
    b.k.at(*cap_at + 20 * sim::sec, [&] { set_loss(0); });
    REQUIRE_FALSE(b.k.run({.until = 60 * sim::minute}).failed);
    CHECK(b.link.stats().disconnects == 0);
    REQUIRE(b.notes.size() == 1);  // heard once, after the loss ended
    CHECK(b.notes[0].first >= *cap_at + 20 * sim::sec);
    CHECK(b.pile.stats().indication_resends == 0);
    CHECK(b.pile.stats().confirmations == 1);
  }

  TEST_CASE("a confirmation for another seq or session confirms nothing") {
    bench b;
    b.confirm = false;
    b.pile.plug(car());
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(11, money{500}), 1, 50 * sim::minute, out));
    // Well after the cap stop (about 25 min): a wrong seq (that of the phone's last request, whose reply the
    // pile caches), then the right seq with the wrong session.
    b.k.at(40 * sim::minute, [&b] { phone_send(b, 3, protocol::session_ended_confirm{11}); });
    b.k.at(41 * sim::minute, [&b] { phone_send(b, 1, protocol::session_ended_confirm{12}); });
    REQUIRE_FALSE(b.k.run({.until = 45 * sim::minute}).failed);
    CHECK(b.pile.stats().confirmations == 0);
    REQUIRE(!b.notes.empty());
    CHECK(b.notes.back().first >= 44 * sim::minute);  // still repeated every 30 s
    // A confirmation is never taken for a repeated request: the firmware saw only hello and the two starts.
    CHECK(b.pile.stats().requests == 3);
    CHECK(b.pile.stats().repeats == 0);
  }

  TEST_CASE("a power cut drops the phone and ends the session with power_loss at power on") {
    bench b;
    b.pile.plug(car());
    start_script_out out;
    b.k.spawn("phone", start_script(b, b.authorization(13, money{5000}), 1, 20 * sim::minute, out));
    b.k.at(10 * sim::minute, [&b] { b.pile.power_off(); });
    b.k.at(15 * sim::minute, [&b] { b.pile.power_on(); });
    REQUIRE_FALSE(b.k.run({.until = 20 * sim::minute}).failed);
    REQUIRE(as_start(out.starts[0]).result == protocol::status::ok);
    CHECK_FALSE(b.link.connected());             // the supervision timeout dropped the phone
    CHECK(b.link.stats().disconnects == 1);
    CHECK(b.link.pile_powered());                // the radio came back with the power
    REQUIRE(b.pile.fw().pending_bills() == 1);
    auto bill = open_bill(b.pile.fw().nv().bills().front().sealed, b.key);
    REQUIRE(bill);
    CHECK(bill->reason == stop_reason::power_loss);
    CHECK(bill->stopped_at_us == 10 * sim::minute);
    CHECK(b.pile.metered()[0].energy_wh == bill->energy_wh());
  }
}
