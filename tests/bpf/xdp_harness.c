/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The BPF test harness of xdp_harness.h. */
#include "xdp_harness.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int xh_probe(void)
{
	/* r0 = XDP_PASS; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint8_t frame[64] = { 0 };
	struct xdp_md md = { .data_end = sizeof(frame), .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);
	int fd, err;

	if (geteuid() != 0) {
		fprintf(stderr, "the bpf tests need root (BPF_PROG_LOAD, BPF_PROG_TEST_RUN)\n");
		return -1;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "sl_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "cannot load an XDP program: %s\n", strerror(-err));
		return err == -EINVAL || err == -EOPNOTSUPP ? XH_SKIP : -1;
	}
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		err = -errno;
	close(fd);
	/* 524 is the kernel's ENOTSUPP: no test run for this program type. */
	if (err == -EOPNOTSUPP || err == -524 || err == -EINVAL) {
		fprintf(stderr, "no BPF_PROG_TEST_RUN for XDP with a context: %s\n", strerror(-err));
		return XH_SKIP;
	}
	if (err) {
		fprintf(stderr, "BPF_PROG_TEST_RUN failed: %s\n", strerror(-err));
		return -1;
	}
	if (opts.retval != XDP_PASS) {
		fprintf(stderr, "the probe program returned %u\n", opts.retval);
		return -1;
	}
	return 0;
}

int xh_open(struct xh *h, const char *yaml, const char *base_dir)
{
	char dir[4096];
	const char *src;
	int err;

	memset(h, 0, sizeof(*h));
	h->rule_stats_fd = -1;
	if (!base_dir) {
		src = getenv("SLUICE_SRCDIR");
		snprintf(dir, sizeof(dir), "%s/tests/data/bpf", src ? src : ".");
		base_dir = dir;
	}
	h->before = calloc(1, sizeof(*h->before));
	h->after = calloc(1, sizeof(*h->after));
	if (!h->before || !h->after) {
		err = -ENOMEM;
		goto out;
	}
	err = sl_config_load_buffer(yaml, strlen(yaml), "test.yaml", base_dir, &h->cfg, &h->diag);
	if (err) {
		fprintf(stderr, "config: %s (%d)\n", h->diag.msg, err);
		goto out;
	}
	err = sl_compile(h->cfg, &h->tables, &h->diag);
	if (err) {
		fprintf(stderr, "compile: %s (%d)\n", h->diag.msg, err);
		goto out;
	}
	err = sl_fw_load(h->tables, &h->fw, &h->diag);
	if (err) {
		fprintf(stderr, "load: %s (%d)\n", h->diag.msg, err);
		goto out;
	}
	h->fds.verdicts = sl_fw_map_fd(h->fw, "sl_verdicts");
	h->fds.reasons = sl_fw_map_fd(h->fw, "sl_reasons");
	h->fds.rule_stats = sl_fw_map_fd(h->fw, "sl_rule_stats");
	h->fds.rule_meta = sl_fw_map_fd(h->fw, "sl_rule_meta");
	h->fds.rules = sl_fw_map_fd(h->fw, "sl_rules");
	h->fds.iface_stats = sl_fw_map_fd(h->fw, "sl_iface_stats");
	h->rule_stats_fd = h->fds.rule_stats;
	if (h->fds.verdicts < 0 || h->fds.reasons < 0 || h->fds.rule_stats < 0 ||
	    h->fds.rule_meta < 0) {
		snprintf(h->diag.msg, sizeof(h->diag.msg), "a counter map is missing");
		fprintf(stderr, "%s\n", h->diag.msg);
		err = -ENOENT;
		goto out;
	}
	return 0;
out:
	xh_close(h);
	return err;
}

void xh_close(struct xh *h)
{
	/* The map fds belong to fw. */
	sl_fw_destroy(h->fw, false);
	sl_tables_free(h->tables);
	sl_config_free(h->cfg);
	free(h->before);
	free(h->after);
	h->fw = NULL;
	h->tables = NULL;
	h->cfg = NULL;
	h->before = h->after = NULL;
}

int xh_run_fast(struct xh *h, const void *frame, size_t len, uint32_t ifindex, uint32_t *xdp_ret)
{
	struct xdp_md md = { .data_end = (uint32_t)len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);

	if (bpf_prog_test_run_opts(sl_fw_prog_fd(h->fw), &opts))
		return -errno;
	*xdp_ret = opts.retval;
	return 0;
}

int xh_stats(struct xh *h, struct sl_stats *out)
{
	return sl_stats_read(&h->fds, out);
}

