#include "server/stop_secret.hpp"

#include "contract/keys.hpp"

#include <sodium.h>

#include <array>
#include <string_view>

namespace pilesim::server {

key32 stop_secret_for(const service_config& config, std::uint64_t session_id) {
  if (!config.server_secret) return contract::derive_stop_secret(config.seed, session_id);
  constexpr std::string_view label = "pilesim/stop-key";
  std::array<std::uint8_t, label.size() + 8> in{};
  for (std::size_t i = 0; i < label.size(); ++i) in[i] = static_cast<std::uint8_t>(label[i]);
  for (std::size_t i = 0; i < 8; ++i) in[label.size() + i] = static_cast<std::uint8_t>(session_id >> (8 * i));
  key32 out{};
  crypto_generichash(out.data(), out.size(), in.data(), in.size(), config.server_secret->data(),
                     config.server_secret->size());
  return out;
}

}  // namespace pilesim::server
