#include "server/api/api.hpp"

#include "tests/support/result_printing.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdint>
#include <random>
#include <string>

using namespace pilesim;

namespace {

bytes some_bytes(std::size_t n, std::uint8_t first) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(first + 37 * i);
  return b;
}

api::vehicle_info a_vehicle() { return {"V1", 60'000, 7'000}; }

}  // namespace

TEST_SUITE("server/api/json") {
  TEST_CASE("reservation bodies round-trip") {
    const api::reservation_request rq{"P1", 600'000'000, 0};
    auto rq2 = api::parse_reservation_request(api::to_json(rq));
    REQUIRE(rq2);
    CHECK(rq2->pile == "P1");
    CHECK(rq2->start_us == 600'000'000);
    CHECK(rq2->duration_us == 0);

    const api::reservation r{18'000'000'000'000'000'000ULL, "P1", "alice", 10, 20, "open"};
    auto r2 = api::parse_reservation(api::to_json(r));
    REQUIRE(r2);
    CHECK(r2->id == r.id);  // above INT64_MAX: ids travel as unsigned
    CHECK(r2->user == "alice");
    CHECK(r2->end_us == 20);
    CHECK(r2->state == "open");
  }

  TEST_CASE("session bodies round-trip with money as decimal strings and bytes as base64url") {
    const api::session_request rq{"P1", 3, a_vehicle(), money{5000}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}};
    const std::string text = api::to_json(rq);
    CHECK(text.find(R"("amount":"50.00")") != std::string::npos);
    auto rq2 = api::parse_session_request(text);
    REQUIRE(rq2);
    CHECK(rq2->reservation == 3);
    CHECK(rq2->vehicle.id == "V1");
    CHECK(rq2->vehicle.battery_wh == 60'000);
    CHECK(rq2->pile_challenge == rq.pile_challenge);
    CHECK(rq2->vehicle.max_ac_w == 7'000);
    CHECK(rq2->amount == money{5000});

    const api::session_started st{9, money{1234}, a_vehicle(), some_bytes(140, 0xab), some_bytes(32, 1), 77};
    const std::string st_text = api::to_json(st);
    CHECK(st_text.find(R"("frozen":"12.34")") != std::string::npos);
    CHECK(st_text.find('=') == std::string::npos);   // no padding
    CHECK(st_text.find('+') == std::string::npos);   // the URL-safe alphabet
    CHECK(st_text.find('/') == std::string::npos);
    auto st2 = api::parse_session_started(st_text);
    REQUIRE(st2);
    CHECK(st2->session == 9);
    CHECK(st2->frozen == money{1234});
    CHECK(st2->authorization == st.authorization);
    CHECK(st2->stop_secret == st.stop_secret);
    CHECK(st2->expires_at_us == 77);
  }

  TEST_CASE("uploads, reconciled, views, wallet and errors round-trip") {
    auto su = api::parse_started_upload(api::to_json(api::started_upload{some_bytes(90, 3)}));
    REQUIRE(su);
    CHECK(su->ack == some_bytes(90, 3));
    auto bu = api::parse_bill_upload(api::to_json(api::bill_upload{some_bytes(120, 4)}));
    REQUIRE(bu);
    CHECK(bu->bill == some_bytes(120, 4));

    api::reconciled rc{7, 6998, money{1260}, money{3740}, money{18740}, some_bytes(80, 5), 4'230'500'000};
    auto rc2 = api::parse_reconciled(api::to_json(rc));
    REQUIRE(rc2);
    CHECK(rc2->energy_wh == 6998);
    CHECK(rc2->charged == money{1260});
    CHECK(rc2->refunded == money{3740});
    REQUIRE(rc2->balance);
    CHECK(*rc2->balance == money{18740});
    CHECK(rc2->receipt == rc.receipt);
    rc.balance.reset();
    const std::string no_balance = api::to_json(rc);
    CHECK(no_balance.find("balance") == std::string::npos);
    auto rc3 = api::parse_reconciled(no_balance);
    REQUIRE(rc3);
    CHECK_FALSE(rc3->balance);

    auto sv = api::parse_session_view(
        api::to_json(api::session_view{7, "alice", "P1", "reconciled", money{5000}, money{1260}, 6998, "user"}));
    REQUIRE(sv);
    CHECK(sv->state == "reconciled");
    CHECK(sv->stop_reason == "user");
    CHECK(sv->charged == money{1260});

    auto w = api::parse_wallet(api::to_json(api::wallet{"bob", money{-5}, money{0}}));
    REQUIRE(w);
    CHECK(w->balance == money{-5});

    CHECK(api::to_json(api::error_body{"conflict", "taken"}) == R"({"error":"conflict","detail":"taken"})");
    auto e = api::parse_error_body(R"({"error":"conflict","detail":"taken"})");
    REQUIRE(e);
    CHECK(e->error == "conflict");
  }

  TEST_CASE("the exact text of every body") {
    CHECK(api::to_json(api::reservation_request{"P1", 600'000'000, -1}) ==
          R"({"pile":"P1","start_us":600000000,"duration_us":-1})");
    CHECK(api::to_json(api::reservation{18'000'000'000'000'000'000ULL, "P1", "alice", 10, 20, "open"}) ==
          R"({"id":18000000000000000000,"pile":"P1","user":"alice","start_us":10,"end_us":20,"state":"open"})");
    CHECK(api::to_json(api::session_request{"P1", 3, a_vehicle(), money{5000}}) ==
          R"({"pile":"P1","reservation":3,"vehicle":{"id":"V1","battery_wh":60000,"max_ac_w":7000},)"
          R"("amount":"50.00","challenge":"AAAAAAAAAAAAAAAAAAAAAA"})");
    CHECK(api::to_json(api::session_started{9, money{-1234}, a_vehicle(), bytes{0xfb, 0xff}, bytes{0}, 77}) ==
          R"({"session":9,"frozen":"-12.34","vehicle":{"id":"V1","battery_wh":60000,"max_ac_w":7000},)"
          R"("authorization":"-_8","stop_secret":"AA","expires_at_us":77})");
    CHECK(api::to_json(api::started_upload{bytes{1, 2, 3}}) == R"({"ack":"AQID"})");
    CHECK(api::to_json(api::reconciled{7, 6998, money{1260}, money{3740}, money{18740}, bytes{}, INT64_MIN}) ==
          R"({"session":7,"energy_wh":6998,"charged":"12.60","refunded":"37.40","balance":"187.40",)"
          R"("receipt":"","reconciled_at_us":-9223372036854775808})");
    CHECK(api::to_json(api::session_view{7, "alice", "P1", "reconciled", money{5000}, money{0}, 0, ""}) ==
          R"({"session":7,"user":"alice","pile":"P1","state":"reconciled","frozen":"50.00","charged":"0.00",)"
          R"("energy_wh":0,"stop_reason":""})");
    CHECK(api::to_json(api::wallet{"bob", money{-5}, money{0}}) ==
          R"({"user":"bob","balance":"-0.05","held":"0.00"})");
    CHECK(api::to_json(api::error_body{"", ""}) == R"({"error":"","detail":""})");
  }

  TEST_CASE("strings are escaped where JSON needs it and come back unchanged") {
    CHECK(api::to_json(api::error_body{"a\"b\\c/d", "tab\there\nnl\x01\x1f\x7f"}) ==
          "{\"error\":\"a\\\"b\\\\c/d\",\"detail\":\"tab\\there\\nnl\\u0001\\u001f\x7f\"}");
    CHECK(api::to_json(api::error_body{"caf\xc3\xa9", std::string("nul\0in", 6)}) ==
          "{\"error\":\"caf\xc3\xa9\",\"detail\":\"nul\\u0000in\"}");
    for (int c = 0; c < 128; ++c) {  // every ASCII character, alone and amid plain text
      const std::string one(1, static_cast<char>(c));
      const api::error_body e{one, "x" + one + "y"};
      auto back = api::parse_error_body(api::to_json(e));
      REQUIRE_MESSAGE(back, c);
      CHECK(back->error == e.error);
      CHECK(back->detail == e.detail);
    }
  }

  TEST_CASE("invalid JSON and non-objects are bad values") {
    for (std::string_view bad : {"", "{", "[]", "42", "\"x\"", "null", "{\"pile\":\"P1\",}", "{'pile':'P1'}"}) {
      auto r = api::parse_reservation_request(bad);
      REQUIRE_FALSE(r);
      CHECK(r.error() == errc::bad_value);
    }
  }

  TEST_CASE("the document is one object and nothing after it") {
    const std::string ok = R"({"pile":"P1","start_us":1,"duration_us":0})";
    CHECK(api::parse_reservation_request(ok));
    CHECK(api::parse_reservation_request(" \n\t" + ok + " \r\n"));
    for (const std::string& bad : {ok + " x", ok + ok, ok + ",", "[" + ok + "]", ok.substr(0, ok.size() - 1),
                                   std::string(R"({"pile":"P1","start_us":1,"duration_us":0)") + "\"}"}) {
      auto r = api::parse_reservation_request(bad);
      CHECK_MESSAGE(!r, bad);
      if (!r) CHECK(r.error() == errc::bad_value);
    }
    // Invalid UTF-8 and over-deep nesting are refused even inside a field nobody reads.
    CHECK_FALSE(api::parse_reservation_request(std::string(R"({"pile":"P1","start_us":1,"duration_us":0,"x":")") +
                                               "\xff\"}"));
    std::string deep = R"({"pile":"P1","start_us":1,"duration_us":0,"x":)";
    for (int i = 0; i < 40; ++i) deep += "[";
    for (int i = 0; i < 40; ++i) deep += "]";
    CHECK_FALSE(api::parse_reservation_request(deep + "}"));
  }

  TEST_CASE("unknown fields of any shape are skipped; of a repeated key the last counts; escapes are decoded") {
    auto r = api::parse_reservation_request(
        R"({"extra":{"pile":"X","start_us":9,"inner":{"duration_us":5}},"list":[{"pile":"Y"},"pile",1,[2]],)"
        R"("pile":"P\u0031","start_us":1,"duration_us":7,"flag":true,"nothing":null,"ratio":0.5,"start_us":2})");
    REQUIRE(r);
    CHECK(r->pile == "P1");
    CHECK(r->start_us == 2);
    CHECK(r->duration_us == 7);
    // The first spelling of a key being the right type does not save a later wrong one.
    CHECK_FALSE(api::parse_reservation_request(R"({"pile":"P1","start_us":1,"duration_us":0,"pile":2})"));
    CHECK(api::parse_reservation_request(R"({"pile":2,"start_us":1,"duration_us":0,"pile":"P1"})"));
    // A nested object is read only where it is expected.
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":0,"id":"V1","battery_wh":1,"max_ac_w":2,"amount":"1.00"})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":0,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2,"amount":"1.00"}})"));
    // Long strings full of escapes arrive from the parser in pieces and are joined.
    std::string detail;
    for (int i = 0; i < 3000; ++i) detail += i % 3 == 0 ? "\"" : i % 3 == 1 ? "\\" : "\n\u00e9";
    auto e = api::parse_error_body(api::to_json(api::error_body{"x\ty", detail}));
    REQUIRE(e);
    CHECK(e->error == "x\ty");
    CHECK(e->detail == detail);
    auto k = api::parse_error_body(R"({"\u0065rror":"a","det\u0061il":"b"})");
    REQUIRE(k);
    CHECK(k->error == "a");
    CHECK(k->detail == "b");
  }

  TEST_CASE("a missing or mistyped field is a bad value") {
    CHECK_FALSE(api::parse_reservation_request(R"({"pile":"P1","start_us":1})"));
    CHECK_FALSE(api::parse_reservation_request(R"({"pile":"P1","start_us":"1","duration_us":0})"));
    CHECK_FALSE(api::parse_reservation_request(R"({"pile":"P1","start_us":1.5,"duration_us":0})"));
    CHECK_FALSE(api::parse_reservation_request(R"({"pile":"P1","start_us":1e3,"duration_us":0})"));
    CHECK_FALSE(api::parse_reservation_request(R"({"pile":7,"start_us":1,"duration_us":0})"));
    CHECK_FALSE(api::parse_reservation_request(R"({"pile":"P1","start_us":18446744073709551615,"duration_us":0})"));
    CHECK(api::parse_reservation_request(R"({"pile":"P1","start_us":1,"duration_us":0,"extra":true})"));

    const std::string ok =
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":0,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},"amount":"1.00"})";
    CHECK(api::parse_session_request(ok));
    // The pile's challenge is 16 bytes, and a start needs it.
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","reservation":0,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},"amount":"1.00"})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAA",)"
        R"("reservation":0,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},"amount":"1.00"})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":-1,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},"amount":"1.00"})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":0,"vehicle":{"id":"V1","battery_wh":1},"amount":"1.00"})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA","reservation":0,"vehicle":"V1","amount":"1.00"})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":0,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},"amount":1})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":0,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},"amount":"1.001"})"));
    CHECK_FALSE(api::parse_session_request(
        R"({"pile":"P1","challenge":"AAAAAAAAAAAAAAAAAAAAAA",)"
        R"("reservation":0,"vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},"amount":"1e2"})"));
  }

  TEST_CASE("bytes are unpadded base64url with the URL-safe alphabet") {
    CHECK(api::to_json(api::bill_upload{bytes{0xfb, 0xff}}) == R"({"bill":"-_8"})");
    CHECK(api::to_json(api::bill_upload{bytes{0x00, 0xaa, 0xff}}) == R"({"bill":"AKr_"})");
    CHECK(api::to_json(api::bill_upload{bytes{0x00}}) == R"({"bill":"AA"})");
    CHECK(api::to_json(api::bill_upload{bytes{}}) == R"({"bill":""})");
    for (std::size_t n = 0; n <= 70; ++n) {  // every remainder of n / 3, and lengths past one 64-byte chunk
      const bytes b = some_bytes(n, static_cast<std::uint8_t>(n));
      auto back = api::parse_bill_upload(api::to_json(api::bill_upload{b}));
      REQUIRE(back);
      CHECK(back->bill == b);
    }
    auto b = api::parse_bill_upload(R"({"bill":"-_-_"})");
    REQUIRE(b);
    CHECK(b->bill == bytes{0xfb, 0xff, 0xbf});
  }

  TEST_CASE("malformed base64url is a bad value") {
    CHECK(api::parse_bill_upload(R"({"bill":"AKr_"})"));
    CHECK(api::parse_bill_upload(R"({"bill":""})"));
    for (std::string_view bad : {
             R"({"bill":"A"})",          // one character cannot hold a byte
             R"({"bill":"AKr_A"})",      // nor can a lone character after a full group
             R"({"bill":"AA=="})",       // padding
             R"({"bill":"AA="})",
             R"({"bill":"-_8="})",
             R"({"bill":"+/8"})",        // the standard alphabet, not the URL-safe one
             R"({"bill":"-_9"})",        // unused low bits set: a second spelling of fb ff
             R"({"bill":"AB"})",
             R"({"bill":"AK r_"})",      // whitespace inside
             R"({"bill":" AKr_"})",
             R"({"bill":"AKr_\n"})",
             R"({"bill":"AKr_\u0000"})", // trailing garbage after a valid prefix
             R"({"bill":"AKr_!"})",
             R"({"bill":"AK\u00e9r"})",  // a character outside ASCII
         }) {
      auto r = api::parse_bill_upload(bad);
      CHECK_MESSAGE(!r, bad);
      if (!r) CHECK(r.error() == errc::bad_value);
    }
    CHECK_FALSE(api::parse_bill_upload(R"({"bill":["AA"]})"));
    CHECK_FALSE(api::parse_bill_upload(R"({"bill":null})"));
    CHECK_FALSE(api::parse_bill_upload(R"({"bill":0})"));
    CHECK_FALSE(api::parse_started_upload(R"({"bill":"AA"})"));

    // A stop secret that decodes cleanly but to the wrong length is refused too.
    const std::string head = R"({"session":1,"frozen":"0.01","vehicle":{"id":"V1","battery_wh":1,"max_ac_w":2},)"
                             R"("authorization":"","expires_at_us":0,"stop_secret":")";
    CHECK(api::parse_session_started(head + std::string(43, 'A') + "\"}"));       // 32 bytes
    CHECK_FALSE(api::parse_session_started(head + std::string(42, 'A') + "\"}"));  // 31 bytes
    CHECK_FALSE(api::parse_session_started(head + std::string(44, 'A') + "\"}"));  // 33 bytes
    CHECK_FALSE(api::parse_session_started(head + std::string(40, 'A') + "\"}"));  // 30 bytes
  }

  TEST_CASE("the base64url codec gives libsodium's answers, for good and bad text alike") {
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::mt19937 rng(20261123);  // fixed: the same cases every run
    for (std::size_t n = 0; n <= 100; ++n) {
      bytes b(n + 1);  // one spare byte: libsodium wants a real pointer even for nothing
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
      std::string want(sodium_base64_ENCODED_LEN(n, variant), '\0');
      sodium_bin2base64(want.data(), want.size(), b.data(), n, variant);
      b.resize(n);
      want.pop_back();
      CHECK(api::to_json(api::bill_upload{b}) == R"({"bill":")" + want + R"("})");
    }
    // Strings that JSON carries unescaped: mostly the alphabet, now and then a character from outside it.
    const std::string good = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::string odd = "+/= .~*!";
    int accepted = 0, refused = 0;
    for (int round = 0; round < 4000; ++round) {
      std::string text(rng() % 13, 'A');
      for (auto& c : text) c = rng() % 40 == 0 ? odd[rng() % odd.size()] : good[rng() % good.size()];
      bytes want(text.size() + 1);  // a real pointer also for empty text
      std::size_t want_len = 0;
      const bool sodium_ok =
          sodium_base642bin(want.data(), want.size(), text.data(), text.size(), nullptr, &want_len, nullptr,
                            variant) == 0;
      want.resize(want_len);
      auto got = api::parse_bill_upload(R"({"bill":")" + text + R"("})");
      CHECK_MESSAGE(got.has_value() == sodium_ok, text);
      if (got && sodium_ok) CHECK_MESSAGE(got->bill == want, text);
      if (!got) CHECK(got.error() == errc::bad_value);
      (sodium_ok ? accepted : refused)++;
    }
    CHECK(accepted > 500);  // both sides of the line were exercised
    CHECK(refused > 500);
  }

  TEST_CASE("an optional balance may be absent but not null or mistyped; a stop secret is 32 bytes") {
    const std::string base =
        R"("session":1,"energy_wh":2,"charged":"0.01","refunded":"0.00","receipt":"","reconciled_at_us":3)";
    CHECK(api::parse_reconciled("{" + base + "}"));
    CHECK(api::parse_reconciled("{" + base + R"(,"balance":"1.00"})"));
    CHECK_FALSE(api::parse_reconciled("{" + base + R"(,"balance":null})"));
    CHECK_FALSE(api::parse_reconciled("{" + base + R"(,"balance":100})"));

    api::session_started st{1, money{1}, a_vehicle(), {}, some_bytes(31, 0), 0};
    CHECK_FALSE(api::parse_session_started(api::to_json(st)));
    st.stop_secret = some_bytes(32, 0);
    CHECK(api::parse_session_started(api::to_json(st)));
  }
}
