/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ABI between the XDP firewall program and userspace: map keys and
 * values, the load-time configuration in rodata, verdicts and drop reasons.
 * Declared once here and included by both sides; never mirrored by hand.
 *
 * Classification (see docs/classifier.md): every rule is a bit in a
 * bitmap of SL_MAX_RULES bits. Each packet field (protocol, ports, TCP
 * flags, ICMP type, VLAN, ingress interface, source and destination
 * address) is mapped to a "class", and each class owns the bitmap of the
 * rules that accept that field value. The packet's candidate rules are the
 * AND of its classes' bitmaps; the first set bit in rule order decides.
 * The per-packet cost depends on the number of fields and of bitmap words,
 * never on the number of rules walked.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <linux/types.h>

#define SL_MAX_RULES 1024
#define SL_RULE_WORDS (SL_MAX_RULES / 64)
#define SL_MAX_CLASSES 16384      /* entries of sl_class_bits */
#define SL_MAX_ADDR_CLASSES 16384 /* entries of sl_addr_class */
#define SL_MAX_IFACE_CLASSES 256  /* entries of sl_iface_class */
#define SL_MAX_PREFIXES_DEFAULT 1024 /* LPM size when a family has none */
#define SL_RULE_NAME_LEN 48
#define SL_MAX_VLAN_DEPTH 2
#define SL_MAX_IP6_EXT 8 /* extension headers walked before giving up */

/* One bit per rule, rule i is bit (i % 64) of word (i / 64). */
struct sl_rule_bits {
	__u64 w[SL_RULE_WORDS];
};

/*
 * Field dimensions. The scalar ones index sl_field_class at
 * SL_FIELD_BASE_x + value; the interface uses a hash on ifindex and the
 * addresses use the LPM tries. Values are part of the ABI: never renumber.
 */
enum sl_dim {
	SL_DIM_PROTO = 0,
	SL_DIM_SPORT = 1,
	SL_DIM_DPORT = 2,
	SL_DIM_TCP_FLAGS = 3,
	SL_DIM_ICMP = 4,
	SL_DIM_VLAN = 5,
	SL_DIM_IFACE = 6,
	SL_DIM_SRC = 7,
	SL_DIM_DST = 8,
	SL_DIM_COUNT = 9,
};

/* Sizes of the scalar dimensions, each with one extra "absent" value. */
#define SL_PROTO_VALUES 256            /* IP protocol / IPv6 final next header */
#define SL_PORT_NONE 65536             /* no L4 ports (not TCP/UDP, or non-first fragment) */
#define SL_PORT_VALUES 65537
#define SL_TCP_FLAGS_NONE 256          /* not TCP, or no TCP header */
#define SL_TCP_FLAGS_VALUES 257
#define SL_ICMP6_BASE 256              /* ICMPv6 type t is 256 + t */
#define SL_ICMP_NONE 512               /* not ICMP/ICMPv6, or no header */
#define SL_ICMP_VALUES 513
#define SL_VLAN_NONE 4096              /* untagged */
#define SL_VLAN_VALUES 4097

#define SL_FIELD_BASE_PROTO 0
#define SL_FIELD_BASE_SPORT (SL_FIELD_BASE_PROTO + SL_PROTO_VALUES)
#define SL_FIELD_BASE_DPORT (SL_FIELD_BASE_SPORT + SL_PORT_VALUES)
#define SL_FIELD_BASE_TCP_FLAGS (SL_FIELD_BASE_DPORT + SL_PORT_VALUES)
#define SL_FIELD_BASE_ICMP (SL_FIELD_BASE_TCP_FLAGS + SL_TCP_FLAGS_VALUES)
#define SL_FIELD_BASE_VLAN (SL_FIELD_BASE_ICMP + SL_ICMP_VALUES)
#define SL_FIELD_INDEX_SIZE (SL_FIELD_BASE_VLAN + SL_VLAN_VALUES)

/* TCP flag bits as in byte 13 of the TCP header. */
#define SL_TCP_FIN 0x01
#define SL_TCP_SYN 0x02
#define SL_TCP_RST 0x04
#define SL_TCP_PSH 0x08
#define SL_TCP_ACK 0x10
#define SL_TCP_URG 0x20
#define SL_TCP_ECE 0x40
#define SL_TCP_CWR 0x80

