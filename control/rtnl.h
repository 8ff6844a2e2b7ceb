/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rtnetlink watcher (docs/rtnetlink.md): sluiced's view of the host's
 * links, addresses, neighbours and routes, kept from a NETLINK_ROUTE
 * socket (libmnl, non-blocking, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK)
 * subscribed to the link, address, neighbour and route groups.
 *
 * On open, and again whenever the kernel says events were lost (ENOBUFS),
 * the watcher dumps each kind in turn with a fresh sequence number; a
 * dump the kernel marks interrupted (NLM_F_DUMP_INTR) is redone, and
 * entries a complete dump did not list are removed. Only messages from
 * the kernel (port id 0) are read; anything else is counted and dropped.
 *
 * Every message goes through one bounded parser (sl_rtnl_parse), which
 * checks each length before libmnl or anything else reads a byte.
 *
 * The tables are bounded: an entry that does not fit is counted
 * (table_full) and not stored. No function here logs; the owner reads
 * the counters and gets callbacks for what changed.
 */
#ifndef SLUICE_RTNL_H
#define SLUICE_RTNL_H

#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ parser */

/* What a parsed message describes. */
enum sl_rtnl_kind {
	SL_RTNL_K_NONE = 0, /* a message of no kind we track (nothing to do) */
	SL_RTNL_K_LINK,
	SL_RTNL_K_ADDR,
	SL_RTNL_K_NEIGH,
	SL_RTNL_K_ROUTE,
	SL_RTNL_K_DONE,  /* NLMSG_DONE: the end of a dump */
	SL_RTNL_K_ERROR, /* NLMSG_ERROR: an ACK (error 0) or a refusal */
};

#define SL_RTNL_LLADDR_MAX 32 /* MAX_ADDR_LEN */

struct sl_rtnl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	uint32_t mtu;   /* 0 when the message carried none */
	uint32_t flags; /* IFF_x from ifi_flags */
	bool up;        /* IFF_UP */
};

/* An address on a link: the local address (IFA_LOCAL, else IFA_ADDRESS). */
struct sl_rtnl_addr {
	int ifindex;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	uint8_t addr[16]; /* network order; IPv4 in the first four bytes */
};

struct sl_rtnl_neigh {
	int ifindex;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t lladdr_len; /* 0: none (an incomplete or failed entry) */
	uint16_t state;     /* NUD_x */
	uint8_t addr[16];
	uint8_t lladdr[SL_RTNL_LLADDR_MAX];
};

/* A unicast route of the main table. */
struct sl_rtnl_route {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t dst_len;
	bool has_gw;
	int oif;        /* 0 when none (multipath) */
	uint32_t table;
	uint32_t metric; /* RTA_PRIORITY, 0 when none */
	uint8_t dst[16];
	uint8_t gw[16];
};

/* One parsed message. */
struct sl_rtnl_msg {
	uint16_t type;  /* nlmsg_type */
	uint16_t flags; /* nlmsg_flags */
	uint32_t seq;
	enum sl_rtnl_kind kind;
	bool del;  /* an RTM_DELx */
	int error; /* SL_RTNL_K_ERROR: the negative errno, 0 for an ACK */
	union {
		struct sl_rtnl_link link;
		struct sl_rtnl_addr addr;
		struct sl_rtnl_neigh neigh;
		struct sl_rtnl_route route;
	};
};

/*
 * Frames the netlink message at the start of buf (len bytes): a whole
 * header, nlmsg_len between the header size and len. Returns the bytes
 * to step to the next message (nlmsg_len aligned, at most len) with *nlh
 * set, or -EINVAL (the rest of buf cannot be framed).
 */
int sl_rtnl_frame(const void *buf, size_t len, const struct nlmsghdr **nlh);

/*
 * Parses one framed message (nlh->nlmsg_len bytes readable) into out.
 * Returns 0; -EINVAL when a length or value is wrong (short family
 * header, an attribute overrunning its message, an address of the wrong
 * size for its family, a name without its NUL, ...); -EAFNOSUPPORT for a
 * family we do not track (bridge FDB entries, MPLS routes, ...), and
 * -EOPNOTSUPP for a route outside the main table or not unicast: the
 * last two are nothing to worry about, only not ours.
 */
int sl_rtnl_parse(const struct nlmsghdr *nlh, struct sl_rtnl_msg *out);

/* ------------------------------------------------------------------ watcher */

enum sl_rtnl_event {
	SL_RTNL_ADDED = 0,
	SL_RTNL_REMOVED = 1,
	SL_RTNL_CHANGED = 2, /* links: name, MTU or flags changed; old is the previous state */
};

/*
 * What the owner hears about. Called from sl_rtnl_dispatch only (the
 * first dump is read there too), after the table was updated. A callback must not call back into the
 * watcher except for the read-only functions below.
 */
