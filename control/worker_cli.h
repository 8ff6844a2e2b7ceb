/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sluicectl's view of the dataplane workers in a STATUS reply (docs/dataplane.md). */
#ifndef SLUICE_WORKER_CLI_H
#define SLUICE_WORKER_CLI_H

#include <jansson.h>

#include "proto.h"

/*
 * The SL_CTL_A_WORKER nests of a STATUS reply as a JSON array (empty when
 * sluiced runs no worker), or NULL without memory.
 */
json_t *sl_worker_cli_json(const struct sl_ctl_msg *m);

/* The text form of that array: one block per worker; nothing for none. */
void sl_worker_cli_print(json_t *workers);

#endif /* SLUICE_WORKER_CLI_H */
