/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logger.h"
#include "spsc.h"
#include "sluice/events.h"
#include "pool.h"
#include "xsk.h"
#include "xsk_ring.h"

#define BURST_MAX 256         /* dataplane.batch's upper bound (config.c) */
#define IDLE_WAIT_MS 100      /* longest wait in poll(): also how soon a stop is seen */
#define RX_MAX SL_WORKER_BURST_MAX
#define PUBLISH_ROUNDS 16     /* busy rounds between two publications at most */
#define PUBLISH_NS 1000000    /* an idle worker publishes at least this often */

_Static_assert(RX_MAX >= BURST_MAX + SL_XSK_MAX_FRAGS, "a burst plus one whole chain");
_Static_assert(SL_STAGE_NAME_LEN == 16, "stage names as sl_pipeline_open takes them");

struct sl_worker {
	/* Written by the worker thread only. */
	_Alignas(64) struct sl_worker_stats local;
	uint64_t pub_rx;    /* local.rx_packets at the last round (publish_due) */
	uint64_t pub_ns;    /* CLOCK_MONOTONIC of the last publication */
	uint32_t pub_owed;  /* busy rounds since the last publication */
	/* The snapshot other threads read; seq is odd while it is being written. */
	_Alignas(64) uint32_t seq;
	struct sl_worker_stats pub;
	/* Set before the thread starts. */
	_Alignas(64) struct sl_worker_info info;
	struct sl_port *port;
	struct sl_pipeline pl;
	/* An inline pair's other port (on port's UMEM) and the pipeline of what it receives. */
	struct sl_port *peer;
	struct sl_pipeline pl_peer;
	uint64_t pair_polls; /* a pair's idle waits (on both sockets at once) */
	uint32_t pair_empty; /* a pair's consecutive idle rounds (PAIR_SPIN_ROUNDS) */
	uint32_t batch;
	pthread_t thread;
	bool started;
	int stop;
};

struct sl_workers {
	struct sl_worker *w;
	uint32_t n;
	struct sl_pool *pools[SL_DP_MAX_IFACES];
	uint32_t n_pools;
	int xsks_fd; /* our own copy: the program generation that lent it may go */
};

static const char *const wdrop_names[SL_WDROP_COUNT] = {
	[SL_WDROP_STAGE] = "stage",
	[SL_WDROP_UNDECIDED] = "undecided",
	[SL_WDROP_TX_FULL] = "tx_full",
};

const char *sl_wdrop_name(uint32_t reason)
{
	return reason < SL_WDROP_COUNT ? wdrop_names[reason] : NULL;
}

/* ------------------------------------------------------------------ UMEM */

int sl_umem_nodes(const struct sl_topology *topo, const struct sl_memory_cfg *mem,
		  uint64_t *nodes, bool *fell_back, struct sl_diag *diag)
{
	const struct sl_pool_cfg *pc = &mem->pools[SL_POOL_UMEM];
	struct sl_tier_req req = { .kind = SL_TIER_AUTO };
	uint64_t got = 0, with_cpu = 0;
	char have[128];
	size_t i;
	int err;

	if (pc->set)
		req = pc->tier;
	err = sl_tiers_resolve(topo, &req, false, mem->strict, "umem", &got, fell_back, diag);
	if (err)
		return err;
	/* A node list is the config naming the nodes itself: taken as written. */
	if (req.kind == SL_TIER_NODES && !*fell_back) {
		*nodes = got;
		return 0;
	}
	for (i = 0; i < topo->n_nodes; i++)
		if (topo->nodes[i].has_cpu && topo->nodes[i].id < SL_MAX_NODES)
			with_cpu |= 1ULL << topo->nodes[i].id;
	if (got & with_cpu) {
		*nodes = got & with_cpu;
		return 0;
	}
	/* Packet buffers far from every CPU that touches them: never by default. */
	sl_nodes_format(got, have, sizeof(have));
	if (mem->strict) {
		sl_diagf(diag, "umem: tier %s is nodes %s, none of which has CPUs; UMEM goes on a "
			 "CPU-less node only when memory.pools.umem names it (memory.strict is set)",
			 sl_tier_kind_name(req.kind), have);
		return -ENODEV;
	}
	pr_warn("umem: tier %s is nodes %s, none of which has CPUs; using the fast tier (name the "
		"nodes in memory.pools.umem to place UMEM there anyway)\n",
		sl_tier_kind_name(req.kind), have);
	*nodes = topo->fast;
	*fell_back = true;
	return 0;
}

