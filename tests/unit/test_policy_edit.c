/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Policy edits (control/policy_edit.c): rules added where asked, deleted,
 * replaced in place, listed as text that adds back the same rule; sets
 * created, filled (duplicates skipped), emptied, deleted; and every
 * refusal with its errno and message, leaving the policy as it was.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "control/config.h"
#include "control/policy.h"
#include "control/policy_edit.h"
#include "control/prefix.h"

static const char base[] =
	"version: 1\n"
	"interfaces: [{name: sl-a0}]\n"
	"sets:\n"
	"  - name: s\n"
	"    prefixes: [198.18.1.0/24]\n"
	"rules:\n"
	"  - {name: a, protocol: tcp, dport: 22, action: accept}\n"
	"  - {name: b, src: s, action: drop}\n";

static struct sl_config *load(void)
{
	struct sl_config *cfg = NULL;
	struct sl_diag diag = { { 0 } };

	if (sl_config_load_buffer(base, strlen(base), "t.yaml", NULL, &cfg, &diag))
		fail_msg("%s", diag.msg);
	return cfg;
}

static void names_are(const struct sl_config *cfg, const char *want)
{
	char got[512] = "";
	size_t i;

	for (i = 0; i < cfg->n_rules; i++) {
		strcat(got, i ? "," : "");
		strcat(got, cfg->rules[i].name);
	}
	assert_string_equal(got, want);
}

static void expect(int err, int want, const struct sl_diag *d, const char *msg)
{
	assert_int_equal(err, want);
	if (!strstr(d->msg, msg))
		fail_msg("message '%s' lacks '%s'", d->msg, msg);
}

