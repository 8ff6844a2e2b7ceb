/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's three XDP programs run by BPF_PROG_TEST_RUN (plain runs,
 * not live frames): the generator's bytes out for every protocol, family
 * and tag, checked by an independent parser (tests/gen_verify.h); sizes,
 * sender slots, skipped sequence numbers, pacing and quota; the
 * reflector's swaps and counters; the analyser's sequence accounting and
 * latency histogram on crafted sequences.
 */
#include <arpa/inet.h>
#include <errno.h>
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
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "gen/frame.h"
#include "gen/hist.h"
#include "gen/reflect.h"
#include "gen/rx.h"
#include "gen/sizes.h"
#include "gen/template.h"
#include "gen/tx.h"
#include "tests/gen_verify.h"

#define SKIP 77

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One plain test run; returns the XDP action, the output in out/out_len. */
static uint32_t run(int prog_fd, const void *in, size_t in_len, const struct xdp_md *md, void *out,
		    uint32_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)in_len,
		    .data_out = out, .data_size_out = *out_len, .repeat = 1);
	struct xdp_md ctx;

	if (md) {
		ctx = *md;
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(prog_fd, &o))
		fail_msg("BPF_PROG_TEST_RUN: %s", strerror(errno));
	*out_len = o.data_size_out;
	return o.retval;
}

struct tx_case {
	int family;
	uint8_t l4, flags;
	int vlan;
};

