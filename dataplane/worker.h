/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Dataplane workers (docs/dataplane.md): one thread per configured RX
 * queue, pinned to its CPU, serving the AF_XDP socket of that queue
 * through the interface's stages. Each interface's UMEM is one sl_pool
 * region (memory.pools.umem), sliced between its workers. A worker of an
 * inline pair serves its queue on both ports, two sockets on one UMEM
 * slice, and its counters and frame accounting cover both.
 *
 * A worker writes its counters only in its own cache lines and publishes
 * a snapshot after each round (a sequence count lets another thread read
 * it whole); sl_workers_read is safe from any thread.
 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "port.h"
#include "stage.h"
#include "tiers.h"
#include "../control/config.h"

struct sl_pool;

/* Why a worker dropped a packet. Append only: status and metrics show them by name. */
enum sl_wdrop {
	SL_WDROP_STAGE = 0,     /* a stage decided drop */
	SL_WDROP_UNDECIDED = 1, /* no stage decided */
	SL_WDROP_TX_FULL = 2,   /* the TX ring had no room */
	SL_WDROP_COUNT = 3,
};

/* "stage", "undecided", "tx_full"; NULL out of range. */
const char *sl_wdrop_name(uint32_t reason);

/* One worker's counters, as published. */
struct sl_worker_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t drops[SL_WDROP_COUNT];
	uint64_t batches;      /* non-empty receive bursts: rx_packets / batches is the mean burst */
	uint64_t rounds;       /* turns of the loop */
	struct sl_port_stats port;
	int acct_check;        /* sl_frame_acct_check of port.acct at publication: 0 or -EFAULT */
	uint64_t acct_failures; /* publications whose check failed, ever */
	struct sl_stage_counters stages[SL_PIPELINE_MAX];
};

/* What does not change while a worker runs. */
struct sl_worker_info {
	char ifname[IF_NAMESIZE];
	char peer[IF_NAMESIZE]; /* an inline pair's other port, served on the same queue; "" for none */
	uint32_t queue;
	uint32_t cpu;
	bool running;      /* its thread is in its loop */
	bool zero_copy;
	bool multi_buffer;
	bool sg_refused;
	bool busy_poll;
	uint32_t frames;   /* UMEM frames it owns */
	uint32_t frame_size;
	uint32_t n_stages;
	char stages[SL_PIPELINE_MAX][SL_STAGE_NAME_LEN];
	char note[160];    /* the port's remark ("zero-copy refused ..."), or "" */
};

/* The most buffers one burst may carry (dataplane.batch's 256 plus one whole chain). */
#define SL_WORKER_BURST_MAX 273

/*
 * One received burst, bufs[0..n) from port (whole packets, chains
 * together), through the pipeline, then transmitted on port (SL_SV_TX),
 * on the pipeline's peer port (SL_SV_FWD; dropped as undecided without
 * one) or freed, counted into st (rx, tx, drops by reason, batches). A worker's round
 * without the receive and the service; exposed for tests. Returns the
 * packets in the burst.
 */
uint32_t sl_worker_burst(struct sl_port *port, struct sl_pipeline *pl, struct sl_worker_stats *st,
			 struct sl_buf *bufs, uint32_t n);

/*
 * Starts fn(arg) on a thread pinned to info->cpu from its first
 * instruction (AF_XDP and DPDK workers alike). 0, or a negative errno
 * with diag naming the worker.
 */
int sl_worker_thread_start(const struct sl_worker_info *info, pthread_t *thread, void *(*fn)(void *),
			   void *arg, struct sl_diag *diag);

struct sl_workers;

/*
 * The tier a UMEM pool goes to: memory.pools.umem's tier, resolved on
 * topo, with the rule that UMEM never lands on a node without CPUs unless
 * the config names that node explicitly (a node list): such nodes are
 * taken out of a fast, capacity or auto tier; when none is left the fast
 * tier is used with a warning (*fell_back), or in strict mode it fails
 * with -ENODEV and diag. Returns 0 with *nodes, or a negative errno.
 */
int sl_umem_nodes(const struct sl_topology *topo, const struct sl_memory_cfg *mem,
		  uint64_t *nodes, bool *fell_back, struct sl_diag *diag);

/*
 * Creates the UMEM pools and sockets of every configured worker, inserts
 * the sockets into the XSKMAP xsks_fd, and starts the threads (call it
 * after the program is attached). topo may be NULL (discovered from /sys
 * then). With events (the logger; may be NULL) each worker gets a ring
 * of it, "worker-IF-qN", for the packets its stages drop. Returns 0 and
 * the set (empty when no worker is configured), or a negative errno with
 * diag; nothing is left running on failure.
 */
struct sl_logger;
int sl_workers_start(const struct sl_config *cfg, const struct sl_topology *topo, int xsks_fd,
		     struct sl_logger *events, struct sl_workers **out, struct sl_diag *diag);

/* Workers in the set. */
uint32_t sl_workers_count(const struct sl_workers *ws);

/* The UMEM pool of the i-th interface with workers, or NULL past the last (for placement reports). */
const struct sl_pool *sl_workers_pool(const struct sl_workers *ws, uint32_t i);

/*
 * Worker i's facts and latest published counters, plus the kernel's
 * counters of its socket. Any thread. 0, or -ENOENT past the last.
 */
int sl_workers_read(const struct sl_workers *ws, uint32_t i, struct sl_worker_info *info,
		    struct sl_worker_stats *st, struct sl_port_kstats *k);

/*
 * Stops every worker: takes its socket out of the XSKMAP first (so that
 * steered packets meet the no_socket policy, not a dead socket), then
 * ends the thread and closes the socket and pools. NULL-safe.
 */
void sl_workers_stop(struct sl_workers *ws);

#endif /* SLUICE_WORKER_H */
