#!/usr/bin/env bash
# deploy/sluiced.service passes `systemd-analyze verify`, and says what
# docs/deploy.md promises: Type=notify with a watchdog, the runtime
# directory, SIGHUP for reload, exactly the capabilities listed there, and
# a system-call filter that lets bpf and io_uring through.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
unit=$src/deploy/sluiced.service
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
[ -f "$unit" ] || fail "no $unit"

# verify also checks that ExecStart's program exists: point it at the
# build's sluiced (installed, it is /usr/local/sbin/sluiced), leave the rest.
grep -qx 'ExecStart=/usr/local/sbin/sluiced -c /etc/sluice/sluiced.yaml' "$unit" ||
  fail "ExecStart is not the installed sluiced with /etc/sluice/sluiced.yaml"
sed "s|^ExecStart=/usr/local/sbin/sluiced|ExecStart=$build/control/sluiced|" "$unit" >"$tmp/sluiced.service"
out=$(systemd-analyze verify "$tmp/sluiced.service" 2>&1) || fail "systemd-analyze verify: $out"
# verify exits 0 on some warnings; none are acceptable.
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

value() { # value KEY: the unit's setting(s), space-separated
  sed -n "s/^$1=//p" "$unit" | tr '\n' ' ' | sed 's/ *$//'
}
[ "$(value Type)" = notify ] || fail "Type is not notify"
[ "$(value NotifyAccess)" = main ] || fail "NotifyAccess is not main"
[ -n "$(value WatchdogSec)" ] || fail "no WatchdogSec"
[ "$(value RuntimeDirectory)" = sluice ] || fail "RuntimeDirectory is not sluice"
[ "$(value RuntimeDirectoryMode)" = 0750 ] || fail "RuntimeDirectoryMode is not 0750"
[ "$(value ExecReload)" = '/bin/kill -HUP $MAINPID' ] || fail "ExecReload does not send SIGHUP"
caps="CAP_BPF CAP_CHOWN CAP_NET_ADMIN CAP_PERFMON"
[ "$(value CapabilityBoundingSet)" = "$caps" ] || fail "CapabilityBoundingSet is not $caps"
[ "$(value AmbientCapabilities)" = "$caps" ] || fail "AmbientCapabilities is not $caps"
[ "$(value LimitMEMLOCK)" = infinity ] || fail "LimitMEMLOCK is not infinity"
filter=$(value SystemCallFilter)
for want in @system-service bpf io_uring_setup io_uring_enter io_uring_register; do
  case " $filter " in *" $want "*) ;; *) fail "SystemCallFilter does not allow $want" ;; esac
done
echo "ok: systemd-analyze verify passes"
