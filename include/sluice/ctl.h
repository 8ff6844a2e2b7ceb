/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control protocol's wire ABI (docs/control.md): what sluicectl and
 * any other client send to sluiced over its AF_UNIX SOCK_SEQPACKET socket,
 * and what comes back.
 *
 * Every request and reply is a netlink message: a struct nlmsghdr whose
 * nlmsg_type is SL_CTL_MSG (or NLMSG_ERROR / NLMSG_DONE from the daemon),
 * a struct sl_ctl_hdr, then netlink attributes (struct nlattr, 4-byte
 * aligned). Integers in attributes are in host byte order: both ends
 * are on one machine.
 *
 * Numbers in this file are never renumbered or reused: new commands and
 * attributes are appended. A change that an old peer would misread bumps
 * SL_CTL_VERSION; the daemon answers a request of another version with
 * EPROTONOSUPPORT.
 */
#ifndef SLUICE_CTL_H
#define SLUICE_CTL_H

#include <linux/types.h>

#define SL_CTL_VERSION 1
#define SL_CTL_SOCKET_PATH "/run/sluice/control.sock"

/* The nlmsg_type of every request and of every non-error reply. */
#define SL_CTL_MSG 0x10 /* NLMSG_MIN_TYPE: below it are netlink's own types */

/* Largest datagram either end sends or accepts. */
#define SL_CTL_MSG_MAX 65536

/* Deepest nesting of attributes the parser accepts. */
#define SL_CTL_MAX_DEPTH 4

/* Follows the nlmsghdr of every SL_CTL_MSG message. */
struct sl_ctl_hdr {
	__u8 cmd;      /* enum sl_ctl_cmd */
	__u8 version;  /* SL_CTL_VERSION of the sender */
	__u16 reserved; /* zero */
};

/*
 * Commands. A reply carries the command of its request. A change (rule,
 * set) without TX_ID is one generation of its own; with the TX_ID of an
 * open transaction it is staged until TX_COMMIT (docs/control.md).
 */
enum sl_ctl_cmd {
	SL_CTL_CMD_UNSPEC = 0,
	SL_CTL_CMD_STATUS = 1,      /* do: one reply with the daemon's state */
	SL_CTL_CMD_STATS = 2,       /* dump: counters per verdict, reason, rule */
	SL_CTL_CMD_IFACE_ATTACH = 3, /* do: IFNAME [XDP_MODE]; attach the live program, pin its link */
	SL_CTL_CMD_IFACE_DETACH = 4, /* do: IFNAME */
	SL_CTL_CMD_IFACE_LIST = 5,  /* dump: one IFACE nest per message */
	SL_CTL_CMD_RULE_ADD = 6,    /* do: RULE_TEXT [POSITION|BEFORE|AFTER] [TX_ID] */
	SL_CTL_CMD_RULE_DELETE = 7, /* do: RULE_NAME [TX_ID] */
	SL_CTL_CMD_RULE_REPLACE = 8, /* do: RULE_NAME RULE_TEXT [TX_ID]; same position and counters */
	SL_CTL_CMD_RULE_LIST = 9,   /* dump: RULE_NAME, POSITION, RULE_TEXT per message */
	SL_CTL_CMD_SET_CREATE = 10, /* do: SET_NAME [PREFIX...] [TX_ID] */
	SL_CTL_CMD_SET_DELETE = 11, /* do: SET_NAME [TX_ID]; EBUSY while a rule names it */
	SL_CTL_CMD_SET_ADD = 12,    /* do: SET_NAME PREFIX... [TX_ID]: add elements */
	SL_CTL_CMD_SET_REMOVE = 13, /* do: SET_NAME PREFIX... [TX_ID]: delete elements */
	SL_CTL_CMD_SET_FLUSH = 14,  /* do: SET_NAME [TX_ID] */
	SL_CTL_CMD_SET_LIST = 15,   /* dump: SET_NAME, SET_SIZE per set; [SET_NAME]: its PREFIXes too */
	SL_CTL_CMD_SET_LOAD = 16,   /* do: SET_NAME [PREFIX...] [TX_ID]: add, creating the set */
	SL_CTL_CMD_RELOAD = 17,     /* do: re-read the config, apply it as one generation */
	SL_CTL_CMD_TX_BEGIN = 18,   /* do: one reply with TX_ID, bound to this connection */
	SL_CTL_CMD_TX_COMMIT = 19,  /* do: TX_ID; every staged change as one generation */
	SL_CTL_CMD_TX_ABORT = 20,   /* do: TX_ID; discards (so does closing the connection) */
	SL_CTL_CMD_COUNT,
};

