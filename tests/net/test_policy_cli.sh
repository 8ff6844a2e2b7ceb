#!/usr/bin/env bash
# Rules and sets changed through sluicectl take effect on live traffic
# (docs/control.md, "Changing the policy"): a UDP flow from a namespace
# passes, is dropped by a rule added over the socket, passes when the
# rule is replaced by one on an empty set, is dropped when the peer's
# address is added to the set, passes when it is deleted again, and a
# batch (one transaction) changes everything at once. The test's own
# receiver sees the flow in exactly one run per passing phase; the rule
# counters say which rule decided; refused changes name their fault and
# change nothing; the logging rule's events keep coming through every
# generation (the event ring and the logger's fds are shared).
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
flows=$src/tests/net/slrl_flows.py
ns=slpc$$
iface=slpc0
peer=slpc0p
pin=/sys/fs/bpf/slpc$$
sock=/run/slpc$$/control.sock
state=/run/slpc$$/state
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
  rm -rf "$pin" "/run/slpc$$"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

cat >"$tmp/fw.yaml" <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: $iface
    mode: generic
rules:
  - {name: count-udp, protocol: udp, action: count, log: {sample: 20}}
logging:
  json: $tmp/events.json
  flush_ms: 20
EOF

ctl() { "$sluicectl" -s "$sock" "$@"; }

rule_packets() { # rule_packets NAME: its counter from the pins, 0 when absent
  "$sluicectl" -j -p "$pin" stats |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(r["packets"] for r in d["rules"] if r["name"]==sys.argv[1]))' "$1"
}

# Waits for the change to show, then lets the phase run: the counter of
# rule NAME must grow during it (or stay, with "still").
phase() { # phase NAME grows|still
  local a b
  sleep 0.3
  a=$(rule_packets "$1")
  sleep 1
  b=$(rule_packets "$1")
  if [ "$2" = grows ]; then
    [ "$b" -gt "$a" ] || fail "rule $1 did not count during its phase ($a -> $b)"
  else
    [ "$b" -eq "$a" ] || fail "rule $1 counted during a phase it should not decide ($a -> $b)"
  fi
}

"$sluiced" -c "$tmp/fw.yaml" --pin-dir "$pin" --socket "$sock" --state-dir "$state" \
  2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  ctl status >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done

python3 "$flows" recv "$SL_ADDR4" 4000 "$tmp/got.json" >"$tmp/recv.out" &
receiver=$!
for _ in $(seq 50); do grep -q ready "$tmp/recv.out" 2>/dev/null && break; sleep 0.1; done
sl_in_ns python3 "$flows" send "$SL_ADDR4" 4000 200 "$tmp/stop" >"$tmp/sent.out" &
sender=$!

# 1. passes
phase count-udp grows
# 2. a rule added over the socket drops it
ctl rule add --before count-udp '{name: block, protocol: udp, dport: 4000, action: drop, log: {sample: 20}}' ||
  fail "rule add failed"
phase block grows
# its events carry the new rule's name: the logger learns each generation's names
python3 -c 'import json,sys; sys.exit(0 if any(json.loads(l).get("rule_name") == "block" for l in open(sys.argv[1]) if l.strip()) else 1)' \
  "$tmp/events.json" || fail "the added rule's events are not logged with its name"
# 3. replaced by a rule on an empty set: passes again (block's counter stays)
ctl set create bad || fail "set create failed"
ctl rule replace block '{src: bad, protocol: udp, dport: 4000, action: drop}' ||
  fail "rule replace failed"
phase block still
# 4. the peer's address added to the set: dropped
ctl set add bad "$SL_PEER4" || fail "set add failed"
phase block grows
# 5. deleted from the set: passes
ctl set del bad "$SL_PEER4" || fail "set del failed"
phase block still
# The flow reaches count-udp again, six generations later: its events still
# come through the shared ring to the logger.
logged() {
  python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l).get("rule_name") == "count-udp"))' "$tmp/events.json" 2>/dev/null || echo 0
}
before=$(logged)
sleep 1
after=$(logged)
[ "$before" -gt 0 ] && [ "$after" -gt "$before" ] ||
  fail "count-udp's events stopped across generations ($before -> $after)"
