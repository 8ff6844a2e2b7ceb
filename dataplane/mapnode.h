/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Large BPF maps placed by memory tier: the kernel allocates a map's
 * memory on the NUMA node given at creation (BPF_F_NUMA_NODE), so a
 * tier is resolved to one node before the object is loaded. After load
 * the creation flag can be read back from the map's info, and the real
 * placement of an mmapable array map measured like a pool's.
 */
#ifndef SLUICE_MAPNODE_H
#define SLUICE_MAPNODE_H

#include <stdbool.h>

#include "pool.h"
#include "tiers.h"

struct bpf_map;

/*
 * Before load: resolves tier on topo (AUTO means capacity, as for every
 * large map), picks the lowest node of the resolved set and sets it on
 * map with BPF_F_NUMA_NODE. A missing tier falls back to fast with a
 * warning (*fell_back) or in strict mode fails with -ENODEV and diag.
 * *node (may be NULL) receives the node. Returns 0 or a negative errno.
 */
int sl_tier_map_node(struct bpf_map *map, const struct sl_topology *topo,
		     const struct sl_tier_req *tier, bool strict, int *node, bool *fell_back,
		     struct sl_diag *diag);

/*
 * After load: whether the map fd was created with a NUMA node
 * (BPF_F_NUMA_NODE in its info's map_flags). Returns 1, 0 or a negative
 * errno. The kernel does not report which node.
 */
int sl_map_has_node(int map_fd);

/*
 * Measures where an mmapable array map's values are (pages per node),
 * by mapping them read-only and asking move_pages. -EOPNOTSUPP for a map
 * that is not an mmapable array. Returns 0 or a negative errno.
 */
int sl_map_placement(int map_fd, struct sl_placement *pl);

#endif /* SLUICE_MAPNODE_H */
