/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Host sets (control/hostset.[ch], docs/config.md "Host sets"): the
 * config syntax and its faults, the elements a set gets from a list of
 * addresses (interface glob, duplicates, order), the diff that decides
 * whether a new generation is needed, the refusal of manual edits, and
 * the saved policy keeping the source while the hash ignores the
 * elements.
 */
#include <arpa/inet.h>
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

#include "control/config.h"
#include "control/hostset.h"
#include "control/policy.h"
#include "control/prefix.h"

static const char base[] = "version: 1\n"
			   "interfaces:\n"
			   "  - name: lo\n"
			   "sets:\n"
			   "  - name: host\n"
			   "    source: host-addresses\n"
			   "  - name: lan\n"
			   "    source: host-addresses\n"
			   "    interface: \"slha*\"\n"
			   "  - name: other\n"
			   "    prefixes: [198.18.5.0/24]\n"
			   "rules:\n"
			   "  - {name: to-host, dst: host, action: drop}\n";

static int load(const char *yaml, struct sl_config **cfg, struct sl_diag *diag)
{
	return sl_config_load_buffer(yaml, strlen(yaml), "t.yaml", NULL, cfg, diag);
}

static struct sl_host_addr v4(const char *ifname, const char *ip)
{
	struct sl_host_addr a;

	memset(&a, 0, sizeof(a));
	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	a.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, a.addr), 1);
	return a;
}

static struct sl_host_addr v6(const char *ifname, const char *ip)
{
	struct sl_host_addr a;

	memset(&a, 0, sizeof(a));
	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	a.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, a.addr), 1);
	return a;
}

/* The elements of set name as text, "a b c". */
static const char *elements(const struct sl_config *cfg, const char *name)
{
	static char out[1024];
	int i = sl_config_find_set(cfg, name);
	char text[64];
	size_t k;

	assert_true(i >= 0);
	out[0] = '\0';
	for (k = 0; k < cfg->sets[i].n_prefixes; k++) {
		sl_prefix_format(&cfg->sets[i].prefixes[k], text, sizeof(text));
		if (k)
			strcat(out, " ");
		strcat(out, text);
	}
	return out;
}

static void test_config(void **state)
{
	struct sl_diag diag = { { 0 } };
	struct sl_config *cfg = NULL;
	int i;

	(void)state;
	assert_int_equal(load(base, &cfg, &diag), 0);
	i = sl_config_find_set(cfg, "host");
	assert_int_equal(cfg->sets[i].source, SL_SET_SRC_HOST_ADDRESSES);
	assert_string_equal(cfg->sets[i].source_iface, "");
	assert_int_equal(cfg->sets[i].n_prefixes, 0);
	i = sl_config_find_set(cfg, "lan");
	assert_int_equal(cfg->sets[i].source, SL_SET_SRC_HOST_ADDRESSES);
	assert_string_equal(cfg->sets[i].source_iface, "slha*");
	i = sl_config_find_set(cfg, "other");
	assert_int_equal(cfg->sets[i].source, SL_SET_SRC_POLICY);
	assert_true(sl_hostset_any(cfg));
	sl_config_free(cfg);

	assert_int_equal(load("version: 1\ninterfaces: [{name: lo}]\n"
			      "sets: [{name: a, prefixes: [198.18.0.0/24]}]\n", &cfg, &diag), 0);
	assert_false(sl_hostset_any(cfg));
	sl_config_free(cfg);
}