# 6. one batch: the peer back in the set and a rule that accepts the flow
#    before block, so it still passes and only the new rule counts
cat >"$tmp/batch" <<EOF
# one transaction
set add bad $SL_PEER4
rule add --before block {name: allow, protocol: udp, dport: 4000, action: accept}
EOF
ctl batch "$tmp/batch" || fail "batch failed"
phase allow grows
phase block still

# Refused changes say why and change nothing.
ctl -j rule list >"$tmp/rules.json" || fail "rule list failed"
if ctl rule add '{name: x, dport: 80, action: drop}' 2>"$tmp/err"; then fail "a bad rule was added"; fi
grep -q "needs protocol tcp or udp" "$tmp/err" || fail "bad rule: $(cat "$tmp/err")"
if ctl set delete bad 2>"$tmp/err"; then fail "a set in use was deleted"; fi
grep -q "used by rule 'block'" "$tmp/err" || fail "set in use: $(cat "$tmp/err")"
if ctl set add bad 198.18.0.1/24 2>"$tmp/err"; then fail "a bad prefix was added"; fi
grep -q "host bits are set" "$tmp/err" || fail "bad prefix: $(cat "$tmp/err")"
printf 'rule delete allow\nrule delete nope\n' >"$tmp/bad-batch"
if ctl batch "$tmp/bad-batch" 2>"$tmp/err"; then fail "a failing batch succeeded"; fi
ctl -j rule list >"$tmp/rules2.json"
cmp -s "$tmp/rules.json" "$tmp/rules2.json" || fail "a refused change changed the rules"
python3 - "$tmp/rules2.json" <<'PY' || fail "rule list is not what was set"
import json, sys
names = [r["name"] for r in json.load(open(sys.argv[1]))]
assert names == ["allow", "block", "count-udp"], names
PY
ctl -j set list bad >"$tmp/set.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["elements"]==[sys.argv[2]+"/32"], d' \
  "$tmp/set.json" "$SL_PEER4" || fail "set list bad: $(cat "$tmp/set.json")"
# Long batches are pipelined (32 changes in flight): a refusal at line 70
# names line 70 and applies nothing; 100 good changes all land.
{ for i in $(seq 1 69); do echo "set add bad 198.18.201.$i/32"; done
  echo "rule delete nope"
  for i in $(seq 71 100); do echo "set add bad 198.18.201.$i/32"; done; } >"$tmp/bad-batch2"
if ctl batch "$tmp/bad-batch2" 2>"$tmp/err"; then fail "a failing long batch succeeded"; fi
grep -q "bad-batch2:70: refused" "$tmp/err" || fail "long batch refusal: $(cat "$tmp/err")"
ctl -j set list bad >"$tmp/set2.json"
cmp -s "$tmp/set.json" "$tmp/set2.json" || fail "a refused long batch changed the set"
for i in $(seq 1 100); do echo "set add bad 198.18.202.$i/32"; done >"$tmp/good-batch"
ctl batch "$tmp/good-batch" || fail "a long batch failed"
ctl -j set list bad >"$tmp/set3.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d[0]["elements"])==101, d' \
  "$tmp/set3.json" || fail "the long batch did not add 100 elements: $(cat "$tmp/set3.json")"

touch "$tmp/stop"
wait "$sender" || fail "the sender failed"
sender=
sleep 0.3
kill -TERM "$receiver"
wait "$receiver" || fail "the receiver failed"
receiver=
python3 - "$tmp/got.json" <<'PY' || fail "the flow did not follow the changes"
import json, sys
seqs = sorted(json.load(open(sys.argv[1]))["4000"])
runs = sum(1 for i, s in enumerate(seqs) if i == 0 or s != seqs[i - 1] + 1)
# passing phases: 1, 3, 5 and 6 (5 and 6 are one run: the batch never drops)
assert runs == 3, f"{runs} runs of received packets, expected 3"
PY

kill -TERM "$daemon"
wait "$daemon" || fail "sluiced exited non-zero"
daemon=
echo "ok: rules, sets and a batch changed through sluicectl act on live traffic"
