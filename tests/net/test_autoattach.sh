#!/usr/bin/env bash
# Auto-attach by pattern (docs/rtnetlink.md): sluiced runs with only the
# pattern "slaa*" in its interfaces; a veth slaa1 created afterwards gets
# the firewall (the kernel shows the program, a blocked source's traffic
# is dropped and counted by its rule), an address added to it shows in
# status, its MTU raised above the native XDP limit is reported, a second
# veth whose peer MTU native XDP refuses falls back to generic mode and is
# reported, deleting slaa1 makes the daemon forget it, and creating it
# again attaches again. A reload (sluicectl reload, then SIGHUP) that
# changes the pattern attaches to the existing links that match now and
# detaches from the auto-attached ones that no longer do.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
traffic=$src/tools/sltraffic.py
ns=slaa-ns$$
pin=/sys/fs/bpf/sluice-taa$$
tmp=$(mktemp -d)
sock=$tmp/control.sock
daemon=
listener=

# Host side 198.18.77.1 on slaa1; the peer is .2 and also owns the blocked source.
host4=198.18.77.1 peer4=198.18.77.2 blocked4=198.18.99.1
host6=2001:db8:77::1 peer6=2001:db8:77::2

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  ip link del slaa1 2>/dev/null
  ip link del slaa2 2>/dev/null
  ip link del slab1 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$pin" "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
ip netns add "$ns" || fail "cannot create namespace $ns"
ip -n "$ns" link set lo up

cat >"$tmp/aa.yaml" <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: "slaa*"
rules:
  - name: drop-blocked
    src: [198.18.99.0/24]
    action: drop
EOF

