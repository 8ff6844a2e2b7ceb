/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Tier discovery on the fake sysfs trees of tests/data/sysfs: each tree
 * is one kind of machine, and the test checks the nodes, the rank of
 * each, which source ranked them, and the fast and capacity sets. The
 * malformed trees must give a clear error naming the file, never a crash.
 * The parsers are also checked directly on edge cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/tiers.h"

#define N(x) (1ULL << (x))

static int discover(const char *tree, struct sl_topology *topo, struct sl_diag *diag)
{
	const char *src = getenv("SLUICE_SRCDIR");
	char root[512];

	assert_non_null(src);
	snprintf(root, sizeof(root), "%s/tests/data/sysfs/%s", src, tree);
	diag->msg[0] = '\0';
	return sl_tiers_discover(root, topo, diag);
}

static const struct sl_node_info *node(const struct sl_topology *t, uint32_t id)
{
	const struct sl_node_info *n = sl_tiers_node(t, id);

	assert_non_null(n);
	return n;
}

/* ---------------------------------------------------------------- trees */

static void test_one_node(void **state)
{
	struct sl_topology t;
	struct sl_diag d;

	(void)state;
	assert_int_equal(discover("one-node", &t, &d), 0);
	assert_int_equal(t.n_nodes, 1);
	assert_true(node(&t, 0)->has_cpu);
	assert_int_equal(node(&t, 0)->mem_bytes, 16ULL << 30);
	assert_int_equal(node(&t, 0)->mem_tier, 4);
	assert_int_equal(node(&t, 0)->distance, 10);
	assert_int_equal(node(&t, 0)->rank, 0);
	assert_int_equal(t.source, SL_RANK_NONE);
	assert_int_equal(t.n_ranks, 1);
	assert_int_equal(t.fast, N(0));
	assert_int_equal(t.capacity, 0);
	assert_int_equal(t.memory, N(0));
}

static void test_cxl_tier(void **state)
{
	struct sl_topology t;
	struct sl_diag d;

	(void)state;
	assert_int_equal(discover("cxl-tier", &t, &d), 0);
	assert_int_equal(t.n_nodes, 3);
	assert_int_equal(t.source, SL_RANK_MEMORY_TIERING);
	assert_int_equal(node(&t, 2)->mem_tier, 22);
	assert_false(node(&t, 2)->has_cpu);
	assert_int_equal(node(&t, 2)->mem_bytes, 256ULL << 30);
	assert_int_equal(node(&t, 0)->rank, 0);
	assert_int_equal(node(&t, 1)->rank, 0);
	assert_int_equal(node(&t, 2)->rank, 1);
	assert_int_equal(t.n_ranks, 2);
	assert_int_equal(t.fast, N(0) | N(1));
	assert_int_equal(t.capacity, N(2));
	/* SLIT was read too, for the report: node 2 is 14 from node 0. */
	assert_int_equal(node(&t, 2)->distance, 14);
}

static void test_hmat_only(void **state)
{
	struct sl_topology t;
	struct sl_diag d;

	(void)state;
	assert_int_equal(discover("hmat-only", &t, &d), 0);
	assert_int_equal(t.source, SL_RANK_HMAT);
	assert_int_equal(node(&t, 0)->read_latency, 80);
	assert_int_equal(node(&t, 2)->read_bandwidth, 60000);
	/* Equal latency: more bandwidth ranks first. */
	assert_int_equal(node(&t, 0)->rank, 0);
	assert_int_equal(node(&t, 2)->rank, 1);
	assert_int_equal(node(&t, 1)->rank, 2);
	assert_int_equal(t.n_ranks, 3);
	assert_int_equal(t.fast, N(0));
	assert_int_equal(t.capacity, N(2));
}

static void test_slit_only(void **state)
{
	struct sl_topology t;
	struct sl_diag d;

	(void)state;
	assert_int_equal(discover("slit-only", &t, &d), 0);
	assert_int_equal(t.source, SL_RANK_SLIT);
	/* Distance from the nearest node with CPUs: node 2 is 17 from node 0. */
	assert_int_equal(node(&t, 0)->distance, 10);
	assert_int_equal(node(&t, 1)->distance, 10);
	assert_int_equal(node(&t, 2)->distance, 17);
	assert_int_equal(t.fast, N(0) | N(1));
	assert_int_equal(t.capacity, N(2));
}

/* One kernel tier for everything says nothing: SLIT decides (QEMU's guest). */
static void test_one_tier_falls_to_slit(void **state)
{
	struct sl_topology t;
	struct sl_diag d;

	(void)state;
	assert_int_equal(discover("one-tier-slit", &t, &d), 0);
	assert_int_equal(node(&t, 1)->mem_tier, 4);
	assert_int_equal(t.source, SL_RANK_SLIT);
	assert_int_equal(t.fast, N(0));
	assert_int_equal(t.capacity, N(1));
	assert_int_equal(node(&t, 1)->mem_bytes, 512ULL << 20);
}

