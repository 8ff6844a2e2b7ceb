/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The steer action through the real program (docs/dataplane.md): a packet
 * a steer rule matches is redirected into the XSKMAP slot of its RX queue
 * when a socket is there (XDP_REDIRECT, verdict steer); without one the
 * no_socket policy applies: fail-open passes (verdict pass, the pass
 * counter of sl_steer_stats), fail-closed drops (reason no_socket). The
 * socket is a real AF_XDP socket bound to lo in copy mode.
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
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dataplane/xsk.h"
#include "pktbuild.h"
#include "xdp_harness.h"

#define CFG(policy)                                                                        \
	"version: 1\n"                                                                      \
	"settings: {default_policy: accept}\n"                                              \
	"rules:\n"                                                                          \
	"  - name: to-worker\n"                                                             \
	"    protocol: udp\n"                                                               \
	"    dport: 7777\n"                                                                 \
	"    action: steer\n"                                                               \
	"  - name: count-all\n"                                                             \
	"    action: count\n"                                                               \
	"steering: {no_socket: " policy "}\n"

/* sl_steer_stats[stat] summed over CPUs. */
static uint64_t steer_stat(struct xh *h, uint32_t stat)
{
	int fd = sl_fw_map_fd(h->fw, "sl_steer_stats"), ncpu = libbpf_num_possible_cpus(), i;
	struct sl_counter *v;
	uint64_t sum = 0;

	assert_true(fd >= 0 && ncpu > 0);
	v = calloc((size_t)ncpu, sizeof(*v));
	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(fd, &stat, v), 0);
	for (i = 0; i < ncpu; i++)
		sum += v[i].packets;
	free(v);
	return sum;
}

static int udp_frame(uint8_t *buf, size_t size, uint16_t dport, int family)
{
	struct pb_spec s = { .family = family, .l4 = IPPROTO_UDP, .sport = 40000, .dport = dport,
			     .payload_len = 18 };

	if (family == AF_INET) {
		inet_pton(AF_INET, "198.18.0.2", s.src);
		inet_pton(AF_INET, "198.18.0.1", s.dst);
	} else {
		inet_pton(AF_INET6, "2001:db8::2", s.src);
		inet_pton(AF_INET6, "2001:db8::1", s.dst);
	}
	return pb_build(&s, buf, size, NULL);
}

/* Runs one frame and checks the XDP action, verdict, reason and steer stat it moved. */
static void run_one(struct xh *h, int family, uint16_t dport, uint32_t xdp, uint32_t verdict,
		    uint32_t reason, int stat, const char *const *rules)
{
	uint64_t before[SL_STEER_STAT_COUNT], d;
	uint8_t buf[256];
	uint32_t ret = ~0u, i;
	const char *why;
	int len = udp_frame(buf, sizeof(buf), dport, family);

	assert_true(len > 0);
	for (i = 0; i < SL_STEER_STAT_COUNT; i++)
		before[i] = steer_stat(h, i);
	assert_int_equal(xh_run(h, buf, (size_t)len, 0, &ret), 0);
	if (ret != xdp)
		fail_msg("IPv%d port %u: XDP returned %u, want %u", family == AF_INET ? 4 : 6, dport,
			 ret, xdp);
	why = xh_check_deltas(h, (size_t)len, verdict, reason, rules);
	if (why)
		fail_msg("IPv%d port %u: %s", family == AF_INET ? 4 : 6, dport, why);
	for (i = 0; i < SL_STEER_STAT_COUNT; i++) {
		d = steer_stat(h, i) - before[i];
		if (d != ((int)i == stat))
			fail_msg("steer stat %u moved by %llu", i, (unsigned long long)d);
	}
}

static const char *const steered[] = { "to-worker", NULL };
static const char *const counted[] = { "count-all", NULL };

static void test_fail_open(void **state)
{
	struct xh h;
	int fam;

	(void)state;
	assert_int_equal(xh_open(&h, CFG("pass"), NULL), 0);
	assert_true(h.tables->prog_cfg.flags & SL_CFG_STEER);
	for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		run_one(&h, fam, 7777, XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE,
			SL_STEER_NO_SOCKET_PASS, steered);
		/* Not steered: the rules and the default as ever, no steer counter moves. */
		run_one(&h, fam, 7778, XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE, -1, counted);
	}
	xh_close(&h);
}

static void test_fail_closed(void **state)
{
	struct xh h;
	int fam;

	(void)state;
	assert_int_equal(xh_open(&h, CFG("drop"), NULL), 0);
	assert_true(h.tables->prog_cfg.flags & SL_CFG_STEER_DROP);
	for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		run_one(&h, fam, 7777, XDP_DROP, SL_VERDICT_DROP, SL_REASON_NO_SOCKET,
			SL_STEER_NO_SOCKET_DROP, steered);
		run_one(&h, fam, 7778, XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE, -1, counted);
	}
	xh_close(&h);
}

static void test_with_socket(void **state)
{
	struct sl_port *port = NULL;
	struct sl_xsk_info info;
	struct sl_diag diag = { { 0 } };
	uint8_t *umem;
	struct xh h;
	int fam, err;

	(void)state;
	assert_int_equal(xh_open(&h, CFG("drop"), NULL), 0);
	umem = aligned_alloc(4096, 64 * 4096);
	assert_non_null(umem);
	{
		struct sl_xsk_opts o = {
			.ifname = "lo", .queue = 0, .umem = umem, .frames = 64, .frame_size = 4096,
			.ring_size = 64, .max_frame = 1518, .zero_copy = SL_ZC_OFF,
			.xsks_fd = sl_fw_map_fd(h.fw, "sl_xsks"),
		};

		int tries;

		/* lo's queue 0 takes one socket: another run of this test may hold it a moment. */
		for (tries = 0; tries < 50; tries++) {
			err = sl_xsk_open(&o, &port, &info, &diag);
			if (err != -EBUSY)
				break;
			usleep(100 * 1000);
		}
	}
	if (err) {
		xh_close(&h);
		free(umem);
		if (err == -EOPNOTSUPP || err == -EAFNOSUPPORT)
			skip();
		fail_msg("AF_XDP socket on lo: %s", diag.msg);
	}
	assert_false(info.zero_copy);
	/* The socket is in the slot of queue 0, which the test run's packets arrive on. */
	for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		run_one(&h, fam, 7777, XDP_REDIRECT, SL_VERDICT_STEER, SL_REASON_NONE,
			SL_STEER_REDIRECTED, steered);
		run_one(&h, fam, 7778, XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE, -1, counted);
	}
	/* Taken out of the map: the policy (fail-closed here) is back at once. */
	sl_xsk_unmap(port);
	run_one(&h, AF_INET, 7777, XDP_DROP, SL_VERDICT_DROP, SL_REASON_NO_SOCKET,
		SL_STEER_NO_SOCKET_DROP, steered);
	sl_port_close(port);
	free(umem);
	xh_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_open),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_with_socket),
	};
	int probe = xh_probe();

	if (probe == XH_SKIP)
		return XH_SKIP;
	if (probe)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
