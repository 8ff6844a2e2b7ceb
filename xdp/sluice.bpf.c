/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The firewall's entry program: parse, then the policies for malformed,
 * non-IP and fragmented packets, then the stateless rules; every packet
 * is counted once by verdict, every drop and parse error by reason.
 */
#include "parse.h"
#include "maps.h"
#include "rules.h"
#include "flowcache.h"

const volatile struct sl_prog_cfg sl_cfg = {
	.default_verdict = SL_VERDICT_DROP,
	.malformed_policy = SL_POLICY_DROP,
	.non_ip_policy = SL_POLICY_PASS,
	.frag_policy = SL_POLICY_RULES,
};

static __always_inline int sl_finish(__u32 verdict, __u32 reason, __u64 bytes)
{
	sl_count(&sl_verdicts, verdict, bytes);
	if (verdict == SL_VERDICT_DROP) {
		/* Parse errors were counted where they were found. */
		if (reason >= SL_REASON_RULE)
			sl_count(&sl_reasons, reason, bytes);
		return XDP_DROP;
	}
	return XDP_PASS;
}

/*
 * A packet a steer rule decided goes to the AF_XDP socket of its RX queue
 * (docs/dataplane.md). When the queue has no socket, bpf_redirect_map
 * returns the low bits of its flags instead: XDP_PASS (fail-open) or
 * XDP_DROP (fail-closed) from the rodata, so the policy costs no lookup of
 * its own and the return value says which way the packet went.
 */
static __always_inline int sl_steer(struct xdp_md *ctx, __u64 bytes)
{
	__u64 fallback = (sl_cfg.flags & SL_CFG_STEER_DROP) ? XDP_DROP : XDP_PASS;
	__u32 key = ctx->rx_queue_index;
	long act;

	/* The second port of an inline pair has its sockets further on (abi.h). */
	if (sl_cfg.flags & SL_CFG_INLINE) {
		__u32 ifindex = ctx->ingress_ifindex;
		__u32 *base = bpf_map_lookup_elem(&sl_xsk_base, &ifindex);

		if (base)
			key += *base;
	}
	act = bpf_redirect_map(&sl_xsks, key, fallback);

	if (act == XDP_REDIRECT) {
		sl_count(&sl_steer_stats, SL_STEER_REDIRECTED, bytes);
		sl_count(&sl_verdicts, SL_VERDICT_STEER, bytes);
		return XDP_REDIRECT;
	}
	if (act == XDP_DROP) {
		sl_count(&sl_steer_stats, SL_STEER_NO_SOCKET_DROP, bytes);
		return sl_finish(SL_VERDICT_DROP, SL_REASON_NO_SOCKET, bytes);
	}
	sl_count(&sl_steer_stats, SL_STEER_NO_SOCKET_PASS, bytes);
	return sl_finish(SL_VERDICT_PASS, SL_REASON_NONE, bytes);
}

/*
 * A packet the firewall passed on a port of an inline pair leaves on the
 * peer port (docs/dataplane.md, "Inline forward") instead of entering
 * this host's stack; a port with no entry in sl_peers gets the fallback,
 * XDP_PASS, so other interfaces of the same program pass as before.
 */
static __always_inline int sl_inline_pass(struct xdp_md *ctx, __u64 bytes)
{
	long act = bpf_redirect_map(&sl_peers, ctx->ingress_ifindex, XDP_PASS);

	sl_count(&sl_inline_stats, act == XDP_REDIRECT ? SL_INLINE_REDIRECTED : SL_INLINE_NO_PEER,
		 bytes);
	return act;
}

static __always_inline int sl_malformed(__u32 reason, __u64 bytes)
{
	sl_count(&sl_reasons, reason, bytes);
	return sl_finish(sl_cfg.malformed_policy == SL_POLICY_DROP ? SL_VERDICT_DROP : SL_VERDICT_PASS,
			 reason, bytes);
}

static __always_inline int sl_firewall(struct xdp_md *ctx)
{
	struct sl_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u64 bytes = c.end - c.pos;
	struct sl_pkt p = {};
	__u16 eth_type = 0;
	__u32 verdict;
	int err;

	err = sl_parse_eth(&c, &p, &eth_type);
	if (err)
		return sl_malformed(err, bytes);

	if (eth_type == ETH_P_IP)
		err = sl_parse_ip4(&c, &p);
	else if (eth_type == ETH_P_IPV6)
		err = sl_parse_ip6(&c, &p);
	else
		return sl_finish(sl_cfg.non_ip_policy == SL_POLICY_DROP ? SL_VERDICT_DROP : SL_VERDICT_PASS,
				 SL_REASON_NON_IP, bytes);
	if (err)
		return sl_malformed(err, bytes);

	err = sl_parse_l4(&c, &p);
	if (err)
		return sl_malformed(err, bytes);

	if (p.frag && sl_cfg.frag_policy != SL_POLICY_RULES)
		return sl_finish(sl_cfg.frag_policy == SL_POLICY_DROP ? SL_VERDICT_DROP : SL_VERDICT_PASS,
				 SL_REASON_IP_FRAG, bytes);

	verdict = sl_classify(ctx, &p, bytes);
	/* Events of logging rules; pruned at load when no rule logs. */
	if (sl_cfg.flags & SL_CFG_LOG)
		sl_log_flush(ctx, &p);
	/* Pruned at load when no rule steers. */
	if ((sl_cfg.flags & SL_CFG_STEER) && (verdict & 0xff) == SL_VERDICT_STEER) {
		/*
		 * A steered flow the inspect stage has judged is decided here
		 * instead of in userspace (docs/inspect.md). After the rules, so
		 * a rule change applies to judged flows at once, and traffic no
		 * rule steers never pays for the lookup. Pruned without inspection.
		 */
		if (sl_cfg.flags & SL_CFG_FLOWCACHE) {
			__u32 fr = sl_flowcache_result(&p);

			if (fr != SL_FLOWCACHE_MISS)
				return sl_finish(fr & 0xff, fr >> 8, bytes);
		}
		return sl_steer(ctx, bytes);
	}
	return sl_finish(verdict & 0xff, verdict >> 8, bytes);
}

/*
 * Counts a packet under its ingress interface: the interface's entry is
 * made on its first packet. Two CPUs making it at once is harmless: one
 * insert fails with -EEXIST and both look up the entry that won.
 */
static __always_inline void sl_count_iface(__u32 ifindex, __u32 verdict, __u64 bytes)
{
	struct sl_iface_counters *c = bpf_map_lookup_elem(&sl_iface_stats, &ifindex);

	if (!c) {
		struct sl_iface_counters zero = {};

		bpf_map_update_elem(&sl_iface_stats, &ifindex, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&sl_iface_stats, &ifindex);
		if (!c)
			return;
	}
	if (verdict < SL_VERDICT_COUNT) {
		c->verdict[verdict].packets++;
		c->verdict[verdict].bytes += bytes;
	}
}

/*
 * The firewall, then the packet counted once more under its ingress
 * interface; on an inline port a passed packet then goes to the peer.
 */
SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	__u32 ifindex = ctx->ingress_ifindex;
	int act = sl_firewall(ctx);
	__u32 verdict = act == XDP_DROP ? SL_VERDICT_DROP
					: act == XDP_REDIRECT ? SL_VERDICT_STEER : SL_VERDICT_PASS;

	sl_count_iface(ifindex, verdict, bytes);
	/* Pruned at load without inline pairs; counted above as the pass it is. */
	if ((sl_cfg.flags & SL_CFG_INLINE) && act == XDP_PASS)
		return sl_inline_pass(ctx, bytes);
	return act;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
