/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The latency histogram read back from gen_rx: bucket bounds and
 * percentiles. Buckets are those of sl_gen_hist_bucket (sluice/gen_calc.h).
 */
#ifndef SLUICE_GEN_HIST_H
#define SLUICE_GEN_HIST_H

#include <stdint.h>

#include "sluice/gen.h"

/* The smallest and the largest value of bucket idx (< SL_GEN_HIST_BUCKETS). */
uint64_t sl_gen_hist_lower(unsigned idx);
uint64_t sl_gen_hist_upper(unsigned idx);

/* Total of counts[SL_GEN_HIST_BUCKETS]. */
uint64_t sl_gen_hist_total(const uint64_t *counts);

/*
 * The p-th percentile (0 < p <= 100) of the histogram: the upper bound of
 * the bucket holding the ceil(p% * total)-th value, but never above max
 * (the largest value seen, 0 if unknown). 0 for an empty histogram.
 */
uint64_t sl_gen_hist_percentile(const uint64_t *counts, double p, uint64_t max);

#endif /* SLUICE_GEN_HIST_H */
