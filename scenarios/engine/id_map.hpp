// Maps keyed by an id (a pile's, a user's, a site's), hashed, looked up with a string_view without making a
// string. Never iterated where the order could reach a run: whatever walks ids in order keeps its own list.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace pilesim::scenarios {

struct id_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class V>
using id_map = std::unordered_map<std::string, V, id_hash, std::equal_to<>>;
using id_set = std::unordered_set<std::string, id_hash, std::equal_to<>>;

}  // namespace pilesim::scenarios
