#include "tools/scenario_hash.hpp"

#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace pilesim::tools {

std::optional<std::string> scenario_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  unsigned char h[8];
  if (sodium_init() < 0) return std::nullopt;
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  std::string hex;
  char buf[3];
  for (unsigned char c : h) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    hex += buf;
  }
  return hex;
}

}  // namespace pilesim::tools
