/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every case of the XDP parser (xdp/parse.h) run through the real program
 * with BPF_PROG_TEST_RUN: each fixture is a frame, the XDP return, the
 * verdict and reason counted, and the rules counted. Also the packet
 * builder's own checks and truncation at every header boundary.
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
#include <netinet/in.h>
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

#define SRC4 { 198, 18, 0, 1 }
#define DST4 { 198, 18, 1, 1 }
#define SRC6 { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
#define DST6 { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }

#define HOP(n) { .type = 0, .hdrlen = (n) }
#define RTG(n) { .type = 43, .hdrlen = (n) }
#define DSTO(n) { .type = 60, .hdrlen = (n) }
#define FRAG(off, m) { .type = 44, .frag_offset = (off), .frag_more = (m) }

/*
 * The parser's config: every L4 type has its own deciding rule, a count
 * rule sees every classified packet, the outer VLAN 100 is dropped, and
 * TCP without port 80 (which includes non-first fragments, they have no
 * ports) is dropped by tcp-any.
 */
static const char cfg_rules[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: drop\n"
	"  malformed: drop\n"
	"  non_ip: drop\n"
	"  fragments: rules\n"
	"rules:\n"
	"  - name: count-all\n"
	"    action: count\n"
	"  - name: vlan-100\n"
	"    vlan: 100\n"
	"    action: drop\n"
	"  - name: tcp-port\n"
	"    protocol: tcp\n"
	"    dport: 80\n"
	"    action: accept\n"
	"  - name: udp-port\n"
	"    protocol: udp\n"
	"    dport: 53\n"
	"    action: accept\n"
	"  - name: icmp-echo\n"
	"    protocol: icmp\n"
	"    icmp_type: 8\n"
	"    action: accept\n"
	"  - name: icmp6-echo\n"
	"    protocol: icmpv6\n"
	"    icmp_type: 128\n"
	"    action: accept\n"
	"  - name: tcp-any\n"
	"    protocol: tcp\n"
	"    action: drop\n";

/* Lenient policies: malformed and non-IP pass, fragments dropped. */
static const char cfg_lenient[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: accept\n"
	"  malformed: accept\n"
	"  non_ip: accept\n"
	"  fragments: drop\n"
	"rules:\n"
	"  - name: count-all\n"
	"    action: count\n";

/* Fragments accepted without rules; everything else dropped by default. */
static const char cfg_frag_accept[] =
	"version: 1\n"
	"settings:\n"
	"  default_policy: drop\n"
	"  malformed: drop\n"
	"  non_ip: drop\n"
	"  fragments: accept\n"
	"rules:\n"
	"  - name: count-all\n"
	"    action: count\n";

typedef void (*mutate_fn)(uint8_t *buf, const struct pb_layout *lay);

struct fixture {
	const char *name;
	struct pb_spec spec;
	mutate_fn mutate; /* corrupts the built frame, or NULL */
	uint32_t xdp;     /* XDP_PASS or XDP_DROP */
	uint32_t verdict; /* enum sl_verdict */
	uint32_t reason;  /* enum sl_reason counted, or SL_REASON_NONE */
	const char *rules[4]; /* the rules counted once, NULL-terminated */
};

static void m_ip4_version5(uint8_t *b, const struct pb_layout *l)
{
	b[l->l3_off] = (uint8_t)(0x50 | (b[l->l3_off] & 0x0f));
	pb_ip4_fix_csum(b, l);
}

static void m_ip4_ihl4(uint8_t *b, const struct pb_layout *l)
{
	b[l->l3_off] = 0x44;
	pb_ip4_fix_csum(b, l);
}

static void m_ip4_totlen19(uint8_t *b, const struct pb_layout *l)
{
	b[l->l3_off + 2] = 0;
	b[l->l3_off + 3] = 19;
	pb_ip4_fix_csum(b, l);
}

/* tot_len equal to the header: the smallest valid value. */
static void m_ip4_totlen_hlen(uint8_t *b, const struct pb_layout *l)
{
	b[l->l3_off + 2] = 0;
	b[l->l3_off + 3] = (uint8_t)((b[l->l3_off] & 0x0f) * 4);
	pb_ip4_fix_csum(b, l);
}

static void m_ip6_version4(uint8_t *b, const struct pb_layout *l)
{
	b[l->l3_off] = (uint8_t)(0x40 | (b[l->l3_off] & 0x0f));
}

static void m_tcp_doff4(uint8_t *b, const struct pb_layout *l)
{
	b[l->l4_off + 12] = 4 << 4;
}

/* doff 15 (60 bytes) on a frame that ends 36 bytes into the TCP header. */
static void m_tcp_doff15(uint8_t *b, const struct pb_layout *l)
{
	b[l->l4_off + 12] = 15 << 4;
}

#define TCP4(...) { .family = AF_INET, .src = SRC4, .dst = DST4, .l4 = IPPROTO_TCP, \
		    .sport = 40000, .dport = 80, .tcp_flags = 0x02, .payload_len = 16, __VA_ARGS__ }
#define UDP4(...) { .family = AF_INET, .src = SRC4, .dst = DST4, .l4 = IPPROTO_UDP, \
		    .sport = 40000, .dport = 53, .payload_len = 16, __VA_ARGS__ }
