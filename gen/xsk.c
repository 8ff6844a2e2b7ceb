/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The AF_XDP transmit engine (xsk.h). */
#include "gen/xsk.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <xdp/xsk.h>

#include "gen/frame.h"
#include "gen/pacer.h"
#include "gen/pcapsrc.h"
#include "sluice/gen_calc.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9 /* linux/if_xdp.h of 6.17 */
#endif

#define FILL_SIZE 64            /* the kernel wants a fill ring; TX never uses it */
#define DRAIN_NS 1000000000ull  /* at stop, how long frames in flight may take to complete */
#define SPIN_NS 100000ull
#define BIND_RETRIES 200        /* 10 ms apart */       /* nearer deadlines are waited for by spinning */

/* One sender: its socket and state; written by its own thread, except the atomics. */
struct xsender {
	_Alignas(64) struct sl_gen_xsk *x;
	pthread_t thread;
	bool started;
	unsigned idx;             /* slot and queue */
	int cpu;
	double pps;
	uint64_t t0_ns;
	uint64_t quota;           /* 0: none */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int fd;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq;
	uint8_t *area;
	uint64_t free_addr[SL_GEN_XSK_FRAMES];
	uint32_t n_free;
	struct sl_gen_tx_slot st;  /* private: sequence, pacing, counters */
	uint64_t rng;
	size_t pos;                /* replay: next packet of the capture */
	uint64_t loop_base_ns;     /* replay: the current loop's start on the schedule */
	int err;
	char why[160];
	_Alignas(64) _Atomic uint64_t packets, bytes, kicks, next_seq, given_up_ns, first_ns, last_ns,
		loops;
	_Atomic bool done;
};

struct sl_gen_xsk {
	char dev[IF_NAMESIZE];
	unsigned mtu;
	struct sl_gen_frames frames;
	struct sl_gen_pcap pcap;
	bool replay;
	bool pcap_timing;
	uint64_t loops;           /* 0: until stopped */
	uint32_t burst, batch;
	unsigned n;
	int first_cpu;
	bool zerocopy;
	_Atomic bool stop;
	bool running;
	struct xsender *s;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: the random flow walk's numbers; the thread's own, no locks. */
static uint32_t rnd32(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545f4914f6cdd1dull) >> 32);
}

/* The interface's MTU and its number of queue pairs (0: the driver does not say). */
static int if_query(const char *dev, unsigned *mtu, unsigned *queues)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFMTU, &ifr)) {
		err = -errno;
		goto out;
	}
	*mtu = (unsigned)ifr.ifr_mtu;
	*queues = 0;
	ifr.ifr_data = (void *)&ch;
	/* A socket binds to a queue that exists for both RX and TX. */
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		*queues = ch.combined_count + (ch.rx_count < ch.tx_count ? ch.rx_count : ch.tx_count);
out:
	close(fd);
	return err;
}

