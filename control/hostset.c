/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "hostset.h"

#include <errno.h>
#include <fnmatch.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rtnl.h"

bool sl_hostset_any(const struct sl_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_sets; i++)
		if (cfg->sets[i].source == SL_SET_SRC_HOST_ADDRESSES)
			return true;
	return false;
}

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* Family, then address, then length: only the address bytes of the family count. */
static int cmp_prefix(const void *x, const void *y)
{
	const struct sl_prefix *p = x, *q = y;
	int c;

	if (p->family != q->family)
		return p->family < q->family ? -1 : 1;
	c = memcmp(p->addr, q->addr, addr_len(p->family));
	if (c)
		return c;
	return p->len < q->len ? -1 : p->len > q->len;
}

int sl_hostset_elements(const struct sl_set *set, const struct sl_host_addr *a, size_t n,
			struct sl_prefix **out, size_t *n_out)
{
	struct sl_prefix *p = NULL;
	size_t i, k = 0;

	*out = NULL;
	*n_out = 0;
	if (n) {
		p = calloc(n, sizeof(*p));
		if (!p)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (a[i].family != AF_INET && a[i].family != AF_INET6)
			continue;
		if (set->source_iface[0] && fnmatch(set->source_iface, a[i].ifname, 0))
			continue;
		p[k].family = a[i].family;
		p[k].len = a[i].family == AF_INET ? 32 : 128;
		memcpy(p[k].addr, a[i].addr, addr_len(a[i].family));
		k++;
	}
	if (k)
		qsort(p, k, sizeof(*p), cmp_prefix);
	/* The same address on two links is one element. */
	for (i = 0, n = 0; i < k; i++)
		if (!n || cmp_prefix(&p[n - 1], &p[i]))
			p[n++] = p[i];
	if (!n) {
		free(p);
		p = NULL;
	}
	*out = p;
	*n_out = n;
	return 0;
}

/* Whether set holds exactly want[0..n) (sorted, unique), in any order. */
static int same_elements(const struct sl_set *set, const struct sl_prefix *want, size_t n)
{
	struct sl_prefix *have;
	size_t i;
	int same = 1;

	if (set->n_prefixes != n)
		return 0;
	if (!n)
		return 1;
	have = malloc(n * sizeof(*have));
	if (!have)
		return -ENOMEM;
	memcpy(have, set->prefixes, n * sizeof(*have));
	qsort(have, n, sizeof(*have), cmp_prefix);
	for (i = 0; i < n && same; i++)
		same = !cmp_prefix(&have[i], &want[i]);
	free(have);
	return same;
}

/* Counts (and with fill, replaces) the host sets of cfg that differ from a[0..n). */
static int walk(struct sl_config *cfg, const struct sl_host_addr *a, size_t n, bool fill)
{
	int changed = 0, same, err;
	size_t i, k;

	for (i = 0; i < cfg->n_sets; i++) {
		struct sl_set *s = &cfg->sets[i];
		struct sl_prefix *want;

		if (s->source != SL_SET_SRC_HOST_ADDRESSES)
			continue;
		err = sl_hostset_elements(s, a, n, &want, &k);
		if (err)
			return err;
		same = same_elements(s, want, k);
		if (same < 0) {
			free(want);
			return same;
		}
		if (same) {
			free(want);
			continue;
		}
		changed++;
		if (!fill) {
			free(want);
			continue;
		}
		free(s->prefixes);
		s->prefixes = want;
		s->n_prefixes = k;
		s->cap_prefixes = k;
	}
	return changed;
}

int sl_hostset_changes(const struct sl_config *cfg, const struct sl_host_addr *a, size_t n)
{
	/* Without fill the walk only reads cfg. */
	return walk((struct sl_config *)cfg, a, n, false);
}

int sl_hostset_fill(struct sl_config *cfg, const struct sl_host_addr *a, size_t n)
{
	return walk(cfg, a, n, true);
}

int sl_hostset_from_rtnl(const struct sl_rtnl *w, struct sl_host_addr **out, size_t *n)
{
	size_t i, total = sl_rtnl_n_addrs(w), k = 0;
	struct sl_host_addr *a;

	*out = NULL;
	*n = 0;
	a = calloc(total ? total : 1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (i = 0; i < total; i++) {
		const struct sl_rtnl_addr *ad = sl_rtnl_addr_at(w, i);
		const struct sl_rtnl_link *l = ad ? sl_rtnl_link_by_index(w, ad->ifindex) : NULL;

		if (!l || (ad->family != AF_INET && ad->family != AF_INET6))
			continue;
		snprintf(a[k].ifname, sizeof(a[k].ifname), "%s", l->name);
		a[k].family = ad->family;
		memcpy(a[k].addr, ad->addr, addr_len(ad->family));
		k++;
	}
	*out = a;
	*n = k;
	return 0;
}

int sl_hostset_from_system(struct sl_host_addr **out, size_t *n)
{
	struct ifaddrs *ifa = NULL, *i;
	struct sl_host_addr *a;
	size_t total = 0, k = 0;

	*out = NULL;
	*n = 0;
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next)
		total++;
	a = calloc(total ? total : 1, sizeof(*a));
	if (!a) {
		freeifaddrs(ifa);
		return -ENOMEM;
	}
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || !i->ifa_name || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
			continue;
		snprintf(a[k].ifname, sizeof(a[k].ifname), "%s", i->ifa_name);
		a[k].family = (uint8_t)sa->sa_family;
		if (sa->sa_family == AF_INET)
			memcpy(a[k].addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		else
			memcpy(a[k].addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		k++;
	}
	freeifaddrs(ifa);
	*out = a;
	*n = k;
	return 0;
}

int sl_hostset_check_edit(const struct sl_config *cfg, const char *name, struct sl_diag *diag)
{
	int i = name ? sl_config_find_set(cfg, name) : -1;

	if (i < 0 || cfg->sets[i].source != SL_SET_SRC_HOST_ADDRESSES)
		return 0;
	sl_diagf(diag,
		 "set '%s' is filled by sluiced from the host's addresses (source: host-addresses): "
		 "its elements cannot be changed by hand",
		 name);
	return -EPERM;
}
