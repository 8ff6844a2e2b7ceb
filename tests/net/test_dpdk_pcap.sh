#!/usr/bin/env bash
# The DPDK port backend (docs/dataplane.md, "DPDK ports") through sluiced,
# on DPDK's net_pcap PMD: the EAL replays a capture (rx_pcap) into a worker
# and writes what the worker sends to another (tx_pcap).
#  1. reflect: a fixture of mixed frames (IPv4, IPv6 with an extension
#     header, one and two VLAN tags, ARP, a fragment, 42 to 9,000 bytes, so
#     chains of mbufs) comes out exactly as an independent model of the
#     reflect stage says, packet for packet and byte for byte; the runts the
#     stage must drop are counted as stage drops; every mbuf is back in its
#     pool at the end;
#  2. drop: the same fixture through the drop stage leaves an empty capture
#     and counts every packet as a stage drop.
# sluiced runs with no XDP interface at all (DPDK ports need none).
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
model=$src/tests/net/dpdk_pcap.py
pin=/sys/fs/bpf/sldpdk$$
tmp=$(mktemp -d)
sock=$tmp/control.sock
daemon=
rounds=25          # 14 frames a round, two of them runts
per_round=14
runts_per_round=2
cpu=$(($(nproc) - 1))

fail() {
  echo "FAIL: $*" >&2
  [ -s "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$pin" "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root (the EAL and the XDP program sluiced loads)"
ls /usr/lib/*/dpdk/pmds-*/librte_net_pcap.so* >/dev/null 2>&1 ||
  fail "DPDK's net_pcap PMD is missing (Debian package librte-net-pcap23, tools/lib.sh)"

json_get() { # json_get FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

write_config() { # write_config FILE STAGE IN OUT
  cat >"$1" <<EOF
version: 1
settings: {default_policy: accept}
dataplane:
  ports: dpdk
  dpdk:
    eal: ["--no-huge", "-m", "128", "--no-pci", "--log-level=*:warning",
          "--vdev=net_pcap0,rx_pcap=$3,tx_pcap=$4"]
  frame_size: 2048
  max_frame: 9018
  frames: 1024
  ring_size: 256
  batch: 32
  interfaces:
    - name: net_pcap0
      stages: [$2]
      workers: [{queue: 0, cpu: $cpu}]
EOF
}

start_daemon() { # start_daemon CONFIG
  "$sluiced" -c "$1" --pin-dir "$pin" --socket "$sock" >"$tmp/sluiced.log" 2>&1 &
  daemon=$!
  for _ in $(seq 150); do
    if [ -S "$sock" ] && "$sluicectl" -s "$sock" -j status >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
    sleep 0.1
  done
  fail "sluiced did not come up within 15 s"
}

stop_daemon() {
  kill -TERM "$daemon"
  local rc=0
  wait "$daemon" || rc=$?
  daemon=
  [ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
}

# wait_done FILE N: until the worker has received N packets and decided
# each (sent or dropped); FILE is the last status.
wait_done() {
  for _ in $(seq 200); do
    "$sluicectl" -s "$sock" -j status >"$1" || fail "sluicectl status failed"
    if python3 - "$1" "$2" <<'PY'; then return 0; fi
import json, sys
w = json.load(open(sys.argv[1]))["workers"][0]
n = int(sys.argv[2])
d = w["drops"]
sys.exit(0 if w["rx_packets"] >= n and w["tx_packets"] + d["stage"] + d["undecided"] + d["tx_full"] >= n else 1)
PY
    sleep 0.1
  done
  fail "the worker did not finish $2 packets within 20 s: $(cat "$1")"
}

# check_status FILE N TX STAGE_DROPS: the worker's counters and its mbufs at rest.
check_status() {
  python3 - "$@" <<'PY' || fail "worker counters do not match the fixture"
import json, sys
st = json.load(open(sys.argv[1]))
n, tx, drops = map(int, sys.argv[2:5])
ws = st["workers"]
ok = True
def check(what, cond):
    global ok
    if not cond:
        print(f"check failed: {what}: {json.dumps(ws)}", file=sys.stderr)
        ok = False
check("one worker", len(ws) == 1)
w = ws[0]
f = w["frames"]
check("interface net_pcap0 queue 0, running", w["interface"] == "net_pcap0" and w["queue"] == 0 and w["running"])
check("a DPDK note naming net_pcap", (w["note"] or "").startswith("DPDK net_pcap"))
check(f"rx_packets == {n}", w["rx_packets"] == n)
check(f"tx_packets == {tx}", w["tx_packets"] == tx)
check(f"stage drops == {drops}", w["drops"]["stage"] == drops)
check("no undecided or tx_full drops", w["drops"]["undecided"] == 0 and w["drops"]["tx_full"] == 0)
check("mbufs accounted for, never miscounted", f["accounted"] and f["miscounts"] == 0)
# net_pcap holds no mbuf between bursts (RX allocates per packet, TX
# frees after writing): at rest every mbuf is back in the pool.
check("every mbuf back in its pool", f["total"] == 1024 and f["free"] == 1024 and f["in_hand"] == 0 and f["kernel"] == 0)
check("no device drops", w["rx_ring_full"] == 0 and w["kernel_dropped"] == 0 and w["fill_ring_empty"] == 0)
sys.exit(0 if ok else 1)
PY
}

python3 "$model" fixture "$tmp/in.pcap" $rounds || fail "cannot write the fixture"
n=$((rounds * per_round))
runts=$((rounds * runts_per_round))
[ "$(python3 "$model" count "$tmp/in.pcap")" -eq $n ] || fail "the fixture does not have $n frames"

# ------------------------------------------------------------- 1. reflect
python3 "$model" reflect "$tmp/in.pcap" "$tmp/want.pcap" >"$tmp/model.json" || fail "the model failed"
[ "$(json_get "$tmp/model.json" 'd["dropped"]')" -eq $runts ] || fail "the model drops $(cat "$tmp/model.json"), not $runts"
write_config "$tmp/reflect.yaml" reflect "$tmp/in.pcap" "$tmp/out.pcap"
start_daemon "$tmp/reflect.yaml"
wait_done "$tmp/st1.json" $n
check_status "$tmp/st1.json" $n $((n - runts)) $runts
stop_daemon
[ -s "$tmp/out.pcap" ] || fail "net_pcap wrote no capture"
python3 "$model" compare "$tmp/out.pcap" "$tmp/want.pcap" >"$tmp/cmp.json" ||
  fail "the reflected capture differs from the model: $(cat "$tmp/cmp.json")"

# ---------------------------------------------------------------- 2. drop
write_config "$tmp/drop.yaml" drop "$tmp/in.pcap" "$tmp/out-drop.pcap"
start_daemon "$tmp/drop.yaml"
wait_done "$tmp/st2.json" $n
check_status "$tmp/st2.json" $n 0 $n
stop_daemon
[ "$(python3 "$model" count "$tmp/out-drop.pcap")" -eq 0 ] || fail "the drop stage let packets out"

echo "ok: $n frames reflected byte for byte ($runts runts dropped), and all dropped by the drop stage"
