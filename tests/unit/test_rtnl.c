/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rtnetlink watcher (control/rtnl.h): its parser on crafted messages
 * (good ones of each kind, a truncated header, nlmsg_len beyond the
 * buffer, bad attribute lengths, wrong families), its tables and dump
 * state machine on a detached watcher fed crafted dumps (sequence
 * numbers, NLM_F_DUMP_INTR, sweeps, table limits, foreign senders), and
 * a live watcher on this host's rtnetlink (no privileges needed): its
 * first dump, a resync, and a message from another socket dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>

#include "control/rtnl.h"

static uint8_t buf[16384] __attribute__((aligned(8)));

/* ------------------------------------------------------------ builders */

static struct nlmsghdr *msg_start(void *at, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	/* What the kernel puts in a dump reply: the dumping socket's port id. */
	nlh->nlmsg_pid = seq ? SL_RTNL_DETACHED_PORTID : 0;
	return nlh;
}

static struct nlmsghdr *put_link(void *at, uint16_t type, uint32_t seq, int ifindex,
				 const char *name, uint32_t mtu, unsigned int flags)
{
	struct nlmsghdr *nlh = msg_start(at, type, seq ? NLM_F_MULTI : 0, seq);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

static struct nlmsghdr *put_addr(void *at, uint16_t type, uint32_t seq, int ifindex,
				 uint8_t family, const char *ip, uint8_t plen)
{
	struct nlmsghdr *nlh = msg_start(at, type, seq ? NLM_F_MULTI : 0, seq);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint8_t a[16];

	ifa->ifa_family = family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = (uint32_t)ifindex;
	assert_int_equal(inet_pton(family, ip, a), 1);
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, a);
	return nlh;
}

static struct nlmsghdr *put_done(void *at, uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = msg_start(at, NLMSG_DONE, NLM_F_MULTI | flags, seq);
	int *status = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*status = 0;
	return nlh;
}

static struct nlattr *attr_at(struct nlmsghdr *nlh, size_t hdr_len)
{
	return (struct nlattr *)((uint8_t *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(hdr_len));
}

/* ------------------------------------------------------------ parser */

static void test_parse_link(void **state)
{
	struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 1500, IFF_UP | IFF_RUNNING);
	const struct nlmsghdr *f;
	struct sl_rtnl_msg m;

	(void)state;
	assert_int_equal(sl_rtnl_frame(buf, nlh->nlmsg_len, &f), (int)nlh->nlmsg_len);
	assert_int_equal(sl_rtnl_parse(f, &m), 0);
	assert_int_equal(m.kind, SL_RTNL_K_LINK);
	assert_false(m.del);
	assert_int_equal(m.link.ifindex, 7);
	assert_string_equal(m.link.name, "slaa1");
	assert_int_equal(m.link.mtu, 1500);
	assert_true(m.link.up);

	nlh = put_link(buf, RTM_DELLINK, 0, 7, NULL, 0, 0);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_true(m.del);
	assert_string_equal(m.link.name, "");
	/* A new link always has a name. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, NULL, 1500, 0);
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* ifindex 0 is no link. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 0, "x", 1500, 0);
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
}

static void test_parse_addr_neigh_route(void **state)
{
	struct nlmsghdr *nlh;
	struct sl_rtnl_msg m;
	struct ndmsg *nd;
	struct rtmsg *rtm;
	uint8_t ip[16], mac[6] = { 2, 0, 0, 0, 0, 1 };

	(void)state;
	nlh = put_addr(buf, RTM_NEWADDR, 0, 7, AF_INET, "198.18.5.1", 24);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_int_equal(m.kind, SL_RTNL_K_ADDR);
	assert_int_equal(m.addr.ifindex, 7);
	assert_int_equal(m.addr.family, AF_INET);
	assert_int_equal(m.addr.prefixlen, 24);
	inet_pton(AF_INET, "198.18.5.1", ip);
	assert_memory_equal(m.addr.addr, ip, 4);
	/* IFA_LOCAL, the host's own address, wins over IFA_ADDRESS (a peer's). */
	inet_pton(AF_INET, "198.18.5.9", ip);
	mnl_attr_put(nlh, IFA_LOCAL, 4, ip);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_memory_equal(m.addr.addr, ip, 4);

