/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Auto-attach (docs/rtnetlink.md): sluiced's use of the rtnetlink
 * watcher. A link whose name falls under an `interfaces` entry (a name,
 * or a glob pattern such as "veth*") gets the firewall attached when it
 * appears, and is forgotten when it goes (the kernel removes the XDP link
 * with the device); a link that is renamed out of every entry is
 * detached. MTUs above what native XDP handles are reported: an attach
 * that fell back to generic mode or was refused because of the MTU, and
 * an attached link whose MTU rose above the limit.
 *
 * How the firewall is attached is the owner's (ops.attach, ops.forget),
 * so that the policy engine can take it over; what the watcher sees is
 * passed on through ops.on_link and ops.on_addr (for example to fill a
 * `host` set with the host's own addresses).
 */
#ifndef SLUICE_RTNL_ATTACH_H
#define SLUICE_RTNL_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rtnl.h"
#include "rtnl_status.h"

struct sl_autoattach_ops {
	/*
	 * Attaches the firewall to ifname in mode. Returns 0 with *used set
	 * to the mode that took, or a negative errno with diag filled.
	 */
	int (*attach)(void *arg, const char *ifname, enum sl_xdp_mode mode, enum sl_xdp_mode *used,
		      struct sl_diag *diag);
	/*
	 * Releases what is held for an attachment to the link ifindex (now
	 * called ifname): its link fd, its pin. Called when the link went, for
	 * every link that goes (it may have been attached another way), and
	 * when one is renamed out of every entry. 0 when something was
	 * released, -ENOENT when nothing is attached to it.
	 */
	int (*forget)(void *arg, const char *ifname, int ifindex);
	void *arg;
	/* Optional: every link and address event, after auto-attach handled it. */
	void (*on_link)(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_link *link,
			const struct sl_rtnl_link *old);
	void (*on_addr)(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_addr *addr);
	void *hook_arg;
};

struct sl_autoattach;

/*
 * The largest MTU native XDP handles in one page per frame, as veth and
 * most drivers check it: page size - 256 (XDP headroom) - 320 (the skb's
 * shared info) - 14 (Ethernet), 3506 on 4 KiB pages.
 */
uint32_t sl_xdp_native_mtu_max(void);

/*
 * Prepares auto-attach for cfg's `interfaces` (kept by pointer: cfg must
 * outlive it) with ops (copied). Nothing is watched before
 * sl_autoattach_start. 0 or a negative errno.
 */
int sl_autoattach_open(const struct sl_config *cfg, const struct sl_autoattach_ops *ops,
		       struct sl_autoattach **out);

/*
 * Records an interface the firewall was attached to before the watcher
 * started (by name at sluiced's start, or adopted from pins), so that it
 * is not attached twice and is forgotten when it goes. 0, -ENODEV when no
 * such interface exists, -ENOSPC when SL_MAX_IFACES are recorded.
 */
int sl_autoattach_mark(struct sl_autoattach *a, const char *ifname, enum sl_xdp_mode used);

/*
 * Opens the rtnetlink watcher and asks for the first dump; links that
 * match an entry are attached as the dump is read by sl_autoattach_dispatch.
 */
int sl_autoattach_start(struct sl_autoattach *a);

/*
 * Takes a new config's `interfaces` (after a reload; kept by pointer like
 * sl_autoattach_open's; the same object again is fine) and attaches to
 * the links already known that match it now. Attachments no entry
 * matches any more are dropped from the books without forget: the reload
 * detached them (policy.c's sync_ifaces).
 */
void sl_autoattach_set_config(struct sl_autoattach *a, const struct sl_config *cfg);

/* The watcher's fd for poll(2) (POLLIN); -1 before sl_autoattach_start. */
int sl_autoattach_fd(const struct sl_autoattach *a);

/* Reads what the watcher's socket holds and acts on it. 0 or a negative errno. */
int sl_autoattach_dispatch(struct sl_autoattach *a);

/* Fills out with the watcher's state, counters and links, for STATUS. */
void sl_autoattach_status(const struct sl_autoattach *a, struct sl_rtnl_status *out);

/*
 * The same with a detached watcher (sl_rtnl_open_detached), for tests:
 * events come from sl_rtnl_feed on sl_autoattach_watcher.
 */
int sl_autoattach_start_detached(struct sl_autoattach *a);

/* The watcher itself (its tables and counters); NULL before it is started. */
struct sl_rtnl *sl_autoattach_watcher(const struct sl_autoattach *a);

/* Closes the watcher; attachments are left to their owner. NULL-safe. */
void sl_autoattach_close(struct sl_autoattach *a);

#endif /* SLUICE_RTNL_ATTACH_H */
