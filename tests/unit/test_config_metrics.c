/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config's `metrics` section: no endpoint without it, the defaults
 * and values with it, and each fault at its line and column.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "control/config.h"

static int load(const char *yaml, struct sl_config **cfg, struct sl_diag *diag)
{
	return sl_config_load_buffer(yaml, strlen(yaml), "t.yaml", NULL, cfg, diag);
}

static void test_absent(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load("version: 1\n", &cfg, &diag), 0);
	assert_false(cfg->metrics.enabled);
	sl_config_free(cfg);
}

static void test_defaults(void **state)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load("version: 1\nmetrics: {enabled: true}\n", &cfg, &diag), 0);
	assert_true(cfg->metrics.enabled);
	assert_string_equal(cfg->metrics.listen, "127.0.0.1:9469");
	assert_int_equal(cfg->metrics.family, AF_INET);
	assert_memory_equal(cfg->metrics.addr, lo, 4);
	assert_int_equal(cfg->metrics.port, 9469);
	sl_config_free(cfg);
}

static void test_values(void **state)
{
	uint8_t v6[16];
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load("version: 1\nmetrics:\n  listen: 198.18.0.1:8080\n", &cfg, &diag), 0);
	assert_true(cfg->metrics.enabled);
	assert_int_equal(cfg->metrics.family, AF_INET);
	assert_int_equal(cfg->metrics.port, 8080);
	assert_memory_equal(cfg->metrics.addr, ((uint8_t[]){ 198, 18, 0, 1 }), 4);
	sl_config_free(cfg);

	assert_int_equal(load("version: 1\nmetrics:\n  listen: '[::1]:9469'\n", &cfg, &diag), 0);
	assert_int_equal(cfg->metrics.family, AF_INET6);
	assert_int_equal(inet_pton(AF_INET6, "::1", v6), 1);
	assert_memory_equal(cfg->metrics.addr, v6, 16);
	assert_int_equal(cfg->metrics.port, 9469);
	sl_config_free(cfg);

	assert_int_equal(load("version: 1\nmetrics: {listen: '[2001:db8::5]:65535', enabled: false}\n",
			      &cfg, &diag), 0);
	assert_false(cfg->metrics.enabled);
	assert_int_equal(cfg->metrics.family, AF_INET6);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::5", v6), 1);
	assert_memory_equal(cfg->metrics.addr, v6, 16);
	assert_int_equal(cfg->metrics.port, 65535);
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

#define BAD_LISTEN(col, what)                                                             \
	"t.yaml:3:" #col ": bad listen address '" what "' (ADDRESS:PORT with an IPv4 "     \
	"address, or [ADDRESS]:PORT with an IPv6 one; port 1-65535)"

static void test_faults(void **state)
{
	(void)state;
	expect_fault("version: 1\nmetrics:\n  address: 127.0.0.1:1\n",
		     "t.yaml:3:3: unknown key 'address' in metrics (allowed: listen, enabled)");
	expect_fault("version: 1\nmetrics: 127.0.0.1:9469\n",
		     "t.yaml:2:10: metrics must be a mapping, not a scalar");
	expect_fault("version: 1\nmetrics:\n  enabled: yes\n",
		     "t.yaml:3:12: enabled must be true or false, not 'yes'");
	expect_fault("version: 1\nmetrics:\n  listen:\n", "t.yaml:3:3: 'listen' has no value");
	expect_fault("version: 1\nmetrics:\n  listen: [a]\n",
		     "t.yaml:3:12: listen must be a scalar, not a list");
	expect_fault("version: 1\nmetrics:\n  listen: 127.0.0.1\n", BAD_LISTEN(11, "127.0.0.1"));
	expect_fault("version: 1\nmetrics:\n  listen: 127.0.0.1:0\n", BAD_LISTEN(11, "127.0.0.1:0"));
	expect_fault("version: 1\nmetrics:\n  listen: 127.0.0.1:65536\n",
		     BAD_LISTEN(11, "127.0.0.1:65536"));
	expect_fault("version: 1\nmetrics:\n  listen: 127.0.0.1:80x\n", BAD_LISTEN(11, "127.0.0.1:80x"));
	expect_fault("version: 1\nmetrics:\n  listen: 127.0.0.256:80\n",
		     BAD_LISTEN(11, "127.0.0.256:80"));
	expect_fault("version: 1\nmetrics:\n  listen: localhost:9469\n",
		     BAD_LISTEN(11, "localhost:9469"));
	expect_fault("version: 1\nmetrics:\n  listen: ':9469'\n", BAD_LISTEN(12, ":9469"));
	/* IPv6 needs its brackets, and they must hold an IPv6 address. */
	expect_fault("version: 1\nmetrics:\n  listen: '::1:9469'\n", BAD_LISTEN(12, "::1:9469"));
	expect_fault("version: 1\nmetrics:\n  listen: '[::1]'\n", BAD_LISTEN(12, "[::1]"));
	expect_fault("version: 1\nmetrics:\n  listen: '[::1]9469'\n", BAD_LISTEN(12, "[::1]9469"));
	expect_fault("version: 1\nmetrics:\n  listen: '[::1:9469'\n", BAD_LISTEN(12, "[::1:9469"));
	expect_fault("version: 1\nmetrics:\n  listen: '[127.0.0.1]:9469'\n",
		     BAD_LISTEN(12, "[127.0.0.1]:9469"));
	expect_fault("version: 1\nmetrics:\n  listen: '[]:9469'\n", BAD_LISTEN(12, "[]:9469"));
	expect_fault("version: 1\nmetrics:\n  listen: '[::1]:'\n", BAD_LISTEN(12, "[::1]:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
