/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes sluice-gen's command-line parsers. The first byte picks the
 * parser, the rest is the option's text (cut at the first NUL, as argv
 * would be). Whatever a parser accepts must be a value the generator can
 * use; whatever it refuses must come with a one-line reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gen/cli_parse.h"
#include "gen/flow.h"
#include "gen/report.h"
#include "gen/sizes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal's reason: set, static, one line. */
static void check_why(const char *why)
{
	if (!why || !*why || strchr(why, '\n'))
		abort();
}

static void fuzz_rate(const char *s)
{
	double pps = -1, bps = -1;

	if (sl_gen_parse_rate(s, &pps, &bps))
		return;
	/* Exactly one of the two, finite and within the documented bounds. */
	if ((pps > 0) == (bps > 0))
		abort();
	if (!(fmax(pps, bps) >= SL_GEN_RATE_MIN) || !(fmax(pps, bps) <= SL_GEN_RATE_MAX))
		abort();
}

static void fuzz_sizes(const char *s, unsigned min, unsigned max)
{
	struct sl_gen_sizes sz;
	const char *why = NULL;
	unsigned i;

	if (sl_gen_sizes_parse(s, min, max, &sz, &why)) {
		check_why(why);
		return;
	}
	if (sz.n < 1 || sz.n > SL_GEN_MAX_SIZES)
		abort();
	for (i = 0; i < sz.n; i++)
		if (sz.size[i] < min || sz.size[i] > max || sz.weight[i] < 1 || sz.weight[i] > 1000000)
			abort();
	if (sl_gen_sizes_max(&sz) > max || !(sl_gen_sizes_mean(&sz) >= min))
		abort();
}

static void fuzz_addr(const char *s)
{
	struct sl_gen_range r;
	uint8_t first[16];
	const char *why = NULL;
	int fam = 0;

	if (sl_gen_parse_addr_range(s, &fam, first, &r, &why)) {
		check_why(why);
		return;
	}
	/* A non-empty range of last-32-bit values that does not wrap. */
	if ((fam != AF_INET && fam != AF_INET6) || r.count < 1 || r.count > (1ull << 32) ||
	    (uint64_t)r.base + r.count - 1 > UINT32_MAX)
		abort();
}

static void fuzz_ports(const char *s)
{
	struct sl_gen_range r;
	const char *why = NULL;

	if (sl_gen_parse_port_range(s, &r, &why)) {
		check_why(why);
		return;
	}
	if (r.count < 1 || (uint64_t)r.base + r.count - 1 > 65535)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	uint64_t u;
	double d;
	uint8_t mac[6];

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 9) {
	case 0:
		fuzz_rate(s);
		break;
	case 1:
		fuzz_sizes(s, 64, 1518);   /* IPv4 UDP */
		break;
	case 2:
		fuzz_sizes(s, 82, 9018);   /* IPv6, a jumbo MTU */
		break;
	case 3:
		fuzz_addr(s);
		break;
	case 4:
		fuzz_ports(s);
		break;
	case 5:
		if (!sl_gen_parse_u64(s, 1, 4095, &u) && (u < 1 || u > 4095))
			abort();
		break;
	case 6:
		if (!sl_gen_parse_u64(s, 0, UINT64_MAX, &u) && (!*s || strspn(s, "0123456789") != strlen(s)))
			abort();
		break;
	case 7:
		if (!sl_gen_parse_seconds(s, 86400.0 * 365, &d) && !(d >= 0 && d <= 86400.0 * 365))
			abort();
		break;
	case 8:
		if (!sl_gen_parse_mac(s, mac) && strlen(s) > 17)
			abort();
		break;
	}
	free(s);
	return 0;
}
