/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "rtnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define RX_SIZE 65536        /* the kernel's dump datagrams stay below 32 KiB */
#define RCVBUF_BYTES (4 << 20) /* room for bursts of events before ENOBUFS */
#define MAX_DATAGRAMS 64     /* per dispatch, so that the control socket is served too */
#define MAX_REDO 16          /* interrupted dumps redone in a row before one is accepted */

/* ------------------------------------------------------------------- parser */

int sl_rtnl_frame(const void *buf, size_t len, const struct nlmsghdr **nlh)
{
	const struct nlmsghdr *h = buf;
	size_t step;

	*nlh = NULL;
	if (len < sizeof(*h) || h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len)
		return -EINVAL;
	step = NLMSG_ALIGN((size_t)h->nlmsg_len);
	*nlh = h;
	return (int)(step < len ? step : len);
}

/*
 * Walks the attributes in [p, p + len), each length checked against what
 * is left before the attribute is looked at, into tb[0..max] (the last of
 * a type wins, as in the kernel's nla_parse). Types above max are skipped.
 */
static int walk_attrs(const uint8_t *p, size_t len, const struct nlattr **tb, uint16_t max)
{
	size_t off = 0;

	memset(tb, 0, sizeof(*tb) * ((size_t)max + 1));
	while (off < len) {
		const struct nlattr *a = (const struct nlattr *)(p + off);
		size_t rem = len - off;
		uint16_t t;

		if (rem < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return -EINVAL;
		t = a->nla_type & NLA_TYPE_MASK;
		if (t <= max)
			tb[t] = a;
		off += NLA_ALIGN((size_t)a->nla_len);
	}
	return 0;
}

/* The attributes after a family header of hdr_len bytes, or -EINVAL when it does not fit. */
static int msg_attrs(const struct nlmsghdr *nlh, size_t hdr_len, const struct nlattr **tb,
		     uint16_t max)
{
	size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(hdr_len);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + hdr_len)
		return -EINVAL;
	/* A message may end right after its (unpadded) family header. */
	if (start >= nlh->nlmsg_len)
		return walk_attrs(NULL, 0, tb, max);
	return walk_attrs((const uint8_t *)nlh + start, nlh->nlmsg_len - start, tb, max);
}

static size_t attr_plen(const struct nlattr *a)
{
	return (size_t)a->nla_len - NLA_HDRLEN;
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (attr_plen(a) != sizeof(*v))
		return -EINVAL;
	*v = mnl_attr_get_u32(a);
	return 0;
}

/* An address of exactly the family's size. */
static int get_ip(const struct nlattr *a, uint8_t family, uint8_t out[16])
{
	size_t want = family == AF_INET ? 4 : 16;

	if (attr_plen(a) != want)
		return -EINVAL;
	memset(out, 0, 16);
	memcpy(out, mnl_attr_get_payload(a), want);
	return 0;
}

static bool tracked_family(uint8_t family)
{
	return family == AF_INET || family == AF_INET6;
}

static int parse_link(const struct nlmsghdr *nlh, struct sl_rtnl_link *l)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	int err = msg_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);

	if (err)
		return err;
	/* Bridge port messages (AF_BRIDGE) share the group; they are not links. */
	if (ifi->ifi_family != AF_UNSPEC)
		return -EAFNOSUPPORT;
	if (ifi->ifi_index <= 0)
		return -EINVAL;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->up = ifi->ifi_flags & IFF_UP;
	if (tb[IFLA_MTU] && get_u32(tb[IFLA_MTU], &l->mtu))
		return -EINVAL;
	if (tb[IFLA_IFNAME]) {
		size_t plen = attr_plen(tb[IFLA_IFNAME]);
		const char *s = mnl_attr_get_payload(tb[IFLA_IFNAME]);
		size_t n = strnlen(s, plen);

		if (n == plen || n == 0 || n >= IF_NAMESIZE)
			return -EINVAL;
		memcpy(l->name, s, n);
		l->name[n] = '\0';
	} else if (nlh->nlmsg_type == RTM_NEWLINK) {
		return -EINVAL; /* the kernel names every link it announces */
	}
	return 0;
}

