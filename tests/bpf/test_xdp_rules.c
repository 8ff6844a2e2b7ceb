/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The stateless rules through the real program with BPF_PROG_TEST_RUN:
 * every match field alone and combined, every action, rule order, the
 * default policies, sets from files, 1,000 rules, a set of 1,000,000
 * prefixes, and a differential test against sl_tables_classify on random
 * rule sets and random packets.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <cmocka.h>

#include "pktbuild.h"
#include "xdp_harness.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* The fixture macros give defaults that a fixture then overrides by design. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

#define LO 1 /* ifindex of lo, which always exists */

#define SL_STR_(x) #x
#define SL_STR(x) SL_STR_(x)

#define A4(a, b, c, d) { a, b, c, d }
#define A6(g2, g3, last) { 0x20, 0x01, 0x0d, 0xb8, (g2) >> 8, (g2) & 0xff, (g3) >> 8, (g3) & 0xff, \
			   0, 0, 0, 0, 0, 0, 0, (last) }

#define TCP4(...) { .family = AF_INET, .src = A4(198, 18, 0, 1), .dst = A4(198, 19, 0, 1), \
		    .l4 = IPPROTO_TCP, .sport = 40000, .dport = 80, .tcp_flags = 0x02, \
		    .payload_len = 10, __VA_ARGS__ }
#define UDP4(...) { .family = AF_INET, .src = A4(198, 18, 0, 1), .dst = A4(198, 19, 0, 1), \
		    .l4 = IPPROTO_UDP, .sport = 40000, .dport = 53, .payload_len = 10, __VA_ARGS__ }
#define ICMP4(...) { .family = AF_INET, .src = A4(198, 18, 0, 1), .dst = A4(198, 19, 0, 1), \
		     .l4 = IPPROTO_ICMP, .icmp_type = 8, .payload_len = 10, __VA_ARGS__ }
#define TCP6(...) { .family = AF_INET6, .src = A6(0, 0, 1), .dst = A6(1, 0, 1), \
		    .l4 = IPPROTO_TCP, .sport = 40000, .dport = 80, .tcp_flags = 0x02, \
		    .payload_len = 10, __VA_ARGS__ }
#define UDP6(...) { .family = AF_INET6, .src = A6(0, 0, 1), .dst = A6(1, 0, 1), \
		    .l4 = IPPROTO_UDP, .sport = 40000, .dport = 53, .payload_len = 10, __VA_ARGS__ }
#define ICMP6(...) { .family = AF_INET6, .src = A6(0, 0, 1), .dst = A6(1, 0, 1), \
		     .l4 = IPPROTO_ICMPV6, .icmp_type = 128, .payload_len = 10, __VA_ARGS__ }
#define VLAN1(id) .n_vlans = 1, .vlans = { { ETH_P_8021Q, (id) } }
#define VLAN2(o, i) .n_vlans = 2, .vlans = { { ETH_P_8021AD, (o) }, { ETH_P_8021Q, (i) } }

struct fixture {
	const char *name;
	struct pb_spec spec;
	uint32_t ifindex; /* 0: the test run's default device (lo) */
	uint32_t xdp;
	uint32_t verdict;
	uint32_t reason;
	const char *rules[6]; /* rules counted once, NULL-terminated */
};

#define PASS_BY(...) XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE, { __VA_ARGS__, NULL }
#define DROP_BY(...) XDP_DROP, SL_VERDICT_DROP, SL_REASON_RULE, { __VA_ARGS__, NULL }
#define PASS_DEFAULT(...) XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE, { __VA_ARGS__ NULL }
#define DROP_DEFAULT(...) XDP_DROP, SL_VERDICT_DROP, SL_REASON_DEFAULT_POLICY, { __VA_ARGS__ NULL }

static void run_fixtures(const char *yaml, const char *base_dir, const struct fixture *fx, size_t n)
{
	struct xh h;
	size_t i;

	assert_int_equal(xh_open(&h, yaml, base_dir), 0);
	for (i = 0; i < n; i++) {
		uint8_t buf[2048];
		uint32_t ret = ~0u;
		const char *why;
		int len, err;

		len = pb_build(&fx[i].spec, buf, sizeof(buf), NULL);
		if (len < 0)
			fail_msg("%s: cannot build: %d", fx[i].name, len);
		err = xh_run(&h, buf, (size_t)len, fx[i].ifindex, &ret);
		if (err)
			fail_msg("%s: test run failed: %d", fx[i].name, err);
		if (ret != fx[i].xdp)
			fail_msg("%s: XDP returned %u, want %u", fx[i].name, ret, fx[i].xdp);
		why = xh_check_deltas(&h, (size_t)len, fx[i].verdict, fx[i].reason, fx[i].rules);
		if (why)
			fail_msg("%s: %s", fx[i].name, why);
	}
	xh_close(&h);
}

#define RUN(yaml, fx) run_fixtures((yaml), NULL, (fx), sizeof(fx) / sizeof((fx)[0]))

/* ------------------------------------------------------------- addresses */

/*
 * Sets, nested across two sets (inner in one, outer in another), inline
 * prefixes, a host, both families, and a set file.
 */
