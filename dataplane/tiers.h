/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Memory tier discovery: the NUMA nodes, which of them have CPUs, how
 * much memory each has and how fast it is ranked, read from sysfs under a
 * root given by the caller (tests feed fake trees). See docs/tiers.md.
 *
 * Ranking, the first source that tells the memory nodes apart wins:
 *   1. the kernel's memory tiers (memory_tiering/memory_tierN/nodelist,
 *      a smaller N is faster);
 *   2. HMAT (nodeN/access0/initiators/read_latency, then read_bandwidth);
 *   3. SLIT (nodeN/distance), a node's distance from the nearest node
 *      with CPUs;
 *   4. nothing: every node is equal.
 * Within equal values a node without CPUs ranks after nodes with CPUs.
 *
 * The fast tier is the nodes with CPUs and memory of the best rank any
 * such node has; the capacity tier is the memory of the next rank after
 * it (empty on a machine with one kind of memory).
 *
 * The sysfs parsers are exposed for the tests and the fuzz target: each
 * reads a buffer of known length, checks every byte and never reads past
 * len.
 */
#ifndef SLUICE_TIERS_H
#define SLUICE_TIERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../control/config.h"

#define SL_SYSFS_FILE_MAX 4096 /* the longest sysfs file read; a longer one is malformed */

enum sl_rank_source {
	SL_RANK_NONE = 0,           /* one rank: nothing tells the nodes apart */
	SL_RANK_MEMORY_TIERING = 1, /* the kernel's memory tiers */
	SL_RANK_HMAT = 2,           /* ACPI HMAT latency and bandwidth */
	SL_RANK_SLIT = 3,           /* ACPI SLIT distances */
	SL_RANK_CPU = 4,            /* only "has CPUs or not" */
};

struct sl_node_info {
	uint32_t id;
	bool has_cpu;
	uint64_t mem_bytes;      /* MemTotal; 0 for a memory-less node */
	int rank;                /* 0 is the fastest; -1 without memory */
	int mem_tier;            /* the kernel's memory tier id, -1 if none */
	uint64_t read_latency;   /* HMAT, ns; 0 unknown */
	uint64_t read_bandwidth; /* HMAT, MB/s; 0 unknown */
	uint32_t distance;       /* SLIT distance from the nearest node with CPUs; 0 unknown */
};

struct sl_topology {
	struct sl_node_info nodes[SL_MAX_NODES]; /* online nodes, by id */
	size_t n_nodes;
	enum sl_rank_source source;
	int n_ranks;
	uint64_t memory;   /* nodes with memory */
	uint64_t fast;     /* the fast tier (never empty once discovered) */
	uint64_t capacity; /* the capacity tier, 0 when the machine has none */
};

/*
 * Reads the topology under sysfs_root (normally "/sys"). Returns 0, or a
 * negative errno with diag naming the file at fault: -EINVAL for a
 * malformed file, -EFBIG for one longer than SL_SYSFS_FILE_MAX, -ERANGE
 * for a node id of SL_MAX_NODES or more, -ENOENT when a required file
 * (devices/system/node/online, nodeN/meminfo) is missing, -ENODEV when no
 * node has memory.
 */
int sl_tiers_discover(const char *sysfs_root, struct sl_topology *topo, struct sl_diag *diag);

/* The node with that id, or NULL. */
const struct sl_node_info *sl_tiers_node(const struct sl_topology *topo, uint32_t id);

/*
 * Resolves a tier request to a node set. AUTO means capacity when
 * auto_capacity is set and the machine has a capacity tier, else fast.
 * A capacity tier the machine lacks, or a node list naming a node that
 * is offline or has no memory, falls back to the fast tier with a
 * warning (*fell_back set), or in strict mode fails with -ENODEV and
 * diag. what names the pool or map in messages. Returns 0 or -ENODEV.
 */
int sl_tiers_resolve(const struct sl_topology *topo, const struct sl_tier_req *req,
		     bool auto_capacity, bool strict, const char *what, uint64_t *nodes,
		     bool *fell_back, struct sl_diag *diag);

/* "fast", "capacity", "auto" or "nodes". */
const char *sl_tier_kind_name(uint32_t kind);

/* "memory_tiering", "hmat", "slit", "cpu" or "none". */
const char *sl_rank_source_name(enum sl_rank_source src);

/*
 * Formats a node set as a list ("0-3,5"; "" for none) into buf. Returns
 * buf; truncates (never overflows) a buffer that is too small.
 */
char *sl_nodes_format(uint64_t nodes, char *buf, size_t size);

/* ----------------------------------------------------- sysfs parsers */

/*
 * A node list, "0-3,5" with an optional final newline; empty is the
 * empty set. -EINVAL malformed, -ERANGE a node id >= SL_MAX_NODES.
 */
int sl_sysfs_parse_nodelist(const char *buf, size_t len, uint64_t *nodes);

/* One unsigned decimal with an optional final newline. -EINVAL, -ERANGE. */
int sl_sysfs_parse_u64(const char *buf, size_t len, uint64_t *out);

/*
 * A row of unsigned decimals separated by single spaces (a distance
 * file), at most max of them. -EINVAL malformed, -E2BIG more than max.
 */
int sl_sysfs_parse_row(const char *buf, size_t len, uint32_t *vals, size_t max, size_t *n);

/*
 * The "Node N MemTotal: X kB" line of a node's meminfo, in bytes.
 * -EINVAL when it is missing or malformed, -ERANGE on overflow.
 */
int sl_sysfs_parse_memtotal(const char *buf, size_t len, uint64_t *bytes);

#endif /* SLUICE_TIERS_H */
