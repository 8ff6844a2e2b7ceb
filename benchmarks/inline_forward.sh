#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# inline_forward.sh: packets per second through sluice as a bump in the
# wire (docs/dataplane.md, "Inline forward"), steered through the worker's
# forward stage vs not steered (XDP_REDIRECT on the devmap), with the
# Linux bridge between the same two ports as the trivial peer, in the
# same run, same generator, same receiver (docs/benchmarks.md):
#
#   slfbc namespace           root namespace                 slfbs namespace
#   sluice-gen tx -> slfbC0 == slfbA ═ sluice | bridge ═ slfbB == slfbS0 -> XDP drop
#
#   worker:  UDP to a steered port: slfbA's XDP -> AF_XDP socket -> worker
#            (forward stage) -> TX on slfbB's socket, same UMEM (copy mode on veth)
#   devmap:  UDP to a port no rule steers: slfbA's XDP -> firewall pass ->
#            bpf_redirect_map(sl_peers) -> slfbB
#   bridge:  sluiced stopped; slfbA and slfbB in a Linux bridge
#
# Each rate is what reaches slfbS0, counted by an XDP program there that
# only drops (its rx_queue_0_xdp_drops), over the generator's seconds.
#
# Usage: inline_forward.sh [--smoke] [--out DIR] [--duration S] [--rounds N]
#   --smoke      1 round of 1 s per case, results into a temporary
#                directory (or --out); fails if a case forwarded nothing
#   --out DIR    where inline_forward.md and inline_forward.json go
#                (default $SLUICE_SRCDIR/benchmarks/results)
#   --duration S seconds per case and round (default 5)
#   --rounds N   rounds, each running every case once (default 3)
# Environment: SLUICE_SRCDIR, SLUICE_BUILDDIR (meson sets both).
set -uo pipefail

SRC=${SLUICE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${SLUICE_BUILDDIR:-$SRC/build}
SLUICED=$BUILD/control/sluiced
SLUICECTL=$BUILD/control/sluicectl
SLUICE_GEN=$BUILD/gen/sluice-gen
EMPTY_OBJ=$BUILD/bench_empty.linked.o
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

NS_C=slfbc
NS_S=slfbs
A=slfbA
B=slfbB
C0=slfbC0
S0=slfbS0
BR=slfbbr
C_IP=198.18.62.1
S_IP=198.18.62.2
PIN=/sys/fs/bpf/sluice-bench-inline
EMPTY_PIN=/sys/fs/bpf/sluice-bench-inline-empty
GEN_CPU=0
DP_CPU=1 # slfbA's NAPI thread, the worker, and what runs on them
STEERED_PORT=7000
OTHER_PORT=9000

smoke=0
out=
duration=5
rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --duration) duration=${2:?--duration needs seconds}; shift ;;
    --rounds) rounds=${2:?--rounds needs a count}; shift ;;
    -h|--help) sed -n '3,30p' "$0"; exit 0 ;;
    *) echo "inline_forward.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$smoke" -eq 1 ] && { duration=1; rounds=1; }
case $duration in
  ''|*[!0-9]*|0) echo "inline_forward.sh: bad --duration $duration (whole seconds)" >&2; exit 2 ;;
esac
case $rounds in
  ''|*[!0-9]*|0) echo "inline_forward.sh: bad --rounds $rounds" >&2; exit 2 ;;
esac
[ "$duration" -le 600 ] || { echo "inline_forward.sh: at most 600 s per case" >&2; exit 2; }
[ "$rounds" -le 20 ] || { echo "inline_forward.sh: at most 20 rounds" >&2; exit 2; }

