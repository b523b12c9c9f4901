// The pile's BLE protocol as a phone app sees it: the message types and their wire format, and the
// fragmentation to the link's MTU. The one pile header an app may include; it never exposes the firmware.
#pragma once

#include "pile/protocol/fragment.hpp"
#include "pile/protocol/messages.hpp"
