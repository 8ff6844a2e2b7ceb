#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# drop_rate.sh: how many packets per second the firewall drops on a veth
# pair, for sluice and for nftables with the same ruleset, in the same run
# and with the same generator (docs/benchmarks.md).
#
#   slbgen namespace                           root namespace
#   sluice-gen tx (CPU 0) -> slb1  ==veth==  slb0 -> threaded NAPI (CPU 1)
#                                                  -> sluice XDP | nft netdev ingress
#                                                     | nft inet prerouting (raw)
#
# The ruleset is configs/edge-firewall.yaml, retargeted to slb0; the nft
# rulesets are generated from the same file by sl2nft.py. The frame is one
# that the ruleset drops (see FRAME_* below); each firewall's own drop
# counters give the rate.
#
# Usage: drop_rate.sh [--smoke] [--out DIR] [--duration S] [--rounds N] [--config FILE]
#   --smoke      1 round of 1 s per case, results into a temporary
#                directory (or --out); fails if a case measured no drops
#   --out DIR    where drop_rate.md and drop_rate.json go
#                (default $SLUICE_SRCDIR/benchmarks/results)
#   --duration S seconds per case and round (default 5)
#   --rounds N   rounds, each running every case once (default 3)
#   --config F   the sluice config (default configs/edge-firewall.yaml)
# Environment: SLUICE_SRCDIR, SLUICE_BUILDDIR (meson sets both).
set -uo pipefail

SRC=${SLUICE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${SLUICE_BUILDDIR:-$SRC/build}
SLUICED=$BUILD/control/sluiced
SLUICECTL=$BUILD/control/sluicectl
SLUICE_GEN=$BUILD/gen/sluice-gen
SL2NFT=$SRC/benchmarks/sl2nft.py
# Debian's python3 has python3-yaml (tools/lib.sh installs it).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

NS=slbgen
FW=slb0
GEN=slb1
FW_IP=198.18.100.1
GEN_IP=198.18.100.2
PIN=/sys/fs/bpf/sluice-bench
EMPTY_PIN=/sys/fs/bpf/sluice-bench-empty
NFT_TABLE=slbench
GEN_CPU=0
NAPI_CPU=1

# The frame: UDP from the generator to the firewall's address on a port
# the edge ruleset does not open, so every rule is looked at and the
# default policy (drop) decides, in sluice and in nftables alike.
FRAME_PROTO=udp
FRAME_SPORT=40000
FRAME_DPORT=9

smoke=0
out=
duration=5
rounds=3
config=$SRC/configs/edge-firewall.yaml
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --duration) duration=${2:?--duration needs seconds}; shift ;;
    --rounds) rounds=${2:?--rounds needs a count}; shift ;;
    --config) config=${2:?--config needs a file}; shift ;;
    -h|--help) sed -n '3,26p' "$0"; exit 0 ;;
    *) echo "drop_rate.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$smoke" -eq 1 ] && { duration=1; rounds=1; }
case $duration in
  ''|*[!0-9.]*|*.*.*) echo "drop_rate.sh: bad --duration $duration" >&2; exit 2 ;;
esac
case $rounds in
  ''|*[!0-9]*|0) echo "drop_rate.sh: bad --rounds $rounds" >&2; exit 2 ;;
esac
[ "$rounds" -le 20 ] || { echo "drop_rate.sh: at most 20 rounds" >&2; exit 2; }

