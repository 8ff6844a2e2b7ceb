#!/usr/bin/env bash
# sluiced's Prometheus endpoint and its systemd notifications, with real
# traffic on a veth: traffic that passes and traffic a logging rule drops;
# the scrape passes `promtool check metrics` and its counters are exactly
# what the test sent; only GET /metrics is served; `sluicectl stats` shows
# the logger's counters; READY=1 reaches NOTIFY_SOCKET once the program is
# attached, WATCHDOG=1 keeps coming from the main loop, STOPPING=1 on exit;
# an IPv6 listen address works too; deploy/sluiced.service's capabilities
# are exactly the ones sluiced needs.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
traffic=$src/tools/sltraffic.py
ns=slmet$$
iface=slmet0
peer=slmet0p
pin=/sys/fs/bpf/slmet$$
tmp=$(mktemp -d)
port=19469
daemon=
listener=
blocker=

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
  [ -n "$blocker" ] && kill "$blocker" 2>/dev/null && wait "$blocker" 2>/dev/null
  rm -rf "$pin"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus; tools/lib.sh installs it)"
command -v curl >/dev/null || fail "curl is missing"
command -v setpriv >/dev/null || fail "setpriv is missing (util-linux)"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

write_config() { # write_config FILE LISTEN
  cat >"$1" <<EOF
version: 1
settings:
  default_policy: accept
interfaces:
  - name: $iface
    mode: generic
rules:
  - name: deny-udp-9999
    protocol: udp
    dport: 9999
    action: drop
    log: true
  - name: count-udp-5000
    protocol: udp
    dport: 5000
    action: count
logging:
  json: $tmp/events.json
  flush_ms: 20
memory:
  pools:
    prefix_tables: fast
metrics:
  listen: '$2'
EOF
}

# A datagram listener on NOTIFY_SOCKET, one line per message: "SECONDS MESSAGE".
cat >"$tmp/notify.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1)
print("listening", file=out)
while True:
    msg = s.recv(4096).decode()
    print("%.3f %s" % (time.monotonic(), msg.replace("\n", "|")), file=out)
PY
python3 "$tmp/notify.py" "$tmp/notify.sock" "$tmp/notify.log" &
listener=$!
for _ in $(seq 50); do grep -q listening "$tmp/notify.log" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$tmp/notify.log" || fail "the notify listener did not start"

write_config "$tmp/m4.yaml" "127.0.0.1:$port"
NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=1000000 \
  "$sluiced" -c "$tmp/m4.yaml" --pin-dir "$pin" --socket "$tmp/control.sock" 2>"$tmp/sluiced.log" &
daemon=$!
for _ in $(seq 100); do
  grep -q 'READY=1' "$tmp/notify.log" && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
grep -q 'READY=1' "$tmp/notify.log" || fail "no READY=1 on NOTIFY_SOCKET within 10 s"
# READY means attached and pinned.
ip -d link show dev "$iface" | grep -q 'prog/xdp' || fail "READY=1 before the program was attached"
[ -e "$pin/sl_verdicts" ] || fail "READY=1 before the maps were pinned"
grep 'READY=1' "$tmp/notify.log" | grep -q 'STATUS=enforcing 2 rules on 1 interface' ||
  fail "READY=1 without the STATUS line: $(cat "$tmp/notify.log")"

scrape() { # scrape OUT: GET /metrics, checked by promtool
  curl -sS --max-time 5 -o "$1" -w '%{http_code} %{content_type}\n' "$url" >"$1.status" ||
    fail "curl $url failed"
  read -r code ctype <"$1.status"
  [ "$code" = 200 ] || fail "GET /metrics answered $code"
  case "$ctype" in "text/plain; version=0.0.4"*) ;; *) fail "content type $ctype" ;; esac
  promtool check metrics <"$1" >"$1.lint" 2>&1 || fail "promtool check metrics: $(cat "$1.lint")"
}

