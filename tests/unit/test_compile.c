/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Unit tests of the rule compiler: each dimension alone and combined,
 * rule order and count semantics, nested prefixes across sets, limits,
 * a million-prefix set, and a randomized comparison of the compiled
 * tables (sl_tables_classify) with a direct walk over the config.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "control/compile.h"

#if defined(__SANITIZE_ADDRESS__)
#define SL_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_TEST_ASAN 1
#endif
#endif
#ifndef SL_TEST_ASAN
#define SL_TEST_ASAN 0
#endif

/* ---- building configs by hand (the YAML loader is tested elsewhere) ---- */

static struct sl_config *cfg_new(size_t max_sets, size_t max_rules)
{
	struct sl_config *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->sets = calloc(max_sets + 1, sizeof(*c->sets));
	c->rules = calloc(max_rules + 1, sizeof(*c->rules));
	assert_non_null(c->sets);
	assert_non_null(c->rules);
	c->default_verdict = SL_VERDICT_PASS;
	c->malformed_policy = SL_POLICY_DROP;
	c->non_ip_policy = SL_POLICY_PASS;
	c->frag_policy = SL_POLICY_RULES;
	return c;
}

static void cfg_free(struct sl_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_sets; i++)
		free(c->sets[i].prefixes);
	free(c->sets);
	free(c->rules);
	free(c);
}

static uint32_t add_set(struct sl_config *c, const char *name)
{
	struct sl_set *s = &c->sets[c->n_sets];

	snprintf(s->name, sizeof(s->name), "%s", name);
	return c->n_sets++;
}

static void set_add_raw(struct sl_config *c, uint32_t set, int family, const uint8_t *addr,
			unsigned int len)
{
	struct sl_set *s = &c->sets[set];
	struct sl_prefix *p;

	if (s->n_prefixes == s->cap_prefixes) {
		s->cap_prefixes = s->cap_prefixes ? s->cap_prefixes * 2 : 8;
		s->prefixes = realloc(s->prefixes, s->cap_prefixes * sizeof(*s->prefixes));
		assert_non_null(s->prefixes);
	}
	p = &s->prefixes[s->n_prefixes++];
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = len;
	memcpy(p->addr, addr, family == AF_INET ? 4 : 16);
}

/* Parses "ADDR/LEN" with inet_pton; host bits must already be zero. */
static void set_add(struct sl_config *c, uint32_t set, const char *text)
{
	char buf[64];
	uint8_t addr[16] = { 0 };
	char *slash;
	int family;

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(family, buf, addr), 1);
	set_add_raw(c, set, family, addr, atoi(slash + 1));
}

static struct sl_rule_cfg *add_rule(struct sl_config *c, const char *name, uint32_t action)
{
	struct sl_rule_cfg *r = &c->rules[c->n_rules++];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->action = action;
	r->line = c->n_rules;
	return r;
}

static void rule_src(struct sl_rule_cfg *r, uint32_t set)
{
	r->match |= SL_MATCH_SRC;
	r->src_sets[r->n_src_sets++] = set;
}

static void rule_dst(struct sl_rule_cfg *r, uint32_t set)
{
	r->match |= SL_MATCH_DST;
	r->dst_sets[r->n_dst_sets++] = set;
}

static void rule_proto(struct sl_rule_cfg *r, uint8_t proto)
{
	r->match |= SL_MATCH_PROTO;
	r->protocol = proto;
}

static void rule_dport(struct sl_rule_cfg *r, uint16_t lo, uint16_t hi)
{
	r->match |= SL_MATCH_DPORT;
	r->dport[r->n_dport++] = (struct sl_port_range){ lo, hi };
}

static void rule_sport(struct sl_rule_cfg *r, uint16_t lo, uint16_t hi)
{
	r->match |= SL_MATCH_SPORT;
	r->sport[r->n_sport++] = (struct sl_port_range){ lo, hi };
}

static void rule_flags(struct sl_rule_cfg *r, uint8_t mask, uint8_t value)
{
	r->match |= SL_MATCH_TCP_FLAGS;
	r->tcp_flags_mask = mask;
	r->tcp_flags_value = value;
}

static void rule_icmp(struct sl_rule_cfg *r, uint16_t icmp)
{
	r->match |= SL_MATCH_ICMP;
	r->icmp = icmp;
}

static void rule_vlan(struct sl_rule_cfg *r, uint16_t vlan)
{
	r->match |= SL_MATCH_VLAN;
	r->vlan = vlan;
}

static void rule_iface(struct sl_rule_cfg *r, const char *name)
{
	r->match |= SL_MATCH_IFACE;
	snprintf(r->iface, sizeof(r->iface), "%s", name);
}

/* ---- packets ---- */

static struct sl_match_input pkt(const char *src, const char *dst, uint32_t proto)
{
	struct sl_match_input in = { 0 };

	in.family = strchr(src, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(in.family, src, in.src), 1);
	assert_int_equal(inet_pton(in.family, dst, in.dst), 1);
	in.proto = proto;
	in.sport = SL_PORT_NONE;
	in.dport = SL_PORT_NONE;
	in.tcp_flags = SL_TCP_FLAGS_NONE;
	in.icmp = SL_ICMP_NONE;
	in.vlan = SL_VLAN_NONE;
	return in;
}

static struct sl_match_input tcp(const char *src, const char *dst, uint32_t sport, uint32_t dport,
				 uint32_t flags)
{
	struct sl_match_input in = pkt(src, dst, IPPROTO_TCP);

	in.sport = sport;
	in.dport = dport;
	in.tcp_flags = flags;
	return in;
}

static struct sl_match_input udp(const char *src, const char *dst, uint32_t sport, uint32_t dport)
{
	struct sl_match_input in = pkt(src, dst, IPPROTO_UDP);

	in.sport = sport;
	in.dport = dport;
	return in;
}

static struct sl_match_input icmp4(const char *src, const char *dst, uint32_t type)
{
	struct sl_match_input in = pkt(src, dst, IPPROTO_ICMP);

	in.icmp = type;
	return in;
}

static struct sl_tables *compile_ok(struct sl_config *c)
{
	struct sl_tables *t = NULL;
	struct sl_diag diag = { { 0 } };
	int err = sl_compile(c, &t, &diag);

	if (err)
		fprintf(stderr, "sl_compile: %d %s\n", err, diag.msg);
	assert_int_equal(err, 0);
	assert_non_null(t);
	return t;
}

/* Asserts verdict and deciding rule of one packet. */
#define EXPECT(t, in, verdict, rule_idx)                                       \
	do {                                                                   \
		struct sl_match_input in_ = (in);                              \
		int r_ = -2;                                                   \
		assert_int_equal(sl_tables_classify((t), &in_, &r_), (verdict)); \
		assert_int_equal(r_, (rule_idx));                              \
	} while (0)

