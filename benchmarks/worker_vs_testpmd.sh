#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# worker_vs_testpmd.sh: a sluice dataplane worker (docs/dataplane.md)
# against DPDK's testpmd over the net_af_xdp PMD, on one veth pair, the
# same cores, in the same run (docs/benchmarks.md, issue 5):
#
#   slwbgen namespace                         root namespace
#   slwb0  <================ veth ================>  slwb1
#   sluice-gen tx (XDP live frames,        ->  AF_XDP socket of queue 0, served by
#   CPU 0), 64-byte UDP to port 9              | sluiced: steer rule, a worker on CPU 1
#                                              |   running the drop or the reflect stage
#                                              | testpmd (net_af_xdp, one queue, its
#                                              |   forwarding lcore on CPU 1) in rxonly
#                                              |   or macswap
#   reflect cases: sluice-gen --rx counts  <-  what the reflector sent back
#
# Cases: drop_sluice (stage drop) vs drop_testpmd (rxonly), reflect_sluice
# (stage reflect) vs reflect_testpmd (macswap). Every rate is a counter
# delta over the same window, read from each side's own counters:
#   received   sluice: the worker's rx_packets (sluicectl status -j);
#              testpmd: its port's RX-packets (--stats-period output)
#   dropped    sluice: the worker's drops.stage; testpmd rxonly frees all it receives
#   reflected  sluice: the worker's tx_packets; testpmd: TX-packets
# and, the same for both contenders, from the veth's own counters:
#   arrived    slwb1's XDP packets (what was offered to the socket's program)
#   to_socket  slwb1's XDP redirects (what reached the socket's RX ring)
#   returned   slwb0's XDP packets (reflect: what came back to the generator)
#
# Usage: worker_vs_testpmd.sh [--smoke] [--out DIR] [--duration S] [--rounds N] [--batch N]
#   --smoke      1 round with 1 s windows, results into a temporary
#                directory (or --out); fails if a case measured nothing
#   --out DIR    where worker_vs_testpmd.md and .json go
#                (default $SLUICE_SRCDIR/benchmarks/results)
#   --duration S the measured window of each case and round (default 5)
#   --rounds N   rounds, each running every case once (default 3)
#   --batch N    the worker's dataplane.batch (default 64, the config's default)
#   --cases LIST comma-separated subset of the cases (default all four)
# Environment: SLUICE_SRCDIR, SLUICE_BUILDDIR (meson sets both).
set -uo pipefail

SRC=${SLUICE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${SLUICE_BUILDDIR:-$SRC/build}
GEN=$BUILD/gen/sluice-gen
SLUICED=$BUILD/control/sluiced
SLUICECTL=$BUILD/control/sluicectl
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

NS_GEN=slwbgen
IF_GEN=slwb0
IF_DUT=slwb1
IP_GEN=198.18.201.1
IP_DUT=198.18.201.2
PIN=/sys/fs/bpf/slwb
# testpmd's run directory (its multi-process socket), removed at the end.
DPDK_PREFIX=slwb-wvt
DPDK_RUNDIR=/var/run/dpdk/$DPDK_PREFIX
# The generator on CPU 0 (the DUT's NAPI runs there too: veth delivers on
# the sender's CPU); the worker thread and testpmd's forwarding lcore on
# CPU 1; testpmd's main lcore (statistics only) on CPU 0.
GEN_CPU=0
FWD_CPU=1
MAIN_CPU=0
START_LIMIT=15
WARMUP=1

smoke=0
out=
duration=5
rounds=3
batch=64
cases_arg=drop_sluice,drop_testpmd,reflect_sluice,reflect_testpmd
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --duration) duration=${2:?--duration needs seconds}; shift ;;
    --rounds) rounds=${2:?--rounds needs a count}; shift ;;
    --batch) batch=${2:?--batch needs a count}; shift ;;
    --cases) cases_arg=${2:?--cases needs a list}; shift ;;
    -h|--help) sed -n '3,39p' "$0"; exit 0 ;;
    *) echo "worker_vs_testpmd.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$smoke" -eq 1 ] && { duration=1; rounds=1; }
case $duration in
  ''|*[!0-9]*|0) echo "worker_vs_testpmd.sh: --duration is whole seconds, at least 1" >&2; exit 2 ;;