static int parse_addr(const struct nlmsghdr *nlh, struct sl_rtnl_addr *a)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	int err = msg_attrs(nlh, sizeof(*ifa), tb, IFA_MAX);
	const struct nlattr *at;

	if (err)
		return err;
	if (!tracked_family(ifa->ifa_family))
		return -EAFNOSUPPORT;
	if (ifa->ifa_index == 0 || ifa->ifa_index > INT32_MAX ||
	    ifa->ifa_prefixlen > (ifa->ifa_family == AF_INET ? 32 : 128))
		return -EINVAL;
	/* IFA_LOCAL is the host's own address; IFA_ADDRESS is the peer's on point-to-point links. */
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at)
		return -EINVAL;
	a->ifindex = (int)ifa->ifa_index;
	a->family = ifa->ifa_family;
	a->prefixlen = ifa->ifa_prefixlen;
	return get_ip(at, a->family, a->addr);
}

static int parse_neigh(const struct nlmsghdr *nlh, struct sl_rtnl_neigh *n)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	int err = msg_attrs(nlh, sizeof(*nd), tb, NDA_MAX);

	if (err)
		return err;
	/* Bridge FDB entries (AF_BRIDGE) come on the same group. */
	if (!tracked_family(nd->ndm_family))
		return -EAFNOSUPPORT;
	if (nd->ndm_ifindex <= 0 || !tb[NDA_DST])
		return -EINVAL;
	n->ifindex = nd->ndm_ifindex;
	n->family = nd->ndm_family;
	n->state = nd->ndm_state;
	err = get_ip(tb[NDA_DST], n->family, n->addr);
	if (err)
		return err;
	if (tb[NDA_LLADDR]) {
		size_t plen = attr_plen(tb[NDA_LLADDR]);

		if (plen > SL_RTNL_LLADDR_MAX)
			return -EINVAL;
		memcpy(n->lladdr, mnl_attr_get_payload(tb[NDA_LLADDR]), plen);
		n->lladdr_len = (uint8_t)plen;
	}
	return 0;
}

static int parse_route(const struct nlmsghdr *nlh, struct sl_rtnl_route *r)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int err = msg_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	uint32_t oif = 0;

	if (err)
		return err;
	if (!tracked_family(rtm->rtm_family))
		return -EAFNOSUPPORT;
	if (rtm->rtm_dst_len > (rtm->rtm_family == AF_INET ? 32 : 128))
		return -EINVAL;
	r->family = rtm->rtm_family;
	r->dst_len = rtm->rtm_dst_len;
	r->table = rtm->rtm_table;
	if (tb[RTA_TABLE] && get_u32(tb[RTA_TABLE], &r->table))
		return -EINVAL;
	if (tb[RTA_DST] && get_ip(tb[RTA_DST], r->family, r->dst))
		return -EINVAL;
	if (tb[RTA_GATEWAY]) {
		if (get_ip(tb[RTA_GATEWAY], r->family, r->gw))
			return -EINVAL;
		r->has_gw = true;
	}
	if (tb[RTA_OIF]) {
		if (get_u32(tb[RTA_OIF], &oif) || oif > INT32_MAX)
			return -EINVAL;
		r->oif = (int)oif;
	}
	if (tb[RTA_PRIORITY] && get_u32(tb[RTA_PRIORITY], &r->metric))
		return -EINVAL;
	/* Forwarding state is the main table's unicast routes; the rest is not ours. */
	if (r->table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return -EOPNOTSUPP;
	return 0;
}

