/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flow_tiers: what a flow-table lookup costs when the table lives on the
 * capacity tier (CXL) instead of local DRAM, as the table grows.
 *
 * The table is an open-addressing hash of 64-byte entries (a 16-byte
 * 5-tuple key and 48 bytes of state), twice as many buckets as entries,
 * in a pool from dataplane/pool.c on the tier measured. For 1,000,
 * 100,000 and 1,000,000 entries it times random-key lookups (every key
 * present; the keys are computed from random indices, so nothing but the
 * table is in memory) on the fast tier and on the capacity tier, in the
 * same run, and reports ns per lookup (median of --runs) and the ratio
 * to the fast tier. A machine without a capacity tier reports fast only.
 *
 * Each cell also prints "SL-BENCH ..." so that the QEMU two-node run
 * (benchmarks/flow_tiers_qemu.sh) can collect it from the serial console.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "args.h"
#include "dataplane/pool.h"
#include "dataplane/tiers.h"

#define MAX_RUNS 16
#define N_SIZES 3
#define N_TIERS 2

struct flow_key {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];
};

struct flow_entry {
	struct flow_key key;
	uint64_t packets, bytes, first_ns, last_ns;
	uint32_t used; /* 1 when the bucket holds a flow */
	uint32_t state;
	uint64_t spare;
};

_Static_assert(sizeof(struct flow_key) == 16, "flow key is 16 bytes");
_Static_assert(sizeof(struct flow_entry) == 64, "flow entry is one cache line");

struct opts {
	bool smoke;
	const char *out_dir;
	int runs;
	uint32_t lookups;
	uint64_t seed;
};

struct cell {
	bool done;
	char nodes[32];
	double placed;   /* fraction of the table's pages on its tier's nodes */
	double ns[MAX_RUNS];
	double ns_med;
};

static const uint32_t sizes[N_SIZES] = {1000, 100000, 1000000};
static const uint32_t tiers[N_TIERS] = {SL_TIER_FAST, SL_TIER_CAPACITY};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Flow i's key: distinct for distinct i, spread like real addresses. */
static struct flow_key key_of(uint32_t i)
{
	uint64_t a = mix64(i), b = mix64((uint64_t)i ^ 0x9e3779b97f4a7c15ULL);
	struct flow_key k = {
		.src = (uint32_t)a, .dst = i, .sport = (uint16_t)(a >> 32),
		.dport = (uint16_t)b, .proto = (b >> 16) & 1 ? 6 : 17,
	};

	return k;
}