die() {
  echo "inline_forward.sh: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates namespaces and loads XDP programs)"
for f in "$SLUICED" "$SLUICECTL" "$SLUICE_GEN" "$EMPTY_OBJ"; do
  [ -e "$f" ] || die "$f is missing: build first (ninja -C $BUILD)"
done
for t in ip ethtool taskset bpftool; do
  command -v "$t" >/dev/null || die "$t is missing (tools/lib.sh installs it)"
done
"$PY" -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null || {
  echo "inline_forward.sh: no AF_XDP sockets in this kernel" >&2
  exit 77
}

tmp=$(mktemp -d /tmp/sl-inline.XXXXXX) || die "mktemp failed"
[ -n "$out" ] || { [ "$smoke" -eq 1 ] && out=$tmp/results || out=$SRC/benchmarks/results; }
sluiced_pid=

stop_sluiced() {
  local i
  [ -n "$sluiced_pid" ] || return 0
  kill -TERM "$sluiced_pid" 2>/dev/null
  for i in $(seq 1 50); do
    kill -0 "$sluiced_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$sluiced_pid" 2>/dev/null
  wait "$sluiced_pid" 2>/dev/null
  sluiced_pid=
}

# Removes everything this script may have created (also what a run that
# died earlier left behind: the names are this script's own).
cleanup() {
  stop_sluiced
  ip link del "$BR" 2>/dev/null
  ip link del "$A" 2>/dev/null
  ip link del "$B" 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  [ -d "$PIN" ] && rm -rf "$PIN"
  rm -f "$EMPTY_PIN"
  case $tmp in /tmp/sl-inline.*) [ "$out" = "$tmp/results" ] || rm -rf "$tmp" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup_stale() {
  ip link del "$BR" 2>/dev/null
  ip link del "$A" 2>/dev/null
  ip link del "$B" 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  [ -d "$PIN" ] && rm -rf "$PIN"
  rm -f "$EMPTY_PIN"
}
cleanup_stale

# --- topology -----------------------------------------------------------
ip netns add "$NS_C" || die "cannot create namespace $NS_C"
ip netns add "$NS_S" || die "cannot create namespace $NS_S"
ip link add "$A" type veth peer name "$C0" netns "$NS_C" || die "cannot create veth $A/$C0"
ip link add "$B" type veth peer name "$S0" netns "$NS_S" || die "cannot create veth $B/$S0"
for d in "$A" "$B"; do
  sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
  ip link set "$d" up
done
ip -n "$NS_C" link set lo up
ip -n "$NS_S" link set lo up
# Only the generator's frames cross: no IPv6 chatter of the ends.
ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$NS_S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$NS_C" addr add "$C_IP/24" dev "$C0"
ip -n "$NS_S" addr add "$S_IP/24" dev "$S0"
ip -n "$NS_C" link set "$C0" up
ip -n "$NS_S" link set "$S0" up
c_mac=$(ip netns exec "$NS_C" cat "/sys/class/net/$C0/address")
s_mac=$(ip netns exec "$NS_S" cat "/sys/class/net/$S0/address")
# The receiver: an XDP program that only drops (it also gives slfbS0 the
# NAPI that XDP_REDIRECT into slfbB needs); its drops are what crossed.
bpftool prog load "$EMPTY_OBJ" "$EMPTY_PIN" type xdp || die "cannot load the empty XDP program"
# By id: ip netns exec mounts a /sys of its own, where the pin is not.
empty_id=$(bpftool -j prog show pinned "$EMPTY_PIN" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["id"])') ||
  die "cannot read the empty program's id"
ip netns exec "$NS_S" bpftool net attach xdpdrv id "$empty_id" dev "$S0" ||
  die "cannot attach the drop program to $S0"
rm -f "$EMPTY_PIN"
# slfbA receives in a NAPI thread of its own, pinned, as a NIC's queue would.
ethtool -K "$A" gro on >/dev/null || die "cannot enable GRO on $A"
if ! echo 1 >"/sys/class/net/$A/threaded" 2>/dev/null; then
  echo "inline_forward.sh: threaded NAPI is not supported on veth by this kernel" >&2
  exit 77
fi
pin_napi() { # pins the NAPI threads of $A to DP_CPU; prints how many
  local p comm n=0
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    case $comm in
      "napi/$A-"*) taskset -pc "$DP_CPU" "${p#/proc/}" >/dev/null && n=$((n + 1)) ;;
    esac
  done
  echo "$n"
}

cat >"$tmp/inline.yaml" <<EOF
version: 1
settings: {default_policy: accept}
interfaces:
  - name: $A
  - name: $B
rules:
  - {name: to-worker, protocol: udp, dport: $STEERED_PORT, action: steer}
dataplane:
  batch: 64
  interfaces:
    - {name: $A, peer: $B, stages: [forward], workers: [{queue: 0, cpu: $DP_CPU}]}
EOF
"$SLUICED" --check -c "$tmp/inline.yaml" >/dev/null 2>"$tmp/check.log" ||
  { cat "$tmp/check.log" >&2; die "sluiced --check rejects the config"; }

