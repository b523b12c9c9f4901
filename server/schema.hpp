// The server's SQLite schema (server/schema.sql, embedded at build time) and the one function that applies it.
// Applying is idempotent, so a restarted service calls it on the database that survived the crash; it must
// never drop or rewrite data.
#pragma once

#include "server/database.hpp"

namespace pilesim::server {

void apply_schema(database& db);

}  // namespace pilesim::server
