#!/usr/bin/env bash
# listed_sessions.sh PILES USERS: a scenario with every pile, user and step listed (no generator), one session a
# user: users take turns at the piles, two hours apart; each starts, leaves after 5 minutes, comes back after
# 1h30m, unplugs and leaves. Every third user's phone (of those who start) has no signal from its unplug to 20 minutes later, so its
# bill waits in the pile for the next phone; every seventh user has too little money, and the server refuses its
# start. The input of the report test and of measuring the checks at scale.
# Deterministic: the same arguments give the same bytes.
set -euo pipefail
piles=${1:-20}
users=${2:-60}
if ! [[ $piles =~ ^[1-9][0-9]*$ && $users =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: listed_sessions.sh [PILES] [USERS]" >&2
  exit 2
fi
awk -v piles="$piles" -v users="$users" 'BEGIN {
  turns = int((users + piles - 1) / piles)
  printf "name: listed sessions, %d piles and %d users\nuntil: %dh\n", piles, users, 2 * turns + 2
  print "piles:"
  for (i = 1; i <= piles; i++) printf "  - {id: P%d, power_kw: 7.0}\n", i
  print "users:"
  for (i = 1; i <= users; i++)
    printf "  - {id: U%d, balance: %s, vehicle: {id: V%d, battery_kwh: 60, soc: 0.20}}\n", i, i % 7 ? "100.00" : "10.00", i
  print "steps:"
  for (i = 1; i <= users; i++) {
    p = (i - 1) % piles + 1; t = int((i - 1) / piles) * 120 + 1; s = (i - 1) % 60
    printf "  - {at: %dm%ds, user: U%d, do: start, pile: P%d, amount: 20.00}\n", t, s, i, p
    printf "  - {at: %dm%ds, user: U%d, do: leave}\n", t + 5, s, i
    printf "  - {at: %dm%ds, user: U%d, do: arrive, pile: P%d}\n", t + 90, s, i, p
    printf "  - {at: %dm%ds, user: U%d, do: unplug}\n", t + 91, s, i
    printf "  - {at: %dm%ds, user: U%d, do: leave}\n", t + 92, s, i
  }
  print "faults:"
  for (i = 3; i <= users; i += 3) if (i % 7) printf "  - {at: %dm, for: 20m, wan: {user: U%d, down: true}}\n", int((i - 1) / piles) * 120 + 91, i
}'
