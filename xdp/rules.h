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

/*
 * The AND steps return -ENOENT when a table entry is missing, which only
 * a half-written table can cause; the caller then stops classifying. An
 * early exit, rather than zeroing the bitmap, keeps the verifier from
 * tracking one path per dimension combination.
 */
static __always_inline int sl_bits_and_class(struct sl_rule_bits *acc, __u32 cls)
{
	struct sl_rule_bits *b = bpf_map_lookup_elem(&sl_class_bits, &cls);

	if (!b)
		return -1;
	sl_bits_and(acc, b);
	return 0;
}

static __always_inline int sl_bits_and_field(struct sl_rule_bits *acc, __u32 index)
{
	__u32 *cls = bpf_map_lookup_elem(&sl_field_class, &index);

	if (!cls)
		return -1;
	return sl_bits_and_class(acc, *cls);
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

static __always_inline int sl_bits_and_addr(struct sl_rule_bits *acc, const struct sl_pkt *p,
					    const __u8 *addr, int is_src)
{
	__u32 id = sl_addr_class_of(p, addr);
	struct sl_addr_class *ac = bpf_map_lookup_elem(&sl_addr_class, &id);

	if (!ac)
		return -1;
	return sl_bits_and_class(acc, is_src ? ac->src_bits : ac->dst_bits);
}

/* Index of the lowest set bit of a non-zero v, without branches. */
static __always_inline __u32 sl_lowest_bit(__u64 v)
{
	return __builtin_popcountll((v & -v) - 1);
}

static __always_inline void sl_count(void *map, __u32 key, __u64 bytes)
{
	struct sl_counter *c = bpf_map_lookup_elem(map, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* sl_classify's result: the verdict in the low byte, the reason above it. */
#define SL_CLASSIFY_RESULT(verdict, reason) ((verdict) | ((reason) << 8))

/* sl_walk_word's answer when no rule of the word decided. */
#define SL_WALK_CONTINUE 0xffffffff

/*
 * Walks the candidate rules of one bitmap word in rule order: count rules
 * are counted and passed over, the first accept or drop rule is counted
 * and decides. Returns SL_CLASSIFY_RESULT(verdict, reason) or
 * SL_WALK_CONTINUE. A global function: the verifier checks it once with
 * an unknown word, not once per word per caller path.
 */
__noinline __u32 sl_walk_word(__u64 word, __u32 base, __u64 bytes)
{
	int k;

	for (k = 0; k < 64; k++) {
		struct sl_rule *rule;
		__u32 idx;

		if (!word)
			break;
		idx = base + sl_lowest_bit(word);
		word &= word - 1;
		if (idx >= sl_cfg.n_rules)
			break;
		rule = bpf_map_lookup_elem(&sl_rules, &idx);
		if (!rule)
			break;
		sl_count(&sl_rule_stats, idx, bytes);
		if (rule->action == SL_ACT_ACCEPT)
			return SL_CLASSIFY_RESULT(SL_VERDICT_PASS, SL_REASON_NONE);
		if (rule->action == SL_ACT_DROP)
			return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_RULE);
	}
	return SL_WALK_CONTINUE;
}

/*
 * Computes the candidate rules of the packet (the AND of its classes'
 * bitmaps) and walks them in rule order. Returns
 * SL_CLASSIFY_RESULT(verdict, reason).
 *
 * A global function, so the verifier checks it once, not once for every
 * path through the parser that reaches it.
 */
__noinline int sl_classify(struct xdp_md *ctx, const struct sl_pkt *p, __u64 bytes)
{
	struct sl_rule_bits bits;
	struct sl_rule_bits *acc = &bits;
	__u32 res;
	int i;

	if (!ctx || !p)
		return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_TABLE_MISS);

#pragma unroll
	for (i = 0; i < SL_RULE_WORDS; i++)
		acc->w[i] = ~0ULL;

	if (sl_dim_used(SL_DIM_PROTO) && sl_bits_and_field(acc, SL_FIELD_BASE_PROTO + p->l4_proto))
		goto missing;
	if (sl_dim_used(SL_DIM_SPORT) && sl_bits_and_field(acc, SL_FIELD_BASE_SPORT + p->sport))
		goto missing;
	if (sl_dim_used(SL_DIM_DPORT) && sl_bits_and_field(acc, SL_FIELD_BASE_DPORT + p->dport))
		goto missing;
	if (sl_dim_used(SL_DIM_TCP_FLAGS) &&
	    sl_bits_and_field(acc, SL_FIELD_BASE_TCP_FLAGS +
					   (p->tcp_flags_valid ? p->tcp_flags : SL_TCP_FLAGS_NONE)))
		goto missing;
	if (sl_dim_used(SL_DIM_ICMP) && sl_bits_and_field(acc, SL_FIELD_BASE_ICMP + p->icmp))
		goto missing;
	if (sl_dim_used(SL_DIM_VLAN) && sl_bits_and_field(acc, SL_FIELD_BASE_VLAN + p->vlan))
		goto missing;
	if (sl_dim_used(SL_DIM_IFACE)) {
		__u32 ifindex = ctx->ingress_ifindex;
		__u32 *cls = bpf_map_lookup_elem(&sl_iface_class, &ifindex);

		if (sl_bits_and_class(acc, cls ? *cls : sl_cfg.iface_default_class))
			goto missing;
	}
	if (sl_dim_used(SL_DIM_SRC) && sl_bits_and_addr(acc, p, p->src, 1))
		goto missing;
	if (sl_dim_used(SL_DIM_DST) && sl_bits_and_addr(acc, p, p->dst, 0))
		goto missing;

#pragma unroll
	for (i = 0; i < SL_RULE_WORDS; i++) {
		if (i >= sl_cfg.rule_words)
			break;
		if (!acc->w[i])
			continue;
		res = sl_walk_word(acc->w[i], i * 64, bytes);
		if (res != SL_WALK_CONTINUE)
			return res;
	}
	if (sl_cfg.default_verdict == SL_VERDICT_DROP)
		return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_DEFAULT_POLICY);
	return SL_CLASSIFY_RESULT(SL_VERDICT_PASS, SL_REASON_NONE);
missing:
	return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_TABLE_MISS);
}

#endif /* SLUICE_XDP_RULES_H */
