#!/usr/bin/env bash
# CI check of docs/studies.md's GNU parallel recipe: a sweep split into 4 shards run by `parallel`, merged, must
# equal the unsharded sweep except for wall_s; merging 3 of the 4 shards is refused unless --partial.
# usage: parallel_sweep_test.sh PILESIM SOURCE_DIR
set -euo pipefail
pilesim=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
f="$src/scenarios/happy_path.yaml"
study=(--seeds 6 --set links.ble.loss=0,0.3 --set 'links.wan.loss=0,0.2' --quiet)
N=4

"$pilesim" sweep "$f" "${study[@]}" --out "$tmp/whole.csv" >/dev/null
parallel --will-cite -j 2 --halt now,fail=1 \
  "'$pilesim' sweep '$f' --seeds 6 --set links.ble.loss=0,0.3 --set 'links.wan.loss=0,0.2' --quiet \
   --shard {}/$N --out '$tmp/shard-{}.csv' >/dev/null" ::: $(seq 1 $N)
"$pilesim" merge "$tmp/merged.csv" "$tmp"/shard-*.csv >/dev/null

# The CSV without its wall_s column (found by name). The study has no failing runs, so no field is quoted.
without_wall() {
  ! grep -q '"' "$1" || { echo "$1: a quoted field; this comparison splits at every comma"; exit 1; }
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_s") w = i }
           { s = ""; for (i = 1; i <= NF; i++) if (i != w) s = s $i ","; print s }' "$1"
}
[ "$(wc -l < "$tmp/whole.csv")" -eq 25 ] || { echo "whole.csv: expected 24 rows"; exit 1; }
diff <(without_wall "$tmp/whole.csv") <(without_wall "$tmp/merged.csv") || { echo "merged != unsharded"; exit 1; }

rm "$tmp/shard-2.csv"
if "$pilesim" merge "$tmp/part.csv" "$tmp"/shard-*.csv >/dev/null 2>"$tmp/err"; then
  echo "merge accepted 3 of 4 shards without --partial"; exit 1
fi
grep -q "18 of 24 runs; missing 6" "$tmp/err" || { echo "unexpected message:"; cat "$tmp/err"; exit 1; }
"$pilesim" merge --partial "$tmp/part.csv" "$tmp"/shard-*.csv >/dev/null 2>&1
[ "$(wc -l < "$tmp/part.csv")" -eq 19 ] || { echo "part.csv: expected 18 rows"; exit 1; }
echo "parallel sweep: $N shards merged equal the unsharded study; an incomplete set is refused"
