/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "mapnode.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int sl_tier_map_node(struct bpf_map *map, const struct sl_topology *topo,
		     const struct sl_tier_req *tier, bool strict, int *node, bool *fell_back,
		     struct sl_diag *diag)
{
	uint64_t nodes;
	int err, n;

	err = sl_tiers_resolve(topo, tier, true, strict, bpf_map__name(map), &nodes, fell_back, diag);
	if (err)
		return err;
	/* A map has one node; of several equal ones the first does. */
	n = __builtin_ctzll(nodes);
	err = bpf_map__set_numa_node(map, (__u32)n);
	/* The kernel ignores numa_node unless the flag says it is there. */
	if (!err)
		err = bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_NUMA_NODE);
	if (err && diag) {
		snprintf(diag->msg, sizeof(diag->msg), "%s: cannot set NUMA node %d: %s",
			 bpf_map__name(map), n, strerror(-err));
	}
	if (err)
		return err;
	if (node)
		*node = n;
	return 0;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int sl_map_has_node(int map_fd)
{
	struct bpf_map_info info;
	int err = map_info(map_fd, &info);

	return err ? err : !!(info.map_flags & BPF_F_NUMA_NODE);
}

int sl_map_placement(int map_fd, struct sl_placement *pl)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
	struct bpf_map_info info;
	void *mem;
	int err;

	err = map_info(map_fd, &info);
	if (err)
		return err;
	if (info.type != BPF_MAP_TYPE_ARRAY || !(info.map_flags & BPF_F_MMAPABLE))
		return -EOPNOTSUPP;
	len = ((size_t)info.max_entries * info.value_size + page - 1) / page * page;
	/* Read-only and shared: looking does not copy or move anything. */
	mem = mmap(NULL, len, PROT_READ, MAP_SHARED, map_fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	err = sl_placement_measure(mem, len, page, pl);
	munmap(mem, len);
	return err;
}
