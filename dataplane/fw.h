/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The firewall program's lifecycle: open the skeleton, set its rodata from
 * compiled tables, size and fill the maps, load, attach to interfaces,
 * pin, detach. Owns every kernel object it creates.
 */
#ifndef SLUICE_FW_H
#define SLUICE_FW_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

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

/*
 * Where the large maps go (docs/tiers.md); NULL members leave them to the
 * kernel. And which maps a new instance takes over instead of creating
 * them (docs/control.md, "Generations"):
 * - share: a live instance's counter maps and event ring (the maps of
 *   sl_fw_map_is_shared), so that counters continue in a new generation;
 * - reuse_dir: the same maps from the pins of a previous sluiced, and with
 *   reuse_policy every pinned map, policy tables included (then nothing is
 *   filled: the tables must be those the pinned maps were filled from).
 * share wins over reuse_dir.
 */
struct sl_fw_opts {
	const struct sl_topology *topo;
	const struct sl_memory_cfg *memory;
	const struct sl_fw *share;
	const char *reuse_dir;
	bool reuse_policy;
};

/*
 * True for the maps a generation shares with the one before it: per-rule
 * (by stat slot), per-verdict and per-reason counters, the event ring,
 * the log state and log counters, the steering counters, the AF_XDP
 * socket map, the inspect stage's flow cache and the inline counters.
 * Every other map is the policy's, new in each generation. sl_fw_map_fd answers the same fd for
 * a shared map in every generation (sl_fw_switch hands it on), so a
 * reader may keep it for the daemon's life.
 */
bool sl_fw_map_is_shared(const char *name);
#define SL_FW_SHARED_MAPS 12 /* how many (fw.c's list) */

/*
 * sl_fw_load, and before the load each large map whose pool the memory
 * config names (prefix_tables: sl_dir24, sl_dir8, sl_pfx6; rule_tables:
 * sl_class_bits) gets the NUMA node of its tier (sl_tier_map_node). A
 * missing tier falls back to fast, or fails with -ENODEV when strict.
 */
int sl_fw_load_opts(const struct sl_tables *t, const struct sl_fw_opts *opts, struct sl_fw **out,
		    struct sl_diag *diag);

/*
 * Makes a loaded, unattached instance enforce t instead of old (the
 * tables it was filled from) without loading a program: its policy maps
 * are emptied to a fresh load's state and filled from t (the IPv6 trie by
 * difference). Only for an instance no packet can be running: one that
 * was switched out (sl_fw_switch) at least an RCU grace period ago, and
 * that is not pinned. -EAGAIN, with nothing changed, when t needs another
 * program (other rodata, or larger tables than the instance's maps);
 * another negative errno leaves the maps half-filled (destroy the
 * instance).
 */
int sl_fw_refill(struct sl_fw *fw, const struct sl_tables *old, const struct sl_tables *t,
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
 * A pin already there is replaced atomically (pinned under a temporary
 * name, then renamed over it), so readers see the old map or the new one;
 * sl_generation is pinned last. Maps taken over from the pinned instance
 * keep their pins. Links are pinned as link_IFNAME.
 */
int sl_fw_pin(struct sl_fw *fw, const char *dir, bool links, struct sl_diag *diag);

/* Pins the link of ifname (attached by fw) under fw's pin directory. */
int sl_fw_pin_link(struct sl_fw *fw, const char *ifname, struct sl_diag *diag);

/*
 * Switches every interface old is attached to over to new's program, one
 * bpf_link_update per interface: no detach window, each packet runs one
 * program or the other. On success the links (and their pins) belong to
 * new and old keeps no attachment and no pin (destroying it only closes
 * its objects). On failure the interfaces already switched are switched
 * back, and both keep what they had.
 */
int sl_fw_switch(struct sl_fw *old, struct sl_fw *new, struct sl_diag *diag);

/*
 * Takes over the links a previous sluiced pinned under dir (link_IFNAME)
 * and switches each to fw's program with bpf_link_update (a program
 * upgrade is this same switch). On failure the links already switched go
 * back to the program they ran. The links stay pinned. 0 or -errno.
 */
int sl_fw_adopt_links(struct sl_fw *fw, const char *dir, struct sl_diag *diag);

/* Detaches from ifname and removes its link pin. -ENOENT when not attached. */
int sl_fw_detach(struct sl_fw *fw, const char *ifname);

/* Interfaces fw is attached to: the i-th, or -ENOENT past the last. */
int sl_fw_attachment(const struct sl_fw *fw, size_t i, char ifname[IF_NAMESIZE], int *ifindex);

/*
 * What a previous sluiced left under dir: links pinned (link_*), whether
 * all of them run one program and every pinned map that program uses is
 * one of its maps (consistent), and the sl_generation values pinned.
 */
struct sl_fw_pinned {
	size_t n_links;
	bool consistent;
	uint64_t generation;
	uint64_t hash;
	bool has_generation;
};

/* Inspects dir. 0 (n_links 0 when there is nothing) or a negative errno. */
int sl_fw_inspect_pins(const char *dir, struct sl_fw_pinned *out);

/* Writes the generation number and policy hash into sl_generation. */
int sl_fw_set_generation(struct sl_fw *fw, uint64_t generation, uint64_t hash);

/* Zeroes the counters and the log state of one stat slot (on every CPU). */
int sl_fw_zero_slot(struct sl_fw *fw, uint32_t slot);

/*
 * Detaches from every interface and removes the pins it made unless keep
 * is set. Frees fw. NULL-safe.
 */
void sl_fw_destroy(struct sl_fw *fw, bool keep);

#endif /* SLUICE_FW_H */
