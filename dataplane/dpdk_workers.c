/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "dpdk_workers.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "log.h"
#include "logger.h"
#include "port_dpdk.h"
#include "spsc.h"
#include "sluice/events.h"

#define EAL_OWN_ARGS 6 /* argv[0], --no-telemetry, --no-shconf, --file-prefix, --lcores, NULL */
#define MEMPOOL_CACHE 256

struct dworker {
	/* Written by the worker thread only. */
	_Alignas(64) struct sl_worker_stats local;
	/* The snapshot other threads read; seq is odd while it is being written. */
	_Alignas(64) uint32_t seq;
	struct sl_worker_stats pub;
	/* Set before the thread starts. */
	_Alignas(64) struct sl_worker_info info;
	struct sl_port *port;
	struct sl_pipeline pl;
	uint32_t want; /* buffers per receive burst */
	pthread_t thread;
	bool started;
	int stop;
};

/* One ethdev port and the mempools of its queues. */
struct ddev {
	uint16_t port_id;
	bool configured;
	bool started;
	struct rte_mempool *mp[SL_DP_MAX_WORKERS];
	uint32_t n_mp;
};

struct sl_dpdk_workers {
	struct dworker *w;
	uint32_t n;
	struct ddev devs[SL_DP_MAX_IFACES];
	uint32_t n_devs;
	bool eal;
	char **argv; /* the EAL's arguments: it may keep pointers into them */
	int argc;
};

/* ------------------------------------------------------------------ EAL */

/* "0-3,6": the CPUs this thread may run on, for --lcores. */
static int cpu_list(char *buf, size_t size)
{
	cpu_set_t set;
	size_t used = 0;
	int c, first = -1, len;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	buf[0] = '\0';
	for (c = 0; c <= CPU_SETSIZE; c++) {
		bool in = c < CPU_SETSIZE && CPU_ISSET(c, &set);

		if (in && first < 0)
			first = c;
		if (in || first < 0)
			continue;
		len = c - 1 > first ? snprintf(buf + used, size - used, "%s%d-%d", used ? "," : "", first, c - 1)
				    : snprintf(buf + used, size - used, "%s%d", used ? "," : "", first);
		if (len < 0 || (size_t)len >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)len;
		first = -1;
	}
	return used ? 0 : -ESRCH;
}

/*
 * rte_eal_init with the config's arguments and sluice's own: no telemetry
 * socket, no shared config, a file prefix of our own (two sluiced or a
 * testpmd never share runtime files), and lcore 0 (this thread) left on
 * every CPU it may use: the EAL pins its main lcore, and sluiced's other
 * threads must not inherit one CPU. Workers are our own pinned threads,
 * registered as lcores (rte_thread_register) for the mempool caches.
 */
static int eal_init(struct sl_dpdk_workers *ws, const struct sl_dataplane_cfg *d,
		    struct sl_diag *diag)
{
	char *copy[SL_DPDK_MAX_EAL + EAL_OWN_ARGS];
	char cpus[512], arg[600];
	uint32_t i;
	int err, ret;

