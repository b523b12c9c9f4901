#include "server/database.hpp"

#include <sqlite3.h>

#include <cassert>
#include <functional>
#include <unordered_map>

namespace pilesim::server {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : "out of memory";
  throw database_error(msg);
}

// Heterogeneous lookup by sql, so that finding a cached statement needs no std::string and no hashing per
// query: the key's hash is the one sql computed at compile time.
struct sql_hash {
  using is_transparent = void;
  std::size_t operator()(const sql& s) const noexcept { return s.hash(); }
  std::size_t operator()(const std::string& s) const noexcept { return sql::hash_of(s); }
};
struct sql_equal {
  using is_transparent = void;
  bool operator()(const std::string& a, const std::string& b) const noexcept { return a == b; }
  bool operator()(const sql& a, const std::string& b) const noexcept { return a.text() == b; }
  bool operator()(const std::string& a, const sql& b) const noexcept { return a == b.text(); }
};

struct cached_statement {
  sqlite3_stmt* stmt = nullptr;
  bool busy = false;
};

}  // namespace

// Node-based map: a cached_statement never moves, so cursors may point into it. Never iterated where order matters.
struct database::state {
  sqlite3* db = nullptr;
  std::unordered_map<std::string, cached_statement, sql_hash, sql_equal> statements;

  ~state() {
    for (auto& [sql, s] : statements) sqlite3_finalize(s.stmt);
    sqlite3_close(db);
  }
};

cursor::cursor(cursor&& other) noexcept : stmt_(other.stmt_), busy_(other.busy_) {
  other.stmt_ = nullptr;
  other.busy_ = nullptr;
}

cursor::~cursor() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);  // also drops the pointers bound in place (database::run), before they dangle
  *busy_ = false;
}

bool cursor::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  fail(db, sqlite3_sql(stmt_));
}

bool cursor::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::int64_t cursor::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string_view cursor::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::span<const std::uint8_t> cursor::blob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
  if (!p) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
}

void cursor::bind(int index, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, index, v) != SQLITE_OK) fail(sqlite3_db_handle(stmt_), "bind");
}

void cursor::bind(int index, std::string_view v) {
  if (sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
    fail(sqlite3_db_handle(stmt_), "bind");
}

void cursor::bind(int index, std::span<const std::uint8_t> v) {
  // A zero-length blob must still be a blob, not NULL: SQLite needs a non-null pointer for that.
  static const std::uint8_t empty = 0;
  const void* p = v.empty() ? &empty : v.data();
  if (sqlite3_bind_blob64(stmt_, index, p, v.size(), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(sqlite3_db_handle(stmt_), "bind");
}

void cursor::bind_in_place(int index, std::string_view v) {
  if (sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8) != SQLITE_OK)
    fail(sqlite3_db_handle(stmt_), "bind");
}

void cursor::bind_in_place(int index, std::span<const std::uint8_t> v) {
  static const std::uint8_t empty = 0;  // as in bind: a zero-length blob, not NULL
  const void* p = v.empty() ? &empty : v.data();
  if (sqlite3_bind_blob64(stmt_, index, p, v.size(), SQLITE_STATIC) != SQLITE_OK)
    fail(sqlite3_db_handle(stmt_), "bind");
}

void cursor::bind(int index, std::optional<std::int64_t> v) {
  if (v) return bind(index, *v);
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(sqlite3_db_handle(stmt_), "bind");
}

result<database> database::open(std::string_view path) {
  // Memory statistics cost a global mutex and counters on every allocation, and nothing here reads them.
  // Process-wide, and only possible before SQLite initializes: if someone else initialized it first, the call
  // fails harmlessly and the default stays.
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  auto s = std::make_unique<state>();
  // ":memory:" is served by SQLite's memdb VFS, not by its in-memory pager: that pager keeps every page of the
  // database in its page cache and walks the cache's whole hash table when a transaction ends, so each commit
  // cost grew with the database (on a run of 20,000 sessions, a quarter of all CPU). Over memdb the pager works
  // as over a file whose bytes live in memory: a commit copies only its dirty pages. The name has no leading
  // '/', so the database is private to this connection, as ":memory:" was.
  const bool in_memory = path == ":memory:";
  const std::string p = in_memory ? std::string("file:pilesim?vfs=memdb") : std::string(path);
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | (in_memory ? SQLITE_OPEN_URI : 0);
  if (sqlite3_open_v2(p.c_str(), &s->db, flags, nullptr) != SQLITE_OK) return errc::bad_value;
  sqlite3_extended_result_codes(s->db, 1);
  if (in_memory) {
    // memdb refuses to grow past 1 GiB by default; a city's run may need more (memory, not a file, bounds it).
    sqlite3_int64 limit = sqlite3_int64{64} << 30;
    sqlite3_file_control(s->db, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
  }
  database db(std::move(s));
  db.private_ = path == ":memory:";
  try {
    // Foreign keys catch our own bugs in tests too, so they are on for the in-memory database as well.
    db.exec("PRAGMA foreign_keys = ON");
    // Every page a transaction first touches is copied whole into the rollback journal, and a request touches
    // about eight: 2 KiB pages halve those copies, while b-trees stay as shallow as with 4 KiB at the sizes a
    // run reaches (measured over 10,000 bench sessions: 3 % fewer instructions in all). Only a new database
    // takes it, so it comes before the schema; an existing file keeps the size it was written with.
    db.exec("PRAGMA page_size = 2048");
    // A rollback journal in memory too: memdb would open it as a file of the default VFS.
    if (in_memory) db.exec("PRAGMA journal_mode = MEMORY");
    if (path != ":memory:" && !path.empty()) {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
    }
  } catch (const database_error&) {
    return errc::bad_value;
  }
  return db;
}

database::database(std::unique_ptr<state> s) : s_(std::move(s)) {}
database::database(database&&) noexcept = default;
database& database::operator=(database&&) noexcept = default;
database::~database() = default;

void database::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  if (sqlite3_exec(s_->db, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "exec failed";
    sqlite3_free(err);
    throw database_error(msg);
  }
}

cursor database::borrow(sql text) {
  auto it = s_->statements.find(text);
  if (it == s_->statements.end()) {
    const std::string_view t = text.text();
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(s_->db, t.data(), static_cast<int>(t.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK)
      fail(s_->db, t);
    it = s_->statements.emplace(std::string(t), cached_statement{stmt, false}).first;
  }
  // Checked in release builds too: a second borrow would silently reset the first cursor's rows.
  if (it->second.busy) throw database_error("statement borrowed while in use: " + std::string(text.text()));
  it->second.busy = true;
  return cursor(it->second.stmt, &it->second.busy);
}

std::int64_t database::last_insert_id() const { return sqlite3_last_insert_rowid(s_->db); }
std::int64_t database::changes() const { return sqlite3_changes64(s_->db); }
bool database::in_transaction() const { return sqlite3_get_autocommit(s_->db) == 0; }

transaction::transaction(database& db) : db_(db) {
  assert(!db_.in_transaction() && "transactions do not nest");
  db_.run("BEGIN IMMEDIATE");
}

void transaction::commit() {
  db_.run("COMMIT");
  done_ = true;
}

transaction::~transaction() {
  if (done_) return;
  ++db_.rollbacks_;  // counted even when SQLite already rolled back on its own after an error
  if (!db_.in_transaction()) return;
  try {
    db_.run("ROLLBACK");
  } catch (const database_error&) {
    // A failed rollback leaves SQLite to roll back on its own (it does on the next statement or close);
    // throwing from a destructor would end the process instead.
  }
}

}  // namespace pilesim::server
