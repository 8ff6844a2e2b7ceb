#!/usr/bin/env bash
# Inline forward (docs/dataplane.md): sluiced as a bump in the wire between
# a client and a server namespace, on the pair slfwA/slfwB in the root
# namespace:
#
#   slfwc: slfwC0 198.18.60.1 ── slfwA ═ sluiced ═ slfwB ── slfwS0 198.18.60.2 :slfws
#                  2001:db8:60::1                               2001:db8:60::2
#
#  1. UDP to the steered ports crosses through the worker (shared UMEM,
#     forward stage), both directions, IPv4 and IPv6: the receiver gets
#     exactly what was sent, payloads intact; the worker's rx/tx and
#     sl_steer_stats count every packet; frames all accounted for at rest;
#  2. what no rule steers and the firewall passes (ping, a TCP transfer,
#     unsteered UDP) crosses by XDP_REDIRECT on the devmap, counted in
#     sl_inline_stats, and never reaches the worker;
#  3. a drop rule still drops, both directions, counted by reason;
#  and under load (both directions at once) the pair's frame accounting
#  adds up in every status sample; a reload keeps both paths working.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
cns=slfwc$$
sns=slfws$$
a=slfwA
b=slfwB
ca=slfwC0
sb=slfwS0
c4=198.18.60.1
s4=198.18.60.2
c6=2001:db8:60::1
s6=2001:db8:60::2
pin=/sys/fs/bpf/slfw$$
tmp=$(mktemp -d)
sock=$tmp/control.sock
daemon=
listener=
cpu=$(($(nproc) - 1))

fail() {
  echo "FAIL: $*" >&2
  [ -s "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
  rm -rf "$pin"
  ip link del "$a" 2>/dev/null
  ip link del "$b" 2>/dev/null
  ip netns del "$cns" 2>/dev/null
  ip netns del "$sns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null || {
  echo "SKIP: no AF_XDP sockets in this kernel"
  exit 77
}

# ----------------------------------------------------------------- topology
ip netns add "$cns"
ip netns add "$sns"
ip link add "$a" type veth peer name "$ca" netns "$cns"
ip link add "$b" type veth peer name "$sb" netns "$sns"
for d in "$a" "$b"; do
  # A wire: no address, no IPv6 of its own (its router solicitations would cross).
  sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
  ip link set "$d" up
done
setup_end() { # setup_end NS DEV ADDR4 ADDR6
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$3/24" dev "$2"
  ip -n "$1" addr add "$4/64" dev "$2" nodad
  ip -n "$1" link set "$2" up
  # Checksums in software: a frame crossing by XDP carries what it left with.
  ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
  # A veth takes XDP_REDIRECT frames only with NAPI on its far end: GRO
  # enables it (set while up, so the peer's xdp_features follow).
  ip netns exec "$1" ethtool -K "$2" gro on >/dev/null
}
setup_end "$cns" "$ca" "$c4" "$c6" || fail "cannot set up the client"
setup_end "$sns" "$sb" "$s4" "$s6" || fail "cannot set up the server"
cmac=$(ip netns exec "$cns" cat "/sys/class/net/$ca/address")
smac=$(ip netns exec "$sns" cat "/sys/class/net/$sb/address")
# Static neighbours: what crosses is only the test's traffic.
ip -n "$cns" neigh replace "$s4" lladdr "$smac" dev "$ca" nud permanent
ip -n "$cns" neigh replace "$s6" lladdr "$smac" dev "$ca" nud permanent
ip -n "$sns" neigh replace "$c4" lladdr "$cmac" dev "$sb" nud permanent
ip -n "$sns" neigh replace "$c6" lladdr "$cmac" dev "$sb" nud permanent

cat >"$tmp/udp.py" <<'PY'
# send SRC DST PORT N: N numbered datagrams of 200 bytes, paced.
# listen ADDR PORT READY: counts datagrams until SIGTERM; JSON out with
#   the count, the distinct intact payloads and any damaged ones.
import json, signal, socket, sys, time

def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET

def payload(i):
    head = b"slfw%08d" % i
    return head + bytes((i + k) & 0xff for k in range(200 - len(head)))

mode = sys.argv[1]
if mode == "send":
    src, dst, port, n = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    s.bind((src, 0))
    for i in range(n):
        s.sendto(payload(i), (dst, port))
        if i % 32 == 31:
            time.sleep(0.002)
elif mode == "listen":
    addr, port, ready = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
    s.bind((addr, port))
    count, good, bad = 0, set(), 0
    stop = False
    def term(*_):
        global stop
        stop = True
    signal.signal(signal.SIGTERM, term)
    open(ready, "w").close()
    s.settimeout(0.1)
    while not stop:
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        count += 1
        try:
            i = int(d[4:12])
        except ValueError:
            i = -1
        if i >= 0 and d == payload(i):
            good.add(i)
        else:
            bad += 1
    print(json.dumps({"received": count, "intact": len(good), "damaged": bad}))
PY

cat >"$tmp/tcp.py" <<'PY'
# server ADDR PORT READY: accepts one connection, echoes it back.
# client SRC DST PORT BYTES: sends BYTES, reads them back, checks them.
import socket, sys
mode = sys.argv[1]
fam = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
if mode == "server":
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3])))
    s.listen(1)
    s.settimeout(10)
    open(sys.argv[4], "w").close()
    c, _ = s.accept()
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
else:
    src, dst, port, n = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    data = bytes((i * 7) & 0xff for i in range(n))
    c = socket.create_connection((dst, port), timeout=10, source_address=(src, 0))
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += d
    sys.exit(0 if got == data else 1)
