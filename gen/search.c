/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The throughput search (search.h). */
#include "gen/search.h"

void sl_gen_search_init(struct sl_gen_search *s, double max, double resolution, unsigned max_trials)
{
	s->max = max;
	s->lo = 0;
	s->hi = max;
	s->resolution = resolution > 0 ? resolution : 0.01;
	s->trials = 0;
	s->max_trials = max_trials ? max_trials : 1;
	s->hi_failed = false;
}

double sl_gen_search_next(const struct sl_gen_search *s)
{
	if (s->max <= 0 || s->trials >= s->max_trials)
		return 0;
	if (s->trials == 0)
		return s->max;
	/* The maximum passed: nothing above it to look for. */
	if (!s->hi_failed)
		return 0;
	if (s->hi - s->lo <= s->resolution * s->max)
		return 0;
	return (s->lo + s->hi) / 2;
}

void sl_gen_search_record(struct sl_gen_search *s, double rate, bool passed)
{
	s->trials++;
	if (passed) {
		if (rate > s->lo)
			s->lo = rate;
	} else if (!s->hi_failed || rate < s->hi) {
		s->hi = rate;
		s->hi_failed = true;
	}
}

double sl_gen_search_result(const struct sl_gen_search *s)
{
	return s->lo;
}
