/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config's `inspect` section (docs/inspect.md): absent, defaults,
 * every key, and each fault at its line and column.
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
#include "dataplane/domain_policy.h"

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
	assert_false(cfg->inspect.enabled);
	assert_false(cfg->inspect.dns.enabled);
	assert_false(cfg->inspect.tls.enabled);
	sl_config_free(cfg);
}

static void test_defaults(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load("version: 1\ninspect: {dns: {}, tls: {}}\n", &cfg, &diag), 0);
	assert_true(cfg->inspect.enabled);
	assert_int_equal(cfg->inspect.verdict_ttl, SL_INSPECT_TTL_DEFAULT);
	assert_true(cfg->inspect.dns.enabled);
	assert_int_equal(cfg->inspect.dns.n_ports, 1);
	assert_int_equal(cfg->inspect.dns.ports[0], 53);
	assert_int_equal(cfg->inspect.dns.default_action, SL_DOMAIN_ALLOW);
	assert_int_equal(cfg->inspect.dns.malformed_action, SL_DOMAIN_ALLOW);
	assert_int_equal(cfg->inspect.dns.n_rules, 0);
	assert_true(cfg->inspect.tls.enabled);
	assert_int_equal(cfg->inspect.tls.ports[0], 443);
	assert_int_equal(cfg->inspect.tls.incomplete_action, SL_DOMAIN_ALLOW);
	sl_config_free(cfg);

	/* malformed and incomplete follow default unless given. */
	assert_int_equal(load("version: 1\ninspect:\n  tls: {default: deny}\n", &cfg, &diag), 0);
	assert_false(cfg->inspect.dns.enabled);
	assert_int_equal(cfg->inspect.tls.default_action, SL_DOMAIN_DENY);
	assert_int_equal(cfg->inspect.tls.malformed_action, SL_DOMAIN_DENY);
	assert_int_equal(cfg->inspect.tls.incomplete_action, SL_DOMAIN_DENY);
	sl_config_free(cfg);
}

static void test_full(void **state)
{
	static const char yaml[] =
		"version: 1\n"
		"inspect:\n"
		"  verdict_ttl: 60\n"
		"  dns:\n"
		"    ports: [53, 5353]\n"
		"    default: allow\n"
		"    malformed: deny\n"
		"    deny: ['*.Bad.Example', x.example.org.]\n"
		"    allow:\n"
		"      - ok.bad.example\n"
		"  tls:\n"
		"    default: deny\n"
		"    incomplete: allow\n"
		"    malformed: deny\n"
		"    allow: [\"*.example.com\", example.com]\n";
	const struct sl_domain_policy_cfg *d, *t;
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load(yaml, &cfg, &diag), 0);
	assert_int_equal(cfg->inspect.verdict_ttl, 60);
	d = &cfg->inspect.dns;
	assert_int_equal(d->n_ports, 2);
	assert_int_equal(d->ports[1], 5353);
	assert_int_equal(d->default_action, SL_DOMAIN_ALLOW);
	assert_int_equal(d->malformed_action, SL_DOMAIN_DENY);
	assert_int_equal(d->n_rules, 3);
	/* In config order: deny comes first here. */
	assert_string_equal(d->rules[0].pattern, "*.bad.example");
	assert_int_equal(d->rules[0].action, SL_DOMAIN_DENY);
	assert_int_equal(d->rules[0].line, 8);
	assert_int_equal(d->rules[0].col, 13);
	assert_string_equal(d->rules[1].pattern, "x.example.org");
	assert_string_equal(d->rules[2].pattern, "ok.bad.example");
	assert_int_equal(d->rules[2].action, SL_DOMAIN_ALLOW);
	assert_int_equal(d->rules[2].line, 10);
	t = &cfg->inspect.tls;
	assert_int_equal(t->default_action, SL_DOMAIN_DENY);
	assert_int_equal(t->incomplete_action, SL_DOMAIN_ALLOW);
	assert_int_equal(t->malformed_action, SL_DOMAIN_DENY);
	assert_int_equal(t->n_rules, 2);
	assert_string_equal(t->rules[0].pattern, "*.example.com");
	assert_string_equal(t->rules[1].pattern, "example.com");
	sl_config_free(cfg);
}

struct error_case {
	const char *yaml;
	const char *msg;
};