#define ICMP4(...) { .family = AF_INET, .src = SRC4, .dst = DST4, .l4 = IPPROTO_ICMP, \
		     .icmp_type = 8, .payload_len = 16, __VA_ARGS__ }
#define TCP6(...) { .family = AF_INET6, .src = SRC6, .dst = DST6, .l4 = IPPROTO_TCP, \
		    .sport = 40000, .dport = 80, .tcp_flags = 0x02, .payload_len = 16, __VA_ARGS__ }
#define UDP6(...) { .family = AF_INET6, .src = SRC6, .dst = DST6, .l4 = IPPROTO_UDP, \
		    .sport = 40000, .dport = 53, .payload_len = 16, __VA_ARGS__ }
#define ICMP6(...) { .family = AF_INET6, .src = SRC6, .dst = DST6, .l4 = IPPROTO_ICMPV6, \
		     .icmp_type = 128, .payload_len = 16, __VA_ARGS__ }

#define PASS_BY(...) XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE, { __VA_ARGS__ }
#define DROP_BY(...) XDP_DROP, SL_VERDICT_DROP, SL_REASON_RULE, { __VA_ARGS__ }
#define DROP_DEFAULT XDP_DROP, SL_VERDICT_DROP, SL_REASON_DEFAULT_POLICY, { "count-all", NULL }
#define MALFORMED(r) XDP_DROP, SL_VERDICT_DROP, (r), { NULL }