static int sender_socket(struct sl_gen_xsk *x, struct xsender *s, char *why, size_t why_len)
{
	struct xsk_umem_config uc = { .fill_size = FILL_SIZE, .comp_size = SL_GEN_XSK_FRAMES,
				      .frame_size = SL_GEN_XSK_FRAME_SIZE };
	/* TX only, and no program loaded for it: nothing is attached to the interface. */
	struct xsk_socket_config sc = { .tx_size = SL_GEN_XSK_FRAMES,
					.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
					.bind_flags = XDP_USE_NEED_WAKEUP };
	size_t len = (size_t)SL_GEN_XSK_FRAMES * SL_GEN_XSK_FRAME_SIZE;
	struct xdp_options xo = { 0 };
	socklen_t olen = sizeof(xo);
	void *area;
	uint32_t i;
	int err;

	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		err = -errno;
		snprintf(why, why_len, "cannot map a UMEM of %zu bytes: %s", len, strerror(-err));
		return err;
	}
	s->area = area;
	for (i = 0;; i++) {
		err = xsk_umem__create(&s->umem, area, len, &s->fq, &s->cq, &uc);
		if (err) {
			s->umem = NULL;
			snprintf(why, why_len, "cannot register an AF_XDP UMEM: %s", strerror(-err));
			return err;
		}
		err = xsk_socket__create(&s->xsk, x->dev, s->idx, s->umem, NULL, &s->tx, &sc);
		if (!err)
			break;
		s->xsk = NULL;
		xsk_umem__delete(s->umem);
		s->umem = NULL;
		/*
		 * The kernel frees a closed socket's UMEM from a work queue: right
		 * after another run ended, its queue may still be taken for a moment.
		 */
		if (err != -EBUSY || i >= BIND_RETRIES) {
			if (err == -EBUSY)
				snprintf(why, why_len, "%s queue %u is taken by another AF_XDP socket",
					 x->dev, s->idx);
			else
				snprintf(why, why_len, "cannot bind an AF_XDP socket to %s queue %u: %s",
					 x->dev, s->idx, strerror(-err));
			return err;
		}
		usleep(10000);
	}
	s->fd = xsk_socket__fd(s->xsk);
	/*
	 * Copy mode sends 32 frames per sendto unless told more (Linux 6.17+):
	 * a batch in one call. Older kernels refuse the option; 32 it is then.
	 */
	{
		int budget = x->batch > 32 ? (int)x->batch : 32;

		setsockopt(s->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof(budget));
	}
	if (!getsockopt(s->fd, SOL_XDP, XDP_OPTIONS, &xo, &olen) && (xo.flags & XDP_OPTIONS_ZEROCOPY))
		x->zerocopy = true;
	for (i = 0; i < SL_GEN_XSK_FRAMES; i++)
		s->free_addr[i] = (uint64_t)i * SL_GEN_XSK_FRAME_SIZE;
	s->n_free = SL_GEN_XSK_FRAMES;
	return 0;
}

int sl_gen_xsk_open(const struct sl_gen_tx_opts *o, struct sl_gen_xsk **out, char *why,
		    size_t why_len)
{
	struct sl_gen_xsk *x;
	unsigned queues = 0, i;
	int err;

	*out = NULL;
	if (!o->dev || !if_nametoindex(o->dev)) {
		snprintf(why, why_len, "no interface %s in this namespace", o->dev ? o->dev : "(none)");
		return -ENODEV;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	snprintf(x->dev, sizeof(x->dev), "%s", o->dev);
	x->burst = o->burst ? o->burst : SL_GEN_DEFAULT_BURST;
	x->batch = o->batch ? o->batch : 64;
	x->n = o->threads ? o->threads : 1;
	x->first_cpu = o->first_cpu;
	x->pcap_timing = o->pcap_timing;
	x->loops = o->loops;
	if (x->batch > 256 || x->n > SL_GEN_MAX_THREADS) {
		snprintf(why, why_len, "batch is at most 256, threads at most %d", SL_GEN_MAX_THREADS);
		err = -EINVAL;
		goto out;
	}
	err = if_query(o->dev, &x->mtu, &queues);
	if (err) {
		snprintf(why, why_len, "cannot read the MTU of %s: %s", o->dev, strerror(-err));
		goto out;
	}
	if (queues && x->n > queues) {
		snprintf(why, why_len,
			 "%s has %u queue%s; %u senders need queues 0 to %u (a veth gets more with numtxqueues/numrxqueues)",
			 o->dev, queues, queues == 1 ? "" : "s", x->n, x->n - 1);
		err = -EINVAL;
		goto out;
	}
	if (o->pcap) {
		struct sl_gen_pcap_limits lim = { .max_frame = SL_GEN_XSK_FRAME_SIZE, .mtu = x->mtu };

		if (x->n != 1) {
			snprintf(why, why_len, "a capture is replayed by one sender (--threads 1)");
			err = -EINVAL;
			goto out;
		}
		x->replay = true;
		err = sl_gen_pcap_load(o->pcap, &lim, &x->pcap, why, why_len);
		if (err) {
			/* A file that is not there or not readable is bad input too. */
			if (err != -ENOMEM && err != -ENODATA && err != -EFBIG)
				err = -EINVAL;
			goto out;
		}
	} else {
		struct sl_gen_layout lay;

		err = sl_gen_frames_init(&x->frames, &o->spec, &o->flow, &o->sizes, o->skip_every);
		if (err) {
			snprintf(why, why_len, "cannot build these frames (family, protocol, VLAN or sizes)");
			goto out;
		}
		lay = x->frames.lay;
		if (x->frames.tmpl_len > x->mtu + lay.l3_off) {
			snprintf(why, why_len, "frame size %u is above what the MTU of %s (%u) allows",
				 x->frames.tmpl_len + SL_GEN_FCS_LEN, o->dev, x->mtu);
			err = -EMSGSIZE;
			goto out;
		}
	}
	x->s = calloc(x->n, sizeof(*x->s));
	if (!x->s) {
		snprintf(why, why_len, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < x->n; i++) {
		x->s[i].x = x;
		x->s[i].idx = i;
		x->s[i].rng = (0x9e3779b97f4a7c15ull * (i + 1) ^ now_ns()) | 1; /* never 0: xorshift stays there */
		err = sender_socket(x, &x->s[i], why, why_len);
		if (err) {
			/* The kernel says EINVAL for a queue it does not have. */
			if (err == -EINVAL && !queues)
				snprintf(why, why_len, "cannot bind an AF_XDP socket to %s queue %u: %s (does the queue exist?)",
					 o->dev, i, strerror(EINVAL));
			goto out;
		}
	}
	*out = x;
	return 0;
out:
	sl_gen_xsk_close(x);
	return err;
}

/* Takes back the frames the kernel has sent. */
static void reap(struct xsender *s)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&s->cq, SL_GEN_XSK_FRAMES, &idx);
	if (!n)
		return;
	for (i = 0; i < n; i++)
		s->free_addr[s->n_free++] = *xsk_ring_cons__comp_addr(&s->cq, idx + i);
	xsk_ring_cons__release(&s->cq, n);
}

