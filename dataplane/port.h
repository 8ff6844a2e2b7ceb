/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A port: where a worker's packets come from and go to (docs/dataplane.md).
 * The worker and the stages see packet buffers (struct sl_buf) and four
 * calls: receive a burst, transmit a burst, free buffers, wait. The
 * AF_XDP backend (dataplane/xsk.h) is the first implementation; a DPDK
 * ethdev backend plugs in behind the same calls.
 *
 * Ownership: every buffer rx_burst returns is the caller's until it
 * passes it to tx_burst (which takes the ones it accepted) or to free.
 * A port is used by one thread at a time (its worker); only stats and
 * frame accounting may be read from another thread.
 */
#ifndef SLUICE_PORT_H
#define SLUICE_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* sl_buf.flags */
#define SL_BUF_CONTD 0x1 /* more buffers of the same packet follow (multi-buffer) */

/* One received buffer: a whole packet, or one fragment of a multi-buffer packet. */
struct sl_buf {
	uint8_t *data;   /* the packet's first byte */
	uint32_t len;    /* bytes at data */
	uint32_t flags;  /* SL_BUF_x */
	uint64_t handle; /* the backend's name for the buffer (AF_XDP: the UMEM address) */
};

/*
 * Where every buffer of a port is (docs/dataplane.md, "Frame accounting").
 * For AF_XDP: the worker's free list, the worker's hands, the fill ring,
 * the kernel (RX in flight and on the RX ring, TX on the ring and in
 * flight), the completion ring. The places add up to frames at every
 * moment the worker is between bursts.
 */
struct sl_frame_acct {
	uint64_t frames;    /* the port's buffers (UMEM frames) */
	uint64_t free;      /* the worker's free list */
	uint64_t in_hand;   /* received by the worker, not yet sent or freed */
	uint64_t fill_ring; /* on the fill ring */
	uint64_t kernel;    /* taken by the kernel, for RX or for TX */
	uint64_t comp_ring; /* on the completion ring */
	int64_t rx_owned;   /* handed to the kernel for RX and not received back: fill ring + kernel RX */
	int64_t tx_owned;   /* handed to the kernel for TX and not completed: kernel TX + completion ring */
};

/*
 * Checks an accounting: the places add up to frames, and the ring
 * occupancies fit in what the kernel owns. 0, or -EFAULT.
 */
int sl_frame_acct_check(const struct sl_frame_acct *a);

/*
 * Adds the places of b to a, two ports on the same buffers (the two
 * sockets of an inline pair on one UMEM): frames stays a's. Only the sum
 * adds up: a buffer received on one port and sent or freed on the other
 * leaves one port's in_hand high and the other's below zero (modulo 2^64).
 */
void sl_frame_acct_add(struct sl_frame_acct *a, const struct sl_frame_acct *b);

/* A port's own counters, read on its worker's thread. */
struct sl_port_stats {
	uint64_t wakeups;        /* system calls made because a ring asked (need_wakeup), or busy polls */
	uint64_t polls;          /* waits for packets while idle */
	uint64_t refill_starved; /* the fill ring had room and no free buffer was left */
	uint64_t tx_full;        /* TX bursts the ring could not take whole */
	uint64_t rx_invalid;     /* descriptors refused (outside the UMEM) */
	struct sl_frame_acct acct;
};

/* The kernel's counters of a port (AF_XDP: XDP_STATISTICS), readable from any thread. */
struct sl_port_kstats {
	uint64_t rx_dropped;     /* dropped for other reasons */
	uint64_t rx_ring_full;   /* dropped: the RX ring was full */
	uint64_t fill_empty;     /* the kernel found the fill ring empty */
	uint64_t rx_invalid;
	uint64_t tx_invalid;
	uint64_t tx_ring_empty;
};

struct sl_port;

struct sl_port_ops {
	const char *kind; /* "af_xdp", "dpdk" */
	/*
	 * Up to n received buffers into bufs; never waits. A multi-buffer
	 * packet is never split across calls: its buffers come together, all
	 * but the last with SL_BUF_CONTD. Returns the count.
	 */
	uint32_t (*rx_burst)(struct sl_port *p, struct sl_buf *bufs, uint32_t n);
	/*
	 * Queues bufs[0..n) for transmission (with their len and flags as
	 * set by the caller) and returns how many it took, from the front;
	 * the rest stay the caller's. Frees transmitted buffers later itself.
	 */
	uint32_t (*tx_burst)(struct sl_port *p, const struct sl_buf *bufs, uint32_t n);
	/* Gives buffers back without sending them. */
	void (*free)(struct sl_port *p, const struct sl_buf *bufs, uint32_t n);
	/*
	 * Housekeeping between bursts: reclaims completed transmissions,
	 * refills the receive side, kicks the kernel or device when it asks.
	 * Then, when idle is set and nothing is pending, waits up to
	 * timeout_ms for packets. Returns 0 or a negative errno.
	 */
	int (*service)(struct sl_port *p, bool idle, int timeout_ms);
	/* The port's counters and frame accounting; on the worker's thread. */
	void (*stats)(struct sl_port *p, struct sl_port_stats *st);
	/* The kernel's counters; any thread. 0 or a negative errno. */
	int (*kstats)(struct sl_port *p, struct sl_port_kstats *k);
	void (*close)(struct sl_port *p);
};

/* The common head of every backend's port struct. */
struct sl_port {
	const struct sl_port_ops *ops;
};

static inline uint32_t sl_port_rx_burst(struct sl_port *p, struct sl_buf *bufs, uint32_t n)
{
	return p->ops->rx_burst(p, bufs, n);
}

static inline uint32_t sl_port_tx_burst(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	return p->ops->tx_burst(p, bufs, n);
}

static inline void sl_port_free(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	p->ops->free(p, bufs, n);
}

static inline int sl_port_service(struct sl_port *p, bool idle, int timeout_ms)
{
	return p->ops->service(p, idle, timeout_ms);
}

/* The port's counters and frame accounting (zeroes when it keeps none). Worker thread. */
static inline void sl_port_stats_get(struct sl_port *p, struct sl_port_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p && p->ops->stats)
		p->ops->stats(p, st);
}

/* Closes the port and frees it. NULL-safe. */
static inline void sl_port_close(struct sl_port *p)
{
	if (p)
		p->ops->close(p);
}

#endif /* SLUICE_PORT_H */
