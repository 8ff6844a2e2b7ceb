/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The AF_XDP worker's ring batching and frame accounting without a NIC:
 * the four rings live in plain memory and the test plays the kernel
 * (fill -> RX, TX -> completion), checking after every step that each
 * frame is in exactly one place.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/port.h"
#include "dataplane/xsk_ring.h"

#define FRAME 2048u
#define HEADROOM 256u /* where the kernel puts received data in a frame (XDP_PACKET_HEADROOM) */

struct fake_ring {
	uint32_t producer;
	uint32_t consumer;
	uint32_t flags;
	uint32_t size;
	void *ring; /* __u64 addresses or struct xdp_desc */
};

struct fake {
	struct fake_ring fill, comp, rx, tx;
	uint8_t *umem;
	uint32_t frames;
	struct sl_xsk_q q;
};

static void ring_alloc(struct fake_ring *r, uint32_t size, size_t elem)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->ring = calloc(size, elem);
	assert_non_null(r->ring);
}

/* As libxdp sets up the user side of a producer ring (cached_cons is size ahead). */
static void prod_init(struct xsk_ring_prod *p, struct fake_ring *r)
{
	p->cached_prod = r->producer;
	p->cached_cons = r->consumer + r->size;
	p->mask = r->size - 1;
	p->size = r->size;
	p->producer = &r->producer;
	p->consumer = &r->consumer;
	p->ring = r->ring;
	p->flags = &r->flags;
}

static void cons_init(struct xsk_ring_cons *c, struct fake_ring *r)
{
	c->cached_prod = r->producer;
	c->cached_cons = r->consumer;
	c->mask = r->size - 1;
	c->size = r->size;
	c->producer = &r->producer;
	c->consumer = &r->consumer;
	c->ring = r->ring;
	c->flags = &r->flags;
}

static struct fake *fake_new(uint32_t frames, uint32_t ring, uint32_t tx_ring)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->frames = frames;
	f->umem = aligned_alloc(4096, (size_t)frames * FRAME);
	assert_non_null(f->umem);
	ring_alloc(&f->fill, ring, sizeof(uint64_t));
	ring_alloc(&f->comp, ring, sizeof(uint64_t));
	ring_alloc(&f->rx, ring, sizeof(struct xdp_desc));
	ring_alloc(&f->tx, tx_ring, sizeof(struct xdp_desc));
	assert_int_equal(sl_xsk_q_init(&f->q, f->umem, frames, FRAME), 0);
	prod_init(&f->q.fq, &f->fill);
	cons_init(&f->q.cq, &f->comp);
	cons_init(&f->q.rx, &f->rx);
	prod_init(&f->q.tx, &f->tx);
	return f;
}

static void fake_free(struct fake *f)
{
	sl_xsk_q_fini(&f->q);
	free(f->fill.ring);
	free(f->comp.ring);
	free(f->rx.ring);
	free(f->tx.ring);
	free(f->umem);
	free(f);
}

static void check_acct(const struct fake *f)
{
	struct sl_frame_acct a;

	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.frames, f->frames);
	assert_int_equal(sl_frame_acct_check(&a), 0);
	assert_int_equal(a.free + a.in_hand + a.fill_ring + a.kernel + a.comp_ring, f->frames);
}

/*
 * The kernel receives n packets of len bytes: each takes a frame from the
 * fill ring; a packet of k > 1 frames is a chain with XDP_PKT_CONTD on all
 * but the last descriptor. Returns the packets delivered (stops when the
 * fill ring is empty or the RX ring is full, as the kernel would).
 */
