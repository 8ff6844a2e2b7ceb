/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * log_throughput: what logging an event costs the thread that produces
 * it, and how many records a second the logger gets to disk.
 *
 * Three ways to get N event records into a JSON lines file, in the same
 * run, on the same file system (the --dir, by default under /var/tmp):
 *
 *   sluice      the producer puts each record into a worker ring
 *               (dataplane/spsc.h); the logger thread encodes and writes
 *               it with io_uring (dataplane/logger.c)
 *   write/rec   the producer encodes each record and calls write(2) for it
 *   write/batch the producer encodes records into a 1 MiB buffer and
 *               calls write(2) per full buffer
 *
 * For each: CPU ns per record on the producing thread (its
 * CLOCK_THREAD_CPUTIME_ID, kernel time included), and records per second
 * from the first record until the last is in the file (for sluice: until
 * sl_logger_flush returns). The sluice producer never waits: it pushes
 * each record once, and a full ring counts a drop (reported; the ring is
 * sized so that there are none). Medians over --runs runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "control/config.h"
#include "dataplane/event.h"
#include "dataplane/logger.h"

#define MAX_RUNS 16
#define SLOT 88 /* an event without capture, and the ring's 8-byte header */
#define TARGET_CPU_RATIO 10.0
#define TARGET_RATE 1000000.0

struct opts {
	bool smoke;
	const char *out_dir;
	const char *dir;
	int runs;
	uint32_t records;
};

struct result {
	double cpu_ns[MAX_RUNS];  /* per record, producing thread */
	double rate[MAX_RUNS];    /* records per second to the file */
	double cpu_med, rate_med;
	uint64_t drops;           /* sluice only: records the ring refused */
	uint64_t bytes;           /* file size of the last run */
};

static uint64_t clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void make_event(struct sl_event *e, uint32_t seq)
{
	memset(e, 0, sizeof(*e));
	e->magic = SL_EVENT_MAGIC;
	e->version = SL_EVENT_VERSION;
	e->type = SL_EVENT_PACKET;
	e->verdict = SL_EV_VERDICT_DROP;
	e->reason = SL_REASON_RULE;
	e->family = 4;
	e->l4_proto = IPPROTO_TCP;
	e->flags = SL_EVF_PORTS | SL_EVF_TCP_FLAGS;
	e->sport = (uint16_t)seq;
	e->dport = 443;
	e->tcp_flags = 2;
	e->ifindex = 2;
	e->pkt_len = 60;
	e->ts_ns = clk(CLOCK_MONOTONIC);
	e->src[0] = 198;
	e->src[1] = 18;
	e->src[2] = (uint8_t)(seq >> 8);
	e->src[3] = (uint8_t)seq;
	e->dst[0] = 198;
	e->dst[1] = 19;
	e->dst[3] = 1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_d);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static int run_sluice(const struct opts *o, const char *path, int run, struct result *r)
{
	static const struct sl_rule_meta names[1] = { { "bench" } };
	struct sl_logger_sources src = { .events_fd = -1, .log_stats_fd = -1, .publish_fd = -1,
					 .names = names, .n_names = 1 };
	struct sl_logging_cfg c;
	struct sl_logger_stats st;
	struct sl_logger *lg = NULL;
	struct sl_spsc *ring;
	uint64_t t0, c0, c1, t1;
	uint32_t i, slots = 1;
	int err;

	while (slots < o->records)
		slots *= 2;
	sl_logging_defaults(&c);
	snprintf(c.json_path, sizeof(c.json_path), "%s", path);
	c.rotate_bytes = 0;
	c.worker_ring_slots = slots;
	c.buffers = 16;
	err = sl_logger_start(&c, &src, &lg);
	if (!err)
		err = sl_logger_add_ring(lg, "bench", SLOT, &ring);
	if (err)
		goto out;
	t0 = clk(CLOCK_MONOTONIC);
	c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; i < o->records; i++) {
		struct sl_event *e = sl_spsc_reserve(ring, sizeof(*e));

		if (!e)
			continue; /* counted by the ring */
		make_event(e, i);
		sl_spsc_commit(ring, sizeof(*e));
	}
	c1 = clk(CLOCK_THREAD_CPUTIME_ID);
	err = sl_logger_flush(lg, 120000);
	t1 = clk(CLOCK_MONOTONIC);
	if (err)
		goto out;
	sl_logger_stats(lg, &st);
	r->cpu_ns[run] = (double)(c1 - c0) / o->records;
	r->rate[run] = (double)st.json_written / ((double)(t1 - t0) / 1e9);
	r->drops = st.ring_drops + st.drop_disk_full + st.drop_io_error;
	if (st.json_written + r->drops != o->records)
		err = -EIO;