/*
 * IPv4 prefixes live in a DIR-24-8 table (docs/classifier.md): sl_dir24 is
 * indexed by the address's top 24 bits and holds an address class, or
 * SL_DIR_EXT | group for a /24 holding longer prefixes; group g's entry
 * for last byte b is sl_dir8[g * SL_DIR8_GROUP + b]. Address classes stay
 * below SL_MAX_ADDR_CLASSES, so they never carry SL_DIR_EXT.
 */
#define SL_DIR24_ENTRIES (1u << 24)
#define SL_DIR8_GROUP 256u
#define SL_DIR_EXT 0x80000000u
/*
 * Array maps store each value in 8 bytes, so both tables are maps of
 * __u64 holding two __u32 entries: entry i is the (i & 1)th __u32 of
 * element i >> 1. Seen as memory (mmap), they are plain __u32 arrays.
 */
#define SL_DIR_PER_ELEM 2u

/* LPM trie keys; values are address-class ids. IPv6 uses the trie, the
 * IPv4 key remains for the compiler's prefix list. */
struct sl_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct sl_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* An address class: the class_bits entries used as source and as destination. */
struct sl_addr_class {
	__u32 src_bits;
	__u32 dst_bits;
};

enum sl_action {
	SL_ACT_ACCEPT = 0,
	SL_ACT_DROP = 1,
	SL_ACT_COUNT = 2, /* count and continue with the next matching rule */
	SL_ACT_STEER = 3, /* to the AF_XDP socket of the receiving queue (sl_xsks) */
};

/*
 * A rule's action and its logging (include/sluice/events.h): with
 * SL_RULE_F_LOG a packet the rule counts or decides is an event, every
 * log_sample-th one per CPU, at most log_rate a second per CPU; with a
 * capture_len the event carries the packet's first capture_len bytes.
 */
struct sl_rule {
	__u32 action;      /* enum sl_action */
	__u32 flags;       /* SL_RULE_F_x */
	__u32 log_sample;  /* log 1 in N matches; 0 and 1 log every one */
	__u32 log_rate;    /* events per second per CPU; 0: no limit */
	__u16 capture_len; /* bytes captured, 0..SL_CAPTURE_MAX (events.h) */
	/*
	 * Index of the rule's counters in sl_rule_stats and of its log state
	 * in sl_log_state, 0..SL_MAX_RULES-1. Stable while the rule exists,
	 * whatever its position: a new generation of the rules moves
	 * positions, not counters (docs/control.md, "Generations").
	 */
	__u16 stat_slot;
	__u32 pad[3];      /* 32 bytes: the program indexes sl_rules with a shift */
};

#define SL_RULE_F_LOG 0x1 /* the rule emits events */

/* Name of each rule, kept in a pinned map so stats need no config. */
struct sl_rule_meta {
	char name[SL_RULE_NAME_LEN];
};

/* What happened to a packet; index of sl_verdict_stats. Never renumber. */
enum sl_verdict {
	SL_VERDICT_PASS = 0,
	SL_VERDICT_DROP = 1,
	SL_VERDICT_STEER = 2, /* redirected into an AF_XDP socket (docs/dataplane.md) */
	SL_VERDICT_COUNT = 3,
};

/*
 * sl_iface_stats: packets and bytes per ingress interface and verdict, an
 * LRU per-CPU hash keyed by the __u32 ingress ifindex with a struct
 * sl_iface_counters value (after struct sl_counter). An LRU, so the
 * interfaces that come and go (pods' veths) age out and a host with churn
 * never fills it; SL_IFACE_STATS_MAX bounds how many are kept.
 */
#define SL_IFACE_STATS_MAX 4096

/*
 * Why a packet was dropped, or for the parse errors why it was malformed
 * (counted even when the malformed verdict is pass). Index of
 * sl_reason_stats. Append only: never renumber or reuse a value.
 */