	nlh = put_addr(buf, RTM_DELADDR, 0, 3, AF_INET6, "2001:db8::5", 64);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_true(m.del);
	inet_pton(AF_INET6, "2001:db8::5", ip);
	assert_memory_equal(m.addr.addr, ip, 16);

	nlh = msg_start(buf, RTM_NEWNEIGH, 0, 0);
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = 7;
	nd->ndm_state = NUD_PERMANENT;
	inet_pton(AF_INET, "198.18.5.2", ip);
	mnl_attr_put(nlh, NDA_DST, 4, ip);
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_int_equal(m.kind, SL_RTNL_K_NEIGH);
	assert_int_equal(m.neigh.state, NUD_PERMANENT);
	assert_int_equal(m.neigh.lladdr_len, 6);
	assert_memory_equal(m.neigh.lladdr, mac, 6);
	assert_memory_equal(m.neigh.addr, ip, 4);

	nlh = msg_start(buf, RTM_NEWROUTE, 0, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 48;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	inet_pton(AF_INET6, "2001:db8:1::", ip);
	mnl_attr_put(nlh, RTA_DST, 16, ip);
	inet_pton(AF_INET6, "2001:db8::2", ip);
	mnl_attr_put(nlh, RTA_GATEWAY, 16, ip);
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 1024);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_int_equal(m.kind, SL_RTNL_K_ROUTE);
	assert_int_equal(m.route.dst_len, 48);
	assert_true(m.route.has_gw);
	assert_memory_equal(m.route.gw, ip, 16);
	assert_int_equal(m.route.oif, 7);
	assert_int_equal(m.route.metric, 1024);
	/* Only the main table's unicast routes are tracked. */
	rtm->rtm_table = RT_TABLE_LOCAL;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EOPNOTSUPP);
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_BLACKHOLE;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EOPNOTSUPP);
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_dst_len = 129;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);

	/* The end of a dump, an error, and types we do not track. */
	nlh = put_done(buf, 9, 0);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_int_equal(m.kind, SL_RTNL_K_DONE);
	assert_int_equal(m.seq, 9);
	nlh = msg_start(buf, NLMSG_ERROR, 0, 4);
	{
		struct nlmsgerr *ne = mnl_nlmsg_put_extra_header(nlh, sizeof(*ne));

		ne->error = -EBUSY;
	}
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_int_equal(m.kind, SL_RTNL_K_ERROR);
	assert_int_equal(m.error, -EBUSY);
	nlh->nlmsg_len = NLMSG_HDRLEN + 4; /* an error without its echoed header */
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	nlh = msg_start(buf, RTM_NEWQDISC, 0, 0);
	assert_int_equal(sl_rtnl_parse(nlh, &m), 0);
	assert_int_equal(m.kind, SL_RTNL_K_NONE);
}

