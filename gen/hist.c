/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Histogram bounds and percentiles (hist.h). */
#include "gen/hist.h"

#include <math.h>

uint64_t sl_gen_hist_lower(unsigned idx)
{
	unsigned e, m;

	if (idx < SL_GEN_HIST_SUB)
		return idx;
	e = idx / SL_GEN_HIST_SUB + (SL_GEN_HIST_SUB_BITS - 1);
	m = idx % SL_GEN_HIST_SUB;
	return (uint64_t)(SL_GEN_HIST_SUB + m) << (e - SL_GEN_HIST_SUB_BITS);
}

uint64_t sl_gen_hist_upper(unsigned idx)
{
	if (idx + 1 >= SL_GEN_HIST_BUCKETS)
		return UINT64_MAX;
	return sl_gen_hist_lower(idx + 1) - 1;
}

uint64_t sl_gen_hist_total(const uint64_t *counts)
{
	uint64_t t = 0;
	unsigned i;

	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++)
		t += counts[i];
	return t;
}

uint64_t sl_gen_hist_percentile(const uint64_t *counts, double p, uint64_t max)
{
	uint64_t total = sl_gen_hist_total(counts), rank, seen = 0, v;
	unsigned i;

	if (!total || p <= 0)
		return 0;
	if (p > 100)
		p = 100;
	/* The epsilon keeps 99.9% of 1,000 at 999, not 1,000, despite rounding. */
	rank = (uint64_t)ceil(p * (double)total / 100.0 - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++) {
		seen += counts[i];
		if (seen >= rank)
			break;
	}
	v = sl_gen_hist_upper(i);
	if (max && v > max)
		v = max;
	return v;
}
