// What is wrong with a --db path, said in words before SQLite is asked.
#include "tools/database_path.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace pilesim::tools;

TEST_SUITE("tools/database_path") {
  TEST_CASE("memory, a new file in a folder, and an existing SQLite file are fine") {
    const auto dir = std::filesystem::temp_directory_path() / "pilesim_db_path";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    CHECK_FALSE(database_path_problem(":memory:"));
    CHECK_FALSE(database_path_problem((dir / "new.sqlite").string()));
    std::ofstream(dir / "empty.sqlite").flush();  // an empty file is a database SQLite will write
    CHECK_FALSE(database_path_problem((dir / "empty.sqlite").string()));
    std::ofstream(dir / "real.sqlite", std::ios::binary) << std::string("SQLite format 3\0", 16) << "rest";
    CHECK_FALSE(database_path_problem((dir / "real.sqlite").string()));
  }

  TEST_CASE("a missing folder, a folder, a file that is not a database are each named") {
    const auto dir = std::filesystem::temp_directory_path() / "pilesim_db_path_bad";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    CHECK(database_path_problem("/nonexistent/x/db.sqlite") ==
          "there is no folder '/nonexistent/x' to keep the database in");
    CHECK(database_path_problem(dir.string()) == "'" + dir.string() + "' is a folder, not a database file");
    std::ofstream(dir / "notes.txt") << "not a database";
    CHECK(database_path_problem((dir / "notes.txt").string()) ==
          "'" + (dir / "notes.txt").string() + "' exists and is not an SQLite database (it is left as it is)");
    std::ofstream(dir / "file") << "x";
    CHECK(database_path_problem((dir / "file" / "db.sqlite").string()) == "'" + (dir / "file").string() +
                                                                              "' is not a folder");
    CHECK(database_path_problem("") == "an empty path (use :memory: for no file)");
  }
}
