// A 32-byte secret: a pile's key (server and that pile only) or a session's stop secret (server and the
// starting phone). Only the type lives here, so a phone can hold a stop secret without seeing how keys are
// derived or used (contract/keys.hpp); it must never grow an operation of its own.
#pragma once

#include <array>
#include <cstdint>

namespace pilesim {

using key32 = std::array<std::uint8_t, 32>;

}  // namespace pilesim
