/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the rtnetlink watcher's parser with arbitrary bytes as one
 * datagram from the kernel: every message is framed and parsed, what the
 * parser accepts must hold (names NUL-terminated and short, prefix
 * lengths within the family, link-layer addresses bounded), and the same
 * bytes then go through a detached watcher's tables and dump state
 * machine (sl_rtnl_feed), whose tables must stay within their limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "control/rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sl_rtnl_limits limits = { .links = 64, .addrs = 64, .neighs = 64, .routes = 64 };

static void check(const struct sl_rtnl_msg *m)
{
	switch (m->kind) {
	case SL_RTNL_K_LINK:
		if (m->link.ifindex <= 0 || strnlen(m->link.name, IF_NAMESIZE) >= IF_NAMESIZE ||
		    (!m->del && !m->link.name[0]))
			abort();
		break;
	case SL_RTNL_K_ADDR:
		if ((m->addr.family != AF_INET && m->addr.family != AF_INET6) || m->addr.ifindex <= 0 ||
		    m->addr.prefixlen > (m->addr.family == AF_INET ? 32 : 128))
			abort();
		break;
	case SL_RTNL_K_NEIGH:
		if ((m->neigh.family != AF_INET && m->neigh.family != AF_INET6) ||
		    m->neigh.lladdr_len > SL_RTNL_LLADDR_MAX)
			abort();
		break;
	case SL_RTNL_K_ROUTE:
		if (m->route.dst_len > (m->route.family == AF_INET ? 32 : 128) || m->route.oif < 0)
			abort();
		break;
	case SL_RTNL_K_DONE:
	case SL_RTNL_K_ERROR:
		if (m->error > 0 || m->error < -4095)
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_rtnl *w;
	static unsigned int runs;
	uint8_t *copy;
	size_t off = 0;

	if (size > 65536)
		return 0;
	/* Aligned like the watcher's receive buffer: headers are read in place. */
	copy = aligned_alloc(8, size ? (size + 7) / 8 * 8 : 8);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	while (off < size) {
		const struct nlmsghdr *nlh;
		struct sl_rtnl_msg m;
		int step = sl_rtnl_frame(copy + off, size - off, &nlh);

		if (step < 0)
			break;
		if (step == 0 || nlh != (const void *)(copy + off))
			abort();
		if (!sl_rtnl_parse(nlh, &m))
			check(&m);
		off += (size_t)step;
	}
	free(copy);

	/* A fresh watcher now and then, so the tables see both empty and full. */
	if (!w || ++runs % 256 == 0) {
		sl_rtnl_close(w);
		w = NULL;
		if (sl_rtnl_open_detached(NULL, &limits, &w))
			abort();
	}
	/* The first bytes may be a notification, or carry the dump's own sequence number. */
	if (size >= sizeof(struct nlmsghdr) && (data[0] & 1)) {
		uint8_t *mine = aligned_alloc(8, (size + 7) / 8 * 8);
		uint32_t seq = sl_rtnl_dump_seq(w);

		if (!mine)
			return 0;
		memcpy(mine, data, size);
		memcpy(mine + offsetof(struct nlmsghdr, nlmsg_seq), &seq, sizeof(seq));
		if (sl_rtnl_feed(w, 0, mine, size))
			abort();
		free(mine);
	} else if (sl_rtnl_feed(w, 0, data, size)) {
		abort();
	}
	if (sl_rtnl_n_links(w) > limits.links || sl_rtnl_n_addrs(w) > limits.addrs ||
	    sl_rtnl_n_neighs(w) > limits.neighs || sl_rtnl_n_routes(w) > limits.routes)
		abort();
	return 0;
}
