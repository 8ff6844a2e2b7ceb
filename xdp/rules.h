/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stateless rule classification by per-field bitmaps (docs/classifier.md).
 * Each constrained field of the packet selects a class; each class owns
 * the bitmap of the rules that accept its values and a summary of which
 * bitmap words are non-zero. The packet's candidate rules are the AND of
 * its classes' bitmaps, computed only for the words that every summary
 * allows; the lowest set bit is the first matching rule. The cost grows
 * with the words that can hold a match, not with the number of rules.
 *
 * Rules with `log` (SL_RULE_F_LOG) are noted during the walk and become
 * events in sl_log_flush, after classification; when no rule logs
 * (SL_CFG_LOG clear) the verifier prunes all of it at load.
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

/* The packet's class bitmap per dimension, and the AND of their summaries. */
struct sl_cands {
	const struct sl_rule_bits *bits[SL_DIM_COUNT];
	__u64 summary;
};

/*
 * Takes class cls as the packet's class in dimension d. Returns -1 when a
 * table entry is missing, which only a half-written table can cause; the
 * caller then stops classifying. An early exit, rather than an empty
 * bitmap, keeps the verifier from tracking one path per combination.
 */
static __always_inline int sl_take_class(struct sl_cands *c, enum sl_dim d, __u32 cls)
{
	const struct sl_rule_bits *b = bpf_map_lookup_elem(&sl_class_bits, &cls);
	const __u64 *sum = bpf_map_lookup_elem(&sl_class_sum, &cls);

	if (!b || !sum)
		return -1;
	c->bits[d] = b;
	c->summary &= *sum;
	return 0;
}

static __always_inline int sl_take_field(struct sl_cands *c, enum sl_dim d, __u32 index)
{
	__u32 *cls = bpf_map_lookup_elem(&sl_field_class, &index);

	if (!cls)
		return -1;
	return sl_take_class(c, d, *cls);
}

/* Entry i of a DIR table: the (i & 1)th __u32 of element i >> 1 (abi.h). */
static __always_inline int sl_dir_entry(void *map, __u32 i, __u32 *out)
{
	__u32 key = i / SL_DIR_PER_ELEM;
	__u32 *pair = bpf_map_lookup_elem(map, &key);

	if (!pair)
		return -1;
	*out = pair[i & (SL_DIR_PER_ELEM - 1)];
	return 0;
}

/* One or two array reads, however many prefixes there are (abi.h). */
static __always_inline __u32 sl_addr4_class_of(const __u8 *addr)
{
	__u32 a, v;

	if (!(sl_cfg.flags & SL_CFG_IP4_TABLE))
		return sl_cfg.addr_default_class;
	__builtin_memcpy(&a, addr, 4);
	a = bpf_ntohl(a);
	if (sl_dir_entry(&sl_dir24, a >> 8, &v))
		return sl_cfg.addr_default_class;
	if (!(v & SL_DIR_EXT))
		return v;
	if (sl_dir_entry(&sl_dir8, (v & ~SL_DIR_EXT) * SL_DIR8_GROUP + (a & 0xff), &v))
		return sl_cfg.addr_default_class;
	return v;
}

static __always_inline __u32 sl_addr_class_of(const struct sl_pkt *p, const __u8 *addr)
{
	__u32 *cls = NULL;

	if (p->l3_proto == ETH_P_IP) {
		return sl_addr4_class_of(addr);
	} else {
		struct sl_lpm6_key k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, addr, 16);
		cls = bpf_map_lookup_elem(&sl_pfx6, &k6);
	}
	return cls ? *cls : sl_cfg.addr_default_class;
}

static __always_inline int sl_take_addr(struct sl_cands *c, const struct sl_pkt *p,
					const __u8 *addr, enum sl_dim d)
{
	__u32 id = sl_addr_class_of(p, addr);
	struct sl_addr_class *ac = bpf_map_lookup_elem(&sl_addr_class, &id);

	if (!ac)
		return -1;
	return sl_take_class(c, d, d == SL_DIM_SRC ? ac->src_bits : ac->dst_bits);
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

static __always_inline void sl_log_stat(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&sl_log_stats, &stat);

	if (v)
		(*v)++;
}

