/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's analyser: on the receiving interface, finds the sluice-gen
 * payload after the L4 header, accounts its sequence number in the
 * stream's entry (under the entry's spin lock, since a stream may arrive
 * on several CPUs) and its one-way latency, receive time minus the
 * payload's tx_ns (both CLOCK_MONOTONIC on the same host), in a per-CPU
 * log-linear histogram. Packets without a payload pass untouched.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sluice/gen.h"
#include "sluice/gen_calc.h"
#include "gen_parse.h"

const volatile struct sl_gen_rx_cfg cfg = { .action = XDP_DROP };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_gen_rx_cpu);
} sl_gen_rx_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_GEN_HIST_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} sl_gen_rx_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_GEN_MAX_STREAMS);
	__type(key, __u32);
	__type(value, struct sl_gen_rx_stream);
} sl_gen_rx_streams SEC(".maps");

SEC("xdp")
int sl_gen_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 now = bpf_ktime_get_ns(), tx_ns, lat;
	struct sl_gen_rx_stream *s;
	struct sl_gen_rx_cpu *st;
	struct sl_gen_payload *pl;
	struct sl_gen_hdrs h = {};
	__u32 key = 0, bucket;
	__u64 *cnt;

	st = bpf_map_lookup_elem(&sl_gen_rx_stats, &key);
	if (!st)
		return XDP_PASS;
	if (sl_gen_parse(data, end, &h))
		goto other;
	pl = h.payload;
	if ((void *)(pl + 1) > end || pl->magic != bpf_htons(SL_GEN_MAGIC))
		goto other;

	st->packets++;
	st->bytes += end - data;
	key = bpf_ntohs(pl->stream) & (SL_GEN_MAX_STREAMS - 1);
	s = bpf_map_lookup_elem(&sl_gen_rx_streams, &key);
	if (s) {
		__u32 seq = bpf_ntohl(pl->seq);

		bpf_spin_lock(&s->lock);
		sl_gen_seq_account(&s->seq, seq);
		bpf_spin_unlock(&s->lock);
	}

	tx_ns = bpf_be64_to_cpu(pl->tx_ns);
	if (tx_ns > now) {
		st->clock_errors++;
		return cfg.action;
	}
	lat = now - tx_ns;
	st->lat_sum_ns += lat;
	if (lat > st->lat_max_ns)
		st->lat_max_ns = lat;
	bucket = sl_gen_hist_bucket(lat);
	cnt = bpf_map_lookup_elem(&sl_gen_rx_hist, &bucket);
	if (cnt)
		(*cnt)++;
	return cfg.action;
other:
	st->other++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
