#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# control_rate.sh: how fast the policy changes through sluiced's control
# socket, against nftables doing the same changes, in the same run
# (docs/benchmarks.md):
#
#   rules     N rules added in one transaction (sluicectl batch) and one per
#             command (sluicectl rule add, each a generation), against
#             `nft add rule` per rule and `nft -f` with the same N rules;
#   replace   C cycles replacing all N rules (C x N rule changes), one
#             transaction per cycle, against `nft -f` flushing the chain and
#             adding the N new rules, per cycle;
#   elements  M set elements (IPv4 /32 in 198.18.0.0/15) added in one
#             transaction (sluicectl set load) against `nft -f` adding them
#             to an interval set; a rule names the set on both sides;
#   big set   P prefixes (IPv6 /64 in 2001:db8::/32) loaded into a set a rule
#             names, sluicectl set load against `nft -f` into an interval set;
#   reload    configs/edge-firewall.yaml applied with sluicectl reload, R times.
#
# sluice's rule table holds SL_MAX_RULES (1024) rules, so the rule rates are
# measured at N = 1000; 10,000 and 100,000 rule changes are measured as
# replace cycles (C = 10 and 100), not as one table of that size.
# nftables runs in a namespace of its own (its ruleset goes with it).
# sluicectl is a new process per command, as `nft` is.
#
# Usage: control_rate.sh [--smoke] [--out DIR]
#   --smoke    small sizes (N 50, C 2, M 2000, P 20000, R 2); fails when a
#              case measured nothing
#   --out DIR  where control_rate.md and control_rate.json go
#              (default $SLUICE_SRCDIR/benchmarks/results)
# Environment: SLUICE_SRCDIR, SLUICE_BUILDDIR (meson sets both).
set -uo pipefail

SRC=${SLUICE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${SLUICE_BUILDDIR:-$SRC/build}
SLUICED=$BUILD/control/sluiced
SLUICECTL=$BUILD/control/sluicectl

smoke=0
out=
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --out) out=$2; shift ;;
    *) echo "usage: $0 [--smoke] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
if [ $smoke -eq 1 ]; then N=50 C=2 M=2000 P=20000 R=2; else N=1000 C=10 M=100000 P=1000000 R=5; fi
[ -n "$out" ] || out=$SRC/benchmarks/results

NS=slcr$$
IF=slcr0
PEER=slcr0p
PIN=/sys/fs/bpf/slcr$$
SOCK=/run/slcr$$/control.sock
tmp=$(mktemp -d)
daemon=

die() { echo "control_rate: $*" >&2; [ -f "$tmp/sluiced.log" ] && tail -5 "$tmp/sluiced.log" >&2; exit 1; }
cleanup() {
  set +e
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  ip link del "$IF" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$PIN" "/run/slcr$$" "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || die "needs root"
command -v nft >/dev/null || die "needs nft (nftables)"
mkdir -p "$out"
ip netns add "$NS" || die "cannot create a namespace"
ip link add "$IF" type veth peer name "$PEER" netns "$NS" || die "cannot create a veth pair"
ip link set "$IF" up

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.4f}')" "$1" "$2"; }
nft_ns() { ip netns exec "$NS" nft "$@"; }
ctl() { "$SLUICECTL" -s "$SOCK" "$@"; }

base_config() {
  cat <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: $IF
    mode: generic
rules: []
EOF
}
base_config >"$tmp/fw.yaml"
"$SLUICED" -c "$tmp/fw.yaml" --pin-dir "$PIN" --socket "$SOCK" --state-dir "$tmp/state" \
  2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status >/dev/null 2>&1 || die "sluiced did not start"

nft_reset() {
  nft_ns flush ruleset
  nft_ns -f - <<EOF
table inet slcr {
  set elems { type ipv4_addr; flags interval; }
  set big { type ipv6_addr; flags interval; }
  chain input { type filter hook input priority 0; policy accept; }
}
EOF
}

declare -A T

