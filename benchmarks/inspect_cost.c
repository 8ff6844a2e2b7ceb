/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * inspect_cost: what the inspect stage costs per packet (docs/inspect.md),
 * and what a flow costs in XDP once the stage has judged it.
 *
 * 1. Userspace, per frame: sl_inspect_frame on a real DNS query and a real
 *    TLS 1.3 ClientHello (tests/data/inspect, captured from dig and
 *    openssl s_client), against domain policies of 10, 10,000 and 1,000,000
 *    entries, next to the bare frame parse (sl_inspect_parse_frame) of the
 *    same frame: the difference is the DNS or TLS parse and the policy.
 *    Then the stage as a worker runs it (stage_inspect.c's run() over
 *    bursts): what it adds per packet, and for TLS the flow verdict's
 *    write into an LRU hash like sl_flowcache (root only).
 * 2. XDP, per packet with BPF_PROG_TEST_RUN: a TCP packet that a rule
 *    steers to the stage but whose flow's allow verdict is in sl_flowcache,
 *    against the same packet accepted by the same rules without inspection
 *    ("the XDP path alone"), and against a packet of a steered flow without
 *    an entry (no socket is bound, so it falls back to pass: the lookup's
 *    miss plus the redirect attempt). Needs root; skipped otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "args.h"
#include "control/compile.h"
#include "control/config.h"
#include "dataplane/fw.h"
#include "dataplane/inspect.h"
#include "dataplane/stage_inspect.h"

#define MAX_RUNS 64

struct opts {
	bool smoke;
	const char *out_dir;
	int runs;
	long iters;  /* userspace calls per run */
	int repeat;  /* BPF_PROG_TEST_RUN repetitions per run */
	int cpu;
};

struct result {
	char what[96];
	double ns; /* median over the runs */
};

static struct result results[32];
static int n_results;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void add_result(const char *what, double ns)
{
	if (n_results < (int)(sizeof(results) / sizeof(results[0]))) {
		snprintf(results[n_results].what, sizeof(results[0].what), "%s", what);
		results[n_results++].ns = ns;
	}
	printf("  %-64s %8.1f ns\n", what, ns);
}

static int read_frame(const char *name, uint8_t *buf, size_t size, size_t *len)
{
	const char *src = getenv("SLUICE_SRCDIR");
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/inspect/%s", src ? src : ".", name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "inspect_cost: %s: %s (set SLUICE_SRCDIR)\n", path, strerror(errno));
		return -errno;
	}
	*len = fread(buf, 1, size, f);
	fclose(f);
	return *len ? 0 : -EINVAL;
}

/* A config whose dns and tls policies hold n entries, none matching the frames' names. */
static char *policy_yaml(long n)
{
	size_t cap = (size_t)n * 48 + 512, off = 0;
	char *y = malloc(cap);
	long i;
	int k;

	if (!y)
		return NULL;
	off += (size_t)snprintf(y + off, cap - off, "version: 1\ninspect:\n");
	for (k = 0; k < 2; k++) {
		off += (size_t)snprintf(y + off, cap - off,
					"  %s:\n    ports: [%s]\n    default: allow\n    deny:\n",
					k ? "tls" : "dns", k ? "4433" : "53");
		for (i = 0; i < n / 2; i++)
			off += (size_t)snprintf(y + off, cap - off, "      - '%sh%ld.bench%ld.example'\n",
						i % 2 ? "*." : "", i, i % 1000);
	}
	return y;
}

static int null_write(void *ctx, const struct sl_flow_key *key, const struct sl_flow_verdict *v)
{
	(void)ctx;
	__asm__ volatile("" : : "r"(key), "r"(v) : "memory");
	return 0;
}

static int map_write(void *ctx, const struct sl_flow_key *key, const struct sl_flow_verdict *v)
{
	return sl_inspect_cache_write(*(int *)ctx, key, v);
}

#define STAGE_BURST 64

/*
 * The stage inside a worker (dataplane/stage_inspect.c): its run() over
 * bursts of STAGE_BURST copies of the frame, per packet; what it adds to
 * sl_inspect_frame is the burst walk, the counters and, for TLS, building
 * the flow verdict and handing it to the writer: a no-op, or (root) a
 * real LRU hash of the flow cache's shape, a system call per judged flow.
 */