static const struct fixture fx_rules[] = {
	{ "tcp4", TCP4(), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "tcp4 with options", TCP4(.tcp_opt_len = 12), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "tcp4 longest options", TCP4(.tcp_opt_len = 40), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "tcp4 other port", TCP4(.dport = 81), NULL, DROP_BY("count-all", "tcp-any", NULL) },
	{ "ip4 options", TCP4(.ip4_opt_len = 8), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "ip4 longest options", TCP4(.ip4_opt_len = 40), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "udp4", UDP4(), NULL, PASS_BY("count-all", "udp-port", NULL) },
	{ "udp4 no payload", UDP4(.payload_len = 0), NULL, PASS_BY("count-all", "udp-port", NULL) },
	{ "icmp4 echo", ICMP4(), NULL, PASS_BY("count-all", "icmp-echo", NULL) },
	{ "icmp4 echo reply", ICMP4(.icmp_type = 0), NULL, DROP_DEFAULT },
	{ "ip4 gre (no L4 header)", TCP4(.l4 = 47), NULL, DROP_DEFAULT },
	{ "tcp6", TCP6(), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "udp6", UDP6(), NULL, PASS_BY("count-all", "udp-port", NULL) },
	{ "icmp6 echo", ICMP6(), NULL, PASS_BY("count-all", "icmp6-echo", NULL) },
	{ "icmp6 echo reply", ICMP6(.icmp_type = 129), NULL, DROP_DEFAULT },
	/* ICMP type 128 inside IPv4 is not ICMPv6 type 128, and the reverse. */
	{ "icmp4 type 128", ICMP4(.icmp_type = 128), NULL, DROP_DEFAULT },
	{ "icmp6 type 8", ICMP6(.icmp_type = 8), NULL, DROP_DEFAULT },

	/* VLANs: the outer tag's id is what a vlan rule sees. */
	{ "1 tag vlan 100", TCP4(.n_vlans = 1, .vlans = { { ETH_P_8021Q, 100 } }), NULL,
	  DROP_BY("count-all", "vlan-100", NULL) },
	{ "1 tag vlan 200", TCP4(.n_vlans = 1, .vlans = { { ETH_P_8021Q, 200 } }), NULL,
	  PASS_BY("count-all", "tcp-port", NULL) },
	{ "1 tag 802.1ad vlan 100 ipv6", TCP6(.n_vlans = 1, .vlans = { { ETH_P_8021AD, 100 } }),
	  NULL, DROP_BY("count-all", "vlan-100", NULL) },
	{ "2 tags outer 100", UDP4(.n_vlans = 2, .vlans = { { ETH_P_8021AD, 100 }, { ETH_P_8021Q, 200 } }),
	  NULL, DROP_BY("count-all", "vlan-100", NULL) },
	{ "2 tags inner 100", UDP4(.n_vlans = 2, .vlans = { { ETH_P_8021AD, 200 }, { ETH_P_8021Q, 100 } }),
	  NULL, PASS_BY("count-all", "udp-port", NULL) },
	{ "2 tags ipv6", ICMP6(.n_vlans = 2, .vlans = { { ETH_P_8021Q, 7 }, { ETH_P_8021Q, 8 } }), NULL,
	  PASS_BY("count-all", "icmp6-echo", NULL) },
	{ "vlan 0 (priority tag)", TCP4(.n_vlans = 1, .vlans = { { ETH_P_8021Q, 0 } }), NULL,
	  PASS_BY("count-all", "tcp-port", NULL) },
	{ "3 tags", TCP4(.n_vlans = 3, .vlans = { { ETH_P_8021AD, 1 }, { ETH_P_8021Q, 2 }, { ETH_P_8021Q, 3 } }),
	  NULL, MALFORMED(SL_REASON_VLAN_TOO_DEEP) },

	/* IPv4 header faults. */
	{ "ip4 version 5", TCP4(), m_ip4_version5, MALFORMED(SL_REASON_IP4_BAD_VERSION) },
	{ "ip4 ihl 4", TCP4(), m_ip4_ihl4, MALFORMED(SL_REASON_IP4_BAD_IHL) },
	{ "ip4 tot_len 19", TCP4(), m_ip4_totlen19, MALFORMED(SL_REASON_IP4_BAD_TOTLEN) },
	{ "ip4 tot_len = ihl*4", TCP4(.ip4_opt_len = 4), m_ip4_totlen_hlen,
	  PASS_BY("count-all", "tcp-port", NULL) },
	{ "ip6 version 4", TCP6(), m_ip6_version4, MALFORMED(SL_REASON_IP6_BAD_VERSION) },
	{ "tcp doff 4", TCP4(), m_tcp_doff4, MALFORMED(SL_REASON_TCP_BAD_DOFF) },
	{ "tcp6 doff 4", TCP6(), m_tcp_doff4, MALFORMED(SL_REASON_TCP_BAD_DOFF) },
	{ "tcp doff past the end", TCP4(), m_tcp_doff15, MALFORMED(SL_REASON_TCP_TRUNC) },

	/* IPv4 fragments under "fragments: rules": only the first has ports. */
	{ "ip4 first fragment", TCP4(.frag_more = true), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "ip4 first fragment other port", TCP4(.frag_more = true, .dport = 81), NULL,
	  DROP_BY("count-all", "tcp-any", NULL) },
	{ "ip4 middle fragment", TCP4(.frag_more = true, .frag_offset = 3), NULL,
	  DROP_BY("count-all", "tcp-any", NULL) },
	{ "ip4 last fragment", TCP4(.frag_offset = 185), NULL, DROP_BY("count-all", "tcp-any", NULL) },
	{ "ip4 udp non-first fragment", UDP4(.frag_offset = 1), NULL, DROP_DEFAULT },
	{ "ip4 udp first fragment", UDP4(.frag_more = true), NULL, PASS_BY("count-all", "udp-port", NULL) },
	{ "ip4 icmp non-first fragment", ICMP4(.frag_offset = 1), NULL, DROP_DEFAULT },

	/* IPv6 extension headers, alone and chained. */
	{ "ip6 hop-by-hop", TCP6(.n_ext = 1, .ext = { HOP(0) }), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "ip6 routing", TCP6(.n_ext = 1, .ext = { RTG(1) }), NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "ip6 destination options", UDP6(.n_ext = 1, .ext = { DSTO(2) }), NULL,
	  PASS_BY("count-all", "udp-port", NULL) },
	{ "ip6 fragment first", TCP6(.n_ext = 1, .ext = { FRAG(0, true) }), NULL,
	  PASS_BY("count-all", "tcp-port", NULL) },
	{ "ip6 fragment first other port", TCP6(.dport = 81, .n_ext = 1, .ext = { FRAG(0, true) }), NULL,
	  DROP_BY("count-all", "tcp-any", NULL) },
	{ "ip6 fragment non-first", TCP6(.n_ext = 1, .ext = { FRAG(100, true) }), NULL,
	  DROP_BY("count-all", "tcp-any", NULL) },
	{ "ip6 fragment last", UDP6(.n_ext = 1, .ext = { FRAG(100, false) }), NULL, DROP_DEFAULT },
	{ "ip6 chain hop routing dest frag dest",
	  ICMP6(.n_ext = 5, .ext = { HOP(0), RTG(2), DSTO(0), FRAG(0, true), DSTO(1) }), NULL,
	  PASS_BY("count-all", "icmp6-echo", NULL) },
	{ "ip6 chain of 8 (the bound)",
	  TCP6(.n_ext = 8, .ext = { HOP(0), DSTO(0), RTG(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0) }),
	  NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "ip6 chain of 9 (too long)",
	  TCP6(.n_ext = 9,
	       .ext = { HOP(0), DSTO(0), RTG(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0) }),
	  NULL, MALFORMED(SL_REASON_IP6_EXT_TOO_LONG) },
	{ "ip6 chain of 9 ending in a fragment header",
	  TCP6(.n_ext = 9,
	       .ext = { HOP(0), DSTO(0), RTG(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0), FRAG(0, true) }),
	  NULL, MALFORMED(SL_REASON_IP6_EXT_TOO_LONG) },
	{ "ip6 no next header", TCP6(.l4 = 59, .n_ext = 1, .ext = { DSTO(0) }), NULL, DROP_DEFAULT },

	/* Not IP: "non_ip: drop". */
	{ "arp", { .eth_type = ETH_P_ARP, .payload_len = 28 }, NULL,
	  XDP_DROP, SL_VERDICT_DROP, SL_REASON_NON_IP, { NULL } },
	{ "arp in a vlan", { .eth_type = ETH_P_ARP, .payload_len = 28, .n_vlans = 1,
			     .vlans = { { ETH_P_8021Q, 100 } } }, NULL,
	  XDP_DROP, SL_VERDICT_DROP, SL_REASON_NON_IP, { NULL } },
};

