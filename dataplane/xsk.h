/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The AF_XDP port (dataplane/port.h): one socket on one RX queue, made
 * with libxdp's xsk API over a UMEM the caller owns (a slice of the
 * interface's sl_pool region). libxdp loads no program
 * (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD): sluice's firewall program owns
 * the XSKMAP, and the port inserts its socket there itself.
 *
 * Mode: zero-copy is tried first unless the config says off, copy mode
 * after it unless the config says on; with max_frame above the frame size
 * the bind asks for multi-buffer (XDP_USE_SG) and goes on without it when
 * refused. need_wakeup is always asked for and honoured. sl_xsk_info
 * reports what took.
 */
#ifndef SLUICE_XSK_H
#define SLUICE_XSK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "port.h"
#include "../control/config.h"

struct sl_xsk_opts {
	const char *ifname;
	uint32_t queue;
	uint8_t *umem;       /* frames * frame_size bytes, page aligned, the caller's */
	uint32_t frames;
	uint32_t frame_size; /* 2048 or 4096 */
	uint32_t ring_size;  /* each ring; a power of two */
	uint32_t max_frame;  /* above frame_size: ask for multi-buffer */
	uint32_t zero_copy;  /* enum sl_zero_copy */
	bool busy_poll;      /* SO_PREFER_BUSY_POLL, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET */
	uint32_t busy_poll_budget;
	uint32_t busy_poll_usecs;
	int xsks_fd;         /* the XSKMAP to insert the socket into at index xsks_base + queue; -1: none */
	uint32_t xsks_base;  /* 0, or SL_MAX_QUEUES for the second port of an inline pair */
	/*
	 * An inline pair's second port: the port whose UMEM this socket shares
	 * (XDP_SHARED_UMEM, its own fill and completion rings; umem and frames
	 * must be that port's). The mode is the first port's. Half of that
	 * port's free frames become this one's. NULL: a UMEM of its own.
	 */
	struct sl_port *share;
};

/* What the socket came up with. */
struct sl_xsk_info {
	bool zero_copy;    /* bound in zero-copy mode (else copy) */
	bool multi_buffer; /* XDP_USE_SG took */
	bool sg_refused;   /* multi-buffer asked for and refused: frames above frame_size are lost */
	bool busy_poll;    /* the busy-poll options took */
	char note[160];    /* why not zero-copy, or "" */
};

/*
 * Opens the socket, binds it, pre-fills the fill ring and inserts it into
 * the XSKMAP. Returns 0 and the port, or a negative errno with diag:
 * -EOPNOTSUPP zero-copy asked for (on) and refused, -ENODEV no such
 * interface, or what the kernel said.
 */
int sl_xsk_open(const struct sl_xsk_opts *o, struct sl_port **out, struct sl_xsk_info *info,
		struct sl_diag *diag);

/* Takes the socket out of the XSKMAP (steered packets then meet the no_socket policy). */
void sl_xsk_unmap(struct sl_port *p);

/* The socket's fd (for tests, and a pair's worker waiting on both). */
int sl_xsk_fd(const struct sl_port *p);

/*
 * Two ports sharing a UMEM (an inline pair): frames a port receives go
 * out and come back on the other, so free frames pile up on one side.
 * Moves free frames to a port whose free list holds fewer than want
 * from the other, so that each can refill its fill ring. Worker thread.
 */
void sl_xsk_pair_balance(struct sl_port *a, struct sl_port *b, uint32_t want);

/* True when the port has frames out for TX that have not completed. */
bool sl_xsk_tx_outstanding(const struct sl_port *p);

#endif /* SLUICE_XSK_H */