static uint64_t hash_key(const struct flow_key *k)
{
	uint64_t lo, hi;

	memcpy(&lo, k, 8);
	memcpy(&hi, (const char *)k + 8, 8);
	return mix64(lo ^ mix64(hi));
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void insert(struct flow_entry *t, uint64_t mask, uint32_t i)
{
	struct flow_key k = key_of(i);
	uint64_t b = hash_key(&k) & mask;

	while (t[b].used)
		b = (b + 1) & mask;
	t[b].key = k;
	t[b].used = 1;
	t[b].packets = i;
}

static const struct flow_entry *lookup(const struct flow_entry *t, uint64_t mask,
				       const struct flow_key *k)
{
	uint64_t b = hash_key(k) & mask;

	while (t[b].used) {
		if (key_eq(&t[b].key, k))
			return &t[b];
		b = (b + 1) & mask;
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One table on one tier: fill, warm, time --runs passes of random lookups. */
static int measure(const struct sl_topology *topo, const struct opts *o, uint32_t entries,
		   uint32_t tier, struct cell *c)
{
	struct sl_pool_req req = {.name = "flow_table", .tier = {tier, 0}, .strict = true};
	uint64_t buckets = 1, mask, rng = o->seed * 2 + 1, sum = 0, misses = 0, t0;
	struct sl_diag diag = {{0}};
	double sorted[MAX_RUNS];
	struct flow_entry *t;
	struct sl_pool *pool;
	uint32_t i, n;
	int run, err;

	while (buckets < 2ULL * entries)
		buckets <<= 1;
	mask = buckets - 1;
	req.size = buckets * sizeof(struct flow_entry);
	err = sl_pool_create(topo, &req, &pool, &diag);
	if (err) {
		fprintf(stderr, "flow_tiers: %s\n", diag.msg);
		return err;
	}
	t = pool->base;
	sl_nodes_format(pool->nodes, c->nodes, sizeof(c->nodes));
	c->placed = (double)sl_placement_on(&pool->placement, pool->nodes) /
		    (double)pool->placement.total;
	for (i = 0; i < entries; i++)
		insert(t, mask, i);
	for (run = -1; run < o->runs; run++) {
		t0 = now_ns();
		for (n = 0; n < o->lookups; n++) {
			struct flow_key k;
			const struct flow_entry *e;

			rng ^= rng >> 12;
			rng ^= rng << 25;
			rng ^= rng >> 27;
			k = key_of((uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32) % entries);
			e = lookup(t, mask, &k);
			if (e)
				sum += e->packets;
			else
				misses++;
		}
		if (run >= 0) /* run -1 warms the caches and the TLB */
			c->ns[run] = (double)(now_ns() - t0) / o->lookups;
	}
	sl_pool_destroy(pool);
	if (misses) {
		fprintf(stderr, "flow_tiers: %llu lookups missed a present key\n",
			(unsigned long long)misses);
		return -EIO;
	}
	/* c->ns keeps the run order for the JSON; the median comes from a copy. */
	memcpy(sorted, c->ns, sizeof(double) * (size_t)o->runs);
	qsort(sorted, (size_t)o->runs, sizeof(double), cmp_double);
	c->ns_med = sorted[o->runs / 2];
	c->done = true;
	/* Keeps the lookups from being optimised away. */
	if (sum == 1)
		printf(" ");
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	long v;
	static const struct option long_opts[] = {
		{"smoke", no_argument, NULL, 's'},  {"out", required_argument, NULL, 'o'},
		{"runs", required_argument, NULL, 'r'}, {"lookups", required_argument, NULL, 'l'},
		{"seed", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0},
	};
	int c;

	o->runs = 5;
	o->lookups = 2000000;
	o->seed = 1;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->smoke = true;
			break;
		case 'o':
			o->out_dir = optarg;
			break;
		case 'r':
			if (sl_bench_parse_long(optarg, 1, MAX_RUNS, &v))
				return sl_bench_bad_number("flow_tiers", "--runs", optarg);
			o->runs = (int)v;
			break;
		case 'l':
			if (sl_bench_parse_long(optarg, 1, UINT32_MAX, &v))
				return sl_bench_bad_number("flow_tiers", "--lookups", optarg);
			o->lookups = (uint32_t)v;
			break;
		case 'e':
			if (sl_bench_parse_long(optarg, 0, LONG_MAX, &v))
				return sl_bench_bad_number("flow_tiers", "--seed", optarg);
			o->seed = (uint64_t)v;
			break;
		default:
			fprintf(stderr, "usage: flow_tiers [--smoke] [--out DIR] [--runs N] "
					"[--lookups N] [--seed N]\n");
			return -EINVAL;
		}
	}
	if (o->smoke) {
		o->runs = 1;
		o->lookups = 20000;
	}
	if (o->runs < 1 || o->runs > MAX_RUNS || !o->lookups) {
		fprintf(stderr, "flow_tiers: --runs 1-%d, --lookups at least 1\n", MAX_RUNS);
		return -EINVAL;
	}
	return 0;
}

static int write_results(const struct opts *o, const struct sl_topology *topo,
			 struct cell cells[N_SIZES][N_TIERS])
{
	char path[512], fast[64], cap[64];
	FILE *md = NULL, *js = NULL;
	int s, t, r, err = 0;

	if (mkdir(o->out_dir, 0755) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "flow_tiers: cannot create %s: %s\n", o->out_dir, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/flow_tiers.md", o->out_dir);
	md = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/flow_tiers.json", o->out_dir);
	js = fopen(path, "w");
	if (!md || !js) {
		err = -errno;
		fprintf(stderr, "flow_tiers: cannot write %s: %s\n", path, strerror(-err));
		goto out;
	}
	fprintf(md, "# flow_tiers\n\nRandom-key lookups in an open-addressing flow table "
		    "(64-byte entries, 2 buckets per entry), %u lookups per run, median of %d runs. "
		    "Ranking source: %s; fast nodes %s, capacity nodes %s.\n\n",
		o->lookups, o->runs, sl_rank_source_name(topo->source),
		sl_nodes_format(topo->fast, fast, sizeof(fast)),
		topo->capacity ? sl_nodes_format(topo->capacity, cap, sizeof(cap)) : "none");
	fprintf(md, "| entries | fast ns/lookup | capacity ns/lookup | capacity / fast |\n"
		    "|---:|---:|---:|---:|\n");
	fprintf(js, "{\"benchmark\": \"flow_tiers\", \"lookups\": %u, \"runs\": %d, "
		    "\"source\": \"%s\", \"cells\": [",
		o->lookups, o->runs, sl_rank_source_name(topo->source));
	for (s = 0; s < N_SIZES; s++) {
		struct cell *f = &cells[s][0], *c = &cells[s][1];

		if (c->done)
			fprintf(md, "| %u | %.1f | %.1f | %.2f |\n", sizes[s], f->ns_med, c->ns_med,
				c->ns_med / f->ns_med);
		else
			fprintf(md, "| %u | %.1f | n/a | n/a |\n", sizes[s], f->ns_med);
		for (t = 0; t < N_TIERS; t++) {
			struct cell *x = &cells[s][t];

			if (!x->done)
				continue;
			fprintf(js, "%s{\"entries\": %u, \"tier\": \"%s\", \"nodes\": \"%s\", "
				    "\"placed\": %.4f, \"ns_median\": %.2f, \"ns\": [",
				(s || t) ? ", " : "", sizes[s], sl_tier_kind_name(tiers[t]), x->nodes,
				x->placed, x->ns_med);
			for (r = 0; r < o->runs; r++)
				fprintf(js, "%s%.2f", r ? ", " : "", x->ns[r]);
			fprintf(js, "]}");
		}
	}
	fprintf(js, "]}\n");
out:
	if (md && fclose(md) && !err)
		err = -errno;
	if (js && fclose(js) && !err)
		err = -errno;
	return err;
}

int main(int argc, char **argv)
{
	static struct cell cells[N_SIZES][N_TIERS];
	struct sl_topology topo;
	struct sl_diag diag = {{0}};
	struct opts o = {0};
	cpu_set_t cpus;
	int s, t, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	err = parse_opts(argc, argv, &o);
	if (err)
		return 2;
	err = sl_tiers_discover("/sys", &topo, &diag);
	if (err) {
		fprintf(stderr, "flow_tiers: %s\n", diag.msg);
		return 1;
	}
	/* The lookups run on CPU 0, which every machine here has on a fast node. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	for (s = 0; s < N_SIZES; s++) {
		for (t = 0; t < N_TIERS; t++) {
			struct cell *c = &cells[s][t];

			if (tiers[t] == SL_TIER_CAPACITY && !topo.capacity)
				continue;
			err = measure(&topo, &o, sizes[s], tiers[t], c);
			if (err)
				return 1;
			printf("SL-BENCH entries=%u tier=%s nodes=%s placed=%.4f ns=%.2f\n", sizes[s],
			       sl_tier_kind_name(tiers[t]), c->nodes, c->placed, c->ns_med);
			if (c->placed < 1.0) {
				fprintf(stderr, "flow_tiers: only %.1f%% of the table on its tier\n",
					c->placed * 100);
				return 1;
			}
		}
	}
	if (o.out_dir) {
		err = write_results(&o, &topo, cells);
		if (err)
			return 1;
		printf("results in %s/flow_tiers.md and flow_tiers.json\n", o.out_dir);
	}
	return 0;
}