#define ACCEPTED_MALFORMED(r) XDP_PASS, SL_VERDICT_PASS, (r), { NULL }
#define FRAG_DROPPED XDP_DROP, SL_VERDICT_DROP, SL_REASON_IP_FRAG, { NULL }

static const struct fixture fx_lenient[] = {
	{ "tcp4 default accept", TCP4(), NULL, PASS_BY("count-all", NULL) },
	{ "3 tags accepted, reason counted",
	  TCP4(.n_vlans = 3, .vlans = { { ETH_P_8021AD, 1 }, { ETH_P_8021Q, 2 }, { ETH_P_8021Q, 3 } }),
	  NULL, ACCEPTED_MALFORMED(SL_REASON_VLAN_TOO_DEEP) },
	{ "ip4 version 5 accepted", TCP4(), m_ip4_version5, ACCEPTED_MALFORMED(SL_REASON_IP4_BAD_VERSION) },
	{ "ip4 ihl 4 accepted", TCP4(), m_ip4_ihl4, ACCEPTED_MALFORMED(SL_REASON_IP4_BAD_IHL) },
	{ "ip4 tot_len 19 accepted", TCP4(), m_ip4_totlen19, ACCEPTED_MALFORMED(SL_REASON_IP4_BAD_TOTLEN) },
	{ "ip6 version 4 accepted", TCP6(), m_ip6_version4, ACCEPTED_MALFORMED(SL_REASON_IP6_BAD_VERSION) },
	{ "tcp doff 4 accepted", TCP4(), m_tcp_doff4, ACCEPTED_MALFORMED(SL_REASON_TCP_BAD_DOFF) },
	{ "ip6 chain of 9 accepted",
	  TCP6(.n_ext = 9,
	       .ext = { HOP(0), DSTO(0), RTG(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0), DSTO(0) }),
	  NULL, ACCEPTED_MALFORMED(SL_REASON_IP6_EXT_TOO_LONG) },
	/* A passed non-IP frame has no drop reason to count. */
	{ "arp accepted", { .eth_type = ETH_P_ARP, .payload_len = 28 }, NULL, XDP_PASS, SL_VERDICT_PASS,
	  SL_REASON_NONE, { NULL } },
	{ "ip4 first fragment dropped", TCP4(.frag_more = true), NULL, FRAG_DROPPED },
	{ "ip4 non-first fragment dropped", TCP4(.frag_offset = 10), NULL, FRAG_DROPPED },
	{ "ip6 first fragment dropped", UDP6(.n_ext = 1, .ext = { FRAG(0, true) }), NULL, FRAG_DROPPED },
	{ "ip6 non-first fragment dropped", UDP6(.n_ext = 2, .ext = { HOP(0), FRAG(7, false) }), NULL,
	  FRAG_DROPPED },
};