static void tx_opts(struct sl_gen_tx_opts *o, const struct tx_case *c, const char *sizes)
{
	struct sl_gen_layout lay;
	const char *why;
	char min[8];

	memset(o, 0, sizeof(*o));
	o->first_cpu = -1;
	o->spec.family = c->family;
	o->spec.l4 = c->l4;
	o->spec.tcp_flags = c->flags;
	if (c->vlan >= 0) {
		o->spec.has_vlan = 1;
		o->spec.vlan = (uint16_t)c->vlan;
	}
	memcpy(o->spec.dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(o->spec.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	if (c->family == AF_INET) {
		inet_pton(AF_INET, "198.18.0.10", o->spec.src);
		inet_pton(AF_INET, "198.18.1.1", o->spec.dst);
		o->flow.src.base = 0xc612000a;
		o->flow.dst.base = 0xc6120101;
	} else {
		inet_pton(AF_INET6, "2001:db8::10", o->spec.src);
		inet_pton(AF_INET6, "2001:db8:1::1", o->spec.dst);
		o->flow.src.base = 0x10;
		o->flow.dst.base = 1;
	}
	o->flow.src.count = 4;
	o->flow.dst.count = 1;
	o->spec.sport = 40000;
	o->flow.sport.base = 40000;
	o->flow.sport.count = 3;
	o->spec.dport = 9;
	o->flow.dport.base = 9;
	o->flow.dport.count = 1;
	o->spec.stream_base = 20;
	assert_int_equal(sl_gen_layout(&o->spec, &lay), 0);
	snprintf(min, sizeof(min), "%u", lay.min_size);
	if (sl_gen_sizes_parse(sizes ? sizes : min, lay.min_size, lay.max_size, &o->sizes, &why))
		fail_msg("sizes %s: %s", sizes ? sizes : min, why);
}

static const struct tx_case cases[] = {
	{ AF_INET, IPPROTO_UDP, 0, -1 },	  { AF_INET, IPPROTO_TCP, SL_GEN_TCP_SYN, -1 },
	{ AF_INET, IPPROTO_TCP, SL_GEN_TCP_ACK_PSH, -1 }, { AF_INET, IPPROTO_ICMP, 0, -1 },
	{ AF_INET6, IPPROTO_UDP, 0, -1 },	  { AF_INET6, IPPROTO_TCP, SL_GEN_TCP_SYN, -1 },
	{ AF_INET6, IPPROTO_TCP, SL_GEN_TCP_ACK_PSH, -1 }, { AF_INET6, IPPROTO_ICMPV6, 0, -1 },
	{ AF_INET, IPPROTO_UDP, 0, 42 },	  { AF_INET6, IPPROTO_ICMPV6, 0, 4094 },
	{ AF_INET, IPPROTO_TCP, SL_GEN_TCP_SYN, 0 },
};

static struct sl_gen_tx *open_tx(const struct sl_gen_tx_opts *o)
{
	struct sl_gen_tx *tx;
	char why[256];

	if (sl_gen_tx_open(o, &tx, why, sizeof(why)))
		fail_msg("sl_gen_tx_open: %s", why);
	return tx;
}

/* Twelve packets of every case: flows, sequence, stream, time, checksums. */
static void test_gen_protocols(void **state)
{
	uint8_t out[2048];
	unsigned ci, i;

	(void)state;
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		struct sl_gen_tx_opts o;
		struct sl_gen_tx *tx;
		struct sl_gen_tx_slot slot;
		const uint8_t *frame;
		size_t len;

		tx_opts(&o, &cases[ci], NULL);
		tx = open_tx(&o);
		frame = sl_gen_tx_frame(tx, &len);
		for (i = 0; i < 12; i++) {
			uint32_t out_len = sizeof(out);
			uint64_t t0 = mono_ns(), t1;
			struct gv_frame f;

			assert_int_equal(run(sl_gen_tx_prog_fd(tx), frame, len, NULL, out, &out_len), XDP_TX);
			t1 = mono_ns();
			assert_int_equal(out_len, len);
			if (!gv_parse(out, out_len, &f))
				fail_msg("case %u packet %u: %s", ci, i, f.why);
			assert_int_equal(f.vlan, cases[ci].vlan);
			assert_int_equal(f.magic, SL_GEN_MAGIC);
			assert_int_equal(f.stream, 20);
			assert_int_equal(f.seq, i);
			/* Sequential walk: source fastest (4), then source port (3). */
			assert_int_equal(f.src_last, o.flow.src.base + i % 4);
			assert_int_equal(f.dst_last, o.flow.dst.base);
			if (cases[ci].l4 == IPPROTO_UDP || cases[ci].l4 == IPPROTO_TCP) {
				assert_int_equal(f.sport, 40000 + (i / 4) % 3);
				assert_int_equal(f.dport, 9);
				if (cases[ci].l4 == IPPROTO_TCP)
					assert_int_equal(out[f.l4_off + 13], cases[ci].flags);
			} else {
				assert_int_equal(f.sport, 40000 + (i / 4) % 3);
				assert_int_equal(f.dport, i); /* echo sequence */
				assert_int_equal(f.icmp_type, cases[ci].family == AF_INET ? 8 : 128);
			}
			assert_true(f.tx_ns >= t0 && f.tx_ns <= t1);
			assert_memory_equal(out, frame, 12); /* MAC addresses untouched */
		}
		assert_int_equal(sl_gen_tx_slot_read(tx, 0, &slot), 0);
		assert_int_equal(slot.packets, 12);
		assert_int_equal(slot.next_seq, 12);
		assert_int_equal(slot.bytes, 12 * len);
		sl_gen_tx_close(tx);
	}
}

/*
 * A page that comes back changed (veth hands the generator's page to the
 * peer, whose reflector swaps it) still yields the right packet: feed the
 * reflected packet to the generator as its "recycled page".
 */
static void test_gen_recycled_page(void **state)
{
	struct sl_gen_reflect_opts ro = { 0 };
	struct sl_gen_reflect *rf;
	uint8_t out[2048], back[2048], again[2048];
	char why[256];
	unsigned ci;

	(void)state;
	assert_int_equal(sl_gen_reflect_open(&ro, &rf, why, sizeof(why)), 0);
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		struct sl_gen_tx_opts o;
		struct sl_gen_tx *tx;
		const uint8_t *frame;
		uint32_t out_len = sizeof(out), back_len = sizeof(back), again_len = sizeof(again);
		struct gv_frame f1, f2;
		size_t len;

		tx_opts(&o, &cases[ci], NULL);
		tx = open_tx(&o);
		frame = sl_gen_tx_frame(tx, &len);
		assert_int_equal(run(sl_gen_tx_prog_fd(tx), frame, len, NULL, out, &out_len), XDP_TX);
		assert_int_equal(run(sl_gen_reflect_prog_fd(rf), out, out_len, NULL, back, &back_len),
				 XDP_TX);
		assert_memory_not_equal(out, back, 12);
		assert_int_equal(run(sl_gen_tx_prog_fd(tx), back, back_len, NULL, again, &again_len),
				 XDP_TX);
		assert_true(gv_parse(out, out_len, &f1));
		if (!gv_parse(again, again_len, &f2))
			fail_msg("case %u: %s", ci, f2.why);
		assert_int_equal(f2.seq, 1);
		assert_memory_equal(again, frame, 12);
		assert_int_equal(f2.src_last, f1.src_last + 1);
		assert_int_equal(f2.dst_last, f1.dst_last);
		assert_int_equal(f2.icmp_type, f1.icmp_type);
		sl_gen_tx_close(tx);
	}
	sl_gen_reflect_close(rf);
}

