/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `dataplane: {ports: dpdk, dpdk: {eal: [...]}}` (docs/dataplane.md, "DPDK
 * ports"): what loads, what is refused and where. In a build without DPDK
 * (SL_HAVE_DPDK 0) `ports: dpdk` itself is refused, and that is tested
 * instead of the rest.
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

#include "control/config.h"

/* No XDP interface: DPDK ports need none. */
static const char base[] = "version: 1\n";

static int load(const char *tail, struct sl_config **cfg, struct sl_diag *d)
{
	char buf[20000];

	snprintf(buf, sizeof(buf), "%s%s", base, tail);
	d->msg[0] = '\0';
	*cfg = NULL;
	return sl_config_load_buffer(buf, strlen(buf), "t.yaml", NULL, cfg, d);
}

static void test_default_af_xdp(void **state)
{
	struct sl_config *cfg;
	struct sl_diag d;

	(void)state;
	assert_int_equal(load("dataplane: {batch: 32}\n", &cfg, &d), 0);
	assert_int_equal(cfg->dataplane.ports, SL_PORTS_AF_XDP);
	assert_int_equal(cfg->dataplane.n_eal, 0);
	sl_config_free(cfg);
	/* An AF_XDP interface still has to be an XDP interface of the config. */
	assert_int_equal(load("dataplane: {ports: af_xdp, interfaces: [{name: net_pcap0}]}\n", &cfg, &d),
			 -EINVAL);
	assert_non_null(strstr(d.msg, "'net_pcap0' is not listed"));
}

#if SL_HAVE_DPDK
static void test_dpdk_loads(void **state)
{
	const struct sl_dataplane_cfg *dp;
	struct sl_config *cfg;
	struct sl_diag d;

	(void)state;
	assert_int_equal(load("dataplane:\n"
			      "  ports: dpdk\n"
			      "  dpdk:\n"
			      "    eal: [\"--no-huge\", \"-m\", \"128\", \"--no-pci\",\n"
			      "          \"--vdev=net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap\",\n"
			      "          \"--log-level=*:warning\"]\n"
			      "  frames: 1024\n"
			      "  interfaces:\n"
			      "    - name: net_pcap0\n"
			      "      stages: [reflect]\n"
			      "      workers: [{queue: 1, cpu: 0}, {queue: 0, cpu: 1}]\n"
			      "    - name: \"0000:01:00.0\"\n"
			      "      workers: [{queue: 0, cpu: 1}]\n",
			      &cfg, &d), 0);
	dp = &cfg->dataplane;
	assert_int_equal(dp->ports, SL_PORTS_DPDK);
	assert_int_equal(dp->n_eal, 6);
	assert_string_equal(dp->eal[0], "--no-huge");
	assert_string_equal(dp->eal[2], "128");
	assert_string_equal(dp->eal[4], "--vdev=net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap");
	assert_string_equal(dp->eal[5], "--log-level=*:warning");
	/* Two ports with workers: no XSKMAP, so no one-interface rule. */
	assert_int_equal(dp->n_ifaces, 2);
	assert_string_equal(dp->ifaces[0].name, "net_pcap0");
	assert_int_equal(dp->ifaces[0].n_workers, 2);
	assert_int_equal(dp->ifaces[0].workers[0].queue, 1);
	assert_string_equal(dp->ifaces[1].name, "0000:01:00.0");
	assert_string_equal(dp->ifaces[1].stages[0], "drop");
	sl_config_free(cfg);

	/* An empty eal list, and no dpdk section at all, are both fine (a NIC bound to vfio). */
	assert_int_equal(load("dataplane: {ports: dpdk, dpdk: {eal: []}}\n", &cfg, &d), 0);
	assert_int_equal(cfg->dataplane.n_eal, 0);
	sl_config_free(cfg);
	assert_int_equal(load("dataplane: {ports: dpdk}\n", &cfg, &d), 0);
	sl_config_free(cfg);
}

static void test_dpdk_refused(void **state)
{
	static const struct {
		const char *yaml;
		const char *msg; /* a part of the one-line message */
	} bad[] = {
		{ "dataplane: {ports: rdma}\n", "t.yaml:2:" },
		{ "dataplane: {ports: rdma}\n", "ports" },
		{ "dataplane: {dpdk: {eal: [\"--no-pci\"]}}\n", "goes with 'ports: dpdk'" },
		{ "dataplane: {ports: af_xdp, dpdk: {eal: []}}\n", "goes with 'ports: dpdk'" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: \"--no-pci\"}}\n", "dataplane.dpdk.eal" },
		{ "dataplane: {ports: dpdk, dpdk: {args: []}}\n", "unknown key 'args'" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: [\"\"]}}\n", "empty EAL argument" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: [\"-l\", \"0-1\"]}}\n", "sluiced sets -l itself" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: [\"-l0-1\"]}}\n", "sluiced sets -l itself" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: [\"-c\", \"3\"]}}\n", "sluiced sets -c itself" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: [\"--lcores=0@1\"]}}\n", "sluiced sets --lcores" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: [\"--file-prefix\", \"x\"]}}\n",
		  "sluiced sets --file-prefix" },
		{ "dataplane: {ports: dpdk, dpdk: {eal: [\"--main-lcore=1\"]}}\n",
		  "sluiced sets --main-lcore" },
		{ "dataplane: {ports: dpdk, interfaces: [{name: net_pcap0, workers: [{queue: 1, cpu: 0}]}]}\n",
		  "must use queues 0 to 0" },
		{ "dataplane: {ports: dpdk, interfaces: [{name: net_pcap0, workers: [{queue: 0, cpu: 0},"
		  " {queue: 2, cpu: 1}]}]}\n", "not queue 2" },
		{ "dataplane: {ports: dpdk, interfaces: [{name: net_pcap0}, {name: net_pcap0}]}\n",
		  "duplicate" },
		{ "dataplane: {ports: dpdk, interfaces: [{name: a_dpdk_port_name_too_long}]}\n",
		  "too long" },
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

/* The limits: SL_DPDK_MAX_EAL arguments of SL_DPDK_EAL_ARG_LEN - 1 bytes load, one more does not. */
static void test_dpdk_limits(void **state)
{
	char *yaml = malloc(16384), *p;
	struct sl_config *cfg;
	struct sl_diag d;
	int i, round;

	(void)state;
	assert_non_null(yaml);
	for (round = 0; round < 3; round++) {
		int n = round == 1 ? SL_DPDK_MAX_EAL + 1 : SL_DPDK_MAX_EAL;
		int len = round == 2 ? SL_DPDK_EAL_ARG_LEN : SL_DPDK_EAL_ARG_LEN - 1;

		p = yaml + sprintf(yaml, "dataplane:\n  ports: dpdk\n  dpdk:\n    eal:\n");
		for (i = 0; i < n; i++) {
			p += sprintf(p, "      - \"--vdev=");
			memset(p, 'x', (size_t)len - 7);
			p += len - 7;
			p += sprintf(p, "\"\n");
		}
		d.msg[0] = '\0';
		cfg = NULL;
		if (round == 0) {
			assert_int_equal(load(yaml, &cfg, &d), 0);
			assert_int_equal(cfg->dataplane.n_eal, SL_DPDK_MAX_EAL);
			assert_int_equal(strlen(cfg->dataplane.eal[SL_DPDK_MAX_EAL - 1]),
					 SL_DPDK_EAL_ARG_LEN - 1);
			sl_config_free(cfg);
		} else {
			assert_int_equal(load(yaml, &cfg, &d), -EINVAL);
			assert_non_null(strstr(d.msg, round == 1 ? "too many EAL arguments" : "too long"));
		}
	}
	free(yaml);
}
#else
static void test_no_dpdk(void **state)
{
	struct sl_config *cfg;
	struct sl_diag d;

	(void)state;
	assert_int_equal(load("dataplane: {ports: dpdk}\n", &cfg, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "built with DPDK"));
	assert_null(cfg);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_af_xdp),
#if SL_HAVE_DPDK
		cmocka_unit_test(test_dpdk_loads),
		cmocka_unit_test(test_dpdk_refused),
		cmocka_unit_test(test_dpdk_limits),
#else
		cmocka_unit_test(test_no_dpdk),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