#define FRAG_ACCEPTED XDP_PASS, SL_VERDICT_PASS, SL_REASON_NONE, { NULL }

static const struct fixture fx_frag_accept[] = {
	{ "tcp4 default drop", TCP4(), NULL, DROP_DEFAULT },
	{ "ip4 first fragment accepted", TCP4(.frag_more = true), NULL, FRAG_ACCEPTED },
	{ "ip4 non-first fragment accepted", UDP4(.frag_offset = 10), NULL, FRAG_ACCEPTED },
	{ "ip6 first fragment accepted", TCP6(.n_ext = 1, .ext = { FRAG(0, true) }), NULL, FRAG_ACCEPTED },
	{ "ip6 non-first fragment accepted", ICMP6(.n_ext = 1, .ext = { FRAG(9, true) }), NULL,
	  FRAG_ACCEPTED },
	/* A malformed fragment is malformed first. */
	{ "ip4 fragment with bad ihl", TCP4(.frag_offset = 10), m_ip4_ihl4,
	  MALFORMED(SL_REASON_IP4_BAD_IHL) },
};

static void run_fixtures(const char *yaml, const struct fixture *fx, size_t n)
{
	struct xh h;
	size_t i;

	assert_int_equal(xh_open(&h, yaml, NULL), 0);
	for (i = 0; i < n; i++) {
		uint8_t buf[2048];
		struct pb_layout lay;
		uint32_t ret = ~0u;
		const char *why;
		int len;

		len = pb_build(&fx[i].spec, buf, sizeof(buf), &lay);
		if (len < 0)
			fail_msg("%s: cannot build: %d", fx[i].name, len);
		if (fx[i].mutate)
			fx[i].mutate(buf, &lay);
		if (xh_run(&h, buf, (size_t)len, 0, &ret))
			fail_msg("%s: test run failed", fx[i].name);
		if (ret != fx[i].xdp)
			fail_msg("%s: XDP returned %u, want %u", fx[i].name, ret, fx[i].xdp);
		why = xh_check_deltas(&h, (size_t)len, fx[i].verdict, fx[i].reason, fx[i].rules);
		if (why)
			fail_msg("%s: %s", fx[i].name, why);
	}
	xh_close(&h);
}