int sl_rtnl_parse(const struct nlmsghdr *nlh, struct sl_rtnl_msg *out)
{
	memset(out, 0, sizeof(*out));
	/* A caller that did not frame the message still gets no overread of the header. */
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EINVAL;
	out->type = nlh->nlmsg_type;
	out->flags = nlh->nlmsg_flags;
	out->seq = nlh->nlmsg_seq;
	switch (nlh->nlmsg_type) {
	case NLMSG_DONE: {
		int status;

		out->kind = SL_RTNL_K_DONE;
		/* The payload, when there, is the dump's status: an errno or 0. */
		if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(status)) {
			memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
			if (status > 0 || status < -4095)
				return -EINVAL;
			out->error = status;
		}
		return 0;
	}
	case NLMSG_ERROR: {
		struct nlmsgerr ne;

		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(ne))
			return -EINVAL;
		memcpy(&ne, mnl_nlmsg_get_payload(nlh), sizeof(ne));
		if (ne.error > 0 || ne.error < -4095)
			return -EINVAL;
		out->kind = SL_RTNL_K_ERROR;
		out->error = ne.error;
		return 0;
	}
	case RTM_NEWLINK:
	case RTM_DELLINK:
		out->kind = SL_RTNL_K_LINK;
		out->del = nlh->nlmsg_type == RTM_DELLINK;
		return parse_link(nlh, &out->link);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		out->kind = SL_RTNL_K_ADDR;
		out->del = nlh->nlmsg_type == RTM_DELADDR;
		return parse_addr(nlh, &out->addr);
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		out->kind = SL_RTNL_K_NEIGH;
		out->del = nlh->nlmsg_type == RTM_DELNEIGH;
		return parse_neigh(nlh, &out->neigh);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		out->kind = SL_RTNL_K_ROUTE;
		out->del = nlh->nlmsg_type == RTM_DELROUTE;
		return parse_route(nlh, &out->route);
	}
	out->kind = SL_RTNL_K_NONE;
	return 0;
}

/* ------------------------------------------------------------------- tables */

/* One dump of a (re)sync: a request and the entries it refreshes. */
struct dump_step {
	uint16_t type; /* RTM_GETx */
	uint8_t family;
	enum sl_rtnl_kind kind;
};

static const struct dump_step steps[] = {
	{ RTM_GETLINK, AF_UNSPEC, SL_RTNL_K_LINK },
	{ RTM_GETADDR, AF_INET, SL_RTNL_K_ADDR },
	{ RTM_GETADDR, AF_INET6, SL_RTNL_K_ADDR },
	{ RTM_GETNEIGH, AF_INET, SL_RTNL_K_NEIGH },
	{ RTM_GETNEIGH, AF_INET6, SL_RTNL_K_NEIGH },
	{ RTM_GETROUTE, AF_INET, SL_RTNL_K_ROUTE },
	{ RTM_GETROUTE, AF_INET6, SL_RTNL_K_ROUTE },
};
#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

struct link_ent {
	struct sl_rtnl_link v;
	uint32_t gen; /* the (re)sync that last saw it */
};
struct addr_ent {
	struct sl_rtnl_addr v;
	uint32_t gen;
};
struct neigh_ent {
	struct sl_rtnl_neigh v;
	uint32_t gen;
};
struct route_ent {
	struct sl_rtnl_route v;
	uint32_t gen;
};

struct sl_rtnl {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	struct sl_rtnl_ops ops;
	uint32_t seq;       /* the last sequence number sent */
	size_t step;        /* the dump running: an index into steps; N_STEPS: none */
	uint32_t dump_seq;  /* its sequence number */
	bool dump_intr;     /* a reply of this dump carried NLM_F_DUMP_INTR */
	unsigned int redo;  /* interrupted dumps of this step in a row */
	bool resync_pending; /* events were lost during a dump: start over after it */
	bool synced;
	uint32_t gen;       /* of the current (re)sync */
	struct link_ent *links;
	struct addr_ent *addrs;
	struct neigh_ent *neighs;
	struct route_ent *routes;
	size_t n_links, n_addrs, n_neighs, n_routes;
	struct sl_rtnl_limits lim;
	struct sl_rtnl_counters cnt;
	uint8_t *rx;
};

