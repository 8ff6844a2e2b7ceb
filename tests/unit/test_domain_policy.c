/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The domain policy (dataplane/domain_policy.c): pattern syntax, the most
 * specific entry winning, case-insensitivity, duplicates, and a large
 * policy built and looked up.
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

#include "dataplane/domain_policy.h"

static uint8_t look(const struct sl_domain_policy *p, const char *name, struct sl_domain_match *m)
{
	return sl_domain_policy_lookup(p, name, strlen(name), m);
}

static void test_normalize(void **state)
{
	static const struct {
		const char *in, *out, *why;
	} cases[] = {
		{ "Example.COM", "example.com", NULL },
		{ "example.com.", "example.com", NULL },
		{ "*.Example.com", "*.example.com", NULL },
		{ "*.com", "*.com", NULL },
		{ "_dmarc.x-y.example", "_dmarc.x-y.example", NULL },
		{ "", NULL, "an empty name" },
		{ ".", NULL, "an empty name" },
		{ "*.", NULL, "a wildcard needs a suffix ('*.example.com')" },
		{ "*", NULL, "'*' only as the whole first label ('*.example.com')" },
		{ "a.*.com", NULL, "'*' only as the whole first label ('*.example.com')" },
		{ "*x.com", NULL, "'*' only as the whole first label ('*.example.com')" },
		{ "a..b", NULL, "an empty label" },
		{ ".a", NULL, "an empty label" },
		{ "a b", NULL, "a character other than a letter, digit, '-' or '_'" },
		{ "caf\xc3\xa9.fr", NULL, "a character other than a letter, digit, '-' or '_'" },
	};
	char out[SL_DOMAIN_PATTERN_MAX + 1], long_label[80], long_name[300];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = sl_domain_pattern_normalize(cases[i].in, strlen(cases[i].in), out, &why);

		if (cases[i].out) {
			assert_int_equal(err, 0);
			assert_string_equal(out, cases[i].out);
		} else {
			assert_int_equal(err, -EINVAL);
			assert_string_equal(why, cases[i].why);
		}
	}
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".com");
	assert_int_equal(sl_domain_pattern_normalize(long_label, strlen(long_label), out, &why),
			 -EINVAL);
	assert_string_equal(why, "a label longer than 63 characters");
	long_label[63] = '.'; /* a 63-character label, then "bcom" */
	long_label[64] = 'b';
	assert_int_equal(sl_domain_pattern_normalize(long_label, strlen(long_label), out, &why), 0);

	/* 253 characters with the "*." on top is the longest pattern; 254 is one too many. */
	memset(long_name, 'a', 253);
	long_name[63] = long_name[127] = long_name[191] = '.';
	long_name[253] = '\0';
	assert_int_equal(sl_domain_pattern_normalize(long_name, 253, out, &why), 0);
	memmove(long_name + 2, long_name, 254);
	long_name[0] = '*';
	long_name[1] = '.';
	assert_int_equal(sl_domain_pattern_normalize(long_name, 255, out, &why), 0);
	assert_int_equal(strlen(out), 255);
	long_name[255] = 'a';
	long_name[256] = '\0';
	assert_int_equal(sl_domain_pattern_normalize(long_name, 256, out, &why), -EINVAL);
	assert_string_equal(why, "longer than 253 characters");
}

static void test_most_specific_wins(void **state)
{
	static const struct sl_domain_entry e[] = {
		{ "*.com", SL_DOMAIN_DENY },              /* 0 */
		{ "*.example.com", SL_DOMAIN_ALLOW },     /* 1 */
		{ "bad.example.com", SL_DOMAIN_DENY },    /* 2 */
		{ "*.ads.example.com", SL_DOMAIN_DENY },  /* 3 */
		{ "ok.ads.example.com", SL_DOMAIN_ALLOW },/* 4 */
		{ "x.example.org", SL_DOMAIN_DENY },      /* 5 */
	};
	struct sl_domain_policy *p;
	struct sl_domain_match m;

	(void)state;
	assert_int_equal(sl_domain_policy_build(e, 6, SL_DOMAIN_ALLOW, &p, NULL, NULL), 0);
	assert_int_equal(sl_domain_policy_count(p), 6);

	assert_int_equal(look(p, "bad.example.com", &m), SL_DOMAIN_DENY);
	assert_true(m.matched);
	assert_false(m.wildcard);
	assert_int_equal(m.entry, 2);

	assert_int_equal(look(p, "www.example.com", &m), SL_DOMAIN_ALLOW);
	assert_true(m.wildcard);
	assert_int_equal(m.entry, 1);
	assert_int_equal(look(p, "a.b.c.example.com", &m), SL_DOMAIN_ALLOW);
	assert_int_equal(m.entry, 1);

	/* `*.example.com` is not example.com itself: `*.com` decides that one. */
	assert_int_equal(look(p, "example.com", &m), SL_DOMAIN_DENY);
	assert_int_equal(m.entry, 0);
	assert_int_equal(look(p, "other.com", &m), SL_DOMAIN_DENY);
	assert_int_equal(m.entry, 0);
	/* Nothing matches "com" itself, nor other TLDs. */
	assert_int_equal(look(p, "com", &m), SL_DOMAIN_ALLOW);
	assert_false(m.matched);
	assert_int_equal(look(p, "example.net", &m), SL_DOMAIN_ALLOW);
	assert_false(m.matched);

	assert_int_equal(look(p, "tracker.ads.example.com", &m), SL_DOMAIN_DENY);
	assert_int_equal(m.entry, 3);
	assert_int_equal(look(p, "ok.ads.example.com", &m), SL_DOMAIN_ALLOW);
	assert_int_equal(m.entry, 4);
	assert_int_equal(look(p, "sub.ok.ads.example.com", &m), SL_DOMAIN_DENY);
	assert_int_equal(m.entry, 3);

	/* Case and one trailing dot do not matter. */
	assert_int_equal(look(p, "BAD.Example.COM.", &m), SL_DOMAIN_DENY);
	assert_int_equal(m.entry, 2);
	assert_int_equal(look(p, "X.EXAMPLE.ORG", &m), SL_DOMAIN_DENY);
	assert_int_equal(look(p, "y.x.example.org", &m), SL_DOMAIN_ALLOW);
	assert_false(m.matched);

	/* A name that could never be a pattern still gets an answer. */
	assert_int_equal(look(p, "", &m), SL_DOMAIN_ALLOW);
	assert_false(m.matched);
	assert_int_equal(look(p, "..com", &m), SL_DOMAIN_DENY);
	assert_int_equal(look(p, "*.example.com", &m), SL_DOMAIN_ALLOW);
	assert_int_equal(m.entry, 1);
	sl_domain_policy_free(p);
}