/* One pool for all the workers of interface dif, each getting a slice of frames. */
static int umem_pool(const struct sl_config *cfg, const struct sl_topology *topo,
		     const struct sl_dp_iface_cfg *dif, struct sl_pool **out, struct sl_diag *diag)
{
	const struct sl_dataplane_cfg *d = &cfg->dataplane;
	const struct sl_pool_cfg *pc = &cfg->memory.pools[SL_POOL_UMEM];
	struct sl_pool_req req = { 0 };
	char name[SL_POOL_NAME_LEN];
	bool fell_back = false;
	uint64_t nodes = 0;
	int err;

	err = sl_umem_nodes(topo, &cfg->memory, &nodes, &fell_back, diag);
	if (err)
		return err;
	snprintf(name, sizeof(name), "umem:%s", dif->name);
	req.name = name;
	/* A pair's worker has frames for two sockets. */
	req.size = (size_t)d->frames * d->frame_size * dif->n_workers * (dif->peer[0] ? 2 : 1);
	req.tier.kind = SL_TIER_NODES;
	req.tier.nodes = nodes;
	req.huge_pages = pc->huge_pages;
	req.strict = cfg->memory.strict;
	err = sl_pool_create(topo, &req, out, diag);
	if (err)
		return err;
	/* The report shows the tier the config asked for, and the nodes it came to. */
	(*out)->requested = pc->set ? pc->tier : (struct sl_tier_req){ .kind = SL_TIER_AUTO };
	(*out)->fell_back = fell_back;
	return 0;
}

/* ---------------------------------------------------------------- worker */

/*
 * A pair's second port's counters added to the first's: its frames are
 * the same UMEM's, so only the sum of the two accountings adds up
 * (sl_frame_acct_add).
 */
static void add_port_stats(struct sl_port_stats *a, const struct sl_port_stats *b)
{
	a->wakeups += b->wakeups;
	a->polls += b->polls;
	a->refill_starved += b->refill_starved;
	a->tx_full += b->tx_full;
	a->rx_invalid += b->rx_invalid;
	sl_frame_acct_add(&a->acct, &b->acct);
}

static void publish(struct sl_worker *w)
{
	uint32_t s = w->seq, i, k;

	sl_port_stats_get(w->port, &w->local.port);
	if (w->peer) {
		struct sl_port_stats b;

		sl_port_stats_get(w->peer, &b);
		add_port_stats(&w->local.port, &b);
		w->local.port.polls += w->pair_polls;
	}
	w->local.acct_check = sl_frame_acct_check(&w->local.port.acct);
	if (w->local.acct_check)
		w->local.acct_failures++;
	memcpy(w->local.stages, w->pl.counters, sizeof(w->local.stages));
	for (i = 0; w->peer && i < w->pl_peer.n; i++) {
		w->local.stages[i].seen += w->pl_peer.counters[i].seen;
		w->local.stages[i].tx += w->pl_peer.counters[i].tx;
		w->local.stages[i].drop += w->pl_peer.counters[i].drop;
		for (k = 0; k < SL_STAGE_OWN_MAX; k++)
			w->local.stages[i].own[k] += w->pl_peer.counters[i].own[k];
	}

	__atomic_store_n(&w->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&w->pub, &w->local, sizeof(w->pub));
	__atomic_store_n(&w->seq, s + 2, __ATOMIC_RELEASE);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Publishes after a round when it is due: every PUBLISH_ROUNDS busy
 * rounds, at the first idle round after busy ones (a finished flow's
 * counts are exact at once), and every PUBLISH_NS while idle (completions,
 * wakeups). A snapshot per round would cost a busy worker more than its
 * stages: hundreds of bytes copied per burst, and spinning rounds (the
 * AF_XDP port spins a while before it sleeps) by the thousand.
 */
static void publish_due(struct sl_worker *w)
{
	bool busy = w->local.rx_packets != w->pub_rx;
	uint64_t now = 0;

	w->pub_rx = w->local.rx_packets;
	if (busy) {
		if (++w->pub_owed < PUBLISH_ROUNDS)
			return;
	} else if (!w->pub_owed) {
		now = mono_ns();
		if (now - w->pub_ns < PUBLISH_NS)
			return;
	}
	publish(w);
	w->pub_owed = 0;
	w->pub_ns = now ? now : mono_ns();
}

/* Counts the packets (last buffers) and bytes of bufs[0..n). */
static void count_pkts(const struct sl_buf *bufs, uint32_t n, uint64_t *pkts, uint64_t *bytes)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		*pkts += !(bufs[i].flags & SL_BUF_CONTD);
		*bytes += bufs[i].len;
	}
}

