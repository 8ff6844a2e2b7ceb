/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "port_dpdk.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "worker.h"

#define STASH 64             /* packets taken from the device and not yet handed out */
#define IDLE_SPINS 64        /* empty polls before an idle worker starts to sleep */
#define IDLE_SLEEP_NS 100000 /* its sleep between polls: poll-mode devices never wake anyone */

struct dport {
	struct sl_port port; /* first: a struct sl_port * is a struct dport * */
	uint16_t port_id;
	uint16_t queue;
	bool busy_poll;
	struct rte_mempool *mp;
	/* A burst the device gave us that did not fit the caller's room whole. */
	struct rte_mbuf *stash[STASH];
	uint16_t stash_n, stash_i;
	uint64_t in_hand; /* segments handed to the worker and not yet sent or freed */
	uint32_t idle_rounds;
	uint64_t polls;
	uint64_t tx_full;
	uint64_t rx_invalid;
};

static struct dport *dp(struct sl_port *p)
{
	return (struct dport *)p;
}

/* Hands out the stash's packets whole while they fit in bufs[k..n); returns the new k. */
static uint32_t take_stash(struct dport *d, struct sl_buf *bufs, uint32_t k, uint32_t n)
{
	while (d->stash_i < d->stash_n) {
		struct rte_mbuf *m = d->stash[d->stash_i], *s;
		uint32_t segs = m->nb_segs, got = 0;

		if (segs > n - k) {
			if (segs <= n)
				break; /* the next call has room for it */
			/* Longer than any burst the caller takes: it would block the queue. */
			d->rx_invalid++;
			rte_pktmbuf_free(m);
			d->stash_i++;
			continue;
		}
		for (s = m; s && got < segs; s = s->next, got++) {
			bufs[k + got] = (struct sl_buf){
				.data = rte_pktmbuf_mtod(s, uint8_t *),
				.len = s->data_len,
				.flags = (s->next && got + 1 < segs) ? SL_BUF_CONTD : 0,
				.handle = (uint64_t)(uintptr_t)s,
			};
		}
		k += got;
		d->in_hand += got;
		d->stash_i++;
	}
	return k;
}

static uint32_t dpdk_rx_burst(struct sl_port *p, struct sl_buf *bufs, uint32_t n)
{
	struct dport *d = dp(p);
	uint32_t k = take_stash(d, bufs, 0, n);

	/* One device burst per call, and only once the stash is empty: order is kept. */
	if (d->stash_i == d->stash_n && k < n) {
		d->stash_i = 0;
		d->stash_n = rte_eth_rx_burst(d->port_id, d->queue, d->stash,
					      (uint16_t)(n - k < STASH ? n - k : STASH));
		k = take_stash(d, bufs, k, n);
	}
	return k;
}

/*
 * Makes the mbuf of b describe b (a stage may have moved the data or
 * changed the length): false when b points outside its mbuf's buffer.
 */
static bool set_seg(struct rte_mbuf *m, const struct sl_buf *b)
{
	uint8_t *base = m->buf_addr;

	if (b->data < base || b->data > base + m->buf_len ||
	    b->len > (uint32_t)(base + m->buf_len - b->data))
		return false;
	m->data_off = (uint16_t)(b->data - base);
	m->data_len = (uint16_t)b->len;
	return true;
}