static const char cfg_addr[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"sets:\n"
	"  - name: outer\n"
	"    prefixes: [198.18.0.0/16, 2001:db8::/32]\n"
	"  - name: inner\n"
	"    prefixes: [198.18.5.0/24, 2001:db8:0:5::/64]\n"
	"  - name: only6\n"
	"    prefixes: 2001:db8:66::/48\n"
	"  - name: blocklist\n"
	"    file: blocklist.txt\n"
	"rules:\n"
	"  - name: src-inner\n"
	"    src: inner\n"
	"    action: drop\n"
	"  - name: src-outer\n"
	"    src: outer\n"
	"    action: count\n"
	"  - name: dst-inline\n"
	"    dst: [198.19.7.0/24, 2001:db8:7::/48]\n"
	"    action: drop\n"
	"  - name: dst-host\n"
	"    dst: 198.19.8.8\n"
	"    action: drop\n"
	"  - name: dst-only6\n"
	"    dst: only6\n"
	"    action: drop\n"
	"  - name: src-blocklist\n"
	"    src: blocklist\n"
	"    action: drop\n"
	"  - name: src-and-dst\n"
	"    src: [inner, 198.19.100.0/24]\n"
	"    dst: [outer, 2001:db8:f::/48]\n"
	"    action: drop\n";

static const struct fixture fx_addr[] = {
	{ "v4 src in inner", TCP4(.src = A4(198, 18, 5, 1)), 0, DROP_BY("src-inner") },
	{ "v4 src inner first", TCP4(.src = A4(198, 18, 5, 0)), 0, DROP_BY("src-inner") },
	{ "v4 src inner last", TCP4(.src = A4(198, 18, 5, 255)), 0, DROP_BY("src-inner") },
	{ "v4 src just below inner", TCP4(.src = A4(198, 18, 4, 255)), 0, PASS_DEFAULT("src-outer", ) },
	{ "v4 src just above inner", TCP4(.src = A4(198, 18, 6, 0)), 0, PASS_DEFAULT("src-outer", ) },
	{ "v4 src outside outer", TCP4(.src = A4(198, 17, 255, 255)), 0, PASS_DEFAULT() },
	{ "v4 dst inline", UDP4(.dst = A4(198, 19, 7, 9)), 0, DROP_BY("src-outer", "dst-inline") },
	{ "v4 dst next to inline", UDP4(.dst = A4(198, 19, 6, 255)), 0, PASS_DEFAULT("src-outer", ) },
	{ "v4 dst host", UDP4(.dst = A4(198, 19, 8, 8)), 0, DROP_BY("src-outer", "dst-host") },
	{ "v4 dst next to host", UDP4(.dst = A4(198, 19, 8, 9)), 0, PASS_DEFAULT("src-outer", ) },
	{ "v6 src in inner", TCP6(.src = A6(0, 5, 1)), 0, DROP_BY("src-inner") },
	{ "v6 src in outer only", TCP6(.src = A6(0, 6, 1)), 0, PASS_DEFAULT("src-outer", ) },
	{ "v6 src outside", TCP6(.src = { 0x20, 0x01, 0x0d, 0xb9 }), 0, PASS_DEFAULT() },
	{ "v6 dst inline", ICMP6(.dst = A6(7, 0xffff, 0xff)), 0, DROP_BY("src-outer", "dst-inline") },
	{ "v6 dst only6", ICMP6(.dst = A6(0x66, 0, 3)), 0, DROP_BY("src-outer", "dst-only6") },
	/* A set of one family never matches the other family's addresses. */
	{ "v4 vs only6", ICMP4(.src = A4(10, 0, 0, 1), .dst = { 0x20, 0x01, 0x0d, 0xb8 }), 0,
	  PASS_DEFAULT() },
	{ "v4 src in set file", TCP4(.src = A4(198, 19, 201, 3)), 0, DROP_BY("src-blocklist") },
	{ "v4 src host in set file", TCP4(.src = A4(198, 19, 250, 17)), 0, DROP_BY("src-blocklist") },
	{ "v4 src next to set file host", TCP4(.src = A4(198, 19, 250, 16)), 0, PASS_DEFAULT() },
	{ "v6 src in set file", TCP6(.src = A6(0xbad, 1, 1)), 0, DROP_BY("src-outer", "src-blocklist") },
	{ "v6 src host in set file", TCP6(.src = A6(0xbeef, 0, 1)), 0, DROP_BY("src-outer", "src-blocklist") },
	/* Both sides: src list (set or inline) and dst list. */
	{ "src inline + dst outer", TCP4(.src = A4(198, 19, 100, 1), .dst = A4(198, 18, 9, 9)), 0,
	  DROP_BY("src-and-dst") },
	{ "src inline + dst elsewhere", TCP4(.src = A4(198, 19, 100, 1), .dst = A4(10, 1, 1, 1)), 0,
	  PASS_DEFAULT() },
};

static void test_addresses(void **state)
{
	(void)state;
	RUN(cfg_addr, fx_addr);
}

/* ------------------------------------------------------- protocol, ports */

static const char cfg_ports[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: drop\n"
	"rules:\n"
	"  - name: tcp-22\n"
	"    protocol: tcp\n"
	"    dport: 22\n"
	"    action: accept\n"
	"  - name: tcp-range\n"
	"    protocol: tcp\n"
	"    dport: 1000-1999\n"
	"    action: drop\n"
	"  - name: udp-list\n"
	"    protocol: udp\n"
	"    dport: [53, 123, 5000-5010]\n"
	"    action: accept\n"
	"  - name: udp-low-sport\n"
	"    protocol: udp\n"
	"    sport: 0-1023\n"
	"    action: drop\n"
	"  - name: tcp-edges\n"
	"    protocol: tcp\n"
	"    sport: 65535\n"
	"    dport: 0\n"
	"    action: accept\n"
	"  - name: gre\n"
	"    protocol: 47\n"
	"    action: accept\n"
	"  - name: icmp-any\n"
	"    protocol: icmp\n"
	"    action: accept\n";

static const struct fixture fx_ports[] = {
	{ "tcp 22", TCP4(.dport = 22), 0, PASS_BY("tcp-22") },
	{ "tcp6 22", TCP6(.dport = 22), 0, PASS_BY("tcp-22") },
	{ "tcp 21", TCP4(.dport = 21), 0, DROP_DEFAULT() },
	{ "tcp 23", TCP4(.dport = 23), 0, DROP_DEFAULT() },
	{ "udp 22 (protocol differs)", UDP4(.dport = 22), 0, DROP_DEFAULT() },
	{ "tcp 999", TCP4(.dport = 999), 0, DROP_DEFAULT() },
	{ "tcp 1000", TCP4(.dport = 1000), 0, DROP_BY("tcp-range") },
	{ "tcp 1500", TCP6(.dport = 1500), 0, DROP_BY("tcp-range") },
	{ "tcp 1999", TCP4(.dport = 1999), 0, DROP_BY("tcp-range") },
	{ "tcp 2000", TCP4(.dport = 2000), 0, DROP_DEFAULT() },
	{ "udp 53", UDP4(.dport = 53), 0, PASS_BY("udp-list") },
	{ "udp 123", UDP6(.dport = 123), 0, PASS_BY("udp-list") },
	{ "udp 124", UDP4(.dport = 124), 0, DROP_DEFAULT() },
	{ "udp 4999", UDP4(.dport = 4999), 0, DROP_DEFAULT() },
	{ "udp 5000", UDP4(.dport = 5000), 0, PASS_BY("udp-list") },
	{ "udp 5010", UDP4(.dport = 5010), 0, PASS_BY("udp-list") },
	{ "udp 5011", UDP4(.dport = 5011), 0, DROP_DEFAULT() },
	{ "udp sport 0", UDP4(.sport = 0, .dport = 9), 0, DROP_BY("udp-low-sport") },
	{ "udp sport 1023", UDP4(.sport = 1023, .dport = 9), 0, DROP_BY("udp-low-sport") },
	{ "udp sport 1024", UDP4(.sport = 1024, .dport = 9), 0, DROP_DEFAULT() },
	{ "tcp 65535 -> 0", TCP4(.sport = 65535, .dport = 0), 0, PASS_BY("tcp-edges") },
	{ "tcp 65534 -> 0", TCP4(.sport = 65534, .dport = 0), 0, DROP_DEFAULT() },
	{ "tcp 65535 -> 1", TCP4(.sport = 65535, .dport = 1), 0, DROP_DEFAULT() },
	{ "gre", TCP4(.l4 = 47), 0, PASS_BY("gre") },
	{ "gre6", TCP6(.l4 = 47), 0, PASS_BY("gre") },
	{ "icmp", ICMP4(.icmp_type = 13), 0, PASS_BY("icmp-any") },
	{ "icmpv6 (not icmp)", ICMP6(), 0, DROP_DEFAULT() },
	/* A non-first fragment has no ports: a port rule cannot match it. */
	{ "tcp 22 non-first fragment", TCP4(.dport = 22, .frag_offset = 100), 0, DROP_DEFAULT() },
	{ "udp 53 non-first fragment", UDP6(.n_ext = 1, .ext = { { .type = 44, .frag_offset = 9 } }), 0,
	  DROP_DEFAULT() },
	{ "tcp 22 first fragment", TCP4(.dport = 22, .frag_more = true), 0, PASS_BY("tcp-22") },
};

static void test_protocol_ports(void **state)
{
	(void)state;
	RUN(cfg_ports, fx_ports);
}

/* ------------------------------------------------------------- TCP flags */

static const char cfg_flags[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"rules:\n"
	"  - name: syn-not-ack\n"
	"    protocol: tcp\n"
	"    tcp_flags: syn,!ack\n"
	"    action: drop\n"
	"  - name: rst\n"
	"    protocol: tcp\n"
	"    tcp_flags: rst\n"
	"    action: count\n"
	"  - name: fin-not-syn\n"
	"    protocol: tcp\n"
	"    tcp_flags: [fin, '!syn']\n"
	"    action: drop\n"
	"  - name: xmas\n"
	"    protocol: tcp\n"
	"    tcp_flags: fin,psh,urg\n"
	"    action: drop\n"
	"  - name: null-scan\n"
	"    protocol: tcp\n"
	"    tcp_flags: '!fin,!syn,!rst,!psh,!ack,!urg,!ece,!cwr'\n"
	"    action: drop\n";

static const struct fixture fx_flags[] = {
	{ "syn", TCP4(.tcp_flags = 0x02), 0, DROP_BY("syn-not-ack") },
	{ "syn ece cwr", TCP6(.tcp_flags = 0xc2), 0, DROP_BY("syn-not-ack") },
	{ "syn ack", TCP4(.tcp_flags = 0x12), 0, PASS_DEFAULT() },
	{ "ack", TCP4(.tcp_flags = 0x10), 0, PASS_DEFAULT() },
	{ "rst", TCP4(.tcp_flags = 0x04), 0, PASS_DEFAULT("rst", ) },
	{ "rst ack", TCP6(.tcp_flags = 0x14), 0, PASS_DEFAULT("rst", ) },
	{ "syn rst", TCP4(.tcp_flags = 0x06), 0, DROP_BY("syn-not-ack") },
	{ "fin ack", TCP4(.tcp_flags = 0x11), 0, DROP_BY("fin-not-syn") },
	{ "fin syn", TCP4(.tcp_flags = 0x03), 0, DROP_BY("syn-not-ack") },
	{ "fin syn ack", TCP4(.tcp_flags = 0x13), 0, PASS_DEFAULT() },
	{ "rst fin", TCP4(.tcp_flags = 0x05), 0, DROP_BY("rst", "fin-not-syn") },
	{ "xmas", TCP4(.tcp_flags = 0x29 | 0x02), 0, DROP_BY("syn-not-ack") },
	{ "null", TCP4(.tcp_flags = 0), 0, DROP_BY("null-scan") },
	{ "psh urg", TCP4(.tcp_flags = 0x28), 0, PASS_DEFAULT() },
	/* No TCP header, no flags: a flags rule (even all-clear) cannot match. */
	{ "udp", UDP4(), 0, PASS_DEFAULT() },
	{ "tcp non-first fragment", TCP4(.tcp_flags = 0, .frag_offset = 3), 0, PASS_DEFAULT() },
};

static void test_tcp_flags(void **state)
{
	(void)state;
	RUN(cfg_flags, fx_flags);
}

/* ------------------------------------------------------------- ICMP type */

static const char cfg_icmp[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"rules:\n"
	"  - name: echo4\n"
	"    protocol: icmp\n"
	"    icmp_type: echo-request\n"
	"    action: drop\n"
	"  - name: unreach4\n"
	"    protocol: icmp\n"
	"    icmp_type: 3\n"
	"    action: drop\n"
	"  - name: echo6\n"
	"    protocol: icmpv6\n"
	"    icmp_type: 128\n"
	"    action: drop\n"
	"  - name: ns6\n"
	"    protocol: icmpv6\n"
	"    icmp_type: nd-neighbor-solicit\n"
	"    action: count\n"
	"  - name: type255\n"
	"    protocol: icmpv6\n"
	"    icmp_type: 255\n"
	"    action: drop\n";

static const struct fixture fx_icmp[] = {
	{ "icmp echo", ICMP4(.icmp_type = 8), 0, DROP_BY("echo4") },
	{ "icmp unreachable", ICMP4(.icmp_type = 3, .icmp_code = 4), 0, DROP_BY("unreach4") },
	{ "icmp echo reply", ICMP4(.icmp_type = 0), 0, PASS_DEFAULT() },
	{ "icmp type 128", ICMP4(.icmp_type = 128), 0, PASS_DEFAULT() },
	{ "icmpv6 echo", ICMP6(.icmp_type = 128), 0, DROP_BY("echo6") },
	{ "icmpv6 ns", ICMP6(.icmp_type = 135), 0, PASS_DEFAULT("ns6", ) },
	{ "icmpv6 type 8", ICMP6(.icmp_type = 8), 0, PASS_DEFAULT() },
	{ "icmpv6 type 3", ICMP6(.icmp_type = 3), 0, PASS_DEFAULT() },
	{ "icmpv6 type 255", ICMP6(.icmp_type = 255), 0, DROP_BY("type255") },
	{ "icmpv6 type 0", ICMP6(.icmp_type = 0), 0, PASS_DEFAULT() },
	{ "tcp", TCP4(), 0, PASS_DEFAULT() },
};

static void test_icmp_type(void **state)
{
	(void)state;
	RUN(cfg_icmp, fx_icmp);
}

/* ------------------------------------------------------- VLAN, interface */

static const char cfg_vlan[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"rules:\n"
	"  - name: vlan-100\n"
	"    vlan: 100\n"
	"    action: drop\n"
	"  - name: vlan-4095\n"
	"    vlan: 4095\n"
	"    action: drop\n"
	"  - name: vlan-0\n"
	"    vlan: 0\n"
	"    action: count\n";

static const struct fixture fx_vlan[] = {
	{ "untagged", TCP4(), 0, PASS_DEFAULT() },
	{ "vlan 100", TCP4(VLAN1(100)), 0, DROP_BY("vlan-100") },
	{ "vlan 100 v6", UDP6(VLAN1(100)), 0, DROP_BY("vlan-100") },
	{ "vlan 99", TCP4(VLAN1(99)), 0, PASS_DEFAULT() },
	{ "vlan 101", TCP4(VLAN1(101)), 0, PASS_DEFAULT() },
	{ "vlan 4095", TCP4(VLAN1(4095)), 0, DROP_BY("vlan-4095") },
	{ "vlan 0", TCP4(VLAN1(0)), 0, PASS_DEFAULT("vlan-0", ) },
	{ "outer 100 inner 5", TCP4(VLAN2(100, 5)), 0, DROP_BY("vlan-100") },
	{ "outer 5 inner 100", TCP4(VLAN2(5, 100)), 0, PASS_DEFAULT() },
};

static void test_vlan(void **state)
{
	(void)state;
	RUN(cfg_vlan, fx_vlan);
}

/* The ifindex of a device other than lo, or 0 when there is none. */
static uint32_t other_ifindex(char *name)
{
	struct if_nameindex *all = if_nameindex(), *i;
	uint32_t found = 0;

	if (!all)
		return 0;
	for (i = all; i->if_index; i++) {
		if (i->if_index != LO) {
			found = i->if_index;
			snprintf(name, IF_NAMESIZE, "%s", i->if_name);
			break;
		}
	}
	if_freenameindex(all);
	return found;
}

static const char cfg_iface[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"rules:\n"
	"  - name: on-lo\n"
	"    interface: lo\n"
	"    protocol: udp\n"
	"    action: drop\n";

/*
 * A test run without a context runs on lo, so ingress_ifindex 0 (no
 * context field) behaves as lo; another device must not match.
 */
static void test_interface(void **state)
{
	char other[IF_NAMESIZE] = "";
	struct fixture fx[] = {
		{ "udp on lo", UDP4(), LO, DROP_BY("on-lo") },
		{ "tcp on lo", TCP4(), LO, PASS_DEFAULT() },
		{ "udp6 on lo", UDP6(), LO, DROP_BY("on-lo") },
		{ "udp on another device", UDP4(), 0, PASS_DEFAULT() },
	};
	size_t n = 3;

	(void)state;
	fx[3].ifindex = other_ifindex(other);
	if (fx[3].ifindex)
		n = 4;
	else
		print_message("no device besides lo: only lo is tested\n");
	run_fixtures(cfg_iface, NULL, fx, n);
}

/* -------------------------------------------------------------- combined */

static const char cfg_combined[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"sets:\n"
	"  - name: clients\n"
	"    prefixes: [198.18.0.0/24, 2001:db8::/64]\n"
	"rules:\n"
	"  - name: all-fields\n"
	"    src: clients\n"
	"    dst: [198.19.0.0/24, 2001:db8:1::/48]\n"
	"    protocol: tcp\n"
	"    sport: 40000-40010\n"
	"    dport: [443, 8443]\n"
	"    tcp_flags: syn,!ack\n"
	"    vlan: 10\n"
	"    interface: lo\n"
	"    action: drop\n"
	"  - name: icmp-combined\n"
	"    src: clients\n"
	"    protocol: icmpv6\n"
	"    icmp_type: echo-request\n"
	"    vlan: 10\n"
	"    action: drop\n";

static const struct fixture fx_combined[] = {
	{ "all match", TCP4(VLAN1(10), .dport = 443), LO, DROP_BY("all-fields") },
	{ "all match v6", TCP6(VLAN1(10), .dport = 8443, .sport = 40010), LO, DROP_BY("all-fields") },
	{ "src differs", TCP4(VLAN1(10), .dport = 443, .src = A4(198, 18, 1, 1)), LO, PASS_DEFAULT() },
	{ "dst differs", TCP4(VLAN1(10), .dport = 443, .dst = A4(198, 19, 1, 1)), LO, PASS_DEFAULT() },
	{ "protocol differs", UDP4(VLAN1(10), .dport = 443), LO, PASS_DEFAULT() },
	{ "sport differs", TCP4(VLAN1(10), .dport = 443, .sport = 40011), LO, PASS_DEFAULT() },
	{ "dport differs", TCP4(VLAN1(10), .dport = 444), LO, PASS_DEFAULT() },
	{ "flags differ", TCP4(VLAN1(10), .dport = 443, .tcp_flags = 0x12), LO, PASS_DEFAULT() },
	{ "vlan differs", TCP4(VLAN1(11), .dport = 443), LO, PASS_DEFAULT() },
	{ "untagged", TCP4(.dport = 443), LO, PASS_DEFAULT() },
	{ "icmpv6 all match", ICMP6(VLAN1(10)), LO, DROP_BY("icmp-combined") },
	{ "icmpv6 type differs", ICMP6(VLAN1(10), .icmp_type = 129), LO, PASS_DEFAULT() },
	{ "icmp (v4) echo", ICMP4(VLAN1(10)), LO, PASS_DEFAULT() },
};

static void test_combined(void **state)
{
	char other[IF_NAMESIZE] = "";
	struct fixture fx = { "interface differs", TCP4(VLAN1(10), .dport = 443), 0, PASS_DEFAULT() };

	(void)state;
	RUN(cfg_combined, fx_combined);
	fx.ifindex = other_ifindex(other);
	if (fx.ifindex)
		run_fixtures(cfg_combined, NULL, &fx, 1);
}

/* ----------------------------------------------- actions, order, default */

static const char cfg_actions[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: drop\n"
	"rules:\n"
	"  - name: count-tcp\n"
	"    protocol: tcp\n"
	"    action: count\n"
	"  - name: count-80\n"
	"    protocol: tcp\n"
	"    dport: 80\n"
	"    action: count\n"
	"  - name: accept-80\n"
	"    protocol: tcp\n"
	"    dport: 80\n"
	"    action: accept\n"
	"  - name: drop-80\n"
	"    protocol: tcp\n"
	"    dport: 80\n"
	"    action: drop\n"
	"  - name: drop-81\n"
	"    protocol: tcp\n"
	"    dport: 81\n"
	"    action: drop\n"
	"  - name: accept-81\n"
	"    protocol: tcp\n"
	"    dport: 81\n"
	"    action: accept\n"
	"  - name: count-udp\n"
	"    protocol: udp\n"
	"    action: count\n";

static const struct fixture fx_actions[] = {
	/* Count rules count and continue; the first accept or drop decides. */
	{ "tcp 80", TCP4(.dport = 80), 0, PASS_BY("count-tcp", "count-80", "accept-80") },
	{ "tcp 81", TCP6(.dport = 81), 0, DROP_BY("count-tcp", "drop-81") },
	{ "tcp 82", TCP4(.dport = 82), 0, DROP_DEFAULT("count-tcp", ) },
	{ "udp", UDP4(), 0, DROP_DEFAULT("count-udp", ) },
	{ "icmp", ICMP4(), 0, DROP_DEFAULT() },
};

static void test_actions_order(void **state)
{
	(void)state;
	RUN(cfg_actions, fx_actions);
}

static void test_default_policies(void **state)
{
	static const char accept_no_rules[] = "version: 1\nsettings:\n  default_policy: accept\n";
	static const char drop_no_rules[] = "version: 1\nsettings:\n  default_policy: drop\n";
	static const char drop_count_only[] =
		"version: 1\nsettings:\n  default_policy: drop\n"
		"rules:\n  - name: everything\n    action: count\n";
	static const struct fixture accept_fx[] = {
		{ "tcp", TCP4(), 0, PASS_DEFAULT() },
		{ "icmp6", ICMP6(), 0, PASS_DEFAULT() },
	};
	static const struct fixture drop_fx[] = {
		{ "tcp", TCP4(), 0, DROP_DEFAULT() },
		{ "udp6", UDP6(), 0, DROP_DEFAULT() },
	};
	static const struct fixture count_fx[] = {
		{ "tcp", TCP4(), 0, DROP_DEFAULT("everything", ) },
		{ "udp6 vlan", UDP6(VLAN1(3)), 0, DROP_DEFAULT("everything", ) },
	};

	(void)state;
	RUN(accept_no_rules, accept_fx);
	RUN(drop_no_rules, drop_fx);
	RUN(drop_count_only, count_fx);
}

/* ------------------------------------------------------------ 1,000 rules */

static char *gen_many_rules(size_t n)
{
	size_t cap = 128 + n * 128, off = 0, i;
	char *y = malloc(cap);

	if (!y)
		return NULL;
	off += (size_t)snprintf(y + off, cap - off,
				"version: 1\nsettings:\n  default_policy: drop\nrules:\n");
	for (i = 0; i + 1 < n; i++)
		off += (size_t)snprintf(y + off, cap - off,
					"  - name: r%zu\n    protocol: tcp\n    dport: %zu\n"
					"    action: drop\n",
					i, 10000 + i);
	snprintf(y + off, cap - off,
		 "  - name: last\n    protocol: udp\n    dport: 53\n    action: accept\n");
	return y;
}

static void test_1000_rules(void **state)
{
	char *yaml = gen_many_rules(1000);
	struct fixture fx[] = {
		{ "only the last matches", UDP4(.dport = 53), 0, PASS_BY("last") },
		{ "only the last matches v6", UDP6(.dport = 53), 0, PASS_BY("last") },
		{ "rule 0", TCP4(.dport = 10000), 0, DROP_BY("r0") },
		{ "rule 63", TCP4(.dport = 10063), 0, DROP_BY("r63") },
		{ "rule 64", TCP4(.dport = 10064), 0, DROP_BY("r64") },
		{ "rule 998", TCP6(.dport = 10998), 0, DROP_BY("r998") },
		{ "none", TCP4(.dport = 10999), 0, DROP_DEFAULT() },
	};

	(void)state;
	assert_non_null(yaml);
	run_fixtures(yaml, NULL, fx, sizeof(fx) / sizeof(fx[0]));
	free(yaml);
}

/* -------------------------------------------------- 1,000,000 prefixes */

#define BIG_SET 1000000 /* about 2 s to load, also under ASan */

/* Host i of the big set: every other address from 10.0.0.0. */
static void big_host(uint32_t i, uint8_t a[4])
{
	uint32_t v = 0x0a000000u + 2 * i;

	a[0] = v >> 24;
	a[1] = (v >> 16) & 0xff;
	a[2] = (v >> 8) & 0xff;
	a[3] = v & 0xff;
}

static void test_big_set(void **state)
{
	char dir[] = "/tmp/sluice-bigset-XXXXXX", path[64];
	static const char yaml[] =
		"version: 1\n"
		"settings:\n"
		"  default_policy: accept\n"
		"sets:\n"
		"  - name: big\n"
		"    file: big.txt\n"
		"rules:\n"
		"  - name: big-src\n"
		"    src: big\n"
		"    action: drop\n";
	const uint32_t probes[] = { 0, 1, BIG_SET / 2, BIG_SET - 2, BIG_SET - 1 };
	struct timespec t0, t1;
	struct xh h;
	FILE *f;
	uint32_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# %d host prefixes\n", BIG_SET);
	for (i = 0; i < BIG_SET; i++) {
		uint8_t a[4];

		big_host(i, a);
		fprintf(f, "%u.%u.%u.%u/32\n", a[0], a[1], a[2], a[3]);
	}
	assert_int_equal(fclose(f), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(xh_open(&h, yaml, dir), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("loaded %d prefixes in %.2f s\n", BIG_SET,
		      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	unlink(path);
	rmdir(dir);
	assert_true(h.tables->n_pfx4 >= BIG_SET);

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct pb_spec in = TCP4(), out;
		const char *const drop[] = { "big-src", NULL };
		uint8_t buf[256];
		uint32_t ret;
		int len;

		big_host(probes[i], in.src);
		out = in;
		out.src[3] |= 1; /* the odd neighbour is not in the set */
		len = pb_build(&in, buf, sizeof(buf), NULL);
		assert_int_equal(xh_run(&h, buf, (size_t)len, 0, &ret), 0);
		assert_int_equal(ret, XDP_DROP);
		assert_null(xh_check_deltas(&h, (size_t)len, SL_VERDICT_DROP, SL_REASON_RULE, drop));
		len = pb_build(&out, buf, sizeof(buf), NULL);
		assert_int_equal(xh_run(&h, buf, (size_t)len, 0, &ret), 0);
		assert_int_equal(ret, XDP_PASS);
		assert_null(xh_check_deltas(&h, (size_t)len, SL_VERDICT_PASS, SL_REASON_NONE, NULL));
	}
	xh_close(&h);
}

/* ------------------------------------------------ per-interface counters */

#define HIGH_IFINDEX 2000 /* above the 1024 slots sl_iface_stats once had */

/*
 * A veth with ifindex HIGH_IFINDEX in a network namespace of our own:
 * BPF_PROG_TEST_RUN takes an ingress_ifindex only of a device that
 * exists. Returns the fd of the namespace to go back to, -1 to skip.
 */
static int enter_high_ifindex_netns(void)
{
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (orig < 0)
		return -1;
	if (unshare(CLONE_NEWNET)) {
		print_message("cannot make a network namespace (%s)\n", strerror(errno));
		close(orig);
		return -1;
	}
	if (system("ip link add slifst0 index " SL_STR(HIGH_IFINDEX)
		   " type veth peer name slifst1 >/dev/null 2>&1") ||
	    if_nametoindex("slifst0") != HIGH_IFINDEX) {
		print_message("cannot make a veth of ifindex %d\n", HIGH_IFINDEX);
		assert_int_equal(setns(orig, CLONE_NEWNET), 0);
		close(orig);
		return -1;
	}
	return orig;
}

/*
 * Packets are counted by their ingress ifindex, also one far above 1024
 * (sl_iface_stats is a hash by ifindex), and the table is in ifindex order.
 */
static void test_iface_counters(void **state)
{
	static const char yaml[] = "version: 1\n"
				   "settings:\n"
				   "  default_policy: accept\n"
				   "rules:\n"
				   "  - name: no-udp\n"
				   "    protocol: udp\n"
				   "    action: drop\n";
	struct pb_spec tcp = TCP4(), udp = UDP4();
	struct sl_stats *st = calloc(1, sizeof(*st));
	uint8_t tbuf[512], ubuf[512];
	int tlen, ulen, orig, i;
	uint32_t ret;
	struct xh h;

	(void)state;
	assert_non_null(st);
	orig = enter_high_ifindex_netns();
	if (orig < 0) {
		free(st);
		skip();
	}
	tlen = pb_build(&tcp, tbuf, sizeof(tbuf), NULL);
	ulen = pb_build(&udp, ubuf, sizeof(ubuf), NULL);
	assert_true(tlen > 0 && ulen > 0);
	assert_int_equal(xh_open(&h, yaml, NULL), 0);
	/* lo: 3 passed, 2 dropped; the high one: 4 passed, 1 dropped. */
	for (i = 0; i < 3; i++)
		assert_int_equal(xh_run_fast(&h, tbuf, (size_t)tlen, LO, &ret), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(xh_run_fast(&h, ubuf, (size_t)ulen, LO, &ret), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(xh_run_fast(&h, tbuf, (size_t)tlen, HIGH_IFINDEX, &ret), 0);
		assert_int_equal(ret, XDP_PASS);
	}
	assert_int_equal(xh_run_fast(&h, ubuf, (size_t)ulen, HIGH_IFINDEX, &ret), 0);
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(xh_stats(&h, st), 0);
	assert_int_equal(st->n_ifaces, 2);
	assert_int_equal(st->ifaces[0].ifindex, LO);
	assert_int_equal(st->ifaces[0].c[SL_VERDICT_PASS].packets, 3);
	assert_int_equal(st->ifaces[0].c[SL_VERDICT_PASS].bytes, 3 * (uint64_t)tlen);
	assert_int_equal(st->ifaces[0].c[SL_VERDICT_DROP].packets, 2);
	assert_int_equal(st->ifaces[0].c[SL_VERDICT_DROP].bytes, 2 * (uint64_t)ulen);
	assert_int_equal(st->ifaces[0].c[SL_VERDICT_STEER].packets, 0);
	assert_int_equal(st->ifaces[1].ifindex, HIGH_IFINDEX);
	assert_int_equal(st->ifaces[1].c[SL_VERDICT_PASS].packets, 4);
	assert_int_equal(st->ifaces[1].c[SL_VERDICT_PASS].bytes, 4 * (uint64_t)tlen);
	assert_int_equal(st->ifaces[1].c[SL_VERDICT_DROP].packets, 1);
	assert_int_equal(st->ifaces[1].c[SL_VERDICT_DROP].bytes, (uint64_t)ulen);
	assert_int_equal(st->ifaces[1].c[SL_VERDICT_STEER].packets, 0);
	xh_close(&h);
	free(st);
	/* The namespace, and the veth with it, goes when nothing is in it. */
	assert_int_equal(setns(orig, CLONE_NEWNET), 0);
	close(orig);
}

/* ------------------------------------------------------------ differential */

/* Pools of values the random rules and packets draw from, so they meet. */
static const char *const pool4[] = {
	"198.18.0.0/15", "198.18.0.0/16", "198.18.4.0/22", "198.18.5.0/24", "198.18.5.128/25",
	"198.18.5.7/32", "198.19.0.0/16", "198.19.128.0/17", "198.19.128.1/32", "0.0.0.0/0",
};
static const char *const pool6[] = {
	"2001:db8::/32", "2001:db8::/48", "2001:db8:0:5::/64", "2001:db8:0:5::7/128",
	"2001:db8:1::/48", "2001:db8:8000::/33", "2001:db8:1:2::/64", "::/0",
};
static const uint16_t port_pool[] = { 0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65534, 65535 };
static const uint8_t proto_pool[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, 47 };
static const uint8_t icmp4_pool[] = { 0, 3, 8, 11 };
static const uint8_t icmp6_pool[] = { 1, 128, 129, 135 };
static const uint16_t vlan_pool[] = { 0, 10, 20, 4095 };
static const char *const flag_names[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr" };

#define N_(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: reproducible from the printed seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return n ? (uint32_t)((rng_state * 2685821657736338717ULL) >> 32) % n : 0;
}

struct gen {
	char *buf;
	size_t cap, off;
};

static void g_printf(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void g_printf(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (g->off >= g->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(g->buf + g->off, g->cap - g->off, fmt, ap);
	va_end(ap);
	if (w > 0)
		g->off += (size_t)w;
}

static const char *rnd_prefix(void)
{
	return rnd(2) ? pool4[rnd(N_(pool4))] : pool6[rnd(N_(pool6))];
}

static void g_ports(struct gen *g, const char *key)
{
	uint32_t n = 1 + rnd(3), i;

	g_printf(g, "    %s: [", key);
	for (i = 0; i < n; i++) {
		uint16_t a = port_pool[rnd(N_(port_pool))], b = port_pool[rnd(N_(port_pool))];

		if (rnd(2))
			g_printf(g, "%s%u", i ? ", " : "", a);
		else
			g_printf(g, "%s%u-%u", i ? ", " : "", a < b ? a : b, a < b ? b : a);
	}
	g_printf(g, "]\n");
}

static void g_addrs(struct gen *g, const char *key)
{
	uint32_t n = 1 + rnd(3), i;

	g_printf(g, "    %s: [", key);
	for (i = 0; i < n; i++) {
		if (rnd(2))
			g_printf(g, "%sset%u", i ? ", " : "", rnd(3));
		else
			g_printf(g, "%s'%s'", i ? ", " : "", rnd_prefix()); /* '::/0' needs quotes */
	}
	g_printf(g, "]\n");
}

/* A random config of n_rules rules over the pools; caller frees. */
static char *gen_random_config(uint32_t n_rules)
{
	static const char *const actions[] = { "accept", "drop", "count" };
	struct gen g = { .cap = 4096 + (size_t)n_rules * 512 };
	uint32_t i, j;

	g.buf = malloc(g.cap);
	if (!g.buf)
		return NULL;
	g_printf(&g, "version: 1\nsettings:\n  default_policy: %s\n  fragments: rules\nsets:\n",
		 rnd(2) ? "accept" : "drop");
	for (i = 0; i < 3; i++) {
		g_printf(&g, "  - name: set%u\n    prefixes: [", i);
		for (j = 0; j < 1 + rnd(4); j++)
			/* quoted: YAML 1.1 (libyaml) refuses a plain "::/0" in a flow list */
			g_printf(&g, "%s'%s'", j ? ", " : "", rnd_prefix());
		g_printf(&g, "]\n");
	}
	g_printf(&g, "rules:\n");
	for (i = 0; i < n_rules; i++) {
		uint8_t proto = proto_pool[rnd(N_(proto_pool))];

		bool src = !rnd(2), dst = !rnd(2);

		g_printf(&g, "  - name: r%u\n", i);
		if (src)
			g_addrs(&g, "src");
		if (dst)
			g_addrs(&g, "dst");
		/* Rules without addresses always name a protocol: few catch-alls. */
		if ((!src && !dst) || rnd(4)) {
			g_printf(&g, "    protocol: %u\n", proto);
			if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && rnd(2))
				g_ports(&g, "sport");
			if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && rnd(2))
				g_ports(&g, "dport");
			if (proto == IPPROTO_TCP && !rnd(3)) {
				uint32_t mask = 1 + rnd(255), k, first = 1;

				g_printf(&g, "    tcp_flags: '");
				for (k = 0; k < 8; k++) {
					if (!(mask & (1u << k)))
						continue;
					g_printf(&g, "%s%s%s", first ? "" : ",", rnd(2) ? "!" : "",
						 flag_names[k]);
					first = 0;
				}
				g_printf(&g, "'\n");
			}
			if (proto == IPPROTO_ICMP && rnd(2))
				g_printf(&g, "    icmp_type: %u\n", icmp4_pool[rnd(N_(icmp4_pool))]);
			if (proto == IPPROTO_ICMPV6 && rnd(2))
				g_printf(&g, "    icmp_type: %u\n", icmp6_pool[rnd(N_(icmp6_pool))]);
		}
		if (!rnd(5))
			g_printf(&g, "    vlan: %u\n", vlan_pool[rnd(N_(vlan_pool))]);
		if (!rnd(8))
			g_printf(&g, "    interface: lo\n");
		g_printf(&g, "    action: %s\n", actions[rnd(3)]);
	}
	if (g.off >= g.cap) {
		free(g.buf);
		return NULL;
	}
	return g.buf;
}

/* An address inside a random pool prefix, or anywhere. */
static void rnd_addr(int family, uint8_t *a)
{
	const char *pfx = family == AF_INET ? pool4[rnd(N_(pool4))] : pool6[rnd(N_(pool6))];
	size_t n = family == AF_INET ? 4 : 16, i;
	char txt[64];
	char *slash;
	int len;

	for (i = 0; i < n; i++)
		a[i] = (uint8_t)rnd(256);
	if (!rnd(4))
		return;
	snprintf(txt, sizeof(txt), "%s", pfx);
	slash = strchr(txt, '/');
	*slash = '\0';
	len = atoi(slash + 1);
	{
		uint8_t base[16];

		assert_int_equal(inet_pton(family, txt, base), 1);
		/* Keep the prefix bits, randomize the host bits (mostly few of them). */
		for (i = 0; i < n; i++) {
			int keep = len - (int)i * 8;
			uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

			if (rnd(2) && keep < 8)
				a[i] = (uint8_t)rnd(4); /* near the start of the prefix */
			a[i] = (uint8_t)((base[i] & m) | (a[i] & ~m));
		}
	}
}

/* A random packet over the pools; also what the parser will make of it. */
static void rnd_packet(struct pb_spec *s, uint32_t *ifindex, uint32_t other,
		       struct sl_match_input *in)
{
	int family = rnd(2) ? AF_INET : AF_INET6;
	bool nonfirst;

	memset(s, 0, sizeof(*s));
	memset(in, 0, sizeof(*in));
	s->family = family;
	rnd_addr(family, s->src);
	rnd_addr(family, s->dst);
	s->l4 = proto_pool[rnd(N_(proto_pool))];
	s->sport = rnd(4) ? port_pool[rnd(N_(port_pool))] : (uint16_t)rnd(65536);
	s->dport = rnd(4) ? port_pool[rnd(N_(port_pool))] : (uint16_t)rnd(65536);
	s->tcp_flags = (uint8_t)rnd(256);
	s->icmp_type = rnd(2) ? (rnd(2) ? icmp4_pool[rnd(4)] : icmp6_pool[rnd(4)]) : (uint8_t)rnd(256);
	s->payload_len = (uint16_t)rnd(64);
	s->n_vlans = (uint8_t)rnd(3);
	s->vlans[0].vid = vlan_pool[rnd(N_(vlan_pool))];
	s->vlans[1].vid = vlan_pool[rnd(N_(vlan_pool))];
	s->vlans[0].tpid = rnd(2) ? ETH_P_8021AD : ETH_P_8021Q;
	nonfirst = !rnd(10);
	if (nonfirst && family == AF_INET) {
		s->frag_offset = (uint16_t)(1 + rnd(100));
	} else if (nonfirst) {
		s->n_ext = 1;
		s->ext[0].type = 44;
		s->ext[0].frag_offset = (uint16_t)(1 + rnd(100));
	}
	*ifindex = (other && rnd(2)) ? other : LO;

	in->family = family;
	memcpy(in->src, s->src, 16);
	memcpy(in->dst, s->dst, 16);
	in->proto = s->l4;
	in->sport = in->dport = SL_PORT_NONE;
	in->tcp_flags = SL_TCP_FLAGS_NONE;
	in->icmp = SL_ICMP_NONE;
	in->vlan = s->n_vlans ? s->vlans[0].vid : SL_VLAN_NONE;
	in->iface = *ifindex == LO ? "lo" : "(other)";
	if (nonfirst)
		return;
	switch (s->l4) {
	case IPPROTO_TCP:
		in->tcp_flags = s->tcp_flags;
		/* fall through */
	case IPPROTO_UDP:
		in->sport = s->sport;
		in->dport = s->dport;
		break;
	case IPPROTO_ICMP:
		if (family == AF_INET)
			in->icmp = s->icmp_type;
		break;
	case IPPROTO_ICMPV6:
		if (family == AF_INET6)
			in->icmp = SL_ICMP6_BASE + s->icmp_type;
		break;
	}
}

static uint64_t env_seed(void)
{
	const char *s = getenv("SLUICE_SEED");

	return s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
}

static void test_differential(void **state)
{
	const uint32_t rounds = 24, packets = 600;
	uint64_t seed = env_seed();
	char other_name[IF_NAMESIZE] = "";
	uint32_t other = other_ifindex(other_name);
	uint32_t r, p, total = 0, by_rule = 0, dropped = 0;

	(void)state;
	print_message("differential seed %llu (set SLUICE_SEED to replay)\n",
		      (unsigned long long)seed);
	rng_state = seed ? seed : 1;
	for (r = 0; r < rounds; r++) {
		/* Mostly small sets, some spanning several bitmap words. */
		uint32_t n_rules = r % 6 == 5 ? 100 + rnd(300) : 1 + rnd(40);
		char *yaml = gen_random_config(n_rules);
		uint64_t want_verdicts[SL_VERDICT_COUNT] = { 0 };
		uint64_t *want_rule = calloc(SL_MAX_RULES, sizeof(*want_rule));
		struct sl_stats *st = calloc(1, sizeof(*st));
		struct xh h;

		assert_non_null(yaml);
		assert_non_null(want_rule);
		assert_non_null(st);
		if (xh_open(&h, yaml, NULL))
			fail_msg("round %u (seed %llu): config did not load:\n%s", r,
				 (unsigned long long)seed, yaml);
		for (p = 0; p < packets; p++) {
			struct sl_match_input in;
			struct pb_spec s;
			uint8_t buf[512];
			uint32_t ifindex, ret;
			int len, rule, verdict;

			rnd_packet(&s, &ifindex, other, &in);
			len = pb_build(&s, buf, sizeof(buf), NULL);
			assert_true(len > 0);
			verdict = sl_tables_classify(h.tables, &in, &rule);
			assert_int_equal(xh_run_fast(&h, buf, (size_t)len, ifindex, &ret), 0);
			if (ret != (verdict == SL_VERDICT_DROP ? XDP_DROP : XDP_PASS))
				fail_msg("round %u packet %u (seed %llu): XDP %u, reference verdict %d "
					 "(rule %d)\n%s",
					 r, p, (unsigned long long)seed, ret, verdict, rule, yaml);
			want_verdicts[verdict]++;
			dropped += verdict == SL_VERDICT_DROP;
			if (rule >= 0) {
				by_rule++;
				want_rule[rule]++;
				if (xh_rule_packets(&h, (uint32_t)rule) != (int64_t)want_rule[rule])
					fail_msg("round %u packet %u (seed %llu): rule %d counted %lld, want %llu",
						 r, p, (unsigned long long)seed, rule,
						 (long long)xh_rule_packets(&h, (uint32_t)rule),
						 (unsigned long long)want_rule[rule]);
			}
			total++;
		}
		assert_int_equal(xh_stats(&h, st), 0);
		assert_int_equal(st->verdicts[SL_VERDICT_PASS].packets, want_verdicts[SL_VERDICT_PASS]);
		assert_int_equal(st->verdicts[SL_VERDICT_DROP].packets, want_verdicts[SL_VERDICT_DROP]);
		/* The per-interface counters hold every packet once, by the same
		 * verdicts (the packets come in on the interfaces the test picks). */
		{
			uint64_t by_if[SL_VERDICT_COUNT] = { 0 }, bytes_if = 0;
			uint32_t i, v;

			for (i = 0; i < st->n_ifaces; i++) {
				if (i)
					assert_true(st->ifaces[i - 1].ifindex < st->ifaces[i].ifindex);
				for (v = 0; v < SL_VERDICT_COUNT; v++)
					by_if[v] += st->ifaces[i].c[v].packets;
				bytes_if += st->ifaces[i].c[SL_VERDICT_PASS].bytes;
			}
			assert_int_equal(by_if[SL_VERDICT_PASS], want_verdicts[SL_VERDICT_PASS]);
			assert_int_equal(by_if[SL_VERDICT_DROP], want_verdicts[SL_VERDICT_DROP]);
			assert_int_equal(bytes_if, st->verdicts[SL_VERDICT_PASS].bytes);
		}
		/* Accept and drop rules are counted only when they decide. */
		for (p = 0; p < h.tables->n_rules; p++)
			if (h.tables->rules[p].action != SL_ACT_COUNT)
				assert_int_equal(st->rules[p].packets, want_rule[p]);
		xh_close(&h);
		free(st);
		free(want_rule);
		free(yaml);
	}
	print_message("%u packets agreed over %u rule sets: %u decided by a rule, %u dropped\n",
		      total, rounds, by_rule, dropped);
	/* The pools must make rules and packets meet, or the test proves little. */
	assert_true(by_rule > total / 5 && by_rule < total - total / 20);
	assert_true(dropped > total / 10 && dropped < total - total / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_protocol_ports),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_icmp_type),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_interface),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_actions_order),
		cmocka_unit_test(test_default_policies),
		cmocka_unit_test(test_1000_rules),
		cmocka_unit_test(test_big_set),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_iface_counters),
	};
	int probe = xh_probe();

	if (probe == XH_SKIP)
		return XH_SKIP;
	if (probe)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