static void test_default_and_empty(void **state)
{
	struct sl_domain_policy *p;
	struct sl_domain_match m;
	char name[400];

	(void)state;
	assert_int_equal(sl_domain_policy_build(NULL, 0, SL_DOMAIN_DENY, &p, NULL, NULL), 0);
	assert_int_equal(look(p, "anything.example", &m), SL_DOMAIN_DENY);
	assert_false(m.matched);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(look(p, name, &m), SL_DOMAIN_DENY);
	sl_domain_policy_free(p);
	sl_domain_policy_free(NULL);
}

static void test_build_errors(void **state)
{
	static const struct sl_domain_entry dup[] = {
		{ "a.example", SL_DOMAIN_DENY },
		{ "*.a.example", SL_DOMAIN_DENY },
		{ "A.Example.", SL_DOMAIN_ALLOW },
	};
	static const struct sl_domain_entry bad[] = {
		{ "a.example", SL_DOMAIN_DENY },
		{ "a..example", SL_DOMAIN_DENY },
	};
	static const struct sl_domain_entry null_pattern[] = { { NULL, SL_DOMAIN_DENY } };
	struct sl_domain_policy *p = (void *)1;
	size_t b = 99, f = 99;

	(void)state;
	assert_int_equal(sl_domain_policy_build(dup, 3, SL_DOMAIN_ALLOW, &p, &b, &f), -EEXIST);
	assert_null(p);
	assert_int_equal(b, 2);
	assert_int_equal(f, 0);
	assert_int_equal(sl_domain_policy_build(bad, 2, SL_DOMAIN_ALLOW, &p, &b, NULL), -EINVAL);
	assert_int_equal(b, 1);
	assert_int_equal(sl_domain_policy_build(null_pattern, 1, SL_DOMAIN_ALLOW, &p, &b, NULL),
			 -EINVAL);
	assert_int_equal(sl_domain_policy_build(bad, SL_DOMAIN_POLICY_MAX + 1, SL_DOMAIN_ALLOW, &p,
						NULL, NULL), -E2BIG);
}

/* 200,000 entries: every one found, by exact name and through its wildcard. */
static void test_large(void **state)
{
	const size_t n = 200000;
	struct sl_domain_entry *e = calloc(n, sizeof(*e));
	char *names = calloc(n, 40);
	struct sl_domain_policy *p;
	struct sl_domain_match m;
	size_t i;

	(void)state;
	assert_non_null(e);
	assert_non_null(names);
	for (i = 0; i < n; i++) {
		snprintf(names + i * 40, 40, "%sh%zu.example%zu.net", i % 2 ? "*." : "", i, i % 97);
		e[i].pattern = names + i * 40;
		e[i].action = i % 3 ? SL_DOMAIN_DENY : SL_DOMAIN_ALLOW;
	}
	assert_int_equal(sl_domain_policy_build(e, n, SL_DOMAIN_ALLOW, &p, NULL, NULL), 0);
	for (i = 0; i < n; i++) {
		char q[64];

		snprintf(q, sizeof(q), "%sh%zu.example%zu.net", i % 2 ? "www." : "", i, i % 97);
		assert_int_equal(look(p, q, &m), e[i].action);
		assert_true(m.matched);
		assert_int_equal(m.entry, i);
	}
	assert_int_equal(look(p, "h1.example1.net", &m), SL_DOMAIN_ALLOW);
	assert_false(m.matched);
	sl_domain_policy_free(p);
	free(names);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_most_specific_wins),
		cmocka_unit_test(test_default_and_empty),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
