/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inline forward (docs/dataplane.md): the config of a pair (`peer:` with
 * the forward stage) and what is refused, where; what the compiler makes
 * of it (sl_peers, sl_xsk_base entries, SL_CFG_INLINE); and the forward
 * stage in a worker burst over two ports in memory: forwarded packets
 * leave on the peer, chains whole, a full peer ring drops whole packets
 * as tx_full, every buffer sent or freed exactly once; two sockets on one
 * UMEM with rings in memory (the test plays the kernel): frames received
 * on one port and completed on the other, rebalanced, the pair's summed
 * frame accounting exact after every step.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/compile.h"
#include "control/config.h"
#include "dataplane/port.h"
#include "dataplane/stage.h"
#include "dataplane/worker.h"
#include "dataplane/xsk_ring.h"

static const char base[] =
	"version: 1\n"
	"interfaces:\n"
	"  - name: slfwA\n"
	"  - name: slfwB\n"
	"  - name: slfw*\n"
	"  - name: slfwC\n"
	"rules:\n"
	"  - {name: to-worker, protocol: udp, dport: 7000, action: steer}\n";

static int load(const char *tail, struct sl_config **cfg, struct sl_diag *d)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", base, tail);
	d->msg[0] = '\0';
	*cfg = NULL;
	return sl_config_load_buffer(buf, strlen(buf), "t.yaml", NULL, cfg, d);
}

static void test_pair_config(void **state)
{
	struct sl_tables *t;
	struct sl_config *cfg;
	struct sl_diag d;

	(void)state;
	assert_int_equal(load("dataplane:\n  interfaces:\n"
			      "    - {name: slfwA, peer: slfwB, stages: [forward],"
			      " workers: [{queue: 0, cpu: 1}, {queue: 1, cpu: 0}]}\n",
			      &cfg, &d), 0);
	assert_int_equal(cfg->dataplane.n_ifaces, 1);
	assert_string_equal(cfg->dataplane.ifaces[0].name, "slfwA");
	assert_string_equal(cfg->dataplane.ifaces[0].peer, "slfwB");
	assert_int_equal(cfg->dataplane.ifaces[0].n_stages, 1);
	assert_string_equal(cfg->dataplane.ifaces[0].stages[0], "forward");
	assert_int_equal(cfg->dataplane.ifaces[0].n_workers, 2);

	assert_int_equal(sl_compile(cfg, &t, &d), 0);
	assert_true(t->prog_cfg.flags & SL_CFG_INLINE);
	assert_true(t->prog_cfg.flags & SL_CFG_STEER);
	/* Each port passes to the other; the second port's sockets come after the first's. */
	assert_int_equal(t->n_inline, 2);
	assert_string_equal(t->inline_ports[0].name, "slfwA");
	assert_string_equal(t->inline_ports[0].peer, "slfwB");
	assert_int_equal(t->inline_ports[0].xsk_base, 0);
	assert_string_equal(t->inline_ports[1].name, "slfwB");
	assert_string_equal(t->inline_ports[1].peer, "slfwA");
	assert_int_equal(t->inline_ports[1].xsk_base, SL_MAX_QUEUES);
	sl_tables_free(t);
	sl_config_free(cfg);

	/* Without a pair the program has no inline code at all. */
	assert_int_equal(load("dataplane:\n  interfaces:\n"
			      "    - {name: slfwA, stages: [reflect], workers: [{queue: 0, cpu: 1}]}\n",
			      &cfg, &d), 0);
	assert_string_equal(cfg->dataplane.ifaces[0].peer, "");
	assert_int_equal(sl_compile(cfg, &t, &d), 0);
	assert_false(t->prog_cfg.flags & SL_CFG_INLINE);
	assert_int_equal(t->n_inline, 0);
	sl_tables_free(t);
	sl_config_free(cfg);
}

