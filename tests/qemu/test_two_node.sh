#!/usr/bin/env bash
# A real two-tier machine: QEMU (software emulation) boots Debian's cloud
# kernel with two NUMA nodes, node 1 without CPUs, and an initramfs
# holding busybox and the static guest program (guest_tiers.c); see
# qemu_lib.sh. The guest prints what move_pages measured; this script
# asserts that the fast pool is 100% on node 0, the capacity pool and the
# capacity map 100% on node 1, UMEM's auto on node 0, and that node 1 was
# ranked as the capacity tier. Skips (77) only when QEMU cannot start.
set -euo pipefail

guest=${1:?usage: test_two_node.sh GUEST_BINARY}
build=${SLUICE_BUILDDIR:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/sl-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT

die() {
  echo "test_two_node: $*" >&2
  exit 1
}

. "$(dirname "$0")/qemu_lib.sh"

command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is not installed: skip"; exit 77; }
kernel=$(sl_qemu_kernel "$build/qemu-cache" "$work")
sl_qemu_initramfs "$work" "$guest"
rc=0
sl_qemu_boot "$work" "$kernel" 150 || rc=$?
serial=$work/serial.log
if [ ! -s "$serial" ]; then
  cat "$work/qemu.err" >&2
  echo "QEMU did not start (exit $rc): skip"
  exit 77
fi
grep '^SL-' "$serial" || true
[ $rc -eq 0 ] || { cat "$serial" "$work/qemu.err" >&2; die "QEMU exited with $rc (124: the guest hung)"; }

# field PREFIX KEY: the value of KEY=... on the first line that starts with "PREFIX ".
field() {
  local line
  line=$(grep -m1 "^$1 " "$serial") || die "the guest printed no '$1' line"
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$line"
}

[ "$(field SL-TOPO fast)" = 0 ] || die "fast tier is not node 0"
[ "$(field SL-TOPO capacity)" = 1 ] || die "capacity tier is not node 1"

check_all_on() { # PREFIX NODE
  local total on other
  total=$(field "$1" total)
  on=$(field "$1" "node$2")
  other=$(field "$1" "node$((1 - $2))")
  [ -n "$total" ] && [ "$total" -gt 0 ] || die "$1: no pages measured"
  [ "$on" = "$total" ] || die "$1: $on of $total pages on node $2"
  [ "$other" = 0 ] || die "$1: $other pages on node $((1 - $2))"
  [ "$(field "$1" absent)" = 0 ] || die "$1: pages absent"
}
check_all_on "SL-POOL fast" 0
check_all_on "SL-POOL capacity" 1
check_all_on "SL-POOL umem-auto" 0
[ "$(field SL-MAP numa_flag)" = 1 ] || die "the map was not created with BPF_F_NUMA_NODE"
[ "$(field SL-MAP node)" = 1 ] || die "the capacity map was not asked on node 1"
check_all_on "SL-MAPPAGES capacity" 1
grep -q '^SL-RESULT PASS' "$serial" || die "the guest's own checks failed"
grep -q '^SL-EXIT 0' "$serial" || die "the guest program failed"
echo "two-node placement: ok"