/* A list of sizes: packet n has size n % 3 of the schedule, checksums valid. */
static void test_gen_sizes(void **state)
{
	const struct tx_case c4 = { AF_INET, IPPROTO_UDP, 0, -1 }, c6 = { AF_INET6, IPPROTO_TCP, 0x18, 7 };
	const struct tx_case *cs[2] = { &c4, &c6 };
	uint8_t out[2048];
	unsigned k, i;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct sl_gen_tx_opts o;
		struct sl_gen_tx *tx;
		const uint8_t *frame;
		size_t len;

		tx_opts(&o, cs[k], k ? "100,333,1522" : "64,128,1518");
		tx = open_tx(&o);
		frame = sl_gen_tx_frame(tx, &len);
		assert_int_equal(len, (k ? 1522u : 1518u) - 4);
		for (i = 0; i < 9; i++) {
			uint32_t out_len = sizeof(out);
			struct gv_frame f;

			assert_int_equal(run(sl_gen_tx_prog_fd(tx), frame, len, NULL, out, &out_len), XDP_TX);
			assert_int_equal(out_len, o.sizes.size[i % 3] - 4);
			if (!gv_parse(out, out_len, &f))
				fail_msg("size %u: %s", out_len, f.why);
			assert_int_equal(f.seq, i);
		}
		sl_gen_tx_close(tx);
	}
}

/*
 * The AF_XDP engine's frames (gen/frame.c) are the program's, byte for
 * byte: every case, a size list, skipped sequence numbers; the time is
 * taken from the program's packet.
 */