enum sl_reason {
	SL_REASON_NONE = 0,
	SL_REASON_ETH_TRUNC = 1,
	SL_REASON_VLAN_TRUNC = 2,
	SL_REASON_VLAN_TOO_DEEP = 3,
	SL_REASON_IP4_TRUNC = 4,
	SL_REASON_IP4_BAD_VERSION = 5,
	SL_REASON_IP4_BAD_IHL = 6,
	SL_REASON_IP4_BAD_TOTLEN = 7,
	SL_REASON_IP6_TRUNC = 8,
	SL_REASON_IP6_BAD_VERSION = 9,
	SL_REASON_IP6_EXT_TRUNC = 10,
	SL_REASON_IP6_EXT_TOO_LONG = 11,
	SL_REASON_TCP_TRUNC = 12,
	SL_REASON_TCP_BAD_DOFF = 13,
	SL_REASON_UDP_TRUNC = 14,
	SL_REASON_ICMP_TRUNC = 15,
	SL_REASON_ICMP6_TRUNC = 16,
	SL_REASON_RULE = 17,           /* a rule with action drop */
	SL_REASON_DEFAULT_POLICY = 18, /* no rule decided, default policy drop */
	SL_REASON_NON_IP = 19,         /* not IPv4/IPv6 and non_ip is drop */
	SL_REASON_IP_FRAG = 20,        /* a fragment and fragments is drop */
	SL_REASON_TABLE_MISS = 21,     /* a classification table lacked an entry: fail closed */
	SL_REASON_NO_SOCKET = 22,      /* steered, no AF_XDP socket on the queue, steering fails closed */
	SL_REASON_FLOW_DENY = 23,      /* the flow's cached inspect verdict is deny (sl_flowcache) */
	SL_REASON_STAGE = 24,          /* a dataplane worker's stage dropped it (events only) */
	SL_REASON_COUNT = 25,
};

/* Packets and bytes; per-CPU in every counter map. */
struct sl_counter {
	__u64 packets;
	__u64 bytes;
};

/* The value of sl_iface_stats: one interface's counters, by enum sl_verdict. */
struct sl_iface_counters {
	struct sl_counter verdict[SL_VERDICT_COUNT];
};

/* What to do with malformed, non-IP and fragmented packets. */
enum sl_policy {
	SL_POLICY_PASS = 0,
	SL_POLICY_DROP = 1,
	SL_POLICY_RULES = 2, /* fragments only: classify (non-first have no ports) */
};

/*
 * Load-time configuration, a const volatile in the program's rodata: the
 * verifier sees the values and prunes what a profile does not use.
 */
struct sl_prog_cfg {
	__u32 dims_used;       /* bit (1 << enum sl_dim) per dimension some rule constrains */
	__u32 rule_words;      /* bitmap words in use: ceil(n_rules / 64), 0..SL_RULE_WORDS */
	__u32 n_rules;
	__u32 iface_default_class; /* class_bits entry for interfaces not in sl_iface_class */
	__u32 addr_default_class;  /* sl_addr_class entry for addresses in no set */
	__u8 default_verdict;  /* enum sl_verdict, for packets no rule decides */
	__u8 malformed_policy; /* enum sl_policy (PASS or DROP) */
	__u8 non_ip_policy;    /* enum sl_policy (PASS or DROP) */
	__u8 frag_policy;      /* enum sl_policy */
	__u32 flags;           /* SL_CFG_x */
	__u32 pad;
};

/* sl_prog_cfg.flags */
#define SL_CFG_IP4_TABLE 0x1 /* sl_dir24/sl_dir8 hold IPv4 prefixes (else no IPv4 prefix is in a set) */
#define SL_CFG_LOG 0x2 /* some rule logs: without it the event code is pruned at load */
#define SL_CFG_STEER 0x4 /* some rule steers: without it the XSKMAP code is pruned at load */
#define SL_CFG_STEER_DROP 0x8 /* steered packets with no socket on their queue are dropped, not passed */
#define SL_CFG_FLOWCACHE 0x10 /* the inspect stage writes flow verdicts: without it the sl_flowcache lookup is pruned */
#define SL_CFG_INLINE 0x20 /* inline pairs: passed packets go to the peer (sl_peers), steer keys from sl_xsk_base */