/*
 * The event of a logging rule that counted or decided a packet: 1 in
 * log_sample matches, at most log_rate a second, both per CPU so that
 * the packet path shares no cache line; then a record reserved in the
 * ring buffer, never waited for (a full ring is counted). A global
 * function, verified once; rules that do not log never call it.
 */
__noinline int sl_log_event(struct xdp_md *ctx, const struct sl_pkt *p, const struct sl_rule *rule,
			    __u32 verdict)
{
	void *data, *data_end;
	struct sl_log_state *st;
	struct sl_event *ev;
	__u32 n, len, slot;
	__u64 now;

	if (!ctx || !p || !rule)
		return 0;
	/* Counters and log state follow the rule's stable slot, not its position. */
	slot = rule->stat_slot;
	st = bpf_map_lookup_elem(&sl_log_state, &slot);
	if (!st)
		return 0;
	if (rule->log_sample > 1) {
		n = st->sample_n;
		st->sample_n = n + 1 >= rule->log_sample ? 0 : n + 1;
		if (n) {
			sl_log_stat(SL_LOG_STAT_SAMPLED_OUT);
			return 0;
		}
	}
	now = bpf_ktime_get_ns();
	if (rule->log_rate) {
		if (now - st->window_ns >= 1000000000ULL) {
			st->window_ns = now;
			st->window_n = 0;
		}
		if (st->window_n >= rule->log_rate) {
			sl_log_stat(SL_LOG_STAT_RATE_LIMITED);
			return 0;
		}
	}

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	len = data_end - data;
	if (rule->capture_len) {
		ev = bpf_ringbuf_reserve(&sl_events, sizeof(*ev) + SL_CAPTURE_MAX, 0);
		if (!ev)
			goto full;
		n = rule->capture_len;
		if (n > len)
			n = len;
		if (n > SL_CAPTURE_MAX)
			n = SL_CAPTURE_MAX;
		if (n) {
			/*
			 * The verifier needs 1..SL_CAPTURE_MAX in the register
			 * passed; the barrier stops clang from proving the mask
			 * redundant and dropping it (it is, for n in range).
			 */
			asm volatile("" : "+r"(n));
			n = ((n - 1) & (SL_CAPTURE_MAX - 1)) + 1;
			if (bpf_xdp_load_bytes(ctx, 0, (__u8 *)(ev + 1), n))
				n = 0;
		}
		ev->cap_len = n;
	} else {
		ev = bpf_ringbuf_reserve(&sl_events, sizeof(*ev), 0);
		if (!ev)
			goto full;
		ev->cap_len = 0;
	}
	ev->magic = SL_EVENT_MAGIC;
	ev->version = SL_EVENT_VERSION;
	ev->type = SL_EVENT_PACKET;
	ev->verdict = verdict;
	ev->family = p->l3_proto == ETH_P_IP ? 4 : 6;
	ev->l4_proto = p->l4_proto;
	ev->flags = (p->vlan != SL_VLAN_NONE ? SL_EVF_VLAN : 0) | (p->frag ? SL_EVF_FRAG : 0) |
		    (p->sport != SL_PORT_NONE ? SL_EVF_PORTS : 0) |
		    (p->tcp_flags_valid ? SL_EVF_TCP_FLAGS : 0) |
		    (p->icmp != SL_ICMP_NONE ? SL_EVF_ICMP : 0);
	ev->ts_ns = now;
	ev->rule = slot;
	ev->reason = verdict == SL_EV_VERDICT_DROP ? SL_REASON_RULE : SL_REASON_NONE;
	ev->ifindex = ctx->ingress_ifindex;
	ev->rx_queue = ctx->rx_queue_index;
	ev->pkt_len = len;
	ev->vlan = p->vlan != SL_VLAN_NONE ? p->vlan : 0;
	ev->sport = p->sport != SL_PORT_NONE ? p->sport : 0;
	ev->dport = p->dport != SL_PORT_NONE ? p->dport : 0;
	ev->tcp_flags = p->tcp_flags_valid ? p->tcp_flags : 0;
	ev->icmp = p->icmp != SL_ICMP_NONE ? p->icmp & 0xff : 0;
	ev->pad[0] = 0;
	ev->pad[1] = 0;
	__builtin_memcpy(ev->src, p->src, 16);
	__builtin_memcpy(ev->dst, p->dst, 16);
	/* No wakeup: the logger polls the ring at least every 2 ms
	 * (SL_LOG_IDLE_MS). A wakeup per event, which the kernel sends
	 * whenever the consumer has caught up, costs the receiving CPU an
	 * irq_work and a scheduler wakeup per logged packet: at 1/100
	 * sampling that cut the drop rate by a fifth (log_drop_rate). */
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	st->window_n++;
	sl_log_stat(SL_LOG_STAT_EMITTED);
	return 0;
full:
	sl_log_stat(SL_LOG_STAT_RING_FULL);
	return 0;
}

