/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's reflector: xdp/gen_reflect.bpf.c attached with a bpf_link
 * (it goes when the process does), and its counters.
 */
#ifndef SLUICE_GEN_REFLECT_H
#define SLUICE_GEN_REFLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/gen.h"

struct sl_gen_reflect_opts {
	const char *dev;  /* NULL: load only, for tests */
	bool ports_set;   /* reflect only TCP/UDP with dport in [port_lo, port_hi] */
	uint16_t port_lo;
	uint16_t port_hi;
};

struct sl_gen_reflect;

/* Loads (and with a dev, attaches) the reflector. 0 or a negative errno with why. */
int sl_gen_reflect_open(const struct sl_gen_reflect_opts *opts, struct sl_gen_reflect **out,
			char *why, size_t why_len);

/* Sums the per-CPU counters. 0 or a negative errno. */
int sl_gen_reflect_read(struct sl_gen_reflect *r, struct sl_gen_reflect_cpu *sum);

/* The program's fd, for tests. */
int sl_gen_reflect_prog_fd(const struct sl_gen_reflect *r);

/* Detaches and frees. NULL is fine. */
void sl_gen_reflect_close(struct sl_gen_reflect *r);

#endif /* SLUICE_GEN_REFLECT_H */