static void test_cpuless_no_info(void **state)
{
	struct sl_topology t;
	struct sl_diag d;

	(void)state;
	assert_int_equal(discover("cpuless-noinfo", &t, &d), 0);
	assert_int_equal(t.source, SL_RANK_CPU);
	assert_int_equal(node(&t, 0)->rank, 0);
	assert_int_equal(node(&t, 1)->rank, 1);
	assert_int_equal(node(&t, 1)->mem_tier, -1);
	assert_int_equal(node(&t, 1)->distance, 0);
	assert_int_equal(t.fast, N(0));
	assert_int_equal(t.capacity, N(1));
}

/* No has_cpu: each node's cpulist. A node with CPUs and no memory has no rank. */
static void test_cpulist_memoryless(void **state)
{
	struct sl_topology t;
	struct sl_diag d;

	(void)state;
	assert_int_equal(discover("cpulist-memoryless", &t, &d), 0);
	assert_true(node(&t, 0)->has_cpu);
	assert_false(node(&t, 1)->has_cpu);
	assert_true(node(&t, 2)->has_cpu);
	assert_int_equal(node(&t, 2)->mem_bytes, 0);
	assert_int_equal(node(&t, 2)->rank, -1);
	assert_int_equal(t.memory, N(0) | N(1));
	assert_int_equal(t.fast, N(0));
	assert_int_equal(t.capacity, N(1));
}

struct bad_tree {
	const char *tree;
	int err;
	const char *file; /* the path the message must name */
};

static void test_malformed(void **state)
{
	static const struct bad_tree bad[] = {
		{"online-range", -EINVAL, "devices/system/node/online: malformed node list"},
		{"node-out-of-range", -ERANGE, "devices/system/node/online: value out of range"},
		{"no-meminfo", -ENOENT, "devices/system/node/node1/meminfo"},
		{"meminfo-garbage", -EINVAL, "node0/meminfo: malformed meminfo"},
		{"meminfo-too-long", -EFBIG, "node0/meminfo: longer than 4096 bytes"},
		{"distance-text", -EINVAL, "node0/distance: malformed distance row"},
		{"distance-count", -EINVAL, "node0/distance: 3 distances for 2 online nodes"},
		{"tier-nodelist", -EINVAL, "memory_tier4/nodelist: malformed node list"},
		{"hmat-latency", -EINVAL, "node0/access0/initiators/read_latency: malformed integer"},
		{"no-memory", -ENODEV, "no online node has memory"},
		{"does-not-exist", -ENOENT, "devices/system/node/online"},
	};
	struct sl_topology t;
	struct sl_diag d;
	char tree[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(tree, sizeof(tree), "malformed/%s", bad[i].tree);
		if (discover(tree, &t, &d) != bad[i].err || !strstr(d.msg, bad[i].file))
			fail_msg("%s: want %d '%s', got '%s'", bad[i].tree, bad[i].err, bad[i].file,
				 d.msg);
		assert_null(strchr(d.msg, '\n'));
	}
}

/* This machine's own sysfs parses (whatever it holds) and has a fast tier. */
static void test_live(void **state)
{
	struct sl_topology t;
	struct sl_diag d = {{0}};

	(void)state;
	if (sl_tiers_discover("/sys", &t, &d))
		fail_msg("%s", d.msg);
	assert_true(t.n_nodes >= 1);
	assert_true(t.fast != 0);
	assert_int_equal(t.fast & ~t.memory, 0);
}

/* -------------------------------------------------------------- resolve */

