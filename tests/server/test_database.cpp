#include "server/database.hpp"
#include "sim/bytes.hpp"

#include "tests/server/memory_db.hpp"
#include "tests/support/result_printing.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace pilesim;
using namespace pilesim::server;

namespace {

using test_support::memory_db;

std::int64_t count_rows(database& db) {
  auto c = db.query("SELECT COUNT(*) FROM t");
  c.step();
  return c.int64(0);
}

}  // namespace

TEST_SUITE("server/database") {
  TEST_CASE("binds and reads integers, text, blobs and nulls") {
    database db = memory_db();
    db.exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n INTEGER)");
    const bytes blob{0, 1, 2, 255};
    db.run("INSERT INTO t VALUES (?1, ?2, ?3, ?4)", std::int64_t{-7}, std::string("héllo"), blob,
           std::optional<std::int64_t>{});
    auto c = db.query("SELECT i, s, b, n FROM t ORDER BY i");
    REQUIRE(c.step());
    CHECK(c.int64(0) == -7);
    CHECK(c.text(1) == "héllo");
    CHECK(bytes(c.blob(2).begin(), c.blob(2).end()) == blob);
    CHECK(c.is_null(3));
    CHECK_FALSE(c.step());
  }

  TEST_CASE("a transaction rolls back unless committed") {
    database db = memory_db();
    db.exec("CREATE TABLE t (i INTEGER)");
    {
      transaction tx(db);
      db.run("INSERT INTO t VALUES (1)");
      CHECK(db.in_transaction());
    }
    CHECK_FALSE(db.in_transaction());
    CHECK(count_rows(db) == 0);
    {
      transaction tx(db);
      db.run("INSERT INTO t VALUES (1)");
      tx.commit();
    }
    CHECK(count_rows(db) == 1);
  }

  TEST_CASE("a failing statement throws and the guard rolls the whole unit back") {
    database db = memory_db();
    db.exec("CREATE TABLE t (i INTEGER CHECK (i > 0))");
    CHECK_THROWS_AS(
        [&] {
          transaction tx(db);
          db.run("INSERT INTO t VALUES (1)");
          db.run("INSERT INTO t VALUES (-1)");
          tx.commit();
        }(),
        database_error);
    CHECK(count_rows(db) == 0);
    CHECK_THROWS_AS(db.run("SELECT * FROM no_such_table"), database_error);
  }

  TEST_CASE("borrowing a statement that is still in use throws instead of resetting it") {
    database db = memory_db();
    db.exec("CREATE TABLE t (i INTEGER)");
    auto first = db.query("SELECT i FROM t ORDER BY i");
    CHECK_THROWS_AS(db.query("SELECT i FROM t ORDER BY i"), database_error);
  }

  TEST_CASE("statements are reused after the cursor is gone") {
    database db = memory_db();
    db.exec("CREATE TABLE t (i INTEGER)");
    for (std::int64_t i = 0; i < 100; ++i) db.run("INSERT INTO t VALUES (?1)", i);
    CHECK(count_rows(db) == 100);
  }

  TEST_CASE("a file database runs in WAL mode with foreign keys on and keeps its rows across reopening") {
    const auto path = std::filesystem::temp_directory_path() / "pilesim_test_server_database.sqlite";
    std::filesystem::remove(path);
    {
      auto db = database::open(path.string());
      REQUIRE(db);
      auto mode = db->query("PRAGMA journal_mode");
      REQUIRE(mode.step());
      CHECK(mode.text(0) == "wal");
      auto fk = db->query("PRAGMA foreign_keys");
      REQUIRE(fk.step());
      CHECK(fk.int64(0) == 1);
      db->exec("CREATE TABLE t (i INTEGER)");
      db->run("INSERT INTO t VALUES (5)");
    }
    {
      auto db = database::open(path.string());
      REQUIRE(db);
      CHECK(count_rows(*db) == 1);
    }
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  }

  TEST_CASE("an unopenable path is an error value") {
    auto db = database::open("/nonexistent-dir/x/y.sqlite");
    CHECK_FALSE(db);
  }
}