die() {
  echo "drop_rate.sh: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates a namespace, loads XDP and nft rules)"
for f in "$SLUICED" "$SLUICECTL" "$SLUICE_GEN"; do
  [ -x "$f" ] || die "$f is missing: build first (ninja -C $BUILD)"
done
[ -f "$config" ] || die "no config $config"
for t in nft ip ethtool taskset bpftool; do
  command -v "$t" >/dev/null || die "$t is missing (tools/lib.sh installs it)"
done
"$PY" -c 'import yaml' 2>/dev/null || die "$PY has no yaml module (Debian package python3-yaml)"

tmp=$(mktemp -d /tmp/sl-droprate.XXXXXX) || die "mktemp failed"
[ -n "$out" ] || { [ "$smoke" -eq 1 ] && out=$tmp/results || out=$SRC/benchmarks/results; }
sluiced_pid=

# Removes everything this script may have created; runs on every exit.
cleanup() {
  local i
  if [ -n "$sluiced_pid" ]; then
    kill -TERM "$sluiced_pid" 2>/dev/null
    for i in $(seq 1 50); do
      kill -0 "$sluiced_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$sluiced_pid" 2>/dev/null
    wait "$sluiced_pid" 2>/dev/null
    sluiced_pid=
  fi
  nft delete table netdev "$NFT_TABLE" 2>/dev/null
  nft delete table inet "$NFT_TABLE" 2>/dev/null
  ip link del "$FW" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  [ -d "$PIN" ] && rm -rf "$PIN"
  rm -f "$EMPTY_PIN"
  case $tmp in /tmp/sl-droprate.*) [ "$out" = "$tmp/results" ] || rm -rf "$tmp" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A run that died earlier may have left our (dedicated) names behind.
cleanup_stale() {
  nft delete table netdev "$NFT_TABLE" 2>/dev/null
  nft delete table inet "$NFT_TABLE" 2>/dev/null
  ip link del "$FW" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  [ -d "$PIN" ] && rm -rf "$PIN"
  rm -f "$EMPTY_PIN"
}
cleanup_stale

# --- topology -----------------------------------------------------------
ip netns add "$NS" || die "cannot create namespace $NS"
ip link add "$FW" type veth peer name "$GEN" netns "$NS" || die "cannot create veth $FW/$GEN"
ip addr add "$FW_IP/24" dev "$FW"
ip -n "$NS" addr add "$GEN_IP/24" dev "$GEN"
ip link set "$FW" up
ip -n "$NS" link set "$GEN" up
ip -n "$NS" link set lo up
fw_mac=$(cat "/sys/class/net/$FW/address")
gen_mac=$(ip netns exec "$NS" cat "/sys/class/net/$GEN/address")
# Static neighbours: no ARP traffic during a measurement.
ip neigh replace "$GEN_IP" lladdr "$gen_mac" dev "$FW" nud permanent
ip -n "$NS" neigh replace "$FW_IP" lladdr "$fw_mac" dev "$GEN" nud permanent
# veth delivers frames sent by XDP only to a peer with NAPI: GRO gives it
# NAPI in every case (sluice's XDP program would too, nft has none).
ethtool -K "$FW" gro on >/dev/null || die "cannot enable GRO on $FW"
if ! echo 1 >"/sys/class/net/$FW/threaded" 2>/dev/null; then
  echo "drop_rate.sh: threaded NAPI is not supported on veth by this kernel" >&2
  exit 77
fi

# Pins the receiving NAPI kthread(s) of $FW to NAPI_CPU; prints how many.
pin_napi() {
  local p comm n=0
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    case $comm in
      "napi/$FW-"*) taskset -pc "$NAPI_CPU" "${p#/proc/}" >/dev/null && n=$((n + 1)) ;;
    esac
  done
  echo "$n"
}

# --- the rulesets ---------------------------------------------------------
cfg=$tmp/edge-firewall.yaml
"$PY" "$SL2NFT" retarget "$config" "$cfg" --dev "$FW" --pin-dir "$PIN" || die "cannot retarget $config"
"$PY" "$SL2NFT" nft "$config" --hook netdev --dev "$FW" --table "$NFT_TABLE" >"$tmp/netdev.nft" ||
  die "cannot translate $config to nft (netdev)"
"$PY" "$SL2NFT" nft "$config" --hook raw --dev "$FW" --table "$NFT_TABLE" >"$tmp/raw.nft" ||
  die "cannot translate $config to nft (raw)"