PY

cat >"$tmp/ping.py" <<'PY'
# SRC DST N: N ICMP echo requests (ping sockets), paced; exit 0 when every
#   one was answered with its own payload.
import socket, struct, sys, time
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
v6 = ":" in dst
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM,
                  socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
s.bind((src, 0))
s.settimeout(1)
ok = 0
for i in range(n):
    body = b"slfw-ping-%04d" % i
    s.sendto(struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, 0, i) + body, (dst, 0))
    try:
        while True:
            d = s.recv(2048)
            if d[0] == (129 if v6 else 0) and d[6:8] == struct.pack("!H", i) and d[8:] == body:
                ok += 1
                break
    except socket.timeout:
        pass
    time.sleep(0.02)
sys.exit(0 if ok == n else 1)
PY

# ping NS SRC DST N (ping sockets: allowed for root in the namespace).
ping_ns() {
  ip netns exec "$1" sysctl -qw net.ipv4.ping_group_range="0 0"
  ip netns exec "$1" python3 "$tmp/ping.py" "$2" "$3" "$4"
}

json_get() { # json_get FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# pcpu_stat MAP KEY: packets at KEY of a pinned per-CPU sl_counter map, summed over CPUs.
pcpu_stat() {
  bpftool -j map lookup pinned "$pin/$1" key "$2" 0 0 0 |
    python3 -c '
import json, sys
d = json.load(sys.stdin)
if "formatted" in d:
    print(sum(v["value"]["packets"] for v in d["formatted"]["values"]))
else:
    print(sum(int.from_bytes(bytes(int(b, 16) for b in v["value"][:8]), "little") for v in d["values"]))'
}

status() { "$sluicectl" -s "$sock" -j status >"$1" || fail "sluicectl status failed"; }
stats() { "$sluicectl" -j -p "$pin" stats >"$1" || fail "sluicectl stats failed"; }

listener_start() { # listener_start NS ADDR PORT
  rm -f "$tmp/ready"
  ip netns exec "$1" python3 "$tmp/udp.py" listen "$2" "$3" "$tmp/ready" >"$tmp/listen.json" &
  listener=$!
  for _ in $(seq 50); do [ -e "$tmp/ready" ] && return 0; sleep 0.1; done
  fail "listener did not start"
}

listener_stop() {
  sleep 0.3
  kill -TERM "$listener"
  wait "$listener" || true
  listener=
}

# flow NS SRC DST PORT N RNS: N datagrams from SRC in NS to DST:PORT, counted in RNS.
flow() {
  listener_start "$6" "$3" "$4"
  ip netns exec "$1" python3 "$tmp/udp.py" send "$2" "$3" "$4" "$5" || fail "sender failed"
  listener_stop
}

worker_counts() { # worker_counts: "rx tx" of the worker
  status "$tmp/w.json"
  json_get "$tmp/w.json" '"%d %d" % (d["workers"][0]["rx_packets"], d["workers"][0]["tx_packets"])'
}

# ------------------------------------------------------------------- sluiced
cat >"$tmp/inline.yaml" <<EOF
version: 1
settings: {default_policy: accept}
interfaces:
  - name: $a
  - name: $b
rules:
  - {name: deny-discard, protocol: udp, dport: 9999, action: drop}
  - {name: to-worker, protocol: udp, dport: 7000-7099, action: steer}
dataplane:
  frames: 2048
  ring_size: 1024
  interfaces:
    - {name: $a, peer: $b, stages: [forward], workers: [{queue: 0, cpu: $cpu}]}
EOF
"$sluiced" -c "$tmp/inline.yaml" --pin-dir "$pin" --socket "$sock" 2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  if [ -e "$pin/sl_verdicts" ] && [ -S "$sock" ] && "$sluicectl" -s "$sock" -j status >/dev/null 2>&1; then
    break
  fi
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
status "$tmp/st0.json"
python3 - "$tmp/st0.json" "$a" <<'PY' || fail "the pair's worker is not reported as configured"
import json, sys
w = json.load(open(sys.argv[1]))["workers"]
assert len(w) == 1, w
w = w[0]
assert w["interface"] == sys.argv[2] and w["queue"] == 0 and w["running"] is True, w
assert w["stages"] == "forward", w
assert w["note"].startswith("inline pair with slfwB"), w
# One UMEM for both sockets: twice dataplane.frames, every frame accounted for.
assert w["frames"]["total"] == 4096 and w["frames"]["accounted"] is True, w
PY

# ---------------------------------------- 1. steered: through the worker
n=300
red0=$(pcpu_stat sl_steer_stats 0)
inl0=$(pcpu_stat sl_inline_stats 0)
read -r rx0 tx0 <<<"$(worker_counts)"
for dir in c2s4 s2c4 c2s6 s2c6; do
  case $dir in
    c2s4) flow "$cns" "$c4" "$s4" 7001 $n "$sns" ;;
    s2c4) flow "$sns" "$s4" "$c4" 7002 $n "$cns" ;;
    c2s6) flow "$cns" "$c6" "$s6" 7003 $n "$sns" ;;
    s2c6) flow "$sns" "$s6" "$c6" 7004 $n "$cns" ;;
  esac
  cp "$tmp/listen.json" "$tmp/steer_$dir.json"
  [ "$(json_get "$tmp/listen.json" 'd["received"]')" -eq $n ] || fail "steered $dir: $(cat "$tmp/listen.json"), want $n"
  [ "$(json_get "$tmp/listen.json" 'd["intact"]')" -eq $n ] || fail "steered $dir: payloads damaged: $(cat "$tmp/listen.json")"
