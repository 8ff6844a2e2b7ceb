/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "rtnl_attach.h"

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/log.h"
#include "sluice/ctl.h"

#define XDP_HEADROOM 256     /* XDP_PACKET_HEADROOM */
#define SKB_SHINFO 320       /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on 64-bit */
#define ETH_HEADER 14

/* An interface the firewall is attached to. */
struct att {
	char name[IF_NAMESIZE];
	int ifindex;
	enum sl_xdp_mode used;
	enum sl_xdp_mode asked;
	/*
	 * The `interfaces` entry it was attached under ("" when none): a copy,
	 * since the owner may add and remove entries as it attaches.
	 */
	char entry[IF_NAMESIZE];
};

struct sl_autoattach {
	const struct sl_config *cfg;
	struct sl_autoattach_ops ops;
	struct sl_rtnl *w;
	struct att att[SL_MAX_IFACES];
	size_t n_att;
	uint32_t mtu_max;
	uint64_t attaches, forgotten, attach_failed, mtu_refused, mtu_over;
};

uint32_t sl_xdp_native_mtu_max(void)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page < 4096)
		page = 4096;
	return (uint32_t)page - XDP_HEADROOM - SKB_SHINFO - ETH_HEADER;
}

/* The attachment to ifindex: its index, or n_att when there is none. */
static size_t att_index(const struct sl_autoattach *a, int ifindex)
{
	size_t i;

	for (i = 0; i < a->n_att; i++)
		if (a->att[i].ifindex == ifindex)
			break;
	return i;
}

static struct att *find_att(struct sl_autoattach *a, int ifindex)
{
	size_t i = att_index(a, ifindex);

	return i < a->n_att ? &a->att[i] : NULL;
}

static void drop_att(struct sl_autoattach *a, struct att *t)
{
	size_t i = (size_t)(t - a->att);

	memmove(t, t + 1, sizeof(*t) * (a->n_att - i - 1));
	a->n_att--;
}

static const char *mode_name(enum sl_xdp_mode m)
{
	return m == SL_XDP_MODE_GENERIC ? "generic" : "native";
}

int sl_autoattach_mark(struct sl_autoattach *a, const char *ifname, enum sl_xdp_mode used)
{
	int ifindex = (int)if_nametoindex(ifname), idx;
	struct att *t;

	if (!ifindex)
		return -ENODEV;
	if (find_att(a, ifindex))
		return 0;
	if (a->n_att >= SL_MAX_IFACES)
		return -ENOSPC;
	t = &a->att[a->n_att++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", ifname);
	t->ifindex = ifindex;
	t->used = used;
	idx = sl_config_match_iface(a->cfg, ifname);
	if (idx >= 0)
		snprintf(t->entry, sizeof(t->entry), "%s", a->cfg->ifaces[idx].name);
	t->asked = idx >= 0 ? (enum sl_xdp_mode)a->cfg->ifaces[idx].mode : used;
	return 0;
}

/*
 * The mode the kernel reports for the program on ifindex: what an attach
 * really got, whichever way the owner attached (fallback included); said
 * when the kernel cannot tell.
 */
static enum sl_xdp_mode kernel_mode(int ifindex, enum sl_xdp_mode said)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return said;
	if (q.attach_mode == XDP_ATTACHED_SKB)
		return SL_XDP_MODE_GENERIC;
	if (q.attach_mode == XDP_ATTACHED_DRV || q.attach_mode == XDP_ATTACHED_HW)
		return SL_XDP_MODE_NATIVE;
	return said;
}

