/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The steering and dataplane config (docs/dataplane.md): what loads, what
 * is refused and where, what the compiler makes of `action: steer` and
 * `steering.no_socket`, and the UMEM placement rule on the fake sysfs
 * trees (UMEM never on a CPU-less node unless the config names it).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/compile.h"
#include "control/config.h"
#include "dataplane/tiers.h"
#include "dataplane/worker.h"

#define N(x) (1ULL << (x))

static const char base[] =
	"version: 1\n"
	"interfaces:\n"
	"  - name: slst0\n"
	"  - name: slst1\n"
	"rules:\n"
	"  - name: to-workers\n"
	"    protocol: udp\n"
	"    dport: 7777\n"
	"    action: steer\n"
	"  - name: rest\n"
	"    action: accept\n";

static int load(const char *tail, struct sl_config **cfg, struct sl_diag *d)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", base, tail);
	d->msg[0] = '\0';
	*cfg = NULL;
	return sl_config_load_buffer(buf, strlen(buf), "t.yaml", NULL, cfg, d);
}

static void test_defaults_and_full(void **state)
{
	struct sl_config *cfg;
	struct sl_diag d;
	const struct sl_dataplane_cfg *dp;

	(void)state;
	assert_int_equal(load("", &cfg, &d), 0);
	assert_int_equal(cfg->rules[0].action, SL_ACT_STEER);
	assert_int_equal(cfg->steering.no_socket, SL_POLICY_PASS);
	assert_int_equal(cfg->dataplane.n_ifaces, 0);
	assert_int_equal(cfg->dataplane.frame_size, 4096);
	assert_false(cfg->dataplane.busy_poll);
	sl_config_free(cfg);

	assert_int_equal(load("steering: {no_socket: drop}\n"
			      "dataplane:\n"
			      "  frame_size: 2048\n"
			      "  frames: 1024\n"
			      "  ring_size: 512\n"
			      "  batch: 32\n"
			      "  max_frame: 9000\n"
			      "  zero_copy: off\n"
			      "  busy_poll: {budget: 16, timeout_us: 50}\n"
			      "  interfaces:\n"
			      "    - name: slst0\n"
			      "      stages: [reflect]\n"
			      "      workers: [{queue: 0, cpu: 1}, {queue: 3, cpu: 0}]\n"
			      "    - name: slst1\n",
			      &cfg, &d), 0);
	dp = &cfg->dataplane;
	assert_int_equal(cfg->steering.no_socket, SL_POLICY_DROP);
	assert_int_equal(dp->frame_size, 2048);
	assert_int_equal(dp->frames, 1024);
	assert_int_equal(dp->ring_size, 512);
	assert_int_equal(dp->batch, 32);
	assert_int_equal(dp->max_frame, 9000);
	assert_int_equal(dp->zero_copy, SL_ZC_OFF);
	assert_true(dp->busy_poll);
	assert_int_equal(dp->busy_poll_budget, 16);
	assert_int_equal(dp->busy_poll_usecs, 50);
	assert_int_equal(dp->n_ifaces, 2);
	assert_string_equal(dp->ifaces[0].name, "slst0");
	assert_int_equal(dp->ifaces[0].n_stages, 1);
	assert_string_equal(dp->ifaces[0].stages[0], "reflect");
	assert_int_equal(dp->ifaces[0].n_workers, 2);
	assert_int_equal(dp->ifaces[0].workers[1].queue, 3);
	assert_int_equal(dp->ifaces[0].workers[1].cpu, 0);
	/* No stages named: steered packets are dropped (rx-drop). */
	assert_int_equal(dp->ifaces[1].n_stages, 1);
	assert_string_equal(dp->ifaces[1].stages[0], "drop");
	assert_int_equal(dp->ifaces[1].n_workers, 0);
	sl_config_free(cfg);

	assert_int_equal(load("dataplane: {busy_poll: true}\n", &cfg, &d), 0);
	assert_true(cfg->dataplane.busy_poll);
	assert_int_equal(cfg->dataplane.busy_poll_budget, 64);
	sl_config_free(cfg);
}