metric() { # metric FILE 'NAME{LABELS}': its value (the sample must be there)
  local v
  v=$(awk -v k="$2" '$1 == k { print $2 }' "$1")
  [ -n "$v" ] || fail "no sample $2 in the scrape"
  echo "$v"
}

# Scrapes into OUT until SAMPLE has VALUE (the logger publishes once a second), at most 10 s.
scrape_until() { # scrape_until OUT SAMPLE VALUE
  local i
  for i in $(seq 50); do
    scrape "$1"
    [ "$(awk -v k="$2" '$1 == k { print $2 }' "$1")" = "$3" ] && return 0
    sleep 0.2
  done
  return 0 # the caller's assertions say what is wrong
}

url=http://127.0.0.1:$port/metrics
scrape "$tmp/before.txt"
[ "$(metric "$tmp/before.txt" 'sluice_packets_total{verdict="drop"}')" = 0 ] || fail "drops before any traffic"

n_pass=30
n_drop=17
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 5000 --count $n_pass --gap 0.001 >/dev/null
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 9999 --count $n_drop --gap 0.001 >/dev/null
scrape_until "$tmp/after.txt" 'sluice_logger_written_records_total{output="json"}' $n_drop
m=$tmp/after.txt
[ "$(metric "$m" 'sluice_packets_total{verdict="drop"}')" = $n_drop ] || fail "drop count is not $n_drop"
[ "$(metric "$m" 'sluice_reason_packets_total{reason="rule"}')" = $n_drop ] || fail "rule reason is not $n_drop"
[ "$(metric "$m" 'sluice_rule_packets_total{rule="deny-udp-9999"}')" = $n_drop ] || fail "rule counter is not $n_drop"
[ "$(metric "$m" 'sluice_rule_packets_total{rule="count-udp-5000"}')" = $n_pass ] || fail "count rule is not $n_pass"
# Per ingress interface: every drop came in on the firewall's interface.
[ "$(metric "$m" "sluice_interface_packets_total{interface=\"$iface\",verdict=\"drop\"}")" = $n_drop ] ||
  fail "interface drop count is not $n_drop: $(grep sluice_interface_packets_total "$m")"
pass=$(metric "$m" 'sluice_packets_total{verdict="pass"}')
[ "$pass" -ge $n_pass ] || fail "only $pass packets passed, sent $n_pass"
# UDP to port 5000 over IPv4 without VLAN: 14 + 20 + 8 + payload; the rule's bytes are the sender's frames.
rb=$(metric "$m" 'sluice_rule_bytes_total{rule="deny-udp-9999"}')
[ $((rb % n_drop)) -eq 0 ] && [ "$rb" -ge $((n_drop * 42)) ] || fail "rule bytes $rb for $n_drop frames"
[ "$(metric "$m" 'sluice_log_events_emitted_total')" = $n_drop ] || fail "events emitted is not $n_drop"
[ "$(metric "$m" 'sluice_log_events_dropped_total{source="xdp",reason="ring_full"}')" = 0 ] || fail "ring full"
[ "$(metric "$m" 'sluice_logger_written_records_total{output="json"}')" = $n_drop ] ||
  fail "logger wrote $(metric "$m" 'sluice_logger_written_records_total{output="json"}') JSON lines, not $n_drop"
[ "$(metric "$m" 'sluice_log_events_dropped_total{source="logger",reason="disk_full"}')" = 0 ] || fail "disk full"
# Placement: the prefix tables asked for the fast tier, on node 0 of this machine.
grep -q '^sluice_memory_bytes{name="sl_dir24",kind="map",pool="prefix_tables",tier="fast"} [1-9]' "$m" ||
  fail "no placement of sl_dir24: $(grep sluice_memory_bytes "$m")"
[ "$(metric "$m" 'sluice_memory_node_info{name="sl_dir24",node="0"}')" = 1 ] || fail "sl_dir24 not on node 0"
grep -q '^sluice_memory_pages{name="sl_dir24",node="0"} [1-9]' "$m" || fail "no measured pages of sl_dir24 on node 0"
# Another scrape sees the same counters (nothing counted twice or reset).
scrape "$tmp/again.txt"
[ "$(metric "$tmp/again.txt" 'sluice_packets_total{verdict="drop"}')" = $n_drop ] || fail "second scrape differs"

# Only GET /metrics.
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
[ "$code" = 404 ] || fail "GET / answered $code, not 404"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics/x")
[ "$code" = 404 ] || fail "GET /metrics/x answered $code, not 404"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X POST -d x=1 "$url")
[ "$code" = 405 ] || fail "POST /metrics answered $code, not 405"
allow=$(curl -sS --max-time 5 -o /dev/null -D - -X DELETE "$url" | tr -d '\r' | sed -n 's/^[Aa]llow: //p')
[ "$allow" = GET ] || fail "405 without 'Allow: GET' (got '$allow')"

