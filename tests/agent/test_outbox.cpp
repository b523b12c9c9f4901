// The outbox: bounded, no duplicates, no bill whose receipt is already held, oldest due item first.
#include "agent/outbox.hpp"

#include <doctest/doctest.h>

using namespace pilesim;
using namespace pilesim::agent;

namespace {

upload bill_for(std::uint64_t session, std::uint8_t tag, sim::time_us next_try_us = 0) {
  upload u;
  u.kind = upload_kind::bill;
  u.session = session;
  u.pile = "P1";
  u.sealed = bytes{tag, 1, 2, 3};
  u.idempotency_key = "k" + std::to_string(session);
  u.next_try_us = next_try_us;
  return u;
}

}  // namespace

TEST_SUITE("agent/outbox") {
  TEST_CASE("refuses a duplicate bill and a bill already receipted") {
    outbox box(4, 4);
    CHECK(box.add(bill_for(1, 0xA1)) == add_result::added);
    CHECK(box.add(bill_for(1, 0xA1)) == add_result::duplicate);
    CHECK(box.add_receipt({"P1", 2, bytes{9}}) == add_result::added);
    CHECK(box.add(bill_for(2, 0xA2)) == add_result::duplicate);
    CHECK(box.uploads() == 1);
    CHECK(box.add_receipt({"P1", 2, bytes{9}}) == add_result::duplicate);
  }

  TEST_CASE("is bounded and never drops an item it accepted") {
    outbox box(2, 1);
    CHECK(box.add(bill_for(1, 1)) == add_result::added);
    CHECK(box.add(bill_for(2, 2)) == add_result::added);
    CHECK(box.add(bill_for(3, 3)) == add_result::full);
    CHECK(box.uploads() == 2);
    CHECK(box.add_receipt({"P1", 1, bytes{1}}) == add_result::added);
    CHECK(box.add_receipt({"P1", 2, bytes{2}}) == add_result::full);
  }

  TEST_CASE("gives the oldest due item and the earliest retry time") {
    outbox box(8, 8);
    REQUIRE(box.add(bill_for(1, 1, 500)) == add_result::added);
    REQUIRE(box.add(bill_for(2, 2, 100)) == add_result::added);
    REQUIRE(box.add(bill_for(3, 3, 100)) == add_result::added);
    CHECK(box.next_due(50) == nullptr);
    REQUIRE(box.next_due(100) != nullptr);
    CHECK(box.next_due(100)->session == 2);
    CHECK(box.next_due(1000)->session == 1);
    CHECK(box.next_try() == 100);
    box.remove(box.next_due(100)->id);
    CHECK(box.next_due(100)->session == 3);
    CHECK(box.receipt_for("P1") == nullptr);
    REQUIRE(box.add_receipt({"P1", 5, bytes{5}}) == add_result::added);
    REQUIRE(box.add_receipt({"P2", 6, bytes{6}}) == add_result::added);
    CHECK(box.receipt_for("P2")->session == 6);
    box.remove_receipt("P2", 6);
    CHECK(box.receipt_for("P2") == nullptr);
    CHECK(box.receipts() == 1);
  }
}
