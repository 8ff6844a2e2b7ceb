/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rtnetlink watcher's part of a STATUS reply (SL_CTL_A_RTNL,
 * include/sluice/ctl.h): a snapshot the daemon fills, its attribute
 * policy for the control protocol's parser, the builder sluiced uses and
 * the reader sluicectl uses.
 */
#ifndef SLUICE_RTNL_STATUS_H
#define SLUICE_RTNL_STATUS_H

#include <libmnl/libmnl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define SL_RTNL_STATUS_LINKS 64  /* links sent in one STATUS; the rest are counted only */
#define SL_RTNL_STATUS_ADDRS 128 /* addresses sent in one STATUS, over all links */
#define SL_RTNL_ADDR_STR 52      /* "IPv6/128" with its NUL */

/* The policies of SL_CTL_A_RTNL and of its SL_CTL_RTNL_A_LINK nests. */
extern const struct sl_ctl_attrset sl_ctl_rtnl_attrs;
extern const struct sl_ctl_attrset sl_ctl_rtlink_attrs;

struct sl_rtnl_status_link {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	uint32_t mtu;
	bool up;
	bool attached;
	uint32_t xdp_mode;       /* enum sl_ctl_xdp_mode; attached only */
	char entry[IF_NAMESIZE]; /* "" when no `interfaces` entry matches */
	uint32_t first_addr;     /* its addresses: addrs[first_addr .. first_addr + n_addrs) */
	uint32_t n_addrs;
};

/* What STATUS reports about the watcher. */
struct sl_rtnl_status {
	bool synced;
	/* The watcher's counters (struct sl_rtnl_counters) and the daemon's. */
	uint64_t events, resyncs, dumps_redone, foreign, malformed, stale_seq, table_full,
		dump_errors;
	uint64_t attaches, forgotten, attach_failed, mtu_refused, mtu_over;
	uint32_t xdp_mtu_max;
	uint32_t n_links, n_addrs, n_neighs, n_routes; /* tracked, which may be more than sent */
	struct sl_rtnl_status_link links[SL_RTNL_STATUS_LINKS];
	size_t n_status_links;
	char addrs[SL_RTNL_STATUS_ADDRS][SL_RTNL_ADDR_STR];
	size_t n_status_addrs;
};

/* Adds st as an SL_CTL_A_RTNL nest to nlh (buffer of size bytes). 0 or -EMSGSIZE (nothing added). */
int sl_rtnl_status_put(struct nlmsghdr *nlh, size_t size, const struct sl_rtnl_status *st);

/*
 * Reads an SL_CTL_A_RTNL nest of a parsed message (base) into out. 0, or
 * -EBADMSG when it breaks its policy. Links and addresses beyond out's
 * room are skipped.
 */
int sl_rtnl_status_get(const struct nlmsghdr *base, const struct nlattr *nest,
		       struct sl_rtnl_status *out);

#endif /* SLUICE_RTNL_STATUS_H */
