/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The SVG plot of sluice-gen (plot.h). */
#include "gen/plot.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen/hist.h"
#include "gen/report.h"
#include "sluice/gen.h"

/* The figure: two panels one above the other, in SVG user units (px). */
#define W 820
#define H 720
#define LEFT 100.0
#define RIGHT 790.0
#define RATE_TOP 70.0
#define RATE_BOTTOM 320.0
#define LAT_TOP 420.0
#define LAT_BOTTOM 670.0

static const char *const colors[SL_GEN_PLOT_MAX_SERIES] = { "#1f5fa8", "#c8372d", "#2e8b3d", "#7b4ea3" };

/*
 * Text as XML character data. Control bytes and bytes above 0x7f (an
 * interface name need not be UTF-8) become '?', so the document is always
 * well-formed whatever the caller passes.
 */
static void put_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			fputc(c < 0x20 || c > 0x7e ? '?' : c, f);
		}
	}
}

/* A round tick step (1, 2 or 5 times a power of ten) giving about 5 ticks over range. */
static double nice_step(double range)
{
	double raw = range / 5, mag, f;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* "250k", "1.5M": a tick label. */
static void si_label(double v, char *buf, size_t len)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (fabs(v) >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.3g%s", v, prefix[i]);
}

static void frame(FILE *f, double top, double bottom, const char *title)
{
	fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		   "fill=\"none\" stroke=\"#444\"/>\n", LEFT, top, RIGHT - LEFT, bottom - top);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">", LEFT, top - 12);
	put_text(f, title);
	fputs("</text>\n", f);
}

static void no_data(FILE *f, double top, double bottom, const char *what)
{
	fprintf(f, "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#666\">",
		(LEFT + RIGHT) / 2, (top + bottom) / 2);
	put_text(f, what);
	fputs("</text>\n", f);
}

static void rate_panel(FILE *f, const struct sl_gen_plot *p)
{
	double xmin = INFINITY, xmax = -INFINITY, ymax = 0, step, v, sx, sy;
	char label[32];
	unsigned s, k;
	size_t i;
	bool any = false, first;

	frame(f, RATE_TOP, RATE_BOTTOM, p->y_label ? p->y_label : "rate");
	for (s = 0; s < p->n_series; s++) {
		const struct sl_gen_plot_series *se = &p->series[s];

		for (i = 0; i < se->n; i++) {
			if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
				continue;
			any = true;
			xmin = fmin(xmin, se->x[i]);
			xmax = fmax(xmax, se->x[i]);
			ymax = fmax(ymax, se->y[i]);
		}
	}
	if (!any) {
		no_data(f, RATE_TOP, RATE_BOTTOM, "no intervals to draw");
		return;
	}
	/* x is time since the start: the axis starts at 0 unless the data start before it. */
	xmin = fmin(xmin, 0);
	if (!isfinite(xmax - xmin) || !isfinite(ymax * 2)) {
		no_data(f, RATE_TOP, RATE_BOTTOM, "values out of range");
		return;
	}
	/* All at one time: a one-unit window around it. */
	if (xmax - xmin <= 0) {
		xmin -= 0.5;
		xmax += 0.5;
	}
	/* The y axis starts at 0 (a rate), ends at the tick above the largest value. */
	step = nice_step(ymax > 0 ? ymax : 1);
	ymax = ceil((ymax > 0 ? ymax : 1) / step) * step;
	if (ymax <= 0)
		ymax = 1;
	sx = (RIGHT - LEFT) / (xmax - xmin);
	sy = (RATE_BOTTOM - RATE_TOP) / ymax;
	/* Counted loops: a step lost in rounding must not stall them. */
	for (k = 0; k <= 10; k++) {
		double y;

		v = k * step;
		if (v > ymax * (1 + 1e-9))
			break;
		y = RATE_BOTTOM - v * sy;

		si_label(v, label, sizeof(label));
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" "
			   "stroke=\"#ddd\"/>\n", LEFT, y, RIGHT, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.2f\" text-anchor=\"end\" font-size=\"12\">%s</text>\n",
			LEFT - 6, y + 4, label);
	}
	step = nice_step(xmax - xmin);
	for (k = 0; k <= 20; k++) {
		double x;

		v = ceil(xmin / step) * step + k * step;
		if (v > xmax + step * 1e-9)
			break;
		x = LEFT + (v - xmin) * sx;

		fprintf(f, "<line class=\"tick\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
			   "stroke=\"#444\"/>\n", x, RATE_BOTTOM, x, RATE_BOTTOM + 5);
		fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">%g</text>\n",
			x, RATE_BOTTOM + 19, fabs(v) < step * 1e-9 ? 0.0 : v);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">",
		(LEFT + RIGHT) / 2, RATE_BOTTOM + 38);
	put_text(f, p->x_label ? p->x_label : "time (s)");
	fputs("</text>\n", f);

	for (s = 0; s < p->n_series; s++) {
		const struct sl_gen_plot_series *se = &p->series[s];

		fprintf(f, "<polyline class=\"series\" data-name=\"");
		put_text(f, se->name);
		/* Lines after the first are dashed: sent and received often coincide. */
		fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colors[s],
			s ? " stroke-dasharray=\"7 4\"" : "");
		first = true;
		for (i = 0; i < se->n; i++) {
			if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
				continue;
			fprintf(f, "%s%.2f,%.2f", first ? "" : " ", LEFT + (se->x[i] - xmin) * sx,
				RATE_BOTTOM - se->y[i] * sy);
			first = false;
		}
		fputs("\"/>\n", f);
		/* A line of one point draws nothing: few points get a dot each. */
		for (i = 0; se->n <= 100 && i < se->n; i++) {
			if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
				continue;
			fprintf(f, "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"%d\" fill=\"%s\"/>\n",
				LEFT + (se->x[i] - xmin) * sx, RATE_BOTTOM - se->y[i] * sy, 4 - (int)s, colors[s]);
		}
		/* The legend, top right, one row per series. */
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			   "stroke-width=\"2\"%s/>\n", RIGHT - 150, RATE_TOP + 16 + 16.0 * s, RIGHT - 126,
			RATE_TOP + 16 + 16.0 * s, colors[s], s ? " stroke-dasharray=\"7 4\"" : "");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">", RIGHT - 120,
			RATE_TOP + 20 + 16.0 * s);
		put_text(f, se->name);
		fputs("</text>\n", f);
	}
}

