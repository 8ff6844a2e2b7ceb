/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's analyser: xdp/gen_rx.bpf.c attached (bpf_link, so it goes
 * when the process does) to the receiving interface, and the reading of
 * its counters, per-stream sequence state and latency histogram.
 */
#ifndef SLUICE_GEN_RX_H
#define SLUICE_GEN_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/gen.h"

struct sl_gen_rx_opts {
	const char *dev; /* NULL: load only, for tests */
	bool pass;       /* pass sluice-gen packets to the stack instead of dropping them */
};

struct sl_gen_rx_stream_snap {
	uint16_t id;
	uint64_t received; /* distinct */
	uint64_t lost;     /* gaps seen */
	uint64_t reordered;
	uint64_t duplicate;
	uint64_t late;
};

struct sl_gen_rx_snap {
	uint64_t packets;  /* every copy */
	uint64_t bytes;
	uint64_t other;
	uint64_t clock_errors;
	uint64_t lat_sum_ns;
	uint64_t lat_max_ns;
	uint64_t hist[SL_GEN_HIST_BUCKETS];
	unsigned n_streams; /* streams that received anything, in id order */
	struct sl_gen_rx_stream_snap streams[SL_GEN_MAX_STREAMS];
};

struct sl_gen_rx;

/* Loads (and with a dev, attaches) the analyser. 0 or a negative errno with why. */
int sl_gen_rx_open(const struct sl_gen_rx_opts *opts, struct sl_gen_rx **out, char *why,
		   size_t why_len);

/* Reads everything into snap. 0 or a negative errno. */
int sl_gen_rx_read(struct sl_gen_rx *rx, struct sl_gen_rx_snap *snap);

/* Zeroes counters, histogram and streams. 0 or a negative errno. */
int sl_gen_rx_reset(struct sl_gen_rx *rx);

/* The program's fd, for tests. */
int sl_gen_rx_prog_fd(const struct sl_gen_rx *rx);

/* Detaches and frees. NULL is fine. */
void sl_gen_rx_close(struct sl_gen_rx *rx);

#endif /* SLUICE_GEN_RX_H */
