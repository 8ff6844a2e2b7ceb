/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's command-line parsers at their edges (empty, reversed,
 * overflowing, junk after the value), and --plot: the SVG is well-formed
 * XML (read back by python3's xml.dom.minidom), has the expected number
 * of points, is written atomically, and an unwritable path fails with a
 * one-line reason.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "gen/cli_parse.h"
#include "gen/flow.h"
#include "gen/hist.h"
#include "gen/plot.h"
#include "gen/report.h"
#include "gen/sizes.h"
#include "sluice/gen_calc.h"

static void test_parse_u64(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(sl_gen_parse_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sl_gen_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	/* Decimal only: "010" is ten, not octal eight. */
	assert_int_equal(sl_gen_parse_u64("010", 0, 100, &v), 0);
	assert_int_equal(v, 10);

	v = 42;
	assert_int_equal(sl_gen_parse_u64("", 0, 10, &v), -EINVAL);
	assert_int_equal(sl_gen_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(sl_gen_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE);
	/* strtoull would have read " -1" as 2^64 - 1. */
	assert_int_equal(sl_gen_parse_u64(" -1", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(sl_gen_parse_u64("-1", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(sl_gen_parse_u64("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(sl_gen_parse_u64("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(sl_gen_parse_u64("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(sl_gen_parse_u64("5k", 0, 10000, &v), -EINVAL);
	assert_int_equal(sl_gen_parse_u64("0", 1, 10, &v), -ERANGE);
	assert_int_equal(sl_gen_parse_u64("11", 1, 10, &v), -ERANGE);
	assert_int_equal(v, 42); /* untouched on failure */
}

static void test_parse_seconds(void **state)
{
	double d = 42;

	(void)state;
	assert_int_equal(sl_gen_parse_seconds("10", 60, &d), 0);
	assert_true(d == 10);
	assert_int_equal(sl_gen_parse_seconds("0.25", 60, &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(sl_gen_parse_seconds(".5", 60, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(sl_gen_parse_seconds("1e-3", 60, &d), 0);
	assert_true(fabs(d - 1e-3) < 1e-15);
	assert_int_equal(sl_gen_parse_seconds("0", 60, &d), 0);
	assert_true(d == 0);
	assert_int_equal(sl_gen_parse_seconds("60", 60, &d), 0);

	d = 42;
	assert_int_equal(sl_gen_parse_seconds("", 60, &d), -EINVAL);
	assert_int_equal(sl_gen_parse_seconds(".", 60, &d), -EINVAL);
	assert_int_equal(sl_gen_parse_seconds("-1", 60, &d), -ERANGE);
	assert_int_equal(sl_gen_parse_seconds("60.001", 60, &d), -ERANGE);
	assert_int_equal(sl_gen_parse_seconds("1e999", 1e300, &d), -ERANGE);
	assert_int_equal(sl_gen_parse_seconds("nan", 60, &d), -EINVAL);
	assert_int_equal(sl_gen_parse_seconds("inf", INFINITY, &d), -EINVAL);
	assert_int_equal(sl_gen_parse_seconds(" 5", 60, &d), -EINVAL);
	assert_int_equal(sl_gen_parse_seconds("5s", 60, &d), -EINVAL);
	assert_int_equal(sl_gen_parse_seconds("5 ", 60, &d), -EINVAL);
	assert_true(d == 42);
}

static void test_parse_mac(void **state)
{
	uint8_t mac[6] = { 0 };

	(void)state;
	assert_int_equal(sl_gen_parse_mac("02:00:5e:10:aB:Ff", mac), 0);
	assert_memory_equal(mac, "\x02\x00\x5e\x10\xab\xff", 6);
	assert_int_equal(sl_gen_parse_mac("2:0:5e:1:a:f", mac), 0);
	assert_memory_equal(mac, "\x02\x00\x5e\x01\x0a\x0f", 6);

	assert_int_equal(sl_gen_parse_mac("", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("02:00:5e:10:ab", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("02:00:5e:10:ab:ff:", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("02:00:5e:10:ab:ff:00", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("002:00:5e:10:ab:ff", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("02:00:5e:10:ab:fg", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("02-00-5e-10-ab-ff", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("02:00:5e:10:ab: f", mac), -EINVAL);
	assert_int_equal(sl_gen_parse_mac("02::5e:10:ab:ff", mac), -EINVAL);
	assert_memory_equal(mac, "\x02\x00\x5e\x01\x0a\x0f", 6); /* untouched */
}

static void test_parse_rate_edges(void **state)
{
	double pps, bps;

	(void)state;
	assert_int_equal(sl_gen_parse_rate("1kbit/s", &pps, &bps), 0);
	assert_true(bps == 1000 && pps == 0);
	assert_int_equal(sl_gen_parse_rate("0.001", &pps, &bps), 0);
	/* Overflow: finite before the suffix, infinite after it. */
	assert_int_equal(sl_gen_parse_rate("1e308G", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("1e309", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("2e15", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("1e-300", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("nan", &pps, &bps), -EINVAL);
	/* Junk suffixes. */
	assert_int_equal(sl_gen_parse_rate("5Mx", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("5 M", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("5m", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("5MM", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("5ppsx", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("M", &pps, &bps), -EINVAL);
	assert_int_equal(sl_gen_parse_rate("pps", &pps, &bps), -EINVAL);
}

static void test_parse_range_edges(void **state)
{
	struct sl_gen_range r;
	uint8_t first[16];
	const char *why;
	int fam;

	(void)state;
	/* Ports: empty, reversed, overflowing, junk. */
	assert_int_equal(sl_gen_parse_port_range("", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("-", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("-5", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("10-5", &r, &why), -EINVAL);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(sl_gen_parse_port_range("99999999999999999999", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("1-65536", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("1-2-3", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("80x", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range(" 80", &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_port_range("65535-65535", &r, &why), 0);
	assert_int_equal(r.base, 65535);
	assert_int_equal(r.count, 1);

	/* Addresses. */
	assert_int_equal(sl_gen_parse_addr_range("-", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1-", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("/24", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1/", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1/-1", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1/24x", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1/99999999999999999999", &fam, first, &r,
						 &why),
			 -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1/24-198.18.0.9", &fam, first, &r, &why),
			 -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1 ", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.256", &fam, first, &r, &why), -EINVAL);
	assert_int_equal(sl_gen_parse_addr_range("2001:db8::5-2001:db8::1", &fam, first, &r, &why),
			 -EINVAL);
	assert_non_null(strstr(why, "empty"));
	/* The widest IPv4 range and a one-address one. */
	assert_int_equal(sl_gen_parse_addr_range("0.0.0.0-255.255.255.255", &fam, first, &r, &why), 0);
	assert_true(r.count == 1ull << 32);
	assert_int_equal(sl_gen_parse_addr_range("198.18.0.1-198.18.0.1", &fam, first, &r, &why), 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(sl_gen_parse_addr_range("2001:db8::/96", &fam, first, &r, &why), 0);
	assert_true(r.count == 1ull << 32);
}

static void test_parse_sizes_edges(void **state)
{
	struct sl_gen_sizes sz;
	const char *why;

	(void)state;
	assert_int_equal(sl_gen_sizes_parse(",", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse(",64", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64::1", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64:", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse(":1", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64:1000001", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64:99999999999999999999999", 64, 1518, &sz, &why),
			 -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("99999999999999999999999", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("imixx", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64 ,128", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64b", 64, 1518, &sz, &why), -EINVAL);
	assert_int_equal(sl_gen_sizes_parse("64:1000000", 64, 1518, &sz, &why), 0);
	assert_int_equal(sz.weight[0], 1000000);
}

/* --- the plot ----------------------------------------------------------- */

struct shape {
	int ok;           /* python3 parsed the file as XML */
	int series;       /* polylines of class "series" */
	int points[4];    /* points of each, in order */
	char names[4][32];
	int cdf_points;   /* -1: no CDF polyline */
	int marks;        /* lines of class "mark" */
	char title[256];
};

/*
 * Reads the SVG at path back with python3's xml.dom.minidom (a real XML
 * parser: any malformed byte fails the parse) and counts what it holds.
 */
static void svg_shape(const char *path, struct shape *sh)
{
	static const char script[] =
		"import sys, xml.dom.minidom as m\n"
		"d = m.parse(sys.argv[1])\n"
		"assert d.documentElement.tagName == 'svg'\n"
		"pl = d.getElementsByTagName('polyline')\n"
		"print('ok')\n"
		"for p in pl:\n"
		"    n = len(p.getAttribute('points').split())\n"
		"    if p.getAttribute('class') == 'series':\n"
		"        print('series', p.getAttribute('data-name') or '-', n)\n"
		"    elif p.getAttribute('class') == 'cdf':\n"
		"        print('cdf', n)\n"
		"print('marks', sum(1 for l in d.getElementsByTagName('line') if l.getAttribute('class') == 'mark'))\n"
		"t = d.getElementsByTagName('text')[0].firstChild.data\n"
		"print('title', t.encode('unicode_escape').decode())\n";
	char cmd[4096], line[512];
	FILE *f;

	memset(sh, 0, sizeof(*sh));
	sh->cdf_points = -1;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c \"$SL_PLOT_SCRIPT\" '%s' 2>&1", path);
	assert_int_equal(setenv("SL_PLOT_SCRIPT", script, 1), 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char name[32];
		int n;

		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, "ok"))
			sh->ok = 1;
		else if (sscanf(line, "series %31s %d", name, &n) == 2 && sh->series < 4) {
			snprintf(sh->names[sh->series], sizeof(sh->names[0]), "%s", name);
			sh->points[sh->series++] = n;
		} else if (sscanf(line, "cdf %d", &n) == 1)
			sh->cdf_points = n;
		else if (sscanf(line, "marks %d", &n) == 1)
			sh->marks = n;
		else if (!strncmp(line, "title ", 6))
			snprintf(sh->title, sizeof(sh->title), "%s", line + 6);
		else
			print_message("python3: %s\n", line);
	}
	assert_int_equal(pclose(f), 0);
}

/* A fresh temporary directory for a test; removed by rm_dir. */
static void mk_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/sl-plot-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void rm_dir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A histogram with samples in `buckets` distinct buckets. */
static void fill_hist(uint64_t *hist, unsigned buckets)
{
	unsigned i;

	memset(hist, 0, SL_GEN_HIST_BUCKETS * sizeof(*hist));
	for (i = 0; i < buckets; i++)
		hist[sl_gen_hist_bucket(1000 + 700ull * i * i)] += 10 + i;
}

static unsigned nonempty(const uint64_t *hist)
{
	unsigned i, n = 0;

	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++)
		n += hist[i] != 0;
	return n;
}

/* The intervals of a tx --rx run: 12 seconds, the receiver silent in the 5th. */
static void test_plot_run(void **state)
{
	uint64_t hist[SL_GEN_HIST_BUCKETS];
	json_t *iv = json_array();
	char dir[64], path[128], why[256];
	struct shape sh;
	struct stat st;
	int i;

	(void)state;
	mk_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/run.svg", dir);
	for (i = 1; i <= 12; i++) {
		json_t *o = json_pack("{s:f, s:f}", "t", (double)i, "tx_pps", 1e6 + i * 1000.0);

		if (i != 5)
			json_object_set_new(o, "rx_pps", json_real(1e6 - i * 1000.0));
		json_array_append_new(iv, o);
	}
	fill_hist(hist, 9);
	assert_int_equal(sl_gen_report_plot(path, "sluice-gen tx on slg0", "time (s)", iv, hist,
					    900000, why, sizeof(why)),
			 0);
	svg_shape(path, &sh);
	assert_true(sh.ok);
	assert_int_equal(sh.series, 2);
	assert_string_equal(sh.names[0], "sent");
	assert_int_equal(sh.points[0], 12);
	assert_string_equal(sh.names[1], "received");
	assert_int_equal(sh.points[1], 11);
	assert_int_equal(sh.cdf_points, (int)nonempty(hist));
	assert_int_equal(nonempty(hist), 9);
	assert_int_equal(sh.marks, 2);
	assert_string_equal(sh.title, "sluice-gen tx on slg0");
	/* Readable by others; nothing but the plot left in the directory. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(dir_entries(dir), 1);

	/* Written again over the old one: replaced whole, still one file. */
	json_array_clear(iv);
	json_array_append_new(iv, json_pack("{s:f, s:f, s:f, s:f}", "t", 2.0, "target_pps", 5e5,
					    "tx_pps", 4.9e5, "rx_pps", 4.8e5));
	assert_int_equal(sl_gen_report_plot(path, "search", "trial", iv, NULL, 0, why, sizeof(why)), 0);
	svg_shape(path, &sh);
	assert_true(sh.ok);
	assert_int_equal(sh.series, 3);
	assert_string_equal(sh.names[0], "offered");
	assert_int_equal(sh.points[0], 1);
	assert_int_equal(sh.cdf_points, -1); /* no histogram: no CDF, a note instead */
	assert_int_equal(sh.marks, 0);
	assert_int_equal(dir_entries(dir), 1);
	json_decref(iv);
	rm_dir(dir);
}

/* Nothing to draw, and hostile text: still a well-formed document. */
static void test_plot_empty_and_escaped(void **state)
{
	struct sl_gen_plot p = { 0 };
	uint64_t hist[SL_GEN_HIST_BUCKETS] = { 0 };
	double x[3] = { NAN, 1, 2 }, y[3] = { 5, INFINITY, 7 };
	char dir[64], path[128], why[256];
	struct shape sh;

	(void)state;
	mk_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/empty.svg", dir);
	p.title = "a<b & \"c\" 'd' \x01\xff]]>";
	p.n_series = 1;
	p.series[0].name = "</polyline>";
	p.series[0].x = x;
	p.series[0].y = y;
	p.series[0].n = 3;
	p.hist = hist; /* all zero: no samples */
	assert_int_equal(sl_gen_plot_write(path, &p, why, sizeof(why)), 0);
	svg_shape(path, &sh);
	assert_true(sh.ok);
	assert_int_equal(sh.series, 1); /* only (2, 7) is finite */
	assert_int_equal(sh.points[0], 1);
	assert_int_equal(sh.cdf_points, -1);
	assert_string_equal(sh.title, "a<b & \"c\" 'd' ??]]>");

	/* No finite point at all: no line, a note. */
	p.series[0].n = 2;
	assert_int_equal(sl_gen_plot_write(path, &p, why, sizeof(why)), 0);
	svg_shape(path, &sh);
	assert_true(sh.ok);
	assert_int_equal(sh.series, 0);

	/* One sample: a one-point CDF, its p50 and p99 both marked. */
	hist[sl_gen_hist_bucket(5000)] = 1;
	assert_int_equal(sl_gen_plot_write(path, &p, why, sizeof(why)), 0);
	svg_shape(path, &sh);
	assert_int_equal(sh.cdf_points, 1);
	assert_int_equal(sh.marks, 2);

	/* Extremes end in bounded loops and a valid file: far apart, and too large to step through. */
	{
		double bx[2] = { -1e308, 1e308 }, by[2] = { 1e308, 1 }, cx[2] = { -1e17, -1e17 + 64 };
		double cy[2] = { 5, 7 };

		p.series[0].x = bx;
		p.series[0].y = by;
		assert_int_equal(sl_gen_plot_write(path, &p, why, sizeof(why)), 0);
		svg_shape(path, &sh);
		assert_true(sh.ok);
		assert_int_equal(sh.series, 0); /* "values out of range" */
		p.series[0].x = cx;
		p.series[0].y = cy;
		assert_int_equal(sl_gen_plot_write(path, &p, why, sizeof(why)), 0);
		svg_shape(path, &sh);
		assert_true(sh.ok);
		assert_int_equal(sh.series, 1);
		assert_int_equal(sh.points[0], 2);
		p.series[0].x = x;
		p.series[0].y = y;
	}

	p.n_series = SL_GEN_PLOT_MAX_SERIES + 1;
	assert_int_equal(sl_gen_plot_write(path, &p, why, sizeof(why)), -EINVAL);
	assert_int_equal(dir_entries(dir), 1); /* the failed write left no temporary file */
	rm_dir(dir);
}

/* Paths that cannot take a plot: a one-line reason and no file anywhere. */
static void test_plot_bad_path(void **state)
{
	struct sl_gen_plot p = { .title = "t" };
	char dir[64], file[128], path[192], why[256];
	FILE *f;

	(void)state;
	mk_dir(dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/file", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);

	/* Below a regular file: not a directory (root may write anywhere else). */
	snprintf(path, sizeof(path), "%s/plot.svg", file);
	why[0] = 0;
	assert_int_equal(sl_gen_plot_check_path(path, why, sizeof(why)), -ENOTDIR);
	assert_non_null(strstr(why, "--plot"));
	assert_null(strchr(why, '\n'));
	assert_int_equal(sl_gen_plot_write(path, &p, why, sizeof(why)), -ENOTDIR);
	assert_null(strchr(why, '\n'));

	snprintf(path, sizeof(path), "%s/no/such/dir/plot.svg", dir);
	assert_int_equal(sl_gen_plot_check_path(path, why, sizeof(why)), -ENOENT);
	assert_int_equal(sl_gen_plot_check_path(dir, why, sizeof(why)), -EISDIR);
	assert_non_null(strstr(why, "directory"));
	assert_int_equal(sl_gen_plot_check_path("", why, sizeof(why)), -EINVAL);

	/* A good path is checked without leaving anything. */
	snprintf(path, sizeof(path), "%s/ok.svg", dir);
	assert_int_equal(sl_gen_plot_check_path(path, why, sizeof(why)), 0);
	assert_int_equal(dir_entries(dir), 1);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_parse_mac),
		cmocka_unit_test(test_parse_rate_edges),
		cmocka_unit_test(test_parse_range_edges),
		cmocka_unit_test(test_parse_sizes_edges),
		cmocka_unit_test(test_plot_run),
		cmocka_unit_test(test_plot_empty_and_escaped),
		cmocka_unit_test(test_plot_bad_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
