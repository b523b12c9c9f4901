// Unit tests of the invariant checkers: liveness after heal (5), reservations never overlap (6), refusals leave
// no trace in the money (7) and fault vacuity (faults_applied). Each builds plain inputs by hand, so a checker
// is judged without running a world.
#include "scenarios/engine/invariants.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

constexpr std::int64_t s_us = 1'000'000;
constexpr std::int64_t min_us = 60 * s_us;

server_session session(std::uint64_t id, std::string state, std::int64_t held_minor = 0) {
  server_session s;
  s.id = id;
  s.pile = "P1";
  s.state = std::move(state);
  s.frozen = money{500};
  s.held = money{held_minor};
  s.expires_at_us = 10 * min_us;
  s.hold_release_at_us = 11 * min_us;
  return s;
}

metered_session meter(std::uint64_t id, bool ended, std::int64_t ended_at_us = -1) {
  metered_session m;
  m.pile = "P1";
  m.session_id = id;
  m.energy_wh = 1000;
  m.times_started = 1;
  m.ended = ended;
  m.started_at_us = 5 * min_us;
  m.ended_at_us = ended_at_us;
  return m;
}

invariant_inputs healed_at(std::int64_t heal_us, std::int64_t until_us) {
  invariant_inputs in;
  in.liveness.heal_us = heal_us;
  in.liveness.until_us = until_us;
  return in;
}

}  // namespace

