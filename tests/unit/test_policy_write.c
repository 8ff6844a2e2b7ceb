/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The saved policy (control/policy_write.c): every config in configs/ and
 * the test data written as a state directory and loaded back by the config
 * loader gives the same rules, sets and settings, field by field, and the
 * same hash; the hash changes with any rule or element, and not with the
 * interfaces.
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

#include "control/config.h"
#include "control/policy.h"

static char *src_path(const char *rel)
{
	const char *src = getenv("SLUICE_SRCDIR");
	char *p;

	assert_true(asprintf(&p, "%s/%s", src ? src : ".", rel) > 0);
	return p;
}

static const struct sl_set *set_by_index(const struct sl_config *c, uint32_t i)
{
	assert_true(i < c->n_sets);
	return &c->sets[i];
}

/* The prefixes of the sets a rule side names, compared by content. */
static void same_side(const struct sl_config *a, const uint32_t *as, uint32_t an,
		      const struct sl_config *b, const uint32_t *bs, uint32_t bn)
{
	size_t na = 0, nb = 0;
	uint32_t i;

	for (i = 0; i < an; i++) {
		const struct sl_set *s = set_by_index(a, as[i]);

		na += s->n_prefixes;
		if (!s->anonymous)
			assert_true(sl_config_find_set(b, s->name) >= 0);
	}
	for (i = 0; i < bn; i++)
		nb += set_by_index(b, bs[i])->n_prefixes;
	assert_int_equal(na, nb);
}

static void same_policy(const struct sl_config *a, const struct sl_config *b)
{
	size_t i;

	assert_int_equal(a->default_verdict, b->default_verdict);
	assert_int_equal(a->malformed_policy, b->malformed_policy);
	assert_int_equal(a->non_ip_policy, b->non_ip_policy);
	assert_int_equal(a->frag_policy, b->frag_policy);
	assert_int_equal(a->n_ifaces, b->n_ifaces);
	for (i = 0; i < a->n_ifaces; i++) {
		assert_string_equal(a->ifaces[i].name, b->ifaces[i].name);
		assert_int_equal(a->ifaces[i].mode, b->ifaces[i].mode);
	}
	assert_int_equal(a->n_rules, b->n_rules);
	for (i = 0; i < a->n_rules; i++) {
		const struct sl_rule_cfg *x = &a->rules[i], *y = &b->rules[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->match, y->match);
		assert_int_equal(x->protocol, y->protocol);
		assert_int_equal(x->n_sport, y->n_sport);
		assert_memory_equal(x->sport, y->sport, sizeof(x->sport[0]) * x->n_sport);
		assert_int_equal(x->n_dport, y->n_dport);
		assert_memory_equal(x->dport, y->dport, sizeof(x->dport[0]) * x->n_dport);
		assert_int_equal(x->tcp_flags_mask, y->tcp_flags_mask);
		assert_int_equal(x->tcp_flags_value, y->tcp_flags_value);
		assert_int_equal(x->icmp, y->icmp);
		assert_int_equal(x->vlan, y->vlan);
		assert_string_equal(x->iface, y->iface);
		assert_int_equal(x->action, y->action);
		assert_int_equal(x->log, y->log);
		assert_int_equal(x->log_sample, y->log_sample);
		assert_int_equal(x->log_rate, y->log_rate);
		assert_int_equal(x->capture_len, y->capture_len);
		same_side(a, x->src_sets, x->n_src_sets, b, y->src_sets, y->n_src_sets);
		same_side(a, x->dst_sets, x->n_dst_sets, b, y->dst_sets, y->n_dst_sets);
	}
	for (i = 0; i < a->n_sets; i++) {
		int j;

		if (a->sets[i].anonymous)
			continue;
		j = sl_config_find_set(b, a->sets[i].name);
		assert_true(j >= 0);
		assert_int_equal(a->sets[i].n_prefixes, b->sets[j].n_prefixes);
		assert_memory_equal(a->sets[i].prefixes, b->sets[j].prefixes,
				    sizeof(struct sl_prefix) * a->sets[i].n_prefixes);
	}
}

/* Writes cfg into a fresh directory and loads it back. */
static struct sl_config *round_trip(const struct sl_config *cfg, uint64_t *hash)
{
	char dir[] = "/tmp/sl-policy-write-XXXXXX", path[256];
	struct sl_config *back = NULL;
	struct sl_diag diag = { { 0 } };
	int err;