static void test_gen_frame_twin(void **state)
{
	uint8_t out[2048], mine[2048];
	unsigned ci, i;

	(void)state;
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]) + 1; ci++) {
		const bool sized = ci == sizeof(cases) / sizeof(cases[0]);
		const struct tx_case *c = sized ? &cases[6] : &cases[ci];
		struct sl_gen_frames fr;
		struct sl_gen_tx_opts o;
		struct sl_gen_tx *tx;
		const uint8_t *frame;
		__u64 next_seq = 0;
		size_t len;

		tx_opts(&o, c, sized ? "100:2,333,1518" : NULL);
		o.skip_every = sized ? 3 : 0;
		tx = open_tx(&o);
		frame = sl_gen_tx_frame(tx, &len);
		assert_int_equal(sl_gen_frames_init(&fr, &o.spec, &o.flow, &o.sizes, o.skip_every), 0);
		for (i = 0; i < 14; i++) {
			uint32_t out_len = sizeof(out);
			uint64_t seq = sl_gen_frames_take_seq(&fr, &next_seq);
			struct gv_frame f;
			int n;

			assert_int_equal(run(sl_gen_tx_prog_fd(tx), frame, len, NULL, out, &out_len), XDP_TX);
			if (!gv_parse(out, out_len, &f))
				fail_msg("case %u packet %u: %s", ci, i, f.why);
			assert_int_equal(f.seq, seq);
			n = sl_gen_frame_write(&fr, seq, 0, f.tx_ns, NULL, mine, sizeof(mine));
			assert_int_equal(n, out_len);
			assert_memory_equal(mine, out, out_len);
		}
		assert_int_equal(sl_gen_frame_write(&fr, 0, 0, 0, NULL, mine, 20), -ENOSPC);
		/* A random walk: any numbers give a valid packet of the ranges, its checksums right. */
		fr.flow.random = 1;
		for (i = 0; i < 50; i++) {
			const uint32_t rnd[4] = { i * 2654435761u, ~i * 40503u, i * 97u + 5, 0xffffffffu - i };
			struct gv_frame f;
			int n = sl_gen_frame_write(&fr, i, 3, 12345 + i, rnd, mine, sizeof(mine));

			assert_true(n > 0);
			if (!gv_parse(mine, (size_t)n, &f))
				fail_msg("case %u random %u: %s", ci, i, f.why);
			assert_int_equal(f.stream, 23);
			assert_int_equal(f.tx_ns, 12345 + i);
			assert_true(f.src_last - o.flow.src.base < o.flow.src.count);
			assert_true((uint32_t)(f.sport - o.flow.sport.base) < o.flow.sport.count);
		}
		sl_gen_tx_close(tx);
	}
}

/* The sender slot in the XDP metadata picks the stream and the counters. */
static void test_gen_slot_skip_quota_pacing(void **state)
{
	const struct tx_case c = { AF_INET, IPPROTO_UDP, 0, -1 };
	struct sl_gen_tx_slot slot;
	struct sl_gen_tx_opts o;
	struct sl_gen_tx *tx;
	const uint8_t *frame;
	uint8_t in[2048], out[2048];
	struct xdp_md md = { .data = 4 };
	uint32_t slot_id = 5, out_len, seqs[6], i;
	struct gv_frame f;
	size_t len;

	(void)state;
	tx_opts(&o, &c, NULL);
	o.skip_every = 3;
	tx = open_tx(&o);
	frame = sl_gen_tx_frame(tx, &len);
	memcpy(in, &slot_id, 4);
	memcpy(in + 4, frame, len);
	md.data_end = (uint32_t)(len + 4);
	for (i = 0; i < 6; i++) {
		out_len = sizeof(out);
		assert_int_equal(run(sl_gen_tx_prog_fd(tx), in, len + 4, &md, out, &out_len), XDP_TX);
		/* The output starts with the metadata. */
		assert_int_equal(out_len, len + 4);
		assert_true(gv_parse(out + 4, len, &f));
		assert_int_equal(f.stream, 20 + 5);
		seqs[i] = f.seq;
	}
	/* Every third number (2, 5, 8) is skipped. */
	assert_int_equal(seqs[0], 0);
	assert_int_equal(seqs[1], 1);
	assert_int_equal(seqs[2], 3);
	assert_int_equal(seqs[3], 4);
	assert_int_equal(seqs[4], 6);
	assert_int_equal(seqs[5], 7);
	assert_int_equal(sl_gen_tx_slot_read(tx, 5, &slot), 0);
	assert_int_equal(slot.packets, 6);
	assert_int_equal(slot.next_seq, 8);
	assert_int_equal(sl_gen_tx_slot_read(tx, 0, &slot), 0);
	assert_int_equal(slot.packets, 0);

	/* The quota: XDP_DROP once it is reached, nothing counted. */
	assert_int_equal(sl_gen_tx_slot_read(tx, 5, &slot), 0);
	slot.quota = 7;
	assert_int_equal(sl_gen_tx_slot_write(tx, 5, &slot), 0);
	out_len = sizeof(out);
	assert_int_equal(run(sl_gen_tx_prog_fd(tx), in, len + 4, &md, out, &out_len), XDP_TX);
	out_len = sizeof(out);
	assert_int_equal(run(sl_gen_tx_prog_fd(tx), in, len + 4, &md, out, &out_len), XDP_DROP);
	assert_int_equal(sl_gen_tx_slot_read(tx, 5, &slot), 0);
	assert_int_equal(slot.packets, 7);

	/* Pacing: not due before next_ns; due once at it, then not until next_ns + interval. */
	slot.quota = 0;
	slot.next_ns = mono_ns() + 3600ull * 1000000000ull;
	slot.interval_ns = 1000000000ull;
	slot.max_lag_ns = 0;
	assert_int_equal(sl_gen_tx_slot_write(tx, 5, &slot), 0);
	out_len = sizeof(out);
	assert_int_equal(run(sl_gen_tx_prog_fd(tx), in, len + 4, &md, out, &out_len), XDP_DROP);
	slot.next_ns = mono_ns();
	assert_int_equal(sl_gen_tx_slot_write(tx, 5, &slot), 0);
	out_len = sizeof(out);
	assert_int_equal(run(sl_gen_tx_prog_fd(tx), in, len + 4, &md, out, &out_len), XDP_TX);
	out_len = sizeof(out);
	assert_int_equal(run(sl_gen_tx_prog_fd(tx), in, len + 4, &md, out, &out_len), XDP_DROP);
	assert_int_equal(sl_gen_tx_slot_read(tx, 5, &slot), 0);
	assert_int_equal(slot.packets, 8);
	/* 6 + 2 + 3 runs, less the one whose count the test's own write above undid. */
	assert_int_equal(slot.runs, 10);
	sl_gen_tx_close(tx);
}

