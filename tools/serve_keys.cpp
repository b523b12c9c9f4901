#include "tools/serve_keys.hpp"

#include "contract/keys.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace pilesim::tools {
namespace {

key32 random_key() {
  key32 k{};
  randombytes_buf(k.data(), k.size());
  return k;
}

}  // namespace

key_source key_source::random() {
  if (sodium_init() < 0) std::abort();  // no randomness to be had: nothing safe can be provisioned
  return key_source{};
}

key_source key_source::from_seed(std::uint64_t seed) {
  key_source s;
  s.deterministic_ = true;
  s.seed_ = seed;
  return s;
}

key32 key_source::pile_key(std::string_view pile) const {
  return deterministic_ ? contract::derive_pile_key(seed_, pile) : random_key();
}

std::string key_source::user_token(std::string_view user) const {
  if (deterministic_) return contract::derive_user_token(seed_, user);
  const key32 k = random_key();
  return to_hex(k);
}

std::optional<key32> key_source::server_secret() const {
  if (deterministic_) return std::nullopt;
  return random_key();
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

result<void> write_keys_file(const std::string& path, const provisioned_keys& keys) {
  boost::json::object piles, users;
  for (const auto& [id, key] : keys.piles) piles[id] = to_hex(key);
  for (const auto& [id, token] : keys.users) users[id] = token;
  boost::json::object doc;
  doc["piles"] = std::move(piles);
  doc["users"] = std::move(users);
  const std::string text = boost::json::serialize(doc) + "\n";
  // Created 0600, and narrowed to it if it existed: the file holds every secret a client or pile needs.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errc::bad_value;
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok) return errc::bad_value;
  return {};
}

}  // namespace pilesim::tools
