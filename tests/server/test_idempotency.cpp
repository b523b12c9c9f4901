// Stored answers: found by (user, key), purged by age in insertion order, and carried over from the layout
// older builds wrote.
#include "server/idempotency.hpp"
#include "server/schema.hpp"
#include "server/service.hpp"

#include "tests/server/result_printing.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::server;

namespace {

database memory_db() {
  auto db = database::open();
  REQUIRE(db);
  return std::move(*db);
}

// The keys still stored, in id order.
std::vector<std::string> stored_keys(database& db) {
  std::vector<std::string> out;
  auto c = db.query("SELECT idem_key FROM idempotency_keys ORDER BY id");
  while (c.step()) out.emplace_back(c.text(0));
  return out;
}

fingerprint print_of(int n) {
  fingerprint f{};
  f[0] = static_cast<std::uint8_t>(n);
  return f;
}

void store(database& db, const std::string& key, std::int64_t at_us) {
  store_answer(db, "alice", key, print_of(1), http::response{200, "{\"k\":\"" + key + "\"}"}, at_us);
}

}  // namespace

TEST_SUITE("server/idempotency") {
  TEST_CASE("the purge forgets exactly the answers older than the cutoff") {
    database db = memory_db();
    apply_schema(db);
    db.run("INSERT INTO users (id, token) VALUES ('alice', 't')");
    store(db, "a", 10);
    store(db, "b", 20);
    store(db, "c", 30);
    store(db, "d", 30);
    purge_answers(db, 5);  // nothing is that old
    CHECK(stored_keys(db) == std::vector<std::string>{"a", "b", "c", "d"});
    purge_answers(db, 21);
    CHECK(stored_keys(db) == std::vector<std::string>{"c", "d"});
    CHECK_FALSE(find_answer(db, "alice", "a"));
    REQUIRE(find_answer(db, "alice", "c"));
    CHECK(find_answer(db, "alice", "c")->answer.body == "{\"k\":\"c\"}");
    purge_answers(db, 31);  // all of them
    CHECK(stored_keys(db).empty());
    purge_answers(db, 100);  // an empty table
    CHECK(stored_keys(db).empty());
  }

  TEST_CASE("an answer younger than the cutoff is never purged, even stored before older ones") {
    // A database file reused by a run whose clock starts again holds a late answer ahead of early ones: the
    // purge stops at it, and keeps the old answers behind it rather than read the whole table.
    database db = memory_db();
    apply_schema(db);
    db.run("INSERT INTO users (id, token) VALUES ('alice', 't')");
    store(db, "old-run", 1000);
    store(db, "new-1", 10);
    store(db, "new-2", 20);
    purge_answers(db, 500);
    CHECK(stored_keys(db) == std::vector<std::string>{"old-run", "new-1", "new-2"});
    purge_answers(db, 2000);
    CHECK(stored_keys(db).empty());
  }

  TEST_CASE("answers stored by an older build (WITHOUT ROWID, indexed by age) are converted and still answer") {
    database db = memory_db();
    db.exec(
        "CREATE TABLE users (id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE);"
        "CREATE TABLE idempotency_keys (user_id TEXT NOT NULL REFERENCES users (id), idem_key TEXT NOT NULL, "
        "fingerprint BLOB NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, at_us INTEGER NOT NULL, "
        "PRIMARY KEY (user_id, idem_key)) WITHOUT ROWID;"
        "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (at_us);"
        "INSERT INTO users (id, token) VALUES ('alice', 'tok-alice');");
    const http::request repeat{"DELETE", "/v1/reservations/7", "Bearer tok-alice", "k-late", ""};
    const fingerprint of = fingerprint_of(repeat);
    // Stored in key order (the old primary key), which is not the time order.
    db.run("INSERT INTO idempotency_keys VALUES ('alice', 'k-early', ?1, 409, '{\"early\":1}', 100)",
           std::span<const std::uint8_t>(of));
    db.run("INSERT INTO idempotency_keys VALUES ('alice', 'k-late', ?1, 200, '{\"late\":1}', 200)",
           std::span<const std::uint8_t>(of));
    db.run("INSERT INTO idempotency_keys VALUES ('alice', 'a-middle', ?1, 200, '{\"middle\":1}', 150)",
           std::span<const std::uint8_t>(of));

    service srv(db, service_config{});
    CHECK(stored_keys(db) == std::vector<std::string>{"k-early", "a-middle", "k-late"});  // now in time order
    {
      auto c = db.query("SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('idempotency_keys_by_age', "
                        "'idempotency_keys_without_id')");
      REQUIRE(c.step());
      CHECK(c.int64(0) == 0);
    }
    // The repeat is answered from the converted row, byte for byte, without acting.
    const http::response r = srv.handle(repeat, 300);
    CHECK(r.status == 200);
    CHECK(r.body == "{\"late\":1}");
    // Applying the schema again (a restart) finds nothing more to convert.
    service again(db, service_config{});
    CHECK(stored_keys(db) == std::vector<std::string>{"k-early", "a-middle", "k-late"});
  }
}