static int stage_rows(const struct opts *o, const struct sl_config *cfg, uint8_t (*buf)[4096],
		      const size_t *len, long entries)
{
	static struct sl_stage_pkt pkts[STAGE_BURST];
	static struct sl_buf bufs[STAGE_BURST];
	long bursts = o->iters / STAGE_BURST > 0 ? o->iters / STAGE_BURST : 1;
	double v[MAX_RUNS];
	char what[128];
	int f, w, r, err = 0, map_fd;

	map_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "sl_flowcache", sizeof(struct sl_flow_key),
				sizeof(struct sl_flow_verdict), SL_FLOWCACHE_ENTRIES, NULL);
	for (f = 0; f < 2; f++) {
		for (w = 0; w < (f && map_fd >= 0 ? 2 : 1); w++) {
			void *st = NULL;
			uint32_t i;

			err = sl_inspect_stage_new(&cfg->inspect, w ? map_write : null_write, &map_fd,
						   &st);
			if (err)
				goto out;
			for (i = 0; i < STAGE_BURST; i++) {
				bufs[i] = (struct sl_buf){ .data = buf[f], .len = (uint32_t)len[f] };
				pkts[i] = (struct sl_stage_pkt){ .bufs = &bufs[i], .nbufs = 1,
								 .len = (uint32_t)len[f] };
			}
			for (r = 0; r < o->runs; r++) {
				uint64_t t0 = now_ns();
				long b;

				for (b = 0; b < bursts; b++) {
					for (i = 0; i < STAGE_BURST; i++)
						pkts[i].verdict = SL_SV_CONTINUE;
					sl_stage_inspect.run(st, pkts, STAGE_BURST);
				}
				v[r] = (double)(now_ns() - t0) / (double)(bursts * STAGE_BURST);
			}
			sl_stage_inspect.close(st);
			snprintf(what, sizeof(what), "inspect stage run, %s%s, %ld-entry policy",
				 f ? "TLS ClientHello" : "DNS query",
				 !f ? "" : w ? " + flow cache write (BPF map)" : " + verdict to a no-op writer",
				 entries);
			add_result(what, median(v, o->runs));
		}
	}
out:
	if (map_fd >= 0)
		close(map_fd);
	return err;
}

