/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "xsk.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "log.h"
#include "xsk_ring.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9 /* Linux 6.17; older uapi headers lack it */
#endif

/*
 * Descriptors one sendto() may send in copy mode. The kernel's default
 * is 32: a burst of 64 reflected packets would take two system calls.
 * A whole burst (the batch's 256 at most) in one call.
 */
#define TX_BUDGET 256

/*
 * Empty rounds a worker spins through before it sleeps in poll(). Under
 * load bursts arrive microseconds apart, and a sleeping reader costs both
 * sides: the worker a trip through the scheduler per burst, the kernel a
 * wakeup per RX flush on the delivering CPU. A spinning reader costs
 * neither. An empty round is well under a microsecond, so this is tens of
 * microseconds of spinning after the last packet, then the usual sleep.
 */
#define SPIN_ROUNDS 512

struct xport {
	struct sl_port port; /* first: a struct sl_port * is a struct xport * */
	struct sl_xsk_q q;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int fd;
	int xsks_fd;
	uint32_t queue;
	uint32_t key;     /* its index in the XSKMAP */
	uint32_t ring_size;
	bool mapped;
	bool busy_poll;
	uint32_t empty_rounds; /* consecutive idle services (SPIN_ROUNDS) */
	uint64_t wakeups;
	uint64_t polls;
};

static struct xport *xp(struct sl_port *p)
{
	return (struct xport *)p;
}

/* A spinning thread's hint to the CPU (and its sibling hyperthread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/* Asks the kernel to send what the TX ring holds (copy mode sends from this call). */
static void kick_tx(struct xport *x)
{
	x->wakeups++;
	/* EAGAIN and EBUSY: the kernel is still sending; the next service asks again. */
	sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
}

static uint32_t xsk_rx_burst(struct sl_port *p, struct sl_buf *bufs, uint32_t n)
{
	return sl_xsk_q_rx(&xp(p)->q, bufs, n);
}

static uint32_t xsk_tx_burst(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	struct xport *x = xp(p);
	uint32_t k = sl_xsk_q_tx(&x->q, bufs, n);

	if (k && xsk_ring_prod__needs_wakeup(&x->q.tx))
		kick_tx(x);
	return k;
}

static void xsk_free(struct sl_port *p, const struct sl_buf *bufs, uint32_t n)
{
	sl_xsk_q_free(&xp(p)->q, bufs, n);
}

static int xsk_service(struct sl_port *p, bool idle, int timeout_ms)
{
	struct xport *x = xp(p);
	struct pollfd pfd = { .fd = x->fd, .events = POLLIN };

	sl_xsk_q_complete(&x->q, x->ring_size);
	sl_xsk_q_refill(&x->q, x->ring_size);
	if (sl_xsk_q_tx_pending(&x->q) && xsk_ring_prod__needs_wakeup(&x->q.tx))
		kick_tx(x);
	if (x->busy_poll) {
		/* Busy polling: the receive call runs the device's NAPI loop on this CPU. */
		if (idle || xsk_ring_prod__needs_wakeup(&x->q.fq)) {
			x->wakeups++;
			recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		}
		return 0;
	}
	if (!idle) {
		x->empty_rounds = 0;
	} else if (x->empty_rounds < SPIN_ROUNDS) {
		x->empty_rounds++;
		idle = false; /* spin: served like a busy round, without a wait */
		cpu_relax();
	}
	if (!idle) {
		if (xsk_ring_prod__needs_wakeup(&x->q.fq)) {
			x->wakeups++;
			recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		}
		return 0;
	}
	/* poll() also wakes a driver that asked for it (need_wakeup on the fill ring). */
	if (xsk_ring_prod__needs_wakeup(&x->q.fq))
		x->wakeups++;
	x->polls++;
	/* Completions do not wake poll(): wait briefly while frames are out for TX. */
	if (poll(&pfd, 1, x->q.c.tx_submitted != x->q.c.tx_completed ? 1 : timeout_ms) < 0 &&
	    errno != EINTR)
		return -errno;
	return 0;
}

static void xsk_stats(struct sl_port *p, struct sl_port_stats *st)
{
	struct xport *x = xp(p);

	st->wakeups = x->wakeups;
	st->polls = x->polls;
	st->refill_starved = x->q.c.refill_starved;
	st->tx_full = x->q.c.tx_full;
	st->rx_invalid = x->q.c.rx_invalid;
	sl_xsk_q_acct(&x->q, &st->acct);
}

