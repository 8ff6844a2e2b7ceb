/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's packet generator. Userspace runs it with BPF_PROG_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES): the kernel fills a pool
 * of pages with the template frame once per call and runs this program on
 * a page per repetition; XDP_TX becomes a transmission out of the
 * interface named in the context, XDP_DROP recycles the page unsent.
 *
 * A recycled page holds whatever it carried last time, possibly changed
 * by the receiver (veth gives the page itself to the peer's XDP program),
 * so each run first writes the template's headers and payload (rodata)
 * over it, then rewrites the fields that vary and updates the checksums
 * word by word from the template's values (RFC 1624). The bytes past the
 * payload are the template's zeros, never written by us nor by the
 * reflector, so a length change only touches the length fields and the
 * checksums that cover them.
 *
 * Per run: the sender slot (XDP metadata), pacing (drop until due), the
 * quota, then the packet: its size from the size schedule, its flow from
 * the flow walk, its payload (stream, sequence, CLOCK_MONOTONIC ns).
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sluice/gen.h"
#include "sluice/gen_calc.h"

const volatile struct sl_gen_tx_cfg cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_GEN_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct sl_gen_tx_slot);
} sl_gen_tx_slots SEC(".maps");

/* Accumulators of the two checksums a change can touch. */
struct csums {
	__u32 ip;  /* IPv4 header checksum */
	__u32 l4;  /* UDP, TCP, ICMP or ICMPv6 checksum */
};

/* Writes a 16-bit word, into the L4 checksum and optionally the IPv4 one. */
static __always_inline void put16(void *p, __u16 v, struct csums *c, int ip, int l4)
{
	__u16 old = *(__u16 *)p;

	if (ip)
		c->ip = sl_gen_csum_word(c->ip, old, v);
	if (l4)
		c->l4 = sl_gen_csum_word(c->l4, old, v);
	*(__u16 *)p = v;
}

/*
 * The same for the 32 bits at p, given as they are stored (network order):
 * the halves as they lie in memory, taken by shifts (the word order of
 * the integer is the machine's).
 */
static __always_inline void put32(void *p, __be32 v, struct csums *c, int ip, int l4)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	put16(p, (__u16)v, c, ip, l4);
	put16(p + 2, (__u16)(v >> 16), c, ip, l4);
#else
	put16(p, (__u16)(v >> 16), c, ip, l4);
	put16(p + 2, (__u16)v, c, ip, l4);
#endif
}

SEC("xdp")
int sl_gen_tx(struct xdp_md *ctx)
{
	/* ICMPv4 has no pseudo header: its checksum ignores addresses and length. */
	const int pseudo = cfg.l4 != IPPROTO_ICMP;
	void *data, *end, *meta, *l3, *l4;
	struct sl_gen_tx_slot *st;
	struct sl_gen_payload *pl;
	struct sl_gen_flow f;
	struct csums c;
	__u16 *csum_l4, *csum_ip = 0;
	__u32 slot = 0, rnd[4] = {};
	__u32 len, want, old_l4len, new_l4len;
	__u64 seq, now;
	__be64 ts;
	__u16 v;
	int i;

	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if (meta + sizeof(struct sl_gen_tx_meta) <= data)
		slot = ((struct sl_gen_tx_meta *)meta)->slot;
	st = bpf_map_lookup_elem(&sl_gen_tx_slots, &slot);
	if (!st)
		return XDP_ABORTED;
	now = bpf_ktime_get_ns();
	st->runs++;
	if (!sl_gen_pace_due(st, now))
		return XDP_DROP;
	if (st->quota && st->packets >= st->quota)
		return XDP_DROP;

	seq = st->next_seq++;
	if (cfg.skip_every > 1 && seq % cfg.skip_every == cfg.skip_every - 1)
		seq = st->next_seq++;

	/* The size of this packet: grow or shrink the page's frame to it. */
	len = ctx->data_end - ctx->data;
	want = len;
	if (cfg.sched_len)
		want = cfg.sched[(seq % cfg.sched_len) & (SL_GEN_SIZE_SCHED - 1)];
	if (want != len && bpf_xdp_adjust_tail(ctx, (int)want - (int)len))
		return XDP_ABORTED;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + cfg.payload_off + sizeof(*pl) > end)
		return XDP_ABORTED;
	l3 = data + cfg.l3_off;
	l4 = data + cfg.l4_off;
	pl = data + cfg.payload_off;
	/* Implied by a sane config; said again so that any config verifies. */
	if (l3 + (cfg.family == 4 ? 20 : 40) > end || l4 + (cfg.l4 == IPPROTO_TCP ? 20 : 8) > end)
		return XDP_ABORTED;