n_rules=$("$PY" -c 'import sys, yaml; print(len(yaml.safe_load(open(sys.argv[1])).get("rules") or []))' "$config")
"$SLUICED" --check -c "$cfg" >/dev/null 2>"$tmp/check.log" ||
  { cat "$tmp/check.log" >&2; die "sluiced --check rejects the retargeted config"; }

# --- counters ----------------------------------------------------------------
sluice_drops() {
  "$SLUICECTL" -j -p "$PIN" stats 2>/dev/null |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["verdicts"]["drop"]["packets"])'
}
ethtool_stat() { # NAME: a counter of $FW's ethtool -S
  ethtool -S "$FW" | "$PY" -c '
import sys
for line in sys.stdin:
    k, _, v = line.partition(":")
    if k.strip() == sys.argv[1]:
        print(int(v))
        break
else:
    sys.exit(1)' "$1"
}
nft_drops() { # FAMILY
  "$PY" "$SL2NFT" drops "$1" "$NFT_TABLE"
}

# Runs the generator for $duration seconds; sets gen_json.
generate() {
  gen_json=$(timeout $((${duration%.*} + 30)) ip netns exec "$NS" "$SLUICE_GEN" tx -i "$GEN" -q -j \
    --dst-mac "$fw_mac" --src-mac "$gen_mac" --src "$GEN_IP" --dst "$FW_IP" \
    --proto "$FRAME_PROTO" --sport "$FRAME_SPORT" --dport "$FRAME_DPORT" \
    --duration "$duration" --cpu "$GEN_CPU") || die "the generator failed"
}

# How an XDP program is attached to $FW: native, generic, offload or none.
xdp_mode() {
  ip -j -d link show "$FW" | "$PY" -c '
import json, sys
mode = (json.load(sys.stdin)[0].get("xdp") or {}).get("mode", 0)
print({1: "native", 2: "generic", 3: "offload"}.get(mode, "none"))'
}

gen_get() { # JSON KEY: a field of sluice-gen tx's summary
  "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["tx"][sys.argv[2]])' "$1" "$2"
}

sluice_mode=none
# xdp_empty is the ceiling of the setup itself (generator, veth, NAPI): an
# XDP program that only drops (xdp/bench_empty.bpf.c). Not a firewall.
cases=(xdp_empty sluice nft_netdev nft_raw)
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
measurements=$tmp/measurements.tsv
: >"$measurements"

