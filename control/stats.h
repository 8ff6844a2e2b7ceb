/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Firewall counters read back from the maps: summed over CPUs, with the
 * names of verdicts, reasons and rules. Works from the pins alone, so
 * `sluicectl stats` needs neither the daemon nor the config.
 */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/abi.h"

/* One ingress interface's counters, by enum sl_verdict. */
struct sl_stats_iface {
	uint32_t ifindex;
	struct sl_counter c[SL_VERDICT_COUNT];
};

struct sl_stats {
	struct sl_counter verdicts[SL_VERDICT_COUNT];
	struct sl_counter reasons[SL_REASON_COUNT];
	struct sl_counter rules[SL_MAX_RULES];
	struct sl_rule_meta meta[SL_MAX_RULES];
	uint32_t n_rules; /* rules with a name in sl_rule_meta */
	/* the interfaces that counted a packet (sl_iface_stats), by ifindex */
	struct sl_stats_iface ifaces[SL_IFACE_STATS_MAX];
	uint32_t n_ifaces;
};

/* Map fds to read from: pinned maps, or a loaded program's. */
struct sl_stats_fds {
	int verdicts;
	int reasons;
	int rule_stats;
	int rule_meta;
	/*
	 * sl_rules, for each rule's stat_slot (its index in rule_stats); a
	 * negative fd reads rule_stats by rule position. Set it: 0 is a valid fd.
	 */
	int rules;
	int iface_stats; /* sl_iface_stats; negative: interface counters read as zero */
};

/*
 * Reads and sums the counters. 0 or a negative errno: -EPROTO when
 * sl_iface_stats is not of this build's shape (pins of an older sluiced).
 */
int sl_stats_read(const struct sl_stats_fds *fds, struct sl_stats *out);

/*
 * Opens the pinned maps under pin_dir (default /sys/fs/bpf/sluice).
 * -ENOENT when nothing is pinned there. Close with sl_stats_close.
 */
int sl_stats_open_pinned(const char *pin_dir, struct sl_stats_fds *fds);
void sl_stats_close(struct sl_stats_fds *fds);

/*
 * The entry of ifindex in st->ifaces, added (zeroed, in ifindex order)
 * when it has none. NULL when the table is full.
 */
struct sl_stats_iface *sl_stats_iface_get(struct sl_stats *st, uint32_t ifindex);

/* Whether an interface entry counted any packet. */
bool sl_stats_iface_seen(const struct sl_stats_iface *e);

/*
 * The name of ifindex as it is now: the interface's name, or "ifindex-N"
 * for an interface that is gone ("other" for 0, which no interface has).
 * buf holds at least SL_STATS_IFNAME_LEN bytes.
 */
#define SL_STATS_IFNAME_LEN 24
const char *sl_stats_iface_name(uint32_t ifindex, char *buf);

/* Stable names, as used in JSON and docs/metrics.md. */
const char *sl_verdict_name(uint32_t verdict);
const char *sl_reason_name(uint32_t reason);

#endif /* SLUICE_STATS_H */