/* Notes a logging rule the packet met, for sl_log_flush. */
static __always_inline void sl_log_note(__u32 idx, __u32 verdict)
{
	__u32 zero = 0;
	struct sl_log_pending *pd = bpf_map_lookup_elem(&sl_log_pending, &zero);
	__u32 n;

	if (!pd)
		return;
	n = pd->n;
	if (n >= SL_LOG_PENDING_MAX) {
		sl_log_stat(SL_LOG_STAT_TOO_MANY);
		return;
	}
	pd->rule[n] = idx;
	pd->verdict[n] = verdict;
	pd->n = n + 1;
}

/*
 * Walks the candidate rules of one bitmap word in rule order: count rules
 * are counted and passed over, the first accept or drop rule is counted
 * and decides. Returns SL_CLASSIFY_RESULT(verdict, reason) or
 * SL_WALK_CONTINUE. With log, a rule with SL_RULE_F_LOG is noted for its
 * event (sl_log_note).
 */
static __always_inline __u32 sl_walk(__u64 word, __u32 base, __u64 bytes, const int log)
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
		sl_count(&sl_rule_stats, rule->stat_slot, bytes);
		if (log && (rule->flags & SL_RULE_F_LOG))
			sl_log_note(idx, rule->action == SL_ACT_ACCEPT ? SL_EV_VERDICT_PASS
					 : rule->action == SL_ACT_DROP ? SL_EV_VERDICT_DROP
								       : SL_EV_VERDICT_COUNT);
		if (rule->action == SL_ACT_ACCEPT)
			return SL_CLASSIFY_RESULT(SL_VERDICT_PASS, SL_REASON_NONE);
		if (rule->action == SL_ACT_DROP)
			return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_RULE);
		/* The entry program redirects it (sl_steer in sluice.bpf.c). */
		if (rule->action == SL_ACT_STEER)
			return SL_CLASSIFY_RESULT(SL_VERDICT_STEER, SL_REASON_NONE);
	}
	return SL_WALK_CONTINUE;
}

/*
 * sl_walk for one word, as global functions: the verifier checks each
 * once with an unknown word, not once per word per caller path. Two of
 * them so that a profile without logging rules runs exactly the walk it
 * would run without events; the caller picks one by SL_CFG_LOG in rodata
 * and the verifier prunes the other.
 */
__noinline __u32 sl_walk_word(__u64 word, __u32 base, __u64 bytes)
{
	return sl_walk(word, base, bytes, 0);
}

__noinline __u32 sl_walk_word_log(__u64 word, __u32 base, __u64 bytes)
{
	return sl_walk(word, base, bytes, 1);
}

/* The candidate rules of every word, in rule order, until one decides. */
static __always_inline __u32 sl_walk_words(const struct sl_cands *c, __u64 bytes, const int log)
{
	__u32 res;
	int i, d;

#pragma unroll
	for (i = 0; i < SL_RULE_WORDS; i++) {
		__u64 word = ~0ULL;

		if (i >= sl_cfg.rule_words)
			break;
		if (!(c->summary & (1ULL << i)))
			continue;
#pragma unroll
		for (d = 0; d < SL_DIM_COUNT; d++) {
			if (sl_dim_used(d))
				word &= c->bits[d]->w[i];
		}
		if (!word)
			continue;
		if (log)
			res = sl_walk_word_log(word, i * 64, bytes);
		else
			res = sl_walk_word(word, i * 64, bytes);
		if (res != SL_WALK_CONTINUE)
			return res;
	}
	return SL_WALK_CONTINUE;
}

