#include "tools/serve_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "server/database.hpp"
#include "server/service.hpp"
#include "contract/keys.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <iostream>

namespace pilesim::tools {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct serve_state {
  server::service* svc = nullptr;
  std::chrono::steady_clock::time_point t0;
  std::uint64_t requests = 0;
  std::uint64_t requests_max = 0;
  asio::io_context* io = nullptr;

  std::int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  }
};

void fail(beast::error_code ec, const char* what) { std::cerr << "serve: " << what << ": " << ec.message() << "\n"; }

asio::awaitable<void> session(tcp::socket socket, serve_state& st) {
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(http::body_len_max);
    auto [ec, n] = co_await bhttp::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec == bhttp::error::end_of_stream) break;
    if (ec) {
      fail(ec, "read");
      break;
    }
    const auto& in = parser.get();
    http::request req;
    req.method = std::string(in.method_string());
    req.target = std::string(in.target());
    if (auto it = in.find(bhttp::field::authorization); it != in.end()) req.authorization = std::string(it->value());
    if (auto it = in.find("Idempotency-Key"); it != in.end()) req.idempotency_key = std::string(it->value());
    req.body = in.body();
    http::response r = st.svc->handle(req, st.now_us());
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r.status), in.version()};
    out.set(bhttp::field::server, "pilesim");
    out.set(bhttp::field::content_type, "application/json");
    out.keep_alive(in.keep_alive());
    out.body() = std::move(r.body);
    out.prepare_payload();
    auto [wec, wn] = co_await bhttp::async_write(socket, out, asio::as_tuple(asio::use_awaitable));
    if (wec) {
      fail(wec, "write");
      break;
    }
    ++st.requests;
    if (st.requests_max && st.requests >= st.requests_max) st.io->stop();
    if (!out.keep_alive()) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> listener(tcp::acceptor acceptor, serve_state& st) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      fail(ec, "accept");
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), st), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);  // a bug in a connection handler must not pass silently
    });
  }
}

asio::awaitable<void> timed_work(serve_state& st) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(asio::use_awaitable);
    st.svc->run_due(st.now_us());
  }
}

}  // namespace

int serve_command(const serve_options& o) {
  auto loaded = scenarios::load_scenario_file(o.scenario_path);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << scenarios::to_string(d) << "\n";
    return 2;
  }
  auto db = server::database::open(o.db_path);
  if (!db) {
    std::cerr << o.db_path << ": cannot open: " << db.error().message() << "\n";
    return 2;
  }
  server::service_config sc;
  sc.seed = loaded->seed;
  server::service svc(*db, sc);
  for (const auto& p : loaded->piles) {
    const auto& t = p.tariff ? *p.tariff : loaded->tariff;
    server::pile_config pc{p.id, contract::derive_pile_key(loaded->seed, p.id), t.rate(), t.no_show_fee,
                           t.reservation_hold_us, t.authorization_ttl_us};
    (void)svc.add_pile(pc);  // already present when --db reopens a kept database
  }
  std::cout << "users (Authorization: Bearer <token>):\n";
  for (const auto& u : loaded->users) {
    const std::string token = contract::derive_user_token(loaded->seed, u.id);
    (void)svc.add_user(u.id, token, u.balance, 0);
    std::cout << "  " << u.id << " " << token << "\n";
  }

  asio::io_context io(1);
  serve_state st{&svc, std::chrono::steady_clock::now(), 0, o.requests_max, &io};
  beast::error_code ec;
  tcp::endpoint ep{asio::ip::make_address(o.address, ec), o.port};
  if (ec) {
    std::cerr << o.address << ": " << ec.message() << "\n";
    return 2;
  }
  tcp::acceptor acceptor(io);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "serve: cannot listen on " << o.address << ":" << o.port << ": " << ec.message() << "\n";
    return 2;
  }
  std::cout << "listening on http://" << o.address << ":" << acceptor.local_endpoint().port() << std::endl;
  auto rethrow = [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  };
  asio::co_spawn(io, listener(std::move(acceptor), st), rethrow);
  asio::co_spawn(io, timed_work(st), rethrow);
  io.run();
  std::cout << "served " << st.requests << " requests\n";
  return 0;
}

}  // namespace pilesim::tools
