/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config loader: valid configs land in struct sl_config field by
 * field, each kind of error is reported at its exact line and column,
 * and every shipped config in configs/ loads and does what its comments
 * say for the quickstart's demo traffic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "control/compile.h"
#include "control/config.h"
#include "control/prefix.h"

static const char *srcdir(void)
{
	const char *s = getenv("SLUICE_SRCDIR");

	assert_non_null(s);
	return s;
}

static void data_dir(char *buf, size_t size)
{
	snprintf(buf, size, "%s/tests/data/config", srcdir());
}

static int load(const char *yaml, const char *base_dir, struct sl_config **cfg,
		struct sl_diag *diag)
{
	return sl_config_load_buffer(yaml, strlen(yaml), "t.yaml", base_dir, cfg, diag);
}

static const struct sl_rule_cfg *rule(const struct sl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_rules; i++)
		if (!strcmp(cfg->rules[i].name, name))
			return &cfg->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

static void expect_set_prefix(const struct sl_set *set, size_t i, const char *want)
{
	char buf[64];

	assert_true(i < set->n_prefixes);
	assert_string_equal(sl_prefix_format(&set->prefixes[i], buf, sizeof(buf)), want);
}

/* ------------------------------------------------------------- valid configs */

static void test_defaults(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load("version: 1\n", NULL, &cfg, &diag), 0);
	assert_string_equal(cfg->path, "t.yaml");
	assert_int_equal(cfg->default_verdict, SL_VERDICT_DROP);
	assert_int_equal(cfg->malformed_policy, SL_POLICY_DROP);
	assert_int_equal(cfg->non_ip_policy, SL_POLICY_PASS);
	assert_int_equal(cfg->frag_policy, SL_POLICY_RULES);
	assert_false(cfg->keep_enforcing);
	assert_string_equal(cfg->pin_dir, "/sys/fs/bpf/sluice");
	assert_int_equal(cfg->n_ifaces, 0);
	assert_int_equal(cfg->n_sets, 0);
	assert_int_equal(cfg->n_rules, 0);
	sl_config_free(cfg);
}

static void test_full(void **state)
{
	const struct sl_rule_cfg *r;
	struct sl_config *cfg;
	struct sl_diag diag;
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/data/config/full.yaml", srcdir());
	assert_int_equal(sl_config_load_file(path, &cfg, &diag), 0);
	assert_string_equal(cfg->path, path);

	assert_int_equal(cfg->default_verdict, SL_VERDICT_PASS);
	assert_int_equal(cfg->malformed_policy, SL_POLICY_PASS);
	assert_int_equal(cfg->non_ip_policy, SL_POLICY_DROP);
	assert_int_equal(cfg->frag_policy, SL_POLICY_DROP);
	assert_true(cfg->keep_enforcing);
	assert_string_equal(cfg->pin_dir, "/sys/fs/bpf/sluice-test");

	assert_int_equal(cfg->n_ifaces, 3);
	assert_string_equal(cfg->ifaces[0].name, "sl-a0");
	assert_int_equal(cfg->ifaces[0].mode, SL_XDP_MODE_NATIVE);
	assert_string_equal(cfg->ifaces[1].name, "sl-b0");
	assert_int_equal(cfg->ifaces[1].mode, SL_XDP_MODE_NATIVE_ONLY);
	assert_string_equal(cfg->ifaces[2].name, "sl-c0");
	assert_int_equal(cfg->ifaces[2].mode, SL_XDP_MODE_GENERIC);

	/* Named sets in order, then the inline sets of rule "web". */
	assert_int_equal(cfg->n_sets, 5);
	assert_string_equal(cfg->sets[0].name, "small");
	assert_false(cfg->sets[0].anonymous);
	assert_int_equal(cfg->sets[0].n_prefixes, 4);
	expect_set_prefix(&cfg->sets[0], 0, "198.18.50.0/24");
	expect_set_prefix(&cfg->sets[0], 3, "2001:db8:51::1/128");
	assert_string_equal(cfg->sets[1].name, "admin");
	assert_int_equal(cfg->sets[1].n_prefixes, 2);
	expect_set_prefix(&cfg->sets[1], 0, "198.18.10.0/24");
	expect_set_prefix(&cfg->sets[1], 1, "2001:db8:10::/48");
	assert_string_equal(cfg->sets[2].name, "both");
	assert_int_equal(cfg->sets[2].n_prefixes, 5);
	expect_set_prefix(&cfg->sets[2], 4, "198.18.99.0/24");
	assert_string_equal(cfg->sets[3].name, "web/src");
	assert_true(cfg->sets[3].anonymous);
	assert_int_equal(cfg->sets[3].n_prefixes, 2);
	expect_set_prefix(&cfg->sets[3], 0, "198.18.0.1/32");
	expect_set_prefix(&cfg->sets[3], 1, "2001:db8::/64");
	assert_string_equal(cfg->sets[4].name, "web/dst");
	assert_true(cfg->sets[4].anonymous);
	expect_set_prefix(&cfg->sets[4], 0, "198.18.0.0/24");
	assert_int_equal(sl_config_find_set(cfg, "admin"), 1);
	assert_int_equal(sl_config_find_set(cfg, "web/dst"), 4);
	assert_int_equal(sl_config_find_set(cfg, "nosuch"), -1);

	assert_int_equal(cfg->n_rules, 3);
	r = &cfg->rules[0];
	assert_string_equal(r->name, "web");
	assert_int_equal(r->line, 25);
	assert_int_equal(r->match, SL_MATCH_SRC | SL_MATCH_DST | SL_MATCH_PROTO | SL_MATCH_SPORT |
					   SL_MATCH_DPORT | SL_MATCH_TCP_FLAGS | SL_MATCH_VLAN |
					   SL_MATCH_IFACE);
	assert_int_equal(r->n_src_sets, 3);
	assert_int_equal(r->src_sets[0], 1);
	assert_int_equal(r->src_sets[1], 3);
	assert_int_equal(r->src_sets[2], 0);
	assert_int_equal(r->n_dst_sets, 1);
	assert_int_equal(r->dst_sets[0], 4);
	assert_int_equal(r->protocol, IPPROTO_TCP);
	assert_int_equal(r->n_sport, 1);
	assert_int_equal(r->sport[0].lo, 1024);
	assert_int_equal(r->sport[0].hi, 65535);
	assert_int_equal(r->n_dport, 3);
	assert_int_equal(r->dport[0].lo, 22);
	assert_int_equal(r->dport[0].hi, 22);
	assert_int_equal(r->dport[1].lo, 80);
	assert_int_equal(r->dport[2].lo, 8000);
	assert_int_equal(r->dport[2].hi, 8099);
	assert_int_equal(r->tcp_flags_mask, SL_TCP_SYN | SL_TCP_ACK);
	assert_int_equal(r->tcp_flags_value, SL_TCP_SYN);
	assert_int_equal(r->vlan, 100);
	assert_string_equal(r->iface, "sl-b0");
	assert_int_equal(r->action, SL_ACT_ACCEPT);

	r = &cfg->rules[1];
	assert_string_equal(r->name, "rule-2");
	assert_int_equal(r->line, 35);
	assert_int_equal(r->match, SL_MATCH_PROTO | SL_MATCH_ICMP);
	assert_int_equal(r->protocol, IPPROTO_ICMPV6);
	assert_int_equal(r->icmp, SL_ICMP6_BASE + 135);
	assert_int_equal(r->action, SL_ACT_COUNT);

	r = &cfg->rules[2];
	assert_string_equal(r->name, "rule-3");
	assert_int_equal(r->line, 38);
	assert_int_equal(r->protocol, IPPROTO_ICMP);
	assert_int_equal(r->icmp, 13);
	assert_int_equal(r->action, SL_ACT_DROP);
	sl_config_free(cfg);
}