static void test_resolve(void **state)
{
	struct sl_tier_req fast = {SL_TIER_FAST, 0}, cap = {SL_TIER_CAPACITY, 0},
			   aut = {SL_TIER_AUTO, 0}, n2 = {SL_TIER_NODES, N(2)},
			   n5 = {SL_TIER_NODES, N(5)};
	struct sl_topology one, cxl;
	struct sl_diag d;
	uint64_t nodes;
	bool fb;

	(void)state;
	assert_int_equal(discover("one-node", &one, &d), 0);
	assert_int_equal(discover("cxl-tier", &cxl, &d), 0);

	assert_int_equal(sl_tiers_resolve(&cxl, &cap, false, true, "t", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(2));
	assert_false(fb);
	assert_int_equal(sl_tiers_resolve(&cxl, &fast, false, true, "t", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0) | N(1));
	assert_int_equal(sl_tiers_resolve(&cxl, &aut, true, true, "t", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(2));
	assert_int_equal(sl_tiers_resolve(&cxl, &aut, false, true, "t", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0) | N(1));
	assert_int_equal(sl_tiers_resolve(&cxl, &n2, false, true, "t", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(2));

	/* Missing tiers: fall back to fast, or fail in strict mode. */
	assert_int_equal(sl_tiers_resolve(&one, &cap, false, false, "flows", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0));
	assert_true(fb);
	assert_int_equal(sl_tiers_resolve(&one, &aut, true, true, "flows", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0));
	assert_false(fb);
	assert_int_equal(sl_tiers_resolve(&one, &cap, false, true, "flows", &nodes, &fb, &d), -ENODEV);
	assert_non_null(strstr(d.msg, "flows: tier capacity: this machine has no capacity tier"));
	assert_int_equal(sl_tiers_resolve(&cxl, &n5, false, true, "umem", &nodes, &fb, &d), -ENODEV);
	assert_non_null(strstr(d.msg, "umem: tier nodes 5:"));
	assert_int_equal(sl_tiers_resolve(&cxl, &n5, false, false, "umem", &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0) | N(1));
	assert_true(fb);
}

/* -------------------------------------------------------------- parsers */

static void test_parse_nodelist(void **state)
{
	uint64_t m;

	(void)state;
	assert_int_equal(sl_sysfs_parse_nodelist("0-3,5\n", 6, &m), 0);
	assert_int_equal(m, 0x2f);
	assert_int_equal(sl_sysfs_parse_nodelist("\n", 1, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(sl_sysfs_parse_nodelist("", 0, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(sl_sysfs_parse_nodelist("63", 2, &m), 0);
	assert_int_equal(m, N(63));
	/* Only len bytes are read: the '1' after them does not count. */
	assert_int_equal(sl_sysfs_parse_nodelist("0-1", 2, &m), -EINVAL);
	assert_int_equal(sl_sysfs_parse_nodelist("2", 1, &m), 0);
	assert_int_equal(m, N(2));
	assert_int_equal(sl_sysfs_parse_nodelist("64", 2, &m), -ERANGE);
	assert_int_equal(sl_sysfs_parse_nodelist("0-99999999999999999999", 22, &m), -ERANGE);
	assert_int_equal(sl_sysfs_parse_nodelist("3-1", 3, &m), -EINVAL);
	assert_int_equal(sl_sysfs_parse_nodelist("1,", 2, &m), -EINVAL);
	assert_int_equal(sl_sysfs_parse_nodelist(",1", 2, &m), -EINVAL);
	assert_int_equal(sl_sysfs_parse_nodelist("1 ", 2, &m), -EINVAL);
	assert_int_equal(sl_sysfs_parse_nodelist("1\n\n", 3, &m), -EINVAL);
	assert_int_equal(sl_sysfs_parse_nodelist("-1", 2, &m), -EINVAL);
}

static void test_parse_numbers(void **state)
{
	uint32_t row[4];
	const char *s;
	uint64_t v;
	size_t n;

	(void)state;
	assert_int_equal(sl_sysfs_parse_u64("18446744073709551615\n", 21, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(sl_sysfs_parse_u64("18446744073709551616", 20, &v), -ERANGE);
	assert_int_equal(sl_sysfs_parse_u64("", 0, &v), -EINVAL);
	assert_int_equal(sl_sysfs_parse_u64("12ns", 4, &v), -EINVAL);

	assert_int_equal(sl_sysfs_parse_row("10 21 14\n", 9, row, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(row[2], 14);
	assert_int_equal(sl_sysfs_parse_row("1 2 3 4 5", 9, row, 4, &n), -E2BIG);
	assert_int_equal(sl_sysfs_parse_row("10  20", 6, row, 4, &n), -EINVAL);
	assert_int_equal(sl_sysfs_parse_row("10 ", 3, row, 4, &n), -EINVAL);
	assert_int_equal(sl_sysfs_parse_row("\n", 1, row, 4, &n), -EINVAL);
	assert_int_equal(sl_sysfs_parse_row("4294967296", 10, row, 4, &n), -ERANGE);

	assert_int_equal(sl_sysfs_parse_memtotal("Node 0 MemTotal:  16 kB\n", 24, &v), 0);
	assert_int_equal(v, 16 * 1024);
	s = "Node 0 MemFree: 1 kB\nNode 0 MemTotal: 2 kB";
	assert_int_equal(sl_sysfs_parse_memtotal(s, strlen(s), &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(sl_sysfs_parse_memtotal("Node 0 MemTotal: 2 MB\n", 22, &v), -EINVAL);
	assert_int_equal(sl_sysfs_parse_memtotal("Node 0 MemTotal: 2 kB", 19, &v), -EINVAL);
	assert_int_equal(sl_sysfs_parse_memtotal("MemTotal:", 9, &v), -EINVAL);
	assert_int_equal(sl_sysfs_parse_memtotal("MemTotal: 18446744073709551615 kB", 33, &v),
			 -ERANGE);
}

static void test_format(void **state)
{
	char buf[32], tiny[4];

	(void)state;
	assert_string_equal(sl_nodes_format(0x2f, buf, sizeof(buf)), "0-3,5");
	assert_string_equal(sl_nodes_format(0, buf, sizeof(buf)), "");
	assert_string_equal(sl_nodes_format(N(63) | N(0), buf, sizeof(buf)), "0,63");
	assert_string_equal(sl_nodes_format(N(10) | N(12), tiny, sizeof(tiny)), "10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_node),
		cmocka_unit_test(test_cxl_tier),
		cmocka_unit_test(test_hmat_only),
		cmocka_unit_test(test_slit_only),
		cmocka_unit_test(test_one_tier_falls_to_slit),
		cmocka_unit_test(test_cpuless_no_info),
		cmocka_unit_test(test_cpulist_memoryless),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_parse_nodelist),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