static void test_parse_fixtures(void **state)
{
	(void)state;
	run_fixtures(cfg_rules, fx_rules, sizeof(fx_rules) / sizeof(fx_rules[0]));
}

static void test_lenient_policies(void **state)
{
	(void)state;
	run_fixtures(cfg_lenient, fx_lenient, sizeof(fx_lenient) / sizeof(fx_lenient[0]));
}

static void test_fragments_accept(void **state)
{
	(void)state;
	run_fixtures(cfg_frag_accept, fx_frag_accept, sizeof(fx_frag_accept) / sizeof(fx_frag_accept[0]));
}

/* The reason the parser gives for a frame that ends inside header kind k. */
static uint32_t trunc_reason(enum pb_hdr k)
{
	switch (k) {
	case PB_H_ETH:
		return SL_REASON_ETH_TRUNC;
	case PB_H_VLAN:
		return SL_REASON_VLAN_TRUNC;
	case PB_H_IP4:
		return SL_REASON_IP4_TRUNC;
	case PB_H_IP6:
		return SL_REASON_IP6_TRUNC;
	case PB_H_IP6_EXT:
		return SL_REASON_IP6_EXT_TRUNC;
	case PB_H_TCP:
		return SL_REASON_TCP_TRUNC;
	case PB_H_UDP:
		return SL_REASON_UDP_TRUNC;
	case PB_H_ICMP:
		return SL_REASON_ICMP_TRUNC;
	case PB_H_ICMP6:
		return SL_REASON_ICMP6_TRUNC;
	default:
		return SL_REASON_NONE;
	}
}

/* Full frames, each with the rule that decides it when it is whole. */
static const struct fixture fx_whole[] = {
	{ "tcp4 ip and tcp options, 2 tags",
	  TCP4(.ip4_opt_len = 8, .tcp_opt_len = 8,
	       .n_vlans = 2, .vlans = { { ETH_P_8021AD, 5 }, { ETH_P_8021Q, 6 } }),
	  NULL, PASS_BY("count-all", "tcp-port", NULL) },
	{ "udp4", UDP4(), NULL, PASS_BY("count-all", "udp-port", NULL) },
	{ "icmp4", ICMP4(), NULL, PASS_BY("count-all", "icmp-echo", NULL) },
	{ "tcp6 ext chain",
	  TCP6(.tcp_opt_len = 4, .n_ext = 4, .ext = { HOP(0), RTG(1), DSTO(2), FRAG(0, true) }), NULL,
	  PASS_BY("count-all", "tcp-port", NULL) },
	{ "udp6 1 tag", UDP6(.n_vlans = 1, .vlans = { { ETH_P_8021Q, 9 } }), NULL,
	  PASS_BY("count-all", "udp-port", NULL) },
	{ "icmp6 dest opts", ICMP6(.n_ext = 1, .ext = { DSTO(0) }), NULL,
	  PASS_BY("count-all", "icmp6-echo", NULL) },
};

/*
 * Cuts each whole frame at the start of every header, one byte into it
 * and one byte before its end; the parser must name that header. Frames
 * shorter than an Ethernet header are refused by the kernel itself
 * (BPF_PROG_TEST_RUN needs ETH_HLEN), so SL_REASON_ETH_TRUNC cannot be
 * reached there: those must fail with EINVAL and count nothing.
 */
