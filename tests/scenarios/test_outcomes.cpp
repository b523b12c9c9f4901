// A run reports every session as the server's database has it: each scenario here is run with its database kept
// in a file, and the report's sessions are compared, row by row, with what the database holds afterwards.
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "server/read_model.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>

using namespace pilesim;
using namespace pilesim::scenarios;

namespace {

struct run_and_rows {
  run_outcome_report report;
  std::vector<server::session_summary> rows;
};

run_and_rows run_keeping_db(const std::string& file) {
  auto s = load_scenario_file(std::string(PILESIM_SCENARIO_DIR "/") + file);
  REQUIRE(s.has_value());
  const auto dir = std::filesystem::temp_directory_path() / ("pilesim_outcomes_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  run_options o;
  o.db_path = (dir / "server.db").string();
  run_and_rows out;
  out.report = run_scenario(*s, o);
  {
    auto db = server::database::open(o.db_path);
    REQUIRE(db.has_value());
    out.rows = server::list_sessions(*db);
  }
  std::filesystem::remove_all(dir);
  return out;
}

// Every reported session the server made is its row, field for field; every row is reported exactly once; a
// start the server made no session for shows nothing frozen, charged or refunded.
void check_matches_rows(const run_and_rows& r) {
  std::map<std::uint64_t, const server::session_summary*> rows;
  for (const auto& row : r.rows) rows[row.id] = &row;
  std::map<std::uint64_t, int> reported;
  for (const session_outcome& s : r.report.sessions) {
    CAPTURE(s.user);
    CAPTURE(s.session_id);
    if (s.session_id == 0) {
      CHECK(s.state == "refused");
      CHECK(s.frozen == money{0});
      CHECK(s.charged == money{0});
      CHECK(s.refunded == money{0});
      continue;
    }
    ++reported[s.session_id];
    REQUIRE(rows.count(s.session_id) == 1);
    const server::session_summary& row = *rows.at(s.session_id);
    CHECK(s.user == row.user);
    CHECK(s.pile == row.pile);
    const std::string want_state =
        row.state == "reconciled" || row.state == "expired" ? row.state : std::string("open");
    CHECK(s.state == want_state);
    CHECK(s.stop_reason == row.stop_reason);
    CHECK(s.energy_wh == row.energy_wh);
    CHECK(s.frozen == row.frozen);
    CHECK(s.charged == row.charged);
    CHECK(s.refunded == row.refunded);
    CHECK(s.reconciled_at_us == row.reconciled_at_us);
  }
  for (const auto& row : r.rows) CHECK(reported[row.id] == 1);
}

}  // namespace

TEST_CASE("an authorization that lapsed unused is reported expired, as the server's row has it") {
  const auto r = run_keeping_db("fault_authorization_expires.yaml");
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].state == "expired");
  REQUIRE(r.report.sessions.size() == 1);
  const session_outcome& s = r.report.sessions[0];
  CHECK(s.session_id == r.rows[0].id);
  CHECK(s.state == "expired");
  CHECK(s.frozen == money{2000});
  CHECK(s.refunded == money{2000});
  CHECK(!s.refused_why.empty());  // the pile's word is kept: why it never started
  check_matches_rows(r);
}

TEST_CASE("a start refused before anything was frozen shows nothing frozen") {
  const auto r = run_keeping_db("insufficient_balance.yaml");
  CHECK(r.rows.empty());
  REQUIRE(r.report.sessions.size() == 1);
  CHECK(r.report.sessions[0].session_id == 0);
  CHECK(r.report.sessions[0].state == "refused");
  CHECK(r.report.sessions[0].frozen == money{0});
  check_matches_rows(r);
}

TEST_CASE("a session whose answer never reached the phone is reported with the server's id and money") {
  const auto r = run_keeping_db("fault_start_reply_lost.yaml");
  REQUIRE(!r.rows.empty());
  check_matches_rows(r);
}

TEST_CASE("the reported sessions of a busy run are the server's rows") {
  for (const char* file : {"happy_path.yaml", "fault_next_user_carries.yaml", "fault_server_down_start.yaml",
                           "fault_leaves_after_authorization.yaml", "vehicle_busy.yaml"}) {
    CAPTURE(file);
    check_matches_rows(run_keeping_db(file));
  }
}
