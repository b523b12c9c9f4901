// The server's REST API as a phone app sees it: request and response bodies, and HTTP messages with their
// exact bytes. The one server header an app may include; it never exposes the store or the ledger.
#pragma once

#include "server/api/api.hpp"
#include "server/api/http.hpp"
