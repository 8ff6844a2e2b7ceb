/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sluicectl status: the rtnetlink watcher's part, as JSON and as text (docs/rtnetlink.md). */
#ifndef SLUICE_RTNL_CLI_H
#define SLUICE_RTNL_CLI_H

#include <jansson.h>

#include "proto.h"

/*
 * The SL_CTL_A_RTNL nest of a parsed STATUS reply as a JSON object, or
 * JSON null when the daemon sent none (an older sluiced). Never NULL
 * unless out of memory.
 */
json_t *sl_rtnl_cli_json(const struct sl_ctl_msg *m);

/* Prints the object sl_rtnl_cli_json made (null prints nothing). */
void sl_rtnl_cli_print(json_t *o);

#endif /* SLUICE_RTNL_CLI_H */