static bool same_ip(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 16);
}

static void addr_removed(struct sl_rtnl *w, size_t i)
{
	struct sl_rtnl_addr old = w->addrs[i].v;

	w->addrs[i] = w->addrs[--w->n_addrs];
	if (w->ops.on_addr)
		w->ops.on_addr(w->ops.arg, SL_RTNL_REMOVED, &old);
}

/*
 * What the kernel drops without telling: a deleted link's addresses,
 * neighbours and routes; a link that went down loses its IPv4 routes.
 */
static void forget_link_state(struct sl_rtnl *w, int ifindex, bool all)
{
	size_t i;

	for (i = 0; all && i < w->n_addrs;) {
		if (w->addrs[i].v.ifindex == ifindex)
			addr_removed(w, i);
		else
			i++;
	}
	for (i = 0; all && i < w->n_neighs;) {
		if (w->neighs[i].v.ifindex == ifindex)
			w->neighs[i] = w->neighs[--w->n_neighs];
		else
			i++;
	}
	for (i = 0; i < w->n_routes;) {
		if (w->routes[i].v.oif == ifindex && (all || w->routes[i].v.family == AF_INET))
			w->routes[i] = w->routes[--w->n_routes];
		else
			i++;
	}
}

static void link_removed(struct sl_rtnl *w, size_t i)
{
	struct sl_rtnl_link old = w->links[i].v;

	w->links[i] = w->links[--w->n_links];
	forget_link_state(w, old.ifindex, true);
	if (w->ops.on_link)
		w->ops.on_link(w->ops.arg, SL_RTNL_REMOVED, &old, NULL);
}

static void apply_link(struct sl_rtnl *w, const struct sl_rtnl_msg *m)
{
	const struct sl_rtnl_link *l = &m->link;
	struct sl_rtnl_link old;
	size_t i;

	for (i = 0; i < w->n_links; i++)
		if (w->links[i].v.ifindex == l->ifindex)
			break;
	if (m->del) {
		if (i < w->n_links)
			link_removed(w, i);
		return;
	}
	if (i == w->n_links) {
		if (w->n_links >= w->lim.links) {
			w->cnt.table_full++;
			return;
		}
		w->links[w->n_links++] = (struct link_ent){ .v = *l, .gen = w->gen };
		if (w->ops.on_link)
			w->ops.on_link(w->ops.arg, SL_RTNL_ADDED, l, NULL);
		return;
	}
	old = w->links[i].v;
	w->links[i].v = *l;
	if (!l->mtu)
		w->links[i].v.mtu = old.mtu; /* a message without IFLA_MTU keeps what we knew */
	w->links[i].gen = w->gen;
	if (old.up && !l->up)
		forget_link_state(w, l->ifindex, false);
	if (strcmp(old.name, l->name) || old.mtu != w->links[i].v.mtu || old.flags != l->flags) {
		if (w->ops.on_link)
			w->ops.on_link(w->ops.arg, SL_RTNL_CHANGED, &w->links[i].v, &old);
	}
}

static void apply_addr(struct sl_rtnl *w, const struct sl_rtnl_msg *m)
{
	const struct sl_rtnl_addr *a = &m->addr;
	size_t i;

	for (i = 0; i < w->n_addrs; i++) {
		const struct sl_rtnl_addr *e = &w->addrs[i].v;

		if (e->ifindex == a->ifindex && e->family == a->family &&
		    e->prefixlen == a->prefixlen && same_ip(e->addr, a->addr))
			break;
	}
	if (m->del) {
		if (i < w->n_addrs)
			addr_removed(w, i);
		return;
	}
	if (i < w->n_addrs) {
		w->addrs[i].gen = w->gen;
		return;
	}
	if (w->n_addrs >= w->lim.addrs) {
		w->cnt.table_full++;
		return;
	}
	w->addrs[w->n_addrs++] = (struct addr_ent){ .v = *a, .gen = w->gen };
	if (w->ops.on_addr)
		w->ops.on_addr(w->ops.arg, SL_RTNL_ADDED, a);
}

