#!/usr/bin/env bash
# The DPDK port backend (docs/dataplane.md, "DPDK ports") on DPDK's own
# AF_XDP driver: sluiced's worker runs the reflect stage on net_af_xdp
# over one end of a veth pair, and UDP flows over IPv4 and IPv6 from a
# namespace at the other end come back swapped, every datagram, with the
# worker's counters matching. No XDP program of sluice is attached (the
# PMD loads its own); sluiced has no XDP interface.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

# The ASan build: one leak inside DPDK's net_af_xdp PMD is not ours (lsan_dpdk.supp).
export LSAN_OPTIONS=suppressions=$src/tests/net/lsan_dpdk.supp
sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
ns=sldp$$
iface=slDP0
peer=slDP0p
pin=/sys/fs/bpf/sldpx$$
tmp=$(mktemp -d)
sock=$tmp/control.sock
daemon=
n=200
cpu=$(($(nproc) - 1))

fail() {
  echo "FAIL: $*" >&2
  [ -s "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
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
python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null || {
  echo "SKIP: no AF_XDP sockets in this kernel"
  exit 77
}
ls /usr/lib/*/dpdk/pmds-*/librte_net_af_xdp.so* >/dev/null 2>&1 ||
  fail "DPDK's net_af_xdp PMD is missing (Debian package librte-net-af-xdp23, tools/lib.sh)"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"
# Reflected frames keep the checksums they carry: the sender computes them (see test_steer.sh).
sl_in_ns ethtool -K "$peer" tx off >/dev/null || fail "cannot turn off tx checksum offload on $peer"

cat >"$tmp/echo.py" <<'PY'
# echo.py SRC DST PORT N: N datagrams to DST:PORT; prints how many came
# back from DST:PORT with the payload sent, and anything else received.
import json, socket, sys, time
src, dst, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((src, 0))
s.settimeout(0.2)
sent, got, foreign = set(), set(), 0
for i in range(n):
    p = b"sl-dpdk-%d-%s" % (i, b"x" * (i % 300))
    sent.add(p)
    s.sendto(p, (dst, port))
    if i % 20 == 19:
        time.sleep(0.005)
deadline = time.time() + 5
while time.time() < deadline and len(got) < n:
    try:
        data, addr = s.recvfrom(2048)
    except socket.timeout:
        continue
    if addr[0] == dst and addr[1] == port and data in sent:
        got.add(data)
    else:
        foreign += 1
print(json.dumps({"sent": n, "matched": len(got), "foreign": foreign}))
PY

cat >"$tmp/c.yaml" <<EOF
version: 1
dataplane:
  ports: dpdk
  dpdk:
    eal: ["--no-huge", "-m", "256", "--no-pci", "--log-level=*:warning",
          "--vdev=net_af_xdp0,iface=$iface,start_queue=0,queue_count=1"]
  frame_size: 2048
  frames: 4096
  ring_size: 1024
  interfaces:
    - name: net_af_xdp0
      stages: [reflect]
      workers: [{queue: 0, cpu: $cpu}]
EOF

"$sluiced" -c "$tmp/c.yaml" --pin-dir "$pin" --socket "$sock" >"$tmp/sluiced.log" 2>&1 &
daemon=$!
for _ in $(seq 150); do
  [ -S "$sock" ] && "$sluicectl" -s "$sock" -j status >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
"$sluicectl" -s "$sock" -j status >/dev/null 2>&1 || fail "sluiced did not come up within 15 s"

for fam in 4 6; do
  if [ $fam = 4 ]; then a=$SL_PEER4 b=$SL_ADDR4; else a=$SL_PEER6 b=$SL_ADDR6; fi
  sl_in_ns python3 "$tmp/echo.py" "$a" "$b" 7777 $n >"$tmp/echo$fam.json" || fail "the sender failed"
  python3 - "$tmp/echo$fam.json" <<'PY' || fail "IPv$fam: not every datagram came back reflected: $(cat "$tmp/echo$fam.json")"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["matched"] == d["sent"] and d["foreign"] == 0 else 1)
PY
done

"$sluicectl" -s "$sock" -j status >"$tmp/st.json" || fail "sluicectl status failed"
python3 - "$tmp/st.json" $((2 * n)) <<'PY' || fail "worker counters do not match the flows"
import json, sys
w = json.load(open(sys.argv[1]))["workers"][0]
n = int(sys.argv[2])
d, f = w["drops"], w["frames"]
# The peer's own chatter (IPv6 neighbour and router messages) is reflected too: at least n.
ok = ((w["note"] or "").startswith("DPDK net_af_xdp") and w["rx_packets"] >= n
      and w["tx_packets"] + d["stage"] == w["rx_packets"] and d["undecided"] == 0
      and d["tx_full"] == 0 and f["accounted"] and f["miscounts"] == 0 and f["in_hand"] == 0)
if not ok:
    print(json.dumps(w), file=sys.stderr)
sys.exit(0 if ok else 1)
PY

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
echo "ok: $n UDP datagrams each over IPv4 and IPv6 reflected through net_af_xdp"