/* ---- the naive evaluator: the config's rules in order, no tables ---- */

static bool pfx_contains(const struct sl_prefix *p, int family, const uint8_t *addr)
{
	unsigned int full = p->len / 8, rem = p->len % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full))
		return false;
	if (rem && ((p->addr[full] ^ addr[full]) & (uint8_t)(0xff00 >> rem)))
		return false;
	return true;
}

static bool naive_in_sets(const struct sl_config *c, const uint32_t *sets, uint32_t n, int family,
			  const uint8_t *addr)
{
	uint32_t k;
	size_t i;

	for (k = 0; k < n; k++) {
		const struct sl_set *s = &c->sets[sets[k]];

		for (i = 0; i < s->n_prefixes; i++)
			if (pfx_contains(&s->prefixes[i], family, addr))
				return true;
	}
	return false;
}

static bool naive_in_ranges(const struct sl_port_range *rg, uint32_t n, uint32_t v)
{
	uint32_t k;

	if (v == SL_PORT_NONE)
		return false;
	for (k = 0; k < n; k++)
		if (v >= rg[k].lo && v <= rg[k].hi)
			return true;
	return false;
}

static bool naive_match(const struct sl_config *c, const struct sl_rule_cfg *r,
			const struct sl_match_input *in)
{
	if ((r->match & SL_MATCH_PROTO) && in->proto != r->protocol)
		return false;
	if ((r->match & SL_MATCH_SPORT) && !naive_in_ranges(r->sport, r->n_sport, in->sport))
		return false;
	if ((r->match & SL_MATCH_DPORT) && !naive_in_ranges(r->dport, r->n_dport, in->dport))
		return false;
	if ((r->match & SL_MATCH_TCP_FLAGS) &&
	    (in->tcp_flags == SL_TCP_FLAGS_NONE ||
	     (in->tcp_flags & r->tcp_flags_mask) != r->tcp_flags_value))
		return false;
	if ((r->match & SL_MATCH_ICMP) && (in->icmp == SL_ICMP_NONE || in->icmp != r->icmp))
		return false;
	if ((r->match & SL_MATCH_VLAN) && (in->vlan == SL_VLAN_NONE || in->vlan != r->vlan))
		return false;
	if ((r->match & SL_MATCH_IFACE) && (!in->iface || strcmp(in->iface, r->iface)))
		return false;
	if ((r->match & SL_MATCH_SRC) &&
	    !naive_in_sets(c, r->src_sets, r->n_src_sets, in->family, in->src))
		return false;
	if ((r->match & SL_MATCH_DST) &&
	    !naive_in_sets(c, r->dst_sets, r->n_dst_sets, in->family, in->dst))
		return false;
	return true;
}

static int naive_classify(const struct sl_config *c, const struct sl_match_input *in, int *rule)
{
	size_t i;

	for (i = 0; i < c->n_rules; i++) {
		const struct sl_rule_cfg *r = &c->rules[i];

		if (!naive_match(c, r, in) || r->action == SL_ACT_COUNT)
			continue;
		*rule = i;
		return r->action == SL_ACT_ACCEPT ? SL_VERDICT_PASS : SL_VERDICT_DROP;
	}
	*rule = -1;
	return c->default_verdict;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- tests ---- */

static void test_empty_config(void **state)
{
	struct sl_config *c = cfg_new(0, 0);
	struct sl_tables *t;

	(void)state;
	c->default_verdict = SL_VERDICT_DROP;
	c->malformed_policy = SL_POLICY_PASS;
	c->non_ip_policy = SL_POLICY_DROP;
	c->frag_policy = SL_POLICY_DROP;
	t = compile_ok(c);
	assert_int_equal(t->prog_cfg.dims_used, 0);
	assert_int_equal(t->prog_cfg.rule_words, 0);
	assert_int_equal(t->prog_cfg.n_rules, 0);
	assert_int_equal(t->n_rules, 0);
	assert_int_equal(t->prog_cfg.default_verdict, SL_VERDICT_DROP);
	assert_int_equal(t->prog_cfg.malformed_policy, SL_POLICY_PASS);
	assert_int_equal(t->prog_cfg.non_ip_policy, SL_POLICY_DROP);
	assert_int_equal(t->prog_cfg.frag_policy, SL_POLICY_DROP);
	assert_int_equal(t->prog_cfg.addr_default_class, 0);
	assert_int_equal(t->n_pfx4, 0);
	assert_int_equal(t->n_pfx6, 0);
	assert_int_equal(t->n_ifaces, 0);
	assert_int_equal(t->n_addr_classes, 1);
	/* One class: the empty bitmap of "every one of zero rules". */
	assert_int_equal(t->n_class_bits, 1);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 1, 2, SL_TCP_SYN), SL_VERDICT_DROP, -1);
	sl_tables_free(t);
	sl_tables_free(NULL);
	cfg_free(c);
}

static void test_prog_cfg_and_meta(void **state)
{
	struct sl_config *c = cfg_new(1, 70);
	struct sl_tables *t;
	uint32_t a = add_set(c, "a");
	int i;

	(void)state;
	set_add(c, a, "198.18.0.0/15");
	for (i = 0; i < 65; i++) {
		char name[32];

		snprintf(name, sizeof(name), "r%d", i);
		add_rule(c, name, SL_ACT_COUNT);
	}
	rule_proto(&c->rules[0], IPPROTO_TCP);
	rule_dst(&c->rules[3], a);
	rule_vlan(&c->rules[64], 7);
	/* A name filling the whole field is cut to keep its NUL. */
	memset(c->rules[1].name, 'x', SL_RULE_NAME_LEN);
	t = compile_ok(c);
	assert_int_equal(t->prog_cfg.dims_used,
			 (1u << SL_DIM_PROTO) | (1u << SL_DIM_DST) | (1u << SL_DIM_VLAN));
	assert_int_equal(t->prog_cfg.rule_words, 2);
	assert_int_equal(t->prog_cfg.n_rules, 65);
	assert_int_equal(t->rules[0].action, SL_ACT_COUNT);
	assert_string_equal(t->meta[0].name, "r0");
	assert_string_equal(t->meta[64].name, "r64");
	assert_int_equal(strlen(t->meta[1].name), SL_RULE_NAME_LEN - 1);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_proto(void **state)
{
	struct sl_config *c = cfg_new(0, 2);
	struct sl_tables *t;

	(void)state;
	rule_proto(add_rule(c, "no-udp", SL_ACT_DROP), IPPROTO_UDP);
	t = compile_ok(c);
	assert_int_equal(t->prog_cfg.dims_used, 1u << SL_DIM_PROTO);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 53), SL_VERDICT_DROP, 0);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 5, 53, SL_TCP_SYN), SL_VERDICT_PASS, -1);
	EXPECT(t, udp("2001:db8::1", "2001:db8::2", 5, 53), SL_VERDICT_DROP, 0);
	/* Protocol 0 (IPv6 hop-by-hop never reaches here, but the value exists). */
	EXPECT(t, pkt("198.18.0.1", "198.18.0.2", 0), SL_VERDICT_PASS, -1);
	/* Every protocol value has a class; exactly two bitmaps exist. */
	assert_int_equal(t->field_class[SL_FIELD_BASE_PROTO + IPPROTO_TCP],
			 t->field_class[SL_FIELD_BASE_PROTO + 255]);
	assert_int_not_equal(t->field_class[SL_FIELD_BASE_PROTO + IPPROTO_TCP],
			     t->field_class[SL_FIELD_BASE_PROTO + IPPROTO_UDP]);
	assert_int_equal(t->n_class_bits, 2); /* {} and {0}, which is also "all rules" */
	sl_tables_free(t);
	cfg_free(c);
}

