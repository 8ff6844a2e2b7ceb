/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sluiced's bridge from the dataplane workers to their STATUS snapshots. */
#ifndef SLUICE_CTL_WORKERS_H
#define SLUICE_CTL_WORKERS_H

#include <stddef.h>

#include "worker_status.h"
#include "dataplane/worker.h"
#include "dataplane/dpdk_workers.h"

#define SL_CTL_WORKERS_MAX 32 /* workers one STATUS datagram carries */

/*
 * Reads the first max workers of ws (NULL: none) into out. Returns how
 * many it wrote. Safe while the workers run.
 */
size_t sl_ctl_workers_snapshot(const struct sl_workers *ws, struct sl_ctl_worker *out, size_t max);

/* The same for the workers of DPDK ports (NULL: none). */
size_t sl_ctl_dpdk_workers_snapshot(const struct sl_dpdk_workers *ws, struct sl_ctl_worker *out,
				    size_t max);

#endif /* SLUICE_CTL_WORKERS_H */
