/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counts, durations and MAC addresses from the command line (cli_parse.h). */
#include "gen/cli_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

int sl_gen_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	/* By hand rather than strtoull, which skips spaces, takes a sign ("-1"
	 * is then 2^64 - 1) and reads "010" as octal. */
	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int sl_gen_parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	/* strtod takes leading spaces, "inf" and "nan"; a duration starts with a digit or a point. */
	if (!isdigit((unsigned char)s[0]) && !(s[0] == '.' && isdigit((unsigned char)s[1])))
		return s[0] == '-' ? -ERANGE : -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || isnan(v))
		return -EINVAL;
	if (errno == ERANGE && v != 0)
		return -ERANGE;
	if (!(v <= max))
		return -ERANGE;
	*out = v;
	return 0;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sl_gen_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t b[6];
	int i, h;

	for (i = 0; i < 6; i++) {
		if ((h = hex(*s)) < 0)
			return -EINVAL;
		b[i] = (uint8_t)h;
		s++;
		if ((h = hex(*s)) >= 0) {
			b[i] = (uint8_t)(b[i] << 4 | h);
			s++;
		}
		if (*s != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		s++;
	}
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}
