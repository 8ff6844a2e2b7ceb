#!/usr/bin/env bash
# sluiced with logging rules on a veth and real traffic from a namespace:
# every dropped UDP datagram of a logging rule is a JSON line with the
# right fields, dropped TCP SYNs are captured into a pcap that tcpdump
# and our own reader agree on, and stopping sluiced flushes everything.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
traffic=$src/tools/sltraffic.py
ns=sl-tlg$$
iface=sl-lg0
peer=sl-lg0p
pin=/sys/fs/bpf/sluice-logtest$$
tmp=$(mktemp -d)
daemon=

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$pin"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
command -v tcpdump >/dev/null || fail "tcpdump is missing (tools/lib.sh installs it)"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

cat >"$tmp/log.yaml" <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: $iface
    mode: generic
rules:
  - name: deny-udp-9999
    protocol: udp
    dport: 9999
    action: drop
    log: true
  - name: deny-telnet
    protocol: tcp
    dport: 23
    action: drop
    capture: {snaplen: 96}
  - name: quiet-drop
    protocol: udp
    dport: 9998
    action: drop
logging:
  json: $tmp/events.json
  pcap: $tmp/drops.pcap
  flush_ms: 20
EOF

"$sluiced" -c "$tmp/log.yaml" --pin-dir "$pin" 2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  [ -e "$pin/sl_verdicts" ] && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
[ -e "$pin/sl_verdicts" ] || fail "sluiced did not start"
# The logger starts just after the pins appear: give it a moment.
for _ in $(seq 50); do grep -q "logging events to $tmp/events.json" "$tmp/sluiced.log" && break; sleep 0.1; done
grep -q "logging events to $tmp/events.json" "$tmp/sluiced.log" || fail "sluiced did not start the logger"

n=25
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 9999 --count $n --gap 0.001 >/dev/null
sl_in_ns python3 "$traffic" udp --src "$SL_PEER6" --dst "$SL_ADDR6" --port 9999 --count $n --gap 0.001 >/dev/null
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 9998 --count $n --gap 0.001 >/dev/null
sl_in_ns python3 "$traffic" tcp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 23 --count 2 --timeout 0.5 >/dev/null

# sluicectl log stats while sluiced runs: the program's counters, and the
# logger's once it has published them (every second).
sleep 1.5
"$build/control/sluicectl" -j -p "$pin" log stats >"$tmp/logstats.json" || fail "sluicectl log stats failed"
python3 - "$tmp/logstats.json" "$n" <<'PY' || fail "bad sluicectl log stats: $(cat "$tmp/logstats.json")"
import json, sys
d, n = json.load(open(sys.argv[1])), int(sys.argv[2])
x, l = d["xdp"], d["logger"]
assert x["emitted"] >= 2 * n + 2 and x["ring_full"] == 0 and x["rate_limited"] == 0, x
assert l["records"] == x["emitted"] and l["json_written"] == x["emitted"], (x, l)
assert l["pcap_written"] == x["emitted"] - 2 * n and l["drop_disk_full"] == 0, l
PY

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc"

# JSON: one valid object per line; exactly the 50 UDP drops of the logging
# rule, with the fields of docs/logs.md; the quiet rule logged nothing.
python3 - "$tmp/events.json" "$n" "$SL_PEER4" "$SL_ADDR4" "$SL_PEER6" "$SL_ADDR6" <<'PY' || fail "bad JSON log"
import json, sys
path, n, p4, a4, p6, a6 = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
lines = open(path).read().splitlines()
evs = [json.loads(l) for l in lines]
udp = [e for e in evs if e["rule_name"] == "deny-udp-9999"]
tcp = [e for e in evs if e["rule_name"] == "deny-telnet"]
assert len(udp) == 2 * n, len(udp)
assert len(tcp) >= 2, len(tcp)
assert len(udp) + len(tcp) == len(evs), [e["rule_name"] for e in evs]
for e in udp:
    assert e["type"] == "packet" and e["source"] == "xdp", e
    assert e["verdict"] == "drop" and e["reason"] == "rule", e
    assert e["proto"] == 17 and e["dport"] == 9999 and e["captured"] == 0, e
    assert (e["family"], e["src"], e["dst"]) in ((4, p4, a4), (6, p6, a6)), e
    assert e["ifindex"] > 0 and e["len"] > 40 and e["time"].endswith("Z"), e
assert sum(1 for e in udp if e["family"] == 4) == n
for e in tcp:
    assert e["dport"] == 23 and e["tcp_flags"] & 2 and e["captured"] == min(96, e["len"]), e
ts = [e["ts_ns"] for e in evs]
assert ts == sorted(ts), "events out of order"
PY

# pcap: our reader and tcpdump agree on the records, each the start of a SYN to port 23.
recs=$(python3 - "$tmp/drops.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
magic, major, minor, _, _, snap, link = struct.unpack("<IHHiIII", d[:24])
assert magic == 0xa1b23c4d and (major, minor) == (2, 4) and link == 1, (hex(magic), link)
off, n = 24, 0
while off < len(d):
    sec, nsec, cap, orig = struct.unpack("<IIII", d[off:off + 16])
    assert nsec < 10**9 and cap == min(96, orig) and off + 16 + cap <= len(d)
    frame = d[off + 16:off + 16 + cap]
    assert frame[12:14] == b"\x08\x00" and frame[23] == 6, frame[:40].hex()
    assert struct.unpack(">H", frame[36:38])[0] == 23
    off += 16 + cap
    n += 1
assert off == len(d)
print(n)
PY
) || fail "bad pcap"
[ "$recs" -ge 2 ] || fail "only $recs captures"
td=$(tcpdump -nn -r "$tmp/drops.pcap" 2>/dev/null | wc -l) || fail "tcpdump cannot read the pcap"
[ "$td" -eq "$recs" ] || fail "tcpdump read $td packets, the file holds $recs"
tcpdump -nn -r "$tmp/drops.pcap" 'tcp dst port 23 and tcp[tcpflags] & tcp-syn != 0' 2>/dev/null |
  wc -l | grep -qx "$recs" || fail "tcpdump's filter does not see $recs SYNs to port 23"
# sluicectl log tail: the last events, filtered, as JSON lines and as text.
sluicectl=$build/control/sluicectl
"$sluicectl" -j log tail -n 5 --filter rule_name=deny-udp-9999 --filter family=6 -c "$tmp/log.yaml" \
  >"$tmp/tail.json" || fail "sluicectl log tail failed"
python3 - "$tmp/tail.json" "$SL_PEER6" <<'PY' || fail "bad sluicectl log tail output"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
assert len(evs) == 5, len(evs)
assert all(e["rule_name"] == "deny-udp-9999" and e["family"] == 6 and e["src"] == sys.argv[2] for e in evs)
PY
"$sluicectl" log tail -n 1000 --filter verdict=drop --file "$tmp/events.json" >"$tmp/tail.txt" ||
  fail "sluicectl log tail (text) failed"
[ "$(wc -l <"$tmp/tail.txt")" -eq "$(wc -l <"$tmp/events.json")" ] || fail "text tail lost lines"
echo "ok: $((2 * n)) UDP drops logged, $recs SYNs captured"
