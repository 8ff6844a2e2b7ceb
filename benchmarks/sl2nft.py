#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helpers of benchmarks/drop_rate.sh, over a sluice YAML config (docs/config.md).

  sl2nft.py retarget CONFIG OUT --dev IF --pin-dir DIR
      Writes a copy of CONFIG attached to IF only (rules naming one of the
      config's interfaces name IF instead), pinning under DIR, with set
      files named by absolute paths.
  sl2nft.py nft CONFIG --hook netdev|raw --dev IF --table NAME
      Prints the nftables equivalent of CONFIG: named sets become interval
      sets (one per address family), rules become rules in the same order
      with the same first-match semantics (count = counter, continue), the
      default policy a last counted verdict. --hook netdev puts the chain on
      IF's ingress hook; --hook raw in an inet table on prerouting at raw
      priority (-300).
  sl2nft.py drops FAMILY NAME
      Prints the packets counted by the drop rules of the nft table, read
      from `nft -j list table` (JSON).

Not translated, because nftables has no counterpart: sluice's policies for
malformed headers (the kernel drops most of them before the hook anyway).
"""
import argparse
import ipaddress
import json
import os
import subprocess
import sys

import yaml

PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
TCP_FLAGS = {"fin": 0x01, "syn": 0x02, "rst": 0x04, "psh": 0x08,
             "ack": 0x10, "urg": 0x20, "ece": 0x40, "cwr": 0x80}
ICMP4_TYPES = {"echo-reply": 0, "destination-unreachable": 3, "redirect": 5,
               "echo-request": 8, "time-exceeded": 11, "parameter-problem": 12}
ICMP6_TYPES = {"destination-unreachable": 1, "packet-too-big": 2, "time-exceeded": 3,
               "parameter-problem": 4, "echo-request": 128, "echo-reply": 129,
               "nd-router-solicit": 133, "nd-router-advert": 134,
               "nd-neighbor-solicit": 135, "nd-neighbor-advert": 136}


def fail(msg):
    print(f"sl2nft: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path) as f:
        cfg = yaml.safe_load(f)
    if not isinstance(cfg, dict):
        fail(f"{path}: not a mapping")
    return cfg


def as_list(v):
    return v if isinstance(v, list) else [v]


def retarget(args):
    cfg = load(args.config)
    base = os.path.dirname(os.path.abspath(args.config))
    old = {i["name"] for i in cfg.get("interfaces") or []}
    mode = (cfg.get("interfaces") or [{}])[0].get("mode", "native")
    cfg["interfaces"] = [{"name": args.dev, "mode": mode}]
    settings = cfg.setdefault("settings", {}) or {}
    settings["pin_dir"] = args.pin_dir
    settings["keep_enforcing"] = False
    cfg["settings"] = settings
    for s in cfg.get("sets") or []:
        if "file" in s:
            s["file"] = os.path.join(base, s["file"])
    for r in cfg.get("rules") or []:
        if r.get("interface") in old:
            r["interface"] = args.dev
    with open(args.out, "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)


def read_set_file(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(ipaddress.ip_network(line, strict=False))
    return out


class Translator:
    def __init__(self, cfg, config_path, hook, dev):
        self.cfg = cfg
        self.hook = hook
        self.dev = dev
        self.base = os.path.dirname(os.path.abspath(config_path))
        self.sets = {}  # name -> {4: [nets], 6: [nets]}
        for s in cfg.get("sets") or []:
            nets = []
            if "file" in s:
                nets += read_set_file(os.path.join(self.base, s["file"]))
            for p in as_list(s.get("prefixes") or []):
                nets.append(ipaddress.ip_network(str(p), strict=False))
            self.sets[s["name"]] = {4: [n for n in nets if n.version == 4],
                                    6: [n for n in nets if n.version == 6]}
        self.old_ifaces = {i["name"] for i in cfg.get("interfaces") or []}

    def set_name(self, name, fam):
        return f"{name.replace('-', '_').replace('.', '_')}_v{fam}"

    def side(self, value, fam):
        """Matchers ('@set' or '{ anon }') of one address side in family fam."""
        out, inline = [], []
        for ref in as_list(value):
            ref = str(ref)
            if ref in self.sets:
                if self.sets[ref][fam]:
                    out.append("@" + self.set_name(ref, fam))
            else:
                net = ipaddress.ip_network(ref, strict=False)
                if net.version == fam:
                    inline.append(str(net))
        if inline:
            out.append("{ " + ", ".join(inline) + " }")
        return out

    def ports(self, v):
        return "{ " + ", ".join(str(p) for p in as_list(v)) + " }"

    def rule_lines(self, r):
        proto = r.get("protocol")
        if proto is not None:
            proto = PROTOCOLS.get(str(proto), None) if not str(proto).isdigit() else int(proto)
            if proto is None:
                fail(f"rule {r.get('name')}: unknown protocol {r.get('protocol')}")
        fams = [4, 6]
        if proto == 1:
            fams = [4]
        elif proto == 58:
            fams = [6]
        addr_free = "src" not in r and "dst" not in r and proto not in (1, 58)
        common = []
        if "interface" in r:
            name = self.dev if r["interface"] in self.old_ifaces else r["interface"]
            common.append(f'iifname "{name}"')
        if "vlan" in r:
            if self.hook != "netdev":
                # A tag is gone by the time the packet reaches prerouting
                # on the parent device: such a rule never matches there.
                return [f"# rule {r.get('name')}: vlan {r['vlan']} cannot match at prerouting"]
            common.append(f"vlan id {int(r['vlan'])}")
        l4 = []
        pname = {6: "tcp", 17: "udp"}.get(proto)
        if "sport" in r:
            l4.append(f"{pname} sport {self.ports(r['sport'])}")
        if "dport" in r:
            l4.append(f"{pname} dport {self.ports(r['dport'])}")
        if "tcp_flags" in r:
            mask = value = 0
            for item in as_list(r["tcp_flags"]):
                for flag in str(item).split(","):
                    flag = flag.strip()
                    neg = flag.startswith("!")
                    bit = TCP_FLAGS[flag.lstrip("!")]
                    mask |= bit
                    if not neg:
                        value |= bit
            l4.append(f"tcp flags & {mask:#x} == {value:#x}")
        if proto is not None and not l4 and proto not in (1, 58):
            l4.insert(0, f"meta l4proto {proto}")
        act = {"accept": "counter accept", "drop": "counter drop", "count": "counter"}[r["action"]]
        comment = f'comment "{r.get("name", "")}"'
        lines = []
        for fam in ([0] if addr_free else fams):
            fam_l4 = list(l4)
            if proto == 1:
                fam_l4.insert(0, "meta l4proto icmp")
            if proto == 58:
                fam_l4.insert(0, "meta l4proto ipv6-icmp")
            if "icmp_type" in r:
                table = ICMP4_TYPES if proto == 1 else ICMP6_TYPES
                t = str(r["icmp_type"])
                t = table[t] if t in table else int(t)
                fam_l4 = [f"{'icmp' if proto == 1 else 'icmpv6'} type {t}"]
            ipk = "ip" if fam == 4 else "ip6"
            srcs = self.side(r["src"], fam) if "src" in r else [None]
            dsts = self.side(r["dst"], fam) if "dst" in r else [None]
            fam_match = []
            if fam and "src" not in r and "dst" not in r:
                # Only the ICMP protocol ties this rule to a family.
                if self.hook == "netdev":
                    fam_match = [f"meta protocol {'ip' if fam == 4 else 'ip6'}"]
                else:
                    fam_match = [f"meta nfproto {'ipv4' if fam == 4 else 'ipv6'}"]
            for s in srcs:
                for d in dsts:
                    m = list(common) + fam_match
                    if s:
                        m.append(f"{ipk} saddr {s}")
                    if d:
                        m.append(f"{ipk} daddr {d}")
                    lines.append(" ".join(m + fam_l4 + [act, comment]))
        return lines

    def render(self, table):
        st = self.cfg.get("settings") or {}
        out = []
        if self.hook == "netdev":
            out.append(f"table netdev {table} {{")
        else:
            out.append(f"table inet {table} {{")
        for name, fams in self.sets.items():
            for fam in (4, 6):
                if not fams[fam]:
                    continue
                out.append(f"  set {self.set_name(name, fam)} {{")
                out.append(f"    type {'ipv4_addr' if fam == 4 else 'ipv6_addr'}")
                out.append("    flags interval")
                out.append("    auto-merge")
                out.append("    elements = { " + ", ".join(str(n) for n in fams[fam]) + " }")
                out.append("  }")
        if self.hook == "netdev":
            out.append("  chain ingress {")
            out.append(f'    type filter hook ingress device "{self.dev}" priority 0; policy accept;')
            non_ip = st.get("non_ip", "accept")
            out.append(f"    meta protocol != {{ ip, ip6 }} counter {'drop' if non_ip == 'drop' else 'accept'}")
        else:
            out.append("  chain prerouting {")
            out.append("    type filter hook prerouting priority raw; policy accept;")
        frag = st.get("fragments", "rules")
        if frag in ("accept", "drop"):
            out.append(f"    ip frag-off & 0x3fff != 0 counter {frag}")
            out.append(f"    exthdr frag exists counter {frag}")
        for r in self.cfg.get("rules") or []:
            for line in self.rule_lines(r):
                out.append("    " + line)
        pol = st.get("default_policy", "drop")
        out.append(f'    counter {"drop" if pol == "drop" else "accept"} comment "default policy"')
        out.append("  }")
        out.append("}")
        return "\n".join(out) + "\n"


def nft(args):
    cfg = load(args.config)
    sys.stdout.write(Translator(cfg, args.config, args.hook, args.dev).render(args.table))


def drops(args):
    res = subprocess.run(["nft", "-j", "list", "table", args.family, args.name],
                         check=True, capture_output=True, text=True)
    total = 0
    for item in json.loads(res.stdout).get("nftables", []):
        rule = item.get("rule")
        if not rule:
            continue
        exprs = rule.get("expr", [])
        if any("drop" in e for e in exprs):
            for e in exprs:
                if "counter" in e:
                    total += e["counter"]["packets"]
    print(total)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("retarget")
    p.add_argument("config")
    p.add_argument("out")
    p.add_argument("--dev", required=True)
    p.add_argument("--pin-dir", required=True)
    p.set_defaults(fn=retarget)
    p = sub.add_parser("nft")
    p.add_argument("config")
    p.add_argument("--hook", choices=["netdev", "raw"], required=True)
    p.add_argument("--dev", required=True)
    p.add_argument("--table", required=True)
    p.set_defaults(fn=nft)
    p = sub.add_parser("drops")
    p.add_argument("family")
    p.add_argument("name")
    p.set_defaults(fn=drops)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