static void test_reflect(void **state)
{
	struct sl_gen_reflect_opts ro = { 0 };
	struct sl_gen_reflect_cpu c;
	struct sl_gen_reflect *rf;
	uint8_t out[2048], back[2048];
	char why[256];
	unsigned ci, n = 0;
	uint64_t bytes = 0;

	(void)state;
	assert_int_equal(sl_gen_reflect_open(&ro, &rf, why, sizeof(why)), 0);
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		struct sl_gen_tx_opts o;
		struct sl_gen_tx *tx;
		const uint8_t *frame;
		uint32_t out_len = sizeof(out), back_len = sizeof(back);
		struct gv_frame f, b;
		size_t len;

		tx_opts(&o, &cases[ci], NULL);
		tx = open_tx(&o);
		frame = sl_gen_tx_frame(tx, &len);
		assert_int_equal(run(sl_gen_tx_prog_fd(tx), frame, len, NULL, out, &out_len), XDP_TX);
		assert_int_equal(run(sl_gen_reflect_prog_fd(rf), out, out_len, NULL, back, &back_len),
				 XDP_TX);
		n++;
		bytes += back_len;
		assert_int_equal(back_len, out_len);
		assert_true(gv_parse(out, out_len, &f));
		if (!gv_parse(back, back_len, &b))
			fail_msg("case %u reflected: %s", ci, b.why);
		assert_memory_equal(back, out + 6, 6);
		assert_memory_equal(back + 6, out, 6);
		assert_int_equal(b.src_last, f.dst_last);
		assert_int_equal(b.dst_last, f.src_last);
		if (f.family == 6)
			assert_memory_equal(back + f.l3_off + 8, out + f.l3_off + 24, 16);
		if (f.l4 == IPPROTO_UDP || f.l4 == IPPROTO_TCP) {
			assert_int_equal(b.sport, f.dport);
			assert_int_equal(b.dport, f.sport);
		} else {
			assert_int_equal(b.icmp_type, f.family == 4 ? 0 : 129);
			assert_int_equal(b.sport, f.sport);
		}
		/* Everything after the headers is as it was. */
		assert_memory_equal(back + f.payload_off, out + f.payload_off, out_len - f.payload_off);
		sl_gen_tx_close(tx);
	}
	/* Not IP: passed. */
	{
		uint8_t arp[60] = { 0 };
		uint32_t back_len = sizeof(back);

		arp[12] = 0x08;
		arp[13] = 0x06;
		assert_int_equal(run(sl_gen_reflect_prog_fd(rf), arp, sizeof(arp), NULL, back, &back_len),
				 XDP_PASS);
	}
	assert_int_equal(sl_gen_reflect_read(rf, &c), 0);
	assert_int_equal(c.reflected, n);
	assert_int_equal(c.reflected_bytes, bytes);
	assert_int_equal(c.passed, 1);
	sl_gen_reflect_close(rf);

	/* A port range: only TCP/UDP to ports 9-10 come back. */
	ro.ports_set = true;
	ro.port_lo = 9;
	ro.port_hi = 10;
	assert_int_equal(sl_gen_reflect_open(&ro, &rf, why, sizeof(why)), 0);
	{
		struct sl_gen_tx_opts o;
		struct sl_gen_tx *tx;
		const uint8_t *frame;
		uint32_t out_len = sizeof(out), back_len = sizeof(back);
		const struct tx_case udp = { AF_INET, IPPROTO_UDP, 0, -1 }, icmp = { AF_INET, IPPROTO_ICMP, 0, -1 };
		size_t len;

		tx_opts(&o, &udp, NULL);
		o.flow.dport.count = 3; /* 9, 10, 11 */
		o.flow.src.count = 1;
		o.flow.sport.count = 1;
		tx = open_tx(&o);
		frame = sl_gen_tx_frame(tx, &len);
		for (ci = 0; ci < 3; ci++) {
			out_len = sizeof(out);
			back_len = sizeof(back);
			assert_int_equal(run(sl_gen_tx_prog_fd(tx), frame, len, NULL, out, &out_len), XDP_TX);
			assert_int_equal(run(sl_gen_reflect_prog_fd(rf), out, out_len, NULL, back, &back_len),
					 ci < 2 ? XDP_TX : XDP_PASS);
		}
		sl_gen_tx_close(tx);
		tx_opts(&o, &icmp, NULL);
		tx = open_tx(&o);
		frame = sl_gen_tx_frame(tx, &len);
		out_len = sizeof(out);
		back_len = sizeof(back);
		assert_int_equal(run(sl_gen_tx_prog_fd(tx), frame, len, NULL, out, &out_len), XDP_TX);
		assert_int_equal(run(sl_gen_reflect_prog_fd(rf), out, out_len, NULL, back, &back_len),
				 XDP_PASS);
		sl_gen_tx_close(tx);
	}
	assert_int_equal(sl_gen_reflect_read(rf, &c), 0);
	assert_int_equal(c.reflected, 2);
	assert_int_equal(c.passed, 2);
	sl_gen_reflect_close(rf);
}