static void test_rules(void **state)
{
	struct sl_config *cfg = load(), *copy = NULL;
	struct sl_diag d = { { 0 } };
	char text[1024];
	uint64_t h;

	(void)state;
	assert_int_equal(sl_policy_rule_add(cfg, "{name: c, protocol: udp, action: count}",
					    SL_RULE_AT_END, 0, NULL, &d), 0);
	assert_int_equal(sl_policy_rule_add(cfg, "{name: z, action: drop}", SL_RULE_AT_INDEX, 0, NULL,
					    &d), 0);
	assert_int_equal(sl_policy_rule_add(cfg, "{name: y, src: [s, 198.18.2.0/24], action: drop}",
					    SL_RULE_BEFORE, 0, "b", &d), 0);
	assert_int_equal(sl_policy_rule_add(cfg, "{name: x, protocol: icmp, action: accept}",
					    SL_RULE_AFTER, 0, "c", &d), 0);
	names_are(cfg, "z,a,y,b,c,x");
	/* y's inline prefix became an anonymous set named after it. */
	assert_int_equal(cfg->n_sets, 2);
	assert_string_equal(cfg->sets[1].name, "y/src");

	/* The listed text adds back the same rule (same hash once swapped in). */
	assert_int_equal(sl_policy_rule_text(cfg, 2, text, sizeof(text)), 0);
	assert_string_equal(text, "{name: y, src: [s, \"198.18.2.0/24\"], action: drop}");
	h = sl_policy_hash(cfg);
	assert_int_equal(sl_policy_copy(cfg, &copy), 0);
	assert_int_equal(sl_policy_rule_delete(copy, "y", &d), 0);
	assert_int_equal(copy->n_sets, 1); /* its inline set went with it */
	assert_int_equal(sl_policy_rule_add(copy, text, SL_RULE_BEFORE, 0, "b", &d), 0);
	assert_true(sl_policy_hash(copy) == h);
	sl_config_free(copy);

	/* Replace in place keeps the position; the text may leave the name out. */
	assert_int_equal(sl_policy_rule_replace(cfg, "a", "{protocol: tcp, dport: 23, action: accept}",
						&d), 0);
	names_are(cfg, "z,a,y,b,c,x");
	assert_int_equal(cfg->rules[1].dport[0].lo, 23);
	assert_int_equal(sl_policy_rule_replace(cfg, "a", "{name: a, action: drop}", &d), 0);

	/* Refusals. */
	expect(sl_policy_rule_add(cfg, "{name: a, action: drop}", SL_RULE_AT_END, 0, NULL, &d), -EEXIST,
	       &d, "exists already");
	expect(sl_policy_rule_add(cfg, "{action: drop}", SL_RULE_AT_END, 0, NULL, &d), -EINVAL, &d,
	       "needs a name");
	expect(sl_policy_rule_add(cfg, "{name: q, dport: 80, action: drop}", SL_RULE_AT_END, 0, NULL,
				  &d), -EINVAL, &d, "'dport' needs protocol tcp or udp");
	expect(sl_policy_rule_add(cfg, "{name: q, src: nope, action: drop}", SL_RULE_AT_END, 0, NULL,
				  &d), -EINVAL, &d, "nope");
	expect(sl_policy_rule_add(cfg, "{name: q, interface: sl-b9, action: drop}", SL_RULE_AT_END, 0,
				  NULL, &d), -EINVAL, &d, "not in 'interfaces'");
	expect(sl_policy_rule_add(cfg, "name: q", SL_RULE_AT_END, 0, NULL, &d), -EINVAL, &d,
	       "flow mapping");
	expect(sl_policy_rule_add(cfg, "{name: q,\n action: drop}", SL_RULE_AT_END, 0, NULL, &d),
	       -EINVAL, &d, "control character");
	expect(sl_policy_rule_add(cfg, "{name: q, action: drop}, {name: r, action: drop}",
				  SL_RULE_AT_END, 0, NULL, &d), -EINVAL, &d, "");
	expect(sl_policy_rule_add(cfg, "{name: q, action: drop}", SL_RULE_AT_INDEX, 99, NULL, &d),
	       -ERANGE, &d, "past the end");
	expect(sl_policy_rule_add(cfg, "{name: q, action: drop}", SL_RULE_BEFORE, 0, "nope", &d),
	       -ENOENT, &d, "no rule named 'nope'");
	expect(sl_policy_rule_delete(cfg, "nope", &d), -ENOENT, &d, "no rule named 'nope'");
	expect(sl_policy_rule_replace(cfg, "nope", "{action: drop}", &d), -ENOENT, &d, "no rule");
	expect(sl_policy_rule_replace(cfg, "a", "{name: other, action: drop}", &d), -EINVAL, &d,
	       "rename");
	names_are(cfg, "z,a,y,b,c,x");
	assert_int_equal(sl_policy_rule_text(cfg, 99, text, sizeof(text)), -ENOENT);
	assert_int_equal(sl_policy_rule_text(cfg, 2, text, 8), -ENOSPC);
	sl_config_free(cfg);
}

static struct sl_prefix pfx(const char *s)
{
	struct sl_prefix p;
	const char *why;

	assert_int_equal(sl_prefix_parse(s, strlen(s), &p, &why), 0);
	return p;
}