static void test_variants(void **state)
{
	const char *yaml = "version: 1\n"
			   "rules:\n"
			   "  - {src: 198.18.0.1, protocol: 132, action: drop}\n"
			   "  - protocol: tcp\n"
			   "    tcp_flags: [syn, '!ack', ' fin ']\n"
			   "    sport: \"80\"\n"
			   "    action: accept\n"
			   "  - protocol: icmp\n"
			   "    icmp_type: echo-request\n"
			   "    vlan: 0\n"
			   "    interface: eth0\n"
			   "    action: count\n"
			   "  - {dst: [198.18.0.0/16, '2001:db8::1'], action: accept}\n";
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(load(yaml, NULL, &cfg, &diag), 0);
	assert_int_equal(cfg->n_rules, 4);
	assert_int_equal(cfg->rules[0].protocol, 132);
	assert_int_equal(cfg->rules[0].match, SL_MATCH_SRC | SL_MATCH_PROTO);
	assert_string_equal(cfg->sets[cfg->rules[0].src_sets[0]].name, "rule-1/src");
	assert_int_equal(cfg->rules[1].tcp_flags_mask, SL_TCP_SYN | SL_TCP_ACK | SL_TCP_FIN);
	assert_int_equal(cfg->rules[1].tcp_flags_value, SL_TCP_SYN | SL_TCP_FIN);
	assert_int_equal(cfg->rules[1].sport[0].lo, 80);
	assert_int_equal(cfg->rules[1].sport[0].hi, 80);
	assert_int_equal(cfg->rules[2].icmp, 8);
	assert_int_equal(cfg->rules[2].vlan, 0);
	/* With no interfaces configured (--check), any interface name is accepted. */
	assert_string_equal(cfg->rules[2].iface, "eth0");
	assert_int_equal(cfg->rules[2].match, SL_MATCH_PROTO | SL_MATCH_ICMP | SL_MATCH_VLAN |
						      SL_MATCH_IFACE);
	assert_int_equal(cfg->rules[3].n_dst_sets, 1);
	assert_int_equal(cfg->sets[cfg->rules[3].dst_sets[0]].n_prefixes, 2);
	assert_int_equal(cfg->rules[3].line, 13);
	sl_config_free(cfg);
}

/* Rule log and capture options, and the logging section (docs/logs.md). */
static void test_logging(void **state)
{
	const char *yaml = "version: 1\n"
			   "rules:\n"
			   "  - {name: a, action: drop, log: true}\n"
			   "  - {name: b, action: drop, log: {sample: 100, rate_limit: 50}}\n"
			   "  - {name: c, action: count, capture: {snaplen: 64}}\n"
			   "  - {name: d, action: accept, capture: true, log: {sample: 2}}\n"
			   "  - {name: e, action: accept, log: false}\n"
			   "  - {name: f, action: accept}\n"
			   "logging:\n"
			   "  json: /var/log/sluice/events.json\n"
			   "  pcap: /var/log/sluice/drops.pcap\n"
			   "  rotate_size: 64M\n"
			   "  rotate_seconds: 3600\n"
			   "  max_files: 5\n"
			   "  fsync: interval\n"
			   "  fsync_interval_ms: 500\n"
			   "  ring_size: 8M\n"
			   "  buffer_size: 256K\n"
			   "  buffers: 4\n"
			   "  worker_ring_slots: 1024\n"
			   "  io: pwrite\n";
	struct sl_tables *t = NULL;
	struct sl_config *cfg;
	struct sl_diag diag;
	const struct sl_logging_cfg *l;

	(void)state;
	assert_int_equal(load(yaml, NULL, &cfg, &diag), 0);
	assert_true(cfg->rules[0].log);
	assert_int_equal(cfg->rules[0].log_sample, 1);
	assert_int_equal(cfg->rules[0].log_rate, 0);
	assert_int_equal(cfg->rules[0].capture_len, 0);
	assert_true(cfg->rules[1].log);
	assert_int_equal(cfg->rules[1].log_sample, 100);
	assert_int_equal(cfg->rules[1].log_rate, 50);
	assert_true(cfg->rules[2].log);
	assert_int_equal(cfg->rules[2].capture_len, 64);
	assert_true(cfg->rules[3].log);
	assert_int_equal(cfg->rules[3].capture_len, 128);
	assert_int_equal(cfg->rules[3].log_sample, 2);
	assert_false(cfg->rules[4].log);
	assert_false(cfg->rules[5].log);
	l = &cfg->logging;
	assert_true(l->enabled);
	assert_string_equal(l->json_path, "/var/log/sluice/events.json");
	assert_string_equal(l->pcap_path, "/var/log/sluice/drops.pcap");
	assert_int_equal(l->rotate_bytes, 64ull << 20);
	assert_int_equal(l->rotate_seconds, 3600);
	assert_int_equal(l->max_files, 5);
	assert_int_equal(l->fsync, SL_FSYNC_INTERVAL);
	assert_int_equal(l->fsync_interval_ms, 500);
	assert_int_equal(l->ring_bytes, 8u << 20);
	assert_int_equal(l->buffer_bytes, 256u << 10);
	assert_int_equal(l->buffers, 4);
	assert_int_equal(l->worker_ring_slots, 1024);
	assert_int_equal(l->io, SL_LOG_IO_PWRITE);

	/* The compiler copies the options into the rules and flags the program. */
	assert_int_equal(sl_compile(cfg, &t, &diag), 0);
	assert_true(t->prog_cfg.flags & SL_CFG_LOG);
	assert_int_equal(t->event_ring_bytes, 8u << 20);
	assert_int_equal(t->rules[0].flags, SL_RULE_F_LOG);
	assert_int_equal(t->rules[1].log_sample, 100);
	assert_int_equal(t->rules[1].log_rate, 50);
	assert_int_equal(t->rules[2].capture_len, 64);
	assert_int_equal(t->rules[2].action, SL_ACT_COUNT);
	assert_int_equal(t->rules[4].flags, 0);
	assert_int_equal(t->rules[5].flags, 0);
	assert_int_equal(t->rules[5].capture_len, 0);
	sl_tables_free(t);
	sl_config_free(cfg);

	/* Without logging options nothing logs, and the defaults hold. */
	assert_int_equal(load("version: 1\nrules:\n  - {action: drop}\n", NULL, &cfg, &diag), 0);
	assert_false(cfg->logging.enabled);
	assert_int_equal(cfg->logging.ring_bytes, SL_EVENT_RING_DEFAULT);
	assert_int_equal(sl_compile(cfg, &t, &diag), 0);
	assert_false(t->prog_cfg.flags & SL_CFG_LOG);
	assert_int_equal(t->rules[0].flags, 0);
	sl_tables_free(t);
	sl_config_free(cfg);
}

