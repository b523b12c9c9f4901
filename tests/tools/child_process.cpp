#include "tests/tools/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace pilesim::testing {
namespace {

using clock_type = std::chrono::steady_clock;

int remaining_ms(clock_type::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

child_process::child_process(const std::vector<std::string>& argv) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

child_process::~child_process() {
  if (!exit_code_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool child_process::pump(std::chrono::milliseconds wait) {
  pollfd fds[2];
  nfds_t n = 0;
  std::string* sinks[2];
  int* fd_of[2];
  for (auto [fd, sink] : {std::pair{&out_fd_, &out_}, std::pair{&err_fd_, &err_}}) {
    if (*fd < 0) continue;
    fds[n] = {*fd, POLLIN, 0};
    sinks[n] = sink;
    fd_of[n] = fd;
    ++n;
  }
  if (n == 0) return false;
  if (::poll(fds, n, static_cast<int>(wait.count())) <= 0) return true;
  for (nfds_t i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[4096];
    const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
    if (got > 0) {
      sinks[i]->append(buf, static_cast<std::size_t>(got));
    } else {
      ::close(*fd_of[i]);
      *fd_of[i] = -1;
    }
  }
  return true;
}

std::string child_process::read_line_starting(const std::string& prefix, std::chrono::milliseconds wait) {
  const auto deadline = clock_type::now() + wait;
  for (;;) {
    for (std::size_t end; (end = out_.find('\n', out_scanned_)) != std::string::npos; out_scanned_ = end + 1) {
      const std::string line = out_.substr(out_scanned_, end - out_scanned_);
      if (line.rfind(prefix, 0) == 0) {
        out_scanned_ = end + 1;
        return line;
      }
    }
    if (remaining_ms(deadline) == 0 || !pump(std::chrono::milliseconds(remaining_ms(deadline)))) return {};
  }
}

void child_process::signal(int sig) {
  if (!exit_code_) ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds wait) {
  const auto deadline = clock_type::now() + wait;
  while (!exit_code_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (remaining_ms(deadline) == 0) return std::nullopt;
    if (!pump(std::chrono::milliseconds(std::min(remaining_ms(deadline), 20)))) ::usleep(20'000);
  }
  while (pump(std::chrono::milliseconds(1000))) {
  }
  return exit_code_;
}

}  // namespace pilesim::testing
