/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The firewall's entry program: parse, then the policies for malformed,
 * non-IP and fragmented packets, then the stateless rules; every packet
 * is counted once by verdict, every drop and parse error by reason.
 */
#include "parse.h"
#include "maps.h"
#include "rules.h"

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

static __always_inline int sl_malformed(__u32 reason, __u64 bytes)
{
	sl_count(&sl_reasons, reason, bytes);
	return sl_finish(sl_cfg.malformed_policy == SL_POLICY_DROP ? SL_VERDICT_DROP : SL_VERDICT_PASS,
			 reason, bytes);
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
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
	return sl_finish(verdict & 0xff, verdict >> 8, bytes);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