static uint32_t kernel_rx(struct fake *f, uint32_t n, uint32_t len, uint32_t frags)
{
	struct xdp_desc *rx = f->rx.ring;
	uint64_t *fill = f->fill.ring;
	uint32_t done = 0, k;

	while (done < n) {
		if (f->fill.producer - f->fill.consumer < frags ||
		    f->rx.size - (f->rx.producer - f->rx.consumer) < frags)
			break;
		for (k = 0; k < frags; k++) {
			uint64_t frame = fill[f->fill.consumer++ & (f->fill.size - 1)];
			struct xdp_desc *d = &rx[f->rx.producer++ & (f->rx.size - 1)];

			d->addr = frame + HEADROOM;
			d->len = len;
			d->options = k + 1 < frags ? XDP_PKT_CONTD : 0;
			memset(f->umem + d->addr, (int)(done & 0xff), len);
		}
		done++;
	}
	return done;
}

/* The kernel sends up to n TX descriptors and completes them. */
static uint32_t kernel_tx(struct fake *f, uint32_t n)
{
	struct xdp_desc *tx = f->tx.ring;
	uint64_t *comp = f->comp.ring;
	uint32_t done = 0;

	while (done < n && f->tx.consumer != f->tx.producer &&
	       f->comp.producer - f->comp.consumer < f->comp.size) {
		comp[f->comp.producer++ & (f->comp.size - 1)] = tx[f->tx.consumer++ & (f->tx.size - 1)].addr;
		done++;
	}
	return done;
}

static void test_init_all_free(void **state)
{
	struct fake *f = fake_new(64, 32, 32);
	struct sl_frame_acct a;
	uint32_t i;

	(void)state;
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.free, 64);
	assert_int_equal(a.in_hand + a.fill_ring + a.kernel + a.comp_ring, 0);
	check_acct(f);
	/* Distinct, frame-aligned addresses inside the UMEM. */
	for (i = 0; i < 64; i++) {
		assert_int_equal(f->q.free[i] % FRAME, 0);
		assert_true(f->q.free[i] < 64ull * FRAME);
	}
	assert_int_equal(sl_xsk_q_init(&f->q, f->umem, 64, 3000), -EINVAL);
	fake_free(f);
}

static void test_refill_batches(void **state)
{
	struct fake *f = fake_new(64, 32, 32);
	struct sl_frame_acct a;

	(void)state;
	/* One reservation fills the ring, bounded by its size. */
	assert_int_equal(sl_xsk_q_refill(&f->q, 1000), 32);
	assert_int_equal(f->fill.producer, 32);
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.fill_ring, 32);
	assert_int_equal(a.free, 32);
	check_acct(f);
	/* Full ring: nothing more, and that is not starvation. */
	assert_int_equal(sl_xsk_q_refill(&f->q, 1000), 0);
	assert_int_equal(f->q.c.refill_starved, 0);
	/* The kernel takes 10: 10 more go in, the batch bounded by max. */
	assert_int_equal(kernel_rx(f, 10, 60, 1), 10);
	check_acct(f);
	assert_int_equal(sl_xsk_q_refill(&f->q, 4), 4);
	assert_int_equal(sl_xsk_q_refill(&f->q, 1000), 6);
	check_acct(f);
	fake_free(f);
}

static void test_rx_tx_complete(void **state)
{
	struct fake *f = fake_new(64, 32, 32);
	struct sl_buf bufs[64];
	struct sl_frame_acct a;
	uint32_t n, i;

	(void)state;
	sl_xsk_q_refill(&f->q, 32);
	assert_int_equal(kernel_rx(f, 10, 100, 1), 10);
	check_acct(f);
	n = sl_xsk_q_rx(&f->q, bufs, 64);
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++) {
		assert_int_equal(bufs[i].len, 100);
		assert_int_equal(bufs[i].flags, 0);
		assert_ptr_equal(bufs[i].data, f->umem + bufs[i].handle);
		assert_int_equal(bufs[i].data[0], i & 0xff); /* the kernel's bytes, in order */
	}
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.in_hand, 10);
	check_acct(f);

	/* Six go out, four are freed: nothing in hand. */
	assert_int_equal(sl_xsk_q_tx(&f->q, bufs, 6), 6);
	assert_int_equal(f->tx.producer, 6);
	for (i = 0; i < 6; i++) {
		struct xdp_desc *d = &((struct xdp_desc *)f->tx.ring)[i];

		assert_int_equal(d->addr, bufs[i].handle);
		assert_int_equal(d->len, 100);
		assert_int_equal(d->options, 0);
	}
	assert_true(sl_xsk_q_tx_pending(&f->q));
	sl_xsk_q_free(&f->q, bufs + 6, 4);
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.in_hand, 0);
	assert_int_equal(a.kernel, 6); /* on the TX ring, not yet taken */
	check_acct(f);

	assert_int_equal(kernel_tx(f, 100), 6);
	assert_false(sl_xsk_q_tx_pending(&f->q));
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.comp_ring, 6);
	check_acct(f);
	assert_int_equal(sl_xsk_q_complete(&f->q, 4), 4); /* batches bounded by max */
	assert_int_equal(sl_xsk_q_complete(&f->q, 64), 2);
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.comp_ring, 0);
	assert_int_equal(a.free, 64 - 32 + 10);
	check_acct(f);
	fake_free(f);
}

