/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command-line numbers for the benchmarks: one checked parser for all of them. */
#ifndef SLUICE_BENCH_ARGS_H
#define SLUICE_BENCH_ARGS_H

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Parses s as a whole number (decimal, 0x hex or 0 octal) in [min, max].
 * Returns 0, or -EINVAL for junk, overflow or a value out of range.
 */
static inline int sl_bench_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Says which argument was not a number in range; returns -EINVAL. */
static inline int sl_bench_bad_number(const char *prog, const char *opt, const char *arg)
{
	fprintf(stderr, "%s: %s takes a number in range, not '%s'\n", prog, opt, arg);
	return -EINVAL;
}

#endif /* SLUICE_BENCH_ARGS_H */
