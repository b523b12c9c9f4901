#include "tools/diagram_command.hpp"

#include "scenarios/engine/loader.hpp"
#include "scenarios/engine/world.hpp"
#include "tools/exit_codes.hpp"
#include "tools/junit_report.hpp"
#include "tools/set_flags.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace pilesim::tools {
namespace {
std::string str(const boost::json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return "";
  if (it->value().is_string()) return std::string(it->value().as_string());
  return boost::json::serialize(it->value());
}

// "612.59s": enough to order what people read; the trace keeps the µs.
std::string stamp(std::int64_t t_us) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%02llds ", static_cast<long long>(t_us / 1'000'000),
                static_cast<long long>(t_us % 1'000'000 / 10'000));
  return buf;
}

// Every field but time, actor and kind, as "k=v k=v".
std::string fields_text(const boost::json::object& o) {
  std::string s;
  for (const auto& kv : o) {
    const std::string k(kv.key());
    if (k == "t_us" || k == "actor" || k == "kind") continue;
    s += " " + k + "=" + str(o, k.c_str());
  }
  return s;
}

// Mermaid ids allow letters, digits and '_'.
std::string id_part(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

struct builder {
  diagram d;
  std::size_t items_max;
  std::map<std::string, std::string> peer_of_pile;   // pile id -> agent participant id last connected
  std::map<std::string, std::pair<std::size_t, std::int64_t>> last_tx;  // pile -> (item, t_us)

  void add(diagram_item::style k, std::string from, std::string to, std::string text) {
    d.items.push_back({k, std::move(from), std::move(to), std::move(text)});
  }
  void note(const std::string& over, const std::string& text) { add(diagram_item::style::note, over, over, text); }
  void note_all(const std::string& text) { add(diagram_item::style::note, "*", "*", text); }
};

std::string agent_id(const std::string& user) { return "A_" + id_part(user); }
std::string pile_id(const std::string& pile) { return "P_" + id_part(pile); }

// A pile's own line: frames it received or sent (drawn between it and the phone connected last), state changes,
// and anything else as a note.
void read_pile_event(builder& b, const boost::json::object& o, std::int64_t t, const std::string& kind,
                     const std::string& at, const std::string& pile) {
  using st = diagram_item::style;
  const std::string p = pile_id(pile);
  auto peer = b.peer_of_pile.find(pile);
  const bool frame = kind == "rx" || kind == "rx_repeat" || kind == "tx";
  if (frame && peer != b.peer_of_pile.end()) {
    const std::string what = str(o, "msg") + " #" + str(o, "seq");
    if (kind == "tx") {
      b.add(st::reply, p, peer->second, at + what);
      b.last_tx[pile] = {b.d.items.size() - 1, t};
    } else {
      b.add(st::request, peer->second, p, at + what + (kind == "rx_repeat" ? " (repeat: acted on once)" : ""));
    }
  } else if (kind == "state") {
    b.note(p, at + str(o, "from") + " \u2192 " + str(o, "to"));
  } else {
    b.note(p, at + kind + fields_text(o));
  }
}

// A BLE link's line, for actor ble/PILE/USER: endpoint 0 is the phone, 1 the pile.
void read_ble_event(builder& b, const boost::json::object& o, std::int64_t t, const std::string& kind,
                    const std::string& at, const std::string& rest) {
  using st = diagram_item::style;
  const auto slash = rest.find('/');
  const std::string pile = rest.substr(0, slash);
  const std::string user = slash == std::string::npos ? "" : rest.substr(slash + 1);
  const std::string p = pile_id(pile), a = agent_id(user);
  const bool from_pile = str(o, "from") == "1";
  if (kind == "connected") b.peer_of_pile[pile] = a;
  if (kind == "drop") {
    auto tx = b.last_tx.find(pile);
    // The pile traces its send first; a loss at the same instant is that frame's fate: cross the arrow.
    if (from_pile && tx != b.last_tx.end() && tx->second.second == t && tx->second.first < b.d.items.size() &&
        b.d.items[tx->second.first].kind == st::reply) {
      auto& item = b.d.items[tx->second.first];
      item.kind = st::lost;
      item.text += " LOST (" + str(o, "why") + ")";
      b.last_tx.erase(tx);
    } else {
      b.add(st::lost, from_pile ? p : a, from_pile ? a : p,
            at + "frame LOST (" + str(o, "bytes") + " B, " + str(o, "why") + ")");
    }
  } else if (kind == "dup") {
    b.add(st::note, p, a,
          at + "packet DUPLICATED by the phone's stack (from " + (from_pile ? "pile" : "phone") + ", " +
              str(o, "bytes") + " B)");
  } else {
    b.add(st::note, p, a, at + "BLE " + kind + fields_text(o));
  }
}

void read_event(builder& b, const boost::json::object& o) {
  const std::int64_t t = o.contains("t_us") && o.at("t_us").is_int64() ? o.at("t_us").as_int64() : 0;
  const std::string actor = str(o, "actor");
  const std::string kind = str(o, "kind");
  const std::string at = stamp(t);
  using st = diagram_item::style;
  if (actor.rfind("user/", 0) == 0) {
    b.note(agent_id(actor.substr(5)), at + actor.substr(5) + ": " + str(o, "do") +
                                          (str(o, "pile").empty() ? "" : " " + str(o, "pile")));
  } else if (actor.rfind("agent/", 0) == 0) {
    const std::string a = agent_id(actor.substr(6));
    if (kind == "http") {
      const std::string attempts = str(o, "attempts");
      b.add(st::request, a, "S", at + str(o, "method") + " " + str(o, "target") +
                                     (attempts.empty() || attempts == "1" ? "" : " (attempts " + attempts + ")"));
      b.add(st::reply, "S", a, str(o, "status"));
    } else {
      b.note(a, at + kind + fields_text(o));
    }
  } else if (actor == "server") {
    if (kind == "http" && str(o, "outcome") == "ok") return;  // drawn from the agent's side, with its attempts
    if (kind == "drop") {  // a request that reached a server that was down; the sender is resolved later
      b.add(st::lost, "?agent", "S", at + "request LOST (" + str(o, "why") + ", " + str(o, "bytes") + " B)");
      return;
    }
    b.note("S", at + kind + fields_text(o));
  } else if (actor.rfind("pile/", 0) == 0) {
    read_pile_event(b, o, t, kind, at, actor.substr(5));
  } else if (actor.rfind("ble/", 0) == 0) {
    read_ble_event(b, o, t, kind, at, actor.substr(4));
  } else if (actor == "fault") {
    b.note_all(at + "FAULT " + kind + fields_text(o));
  } else {
    b.note_all(at + actor + " " + kind + fields_text(o));
  }
}

// Mermaid message text: no ';' (a statement separator) and no '#' (starts an entity code); '<' '>' as codes.
std::string mermaid_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ';') out += ',';
    else if (c == '#') out += "no.";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  std::string esc;
  for (char c : out) esc += c == '<' ? "#lt;" : c == '>' ? "#gt;" : std::string(1, c);
  return esc;
}