static void test_pair_refused(void **state)
{
	static const struct {
		const char *yaml;
		const char *msg; /* a part of the one-line message */
	} bad[] = {
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwB, stages: [reflect]}]}\n",
		  "t.yaml:9:46: 'slfwA' has a peer but no 'forward' stage" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwB}]}\n",
		  "has a peer but no 'forward' stage" },
		{ "dataplane: {interfaces: [{name: slfwA, stages: [forward]}]}\n",
		  "t.yaml:9:49: stage 'forward' on 'slfwA' needs a 'peer'" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwA, stages: [forward]}]}\n",
		  "'slfwA' cannot be its own peer" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwD, stages: [forward]}]}\n",
		  "peer 'slfwD' is not listed by name in 'interfaces'" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: 'slfw*', stages: [forward]}]}\n",
		  "is not listed by name" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwB, stages: [forward]},"
		  " {name: slfwB, stages: [drop]}]}\n",
		  "'slfwB' is the peer of 'slfwA' already" },
		{ "dataplane: {interfaces: [{name: slfwB, stages: [drop]},"
		  " {name: slfwA, peer: slfwB, stages: [forward]}]}\n",
		  "peer 'slfwB' is in another dataplane entry already" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwB, stages: [forward]},"
		  " {name: slfwC, peer: slfwB, stages: [forward]}]}\n",
		  "peer 'slfwB' is in another dataplane entry already" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwB, stages: [forward, drop]}]}\n",
		  "no stage can follow 'forward'" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: slfwB, stages: [forward],"
		  " workers: [{queue: 0, cpu: 0}]}, {name: slfwC, workers: [{queue: 0, cpu: 1}]}]}\n",
		  "second interface" },
		{ "dataplane: {interfaces: [{name: slfwA, peer: [slfwB], stages: [forward]}]}\n",
		  "peer" },
	};
	struct sl_config *cfg;
	struct sl_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = load(bad[i].yaml, &cfg, &d);

		if (err != -EINVAL || !strstr(d.msg, bad[i].msg) || strchr(d.msg, '\n'))
			fail_msg("case %zu (%s): err %d, message '%s'", i, bad[i].yaml, err, d.msg);
		assert_null(cfg);
	}
}

/* ------------------------------------------------------ the burst, two ports */

#define MAXB 64

struct fake_port {
	struct sl_port port;
	uint32_t room; /* TX slots left */
	uint64_t sent[MAXB], freed[MAXB];
	uint32_t sent_flags[MAXB];
	uint32_t n_sent, n_freed;
};

static uint32_t f_tx(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	struct fake_port *f = (struct fake_port *)p;
	uint32_t k = n < f->room ? n : f->room, i;

	/* As the AF_XDP port: whole packets only. */
	if (k < n)
		while (k && (bufs[k - 1].flags & SL_BUF_CONTD))
			k--;
	for (i = 0; i < k; i++) {
		f->sent_flags[f->n_sent] = bufs[i].flags;
		f->sent[f->n_sent++] = bufs[i].handle;
	}
	f->room -= k;
	return k;
}

static void f_free(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	struct fake_port *f = (struct fake_port *)p;
	uint32_t i;

	for (i = 0; i < n; i++)
		f->freed[f->n_freed++] = bufs[i].handle;
}

static const struct sl_port_ops fake_ops = { .kind = "fake", .tx_burst = f_tx, .free = f_free };

static uint8_t frames[MAXB][128];

static void mk(struct sl_buf *b, uint32_t i, uint32_t len, uint32_t flags)
{
	memset(frames[i], 0, sizeof(frames[i]));
	frames[i][12] = 0x08;
	frames[i][14] = 0x45;
	b->data = frames[i];
	b->len = len;
	b->flags = flags;
	b->handle = 1000 + i;
}

