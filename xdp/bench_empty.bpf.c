/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The baseline of benchmarks/xdp_cost: an XDP program that does nothing
 * but drop. Its BPF_PROG_TEST_RUN cost is the fixed cost of running any
 * XDP program, which the benchmark subtracts from sluice's.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