static int xsk_kstats(struct sl_port *p, struct sl_port_kstats *k)
{
	struct xdp_statistics xs;
	socklen_t len = sizeof(xs);

	memset(&xs, 0, sizeof(xs));
	if (getsockopt(xp(p)->fd, SOL_XDP, XDP_STATISTICS, &xs, &len))
		return -errno;
	k->rx_dropped = xs.rx_dropped;
	k->rx_ring_full = xs.rx_ring_full;
	k->fill_empty = xs.rx_fill_ring_empty_descs;
	k->rx_invalid = xs.rx_invalid_descs;
	k->tx_invalid = xs.tx_invalid_descs;
	k->tx_ring_empty = xs.tx_ring_empty_descs;
	return 0;
}

void sl_xsk_unmap(struct sl_port *p)
{
	struct xport *x = xp(p);

	if (x->mapped) {
		bpf_map_delete_elem(x->xsks_fd, &x->key);
		x->mapped = false;
	}
}

static void xsk_close(struct sl_port *p)
{
	struct xport *x = xp(p);

	sl_xsk_unmap(p);
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	sl_xsk_q_fini(&x->q);
	free(x);
}

static const struct sl_port_ops xsk_ops = {
	.kind = "af_xdp",
	.rx_burst = xsk_rx_burst,
	.tx_burst = xsk_tx_burst,
	.free = xsk_free,
	.service = xsk_service,
	.stats = xsk_stats,
	.kstats = xsk_kstats,
	.close = xsk_close,
};

int sl_xsk_fd(const struct sl_port *p)
{
	return ((const struct xport *)p)->fd;
}

void sl_xsk_pair_balance(struct sl_port *a, struct sl_port *b, uint32_t want)
{
	sl_xsk_q_balance(&xp(a)->q, &xp(b)->q, want);
}

bool sl_xsk_tx_outstanding(const struct sl_port *p)
{
	const struct xport *x = (const struct xport *)p;

	return x->q.c.tx_submitted != x->q.c.tx_completed;
}

/*
 * Binds the second port of an inline pair on the first one's UMEM: its
 * own fill and completion rings (another device or queue), the bind mode
 * inherited from the first socket.
 */