received() { # what slfbS0's drop program has counted
  ip netns exec "$NS_S" ethtool -S "$S0" | "$PY" -c '
import sys
for line in sys.stdin:
    k, _, v = line.partition(":")
    if k.strip() == "rx_queue_0_xdp_drops":
        print(int(v))
        break
else:
    sys.exit(1)'
}

# Runs the generator for $duration seconds to DPORT; sets gen_json.
generate() {
  gen_json=$(timeout $((duration + 30)) ip netns exec "$NS_C" "$SLUICE_GEN" tx -i "$C0" -q -j \
    --dst-mac "$s_mac" --src-mac "$c_mac" --src "$C_IP" --dst "$S_IP" \
    --proto udp --sport 40000 --dport "$1" --duration "$duration" --cpu "$GEN_CPU") ||
    die "the generator failed"
}
gen_get() { # JSON KEY
  "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["tx"][sys.argv[2]])' "$1" "$2"
}

start_sluiced() {
  local i
  "$SLUICED" -c "$tmp/inline.yaml" --pin-dir "$PIN" --socket "$tmp/ctl.sock" 2>"$tmp/sluiced.log" &
  sluiced_pid=$!
  for i in $(seq 1 100); do
    [ -e "$PIN/sl_verdicts" ] && "$SLUICECTL" -s "$tmp/ctl.sock" -j status >/dev/null 2>&1 && break
    kill -0 "$sluiced_pid" 2>/dev/null || { cat "$tmp/sluiced.log" >&2; die "sluiced exited"; }
    sleep 0.1
  done
  [ -e "$PIN/sl_verdicts" ] || { cat "$tmp/sluiced.log" >&2; die "sluiced did not come up"; }
}
worker_tx() {
  "$SLUICECTL" -s "$tmp/ctl.sock" -j status |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["workers"][0]["tx_packets"])'
}

cases=(worker devmap bridge)
measurements=$tmp/measurements.tsv
: >"$measurements"
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
worker_mode=unknown
fail=0

run_case() { # ROUND NAME
  local round=$1 name=$2 port=$OTHER_PORT before after got secs offered wtx0=0 wtx1=0
  [ "$name" = worker ] && port=$STEERED_PORT
  [ "$(pin_napi)" -gt 0 ] || die "no NAPI thread of $A to pin"
  sleep 0.2
  [ "$name" = worker ] && wtx0=$(worker_tx)
  before=$(received) || die "$name: cannot read the receiver's counter"
  generate "$port"
  sleep 0.3 # in flight: the rings drain
  after=$(received) || die "$name: cannot read the receiver's counter"
  got=$((after - before))
  if [ "$name" = worker ]; then
    # Every packet that crossed went through the worker, none by the devmap.
    wtx1=$(worker_tx)
    [ $((wtx1 - wtx0)) -ge "$got" ] ||
      echo "inline_forward.sh: warning: worker sent $((wtx1 - wtx0)), receiver got $got" >&2
  fi
  secs=$(gen_get "$gen_json" seconds)
  offered=$(gen_get "$gen_json" pps)
  printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$got" "$secs" "$offered" >>"$measurements"
  "$PY" -c 'import sys; r, n, d, s, o = sys.argv[1:]; print(f"round {r} {n:<7} forwarded {int(d):>10} in {float(s):.2f} s: {int(d) / float(s) / 1e6:6.3f} Mpps (offered {float(o) / 1e6:.2f} Mpps)")' \
    "$round" "$name" "$got" "$secs" "$offered"
  if [ "$got" -le 0 ]; then
    echo "inline_forward.sh: $name forwarded nothing: the benchmark measured nothing" >&2
    fail=1
  fi
}

for round in $(seq 1 "$rounds"); do
  start_sluiced
  worker_mode=$("$SLUICECTL" -s "$tmp/ctl.sock" -j status |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["workers"][0]["mode"])')
  run_case "$round" worker
  run_case "$round" devmap
  stop_sluiced
  ip link add "$BR" type bridge || die "cannot create bridge $BR"
  ip link set "$A" master "$BR" && ip link set "$B" master "$BR" || die "cannot bridge $A and $B"
  ip link set "$BR" up
  # The server's MAC is on slfbB's side: tell the bridge, so it never floods.
  bridge fdb replace "$s_mac" dev "$B" master static || die "cannot add the server's MAC to $BR"
  run_case "$round" bridge
  ip link del "$BR"
done