done
sleep 0.2
read -r rx1 tx1 <<<"$(worker_counts)"
[ $((rx1 - rx0)) -eq $((4 * n)) ] || fail "worker received $((rx1 - rx0)), want $((4 * n))"
[ $((tx1 - tx0)) -eq $((4 * n)) ] || fail "worker forwarded $((tx1 - tx0)), want $((4 * n))"
[ $(($(pcpu_stat sl_steer_stats 0) - red0)) -eq $((4 * n)) ] || fail "sl_steer_stats redirected: $(($(pcpu_stat sl_steer_stats 0) - red0)), want $((4 * n))"
# The ends' own IPv6 chatter (MLD reports) may cross meanwhile: a few packets, never the flows.
stray=$(($(pcpu_stat sl_inline_stats 0) - inl0))
[ $stray -lt 20 ] || fail "steered packets went by the devmap too ($stray)"
python3 - "$tmp/w.json" <<'PY' || fail "worker drops or frame accounting"
import json, sys
w = json.load(open(sys.argv[1]))["workers"][0]
assert w["drops"] == {"stage": 0, "undecided": 0, "tx_full": 0}, w
f = w["frames"]
assert f["accounted"] and f["miscounts"] == 0, f
assert f["in_hand"] == 0 and f["completion_ring"] == 0, f
assert f["free"] + f["fill_ring"] + f["kernel"] == f["total"], f
PY

# Under load: the pair's frame accounting (both sockets, one UMEM) adds up
# in every status sample, and at rest nothing is held.
cat >"$tmp/blast.py" <<'PY'
import socket, sys
src, dst, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
for i in range(n):
    s.sendto(b"slfw%08d" % i + bytes(52), (dst, port))
PY
load=20000
status "$tmp/before_load.json"
ip netns exec "$cns" python3 "$tmp/blast.py" "$c4" "$s4" 7005 $load &
blast=$!
ip netns exec "$sns" python3 "$tmp/blast.py" "$s4" "$c4" 7006 $load &
blast2=$!
samples=0
while kill -0 $blast 2>/dev/null || kill -0 $blast2 2>/dev/null; do
  "$sluicectl" -s "$sock" -j status >"$tmp/sample.$samples.json" 2>/dev/null && samples=$((samples + 1))
  sleep 0.01
done
wait $blast || fail "the load sender failed"
wait $blast2 || fail "the load sender failed"
sleep 0.5
status "$tmp/rest.json"
python3 - "$tmp" $samples $((2 * load)) "$tmp/before_load.json" "$tmp/rest.json" <<'PY' || fail "frame accounting under load"
import json, sys
tmp, samples, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
before = json.load(open(sys.argv[4]))["workers"][0]
rest = json.load(open(sys.argv[5]))["workers"][0]
for i in range(samples):
    f = json.load(open(f"{tmp}/sample.{i}.json"))["workers"][0]["frames"]
    total = f["free"] + f["in_hand"] + f["fill_ring"] + f["kernel"] + f["completion_ring"]
    if total != f["total"] or not f["accounted"] or f["miscounts"]:
        sys.exit(f"sample {i}: frames {f} add up to {total}")
