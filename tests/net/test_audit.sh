#!/usr/bin/env bash
# The audit trail on a live daemon (docs/logs.md, "Audit trail"): with
# logging.audit set, sluiced records its start, every state-changing
# control request (here `rule add` from root and `set flush` from a
# member of the control group: refused or not, each with the errno it
# was answered), not a read (`status`), a reload by SIGHUP (the sender's
# uid and pid from the signal), and its stop by SIGTERM; `sluicectl log
# stats` counts the records written and none dropped. The
# file read back holds exactly those records, in order, with the
# clients' uid, gid and pid from SO_PEERCRED, the command and the result.
set -euo pipefail

src=${SLUICE_SRCDIR:?run through meson test}
build=${SLUICE_BUILDDIR:?run through meson test}
. "$src/tools/topology.sh"

sluiced=$build/control/sluiced
sluicectl=$build/control/sluicectl
ns=sl-taud$$
iface=sl-aud0
peer=sl-aud0p
pin=/sys/fs/bpf/sluice-taud$$
# Under /run: the unprivileged client must reach the socket.
rundir=/run/sl-taud$$
sock=$rundir/control.sock
group=nogroup
tmp=$(mktemp -d)
audit=$tmp/audit.json
daemon=

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/sluiced.log" ] && sed 's/^/  sluiced: /' "$tmp/sluiced.log" >&2
  [ -f "$audit" ] && sed 's/^/  audit: /' "$audit" >&2
  exit 1
}

