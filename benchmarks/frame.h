/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one test frame each benchmark sends: Ethernet, IPv4, then TCP or
 * UDP, with valid checksums so that the kernel stack (the nftables cases
 * of drop_rate) accepts it as far as its prerouting hook.
 */
#ifndef SLUICE_BENCH_FRAME_H
#define SLUICE_BENCH_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define SL_BENCH_FRAME_LEN 60 /* minimum Ethernet frame without FCS */

struct sl_bench_frame_spec {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint8_t src[4]; /* IPv4, network order */
	uint8_t dst[4];
	uint8_t proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t sport; /* host order */
	uint16_t dport;
	uint8_t tcp_flags; /* TCP only */
};

/*
 * Writes the frame into buf (at least SL_BENCH_FRAME_LEN bytes), padded
 * with zeros to the Ethernet minimum. Returns its length, or -EINVAL for
 * a protocol other than TCP or UDP, -ENOSPC when buf is too small.
 */
int sl_bench_frame_build(const struct sl_bench_frame_spec *spec, uint8_t *buf, size_t len);

/* Parses "aa:bb:cc:dd:ee:ff" into mac. 0 or -EINVAL. */
int sl_bench_parse_mac(const char *s, uint8_t mac[6]);

#endif /* SLUICE_BENCH_FRAME_H */
