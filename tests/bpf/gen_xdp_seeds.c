/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Writes the seed corpus of fuzz_xdp (tests/fuzz/corpus/xdp/): a few valid
 * frames that reach each parser path, built with the packet builder. Run
 * once by hand; the seeds are committed:
 *   gen_xdp_seeds tests/fuzz/corpus/xdp
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_ether.h>

#include "pktbuild.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

struct seed {
	const char *name;
	struct pb_spec spec;
};

#define S4 .src = { 198, 18, 5, 1 }, .dst = { 198, 19, 1, 1 }
#define S6 .src = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }, \
	   .dst = { 0x20, 0x01, 0x0d, 0xb8, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }

static const struct seed seeds[] = {
	{ "tcp4-syn", { .family = AF_INET, S4, .l4 = IPPROTO_TCP, .sport = 40000, .dport = 443,
			.tcp_flags = 0x02, .tcp_opt_len = 8, .payload_len = 8 } },
	{ "udp4-dns-vlan", { .family = AF_INET, S4, .l4 = IPPROTO_UDP, .sport = 53, .dport = 53,
			     .n_vlans = 1, .vlans = { { ETH_P_8021Q, 100 } }, .payload_len = 12 } },
	{ "icmp4-echo-opts", { .family = AF_INET, S4, .l4 = IPPROTO_ICMP, .icmp_type = 8,
			       .ip4_opt_len = 8, .payload_len = 8 } },
	{ "tcp4-frag", { .family = AF_INET, S4, .l4 = IPPROTO_TCP, .frag_offset = 20,
			 .payload_len = 24 } },
	{ "tcp6-ext-qinq", { .family = AF_INET6, S6, .l4 = IPPROTO_TCP, .sport = 2000, .dport = 80,
			     .tcp_flags = 0x12, .n_vlans = 2,
			     .vlans = { { ETH_P_8021AD, 100 }, { ETH_P_8021Q, 7 } }, .n_ext = 4,
			     .ext = { { .type = 0 }, { .type = 43, .hdrlen = 1 }, { .type = 60 },
				      { .type = 44, .frag_more = true } },
			     .payload_len = 4 } },
	{ "icmp6-echo", { .family = AF_INET6, S6, .l4 = IPPROTO_ICMPV6, .icmp_type = 128,
			  .payload_len = 8 } },
	{ "gre6", { .family = AF_INET6, S6, .l4 = 47, .payload_len = 8 } },
	{ "arp", { .eth_type = ETH_P_ARP, .payload_len = 28 } },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		unsigned char buf[1024];
		char path[4096];
		FILE *f;
		int len = pb_build(&seeds[i].spec, buf, sizeof(buf), NULL);

		if (len < 0) {
			fprintf(stderr, "%s: %s\n", seeds[i].name, strerror(-len));
			return 1;
		}
		snprintf(path, sizeof(path), "%s/%s", argv[1], seeds[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
