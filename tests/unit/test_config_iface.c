/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `interfaces` entries that are glob patterns (docs/config.md): which
 * names are patterns, which entry an interface falls under
 * (sl_config_match_iface), and each fault at its line and column.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control/config.h"

static int load(const char *yaml, struct sl_config **cfg, struct sl_diag *diag)
{
	return sl_config_load_buffer(yaml, strlen(yaml), "t.yaml", NULL, cfg, diag);
}

static void test_patterns(void **state)
{
	const char *yaml = "version: 1\n"
			   "interfaces:\n"
			   "  - name: sl-up0\n"
			   "  - name: \"slaa*\"\n"
			   "    mode: generic\n"
			   "  - {name: 'veth[0-9]?', mode: native-only}\n"
			   "  - name: \"sl[!a]x\"\n"
			   "  - name: \"sl*\"\n"
			   "rules:\n"
			   "  - {interface: sl-up0, action: drop}\n";
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load(yaml, &cfg, &diag), 0);
	assert_int_equal(cfg->n_ifaces, 5);
	assert_false(cfg->ifaces[0].pattern);
	assert_true(cfg->ifaces[1].pattern);
	assert_string_equal(cfg->ifaces[1].name, "slaa*");
	assert_int_equal(cfg->ifaces[1].mode, SL_XDP_MODE_GENERIC);
	assert_true(cfg->ifaces[2].pattern);
	assert_int_equal(cfg->ifaces[2].mode, SL_XDP_MODE_NATIVE_ONLY);
	assert_true(cfg->ifaces[3].pattern);
	/* A name listed exactly wins over every pattern, even an earlier one. */
	assert_int_equal(sl_config_match_iface(cfg, "sl-up0"), 0);
	/* Otherwise the first pattern that matches, in config order. */
	assert_int_equal(sl_config_match_iface(cfg, "slaa1"), 1);
	assert_int_equal(sl_config_match_iface(cfg, "slaa"), 1);
	assert_int_equal(sl_config_match_iface(cfg, "veth3"), -1); /* '?' is one character */
	assert_int_equal(sl_config_match_iface(cfg, "veth3a"), 2);
	assert_int_equal(sl_config_match_iface(cfg, "veth"), -1);
	assert_int_equal(sl_config_match_iface(cfg, "vethx1"), -1);
	assert_int_equal(sl_config_match_iface(cfg, "slbx"), 3);
	assert_int_equal(sl_config_match_iface(cfg, "slxyz"), 4);
	assert_int_equal(sl_config_match_iface(cfg, "eth0"), -1);
	assert_int_equal(sl_config_match_iface(cfg, ""), -1);
	sl_config_free(cfg);

	/* Only patterns: a config that waits for its interfaces to appear. */
	assert_int_equal(load("version: 1\ninterfaces:\n  - name: '*'\n", &cfg, &diag), 0);
	assert_true(cfg->ifaces[0].pattern);
	assert_int_equal(sl_config_match_iface(cfg, "anything"), 0);
	sl_config_free(cfg);
	/* A ']' first in a bracket is one of its characters, as in fnmatch. */
	assert_int_equal(load("version: 1\ninterfaces:\n  - name: 'a[]b]'\n", &cfg, &diag), 0);
	assert_int_equal(sl_config_match_iface(cfg, "a]"), 0);
	assert_int_equal(sl_config_match_iface(cfg, "ab"), 0);
	assert_int_equal(sl_config_match_iface(cfg, "ac"), -1);
	sl_config_free(cfg);
}

static void expect_fault(const char *yaml, const char *msg)
{
	struct sl_config *cfg = NULL;
	struct sl_diag diag;

	assert_int_equal(load(yaml, &cfg, &diag), -EINVAL);
	assert_null(cfg);
	assert_string_equal(diag.msg, msg);
}

static void test_faults(void **state)
{
	(void)state;
	expect_fault("version: 1\ninterfaces:\n  - name: \"sl[ab\"\n",
		     "t.yaml:3:12: bad interface pattern 'sl[ab': '[' without a closing ']'");
	expect_fault("version: 1\ninterfaces:\n  - name: \"sl[\"\n",
		     "t.yaml:3:12: bad interface pattern 'sl[': '[' without a closing ']'");
	expect_fault("version: 1\ninterfaces:\n  - name: \"sl[]\"\n",
		     "t.yaml:3:12: bad interface pattern 'sl[]': '[' without a closing ']'");
	expect_fault("version: 1\ninterfaces:\n  - name: \"sl]*\"\n",
		     "t.yaml:3:12: bad interface pattern 'sl]*': ']' without '['");
	expect_fault("version: 1\ninterfaces:\n  - name: 'sl\\*'\n",
		     "t.yaml:3:12: bad interface pattern 'sl\\*': no '\\' allowed");
	/* The kernel's rules for names apply to patterns too. */
	expect_fault("version: 1\ninterfaces:\n  - name: 'sl/*'\n",
		     "t.yaml:3:12: bad interface name 'sl/*': no '/', ':' or white space allowed");
	expect_fault("version: 1\ninterfaces:\n  - name: 'slaaaaaaaaaaaaa*'\n",
		     "t.yaml:3:12: interface name is too long (at most 15 characters)");
	expect_fault("version: 1\ninterfaces:\n  - name: 'sl*'\n  - name: 'sl*'\n",
		     "t.yaml:4:12: duplicate interface 'sl*'");
	/*
	 * A rule names one interface: the program resolves it once, at load.
	 * (A quoted scalar's column is that of its first character inside the quote.)
	 */
	expect_fault("version: 1\ninterfaces:\n  - name: 'slaa*'\n"
		     "rules:\n  - {interface: 'slaa*', action: drop}\n",
		     "t.yaml:5:18: interface 'slaa*' is a pattern; a rule names one interface");
	expect_fault("version: 1\ninterfaces:\n  - name: 'slaa*'\n"
		     "rules:\n  - {interface: slaa1, action: drop}\n",
		     "t.yaml:5:17: interface 'slaa1' is only matched by the pattern 'slaa*'; a rule's "
		     "interface must be listed by name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
