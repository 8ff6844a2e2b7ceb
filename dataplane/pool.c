/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "pool.h"

#include <errno.h>
#include <numaif.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define MEASURE_BATCH 1024 /* pages per move_pages call */


int sl_placement_measure(const void *base, size_t size, size_t page_size,
			 struct sl_placement *pl)
{
	void *pages[MEASURE_BATCH];
	int status[MEASURE_BATCH];
	uint64_t done = 0, total;
	unsigned long i, n;

	if (!page_size || size % page_size || (uintptr_t)base % page_size)
		return -EINVAL;
	memset(pl, 0, sizeof(*pl));
	pl->page_size = page_size;
	total = size / page_size;
	pl->total = total;
	while (done < total) {
		n = total - done < MEASURE_BATCH ? (unsigned long)(total - done) : MEASURE_BATCH;
		for (i = 0; i < n; i++)
			pages[i] = (char *)base + (done + i) * page_size;
		/* With no target nodes move_pages only reports where each page is. */
		if (move_pages(0, n, pages, NULL, status, 0) < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			if (status[i] < 0)
				pl->absent++;
			else if (status[i] >= SL_MAX_NODES)
				pl->other++;
			else
				pl->pages[status[i]]++;
		}
		done += n;
	}
	return 0;
}

uint64_t sl_placement_on(const struct sl_placement *pl, uint64_t nodes)
{
	uint64_t sum = 0;
	unsigned int n;

	for (n = 0; n < SL_MAX_NODES; n++)
		if (nodes & (1ULL << n))
			sum += pl->pages[n];
	return sum;
}

/* Faults every page in under the policy already set on the range. */
static int prefault(void *base, size_t size, size_t page_size)
{
	size_t off;

	if (!madvise(base, size, MADV_POPULATE_WRITE))
		return 0;
	if (errno != EINVAL)
		return -errno; /* ENOMEM: the bound nodes cannot hold the pool */
	/* Kernels before 5.14: touch one byte per page. */
	for (off = 0; off < size; off += page_size)
		((volatile char *)base)[off] = 0;
	return 0;
}

static int map_region(struct sl_pool *p, const struct sl_pool_req *req, size_t base_page,
		      struct sl_diag *diag)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t size;
	void *mem;
	int err;

	if (req->huge_pages) {
		size = (req->size + SL_HUGE_PAGE_SIZE - 1) / SL_HUGE_PAGE_SIZE * SL_HUGE_PAGE_SIZE;
		/* Without MAP_NORESERVE: a missing reserve fails here, not at the first fault. */
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
		if (mem != MAP_FAILED) {
			p->base = mem;
			p->size = size;
			p->huge = true;
			return 0;
		}
		err = -errno;
		if (req->strict) {
			sl_diagf(diag, "%s: no 2 MiB huge pages for %zu bytes: %s (reserve them in "
				    "/proc/sys/vm/nr_hugepages; memory.strict is set)",
			      p->name, size, strerror(-err));
			return err;
		}
		pr_warn("%s: no 2 MiB huge pages (%s), using transparent huge pages\n", p->name,
			strerror(-err));
	}
	size = (req->size + base_page - 1) / base_page * base_page;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		sl_diagf(diag, "%s: cannot map %zu bytes: %s", p->name, size, strerror(-err));
		return err;
	}
	p->base = mem;
	p->size = size;
	/* Advice only: a kernel without THP keeps base pages. */
	if (req->huge_pages)
		madvise(mem, size, MADV_HUGEPAGE);
	return 0;
}

int sl_pool_create(const struct sl_topology *topo, const struct sl_pool_req *req,
		   struct sl_pool **out, struct sl_diag *diag)
{
	size_t base_page = (size_t)sysconf(_SC_PAGESIZE), page;
	unsigned long mask[2] = {0, 0};
	struct sl_pool *p;
	int err;

	if (!req->size || !req->name) {
		sl_diagf(diag, "%s: a pool needs a name and a size", req->name ? req->name : "pool");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->name, sizeof(p->name), "%s", req->name);
	p->requested = req->tier;
	err = sl_tiers_resolve(topo, &req->tier, req->auto_capacity, req->strict, p->name, &p->nodes,
			       &p->fell_back, diag);
	if (err)
		goto fail;
	err = map_region(p, req, base_page, diag);
	if (err)
		goto fail;
	page = p->huge ? SL_HUGE_PAGE_SIZE : base_page;

	/* Bind before the first touch: a page faulted in first would stay where it landed. */
	mask[0] = (unsigned long)p->nodes;
	if (mbind(p->base, p->size, MPOL_BIND, mask, SL_MAX_NODES + 1, 0)) {
		err = -errno;
		if (err != -ENOSYS || p->nodes != 1) {
			char nodes[128];

			sl_diagf(diag, "%s: cannot bind to nodes %s: %s", p->name,
			      sl_nodes_format(p->nodes, nodes, sizeof(nodes)), strerror(-err));
			goto fail;
		}
		/* A kernel without NUMA has exactly node 0: nothing to bind. */
		pr_warn("%s: the kernel has no NUMA policy support; pool left unbound\n", p->name);
	} else {
		p->bound = true;
	}
	err = prefault(p->base, p->size, page);
	/* hugetlb says EFAULT when the reserve has no page on the bound nodes. */
	if (err == -EFAULT && p->huge)
		err = -ENOMEM;
	if (err) {
		sl_diagf(diag, "%s: cannot fault in %zu bytes on its nodes: %s", p->name, p->size,
		      strerror(-err));
		goto fail;
	}
	err = sl_placement_measure(p->base, p->size, page, &p->placement);
	if (err == -ENOSYS && !p->bound) {
		/* No NUMA at all: every page is on node 0 by definition. */
		memset(&p->placement, 0, sizeof(p->placement));
		p->placement.page_size = page;
		p->placement.total = p->placement.pages[0] = p->size / page;
		err = 0;
	}
	if (err) {
		sl_diagf(diag, "%s: cannot read the placement back: %s", p->name, strerror(-err));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	sl_pool_destroy(p);
	return err;
}

/* Appends to buf at *used; stops quietly once buf is full (still terminated). */
static void appendf(char *buf, size_t size, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void appendf(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*used >= size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	*used = k < 0 ? size : *used + (size_t)k;
}

char *sl_pool_format(const struct sl_pool *pool, char *buf, size_t size)
{
	const struct sl_placement *pl = &pool->placement;
	char nodes[128];
	size_t used = 0;
	unsigned int n;

	if (!size)
		return buf;
	buf[0] = '\0';
	appendf(buf, size, &used, "%s: tier %s -> nodes %s%s, %zu bytes, %llu pages of %zu KiB:",
		pool->name, sl_tier_kind_name(pool->requested.kind),
		sl_nodes_format(pool->nodes, nodes, sizeof(nodes)),
		pool->fell_back ? " (fell back)" : "", pool->size, (unsigned long long)pl->total,
		pl->page_size >> 10);
	for (n = 0; n < SL_MAX_NODES; n++)
		if (pl->pages[n])
			appendf(buf, size, &used, " node%u=%llu", n, (unsigned long long)pl->pages[n]);
	if (pl->other)
		appendf(buf, size, &used, " other=%llu", (unsigned long long)pl->other);
	if (pl->absent)
		appendf(buf, size, &used, " absent=%llu", (unsigned long long)pl->absent);
	return buf;
}

void sl_pool_destroy(struct sl_pool *pool)
{
	if (!pool)
		return;
	if (pool->base)
		munmap(pool->base, pool->size);
	free(pool);
}
