// Teaches doctest to print pilesim::result<T> in failed checks ("value" or the error's message).
// Without it doctest picks Boost's unconstrained operator<<, which does not compile for our plain structs.
// Test code only: no library includes it, and it prints; it never changes what a check compares.
#pragma once

#include "sim/error.hpp"

#include <doctest/doctest.h>

namespace doctest {

template <class T>
struct StringMaker<boost::system::result<T, boost::system::error_code>> {
  static String convert(const boost::system::result<T, boost::system::error_code>& r) {
    if (r) return "value";
    return String(("error: " + r.error().message()).c_str());
  }
};

template <>
struct StringMaker<boost::system::result<void, boost::system::error_code>> {
  static String convert(const boost::system::result<void, boost::system::error_code>& r) {
    if (r) return "ok";
    return String(("error: " + r.error().message()).c_str());
  }
};

}  // namespace doctest
