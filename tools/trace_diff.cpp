#include "tools/trace_diff.hpp"

#include "sim/time.hpp"

#include <boost/json.hpp>
#include <boost/throw_exception.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <stdexcept>

namespace pilesim::tools {

void throw_exception_from_error(const trace_problem& p, const boost::source_location& loc) {
  boost::throw_exception(std::invalid_argument(p.message), loc);
}

namespace {

struct checkpoint {
  std::uint64_t events = 0;
  std::string hash;
  std::string line;          // the whole line, for its actors
  std::streamoff after = 0;  // offset of the line after it
};

struct scanned {
  std::vector<checkpoint> checkpoints;
  std::uint64_t events = 0;
};

bool is_checkpoint(const std::string& line) { return line.starts_with("{\"checkpoint\":"); }

// The value of a string field of one JSON object line; empty when it is not there or the line is no object.
std::string text_field(const std::string& line, const char* key) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) return {};
  const auto* f = v.as_object().if_contains(key);
  return f && f->is_string() ? std::string(f->as_string()) : std::string();
}

boost::system::result<scanned, trace_problem> scan(std::istream& in, const char* name) {
  scanned s;
  std::string line;
  for (std::uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    if (is_checkpoint(line)) {
      checkpoint c;
      const auto events_at = line.find("\"events\":");
      c.hash = text_field(line, "hash");
      if (events_at == std::string::npos || c.hash.empty())
        return trace_problem{std::string(name) + ":" + std::to_string(n) + ": malformed checkpoint line"};
      c.events = std::strtoull(line.c_str() + events_at + 9, nullptr, 10);
      c.line = std::move(line);
      c.after = static_cast<std::streamoff>(in.tellg());
      s.checkpoints.push_back(std::move(c));
      continue;
    }
    if (!line.starts_with("{\"t_us\":"))
      return trace_problem{std::string(name) + ":" + std::to_string(n) + ": not a trace line (expected {\"t_us\":...)"};
    ++s.events;
  }
  in.clear();
  return s;
}

bool same(const checkpoint& a, const checkpoint& b) { return a.events == b.events && a.hash == b.hash; }

// The first index at which the checkpoints differ (both lists' common length when none does).
std::size_t first_differing(const std::vector<checkpoint>& a, const std::vector<checkpoint>& b) {
  std::size_t lo = 0, hi = std::min(a.size(), b.size());
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (same(a[mid], b[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Actors whose hash differs between two checkpoint lines, or that only one of them names.
std::vector<std::string> actors_differing(const std::string& a, const std::string& b) {
  auto actors = [](const std::string& line) {
    std::map<std::string, std::string> m;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("actors") || !v.at("actors").is_object()) return m;
    for (const auto& kv : v.at("actors").as_object())
      if (kv.value().is_string()) m[std::string(kv.key())] = std::string(kv.value().as_string());
    return m;
  };
  const auto ma = actors(a), mb = actors(b);
  std::vector<std::string> out;
  for (const auto& [k, h] : ma)
    if (auto it = mb.find(k); it == mb.end() || it->second != h) out.push_back(k);
  for (const auto& [k, h] : mb)
    if (!ma.count(k)) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

// The next event line, skipping checkpoints; nothing at the end.
std::optional<std::string> next_event(std::istream& in) {
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && !is_checkpoint(line)) return line;
  return std::nullopt;
}

// Compares event by event from `start` (a checkpoint index, or nothing: from the beginning).
void compare_from(std::istream& a, std::istream& b, const scanned& sa, const scanned& sb, std::optional<std::size_t> start,
                  std::size_t context, trace_divergence& d) {
  a.seekg(start ? sa.checkpoints[*start].after : 0);
  b.seekg(start ? sb.checkpoints[*start].after : 0);
  std::uint64_t index = start ? sa.checkpoints[*start].events : 0;
  std::deque<std::string> before;
  for (;;) {
    auto la = next_event(a), lb = next_event(b);
    ++index;
    if (!la && !lb) {
      d.identical = true;
      return;
    }
    ++d.compared;
    if (la && lb && *la == *lb) {
      before.push_back(std::move(*la));
      if (before.size() > context) before.pop_front();
      continue;
    }
    d.index = index;
    d.line_a = std::move(la);
    d.line_b = std::move(lb);
    d.before.assign(before.begin(), before.end());
    return;
  }
}

std::string seconds_of(const std::optional<std::string>& line) {
  if (!line) return "";
  const auto t = std::strtoll(line->c_str() + 8, nullptr, 10);  // after {"t_us":
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%06lld s", static_cast<long long>(t / sim::sec),
                static_cast<long long>(t % sim::sec));
  return buf;
}

}  // namespace

boost::system::result<trace_divergence, trace_problem> first_divergence(std::istream& a, std::istream& b,
                                                                         std::size_t context) {
  auto sa = scan(a, "A");
  if (!sa) return sa.error();
  auto sb = scan(b, "B");
  if (!sb) return sb.error();
  trace_divergence d;
  d.events_a = sa->events;
  d.events_b = sb->events;
  d.checkpoints = std::min(sa->checkpoints.size(), sb->checkpoints.size());
  const std::size_t k = first_differing(sa->checkpoints, sb->checkpoints);
  d.checkpoints_agreeing = k;
  // Two checkpoints back, so that the events before the difference are there to show.
  const std::optional<std::size_t> start = k >= 2 ? std::optional<std::size_t>(k - 2) : std::nullopt;
  compare_from(a, b, *sa, *sb, start, context, d);
  if (d.identical) return d;
  if (d.line_a) d.actor_a = text_field(*d.line_a, "actor");
  if (d.line_b) d.actor_b = text_field(*d.line_b, "actor");
  if (k < d.checkpoints) d.actors_differing = actors_differing(sa->checkpoints[k].line, sb->checkpoints[k].line);
  return d;
}

void print_divergence(std::ostream& out, const trace_divergence& d) {
  if (d.identical) {
    out << "identical: " << d.events_a << " events (" << d.checkpoints << " checkpoints; " << d.compared
        << " events compared one by one)\n";
    return;
  }
  const std::string when = seconds_of(d.line_a ? d.line_a : d.line_b);
  out << "first difference at event " << d.index << " (t = " << when << ")";
  if (d.line_a && d.line_b && d.actor_a == d.actor_b) out << ": actor " << d.actor_a << " diverged\n";
  else if (d.line_a && d.line_b) out << ": actor " << d.actor_a << " in A, " << d.actor_b << " in B\n";
  else out << ": " << (d.line_a ? "B" : "A") << " ends there\n";
  out << "events: A " << d.events_a << ", B " << d.events_b << "; checkpoints: " << d.checkpoints_agreeing << " of "
      << d.checkpoints << " agree; " << d.compared << " events compared one by one\n";
  if (!d.actors_differing.empty()) {
    out << "actors whose own hash differs at checkpoint " << d.checkpoints_agreeing + 1 << ":";
    for (const auto& a : d.actors_differing) out << " " << a;
    out << "\n";
  }
  if (!d.before.empty()) out << "before it, in both:\n";
  for (std::size_t i = 0; i < d.before.size(); ++i)
    out << "    #" << d.index - d.before.size() + i << " " << d.before[i] << "\n";
  out << "A   #" << d.index << " " << (d.line_a ? *d.line_a : "(end of trace)") << "\n";
  out << "B   #" << d.index << " " << (d.line_b ? *d.line_b : "(end of trace)") << "\n";
}

}  // namespace pilesim::tools
