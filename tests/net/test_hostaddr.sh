#!/usr/bin/env bash
# Host sets (docs/config.md, "Host sets"; docs/rtnetlink.md): sluiced runs
# with a set `host` declared `source: host-addresses, interface: "slha*"`
# and a rule counting UDP to it. The set starts with slha0's address; an
# IPv4 and an IPv6 address added to slha0 join it (set list shows them,
# marked as filled by sluiced), traffic from the peer namespace to the new
# address is counted by the rule; when the address is removed it leaves
# the set and the same traffic (still delivered to slha0 by a static
# neighbour entry) is no longer counted. Changing the set by hand is
# refused, and a reload keeps it filled. After kill -9, an address added
# while no sluiced runs is in the set of the sluiced that adopts the pins.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
traffic=$src/tools/sltraffic.py
ns=slha-ns$$
pin=/sys/fs/bpf/sluice-tha$$
tmp=$(mktemp -d)
sock=$tmp/control.sock
daemon=

host4=198.18.88.1 peer4=198.18.88.2 extra4=198.18.88.10
extra6=2001:db8:88::10

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/sluiced.log" ] && tail -30 "$tmp/sluiced.log" | sed 's/^/  sluiced: /' >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  ip link del slha0 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$pin" "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
ip netns add "$ns" || fail "cannot create namespace $ns"
ip -n "$ns" link set lo up
ip link add slha0 type veth peer name slha0p netns "$ns" || fail "cannot create slha0"
ip addr add "$host4/24" dev slha0
ip -n "$ns" addr add "$peer4/24" dev slha0p
ip link set slha0 up
ip -n "$ns" link set slha0p up
mac_if=$(cat /sys/class/net/slha0/address)
# The peer reaches every address of slha0, whether slha0 has it or not.
for a in "$host4" "$extra4"; do
  ip -n "$ns" neigh replace "$a" lladdr "$mac_if" dev slha0p nud permanent
done

cat >"$tmp/ha.yaml" <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: slha0
    mode: generic
sets:
  - name: host
    source: host-addresses
    interface: "slha*"
rules:
  - {name: to-host, dst: host, protocol: udp, dport: 9999, action: count}
EOF

ctl() { "$sluicectl" -s "$sock" "$@"; }

rule_packets() { # rule_packets: to-host's packet counter, from the pins
  "$sluicectl" -j -p "$pin" stats |
    python3 -c 'import json,sys; print(next(r["packets"] for r in json.load(sys.stdin)["rules"] if r["name"] == "to-host"))'
}

# host_set: the elements of set host, one per line, sorted; slha0's IPv6
# link-local address (in the set too) is left out, its value is the kernel's.
host_set() {
  ctl -j set list host | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert len(s) == 1 and s[0]["name"] == "host" and s[0]["source"] == "host-addresses", s
assert s[0]["size"] == len(s[0].get("elements", [])), s
print("\n".join(sorted(e for e in s[0].get("elements", []) if not e.startswith("fe80:"))))'
}

# wait_set has|lacks PREFIX: polls set list (10 s).
wait_set() {
  for _ in $(seq 100); do
    if host_set >"$tmp/set.txt" 2>/dev/null; then
      if [ "$1" = has ]; then grep -qx "$2" "$tmp/set.txt" && return 0
      else grep -qx "$2" "$tmp/set.txt" || return 0; fi
    fi
    sleep 0.1
  done
  fail "set host never $1 $2: $(cat "$tmp/set.txt")"
}

send() { # send DST COUNT: UDP from the peer to DST:9999
  ip netns exec "$ns" python3 "$traffic" udp --src "$peer4" --dst "$1" --port 9999 --count "$2" \
    --gap 0.001 >/dev/null
  sleep 0.3
}

"$sluiced" -c "$tmp/ha.yaml" --pin-dir "$pin" --socket "$sock" --state-dir "$tmp/state" \
  2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  ctl status >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done

