// The pile state machine: sessions from start to bill, every way a session ends, every refused authorization,
// idempotent repeats, a full bill store, power loss and receipts.
#include "pile/firmware.hpp"

#include "contract/keys.hpp"
#include "contract/pricing.hpp"
#include "contract/seal.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>

using namespace pilesim;
using namespace pilesim::contract;
using namespace pilesim::pile;
using protocol::status;

namespace {

constexpr std::int64_t sec = 1'000'000;
constexpr std::int64_t minute = 60 * sec;
constexpr std::int64_t hour = 3600 * sec;
constexpr std::uint64_t seed = 1;

const tariff_rate rate{{10000}, {8000}};  // 1.00 + 0.80 per kWh

key32 pile_key(std::string_view id = "P1") { return derive_pile_key(seed, id); }

firmware_config config(std::size_t bill_store = 64) {
  firmware_config c;
  c.pile_id = "P1";
  c.power_w = 7000;
  c.key = pile_key();
  c.bill_store = bill_store;
  return c;
}

vehicle car(std::int64_t battery_wh = 60'000, std::int64_t stored_wh = 12'000) {
  return vehicle{"V1", battery_wh, stored_wh * 1000, 7000};
}

struct auth_spec {
  std::uint64_t session_id = 100;
  std::uint64_t counter = 1;
  money frozen{5000};
  std::int64_t issued_at_us = 0;
  std::int64_t expires_at_us = 10 * minute;
  std::string pile_id = "P1";
  std::optional<challenge> nonce;  // none: start() asks the pile for one first, start_req() seals zeros
  std::int64_t ttl_us = 10 * minute;
};

start_authorization authorization(const auth_spec& s) {
  start_authorization a;
  a.session_id = s.session_id;
  a.pile_id = s.pile_id;
  a.counter = s.counter;
  a.issued_at_us = s.issued_at_us;
  a.expires_at_us = s.expires_at_us;
  a.frozen = s.frozen;
  a.rate = rate;
  a.vehicle_id = "V1";
  a.stop_digest = stop_digest(derive_stop_secret(seed, s.session_id));
  a.challenge = s.nonce.value_or(challenge{});
  a.ttl_us = s.ttl_us;
  return a;
}

// A challenge the pile issues now, as a phone's hello gets it.
challenge challenge_of(firmware& fw, std::int64_t now) {
  return std::get<protocol::hello_reply>(fw.handle(protocol::hello{"alice"}, now)).challenge;
}

protocol::start_request start_req(const auth_spec& s, const key32& key = pile_key()) {
  return protocol::start_request{seal(authorization(s), key)};
}

protocol::start_reply start(firmware& fw, auth_spec s, std::int64_t now) {
  if (!s.nonce) s.nonce = challenge_of(fw, now);
  return std::get<protocol::start_reply>(fw.handle(start_req(s), now));
}

protocol::stop_reply stop(firmware& fw, std::uint64_t session_id, std::int64_t now, bool right_secret = true) {
  key32 secret = derive_stop_secret(seed, right_secret ? session_id : session_id + 1000);
  return std::get<protocol::stop_reply>(fw.handle(protocol::stop_request{session_id, secret}, now));
}

bill oldest_bill(firmware& fw, std::int64_t now) {
  auto reply = std::get<protocol::bill_reply>(fw.handle(protocol::bill_request{}, now));
  REQUIRE(!reply.bill.empty());
  auto b = open_bill(reply.bill, pile_key());
  REQUIRE(b.has_value());
  return *b;
}

protocol::receipt_reply send_receipt(firmware& fw, const bill& b, std::int64_t now, const key32& key = pile_key()) {
  receipt r{b.session_id, b.pile_id, b.counter, b.cost};
  return std::get<protocol::receipt_reply>(fw.handle(protocol::receipt_request{seal(r, key)}, now));
}

}  // namespace

