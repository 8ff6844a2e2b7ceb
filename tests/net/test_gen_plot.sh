#!/usr/bin/env bash
# sluice-gen --plot end to end (docs/load-test.md): tx --rx through a
# reflector, rx alone, and search, each drawing an SVG whose points match
# the run's own JSON (one point per interval or trial, one per latency
# bucket that holds samples) and which python3's XML parser accepts.
set -euo pipefail

build=${SLUICE_BUILDDIR:?run through meson test}
gen=$build/gen/sluice-gen
nsa=slplta$$
nsb=slpltb$$
ifa=slpla$$
ifb=slplb$$
tmp=$(mktemp -d /tmp/sl-plot-net.XXXXXX)
pids=()

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  set +e
  local p
  for p in "${pids[@]}"; do
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

ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb"
ip -n "$nsa" link set "$ifa" up
ip -n "$nsb" link set "$ifb" up
ip -n "$nsa" addr add 198.18.0.1/24 dev "$ifa"
ip -n "$nsb" addr add 198.18.0.2/24 dev "$ifb"

# Compares an SVG with the JSON summary of the run that drew it.
check() { # SVG JSON KIND(tx|rx|search)
  python3 - "$@" <<'PY'
import json, sys, xml.dom.minidom as m
svg, js, kind = sys.argv[1:4]
d = m.parse(svg)
run = json.load(open(js))
lines = {p.getAttribute("data-name"): len(p.getAttribute("points").split())
         for p in d.getElementsByTagName("polyline") if p.getAttribute("class") == "series"}
cdf = [len(p.getAttribute("points").split())
       for p in d.getElementsByTagName("polyline") if p.getAttribute("class") == "cdf"]
marks = [l for l in d.getElementsByTagName("line") if l.getAttribute("class") == "mark"]
if kind == "search":
    want = {"offered": len(run["trials"]), "sent": len(run["trials"]), "received": len(run["trials"])}
else:
    iv = run["intervals"]
    want = {}
    if kind == "tx":
        want["sent"] = len(iv)
    want["received"] = len(iv)
assert lines == want, (lines, want)
assert min(want.values()) >= (1 if kind == "search" else 2), want
lat = run["trials"][-1]["latency_ns"] if kind == "search" else run["rx"]["latency_ns"]
if lat["samples"]:
    assert len(cdf) == 1 and cdf[0] >= 1, cdf
    assert len(marks) == 2, marks
print(svg, "ok:", lines, "cdf", cdf)
PY
}

in_a() { ip netns exec "$nsa" "$@"; }

# tx --rx through the reflector.
# Background processes straight from ip (not through a shell function's subshell), so that $! is sluice-gen.
ip netns exec "$nsb" "$gen" reflect -i "$ifb" -q -d 30 >/dev/null &
pids+=($!)
sleep 1
# Exit 3 (the rate fell short on a busy machine) still draws the plot.
rc=0
in_a "$gen" tx -i "$ifa" --src 198.18.0.1 --dst 198.18.0.2 --rate 20k -d 3.5 --rx -q -j \
  --plot "$tmp/tx.svg" >"$tmp/tx.json" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "tx --plot failed: exit $rc"
check "$tmp/tx.svg" "$tmp/tx.json" tx || fail "tx plot does not match its run"
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rx"]["latency_ns"]["samples"])' "$tmp/tx.json")" -gt 0 ] ||
  fail "tx --rx measured no latency"

# search (its trials' points), then the reflector goes.
in_a "$gen" search -i "$ifa" --src 198.18.0.1 --dst 198.18.0.2 --max-rate 50k --trial 0.5 \
  --loss 100 -q -j --plot "$tmp/search.svg" >"$tmp/search.json" || fail "search --plot failed"
check "$tmp/search.svg" "$tmp/search.json" search || fail "search plot does not match its run"
kill -TERM "${pids[0]}"
wait "${pids[0]}" || true
pids=()

# rx alone on the far side.
ip netns exec "$nsb" "$gen" rx -i "$ifb" -q -j -d 3.5 --plot "$tmp/rx.svg" >"$tmp/rx.json" &
pids+=($!)
sleep 0.5
rc=0
in_a "$gen" tx -i "$ifa" --src 198.18.0.1 --dst 198.18.0.2 --rate 20k -d 3.5 -q >/dev/null || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "tx for rx failed: exit $rc"
wait "${pids[0]}" || fail "rx --plot failed"
pids=()
check "$tmp/rx.svg" "$tmp/rx.json" rx || fail "rx plot does not match its run"
# Nothing but the plots and the JSON: no temporary files left.
left=$(find "$tmp" -name '*.svg.*' | wc -l)
[ "$left" -eq 0 ] || fail "temporary plot files left behind"
echo "ok"
