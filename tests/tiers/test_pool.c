/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Pools on this machine's real topology (one node, node 0): the policy
 * set on the region is MPOL_BIND to the resolved nodes, and move_pages
 * reports every page of the pool on node 0, whatever tier was asked;
 * tiers the machine lacks fall back to fast, or fail in strict mode.
 */
#include <errno.h>
#include <numaif.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/pool.h"

#define POOL_BYTES (16u << 20)

static struct sl_topology topo;
static long huge_old = -1; /* nr_hugepages to give back, -1 when untouched */

static int setup(void **state)
{
	struct sl_diag d = {{0}};

	(void)state;
	if (sl_tiers_discover("/sys", &topo, &d)) {
		fprintf(stderr, "discovery: %s\n", d.msg);
		return -1;
	}
	return 0;
}

/* The region's policy, as the kernel holds it: MPOL_BIND and the node set. */
static void expect_bound(const struct sl_pool *p, uint64_t nodes)
{
	unsigned long mask[2] = {0, 0};
	int mode = -1;

	assert_true(p->bound);
	assert_int_equal(get_mempolicy(&mode, mask, SL_MAX_NODES + 1, p->base, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_BIND);
	assert_int_equal(mask[0], nodes);
}

/* Every page present and on node 0, measured now and at creation. */
static void expect_all_on_node0(const struct sl_pool *p, size_t page)
{
	struct sl_placement now;
	unsigned int n;

	assert_int_equal(p->placement.page_size, page);
	assert_int_equal(p->placement.total, p->size / page);
	assert_int_equal(p->placement.pages[0], p->placement.total);
	assert_int_equal(p->placement.absent, 0);
	assert_int_equal(p->placement.other, 0);
	assert_int_equal(sl_placement_measure(p->base, p->size, page, &now), 0);
	assert_int_equal(now.pages[0], p->size / page);
	for (n = 1; n < SL_MAX_NODES; n++)
		assert_int_equal(now.pages[n], 0);
	assert_int_equal(sl_placement_on(&now, 1), now.total);
}

static struct sl_pool *make(const char *name, uint32_t kind, uint64_t nodes, bool strict,
			    bool huge, int want_err)
{
	struct sl_pool_req req = {
		.name = name, .size = POOL_BYTES, .tier = {kind, nodes},
		.auto_capacity = true, .huge_pages = huge, .strict = strict,
	};
	struct sl_pool *p = NULL;
	struct sl_diag d = {{0}};
	int err = sl_pool_create(&topo, &req, &p, &d);

	if (err != want_err)
		fail_msg("%s: want %d, got %d (%s)", name, want_err, err, d.msg);
	if (err)
		assert_null(p);
	return p;
}

static void test_fast(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct sl_pool *p;
	char line[256], want[256];

	(void)state;
	if (topo.memory != 1)
		skip(); /* these assertions are for a one-node machine */
	p = make("umem", SL_TIER_FAST, 0, true, false, 0);
	assert_int_equal(p->nodes, topo.fast);
	assert_false(p->fell_back);
	assert_int_equal(p->size, POOL_BYTES);
	assert_int_equal(p->placement.total, POOL_BYTES / page);
	expect_bound(p, topo.fast);
	expect_all_on_node0(p, page);
	snprintf(want, sizeof(want),
		 "umem: tier fast -> nodes 0, %u bytes, %zu pages of %zu KiB: node0=%zu", POOL_BYTES,
		 POOL_BYTES / page, page >> 10, POOL_BYTES / page);
	assert_string_equal(sl_pool_format(p, line, sizeof(line)), want);
	sl_pool_destroy(p);
}

/* This machine has no capacity tier: fast with a warning, or an error when strict. */
static void test_capacity_falls_back(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct sl_pool *p;
	char line[256];

	(void)state;
	if (topo.memory != 1)
		skip(); /* these assertions are for a one-node machine */
	if (topo.capacity)
		skip();
	p = make("flow_tables", SL_TIER_CAPACITY, 0, false, false, 0);
	assert_true(p->fell_back);
	assert_int_equal(p->nodes, topo.fast);
	expect_bound(p, topo.fast);
	expect_all_on_node0(p, page);
	assert_non_null(strstr(sl_pool_format(p, line, sizeof(line)),
			       "flow_tables: tier capacity -> nodes 0 (fell back)"));
	sl_pool_destroy(p);

	make("flow_tables", SL_TIER_CAPACITY, 0, true, false, -ENODEV);
	/* auto is never a fallback: the capacity pool's default just is fast here. */
	p = make("log_buffers", SL_TIER_AUTO, 0, true, false, 0);
	assert_false(p->fell_back);
	expect_all_on_node0(p, page);
	sl_pool_destroy(p);
}

static void test_node_list(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct sl_pool *p;

	(void)state;
	if (topo.memory != 1)
		skip(); /* these assertions are for a one-node machine */
	p = make("capture_buffers", SL_TIER_NODES, 1, true, false, 0);
	assert_false(p->fell_back);
	expect_bound(p, 1);
	expect_all_on_node0(p, page);
	sl_pool_destroy(p);
	if (topo.memory & (1ULL << 7))
		return;
	make("capture_buffers", SL_TIER_NODES, 1ULL << 7, true, false, -ENODEV);
	p = make("capture_buffers", SL_TIER_NODES, 1ULL << 7, false, false, 0);
	assert_true(p->fell_back);
	expect_all_on_node0(p, page);
	sl_pool_destroy(p);
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", v) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

#define NR_HUGE "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define FREE_HUGE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

/*
 * Huge pages: with a reserve of 2 MiB pages (made here for the test and
 * given back) the pool is 8 huge pages on node 0; without one, strict
 * fails and non-strict falls back to base pages.
 */
static void test_huge_pages(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	long old = read_long(NR_HUGE), free_before = read_long(FREE_HUGE);
	struct sl_pool *p;

	(void)state;
	if (topo.memory != 1)
		skip(); /* these assertions are for a one-node machine */
	if (old < 0 || free_before < 0)
		skip(); /* no 2 MiB hugetlb in this kernel */
	if (free_before == 0) {
		p = make("umem", SL_TIER_FAST, 0, true, true, -ENOMEM);
		p = make("umem", SL_TIER_FAST, 0, false, true, 0);
		assert_false(p->huge);
		expect_all_on_node0(p, page);
		sl_pool_destroy(p);
	}
	/* Reserve what the pool needs on top of what is there; root only. */
	if (write_long(NR_HUGE, old + POOL_BYTES / SL_HUGE_PAGE_SIZE))
		return;
	huge_old = old;
	if (read_long(FREE_HUGE) >= (long)(POOL_BYTES / SL_HUGE_PAGE_SIZE)) {
		p = make("umem", SL_TIER_FAST, 0, true, true, 0);
		assert_true(p->huge);
		expect_bound(p, topo.fast);
		expect_all_on_node0(p, SL_HUGE_PAGE_SIZE);
		assert_int_equal(p->placement.total, POOL_BYTES / SL_HUGE_PAGE_SIZE);
		sl_pool_destroy(p);
	}
	huge_old = -1;
	assert_int_equal(write_long(NR_HUGE, old), 0);
}

/* An untouched mapping has no pages: measure says absent, never node 0. */
static void test_measure_absent(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct sl_placement pl;
	void *mem;

	(void)state;
	if (topo.memory != 1)
		skip(); /* these assertions are for a one-node machine */
	mem = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	((volatile char *)mem)[3 * page] = 1;
	assert_int_equal(sl_placement_measure(mem, 64 * page, page, &pl), 0);
	assert_int_equal(pl.total, 64);
	assert_int_equal(pl.pages[0], 1);
	assert_int_equal(pl.absent, 63);
	assert_int_equal(sl_placement_measure((char *)mem + 1, page, page, &pl), -EINVAL);
	munmap(mem, 64 * page);
}

static void test_bad_request(void **state)
{
	struct sl_pool_req req = {.name = "x", .size = 0};
	struct sl_pool *p = NULL;
	struct sl_diag d;

	(void)state;
	if (topo.memory != 1)
		skip(); /* these assertions are for a one-node machine */
	assert_int_equal(sl_pool_create(&topo, &req, &p, &d), -EINVAL);
	assert_null(p);
	sl_pool_destroy(NULL);
}

/* Gives the huge pages back even when an assertion cut test_huge_pages short. */
static int teardown(void **state)
{
	(void)state;
	if (huge_old >= 0)
		write_long(NR_HUGE, huge_old);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast),
		cmocka_unit_test(test_capacity_falls_back),
		cmocka_unit_test(test_node_list),
		cmocka_unit_test(test_huge_pages),
		cmocka_unit_test(test_measure_absent),
		cmocka_unit_test(test_bad_request),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
