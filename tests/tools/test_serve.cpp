// `pilesim serve` end to end over real TCP: the real binary on a free loopback port, a Boost.Beast client playing
// the phone, and the contract's seal functions playing the pile with the key the server printed. Checks a whole
// reserve -> start -> ack -> bill flow, the refusals (400, 413, 431), the timeouts, and a clean stop on SIGTERM.
#include "contract/keys.hpp"
#include "contract/money.hpp"
#include "contract/pricing.hpp"
#include "contract/seal.hpp"
#include "server/api/api.hpp"
#include "tests/tools/child_process.hpp"

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <array>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace pilesim;
using namespace pilesim::contract;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using ms = std::chrono::milliseconds;

constexpr std::uint64_t world_seed = 7;  // tests/tools/serve_world.yaml
constexpr auto op_timeout = 10s;          // no client operation may hang the test longer

std::int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

key32 key_from_hex(const std::string& hex) {
  key32 k{};
  REQUIRE(hex.size() == 64);
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return k;
}

key32 key_of(const bytes& b) {
  key32 k{};
  REQUIRE(b.size() == k.size());
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

std::string last_line_with(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::string line, found;
  while (std::getline(in, line))
    if (line.find(what) != std::string::npos) found = line;
  return found;
}

struct answer {
  int status = 0;
  std::string body;
  bool keep_alive = false;

  std::string error() const { return api::parse_error_body(body).value().error; }
};

// Runs what was started on `io` to completion; every operation has the stream's deadline.
void run(asio::io_context& io) {
  io.restart();
  io.run();
}

class client {
 public:
  explicit client(std::uint16_t port) {
    beast::error_code ec;
    stream_.expires_after(op_timeout);
    stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                          [&](beast::error_code e) { ec = e; });
    run(io_);
    REQUIRE_MESSAGE(!ec, ec.message());
  }

  answer send(bhttp::verb method, const std::string& target, const std::string& token, const std::string& body,
              const std::string& key = "") {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "pilesim");
    req.set(bhttp::field::authorization, "Bearer " + token);
    if (method != bhttp::verb::get) req.set("Idempotency-Key", key.empty() ? "k" + std::to_string(++keys_) : key);
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    beast::error_code wec;
    stream_.expires_after(op_timeout);
    bhttp::async_write(stream_, req, [&](beast::error_code e, std::size_t) { wec = e; });
    run(io_);
    REQUIRE_MESSAGE(!wec, wec.message());
    auto a = read_answer();
    REQUIRE(a.has_value());
    return *a;
  }
  answer post(const std::string& token, const std::string& target, const std::string& body,
              const std::string& key = "") {
    return send(bhttp::verb::post, target, token, body, key);
  }
  answer get(const std::string& token, const std::string& target) {
    return send(bhttp::verb::get, target, token, "");
  }

  void write_raw(const std::string& bytes) {
    beast::error_code ec;
    stream_.expires_after(op_timeout);
    asio::async_write(stream_, asio::buffer(bytes), [&](beast::error_code e, std::size_t) { ec = e; });
    run(io_);
    REQUIRE_MESSAGE(!ec, ec.message());
  }

  std::optional<answer> read_answer() {
    bhttp::response<bhttp::string_body> res;
    beast::error_code ec;
    stream_.expires_after(op_timeout);
    bhttp::async_read(stream_, buffer_, res, [&](beast::error_code e, std::size_t) { ec = e; });
    run(io_);
    if (ec) return std::nullopt;
    return answer{static_cast<int>(res.result_int()), res.body(), res.keep_alive()};
  }

  // Writes `bytes` while reading the answer, as a client that keeps sending what the server already refused.
  std::optional<answer> send_raw_reading(const std::string& bytes) {
    bhttp::response<bhttp::string_body> res;
    beast::error_code rec;
    stream_.expires_after(op_timeout);
    asio::async_write(stream_, asio::buffer(bytes), [](beast::error_code, std::size_t) {});
    bhttp::async_read(stream_, buffer_, res, [&](beast::error_code e, std::size_t) { rec = e; });
    run(io_);
    if (rec) return std::nullopt;
    return answer{static_cast<int>(res.result_int()), res.body(), res.keep_alive()};
  }

  // How long until the server closed the connection (EOF or reset), or nullopt if it did not within `wait`.
  std::optional<ms> wait_closed(ms wait) {
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<ms> closed;
    stream_.expires_after(wait);
    read_until_closed(t0, closed);
    run(io_);
    return closed;
  }

  // Sends `prefix` at once and then `bytes` one at a time, `gap` apart, until the server closes; how long after
  // the first byte that was.
  std::optional<ms> dribble_until_closed(const std::string& prefix, const std::string& bytes, ms gap, ms wait) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!prefix.empty()) write_raw(prefix);
    std::optional<ms> closed;
    asio::steady_timer timer(io_);
    std::size_t at = 0;
    std::function<void()> next = [&] {
      if (closed || at == bytes.size()) return;
      asio::async_write(stream_, asio::buffer(bytes.data() + at, 1), [&](beast::error_code ec, std::size_t) {
        if (ec) return;
        ++at;
        timer.expires_after(gap);
        timer.async_wait([&](beast::error_code tec) {
          if (!tec) next();
        });
      });
    };
    stream_.expires_after(wait);
    read_until_closed(t0, closed, &timer);
    next();
    run(io_);
    return closed;
  }

 private:
  void read_until_closed(std::chrono::steady_clock::time_point t0, std::optional<ms>& closed,
                         asio::steady_timer* timer = nullptr) {
    stream_.async_read_some(asio::buffer(sink_), [this, t0, &closed, timer](beast::error_code ec, std::size_t) {
      if (!ec) return read_until_closed(t0, closed, timer);  // whatever the server sends is not the close
      if (ec != beast::error::timeout)
        closed = std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t0);
      if (timer) timer->cancel();
    });
  }

  asio::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
  std::array<char, 4096> sink_{};
  int keys_ = 0;
};

