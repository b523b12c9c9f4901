// What is wrong with a `--db FILE` path, said before SQLite is asked to open it (SQLite's own answer reaches the
// command only as "bad value"): a missing folder, a folder given as the file, a file that is not a database, a
// place that cannot be written. It only looks; it never creates, opens for writing or removes anything.
#pragma once

#include <optional>
#include <string>

namespace pilesim::tools {

// Nothing when `path` can hold the server's SQLite database (":memory:" always can), else the reason in words.
std::optional<std::string> database_path_problem(const std::string& path);

}  // namespace pilesim::tools