/* ------------------------------------------------------------------- errors */

struct error_case {
	const char *yaml;
	const char *msg;
};

static const struct error_case error_cases[] = {
	/* unknown keys */
	{"version: 1\nfoo: 1\n",
	 "t.yaml:2:1: unknown key 'foo' in the top level (allowed: version, settings, interfaces, sets, rules, logging, memory, control, metrics, steering, dataplane, inspect)"},
	{"version: 1\nrules:\n  - action: drop\n    prot: tcp\n",
	 "t.yaml:4:5: unknown key 'prot' in a rule (allowed: name, src, dst, protocol, sport, dport, tcp_flags, icmp_type, vlan, interface, action, log, capture)"},
	{"version: 1\nsettings:\n  default: drop\n",
	 "t.yaml:3:3: unknown key 'default' in settings (allowed: default_policy, malformed, non_ip, fragments, keep_enforcing, pin_dir)"},
	{"version: 1\ninterfaces:\n  - name: sl-a\n    xdp: native\n",
	 "t.yaml:4:5: unknown key 'xdp' in an interface (allowed: name, mode)"},
	{"version: 1\nsets:\n  - name: a\n    path: x\n",
	 "t.yaml:4:5: unknown key 'path' in a set (allowed: name, file, prefixes, source, interface)"},
	/* wrong types and missing values */
	{"version: 1\nrules: {a: 1}\n", "t.yaml:2:9: rules must be a list, not a mapping"},
	{"version: 1\nsettings:\n  pin_dir: [a]\n", "t.yaml:3:13: pin_dir must be a scalar, not a list"},
	{"version: 1\nsettings: drop\n", "t.yaml:2:11: settings must be a mapping, not a scalar"},
	{"version: 1\nrules:\n  - drop\n", "t.yaml:3:5: a rule must be a mapping, not a scalar"},
	{"version: 1\nrules:\n  - action: drop\n    src: {a: 1}\n",
	 "t.yaml:4:11: src must be a set name, a prefix or a list of them, not a mapping"},
	{"version: 1\nsettings:\n  pin_dir:\n", "t.yaml:3:3: 'pin_dir' has no value"},
	{"version: 1\nrules:\n  - {action: drop, src: []}\n", "t.yaml:3:20: src is an empty list"},
	{"rules: []\n", "t.yaml:1:1: missing 'version: 1'"},
	{"version: x\n", "t.yaml:1:10: version 'x' is not a number"},
	{"version: 2\n", "t.yaml:1:10: unsupported version 2 (only 1 is supported)"},
	{"", "t.yaml:1:1: the config is empty (it needs at least 'version: 1')"},
	{"- version: 1\n", "t.yaml:1:3: the top level must be a mapping, not a list"},
	/* prefixes */
	{"version: 1\nrules:\n  - src: 198.18.0.0/33\n    action: drop\n",
	 "t.yaml:3:10: bad prefix '198.18.0.0/33': prefix length out of range for IPv4 (0-32)"},
	{"version: 1\nsets:\n  - name: a\n    prefixes: [198.18.0.0/24, 2001:db8::1/64]\n",
	 "t.yaml:4:31: bad prefix '2001:db8::1/64': host bits are set; the network is 2001:db8::/64"},
	{"version: 1\nrules:\n  - dst: [198.18.0.0/24, 198.18.1.300]\n    action: drop\n",
	 "t.yaml:3:26: bad prefix '198.18.1.300': not an IPv4 address"},
	{"version: 1\nrules:\n  - action: drop\n    src: 198.18.0.0/24x\n",
	 "t.yaml:4:10: bad prefix '198.18.0.0/24x': prefix length is not a decimal number"},
	/* ports */
	{"version: 1\nrules:\n  - protocol: tcp\n    dport: 70000\n    action: drop\n",
	 "t.yaml:4:12: port 70000 is out of range (0-65535)"},
	{"version: 1\nrules:\n  - protocol: tcp\n    dport: 90-80\n    action: drop\n",
	 "t.yaml:4:12: port range 90-80 is out of order"},
	{"version: 1\nrules:\n  - protocol: udp\n    sport: [22, 8000-80]\n    action: drop\n",
	 "t.yaml:4:17: port range 8000-80 is out of order"},
	{"version: 1\nrules:\n  - protocol: tcp\n    dport: http\n    action: drop\n",
	 "t.yaml:4:12: bad dport 'http': expected a port or a range LO-HI"},
	{"version: 1\nrules:\n  - protocol: tcp\n    dport: -80\n    action: drop\n",
	 "t.yaml:4:12: bad dport '-80': expected a port or a range LO-HI"},
	{"version: 1\nrules:\n  - protocol: tcp\n    dport: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]\n    action: drop\n",
	 "t.yaml:4:52: too many port ranges in dport (at most 16)"},
	/* fields that need a protocol */
	{"version: 1\nrules:\n  - protocol: icmp\n    sport: 80\n    action: drop\n",
	 "t.yaml:4:5: 'sport' needs protocol tcp or udp"},
	{"version: 1\nrules:\n  - dport: 80\n    action: drop\n",
	 "t.yaml:3:5: 'dport' needs protocol tcp or udp"},
	{"version: 1\nrules:\n  - protocol: udp\n    tcp_flags: syn\n    action: drop\n",
	 "t.yaml:4:5: 'tcp_flags' needs protocol tcp"},
	{"version: 1\nrules:\n  - icmp_type: echo-request\n    action: drop\n",
	 "t.yaml:3:5: 'icmp_type' needs protocol icmp or icmpv6"},
	{"version: 1\nrules:\n  - protocol: tcp\n    icmp_type: 8\n    action: drop\n",
	 "t.yaml:4:5: 'icmp_type' needs protocol icmp or icmpv6"},
	/* sets and names */
	{"version: 1\nrules:\n  - src: nosuch\n    action: drop\n", "t.yaml:3:10: undefined set 'nosuch'"},
	{"version: 1\nsets:\n  - name: a\n    prefixes: 198.18.0.0/24\n  - name: a\n    prefixes: 198.18.1.0/24\n",
	 "t.yaml:5:11: duplicate set name 'a'"},
	{"version: 1\nsets:\n  - name: 1a\n    prefixes: 198.18.0.0/24\n",
	 "t.yaml:3:11: bad set name '1a': it must start with a letter and hold only letters, digits, '-', '_' and '.'"},
	{"version: 1\nsets:\n  - name: a\n", "t.yaml:3:5: set 'a' has neither 'file' nor 'prefixes'"},
	{"version: 1\nsets:\n  - prefixes: 198.18.0.0/24\n", "t.yaml:3:5: set has no 'name'"},
	{"version: 1\nrules:\n  - name: r\n    action: drop\n  - name: r\n    action: accept\n",
	 "t.yaml:5:11: duplicate rule name 'r' (first used on line 3)"},
	{"version: 1\nrules:\n  - action: drop\n  - name: rule-1\n    action: accept\n",
	 "t.yaml:4:11: duplicate rule name 'rule-1' (first used on line 3)"},
	{"version: 1\nrules:\n  - name: a b\n    action: drop\n",
	 "t.yaml:3:11: bad rule name 'a b': only letters, digits, '-', '_' and '.' are allowed"},
	{"version: 1\nrules:\n  - name: a23456789012345678901234567890123456789012345678\n    action: drop\n",
	 "t.yaml:3:11: rule name is too long (at most 47 characters)"},
	{"version: 1\nsets:\n  - name: a\n    file: sets/small.txt\n",
	 "t.yaml:4:11: set file 'sets/small.txt' refused: this config was not loaded from a file"},
	/* missing action, enums */
	{"version: 1\nrules:\n  - name: r\n    protocol: tcp\n",
	 "t.yaml:3:5: rule 'r' has no 'action' (allowed: accept, drop, count, steer)"},
	{"version: 1\nrules:\n  - action: reject\n",
	 "t.yaml:3:13: bad action 'reject' (allowed: accept, drop, count, steer)"},
	{"version: 1\nsettings:\n  default_policy: maybe\n",
	 "t.yaml:3:19: bad default_policy 'maybe' (allowed: accept, drop)"},
	{"version: 1\nsettings:\n  malformed: rules\n",
	 "t.yaml:3:14: bad malformed 'rules' (allowed: accept, drop)"},
	{"version: 1\nsettings:\n  fragments: reassemble\n",
	 "t.yaml:3:14: bad fragments 'reassemble' (allowed: accept, drop, rules)"},
	{"version: 1\nsettings:\n  keep_enforcing: maybe\n",
	 "t.yaml:3:19: keep_enforcing must be true or false, not 'maybe'"},
	{"version: 1\nsettings:\n  pin_dir: sluice\n",
	 "t.yaml:3:12: pin_dir 'sluice' must be an absolute path"},
	{"version: 1\ninterfaces:\n  - name: sl-a\n    mode: turbo\n",
	 "t.yaml:4:11: bad mode 'turbo' (allowed: native, native-only, generic)"},
	{"version: 1\nrules:\n  - protocol: sctp\n    action: drop\n",
	 "t.yaml:3:15: bad protocol 'sctp' (allowed: tcp, udp, icmp, icmpv6, or 0-255)"},
	{"version: 1\nrules:\n  - protocol: 256\n    action: drop\n",
	 "t.yaml:3:15: protocol 256 is out of range (0-255)"},
	{"version: 1\nrules:\n  - protocol: icmp\n    icmp_type: nd-neighbor-solicit\n    action: drop\n",
	 "t.yaml:4:16: bad icmp_type 'nd-neighbor-solicit' for icmp (allowed: echo-reply, destination-unreachable, redirect, echo-request, time-exceeded, parameter-problem, or 0-255)"},
	{"version: 1\nrules:\n  - protocol: icmpv6\n    icmp_type: 300\n    action: drop\n",
	 "t.yaml:4:16: icmp_type 300 is out of range (0-255)"},
	{"version: 1\nrules:\n  - protocol: tcp\n    tcp_flags: syn,foo\n    action: drop\n",
	 "t.yaml:4:16: unknown TCP flag 'foo' (allowed: fin, syn, rst, psh, ack, urg, ece, cwr, each optionally with '!')"},
	{"version: 1\nrules:\n  - protocol: tcp\n    tcp_flags: [syn, '!syn']\n    action: drop\n",
	 "t.yaml:4:23: TCP flag 'syn' is given twice"},
	{"version: 1\nrules:\n  - protocol: tcp\n    tcp_flags: 'syn,,ack'\n    action: drop\n",
	 "t.yaml:4:17: empty TCP flag in 'syn,,ack'"},
	{"version: 1\nrules:\n  - vlan: 4096\n    action: drop\n", "t.yaml:3:11: vlan 4096 is out of range (0-4095)"},
	/* interfaces */
	{"version: 1\ninterfaces:\n  - name: sl-a\nrules:\n  - interface: sl-b\n    action: drop\n",
	 "t.yaml:5:16: interface 'sl-b' is not in 'interfaces'"},
	{"version: 1\ninterfaces:\n  - name: abcdefghijklmnop\n",
	 "t.yaml:3:11: interface name is too long (at most 15 characters)"},
	{"version: 1\ninterfaces:\n  - name: a/b\n",
	 "t.yaml:3:11: bad interface name 'a/b': no '/', ':' or white space allowed"},
	{"version: 1\ninterfaces:\n  - name: sl-a\n  - name: sl-a\n", "t.yaml:4:11: duplicate interface 'sl-a'"},
	{"version: 1\ninterfaces:\n  - mode: native\n", "t.yaml:3:5: interface has no 'name'"},
	/* YAML itself */
	{"version: 1\nrules: [\n",
	 "t.yaml:3:1: invalid YAML: did not find expected node content while parsing a flow node"},
	{"version: 1\nversion: 1\n", "t.yaml:2:1: invalid YAML: duplicate key"},
	{"version: 1\n---\nversion: 1\n",
	 "t.yaml:3:1: a config is one YAML document; a second one starts here"},
	{"version: 1\nsets:\n  - name: a\n    prefixes: &p [198.18.0.0/24]\n  - name: b\n    prefixes: *p\n",
	 "t.yaml:6:16: aliases are not supported (in prefixes)"},
	{"version: 1\nsettings:\n  pin_dir: \"/a\\0b\"\n", "t.yaml:3:13: pin_dir contains a NUL character"},
	{"version: 1\nsets:\n  - name: \"a\\nb\"\n    prefixes: 198.18.0.0/24\n",
	 "t.yaml:3:12: set name contains a control character"},
	{"version: 1\nsets:\n  - name: a\n\n      b\n    prefixes: 198.18.0.0/24\n",
	 "t.yaml:3:11: set name contains a control character"},
	{"version: 1\n\x01", "t.yaml:2:1: control character 0x01 is not allowed"},
	{"version: 1\nrules: \xc3\xa9\xff\n", "t.yaml:2:9: the config is not valid UTF-8 text"},
	{"%\xff", "t.yaml:1:2: the config is not valid UTF-8 text"},
	{"version: 1\nx: \xed\xa0\x80\n", "t.yaml:2:4: the config is not valid UTF-8 text"},
	{"version: 1\nx\xc3\xa9: 1\n",
	 "t.yaml:2:1: unknown key 'x?" "?' in the top level (allowed: version, settings, interfaces, sets, rules, logging, memory, control, metrics, steering, dataplane, inspect)"},
	/* explicit keys: valid YAML, but keys must be plain names; the first and
	 * third inputs crashed libfyaml 0.7.12, the loader used before libyaml */
	{"? ::\t?", "t.yaml:1:6: invalid YAML: mapping keys are not allowed in this context"},
	{"version: 1\nsettings:\n  ? [default_policy]\n  : drop\n", "t.yaml:3:6: keys in settings must be plain names"},
	{": \n : ?  ?:\t?\n",
	 "t.yaml:1:1: invalid YAML: did not find expected key while parsing a block mapping"},
	{"version: 1\nsettings: {? x}\n",
	 "t.yaml:2:14: unknown key 'x' in settings (allowed: default_policy, malformed, non_ip, fragments, keep_enforcing, pin_dir)"},
	/* YAML 1.1: a plain scalar in a flow list cannot start with ':' */
	{"version: 1\nsets:\n  - name: a\n    prefixes: [2001:db8::/32, ::/0]\n",
	 "t.yaml:4:31: invalid YAML: did not find expected node content while parsing a flow node (in [ ] and { }, a value starting with ':' such as ::/0 must be quoted)"},
	/* nested flow collections of empty quoted strings, another libfyaml crash */
	{"[[[[[[''],''],''],''],''],'']", "t.yaml:1:8: the top level must be a mapping, not a list"},
	/* rule log and capture options */
	{"version: 1\nrules:\n  - {action: drop, log: yes}\n",
	 "t.yaml:3:25: log must be true or false, not 'yes'"},
	{"version: 1\nrules:\n  - {action: drop, log: {sample: 0}}\n",
	 "t.yaml:3:34: sample must be at least 1 (1 logs every packet)"},
	{"version: 1\nrules:\n  - {action: drop, log: {sample: x}}\n",
	 "t.yaml:3:34: sample 'x' is not a number"},
	{"version: 1\nrules:\n  - {action: drop, log: {rate: 5}}\n",
	 "t.yaml:3:26: unknown key 'rate' in log (allowed: sample, rate_limit)"},
	{"version: 1\nrules:\n  - {action: drop, log: {rate_limit: 100000001}}\n",
	 "t.yaml:3:38: rate_limit 100000001 is out of range (0-100000000)"},
	{"version: 1\nrules:\n  - {action: drop, capture: {snaplen: 257}}\n",
	 "t.yaml:3:39: snaplen 257 is out of range (0-256)"},
	{"version: 1\nrules:\n  - {action: drop, capture: {snaplen: 0}}\n",
	 "t.yaml:3:39: snaplen must be 1-256"},
	{"version: 1\nrules:\n  - {action: drop, capture: [1]}\n",
	 "t.yaml:3:30: capture must be a scalar, not a list"},
	{"version: 1\nrules:\n  - {action: drop, log: false, capture: true}\n",
	 "t.yaml:3:25: 'log: false' contradicts 'capture'"},
	/* the logging section */
	{"version: 1\nlogging:\n  fsync: none\n",
	 "t.yaml:3:3: logging needs 'json', 'pcap' or 'audit' (or several)"},
	{"version: 1\nlogging:\n  json: rel/x.json\n",
	 "t.yaml:3:9: json 'rel/x.json' must be an absolute path"},
	{"version: 1\nlogging:\n  json: /x\n  pcap: /x\n",
	 "t.yaml:4:9: pcap and json must be different files"},
	{"version: 1\nlogging:\n  json: /x\n  audit: /x\n",
	 "t.yaml:4:10: audit must be a file of its own"},
	{"version: 1\nlogging:\n  audit: rel/a.json\n",
	 "t.yaml:3:10: audit 'rel/a.json' must be an absolute path"},
	{"version: 1\nlogging:\n  json: /x\n  fsync: always\n",
	 "t.yaml:4:10: bad fsync 'always' (allowed: none, interval, batch)"},
	{"version: 1\nlogging:\n  json: /x\n  ring_size: 12K\n",
	 "t.yaml:4:14: ring_size 12288 is not a power of two"},
	{"version: 1\nlogging:\n  json: /x\n  ring_size: 1K\n",
	 "t.yaml:4:14: ring_size 1024 is out of range (4096-1073741824)"},
	{"version: 1\nlogging:\n  json: /x\n  rotate_size: 10X\n",
	 "t.yaml:4:16: rotate_size '10X' is not a size (a number with an optional K, M or G)"},
	{"version: 1\nlogging:\n  json: /x\n  buffers: 1\n",
	 "t.yaml:4:12: buffers must be at least 2"},
	{"version: 1\nlogging:\n  json: /x\n  worker_ring_slots: 100\n",
	 "t.yaml:4:22: worker_ring_slots 100 is not a power of two of at least 2"},
	{"version: 1\nlogging:\n  json: /x\n  io: aio\n",
	 "t.yaml:4:7: bad io 'aio' (allowed: io_uring, pwrite)"},
	{"version: 1\nlogging:\n  json: /x\n  rotate: 1\n",
	 "t.yaml:4:3: unknown key 'rotate' in logging (allowed: json, pcap, rotate_size, rotate_seconds, max_files, fsync, fsync_interval_ms, flush_ms, ring_size, buffer_size, buffers, worker_ring_slots, io, audit)"},
};

