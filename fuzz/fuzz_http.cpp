// libFuzzer target: the server as the WAN delivers to it. The input is up to 16 timed requests
// (corpus_format.hpp); each goes raw through Beast's parser (a refusal is the server's 400) and then the
// service's handler, on a fresh in-memory SQLite database provisioned like a seed-1 scenario world. After every
// request: no 5xx, money conserved, the ledger's own audit clean, no session charged above what it froze or
// settled twice.
#include "contract/keys.hpp"
#include "fuzz/corpus_format.hpp"
#include "server/api/http.hpp"
#include "server/database.hpp"
#include "server/service.hpp"
#include "sim/time.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace pilesim;

namespace {

constexpr std::uint64_t world_seed = 1;  // the corpus is recorded from runs with this seed (record_corpus.cpp)
constexpr std::array<std::string_view, 5> users{"alice", "bob", "carol", "dave", "erin"};
constexpr std::array<std::string_view, 3> piles{"P1", "P2", "P3"};

void fail(const char* what) {
  std::fprintf(stderr, "fuzz_http: %s\n", what);
  std::abort();
}

void provision(server::service& svc) {
  for (std::string_view u : users)
    if (!svc.add_user(u, contract::derive_user_token(world_seed, u), money{20000}, 0)) fail("add_user");
  for (std::string_view p : piles) {
    server::pile_config pc;
    pc.id = std::string(p);
    pc.key = contract::derive_pile_key(world_seed, p);
    pc.rate = {price_per_kwh{10000}, price_per_kwh{8000}};  // a scenario's default tariff
    pc.no_show_fee = money{500};
    if (!svc.add_pile(pc)) fail("add_pile");
  }
}

void check_books(server::service& svc) {
  if (!svc.totals().conserved()) fail("money not conserved");
  if (!svc.audit().empty()) fail("ledger audit");
  for (const server::session_summary& s : svc.sessions()) {
    if (s.charged > s.frozen) fail("charged above frozen");
    if (s.settle_count > 1) fail("settled twice");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto db = server::database::open(":memory:");
  if (!db) fail("open database");
  server::service svc(*db, server::service_config{.seed = world_seed});
  provision(svc);
  std::int64_t now_us = 0;
  for (const fuzz::timed_request& r : fuzz::split_requests({data, size}, 16)) {
    now_us += std::int64_t{r.advance_s} * sim::sec;
    if (svc.due(now_us)) svc.run_due(now_us);
    auto req = http::decode_request(r.wire);
    if (!req) continue;  // the server answers 400 and nothing else happens
    const http::response resp = svc.handle(*req, now_us);
    if (resp.status >= 500 || resp.status < 200) fail("status outside 2xx-4xx");
    check_books(svc);
  }
  return 0;
}
