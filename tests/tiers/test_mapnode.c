/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Large BPF maps placed by tier on this machine (node 0): the firewall
 * loaded with a memory: section creates sl_dir24, sl_dir8, sl_pfx6 and
 * sl_class_bits with BPF_F_NUMA_NODE (read back from the kernel's map
 * info), the other maps without it, and the 64 MiB IPv4 table's pages
 * are all on node 0 as move_pages measures them. Needs root for BPF;
 * skips (77) when the kernel refuses to load the program.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/compile.h"
#include "control/config.h"
#include "dataplane/fw.h"
#include "dataplane/mapnode.h"

static struct sl_topology topo;

static const char rules_yaml[] =
	"version: 1\n"
	"%s"
	"sets:\n"
	"  - name: block\n"
	"    prefixes: [198.18.0.0/16, 198.19.1.0/24, \"2001:db8::/32\"]\n"
	"rules:\n"
	"  - name: drop-block\n"
	"    src: block\n"
	"    action: drop\n";

/* Loads the firewall for the memory: section given; the diag is kept for checks. */
static int load_fw(const char *memory, struct sl_fw **fw, struct sl_diag *diag)
{
	struct sl_fw_opts opts = {.topo = &topo};
	struct sl_config *cfg = NULL;
	struct sl_tables *t = NULL;
	char yaml[1024];
	int err;

	snprintf(yaml, sizeof(yaml), rules_yaml, memory);
	err = sl_config_load_buffer(yaml, strlen(yaml), "t.yaml", NULL, &cfg, diag);
	if (err)
		fail_msg("config: %s", diag->msg);
	err = sl_compile(cfg, &t, diag);
	if (err)
		fail_msg("compile: %s", diag->msg);
	opts.memory = &cfg->memory;
	err = sl_fw_load_opts(t, &opts, fw, diag);
	sl_tables_free(t);
	sl_config_free(cfg);
	return err;
}

static int setup(void **state)
{
	struct sl_diag d = {{0}};
	struct sl_fw *fw = NULL;
	int err;

	(void)state;
	if (sl_tiers_discover("/sys", &topo, &d)) {
		fprintf(stderr, "discovery: %s\n", d.msg);
		return -1;
	}
	if (getuid() != 0) {
		fprintf(stderr, "needs root to load BPF programs\n");
		exit(77);
	}
	err = load_fw("", &fw, &d);
	if (err) {
		fprintf(stderr, "cannot load the firewall (%s): skipping\n", d.msg);
		exit(77);
	}
	sl_fw_destroy(fw, false);
	return 0;
}

static int has_node(struct sl_fw *fw, const char *map)
{
	int fd = sl_fw_map_fd(fw, map);

	assert_true(fd >= 0);
	return sl_map_has_node(fd);
}

static void test_placed_maps(void **state)
{
	static const char *const placed[] = {"sl_dir24", "sl_dir8", "sl_pfx6", "sl_class_bits"};
	struct sl_placement pl;
	struct sl_diag d = {{0}};
	struct sl_fw *fw = NULL;
	size_t i;

	(void)state;
	if (topo.memory != 1)
		skip(); /* the assertions below are for a one-node machine */
	/* capacity does not exist here: the maps fall back to node 0. */
	if (load_fw("memory:\n  pools:\n    prefix_tables: capacity\n    rule_tables: fast\n", &fw,
		    &d))
		fail_msg("%s", d.msg);
	for (i = 0; i < sizeof(placed) / sizeof(placed[0]); i++) {
		assert_int_equal(has_node(fw, placed[i]), 1);
		assert_int_equal(sl_fw_map_node(fw, placed[i]), 0);
	}
	assert_int_equal(has_node(fw, "sl_rules"), 0);
	assert_int_equal(sl_fw_map_node(fw, "sl_rules"), -1);

	/* The IPv4 table is 2^24 u32 entries: 64 MiB, every page on node 0. */
	assert_int_equal(sl_map_placement(sl_fw_map_fd(fw, "sl_dir24"), &pl), 0);
	assert_int_equal(pl.total, (64u << 20) / sysconf(_SC_PAGESIZE));
	assert_int_equal(pl.pages[0], pl.total);
	assert_int_equal(pl.absent, 0);
	assert_int_equal(sl_map_placement(sl_fw_map_fd(fw, "sl_pfx6"), &pl), -EOPNOTSUPP);
	sl_fw_destroy(fw, false);
}

static void test_unplaced_by_default(void **state)
{
	struct sl_diag d = {{0}};
	struct sl_fw *fw = NULL;

	(void)state;
	if (load_fw("", &fw, &d))
		fail_msg("%s", d.msg);
	assert_int_equal(has_node(fw, "sl_dir24"), 0);
	assert_int_equal(has_node(fw, "sl_class_bits"), 0);
	assert_int_equal(sl_fw_map_node(fw, "sl_dir24"), -1);
	sl_fw_destroy(fw, false);
}

static void test_strict_missing_tier(void **state)
{
	struct sl_diag d = {{0}};
	struct sl_fw *fw = NULL;

	(void)state;
	if (topo.capacity)
		skip();
	assert_int_equal(load_fw("memory:\n  strict: true\n  pools:\n    prefix_tables: capacity\n",
				 &fw, &d),
			 -ENODEV);
	assert_null(fw);
	assert_non_null(strstr(d.msg, "sl_dir24: tier capacity: this machine has no capacity tier"));
	/* An explicit node that is not there, strict: the same refusal. */
	assert_int_equal(load_fw("memory:\n  strict: true\n  pools:\n    rule_tables: [9]\n", &fw, &d),
			 -ENODEV);
	assert_non_null(strstr(d.msg, "sl_class_bits: tier nodes 9:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placed_maps),
		cmocka_unit_test(test_unplaced_by_default),
		cmocka_unit_test(test_strict_missing_tier),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