	ws->argv = calloc(d->n_eal + EAL_OWN_ARGS, sizeof(*ws->argv));
	if (!ws->argv)
		return -ENOMEM;
	err = cpu_list(cpus, sizeof(cpus));
	if (err) {
		sl_diagf(diag, "dpdk: cannot read this thread's CPUs: %s", strerror(-err));
		return err;
	}
	ws->argv[ws->argc++] = strdup("sluiced");
	for (i = 0; i < d->n_eal; i++)
		ws->argv[ws->argc++] = strdup(d->eal[i]);
	ws->argv[ws->argc++] = strdup("--no-telemetry");
	ws->argv[ws->argc++] = strdup("--no-shconf");
	snprintf(arg, sizeof(arg), "--file-prefix=sluiced-%ld", (long)getpid());
	ws->argv[ws->argc++] = strdup(arg);
	snprintf(arg, sizeof(arg), "--lcores=0@(%s)", cpus);
	ws->argv[ws->argc++] = strdup(arg);
	for (i = 0; i < (uint32_t)ws->argc; i++)
		if (!ws->argv[i])
			return -ENOMEM;
	/* rte_eal_init permutes argv: it gets a copy of the array, we keep the strings. */
	memcpy(copy, ws->argv, sizeof(*copy) * (size_t)ws->argc);
	copy[ws->argc] = NULL;
	ret = rte_eal_init(ws->argc, copy);
	if (ret < 0) {
		err = rte_errno == EALREADY ? -EALREADY : -EINVAL;
		sl_diagf(diag, "dpdk: the EAL did not start (%s)%s", rte_strerror(rte_errno),
			 err == -EALREADY ? ": it starts once per process" :
			 "; see its messages above for the argument it refused (dataplane.dpdk.eal)");
		return err;
	}
	ws->eal = true;
	return 0;
}

/* --------------------------------------------------------------- ports */

/* The names of the ports the EAL made, for a message about one it did not. */
static void port_names(char *buf, size_t size)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t used = 0;
	uint16_t pid;
	int len;

	buf[0] = '\0';
	RTE_ETH_FOREACH_DEV(pid) {
		if (rte_eth_dev_get_name_by_port(pid, name))
			continue;
		len = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
		if (len < 0 || (size_t)len >= size - used)
			break;
		used += (size_t)len;
	}
	if (!used)
		snprintf(buf, size, "none");
}