# --- rules: N in one transaction, N one per command ---------------------------
for i in $(seq 0 $((N - 1))); do
  echo "rule add {name: r$i, protocol: tcp, dport: $((10000 + i)), action: drop}"
done >"$tmp/batch"
t0=$(now); ctl batch "$tmp/batch" || die "batch failed"; t1=$(now)
T[sl_tx]=$(elapsed "$t0" "$t1")
[ "$(ctl -j rule list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq "$N" ] ||
  die "the batch did not add $N rules"
ctl reload || die "reload failed"
t0=$(now)
for i in $(seq 0 $((N - 1))); do
  ctl rule add "{name: r$i, protocol: tcp, dport: $((10000 + i)), action: drop}" || die "rule add $i failed"
done
t1=$(now)
T[sl_each]=$(elapsed "$t0" "$t1")

nft_reset
t0=$(now)
for i in $(seq 0 $((N - 1))); do
  nft_ns add rule inet slcr input tcp dport $((10000 + i)) drop || die "nft add rule failed"
done
t1=$(now)
T[nft_each]=$(elapsed "$t0" "$t1")
nft_reset
for i in $(seq 0 $((N - 1))); do
  echo "add rule inet slcr input tcp dport $((10000 + i)) drop"
done >"$tmp/rules.nft"
t0=$(now); nft_ns -f "$tmp/rules.nft" || die "nft -f failed"; t1=$(now)
T[nft_f]=$(elapsed "$t0" "$t1")

# --- replace cycles: C x N rule changes ----------------------------------------
t0=$(now)
for c in $(seq 1 "$C"); do
  for i in $(seq 0 $((N - 1))); do
    echo "rule replace r$i {protocol: tcp, dport: $((20000 + c * 7 + i)), action: drop}"
  done >"$tmp/replace"
  ctl batch "$tmp/replace" || die "replace cycle $c failed"
done
t1=$(now)
T[sl_replace]=$(elapsed "$t0" "$t1")
t0=$(now)
for c in $(seq 1 "$C"); do
  { echo "flush chain inet slcr input"
    for i in $(seq 0 $((N - 1))); do
      echo "add rule inet slcr input tcp dport $((20000 + c * 7 + i)) drop"
    done; } >"$tmp/replace.nft"
  nft_ns -f "$tmp/replace.nft" || die "nft replace cycle $c failed"
done
t1=$(now)
T[nft_replace]=$(elapsed "$t0" "$t1")

# --- set elements: M IPv4 hosts, one transaction ----------------------------------
python3 - "$M" "$tmp/elems.txt" "$tmp/elems.nft" <<'PY'
import ipaddress, sys
m = int(sys.argv[1])
base = int(ipaddress.IPv4Address("198.18.0.0"))
# Scattered over 198.18.0.0/15 (an odd multiplier permutes the 2^17 hosts), as
# a real list is, not consecutive hosts that merge into a few prefixes.
addrs = [str(ipaddress.IPv4Address(base + (i * 40503) % 131072)) for i in range(m)]  # m <= 131072
open(sys.argv[2], "w").write("\n".join(addrs) + "\n")
with open(sys.argv[3], "w") as f:
    for i in range(0, m, 5000):
        f.write("add element inet slcr elems { " + ", ".join(addrs[i:i + 5000]) + " }\n")
PY
# Both sets are named by a rule, so they are in the tables the packets see.
ctl set create elems || die "set create failed"
ctl rule add '{name: elems, src: elems, action: drop}' || die "rule on elems failed"
nft_ns add rule inet slcr input ip saddr @elems drop || die "nft rule on elems failed"
t0=$(now); ctl set load elems "$tmp/elems.txt" || die "set load elems failed"; t1=$(now)
T[sl_elems]=$(elapsed "$t0" "$t1")
t0=$(now); nft_ns -f "$tmp/elems.nft" || die "nft elements failed"; t1=$(now)
T[nft_elems]=$(elapsed "$t0" "$t1")

# --- a big set: P IPv6 /64 prefixes --------------------------------------------
python3 - "$P" "$tmp/big.txt" "$tmp/big.nft" <<'PY'
import sys
p = int(sys.argv[1])
# Scattered over 2001:db8::/32 (an odd multiplier permutes the 2^32 /64s):
# siblings are rare, so next to nothing merges (docs/classifier.md).
ks = [(i * 2654435761) & 0xffffffff for i in range(p)]
nets = ["2001:db8:%x:%x::/64" % (k >> 16, k & 0xffff) for k in ks]
open(sys.argv[2], "w").write("\n".join(nets) + "\n")
with open(sys.argv[3], "w") as f:
    for i in range(0, p, 5000):
        f.write("add element inet slcr big { " + ", ".join(nets[i:i + 5000]) + " }\n")
PY
ctl set create big || die "set create failed"
ctl rule add '{name: big, src: big, action: drop}' || die "rule on big failed"
nft_ns add rule inet slcr input ip6 saddr @big drop || die "nft rule on big failed"
t0=$(now); ctl set load big "$tmp/big.txt" || die "set load big failed"; t1=$(now)
T[sl_big]=$(elapsed "$t0" "$t1")
[ "$(ctl -j set list | python3 -c 'import json,sys; print([s["size"] for s in json.load(sys.stdin) if s["name"]=="big"][0])')" -eq "$P" ] ||
  die "the big set does not hold $P prefixes"
t0=$(now); nft_ns -f "$tmp/big.nft" || die "nft big set failed"; t1=$(now)
T[nft_big]=$(elapsed "$t0" "$t1")

# --- reload of the edge firewall -------------------------------------------------
sed "s/\bsl-fw0\b/$IF/g; s/mode: native/mode: generic/" "$SRC/configs/edge-firewall.yaml" >"$tmp/fw.yaml"
cp -r "$SRC/configs/sets" "$tmp/"
reloads=()
for r in $(seq 1 "$R"); do
  t0=$(now); ctl reload || die "reload of the edge firewall failed"; t1=$(now)
  reloads+=("$(elapsed "$t0" "$t1")")
done
T[reload]=$(printf '%s\n' "${reloads[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

# --- results --------------------------------------------------------------------
args=()
for k in "${!T[@]}"; do args+=("$k=${T[$k]}"); done
python3 - "$out" "$smoke" "$N" "$C" "$M" "$P" "$R" "${args[@]}" <<'PY' || exit 1
import json, os, platform, sys
out, smoke, n, c, m, p, r = sys.argv[1], sys.argv[2] == "1", *map(int, sys.argv[3:8])
t = {k: float(v) for k, v in (a.split("=", 1) for a in sys.argv[8:])}
bad = [k for k, v in t.items() if not v > 0]
if bad:
    sys.exit(f"control_rate: nothing measured for {bad}")
def rate(count, secs): return count / secs
res = {
    "smoke": smoke, "sizes": {"rules": n, "replace_cycles": c, "elements": m, "big_set": p, "reloads": r},
    "seconds": t,
    "rules_per_s": {
        "sluice_one_transaction": rate(n, t["sl_tx"]), "sluice_per_command": rate(n, t["sl_each"]),
        "nft_add_rule_per_rule": rate(n, t["nft_each"]), "nft_f": rate(n, t["nft_f"]),
        "sluice_replace_cycles": rate(n * c, t["sl_replace"]), "nft_f_replace_cycles": rate(n * c, t["nft_replace"]),
    },
    "elements_per_s": {"sluice": rate(m, t["sl_elems"]), "nft_f": rate(m, t["nft_elems"])},
    "big_set_seconds": {"sluice": t["sl_big"], "nft_f": t["nft_big"]},
    "edge_reload_seconds_median": t["reload"],
    "machine": {"kernel": platform.release(), "cpus": os.cpu_count(), "load": os.getloadavg()},
}
res["ratios"] = {
    "tx_vs_nft_add_rule": res["rules_per_s"]["sluice_one_transaction"] / res["rules_per_s"]["nft_add_rule_per_rule"],
    "tx_vs_nft_f": res["rules_per_s"]["sluice_one_transaction"] / res["rules_per_s"]["nft_f"],
    "per_command_vs_nft_add_rule": res["rules_per_s"]["sluice_per_command"] / res["rules_per_s"]["nft_add_rule_per_rule"],
    "replace_vs_nft_f": res["rules_per_s"]["sluice_replace_cycles"] / res["rules_per_s"]["nft_f_replace_cycles"],
    "elements_vs_nft_f": res["elements_per_s"]["sluice"] / res["elements_per_s"]["nft_f"],
    "big_set_vs_nft_f": t["nft_big"] / t["sl_big"],
}
json.dump(res, open(os.path.join(out, "control_rate.json"), "w"), indent=2)
R = res["rules_per_s"]; E = res["elements_per_s"]; Q = res["ratios"]
md = f"""# Control-plane rates (benchmarks/control_rate.sh)

Changes of the policy through sluiced's control socket (`sluicectl`, one
process per command, as `nft`) against nftables doing the same changes in a
namespace of its own, same run, same machine
(kernel {platform.release()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}).
{"**Smoke run: tiny sizes, not a measurement.**" if smoke else ""}

| case | sluice | nftables | sluice / nftables |
|---|---:|---:|---:|
| {n} rules, one transaction vs `nft -f` | {R['sluice_one_transaction']:.0f} rules/s | {R['nft_f']:.0f} rules/s | {Q['tx_vs_nft_f']:.2f} |
| {n} rules, one transaction vs `nft add rule` per rule | {R['sluice_one_transaction']:.0f} rules/s | {R['nft_add_rule_per_rule']:.0f} rules/s | {Q['tx_vs_nft_add_rule']:.2f} |
| {n} rules, one command (one generation) each vs `nft add rule` each | {R['sluice_per_command']:.0f} rules/s | {R['nft_add_rule_per_rule']:.0f} rules/s | {Q['per_command_vs_nft_add_rule']:.2f} |
| {c} x {n} = {c * n} rule changes, one transaction per cycle vs `nft -f` (flush + add) per cycle | {R['sluice_replace_cycles']:.0f} changes/s | {R['nft_f_replace_cycles']:.0f} changes/s | {Q['replace_vs_nft_f']:.2f} |
| {m} set elements (IPv4 hosts) into a set a rule uses, one transaction vs `nft -f` | {E['sluice']:.0f} elements/s | {E['nft_f']:.0f} elements/s | {Q['elements_vs_nft_f']:.2f} |
| a {p}-prefix set (IPv6 /64) a rule uses, `set load` vs `nft -f` | {t['sl_big']:.2f} s | {t['nft_big']:.2f} s | {Q['big_set_vs_nft_f']:.2f} (time ratio, >1: sluice faster) |
| configs/edge-firewall.yaml, `sluicectl reload` (median of {r}) | {t['reload']:.3f} s | - | - |

- sluice's rule table holds 1,024 rules (SL_MAX_RULES), so rules are
  measured at {n}; 10,000 and 100,000 rule changes are replace cycles
  (10 and 100 cycles of {n}), each cycle one generation, not one table of
  that size. nftables has no such limit; its chain is flushed per cycle.
- Every sluice change builds and switches a whole generation: compile,
  the tables filled into an instance of the program that no packet runs
  (the spare, refilled, or a freshly loaded one when the rodata changes,
  docs/control.md "Generations"), the link switch (`bpf_link_update`,
  about 15 ms per interface, most of it the kernel's RCU wait), the pins,
  and the saved policy written to the state directory. A per-command
  change pays all of it; a transaction pays it once.
- Prefixes are merged where siblings share an address class
  (docs/classifier.md). The sets here are scattered on purpose (hosts and
  /64s picked by an odd-multiplier permutation), as real block lists are,
  so the numbers do not profit from merging.
- The numbers are from a shared, busy 2-CPU build machine and noisy; the
  ratios mean more than the absolute rates.
"""
open(os.path.join(out, "control_rate.md"), "w").write(md)
print(md)
PY
