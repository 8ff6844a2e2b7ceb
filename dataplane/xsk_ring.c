/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "xsk_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sl_xsk_q_init(struct sl_xsk_q *q, uint8_t *umem, uint32_t n_frames, uint32_t frame_size)
{
	uint32_t i;

	if (!umem || !n_frames || frame_size < 2048 || (frame_size & (frame_size - 1)))
		return -EINVAL;
	q->free = calloc(n_frames, sizeof(*q->free));
	if (!q->free)
		return -ENOMEM;
	q->umem = umem;
	q->frame_size = frame_size;
	q->n_frames = n_frames;
	q->umem_size = (uint64_t)n_frames * frame_size;
	/* Popped from the top: the lowest frames go out first. */
	for (i = 0; i < n_frames; i++)
		q->free[i] = (uint64_t)(n_frames - 1 - i) * frame_size;
	q->n_free = n_frames;
	memset(&q->c, 0, sizeof(q->c));
	return 0;
}

int sl_xsk_q_init_shared(struct sl_xsk_q *q, struct sl_xsk_q *first)
{
	int err = sl_xsk_q_init(q, first->umem, first->n_frames, first->frame_size);

	if (err)
		return err;
	q->n_free = 0;
	sl_xsk_q_move_free(q, first, first->n_free / 2);
	return 0;
}

uint32_t sl_xsk_q_move_free(struct sl_xsk_q *dst, struct sl_xsk_q *src, uint32_t n)
{
	if (n > src->n_free)
		n = src->n_free;
	/* Both stacks have room for every frame of the shared UMEM. */
	if (n > dst->n_frames - dst->n_free)
		n = dst->n_frames - dst->n_free;
	memcpy(dst->free + dst->n_free, src->free + src->n_free - n, sizeof(*dst->free) * n);
	dst->n_free += n;
	src->n_free -= n;
	return n;
}

uint32_t sl_xsk_q_balance(struct sl_xsk_q *a, struct sl_xsk_q *b, uint32_t want)
{
	/* Half the difference: the two meet in the middle and stop moving. */
	if (a->n_free < want && b->n_free > a->n_free + 1)
		return sl_xsk_q_move_free(a, b, (b->n_free - a->n_free) / 2);
	if (b->n_free < want && a->n_free > b->n_free + 1)
		return sl_xsk_q_move_free(b, a, (a->n_free - b->n_free) / 2);
	return 0;
}

void sl_xsk_q_fini(struct sl_xsk_q *q)
{
	if (!q)
		return;
	free(q->free);
	q->free = NULL;
	q->n_free = 0;
}

/* The frame an address points into (aligned mode: frames are frame_size apart). */
static inline uint64_t frame_of(const struct sl_xsk_q *q, uint64_t addr)
{
	return addr & ~(uint64_t)(q->frame_size - 1);
}

static inline void push_free(struct sl_xsk_q *q, uint64_t addr)
{
	/* The stack has room for every frame; more means a frame came back twice. */
	if (q->n_free < q->n_frames)
		q->free[q->n_free++] = frame_of(q, addr);
}

uint32_t sl_xsk_q_refill(struct sl_xsk_q *q, uint32_t max)
{
	uint32_t room, n, idx, i;

	room = xsk_prod_nb_free(&q->fq, max);
	n = room < max ? room : max;
	if (n > q->n_free) {
		if (!q->n_free)
			q->c.refill_starved++;
		n = q->n_free;
	}
	if (!n || xsk_ring_prod__reserve(&q->fq, n, &idx) != n)
		return 0;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fq, idx + i) = q->free[--q->n_free];
	xsk_ring_prod__submit(&q->fq, n);
	q->c.fill_submitted += n;
	return n;
}

uint32_t sl_xsk_q_complete(struct sl_xsk_q *q, uint32_t max)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&q->cq, max, &idx);
	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		push_free(q, *xsk_ring_cons__comp_addr(&q->cq, idx + i));
	xsk_ring_cons__release(&q->cq, n);
	q->c.tx_completed += n;
	return n;
}

