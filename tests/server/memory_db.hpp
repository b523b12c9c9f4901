// A fresh in-memory SQLite database for a server test: opened, or the test stops there (REQUIRE). Test code
// only; it applies no schema, so each test says which tables it starts from.
#pragma once

#include "server/database.hpp"

#include <doctest/doctest.h>

#include <utility>

namespace pilesim::test_support {

inline server::database memory_db() {
  auto db = server::database::open();
  REQUIRE(db);
  return std::move(*db);
}

}  // namespace pilesim::test_support
