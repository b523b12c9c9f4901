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

// "1260.29s", without the space that starts a label.
std::string stamp_at(std::int64_t t_us) {
  std::string s = stamp(t_us);
  s.pop_back();
  return s;
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

// "51 min 2 s", "2 h 5 min", "40 s": the length of a quiet stretch.
std::string span_text(std::int64_t us) {
  const std::int64_t sec = us / 1'000'000;
  char buf[48];
  if (sec >= 3600) std::snprintf(buf, sizeof buf, "%lld h %lld min", static_cast<long long>(sec / 3600),
                                 static_cast<long long>(sec % 3600 / 60));
  else if (sec >= 60) std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(sec / 60),
                                    static_cast<long long>(sec % 60));
  else std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(sec));
  return buf;
}

// 7200 Wh -> "7.20 kWh"
std::string kwh_text(const std::string& wh) {
  const long long v = wh.empty() ? 0 : std::stoll(wh);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%02lld kWh", v / 1000, (v % 1000) / 10);
  return buf;
}

struct builder {
  using st = diagram_item::style;
  struct answered {
    std::size_t request = 0;
    std::size_t answer = 0;
    std::string target;
  };
  diagram d;
  std::size_t items_max;
  std::int64_t now = 0;  // the time of the trace line being read
  std::map<std::string, std::string> peer_of_pile;   // pile id -> agent participant id last connected
  std::map<std::string, std::pair<std::size_t, std::int64_t>> last_tx;  // pile -> (item, t_us)
  std::map<std::string, std::size_t> last_bill_reply;  // pile -> its last bill_reply arrow
  std::map<std::string, std::size_t> bill_arrow;       // session -> the pile's arrow that carried its bill
  std::map<std::string, answered> last_http;           // agent participant -> its last answered request
  std::set<std::string> charging;                       // piles whose charging bar is open

  std::size_t add(st k, std::string from, std::string to, std::string text) { return add_at(now, k, from, to, text); }
  std::size_t add_at(std::int64_t t, st k, std::string from, std::string to, std::string text) {
    d.items.push_back({k, std::move(from), std::move(to), std::move(text), t});
    return d.items.size() - 1;
  }
  void note(const std::string& over, const std::string& text) { add(st::note, over, over, text); }
  void note_all(const std::string& text) { add(st::note, "*", "*", text); }
  // The answer of `agent`'s last request, if it was to `target`.
  const answered* answer_to(const std::string& agent, const std::string& target) const {
    auto it = last_http.find(agent);
    return it != last_http.end() && it->second.target == target ? &it->second : nullptr;
  }
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
      const std::size_t i = b.add(st::reply, p, peer->second, at + what);
      b.last_tx[pile] = {i, t};
      if (str(o, "msg") == "bill_reply") b.last_bill_reply[pile] = i;
    } else {
      b.add(st::request, peer->second, p, at + what + (kind == "rx_repeat" ? " (repeat: acted on once)" : ""));
    }
  } else if (kind == "state") {
    b.note(p, at + str(o, "from") + " \u2192 " + str(o, "to"));
    if (str(o, "to") == "charging" && b.charging.insert(p).second) b.add(st::activate, p, p, "");
    if (str(o, "from") == "charging" && b.charging.erase(p) > 0) b.add(st::deactivate, p, p, "");
  } else {
    b.note(p, at + kind + fields_text(o));
  }
}