run_case() { # ROUND NAME
  local round=$1 name=$2 before after i dropped secs offered
  case $name in
    sluice)
      "$SLUICED" -c "$cfg" 2>"$tmp/sluiced.log" &
      sluiced_pid=$!
      for i in $(seq 1 100); do
        [ -e "$PIN/sl_verdicts" ] && [ "$(xdp_mode)" != none ] && break
        kill -0 "$sluiced_pid" 2>/dev/null || { cat "$tmp/sluiced.log" >&2; die "sluiced exited"; }
        sleep 0.1
      done
      [ -e "$PIN/sl_verdicts" ] || { cat "$tmp/sluiced.log" >&2; die "sluiced did not pin its maps"; }
      sluice_mode=$(xdp_mode)
      [ "$sluice_mode" != none ] || { cat "$tmp/sluiced.log" >&2; die "sluiced did not attach to $FW"; }
      read_drops() { sluice_drops; }
      ;;
    xdp_empty)
      # bpftool, not ip: ip would create its own layout under /sys/fs/bpf.
      bpftool prog load "$BUILD/bench_empty.linked.o" "$EMPTY_PIN" type xdp ||
        die "cannot load the empty XDP program"
      bpftool net attach xdpdrv pinned "$EMPTY_PIN" dev "$FW" || die "cannot attach the empty XDP program"
      rm -f "$EMPTY_PIN" # the attachment holds the program now
      read_drops() { ethtool_stat rx_queue_0_xdp_drops; }
      ;;
    nft_netdev)
      nft -f "$tmp/netdev.nft" || die "nft rejected the netdev ruleset"
      read_drops() { nft_drops netdev; }
      ;;
    nft_raw)
      nft -f "$tmp/raw.nft" || die "nft rejected the prerouting ruleset"
      read_drops() { nft_drops inet; }
      ;;
  esac
  [ "$(pin_napi)" -gt 0 ] || die "no NAPI thread of $FW to pin"
  sleep 0.2
  before=$(read_drops) || die "$name: cannot read the drop counter"
  generate
  sleep 0.2 # let the receiver drain its ring
  after=$(read_drops) || die "$name: cannot read the drop counter"
  if [ "$name" = sluice ]; then
    # The frame must have gone through every rule to the default policy.
    local by_policy
    by_policy=$("$SLUICECTL" -j -p "$PIN" stats |
      "$PY" -c 'import json, sys; print(json.load(sys.stdin)["reasons"]["default_policy"]["packets"])') ||
      die "sluice: cannot read the drop reasons"
    [ "$by_policy" -eq "$after" ] ||
      echo "drop_rate.sh: warning: sluice dropped $after packets, $by_policy of them by the default policy" >&2
  fi
  case $name in
    sluice)
      kill -TERM "$sluiced_pid"
      for i in $(seq 1 50); do
        kill -0 "$sluiced_pid" 2>/dev/null || break
        sleep 0.1
      done
      wait "$sluiced_pid" 2>/dev/null
      sluiced_pid=
      ;;
    xdp_empty) bpftool net detach xdpdrv dev "$FW" ;;
    nft_netdev) nft delete table netdev "$NFT_TABLE" ;;
    nft_raw) nft delete table inet "$NFT_TABLE" ;;
  esac
  dropped=$((after - before))
  secs=$(gen_get "$gen_json" seconds)
  offered=$(gen_get "$gen_json" pps)
  printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$dropped" "$secs" "$offered" >>"$measurements"
  "$PY" -c 'import sys; r, n, d, s, o = sys.argv[1:]; print(f"round {r} {n:<11} dropped {int(d):>11} in {float(s):.2f} s: {int(d) / float(s) / 1e6:6.3f} Mpps (offered {float(o) / 1e6:.2f} Mpps)")' \
    "$round" "$name" "$dropped" "$secs" "$offered"
  if [ "$dropped" -le 0 ]; then
    echo "drop_rate.sh: $name counted no drops: the benchmark measured nothing" >&2
    fail=1
  fi
}

# Rounds interleave the cases, so that a disturbance on the machine does
# not land on one firewall only; the median round is reported.
fail=0
for round in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    run_case "$round" "$c"
  done
done

# --- results -----------------------------------------------------------------
mkdir -p "$out" || die "cannot create $out"
"$PY" - "$out" "$measurements" <<PY || die "cannot write the results"
import json, os, platform, statistics, sys
out, tsv = sys.argv[1:3]
meta = {
    "config": os.path.relpath("$config", os.environ.get("SLUICE_SRCDIR", ".")),
    "rules": int("$n_rules"),
    "seconds_per_case": float("$duration"),
    "rounds": int("$rounds"),
    "frame": "$FRAME_PROTO $GEN_IP:$FRAME_SPORT -> $FW_IP:$FRAME_DPORT, 60 bytes",
    "generator": "sluice-gen tx (XDP live frames, batch 64, as fast as it can) on CPU $GEN_CPU in netns $NS, out of $GEN",
    "receiver": "$FW, GRO on, threaded NAPI pinned to CPU $NAPI_CPU",
    "sluice_xdp_mode": "$sluice_mode",
    "loadavg_at_start": "$loadavg_start",
}
order = ["xdp_empty", "sluice", "nft_netdev", "nft_raw"]
runs = {n: [] for n in order}
with open(tsv) as f:
    for line in f:
        r, n, d, s, o = line.split("\t")
        runs[n].append({"round": int(r), "dropped": int(d), "seconds": float(s),
                        "mpps": int(d) / float(s) / 1e6, "offered_mpps": float(o) / 1e6})
