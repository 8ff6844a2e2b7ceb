#!/usr/bin/env bash
# sluiced's control socket on a live daemon: the socket's and its
# directory's modes and group, `sluicectl status` fields against the
# system's own view, STATS over the socket against the pins, who may
# connect (root, the control group; others are refused by the file modes
# and, past them, by SO_PEERCRED with EPERM), malformed messages answered
# with NLMSG_ERROR while the daemon keeps serving, a stale socket after
# kill -9, a second daemon refused, and SIGTERM still detaching and
# removing pins, socket and directory.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
traffic=$src/tools/sltraffic.py
ns=sl-tctl$$
iface=sl-ctl0
peer=sl-ctl0p
pin=/sys/fs/bpf/sluice-tctl$$
# Under /run, not the private mktemp directory: other users must reach it.
rundir=/run/sl-tctl$$
sock=$rundir/control.sock
group=nogroup
tmp=$(mktemp -d)
daemon=

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$pin" "$pin-2" "$rundir"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
command -v setpriv >/dev/null || fail "needs setpriv (util-linux)"
getent group "$group" >/dev/null || fail "needs the group $group"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

sed "s/\bsl-fw0\b/$iface/g" "$src/configs/edge-firewall.yaml" >"$tmp/ctl.yaml"
cp -r "$src/configs/sets" "$tmp/" 2>/dev/null || true
printf 'control:\n  group: %s\n  socket: %s\n' "$group" "$sock" >>"$tmp/ctl.yaml"
# The prefix tables and the rule table placed by tier: status reports them (docs/tiers.md).
printf 'memory:\n  pools:\n    prefix_tables: fast\n    rule_tables: [0]\n' >>"$tmp/ctl.yaml"