static void test_parse_truncated(void **state)
{
	struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 1500, 0);
	const struct nlmsghdr *f;
	struct sl_rtnl_msg m;
	uint32_t len = nlh->nlmsg_len;

	(void)state;
	/* Fewer bytes than a netlink header. */
	assert_int_equal(sl_rtnl_frame(buf, sizeof(struct nlmsghdr) - 1, &f), -EINVAL);
	assert_null(f);
	assert_int_equal(sl_rtnl_frame(buf, 0, &f), -EINVAL);
	/* nlmsg_len beyond the bytes received. */
	assert_int_equal(sl_rtnl_frame(buf, len - 1, &f), -EINVAL);
	nlh->nlmsg_len = 0xffffffff;
	assert_int_equal(sl_rtnl_frame(buf, len, &f), -EINVAL);
	/* nlmsg_len below the header. */
	nlh->nlmsg_len = 8;
	assert_int_equal(sl_rtnl_frame(buf, len, &f), -EINVAL);
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* A message that ends inside its family header. */
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct ifinfomsg) - 1;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	nlh->nlmsg_type = RTM_NEWROUTE;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* A message cut inside its last attribute. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 1500, 0);
	nlh->nlmsg_len -= 2;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* Two messages in one datagram frame one after the other. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "a", 1500, 0);
	len = NLMSG_ALIGN(nlh->nlmsg_len);
	put_link(buf + len, RTM_NEWLINK, 0, 8, "b", 1500, 0);
	assert_int_equal(sl_rtnl_frame(buf, len + ((struct nlmsghdr *)(buf + len))->nlmsg_len, &f),
			 (int)len);
	assert_int_equal(sl_rtnl_parse((const struct nlmsghdr *)(buf + len), &m), 0);
	assert_string_equal(m.link.name, "b");
}

static void test_parse_bad_attrs(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *a;
	struct sl_rtnl_msg m;

	(void)state;
	/* An attribute length below its header. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 1500, 0);
	a = attr_at(nlh, sizeof(struct ifinfomsg));
	a->nla_len = 3;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* An attribute length beyond its message. */
	a->nla_len = 200;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* Trailing bytes too few for an attribute header. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 1500, 0);
	nlh->nlmsg_len += 2;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* A name without its NUL, a name too long, an empty name. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, NULL, 1500, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "abcd");
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "abcdefghijklmnop", 1500, 0);
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "", 1500, 0);
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* An MTU of the wrong size. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 0, 0);
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* An address of the other family's size. */
	nlh = put_addr(buf, RTM_NEWADDR, 0, 7, AF_INET, "198.18.5.1", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = AF_INET6;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* A prefix length beyond the family's. */
	nlh = put_addr(buf, RTM_NEWADDR, 0, 7, AF_INET, "198.18.5.1", 33);
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* An address message without an address. */
	nlh = put_addr(buf, RTM_NEWADDR, 0, 7, AF_INET, "198.18.5.1", 24);
	attr_at(nlh, sizeof(struct ifaddrmsg))->nla_type = IFA_LABEL;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	/* A link-layer address longer than any. */
	{
		struct ndmsg *nd;
		uint8_t big[40] = { 0 }, ip[4] = { 198, 18, 5, 2 };

		nlh = msg_start(buf, RTM_NEWNEIGH, 0, 0);
		nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
		nd->ndm_family = AF_INET;
		nd->ndm_ifindex = 7;
		mnl_attr_put(nlh, NDA_DST, 4, ip);
		mnl_attr_put(nlh, NDA_LLADDR, sizeof(big), big);
		assert_int_equal(sl_rtnl_parse(nlh, &m), -EINVAL);
	}
}

