/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "ctl_workers.h"

#include <stdio.h>
#include <string.h>

/* A worker of either backend as STATUS shows it. */
static void fill(struct sl_ctl_worker *w, const char *port, const struct sl_worker_info *info,
		 const struct sl_worker_stats *st, const struct sl_port_kstats *ks)
{
	size_t used = 0;
	uint32_t s;

	memset(w, 0, sizeof(*w));
	snprintf(w->ifname, sizeof(w->ifname), "%s", info->ifname);
	snprintf(w->port, sizeof(w->port), "%s", port);
	snprintf(w->peer, sizeof(w->peer), "%s", info->peer);
	for (s = 0; s < info->n_stages && s < SL_CTL_STAGES_MAX; s++) {
		const struct sl_stage_ops *ops = sl_stage_find(info->stages[s]);
		struct sl_ctl_stage *sc = &w->stage[w->n_stage++];

		snprintf(sc->name, sizeof(sc->name), "%s", info->stages[s]);
		sc->seen = st->stages[s].seen;
		sc->tx = st->stages[s].tx;
		sc->drop = st->stages[s].drop;
		for (; ops && ops->own_names && sc->n_own < SL_CTL_STAGE_OWN_MAX &&
		       ops->own_names[sc->n_own];
		     sc->n_own++) {
			snprintf(sc->own_names[sc->n_own], sizeof(sc->own_names[0]), "%s",
				 ops->own_names[sc->n_own]);
			sc->own[sc->n_own] = st->stages[s].own[sc->n_own];
		}
	}
	for (s = 0; s < info->n_stages && used < sizeof(w->stages); s++) {
		int len = snprintf(w->stages + used, sizeof(w->stages) - used, "%s%s",
				   s ? "," : "", info->stages[s]);

		if (len < 0)
			break;
		used += (size_t)len;
	}
	snprintf(w->note, sizeof(w->note), "%s", info->note);
	w->queue = info->queue;
	w->cpu = info->cpu;
	w->running = info->running;
	w->zero_copy = info->zero_copy;
	w->multi_buffer = info->multi_buffer;
	w->sg_refused = info->sg_refused;
	w->busy_poll = info->busy_poll;
	w->rx_packets = st->rx_packets;
	w->rx_bytes = st->rx_bytes;
	w->tx_packets = st->tx_packets;
	w->tx_bytes = st->tx_bytes;
	w->drop_stage = st->drops[SL_WDROP_STAGE];
	w->drop_undecided = st->drops[SL_WDROP_UNDECIDED];
	w->drop_tx_full = st->drops[SL_WDROP_TX_FULL];
	w->batches = st->batches;
	w->wakeups = st->port.wakeups;
	w->polls = st->port.polls;
	w->fill_empty = ks->fill_empty;
	w->rx_ring_full = ks->rx_ring_full;
	w->kernel_dropped = ks->rx_dropped;
	w->refill_starved = st->port.refill_starved;
	w->frames = st->port.acct.frames;
	w->fr_free = st->port.acct.free;
	w->fr_in_hand = st->port.acct.in_hand;
	w->fr_fill = st->port.acct.fill_ring;
	w->fr_kernel = st->port.acct.kernel;
	w->fr_comp = st->port.acct.comp_ring;
	w->acct_ok = st->acct_check == 0;
	w->acct_failures = st->acct_failures;
}

size_t sl_ctl_workers_snapshot(const struct sl_workers *ws, struct sl_ctl_worker *out, size_t max)
{
	uint32_t n = sl_workers_count(ws), i;
	size_t k = 0;

	for (i = 0; i < n && k < max; i++) {
		struct sl_worker_info info;
		struct sl_worker_stats st;
		struct sl_port_kstats ks;

		if (sl_workers_read(ws, i, &info, &st, &ks))
			continue;
		fill(&out[k++], "af_xdp", &info, &st, &ks);
	}
	return k;
}

size_t sl_ctl_dpdk_workers_snapshot(const struct sl_dpdk_workers *ws, struct sl_ctl_worker *out,
				    size_t max)
{
	uint32_t n = sl_dpdk_workers_count(ws), i;
	size_t k = 0;

	for (i = 0; i < n && k < max; i++) {
		struct sl_worker_info info;
		struct sl_worker_stats st;
		struct sl_port_kstats ks;

		if (sl_dpdk_workers_read(ws, i, &info, &st, &ks))
			continue;
		fill(&out[k++], "dpdk", &info, &st, &ks);
	}
	return k;
}
