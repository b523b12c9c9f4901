// Runs the real pilesim binary as users and CI do (through the shell, stderr folded in or dropped) for the CLI
// test files, with the temporary files they write. Nothing here judges an outcome: the tests do.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

// A run with what it cost: the CPU seconds (user + system) and the peak resident memory of the command and
// everything it started, from wait4(2). Bounds on these hold on a loaded machine, where wall time does not.
struct ran_measured : ran {
  double cpu_s = 0;
  long max_rss_kib = 0;
};

inline ran_measured pilesim_measured(const std::string& args) {
  const std::string cmd = std::string(PILESIM_EXE) + " " + args + " 2>&1";
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  ran_measured r;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage ru{};
  REQUIRE(wait4(pid, &status, 0, &ru) == pid);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.max_rss_kib = ru.ru_maxrss;
  return r;
}

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
