/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config's `control` section: the defaults without it, the values
 * with it, and each fault at its line and column.
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

static void test_defaults(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load("version: 1\n", &cfg, &diag), 0);
	assert_string_equal(cfg->control.socket, "/run/sluice/control.sock");
	assert_string_equal(cfg->control.group, "");
	sl_config_free(cfg);
}

static void test_values(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load("version: 1\ncontrol:\n  group: sluice-admin\n  socket: /run/sl/x.sock\n",
			      &cfg, &diag), 0);
	assert_string_equal(cfg->control.group, "sluice-admin");
	assert_string_equal(cfg->control.socket, "/run/sl/x.sock");
	sl_config_free(cfg);
	assert_int_equal(load("version: 1\ncontrol: {group: adm}\n", &cfg, &diag), 0);
	assert_string_equal(cfg->control.group, "adm");
	assert_string_equal(cfg->control.socket, "/run/sluice/control.sock");
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
	char yaml[512], msg[512], longpath[200];

	(void)state;
	expect_fault("version: 1\ncontrol:\n  sockets: /x\n",
		     "t.yaml:3:3: unknown key 'sockets' in control (allowed: group, socket)");
	expect_fault("version: 1\ncontrol:\n  socket: run/x.sock\n",
		     "t.yaml:3:11: socket 'run/x.sock' must be an absolute path");
	expect_fault("version: 1\ncontrol:\n  group: '-x'\n",
		     "t.yaml:3:11: bad group name '-x' (letters, digits, '.', '_', '-')");
	expect_fault("version: 1\ncontrol:\n  group: 'a b'\n",
		     "t.yaml:3:11: bad group name 'a b' (letters, digits, '.', '_', '-')");
	expect_fault("version: 1\ncontrol:\n  group: [a]\n",
		     "t.yaml:3:11: group must be a scalar, not a list");
	expect_fault("version: 1\ncontrol: /run/x.sock\n",
		     "t.yaml:2:10: control must be a mapping, not a scalar");
	expect_fault("version: 1\ncontrol:\n  socket:\n", "t.yaml:3:3: 'socket' has no value");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	snprintf(yaml, sizeof(yaml), "version: 1\ncontrol:\n  socket: %s\n", longpath);
	snprintf(msg, sizeof(msg), "t.yaml:3:11: socket is too long (at most 107 characters)");
	expect_fault(yaml, msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
