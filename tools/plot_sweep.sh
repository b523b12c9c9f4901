#!/usr/bin/env bash
# Plots a `pilesim sweep --out FILE.csv` study against one swept parameter: the success rate with its Wilson 95 %
# interval (left axis) and the p95 reconcile delay after the session ended on its pile (right axis), one line
# per value of a second swept parameter (--by; by default the other one when the sweep has exactly two). Runs of
# any further swept parameters are pooled.
# With --swarm it plots a `pilesim swarm --out FILE.csv` instead: per fault kind, the share of the runs that drew
# it which broke an invariant and which only missed expectations, two bars with their Wilson 95 % intervals.
# Needs only bash, POSIX awk, sort and gnuplot (Debian gnuplot-nox); it reads the CSV and never runs a simulation.
#
# usage: tools/plot_sweep.sh [--by PARAM2] SWEEP.csv [PARAM] [OUT.png|OUT.svg]
#        tools/plot_sweep.sh --swarm SWARM.csv [OUT.png|OUT.svg]
#   PARAM  a parameter column (a --set key path); default: the only one, or the first of several
#   PARAM2 the parameter drawn as one line per value; `--by none` pools every other parameter into one line
#   OUT    default: SWEEP.png next to the CSV; the extension picks the terminal (pngcairo or svg)
set -euo pipefail

die() { echo "plot_sweep: $*" >&2; exit 2; }