static void test_ports_ranges_and_lists(void **state)
{
	struct sl_config *c = cfg_new(0, 3);
	struct sl_tables *t;
	struct sl_rule_cfg *r;

	(void)state;
	r = add_rule(c, "web", SL_ACT_ACCEPT);
	rule_dport(r, 80, 80);
	rule_dport(r, 1000, 2000);
	rule_dport(r, 1500, 3000); /* overlaps the previous range of the same rule */
	r = add_rule(c, "high-src", SL_ACT_DROP);
	rule_sport(r, 60000, 65535);
	c->default_verdict = SL_VERDICT_DROP;
	t = compile_ok(c);

	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 5, 79, 0), SL_VERDICT_DROP, -1);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 5, 80, 0), SL_VERDICT_PASS, 0);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 5, 81, 0), SL_VERDICT_DROP, -1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 999), SL_VERDICT_DROP, -1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 1000), SL_VERDICT_PASS, 0);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 1499), SL_VERDICT_PASS, 0);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 2000), SL_VERDICT_PASS, 0);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 2001), SL_VERDICT_PASS, 0);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 3000), SL_VERDICT_PASS, 0);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 3001), SL_VERDICT_DROP, -1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 0), SL_VERDICT_DROP, -1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 5, 65535), SL_VERDICT_DROP, -1);
	/* Source ports, up to the last value of the space. */
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 59999, 3001), SL_VERDICT_DROP, -1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 60000, 3001), SL_VERDICT_DROP, 1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 65535, 3001), SL_VERDICT_DROP, 1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 65535, 80), SL_VERDICT_PASS, 0);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_none_values(void **state)
{
	struct sl_config *c = cfg_new(0, 5);
	struct sl_tables *t;
	struct sl_match_input in;

	(void)state;
	rule_dport(add_rule(c, "port", SL_ACT_DROP), 0, 65535);
	rule_flags(add_rule(c, "flags", SL_ACT_DROP), 0, 0); /* any TCP header */
	rule_icmp(add_rule(c, "icmp", SL_ACT_DROP), 8);
	rule_vlan(add_rule(c, "vlan", SL_ACT_DROP), 0);
	t = compile_ok(c);

	/* A port rule covering every port still needs ports. */
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 0), SL_VERDICT_DROP, 0);
	EXPECT(t, icmp4("198.18.0.1", "198.18.0.2", 0), SL_VERDICT_PASS, -1);
	/* Non-first fragment of TCP: no ports, no flags. */
	in = pkt("198.18.0.1", "198.18.0.2", IPPROTO_TCP);
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in.tcp_flags = 0;
	EXPECT(t, in, SL_VERDICT_DROP, 1);
	EXPECT(t, icmp4("198.18.0.1", "198.18.0.2", 8), SL_VERDICT_DROP, 2);
	/* VLAN 0 (priority tag) is not "untagged". */
	in = pkt("198.18.0.1", "198.18.0.2", 250);
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in.vlan = 0;
	EXPECT(t, in, SL_VERDICT_DROP, 3);
	/* Absent values carry only the rules that do not look at the field. */
	assert_true(t->class_bits[t->field_class[SL_FIELD_BASE_DPORT + SL_PORT_NONE]].w[0] == 0xe);
	assert_true(t->class_bits[t->field_class[SL_FIELD_BASE_TCP_FLAGS + SL_TCP_FLAGS_NONE]]
			    .w[0] == 0xd);
	assert_true(t->class_bits[t->field_class[SL_FIELD_BASE_ICMP + SL_ICMP_NONE]].w[0] == 0xb);
	assert_true(t->class_bits[t->field_class[SL_FIELD_BASE_VLAN + SL_VLAN_NONE]].w[0] == 0x7);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_tcp_flags(void **state)
{
	struct sl_config *c = cfg_new(0, 2);
	struct sl_tables *t;

	(void)state;
	/* A SYN without ACK: new connections. */
	rule_flags(add_rule(c, "syn", SL_ACT_DROP), SL_TCP_SYN | SL_TCP_ACK, SL_TCP_SYN);
	/* value outside mask: can never match */
	rule_flags(add_rule(c, "never", SL_ACT_DROP), SL_TCP_FIN, SL_TCP_RST);
	t = compile_ok(c);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 1, 2, SL_TCP_SYN), SL_VERDICT_DROP, 0);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 1, 2, SL_TCP_SYN | SL_TCP_PSH), SL_VERDICT_DROP,
	       0);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 1, 2, SL_TCP_SYN | SL_TCP_ACK), SL_VERDICT_PASS,
	       -1);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 1, 2, SL_TCP_ACK), SL_VERDICT_PASS, -1);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 1, 2, SL_TCP_RST), SL_VERDICT_PASS, -1);
	EXPECT(t, tcp("198.18.0.1", "198.18.0.2", 1, 2, SL_TCP_RST | SL_TCP_FIN), SL_VERDICT_PASS,
	       -1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 2), SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_icmp(void **state)
{
	struct sl_config *c = cfg_new(0, 2);
	struct sl_tables *t;
	struct sl_match_input in;

	(void)state;
	rule_icmp(add_rule(c, "echo4", SL_ACT_ACCEPT), 8);
	rule_icmp(add_rule(c, "echo6", SL_ACT_ACCEPT), SL_ICMP6_BASE + 128);
	c->default_verdict = SL_VERDICT_DROP;
	t = compile_ok(c);
	EXPECT(t, icmp4("198.18.0.1", "198.18.0.2", 8), SL_VERDICT_PASS, 0);
	EXPECT(t, icmp4("198.18.0.1", "198.18.0.2", 0), SL_VERDICT_DROP, -1);
	/* ICMP type 128 is not ICMPv6 echo. */
	EXPECT(t, icmp4("198.18.0.1", "198.18.0.2", 128), SL_VERDICT_DROP, -1);
	in = pkt("2001:db8::1", "2001:db8::2", IPPROTO_ICMPV6);
	in.icmp = SL_ICMP6_BASE + 128;
	EXPECT(t, in, SL_VERDICT_PASS, 1);
	in.icmp = SL_ICMP6_BASE + 8;
	EXPECT(t, in, SL_VERDICT_DROP, -1);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_vlan(void **state)
{
	struct sl_config *c = cfg_new(0, 2);
	struct sl_tables *t;
	struct sl_match_input in = udp("198.18.0.1", "198.18.0.2", 1, 2);

	(void)state;
	rule_vlan(add_rule(c, "mgmt", SL_ACT_ACCEPT), 100);
	rule_vlan(add_rule(c, "top", SL_ACT_DROP), 4095);
	t = compile_ok(c);
	in.vlan = 100;
	EXPECT(t, in, SL_VERDICT_PASS, 0);
	in.vlan = 101;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in.vlan = 4095;
	EXPECT(t, in, SL_VERDICT_DROP, 1);
	in.vlan = SL_VLAN_NONE;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_iface(void **state)
{
	struct sl_config *c = cfg_new(0, 4);
	struct sl_tables *t;
	struct sl_match_input in = tcp("198.18.0.1", "198.18.0.2", 1, 22, SL_TCP_SYN);
	struct sl_rule_cfg *r;
	size_t i;

	(void)state;
	r = add_rule(c, "ssh-wan", SL_ACT_DROP);
	rule_iface(r, "wan0");
	rule_dport(r, 22, 22);
	rule_iface(add_rule(c, "lan-all", SL_ACT_ACCEPT), "lan0");
	rule_proto(add_rule(c, "udp", SL_ACT_DROP), IPPROTO_UDP);
	r = add_rule(c, "wan-udp-53", SL_ACT_ACCEPT);
	rule_iface(r, "wan0");
	t = compile_ok(c);
	assert_int_equal(t->n_ifaces, 2);
	for (i = 0; i < t->n_ifaces; i++) {
		const struct sl_rule_bits *b = &t->class_bits[t->ifaces[i].class_id];

		if (!strcmp(t->ifaces[i].name, "wan0"))
			assert_true(b->w[0] == 0xd); /* rules 0, 2, 3 */
		else if (!strcmp(t->ifaces[i].name, "lan0"))
			assert_true(b->w[0] == 0x6); /* rules 1, 2 */
		else
			fail();
	}
	assert_true(t->class_bits[t->prog_cfg.iface_default_class].w[0] == 0x4);

	in.iface = "wan0";
	EXPECT(t, in, SL_VERDICT_DROP, 0);
	in.dport = 23;
	EXPECT(t, in, SL_VERDICT_PASS, 3);
	in.iface = "lan0";
	EXPECT(t, in, SL_VERDICT_PASS, 1);
	in.iface = "other";
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in.iface = NULL;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = udp("198.18.0.1", "198.18.0.2", 1, 53);
	in.iface = "other";
	EXPECT(t, in, SL_VERDICT_DROP, 2);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_src_dst_sets(void **state)
{
	struct sl_config *c = cfg_new(2, 3);
	struct sl_tables *t;
	uint32_t bad = add_set(c, "bad"), srv = add_set(c, "servers");
	struct sl_rule_cfg *r;

	(void)state;
	set_add(c, bad, "198.18.66.0/24");
	set_add(c, bad, "198.18.77.7/32");
	set_add(c, srv, "198.19.1.0/24");
	rule_src(add_rule(c, "block", SL_ACT_DROP), bad);
	r = add_rule(c, "to-servers", SL_ACT_ACCEPT);
	rule_dst(r, srv);
	c->default_verdict = SL_VERDICT_DROP;
	t = compile_ok(c);
	assert_int_equal(t->n_pfx4, 3);
	assert_int_equal(t->prog_cfg.addr_default_class, 0);
	EXPECT(t, udp("198.18.66.9", "198.19.1.1", 1, 2), SL_VERDICT_DROP, 0);
	EXPECT(t, udp("198.18.77.7", "198.19.1.1", 1, 2), SL_VERDICT_DROP, 0);
	EXPECT(t, udp("198.18.77.8", "198.19.1.1", 1, 2), SL_VERDICT_PASS, 1);
	EXPECT(t, udp("198.18.77.8", "198.19.2.1", 1, 2), SL_VERDICT_DROP, -1);
	/* The source set does not apply to the destination. */
	EXPECT(t, udp("198.19.1.1", "198.18.66.9", 1, 2), SL_VERDICT_DROP, -1);
	/* IPv4 sets never match IPv6 packets. */
	EXPECT(t, udp("2001:db8::1", "2001:db8::2", 1, 2), SL_VERDICT_DROP, -1);
	sl_tables_free(t);
	cfg_free(c);
}

/* 10/8 in A, 10.1/16 in B: 10.1.x is in both, and the trie returns only /16. */
static void test_nested_prefixes(void **state)
{
	struct sl_config *c = cfg_new(5, 4);
	struct sl_tables *t;
	uint32_t a = add_set(c, "A"), b = add_set(c, "B");
	struct sl_rule_cfg *r;

	(void)state;
	set_add(c, a, "10.0.0.0/8");
	set_add(c, b, "10.1.0.0/16");
	r = add_rule(c, "a-ssh", SL_ACT_ACCEPT);
	rule_src(r, a);
	rule_dport(r, 22, 22);
	rule_src(add_rule(c, "b-drop", SL_ACT_DROP), b);
	rule_src(add_rule(c, "a-web", SL_ACT_ACCEPT), a);
	c->default_verdict = SL_VERDICT_DROP;
	t = compile_ok(c);
	EXPECT(t, tcp("10.1.2.3", "198.18.0.1", 1, 22, 0), SL_VERDICT_PASS, 0);
	EXPECT(t, tcp("10.1.2.3", "198.18.0.1", 1, 80, 0), SL_VERDICT_DROP, 1);
	EXPECT(t, tcp("10.2.0.1", "198.18.0.1", 1, 80, 0), SL_VERDICT_PASS, 2);
	EXPECT(t, tcp("11.1.2.3", "198.18.0.1", 1, 80, 0), SL_VERDICT_DROP, -1);
	sl_tables_free(t);
	cfg_free(c);

	/* A deeper tree: siblings after a nested child must pop the stack. */
	c = cfg_new(5, 5);
	a = add_set(c, "A");
	b = add_set(c, "B");
	uint32_t cc = add_set(c, "C"), d = add_set(c, "D"), e = add_set(c, "E");
	set_add(c, a, "10.0.0.0/8");
	set_add(c, b, "10.1.0.0/16");
	set_add(c, cc, "10.1.1.0/24");
	set_add(c, d, "10.2.0.0/16");
	set_add(c, e, "11.0.0.0/8");
	set_add(c, e, "10.1.1.128/25"); /* E inside C inside B inside A */
	set_add(c, a, "10.1.0.0/16");   /* the same prefix in two sets */
	rule_src(add_rule(c, "c", SL_ACT_COUNT), cc);
	rule_src(add_rule(c, "e", SL_ACT_DROP), e);
	rule_src(add_rule(c, "d", SL_ACT_DROP), d);
	rule_src(add_rule(c, "b", SL_ACT_ACCEPT), b);
	rule_src(add_rule(c, "a", SL_ACT_DROP), a);
	t = compile_ok(c);
	assert_int_equal(t->n_pfx4, 6);
	EXPECT(t, udp("10.1.1.200", "1.1.1.1", 1, 2), SL_VERDICT_DROP, 1);
	EXPECT(t, udp("10.1.1.1", "1.1.1.1", 1, 2), SL_VERDICT_PASS, 3);
	EXPECT(t, udp("10.1.2.1", "1.1.1.1", 1, 2), SL_VERDICT_PASS, 3);
	EXPECT(t, udp("10.2.2.1", "1.1.1.1", 1, 2), SL_VERDICT_DROP, 2);
	EXPECT(t, udp("10.3.2.1", "1.1.1.1", 1, 2), SL_VERDICT_DROP, 4);
	EXPECT(t, udp("11.3.2.1", "1.1.1.1", 1, 2), SL_VERDICT_DROP, 1);
	EXPECT(t, udp("12.3.2.1", "1.1.1.1", 1, 2), SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_ipv6(void **state)
{
	struct sl_config *c = cfg_new(3, 4);
	struct sl_tables *t;
	uint32_t net = add_set(c, "net"), lab = add_set(c, "lab"), all = add_set(c, "all");
	struct sl_rule_cfg *r;

	(void)state;
	set_add(c, net, "2001:db8::/32");
	set_add(c, net, "198.18.0.0/15"); /* a set may mix families */
	set_add(c, lab, "2001:db8:1::/48");
	set_add(c, lab, "2001:db8:1:2::5/128");
	set_add(c, all, "::/0");
	r = add_rule(c, "lab-in", SL_ACT_DROP);
	rule_dst(r, lab);
	r = add_rule(c, "net-out", SL_ACT_ACCEPT);
	rule_src(r, net);
	r = add_rule(c, "v6-rest", SL_ACT_DROP);
	rule_src(r, all);
	c->default_verdict = SL_VERDICT_PASS;
	t = compile_ok(c);
	assert_int_equal(t->n_pfx6, 4);
	assert_int_equal(t->n_pfx4, 1);
	EXPECT(t, udp("2001:db8:5::1", "2001:db8:1:2::5", 1, 2), SL_VERDICT_DROP, 0);
	EXPECT(t, udp("2001:db8:5::1", "2001:db8:1:ffff::1", 1, 2), SL_VERDICT_DROP, 0);
	EXPECT(t, udp("2001:db8:5::1", "2001:db8:2::1", 1, 2), SL_VERDICT_PASS, 1);
	EXPECT(t, udp("2001:db9::1", "2001:db8:2::1", 1, 2), SL_VERDICT_DROP, 2);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 2), SL_VERDICT_PASS, 1);
	/* ::/0 is IPv6 only. */
	EXPECT(t, udp("192.0.2.1", "198.18.0.2", 1, 2), SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_order_and_count(void **state)
{
	struct sl_config *c = cfg_new(0, 200);
	struct sl_tables *t;
	int i;

	(void)state;
	rule_dport(add_rule(c, "count-80", SL_ACT_COUNT), 80, 80);
	rule_dport(add_rule(c, "count-all", SL_ACT_COUNT), 0, 65535);
	rule_dport(add_rule(c, "accept-80", SL_ACT_ACCEPT), 80, 80);
	rule_dport(add_rule(c, "drop-80", SL_ACT_DROP), 80, 80); /* shadowed */
	rule_dport(add_rule(c, "drop-81", SL_ACT_DROP), 81, 81);
	rule_dport(add_rule(c, "accept-81", SL_ACT_ACCEPT), 81, 81);
	/* Deciding rules in the second and third bitmap words. */
	for (i = 6; i < 130; i++)
		rule_proto(add_rule(c, "filler", SL_ACT_COUNT), 99);
	rule_dport(add_rule(c, "accept-90", SL_ACT_ACCEPT), 90, 90);
	c->default_verdict = SL_VERDICT_DROP;
	t = compile_ok(c);
	assert_int_equal(t->prog_cfg.rule_words, 3);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 80), SL_VERDICT_PASS, 2);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 81), SL_VERDICT_DROP, 4);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 82), SL_VERDICT_DROP, -1);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 90), SL_VERDICT_PASS, 130);
	/* Only count rules match: the default decides. */
	c->default_verdict = SL_VERDICT_PASS;
	sl_tables_free(t);
	t = compile_ok(c);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 82), SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