# sluicectl stats carries the logger's counters (issue 6), in JSON and text, also with --daemon.
"$sluicectl" -j -p "$pin" stats >"$tmp/stats.json" || fail "sluicectl -j stats failed"
python3 - "$tmp/stats.json" "$n_drop" "$iface" <<'PY' || fail "bad events in sluicectl -j stats: $(cat "$tmp/stats.json")"
import json, sys
d, n = json.load(open(sys.argv[1])), int(sys.argv[2])
assert d["verdicts"]["drop"]["packets"] == n, d["verdicts"]
ifs = [i for i in d["interfaces"] if i["name"] == sys.argv[3]]
assert len(ifs) == 1 and ifs[0]["drop"]["packets"] == n and ifs[0]["pass"]["packets"] >= 30, d["interfaces"]
ev = d["events"]
assert ev["xdp"]["emitted"] == n and ev["xdp"]["ring_full"] == 0, ev
assert ev["logger"]["records"] == n and ev["logger"]["json_written"] == n, ev
assert ev["logger"]["drop_disk_full"] == 0 and ev["logger"]["disk_full"] == 0, ev
PY
"$sluicectl" -p "$pin" stats >"$tmp/stats.txt" || fail "sluicectl stats failed"
awk '$1 == "emitted" { e = $2 } $1 == "json_written" { j = $2 } END { exit !(e == n && j == n) }' \
  n=$n_drop "$tmp/stats.txt" || fail "sluicectl stats text lacks the event counters: $(cat "$tmp/stats.txt")"
"$sluicectl" -j -p "$pin" -s "$tmp/control.sock" stats --daemon >"$tmp/dstats.json" ||
  fail "sluicectl stats --daemon failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["events"]["xdp"]["emitted"] == int(sys.argv[2]), d["events"]' \
  "$tmp/dstats.json" "$n_drop" || fail "sluicectl stats --daemon lacks the event counters"
# STATS over the socket carries the per-interface counters: the same as the
# pins'. Stray packets (IPv6 ND) may move them: a daemon read counts when the
# pins read the same just before and just after it.
same_ifaces=
for _ in $(seq 10); do
  "$sluicectl" -j -p "$pin" stats >"$tmp/p1.json" || fail "sluicectl -j stats failed"
  "$sluicectl" -j -p "$pin" -s "$tmp/control.sock" stats --daemon >"$tmp/dstats.json" ||
    fail "sluicectl stats --daemon failed"
  "$sluicectl" -j -p "$pin" stats >"$tmp/p2.json" || fail "sluicectl -j stats failed"
  if python3 - "$tmp/p1.json" "$tmp/dstats.json" "$tmp/p2.json" "$iface" "$n_drop" <<'PY'; then same_ifaces=1; break; fi
import json, sys
p1, dm, p2 = (json.load(open(f))["interfaces"] for f in sys.argv[1:4])
if p1 != p2:
    sys.exit(1)  # the counters moved: read again
