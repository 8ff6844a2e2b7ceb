/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Frame sizes of a run: one size, a list (equal shares), weighted sizes
 * ("64:7,576:4,1500:1") or "imix" (that same mix). The generator gives
 * packet n the size schedule[n % sum(weights)], a schedule in smooth
 * weighted round-robin order: over sum(weights) packets every size has
 * had exactly its share, and the sizes are spread, not grouped.
 */
#ifndef SLUICE_GEN_SIZES_H
#define SLUICE_GEN_SIZES_H

#include <stdint.h>

#define SL_GEN_MAX_SIZES 16

struct sl_gen_sizes {
	unsigned n;
	uint16_t size[SL_GEN_MAX_SIZES];   /* bytes on the wire, FCS included */
	uint32_t weight[SL_GEN_MAX_SIZES]; /* >= 1 */
};

/* The round-robin state of one sender. Zero it to start. */
struct sl_gen_size_rr {
	int64_t current[SL_GEN_MAX_SIZES];
};

/*
 * Parses s into out. Sizes must lie in [min, max] and weights in
 * [1, 1000000]. Returns 0 or -EINVAL, with *why (static text) saying why.
 */
int sl_gen_sizes_parse(const char *s, unsigned min, unsigned max, struct sl_gen_sizes *out,
		       const char **why);

/* The index of the size of the next call. */
unsigned sl_gen_sizes_next(const struct sl_gen_sizes *sz, struct sl_gen_size_rr *rr);

/*
 * Writes the per-packet schedule of sz into sched (frame bytes, FCS
 * excluded): sum(weights) entries in smooth weighted round-robin order.
 * Returns its length, or -E2BIG when the weights add up to more than cap.
 */
int sl_gen_sizes_schedule(const struct sl_gen_sizes *sz, uint16_t *sched, unsigned cap);

/* The largest size. */
unsigned sl_gen_sizes_max(const struct sl_gen_sizes *sz);

/* The mean size of a packet, weights applied, FCS included. */
double sl_gen_sizes_mean(const struct sl_gen_sizes *sz);

#endif /* SLUICE_GEN_SIZES_H */