static void test_errors(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct sl_config *cfg = (void *)1;
		struct sl_diag diag;
		int err;

		err = load(error_cases[i].yaml, NULL, &cfg, &diag);
		if (err != -EINVAL || strcmp(diag.msg, error_cases[i].msg)) {
			print_error("case %zu: got %d '%s'\n  want '%s'\n", i, err, diag.msg,
				    error_cases[i].msg);
			failed++;
		}
		assert_null(cfg);
	}
	assert_int_equal(failed, 0);
}

static void test_too_many_rules(void **state)
{
	size_t i, cap = (SL_MAX_RULES + 1) * 32 + 64, off;
	struct sl_config *cfg;
	struct sl_diag diag;
	char *yaml = malloc(cap);

	(void)state;
	assert_non_null(yaml);
	off = (size_t)snprintf(yaml, cap, "version: 1\nrules:\n");
	for (i = 0; i < SL_MAX_RULES; i++)
		off += (size_t)snprintf(yaml + off, cap - off, "  - {action: drop}\n");
	/* Exactly SL_MAX_RULES is fine. */
	assert_int_equal(load(yaml, NULL, &cfg, &diag), 0);
	assert_int_equal(cfg->n_rules, SL_MAX_RULES);
	assert_string_equal(cfg->rules[SL_MAX_RULES - 1].name, "rule-1024");
	assert_int_equal(cfg->rules[SL_MAX_RULES - 1].line, SL_MAX_RULES + 2);
	sl_config_free(cfg);
	snprintf(yaml + off, cap - off, "  - {action: accept}\n");
	assert_int_equal(load(yaml, NULL, &cfg, &diag), -EINVAL);
	assert_string_equal(diag.msg, "t.yaml:1027:6: too many rules: 1025 (at most 1024)");
	free(yaml);
}

