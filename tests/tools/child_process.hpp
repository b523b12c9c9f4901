// A program run as a child process with its stdout and stderr on pipes, for tests that talk to a long-running
// pilesim command (serve) while it runs, signal it, and check how it ends. Reads never block past a deadline.
// Test support only: it forks and waits, which no library of pilesim may do.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pilesim::testing {

class child_process {
 public:
  explicit child_process(const std::vector<std::string>& argv);
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();  // kills (SIGKILL) and reaps a child still running

  // Reads stdout until a line starting with `prefix` has come; that line, or empty at EOF or after `wait`.
  std::string read_line_starting(const std::string& prefix, std::chrono::milliseconds wait);
  // Everything read from stdout and stderr so far.
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  void signal(int sig);
  // Waits for the child to end, reading its output meanwhile; its exit code, -1 when killed by a signal, or
  // nullopt if it did not end within `wait`.
  std::optional<int> wait_exit(std::chrono::milliseconds wait);

 private:
  // Reads whatever the pipes have within `wait`; false once both are at EOF.
  bool pump(std::chrono::milliseconds wait);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::size_t out_scanned_ = 0;  // stdout before this offset holds only lines already looked at
  std::optional<int> exit_code_;
};

}  // namespace pilesim::testing
