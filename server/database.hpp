// A thin RAII wrapper over one SQLite connection: open, cached prepared statements, a transaction guard.
// It models the server's disk: the world keeps it alive across a simulated crash while the service that uses it
// is destroyed and rebuilt. It holds no policy and never reads a clock. A failing statement is a bug or a
// broken disk, not an expected outcome: it throws database_error, which the service turns into a rolled-back 500.
#pragma once

#include "contract/money.hpp"
#include "sim/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace pilesim::server {

class database_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The text of a cached statement, always a string literal at the call site. Its hash is computed at compile
// time (the constructor is consteval), so finding the prepared statement on each use reads the text only to
// compare it with the cached one, never to hash it again.
class sql {
 public:
  template <std::size_t N>
  consteval sql(const char (&text)[N]) : text_(text, N - 1), hash_(hash_of(text_)) {}  // NOLINT: implicit on purpose

  std::string_view text() const { return text_; }
  std::size_t hash() const { return hash_; }

  // FNV-1a: simple enough to run at compile time, and only ever compared with itself.
  static constexpr std::size_t hash_of(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    return static_cast<std::size_t>(h);
  }

 private:
  std::string_view text_;
  std::size_t hash_;
};

// A cached statement on loan, with its parameters bound. It is reset when the cursor goes out of scope, so a
// statement never stays half-stepped; asking for the same SQL while a cursor on it is alive is a bug (it asserts).
class cursor {
 public:
  cursor(cursor&& other) noexcept;
  cursor& operator=(cursor&&) = delete;
  cursor(const cursor&) = delete;
  ~cursor();

  // True while a row is available; false once the statement is done.
  bool step();

  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  money amount(int col) const { return money{int64(col)}; }
  std::string_view text(int col) const;
  std::span<const std::uint8_t> blob(int col) const;

  // Parameters are 1-based, as in SQL (?1, ?2, ...). Text and blobs are copied, so temporaries are safe.
  void bind(int index, std::int64_t v);
  void bind(int index, money v) { bind(index, v.minor); }
  void bind(int index, std::string_view v);
  void bind(int index, const std::string& v) { bind(index, std::string_view(v)); }
  void bind(int index, const char* v) { bind(index, std::string_view(v)); }
  void bind(int index, std::span<const std::uint8_t> v);
  void bind(int index, std::optional<std::int64_t> v);

 private:
  friend class database;
  // Binds without a copy: the caller keeps the bytes alive until the cursor ends. Anything but text and blobs
  // binds as usual.
  void bind_in_place(int index, std::string_view v);
  void bind_in_place(int index, const std::string& v) { bind_in_place(index, std::string_view(v)); }
  void bind_in_place(int index, const char* v) { bind_in_place(index, std::string_view(v)); }
  void bind_in_place(int index, std::span<const std::uint8_t> v);
  template <class T>
  void bind_in_place(int index, const T& v) {
    bind(index, v);
  }

  cursor(sqlite3_stmt* stmt, bool* busy) : stmt_(stmt), busy_(busy) {}

  sqlite3_stmt* stmt_;
  bool* busy_;
};

class database {
 public:
  // ":memory:" is a private in-memory database. A file path turns on WAL and synchronous=NORMAL.
  // Foreign keys are enforced in both cases. errc::bad_value when SQLite cannot open or configure the path.
  static result<database> open(std::string_view path = ":memory:");

  database(database&&) noexcept;
  database& operator=(database&&) noexcept;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  // Runs parameterless SQL that may hold several statements (the schema).
  void exec(std::string_view sql);

  // Borrows the cached statement for `sql` (prepared on first use) and binds `args` to ?1, ?2, ...
  template <class... Args>
  cursor query(sql text, const Args&... args) {
    cursor c = borrow(text);
    int index = 0;
    (c.bind(++index, args), ...);
    return c;
  }
  // The same, stepped to completion: for INSERT, UPDATE and DELETE. The arguments outlive every step (the
  // cursor ends inside this call, and clears its bindings as it does), so text and blobs are bound in place
  // rather than copied: a stored answer's body is the largest thing a request writes.
  template <class... Args>
  void run(sql text, const Args&... args) {
    cursor c = borrow(text);
    int index = 0;
    (c.bind_in_place(++index, args), ...);
    while (c.step()) {
    }
  }

  std::int64_t last_insert_id() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  bool in_transaction() const;
  // No other connection can ever see this database (":memory:"), so what this connection wrote is all there is.
  bool is_private() const { return private_; }
  // How many transactions ended without their commit (rolled back, explicitly or by SQLite). A cache of rows
  // read inside a transaction must be dropped when this moves: those rows may never have been committed.
  std::uint64_t rollbacks() const { return rollbacks_; }

 private:
  friend class transaction;
  struct state;
  explicit database(std::unique_ptr<state> s);
  cursor borrow(sql text);

  std::unique_ptr<state> s_;
  std::uint64_t rollbacks_ = 0;
  bool private_ = false;
};

// One unit of work: BEGIN IMMEDIATE now, ROLLBACK when it leaves scope without commit().
class transaction {
 public:
  explicit transaction(database& db);
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();

  void commit();

 private:
  database& db_;
  bool done_ = false;
};

}  // namespace pilesim::server