rx = rest["rx_packets"] - before["rx_packets"]
tx = rest["tx_packets"] - before["tx_packets"]
drops = sum(rest["drops"].values()) - sum(before["drops"].values())
kdrops = sum(rest[k] - before[k] for k in ("rx_ring_full", "kernel_dropped"))
# Every steered packet reached the worker or was dropped at a socket, counted.
if rx + kdrops != load or tx + drops != rx:
    sys.exit(f"load: sent {load}, worker rx {rx} tx {tx} dropped {drops}, kernel dropped {kdrops}")
f = rest["frames"]
if not (f["accounted"] and f["miscounts"] == 0 and f["in_hand"] == 0 and f["completion_ring"] == 0
        and f["kernel"] <= kdrops and f["free"] + f["fill_ring"] + f["kernel"] == f["total"]):
    sys.exit(f"at rest a frame is missing or held: {f}")
print(f"pair under load: {samples} samples, {load} packets, worker rx {rx} tx {tx}, kernel dropped {kdrops}")
PY

# ------------------------------------------- 2. not steered: the devmap
inl0=$(pcpu_stat sl_inline_stats 0)
read -r rx0 tx0 <<<"$(worker_counts)"
ping_ns "$cns" "$c4" "$s4" 20 || fail "ping client -> server (IPv4) lost replies"
ping_ns "$sns" "$s6" "$c6" 20 || fail "ping server -> client (IPv6) lost replies"
rm -f "$tmp/tready"
ip netns exec "$sns" python3 "$tmp/tcp.py" server "$s4" 8080 "$tmp/tready" &
tcpd=$!
for _ in $(seq 50); do [ -e "$tmp/tready" ] && break; sleep 0.1; done
ip netns exec "$cns" python3 "$tmp/tcp.py" client "$c4" "$s4" 8080 200000 || fail "TCP echo through the pair failed"
wait $tcpd || fail "TCP server failed"
flow "$cns" "$c4" "$s4" 7100 $n "$sns"
[ "$(json_get "$tmp/listen.json" 'd["intact"]')" -eq $n ] || fail "unsteered UDP: $(cat "$tmp/listen.json")"
inl1=$(pcpu_stat sl_inline_stats 0)
# 80 pings, the TCP exchange, n datagrams (plus whatever else the ends sent).
[ $((inl1 - inl0)) -ge $((80 + n + 20)) ] || fail "sl_inline_stats redirected only $((inl1 - inl0))"
read -r rx1 tx1 <<<"$(worker_counts)"
[ "$rx1" -eq "$rx0" ] || fail "unsteered traffic reached the worker ($((rx1 - rx0)))"

# A reload builds a new generation: it fills sl_peers and sl_xsk_base
# again and shares sl_xsks, so both paths carry on.
generation() {
  bpftool -j map lookup pinned "$pin/sl_generation" key 0 0 0 0 | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["formatted"]["value"] if "formatted" in d else
      int.from_bytes(bytes(int(b, 16) for b in d["value"]), "little"))'
}
gen0=$(generation)
sed -i 's/^rules:$/rules:\n  - {name: count-discard, protocol: udp, dport: 9, action: count}/' "$tmp/inline.yaml"
grep -q count-discard "$tmp/inline.yaml" || fail "cannot edit the config"
kill -HUP "$daemon"
for _ in $(seq 100); do [ "$(generation)" -gt "$gen0" ] && break; sleep 0.1; done
[ "$(generation)" -gt "$gen0" ] || fail "SIGHUP made no new generation"
flow "$sns" "$s4" "$c4" 7007 100 "$cns"
[ "$(json_get "$tmp/listen.json" 'd["intact"]')" -eq 100 ] || fail "steered after a reload: $(cat "$tmp/listen.json")"
ping_ns "$cns" "$c6" "$s6" 5 || fail "devmap path after a reload"

# ------------------------------------------------- 3. a drop rule drops
stats "$tmp/d0.json"
flow "$cns" "$c4" "$s4" 9999 50 "$sns"
[ "$(json_get "$tmp/listen.json" 'd["received"]')" -eq 0 ] || fail "dropped flow reached the server"
flow "$sns" "$s6" "$c6" 9999 50 "$cns"
[ "$(json_get "$tmp/listen.json" 'd["received"]')" -eq 0 ] || fail "dropped flow reached the client"
stats "$tmp/d1.json"
python3 - "$tmp/d0.json" "$tmp/d1.json" <<'PY' || fail "drop counters"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
d = b["reasons"]["rule"]["packets"] - a["reasons"]["rule"]["packets"]
assert d == 100, d
PY

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
grep -q "all accounted for" "$tmp/sluiced.log" || fail "the worker's last word is not 'all accounted for'"
echo "ok: inline forward through the worker (4 x $n), devmap redirect (ping, TCP, UDP), drops"