static void test_too_many_sets_in_rule(void **state)
{
	char yaml[4096];
	size_t off, i;
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	off = (size_t)snprintf(yaml, sizeof(yaml), "version: 1\nsets:\n");
	for (i = 0; i <= SL_RULE_MAX_SETS; i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off,
					"  - {name: s%zu, prefixes: 198.18.%zu.0/24}\n", i, i);
	off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "rules:\n  - action: drop\n    src: [");
	for (i = 0; i <= SL_RULE_MAX_SETS; i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "%ss%zu", i ? ", " : "", i);
	snprintf(yaml + off, sizeof(yaml) - off, "]\n");
	assert_int_equal(load(yaml, NULL, &cfg, &diag), -EINVAL);
	/* 2 + 17 set lines, then "rules:", "- action", and src on line 22. */
	assert_string_equal(diag.msg, "t.yaml:22:81: too many sets in src (at most 16)");
}

static void test_set_file_errors(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;
	char dir[4096], want[8192];

	(void)state;
	data_dir(dir, sizeof(dir));
	/* A bad line names the set file and its line. */
	assert_int_equal(load("version: 1\nsets:\n  - name: a\n    file: sets/bad.txt\n", dir, &cfg,
			      &diag),
			 -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/sets/bad.txt:4: bad prefix '198.18.61.1/16': host bits are set; the network is 198.18.0.0/16",
		 dir);
	assert_string_equal(diag.msg, want);
	assert_null(cfg);
	/* A file that cannot be read is reported where the config names it. */
	assert_int_equal(load("version: 1\nsets:\n  - name: a\n    file: sets/missing.txt\n", dir,
			      &cfg, &diag),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "t.yaml:4:11: cannot read set file '%s/sets/missing.txt': No such file or directory",
		 dir);
	assert_string_equal(diag.msg, want);
	/* Absolute paths are taken as they are. */
	assert_int_equal(load("version: 1\nsets:\n  - name: a\n    file: /nonexistent/x.txt\n", dir,
			      &cfg, &diag),
			 -ENOENT);
	assert_string_equal(diag.msg,
			    "t.yaml:4:11: cannot read set file '/nonexistent/x.txt': No such file or directory");
}

