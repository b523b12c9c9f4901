// Records the fuzz targets' seed corpora from real traffic: runs scenario files with seed 1 and writes what was
// sent, in the targets' layouts (corpus_format.hpp), one file per input named by a hash of its bytes:
//   OUT/ble/    each (link, connection, direction)'s packets as first transmitted (at most 64 a file)
//   OUT/http/   each phone's HTTP requests with the simulated seconds between them (at most 16 a file)
//   OUT/token/  every sealed token carried in a BLE frame (authorizations, acks, bills, receipts)
// Usage: pilesim_record_corpus OUT_DIR SCENARIO.yaml...   (exit 2 on a bad file). Not part of any run.
#include "fuzz/corpus_format.hpp"
#include "pile/protocol/fragment.hpp"
#include "pile/protocol/messages.hpp"
#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "server/server_actor.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

using namespace pilesim;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t packets_per_file_max = 64;
constexpr std::size_t requests_per_file_max = 16;

std::string name_of(const std::vector<std::uint8_t>& b) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (std::uint8_t c : b) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void write(const fs::path& dir, const std::vector<std::uint8_t>& b) {
  if (b.empty()) return;
  fs::create_directories(dir);
  std::ofstream(dir / name_of(b), std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                           static_cast<std::streamsize>(b.size()));
}

struct ble_stream {
  std::optional<std::uint64_t> last_packet;  // the sender's packet number last recorded (a retry repeats it)
  std::vector<std::uint8_t> packets;
  std::size_t count = 0;
  protocol::reassembler frames{protocol::frame_len_max};
};

struct http_stream {
  sim::time_us last_at = 0;
  std::vector<std::uint8_t> requests;
  std::size_t count = 0;
};

// The sealed tokens a frame carries.
std::vector<bytes> tokens_in(const protocol::message& m) {
  if (auto* s = std::get_if<protocol::start_request>(&m)) return {s->authorization};
  if (auto* r = std::get_if<protocol::receipt_request>(&m)) return {r->receipt};
  if (auto* s = std::get_if<protocol::start_reply>(&m)) return {s->ack};
  if (auto* b = std::get_if<protocol::bill_reply>(&m)) return {b->bill};
  return {};
}

class recorder {
 public:
  explicit recorder(fs::path out) : out_(std::move(out)) {}

  scenarios::traffic_tap tap() {
    scenarios::traffic_tap t;
    t.wan = [this](std::string_view link, sim::time_us at, int side, std::span<const std::uint8_t> f) {
      if (side == 0 && f.size() > server::wan_conn_id_len) on_request(std::string(link), at, f.subspan(server::wan_conn_id_len));
    };
    t.ble = [this](std::string_view link, const sim::ble_transmission& x) { on_packet(std::string(link), x); };
    return t;
  }

  // Writes what a run left unwritten and forgets its streams.
  void flush() {
    for (auto& [key, s] : ble_) write(out_ / "ble", s.packets);
    for (auto& [key, s] : http_) write(out_ / "http", s.requests);
    ble_.clear();
    http_.clear();
  }

 private:
  void on_request(const std::string& link, sim::time_us at, std::span<const std::uint8_t> wire) {
    http_stream& s = http_[link];
    fuzz::append_request(s.requests, static_cast<std::uint32_t>((at - s.last_at) / sim::sec),
                         {reinterpret_cast<const char*>(wire.data()), wire.size()});
    s.last_at = at;
    if (++s.count == requests_per_file_max) {
      write(out_ / "http", s.requests);
      s.requests.clear();
      s.count = 0;
    }
  }

  void on_packet(const std::string& link, const sim::ble_transmission& x) {
    if (x.empty || x.payload.empty()) return;
    ble_stream& s = ble_[{link, x.connection, x.from}];
    if (s.last_packet && x.packet <= *s.last_packet) return;
    s.last_packet = x.packet;
    if (auto whole = s.frames.push(x.payload))
      if (auto f = protocol::decode(*whole))
        for (const bytes& t : tokens_in(f->body)) write(out_ / "token", t);
    if (s.count >= packets_per_file_max || !fuzz::append_packet(s.packets, x.payload)) return;
    ++s.count;
  }

  fs::path out_;
  std::map<std::tuple<std::string, std::uint64_t, int>, ble_stream> ble_;
  std::map<std::string, http_stream> http_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR SCENARIO.yaml...\n", argv[0]);
    return 2;
  }
  recorder rec(argv[1]);
  for (int i = 2; i < argc; ++i) {
    auto s = scenarios::load_scenario_file(argv[i]);
    if (!s) {
      for (const auto& d : s.error()) std::fprintf(stderr, "%s\n", scenarios::to_string(d).c_str());
      return 2;
    }
    scenarios::run_options o;
    o.seed = 1;  // the targets provision a seed-1 world: its tokens and keys
    o.traffic = rec.tap();
    (void)scenarios::run_scenario(*s, o);
    rec.flush();
  }
  return 0;
}
