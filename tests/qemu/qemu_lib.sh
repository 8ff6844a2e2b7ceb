# The two-node QEMU machine, shared by tests/qemu/test_two_node.sh and
# benchmarks/flow_tiers_qemu.sh. Sourced, not run; the caller sets -e and
# provides die().
#
# The machine: software emulation (TCG; nested KVM is not something to
# rely on), 2 CPUs and 1 GiB in two NUMA nodes of 512 MiB, node 1 with no
# CPUs. The kernel is Debian's linux-image-cloud-amd64, obtained only with
# `apt-get download` and cached; the initramfs holds busybox-static and
# one static guest program, run with its arguments by /init, whose output
# goes to the serial console.

# sl_qemu_kernel CACHE_DIR WORK_DIR: prints the path of the cached kernel
# image, downloading the package linux-image-cloud-amd64 depends on first.
sl_qemu_kernel() {
  local cache=$1 work=$2 kernel pkg
  kernel=$(ls "$cache"/vmlinuz-* 2>/dev/null | head -n 1 || true)
  if [ -z "$kernel" ]; then
    mkdir -p "$cache"
    pkg=$(sl_qemu_kernel_pkg)
    # A host whose package lists were cleaned knows no kernel package yet.
    [ -n "$pkg" ] || { apt-get update -qq >/dev/null 2>&1 || true; pkg=$(sl_qemu_kernel_pkg); }
    [ -n "$pkg" ] || die "apt-cache does not know linux-image-cloud-amd64 (apt-get update failed?)"
    # apt's sandbox user cannot write into the build tree; the download is ours anyway.
    (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >"$work/apt.log" 2>&1) ||
      { cat "$work/apt.log" >&2; die "apt-get download $pkg failed"; }
    dpkg-deb -x "$work"/"$pkg"_*.deb "$work/deb"
    cp "$work"/deb/boot/vmlinuz-* "$cache/"
    kernel=$(ls "$cache"/vmlinuz-* | head -n 1)
  fi
  echo "$kernel"
}

# linux-image-cloud-amd64 is a metapackage; its dependency holds the image.
sl_qemu_kernel_pkg() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# sl_qemu_initramfs WORK_DIR GUEST [ARGS...]: writes WORK_DIR/initrd.gz.
sl_qemu_initramfs() {
  local work=$1 guest=$2 root=$1/root
  shift 2
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
  cp /bin/busybox "$root/bin/busybox"
  cp "$guest" "$root/guest"
  printf '%s\n' "$@" >"$root/guest_args"
  cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
set --
while read -r a; do [ -n "$a" ] && set -- "$@" "$a"; done </guest_args
/guest "$@"
echo "SL-EXIT $?"
/bin/busybox poweroff -f
INIT
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
}

# sl_qemu_boot WORK_DIR KERNEL SECONDS: boots, serial output in
# WORK_DIR/serial.log (CRs removed), QEMU's stderr in WORK_DIR/qemu.err.
# Returns QEMU's status (124 when the guest did not power off in time).
sl_qemu_boot() {
  local work=$1 kernel=$2 secs=$3 rc=0
  timeout "$secs" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 1G \
    -object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M \
    -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,memdev=m1 \
    -kernel "$kernel" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 rdinit=/init panic=-1 quiet" \
    -display none -monitor none -nic none -no-reboot -serial "file:$work/serial.raw" \
    2>"$work/qemu.err" || rc=$?
  tr -d '\r' <"$work/serial.raw" >"$work/serial.log" 2>/dev/null || : >"$work/serial.log"
  return $rc
}
