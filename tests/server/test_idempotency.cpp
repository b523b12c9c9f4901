// Stored answers: found by (user, key), purged by age in insertion order, carried over from the layout older
// builds wrote, and the filter that skips the lookup of keys never used.
#include "server/idempotency.hpp"
#include "server/schema.hpp"
#include "server/service.hpp"

#include "tests/server/memory_db.hpp"
#include "tests/support/result_printing.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

using namespace pilesim;
using namespace pilesim::server;

namespace {

using test_support::memory_db;

// The schema and one user, alice, whose answers the tests store.
database alice_db() {
  database db = memory_db();
  apply_schema(db);
  db.run("INSERT INTO users (id, token) VALUES ('alice', 't')");
  return db;
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
    database db = alice_db();
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
    database db = alice_db();
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

  TEST_CASE("the filter never says no to a stored key, and says no to keys never used") {
    database db = memory_db();
    apply_schema(db);
    db.run("INSERT INTO users (id, token) VALUES ('alice', 't'), ('bob', 'u')");
    store(db, "before", 10);  // stored before the filter loads: a restart finds it
    answer_filter f;
    f.load(db);
    CHECK(f.may_have("alice", "before"));
    CHECK_FALSE(f.may_have("alice", "never"));
    CHECK_FALSE(f.may_have("bob", "before"));  // keys belong to their user
    store(db, "after", 20);
    f.add("alice", "after");
    CHECK(f.may_have("alice", "after"));
    // Every key stored is found again, however many.
    for (int i = 0; i < 2000; ++i) {
      const std::string key = "k" + std::to_string(i);
      store(db, key, 30 + i);
      f.add("alice", key);
    }
    for (int i = 0; i < 2000; ++i) CHECK(f.may_have("alice", "k" + std::to_string(i)));
  }

  TEST_CASE("purged keys leave the filter once they are most of it") {
    database db = alice_db();
    answer_filter f;
    f.load(db);
    for (int i = 0; i < 3000; ++i) {
      const std::string key = "k" + std::to_string(i);
      store(db, key, i);
      f.add("alice", key);
    }
    f.purged(db, purge_answers(db, 100));  // a few: they stay, a harmless yes
    CHECK(f.may_have("alice", "k0"));
    CHECK(f.may_have("alice", "k2999"));
    f.purged(db, purge_answers(db, 2990));  // most: the filter is loaded again from the table
    CHECK_FALSE(f.may_have("alice", "k0"));
    CHECK_FALSE(f.may_have("alice", "k2989"));
    CHECK(f.may_have("alice", "k2990"));
    CHECK(f.may_have("alice", "k2999"));
  }

  TEST_CASE("on a database another connection may write, the filter always looks") {
    const std::string path = (std::filesystem::temp_directory_path() / "pilesim_test_answer_filter.sqlite").string();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    {
      auto db = database::open(path);
      REQUIRE(db);
      CHECK_FALSE(db->is_private());
      apply_schema(*db);
      answer_filter f;
      f.load(*db);
      CHECK(f.may_have("alice", "never"));
    }
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
}