TEST_SUITE("pile/firmware") {
  TEST_CASE("happy path: start, charge to the cap exactly, bill within the frozen amount, receipt") {
    firmware fw(config());
    fw.plug(car(), 0);
    const std::int64_t t0 = 1 * sec;
    auto reply = start(fw, {}, t0);
    REQUIRE(reply.result == status::ok);
    CHECK(reply.session_id == 100);
    CHECK(reply.meter_start_wh == 0);
    auto ack = open_start_ack(reply.ack, pile_key());
    REQUIRE(ack.has_value());
    CHECK(ack->session_id == 100);
    CHECK(ack->counter == 1);
    CHECK(ack->started_at_us == t0);
    CHECK(fw.state() == protocol::pile_state::charging);
    CHECK(fw.active_session() == 100);

    // 50.00 at 1.80/kWh buys 27 780 Wh; at 7 kW that takes ceil(27 780 000 mWh * 3.6e6 / 7000) us.
    const std::int64_t cap_wh = energy_cap_wh(money{5000}, rate);
    REQUIRE(cap_wh == 27'780);
    const std::int64_t cap_at = t0 + (cap_wh * 1000 * 3'600'000 + 6999) / 7000;
    REQUIRE(fw.next_deadline().has_value());
    CHECK(*fw.next_deadline() == cap_at);
    CHECK(fw.meter_wh(cap_at - 1) == cap_wh - 1);
    CHECK(fw.meter_wh(cap_at) == cap_wh);
    CHECK(fw.meter_wh(cap_at + 5 * hour) == cap_wh);  // never past the cap, even before on_deadline
    CHECK(fw.take_notifications().empty());

    fw.on_deadline(cap_at);
    CHECK(fw.state() == protocol::pile_state::idle);
    CHECK(!fw.next_deadline().has_value());
    auto notes = fw.take_notifications();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].session_id == 100);
    CHECK(notes[0].reason == stop_reason::cap);
    CHECK(fw.take_notifications().empty());

    bill b = oldest_bill(fw, cap_at + sec);
    CHECK(b.session_id == 100);
    CHECK(b.pile_id == "P1");
    CHECK(b.counter == 1);
    CHECK(b.meter_start_wh == 0);
    CHECK(b.meter_stop_wh == cap_wh);
    CHECK(b.started_at_us == t0);
    CHECK(b.stopped_at_us == cap_at);
    CHECK(b.reason == stop_reason::cap);
    CHECK(b.cost == session_cost(cap_wh, rate));
    CHECK(b.cost <= money{5000});
    CHECK(b.cost == money{5000});  // the cap is the largest energy the money buys

    auto rr = send_receipt(fw, b, cap_at + 2 * sec);
    CHECK(rr.result == status::ok);
    CHECK(rr.session_id == 100);
    CHECK(rr.pending_bills == 0);
    CHECK(fw.pending_bills() == 0);
    auto again = send_receipt(fw, b, cap_at + 3 * sec);
    CHECK(again.result == status::unknown_bill);  // a harmless repeat
    auto none = std::get<protocol::bill_reply>(fw.handle(protocol::bill_request{}, cap_at + 4 * sec));
    CHECK(none.pending_bills == 0);
    CHECK(none.bill.empty());

    auto v = fw.unplug(cap_at + minute);
    REQUIRE(v.has_value());
    CHECK(v->stored_mwh == 12'000'000 + cap_wh * 1000);
    CHECK(fw.counters().sessions_started == 1);
    CHECK(fw.counters().sessions_ended == 1);
  }

  TEST_CASE("a late on_deadline still stops at the deadline's instant") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);
    const std::int64_t cap_at = *fw.next_deadline();
    // Some other input arrives long after the cap; the session ended at the cap, not then.
    auto hello = std::get<protocol::hello_reply>(fw.handle(protocol::hello{"alice"}, cap_at + hour));
    CHECK(hello.state == protocol::pile_state::idle);
    CHECK(hello.pending_bills == 1);
    CHECK(hello.active_session == 0);
    bill b = oldest_bill(fw, cap_at + hour);
    CHECK(b.stopped_at_us == cap_at);
    CHECK(b.reason == stop_reason::cap);
  }

  TEST_CASE("a full battery stops the session with reason full") {
    firmware fw(config());
    fw.plug(car(10'000, 9'500), 0);  // 95 %: 500 Wh to go, in the taper
    REQUIRE(start(fw, {}, 0).result == status::ok);
    REQUIRE(fw.next_deadline().has_value());
    const std::int64_t full_at = *fw.next_deadline();
    fw.on_deadline(full_at);
    auto notes = fw.take_notifications();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].reason == stop_reason::full);
    bill b = oldest_bill(fw, full_at);
    CHECK(b.energy_wh() == 500);
    CHECK(b.cost == session_cost(500, rate));
    CHECK(b.stopped_at_us == full_at);
    auto v = fw.unplug(full_at + sec);
    REQUIRE(v.has_value());
    CHECK(v->stored_mwh == 10'000'000);
  }

  TEST_CASE("user stop: the right secret stops, a wrong one or another session is refused, a repeat is harmless") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);

    auto wrong = stop(fw, 100, 10 * minute, false);
    CHECK(wrong.result == status::bad_stop_secret);
    CHECK(fw.state() == protocol::pile_state::charging);
    auto other = stop(fw, 99, 10 * minute);
    CHECK(other.result == status::no_session);
    CHECK(fw.state() == protocol::pile_state::charging);

    auto ok = stop(fw, 100, hour);
    CHECK(ok.result == status::ok);
    CHECK(ok.session_id == 100);
    CHECK(fw.state() == protocol::pile_state::idle);
    bill b = oldest_bill(fw, hour);
    CHECK(b.reason == stop_reason::user);
    CHECK(b.energy_wh() == 7000);  // one hour at 7 kW
    CHECK(b.cost == money{1260});

    auto repeat = stop(fw, 100, hour + sec);
    CHECK(repeat.result == status::ok);
    CHECK(fw.pending_bills() == 1);  // acted once
    CHECK(fw.take_notifications().size() == 1);
    CHECK(stop(fw, 100, hour + 2 * sec, false).result == status::bad_stop_secret);
    CHECK(fw.counters().refused(status::bad_stop_secret) == 2);
    CHECK(fw.counters().refused(status::no_session) == 1);
  }

  TEST_CASE("unplugging ends a charging session and hands the energy to the vehicle") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);
    const std::int64_t t = 30 * minute + 123;
    auto v = fw.unplug(t);
    REQUIRE(v.has_value());
    const std::int64_t delivered = 7000 * t / 3'600'000;
    CHECK(v->stored_mwh == 12'000'000 + delivered);
    CHECK(fw.meter_mwh(t) == delivered);
    auto notes = fw.take_notifications();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].reason == stop_reason::unplug);
    bill b = oldest_bill(fw, t);
    CHECK(b.energy_wh() == delivered / 1000);
    CHECK(!fw.unplug(t + 1).has_value());
    CHECK(fw.state() == protocol::pile_state::idle);
  }

  TEST_CASE("power loss closes the open session with power_loss and keeps bills, counters and the meter") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);
    REQUIRE(stop(fw, 100, hour).result == status::ok);  // a first bill, left pending
    (void)fw.take_notifications();

    auth_spec second{.session_id = 101, .counter = 2, .expires_at_us = 2 * hour};
    REQUIRE(start(fw, second, hour + minute).result == status::ok);
    const std::int64_t off_at = hour + minute + 30 * minute;
    fw.power_off(off_at);
    CHECK(!fw.powered());
    CHECK(!fw.next_deadline().has_value());
    auto while_off = std::get<protocol::hello_reply>(fw.handle(protocol::hello{"x"}, off_at + sec));
    CHECK(while_off.state == protocol::pile_state::faulted);
    CHECK(fw.nv().active_session() != nullptr);  // the record survived

    fw.power_on(off_at + 30 * sec);
    CHECK(fw.state() == protocol::pile_state::idle);
    auto notes = fw.take_notifications();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].session_id == 101);
    CHECK(notes[0].reason == stop_reason::power_loss);
    CHECK(fw.pending_bills() == 2);
    CHECK(fw.nv().last_counter() == 2);
    CHECK(fw.nv().bill_counter() == 2);
    CHECK(fw.nv().bills()[0].fields.session_id == 100);
    const bill& b = fw.nv().bills()[1].fields;
    CHECK(b.session_id == 101);
    CHECK(b.reason == stop_reason::power_loss);
    CHECK(b.meter_start_wh == 7000);
    CHECK(b.meter_stop_wh == 7000 + 3500);  // 30 min at 7 kW
    CHECK(b.stopped_at_us == off_at);
    CHECK(b.counter == 2);

    // The old authorization is not a way back in, and the vehicle is still there but idle.
    CHECK(start(fw, {.session_id = 99, .counter = 1, .expires_at_us = 5 * hour}, off_at + minute).result ==
          status::replayed);
    CHECK(fw.plugged());
    CHECK(fw.meter_wh(off_at + hour) == 10'500);
  }

  TEST_CASE("forged, altered, misdirected, expired and replayed authorizations are refused and change nothing") {
    firmware fw(config());
    fw.plug(car(), 0);
    const std::int64_t now = minute;

    // Meant for another pile: sealed with that pile's key, or (a server bug) with ours.
    auto p2 = std::get<protocol::start_reply>(fw.handle(start_req({.pile_id = "P2"}, pile_key("P2")), now));
    CHECK(p2.result == status::wrong_pile);
    auto p2_ours = std::get<protocol::start_reply>(fw.handle(start_req({.pile_id = "P2"}, pile_key()), now));
    CHECK(p2_ours.result == status::wrong_pile);

    // Forged with a key the phone made up.
    key32 fake{};
    fake[0] = 1;
    CHECK(std::get<protocol::start_reply>(fw.handle(start_req({}, fake), now)).result == status::bad_mac);

    // Altered amount: flip a bit of the frozen field in the sealed bytes.
    // The field starts at the first byte where two authorizations differing only in the amount differ.
    bytes altered = seal(authorization({}), pile_key());
    auth_spec richer;
    richer.frozen = richer.frozen + money{1};
    const bytes other = seal(authorization(richer), pile_key());
    const auto frozen_at = static_cast<std::size_t>(
        std::mismatch(altered.begin(), altered.end(), other.begin(), other.end()).first - altered.begin());
    REQUIRE(frozen_at < altered.size() - 16);  // in the body, not the MAC
    altered[frozen_at] ^= 0x02;
    CHECK(std::get<protocol::start_reply>(fw.handle(protocol::start_request{altered}, now)).result ==
          status::bad_mac);
    CHECK(std::get<protocol::start_reply>(fw.handle(protocol::start_request{bytes{1, 2, 3}}, now)).result ==
          status::bad_mac);

    // Expired on the pile's own timer: relayed longer than its ttl (less the drift allowance) after the challenge.
    const challenge old = challenge_of(fw, now - 10 * minute);
    CHECK(start(fw, {.nonce = old}, now).result == status::expired);

    CHECK(fw.state() == protocol::pile_state::idle);
    CHECK(fw.nv().last_counter() == 0);
    CHECK(fw.counters().starts_refused == 6);
    CHECK(fw.counters().refused(status::bad_mac) == 3);
    CHECK(fw.counters().refused(status::wrong_pile) == 2);
    CHECK(fw.counters().refused(status::expired) == 1);

    // Replayed: a counter not above the last accepted, even for a new session id.
    REQUIRE(start(fw, {.session_id = 100, .counter = 5, .expires_at_us = now}, now).result == status::ok);
    REQUIRE(stop(fw, 100, now + minute).result == status::ok);
    CHECK(start(fw, {.session_id = 101, .counter = 5, .expires_at_us = hour}, now + 2 * minute).result ==
          status::replayed);
    CHECK(start(fw, {.session_id = 102, .counter = 4, .expires_at_us = hour}, now + 2 * minute).result ==
          status::replayed);
    CHECK(fw.counters().refused(status::replayed) == 2);
    CHECK(fw.state() == protocol::pile_state::idle);
    CHECK(fw.pending_bills() == 1);
  }

  TEST_CASE("a repeated start (lost reply) gets the same reply and acts once") {
    firmware fw(config());
    fw.plug(car(), 0);
    const auto req = start_req({.nonce = challenge_of(fw, 0)});
    const auto first = std::get<protocol::start_reply>(fw.handle(req, 0));
    REQUIRE(first.result == status::ok);
    const auto second = std::get<protocol::start_reply>(fw.handle(req, 5 * sec));
    CHECK(second.result == status::ok);
    CHECK(second.session_id == first.session_id);
    CHECK(second.meter_start_wh == first.meter_start_wh);
    CHECK(second.ack == first.ack);
    CHECK(fw.counters().sessions_started == 1);
    CHECK(fw.counters().starts_repeated == 1);
    CHECK(fw.meter_mwh(hour) == 7'000'000);  // one session, charging from the first start

    // Still the same answer after it ended and after it expired; no second session or bill.
    REQUIRE(stop(fw, 100, hour).result == status::ok);
    const auto late = std::get<protocol::start_reply>(fw.handle(req, 2 * hour));
    CHECK(late.result == status::ok);
    CHECK(late.ack == first.ack);
    CHECK(fw.state() == protocol::pile_state::idle);
    CHECK(fw.pending_bills() == 1);
    CHECK(fw.counters().sessions_started == 1);
  }

  TEST_CASE("a second session while one is active is refused as busy") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);
    CHECK(start(fw, {.session_id = 200, .counter = 2}, sec).result == status::busy);
    CHECK(fw.active_session() == 100);
  }

  TEST_CASE("a full bill store refuses new sessions until a receipt frees a slot") {
    firmware fw(config(2));
    fw.plug(car(), 0);
    std::int64_t t = 0;
    for (std::uint64_t i = 1; i <= 2; ++i) {
      REQUIRE(start(fw, {.session_id = i, .counter = i, .expires_at_us = 10 * hour}, t).result == status::ok);
      t += minute;
      REQUIRE(stop(fw, i, t).result == status::ok);
    }
    CHECK(fw.pending_bills() == 2);
    CHECK(start(fw, {.session_id = 3, .counter = 3, .expires_at_us = 10 * hour}, t).result == status::store_full);
    CHECK(fw.counters().refused(status::store_full) == 1);
    CHECK(fw.nv().bills()[0].fields.session_id == 1);  // nothing was overwritten
    CHECK(fw.nv().bills()[1].fields.session_id == 2);

    bill oldest = oldest_bill(fw, t);
    CHECK(oldest.session_id == 1);
    REQUIRE(send_receipt(fw, oldest, t).result == status::ok);
    CHECK(start(fw, {.session_id = 3, .counter = 3, .expires_at_us = 10 * hour}, t).result == status::ok);
    // The active session holds the last slot: a store of 2 with one bill and one session is full.
    CHECK(!fw.nv().has_room());
  }

  TEST_CASE("a forged receipt is refused and the bill is kept") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);
    REQUIRE(stop(fw, 100, hour).result == status::ok);
    bill b = oldest_bill(fw, hour);
    key32 fake{};
    auto forged = send_receipt(fw, b, hour, fake);
    CHECK(forged.result == status::bad_mac);
    CHECK(fw.pending_bills() == 1);
    bill other = b;
    other.counter = 7;  // genuine receipt for a bill this pile never wrote
    CHECK(send_receipt(fw, other, hour).result == status::unknown_bill);
    CHECK(fw.pending_bills() == 1);
    CHECK(fw.counters().receipts_refused == 1);
    CHECK(send_receipt(fw, b, hour).result == status::ok);
    CHECK(fw.pending_bills() == 0);
  }

  TEST_CASE("an accepted session waits for the cable, then charges; without a cable it ends") {
    firmware fw(config());
    REQUIRE(start(fw, {}, 0).result == status::ok);
    CHECK(fw.state() == protocol::pile_state::authorized);
    CHECK(fw.next_deadline() == fw.config().plug_wait_us);
    fw.plug(car(), 2 * minute);
    CHECK(fw.state() == protocol::pile_state::charging);
    REQUIRE(stop(fw, 100, 2 * minute + hour).result == status::ok);
    CHECK(oldest_bill(fw, 3 * hour).energy_wh() == 7000);

    firmware idle(config());
    REQUIRE(start(idle, {}, 0).result == status::ok);
    idle.on_deadline(idle.config().plug_wait_us);
    CHECK(idle.state() == protocol::pile_state::idle);
    auto notes = idle.take_notifications();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].reason == stop_reason::unplug);
    CHECK(oldest_bill(idle, hour).energy_wh() == 0);
  }

  TEST_CASE("a zero amount buys only the energy that rounds to no cost") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {.frozen = money{0}}, sec).result == status::ok);
    const std::int64_t cap_wh = energy_cap_wh(money{0}, rate);
    REQUIRE(cap_wh == 2);  // 2 Wh at 1.80/kWh is 0.36 fen: rounds to 0
    fw.on_deadline(*fw.next_deadline());
    bill b = oldest_bill(fw, hour);
    CHECK(b.reason == stop_reason::cap);
    CHECK(b.energy_wh() == 2);
    CHECK(b.cost == money{0});
  }

  TEST_CASE("a vehicle already full ends the session at the instant it starts") {
    firmware fw(config());
    fw.plug(car(60'000, 60'000), 0);
    auto r = start(fw, {}, sec);
    CHECK(r.result == status::ok);
    CHECK(fw.state() == protocol::pile_state::idle);
    bill b = oldest_bill(fw, sec);
    CHECK(b.reason == stop_reason::full);
    CHECK(b.energy_wh() == 0);
    CHECK(b.cost == money{0});
    CHECK(b.stopped_at_us == sec);
  }

  TEST_CASE("meter_start carries the meter across sessions and energy is counted in whole Wh") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);
    const std::int64_t t1 = 1000 * sec + 7;  // 1 944 444 mWh: a part-Wh residue stays on the meter
    REQUIRE(stop(fw, 100, t1).result == status::ok);
    const std::int64_t m1 = 7000 * t1 / 3'600'000;
    CHECK(fw.nv().meter_mwh() == m1);
    auto r = start(fw, {.session_id = 101, .counter = 2, .expires_at_us = 10 * hour}, t1);
    REQUIRE(r.result == status::ok);
    CHECK(r.meter_start_wh == m1 / 1000);
    const std::int64_t t2 = t1 + 500 * sec;
    REQUIRE(stop(fw, 101, t2).result == status::ok);
    const bill& b2 = fw.nv().bills()[1].fields;
    CHECK(b2.meter_start_wh == m1 / 1000);
    CHECK(b2.meter_stop_wh == fw.nv().meter_wh());
    CHECK(fw.nv().meter_mwh() == m1 + 7000 * (t2 - t1) / 3'600'000);
  }

  TEST_CASE("a fault ends the session and refuses starts until cleared") {
    firmware fw(config());
    fw.plug(car(), 0);
    REQUIRE(start(fw, {}, 0).result == status::ok);
    fw.fault(minute);
    CHECK(fw.state() == protocol::pile_state::faulted);
    CHECK(fw.take_notifications().at(0).reason == stop_reason::fault);
    CHECK(start(fw, {.session_id = 101, .counter = 2}, 2 * minute).result == status::faulted);
    fw.clear_fault(3 * minute);
    CHECK(start(fw, {.session_id = 101, .counter = 2}, 3 * minute).result == status::ok);
  }

  TEST_CASE("a reply or notification sent to the pile is answered with its state and changes nothing") {
    firmware fw(config());
    auto r = fw.handle(protocol::session_ended{1, stop_reason::cap}, 0);
    REQUIRE(std::holds_alternative<protocol::hello_reply>(r));
    CHECK(std::get<protocol::hello_reply>(r).pile_id == "P1");
    CHECK(fw.counters().not_requests == 1);
    CHECK(fw.state() == protocol::pile_state::idle);
  }

  TEST_CASE("freshness is the pile's own: within the ttl of its challenge, whatever the server's clock says") {
    firmware fw(config());
    const std::int64_t t0 = 5 * hour;  // the pile's clock; the server's instants below are a day away from it
    const challenge c = challenge_of(fw, t0);
    // ttl 10 min less 1000 ppm of it: 599.4 s on the pile's timer.
    const std::int64_t allowed = 10 * minute - 600'000;
    auth_spec far{.issued_at_us = t0 + 24 * hour, .expires_at_us = t0 + 24 * hour + 10 * minute, .nonce = c};
    CHECK(start(fw, far, t0 + allowed + 1).result == status::expired);
    // A refusal does not take the challenge: the same authorization in time is accepted.
    auth_spec past{.issued_at_us = t0 - 24 * hour, .expires_at_us = t0 - 24 * hour + 10 * minute, .nonce = c};
    CHECK(start(fw, past, t0 + allowed).result == status::ok);
  }

  TEST_CASE("a challenge is taken once; one never issued or issued before a power loss is refused") {
    firmware fw(config());
    const challenge a = challenge_of(fw, 0);
    const challenge b = challenge_of(fw, sec);
    CHECK(a != b);
    REQUIRE(start(fw, {.session_id = 100, .counter = 1, .nonce = a}, 2 * sec).result == status::ok);
    REQUIRE(stop(fw, 100, 3 * sec).result == status::ok);
    // Used once: a new authorization naming the same challenge is refused.
    CHECK(start(fw, {.session_id = 101, .counter = 2, .nonce = a}, 4 * sec).result == status::expired);
    // Made up by a phone.
    challenge guess{};
    guess.fill(0x42);
    CHECK(start(fw, {.session_id = 101, .counter = 2, .nonce = guess}, 4 * sec).result == status::expired);
    // RAM is lost with the power: b was issued and never used, and is refused after the reboot, even with the
    // clock set back (a reset RTC) so that it would look fresh.
    fw.power_off(5 * sec);
    fw.power_on(0);
    CHECK(start(fw, {.session_id = 101, .counter = 2, .nonce = b}, sec).result == status::expired);
    const challenge after = challenge_of(fw, sec);
    CHECK(after != a);
    CHECK(after != b);
    CHECK(start(fw, {.session_id = 101, .counter = 2, .nonce = after}, 2 * sec).result == status::ok);
    CHECK(fw.counters().refused(status::expired) == 3);
  }

  TEST_CASE("the pile keeps its last challenges_kept challenges; an older one is refused") {
    firmware fw(config());
    const challenge first = challenge_of(fw, 0);
    const challenge second = challenge_of(fw, 1);
    for (std::size_t i = 2; i <= firmware::challenges_kept; ++i) (void)challenge_of(fw, static_cast<std::int64_t>(i));
    CHECK(start(fw, {.nonce = first}, sec).result == status::expired);
    CHECK(start(fw, {.nonce = second}, sec).result == status::ok);
  }

  TEST_CASE("a powered-off pile and a stray reply get no challenge") {
    firmware fw(config());
    CHECK(std::get<protocol::hello_reply>(fw.handle(protocol::session_ended{1, stop_reason::cap}, 0)).challenge ==
          challenge{});
    fw.power_off(sec);
    CHECK(std::get<protocol::hello_reply>(fw.handle(protocol::hello{"x"}, 2 * sec)).challenge == challenge{});
  }
}
