/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Attaching and per-CPU reads (attach.h). */
#include "gen/attach.h"

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

int sl_gen_attach(struct bpf_program *prog, const char *dev, struct bpf_link **link, char *why,
		  size_t why_len)
{
	unsigned ifindex = if_nametoindex(dev);
	int err;

	*link = NULL;
	if (!ifindex) {
		snprintf(why, why_len, "no interface %s in this namespace", dev);
		return -ENODEV;
	}
	*link = bpf_program__attach_xdp(prog, (int)ifindex);
	if (!*link) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			snprintf(why, why_len, "%s already has an XDP program attached", dev);
		else
			snprintf(why, why_len, "cannot attach to %s: %s", dev, strerror(-err));
		return err;
	}
	return 0;
}

int sl_gen_percpu_sum_max(const struct bpf_map *map, unsigned key, void *sum, size_t value_size,
			  int max_word)
{
	int ncpu = libbpf_num_possible_cpus(), c, err = 0;
	size_t words = value_size / 8, w;
	uint64_t *v, *out = sum;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, value_size);
	if (!v)
		return -ENOMEM;
	if (bpf_map__lookup_elem(map, &key, sizeof(key), v, value_size * (size_t)ncpu, 0)) {
		err = -errno;
		goto out;
	}
	memset(sum, 0, value_size);
	for (c = 0; c < ncpu; c++) {
		for (w = 0; w < words; w++) {
			uint64_t x = v[(size_t)c * words + w];

			if ((int)w == max_word)
				out[w] = x > out[w] ? x : out[w];
			else
				out[w] += x;
		}
	}
out:
	free(v);
	return err;
}

int sl_gen_percpu_sum(const struct bpf_map *map, unsigned key, void *sum, size_t value_size)
{
	return sl_gen_percpu_sum_max(map, key, sum, value_size, -1);
}
