/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow verdict cache (xdp/flowcache.h, docs/inspect.md) in the real
 * program: entries written the way the inspect stage writes them, with
 * keys from the stage's own frame parser, decide the flows a steer rule
 * matches instead of steering them; a deny is dropped and counted as
 * flow_deny, an allow passes; flows without an entry, UDP flows and
 * expired entries are steered (here: no socket, fail-closed, so dropped as
 * no_socket); flows no rule steers are never looked up; an active flow's
 * entry is pushed on; without `inspect.tls` in the config (so without
 * SL_CFG_FLOWCACHE) the lookup is not there at all.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>

#include "dataplane/inspect.h"
#include "pktbuild.h"
#include "xdp_harness.h"

/* TLS and DNS to 198.18.0.2 are steered, with no worker: fail-closed. The rest is accepted. */
#define RULES                                                                                      \
	"version: 1\n"                                                                             \
	"settings:\n"                                                                              \
	"  default_policy: accept\n"                                                               \
	"steering:\n"                                                                              \
	"  no_socket: drop\n"                                                                      \
	"rules:\n"                                                                                 \
	"  - {name: steer-tls, protocol: tcp, dport: [443, 8443], action: steer}\n"                \
	"  - {name: steer-dns, protocol: udp, dport: 53, action: steer}\n"

