/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The packet generator of benchmarks/livegen: run by BPF_PROG_TEST_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES), where XDP_TX becomes a
 * real transmission out of the ingress interface given in the context.
 * The frame is sent as built by userspace: nothing is rewritten, so every
 * run of the benchmark offers exactly the same packets.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
