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
echo ok
