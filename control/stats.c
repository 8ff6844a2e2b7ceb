/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const verdict_names[SL_VERDICT_COUNT] = {
	[SL_VERDICT_PASS] = "pass",
	[SL_VERDICT_DROP] = "drop",
	[SL_VERDICT_STEER] = "steer",
};

static const char *const reason_names[SL_REASON_COUNT] = {
	[SL_REASON_NONE] = "none",
	[SL_REASON_ETH_TRUNC] = "eth_truncated",
	[SL_REASON_VLAN_TRUNC] = "vlan_truncated",
	[SL_REASON_VLAN_TOO_DEEP] = "vlan_too_deep",
	[SL_REASON_IP4_TRUNC] = "ipv4_truncated",
	[SL_REASON_IP4_BAD_VERSION] = "ipv4_bad_version",
	[SL_REASON_IP4_BAD_IHL] = "ipv4_bad_ihl",
	[SL_REASON_IP4_BAD_TOTLEN] = "ipv4_bad_total_length",
	[SL_REASON_IP6_TRUNC] = "ipv6_truncated",
	[SL_REASON_IP6_BAD_VERSION] = "ipv6_bad_version",
	[SL_REASON_IP6_EXT_TRUNC] = "ipv6_ext_truncated",
	[SL_REASON_IP6_EXT_TOO_LONG] = "ipv6_ext_chain_too_long",
	[SL_REASON_TCP_TRUNC] = "tcp_truncated",
	[SL_REASON_TCP_BAD_DOFF] = "tcp_bad_data_offset",
	[SL_REASON_UDP_TRUNC] = "udp_truncated",
	[SL_REASON_ICMP_TRUNC] = "icmp_truncated",
	[SL_REASON_ICMP6_TRUNC] = "icmpv6_truncated",
	[SL_REASON_RULE] = "rule",
	[SL_REASON_DEFAULT_POLICY] = "default_policy",
	[SL_REASON_NON_IP] = "non_ip",
	[SL_REASON_IP_FRAG] = "fragment",
	[SL_REASON_TABLE_MISS] = "table_miss",
	[SL_REASON_NO_SOCKET] = "no_socket",
	[SL_REASON_FLOW_DENY] = "flow_deny",
	[SL_REASON_STAGE] = "stage",
};

const char *sl_verdict_name(uint32_t verdict)
{
	return verdict < SL_VERDICT_COUNT && verdict_names[verdict] ? verdict_names[verdict] : "unknown";
}

const char *sl_reason_name(uint32_t reason)
{
	return reason < SL_REASON_COUNT && reason_names[reason] ? reason_names[reason] : "unknown";
}

/* Sums a per-CPU array of struct sl_counter into out[0..n). */
static int read_percpu(int fd, struct sl_counter *out, uint32_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_counter *percpu;
	uint32_t key;
	int cpu, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (key = 0; key < n; key++) {
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			err = -errno;
			break;
		}
		memset(&out[key], 0, sizeof(out[key]));
		for (cpu = 0; cpu < ncpu; cpu++) {
			out[key].packets += percpu[cpu].packets;
			out[key].bytes += percpu[cpu].bytes;
		}
	}
	free(percpu);
	return err;
}

/*
 * Reads sl_iface_stats (an LRU per-CPU hash by ifindex) into out->ifaces,
 * summed over CPUs. Keys are walked with get_next_key while the XDP
 * program may add (and the LRU evict) entries: a key evicted between the
 * walk and its lookup is skipped, and an eviction of the current key can
 * restart the walk, which the ifindex-keyed table absorbs (each ifindex
 * is kept once); the walk is bounded by twice the map's size.
 */
static int read_ifaces(int fd, struct sl_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_iface_counters *percpu;
	uint32_t key, next, steps;
	const uint32_t *prev = NULL;
	int cpu, err = 0;

	struct bpf_map_info info;
	__u32 len = sizeof(info);

	/* Pins of an older build (a per-CPU array of struct sl_counter) would be misread. */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_LRU_PERCPU_HASH || info.key_size != sizeof(uint32_t) ||
	    info.value_size != sizeof(struct sl_iface_counters))
		return -EPROTO;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (steps = 0; steps < 2 * SL_IFACE_STATS_MAX; steps++) {
		struct sl_stats_iface *e;
		uint32_t v;

		if (bpf_map_get_next_key(fd, prev, &next)) {
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			break;
		}
		e = sl_stats_iface_get(out, key);
		if (!e)
			break;
		/* Set, not added: a restarted walk may meet a key twice. */
		memset(e->c, 0, sizeof(e->c));
		for (cpu = 0; cpu < ncpu; cpu++)
			for (v = 0; v < SL_VERDICT_COUNT; v++) {
				e->c[v].packets += percpu[cpu].verdict[v].packets;
				e->c[v].bytes += percpu[cpu].verdict[v].bytes;
			}
	}
	free(percpu);
	return err;
}

