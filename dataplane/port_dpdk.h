/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DPDK port backend (docs/dataplane.md, "DPDK ports"): one RX and TX
 * queue of one ethdev port behind struct sl_port, so any PMD (net_pcap,
 * net_af_xdp, net_ring, net_null, a NIC bound to vfio) serves the same
 * workers and stages as AF_XDP.
 *
 * A buffer is one mbuf segment: data and len are the segment's, handle
 * is the struct rte_mbuf pointer, and a multi-segment packet arrives as
 * a chain of buffers, all but the last with SL_BUF_CONTD. Each queue has
 * its own mempool, so its frame accounting is exact: frames = the pool's
 * mbufs, free = what the pool holds (its caches included), in_hand = what
 * the worker holds, kernel = the rest, held by the device (its RX ring
 * and TX queue) and counted as rx_owned.
 *
 * Only built with DPDK (meson option dpdk); the EAL must be initialised
 * and the port configured and started by the caller (dpdk_workers.c).
 */
#ifndef SLUICE_PORT_DPDK_H
#define SLUICE_PORT_DPDK_H

#include <stdint.h>

#include "port.h"

struct rte_mempool;

struct sl_dpdk_port_opts {
	uint16_t port_id;       /* the ethdev port, started */
	uint16_t queue;         /* its RX and TX queue this port serves */
	struct rte_mempool *mp; /* the queue's RX mempool (accounting only; not freed here) */
	bool busy_poll;         /* never sleep when idle */
};

/*
 * Makes a port over queue o->queue of ethdev o->port_id. Returns 0 and
 * *out, or -ENOMEM. The port never stops or closes the device: its
 * close frees only the buffers it holds (none between bursts) and itself.
 */
int sl_dpdk_port_open(const struct sl_dpdk_port_opts *o, struct sl_port **out);

#endif /* SLUICE_PORT_DPDK_H */
