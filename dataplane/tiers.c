/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "tiers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define NODE_DIR "devices/system/node"
#define TIER_DIR "devices/virtual/memory_tiering"


/* ------------------------------------------------------------ parsers */

/* Strips one final newline: sysfs ends every value with one. */
static size_t trim_nl(const char *buf, size_t len)
{
	return len && buf[len - 1] == '\n' ? len - 1 : len;
}

/* Reads a decimal at buf[*i], below len; at least one digit. */
static int parse_dec(const char *buf, size_t len, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && buf[*i] >= '0' && buf[*i] <= '9') {
		unsigned int d = (unsigned int)(buf[*i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start)
		return -EINVAL;
	*out = v;
	return 0;
}

int sl_sysfs_parse_nodelist(const char *buf, size_t len, uint64_t *nodes)
{
	uint64_t mask = 0, a, b, n;
	size_t i = 0;
	int err;

	len = trim_nl(buf, len);
	while (i < len) {
		err = parse_dec(buf, len, &i, &a);
		if (err)
			return err;
		b = a;
		if (i < len && buf[i] == '-') {
			i++;
			err = parse_dec(buf, len, &i, &b);
			if (err)
				return err;
			if (b < a)
				return -EINVAL;
		}
		if (b >= SL_MAX_NODES)
			return -ERANGE;
		for (n = a; n <= b; n++)
			mask |= 1ULL << n;
		if (i == len)
			break;
		/* A separator must be followed by another element. */
		if (buf[i] != ',' || ++i == len)
			return -EINVAL;
	}
	*nodes = mask;
	return 0;
}

int sl_sysfs_parse_u64(const char *buf, size_t len, uint64_t *out)
{
	size_t i = 0;
	int err;

	len = trim_nl(buf, len);
	err = parse_dec(buf, len, &i, out);
	if (err)
		return err;
	return i == len ? 0 : -EINVAL;
}

int sl_sysfs_parse_row(const char *buf, size_t len, uint32_t *vals, size_t max, size_t *n)
{
	size_t i = 0, count = 0;
	uint64_t v;
	int err;

	len = trim_nl(buf, len);
	if (!len)
		return -EINVAL;
	while (i < len) {
		err = parse_dec(buf, len, &i, &v);
		if (err)
			return err;
		if (v > UINT32_MAX)
			return -ERANGE;
		if (count == max)
			return -E2BIG;
		vals[count++] = (uint32_t)v;
		if (i == len)
			break;
		if (buf[i] != ' ' || ++i == len)
			return -EINVAL;
	}
	*n = count;
	return 0;
}

int sl_sysfs_parse_memtotal(const char *buf, size_t len, uint64_t *bytes)
{
	static const char key[] = "MemTotal:";
	const size_t klen = sizeof(key) - 1;
	size_t line = 0;

	while (line < len) {
		const char *nl = memchr(buf + line, '\n', len - line);
		size_t end = nl ? (size_t)(nl - buf) : len;
		const char *k = memmem(buf + line, end - line, key, klen);

		if (k) {
			size_t i = (size_t)(k - buf) + klen;
			uint64_t kb;
			int err;

			while (i < end && buf[i] == ' ')
				i++;
			err = parse_dec(buf, end, &i, &kb);
			if (err)
				return err;
			if (i >= end || buf[i] != ' ')
				return -EINVAL;
			while (i < end && buf[i] == ' ')
				i++;
			if (end - i != 2 || memcmp(buf + i, "kB", 2))
				return -EINVAL;
			if (kb > UINT64_MAX / 1024)
				return -ERANGE;
			*bytes = kb * 1024;
			return 0;
		}
		line = end + 1;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ reading */

struct reader {
	const char *root;
	struct sl_diag *diag;
	char path[PATH_MAX];
	char buf[SL_SYSFS_FILE_MAX + 1];
	size_t len;
};

static int set_path(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int set_path(struct reader *r, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	n = snprintf(r->path, sizeof(r->path), "%s/%s", r->root, rel);
	if (n < 0 || (size_t)n >= sizeof(r->path)) {
		sl_diagf(r->diag, "%s/%s: path too long", r->root, rel);
		return -ENAMETOOLONG;
	}
	return 0;
}

/*
 * Reads the file at r->path into r->buf. A missing file is -ENOENT with
 * no message unless required; every other failure names the file.
 */
static int read_file(struct reader *r, bool required)
{
	ssize_t n;
	int fd, err = 0;

	r->len = 0;
	fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT || required)
			sl_diagf(r->diag, "%s: %s", r->path, strerror(-err));
		return err;
	}
	/* One byte more than allowed tells a too-long file from a full one. */
	while (r->len < sizeof(r->buf)) {
		n = read(fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			sl_diagf(r->diag, "%s: %s", r->path, strerror(-err));
			goto out;
		}
		if (n == 0)
			break;
		r->len += (size_t)n;
	}
	if (r->len > SL_SYSFS_FILE_MAX) {
		err = -EFBIG;
		sl_diagf(r->diag, "%s: longer than %d bytes", r->path, SL_SYSFS_FILE_MAX);
	}
out:
	close(fd);
	return err;
}

static int bad_file(struct reader *r, int err, const char *what)
{
	if (err == -ERANGE)
		sl_diagf(r->diag, "%s: value out of range in %s (node ids 0-%d)", r->path, what,
		      SL_MAX_NODES - 1);
	else
		sl_diagf(r->diag, "%s: %s %s", r->path, err == -E2BIG ? "too many values in" : "malformed",
		      what);
	return err;
}

static int read_nodelist(struct reader *r, bool required, uint64_t *nodes)
{
	int err = read_file(r, required);

	if (err)
		return err;
	err = sl_sysfs_parse_nodelist(r->buf, r->len, nodes);
	return err ? bad_file(r, err, "node list") : 0;
}

/* An optional integer file: *out stays 0 when the file is missing. */
static int read_opt_u64(struct reader *r, uint64_t *out)
{
	int err = read_file(r, false);

	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	err = sl_sysfs_parse_u64(r->buf, r->len, out);
	return err ? bad_file(r, err, "integer") : 0;
}

/* A CPU list is only checked for its alphabet: we need to know if it is empty. */
static int read_cpulist_nonempty(struct reader *r, bool *nonempty)
{
	size_t i, len;
	int err = read_file(r, true);

	if (err)
		return err;
	len = trim_nl(r->buf, r->len);
	for (i = 0; i < len; i++) {
		char c = r->buf[i];

		if (!((c >= '0' && c <= '9') || c == '-' || c == ','))
			return bad_file(r, -EINVAL, "CPU list");
	}
	*nonempty = len > 0;
	return 0;
}

static int node_index(const struct sl_topology *topo, uint32_t id)
{
	size_t i;

	for (i = 0; i < topo->n_nodes; i++)
		if (topo->nodes[i].id == id)
			return (int)i;
	return -1;
}

const struct sl_node_info *sl_tiers_node(const struct sl_topology *topo, uint32_t id)
{
	int i = node_index(topo, id);

	return i < 0 ? NULL : &topo->nodes[i];
}

/* "memory_tierN" with N a plain decimal that fits an int. */
static bool tier_id(const char *name, int *id)
{
	static const char prefix[] = "memory_tier";
	size_t plen = sizeof(prefix) - 1, len = strnlen(name, 32), i;
	uint64_t v;

	if (len <= plen || len >= 32 || strncmp(name, prefix, plen))
		return false;
	i = plen;
	if (parse_dec(name, len, &i, &v) || i != len || v > INT_MAX)
		return false;
	*id = (int)v;
	return true;
}

static int read_memory_tiers(struct reader *r, struct sl_topology *topo)
{
	struct dirent *de;
	uint64_t nodes;
	DIR *dir;
	size_t i;
	int err, id;

	err = set_path(r, TIER_DIR);
	if (err)
		return err;
	dir = opendir(r->path);
	if (!dir) {
		err = -errno;
		if (err == -ENOENT || err == -ENOTDIR)
			return 0; /* a kernel without memory tiers */
		sl_diagf(r->diag, "%s: %s", r->path, strerror(-err));
		return err;
	}
	while ((de = readdir(dir))) {
		if (!tier_id(de->d_name, &id))
			continue;
		err = set_path(r, TIER_DIR "/%s/nodelist", de->d_name);
		if (!err)
			err = read_nodelist(r, true, &nodes);
		if (err)
			goto out;
		for (i = 0; i < topo->n_nodes; i++) {
			struct sl_node_info *n = &topo->nodes[i];

			if (!(nodes & (1ULL << n->id)))
				continue;
			if (n->mem_tier >= 0 && n->mem_tier != id) {
				sl_diagf(r->diag, "%s: node %u is also in memory_tier%d", r->path, n->id,
				      n->mem_tier);
				err = -EINVAL;
				goto out;
			}
			n->mem_tier = id;
		}
	}
out:
	closedir(dir);
	return err;
}

/* Every node's distance from the nearest node with CPUs, when SLIT is there. */
static int read_distances(struct reader *r, struct sl_topology *topo)
{
	uint32_t row[SL_MAX_NODES];
	size_t i, j, n;
	int err;

	for (i = 0; i < topo->n_nodes; i++) {
		if (!topo->nodes[i].has_cpu)
			continue;
		err = set_path(r, NODE_DIR "/node%u/distance", topo->nodes[i].id);
		if (err)
			return err;
		err = read_file(r, false);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		err = sl_sysfs_parse_row(r->buf, r->len, row, SL_MAX_NODES, &n);
		if (err)
			return bad_file(r, err, "distance row");
		/* The row has one entry per online node, in id order. */
		if (n != topo->n_nodes) {
			sl_diagf(r->diag, "%s: %zu distances for %zu online nodes", r->path, n,
			      topo->n_nodes);
			return -EINVAL;
		}
		for (j = 0; j < n; j++) {
			struct sl_node_info *t = &topo->nodes[j];

			if (row[j] && (!t->distance || row[j] < t->distance))
				t->distance = row[j];
		}
	}
	return 0;
}

/* ------------------------------------------------------------ ranking */

struct key {
	uint64_t primary;
	bool cpuless;
};

static uint64_t primary_key(const struct sl_node_info *n, enum sl_rank_source src)
{
	uint64_t bw;

	switch (src) {
	case SL_RANK_MEMORY_TIERING:
		return n->mem_tier < 0 ? UINT64_MAX : (uint64_t)n->mem_tier;
	case SL_RANK_HMAT:
		/* Latency first; among equal latencies more bandwidth is better. */
		bw = n->read_bandwidth > UINT32_MAX ? UINT32_MAX : n->read_bandwidth;
		return ((n->read_latency > UINT32_MAX ? UINT32_MAX : n->read_latency) << 32) |
		       (UINT32_MAX - bw);
	case SL_RANK_SLIT:
		return n->distance;
	default:
		return 0;
	}
}

static bool known(const struct sl_node_info *n, enum sl_rank_source src)
{
	switch (src) {
	case SL_RANK_MEMORY_TIERING:
		return n->mem_tier >= 0;
	case SL_RANK_HMAT:
		return n->read_latency != 0;
	case SL_RANK_SLIT:
		return n->distance != 0;
	default:
		return true;
	}
}

/* A source counts when it knows every memory node and tells two apart. */
static bool distinguishes(const struct sl_topology *topo, enum sl_rank_source src)
{
	bool seen = false;
	uint64_t first = 0;
	size_t i;

	for (i = 0; i < topo->n_nodes; i++) {
		const struct sl_node_info *n = &topo->nodes[i];

		if (!n->mem_bytes)
			continue;
		if (!known(n, src))
			return false;
		if (!seen) {
			first = primary_key(n, src);
			seen = true;
		} else if (primary_key(n, src) != first) {
			return true;
		}
	}
	return false;
}

static int key_cmp(struct key a, struct key b)
{
	if (a.primary != b.primary)
		return a.primary < b.primary ? -1 : 1;
	return (int)a.cpuless - (int)b.cpuless;
}

static void rank_nodes(struct sl_topology *topo)
{
	static const enum sl_rank_source order[] = {SL_RANK_MEMORY_TIERING, SL_RANK_HMAT,
						     SL_RANK_SLIT};
	enum sl_rank_source src = SL_RANK_NONE;
	struct key keys[SL_MAX_NODES];
	int best_cpu = INT_MAX, next = INT_MAX;
	bool cpu_mix = false, any_cpu = false, any_cpuless = false;
	size_t i, j;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (distinguishes(topo, order[i])) {
			src = order[i];
			break;
		}
	}
	for (i = 0; i < topo->n_nodes; i++) {
		const struct sl_node_info *n = &topo->nodes[i];

		keys[i].primary = src == SL_RANK_NONE ? 0 : primary_key(n, src);
		keys[i].cpuless = !n->has_cpu;
		if (n->mem_bytes) {
			any_cpu |= n->has_cpu;
			any_cpuless |= !n->has_cpu;
		}
	}
	cpu_mix = any_cpu && any_cpuless;
	topo->source = src == SL_RANK_NONE && cpu_mix ? SL_RANK_CPU : src;

	/* A node's rank is the number of distinct smaller keys among memory nodes. */
	topo->n_ranks = 0;
	for (i = 0; i < topo->n_nodes; i++) {
		struct sl_node_info *n = &topo->nodes[i];
		int rank = 0;

		n->rank = -1;
		if (!n->mem_bytes)
			continue;
		for (j = 0; j < topo->n_nodes; j++) {
			size_t k;
			bool dup = false;

			if (!topo->nodes[j].mem_bytes || key_cmp(keys[j], keys[i]) >= 0)
				continue;
			for (k = 0; k < j && !dup; k++)
				dup = topo->nodes[k].mem_bytes && !key_cmp(keys[k], keys[j]);
			rank += !dup;
		}
		n->rank = rank;
		if (rank + 1 > topo->n_ranks)
			topo->n_ranks = rank + 1;
	}

	for (i = 0; i < topo->n_nodes; i++) {
		const struct sl_node_info *n = &topo->nodes[i];

		if (n->mem_bytes && (n->has_cpu || !any_cpu) && n->rank < best_cpu)
			best_cpu = n->rank;
	}
	for (i = 0; i < topo->n_nodes; i++) {
		const struct sl_node_info *n = &topo->nodes[i];

		if (n->mem_bytes && n->rank > best_cpu && n->rank < next)
			next = n->rank;
	}
	topo->fast = topo->capacity = 0;
	for (i = 0; i < topo->n_nodes; i++) {
		const struct sl_node_info *n = &topo->nodes[i];

		if (!n->mem_bytes)
			continue;
		/* UMEM must never land on a CPU-less node unless named: fast has CPUs. */
		if (n->rank == best_cpu && (n->has_cpu || !any_cpu))
			topo->fast |= 1ULL << n->id;
		if (n->rank == next)
			topo->capacity |= 1ULL << n->id;
	}
}

int sl_tiers_discover(const char *sysfs_root, struct sl_topology *topo, struct sl_diag *diag)
{
	struct reader *r;
	uint64_t online, cpus = 0;
	uint32_t id;
	size_t i;
	bool have_cpu_list = true;
	int err;

	/* The reader holds a page-sized buffer and a path: keep it off the stack. */
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->root = sysfs_root;
	r->diag = diag;
	memset(topo, 0, sizeof(*topo));

	err = set_path(r, NODE_DIR "/online");
	if (!err)
		err = read_nodelist(r, true, &online);
	if (err)
		goto out;
	err = set_path(r, NODE_DIR "/has_cpu");
	if (!err)
		err = read_nodelist(r, false, &cpus);
	if (err == -ENOENT) {
		have_cpu_list = false;
		err = 0;
	}
	if (err)
		goto out;

	for (id = 0; id < SL_MAX_NODES; id++) {
		struct sl_node_info *n;

		if (!(online & (1ULL << id)))
			continue;
		n = &topo->nodes[topo->n_nodes++];
		n->id = id;
		n->mem_tier = -1;
		n->rank = -1;
		if (have_cpu_list) {
			n->has_cpu = cpus & (1ULL << id);
		} else {
			err = set_path(r, NODE_DIR "/node%u/cpulist", id);
			if (!err)
				err = read_cpulist_nonempty(r, &n->has_cpu);
			if (err)
				goto out;
		}
		err = set_path(r, NODE_DIR "/node%u/meminfo", id);
		if (!err)
			err = read_file(r, true);
		if (err)
			goto out;
		err = sl_sysfs_parse_memtotal(r->buf, r->len, &n->mem_bytes);
		if (err) {
			bad_file(r, err, "meminfo (no 'MemTotal: N kB')");
			goto out;
		}
		if (n->mem_bytes)
			topo->memory |= 1ULL << id;
		err = set_path(r, NODE_DIR "/node%u/access0/initiators/read_latency", id);
		if (!err)
			err = read_opt_u64(r, &n->read_latency);
		if (!err)
			err = set_path(r, NODE_DIR "/node%u/access0/initiators/read_bandwidth", id);
		if (!err)
			err = read_opt_u64(r, &n->read_bandwidth);
		if (err)
			goto out;
	}
	if (!topo->memory) {
		sl_diagf(diag, "%s/" NODE_DIR ": no online node has memory", sysfs_root);
		err = -ENODEV;
		goto out;
	}
	err = read_memory_tiers(r, topo);
	if (!err)
		err = read_distances(r, topo);
	if (err)
		goto out;
	rank_nodes(topo);
	for (i = 0; i < topo->n_nodes; i++)
		pr_debug("node %u: cpus %s, %llu MiB, rank %d\n", topo->nodes[i].id,
			 topo->nodes[i].has_cpu ? "yes" : "no",
			 (unsigned long long)(topo->nodes[i].mem_bytes >> 20), topo->nodes[i].rank);
out:
	free(r);
	return err;
}

/* ------------------------------------------------------------ requests */

char *sl_nodes_format(uint64_t nodes, char *buf, size_t size)
{
	size_t used = 0;
	unsigned int a = 0, b;
	int n;

	if (!size)
		return buf;
	buf[0] = '\0';
	while (a < SL_MAX_NODES) {
		if (!(nodes & (1ULL << a))) {
			a++;
			continue;
		}
		b = a;
		while (b + 1 < SL_MAX_NODES && (nodes & (1ULL << (b + 1))))
			b++;
		n = a == b ? snprintf(buf + used, size - used, "%s%u", used ? "," : "", a)
			   : snprintf(buf + used, size - used, "%s%u-%u", used ? "," : "", a, b);
		if (n < 0 || (size_t)n >= size - used) {
			buf[used] = '\0'; /* whole elements only */
			return buf;
		}
		used += (size_t)n;
		a = b + 1;
	}
	return buf;
}

const char *sl_tier_kind_name(uint32_t kind)
{
	switch (kind) {
	case SL_TIER_AUTO:
		return "auto";
	case SL_TIER_FAST:
		return "fast";
	case SL_TIER_CAPACITY:
		return "capacity";
	case SL_TIER_NODES:
		return "nodes";
	default:
		return "?";
	}
}

const char *sl_rank_source_name(enum sl_rank_source src)
{
	switch (src) {
	case SL_RANK_MEMORY_TIERING:
		return "memory_tiering";
	case SL_RANK_HMAT:
		return "hmat";
	case SL_RANK_SLIT:
		return "slit";
	case SL_RANK_CPU:
		return "cpu";
	default:
		return "none";
	}
}

int sl_tiers_resolve(const struct sl_topology *topo, const struct sl_tier_req *req,
		     bool auto_capacity, bool strict, const char *what, uint64_t *nodes,
		     bool *fell_back, struct sl_diag *diag)
{
	char want[128], have[128];
	uint64_t got = 0;
	const char *why = NULL;

	*fell_back = false;
	switch (req->kind) {
	case SL_TIER_AUTO:
		*nodes = auto_capacity && topo->capacity ? topo->capacity : topo->fast;
		return 0;
	case SL_TIER_FAST:
		*nodes = topo->fast;
		return 0;
	case SL_TIER_CAPACITY:
		got = topo->capacity;
		why = "this machine has no capacity tier";
		break;
	case SL_TIER_NODES:
		got = req->nodes && !(req->nodes & ~topo->memory) ? req->nodes : 0;
		why = "a node asked for is offline or has no memory";
		break;
	default:
		sl_diagf(diag, "%s: unknown tier kind %u", what, req->kind);
		return -EINVAL;
	}
	if (got) {
		*nodes = got;
		return 0;
	}
	sl_nodes_format(req->nodes, want, sizeof(want));
	sl_nodes_format(topo->memory, have, sizeof(have));
	if (strict) {
		sl_diagf(diag, "%s: tier %s%s%s: %s (nodes with memory: %s; memory.strict is set)", what,
		      sl_tier_kind_name(req->kind), req->kind == SL_TIER_NODES ? " " : "",
		      req->kind == SL_TIER_NODES ? want : "", why, have);
		return -ENODEV;
	}
	pr_warn("%s: tier %s%s%s: %s (nodes with memory: %s); using the fast tier\n", what,
		sl_tier_kind_name(req->kind), req->kind == SL_TIER_NODES ? " " : "",
		req->kind == SL_TIER_NODES ? want : "", why, have);
	*nodes = topo->fast;
	*fell_back = true;
	return 0;
}