/* Top-level attributes of SL_CTL_MSG messages (types and use: docs/control.md). */
enum sl_ctl_attr {
	SL_CTL_A_UNSPEC = 0,
	SL_CTL_A_DAEMON_VERSION = 1, /* string: sluiced's release, "0.1.0" */
	SL_CTL_A_PID = 2,            /* u32 */
	SL_CTL_A_UPTIME_MS = 3,      /* u64: since sluiced started */
	SL_CTL_A_PIN_DIR = 4,        /* string */
	SL_CTL_A_CONFIG = 5,         /* string: the config file's path */
	SL_CTL_A_RULE_COUNT = 6,     /* u32: rules enforced */
	SL_CTL_A_IFACE = 7,          /* nest of sl_ctl_iface_attr; repeated */
	SL_CTL_A_VERDICT = 8,        /* nest of sl_ctl_counter_attr; repeated */
	SL_CTL_A_REASON = 9,         /* nest of sl_ctl_counter_attr; repeated */
	SL_CTL_A_RULE = 10,          /* nest of sl_ctl_counter_attr */
	SL_CTL_A_KEEP_ENFORCING = 11, /* u8: 0 or 1 */
	SL_CTL_A_PLACEMENT = 12,     /* nest of sl_ctl_place_attr; repeated: one per large map or pool */
	SL_CTL_A_RTNL = 13,          /* nest of sl_ctl_rtnl_attr: the rtnetlink watcher (docs/rtnetlink.md) */
	SL_CTL_A_TX_ID = 14,         /* u32: a transaction of this connection (TX_BEGIN's reply) */
	SL_CTL_A_RULE_NAME = 15,     /* string: a rule's name */
	SL_CTL_A_RULE_TEXT = 16,     /* string: a rule as a YAML flow mapping, as in the config */
	SL_CTL_A_POSITION = 17,      /* u32: a rule's index, from 0 */
	SL_CTL_A_BEFORE = 18,        /* string: insert before the rule of this name */
	SL_CTL_A_AFTER = 19,         /* string: insert after the rule of this name */
	SL_CTL_A_SET_NAME = 20,      /* string: a named set */
	SL_CTL_A_PREFIX = 21,        /* string: "198.18.0.0/24", "2001:db8::1"; repeated */
	SL_CTL_A_SET_SIZE = 22,      /* u64: prefixes in a set */
	SL_CTL_A_IFNAME = 23,        /* string: an interface name */
	SL_CTL_A_XDP_MODE = 24,      /* u32: 0 native, 1 native-only, 2 generic (as in the config) */
	SL_CTL_A_WORKER = 25,        /* nest of sl_ctl_worker_attr; repeated: one per dataplane worker */
	SL_CTL_A_IFACE_STATS = 26,   /* nest of sl_ctl_ifstats_attr: one ingress interface's counters (STATS) */
	SL_CTL_A_SET_SOURCE = 27,    /* u32: enum sl_ctl_set_source, who fills a set (set list) */
	SL_CTL_A_COUNT,
};
#define SL_CTL_A_MAX (SL_CTL_A_COUNT - 1)

/*
 * Inside SL_CTL_A_WORKER: one AF_XDP worker (docs/dataplane.md), its
 * socket's mode, its counters and where its UMEM frames are.
 */