/* Writes stream, seq and tx_ns into a copy of a generated packet. */
static void craft(uint8_t *p, size_t payload_off, uint16_t stream, uint32_t seq, uint64_t tx_ns)
{
	p[payload_off + 2] = (uint8_t)(stream >> 8);
	p[payload_off + 3] = (uint8_t)stream;
	p[payload_off + 4] = (uint8_t)(seq >> 24);
	p[payload_off + 5] = (uint8_t)(seq >> 16);
	p[payload_off + 6] = (uint8_t)(seq >> 8);
	p[payload_off + 7] = (uint8_t)seq;
	for (int i = 0; i < 8; i++)
		p[payload_off + 8 + i] = (uint8_t)(tx_ns >> (56 - 8 * i));
}

static const struct sl_gen_rx_stream_snap *stream_of(const struct sl_gen_rx_snap *s, uint16_t id)
{
	unsigned i;

	for (i = 0; i < s->n_streams; i++)
		if (s->streams[i].id == id)
			return &s->streams[i];
	fail_msg("no stream %u", id);
	return NULL;
}

static void test_rx_accounting(void **state)
{
	/* Stream 3: a gap (3, 4) filled late, a duplicate. Stream 4: one lost. Stream 6 (IPv6). */
	const uint32_t s3[] = { 0, 1, 2, 5, 3, 3, 4, 6 };
	const uint32_t s4[] = { 10, 12 };
	const struct tx_case c4 = { AF_INET, IPPROTO_UDP, 0, -1 }, c6 = { AF_INET6, IPPROTO_TCP, 0x18, 9 };
	struct sl_gen_rx_opts ropts = { 0 };
	struct sl_gen_rx_snap *snap = calloc(1, sizeof(*snap));
	struct sl_gen_tx_opts o;
	struct sl_gen_tx *tx;
	struct sl_gen_rx *rx;
	const uint8_t *frame;
	uint8_t pkt[2048], out[2048];
	char why[256];
	size_t len;
	uint32_t out_len;
	uint64_t now;
	unsigned i;
	struct sl_gen_layout lay;

	(void)state;
	assert_non_null(snap);
	assert_int_equal(sl_gen_rx_open(&ropts, &rx, why, sizeof(why)), 0);
	tx_opts(&o, &c4, NULL);
	tx = open_tx(&o);
	frame = sl_gen_tx_frame(tx, &len);
	memcpy(pkt, frame, len);
	assert_int_equal(sl_gen_layout(&o.spec, &lay), 0);
	now = mono_ns();
	for (i = 0; i < sizeof(s3) / sizeof(s3[0]); i++) {
		craft(pkt, lay.payload_off, 3, s3[i], now - 1000000); /* 1 ms ago */
		out_len = sizeof(out);
		assert_int_equal(run(sl_gen_rx_prog_fd(rx), pkt, len, NULL, out, &out_len), XDP_DROP);
	}
	for (i = 0; i < 2; i++) {
		craft(pkt, lay.payload_off, 4, s4[i], now - 2000000);
		out_len = sizeof(out);
		assert_int_equal(run(sl_gen_rx_prog_fd(rx), pkt, len, NULL, out, &out_len), XDP_DROP);
	}
	/* A timestamp from the future: counted, not in the histogram. */
	craft(pkt, lay.payload_off, 4, 13, now + 3600ull * 1000000000ull);
	out_len = sizeof(out);
	assert_int_equal(run(sl_gen_rx_prog_fd(rx), pkt, len, NULL, out, &out_len), XDP_DROP);
	/* No magic: another packet, passed. */
	pkt[lay.payload_off] ^= 0xff;
	out_len = sizeof(out);
	assert_int_equal(run(sl_gen_rx_prog_fd(rx), pkt, len, NULL, out, &out_len), XDP_PASS);
	sl_gen_tx_close(tx);

	/* IPv6 with a VLAN tag and TCP. */
	tx_opts(&o, &c6, NULL);
	tx = open_tx(&o);
	frame = sl_gen_tx_frame(tx, &len);
	memcpy(pkt, frame, len);
	assert_int_equal(sl_gen_layout(&o.spec, &lay), 0);
	for (i = 0; i < 3; i++) {
		craft(pkt, lay.payload_off, 6, i, now - 1000000);
		out_len = sizeof(out);
		assert_int_equal(run(sl_gen_rx_prog_fd(rx), pkt, len, NULL, out, &out_len), XDP_DROP);
	}
	sl_gen_tx_close(tx);

	assert_int_equal(sl_gen_rx_read(rx, snap), 0);
	assert_int_equal(snap->packets, 8 + 3 + 3);
	assert_int_equal(snap->other, 1);
	assert_int_equal(snap->clock_errors, 1);
	assert_int_equal(snap->n_streams, 3);
	assert_int_equal(stream_of(snap, 3)->received, 7);
	assert_int_equal(stream_of(snap, 3)->lost, 0);
	assert_int_equal(stream_of(snap, 3)->reordered, 2);
	assert_int_equal(stream_of(snap, 3)->duplicate, 1);
	assert_int_equal(stream_of(snap, 4)->received, 3);
	assert_int_equal(stream_of(snap, 4)->lost, 1);
	assert_int_equal(stream_of(snap, 6)->received, 3);
	assert_int_equal(stream_of(snap, 6)->lost, 0);
	/* 13 latencies (not the future one) of at least 1 ms. */
	assert_int_equal(sl_gen_hist_total(snap->hist), 13);
	assert_true(sl_gen_hist_percentile(snap->hist, 1, 0) >= 1000000);
	assert_true(snap->lat_max_ns >= 2000000 && snap->lat_max_ns < 60ull * 1000000000ull);
	assert_true(sl_gen_hist_percentile(snap->hist, 100, snap->lat_max_ns) == snap->lat_max_ns);

	/* Reset: everything back to zero. */
	assert_int_equal(sl_gen_rx_reset(rx), 0);
	assert_int_equal(sl_gen_rx_read(rx, snap), 0);
	assert_int_equal(snap->packets, 0);
	assert_int_equal(snap->n_streams, 0);
	assert_int_equal(sl_gen_hist_total(snap->hist), 0);
	sl_gen_rx_close(rx);

	/* --pass: sluice-gen packets go on to the stack. */
	ropts.pass = true;
	assert_int_equal(sl_gen_rx_open(&ropts, &rx, why, sizeof(why)), 0);
	out_len = sizeof(out);
	craft(pkt, lay.payload_off, 1, 0, now);
	assert_int_equal(run(sl_gen_rx_prog_fd(rx), pkt, len, NULL, out, &out_len), XDP_PASS);
	assert_int_equal(sl_gen_rx_read(rx, snap), 0);
	assert_int_equal(snap->packets, 1);
	sl_gen_rx_close(rx);
	free(snap);
}

