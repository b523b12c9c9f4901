#!/usr/bin/env bash
# Installs the Debian bookworm packages pilesim builds against, only those that are missing.
# Does nothing when everything is present; says what to run when it is not root.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-all-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3 libcli11-dev doctest-dev libyaml-cpp-dev libsodium-dev libmimalloc-dev
  gnuplot-nox
  parallel  # the sharded-sweep test only (GNU parallel)
  help2man  # the man page, made from `pilesim --help` at build time
  tshark  # the capture test only: `run --pcap-ble/--pcap-wan` decoded by Wireshark
  chromium python3  # the report test only: `pilesim report`'s page rendered headless, its screenshot read back
  dpkg-dev  # `make deb`: dpkg-shlibdeps finds the .deb's library dependencies; dpkg-deb checks it in the test
  libvalijson-dev  # the schema test only (header-only; its adapters bring Poco and Qt headers along)
  clang-14 libclang-rt-14-dev  # the libFuzzer targets of fuzz/ (libFuzzer and the sanitizers' runtimes)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "pilesim: installing missing packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "pilesim: not root; run this as root first:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