/*
 * The fields of an event for a frame a stage dropped: Ethernet, one VLAN
 * tag, IPv4 or IPv6 (no extension headers), TCP/UDP ports. Every length
 * checked; false for a frame that is not IP (no event: events are IP).
 */
static bool event_fields(const uint8_t *f, uint32_t len, struct sl_event *e)
{
	uint32_t off = 14, l4;
	uint16_t type;

	if (len < off)
		return false;
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x8100) {
		if (len < off + 4)
			return false;
		e->flags |= SL_EVF_VLAN;
		e->vlan = (uint16_t)((f[14] << 8 | f[15]) & 0xfff);
		type = (uint16_t)(f[16] << 8 | f[17]);
		off += 4;
	}
	if (type == 0x0800) {
		if (len < off + 20 || (f[off] >> 4) != 4 || (f[off] & 15) < 5)
			return false;
		e->family = 4;
		e->l4_proto = f[off + 9];
		memcpy(e->src, f + off + 12, 4);
		memcpy(e->dst, f + off + 16, 4);
		if (f[off + 6] & 0x3f || f[off + 7]) {
			e->flags |= SL_EVF_FRAG;
			return true;
		}
		l4 = off + (uint32_t)(f[off] & 15) * 4;
	} else if (type == 0x86dd) {
		if (len < off + 40 || (f[off] >> 4) != 6)
			return false;
		e->family = 6;
		e->l4_proto = f[off + 6];
		memcpy(e->src, f + off + 8, 16);
		memcpy(e->dst, f + off + 24, 16);
		l4 = off + 40;
	} else {
		return false;
	}
	if ((e->l4_proto == 6 || e->l4_proto == 17) && len >= l4 + 4) {
		e->flags |= SL_EVF_PORTS;
		e->sport = (uint16_t)(f[l4] << 8 | f[l4 + 1]);
		e->dport = (uint16_t)(f[l4 + 2] << 8 | f[l4 + 3]);
	}
	return true;
}

/* An event for a packet a stage dropped; a full ring counts it there, never waits. */
static void report_drop(const struct sl_pipeline *pl, const struct sl_stage_pkt *pk)
{
	struct sl_event *e = sl_spsc_reserve(pl->events, sizeof(*e));
	struct timespec ts;

	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	if (!event_fields(pk->bufs[0].data, pk->bufs[0].len, e))
		return; /* reserved, never committed: the slot is reused */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	e->magic = SL_EVENT_MAGIC;
	e->version = SL_EVENT_VERSION;
	e->type = SL_EVENT_PACKET;
	e->verdict = SL_EV_VERDICT_DROP;
	e->ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	e->rule = SL_EVENT_NO_RULE;
	e->reason = SL_REASON_STAGE;
	e->ifindex = pl->ifindex;
	e->rx_queue = pl->queue;
	e->pkt_len = pk->len;
	sl_spsc_commit(pl->events, sizeof(*e));
}

uint32_t sl_worker_burst(struct sl_port *port, struct sl_pipeline *pl, struct sl_worker_stats *st,
			 struct sl_buf *bufs, uint32_t n)
{
	struct sl_stage_pkt pkts[SL_WORKER_BURST_MAX];
	struct sl_buf txb[SL_WORKER_BURST_MAX], freeb[SL_WORKER_BURST_MAX];
	struct sl_buf fwdb[SL_WORKER_BURST_MAX];
	uint32_t i = 0, npk = 0, ntx = 0, nfree = 0, nfwd = 0, sent, k;
	uint64_t p = 0, b = 0, dstage = 0, dundecided = 0;

	if (n > SL_WORKER_BURST_MAX) {
		/* More than the arrays hold: two bursts, split between packets. */
		k = SL_WORKER_BURST_MAX;
		while (k > 1 && (bufs[k - 1].flags & SL_BUF_CONTD))
			k--;
		npk = sl_worker_burst(port, pl, st, bufs, k);
		return npk + sl_worker_burst(port, pl, st, bufs + k, n - k);
	}