static void apply_neigh(struct sl_rtnl *w, const struct sl_rtnl_msg *m)
{
	const struct sl_rtnl_neigh *n = &m->neigh;
	size_t i;

	for (i = 0; i < w->n_neighs; i++) {
		const struct sl_rtnl_neigh *e = &w->neighs[i].v;

		if (e->ifindex == n->ifindex && e->family == n->family && same_ip(e->addr, n->addr))
			break;
	}
	if (m->del) {
		if (i < w->n_neighs)
			w->neighs[i] = w->neighs[--w->n_neighs];
		return;
	}
	if (i == w->n_neighs) {
		if (w->n_neighs >= w->lim.neighs) {
			w->cnt.table_full++;
			return;
		}
		w->n_neighs++;
	}
	w->neighs[i] = (struct neigh_ent){ .v = *n, .gen = w->gen };
}

static void apply_route(struct sl_rtnl *w, const struct sl_rtnl_msg *m)
{
	const struct sl_rtnl_route *r = &m->route;
	size_t i;

	for (i = 0; i < w->n_routes; i++) {
		const struct sl_rtnl_route *e = &w->routes[i].v;

		if (e->family == r->family && e->dst_len == r->dst_len && e->table == r->table &&
		    e->metric == r->metric && e->oif == r->oif && same_ip(e->dst, r->dst))
			break;
	}
	if (m->del) {
		if (i < w->n_routes)
			w->routes[i] = w->routes[--w->n_routes];
		return;
	}
	if (i == w->n_routes) {
		if (w->n_routes >= w->lim.routes) {
			w->cnt.table_full++;
			return;
		}
		w->n_routes++;
	}
	w->routes[i] = (struct route_ent){ .v = *r, .gen = w->gen };
}

