/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdp_cost: what the firewall program adds to the cost of running an XDP
 * program, per packet, as the sets and the rule list grow.
 *
 * For each cell (prefixes in the set x rules) it writes a config and a set
 * file, takes them through the library pipeline sluiced uses
 * (sl_config_load_file, sl_compile, sl_fw_load) and times the loaded
 * program with BPF_PROG_TEST_RUN against an empty XDP program on the same
 * frame, the two runs interleaved so that drift hits both alike. The
 * frame is a TCP SYN from an address inside the set to port 443, which
 * only the last rule matches (drop; the default policy is accept), so
 * every packet goes through the whole classification. See
 * docs/benchmarks.md.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "bench_empty.skel.h"
#include "benchmarks/frame.h"
#include "control/compile.h"
#include "control/config.h"
#include "dataplane/fw.h"
#include "sluice/abi.h"

#define MAX_RUNS 64
#define TARGET_RATIO 1.5
#define DPORT 443
#define SPORT 40000

static const uint32_t full_prefixes[] = { 10, 1000, 100000, 1000000 };
static const uint32_t full_rules[] = { 10, 100, 1000 };
static const uint32_t smoke_prefixes[] = { 10 };
static const uint32_t smoke_rules[] = { 10 };

struct opts {
	bool smoke;
	const char *out_dir;
	int runs;
	int repeat;
	uint64_t seed;
	int cpu;
};

/* One cell's measurements; ns are the kernel's mean per repetition. */
struct cell {
	uint32_t prefixes;
	uint32_t rules;
	uint32_t sluice_ns[MAX_RUNS];
	uint32_t empty_ns[MAX_RUNS];
	double sluice_med;
	double empty_med;
	double added;
	uint64_t last_rule_hits; /* packets counted by the deciding rule */
	double load_s;           /* config load + compile + program load */
	char src[16];            /* the frame's source address */
};

/* xorshift64*: seeded, so every run of the benchmark uses the same sets. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static double median(const uint32_t *v, int n)
{
	uint32_t s[MAX_RUNS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_u32);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/*
 * Writes n distinct IPv4 prefixes of lengths 16..32 to path, one a line,
 * and returns in src an address inside the last one (the packet's
 * source). Distinctness is kept by an open-addressing table of
 * (address, length) pairs. 0 or a negative errno.
 */
static int write_set(const char *path, uint32_t n, uint64_t seed, uint8_t src[4])
{
	size_t slots = 1, i;
	uint64_t *seen = NULL, rng = seed | 1;
	uint32_t written = 0, addr = 0, len = 0;
	FILE *f = NULL;
	int err = 0;

	while (slots < (size_t)n * 2)
		slots <<= 1;
	seen = calloc(slots, sizeof(*seen));
	f = fopen(path, "w");
	if (!seen || !f) {
		err = seen ? -errno : -ENOMEM;
		goto out;
	}
	fprintf(f, "# %u random IPv4 prefixes, /16../32, seed %llu\n", n, (unsigned long long)seed);
	while (written < n) {
		uint64_t r = rng_next(&rng), key;
		uint32_t mask;

		len = 16 + (uint32_t)(r % 17);
		mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
		addr = (uint32_t)(r >> 32) & mask;
		key = ((uint64_t)addr << 8 | len) + 1;
		for (i = key * 0x9E3779B97F4A7C15ULL & (slots - 1); seen[i] && seen[i] != key;
		     i = (i + 1) & (slots - 1))
			;
		if (seen[i])
			continue;
		seen[i] = key;
		fprintf(f, "%u.%u.%u.%u/%u\n", addr >> 24, addr >> 16 & 0xff, addr >> 8 & 0xff,
			addr & 0xff, len);
		written++;
	}
	/* A host in the middle of the last prefix. */
	if (len < 32)
		addr |= (0xffffffffu >> len) / 2 + 1;
	src[0] = addr >> 24;
	src[1] = addr >> 16 & 0xff;
	src[2] = addr >> 8 & 0xff;
	src[3] = addr & 0xff;
	if (ferror(f))
		err = -EIO;
out:
	if (f && fclose(f) && !err)
		err = -errno;
	free(seen);
	return err;
}

/*
 * Writes a config of n rules: n - 1 rules the frame does not match, of
 * the kinds an edge firewall has (TCP and UDP services by port and port
 * range, blocklisted sources on other ports), then the one it matches.
 */