std::string truncate(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}
}  // namespace

diagram diagram_from_trace(const std::string& jsonl, std::size_t items_max) {
  builder b;
  b.items_max = items_max;
  std::istringstream in(jsonl);
  std::string line;
  std::set<std::string> piles_seen, agents_seen;
  std::vector<std::string> piles, agents;
  auto see = [](std::set<std::string>& s, std::vector<std::string>& v, const std::string& x) {
    if (!x.empty() && s.insert(x).second) v.push_back(x);
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    const std::string actor = str(o, "actor");
    if (actor.rfind("pile/", 0) == 0) see(piles_seen, piles, actor.substr(5));
    if (actor.rfind("agent/", 0) == 0) see(agents_seen, agents, actor.substr(6));
    if (actor.rfind("user/", 0) == 0) see(agents_seen, agents, actor.substr(5));
    if (actor.rfind("ble/", 0) == 0) {
      const std::string rest = actor.substr(4);
      const auto slash = rest.find('/');
      see(piles_seen, piles, rest.substr(0, slash));
      if (slash != std::string::npos) see(agents_seen, agents, rest.substr(slash + 1));
    }
    read_event(b, o);
  }
  // Pile | phones | server: the phone sits between the two it relays for.
  for (const auto& p : piles) b.d.participants.push_back({pile_id(p), "pile " + p});
  for (const auto& a : agents) b.d.participants.push_back({agent_id(a), "agent " + a});
  b.d.participants.push_back({"S", "server"});
  const std::string first = b.d.participants.front().first, last = b.d.participants.back().first;
  for (auto& it : b.d.items) {
    if (it.from == "?agent" && agents.size() == 1) it.from = agent_id(agents.front());
    if (it.from == "?agent") it = {diagram_item::style::note, "S", "S", it.text};  // several phones: whose?
    if (it.from == "*") it.from = first;
    if (it.to == "*") it.to = last;
  }
  if (b.d.items.size() > items_max) {
    b.d.omitted = b.d.items.size() - items_max;
    b.d.items.resize(items_max);
  }
  return b.d;
}