	while (i < n) {
		struct sl_stage_pkt *pk = &pkts[npk++];

		pk->bufs = &bufs[i];
		pk->nbufs = 0;
		pk->len = 0;
		pk->verdict = SL_SV_CONTINUE;
		do {
			pk->len += bufs[i].len;
			pk->nbufs++;
		} while (bufs[i++].flags & SL_BUF_CONTD && i < n);
		st->rx_bytes += pk->len;
	}
	st->rx_packets += npk;
	st->batches++;

	sl_pipeline_run(pl, pkts, npk);

	for (i = 0; i < npk; i++) {
		struct sl_stage_pkt *pk = &pkts[i];

		if (pk->verdict == SL_SV_TX) {
			for (k = 0; k < pk->nbufs; k++)
				txb[ntx++] = pk->bufs[k];
			continue;
		}
		if (pk->verdict == SL_SV_FWD && pl->peer) {
			for (k = 0; k < pk->nbufs; k++)
				fwdb[nfwd++] = pk->bufs[k];
			continue;
		}
		/* Two sums, added to st once: per-packet increments of st would chain in memory. */
		dstage += pk->verdict == SL_SV_DROP;
		dundecided += pk->verdict != SL_SV_DROP;
		if (pk->verdict == SL_SV_DROP && pl->events && pk->nbufs)
			report_drop(pl, pk);
		for (k = 0; k < pk->nbufs; k++)
			freeb[nfree++] = pk->bufs[k];
	}
	st->drops[SL_WDROP_STAGE] += dstage;
	st->drops[SL_WDROP_UNDECIDED] += dundecided;
	if (ntx) {
		sent = sl_port_tx_burst(port, txb, ntx);
		count_pkts(txb, sent, &st->tx_packets, &st->tx_bytes);
		if (sent < ntx) {
			count_pkts(txb + sent, ntx - sent, &p, &b);
			st->drops[SL_WDROP_TX_FULL] += p;
			sl_port_free(port, txb + sent, ntx - sent);
		}
	}
	/* Inline forward: out on the peer, which shares the UMEM (no copy). */
	if (nfwd) {
		sent = sl_port_tx_burst(pl->peer, fwdb, nfwd);
		count_pkts(fwdb, sent, &st->tx_packets, &st->tx_bytes);
		if (sent < nfwd) {
			p = 0;
			count_pkts(fwdb + sent, nfwd - sent, &p, &b);
			st->drops[SL_WDROP_TX_FULL] += p;
			sl_port_free(pl->peer, fwdb + sent, nfwd - sent);
		}
	}
	if (nfree)
		sl_port_free(port, freeb, nfree);
	return npk;
}

/*
 * Idle rounds a pair's worker spins through before it sleeps in poll(),
 * as the AF_XDP port does for a single socket: under load bursts arrive
 * microseconds apart, and a sleep per burst costs both the worker and the
 * delivering CPU (its wakeups).
 */
#define PAIR_SPIN_ROUNDS 512

/*
 * Between bursts of a pair's worker: free frames rebalanced between the
 * two ports (frames received on one come back on the other's completion
 * ring), both ports serviced, and when both were idle for a while a wait
 * on both sockets at once.
 */
static int pair_service(struct sl_worker *w, bool idle)
{
	struct pollfd pfd[2] = {
		{ .fd = sl_xsk_fd(w->port), .events = POLLIN },
		{ .fd = sl_xsk_fd(w->peer), .events = POLLIN },
	};
	int err;

	sl_xsk_pair_balance(w->port, w->peer, 2 * w->batch);
	/* Busy polling: the ports' own idle calls run NAPI; they never sleep. */
	err = sl_port_service(w->port, idle && w->info.busy_poll, 0);
	if (!err)
		err = sl_port_service(w->peer, idle && w->info.busy_poll, 0);
	if (err || !idle || w->info.busy_poll) {
		w->pair_empty = 0;
		return err;
	}
	if (w->pair_empty < PAIR_SPIN_ROUNDS) {
		w->pair_empty++;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		return 0;
	}
	w->pair_polls++;
	/* Completions do not wake poll(): wait briefly while frames are out for TX. */
	if (poll(pfd, 2,
		 sl_xsk_tx_outstanding(w->port) || sl_xsk_tx_outstanding(w->peer) ? 1 : IDLE_WAIT_MS) < 0 &&
	    errno != EINTR)
		return -errno;
	return 0;
}