static void test_refused(void **state)
{
	static const struct {
		const char *yaml;
		const char *msg; /* a part of the one-line message */
	} bad[] = {
		{ "steering: {no_socket: maybe}\n", "t.yaml:12:" },
		{ "steering: {fail: open}\n", "unknown key 'fail'" },
		{ "dataplane: {frame_size: 3000}\n", "2048 or 4096" },
		{ "dataplane: {frames: 1000}\n", "power of two" },
		{ "dataplane: {batch: 0}\n", "out of range" },
		{ "dataplane: {frames: 64, batch: 64}\n", "twice batch" },
		{ "dataplane: {zero_copy: maybe}\n", "zero_copy" },
		{ "dataplane: {interfaces: [{name: slst9}]}\n", "'slst9' is not listed" },
		{ "dataplane: {interfaces: [{name: slst0}, {name: slst0}]}\n", "duplicate" },
		{ "dataplane: {interfaces: [{name: slst0, stages: [inspect-it]}]}\n", "unknown stage" },
		{ "dataplane: {interfaces: [{name: slst0, stages: [reflect, drop]}]}\n",
		  "can follow 'reflect'" },
		{ "dataplane: {interfaces: [{name: slst0, workers: [{queue: 0}]}]}\n", "'queue' and 'cpu'" },
		{ "dataplane: {interfaces: [{name: slst0, workers: [{queue: 256, cpu: 0}]}]}\n",
		  "out of range" },
		{ "dataplane: {interfaces: [{name: slst0, workers: [{queue: 1, cpu: 0}, {queue: 1, cpu: 1}]}]}\n",
		  "two workers on queue 1" },
		{ "dataplane: {interfaces: [{name: slst0, workers: [{queue: 0, cpu: 0}]},"
		  " {name: slst1, workers: [{queue: 1, cpu: 1}]}]}\n", "second interface" },
	};
	struct sl_config *cfg;
	struct sl_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = load(bad[i].yaml, &cfg, &d);

		if (err != -EINVAL || !strstr(d.msg, bad[i].msg) || strchr(d.msg, '\n'))
			fail_msg("case %zu (%s): err %d, message '%s'", i, bad[i].yaml, err, d.msg);
		assert_null(cfg);
	}
}

/* Events have no steer verdict yet: a logging steer rule is refused, not logged as "count". */
static void test_steer_no_log(void **state)
{
	static const char *const yaml[] = {
		"version: 1\nrules:\n  - {name: s, protocol: udp, action: steer, log: true}\n",
		"version: 1\nrules:\n  - {name: s, protocol: udp, action: steer, capture: true}\n",
	};
	struct sl_config *cfg = NULL;
	struct sl_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(sl_config_load_buffer(yaml[i], strlen(yaml[i]), "t.yaml", NULL, &cfg, &d),
				 -EINVAL);
		assert_non_null(strstr(d.msg, "steer rules cannot log or capture"));
		assert_non_null(strstr(d.msg, "t.yaml:3:"));
	}
}

static void test_compile_steer(void **state)
{
	struct sl_match_input in = { .family = AF_INET, .proto = IPPROTO_UDP, .sport = 1000,
				     .dport = 7777, .tcp_flags = SL_TCP_FLAGS_NONE,
				     .icmp = SL_ICMP_NONE, .vlan = SL_VLAN_NONE };
	struct sl_tables *t;
	struct sl_config *cfg;
	struct sl_diag d;
	int rule;

	(void)state;
	assert_int_equal(load("", &cfg, &d), 0);
	assert_int_equal(sl_compile(cfg, &t, &d), 0);
	assert_int_equal(t->rules[0].action, SL_ACT_STEER);
	assert_true(t->prog_cfg.flags & SL_CFG_STEER);
	assert_false(t->prog_cfg.flags & SL_CFG_STEER_DROP);
	assert_int_equal(sl_tables_classify(t, &in, &rule), SL_VERDICT_STEER);
	assert_int_equal(rule, 0);
	in.dport = 7778;
	assert_int_equal(sl_tables_classify(t, &in, &rule), SL_VERDICT_PASS);
	assert_int_equal(rule, 1);
	sl_tables_free(t);
	sl_config_free(cfg);

	assert_int_equal(load("steering: {no_socket: drop}\n", &cfg, &d), 0);
	assert_int_equal(sl_compile(cfg, &t, &d), 0);
	assert_true(t->prog_cfg.flags & SL_CFG_STEER_DROP);
	sl_tables_free(t);
	/* Without a steer rule the XSKMAP code is pruned, whatever the policy. */
	cfg->rules[0].action = SL_ACT_DROP;
	assert_int_equal(sl_compile(cfg, &t, &d), 0);
	assert_false(t->prog_cfg.flags & SL_CFG_STEER);
	sl_tables_free(t);
	cfg->rules[0].action = SL_ACT_STEER + 1;
	assert_int_equal(sl_compile(cfg, &t, &d), -EINVAL);
	sl_config_free(cfg);
}

