// A phone that cheats: what a malicious app does differently, switched on for a window by a scenario's `attack`
// fault. The honest app asks its context at the few points where a cheating app would act (attacking()), and
// these functions do the cheating on the bytes it relays; with no attack on, nothing here runs. Like the phone
// it lives on, an attacker holds no key: it can read the public layout of a token and change bytes, never seal.
#pragma once

#include "sim/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pilesim::agent {

enum class attack_kind : std::uint8_t {
  forge_start,     // sends the pile a start authorization with a made-up MAC
  alter_start,     // raises the frozen amount inside a real authorization
  replay_start,    // sends an authorization it already used once again, before the new one
  expired_start,   // keeps the authorization past its ttl, then relays it
  redirect_start,  // relays its authorization to another pile (attack_plan::pile) when it is there
  alter_bill,      // lowers energy and cost in a bill before uploading it
  replay_bill,     // uploads a settled bill again
  withhold_bill,   // never uploads bills and never hands receipts back
  withhold_ack,    // never uploads the pile's start acknowledgement
  forge_receipt,   // sends the pile a made-up receipt so that it forgets a bill
  steal_stop,      // tries to stop another user's session at its pile
};

std::string_view to_string(attack_kind k);
std::optional<attack_kind> attack_kind_from(std::string_view name);
// "forge_start, alter_start, ...": every kind, in declaration order.
std::string attack_kind_list();

struct attack_plan {
  attack_kind kind = attack_kind::forge_start;
  std::string pile;  // redirect_start: where the authorization is taken
};

// The same token with its MAC replaced by made-up bytes.
bytes with_made_up_mac(bytes sealed);
// A start authorization with a larger frozen amount and its original MAC; nullopt when it cannot be read.
std::optional<bytes> with_raised_frozen(const bytes& sealed);
// A bill with half its energy and half its cost and its original MAC; nullopt when it cannot be read.
std::optional<bytes> with_lowered_cost(const bytes& sealed);
// A receipt for `session` at `pile` that no server issued.
bytes made_up_receipt(std::string_view pile, std::uint64_t session);

}  // namespace pilesim::agent
