// `pilesim diagram FILE [--seed N] [--set k=v]... [--out FILE.mmd|FILE.html]`: runs a scenario once with a trace
// and draws the run as a sequence diagram — agent, server and pile lifelines; HTTP requests and BLE frames as
// arrows (money and energy on the ones that carry them), each at its own time; lost frames crossed, duplicated
// frames, faults, steps and state changes as notes; a pile's charging as a bar; quiet stretches as breaks. Mermaid text (renders
// in any Mermaid viewer: GitHub, GitLab, mermaid.live) or a self-contained HTML page with an inline SVG drawn
// here. It reads only the trace's JSON lines; it never changes how the run goes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pilesim::tools {

struct diagram_options {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  std::string out_path;              // .mmd, .html or .svg; empty: Mermaid on stdout
  std::size_t items_max = 1500;      // arrows and notes drawn; the rest is summarised in one note
};

int diagram_command(const diagram_options& o);

// One arrow or note of the diagram, built from trace lines (exposed for tests).
// Each item has its own time: a request drawn when it left, its answer when it arrived. Items are drawn in time
// order; `activate`/`deactivate` bracket a pile's charging (a bar on its lifeline), and a `gap` marks a quiet
// stretch that is drawn compressed, with its length written on the break.
struct diagram_item {
  enum class style : std::uint8_t { request, reply, lost, note, activate, deactivate, gap } kind = style::note;
  std::string from;                  // participant id; for notes: the first participant covered
  std::string to;                    // participant id; for notes: the last participant covered
  std::string text;
  std::int64_t t_us = 0;
};

// A quiet stretch at least this long between two items is drawn as a break (today's 20 and 50 minutes differ).
inline constexpr std::int64_t diagram_gap_us = 120'000'000;

struct diagram {
  std::vector<std::pair<std::string, std::string>> participants;  // id, label; in drawing order
  std::vector<diagram_item> items;
  std::size_t omitted = 0;
};

// Builds the diagram from a JSON-lines trace (`pilesim run --trace`).
diagram diagram_from_trace(const std::string& jsonl, std::size_t items_max);
std::string to_mermaid(const diagram& d, const std::string& title);
std::string to_svg(const diagram& d, const std::string& title);

}  // namespace pilesim::tools
