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
 * Commands. A reply carries the command of its request. Commands marked
 * "later" are reserved: the daemon answers them with EOPNOTSUPP until
 * they are implemented.
 */
enum sl_ctl_cmd {
	SL_CTL_CMD_UNSPEC = 0,
	SL_CTL_CMD_STATUS = 1,      /* do: one reply with the daemon's state */
	SL_CTL_CMD_STATS = 2,       /* dump: counters per verdict, reason, rule */
	SL_CTL_CMD_IFACE_ATTACH = 3, /* later */
	SL_CTL_CMD_IFACE_DETACH = 4, /* later */
	SL_CTL_CMD_IFACE_LIST = 5,  /* later */
	SL_CTL_CMD_RULE_ADD = 6,    /* later */
	SL_CTL_CMD_RULE_DELETE = 7, /* later */
	SL_CTL_CMD_RULE_REPLACE = 8, /* later */
	SL_CTL_CMD_RULE_LIST = 9,   /* later */
	SL_CTL_CMD_SET_CREATE = 10, /* later */
	SL_CTL_CMD_SET_DELETE = 11, /* later */
	SL_CTL_CMD_SET_ADD = 12,    /* later: add elements */
	SL_CTL_CMD_SET_REMOVE = 13, /* later: delete elements */
	SL_CTL_CMD_SET_FLUSH = 14,  /* later */
	SL_CTL_CMD_SET_LIST = 15,   /* later */
	SL_CTL_CMD_SET_LOAD = 16,   /* later: bulk load from a file */
	SL_CTL_CMD_RELOAD = 17,     /* later: re-read the config */
	SL_CTL_CMD_TX_BEGIN = 18,   /* later */
	SL_CTL_CMD_TX_COMMIT = 19,  /* later */
	SL_CTL_CMD_TX_ABORT = 20,   /* later */
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
	SL_CTL_A_COUNT,
};
#define SL_CTL_A_MAX (SL_CTL_A_COUNT - 1)

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

/* Longest string attribute value, including its NUL. */
#define SL_CTL_STR_MAX 256

_Static_assert(sizeof(struct sl_ctl_hdr) == 4, "command header");

#endif /* SLUICE_CTL_H */