static void test_combined(void **state)
{
	struct sl_config *c = cfg_new(2, 2);
	struct sl_tables *t;
	uint32_t src = add_set(c, "src"), dst = add_set(c, "dst");
	struct sl_rule_cfg *r;
	struct sl_match_input in, base;

	(void)state;
	set_add(c, src, "198.18.0.0/24");
	set_add(c, dst, "198.19.0.0/24");
	r = add_rule(c, "everything", SL_ACT_DROP);
	rule_src(r, src);
	rule_dst(r, dst);
	rule_proto(r, IPPROTO_TCP);
	rule_sport(r, 1024, 65535);
	rule_dport(r, 443, 443);
	rule_flags(r, SL_TCP_SYN | SL_TCP_ACK, SL_TCP_SYN);
	rule_vlan(r, 10);
	rule_iface(r, "wan0");
	c->default_verdict = SL_VERDICT_PASS;
	t = compile_ok(c);
	assert_int_equal(t->prog_cfg.dims_used,
			 (1u << SL_DIM_COUNT) - 1 - (1u << SL_DIM_ICMP));
	base = tcp("198.18.0.5", "198.19.0.5", 40000, 443, SL_TCP_SYN);
	base.vlan = 10;
	base.iface = "wan0";
	EXPECT(t, base, SL_VERDICT_DROP, 0);
	/* Each field alone can spoil the match. */
	in = base;
	inet_pton(AF_INET, "198.18.1.5", in.src);
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = base;
	inet_pton(AF_INET, "198.18.0.5", in.dst);
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = base;
	in.proto = IPPROTO_UDP;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = base;
	in.sport = 1023;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = base;
	in.dport = 444;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = base;
	in.tcp_flags = SL_TCP_SYN | SL_TCP_ACK;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = base;
	in.vlan = 11;
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	in = base;
	in.iface = "lan0";
	EXPECT(t, in, SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

/* 1,000 rules on distinct ports: one class per port plus two shared ones. */
static void test_dedup_classes(void **state)
{
	struct sl_config *c = cfg_new(0, 1000);
	struct sl_tables *t;
	double t0, dt;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		rule_dport(add_rule(c, "p", i % 2 ? SL_ACT_DROP : SL_ACT_ACCEPT), 1000 + i, 1000 + i);
	t0 = now_s();
	t = compile_ok(c);
	dt = now_s() - t0;
	printf("# 1000 port rules compiled in %.1f ms, %u classes\n", dt * 1e3, t->n_class_bits);
	/* 1000 single-rule bitmaps, the empty one (other ports, no ports) and
	 * the all-rules one every unused dimension points to. */
	assert_int_equal(t->n_class_bits, 1002);
	assert_int_equal(t->n_addr_classes, 1);
	assert_true(dt < 1.0);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 1000), SL_VERDICT_PASS, 0);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 1999), SL_VERDICT_DROP, 999);
	EXPECT(t, udp("198.18.0.1", "198.18.0.2", 1, 2000), SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

static void expect_e2big(struct sl_config *c, const char *needle)
{
	struct sl_tables *t = (void *)1;
	struct sl_diag diag = { { 0 } };

	assert_int_equal(sl_compile(c, &t, &diag), -E2BIG);
	assert_null(t);
	if (!strstr(diag.msg, needle))
		fail_msg("diag \"%s\" lacks \"%s\"", diag.msg, needle);
}

static void test_limits(void **state)
{
	struct sl_config *c;
	struct sl_diag diag;
	struct sl_tables *t;
	unsigned int seed = 1;
	int i, k;

	(void)state;
	/* Rules. */
	c = cfg_new(0, SL_MAX_RULES + 1);
	for (i = 0; i < SL_MAX_RULES; i++)
		add_rule(c, "r", SL_ACT_ACCEPT);
	t = compile_ok(c);
	assert_int_equal(t->prog_cfg.rule_words, SL_RULE_WORDS);
	sl_tables_free(t);
	add_rule(c, "one-too-many", SL_ACT_ACCEPT);
	expect_e2big(c, "config: too many rules");
	c->path = "fw.yaml";
	expect_e2big(c, "fw.yaml: too many rules");
	cfg_free(c);

	/* Interfaces. */
	c = cfg_new(0, SL_MAX_IFACE_CLASSES + 1);
	for (i = 0; i <= SL_MAX_IFACE_CLASSES; i++) {
		char name[IF_NAMESIZE];

		snprintf(name, sizeof(name), "sl%d", i);
		rule_iface(add_rule(c, "r", SL_ACT_ACCEPT), name);
	}
	expect_e2big(c, "too many interfaces");
	c->n_rules--;
	t = compile_ok(c);
	assert_int_equal(t->n_ifaces, SL_MAX_IFACE_CLASSES);
	sl_tables_free(t);
	cfg_free(c);

	/* Bitmap classes: 16k short random port ranges overlap ~8 deep and
	 * cut the port space into ~25k intervals, nearly all with their own
	 * set of rules. */
	c = cfg_new(0, SL_MAX_RULES);
	for (i = 0; i < SL_MAX_RULES; i++) {
		struct sl_rule_cfg *r = add_rule(c, "r", SL_ACT_DROP);

		for (k = 0; k < SL_RULE_MAX_PORTS; k++) {
			uint16_t lo = rand_r(&seed) % (65536 - 64);
			uint16_t hi = lo + rand_r(&seed) % 64;

			rule_dport(r, lo, hi);
		}
	}
	expect_e2big(c, "too many distinct rule classes");
	cfg_free(c);

	/* Address classes: 7 source sets and 8 destination sets, every one of
	 * the 2^15 combinations of them on its own host: 128 x 256 pairs of
	 * bitmaps, far fewer bitmaps than pairs. */
	c = cfg_new(15, 15);
	for (i = 0; i < 15; i++) {
		add_set(c, "s");
		if (i < 7)
			rule_src(add_rule(c, "src", SL_ACT_DROP), i);
		else
			rule_dst(add_rule(c, "dst", SL_ACT_DROP), i);
	}
	for (k = 1; k < 1 << 15; k++) {
		uint8_t addr[4] = { 10, k >> 8, k & 0xff, 1 };

		for (i = 0; i < 15; i++)
			if (k & (1 << i))
				set_add_raw(c, i, AF_INET, addr, 32);
	}
	expect_e2big(c, "too many address classes");
	/* Half of the destination sets keep it under the limit. */
	c->n_rules = 11;
	t = compile_ok(c);
	assert_int_equal(t->n_addr_classes, 128 * 16);
	sl_tables_free(t);
	cfg_free(c);

	/* A broken config (the loader prevents these) is refused, not read past. */
	c = cfg_new(1, 1);
	rule_src(add_rule(c, "r", SL_ACT_DROP), 3);
	assert_int_equal(sl_compile(c, &t, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "undefined set"));
	c->rules[0].match = 0;
	rule_dport(&c->rules[0], 10, 9);
	assert_int_equal(sl_compile(c, &t, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "out of order"));
	cfg_free(c);
}

static uint32_t perm20(uint32_t i)
{
	/* An odd multiplier is a bijection modulo 2^20: distinct, shuffled. */
	return (i * 2654435761u) & ((1u << 20) - 1);
}

static void test_million_prefixes(void **state)
{
	const uint32_t n = 1000000;
	struct sl_config *c = cfg_new(2, 2);
	struct sl_tables *t;
	uint32_t blk = add_set(c, "blocklist"), wide = add_set(c, "wide");
	struct sl_set *s = &c->sets[blk];
	struct sl_match_input in;
	double t0, dt;
	uint32_t i;

	(void)state;
	s->prefixes = calloc(n, sizeof(*s->prefixes));
	assert_non_null(s->prefixes);
	s->cap_prefixes = n;
	for (i = 0; i < n; i++) {
		uint32_t a = (16u << 24) + (perm20(i) << 8);
		struct sl_prefix *p = &s->prefixes[s->n_prefixes++];

		p->family = AF_INET;
		p->len = 24;
		p->addr[0] = a >> 24;
		p->addr[1] = a >> 16;
		p->addr[2] = a >> 8;
	}
	set_add(c, wide, "16.0.0.0/8");
	set_add(c, wide, "2001:db8::/32");
	rule_src(add_rule(c, "blocklist", SL_ACT_DROP), blk);
	rule_src(add_rule(c, "wide", SL_ACT_ACCEPT), wide);
	c->default_verdict = SL_VERDICT_PASS;

	t0 = now_s();
	t = compile_ok(c);
	dt = now_s() - t0;
	printf("# %u prefixes compiled in %.3f s%s\n", n, dt, SL_TEST_ASAN ? " (ASan)" : "");
	assert_true(dt < 3.0);
	/* Adjacent /24s of one class are merged into their parents (aggregate). */
	assert_true(t->n_pfx4 < n);
	assert_int_equal(t->n_pfx6, 1);
	/* {}, {blocklist}, {wide}, {blocklist, wide}. */
	assert_int_equal(t->n_addr_classes, 4);
	for (i = 1; i < t->n_pfx4; i++)
		assert_true(memcmp(t->pfx4[i - 1].key.addr, t->pfx4[i].key.addr, 4) <= 0);

	for (i = 0; i < 2000; i += 97) {
		/* In the blocklist. */
		uint32_t v = perm20(i), a = (16u << 24) + (v << 8) + 77;
		char buf[INET_ADDRSTRLEN];
		struct in_addr ia = { htonl(a) };

		inet_ntop(AF_INET, &ia, buf, sizeof(buf));
		EXPECT(t, udp(buf, "198.18.0.1", 1, 2), SL_VERDICT_DROP, 0);
		/* Not in the blocklist: the wide set when inside 16/8. */
		v = perm20(n + i);
		a = (16u << 24) + (v << 8) + 77;
		ia.s_addr = htonl(a);
		inet_ntop(AF_INET, &ia, buf, sizeof(buf));
		in = udp(buf, "198.18.0.1", 1, 2);
		if (v < (1u << 16))
			EXPECT(t, in, SL_VERDICT_PASS, 1);
		else
			EXPECT(t, in, SL_VERDICT_PASS, -1);
	}
	EXPECT(t, udp("2001:db8::1", "2001:db8::2", 1, 2), SL_VERDICT_PASS, 1);
	EXPECT(t, udp("200.1.1.1", "198.18.0.1", 1, 2), SL_VERDICT_PASS, -1);
	sl_tables_free(t);
	cfg_free(c);
}

/* ---- randomized differential test ---- */

static uint32_t rnd(unsigned int *seed, uint32_t n)
{
	return ((uint32_t)rand_r(seed) << 15 ^ (uint32_t)rand_r(seed)) % n;
}

static const uint16_t port_pool[] = { 0, 1, 21, 22, 23, 53, 79, 80, 81, 443, 1000, 1001, 1023,
				      1024, 8080, 65534, 65535 };
static const uint8_t proto_pool[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
				      47, 132 };
static const uint16_t icmp_pool[] = { 0, 3, 8, 11, SL_ICMP6_BASE + 1, SL_ICMP6_BASE + 128,
				      SL_ICMP6_BASE + 135 };
static const uint16_t vlan_pool[] = { 0, 1, 100, 4095 };
static const char *const iface_pool[] = { "wan0", "lan0", "sl9" };

#define PICK(seed, pool) (pool)[rnd((seed), sizeof(pool) / sizeof((pool)[0]))]

/* Addresses and prefixes from a small space, so they nest and collide. */
static void rnd_addr(unsigned int *seed, int family, uint8_t *a)
{
	memset(a, 0, 16);
	if (family == AF_INET) {
		a[0] = 10 + rnd(seed, 2);
		a[1] = rnd(seed, 3);
		a[2] = rnd(seed, 4);
		a[3] = rnd(seed, 4) * 64 + rnd(seed, 64);
	} else {
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8 + rnd(seed, 2);
		a[5] = rnd(seed, 3);
		a[7] = rnd(seed, 3);
		a[15] = rnd(seed, 4);
	}
}

static void rnd_prefix(unsigned int *seed, struct sl_config *c, uint32_t set)
{
	static const uint8_t len4[] = { 0, 7, 8, 16, 23, 24, 26, 32 };
	static const uint8_t len6[] = { 0, 31, 32, 48, 64, 127, 128 };
	int family = rnd(seed, 3) ? AF_INET : AF_INET6;
	uint8_t a[16];
	unsigned int len = family == AF_INET ? PICK(seed, len4) : PICK(seed, len6), b;

	rnd_addr(seed, family, a);
	for (b = len; b < 128; b++)
		a[b / 8] &= ~(0x80 >> (b % 8));
	set_add_raw(c, set, family, a, len);
}

static void rnd_ranges(unsigned int *seed, struct sl_port_range *rg, uint32_t *n)
{
	uint32_t k, cnt = 1 + rnd(seed, 3);

	for (k = 0; k < cnt; k++) {
		uint16_t x = PICK(seed, port_pool), y = PICK(seed, port_pool);

		if (rnd(seed, 3) == 0)
			y = x;
		rg[k].lo = x < y ? x : y;
		rg[k].hi = x < y ? y : x;
	}
	*n = cnt;
}

static void rnd_rule(unsigned int *seed, struct sl_config *c)
{
	struct sl_rule_cfg *r = add_rule(c, "rnd", rnd(seed, 3));
	uint32_t k;

	/* Few fields per rule, so that rules do match. */
	if (rnd(seed, 4) == 0)
		rule_proto(r, PICK(seed, proto_pool));
	if (rnd(seed, 6) == 0) {
		r->match |= SL_MATCH_SPORT;
		rnd_ranges(seed, r->sport, &r->n_sport);
	}
	if (rnd(seed, 4) == 0) {
		r->match |= SL_MATCH_DPORT;
		rnd_ranges(seed, r->dport, &r->n_dport);
	}
	if (rnd(seed, 8) == 0) {
		uint8_t mask = rnd(seed, 256);

		rule_flags(r, mask, rnd(seed, 8) ? (rnd(seed, 256) & mask) : rnd(seed, 256));
	}
	if (rnd(seed, 8) == 0)
		rule_icmp(r, PICK(seed, icmp_pool));
	if (rnd(seed, 8) == 0)
		rule_vlan(r, PICK(seed, vlan_pool));
	if (rnd(seed, 8) == 0)
		rule_iface(r, PICK(seed, iface_pool));
	if (c->n_sets && rnd(seed, 3) == 0) {
		for (k = 1 + rnd(seed, 3); k; k--)
			rule_src(r, rnd(seed, c->n_sets));
	}
	if (c->n_sets && rnd(seed, 3) == 0) {
		for (k = 1 + rnd(seed, 3); k; k--)
			rule_dst(r, rnd(seed, c->n_sets));
	}
}

static struct sl_match_input rnd_packet(unsigned int *seed)
{
	struct sl_match_input in = { 0 };
	uint32_t j;

	in.family = rnd(seed, 3) ? AF_INET : AF_INET6;
	rnd_addr(seed, in.family, in.src);
	rnd_addr(seed, in.family, in.dst);
	in.proto = rnd(seed, 8) ? PICK(seed, proto_pool) : rnd(seed, 256);
	in.sport = in.dport = SL_PORT_NONE;
	in.tcp_flags = SL_TCP_FLAGS_NONE;
	in.icmp = SL_ICMP_NONE;
	if (in.proto == IPPROTO_TCP || in.proto == IPPROTO_UDP) {
		/* A non-first fragment has no ports. */
		if (rnd(seed, 10)) {
			j = rnd(seed, 3);
			in.sport = j == 0 ? rnd(seed, 65536) : PICK(seed, port_pool);
			j = rnd(seed, 3);
			in.dport = j == 0 ? rnd(seed, 65536) : PICK(seed, port_pool);
			if (in.proto == IPPROTO_TCP)
				in.tcp_flags = rnd(seed, 256);
		}
	} else if (in.proto == IPPROTO_ICMP) {
		in.icmp = rnd(seed, 2) ? PICK(seed, icmp_pool) % SL_ICMP6_BASE : rnd(seed, 256);
	} else if (in.proto == IPPROTO_ICMPV6) {
		in.icmp = SL_ICMP6_BASE + (rnd(seed, 2) ? PICK(seed, icmp_pool) % SL_ICMP6_BASE
							: rnd(seed, 256));
	}
	in.vlan = rnd(seed, 2) ? SL_VLAN_NONE : PICK(seed, vlan_pool);
	j = rnd(seed, 4);
	in.iface = j == 3 ? NULL : iface_pool[j];
	return in;
}

static void test_random_differential(void **state)
{
	unsigned int seed = 20240601;
	int round, p;
	unsigned long packets = 0, decided = 0;

	(void)state;
	for (round = 0; round < 120; round++) {
		uint32_t n_sets = rnd(&seed, 7), n_rules, s, k;
		struct sl_config *c;
		struct sl_tables *t;

		n_rules = round % 10 == 9 ? 60 + rnd(&seed, 300) : 1 + rnd(&seed, 40);
		c = cfg_new(n_sets, n_rules);
		for (s = 0; s < n_sets; s++) {
			add_set(c, "set");
			for (k = rnd(&seed, 10); k; k--)
				rnd_prefix(&seed, c, s);
		}
		for (k = 0; k < n_rules; k++)
			rnd_rule(&seed, c);
		c->default_verdict = rnd(&seed, 2) ? SL_VERDICT_PASS : SL_VERDICT_DROP;
		t = compile_ok(c);
		for (p = 0; p < 400; p++) {
			struct sl_match_input in = rnd_packet(&seed);
			int r1 = -2, r2 = -2, v1, v2;

			v1 = sl_tables_classify(t, &in, &r1);
			v2 = naive_classify(c, &in, &r2);
			if (v1 != v2 || r1 != r2)
				fail_msg("round %d packet %d: tables %d/%d, naive %d/%d", round, p,
					 v1, r1, v2, r2);
			packets++;
			decided += r2 >= 0;
		}
		sl_tables_free(t);
		cfg_free(c);
	}
	printf("# %lu random packets agree, %lu decided by a rule\n", packets, decided);
	/* The generator must exercise rules, not only the default. */
	assert_true(decided > packets / 4);
}

/*
 * Dense random prefixes in a small space, so that siblings, parents of
 * siblings and holes are common: the compiled tables (where siblings of
 * one class are merged into their parent) classify every address of the
 * space as the naive evaluator does, and the merge did shrink them. A
 * merge that took a parent's entry for a sibling's, or merged siblings of
 * different classes, answers differently for some address.
 */
static void test_aggregated_prefixes(void **state)
{
	unsigned int seed = 4242;
	int round;

	(void)state;
	for (round = 0; round < 40; round++) {
		struct sl_config *c = cfg_new(3, 3);
		uint32_t set[3], k, i, a, n;
		size_t given = 0;
		struct sl_tables *t;

		for (k = 0; k < 3; k++) {
			char name[8];

			snprintf(name, sizeof(name), "s%u", k);
			set[k] = add_set(c, name);
		}
		/* 10.0.0.0/23 and 2001:db8::/119: 512 addresses each. */
		n = 100 + rnd(&seed, 200);
		for (i = 0; i < n; i++) {
			/* Mostly long: the sets must not all cover the whole space. */
			uint32_t len = 26 + rnd(&seed, 7), v = rnd(&seed, 512);
			uint8_t a4[4], a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

			v &= ~((1u << (32 - len)) - 1) & 511;
			a4[0] = 10;
			a4[1] = 0;
			a4[2] = (uint8_t)(v >> 8);
			a4[3] = (uint8_t)v;
			k = rnd(&seed, 3);
			set_add_raw(c, set[k], AF_INET, a4, len);
			a6[14] = (uint8_t)(v >> 8);
			a6[15] = (uint8_t)v;
			set_add_raw(c, set[rnd(&seed, 3)], AF_INET6, a6, len + 96);
			given += 2;
		}
		rule_src(add_rule(c, "r0", SL_ACT_COUNT), set[0]);
		rule_src(add_rule(c, "r1", SL_ACT_DROP), set[1]);
		rule_src(add_rule(c, "r2", SL_ACT_ACCEPT), set[2]);
		c->default_verdict = SL_VERDICT_PASS;
		t = compile_ok(c);
		assert_true(t->n_pfx4 + t->n_pfx6 < given);
		assert_true(t->n_addr_classes >= 4);
		for (a = 0; a < 1024; a++) {
			struct sl_match_input in;
			int v1, v2, r1, r2;

			memset(&in, 0, sizeof(in));
			in.family = a < 512 ? AF_INET : AF_INET6;
			if (in.family == AF_INET) {
				in.src[0] = 10;
				in.src[2] = (uint8_t)(a >> 8);
				in.src[3] = (uint8_t)a;
			} else {
				in.src[0] = 0x20;
				in.src[1] = 0x01;
				in.src[2] = 0x0d;
				in.src[3] = 0xb8;
				in.src[14] = (uint8_t)((a - 512) >> 8);
				in.src[15] = (uint8_t)(a - 512);
			}
			in.proto = IPPROTO_UDP;
			in.sport = in.dport = 1;
			in.tcp_flags = SL_TCP_FLAGS_NONE;
			in.icmp = SL_ICMP_NONE;
			in.vlan = SL_VLAN_NONE;
			v1 = sl_tables_classify(t, &in, &r1);
			v2 = naive_classify(c, &in, &r2);
			if (v1 != v2 || r1 != r2)
				fail_msg("round %d address %u: tables %d/%d, naive %d/%d", round, a, v1,
					 r1, v2, r2);
		}
		sl_tables_free(t);
		cfg_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_config),
		cmocka_unit_test(test_prog_cfg_and_meta),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_ports_ranges_and_lists),
		cmocka_unit_test(test_none_values),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_iface),
		cmocka_unit_test(test_src_dst_sets),
		cmocka_unit_test(test_nested_prefixes),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_order_and_count),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_dedup_classes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_million_prefixes),
		cmocka_unit_test(test_aggregated_prefixes),
		cmocka_unit_test(test_random_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
