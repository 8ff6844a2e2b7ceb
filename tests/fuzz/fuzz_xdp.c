/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Feeds arbitrary frames to the real firewall program through
 * BPF_PROG_TEST_RUN. The program is loaded once, on the first input, from
 * a config that constrains every dimension, so every parser path and
 * every class lookup is reachable. Each run must return XDP_PASS or
 * XDP_DROP and count exactly one verdict, the one it returned; anything
 * else aborts, which libFuzzer reports as a crash.
 *
 * libFuzzer sees only userspace coverage, none of the BPF program's, so
 * the reasons and rules each run counted are fed back to it as extra
 * counters: a frame that reaches a new parser outcome or rule is kept.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/compile.h"
#include "control/config.h"
#include "dataplane/fw.h"

#define FUZZ_MAX_FRAME 4096
#define FUZZ_SKIP 77

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every dimension, every action, both families, sets and inline prefixes. */
static const char fuzz_config[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"  malformed: drop\n"
	"  non_ip: accept\n"
	"  fragments: rules\n"
	"sets:\n"
	"  - name: nets\n"
	"    prefixes: [198.18.0.0/15, 198.18.5.0/24, 2001:db8::/32, 2001:db8:5::/48]\n"
	"  - name: hosts\n"
	"    prefixes: [198.19.1.1, 2001:db8::1]\n"
	"rules:\n"
	"  - name: count-all\n"
	"    action: count\n"
	"  - name: vlan-on-lo\n"
	"    vlan: 100\n"
	"    interface: lo\n"
	"    action: drop\n"
	"  - name: syn-to-hosts\n"
	"    src: nets\n"
	"    dst: [hosts, 198.19.2.0/24]\n"
	"    protocol: tcp\n"
	"    sport: 1024-65535\n"
	"    dport: [22, 80, 443, 8000-8100]\n"
	"    tcp_flags: syn,!ack\n"
	"    action: drop\n"
	"  - name: dns\n"
	"    protocol: udp\n"
	"    dport: 53\n"
	"    action: accept\n"
	"  - name: udp-low\n"
	"    protocol: udp\n"
	"    sport: 0-1023\n"
	"    action: count\n"
	"  - name: ping\n"
	"    protocol: icmp\n"
	"    icmp_type: echo-request\n"
	"    action: drop\n"
	"  - name: ping6\n"
	"    protocol: icmpv6\n"
	"    icmp_type: echo-request\n"
	"    action: drop\n"
	"  - name: gre\n"
	"    protocol: 47\n"
	"    dst: 2001:db8:5::/48\n"
	"    action: drop\n";

#define FUZZ_RULES 64 /* rules of fuzz_config fed back, more than it has */

/* libFuzzer's extra coverage counters, one per reason and per rule. */
__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t fz_extra[SL_REASON_COUNT + FUZZ_RULES];

static struct {
	bool ready;
	struct sl_config *cfg;
	struct sl_tables *tables;
	struct sl_fw *fw;
	int prog_fd;
	int verdicts_fd;
	int reasons_fd;
	int rules_fd;
	uint32_t n_rules;
	int ncpu;
	struct sl_counter *percpu;
	uint32_t max_frame; /* largest frame the kernel takes for this program */
	uint64_t runs[SL_VERDICT_COUNT]; /* verdicts counted so far */
	uint64_t last[SL_REASON_COUNT + FUZZ_RULES]; /* reason and rule totals */
} fz;

static int fuzz_run(const uint8_t *frame, uint32_t len, uint32_t *ret)
{
	struct xdp_md md = { .data_end = len, .ingress_ifindex = 1 /* lo */ };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .ctx_in = &md,
		    .ctx_size_in = sizeof(md), .repeat = 1);

	if (bpf_prog_test_run_opts(fz.prog_fd, &opts))
		return -errno;
	*ret = opts.retval;
	return 0;
}

/* One per-CPU counter summed over CPUs; a map that cannot be read aborts. */
static uint64_t fuzz_counter(int fd, uint32_t key)
{
	uint64_t sum = 0;
	int i;

	if (bpf_map_lookup_elem(fd, &key, fz.percpu)) {
		fprintf(stderr, "fuzz_xdp: cannot read a counter map: %s\n", strerror(errno));
		abort();
	}
	for (i = 0; i < fz.ncpu; i++)
		sum += fz.percpu[i].packets;
	return sum;
}

static uint64_t fuzz_verdicts(uint32_t verdict)
{
	return fuzz_counter(fz.verdicts_fd, verdict);
}

/* Marks the reasons and rules whose counters moved since the last call. */
static void fuzz_feedback(bool mark)
{
	uint32_t i;

	for (i = 0; i < SL_REASON_COUNT + fz.n_rules; i++) {
		uint64_t now = i < SL_REASON_COUNT ? fuzz_counter(fz.reasons_fd, i)
						   : fuzz_counter(fz.rules_fd, i - SL_REASON_COUNT);

		if (mark && now != fz.last[i] && fz_extra[i] < 255)
			fz_extra[i]++;
		fz.last[i] = now;
	}
}

