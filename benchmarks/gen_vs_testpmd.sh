#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# gen_vs_testpmd.sh: sluice-gen against DPDK's testpmd over the net_af_xdp
# PMD, on one veth pair, in the same run (docs/benchmarks.md, issue 3):
#
#   slbtgen namespace                     slbtdut namespace
#   slbt0  <================ veth ================>  slbt1
#
#   tx:      sluice-gen tx (XDP live frames)  ->  slbt1: an XDP program
#            | testpmd txonly (net_af_xdp)         that only drops
#            counted at slbt1: its XDP packets per second
#   reflect: sluice-gen tx --rx, as fast as   ->  slbt1: sluice-gen reflect
#            it can, counts what comes back   <-  | testpmd macswap (net_af_xdp)
#            counted at slbt0: XDP packets per second coming back
#
# Each rate is a counter delta at the receiver over a window that starts
# once traffic flows, the same counter for both contenders.
#
# Usage: gen_vs_testpmd.sh [--smoke] [--out DIR] [--duration S] [--rounds N]
#   --smoke      1 round with 1 s windows, results into a temporary
#                directory (or --out); fails if a case measured nothing
#   --out DIR    where gen_vs_testpmd.md and .json go
#                (default $SLUICE_SRCDIR/benchmarks/results)
#   --duration S the measured window of each case and round (default 5)
#   --rounds N   rounds, each running every case once (default 3)
#   --offer R    the load offered to the reflectors, a sluice-gen --rate
#                (default: as fast as sluice-gen tx can send)
# Environment: SLUICE_SRCDIR, SLUICE_BUILDDIR (meson sets both).
set -uo pipefail

SRC=${SLUICE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${SLUICE_BUILDDIR:-$SRC/build}
GEN=$BUILD/gen/sluice-gen
EMPTY_OBJ=$BUILD/bench_empty.linked.o
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

NS_GEN=slbtgen
NS_DUT=slbtdut
IF_GEN=slbt0
IF_DUT=slbt1
IP_GEN=198.18.200.1
IP_DUT=198.18.200.2
EMPTY_PIN=/sys/fs/bpf/slbt-empty
# testpmd's run directory (its multi-process socket), removed at the end.
DPDK_PREFIX=slbt-gvt
DPDK_RUNDIR=/var/run/dpdk/$DPDK_PREFIX
# tx: either generator on CPU 1 (sluice-gen's sender, testpmd's
# forwarding lcore). reflect: the load from sluice-gen on CPU 0, testpmd's
# forwarding lcore on CPU 1. testpmd's main lcore (statistics only) on 0.
GEN_CPU=1
FWD_CPU=1
MAIN_CPU=0
REFL_GEN_CPU=0
# How long a contender may take to get traffic flowing, and the warm-up
# after it does, in seconds.
START_LIMIT=15
WARMUP=1

smoke=0
out=
duration=5
rounds=3
offer=
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --duration) duration=${2:?--duration needs seconds}; shift ;;
    --rounds) rounds=${2:?--rounds needs a count}; shift ;;
    --offer) offer=${2:?--offer needs a rate}; shift ;;
    -h|--help) sed -n '3,29p' "$0"; exit 0 ;;
    *) echo "gen_vs_testpmd.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$smoke" -eq 1 ] && { duration=1; rounds=1; }
case $duration in
  ''|*[!0-9]*|0) echo "gen_vs_testpmd.sh: --duration is whole seconds, at least 1" >&2; exit 2 ;;
esac
[ "$duration" -le 600 ] || { echo "gen_vs_testpmd.sh: --duration is at most 600" >&2; exit 2; }
case $rounds in
  ''|*[!0-9]*|0) echo "gen_vs_testpmd.sh: bad --rounds $rounds" >&2; exit 2 ;;
esac
[ "$rounds" -le 20 ] || { echo "gen_vs_testpmd.sh: at most 20 rounds" >&2; exit 2; }

die() {
  echo "gen_vs_testpmd.sh: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates namespaces and attaches XDP programs)"
for f in "$GEN" "$EMPTY_OBJ"; do
  [ -e "$f" ] || die "$f is missing: build first (ninja -C $BUILD)"
done
for t in dpdk-testpmd ip ethtool bpftool timeout; do
  command -v "$t" >/dev/null || die "$t is missing (tools/lib.sh installs it: dpdk-dev, librte-net-af-xdp23)"
done
ls /usr/lib/*/dpdk/pmds-*/librte_net_af_xdp.so* >/dev/null 2>&1 ||
  die "DPDK's net_af_xdp PMD is missing (Debian package librte-net-af-xdp23)"

tmp=$(mktemp -d /tmp/sl-gentpmd.XXXXXX) || die "mktemp failed"
[ -n "$out" ] || { [ "$smoke" -eq 1 ] && out=$tmp/results || out=$SRC/benchmarks/results; }
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
  ip netns del "$NS_DUT" 2>/dev/null
  rm -f "$EMPTY_PIN"
  rm -rf "$DPDK_RUNDIR"
}

