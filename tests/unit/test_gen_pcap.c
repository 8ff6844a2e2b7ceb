/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The capture reader of sluice-gen's replay (gen/pcapsrc.h) on captures
 * built here byte by byte: microsecond and nanosecond pcap, both byte
 * orders, pcapng; records skipped and counted (too long, over the MTU with and
 * without a VLAN tag, too short, cut short); timestamps going backwards;
 * and the refusals: truncated file header, truncated record header and
 * data, wrong magic, a huge caplen, a link type other than Ethernet,
 * nothing to replay, the limits, a missing file, an empty buffer.
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

#include "gen/pcapsrc.h"

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du

struct cap {
	uint8_t b[1 << 16];
	size_t len;
	int swap; /* write big-endian */
};

static void put32(struct cap *c, uint32_t v)
{
	if (c->swap)
		v = __builtin_bswap32(v);
	memcpy(c->b + c->len, &v, 4);
	c->len += 4;
}

static void put16(struct cap *c, uint16_t v)
{
	if (c->swap)
		v = __builtin_bswap16(v);
	memcpy(c->b + c->len, &v, 2);
	c->len += 2;
}

static void header(struct cap *c, uint32_t magic, uint32_t linktype, int swap)
{
	c->len = 0;
	c->swap = swap;
	put32(c, magic);
	put16(c, 2);
	put16(c, 4);
	put32(c, 0);
	put32(c, 0);
	put32(c, 65535); /* snaplen */
	put32(c, linktype);
}

/* A record of caplen bytes (an Ethernet header, then the byte fill) claiming len on the wire. */
static void record(struct cap *c, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
		   uint16_t ethertype, uint8_t fill)
{
	uint32_t i;

	put32(c, sec);
	put32(c, frac);
	put32(c, caplen);
	put32(c, len);
	for (i = 0; i < caplen; i++) {
		uint8_t v = fill;

		if (i < 12)
			v = (uint8_t)(0x02 + i);
		else if (i == 12)
			v = (uint8_t)(ethertype >> 8);
		else if (i == 13)
			v = (uint8_t)ethertype;
		c->b[c->len + i] = v;
	}
	c->len += caplen;
}

static int rd(const struct cap *c, size_t len, const struct sl_gen_pcap_limits *lim,
	      struct sl_gen_pcap *p, char *why)
{
	int err = sl_gen_pcap_read_mem(c->b, len, lim, p, why, 256);

	if (err)
		assert_non_null(strchr(why, '\0'));
	return err;
}

static struct cap cap;

static void test_good_us_and_ns(void **state)
{
	struct sl_gen_pcap p;
	char why[256] = "";
	int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		const int ns = k == 1, swap = k == 2;

		header(&cap, ns ? MAGIC_NS : MAGIC_US, 1, swap);
		record(&cap, 100, ns ? 5 : 5, 60, 60, 0x0800, 0xa1);
		record(&cap, 100, ns ? 1005 : 1005, 1514, 1514, 0x86dd, 0xb2);
		record(&cap, 101, 0, 14, 14, 0x0806, 0xc3);
		assert_int_equal(rd(&cap, cap.len, NULL, &p, why), 0);
		assert_int_equal(p.n, 3);
		assert_int_equal(p.records, 3);
		assert_int_equal(p.bytes, 60 + 1514 + 14);
		assert_int_equal(p.pkts[0].ts_ns, 0);
		/* 1,000 fractional units later: 1 us in a microsecond file, 1,000 ns in a nanosecond one. */
		assert_int_equal(p.pkts[1].ts_ns, ns ? 1000u : 1000000u);
		assert_int_equal(p.pkts[2].ts_ns, 1000000000u - (ns ? 5u : 5000u));
		assert_int_equal(p.span_ns, p.pkts[2].ts_ns);
		assert_int_equal(p.pkts[1].len, 1514);
		assert_int_equal(p.pkts[1].off, 60);
		assert_int_equal(p.data[p.pkts[1].off + 13], 0xdd);
		assert_int_equal(p.data[p.pkts[1].off + 1513], 0xb2);
		assert_int_equal(p.data[p.pkts[2].off + 12], 0x08);
		assert_int_equal(p.skipped_long + p.skipped_short + p.skipped_snapped + p.backwards, 0);
		sl_gen_pcap_free(&p);
		assert_null(p.pkts);
	}
}

