/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Numbers as sluice-gen prints them, and the latency summary of a histogram. */
#ifndef SLUICE_GEN_REPORT_H
#define SLUICE_GEN_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/gen.h"

struct sl_gen_lat {
	uint64_t samples;
	uint64_t p50, p90, p99, p999, max; /* ns */
	double mean;                         /* ns */
};

/* The latency summary of hist (SL_GEN_HIST_BUCKETS counts), max and sum in ns. */
void sl_gen_lat_summary(const uint64_t *hist, uint64_t max, uint64_t sum, struct sl_gen_lat *out);

/* "1.23 Mpps"-style text for a rate, bit/s and ns, into buf. Return buf. */
const char *sl_gen_fmt_pps(double pps, char *buf, size_t len);
const char *sl_gen_fmt_bps(double bps, char *buf, size_t len);
const char *sl_gen_fmt_ns(double ns, char *buf, size_t len);

/*
 * Parses a rate: a number with an optional k, M or G, then optionally
 * "pps" (the default) or "bit"/"bps" (bit/s, FCS included). Sets *pps or
 * *bps (the other to 0). 0 or -EINVAL.
 */
int sl_gen_parse_rate(const char *s, double *pps, double *bps);

#endif /* SLUICE_GEN_REPORT_H */