/* Removes what the dump of step s did not list: it is gone from the kernel. */
static void sweep(struct sl_rtnl *w, const struct dump_step *s)
{
	size_t i;

	switch (s->kind) {
	case SL_RTNL_K_LINK:
		for (i = 0; i < w->n_links;) {
			if (w->links[i].gen != w->gen)
				link_removed(w, i);
			else
				i++;
		}
		break;
	case SL_RTNL_K_ADDR:
		for (i = 0; i < w->n_addrs;) {
			if (w->addrs[i].v.family == s->family && w->addrs[i].gen != w->gen)
				addr_removed(w, i);
			else
				i++;
		}
		break;
	case SL_RTNL_K_NEIGH:
		for (i = 0; i < w->n_neighs;) {
			if (w->neighs[i].v.family == s->family && w->neighs[i].gen != w->gen)
				w->neighs[i] = w->neighs[--w->n_neighs];
			else
				i++;
		}
		break;
	case SL_RTNL_K_ROUTE:
		for (i = 0; i < w->n_routes;) {
			if (w->routes[i].v.family == s->family && w->routes[i].gen != w->gen)
				w->routes[i] = w->routes[--w->n_routes];
			else
				i++;
		}
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------- socket */

/* Sends the dump request of step i with a new sequence number. */
static int send_dump(struct sl_rtnl *w, size_t i)
{
	uint8_t buf[128] __attribute__((aligned(4)));
	const struct dump_step *s = &steps[i];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = s->type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++w->seq ? w->seq : ++w->seq; /* 0 is what notifications carry */
	switch (s->type) {
	case RTM_GETLINK: {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_family = s->family;
		/* Statistics are most of a link message and we do not read them. */
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		break;
	}
	case RTM_GETADDR: {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = s->family;
		break;
	}
	case RTM_GETNEIGH: {
		struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

		nd->ndm_family = s->family;
		break;
	}
	default: {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		rtm->rtm_family = s->family;
		break;
	}
	}
	/* A watcher without a socket (sl_rtnl_open_detached) only keeps the books. */
	if (w->nl && mnl_socket_sendto(w->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	w->step = i;
	w->dump_seq = nlh->nlmsg_seq;
	w->dump_intr = false;
	return 0;
}

static int start_sync(struct sl_rtnl *w)
{
	w->gen++;
	w->synced = false;
	w->resync_pending = false;
	w->redo = 0;
	return send_dump(w, 0);
}

int sl_rtnl_resync(struct sl_rtnl *w)
{
	/* One dump at a time per socket: a running one finishes first. */
	if (w->step < N_STEPS) {
		w->resync_pending = true;
		return 0;
	}
	return start_sync(w);
}

/* The current dump ended (DONE, or refused with an error): the next one, or the end. */
static int dump_finished(struct sl_rtnl *w, bool refused)
{
	size_t next = w->step + 1;

	if (!refused && w->dump_intr && w->redo < MAX_REDO) {
		/* The kernel's tables changed while it dumped: the listing may miss entries. */
		w->cnt.dumps_redone++;
		w->redo++;
		return send_dump(w, w->step);
	}
	if (!refused)
		sweep(w, &steps[w->step]);
	w->redo = 0;
	if (w->resync_pending) {
		w->step = N_STEPS;
		return start_sync(w);
	}
	if (next < N_STEPS)
		return send_dump(w, next);
	w->step = N_STEPS;
	w->synced = true;
	return 0;
}

/* Applies one framed message. */
static int handle_msg(struct sl_rtnl *w, const struct nlmsghdr *nlh)
{
	struct sl_rtnl_msg m;
	int err = sl_rtnl_parse(nlh, &m);

	if (err == -EAFNOSUPPORT || err == -EOPNOTSUPP)
		return 0; /* well-formed, not ours: other families, other tables */
	if (err) {
		w->cnt.malformed++;
		return 0;
	}
	/*
	 * A dump reply carries our port id and the dump's sequence number. A
	 * notification carries 0s, or the port id and sequence number of the
	 * request that caused it (IPv4 addresses and routes echo them).
	 */
	if (nlh->nlmsg_pid == w->portid && m.seq != 0) {
		if (w->step >= N_STEPS || m.seq != w->dump_seq) {
			w->cnt.stale_seq++;
			return 0;
		}
		if (m.flags & NLM_F_DUMP_INTR)
			w->dump_intr = true;
		if (m.kind == SL_RTNL_K_DONE) {
			if (m.error)
				w->cnt.dump_errors++;
			return dump_finished(w, m.error != 0);
		}
		if (m.kind == SL_RTNL_K_ERROR) {
			if (!m.error)
				return 0; /* an ACK: nothing for a dump */
			w->cnt.dump_errors++;
			return dump_finished(w, true);
		}
	} else if (m.kind == SL_RTNL_K_DONE || m.kind == SL_RTNL_K_ERROR) {
		w->cnt.stale_seq++;
		return 0;
	}
	switch (m.kind) {
	case SL_RTNL_K_LINK:
		apply_link(w, &m);
		break;
	case SL_RTNL_K_ADDR:
		apply_addr(w, &m);
		break;
	case SL_RTNL_K_NEIGH:
		apply_neigh(w, &m);
		break;
	case SL_RTNL_K_ROUTE:
		apply_route(w, &m);
		break;
	default:
		return 0;
	}
	w->cnt.events++;
	return 0;
}

/* One datagram from port id pid: the kernel's messages applied, anything else counted. */
static int handle_datagram(struct sl_rtnl *w, uint32_t pid, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int err;

	if (pid != 0) {
		w->cnt.foreign++;
		return 0;
	}
	while (off < len) {
		const struct nlmsghdr *nlh;
		int step = sl_rtnl_frame(buf + off, len - off, &nlh);

		if (step < 0) {
			w->cnt.malformed++;
			break;
		}
		err = handle_msg(w, nlh);
		if (err)
			return err;
		off += (size_t)step;
	}
	return 0;
}

int sl_rtnl_feed(struct sl_rtnl *w, uint32_t pid, const void *buf, size_t len)
{
	uint8_t *copy;
	int err;

	if (len > RX_SIZE)
		return -EMSGSIZE;
	/* The parser reads headers in place: give it the alignment recvfrom's buffer has. */
	copy = aligned_alloc(8, RX_SIZE);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	err = handle_datagram(w, pid, copy, len);
	free(copy);
	return err;
}

int sl_rtnl_dispatch(struct sl_rtnl *w)
{
	int i, err;

	if (!w->nl)
		return 0;

	for (i = 0; i < MAX_DATAGRAMS; i++) {
		struct sockaddr_nl sa;
		socklen_t salen = sizeof(sa);
		ssize_t n;

		memset(&sa, 0, sizeof(sa));
		n = recvfrom(w->fd, w->rx, RX_SIZE, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&sa,
			     &salen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == ENOBUFS) {
				/* Events were dropped: only a full dump tells us the truth again. */
				w->cnt.resyncs++;
				err = sl_rtnl_resync(w);
				if (err)
					return err;
				continue;
			}
			return -errno;
		}
		if (salen != sizeof(sa) || sa.nl_family != AF_NETLINK) {
			w->cnt.foreign++;
			continue;
		}
		if ((size_t)n > RX_SIZE) {
			/* A datagram cut short may have held anything: read everything again. */
			w->cnt.malformed++;
			w->cnt.resyncs++;
			err = sl_rtnl_resync(w);
			if (err)
				return err;
			continue;
		}
		err = handle_datagram(w, sa.nl_pid, w->rx, (size_t)n);
		if (err)
			return err;
	}
	return 0;
}

/* A bigger receive buffer: root may pass net.core.rmem_max, others get what it allows. */
static int grow_rcvbuf(int fd, int bytes)
{
	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)))
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return -errno;
	return 0;
}