static void *worker_main(void *arg)
{
	struct sl_worker *w = arg;
	struct sl_buf bufs[RX_MAX];
	uint32_t want = w->batch < SL_XSK_MAX_FRAGS ? SL_XSK_MAX_FRAGS : w->batch;
	uint32_t n, m;
	int err;

	__atomic_store_n(&w->info.running, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		n = sl_port_rx_burst(w->port, bufs, want);
		if (n)
			sl_worker_burst(w->port, &w->pl, &w->local, bufs, n);
		if (w->peer) {
			m = sl_port_rx_burst(w->peer, bufs, want);
			if (m)
				sl_worker_burst(w->peer, &w->pl_peer, &w->local, bufs, m);
			err = pair_service(w, n == 0 && m == 0);
		} else {
			err = sl_port_service(w->port, n == 0, IDLE_WAIT_MS);
		}
		if (err) {
			pr_warn("worker %s queue %u: %s; stopping\n", w->info.ifname, w->info.queue,
				strerror(-err));
			break;
		}
		w->local.rounds++;
		publish_due(w);
	}
	publish(w);
	__atomic_store_n(&w->info.running, false, __ATOMIC_RELEASE);
	return NULL;
}

/* ------------------------------------------------------------- the set */

int sl_worker_thread_start(const struct sl_worker_info *info, pthread_t *thread, void *(*fn)(void *),
			   void *arg, struct sl_diag *diag)
{
	pthread_attr_t attr;
	cpu_set_t cpus;
	int err;

	if (info->cpu >= CPU_SETSIZE) {
		sl_diagf(diag, "worker %s queue %u: no CPU %u", info->ifname, info->queue, info->cpu);
		return -EINVAL;
	}
	CPU_ZERO(&cpus);
	CPU_SET(info->cpu, &cpus);
	err = -pthread_attr_init(&attr);
	if (err)
		return err;
	/* Pinned from its first instruction: its stack and rings are touched there. */
	err = -pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	if (!err)
		err = -pthread_create(thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (err)
		sl_diagf(diag, "worker %s queue %u: cannot start a thread on CPU %u: %s",
			 info->ifname, info->queue, info->cpu, strerror(-err));
	return err;
}

static int start_thread(struct sl_worker *w, struct sl_diag *diag)
{
	int err = sl_worker_thread_start(&w->info, &w->thread, worker_main, w, diag);

	w->started = !err;
	return err;
}

/*
 * The second port of an inline pair for worker w (docs/dataplane.md): a
 * socket on the same queue of the peer, on the UMEM of w's first port
 * (xo, which it was opened with), at SL_MAX_QUEUES + queue in the XSKMAP,
 * and its own instances of the stages. Each pipeline forwards to the
 * other port; both report stage drops into the same event ring (one
 * thread writes it).
 */
static int open_peer(struct sl_worker *w, const struct sl_xsk_opts *xo,
		     const struct sl_dp_iface_cfg *dif, const struct sl_stage_env *env,
		     struct sl_diag *diag)
{
	struct sl_stage_env penv = *env;
	struct sl_xsk_opts po = *xo;
	struct sl_xsk_info pxi;
	int err;

	snprintf(penv.ifname, sizeof(penv.ifname), "%s", dif->peer);
	err = sl_pipeline_open(&w->pl_peer, dif->stages, dif->n_stages, &penv);
	if (err) {
		sl_diagf(diag, "worker %s queue %u: cannot open its stages: %s", dif->peer,
			 w->info.queue, strerror(-err));
		return err;
	}
	po.ifname = dif->peer;
	po.xsks_base = SL_MAX_QUEUES;
	po.share = w->port;
	err = sl_xsk_open(&po, &w->peer, &pxi, diag);
	if (err)
		return err;
	w->pl.peer = w->peer;
	w->pl_peer.peer = w->port;
	w->pl_peer.events = w->pl.events;
	w->pl_peer.ifindex = if_nametoindex(dif->peer);
	w->pl_peer.queue = w->info.queue;
	return 0;
}

int sl_workers_start(const struct sl_config *cfg, const struct sl_topology *topo, int xsks_fd,
		     struct sl_logger *events, struct sl_workers **out, struct sl_diag *diag)
{
	const struct sl_dataplane_cfg *d = &cfg->dataplane;
	struct sl_topology own;
	struct sl_workers *ws;
	uint32_t total = 0, i, k;
	size_t f;
	int err = 0;

	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	ws->xsks_fd = -1;
	for (f = 0; f < d->n_ifaces; f++)
		total += d->ifaces[f].n_workers;
	if (!total) {
		*out = ws;
		return 0;
	}
	ws->xsks_fd = xsks_fd >= 0 ? fcntl(xsks_fd, F_DUPFD_CLOEXEC, 3) : -1;
	if (xsks_fd >= 0 && ws->xsks_fd < 0) {
		err = -errno;
		goto fail;
	}
	if (!topo) {
		err = sl_tiers_discover("/sys", &own, diag);
		if (err)
			goto fail;
		topo = &own;
	}
	/* Aligned: each worker's counters own their cache lines. */
	ws->w = aligned_alloc(64, sizeof(*ws->w) * total);
	if (!ws->w) {
		err = -ENOMEM;
		goto fail;
	}
	memset(ws->w, 0, sizeof(*ws->w) * total);
	for (f = 0; f < d->n_ifaces; f++) {
		const struct sl_dp_iface_cfg *dif = &d->ifaces[f];
		struct sl_pool *pool;

		if (!dif->n_workers)
			continue;
		err = umem_pool(cfg, topo, dif, &pool, diag);
		if (err)
			goto fail;
		ws->pools[ws->n_pools++] = pool;
		for (k = 0; k < dif->n_workers; k++) {
			struct sl_worker *w = &ws->w[ws->n];
			struct sl_stage_env env = { .queue = dif->workers[k].queue, .cfg = cfg };
			/* A pair's worker: twice the frames, shared by its two sockets. */
			uint32_t frames = d->frames * (dif->peer[0] ? 2 : 1);
			struct sl_xsk_opts xo = {
				.ifname = dif->name,
				.queue = dif->workers[k].queue,
				.umem = (uint8_t *)pool->base + (size_t)k * frames * d->frame_size,
				.frames = frames,
				.frame_size = d->frame_size,
				.ring_size = d->ring_size,
				.max_frame = d->max_frame,
				.zero_copy = d->zero_copy,
				.busy_poll = d->busy_poll,
				.busy_poll_budget = d->busy_poll_budget,
				.busy_poll_usecs = d->busy_poll_usecs,
				.xsks_fd = ws->xsks_fd,
			};
			struct sl_xsk_info xi;

			snprintf(w->info.ifname, sizeof(w->info.ifname), "%s", dif->name);
			snprintf(w->info.peer, sizeof(w->info.peer), "%s", dif->peer);
			snprintf(env.ifname, sizeof(env.ifname), "%s", dif->name);
			w->info.queue = dif->workers[k].queue;
			w->info.cpu = dif->workers[k].cpu;
			w->info.frames = frames;
			w->info.frame_size = d->frame_size;
			w->info.n_stages = dif->n_stages;
			memcpy(w->info.stages, dif->stages, sizeof(w->info.stages));
			w->batch = d->batch;
			ws->n++;
			err = sl_pipeline_open(&w->pl, dif->stages, dif->n_stages, &env);
			if (err) {
				sl_diagf(diag, "worker %s queue %u: cannot open its stages: %s", dif->name,
					 w->info.queue, strerror(-err));
				goto fail;
			}
			err = sl_xsk_open(&xo, &w->port, &xi, diag);
			if (err)
				goto fail;
			if (events) {
				char name[32];
				int lerr;

				snprintf(name, sizeof(name), "worker-%.15s-q%u", dif->name, w->info.queue);
				w->pl.ifindex = if_nametoindex(dif->name);
				w->pl.queue = w->info.queue;
				lerr = sl_logger_add_ring(events, name, SL_SPSC_HDR + sizeof(struct sl_event),
							  &w->pl.events);
				if (lerr)
					pr_warn("worker %s queue %u: no event ring (%s): its drops are counted, not logged\n",
						dif->name, w->info.queue, strerror(-lerr));
			}
			if (dif->peer[0]) {
				err = open_peer(w, &xo, dif, &env, diag);
				if (err)
					goto fail;
			}
			w->info.zero_copy = xi.zero_copy;
			w->info.multi_buffer = xi.multi_buffer;
			w->info.sg_refused = xi.sg_refused;
			w->info.busy_poll = xi.busy_poll;
			/* status has no field for a pair's peer (yet): the note names it. */
			if (dif->peer[0])
				snprintf(w->info.note, sizeof(w->info.note), "inline pair with %s%s%s",
					 dif->peer, xi.note[0] ? "; " : "", xi.note);
			else
				snprintf(w->info.note, sizeof(w->info.note), "%s", xi.note);
			publish(w);
			pr_info("worker %s%s%s queue %u on CPU %u: AF_XDP %s mode%s%s%s%s\n", dif->name,
				dif->peer[0] ? " <-> " : "", dif->peer,
				w->info.queue, w->info.cpu, xi.zero_copy ? "zero-copy" : "copy",
				xi.multi_buffer ? ", multi-buffer" : "",
				xi.busy_poll ? ", busy polling" : "", xi.note[0] ? "; " : "", xi.note);
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
	sl_workers_stop(ws);
	return err;
}

uint32_t sl_workers_count(const struct sl_workers *ws)
{
	return ws ? ws->n : 0;
}

const struct sl_pool *sl_workers_pool(const struct sl_workers *ws, uint32_t i)
{
	return ws && i < ws->n_pools ? ws->pools[i] : NULL;
}

int sl_workers_read(const struct sl_workers *ws, uint32_t i, struct sl_worker_info *info,
		    struct sl_worker_stats *st, struct sl_port_kstats *k)
{
	const struct sl_worker *w;
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
		if (w->peer && w->peer->ops->kstats) {
			struct sl_port_kstats b = { 0 };

			if (!w->peer->ops->kstats(w->peer, &b)) {
				k->rx_dropped += b.rx_dropped;
				k->rx_ring_full += b.rx_ring_full;
				k->fill_empty += b.fill_empty;
				k->rx_invalid += b.rx_invalid;
				k->tx_invalid += b.tx_invalid;
				k->tx_ring_empty += b.tx_ring_empty;
			}
		}
	}
	return 0;
}

void sl_workers_stop(struct sl_workers *ws)
{
	uint32_t i;

	if (!ws)
		return;
	/* Out of the map first: from here steered packets meet the no_socket policy. */
	for (i = 0; i < ws->n; i++) {
		if (ws->w[i].port)
			sl_xsk_unmap(ws->w[i].port);
		if (ws->w[i].peer)
			sl_xsk_unmap(ws->w[i].peer);
	}
	for (i = 0; i < ws->n; i++)
		__atomic_store_n(&ws->w[i].stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < ws->n; i++) {
		struct sl_worker *w = &ws->w[i];

		if (w->started) {
			pthread_join(w->thread, NULL);
			/* The last word on a worker's traffic, also when nothing else asked. */
			pr_info("worker %s queue %u: %llu packets in, %llu out, %llu dropped (stage %llu, "
				"undecided %llu, tx_full %llu), %llu wakeups, frames %s\n",
				w->info.ifname, w->info.queue, (unsigned long long)w->local.rx_packets,
				(unsigned long long)w->local.tx_packets,
				(unsigned long long)(w->local.drops[0] + w->local.drops[1] + w->local.drops[2]),
				(unsigned long long)w->local.drops[SL_WDROP_STAGE],
				(unsigned long long)w->local.drops[SL_WDROP_UNDECIDED],
				(unsigned long long)w->local.drops[SL_WDROP_TX_FULL],
				(unsigned long long)w->local.port.wakeups,
				w->local.acct_failures ? "MISCOUNTED" : "all accounted for");
		}
		/* The peer's socket first: it holds a reference on port's UMEM. */
		sl_port_close(w->peer);
		w->peer = NULL;
		sl_pipeline_close(&w->pl_peer);
		sl_port_close(w->port);
		w->port = NULL;
		sl_pipeline_close(&w->pl);
	}
	for (i = 0; i < ws->n_pools; i++)
		sl_pool_destroy(ws->pools[i]);
	free(ws->w);
	if (ws->xsks_fd >= 0)
		close(ws->xsks_fd);
	free(ws);
}