static int userspace(const struct opts *o)
{
	static const long sizes_full[] = { 10, 10000, 1000000 }, sizes_smoke[] = { 10 };
	const long *sizes = o->smoke ? sizes_smoke : sizes_full;
	int n_sizes = o->smoke ? 1 : 3, s, r, f;
	static const char *const frames[2] = { "frame_dns_query.bin", "frame_tls_client_hello.bin" };
	uint8_t buf[2][4096];
	size_t len[2];
	double v[MAX_RUNS];
	char what[96];
	int err = 0;

	for (f = 0; f < 2; f++) {
		err = read_frame(frames[f], buf[f], sizeof(buf[f]), &len[f]);
		if (err)
			return err;
	}
	/* The bare frame parse: Ethernet, IP, L4 to the payload. */
	for (f = 0; f < 2; f++) {
		for (r = 0; r < o->runs; r++) {
			struct sl_flow_key key;
			const uint8_t *pl;
			size_t plen;
			uint64_t t0 = now_ns();
			long i;

			for (i = 0; i < o->iters; i++) {
				if (sl_inspect_parse_frame(buf[f], len[f], &key, &pl, &plen))
					return -EINVAL;
				__asm__ volatile("" : : "r"(pl) : "memory");
			}
			v[r] = (double)(now_ns() - t0) / (double)o->iters;
		}
		snprintf(what, sizeof(what), "frame parse only, %s", f ? "TLS ClientHello" : "DNS query");
		add_result(what, median(v, o->runs));
	}
	for (s = 0; s < n_sizes; s++) {
		char *y = policy_yaml(sizes[s]);
		struct sl_config *cfg = NULL;
		struct sl_inspect *in = NULL;
		struct sl_diag diag;

		if (!y)
			return -ENOMEM;
		err = sl_config_load_buffer(y, strlen(y), "bench.yaml", NULL, &cfg, &diag);
		free(y);
		if (!err)
			err = sl_inspect_new(&cfg->inspect, &in);
		if (err) {
			fprintf(stderr, "inspect_cost: %s (%d)\n", diag.msg, err);
			sl_config_free(cfg);
			return err;
		}
		for (f = 0; f < 2; f++) {
			struct sl_inspect_result res;
			struct sl_flow_key key;

			sl_inspect_frame(in, buf[f], len[f], &key, &res);
			if (res.verdict != SL_INSPECT_ALLOW || res.why != SL_INSPECT_WHY_DEFAULT) {
				fprintf(stderr, "inspect_cost: the %s frame was not judged (%s)\n",
					f ? "TLS" : "DNS", sl_inspect_verdict_str(res.verdict));
				err = -EINVAL;
				break;
			}
			for (r = 0; r < o->runs; r++) {
				uint64_t t0 = now_ns();
				long i;

				for (i = 0; i < o->iters; i++) {
					sl_inspect_frame(in, buf[f], len[f], &key, &res);
					__asm__ volatile("" : : "r"(&res) : "memory");
				}
				v[r] = (double)(now_ns() - t0) / (double)o->iters;
			}
			snprintf(what, sizeof(what), "sl_inspect_frame, %s, %ld-entry policy",
				 f ? "TLS ClientHello" : "DNS query", sizes[s]);
			add_result(what, median(v, o->runs));
		}
		/* The stage's own work does not depend on the policy's size: once. */
		if (!err && s == 0)
			err = stage_rows(o, cfg, buf, len, sizes[s]);
		sl_inspect_free(in);
		sl_config_free(cfg);
		if (err)
			return err;
	}
	return 0;
}

/* Four rules the packet passes, then HTTPS: accepted, or steered to the inspect stage. */
#define XDP_RULES(https)                                                                           \
	"version: 1\n"                                                                             \
	"settings: {default_policy: accept}\n"                                                     \
	"rules:\n"                                                                                 \
	"  - {name: r1, protocol: udp, dport: 53, action: count}\n"                               \
	"  - {name: r2, protocol: tcp, dport: [22, 25], action: drop}\n"                          \
	"  - {name: r3, protocol: tcp, dport: 8000-8999, action: drop}\n"                         \
	"  - {name: r4, src: [203.0.113.0/24], action: drop}\n"                                   \
	"  - {name: r5, protocol: tcp, dport: 443, action: " https "}\n"

struct loaded {
	struct sl_config *cfg;
	struct sl_tables *tables;
	struct sl_fw *fw;
};

static void unload(struct loaded *l)
{
	sl_fw_destroy(l->fw, false);
	sl_tables_free(l->tables);
	sl_config_free(l->cfg);
	memset(l, 0, sizeof(*l));
}

static int load(const char *yaml, struct loaded *l)
{
	struct sl_diag diag;
	int err;

	memset(l, 0, sizeof(*l));
	err = sl_config_load_buffer(yaml, strlen(yaml), "bench.yaml", NULL, &l->cfg, &diag);
	if (!err)
		err = sl_compile(l->cfg, &l->tables, &diag);
	if (!err)
		err = sl_fw_load(l->tables, &l->fw, &diag);
	if (err)
		fprintf(stderr, "inspect_cost: %s (%d)\n", diag.msg, err);
	return err;
}

static int test_run(int prog_fd, const uint8_t *frame, size_t len, int repeat, uint32_t *ret,
		    uint32_t *ns)
{
	struct xdp_md md = { .data_end = (uint32_t)len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = (uint32_t)repeat);

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	*ret = o.retval;
	*ns = o.duration;
	return 0;
}

