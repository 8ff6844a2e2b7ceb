/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Generated frames built in userspace, for the AF_XDP engine (gen/xsk.c):
 * the same bytes xdp/gen_tx.bpf.c writes for a packet of a given sequence
 * number, sender slot and time. The template is built once at the largest
 * size (gen/template.c); each frame is the template's first bytes, then
 * the fields that vary are written and the checksums updated word by word
 * from the template's (RFC 1624), with the helpers of sluice/gen_calc.h
 * and in the program's order, so that both engines send identical bytes.
 */
#ifndef SLUICE_GEN_FRAME_H
#define SLUICE_GEN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "gen/sizes.h"
#include "gen/template.h"
#include "sluice/gen.h"

struct sl_gen_frames {
	struct sl_gen_flow_cfg flow;
	struct sl_gen_layout lay;
	int family;
	uint16_t stream_base;
	uint32_t skip_every;         /* as in struct sl_gen_tx_cfg */
	uint16_t sched_len;          /* 0: every frame is tmpl_len bytes */
	uint16_t sched[SL_GEN_SIZE_SCHED];
	uint8_t tmpl[SL_GEN_MAX_SIZE];
	uint16_t tmpl_len;           /* frame bytes, FCS excluded */
};

/*
 * Builds fr for spec, flow and sizes. Returns 0, -EINVAL for a spec or a
 * size the template cannot take, -E2BIG when the size weights add up to
 * more than SL_GEN_SIZE_SCHED.
 */
int sl_gen_frames_init(struct sl_gen_frames *fr, const struct sl_gen_spec *spec,
		       const struct sl_gen_flow_cfg *flow, const struct sl_gen_sizes *sizes,
		       uint32_t skip_every);

/*
 * The sequence number of a sender's next packet from its counter of
 * numbers used (*next_seq, advanced past the number returned and past a
 * skipped one), as the program takes it.
 */
uint64_t sl_gen_frames_take_seq(const struct sl_gen_frames *fr, __u64 *next_seq);

/* The length (FCS excluded) of the frame with sequence number seq. */
unsigned sl_gen_frames_len(const struct sl_gen_frames *fr, uint64_t seq);

/*
 * Writes the frame with sequence number seq of sender slot `slot`, built
 * at tx_ns (CLOCK_MONOTONIC), into buf (cap bytes). rnd: four uniform
 * random numbers for a random flow walk (ignored when sequential; may be
 * NULL then). Returns the frame length or -ENOSPC.
 */
int sl_gen_frame_write(const struct sl_gen_frames *fr, uint64_t seq, unsigned slot, uint64_t tx_ns,
		       const uint32_t rnd[4], uint8_t *buf, size_t cap);

#endif /* SLUICE_GEN_FRAME_H */