/* A pcapng block: type, total length, body padded to 4 bytes, total length again. */
static void ng_block(struct cap *c, uint32_t type, const void *body, size_t len)
{
	uint32_t total = (uint32_t)(12 + (len + 3) / 4 * 4);

	put32(c, type);
	put32(c, total);
	memset(c->b + c->len, 0, (len + 3) / 4 * 4);
	memcpy(c->b + c->len, body, len);
	c->len += (len + 3) / 4 * 4;
	put32(c, total);
}

/* pcapng: a section, an Ethernet interface (microseconds), two enhanced packet blocks. */
static void test_pcapng(void **state)
{
	struct sl_gen_pcap p;
	uint8_t body[128];
	uint32_t w[5];
	char why[256];
	int i;

	(void)state;
	cap.len = 0;
	cap.swap = 0;
	w[0] = 0x1a2b3c4d;
	w[1] = 1;           /* version 1.0 */
	w[2] = w[3] = ~0u;  /* section length unknown */
	ng_block(&cap, 0x0a0d0d0a, w, 16);
	w[0] = 1;           /* link type Ethernet, reserved 0 */
	w[1] = 65535;       /* snaplen */
	ng_block(&cap, 1, w, 8);
	for (i = 0; i < 2; i++) {
		uint64_t ts = 1000000 + 20000 * (uint64_t)i;

		w[0] = 0;
		w[1] = (uint32_t)(ts >> 32);
		w[2] = (uint32_t)ts;
		w[3] = w[4] = 60;
		memcpy(body, w, 20);
		memset(body + 20, 0x40 + i, 60);
		ng_block(&cap, 6, body, 80);
	}
	assert_int_equal(rd(&cap, cap.len, NULL, &p, why), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.pkts[1].ts_ns, 20000000);
	assert_int_equal(p.data[p.pkts[1].off + 59], 0x41);
	sl_gen_pcap_free(&p);
}

static void test_skips(void **state)
{
	struct sl_gen_pcap_limits lim = { .max_frame = 2048, .mtu = 1500 };
	struct sl_gen_pcap p;
	char why[256];

	(void)state;
	header(&cap, MAGIC_US, 1, 0);
	record(&cap, 1, 0, 1514, 1514, 0x0800, 1);  /* kept: MTU + 14 */
	record(&cap, 1, 1, 1515, 1515, 0x0800, 2);  /* over the MTU */
	record(&cap, 1, 2, 1518, 1518, 0x8100, 3);  /* kept: MTU + 14 + a tag */
	record(&cap, 1, 3, 1519, 1519, 0x8100, 4);  /* over */
	record(&cap, 1, 4, 13, 13, 0x0800, 5);      /* shorter than Ethernet */
	record(&cap, 1, 5, 100, 200, 0x0800, 6);    /* cut short by the capture */
	record(&cap, 0, 9, 64, 64, 0x0800, 7);      /* backwards in time: kept, at the previous time */
	assert_int_equal(rd(&cap, cap.len, &lim, &p, why), 0);
	assert_int_equal(p.records, 7);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.skipped_long, 2);
	assert_int_equal(p.skipped_short, 1);
	assert_int_equal(p.skipped_snapped, 1);
	assert_int_equal(p.backwards, 1);
	assert_int_equal(p.pkts[1].len, 1518);
	assert_int_equal(p.pkts[2].len, 64);
	assert_int_equal(p.pkts[2].ts_ns, p.pkts[1].ts_ns);
	assert_int_equal(p.pkts[1].ts_ns, 2000);
	sl_gen_pcap_free(&p);

	/* Every record skipped: nothing to replay. */
	lim.max_frame = 100;
	assert_int_equal(rd(&cap, cap.len - (16 + 64), &lim, &p, why), -ENODATA);
	assert_non_null(strstr(why, "no packet to replay"));
	sl_gen_pcap_free(&p);
	/* A header and no record. */
	header(&cap, MAGIC_US, 1, 0);
	assert_int_equal(rd(&cap, cap.len, NULL, &p, why), -ENODATA);
	sl_gen_pcap_free(&p);
}