static void test_truncation(void **state)
{
	struct xh h;
	size_t i, j, k;
	unsigned runs = 0;

	(void)state;
	assert_int_equal(xh_open(&h, cfg_rules, NULL), 0);
	for (i = 0; i < sizeof(fx_whole) / sizeof(fx_whole[0]); i++) {
		const struct fixture *f = &fx_whole[i];
		uint8_t buf[2048];
		struct pb_layout lay;
		int len = pb_build(&f->spec, buf, sizeof(buf), &lay);

		assert_true(len > 0);
		for (j = 0; j < lay.n; j++) {
			size_t cuts[3] = { lay.h[j].off, lay.h[j].off + 1, lay.h[j].off + lay.h[j].len - 1 };
			uint32_t want = trunc_reason(lay.h[j].kind);

			for (k = 0; k < 3; k++) {
				uint32_t ret = ~0u;
				const char *why;
				int err;

				if (k > 0 && cuts[k] == cuts[k - 1])
					continue;
				err = xh_run(&h, buf, cuts[k], 0, &ret);
				runs++;
				if (cuts[k] < ETH_HLEN) {
					if (err != -EINVAL)
						fail_msg("%s cut at %zu: test run gave %d, want -EINVAL",
							 f->name, cuts[k], err);
					why = xh_check_nothing(&h);
					if (why)
						fail_msg("%s cut at %zu: refused but %s", f->name, cuts[k], why);
					continue;
				}
				if (err)
					fail_msg("%s cut at %zu: test run failed %d", f->name, cuts[k], err);
				if (lay.h[j].kind == PB_H_PAYLOAD) {
					/* Every header is whole: the rules decide as for the full frame. */
					if (k > 0)
						continue;
					if (ret != f->xdp)
						fail_msg("%s cut at payload: XDP %u", f->name, ret);
					why = xh_check_deltas(&h, cuts[k], f->verdict, f->reason, f->rules);
				} else {
					if (ret != XDP_DROP)
						fail_msg("%s cut at %zu (in %s): XDP %u, want drop", f->name,
							 cuts[k], pb_hdr_name(lay.h[j].kind), ret);
					why = xh_check_deltas(&h, cuts[k], SL_VERDICT_DROP, want, NULL);
				}
				if (why)
					fail_msg("%s cut at %zu (in %s): %s", f->name, cuts[k],
						 pb_hdr_name(lay.h[j].kind), why);
			}
		}
	}
	assert_true(runs > 50);
	xh_close(&h);
}

/* A frame of exactly the Ethernet header with an IP EtherType. */
static void test_headers_only(void **state)
{
	static const struct {
		struct pb_spec spec;
		uint32_t reason;
	} cases[] = {
		{ { .family = AF_INET, .l4 = IPPROTO_TCP }, SL_REASON_TCP_TRUNC },
		{ { .family = AF_INET6, .l4 = IPPROTO_UDP }, SL_REASON_UDP_TRUNC },
	};
	struct xh h;
	size_t i;

	(void)state;
	assert_int_equal(xh_open(&h, cfg_rules, NULL), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[256];
		struct pb_layout lay;
		uint32_t ret;
		int len = pb_build(&cases[i].spec, buf, sizeof(buf), &lay);

		assert_true(len > 0);
		/* Only the IP header: L4 header missing entirely. */
		assert_int_equal(xh_run(&h, buf, lay.l4_off, 0, &ret), 0);
		assert_int_equal(ret, XDP_DROP);
		assert_null(xh_check_deltas(&h, lay.l4_off, SL_VERDICT_DROP, cases[i].reason, NULL));
		/* Only Ethernet. */
		assert_int_equal(xh_run(&h, buf, ETH_HLEN, 0, &ret), 0);
		assert_int_equal(ret, XDP_DROP);
		assert_null(xh_check_deltas(&h, ETH_HLEN, SL_VERDICT_DROP,
					    cases[i].spec.family == AF_INET ? SL_REASON_IP4_TRUNC
									    : SL_REASON_IP6_TRUNC,
					    NULL));
	}
	xh_close(&h);
}

