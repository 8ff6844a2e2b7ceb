/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Auto-attach (control/rtnl_attach.h) on a detached watcher fed crafted
 * link events, with attach and forget recorded instead of done: which
 * links get attached and in which mode, what is forgotten when a link
 * goes or is renamed out of every entry, the MTU reports, the callbacks
 * passed on, and the status snapshot.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>

#include "control/config.h"
#include "control/rtnl_attach.h"
#include "dataplane/log.h"

static uint8_t buf[4096] __attribute__((aligned(8)));

/* What the fake owner was asked. */
struct owner {
	struct sl_autoattach *a;
	char attached[8][IF_NAMESIZE];
	int attached_ifindex[8]; /* 0 once forgotten */
	enum sl_xdp_mode modes[8];
	int n_attached;
	int forgotten_ifindex[8];
	int n_forgotten;
	int refuse;     /* attach fails with this errno */
	bool fall_back; /* native attaches take generic */
	int links_seen, addrs_seen;
};

static int fake_attach(void *arg, const char *ifname, enum sl_xdp_mode mode,
		       enum sl_xdp_mode *used, struct sl_diag *diag)
{
	struct owner *o = arg;

	if (o->refuse) {
		sl_diagf(diag, "cannot attach to %s", ifname);
		return -o->refuse;
	}
	snprintf(o->attached[o->n_attached], IF_NAMESIZE, "%s", ifname);
	/* The link is in the watcher's table before the callback runs. */
	for (size_t i = 0; i < sl_rtnl_n_links(sl_autoattach_watcher(o->a)); i++) {
		const struct sl_rtnl_link *l = sl_rtnl_link_at(sl_autoattach_watcher(o->a), i);

		if (!strcmp(l->name, ifname))
			o->attached_ifindex[o->n_attached] = l->ifindex;
	}
	assert_int_not_equal(o->attached_ifindex[o->n_attached], 0);
	o->modes[o->n_attached++] = mode;
	*used = o->fall_back && mode == SL_XDP_MODE_NATIVE ? SL_XDP_MODE_GENERIC : mode;
	return 0;
}

static int fake_forget(void *arg, const char *ifname, int ifindex)
{
	struct owner *o = arg;
	int i;

	(void)ifname;
	/* Only what it attached counts as released. */
	for (i = 0; i < o->n_attached; i++)
		if (o->attached_ifindex[i] == ifindex) {
			o->forgotten_ifindex[o->n_forgotten++] = ifindex;
			o->attached_ifindex[i] = 0;
			return 0;
		}
	return -ENOENT;
}

static void hook_link(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_link *l,
		      const struct sl_rtnl_link *old)
{
	(void)ev, (void)l, (void)old;
	((struct owner *)arg)->links_seen++;
}

static void hook_addr(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_addr *a)
{
	(void)ev, (void)a;
	((struct owner *)arg)->addrs_seen++;
}

static void feed_link(struct sl_autoattach *a, uint16_t type, int ifindex, const char *name,
		      uint32_t mtu)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	assert_int_equal(sl_rtnl_feed(sl_autoattach_watcher(a), 0, nlh, nlh->nlmsg_len), 0);
}

static void feed_addr(struct sl_autoattach *a, int ifindex, const char *ip)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	uint8_t raw[4];

	nlh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = (uint32_t)ifindex;
	inet_pton(AF_INET, ip, raw);
	mnl_attr_put(nlh, IFA_LOCAL, 4, raw);
	assert_int_equal(sl_rtnl_feed(sl_autoattach_watcher(a), 0, nlh, nlh->nlmsg_len), 0);
}

static struct sl_config *config(void)
{
	static const char yaml[] = "version: 1\n"
				   "interfaces:\n"
				   "  - {name: 'slaa*', mode: native}\n"
				   "  - {name: 'slgx*', mode: generic}\n"
				   "  - {name: 'slno*', mode: native-only}\n";
	struct sl_config *cfg;
	struct sl_diag diag;

	assert_int_equal(sl_config_load_buffer(yaml, sizeof(yaml) - 1, "t.yaml", NULL, &cfg, &diag), 0);
	return cfg;
}