// `pilesim serve tests/tools/serve_world.yaml --port 0 EXTRA…`, up and listening, with what its banner printed.
struct serve_run {
  testing::child_process proc;
  std::uint16_t port = 0;
  std::map<std::string, std::string> pile_keys;  // id -> hex
  std::map<std::string, std::string> tokens;     // user -> bearer token

  explicit serve_run(const std::vector<std::string>& extra) : proc(argv(extra)) {
    const std::string prefix = "listening on http://127.0.0.1:";
    const std::string line = proc.read_line_starting(prefix, 30s);
    REQUIRE_MESSAGE(!line.empty(), "stdout:\n" << proc.out() << "\nstderr:\n" << proc.err());
    port = static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
    read_banner();
  }

  static std::vector<std::string> argv(const std::vector<std::string>& extra) {
    std::vector<std::string> a = {PILESIM_EXE, "serve", SERVE_WORLD, "--port", "0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  key32 pile_key(const std::string& id) {
    REQUIRE(pile_keys.count(id) == 1);
    return key_from_hex(pile_keys[id]);
  }

  // SIGTERM; the process must exit 0 and print its final count, which is returned.
  std::string stop() {
    proc.signal(SIGTERM);
    const auto code = proc.wait_exit(20s);
    REQUIRE_MESSAGE(code.has_value(), "serve did not exit after SIGTERM; stderr:\n" << proc.err());
    CHECK_MESSAGE(*code == 0, proc.err());
    const std::string last = last_line_with(proc.err(), "serve: stopped: ");
    CHECK_MESSAGE(!last.empty(), proc.err());
    return last;
  }

 private:
  void read_banner() {
    std::istringstream in(proc.out());
    std::map<std::string, std::string>* section = nullptr;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("piles (", 0) == 0) {
        section = &pile_keys;
      } else if (line.rfind("users (", 0) == 0) {
        section = &tokens;
      } else if (section && line.rfind("  ", 0) == 0) {
        std::istringstream fields(line);
        std::string id, value;
        fields >> id >> value;
        (*section)[id] = value;
      } else {
        section = nullptr;
      }
    }
  }
};