static int write_config(const char *path, const char *set_path, uint32_t n)
{
	FILE *f = fopen(path, "w");
	uint32_t i;
	int err = 0;

	if (!f)
		return -errno;
	fprintf(f, "version: 1\n"
		   "settings:\n"
		   "  default_policy: accept\n"
		   "sets:\n"
		   "  - {name: block, file: %s}\n"
		   "rules:\n",
		set_path);
	for (i = 0; i + 1 < n; i++) {
		/* Ports 1024.., never DPORT: none of these rules matches. */
		uint32_t port = 1024 + i * 4;

		switch (i % 4) {
		case 0:
			fprintf(f, "  - {name: svc%u, protocol: tcp, dport: [%u], action: accept}\n", i,
				port);
			break;
		case 1:
			fprintf(f, "  - {name: svc%u, protocol: udp, dport: [%u-%u], action: accept}\n", i,
				port, port + 2);
			break;
		case 2:
			fprintf(f, "  - {name: blk%u, src: block, protocol: tcp, dport: [%u], action: drop}\n",
				i, port);
			break;
		default:
			fprintf(f, "  - {name: cnt%u, protocol: tcp, dport: [%u, %u], action: count}\n", i,
				port, port + 1);
			break;
		}
	}
	fprintf(f, "  - {name: last, src: block, protocol: tcp, dport: [%u], action: drop}\n", DPORT);
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* One BPF_PROG_TEST_RUN; *ns is the kernel's mean per repetition. */
static int test_run(int prog_fd, const uint8_t *frame, int len, int repeat, uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .repeat = repeat);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return -errno;
	if (o.retval != XDP_DROP) {
		fprintf(stderr, "xdp_cost: program returned %u, expected XDP_DROP: the frame did not reach the last rule\n",
			o.retval);
		return -EPROTO;
	}
	*ns = o.duration;
	return 0;
}

/* Packets counted by rule idx, summed over CPUs. */
static int rule_hits(int map_fd, uint32_t idx, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), i, err = 0;
	struct sl_counter *v;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &idx, v)) {
		err = -errno;
		goto out;
	}
	*out = 0;
	for (i = 0; i < ncpu; i++)
		*out += v[i].packets;
out:
	free(v);
	return err;
}

static int measure_cell(const struct opts *o, const char *dir, const char *set_path,
			const uint8_t *frame, int frame_len, int empty_fd, struct cell *c)
{
	char cfg_path[PATH_MAX];
	struct sl_config *cfg = NULL;
	struct sl_tables *t = NULL;
	struct sl_fw *fw = NULL;
	struct sl_diag diag = { { 0 } };
	double t0 = now_s();
	int err, r, prog_fd, stats_fd;

	snprintf(cfg_path, sizeof(cfg_path), "%s/p%u-r%u.yaml", dir, c->prefixes, c->rules);
	err = write_config(cfg_path, set_path, c->rules);
	if (err)
		goto out;
	err = sl_config_load_file(cfg_path, &cfg, &diag);
	if (err)
		goto out;
	err = sl_compile(cfg, &t, &diag);
	if (err)
		goto out;
	err = sl_fw_load(t, &fw, &diag);
	if (err)
		goto out;
	c->load_s = now_s() - t0;
	prog_fd = sl_fw_prog_fd(fw);
	stats_fd = sl_fw_map_fd(fw, "sl_rule_stats");
	if (prog_fd < 0 || stats_fd < 0) {
		err = prog_fd < 0 ? prog_fd : stats_fd;
		goto out;
	}
	for (r = 0; r < o->runs; r++) {
		err = test_run(empty_fd, frame, frame_len, o->repeat, &c->empty_ns[r]);
		if (!err)
			err = test_run(prog_fd, frame, frame_len, o->repeat, &c->sluice_ns[r]);
		if (err)
			goto out;
	}
	/* The deciding rule must have seen every repetition of every run. */
	err = rule_hits(stats_fd, c->rules - 1, &c->last_rule_hits);
	if (err)
		goto out;
	if (c->last_rule_hits < (uint64_t)o->runs * o->repeat) {
		fprintf(stderr, "xdp_cost: rule 'last' counted %llu packets, expected %llu\n",
			(unsigned long long)c->last_rule_hits, (unsigned long long)o->runs * o->repeat);
		err = -EPROTO;
		goto out;
	}
	c->sluice_med = median(c->sluice_ns, o->runs);
	c->empty_med = median(c->empty_ns, o->runs);
	c->added = c->sluice_med - c->empty_med;
out:
	if (err && diag.msg[0])
		fprintf(stderr, "xdp_cost: %s\n", diag.msg);
	else if (err)
		fprintf(stderr, "xdp_cost: %u prefixes x %u rules: %s\n", c->prefixes, c->rules,
			strerror(-err));
	sl_fw_destroy(fw, false);
	sl_tables_free(t);
	sl_config_free(cfg);
	return err;
}

