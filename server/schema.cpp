#include "server/schema.hpp"

#include "server/schema_sql.hpp"

namespace pilesim::server {
namespace {

// Databases written before stored answers had an id keep them in a WITHOUT ROWID table, which the purge cannot
// read in insertion order: they are copied, oldest first, into the current table.
void convert_old_answers(database& db) {
  {
    auto c = db.query("SELECT 1 FROM pragma_table_info('idempotency_keys') WHERE name = 'id'");
    if (c.step()) return;
  }
  transaction tx(db);
  db.exec("ALTER TABLE idempotency_keys RENAME TO idempotency_keys_without_id");
  db.exec(schema_sql);
  db.exec(
      "INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, status, body, at_us) "
      "SELECT user_id, idem_key, fingerprint, status, body, at_us FROM idempotency_keys_without_id "
      "ORDER BY at_us, user_id, idem_key");
  db.exec("DROP TABLE idempotency_keys_without_id");
  tx.commit();
}

}  // namespace

void apply_schema(database& db) {
  db.exec(schema_sql);
  convert_old_answers(db);
}

}  // namespace pilesim::server
