/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control commands that read or change the policy (docs/control.md,
 * "Changing the policy"): rules, sets, interfaces, reload and
 * transactions, served from the policy engine. A change without a
 * transaction is one generation; TX_BEGIN opens a transaction bound to
 * the connection, changes carrying its id are staged on a copy of the
 * policy, TX_COMMIT applies the copy as one generation, TX_ABORT or the
 * connection closing discards it. A transaction whose base changed (a
 * commit by someone else) is refused at commit with EAGAIN; a change
 * that fails inside a transaction discards the transaction.
 */
#ifndef SLUICE_CTL_POLICY_H
#define SLUICE_CTL_POLICY_H

#include <stdint.h>

#include "ctl_server.h"
#include "proto.h"

struct sl_policy_engine;
struct sl_ctlp;

/* 0 or -ENOMEM. pe must outlive the result. */
int sl_ctlp_open(struct sl_policy_engine *pe, struct sl_ctlp **out);

/*
 * Serves one request of connection client (the command hook of
 * ctl_server.h): 0 after replying through r, or a negative errno with e
 * naming the attribute at fault.
 */
int sl_ctlp_command(struct sl_ctlp *x, uint32_t client, const struct sl_ctl_msg *m,
		    struct sl_ctl_reply *r, struct sl_ctl_error *e);

/* Discards the transaction of a connection that went away. */
void sl_ctlp_client_gone(struct sl_ctlp *x, uint32_t client);

/* Discards every transaction. NULL-safe. */
void sl_ctlp_close(struct sl_ctlp *x);

#endif /* SLUICE_CTL_POLICY_H */
