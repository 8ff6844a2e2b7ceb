/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen --plot: one SVG file with two panels, rates over time (one
 * line per series) and the latency distribution as a CDF on a log axis
 * with its p50 and p99 marked. Written by us (no gnuplot), so that a
 * plot costs nothing to install and its contents are ours to test.
 */
#ifndef SLUICE_GEN_PLOT_H
#define SLUICE_GEN_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SL_GEN_PLOT_MAX_SERIES 4

/* One line of the rate panel: n points (x[i], y[i]); non-finite ones are left out. */
struct sl_gen_plot_series {
	const char *name; /* the legend's text */
	const double *x, *y;
	size_t n;
};

struct sl_gen_plot {
	const char *title;   /* the first line of the figure */
	const char *x_label; /* the rate panel's x axis, e.g. "time (s)"; x is time since
				the start, so the axis begins at 0 (or below, for data before it) */
	const char *y_label; /* its y axis, e.g. "packets per second" */
	unsigned n_series;   /* <= SL_GEN_PLOT_MAX_SERIES */
	struct sl_gen_plot_series series[SL_GEN_PLOT_MAX_SERIES];
	/* SL_GEN_HIST_BUCKETS latency counts (gen/hist.h), or NULL for none. */
	const uint64_t *hist;
	uint64_t lat_max; /* the largest latency seen, ns (caps the last point); 0: unknown */
};

/*
 * Writes p as an SVG document to f. Each series is one <polyline> with
 * class "series" and one point per finite (x, y); the CDF is one
 * <polyline> with class "cdf" and one point per non-empty bucket. Returns
 * 0, -EINVAL for a malformed p, or -EIO when f reports a write error.
 */
int sl_gen_plot_svg(FILE *f, const struct sl_gen_plot *p);

/*
 * Writes p to path atomically: into a temporary file in path's directory,
 * then renamed over path, so a reader never sees half a plot and a failed
 * write leaves no file behind. Returns 0 or a negative errno with a
 * one-line reason in why.
 */
int sl_gen_plot_write(const char *path, const struct sl_gen_plot *p, char *why, size_t why_len);

/*
 * Checks before a run that sl_gen_plot_write can later succeed on path:
 * its directory exists and takes a new file, and path is not a directory.
 * Leaves nothing behind. Returns 0 or a negative errno with a one-line
 * reason in why.
 */
int sl_gen_plot_check_path(const char *path, char *why, size_t why_len);

#endif /* SLUICE_GEN_PLOT_H */