static uint32_t dpdk_tx_burst(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	struct dport *d = dp(p);
	struct rte_mbuf *pkts[SL_WORKER_BURST_MAX];
	uint32_t ends[SL_WORKER_BURST_MAX];
	uint32_t i = 0, np = 0, taken;
	uint16_t sent;

	while (i < n && np < SL_WORKER_BURST_MAX) {
		struct rte_mbuf *head = (struct rte_mbuf *)(uintptr_t)bufs[i].handle, *prev = NULL;
		uint32_t start = i, pkt_len = 0;
		bool ok = true;

		/* A packet's buffers, relinked in the order the caller gives them. */
		do {
			struct rte_mbuf *m = (struct rte_mbuf *)(uintptr_t)bufs[i].handle;

			if (!set_seg(m, &bufs[i])) {
				ok = false;
				break;
			}
			pkt_len += bufs[i].len;
			if (prev)
				prev->next = m;
			prev = m;
		} while (bufs[i++].flags & SL_BUF_CONTD && i < n);
		if (!ok || (bufs[i - 1].flags & SL_BUF_CONTD)) {
			/* Outside its buffer, or a chain cut short: the rest stays the caller's. */
			d->rx_invalid += !ok;
			if (prev)
				prev->next = NULL;
			i = start;
			break;
		}
		prev->next = NULL;
		head->nb_segs = (uint16_t)(i - start);
		head->pkt_len = pkt_len;
		pkts[np] = head;
		ends[np++] = i;
	}
	sent = np ? rte_eth_tx_burst(d->port_id, d->queue, pkts, (uint16_t)np) : 0;
	taken = sent ? ends[sent - 1] : 0;
	if (taken < n)
		d->tx_full++;
	d->in_hand -= taken;
	return taken;
}

static void dpdk_free(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	struct dport *d = dp(p);
	uint32_t i;

	/* One segment each: a chain's buffers all come here, one by one. */
	for (i = 0; i < n; i++)
		rte_pktmbuf_free_seg((struct rte_mbuf *)(uintptr_t)bufs[i].handle);
	d->in_hand -= n;
}

static int dpdk_service(struct sl_port *p, bool idle, int timeout_ms)
{
	struct dport *d = dp(p);
	struct timespec ts = { 0, IDLE_SLEEP_NS };

	if (!idle) {
		d->idle_rounds = 0;
		return 0;
	}
	d->polls++;
	/* Spin a little after traffic (a burst often follows), then give the CPU back. */
	if (d->busy_poll || ++d->idle_rounds <= IDLE_SPINS || timeout_ms <= 0)
		return 0;
	nanosleep(&ts, NULL);
	return 0;
}

static void dpdk_stats(struct sl_port *p, struct sl_port_stats *st)
{
	struct dport *d = dp(p);
	struct sl_frame_acct *a = &st->acct;
	uint64_t used;
	uint16_t i;

	st->polls = d->polls;
	st->tx_full = d->tx_full;
	st->rx_invalid = d->rx_invalid;
	a->frames = d->mp->size;
	a->free = rte_mempool_avail_count(d->mp);
	a->in_hand = d->in_hand;
	for (i = d->stash_i; i < d->stash_n; i++)
		a->in_hand += d->stash[i]->nb_segs;
	used = a->frames - a->free;
	/* The device's share (RX ring, TX queue) is what nobody else holds. */
	a->rx_owned = (int64_t)used - (int64_t)a->in_hand;
	a->tx_owned = 0;
	a->kernel = a->rx_owned > 0 ? (uint64_t)a->rx_owned : 0;
}

static int dpdk_kstats(struct sl_port *p, struct sl_port_kstats *k)
{
	struct rte_eth_stats s;
	int err;

	/* The device's counters are per port, not per queue: every worker of it shows them. */
	err = rte_eth_stats_get(dp(p)->port_id, &s);
	if (err)
		return err;
	k->rx_dropped = s.ierrors;
	k->rx_ring_full = s.imissed;
	k->fill_empty = s.rx_nombuf;
	k->tx_invalid = s.oerrors;
	return 0;
}

static void dpdk_close(struct sl_port *p)
{
	struct dport *d = dp(p);

	while (d->stash_i < d->stash_n)
		rte_pktmbuf_free(d->stash[d->stash_i++]);
	free(d);
}

static const struct sl_port_ops dpdk_ops = {
	.kind = "dpdk",
	.rx_burst = dpdk_rx_burst,
	.tx_burst = dpdk_tx_burst,
	.free = dpdk_free,
	.service = dpdk_service,
	.stats = dpdk_stats,
	.kstats = dpdk_kstats,
	.close = dpdk_close,
};

int sl_dpdk_port_open(const struct sl_dpdk_port_opts *o, struct sl_port **out)
{
	struct dport *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->port.ops = &dpdk_ops;
	d->port_id = o->port_id;
	d->queue = o->queue;
	d->mp = o->mp;
	d->busy_poll = o->busy_poll;
	*out = &d->port;
	return 0;
}
