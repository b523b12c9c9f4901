#!/usr/bin/env bash
# report_chromium_test.sh PILESIM SOURCE_DIR: `pilesim report` pages as headless Chromium renders them.
#   A run of 60 listed sessions (aggregates, not rows) and a small sweep each become a page; Chromium loads each
#   with no console message at all (no script error, no asset it failed to fetch: the page has none), its DOM
#   holds the plots' SVG paths, and a screenshot of the run's page is not blank and shows the plots' colour.
#   Exits 77 (skipped) only when no chromium is installed (tools/install-deps.sh brings it).
set -euo pipefail
pilesim=$1 src=$2
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "report_chromium_test: no chromium installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "report_chromium_test: $*" >&2; exit 1; }
chrome() {  # chrome LOG ARGS...: headless, its log (console messages included) to LOG
  local log=$1; shift
  HOME="$tmp" timeout 60 "$browser" --headless --disable-gpu --no-sandbox --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 "$@" 2>"$log"
}
no_console() {  # no_console LOG: the page said nothing on its console
  if grep -q ':CONSOLE' "$1"; then grep ':CONSOLE' "$1" >&2; fail "console messages while rendering ($1)"; fi
}

"$src/tests/tools/listed_sessions.sh" 20 60 > "$tmp/fleet.yaml"
"$pilesim" run "$tmp/fleet.yaml" --json > "$tmp/run.json"
[ "$(jq -r '.runs[0].rows_listed' "$tmp/run.json")" = false ] || fail "60 sessions should be aggregated"
"$pilesim" report "$tmp/run.json" --out "$tmp/run.html"
grep -Eq '(src|href)=|url\(|@import' "$tmp/run.html" && fail "the page refers to something outside itself"

chrome "$tmp/dom.log" --dump-dom "file://$tmp/run.html" > "$tmp/run.dom"
no_console "$tmp/dom.log"
for plot in sessions_active money_frozen bills_waiting; do
  grep -Eq "<svg id=\"run0-$plot\"[^>]*>.*<path class=\"line\"[^>]* d=\"M[0-9.]+ [0-9.]+( L[0-9.]+ [0-9.]+)+\"" \
    "$tmp/run.dom" || fail "the DOM has no line for the $plot plot"
done
grep -q '<svg id="run0-refusals"' "$tmp/run.dom" || fail "the DOM has no refusals plot"
grep -q 'sessions all --json | jq' "$tmp/run.dom" || fail "the slowest reconciliations carry no repro command"

chrome "$tmp/shot.log" --window-size=1000,900 --screenshot="$tmp/run.png" "file://$tmp/run.html" > /dev/null
no_console "$tmp/shot.log"
[ -s "$tmp/run.png" ] || fail "no screenshot written"
python3 "$src/tests/tools/png_check.py" "$tmp/run.png" 1f6fb4 500 || fail "the screenshot shows no plot"

"$pilesim" sweep "$src/scenarios/happy_path.yaml" --seeds 3 --quiet --out "$tmp/sweep.json" > /dev/null
"$pilesim" report "$tmp/sweep.json" --out "$tmp/sweep.html"
chrome "$tmp/sweep.log" --dump-dom "file://$tmp/sweep.html" > "$tmp/sweep.dom"
no_console "$tmp/sweep.log"
grep -Eq '<svg id="sweep-reconcile"[^>]*>.*<path class="line"' "$tmp/sweep.dom" || fail "the sweep page has no plot"
echo "report_chromium_test: ok"