static void test_attach_and_forget(void **state)
{
	struct owner o = { 0 };
	const struct sl_autoattach_ops ops = { .attach = fake_attach, .forget = fake_forget, .arg = &o,
					       .on_link = hook_link, .on_addr = hook_addr,
					       .hook_arg = &o };
	struct sl_config *cfg = config();
	struct sl_rtnl_status *st = calloc(1, sizeof(*st));
	struct sl_autoattach *a;

	(void)state;
	assert_non_null(st);
	assert_int_equal(sl_autoattach_open(cfg, &ops, &a), 0);
	o.a = a;
	assert_int_equal(sl_autoattach_start_detached(a), 0);
	feed_link(a, RTM_NEWLINK, 1, "lo", 65536);
	feed_link(a, RTM_NEWLINK, 10, "slaa1", 1500);
	feed_link(a, RTM_NEWLINK, 11, "slgx1", 1500);
	feed_link(a, RTM_NEWLINK, 12, "eth9", 1500);
	/* Only the links under an entry, each in its entry's mode. */
	assert_int_equal(o.n_attached, 2);
	assert_string_equal(o.attached[0], "slaa1");
	assert_int_equal(o.modes[0], SL_XDP_MODE_NATIVE);
	assert_string_equal(o.attached[1], "slgx1");
	assert_int_equal(o.modes[1], SL_XDP_MODE_GENERIC);
	assert_int_equal(o.links_seen, 4);
	feed_addr(a, 10, "198.18.77.1");
	assert_int_equal(o.addrs_seen, 1);

	sl_autoattach_status(a, st);
	assert_int_equal(st->attaches, 2);
	assert_int_equal(st->n_links, 4);
	/* Links under an entry first, by ifindex. */
	assert_int_equal(st->n_status_links, 4);
	assert_string_equal(st->links[0].name, "slaa1");
	assert_true(st->links[0].attached);
	assert_string_equal(st->links[0].entry, "slaa*");
	assert_int_equal(st->links[0].n_addrs, 1);
	assert_string_equal(st->addrs[st->links[0].first_addr], "198.18.77.1/24");
	assert_string_equal(st->links[2].name, "lo");
	assert_false(st->links[2].attached);
	assert_string_equal(st->links[2].entry, "");

	/* A link that goes is forgotten by ifindex; one nothing was attached to is not counted. */
	feed_link(a, RTM_DELLINK, 10, "slaa1", 0);
	feed_link(a, RTM_DELLINK, 12, "eth9", 0);
	assert_int_equal(o.n_forgotten, 1);
	assert_int_equal(o.forgotten_ifindex[0], 10);
	/* It comes back as a new link: attached again. */
	feed_link(a, RTM_NEWLINK, 13, "slaa1", 1500);
	assert_int_equal(o.n_attached, 3);
	/* Renamed out of every entry: detached; renamed into one: attached. */
	feed_link(a, RTM_NEWLINK, 11, "other0", 1500);
	assert_int_equal(o.n_forgotten, 2);
	assert_int_equal(o.forgotten_ifindex[1], 11);
	feed_link(a, RTM_NEWLINK, 11, "slaa7", 1500);
	assert_int_equal(o.n_attached, 4);
	assert_string_equal(o.attached[3], "slaa7");
	sl_autoattach_status(a, st);
	assert_int_equal(st->attaches, 4);
	assert_int_equal(st->forgotten, 2);
	assert_int_equal(st->attach_failed, 0);

	/*
	 * A reload's config: slaa* is gone (the reload detached those links),
	 * eth* is new and eth9 came back meanwhile.
	 */
	feed_link(a, RTM_NEWLINK, 15, "eth9", 1500);
	{
		static const char yaml[] = "version: 1\n"
					   "interfaces:\n"
					   "  - {name: 'eth*', mode: generic}\n";
		struct sl_config *next;
		struct sl_diag diag;
		size_t i;

		assert_int_equal(sl_config_load_buffer(yaml, sizeof(yaml) - 1, "n.yaml", NULL, &next,
							&diag), 0);
		sl_autoattach_set_config(a, next);
		assert_int_equal(o.n_attached, 5);
		assert_string_equal(o.attached[4], "eth9");
		assert_int_equal(o.modes[4], SL_XDP_MODE_GENERIC);
		sl_autoattach_status(a, st);
		for (i = 0; i < st->n_status_links; i++)
			assert_int_equal(st->links[i].attached, !strcmp(st->links[i].name, "eth9"));
		sl_autoattach_close(a);
		sl_config_free(next);
	}
	sl_config_free(cfg);
	free(st);
}

static void test_mtu(void **state)
{
	struct owner o = { .fall_back = true };
	const struct sl_autoattach_ops ops = { .attach = fake_attach, .forget = fake_forget, .arg = &o };
	struct sl_config *cfg = config();
	struct sl_rtnl_status *st = calloc(1, sizeof(*st));
	uint32_t max = sl_xdp_native_mtu_max();
	struct sl_autoattach *a;

	(void)state;
	assert_non_null(st);
	assert_int_equal(max, (uint32_t)sysconf(_SC_PAGESIZE) - 256 - 320 - 14);
	assert_int_equal(sl_autoattach_open(cfg, &ops, &a), 0);
	o.a = a;
	assert_int_equal(sl_autoattach_start_detached(a), 0);
	/* native that fell back to generic on a link above the limit: refused for its MTU. */
	feed_link(a, RTM_NEWLINK, 10, "slaa1", 9000);
	sl_autoattach_status(a, st);
	assert_int_equal(st->mtu_refused, 1);
	assert_int_equal(st->xdp_mtu_max, max);
	/* native-only refused outright: counted as refused and as failed. */
	o.refuse = ERANGE;
	feed_link(a, RTM_NEWLINK, 11, "slno1", 9000);
	sl_autoattach_status(a, st);
	assert_int_equal(st->mtu_refused, 2);
	assert_int_equal(st->attach_failed, 1);
	/* A refusal for another reason is no MTU report. */
	o.refuse = EBUSY;
	feed_link(a, RTM_NEWLINK, 12, "slno2", 1500);
	sl_autoattach_status(a, st);
	assert_int_equal(st->mtu_refused, 2);
	assert_int_equal(st->attach_failed, 2);
	/* A native attachment whose MTU rises above the limit, once; not a generic one. */
	o.refuse = 0;
	o.fall_back = false;
	feed_link(a, RTM_NEWLINK, 13, "slaa2", 1500);
	feed_link(a, RTM_NEWLINK, 13, "slaa2", 9000);
	feed_link(a, RTM_NEWLINK, 13, "slaa2", 9001);
	feed_link(a, RTM_NEWLINK, 14, "slgx2", 1500);
	feed_link(a, RTM_NEWLINK, 14, "slgx2", 9000);
	sl_autoattach_status(a, st);
	assert_int_equal(st->mtu_over, 1);
	sl_autoattach_close(a);
	sl_config_free(cfg);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_and_forget),
		cmocka_unit_test(test_mtu),
	};

	sl_log_init("test_rtnl_attach", SL_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
