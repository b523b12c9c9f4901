#include "contract/libsodium.hpp"

#include <sodium.h>

#include <cstdlib>

namespace pilesim::contract {

void ensure_libsodium() {
  static const int rc = sodium_init();
  if (rc < 0) std::abort();
}

}  // namespace pilesim::contract