/*
 * Steering (docs/dataplane.md): sl_xsks maps an RX queue id to the
 * AF_XDP socket of the worker serving it. The program indexes it by the
 * receiving queue only, so one interface at a time has workers.
 */
#define SL_MAX_QUEUES 256

/*
 * Inline forward (docs/dataplane.md): a bump-in-the-wire pair of ports.
 * The sockets of both ports of a pair sit in sl_xsks, the second port's
 * at SL_MAX_QUEUES + queue; sl_xsk_base names that offset per ingress
 * ifindex (absent: 0), looked up only with SL_CFG_INLINE.
 */
#define SL_XSKS_ENTRIES (2 * SL_MAX_QUEUES)
#define SL_MAX_INLINE_PORTS 8 /* entries of sl_peers and sl_xsk_base */

/* Index of sl_inline_stats: what became of passed packets on inline ports. Append only. */
enum sl_inline_stat {
	SL_INLINE_REDIRECTED = 0, /* passed by the firewall, redirected to the peer port (sl_peers) */
	SL_INLINE_NO_PEER = 1,    /* passed on a port with no peer: to the kernel */
	SL_INLINE_STAT_COUNT = 2,
};

/* Index of sl_steer_stats: what became of steered packets. Append only. */
enum sl_steer_stat {
	SL_STEER_REDIRECTED = 0, /* handed to the queue's socket */
	SL_STEER_NO_SOCKET_PASS = 1, /* no socket: passed to the kernel (fail-open) */
	SL_STEER_NO_SOCKET_DROP = 2, /* no socket: dropped (fail-closed) */
	SL_STEER_STAT_COUNT = 3,
};

/*
 * The flow verdict cache (docs/inspect.md): the inspect stage writes the
 * verdict on a flow it has judged (a TLS connection, by its ClientHello)
 * into sl_flowcache, so the program decides the rest of that flow without
 * visiting userspace again (xdp/flowcache.h). Keyed by the 5-tuple as the
 * packets the stage judged carry it (client to server).
 */
#define SL_FLOWCACHE_ENTRIES 65536

struct sl_flow_key {
	__u8 src[16];  /* IPv4 in the first four bytes, the rest zero */
	__u8 dst[16];
	__u16 sport;   /* host order, as in the program's struct sl_pkt */
	__u16 dport;
	__u8 proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;   /* 4 or 6 */
	__u8 pad[2];   /* zero: the key is hashed as bytes */
};

/* sl_flow_verdict.verdict. Never renumber. */
enum sl_flow_action {
	SL_FLOW_PASS = 0, /* XDP_PASS instead of the steer its rule says: no more userspace */
	SL_FLOW_DROP = 1,
};

struct sl_flow_verdict {
	__u64 expires_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) after which the entry is ignored */
	__u32 ttl_s;      /* a packet seen with less than half of this left pushes expires_ns on */
	__u8 verdict;     /* enum sl_flow_action */
	__u8 source;      /* who judged: 1 DNS, 2 TLS (for stats and dumps) */
	__u8 pad[2];
};

#ifndef __bpf__
_Static_assert(sizeof(struct sl_rule_bits) == SL_MAX_RULES / 8, "rule bits");
_Static_assert(sizeof(struct sl_lpm4_key) == 8, "lpm4 key");
_Static_assert(sizeof(struct sl_lpm6_key) == 20, "lpm6 key");
_Static_assert(sizeof(struct sl_addr_class) == 8, "addr class");
_Static_assert(sizeof(struct sl_rule) == 32, "rule");
_Static_assert(sizeof(struct sl_rule_meta) == SL_RULE_NAME_LEN, "rule meta");
_Static_assert(sizeof(struct sl_counter) == 16, "counter");
_Static_assert(sizeof(struct sl_iface_counters) == 48, "iface counters");
_Static_assert(sizeof(struct sl_prog_cfg) == 32, "prog cfg");
_Static_assert(sizeof(struct sl_flow_key) == 40, "flow key");
_Static_assert(sizeof(struct sl_flow_verdict) == 16, "flow verdict");
#endif

#endif /* SLUICE_ABI_H */
