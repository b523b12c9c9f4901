// Unit tests of the registry of BLE links: one link per (user, pile), made once and found after, named for the
// pair (the name seeds its random stream), visited in user id order whatever the order they were made in, and
// freed once nothing goes on over it.
#include "scenarios/engine/link_registry.hpp"

#include <doctest/doctest.h>

#include "sim/link.hpp"

#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

pile::firmware_config pile_named(std::string id) {
  pile::firmware_config fc;
  fc.pile_id = std::move(id);
  return fc;
}

}  // namespace

TEST_SUITE("scenarios/link_registry") {
  TEST_CASE("makes a pair's link once and finds it after") {
    sim::kernel k(1);
    pile::pile_actor p1(k, pile_named("P1"));
    link_registry reg(k, sim::ble_model{});
    reg.add_pile("P1", p1);
    CHECK(reg.find("alice", "P1") == nullptr);
    sim::ble_link* l = reg.link_for("alice", "P1");
    REQUIRE(l != nullptr);
    CHECK(l->name() == "ble/P1/alice");
    CHECK(reg.link_for("alice", "P1") == l);
    CHECK(reg.find("alice", "P1") == l);
    CHECK(reg.frames_sent_on("P1") == 0);
  }

  TEST_CASE("has no link to a pile it was never given") {
    sim::kernel k(1);
    link_registry reg(k, sim::ble_model{});
    CHECK(reg.link_for("alice", "P9") == nullptr);
    CHECK(reg.frames_sent_on("P9") == 0);
  }

  TEST_CASE("visits a pile's links in user id order, and only that pile's") {
    sim::kernel k(1);
    pile::pile_actor p1(k, pile_named("P1"));
    pile::pile_actor p2(k, pile_named("P2"));
    link_registry reg(k, sim::ble_model{});
    reg.add_pile("P1", p1);
    reg.add_pile("P2", p2);
    for (const char* user : {"carol", "alice", "bob"}) (void)reg.link_for(user, "P1");
    (void)reg.link_for("dave", "P2");
    std::vector<std::string> seen;
    reg.for_each_on("P1", [&](const std::string& user, sim::ble_link&) { seen.push_back(user); });
    CHECK(seen == std::vector<std::string>{"alice", "bob", "carol"});
  }

  TEST_CASE("frees a phone's quiet links to other piles, keeps busy ones, and counts their frames") {
    sim::kernel k(1);
    pile::pile_actor p1(k, pile_named("P1"));
    pile::pile_actor p2(k, pile_named("P2"));
    link_registry reg(k, sim::ble_model{});
    reg.add_pile("P1", p1);
    reg.add_pile("P2", p2);
    sim::link wan(k, "wan/alice", sim::link_model{});
    agent::agent_config ac;
    ac.user = "alice";
    agent::agent phone(k, ac, wan, [&](std::string_view pile) { return reg.link_for("alice", pile); });
    reg.add_phone("alice", phone);
    sim::ble_link* l1 = reg.link_for("alice", "P1");
    (void)reg.link_for("alice", "P2");
    CHECK(reg.live() == 2);
    CHECK(p1.live_links() == 1);
    l1->set_in_range(true);
    reg.release_idle("alice", "P2");
    CHECK(reg.find("alice", "P1") == l1);  // in range: busy
    l1->set_in_range(false);
    reg.release_idle("alice", "P2");
    CHECK(reg.find("alice", "P1") == nullptr);
    CHECK(reg.find("alice", "P2") != nullptr);  // the one kept
    CHECK(reg.live() == 1);
    CHECK(reg.made() == 2);
    CHECK(p1.live_links() == 0);
    CHECK(reg.link_for("alice", "P1") != nullptr);  // meeting again makes a new one
    CHECK(p1.live_links() == 1);
    k.shutdown();
  }
}