static void test_missing_config(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	assert_int_equal(sl_config_load_file("/nonexistent/sluice.yaml", &cfg, &diag), -ENOENT);
	assert_null(cfg);
	assert_string_equal(diag.msg,
			    "/nonexistent/sluice.yaml: cannot read config: No such file or directory");
}

/* An error in a file is reported with the file's path as given. */
static void test_error_in_file(void **state)
{
	struct sl_config *cfg;
	struct sl_diag diag;
	char path[4096], want[8192];

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/data/config/bad-port.yaml", srcdir());
	assert_int_equal(sl_config_load_file(path, &cfg, &diag), -EINVAL);
	snprintf(want, sizeof(want), "%s:9:17: port range 90-80 is out of order", path);
	assert_string_equal(diag.msg, want);
}

/* ---------------------------------------------------------- shipped configs */

static void test_all_shipped_configs(void **state)
{
	char pattern[4096];
	glob_t g;
	size_t i;

	(void)state;
	snprintf(pattern, sizeof(pattern), "%s/configs/*.yaml", srcdir());
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 1);
	for (i = 0; i < g.gl_pathc; i++) {
		struct sl_config *cfg;
		struct sl_diag diag;
		int err = sl_config_load_file(g.gl_pathv[i], &cfg, &diag);

		if (err)
			fail_msg("%s: %d %s", g.gl_pathv[i], err, diag.msg);
		print_message("%s: %zu interfaces, %zu sets, %zu rules\n", g.gl_pathv[i],
			      cfg->n_ifaces, cfg->n_sets, cfg->n_rules);
		assert_true(cfg->n_ifaces >= 1);
		sl_config_free(cfg);
	}
	globfree(&g);
}

/*
 * A reference reading of the config's semantics (docs/config.md), to
 * check what edge-firewall.yaml does with the quickstart's demo traffic
 * independently of the compiler.
 */
struct flow {
	int family;
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	int icmp_type; /* -1 for none */
};

static bool in_prefix(const struct sl_prefix *p, int family, const uint8_t *addr)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full))
		return false;
	return !rest || !((p->addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest)));
}