static void test_config_faults(void **state)
{
	static const struct {
		const char *sets;
		const char *msg;
	} cases[] = {
		{ "  - {name: h, source: host}\n",
		  "t.yaml:5:23: set 'h': unknown source 'host' (allowed: host-addresses)" },
		{ "  - {name: h, source: host-addresses, prefixes: [198.18.0.1]}\n",
		  "t.yaml:5:50: set 'h' is filled from the host's addresses: it takes no 'prefixes'" },
		{ "  - {name: h, prefixes: [198.18.0.1], interface: eth0}\n",
		  "t.yaml:5:50: set 'h': 'interface' goes with 'source: host-addresses'" },
		{ "  - {name: h, source: host-addresses, interface: \"\"}\n",
		  "t.yaml:5:51: set 'h': empty 'interface'" },
		{ "  - {name: h, source: host-addresses, interface: a-name-longer-than-16}\n",
		  "t.yaml:5:50: set interface is too long (at most 15 characters)" },
		{ "  - {name: h, source: [host-addresses]}\n", "t.yaml:5:24: set source must be a scalar" },
		{ "  - {name: h, source: host-addresses, interface: \"sl[ab\"}\n",
		  "t.yaml:5:51: bad interface pattern 'sl[ab': '[' without a closing ']'" },
		{ "  - {name: h, sourc: host-addresses}\n", "t.yaml:5:15: unknown key 'sourc'" },
	};
	char yaml[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_diag diag = { { 0 } };
		struct sl_config *cfg = NULL;

		snprintf(yaml, sizeof(yaml), "version: 1\ninterfaces:\n  - name: lo\nsets:\n%s",
			 cases[i].sets);
		assert_int_equal(load(yaml, &cfg, &diag), -EINVAL);
		assert_null(cfg);
		if (strncmp(diag.msg, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, diag.msg, cases[i].msg);
	}
}

static void test_elements(void **state)
{
	const struct sl_host_addr a[] = {
		v4("slha1", "198.18.88.10"), v6("slha0", "2001:db8:88::1"), v4("lo", "127.0.0.1"),
		v4("slha0", "198.18.88.1"),  v4("slha2", "198.18.88.10"),  v6("lo", "::1"),
	};
	struct sl_set all = { .name = "host", .source = SL_SET_SRC_HOST_ADDRESSES };
	struct sl_set lan = { .name = "lan", .source = SL_SET_SRC_HOST_ADDRESSES,
			      .source_iface = "slha[01]" };
	struct sl_prefix *p = NULL;
	char text[64];
	size_t n = 0;

	(void)state;
	assert_int_equal(sl_hostset_elements(&all, a, 6, &p, &n), 0);
	/* Sorted by family then address; 198.18.88.10 on two links is one element. */
	assert_int_equal(n, 5);
	assert_string_equal(sl_prefix_format(&p[0], text, sizeof(text)), "127.0.0.1/32");
	assert_string_equal(sl_prefix_format(&p[1], text, sizeof(text)), "198.18.88.1/32");
	assert_string_equal(sl_prefix_format(&p[2], text, sizeof(text)), "198.18.88.10/32");
	assert_string_equal(sl_prefix_format(&p[3], text, sizeof(text)), "::1/128");
	assert_string_equal(sl_prefix_format(&p[4], text, sizeof(text)), "2001:db8:88::1/128");
	free(p);
	/* The glob keeps slha0's and slha1's addresses only. */
	assert_int_equal(sl_hostset_elements(&lan, a, 6, &p, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(sl_prefix_format(&p[0], text, sizeof(text)), "198.18.88.1/32");
	assert_string_equal(sl_prefix_format(&p[1], text, sizeof(text)), "198.18.88.10/32");
	assert_string_equal(sl_prefix_format(&p[2], text, sizeof(text)), "2001:db8:88::1/128");
	free(p);
	/* No addresses: no elements. */
	assert_int_equal(sl_hostset_elements(&all, a, 0, &p, &n), 0);
	assert_int_equal(n, 0);
	assert_null(p);
}

/* The diff decides whether a generation is needed; fill replaces only what differs. */
static void test_diff_and_fill(void **state)
{
	struct sl_host_addr a[] = {
		v4("slha0", "198.18.88.1"), v6("slha0", "2001:db8:88::1"), v4("eth0", "198.18.9.9"),
	};
	struct sl_diag diag = { { 0 } };
	struct sl_config *cfg = NULL;
	struct sl_prefix tmp;

	(void)state;
	assert_int_equal(load(base, &cfg, &diag), 0);
	/* Both host sets are empty and should not be. */
	assert_int_equal(sl_hostset_changes(cfg, a, 3), 2);
	assert_int_equal(sl_hostset_fill(cfg, a, 3), 2);
	assert_string_equal(elements(cfg, "host"), "198.18.9.9/32 198.18.88.1/32 2001:db8:88::1/128");
	assert_string_equal(elements(cfg, "lan"), "198.18.88.1/32 2001:db8:88::1/128");
	assert_string_equal(elements(cfg, "other"), "198.18.5.0/24");
	/* The same addresses in another order: nothing to do. */
	assert_int_equal(sl_hostset_changes(cfg, (struct sl_host_addr[]){ a[2], a[1], a[0] }, 3), 0);
	/* Elements in another order (a saved state written by hand) are the same set too. */
	tmp = cfg->sets[sl_config_find_set(cfg, "host")].prefixes[0];
	cfg->sets[sl_config_find_set(cfg, "host")].prefixes[0] =
		cfg->sets[sl_config_find_set(cfg, "host")].prefixes[2];
	cfg->sets[sl_config_find_set(cfg, "host")].prefixes[2] = tmp;
	assert_int_equal(sl_hostset_changes(cfg, a, 3), 0);
	/* eth0's address goes: only "host" changes ("lan" does not cover eth0). */
	assert_int_equal(sl_hostset_changes(cfg, a, 2), 1);
	assert_int_equal(sl_hostset_fill(cfg, a, 2), 1);
	assert_string_equal(elements(cfg, "host"), "198.18.88.1/32 2001:db8:88::1/128");
	/* slha0 loses its IPv6 address: both change. */
	assert_int_equal(sl_hostset_fill(cfg, a, 1), 2);
	assert_string_equal(elements(cfg, "lan"), "198.18.88.1/32");
	/* Every address gone: both empty. */
	assert_int_equal(sl_hostset_fill(cfg, a, 0), 2);
	assert_string_equal(elements(cfg, "host"), "");
	assert_int_equal(sl_hostset_changes(cfg, a, 0), 0);
	sl_config_free(cfg);
}

static void test_check_edit(void **state)
{
	struct sl_diag diag = { { 0 } };
	struct sl_config *cfg = NULL;

	(void)state;
	assert_int_equal(load(base, &cfg, &diag), 0);
	assert_int_equal(sl_hostset_check_edit(cfg, "host", &diag), -EPERM);
	assert_string_equal(diag.msg, "set 'host' is filled by sluiced from the host's addresses "
				      "(source: host-addresses): its elements cannot be changed by hand");
	assert_int_equal(sl_hostset_check_edit(cfg, "other", &diag), 0);
	assert_int_equal(sl_hostset_check_edit(cfg, "nope", &diag), 0);
	assert_int_equal(sl_hostset_check_edit(cfg, NULL, &diag), 0);
	sl_config_free(cfg);
}

/*
 * The saved policy keeps a host set's source and glob and its elements
 * (a restart starts from them); the hash does not depend on the elements.
 */
static void test_saved_state(void **state)
{
	const struct sl_host_addr a[] = { v4("slha0", "198.18.88.1"), v6("eth1", "2001:db8::3") };
	char dir[] = "/tmp/sl-hostset-XXXXXX", path[128], cmd[160];
	struct sl_diag diag = { { 0 } };
	struct sl_config *cfg = NULL, *back = NULL;
	uint64_t h0, h1, h2;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(load(base, &cfg, &diag), 0);
	h0 = sl_policy_hash(cfg);
	assert_int_equal(sl_hostset_fill(cfg, a, 2), 2);
	h1 = sl_policy_hash(cfg);
	assert_true(h0 == h1);
	assert_int_equal(sl_policy_write(cfg, dir, &h2, &diag), 0);
	assert_true(h2 == h1);
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	assert_int_equal(sl_config_load_file(path, &back, &diag), 0);
	i = sl_config_find_set(back, "lan");
	assert_int_equal(back->sets[i].source, SL_SET_SRC_HOST_ADDRESSES);
	assert_string_equal(back->sets[i].source_iface, "slha*");
	assert_string_equal(elements(back, "lan"), "198.18.88.1/32");
	assert_string_equal(elements(back, "host"), "198.18.88.1/32 2001:db8::3/128");
	assert_int_equal(back->sets[sl_config_find_set(back, "other")].source, SL_SET_SRC_POLICY);
	assert_true(sl_policy_hash(back) == h0);
	sl_config_free(back);
	sl_config_free(cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* getifaddrs(3)'s list: IPv4 and IPv6 only, each with its link's name. */
static void test_from_system(void **state)
{
	struct sl_host_addr *a = NULL;
	size_t n = 0, i;

	(void)state;
	assert_int_equal(sl_hostset_from_system(&a, &n), 0);
	for (i = 0; i < n; i++) {
		assert_true(a[i].family == AF_INET || a[i].family == AF_INET6);
		assert_true(a[i].ifname[0] != '\0');
	}
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_faults),
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_diff_and_fill),
		cmocka_unit_test(test_check_edit),
		cmocka_unit_test(test_saved_state),
		cmocka_unit_test(test_from_system),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