json_get() { # json_get FILE PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

xdp_attached() {
  ip -d link show dev "$iface" | grep -q 'prog/xdp'
}

# Ready when it answers status: the socket is served only once the
# program is attached and pinned (stale pins and sockets of a killed
# daemon may still be there before that).
start_daemon() {
  "$sluiced" -c "$tmp/ctl.yaml" --pin-dir "$pin" 2>"$tmp/sluiced.log" &
  daemon=$!
  for _ in $(seq 100); do
    if "$sluicectl" -j -s "$sock" status >"$tmp/ready.json" 2>/dev/null &&
       [ "$(json_get "$tmp/ready.json" 'd["pid"]')" -eq "$daemon" ]; then
      [ -e "$pin/sl_verdicts" ] || fail "sluiced serves status before pinning"
      return 0
    fi
    kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
    sleep 0.1
  done
  fail "sluiced did not answer status within 10 s"
}

# The status of the running daemon, as JSON in $tmp/status.json.
status_ok() {
  "$sluicectl" -j -s "$sock" status >"$tmp/status.json" 2>"$tmp/status.err" ||
    fail "sluicectl status failed: $(cat "$tmp/status.err")"
  [ "$(json_get "$tmp/status.json" 'd["pid"]')" -eq "$daemon" ] || fail "status names another pid"
}

# --- The socket, its directory, and status. ---------------------------------
start_daemon
[ "$(stat -c '%a %u %G' "$rundir")" = "750 0 $group" ] || fail "socket directory is $(stat -c '%a %u %G' "$rundir")"
[ "$(stat -c '%a %u %G %F' "$sock")" = "660 0 $group socket" ] || fail "socket is $(stat -c '%a %u %G %F' "$sock")"

status_ok
rules=$("$sluiced" -c "$tmp/ctl.yaml" --check | sed -n 's/.*: ok, \([0-9]*\) rules.*/\1/p')
[ -n "$rules" ] || fail "sluiced --check gave no rule count"
if ip -d link show dev "$iface" | grep -q 'xdpgeneric'; then mode=generic; else mode=native; fi
python3 - "$tmp/status.json" "$iface" "$(cat "/sys/class/net/$iface/ifindex")" "$mode" "$rules" \
  "$pin" "$tmp/ctl.yaml" "$(sed -n "s/^  version: '\(.*\)',/\1/p" "$src/meson.build")" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
iface, ifindex, mode, rules, pin, config, version = sys.argv[2:]
want = {
    "daemon_version": version, "protocol_version": 1, "pin_dir": pin, "config": config,
    "rules": int(rules), "keep_enforcing": False,
    "interfaces": [{"name": iface, "ifindex": int(ifindex), "xdp_mode": mode}],
}
for k, v in want.items():
    if d.get(k) != v:
        sys.exit(f"status {k} is {d.get(k)!r}, expected {v!r}: {json.dumps(d)}")
if not 0 <= d["uptime_ms"] < 120000:
    sys.exit(f"uptime_ms {d['uptime_ms']} out of range")
PY
  fail "status fields do not match the system"
# Placement: on this one-node machine every measured page of the placed
# maps is on node 0; sl_dir24's count is what move_pages finds in the map's
# memory, checked against the map's own size from bpftool.
dir24_id=$(bpftool -j map show pinned "$pin/sl_dir24" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
bpftool -j map show id "$dir24_id" >"$tmp/dir24.json" || fail "bpftool map show sl_dir24"
python3 - "$tmp/status.json" "$tmp/dir24.json" "$(getconf PAGESIZE)" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
info = json.load(open(sys.argv[2]))
page = int(sys.argv[3])
pl = {p["name"]: p for p in d["placement"]}
if sorted(pl) != ["sl_class_bits", "sl_dir24", "sl_dir8", "sl_pfx6"]:
    sys.exit(f"placement names {sorted(pl)}: {json.dumps(d['placement'])}")
for name, p in pl.items():
    want = {"kind": "map", "nodes": [0], "fell_back": False, "numa_flag": True}
    want.update({"pool": "rule_tables", "tier": "nodes", "requested_nodes": [0]} if name == "sl_class_bits"
                else {"pool": "prefix_tables", "tier": "fast", "requested_nodes": None})
    for k, v in want.items():
        if p.get(k) != v:
            sys.exit(f"{name}: {k} is {p.get(k)!r}, expected {v!r}: {json.dumps(p)}")
    if p["bytes"] <= 0:
        sys.exit(f"{name}: no bytes: {json.dumps(p)}")
dir24 = pl["sl_dir24"]
pages = -(-info["bytes_value"] * info["max_entries"] // page)
if not dir24["measured"] or dir24["page_size"] != page or dir24["pages"] != pages:
    sys.exit(f"sl_dir24 pages {dir24.get('pages')} of {dir24.get('page_size')}, expected {pages} of {page}: {json.dumps(dir24)}")
if dir24["node_pages"] != [{"node": 0, "pages": pages}] or dir24["absent"] != 0:
    sys.exit(f"sl_dir24 pages are not all on node 0: {json.dumps(dir24)}")
if dir24["bytes"] != pages * page:
    sys.exit(f"sl_dir24 bytes {dir24['bytes']}, expected {pages * page}")
# An LPM trie's elements cannot be measured from userspace.
if pl["sl_pfx6"]["measured"] or pl["sl_pfx6"]["node_pages"] is not None:
    sys.exit(f"sl_pfx6 claims a measurement: {json.dumps(pl['sl_pfx6'])}")
PY
  fail "status placement is wrong"
"$sluicectl" -s "$sock" status >"$tmp/status.txt" || fail "sluicectl status (text) failed"
grep -q "$iface ($mode)" "$tmp/status.txt" || fail "text status does not list $iface: $(cat "$tmp/status.txt")"
dir24_pages=$(json_get "$tmp/status.json" '[p["pages"] for p in d["placement"] if p["name"] == "sl_dir24"][0]')
grep -q "^  sl_dir24 (map, prefix_tables): tier fast -> nodes 0, BPF_F_NUMA_NODE, .* $dir24_pages pages of .*: node0=$dir24_pages\$" "$tmp/status.txt" ||
  fail "text status has no memory line for sl_dir24: $(cat "$tmp/status.txt")"
"$sluicectl" status help | grep -q '^Usage: sluicectl' || fail "status help"
if "$sluicectl" -s "$sock" status bogus 2>"$tmp/err"; then fail "status bogus succeeded"; fi
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a usage error is not one line: $(cat "$tmp/err")"

# --- STATS over the socket agrees with the pins. -----------------------------
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 9999 --count 7 --gap 0.001 >/dev/null
sl_in_ns python3 "$traffic" udp --src "$SL_PEER4" --dst "$SL_ADDR4" --port 53 --count 5 --gap 0.001 >/dev/null
"$sluicectl" -j -p "$pin" stats >"$tmp/before.json" || fail "stats from the pins failed"
"$sluicectl" -j -s "$sock" stats --daemon >"$tmp/daemon.json" || fail "stats --daemon failed"
"$sluicectl" -j -p "$pin" stats >"$tmp/after.json" || fail "stats from the pins failed"
python3 - "$tmp/before.json" "$tmp/daemon.json" "$tmp/after.json" <<'PY' || fail "stats over the socket disagree with the pins"
import json, sys
b, d, a = (json.load(open(f)) for f in sys.argv[1:])
def flat(x):
    out = {}
    for sec in ("verdicts", "reasons"):
        for k, v in x[sec].items():
            out[(sec, k, "p")], out[(sec, k, "b")] = v["packets"], v["bytes"]
    for r in x["rules"]:
        out[("rule", r["index"], r["name"], "p")], out[("rule", r["index"], r["name"], "b")] = r["packets"], r["bytes"]
    return out
fb, fd, fa = flat(b), flat(d), flat(a)
if not (fb.keys() == fd.keys() == fa.keys()):
    sys.exit(f"different counters: {sorted(set(fb) ^ set(fd))}")
bad = [k for k in fd if not fb[k] <= fd[k] <= fa[k]]
if bad:
    sys.exit(f"daemon counters outside the pins' before/after: {bad}")
if fd[("reasons", "default_policy", "p")] < 7:
    sys.exit("the 7 dropped packets are not in the daemon's counters")
if len(d["rules"]) == 0:
    sys.exit("no rules in the dump")
PY

# --- Who may connect. ----------------------------------------------------------
# Outside the group the directory's mode keeps a user out.
if setpriv --reuid=65534 --regid=65533 --clear-groups "$sluicectl" -s "$sock" status 2>"$tmp/err"; then
  fail "a user outside the control group got a status"
fi
grep -q "permission denied" "$tmp/err" || fail "no permission error: $(cat "$tmp/err")"
# A member of the group (here its primary group) is served.
setpriv --reuid=65534 --regid=65534 --clear-groups "$sluicectl" -j -s "$sock" status >"$tmp/member.json" 2>"$tmp/err" ||
  fail "a member of the control group was refused: $(cat "$tmp/err")"
[ "$(json_get "$tmp/member.json" 'd["pid"]')" -eq "$daemon" ] || fail "member status names another pid"
# ... and so is a member through a supplementary group (SO_PEERGROUPS).
setpriv --reuid=65534 --regid=65533 --groups=65534 "$sluicectl" -j -s "$sock" status >"$tmp/member.json" 2>"$tmp/err" ||
  fail "a supplementary member of the control group was refused: $(cat "$tmp/err")"
[ "$(json_get "$tmp/member.json" 'd["pid"]')" -eq "$daemon" ] || fail "member status names another pid"
# Past the file modes, the daemon's SO_PEERCRED check answers EPERM.
chmod 0755 "$rundir"
chmod 0666 "$sock"
rc=0
setpriv --reuid=65534 --regid=65533 --clear-groups "$sluicectl" -s "$sock" status 2>"$tmp/err" || rc=$?
chmod 0750 "$rundir"
chmod 0660 "$sock"
[ $rc -ne 0 ] || fail "a peer outside the group got a status past the file modes"
grep -q "permission denied: uid 65534 is not root and not in the control group" "$tmp/err" ||
  fail "SO_PEERCRED refusal does not say why: $(cat "$tmp/err")"

# --- Malformed messages get NLMSG_ERROR; the daemon keeps serving. ------------
python3 - "$sock" <<'PY' || fail "malformed messages were not answered as expected"
import errno, socket, struct, sys
NLMSG_ERROR, NLM_F_REQUEST, NLM_F_ACK_TLVS, NLM_F_CAPPED = 2, 1, 0x200, 0x100
def ask(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.send(data)
    r = s.recv(65536)
    s.close()
    length, typ, flags, seq, pid = struct.unpack_from("=IHHII", r)
    if length != len(r) or typ != NLMSG_ERROR:
        sys.exit(f"reply is not one NLMSG_ERROR: {r!r}")
    err, = struct.unpack_from("=i", r, 16)
    msg, off = "", 16 + 4 + 16
    if flags & NLM_F_ACK_TLVS:
        while off + 4 <= len(r):
            alen, atype = struct.unpack_from("=HH", r, off)
            if atype == 1:
                msg = r[off + 4:off + alen].rstrip(b"\0").decode()
            off += (alen + 3) & ~3
    return err, msg, seq
def expect(data, want_err, want_text, want_seq=None):
    err, msg, seq = ask(data)
    if err != -want_err or want_text not in msg or (want_seq is not None and seq != want_seq):
        sys.exit(f"{data[:24]!r}: got {err} {msg!r} seq {seq}, expected {-want_err} {want_text!r}")
def req(cmd=1, version=1, flags=NLM_F_REQUEST, seq=7, length=None, attrs=b""):
    body = struct.pack("=BBH", cmd, version, 0) + attrs
    return struct.pack("=IHHII", length or 16 + len(body), 0x10, flags, seq, 0) + body
expect(b"garbage!", errno.EINVAL, "short message: 8 bytes")
expect(req(length=4096, seq=11), errno.EINVAL, "nlmsg_len 4096 exceeds the 20 bytes received", 11)
expect(req(version=2, seq=12), errno.EPROTONOSUPPORT, "protocol version 2 is not supported", 12)
expect(req(attrs=struct.pack("=HH", 200, 2) + b"\0" * 4, seq=13), errno.EINVAL, "attribute length 200 exceeds", 13)
expect(req(cmd=6, seq=14), errno.EINVAL, "missing attribute rule_text", 14)
expect(req(cmd=99, seq=15), errno.EOPNOTSUPP, "unknown command 99", 15)
PY
kill -0 "$daemon" 2>/dev/null || fail "sluiced died on malformed messages"
status_ok

# --- SIGTERM detaches and removes pins, socket and directory. ----------------
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ $rc -eq 0 ] || fail "sluiced exited with $rc on SIGTERM"
[ ! -e "$pin" ] || fail "pins left after SIGTERM"
! xdp_attached || fail "program left attached after SIGTERM"
[ ! -e "$sock" ] || fail "socket left after SIGTERM"
[ ! -e "$rundir" ] || fail "socket directory left after SIGTERM"
if "$sluicectl" -s "$sock" status 2>"$tmp/err"; then fail "status without a daemon succeeded"; fi
grep -q "sluiced is not running" "$tmp/err" || fail "no daemon: wrong reason: $(cat "$tmp/err")"

# --- kill -9 leaves a stale socket: status says so, stats still reads the pins,
# --- and a new sluiced replaces it; a second one is refused. ----------------
start_daemon
kill -KILL "$daemon"
wait "$daemon" 2>/dev/null || true
daemon=
[ -S "$sock" ] || fail "no stale socket after kill -9"
if "$sluicectl" -s "$sock" status 2>"$tmp/err"; then fail "status of a killed daemon succeeded"; fi
grep -q "sluiced is not running" "$tmp/err" || fail "killed daemon: wrong reason: $(cat "$tmp/err")"
"$sluicectl" -j -p "$pin" stats >"$tmp/dead.json" || fail "stats from the pins failed with the daemon down"
[ "$(json_get "$tmp/dead.json" 'len(d["rules"])')" -eq "$rules" ] || fail "stats from the pins lost rules"
start_daemon
status_ok
if "$sluiced" -c "$tmp/ctl.yaml" --pin-dir "$pin-2" 2>"$tmp/err"; then
  fail "a second sluiced started on the same control socket"
fi
grep -q "another sluiced is serving" "$tmp/err" || fail "second daemon: wrong reason: $(cat "$tmp/err")"
[ ! -e "$pin-2" ] || fail "the refused second daemon left pins"
status_ok
kill -TERM "$daemon"
wait "$daemon" || fail "sluiced exited non-zero on SIGTERM"
daemon=
[ ! -e "$sock" ] && [ ! -e "$pin" ] || fail "pins or socket left after the second SIGTERM"
! xdp_attached || fail "program left attached after the second SIGTERM"

echo "ok: socket modes, status, stats over the socket, peer checks, malformed messages, stale socket, stop"