assert dm == p1, f"daemon {dm} != pins {p1}"
i = [x for x in dm if x["name"] == sys.argv[4]]
assert len(i) == 1 and i[0]["drop"]["packets"] == int(sys.argv[5]), dm
PY
  sleep 0.2
done
[ -n "$same_ifaces" ] || fail "stats --daemon interfaces differ from the pins': $(cat "$tmp/dstats.json")"
"$sluicectl" -s "$tmp/control.sock" stats --daemon >"$tmp/dstats.txt" || fail "sluicectl stats --daemon (text) failed"
grep -Eq "^$iface +drop +$n_drop " "$tmp/dstats.txt" ||
  fail "sluicectl stats --daemon (text) lacks $iface's drops: $(cat "$tmp/dstats.txt")"

# The watchdog: WATCHDOG_USEC=1000000, so a WATCHDOG=1 about every 500 ms,
# also from the idle main loop, and never a gap as long as the watchdog.
sleep 1.5
python3 - "$tmp/notify.log" <<'PY' || fail "bad WATCHDOG=1 pings: $(cat "$tmp/notify.log")"
import sys
lines = [l.split(None, 1) for l in open(sys.argv[1]) if l[0].isdigit()]
ready = next(float(t) for t, m in lines if "READY=1" in m)
ts = [float(t) for t, m in lines if "WATCHDOG=1" in m]
assert ts and ts[0] > ready, "a ping before READY=1"
span = ts[-1] - ready
assert len(ts) >= span / 0.5 - 2 and len(ts) >= 3, (len(ts), span)
gaps = [b - a for a, b in zip([ready] + ts, ts)]
assert max(gaps) < 1.0, max(gaps)
PY
n_wd=$(grep -c 'WATCHDOG=1' "$tmp/notify.log" || true)

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc"
for _ in $(seq 50); do grep -q 'STOPPING=1' "$tmp/notify.log" && break; sleep 0.1; done
grep -q 'STOPPING=1' "$tmp/notify.log" || fail "no STOPPING=1 on exit"
code=$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$url" 2>/dev/null || true)
[ "$code" = 000 ] || fail "the endpoint still answers ($code) after sluiced exited"

# IPv6: [::1]:PORT (skipped where the host has no IPv6 loopback).
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
  write_config "$tmp/m6.yaml" "[::1]:$port"
  "$sluiced" -c "$tmp/m6.yaml" --pin-dir "$pin" --socket "$tmp/control.sock" 2>"$tmp/sluiced.log" &
  daemon=$!
  url="http://[::1]:$port/metrics"
  for _ in $(seq 100); do
    curl -s --max-time 1 -o /dev/null "$url" && break
    kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start (IPv6 listen)"
    sleep 0.1
  done
  sl_in_ns python3 "$traffic" udp --src "$SL_PEER6" --dst "$SL_ADDR6" --port 9999 --count 3 --gap 0.001 >/dev/null
  scrape "$tmp/v6.txt"
  [ "$(metric "$tmp/v6.txt" 'sluice_packets_total{verdict="drop"}')" = 3 ] || fail "IPv6 endpoint: drops are not 3"
  kill -TERM "$daemon"
  wait "$daemon" || fail "sluiced (IPv6 listen) exited with an error"
  daemon=
fi