# Removes everything this script may have created; runs on every exit.
cleanup() {
  stop_bg
  cleanup_names
  case $tmp in /tmp/sl-gentpmd.*) [ "$out" = "$tmp/results" ] || rm -rf "$tmp" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup_names # what an interrupted run may have left

# --- topology -----------------------------------------------------------
ip netns add "$NS_GEN" || die "cannot create namespace $NS_GEN"
ip netns add "$NS_DUT" || die "cannot create namespace $NS_DUT"
ip link add "$IF_GEN" netns "$NS_GEN" type veth peer name "$IF_DUT" netns "$NS_DUT" ||
  die "cannot create veth $IF_GEN/$IF_DUT"
ip -n "$NS_GEN" addr add "$IP_GEN/24" dev "$IF_GEN"
ip -n "$NS_DUT" addr add "$IP_DUT/24" dev "$IF_DUT"
for ns in "$NS_GEN" "$NS_DUT"; do ip -n "$ns" link set lo up; done
ip -n "$NS_GEN" link set "$IF_GEN" up
ip -n "$NS_DUT" link set "$IF_DUT" up
mac_gen=$(ip netns exec "$NS_GEN" cat "/sys/class/net/$IF_GEN/address")
mac_dut=$(ip netns exec "$NS_DUT" cat "/sys/class/net/$IF_DUT/address")

# The sum of an interface's per-queue XDP packet counters (veth's ethtool -S).
xdp_packets() { # NS IF
  ip netns exec "$1" ethtool -S "$2" | awk '$1 ~ /^rx_queue_[0-9]+_xdp_packets:$/ { n += $2 } END { print n + 0 }'
}

now() { date +%s.%N; }

# Reads the counter of NS IF; sets cnt, and at the midpoint of the read.
sample() { # NS IF
  local a b
  a=$(now)
  cnt=$(xdp_packets "$1" "$2") || return 1
  b=$(now)
  at=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.6f", (a + b) / 2 }')
}

# Waits until NS IF counts XDP packets, then measures its rate over
# $duration seconds after a warm-up; prints "pps packets seconds", and
# with NS2 IF2 the rate of that second counter over the same window.
# Fails when nothing flows within START_LIMIT seconds or a background
# process died.
measure() { # NS IF WHAT [NS2 IF2]
  local ns=$1 dev=$2 what=$3 ns2=${4:-} dev2=${5:-} c0 c1 t0 t1 d0=0 d1=0 i p cnt at
  c0=$(xdp_packets "$ns" "$dev") || return 1
  for i in $(seq 1 $((START_LIMIT * 10))); do
    sleep 0.1
    c1=$(xdp_packets "$ns" "$dev") || return 1
    [ "$c1" -gt "$c0" ] && break
    for p in "${bg_pids[@]}"; do
      kill -0 "$p" 2>/dev/null || { echo "gen_vs_testpmd.sh: $what exited before sending" >&2; return 1; }
    done
  done
  [ "$c1" -gt "$c0" ] || { echo "gen_vs_testpmd.sh: $what: nothing arrived in ${START_LIMIT} s" >&2; return 1; }
  sleep "$WARMUP"
  [ -z "$ns2" ] || d0=$(xdp_packets "$ns2" "$dev2") || return 1
  sample "$ns" "$dev" || return 1
  c0=$cnt t0=$at
  sleep "$duration"
  sample "$ns" "$dev" || return 1
  c1=$cnt t1=$at
  [ -z "$ns2" ] || d1=$(xdp_packets "$ns2" "$dev2") || return 1
  for p in "${bg_pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { echo "gen_vs_testpmd.sh: $what stopped during the window" >&2; return 1; }
  done
  "$PY" -c 'import sys; c0, c1, t0, t1, d0, d1 = map(float, sys.argv[1:]); print((c1 - c0) / (t1 - t0), int(c1 - c0), t1 - t0, int(d1 - d0))' \
    "$c0" "$c1" "$t0" "$t1" "$d0" "$d1"
}

# A process's own time bound: it must outlive the window, and no more.
run_limit=$((START_LIMIT + WARMUP + duration + 10))

start_gen() { # NS IF CPU [extra sluice-gen tx options]: as fast as it can
  local ns=$1 dev=$2 cpu=$3
  shift 3
  ip netns exec "$ns" "$GEN" tx -i "$dev" --src "$IP_GEN" --dst "$IP_DUT" --dst-mac "$mac_dut" \
    --cpu "$cpu" -d "$run_limit" -q -j "$@" >"$tmp/gen.json" 2>"$tmp/gen.err" </dev/null &
  bg_pids+=($!)
}

