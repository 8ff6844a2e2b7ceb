/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A worker's burst (sl_worker_burst) over a port in memory: packets and
 * multi-buffer chains through the stages, out or freed, counted by
 * reason; a TX ring with too little room never cuts a chain; every buffer
 * ends up exactly once either transmitted or freed.
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
#include "dataplane/stage.h"
#include "dataplane/worker.h"

#define MAXB 600

struct fake_port {
	struct sl_port port;
	uint32_t room;                 /* TX slots left */
	uint64_t sent[MAXB], freed[MAXB];
	uint32_t n_sent, n_freed;
	uint32_t sent_flags[MAXB];
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

/* A 60-byte IPv4 UDP frame (valid enough for reflect), or a 10-byte runt. */
static void mk(struct sl_buf *b, uint32_t i, bool runt, uint32_t flags)
{
	uint8_t *f = frames[i];

	memset(f, 0, 128);
	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 9] = 17;
	b->data = f;
	b->len = runt ? 10 : 60;
	b->flags = flags;
	b->handle = 1000 + i;
}

/* Every handle 1000..1000+n-1 is once in sent or freed, never both. */
static void check_owned_once(const struct fake_port *f, uint32_t n)
{
	uint8_t seen[MAXB] = { 0 };
	uint32_t i;

	assert_int_equal(f->n_sent + f->n_freed, n);
	for (i = 0; i < f->n_sent; i++)
		seen[f->sent[i] - 1000]++;
	for (i = 0; i < f->n_freed; i++)
		seen[f->freed[i] - 1000]++;
	for (i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
}

static void test_reflect_burst(void **state)
{
	const char names[1][16] = { "reflect" };
	struct sl_stage_env env = { .ifname = "slst0" };
	struct fake_port f = { .port.ops = &fake_ops, .room = 100 };
	struct sl_worker_stats st;
	struct sl_pipeline pl;
	struct sl_buf bufs[4];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), 0);
	mk(&bufs[0], 0, false, 0);            /* A */
	mk(&bufs[1], 1, true, 0);             /* B: a runt, reflect drops it */
	mk(&bufs[2], 2, false, SL_BUF_CONTD); /* C, head of a chain */
	mk(&bufs[3], 3, false, 0);            /* C, tail */
	assert_int_equal(sl_worker_burst(&f.port, &pl, &st, bufs, 4), 3);
	assert_int_equal(st.rx_packets, 3);
	assert_int_equal(st.rx_bytes, 60 + 10 + 120);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.tx_packets, 2);
	assert_int_equal(st.tx_bytes, 180);
	assert_int_equal(st.drops[SL_WDROP_STAGE], 1);
	assert_int_equal(st.drops[SL_WDROP_UNDECIDED], 0);
	assert_int_equal(st.drops[SL_WDROP_TX_FULL], 0);
	/* Out in order, the chain whole and still marked. */
	assert_int_equal(f.n_sent, 3);
	assert_int_equal(f.sent[0], 1000);
	assert_int_equal(f.sent[1], 1002);
	assert_int_equal(f.sent_flags[1], SL_BUF_CONTD);
	assert_int_equal(f.sent[2], 1003);
	assert_int_equal(f.sent_flags[2], 0);
	check_owned_once(&f, 4);
	assert_int_equal(pl.counters[0].seen, 3);
	assert_int_equal(pl.counters[0].tx, 2);
	assert_int_equal(pl.counters[0].drop, 1);

	/* Two TX slots: A goes, C would be cut, so it is dropped whole as tx_full. */
	memset(&f, 0, sizeof(f));
	f.port.ops = &fake_ops;
	f.room = 2;
	memset(&st, 0, sizeof(st));
	mk(&bufs[0], 0, false, 0);
	mk(&bufs[1], 1, true, 0);
	mk(&bufs[2], 2, false, SL_BUF_CONTD);
	mk(&bufs[3], 3, false, 0);
	sl_worker_burst(&f.port, &pl, &st, bufs, 4);
	assert_int_equal(st.tx_packets, 1);
	assert_int_equal(st.drops[SL_WDROP_TX_FULL], 1);
	assert_int_equal(st.drops[SL_WDROP_STAGE], 1);
	check_owned_once(&f, 4);
	sl_pipeline_close(&pl);
}

static void test_undecided_and_split(void **state)
{
	struct sl_stage_env env = { .ifname = "slst0" };
	struct fake_port f = { .port.ops = &fake_ops, .room = 1000 };
	static struct sl_buf bufs[MAXB];
	struct sl_worker_stats st;
	struct sl_pipeline pl;
	uint32_t i;

	(void)state;
	memset(&st, 0, sizeof(st));
	/* No stages: nothing decides, everything is dropped as undecided. */
	assert_int_equal(sl_pipeline_open(&pl, NULL, 0, &env), 0);
	for (i = 0; i < 5; i++)
		mk(&bufs[i], i, false, 0);
	sl_worker_burst(&f.port, &pl, &st, bufs, 5);
	assert_int_equal(st.drops[SL_WDROP_UNDECIDED], 5);
	assert_int_equal(st.tx_packets, 0);
	check_owned_once(&f, 5);
	sl_pipeline_close(&pl);

	/* More buffers than one burst holds, a chain across the split point: two bursts. */
	{
		const char names[1][16] = { "reflect" };

		assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), 0);
	}
	memset(&f, 0, sizeof(f));
	f.port.ops = &fake_ops;
	f.room = 1000;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 500; i++)
		mk(&bufs[i], i, false, i >= SL_WORKER_BURST_MAX - 2 && i < SL_WORKER_BURST_MAX + 2 ? SL_BUF_CONTD : 0);
	assert_int_equal(sl_worker_burst(&f.port, &pl, &st, bufs, 500), 500 - 4);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.rx_packets, 496);
	assert_int_equal(st.tx_packets, 496);
	check_owned_once(&f, 500);
	sl_pipeline_close(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reflect_burst),
		cmocka_unit_test(test_undecided_and_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