static void test_errors(void **state)
{
	static const struct error_case cases[] = {
		{"version: 1\ninspect: yes\n", "t.yaml:2:10: inspect must be a mapping, not a scalar"},
		{"version: 1\ninspect:\n  dnss: {}\n",
		 "t.yaml:3:3: unknown key 'dnss' in inspect (allowed: verdict_ttl, dns, tls)"},
		{"version: 1\ninspect:\n  verdict_ttl: 0\n",
		 "t.yaml:3:16: verdict_ttl must be at least 1 second"},
		{"version: 1\ninspect:\n  verdict_ttl: 86401\n",
		 "t.yaml:3:16: verdict_ttl 86401 is out of range (0-86400)"},
		{"version: 1\ninspect:\n  verdict_ttl: 5m\n",
		 "t.yaml:3:16: verdict_ttl '5m' is not a number"},
		{"version: 1\ninspect:\n  dns: [a]\n", "t.yaml:3:9: inspect.dns must be a mapping, not a list"},
		{"version: 1\ninspect:\n  dns: {incomplete: deny}\n",
		 "t.yaml:3:9: unknown key 'incomplete' in inspect.dns (allowed: ports, default, "
		 "malformed, allow, deny)"},
		{"version: 1\ninspect:\n  tls: {block: [a.b]}\n",
		 "t.yaml:3:9: unknown key 'block' in inspect.tls (allowed: ports, default, "
		 "malformed, allow, deny, incomplete)"},
		{"version: 1\ninspect:\n  dns: {default: drop}\n",
		 "t.yaml:3:18: bad default 'drop' (allowed: allow, deny)"},
		{"version: 1\ninspect:\n  tls: {incomplete: maybe}\n",
		 "t.yaml:3:21: bad incomplete 'maybe' (allowed: allow, deny)"},
		{"version: 1\ninspect:\n  dns: {malformed: [deny]}\n",
		 "t.yaml:3:21: malformed must be a scalar, not a list"},
		{"version: 1\ninspect:\n  dns: {ports: 53}\n", "t.yaml:3:16: ports must be a list, not a scalar"},
		{"version: 1\ninspect:\n  dns: {ports: []}\n",
		 "t.yaml:3:9: inspect.dns.ports: an empty list (name at least one port)"},
		{"version: 1\ninspect:\n  dns: {ports: [53, 0]}\n",
		 "t.yaml:3:21: port 0 is out of range (1-65535)"},
		{"version: 1\ninspect:\n  dns: {ports: [65536]}\n",
		 "t.yaml:3:17: port 65536 is out of range (0-65535)"},
		{"version: 1\ninspect:\n  tls: {ports: [443, 8443, 443]}\n",
		 "t.yaml:3:28: port 443 is listed twice in inspect.tls.ports"},
		{"version: 1\ninspect:\n  tls: {ports: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}\n",
		 "t.yaml:3:56: too many ports in inspect.tls.ports (at most 16)"},
		{"version: 1\ninspect:\n  dns: {deny: a.example}\n",
		 "t.yaml:3:15: deny must be a list, not a scalar"},
		{"version: 1\ninspect:\n  dns: {deny: [a..example]}\n",
		 "t.yaml:3:16: bad domain 'a..example' in inspect.dns.deny: an empty label"},
		{"version: 1\ninspect:\n  dns: {allow: ['*']}\n",
		 "t.yaml:3:18: bad domain '*' in inspect.dns.allow: '*' only as the whole first "
		 "label ('*.example.com')"},
		{"version: 1\ninspect:\n  dns: {deny: [a.*.example]}\n",
		 "t.yaml:3:16: bad domain 'a.*.example' in inspect.dns.deny: '*' only as the whole "
		 "first label ('*.example.com')"},
		{"version: 1\ninspect:\n  dns: {deny: ['caf\xc3\xa9.example']}\n",
		 "t.yaml:3:17: bad domain 'caf??.example' in inspect.dns.deny: a character other than "
		 "a letter, digit, '-' or '_'"},
		{"version: 1\ninspect:\n  dns: {deny: [{name: a}]}\n",
		 "t.yaml:3:17: a domain must be a scalar, not a mapping"},
		{"version: 1\ninspect:\n  dns: {deny: ['']}\n", "t.yaml:3:17: bad domain '' in "
		 "inspect.dns.deny: an empty name"},
		{"version: 1\ninspect:\n  dns:\n    deny: [a.example]\n    allow: [b.example, A.Example.]\n",
		 "t.yaml:5:24: domain 'a.example' is in both allow and deny of inspect.dns (first on "
		 "line 4)"},
		{"version: 1\ninspect:\n  tls:\n    deny:\n      - '*.x.example'\n      - '*.X.example'\n",
		 "t.yaml:6:10: domain '*.x.example' is listed twice in inspect.tls (first on line 5)"},
	};
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_config *cfg = (void *)1;
		struct sl_diag diag;
		int err = load(cases[i].yaml, &cfg, &diag);

		if (err != -EINVAL || strcmp(diag.msg, cases[i].msg)) {
			print_error("case %zu: got %d '%s'\n  want '%s'\n", i, err, diag.msg,
				    cases[i].msg);
			failed++;
		}
		assert_null(cfg);
	}
	assert_int_equal(failed, 0);
}

/* A label of 64 and a name of 254 characters, built rather than written out. */
static void test_long_names(void **state)
{
	char yaml[600], name[300];
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	snprintf(yaml, sizeof(yaml), "version: 1\ninspect:\n  dns: {deny: [%s]}\n", name);
	assert_int_equal(load(yaml, &cfg, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "t.yaml:3:16: bad domain 'aaaa"));
	assert_non_null(strstr(diag.msg, ": a label longer than 63 characters"));

	memset(name, 'a', 254);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	snprintf(yaml, sizeof(yaml), "version: 1\ninspect:\n  dns: {deny: ['*.%s']}\n", name);
	assert_int_equal(load(yaml, &cfg, &diag), 0);
	assert_int_equal(strlen(cfg->inspect.dns.rules[0].pattern), 255);
	sl_config_free(cfg);
	name[253] = 'a';
	name[254] = '\0';
	snprintf(yaml, sizeof(yaml), "version: 1\ninspect:\n  dns: {deny: [%s]}\n", name);
	assert_int_equal(load(yaml, &cfg, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, ": longer than 253 characters"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