std::string session_path(std::uint64_t id, const char* suffix) {
  return "/v1/sessions/" + std::to_string(id) + suffix;
}

std::string start_body(const char* pile, std::uint64_t reservation, const char* vehicle, money amount) {
  return api::to_json(api::session_request{pile, reservation, {vehicle, 60'000, 7'000}, amount});
}

}  // namespace

TEST_SUITE("tools/serve") {
  TEST_CASE("a reserve, start, ack and bill flow over TCP, sealed with the random pile key the server printed") {
    serve_run srv({});
    const key32 p1 = srv.pile_key("P1");
    CHECK(p1 != derive_pile_key(world_seed, "P1"));
    CHECK(srv.pile_key("P2") != p1);
    REQUIRE(srv.tokens.count("alice") == 1);
    const std::string alice = srv.tokens["alice"];
    CHECK(alice.size() == 64);
    CHECK(alice != derive_user_token(world_seed, "alice"));
    CHECK(srv.proc.out().find("keys: random") != std::string::npos);

    client c(srv.port);
    const std::int64_t now_us = unix_us();
    const auto r1 = c.post(alice, "/v1/reservations", api::to_json(api::reservation_request{"P1", now_us, 0}));
    REQUIRE_MESSAGE(r1.status == 201, r1.body);
    CHECK(r1.keep_alive);
    const auto now_window = api::parse_reservation(r1.body).value();
    const auto r2 = c.post(alice, "/v1/reservations",
                           api::to_json(api::reservation_request{"P1", now_us + 3'600'000'000, 0}));
    REQUIRE_MESSAGE(r2.status == 201, r2.body);
    const auto later_window = api::parse_reservation(r2.body).value();

    const auto early = c.post(alice, "/v1/sessions", start_body("P1", later_window.id, "V1", money{5000}));
    CHECK(early.status == 409);
    CHECK(early.error() == "reservation_not_started");

    const auto started_res = c.post(alice, "/v1/sessions", start_body("P1", now_window.id, "V1", money{5000}));
    REQUIRE_MESSAGE(started_res.status == 201, started_res.body);
    const auto started = api::parse_session_started(started_res.body).value();
    const auto twice = c.post(alice, "/v1/sessions", start_body("P2", 0, "V1", money{1000}));
    CHECK(twice.status == 409);
    CHECK(twice.error() == "vehicle_busy");

    // The pile's part: open the authorization with its key, ack the start, meter 7 kWh and seal the bill.
    const auto a = open_authorization(started.authorization, p1);
    REQUIRE(a.has_value());
    CHECK(a->session_id == started.session);
    CHECK(a->frozen == money{5000});
    CHECK(a->stop_digest == stop_digest(key_of(started.stop_secret)));
    CHECK(key_of(started.stop_secret) != derive_stop_secret(world_seed, started.session));
    const bytes ack = seal(start_ack{a->session_id, a->pile_id, a->counter, 1000, unix_us()}, p1);
    const auto confirmed = c.post(alice, session_path(started.session, "/started"),
                                  api::to_json(api::started_upload{ack}));
    REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
    CHECK(api::parse_session_view(confirmed.body).value().state == "started");

    const bill b{a->session_id, a->pile_id, 1, 1000, 8000, a->issued_at_us, unix_us(), session_cost(7000, a->rate),
                 stop_reason::user};
    const std::string bill_path = session_path(started.session, "/bill");
    // The key a seed would give is not this pile's: a bill sealed with it is a forgery.
    const auto forged = c.post(alice, bill_path,
                               api::to_json(api::bill_upload{seal(b, derive_pile_key(world_seed, "P1"))}));
    CHECK(forged.status == 422);
    CHECK(forged.error() == "forged");
    const std::string genuine = api::to_json(api::bill_upload{seal(b, p1)});
    const auto settled = c.post(alice, bill_path, genuine, "bill-1");
    REQUIRE_MESSAGE(settled.status == 200, settled.body);
    const auto rec = api::parse_reconciled(settled.body).value();
    CHECK(rec.charged == money{1260});
    CHECK(rec.refunded == money{3740});
    const auto receipt = open_receipt(rec.receipt, p1);
    REQUIRE(receipt.has_value());
    CHECK(receipt->charged == money{1260});
    CHECK(c.post(alice, bill_path, genuine, "bill-1").body == settled.body);

    const auto w = api::parse_wallet(c.get(alice, "/v1/wallet").body).value();
    CHECK(w.balance == money{20000 - 1260});
    CHECK(w.held == money{0});
    CHECK(c.get(derive_user_token(world_seed, "alice"), "/v1/wallet").status == 401);

    const std::string last = srv.stop();
    CHECK_MESSAGE(last.find("stopped: 11 requests on 1 connections; refused 0") != std::string::npos, last);
  }

  TEST_CASE("bad and oversized requests get 400, 413 or 431 with a JSON error body, then the connection closes") {
    serve_run srv({});
    struct bad {
      const char* what;
      std::string bytes;
      int status;
      const char* word;
    };
    std::string chunked_over = "POST /v1/reservations HTTP/1.1\r\nHost: pilesim\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 80; ++i) chunked_over += "400\r\n" + std::string(1024, 'x') + "\r\n";
    chunked_over += "0\r\n\r\n";
    const bad cases[] = {
        {"a 10 MB body", "POST /v1/sessions HTTP/1.1\r\nHost: pilesim\r\nContent-Length: 10485760\r\n\r\n" +
                             std::string(10 * 1024 * 1024, 'x'),
         413, "body_too_large"},
        {"80 KB of chunks", chunked_over, 413, "body_too_large"},
        {"a 100 KB header", "GET /v1/wallet HTTP/1.1\r\nHost: pilesim\r\nX-Pad: " + std::string(100 * 1024, 'a') +
                                "\r\n\r\n",
         431, "header_too_large"},
        {"a bad request line", "BAD LINE\r\n\r\n", 400, "bad_request"},
        {"a bad header", "GET /v1/wallet HTTP/1.1\r\nHost pilesim\r\n\r\n", 400, "bad_request"},
        {"a bad chunk size",
         "POST /v1/reservations HTTP/1.1\r\nHost: pilesim\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
         400, "bad_request"},
    };
    for (const bad& x : cases) {
      CAPTURE(x.what);
      client c(srv.port);
      const auto got = c.send_raw_reading(x.bytes);
      REQUIRE(got.has_value());
      CHECK(got->status == x.status);
      CHECK(got->error() == x.word);
      CHECK_FALSE(got->keep_alive);
      CHECK(c.wait_closed(5s).has_value());
    }
    client after(srv.port);
    CHECK(after.get(srv.tokens["bob"], "/v1/wallet").status == 200);
    const std::string last = srv.stop();
    CHECK_MESSAGE(last.find("stopped: 1 requests on 7 connections; refused 6 (bad_request=3 body_too_large=2 "
                            "header_too_large=1)") != std::string::npos,
                  last);
  }

  TEST_CASE("idle and dribbling connections are cut off by the idle, header and read timeouts") {
    serve_run srv({"--idle-timeout-ms", "400", "--header-timeout-ms", "400", "--read-timeout-ms", "900"});
    {
      client c(srv.port);
      const auto t = c.wait_closed(10s);
      REQUIRE(t.has_value());
      CHECK(*t >= 350ms);
      CHECK(*t < 5s);
    }
    {
      // 44 bytes 50 ms apart would take over 2 s: the header timeout ends it first.
      client c(srv.port);
      const auto t = c.dribble_until_closed("", "GET /v1/wallet HTTP/1.1\r\nHost: pilesim\r\n\r\n", 50ms, 10s);
      REQUIRE(t.has_value());
      CHECK(*t >= 350ms);
      CHECK(*t < 5s);
    }
    {
      // A complete header, then 40 bytes of body 50 ms apart: the read timeout ends it, later than the header's.
      client c(srv.port);
      const std::string header =
          "POST /v1/reservations HTTP/1.1\r\nHost: pilesim\r\nIdempotency-Key: d\r\nContent-Length: 40\r\n\r\n";
      const auto t = c.dribble_until_closed(header, std::string(40, '{'), 50ms, 10s);
      REQUIRE(t.has_value());
      CHECK(*t >= 850ms);
      CHECK(*t < 5s);
    }
    const std::string last = srv.stop();
    CHECK_MESSAGE(last.find("timed out 3;") != std::string::npos, last);
  }

  TEST_CASE("SIGTERM closes idle connections, lets a request in flight finish, and exits 0 with the count") {
    serve_run srv({"--shutdown-grace-ms", "5000"});
    const std::string alice = srv.tokens["alice"];
    client idle(srv.port);
    REQUIRE(idle.get(alice, "/v1/wallet").status == 200);
    client busy(srv.port);
    const std::string body = api::to_json(api::reservation_request{"P2", unix_us(), 0});
    busy.write_raw("POST /v1/reservations HTTP/1.1\r\nHost: pilesim\r\nAuthorization: Bearer " + alice +
                   "\r\nIdempotency-Key: in-flight\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                   body.substr(0, 5));
    std::this_thread::sleep_for(300ms);  // the server has read the header: the request is in flight

    srv.proc.signal(SIGTERM);
    const auto idle_closed = idle.wait_closed(3s);
    CHECK(idle_closed.has_value());
    busy.write_raw(body.substr(5));
    const auto finished = busy.read_answer();
    REQUIRE(finished.has_value());
    CHECK_MESSAGE(finished->status == 201, finished->body);
    CHECK_FALSE(finished->keep_alive);

    const auto code = srv.proc.wait_exit(20s);
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    const std::string last = last_line_with(srv.proc.err(), "serve: stopped: ");
    CHECK(srv.proc.err().find("SIGTERM: stopping; 1 requests in flight") != std::string::npos);
    CHECK_MESSAGE(last.find("stopped: 2 requests on 2 connections") != std::string::npos, last);
    CHECK(last.find("database closed") != std::string::npos);
  }

  TEST_CASE("--deterministic-keys derives keys, tokens and stop secrets from the seed, and says so loudly") {
    const auto keys_file = std::filesystem::temp_directory_path() / "pilesim_serve_test_keys.json";
    std::filesystem::remove(keys_file);
    serve_run srv({"--deterministic-keys", "--keys-out", keys_file.string()});
    CHECK(srv.pile_key("P1") == derive_pile_key(world_seed, "P1"));
    CHECK(srv.tokens["bob"] == derive_user_token(world_seed, "bob"));
    CHECK(srv.proc.out().find("keys: DETERMINISTIC") != std::string::npos);

    client c(srv.port);
    const auto res = c.post(srv.tokens["bob"], "/v1/sessions", start_body("P2", 0, "V2", money{1000}));
    REQUIRE_MESSAGE(res.status == 201, res.body);
    const auto s = api::parse_session_started(res.body).value();
    CHECK(key_of(s.stop_secret) == derive_stop_secret(world_seed, s.session));

    struct stat st {};
    REQUIRE(::stat(keys_file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::ifstream in(keys_file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("\"P1\":\"" + srv.pile_keys["P1"] + "\"") != std::string::npos);
    CHECK(text.find("\"bob\":\"" + srv.tokens["bob"] + "\"") != std::string::npos);
    std::filesystem::remove(keys_file);

    srv.stop();
    CHECK(srv.proc.err().find("WARNING: --deterministic-keys") != std::string::npos);
  }

  TEST_CASE("an address that is not loopback is refused (exit 2) unless --listen-any is given") {
    testing::child_process p({PILESIM_EXE, "serve", SERVE_WORLD, "--address", "0.0.0.0", "--port", "0"});
    const auto code = p.wait_exit(20s);
    REQUIRE(code.has_value());
    CHECK(*code == 2);
    CHECK(p.err().find("--listen-any") != std::string::npos);
    CHECK(p.out().find("listening") == std::string::npos);
  }
}
