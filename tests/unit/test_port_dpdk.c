/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DPDK port (dataplane/port_dpdk.h) on DPDK's net_ring PMD, whose
 * vdev without arguments is a loopback: what is sent comes back on RX.
 * Packets are put on the ring with rte_eth_tx_burst, then taken through
 * the port: chains become SL_BUF_CONTD buffers and are never split across
 * bursts, a chain longer than any burst is dropped and counted, TX
 * rebuilds chains and lengths from the buffers (also after a stage moved
 * the data), refuses buffers outside their mbuf and cut chains, and the
 * mempool accounting adds up at every step and comes back to all free.
 * Needs root (the EAL).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dataplane/port_dpdk.h"

#define FRAMES 256
#define ROOM 512 /* small mbufs: chains come easily */

static struct rte_mempool *mp;
static uint16_t port_id;
static struct sl_port *port;

/* A packet of len bytes (byte i = seed + i) in mbufs of at most seg bytes each. */
static struct rte_mbuf *make_pkt(uint32_t len, uint32_t seg, uint8_t seed)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	while (off < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n = len - off < seg ? len - off : seg, i;
		uint8_t *d;

		assert_non_null(m);
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		assert_non_null(d);
		for (i = 0; i < n; i++)
			d[i] = (uint8_t)(seed + off + i);
		if (!head)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		off += n;
	}
	return head;
}

/* Puts pkts on the loopback ring, as if they had arrived. */
static void inject(struct rte_mbuf **pkts, uint16_t n)
{
	assert_int_equal(rte_eth_tx_burst(port_id, 0, pkts, n), n);
}

static void check_acct(uint64_t in_hand)
{
	struct sl_port_stats st;

	sl_port_stats_get(port, &st);
	assert_int_equal(sl_frame_acct_check(&st.acct), 0);
	assert_int_equal(st.acct.frames, FRAMES);
	assert_int_equal(st.acct.in_hand, in_hand);
	/* net_ring holds mbufs only while they are on the ring. */
	assert_int_equal(st.acct.free + st.acct.in_hand + st.acct.kernel, FRAMES);
}

/* bufs[0..n) hold, in order, a packet of len bytes from seed. */
static void check_bytes(const struct sl_buf *bufs, uint32_t n, uint32_t len, uint8_t seed)
{
	uint32_t i, k, off = 0;

	for (i = 0; i < n; i++) {
		assert_int_equal(!!(bufs[i].flags & SL_BUF_CONTD), i + 1 < n);
		for (k = 0; k < bufs[i].len; k++)
			assert_int_equal(bufs[i].data[k], (uint8_t)(seed + off + k));
		off += bufs[i].len;
	}
	assert_int_equal(off, len);
}

static void test_rx_chains(void **state)
{
	struct rte_mbuf *pkts[2] = { make_pkt(100, ROOM, 1), make_pkt(3 * ROOM - 10, ROOM, 2) };
	struct sl_buf bufs[8];

	(void)state;
	check_acct(0);
	inject(pkts, 2);
	assert_int_equal(sl_port_rx_burst(port, bufs, 8), 4);
	check_bytes(bufs, 1, 100, 1);
	check_bytes(bufs + 1, 3, 3 * ROOM - 10, 2);
	assert_int_equal(bufs[0].handle, (uint64_t)(uintptr_t)pkts[0]);
	check_acct(4);
	sl_port_free(port, bufs, 4);
	check_acct(0);
}

/* A chain that does not fit waits for the next call; one longer than the burst is dropped. */
static void test_rx_whole_packets(void **state)
{
	struct rte_mbuf *pkts[3] = { make_pkt(60, ROOM, 3), make_pkt(2 * ROOM, ROOM, 4),
				     make_pkt(4 * ROOM, ROOM, 5) };
	struct sl_port_stats st, before;
	struct sl_buf bufs[8];

	(void)state;
	sl_port_stats_get(port, &before);
	inject(pkts, 3);
	assert_int_equal(sl_port_rx_burst(port, bufs, 2), 1);
	check_bytes(bufs, 1, 60, 3);
	/*
	 * The device gave a burst of two packets: the 2-mbuf chain stays with
	 * the port, counted in hand, until a call has room; the third waits
	 * on the ring.
	 */
	check_acct(1 + 2);
	sl_port_free(port, bufs, 1);
	assert_int_equal(sl_port_rx_burst(port, bufs, 2), 2);
	check_bytes(bufs, 2, 2 * ROOM, 4);
	sl_port_free(port, bufs, 2);
	/* Four mbufs never fit a burst of two: dropped, not stuck. */
	assert_int_equal(sl_port_rx_burst(port, bufs, 2), 0);
	sl_port_stats_get(port, &st);
	assert_int_equal(st.rx_invalid - before.rx_invalid, 1);
	check_acct(0);
}