enum sl_ctl_worker_attr {
	SL_CTL_WK_A_UNSPEC = 0,
	SL_CTL_WK_A_IFNAME = 1,         /* string */
	SL_CTL_WK_A_QUEUE = 2,          /* u32 */
	SL_CTL_WK_A_CPU = 3,            /* u32 */
	SL_CTL_WK_A_RUNNING = 4,        /* u8 */
	SL_CTL_WK_A_ZERO_COPY = 5,      /* u8: 1 zero-copy, 0 copy mode */
	SL_CTL_WK_A_MULTI_BUFFER = 6,   /* u8: XDP_USE_SG took */
	SL_CTL_WK_A_SG_REFUSED = 7,     /* u8: multi-buffer asked for and refused */
	SL_CTL_WK_A_BUSY_POLL = 8,      /* u8 */
	SL_CTL_WK_A_STAGES = 9,         /* string: the stages in order, "reflect" */
	SL_CTL_WK_A_RX_PACKETS = 10,    /* u64 */
	SL_CTL_WK_A_RX_BYTES = 11,      /* u64 */
	SL_CTL_WK_A_TX_PACKETS = 12,    /* u64 */
	SL_CTL_WK_A_TX_BYTES = 13,      /* u64 */
	SL_CTL_WK_A_DROP_STAGE = 14,    /* u64: a stage dropped them */
	SL_CTL_WK_A_DROP_UNDECIDED = 15, /* u64: no stage decided */
	SL_CTL_WK_A_DROP_TX_FULL = 16,  /* u64: the TX ring had no room */
	SL_CTL_WK_A_BATCHES = 17,       /* u64: non-empty receive bursts */
	SL_CTL_WK_A_WAKEUPS = 18,       /* u64: system calls a ring asked for (need_wakeup) */
	SL_CTL_WK_A_POLLS = 19,         /* u64: idle waits */
	SL_CTL_WK_A_FILL_EMPTY = 20,    /* u64: the kernel found the fill ring empty (XDP_STATISTICS) */
	SL_CTL_WK_A_RX_RING_FULL = 21,  /* u64: the kernel dropped, RX ring full */
	SL_CTL_WK_A_KERNEL_DROPPED = 22, /* u64: the kernel dropped for other reasons */
	SL_CTL_WK_A_REFILL_STARVED = 23, /* u64: fill ring had room, no free frame */
	SL_CTL_WK_A_FRAMES = 24,        /* u64: UMEM frames of the worker */
	SL_CTL_WK_A_FR_FREE = 25,       /* u64: frames on its free list */
	SL_CTL_WK_A_FR_IN_HAND = 26,    /* u64: frames it holds */
	SL_CTL_WK_A_FR_FILL = 27,       /* u64: frames on the fill ring */
	SL_CTL_WK_A_FR_KERNEL = 28,     /* u64: frames the kernel holds (RX and TX) */
	SL_CTL_WK_A_FR_COMP = 29,       /* u64: frames on the completion ring */
	SL_CTL_WK_A_ACCT_OK = 30,       /* u8: the places add up to frames in this snapshot */
	SL_CTL_WK_A_ACCT_FAILURES = 31, /* u64: snapshots that did not add up, ever */
	SL_CTL_WK_A_NOTE = 32,          /* string: the socket's remark ("zero-copy refused ...") */
	SL_CTL_WK_A_PORT = 33,          /* string: the port backend, "af_xdp" or "dpdk" */
	SL_CTL_WK_A_PEER = 34,          /* string: an inline pair's other port, absent for none */
	SL_CTL_WK_A_STAGE = 35,         /* nest of sl_ctl_stage_attr; repeated: one per stage, in order */
	SL_CTL_WK_A_COUNT,
};
#define SL_CTL_WK_A_MAX (SL_CTL_WK_A_COUNT - 1)

/* Inside SL_CTL_WK_A_STAGE: one stage of a worker's pipeline and its counters. */
enum sl_ctl_stage_attr {
	SL_CTL_STG_A_UNSPEC = 0,
	SL_CTL_STG_A_NAME = 1,    /* string: "inspect" */
	SL_CTL_STG_A_SEEN = 2,    /* u64: undecided packets it ran on */
	SL_CTL_STG_A_TX = 3,      /* u64: it decided transmit (or forward) */
	SL_CTL_STG_A_DROP = 4,    /* u64: it decided drop */
	SL_CTL_STG_A_COUNTER = 5, /* nest of sl_ctl_counter_attr; repeated: the stage's own counters (packets = the count) */
	SL_CTL_STG_A_COUNT,
};
#define SL_CTL_STG_A_MAX (SL_CTL_STG_A_COUNT - 1)

/* Inside SL_CTL_A_IFACE. */
enum sl_ctl_iface_attr {
	SL_CTL_IFACE_A_UNSPEC = 0,
	SL_CTL_IFACE_A_NAME = 1,     /* string */
	SL_CTL_IFACE_A_INDEX = 2,    /* u32: ifindex */
	SL_CTL_IFACE_A_XDP_MODE = 3, /* u32: enum sl_ctl_xdp_mode */
	SL_CTL_IFACE_A_COUNT,
};
#define SL_CTL_IFACE_A_MAX (SL_CTL_IFACE_A_COUNT - 1)

/* How the program is attached to an interface. */
enum sl_ctl_xdp_mode {
	SL_CTL_XDP_NATIVE = 0,
	SL_CTL_XDP_GENERIC = 1,
};

