#include "tools/report_page.hpp"

#include "tools/svg_plot.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace pilesim::tools {
namespace {

namespace json = boost::json;

constexpr std::size_t sweep_rows_max = 500;  // rows listed on a sweep's page; the plots show every run

constexpr const char* style = R"css(
body { font: 14px/1.45 system-ui, sans-serif; color: #1b1b1b; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } code { font-size: 12px; background: #f4f4f4; padding: 1px 4px; word-break: break-all; }
.pass { color: #17692b; font-weight: 600; } .fail { color: #b0171f; font-weight: 600; } .muted { color: #666; }
svg.plot { display: block; margin: 8px 0 16px; background: #fcfcfc; border: 1px solid #eee; }
svg.plot text { font: 11px system-ui, sans-serif; fill: #333; } svg.plot .axis { stroke: #888; stroke-width: 1; }
)css";

// Lenient readers: a field that is missing or of another type reads as empty or zero.
std::string value_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return short_number(v.as_double());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return "";
}

std::string text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v ? value_text(*v) : "";
}

double number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  if (v.is_string()) return std::strtod(v.as_string().c_str(), nullptr);
  return 0;
}

double number(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v ? number(*v) : 0;
}

const json::object& object(const json::object& o, const char* key) {
  static const json::object none;
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? v->as_object() : none;
}

const json::array& array(const json::object& o, const char* key) {
  static const json::array none;
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : none;
}

// Seconds as people read a delay: 0.4s, 12.5s, 3m20s, 2h05m, 1d03h.
std::string duration(double s) {
  char buf[48];
  const long long t = static_cast<long long>(s);
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (t < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else if (t < 86400) std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, t % 3600 / 60);
  else std::snprintf(buf, sizeof buf, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
  return buf;
}

std::string row(const std::vector<std::string>& cells, bool numeric_after_first = true) {
  std::string out = "<tr>";
  for (std::size_t i = 0; i < cells.size(); ++i)
    out += std::string(i > 0 && numeric_after_first ? "<td class=\"n\">" : "<td>") + cells[i] + "</td>";
  return out + "</tr>";
}

std::string result_span(const std::string& result) {
  return "<span class=\"" + std::string(result == "pass" ? "pass" : "fail") + "\">" + html_escape(result) + "</span>";
}

std::string counts_text(const json::object& counts) {
  std::string out;
  for (const auto& kv : counts)
    out += (out.empty() ? "" : ", ") + html_escape(std::string(kv.key())) + " " + short_number(number(kv.value()));
  return out.empty() ? "none" : out;
}

std::string totals_table(const json::object& a) {
  const json::object& d = object(a, "reconcile_delay_s");
  std::string out = "<table>";
  out += row({"sessions created", text(a, "sessions")}) + row({"started on their pile", text(a, "started")});
  out += row({"reconciled", text(a, "reconciled")}) + row({"expired", text(a, "expired")});
  out += row({"open at until", text(a, "open")}) + row({"starts refused by the server", text(a, "starts_refused")});
  out += row({"gave up (no free pile)", text(a, "gave_up")});
  out += row({"starts by state", counts_text(object(a, "starts_by_state"))}, false);
  out += row({"by stop reason", counts_text(object(a, "by_stop_reason"))}, false);
  out += row({"reservations by state", counts_text(object(a, "reservations_by_state"))}, false);
  out += row({"energy billed (kWh)", short_number(number(a, "energy_wh") / 1000.0)});
  out += row({"money captured", text(a, "captured")}) + row({"refunded", text(a, "refunded")});
  out += row({"no-show fees", text(a, "fees")}) + row({"still frozen at until", text(a, "still_frozen")});
  out += row({"peak frozen", text(a, "peak_frozen") + " at " + duration(number(a, "peak_frozen_at_s"))});
  out += row({"bills still waiting at until", text(a, "bills_waiting_at_end")});
  out += row({"reconcile delay p50 / p95 / p99 / max",
              duration(number(d, "p50")) + " / " + duration(number(d, "p95")) + " / " + duration(number(d, "p99")) +
                  " / " + duration(number(d, "max")) + " <span class=\"muted\">over " + text(d, "count") +
                  " reconciled</span>"});
  return out + "</table>";
}

// The three hourly series, one plot each.
std::string series_plots(const json::object& series, const std::string& id) {
  std::vector<double> hours;
  for (const json::value& t : array(series, "at_s")) hours.push_back(number(t) / 3600.0);
  const std::pair<const char*, const char*> plots[] = {{"sessions_active", "sessions active (most in each hour)"},
                                                       {"money_frozen", "money frozen (most in each hour)"},
                                                       {"bills_waiting", "bills waiting in piles (most in each hour)"}};
  std::string out;
  for (const auto& [key, title] : plots) {
    plot_series s{title, "simulated hours", title, hours, {}};
    for (const json::value& v : array(series, key)) s.y.push_back(number(v));
    out += svg_line_plot(id + "-" + key, s);
  }
  return out;
}

std::string refusals_section(const json::object& refused, const std::string& id) {
  std::vector<std::pair<std::string, double>> bars;
  for (const auto& kv : refused)
    if (number(kv.value()) > 0) bars.emplace_back(std::string(kv.key()), number(kv.value()));
  std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (bars.empty()) return "<p class=\"muted\">Nothing was refused.</p>";
  std::string out = svg_bars(id + "-refusals", "refusals by kind", bars) + "<table>";
  for (const auto& [kind, n] : bars) out += row({html_escape(kind), short_number(n)});
  return out + "</table>";
}

std::string slowest_section(const json::array& slowest) {
  if (slowest.empty()) return "<p class=\"muted\">No session was reconciled.</p>";
  std::string out = "<table><tr><th>session</th><th>user</th><th>pile</th><th>ended</th><th>reconciled</th>"
                    "<th>delay</th><th>reproduce</th></tr>";
  for (const json::value& v : slowest) {
    if (!v.is_object()) continue;
    const json::object& s = v.as_object();
    out += "<tr><td>" + html_escape(text(s, "session")) + "</td><td>" + html_escape(text(s, "user")) + "</td><td>" +
           html_escape(text(s, "pile")) + "</td><td class=\"n\">" + duration(number(s, "ended_at_s")) +
           "</td><td class=\"n\">" + duration(number(s, "reconciled_at_s")) + "</td><td class=\"n\">" +
           duration(number(s, "delay_s")) + "</td><td><code>" + html_escape(text(s, "reproduce")) + "</code></td></tr>";
  }
  return out + "</table>";
}

std::string checks_section(const json::object& run) {
  std::string out = "<table><tr><th>check</th><th>held</th><th>detail</th></tr>";
  const std::pair<const char*, const char*> lists[] = {{"invariants", "name"}, {"expectations", "what"}};
  for (const auto& [list, name] : lists)
    for (const json::value& v : array(run, list)) {
      if (!v.is_object()) continue;
      const json::object& c = v.as_object();
      const bool held = c.if_contains("held") && c.at("held").is_bool() && c.at("held").as_bool();
      out += "<tr><td>" + html_escape(text(c, name)) + "</td><td>" + result_span(held ? "pass" : "fail") +
             "</td><td class=\"muted\">" + html_escape(text(c, "detail")) + "</td></tr>";
    }
  return out + "</table>";
}

std::string run_section(const json::object& run, const std::string& id) {
  std::string out = "<section id=\"" + id + "\"><h1>" + html_escape(text(run, "scenario")) + "</h1>";
  out += "<p>" + result_span(text(run, "result")) + " &middot; seed " + html_escape(text(run, "seed")) +
         " &middot; " + html_escape(text(run, "events")) + " events &middot; " +
         duration(number(run, "sim_seconds")) + " simulated in " + short_number(number(run, "wall_seconds")) +
         " s &middot; trace hash <code>" + html_escape(text(run, "trace_hash")) + "</code> &middot; " +
         html_escape(text(run, "file")) + "</p>";
  out += "<h2>Over time</h2>" + series_plots(object(run, "series"), id);
  out += "<h2>Totals</h2>" + totals_table(object(run, "aggregates"));
  out += "<h2>Refusals by kind</h2>" + refusals_section(object(run, "refused"), id);
  out += "<h2>Slowest reconciliations</h2>" + slowest_section(array(run, "slowest_reconciliations"));
  out += "<h2>Checks</h2>" + checks_section(run);
  out += "<h2>Reproduce</h2><p><code>" + html_escape(text(run, "reproduce")) + "</code></p></section>";
  return out;
}

bool is_run(const json::value& v) { return v.is_object() && v.as_object().contains("aggregates"); }

// A sweep's rows: every value a string, columns as docs/studies.md lists them.
std::string sweep_section(const json::array& rows) {
  std::vector<double> index, reconcile, captured;
  std::size_t ok = 0;
  for (const json::value& v : rows) {
    const json::object& r = v.as_object();
    index.push_back(number(r, "run"));
    reconcile.push_back(number(r, "reconcile_s"));
    captured.push_back(number(r, "captured"));
    ok += text(r, "ok") == "1" ? 1 : 0;
  }
  std::string out = "<section id=\"sweep\"><h1>Sweep of " + std::to_string(rows.size()) + " runs</h1><p>" +
                    std::to_string(ok) + " held, " + std::to_string(rows.size() - ok) + " did not.</p>";
  out += "<h2>Over the runs</h2>";
  out += svg_line_plot("sweep-reconcile", {"slowest time to reconcile (s)", "run", "seconds", index, reconcile});
  out += svg_line_plot("sweep-captured", {"money captured", "run", "captured", index, captured});
  out += "<h2>Runs</h2><table>";
  std::vector<const json::object*> order;
  for (const json::value& v : rows) order.push_back(&v.as_object());
  std::stable_sort(order.begin(), order.end(),
                   [](const json::object* a, const json::object* b) { return text(*a, "ok") < text(*b, "ok"); });
  bool header = false;
  for (std::size_t i = 0; i < order.size() && i < sweep_rows_max; ++i) {
    if (!header) {
      out += "<tr>";
      for (const auto& kv : *order[i]) out += "<th>" + html_escape(std::string(kv.key())) + "</th>";
      out += "</tr>";
      header = true;
    }
    out += "<tr>";
    for (const auto& kv : *order[i])
      out += (kv.key() == "repro" ? "<td><code>" : "<td>") + html_escape(value_text(kv.value())) +
             (kv.key() == "repro" ? "</code></td>" : "</td>");
    out += "</tr>";
  }
  if (order.size() > sweep_rows_max)
    out += "</table><p class=\"muted\">and " + std::to_string(order.size() - sweep_rows_max) + " more runs</p>";
  else out += "</table>";
  return out + "</section>";
}

std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title><style>" + style + "</style></head><body>" + body + "</body></html>\n";
}

}  // namespace

