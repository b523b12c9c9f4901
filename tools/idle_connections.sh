#!/usr/bin/env bash
# Holds N idle TCP connections to a running `pilesim serve`, closes them, and times one new request: the
# measurement behind docs/serve.md's "descriptor exhaustion" figures (run the server under `ulimit -n 256`).
# Nothing is sent on the idle connections; the kernel completes their handshake even while the server is not
# accepting, so they pile up in its listen backlog as a real flood would.
#
# usage: tools/idle_connections.sh PORT TOKEN [N=500] [HOLD_S=10]
#   PORT   the port serve printed; TOKEN a bearer token it printed (or --deterministic-keys gave)
# prints: how many connections opened, then the new request's status and seconds from the close to the answer.
set -euo pipefail
port=${1:?usage: idle_connections.sh PORT TOKEN [N] [HOLD_S]}
token=${2:?usage: idle_connections.sh PORT TOKEN [N] [HOLD_S]}
n=${3:-500}
hold_s=${4:-10}
ulimit -n $((n + 64))   # this shell's own descriptors, not the server's

fds=()
for ((i = 0; i < n; ++i)); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || { echo "connect $i failed" >&2; break; }
  fds+=("$fd")
done
echo "opened ${#fds[@]} idle connections; holding them ${hold_s}s"
sleep "$hold_s"
for fd in "${fds[@]}"; do exec {fd}>&-; done
t0=$(date +%s.%N)
status=$(curl -s -o /dev/null -m 10 -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/wallet")
t1=$(date +%s.%N)
echo "closed them; GET /v1/wallet -> $status in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s after the close"
