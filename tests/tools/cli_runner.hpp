// Runs the real pilesim binary as users and CI do (through the shell, stderr folded in or dropped) for the CLI
// test files, with the temporary files they write. Nothing here judges an outcome: the tests do.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace cli_test {

struct ran {
  int code = -1;
  std::string out;
};

// Runs `args` through the shell with stderr folded into stdout, or dropped (for stdout alone: JSON).
inline ran pilesim(const std::string& args, bool with_stderr = true) {
  const std::string cmd = std::string(PILESIM_EXE) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  ran r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline ran pilesim_stdout(const std::string& args) { return pilesim(args, false); }

inline std::string scenario(const std::string& name) { return std::string(PILESIM_SCENARIOS) + "/" + name; }

inline std::string temp_file(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("pilesim_cli_" + name);
  std::ofstream(path) << text;
  return path.string();
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("pilesim_cli_" + name)).string();
}

}  // namespace cli_test
