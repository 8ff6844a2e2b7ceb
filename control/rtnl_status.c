/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "rtnl_status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const rtlink_names[SL_CTL_RTLINK_A_COUNT] = {
	[SL_CTL_RTLINK_A_INDEX] = "ifindex",
	[SL_CTL_RTLINK_A_NAME] = "name",
	[SL_CTL_RTLINK_A_MTU] = "mtu",
	[SL_CTL_RTLINK_A_UP] = "up",
	[SL_CTL_RTLINK_A_ATTACHED] = "attached",
	[SL_CTL_RTLINK_A_ENTRY] = "entry",
	[SL_CTL_RTLINK_A_XDP_MODE] = "xdp_mode",
	[SL_CTL_RTLINK_A_ADDR] = "address",
};

static const struct sl_ctl_policy rtlink_policy[SL_CTL_RTLINK_A_COUNT] = {
	[SL_CTL_RTLINK_A_INDEX] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_RTLINK_A_NAME] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED,
				   .max_len = IF_NAMESIZE },
	[SL_CTL_RTLINK_A_MTU] = { .type = SL_CTL_T_U32 },
	[SL_CTL_RTLINK_A_UP] = { .type = SL_CTL_T_U8 },
	[SL_CTL_RTLINK_A_ATTACHED] = { .type = SL_CTL_T_U8 },
	[SL_CTL_RTLINK_A_ENTRY] = { .type = SL_CTL_T_STRING, .max_len = IF_NAMESIZE },
	[SL_CTL_RTLINK_A_XDP_MODE] = { .type = SL_CTL_T_U32 },
	[SL_CTL_RTLINK_A_ADDR] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_MULTI,
				   .max_len = SL_RTNL_ADDR_STR },
};

const struct sl_ctl_attrset sl_ctl_rtlink_attrs = {
	.name = "rtnetlink link",
	.policy = rtlink_policy,
	.names = rtlink_names,
	.max = SL_CTL_RTLINK_A_MAX,
};

static const char *const rtnl_names[SL_CTL_RTNL_A_COUNT] = {
	[SL_CTL_RTNL_A_SYNCED] = "synced",
	[SL_CTL_RTNL_A_EVENTS] = "events",
	[SL_CTL_RTNL_A_RESYNCS] = "resyncs",
	[SL_CTL_RTNL_A_DUMPS_REDONE] = "dumps_redone",
	[SL_CTL_RTNL_A_FOREIGN] = "foreign_dropped",
	[SL_CTL_RTNL_A_MALFORMED] = "malformed_dropped",
	[SL_CTL_RTNL_A_STALE_SEQ] = "stale_seq_dropped",
	[SL_CTL_RTNL_A_TABLE_FULL] = "table_full",
	[SL_CTL_RTNL_A_DUMP_ERRORS] = "dump_errors",
	[SL_CTL_RTNL_A_ATTACHES] = "attaches",
	[SL_CTL_RTNL_A_FORGOTTEN] = "forgotten",
	[SL_CTL_RTNL_A_ATTACH_FAILED] = "attach_failed",
	[SL_CTL_RTNL_A_MTU_REFUSED] = "mtu_refused",
	[SL_CTL_RTNL_A_MTU_OVER] = "mtu_over",
	[SL_CTL_RTNL_A_N_LINKS] = "links",
	[SL_CTL_RTNL_A_N_ADDRS] = "addresses",
	[SL_CTL_RTNL_A_N_NEIGHS] = "neighbours",
	[SL_CTL_RTNL_A_N_ROUTES] = "routes",
	[SL_CTL_RTNL_A_LINK] = "link",
	[SL_CTL_RTNL_A_XDP_MTU_MAX] = "xdp_mtu_max",
};

#define U64 { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED }
#define U32 { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED }

static const struct sl_ctl_policy rtnl_policy[SL_CTL_RTNL_A_COUNT] = {
	[SL_CTL_RTNL_A_SYNCED] = { .type = SL_CTL_T_U8, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_RTNL_A_EVENTS] = U64,
	[SL_CTL_RTNL_A_RESYNCS] = U64,
	[SL_CTL_RTNL_A_DUMPS_REDONE] = U64,
	[SL_CTL_RTNL_A_FOREIGN] = U64,
	[SL_CTL_RTNL_A_MALFORMED] = U64,
	[SL_CTL_RTNL_A_STALE_SEQ] = U64,
	[SL_CTL_RTNL_A_TABLE_FULL] = U64,
	[SL_CTL_RTNL_A_DUMP_ERRORS] = U64,
	[SL_CTL_RTNL_A_ATTACHES] = U64,
	[SL_CTL_RTNL_A_FORGOTTEN] = U64,
	[SL_CTL_RTNL_A_ATTACH_FAILED] = U64,
	[SL_CTL_RTNL_A_MTU_REFUSED] = U64,
	[SL_CTL_RTNL_A_MTU_OVER] = U64,
	[SL_CTL_RTNL_A_N_LINKS] = U32,
	[SL_CTL_RTNL_A_N_ADDRS] = U32,
	[SL_CTL_RTNL_A_N_NEIGHS] = U32,
	[SL_CTL_RTNL_A_N_ROUTES] = U32,
	[SL_CTL_RTNL_A_LINK] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
				 .nest = &sl_ctl_rtlink_attrs },
	[SL_CTL_RTNL_A_XDP_MTU_MAX] = { .type = SL_CTL_T_U32 },
};

const struct sl_ctl_attrset sl_ctl_rtnl_attrs = {
	.name = "rtnetlink",
	.policy = rtnl_policy,
	.names = rtnl_names,
	.max = SL_CTL_RTNL_A_MAX,
};

static bool put_link(struct nlmsghdr *nlh, size_t size, const struct sl_rtnl_status *st,
		     const struct sl_rtnl_status_link *l)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, SL_CTL_RTNL_A_LINK);
	uint32_t i;

	if (!nest)
		return false;
	if (!mnl_attr_put_u32_check(nlh, size, SL_CTL_RTLINK_A_INDEX, l->ifindex) ||
	    !mnl_attr_put_strz_check(nlh, size, SL_CTL_RTLINK_A_NAME, l->name) ||
	    !mnl_attr_put_u32_check(nlh, size, SL_CTL_RTLINK_A_MTU, l->mtu) ||
	    !mnl_attr_put_u8_check(nlh, size, SL_CTL_RTLINK_A_UP, l->up) ||
	    !mnl_attr_put_u8_check(nlh, size, SL_CTL_RTLINK_A_ATTACHED, l->attached) ||
	    (l->entry[0] && !mnl_attr_put_strz_check(nlh, size, SL_CTL_RTLINK_A_ENTRY, l->entry)) ||
	    (l->attached && !mnl_attr_put_u32_check(nlh, size, SL_CTL_RTLINK_A_XDP_MODE, l->xdp_mode)))
		goto fail;
	for (i = 0; i < l->n_addrs; i++) {
		size_t k = (size_t)l->first_addr + i;

		if (k >= st->n_status_addrs)
			break;
		if (!mnl_attr_put_strz_check(nlh, size, SL_CTL_RTLINK_A_ADDR, st->addrs[k]))
			goto fail;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
fail:
	mnl_attr_nest_cancel(nlh, nest);
	return false;
}