/* A watcher with its tables and no socket yet. */
static struct sl_rtnl *alloc_watcher(const struct sl_rtnl_ops *ops,
				     const struct sl_rtnl_limits *limits)
{
	struct sl_rtnl *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (ops)
		w->ops = *ops;
	if (limits)
		w->lim = *limits;
	w->lim.links = w->lim.links ? w->lim.links : 1024;
	w->lim.addrs = w->lim.addrs ? w->lim.addrs : 4096;
	w->lim.neighs = w->lim.neighs ? w->lim.neighs : 8192;
	w->lim.routes = w->lim.routes ? w->lim.routes : 8192;
	w->lim.rcvbuf = w->lim.rcvbuf > 0 ? w->lim.rcvbuf : RCVBUF_BYTES;
	w->step = N_STEPS;
	w->fd = -1;
	w->rx = aligned_alloc(8, RX_SIZE);
	w->links = calloc(w->lim.links, sizeof(*w->links));
	w->addrs = calloc(w->lim.addrs, sizeof(*w->addrs));
	w->neighs = calloc(w->lim.neighs, sizeof(*w->neighs));
	w->routes = calloc(w->lim.routes, sizeof(*w->routes));
	if (!w->rx || !w->links || !w->addrs || !w->neighs || !w->routes) {
		sl_rtnl_close(w);
		return NULL;
	}
	return w;
}

int sl_rtnl_open_detached(const struct sl_rtnl_ops *ops, const struct sl_rtnl_limits *limits,
			  struct sl_rtnl **out)
{
	struct sl_rtnl *w = alloc_watcher(ops, limits);
	int err;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	/* What the kernel would give: any port id but 0, which is its own. */
	w->portid = SL_RTNL_DETACHED_PORTID;
	err = start_sync(w);
	if (err) {
		sl_rtnl_close(w);
		return err;
	}
	*out = w;
	return 0;
}

