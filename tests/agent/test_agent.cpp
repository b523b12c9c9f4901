// The phone agent end to end: real pile actors over BLE links, the real server handler behind a tiny WAN
// server coroutine, and the user's commands played at their times. Each case checks where the money ended up.
#include "agent/agent.hpp"
#include "contract/keys.hpp"
#include "contract/pricing.hpp"
#include "contract/seal.hpp"
#include "pile/pile_actor.hpp"
#include "server/api/http.hpp"
#include "server/database.hpp"
#include "server/service.hpp"
#include "sim/ble_link.hpp"
#include "sim/kernel.hpp"
#include "sim/link.hpp"
#include "sim/mailbox.hpp"

#include "tests/support/result_printing.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

using namespace pilesim;
using namespace pilesim::contract;

namespace {

constexpr std::uint64_t seed = 7;
constexpr tariff_rate rate{{10000}, {8000}};
constexpr std::size_t conn_id_len = 8;

struct links_setup {
  sim::ble_model ble;  // 20..60 ms host latency, 30 ms connection interval, MTU 23
  sim::link_model wan{50 * sim::msec, 150 * sim::msec, 0, 0, 0, false};
};

pile::vehicle car(const std::string& id, std::int64_t stored_mwh) { return {id, 60'000, stored_mwh, 7000}; }

// A server, piles and phones, wired as the world wires them. The server side of each WAN link feeds one mailbox
// that a tiny server coroutine drains through the real request handler.
struct world {
  struct inbound {
    sim::link* from = nullptr;
    bytes frame;
  };
  struct user {
    std::unique_ptr<sim::link> wan;
    std::map<std::string, std::unique_ptr<sim::ble_link>, std::less<>> ble;
    std::unique_ptr<agent::agent> phone;
  };

  sim::kernel k{seed};
  server::database db = std::move(server::database::open().value());
  server::service svc{db, server::service_config{seed}};
  sim::mailbox<inbound> server_rx{k, 4096};
  links_setup setup;
  std::map<std::string, std::unique_ptr<pile::pile_actor>> piles;
  std::map<std::string, user> users;

  // AGENT_TEST_TRACE=1 prints every trace event, to see what a failing case did.
  explicit world(links_setup s = {}) : setup(s) {
    if (std::getenv("AGENT_TEST_TRACE") != nullptr) k.trace().write_to(&std::cerr);
  }
  ~world() { k.shutdown(); }

  void add_pile(const std::string& id) {
    const key32 key = derive_pile_key(seed, id);
    REQUIRE(svc.add_pile({id, key, rate, money{0}, 15 * sim::minute, 10 * sim::minute}));
    pile::firmware_config fc;
    fc.pile_id = id;
    fc.power_w = 7000;
    fc.key = key;
    piles[id] = std::make_unique<pile::pile_actor>(k, fc);
  }

  agent::agent& add_user(const std::string& id, money balance, agent::ble_options ble = {}) {
    REQUIRE(svc.add_user(id, "tok-" + id, balance));
    user& u = users[id];
    u.wan = std::make_unique<sim::link>(k, "wan/" + id, setup.wan);
    sim::link* wan = u.wan.get();
    wan->attach(1, [this, wan](sim::link_event&& e) {
      if (e.what == sim::link_event::kind::frame) REQUIRE(server_rx.push(inbound{wan, std::move(e.data)}));
    });
    for (auto& [pid, p] : piles) {
      auto l = std::make_unique<sim::ble_link>(k, "ble/" + pid + "/" + id, setup.ble);
      p->attach(*l);
      u.ble.emplace(pid, std::move(l));
    }
    agent::agent_config cfg;
    cfg.user = id;
    cfg.token = "tok-" + id;
    cfg.vehicle = {"V-" + id, 60'000, 7000};
    cfg.ble = ble;
    user* self = &u;
    u.phone = std::make_unique<agent::agent>(k, cfg, *u.wan, [self](std::string_view pile) -> sim::ble_link* {
      auto it = self->ble.find(pile);
      return it == self->ble.end() ? nullptr : it->second.get();
    });
    return *u.phone;
  }

  void start() {
    k.spawn("server", serve(*this));
    for (auto& [id, p] : piles) p->start();
    for (auto& [id, u] : users) u.phone->start();
  }

  // What the world does at a step: the phone's place, then the command.
  void at(sim::time_us t, const std::string& who, agent::agent_command c) {
    k.at(t, [this, who, c = std::move(c)]() mutable { users.at(who).phone->command(std::move(c)); });
  }
  void near(sim::time_us t, const std::string& who, const std::string& pile, bool in_range) {
    k.at(t, [this, who, pile, in_range] { users.at(who).ble.at(pile)->set_in_range(in_range); });
  }
  // The user comes within range at `t`, plugs in a car holding `stored_mwh` and asks the app to start.
  void plug_and_start(sim::time_us t, const std::string& who, const std::string& pile, std::int64_t stored_mwh,
                      money amount) {
    near(t, who, pile, true);
    pile::pile_actor* p = piles.at(pile).get();
    k.at(t, [p, v = car("V-" + who, stored_mwh)] { p->plug(v); });
    at(t, who, agent::start_command{pile, amount});
  }

  static sim::asio::awaitable<void> serve(world& w) {
    for (;;) {
      auto in = co_await w.server_rx.receive();
      if (!in || in->frame.size() < conn_id_len) continue;
      std::string_view wire(reinterpret_cast<const char*>(in->frame.data()) + conn_id_len,
                            in->frame.size() - conn_id_len);
      auto req = http::decode_request(wire);
      http::response resp{400, R"({"error":"bad_request","detail":""})"};
      if (req) resp = w.svc.handle(*req, w.k.now());
      bytes out(in->frame.begin(), in->frame.begin() + conn_id_len);
      const std::string text = http::encode(resp);
      out.insert(out.end(), text.begin(), text.end());
      (void)in->from->send(1, std::move(out));
    }
  }

  std::optional<server::session_summary> session(std::uint64_t id) {
    for (auto& s : svc.sessions())
      if (s.id == id) return s;
    return std::nullopt;
  }
  money balance(const std::string& who) {
    for (auto& b : svc.balances())
      if (b.user == who) return b.balance;
    FAIL("no such user " << who);
    return {};
  }
};

// The books hold: every fen deposited is a balance, a hold or revenue.
void check_money_conserved(world& w) {
  auto t = w.svc.totals();
  CHECK(t.balances + t.held + t.revenue == t.deposits);
  CHECK(w.svc.audit().empty());
}

}  // namespace

TEST_SUITE("agent/agent") {
  TEST_CASE("reserve, start, stop: the bill is uploaded, the receipt delivered, the balance exact") {
    world w;
    w.add_pile("P1");
    agent::agent& alice = w.add_user("alice", money{20000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    w.start();

    w.at(0, "alice", agent::reserve_command{"P1", 10 * sim::minute, 0});
    w.plug_and_start(11 * sim::minute, "alice", "P1", 12'000'000, money{5000});
    w.near(20 * sim::minute, "alice", "P1", false);
    w.at(20 * sim::minute, "alice", agent::leave_command{});
    w.near(71 * sim::minute, "alice", "P1", true);
    w.at(71 * sim::minute, "alice", agent::arrive_command{"P1"});
    w.at(71 * sim::minute, "alice", agent::stop_command{});
    w.k.at(72 * sim::minute, [&p1] { (void)p1.unplug(); });
    auto run = w.k.run({.until = 2 * sim::hour});
    REQUIRE_MESSAGE(!run.failed, run.failure);

    REQUIRE(alice.reservations().size() == 1);
    CHECK(alice.reservations()[0].state == "used");
    REQUIRE(alice.starts().size() == 1);
    const agent::start_attempt& a = alice.starts()[0];
    CHECK(a.refused == "");
    CHECK(a.http_status == 201);
    CHECK(a.pile_status == "ok");
    REQUIRE(a.session != 0);

    auto s = w.session(a.session);
    REQUIRE(s);
    CHECK(s->state == "reconciled");
    CHECK(s->stop_reason == "user");
    CHECK(s->settle_count == 1);
    CHECK(s->reservation == alice.reservations()[0].id);
    const auto metered = p1.metered();
    REQUIRE(metered.size() == 1);
    CHECK(metered[0].starts == 1);
    CHECK(metered[0].energy_wh == s->energy_wh);
    CHECK(s->energy_wh > 6900);  // about an hour at 7 kW
    CHECK(s->charged == session_cost(s->energy_wh, rate));
    CHECK(w.balance("alice") == money{20000} - s->charged);
    CHECK(*s->reconciled_at_us < 75 * sim::minute);

    CHECK(p1.fw().pending_bills() == 0);  // the receipt came back and the pile forgot the bill
    CHECK(alice.uploads_pending() == 0);
    CHECK(alice.receipts_pending() == 0);
    CHECK(alice.counters().bills_uploaded == 1);
    CHECK(alice.counters().acks_uploaded == 1);
    CHECK(alice.counters().receipts_delivered == 1);
    check_money_conserved(w);
  }

  TEST_CASE("a refused start is recorded with who refused it and freezes nothing") {
    world w;
    w.add_pile("P1");
    agent::agent& dave = w.add_user("dave", money{1000});
    w.start();
    w.near(1 * sim::minute, "dave", "P1", true);
    w.at(1 * sim::minute, "dave", agent::start_command{"P1", money{5000}});
    REQUIRE_FALSE(w.k.run({.until = 10 * sim::minute}).failed);
    REQUIRE(dave.starts().size() == 1);
    CHECK(dave.starts()[0].session == 0);
    CHECK(dave.starts()[0].http_status == 402);
    CHECK(dave.starts()[0].refused == "server: insufficient_balance (402)");
    CHECK(w.balance("dave") == money{1000});
    CHECK(w.piles.at("P1")->fw().counters().sessions_started == 0);
  }

  TEST_CASE("an app restart without data loses nothing: the pile keeps the bill until the app comes back") {
    world w;
    w.add_pile("P1");
    agent::agent& bob = w.add_user("bob", money{10000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    w.start();
    w.plug_and_start(1 * sim::minute, "bob", "P1", 6'000'000, money{500});  // stops itself at the cap
    w.near(5 * sim::minute, "bob", "P1", false);
    w.at(5 * sim::minute, "bob", agent::leave_command{});
    w.at(30 * sim::minute, "bob", agent::app_restart_command{false});
    w.at(31 * sim::minute, "bob", agent::stop_command{});  // the stop secret is gone with the storage
    w.near(40 * sim::minute, "bob", "P1", true);
    w.at(40 * sim::minute, "bob", agent::arrive_command{"P1"});
    auto run = w.k.run({.until = 1 * sim::hour});
    REQUIRE_MESSAGE(!run.failed, run.failure);

    REQUIRE(bob.starts().size() == 1);
    auto s = w.session(bob.starts()[0].session);
    REQUIRE(s);
    CHECK(s->state == "reconciled");
    CHECK(s->stop_reason == "cap");
    CHECK(s->charged == money{500});
    CHECK(*s->reconciled_at_us >= 40 * sim::minute);
    CHECK(w.balance("bob") == money{9500});
    CHECK(p1.fw().pending_bills() == 0);
    CHECK(bob.counters().restarts == 1);
    CHECK(bob.counters().bills_uploaded == 1);
    check_money_conserved(w);
  }

  TEST_CASE("any phone carries any bill: the next user's app reconciles the last user's session") {
    world w;
    w.add_pile("P1");
    agent::agent& alice = w.add_user("alice", money{10000});
    agent::agent& carol = w.add_user("carol", money{10000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    w.start();
    w.plug_and_start(1 * sim::minute, "alice", "P1", 6'000'000, money{500});
    // Alice's phone dies for good right after the start: the cap stop's bill has only the pile to live in.
    w.near(3 * sim::minute, "alice", "P1", false);
    w.at(3 * sim::minute, "alice", agent::leave_command{});
    w.at(4 * sim::minute, "alice", agent::app_restart_command{false});
    w.near(50 * sim::minute, "carol", "P1", true);
    w.at(50 * sim::minute, "carol", agent::arrive_command{"P1"});
    auto run = w.k.run({.until = 90 * sim::minute});
    REQUIRE_MESSAGE(!run.failed, run.failure);

    auto s = w.session(alice.starts().at(0).session);
    REQUIRE(s);
    CHECK(s->state == "reconciled");
    CHECK(s->user == "alice");
    CHECK(w.balance("alice") == money{10000} - s->charged);
    CHECK(w.balance("carol") == money{10000});
    CHECK(carol.counters().bills_uploaded == 1);
    CHECK(carol.counters().receipts_delivered == 1);
    CHECK(p1.fw().pending_bills() == 0);
    check_money_conserved(w);
  }

  TEST_CASE("a session_ended the phone's stack broke is sent again until the phone confirms it") {
    world w;
    w.add_pile("P1");
    agent::agent& bob = w.add_user("bob", money{10000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    w.start();
    w.plug_and_start(1 * sim::minute, "bob", "P1", 6'000'000, money{500});  // the cap comes near 25 min
    // Every packet is corrupted after the link layer around the cap instant: the link delivers and the
    // connection holds, so no reconnection's hello can be what finds the bill: only the repeated indication can.
    sim::ble_link& link = *w.users.at("bob").ble.at("P1");
    w.k.at(20 * sim::minute, [&link] {
      sim::ble_model m = link.model();
      m.corrupt_ppb = sim::ppb_one;
      link.set_model(m);
    });
    w.k.at(40 * sim::minute, [&link, &w] { link.set_model(w.setup.ble); });
    auto run = w.k.run({.until = 1 * sim::hour});
    REQUIRE_MESSAGE(!run.failed, run.failure);

    CHECK(link.stats().disconnects == 0);
    CHECK(link.stats().corrupted > 0);
    CHECK(p1.stats().notifications == 1);
    CHECK(p1.stats().indication_resends >= 5);  // 2, 4, 8, 16, 30 s ... until the corruption ends at 40 min
    CHECK(p1.stats().confirmations == 1);
    auto s = w.session(bob.starts().at(0).session);
    REQUIRE(s);
    CHECK(s->state == "reconciled");
    CHECK(s->stop_reason == "cap");
    // The gap between repeats never exceeds 30 s, so the first one after the corruption ends lands by then.
    CHECK(*s->reconciled_at_us >= 40 * sim::minute);
    CHECK(*s->reconciled_at_us <= 40 * sim::minute + 35 * sim::sec);
    CHECK(bob.counters().bills_uploaded == 1);
    CHECK(p1.fw().pending_bills() == 0);
  }

  TEST_CASE("the phone acts on no corrupted reply: with every packet corrupted nothing starts") {
    links_setup ls;
    ls.ble.corrupt_ppb = sim::ppb_one;
    world w(ls);
    w.add_pile("P1");
    agent::agent& carl = w.add_user("carl", money{10000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    // A flipped bit in a packet's tag byte (bits 8-15) changes no byte of the frame: a one-packet request so
    // flipped arrives intact, and only those may reach the firmware.
    std::uint64_t intact_requests = 0;
    w.users.at("carl").ble.at("P1")->on_transmission([&](const sim::ble_transmission& t) {
      const bool whole = t.payload.size() >= 2 && (t.payload[0] & 0xC0) == 0xC0;
      if (t.from == sim::ble_link::phone && t.got_through && whole && t.corrupted_bit / 8 == 1) ++intact_requests;
    });
    w.start();
    w.plug_and_start(1 * sim::minute, "carl", "P1", 6'000'000, money{500});
    auto run = w.k.run({.until = 30 * sim::minute});
    REQUIRE_MESSAGE(!run.failed, run.failure);
    // No corrupted frame ever decodes (the frame check refuses it): the pile's hello reply spans several packets
    // and never arrives whole, so the app never has the pile's challenge, asks the server for nothing, and
    // nothing ever starts or is frozen.
    CHECK(carl.counters().ble_timeouts > 0);
    CHECK(p1.fw().counters().sessions_started == 0);
    CHECK(p1.stats().requests <= intact_requests);
    CHECK(p1.stats().malformed > 0);
    CHECK(w.users.at("carl").ble.at("P1")->stats().corrupted > 0);
    REQUIRE(carl.starts().size() == 1);
    CHECK(carl.starts()[0].refused == "pile: no answer");
    CHECK(carl.starts()[0].session == 0);
    check_money_conserved(w);
  }

  TEST_CASE("lossy links deliver the session_ended once: it is never repeated into a slow link") {
    links_setup ls;
    ls.ble.loss_ppb = 600'000'000;  // 60 % of transmissions fail: latency, never loss
    world w(ls);
    w.add_pile("P1");
    agent::agent& dana = w.add_user("dana", money{10000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    w.start();
    w.plug_and_start(1 * sim::minute, "dana", "P1", 6'000'000, money{500});
    auto run = w.k.run({.until = 2 * sim::hour});
    REQUIRE_MESSAGE(!run.failed, run.failure);
    auto s = w.session(dana.starts().at(0).session);
    REQUIRE(s);
    CHECK(s->state == "reconciled");
    CHECK(w.users.at("dana").ble.at("P1")->stats().retransmissions > 0);
    CHECK(w.users.at("dana").ble.at("P1")->stats().disconnects == 0);
    CHECK(p1.stats().indication_resends == 0);
    CHECK(dana.counters().ble_retries == 0);
  }

  TEST_CASE("on a link slower than the request timeout a request is never sent into its own retransmission") {
    // One packet per connection event every 700 ms: a start request of several packets is still in the link's
    // queue when its 2 s try runs out, so the try waits instead of queueing a second copy behind the first.
    links_setup ls;
    ls.ble.conn_interval_us = 700 * sim::msec;
    ls.ble.packets_per_event = 1;
    ls.ble.supervision_timeout_us = 8 * sim::sec;
    world w(ls);
    w.add_pile("P1");
    agent::agent& erin = w.add_user("erin", money{10000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    w.start();
    w.plug_and_start(1 * sim::minute, "erin", "P1", 6'000'000, money{500});
    auto run = w.k.run({.until = 2 * sim::hour});
    REQUIRE_MESSAGE(!run.failed, run.failure);
    CHECK(erin.counters().ble_still_sending > 0);
    // Every copy the pile saw again was one the phone sent after the previous copy had been acknowledged.
    CHECK(p1.stats().repeats <= erin.counters().ble_retries);
    auto s = w.session(erin.starts().at(0).session);
    REQUIRE(s);
    CHECK(s->state == "reconciled");
    CHECK(w.users.at("erin").ble.at("P1")->stats().disconnects == 0);
  }

  TEST_CASE("a clean link carries no polls: a session costs the same BLE requests however long it charges") {
    // On a lossless link the pile's one indication is confirmed at once and nothing is ever asked twice.
    auto requests_for = [](std::int64_t amount_minor) {
      world w;
      w.add_pile("P1");
      agent::agent& bob = w.add_user("bob", money{100000});
      pile::pile_actor& p1 = *w.piles.at("P1");
      w.start();
      w.plug_and_start(1 * sim::minute, "bob", "P1", 6'000'000, money{amount_minor});  // stops at the cap
      auto run = w.k.run({.until = 6 * sim::hour});
      REQUIRE_MESSAGE(!run.failed, run.failure);
      auto s = w.session(bob.starts().at(0).session);
      REQUIRE(s);
      CHECK(s->state == "reconciled");
      CHECK(s->stop_reason == "cap");
      CHECK(p1.stats().notifications == 1);
      CHECK(p1.stats().indication_resends == 0);
      CHECK(p1.stats().confirmations == 1);
      CHECK(bob.counters().ble_retries == 0);
      return bob.counters().ble_requests;
    };
    const std::uint64_t short_session = requests_for(500);    // about 25 min of charge
    const std::uint64_t long_session = requests_for(5000);    // about 4 h
    CHECK(short_session == 4);  // hello, start, bill, receipt
    CHECK(long_session == short_session);
  }

  TEST_CASE("lossy, duplicating links: retries reconcile the session once, with exact money") {
    links_setup ls;
    ls.ble.loss_ppb = 100'000'000;       // 10 %
    ls.ble.duplicate_ppb = 200'000'000;  // 20 %
    ls.wan.loss_ppb = 300'000'000;       // 30 %
    ls.wan.duplicate_ppb = 100'000'000;
    ls.ble.mtu = 247;
    world w(ls);
    w.add_pile("P1");
    agent::agent& alice = w.add_user("alice", money{20000});
    pile::pile_actor& p1 = *w.piles.at("P1");
    w.start();
    w.at(0, "alice", agent::reserve_command{"P1", 10 * sim::minute, 0});
    w.plug_and_start(11 * sim::minute, "alice", "P1", 12'000'000, money{5000});
    w.at(41 * sim::minute, "alice", agent::stop_command{});
    auto run = w.k.run({.until = 2 * sim::hour});
    REQUIRE_MESSAGE(!run.failed, run.failure);

    REQUIRE(alice.starts().size() == 1);
    auto s = w.session(alice.starts()[0].session);
    REQUIRE(s);
    CHECK(s->state == "reconciled");
    CHECK(s->settle_count == 1);
    REQUIRE(p1.metered().size() == 1);
    CHECK(p1.metered()[0].starts == 1);
    CHECK(p1.metered()[0].energy_wh == s->energy_wh);
    CHECK(w.balance("alice") == money{20000} - s->charged);
    CHECK(p1.fw().pending_bills() == 0);
    CHECK(alice.counters().http_retries > 0);
    check_money_conserved(w);
  }
}
