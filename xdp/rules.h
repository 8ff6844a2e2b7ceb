/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stateless rule classification by per-field bitmaps (docs/classifier.md).
 * Each constrained field of the packet selects a class; the classes'
 * bitmaps are ANDed; the lowest set bit is the first matching rule. The
 * cost grows with the bitmap words in use (n_rules / 64), not with rules.
 */
#ifndef SLUICE_XDP_RULES_H
#define SLUICE_XDP_RULES_H

#include "maps.h"
#include "parse.h"

/* Set in the entry program's rodata by the loader before load. */
extern const volatile struct sl_prog_cfg sl_cfg;

static __always_inline int sl_dim_used(enum sl_dim d)
{
	return sl_cfg.dims_used & (1u << d);
}

static __always_inline void sl_bits_and(struct sl_rule_bits *acc, const struct sl_rule_bits *b)
{
	int i;

#pragma unroll
	for (i = 0; i < SL_RULE_WORDS; i++) {
		if (i >= sl_cfg.rule_words)
			break;
		acc->w[i] &= b->w[i];
	}
}

static __always_inline void sl_bits_and_class(struct sl_rule_bits *acc, __u32 cls)
{
	struct sl_rule_bits *b = bpf_map_lookup_elem(&sl_class_bits, &cls);

	if (b)
		sl_bits_and(acc, b);
	else
		__builtin_memset(acc, 0, sizeof(*acc));
}

static __always_inline void sl_bits_and_field(struct sl_rule_bits *acc, __u32 index)
{
	__u32 *cls = bpf_map_lookup_elem(&sl_field_class, &index);

	if (cls)
		sl_bits_and_class(acc, *cls);
	else
		__builtin_memset(acc, 0, sizeof(*acc));
}

static __always_inline __u32 sl_addr_class_of(const struct sl_pkt *p, const __u8 *addr)
{
	__u32 *cls = NULL;

	if (p->l3_proto == ETH_P_IP) {
		struct sl_lpm4_key k4 = { .prefixlen = 32 };

		__builtin_memcpy(k4.addr, addr, 4);
		cls = bpf_map_lookup_elem(&sl_pfx4, &k4);
	} else {
		struct sl_lpm6_key k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, addr, 16);
		cls = bpf_map_lookup_elem(&sl_pfx6, &k6);
	}
	return cls ? *cls : sl_cfg.addr_default_class;
}

static __always_inline void sl_bits_and_addr(struct sl_rule_bits *acc, const struct sl_pkt *p,
					     const __u8 *addr, int is_src)
{
	__u32 id = sl_addr_class_of(p, addr);
	struct sl_addr_class *ac = bpf_map_lookup_elem(&sl_addr_class, &id);

	if (!ac) {
		__builtin_memset(acc, 0, sizeof(*acc));
		return;
	}
	sl_bits_and_class(acc, is_src ? ac->src_bits : ac->dst_bits);
}

/* Index of the single set bit of v (v is a power of two), without a loop. */
static __always_inline __u32 sl_bit_index(__u64 v)
{
	__u32 n = 0;

	if (v & 0xffffffff00000000ULL)
		n += 32;
	if (v & 0xffff0000ffff0000ULL)
		n += 16;
	if (v & 0xff00ff00ff00ff00ULL)
		n += 8;
	if (v & 0xf0f0f0f0f0f0f0f0ULL)
		n += 4;
	if (v & 0xccccccccccccccccULL)
		n += 2;
	if (v & 0xaaaaaaaaaaaaaaaaULL)
		n += 1;
	return n;
}

static __always_inline void sl_count(void *map, __u32 key, __u64 bytes)
{
	struct sl_counter *c = bpf_map_lookup_elem(map, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/*
 * Computes the candidate rules of the packet and walks them in order:
 * count rules are counted and passed over, the first accept or drop rule
 * decides. Returns the verdict and sets *reason for a drop.
 */
static __always_inline int sl_classify(struct xdp_md *ctx, const struct sl_pkt *p, __u64 bytes,
				       __u32 *reason)
{
	struct sl_rule_bits acc;
	__u32 i, w = 0;
	__u64 word;

#pragma unroll
	for (i = 0; i < SL_RULE_WORDS; i++)
		acc.w[i] = ~0ULL;

	if (sl_dim_used(SL_DIM_PROTO))
		sl_bits_and_field(&acc, SL_FIELD_BASE_PROTO + p->l4_proto);
	if (sl_dim_used(SL_DIM_SPORT))
		sl_bits_and_field(&acc, SL_FIELD_BASE_SPORT + p->sport);
	if (sl_dim_used(SL_DIM_DPORT))
		sl_bits_and_field(&acc, SL_FIELD_BASE_DPORT + p->dport);
	if (sl_dim_used(SL_DIM_TCP_FLAGS))
		sl_bits_and_field(&acc, SL_FIELD_BASE_TCP_FLAGS +
					       (p->tcp_flags_valid ? p->tcp_flags : SL_TCP_FLAGS_NONE));
	if (sl_dim_used(SL_DIM_ICMP))
		sl_bits_and_field(&acc, SL_FIELD_BASE_ICMP + p->icmp);
	if (sl_dim_used(SL_DIM_VLAN))
		sl_bits_and_field(&acc, SL_FIELD_BASE_VLAN + p->vlan);
	if (sl_dim_used(SL_DIM_IFACE)) {
		__u32 ifindex = ctx->ingress_ifindex;
		__u32 *cls = bpf_map_lookup_elem(&sl_iface_class, &ifindex);

		sl_bits_and_class(&acc, cls ? *cls : sl_cfg.iface_default_class);
	}
	if (sl_dim_used(SL_DIM_SRC))
		sl_bits_and_addr(&acc, p, p->src, 1);
	if (sl_dim_used(SL_DIM_DST))
		sl_bits_and_addr(&acc, p, p->dst, 0);

	word = acc.w[0];
	for (i = 0; i < SL_MAX_RULES + SL_RULE_WORDS; i++) {
		struct sl_rule *rule;
		__u32 idx;

		if (!word) {
			w++;
			if (w >= sl_cfg.rule_words || w >= SL_RULE_WORDS)
				break;
			word = acc.w[w & (SL_RULE_WORDS - 1)];
			continue;
		}
		idx = w * 64 + sl_bit_index(word & -word);
		word &= word - 1;
		if (idx >= sl_cfg.n_rules)
			break;
		rule = bpf_map_lookup_elem(&sl_rules, &idx);
		if (!rule)
			break;
		sl_count(&sl_rule_stats, idx, bytes);
		if (rule->action == SL_ACT_ACCEPT)
			return SL_VERDICT_PASS;
		if (rule->action == SL_ACT_DROP) {
			*reason = SL_REASON_RULE;
			return SL_VERDICT_DROP;
		}
	}
	if (sl_cfg.default_verdict == SL_VERDICT_DROP)
		*reason = SL_REASON_DEFAULT_POLICY;
	return sl_cfg.default_verdict;
}

#endif /* SLUICE_XDP_RULES_H */
