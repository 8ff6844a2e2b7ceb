/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Runs frames through the real firewall program: a YAML config goes
 * through the real loader, compiler and program loader (sl_config_load_buffer,
 * sl_compile, sl_fw_load); frames go through BPF_PROG_TEST_RUN; counters
 * come back through sl_stats_read. Each test program owns its harnesses.
 */
#ifndef SLUICE_TESTS_XDP_HARNESS_H
#define SLUICE_TESTS_XDP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/compile.h"
#include "control/config.h"
#include "control/stats.h"
#include "dataplane/fw.h"

#define XH_SKIP 77 /* meson's exit code for a skipped test */

struct xh {
	struct sl_config *cfg;
	struct sl_tables *tables;
	struct sl_fw *fw;
	struct sl_stats_fds fds;
	int rule_stats_fd;
	struct sl_stats *before; /* counters before the last xh_run */
	struct sl_stats *after;  /* and after it */
	struct sl_diag diag;     /* the message of the last failure */
};

/*
 * Checks that this process can load and test-run an XDP program. Returns
 * 0, XH_SKIP when the kernel has no BPF_PROG_TEST_RUN for XDP, or -1
 * (with a message on stderr) for anything else, such as missing root.
 */
int xh_probe(void);

/*
 * Loads a config from YAML text; set files are resolved against
 * base_dir (NULL: $SLUICE_SRCDIR/tests/data/bpf). Returns 0 or a negative
 * errno with h->diag (and stderr) saying which stage failed.
 */
int xh_open(struct xh *h, const char *yaml, const char *base_dir);

/* Releases everything xh_open made. Safe on a zeroed or failed harness. */
void xh_close(struct xh *h);

/*
 * Runs one frame with ingress_ifindex (0: none) and stores the XDP
 * return in *xdp_ret. Snapshots the counters before and after the run
 * into h->before and h->after. Frames shorter than 14 bytes are refused
 * by the kernel (-EINVAL). Returns 0 or a negative errno.
 */
int xh_run(struct xh *h, const void *frame, size_t len, uint32_t ifindex, uint32_t *xdp_ret);

/* The same without the counter snapshots, for loops of many packets. */
int xh_run_fast(struct xh *h, const void *frame, size_t len, uint32_t ifindex,
		uint32_t *xdp_ret);

/* The per-rule packet counter of rule idx summed over CPUs, or -1 on error. */
int64_t xh_rule_packets(struct xh *h, uint32_t idx);

/* Reads all counters into out. 0 or a negative errno. */
int xh_stats(struct xh *h, struct sl_stats *out);

/* Index of the rule named name in the compiled tables, or -1. */
int xh_rule_index(const struct xh *h, const char *name);

/* Counter deltas of the last xh_run. */
uint64_t xh_d_verdict(const struct xh *h, uint32_t verdict);
uint64_t xh_d_reason(const struct xh *h, uint32_t reason);
uint64_t xh_d_rule(const struct xh *h, uint32_t idx);
uint64_t xh_d_verdict_bytes(const struct xh *h, uint32_t verdict);

/*
 * Checks the counter deltas of the last run against one packet of len
 * bytes with the given verdict, reason (SL_REASON_NONE: no reason counted)
 * and exactly the rules listed in rules[] (names, NULL-terminated, may be
 * NULL) counted once. Returns NULL when all agree, else a static
 * description of the first mismatch.
 */
const char *xh_check_deltas(const struct xh *h, size_t len, uint32_t verdict, uint32_t reason,
			    const char *const *rules);

/* NULL when the last run counted nothing at all, else what it counted. */
const char *xh_check_nothing(const struct xh *h);

#endif /* SLUICE_TESTS_XDP_HARNESS_H */