	assert_non_null(mkdtemp(dir));
	err = sl_policy_write(cfg, dir, hash, &diag);
	if (err)
		fail_msg("write: %s", diag.msg);
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	err = sl_config_load_file(path, &back, &diag);
	if (err)
		fail_msg("load back: %s", diag.msg);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	return back;
}

static void check_file(const char *rel)
{
	struct sl_config *cfg = NULL, *back, *again;
	struct sl_diag diag = { { 0 } };
	char *path = src_path(rel);
	uint64_t h1 = 0, h2 = 0;

	if (sl_config_load_file(path, &cfg, &diag))
		fail_msg("%s: %s", rel, diag.msg);
	back = round_trip(cfg, &h1);
	same_policy(cfg, back);
	assert_true(h1 == sl_policy_hash(cfg));
	assert_true(h1 == sl_policy_hash(back));
	/* Written again, the saved text is the same. */
	again = round_trip(back, &h2);
	assert_true(h1 == h2);
	sl_config_free(again);
	sl_config_free(back);
	sl_config_free(cfg);
	free(path);
}

static void test_configs(void **state)
{
	(void)state;
	check_file("configs/edge-firewall.yaml");
	check_file("configs/lab-allow-all.yaml");
	check_file("tests/data/config/full.yaml");
}

static const char base[] =
	"version: 1\n"
	"settings: {default_policy: accept, fragments: drop}\n"
	"interfaces: [{name: sl-a0}, {name: sl-a1, mode: generic}]\n"
	"sets:\n"
	"  - name: s\n"
	"    prefixes: [198.18.1.0/24, \"2001:db8:1::/48\", 198.18.9.9]\n"
	"rules:\n"
	"  - {name: r1, src: [s, 198.18.7.0/24, \"2001:db8:7::1\"], protocol: tcp, sport: 1024-65535,\n"
	"     dport: [22, 80, 8000-8080], tcp_flags: \"syn,!ack,!rst\", interface: sl-a1, action: drop,\n"
	"     log: {sample: 10, rate_limit: 5}, capture: {snaplen: 64}}\n"
	"  - {name: r2, protocol: icmpv6, icmp_type: nd-neighbor-solicit, vlan: 7, action: accept}\n"
	"  - {name: r3, protocol: icmp, icmp_type: 8, dst: s, action: count, log: true}\n"
	"  - {name: r4, protocol: 47, action: drop}\n";

static uint64_t hash_of(const char *yaml)
{
	struct sl_config *cfg = NULL;
	struct sl_diag diag = { { 0 } };
	uint64_t h;

	if (sl_config_load_buffer(yaml, strlen(yaml), "t.yaml", NULL, &cfg, &diag))
		fail_msg("%s", diag.msg);
	h = sl_policy_hash(cfg);
	sl_config_free(cfg);
	return h;
}

/* Replaces the first "from" in base with "to". */
static uint64_t hash_with(const char *from, const char *to)
{
	char buf[4096];
	const char *at = strstr(base, from);

	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	return hash_of(buf);
}

static void test_every_field(void **state)
{
	struct sl_config *cfg = NULL, *back;
	struct sl_diag diag = { { 0 } };
	uint64_t h, h0;

	(void)state;
	assert_int_equal(sl_config_load_buffer(base, strlen(base), "t.yaml", NULL, &cfg, &diag), 0);
	back = round_trip(cfg, &h);
	same_policy(cfg, back);
	assert_true(h == sl_policy_hash(cfg));
	sl_config_free(back);
	sl_config_free(cfg);

	h0 = hash_of(base);
	assert_true(hash_with("dport: [22, 80", "dport: [23, 80") != h0);
	assert_true(hash_with("198.18.9.9", "198.18.9.8") != h0);
	assert_true(hash_with("action: count", "action: drop") != h0);
	assert_true(hash_with("name: r4", "name: r5") != h0);
	assert_true(hash_with("sample: 10", "sample: 11") != h0);
	assert_true(hash_with("default_policy: accept", "default_policy: drop") != h0);
	/* Interfaces are saved but not hashed: attaching changes no generation. */
	assert_true(hash_with("{name: sl-a0}, ", "{name: sl-a0}, {name: sl-a9}, ") == h0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configs),
		cmocka_unit_test(test_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
