#!/usr/bin/env bash
# The inspect stage (docs/inspect.md) in front of the forward stage of an
# inline pair, with real clients and servers from Debian packages:
#
#   slinc: slinC0 198.18.64.1 ── slinA ═ sluiced ═ slinB ── slinS0 198.18.64.2 :slins
#                 2001:db8:64::1   [inspect, forward]           2001:db8:64::2
#                                                    dnsmasq :53, openssl s_server :8443
#
# Steer rules send DNS queries (UDP 53) and TLS (TCP 8443) from the client
# to the worker; the stages are [inspect, forward].
#  1. DNS with dig: an allowed name resolves (IPv4 and IPv6), the exact
#     allow entry beats the wildcard deny, a denied name gets no answer;
#     each denied query is a stage drop and a deny-log event;
#  2. TLS with openssl s_client against s_server: an allowed server name
#     completes the handshake and 60 KB cross both ways intact; its flow's
#     allow verdict is in sl_flowcache and the rest of the flow stays in
#     XDP (the worker sees the handshake's first three packets only); a
#     denied name never completes, its flow's drop verdict is cached and
#     its later packets are dropped in XDP (reason flow_deny);
#  3. at stop the stage's totals: allowed, denied, cached.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
cns=slinc$$
sns=slins$$
a=slinA
b=slinB
ca=slinC0
sb=slinS0
c4=198.18.64.1
s4=198.18.64.2
c6=2001:db8:64::1
s6=2001:db8:64::2
allowed_ip=198.18.65.10
denied_ip=198.18.65.11
pin=/sys/fs/bpf/slin$$
tmp=$(mktemp -d /tmp/slinspect.XXXXXX)
sock=$tmp/control.sock
daemon=
dns=
tls=
client=
cpu=$(($(nproc) - 1))