static bool in_sets(const struct sl_config *cfg, const uint32_t *sets, uint32_t n, int family,
		    const uint8_t *addr)
{
	uint32_t i;
	size_t j;

	for (i = 0; i < n; i++)
		for (j = 0; j < cfg->sets[sets[i]].n_prefixes; j++)
			if (in_prefix(&cfg->sets[sets[i]].prefixes[j], family, addr))
				return true;
	return false;
}

static bool in_ports(const struct sl_port_range *r, uint32_t n, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

/* Returns the deciding rule's name, or "default:accept"/"default:drop"; counts into counted. */
static const char *decide(const struct sl_config *cfg, const struct flow *f, char *counted,
			  size_t size)
{
	uint8_t src[16], dst[16];
	bool l4 = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP;
	size_t i;

	assert_int_equal(inet_pton(f->family, f->src, src), 1);
	assert_int_equal(inet_pton(f->family, f->dst, dst), 1);
	counted[0] = '\0';
	for (i = 0; i < cfg->n_rules; i++) {
		const struct sl_rule_cfg *r = &cfg->rules[i];
		int icmp = f->icmp_type < 0 ? -1 :
			   (f->proto == IPPROTO_ICMPV6 ? SL_ICMP6_BASE + f->icmp_type : f->icmp_type);

		if ((r->match & SL_MATCH_SRC) &&
		    !in_sets(cfg, r->src_sets, r->n_src_sets, f->family, src))
			continue;
		if ((r->match & SL_MATCH_DST) &&
		    !in_sets(cfg, r->dst_sets, r->n_dst_sets, f->family, dst))
			continue;
		if ((r->match & SL_MATCH_PROTO) && r->protocol != f->proto)
			continue;
		if ((r->match & SL_MATCH_SPORT) && (!l4 || !in_ports(r->sport, r->n_sport, f->sport)))
			continue;
		if ((r->match & SL_MATCH_DPORT) && (!l4 || !in_ports(r->dport, r->n_dport, f->dport)))
			continue;
		if ((r->match & SL_MATCH_TCP_FLAGS) &&
		    (f->proto != IPPROTO_TCP ||
		     (f->tcp_flags & r->tcp_flags_mask) != r->tcp_flags_value))
			continue;
		if ((r->match & SL_MATCH_ICMP) && icmp != r->icmp)
			continue;
		if (r->match & (SL_MATCH_VLAN | SL_MATCH_IFACE))
			continue; /* the demo is untagged and arrives on sl-fw0 only */
		if (r->action == SL_ACT_COUNT) {
			snprintf(counted, size, "%s", r->name);
			continue;
		}
		return r->name;
	}
	return cfg->default_verdict == SL_VERDICT_PASS ? "default:accept" : "default:drop";
}

static void test_edge_firewall_demo(void **state)
{
	static const struct {
		struct flow f;
		const char *rule;
		uint32_t action; /* for a rule; unused for the default */
		const char *counted;
	} cases[] = {
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_ICMP, 0, 0, 0, 8},
		 "allow-icmp-echo", SL_ACT_ACCEPT, ""},
		{{AF_INET6, "2001:db8::2", "2001:db8::1", IPPROTO_ICMPV6, 0, 0, 0, 128},
		 "allow-icmpv6-echo", SL_ACT_ACCEPT, ""},
		{{AF_INET6, "fe80::2", "ff02::1:ff00:1", IPPROTO_ICMPV6, 0, 0, 0, 135},
		 "allow-nd-solicit", SL_ACT_ACCEPT, ""},
		{{AF_INET6, "2001:db8::2", "2001:db8::1", IPPROTO_ICMPV6, 0, 0, 0, 136},
		 "allow-nd-advert", SL_ACT_ACCEPT, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_TCP, 40000, 80, SL_TCP_SYN, -1},
		 "allow-web", SL_ACT_ACCEPT, ""},
		{{AF_INET6, "2001:db8::2", "2001:db8::1", IPPROTO_TCP, 40000, 80, SL_TCP_SYN, -1},
		 "allow-web", SL_ACT_ACCEPT, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_UDP, 40000, 53, 0, -1},
		 "allow-dns", SL_ACT_ACCEPT, "count-dns"},
		{{AF_INET6, "2001:db8::2", "2001:db8::1", IPPROTO_UDP, 40000, 53, 0, -1},
		 "allow-dns", SL_ACT_ACCEPT, "count-dns"},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_UDP, 40000, 9999, 0, -1},
		 "default:drop", 0, ""},
		{{AF_INET6, "2001:db8::2", "2001:db8::1", IPPROTO_UDP, 40000, 9999, 0, -1},
		 "default:drop", 0, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_TCP, 40000, 23, SL_TCP_SYN, -1},
		 "default:drop", 0, ""},
		{{AF_INET6, "2001:db8::2", "2001:db8::1", IPPROTO_TCP, 40000, 23, SL_TCP_SYN, -1},
		 "default:drop", 0, ""},
		{{AF_INET, "198.19.1.1", "198.18.0.1", IPPROTO_UDP, 40000, 53, 0, -1},
		 "drop-blocklisted", SL_ACT_DROP, ""},
		{{AF_INET, "198.19.1.1", "198.18.0.1", IPPROTO_ICMP, 0, 0, 0, 8},
		 "drop-blocklisted", SL_ACT_DROP, ""},
		{{AF_INET6, "2001:db8:bad::1", "2001:db8::1", IPPROTO_UDP, 40000, 53, 0, -1},
		 "drop-blocklisted", SL_ACT_DROP, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_TCP, 40000, 22, SL_TCP_SYN, -1},
		 "default:drop", 0, ""},
		{{AF_INET, "198.18.10.5", "198.18.0.1", IPPROTO_TCP, 40000, 22, SL_TCP_SYN, -1},
		 "allow-ssh-admin", SL_ACT_ACCEPT, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_TCP, 40000, 80, SL_TCP_SYN | SL_TCP_FIN, -1},
		 "drop-syn-fin", SL_ACT_DROP, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_TCP, 40000, 23,
		  SL_TCP_FIN | SL_TCP_PSH | SL_TCP_URG, -1},
		 "drop-xmas-scan", SL_ACT_DROP, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_TCP, 40000, 23, 0, -1},
		 "drop-null-scan", SL_ACT_DROP, ""},
		{{AF_INET, "198.18.0.2", "198.18.0.1", IPPROTO_TCP, 23, 40000, SL_TCP_ACK, -1},
		 "allow-tcp-replies", SL_ACT_ACCEPT, ""},
		{{AF_INET, "198.19.200.1", "198.18.0.1", IPPROTO_TCP, 40000, 443, SL_TCP_SYN, -1},
		 "allow-web", SL_ACT_ACCEPT, ""},
	};
	struct sl_config *cfg;
	struct sl_diag diag;
	char path[4096];
	size_t i;
	int blk;

	(void)state;
	snprintf(path, sizeof(path), "%s/configs/edge-firewall.yaml", srcdir());
	assert_int_equal(sl_config_load_file(path, &cfg, &diag), 0);
	assert_int_equal(cfg->n_ifaces, 1);
	assert_string_equal(cfg->ifaces[0].name, "sl-fw0");
	assert_int_equal(cfg->default_verdict, SL_VERDICT_DROP);
	blk = sl_config_find_set(cfg, "blocklist");
	assert_true(blk >= 0);
	assert_true(cfg->sets[blk].n_prefixes >= 300);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char counted[SL_RULE_NAME_LEN];
		const char *got = decide(cfg, &cases[i].f, counted, sizeof(counted));

		if (strcmp(got, cases[i].rule) || strcmp(counted, cases[i].counted))
			fail_msg("case %zu (%s -> port %u): got %s (counted '%s'), want %s (counted '%s')",
				 i, cases[i].f.src, cases[i].f.dport, got, counted, cases[i].rule,
				 cases[i].counted);
		if (strncmp(got, "default:", 8))
			assert_int_equal(rule(cfg, got)->action, cases[i].action);
	}
	sl_config_free(cfg);
}

