// The run's trace: a pinned hash for a fixed event sequence, a different hash for any change of any part of
// an event, a hash that does not depend on writing, and the exact JSON line with escaping.
#include "sim/trace.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <sstream>
#include <string>

using namespace pilesim::sim;

namespace {

// A small fixed sequence; `variant` changes one thing in it (0: none).
void record(trace& t, int variant) {
  t.event(variant == 1 ? 1 : 0, "kernel", "start");
  t.event(1500, variant == 2 ? "ble/P2" : "ble/P1", variant == 3 ? "dup" : "drop",
          {{variant == 4 ? "to" : "from", 0}, {"bytes", variant == 5 ? 21 : 20}, {"why", variant == 6 ? "down" : "loss"}});
  if (variant == 7) {
    t.event(2 * sec, "pile/P1", "state", {{"to", "charging"}, {"energy_wh", "-5"}});  // text instead of number
  } else if (variant == 8) {
    t.event(2 * sec, "pile/P1", "state", {{"energy_wh", std::int64_t{-5}}, {"to", "charging"}});  // fields swapped
  } else if (variant == 9) {
    t.event(2 * sec, "pile/P1", "state", {{"to", "charging"}});  // one field fewer
  } else if (variant == 10) {
    t.event(2 * sec, "pile/P1", "state", {{"to", "charging"}, {"energy_wh", std::int64_t{-5}}, {"x", 0}});
  } else {
    t.event(2 * sec, "pile/P1", "state", {{"to", "charging"}, {"energy_wh", std::int64_t{-5}}});
  }
  if (variant == 11) t.event(3 * sec, "kernel", "end");  // one event more
}

std::string hash_of(int variant) {
  trace t;
  record(t, variant);
  return t.hash_hex();
}

}  // namespace

TEST_SUITE("sim/trace") {
  TEST_CASE("an empty trace has the initial hash") {
    trace t;
    CHECK(t.count() == 0);
    CHECK(t.hash_hex() == "243f6a8885a308d3");
    CHECK(t.hash() == 0x243f6a8885a308d3ULL);
  }

  TEST_CASE("the hash of a fixed event sequence is pinned") {
    trace t;
    record(t, 0);
    CHECK(t.count() == 3);
    CHECK(t.hash_hex() == "fa2de5536b79e88f");
    CHECK(t.hash_hex().size() == 16);
  }

  TEST_CASE("the hash differs when any part of any event changes") {
    std::set<std::string> hashes;
    for (int variant = 0; variant <= 11; ++variant) {
      CAPTURE(variant);
      CHECK(hashes.insert(hash_of(variant)).second);
    }
    CHECK(hashes.size() == 12);
  }

  TEST_CASE("text is hashed whole: every byte, the length, and where one field ends and the next begins") {
    // Texts are mixed eight bytes at a time with a zero-padded last word: a trailing NUL, a changed byte in
    // any position of any length up to three words, or a byte moved between two fields must all show.
    auto hash_text = [](std::string_view key, std::string_view value) {
      trace t;
      t.event(0, "a", "k", {{key, value}});
      return t.hash();
    };
    std::set<std::uint64_t> seen;
    std::size_t made = 0;
    for (std::size_t len = 0; len <= 24; ++len) {
      const std::string base(len, 'x');
      seen.insert(hash_text("f", base));
      ++made;
      for (std::size_t i = 0; i < len; ++i) {
        std::string changed = base;
        changed[i] = 'y';
        seen.insert(hash_text("f", changed));
        ++made;
      }
    }
    CHECK(seen.size() == made);
    CHECK(hash_text("f", "a") != hash_text("f", std::string("a\0", 2)));
    CHECK(hash_text("ab", "c") != hash_text("a", "bc"));
  }

  TEST_CASE("the hash depends on the order of events") {
    trace a;
    a.event(1, "x", "one");
    a.event(1, "x", "two");
    trace b;
    b.event(1, "x", "two");
    b.event(1, "x", "one");
    CHECK(a.hash() != b.hash());
    CHECK(a.count() == b.count());
  }

  TEST_CASE("text is hashed with its length, so moving bytes between texts changes the hash") {
    trace a;
    a.event(0, "ab", "c");
    trace b;
    b.event(0, "a", "bc");
    CHECK(a.hash() != b.hash());
  }

  TEST_CASE("writing JSON lines does not change the hash") {
    trace quiet;
    record(quiet, 0);
    std::ostringstream out;
    trace loud;
    loud.write_to(&out);
    record(loud, 0);
    CHECK(loud.hash() == quiet.hash());
    CHECK(loud.count() == quiet.count());
    CHECK_FALSE(out.str().empty());
  }

  TEST_CASE("one event is one exact JSON line, with escaping") {
    std::ostringstream out;
    trace t;
    t.write_to(&out);
    t.event(-42, "ble/\"P1\"", "rx",
            {{"n", -7}, {"text", "a\\b\nc\td\re\x01\x1f/\xc3\xa9"}, {"u", std::uint64_t{5}}, {"empty", ""}});
    CHECK(out.str() ==
          R"({"t_us":-42,"actor":"ble/\"P1\"","kind":"rx","n":-7,"text":"a\\b\nc\td\re\u0001\u001f/)"
          "\xc3\xa9"
          R"(","u":5,"empty":""})"
          "\n");
  }

  TEST_CASE("an event without fields is a JSON line with time, actor and kind only") {
    std::ostringstream out;
    trace t;
    t.write_to(&out);
    t.event(0, "kernel", "start");
    CHECK(out.str() == "{\"t_us\":0,\"actor\":\"kernel\",\"kind\":\"start\"}\n");
  }

  TEST_CASE("write_to(nullptr) stops writing but keeps hashing") {
    std::ostringstream out;
    trace t;
    t.write_to(&out);
    t.event(1, "a", "b");
    const std::string first = out.str();
    t.write_to(nullptr);
    const std::uint64_t before = t.hash();
    t.event(2, "a", "b");
    CHECK(out.str() == first);
    CHECK(t.hash() != before);
    CHECK(t.count() == 2);
  }
}