static void test_truncated(void **state)
{
	struct sl_gen_pcap p;
	char why[256];

	(void)state;
	header(&cap, MAGIC_US, 1, 0);
	record(&cap, 1, 0, 60, 60, 0x0800, 1);
	record(&cap, 1, 1, 60, 60, 0x0800, 2);
	/* In the file header, in the second record's header, in its data. */
	assert_int_equal(rd(&cap, 10, NULL, &p, why), -EINVAL);
	assert_non_null(strstr(why, "truncated"));
	sl_gen_pcap_free(&p);
	assert_int_equal(rd(&cap, 24 + 16 + 60 + 7, NULL, &p, why), -EINVAL);
	assert_non_null(strstr(why, "truncated"));
	assert_non_null(strstr(why, "record 2"));
	sl_gen_pcap_free(&p);
	assert_int_equal(rd(&cap, cap.len - 1, NULL, &p, why), -EINVAL);
	assert_non_null(strstr(why, "truncated"));
	sl_gen_pcap_free(&p);
	/* Whole: fine. */
	assert_int_equal(rd(&cap, cap.len, NULL, &p, why), 0);
	assert_int_equal(p.n, 2);
	sl_gen_pcap_free(&p);
}

static void test_refused(void **state)
{
	static const char text[] = "this is not a capture, only some text that is long enough\n";
	struct sl_gen_pcap_limits lim = { .max_packets = 2 };
	struct sl_gen_pcap p;
	char why[256];

	(void)state;
	assert_int_equal(sl_gen_pcap_read_mem(text, sizeof(text) - 1, NULL, &p, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a capture"));
	sl_gen_pcap_free(&p);
	assert_int_equal(sl_gen_pcap_read_mem(text, 0, NULL, &p, why, sizeof(why)), -EINVAL);
	sl_gen_pcap_free(&p);

	/* A caplen far above anything libpcap accepts. */
	header(&cap, MAGIC_US, 1, 0);
	record(&cap, 1, 0, 60, 60, 0x0800, 1);
	put32(&cap, 1);
	put32(&cap, 0);
	put32(&cap, 0x7fffffff);
	put32(&cap, 0x7fffffff);
	assert_int_equal(rd(&cap, cap.len, NULL, &p, why), -EINVAL);
	assert_non_null(strstr(why, "record 2"));
	sl_gen_pcap_free(&p);

	/* Raw IP (101): not Ethernet. */
	header(&cap, MAGIC_US, 101, 0);
	record(&cap, 1, 0, 60, 60, 0x4500, 1);
	assert_int_equal(rd(&cap, cap.len, NULL, &p, why), -EINVAL);
	assert_non_null(strstr(why, "only Ethernet"));
	sl_gen_pcap_free(&p);

	/* The limits. */
	header(&cap, MAGIC_US, 1, 0);
	record(&cap, 1, 0, 60, 60, 0x0800, 1);
	record(&cap, 1, 1, 60, 60, 0x0800, 2);
	record(&cap, 1, 2, 60, 60, 0x0800, 3);
	assert_int_equal(rd(&cap, cap.len, &lim, &p, why), -EFBIG);
	sl_gen_pcap_free(&p);
	lim.max_packets = 0;
	lim.max_bytes = 150;
	assert_int_equal(rd(&cap, cap.len, &lim, &p, why), -EFBIG);
	sl_gen_pcap_free(&p);
	lim.max_bytes = 180;
	assert_int_equal(rd(&cap, cap.len, &lim, &p, why), 0);
	assert_int_equal(p.n, 3);
	sl_gen_pcap_free(&p);

	assert_int_equal(sl_gen_pcap_load("/nonexistent/sluice.pcap", NULL, &p, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/sluice.pcap"));
	sl_gen_pcap_free(&p);
	sl_gen_pcap_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_us_and_ns),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_skips),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
