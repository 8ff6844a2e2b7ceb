/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The analyser (rx.h). */
#include "gen/rx.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "gen/attach.h"
#include "gen_rx.skel.h"

struct sl_gen_rx {
	struct gen_rx *skel;
	struct bpf_link *link;
};

int sl_gen_rx_open(const struct sl_gen_rx_opts *o, struct sl_gen_rx **out, char *why,
		   size_t why_len)
{
	struct sl_gen_rx *rx;
	int err;

	*out = NULL;
	rx = calloc(1, sizeof(*rx));
	if (!rx) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	rx->skel = gen_rx__open();
	if (!rx->skel) {
		err = -errno;
		snprintf(why, why_len, "cannot open the analyser program: %s", strerror(-err));
		goto out;
	}
	rx->skel->rodata->cfg.action = o->pass ? XDP_PASS : XDP_DROP;
	err = gen_rx__load(rx->skel);
	if (err) {
		snprintf(why, why_len, "cannot load the analyser program: %s", strerror(-err));
		goto out;
	}
	if (o->dev) {
		err = sl_gen_attach(rx->skel->progs.sl_gen_rx, o->dev, &rx->link, why, why_len);
		if (err)
			goto out;
	}
	*out = rx;
	return 0;
out:
	sl_gen_rx_close(rx);
	return err;
}

int sl_gen_rx_read(struct sl_gen_rx *rx, struct sl_gen_rx_snap *snap)
{
	struct sl_gen_rx_cpu c;
	struct sl_gen_rx_stream *st = NULL;
	int fd, err;
	uint32_t i;

	memset(snap, 0, sizeof(*snap));
	/* lat_max_ns is the 6th word: a maximum over CPUs, not a sum. */
	err = sl_gen_percpu_sum_max(rx->skel->maps.sl_gen_rx_stats, 0, &c, sizeof(c),
				    offsetof(struct sl_gen_rx_cpu, lat_max_ns) / 8);
	if (err)
		return err;
	snap->packets = c.packets;
	snap->bytes = c.bytes;
	snap->other = c.other;
	snap->clock_errors = c.clock_errors;
	snap->lat_sum_ns = c.lat_sum_ns;
	snap->lat_max_ns = c.lat_max_ns;
	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++) {
		err = sl_gen_percpu_sum(rx->skel->maps.sl_gen_rx_hist, i, &snap->hist[i],
					sizeof(uint64_t));
		if (err)
			return err;
	}
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	fd = bpf_map__fd(rx->skel->maps.sl_gen_rx_streams);
	for (i = 0; i < SL_GEN_MAX_STREAMS; i++) {
		struct sl_gen_rx_stream_snap *s;

		/* BPF_F_LOCK: a consistent copy, taken under the entry's lock. */
		if (bpf_map_lookup_elem_flags(fd, &i, st, BPF_F_LOCK)) {
			err = -errno;
			goto out;
		}
		if (!st->seq.started)
			continue;
		s = &snap->streams[snap->n_streams++];
		s->id = (uint16_t)i;
		s->received = st->seq.received;
		s->lost = st->seq.lost;
		s->reordered = st->seq.reordered;
		s->duplicate = st->seq.duplicate;
		s->late = st->seq.late;
	}
out:
	free(st);
	return err;
}

int sl_gen_rx_reset(struct sl_gen_rx *rx)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0, fd;
	struct sl_gen_rx_stream *st;
	uint64_t *zero;
	uint32_t i;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc((size_t)ncpu, sizeof(struct sl_gen_rx_cpu));
	st = calloc(1, sizeof(*st));
	if (!zero || !st) {
		err = -ENOMEM;
		goto out;
	}
	i = 0;
	if (bpf_map_update_elem(bpf_map__fd(rx->skel->maps.sl_gen_rx_stats), &i, zero, 0)) {
		err = -errno;
		goto out;
	}
	fd = bpf_map__fd(rx->skel->maps.sl_gen_rx_hist);
	for (i = 0; i < SL_GEN_HIST_BUCKETS; i++) {
		if (bpf_map_update_elem(fd, &i, zero, 0)) {
			err = -errno;
			goto out;
		}
	}
	fd = bpf_map__fd(rx->skel->maps.sl_gen_rx_streams);
	for (i = 0; i < SL_GEN_MAX_STREAMS; i++) {
		if (bpf_map_update_elem(fd, &i, st, BPF_F_LOCK)) {
			err = -errno;
			goto out;
		}
	}
out:
	free(zero);
	free(st);
	return err;
}

int sl_gen_rx_prog_fd(const struct sl_gen_rx *rx)
{
	return bpf_program__fd(rx->skel->progs.sl_gen_rx);
}

void sl_gen_rx_close(struct sl_gen_rx *rx)
{
	if (!rx)
		return;
	bpf_link__destroy(rx->link);
	gen_rx__destroy(rx->skel);
	free(rx);
}
