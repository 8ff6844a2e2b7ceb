/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Userspace stages: the reflect stage's byte-exact swaps (IPv4, IPv6,
 * VLAN, extension headers, fragments, truncated frames), that its output
 * keeps valid checksums, and the pipeline's order and per-stage counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/stage.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return 2;
}

/* Ones'-complement sum of len bytes, folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet [+ VLAN] + IPv4 + UDP with valid checksums. Returns the length. */
static size_t build_udp4(uint8_t *f, bool vlan, uint16_t frag_off, uint16_t sport, uint16_t dport)
{
	size_t off = 12, ip, l4, plen = 8;
	uint32_t sum;

	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	if (vlan) {
		off += put16(f + off, 0x8100);
		off += put16(f + off, 42);
	}
	off += put16(f + off, 0x0800);
	ip = off;
	memset(f + ip, 0, 20);
	f[ip] = 0x45;
	put16(f + ip + 2, (uint16_t)(20 + 8 + plen));
	put16(f + ip + 6, frag_off);
	f[ip + 8] = 64;
	f[ip + 9] = IPPROTO_UDP;
	inet_pton(AF_INET, "198.18.0.2", f + ip + 12);
	inet_pton(AF_INET, "198.18.0.1", f + ip + 16);
	put16(f + ip + 10, csum_fold(csum_add(0, f + ip, 20)));
	l4 = ip + 20;
	put16(f + l4, sport);
	put16(f + l4 + 2, dport);
	put16(f + l4 + 4, (uint16_t)(8 + plen));
	put16(f + l4 + 6, 0);
	memcpy(f + l4 + 8, "slstdata", plen);
	sum = csum_add(0, f + ip + 12, 8) + IPPROTO_UDP + 8 + plen;
	put16(f + l4 + 6, csum_fold(csum_add(sum, f + l4, 8 + plen)));
	return l4 + 8 + plen;
}

static bool ip4_csums_ok(const uint8_t *f, size_t ip)
{
	size_t l4 = ip + 20, ulen = (size_t)(f[l4 + 4] << 8 | f[l4 + 5]);
	uint32_t sum;

	if (csum_fold(csum_add(0, f + ip, 20)) != 0)
		return false;
	sum = csum_add(0, f + ip + 12, 8) + IPPROTO_UDP + (uint32_t)ulen;
	return csum_fold(csum_add(sum, f + l4, ulen)) == 0;
}

static void test_reflect_ipv4(void **state)
{
	uint8_t f[128], orig[128];
	size_t len = build_udp4(f, false, 0, 40000, 7777);

	(void)state;
	memcpy(orig, f, len);
	assert_true(ip4_csums_ok(f, 14));
	assert_int_equal(sl_reflect_frame(f, (uint32_t)len), 0);
	assert_memory_equal(f, mac_a, 6);
	assert_memory_equal(f + 6, mac_b, 6);
	assert_memory_equal(f + 14 + 12, orig + 14 + 16, 4);
	assert_memory_equal(f + 14 + 16, orig + 14 + 12, 4);
	assert_memory_equal(f + 34, orig + 36, 2);
	assert_memory_equal(f + 36, orig + 34, 2);
	/* Nothing else moved, and both checksums still hold. */
	assert_memory_equal(f + 12, orig + 12, 14);
	assert_memory_equal(f + 38, orig + 38, len - 38);
	assert_true(ip4_csums_ok(f, 14));
	/* Twice is the identity. */
	assert_int_equal(sl_reflect_frame(f, (uint32_t)len), 0);
	assert_memory_equal(f, orig, len);
}

static void test_reflect_vlan_and_fragment(void **state)
{
	uint8_t f[128], orig[128];
	size_t len = build_udp4(f, true, 0, 1234, 53);

	(void)state;
	memcpy(orig, f, len);
	assert_int_equal(sl_reflect_frame(f, (uint32_t)len), 0);
	assert_memory_equal(f + 18 + 12, orig + 18 + 16, 4);
	assert_memory_equal(f + 38, orig + 40, 2);
	assert_true(ip4_csums_ok(f, 18));

	/* A non-first fragment: addresses swapped, its first bytes are payload, not ports. */
	len = build_udp4(f, false, 185, 1234, 53);
	memcpy(orig, f, len);
	assert_int_equal(sl_reflect_frame(f, (uint32_t)len), 0);
	assert_memory_equal(f + 14 + 12, orig + 14 + 16, 4);
	assert_memory_equal(f + 34, orig + 34, 4);
}

static void test_reflect_ipv6_ext(void **state)
{
	uint8_t f[160], orig[160];
	size_t off = 0;

	(void)state;
	memset(f, 0, sizeof(f));
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	put16(f + 12, 0x86dd);
	off = 14;
	f[off] = 0x60;
	put16(f + off + 4, 8 + 8 + 8);
	f[off + 6] = 0; /* hop-by-hop options first */
	f[off + 7] = 64;
	inet_pton(AF_INET6, "2001:db8::2", f + off + 8);
	inet_pton(AF_INET6, "2001:db8::1", f + off + 24);
	off += 40;
	f[off] = IPPROTO_UDP; /* hop-by-hop: next header, length 0 (8 bytes) */
	off += 8;
	put16(f + off, 5555);
	put16(f + off + 2, 7777);
	put16(f + off + 4, 16);
	off += 16;
	memcpy(orig, f, off);
	assert_int_equal(sl_reflect_frame(f, (uint32_t)off), 0);
	assert_memory_equal(f + 14 + 8, orig + 14 + 24, 16);
	assert_memory_equal(f + 14 + 24, orig + 14 + 8, 16);
	assert_memory_equal(f + 62, orig + 64, 2);
	assert_memory_equal(f + 64, orig + 62, 2);
}

