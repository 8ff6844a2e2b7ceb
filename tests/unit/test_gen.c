/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's userspace parts and the arithmetic its programs share
 * (sluice/gen_calc.h): packet templates checked by an independent parser
 * (tests/gen_verify.h), frame sizes and IMIX, address and port ranges and
 * the flow walk, pacing, histogram buckets and percentiles, sequence
 * accounting, the throughput search, rates.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "gen/flow.h"
#include "gen/hist.h"
#include "gen/pacer.h"
#include "gen/report.h"
#include "gen/search.h"
#include "gen/sizes.h"
#include "gen/template.h"
#include "sluice/gen_calc.h"
#include "tests/gen_verify.h"

static void spec_for(struct sl_gen_spec *s, int family, uint8_t l4, uint8_t flags, int vlan)
{
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

	memset(s, 0, sizeof(*s));
	s->family = family;
	s->l4 = l4;
	s->tcp_flags = flags;
	if (vlan >= 0) {
		s->has_vlan = 1;
		s->vlan = (uint16_t)vlan;
	}
	memset(s->dst_mac, 0xff, 6);
	memcpy(s->src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	if (family == AF_INET) {
		memcpy(s->src, "\xc6\x12\x00\x01", 4);
		memcpy(s->dst, "\xc6\x12\x00\x02", 4);
	} else {
		memcpy(s->src, src6, 16);
		memcpy(s->dst, dst6, 16);
	}
	s->sport = 40000;
	s->dport = 9;
	s->stream_base = 7;
}

/* Every family, protocol and tag, at the smallest size and at 1,518. */
static void test_template_checksums(void **state)
{
	const struct {
		uint8_t l4, flags;
	} protos[] = { { IPPROTO_UDP, 0 }, { IPPROTO_TCP, SL_GEN_TCP_SYN },
		       { IPPROTO_TCP, SL_GEN_TCP_ACK_PSH }, { IPPROTO_ICMP, 0 } };
	const int families[] = { AF_INET, AF_INET6 };
	uint8_t buf[2048];
	unsigned fi, pi, vi, k;

	(void)state;
	for (fi = 0; fi < 2; fi++) {
		for (pi = 0; pi < 4; pi++) {
			for (vi = 0; vi < 2; vi++) {
				struct sl_gen_spec s;
				struct sl_gen_layout lay;
				unsigned sizes[3];

				spec_for(&s, families[fi], protos[pi].l4, protos[pi].flags, vi ? 100 : -1);
				assert_int_equal(sl_gen_layout(&s, &lay), 0);
				sizes[0] = lay.min_size;
				sizes[1] = 577; /* odd: the checksum's padding byte */
				sizes[2] = lay.max_size;
				for (k = 0; k < 3; k++) {
					struct gv_frame f;
					int len = sl_gen_template_build(&s, sizes[k], buf, sizeof(buf));

					assert_int_equal(len, (int)sizes[k] - SL_GEN_FCS_LEN);
					if (!gv_parse(buf, (size_t)len, &f))
						fail_msg("family %d proto %u vlan %u size %u: %s", families[fi],
							 protos[pi].l4, vi, sizes[k], f.why);
					assert_int_equal(f.family, families[fi] == AF_INET ? 4 : 6);
					assert_int_equal(f.vlan, vi ? 100 : -1);
					assert_int_equal(f.l4, lay.l4);
					assert_int_equal(f.l3_off, lay.l3_off);
					assert_int_equal(f.l4_off, lay.l4_off);
					assert_int_equal(f.payload_off, lay.payload_off);
					assert_int_equal(f.magic, SL_GEN_MAGIC);
					assert_int_equal(f.stream, 7);
					assert_int_equal(f.seq, 0);
					assert_int_equal(f.sport, 40000);
					if (lay.l4 == IPPROTO_TCP)
						assert_int_equal(buf[lay.l4_off + 13], protos[pi].flags);
					if (lay.l4 == IPPROTO_UDP || lay.l4 == IPPROTO_TCP)
						assert_int_equal(f.dport, 9);
					else
						assert_int_equal(f.icmp_type, families[fi] == AF_INET ? 8 : 128);
					assert_int_equal(f.dst_last, families[fi] == AF_INET ? 0xc6120002 : 2);
				}
				/* Outside the sizes, and a buffer too small. */
				assert_int_equal(sl_gen_template_build(&s, lay.min_size - 1, buf, sizeof(buf)),
						 -EINVAL);
				assert_int_equal(sl_gen_template_build(&s, lay.max_size + 1, buf, sizeof(buf)),
						 -EINVAL);
				assert_int_equal(sl_gen_template_build(&s, lay.min_size, buf, 10), -ENOSPC);
			}
		}
	}
}

static void test_layout_limits(void **state)
{
	struct sl_gen_spec s;
	struct sl_gen_layout lay;

	(void)state;
	spec_for(&s, AF_INET, IPPROTO_UDP, 0, -1);
	assert_int_equal(sl_gen_layout(&s, &lay), 0);
	assert_int_equal(lay.min_size, 64); /* 14 + 20 + 8 + 16 + 4 = 62, raised to 64 */
	assert_int_equal(lay.max_size, 1518);
	spec_for(&s, AF_INET6, IPPROTO_TCP, SL_GEN_TCP_SYN, 5);
	assert_int_equal(sl_gen_layout(&s, &lay), 0);
	assert_int_equal(lay.min_size, 18 + 40 + 20 + 16 + 4);
	assert_int_equal(lay.max_size, 1522);
	s.vlan = 4096;
	assert_int_equal(sl_gen_layout(&s, &lay), -EINVAL);
	spec_for(&s, AF_INET, IPPROTO_SCTP, 0, -1);
	assert_int_equal(sl_gen_layout(&s, &lay), -EINVAL);
	spec_for(&s, 0, IPPROTO_UDP, 0, -1);
	assert_int_equal(sl_gen_layout(&s, &lay), -EINVAL);
}

/* The incremental update agrees with a checksum computed from scratch. */
static void test_csum_incremental(void **state)
{
	uint8_t buf[64];
	unsigned i, k;

	(void)state;
	srand(1);
	for (k = 0; k < 2000; k++) {
		uint16_t csum, w_old, w_new;
		uint32_t acc;
		unsigned at = (unsigned)rand() % 31;

		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rand();
		buf[0] = buf[1] = 0;
		csum = sl_gen_csum_finish(sl_gen_csum_add(0, buf, sizeof(buf)));
		buf[0] = (uint8_t)(csum >> 8);
		buf[1] = (uint8_t)csum;
		assert_true(gv_ok(gv_sum(buf, sizeof(buf))));
		/* Change one word (as stored in memory) and update the checksum field. */
		memcpy(&w_old, buf + 2 + 2 * at, 2);
		w_new = (uint16_t)rand();
		memcpy(buf + 2 + 2 * at, &w_new, 2);
		memcpy(&csum, buf, 2);
		acc = sl_gen_csum_start(csum);
		acc = sl_gen_csum_word(acc, w_old, w_new);
		csum = sl_gen_csum_fold(acc);
		memcpy(buf, &csum, 2);
		assert_true(gv_ok(gv_sum(buf, sizeof(buf))));
	}
}

static void test_sizes_parse(void **state)
{
	struct sl_gen_sizes sz;
	const char *why;
	uint16_t sched[SL_GEN_SIZE_SCHED];
	unsigned counts[3] = { 0 }, i, run = 0, max_run = 0;
	int n;

	(void)state;
	assert_int_equal(sl_gen_sizes_parse("imix", 64, 1518, &sz, &why), 0);
	assert_int_equal(sz.n, 3);
	assert_int_equal(sz.size[0], 64);
	assert_int_equal(sz.weight[0], 7);
	assert_int_equal(sz.size[1], 576);
	assert_int_equal(sz.weight[1], 4);
	assert_int_equal(sz.size[2], 1500);
	assert_int_equal(sz.weight[2], 1);
	assert_true(fabs(sl_gen_sizes_mean(&sz) - (64.0 * 7 + 576 * 4 + 1500) / 12) < 1e-9);
	assert_int_equal(sl_gen_sizes_max(&sz), 1500);

	/* The schedule has each size exactly its weight, spread out. */
	n = sl_gen_sizes_schedule(&sz, sched, SL_GEN_SIZE_SCHED);
	assert_int_equal(n, 12);
	for (i = 0; i < (unsigned)n; i++) {
		counts[sched[i] == 60 ? 0 : sched[i] == 572 ? 1 : 2]++;
		run = sched[i] == 60 ? run + 1 : 0;
		max_run = run > max_run ? run : max_run;
	}
	assert_int_equal(counts[0], 7);
	assert_int_equal(counts[1], 4);
	assert_int_equal(counts[2], 1);
	assert_true(max_run <= 3);

	assert_int_equal(sl_gen_sizes_parse("128", 64, 1518, &sz, &why), 0);
	assert_int_equal(sz.n, 1);
	assert_int_equal(sz.weight[0], 1);
	assert_int_equal(sl_gen_sizes_parse("64,128,1518", 64, 1518, &sz, &why), 0);
	assert_int_equal(sz.n, 3);
	assert_int_equal(sl_gen_sizes_schedule(&sz, sched, SL_GEN_SIZE_SCHED), 3);
	assert_int_equal(sl_gen_sizes_parse("100:200,200:100", 64, 1518, &sz, &why), 0);
	assert_int_equal(sl_gen_sizes_schedule(&sz, sched, SL_GEN_SIZE_SCHED), -E2BIG);

	assert_int_equal(sl_gen_sizes_parse("", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("63", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("1519", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64,", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64:0", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64:x", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("-64", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64,64,64,64,64,64,64,64,64,64,64,64,64,64,64,64,64", 64,
					    1518, &sz, &why),
			 -EINVAL);
	/* IPv6 cannot use imix's 64. */
	assert_int_equal(sl_gen_sizes_parse("imix", 82, 1518, &sz, &why), -EINVAL);
}

static void test_ranges(void **state)
{
	struct sl_gen_range r;
	uint8_t first[16];
	const char *why;
	int fam;

	(void)state;
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1", &fam, first, &r, &why), 0);
	assert_int_equal(fam, AF_INET);
	assert_int_equal(r.base, 0xc6120001);
	assert_int_equal(r.count, 1);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.10-198.18.1.9", &fam, first, &r, &why), 0);
	assert_int_equal(r.base, 0xc612000a);
	assert_int_equal(r.count, 256);
	assert_int_equal(sl_gen_parse_addr_range("198.18.7.7/24", &fam, first, &r, &why), 0);
	assert_int_equal(r.base, 0xc6120700);
	assert_int_equal(r.count, 256);
	assert_memory_equal(first, "\xc6\x12\x07\x00", 4);
	assert_int_equal(sl_gen_parse_addr_range("0.0.0.0/0", &fam, first, &r, &why), 0);
	assert_true(r.count == 1ull << 32);
	assert_int_equal(sl_gen_parse_addr_range("2001:db8::1-2001:db8::100", &fam, first, &r, &why), 0);
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(r.base, 1);
	assert_int_equal(r.count, 256);
	assert_int_equal(sl_gen_parse_addr_range("2001:db8::ff:0/112", &fam, first, &r, &why), 0);
	assert_int_equal(r.base, 0xff0000);
	assert_int_equal(r.count, 65536);

	/* Empty, mixed, malformed, too wide for IPv6. */
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.10-198.18.0.5", &fam, first, &r, &why),
			 -EINVAL);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1-2001:db8::1", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1/33", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("2001:db8::/64", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("2001:db8::1-2001:db9::1", &fam, first, &r, &why),
			 -EINVAL);

	assert_int_equal(sl_gen_parse_port_range("53", &r, &why), 0);
	assert_int_equal(r.base, 53);
	assert_int_equal(r.count, 1);
	assert_int_equal(sl_gen_parse_port_range("0-65535", &r, &why), 0);
	assert_int_equal(r.count, 65536);
	assert_int_equal(sl_gen_parse_port_range("100-99", &r, &why), -EINVAL);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(sl_gen_parse_port_range("65536", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("1-", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("x", &r, &why), -EINVAL);
}

static struct sl_gen_flow_cfg flow_cfg(uint32_t ns, uint32_t nd, uint32_t nsp, uint32_t ndp)
{
	struct sl_gen_flow_cfg c = { 0 };

	c.src.base = 0xc6120000;
	c.src.count = ns;
	c.dst.base = 0xc6130000;
	c.dst.count = nd;
	c.sport.base = 1000;
	c.sport.count = nsp;
	c.dport.base = 65530;
	c.dport.count = ndp;
	return c;
}

/* Sequential: one period visits every flow exactly once, source fastest. */
static void test_flow_sequential(void **state)
{
	struct sl_gen_flow_cfg c = flow_cfg(5, 3, 4, 6);
	static uint8_t seen[5][3][4][6];
	const uint32_t rnd[4] = { 0 };
	struct sl_gen_flow f;
	uint64_t n, period = sl_gen_flow_count(&c);

	(void)state;
	assert_int_equal(period, 360);
	memset(seen, 0, sizeof(seen));
	for (n = 0; n < period; n++) {
		sl_gen_flow_pick(&c, n, rnd, &f);
		assert_true(f.src >= 0xc6120000 && f.src < 0xc6120005);
		assert_true(f.dst >= 0xc6130000 && f.dst < 0xc6130003);
		assert_true(f.sport >= 1000 && f.sport < 1004);
		assert_true(f.dport >= 65530);
		if (n == 1)
			assert_int_equal(f.src, 0xc6120001);
		seen[f.src - 0xc6120000][f.dst - 0xc6130000][f.sport - 1000][f.dport - 65530]++;
	}
	for (n = 0; n < period; n++)
		assert_int_equal(((uint8_t *)seen)[n], 1);
	/* The next period starts over. */
	sl_gen_flow_pick(&c, period, rnd, &f);
	assert_int_equal(f.src, 0xc6120000);
	assert_int_equal(f.dport, 65530);
}

/* Random: every value of each range is drawn, none outside. */
static void test_flow_random(void **state)
{
	struct sl_gen_flow_cfg c = flow_cfg(50, 7, 1, 65536 - 65530);
	unsigned hit_src[50] = { 0 }, hit_dst[7] = { 0 }, i;
	struct sl_gen_flow f;
	uint32_t rnd[4];

	(void)state;
	c.random = 1;
	srand(2);
	for (i = 0; i < 20000; i++) {
		rnd[0] = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		rnd[1] = (uint32_t)rand();
		rnd[2] = (uint32_t)rand();
		rnd[3] = (uint32_t)rand();
		sl_gen_flow_pick(&c, i, rnd, &f);
		assert_true(f.src - 0xc6120000 < 50);
		assert_true(f.dst - 0xc6130000 < 7);
		assert_int_equal(f.sport, 1000);
		assert_true(f.dport >= 65530);
		hit_src[f.src - 0xc6120000]++;
		hit_dst[f.dst - 0xc6130000]++;
	}
	for (i = 0; i < 50; i++)
		assert_true(hit_src[i] > 0);
	for (i = 0; i < 7; i++)
		assert_true(hit_dst[i] > 0);
	/* A range of all 2^32 addresses: the largest random number stays in it. */
	c.src.base = 0;
	c.src.count = 1ull << 32;
	rnd[0] = UINT32_MAX;
	sl_gen_flow_pick(&c, 0, rnd, &f);
	assert_int_equal(f.src, UINT32_MAX);
}

/* Runs the program's pacing step every step_ns for secs; returns packets sent. */
static uint64_t simulate(struct sl_gen_tx_slot *s, uint64_t t0, double secs, uint64_t step_ns,
			 uint64_t stall_every, uint64_t stall_ns, unsigned *max_b2b)
{
	uint64_t now = t0, end = t0 + (uint64_t)(secs * 1e9), sent = 0, k = 0;
	unsigned run = 0;

	*max_b2b = 0;
	while (now < end) {
		if (sl_gen_pace_due(s, now)) {
			sent++;
			run++;
			*max_b2b = run > *max_b2b ? run : *max_b2b;
		} else {
			run = 0;
		}
		now += step_ns;
		if (stall_every && ++k % stall_every == 0) {
			now += stall_ns;
			run = 0; /* a burst is counted from the end of a stall */
		}
	}
	return sent;
}

static void test_pacer(void **state)
{
	const double rates[] = { 1000, 20000, 1e6, 3.3e6 };
	struct sl_gen_tx_slot s;
	unsigned i, b2b;
	uint64_t sent;

	(void)state;
	for (i = 0; i < 4; i++) {
		/* A run every 100 ns: exact over a second, never two in a row. */
		memset(&s, 0, sizeof(s));
		assert_int_equal(sl_gen_pace_init(&s, rates[i], 64, 5000), 0);
		sent = simulate(&s, 5000, 1.0, 100, 0, 0, &b2b);
		assert_true(fabs((double)sent - rates[i]) <= 1);
		assert_true(b2b <= 1);
		assert_int_equal(s.given_up_ns, 0);
	}
	/* 1 Mpps with a 20 us stall every ms: made up in bursts of at most 64 packets. */
	memset(&s, 0, sizeof(s));
	sl_gen_pace_init(&s, 1e6, 64, 0);
	sent = simulate(&s, 0, 1.0, 100, 10000, 20000, &b2b);
	assert_true(fabs((double)sent - 1e6) <= 64);
	assert_true(b2b <= 64 + 1);
	assert_true(b2b >= 20);
	/* With a burst of 4, the same stalls cost packets, counted as given up. */
	memset(&s, 0, sizeof(s));
	sl_gen_pace_init(&s, 1e6, 4, 0);
	sent = simulate(&s, 0, 1.0, 100, 10000, 20000, &b2b);
	assert_true(b2b <= 4 + 1);
	assert_true(sent < 1e6 * 0.99);
	assert_true(s.given_up_ns > 0);
	/* Unpaced: always due. Bad rates are refused. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(sl_gen_pace_init(&s, 0, 64, 0), 0);
	assert_int_equal(sl_gen_pace_due(&s, 0), 1);
	assert_int_equal(sl_gen_pace_init(&s, -1, 64, 0), -EINVAL);
	assert_int_equal(sl_gen_pace_init(&s, NAN, 64, 0), -EINVAL);
	/* 1e10 pps: an interval below a nanosecond is still paced. */
	assert_int_equal(sl_gen_pace_init(&s, 1e10, 1, 0), 0);
	assert_true(s.interval_ns == 0 && s.interval_frac > 0);
}

static void test_hist_buckets(void **state)
{
	unsigned i;
	uint64_t v;

	(void)state;
	for (v = 0; v < 16; v++)
		assert_int_equal(sl_gen_hist_bucket(v), v);
	assert_int_equal(sl_gen_hist_bucket(16), 16);
	assert_int_equal(sl_gen_hist_bucket(31), 31);
	assert_int_equal(sl_gen_hist_bucket(32), 32);
	assert_int_equal(sl_gen_hist_bucket(UINT64_MAX), SL_GEN_HIST_BUCKETS - 1);
	assert_int_equal(sl_gen_hist_bucket(1ull << 40), SL_GEN_HIST_BUCKETS - 1);
	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++) {
		uint64_t lo = sl_gen_hist_lower(i), hi = sl_gen_hist_upper(i);

		assert_int_equal(sl_gen_hist_bucket(lo), i);
		assert_true(hi >= lo);
		if (i + 1 < SL_GEN_HIST_BUCKETS) {
			assert_int_equal(sl_gen_hist_bucket(hi), i);
			assert_int_equal(sl_gen_hist_bucket(hi + 1), i + 1);
			/* Relative width at most 1/16. */
			assert_true((double)(hi - lo) <= (double)lo / 16 + 1);
		}
	}
	/* Monotonic over a sweep of values. */
	for (v = 1; v < (1ull << 41); v = v * 3 / 2 + 1)
		assert_true(sl_gen_hist_bucket(v) >= sl_gen_hist_bucket(v - 1));
}

static void test_percentiles(void **state)
{
	static uint64_t h[SL_GEN_HIST_BUCKETS];
	struct sl_gen_lat lat;
	uint64_t v, p;

	(void)state;
	memset(h, 0, sizeof(h));
	assert_int_equal(sl_gen_hist_percentile(h, 50, 0), 0);
	/* 1..10: exact buckets. */
	for (v = 1; v <= 10; v++)
		h[sl_gen_hist_bucket(v)]++;
	assert_int_equal(sl_gen_hist_percentile(h, 50, 10), 5);
	assert_int_equal(sl_gen_hist_percentile(h, 90, 10), 9);
	assert_int_equal(sl_gen_hist_percentile(h, 99, 10), 10);
	assert_int_equal(sl_gen_hist_percentile(h, 100, 10), 10);
	assert_int_equal(sl_gen_hist_percentile(h, 10, 10), 1);
	/* 1,000 to 1,000,000 ns in 1,000 steps: within the bucket error of the truth. */
	memset(h, 0, sizeof(h));
	for (v = 1; v <= 1000; v++)
		h[sl_gen_hist_bucket(v * 1000)]++;
	p = sl_gen_hist_percentile(h, 50, 1000000);
	assert_true(p >= 500000 && p <= 500000 * 17 / 16);
	p = sl_gen_hist_percentile(h, 99, 1000000);
	assert_true(p >= 990000 && p <= 1000000);
	p = sl_gen_hist_percentile(h, 99.9, 1000000);
	assert_true(p >= 999000 && p <= 1000000);
	/* The max clamps the last bucket's upper bound. */
	assert_int_equal(sl_gen_hist_percentile(h, 100, 1000000), 1000000);
	sl_gen_lat_summary(h, 1000000, 500500000, &lat);
	assert_int_equal(lat.samples, 1000);
	assert_true(fabs(lat.mean - 500500) < 1e-6);
	assert_true(lat.p50 <= lat.p90 && lat.p90 <= lat.p99 && lat.p99 <= lat.p999 &&
		    lat.p999 <= lat.max);
}

static void test_seq_accounting(void **state)
{
	static struct sl_gen_seq s;
	uint32_t q;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* 0..9 in order. */
	for (q = 0; q < 10; q++)
		assert_int_equal(sl_gen_seq_account(&s, q), SL_GEN_SEQ_IN_ORDER);
	assert_int_equal(s.received, 10);
	assert_int_equal(s.lost, 0);
	/* 13: a gap of 3 (10, 11, 12). */
	assert_int_equal(sl_gen_seq_account(&s, 13), SL_GEN_SEQ_GAP);
	assert_int_equal(s.lost, 3);
	/* 11 arrives late: reordered, one fewer lost; again: a duplicate. */
	assert_int_equal(sl_gen_seq_account(&s, 11), SL_GEN_SEQ_REORDERED);
	assert_int_equal(s.lost, 2);
	assert_int_equal(s.reordered, 1);
	assert_int_equal(sl_gen_seq_account(&s, 11), SL_GEN_SEQ_DUPLICATE);
	assert_int_equal(sl_gen_seq_account(&s, 13), SL_GEN_SEQ_DUPLICATE);
	assert_int_equal(sl_gen_seq_account(&s, 5), SL_GEN_SEQ_DUPLICATE);
	assert_int_equal(s.duplicate, 3);
	assert_int_equal(s.received, 12);
	/* Jump far ahead, then a packet older than the window: late. */
	assert_int_equal(sl_gen_seq_account(&s, 13 + 2 * SL_GEN_SEQ_WINDOW), SL_GEN_SEQ_GAP);
	assert_int_equal(s.lost, 2 + 2 * SL_GEN_SEQ_WINDOW - 1);
	assert_int_equal(sl_gen_seq_account(&s, 12), SL_GEN_SEQ_LATE);
	assert_int_equal(s.late, 1);
	assert_int_equal(s.lost, 2 + 2 * SL_GEN_SEQ_WINDOW - 2);
	/* An unseen number inside the window fills its gap. */
	assert_int_equal(sl_gen_seq_account(&s, 13 + 2 * SL_GEN_SEQ_WINDOW - 1), SL_GEN_SEQ_REORDERED);

	/* Wrapping at 2^32, and a stream that starts at a non-zero number. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(sl_gen_seq_account(&s, UINT32_MAX - 1), SL_GEN_SEQ_IN_ORDER);
	assert_int_equal(sl_gen_seq_account(&s, UINT32_MAX), SL_GEN_SEQ_IN_ORDER);
	assert_int_equal(sl_gen_seq_account(&s, 0), SL_GEN_SEQ_IN_ORDER);
	assert_int_equal(sl_gen_seq_account(&s, 2), SL_GEN_SEQ_GAP);
	assert_int_equal(sl_gen_seq_account(&s, 1), SL_GEN_SEQ_REORDERED);
	assert_int_equal(sl_gen_seq_account(&s, UINT32_MAX), SL_GEN_SEQ_DUPLICATE);
	assert_int_equal(s.received, 5);
	assert_int_equal(s.lost, 0);
	assert_int_equal(s.reordered, 1);
	assert_int_equal(s.duplicate, 1);

	/* Every 10th of 10,000 dropped, pairs swapped elsewhere. */
	memset(&s, 0, sizeof(s));
	for (q = 0; q < 10000; q += 2) {
		if (q % 10 == 4) {
			sl_gen_seq_account(&s, q + 1);
			sl_gen_seq_account(&s, q);
			continue;
		}
		if (q % 10 != 0)
			sl_gen_seq_account(&s, q);
		sl_gen_seq_account(&s, q + 1);
	}
	assert_int_equal(s.received, 9000);
	assert_int_equal(s.lost, 999); /* 0 was never seen either, but it began the stream at 1 */
	assert_int_equal(s.reordered, 1000);
	assert_int_equal(s.duplicate, 0);
}

/* A device that loses packets above `capacity` pps. */
static void test_search(void **state)
{
	const double caps[] = { 123456, 1e6, 9999999 };
	struct sl_gen_search s;
	unsigned i;
	double r;

	(void)state;
	for (i = 0; i < 3; i++) {
		sl_gen_search_init(&s, 5e6, 0.01, 30);
		while ((r = sl_gen_search_next(&s)) > 0)
			sl_gen_search_record(&s, r, r <= caps[i]);
		r = sl_gen_search_result(&s);
		if (caps[i] >= 5e6) {
			assert_true(r == 5e6);
			assert_int_equal(s.trials, 1);
		} else {
			assert_true(r <= caps[i]);
			assert_true(r >= caps[i] - 0.01 * 5e6);
			assert_true(s.trials <= 9);
		}
	}
	/* Nothing passes: 0, after at most max_trials. */
	sl_gen_search_init(&s, 5e6, 0.001, 5);
	while ((r = sl_gen_search_next(&s)) > 0)
		sl_gen_search_record(&s, r, false);
	assert_true(sl_gen_search_result(&s) == 0);
	assert_int_equal(s.trials, 5);
}

static void test_rate_parse(void **state)
{
	double pps, bps;

	(void)state;
	assert_int_equal(sl_gen_parse_rate("10000", &pps, &bps), 0);
	assert_true(pps == 10000 && bps == 0);
	assert_int_equal(sl_gen_parse_rate("1.5M", &pps, &bps), 0);
	assert_true(pps == 1.5e6);
	assert_int_equal(sl_gen_parse_rate("20kpps", &pps, &bps), 0);
	assert_true(pps == 20000);
	assert_int_equal(sl_gen_parse_rate("100Mbit", &pps, &bps), 0);
	assert_true(bps == 1e8 && pps == 0);
	assert_int_equal(sl_gen_parse_rate("1Gbps", &pps, &bps), 0);
	assert_true(bps == 1e9);
	assert_int_equal(sl_gen_parse_rate("0", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("-5", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("5x", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("inf", &pps, &bps), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_checksums),
		cmocka_unit_test(test_layout_limits),
		cmocka_unit_test(test_csum_incremental),
		cmocka_unit_test(test_sizes_parse),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_flow_sequential),
		cmocka_unit_test(test_flow_random),
		cmocka_unit_test(test_pacer),
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_seq_accounting),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_rate_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