/*
 * The events of the logging rules the packet met, after classification
 * (only called when some rule logs). A global function, verified once.
 */
__noinline int sl_log_flush(struct xdp_md *ctx, const struct sl_pkt *p)
{
	__u32 zero = 0;
	struct sl_log_pending *pd = bpf_map_lookup_elem(&sl_log_pending, &zero);
	int i;

	if (!ctx || !p || !pd)
		return 0;
	for (i = 0; i < SL_LOG_PENDING_MAX; i++) {
		struct sl_rule *rule;
		__u32 idx;

		if (i >= pd->n)
			break;
		idx = pd->rule[i];
		rule = bpf_map_lookup_elem(&sl_rules, &idx);
		if (rule)
			sl_log_event(ctx, p, rule, pd->verdict[i]);
	}
	pd->n = 0;
	return 0;
}

/*
 * Computes the candidate rules of the packet and walks them in rule order.
 * Returns SL_CLASSIFY_RESULT(verdict, reason).
 *
 * A global function, so the verifier checks it once, not once for every
 * path through the parser that reaches it.
 */
__noinline int sl_classify(struct xdp_md *ctx, const struct sl_pkt *p, __u64 bytes)
{
	struct sl_cands c = { .summary = ~0ULL };
	__u32 res;

	if (!ctx || !p)
		return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_TABLE_MISS);

	if (sl_dim_used(SL_DIM_PROTO) && sl_take_field(&c, SL_DIM_PROTO, SL_FIELD_BASE_PROTO + p->l4_proto))
		goto missing;
	if (sl_dim_used(SL_DIM_SPORT) && sl_take_field(&c, SL_DIM_SPORT, SL_FIELD_BASE_SPORT + p->sport))
		goto missing;
	if (sl_dim_used(SL_DIM_DPORT) && sl_take_field(&c, SL_DIM_DPORT, SL_FIELD_BASE_DPORT + p->dport))
		goto missing;
	if (sl_dim_used(SL_DIM_TCP_FLAGS) &&
	    sl_take_field(&c, SL_DIM_TCP_FLAGS,
			  SL_FIELD_BASE_TCP_FLAGS + (p->tcp_flags_valid ? p->tcp_flags : SL_TCP_FLAGS_NONE)))
		goto missing;
	if (sl_dim_used(SL_DIM_ICMP) && sl_take_field(&c, SL_DIM_ICMP, SL_FIELD_BASE_ICMP + p->icmp))
		goto missing;
	if (sl_dim_used(SL_DIM_VLAN) && sl_take_field(&c, SL_DIM_VLAN, SL_FIELD_BASE_VLAN + p->vlan))
		goto missing;
	if (sl_dim_used(SL_DIM_IFACE)) {
		__u32 ifindex = ctx->ingress_ifindex;
		__u32 *cls = bpf_map_lookup_elem(&sl_iface_class, &ifindex);

		if (sl_take_class(&c, SL_DIM_IFACE, cls ? *cls : sl_cfg.iface_default_class))
			goto missing;
	}
	if (sl_dim_used(SL_DIM_SRC) && sl_take_addr(&c, p, p->src, SL_DIM_SRC))
		goto missing;
	if (sl_dim_used(SL_DIM_DST) && sl_take_addr(&c, p, p->dst, SL_DIM_DST))
		goto missing;

	/* The verifier keeps the copy of the walk that SL_CFG_LOG selects. */
	if (sl_cfg.flags & SL_CFG_LOG)
		res = sl_walk_words(&c, bytes, 1);
	else
		res = sl_walk_words(&c, bytes, 0);
	if (res != SL_WALK_CONTINUE)
		return res;
	if (sl_cfg.default_verdict == SL_VERDICT_DROP)
		return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_DEFAULT_POLICY);
	return SL_CLASSIFY_RESULT(SL_VERDICT_PASS, SL_REASON_NONE);
missing:
	return SL_CLASSIFY_RESULT(SL_VERDICT_DROP, SL_REASON_TABLE_MISS);
}

#endif /* SLUICE_XDP_RULES_H */