# testpmd over the net_af_xdp PMD on NS IF, no huge pages, a small mbuf pool.
start_testpmd() { # NS IF MODE [testpmd options]
  local ns=$1 dev=$2 mode=$3
  shift 3
  ip netns exec "$ns" timeout -k 5 "$run_limit" dpdk-testpmd --no-huge -m 512 --no-pci \
    --no-shconf --file-prefix "$DPDK_PREFIX" \
    -l "$MAIN_CPU,$FWD_CPU" --vdev "net_af_xdp0,iface=$dev,start_queue=0,queue_count=1" -- \
    --forward-mode="$mode" --auto-start --stats-period 1 --nb-cores=1 --port-topology=loop \
    --total-num-mbufs=16384 "$@" >"$tmp/testpmd-$mode.log" 2>&1 </dev/null &
  bg_pids+=($!)
}

attach_empty() { # the drop-only program on the receiver
  local id
  bpftool prog load "$EMPTY_OBJ" "$EMPTY_PIN" type xdp || return 1
  id=$(bpftool -j prog show pinned "$EMPTY_PIN" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  ip netns exec "$NS_DUT" bpftool net attach xdpdrv id "$id" dev "$IF_DUT" || { rm -f "$EMPTY_PIN"; return 1; }
  rm -f "$EMPTY_PIN" # the attachment holds it from now on
}
detach_empty() {
  ip netns exec "$NS_DUT" bpftool net detach xdpdrv dev "$IF_DUT"
}

cases=(tx_sluice tx_testpmd reflect_sluice reflect_testpmd)
measurements=$tmp/measurements.tsv
: >"$measurements"
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
fail=0

# One case: start what it needs, measure, stop everything, record.
run_case() { # ROUND NAME
  local round=$1 name=$2 res offered=
  case $name in
    tx_sluice|tx_testpmd)
      attach_empty || die "cannot attach the drop-only XDP program to $IF_DUT"
      if [ "$name" = tx_sluice ]; then
        start_gen "$NS_GEN" "$IF_GEN" "$GEN_CPU"
      else
        start_testpmd "$NS_GEN" "$IF_GEN" txonly --txpkts=60 --eth-peer="0,$mac_dut"
      fi
      res=$(measure "$NS_DUT" "$IF_DUT" "$name")
      ;;
    reflect_sluice|reflect_testpmd)
      if [ "$name" = reflect_sluice ]; then
        ip netns exec "$NS_DUT" "$GEN" reflect -i "$IF_DUT" -q -d "$run_limit" \
          >"$tmp/reflect.json" 2>"$tmp/reflect.err" </dev/null &
        bg_pids+=($!)
      else
        start_testpmd "$NS_DUT" "$IF_DUT" macswap
      fi
      # The reflector must be in place before the load: wait for its XDP program.
      local i
      for i in $(seq 1 $((START_LIMIT * 10))); do
        ip -n "$NS_DUT" link show "$IF_DUT" | grep -q 'xdp' && break
        sleep 0.1
      done
      ip -n "$NS_DUT" link show "$IF_DUT" | grep -q 'xdp' ||
        { stop_bg; cat "$tmp"/*.log "$tmp"/*.err 2>/dev/null >&2; die "$name: no XDP program on $IF_DUT"; }
      sleep 0.5
      start_gen "$NS_GEN" "$IF_GEN" "$REFL_GEN_CPU" --rx ${offer:+--rate "$offer"}
      res=$(measure "$NS_GEN" "$IF_GEN" "$name" "$NS_DUT" "$IF_DUT")
      ;;
  esac
  stop_bg
  [ "${name%_*}" = tx ] && detach_empty
  if [ -z "$res" ]; then
    cat "$tmp"/*.log "$tmp"/*.err 2>/dev/null | tail -20 >&2
    die "$name measured nothing"
  fi
  set -- $res
  [ "${name%_*}" = reflect ] && offered=$4
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$1" "$2" "$3" "$offered" >>"$measurements"
  "$PY" -c 'import sys; r, n, pps, pk, s = sys.argv[1:6]; print(f"round {r} {n:<16} {float(pps) / 1e6:7.3f} Mpps ({pk} packets in {float(s):.2f} s)")' \
    "$round" "$name" "$1" "$2" "$3"
  if [ "$2" -le 0 ]; then
    echo "gen_vs_testpmd.sh: $name counted no packets" >&2
    fail=1
  fi
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
order = ["tx_sluice", "tx_testpmd", "reflect_sluice", "reflect_testpmd"]
runs = {n: [] for n in order}
with open(tsv) as f:
    for line in f:
        r, n, pps, pk, s, off = line.rstrip("\n").split("\t")
        x = {"round": int(r), "mpps": float(pps) / 1e6, "packets": int(pk), "seconds": float(s)}
        if off:
            x["arrived_at_reflector_mpps"] = int(off) / float(s) / 1e6
        runs[n].append(x)
cases = {n: {"mpps": statistics.median(x["mpps"] for x in runs[n]), "rounds": runs[n]} for n in order}
def ratio(a, b):
    return cases[a]["mpps"] / cases[b]["mpps"] if cases[b]["mpps"] > 0 else None
cpu = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
res = {
    "benchmark": "gen_vs_testpmd",
    "kernel": platform.release(), "cpu_model": cpu, "cpus_online": os.cpu_count(),
    "loadavg_at_start": "$loadavg_start",
    "window_s": int("$duration"), "rounds": int("$rounds"),
    "dpdk_version": "$testpmd_version",
    "reflect_offered": "$offer" or "as fast as sluice-gen tx can send",
    "frame": "64 bytes on the wire (60 in memory), IPv4 UDP",
    "setup": "veth $IF_GEN (netns $NS_GEN) <-> $IF_DUT (netns $NS_DUT)",
    "cases": cases,
    "ratio_tx": ratio("tx_sluice", "tx_testpmd"),
    "ratio_reflect": ratio("reflect_sluice", "reflect_testpmd"),
    "target": {"what": "sluice-gen >= 5 x testpmd over net_af_xdp, tx and reflect", "limit": 5.0},
}
res["target"]["met"] = all(r is not None and r >= 5.0 for r in (res["ratio_tx"], res["ratio_reflect"]))
with open(os.path.join(out, "gen_vs_testpmd.json"), "w") as f:
    json.dump(res, f, indent=2, sort_keys=True)
    f.write("\n")
fmt = lambda x: "n/a" if x is None else f"{x:.2f}"
names = {
    "tx_sluice": "tx: sluice-gen tx (XDP live frames, 1 sender on CPU $GEN_CPU)",
    "tx_testpmd": "tx: testpmd txonly over net_af_xdp (forwarding lcore on CPU $FWD_CPU)",
    "reflect_sluice": "reflect: sluice-gen reflect (XDP_TX)",
    "reflect_testpmd": "reflect: testpmd macswap over net_af_xdp (forwarding lcore on CPU $FWD_CPU)",
}
with open(os.path.join(out, "gen_vs_testpmd.md"), "w") as f:
    f.write("# sluice-gen vs DPDK testpmd over net_af_xdp (benchmarks/gen_vs_testpmd.sh)\n\n")
    f.write(f"- Setup: {res['setup']}; {res['frame']}; DPDK {res['dpdk_version']} "
            f"(\`dpdk-testpmd --no-huge -m 512 --vdev net_af_xdp0,iface=...\`, one queue, one forwarding core).\n")
    f.write("- tx: the rate at which frames reach $IF_DUT, where an XDP program only drops them "
            "(its per-queue xdp_packets counters).\n")
    f.write(f"- reflect: sluice-gen tx --rx on $IF_GEN (CPU $REFL_GEN_CPU) offers load ({res['reflect_offered']}); "
            "the rate is what comes back to $IF_GEN (its xdp_packets counters, the analyser's program). "
            "The sluice reflector runs in $IF_DUT's NAPI, on whichever CPU delivers to it; testpmd "
            "busy-polls its own CPU.\n")
    f.write(f"- {res['rounds']} rounds of a {res['window_s']} s window per case, after traffic flows and "
            f"{int('$WARMUP')} s of warm-up; cases interleaved; the median is shown. Machine: {cpu}, "
            f"{res['cpus_online']} CPUs, kernel {res['kernel']}, load average at start {res['loadavg_at_start']}.\n\n")
    f.write("| case | Mpps (median) | rounds (Mpps) | arrived at the reflector (Mpps, median) |\n|---|---:|---|---:|\n")
    for n in order:
        c = cases[n]
        each = ", ".join(f"{x['mpps']:.3f}" for x in c["rounds"])
        arr = [x["arrived_at_reflector_mpps"] for x in c["rounds"] if "arrived_at_reflector_mpps" in x]
        f.write(f"| {names[n]} | {c['mpps']:.3f} | {each} | {statistics.median(arr):.3f} |\n" if arr else
                f"| {names[n]} | {c['mpps']:.3f} | {each} | |\n")
    f.write(f"\nRatio sluice-gen / testpmd: tx {fmt(res['ratio_tx'])}, reflect {fmt(res['ratio_reflect'])}. "
            f"Target (>= 5 x both): {'met' if res['target']['met'] else 'NOT met'}.\n")
PY
echo "results in $out/gen_vs_testpmd.md and gen_vs_testpmd.json"
exit $fail
