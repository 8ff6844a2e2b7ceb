/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy engine: owns the running policy (ordered named rules, named
 * sets with their prefixes, interfaces, settings) and the generation of
 * the XDP program that enforces it (docs/control.md, "Generations").
 *
 * A change is a new desired policy, compiled and loaded as a new
 * generation: a fresh program instance with new policy maps that shares
 * the counter maps and the event ring of the live one, switched on every
 * interface with bpf_link_update (no detach window: each packet sees one
 * generation), then pinned over the old pins and saved in the state
 * directory, so that a restarted or upgraded sluiced adopts exactly what
 * runs. Each rule keeps a stats slot for as long as a rule of its name
 * exists, so counters continue while positions move.
 *
 * Single-threaded: call from the daemon's main loop only.
 */
#ifndef SLUICE_POLICY_H
#define SLUICE_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "compile.h"
#include "config.h"

struct sl_policy_engine;
struct sl_fw;
struct sl_topology;

struct sl_policy_opts {
	/* Where the policy is saved (policy.yaml, sets/); NULL: sl_policy_default_state_dir. */
	const char *state_dir;
	/* Large map placement (docs/tiers.md); NULL: left to the kernel. */
	const struct sl_topology *topo;
};

/*
 * The default state directory for a pin directory: /run/sluiced/
 * followed by the pin directory's last component ("sluice"). 0 or
 * -ENAMETOOLONG.
 */
int sl_policy_default_state_dir(const char *pin_dir, char *out, size_t size);

/*
 * Starts enforcing cfg. cfg stays the caller's and must live until
 * sl_policy_close: the engine keeps its daemon settings and replaces its
 * policy part (settings, interfaces, sets, rules) on every change, so
 * the pointer stays valid and always shows the running policy.
 *
 * When links of a previous sluiced are pinned under cfg->pin_dir, they
 * are adopted, never detached: the saved policy is rebuilt (or cfg's, if
 * the config file changed since it was last applied), a new program is
 * loaded over the pinned counter maps, and when the pinned generation is
 * exactly the saved one its policy maps too, and every link is switched
 * to it with bpf_link_update. Otherwise (nothing pinned, or map pins
 * without links: nothing enforces) leftovers are removed and cfg is
 * attached to its interfaces. Links are always pinned while the engine
 * runs. 0 or a negative errno with diag.
 */
int sl_policy_open(struct sl_config *cfg, const struct sl_policy_opts *opts, struct sl_policy_engine **out,
		   struct sl_diag *diag);

/*
 * Applies next as one new generation (next is taken over on success;
 * on failure the caller keeps it and the live generation is unchanged).
 * Daemon settings (pin_dir, control, logging, memory) stay those of the
 * running config. Interfaces next adds are attached, those it drops are
 * detached. 0, or a negative errno with diag (the config does not
 * compile, an interface a rule names is missing, the kernel refused).
 */
int sl_policy_apply(struct sl_policy_engine *p, struct sl_config *next, struct sl_diag *diag);

/*
 * Re-reads the config file the engine was started with and applies it
 * (sl_policy_apply). A config that does not load or compile is refused
 * with the reason in diag; the live generation stays.
 */
int sl_policy_reload(struct sl_policy_engine *p, struct sl_diag *diag);

/*
 * Attaches the live program to ifname at run time (for the rtnetlink
 * watcher) and pins its link; the interface becomes part of the saved
 * policy. -EEXIST when attached already, -ENODEV when there is no such
 * interface. The generation does not change.
 */
int sl_policy_iface_attach(struct sl_policy_engine *p, const char *ifname, enum sl_xdp_mode mode,
			   struct sl_diag *diag);

/* Detaches from ifname and forgets it. -ENOENT when not attached. */
int sl_policy_iface_detach(struct sl_policy_engine *p, const char *ifname, struct sl_diag *diag);

/*
 * Called by sl_policy_reload with the config it read from the file, after
 * it loaded and before it is compiled and applied: the daemon fills its
 * host sets there (hostset.h), so a reload never applies them empty. The
 * listener must not call the engine. One listener.
 */
void sl_policy_on_load(struct sl_policy_engine *p, void (*fn)(void *arg, struct sl_config *next),
		       void *arg);

/*
 * Called after every change (new generation, attach, detach), when the
 * live program's maps may have new fds. One listener.
 */
void sl_policy_on_change(struct sl_policy_engine *p, void (*fn)(void *arg), void *arg);

/*
 * An fd of a map every generation shares (sl_fw_map_is_shared: counters,
 * the event ring, log state, ...), the same in every generation and valid
 * until sl_policy_close, for readers that outlive generations (the
 * logger, metrics, workers). -ENOENT for another map.
 */
int sl_policy_shared_fd(const struct sl_policy_engine *p, const char *name);

/*
 * The rule names by stats slot (out has SL_MAX_RULES entries; "" for a
 * free slot): events name their rule by slot (sl_event.rule).
 */
void sl_policy_slot_names(const struct sl_policy_engine *p, struct sl_rule_meta *out);

/* The running policy and daemon settings, the live instance and its tables. */
const struct sl_config *sl_policy_config(const struct sl_policy_engine *p);
const struct sl_tables *sl_policy_tables(const struct sl_policy_engine *p);
const struct sl_fw *sl_policy_fw(const struct sl_policy_engine *p);
uint64_t sl_policy_generation(const struct sl_policy_engine *p);

/*
 * Stops: with keep the program keeps enforcing (links, maps and the
 * saved state stay for the next sluiced); without, it detaches from
 * every interface and removes the pins and the state. NULL-safe.
 */
void sl_policy_close(struct sl_policy_engine *p, bool keep);

/* Removes a saved state directory and what sluiced wrote in it (sluiced --detach). */
void sl_policy_remove_state(const char *state_dir);

/* ------------------------------------------------------------ saved state */

/*
 * A 64-bit hash (FNV-1a) of the policy part of cfg: settings, sets and
 * rules as sl_policy_save writes them (interfaces are not part of it).
 */
uint64_t sl_policy_hash(const struct sl_config *cfg);

/*
 * Writes the policy part of cfg (settings, interfaces, sets, rules) as a
 * config file (docs/config.md) that sl_config_load_file reads back to the
 * same policy: dir/policy.yaml and dir/sets/NAME.txt per named set. Inline
 * prefixes stay inline. *hash (when not NULL) is sl_policy_hash(cfg).
 * 0 or a negative errno with diag.
 */
int sl_policy_write(const struct sl_config *cfg, const char *dir, uint64_t *hash,
		    struct sl_diag *diag);

/* Writes rule index of cfg as in policy.yaml (a block list item) into f. */
int sl_policy_write_rule(const struct sl_config *cfg, size_t index, FILE *f);

#endif /* SLUICE_POLICY_H */
