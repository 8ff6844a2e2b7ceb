/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The throughput search of `sluice-gen search` (RFC 2544, section 26.1):
 * a first trial at the maximum rate, then a binary search between the
 * highest rate that passed (loss <= threshold) and the lowest that
 * failed, until they are within the resolution or the trials run out.
 */
#ifndef SLUICE_GEN_SEARCH_H
#define SLUICE_GEN_SEARCH_H

#include <stdbool.h>

struct sl_gen_search {
	double max;        /* the first trial's rate */
	double lo;         /* highest rate that passed (0: none yet) */
	double hi;         /* lowest rate that failed (max until one fails) */
	double resolution; /* stop when hi - lo <= resolution * max */
	unsigned trials;
	unsigned max_trials;
	bool hi_failed;
};

/* Starts a search up to max pps; resolution is a fraction (0.01 = 1%). */
void sl_gen_search_init(struct sl_gen_search *s, double max, double resolution, unsigned max_trials);

/* The rate of the next trial, or 0 when the search is over. */
double sl_gen_search_next(const struct sl_gen_search *s);

/* Records a trial at rate: passed means loss <= threshold. */
void sl_gen_search_record(struct sl_gen_search *s, double rate, bool passed);

/* The answer: the highest rate that passed (0 if none did). */
double sl_gen_search_result(const struct sl_gen_search *s);

#endif /* SLUICE_GEN_SEARCH_H */
