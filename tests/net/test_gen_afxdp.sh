#!/usr/bin/env bash
# sluice-gen's AF_XDP engine and pcap replay on a veth pair between two
# namespaces (docs/load-test.md, "Engines" and "Replaying a capture"):
#
#   ns A: sluice-gen tx --engine afxdp on slgxaN  <==veth, 2 queues==>  slgxbN (ns B)
#
# (a) generated traffic into `sluice-gen rx` at the peer: the counts per
#     stream equal what was sent (one and two senders, IMIX with a VLAN
#     tag); through `reflect` and back with `tx --rx`: no loss, loss
#     counted exactly when sequence numbers are skipped on purpose, the
#     rate within 10%;
# (b) a capture of mixed IPv4/IPv6 UDP/TCP/ICMP frames (tests/net/
#     gen_pcap_fixture.py) replayed at a rate and looped, and at its own
#     timing, captured at the peer with tcpdump: the same bytes, in order,
#     the frame above the MTU skipped and counted;
# bad input (a missing queue, a capture that is truncated or not a
# capture, options that exclude each other): one line, exit 2; nothing
# ever left attached.
set -euo pipefail

build=${SLUICE_BUILDDIR:?run through meson test}
src=${SLUICE_SRCDIR:?run through meson test}
gen=$build/gen/sluice-gen
nsa=slgxna$$
nsb=slgxnb$$
ifa=slgxa$$
ifb=slgxb$$
tmp=$(mktemp -d)
bg=   # a background process (analyser, reflector, tcpdump), if any
refl= # the reflector, while bg is another one

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  set +e
  local p
  for p in $bg $refl; do
    kill -TERM "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  ip netns del "$nsa" 2>/dev/null
  ip netns del "$nsb" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
[ -x "$gen" ] || fail "no $gen"
command -v tcpdump >/dev/null || fail "no tcpdump (tools/lib.sh installs it)"

ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$ifa" numtxqueues 2 numrxqueues 2 netns "$nsa" type veth \
  peer name "$ifb" numtxqueues 2 numrxqueues 2 netns "$nsb"
ip -n "$nsa" link set "$ifa" up
ip -n "$nsb" link set "$ifb" up
ip -n "$nsa" addr add 198.18.0.1/24 dev "$ifa"
ip -n "$nsb" addr add 198.18.0.2/24 dev "$ifb"
ip -n "$nsa" addr add 2001:db8::1/64 dev "$ifa" nodad
ip -n "$nsb" addr add 2001:db8::2/64 dev "$ifb" nodad

