/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Memory pools: the one allocator for every large region sluice owns
 * (AF_XDP UMEM, flow tables, log staging and capture buffers). A pool is
 * mapped, bound with mbind to the nodes of its tier before anything
 * touches it, pre-faulted, and its real placement is read back with
 * move_pages so that what the report says is what the kernel did.
 * See docs/tiers.md.
 */
#ifndef SLUICE_POOL_H
#define SLUICE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tiers.h"

#define SL_POOL_NAME_LEN 32
#define SL_HUGE_PAGE_SIZE (2u << 20) /* huge pages are the x86-64 2 MiB kind */

/* Where a region's pages are, as the kernel reports them. */
struct sl_placement {
	size_t page_size;
	uint64_t total;                 /* pages in the region */
	uint64_t pages[SL_MAX_NODES];   /* pages on each node */
	uint64_t other;                 /* pages on a node id >= SL_MAX_NODES */
	uint64_t absent;                /* pages not present, or that the kernel would not report */
};

struct sl_pool_req {
	const char *name;      /* for messages and reports */
	size_t size;           /* bytes, rounded up to the page size */
	struct sl_tier_req tier;
	bool auto_capacity;    /* AUTO means capacity for this pool (everything but UMEM) */
	bool huge_pages;       /* 2 MiB hugetlb pages; without a reserve, THP with a warning */
	bool strict;           /* a missing tier or missing huge pages is an error */
};

struct sl_pool {
	char name[SL_POOL_NAME_LEN];
	void *base;
	size_t size;
	bool huge;                    /* backed by hugetlb pages */
	struct sl_tier_req requested;
	uint64_t nodes;               /* the resolved node set it is bound to */
	bool fell_back;               /* the tier asked for was missing: fast instead */
	bool bound;                   /* mbind applied (false only on a kernel without NUMA) */
	struct sl_placement placement; /* measured right after the pre-fault */
};

/*
 * Creates a pool on topo's nodes for req: resolves the tier
 * (sl_tiers_resolve), maps, binds, pre-faults every page and measures
 * the placement. Returns 0 and the pool, or a negative errno with diag:
 * -EINVAL (size 0, bad request), -ENODEV (strict, tier missing), -ENOMEM
 * (the nodes cannot hold it), or what mmap/mbind returned.
 */
int sl_pool_create(const struct sl_topology *topo, const struct sl_pool_req *req,
		   struct sl_pool **out, struct sl_diag *diag);

/*
 * Measures where the pages of [base, base + size) are, in pages of
 * page_size (base and size multiples of it), with move_pages. Pages not
 * yet faulted count as absent. Returns 0 or a negative errno.
 */
int sl_placement_measure(const void *base, size_t size, size_t page_size,
			 struct sl_placement *pl);

/* Pages of pl on the nodes of the set, for "100% on the tier" checks. */
uint64_t sl_placement_on(const struct sl_placement *pl, uint64_t nodes);

/*
 * One line for a report: "NAME: tier T -> nodes N, B bytes, P pages of S:
 * node0=X node1=Y [absent=Z]" with " (fell back)" when it did. Returns
 * buf, truncated to size.
 */
char *sl_pool_format(const struct sl_pool *pool, char *buf, size_t size);

/* Unmaps and frees. NULL-safe. */
void sl_pool_destroy(struct sl_pool *pool);

#endif /* SLUICE_POOL_H */
