/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The small value parsers of sluice-gen's command line: counts, durations
 * and MAC addresses. The others have their own module: rates
 * (sl_gen_parse_rate, report.h), sizes (sizes.h), address and port ranges
 * (flow.h). All of them are fuzzed by tests/fuzz/fuzz_gen_cli.c.
 */
#ifndef SLUICE_GEN_CLI_PARSE_H
#define SLUICE_GEN_CLI_PARSE_H

#include <stdint.h>

/*
 * Parses a decimal integer in [min, max]: digits only (no sign, no
 * spaces, no base prefix). Sets *out and returns 0, or -EINVAL (junk,
 * empty) or -ERANGE (outside [min, max], or beyond 64 bits).
 */
int sl_gen_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Parses a duration in seconds, a non-negative decimal number ("10",
 * "0.5", "1e-3") of at most max. Sets *out and returns 0, or -EINVAL
 * (junk, empty, NaN) or -ERANGE (negative, or above max).
 */
int sl_gen_parse_seconds(const char *s, double max, double *out);

/* Parses "aa:bb:cc:dd:ee:ff" (hex digits, 1 or 2 a byte) into mac. 0 or -EINVAL. */
int sl_gen_parse_mac(const char *s, uint8_t mac[6]);

#endif /* SLUICE_GEN_CLI_PARSE_H */