in_a() { ip netns exec "$nsa" "$@"; }
in_b() { ip netns exec "$nsb" "$@"; }
jget() { # jget FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
attached() { # attached NS IF
  ip -n "$1" -d link show "$2" | grep -q 'prog/xdp'
}
one_line() { # one_line FILE WORD: exactly one line that contains WORD
  [ "$(wc -l <"$1")" -eq 1 ] && grep -q -- "$2" "$1"
}
bad() { # bad NAME WORD ARGS...: exit 2 with one line containing WORD
  local name=$1 word=$2 rc=0
  shift 2
  in_a "$gen" tx -i "$ifa" -q "$@" >/dev/null 2>"$tmp/$name.err" || rc=$?
  [ $rc -eq 2 ] && one_line "$tmp/$name.err" "$word" || fail "$name: rc $rc, $(cat "$tmp/$name.err")"
}
start_bg() { # start_bg OUT ARGS...: sluice-gen in ns B until stopped, once attached
  local out=$1
  shift
  # Not through in_b: $! must be sluice-gen itself (ip netns exec execs it), not a subshell.
  ip netns exec "$nsb" "$gen" "$@" -j -q -d 120 >"$out" 2>"$out.err" &
  bg=$!
  for _ in $(seq 50); do
    attached "$nsb" "$ifb" && return 0
    kill -0 "$bg" 2>/dev/null || { cat "$out.err" >&2; fail "sluice-gen $1 exited"; }
    sleep 0.1
  done
  fail "sluice-gen $1 did not attach"
}
stop_bg() {
  local rc=0
  kill -INT "$bg"
  wait "$bg" || rc=$?
  bg=
  [ $rc -eq 0 ] || fail "a background process exited with $rc"
}
# The AF_XDP engine may be missing from the kernel: skip, not fail.
probe=$(in_a "$gen" tx -i "$ifa" --engine afxdp -q --src 198.18.0.1 --dst 198.18.0.2 --count 1 2>&1) || {
  if grep -q "AF_XDP\|Address family not supported" <<<"$probe"; then
    echo "SKIP: AF_XDP: $probe"
    exit 77
  fi
  fail "probe: $probe"
}

# --- Bad input. ----------------------------------------------------------------
python3 "$src/tests/net/gen_pcap_fixture.py" "$tmp/mix.pcap"
head -c $(($(stat -c %s "$tmp/mix.pcap") - 9)) "$tmp/mix.pcap" >"$tmp/cut.pcap"
echo "not a capture at all, just a line of text" >"$tmp/text.pcap"
bad queue "queue" --engine afxdp --src 198.18.0.1 --dst 198.18.0.2 --threads 3 --count 10
bad notpcap "not a capture" --pcap "$tmp/text.pcap"
bad truncated "truncated" --pcap "$tmp/cut.pcap"
bad missing "No such file" --pcap "$tmp/nothing.pcap"
bad timing_rate "exclude" --pcap "$tmp/mix.pcap" --pcap-timing --rate 100
bad live "afxdp" --pcap "$tmp/mix.pcap" --engine live
bad loop "--pcap" --engine afxdp --src 198.18.0.1 --dst 198.18.0.2 --loop 2
! attached "$nsa" "$ifa" || fail "bad input left a program attached"

# --- (a) Generated traffic into the analyser at the peer. -------------------------
start_bg "$tmp/rx.json" rx -i "$ifb"
send() { # send NAME ARGS...: exit 0, the JSON in $tmp/NAME.json
  local name=$1 rc=0
  shift
  in_a "$gen" tx -i "$ifa" --engine afxdp -j -q --burst 1000000 "$@" >"$tmp/$name.json" \
    2>"$tmp/$name.err" || rc=$?
  # A run of a few hundred ms for a count is about counts: a stall of the
  # busy test machine near its end stretches it past the 2% of "reached"
  # (exit 3), which only the rate run below is about.
  if [ $rc -eq 3 ] && [[ " $* " == *" --count "* ]]; then
    rc=0
  fi
  [ $rc -eq 0 ] || fail "$name: exit $rc: $(cat "$tmp/$name.err")"
  [ "$(jget "$tmp/$name.json" 'd["tx"]["engine"] + " " + d["tx"]["afxdp_mode"]')" = "afxdp copy" ] ||
    fail "$name: engine $(cat "$tmp/$name.json")"
}
send udp4 --src 198.18.0.1 --dst 198.18.0.2 --count 3000 --rate 20000
send tcp6 --src 2001:db8::1 --dst 2001:db8::2-2001:db8::9 --proto tcp-syn --threads 2 --count 2000 \
  --rate 20000 --stream 40
send imix --src 198.18.0.1 --dst 198.18.0.2/28 --proto icmp --size imix --vlan 7 --count 1200 \
  --rate 20000 --stream 9
sleep 0.3
stop_bg
[ "$(jget "$tmp/udp4.json" 'd["tx"]["packets"]')" -eq 3000 ] || fail "udp4: $(cat "$tmp/udp4.json")"
[ "$(jget "$tmp/tcp6.json" 'd["tx"]["packets"], d["tx"]["queues"]')" = "2000 2" ] ||
  fail "tcp6: $(cat "$tmp/tcp6.json")"
python3 - "$tmp/rx.json" <<'PY' || fail "rx at the peer: $(cat "$tmp/rx.json")"
import json, sys
rx = json.load(open(sys.argv[1]))["rx"]
s = sorted((x["stream"], x["received"], x["lost"], x["reordered"], x["duplicate"]) for x in rx["streams"])
want = [(0, 3000, 0, 0, 0), (9, 1200, 0, 0, 0), (40, 1000, 0, 0, 0), (41, 1000, 0, 0, 0)]
if s != want or rx["packets"] != 6200 or rx["clock_errors"] != 0:
    print(f"streams {s}, packets {rx['packets']}", file=sys.stderr); sys.exit(1)
# IMIX with a VLAN tag: 100 cycles of 7 x 66 (the minimum for these headers), 4 x 576, 1 x 1500;
# IPv4 UDP at 64; IPv6 TCP at its minimum, 94 (frame bytes without FCS).
if rx["bytes"] != 3000 * 60 + 2000 * 90 + 100 * (7 * 62 + 4 * 572 + 1496):
    print(f"bytes {rx['bytes']}", file=sys.stderr); sys.exit(1)
PY

# --- Through the reflector and back, with the analyser on the sender's side. ------
start_bg "$tmp/reflect.json" reflect -i "$ifb"
send rtt --rx --src 198.18.0.1 --dst 198.18.0.2 --sport 40000-40099 --random --count 4000 --rate 20000
send skip --rx --src 2001:db8::1 --dst 2001:db8::2 --proto udp --count 5000 --rate 20000 --skip-every 50
# The schedule itself (a burst this wide makes up any stall of a busy machine; see test_gen.sh).
send rate --src 198.18.0.1 --dst 198.18.0.2 --rate 20000 -d 3
# search on this engine: the maximum given passes at once.
in_a "$gen" search -i "$ifa" --engine afxdp -j -q --burst 1000000 --src 198.18.0.1 --dst 198.18.0.2 \
  --max-rate 20000 --trial 0.5 >"$tmp/search.json" 2>"$tmp/search.err" || fail "search: $(cat "$tmp/search.err")"
[ "$(jget "$tmp/search.json" 'd["result_pps"] == 20000 and len(d["trials"]) == 1 and d["trials"][0]["pass"]')" = True ] ||
  fail "search: $(cat "$tmp/search.json")"
# Ctrl-C ends a 30 s run at once, with its summary, nothing lost.
refl=$bg
ip netns exec "$nsa" "$gen" tx -i "$ifa" --engine afxdp --rx -j -q --burst 1000000 --src 198.18.0.1 \
  --dst 198.18.0.2 --rate 20000 -d 30 >"$tmp/int.json" 2>"$tmp/int.err" &
bg=$!
sleep 1
stop_bg
bg=$refl
refl=
[ "$(jget "$tmp/int.json" 'd["tx"]["packets"] > 0 and d["rx"]["distinct"] == d["tx"]["packets"] and d["rx"]["lost"] == 0 and d["tx"]["seconds"] < 5')" = True ] ||
  fail "Ctrl-C: $(cat "$tmp/int.json")"
stop_bg
python3 - "$tmp/rtt.json" "$tmp/skip.json" "$tmp/rate.json" <<'PY' || fail "tx --rx: $(cat "$tmp/rtt.json" "$tmp/skip.json" "$tmp/rate.json")"
import json, sys
rtt, skip, rate = (json.load(open(p)) for p in sys.argv[1:4])
t, r = rtt["tx"], rtt["rx"]
ok = (t["packets"] == 4000 and r["distinct"] == r["packets"] == r["expected"] == 4000 and r["lost"] == 0
      and r["latency_ns"]["samples"] == 4000 and 0 < r["latency_ns"]["p50"] <= r["latency_ns"]["max"])
# 5,000 packets with the numbers n % 50 == 49 never sent: 5,102 numbers, 102 lost.
t, r = skip["tx"], skip["rx"]
ok = ok and t["packets"] == 5000 and r["distinct"] == 5000 and r["expected"] == 5102 and r["lost"] == 102
ok = ok and 18000 <= rate["tx"]["pps"] <= 22000
sys.exit(0 if ok else 1)
PY
[ "$(jget "$tmp/reflect.json" 'd["reflect"]["reflected"]')" -eq $((4000 + 5000 + $(jget "$tmp/rate.json" 'd["tx"]["packets"]') + $(jget "$tmp/search.json" 'd["trials"][0]["sent"]') + $(jget "$tmp/int.json" 'd["tx"]["packets"]'))) ] ||
  fail "reflected $(cat "$tmp/reflect.json")"

# --- (b) Replay a capture, capture it at the peer, compare the bytes. -------------
capture() { # capture FILE: tcpdump at the peer until stop_bg, once it listens
  ip netns exec "$nsb" tcpdump -i "$ifb" -Z root -U --immediate-mode -n -s 0 -w "$1" ether src 02:00:00:00:5e:01 \
    2>"$1.err" &
  bg=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$1.err" 2>/dev/null && return 0
    kill -0 "$bg" 2>/dev/null || fail "tcpdump: $(cat "$1.err")"
    sleep 0.05
  done
  fail "tcpdump did not start: $(cat "$1.err")"
}
# same FIXTURE CAPTURE LOOPS: the capture holds the fixture's frames that fit the MTU, LOOPS times.
same() {
  python3 - "$@" <<'PY'
import struct, sys
def frames(path):
    b = open(path, "rb").read()
    magic = struct.unpack("<I", b[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    ns = struct.unpack(e + "I", b[:4])[0] == 0xA1B23C4D
    out, off = [], 24
    while off < len(b):
        s, f, cap, wire = struct.unpack(e + "IIII", b[off:off + 16])
        out.append((s * 10**9 + (f if ns else f * 1000), b[off + 16:off + 16 + cap]))
        off += 16 + cap
    return out
# An MTU of 1,500: 1,514 bytes, 1,518 with a tag.
fit_ts = [(t, d) for t, d in frames(sys.argv[1]) if len(d) <= (1518 if d[12:14] == b"\x81\x00" else 1514)]
fit = [d for _, d in fit_ts]
got = frames(sys.argv[2])
want = fit * int(sys.argv[3])
if [d for _, d in got] != want:
    print(f"{len(got)} frames captured, {len(want)} expected; first difference at "
          f"{next((i for i, (a, b) in enumerate(zip([d for _, d in got], want)) if a != b), min(len(got), len(want)))}",
          file=sys.stderr)
    sys.exit(1)
if len(sys.argv) > 4:
    # The capture's timing: the replay spans about what the capture does (160 ms; unpaced it
    # would take microseconds). Loose: a stall of a busy machine makes packets late, never early.
    span = fit_ts[-1][0] - fit_ts[0][0]
    got_span = got[-1][0] - got[0][0]
    if not (0.5 * span <= got_span <= 3 * span):
        print(f"replayed over {got_span / 1e6:.1f} ms, the capture spans {span / 1e6:.1f} ms", file=sys.stderr)
        sys.exit(1)
PY
}
capture "$tmp/got.pcap"
# A 12 ms run: exit 3 ("rate not reached") would only say the machine stalled near its end.
rc=0
in_a "$gen" tx -i "$ifa" -j -q --pcap "$tmp/mix.pcap" --rate 2000 --loop 3 >"$tmp/replay.json" \
  2>"$tmp/replay.err" || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "replay: exit $rc: $(cat "$tmp/replay.err")"
sleep 0.3
stop_bg
[ "$(jget "$tmp/replay.json" 'd["tx"]["packets"], d["tx"]["pcap"]["records"], d["tx"]["pcap"]["packets"], d["tx"]["pcap"]["skipped_long"], d["tx"]["pcap"]["loops_done"]')" = "24 9 8 1 3" ] ||
  fail "replay: $(cat "$tmp/replay.json")"
same "$tmp/mix.pcap" "$tmp/got.pcap" 3 || fail "the replay at a rate is not the capture"

# Looped until a count, at a bit rate turned into packets with the capture's mean frame size.
# (A 5 ms run: exit 3, "rate not reached", would be about a stall, not about this.)
rc=0
in_a "$gen" tx -i "$ifa" -j -q --burst 1000000 --pcap "$tmp/mix.pcap" --loop 0 --count 20 --rate 10Mbit \
  >"$tmp/count.json" 2>"$tmp/count.err" || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "replay to a count: exit $rc: $(cat "$tmp/count.err")"
python3 - "$tmp/count.json" "$tmp/mix.pcap" <<'PY' || fail "replay to a count: $(cat "$tmp/count.json")"
import json, struct, sys
t = json.load(open(sys.argv[1]))["tx"]
b = open(sys.argv[2], "rb").read()
lens, off = [], 24
while off < len(b):
    cap = struct.unpack("<I", b[off + 8:off + 12])[0]
    if cap <= (1518 if b[off + 28:off + 30] == b"\x81\x00" else 1514):
        lens.append(cap)
    off += 16 + cap
pps = 10e6 / ((sum(lens) / len(lens) + 4) * 8)
ok = t["packets"] == 20 and t["pcap"]["loops_done"] == 2 and abs(t["target_pps"] - pps) < 1e-6 * pps
sys.exit(0 if ok else 1)
PY

capture "$tmp/timed.pcap"
in_a "$gen" tx -i "$ifa" -j -q --pcap "$tmp/mix.pcap" --pcap-timing >"$tmp/timed.json" \
  2>"$tmp/timed.err" || fail "timed replay: $(cat "$tmp/timed.err")"
sleep 0.3
stop_bg
[ "$(jget "$tmp/timed.json" 'd["tx"]["packets"]')" -eq 8 ] || fail "timed replay: $(cat "$tmp/timed.json")"
same "$tmp/mix.pcap" "$tmp/timed.pcap" 1 timing || fail "the replay at the capture's timing is not the capture"

! attached "$nsa" "$ifa" && ! attached "$nsb" "$ifb" || fail "a program is still attached"
echo "ok: AF_XDP tx into rx (1 and 2 queues, IMIX+VLAN), via reflect (loss, rate), pcap replay byte-exact (rate+loop, own timing), bad input"