static void discover(const char *tree, struct sl_topology *topo)
{
	const char *src = getenv("SLUICE_SRCDIR");
	struct sl_diag d;
	char root[512];

	assert_non_null(src);
	snprintf(root, sizeof(root), "%s/tests/data/sysfs/%s", src, tree);
	assert_int_equal(sl_tiers_discover(root, topo, &d), 0);
}

static void umem_req(struct sl_memory_cfg *m, uint32_t kind, uint64_t nodes, bool strict)
{
	memset(m, 0, sizeof(*m));
	m->strict = strict;
	m->pools[SL_POOL_UMEM].set = kind != SL_TIER_AUTO || nodes;
	m->pools[SL_POOL_UMEM].tier.kind = kind;
	m->pools[SL_POOL_UMEM].tier.nodes = nodes;
}

static void test_umem_never_cpuless(void **state)
{
	struct sl_topology cxl, noinfo, one;
	struct sl_memory_cfg m;
	struct sl_diag d = { { 0 } };
	uint64_t nodes;
	bool fb;

	(void)state;
	discover("cxl-tier", &cxl);         /* nodes 0, 1 with CPUs; node 2 CXL, CPU-less */
	discover("cpuless-noinfo", &noinfo); /* node 1 CPU-less, ranked by nothing */
	discover("one-node", &one);

	/* Not configured, auto, fast: the fast tier. */
	umem_req(&m, SL_TIER_AUTO, 0, false);
	assert_int_equal(sl_umem_nodes(&cxl, &m, &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0) | N(1));
	assert_false(fb);
	umem_req(&m, SL_TIER_FAST, 0, true);
	assert_int_equal(sl_umem_nodes(&cxl, &m, &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0) | N(1));

	/* Capacity is CPU-less memory: not for UMEM, the fast tier instead... */
	umem_req(&m, SL_TIER_CAPACITY, 0, false);
	assert_int_equal(sl_umem_nodes(&cxl, &m, &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0) | N(1));
	assert_true(fb);
	assert_int_equal(sl_umem_nodes(&noinfo, &m, &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0));
	assert_true(fb);
	/* ...or an error in strict mode, that says why. */
	umem_req(&m, SL_TIER_CAPACITY, 0, true);
	assert_int_equal(sl_umem_nodes(&cxl, &m, &nodes, &fb, &d), -ENODEV);
	assert_non_null(strstr(d.msg, "CPU"));
	/* One node: no capacity tier at all; strict says so through the tier code. */
	assert_int_equal(sl_umem_nodes(&one, &m, &nodes, &fb, &d), -ENODEV);

	/* Named explicitly: the config's word is taken. */
	umem_req(&m, SL_TIER_NODES, N(2), true);
	assert_int_equal(sl_umem_nodes(&cxl, &m, &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(2));
	assert_false(fb);
	umem_req(&m, SL_TIER_NODES, N(1), false);
	assert_int_equal(sl_umem_nodes(&noinfo, &m, &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(1));
	/* A named node that does not exist falls back to fast, never to a CPU-less node. */
	umem_req(&m, SL_TIER_NODES, N(7), false);
	assert_int_equal(sl_umem_nodes(&cxl, &m, &nodes, &fb, &d), 0);
	assert_int_equal(nodes, N(0) | N(1));
	assert_true(fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_full),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_compile_steer),
		cmocka_unit_test(test_steer_no_log),
		cmocka_unit_test(test_umem_never_cpuless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