/* Frames in the TX ring that the kernel has not taken yet. */
static uint32_t tx_pending(struct xsender *s)
{
	return s->tx.size - xsk_prod_nb_free(&s->tx, s->tx.size);
}

/*
 * Has the kernel send what is in the TX ring, when the ring asks for it.
 * In copy mode each sendto sends a budget of frames (32 by default) and
 * says EAGAIN when more are left: the caller comes back. 0 or a negative
 * errno that ends the run.
 */
static int kick(struct xsender *s)
{
	if (!xsk_ring_prod__needs_wakeup(&s->tx))
		return 0;
	atomic_fetch_add_explicit(&s->kicks, 1, memory_order_relaxed);
	if (sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	switch (errno) {
	case EAGAIN:
	case EBUSY:
	case ENOBUFS:
	case EINTR:
		return 0;
	default:
		return -errno;
	}
}

/* Waits for deadline: sleeps when it is far, spins when it is near. */
static void wait_until(uint64_t deadline)
{
	uint64_t now = now_ns(), d;
	struct timespec ts;

	if (deadline <= now)
		return;
	d = deadline - now;
	if (d <= SPIN_NS)
		return; /* the caller loops: a spin that also reaps and kicks */
	d -= SPIN_NS / 2;
	if (d > 1000000)
		d = 1000000; /* come back often enough to see a stop */
	ts.tv_sec = 0;
	ts.tv_nsec = (long)d;
	nanosleep(&ts, NULL);
}

/* Publishes the private counters for sl_gen_xsk_totals. */
static void publish(struct xsender *s)
{
	atomic_store_explicit(&s->packets, s->st.packets, memory_order_relaxed);
	atomic_store_explicit(&s->bytes, s->st.bytes, memory_order_relaxed);
	atomic_store_explicit(&s->next_seq, s->st.next_seq, memory_order_relaxed);
	atomic_store_explicit(&s->given_up_ns, s->st.given_up_ns, memory_order_relaxed);
	atomic_store_explicit(&s->first_ns, s->st.first_ns, memory_order_relaxed);
	atomic_store_explicit(&s->last_ns, s->st.last_ns, memory_order_relaxed);
}

/*
 * How many packets may go now, at most max: due on the schedule (the
 * pacer, or the capture's timing) and within the quota and the loops.
 * Sets *finished when the replay or the quota is over.
 */
static uint32_t due_now(struct xsender *s, uint64_t now, uint32_t max, uint64_t *next_due,
			bool *finished)
{
	struct sl_gen_xsk *x = s->x;
	uint32_t n = 0;
	uint64_t loops_done = atomic_load_explicit(&s->loops, memory_order_relaxed);

	*next_due = 0;
	if (s->quota) {
		if (s->st.packets >= s->quota) {
			*finished = true;
			return 0;
		}
		if (s->quota - s->st.packets < max)
			max = (uint32_t)(s->quota - s->st.packets);
	}
	if (x->replay && x->loops && loops_done >= x->loops) {
		*finished = true;
		return 0;
	}
	if (x->replay && x->pcap_timing) {
		/* Packet i of loop k is due at t0 + k * span + ts_i: the next loop follows at once. */
		size_t pos = s->pos;
		uint64_t base = s->loop_base_ns, loops = loops_done;

		while (n < max) {
			uint64_t due = s->t0_ns + base + x->pcap.pkts[pos].ts_ns;

			if (due > now) {
				*next_due = due;
				break;
			}
			n++;
			if (++pos == x->pcap.n) {
				pos = 0;
				base += x->pcap.span_ns;
				if (x->loops && ++loops >= x->loops)
					break;
			}
		}
		return n;
	}
	/* The loop bound of a replay at a rate: no more than what is left of the last loop. */
	if (x->replay && x->loops && loops_done + 1 == x->loops && x->pcap.n - s->pos < max)
		max = (uint32_t)(x->pcap.n - s->pos);
	while (n < max && sl_gen_pace_due(&s->st, now))
		n++;
	if (!n)
		*next_due = s->st.next_ns;
	return n;
}

static void sender_run(struct xsender *s)
{
	struct sl_gen_xsk *x = s->x;
	const struct sl_gen_frames *fr = &x->frames;
	bool finished = false;
	uint64_t t_end;
	int err;

	s->t0_ns = s->t0_ns ? s->t0_ns : now_ns();
	err = sl_gen_pace_init(&s->st, x->pcap_timing ? 0 : s->pps, x->burst, s->t0_ns);
	if (err)
		goto fail;
	while (!atomic_load_explicit(&x->stop, memory_order_relaxed)) {
		uint64_t now, next_due, ns0, bytes = 0;
		uint32_t n, idx, i;

		reap(s);
		if (tx_pending(s)) {
			err = kick(s);
			if (err)
				goto fail;
		}
		if (!s->n_free)
			continue;
		now = now_ns();
		n = due_now(s, now, s->n_free < x->batch ? s->n_free : x->batch, &next_due, &finished);
		if (finished)
			break;
		if (!n) {
			if (next_due && !tx_pending(s))
				wait_until(next_due);
			continue;
		}
		/* As many frames as ring entries: a free frame always has its descriptor. */
		if (xsk_ring_prod__reserve(&s->tx, n, &idx) != n) {
			err = -ENOSPC;
			goto fail;
		}
		ns0 = now_ns();
		for (i = 0; i < n; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);
			uint64_t addr = s->free_addr[--s->n_free];
			uint8_t *buf = s->area + addr;
			int len;

			if (x->replay) {
				const struct sl_gen_pcap_pkt *p = &x->pcap.pkts[s->pos];

				memcpy(buf, x->pcap.data + p->off, p->len);
				len = (int)p->len;
				s->st.next_seq++;
				if (++s->pos == x->pcap.n) {
					s->pos = 0;
					s->loop_base_ns += x->pcap.span_ns;
					atomic_fetch_add_explicit(&s->loops, 1, memory_order_relaxed);
				}
			} else {
				uint32_t rnd[4] = { 0 };
				uint64_t seq = sl_gen_frames_take_seq(fr, &s->st.next_seq);

				if (fr->flow.random) {
					rnd[0] = rnd32(&s->rng);
					rnd[1] = rnd32(&s->rng);
					rnd[2] = rnd32(&s->rng);
					rnd[3] = rnd32(&s->rng);
				}
				len = sl_gen_frame_write(fr, seq, s->idx, ns0, rnd, buf,
							 SL_GEN_XSK_FRAME_SIZE);
				if (len < 0) {
					err = len;
					goto fail;
				}
			}
			d->addr = addr;
			d->len = (uint32_t)len;
			d->options = 0;
			bytes += (uint64_t)len;
		}
		xsk_ring_prod__submit(&s->tx, n);
		s->st.packets += n;
		s->st.bytes += bytes;
		if (!s->st.first_ns)
			s->st.first_ns = ns0;
		s->st.last_ns = ns0;
		publish(s);
		err = kick(s);
		if (err)
			goto fail;
	}
	/* The frames still in the ring go out before the run ends (and before the counts are read). */
	t_end = now_ns() + DRAIN_NS;
	while (s->n_free < SL_GEN_XSK_FRAMES && now_ns() < t_end) {
		err = kick(s);
		if (err)
			goto fail;
		reap(s);
		if (s->n_free < SL_GEN_XSK_FRAMES)
			sched_yield();
	}
	publish(s);
	atomic_store_explicit(&s->done, true, memory_order_release);
	return;
fail:
	publish(s);
	s->err = err;
	if (err == -ENETDOWN)
		snprintf(s->why, sizeof(s->why), "AF_XDP on %s queue %u: the interface is down", x->dev,
			 s->idx);
	else
		snprintf(s->why, sizeof(s->why), "AF_XDP on %s queue %u: %s", x->dev, s->idx,
			 strerror(-err));
	atomic_store_explicit(&s->done, true, memory_order_release);
}