# --- results -----------------------------------------------------------------
mkdir -p "$out" || die "cannot create $out"
"$PY" - "$out" "$measurements" <<PY || die "cannot write the results"
import json, os, platform, statistics, sys
out, tsv = sys.argv[1:3]
meta = {
    "seconds_per_case": int("$duration"),
    "rounds": int("$rounds"),
    "frame": "udp $C_IP:40000 -> $S_IP (steered: port $STEERED_PORT, others: $OTHER_PORT), 60 bytes",
    "generator": "sluice-gen tx (XDP live frames, as fast as it can) on CPU $GEN_CPU in netns $NS_C, out of $C0",
    "path": "$C0 -> $A (threaded NAPI on CPU $DP_CPU) -> $B -> $S0 (XDP drop program, netns $NS_S)",
    "worker": "one worker on CPU $DP_CPU, stages [forward], AF_XDP $worker_mode mode, both ports on one UMEM",
    "loadavg_at_start": "$loadavg_start",
}
order = ["worker", "devmap", "bridge"]
runs = {n: [] for n in order}
with open(tsv) as f:
    for line in f:
        r, n, d, s, o = line.split("\t")
        runs[n].append({"round": int(r), "forwarded": int(d), "seconds": float(s),
                        "mpps": int(d) / float(s) / 1e6, "offered_mpps": float(o) / 1e6})
cases = {n: {"mpps": statistics.median(x["mpps"] for x in runs[n]),
             "offered_mpps": statistics.median(x["offered_mpps"] for x in runs[n]),
             "rounds": runs[n]} for n in order}
def ratio(a, b):
    return cases[a]["mpps"] / cases[b]["mpps"] if cases[b]["mpps"] > 0 else None
cpu = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
res = dict(meta, benchmark="inline_forward", kernel=platform.release(), cpu_model=cpu,
           cpus_online=os.cpu_count(), cases=cases,
           ratio_devmap_to_bridge=ratio("devmap", "bridge"),
           ratio_worker_to_bridge=ratio("worker", "bridge"),
           ratio_worker_to_devmap=ratio("worker", "devmap"))
with open(os.path.join(out, "inline_forward.json"), "w") as f:
    json.dump(res, f, indent=2, sort_keys=True)
    f.write("\n")
names = {"worker": "sluice, steered: AF_XDP worker, forward stage (shared UMEM)",
         "devmap": "sluice, not steered: XDP_REDIRECT on the devmap",
         "bridge": "peer: Linux bridge between the same ports (sluice stopped)"}
fmt = lambda x: "n/a" if x is None else f"{x:.2f}"
with open(os.path.join(out, "inline_forward.md"), "w") as f:
    f.write("# Inline forward on veth (benchmarks/inline_forward.sh)\n\n")
    f.write("Packets per second crossing sluice as a bump in the wire between two veth "
            "pairs, through the dataplane worker and through XDP_REDIRECT on the devmap, "
            "and through a Linux bridge between the same ports, in the same run with the "
            "same generator and receiver.\n\n")
    f.write(f"- Frame: {meta['frame']}.\n- Generator: {meta['generator']}.\n")
    f.write(f"- Path: {meta['path']}; the rate is what the drop program counted over the "
            f"generator's seconds.\n- Worker: {meta['worker']}.\n")
    f.write(f"- {meta['rounds']} rounds of {meta['seconds_per_case']} s per case, cases "
            f"interleaved; the median round is shown. Machine: {cpu}, {res['cpus_online']} CPUs, "
            f"kernel {res['kernel']}, load average at start {meta['loadavg_at_start']}.\n")
    f.write("- On a 2-CPU VM the receiving NAPI thread, the worker and the transmit path "
            "share one CPU; numbers are noisy when other work runs.\n\n")
    f.write("| path | Mpps forwarded (median) | rounds (Mpps) | Mpps offered (median) |\n"
            "|---|---:|---|---:|\n")
    for n in order:
        c = cases[n]
        each = ", ".join(f"{x['mpps']:.3f}" for x in c["rounds"])
        f.write(f"| {names[n]} | {c['mpps']:.3f} | {each} | {c['offered_mpps']:.2f} |\n")
    f.write(f"\nRatios: devmap / bridge {fmt(res['ratio_devmap_to_bridge'])}; "
            f"worker / bridge {fmt(res['ratio_worker_to_bridge'])}; "
            f"worker / devmap {fmt(res['ratio_worker_to_devmap'])}.\n")
PY
echo "results in $out/inline_forward.md and inline_forward.json"
exit $fail
