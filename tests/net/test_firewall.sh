#!/usr/bin/env bash
# sluiced with configs/edge-firewall.yaml on a veth, real IPv4 and IPv6
# traffic from a namespace: which flows arrive, what the counters say,
# that stopping detaches (or keeps enforcing when the config says so), and
# that bad starts leave nothing behind.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
traffic=$src/tools/sltraffic.py
config=$src/configs/edge-firewall.yaml
ns=sl-tfw$$
iface=sl-fw0
peer=sl-fw0p
pin=/sys/fs/bpf/sluice-test$$
tmp=$(mktemp -d)
daemon=
listener=

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
  # A pinned link (keep_enforcing) must go before the namespace does.
  rm -rf "$pin"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

xdp_attached() {
  ip -d link show dev "$iface" | grep -q 'prog/xdp'
}

json_get() { # json_get FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

start_daemon() { # start_daemon CONFIG
  "$sluiced" -c "$1" --pin-dir "$pin" --socket "$tmp/control.sock" 2>"$tmp/sluiced.log" &
  daemon=$!
  for _ in $(seq 100); do
    [ -e "$pin/sl_verdicts" ] && return 0
    kill -0 "$daemon" 2>/dev/null || { cat "$tmp/sluiced.log" >&2; fail "sluiced exited at start"; }
    sleep 0.1
  done
  fail "sluiced did not pin its maps within 10 s"
}

stop_daemon() {
  kill -TERM "$daemon"
  local rc=0
  wait "$daemon" || rc=$?
  daemon=
  [ $rc -eq 0 ] || { cat "$tmp/sluiced.log" >&2; fail "sluiced exited with $rc on SIGTERM"; }
}

# --- Bad starts leave nothing attached or pinned. -------------------------
sed "s/\bsl-fw0\b/sl-missing0/g" "$config" >"$tmp/missing.yaml"
cp -r "$src/configs/sets" "$tmp/" 2>/dev/null || true
if "$sluiced" -c "$tmp/missing.yaml" --pin-dir "$pin" 2>"$tmp/err"; then
  fail "sluiced started on a missing interface"
fi
grep -q "sl-missing0" "$tmp/err" || fail "missing-interface error does not name it: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "missing-interface error is not one line: $(cat "$tmp/err")"
[ ! -e "$pin" ] || fail "a failed start left pins"
! xdp_attached || fail "a failed start left a program attached"

if setpriv --reuid=65534 --regid=65534 --clear-groups "$sluiced" -c "$config" --pin-dir "$pin" 2>"$tmp/err"; then
  fail "sluiced started as an unprivileged user"
fi
grep -q "root" "$tmp/err" || fail "non-root error does not say why: $(cat "$tmp/err")"
[ ! -e "$pin" ] || fail "a non-root start left pins"

# --- Enforcing: which flows arrive. ---------------------------------------
start_daemon "$config"
xdp_attached || fail "no XDP program on $iface after start"

python3 "$traffic" listen --seconds 60 --ready "$tmp/ready" \
  --udp "$SL_ADDR4:53" --udp "$SL_ADDR4:9999" --udp "[$SL_ADDR6]:53" --udp "[$SL_ADDR6]:9999" \
  --tcp "$SL_ADDR4:80" --tcp "$SL_ADDR4:23" --tcp "[$SL_ADDR6]:80" --tcp "[$SL_ADDR6]:23" \
  >"$tmp/listen.json" &
listener=$!
for _ in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
[ -e "$tmp/ready" ] || fail "listener did not start"

n=20
for fam in 4 6; do
  if [ $fam = 4 ]; then s=$SL_PEER4 d=$SL_ADDR4 b=$SL_BLOCKED4; else s=$SL_PEER6 d=$SL_ADDR6 b=$SL_BLOCKED6; fi
  sl_in_ns python3 "$traffic" udp --src "$s" --dst "$d" --port 53 --count $n --gap 0.001 >/dev/null
  sl_in_ns python3 "$traffic" udp --src "$s" --dst "$d" --port 9999 --count $n --gap 0.001 >/dev/null
  sl_in_ns python3 "$traffic" udp --src "$b" --dst "$d" --port 53 --count $n --gap 0.001 >/dev/null
  sl_in_ns python3 "$traffic" tcp --src "$s" --dst "$d" --port 80 --count 3 --timeout 2 >"$tmp/tcp80.$fam"
  sl_in_ns python3 "$traffic" tcp --src "$s" --dst "$d" --port 23 --count 2 --timeout 0.5 >"$tmp/tcp23.$fam"
  sl_in_ns python3 "$traffic" ping --src "$s" --dst "$d" --count 3 --timeout 1 >"$tmp/ping.$fam"
  sl_in_ns python3 "$traffic" ping --src "$b" --dst "$d" --count 2 --timeout 0.5 >"$tmp/pingb.$fam"
  [ "$(json_get "$tmp/tcp80.$fam" 'd["accepted"]')" -eq 3 ] || fail "IPv$fam TCP 80 not accepted"
  [ "$(json_get "$tmp/tcp23.$fam" 'd["accepted"]')" -eq 0 ] || fail "IPv$fam TCP 23 got through"
  [ "$(json_get "$tmp/ping.$fam" 'd["replies"]')" -eq 3 ] || fail "IPv$fam ping got no replies"
  [ "$(json_get "$tmp/pingb.$fam" 'd["replies"]')" -eq 0 ] || fail "IPv$fam ping from a blocked source got replies"
done
sleep 0.3
kill -TERM "$listener"
wait "$listener" || true
listener=

# UDP to 53 arrives only from the allowed source; 9999 never arrives.
for spec in "udp $SL_ADDR4 53:$n" "udp $SL_ADDR6 53:$n" "udp $SL_ADDR4 9999:0" "udp $SL_ADDR6 9999:0" \
            "tcp $SL_ADDR4 80:3" "tcp $SL_ADDR6 80:3" "tcp $SL_ADDR4 23:0" "tcp $SL_ADDR6 23:0"; do
  key=${spec%:*} want=${spec##*:}
  got=$(json_get "$tmp/listen.json" "d['$key']")
  [ "$got" -eq "$want" ] || fail "$key: received $got, expected $want"
done

# --- The counters agree. ---------------------------------------------------
"$sluicectl" -j -p "$pin" stats >"$tmp/stats.json" || fail "sluicectl stats failed"
python3 - "$tmp/stats.json" "$n" <<'PY' || fail "counters do not match the traffic"
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
v, r = d["verdicts"], d["reasons"]
rules = {x["name"]: x["packets"] for x in d["rules"]}
def check(cond, what):
    if not cond:
        print(f"counter check failed: {what}: {json.dumps(d)}", file=sys.stderr)
        sys.exit(1)
# UDP 9999 (2n) and TCP 23 SYNs hit the default policy; blocked sources (2n UDP + 4 pings) hit a rule.
check(r["default_policy"]["packets"] >= 2 * n + 4, "default_policy drops")
check(r["rule"]["packets"] >= 2 * n + 4, "rule drops")
check(v["drop"]["packets"] == r["default_policy"]["packets"] + r["rule"]["packets"]
      + sum(x["packets"] for k, x in r.items() if k not in ("default_policy", "rule", "none")),
      "drops equal the sum of reasons")
check(v["pass"]["packets"] >= 2 * n + 6 + 6, "passed packets")
check(sum(rules.values()) >= 2 * n + 2 * n + 4, "rule hits")
check(v["drop"]["bytes"] > 0 and v["pass"]["bytes"] > 0, "byte counters")
PY

stop_daemon
[ ! -e "$pin" ] || fail "pins left after SIGTERM"
! xdp_attached || fail "program left attached after SIGTERM"

# With the firewall gone, UDP 9999 arrives again.
python3 "$traffic" listen --seconds 5 --ready "$tmp/ready2" --udp "$SL_ADDR4:9999" >"$tmp/after.json" &
listener=$!
for _ in $(seq 50); do [ -e "$tmp/ready2" ] && break; sleep 0.1; done
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 9999 --count 5 >/dev/null
sleep 0.3
kill -TERM "$listener"; wait "$listener" || true; listener=
[ "$(json_get "$tmp/after.json" "d['udp $SL_ADDR4 9999']")" -eq 5 ] || fail "traffic still filtered after sluiced stopped"

# --- keep_enforcing: the program outlives the daemon until --detach. --------
grep -q 'keep_enforcing: false' "$config" || fail "edge-firewall.yaml must state keep_enforcing: false"
sed 's/keep_enforcing: false/keep_enforcing: true/' "$config" >"$tmp/keep.yaml"
cp -r "$src/configs/sets" "$tmp/" 2>/dev/null || true
start_daemon "$tmp/keep.yaml"
stop_daemon
xdp_attached || fail "keep_enforcing: program detached on exit"
before=$("$sluicectl" -j -p "$pin" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["reasons"]["default_policy"]["packets"])')
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 9999 --count 5 >/dev/null
after=$("$sluicectl" -j -p "$pin" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["reasons"]["default_policy"]["packets"])')
[ "$after" -ge $((before + 5)) ] || fail "keep_enforcing: not dropping after exit ($before -> $after)"
"$sluiced" -c "$tmp/keep.yaml" --pin-dir "$pin" --detach 2>"$tmp/err" || fail "--detach failed: $(cat "$tmp/err")"
[ ! -e "$pin" ] || fail "--detach left pins"
for _ in $(seq 20); do xdp_attached || break; sleep 0.1; done
! xdp_attached || fail "--detach left the program attached"

echo "ok: flows, counters, detach, keep_enforcing and bad starts"