cases = {}
for n in order:
    cases[n] = {"mpps": statistics.median(x["mpps"] for x in runs[n]),
                "offered_mpps": statistics.median(x["offered_mpps"] for x in runs[n]),
                "rounds": runs[n]}
def ratio(a, b):
    return cases[a]["mpps"] / cases[b]["mpps"] if cases[b]["mpps"] > 0 else None
cpu = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
res = dict(meta, benchmark="drop_rate", kernel=platform.release(), cpu_model=cpu,
           cpus_online=os.cpu_count(), cases=cases,
           ratio_sluice_to_nft_raw=ratio("sluice", "nft_raw"),
           ratio_sluice_to_nft_netdev=ratio("sluice", "nft_netdev"),
           target={"what": "sluice >= 4 x nft prerouting-raw", "limit": 4.0})
r = res["ratio_sluice_to_nft_raw"]
res["target"]["met"] = r is not None and r >= 4.0
with open(os.path.join(out, "drop_rate.json"), "w") as f:
    json.dump(res, f, indent=2, sort_keys=True)
    f.write("\n")
names = {"xdp_empty": "reference: empty XDP program (drop only), native",
         "sluice": f"sluice (XDP, {meta['sluice_xdp_mode']})",
         "nft_netdev": "nftables netdev ingress",
         "nft_raw": "nftables inet prerouting, priority raw (-300)"}
fmt = lambda x: "n/a" if x is None else f"{x:.2f}"
with open(os.path.join(out, "drop_rate.md"), "w") as f:
    f.write("# Firewall drop rate on veth (benchmarks/drop_rate.sh)\n\n")
    f.write(f"Packets per second each firewall drops, in the same run with the same generator; "
            f"ruleset \`{meta['config']}\` ({meta['rules']} rules), the nft rulesets generated "
            f"from it by benchmarks/sl2nft.py.\n\n")
    f.write(f"- Frame: {meta['frame']}; no rule matches it, the default policy drops it "
            f"(sluice's drop-reason counter confirms it).\n")
    f.write(f"- Generator: {meta['generator']}.\n")
    f.write(f"- Receiver: {meta['receiver']}. Each firewall counts its own drops: sluice its "
            f"drop-verdict counter (\`sluicectl stats -j\`), nft its rule counters, the "
            f"reference veth's rx_queue_0_xdp_drops.\n")
    f.write(f"- {meta['rounds']} rounds of {meta['seconds_per_case']:g} s per case, cases "
            f"interleaved; the median round is shown. Machine: {cpu}, {res['cpus_online']} CPUs "
            f"(generator and receiver each own one), kernel {res['kernel']}, load average at "
            f"start {meta['loadavg_at_start']}.\n")
    f.write("- The reference row is the ceiling of this setup, not a firewall; it never "
            "reads the frame (written by the other CPU), the firewalls all do.\n\n")
    f.write("| firewall | Mpps dropped (median) | rounds (Mpps) | Mpps offered (median) |\n"
            "|---|---:|---|---:|\n")
    for n in order:
        c = cases[n]
        each = ", ".join(f"{x['mpps']:.3f}" for x in c["rounds"])
        f.write(f"| {names[n]} | {c['mpps']:.3f} | {each} | {c['offered_mpps']:.2f} |\n")
    f.write(f"\nRatio sluice / nft prerouting-raw: {fmt(r)}; "
            f"sluice / nft netdev: {fmt(res['ratio_sluice_to_nft_netdev'])}.\n")
    f.write(f"Target: sluice >= 4 x nft prerouting-raw: {'met' if res['target']['met'] else 'NOT met'}.\n")
PY
echo "results in $out/drop_rate.md and drop_rate.json"
exit $fail
