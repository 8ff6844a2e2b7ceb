/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dataplane workers' part of a STATUS reply (SL_CTL_A_WORKER,
 * include/sluice/ctl.h): one flat snapshot per worker, its attribute
 * policy, the builder sluiced uses and the reader sluicectl uses. The
 * daemon fills the snapshots from sl_workers_read (dataplane/worker.h).
 */
#ifndef SLUICE_WORKER_STATUS_H
#define SLUICE_WORKER_STATUS_H

#include <libmnl/libmnl.h>
#include <net/if.h>
#include <stdint.h>

#include "proto.h"

/* The policy of an SL_CTL_A_WORKER nest. */
extern const struct sl_ctl_attrset sl_ctl_worker_attrs;

#define SL_CTL_STAGES_MAX 8     /* stages per worker (SL_PIPELINE_MAX) */
#define SL_CTL_STAGE_OWN_MAX 4  /* a stage's own counters (SL_STAGE_OWN_MAX) */

/* One stage of a worker and its counters. */
struct sl_ctl_stage {
	char name[16];
	uint64_t seen, tx, drop;
	char own_names[SL_CTL_STAGE_OWN_MAX][32];
	uint64_t own[SL_CTL_STAGE_OWN_MAX];
	uint32_t n_own;
};

struct sl_ctl_worker {
	char ifname[IF_NAMESIZE];
	char port[16];            /* "af_xdp", "dpdk" */
	char peer[IF_NAMESIZE];   /* an inline pair's other port, "" for none */
	char stages[128]; /* "reflect", or "inspect,reflect" */
	char note[160];
	uint32_t queue, cpu;
	uint8_t running, zero_copy, multi_buffer, sg_refused, busy_poll, acct_ok;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drop_stage, drop_undecided, drop_tx_full;
	uint64_t batches, wakeups, polls;
	uint64_t fill_empty, rx_ring_full, kernel_dropped, refill_starved;
	uint64_t frames, fr_free, fr_in_hand, fr_fill, fr_kernel, fr_comp, acct_failures;
	struct sl_ctl_stage stage[SL_CTL_STAGES_MAX];
	uint32_t n_stage;
};

/* Adds w as an SL_CTL_A_WORKER nest to nlh (buffer of size bytes). 0 or -EMSGSIZE. */
int sl_ctl_worker_put(struct nlmsghdr *nlh, size_t size, const struct sl_ctl_worker *w);

/* Reads an SL_CTL_A_WORKER nest of a parsed message (base). 0 or -EBADMSG. */
int sl_ctl_worker_get(const struct nlmsghdr *base, const struct nlattr *nest,
		      struct sl_ctl_worker *out);

#endif /* SLUICE_WORKER_STATUS_H */