/* TX takes the buffers as the stages left them: moved data, other lengths, new chains. */
static void test_tx_rebuilds(void **state)
{
	struct rte_mbuf *pkts[2] = { make_pkt(200, ROOM, 6), make_pkt(2 * ROOM + 100, ROOM, 7) };
	struct sl_buf bufs[8], again[8];

	(void)state;
	inject(pkts, 2);
	assert_int_equal(sl_port_rx_burst(port, bufs, 8), 4);
	/* A stage strips 10 bytes of the first packet's head and trims the second's tail. */
	bufs[0].data += 10;
	bufs[0].len -= 10;
	bufs[3].len -= 50;
	assert_int_equal(sl_port_tx_burst(port, bufs, 4), 4);
	check_acct(0);
	assert_int_equal(sl_port_rx_burst(port, again, 8), 4);
	check_bytes(again, 1, 190, 16);
	check_bytes(again + 1, 3, 2 * ROOM + 50, 7);
	assert_int_equal(((struct rte_mbuf *)(uintptr_t)again[1].handle)->pkt_len, 2 * ROOM + 50);
	assert_int_equal(((struct rte_mbuf *)(uintptr_t)again[1].handle)->nb_segs, 3);

	/* Split the chain into three packets: each gets its own length and no next. */
	again[1].flags = 0;
	again[2].flags = 0;
	assert_int_equal(sl_port_tx_burst(port, again, 4), 4);
	assert_int_equal(sl_port_rx_burst(port, bufs, 8), 4);
	assert_int_equal(bufs[1].flags | bufs[2].flags | bufs[3].flags, 0);
	assert_int_equal(((struct rte_mbuf *)(uintptr_t)bufs[3].handle)->pkt_len, 50);
	sl_port_free(port, bufs, 4);
	check_acct(0);
}

/* What TX refuses stays the caller's: data outside its mbuf, a chain cut short. */
static void test_tx_refuses(void **state)
{
	struct rte_mbuf *pkts[2] = { make_pkt(64, ROOM, 8), make_pkt(2 * ROOM, ROOM, 9) };
	struct sl_port_stats st, before;
	struct sl_buf bufs[8], keep;

	(void)state;
	sl_port_stats_get(port, &before);
	inject(pkts, 2);
	assert_int_equal(sl_port_rx_burst(port, bufs, 8), 3);
	keep = bufs[1];
	bufs[1].len = ROOM + RTE_PKTMBUF_HEADROOM; /* runs past the mbuf's buffer */
	assert_int_equal(sl_port_tx_burst(port, bufs, 3), 1);
	sl_port_stats_get(port, &st);
	assert_int_equal(st.rx_invalid - before.rx_invalid, 1);
	assert_int_equal(st.tx_full - before.tx_full, 1);
	bufs[1] = keep;
	/* Only the chain's first buffer: incomplete, not taken. */
	assert_int_equal(sl_port_tx_burst(port, bufs + 1, 1), 0);
	check_acct(2);
	assert_int_equal(sl_port_tx_burst(port, bufs + 1, 2), 2);
	assert_int_equal(sl_port_rx_burst(port, bufs, 8), 3);
	check_bytes(bufs, 1, 64, 8);
	check_bytes(bufs + 1, 2, 2 * ROOM, 9);
	sl_port_free(port, bufs, 3);
	check_acct(0);
}

static void test_kstats(void **state)
{
	struct sl_port_kstats k = { 0 };

	(void)state;
	assert_int_equal(port->ops->kstats(port, &k), 0);
	assert_int_equal(k.rx_ring_full + k.fill_empty + k.rx_dropped, 0);
	assert_int_equal(sl_port_service(port, true, 1), 0);
}

static int setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_port_dpdk", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=*:warning", "--vdev=net_ring0", prefix, NULL };
	struct rte_eth_conf conf;
	struct sl_dpdk_port_opts o = { 0 };

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=sltest-%ld", (long)getpid());
	if (rte_eal_init(10, argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("sl_test", FRAMES, 0, 0, ROOM + RTE_PKTMBUF_HEADROOM,
				     SOCKET_ID_ANY);
	if (!mp || rte_eth_dev_get_port_by_name("net_ring0", &port_id))
		return -1;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port_id, 1, 1, &conf) ||
	    rte_eth_rx_queue_setup(port_id, 0, 512, SOCKET_ID_ANY, NULL, mp) ||
	    rte_eth_tx_queue_setup(port_id, 0, 512, SOCKET_ID_ANY, NULL) ||
	    rte_eth_dev_start(port_id))
		return -1;
	o.port_id = port_id;
	o.mp = mp;
	return sl_dpdk_port_open(&o, &port);
}

static int teardown(void **state)
{
	char dir[4096];

	(void)state;
	sl_port_close(port);
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	rte_mempool_free(mp);
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_chains),
		cmocka_unit_test(test_rx_whole_packets),
		cmocka_unit_test(test_tx_rebuilds),
		cmocka_unit_test(test_tx_refuses),
		cmocka_unit_test(test_kstats),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (the DPDK EAL)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