static void cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			snprintf(buf, len, "%s", colon + 2);
			buf[strcspn(buf, "\n")] = 0;
			break;
		}
	}
	fclose(f);
}

/* The load average, for the reader to judge how quiet the machine was. */
static void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a[3];

	snprintf(buf, len, "unknown");
	if (f && fscanf(f, "%lf %lf %lf", &a[0], &a[1], &a[2]) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", a[0], a[1], a[2]);
	if (f)
		fclose(f);
}

static json_t *u32_array(const uint32_t *v, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static int write_results(const struct opts *o, const struct cell *cells, int n_cells,
			 const char *packet, const char *load)
{
	const struct cell *base = &cells[0], *worst = &cells[n_cells - 1];
	char path[PATH_MAX], cpu[128];
	struct utsname u;
	json_t *root = NULL, *arr;
	FILE *f = NULL;
	int i, err = 0;

	uname(&u);
	cpu_model(cpu, sizeof(cpu));

	root = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:i, s:s, s:s}", "benchmark", "xdp_cost",
			 "kernel", u.release, "cpu_model", cpu, "cpus_online",
			 (int)sysconf(_SC_NPROCESSORS_ONLN), "pinned_cpu", o->cpu, "seed",
			 (json_int_t)o->seed, "runs", o->runs, "packet", packet, "statistic",
			 "median of runs of the kernel's mean ns per repetition");
	arr = json_array();
	if (!root || !arr) {
		json_decref(arr);
		err = -ENOMEM;
		goto out;
	}
	json_object_set_new(root, "repeat", json_integer(o->repeat));
	json_object_set_new(root, "loadavg_at_start", json_string(load));
	json_object_set_new(root, "cells", arr);
	for (i = 0; i < n_cells; i++) {
		const struct cell *c = &cells[i];
		json_t *j = json_pack("{s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:I}", "prefixes",
				      (int)c->prefixes, "rules", (int)c->rules, "sluice_ns", c->sluice_med,
				      "empty_ns", c->empty_med, "added_ns", c->added, "ratio_to_base",
				      base->added > 0 ? c->added / base->added : 0.0, "load_s", c->load_s,
				      "last_rule_hits", (json_int_t)c->last_rule_hits);

		if (!j) {
			err = -ENOMEM;
			goto out;
		}
		json_object_set_new(j, "src", json_string(c->src));
		json_object_set_new(j, "sluice_runs_ns", u32_array(c->sluice_ns, o->runs));
		json_object_set_new(j, "empty_runs_ns", u32_array(c->empty_ns, o->runs));
		json_array_append_new(arr, j);
	}
	json_object_set_new(root, "target",
			    json_pack("{s:s, s:f, s:f, s:b}", "what",
				      "added ns at the largest cell <= 1.5 x added ns at the smallest",
				      "limit", TARGET_RATIO, "ratio",
				      base->added > 0 ? worst->added / base->added : 0.0, "met",
				      base->added > 0 && worst->added <= TARGET_RATIO * base->added));

	snprintf(path, sizeof(path), "%s/xdp_cost.json", o->out_dir);
	if (json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		err = -EIO;
		goto out;
	}

	snprintf(path, sizeof(path), "%s/xdp_cost.md", o->out_dir);
	f = fopen(path, "w");
	if (!f) {
		err = -errno;
		goto out;
	}
	fprintf(f, "# XDP program cost (benchmarks/xdp_cost)\n\n"
		   "Added ns per packet of the sluice program over an empty XDP program\n"
		   "(`return XDP_DROP`), measured with BPF_PROG_TEST_RUN on the same frame in\n"
		   "the same process, runs of the two programs interleaved.\n\n"
		   "- Packet: %s.\n"
		   "- Rules: n - 1 rules the packet does not match (TCP/UDP services by port\n"
		   "  and range, blocklist-by-port drops, count rules), then the matching one.\n"
		   "- Set: n distinct random IPv4 prefixes of lengths /16../32 (seed %llu).\n"
		   "- Statistic: median over %d runs of the kernel's mean ns per repetition\n"
		   "  (%d repetitions a run); the process is pinned to CPU %d.\n"
		   "- Machine: %s, %ld CPUs online, kernel %s, load average at start %s.\n\n",
		packet, (unsigned long long)o->seed, o->runs, o->repeat, o->cpu, cpu,
		sysconf(_SC_NPROCESSORS_ONLN), u.release, load);
	fprintf(f, "| prefixes | rules | sluice ns | empty ns | added ns | ratio to 10/10 |\n"
		   "|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n_cells; i++) {
		const struct cell *c = &cells[i];

		fprintf(f, "| %u | %u | %.1f | %.1f | %.1f | %.2f |\n", c->prefixes, c->rules,
			c->sluice_med, c->empty_med, c->added,
			base->added > 0 ? c->added / base->added : 0.0);
	}
	fprintf(f, "\nTarget: added cost at %u prefixes and %u rules <= %.1f x the added cost at "
		   "%u prefixes and %u rules. Measured: %.2f x, %s.\n",
		worst->prefixes, worst->rules, TARGET_RATIO, base->prefixes, base->rules,
		base->added > 0 ? worst->added / base->added : 0.0,
		base->added > 0 && worst->added <= TARGET_RATIO * base->added ? "met" : "NOT met");
	if (ferror(f))
		err = -EIO;