static void *sender_main(void *arg)
{
	struct xsender *s = arg;

	if (s->cpu >= 0) {
		cpu_set_t cpus;

		CPU_ZERO(&cpus);
		CPU_SET(s->cpu, &cpus);
		if (pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus)) {
			s->err = -EINVAL;
			snprintf(s->why, sizeof(s->why), "cannot run a sender on CPU %d", s->cpu);
			atomic_store(&s->done, true);
			return NULL;
		}
	}
	sender_run(s);
	return NULL;
}

int sl_gen_xsk_start(struct sl_gen_xsk *x, double pps, uint64_t count)
{
	sigset_t block, old;
	uint64_t t0 = now_ns();
	unsigned i;
	int err = 0;

	if (x->running)
		return -EINVAL;
	if (x->pcap_timing && pps > 0)
		return -EINVAL;
	atomic_store(&x->stop, false);
	x->running = true;
	/* Signals are the main thread's business: the senders start with all of them blocked. */
	sigfillset(&block);
	pthread_sigmask(SIG_SETMASK, &block, &old);
	for (i = 0; i < x->n; i++) {
		struct xsender *s = &x->s[i];

		s->started = false;
		s->err = 0;
		s->cpu = x->first_cpu >= 0 ? x->first_cpu + (int)i : -1;
		s->pps = pps / x->n;
		s->t0_ns = t0;
		s->quota = count / x->n + (i == 0 ? count % x->n : 0);
		atomic_store(&s->done, false);
		if (count && !s->quota) {
			atomic_store(&s->done, true);
			continue;
		}
		err = -pthread_create(&s->thread, NULL, sender_main, s);
		if (err) {
			atomic_store(&s->done, true);
			break;
		}
		s->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

bool sl_gen_xsk_done(struct sl_gen_xsk *x)
{
	unsigned i;

	if (!x->running)
		return true;
	for (i = 0; i < x->n; i++)
		if (!atomic_load_explicit(&x->s[i].done, memory_order_acquire))
			return false;
	return true;
}

int sl_gen_xsk_stop(struct sl_gen_xsk *x, char *why, size_t why_len)
{
	unsigned i;
	int err = 0;

	if (!x->running)
		return 0;
	atomic_store(&x->stop, true);
	for (i = 0; i < x->n; i++) {
		struct xsender *s = &x->s[i];

		if (s->started)
			pthread_join(s->thread, NULL);
		s->started = false;
		if (s->err && !err) {
			err = s->err;
			if (why)
				snprintf(why, why_len, "%s", s->why);
		}
	}
	x->running = false;
	return err;
}

void sl_gen_xsk_totals(struct sl_gen_xsk *x, struct sl_gen_tx_totals *t)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < x->n; i++) {
		struct xsender *s = &x->s[i];
		uint64_t first = atomic_load_explicit(&s->first_ns, memory_order_relaxed);
		uint64_t last = atomic_load_explicit(&s->last_ns, memory_order_relaxed);
		uint64_t packets = atomic_load_explicit(&s->packets, memory_order_relaxed);

		t->packets += packets;
		t->bytes += atomic_load_explicit(&s->bytes, memory_order_relaxed) +
			    packets * SL_GEN_FCS_LEN;
		t->calls += atomic_load_explicit(&s->kicks, memory_order_relaxed);
		t->given_up_ns += atomic_load_explicit(&s->given_up_ns, memory_order_relaxed);
		if (first && (!t->first_ns || first < t->first_ns))
			t->first_ns = first;
		if (last > t->last_ns)
			t->last_ns = last;
	}
}