/* Configures dif's port with one queue pair and one mempool per worker, and starts it. */
static int dev_start(const struct sl_dataplane_cfg *d, const struct sl_dp_iface_cfg *dif,
		     struct ddev *dev, struct sl_diag *diag)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nq = (uint16_t)dif->n_workers, nb_rxd = (uint16_t)d->ring_size,
		 nb_txd = (uint16_t)d->ring_size, q;
	char names[256];
	int socket, ret;

	ret = rte_eth_dev_get_port_by_name(dif->name, &dev->port_id);
	if (ret) {
		port_names(names, sizeof(names));
		sl_diagf(diag, "dataplane interface '%s': no DPDK port of that name (the EAL made: %s; "
			 "a vdev comes from --vdev=NAME,... in dataplane.dpdk.eal)", dif->name, names);
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(dev->port_id, &info);
	if (ret) {
		sl_diagf(diag, "DPDK port %s: no device info: %s", dif->name, strerror(-ret));
		return ret;
	}
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		sl_diagf(diag, "DPDK port %s (%s): %u workers but the device has %u RX and %u TX queues",
			 dif->name, info.driver_name, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	/* Frames longer than an mbuf arrive as chains where the device can make them. */
	if (d->max_frame > d->frame_size && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure(dev->port_id, nq, nq, &conf);
	if (ret) {
		sl_diagf(diag, "DPDK port %s (%s): cannot configure %u queues: %s", dif->name,
			 info.driver_name, nq, strerror(-ret));
		return ret;
	}
	dev->configured = true;
	if (d->max_frame > RTE_ETHER_MAX_LEN) {
		ret = rte_eth_dev_set_mtu(dev->port_id,
					  (uint16_t)(d->max_frame - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN));
		/* -ENOTSUP: a vdev with no MTU (net_pcap, net_ring) takes any length. */
		if (ret && ret != -ENOTSUP)
			pr_warn("DPDK port %s (%s): MTU for dataplane.max_frame %u refused (%s); longer "
				"frames may be dropped by the device\n", dif->name, info.driver_name,
				d->max_frame, strerror(-ret));
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(dev->port_id, &nb_rxd, &nb_txd);
	if (ret) {
		sl_diagf(diag, "DPDK port %s: %s", dif->name, strerror(-ret));
		return ret;
	}
	/* The RX ring holds mbufs of its own: a pool no larger would starve it. */
	if (d->frames <= nb_rxd) {
		sl_diagf(diag, "DPDK port %s: dataplane.frames (%u) must exceed the RX ring (%u "
			 "descriptors, dataplane.ring_size)", dif->name, d->frames, nb_rxd);
		return -EINVAL;
	}
	socket = rte_eth_dev_socket_id(dev->port_id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (q = 0; q < nq; q++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		struct rte_mempool *mp;

		snprintf(name, sizeof(name), "sl_p%u_q%u", dev->port_id, q);
		mp = rte_pktmbuf_pool_create(name, d->frames,
					     d->frames >= 4 * MEMPOOL_CACHE ? MEMPOOL_CACHE : d->frames / 4,
					     0, (uint16_t)(d->frame_size + RTE_PKTMBUF_HEADROOM), socket);
		if (!mp) {
			sl_diagf(diag, "DPDK port %s queue %u: no mempool of %u mbufs of %u bytes (%s; "
				 "with --no-huge give the EAL more memory: -m MB)", dif->name, q,
				 d->frames, d->frame_size, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		dev->mp[dev->n_mp++] = mp;
		ret = rte_eth_rx_queue_setup(dev->port_id, q, nb_rxd, (unsigned int)socket, NULL, mp);
		if (!ret)
			ret = rte_eth_tx_queue_setup(dev->port_id, q, nb_txd, (unsigned int)socket, NULL);
		if (ret) {
			sl_diagf(diag, "DPDK port %s queue %u: cannot set up its rings: %s", dif->name, q,
				 strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(dev->port_id);
	if (ret) {
		sl_diagf(diag, "DPDK port %s (%s): cannot start: %s", dif->name, info.driver_name,
			 strerror(-ret));
		return ret;
	}
	dev->started = true;
	/* Reflect and forward see every frame the wire carries, as on an AF_XDP queue. */
	ret = rte_eth_promiscuous_enable(dev->port_id);
	if (ret && ret != -ENOTSUP)
		pr_warn("DPDK port %s: no promiscuous mode (%s)\n", dif->name, strerror(-ret));
	return 0;
}

/* -------------------------------------------------------------- workers */

static void publish(struct dworker *w)
{
	uint32_t s = w->seq;

	sl_port_stats_get(w->port, &w->local.port);
	w->local.acct_check = sl_frame_acct_check(&w->local.port.acct);
	if (w->local.acct_check)
		w->local.acct_failures++;
	memcpy(w->local.stages, w->pl.counters, sizeof(w->local.stages));

	__atomic_store_n(&w->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&w->pub, &w->local, sizeof(w->pub));
	__atomic_store_n(&w->seq, s + 2, __ATOMIC_RELEASE);
}

static void *worker_main(void *arg)
{
	struct dworker *w = arg;
	struct sl_buf bufs[SL_WORKER_BURST_MAX];
	bool lcore;
	uint32_t n;
	int err;

	/* An lcore id gives the thread mempool caches; without one it still works, slower. */
	lcore = rte_thread_register() == 0;
	__atomic_store_n(&w->info.running, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		n = sl_port_rx_burst(w->port, bufs, w->want);
		if (n)
			sl_worker_burst(w->port, &w->pl, &w->local, bufs, n);
		err = sl_port_service(w->port, n == 0, 1);
		if (err) {
			pr_warn("worker %s queue %u: %s; stopping\n", w->info.ifname, w->info.queue,
				strerror(-err));
			break;
		}
		w->local.rounds++;
		publish(w);
	}
	publish(w);
	__atomic_store_n(&w->info.running, false, __ATOMIC_RELEASE);
	if (lcore)
		rte_thread_unregister();
	return NULL;
}

static int start_thread(struct dworker *w, struct sl_diag *diag)
{
	int err = sl_worker_thread_start(&w->info, &w->thread, worker_main, w, diag);

	w->started = !err;
	return err;
}

/* Worker k of dif on dev: its stages, its port over queue k, its event ring. */
static int worker_open(struct dworker *w, const struct sl_config *cfg,
		       const struct sl_dp_iface_cfg *dif, uint32_t k, struct ddev *dev,
		       struct sl_logger *events, struct sl_diag *diag)
{
	const struct sl_dataplane_cfg *d = &cfg->dataplane;
	struct sl_stage_env env = { .queue = dif->workers[k].queue, .cfg = cfg };
	struct sl_dpdk_port_opts po = {
		.port_id = dev->port_id,
		.queue = (uint16_t)dif->workers[k].queue,
		.mp = dev->mp[dif->workers[k].queue],
		.busy_poll = d->busy_poll,
	};
	struct rte_eth_dev_info info;
	uint32_t segs;
	int err;

	snprintf(w->info.ifname, sizeof(w->info.ifname), "%s", dif->name);
	snprintf(env.ifname, sizeof(env.ifname), "%s", dif->name);
	w->info.queue = dif->workers[k].queue;
	w->info.cpu = dif->workers[k].cpu;
	w->info.frames = d->frames;
	w->info.frame_size = d->frame_size;
	w->info.n_stages = dif->n_stages;
	memcpy(w->info.stages, dif->stages, sizeof(w->info.stages));
	/* Room for a whole chain of the longest frame in every burst. */
	segs = (d->max_frame + d->frame_size - 1) / d->frame_size + 1;
	w->want = d->batch > segs ? d->batch : segs;
	if (w->want > SL_WORKER_BURST_MAX)
		w->want = SL_WORKER_BURST_MAX;
	/* Chains of mbufs: the device may hand over frames longer than one. */
	w->info.multi_buffer = d->max_frame > d->frame_size;
	w->info.busy_poll = d->busy_poll;
	if (rte_eth_dev_info_get(dev->port_id, &info))
		info.driver_name = "?";
	snprintf(w->info.note, sizeof(w->info.note), "DPDK %s, port %u", info.driver_name,
		 dev->port_id);
	err = sl_pipeline_open(&w->pl, dif->stages, dif->n_stages, &env);
	if (err) {
		sl_diagf(diag, "worker %s queue %u: cannot open its stages: %s", dif->name,
			 w->info.queue, strerror(-err));
		return err;
	}
	err = sl_dpdk_port_open(&po, &w->port);
	if (err) {
		sl_diagf(diag, "worker %s queue %u: %s", dif->name, w->info.queue, strerror(-err));
		return err;
	}
	if (events) {
		char name[32];
		int lerr;

		snprintf(name, sizeof(name), "worker-%.15s-q%u", dif->name, w->info.queue);
		w->pl.queue = w->info.queue; /* ifindex stays 0: a DPDK port has none */
		lerr = sl_logger_add_ring(events, name, SL_SPSC_HDR + sizeof(struct sl_event),
					  &w->pl.events);
		if (lerr)
			pr_warn("worker %s queue %u: no event ring (%s): its drops are counted, not logged\n",
				dif->name, w->info.queue, strerror(-lerr));
	}
	publish(w);
	pr_info("worker %s queue %u on CPU %u: %s\n", dif->name, w->info.queue, w->info.cpu,
		w->info.note);
	return 0;
}

int sl_dpdk_workers_start(const struct sl_config *cfg, struct sl_logger *events,
			  struct sl_dpdk_workers **out, struct sl_diag *diag)
{
	const struct sl_dataplane_cfg *d = &cfg->dataplane;
	struct sl_dpdk_workers *ws;
	uint32_t total = 0, i, k;
	size_t f;
	int err;

	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	for (f = 0; f < d->n_ifaces; f++)
		total += d->ifaces[f].n_workers;
	if (!total) {
		*out = ws;
		return 0;
	}
	err = eal_init(ws, d, diag);
	if (err)
		goto fail;
	ws->w = aligned_alloc(64, sizeof(*ws->w) * total);
	if (!ws->w) {
		err = -ENOMEM;
		goto fail;
	}
	memset(ws->w, 0, sizeof(*ws->w) * total);
	for (f = 0; f < d->n_ifaces; f++) {
		const struct sl_dp_iface_cfg *dif = &d->ifaces[f];
		struct ddev *dev;

		if (!dif->n_workers)
			continue;
		dev = &ws->devs[ws->n_devs++];
		err = dev_start(d, dif, dev, diag);
		if (err)
			goto fail;
		for (k = 0; k < dif->n_workers; k++) {
			err = worker_open(&ws->w[ws->n++], cfg, dif, k, dev, events, diag);
			if (err)
				goto fail;
		}
	}
	for (i = 0; i < ws->n; i++) {
		err = start_thread(&ws->w[i], diag);
		if (err)
			goto fail;
	}
	*out = ws;
	return 0;
fail:
	sl_dpdk_workers_stop(ws);
	return err;
}

uint32_t sl_dpdk_workers_count(const struct sl_dpdk_workers *ws)
{
	return ws ? ws->n : 0;
}

int sl_dpdk_workers_read(const struct sl_dpdk_workers *ws, uint32_t i,
			 struct sl_worker_info *info, struct sl_worker_stats *st,
			 struct sl_port_kstats *k)
{
	const struct dworker *w;
	uint32_t s1, s2;

	if (!ws || i >= ws->n)
		return -ENOENT;
	w = &ws->w[i];
	if (info) {
		memcpy(info, &w->info, sizeof(*info));
		info->running = __atomic_load_n(&w->info.running, __ATOMIC_ACQUIRE);
	}
	if (st) {
		do {
			s1 = __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE);
			memcpy(st, &w->pub, sizeof(*st));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(&w->seq, __ATOMIC_RELAXED);
		} while ((s1 & 1) || s1 != s2);
	}
	if (k) {
		memset(k, 0, sizeof(*k));
		if (w->port && w->port->ops->kstats)
			w->port->ops->kstats(w->port, k);
	}
	return 0;
}

void sl_dpdk_workers_stop(struct sl_dpdk_workers *ws)
{
	uint32_t i, q;
	int a;

	if (!ws)
		return;
	for (i = 0; i < ws->n; i++)
		__atomic_store_n(&ws->w[i].stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < ws->n; i++) {
		struct dworker *w = &ws->w[i];

		if (w->started) {
			pthread_join(w->thread, NULL);
			pr_info("worker %s queue %u: %llu packets in, %llu out, %llu dropped (stage %llu, "
				"undecided %llu, tx_full %llu), frames %s\n",
				w->info.ifname, w->info.queue, (unsigned long long)w->local.rx_packets,
				(unsigned long long)w->local.tx_packets,
				(unsigned long long)(w->local.drops[0] + w->local.drops[1] + w->local.drops[2]),
				(unsigned long long)w->local.drops[SL_WDROP_STAGE],
				(unsigned long long)w->local.drops[SL_WDROP_UNDECIDED],
				(unsigned long long)w->local.drops[SL_WDROP_TX_FULL],
				w->local.acct_failures ? "MISCOUNTED" : "all accounted for");
		}
		sl_port_close(w->port);
		w->port = NULL;
		sl_pipeline_close(&w->pl);
	}
	/* Closing a port flushes what its PMD buffered (net_pcap writes its tx_pcap). */
	for (i = 0; i < ws->n_devs; i++) {
		struct ddev *dev = &ws->devs[i];

		if (dev->started)
			rte_eth_dev_stop(dev->port_id);
		if (dev->configured)
			rte_eth_dev_close(dev->port_id);
		for (q = 0; q < dev->n_mp; q++)
			rte_mempool_free(dev->mp[q]);
	}
	if (ws->eal) {
		char dir[PATH_MAX];

		/* The EAL leaves its runtime directory (empty with --no-shconf) behind. */
		snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		if (dir[0])
			rmdir(dir);
	}
	for (a = 0; a < ws->argc; a++)
		free(ws->argv[a]);
	free(ws->argv);
	free(ws->w);
	free(ws);
}
