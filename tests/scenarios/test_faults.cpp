// Unit tests of the one judge of whether a fault applied: built from observations by hand, so the rule is checked
// without running a world (whole runs with faults of every kind are in test_random_faults.cpp).
#include "scenarios/engine/faults.hpp"

#include <doctest/doctest.h>

using namespace pilesim::scenarios;

TEST_SUITE("scenarios/faults") {
  TEST_CASE("a fault that changed nothing and saw no traffic did not apply") {
    fault_observations o;
    CHECK_FALSE(fault_applied(o));
    o.traffic_before = 7;  // counted at begin, never at an end: judged by its begin alone
    CHECK_FALSE(fault_applied(o));
    o.traffic_after = 7;  // nothing moved in its window
    CHECK_FALSE(fault_applied(o));
  }

  TEST_CASE("a fault applies when its begin changed live state") {
    fault_observations o;
    o.changed_state = true;
    o.traffic_before = 3;
    o.traffic_after = 3;
    CHECK(fault_applied(o));
  }

  TEST_CASE("a fault applies when the traffic it watches grew in its window") {
    fault_observations o;
    o.traffic_before = 3;
    o.traffic_after = 4;
    CHECK(fault_applied(o));
  }

  TEST_CASE("a BLE fault applies when a phone near its pile tried to connect in its window") {
    fault_observations o;
    o.traffic_before = 5;
    o.traffic_after = 5;  // no frame got through
    o.attempts_before = 2;
    o.attempts_after = 2;
    CHECK_FALSE(fault_applied(o));
    o.attempts_after = 3;
    CHECK(fault_applied(o));
  }
}
