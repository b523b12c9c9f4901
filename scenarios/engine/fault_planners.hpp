// One planner per fault kind: it draws the fault's own values, schedules its begin and its end (at
// r.window_end_us unless that is time_max), does what the fault does to the world and fills r.seen and
// r.observe_end. It never decides whether the fault applied: fault_applied() does. A new kind is one more
// overload here, in a file of its own, and the variant alternative in scenario.hpp.
#pragma once

#include "scenarios/engine/faults.hpp"
#include "scenarios/engine/scenario.hpp"

namespace pilesim::scenarios {

void plan_fault(fault_record& r, const ble_fault& b, fault_context& cx);         // fault_ble.cpp
void plan_fault(fault_record& r, const wan_fault& w, fault_context& cx);         // fault_wan.cpp
void plan_fault(fault_record& r, const server_fault& s, fault_context& cx);      // fault_server.cpp
void plan_fault(fault_record& r, const pile_power_fault& p, fault_context& cx);  // fault_pile_power.cpp
void plan_fault(fault_record& r, const attack_fault& a, fault_context& cx);      // fault_attack.cpp

}  // namespace pilesim::scenarios