# --- It starts with slha0's address, and only that (the interface glob). ---
wait_set has "$host4/32"
[ "$(host_set)" = "$host4/32" ] || fail "set host holds more than slha0's address: $(host_set)"
ctl set list host >"$tmp/list.txt" || fail "set list (text) failed"
grep -q "^host: [0-9]* prefixes (host addresses, filled by sluiced)" "$tmp/list.txt" ||
  fail "set list does not mark host as filled by sluiced: $(cat "$tmp/list.txt")"
before=$(rule_packets)
send "$host4" 10
after=$(rule_packets)
[ "$after" -eq $((before + 10)) ] || fail "to-host counted $before -> $after for slha0's own address"

# --- An address added: it joins the set, traffic to it matches. ------------
before=$(rule_packets)
send "$extra4" 10
after=$(rule_packets)
[ "$after" -eq "$before" ] || fail "to-host counted traffic to $extra4 before slha0 had it ($before -> $after)"
ip addr add "$extra4/32" dev slha0
ip addr add "$extra6/64" dev slha0 nodad
wait_set has "$extra4/32"
wait_set has "$extra6/128"
before=$(rule_packets)
send "$extra4" 10
after=$(rule_packets)
[ "$after" -eq $((before + 10)) ] || fail "to-host counted $before -> $after for the added $extra4"

# --- Changing it by hand is refused, naming why. ----------------------------
if ctl set add host 198.18.88.99 2>"$tmp/err.txt"; then fail "set add on a host set succeeded"; fi
grep -q "set 'host' is filled by sluiced from the host's addresses" "$tmp/err.txt" ||
  fail "set add on a host set: unclear error: $(cat "$tmp/err.txt")"
if ctl set flush host 2>"$tmp/err.txt"; then fail "set flush on a host set succeeded"; fi
wait_set has "$extra4/32"

# --- A reload applies the file's (empty) set filled with the host's addresses. ---
ctl reload || fail "reload failed"
[ "$(host_set | sort | tr '\n' ' ')" = "$(printf '%s\n' "$extra6/128" "$extra4/32" "$host4/32" | sort | tr '\n' ' ')" ] ||
  fail "set host after reload: $(host_set)"

# --- The address removed: it leaves the set, traffic to it no longer matches. ---
ip addr del "$extra4/32" dev slha0
ip addr del "$extra6/64" dev slha0
wait_set lacks "$extra4/32"
wait_set lacks "$extra6/128"
before=$(rule_packets)
send "$extra4" 10
after=$(rule_packets)
[ "$after" -eq "$before" ] || fail "to-host still counted traffic to the removed $extra4 ($before -> $after)"
[ "$(host_set)" = "$host4/32" ] || fail "set host after the removals: $(host_set)"

# --- kill -9, an address added meanwhile, a new sluiced adopts: the set follows. ---
start() { # start: sluiced in the background, answering
  "$sluiced" -c "$tmp/ha.yaml" --pin-dir "$pin" --socket "$sock" --state-dir "$tmp/state" \
    2>>"$tmp/sluiced.log" &
  daemon=$!
  for _ in $(seq 100); do
    ctl status >/dev/null 2>&1 && return 0
    kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
    sleep 0.1
  done
  fail "sluiced did not answer"
}
kill -KILL "$daemon"
wait "$daemon" 2>/dev/null || true
ip addr add "$extra4/32" dev slha0
start
grep -q "adopted" "$tmp/sluiced.log" || fail "the new sluiced did not adopt the pins"
wait_set has "$extra4/32"
before=$(rule_packets)
send "$extra4" 10
after=$(rule_packets)
[ "$after" -eq $((before + 10)) ] || fail "after the restart to-host counted $before -> $after for $extra4"

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
echo "ok: host set filled at start, follows added and removed IPv4/IPv6 addresses, rule matches accordingly, manual edits refused, reload keeps it"