fail() {
  echo "FAIL: $*" >&2
  [ -s "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [ -n "$dns" ] && kill "$dns" 2>/dev/null && wait "$dns" 2>/dev/null
  [ -n "$tls" ] && kill "$tls" 2>/dev/null && wait "$tls" 2>/dev/null
  [ -n "$client" ] && kill "$client" 2>/dev/null && wait "$client" 2>/dev/null
  rm -rf "$pin"
  ip link del "$a" 2>/dev/null
  ip link del "$b" 2>/dev/null
  ip netns del "$cns" 2>/dev/null
  ip netns del "$sns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
for tool in dig dnsmasq openssl bpftool; do
  command -v "$tool" >/dev/null || fail "$tool is missing (tools/lib.sh installs it)"
done
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
  # A veth takes XDP_REDIRECT frames only with NAPI on its far end (GRO).
  ip netns exec "$1" ethtool -K "$2" gro on >/dev/null
}
setup_end "$cns" "$ca" "$c4" "$c6" || fail "cannot set up the client"
setup_end "$sns" "$sb" "$s4" "$s6" || fail "cannot set up the server"
cmac=$(ip netns exec "$cns" cat "/sys/class/net/$ca/address")
smac=$(ip netns exec "$sns" cat "/sys/class/net/$sb/address")
ip -n "$cns" neigh replace "$s4" lladdr "$smac" dev "$ca" nud permanent
ip -n "$cns" neigh replace "$s6" lladdr "$smac" dev "$ca" nud permanent
ip -n "$sns" neigh replace "$c4" lladdr "$cmac" dev "$sb" nud permanent
ip -n "$sns" neigh replace "$c6" lladdr "$cmac" dev "$sb" nud permanent

# ------------------------------------------------------------------ servers
# dnsmasq as the only resolver: a fixed answer for each test domain and
# its subdomains, nothing forwarded, nothing read from the host.
ip netns exec "$sns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --port 53 \
  --listen-address="$s4,$s6" --bind-interfaces --user=root --pid-file="$tmp/dnsmasq.pid" \
  --log-facility=- --log-queries \
  --address="/allowed.example/$allowed_ip" --address="/denied.example/$denied_ip" \
  2>"$tmp/dnsmasq.log" &
dns=$!
# A self-signed certificate, and s_server's -rev mode: every line a client
# sends comes back reversed, so data crosses both ways.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=www.allowed.example -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null ||
  fail "cannot make a certificate"
ip netns exec "$sns" openssl s_server -accept "$s4:8443" -cert "$tmp/cert.pem" \
  -key "$tmp/key.pem" -rev -quiet >"$tmp/s_server.out" 2>&1 &
tls=$!

# ------------------------------------------------------------------ sluiced
cat >"$tmp/inspect.yaml" <<EOF
version: 1
settings: {default_policy: accept}
interfaces:
  - name: $a
  - name: $b
rules:
  - {name: dns-to-inspect, protocol: udp, dport: 53, action: steer}
  - {name: tls-to-inspect, protocol: tcp, dport: 8443, action: steer}
# Inspection enforces: with no worker, steered packets are dropped.
steering: {no_socket: drop}
logging:
  json: $tmp/events.json
inspect:
  verdict_ttl: 60
  dns:
    default: allow
    deny: ["*.denied.example"]
    allow: [ok.denied.example]
  tls:
    ports: [8443]
    default: allow
    deny: ["*.denied.example"]
dataplane:
  frames: 2048
  ring_size: 1024
  interfaces:
    - {name: $a, peer: $b, stages: [inspect, forward], workers: [{queue: 0, cpu: $cpu}]}
EOF
"$sluiced" -c "$tmp/inspect.yaml" --pin-dir "$pin" --socket "$sock" 2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  if [ -e "$pin/sl_flowcache" ] && [ -S "$sock" ] && "$sluicectl" -s "$sock" -j status >/dev/null 2>&1; then
    break
  fi
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
[ -S "$sock" ] || fail "sluiced did not come up within 10 s"
kill -0 "$dns" 2>/dev/null || fail "dnsmasq did not start: $(cat "$tmp/dnsmasq.log")"
kill -0 "$tls" 2>/dev/null || fail "s_server did not start: $(cat "$tmp/s_server.out")"

json_get() { # json_get FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
status() { "$sluicectl" -s "$sock" -j status >"$1" || fail "sluicectl status failed"; }
worker() { # worker FIELD-EXPR: a value of the worker's status
  status "$tmp/w.json"
  json_get "$tmp/w.json" "d[\"workers\"][0]$1"
}

status "$tmp/st0.json"
[ "$(json_get "$tmp/st0.json" 'd["workers"][0]["stages"]')" = "inspect,forward" ] ||
  fail "the worker does not run [inspect, forward]: $(cat "$tmp/st0.json")"

# ---------------------------------------------------------------- 1. DNS
# ask SERVER NAME: the A record's address, or "timeout" when no answer came.
ask() {
  local out rc=0
  out=$(ip netns exec "$cns" dig +time=1 +tries=1 +short @"$1" "$2" A) || rc=$?
  if [ $rc -eq 9 ]; then echo timeout; elif [ $rc -ne 0 ]; then echo "dig-error-$rc"; else echo "$out"; fi
}
# The servers may need a moment: asked from their own namespace, not through sluice.
for _ in $(seq 50); do
  ip netns exec "$sns" dig +time=1 +tries=1 +short @"$s4" ready.allowed.example A 2>/dev/null |
    grep -qx "$allowed_ip" && ip netns exec "$sns" ss -Hltn "sport = :8443" | grep -q 8443 && break
  sleep 0.1
done
drop0=$(worker '["drops"]["stage"]')
rx0=$(worker '["rx_packets"]')
got=$(ask "$s4" www.allowed.example)
[ "$got" = "$allowed_ip" ] || fail "allowed name (IPv4): got '$got', want $allowed_ip"
got=$(ask "$s6" www.allowed.example)
[ "$got" = "$allowed_ip" ] || fail "allowed name (IPv6): got '$got', want $allowed_ip"
got=$(ask "$s4" ok.denied.example)
[ "$got" = "$denied_ip" ] || fail "exact allow under a wildcard deny: got '$got'"
got=$(ask "$s4" x.denied.example)
[ "$got" = timeout ] || fail "denied name (IPv4) was answered: '$got'"
got=$(ask "$s6" a.b.denied.example)
[ "$got" = timeout ] || fail "denied name (IPv6) was answered: '$got'"
sleep 0.2
[ $(($(worker '["drops"]["stage"]') - drop0)) -eq 2 ] ||
  fail "stage drops $(($(worker '["drops"]["stage"]') - drop0)) after two denied queries, want 2"
# Every query visited the worker (DNS verdicts are per query, never cached).
[ $(($(worker '["rx_packets"]') - rx0)) -eq 5 ] ||
  fail "the worker received $(($(worker '["rx_packets"]') - rx0)) of 5 queries"
grep -q "query\[A\] x.denied.example" "$tmp/dnsmasq.log" && fail "a denied query reached the resolver"

# ---------------------------------------------------------------- 2. TLS
# 60 KB in lines. None starts with a letter s_client takes as a command
# (Q quits, R renegotiates, k/K update keys); -ign_eof turns those off too.
head -c 45000 /dev/urandom | base64 -w 100 | sed 's/^/sl/' >"$tmp/data.txt"
rx0=$(worker '["rx_packets"]')
drop0=$(worker '["drops"]["stage"]')
lines=$(wc -l <"$tmp/data.txt")
# The client reads a FIFO this shell holds open: it stays up until every
# line came back (or 15 s), and no writer process outlives the test.
mkfifo "$tmp/in"
ip netns exec "$cns" timeout 15 openssl s_client -connect "$s4:8443" \
  -servername www.allowed.example -brief -ign_eof <"$tmp/in" >"$tmp/allowed.out" \
  2>"$tmp/allowed.err" &
client=$!
exec 3>"$tmp/in"
t0=$(date +%s%N)
cat "$tmp/data.txt" >&3 || true
while kill -0 $client 2>/dev/null && [ "$(wc -l <"$tmp/allowed.out")" -lt "$lines" ]; do sleep 0.05; done
t1=$(date +%s%N)
kill $client 2>/dev/null || true
wait $client 2>/dev/null || true
client=
exec 3>&-
echo "allowed TLS: $(wc -l <"$tmp/allowed.out") of $lines lines back in $(((t1 - t0) / 1000000)) ms"
grep -q "CONNECTION ESTABLISHED" "$tmp/allowed.err" || fail "allowed name: no handshake: $(cat "$tmp/allowed.err")"
python3 - "$tmp/data.txt" "$tmp/allowed.out" <<'PY' || fail "allowed name: the data did not cross intact"
import sys
sent = open(sys.argv[1]).read().splitlines()
back = open(sys.argv[2]).read().splitlines()
if [l[::-1] for l in back] != sent:
    sys.exit(f"sent {len(sent)} lines, got {len(back)} back, or some differ")
PY
sleep 0.2
# SYN, the handshake's ACK and the ClientHello; the rest of the flow (some
# 50 segments of data and their ACKs) was decided by the flow cache in XDP.
# A retransmission or two on a busy machine is allowed for.
seen=$(($(worker '["rx_packets"]') - rx0))
echo "allowed TLS: the worker saw $seen packets of the flow"
[ $seen -ge 3 ] && [ $seen -le 6 ] || fail "the worker saw $seen packets of the allowed TLS flow, want 3 (up to 6)"

rc=0
ip netns exec "$cns" timeout 3 openssl s_client -connect "$s4:8443" -servername www.denied.example \
  -brief </dev/null >"$tmp/denied.out" 2>"$tmp/denied.err" || rc=$?
[ $rc -ne 0 ] || fail "s_client with a denied name exited 0"
grep -q "CONNECTION ESTABLISHED" "$tmp/denied.err" && fail "denied name: the handshake completed"
[ ! -s "$tmp/denied.out" ] || fail "denied name: data came back"
sleep 0.2
[ $(($(worker '["drops"]["stage"]') - drop0)) -eq 1 ] ||
  fail "stage drops $(($(worker '["drops"]["stage"]') - drop0)) after a denied ClientHello, want 1"

# Both flows' verdicts in the pinned sl_flowcache, client to server.
bpftool -j map dump pinned "$pin/sl_flowcache" >"$tmp/flowcache.json" || fail "cannot dump sl_flowcache"
python3 - "$tmp/flowcache.json" "$c4" "$s4" <<'PY' || fail "flow cache entries"
import ipaddress, json, sys
dump = json.load(open(sys.argv[1]))
c4, s4 = ipaddress.ip_address(sys.argv[2]).packed, ipaddress.ip_address(sys.argv[3]).packed
def raw(v):  # bpftool's raw form: a list of "0x.." strings
    return bytes(int(x, 16) for x in v)
entries = []
for e in dump:
    if "formatted" in e:
        k, v = e["formatted"]["key"], e["formatted"]["value"]
        entries.append((bytes(k["src"]), bytes(k["dst"]), k["sport"], k["dport"], k["proto"],
                        k["family"], v["verdict"], v["source"], v["ttl_s"]))
    else:
        k, v = raw(e["key"]), raw(e["value"])
        entries.append((k[0:16], k[16:32], int.from_bytes(k[32:34], "little"),
                        int.from_bytes(k[34:36], "little"), k[36], k[37], v[12], v[13],
                        int.from_bytes(v[8:12], "little")))
tls = [x for x in entries if x[3] == 8443]
assert len(tls) == 2, entries
for src, dst, sport, dport, proto, fam, verdict, source, ttl in tls:
    assert src[:4] == c4 and dst[:4] == s4 and proto == 6 and fam == 4, entries
    assert source == 2 and ttl == 60, entries
assert sorted(x[6] for x in tls) == [0, 1], f"one pass and one drop verdict: {tls}"
PY
# The denied flow's retransmitted ClientHello (and its FIN) met the cached drop in XDP.
"$sluicectl" -j -p "$pin" stats >"$tmp/stats.json" || fail "sluicectl stats failed"
[ "$(json_get "$tmp/stats.json" 'd["reasons"]["flow_deny"]["packets"]')" -ge 1 ] ||
  fail "no packet dropped by a cached deny verdict: $(cat "$tmp/stats.json")"

# The stage's own counters in sluicectl status (-j and text), as at stop below.
status "$tmp/w.json"
[ "$(json_get "$tmp/w.json" 'd["workers"][0]["pipeline"][0]["name"], [d["workers"][0]["pipeline"][0]["counters"][k] for k in ("allow", "deny", "cached")]')" = "inspect [4, 3, 2]" ] ||
  fail "status pipeline counters: $(cat "$tmp/w.json")"
"$sluicectl" -s "$sock" status >"$tmp/status.txt" || fail "sluicectl status failed"
grep -q "^  stage inspect .* allow 4 deny 3 cached 2" "$tmp/status.txt" &&
  grep -q "^worker .*$a <-> $b " "$tmp/status.txt" ||
  fail "text status lacks the stage counters or the pair: $(cat "$tmp/status.txt")"

# ------------------------------------------------------- 3. totals and events
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
# Allowed: 3 queries and 1 ClientHello, denied: 2 and 1, cached: the 2 TLS verdicts.
grep -q "inspect stage on $a queue 0: 4 allowed, 3 denied, 2 flow verdicts cached, 0 cache writes failed" \
  "$tmp/sluiced.log" || fail "the stage's totals are not 4 allowed, 3 denied, 2 cached"
python3 - "$tmp/events.json" "$c4" "$c6" <<'PY' || fail "deny events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ev = [e for e in ev if e.get("reason") == "stage"]
assert len(ev) == 3, ev
assert all(e["verdict"] == "drop" and e["source"].startswith("worker-") for e in ev), ev
assert sorted((e["src"], e["dport"]) for e in ev) == sorted(
    [(sys.argv[2], 53), (sys.argv[3], 53), (sys.argv[2], 8443)]), ev
PY
echo "ok: inspect in front of forward: DNS allow/deny (dig, dnsmasq), TLS SNI allow/deny (openssl), flow cache in XDP, totals and events"
