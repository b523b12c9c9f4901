#include "sim/error.hpp"

#include <string>

namespace pilesim {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "pilesim"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok: return "ok";
      case errc::timeout: return "timed out";
      case errc::cancelled: return "cancelled";
      case errc::disconnected: return "disconnected";
      case errc::link_down: return "link down";
      case errc::mailbox_full: return "mailbox full";
      case errc::too_large: return "too large";
      case errc::truncated: return "truncated";
      case errc::bad_length: return "bad length";
      case errc::bad_field: return "bad field";
      case errc::bad_checksum: return "bad checksum";
      case errc::bad_mac: return "bad mac";
      case errc::trailing_bytes: return "trailing bytes";
      case errc::expired: return "expired";
      case errc::wrong_pile: return "wrong pile";
      case errc::replayed: return "replayed";
      case errc::not_yet_valid: return "not yet valid";
      case errc::bad_value: return "bad value";
    }
    return "unknown pilesim error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& pilesim_category() noexcept {
  static const category c;
  return c;
}

}  // namespace pilesim
