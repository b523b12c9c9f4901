#!/usr/bin/env bash
# pcap_test.sh PILESIM SOURCE_DIR: `run --pcap-ble` and `--pcap-wan` as Wireshark reads them (tshark -r).
#   happy_path: every BLE record decodes as Bluetooth LE link layer, every data PDU with a payload as L2CAP and
#   ATT; every WAN record as Ethernet/IPv4/TCP, every TCP payload as HTTP, one request and one response per HTTP
#   call of the trace; IPv4 and TCP checksums good, no TCP analysis warning (sequence and acknowledgement numbers
#   consistent), nothing malformed. A lossy and a retrying scenario keep the same rules.
set -euo pipefail
pilesim=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "pcap_test: $*" >&2; exit 1; }
# One tshark pass per capture (it takes a second to start): the fields the rules read, one line per record.
ble_fields() {
  tshark -r "$1" -T fields -E occurrence=f -e frame.protocols -e btle.data_header.length -e btatt.opcode \
         -e btle_rf.flags.crc_valid -e btle.advertising_header.pdu_type 2>/dev/null
}
wan_fields() {
  tshark -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -T fields -E occurrence=f \
         -e frame.protocols -e tcp.len -e tcp.reassembled_in -e ip.checksum.status -e tcp.checksum.status \
         -e tcp.analysis.flags -e http.request -e http.response 2>/dev/null
}
# rule NAME FILE AWK-CONDITION: no line of FILE (tab-separated fields) may meet the condition.
rule() {
  local n
  n=$(awk -F'\t' "$3 {n++} END {print n+0}" "$2")
  [ "$n" -eq 0 ] || fail "$1: $n record(s) break: $3"
}
how_many() { awk -F'\t' "$2 {n++} END {print n+0}" "$1"; }

check() {  # check STEM: the rules every capture keeps
  local stem=$1 ble=$tmp/$1.ble.txt wan=$tmp/$1.wan.txt
  "$pilesim" run "$src/scenarios/$stem.yaml" --quiet --pcap-ble "$tmp/$stem.ble.pcap" \
    --pcap-wan "$tmp/$stem.wan.pcap" --trace "$tmp/$stem.jsonl" >/dev/null || fail "$stem: run failed"
  ble_fields "$tmp/$stem.ble.pcap" >"$ble" || fail "$stem: tshark cannot read the BLE capture"
  wan_fields "$tmp/$stem.wan.pcap" >"$wan" || fail "$stem: tshark cannot read the WAN capture"
  [ -s "$ble" ] || fail "$stem: no BLE record"
  rule "$stem BLE" "$ble" '$1 !~ /^bluetooth:btle_rf:btle/ || $1 ~ /malformed/'
  rule "$stem BLE" "$ble" '$2 > 0 && $1 !~ /:btl2cap:btatt$/'
  [ "$(how_many "$ble" '$3 == "0x52"')" -gt 0 ] || fail "$stem: no ATT Write Command from the phone"
  [ "$(how_many "$ble" '$3 == "0x1b"')" -gt 0 ] || fail "$stem: no ATT notification from the pile"
  [ "$(how_many "$ble" '$5 == "0x05"')" -gt 0 ] || fail "$stem: no CONNECT_IND"
  rule "$stem WAN" "$wan" '$1 !~ /^eth:ethertype:ip:tcp/ || $1 ~ /malformed/'
  rule "$stem WAN" "$wan" '$2 > 0 && $1 !~ /:http/ && $3 == ""'
  rule "$stem WAN" "$wan" '$4 != 1 || $5 != 1'
  rule "$stem WAN" "$wan" '$6 != ""'
  echo "pcap_test: $stem: $(wc -l <"$ble") BLE records, $(how_many "$wan" '$7 == 1') HTTP requests," \
       "$(how_many "$wan" '$8 == 1') responses"
}

check happy_path
calls=$(grep -c '"actor":"agent/[^"]*","kind":"http"' "$tmp/happy_path.jsonl")
[ "$calls" -gt 0 ] || fail "happy_path: no HTTP call in the trace"
[ "$(how_many "$tmp/happy_path.wan.txt" '$7 == 1')" -eq "$calls" ] || fail "happy_path: not one request per call"
[ "$(how_many "$tmp/happy_path.wan.txt" '$8 == 1')" -eq "$calls" ] || fail "happy_path: not one response per call"
check fault_ble_lossy_duplicating
[ "$(how_many "$tmp/fault_ble_lossy_duplicating.ble.txt" '$4 == 0')" -gt 0 ] ||
  fail "fault_ble_lossy_duplicating: no failed transmission (bad CRC) in the capture"
check fault_retries_race_receipt
echo "pcap_test: passed"