static void test_reflect_truncated(void **state)
{
	uint8_t f[128], orig[128];
	size_t len = build_udp4(f, false, 0, 1, 2);
	uint32_t cut;

	(void)state;
	assert_int_equal(sl_reflect_frame(f, 10), -EINVAL);
	/* Cut inside the IPv4 header and inside the UDP header: refused. */
	for (cut = 15; cut < 34; cut++) {
		len = build_udp4(f, false, 0, 1, 2);
		assert_int_equal(sl_reflect_frame(f, cut), -EINVAL);
	}
	len = build_udp4(f, false, 0, 1, 2);
	memcpy(orig, f, len);
	assert_int_equal(sl_reflect_frame(f, 38), -EINVAL);
	/* All or nothing beyond the MACs: the addresses were not swapped either. */
	assert_memory_equal(f + 12, orig + 12, len - 12);
	memcpy(f, orig, len);
	assert_int_equal(sl_reflect_frame(f, (uint32_t)len), 0);
	/* A frame that is not IP only has its MACs swapped. */
	put16(f + 12, 0x0806);
	assert_int_equal(sl_reflect_frame(f, 42), 0);
}

/* A test stage: drops packets whose first byte is odd, leaves the rest. */
static void odd_run(void *state, struct sl_stage_pkt *pkts, uint32_t n)
{
	uint32_t i;

	(*(int *)state)++;
	for (i = 0; i < n; i++)
		if (pkts[i].verdict == SL_SV_CONTINUE && (pkts[i].bufs[0].data[0] & 1))
			pkts[i].verdict = SL_SV_DROP;
}

static void test_pipeline(void **state)
{
	const char names[2][16] = { "reflect", "nope" };
	struct sl_stage_env env = { .ifname = "slst0", .queue = 0 };
	struct sl_pipeline pl;
	uint8_t frames[4][64];
	struct sl_buf bufs[4];
	struct sl_stage_pkt pkts[4];
	int calls = 0;
	uint32_t i;

	(void)state;
	assert_non_null(sl_stage_find("reflect"));
	assert_non_null(sl_stage_find("drop"));
	assert_null(sl_stage_find("inspect-nothing"));
	assert_int_equal(sl_pipeline_open(&pl, names, 2, &env), -ENOENT);
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), 0);
	/* A test stage in front of reflect, by hand. */
	pl.ops[1] = pl.ops[0];
	pl.state[1] = pl.state[0];
	{
		static const struct sl_stage_ops odd = { .name = "odd", .run = odd_run };

		pl.ops[0] = &odd;
		pl.state[0] = &calls;
	}
	pl.n = 2;
	for (i = 0; i < 4; i++) {
		build_udp4(frames[i], false, 0, 1000, 2000);
		frames[i][0] = (uint8_t)i; /* odd first bytes for 1 and 3 */
		bufs[i] = (struct sl_buf){ .data = frames[i], .len = 50 };
		pkts[i] = (struct sl_stage_pkt){ .bufs = &bufs[i], .nbufs = 1, .len = 50 };
	}
	pkts[3].verdict = SL_SV_DROP; /* decided before the pipeline: no stage touches it */
	sl_pipeline_run(&pl, pkts, 4);
	assert_int_equal(calls, 1);
	assert_int_equal(pkts[0].verdict, SL_SV_TX);
	assert_int_equal(pkts[1].verdict, SL_SV_DROP);
	assert_int_equal(pkts[2].verdict, SL_SV_TX);
	assert_int_equal(pkts[3].verdict, SL_SV_DROP);
	assert_int_equal(pl.counters[0].seen, 3);
	assert_int_equal(pl.counters[0].drop, 1);
	assert_int_equal(pl.counters[0].tx, 0);
	assert_int_equal(pl.counters[1].seen, 2);
	assert_int_equal(pl.counters[1].tx, 2);
	assert_int_equal(pl.counters[1].drop, 0);
	/* The reflected ones were swapped in place. */
	assert_memory_equal(frames[0], mac_a, 6);
	/* Nothing left undecided: later stages are not called. */
	sl_pipeline_run(&pl, pkts, 4);
	assert_int_equal(calls, 1);
	pl.ops[0] = pl.ops[1]; /* close only what the pipeline opened */
	pl.n = 1;
	sl_pipeline_close(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reflect_ipv4),
		cmocka_unit_test(test_reflect_vlan_and_fragment),
		cmocka_unit_test(test_reflect_ipv6_ext),
		cmocka_unit_test(test_reflect_truncated),
		cmocka_unit_test(test_pipeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