/* The value a bucket stands for in the CDF: its upper bound, never above the largest seen. */
static double bucket_value(unsigned i, uint64_t max)
{
	uint64_t v = sl_gen_hist_upper(i);

	if (v == UINT64_MAX)
		v = sl_gen_hist_lower(i);
	if (max && v > max)
		v = max;
	return v < 1 ? 1 : (double)v;
}

static void lat_panel(FILE *f, const struct sl_gen_plot *p)
{
	uint64_t total, seen = 0, pct[2];
	double lo = INFINITY, hi = 0, dmin, dmax, sx, d;
	static const double pcts[2] = { 50, 99 };
	const char *const names[2] = { "p50", "p99" };
	char label[32];
	unsigned i, k;
	bool first = true;

	frame(f, LAT_TOP, LAT_BOTTOM, "one-way latency, cumulative");
	total = p->hist ? sl_gen_hist_total(p->hist) : 0;
	if (!total) {
		no_data(f, LAT_TOP, LAT_BOTTOM, "no latency samples");
		return;
	}
	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++) {
		if (!p->hist[i])
			continue;
		lo = fmin(lo, bucket_value(i, p->lat_max));
		hi = fmax(hi, bucket_value(i, p->lat_max));
	}
	/* Whole decades on a log axis, at least one. */
	dmin = floor(log10(lo));
	dmax = ceil(log10(hi));
	if (dmax <= dmin)
		dmax = dmin + 1;
	sx = (RIGHT - LEFT) / (dmax - dmin);
	for (d = dmin; d <= dmax + 1e-9; d += 1) {
		double x = LEFT + (d - dmin) * sx;

		sl_gen_fmt_ns(pow(10, d), label, sizeof(label));
		fprintf(f, "<line class=\"grid\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
			   "stroke=\"#ddd\"/>\n", x, LAT_TOP, x, LAT_BOTTOM);
		fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">%s</text>\n",
			x, LAT_BOTTOM + 19, label);
	}
	for (k = 0; k <= 4; k++) {
		double y = LAT_BOTTOM - (LAT_BOTTOM - LAT_TOP) * k / 4;

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" "
			   "stroke=\"#ddd\"/>\n", LEFT, y, RIGHT, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.2f\" text-anchor=\"end\" font-size=\"12\">%u%%</text>\n",
			LEFT - 6, y + 4, k * 25);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">"
		   "latency (log scale); %llu samples</text>\n", (LEFT + RIGHT) / 2, LAT_BOTTOM + 38,
		(unsigned long long)total);

	fputs("<polyline class=\"cdf\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" points=\"", f);
	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++) {
		if (!p->hist[i])
			continue;
		seen += p->hist[i];
		fprintf(f, "%s%.2f,%.2f", first ? "" : " ",
			LEFT + (log10(bucket_value(i, p->lat_max)) - dmin) * sx,
			LAT_BOTTOM - (LAT_BOTTOM - LAT_TOP) * (double)seen / (double)total);
		first = false;
	}
	fputs("\"/>\n", f);

	for (k = 0; k < 2; k++) {
		double v, x;

		pct[k] = sl_gen_hist_percentile(p->hist, pcts[k], p->lat_max);
		v = pct[k] < 1 ? 1 : (double)pct[k];
		x = LEFT + (log10(v) - dmin) * sx;
		sl_gen_fmt_ns((double)pct[k], label, sizeof(label));
		fprintf(f, "<line class=\"mark\" data-name=\"%s\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" "
			   "y2=\"%.1f\" stroke=\"#c8372d\" stroke-dasharray=\"4 3\"/>\n", names[k], x, LAT_TOP,
			x, LAT_BOTTOM);
		/* Bottom right of its line, where the curve (above p50 there) does not run. */
		/* Near the right edge the label goes on the left of its line. */
		fprintf(f, "<text class=\"mark\" x=\"%.2f\" y=\"%.1f\" font-size=\"12\" fill=\"#c8372d\"%s>"
			   "%s %s</text>\n", x > RIGHT - 100 ? x - 4 : x + 4, LAT_BOTTOM - 26 + 16.0 * k,
			x > RIGHT - 100 ? " text-anchor=\"end\"" : "", names[k], label);
	}
}

