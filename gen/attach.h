/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Attaching sluice-gen's XDP programs, and reading per-CPU map entries. */
#ifndef SLUICE_GEN_ATTACH_H
#define SLUICE_GEN_ATTACH_H

#include <stddef.h>

struct bpf_program;
struct bpf_link;
struct bpf_map;

/*
 * Attaches prog to dev through a bpf_link (in the driver's own XDP mode
 * where it has one, as veth does), so that it is detached when the link
 * is destroyed or the process ends. Returns 0 and
 * the link in *link, or a negative errno with why (-ENODEV: no such
 * interface; -EBUSY: another XDP program is attached).
 */
int sl_gen_attach(struct bpf_program *prog, const char *dev, struct bpf_link **link, char *why,
		  size_t why_len);

/*
 * Reads the per-CPU entry key of map (value_size bytes per CPU, a multiple
 * of 8) and adds up each 64-bit word over the CPUs into sum. 0 or a
 * negative errno.
 */
int sl_gen_percpu_sum(const struct bpf_map *map, unsigned key, void *sum, size_t value_size);

/* The same, keeping the maximum of word max_word instead of its sum (-1: none). */
int sl_gen_percpu_sum_max(const struct bpf_map *map, unsigned key, void *sum, size_t value_size,
			  int max_word);

#endif /* SLUICE_GEN_ATTACH_H */