static void test_parse_wrong_family(void **state)
{
	struct nlmsghdr *nlh;
	struct sl_rtnl_msg m;

	(void)state;
	/* Bridge port messages and FDB entries share the groups: not ours, not errors. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 1500, 0);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family = AF_BRIDGE;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EAFNOSUPPORT);
	nlh = put_addr(buf, RTM_NEWADDR, 0, 7, AF_INET, "198.18.5.1", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = AF_PACKET;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EAFNOSUPPORT);
	nlh = msg_start(buf, RTM_NEWNEIGH, 0, 0);
	((struct ndmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ndmsg)))->ndm_family = AF_BRIDGE;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EAFNOSUPPORT);
	nlh = msg_start(buf, RTM_NEWROUTE, 0, 0);
	((struct rtmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)))->rtm_family = AF_MPLS;
	assert_int_equal(sl_rtnl_parse(nlh, &m), -EAFNOSUPPORT);
}

/* ------------------------------------------------------------ detached watcher */

struct seen {
	int links_added, links_removed, links_changed, addrs_added, addrs_removed;
	struct sl_rtnl_link last, last_old;
};

static void on_link(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_link *l,
		    const struct sl_rtnl_link *old)
{
	struct seen *s = arg;

	s->last = *l;
	if (ev == SL_RTNL_ADDED)
		s->links_added++;
	else if (ev == SL_RTNL_REMOVED)
		s->links_removed++;
	else {
		s->links_changed++;
		s->last_old = *old;
	}
}

static void on_addr(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_addr *a)
{
	struct seen *s = arg;

	(void)a;
	if (ev == SL_RTNL_ADDED)
		s->addrs_added++;
	else
		s->addrs_removed++;
}

/* Feeds one message built at buf. */
static void feed(struct sl_rtnl *w, const struct nlmsghdr *nlh)
{
	assert_int_equal(sl_rtnl_feed(w, 0, nlh, nlh->nlmsg_len), 0);
}

/* Completes the running dump with nothing more in it. */
static void finish_dump(struct sl_rtnl *w)
{
	feed(w, put_done(buf, sl_rtnl_dump_seq(w), 0));
}

/* Answers every dump of a sync: links as given, nothing else. */
static void sync_with_links(struct sl_rtnl *w, int n, const int *ifindex, const char *const *names)
{
	int i;

	for (i = 0; i < n; i++)
		feed(w, put_link(buf, RTM_NEWLINK, sl_rtnl_dump_seq(w), ifindex[i], names[i], 1500,
				 IFF_UP));
	finish_dump(w);
	while (sl_rtnl_dump_seq(w))
		finish_dump(w);
	assert_true(sl_rtnl_synced(w));
}

static void test_watcher_sync(void **state)
{
	static const int idx[] = { 1, 7 };
	static const char *const names[] = { "lo", "slaa1" };
	struct seen s = { 0 };
	const struct sl_rtnl_ops ops = { .on_link = on_link, .on_addr = on_addr, .arg = &s };
	struct nlmsghdr *nlh;
	struct sl_rtnl *w;
	uint32_t seq;

	(void)state;
	assert_int_equal(sl_rtnl_open_detached(&ops, NULL, &w), 0);
	assert_false(sl_rtnl_synced(w));
	seq = sl_rtnl_dump_seq(w);
	assert_int_not_equal(seq, 0);
	/* A reply to a dump we did not ask for is dropped. */
	feed(w, put_link(buf, RTM_NEWLINK, seq + 100, 9, "x", 1500, 0));
	assert_int_equal(sl_rtnl_counters(w)->stale_seq, 1);
	assert_int_equal(sl_rtnl_n_links(w), 0);
	/* The link dump marked interrupted: redone with a new sequence number. */
	feed(w, put_link(buf, RTM_NEWLINK, seq, 1, "lo", 1500, IFF_UP));
	feed(w, put_done(buf, seq, NLM_F_DUMP_INTR));
	assert_int_equal(sl_rtnl_counters(w)->dumps_redone, 1);
	assert_int_not_equal(sl_rtnl_dump_seq(w), seq);
	/* The old dump's replies are stale now. */
	feed(w, put_done(buf, seq, 0));
	assert_int_equal(sl_rtnl_counters(w)->stale_seq, 2);
	/*
	 * A notification caused by another process's request carries that
	 * request's port id and sequence number: applied, not taken for a dump reply.
	 */
	nlh = put_link(buf, RTM_NEWLINK, 0, 5, "other", 1500, 0);
	nlh->nlmsg_pid = 999;
	nlh->nlmsg_seq = sl_rtnl_dump_seq(w);
	feed(w, nlh);
	assert_non_null(sl_rtnl_link_by_index(w, 5));
	assert_int_equal(sl_rtnl_counters(w)->stale_seq, 2);
	feed(w, put_link(buf, RTM_DELLINK, 0, 5, "other", 0, 0));
	assert_int_equal(s.links_added, 2); /* lo from the interrupted dump, and "other" */
	assert_int_equal(s.links_removed, 1);
	sync_with_links(w, 2, idx, names);
	assert_int_equal(sl_rtnl_n_links(w), 2);
	assert_int_equal(s.links_added, 3);
	memset(&s, 0, sizeof(s));
	assert_string_equal(sl_rtnl_link_by_index(w, 7)->name, "slaa1");

	/* Notifications (sequence 0): an address, an MTU change, a rename. */
	feed(w, put_addr(buf, RTM_NEWADDR, 0, 7, AF_INET, "198.18.5.1", 24));
	feed(w, put_addr(buf, RTM_NEWADDR, 0, 7, AF_INET, "198.18.5.1", 24)); /* again: no new entry */
	assert_int_equal(sl_rtnl_n_addrs(w), 1);
	assert_int_equal(s.addrs_added, 1);
	feed(w, put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 9000, IFF_UP));
	assert_int_equal(s.links_changed, 1);
	assert_int_equal(s.last_old.mtu, 1500);
	assert_int_equal(sl_rtnl_link_by_index(w, 7)->mtu, 9000);
	/* A notification without IFLA_MTU keeps the MTU known. */
	feed(w, put_link(buf, RTM_NEWLINK, 0, 7, "slaa1", 0, IFF_UP));
	assert_int_equal(sl_rtnl_link_by_index(w, 7)->mtu, 9000);
	assert_int_equal(s.links_changed, 1);

	/* A resync whose link dump no longer lists ifindex 7: swept, its address with it. */
	assert_int_equal(sl_rtnl_resync(w), 0);
	assert_false(sl_rtnl_synced(w));
	sync_with_links(w, 1, idx, names);
	assert_int_equal(sl_rtnl_n_links(w), 1);
	assert_null(sl_rtnl_link_by_index(w, 7));
	assert_int_equal(s.links_removed, 1);
	assert_int_equal(s.last.ifindex, 7);
	assert_int_equal(sl_rtnl_n_addrs(w), 0);
	assert_int_equal(s.addrs_removed, 1);

	/* A deleted link takes its addresses along. */
	feed(w, put_link(buf, RTM_NEWLINK, 0, 8, "slaa2", 1500, IFF_UP));
	feed(w, put_addr(buf, RTM_NEWADDR, 0, 8, AF_INET6, "2001:db8::8", 64));
	assert_int_equal(sl_rtnl_n_addrs(w), 1);
	feed(w, put_link(buf, RTM_DELLINK, 0, 8, "slaa2", 0, 0));
	assert_null(sl_rtnl_link_by_index(w, 8));
	assert_int_equal(sl_rtnl_n_addrs(w), 0);
	assert_int_equal(s.addrs_removed, 2);
	assert_int_equal(sl_rtnl_counters(w)->malformed, 0);
	sl_rtnl_close(w);
}

