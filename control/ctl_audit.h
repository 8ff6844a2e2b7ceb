/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which control commands are audited, and their audit records
 * (dataplane/audit.h, docs/logs.md "Audit trail"): the control server's
 * audit hook (ctl_server.h) hands each decided request here; a request
 * for a command that changes state becomes one record, refused or not.
 */
#ifndef SLUICE_CTL_AUDIT_H
#define SLUICE_CTL_AUDIT_H

#include <stdbool.h>

#include "ctl_server.h"
#include "dataplane/audit.h"
#include "proto.h"

/*
 * True for the commands that change the daemon's state, by number
 * (include/sluice/ctl.h), whether the daemon implements them yet or not:
 * interface attach and detach, rule add, delete and replace, set create,
 * delete, add, remove, flush and load, reload, transaction commit and
 * abort; and SL_CTL_AUDIT_SIGHUP_RELOAD (a reload by signal). Reads
 * (status, stats, the lists), transaction begin and unknown numbers are
 * not audited.
 */
bool sl_ctl_audited(unsigned int cmd);

/*
 * Fills r for a request of cmd from peer, answered with result (0 or a
 * negative errno): source control, the command's name as action, and as
 * args the top-level attributes of m, named as in the protocol (a
 * string or integer attribute by its value, a repeated or nested one by
 * how many times it came), at most SL_AUDIT_ARGS_MAX of them. m is the
 * parsed request, or NULL when it did not parse (no args then). For
 * SL_CTL_AUDIT_SIGHUP_RELOAD: source signal, action reload, the
 * sender's uid and pid, args {"signal": "SIGHUP"}.
 */
void sl_ctl_audit_record(struct sl_audit_rec *r, const struct sl_ctl_peer *peer,
			 unsigned int cmd, const struct sl_ctl_msg *m, int result);

/*
 * Adds the top-level attributes of m, parsed (and so validated) by
 * sl_ctl_parse against set, to r's args as sl_ctl_audit_record does.
 */
void sl_ctl_audit_args(struct sl_audit_rec *r, const struct sl_ctl_msg *m,
		       const struct sl_ctl_attrset *set);

#endif /* SLUICE_CTL_AUDIT_H */