/* The loader sets SL_CFG_FLOWCACHE when the config inspects TLS. */
static int open_with_flowcache(struct xh *h, bool flowcache)
{
	int err = xh_open(h, flowcache ? RULES "inspect: {tls: {}}\n" : RULES, NULL);

	if (!err)
		assert_int_equal(!!(h->tables->prog_cfg.flags & SL_CFG_FLOWCACHE), flowcache);
	return err;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A TCP ACK (or UDP datagram) with 10 bytes of payload; its flow key as the inspect stage finds it. */
static size_t l4_frame(uint8_t *buf, size_t cap, int family, uint8_t l4, const char *src,
		       const char *dst, uint16_t sport, uint16_t dport, struct sl_flow_key *key)
{
	const uint8_t *pl;
	struct pb_spec s;
	size_t plen;
	int n;

	memset(&s, 0, sizeof(s));
	if (family == AF_INET)
		pb_spec_ip4(&s, src, dst, l4);
	else
		pb_spec_ip6(&s, src, dst, l4);
	s.sport = sport;
	s.dport = dport;
	s.tcp_flags = 0x10;
	s.payload_len = 10;
	n = pb_build(&s, buf, cap, NULL);
	assert_true(n > 0);
	assert_int_equal(sl_inspect_parse_frame(buf, (size_t)n, key, &pl, &plen), 0);
	assert_int_equal(plen, 10);
	return (size_t)n;
}

static void put(int fd, const struct sl_flow_key *k, uint8_t verdict, uint64_t expires,
		uint32_t ttl_s)
{
	struct sl_flow_verdict v = { .expires_ns = expires, .ttl_s = ttl_s, .verdict = verdict,
				     .source = SL_INSPECT_KIND_TLS };

	assert_int_equal(sl_inspect_cache_write(fd, k, &v), 0);
}

static void run(struct xh *h, const uint8_t *f, size_t n, uint32_t want_ret)
{
	uint32_t ret = 0;

	assert_int_equal(xh_run(h, f, n, 0, &ret), 0);
	assert_int_equal(ret, want_ret);
}

static void test_cached_verdicts(void **state)
{
	uint8_t a[256], b[256], rb[256], c6[256], u[256];
	struct sl_flow_key ka, kb, krb, k6, ku;
	struct sl_flow_verdict v;
	size_t na, nb, nrb, n6, nu;
	struct xh h;
	int fd;

	(void)state;
	assert_int_equal(open_with_flowcache(&h, true), 0);
	fd = sl_fw_map_fd(h.fw, "sl_flowcache");
	assert_true(fd >= 0);
	na = l4_frame(a, sizeof(a), AF_INET, IPPROTO_TCP, "198.18.0.1", "198.18.0.2", 40000, 443,
		      &ka);
	nb = l4_frame(b, sizeof(b), AF_INET, IPPROTO_TCP, "198.18.0.1", "198.18.0.2", 40001, 8443,
		      &kb);
	nrb = l4_frame(rb, sizeof(rb), AF_INET, IPPROTO_TCP, "198.18.0.2", "198.18.0.1", 8443,
		       40001, &krb);
	n6 = l4_frame(c6, sizeof(c6), AF_INET6, IPPROTO_TCP, "2001:db8::1", "2001:db8::2", 40002,
		      443, &k6);
	nu = l4_frame(u, sizeof(u), AF_INET, IPPROTO_UDP, "198.18.0.1", "198.18.0.2", 40003, 53,
		      &ku);

	/* No entries: steered, and with no socket dropped. */
	run(&h, a, na, XDP_DROP);
	assert_int_equal(xh_d_reason(&h, SL_REASON_NO_SOCKET), 1);

	/* An allow passes the flow instead of steering it; a deny drops it as flow_deny. */
	put(fd, &ka, SL_FLOW_PASS, now_ns() + 60000000000ull, 60);
	put(fd, &kb, SL_FLOW_DROP, now_ns() + 60000000000ull, 60);
	put(fd, &k6, SL_FLOW_DROP, now_ns() + 60000000000ull, 60);
	run(&h, a, na, XDP_PASS);
	assert_int_equal(xh_d_verdict(&h, SL_VERDICT_PASS), 1);
	assert_int_equal(xh_d_reason(&h, SL_REASON_NO_SOCKET), 0);
	run(&h, b, nb, XDP_DROP);
	assert_int_equal(xh_d_verdict(&h, SL_VERDICT_DROP), 1);
	assert_int_equal(xh_d_reason(&h, SL_REASON_FLOW_DENY), 1);
	assert_int_equal(xh_d_reason(&h, SL_REASON_NO_SOCKET), 0);
	run(&h, c6, n6, XDP_DROP);
	assert_int_equal(xh_d_reason(&h, SL_REASON_FLOW_DENY), 1);

	/* The reply direction is another key, and no rule steers it: accepted. */
	put(fd, &krb, SL_FLOW_DROP, now_ns() + 60000000000ull, 60);
	run(&h, rb, nrb, XDP_PASS);
	assert_int_equal(xh_d_reason(&h, SL_REASON_FLOW_DENY), 0);

	/* UDP flows are never looked up: only TLS (TCP) verdicts are cached. */
	put(fd, &ku, SL_FLOW_PASS, now_ns() + 60000000000ull, 60);
	run(&h, u, nu, XDP_DROP);
	assert_int_equal(xh_d_reason(&h, SL_REASON_NO_SOCKET), 1);

	/* An expired entry is ignored (a second ago: the program's coarse clock trails by a tick). */
	put(fd, &kb, SL_FLOW_DROP, now_ns() - 1000000000ull, 60);
	run(&h, b, nb, XDP_DROP);
	assert_int_equal(xh_d_reason(&h, SL_REASON_NO_SOCKET), 1);
	put(fd, &ka, SL_FLOW_PASS, now_ns() - 1000000000ull, 60);
	run(&h, a, na, XDP_DROP);
	assert_int_equal(xh_d_reason(&h, SL_REASON_NO_SOCKET), 1);

	/* A packet with less than half of the ttl left pushes the entry on by a full ttl. */
	put(fd, &kb, SL_FLOW_DROP, now_ns() + 1000000000ull, 10);
	run(&h, b, nb, XDP_DROP);
	assert_int_equal(xh_d_reason(&h, SL_REASON_FLOW_DENY), 1);
	assert_int_equal(bpf_map_lookup_elem(fd, &kb, &v), 0);
	assert_true(v.expires_ns > now_ns() + 8000000000ull);
	/* With more than half left it is not written. */
	put(fd, &kb, SL_FLOW_DROP, now_ns() + 9000000000ull, 10);
	run(&h, b, nb, XDP_DROP);
	assert_int_equal(bpf_map_lookup_elem(fd, &kb, &v), 0);
	assert_true(v.expires_ns < now_ns() + 9000000000ull);
	xh_close(&h);
}

/* Without the flag the program has no lookup: an entry changes nothing. */
static void test_pruned_without_flag(void **state)
{
	uint8_t a[256];
	struct sl_flow_key ka;
	size_t na;
	struct xh h;
	int fd;

	(void)state;
	assert_int_equal(open_with_flowcache(&h, false), 0);
	fd = sl_fw_map_fd(h.fw, "sl_flowcache");
	assert_true(fd >= 0);
	na = l4_frame(a, sizeof(a), AF_INET, IPPROTO_TCP, "198.18.0.1", "198.18.0.2", 40000, 443,
		      &ka);
	put(fd, &ka, SL_FLOW_PASS, now_ns() + 60000000000ull, 60);
	run(&h, a, na, XDP_DROP);
	assert_int_equal(xh_d_reason(&h, SL_REASON_NO_SOCKET), 1);
	xh_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_verdicts),
		cmocka_unit_test(test_pruned_without_flag),
	};
	int probe = xh_probe();

	if (probe == XH_SKIP)
		return XH_SKIP;
	if (probe)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