/* Every handle 1000..1000+n-1 is once in what the two ports sent or freed. */
static void check_owned_once(const struct fake_port *a, const struct fake_port *b, uint32_t n)
{
	uint8_t seen[MAXB] = { 0 };
	const struct fake_port *ps[2] = { a, b };
	uint32_t i, p;

	assert_int_equal(a->n_sent + a->n_freed + b->n_sent + b->n_freed, n);
	for (p = 0; p < 2; p++) {
		for (i = 0; i < ps[p]->n_sent; i++)
			seen[ps[p]->sent[i] - 1000]++;
		for (i = 0; i < ps[p]->n_freed; i++)
			seen[ps[p]->freed[i] - 1000]++;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
}

/* Decides drop for packets whose frame's byte 0 is odd: forward's undecided input. */
static void odd_drop_run(void *state, struct sl_stage_pkt *pkts, uint32_t n)
{
	uint32_t i;

	(void)state;
	for (i = 0; i < n; i++)
		if (pkts[i].verdict == SL_SV_CONTINUE && (pkts[i].bufs[0].data[0] & 1))
			pkts[i].verdict = SL_SV_DROP;
}

static const struct sl_stage_ops odd_drop = { .name = "odd-drop", .run = odd_drop_run };

static void test_forward_burst(void **state)
{
	const char names[1][16] = { "forward" };
	struct sl_stage_env env = { .ifname = "slfwA" };
	struct fake_port a = { .port.ops = &fake_ops, .room = 100 };
	struct fake_port b = { .port.ops = &fake_ops, .room = 100 };
	struct sl_worker_stats st;
	struct sl_pipeline pl;
	struct sl_buf bufs[5];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_ptr_equal(sl_stage_find("forward"), &sl_stage_forward);
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), 0);
	pl.peer = &b.port;
	mk(&bufs[0], 0, 60, 0);
	mk(&bufs[1], 1, 100, SL_BUF_CONTD); /* a chain */
	mk(&bufs[2], 2, 100, 0);
	mk(&bufs[3], 3, 60, 0);
	assert_int_equal(sl_worker_burst(&a.port, &pl, &st, bufs, 4), 3);
	/* Every packet out on the peer, in order, the chain whole; nothing on the receiving port. */
	assert_int_equal(a.n_sent + a.n_freed, 0);
	assert_int_equal(b.n_sent, 4);
	assert_int_equal(b.sent[0], 1000);
	assert_int_equal(b.sent[1], 1001);
	assert_int_equal(b.sent_flags[1], SL_BUF_CONTD);
	assert_int_equal(b.sent[2], 1002);
	assert_int_equal(b.sent[3], 1003);
	assert_int_equal(st.rx_packets, 3);
	assert_int_equal(st.tx_packets, 3);
	assert_int_equal(st.tx_bytes, st.rx_bytes);
	assert_int_equal(st.drops[SL_WDROP_STAGE] + st.drops[SL_WDROP_UNDECIDED] +
				 st.drops[SL_WDROP_TX_FULL], 0);
	assert_int_equal(pl.counters[0].seen, 3);
	assert_int_equal(pl.counters[0].tx, 3);
	assert_int_equal(pl.counters[0].drop, 0);

	/* Two slots on the peer: packet 0 goes, the chain would be cut, so it and 3 are tx_full. */
	memset(&b, 0, sizeof(b));
	b.port.ops = &fake_ops;
	b.room = 2;
	memset(&st, 0, sizeof(st));
	sl_worker_burst(&a.port, &pl, &st, bufs, 4);
	assert_int_equal(st.tx_packets, 1);
	assert_int_equal(st.drops[SL_WDROP_TX_FULL], 2);
	check_owned_once(&a, &b, 4);

	/* No peer (not a pair): forwarded packets are undecided drops, freed on their port. */
	memset(&b, 0, sizeof(b));
	b.port.ops = &fake_ops;
	memset(&st, 0, sizeof(st));
	pl.peer = NULL;
	sl_worker_burst(&a.port, &pl, &st, bufs, 4);
	assert_int_equal(st.drops[SL_WDROP_UNDECIDED], 3);
	assert_int_equal(a.n_freed, 4);
	check_owned_once(&a, &b, 4);
	sl_pipeline_close(&pl);
}

/* A stage before forward (as inspect): its drops stay drops, the rest crosses. */
static void test_forward_after_a_stage(void **state)
{
	struct fake_port a = { .port.ops = &fake_ops, .room = 100 };
	struct fake_port b = { .port.ops = &fake_ops, .room = 100 };
	struct sl_worker_stats st;
	struct sl_pipeline pl;
	struct sl_buf bufs[6];
	uint32_t i;

	(void)state;
	memset(&st, 0, sizeof(st));
	memset(&pl, 0, sizeof(pl));
	pl.ops[0] = &odd_drop;
	pl.ops[1] = &sl_stage_forward;
	pl.n = 2;
	pl.peer = &b.port;
	for (i = 0; i < 6; i++) {
		mk(&bufs[i], i, 60, 0);
		frames[i][0] = (uint8_t)i; /* 1, 3, 5 are dropped */
	}
	sl_worker_burst(&a.port, &pl, &st, bufs, 6);
	assert_int_equal(st.tx_packets, 3);
	assert_int_equal(st.drops[SL_WDROP_STAGE], 3);
	assert_int_equal(b.n_sent, 3);
	assert_int_equal(b.sent[0], 1000);
	assert_int_equal(b.sent[1], 1002);
	assert_int_equal(b.sent[2], 1004);
	assert_int_equal(a.n_freed, 3);
	check_owned_once(&a, &b, 6);
	assert_int_equal(pl.counters[0].seen, 6);
	assert_int_equal(pl.counters[0].drop, 3);
	assert_int_equal(pl.counters[1].seen, 3);
	assert_int_equal(pl.counters[1].tx, 3);
}

