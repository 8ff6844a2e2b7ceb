/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's transmitter. With SL_GEN_ENGINE_AFXDP every call below is
 * handed to the AF_XDP engine (gen/xsk.h), which behaves alike; the rest
 * of this comment is about the default engine.
 *
 * The live-frames engine: xdp/gen_tx.bpf.c run by BPF_PROG_RUN in
 * live-frames mode, one sender thread per core (optionally pinned), each
 * with its own slot in the program (sequence, counters, pacing) and its
 * share of the rate. A call lasts seconds; the program paces the packets
 * inside it (gen/pacer.h). Stopping interrupts the calls with
 * SIGUSR1 (sl_gen_tx_start installs a handler that does nothing).
 */
#ifndef SLUICE_GEN_TX_H
#define SLUICE_GEN_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/sizes.h"
#include "gen/template.h"
#include "sluice/gen.h"

#define SL_GEN_DEFAULT_BURST 64

/* How packets leave: see docs/load-test.md, "Engines". */
enum sl_gen_engine {
	SL_GEN_ENGINE_LIVE = 0, /* BPF_PROG_RUN live frames (xdp/gen_tx.bpf.c) */
	SL_GEN_ENGINE_AFXDP,    /* AF_XDP TX sockets, one per queue (gen/xsk.c) */
};

struct sl_gen_tx_opts {
	const char *dev;            /* NULL: load only (tests run the program by hand) */
	struct sl_gen_spec spec;
	struct sl_gen_flow_cfg flow;
	struct sl_gen_sizes sizes;
	uint32_t burst;             /* packets back to back at most when paced (0: default) */
	uint32_t batch;             /* the kernel's live-frames batch (0: 64, at most 256) */
	unsigned threads;           /* 0: 1 */
	int first_cpu;              /* thread i runs on CPU first_cpu + i; -1: not pinned */
	uint32_t skip_every;        /* testing: see sl_gen_tx_cfg */
	enum sl_gen_engine engine;
	/* AF_XDP only: replay this capture (gen/pcapsrc.h) instead of generating. */
	const char *pcap;
	bool pcap_timing;           /* at the capture's own timing (no rate then) */
	uint64_t loops;             /* times the capture is sent; 0: until stopped */
};

/* What a transmitter is, for the summary. */
struct sl_gen_tx_info {
	const char *engine;         /* "live-frames" or "afxdp" */
	const char *mode;           /* AF_XDP: "copy" or "zerocopy"; else NULL */
	unsigned queues;            /* AF_XDP: sockets, on queues 0..queues-1 */
	double mean_wire;           /* mean packet size on the wire, FCS included */
	/* Replay: the capture's records, packets kept and skipped, loops completed. */
	uint64_t pcap_records, pcap_packets, pcap_skipped_long, pcap_skipped_short,
		pcap_skipped_snapped;
	uint64_t loops_done;
};

struct sl_gen_tx_totals {
	uint64_t packets;  /* packets transmitted */
	uint64_t bytes;    /* their size on the wire, FCS included */
	uint64_t calls;    /* BPF_PROG_RUN calls */
	uint64_t given_up_ns; /* lateness the pacers forgave: stalls longer than the burst */
	uint64_t first_ns;    /* the first packet's and the last one's time (CLOCK_MONOTONIC) */
	uint64_t last_ns;
};

struct sl_gen_tx;

/*
 * Loads the program for opts and builds one template per size. Returns
 * 0 or a negative errno with a one-line reason in why.
 */
int sl_gen_tx_open(const struct sl_gen_tx_opts *opts, struct sl_gen_tx **out, char *why,
		   size_t why_len);

/*
 * Starts the sender threads: pps packets a second in all (0: as fast as
 * possible), count packets in all (0: until stopped). 0 or a negative errno.
 */
int sl_gen_tx_start(struct sl_gen_tx *tx, double pps, uint64_t count);

/*
 * True when every sender has finished (its count sent, or an error).
 * Call it often (every few ms to 100 ms) while a count is set: it ends
 * the call of a sender whose count is sent.
 */
bool sl_gen_tx_done(struct sl_gen_tx *tx);

/*
 * Stops and joins the senders. Returns 0, or the first sender's error
 * (a negative errno) with a reason in why.
 */
int sl_gen_tx_stop(struct sl_gen_tx *tx, char *why, size_t why_len);

/* Totals since open (or the last reset); safe while senders run. */
void sl_gen_tx_totals(struct sl_gen_tx *tx, struct sl_gen_tx_totals *t);

/*
 * Sequence numbers used per stream (sent[stream & 255]) from the program's
 * per-CPU state, skipped ones included: what a receiver should expect.
 * 0 or a negative errno.
 */
int sl_gen_tx_stream_sent(struct sl_gen_tx *tx, uint64_t sent[SL_GEN_MAX_STREAMS]);

/* Zeroes the program's state and the totals; senders must be stopped. */
int sl_gen_tx_reset(struct sl_gen_tx *tx);

/* Fills info about tx. */
void sl_gen_tx_info(const struct sl_gen_tx *tx, struct sl_gen_tx_info *info);

/* The program's fd (-1 for AF_XDP) and the template (largest size, no metadata), for tests. */
int sl_gen_tx_prog_fd(const struct sl_gen_tx *tx);
const uint8_t *sl_gen_tx_frame(const struct sl_gen_tx *tx, size_t *len);

/* Reads (for tests: writes) the state of slot i. 0 or a negative errno. */
int sl_gen_tx_slot_read(struct sl_gen_tx *tx, unsigned i, struct sl_gen_tx_slot *slot);
int sl_gen_tx_slot_write(struct sl_gen_tx *tx, unsigned i, const struct sl_gen_tx_slot *slot);


/* Stops the senders if needed and frees everything. NULL is fine. */
void sl_gen_tx_close(struct sl_gen_tx *tx);

#endif /* SLUICE_GEN_TX_H */
