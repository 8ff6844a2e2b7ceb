/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Numbers as sluice-gen prints them, and the latency summary of a histogram. */
#ifndef SLUICE_GEN_REPORT_H
#define SLUICE_GEN_REPORT_H

#include <jansson.h>
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

#define SL_GEN_RATE_MIN 1e-3 /* a packet in 1,000 s; a bit/s rate is at least this too */
#define SL_GEN_RATE_MAX 1e15

/*
 * Parses a rate: a number with an optional k, M or G, then optionally
 * "pps" (the default) or "bit"/"bps" (bit/s, FCS included). Sets *pps or
 * *bps (the other to 0), a value in [SL_GEN_RATE_MIN, SL_GEN_RATE_MAX].
 * 0 or -EINVAL.
 */
int sl_gen_parse_rate(const char *s, double *pps, double *bps);

/*
 * The --plot hook: draws a run into an SVG at path (gen/plot.h, written
 * atomically). intervals is an array of objects with "t" (x, seconds) and
 * any of "target_pps", "tx_pps" and "rx_pps" (the live lines' JSON, or one
 * object per search trial), each key that occurs one line: offered, sent,
 * received. hist is the latency histogram (SL_GEN_HIST_BUCKETS counts) or
 * NULL, lat_max its largest value in ns. Returns 0 or a negative errno
 * with a one-line reason in why.
 */
int sl_gen_report_plot(const char *path, const char *title, const char *x_label,
		       const json_t *intervals, const uint64_t *hist, uint64_t lat_max, char *why,
		       size_t why_len);

#endif /* SLUICE_GEN_REPORT_H */