int sl_rtnl_status_put(struct nlmsghdr *nlh, size_t size, const struct sl_rtnl_status *st)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, SL_CTL_A_RTNL);
	const struct {
		uint16_t type;
		uint64_t v;
	} counters[] = {
		{ SL_CTL_RTNL_A_EVENTS, st->events },
		{ SL_CTL_RTNL_A_RESYNCS, st->resyncs },
		{ SL_CTL_RTNL_A_DUMPS_REDONE, st->dumps_redone },
		{ SL_CTL_RTNL_A_FOREIGN, st->foreign },
		{ SL_CTL_RTNL_A_MALFORMED, st->malformed },
		{ SL_CTL_RTNL_A_STALE_SEQ, st->stale_seq },
		{ SL_CTL_RTNL_A_TABLE_FULL, st->table_full },
		{ SL_CTL_RTNL_A_DUMP_ERRORS, st->dump_errors },
		{ SL_CTL_RTNL_A_ATTACHES, st->attaches },
		{ SL_CTL_RTNL_A_FORGOTTEN, st->forgotten },
		{ SL_CTL_RTNL_A_ATTACH_FAILED, st->attach_failed },
		{ SL_CTL_RTNL_A_MTU_REFUSED, st->mtu_refused },
		{ SL_CTL_RTNL_A_MTU_OVER, st->mtu_over },
	};
	size_t i;

	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_u8_check(nlh, size, SL_CTL_RTNL_A_SYNCED, st->synced) ||
	    !mnl_attr_put_u32_check(nlh, size, SL_CTL_RTNL_A_N_LINKS, st->n_links) ||
	    !mnl_attr_put_u32_check(nlh, size, SL_CTL_RTNL_A_N_ADDRS, st->n_addrs) ||
	    !mnl_attr_put_u32_check(nlh, size, SL_CTL_RTNL_A_N_NEIGHS, st->n_neighs) ||
	    !mnl_attr_put_u32_check(nlh, size, SL_CTL_RTNL_A_N_ROUTES, st->n_routes) ||
	    !mnl_attr_put_u32_check(nlh, size, SL_CTL_RTNL_A_XDP_MTU_MAX, st->xdp_mtu_max))
		goto fail;
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (!mnl_attr_put_u64_check(nlh, size, counters[i].type, counters[i].v))
			goto fail;
	for (i = 0; i < st->n_status_links && i < SL_RTNL_STATUS_LINKS; i++)
		if (!put_link(nlh, size, st, &st->links[i]))
			goto fail;
	mnl_attr_nest_end(nlh, nest);
	return 0;
fail:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

static uint64_t u64_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static uint32_t u32_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

/* One SL_CTL_RTNL_A_LINK nest, its addresses appended to out->addrs while there is room. */
static int get_link(const struct nlmsghdr *base, const struct nlattr *nest,
		    struct sl_rtnl_status *out)
{
	const struct nlattr *tb[SL_CTL_RTLINK_A_MAX + 1];
	struct sl_rtnl_status_link *l = &out->links[out->n_status_links];
	const uint8_t *p, *end;
	struct sl_ctl_error e;

	if (sl_ctl_parse_nest(base, nest, &sl_ctl_rtlink_attrs, tb, &e))
		return -EBADMSG;
	memset(l, 0, sizeof(*l));
	l->ifindex = u32_of(tb[SL_CTL_RTLINK_A_INDEX]);
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[SL_CTL_RTLINK_A_NAME]));
	l->mtu = u32_of(tb[SL_CTL_RTLINK_A_MTU]);
	l->up = tb[SL_CTL_RTLINK_A_UP] && mnl_attr_get_u8(tb[SL_CTL_RTLINK_A_UP]);
	l->attached = tb[SL_CTL_RTLINK_A_ATTACHED] && mnl_attr_get_u8(tb[SL_CTL_RTLINK_A_ATTACHED]);
	l->xdp_mode = u32_of(tb[SL_CTL_RTLINK_A_XDP_MODE]);
	if (tb[SL_CTL_RTLINK_A_ENTRY])
		snprintf(l->entry, sizeof(l->entry), "%s", mnl_attr_get_str(tb[SL_CTL_RTLINK_A_ENTRY]));
	l->first_addr = (uint32_t)out->n_status_addrs;
	/* The nest passed the parser whole: every attribute in it is in bounds. */
	p = (const uint8_t *)nest + NLA_HDRLEN;
	end = (const uint8_t *)nest + nest->nla_len;
	while ((size_t)(end - p) >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > (size_t)(end - p))
			return -EBADMSG;
		if ((a->nla_type & NLA_TYPE_MASK) == SL_CTL_RTLINK_A_ADDR &&
		    out->n_status_addrs < SL_RTNL_STATUS_ADDRS) {
			snprintf(out->addrs[out->n_status_addrs], SL_RTNL_ADDR_STR, "%s",
				 mnl_attr_get_str(a));
			out->n_status_addrs++;
			l->n_addrs++;
		}
		if (NLA_ALIGN((size_t)a->nla_len) >= (size_t)(end - p))
			break;
		p += NLA_ALIGN((size_t)a->nla_len);
	}
	out->n_status_links++;
	return 0;
}