uint32_t sl_xsk_q_rx(struct sl_xsk_q *q, struct sl_buf *bufs, uint32_t n)
{
	uint32_t idx, got, i, out = 0, whole = 0, taken = 0;

	got = xsk_ring_cons__peek(&q->rx, n, &idx);
	/* Only whole packets: a chain cut by n waits on the ring for the next call. */
	for (i = got; i > 0; i--) {
		if (!(xsk_ring_cons__rx_desc(&q->rx, idx + i - 1)->options & XDP_PKT_CONTD)) {
			whole = i;
			break;
		}
	}
	if (whole < got)
		xsk_ring_cons__cancel(&q->rx, got - whole);
	for (i = 0; i < whole; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		uint64_t off = d->addr - frame_of(q, d->addr);

		if (d->addr >= q->umem_size || off + d->len > q->frame_size) {
			/* The kernel never does this; if it did, the frame must not reach a stage. */
			q->c.rx_invalid++;
			if (d->addr < q->umem_size) {
				push_free(q, d->addr);
				q->c.freed++;
				taken++;
			}
			continue;
		}
		bufs[out].data = q->umem + d->addr;
		bufs[out].len = d->len;
		bufs[out].flags = (d->options & XDP_PKT_CONTD) ? SL_BUF_CONTD : 0;
		bufs[out].handle = d->addr;
		out++;
	}
	if (whole)
		xsk_ring_cons__release(&q->rx, whole);
	q->c.rx_received += out + taken;
	q->c.in_hand += out;
	return out;
}

uint32_t sl_xsk_q_tx(struct sl_xsk_q *q, const struct sl_buf *bufs, uint32_t n)
{
	uint32_t room, k, idx, i;

	if (!n)
		return 0;
	room = xsk_prod_nb_free(&q->tx, n);
	k = n < room ? n : room;
	if (k < n) {
		q->c.tx_full++;
		/* Whole packets only: a cut chain would send a truncated frame. */
		while (k && (bufs[k - 1].flags & SL_BUF_CONTD))
			k--;
	}
	if (!k || xsk_ring_prod__reserve(&q->tx, k, &idx) != k)
		return 0;
	for (i = 0; i < k; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&q->tx, idx + i);

		d->addr = (uint64_t)(bufs[i].data - q->umem);
		d->len = bufs[i].len;
		d->options = (bufs[i].flags & SL_BUF_CONTD) ? XDP_PKT_CONTD : 0;
	}
	xsk_ring_prod__submit(&q->tx, k);
	q->c.tx_submitted += k;
	q->c.in_hand -= k;
	return k;
}

void sl_xsk_q_free(struct sl_xsk_q *q, const struct sl_buf *bufs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		push_free(q, bufs[i].handle);
	q->c.freed += n;
	q->c.in_hand -= n;
}

bool sl_xsk_q_tx_pending(const struct sl_xsk_q *q)
{
	return __atomic_load_n(q->tx.consumer, __ATOMIC_ACQUIRE) != *q->tx.producer;
}

void sl_xsk_q_acct(const struct sl_xsk_q *q, struct sl_frame_acct *a)
{
	uint32_t fill_cons = __atomic_load_n(q->fq.consumer, __ATOMIC_ACQUIRE);
	uint32_t comp_prod = __atomic_load_n(q->cq.producer, __ATOMIC_ACQUIRE);

	memset(a, 0, sizeof(*a));
	a->frames = q->n_frames;
	a->free = q->n_free;
	a->in_hand = q->c.in_hand;
	a->rx_owned = (int64_t)(q->c.fill_submitted - q->c.rx_received);
	a->tx_owned = (int64_t)(q->c.tx_submitted - q->c.tx_completed);
	/* Ring indices are free-running u32s: the difference is the occupancy. */
	a->fill_ring = (uint32_t)(*q->fq.producer - fill_cons);
	a->comp_ring = (uint32_t)(comp_prod - *q->cq.consumer);
	/*
	 * The kernel publishes its fill-ring consumer index lazily (when the
	 * entries it cached run out), so the ring can look fuller than it is
	 * while the frames it took are already on the RX ring or received.
	 * Entries beyond what the kernel owns for RX were consumed: they are
	 * the kernel's in this snapshot, not the ring's.
	 */
	if (a->rx_owned >= 0 && a->fill_ring > (uint64_t)a->rx_owned)
		a->fill_ring = (uint64_t)a->rx_owned;
	a->kernel = (uint64_t)(a->rx_owned + a->tx_owned) - a->fill_ring - a->comp_ring;
}