uint32_t sl_rtnl_dump_seq(const struct sl_rtnl *w)
{
	return w->step < N_STEPS ? w->dump_seq : 0;
}

int sl_rtnl_open(const struct sl_rtnl_ops *ops, const struct sl_rtnl_limits *limits,
		 struct sl_rtnl **out)
{
	static const unsigned int groups[] = {
		RTNLGRP_LINK,	    RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_NEIGH,	    RTNLGRP_IPV4_ROUTE,	 RTNLGRP_IPV6_ROUTE,
	};
	struct sl_rtnl *w;
	int one = 1, err;
	size_t i;

	*out = NULL;
	w = alloc_watcher(ops, limits);
	if (!w)
		return -ENOMEM;
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl) {
		err = -errno;
		goto out;
	}
	w->fd = mnl_socket_get_fd(w->nl);
	/* Refusals explain themselves; dump requests are checked strictly, not guessed at. */
	if (mnl_socket_setsockopt(w->nl, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(w->nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one))) {
		err = -errno;
		goto out;
	}
	err = grow_rcvbuf(w->fd, w->lim.rcvbuf);
	if (err)
		goto out;
	if (mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		unsigned int g = groups[i];

		if (mnl_socket_setsockopt(w->nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g))) {
			err = -errno;
			goto out;
		}
	}
	w->portid = mnl_socket_get_portid(w->nl);
	/* Subscribed first, then dumped: nothing falls between the two. */
	err = start_sync(w);
	if (err)
		goto out;
	*out = w;
	w = NULL;
out:
	sl_rtnl_close(w);
	return err;
}

int sl_rtnl_fd(const struct sl_rtnl *w)
{
	return w->fd;
}

bool sl_rtnl_synced(const struct sl_rtnl *w)
{
	return w->synced;
}

uint32_t sl_rtnl_portid(const struct sl_rtnl *w)
{
	return w->portid;
}

const struct sl_rtnl_counters *sl_rtnl_counters(const struct sl_rtnl *w)
{
	return &w->cnt;
}

size_t sl_rtnl_n_links(const struct sl_rtnl *w)
{
	return w->n_links;
}

size_t sl_rtnl_n_addrs(const struct sl_rtnl *w)
{
	return w->n_addrs;
}

size_t sl_rtnl_n_neighs(const struct sl_rtnl *w)
{
	return w->n_neighs;
}

size_t sl_rtnl_n_routes(const struct sl_rtnl *w)
{
	return w->n_routes;
}

const struct sl_rtnl_link *sl_rtnl_link_at(const struct sl_rtnl *w, size_t i)
{
	return i < w->n_links ? &w->links[i].v : NULL;
}

const struct sl_rtnl_addr *sl_rtnl_addr_at(const struct sl_rtnl *w, size_t i)
{
	return i < w->n_addrs ? &w->addrs[i].v : NULL;
}

const struct sl_rtnl_neigh *sl_rtnl_neigh_at(const struct sl_rtnl *w, size_t i)
{
	return i < w->n_neighs ? &w->neighs[i].v : NULL;
}

const struct sl_rtnl_route *sl_rtnl_route_at(const struct sl_rtnl *w, size_t i)
{
	return i < w->n_routes ? &w->routes[i].v : NULL;
}

const struct sl_rtnl_link *sl_rtnl_link_by_index(const struct sl_rtnl *w, int ifindex)
{
	size_t i;

	for (i = 0; i < w->n_links; i++)
		if (w->links[i].v.ifindex == ifindex)
			return &w->links[i].v;
	return NULL;
}

void sl_rtnl_close(struct sl_rtnl *w)
{
	if (!w)
		return;
	if (w->nl)
		mnl_socket_close(w->nl);
	free(w->rx);
	free(w->links);
	free(w->addrs);
	free(w->neighs);
	free(w->routes);
	free(w);
}
