#!/usr/bin/env bash
# Steering into AF_XDP workers (docs/dataplane.md) on a veth pair:
#  1. a UDP flow a steer rule matches is served by a worker running the
#     reflect stage: the sender gets every datagram back, swapped, and the
#     worker's counters, the steer verdict and sl_steer_stats agree; the
#     Prometheus endpoint's sluice_worker_* series are the status counters
#     and pass `promtool check metrics`;
#  2. frame accounting under load: every status sample taken while packets
#     flow adds up to the UMEM's frames, and at rest no frame is missing;
#  3. no socket on the queue: fail-open passes steered packets to the
#     kernel, fail-closed drops them, counted; both with the worker never
#     started (no dataplane section) and with it stopped (sluiced gone,
#     the program kept enforcing by keep_enforcing).
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
ns=slst$$
iface=slst0
peer=slst0p
pin=/sys/fs/bpf/slst$$
tmp=$(mktemp -d)
sock=$tmp/control.sock
daemon=
listener=
cpu=$(($(nproc) - 1))
metrics_port=19471

fail() {
  echo "FAIL: $*" >&2
  [ -s "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  [ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
  # A pinned link (keep_enforcing) goes with its pin, before the namespace.
  rm -rf "$pin"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus; tools/lib.sh installs it)"
python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null || {
  echo "SKIP: no AF_XDP sockets in this kernel"
  exit 77
}
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"
# The peer's UDP checksums are left to the (absent) hardware by veth's
# offload; a reflected frame keeps what it carries, so the sender computes
# them itself here, as a real NIC would have.
sl_in_ns ethtool -K "$peer" tx off >/dev/null || fail "cannot turn off tx checksum offload on $peer"

# ------------------------------------------------------------------ helpers

cat >"$tmp/udp.py" <<'PY'
# echo SRC DST PORT N: sends N numbered datagrams from one socket and counts
#   what comes back to it (a reflector answers from DST:PORT); JSON out.
# listen ADDR PORT READY: counts datagrams until SIGTERM; JSON out.
import json, signal, socket, sys, threading, time

def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET

mode = sys.argv[1]
if mode == "echo":
    src, dst, port, n = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    s = socket.socket(fam(dst), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE: no reply lost to a full buffer
    s.bind((src, 0))
    s.connect((dst, port))
    sent, got, bad = set(), set(), 0
    done = threading.Event()
    def rx():
        global bad
        s.settimeout(0.2)
        quiet = None
        while True:
            try:
                d = s.recv(2048)
            except socket.timeout:
                if done.is_set():
                    quiet = quiet or time.time()
                    if len(got) >= n or time.time() - quiet > 2:
                        return
                continue
            except ConnectionRefusedError:
                continue  # an ICMP error for a datagram the kernel answered
            if d in sent or d.startswith(b"slst"):
                got.add(d)
            else:
                bad += 1
    t = threading.Thread(target=rx)
    t.start()
    for i in range(n):
        p = b"slst%08d" % i
        sent.add(p)
        try:
            s.send(p)
        except ConnectionRefusedError:
            s.send(p)
        if i % 64 == 63:
            time.sleep(0.002)  # paced: the test is about correctness, not the peak
    done.set()
    t.join()
    print(json.dumps({"sent": n, "received": len(got), "matched": len(got & sent), "foreign": bad}))
elif mode == "listen":
    addr, port, ready = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket(fam(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)
    s.bind((addr, port))
    count = 0
    stop = False
    def term(*_):
        global stop
        stop = True
    signal.signal(signal.SIGTERM, term)
    open(ready, "w").close()
    s.settimeout(0.1)
    while not stop:
        try:
            s.recv(2048)
            count += 1
        except socket.timeout:
            pass
    print(json.dumps({"received": count}))
PY

json_get() { # json_get FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

start_daemon() { # start_daemon CONFIG
  "$sluiced" -c "$1" --pin-dir "$pin" --socket "$sock" 2>"$tmp/sluiced.log" &
  daemon=$!
  for _ in $(seq 100); do
    if [ -e "$pin/sl_verdicts" ] && [ -S "$sock" ] && "$sluicectl" -s "$sock" -j status >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
    sleep 0.1
  done
  fail "sluiced did not come up within 10 s"
}

stop_daemon() {
  kill -TERM "$daemon"
  local rc=0
  wait "$daemon" || rc=$?
  daemon=
  [ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
}

status() { # status FILE
  "$sluicectl" -s "$sock" -j status >"$1" || fail "sluicectl status failed"
}

# steer_stat NAME: sl_steer_stats[NAME] packets summed over CPUs, from the pin.
steer_stat() {
  local key
  case $1 in redirected) key=0 ;; no_socket_pass) key=1 ;; no_socket_drop) key=2 ;; esac
  bpftool -j map lookup pinned "$pin/sl_steer_stats" key $key 0 0 0 |
    python3 -c '
import json, sys
d = json.load(sys.stdin)
if "formatted" in d:  # with BTF: the struct sl_counter by field
    print(sum(v["value"]["packets"] for v in d["formatted"]["values"]))
else:  # raw: packets is the first little-endian u64 of each CPU value
    print(sum(int.from_bytes(bytes(int(b, 16) for b in v["value"][:8]), "little") for v in d["values"]))'
}

stats() { # stats FILE: the counters from the pinned maps (also with sluiced gone)
  "$sluicectl" -j -p "$pin" stats >"$1" || fail "sluicectl stats failed"
}

echo_flow() { # echo_flow SRC DST PORT N OUT
  sl_in_ns python3 "$tmp/udp.py" echo "$1" "$2" "$3" "$4" >"$5" || fail "sender failed"
}

write_config() { # write_config FILE NO_SOCKET KEEP WORKERS(yes|no)
  {
    cat <<EOF
version: 1
settings: {default_policy: accept, keep_enforcing: $3}
interfaces:
  - name: $iface
rules:
  - name: to-worker
    protocol: udp
    dport: 7777
    action: steer
steering: {no_socket: $2}
EOF
    if [ "$4" = yes ]; then
      cat <<EOF
dataplane:
  frames: 4096
  ring_size: 2048
  batch: 64
  interfaces:
    - name: $iface
      stages: [reflect]
      workers: [{queue: 0, cpu: $cpu}]
EOF
    fi
  } >"$1"
}

# ------------------------------------------------ 1. steer to a reflector
write_config "$tmp/reflect.yaml" pass false yes
printf 'metrics:\n  listen: 127.0.0.1:%s\n' "$metrics_port" >>"$tmp/reflect.yaml"
start_daemon "$tmp/reflect.yaml"
status "$tmp/st0.json"
python3 - "$tmp/st0.json" "$cpu" <<'PY' || fail "worker not reported as configured"
import json, sys
d = json.load(open(sys.argv[1])); cpu = int(sys.argv[2])
w = d["workers"]
assert len(w) == 1, w
w = w[0]
assert w["interface"] == "slst0" and w["queue"] == 0 and w["cpu"] == cpu, w
assert w["running"] is True and w["stages"] == "reflect", w
assert w["mode"] in ("copy", "zero-copy"), w
assert w["frames"]["total"] == 4096 and w["frames"]["accounted"] is True, w
umem = [p for p in d["placement"] if p["pool"] == "umem"]
assert len(umem) == 1 and umem[0]["bytes"] >= 4096 * 4096, d["placement"]
PY

n=500
echo_flow "$SL_PEER4" "$SL_ADDR4" 7777 $n "$tmp/echo4.json"
echo_flow "$SL_PEER6" "$SL_ADDR6" 7777 $n "$tmp/echo6.json"
# Not steered: the kernel's (no listener there), never reflected.
echo_flow "$SL_PEER4" "$SL_ADDR4" 7778 50 "$tmp/echo_other.json"
for f in echo4 echo6; do
  [ "$(json_get "$tmp/$f.json" 'd["received"]')" -eq $n ] || fail "$f: $(cat "$tmp/$f.json"): not every datagram came back"
  [ "$(json_get "$tmp/$f.json" 'd["matched"]')" -eq $n ] || fail "$f: replies differ from what was sent"
  [ "$(json_get "$tmp/$f.json" 'd["foreign"]')" -eq 0 ] || fail "$f: foreign datagrams"
done
[ "$(json_get "$tmp/echo_other.json" 'd["received"]')" -eq 0 ] || fail "an unsteered flow was reflected"

sleep 0.3
status "$tmp/st1.json"
stats "$tmp/stats1.json"
python3 - "$tmp/st1.json" "$tmp/stats1.json" $((2 * n)) <<'PY' || fail "counters do not match the traffic"
import json, sys
st = json.load(open(sys.argv[1])); cnt = json.load(open(sys.argv[2])); n = int(sys.argv[3])
w = st["workers"][0]
def check(c, what):
    if not c:
        print(f"check failed: {what}: worker {json.dumps(w)} stats {json.dumps(cnt)}", file=sys.stderr)
        sys.exit(1)
check(w["rx_packets"] == n, "worker received every steered packet")
check(w["tx_packets"] == n, "worker transmitted every one")
check(w["drops"] == {"stage": 0, "undecided": 0, "tx_full": 0}, "no worker drops")
check(w["rx_bytes"] == w["tx_bytes"] and w["rx_bytes"] > 0, "bytes in = bytes out")
check(w["batches"] >= 1 and w["batches"] <= n, "batches")
check(cnt["verdicts"]["steer"]["packets"] == n, "steer verdicts")
check(cnt["reasons"]["no_socket"]["packets"] == 0, "no no_socket drops")
f = w["frames"]
check(f["accounted"] and f["miscounts"] == 0, "frame accounting")
check(f["free"] + f["in_hand"] + f["fill_ring"] + f["kernel"] + f["completion_ring"] == f["total"], "frame sum")
PY
[ "$(steer_stat redirected)" -eq $((2 * n)) ] || fail "sl_steer_stats redirected $(steer_stat redirected), want $((2 * n))"

# The worker's series on the metrics endpoint are the status counters: a
# scrape between two status reads at rest sees what they see (the idle
# counters, polls and wakeups, may only grow in between).
python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
  "http://127.0.0.1:$metrics_port/metrics" >"$tmp/metrics.txt" || fail "cannot scrape the metrics"
status "$tmp/st2.json"
promtool check metrics <"$tmp/metrics.txt" || fail "promtool check metrics refuses the scrape"
python3 - "$tmp/st1.json" "$tmp/metrics.txt" "$tmp/st2.json" <<'PY' || fail "metrics differ from the status counters"
import json, re, sys
a = json.load(open(sys.argv[1]))["workers"][0]
b = json.load(open(sys.argv[3]))["workers"][0]
series = {}
for line in open(sys.argv[2]):
    m = re.match(r'(sluice_worker_\w+)\{([^}]*)\} (\d+)$', line.strip())
    if m:
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        assert labels["interface"] == "slst0" and labels["queue"] == "0", line
        key = m.group(1) + "".join(f",{k}={v}" for k, v in sorted(labels.items())
                                   if k not in ("interface", "queue", "cpu", "mode", "stages"))
        series[key] = int(m.group(3))
exact = {
    "sluice_worker_rx_packets_total": lambda w: w["rx_packets"],
    "sluice_worker_rx_bytes_total": lambda w: w["rx_bytes"],
    "sluice_worker_tx_packets_total": lambda w: w["tx_packets"],
    "sluice_worker_tx_bytes_total": lambda w: w["tx_bytes"],
    "sluice_worker_drops_total,reason=stage": lambda w: w["drops"]["stage"],
    "sluice_worker_drops_total,reason=undecided": lambda w: w["drops"]["undecided"],
    "sluice_worker_drops_total,reason=tx_full": lambda w: w["drops"]["tx_full"],
    "sluice_worker_batch_size_sum": lambda w: w["rx_packets"],
    "sluice_worker_batch_size_count": lambda w: w["batches"],
    "sluice_worker_fill_empty_total": lambda w: w["fill_ring_empty"],
    "sluice_worker_kernel_drops_total,reason=rx_ring_full": lambda w: w["rx_ring_full"],
    "sluice_worker_kernel_drops_total,reason=other": lambda w: w["kernel_dropped"],
    "sluice_worker_refill_starved_total": lambda w: w["refill_starved"],
    "sluice_worker_frame_miscounts_total": lambda w: w["frames"]["miscounts"],
    "sluice_worker_running": lambda w: int(w["running"]),
    "sluice_worker_info": lambda w: 1,
}
growing = {
    "sluice_worker_wakeups_total": lambda w: w["wakeups"],
    "sluice_worker_polls_total": lambda w: w["polls"],
}
for k, f in exact.items():
    if not (f(a) == series.get(k) == f(b)):
        sys.exit(f"{k}: status {f(a)} then {f(b)}, metrics {series.get(k)}")
for k, f in growing.items():
    if not (k in series and f(a) <= series[k] <= f(b)):
        sys.exit(f"{k}: status {f(a)} then {f(b)}, metrics {series.get(k)}")
places = ("free", "in_hand", "fill_ring", "kernel", "completion_ring")
if sum(series[f"sluice_worker_frames,place={p}"] for p in places) != b["frames"]["total"]:
    sys.exit(f"frames by place do not add up to {b['frames']['total']}")
if a["rx_packets"] <= 0 or a["batches"] <= 0:
    sys.exit("nothing counted")
PY

# A reload makes a new program generation; it shares sl_xsks, so the worker
# serves on without a gap in its socket's slot.
generation() {
  bpftool -j map lookup pinned "$pin/sl_generation" key 0 0 0 0 | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["formatted"]["value"] if "formatted" in d else
      int.from_bytes(bytes(int(b, 16) for b in d["value"]), "little"))'
}
gen0=$(generation)
# One more rule, so that the reload builds a new generation.
python3 - "$tmp/reflect.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
rule = "  - {name: count-discard, protocol: udp, dport: 9, action: count}\n"
open(sys.argv[1], "w").write(text.replace("steering:", rule + "steering:", 1))
PY
kill -HUP "$daemon"
for _ in $(seq 100); do [ "$(generation)" -gt "$gen0" ] && break; sleep 0.1; done
[ "$(generation)" -gt "$gen0" ] || fail "SIGHUP made no new generation"
echo_flow "$SL_PEER4" "$SL_ADDR4" 7777 100 "$tmp/echo_reload.json"
[ "$(json_get "$tmp/echo_reload.json" 'd["received"]')" -eq 100 ] ||
  fail "after a reload: $(cat "$tmp/echo_reload.json")"
status "$tmp/st1.json"

# ------------------------------------------- 2. frame accounting under load
load=10000
echo_flow "$SL_PEER4" "$SL_ADDR4" 7777 $load "$tmp/load.json" &
sender=$!
samples=0
while kill -0 $sender 2>/dev/null; do
  "$sluicectl" -s "$sock" -j status >"$tmp/sample.$samples.json" 2>/dev/null && samples=$((samples + 1))
  sleep 0.02
done
wait $sender || fail "the load sender failed"
[ $samples -ge 3 ] || fail "only $samples status samples under load"
# At rest: nothing in hand, nothing in the kernel, nothing to reap.
sleep 0.5
status "$tmp/rest.json"
python3 - "$tmp" $samples $load "$tmp/load.json" "$tmp/rest.json" "$tmp/st1.json" <<'PY' || fail "frame accounting"
import json, sys
tmp, samples, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sent = json.load(open(sys.argv[4])); rest = json.load(open(sys.argv[5]))["workers"][0]
before = json.load(open(sys.argv[6]))["workers"][0]
for i in range(samples):
    w = json.load(open(f"{tmp}/sample.{i}.json"))["workers"][0]
    f = w["frames"]
    total = f["free"] + f["in_hand"] + f["fill_ring"] + f["kernel"] + f["completion_ring"]
    if total != f["total"] or not f["accounted"] or f["miscounts"]:
        sys.exit(f"sample {i}: frames {f} add up to {total}")
rx = rest["rx_packets"] - before["rx_packets"]
tx = rest["tx_packets"] - before["tx_packets"]
drops = sum(rest["drops"].values()) - sum(before["drops"].values())
# A worker descheduled long enough on a busy machine lets the kernel drop at
# the socket (RX ring full, no fill frame): counted there, never lost.
kdrops = sum(rest[k] - before[k] for k in ("rx_ring_full", "kernel_dropped"))
if rx + kdrops != load or tx + drops != rx or sent["received"] != tx:
    sys.exit(f"load: sent {load}, worker rx {rx} tx {tx} dropped {drops}, kernel dropped {kdrops}, "
             f"sender got {sent['received']}")
# At rest nothing is in hand, in flight or waiting to be reaped: every frame
# is free or on the fill ring (a frame whose packet the kernel dropped stays
# in the kernel's own cache for the next packet).
f = rest["frames"]
if not (f["accounted"] and f["miscounts"] == 0 and f["in_hand"] == 0 and f["kernel"] <= kdrops
        and f["completion_ring"] == 0 and f["free"] + f["fill_ring"] + f["kernel"] == f["total"]):
    sys.exit(f"at rest a frame is missing or held: {f}")
print(f"frame accounting: {samples} samples under load, {load} packets, avg batch {rest['avg_batch']:.1f}")
PY
stop_daemon
[ ! -e "$pin" ] || fail "pins left after SIGTERM"

# --------------------------------------- 3. no socket: fail-open / fail-closed

# listener_start: counts what the kernel delivers to 198.18.0.1:7777 (root namespace).
listener_start() {
  rm -f "$tmp/ready"
  python3 "$tmp/udp.py" listen "$SL_ADDR4" 7777 "$tmp/ready" >"$tmp/listen.json" &
  listener=$!
  for _ in $(seq 50); do [ -e "$tmp/ready" ] && return 0; sleep 0.1; done
  fail "listener did not start"
}

# listener_stop: stops it and waits for its report. Not in a $(...): a
# subshell cannot wait for the listener, and would read the report early.
listener_stop() {
  sleep 0.3
  kill -TERM "$listener"
  wait "$listener" || true
  listener=
}

# check_no_socket POLICY WHEN: 100 steered datagrams with no socket on the queue.
check_no_socket() {
  local policy=$1 when=$2 got want pass0 drop0 reason0
  pass0=$(steer_stat no_socket_pass) drop0=$(steer_stat no_socket_drop)
  stats "$tmp/ns0.json"
  reason0=$(json_get "$tmp/ns0.json" 'd["reasons"]["no_socket"]["packets"]')
  listener_start
  echo_flow "$SL_PEER4" "$SL_ADDR4" 7777 100 "$tmp/ns_echo.json"
  listener_stop
  got=$(json_get "$tmp/listen.json" 'd["received"]')
  [ "$(json_get "$tmp/ns_echo.json" 'd["received"]')" -eq 0 ] || fail "$when/$policy: reflected without a worker"
  stats "$tmp/ns1.json"
  if [ "$policy" = pass ]; then
    [ "$got" -eq 100 ] || fail "$when/fail-open: the kernel got $got of 100"
    [ $(($(steer_stat no_socket_pass) - pass0)) -eq 100 ] || fail "$when/fail-open: pass counter"
    [ $(($(steer_stat no_socket_drop) - drop0)) -eq 0 ] || fail "$when/fail-open: drop counter moved"
    want=0
  else
    [ "$got" -eq 0 ] || fail "$when/fail-closed: the kernel got $got"
    [ $(($(steer_stat no_socket_drop) - drop0)) -eq 100 ] || fail "$when/fail-closed: drop counter"
    [ $(($(steer_stat no_socket_pass) - pass0)) -eq 0 ] || fail "$when/fail-closed: pass counter moved"
    want=100
  fi
  [ $(($(json_get "$tmp/ns1.json" 'd["reasons"]["no_socket"]["packets"]') - reason0)) -eq $want ] ||
    fail "$when/$policy: reason no_socket counted wrong"
}

# Never started: steering configured, no worker on the queue.
for policy in pass drop; do
  write_config "$tmp/noworker.yaml" $policy false no
  start_daemon "$tmp/noworker.yaml"
  status "$tmp/nw.json"
  [ "$(json_get "$tmp/nw.json" 'len(d["workers"])')" -eq 0 ] || fail "workers without a dataplane section"
  check_no_socket $policy never-started
  stop_daemon
done

# Stopped: the worker served, then sluiced went away and the program kept enforcing.
for policy in pass drop; do
  write_config "$tmp/stop.yaml" $policy true yes
  start_daemon "$tmp/stop.yaml"
  echo_flow "$SL_PEER4" "$SL_ADDR4" 7777 50 "$tmp/pre.json"
  [ "$(json_get "$tmp/pre.json" 'd["received"]')" -eq 50 ] || fail "stopped/$policy: not served before the stop"
  stop_daemon
  ip -d link show dev "$iface" | grep -q 'prog/xdp' || fail "keep_enforcing: the program went with sluiced"
  check_no_socket $policy stopped
  "$sluiced" -c "$tmp/stop.yaml" --pin-dir "$pin" --detach 2>>"$tmp/sluiced.log" || fail "sluiced --detach"
  ! ip -d link show dev "$iface" | grep -q 'prog/xdp' || fail "--detach left the program"
  [ ! -e "/run/sluiced/${pin##*/}" ] || fail "--detach left the saved policy in /run/sluiced/${pin##*/}"
done
# ------------------------------- 4. multi-buffer asked for, busy polling on
write_config "$tmp/opts.yaml" pass false yes
sed -i 's/^  batch: 64$/  batch: 64\n  max_frame: 9000\n  busy_poll: {budget: 16, timeout_us: 10}/' "$tmp/opts.yaml"
grep -q 'max_frame: 9000' "$tmp/opts.yaml" || fail "cannot write the options config"
start_daemon "$tmp/opts.yaml"
echo_flow "$SL_PEER4" "$SL_ADDR4" 7777 200 "$tmp/opts_echo.json"
[ "$(json_get "$tmp/opts_echo.json" 'd["received"]')" -eq 200 ] ||
  fail "with multi-buffer and busy polling: $(cat "$tmp/opts_echo.json")"
status "$tmp/opts.json"
python3 - "$tmp/opts.json" <<'PY' || fail "options not reported"
import json, sys
w = json.load(open(sys.argv[1]))["workers"][0]
# Multi-buffer either took or is reported refused; busy polling took (root may set it).
assert w["multi_buffer"] != w["multi_buffer_refused"], w
assert w["busy_poll"] is True and w["rx_packets"] == 200 and w["tx_packets"] == 200, w
assert w["frames"]["accounted"] and w["frames"]["miscounts"] == 0, w
PY
stop_daemon

# ------------------------- 5. a stage's drops are events in the deny log
write_config "$tmp/dropstage.yaml" pass false yes
sed -i 's/stages: \[reflect\]/stages: [drop]/' "$tmp/dropstage.yaml"
printf 'logging:\n  json: %s\n' "$tmp/events.json" >>"$tmp/dropstage.yaml"
grep -q 'stages: \[drop\]' "$tmp/dropstage.yaml" || fail "cannot write the drop-stage config"
start_daemon "$tmp/dropstage.yaml"
echo_flow "$SL_PEER4" "$SL_ADDR4" 7777 40 "$tmp/drop4.json"
echo_flow "$SL_PEER6" "$SL_ADDR6" 7777 30 "$tmp/drop6.json"
status "$tmp/drop.json"
stop_daemon # the logger drains its rings before sluiced exits
python3 - "$tmp/drop.json" "$tmp/events.json" "$iface" "$SL_PEER4" "$SL_PEER6" <<'PY' || fail "stage drops not logged"
import json, sys
w = json.load(open(sys.argv[1]))["workers"][0]
assert w["drops"]["stage"] == 70, w
ev = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
ev = [e for e in ev if e["source"] == f"worker-{sys.argv[3]}-q0"]
assert len(ev) == 70, len(ev)
assert all(e["verdict"] == "drop" and e["reason"] == "stage" and e["rule"] is None and e["dport"] == 7777
           for e in ev), ev[0]
assert sum(e["src"] == sys.argv[4] for e in ev) == 40 and sum(e["src"] == sys.argv[5] for e in ev) == 30, ev[0]
PY
echo "ok: steer, reflect, reload, frame accounting, fail-open and fail-closed, options, stage drop events"