/* The kernel refuses frames shorter than ETH_HLEN and longer than a page's room. */
static uint32_t fuzz_probe_max(void)
{
	static uint8_t zero[FUZZ_MAX_FRAME];
	uint32_t lo = ETH_HLEN, hi = FUZZ_MAX_FRAME, ret;

	if (fuzz_run(zero, lo, &ret))
		return 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (fuzz_run(zero, mid, &ret))
			hi = mid - 1;
		else
			lo = mid;
	}
	return lo;
}

static void fuzz_init(void)
{
	struct sl_diag diag = { .msg = "" };
	int err, v;

	err = sl_config_load_buffer(fuzz_config, strlen(fuzz_config), "fuzz.yaml", NULL, &fz.cfg,
				    &diag);
	if (!err)
		err = sl_compile(fz.cfg, &fz.tables, &diag);
	if (!err)
		err = sl_fw_load(fz.tables, &fz.fw, &diag);
	if (err) {
		fprintf(stderr, "fuzz_xdp: cannot load the firewall: %s (%d)\n", diag.msg, err);
		abort();
	}
	fz.prog_fd = sl_fw_prog_fd(fz.fw);
	fz.verdicts_fd = sl_fw_map_fd(fz.fw, "sl_verdicts");
	fz.reasons_fd = sl_fw_map_fd(fz.fw, "sl_reasons");
	fz.rules_fd = sl_fw_map_fd(fz.fw, "sl_rule_stats");
	fz.n_rules = fz.tables->n_rules < FUZZ_RULES ? fz.tables->n_rules : FUZZ_RULES;
	fz.ncpu = libbpf_num_possible_cpus();
	if (fz.verdicts_fd < 0 || fz.reasons_fd < 0 || fz.rules_fd < 0 || fz.ncpu <= 0) {
		fprintf(stderr, "fuzz_xdp: no verdict map or CPU count\n");
		abort();
	}
	fz.percpu = calloc((size_t)fz.ncpu, sizeof(*fz.percpu));
	if (!fz.percpu)
		abort();
	fz.max_frame = fuzz_probe_max();
	if (!fz.max_frame) {
		fprintf(stderr, "fuzz_xdp: the kernel refuses a %d-byte frame\n", ETH_HLEN);
		abort();
	}
	/* The probes ran too: start from what the maps hold now. */
	for (v = 0; v < SL_VERDICT_COUNT; v++)
		fz.runs[v] = fuzz_verdicts((uint32_t)v);
	fuzz_feedback(false);
	fz.ready = true;
}

/*
 * Without libFuzzer (the standalone replay driver) this is not called and
 * a missing feature shows as an abort on the first input instead.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct bpf_insn pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint8_t frame[ETH_HLEN] = { 0 };
	struct xdp_md md = { .data_end = sizeof(frame), .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);
	int fd, err = 0;

	(void)argc;
	(void)argv;
	if (geteuid() != 0) {
		fprintf(stderr, "fuzz_xdp: needs root (BPF_PROG_LOAD, BPF_PROG_TEST_RUN)\n");
		return 0; /* the first input will fail loudly */
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "sl_probe", "GPL", pass, 2, NULL);
	if (fd >= 0) {
		if (bpf_prog_test_run_opts(fd, &opts))
			err = -errno;
		close(fd);
	}
	/* 524 is the kernel's ENOTSUPP. Before any input: meson's skip code. */
	if (err == -EOPNOTSUPP || err == -524) {
		fprintf(stderr, "fuzz_xdp: no BPF_PROG_TEST_RUN for XDP: skipped\n");
		exit(FUZZ_SKIP);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t ret = 0, verdict;
	uint64_t now[SL_VERDICT_COUNT];
	int err, v;

	if (!fz.ready)
		fuzz_init();
	if (size < ETH_HLEN || size > fz.max_frame)
		return 0;
	err = fuzz_run(data, (uint32_t)size, &ret);
	if (err) {
		fprintf(stderr, "fuzz_xdp: test run of %zu bytes failed: %s\n", size, strerror(-err));
		abort();
	}
	if (ret != XDP_PASS && ret != XDP_DROP) {
		fprintf(stderr, "fuzz_xdp: the program returned %u\n", ret);
		abort();
	}
	verdict = ret == XDP_PASS ? SL_VERDICT_PASS : SL_VERDICT_DROP;
	fz.runs[verdict]++;
	for (v = 0; v < SL_VERDICT_COUNT; v++) {
		now[v] = fuzz_verdicts((uint32_t)v);
		if (now[v] != fz.runs[v]) {
			fprintf(stderr, "fuzz_xdp: verdict %d counted %llu times, want %llu\n", v,
				(unsigned long long)now[v], (unsigned long long)fz.runs[v]);
			abort();
		}
	}
	fuzz_feedback(true);
	return 0;
}
