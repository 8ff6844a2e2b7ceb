/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Host sets (docs/config.md, "Host sets"): named sets declared with
 * `source: host-addresses`, which sluiced fills with the host's own
 * addresses (a /32 or /128 per address, optionally only those of links
 * whose name matches the set's `interface` glob) from the rtnetlink
 * watcher's table, so that rules can say `dst: host`.
 *
 * Pure functions over a list of addresses: the daemon collects the list
 * (sl_hostset_from_rtnl, or sl_hostset_from_system before the watcher
 * runs), asks which sets would change, and applies a filled copy of the
 * policy as one generation through the policy engine.
 */
#ifndef SLUICE_HOSTSET_H
#define SLUICE_HOSTSET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct sl_rtnl;

/* One address of the host and the name of its link. */
struct sl_host_addr {
	char ifname[IF_NAMESIZE];
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in the first four bytes */
};

/* Whether cfg declares a host set. */
bool sl_hostset_any(const struct sl_config *cfg);

/*
 * The elements host set `set` should hold for the addresses a[0..n): a
 * /32 or /128 per address whose link matches the set's interface glob
 * (every link when it has none), sorted (family, address), without
 * duplicates. *out is malloc'd (NULL when *n_out is 0). 0 or -ENOMEM.
 */
int sl_hostset_elements(const struct sl_set *set, const struct sl_host_addr *a, size_t n,
			struct sl_prefix **out, size_t *n_out);

/*
 * How many host sets of cfg do not hold exactly the elements for
 * a[0..n) (in any order): 0 means there is nothing to apply. A negative
 * errno (-ENOMEM) when it cannot tell.
 */
int sl_hostset_changes(const struct sl_config *cfg, const struct sl_host_addr *a, size_t n);

/*
 * Replaces the elements of every host set of cfg that differs by those
 * for a[0..n), sorted. Returns the number of sets changed, or -ENOMEM
 * (cfg may then be half filled: discard it).
 */
int sl_hostset_fill(struct sl_config *cfg, const struct sl_host_addr *a, size_t n);

/*
 * The addresses in the watcher's table, with the names of their links
 * (an address of a link the table does not hold is left out). *out is
 * malloc'd. 0 or -ENOMEM.
 */
int sl_hostset_from_rtnl(const struct sl_rtnl *w, struct sl_host_addr **out, size_t *n);

/* The addresses getifaddrs(3) reports now, the same way. 0 or a negative errno. */
int sl_hostset_from_system(struct sl_host_addr **out, size_t *n);

/*
 * 0 when the elements of the set called name may be changed by the set
 * commands; -EPERM with diag when it is a host set of cfg (sluiced fills
 * it). A name that is no set is 0: the edit itself says so.
 */
int sl_hostset_check_edit(const struct sl_config *cfg, const char *name, struct sl_diag *diag);

#endif /* SLUICE_HOSTSET_H */
