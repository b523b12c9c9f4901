// The server's SQLite schema (server/schema.sql, embedded at build time) and the one function that applies it.
// Applying is idempotent, so a restarted service calls it on the database that survived the crash; it must
// never lose data: a table of an older layout is converted with every row kept.
#pragma once

#include "server/database.hpp"

namespace pilesim::server {

void apply_schema(database& db);

}  // namespace pilesim::server