/*
 * Inside SL_CTL_A_IFACE_STATS: the counters of one ingress interface of
 * sl_iface_stats. An older sluiced (a 1024-slot array) also sent 0,
 * "other", for every ifindex of 1024 or more.
 */
enum sl_ctl_ifstats_attr {
	SL_CTL_IFST_A_UNSPEC = 0,
	SL_CTL_IFST_A_IFINDEX = 1, /* u32: the ingress ifindex (0: "other", from an older sluiced) */
	SL_CTL_IFST_A_NAME = 2,    /* string: its name in the daemon's namespace, "ifindex-N" when gone */
	SL_CTL_IFST_A_VERDICT = 3, /* nest of sl_ctl_counter_attr; repeated: one per verdict */
	SL_CTL_IFST_A_COUNT,
};
#define SL_CTL_IFST_A_MAX (SL_CTL_IFST_A_COUNT - 1)

/* SL_CTL_A_SET_SOURCE: where a named set's elements come from. */
enum sl_ctl_set_source {
	SL_CTL_SET_SRC_POLICY = 0,         /* the config, set files and set commands */
	SL_CTL_SET_SRC_HOST_ADDRESSES = 1, /* sluiced, from the host's own addresses */
};

/* Inside SL_CTL_A_VERDICT, SL_CTL_A_REASON and SL_CTL_A_RULE. */
enum sl_ctl_counter_attr {
	SL_CTL_CNT_A_UNSPEC = 0,
	SL_CTL_CNT_A_ID = 1,      /* u32: verdict, reason (include/sluice/abi.h) or rule index */
	SL_CTL_CNT_A_NAME = 2,    /* string: "pass", "default_policy", the rule's name */
	SL_CTL_CNT_A_PACKETS = 3, /* u64 */
	SL_CTL_CNT_A_BYTES = 4,   /* u64 */
	SL_CTL_CNT_A_COUNT,
};
#define SL_CTL_CNT_A_MAX (SL_CTL_CNT_A_COUNT - 1)

/* Inside SL_CTL_A_PLACEMENT: where one large BPF map or memory pool lives (docs/tiers.md). */
enum sl_ctl_place_attr {
	SL_CTL_PLACE_A_UNSPEC = 0,
	SL_CTL_PLACE_A_NAME = 1,       /* string: the map or pool, "sl_dir24", "flow_tables" */
	SL_CTL_PLACE_A_KIND = 2,       /* u32: enum sl_ctl_place_kind */
	SL_CTL_PLACE_A_POOL = 3,       /* string: the memory: pool that places it, "prefix_tables" */
	SL_CTL_PLACE_A_TIER = 4,       /* string: the tier asked, "fast", "capacity", "auto", "nodes" */
	SL_CTL_PLACE_A_REQ_NODES = 5,  /* u64: tier "nodes": the nodes asked, bit n is node n */
	SL_CTL_PLACE_A_NODES = 6,      /* u64: the nodes it resolved to, bit n is node n */
	SL_CTL_PLACE_A_FELL_BACK = 7,  /* u8: the tier asked was missing, fast was used */
	SL_CTL_PLACE_A_NUMA_FLAG = 8,  /* u8: a map created with BPF_F_NUMA_NODE (maps only) */
	SL_CTL_PLACE_A_BYTES = 9,      /* u64: its size */
	SL_CTL_PLACE_A_MEASURED = 10,  /* u8: 1 when the pages below were measured (move_pages) */
	SL_CTL_PLACE_A_PAGE_SIZE = 11, /* u64: measured only */
	SL_CTL_PLACE_A_PAGES = 12,     /* u64: measured only: pages in the region */
	SL_CTL_PLACE_A_ABSENT = 13,    /* u64: measured only: pages the kernel did not report */
	SL_CTL_PLACE_A_NODE_PAGES = 14, /* nest of sl_ctl_node_pages_attr; repeated, one per node */
	SL_CTL_PLACE_A_COUNT,
};
#define SL_CTL_PLACE_A_MAX (SL_CTL_PLACE_A_COUNT - 1)

/* What an SL_CTL_A_PLACEMENT describes. */
enum sl_ctl_place_kind {
	SL_CTL_PLACE_MAP = 0,  /* a BPF map, placed by NUMA node at creation */
	SL_CTL_PLACE_POOL = 1, /* a memory pool sluiced mapped itself */
};