/*
 * Rule i's counters are sl_rule_stats[sl_rules[i].stat_slot]: slots stay
 * with a rule across generations while positions move (abi.h).
 */
static int read_by_slot(const struct sl_stats_fds *fds, struct sl_stats *out)
{
	struct sl_counter *by_slot;
	struct sl_rule r;
	uint32_t key;
	int err;

	by_slot = calloc(SL_MAX_RULES, sizeof(*by_slot));
	if (!by_slot)
		return -ENOMEM;
	err = read_percpu(fds->rule_stats, by_slot, SL_MAX_RULES);
	for (key = 0; !err && key < out->n_rules; key++) {
		if (bpf_map_lookup_elem(fds->rules, &key, &r))
			err = -errno;
		else if (r.stat_slot >= SL_MAX_RULES)
			err = -ERANGE;
		else
			out->rules[key] = by_slot[r.stat_slot];
	}
	free(by_slot);
	return err;
}

int sl_stats_read(const struct sl_stats_fds *fds, struct sl_stats *out)
{
	uint32_t key;
	int err;

	memset(out, 0, sizeof(*out));
	err = read_percpu(fds->verdicts, out->verdicts, SL_VERDICT_COUNT);
	if (!err)
		err = read_percpu(fds->reasons, out->reasons, SL_REASON_COUNT);
	if (err)
		return err;
	for (key = 0; key < SL_MAX_RULES; key++) {
		if (bpf_map_lookup_elem(fds->rule_meta, &key, &out->meta[key]))
			return -errno;
		out->meta[key].name[SL_RULE_NAME_LEN - 1] = '\0';
		if (!out->meta[key].name[0])
			break;
	}
	out->n_rules = key;
	if (fds->iface_stats >= 0) {
		err = read_ifaces(fds->iface_stats, out);
		if (err)
			return err;
	}
	if (fds->rules < 0)
		return read_percpu(fds->rule_stats, out->rules, out->n_rules);
	return read_by_slot(fds, out);
}

struct sl_stats_iface *sl_stats_iface_get(struct sl_stats *st, uint32_t ifindex)
{
	uint32_t lo = 0, hi = st->n_ifaces;

	/* Binary search for the first entry not below ifindex. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (st->ifaces[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->n_ifaces && st->ifaces[lo].ifindex == ifindex)
		return &st->ifaces[lo];
	if (st->n_ifaces >= SL_IFACE_STATS_MAX)
		return NULL;
	memmove(&st->ifaces[lo + 1], &st->ifaces[lo], (st->n_ifaces - lo) * sizeof(st->ifaces[0]));
	st->n_ifaces++;
	memset(&st->ifaces[lo], 0, sizeof(st->ifaces[lo]));
	st->ifaces[lo].ifindex = ifindex;
	return &st->ifaces[lo];
}

bool sl_stats_iface_seen(const struct sl_stats_iface *e)
{
	uint32_t v;

	for (v = 0; v < SL_VERDICT_COUNT; v++)
		if (e->c[v].packets)
			return true;
	return false;
}

const char *sl_stats_iface_name(uint32_t ifindex, char *buf)
{
	char name[IF_NAMESIZE];

	if (!ifindex)
		return "other";
	if (if_indextoname(ifindex, name))
		snprintf(buf, SL_STATS_IFNAME_LEN, "%s", name);
	else
		snprintf(buf, SL_STATS_IFNAME_LEN, "ifindex-%u", ifindex);
	return buf;
}

static int open_pin(const char *dir, const char *name)
{
	char path[512];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int sl_stats_open_pinned(const char *pin_dir, struct sl_stats_fds *fds)
{
	const char *dir = pin_dir ? pin_dir : "/sys/fs/bpf/sluice";
	int err;

	fds->verdicts = fds->reasons = fds->rule_stats = fds->rule_meta = fds->rules = -1;
	fds->iface_stats = -1;
	if ((err = fds->verdicts = open_pin(dir, "sl_verdicts")) < 0 ||
	    (err = fds->reasons = open_pin(dir, "sl_reasons")) < 0 ||
	    (err = fds->rule_stats = open_pin(dir, "sl_rule_stats")) < 0 ||
	    (err = fds->rule_meta = open_pin(dir, "sl_rule_meta")) < 0 ||
	    (err = fds->rules = open_pin(dir, "sl_rules")) < 0 ||
	    (err = fds->iface_stats = open_pin(dir, "sl_iface_stats")) < 0) {
		sl_stats_close(fds);
		return err;
	}
	return 0;
}

void sl_stats_close(struct sl_stats_fds *fds)
{
	int *all[] = { &fds->verdicts, &fds->reasons, &fds->rule_stats, &fds->rule_meta,
		       &fds->rules, &fds->iface_stats };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i] >= 0)
			close(*all[i]);
		*all[i] = -1;
	}
}