static int xdp(const struct opts *o)
{
	struct loaded plain, insp;
	double v[3][MAX_RUNS];
	uint8_t frame[4096], other[4096];
	struct sl_flow_key key, okey;
	const uint8_t *pl;
	size_t len, plen;
	int err, r, k;

	err = read_frame("frame_tls_client_hello.bin", frame, sizeof(frame), &len);
	if (err)
		return err;
	/* The captured flow went to port 4433; make it HTTPS, which rule r5 accepts. */
	frame[14 + 20 + 2] = 443 >> 8;
	frame[14 + 20 + 3] = 443 & 0xff;
	memcpy(other, frame, len);
	other[14 + 20 + 0] ^= 0x55; /* another source port: another flow */
	if (sl_inspect_parse_frame(frame, len, &key, &pl, &plen) ||
	    sl_inspect_parse_frame(other, len, &okey, &pl, &plen))
		return -EINVAL;

	err = load(XDP_RULES("accept"), &plain);
	if (err)
		return err;
	/* Steered with no worker: the default fail-open passes the packets without an entry. */
	err = load(XDP_RULES("steer") "inspect: {tls: {}}\n", &insp);
	if (err) {
		unload(&plain);
		return err;
	}
	{
		struct sl_flow_verdict fv = { .expires_ns = now_ns() + 3600ull * 1000000000ull,
					      .ttl_s = 3600, .verdict = SL_FLOW_PASS,
					      .source = SL_INSPECT_KIND_TLS };

		err = sl_inspect_cache_write(sl_fw_map_fd(insp.fw, "sl_flowcache"), &key, &fv);
		if (err)
			goto out;
	}
	for (r = 0; r < o->runs && !err; r++) {
		/* Interleaved, so that drift hits all three alike. */
		const struct {
			int fd;
			const uint8_t *f;
		} cases[3] = {
			{ sl_fw_prog_fd(plain.fw), frame },
			{ sl_fw_prog_fd(insp.fw), frame },
			{ sl_fw_prog_fd(insp.fw), other },
		};

		for (k = 0; k < 3 && !err; k++) {
			uint32_t ret, ns;

			err = test_run(cases[k].fd, cases[k].f, len, o->repeat, &ret, &ns);
			if (!err && ret != XDP_PASS) {
				fprintf(stderr, "inspect_cost: case %d returned %u, not XDP_PASS\n", k, ret);
				err = -EINVAL;
			}
			v[k][r] = ns;
		}
	}
	if (err)
		goto out;
	add_result("XDP, the packet accepted by the rules, no inspection", median(v[0], o->runs));
	add_result("XDP, steered by the rules, its flow's allow verdict cached",
		   median(v[1], o->runs));
	add_result("XDP, steered by the rules, no entry (no socket: passed)", median(v[2], o->runs));
out:
	unload(&insp);
	unload(&plain);
	return err;
}