static void test_watcher_limits_and_senders(void **state)
{
	const struct sl_rtnl_limits lim = { .links = 2, .addrs = 1 };
	struct sl_rtnl *w;
	struct nlmsghdr *nlh;
	int i;

	(void)state;
	assert_int_equal(sl_rtnl_open_detached(NULL, &lim, &w), 0);
	for (i = 0; i < 4; i++)
		feed(w, put_link(buf, RTM_NEWLINK, 0, 10 + i, "sl", 1500, 0));
	assert_int_equal(sl_rtnl_n_links(w), 2);
	assert_int_equal(sl_rtnl_counters(w)->table_full, 2);
	feed(w, put_addr(buf, RTM_NEWADDR, 0, 10, AF_INET, "198.18.5.1", 24));
	feed(w, put_addr(buf, RTM_NEWADDR, 0, 10, AF_INET, "198.18.5.2", 24));
	assert_int_equal(sl_rtnl_n_addrs(w), 1);
	assert_int_equal(sl_rtnl_counters(w)->table_full, 3);

	/* From another process's port: counted, never applied. */
	nlh = put_link(buf, RTM_DELLINK, 0, 10, "sl", 0, 0);
	assert_int_equal(sl_rtnl_feed(w, 77, nlh, nlh->nlmsg_len), 0);
	assert_int_equal(sl_rtnl_counters(w)->foreign, 1);
	assert_non_null(sl_rtnl_link_by_index(w, 10));

	/* Malformed messages are counted; the rest of an unframeable datagram is dropped. */
	nlh = put_link(buf, RTM_NEWLINK, 0, 20, "sl", 1500, 0);
	assert_int_equal(sl_rtnl_feed(w, 0, nlh, nlh->nlmsg_len - 1), 0);
	assert_int_equal(sl_rtnl_counters(w)->malformed, 1);
	attr_at(nlh, sizeof(struct ifinfomsg))->nla_len = 1000;
	feed(w, nlh);
	assert_int_equal(sl_rtnl_counters(w)->malformed, 2);
	/* A well-formed message of a family we do not track is neither. */
	((struct ifinfomsg *)mnl_nlmsg_get_payload(put_link(buf, RTM_NEWLINK, 0, 21, "b", 1500, 0)))
		->ifi_family = AF_BRIDGE;
	feed(w, (struct nlmsghdr *)buf);
	assert_int_equal(sl_rtnl_counters(w)->malformed, 2);
	assert_null(sl_rtnl_link_by_index(w, 21));
	/* A dump the kernel refuses moves on to the next one and is counted. */
	nlh = msg_start(buf, NLMSG_ERROR, 0, sl_rtnl_dump_seq(w));
	((struct nlmsgerr *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct nlmsgerr)))->error = -EINVAL;
	feed(w, nlh);
	assert_int_equal(sl_rtnl_counters(w)->dump_errors, 1);
	sl_rtnl_close(w);
}

