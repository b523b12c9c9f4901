#include "server/schema.hpp"

#include "server/schema_sql.hpp"

namespace pilesim::server {

void apply_schema(database& db) { db.exec(schema_sql); }

}  // namespace pilesim::server
