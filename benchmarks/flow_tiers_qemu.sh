#!/usr/bin/env bash
# flow_tiers in QEMU's two-node machine (tests/qemu/qemu_lib.sh): the
# flow table on node 0 (fast) and on node 1 (capacity, no CPUs), as a
# ratio to the fast placement. Writes flow_tiers_qemu.md and .json.
#
# QEMU's software emulation runs guest memory accesses as host accesses:
# it does not model the latency of a NUMA hop or of a CXL link, so the
# ratio here is emulator noise; the run checks that the benchmark places
# and measures both tiers. docs/tiers.md has the cost model.
#
# Usage: flow_tiers_qemu.sh [--smoke] [--out DIR] [--lookups N] [--runs N]
set -euo pipefail

src=${SLUICE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${SLUICE_BUILDDIR:?set SLUICE_BUILDDIR to the build directory}
out=$src/benchmarks/results
lookups=200000
runs=5
smoke=0
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1; lookups=5000; runs=1 ;;
    --out) out=$2; shift ;;
    --lookups) lookups=$2; shift ;;
    --runs) runs=$2; shift ;;
    *) echo "usage: flow_tiers_qemu.sh [--smoke] [--out DIR] [--lookups N] [--runs N]" >&2; exit 2 ;;
  esac
  shift
done

die() {
  echo "flow_tiers_qemu: $*" >&2
  exit 1
}

. "$src/tests/qemu/qemu_lib.sh"

guest=$build/benchmarks/flow_tiers_guest
[ -x "$guest" ] || die "no $guest (build first)"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is not installed: skip"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sl-qemu-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

kernel=$(sl_qemu_kernel "$build/qemu-cache" "$work")
sl_qemu_initramfs "$work" "$guest" --lookups "$lookups" --runs "$runs"
rc=0
sl_qemu_boot "$work" "$kernel" 280 || rc=$?
[ -s "$work/serial.log" ] || { cat "$work/qemu.err" >&2; echo "QEMU did not start: skip"; exit 77; }
grep '^SL-' "$work/serial.log" || true
[ $rc -eq 0 ] || die "QEMU exited with $rc (124: the guest did not finish in time)"
grep -q '^SL-EXIT 0' "$work/serial.log" || { cat "$work/serial.log" >&2; die "the benchmark failed in the guest"; }

mkdir -p "$out"
python3 - "$work/serial.log" "$out" "$lookups" "$runs" "$smoke" <<'PY'
import json, sys
serial, out, lookups, runs, smoke = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
cells = {}
for line in open(serial):
    if not line.startswith("SL-BENCH "):
        continue
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    cells[(int(kv["entries"]), kv["tier"])] = {"nodes": kv["nodes"], "placed": float(kv["placed"]), "ns": float(kv["ns"])}
sizes = sorted({e for e, _ in cells})
if not sizes:
    sys.exit("flow_tiers_qemu: the guest reported no measurement")
rows, res = [], []
for e in sizes:
    f, c = cells.get((e, "fast")), cells.get((e, "capacity"))
    if not f or not c:
        sys.exit(f"flow_tiers_qemu: {e} entries: missing the fast or the capacity cell")
    if f["nodes"] != "0" or c["nodes"] != "1" or f["placed"] < 1 or c["placed"] < 1:
        sys.exit(f"flow_tiers_qemu: {e} entries: table not wholly on its node ({f}, {c})")
    ratio = c["ns"] / f["ns"]
    rows.append(f"| {e} | {f['ns']:.1f} | {c['ns']:.1f} | {ratio:.2f} |")
    res.append({"entries": e, "fast_ns": f["ns"], "capacity_ns": c["ns"], "ratio": round(ratio, 3)})
md = ["# flow_tiers in QEMU's two-node machine", "",
      f"Software emulation (TCG), node 0: 2 CPUs and 512 MiB, node 1: 512 MiB and no CPUs. "
      f"{lookups} random-key lookups per run, median of {runs} runs. Every table was 100% on its "
      "node (move_pages). TCG does not model NUMA or CXL latency: the ratio is emulator and host "
      "noise (it moved between 0.7 and 2.0 from run to run on the development machine), not the cost of CXL. "
      "This run shows that both tiers are placed and measured; docs/tiers.md has the cost model.", "",
      "| entries | fast (node 0) ns/lookup | capacity (node 1) ns/lookup | capacity / fast |",
      "|---:|---:|---:|---:|"] + rows
name = "flow_tiers_qemu"
open(f"{out}/{name}.md", "w").write("\n".join(md) + "\n")
json.dump({"benchmark": name, "lookups": lookups, "runs": runs, "smoke": smoke, "results": res},
          open(f"{out}/{name}.json", "w"), indent=1)
print(f"results in {out}/{name}.md and {name}.json")
PY
