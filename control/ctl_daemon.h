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
 * (blocked) signals in stop arrives. Returns the signal number, or a
 * negative errno.
 */
int sl_ctld_run(struct sl_ctld *d, const struct sl_config *cfg, const struct sl_tables *t,
		const struct sl_fw *fw, const sigset_t *stop);

/*
 * Reports pool (owned by the caller, which keeps it until sl_ctld_close)
 * in STATUS's placement, as the pool named pool_name in the memory
 * config; its pages are measured again for each STATUS. Call before
 * sl_ctld_run. 0, or -ENOSPC when the report is full.
 */
int sl_ctld_add_pool(struct sl_ctld *d, const struct sl_pool *pool, const char *pool_name);

/* Closes the socket and removes its file. NULL-safe. */
void sl_ctld_close(struct sl_ctld *d);

#endif /* SLUICE_CTL_DAEMON_H */
