#!/usr/bin/env bash
# Writes a scenario with PILES piles and USERS users, every one listed (no generator), with a vehicle each and a
# few steps: the input for measuring the loader on a large explicit file (`pilesim check`) and for the ctest that
# keeps such a file within the loader's caps. Deterministic: the same arguments give the same bytes.
#
# usage: tools/explicit_fleet.sh [PILES] [USERS] > fleet.yaml      (default 10000 piles, 100000 users)
set -euo pipefail
piles=${1:-10000}
users=${2:-100000}
if ! [[ $piles =~ ^[1-9][0-9]*$ && $users =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: explicit_fleet.sh [PILES] [USERS]" >&2
  exit 2
fi
awk -v piles="$piles" -v users="$users" 'BEGIN {
  printf "name: explicit fleet of %d piles and %d users\nuntil: 1d\n", piles, users
  print "piles:"
  for (i = 1; i <= piles; i++) printf "  - {id: P%d, power_kw: 7.0}\n", i
  print "users:"
  for (i = 1; i <= users; i++) {
    printf "  - id: U%d\n    balance: %d.%02d\n", i, 50 + i % 450, i % 100
    printf "    vehicle: {id: V%d, battery_kwh: %d, soc: 0.%02d}\n", i, 40 + i % 41, 10 + i % 50
  }
  print "steps:"
  for (i = 1; i <= 4 && i <= users; i++)
    printf "  - {at: %dm, user: U%d, do: start, pile: P%d, amount: 20.00}\n", i, i, (i - 1) % piles + 1
}'