/* -------------------------------- two sockets on one UMEM, rings in memory */

#define PFRAME 2048u
#define PFRAMES 64u
#define PRING 16u

struct mring {
	uint32_t producer, consumer, flags, size;
	void *ring;
};

struct side {
	struct mring fill, comp, rx, tx;
	struct sl_xsk_q q;
};

static void mring_alloc(struct mring *r, size_t elem)
{
	memset(r, 0, sizeof(*r));
	r->size = PRING;
	r->ring = calloc(PRING, elem);
	assert_non_null(r->ring);
}

/* The user side of the rings, as libxdp sets them up. */
static void side_rings(struct side *s)
{
	struct mring *prods[2] = { &s->fill, &s->tx }, *conss[2] = { &s->comp, &s->rx };
	struct xsk_ring_prod *p[2] = { &s->q.fq, &s->q.tx };
	struct xsk_ring_cons *c[2] = { &s->q.cq, &s->q.rx };
	int i;

	mring_alloc(&s->fill, sizeof(uint64_t));
	mring_alloc(&s->comp, sizeof(uint64_t));
	mring_alloc(&s->rx, sizeof(struct xdp_desc));
	mring_alloc(&s->tx, sizeof(struct xdp_desc));
	for (i = 0; i < 2; i++) {
		p[i]->cached_prod = 0;
		p[i]->cached_cons = PRING;
		p[i]->mask = PRING - 1;
		p[i]->size = PRING;
		p[i]->producer = &prods[i]->producer;
		p[i]->consumer = &prods[i]->consumer;
		p[i]->ring = prods[i]->ring;
		p[i]->flags = &prods[i]->flags;
		c[i]->cached_prod = 0;
		c[i]->cached_cons = 0;
		c[i]->mask = PRING - 1;
		c[i]->size = PRING;
		c[i]->producer = &conss[i]->producer;
		c[i]->consumer = &conss[i]->consumer;
		c[i]->ring = conss[i]->ring;
		c[i]->flags = &conss[i]->flags;
	}
}

static void side_free(struct side *s)
{
	sl_xsk_q_fini(&s->q);
	free(s->fill.ring);
	free(s->comp.ring);
	free(s->rx.ring);
	free(s->tx.ring);
}

/* The kernel receives up to n frames on s: fill ring -> RX ring. */
static uint32_t k_rx(struct side *s, uint32_t n)
{
	uint64_t *fill = s->fill.ring;
	struct xdp_desc *rx = s->rx.ring;
	uint32_t i;

	for (i = 0; i < n && s->fill.consumer != s->fill.producer &&
		    s->rx.producer - s->rx.consumer < PRING; i++) {
		struct xdp_desc *d = &rx[s->rx.producer & (PRING - 1)];

		d->addr = fill[s->fill.consumer & (PRING - 1)] + 256;
		d->len = 60;
		d->options = 0;
		__atomic_store_n(&s->fill.consumer, s->fill.consumer + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&s->rx.producer, s->rx.producer + 1, __ATOMIC_RELEASE);
	}
	return i;
}

/* The kernel sends what s's TX ring holds: TX ring -> completion ring. */
static void k_tx(struct side *s)
{
	struct xdp_desc *tx = s->tx.ring;
	uint64_t *comp = s->comp.ring;

	while (s->tx.consumer != s->tx.producer && s->comp.producer - s->comp.consumer < PRING) {
		comp[s->comp.producer & (PRING - 1)] = tx[s->tx.consumer & (PRING - 1)].addr;
		__atomic_store_n(&s->tx.consumer, s->tx.consumer + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&s->comp.producer, s->comp.producer + 1, __ATOMIC_RELEASE);
	}
}

