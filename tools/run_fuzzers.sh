#!/usr/bin/env bash
# Runs each libFuzzer target of fuzz/ for SECONDS on its corpus and prints one line per target: executions,
# corpus size, and whether it found anything. Exit 1 when a target crashed, leaked, timed out or ran out of memory
# (the input is kept in BUILD/fuzz-artifacts/).
#   tools/run_fuzzers.sh BUILD SECONDS [TARGET...]
# Each target starts from its checked-in seeds (fuzz/corpus/<name>/; the loader's are scenarios/*.yaml) and from
# what earlier runs added in BUILD/fuzz-corpus/<name>/, the only directory it writes.
set -uo pipefail

build=$1
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_ble fuzz_http fuzz_loader fuzz_token)
root=$(cd "$(dirname "$0")/.." && pwd)
status=0

for t in "${targets[@]}"; do
  exe="$build/fuzz/$t"
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts"
  mkdir -p "$work" "$artifacts"
  seeds=("$root/fuzz/corpus/${t#fuzz_}")
  if [ "$t" = fuzz_loader ]; then
    seeds=("$build/fuzz-seeds/loader")
    mkdir -p "${seeds[0]}"
    cp "$root"/scenarios/*.yaml "${seeds[0]}/"
  fi
  log="$build/fuzz-$t.log"
  "$exe" "$work" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "$work" -maxdepth 1 -type f | wc -l)
  if [ $rc -eq 0 ]; then
    echo "$t: ${runs:-?} executions in ${seconds}s, $corpus inputs added to the corpus, nothing found"
  else
    echo "$t: FAILED (exit $rc) after ${runs:-?} executions; log $log, input in $artifacts/" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+:)' "$log" | head -5 >&2
    status=1
  fi
done
exit $status