/* Inside SL_CTL_PLACE_A_NODE_PAGES: the pages move_pages found on one node. */
enum sl_ctl_node_pages_attr {
	SL_CTL_NP_A_UNSPEC = 0,
	SL_CTL_NP_A_NODE = 1,  /* u32: node id */
	SL_CTL_NP_A_PAGES = 2, /* u64 */
	SL_CTL_NP_A_COUNT,
};
#define SL_CTL_NP_A_MAX (SL_CTL_NP_A_COUNT - 1)

/* Inside SL_CTL_A_RTNL: the rtnetlink watcher's state and counters (docs/rtnetlink.md). */
enum sl_ctl_rtnl_attr {
	SL_CTL_RTNL_A_UNSPEC = 0,
	SL_CTL_RTNL_A_SYNCED = 1,       /* u8: every dump of the last (re)sync completed */
	SL_CTL_RTNL_A_EVENTS = 2,       /* u64: kernel messages applied, dumps included */
	SL_CTL_RTNL_A_RESYNCS = 3,      /* u64: full resyncs after lost events (ENOBUFS) */
	SL_CTL_RTNL_A_DUMPS_REDONE = 4, /* u64: dumps redone after NLM_F_DUMP_INTR */
	SL_CTL_RTNL_A_FOREIGN = 5,      /* u64: messages not from the kernel, dropped */
	SL_CTL_RTNL_A_MALFORMED = 6,    /* u64: messages the parser refused, dropped */
	SL_CTL_RTNL_A_STALE_SEQ = 7,    /* u64: replies to no dump of ours, dropped */
	SL_CTL_RTNL_A_TABLE_FULL = 8,   /* u64: entries not kept: their table was full */
	SL_CTL_RTNL_A_DUMP_ERRORS = 9,  /* u64: dumps the kernel refused */
	SL_CTL_RTNL_A_ATTACHES = 10,    /* u64: attachments made by the watcher (patterns, returning links) */
	SL_CTL_RTNL_A_FORGOTTEN = 11,   /* u64: attached links that disappeared */
	SL_CTL_RTNL_A_ATTACH_FAILED = 12, /* u64: attachments the kernel refused */
	SL_CTL_RTNL_A_MTU_REFUSED = 13, /* u64: native XDP refused for an MTU above the limit */
	SL_CTL_RTNL_A_MTU_OVER = 14,    /* u64: an attached link's MTU went above the native XDP limit */
	SL_CTL_RTNL_A_N_LINKS = 15,     /* u32: links tracked */
	SL_CTL_RTNL_A_N_ADDRS = 16,     /* u32: addresses tracked */
	SL_CTL_RTNL_A_N_NEIGHS = 17,    /* u32: neighbours tracked */
	SL_CTL_RTNL_A_N_ROUTES = 18,    /* u32: routes tracked */
	SL_CTL_RTNL_A_LINK = 19,        /* nest of sl_ctl_rtlink_attr; repeated, at most 64 */
	SL_CTL_RTNL_A_XDP_MTU_MAX = 20, /* u32: the largest MTU native XDP is checked against */
	SL_CTL_RTNL_A_COUNT,
};
#define SL_CTL_RTNL_A_MAX (SL_CTL_RTNL_A_COUNT - 1)

/* Inside SL_CTL_RTNL_A_LINK: one link the watcher knows. */
enum sl_ctl_rtlink_attr {
	SL_CTL_RTLINK_A_UNSPEC = 0,
	SL_CTL_RTLINK_A_INDEX = 1,    /* u32: ifindex */
	SL_CTL_RTLINK_A_NAME = 2,     /* string */
	SL_CTL_RTLINK_A_MTU = 3,      /* u32 */
	SL_CTL_RTLINK_A_UP = 4,       /* u8: IFF_UP */
	SL_CTL_RTLINK_A_ATTACHED = 5, /* u8: the firewall is attached to it */
	SL_CTL_RTLINK_A_ENTRY = 6,    /* string: the `interfaces` name or pattern it falls under */
	SL_CTL_RTLINK_A_XDP_MODE = 7, /* u32: enum sl_ctl_xdp_mode, when attached */
	SL_CTL_RTLINK_A_ADDR = 8,     /* string: "198.18.0.1/24", "2001:db8::1/64"; repeated */
	SL_CTL_RTLINK_A_COUNT,
};
#define SL_CTL_RTLINK_A_MAX (SL_CTL_RTLINK_A_COUNT - 1)

/* Longest string attribute value, including its NUL. */
#define SL_CTL_STR_MAX 256

_Static_assert(sizeof(struct sl_ctl_hdr) == 4, "command header");

#endif /* SLUICE_CTL_H */
