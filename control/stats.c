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
		err = read_percpu(fds->iface_stats, &out->ifaces[0][0],
				  SL_IFACE_STATS_SLOTS * SL_VERDICT_COUNT);
		if (err)
			return err;
	}
	if (fds->rules < 0)
		return read_percpu(fds->rule_stats, out->rules, out->n_rules);
	return read_by_slot(fds, out);
}

bool sl_stats_iface_seen(const struct sl_stats *st, uint32_t slot)
{
	uint32_t v;

	for (v = 0; slot < SL_IFACE_STATS_SLOTS && v < SL_VERDICT_COUNT; v++)
		if (st->ifaces[slot][v].packets)
			return true;
	return false;
}

const char *sl_stats_iface_name(uint32_t slot, char *buf)
{
	char name[IF_NAMESIZE];

	if (!slot)
		return "other";
	if (if_indextoname(slot, name))
		snprintf(buf, SL_STATS_IFNAME_LEN, "%s", name);
	else
		snprintf(buf, SL_STATS_IFNAME_LEN, "ifindex-%u", slot);
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