# deploy/sluiced.service's capabilities are enough and each is needed:
# sluiced under exactly that bounding set (and LimitMEMLOCK=infinity)
# enforces and logs; without any one of them it refuses to start. The
# control group makes CAP_CHOWN matter: root is not in nogroup.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$src/deploy/sluiced.service")
[ -n "$caps" ] || fail "no CapabilityBoundingSet in deploy/sluiced.service"
setpriv_caps() { # setpriv_caps CAP...: "+bpf,+chown,..." for setpriv
  local c out=""
  for c in "$@"; do c=${c#CAP_}; out+=",+${c,,}"; done
  echo "-all$out"
}
write_config "$tmp/caps.yaml" "127.0.0.1:$port"
echo "control: {group: nogroup}" >>"$tmp/caps.yaml"
start_limited() { # start_limited BOUNDING-SET
  # LimitMEMLOCK=infinity where we may raise it (a container may lack
  # CAP_SYS_RESOURCE); the test's small buffers fit the usual 8 MiB anyway.
  ( ulimit -l unlimited 2>/dev/null || true
    exec setpriv --bounding-set="$1" --inh-caps=-all -- "$sluiced" -c "$tmp/caps.yaml" --pin-dir "$pin" \
      --socket "$tmp/run/control.sock" ) 2>"$tmp/sluiced.log" &
  daemon=$!
}
# shellcheck disable=SC2086
start_limited "$(setpriv_caps $caps)"
url=http://127.0.0.1:$port/metrics
for _ in $(seq 100); do
  curl -s --max-time 1 -o /dev/null "$url" && [ -e "$pin/sl_verdicts" ] && break
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start with the unit's capabilities ($caps)"
  sleep 0.1
done
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 9999 --count 5 --gap 0.001 >/dev/null
scrape_until "$tmp/caps.txt" 'sluice_logger_written_records_total{output="json"}' 5
[ "$(metric "$tmp/caps.txt" 'sluice_packets_total{verdict="drop"}')" = 5 ] || fail "with the unit's capabilities: drops are not 5"
[ "$(metric "$tmp/caps.txt" 'sluice_logger_written_records_total{output="json"}')" = 5 ] ||
  fail "with the unit's capabilities: the logger did not write 5 events"
[ "$(stat -c %G "$tmp/run/control.sock")" = nogroup ] || fail "control.sock is not in group nogroup"
kill -TERM "$daemon"
wait "$daemon" || fail "sluiced (unit's capabilities) exited with an error"
daemon=
for drop in $caps; do
  keep=()
  for c in $caps; do [ "$c" = "$drop" ] || keep+=("$c"); done
  start_limited "$(setpriv_caps "${keep[@]}")"
  for _ in $(seq 300); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$daemon" 2>/dev/null; then
    fail "sluiced runs without $drop: the unit need not grant it"
  fi
  rc=0
  wait "$daemon" || rc=$?
  daemon=
  [ $rc -ne 0 ] || fail "sluiced exited 0 without $drop"
  ! ip -d link show dev "$iface" | grep -q 'prog/xdp' || fail "a start without $drop left the program attached"
  [ ! -e "$pin" ] || fail "a start without $drop left pins"
done

# A listen address in use is refused at start, in one line, with nothing left behind.
python3 -c 'import socket,time,sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); open(sys.argv[2], "w").close(); time.sleep(60)' \
  "$port" "$tmp/blocking" &
blocker=$!
for _ in $(seq 100); do [ -e "$tmp/blocking" ] && break; sleep 0.1; done
[ -e "$tmp/blocking" ] || fail "could not occupy port $port for the busy-port check"
rc=0
timeout 30 "$sluiced" -c "$tmp/m4.yaml" --pin-dir "$pin" --socket "$tmp/control.sock" 2>"$tmp/busy.err" || rc=$?
kill "$blocker" 2>/dev/null || true
wait "$blocker" 2>/dev/null || true
[ $rc -ne 0 ] || fail "sluiced started on a busy metrics port"
[ $rc -ne 124 ] || fail "sluiced kept running on a busy metrics port"
grep -q "metrics: cannot listen on 127.0.0.1:$port: Address already in use" "$tmp/busy.err" ||
  fail "busy port error: $(cat "$tmp/busy.err")"
! ip -d link show dev "$iface" | grep -q 'prog/xdp' || fail "a refused start left the program attached"
[ ! -e "$pin" ] || fail "a refused start left pins"

echo "ok: $n_drop drops and $n_pass passes scraped and linted; READY, $n_wd WATCHDOG, STOPPING notified"