out:
	if (f && fclose(f) && !err)
		err = -errno;
	json_decref(root);
	if (err)
		fprintf(stderr, "xdp_cost: writing results to %s: %s\n", o->out_dir, strerror(-err));
	return err;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xdp_cost [--smoke] [--out DIR] [--runs N] [--repeat N] [--seed N] [--cpu N]\n"
		   "  --smoke     one small cell (10 prefixes, 10 rules), 1 run of 1000 repetitions\n"
		   "  --out DIR   where xdp_cost.md and xdp_cost.json go\n"
		   "              (default $SLUICE_SRCDIR/benchmarks/results, or ./benchmarks/results)\n"
		   "  --runs N    runs per cell, median reported (default 7)\n"
		   "  --repeat N  repetitions per run (default 5000000)\n"
		   "  --seed N    seed of the random prefixes (default 1)\n"
		   "  --cpu N     CPU to run on (default the last online CPU)\n");
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "smoke", no_argument, NULL, 's' },  { "out", required_argument, NULL, 'o' },
		{ "runs", required_argument, NULL, 'r' }, { "repeat", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' }, { "cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },    { NULL, 0, NULL, 0 },
	};
	struct opts o = { .runs = 7, .repeat = 5000000, .seed = 1,
			  .cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1 };
	char tmpl[] = "/tmp/sl-xdpcost.XXXXXX", default_out[PATH_MAX], set_path[PATH_MAX];
	char packet[200], load[64];
	const uint32_t *pfx = full_prefixes, *rules = full_rules;
	size_t n_pfx = 4, n_rules = 3, i, j;
	bool runs_set = false, repeat_set = false;
	struct cell *cells = NULL;
	struct bench_empty *empty = NULL;
	struct sl_bench_frame_spec spec = {
		.dst_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
		.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
		.dst = { 198, 18, 0, 1 },
		.proto = IPPROTO_TCP,
		.sport = SPORT,
		.dport = DPORT,
		.tcp_flags = 0x02, /* SYN */
	};
	uint8_t frame[SL_BENCH_FRAME_LEN];
	char *dir = NULL;
	int n_cells = 0, frame_len, opt, err = 0;
	cpu_set_t cpus;
	long v;

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
				goto bad_arg;
			o.runs = (int)v;
			runs_set = true;
			break;
		case 'n':
			if (sl_bench_parse_long(optarg, 1, INT_MAX, &v))
				goto bad_arg;
			o.repeat = (int)v;
			repeat_set = true;
			break;
		case 'S':
			if (sl_bench_parse_long(optarg, 0, LONG_MAX, &v))
				goto bad_arg;
			o.seed = (uint64_t)v;
			break;
		case 'c':
			if (sl_bench_parse_long(optarg, 0, CPU_SETSIZE - 1, &v))
				goto bad_arg;
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
bad_arg:
		usage(stderr);
		return 2;
	}
	if (o.smoke) {
		pfx = smoke_prefixes;
		rules = smoke_rules;
		n_pfx = n_rules = 1;
		if (!runs_set)
			o.runs = 1;
		if (!repeat_set)
			o.repeat = 1000;
	}
	if (!o.out_dir) {
		const char *src = getenv("SLUICE_SRCDIR");

		snprintf(default_out, sizeof(default_out), "%s/benchmarks/results", src ? src : ".");
		o.out_dir = default_out;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "xdp_cost: must run as root (it loads BPF programs)\n");
		return 1;
	}

	loadavg(load, sizeof(load));
	/* One CPU: the runs of both programs see the same caches and clock. */
	CPU_ZERO(&cpus);
	CPU_SET(o.cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		err = -errno;
		fprintf(stderr, "xdp_cost: cannot run on CPU %d: %s\n", o.cpu, strerror(errno));
		goto out;
	}

	dir = mkdtemp(tmpl);
	cells = calloc(n_pfx * n_rules, sizeof(*cells));
	if (!dir || !cells) {
		err = dir ? -ENOMEM : -errno;
		fprintf(stderr, "xdp_cost: %s\n", strerror(-err));
		goto out;
	}
	if (mkdir(o.out_dir, 0755) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "xdp_cost: cannot create %s: %s\n", o.out_dir, strerror(errno));
		goto out;
	}

	empty = bench_empty__open_and_load();
	if (!empty) {
		err = -errno;
		fprintf(stderr, "xdp_cost: cannot load the empty program: %s\n", strerror(errno));
		goto out;
	}

	for (i = 0; i < n_pfx; i++) {
		snprintf(set_path, sizeof(set_path), "%s/block-%u.txt", dir, pfx[i]);
		err = write_set(set_path, pfx[i], o.seed, spec.src);
		if (err) {
			fprintf(stderr, "xdp_cost: writing %s: %s\n", set_path, strerror(-err));
			goto out;
		}
		frame_len = sl_bench_frame_build(&spec, frame, sizeof(frame));
		if (frame_len < 0) {
			err = frame_len;
			goto out;
		}
		for (j = 0; j < n_rules; j++) {
			struct cell *c = &cells[n_cells];

			c->prefixes = pfx[i];
			c->rules = rules[j];
			snprintf(c->src, sizeof(c->src), "%u.%u.%u.%u", spec.src[0], spec.src[1],
				 spec.src[2], spec.src[3]);
			err = measure_cell(&o, dir, set_path, frame, frame_len, bpf_program__fd(empty->progs.bench_empty), c);
			if (err)
				goto out;
			n_cells++;
			printf("%8u prefixes %5u rules: sluice %6.1f ns, empty %5.1f ns, added %6.1f ns (load %.1f s)\n",
			       c->prefixes, c->rules, c->sluice_med, c->empty_med, c->added, c->load_s);
			fflush(stdout);
		}
		unlink(set_path);
	}
	/* The packet line names the source of the last set. */
	snprintf(packet, sizeof(packet),
		 "TCP SYN from a host inside the set (a new one per set size) port %u -> 198.18.0.1:%u, "
		 "%d-byte frame, decided by the last rule (drop; default policy accept)",
		 SPORT, DPORT, SL_BENCH_FRAME_LEN);
	err = write_results(&o, cells, n_cells, packet, load);
	if (!err)
		printf("results in %s/xdp_cost.md and xdp_cost.json\n", o.out_dir);
out:
	bench_empty__destroy(empty);
	if (dir) {
		char path[PATH_MAX];
		int k;

		/* Only the files this program wrote. */
		for (i = 0; i < n_pfx; i++) {
			snprintf(path, sizeof(path), "%s/block-%u.txt", dir, pfx[i]);
			unlink(path);
			for (k = 0; k < (int)n_rules; k++) {
				snprintf(path, sizeof(path), "%s/p%u-r%u.yaml", dir, pfx[i], rules[k]);
				unlink(path);
			}
		}
		rmdir(dir);
	}
	free(cells);
	return err ? 1 : 0;
}
