// libsodium initialised once, before the contract's first hash or MAC. Private to contract/: no other folder
// includes it. Only hashing and MACs are used, never libsodium's randomness, which would break determinism.
#pragma once

namespace pilesim::contract {

// Aborts when libsodium cannot work at all (a broken installation, not an input error).
void ensure_libsodium();

}  // namespace pilesim::contract
