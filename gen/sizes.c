/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Frame sizes of a run (sizes.h). */
#include "gen/sizes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen/template.h"

static int parse_uint(const char *s, const char *end, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int sl_gen_sizes_parse(const char *s, unsigned min, unsigned max, struct sl_gen_sizes *out,
		       const char **why)
{
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "imix"))
		s = p = "64:7,576:4,1500:1";
	if (!*p) {
		*why = "no size given";
		return -EINVAL;
	}
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *colon = memchr(p, ':', (size_t)(end - p));
		unsigned long size, weight = 1;

		if (out->n == SL_GEN_MAX_SIZES) {
			*why = "more than 16 sizes";
			return -EINVAL;
		}
		if (parse_uint(p, colon ? colon : end, 100000, &size) ||
		    (colon && parse_uint(colon + 1, end, 1000000, &weight)) || weight == 0) {
			*why = "sizes are SIZE[:WEIGHT],... or imix";
			return -EINVAL;
		}
		if (size < min || size > max) {
			*why = "a size is outside what the headers and the MTU allow";
			return -EINVAL;
		}
		out->size[out->n] = (uint16_t)size;
		out->weight[out->n] = (uint32_t)weight;
		out->n++;
		if (!comma)
			break;
		p = comma + 1;
		if (!*p) {
			*why = "sizes are SIZE[:WEIGHT],... or imix";
			return -EINVAL;
		}
	}
	return 0;
}

unsigned sl_gen_sizes_next(const struct sl_gen_sizes *sz, struct sl_gen_size_rr *rr)
{
	int64_t total = 0;
	unsigned i, best = 0;

	for (i = 0; i < sz->n; i++) {
		rr->current[i] += sz->weight[i];
		total += sz->weight[i];
		if (rr->current[i] > rr->current[best])
			best = i;
	}
	rr->current[best] -= total;
	return best;
}

double sl_gen_sizes_mean(const struct sl_gen_sizes *sz)
{
	double sum = 0, w = 0;
	unsigned i;

	for (i = 0; i < sz->n; i++) {
		sum += (double)sz->size[i] * sz->weight[i];
		w += sz->weight[i];
	}
	return w > 0 ? sum / w : 0;
}

int sl_gen_sizes_schedule(const struct sl_gen_sizes *sz, uint16_t *sched, unsigned cap)
{
	struct sl_gen_size_rr rr = { 0 };
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < sz->n; i++)
		total += sz->weight[i];
	if (total > cap)
		return -E2BIG;
	for (i = 0; i < total; i++)
		sched[i] = (uint16_t)(sz->size[sl_gen_sizes_next(sz, &rr)] - SL_GEN_FCS_LEN);
	return (int)total;
}

unsigned sl_gen_sizes_max(const struct sl_gen_sizes *sz)
{
	unsigned i, m = 0;

	for (i = 0; i < sz->n; i++)
		if (sz->size[i] > m)
			m = sz->size[i];
	return m;
}