int sl_gen_plot_svg(FILE *f, const struct sl_gen_plot *p)
{
	unsigned s;

	if (p->n_series > SL_GEN_PLOT_MAX_SERIES)
		return -EINVAL;
	for (s = 0; s < p->n_series; s++)
		if (p->series[s].n && (!p->series[s].x || !p->series[s].y))
			return -EINVAL;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
	fprintf(f, "<text x=\"%.1f\" y=\"28\" font-size=\"17\" font-weight=\"bold\">", LEFT);
	put_text(f, p->title ? p->title : "sluice-gen");
	fputs("</text>\n", f);
	rate_panel(f, p);
	lat_panel(f, p);
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* A mkstemp template for a temporary file beside path; the caller frees it. */
static int tmp_name(const char *path, char **tmp)
{
	size_t n = strlen(path);

	*tmp = malloc(n + sizeof(".XXXXXX"));
	if (!*tmp)
		return -ENOMEM;
	memcpy(*tmp, path, n);
	memcpy(*tmp + n, ".XXXXXX", sizeof(".XXXXXX"));
	return 0;
}

static int open_tmp(const char *path, char **tmp, int *fd, char *why, size_t why_len)
{
	struct stat st;
	int err;

	*tmp = NULL;
	*fd = -1;
	if (!*path || path[strlen(path) - 1] == '/') {
		snprintf(why, why_len, "--plot %s: not a file name", path);
		return -EINVAL;
	}
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "--plot %s: is a directory", path);
		return -EISDIR;
	}
	err = tmp_name(path, tmp);
	if (err) {
		snprintf(why, why_len, "--plot %s: out of memory", path);
		return err;
	}
	*fd = mkstemp(*tmp);
	if (*fd < 0) {
		err = -errno;
		snprintf(why, why_len, "--plot %s: cannot create a file there: %s", path, strerror(-err));
		free(*tmp);
		*tmp = NULL;
		return err;
	}
	return 0;
}

int sl_gen_plot_check_path(const char *path, char *why, size_t why_len)
{
	char *tmp;
	int fd, err;

	err = open_tmp(path, &tmp, &fd, why, why_len);
	if (err)
		return err;
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}

int sl_gen_plot_write(const char *path, const struct sl_gen_plot *p, char *why, size_t why_len)
{
	FILE *f = NULL;
	char *tmp;
	int fd, err;

	err = open_tmp(path, &tmp, &fd, why, why_len);
	if (err)
		return err;
	/* mkstemp's 0600 would hide the plot from everyone else; a plot is not secret. */
	if (fchmod(fd, 0644)) {
		err = -errno;
		snprintf(why, why_len, "--plot %s: %s", path, strerror(-err));
		close(fd);
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		snprintf(why, why_len, "--plot %s: %s", path, strerror(-err));
		close(fd);
		goto out;
	}
	err = sl_gen_plot_svg(f, p);
	if (err) {
		snprintf(why, why_len, "--plot %s: %s", path,
			 err == -EINVAL ? "nothing valid to draw" : "write error");
		goto out;
	}
	if (fflush(f) || fsync(fileno(f))) {
		err = -errno;
		snprintf(why, why_len, "--plot %s: write error: %s", path, strerror(-err));
		goto out;
	}
	err = fclose(f) ? -errno : 0;
	f = NULL;
	if (err) {
		snprintf(why, why_len, "--plot %s: write error: %s", path, strerror(-err));
		goto out;
	}
	if (rename(tmp, path)) {
		err = -errno;
		snprintf(why, why_len, "--plot %s: cannot rename into place: %s", path, strerror(-err));
		goto out;
	}
out:
	if (f)
		fclose(f);
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