/* The pair's accounting, as the worker publishes it: the two summed. */
static void pair_acct(const struct side *a, const struct side *b, struct sl_frame_acct *sum)
{
	struct sl_frame_acct ab;

	sl_xsk_q_acct(&a->q, sum);
	sl_xsk_q_acct(&b->q, &ab);
	sl_frame_acct_add(sum, &ab);
	assert_int_equal(sum->frames, PFRAMES);
	assert_int_equal(sl_frame_acct_check(sum), 0);
	assert_int_equal(sum->free + sum->in_hand + sum->fill_ring + sum->kernel + sum->comp_ring,
			 PFRAMES);
}

/* Forwards what arrived on from out on to, as a pair's worker does, then services both. */
static uint32_t forward_round(struct side *from, struct side *to, struct side *a, struct side *b)
{
	struct sl_frame_acct sum;
	struct sl_buf bufs[PRING];
	uint32_t n, sent;

	n = sl_xsk_q_rx(&from->q, bufs, PRING);
	pair_acct(a, b, &sum);
	assert_int_equal(sum.in_hand, n);
	sent = sl_xsk_q_tx(&to->q, bufs, n);
	if (sent < n)
		sl_xsk_q_free(&to->q, bufs + sent, n - sent);
	pair_acct(a, b, &sum);
	assert_int_equal(sum.in_hand, 0);
	k_tx(to);
	pair_acct(a, b, &sum);
	sl_xsk_q_balance(&a->q, &b->q, 8);
	sl_xsk_q_complete(&a->q, PRING);
	sl_xsk_q_complete(&b->q, PRING);
	sl_xsk_q_refill(&a->q, PRING);
	sl_xsk_q_refill(&b->q, PRING);
	pair_acct(a, b, &sum);
	return sent;
}

static void test_pair_accounting(void **state)
{
	uint8_t *umem = aligned_alloc(4096, (size_t)PFRAMES * PFRAME);
	struct side a, b;
	struct sl_frame_acct sum;
	uint64_t crossed = 0;
	uint32_t round;

	(void)state;
	assert_non_null(umem);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	side_rings(&a);
	side_rings(&b);
	assert_int_equal(sl_xsk_q_init(&a.q, umem, PFRAMES, PFRAME), 0);
	assert_int_equal(sl_xsk_q_init_shared(&b.q, &a.q), 0);
	/* Half of the first port's free frames are the second's; none counted twice. */
	assert_int_equal(a.q.n_free, PFRAMES / 2);
	assert_int_equal(b.q.n_free, PFRAMES / 2);
	assert_ptr_equal(b.q.umem, umem);
	sl_xsk_q_refill(&a.q, PRING);
	sl_xsk_q_refill(&b.q, PRING);
	pair_acct(&a, &b, &sum);
	assert_int_equal(sum.fill_ring, 2 * PRING);

	/*
	 * All traffic one way: every frame received on a comes back on b's
	 * completion ring. Without rebalancing a would starve after its 32;
	 * with it, a never runs dry and the accounting adds up at each step.
	 */
	for (round = 0; round < 100; round++) {
		assert_int_equal(k_rx(&a, 12), 12);
		crossed += forward_round(&a, &b, &a, &b);
	}
	assert_int_equal(crossed, 100 * 12);
	assert_int_equal(a.q.c.refill_starved, 0);
	/* Then both ways at once. */
	for (round = 0; round < 50; round++) {
		k_rx(&a, 7);
		k_rx(&b, 9);
		crossed += forward_round(&a, &b, &a, &b);
		crossed += forward_round(&b, &a, &a, &b);
	}
	assert_int_equal(crossed, 100 * 12 + 50 * 16);
	/* At rest: nothing in hand, in flight or to reap; every frame free or on a fill ring. */
	pair_acct(&a, &b, &sum);
	assert_int_equal(sum.in_hand, 0);
	assert_int_equal(sum.kernel, 0);
	assert_int_equal(sum.comp_ring, 0);
	assert_int_equal(sum.free + sum.fill_ring, PFRAMES);
	/* Either port alone does not add up (frames moved across): only the pair does. */
	sl_xsk_q_acct(&a.q, &sum);
	assert_int_equal(sl_frame_acct_check(&sum), -EFAULT);
	side_free(&a);
	side_free(&b);
	free(umem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_config),
		cmocka_unit_test(test_pair_refused),
		cmocka_unit_test(test_forward_burst),
		cmocka_unit_test(test_forward_after_a_stage),
		cmocka_unit_test(test_pair_accounting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