TEST_SUITE("scenarios/invariants/liveness") {
  TEST_CASE("an ended session left unsettled fails when a phone came back for the bound") {
    invariant_inputs in = healed_at(60 * min_us, 120 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 30 * min_us));
    in.liveness.presences.push_back({"bob", "P1", 90 * min_us, 120 * min_us});
    const check_outcome c = check_liveness(in);
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("session 7") != std::string::npos);
    CHECK(c.detail.find("unsettled at until") != std::string::npos);
  }

  TEST_CASE("no phone back for the bound: not checkable, held with the reason") {
    invariant_inputs in = healed_at(60 * min_us, 120 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 30 * min_us));
    in.liveness.presences.push_back({"bob", "P1", 115 * min_us, 120 * min_us});  // 5 min < 10 min bound
    in.liveness.presences.push_back({"ann", "P2", 60 * min_us, 120 * min_us});   // another pile
    const check_outcome c = check_liveness(in);
    CHECK(c.held);
    CHECK(c.detail.find("no phone came back to P1") != std::string::npos);
  }

  TEST_CASE("presence before heal does not count") {
    invariant_inputs in = healed_at(100 * min_us, 120 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 30 * min_us));
    in.liveness.presences.push_back({"bob", "P1", 0, 105 * min_us});
    CHECK(check_liveness(in).held);
  }

  TEST_CASE("a session still charging at until is not due") {
    invariant_inputs in = healed_at(10 * min_us, 120 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, false));
    in.liveness.presences.push_back({"bob", "P1", 0, 120 * min_us});
    CHECK(check_liveness(in).held);
  }

  TEST_CASE("an unstarted authorization still holding money past its release fails") {
    invariant_inputs in = healed_at(5 * min_us, 60 * min_us);
    in.sessions.push_back(session(3, "authorized", 500));
    const check_outcome c = check_liveness(in);
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("session 3") != std::string::npos);
  }

  TEST_CASE("an unstarted authorization whose release is not yet due is not checkable") {
    invariant_inputs in = healed_at(5 * min_us, 15 * min_us);  // release at 11 min + 10 min bound > 15 min
    in.sessions.push_back(session(3, "authorized", 500));
    CHECK(check_liveness(in).held);
  }

  TEST_CASE("an expired session that still holds money fails") {
    invariant_inputs in = healed_at(5 * min_us, 60 * min_us);
    in.sessions.push_back(session(3, "expired", 200));
    CHECK_FALSE(check_liveness(in).held);
  }

  TEST_CASE("a fault that never ends makes unsettled work not checkable, and says which") {
    invariant_inputs in;
    in.liveness.until_us = 120 * min_us;
    in.liveness.never_heals_because = "faults[0] wan bob never ends";
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 30 * min_us));
    const check_outcome c = check_liveness(in);
    CHECK(c.held);
    CHECK(c.detail.find("faults[0] wan bob never ends") != std::string::npos);
  }

  // The presences are indexed by pile; the verdict must be the one a scan of every stretch gives, for stretches
  // that start before the session ended and run past it, start after it, overlap, or reach past until.
  TEST_CASE("a phone came back exactly when some stretch in range lasts the bound after the end") {
    std::uint64_t x = 12345;
    const auto next = [&x](std::uint64_t n) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      return (x >> 33) % n;
    };
    const std::int64_t until = 200 * min_us;
    for (int trial = 0; trial < 300; ++trial) {
      invariant_inputs in = healed_at(0, until);
      const auto ended = static_cast<std::int64_t>(next(200)) * min_us;
      in.sessions.push_back(session(7, "started", 500));
      in.metered.push_back(meter(7, true, ended));
      const auto stretches = next(6);
      bool expected = false;
      for (std::uint64_t k = 0; k < stretches; ++k) {
        const auto from = static_cast<std::int64_t>(next(220)) * min_us;
        const std::int64_t to = from + static_cast<std::int64_t>(next(30)) * min_us;
        const std::string pile = next(3) == 0 ? "P2" : "P1";
        in.liveness.presences.push_back({"bob", pile, from, to});
        if (pile == "P1" && std::min(to, until) - std::max(from, ended) >= in.liveness.bound_us) expected = true;
      }
      const check_outcome c = check_liveness(in);
      CAPTURE(trial);
      CHECK(c.held == !expected);
      CHECK((c.detail.find("no phone came back to P1") != std::string::npos) == !expected);
    }
  }

  // withhold_bill and alter_bill: the attacker's phone takes the bill and gives the server nothing genuine, and
  // does not ask its pile again while it stays. Only a phone honest when it took the bill makes liveness owed.
  TEST_CASE("an attacker alone at the pile: liveness not owed, held with the reason") {
    invariant_inputs in = healed_at(80 * min_us, 180 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 70 * min_us));
    in.liveness.bill_cheats.push_back({"mallory", 10 * min_us, 80 * min_us});
    in.liveness.presences.push_back({"mallory", "P1", 60 * min_us, 180 * min_us});  // stays long after the attack
    const check_outcome c = check_liveness(in);
    CHECK(c.held);
    CHECK(c.detail.find("no phone came back to P1") != std::string::npos);
  }

  TEST_CASE("an attacker then an honest phone: liveness owed and checked") {
    invariant_inputs in = healed_at(80 * min_us, 180 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 70 * min_us));
    in.liveness.bill_cheats.push_back({"mallory", 10 * min_us, 80 * min_us});
    in.liveness.presences.push_back({"mallory", "P1", 60 * min_us, 75 * min_us});
    in.liveness.presences.push_back({"bob", "P1", 120 * min_us, 130 * min_us});
    const check_outcome unsettled = check_liveness(in);
    CHECK_FALSE(unsettled.held);
    CHECK(unsettled.detail.find("session 7 on P1 ended at 4200.0s") != std::string::npos);
    // Bob carried the bill: settled, the same inputs hold.
    in.sessions[0].state = "reconciled";
    in.sessions[0].reconciled_at_us = 121 * min_us;
    CHECK(check_liveness(in).held);
  }

  TEST_CASE("the attacker's phone back after its attack, or honest when the session ended, counts") {
    invariant_inputs in = healed_at(80 * min_us, 180 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 70 * min_us));
    in.liveness.bill_cheats.push_back({"mallory", 10 * min_us, 80 * min_us});
    SUBCASE("it left and came back once honest") {
      in.liveness.presences.push_back({"mallory", "P1", 60 * min_us, 75 * min_us});
      in.liveness.presences.push_back({"mallory", "P1", 100 * min_us, 115 * min_us});
    }
    SUBCASE("its attack ended before the session did, and it stayed") {
      in.liveness.bill_cheats[0].to_us = 65 * min_us;
      in.liveness.presences.push_back({"mallory", "P1", 60 * min_us, 180 * min_us});
    }
    SUBCASE("another user's cheat does not taint it") {
      in.liveness.bill_cheats[0].user = "eve";
      in.liveness.presences.push_back({"mallory", "P1", 60 * min_us, 180 * min_us});
    }
    const check_outcome c = check_liveness(in);
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("though a phone was in range after heal") != std::string::npos);
  }

  TEST_CASE("a cheat of the last session's phone taints it for earlier bills, not later ones") {
    // Two sessions on P1: 7 ended during the attack (its bill withheld), 8 after it while the phone stayed.
    invariant_inputs in = healed_at(80 * min_us, 180 * min_us);
    in.sessions.push_back(session(7, "started", 500));
    in.metered.push_back(meter(7, true, 30 * min_us));
    server_session s8 = session(8, "started", 500);
    in.sessions.push_back(s8);
    in.metered.push_back(meter(8, true, 100 * min_us));
    in.liveness.bill_cheats.push_back({"mallory", 10 * min_us, 80 * min_us});
    in.liveness.presences.push_back({"mallory", "P1", 20 * min_us, 180 * min_us});
    const check_outcome c = check_liveness(in);
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("session 8 on P1") != std::string::npos);
    CHECK(c.detail.find("session 7") == std::string::npos);
  }

  TEST_CASE("reports the time from heal to the last reconciliation") {
    invariant_inputs in = healed_at(60 * min_us, 120 * min_us);
    server_session s = session(1, "reconciled");
    s.reconciled_at_us = 61 * min_us + 500'000;
    in.sessions.push_back(s);
    const check_outcome c = check_liveness(in);
    CHECK(c.held);
    CHECK(c.detail.find("60.5s after heal") != std::string::npos);
  }
}

