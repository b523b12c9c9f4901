#include "tools/perfetto_trace.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

namespace pilesim::tools {
namespace {

namespace json = boost::json;
using sim::time_us;

constexpr std::size_t wan_connection_id_len = 8;  // a WAN frame: [connection id u64 LE][HTTP bytes]

struct span {
  std::string actor;
  std::string name;
  std::string cat;
  time_us start = 0;
  time_us end = 0;
  json::object args;
  int lane = 0;
};

struct instant {
  std::string actor;
  std::string name;
  std::string cat;
  time_us at = 0;
  json::object args;
};

// An arrow from span `from` at `from_at` to span `to` at `to_at`.
struct flow {
  std::size_t from = 0, to = 0;
  time_us from_at = 0, to_at = 0;
  std::string name;
};

// An HTTP call of one user, from its first request on the wire to its answer.
struct http_call {
  std::string user, method, target;
  std::size_t span = 0;
  time_us last_sent = 0;
  bool served = false;                      // the server handled the latest attempt
  std::optional<std::size_t> server_span;   // where the latest served attempt was handled
};

std::string text(const json::value* v) {
  if (!v) return "";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

// "wan/alice" -> "alice", "ble/P1/alice" -> {"P1", "alice"}.
std::vector<std::string> parts(const std::string& name) {
  std::vector<std::string> out;
  std::stringstream in(name);
  for (std::string p; std::getline(in, p, '/');) out.push_back(p);
  return out;
}

// What an instant is, for filtering in the UI: drops, duplicates, faults, refusals, or any other event.
std::string category(const std::string& actor, const std::string& kind, const json::object& e) {
  if (actor == "fault" || kind == "crash" || kind == "restart" || kind == "power_off" || kind == "power_on" ||
      kind == "pile_unpowered" || kind == "app_restart")
    return "fault";
  if (kind == "drop" || kind == "corrupt" || kind == "ble_dropped" || kind == "connect_failed" ||
      kind == "http_gave_up" || kind == "rx_bad")
    return "drop";
  if (kind == "dup" || kind == "retransmit" || kind == "rx_repeat") return "duplicate";
  if (kind.find("refuse") != std::string::npos) return "refusal";
  if (kind == "http" && e.contains("status") && e.at("status").is_int64() && e.at("status").as_int64() >= 400)
    return "refusal";
  return "event";
}

std::string instant_name(const std::string& kind, const json::object& e) {
  if (kind == "http") return text(e.if_contains("method")) + " " + text(e.if_contains("target")) + " " +
                             text(e.if_contains("status"));
  if (kind == "rx" || kind == "tx" || kind == "refuse") return kind + " " + text(e.if_contains("msg"));
  if (kind == "step") return "step " + text(e.if_contains("do"));
  if (kind == "state") return text(e.if_contains("from")) + " -> " + text(e.if_contains("to"));
  if (kind == "begin" || kind == "end") return kind + " " + text(e.if_contains("fault"));
  return kind;
}

class builder {
 public:
  explicit builder(const traffic_log& t) : traffic_(t) {}

  void read(std::string_view trace_jsonl) {
    std::vector<json::object> events;
    std::istringstream in{std::string(trace_jsonl)};
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      json::value v = json::parse(line);
      if (!v.is_object() || !v.as_object().contains("kind")) continue;  // a checkpoint line
      events.push_back(std::move(v.as_object()));
    }
    // Requests go on the wire in time order with the events: merge them (a frame first at equal times).
    std::size_t w = 0;
    const auto& wan = traffic_.wan();
    for (const json::object& e : events) {
      const time_us t = e.at("t_us").to_number<time_us>();
      for (; w < wan.size() && wan[w].at <= t; ++w) on_wan(wan[w]);
      on_event(e, t);
      end_ = std::max(end_, t);
    }
    for (; w < wan.size(); ++w) on_wan(wan[w]);
    ble_exchanges();
    close_open();
  }

  std::string write(const perfetto_meta& meta);

 private:
  std::size_t add_span(std::string actor, std::string name, std::string cat, time_us start, time_us end,
                       json::object args = {}) {
    spans_.push_back({std::move(actor), std::move(name), std::move(cat), start, end, std::move(args)});
    return spans_.size() - 1;
  }

  void on_wan(const wan_frame& f) {
    end_ = std::max(end_, f.at);
    if (f.side != 0 || f.data.size() <= wan_connection_id_len) return;
    const auto http = f.data.begin() + wan_connection_id_len;
    const std::string head(http, std::find(http, f.data.end(), '\r'));
    const auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return;
    const std::string method = head.substr(0, sp1), target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto p = parts(f.link);
    const std::string user = p.size() > 1 ? p[1] : f.link;
    http_call* call = find_call(user, method, target);
    if (!call) {
      http_call c;
      c.user = user;
      c.method = method;
      c.target = target;
      c.span = add_span("agent/" + user, method + " " + target, "http", f.at, f.at);
      calls_.push_back(std::move(c));
      call = &calls_.back();
    }
    call->last_sent = f.at;
    call->served = false;
  }

  http_call* find_call(const std::string& user, const std::string& method, const std::string& target) {
    for (auto& c : calls_)
      if (c.user == user && c.method == method && c.target == target) return &c;
    return nullptr;
  }

  void on_event(const json::object& e, time_us t) {
    const std::string actor = text(e.if_contains("actor")), kind = text(e.if_contains("kind"));
    json::object args;
    for (const auto& kv : e)
      if (kv.key() != "t_us" && kv.key() != "actor" && kv.key() != "kind") args[kv.key()] = kv.value();
    instants_.push_back({actor, instant_name(kind, e), category(actor, kind, e), t, args});
    if (actor == "server" && kind == "http") server_http(e, t);
    else if (actor.starts_with("agent/") && (kind == "http" || kind == "http_gave_up")) agent_http(actor, kind, e, t);
    else if (actor.starts_with("pile/") && kind == "state") pile_state(actor, e, t);
    else if (actor == "fault" && (kind == "begin" || kind == "end")) fault_window(kind, args, t);
  }

  void server_http(const json::object& e, time_us t) {
    const std::string method = text(e.if_contains("method")), target = text(e.if_contains("target"));
    const std::size_t s = add_span("server", method + " " + target + " " + text(e.if_contains("status")), "http", t,
                                   t + 1, {{"outcome", text(e.if_contains("outcome"))}});
    http_call* best = nullptr;  // the unserved attempt sent longest ago
    for (auto& c : calls_)
      if (!c.served && c.method == method && c.target == target && c.last_sent <= t &&
          (!best || c.last_sent < best->last_sent))
        best = &c;
    if (!best) return;
    best->served = true;
    best->server_span = s;
    flows_.push_back({best->span, s, best->last_sent, t, "request"});
  }

  void agent_http(const std::string& actor, const std::string& kind, const json::object& e, time_us t) {
    const std::string user = actor.substr(6), method = text(e.if_contains("method")),
                      target = text(e.if_contains("target"));
    auto it = std::find_if(calls_.begin(), calls_.end(), [&](const http_call& c) {
      return c.user == user && c.method == method && c.target == target;
    });
    if (it == calls_.end()) return;
    span& s = spans_[it->span];
    s.end = std::max(t, s.start + 1);
    s.args["status"] = kind == "http" ? text(e.if_contains("status")) : std::string("gave up");
    s.args["attempts"] = e.contains("attempts") ? e.at("attempts") : json::value(1);
    if (it->server_span)
      flows_.push_back({*it->server_span, it->span, spans_[*it->server_span].start, s.end - 1, "answer"});
    calls_.erase(it);
  }

  void pile_state(const std::string& actor, const json::object& e, time_us t) {
    if (text(e.if_contains("to")) == "charging") charging_[actor] = add_span(actor, "charging", "charging", t, t);
    if (text(e.if_contains("from")) != "charging") return;
    auto it = charging_.find(actor);
    if (it == charging_.end()) return;
    spans_[it->second].end = t;
    spans_[it->second].args["then"] = text(e.if_contains("to"));
    charging_.erase(it);
  }

  void fault_window(const std::string& kind, const json::object& args, time_us t) {
    std::string key;
    for (const auto& kv : args) key += (key.empty() ? "" : " ") + std::string(kv.key()) + "=" + text(&kv.value());
    const std::string actor = "fault/" + key;
    if (kind == "begin") faults_[actor] = add_span(actor, text(args.if_contains("fault")), "fault", t, t, args);
    else if (auto it = faults_.find(actor); it != faults_.end()) {
      spans_[it->second].end = t;
      faults_.erase(it);
    }
  }

  void ble_exchanges();
  void close_open() {
    for (auto& c : calls_) {
      spans_[c.span].end = std::max(end_, spans_[c.span].start + 1);
      spans_[c.span].args["status"] = "unanswered";
    }
    for (auto& [a, i] : charging_) spans_[i].end = end_;
    for (auto& [a, i] : faults_) spans_[i].end = end_;
  }
  void assign_lanes();
  json::array events();

  const traffic_log& traffic_;
  std::vector<span> spans_;
  std::vector<instant> instants_;
  std::vector<flow> flows_;
  std::vector<http_call> calls_;
  std::map<std::string, std::size_t> charging_, faults_;
  time_us end_ = 0;
};

// A phone request and the pile's reply of the same sequence number make one exchange on the link's track, and
// the pile's notification with the phone's confirmation another; the pile handled the request where it arrived.
void builder::ble_exchanges() {
  std::map<std::pair<std::string, std::uint16_t>, ble_frame> asked, told;
  constexpr std::uint8_t reply_bit = 0x80, notification = 0xC1, confirmation = 0x06;
  for (const ble_frame& f : traffic_.ble_frames()) {
    end_ = std::max(end_, f.done_at);
    const auto key = std::make_pair(f.link, f.seq);
    const auto p = parts(f.link);
    const std::string pile = "pile/" + (p.size() > 1 ? p[1] : f.link);
    if (f.type == notification) told[key] = f;
    if (f.type == confirmation) {
      auto it = told.find(key);
      if (it == told.end()) continue;
      add_span(f.link, "session_ended", "ble", it->second.first_at, std::max(f.done_at, it->second.first_at + 1),
               {{"seq", f.seq}});
      told.erase(it);
    } else if (f.type < reply_bit) {
      asked[key] = f;
    } else if (auto it = asked.find(key); it != asked.end() && f.type == (it->second.type | reply_bit)) {
      const ble_frame& q = it->second;
      const std::size_t x = add_span(f.link, q.name, "ble", q.first_at, std::max(f.done_at, q.first_at + 2),
                                     {{"seq", f.seq}, {"reply", f.name}});
      const std::size_t h = add_span(pile, "handle " + q.name, "ble", q.done_at, q.done_at + 1);
      flows_.push_back({x, h, q.done_at, q.done_at, "request"});
      flows_.push_back({h, x, q.done_at, spans_[x].end - 1, "answer"});
      asked.erase(it);
    }
  }
}

// Each actor's spans in start order, each on the first of its lanes that is free by then.
void builder::assign_lanes() {
  std::vector<std::size_t> order(spans_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return spans_[a].start < spans_[b].start;
  });
  std::map<std::string, std::vector<time_us>> lane_end;
  for (std::size_t i : order) {
    span& s = spans_[i];
    s.end = std::max(s.end, s.start);
    auto& lanes = lane_end[s.actor];
    auto free = std::find_if(lanes.begin(), lanes.end(), [&](time_us e) { return e <= s.start; });
    if (free == lanes.end()) free = lanes.insert(lanes.end(), 0);
    s.lane = static_cast<int>(free - lanes.begin());
    *free = s.end;
  }
}

// The process of an actor's kind: "agent/alice" -> agents.
int pid_of(const std::string& actor) {
  static constexpr std::array<std::string_view, 7> kinds{"server", "agent", "pile", "ble", "wan", "user", "fault"};
  const std::string kind = actor.substr(0, actor.find('/'));
  for (std::size_t i = 0; i < kinds.size(); ++i)
    if (kinds[i] == kind) return static_cast<int>(i) + 1;
  return static_cast<int>(kinds.size()) + 1;
}

std::string process_name(int pid) {
  static constexpr std::array<const char*, 8> names{"server", "agents", "piles", "BLE links", "WAN links",
                                                    "users", "faults", "other"};
  return names[static_cast<std::size_t>(pid - 1)];
}

json::array builder::events() {
  assign_lanes();
  json::array out;
  std::map<std::pair<std::string, int>, int> tids;  // (actor, lane) -> tid, numbered as first seen
  std::map<int, bool> pids;
  auto tid = [&](const std::string& actor, int lane) {
    auto [it, fresh] = tids.try_emplace({actor, lane}, static_cast<int>(tids.size()) + 1);
    if (fresh) {
      const int pid = pid_of(actor);
      if (!pids[pid]) {
        pids[pid] = true;
        out.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"tid", 0},
                       {"args", {{"name", process_name(pid)}}}});
        out.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", pid}, {"tid", 0},
                       {"args", {{"sort_index", pid}}}});
      }
      const std::string name = lane == 0 ? actor : actor + " (" + std::to_string(lane + 1) + ")";
      out.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", it->second},
                     {"args", {{"name", name}}}});
    }
    return it->second;
  };
  for (const instant& i : instants_) tid(i.actor, 0);  // tracks in the order their actors first acted
  for (const span& s : spans_)
    out.push_back({{"ph", "X"}, {"name", s.name}, {"cat", s.cat}, {"ts", s.start}, {"dur", s.end - s.start},
                   {"pid", pid_of(s.actor)}, {"tid", tid(s.actor, s.lane)}, {"args", s.args}});
  for (const instant& i : instants_)
    out.push_back({{"ph", "i"}, {"s", "t"}, {"name", i.name}, {"cat", i.cat}, {"ts", i.at},
                   {"pid", pid_of(i.actor)}, {"tid", tid(i.actor, 0)}, {"args", i.args}});
  std::uint64_t id = 0;
  for (const flow& f : flows_) {
    const span &a = spans_[f.from], &b = spans_[f.to];
    ++id;
    out.push_back({{"ph", "s"}, {"id", id}, {"name", f.name}, {"cat", "flow"}, {"ts", f.from_at},
                   {"pid", pid_of(a.actor)}, {"tid", tid(a.actor, a.lane)}});
    out.push_back({{"ph", "f"}, {"bp", "e"}, {"id", id}, {"name", f.name}, {"cat", "flow"},
                   {"ts", std::max(f.to_at, f.from_at)}, {"pid", pid_of(b.actor)}, {"tid", tid(b.actor, b.lane)}});
  }
  return out;
}

std::string builder::write(const perfetto_meta& meta) {
  json::object doc;
  doc["traceEvents"] = events();
  doc["displayTimeUnit"] = "ms";
  doc["otherData"] = {{"scenario", meta.scenario}, {"file", meta.file}, {"seed", meta.seed},
                      {"trace_hash", meta.trace_hash}, {"clock", "virtual microseconds from the run's start"}};
  return json::serialize(doc) + "\n";
}

}  // namespace

std::string perfetto_json(std::string_view trace_jsonl, const traffic_log& traffic, const perfetto_meta& meta) {
  builder b(traffic);
  b.read(trace_jsonl);
  return b.write(meta);
}

}  // namespace pilesim::tools
