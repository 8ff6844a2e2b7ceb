/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen's AF_XDP transmit engine (docs/load-test.md, "Engines"): one
 * TX-only AF_XDP socket (libxdp's xsk API, its own UMEM) per sender
 * thread, sender i on queue i of the interface. No XDP program is loaded
 * for them (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD): nothing is attached, so
 * nothing can be left attached. The kernel picks zero-copy where the
 * driver has it and copy mode elsewhere (veth); sl_gen_xsk_info says which.
 *
 * Packets are either generated (gen/frame.h: the bytes the live-frames
 * program would send) or replayed from a capture (gen/pcapsrc.h). Each
 * sender paces itself in userspace on the same schedule as the program
 * (sl_gen_pace_due), in batches of at most `batch` frames, kicks the
 * kernel with sendto when the ring asks for it (need_wakeup) and reaps
 * the completion ring in batches. The calls mirror gen/tx.h, which hands
 * them here.
 */
#ifndef SLUICE_GEN_XSK_H
#define SLUICE_GEN_XSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/tx.h"

#define SL_GEN_XSK_FRAME_SIZE 2048u /* UMEM frame: the longest frame it can send */
#define SL_GEN_XSK_FRAMES 2048u     /* per socket, also the TX and completion ring sizes */

struct sl_gen_xsk;

/*
 * Reads the capture (o->pcap) or builds the frames, checks the interface
 * (it exists, it has the queues, frames fit its MTU) and creates the
 * sockets. Returns 0, or a negative errno with a one-line reason in why:
 * -ENODEV no such interface, -EINVAL bad options, a capture that cannot
 * be read or a missing queue, -ENODATA nothing to replay, -EMSGSIZE a
 * generated frame above the MTU, other errnos from the kernel.
 */
int sl_gen_xsk_open(const struct sl_gen_tx_opts *o, struct sl_gen_xsk **out, char *why,
		    size_t why_len);

/* As sl_gen_tx_start and the others in gen/tx.h. */
int sl_gen_xsk_start(struct sl_gen_xsk *x, double pps, uint64_t count);
bool sl_gen_xsk_done(struct sl_gen_xsk *x);
int sl_gen_xsk_stop(struct sl_gen_xsk *x, char *why, size_t why_len);
void sl_gen_xsk_totals(struct sl_gen_xsk *x, struct sl_gen_tx_totals *t);
int sl_gen_xsk_stream_sent(struct sl_gen_xsk *x, uint64_t sent[SL_GEN_MAX_STREAMS]);
int sl_gen_xsk_reset(struct sl_gen_xsk *x);
void sl_gen_xsk_info(const struct sl_gen_xsk *x, struct sl_gen_tx_info *info);
void sl_gen_xsk_close(struct sl_gen_xsk *x);

#endif /* SLUICE_GEN_XSK_H */