int sl_gen_xsk_stream_sent(struct sl_gen_xsk *x, uint64_t sent[SL_GEN_MAX_STREAMS])
{
	unsigned i;

	memset(sent, 0, sizeof(*sent) * SL_GEN_MAX_STREAMS);
	/* A replay carries no sequence numbers of ours. */
	if (x->replay)
		return 0;
	for (i = 0; i < x->n; i++)
		sent[(x->frames.stream_base + i) & (SL_GEN_MAX_STREAMS - 1)] +=
			atomic_load_explicit(&x->s[i].next_seq, memory_order_relaxed);
	return 0;
}

int sl_gen_xsk_reset(struct sl_gen_xsk *x)
{
	unsigned i;

	if (x->running)
		return -EBUSY;
	for (i = 0; i < x->n; i++) {
		struct xsender *s = &x->s[i];

		memset(&s->st, 0, sizeof(s->st));
		s->pos = 0;
		s->loop_base_ns = 0;
		atomic_store(&s->loops, 0);
		atomic_store(&s->kicks, 0);
		publish(s);
	}
	return 0;
}

void sl_gen_xsk_info(const struct sl_gen_xsk *x, struct sl_gen_tx_info *info)
{
	unsigned i;

	memset(info, 0, sizeof(*info));
	info->engine = "afxdp";
	info->mode = x->zerocopy ? "zerocopy" : "copy";
	info->queues = x->n;
	if (x->replay) {
		info->mean_wire = (double)x->pcap.bytes / (double)x->pcap.n + SL_GEN_FCS_LEN;
		info->pcap_records = x->pcap.records;
		info->pcap_packets = x->pcap.n;
		info->pcap_skipped_long = x->pcap.skipped_long;
		info->pcap_skipped_short = x->pcap.skipped_short;
		info->pcap_skipped_snapped = x->pcap.skipped_snapped;
		for (i = 0; i < x->n; i++)
			info->loops_done += atomic_load_explicit(&x->s[i].loops, memory_order_relaxed);
	}
}

void sl_gen_xsk_close(struct sl_gen_xsk *x)
{
	unsigned i;

	if (!x)
		return;
	sl_gen_xsk_stop(x, NULL, 0);
	for (i = 0; x->s && i < x->n; i++) {
		struct xsender *s = &x->s[i];

		if (s->xsk)
			xsk_socket__delete(s->xsk);
		if (s->umem)
			xsk_umem__delete(s->umem);
		if (s->area)
			munmap(s->area, (size_t)SL_GEN_XSK_FRAMES * SL_GEN_XSK_FRAME_SIZE);
	}
	free(x->s);
	sl_gen_pcap_free(&x->pcap);
	free(x);
}