static void test_multibuffer_never_split(void **state)
{
	struct fake *f = fake_new(64, 32, 32);
	struct sl_buf bufs[SL_XSK_MAX_FRAGS + 4];
	uint32_t n;

	(void)state;
	sl_xsk_q_refill(&f->q, 32);
	assert_int_equal(kernel_rx(f, 1, 64, 1), 1); /* a single-frame packet */
	assert_int_equal(kernel_rx(f, 1, 1500, 3), 1); /* a three-frame chain */
	/* Room for two descriptors: only the whole packet comes, the chain waits. */
	n = sl_xsk_q_rx(&f->q, bufs, 2);
	assert_int_equal(n, 1);
	assert_int_equal(bufs[0].flags, 0);
	check_acct(f);
	n = sl_xsk_q_rx(&f->q, bufs, SL_XSK_MAX_FRAGS);
	assert_int_equal(n, 3);
	assert_int_equal(bufs[0].flags, SL_BUF_CONTD);
	assert_int_equal(bufs[1].flags, SL_BUF_CONTD);
	assert_int_equal(bufs[2].flags, 0);
	check_acct(f);
	/* TX with two slots left would cut the chain: it takes none of it. */
	f->tx.consumer = 0;
	f->q.tx.cached_cons = 32; /* 30 of the 32 slots in use: 2 free */
	f->tx.producer = 30;
	f->q.tx.cached_prod = 30;
	assert_int_equal(sl_xsk_q_tx(&f->q, bufs, 3), 0);
	assert_int_equal(f->q.c.tx_full, 1);
	fake_free(f);
}

static void test_starved_and_miscount(void **state)
{
	struct fake *f = fake_new(64, 128, 32);
	struct sl_buf bufs[64];
	struct sl_frame_acct a;
	uint32_t n;

	(void)state;
	/* Every frame on the fill ring, which still has room: starved. */
	assert_int_equal(sl_xsk_q_refill(&f->q, 128), 64);
	assert_int_equal(sl_xsk_q_refill(&f->q, 128), 0);
	assert_int_equal(f->q.c.refill_starved, 1);
	check_acct(f);

	assert_int_equal(kernel_rx(f, 8, 60, 1), 8);
	n = sl_xsk_q_rx(&f->q, bufs, 64);
	assert_int_equal(n, 8);
	sl_xsk_q_free(&f->q, bufs, 8);
	check_acct(f);
	/* A lost frame the counters do not know about is caught. */
	sl_xsk_q_acct(&f->q, &a);
	a.free -= 1;
	assert_int_equal(sl_frame_acct_check(&a), -EFAULT);
	/* So is a ring claiming more than the kernel was given. */
	sl_xsk_q_acct(&f->q, &a);
	a.fill_ring = (uint64_t)a.rx_owned + 1;
	assert_int_equal(sl_frame_acct_check(&a), -EFAULT);
	/* And a frame freed twice. */
	f->q.c.in_hand += 1; /* as if the worker had not counted the second free */
	sl_xsk_q_free(&f->q, bufs, 1);
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(sl_frame_acct_check(&a), -EFAULT);
	fake_free(f);
}