TEST_SUITE("scenarios/invariants/forged_refused") {
  TEST_CASE("a pile start the server never authorized fails") {
    invariant_inputs in;
    in.metered.push_back(meter(99, true, 30 * min_us));
    const check_outcome c = check_refusals_leave_no_trace(in);
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("never authorized") != std::string::npos);
  }

  TEST_CASE("a start on the wrong pile fails") {
    invariant_inputs in;
    in.sessions.push_back(session(1, "started", 500));
    metered_session m = meter(1, false);
    m.pile = "P2";
    in.metered.push_back(m);
    CHECK_FALSE(check_refusals_leave_no_trace(in).held);
  }

  TEST_CASE("a start accepted after the authorization expired fails") {
    invariant_inputs in;
    in.sessions.push_back(session(1, "started", 500));
    metered_session m = meter(1, false);
    m.started_at_us = 10 * min_us + 1;
    in.metered.push_back(m);
    const check_outcome c = check_refusals_leave_no_trace(in);
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("after its authorization expired") != std::string::npos);
  }

  TEST_CASE("money charged on a session no genuine bill settled fails") {
    invariant_inputs in;
    server_session s = session(1, "started", 300);
    s.charged = money{200};
    in.sessions.push_back(s);
    in.metered.push_back(meter(1, true, 20 * min_us));
    CHECK_FALSE(check_refusals_leave_no_trace(in).held);
  }

  TEST_CASE("a settlement with no metered session behind it fails") {
    invariant_inputs in;
    in.sessions.push_back(session(1, "reconciled"));
    CHECK_FALSE(check_refusals_leave_no_trace(in).held);
  }

  TEST_CASE("refusals with clean books hold and are quoted") {
    invariant_inputs in;
    server_session s = session(1, "reconciled");
    s.charged = money{180};
    s.settle_count = 1;
    in.sessions.push_back(s);
    in.metered.push_back(meter(1, true, 20 * min_us));
    in.sessions.push_back(session(2, "expired"));
    in.refusals.push_back({"bill_forged", 2});
    in.refusals.push_back({"start_authorization", 1});
    const check_outcome c = check_refusals_leave_no_trace(in);
    CHECK(c.held);
    CHECK(c.detail.find("3 refusal(s)") != std::string::npos);
    CHECK(c.detail.find("bill_forged 2") != std::string::npos);
  }
}