static void test_sets(void **state)
{
	struct sl_config *cfg = load();
	struct sl_diag d = { { 0 } };
	struct sl_prefix p[3] = { pfx("198.18.7.0/24"), pfx("2001:db8::/64"), pfx("198.18.7.0/24") };
	int i;

	(void)state;
	assert_int_equal(sl_policy_set_create(cfg, "t", p, 3, &d), 0);
	i = sl_config_find_set(cfg, "t");
	assert_true(i >= 0);
	assert_int_equal(cfg->sets[i].n_prefixes, 2); /* the duplicate skipped */
	assert_int_equal(sl_policy_set_add(cfg, "t", p, 2, false, &d), 0);
	assert_int_equal(cfg->sets[i].n_prefixes, 2);
	assert_int_equal(sl_policy_set_remove(cfg, "t", &p[1], 1, &d), 0);
	assert_int_equal(cfg->sets[i].n_prefixes, 1);
	assert_int_equal(sl_policy_set_add(cfg, "u", p, 1, true, &d), 0); /* load: created */
	assert_int_equal(sl_policy_set_flush(cfg, "u", &d), 0);
	assert_int_equal(cfg->sets[sl_config_find_set(cfg, "u")].n_prefixes, 0);
	assert_int_equal(sl_policy_set_delete(cfg, "u", &d), 0);
	assert_true(sl_config_find_set(cfg, "u") < 0);

	expect(sl_policy_set_create(cfg, "t", NULL, 0, &d), -EEXIST, &d, "exists already");
	expect(sl_policy_set_create(cfg, "9t", NULL, 0, &d), -EINVAL, &d, "bad set name");
	expect(sl_policy_set_create(cfg, "a\"b", NULL, 0, &d), -EINVAL, &d, "bad set name");
	expect(sl_policy_set_add(cfg, "nope", p, 1, false, &d), -ENOENT, &d, "no set named 'nope'");
	expect(sl_policy_set_remove(cfg, "t", &p[1], 1, &d), -ENOENT, &d, "has no element 2001:db8::/64");
	expect(sl_policy_set_flush(cfg, "nope", &d), -ENOENT, &d, "no set");
	expect(sl_policy_set_delete(cfg, "s", &d), -EBUSY, &d, "used by rule 'b'");
	/* A rule on the new set, then the set is busy too. */
	assert_int_equal(sl_policy_rule_add(cfg, "{name: c, dst: t, action: drop}", SL_RULE_AT_END, 0,
					    NULL, &d), 0);
	expect(sl_policy_set_delete(cfg, "t", &d), -EBUSY, &d, "used by rule 'c'");
	assert_int_equal(sl_policy_rule_delete(cfg, "c", &d), 0);
	assert_int_equal(sl_policy_set_delete(cfg, "t", &d), 0);
	sl_config_free(cfg);
}

/* Repeated adds through an index: duplicates across calls skipped, a stale index rebuilt. */
static void test_set_index(void **state)
{
	struct sl_config *cfg = load();
	struct sl_set_index *idx = NULL;
	struct sl_diag d = { { 0 } };
	struct sl_prefix p[300];
	char text[64];
	int i, k;

	(void)state;
	for (k = 0; k < 300; k++) {
		snprintf(text, sizeof(text), "2001:db8:%x::/48", k);
		p[k] = pfx(text);
	}
	for (k = 0; k < 300; k += 100)
		assert_int_equal(sl_policy_set_add_idx(cfg, "big", &p[k], 100, true, &idx, &d), 0);
	/* Again, overlapping: nothing new. */
	assert_int_equal(sl_policy_set_add_idx(cfg, "big", &p[50], 200, true, &idx, &d), 0);
	i = sl_config_find_set(cfg, "big");
	assert_int_equal(cfg->sets[i].n_prefixes, 300);
	/* Changed behind the index: it starts over and still skips what is there. */
	assert_int_equal(sl_policy_set_remove(cfg, "big", &p[0], 1, &d), 0);
	assert_int_equal(sl_policy_set_add_idx(cfg, "big", p, 2, false, &idx, &d), 0);
	assert_int_equal(cfg->sets[i].n_prefixes, 300);
	/* Another set through the same index. */
	assert_int_equal(sl_policy_set_add_idx(cfg, "s", p, 3, false, &idx, &d), 0);
	assert_int_equal(cfg->sets[sl_config_find_set(cfg, "s")].n_prefixes, 4);
	expect(sl_policy_set_add_idx(cfg, "nope", p, 1, false, &idx, &d), -ENOENT, &d, "no set");
	sl_set_index_free(idx);
	sl_config_free(cfg);
}

static void test_copy(void **state)
{
	struct sl_config *cfg = load(), *copy = NULL;
	struct sl_diag d = { { 0 } };
	struct sl_prefix p = pfx("198.18.9.0/24");

	(void)state;
	assert_int_equal(sl_policy_copy(cfg, &copy), 0);
	assert_true(sl_policy_hash(copy) == sl_policy_hash(cfg));
	/* Edits of the copy leave the original alone. */
	assert_int_equal(sl_policy_set_add(copy, "s", &p, 1, false, &d), 0);
	assert_int_equal(sl_policy_rule_delete(copy, "a", &d), 0);
	assert_int_equal(cfg->sets[0].n_prefixes, 1);
	assert_int_equal(cfg->n_rules, 2);
	assert_true(sl_policy_hash(copy) != sl_policy_hash(cfg));
	sl_config_free(copy);
	sl_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_set_index),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