// A phone's line: its HTTP exchanges as a request when it left and the answer when it arrived, the money of a
// start authorization and of a reconciliation written on the arrows that carried it, the rest as notes.
void read_agent_event(builder& b, const boost::json::object& o, std::int64_t t, const std::string& kind,
                      const std::string& at, const std::string& a) {
  using st = diagram_item::style;
  if (kind == "http") {
    const std::string attempts = str(o, "attempts"), sent = str(o, "sent_us");
    const std::int64_t sent_us = sent.empty() ? t : std::stoll(sent);
    const std::string target = str(o, "target");
    builder::answered x;
    x.target = target;
    x.request = b.add_at(sent_us, st::request, a, "S",
                         stamp(sent_us) + str(o, "method") + " " + target +
                             (attempts.empty() || attempts == "1" ? "" : " (attempts " + attempts + ")"));
    x.answer = b.add(st::reply, "S", a, at + str(o, "status"));
    b.last_http[a] = x;
    return;
  }
  const std::string session = str(o, "session");
  if (kind == "authorized") {
    if (const auto* x = b.answer_to(a, "/v1/sessions")) {
      const std::string expires = str(o, "expires_us");
      b.d.items[x->answer].text += " session " + session + ": frozen " + str(o, "frozen") +
                                   (expires.empty() ? "" : ", valid until " + stamp_at(std::stoll(expires)));
      return;
    }
  } else if (kind == "bill_collected") {
    if (auto it = b.last_bill_reply.find(str(o, "pile")); it != b.last_bill_reply.end()) {
      b.bill_arrow[session] = it->second;
      b.last_bill_reply.erase(it);
    }
  } else if (kind == "bill_uploaded") {
    const std::string energy = kwh_text(str(o, "energy_wh")), cost = str(o, "charged");
    if (auto it = b.bill_arrow.find(session); it != b.bill_arrow.end()) {
      b.d.items[it->second].text += " (bill " + session + ": " + energy + ", cost " + cost + ")";
      b.bill_arrow.erase(it);
    }
    if (const auto* x = b.answer_to(a, "/v1/sessions/" + session + "/bill")) {
      b.d.items[x->request].text += ": " + energy + ", cost " + cost;
      b.d.items[x->answer].text += " reconciled: captured " + cost + ", refunded " + str(o, "refunded");
      return;
    }
  }
  b.note(a, at + kind + fields_text(o));
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
  b.now = t;
  using st = diagram_item::style;
  if (actor.rfind("user/", 0) == 0) {
    b.note(agent_id(actor.substr(5)), at + actor.substr(5) + ": " + str(o, "do") +
                                          (str(o, "pile").empty() ? "" : " " + str(o, "pile")));
  } else if (actor.rfind("agent/", 0) == 0) {
    read_agent_event(b, o, t, kind, at, agent_id(actor.substr(6)));
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
  // Time order (a request drawn when it left comes before what happened while it travelled), then a break
  // wherever nothing happened for a while.
  std::stable_sort(b.d.items.begin(), b.d.items.end(),
                   [](const diagram_item& x, const diagram_item& y) { return x.t_us < y.t_us; });
  std::vector<diagram_item> items;
  items.reserve(b.d.items.size());
  for (auto& it : b.d.items) {
    if (!items.empty() && it.t_us - items.back().t_us >= diagram_gap_us)
      items.push_back({diagram_item::style::gap, first, last,
                       "\u22ef " + span_text(it.t_us - items.back().t_us) + " later \u22ef", items.back().t_us});
    items.push_back(std::move(it));
  }
  b.d.items = std::move(items);
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
      case st::gap:
        m << "  Note over " << it.from << (it.to != it.from ? "," + it.to : "") << ": " << text << "\n";
        break;
      case st::activate: m << "  activate " << it.from << "\n"; break;
      case st::deactivate: m << "  deactivate " << it.from << "\n"; break;
    }
  }
  if (d.omitted > 0)
    m << "  Note over " << d.participants.front().first << "," << d.participants.back().first << ": "
      << d.omitted << " more events not drawn (raise --items-max)\n";
  return m.str();
}