cleanup() {
  set +e
  [ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$pin" "$rundir"
  sl_topology_down
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || fail "needs root"
command -v setpriv >/dev/null || fail "needs setpriv (util-linux)"
gid=$(getent group "$group" | cut -d: -f3) || fail "needs the group $group"
sl_topology_up "$ns" "$iface" "$peer" || fail "cannot create the topology"

sed "s/\bsl-fw0\b/$iface/g" "$src/configs/edge-firewall.yaml" >"$tmp/audit.yaml"
cp -r "$src/configs/sets" "$tmp/" 2>/dev/null || true
printf 'control:\n  group: %s\n  socket: %s\n' "$group" "$sock" >>"$tmp/audit.yaml"
printf 'logging:\n  audit: %s\n  flush_ms: 10\n' "$audit" >>"$tmp/audit.yaml"

"$sluiced" -c "$tmp/audit.yaml" --pin-dir "$pin" 2>"$tmp/sluiced.log" &
daemon=$!
daemon_pid=$daemon
ready=0
for _ in $(seq 100); do
  if "$sluicectl" -s "$sock" status >/dev/null 2>&1; then
    ready=1
    break
  fi
  kill -0 "$daemon" 2>/dev/null || fail "sluiced exited at start"
  sleep 0.1
done
[ "$ready" -eq 1 ] || fail "sluiced did not answer status within 10 s"

# Sends one request (command number) with NLM_F_ACK; prints the errno of
# the answer (0 for an ACK) and the client's pid.
cat >"$tmp/req.py" <<'PY'
import os, socket, struct, sys
path, cmd = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(path)
# nlmsghdr (len, type SL_CTL_MSG, NLM_F_REQUEST|NLM_F_ACK, seq, pid), sl_ctl_hdr (cmd, version 1).
s.send(struct.pack("=IHHII", 20, 0x10, 0x1 | 0x4, 7, 0) + struct.pack("=BBH", cmd, 1, 0))
# Replies (a STATUS message first, for status) then the NLMSG_ERROR (an ACK: 0).
off = 0
while True:
    if off == 0 or off >= len(r):
        r, off = s.recv(65536), 0
    length, typ = struct.unpack_from("=IH", r, off)
    if length < 16:
        sys.exit(f"bad nlmsg_len {length}")
    if typ == 2:
        print(-struct.unpack_from("=i", r, off + 16)[0], os.getpid())
        break
    off += (length + 3) & ~3
PY
read -r err_add pid_add < <(python3 "$tmp/req.py" "$sock" 6) || fail "rule add got no answer"
read -r err_status _ < <(python3 "$tmp/req.py" "$sock" 1) || fail "status got no answer"
[ "$err_status" -eq 0 ] || fail "status answered errno $err_status"
# The script comes on stdin: uid 65534 cannot read the private $tmp
# (nor a python3 under /root: the system one).
read -r err_flush pid_flush < <(setpriv --reuid=65534 --regid="$gid" --clear-groups \
  /usr/bin/python3 - "$sock" 14 <"$tmp/req.py") || fail "set flush from uid 65534 got no answer"

# A reload by signal: the sender is this shell.
kill -HUP "$daemon"
for _ in $(seq 50); do
  grep -q '"action":"reload"' "$audit" 2>/dev/null && break
  sleep 0.1
done
kill -0 "$daemon" 2>/dev/null || fail "sluiced exited on SIGHUP"

# sluicectl log stats counts the audit records (published once a second).
counted=0
for _ in $(seq 40); do
  "$sluicectl" -j -p "$pin" log stats >"$tmp/logstats.json" 2>/dev/null &&
    python3 -c 'import json, sys; l = json.load(open(sys.argv[1]))["logger"]
sys.exit(0 if (l["audit_records"], l["audit_written"], l["drop_audit_queue_full"], l["drop_audit_write"]) == (4, 4, 0, 0) else 1)' \
      "$tmp/logstats.json" && { counted=1; break; }
  sleep 0.1
done
[ "$counted" -eq 1 ] || fail "log stats do not count 4 audit records written: $(cat "$tmp/logstats.json")"

kill -TERM "$daemon"
wait "$daemon" || fail "sluiced exited with an error on SIGTERM"
daemon=

python3 - "$audit" "$daemon_pid" "$err_add" "$pid_add" "$err_flush" "$pid_flush" "$gid" "$tmp/audit.yaml" "$$" <<'PY' ||
import errno, json, sys
path, dpid, e_add, p_add, e_flush, p_flush, gid, cfg, shell = sys.argv[1:]
lines = [json.loads(l) for l in open(path)]
assert len(lines) == 5, f"{len(lines)} records, want 5 (start, rule add, set flush, reload, stop)"
start, add, flush, hup, stop = lines
def same(r, e):
    """r's result names errno e (Python may name 95 ENOTSUP, C EOPNOTSUPP)."""
    e = int(e)
    name_ok = r["result"] == "ok" if e == 0 else getattr(errno, r["result"], None) == e
    return name_ok and r["errno"] == e
for r in lines:
    assert r["type"] == "audit", r
    assert isinstance(r["ts_ns"], int) and r["time"].endswith("Z"), r
assert start["source"] == "daemon" and start["action"] == "start", start
assert start["pid"] == int(dpid) and start["uid"] == 0 and start["cmd"] is None, start
assert start["args"]["config"] == cfg and start["result"] == "ok", start
assert add["source"] == "control" and add["action"] == "rule add" and add["cmd"] == 6, add
assert add["uid"] == 0 and add["gid"] == 0 and add["pid"] == int(p_add), add
assert add["user"] == "root", add
assert same(add, e_add), add
assert flush["action"] == "set flush" and flush["cmd"] == 14, flush
assert flush["uid"] == 65534 and flush["gid"] == int(gid) and flush["pid"] == int(p_flush), flush
assert same(flush, e_flush), flush
assert hup["source"] == "signal" and hup["action"] == "reload" and hup["cmd"] is None, hup
assert hup["uid"] == 0 and hup["gid"] is None and hup["pid"] == int(shell), hup
assert hup["args"] == {"signal": "SIGHUP"} and same(hup, hup["errno"]), hup
assert stop["source"] == "daemon" and stop["action"] == "stop", stop
assert stop["args"].get("signal") == "SIGTERM" and stop["result"] == "ok", stop
print(f"audit: start, rule add ({add['result']}), set flush by uid 65534 ({flush['result']}), "
      f"reload by SIGHUP ({hup['result']}), stop")
PY
  fail "the audit trail is not what was done"
echo "PASS"
