/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "ctl_audit.h"

#include <stdio.h>
#include <string.h>

bool sl_ctl_audited(unsigned int cmd)
{
	switch (cmd) {
	case SL_CTL_CMD_IFACE_ATTACH:
	case SL_CTL_CMD_IFACE_DETACH:
	case SL_CTL_CMD_RULE_ADD:
	case SL_CTL_CMD_RULE_DELETE:
	case SL_CTL_CMD_RULE_REPLACE:
	case SL_CTL_CMD_SET_CREATE:
	case SL_CTL_CMD_SET_DELETE:
	case SL_CTL_CMD_SET_ADD:
	case SL_CTL_CMD_SET_REMOVE:
	case SL_CTL_CMD_SET_FLUSH:
	case SL_CTL_CMD_SET_LOAD:
	case SL_CTL_CMD_RELOAD:
	case SL_CTL_CMD_TX_COMMIT:
	case SL_CTL_CMD_TX_ABORT:
	case SL_CTL_AUDIT_SIGHUP_RELOAD:
		return true;
	}
	return false;
}

static uint64_t int_value(const struct nlattr *a, uint8_t type)
{
	switch (type) {
	case SL_CTL_T_U8:
		return mnl_attr_get_u8(a);
	case SL_CTL_T_U16:
		return mnl_attr_get_u16(a);
	case SL_CTL_T_U32:
		return mnl_attr_get_u32(a);
	default:
		return mnl_attr_get_u64(a);
	}
}

/*
 * m's attributes were validated by sl_ctl_parse against set: every type
 * is within set->max and has the size its policy says, so libmnl may
 * read them.
 */
void sl_ctl_audit_args(struct sl_audit_rec *r, const struct sl_ctl_msg *m,
		       const struct sl_ctl_attrset *set)
{
	uint32_t counts[SL_CTL_A_MAX + 1] = { 0 };
	bool done[SL_CTL_A_MAX + 1] = { false };
	const struct nlattr *a;

	if (set->max > SL_CTL_A_MAX)
		return;
	mnl_attr_for_each(a, m->nlh, sizeof(struct sl_ctl_hdr)) {
		uint16_t t = mnl_attr_get_type(a);

		if (t <= set->max)
			counts[t]++;
	}
	mnl_attr_for_each(a, m->nlh, sizeof(struct sl_ctl_hdr)) {
		uint16_t t = mnl_attr_get_type(a);
		const struct sl_ctl_policy *p;
		const char *key;
		char fallback[SL_AUDIT_KEY_LEN];

		if (t > set->max || done[t])
			continue;
		done[t] = true;
		p = &set->policy[t];
		key = set->names ? set->names[t] : NULL;
		if (!key) {
			snprintf(fallback, sizeof(fallback), "attr_%u", (unsigned)t);
			key = fallback;
		}
		if ((p->flags & SL_CTL_F_MULTI) || p->type == SL_CTL_T_NESTED)
			sl_audit_add_num(r, key, SL_AUDIT_ARG_N, counts[t]);
		else if (p->type == SL_CTL_T_STRING)
			sl_audit_add_str(r, key, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
		else if (p->type >= SL_CTL_T_U8 && p->type <= SL_CTL_T_U64)
			sl_audit_add_num(r, key, SL_AUDIT_ARG_INT, int_value(a, p->type));
	}
}

void sl_ctl_audit_record(struct sl_audit_rec *r, const struct sl_ctl_peer *peer,
			 unsigned int cmd, const struct sl_ctl_msg *m, int result)
{
	if (cmd == SL_CTL_AUDIT_SIGHUP_RELOAD) {
		sl_audit_init(r, SL_AUDIT_SRC_SIGNAL, "reload");
		r->uid = peer->uid;
		r->pid = peer->pid;
		r->result = result;
		sl_audit_add_str(r, "signal", "SIGHUP", SIZE_MAX);
		return;
	}
	sl_audit_init(r, SL_AUDIT_SRC_CONTROL, sl_ctl_cmd_name(cmd));
	r->flags |= SL_AUDIT_F_CMD | SL_AUDIT_F_GID;
	r->cmd = cmd;
	r->uid = peer->uid;
	r->gid = peer->gid;
	r->pid = peer->pid;
	r->result = result;
	if (m && m->info && m->info->request)
		sl_ctl_audit_args(r, m, m->info->request);
}