json_get() { # json_get FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

status() { # status: the daemon's status as JSON in $tmp/status.json
  "$sluicectl" -j -s "$sock" status >"$tmp/status.json" 2>"$tmp/status.err" ||
    fail "sluicectl status failed: $(cat "$tmp/status.err")"
}

# wait_for PYTHON-EXPR-ON-d WHAT: polls status until the expression holds (10 s).
wait_for() {
  for _ in $(seq 100); do
    status
    [ "$(json_get "$tmp/status.json" "bool($1)")" = True ] && return 0
    sleep 0.1
  done
  fail "$2: $(cat "$tmp/status.json")"
}

# The status link entry of NAME, for expressions: link(d, "slaa1").
link_py='(lambda d, n: next((l for l in d["rtnetlink"]["links"] if l["name"] == n), None))'
iface_py='(lambda d, n: next((i for i in d["interfaces"] if i["name"] == n), None))'

# make_veth NAME [MTU]: NAME in the root namespace, NAMEp in $ns, addressed, static neighbours.
make_veth() {
  local name=$1 mtu=${2:-1500} mac_if mac_peer
  ip link add "$name" mtu "$mtu" type veth peer name "${name}p" mtu "$mtu" netns "$ns" ||
    fail "cannot create $name"
  [ "$name" = slaa1 ] || { ip link set "$name" up; ip -n "$ns" link set "${name}p" up; return 0; }
  ip addr add "$host4/24" dev slaa1
  ip addr add "$host6/64" dev slaa1 nodad
  ip -n "$ns" addr add "$peer4/24" dev slaa1p
  ip -n "$ns" addr add "$blocked4/32" dev slaa1p
  ip -n "$ns" addr add "$peer6/64" dev slaa1p nodad
  ip link set slaa1 up
  ip -n "$ns" link set slaa1p up
  mac_if=$(cat /sys/class/net/slaa1/address)
  mac_peer=$(ip -n "$ns" -o link show slaa1p | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  ip neigh replace "$peer4" lladdr "$mac_peer" dev slaa1 nud permanent
  ip neigh replace "$blocked4" lladdr "$mac_peer" dev slaa1 nud permanent
  ip route replace "$blocked4/32" dev slaa1
  ip -n "$ns" neigh replace "$host4" lladdr "$mac_if" dev slaa1p nud permanent
  sysctl -qw net.ipv4.conf.slaa1.rp_filter=0 2>/dev/null || true
}

# udp_received SRC COUNT: sends COUNT datagrams from SRC in $ns to $host4:9999, prints how many arrived.
udp_received() {
  rm -f "$tmp/ready"
  python3 "$traffic" listen --seconds 20 --ready "$tmp/ready" --udp "$host4:9999" >"$tmp/listen.json" &
  listener=$!
  for _ in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
  [ -e "$tmp/ready" ] || fail "listener did not start"
  ip netns exec "$ns" python3 "$traffic" udp --src "$1" --dst "$host4" --port 9999 --count "$2" \
    --gap 0.001 >/dev/null
  sleep 0.3
  kill -TERM "$listener"
  wait "$listener" || true
  listener=
  json_get "$tmp/listen.json" "d['udp $host4 9999']"
}

rule_packets() { # rule_packets: drop-blocked's packet counter, from the pins
  "$sluicectl" -j -p "$pin" stats |
    python3 -c 'import json,sys; print(next(r["packets"] for r in json.load(sys.stdin)["rules"] if r["name"] == "drop-blocked"))'
}

xdp_on() { # xdp_on NAME: the kernel shows sluice's XDP program on NAME (ip link, bpftool net)
  local id
  ip -d link show dev "$1" 2>/dev/null | grep -q 'prog/xdp' || return 1
  id=$(bpftool -j net show dev "$1" 2>/dev/null | python3 -c '
import json, sys
xdp = json.load(sys.stdin)[0]["xdp"]
x = xdp[0] if xdp else {}
print(x["id"] if "id" in x else x["multi_attachments"][0]["id"] if x else "")') || return 1
  [ -n "$id" ] && [ "$(bpftool -j prog show id "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')" = sluice_xdp ]
}

# --- A daemon with only a pattern, and no link matching it yet. --------------
"$sluiced" -c "$tmp/aa.yaml" --pin-dir "$pin" --socket "$sock" --state-dir "$tmp/state" \
  2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  "$sluicectl" -j -s "$sock" status >"$tmp/status.json" 2>/dev/null && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
wait_for 'd["rtnetlink"]["synced"]' "the watcher never finished its first dump"
status
python3 - "$tmp/status.json" <<'PY' || fail "status before any slaa link"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rtnetlink"]
if d["interfaces"] != []:
    sys.exit(f"attached to {d['interfaces']} with no slaa link")
lo = [l for l in r["links"] if l["name"] == "lo"]
if not lo or lo[0]["ifindex"] != 1 or lo[0]["attached"] or lo[0]["entry"] is not None:
    sys.exit(f"lo is not reported as it is: {lo}")
if r["links_tracked"] < 1 or r["counters"]["events"] < r["links_tracked"]:
    sys.exit(f"tracked/events: {r}")
for k in ("foreign_dropped", "malformed_dropped", "attaches", "forgotten", "attach_failed", "mtu_refused", "mtu_over"):
    if r["counters"][k] != 0:
        sys.exit(f"counter {k} is {r['counters'][k]} before anything happened")
PY

# --- slaa1 appears: attached, enforcing. ----------------------------------
make_veth slaa1
idx=$(cat /sys/class/net/slaa1/ifindex)
wait_for "$iface_py(d, 'slaa1') is not None" "slaa1 was not attached"
xdp_on slaa1 || fail "no sluice XDP program on slaa1 (ip link / bpftool net)"
status
python3 - "$tmp/status.json" "$idx" <<'PY' || fail "status after slaa1 appeared"
import json, sys
d = json.load(open(sys.argv[1])); idx = int(sys.argv[2])
i = [x for x in d["interfaces"] if x["name"] == "slaa1"]
if len(i) != 1 or i[0]["ifindex"] != idx:
    sys.exit(f"interfaces: {d['interfaces']}")
l = [x for x in d["rtnetlink"]["links"] if x["name"] == "slaa1"]
if len(l) != 1 or not l[0]["attached"] or l[0]["entry"] != "slaa*" or l[0]["ifindex"] != idx:
    sys.exit(f"rtnetlink link: {l}")
if d["rtnetlink"]["counters"]["attaches"] != 1:
    sys.exit(f"attaches: {d['rtnetlink']['counters']}")
PY
mode=$(json_get "$tmp/status.json" "$iface_py(d, 'slaa1')['xdp_mode']")

before=$(rule_packets)
[ "$(udp_received "$peer4" 10)" -eq 10 ] || fail "allowed traffic did not arrive on slaa1"
[ "$(udp_received "$blocked4" 10)" -eq 0 ] || fail "traffic from the blocked source arrived on slaa1"
after=$(rule_packets)
[ "$after" -ge $((before + 10)) ] || fail "drop-blocked counted $before -> $after, expected +10"

# --- An address added to the watched link shows up. -------------------------
ip addr add 198.18.78.1/24 dev slaa1
wait_for "'198.18.78.1/24' in $link_py(d, 'slaa1')['addresses']" "the new address is not in status"
status
for a in "$host4/24" "$host6/64"; do
  [ "$(json_get "$tmp/status.json" "'$a' in $link_py(d, 'slaa1')['addresses']")" = True ] ||
    fail "address $a of slaa1 is not in status"
done
ip addr del 198.18.78.1/24 dev slaa1
wait_for "'198.18.78.1/24' not in $link_py(d, 'slaa1')['addresses']" "the removed address is still in status"

# --- An MTU above what native XDP handles is reported. -----------------------
limit=$(json_get "$tmp/status.json" 'd["rtnetlink"]["xdp_mtu_max"]')
if [ "$mode" = native ]; then
  ip link set slaa1 mtu 9000 || fail "cannot raise slaa1's MTU"
  wait_for "d['rtnetlink']['counters']['mtu_over'] == 1" "an MTU of 9000 on native slaa1 was not reported"
  grep -q "slaa1: MTU 9000 is above $limit" "$tmp/sluiced.log" || fail "no log line for slaa1's MTU"
  ip link set slaa1 mtu 1500
fi
# A veth whose peer's MTU is above the limit: native refused, generic taken, reported.
make_veth slaa2 9000
wait_for "$iface_py(d, 'slaa2') is not None" "slaa2 was not attached"
python3 - "$tmp/status.json" <<'PY' || fail "slaa2's MTU refusal is not reported"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["rtnetlink"]["counters"]
i = [x for x in d["interfaces"] if x["name"] == "slaa2"][0]
if i["xdp_mode"] != "generic" or c["mtu_refused"] != 1 or c["attaches"] != 2:
    sys.exit(f"slaa2 {i}, counters {c}")
PY
grep -q "slaa2: native XDP refused for its MTU 9000" "$tmp/sluiced.log" || fail "no log line for slaa2's MTU"
ip link del slaa2

# --- slaa1 goes: forgotten. ---------------------------------------------------
ip link del slaa1
wait_for "$iface_py(d, 'slaa1') is None and $link_py(d, 'slaa1') is None" "slaa1 is still in status after it went"
status
[ "$(json_get "$tmp/status.json" 'd["rtnetlink"]["counters"]["forgotten"]')" -eq 2 ] ||
  fail "forgotten is not 2 (slaa1 and slaa2): $(cat "$tmp/status.json")"
[ "$(json_get "$tmp/status.json" 'd["interfaces"]')" = "[]" ] || fail "interfaces left: $(cat "$tmp/status.json")"
! ls "$pin"/link_slaa1 2>/dev/null || fail "the link pin of slaa1 is left"

# --- slaa1 comes back: attached again, enforcing again. ---------------------
make_veth slaa1
idx2=$(cat /sys/class/net/slaa1/ifindex)
wait_for "$iface_py(d, 'slaa1') is not None and $iface_py(d, 'slaa1')['ifindex'] == $idx2" "slaa1 was not attached again"
xdp_on slaa1 || fail "no sluice XDP program on the new slaa1"
[ "$(json_get "$tmp/status.json" 'd["rtnetlink"]["counters"]["attaches"]')" -eq 3 ] ||
  fail "attaches is not 3: $(cat "$tmp/status.json")"
before=$(rule_packets)
[ "$(udp_received "$blocked4" 5)" -eq 0 ] || fail "the blocked source got through the new slaa1"
after=$(rule_packets)
[ "$after" -ge $((before + 5)) ] || fail "drop-blocked on the new slaa1 counted $before -> $after"

# The text form says the same.
"$sluicectl" -s "$sock" status >"$tmp/status.txt" || fail "sluicectl status (text) failed"
grep -q "^  slaa1 (ifindex $idx2, mtu 1500, up, entry 'slaa\*'): $mode" "$tmp/status.txt" ||
  fail "text status does not show slaa1: $(cat "$tmp/status.txt")"

# --- A reload with another pattern: existing links are matched again. ---------
# slab1 exists before the reload and matches no entry: not attached.
make_veth slab1
sleep 0.3
status
[ "$(json_get "$tmp/status.json" "$iface_py(d, 'slab1') is None")" = True ] ||
  fail "slab1 was attached while no entry matched it: $(cat "$tmp/status.json")"
! xdp_on slab1 || fail "an XDP program is on slab1 before any entry matched it"
cp "$tmp/aa.yaml" "$tmp/aa-slaa.yaml"
sed 's/"slaa\*"/"slab*"/' "$tmp/aa-slaa.yaml" >"$tmp/aa.yaml"
grep -q '"slab\*"' "$tmp/aa.yaml" || fail "the test could not rewrite the pattern"
"$sluicectl" -s "$sock" reload || fail "sluicectl reload failed"
wait_for "$iface_py(d, 'slab1') is not None and $iface_py(d, 'slaa1') is None" \
  "after the reload to slab*, slab1 is not attached or slaa1 still is"
xdp_on slab1 || fail "no sluice XDP program on slab1 after the reload (ip link / bpftool net)"
for _ in $(seq 20); do xdp_on slaa1 || break; sleep 0.1; done
! xdp_on slaa1 || fail "the program stayed on slaa1 after the reload dropped its pattern"
! ls "$pin"/link_slaa1 2>/dev/null || fail "the link pin of slaa1 is left after the reload"
status
python3 - "$tmp/status.json" <<'PY' || fail "status after the reload to slab*"
import json, sys
d = json.load(open(sys.argv[1]))
l = {x["name"]: x for x in d["rtnetlink"]["links"]}
if not l["slab1"]["attached"] or l["slab1"]["entry"] != "slab*":
    sys.exit(f"slab1: {l['slab1']}")
if l["slaa1"]["attached"] or l["slaa1"]["entry"] is not None:
    sys.exit(f"slaa1: {l['slaa1']}")
PY
# And back by SIGHUP: slaa1 attached again, slab1 detached.
cp "$tmp/aa-slaa.yaml" "$tmp/aa.yaml"
kill -HUP "$daemon"
wait_for "$iface_py(d, 'slaa1') is not None and $iface_py(d, 'slab1') is None" \
  "after SIGHUP back to slaa*, slaa1 is not attached or slab1 still is"
xdp_on slaa1 || fail "no sluice XDP program on slaa1 after SIGHUP"
for _ in $(seq 20); do xdp_on slab1 || break; sleep 0.1; done
! xdp_on slab1 || fail "the program stayed on slab1 after SIGHUP dropped its pattern"
before=$(rule_packets)
[ "$(udp_received "$blocked4" 5)" -eq 0 ] || fail "the blocked source got through slaa1 after SIGHUP"
after=$(rule_packets)
[ "$after" -ge $((before + 5)) ] || fail "drop-blocked on slaa1 after SIGHUP counted $before -> $after"
ip link del slab1

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
for _ in $(seq 20); do xdp_on slaa1 || break; sleep 0.1; done
! xdp_on slaa1 || fail "the program stayed on slaa1 after SIGTERM"
echo "ok: attach on appear ($mode mode), enforcement, addresses, MTU reports, forget on delete, reattach, reload re-matches existing links"
