#!/usr/bin/env bash
# Reload without loss (docs/control.md, "Generations"): steady UDP flows
# from a namespace through sluiced while the config is reloaded again and
# again (sluicectl reload and SIGHUP, alternately) between two policies
# that differ in 1,000 rules, 10,000 rule changes in all. The test's own
# receiver counts every flow: nothing passes that both policies drop,
# nothing is lost that both pass, the flows whose verdict differs change
# only at switch points (one run per generation at most), and the counters
# never go down. A config that does not compile is refused with its
# reason and the live generation stays.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
flows=$src/tests/net/slrl_flows.py
ns=slrl$$
iface=slrl0
peer=slrl0p
pin=/sys/fs/bpf/slrl$$
sock=/run/slrl$$/control.sock
state=/run/slrl$$/state
tmp=$(mktemp -d)
daemon= sender= receiver=
reloads=${SLRL_RELOADS:-10}
per_policy=500 # rules only one policy has: 1,000 rule changes per reload

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
  rm -rf "$pin" "/run/slrl$$"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

# Flows (UDP destination ports): 2000/2001 dropped by both policies,
# 2002/2003 passed by both, 2004 dropped by A only, 2005 dropped by B only.
ports=2000,2001,2002,2003,2004,2005
policy() { # policy A|B
  local p=$1 i base
  cat <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: $iface
    mode: generic
sets:
  - name: nets
    prefixes: [198.18.0.0/24, "2001:db8::/64"]
rules:
  - {name: both-drop, src: nets, protocol: udp, dport: [2000, 2001], action: drop}
EOF
  if [ "$p" = A ]; then
    echo "  - {name: a-drop, protocol: udp, dport: 2004, action: drop}"
    base=10000
  else
    echo "  - {name: b-drop, protocol: udp, dport: 2005, action: drop}"
    base=30000
  fi
  # Rules only this policy has: they match none of the flows.
  for i in $(seq 0 $((per_policy - 1))); do
    echo "  - {name: $p-$i, protocol: tcp, dport: $((base + i)), action: drop}"
  done
  echo "  - {name: count-udp, protocol: udp, action: count}"
}
policy A >"$tmp/A.yaml"
policy B >"$tmp/B.yaml"
cp "$tmp/A.yaml" "$tmp/fw.yaml"

# The live generation: the saved state's "current" (written after each switch).
generation() {
  local t
  t=$(readlink "$state/current" 2>/dev/null) || { echo 0; return; }
  echo "${t#gen-}"
}

stats() { # stats FILE: the pinned counters as JSON
  "$sluicectl" -j -p "$pin" stats >"$1" || fail "sluicectl stats failed"
}

"$sluiced" -c "$tmp/fw.yaml" --pin-dir "$pin" --socket "$sock" --state-dir "$state" \
  2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  "$sluicectl" -s "$sock" status >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
"$sluicectl" -s "$sock" status >/dev/null || fail "sluiced does not answer"
[ "$(generation)" -eq 1 ] || fail "the first generation is not 1"

python3 "$flows" recv "$SL_ADDR4" "$ports" "$tmp/got.json" >"$tmp/recv.out" &
receiver=$!
for _ in $(seq 50); do grep -q ready "$tmp/recv.out" 2>/dev/null && break; sleep 0.1; done
sl_in_ns python3 "$flows" send "$SL_ADDR4" "$ports" 400 "$tmp/stop" >"$tmp/sent.out" &
sender=$!
sleep 1

stats "$tmp/s0.json"
prev=$tmp/s0.json
gen=1
for r in $(seq 1 "$reloads"); do
  if [ $((r % 2)) -eq 1 ]; then cp "$tmp/B.yaml" "$tmp/fw.yaml"; else cp "$tmp/A.yaml" "$tmp/fw.yaml"; fi
  if [ $((r % 2)) -eq 1 ]; then
    "$sluicectl" -s "$sock" reload 2>"$tmp/err" || fail "reload $r failed: $(cat "$tmp/err")"
  else
    kill -HUP "$daemon"
    for _ in $(seq 100); do [ "$(generation)" -gt "$gen" ] && break; sleep 0.1; done
  fi
  gen=$((gen + 1))
  [ "$(generation)" -eq "$gen" ] || fail "reload $r: generation $(generation), expected $gen"
  sleep 0.5
  stats "$tmp/s$r.json"
  python3 - "$prev" "$tmp/s$r.json" <<'PY' || fail "counters went down at reload $r"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in ("pass", "drop"):
    assert b["verdicts"][k]["packets"] >= a["verdicts"][k]["packets"], k
ra = {x["name"]: x["packets"] for x in a["rules"]}
rb = {x["name"]: x["packets"] for x in b["rules"]}
for n in ("both-drop", "count-udp"):
    assert rb[n] >= ra[n] > 0 or rb[n] > 0, (n, ra.get(n), rb.get(n))
    assert rb[n] >= ra[n], (n, ra[n], rb[n])
PY
  prev=$tmp/s$r.json
done

# A config that does not compile is refused with the reason; the generation stays.
printf 'version: 1\nrules:\n  - {name: x, dport: 80, action: drop}\n' >"$tmp/fw.yaml"
if "$sluicectl" -s "$sock" reload 2>"$tmp/err"; then fail "a broken config was applied"; fi
grep -q "needs protocol" "$tmp/err" || fail "no reason for the refused reload: $(cat "$tmp/err")"
[ "$(generation)" -eq "$gen" ] || fail "a refused reload changed the generation"

sleep 0.5
touch "$tmp/stop"
wait "$sender" || fail "the sender failed"
sender=
sleep 0.5
kill -TERM "$receiver"
wait "$receiver" || fail "the receiver failed"
receiver=
python3 - "$tmp/got.json" "$(cat "$tmp/sent.out")" "$reloads" <<'PY' || fail "misclassified packets"
import json, sys
got = json.load(open(sys.argv[1]))
sent = int(sys.argv[2])
reloads = int(sys.argv[3])
def runs(seqs):
    seqs = sorted(seqs)
    return sum(1 for i, s in enumerate(seqs) if i == 0 or s != seqs[i - 1] + 1)
for p in ("2000", "2001"):
    assert not got[p], f"flow {p}: {len(got[p])} packets passed that both policies drop"
for p in ("2002", "2003"):
    missing = sent - len(set(got[p]))
    assert missing == 0, f"flow {p}: {missing} of {sent} packets lost that both policies pass"
# A drops 2004 and passes 2005, B the other way round: each packet pair
# (same sequence number) has one of the two, except where a switch fell
# between the two sends; each flow passes in one run per generation at most.
a, b = set(got["2004"]), set(got["2005"])
both = len(a & b)
neither = sent - len(a | b)
assert both + neither <= reloads, f"{both} pairs passed twice and {neither} never, over {reloads} switches"
assert len(a) > 0 and len(b) > 0, "a switching flow never passed"
assert runs(a) <= reloads // 2 + 1, f"flow 2004 passed in {runs(a)} runs"
assert runs(b) <= (reloads + 1) // 2 + 1, f"flow 2005 passed in {runs(b)} runs"
print(f"ok: {sent} packets per flow, {both} pairs doubled and {neither} lost at switch points")
PY

changes=$((reloads * per_policy * 2))
kill -TERM "$daemon"
wait "$daemon" || fail "sluiced exited non-zero"
daemon=
[ ! -e "$pin" ] || fail "pins left after SIGTERM"
echo "ok: $reloads reloads, $changes rule changes under traffic, no misclassified packet"
