/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Address and port ranges (flow.h). */
#include "gen/flow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int parse_addr(const char *s, size_t n, int *family, uint8_t out[16])
{
	char buf[64];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(out, 0, 16);
	if (inet_pton(AF_INET, buf, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static uint32_t last32(int family, const uint8_t a[16])
{
	const uint8_t *p = family == AF_INET ? a : a + 12;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int sl_gen_parse_addr_range(const char *s, int *family, uint8_t first[16], struct sl_gen_range *r,
			    const char **why)
{
	const char *dash = strchr(s, '-'), *slash = strchr(s, '/');
	int fam2;
	uint8_t last[16];
	uint32_t lo, hi;

	memset(r, 0, sizeof(*r));
	*why = "not an address, A-B range or A/LEN prefix";
	if (dash && slash)
		return -EINVAL;
	if (parse_addr(s, dash ? (size_t)(dash - s) : slash ? (size_t)(slash - s) : strlen(s), family,
		       first))
		return -EINVAL;
	lo = last32(*family, first);
	if (dash) {
		if (parse_addr(dash + 1, strlen(dash + 1), &fam2, last) || fam2 != *family)
			return -EINVAL;
		if (*family == AF_INET6 && memcmp(first, last, 12)) {
			*why = "an IPv6 range may only vary in its last 32 bits";
			return -EINVAL;
		}
		hi = last32(*family, last);
		if (hi < lo || (*family == AF_INET6 && memcmp(first, last, 12) > 0)) {
			*why = "empty address range (the last address is below the first)";
			return -EINVAL;
		}
		r->base = lo;
		r->count = (uint64_t)hi - lo + 1;
		return 0;
	}
	if (slash) {
		char *end;
		long len = strtol(slash + 1, &end, 10);
		int bits = *family == AF_INET ? 32 : 128;
		int host;
		uint64_t mask;

		if (end == slash + 1 || *end || len < 0 || len > bits)
			return -EINVAL;
		host = bits - (int)len;
		if (host > 32) {
			*why = "an IPv6 prefix must be /96 or longer (only the last 32 bits vary)";
			return -EINVAL;
		}
		mask = ((uint64_t)1 << host) - 1;
		r->base = (uint32_t)(lo & ~mask);
		r->count = mask + 1;
		/* first is the prefix's first address. */
		if (*family == AF_INET) {
			first[0] = (uint8_t)(r->base >> 24);
			first[1] = (uint8_t)(r->base >> 16);
			first[2] = (uint8_t)(r->base >> 8);
			first[3] = (uint8_t)r->base;
		} else {
			first[12] = (uint8_t)(r->base >> 24);
			first[13] = (uint8_t)(r->base >> 16);
			first[14] = (uint8_t)(r->base >> 8);
			first[15] = (uint8_t)r->base;
		}
		return 0;
	}
	r->base = lo;
	r->count = 1;
	return 0;
}

static int parse_port(const char *s, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int sl_gen_parse_port_range(const char *s, struct sl_gen_range *r, const char **why)
{
	const char *dash = strchr(s, '-');
	uint32_t lo, hi;

	memset(r, 0, sizeof(*r));
	*why = "not a port (0-65535) or P-Q range";
	if (parse_port(s, dash ? dash : s + strlen(s), &lo))
		return -EINVAL;
	hi = lo;
	if (dash && parse_port(dash + 1, dash + 1 + strlen(dash + 1), &hi))
		return -EINVAL;
	if (hi < lo) {
		*why = "empty port range (the last port is below the first)";
		return -EINVAL;
	}
	r->base = lo;
	r->count = hi - lo + 1;
	return 0;
}

uint64_t sl_gen_flow_count(const struct sl_gen_flow_cfg *c)
{
	const struct sl_gen_range *rs[4] = { &c->src, &c->dst, &c->sport, &c->dport };
	uint64_t n = 1;
	int i;

	for (i = 0; i < 4; i++) {
		if (rs[i]->count && n > UINT64_MAX / rs[i]->count)
			return UINT64_MAX;
		n *= rs[i]->count;
	}
	return n;
}