static int write_results(const struct opts *o, bool xdp_ran)
{
	char path[4096];
	json_t *root, *arr;
	FILE *f;
	int i;

	if (mkdir(o->out_dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/inspect_cost.md", o->out_dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	char load[64] = "?";
	FILE *la = fopen("/proc/loadavg", "r");

	if (la) {
		if (!fgets(load, sizeof(load), la))
			snprintf(load, sizeof(load), "?");
		load[strcspn(load, "\n")] = '\0';
		fclose(la);
	}
	fprintf(f, "# Inspect stage cost (benchmarks/inspect_cost)\n\n"
		   "Load average at the end: %s.\n\n", load);
	fprintf(f, "Userspace rows: ns per call, median over %d runs of %ld calls, one thread "
		   "on CPU %d. XDP rows: the kernel's mean ns per repetition of "
		   "BPF_PROG_TEST_RUN, median over %d runs of %d. Frames: tests/data/inspect "
		   "(a dig query for www.example.com, an openssl s_client TLS 1.3 ClientHello "
		   "with SNI www.example.com). Policies: half dns, half tls entries, none "
		   "matching, every other one a wildcard.%s\n\n| what | ns |\n|---|---:|\n",
		o->runs, o->iters, o->cpu, o->runs, o->repeat,
		xdp_ran ? "" : " XDP rows skipped (not root).");
	for (i = 0; i < n_results; i++)
		fprintf(f, "| %s | %.1f |\n", results[i].what, results[i].ns);
	fclose(f);

	root = json_pack("{s:s, s:i, s:I, s:i}", "benchmark", "inspect_cost", "runs", o->runs,
			 "iters", (json_int_t)o->iters, "repeat", o->repeat);
	arr = json_array();
	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return -ENOMEM;
	}
	for (i = 0; i < n_results; i++)
		json_array_append_new(arr, json_pack("{s:s, s:f}", "what", results[i].what, "ns",
						     results[i].ns));
	json_object_set_new(root, "results", arr);
	snprintf(path, sizeof(path), "%s/inspect_cost.json", o->out_dir);
	i = json_dump_file(root, path, JSON_INDENT(2));
	json_decref(root);
	return i ? -EIO : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: inspect_cost [--smoke] [--out DIR] [--runs N] [--iters N] [--repeat N] [--cpu N]\n"
		   "  --smoke     a 10-entry policy, 3 runs of 1000 calls and of 1000 repetitions\n"
		   "  --out DIR   where inspect_cost.md and inspect_cost.json go\n"
		   "              (default $SLUICE_SRCDIR/benchmarks/results, or ./benchmarks/results)\n"
		   "  --runs N    runs per row, median reported (default 7)\n"
		   "  --iters N   userspace calls per run (default 2000000)\n"
		   "  --repeat N  BPF_PROG_TEST_RUN repetitions per run (default 2000000)\n"
		   "  --cpu N     CPU to run on (default the last online CPU)\n");
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "smoke", no_argument, NULL, 's' }, { "out", required_argument, NULL, 'o' },
		{ "runs", required_argument, NULL, 'r' }, { "iters", required_argument, NULL, 'i' },
		{ "repeat", required_argument, NULL, 'R' }, { "cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct opts o = { .runs = 7, .iters = 2000000, .repeat = 2000000, .cpu = -1 };
	static char default_out[4096];
	bool xdp_ran = false;
	cpu_set_t set;
	long v;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o.smoke = true;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'r':
			if (sl_bench_parse_long(optarg, 1, MAX_RUNS, &v))
				return sl_bench_bad_number("inspect_cost", "--runs", optarg);
			o.runs = (int)v;
			break;
		case 'i':
			if (sl_bench_parse_long(optarg, 1, 1000000000, &v))
				return sl_bench_bad_number("inspect_cost", "--iters", optarg);
			o.iters = v;
			break;
		case 'R':
			if (sl_bench_parse_long(optarg, 1, 100000000, &v))
				return sl_bench_bad_number("inspect_cost", "--repeat", optarg);
			o.repeat = (int)v;
			break;
		case 'c':
			if (sl_bench_parse_long(optarg, 0, CPU_SETSIZE - 1, &v))
				return sl_bench_bad_number("inspect_cost", "--cpu", optarg);
			o.cpu = (int)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (o.smoke) {
		o.runs = 3;
		o.iters = 1000;
		o.repeat = 1000;
	}
	if (!o.out_dir) {
		const char *src = getenv("SLUICE_SRCDIR");

		snprintf(default_out, sizeof(default_out), "%s/benchmarks/results", src ? src : ".");
		o.out_dir = default_out;
	}
		if (o.cpu < 0)
		o.cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	CPU_ZERO(&set);
	CPU_SET(o.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "inspect_cost: cannot pin to CPU %d: %s\n", o.cpu, strerror(errno));

	printf("inspect_cost: userspace\n");
	err = userspace(&o);
	if (err) {
		fprintf(stderr, "inspect_cost: userspace part failed: %s\n", strerror(-err));
		return 1;
	}
	if (geteuid() == 0) {
		printf("inspect_cost: XDP\n");
		err = xdp(&o);
		if (err) {
			fprintf(stderr, "inspect_cost: XDP part failed: %s\n", strerror(-err));
			return 1;
		}
		xdp_ran = true;
	} else {
		printf("inspect_cost: not root, XDP part skipped\n");
	}
	/* A zero means something stopped measuring (the smoke test's point). */
	for (opt = 0; opt < n_results; opt++) {
		if (results[opt].ns <= 0) {
			fprintf(stderr, "inspect_cost: '%s' measured nothing\n", results[opt].what);
			return 1;
		}
	}
		err = write_results(&o, xdp_ran);
	if (err) {
		fprintf(stderr, "inspect_cost: cannot write results: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