esac
[ "$duration" -le 600 ] || { echo "worker_vs_testpmd.sh: --duration is at most 600" >&2; exit 2; }
case $rounds in
  ''|*[!0-9]*|0) echo "worker_vs_testpmd.sh: bad --rounds $rounds" >&2; exit 2 ;;
esac
[ "$rounds" -le 20 ] || { echo "worker_vs_testpmd.sh: at most 20 rounds" >&2; exit 2; }
case $batch in
  ''|*[!0-9]*|0) echo "worker_vs_testpmd.sh: bad --batch $batch" >&2; exit 2 ;;
esac
[ "$batch" -le 256 ] || { echo "worker_vs_testpmd.sh: --batch is at most 256" >&2; exit 2; }
IFS=, read -r -a cases <<<"$cases_arg"
for c in "${cases[@]}"; do
  case $c in drop_sluice|drop_testpmd|reflect_sluice|reflect_testpmd) ;;
    *) echo "worker_vs_testpmd.sh: unknown case $c" >&2; exit 2 ;;
  esac
done

die() {
  echo "worker_vs_testpmd.sh: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates namespaces and attaches XDP programs)"
for f in "$GEN" "$SLUICED" "$SLUICECTL"; do
  [ -x "$f" ] || die "$f is missing: build first (ninja -C $BUILD)"
done
for t in dpdk-testpmd ip ethtool stdbuf timeout; do
  command -v "$t" >/dev/null || die "$t is missing (tools/lib.sh installs it: dpdk-dev, librte-net-af-xdp23)"
done
ls /usr/lib/*/dpdk/pmds-*/librte_net_af_xdp.so* >/dev/null 2>&1 ||
  die "DPDK's net_af_xdp PMD is missing (Debian package librte-net-af-xdp23)"
"$PY" -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null ||
  die "no AF_XDP sockets in this kernel"

tmp=$(mktemp -d /tmp/sl-wvt.XXXXXX) || die "mktemp failed"
[ -n "$out" ] || { [ "$smoke" -eq 1 ] && out=$tmp/results || out=$SRC/benchmarks/results; }
SOCK=$tmp/control.sock
bg_pids=() # every background process, stopped by stop_bg and on exit

# Stops the background processes, politely then firmly; each has its own bound anyway.
stop_bg() {
  local p i
  for p in "${bg_pids[@]}"; do
    kill -TERM "$p" 2>/dev/null
  done
  for p in "${bg_pids[@]}"; do
    for i in $(seq 1 50); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  bg_pids=()
}

cleanup_names() {
  ip netns del "$NS_GEN" 2>/dev/null
  ip link del "$IF_DUT" 2>/dev/null
  rm -rf "$PIN" "$DPDK_RUNDIR"
}

# Removes everything this script may have created; runs on every exit.
cleanup() {
  stop_bg
  cleanup_names
  case $tmp in /tmp/sl-wvt.*) [ "$out" = "$tmp/results" ] || rm -rf "$tmp" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup_names # what an interrupted run may have left

# --- topology -----------------------------------------------------------
ip netns add "$NS_GEN" || die "cannot create namespace $NS_GEN"
# The served side in the root namespace: sluiced pins its maps in /sys/fs/bpf there.
ip link add "$IF_GEN" netns "$NS_GEN" type veth peer name "$IF_DUT" ||
  die "cannot create veth $IF_GEN/$IF_DUT"
ip -n "$NS_GEN" addr add "$IP_GEN/24" dev "$IF_GEN"
ip addr add "$IP_DUT/24" dev "$IF_DUT"
ip -n "$NS_GEN" link set lo up
ip -n "$NS_GEN" link set "$IF_GEN" up
ip link set "$IF_DUT" up
mac_dut=$(cat "/sys/class/net/$IF_DUT/address")

# The sum of an interface's per-queue counters NAME (veth's ethtool -S: xdp_packets, xdp_redirect).
veth_stat() { # NS|- IF NAME
  if [ "$1" = - ]; then ethtool -S "$2"; else ip netns exec "$1" ethtool -S "$2"; fi |
    awk -v k="$3" '$1 ~ "^rx_queue_[0-9]+_" k ":$" { n += $2 } END { print n + 0 }'
}

now() { date +%s.%N; }

# The worker's counters: "rx tx drop_stage kernel_drops" (kernel_drops: RX ring full + other).
worker_counters() {
  "$SLUICECTL" -s "$SOCK" -j status 2>/dev/null | "$PY" -c '
import json, sys
w = json.load(sys.stdin)["workers"][0]
print(w["rx_packets"], w["tx_packets"], w["drops"]["stage"], w["rx_ring_full"] + w["kernel_dropped"])'
}

# testpmd prints its port statistics every second; a filter stamps each
# line with the time it was printed, so a window can be cut from the log.
STAMP='import sys, time
for line in sys.stdin:
    sys.stdout.write(f"{time.time():.6f} {line}")
    sys.stdout.flush()'

# The first (after T) or last (before T) statistics block of testpmd's
# log: "time rx tx"; empty when there is none.
testpmd_block() { # LOG after|before T
  "$PY" - "$@" <<'PY'
import re, sys
log, where, t = sys.argv[1], sys.argv[2], float(sys.argv[3])
blocks, cur = [], None
for line in open(log, errors="replace"):
    parts = line.split(" ", 1)
    if len(parts) < 2:
        continue
    try:
        ts = float(parts[0])
    except ValueError:
        continue
    m = re.search(r"RX-packets:\s*(\d+)", parts[1])
    if m:
        cur = [ts, int(m.group(1)), None]
        continue
    m = re.search(r"TX-packets:\s*(\d+)", parts[1])
    if m and cur is not None:
        cur[2] = int(m.group(1))
        blocks.append(cur)
        cur = None
pick = [b for b in blocks if (b[0] >= t if where == "after" else b[0] <= t)]
if pick:
    b = pick[0] if where == "after" else pick[-1]
    print(f"{b[0]:.6f} {b[1]} {b[2]}")
PY
}

# A process's own time bound: it must outlive the window, and no more.
run_limit=$((START_LIMIT + WARMUP + duration + 10))

start_gen() { # [extra sluice-gen tx options]: as fast as it can, from CPU GEN_CPU
  ip netns exec "$NS_GEN" "$GEN" tx -i "$IF_GEN" --src "$IP_GEN" --dst "$IP_DUT" --dst-mac "$mac_dut" \
    --cpu "$GEN_CPU" -d "$run_limit" -q -j "$@" >"$tmp/gen.json" 2>"$tmp/gen.err" </dev/null &
  bg_pids+=($!)
}

# testpmd over the net_af_xdp PMD on the DUT side, no huge pages, a small mbuf pool.
start_testpmd() { # MODE
  timeout -k 5 "$run_limit" stdbuf -oL dpdk-testpmd --no-huge -m 512 --no-pci \
    --no-shconf --file-prefix "$DPDK_PREFIX" \
    -l "$MAIN_CPU,$FWD_CPU" --vdev "net_af_xdp0,iface=$IF_DUT,start_queue=0,queue_count=1" -- \
    --forward-mode="$1" --auto-start --stats-period 1 --nb-cores=1 --port-topology=loop \
    --total-num-mbufs=16384 </dev/null > >("$PY" -u -c "$STAMP" >"$tmp/testpmd.log") 2>&1 &
  bg_pids+=($!) # timeout's: it passes the signal on to testpmd
}

# sluiced on the DUT side: a steer rule for the generator's flow, one
# worker on queue 0 running STAGE.
start_sluiced() { # STAGE
  cat >"$tmp/sluice.yaml" <<EOF
version: 1
settings: {default_policy: accept}
interfaces:
  - name: $IF_DUT
rules:
  - name: to-worker
    protocol: udp
    dport: 9
    action: steer
steering: {no_socket: drop}
dataplane:
  frames: 4096
  ring_size: 2048
  batch: $batch
  interfaces:
    - name: $IF_DUT
      stages: [$1]
      workers: [{queue: 0, cpu: $FWD_CPU}]
EOF
  "$SLUICED" -c "$tmp/sluice.yaml" --pin-dir "$PIN" --socket "$SOCK" \
    2>"$tmp/sluiced.err" </dev/null &
  bg_pids+=($!)
  local i
  for i in $(seq 1 $((START_LIMIT * 10))); do
    worker_counters >/dev/null 2>&1 && return 0
    kill -0 "${bg_pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$tmp/sluiced.err" >&2
  return 1
}

cases_all=(drop_sluice drop_testpmd reflect_sluice reflect_testpmd)
measurements=$tmp/measurements.tsv
: >"$measurements"
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
fail=0

# Reads every counter of the case; sets the s_* variables.
snap() { # NAME
  local w
  s_t=$(now)
  s_arr=$(veth_stat - "$IF_DUT" xdp_packets)
  s_red=$(veth_stat - "$IF_DUT" xdp_redirect)
  s_ret=$(veth_stat "$NS_GEN" "$IF_GEN" xdp_packets)
  if [ "${1#*_}" = sluice ]; then
    w=$(worker_counters) || return 1
    set -- $w
    s_rx=$1 s_tx=$2 s_drop=$3 s_kdrop=$4
  fi
  s_t=$("$PY" -c 'import sys; print(f"{(float(sys.argv[1]) + float(sys.argv[2])) / 2:.6f}")' "$s_t" "$(now)")
}

# One case: start what it needs, wait for traffic, measure, stop, record.
run_case() { # ROUND NAME
  local round=$1 name=$2 i p c0 c1 a0 r0 t0 rx0 tx0 d0 k0 b0 b1
  local rx=0 tx=0 dropped=0 kdrop=0 secs
  case $name in
    *_sluice) start_sluiced "$( [ "${name%_*}" = drop ] && echo drop || echo reflect)" ||
      die "$name: sluiced did not come up" ;;
    drop_testpmd) start_testpmd rxonly ;;
    reflect_testpmd) start_testpmd macswap ;;
  esac
  # The server must be in place before the load: wait for its XDP program.
  for i in $(seq 1 $((START_LIMIT * 10))); do
    ip link show "$IF_DUT" | grep -q 'xdp' && break
    sleep 0.1
  done
  ip link show "$IF_DUT" | grep -q 'xdp' ||
    { stop_bg; cat "$tmp"/*.log "$tmp"/*.err 2>/dev/null | tail -20 >&2; die "$name: no XDP program on $IF_DUT"; }
  sleep 0.5
  if [ "${name%_*}" = reflect ]; then start_gen --rx; else start_gen; fi
  c0=$(veth_stat - "$IF_DUT" xdp_redirect)
  for i in $(seq 1 $((START_LIMIT * 10))); do
    sleep 0.1
    c1=$(veth_stat - "$IF_DUT" xdp_redirect)
    [ "$c1" -gt "$c0" ] && break
    for p in "${bg_pids[@]}"; do
      kill -0 "$p" 2>/dev/null || { stop_bg; cat "$tmp"/*.log "$tmp"/*.err 2>/dev/null | tail -20 >&2; die "$name: a process exited before traffic flowed"; }
    done
  done
  [ "$c1" -gt "$c0" ] || { stop_bg; cat "$tmp"/*.log "$tmp"/*.err 2>/dev/null | tail -20 >&2; die "$name: nothing reached the socket in $START_LIMIT s"; }
  sleep "$WARMUP"
  snap "$name" || die "$name: cannot read the counters"
  t0=$s_t a0=$s_arr r0=$s_red c0=$s_ret rx0=${s_rx:-0} tx0=${s_tx:-0} d0=${s_drop:-0} k0=${s_kdrop:-0}
  sleep "$duration"
  snap "$name" || die "$name: cannot read the counters"
  for p in "${bg_pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { stop_bg; die "$name: a process stopped during the window"; }
  done
  secs=$("$PY" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$s_t")
  if [ "${name#*_}" = sluice ]; then
    rx=$((s_rx - rx0)) tx=$((s_tx - tx0)) dropped=$((s_drop - d0)) kdrop=$((s_kdrop - k0))
  else
    # testpmd's own statistics, once a second: from the last block printed
    # before the window to the first after it (traffic flows in both).
    sleep 1.2
    b0=$(testpmd_block "$tmp/testpmd.log" before "$t0")
    b1=$(testpmd_block "$tmp/testpmd.log" after "$s_t")
    [ -n "$b0" ] && [ -n "$b1" ] || { cat "$tmp/testpmd.log" | tail -30 >&2; die "$name: no testpmd statistics in the window"; }
    set -- $b0 $b1
    secs=$("$PY" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$1" "$4")
    "$PY" -c 'import sys; sys.exit(float(sys.argv[1]) < 0.5)' "$secs" ||
      die "$name: testpmd's statistics cover less than half a second"
    rx=$(($5 - $2)) tx=$(($6 - $3))
    [ "$name" = drop_testpmd ] && { dropped=$rx; tx=0; }
  fi
  stop_bg
  [ "${name#*_}" = sluice ] && rm -rf "$PIN"
  # The next case starts on a bare interface.
  for i in $(seq 1 50); do
    ip link show "$IF_DUT" | grep -q 'xdp' || break
    sleep 0.1
  done
  local wsecs
  wsecs=$("$PY" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$s_t")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$secs" "$rx" "$tx" "$dropped" \
    "$kdrop" "$wsecs" "$((s_arr - a0))" "$((s_red - r0))" "$((s_ret - c0))" >>"$measurements"
  "$PY" -c '
import sys
r, n, s, rx, tx, d = sys.argv[1:7]
s = float(s)
print(f"round {r} {n:<16} received {int(rx) / s / 1e6:7.3f} Mpps, dropped {int(d) / s / 1e6:7.3f}, "
      f"reflected {int(tx) / s / 1e6:7.3f} ({rx} packets in {s:.2f} s)")' \
    "$round" "$name" "$secs" "$rx" "$tx" "$dropped"
  if [ "$rx" -le 0 ] || { [ "${name%_*}" = reflect ] && [ "$tx" -le 0 ]; } ||
    { [ "${name%_*}" = drop ] && [ "$dropped" -le 0 ]; }; then
    echo "worker_vs_testpmd.sh: $name measured nothing (received $rx, reflected $tx, dropped $dropped)" >&2
    cat "$tmp"/*.log "$tmp"/*.err 2>/dev/null | tail -20 >&2
    fail=1
  fi
  unset s_rx s_tx s_drop s_kdrop
  rm -f "$tmp"/*.log "$tmp"/*.err "$tmp"/*.json
}

for round in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    run_case "$round" "$c"
  done
done

# --- results -----------------------------------------------------------------
testpmd_version=$(dpkg-query -W -f='${Version}' dpdk-dev 2>/dev/null || echo unknown)
mkdir -p "$out" || die "cannot create $out"
"$PY" - "$out" "$measurements" <<PY || die "cannot write the results"
import json, os, platform, statistics, sys
out, tsv = sys.argv[1:3]
order = [n for n in "${cases_all[*]}".split() if n in "${cases[*]}".split()]
runs = {n: [] for n in order}
with open(tsv) as f:
    for line in f:
        r, n, s, rx, tx, d, kd, ws, arr, red, ret = line.rstrip("\n").split("\t")
        s, ws = float(s), float(ws)
        runs[n].append({
            "round": int(r), "seconds": s, "received": int(rx), "reflected": int(tx),
            "dropped": int(d), "kernel_dropped": int(kd),
            "received_mpps": int(rx) / s / 1e6, "reflected_mpps": int(tx) / s / 1e6,
            "dropped_mpps": int(d) / s / 1e6,
            "veth_window_s": ws, "arrived_mpps": int(arr) / ws / 1e6,
            "to_socket_mpps": int(red) / ws / 1e6, "returned_mpps": int(ret) / ws / 1e6,
        })
keys = ["received_mpps", "reflected_mpps", "dropped_mpps", "arrived_mpps", "to_socket_mpps", "returned_mpps"]
cases = {n: {**{k: statistics.median(x[k] for x in runs[n]) for k in keys}, "rounds": runs[n]}
         for n in order}
def ratio(a, b, k):
    if a not in cases or b not in cases or cases[b][k] <= 0:
        return None
    return cases[a][k] / cases[b][k]
cpu = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
res = {
    "benchmark": "worker_vs_testpmd",
    "kernel": platform.release(), "cpu_model": cpu, "cpus_online": os.cpu_count(),
    "loadavg_at_start": "$loadavg_start",
    "window_s": int("$duration"), "rounds": int("$rounds"), "worker_batch": int("$batch"),
    "dpdk_version": "$testpmd_version",
    "frame": "64 bytes on the wire (60 in memory), IPv4 UDP to port 9",
    "setup": "veth $IF_GEN (netns $NS_GEN) <-> $IF_DUT (root netns); sluice-gen tx (live) on CPU $GEN_CPU; "
             "worker / testpmd forwarding lcore on CPU $FWD_CPU",
    "cases": cases,
    # rx-drop: packets received (and dropped) per second; reflect: packets sent back per second.
    "ratio_drop": ratio("drop_sluice", "drop_testpmd", "received_mpps"),
    "ratio_reflect": ratio("reflect_sluice", "reflect_testpmd", "reflected_mpps"),
    "target": {"what": "sluice worker >= 1.2 x testpmd over net_af_xdp, rx-drop and reflect", "limit": 1.2},
}
res["target"]["met"] = all(r is not None and r >= 1.2 for r in (res["ratio_drop"], res["ratio_reflect"]))
with open(os.path.join(out, "worker_vs_testpmd.json"), "w") as f:
    json.dump(res, f, indent=2, sort_keys=True)
    f.write("\n")
fmt = lambda x: "n/a" if x is None else f"{x:.2f}"
names = {
    "drop_sluice": "rx-drop: sluice worker, stage drop",
    "drop_testpmd": "rx-drop: testpmd rxonly",
    "reflect_sluice": "reflect: sluice worker, stage reflect",
    "reflect_testpmd": "reflect: testpmd macswap",
}
with open(os.path.join(out, "worker_vs_testpmd.md"), "w") as f:
    f.write("# sluice worker vs DPDK testpmd over net_af_xdp (benchmarks/worker_vs_testpmd.sh)\n\n")
    f.write(f"- Setup: {res['setup']}; {res['frame']}; DPDK {res['dpdk_version']} "
            "(\`dpdk-testpmd --no-huge -m 512 --no-pci --vdev net_af_xdp0,iface=...,queue_count=1\`, "
            "one forwarding core); sluiced with a steer rule and one worker on queue 0 "
            f"(4096 frames, rings of 2048, batch {res['worker_batch']}), AF_XDP copy mode (veth).\n")
    f.write("- The generator offers as much as it can. Received, dropped and reflected are each side's own "
            "counters (the worker's in \`sluicectl status -j\`, testpmd's port statistics), cut to the "
            "window; arrived (XDP packets at $IF_DUT), to socket (its XDP redirects into the AF_XDP "
            "socket) and returned (XDP packets back at $IF_GEN) are the veth's counters, the same for both.\n")
    f.write(f"- {res['rounds']} rounds of a {res['window_s']} s window per case, after traffic flows and "
            f"$WARMUP s of warm-up; cases interleaved; medians shown. Machine: {cpu}, "
            f"{res['cpus_online']} CPUs, kernel {res['kernel']}, load average at start {res['loadavg_at_start']}.\n\n")
    f.write("| case | received Mpps | dropped Mpps | reflected Mpps | rounds (received / reflected) | arrived | to socket | returned |\n"
            "|---|---:|---:|---:|---|---:|---:|---:|\n")
    for n in order:
        c = cases[n]
        each = ", ".join(f"{x['received_mpps']:.3f}/{x['reflected_mpps']:.3f}" for x in c["rounds"])
        f.write(f"| {names[n]} | {c['received_mpps']:.3f} | {c['dropped_mpps']:.3f} | {c['reflected_mpps']:.3f} | "
                f"{each} | {c['arrived_mpps']:.3f} | {c['to_socket_mpps']:.3f} | {c['returned_mpps']:.3f} |\n")
    f.write(f"\nRatio sluice / testpmd: rx-drop (received) {fmt(res['ratio_drop'])}, "
            f"reflect (reflected) {fmt(res['ratio_reflect'])}. "
            f"Target (>= 1.2 x both): {'met' if res['target']['met'] else 'NOT met'}.\n")
PY
echo "results in $out/worker_vs_testpmd.md and worker_vs_testpmd.json"
exit $fail
