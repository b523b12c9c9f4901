#!/usr/bin/env bash
# CI check of tools/plot_sweep.sh: a tiny sweep is plotted to PNG and SVG; both files must exist and be images.
# A tiny swarm is plotted by fault kind, and the SVG must name every kind its runs drew.
# usage: plot_sweep_test.sh PILESIM SOURCE_DIR
set -euo pipefail
pilesim=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$pilesim" sweep "$src/scenarios/happy_path.yaml" --seeds 3 --set links.ble.loss=0,0.3 --quiet \
  --out "$tmp/s.csv" >/dev/null
"$src/tools/plot_sweep.sh" "$tmp/s.csv" links.ble.loss "$tmp/s.png" >/dev/null
"$src/tools/plot_sweep.sh" "$tmp/s.csv" links.ble.loss "$tmp/s.svg" >/dev/null
[ "$(head -c 8 "$tmp/s.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not a PNG"; exit 1; }
grep -q '<svg' "$tmp/s.svg" || { echo "not an SVG"; exit 1; }
if "$src/tools/plot_sweep.sh" "$tmp/s.csv" no.such.column "$tmp/x.png" 2>/dev/null; then
  echo "an unknown column must fail"; exit 1
fi
grep -q 'p95 reconcile delay after the session ended' "$tmp/s.svg" || { echo "the delay is not the one after the end"; exit 1; }
# Two swept parameters: one line per value of the second, by default and with --by; --by none pools them.
"$pilesim" sweep "$src/scenarios/happy_path.yaml" --seeds 2 --set links.ble.loss=0,0.3 \
  --set links.wan.delay=50ms,1s --quiet --out "$tmp/g.csv" >/dev/null
"$src/tools/plot_sweep.sh" "$tmp/g.csv" links.ble.loss "$tmp/g.svg" >/dev/null
for v in 50ms 1s; do
  grep -q "links.wan.delay=$v: success" "$tmp/g.svg" || { echo "no line for links.wan.delay=$v"; exit 1; }
done
"$src/tools/plot_sweep.sh" --by links.ble.loss "$tmp/g.csv" links.wan.delay "$tmp/h.svg" >/dev/null
grep -q "links.ble.loss=0.3: success" "$tmp/h.svg" || { echo "--by draws no line per value"; exit 1; }
"$src/tools/plot_sweep.sh" --by none "$tmp/g.csv" links.ble.loss "$tmp/n.svg" >/dev/null
if grep -q "links.wan.delay=" "$tmp/n.svg"; then echo "--by none must pool"; exit 1; fi
if "$src/tools/plot_sweep.sh" --by no.such "$tmp/g.csv" links.ble.loss "$tmp/x.svg" 2>/dev/null; then
  echo "an unknown --by column must fail"; exit 1
fi
# A swarm: one bar pair per fault kind drawn, named by the kind; a sweep CSV is not a swarm's.
"$pilesim" swarm "$src/scenarios/happy_path.yaml" --seeds 12 --quiet --out "$tmp/w.csv" >/dev/null || true
"$src/tools/plot_sweep.sh" --swarm "$tmp/w.csv" "$tmp/w.svg" >/dev/null
"$src/tools/plot_sweep.sh" --swarm "$tmp/w.csv" "$tmp/w.png" >/dev/null
[ "$(head -c 8 "$tmp/w.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "swarm: not a PNG"; exit 1; }
kinds=$(awk -F, 'NR > 1 { if (match($0, /,(ble|ble_disconnect|wan|server|pile|attack\/[a-z_]+)(;[a-z_\/]+)*,"/)) {
  k = substr($0, RSTART + 1, RLENGTH - 3); n = split(k, a, ";"); for (i = 1; i <= n; i++) print a[i] } }' "$tmp/w.csv" |
  sort -u)
[ -n "$kinds" ] || { echo "swarm: no fault kinds read from the CSV"; exit 1; }
for k in $kinds; do
  grep -q ">$k<" "$tmp/w.svg" || { echo "swarm: the plot does not name fault kind $k"; exit 1; }
done
for t in "broke an invariant" "only missed expectations"; do
  grep -q "$t" "$tmp/w.svg" || { echo "swarm: no series '$t'"; exit 1; }
done
if "$src/tools/plot_sweep.sh" --swarm "$tmp/s.csv" "$tmp/x.svg" 2>/dev/null; then
  echo "--swarm must refuse a sweep CSV"; exit 1
fi
echo ok
