/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Address and port ranges of sluice-gen: "A", "A-B" or "A/LEN" for
 * addresses, "P" or "P-Q" for ports. IPv6 ranges may only vary in the
 * last 32 bits (the generator program rewrites those). The walk itself is
 * sl_gen_flow_pick in sluice/gen_calc.h.
 */
#ifndef SLUICE_GEN_FLOW_H
#define SLUICE_GEN_FLOW_H

#include <stdint.h>

#include "sluice/gen.h"

/*
 * Parses an address range. *family is AF_INET or AF_INET6 from the text;
 * first gets the first address (IPv4 in its first 4 bytes), r its last 32
 * bits and count. Returns 0 or -EINVAL with *why (static text).
 */
int sl_gen_parse_addr_range(const char *s, int *family, uint8_t first[16], struct sl_gen_range *r,
			    const char **why);

/* Parses a port range into r. 0 or -EINVAL with *why. */
int sl_gen_parse_port_range(const char *s, struct sl_gen_range *r, const char **why);

/* Number of distinct flows of c (saturates at UINT64_MAX). */
uint64_t sl_gen_flow_count(const struct sl_gen_flow_cfg *c);

#endif /* SLUICE_GEN_FLOW_H */
