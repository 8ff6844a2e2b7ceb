/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The frames of one AF_XDP socket and its four rings, without the socket:
 * the batching (refill the fill ring, reap the completion ring, take a
 * burst from RX, put a burst on TX) and the frame accounting. Kept apart
 * from dataplane/xsk.c so that unit tests drive it with rings in plain
 * memory, playing the kernel's part themselves.
 *
 * Frame accounting (docs/dataplane.md): every UMEM frame is in exactly one
 * place: the worker's free list, the worker's hands (received, not yet
 * sent or freed), the fill ring, the kernel (taken from the fill ring and
 * not yet received, including the RX ring; or put on TX and not yet
 * completed, including the TX ring), or the completion ring. The counts
 * of the worker's side are kept by the calls below as they move frames;
 * the ring occupancies are read from the rings' indices. The sum is the
 * UMEM's frame count at every moment the worker is between calls.
 *
 * Everything here runs on the socket's worker thread only.
 */
#ifndef SLUICE_XSK_RING_H
#define SLUICE_XSK_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "port.h"

#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4) /* multi-buffer; older uapi headers lack it */
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0) /* xdp_desc.options: the packet continues in the next descriptor */
#endif

/* The most buffers one packet may span (a 64 KiB frame in 4 KiB frames, plus one). */
#define SL_XSK_MAX_FRAGS 17

/* What the calls below count. Monotonic except in_hand. */
struct sl_xsk_counters {
	uint64_t fill_submitted; /* frames put on the fill ring */
	uint64_t rx_received;    /* frames taken from the RX ring */
	uint64_t tx_submitted;   /* frames put on the TX ring */
	uint64_t tx_completed;   /* frames taken from the completion ring */
	uint64_t freed;          /* frames given back unsent */
	uint64_t in_hand;        /* frames the worker holds now */
	uint64_t refill_starved; /* refills that found the fill ring with room and no free frame */
	uint64_t tx_full;        /* TX bursts the TX ring could not take whole */
	uint64_t rx_invalid;     /* RX descriptors outside the UMEM (dropped, never seen in practice) */
};

struct sl_xsk_q {
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	uint8_t *umem;       /* the UMEM's first byte */
	uint64_t umem_size;  /* n_frames * frame_size */
	uint32_t frame_size; /* a power of two */
	uint32_t n_frames;
	uint64_t *free;      /* stack of free frame addresses */
	uint32_t n_free;
	struct sl_xsk_counters c;
};

/*
 * Sets up the frame side of q: n_frames frames of frame_size bytes (a
 * power of two, >= 2048) at umem, all on the free list. The rings are the
 * caller's to set (xsk_umem__create and xsk_socket__create fill them).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int sl_xsk_q_init(struct sl_xsk_q *q, uint8_t *umem, uint32_t n_frames, uint32_t frame_size);

/*
 * Sets up q as the second socket of an inline pair on first's UMEM (the
 * same frames and geometry, docs/dataplane.md): its free list starts
 * empty and takes half of first's free frames. From then on frames move
 * between the two (received on one, completed on the other): only the
 * sum of the two accountings adds up (sl_frame_acct_add). 0 or -ENOMEM.
 */
int sl_xsk_q_init_shared(struct sl_xsk_q *q, struct sl_xsk_q *first);

/* Moves up to n free frames from src to dst, two q's on one UMEM. Returns the count. */
uint32_t sl_xsk_q_move_free(struct sl_xsk_q *dst, struct sl_xsk_q *src, uint32_t n);

/*
 * Two q's on one UMEM: when one has fewer than want free frames and the
 * other more, moves half the difference, so each can refill its fill
 * ring. Returns the frames moved.
 */
uint32_t sl_xsk_q_balance(struct sl_xsk_q *a, struct sl_xsk_q *b, uint32_t want);

/* Frees what sl_xsk_q_init allocated. NULL-safe, idempotent. */
void sl_xsk_q_fini(struct sl_xsk_q *q);

/*
 * Moves up to max free frames onto the fill ring in one reservation.
 * Returns the count. Counts refill_starved when the ring had room but
 * the free list was empty.
 */
uint32_t sl_xsk_q_refill(struct sl_xsk_q *q, uint32_t max);

/* Reaps up to max completed TX frames onto the free list. Returns the count. */
uint32_t sl_xsk_q_complete(struct sl_xsk_q *q, uint32_t max);

/*
 * Takes up to n descriptors from the RX ring into bufs (n >=
 * SL_XSK_MAX_FRAGS). A multi-buffer packet cut by n is left on the ring
 * for the next call. Returns the count; they are in the worker's hands.
 */
uint32_t sl_xsk_q_rx(struct sl_xsk_q *q, struct sl_buf *bufs, uint32_t n);

/*
 * Puts bufs on the TX ring, whole packets only, as many as fit; each
 * descriptor's address is its data pointer's offset in the UMEM. Returns
 * how many buffers it took, from the front.
 */
uint32_t sl_xsk_q_tx(struct sl_xsk_q *q, const struct sl_buf *bufs, uint32_t n);

/* Returns bufs to the free list. */
void sl_xsk_q_free(struct sl_xsk_q *q, const struct sl_buf *bufs, uint32_t n);

/* True when the TX ring holds descriptors the kernel has not taken yet. */
bool sl_xsk_q_tx_pending(const struct sl_xsk_q *q);

/* Where every frame is now (reads the rings' indices); see port.h. */
void sl_xsk_q_acct(const struct sl_xsk_q *q, struct sl_frame_acct *a);

#endif /* SLUICE_XSK_RING_H */
