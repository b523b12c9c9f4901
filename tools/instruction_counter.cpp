#include "tools/instruction_counter.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace pilesim::tools {
namespace {

#if defined(__linux__)
std::string paranoid_setting() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string v;
  if (!(in >> v)) return "unknown";
  return v;
}

std::string why(int err) {
  switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
      return "this CPU or virtual machine exposes no instruction counter (perf_event_open: " +
             std::string(std::strerror(err)) + ")";
    case EACCES:
    case EPERM:
      return "perf_event_open refused (" + std::string(std::strerror(err)) +
             "; kernel.perf_event_paranoid = " + paranoid_setting() + ", at most 2 counts a process's own user space)";
    case ENOSYS:
      return "perf_event_open is not available in this kernel or is filtered (" + std::string(std::strerror(err)) +
             ")";
    default:
      return "perf_event_open failed: " + std::string(std::strerror(err));
  }
}
#endif

}  // namespace

instruction_counter::~instruction_counter() {
#if defined(__linux__)
  if (fd_ >= 0) ::close(fd_);
#endif
}

std::optional<std::string> instruction_counter::open() {
#if defined(__linux__)
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_INSTRUCTIONS;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const long fd = ::syscall(SYS_perf_event_open, &attr, 0 /* this thread */, -1 /* any CPU */, -1, 0UL);
  if (fd < 0) return why(errno);
  fd_ = static_cast<int>(fd);
  return std::nullopt;
#else
  return std::string("instruction counting is implemented for Linux only");
#endif
}

void instruction_counter::start() {
#if defined(__linux__)
  if (fd_ < 0) return;
  ::ioctl(fd_, PERF_EVENT_IOC_RESET, 0);
  ::ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
#endif
}

std::uint64_t instruction_counter::stop() {
#if defined(__linux__)
  if (fd_ < 0) return 0;
  ::ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
  std::uint64_t count = 0;
  if (::read(fd_, &count, sizeof count) != static_cast<ssize_t>(sizeof count)) return 0;
  return count;
#else
  return 0;
#endif
}

}  // namespace pilesim::tools