int xh_run(struct xh *h, const void *frame, size_t len, uint32_t ifindex, uint32_t *xdp_ret)
{
	int err, run_err;

	err = sl_stats_read(&h->fds, h->before);
	if (err)
		return err;
	run_err = xh_run_fast(h, frame, len, ifindex, xdp_ret);
	/* The after snapshot is taken even on failure, to show nothing moved. */
	err = sl_stats_read(&h->fds, h->after);
	return run_err ? run_err : err;
}

int64_t xh_rule_packets(struct xh *h, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_counter *v;
	int64_t sum = 0;
	int i;

	if (ncpu <= 0)
		return -1;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -1;
	if (bpf_map_lookup_elem(h->rule_stats_fd, &idx, v)) {
		free(v);
		return -1;
	}
	for (i = 0; i < ncpu; i++)
		sum += (int64_t)v[i].packets;
	free(v);
	return sum;
}

int xh_rule_index(const struct xh *h, const char *name)
{
	uint32_t i;

	for (i = 0; i < h->tables->n_rules; i++)
		if (!strncmp(h->tables->meta[i].name, name, SL_RULE_NAME_LEN))
			return (int)i;
	return -1;
}

uint64_t xh_d_verdict(const struct xh *h, uint32_t verdict)
{
	return h->after->verdicts[verdict].packets - h->before->verdicts[verdict].packets;
}

uint64_t xh_d_verdict_bytes(const struct xh *h, uint32_t verdict)
{
	return h->after->verdicts[verdict].bytes - h->before->verdicts[verdict].bytes;
}

uint64_t xh_d_reason(const struct xh *h, uint32_t reason)
{
	return h->after->reasons[reason].packets - h->before->reasons[reason].packets;
}

uint64_t xh_d_rule(const struct xh *h, uint32_t idx)
{
	return h->after->rules[idx].packets - h->before->rules[idx].packets;
}

const char *xh_check_deltas(const struct xh *h, size_t len, uint32_t verdict, uint32_t reason,
			    const char *const *rules)
{
	static char why[256];
	bool want[SL_MAX_RULES] = { false };
	uint32_t i;

	for (i = 0; rules && rules[i]; i++) {
		int idx = xh_rule_index(h, rules[i]);

		if (idx < 0) {
			snprintf(why, sizeof(why), "no rule named %s", rules[i]);
			return why;
		}
		want[idx] = true;
	}
	for (i = 0; i < SL_VERDICT_COUNT; i++) {
		uint64_t d = xh_d_verdict(h, i), want_d = i == verdict;

		if (d != want_d) {
			snprintf(why, sizeof(why), "verdict %s counted %llu times, want %llu",
				 sl_verdict_name(i), (unsigned long long)d, (unsigned long long)want_d);
			return why;
		}
	}
	if (xh_d_verdict_bytes(h, verdict) != len) {
		snprintf(why, sizeof(why), "verdict %s bytes %llu, want %zu", sl_verdict_name(verdict),
			 (unsigned long long)xh_d_verdict_bytes(h, verdict), len);
		return why;
	}
	for (i = 0; i < SL_REASON_COUNT; i++) {
		uint64_t d = xh_d_reason(h, i), want_d = reason != SL_REASON_NONE && i == reason;

		if (d != want_d) {
			snprintf(why, sizeof(why), "reason %s counted %llu times, want %llu",
				 sl_reason_name(i), (unsigned long long)d, (unsigned long long)want_d);
			return why;
		}
	}
	for (i = 0; i < SL_MAX_RULES; i++) {
		uint64_t d = xh_d_rule(h, i);

		if (d != (want[i] ? 1u : 0u)) {
			snprintf(why, sizeof(why), "rule %u (%.*s) counted %llu times, want %d", i,
				 SL_RULE_NAME_LEN, i < h->tables->n_rules ? h->tables->meta[i].name : "",
				 (unsigned long long)d, want[i] ? 1 : 0);
			return why;
		}
	}
	return NULL;
}

const char *xh_check_nothing(const struct xh *h)
{
	static char why[128];
	uint32_t i;

	for (i = 0; i < SL_VERDICT_COUNT; i++)
		if (xh_d_verdict(h, i) || xh_d_verdict_bytes(h, i)) {
			snprintf(why, sizeof(why), "verdict %s counted", sl_verdict_name(i));
			return why;
		}
	for (i = 0; i < SL_REASON_COUNT; i++)
		if (xh_d_reason(h, i)) {
			snprintf(why, sizeof(why), "reason %s counted", sl_reason_name(i));
			return why;
		}
	for (i = 0; i < SL_MAX_RULES; i++)
		if (xh_d_rule(h, i)) {
			snprintf(why, sizeof(why), "rule %u counted", i);
			return why;
		}
	return NULL;
}