out:
	if (lg) {
		int e2 = sl_logger_stop(lg);

		if (!err)
			err = e2;
	}
	r->bytes = file_size(path);
	unlink(path);
	return err;
}

static int run_write(const struct opts *o, const char *path, bool batch, int run, struct result *r)
{
	static const struct sl_rule_meta names[1] = { { "bench" } };
	struct sl_json_ctx jc = { .source = "bench", .names = names, .n_names = 1 };
	size_t cap = 1u << 20, len = 0;
	uint64_t t0, c0, c1, t1;
	char *buf = malloc(cap);
	struct sl_event_view v;
	uint32_t i;
	int fd, n, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	jc.wall_offset_ns = (int64_t)(clk(CLOCK_REALTIME) - clk(CLOCK_MONOTONIC));
	t0 = clk(CLOCK_MONOTONIC);
	c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; i < o->records; i++) {
		make_event(&v.ev, i);
		v.cap = NULL;
		if (batch && cap - len < SL_JSON_LINE_MAX) {
			if (write(fd, buf, len) != (ssize_t)len) {
				err = -EIO;
				goto out;
			}
			len = 0;
		}
		n = sl_event_json(&v, &jc, buf + len, cap - len);
		if (n <= 0) {
			err = -EINVAL;
			goto out;
		}
		if (batch) {
			len += (size_t)n;
		} else if (write(fd, buf, (size_t)n) != n) {
			err = -EIO;
			goto out;
		}
	}
	if (batch && len && write(fd, buf, len) != (ssize_t)len) {
		err = -EIO;
		goto out;
	}
	c1 = clk(CLOCK_THREAD_CPUTIME_ID);
	t1 = clk(CLOCK_MONOTONIC);
	r->cpu_ns[run] = (double)(c1 - c0) / o->records;
	r->rate[run] = o->records / ((double)(t1 - t0) / 1e9);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	r->bytes = file_size(path);
	unlink(path);
	return err;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	long v;
	static const struct option lo[] = {
		{ "smoke", no_argument, NULL, 's' }, { "out", required_argument, NULL, 'o' },
		{ "dir", required_argument, NULL, 'd' }, { "runs", required_argument, NULL, 'r' },
		{ "records", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 },
	};
	int c;

	o->runs = 5;
	o->records = 2000000;
	o->dir = "/var/tmp";
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->smoke = true;
			break;
		case 'o':
			o->out_dir = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'r':
			if (sl_bench_parse_long(optarg, 1, INT_MAX, &v))
				return sl_bench_bad_number("log_throughput", "--runs", optarg);
			o->runs = (int)v;
			break;
		case 'n':
			if (sl_bench_parse_long(optarg, 1, UINT32_MAX, &v))
				return sl_bench_bad_number("log_throughput", "--records", optarg);
			o->records = (uint32_t)v;
			break;
		default:
			fprintf(stderr, "usage: log_throughput [--smoke] [--out DIR] [--dir DIR] "
					"[--runs N] [--records N]\n");
			return -EINVAL;
		}
	}
	if (o->smoke) {
		o->runs = 1;
		o->records = 20000;
	}
	if (!o->out_dir || o->runs < 1 || o->runs > MAX_RUNS || o->records < 1000 ||
	    o->records > (1u << 24)) {
		fprintf(stderr, "log_throughput: --out DIR is required; 1 <= runs <= %d, "
				"1000 <= records <= 16777216\n", MAX_RUNS);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[3] = { "sluice (ring + io_uring logger)", "write(2) per record",
					      "write(2) per batch" };
	static const char *const keys[3] = { "sluice", "write_per_record", "write_per_batch" };
	struct result res[3];
	char path[512], out[600];
	struct utsname u;
	json_t *root, *arr;
	struct opts o = { 0 };
	double ratio_rec, ratio_batch;
	FILE *md;
	int run, k, err;

	if (parse_opts(argc, argv, &o))
		return 2;
	memset(res, 0, sizeof(res));
	mkdir(o.out_dir, 0755);
	snprintf(path, sizeof(path), "%s/sl-log-bench-%d.json", o.dir, (int)getpid());
	for (run = 0; run < o.runs; run++) {
		/* Interleaved, so that drift hits all three alike. */
		err = run_sluice(&o, path, run, &res[0]);
		if (!err)
			err = run_write(&o, path, false, run, &res[1]);
		if (!err)
			err = run_write(&o, path, true, run, &res[2]);
		if (err) {
			fprintf(stderr, "log_throughput: run %d failed: %s\n", run, strerror(-err));
			return 1;
		}
		fprintf(stderr, "run %d: sluice %.1f ns/rec %.0f rec/s; write/rec %.1f ns %.0f rec/s; "
				"write/batch %.1f ns %.0f rec/s\n",
			run, res[0].cpu_ns[run], res[0].rate[run], res[1].cpu_ns[run], res[1].rate[run],
			res[2].cpu_ns[run], res[2].rate[run]);
	}
	for (k = 0; k < 3; k++) {
		res[k].cpu_med = median(res[k].cpu_ns, o.runs);
		res[k].rate_med = median(res[k].rate, o.runs);
	}
	ratio_rec = res[1].cpu_med / res[0].cpu_med;
	ratio_batch = res[2].cpu_med / res[0].cpu_med;
	if (res[0].drops) {
		fprintf(stderr, "log_throughput: the ring dropped %llu records\n",
			(unsigned long long)res[0].drops);
		return 1;
	}

	uname(&u);
	root = json_object();
	json_object_set_new(root, "records", json_integer(o.records));
	json_object_set_new(root, "runs", json_integer(o.runs));
	json_object_set_new(root, "dir", json_string(o.dir));
	json_object_set_new(root, "kernel", json_string(u.release));
	arr = json_object();
	for (k = 0; k < 3; k++) {
		json_t *e = json_object();

		json_object_set_new(e, "producer_cpu_ns_per_record", json_real(res[k].cpu_med));
		json_object_set_new(e, "records_per_second", json_real(res[k].rate_med));
		json_object_set_new(e, "file_bytes", json_integer((json_int_t)res[k].bytes));
		json_object_set_new(arr, keys[k], e);
	}
	json_object_set_new(root, "results", arr);
	json_object_set_new(root, "cpu_ratio_write_per_record", json_real(ratio_rec));
	json_object_set_new(root, "cpu_ratio_write_per_batch", json_real(ratio_batch));
	snprintf(out, sizeof(out), "%s/log_throughput.json", o.out_dir);
	if (json_dump_file(root, out, JSON_INDENT(2))) {
		fprintf(stderr, "log_throughput: cannot write %s\n", out);
		return 1;
	}
	json_decref(root);

	snprintf(out, sizeof(out), "%s/log_throughput.md", o.out_dir);
	md = fopen(out, "w");
	if (!md) {
		fprintf(stderr, "log_throughput: cannot write %s\n", out);
		return 1;
	}
	fprintf(md, "# Logger throughput and producer cost (benchmarks/log_throughput)\n\n"
		    "%u event records (a TCP drop each, ~330-byte JSON lines) into one JSON lines "
		    "file in %s, median of %d interleaved runs; kernel %s.\n\n"
		    "| method | producer CPU ns / record | records / s to the file |\n"
		    "|---|---:|---:|\n",
		o.records, o.dir, o.runs, u.release);
	for (k = 0; k < 3; k++)
		fprintf(md, "| %s | %.1f | %.0f |\n", names[k], res[k].cpu_med, res[k].rate_med);
	fprintf(md, "\nTargets: producer CPU per record at least %.0fx below write(2) per record "
		    "(measured %.1fx, %s); at least %.0f records/s written (measured %.0f, %s). "
		    "Against write(2) per batch: %.1fx.\n",
		TARGET_CPU_RATIO, ratio_rec, ratio_rec >= TARGET_CPU_RATIO ? "met" : "NOT met",
		TARGET_RATE, res[0].rate_med, res[0].rate_med >= TARGET_RATE ? "met" : "NOT met",
		ratio_batch);
	fclose(md);
	printf("results in %s/log_throughput.md and log_throughput.json\n", o.out_dir);
	/* The smoke run fails only when nothing was measured. */
	if (res[0].rate_med <= 0 || res[0].cpu_med <= 0)
		return 1;
	return 0;
}