static int probe(void)
{
	struct sl_gen_rx_opts o = { 0 };
	struct sl_gen_rx *rx;
	uint8_t frame[64] = { 0 }, out[128];
	uint32_t out_len = sizeof(out);
	char why[256];
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "the bpf tests need root (BPF_PROG_LOAD, BPF_PROG_TEST_RUN)\n");
		return -1;
	}
	err = sl_gen_rx_open(&o, &rx, why, sizeof(why));
	if (err) {
		fprintf(stderr, "%s\n", why);
		return err == -EINVAL || err == -EOPNOTSUPP ? SKIP : -1;
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame),
			    .data_out = out, .data_size_out = out_len, .repeat = 1);

		err = bpf_prog_test_run_opts(sl_gen_rx_prog_fd(rx), &t) ? -errno : 0;
	}
	sl_gen_rx_close(rx);
	/* 524 is the kernel's ENOTSUPP: no test run for this program type. */
	if (err == -EOPNOTSUPP || err == -524) {
		fprintf(stderr, "no BPF_PROG_TEST_RUN for XDP: %s\n", strerror(-err));
		return SKIP;
	}
	return err ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gen_protocols),
		cmocka_unit_test(test_gen_recycled_page),
		cmocka_unit_test(test_gen_sizes),
		cmocka_unit_test(test_gen_frame_twin),
		cmocka_unit_test(test_gen_slot_skip_quota_pacing),
		cmocka_unit_test(test_reflect),
		cmocka_unit_test(test_rx_accounting),
	};
	int p = probe();

	if (p)
		return p == SKIP ? SKIP : 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