/* ------------------------------------------------------------ live watcher */

static void dispatch_until(struct sl_rtnl *w, bool (*done)(struct sl_rtnl *w, void *arg), void *arg)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = sl_rtnl_fd(w), .events = POLLIN };

		assert_int_equal(sl_rtnl_dispatch(w), 0);
		if (done(w, arg))
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10)
			fail_msg("the watcher did not get there within 10 s");
		poll(&p, 1, 100);
	}
}

static bool is_synced(struct sl_rtnl *w, void *arg)
{
	(void)arg;
	return sl_rtnl_synced(w);
}

static bool saw_foreign(struct sl_rtnl *w, void *arg)
{
	(void)arg;
	return sl_rtnl_counters(w)->foreign > 0;
}

static void test_watcher_live(void **state)
{
	struct seen s = { 0 };
	const struct sl_rtnl_ops ops = { .on_link = on_link, .on_addr = on_addr, .arg = &s };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	const struct sl_rtnl_link *lo;
	struct nlmsghdr *nlh;
	struct sl_rtnl *w;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(sl_rtnl_open(&ops, NULL, &w), 0);
	assert_true(sl_rtnl_fd(w) >= 0);
	dispatch_until(w, is_synced, NULL);
	/* Every network namespace has lo, ifindex 1. */
	lo = sl_rtnl_link_by_index(w, 1);
	assert_non_null(lo);
	assert_string_equal(lo->name, "lo");
	assert_true(lo->mtu > 0);
	/* Other processes may add and remove links meanwhile: the callbacks mirror the table. */
	n = sl_rtnl_n_links(w);
	assert_int_equal((size_t)(s.links_added - s.links_removed), n);
	assert_true(sl_rtnl_counters(w)->events >= n);
	assert_int_equal(sl_rtnl_counters(w)->malformed, 0);
	assert_int_equal(sl_rtnl_counters(w)->dump_errors, 0);

	/* A resync finds lo again and keeps the callbacks and the table in step. */
	assert_int_equal(sl_rtnl_resync(w), 0);
	dispatch_until(w, is_synced, NULL);
	assert_non_null(sl_rtnl_link_by_index(w, 1));
	assert_int_equal((size_t)(s.links_added - s.links_removed), sl_rtnl_n_links(w));

	/* Another process's socket may send to our port; the message is dropped. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(fd >= 0);
	nlh = put_link(buf, RTM_DELLINK, 0, 1, "lo", 0, 0);
	to.nl_pid = sl_rtnl_portid(w);
	assert_int_equal(sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)nlh->nlmsg_len);
	dispatch_until(w, saw_foreign, NULL);
	assert_int_equal(sl_rtnl_counters(w)->foreign, 1);
	assert_non_null(sl_rtnl_link_by_index(w, 1));
	close(fd);
	sl_rtnl_close(w);
}

/* Dispatches until synced with at least min resyncs: 0, or -1 after 10 s or an error. */
static int child_sync(struct sl_rtnl *w, uint64_t min_resyncs)
{
	int i;

	for (i = 0; i < 100; i++) {
		struct pollfd p = { .fd = sl_rtnl_fd(w), .events = POLLIN };

		if (sl_rtnl_dispatch(w))
			return -1;
		if (sl_rtnl_synced(w) && sl_rtnl_counters(w)->resyncs >= min_resyncs)
			return 0;
		poll(&p, 1, 100);
	}
	return -1;
}

/* Adds 198.18.200.i/32 to lo through a socket of our own; 0 once the kernel acked it. */
static int child_add_addr(struct mnl_socket *nl, unsigned int i)
{
	uint8_t msg[256] __attribute__((aligned(8))), ack[8192] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(msg);
	struct ifaddrmsg *ifa;
	uint8_t ip[4] = { 198, 18, 200, (uint8_t)i };
	ssize_t n;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = i;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = 1;
	mnl_attr_put(nlh, IFA_LOCAL, 4, ip);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, ip);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	n = mnl_socket_recvfrom(nl, ack, sizeof(ack));
	if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(int)))
		return -1;
	return mnl_cb_run(ack, (size_t)n, i, mnl_socket_get_portid(nl), NULL, NULL) < 0 ? -1 : 0;
}