/* ------------------------------------------------------------------ memory */

static void test_memory(void **state)
{
	static const char yaml[] =
		"version: 1\n"
		"memory:\n"
		"  strict: true\n"
		"  pools:\n"
		"    umem: fast\n"
		"    flow_tables: {tier: capacity, huge_pages: true}\n"
		"    log_buffers: auto\n"
		"    capture_buffers: [1, 3]\n"
		"    prefix_tables: capacity\n"
		"    rule_tables: {tier: [0]}\n";
	const struct sl_pool_cfg *p;
	struct sl_config *cfg;
	struct sl_diag diag;

	(void)state;
	/* Without the section every pool is unset, auto, and nothing is strict. */
	assert_int_equal(load("version: 1\n", NULL, &cfg, &diag), 0);
	assert_false(cfg->memory.strict);
	assert_false(cfg->memory.pools[SL_POOL_PREFIX_TABLES].set);
	assert_int_equal(cfg->memory.pools[SL_POOL_UMEM].tier.kind, SL_TIER_AUTO);
	sl_config_free(cfg);

	if (load(yaml, NULL, &cfg, &diag))
		fail_msg("%s", diag.msg);
	p = cfg->memory.pools;
	assert_true(cfg->memory.strict);
	assert_true(p[SL_POOL_UMEM].set);
	assert_int_equal(p[SL_POOL_UMEM].tier.kind, SL_TIER_FAST);
	assert_false(p[SL_POOL_UMEM].huge_pages);
	assert_int_equal(p[SL_POOL_FLOW_TABLES].tier.kind, SL_TIER_CAPACITY);
	assert_true(p[SL_POOL_FLOW_TABLES].huge_pages);
	assert_true(p[SL_POOL_LOG_BUFFERS].set);
	assert_int_equal(p[SL_POOL_LOG_BUFFERS].tier.kind, SL_TIER_AUTO);
	assert_int_equal(p[SL_POOL_CAPTURE_BUFFERS].tier.kind, SL_TIER_NODES);
	assert_int_equal(p[SL_POOL_CAPTURE_BUFFERS].tier.nodes, (1u << 1) | (1u << 3));
	assert_int_equal(p[SL_POOL_PREFIX_TABLES].tier.kind, SL_TIER_CAPACITY);
	assert_int_equal(p[SL_POOL_RULE_TABLES].tier.kind, SL_TIER_NODES);
	assert_int_equal(p[SL_POOL_RULE_TABLES].tier.nodes, 1);
	assert_string_equal(sl_pool_name(SL_POOL_PREFIX_TABLES), "prefix_tables");
	assert_null(sl_pool_name(SL_POOL_COUNT));
	sl_config_free(cfg);
}

static void test_memory_errors(void **state)
{
	static const struct error_case cases[] = {
		{"version: 1\nmemory:\n  stric: true\n",
		 "t.yaml:3:3: unknown key 'stric' in memory (allowed: strict, pools)"},
		{"version: 1\nmemory: fast\n", "t.yaml:2:9: memory must be a mapping, not a scalar"},
		{"version: 1\nmemory:\n  strict: maybe\n",
		 "t.yaml:3:11: strict must be true or false, not 'maybe'"},
		{"version: 1\nmemory:\n  pools:\n    umem: slow\n",
		 "t.yaml:4:11: bad tier 'slow' (allowed: fast, capacity, auto)"},
		{"version: 1\nmemory:\n  pools:\n    dma: fast\n",
		 "t.yaml:4:5: unknown key 'dma' in memory.pools (allowed: umem, flow_tables, "
		 "log_buffers, capture_buffers, prefix_tables, rule_tables)"},
		{"version: 1\nmemory:\n  pools:\n    umem: [64]\n",
		 "t.yaml:4:12: node id 64 is out of range (0-63)"},
		{"version: 1\nmemory:\n  pools:\n    umem: [1, 1]\n",
		 "t.yaml:4:15: node 1 listed twice"},
		{"version: 1\nmemory:\n  pools:\n    umem: []\n",
		 "t.yaml:4:5: tier: an empty node list (name at least one node)"},
		{"version: 1\nmemory:\n  pools:\n    umem: {tier: fast, huge: true}\n",
		 "t.yaml:4:24: unknown key 'huge' in umem (allowed: tier, huge_pages)"},
		{"version: 1\nmemory:\n  pools:\n    prefix_tables: {huge_pages: true}\n",
		 "t.yaml:4:33: huge_pages does not apply to prefix_tables (BPF maps)"},
	};
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_config *cfg = (void *)1;
		struct sl_diag diag;
		int err = load(cases[i].yaml, NULL, &cfg, &diag);

		if (err != -EINVAL || strcmp(diag.msg, cases[i].msg)) {
			print_error("case %zu: got %d '%s'\n  want '%s'\n", i, err, diag.msg,
				    cases[i].msg);
			failed++;
		}
		assert_null(cfg);
	}
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_logging),
		cmocka_unit_test(test_too_many_rules),
		cmocka_unit_test(test_too_many_sets_in_rule),
		cmocka_unit_test(test_set_file_errors),
		cmocka_unit_test(test_missing_config),
		cmocka_unit_test(test_error_in_file),
		cmocka_unit_test(test_all_shipped_configs),
		cmocka_unit_test(test_edge_firewall_demo),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_memory_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