TEST_SUITE("scenarios/invariants/faults_applied") {
  TEST_CASE("a fault that touched nothing fails and is named") {
    const check_outcome c =
        check_faults_applied({{0, "wan", "bob", 60 * s_us, true}, {1, "ble", "P1", 90 * s_us, false}});
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("faults[1] ble P1 at 90.0s") != std::string::npos);
    CHECK(c.detail.find("faults[0]") == std::string::npos);
  }

  TEST_CASE("faults that all applied hold") {
    CHECK(check_faults_applied({{0, "server", "server", 0, true}}).held);
  }

  TEST_CASE("every invariant of DESIGN.md is reported, in order") {
    invariant_inputs in;
    const auto out = check_invariants(in);
    REQUIRE(out.size() == 8);
    CHECK(out[4].what == "liveness_after_heal");
    CHECK(out[6].what == "forged_refused_no_trace");
    CHECK(out[7].what == "no_negative_balance");
    for (const auto& c : out) CHECK(c.held);
  }
}

TEST_SUITE("scenarios/invariants/no_negative_balance") {
  TEST_CASE("a wallet that went below zero at any moment fails, naming the user and the lowest balance") {
    invariant_inputs in;
    in.balance_floors = {{"alice", money{0}}, {"mallory", money{-10000}}};
    const check_outcome c = check_no_negative_balance(in);
    CHECK_FALSE(c.held);
    CHECK(c.detail.find("mallory") != std::string::npos);
    CHECK(c.detail.find("-100.00") != std::string::npos);
    CHECK(c.detail.find("alice") == std::string::npos);
  }
}

TEST_SUITE("scenarios/invariants/overlap") {
  const check_outcome* find_check(const std::vector<check_outcome>& out, std::string_view name) {
    for (const auto& c : out)
      if (c.what == name) return &c;
    return nullptr;
  }

  TEST_CASE("every overlapping pair on a pile is reported once; touching windows and other piles are not") {
    invariant_inputs in;
    in.reservations = {
        {1, "P1", 0, 10 * min_us, "used"},
        {2, "P1", 10 * min_us, 20 * min_us, "expired"},      // touches 1: no overlap
        {3, "P1", 5 * min_us, 12 * min_us, "open"},          // overlaps 1 and 2
        {4, "P2", 0, 30 * min_us, "open"},                   // another pile
        {5, "P1", 15 * min_us, 16 * min_us, "cancelled"},    // cancelled windows free the pile
        {6, "P1", 19 * min_us, 40 * min_us, "open"},         // overlaps 2 only
    };
    const auto out = check_invariants(in);
    const check_outcome* c = find_check(out, "reservations_never_overlap");
    REQUIRE(c != nullptr);
    CHECK_FALSE(c->held);
    CHECK(c->detail.find("reservations 1 and 3 overlap on P1") != std::string::npos);
    CHECK(c->detail.find("reservations 2 and 3 overlap on P1") != std::string::npos);
    CHECK(c->detail.find("reservations 2 and 6 overlap on P1") != std::string::npos);
    CHECK(c->detail.find("1 and 2") == std::string::npos);
    CHECK(c->detail.find(" 4 ") == std::string::npos);
    CHECK(c->detail.find(" 5 ") == std::string::npos);
    CHECK(c->detail.find("3 and 6") == std::string::npos);
  }

  TEST_CASE("back-to-back windows over many piles hold") {
    invariant_inputs in;
    for (std::uint64_t i = 0; i < 2000; ++i)
      in.reservations.push_back({i + 1, "P" + std::to_string(i % 20), static_cast<std::int64_t>(i / 20) * min_us,
                                 static_cast<std::int64_t>(i / 20 + 1) * min_us, "used"});
    const std::vector<check_outcome> out = check_invariants(in);  // named: c points into it
    const check_outcome* c = find_check(out, "reservations_never_overlap");
    REQUIRE(c != nullptr);
    CHECK(c->held);
  }
}
