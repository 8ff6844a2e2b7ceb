/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluiced's control socket: opens the server of ctl_server.h where the
 * config says (control.socket, control.group), fills the state that
 * STATUS and STATS report from the loaded firewall, and runs the main
 * loop until a stop signal. Part of sluiced, not of the control library:
 * it reads the firewall's maps.
 */
#ifndef SLUICE_CTL_DAEMON_H
#define SLUICE_CTL_DAEMON_H

#include <signal.h>

#include "compile.h"
#include "config.h"
#include "dataplane/fw.h"
#include "ctl_server.h"
#include "proto.h"

struct sl_ctld;
struct sl_pool;

/*
 * Listens on cfg->control.socket. Logs a one-line reason and returns a
 * negative errno when it cannot (another sluiced serves it, no such
 * group, ...). Call before loading anything, so a failure leaves nothing.
 */
int sl_ctld_open(const struct sl_config *cfg, struct sl_ctld **out);

/*
 * Serves the socket for the loaded and attached fw until one of the
 * (blocked) signals in stop arrives, and watches rtnetlink beside it:
 * links that match an `interfaces` entry are attached to fw as they
 * appear and forgotten when they go (rtnl_attach.h, docs/rtnetlink.md).
 * Returns the signal number, or a negative errno.
 */
int sl_ctld_run(struct sl_ctld *d, const struct sl_config *cfg, const struct sl_tables *t,
		struct sl_fw *fw, const sigset_t *stop);

/*
 * Reports pool (owned by the caller, which keeps it until sl_ctld_close)
 * in STATUS's placement, as the pool named pool_name in the memory
 * config; its pages are measured again for each STATUS. Call before
 * sl_ctld_run. 0, or -ENOSPC when the report is full.
 */
int sl_ctld_add_pool(struct sl_ctld *d, const struct sl_pool *pool, const char *pool_name);

/*
 * Copies the placement report into out[0..max), measured now, and
 * returns how many entries (the maps appear once sl_ctld_run has
 * started). Safe from another thread (the metrics server's) while
 * sl_ctld_run serves; arg is the struct sl_ctld. Its fds belong to the
 * firewall: stop calling it before the firewall goes.
 */
size_t sl_ctld_placement_copy(void *arg, struct sl_ctl_place_info *out, size_t max);

/*
 * Has sl_ctld_run's loop call fn(arg) every every_ms milliseconds (the
 * systemd watchdog), from the loop's own tick, which also runs the
 * daemon's deferred work (host sets, interface entries after a reload)
 * every 100 ms. Call before sl_ctld_run; every_ms <= 0 or a NULL fn: never.
 */
void sl_ctld_set_tick(struct sl_ctld *d, int every_ms, void (*fn)(void *arg), void *arg);

/*
 * Has the control server call fn(arg, ...) after the answer to each
 * request is decided (the audit hook of ctl_server.h); NULL: never.
 */
void sl_ctld_set_audit(struct sl_ctld *d, sl_ctl_audit_fn fn, void *arg);

struct sl_policy_engine;

/*
 * Serves the commands that read and change the policy (ctl_policy.h;
 * SIGHUP reloads when it is among sl_ctld_run's signals) through pe, and
 * attaches what the rtnetlink watcher finds through it. Call before
 * sl_ctld_run. 0 or -ENOMEM.
 */
int sl_ctld_set_policy(struct sl_ctld *d, struct sl_policy_engine *pe);

/*
 * After the engine changed generation (its change hook): STATUS and
 * STATS read the new generation's maps from now on.
 */
void sl_ctld_policy_changed(struct sl_ctld *d);

/* Closes the socket and removes its file. NULL-safe. */
struct sl_workers;

/*
 * Reports the dataplane workers ws (owned by the caller, which keeps them
 * until sl_ctld_close) in STATUS, their counters read at each request.
 */
void sl_ctld_set_workers(struct sl_ctld *d, const struct sl_workers *ws);

struct sl_dpdk_workers;

/* The same for the workers of DPDK ports (dataplane/dpdk_workers.h), after the AF_XDP ones. */
void sl_ctld_set_dpdk_workers(struct sl_ctld *d, const struct sl_dpdk_workers *ws);

void sl_ctld_close(struct sl_ctld *d);

#endif /* SLUICE_CTL_DAEMON_H */
