/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluicectl's policy commands over the control socket (docs/cli.md):
 * rule, set, iface and batch. Each prints its result (text or JSON) on
 * stdout, or one line on stderr, and returns the exit status.
 */
#ifndef SLUICE_CLI_POLICY_H
#define SLUICE_CLI_POLICY_H

#include <stdbool.h>

/* `sluicectl rule add|delete|replace|list|help`. */
int sl_cli_rule(const char *socket, bool json, int argc, char **argv);

/* `sluicectl set create|delete|add|del|flush|list|load|help`. */
int sl_cli_set(const char *socket, bool json, int argc, char **argv);

/* `sluicectl iface attach|detach|list|help`. */
int sl_cli_iface(const char *socket, bool json, int argc, char **argv);

/*
 * `sluicectl batch FILE`: every line of FILE (a rule or set command as on
 * the command line, without `sluicectl`; `#` comments) in one
 * transaction on one connection: all applied as one generation, or none.
 */
int sl_cli_batch(const char *socket, bool json, int argc, char **argv);

#endif /* SLUICE_CLI_POLICY_H */