namespace {
// Splits `s` into lines of at most `chars` characters, at spaces where it can: nothing is cut off.
std::vector<std::string> wrap(const std::string& s, std::size_t chars) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream words(s);
  std::string w;
  while (words >> w) {
    while (w.size() > chars) {  // a word longer than a line: split it
      if (!line.empty()) lines.push_back(std::move(line)), line.clear();
      lines.push_back(w.substr(0, chars));
      w = w.substr(chars);
    }
    if (!line.empty() && line.size() + 1 + w.size() > chars) lines.push_back(std::move(line)), line.clear();
    line += (line.empty() ? "" : " ") + w;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

// Characters of 11 px monospace (about 6.6 px a glyph) that fit in `px`.
std::size_t glyphs(int px) { return static_cast<std::size_t>(std::max(px - 8, 20)) * 10 / 66; }

void svg_lines(std::ostringstream& s, int x, int y, const std::vector<std::string>& lines, const char* extra) {
  s << "<text x=\"" << x << "\" y=\"" << y << "\" text-anchor=\"middle\"" << extra << ">";
  for (std::size_t i = 0; i < lines.size(); ++i)
    s << "<tspan x=\"" << x << "\" dy=\"" << (i == 0 ? 0 : 13) << "\">" << xml_escape(lines[i]) << "</tspan>";
  s << "</text>\n";
}
}  // namespace

std::string to_svg(const diagram& d, const std::string& title) {
  constexpr int col_w = 260, left = 140, top = 70, note_half = 126, line_h = 13;
  using st = diagram_item::style;
  std::map<std::string, int> x_of;
  for (std::size_t i = 0; i < d.participants.size(); ++i)
    x_of[d.participants[i].first] = left + static_cast<int>(i) * col_w;
  const int lanes_w = left * 2 + static_cast<int>(d.participants.size() - 1) * col_w;
  const int title_w = 20 + static_cast<int>(title.size()) * 86 / 10;  // 14 px bold monospace
  const int width = std::max(lanes_w, title_w);
  const std::size_t arrow_chars = glyphs(col_w - 10);

  // Lay the rows out first: a row is as tall as its wrapped text; a break is a band of its own.
  struct row {
    int y = 0;  // baseline of the arrow, or top of the note
    std::vector<std::string> lines;
  };
  std::vector<row> rows(d.items.size());
  int y = top + 20;
  for (std::size_t i = 0; i < d.items.size(); ++i) {
    const auto& it = d.items[i];
    row& r = rows[i];
    if (it.kind == st::activate || it.kind == st::deactivate) {
      r.y = y;
      continue;
    }
    if (it.kind == st::note || it.kind == st::gap) {
      const int x1 = x_of[it.from], x2 = x_of[it.to];
      const int lo = std::min(x1, x2) - note_half, hi = std::max(x1, x2) + note_half;
      r.lines = wrap(it.text, glyphs(hi - lo));
      r.y = y;
      y += static_cast<int>(r.lines.size()) * line_h + (it.kind == st::gap ? 22 : 12);
    } else {
      const int span = std::abs(x_of[it.to] - x_of[it.from]);
      r.lines = wrap(it.text, std::max(arrow_chars, glyphs(span - 10)));
      y += static_cast<int>(r.lines.size()) * line_h + 4;
      r.y = y;
      y += 10;
    }
  }
  if (d.omitted) y += 20;
  const int height = y + 30;

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
  // Charging bars under everything else: from the pile's idle -> charging to charging -> idle (or the end).
  std::map<std::string, int> bar_from;
  auto bar = [&](const std::string& p, int from, int to) {
    s << "<rect x=\"" << x_of[p] - 6 << "\" y=\"" << from << "\" width=\"12\" height=\"" << std::max(to - from, 2)
      << "\" fill=\"#9fd49f\" stroke=\"#383\"><title>charging</title></rect>\n";
  };
  for (std::size_t i = 0; i < d.items.size(); ++i) {
    const auto& it = d.items[i];
    if (it.kind == st::activate) bar_from[it.from] = rows[i].y;
    if (it.kind == st::deactivate)
      if (auto b = bar_from.find(it.from); b != bar_from.end()) bar(it.from, b->second, rows[i].y), bar_from.erase(b);
  }
  for (const auto& [p, from] : bar_from) bar(p, from, y);

  for (std::size_t i = 0; i < d.items.size(); ++i) {
    const auto& it = d.items[i];
    const row& r = rows[i];
    const int x1 = x_of[it.from], x2 = x_of[it.to];
    if (it.kind == st::activate || it.kind == st::deactivate) continue;
    if (it.kind == st::gap) {
      // A break across every lifeline: two zigzags, the quiet time written between them.
      const int h = static_cast<int>(r.lines.size()) * line_h + 14;
      for (int edge : {r.y, r.y + h}) {
        s << "<polyline fill=\"none\" stroke=\"#777\" points=\"";
        for (int x = 0, k = 0; x <= width; x += 8, ++k) s << x << "," << edge + (k % 2 ? 3 : -3) << " ";
        s << "\"/>\n";
      }
      s << "<rect x=\"0\" y=\"" << r.y + 4 << "\" width=\"" << width << "\" height=\"" << h - 8
        << "\" fill=\"#f2f2f2\"/>\n";
      svg_lines(s, width / 2, r.y + 15, r.lines, " fill=\"#444\" font-style=\"italic\"");
    } else if (it.kind == st::note) {
      const int lo = std::min(x1, x2) - note_half, hi = std::max(x1, x2) + note_half;
      const int h = static_cast<int>(r.lines.size()) * line_h + 7;
      const bool loud = it.text.find("FAULT") != std::string::npos || it.text.find("DUPLICATED") != std::string::npos;
      s << "<rect x=\"" << lo << "\" y=\"" << r.y << "\" width=\"" << hi - lo << "\" height=\"" << h << "\" fill=\""
        << (loud ? "#fde2c8" : "#fff8c4") << "\" stroke=\"#b9a\"/>\n";
      svg_lines(s, (lo + hi) / 2, r.y + 12, r.lines, "");
    } else {
      const bool lost = it.kind == st::lost;
      const int end = lost ? (x1 + x2) / 2 : x2;  // a lost frame stops halfway, at a cross
      s << "<line x1=\"" << x1 << "\" y1=\"" << r.y << "\" x2=\"" << end << "\" y2=\"" << r.y << "\" stroke=\""
        << (lost ? "#c00" : "#333") << "\"" << (it.kind == st::reply ? " stroke-dasharray=\"5 3\"" : "")
        << (lost ? "" : " marker-end=\"url(#arrow)\"") << "/>\n";
      if (lost)
        s << "<text x=\"" << end << "\" y=\"" << r.y + 4
          << "\" text-anchor=\"middle\" fill=\"#c00\" font-size=\"14\" font-weight=\"bold\">x</text>\n";
      const int first_line = r.y - 4 - static_cast<int>(r.lines.size() - 1) * line_h;
      svg_lines(s, (x1 + x2) / 2, first_line, r.lines, lost ? " fill=\"#c00\"" : "");
    }
  }
  if (d.omitted)
    s << "<text x=\"10\" y=\"" << y - 4 << "\">" << d.omitted << " more events not drawn (raise --items-max)</text>\n";
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
