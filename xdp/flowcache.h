/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow verdict cache (docs/inspect.md): once the inspect stage in
 * userspace has judged a flow, it writes the verdict into sl_flowcache and
 * the program decides the rest of that flow here, where a steer rule would
 * send it to userspace again.
 */
#ifndef SLUICE_XDP_FLOWCACHE_H
#define SLUICE_XDP_FLOWCACHE_H

#include "parse.h"
#include "maps.h"

/* sl_flowcache_result's answer for a packet the cache does not decide. */
#define SL_FLOWCACHE_MISS 0xffffffffu

/*
 * The cached verdict on p's flow as a classification result (the verdict
 * in the low byte, the reason above it: drop with SL_REASON_FLOW_DENY, or
 * pass), or SL_FLOWCACHE_MISS for a packet other than TCP with ports, a
 * flow with no entry and an expired entry. An entry with less than half of its ttl left
 * is pushed on by a full ttl, so a verdict lasts as long as its flow is
 * active and lapses ttl_s after the flow's last packet at the latest (a
 * plain store: two CPUs refreshing at once write nearly the same value).
 *
 * A global function, so that a profile without the cache (its call pruned
 * at load) keeps the main program's code as it was.
 */
__noinline __u32 sl_flowcache_result(const struct sl_pkt *p)
{
	struct sl_flow_key k = {};
	struct sl_flow_verdict *v;
	__u64 now, ttl_ns;

	/* Only TLS verdicts are cached (DNS ones are per query): other packets skip the hash. */
	if (!p || p->l4_proto != IPPROTO_TCP || p->sport == SL_PORT_NONE)
		return SL_FLOWCACHE_MISS;
	__builtin_memcpy(k.src, p->src, sizeof(k.src));
	__builtin_memcpy(k.dst, p->dst, sizeof(k.dst));
	k.sport = (__u16)p->sport;
	k.dport = (__u16)p->dport;
	k.proto = p->l4_proto;
	k.family = p->l3_proto == ETH_P_IP ? 4 : 6;
	v = bpf_map_lookup_elem(&sl_flowcache, &k);
	if (!v)
		return SL_FLOWCACHE_MISS;
	/*
	 * The coarse clock (CLOCK_MONOTONIC_COARSE) costs a fraction of the
	 * precise one and trails it by at most a tick: an entry written from
	 * CLOCK_MONOTONIC lives that much longer, nothing for a ttl in seconds.
	 */
	now = bpf_ktime_get_coarse_ns();
	if (now >= v->expires_ns)
		return SL_FLOWCACHE_MISS;
	ttl_ns = (__u64)v->ttl_s * 1000000000ull;
	if (v->expires_ns - now < ttl_ns / 2)
		v->expires_ns = now + ttl_ns;
	if (v->verdict == SL_FLOW_DROP)
		return SL_VERDICT_DROP | (SL_REASON_FLOW_DENY << 8);
	return SL_VERDICT_PASS | (SL_REASON_NONE << 8);
}

#endif /* SLUICE_XDP_FLOWCACHE_H */