int sl_rtnl_status_get(const struct nlmsghdr *base, const struct nlattr *nest,
		       struct sl_rtnl_status *out)
{
	const struct nlattr *tb[SL_CTL_RTNL_A_MAX + 1];
	const uint8_t *p, *end;
	struct sl_ctl_error e;

	memset(out, 0, sizeof(*out));
	if (sl_ctl_parse_nest(base, nest, &sl_ctl_rtnl_attrs, tb, &e))
		return -EBADMSG;
	out->synced = mnl_attr_get_u8(tb[SL_CTL_RTNL_A_SYNCED]);
	out->events = u64_of(tb[SL_CTL_RTNL_A_EVENTS]);
	out->resyncs = u64_of(tb[SL_CTL_RTNL_A_RESYNCS]);
	out->dumps_redone = u64_of(tb[SL_CTL_RTNL_A_DUMPS_REDONE]);
	out->foreign = u64_of(tb[SL_CTL_RTNL_A_FOREIGN]);
	out->malformed = u64_of(tb[SL_CTL_RTNL_A_MALFORMED]);
	out->stale_seq = u64_of(tb[SL_CTL_RTNL_A_STALE_SEQ]);
	out->table_full = u64_of(tb[SL_CTL_RTNL_A_TABLE_FULL]);
	out->dump_errors = u64_of(tb[SL_CTL_RTNL_A_DUMP_ERRORS]);
	out->attaches = u64_of(tb[SL_CTL_RTNL_A_ATTACHES]);
	out->forgotten = u64_of(tb[SL_CTL_RTNL_A_FORGOTTEN]);
	out->attach_failed = u64_of(tb[SL_CTL_RTNL_A_ATTACH_FAILED]);
	out->mtu_refused = u64_of(tb[SL_CTL_RTNL_A_MTU_REFUSED]);
	out->mtu_over = u64_of(tb[SL_CTL_RTNL_A_MTU_OVER]);
	out->xdp_mtu_max = u32_of(tb[SL_CTL_RTNL_A_XDP_MTU_MAX]);
	out->n_links = u32_of(tb[SL_CTL_RTNL_A_N_LINKS]);
	out->n_addrs = u32_of(tb[SL_CTL_RTNL_A_N_ADDRS]);
	out->n_neighs = u32_of(tb[SL_CTL_RTNL_A_N_NEIGHS]);
	out->n_routes = u32_of(tb[SL_CTL_RTNL_A_N_ROUTES]);
	p = (const uint8_t *)nest + NLA_HDRLEN;
	end = (const uint8_t *)nest + nest->nla_len;
	while ((size_t)(end - p) >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > (size_t)(end - p))
			return -EBADMSG;
		if ((a->nla_type & NLA_TYPE_MASK) == SL_CTL_RTNL_A_LINK &&
		    out->n_status_links < SL_RTNL_STATUS_LINKS && get_link(base, a, out))
			return -EBADMSG;
		if (NLA_ALIGN((size_t)a->nla_len) >= (size_t)(end - p))
			break;
		p += NLA_ALIGN((size_t)a->nla_len);
	}
	return 0;
}
