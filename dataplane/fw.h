/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The firewall program's lifecycle: open the skeleton, set its rodata from
 * compiled tables, size and fill the maps, load, attach to interfaces,
 * pin, detach. Owns every kernel object it creates.
 */
#ifndef SLUICE_FW_H
#define SLUICE_FW_H

#include <stdbool.h>

#include "../control/compile.h"
#include "../control/config.h"

struct sl_fw;

/*
 * Opens and loads the program with the tables' rodata, sizes the LPM
 * tries to the sets and fills every map. Interfaces named by rules are
 * resolved here: one that does not exist fails with -ENODEV and a message
 * in diag. Nothing is attached or pinned. Returns 0 or a negative errno.
 */
int sl_fw_load(const struct sl_tables *t, struct sl_fw **out, struct sl_diag *diag);

struct sl_topology;

/* Where the large maps go (docs/tiers.md); NULL members leave them to the kernel. */
struct sl_fw_opts {
	const struct sl_topology *topo;
	const struct sl_memory_cfg *memory;
};

/*
 * sl_fw_load, and before the load each large map whose pool the memory
 * config names (prefix_tables: sl_dir24, sl_dir8, sl_pfx6; rule_tables:
 * sl_class_bits) gets the NUMA node of its tier (sl_tier_map_node). A
 * missing tier falls back to fast, or fails with -ENODEV when strict.
 */
int sl_fw_load_opts(const struct sl_tables *t, const struct sl_fw_opts *opts, struct sl_fw **out,
		    struct sl_diag *diag);

/* The NUMA node a map was created on, or -1 when it was left to the kernel. */
int sl_fw_map_node(const struct sl_fw *fw, const char *name);

/* A large map that sl_fw_load_opts placed on a node (docs/tiers.md). */
struct sl_fw_placed {
	const char *map;      /* its name in xdp/maps.h, "sl_dir24" */
	enum sl_pool_id pool; /* the memory: pool that placed it */
	int node;             /* the node it was created on */
	bool fell_back;       /* its tier was missing: the fast tier's node instead */
};

/*
 * The i-th map (from 0) that the memory config placed, in load order.
 * 0, or -ENOENT past the last one (none without a memory config).
 */
int sl_fw_placed_map(const struct sl_fw *fw, size_t i, struct sl_fw_placed *out);

/* The loaded XDP program's fd (for BPF_PROG_TEST_RUN). */
int sl_fw_prog_fd(const struct sl_fw *fw);

/* A map's fd by its name in xdp/maps.h, or -ENOENT. */
int sl_fw_map_fd(const struct sl_fw *fw, const char *name);

/*
 * Attaches to the interface in the mode asked (native falls back to
 * generic with a warning unless native-only). Returns 0 or a negative
 * errno with diag; on success *used says which mode took.
 */
int sl_fw_attach(struct sl_fw *fw, const char *ifname, enum sl_xdp_mode mode,
		 enum sl_xdp_mode *used, struct sl_diag *diag);

/*
 * Pins every map, and with links the attachment links too (so the program
 * keeps enforcing after this process exits), under dir, creating it.
 */
int sl_fw_pin(struct sl_fw *fw, const char *dir, bool links, struct sl_diag *diag);

/*
 * Detaches from every interface and removes the pins it made unless keep
 * is set. Frees fw. NULL-safe.
 */
void sl_fw_destroy(struct sl_fw *fw, bool keep);

#endif /* SLUICE_FW_H */
