/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Generated frames in userspace (frame.h): xdp/gen_tx.bpf.c's rewrite, step for step. */
#include "gen/frame.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "sluice/gen_calc.h"

struct csums {
	uint32_t ip;
	uint32_t l4;
};

/* Writes a 16-bit word given as stored, into the chosen checksum accumulators. */
static void put16(uint8_t *p, uint16_t v, struct csums *c, bool ip, bool l4)
{
	uint16_t old;

	memcpy(&old, p, 2);
	if (ip)
		c->ip = sl_gen_csum_word(c->ip, old, v);
	if (l4)
		c->l4 = sl_gen_csum_word(c->l4, old, v);
	memcpy(p, &v, 2);
}

/* The same for 32 bits given as stored (network order), half by half as they lie in memory. */
static void put32(uint8_t *p, uint32_t v, struct csums *c, bool ip, bool l4)
{
	uint16_t h[2];

	memcpy(h, &v, 4);
	put16(p, h[0], c, ip, l4);
	put16(p + 2, h[1], c, ip, l4);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

int sl_gen_frames_init(struct sl_gen_frames *fr, const struct sl_gen_spec *spec,
		       const struct sl_gen_flow_cfg *flow, const struct sl_gen_sizes *sizes,
		       uint32_t skip_every)
{
	unsigned max_size;
	int len, err;

	memset(fr, 0, sizeof(*fr));
	err = sl_gen_layout(spec, &fr->lay);
	if (err)
		return err;
	if (!sizes->n)
		return -EINVAL;
	max_size = sl_gen_sizes_max(sizes);
	len = sl_gen_template_build(spec, max_size, fr->tmpl, sizeof(fr->tmpl));
	if (len < 0)
		return len == -ENOSPC ? -EINVAL : len;
	fr->tmpl_len = (uint16_t)len;
	fr->flow = *flow;
	fr->family = spec->family;
	fr->stream_base = spec->stream_base;
	fr->skip_every = skip_every;
	if (sizes->n > 1) {
		len = sl_gen_sizes_schedule(sizes, fr->sched, SL_GEN_SIZE_SCHED);
		if (len < 0)
			return len;
		fr->sched_len = (uint16_t)len;
	}
	return 0;
}

uint64_t sl_gen_frames_take_seq(const struct sl_gen_frames *fr, __u64 *next_seq)
{
	uint64_t seq = (*next_seq)++;

	if (fr->skip_every > 1 && seq % fr->skip_every == fr->skip_every - 1)
		seq = (*next_seq)++;
	return seq;
}

unsigned sl_gen_frames_len(const struct sl_gen_frames *fr, uint64_t seq)
{
	if (fr->sched_len)
		return fr->sched[seq % fr->sched_len];
	return fr->tmpl_len;
}

int sl_gen_frame_write(const struct sl_gen_frames *fr, uint64_t seq, unsigned slot, uint64_t tx_ns,
		       const uint32_t rnd[4], uint8_t *buf, size_t cap)
{
	static const uint32_t zero[4];
	const struct sl_gen_layout *lay = &fr->lay;
	/* ICMPv4 has no pseudo header: its checksum ignores addresses and length. */
	const bool pseudo = lay->l4 != IPPROTO_ICMP;
	unsigned len = sl_gen_frames_len(fr, seq);
	uint8_t *l3, *l4, *pl, *csum_l4, *csum_ip = NULL;
	uint32_t old_l4len, new_l4len;
	struct sl_gen_flow f;
	struct csums c;
	uint64_t ts;
	uint32_t ts_w[2];
	uint16_t v;

	if (len > cap || len > fr->tmpl_len || len < lay->payload_off + sizeof(struct sl_gen_payload))
		return -ENOSPC;
	/* The template's first len bytes: its headers with the largest size's lengths, then zeros. */
	memcpy(buf, fr->tmpl, len);
	l3 = buf + lay->l3_off;
	l4 = buf + lay->l4_off;
	pl = buf + lay->payload_off;
	sl_gen_flow_pick(&fr->flow, seq, rnd ? rnd : zero, &f);

	switch (lay->l4) {
	case IPPROTO_UDP:
		csum_l4 = l4 + 6;
		break;
	case IPPROTO_TCP:
		csum_l4 = l4 + 16;
		break;
	default:
		csum_l4 = l4 + 2;
		break;
	}
	c.l4 = sl_gen_csum_start(get16(csum_l4));
	c.ip = 0;
	new_l4len = len - lay->l4_off;
	if (fr->family == AF_INET) {
		csum_ip = l3 + 10;
		c.ip = sl_gen_csum_start(get16(csum_ip));
		old_l4len = ntohs(get16(l3 + 2)) - 20u;
		put16(l3 + 2, htons((uint16_t)(new_l4len + 20)), &c, true, false);
		put32(l3 + 12, htonl(f.src), &c, true, pseudo);
		put32(l3 + 16, htonl(f.dst), &c, true, pseudo);
	} else {
		old_l4len = ntohs(get16(l3 + 4));
		put16(l3 + 4, htons((uint16_t)new_l4len), &c, false, false);
		put32(l3 + 20, htonl(f.src), &c, false, true);
		put32(l3 + 36, htonl(f.dst), &c, false, true);
	}
	if (pseudo)
		c.l4 = sl_gen_csum_word(c.l4, htons((uint16_t)old_l4len), htons((uint16_t)new_l4len));
	if (lay->l4 == IPPROTO_UDP || lay->l4 == IPPROTO_TCP) {
		put16(l4, htons(f.sport), &c, false, true);
		put16(l4 + 2, htons(f.dport), &c, false, true);
		if (lay->l4 == IPPROTO_UDP)
			put16(l4 + 4, htons((uint16_t)new_l4len), &c, false, true);
	} else {
		/* Echo identifier from the source-port range, echo sequence from ours. */
		put16(l4 + 4, htons(f.sport), &c, false, true);
		put16(l4 + 6, htons((uint16_t)seq), &c, false, true);
	}
	put16(pl + 2, htons((uint16_t)(fr->stream_base + slot)), &c, false, true);
	put32(pl + 4, htonl((uint32_t)seq), &c, false, true);
	ts = htobe64(tx_ns);
	memcpy(ts_w, &ts, 8);
	put32(pl + 8, ts_w[0], &c, false, true);
	put32(pl + 12, ts_w[1], &c, false, true);

	v = sl_gen_csum_fold(c.l4);
	/* In UDP a zero checksum means "none"; its ones' complement twin says the same sum. */
	if (lay->l4 == IPPROTO_UDP && v == 0)
		v = 0xffff;
	memcpy(csum_l4, &v, 2);
	if (csum_ip) {
		v = sl_gen_csum_fold(c.ip);
		memcpy(csum_ip, &v, 2);
	}
	return (int)len;
}
