/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The transmit engine (tx.h). */
#include "gen/tx.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "gen/pacer.h"
#include "gen/xsk.h"
#include "gen_tx.skel.h"

/*
 * A call runs until SIGUSR1 ends it (stop, or the quota sent: see
 * sl_gen_tx_done) or its 2^31 repetitions are done (minutes): a run is
 * one call, so the kernel's pause at the end of a call (it tears the page
 * pool down, milliseconds when packets are in flight) never breaks the
 * pacing.
 */
#define REPEAT 0x7fffffffu

/* One sender; written by its own thread, except the atomics. */
struct sender {
	_Alignas(64) struct sl_gen_tx *tx;
	pthread_t thread;
	bool started;
	unsigned slot;
	int cpu;
	double pps;
	uint64_t t0_ns; /* the schedule's start, the same for every sender */
	uint64_t quota; /* 0: none */
	uint8_t *buf;   /* metadata + template */
	int err;
	char why[160];
	_Alignas(64) _Atomic uint64_t calls;
	_Atomic bool done;
};

struct sl_gen_tx {
	struct sl_gen_xsk *xsk; /* the AF_XDP engine: every call goes there */
	double mean_wire;
	struct gen_tx *skel;
	int prog_fd;
	int slots_fd;
	unsigned ifindex;
	char dev[IF_NAMESIZE];
	uint8_t *frame;
	size_t frame_len;
	uint32_t burst, batch;
	unsigned n_threads;
	int first_cpu;
	uint16_t stream_base;
	_Atomic bool stop;
	bool running;
	uint64_t calls_base;
	struct sender *senders;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int sl_gen_tx_prog_fd(const struct sl_gen_tx *tx)
{
	return tx->xsk ? -1 : tx->prog_fd;
}

void sl_gen_tx_info(const struct sl_gen_tx *tx, struct sl_gen_tx_info *info)
{
	if (tx->xsk) {
		sl_gen_xsk_info(tx->xsk, info);
	} else {
		memset(info, 0, sizeof(*info));
		info->engine = "live-frames";
	}
	if (!info->mean_wire)
		info->mean_wire = tx->mean_wire;
}

const uint8_t *sl_gen_tx_frame(const struct sl_gen_tx *tx, size_t *len)
{
	*len = tx->frame_len;
	return tx->frame;
}

int sl_gen_tx_slot_read(struct sl_gen_tx *tx, unsigned i, struct sl_gen_tx_slot *slot)
{
	if (tx->xsk)
		return -EOPNOTSUPP;
	return bpf_map_lookup_elem(tx->slots_fd, &i, slot) ? -errno : 0;
}

int sl_gen_tx_slot_write(struct sl_gen_tx *tx, unsigned i, const struct sl_gen_tx_slot *slot)
{
	if (tx->xsk)
		return -EOPNOTSUPP;
	return bpf_map_update_elem(tx->slots_fd, &i, slot, 0) ? -errno : 0;
}

int sl_gen_tx_open(const struct sl_gen_tx_opts *o, struct sl_gen_tx **out, char *why,
		   size_t why_len)
{
	struct sl_gen_layout lay;
	struct sl_gen_tx *tx;
	unsigned max_size;
	int err, len;

	*out = NULL;
	if (o->engine == SL_GEN_ENGINE_AFXDP) {
		tx = calloc(1, sizeof(*tx));
		if (!tx) {
			snprintf(why, why_len, "out of memory");
			return -ENOMEM;
		}
		tx->prog_fd = -1;
		if (!o->pcap && o->sizes.n)
			tx->mean_wire = sl_gen_sizes_mean(&o->sizes);
		err = sl_gen_xsk_open(o, &tx->xsk, why, why_len);
		if (err) {
			free(tx);
			return err;
		}
		*out = tx;
		return 0;
	}
	if (o->pcap) {
		snprintf(why, why_len, "a capture is replayed by the AF_XDP engine only");
		return -EINVAL;
	}
	err = sl_gen_layout(&o->spec, &lay);
	if (err) {
		snprintf(why, why_len, "cannot lay out the packet (family, protocol or VLAN)");
		return err;
	}
	if (!o->sizes.n) {
		snprintf(why, why_len, "no frame size");
		return -EINVAL;
	}
	tx = calloc(1, sizeof(*tx));
	if (!tx) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	tx->mean_wire = sl_gen_sizes_mean(&o->sizes);
	tx->burst = o->burst ? o->burst : SL_GEN_DEFAULT_BURST;
	tx->batch = o->batch ? o->batch : 64;
	tx->n_threads = o->threads ? o->threads : 1;
	tx->first_cpu = o->first_cpu;
	tx->stream_base = o->spec.stream_base;
	if (tx->batch > 256 || tx->n_threads > SL_GEN_MAX_THREADS) {
		snprintf(why, why_len, "batch is at most 256, threads at most %d", SL_GEN_MAX_THREADS);
		err = -EINVAL;
		goto out;
	}
	if (o->dev) {
		tx->ifindex = if_nametoindex(o->dev);
		if (!tx->ifindex) {
			snprintf(why, why_len, "no interface %s in this namespace", o->dev);
			err = -ENODEV;
			goto out;
		}
		snprintf(tx->dev, sizeof(tx->dev), "%s", o->dev);
	}
	/* One template at the largest size; the program trims each packet to its own. */
	max_size = sl_gen_sizes_max(&o->sizes);
	tx->frame = calloc(1, max_size);
	if (!tx->frame) {
		snprintf(why, why_len, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	len = sl_gen_template_build(&o->spec, max_size, tx->frame, max_size);
	if (len < 0) {
		snprintf(why, why_len, "frame size %u does not fit (%u to %u for these headers)",
			 max_size, lay.min_size, lay.max_size);
		err = len;
		goto out;
	}
	tx->frame_len = (size_t)len;

	tx->skel = gen_tx__open();
	if (!tx->skel) {
		err = -errno;
		snprintf(why, why_len, "cannot open the generator program: %s", strerror(-err));
		goto out;
	}
	tx->skel->rodata->cfg.l3_off = lay.l3_off;
	tx->skel->rodata->cfg.l4_off = lay.l4_off;
	tx->skel->rodata->cfg.payload_off = lay.payload_off;
	tx->skel->rodata->cfg.family = o->spec.family == AF_INET ? 4 : 6;
	tx->skel->rodata->cfg.l4 = lay.l4;
	tx->skel->rodata->cfg.stream_base = o->spec.stream_base;
	tx->skel->rodata->cfg.skip_every = o->skip_every;
	tx->skel->rodata->cfg.flow = o->flow;
	tx->skel->rodata->cfg.hdr_len = (uint16_t)(lay.payload_off + sizeof(struct sl_gen_payload));
	memcpy((void *)tx->skel->rodata->cfg.hdr, tx->frame, tx->skel->rodata->cfg.hdr_len);
	if (o->sizes.n > 1) {
		len = sl_gen_sizes_schedule(&o->sizes, (uint16_t *)tx->skel->rodata->cfg.sched,
					    SL_GEN_SIZE_SCHED);
		if (len < 0) {
			snprintf(why, why_len, "the size weights add up to more than %d",
				 SL_GEN_SIZE_SCHED);
			err = len;
			goto out;
		}
		tx->skel->rodata->cfg.sched_len = (uint16_t)len;
	}
	err = gen_tx__load(tx->skel);
	if (err) {
		snprintf(why, why_len, "cannot load the generator program: %s", strerror(-err));
		goto out;
	}
	tx->prog_fd = bpf_program__fd(tx->skel->progs.sl_gen_tx);
	tx->slots_fd = bpf_map__fd(tx->skel->maps.sl_gen_tx_slots);
	*out = tx;
	return 0;
out:
	sl_gen_tx_close(tx);
	return err;
}

static void sender_run(struct sender *s)
{
	struct sl_gen_tx *tx = s->tx;
	size_t meta = sizeof(struct sl_gen_tx_meta);
	struct xdp_md md = { .data = (uint32_t)meta, .data_end = (uint32_t)(meta + tx->frame_len),
			     .ingress_ifindex = tx->ifindex };
	struct sl_gen_tx_slot slot;
	int err;

	/*
	 * The schedule starts when the run did, for every sender alike (one that
	 * started late catches up like one that stalled), and carries over from
	 * call to call.
	 */
	err = sl_gen_tx_slot_read(tx, s->slot, &slot);
	if (err)
		goto fail;
	slot.quota = s->quota;
	err = sl_gen_pace_init(&slot, s->pps, tx->burst, s->t0_ns);
	if (!err)
		err = sl_gen_tx_slot_write(tx, s->slot, &slot);
	if (err)
		goto fail;
	while (!atomic_load_explicit(&tx->stop, memory_order_relaxed)) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = s->buf, .data_size_in = md.data_end,
			    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = (int)REPEAT,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = tx->batch);

		if (s->quota) {
			err = sl_gen_tx_slot_read(tx, s->slot, &slot);
			if (err)
				goto fail;
			if (slot.packets >= s->quota)
				break;
		}
		if (bpf_prog_test_run_opts(tx->prog_fd, &run)) {
			/* SIGUSR1 from sl_gen_tx_stop or sl_gen_tx_done. */
			if (errno == EINTR)
				continue;
			err = -errno;
			goto fail;
		}
		atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
	}
	atomic_store_explicit(&s->done, true, memory_order_release);
	return;
fail:
	s->err = err;
	snprintf(s->why, sizeof(s->why), "BPF_PROG_RUN in live-frames mode on %s: %s", tx->dev,
		 strerror(-err));
	atomic_store_explicit(&s->done, true, memory_order_release);
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	sigset_t set;

	/* Signals are the main thread's business, but for the SIGUSR1 that ends a call. */
	sigfillset(&set);
	sigdelset(&set, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
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

static void on_usr1(int sig)
{
	(void)sig;
}

int sl_gen_tx_start(struct sl_gen_tx *tx, double pps, uint64_t count)
{
	struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART: the call must end */
	sigset_t block, old;
	uint64_t t0 = now_ns();
	unsigned i;
	int err = 0;

	if (tx->xsk)
		return sl_gen_xsk_start(tx->xsk, pps, count);
	if (tx->running || !tx->ifindex)
		return -EINVAL;
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	tx->senders = calloc(tx->n_threads, sizeof(*tx->senders));
	if (!tx->senders)
		return -ENOMEM;
	atomic_store(&tx->stop, false);
	tx->running = true;
	/* The threads start with every signal blocked and unblock SIGUSR1 themselves. */
	sigfillset(&block);
	pthread_sigmask(SIG_SETMASK, &block, &old);
	for (i = 0; i < tx->n_threads; i++) {
		struct sender *s = &tx->senders[i];
		struct sl_gen_tx_meta m = { .slot = i };

		s->tx = tx;
		s->slot = i;
		s->cpu = tx->first_cpu >= 0 ? tx->first_cpu + (int)i : -1;
		s->pps = pps / tx->n_threads;
		s->t0_ns = t0;
		s->quota = count / tx->n_threads + (i == 0 ? count % tx->n_threads : 0);
		if (count && !s->quota) {
			atomic_store(&s->done, true);
			continue;
		}
		s->buf = malloc(sizeof(m) + tx->frame_len);
		if (!s->buf) {
			atomic_store(&s->done, true);
			err = -ENOMEM;
			break;
		}
		memcpy(s->buf, &m, sizeof(m));
		memcpy(s->buf + sizeof(m), tx->frame, tx->frame_len);
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

bool sl_gen_tx_done(struct sl_gen_tx *tx)
{
	struct sl_gen_tx_slot slot;
	bool done = true;
	unsigned i;

	if (tx->xsk)
		return sl_gen_xsk_done(tx->xsk);
	if (!tx->running)
		return true;
	for (i = 0; i < tx->n_threads; i++) {
		struct sender *s = &tx->senders[i];

		if (atomic_load_explicit(&s->done, memory_order_acquire))
			continue;
		done = false;
		/* Its quota is sent: end the call, which would spin on to its last repetition. */
		if (s->quota && s->started && !sl_gen_tx_slot_read(tx, i, &slot) &&
		    slot.packets >= s->quota)
			pthread_kill(s->thread, SIGUSR1);
	}
	return done;
}

void sl_gen_tx_totals(struct sl_gen_tx *tx, struct sl_gen_tx_totals *t)
{
	struct sl_gen_tx_slot slot;
	unsigned i;

	if (tx->xsk) {
		sl_gen_xsk_totals(tx->xsk, t);
		return;
	}
	memset(t, 0, sizeof(*t));
	t->calls = tx->calls_base;
	for (i = 0; i < tx->n_threads; i++) {
		if (sl_gen_tx_slot_read(tx, i, &slot))
			continue;
		t->packets += slot.packets;
		t->bytes += slot.bytes + slot.packets * SL_GEN_FCS_LEN;
		t->given_up_ns += slot.given_up_ns;
		if (slot.first_ns && (!t->first_ns || slot.first_ns < t->first_ns))
			t->first_ns = slot.first_ns;
		if (slot.last_ns > t->last_ns)
			t->last_ns = slot.last_ns;
		if (tx->running)
			t->calls += atomic_load_explicit(&tx->senders[i].calls, memory_order_relaxed);
	}
}

int sl_gen_tx_stop(struct sl_gen_tx *tx, char *why, size_t why_len)
{
	unsigned i;
	int err = 0;

	if (tx->xsk)
		return sl_gen_xsk_stop(tx->xsk, why, why_len);
	if (!tx->running)
		return 0;
	atomic_store(&tx->stop, true);
	for (i = 0; i < tx->n_threads; i++) {
		struct sender *s = &tx->senders[i];

		if (s->started) {
			/* Interrupt the call in progress; again, in case it began after the signal. */
			for (;;) {
				struct timespec ts;

				pthread_kill(s->thread, SIGUSR1);
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += 20000000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				if (pthread_timedjoin_np(s->thread, NULL, &ts) == 0)
					break;
			}
		}
		tx->calls_base += atomic_load(&s->calls);
		if (s->err && !err) {
			err = s->err;
			if (why)
				snprintf(why, why_len, "%s", s->why);
		}
		free(s->buf);
	}
	tx->running = false;
	free(tx->senders);
	tx->senders = NULL;
	return err;
}

int sl_gen_tx_stream_sent(struct sl_gen_tx *tx, uint64_t sent[SL_GEN_MAX_STREAMS])
{
	struct sl_gen_tx_slot slot;
	unsigned i;
	int err;

	if (tx->xsk)
		return sl_gen_xsk_stream_sent(tx->xsk, sent);
	memset(sent, 0, sizeof(*sent) * SL_GEN_MAX_STREAMS);
	for (i = 0; i < tx->n_threads; i++) {
		err = sl_gen_tx_slot_read(tx, i, &slot);
		if (err)
			return err;
		sent[(tx->stream_base + i) & (SL_GEN_MAX_STREAMS - 1)] += slot.next_seq;
	}
	return 0;
}

int sl_gen_tx_reset(struct sl_gen_tx *tx)
{
	struct sl_gen_tx_slot zero = { 0 };
	unsigned i;
	int err;

	if (tx->xsk)
		return sl_gen_xsk_reset(tx->xsk);
	if (tx->running)
		return -EBUSY;
	for (i = 0; i < SL_GEN_MAX_THREADS; i++) {
		err = sl_gen_tx_slot_write(tx, i, &zero);
		if (err)
			return err;
	}
	tx->calls_base = 0;
	return 0;
}

void sl_gen_tx_close(struct sl_gen_tx *tx)
{
	if (!tx)
		return;
	sl_gen_tx_stop(tx, NULL, 0);
	sl_gen_xsk_close(tx->xsk);
	gen_tx__destroy(tx->skel);
	free(tx->frame);
	free(tx);
}
