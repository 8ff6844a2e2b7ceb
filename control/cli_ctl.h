/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluicectl's commands over the control socket (docs/cli.md): each
 * prints its result (text or JSON) on stdout, or one line on stderr, and
 * returns the exit status.
 */
#ifndef SLUICE_CLI_CTL_H
#define SLUICE_CLI_CTL_H

#include <stdbool.h>

#include "stats.h"

/* `sluicectl status [help]`: the daemon's version, pid, uptime, interfaces, rules. */
int sl_cli_status(const char *socket, bool json, int argc, char **argv);

/*
 * `sluicectl reload [help]`: sluiced re-reads its config and applies it as
 * one generation; a config that does not load or compile is refused with
 * the daemon's one-line reason (exit 1) and the running policy stays.
 */
int sl_cli_reload(const char *socket, bool json, int argc, char **argv);

/*
 * The STATS dump from the daemon into st (what sl_stats_read gives from
 * the pins). 0, or 1 after printing a one-line reason.
 */
int sl_cli_stats_from_daemon(const char *socket, struct sl_stats *st);

#endif /* SLUICE_CLI_CTL_H */
