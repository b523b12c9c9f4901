#include "server/server_actor.hpp"

#include "server/api/http.hpp"

#include <cstring>
#include <string>

namespace pilesim::server {
namespace {
constexpr std::size_t inbox_capacity = 4096;  // bounded: past it the request is lost like a dropped SYN

std::string_view status_word(int status) { return status < 400 ? "ok" : status < 500 ? "refused" : "error"; }
}  // namespace

server_actor::server_actor(sim::kernel& k, database& db, service_config config)
    : k_(k), db_(db), config_(config), service_(std::make_unique<service>(db, config)), inbox_(k, inbox_capacity) {}

void server_actor::attach(sim::link& wan) {
  const std::size_t index = links_.size();
  links_.push_back(&wan);
  wan.attach(1, [this, index](sim::link_event&& e) {
    if (e.what != sim::link_event::kind::frame) return;
    if (!service_) {
      ++dropped_;
      k_.trace().event(k_.now(), "server", "drop", {{"why", "down"}, {"bytes", e.data.size()}});
      return;
    }
    if (!inbox_.push(inbound{index, std::move(e.data), false})) {
      ++dropped_;
      k_.trace().event(k_.now(), "server", "drop", {{"why", "inbox full"}});
    }
  });
}

void server_actor::start() { k_.spawn("server", run(*this)); }

void server_actor::crash() {
  if (!service_) return;
  service_.reset();
  inbox_.clear();
  k_.trace().event(k_.now(), "server", "crash");
}

void server_actor::restart() {
  if (service_) return;
  service_ = std::make_unique<service>(db_, config_);
  k_.trace().event(k_.now(), "server", "restart");
  (void)inbox_.push(inbound{0, {}, true});
}

sim::asio::awaitable<void> server_actor::run(server_actor& self) {
  for (;;) {
    sim::time_us deadline = sim::time_max;
    if (self.service_) {
      if (auto d = self.service_->deadline_bound()) deadline = *d;
    }
    auto in = co_await self.inbox_.receive_until(deadline);
    if (!in) {
      // A bound reached with nothing due (the work it announced went away) just waits again.
      if (in.error() == errc::timeout && self.service_ && self.service_->due(self.k_.now())) {
        self.service_->run_due(self.k_.now());
        self.k_.trace().event(self.k_.now(), "server", "timed_work");
      }
      continue;
    }
    if (in->wake || !self.service_) continue;
    self.serve(*in);
  }
}

void server_actor::serve(inbound& in) {
  ++requests_;
  if (in.frame.size() < wan_conn_id_len) {
    k_.trace().event(k_.now(), "server", "refuse", {{"why", "short frame"}});
    return;  // no connection id to answer on: like garbage on a socket, it is dropped
  }
  std::string_view wire(reinterpret_cast<const char*>(in.frame.data()) + wan_conn_id_len,
                        in.frame.size() - wan_conn_id_len);
  http::response resp;
  auto req = http::decode_request(wire);
  if (!req) {
    resp.status = 400;
    resp.body = R"({"error":"bad_request","detail":"malformed HTTP request"})";
    k_.trace().event(k_.now(), "server", "refuse", {{"why", "malformed http"}});
  } else {
    resp = service_->handle(*req, k_.now());
    k_.trace().event(k_.now(), "server", "http",
                     {{"method", req->method}, {"target", req->target}, {"status", resp.status},
                      {"outcome", status_word(resp.status)}});
  }
  const std::string encoded = http::encode(resp);
  // Sized once, and filled as bytes: a range of chars would be copied element by element.
  bytes out(wan_conn_id_len + encoded.size());
  std::memcpy(out.data(), in.frame.data(), wan_conn_id_len);
  std::memcpy(out.data() + wan_conn_id_len, encoded.data(), encoded.size());
  (void)links_[in.link]->send(1, std::move(out));
}

}  // namespace pilesim::server
