#include "server/api/http.hpp"

#include "tests/support/result_printing.hpp"
#include "tests/support/splitmix.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using namespace pilesim;

namespace {

http::request sample_request() {
  return {"POST", "/v1/sessions/7/bill", "Bearer tok-alice", "key-123", R"({"bill":"00ff"})"};
}

using test_support::splitmix;  // the same draws on every run and machine

}  // namespace

TEST_SUITE("server/api/http") {
  TEST_CASE("a request survives encode and decode with every field") {
    const auto req = sample_request();
    const std::string wire = http::encode(req);
    CHECK(wire.starts_with("POST /v1/sessions/7/bill HTTP/1.1\r\n"));
    CHECK(wire.find("Host: pilesim\r\n") != std::string::npos);
    CHECK(wire.find("Authorization: Bearer tok-alice\r\n") != std::string::npos);
    CHECK(wire.find("Idempotency-Key: key-123\r\n") != std::string::npos);
    CHECK(wire.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(wire.find("Content-Length: 15\r\n") != std::string::npos);
    auto back = http::decode_request(wire);
    REQUIRE(back);
    CHECK(back->method == req.method);
    CHECK(back->target == req.target);
    CHECK(back->authorization == req.authorization);
    CHECK(back->idempotency_key == req.idempotency_key);
    CHECK(back->body == req.body);
  }

  TEST_CASE("a GET without body or optional headers round-trips with Content-Length 0") {
    const http::request req{"GET", "/v1/wallet", "", "", ""};
    const std::string wire = http::encode(req);
    CHECK(wire.find("Content-Length: 0\r\n") != std::string::npos);
    CHECK(wire.find("Authorization") == std::string::npos);
    CHECK(wire.find("Idempotency-Key") == std::string::npos);
    auto back = http::decode_request(wire);
    REQUIRE(back);
    CHECK(back->method == "GET");
    CHECK(back->authorization.empty());
    CHECK(back->idempotency_key.empty());
    CHECK(back->body.empty());
  }

  TEST_CASE("a response carries a reason phrase and round-trips its status and body") {
    for (int status : {200, 201, 400, 401, 402, 403, 404, 409, 422, 500}) {
      const http::response res{status, R"({"error":"x","detail":"y"})"};
      const std::string wire = http::encode(res);
      CHECK(wire.starts_with("HTTP/1.1 " + std::to_string(status) + " "));
      auto back = http::decode_response(wire);
      REQUIRE(back);
      CHECK(back->status == status);
      CHECK(back->body == res.body);
    }
    CHECK(http::encode(http::response{201, "{}"}).starts_with("HTTP/1.1 201 Created\r\n"));
    CHECK(http::encode(http::response{422, "{}"}).starts_with("HTTP/1.1 422 Unprocessable Entity\r\n"));
    // A status without a standard reason phrase gets Beast's placeholder.
    CHECK(http::encode(http::response{299, "{}"}).starts_with("HTTP/1.1 299 <unknown-status>\r\n"));
  }

  TEST_CASE("encoding is deterministic") {
    CHECK(http::encode(sample_request()) == http::encode(sample_request()));
    CHECK(http::encode(http::response{409, "{}"}) == http::encode(http::response{409, "{}"}));
  }

  TEST_CASE("the exact bytes on the wire") {
    CHECK(http::encode(sample_request()) ==
          "POST /v1/sessions/7/bill HTTP/1.1\r\nHost: pilesim\r\nAuthorization: Bearer tok-alice\r\n"
          "Idempotency-Key: key-123\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
          R"({"bill":"00ff"})");
    CHECK(http::encode(http::request{"GET", "/v1/wallet", "Bearer t", "", ""}) ==
          "GET /v1/wallet HTTP/1.1\r\nHost: pilesim\r\nAuthorization: Bearer t\r\n"
          "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n");
    CHECK(http::encode(http::response{409, R"({"error":"conflict"})"}) ==
          "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n"
          R"({"error":"conflict"})");
    // A large body goes out whole and unchanged.
    const std::string big(http::body_len_max, 'b');
    const std::string wire = http::encode(http::response{200, big});
    CHECK(wire.size() == big.size() + std::string_view("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                                        "Content-Length: 65536\r\n\r\n").size());
    CHECK(wire.ends_with("\r\n\r\n" + big));
  }

  TEST_CASE("headers other than the known ones are ignored; the known ones are found in any case") {
    auto r = http::decode_request(
        "POST /v1/sessions HTTP/1.1\r\nX-Extra: 1\r\nidempotency-key: k1\r\nAUTHORIZATION: Bearer z\r\n"
        "Content-Length: 2\r\n\r\n{}");
    REQUIRE(r);
    CHECK(r->method == "POST");
    CHECK(r->target == "/v1/sessions");
    CHECK(r->authorization == "Bearer z");
    CHECK(r->idempotency_key == "k1");
    CHECK(r->body == "{}");
  }

  TEST_CASE("of repeated headers the first counts; a present but empty header is empty") {
    auto r = http::decode_request(
        "POST /v1/sessions HTTP/1.1\r\nAuthorization: Bearer first\r\nIdempotency-Key:\r\n"
        "authorization: Bearer second\r\nIdempotency-Key: later\r\nContent-Length: 0\r\n\r\n");
    REQUIRE(r);
    CHECK(r->authorization == "Bearer first");
    CHECK(r->idempotency_key.empty());
  }

  TEST_CASE("chunked bodies are joined") {
    auto rq = http::decode_request("POST /v1/sessions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "2\r\n{\"\r\n3\r\na\":\r\n2\r\n1}\r\n0\r\n\r\n");
    REQUIRE(rq);
    CHECK(rq->body == R"({"a":1})");
    auto rs = http::decode_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    REQUIRE(rs);
    CHECK(rs->body == "{}");
    CHECK(http::decode_request("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n").error() ==
          errc::truncated);
  }

  TEST_CASE("every proper prefix of a request is truncated, never accepted") {
    const std::string wire = http::encode(sample_request());
    for (std::size_t n = 0; n < wire.size(); ++n) {
      auto r = http::decode_request(std::string_view(wire).substr(0, n));
      REQUIRE_FALSE(r);
      CHECK_MESSAGE(r.error() == errc::truncated, "prefix length ", n);
    }
  }

  TEST_CASE("every proper prefix of a response is truncated, never accepted") {
    const std::string wire = http::encode(http::response{200, R"({"session":1})"});
    for (std::size_t n = 0; n < wire.size(); ++n) {
      auto r = http::decode_response(std::string_view(wire).substr(0, n));
      REQUIRE_FALSE(r);
      CHECK_MESSAGE(r.error() == errc::truncated, "prefix length ", n);
    }
  }

  TEST_CASE("bytes after the message are refused") {
    const std::string wire = http::encode(sample_request());
    auto r = http::decode_request(wire + "x");
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::trailing_bytes);
    auto two = http::decode_request(wire + wire);
    CHECK_FALSE(two);
    auto res = http::decode_response(http::encode(http::response{200, "{}"}) + "GET");
    CHECK_FALSE(res);
  }

  TEST_CASE("a body over body_len_max is too large") {
    http::request req = sample_request();
    req.body.assign(http::body_len_max + 1, 'a');
    auto r = http::decode_request(http::encode(req));
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::too_large);
    req.body.assign(http::body_len_max, 'a');
    CHECK(http::decode_request(http::encode(req)));
  }

  TEST_CASE("malformed start lines and headers are bad values") {
    for (std::string_view bad : {"GARBAGE\r\n\r\n", "POST /x HTTP/9.9\r\n\r\n", "POST /x HTTP/1.1\r\nNoColon\r\n\r\n",
                                 "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                                 "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
      auto r = http::decode_request(bad);
      REQUIRE_FALSE(r);
      CHECK_MESSAGE(r.error() == errc::bad_value, bad);
    }
    CHECK_FALSE(http::decode_response("HTTP/1.1 2000 Nope\r\nContent-Length: 0\r\n\r\n"));
  }

  TEST_CASE("a response without Content-Length runs to the end of the wire") {
    auto r = http::decode_response("HTTP/1.1 200 OK\r\n\r\n{\"a\":1}");
    REQUIRE(r);
    CHECK(r->body == "{\"a\":1}");
  }

  TEST_CASE("random bytes and mutated messages never crash the decoders") {
    splitmix rng{42};
    const std::string valid_req = http::encode(sample_request());
    const std::string valid_res = http::encode(http::response{201, R"({"session":7})"});
    std::size_t accepted = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string s;
      switch (i % 3) {
        case 0:  // pure noise
          s.resize(rng.below(200));
          for (auto& c : s) c = static_cast<char>(rng.next());
          break;
        case 1:  // a valid request with a few bytes changed, cut or duplicated
        case 2: {
          s = (i % 3 == 1) ? valid_req : valid_res;
          const std::size_t edits = 1 + rng.below(4);
          for (std::size_t e = 0; e < edits && !s.empty(); ++e) {
            const std::size_t at = rng.below(s.size());
            switch (rng.below(3)) {
              case 0: s[at] = static_cast<char>(rng.next()); break;
              case 1: s.erase(at, 1 + rng.below(8)); break;
              case 2: s.insert(at, s.substr(at, 1 + rng.below(8))); break;
            }
          }
        }
      }
      auto rq = http::decode_request(s);
      auto rs = http::decode_response(s);
      if (rq) {
        ++accepted;
        // Whatever was accepted must encode again to something that decodes to the same values.
        auto again = http::decode_request(http::encode(*rq));
        REQUIRE(again);
        CHECK(again->body == rq->body);
      }
      if (rs) ++accepted;
    }
    CHECK(accepted < 20000);
  }
}