/*
 * The kernel publishes its fill-ring consumer index lazily: frames it took
 * can be received (and freed) while the ring's consumer still counts them
 * as on the ring. The snapshot must add up all the same.
 */
static void test_lazy_fill_consumer(void **state)
{
	struct fake *f = fake_new(64, 64, 32);
	struct sl_buf bufs[64];
	struct sl_frame_acct a;
	uint32_t cons, n;

	(void)state;
	assert_int_equal(sl_xsk_q_refill(&f->q, 64), 64);
	cons = f->fill.consumer;
	assert_int_equal(kernel_rx(f, 40, 60, 1), 40);
	f->fill.consumer = cons; /* consumed, not yet published */
	n = sl_xsk_q_rx(&f->q, bufs, 64);
	assert_int_equal(n, 40);
	sl_xsk_q_free(&f->q, bufs, n);
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.fill_ring, 24); /* all the kernel owns for RX */
	assert_int_equal(a.kernel, 0);
	check_acct(f);
	/* Published late: the same frames, now exactly where they are. */
	f->fill.consumer = cons + 40;
	check_acct(f);
	fake_free(f);
}

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Random interleavings of every call and of the kernel's moves: the sum holds at each step. */
static void test_random_soak(void **state)
{
	struct fake *f = fake_new(256, 64, 64);
	struct sl_buf bufs[64 + SL_XSK_MAX_FRAGS], held[512];
	uint32_t n_held = 0, i, n, k;
	struct sl_frame_acct a;

	(void)state;
	for (i = 0; i < 200000; i++) {
		switch (rnd(6)) {
		case 0:
			sl_xsk_q_refill(&f->q, 1 + rnd(64));
			break;
		case 1:
			kernel_rx(f, 1 + rnd(16), 64 + rnd(1500), 1 + (rnd(8) == 0) * rnd(3));
			break;
		case 2:
			n = sl_xsk_q_rx(&f->q, bufs, SL_XSK_MAX_FRAGS + rnd(48));
			memcpy(held + n_held, bufs, n * sizeof(bufs[0]));
			n_held += n;
			break;
		case 3:
			/* Whole packets from the front of what is held go out or back. */
			k = 0;
			while (k < n_held && k < 32) {
				while (held[k].flags & SL_BUF_CONTD)
					k++;
				k++;
			}
			if (rnd(2)) {
				n = sl_xsk_q_tx(&f->q, held, k);
				sl_xsk_q_free(&f->q, held + n, k - n);
			} else {
				sl_xsk_q_free(&f->q, held, k);
			}
			memmove(held, held + k, (n_held - k) * sizeof(held[0]));
			n_held -= k;
			break;
		case 4:
			kernel_tx(f, 1 + rnd(32));
			break;
		case 5:
			sl_xsk_q_complete(&f->q, 1 + rnd(64));
			break;
		}
		check_acct(f);
		assert_true(n_held <= 256);
	}
	/* Drain: everything comes home. */
	sl_xsk_q_free(&f->q, held, n_held);
	kernel_tx(f, 1000);
	sl_xsk_q_complete(&f->q, 1000);
	check_acct(f);
	sl_xsk_q_acct(&f->q, &a);
	assert_int_equal(a.in_hand, 0);
	assert_int_equal(a.tx_owned, 0);
	assert_int_equal(a.free + a.fill_ring + a.kernel, 256);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_all_free),
		cmocka_unit_test(test_refill_batches),
		cmocka_unit_test(test_rx_tx_complete),
		cmocka_unit_test(test_multibuffer_never_split),
		cmocka_unit_test(test_starved_and_miscount),
		cmocka_unit_test(test_lazy_fill_consumer),
		cmocka_unit_test(test_random_soak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
