#!/usr/bin/env bash
# Restart without loss (docs/control.md, "Restart and upgrade"): steady
# UDP flows through sluiced, `kill -9 sluiced`, start it again. The
# firewall never opens: the test's own receiver sees no packet that the
# policy drops and loses none that it passes across the whole run; the
# new sluiced adopts the pinned links (the program on the interface is
# replaced in place, never detached) and the counters go on from where
# they were. A config edited while sluiced was down is applied as a new
# generation on adoption.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
flows=$src/tests/net/slrl_flows.py
ns=slrs$$
iface=slrs0
peer=slrs0p
pin=/sys/fs/bpf/slrs$$
sock=/run/slrs$$/control.sock
state=/run/slrs$$/state
tmp=$(mktemp -d)
daemon= sender= receiver=

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/sluiced.log" ] && tail -20 "$tmp/sluiced.log" | sed 's/^/  sluiced: /' >&2
  exit 1
}

cleanup() {
  set +e
  touch "$tmp/stop"
  [ -n "$sender" ] && kill "$sender" 2>/dev/null
  [ -n "$receiver" ] && kill -KILL "$receiver" 2>/dev/null
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  # A killed daemon's pinned links keep the program attached: remove them.
  rm -rf "$pin" "/run/slrs$$"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

# 3000/3001 dropped, 3002/3003 passed (3003 by a rule, 3002 by the default).
ports=3000,3001,3002,3003
cat >"$tmp/fw.yaml" <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: $iface
    mode: generic
sets:
  - name: nets
    prefixes: [198.18.0.0/24]
rules:
  - {name: drop-3000, src: nets, protocol: udp, dport: 3000, action: drop}
  - {name: drop-3001, protocol: udp, dport: 3001, action: drop}
  - {name: pass-3003, protocol: udp, dport: 3003, action: accept}
  - {name: count-udp, protocol: udp, action: count}
EOF

prog_id() {
  ip -d link show dev "$iface" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1
}

start_daemon() {
  "$sluiced" -c "$tmp/fw.yaml" --pin-dir "$pin" --socket "$sock" --state-dir "$state" \
    2>>"$tmp/sluiced.log" &
  daemon=$!
  for _ in $(seq 100); do
    "$sluicectl" -s "$sock" status >/dev/null 2>&1 && return 0
    kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
    sleep 0.1
  done
  fail "sluiced did not answer status within 10 s"
}

rule_packets() { # rule_packets FILE NAME
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([r["packets"] for r in d["rules"] if r["name"]==sys.argv[2]][0])' "$1" "$2"
}

start_daemon
python3 "$flows" recv "$SL_ADDR4" "$ports" "$tmp/got.json" >"$tmp/recv.out" &
receiver=$!
for _ in $(seq 50); do grep -q ready "$tmp/recv.out" 2>/dev/null && break; sleep 0.1; done
sl_in_ns python3 "$flows" send "$SL_ADDR4" "$ports" 300 "$tmp/stop" >"$tmp/sent.out" &
sender=$!
sleep 1.5

# --- kill -9 under traffic: the program keeps enforcing on its own. ---------
before_id=$(prog_id)
[ -n "$before_id" ] || fail "no program attached"
kill -KILL "$daemon"
wait "$daemon" 2>/dev/null || true
daemon=
[ -e "$pin/link_$iface" ] || fail "the link is not pinned"
"$sluicectl" -j -p "$pin" stats >"$tmp/before.json" || fail "stats from the pins failed"
sleep 1
[ "$(prog_id)" = "$before_id" ] || fail "the program changed while no sluiced ran"

# --- restart: adopt, never detach; counters go on. ---------------------------
start_daemon
after_id=$(prog_id)
[ -n "$after_id" ] || fail "no program attached after the restart"
[ "$after_id" != "$before_id" ] || fail "the new sluiced did not replace the program (upgrade path)"
grep -q "adopted 1 pinned link" "$tmp/sluiced.log" || fail "sluiced did not adopt the pinned link"
grep -q "with its tables" "$tmp/sluiced.log" || fail "the pinned tables were not taken over"
sleep 1
"$sluicectl" -j -p "$pin" stats >"$tmp/after.json" || fail "stats after the restart failed"
for r in drop-3000 drop-3001 pass-3003 count-udp; do
  b=$(rule_packets "$tmp/before.json" "$r")
  a=$(rule_packets "$tmp/after.json" "$r")
  [ "$b" -gt 0 ] || fail "rule $r counted nothing before the kill"
  [ "$a" -gt "$b" ] || fail "rule $r: $b packets before the restart, $a after"
done

# --- a config edited while sluiced is down is applied on adoption. ----------
kill -KILL "$daemon"
wait "$daemon" 2>/dev/null || true
daemon=
sed -i 's/dport: 3001, action: drop/dport: 3001, action: count/' "$tmp/fw.yaml"
echo "  - {name: drop-3001-late, protocol: udp, dport: 3001, action: drop}" >>"$tmp/fw.yaml"
start_daemon
grep -q "rebuilt from the saved policy" "$tmp/sluiced.log" ||
  grep -q "changed since sluiced last applied it" "$tmp/sluiced.log" || fail "the edited config was not applied"
sleep 1
"$sluicectl" -j -p "$pin" stats >"$tmp/edited.json" || fail "stats after the edit failed"
[ "$(rule_packets "$tmp/edited.json" drop-3001-late)" -gt 0 ] || fail "the added rule counts nothing"
[ "$(rule_packets "$tmp/edited.json" drop-3000)" -gt "$(rule_packets "$tmp/after.json" drop-3000)" ] ||
  fail "drop-3000's counter did not go on across the second restart"

touch "$tmp/stop"
wait "$sender" || fail "the sender failed"
sender=
sleep 0.5
kill -TERM "$receiver"
wait "$receiver" || fail "the receiver failed"
receiver=
python3 - "$tmp/got.json" "$(cat "$tmp/sent.out")" <<'PY' || fail "misclassified packets across kill -9 and restart"
import json, sys
got = json.load(open(sys.argv[1]))
sent = int(sys.argv[2])
for p in ("3000", "3001"):
    assert not got[p], f"flow {p}: {len(got[p])} packets passed that the policy drops"
for p in ("3002", "3003"):
    missing = sent - len(set(got[p]))
    assert missing == 0, f"flow {p}: {missing} of {sent} packets lost that the policy passes"
print(f"ok: {sent} packets per flow, none misclassified")
PY

kill -TERM "$daemon"
wait "$daemon" || fail "sluiced exited non-zero on SIGTERM"
daemon=
[ ! -e "$pin" ] || fail "pins left after SIGTERM"
[ -z "$(prog_id)" ] || fail "program left attached after SIGTERM"
echo "ok: kill -9 under traffic, adoption without detach, counters continue, edited config applied"