struct sl_rtnl_ops {
	/* A link appeared, went (link is its last state), or changed (old: before). */
	void (*on_link)(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_link *link,
			const struct sl_rtnl_link *old);
	/* An address was added to or removed from a link (ADDED or REMOVED only). */
	void (*on_addr)(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_addr *addr);
	void *arg;
};

/* Table limits; 0 takes the default in brackets. */
struct sl_rtnl_limits {
	size_t links;  /* [1024] */
	size_t addrs;  /* [4096] */
	size_t neighs; /* [8192] */
	size_t routes; /* [8192] */
	int rcvbuf;    /* the socket's receive buffer in bytes [4 MiB]; events beyond it are lost (ENOBUFS) */
};

struct sl_rtnl_counters {
	uint64_t events;       /* kernel messages applied, dumps included */
	uint64_t resyncs;      /* full dumps after the kernel said events were lost (ENOBUFS) */
	uint64_t dumps_redone; /* dumps the kernel marked interrupted (NLM_F_DUMP_INTR) */
	uint64_t foreign;      /* messages not from the kernel (port id != 0), dropped */
	uint64_t malformed;    /* messages the parser refused, dropped */
	uint64_t stale_seq;    /* dump replies of a sequence number we did not ask for, dropped */
	uint64_t table_full;   /* entries not stored because their table was full */
	uint64_t dump_errors;  /* dumps the kernel refused (NLMSG_ERROR or an error in NLMSG_DONE) */
};

struct sl_rtnl;

/*
 * Opens the socket (in the caller's network namespace), subscribes and
 * sends the first dump request; the dumps are read by sl_rtnl_dispatch.
 * ops may be NULL, limits may be NULL. Returns 0 or a negative errno.
 */
int sl_rtnl_open(const struct sl_rtnl_ops *ops, const struct sl_rtnl_limits *limits,
		 struct sl_rtnl **out);

/*
 * A watcher without a socket, for tests and fuzzing: dump requests are
 * only recorded (sl_rtnl_dump_seq says which one runs) and messages come
 * from sl_rtnl_feed.
 */
int sl_rtnl_open_detached(const struct sl_rtnl_ops *ops, const struct sl_rtnl_limits *limits,
			  struct sl_rtnl **out);

/* The port id of a detached watcher: dump replies fed to it carry it in nlmsg_pid. */
#define SL_RTNL_DETACHED_PORTID 4242u

/*
 * Handles buf (len bytes, at most 64 KiB) as one datagram received from
 * netlink port id pid, exactly as sl_rtnl_dispatch handles what it reads.
 * 0 or a negative errno.
 */
int sl_rtnl_feed(struct sl_rtnl *w, uint32_t pid, const void *buf, size_t len);

/* The sequence number of the dump running, 0 when none runs. */
uint32_t sl_rtnl_dump_seq(const struct sl_rtnl *w);

/* The socket's fd, for poll(2) with POLLIN (-1 for a detached watcher). */
int sl_rtnl_fd(const struct sl_rtnl *w);

/*
 * Reads everything the socket holds (it never blocks), applies it to the
 * tables and calls the callbacks; starts the next dump when one is done.
 * Returns 0, or a negative errno when the socket itself failed (other
 * than ENOBUFS, which is handled with a resync).
 */
int sl_rtnl_dispatch(struct sl_rtnl *w);

/* True once every dump of the current (re)sync has completed. */
bool sl_rtnl_synced(const struct sl_rtnl *w);

/* Asks for a full resync now (what ENOBUFS does): every table is dumped again. */
int sl_rtnl_resync(struct sl_rtnl *w);

/* The netlink port id the kernel gave the socket (tests send to it). */
uint32_t sl_rtnl_portid(const struct sl_rtnl *w);

const struct sl_rtnl_counters *sl_rtnl_counters(const struct sl_rtnl *w);

/* Sizes of the tables now. */
size_t sl_rtnl_n_links(const struct sl_rtnl *w);
size_t sl_rtnl_n_addrs(const struct sl_rtnl *w);
size_t sl_rtnl_n_neighs(const struct sl_rtnl *w);
size_t sl_rtnl_n_routes(const struct sl_rtnl *w);

/* The i-th entry (0 <= i < n), in no particular order; NULL past the end. */
const struct sl_rtnl_link *sl_rtnl_link_at(const struct sl_rtnl *w, size_t i);
const struct sl_rtnl_addr *sl_rtnl_addr_at(const struct sl_rtnl *w, size_t i);
const struct sl_rtnl_neigh *sl_rtnl_neigh_at(const struct sl_rtnl *w, size_t i);
const struct sl_rtnl_route *sl_rtnl_route_at(const struct sl_rtnl *w, size_t i);

/* The link with this ifindex, or NULL. */
const struct sl_rtnl_link *sl_rtnl_link_by_index(const struct sl_rtnl *w, int ifindex);

/* Closes the socket and frees the tables. NULL-safe. */
void sl_rtnl_close(struct sl_rtnl *w);

#endif /* SLUICE_RTNL_H */
