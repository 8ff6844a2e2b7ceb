/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small packet builder for the BPF tests and the fuzz seeds: describe a
 * frame in a struct pb_spec, build it into a caller buffer with correct
 * lengths and checksums, and get back where each header starts so that
 * tests can cut the frame at every header boundary or corrupt one field.
 */
#ifndef SLUICE_TESTS_PKTBUILD_H
#define SLUICE_TESTS_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX_VLANS 4  /* one more than the parser accepts, to test "too deep" */
#define PB_MAX_EXT 12   /* more than SL_MAX_IP6_EXT, to test "too long" */
#define PB_MAX_HDRS (2 + PB_MAX_VLANS + PB_MAX_EXT + 3)
#define PB_MAX_OPT 40   /* IPv4 and TCP options: at most 40 bytes */

/* The headers a frame is made of, in the order they appear. */
enum pb_hdr {
	PB_H_ETH,
	PB_H_VLAN,
	PB_H_IP4, /* with its options */
	PB_H_IP6,
	PB_H_IP6_EXT,
	PB_H_TCP, /* with its options */
	PB_H_UDP,
	PB_H_ICMP,
	PB_H_ICMP6,
	PB_H_PAYLOAD,
};

/* One IPv6 extension header. */
struct pb_ext {
	uint8_t type;         /* 0 hop-by-hop, 43 routing, 44 fragment, 60 destination */
	uint8_t hdrlen;       /* length field: (hdrlen + 1) * 8 bytes; ignored for fragment */
	uint16_t frag_offset; /* fragment header: offset in 8-byte units */
	bool frag_more;       /* fragment header: M flag */
};

struct pb_vlan {
	uint16_t tpid; /* ETH_P_8021Q or ETH_P_8021AD */
	uint16_t vid;  /* 0..4095; pcp and dei stay 0 */
};

/*
 * What to build. Zero is a sensible default for every field except
 * family and l4. A fragment that is not the first (IPv4 frag_offset > 0,
 * or an IPv6 fragment header with offset > 0) carries payload only: its
 * L4 header is in the first fragment.
 */
struct pb_spec {
	uint8_t n_vlans;
	struct pb_vlan vlans[PB_MAX_VLANS]; /* outer first */
	uint16_t eth_type;   /* family 0 only: the EtherType (e.g. ETH_P_ARP) */
	int family;          /* 0 (no IP), AF_INET or AF_INET6 */
	uint8_t src[16];     /* IPv4 in the first four bytes */
	uint8_t dst[16];
	uint8_t ip4_opt_len; /* bytes of IPv4 options, multiple of 4, <= 40 */
	uint16_t frag_offset; /* IPv4: fragment offset in 8-byte units */
	bool frag_more;      /* IPv4: MF */
	uint8_t n_ext;
	struct pb_ext ext[PB_MAX_EXT]; /* IPv6 extension headers in order */
	uint8_t l4;          /* IPPROTO_x; TCP, UDP, ICMP, ICMPV6 get a header */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t tcp_opt_len; /* bytes of TCP options, multiple of 4, <= 40 */
	uint8_t icmp_type, icmp_code;
	uint16_t payload_len; /* bytes after the last header, filled with a pattern */
};

/* Where each header of a built frame is. */
struct pb_layout {
	size_t n;
	struct {
		enum pb_hdr kind;
		size_t off;
		size_t len;
	} h[PB_MAX_HDRS];
	size_t l3_off; /* start of the IP header, 0 without IP */
	size_t l4_off; /* start of the L4 header (or payload of a non-first fragment) */
	size_t len;    /* whole frame */
};

/*
 * Builds the frame into buf (cap bytes) and fills lay when it is not
 * NULL. Returns the frame length, -ENOSPC when buf is too small, or
 * -EINVAL for a spec it cannot build (option lengths, too many headers).
 */
int pb_build(const struct pb_spec *s, uint8_t *buf, size_t cap, struct pb_layout *lay);

/* Shorthands: a spec for an IPv4 or IPv6 packet with the given L4 protocol. */
void pb_spec_ip4(struct pb_spec *s, const char *src, const char *dst, uint8_t l4);
void pb_spec_ip6(struct pb_spec *s, const char *src, const char *dst, uint8_t l4);

/* Recomputes the IPv4 header checksum after a test changed the header. */
void pb_ip4_fix_csum(uint8_t *buf, const struct pb_layout *lay);

/*
 * Verifies the checksums of a frame built by pb_build: the IPv4 header
 * checksum and the TCP/UDP/ICMP/ICMPv6 checksum. Returns true when all
 * are right. For the builder's own test.
 */
bool pb_csum_ok(const uint8_t *buf, const struct pb_layout *lay, const struct pb_spec *s);

/* The name of a header kind, for test messages. */
const char *pb_hdr_name(enum pb_hdr h);

#endif /* SLUICE_TESTS_PKTBUILD_H */
