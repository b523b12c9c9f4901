#!/usr/bin/env bash
# CI check of tools/plot_sweep.sh: a tiny sweep is plotted to PNG and SVG; both files must exist and be images.
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
echo ok