std::string to_mermaid(const diagram& d, const std::string& title) {
  std::ostringstream m;
  m << "sequenceDiagram\n  title " << mermaid_text(title) << "\n";
  for (const auto& [id, label] : d.participants) m << "  participant " << id << " as " << mermaid_text(label) << "\n";
  using st = diagram_item::style;
  for (const auto& it : d.items) {
    const std::string text = mermaid_text(it.text);
    switch (it.kind) {
      case st::request: m << "  " << it.from << "->>" << it.to << ": " << text << "\n"; break;
      case st::reply: m << "  " << it.from << "-->>" << it.to << ": " << text << "\n"; break;
      case st::lost: m << "  " << it.from << "-x" << it.to << ": " << text << "\n"; break;
      case st::note:
        m << "  Note over " << it.from << (it.to != it.from ? "," + it.to : "") << ": " << text << "\n";
        break;
    }
  }
  if (d.omitted > 0)
    m << "  Note over " << d.participants.front().first << "," << d.participants.back().first << ": "
      << d.omitted << " more events not drawn (raise --items-max)\n";
  return m.str();
}

std::string to_svg(const diagram& d, const std::string& title) {
  constexpr int col_w = 260, left = 140, top = 70, row_h = 26, note_half = 126;
  std::map<std::string, int> x_of;
  for (std::size_t i = 0; i < d.participants.size(); ++i)
    x_of[d.participants[i].first] = left + static_cast<int>(i) * col_w;
  const int width = left * 2 + static_cast<int>(d.participants.size() - 1) * col_w;
  const std::size_t rows = d.items.size() + (d.omitted ? 1 : 0);
  const int height = top + 40 + static_cast<int>(rows) * row_h + 40;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"monospace\" font-size=\"11\">\n"
    << "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\""
       " orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" << xml_escape(title) << "</text>\n";
  for (const auto& [id, label] : d.participants) {
    const int x = x_of[id];
    s << "<rect x=\"" << x - 70 << "\" y=\"34\" width=\"140\" height=\"26\" rx=\"4\" fill=\"#e8eef7\" stroke=\"#456\"/>"
      << "<text x=\"" << x << "\" y=\"51\" text-anchor=\"middle\" font-weight=\"bold\">" << xml_escape(label)
      << "</text>\n<line x1=\"" << x << "\" y1=\"60\" x2=\"" << x << "\" y2=\"" << height - 20
      << "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n";
  }
  using st = diagram_item::style;
  int y = top + 30;
  const std::size_t arrow_chars = static_cast<std::size_t>(col_w - 10) * 10 / 66;
  for (const auto& it : d.items) {
    const int x1 = x_of[it.from], x2 = x_of[it.to];
    if (it.kind == st::note) {
      const int lo = std::min(x1, x2) - note_half, hi = std::max(x1, x2) + note_half;
      const std::size_t chars = static_cast<std::size_t>(hi - lo - 8) * 10 / 66;  // 11 px monospace: ~6.6 px a glyph
      const bool loud = it.text.find("FAULT") != std::string::npos || it.text.find("DUPLICATED") != std::string::npos;
      s << "<rect x=\"" << lo << "\" y=\"" << y - 15 << "\" width=\"" << hi - lo << "\" height=\"20\" fill=\""
        << (loud ? "#fde2c8" : "#fff8c4") << "\" stroke=\"#b9a\"/><text x=\"" << (lo + hi) / 2 << "\" y=\"" << y - 1
        << "\" text-anchor=\"middle\"><title>" << xml_escape(it.text) << "</title>"
        << xml_escape(truncate(it.text, chars)) << "</text>\n";
    } else {
      const bool lost = it.kind == st::lost;
      const int end = lost ? (x1 + x2) / 2 : x2;  // a lost frame stops halfway, at a cross
      s << "<line x1=\"" << x1 << "\" y1=\"" << y << "\" x2=\"" << end << "\" y2=\"" << y << "\" stroke=\""
        << (lost ? "#c00" : "#333") << "\"" << (it.kind == st::reply ? " stroke-dasharray=\"5 3\"" : "")
        << (lost ? "" : " marker-end=\"url(#arrow)\"") << "/>\n";
      if (lost)
        s << "<text x=\"" << end << "\" y=\"" << y + 4 << "\" text-anchor=\"middle\" fill=\"#c00\" font-size=\"14\""
             " font-weight=\"bold\">x</text>\n";
      s << "<text x=\"" << (x1 + x2) / 2 << "\" y=\"" << y - 4 << "\" text-anchor=\"middle\""
        << (lost ? " fill=\"#c00\"" : "") << "><title>" << xml_escape(it.text) << "</title>"
        << xml_escape(truncate(it.text, arrow_chars)) << "</text>\n";
    }
    y += row_h;
  }
  if (d.omitted)
    s << "<text x=\"10\" y=\"" << y << "\">" << d.omitted << " more events not drawn (raise --items-max)</text>\n";
  s << "</svg>\n";
  return s.str();
}