#define LOST_ADDRS 64

/*
 * In a network namespace of its own: a watcher with the smallest receive
 * buffer stops reading while 64 addresses are added, so the kernel drops
 * events (ENOBUFS); the watcher resyncs and ends up with every address.
 * Returns 0, 77 when namespaces are not allowed, or the step that failed.
 */
static int lost_events_child(void)
{
	const struct sl_rtnl_limits lim = { .rcvbuf = 1 };
	struct mnl_socket *nl;
	struct sl_rtnl *w;
	unsigned int i;

	if (unshare(CLONE_NEWNET))
		return errno == EPERM ? 77 : 1;
	if (sl_rtnl_open(NULL, &lim, &w) || child_sync(w, 0))
		return 2;
	if (sl_rtnl_n_addrs(w) != 0)
		return 3; /* a new namespace's lo is down and has none */
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID))
		return 4;
	for (i = 1; i <= LOST_ADDRS; i++)
		if (child_add_addr(nl, i))
			return 5;
	mnl_socket_close(nl);
	if (child_sync(w, 1))
		return 6;
	if (sl_rtnl_counters(w)->resyncs < 1 || sl_rtnl_n_addrs(w) != LOST_ADDRS)
		return 7;
	sl_rtnl_close(w);
	return 0;
}

static void test_watcher_lost_events(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip(); /* a network namespace of its own needs CAP_SYS_ADMIN */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(lost_events_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_parse_addr_neigh_route),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_bad_attrs),
		cmocka_unit_test(test_parse_wrong_family),
		cmocka_unit_test(test_watcher_sync),
		cmocka_unit_test(test_watcher_limits_and_senders),
		cmocka_unit_test(test_watcher_live),
		cmocka_unit_test(test_watcher_lost_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