/* Attaches to a link that falls under entry idx. */
static void attach_link(struct sl_autoattach *a, const struct sl_rtnl_link *l, int idx)
{
	const struct sl_iface_cfg *ic = &a->cfg->ifaces[idx];
	enum sl_xdp_mode used = SL_XDP_MODE_NATIVE;
	struct sl_diag diag = { { 0 } };
	struct att *t;
	int err;

	if (a->n_att >= SL_MAX_IFACES) {
		a->attach_failed++;
		pr_warn("%s: not attached: already attached to %d interfaces\n", l->name,
			SL_MAX_IFACES);
		return;
	}
	err = a->ops.attach(a->ops.arg, l->name, (enum sl_xdp_mode)ic->mode, &used, &diag);
	if (err) {
		a->attach_failed++;
		/*
		 * veth refuses native XDP with ERANGE while its peer's MTU is above
		 * the limit; other drivers say EINVAL or EOPNOTSUPP, so the MTU we
		 * know is what tells.
		 */
		if (err == -ERANGE || (ic->mode != SL_XDP_MODE_GENERIC && l->mtu > a->mtu_max)) {
			a->mtu_refused++;
			pr_warn("%s: attach refused for its MTU: MTU %u, native XDP handles at most %u "
				"(%s)\n", l->name, l->mtu, a->mtu_max, diag.msg);
		} else {
			pr_warn("%s: auto-attach failed: %s\n", l->name, diag.msg);
		}
		return;
	}
	used = kernel_mode(l->ifindex, used);
	if (ic->mode == SL_XDP_MODE_NATIVE && used == SL_XDP_MODE_GENERIC && l->mtu > a->mtu_max) {
		a->mtu_refused++;
		pr_warn("%s: native XDP refused for its MTU %u (at most %u): running in generic mode\n",
			l->name, l->mtu, a->mtu_max);
	}
	t = &a->att[a->n_att++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", l->name);
	t->ifindex = l->ifindex;
	t->used = used;
	t->asked = (enum sl_xdp_mode)ic->mode;
	snprintf(t->entry, sizeof(t->entry), "%s", ic->name);
	a->attaches++;
	pr_info("attached to %s (ifindex %d, entry '%s') in %s mode\n", l->name, l->ifindex, ic->name,
		mode_name(used));
}

/* An attached link whose MTU rose above what native XDP handles. */
static void check_mtu(struct sl_autoattach *a, const struct att *t, const struct sl_rtnl_link *l,
		      uint32_t old_mtu)
{
	if (t->used == SL_XDP_MODE_GENERIC || l->mtu <= a->mtu_max || old_mtu > a->mtu_max)
		return;
	a->mtu_over++;
	pr_warn("%s: MTU %u is above %u, the most native XDP handles here: frames above that will "
		"not reach the firewall whole (lower the MTU, or use mode: generic)\n",
		l->name, l->mtu, a->mtu_max);
}

static void on_link(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_link *l,
		    const struct sl_rtnl_link *old)
{
	struct sl_autoattach *a = arg;
	struct att *t = find_att(a, l->ifindex);
	int idx = sl_config_match_iface(a->cfg, l->name);

	switch (ev) {
	case SL_RTNL_ADDED:
		if (t)
			check_mtu(a, t, l, 0); /* attached before the watcher started */
		else if (idx >= 0)
			attach_link(a, l, idx);
		break;
	case SL_RTNL_REMOVED:
		/*
		 * The kernel removed the XDP link with the device; what is left is
		 * ours. Asked for every link that goes: the firewall may have been
		 * attached to it another way (sluicectl interface attach).
		 */
		if (!a->ops.forget(a->ops.arg, l->name, l->ifindex)) {
			a->forgotten++;
			pr_info("%s (ifindex %d) went away: forgot its attachment\n", l->name,
				l->ifindex);
		}
		if (t)
			drop_att(a, t);
		break;
	case SL_RTNL_CHANGED:
		if (t && strcmp(t->name, l->name)) {
			if (idx < 0) {
				/* Renamed out of every entry: the firewall is not wanted there. */
				if (!a->ops.forget(a->ops.arg, l->name, l->ifindex))
					a->forgotten++;
				pr_info("%s was renamed %s, which no entry matches: detached\n", t->name,
					l->name);
				drop_att(a, t);
				break;
			}
			pr_info("%s was renamed %s; it stays attached\n", t->name, l->name);
			/* The owner's attachment keeps its first name (its pin's); forget goes by ifindex. */
			snprintf(t->name, sizeof(t->name), "%s", l->name);
			snprintf(t->entry, sizeof(t->entry), "%s", a->cfg->ifaces[idx].name);
		}
		if (t)
			check_mtu(a, t, l, old->mtu);
		else if (idx >= 0)
			attach_link(a, l, idx);
		break;
	}
	if (a->ops.on_link)
		a->ops.on_link(a->ops.hook_arg, ev, l, old);
}

static void on_addr(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_addr *addr)
{
	struct sl_autoattach *a = arg;

	if (a->ops.on_addr)
		a->ops.on_addr(a->ops.hook_arg, ev, addr);
}

int sl_autoattach_open(const struct sl_config *cfg, const struct sl_autoattach_ops *ops,
		       struct sl_autoattach **out)
{
	struct sl_autoattach *a;

	*out = NULL;
	if (!ops->attach || !ops->forget)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = cfg;
	a->ops = *ops;
	a->mtu_max = sl_xdp_native_mtu_max();
	*out = a;
	return 0;
}

int sl_autoattach_start(struct sl_autoattach *a)
{
	const struct sl_rtnl_ops ops = { .on_link = on_link, .on_addr = on_addr, .arg = a };

	if (a->w)
		return -EALREADY;
	return sl_rtnl_open(&ops, NULL, &a->w);
}

int sl_autoattach_start_detached(struct sl_autoattach *a)
{
	const struct sl_rtnl_ops ops = { .on_link = on_link, .on_addr = on_addr, .arg = a };

	if (a->w)
		return -EALREADY;
	return sl_rtnl_open_detached(&ops, NULL, &a->w);
}

void sl_autoattach_set_config(struct sl_autoattach *a, const struct sl_config *cfg)
{
	size_t i, n;

	a->cfg = cfg;
	/* What no entry covers now, the reload detached (sync_ifaces): no longer ours. */
	for (i = 0; i < a->n_att;) {
		const struct sl_rtnl_link *l = a->w ? sl_rtnl_link_by_index(a->w, a->att[i].ifindex)
						    : NULL;

		if (sl_config_match_iface(cfg, l ? l->name : a->att[i].name) < 0)
			drop_att(a, &a->att[i]);
		else
			i++;
	}
	if (!a->w)
		return;
	n = sl_rtnl_n_links(a->w);
	for (i = 0; i < n; i++) {
		const struct sl_rtnl_link *l = sl_rtnl_link_at(a->w, i);
		int idx = sl_config_match_iface(cfg, l->name);

		if (idx >= 0 && !find_att(a, l->ifindex))
			attach_link(a, l, idx);
	}
}

int sl_autoattach_fd(const struct sl_autoattach *a)
{
	return a->w ? sl_rtnl_fd(a->w) : -1;
}

int sl_autoattach_dispatch(struct sl_autoattach *a)
{
	return a->w ? sl_rtnl_dispatch(a->w) : 0;
}

struct sl_rtnl *sl_autoattach_watcher(const struct sl_autoattach *a)
{
	return a->w;
}

static uint32_t ctl_mode(enum sl_xdp_mode m)
{
	return m == SL_XDP_MODE_GENERIC ? SL_CTL_XDP_GENERIC : SL_CTL_XDP_NATIVE;
}

/* Links under an entry first, then by ifindex: what is cut off from a long list matters least. */
static int cmp_links(const void *x, const void *y)
{
	const struct sl_rtnl_status_link *p = x, *q = y;
	int pe = p->entry[0] != '\0', qe = q->entry[0] != '\0';

	if (pe != qe)
		return qe - pe;
	return p->ifindex < q->ifindex ? -1 : p->ifindex > q->ifindex;
}

/* Appends the addresses of link l to the snapshot, while there is room. */
static void add_addrs(const struct sl_rtnl *w, struct sl_rtnl_status *out,
		      struct sl_rtnl_status_link *l)
{
	size_t i, n = sl_rtnl_n_addrs(w);

	l->first_addr = (uint32_t)out->n_status_addrs;
	for (i = 0; i < n && out->n_status_addrs < SL_RTNL_STATUS_ADDRS; i++) {
		const struct sl_rtnl_addr *ad = sl_rtnl_addr_at(w, i);
		char ip[INET6_ADDRSTRLEN];

		if ((uint32_t)ad->ifindex != l->ifindex ||
		    !inet_ntop(ad->family, ad->addr, ip, sizeof(ip)))
			continue;
		snprintf(out->addrs[out->n_status_addrs++], SL_RTNL_ADDR_STR, "%s/%u", ip,
			 ad->prefixlen);
		l->n_addrs++;
	}
}

void sl_autoattach_status(const struct sl_autoattach *a, struct sl_rtnl_status *out)
{
	const struct sl_rtnl_counters *c;
	struct sl_rtnl_status_link *all;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->attaches = a->attaches;
	out->forgotten = a->forgotten;
	out->attach_failed = a->attach_failed;
	out->mtu_refused = a->mtu_refused;
	out->mtu_over = a->mtu_over;
	out->xdp_mtu_max = a->mtu_max;
	if (!a->w)
		return;
	c = sl_rtnl_counters(a->w);
	out->synced = sl_rtnl_synced(a->w);
	out->events = c->events;
	out->resyncs = c->resyncs;
	out->dumps_redone = c->dumps_redone;
	out->foreign = c->foreign;
	out->malformed = c->malformed;
	out->stale_seq = c->stale_seq;
	out->table_full = c->table_full;
	out->dump_errors = c->dump_errors;
	n = sl_rtnl_n_links(a->w);
	out->n_links = (uint32_t)n;
	out->n_addrs = (uint32_t)sl_rtnl_n_addrs(a->w);
	out->n_neighs = (uint32_t)sl_rtnl_n_neighs(a->w);
	out->n_routes = (uint32_t)sl_rtnl_n_routes(a->w);
	/* Every link sorted, then the first SL_RTNL_STATUS_LINKS of them sent. */
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return;
	for (i = 0; i < n; i++) {
		const struct sl_rtnl_link *l = sl_rtnl_link_at(a->w, i);
		size_t k = att_index(a, l->ifindex);
		const struct att *t = k < a->n_att ? &a->att[k] : NULL;
		int idx = sl_config_match_iface(a->cfg, l->name);

		all[i].ifindex = (uint32_t)l->ifindex;
		snprintf(all[i].name, sizeof(all[i].name), "%s", l->name);
		all[i].mtu = l->mtu;
		all[i].up = l->up;
		all[i].attached = t != NULL;
		all[i].xdp_mode = t ? ctl_mode(t->used) : 0;
		if (t && t->entry[0])
			snprintf(all[i].entry, sizeof(all[i].entry), "%s", t->entry);
		else if (idx >= 0)
			snprintf(all[i].entry, sizeof(all[i].entry), "%s", a->cfg->ifaces[idx].name);
	}
	qsort(all, n, sizeof(*all), cmp_links);
	for (i = 0; i < n && i < SL_RTNL_STATUS_LINKS; i++) {
		out->links[i] = all[i];
		add_addrs(a->w, out, &out->links[i]);
	}
	out->n_status_links = i;
	free(all);
}

void sl_autoattach_close(struct sl_autoattach *a)
{
	if (!a)
		return;
	sl_rtnl_close(a->w);
	free(a);
}
