/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Printing numbers (report.h). */
#include "gen/report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/hist.h"
#include "gen/plot.h"

void sl_gen_lat_summary(const uint64_t *hist, uint64_t max, uint64_t sum, struct sl_gen_lat *out)
{
	memset(out, 0, sizeof(*out));
	out->samples = sl_gen_hist_total(hist);
	if (!out->samples)
		return;
	out->p50 = sl_gen_hist_percentile(hist, 50, max);
	out->p90 = sl_gen_hist_percentile(hist, 90, max);
	out->p99 = sl_gen_hist_percentile(hist, 99, max);
	out->p999 = sl_gen_hist_percentile(hist, 99.9, max);
	out->max = max;
	out->mean = (double)sum / (double)out->samples;
}

static const char *fmt_si(double v, const char *unit, char *buf, size_t len)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (fabs(v) >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.3g %s%s" : "%.0f %s%s", v, prefix[i], unit);
	return buf;
}

const char *sl_gen_fmt_pps(double pps, char *buf, size_t len)
{
	return fmt_si(pps, "pps", buf, len);
}

const char *sl_gen_fmt_bps(double bps, char *buf, size_t len)
{
	return fmt_si(bps, "bit/s", buf, len);
}

const char *sl_gen_fmt_ns(double ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3g s", ns / 1e9);
	return buf;
}

int sl_gen_parse_rate(const char *s, double *pps, double *bps)
{
	char *end;
	double v;

	*pps = *bps = 0;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v > 0) || !isfinite(v))
		return -EINVAL;
	switch (*end) {
	case 'k':
		v *= 1e3;
		end++;
		break;
	case 'M':
		v *= 1e6;
		end++;
		break;
	case 'G':
		v *= 1e9;
		end++;
		break;
	}
	/* "1e308G" overflows to infinity; a pacer cannot keep a rate below SL_GEN_RATE_MIN either. */
	if (!(v >= SL_GEN_RATE_MIN) || !(v <= SL_GEN_RATE_MAX))
		return -EINVAL;
	if (!*end || !strcmp(end, "pps")) {
		*pps = v;
		return 0;
	}
	if (!strcmp(end, "bit") || !strcmp(end, "bps") || !strcmp(end, "bit/s")) {
		*bps = v;
		return 0;
	}
	return -EINVAL;
}

int sl_gen_report_plot(const char *path, const char *title, const char *x_label,
		       const json_t *intervals, const uint64_t *hist, uint64_t lat_max, char *why,
		       size_t why_len)
{
	static const struct {
		const char *key, *name;
	} lines[] = { { "target_pps", "offered" }, { "tx_pps", "sent" }, { "rx_pps", "received" } };
	struct sl_gen_plot p = { .title = title, .x_label = x_label,
				 .y_label = "packets per second", .hist = hist, .lat_max = lat_max };
	size_t n = json_array_size(intervals), i;
	double *buf = NULL;
	unsigned k;
	int err;

	/* One x and one y column per line; a missing value is NaN, which the plot leaves out. */
	if (n) {
		buf = calloc(n * 4, sizeof(*buf));
		if (!buf) {
			snprintf(why, why_len, "--plot %s: out of memory", path);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++) {
		const json_t *t = json_object_get(json_array_get(intervals, i), "t");

		buf[i] = json_is_number(t) ? json_number_value(t) : NAN;
	}
	for (k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		double *y = buf + n * (1 + p.n_series);
		bool any = false;

		for (i = 0; i < n; i++) {
			const json_t *v = json_object_get(json_array_get(intervals, i), lines[k].key);

			y[i] = json_is_number(v) ? json_number_value(v) : NAN;
			any |= json_is_number(v);
		}
		if (!any)
			continue;
		p.series[p.n_series].name = lines[k].name;
		p.series[p.n_series].x = buf;
		p.series[p.n_series].y = y;
		p.series[p.n_series].n = n;
		p.n_series++;
	}
	err = sl_gen_plot_write(path, &p, why, why_len);
	free(buf);
	return err;
}