int diagram_command(const diagram_options& o) {
  const auto overrides = parse_set_flags(o.sets, std::cerr);
  if (!overrides) return exit_bad_input;
  auto loaded = scenarios::load_scenario_file(o.file, *overrides);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << scenarios::to_string(d) << "\n";
    return exit_bad_input;
  }
  std::ostringstream trace;
  scenarios::run_options ro;
  ro.seed = o.seed;
  ro.trace_out = &trace;
  scenarios::run_outcome_report r;
  try {
    r = scenarios::run_scenario(*loaded, ro);
  } catch (const scenarios::world_error& e) {
    std::cerr << o.file << ": " << e.what() << "\n";
    return exit_bad_input;
  }
  const diagram d = diagram_from_trace(trace.str(), o.items_max);
  const std::string title = r.scenario + " (seed " + std::to_string(r.seed) + ", " + r.result_word() + ", trace " +
                            r.trace_hash + ")";
  const std::string mmd = to_mermaid(d, title);
  if (o.out_path.empty()) {
    std::cout << mmd;
  } else {
    std::ofstream out(o.out_path, std::ios::binary | std::ios::trunc);
    if (o.out_path.ends_with(".html")) {
      out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << xml_escape(title)
          << "</title></head>\n<body style=\"margin:16px\">\n" << to_svg(d, title)
          << "<details><summary>Mermaid source (paste into any Mermaid viewer)</summary><pre>" << xml_escape(mmd)
          << "</pre></details>\n</body></html>\n";
    } else if (o.out_path.ends_with(".svg")) {
      out << to_svg(d, title);
    } else {
      out << mmd;
    }
    if (!out) {
      std::cerr << o.out_path << ": cannot write\n";
      return exit_bad_input;
    }
    std::cerr << o.out_path << ": " << d.items.size() << " arrows and notes from " << r.trace_events
              << " trace events\n";
  }
  return r.ok() ? exit_ok : exit_failed;
}

}  // namespace pilesim::tools