static int bind_shared(struct xport *x, const struct sl_xsk_opts *o)
{
	struct xsk_socket_config sc = {
		.rx_size = o->ring_size,
		.tx_size = o->ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	int err;

	err = xsk_socket__create_shared(&x->xsk, o->ifname, o->queue, xp(o->share)->umem, &x->q.rx,
					&x->q.tx, &x->q.fq, &x->q.cq, &sc);
	if (err)
		x->xsk = NULL;
	return err;
}

/* Registers the UMEM and binds a socket with these flags; undoes both on failure. */
static int try_bind(struct xport *x, const struct sl_xsk_opts *o, uint16_t flags)
{
	struct xsk_umem_config uc = {
		.fill_size = o->ring_size,
		.comp_size = o->ring_size,
		.frame_size = o->frame_size,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config sc = {
		.rx_size = o->ring_size,
		.tx_size = o->ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = flags | XDP_USE_NEED_WAKEUP,
	};
	int err;

	/* A fresh UMEM per attempt: a failed bind leaves the first socket's rings set up. */
	err = xsk_umem__create(&x->umem, o->umem, (uint64_t)o->frames * o->frame_size, &x->q.fq,
			       &x->q.cq, &uc);
	if (err) {
		x->umem = NULL;
		return err;
	}
	err = xsk_socket__create(&x->xsk, o->ifname, o->queue, x->umem, &x->q.rx, &x->q.tx, &sc);
	if (err) {
		x->xsk = NULL;
		xsk_umem__delete(x->umem);
		x->umem = NULL;
	}
	return err;
}

static bool set_busy_poll(struct xport *x, const struct sl_xsk_opts *o)
{
	int one = 1, usecs = (int)o->busy_poll_usecs, budget = (int)o->busy_poll_budget;

	if (setsockopt(x->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) ||
	    setsockopt(x->fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof(usecs)) ||
	    setsockopt(x->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget))) {
		pr_warn("%s queue %u: busy polling refused (%s); waiting in poll() instead\n",
			o->ifname, o->queue, strerror(errno));
		return false;
	}
	return true;
}

/*
 * Copy mode sends from the sendto() call itself, at most the socket's TX
 * budget per call: raised to a whole burst where the kernel lets us
 * (6.17 and later; older ones keep 32 and take more calls).
 */
static void set_tx_budget(struct xport *x, uint32_t ring_size)
{
	unsigned int budget = ring_size < TX_BUDGET ? ring_size : TX_BUDGET;

	if (budget > 32)
		setsockopt(x->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof(budget));
}

int sl_xsk_open(const struct sl_xsk_opts *o, struct sl_port **out, struct sl_xsk_info *info,
		struct sl_diag *diag)
{
	uint16_t modes[2];
	size_t n_modes = 0, m;
	bool want_sg = o->max_frame > o->frame_size;
	struct xdp_options xo = { 0 };
	socklen_t olen = sizeof(xo);
	struct xport *x;
	int err = -EINVAL, zc_err = 0, sg = 0;

	memset(info, 0, sizeof(*info));
	if (!o->ifname || !o->umem || !o->frames || !o->ring_size ||
	    (o->ring_size & (o->ring_size - 1))) {
		sl_diagf(diag, "AF_XDP port: bad options");
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->port.ops = &xsk_ops;
	x->fd = -1;
	x->xsks_fd = o->xsks_fd;
	x->queue = o->queue;
	x->key = o->xsks_base + o->queue;
	x->ring_size = o->ring_size;
	/* A pair's second port: the first port's frames, half of its free ones. */
	if (o->share)
		err = sl_xsk_q_init_shared(&x->q, &xp(o->share)->q);
	else
		err = sl_xsk_q_init(&x->q, o->umem, o->frames, o->frame_size);
	if (err) {
		sl_diagf(diag, "%s queue %u: bad UMEM geometry", o->ifname, o->queue);
		goto fail;
	}

	if (o->share) {
		err = bind_shared(x, o);
		if (err) {
			sl_xsk_q_move_free(&xp(o->share)->q, &x->q, x->q.n_free);
			sl_diagf(diag, "%s queue %u: cannot bind an AF_XDP socket on the UMEM of its "
				 "inline peer: %s", o->ifname, o->queue, strerror(-err));
			goto fail;
		}
	}
	if (!o->share && o->zero_copy != SL_ZC_OFF)
		modes[n_modes++] = XDP_ZEROCOPY;
	if (!o->share && o->zero_copy != SL_ZC_ON)
		modes[n_modes++] = XDP_COPY;
	for (m = 0; m < n_modes; m++) {
		for (sg = want_sg; sg >= 0; sg--) {
			err = try_bind(x, o, modes[m] | (sg ? XDP_USE_SG : 0));
			if (!err)
				break;
			if (sg)
				info->sg_refused = true;
		}
		if (!err)
			break;
		if (modes[m] == XDP_ZEROCOPY)
			zc_err = err;
	}
	if (err) {
		sl_diagf(diag, "%s queue %u: cannot bind an AF_XDP socket%s: %s", o->ifname, o->queue,
			 o->zero_copy == SL_ZC_ON ? " in zero-copy mode (dataplane.zero_copy: on)" : "",
			 strerror(-err));
		goto fail;
	}
	/* Refused with SG in one mode but took without it in the same mode: refused for real. */
	info->multi_buffer = want_sg && sg == 1;
	if (info->multi_buffer)
		info->sg_refused = false;
	x->fd = xsk_socket__fd(x->xsk);
	if (!getsockopt(x->fd, SOL_XDP, XDP_OPTIONS, &xo, &olen))
		info->zero_copy = xo.flags & XDP_OPTIONS_ZEROCOPY;
	if (!info->zero_copy && zc_err)
		snprintf(info->note, sizeof(info->note), "zero-copy refused (%s), copy mode",
			 strerror(-zc_err));
	if (info->sg_refused)
		pr_warn("%s queue %u: multi-buffer (XDP_USE_SG) refused: frames above %u bytes are "
			"dropped by the kernel\n", o->ifname, o->queue, o->frame_size);
	if (o->busy_poll)
		info->busy_poll = x->busy_poll = set_busy_poll(x, o);
	if (!info->zero_copy)
		set_tx_budget(x, o->ring_size);

	sl_xsk_q_refill(&x->q, o->ring_size);
	if (o->xsks_fd >= 0) {
		if (bpf_map_update_elem(o->xsks_fd, &x->key, &x->fd, BPF_ANY)) {
			err = -errno;
			sl_diagf(diag, "%s queue %u: cannot insert the socket into sl_xsks: %s",
				 o->ifname, o->queue, strerror(-err));
			goto fail;
		}
		x->mapped = true;
	}
	*out = &x->port;
	return 0;
fail:
	xsk_close(&x->port);
	return err;
}