usage="usage: plot_sweep.sh [--by PARAM2] SWEEP.csv [PARAM] [OUT.png|OUT.svg] | --swarm SWARM.csv [OUT.png|OUT.svg]"
by=""
swarm=0
if [[ ${1:-} == --by ]]; then
  [[ $# -ge 2 ]] || die "--by needs a parameter column (or none)"
  by=$2
  shift 2
elif [[ ${1:-} == --swarm ]]; then
  swarm=1
  shift
  [[ $# -ge 1 && $# -le 2 ]] || die "$usage"
fi
[[ $# -ge 1 && $# -le 3 ]] || die "$usage"
csv=$1
[[ -r $csv ]] || die "$csv: cannot read"
command -v gnuplot >/dev/null || die "gnuplot not found (apt-get install gnuplot-nox)"

# Quote-aware CSV splitting for mawk: fields land in f[1..n]; doubled quotes inside quotes are one quote.
read -r -d '' csv_awk <<'AWK' || true
function split_csv(line, f,    n, i, c, q, cur) {
  n = 0; cur = ""; q = 0
  for (i = 1; i <= length(line); i++) {
    c = substr(line, i, 1)
    if (q) {
      if (c == "\"" && substr(line, i + 1, 1) == "\"") { cur = cur "\""; i++ }
      else if (c == "\"") q = 0
      else cur = cur c
    } else if (c == "\"") q = 1
    else if (c == ",") { f[++n] = cur; cur = "" }
    else if (c != "\r") cur = cur c
  }
  f[++n] = cur
  return n
}
AWK

header=$(head -n 1 "$csv")
[[ $header == run,* ]] || die "$csv: not a pilesim sweep CSV (the header starts with 'run,')"

terminal_for() {
  case $1 in
    *.png) echo "pngcairo size 900,560 font 'sans,10'" ;;
    *.svg) echo "svg size 900,560 font 'sans,10' background rgb 'white'" ;;
    *) die "$1: the output must end in .png or .svg" ;;
  esac
}

# The Wilson 95 % interval of k successes in n, in %, as awk: the sweep's curves and the swarm's bars share it.
read -r -d '' wilson_awk <<'AWK' || true
function wilson(k, n, w,    z, p, d, c, h) {
  z = 1.959963984540054; p = k / n; d = 1 + z * z / n
  c = (p + z * z / (2 * n)) / d; h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
  w["p"] = 100 * p; w["lo"] = c - h < 0 ? 0 : 100 * (c - h); w["hi"] = c + h > 1 ? 100 : 100 * (c + h)
}
AWK

if [[ $swarm == 1 ]]; then
  awk -v line="$header" "$csv_awk"'BEGIN { n = split_csv(line, f); for (i = 1; i <= n; i++) have[f[i]] = 1
    exit !(have["fault_kinds"] && have["failure"]) }' ||
    die "$csv: not a pilesim swarm CSV (no fault_kinds and failure columns)"
  out=${2:-${csv%.csv}.png}
  terminal=$(terminal_for "$out")
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Per fault kind (each counted once per run that drew it, however many times): runs, invariant failures,
  # expectation-only failures; then the two rates with their intervals, kinds in name order as swarm prints them.
  awk "$csv_awk"'
    NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
    $0 != "" {
      split_csv($0, f); k = split(f[col["fault_kinds"]], kinds, ";"); delete seen
      for (i = 1; i <= k; i++) {
        if (kinds[i] == "" || kinds[i] in seen) continue
        seen[kinds[i]] = 1; runs[kinds[i]]++
        if (f[col["failure"]] == "invariant") inv[kinds[i]]++
        if (f[col["failure"]] == "expectation") exp_[kinds[i]]++
      }
    }
    END { for (g in runs) printf "%s\t%d\t%d\t%d\n", g, runs[g], inv[g] + 0, exp_[g] + 0 }' "$csv" |
    LC_ALL=C sort -t "$(printf '\t')" -k1,1 >"$tmp/kinds.tsv"
  [[ -s $tmp/kinds.tsv ]] || die "$csv: no run drew a fault"
  awk -F '\t' "$wilson_awk"'
    { wilson($3, $2, a); wilson($4, $2, b)
      printf "%d\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", NR - 1, $1, $2, a["p"], a["lo"], a["hi"], b["p"], b["lo"], b["hi"] }' \
    "$tmp/kinds.tsv" >"$tmp/bars.tsv"
  runs=$(awk -F, 'NR > 1 && $0 != "" { n++ } END { print n + 0 }' "$csv")
  title="$(basename "$csv"): $runs runs; share of the runs that drew each fault kind which failed"
  gnuplot <<GP
set terminal $terminal
set output '$out'
set datafile separator "\t"
set title "${title//\"/\\\"}" noenhanced
set xlabel "fault kind drawn (each counted once per run that drew it)"
set ylabel "runs that failed (%), Wilson 95 % CI"
set yrange [0:105]
set xrange [-0.6:*]
set offsets 0, 0.6, 0, 0
set style fill solid 0.6 border -1
set grid ytics
set xtics rotate by -35 noenhanced nomirror
set key below box noenhanced
plot '$tmp/bars.tsv' using (\$1 - 0.18):4:5:6:(0.36):xtic(2) with boxerrorbars lc rgb '#d62728' title "broke an invariant", \
     '' using (\$1 + 0.18):7:8:9:(0.36) with boxerrorbars lc rgb '#1f77b4' title "only missed expectations"
GP
  echo "$out"
  exit 0
fi
# Parameter columns sit between "run" and "seed".
params=$(awk -v line="$header" "$csv_awk"'
  BEGIN { n = split_csv(line, f); for (i = 2; i <= n && f[i] != "seed"; i++) print f[i] }')
[[ -n $params ]] || die "$csv: the sweep had no --set parameter to plot against"
param=${2:-$(head -n 1 <<<"$params")}
grep -qxF -- "$param" <<<"$params" || die "no parameter column '$param' (have: $(tr '\n' ' ' <<<"$params"))"
others=$(grep -vxF -- "$param" <<<"$params" || true)
if [[ -z $by ]]; then
  [[ $(grep -c . <<<"$others") -eq 1 ]] && by=$others || by=none
fi
if [[ $by != none ]]; then
  [[ $by != "$param" ]] || die "--by $by: that is the x axis already"
  grep -qxF -- "$by" <<<"$others" || die "no parameter column '$by' to draw lines by (have: $(tr '\n' ' ' <<<"$others"))"
fi
# The delay a bill waited once its session ended on the pile; sweeps written before that column existed have
# only the time from the start request (charging included).
delay_col=reconcile_after_end_s
delay_label="p95 reconcile delay after the session ended (s)"
if ! awk -v line="$header" "$csv_awk"'BEGIN { n = split_csv(line, f); for (i = 1; i <= n; i++) if (f[i] == "reconcile_after_end_s") exit 0; exit 1 }'; then
  delay_col=reconcile_s
  delay_label="p95 time to reconcile from the start request (s)"
fi
out=${3:-${csv%.csv}.png}
terminal=$(terminal_for "$out")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Pass 1: one line per run: group <TAB> x order <TAB> x <TAB> ok <TAB> delay (empty when nothing reconciled),
# groups and x values in first-seen order.
awk -v param="$param" -v by="$by" -v delay="$delay_col" "$csv_awk"'
  NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
  $0 != "" {
    split_csv($0, f); x = f[col[param]]; g = by == "none" ? "" : f[col[by]]
    if (!(x in order)) order[x] = ++points
    if (!(g in gorder)) gorder[g] = ++groups
    print gorder[g] "\t" g "\t" order[x] "\t" x "\t" f[col["ok"]] "\t" f[col[delay]]
  }' "$csv" | sort -t "$(printf '\t')" -k1,1n -k3,3n -k6,6g >"$tmp/runs.tsv"

# Pass 2: per group and x: runs, successes, rate and Wilson 95 % interval (in %), p95 (nearest rank) of the
# delays; each group to its own file, points-G.tsv, and its value to groups.tsv.
awk -F '\t' -v dir="$tmp" "$wilson_awk"'
  function flush(   w, r, t95) {
    if (n == 0) return
    wilson(ok, n, w)
    if (m > 0) { r = int(0.95 * m); if (r < 0.95 * m) r++; if (r < 1) r = 1; t95 = t[r] } else t95 = "NaN"
    printf "%d\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%s\n", idx, x, n, ok, w["p"], w["lo"], w["hi"], t95 \
      > (dir "/points-" grp ".tsv")
  }
  $1 != grp || $3 != idx {
    flush()
    if ($1 != grp) print $1 "\t" $2 > (dir "/groups.tsv")
    grp = $1; idx = $3; x = $4; n = 0; ok = 0; m = 0; delete t
  }
  { n++; if ($5 == "1") ok++; if ($6 != "") t[++m] = $6 }
  END { flush() }' "$tmp/runs.tsv"
cat "$tmp"/points-*.tsv >"$tmp/points.tsv"

# A numeric parameter gets a real axis; anything else (durations, maps) is plotted by category.
if awk -F '\t' '$2 !~ /^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$/ { bad = 1 } END { exit bad }' "$tmp/points.tsv"; then
  xcol=2; xtic=""
else
  xcol=1; xtic=":xtic(2)"
fi
runs=$(awk -F '\t' '{ s += $3 } END { print s }' "$tmp/points.tsv")
title="$(basename "$csv"): $runs runs; success vs $param"
[[ $by == none ]] || title="$title, one line per $by"

# One pair of curves per group: the rate solid with its interval, the delay dashed on the right axis, same colour.
colors=('#1f77b4' '#d62728' '#2ca02c' '#9467bd' '#ff7f0e' '#8c564b' '#e377c2' '#17becf' '#7f7f7f' '#bcbd22')
plot=""
while IFS=$'\t' read -r g value; do
  c=${colors[$(( (g - 1) % ${#colors[@]} ))]}
  name=${value//\"/\\\"}
  label_rate="success rate"; label_delay="p95 delay"
  if [[ $by != none ]]; then label_rate="$by=$name: success"; label_delay="$by=$name: p95 delay"; fi
  f="$tmp/points-$g.tsv"
  plot+="${plot:+, }'$f' using $xcol:5:6:7$xtic with yerrorlines lw 2 pt 7 lc rgb '$c' title \"$label_rate\""
  plot+=", '$f' using $xcol:8 axes x1y2 with linespoints lw 2 pt 5 dt 2 lc rgb '$c' title \"$label_delay\""
done <"$tmp/groups.tsv"

gnuplot <<GP
set terminal $terminal
set output '$out'
set datafile separator "\t"
set datafile missing "NaN"
set title "${title//\"/\\\"}" noenhanced
set xlabel "${param//\"/\\\"}" noenhanced
set ylabel "success rate (%), Wilson 95 % CI"
set y2label "$delay_label"
set yrange [0:105]
set y2range [0:*]
set ytics nomirror
set y2tics
set grid ytics
set key below box noenhanced
set offsets graph 0.05, graph 0.05, 0, 0
plot $plot
GP
echo "$out"
