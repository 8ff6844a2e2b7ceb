/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Dataplane workers over DPDK ports (docs/dataplane.md, "DPDK ports"):
 * the config's `dataplane: {ports: dpdk}`. The EAL is initialised once
 * with the config's dataplane.dpdk.eal arguments; each dataplane
 * interface names an ethdev port (net_pcap0, 0000:01:00.0), which gets
 * one RX and one TX queue per worker, a mempool per queue, and is
 * started; each worker is a thread pinned to its CPU running the
 * interface's stages through sl_worker_burst, as AF_XDP workers do.
 *
 * The same facts and counters as dataplane/worker.h (struct
 * sl_worker_info, struct sl_worker_stats), read the same way. In a build
 * without DPDK every call fails with -EOPNOTSUPP (the config loader
 * refuses `ports: dpdk` there first).
 */
#ifndef SLUICE_DPDK_WORKERS_H
#define SLUICE_DPDK_WORKERS_H

#include <stdint.h>

#include "worker.h"

struct sl_dpdk_workers;
struct sl_logger;

/*
 * Initialises the EAL (once per process: DPDK cannot initialise it
 * twice), configures and starts every dataplane interface's port and
 * starts its workers. With events (may be NULL) each worker gets a ring
 * of the logger for the packets its stages drop. Returns 0 and the set,
 * or a negative errno with diag; nothing is left running on failure.
 */
int sl_dpdk_workers_start(const struct sl_config *cfg, struct sl_logger *events,
			  struct sl_dpdk_workers **out, struct sl_diag *diag);

/* Workers in the set (0 for NULL). */
uint32_t sl_dpdk_workers_count(const struct sl_dpdk_workers *ws);

/*
 * Worker i's facts and latest published counters, and its device's
 * counters (per port: imissed, ierrors, rx_nombuf, oerrors). Any thread.
 * 0, or -ENOENT past the last.
 */
int sl_dpdk_workers_read(const struct sl_dpdk_workers *ws, uint32_t i,
			 struct sl_worker_info *info, struct sl_worker_stats *st,
			 struct sl_port_kstats *k);

/*
 * Stops the workers, stops and closes the ports (a net_pcap port writes
 * its tx_pcap out then), frees the mempools and cleans up the EAL.
 * NULL-safe.
 */
void sl_dpdk_workers_stop(struct sl_dpdk_workers *ws);

#endif /* SLUICE_DPDK_WORKERS_H */
