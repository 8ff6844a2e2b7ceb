# Shared by tools/check and tools/quickstart: dependencies, bpffs, build.
# Sourced, not run. Functions print only when something goes wrong.

SL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian 12 packages the build, the tests and the demo need.
SL_PACKAGES=(
  meson ninja-build pkg-config clang llvm libclang-rt-14-dev bpftool
  libbpf-dev libxdp-dev libyaml-dev libcmocka-dev liburing-dev libnuma-dev
  libmnl-dev libjansson-dev libpcap-dev iproute2 nftables python3
  python3-yaml ethtool qemu-system-x86 busybox-static cpio tcpdump
  dpdk-dev librte-net-af-xdp23 librte-mempool-ring23 librte-net-pcap23 librte-net-ring23
  librte-net-null23
  libmicrohttpd-dev libsystemd-dev prometheus curl
  bind9-dnsutils dnsmasq-base openssl
)

sl_die() {
  echo "${0##*/}: $*" >&2
  exit 1
}

sl_require_root() {
  [ "$(id -u)" -eq 0 ] || sl_die "must run as root (it installs packages, loads XDP programs and creates namespaces)"
}

# Installs whatever of SL_PACKAGES is missing; quiet unless apt fails.
sl_install_deps() {
  local missing=() p log
  for p in "${SL_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log=$(mktemp)
  # Packages we install must not start services: the prometheus package
  # (our only source of promtool) would otherwise start a server on :9090.
  # policy-rc.d (only if none exists) stops invoke-rc.d from starting them;
  # the units those packages enabled are disabled again below.
  local own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
    cat "$log" >&2
    rm -f "$log"
    sl_die "could not install: ${missing[*]}"
  fi
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  for p in "${missing[@]}"; do
    if [ "$p" = prometheus ] && command -v systemctl >/dev/null; then
      systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    fi
  done
  rm -f "$log"
}

sl_mount_bpffs() {
  if ! mountpoint -q /sys/fs/bpf; then
    mount -t bpf bpf /sys/fs/bpf || sl_die "cannot mount bpffs on /sys/fs/bpf"
  fi
}

# sl_build DIR [meson options...]: configure once (with clang, for
# libFuzzer), then build.
sl_build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    CC=clang meson setup "$dir" "$SL_TOP" "$@" >"$dir.setup.log" 2>&1 ||
      { cat "$dir.setup.log" >&2; sl_die "meson setup $dir failed"; }
  elif [ $# -gt 0 ]; then
    # An existing build directory gets this run's options too.
    meson configure "$dir" "$@" >"$dir.setup.log" 2>&1 ||
      { cat "$dir.setup.log" >&2; sl_die "meson configure $dir failed"; }
  fi
  ninja -C "$dir" >"$dir.build.log" 2>&1 ||
    { cat "$dir.build.log" >&2; sl_die "build in $dir failed"; }
}