/* The builder itself: lengths, checksums, layout, limits. */
static void test_builder(void **state)
{
	static const struct pb_spec specs[] = {
		TCP4(), TCP4(.ip4_opt_len = 40, .tcp_opt_len = 40, .payload_len = 101),
		UDP4(.payload_len = 0), UDP4(.payload_len = 7), ICMP4(.payload_len = 33),
		TCP6(.n_ext = 3, .ext = { HOP(1), RTG(0), FRAG(0, true) }), UDP6(.payload_len = 1),
		ICMP6(.n_vlans = 2, .vlans = { { ETH_P_8021AD, 4095 }, { ETH_P_8021Q, 1 } }),
	};
	uint8_t buf[2048];
	struct pb_layout lay;
	struct pb_spec bad;
	size_t i;
	int len;

	(void)state;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		len = pb_build(&specs[i], buf, sizeof(buf), &lay);
		assert_true(len > 0);
		assert_int_equal((size_t)len, lay.len);
		assert_true(pb_csum_ok(buf, &lay, &specs[i]));
		/* Headers tile the frame without gaps. */
		assert_int_equal(lay.h[0].off, 0);
		for (size_t j = 1; j < lay.n; j++)
			assert_int_equal(lay.h[j].off, lay.h[j - 1].off + lay.h[j - 1].len);
		assert_int_equal(lay.h[lay.n - 1].off + lay.h[lay.n - 1].len, (size_t)len);
		if (specs[i].family == AF_INET) {
			assert_int_equal(buf[lay.l3_off + 2] << 8 | buf[lay.l3_off + 3],
					 len - (int)lay.l3_off);
			/* A flipped byte breaks the checksum. */
			buf[lay.l3_off + 8] ^= 1;
			assert_false(pb_csum_ok(buf, &lay, &specs[i]));
		} else {
			assert_int_equal(buf[lay.l3_off + 4] << 8 | buf[lay.l3_off + 5],
					 len - (int)lay.l3_off - 40);
		}
		/* Every smaller buffer is refused. */
		assert_int_equal(pb_build(&specs[i], buf, (size_t)len - 1, NULL), -ENOSPC);
		assert_int_equal(pb_build(&specs[i], buf, (size_t)len, NULL), len);
	}
	/* Known bytes: a minimal TCP SYN. */
	len = pb_build(&specs[0], buf, sizeof(buf), &lay);
	assert_int_equal(len, 14 + 20 + 20 + 16);
	assert_int_equal(buf[12] << 8 | buf[13], ETH_P_IP);
	assert_int_equal(buf[14], 0x45);
	assert_int_equal(buf[14 + 9], IPPROTO_TCP);
	assert_int_equal(buf[34 + 13], 0x02);
	assert_int_equal(buf[34 + 12], 5 << 4);
	/* UDP length covers header and payload. */
	len = pb_build(&specs[3], buf, sizeof(buf), &lay);
	assert_int_equal(buf[lay.l4_off + 4] << 8 | buf[lay.l4_off + 5], 8 + 7);

	bad = specs[0];
	bad.ip4_opt_len = 6;
	assert_int_equal(pb_build(&bad, buf, sizeof(buf), NULL), -EINVAL);
	bad = specs[0];
	bad.tcp_opt_len = 44;
	assert_int_equal(pb_build(&bad, buf, sizeof(buf), NULL), -EINVAL);
	/* Non-first fragments carry no L4 header. */
	bad = specs[0];
	bad.frag_offset = 8;
	len = pb_build(&bad, buf, sizeof(buf), &lay);
	assert_int_equal(len, 14 + 20 + 16);
	assert_int_equal(lay.h[lay.n - 1].kind, PB_H_PAYLOAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder),
		cmocka_unit_test(test_parse_fixtures),
		cmocka_unit_test(test_lenient_policies),
		cmocka_unit_test(test_fragments_accept),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_headers_only),
	};
	int probe = xh_probe();

	if (probe == XH_SKIP)
		return XH_SKIP;
	if (probe)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
