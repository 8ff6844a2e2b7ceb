/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's reflector: sends a packet back where it came from with
 * XDP_TX after swapping the MAC addresses, the IP addresses and the L4
 * ports. Swapping two 16-bit-aligned fields leaves every Internet
 * checksum as it was (the sum is the same), so only an ICMP or ICMPv6
 * echo request, which becomes an echo reply, has one to update. With a
 * port range configured only TCP and UDP with a destination port in it
 * are reflected; everything else passes to the stack, counted.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sluice/gen.h"
#include "sluice/gen_calc.h"
#include "gen_parse.h"

const volatile struct sl_gen_reflect_cfg cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_gen_reflect_cpu);
} sl_gen_reflect_stats SEC(".maps");

static __always_inline void swap_bytes(void *a, void *b, int n)
{
	__u8 t, *x = a, *y = b;
	int i;

#pragma unroll
	for (i = 0; i < 16; i++) {
		if (i >= n)
			break;
		t = x[i];
		x[i] = y[i];
		y[i] = t;
	}
}

/* Turns an echo request into a reply; returns -1 for any other ICMP type. */
static __always_inline int echo_reply(void *l4, __u8 request, __u8 reply)
{
	__u16 *w = l4, old = *w, nw;
	__u16 *csum = l4 + 2;
	__u8 *type = l4;

	if (*type != request)
		return -1;
	*type = reply;
	nw = *w;
	*csum = sl_gen_csum_fold(sl_gen_csum_word(sl_gen_csum_start(*csum), old, nw));
	return 0;
}

SEC("xdp")
int sl_gen_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct sl_gen_reflect_cpu *st;
	struct sl_gen_hdrs h = {};
	__u32 key = 0;
	__u16 dport;

	st = bpf_map_lookup_elem(&sl_gen_reflect_stats, &key);
	if (!st)
		return XDP_PASS;
	if (sl_gen_parse(data, end, &h))
		goto pass;

	if (h.l4_proto == IPPROTO_UDP || h.l4_proto == IPPROTO_TCP) {
		if ((void *)h.l4 + 4 > end)
			goto pass;
		dport = bpf_ntohs(*(__be16 *)(h.l4 + 2));
		if (cfg.ports_set && (dport < cfg.port_lo || dport > cfg.port_hi))
			goto pass;
		swap_bytes(h.l4, h.l4 + 2, 2);
	} else if (cfg.ports_set) {
		goto pass;
	} else if (h.l4_proto == IPPROTO_ICMP && h.family == 4) {
		if (echo_reply(h.l4, 8, 0))
			goto pass;
	} else if (h.l4_proto == IPPROTO_ICMPV6 && h.family == 6) {
		if (echo_reply(h.l4, 128, 129))
			goto pass;
	} else {
		goto pass;
	}

	if (h.family == 4) {
		if (h.l3 + 20 > end)
			goto pass;
		swap_bytes(h.l3 + 12, h.l3 + 16, 4);
	} else {
		if (h.l3 + 40 > end)
			goto pass;
		swap_bytes(h.l3 + 8, h.l3 + 24, 16);
	}
	swap_bytes(h.eth->h_dest, h.eth->h_source, 6);
	st->reflected++;
	st->reflected_bytes += end - data;
	return XDP_TX;
pass:
	st->passed++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