#pragma unroll
	for (i = 0; i < SL_GEN_HDR_MAX / 2; i++) {
		if (i * 2 >= cfg.hdr_len)
			break;
		if (data + i * 2 + 2 > end)
			return XDP_ABORTED;
		((__u16 *)data)[i] = ((const volatile __u16 *)cfg.hdr)[i];
	}

	if (cfg.flow.random) {
#pragma unroll
		for (i = 0; i < 4; i++)
			rnd[i] = bpf_get_prandom_u32();
	}
	sl_gen_flow_pick(&cfg.flow, seq, rnd, &f);

	switch (cfg.l4) {
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
	c.l4 = sl_gen_csum_start(*csum_l4);
	c.ip = 0;
	new_l4len = (__u32)(end - l4);

	if (cfg.family == 4) {
		csum_ip = l3 + 10;
		c.ip = sl_gen_csum_start(*csum_ip);
		old_l4len = bpf_ntohs(*(__be16 *)(l3 + 2)) - 20;
		put16(l3 + 2, bpf_htons((__u16)(new_l4len + 20)), &c, 1, 0);
		put32(l3 + 12, bpf_htonl(f.src), &c, 1, pseudo);
		put32(l3 + 16, bpf_htonl(f.dst), &c, 1, pseudo);
	} else {
		old_l4len = bpf_ntohs(*(__be16 *)(l3 + 4));
		put16(l3 + 4, bpf_htons((__u16)new_l4len), &c, 0, 0);
		put32(l3 + 20, bpf_htonl(f.src), &c, 0, 1);
		put32(l3 + 36, bpf_htonl(f.dst), &c, 0, 1);
	}
	/* The pseudo header's length word. */
	if (pseudo)
		c.l4 = sl_gen_csum_word(c.l4, bpf_htons((__u16)old_l4len), bpf_htons((__u16)new_l4len));

	if (cfg.l4 == IPPROTO_UDP || cfg.l4 == IPPROTO_TCP) {
		put16(l4, bpf_htons(f.sport), &c, 0, 1);
		put16(l4 + 2, bpf_htons(f.dport), &c, 0, 1);
		if (cfg.l4 == IPPROTO_UDP)
			put16(l4 + 4, bpf_htons((__u16)new_l4len), &c, 0, 1);
	} else {
		/* Echo identifier from the source-port range, echo sequence from ours. */
		put16(l4 + 4, bpf_htons(f.sport), &c, 0, 1);
		put16(l4 + 6, bpf_htons((__u16)seq), &c, 0, 1);
	}

	put16(&pl->stream, bpf_htons((__u16)(cfg.stream_base + slot)), &c, 0, 1);
	put32(&pl->seq, bpf_htonl((__u32)seq), &c, 0, 1);
	ts = bpf_cpu_to_be64(now);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	put32(&pl->tx_ns, (__be32)ts, &c, 0, 1);
	put32((void *)&pl->tx_ns + 4, (__be32)(ts >> 32), &c, 0, 1);
#else
	put32(&pl->tx_ns, (__be32)(ts >> 32), &c, 0, 1);
	put32((void *)&pl->tx_ns + 4, (__be32)ts, &c, 0, 1);
#endif

	v = sl_gen_csum_fold(c.l4);
	/* In UDP a zero checksum means "none"; its ones' complement twin says the same sum. */
	if (cfg.l4 == IPPROTO_UDP && v == 0)
		v = 0xffff;
	*csum_l4 = v;
	if (csum_ip)
		*csum_ip = sl_gen_csum_fold(c.ip);
	st->packets++;
	st->bytes += new_l4len + cfg.l4_off;
	if (!st->first_ns)
		st->first_ns = now;
	st->last_ns = now;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