std::string report_page(const json::value& doc) {
  if (doc.is_array()) {
    const json::array& rows = doc.as_array();
    if (rows.empty() || !std::all_of(rows.begin(), rows.end(), [](const json::value& v) {
          return v.is_object() && v.as_object().contains("run") && v.as_object().contains("seed");
        }))
      throw report_input_error("an array, but not a sweep's rows (objects with \"run\" and \"seed\")");
    return page("pilesim sweep", sweep_section(rows));
  }
  if (!doc.is_object()) throw report_input_error("expected a run's JSON (pilesim run --json) or a sweep's");
  std::vector<const json::object*> runs;
  const json::value* list = doc.as_object().if_contains("runs");
  if (list && list->is_array()) {
    for (const json::value& r : list->as_array())
      if (is_run(r)) runs.push_back(&r.as_object());
  } else if (is_run(doc)) {
    runs.push_back(&doc.as_object());
  }
  if (runs.empty()) throw report_input_error("no run with \"aggregates\" in it (made by pilesim run --json)");
  std::string body;
  for (std::size_t i = 0; i < runs.size(); ++i) body += run_section(*runs[i], "run" + std::to_string(i));
  return page(runs.size() == 1 ? "pilesim: " + text(*runs[0], "scenario") : "pilesim: " + std::to_string(runs.size()) + " runs",
              body);
}

}  // namespace pilesim::tools
