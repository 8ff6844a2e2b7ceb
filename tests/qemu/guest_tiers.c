/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Runs as the only program of the QEMU two-node guest (tests/qemu/
 * test_two_node.sh), statically linked: discovers the tiers from the
 * guest's /sys, creates a fast and a capacity pool and a BPF array map
 * for the capacity tier, and prints what move_pages measured, one
 * "SL-..." line each, on the serial console. It checks the placement
 * itself too and ends with "SL-RESULT PASS" or "SL-RESULT FAIL".
 *
 * The map is created with the raw bpf(2) call so that the static binary
 * needs no libbpf; the node comes from the same tier resolution that
 * sl_tier_map_node uses.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dataplane/pool.h"
#include "dataplane/tiers.h"

#define POOL_BYTES (64u << 20)
#define MAP_VALUE 4096u
#define MAP_ENTRIES 4096u /* 16 MiB of values */

static int failures;

static void check(bool ok, const char *what)
{
	if (!ok) {
		printf("SL-CHECK-FAILED %s\n", what);
		failures++;
	}
}

static void print_placement(const char *kind, const char *name, uint64_t nodes,
			    const struct sl_placement *pl)
{
	char list[64];
	unsigned int n;

	printf("%s %s nodes=%s total=%llu absent=%llu", kind, name,
	       sl_nodes_format(nodes, list, sizeof(list)), (unsigned long long)pl->total,
	       (unsigned long long)pl->absent);
	for (n = 0; n < 2; n++)
		printf(" node%u=%llu", n, (unsigned long long)pl->pages[n]);
	printf("\n");
}

static int pool_on(const struct sl_topology *topo, const char *name, uint32_t kind,
		   bool auto_capacity, uint64_t want)
{
	struct sl_pool_req req = {
		.name = name, .size = POOL_BYTES, .tier = {kind, 0},
		.auto_capacity = auto_capacity, .strict = true,
	};
	struct sl_diag diag = {{0}};
	struct sl_pool *p;
	int err;

	err = sl_pool_create(topo, &req, &p, &diag);
	if (err) {
		printf("SL-ERROR %s: %s\n", name, diag.msg);
		failures++;
		return err;
	}
	print_placement("SL-POOL", name, p->nodes, &p->placement);
	check(p->nodes == want, "pool resolved to the wanted node");
	check(p->placement.total == POOL_BYTES / p->placement.page_size, "pool page count");
	check(sl_placement_on(&p->placement, want) == p->placement.total, "every page on the tier");
	sl_pool_destroy(p);
	return 0;
}

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* An mmapable array on the capacity tier's node, measured through its mapping. */
static void map_on_capacity(const struct sl_topology *topo)
{
	struct sl_tier_req cap = {SL_TIER_CAPACITY, 0};
	struct bpf_map_info info;
	struct sl_placement pl;
	struct sl_diag diag = {{0}};
	union bpf_attr attr;
	uint64_t nodes;
	size_t len = (size_t)MAP_VALUE * MAP_ENTRIES;
	bool fell_back;
	void *mem;
	int fd, node;

	if (sl_tiers_resolve(topo, &cap, true, true, "map", &nodes, &fell_back, &diag)) {
		printf("SL-ERROR map: %s\n", diag.msg);
		failures++;
		return;
	}
	node = __builtin_ctzll(nodes);
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = MAP_VALUE;
	attr.max_entries = MAP_ENTRIES;
	attr.map_flags = BPF_F_MMAPABLE | BPF_F_NUMA_NODE;
	attr.numa_node = (__u32)node;
	fd = bpf(BPF_MAP_CREATE, &attr);
	if (fd < 0) {
		printf("SL-ERROR map: BPF_MAP_CREATE: %s\n", strerror(errno));
		failures++;
		return;
	}
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (__u32)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (__u64)(uintptr_t)&info;
	check(bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0, "map info");
	mem = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED || sl_placement_measure(mem, len, (size_t)sysconf(_SC_PAGESIZE), &pl)) {
		printf("SL-ERROR map: cannot measure: %s\n", strerror(errno));
		failures++;
	} else {
		printf("SL-MAP capacity node=%d numa_flag=%d\n", node,
		       !!(info.map_flags & BPF_F_NUMA_NODE));
		print_placement("SL-MAPPAGES", "capacity", nodes, &pl);
		check(info.map_flags & BPF_F_NUMA_NODE, "map created with BPF_F_NUMA_NODE");
		check(pl.pages[node] == pl.total && pl.total == len / (size_t)sysconf(_SC_PAGESIZE),
		      "every map page on the capacity node");
	}
	if (mem != MAP_FAILED)
		munmap(mem, len);
	close(fd);
}

int main(void)
{
	struct sl_topology topo;
	struct sl_diag diag = {{0}};
	char fast[64], cap[64];
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sl_tiers_discover("/sys", &topo, &diag)) {
		printf("SL-ERROR discovery: %s\nSL-RESULT FAIL\n", diag.msg);
		return 1;
	}
	printf("SL-TOPO source=%s nodes=%zu fast=%s capacity=%s\n", sl_rank_source_name(topo.source),
	       topo.n_nodes, sl_nodes_format(topo.fast, fast, sizeof(fast)),
	       sl_nodes_format(topo.capacity, cap, sizeof(cap)));
	for (i = 0; i < topo.n_nodes; i++)
		printf("SL-NODE id=%u cpus=%d mem_mib=%llu rank=%d tier=%d distance=%u\n",
		       topo.nodes[i].id, topo.nodes[i].has_cpu,
		       (unsigned long long)(topo.nodes[i].mem_bytes >> 20), topo.nodes[i].rank,
		       topo.nodes[i].mem_tier, topo.nodes[i].distance);
	check(topo.fast == 1 && topo.capacity == 2, "node 0 fast, node 1 capacity");

	pool_on(&topo, "fast", SL_TIER_FAST, false, 1);
	pool_on(&topo, "capacity", SL_TIER_CAPACITY, true, 2);
	/* UMEM asks auto: it must stay off the CPU-less node. */
	pool_on(&topo, "umem-auto", SL_TIER_AUTO, false, 1);
	map_on_capacity(&topo);

	printf("SL-RESULT %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
